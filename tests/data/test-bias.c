/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <bitlens/bitlens-bias.h>

#include "data-fixtures.h"
#include "test-util.h"

/* The bias finder on synthetic attributes whose answers are known (a perfect separator, an
 * attribute that cannot separate at all, ties, tags, a constant, free text) and on the
 * vww labels.csv, where the "dark means person" shortcut must be flagged. Bins, rules and
 * mutual information are recomputed here the plain way. */

#define N_ROWS 40

typedef struct
{
  char           *folder;
  BitlensDataset *dataset;
} Synthetic;

/* Row i: label alternates 1, 0, 1, 0 ...
 *   x     person rows 10..29, no-person rows 30..49: x <= 29 separates perfectly;
 *   pair  i / 2: each value has one person and one no-person row, so no rule beats 0.5;
 *   ties  1 (rows 0-23), 2 (24-31), 3 (32-39): quantile cuts collide;
 *   c     7 everywhere;
 *   tags  "coat" on 10 person rows and 2 no-person rows, "all" everywhere, "once" on row 0;
 *   free  a different word per row. */
static Synthetic *
synthetic_new (void)
{
  Synthetic *synthetic = g_new0 (Synthetic, 1);
  g_autofree FixtureImage *images = g_new0 (FixtureImage, N_ROWS);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int person_x = 10, other_x = 30;

  for (int i = 0; i < N_ROWS; i++)
    {
      int label = i % 2 == 0 ? 1 : 0;
      int x = label ? person_x++ : other_x++;
      int ties = i < 24 ? 1 : i < 32 ? 2 : 3;
      gboolean coat = label ? i < 20 : (i == 1 || i == 3);
      char *file = g_strdup_printf ("img%02d.png", i);
      char *extra = g_strdup_printf ("%d,%d,%d,7,\"all%s%s\",word%d", x, i / 2, ties,
                                     coat ? " coat" : "", i == 0 ? " once" : "", i);

      g_ptr_array_add (strings, file);
      g_ptr_array_add (strings, extra);
      images[i] = (FixtureImage) { file, label, 0, 100 + i, 0, 1, 1, 0, extra };
    }
  synthetic->folder = fixture_dataset_new (images, N_ROWS, "x,pair,ties,c,tags,free");
  synthetic->dataset = bitlens_dataset_load (synthetic->folder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_dataset_get_n_items (synthetic->dataset), ==, N_ROWS);
  return synthetic;
}

static void
synthetic_free (Synthetic *synthetic)
{
  bitlens_dataset_unref (synthetic->dataset);
  fixture_remove_tree (synthetic->folder);
  g_free (synthetic->folder);
  g_free (synthetic);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Synthetic, synthetic_free)

static const BitlensBiasAttribute *
find_attribute (BitlensBiasReport *report,
                const char        *name)
{
  for (guint a = 0; a < bitlens_bias_report_get_n_attributes (report); a++)
    if (strcmp (bitlens_bias_report_get_attribute (report, a)->name, name) == 0)
      return bitlens_bias_report_get_attribute (report, a);
  return NULL;
}

static gboolean
has_skipped (BitlensBiasReport *report,
             const char        *text)
{
  for (guint s = 0; s < bitlens_bias_report_get_n_skipped (report); s++)
    if (strcmp (bitlens_bias_report_get_skipped (report, s), text) == 0)
      return TRUE;
  return FALSE;
}

/* Mutual information in bits from a table of bin x label counts. */
static double
plain_mutual_information (const guint (*counts)[2],
                          guint         n_bins)
{
  double n = 0, total[2] = { 0, 0 }, information = 0;

  for (guint b = 0; b < n_bins; b++)
    for (int t = 0; t < 2; t++)
      {
        n += counts[b][t];
        total[t] += counts[b][t];
      }
  for (guint b = 0; b < n_bins; b++)
    for (int t = 0; t < 2; t++)
      if (counts[b][t] > 0)
        {
          double p_joint = counts[b][t] / n;
          double p_bin = (counts[b][0] + counts[b][1]) / n;
          information += p_joint * log2 (p_joint / (p_bin * (total[t] / n)));
        }
  return information;
}

static void
test_perfect_separator (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensBiasReport) report = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, &error);
  const BitlensBiasAttribute *x;
  guint counts[5][2] = { { 0 } };

  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_bias_report_get_n_rows (report), ==, N_ROWS);
  g_assert_cmpuint (bitlens_bias_report_get_n_person (report), ==, N_ROWS / 2);
  g_assert_false (bitlens_bias_report_has_model (report));

  x = find_attribute (report, "x");
  g_assert_nonnull (x);
  g_assert_cmpint (x->kind, ==, BITLENS_BIAS_NUMBER);
  g_assert_null (x->tag);
  g_assert_false (x->has_errors);
  /* 40 distinct values, 5 bins: chunks of 8 in value order, 10-17, 18-25, 26-33, 34-41, 42-49. */
  g_assert_cmpuint (x->n_bins, ==, 5);
  for (guint b = 0; b < 5; b++)
    {
      double lower = 10 + 8 * b, upper = lower + 7;
      guint n_person = 0;

      for (int v = (int) lower; v <= (int) upper; v++)
        n_person += v <= 29;
      g_assert_cmpfloat (x->bins[b].lower, ==, lower);
      g_assert_cmpfloat (x->bins[b].upper, ==, upper);
      g_assert_cmpuint (x->bins[b].count, ==, 8);
      g_assert_cmpuint (x->bins[b].n_person, ==, n_person);
      g_assert_cmpfloat (x->bins[b].person_rate, ==, n_person / 8.0);
      g_assert_cmpuint (x->bins[b].n_evaluated, ==, 0);
      counts[b][1] = n_person;
      counts[b][0] = 8 - n_person;
    }
  g_assert_cmpuint (x->label.n, ==, N_ROWS);
  g_assert_cmpuint (x->label.n_positive, ==, N_ROWS / 2);
  g_assert_cmpfloat (x->label.baseline_accuracy, ==, 0.5);
  g_assert_cmpfloat (x->label.best_accuracy, ==, 1.0);
  g_assert_cmpfloat (x->label.threshold, ==, 29.0);
  g_assert_cmpint (x->label.below_predicts, ==, 1);
  g_assert_cmpfloat (x->label.lift, ==, 0.5);
  /* No shuffle of 20 + 20 labels separates perfectly (a chance of 2 in 137846528820). */
  g_assert_cmpfloat (x->label.p_value, ==, 1.0 / 2001.0);
  g_assert_true (x->label.flagged);
  g_assert_cmpfloat_with_epsilon (x->label.mutual_information, plain_mutual_information (counts, 5), 1e-12);
}

static void
test_no_separation (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(BitlensBiasReport) report = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, NULL);
  const BitlensBiasAttribute *pair = find_attribute (report, "pair");

  /* Every cut splits pairs: the best rule is the majority itself, and every shuffle does as
   * well, so p = 1. */
  g_assert_nonnull (pair);
  g_assert_cmpfloat (pair->label.best_accuracy, ==, 0.5);
  g_assert_cmpfloat (pair->label.lift, ==, 0.0);
  g_assert_cmpfloat (pair->label.p_value, ==, 1.0);
  g_assert_false (pair->label.flagged);
  g_assert_cmpfloat_with_epsilon (pair->label.mutual_information, 0.0, 1e-12);
  for (guint b = 0; b < pair->n_bins; b++)
    g_assert_cmpfloat (pair->bins[b].person_rate, ==, 0.5);
}

static void
test_ties (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(BitlensBiasReport) report = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, NULL);
  const BitlensBiasAttribute *ties = find_attribute (report, "ties");

  /* Cuts at ranks 8, 16, 24, 32 have values 1, 1, 2, 3: the ones at the minimum go, so
   * three bins, each value whole. */
  g_assert_nonnull (ties);
  g_assert_cmpuint (ties->n_bins, ==, 3);
  g_assert_cmpuint (ties->bins[0].count, ==, 24);
  g_assert_cmpuint (ties->bins[1].count, ==, 8);
  g_assert_cmpuint (ties->bins[2].count, ==, 8);
  g_assert_cmpfloat (ties->bins[0].lower, ==, 1);
  g_assert_cmpfloat (ties->bins[0].upper, ==, 1);
  g_assert_cmpfloat (ties->bins[1].lower, ==, 2);
  g_assert_cmpfloat (ties->bins[2].upper, ==, 3);
  /* Rows alternate labels, so every value has as many person rows as not. */
  g_assert_cmpuint (ties->bins[1].n_person, ==, 4);
}

static void
test_tags_and_skipped (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(BitlensBiasReport) report = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, NULL);
  const BitlensBiasAttribute *coat = find_attribute (report, "tags:coat");

  g_assert_nonnull (coat);
  g_assert_cmpint (coat->kind, ==, BITLENS_BIAS_TAG);
  g_assert_cmpstr (coat->column, ==, "tags");
  g_assert_cmpstr (coat->tag, ==, "coat");
  g_assert_cmpuint (coat->n_bins, ==, 2);
  /* without: 10 person, 18 no person; with: 10 person, 2 no person */
  g_assert_cmpuint (coat->bins[0].count, ==, 28);
  g_assert_cmpuint (coat->bins[0].n_person, ==, 10);
  g_assert_cmpuint (coat->bins[1].count, ==, 12);
  g_assert_cmpuint (coat->bins[1].n_person, ==, 10);
  /* Rule: with coat -> person: 10 + 18 right of 40. */
  g_assert_cmpfloat (coat->label.best_accuracy, ==, 28.0 / 40);
  g_assert_cmpint (coat->label.below_predicts, ==, 0);
  g_assert_cmpfloat (coat->label.threshold, ==, 0.0);
  g_assert_true (coat->label.flagged);

  /* Words in every row or in one row are not attributes; a constant column and free text
   * are skipped with a reason; so are the unmeasured image attributes. */
  g_assert_null (find_attribute (report, "tags:all"));
  g_assert_null (find_attribute (report, "tags:once"));
  g_assert_null (find_attribute (report, "c"));
  g_assert_null (find_attribute (report, "label"));
  g_assert_true (has_skipped (report, "c: one value (7)"));
  g_assert_true (has_skipped (report, "free: free text (40 distinct words in 40 rows), not tags"));
  g_assert_true (has_skipped (report, "mean_luma: no values"));
  g_assert_true (has_skipped (report, "width: no values"));
}

static void
test_determinism (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(BitlensBiasReport) first = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, NULL);
  g_autoptr(BitlensBiasReport) second = bitlens_bias_analyze (synthetic->dataset, NULL, NULL, NULL, NULL);
  BitlensBiasOptions options;
  g_autoptr(BitlensBiasReport) two_bins = NULL;

  g_assert_cmpuint (bitlens_bias_report_get_n_attributes (first), ==, bitlens_bias_report_get_n_attributes (second));
  for (guint a = 0; a < bitlens_bias_report_get_n_attributes (first); a++)
    {
      const BitlensBiasAttribute *x = bitlens_bias_report_get_attribute (first, a);
      const BitlensBiasAttribute *y = bitlens_bias_report_get_attribute (second, a);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpmem (&x->label, sizeof x->label, &y->label, sizeof y->label);
    }

  bitlens_bias_options_init (&options);
  g_assert_cmpuint (options.n_bins, ==, 5);
  g_assert_cmpuint (options.n_permutations, ==, 2000);
  g_assert_cmpfloat (options.min_lift, ==, 0.03);
  g_assert_cmpfloat (options.max_p_value, ==, 0.05);
  options.n_bins = 2;
  two_bins = bitlens_bias_analyze (synthetic->dataset, NULL, &options, NULL, NULL);
  g_assert_cmpuint (find_attribute (two_bins, "x")->n_bins, ==, 2);
  g_assert_cmpuint (find_attribute (two_bins, "x")->bins[0].count, ==, 20);
  g_assert_cmpfloat (find_attribute (two_bins, "x")->bins[0].person_rate, ==, 1.0);
}

/* With the green model (score = G / 255, G = 100 + row): rows 28-39 (G >= 128) are
 * predicted person. The bins' confusion matrices are counted here row by row. */
static void
test_with_model (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(BitlensModel) model = fixture_green_model ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensEvaluation) evaluation = bitlens_evaluation_run (synthetic->dataset, model, NULL, NULL, NULL, NULL, &error);
  g_autoptr(BitlensBiasReport) report = NULL;
  const BitlensBiasAttribute *x, *width;
  guint errors = 0;

  g_assert_no_error (error);
  report = bitlens_bias_analyze (synthetic->dataset, evaluation, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (bitlens_bias_report_has_model (report));
  x = find_attribute (report, "x");
  g_assert_true (x->has_errors);
  for (guint b = 0; b < x->n_bins; b++)
    {
      BitlensConfusion expected = { 0 };

      for (int i = 0; i < N_ROWS; i++)
        {
          int label = i % 2 == 0;
          int value = label ? 10 + i / 2 : 30 + i / 2;
          if (value >= x->bins[b].lower && value <= x->bins[b].upper)
            bitlens_confusion_add (&expected, label, 100 + i >= 128);
        }
      g_assert_cmpmem (&x->bins[b].confusion, sizeof expected, &expected, sizeof expected);
      g_assert_cmpuint (x->bins[b].n_evaluated, ==, 8);
      g_assert_cmpfloat (x->bins[b].accuracy, ==, bitlens_confusion_get_metric (&expected, BITLENS_METRIC_ACCURACY));
    }
  for (int i = 0; i < N_ROWS; i++)
    errors += (i % 2 == 0) != (100 + i >= 128);
  g_assert_cmpuint (x->errors.n, ==, N_ROWS);
  g_assert_cmpuint (x->errors.n_positive, ==, errors);

  /* Measured now: every image is 1x1, a single value. */
  width = find_attribute (report, "width");
  g_assert_null (width);
  g_assert_true (has_skipped (report, "width: one value (1)"));
  /* mean_luma (0.587 G) rises with the row, like the predictions: it predicts the errors. */
  g_assert_nonnull (find_attribute (report, "mean_luma"));
}

static void
on_analyzed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError *error = NULL;
  BitlensBiasReport **out = user_data;

  *out = bitlens_bias_analyze_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async_and_cancel (void)
{
  g_autoptr(Synthetic) synthetic = synthetic_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  BitlensBiasReport *report = NULL;

  bitlens_bias_analyze_async (synthetic->dataset, NULL, NULL, NULL, on_analyzed, &report);
  while (report == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (find_attribute (report, "x")->label.p_value, ==, 1.0 / 2001.0);
  bitlens_bias_report_free (report);

  g_cancellable_cancel (cancellable);
  g_assert_null (bitlens_bias_analyze (synthetic->dataset, NULL, NULL, cancellable, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
}

/* vww: read labels.csv here the simple way (no quoted fields in it). */
typedef struct
{
  double luma;
  int    label;
} VwwRow;

static gint
compare_vww_rows (gconstpointer a,
                  gconstpointer b)
{
  const VwwRow *ra = a, *rb = b;
  return ra->luma < rb->luma ? -1 : ra->luma > rb->luma;
}

static void
test_vww_shortcut (void)
{
  g_autofree char *path = test_shared_path ("data/vww");
  g_autofree char *csv_path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensBiasReport) report = NULL;
  g_autoptr(BitlensExpression) dark_person = NULL;
  g_autoptr(BitlensExpression) dark_other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree VwwRow *rows = NULL;
  const BitlensBiasAttribute *luma;
  guint n = 0, dark[2] = { 0, 0 }, matched[2] = { 0, 0 };
  BitlensTable *table;

  if (path == NULL)
    return;
  dataset = bitlens_dataset_load (path, &error);
  g_assert_no_error (error);

  csv_path = g_build_filename (path, "labels.csv", NULL);
  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  rows = g_new (VwwRow, 1000);
  for (guint l = 1; lines[l] != NULL; l++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[l], ",", -1);
      if (lines[l][0] == '\0')
        continue;
      /* file,label,coco_image_id,mean_luma,std_luma */
      rows[n].label = atoi (fields[1]);
      rows[n].luma = g_ascii_strtod (fields[3], NULL);
      if (rows[n].luma < 80)
        dark[rows[n].label]++;
      n++;
    }
  g_assert_cmpuint (n, ==, 1000);
  /* PROVENANCE.md: mean_luma < 80 has 91 person and 46 no person images. */
  g_assert_cmpuint (dark[1], ==, 91);
  g_assert_cmpuint (dark[0], ==, 46);

  /* The same slice through the expression language. */
  table = bitlens_dataset_get_table (dataset);
  dark_person = bitlens_expression_new ("mean_luma < 80 && label == 1", table, &error);
  dark_other = bitlens_expression_new ("mean_luma < 80 && !(label == 1)", table, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < bitlens_table_get_n_rows (table); r++)
    {
      matched[1] += bitlens_expression_matches (dark_person, table, r);
      matched[0] += bitlens_expression_matches (dark_other, table, r);
    }
  g_assert_cmpuint (matched[1], ==, 91);
  g_assert_cmpuint (matched[0], ==, 46);

  report = bitlens_bias_analyze (dataset, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  luma = find_attribute (report, "mean_luma");
  g_assert_nonnull (luma);
  g_assert_true (luma->label.flagged);
  g_assert_cmpint (luma->label.below_predicts, ==, 1);
  g_assert_cmpfloat (luma->label.baseline_accuracy, ==, 0.5);
  g_assert_cmpfloat (luma->label.lift, >=, 0.03);
  g_assert_cmpfloat (luma->label.p_value, <=, 0.05);
  g_assert_false (find_attribute (report, "std_luma")->label.flagged);
  g_assert_false (find_attribute (report, "coco_image_id")->label.flagged);

  /* The best rule, found here by trying every cut of the sorted values. */
  qsort (rows, n, sizeof (VwwRow), compare_vww_rows);
  {
    guint person_below = 0, best = 0;
    double best_cut = NAN;
    int best_below = -1;

    for (guint i = 0; i < n; i++)
      {
        guint below = i + 1, right_one, right_zero;

        person_below += rows[i].label;
        if (i + 1 < n && rows[i + 1].luma == rows[i].luma)
          continue;
        right_one = person_below + (500 - (below - person_below));
        right_zero = (below - person_below) + (500 - person_below);
        if (right_one > best)
          best = right_one, best_cut = rows[i].luma, best_below = 1;
        if (right_zero > best)
          best = right_zero, best_cut = rows[i].luma, best_below = 0;
      }
    g_assert_cmpfloat (luma->label.best_accuracy, ==, best / 1000.0);
    g_assert_cmpfloat (luma->label.threshold, ==, best_cut);
    g_assert_cmpint (luma->label.below_predicts, ==, best_below);
  }

  /* Bins: quantile cuts at ranks 200, 400, 600, 800; values equal to a cut go up. */
  {
    double cuts[4];
    guint bin_count[5] = { 0 }, bin_person[5] = { 0 };

    for (int k = 0; k < 4; k++)
      cuts[k] = rows[(k + 1) * 200].luma;
    for (guint i = 0; i < n; i++)
      {
        int b = 0;
        while (b < 4 && rows[i].luma >= cuts[b])
          b++;
        bin_count[b]++;
        bin_person[b] += rows[i].label;
      }
    g_assert_cmpuint (luma->n_bins, ==, 5);
    for (int b = 0; b < 5; b++)
      {
        g_assert_cmpuint (luma->bins[b].count, ==, bin_count[b]);
        g_assert_cmpuint (luma->bins[b].n_person, ==, bin_person[b]);
      }
    /* The darkest fifth leans to person. */
    g_assert_cmpfloat (luma->bins[0].person_rate, >, 0.55);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bias/perfect-separator", test_perfect_separator);
  g_test_add_func ("/bias/no-separation", test_no_separation);
  g_test_add_func ("/bias/ties", test_ties);
  g_test_add_func ("/bias/tags-and-skipped", test_tags_and_skipped);
  g_test_add_func ("/bias/determinism", test_determinism);
  g_test_add_func ("/bias/with-model", test_with_model);
  g_test_add_func ("/bias/async-and-cancel", test_async_and_cancel);
  g_test_add_func ("/bias/vww-shortcut", test_vww_shortcut);
  return g_test_run ();
}
