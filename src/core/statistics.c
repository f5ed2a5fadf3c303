/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include "bitlens/bitlens-statistics.h"

/* Precision-recall and ROC curves and score histograms of an evaluation. */

typedef struct
{
  double score;
  int    label;
  guint  row;
} ScoredRow;

/* The rows with a score that match `where`, in the dataset's order. */
static GArray *
collect_scored_rows (BitlensEvaluation       *evaluation,
                     const BitlensExpression *where)
{
  g_autoptr(GArray) rows = bitlens_evaluation_select (evaluation, where);
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);
  GArray *scored = g_array_sized_new (FALSE, FALSE, sizeof (ScoredRow), rows->len);

  for (guint i = 0; i < rows->len; i++)
    {
      guint row = g_array_index (rows, guint, i);
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, row);
      ScoredRow entry;

      if (isnan (prediction->score))
        continue;
      entry.score = prediction->score;
      entry.label = bitlens_dataset_get_item (dataset, row)->label;
      entry.row = row;
      g_array_append_val (scored, entry);
    }
  return scored;
}

static gint
compare_by_score_descending (gconstpointer a,
                             gconstpointer b)
{
  const ScoredRow *ra = a, *rb = b;

  if (ra->score != rb->score)
    return ra->score > rb->score ? -1 : 1;
  return ra->row < rb->row ? -1 : ra->row > rb->row;
}

static double
ratio (guint numerator,
       guint denominator)
{
  return denominator == 0 ? NAN : (double) numerator / (double) denominator;
}

GArray *
bitlens_evaluation_compute_curve (BitlensEvaluation       *evaluation,
                                  const BitlensExpression *where)
{
  g_autoptr(GArray) scored = NULL;
  GArray *curve;
  guint n_person = 0, n_no_person = 0;
  guint true_positives = 0, false_positives = 0;

  g_return_val_if_fail (evaluation != NULL, NULL);

  scored = collect_scored_rows (evaluation, where);
  g_array_sort (scored, compare_by_score_descending);
  for (guint i = 0; i < scored->len; i++)
    {
      if (g_array_index (scored, ScoredRow, i).label == 1)
        n_person++;
      else
        n_no_person++;
    }

  curve = g_array_new (FALSE, TRUE, sizeof (BitlensCurvePoint));
  for (guint i = 0; i < scored->len; i++)
    {
      const ScoredRow *entry = &g_array_index (scored, ScoredRow, i);
      BitlensCurvePoint point;

      if (entry->label == 1)
        true_positives++;
      else
        false_positives++;
      /* Rows of equal score are predicted together: one point after the last of them. */
      if (i + 1 < scored->len && g_array_index (scored, ScoredRow, i + 1).score == entry->score)
        continue;

      point.threshold = entry->score;
      point.confusion.true_positives = true_positives;
      point.confusion.false_positives = false_positives;
      point.confusion.true_negatives = n_no_person - false_positives;
      point.confusion.false_negatives = n_person - true_positives;
      point.precision = ratio (true_positives, true_positives + false_positives);
      point.recall = ratio (true_positives, n_person);
      point.false_positive_rate = ratio (false_positives, n_no_person);
      g_array_append_val (curve, point);
    }
  return curve;
}

double
bitlens_curve_get_average_precision (GArray *curve)
{
  double area = 0, previous_recall = 0;

  g_return_val_if_fail (curve != NULL, NAN);

  if (curve->len == 0)
    return NAN;
  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);

      if (isnan (point->recall))
        return NAN;
      area += (point->recall - previous_recall) * point->precision;
      previous_recall = point->recall;
    }
  return area;
}

double
bitlens_curve_get_roc_auc (GArray *curve)
{
  double area = 0, previous_x = 0, previous_y = 0;

  g_return_val_if_fail (curve != NULL, NAN);

  if (curve->len == 0)
    return NAN;
  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);
      double x = point->false_positive_rate, y = point->recall;

      if (isnan (x) || isnan (y))
        return NAN;
      area += (x - previous_x) * (y + previous_y) / 2;
      previous_x = x;
      previous_y = y;
    }
  return area;
}

static void
append_number (GString *out,
               double   value)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ',');
  if (!isnan (value))
    g_string_append (out, g_ascii_formatd (number, sizeof number, "%.9g", value));
}

char *
bitlens_curve_format_csv (GArray *curve)
{
  GString *out;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (curve != NULL, NULL);

  out = g_string_new ("threshold,true_positives,false_positives,true_negatives,false_negatives,"
                      "precision,recall,false_positive_rate\n");
  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);

      g_string_append (out, g_ascii_formatd (number, sizeof number, "%.9g", point->threshold));
      g_string_append_printf (out, ",%u,%u,%u,%u", point->confusion.true_positives,
                              point->confusion.false_positives, point->confusion.true_negatives,
                              point->confusion.false_negatives);
      append_number (out, point->precision);
      append_number (out, point->recall);
      append_number (out, point->false_positive_rate);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* The bin of a score: the last i with score >= i / n_bins, within [0, n_bins - 1]. The
 * product may round across an edge; the comparisons with the edges decide. */
static guint
score_bin (double score,
           guint  n_bins)
{
  double guess;
  guint bin;

  if (!(score > 0))
    return 0;
  guess = floor (score * n_bins);
  if (guess >= n_bins)
    return n_bins - 1;
  bin = (guint) guess;
  if (bin + 1 < n_bins && score >= (double) (bin + 1) / n_bins)
    bin++;
  else if (bin > 0 && score < (double) bin / n_bins)
    bin--;
  return bin;
}

GArray *
bitlens_evaluation_compute_score_histogram (BitlensEvaluation       *evaluation,
                                            const BitlensExpression *where,
                                            guint                    n_bins)
{
  g_autoptr(GArray) scored = NULL;
  GArray *bins;

  g_return_val_if_fail (evaluation != NULL, NULL);
  g_return_val_if_fail (n_bins >= 1, NULL);

  bins = g_array_sized_new (FALSE, TRUE, sizeof (BitlensScoreBin), n_bins);
  g_array_set_size (bins, n_bins);
  for (guint i = 0; i < n_bins; i++)
    {
      BitlensScoreBin *bin = &g_array_index (bins, BitlensScoreBin, i);

      bin->lower = (double) i / n_bins;
      bin->upper = (double) (i + 1) / n_bins;
    }

  scored = collect_scored_rows (evaluation, where);
  for (guint i = 0; i < scored->len; i++)
    {
      const ScoredRow *entry = &g_array_index (scored, ScoredRow, i);
      BitlensScoreBin *bin = &g_array_index (bins, BitlensScoreBin, score_bin (entry->score, n_bins));

      if (entry->label == 1)
        bin->n_person++;
      else
        bin->n_no_person++;
    }
  return bins;
}

char *
bitlens_score_histogram_format_csv (GArray *bins)
{
  GString *out;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (bins != NULL, NULL);

  out = g_string_new ("lower,upper,person,no_person\n");
  for (guint i = 0; i < bins->len; i++)
    {
      const BitlensScoreBin *bin = &g_array_index (bins, BitlensScoreBin, i);

      g_string_append (out, g_ascii_formatd (number, sizeof number, "%.9g", bin->lower));
      append_number (out, bin->upper);
      g_string_append_printf (out, ",%u,%u\n", bin->n_person, bin->n_no_person);
    }
  return g_string_free (out, FALSE);
}
