/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-bias.h"
#include "bitlens/bitlens-error.h"

/* The bias finder (see bitlens-bias.h for what it computes and the flag rule). */

/* Words of a tag column analysed at most: each costs a permutation test. */
#define MAX_TAGS_PER_COLUMN 20

struct _BitlensBiasReport
{
  BitlensBiasOptions  options;
  guint               n_rows;
  guint               n_person;
  gboolean            has_model;
  GPtrArray          *attributes;   /* BitlensBiasAttribute */
  GPtrArray          *skipped;      /* char * */
};

void
bitlens_bias_options_init (BitlensBiasOptions *options)
{
  g_return_if_fail (options != NULL);
  options->n_bins = 5;
  options->n_permutations = 2000;
  options->min_lift = 0.03;
  options->max_p_value = 0.05;
  options->seed = 1;
  options->threshold = NAN;
}

/* The rows of the analysis and what is known of them. */
typedef struct
{
  BitlensTable       *table;
  guint               n_rows;      /* rows analysed */
  guint              *rows;        /* table row of each */
  int                *labels;
  int                *predicted;   /* -1 without a score; NULL without a model */
} Rows;

/* One attribute's values on the rows that have one, sorted by value. */
typedef struct
{
  guint   n;
  double *values;    /* ascending */
  guint  *index;     /* into Rows */
} Sorted;

typedef struct
{
  double value;
  guint  index;
} Pair;

static gint
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  const Pair *pa = a, *pb = b;

  if (pa->value != pb->value)
    return pa->value < pb->value ? -1 : 1;
  return pa->index < pb->index ? -1 : pa->index > pb->index;
}

static void
sorted_clear (Sorted *sorted)
{
  g_clear_pointer (&sorted->values, g_free);
  g_clear_pointer (&sorted->index, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sorted, sorted_clear)

static void
sort_values (const double *values,
             guint         n_rows,
             Sorted       *sorted)
{
  g_autofree Pair *pairs = g_new (Pair, MAX (n_rows, 1));
  guint n = 0;

  for (guint i = 0; i < n_rows; i++)
    if (!isnan (values[i]))
      {
        pairs[n].value = values[i];
        pairs[n].index = i;
        n++;
      }
  qsort (pairs, n, sizeof (Pair), compare_pairs);
  sorted->n = n;
  sorted->values = g_new (double, MAX (n, 1));
  sorted->index = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      sorted->values[i] = pairs[i].value;
      sorted->index[i] = pairs[i].index;
    }
}

/* Best accuracy of a rule "value <= t predicts p, above predicts 1 - p" over the cut
 * positions `ends` (index one past the last row of each run of equal values). */
static double
best_rule (const int   *target,
           guint        n,
           const guint *ends,
           guint        n_ends,
           guint        n_positive,
           guint       *best_end,
           int         *below_predicts)
{
  guint positive_below = 0;
  guint start = 0;
  guint best_correct = 0;

  for (guint e = 0; e < n_ends; e++)
    {
      guint negative_below, correct_one, correct_zero;

      for (guint i = start; i < ends[e]; i++)
        positive_below += target[i];
      start = ends[e];
      negative_below = ends[e] - positive_below;
      /* below -> 1: positives below and negatives above are right */
      correct_one = positive_below + ((n - n_positive) - negative_below);
      /* below -> 0 */
      correct_zero = negative_below + (n_positive - positive_below);
      if (correct_one > best_correct)
        {
          best_correct = correct_one;
          if (best_end != NULL)
            {
              *best_end = e;
              *below_predicts = 1;
            }
        }
      if (correct_zero > best_correct)
        {
          best_correct = correct_zero;
          if (best_end != NULL)
            {
              *best_end = e;
              *below_predicts = 0;
            }
        }
    }
  return (double) best_correct / n;
}

/* Mutual information in bits between the bin and a 0/1 target. */
static double
mutual_information (const guint *bin_of,
                    const int   *target,
                    guint        n,
                    guint        n_bins)
{
  g_autofree guint *counts = g_new0 (guint, 2 * n_bins);
  guint totals[2] = { 0, 0 };
  double information = 0.0;

  for (guint i = 0; i < n; i++)
    {
      counts[bin_of[i] * 2 + target[i]]++;
      totals[target[i]]++;
    }
  for (guint b = 0; b < n_bins; b++)
    {
      guint in_bin = counts[b * 2] + counts[b * 2 + 1];
      for (int t = 0; t < 2; t++)
        {
          guint joint = counts[b * 2 + t];
          if (joint > 0)
            information += (double) joint / n * log2 ((double) joint * n / ((double) in_bin * totals[t]));
        }
    }
  return MAX (information, 0.0);
}

/* The shortcut test of one attribute against one target, on rows given in value order. */
static void
run_test (const BitlensBiasOptions *options,
          const double             *values,      /* ascending */
          const int                *target_in,   /* aligned with values */
          const guint              *bin_of,      /* aligned with values */
          guint                     n,
          guint                     n_bins,
          BitlensBiasTest          *test)
{
  g_autofree guint *ends = g_new (guint, MAX (n, 1));
  g_autofree int *target = g_memdup2 (target_in, sizeof (int) * MAX (n, 1));
  guint n_ends = 0;
  guint n_positive = 0;
  guint best_end = 0;
  guint at_least = 0;
  GRand *rand;

  memset (test, 0, sizeof *test);
  test->n = n;
  test->threshold = NAN;
  test->p_value = 1.0;
  for (guint i = 0; i < n; i++)
    n_positive += target[i];
  test->n_positive = n_positive;
  if (n == 0)
    {
      test->baseline_accuracy = test->best_accuracy = NAN;
      return;
    }
  test->baseline_accuracy = (double) MAX (n_positive, n - n_positive) / n;
  test->best_accuracy = test->baseline_accuracy;
  test->below_predicts = n_positive * 2 >= n ? 1 : 0;
  if (n_positive == 0 || n_positive == n)
    return;

  for (guint i = 0; i < n; i++)
    if (i + 1 == n || values[i + 1] != values[i])
      ends[n_ends++] = i + 1;
  if (n_ends < 2)
    return;

  test->best_accuracy = best_rule (target, n, ends, n_ends, n_positive, &best_end, &test->below_predicts);
  test->threshold = values[ends[best_end] - 1];
  test->lift = test->best_accuracy - test->baseline_accuracy;
  test->mutual_information = mutual_information (bin_of, target, n, n_bins);

  /* Shuffling the target keeps its counts: the baseline stays, only the rule's fit moves. */
  rand = g_rand_new_with_seed (options->seed);
  for (guint r = 0; r < options->n_permutations; r++)
    {
      for (guint i = n - 1; i > 0; i--)
        {
          guint j = g_rand_int_range (rand, 0, i + 1);
          int swap = target[i];
          target[i] = target[j];
          target[j] = swap;
        }
      if (best_rule (target, n, ends, n_ends, n_positive, NULL, NULL) >= test->best_accuracy - 1e-12)
        at_least++;
    }
  g_rand_free (rand);
  test->p_value = (at_least + 1.0) / (options->n_permutations + 1.0);
  test->flagged = test->lift >= options->min_lift && test->p_value <= options->max_p_value;
}

static void
attribute_free (gpointer data)
{
  BitlensBiasAttribute *attribute = data;

  g_free (attribute->name);
  g_free (attribute->column);
  g_free (attribute->tag);
  g_free (attribute->bins);
  g_free (attribute);
}

/* Bins from cut values (strictly increasing): bin b holds cuts[b - 1] <= v < cuts[b]. */
static guint
bin_of_value (const double *cuts,
              guint         n_cuts,
              double        value)
{
  guint bin = 0;
  while (bin < n_cuts && value >= cuts[bin])
    bin++;
  return bin;
}

/* Analyses one attribute given per-row values (NaN = no value). Returns NULL, with a reason
 * in `skipped`, when there is nothing to analyse. */
static BitlensBiasAttribute *
analyze_attribute (const BitlensBiasOptions *options,
                   const Rows               *rows,
                   const char               *column,
                   const char               *tag,
                   const double             *values,
                   GPtrArray                *skipped)
{
  g_auto(Sorted) sorted = { 0 };
  g_autofree double *cuts = NULL;
  g_autofree guint *bin_of = NULL;
  g_autofree int *labels = NULL;
  g_autofree double *scored_values = NULL;
  g_autofree int *errors = NULL;
  g_autofree guint *scored_bins = NULL;
  g_autofree char *name = tag != NULL ? g_strdup_printf ("%s:%s", column, tag) : g_strdup (column);
  BitlensBiasAttribute *attribute;
  guint n_cuts = 0, n_scored = 0;

  sort_values (values, rows->n_rows, &sorted);
  if (sorted.n == 0)
    {
      g_ptr_array_add (skipped, g_strdup_printf (_("%s: no values"), name));
      return NULL;
    }
  if (sorted.values[0] == sorted.values[sorted.n - 1])
    {
      g_ptr_array_add (skipped, g_strdup_printf (_("%s: one value (%g)"), name, sorted.values[0]));
      return NULL;
    }

  /* Cuts at the quantiles; a tag has the single cut 1 (without | with). */
  cuts = g_new (double, MAX (options->n_bins, 2));
  if (tag != NULL)
    cuts[n_cuts++] = 1.0;
  else
    for (guint k = 1; k < options->n_bins; k++)
      {
        double cut = sorted.values[(gsize) k * sorted.n / options->n_bins];
        if (cut > sorted.values[0] && (n_cuts == 0 || cut > cuts[n_cuts - 1]))
          cuts[n_cuts++] = cut;
      }

  attribute = g_new0 (BitlensBiasAttribute, 1);
  attribute->name = g_steal_pointer (&name);
  attribute->column = g_strdup (column);
  attribute->tag = g_strdup (tag);
  attribute->kind = tag != NULL ? BITLENS_BIAS_TAG : BITLENS_BIAS_NUMBER;
  attribute->n_bins = n_cuts + 1;
  attribute->bins = g_new0 (BitlensBiasBin, attribute->n_bins);
  for (guint b = 0; b < attribute->n_bins; b++)
    {
      attribute->bins[b].lower = INFINITY;
      attribute->bins[b].upper = -INFINITY;
    }

  bin_of = g_new (guint, sorted.n);
  labels = g_new (int, sorted.n);
  scored_values = g_new (double, sorted.n);
  errors = g_new (int, sorted.n);
  scored_bins = g_new (guint, sorted.n);
  for (guint i = 0; i < sorted.n; i++)
    {
      guint r = sorted.index[i];
      double value = sorted.values[i];
      BitlensBiasBin *bin;

      bin_of[i] = bin_of_value (cuts, n_cuts, value);
      bin = &attribute->bins[bin_of[i]];
      labels[i] = rows->labels[r];
      bin->lower = MIN (bin->lower, value);
      bin->upper = MAX (bin->upper, value);
      bin->count++;
      bin->n_person += labels[i];
      if (rows->predicted != NULL && rows->predicted[r] >= 0)
        {
          bitlens_confusion_add (&bin->confusion, labels[i], rows->predicted[r]);
          scored_values[n_scored] = value;
          errors[n_scored] = rows->predicted[r] != labels[i];
          scored_bins[n_scored] = bin_of[i];
          n_scored++;
        }
    }
  for (guint b = 0; b < attribute->n_bins; b++)
    {
      BitlensBiasBin *bin = &attribute->bins[b];

      bin->person_rate = (double) bin->n_person / bin->count;
      bin->n_evaluated = bitlens_confusion_get_total (&bin->confusion);
      bin->accuracy = bitlens_confusion_get_metric (&bin->confusion, BITLENS_METRIC_ACCURACY);
      bin->false_positive_rate = bitlens_confusion_get_metric (&bin->confusion, BITLENS_METRIC_FALSE_POSITIVE_RATE);
      bin->false_negative_rate = bitlens_confusion_get_metric (&bin->confusion, BITLENS_METRIC_FALSE_NEGATIVE_RATE);
    }

  run_test (options, sorted.values, labels, bin_of, sorted.n, attribute->n_bins, &attribute->label);
  if (rows->predicted != NULL)
    {
      attribute->has_errors = TRUE;
      run_test (options, scored_values, errors, scored_bins, n_scored, attribute->n_bins, &attribute->errors);
    }
  return attribute;
}

typedef struct
{
  char  *word;
  guint  count;
} WordCount;

static gint
compare_word_counts (gconstpointer a,
                     gconstpointer b)
{
  const WordCount *wa = *(const WordCount * const *) a;
  const WordCount *wb = *(const WordCount * const *) b;

  if (wa->count != wb->count)
    return wa->count > wb->count ? -1 : 1;
  return strcmp (wa->word, wb->word);
}

static void
word_count_free (gpointer data)
{
  WordCount *count = data;
  g_free (count->word);
  g_free (count);
}

/* The tags of a text column worth analysing, most frequent first. */
static GPtrArray *
collect_tags (const Rows *rows,
              guint       column,
              GPtrArray  *skipped)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (word_count_free);
  GPtrArray *tags = g_ptr_array_new_with_free_func (g_free);
  const char *name = bitlens_table_get_column_name (rows->table, column);
  guint n_frequent = 0;

  for (guint i = 0; i < rows->n_rows; i++)
    {
      const char *text = bitlens_table_get_text (rows->table, rows->rows[i], column);
      g_auto(GStrv) tokens = g_strsplit_set (text, " \t\r\n", -1);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint t = 0; tokens[t] != NULL; t++)
        {
          WordCount *count;

          if (tokens[t][0] == '\0' || g_hash_table_contains (seen, tokens[t]))
            continue;
          g_hash_table_add (seen, tokens[t]);
          count = g_hash_table_lookup (counts, tokens[t]);
          if (count == NULL)
            {
              count = g_new0 (WordCount, 1);
              count->word = g_strdup (tokens[t]);
              g_ptr_array_add (words, count);
              g_hash_table_insert (counts, count->word, count);
            }
          count->count++;
        }
    }

  if (words->len == 0)
    {
      g_ptr_array_add (skipped, g_strdup_printf (_("%s: no words"), name));
      return tags;
    }
  if (words->len * 2 > rows->n_rows)
    {
      g_ptr_array_add (skipped, g_strdup_printf (_("%s: free text (%u distinct words in %u rows), not tags"),
                                                 name, words->len, rows->n_rows));
      return tags;
    }
  g_ptr_array_sort (words, compare_word_counts);
  for (guint w = 0; w < words->len; w++)
    {
      const WordCount *count = g_ptr_array_index (words, w);

      if (count->count < 2 || count->count >= rows->n_rows)
        continue;
      n_frequent++;
      if (tags->len < MAX_TAGS_PER_COLUMN)
        g_ptr_array_add (tags, g_strdup (count->word));
    }
  if (n_frequent > tags->len)
    g_ptr_array_add (skipped, g_strdup_printf (_("%s: %u less frequent words not analysed"), name,
                                               n_frequent - tags->len));
  if (tags->len == 0)
    g_ptr_array_add (skipped, g_strdup_printf (_("%s: no word in at least 2 rows and not in every row"), name));
  return tags;
}

static gboolean
word_in (const char *text,
         const char *word)
{
  g_auto(GStrv) tokens = g_strsplit_set (text, " \t\r\n", -1);
  return g_strv_contains ((const char * const *) tokens, word);
}

static gboolean
set_error_if_cancelled (GCancellable  *cancellable,
                        GError       **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED, _("cancelled"));
  return TRUE;
}

BitlensBiasReport *
bitlens_bias_analyze (BitlensDataset           *dataset,
                      BitlensEvaluation        *evaluation,
                      const BitlensBiasOptions *options,
                      GCancellable             *cancellable,
                      GError                  **error)
{
  g_autoptr(BitlensBiasReport) report = NULL;
  g_autofree guint *row_ids = NULL;
  g_autofree int *labels = NULL;
  g_autofree int *predicted = NULL;
  g_autofree double *values = NULL;
  BitlensBiasOptions defaults;
  Rows rows = { 0 };
  guint n_table_rows;
  double threshold;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (evaluation == NULL || bitlens_evaluation_get_dataset (evaluation) == dataset, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      bitlens_bias_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->n_bins >= 1, NULL);

  report = g_new0 (BitlensBiasReport, 1);
  report->options = *options;
  report->attributes = g_ptr_array_new_with_free_func (attribute_free);
  report->skipped = g_ptr_array_new_with_free_func (g_free);
  report->has_model = evaluation != NULL && bitlens_evaluation_get_model (evaluation) != NULL;

  rows.table = evaluation != NULL ? bitlens_evaluation_get_table (evaluation) : bitlens_dataset_get_table (dataset);
  n_table_rows = bitlens_table_get_n_rows (rows.table);
  row_ids = g_new (guint, MAX (n_table_rows, 1));
  labels = g_new (int, MAX (n_table_rows, 1));
  predicted = report->has_model ? g_new (int, MAX (n_table_rows, 1)) : NULL;
  threshold = !report->has_model || !isnan (options->threshold) ? options->threshold
                                                                 : bitlens_evaluation_get_threshold (evaluation);
  report->options.threshold = threshold;
  for (guint r = 0; r < n_table_rows; r++)
    {
      if (evaluation != NULL && !bitlens_evaluation_get_prediction (evaluation, r)->loaded)
        continue;
      row_ids[rows.n_rows] = r;
      labels[rows.n_rows] = bitlens_dataset_get_item (dataset, r)->label;
      if (predicted != NULL)
        predicted[rows.n_rows] = bitlens_evaluation_get_predicted (evaluation, r, threshold);
      rows.n_rows++;
    }
  rows.rows = row_ids;
  rows.labels = labels;
  rows.predicted = predicted;
  report->n_rows = rows.n_rows;
  for (guint i = 0; i < rows.n_rows; i++)
    report->n_person += labels[i];

  values = g_new (double, MAX (rows.n_rows, 1));
  for (guint c = 0; c < bitlens_table_get_n_columns (rows.table); c++)
    {
      const char *name = bitlens_table_get_column_name (rows.table, c);

      if (set_error_if_cancelled (cancellable, error))
        return NULL;
      if (strcmp (name, "label") == 0 || strcmp (name, "file") == 0)
        continue;
      if (bitlens_table_get_column_kind (rows.table, c) == BITLENS_COLUMN_NUMBER)
        {
          BitlensBiasAttribute *attribute;

          for (guint i = 0; i < rows.n_rows; i++)
            values[i] = bitlens_table_get_number (rows.table, row_ids[i], c);
          attribute = analyze_attribute (options, &rows, name, NULL, values, report->skipped);
          if (attribute != NULL)
            g_ptr_array_add (report->attributes, attribute);
        }
      else
        {
          g_autoptr(GPtrArray) tags = collect_tags (&rows, c, report->skipped);

          for (guint t = 0; t < tags->len; t++)
            {
              const char *tag = g_ptr_array_index (tags, t);
              BitlensBiasAttribute *attribute;

              if (set_error_if_cancelled (cancellable, error))
                return NULL;
              for (guint i = 0; i < rows.n_rows; i++)
                values[i] = word_in (bitlens_table_get_text (rows.table, row_ids[i], c), tag) ? 1.0 : 0.0;
              attribute = analyze_attribute (options, &rows, name, tag, values, report->skipped);
              if (attribute != NULL)
                g_ptr_array_add (report->attributes, attribute);
            }
        }
    }
  return g_steal_pointer (&report);
}

typedef struct
{
  BitlensDataset     *dataset;
  BitlensEvaluation  *evaluation;
  BitlensBiasOptions  options;
} AnalyzeTaskData;

static void
analyze_task_data_free (gpointer data)
{
  AnalyzeTaskData *task_data = data;

  bitlens_dataset_unref (task_data->dataset);
  g_clear_pointer (&task_data->evaluation, bitlens_evaluation_unref);
  g_free (task_data);
}

static void
analyze_thread (GTask        *task,
                gpointer      source_object,
                gpointer      data,
                GCancellable *cancellable)
{
  AnalyzeTaskData *task_data = data;
  GError *error = NULL;
  BitlensBiasReport *report;

  report = bitlens_bias_analyze (task_data->dataset, task_data->evaluation, &task_data->options, cancellable, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) bitlens_bias_report_free);
}

void
bitlens_bias_analyze_async (BitlensDataset           *dataset,
                            BitlensEvaluation        *evaluation,
                            const BitlensBiasOptions *options,
                            GCancellable             *cancellable,
                            GAsyncReadyCallback       callback,
                            gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  AnalyzeTaskData *task_data;

  g_return_if_fail (dataset != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_bias_analyze_async);
  g_task_set_check_cancellable (task, FALSE);
  task_data = g_new0 (AnalyzeTaskData, 1);
  task_data->dataset = bitlens_dataset_ref (dataset);
  task_data->evaluation = evaluation != NULL ? bitlens_evaluation_ref (evaluation) : NULL;
  if (options != NULL)
    task_data->options = *options;
  else
    bitlens_bias_options_init (&task_data->options);
  g_task_set_task_data (task, task_data, analyze_task_data_free);
  g_task_run_in_thread (task, analyze_thread);
}

BitlensBiasReport *
bitlens_bias_analyze_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bitlens_bias_analyze_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
bitlens_bias_report_free (BitlensBiasReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->attributes);
  g_ptr_array_unref (report->skipped);
  g_free (report);
}

const BitlensBiasOptions *
bitlens_bias_report_get_options (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, NULL);
  return &report->options;
}

guint
bitlens_bias_report_get_n_rows (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_rows;
}

guint
bitlens_bias_report_get_n_person (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_person;
}

gboolean
bitlens_bias_report_has_model (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, FALSE);
  return report->has_model;
}

guint
bitlens_bias_report_get_n_attributes (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->attributes->len;
}

const BitlensBiasAttribute *
bitlens_bias_report_get_attribute (BitlensBiasReport *report,
                                   guint              index)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->attributes->len, NULL);
  return g_ptr_array_index (report->attributes, index);
}

guint
bitlens_bias_report_get_n_skipped (BitlensBiasReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->skipped->len;
}

const char *
bitlens_bias_report_get_skipped (BitlensBiasReport *report,
                                 guint              index)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->skipped->len, NULL);
  return g_ptr_array_index (report->skipped, index);
}
