/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <bitlens/bitlens.h>

#include "data-fixtures.h"
#include "test-util.h"

/* Precision-recall / ROC curves and score histograms (bitlens-statistics.h) and their CLI
 * outputs (bitlens-cli eval --pr-curve --histogram): on a hand-made dataset scored by the
 * green model (score = G / 255) whose curve, average precision and ROC area are worked out
 * below by hand, against naive implementations written here from the definitions, and on
 * vww with the TFLM person detector. */

/* Person greens 250 200 128 128 30, no-person greens 0 100 128 240 250 60, and an image that
 * cannot be read (left out of everything). Thresholds from the top:
 *   250: TP 1 FP 1    240: TP 1 FP 2    200: TP 2 FP 2    128: TP 4 FP 3
 *   100: TP 4 FP 4     60: TP 4 FP 5     30: TP 5 FP 5      0: TP 5 FP 6
 * Average precision = 1/5 * 1/2 + 1/5 * 2/4 + 2/5 * 4/7 + 1/5 * 5/10 = 37/70.
 * ROC area: person above no person in 5.5 + 4 + 3.5 + 3.5 + 1 = 17.5 of 30 pairs = 7/12. */
static const FixtureImage images[] = {
  /* file      label  R   G    B   w  h stripe  tags */
  { "p1.png",    1,  10, 250,  30, 2, 2,  0, "dark" },
  { "p2.png",    1,  20, 200,  30, 2, 2,  0, "" },
  { "p3.png",    1,  30, 128,  30, 2, 2,  0, "dark" },
  { "p4.png",    1,  40, 128,  30, 2, 2,  0, "" },
  { "p5.png",    1,  50,  30,  30, 2, 2,  0, "dark" },
  { "n1.png",    0,  60,   0,  30, 2, 2,  0, "" },
  { "n2.png",    0,  70, 100,  30, 2, 2,  0, "dark" },
  { "n3.png",    0,  80, 128,  30, 2, 2,  0, "dark" },
  { "n4.png",    0,  90, 240,  30, 2, 2,  0, "" },
  { "n5.png",    0, 100, 250,  30, 2, 2,  0, "" },
  { "n6.png",    0, 110,  60,  30, 2, 2,  0, "dark" },
};

static const struct
{
  int   green;
  guint tp, fp;
} expected_points[] = {
  { 250, 1, 1 }, { 240, 1, 2 }, { 200, 2, 2 }, { 128, 4, 3 },
  { 100, 4, 4 }, { 60, 4, 5 }, { 30, 5, 5 }, { 0, 5, 6 },
};

typedef struct
{
  char              *folder;
  char              *model_path;
  BitlensDataset    *dataset;
  BitlensEvaluation *evaluation;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = fixture_green_model ();
  g_autofree char *csv_path = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *more = NULL;
  BitlensEvaluationOptions options;

  fixture->folder = fixture_dataset_new (images, G_N_ELEMENTS (images), "tags");
  fixture_write_file (fixture->folder, "broken.png", "not a PNG");
  csv_path = g_build_filename (fixture->folder, "labels.csv", NULL);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  more = g_strconcat (csv, "broken.png,1,dark\n", NULL);
  fixture_write_file (fixture->folder, "labels.csv", more);
  fixture->model_path = fixture_write_green_model (fixture->folder);

  fixture->dataset = bitlens_dataset_load (fixture->folder, &error);
  g_assert_no_error (error);
  bitlens_evaluation_options_init (&options);
  fixture->evaluation = bitlens_evaluation_run (fixture->dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_evaluation_get_n_rows (fixture->evaluation), ==, G_N_ELEMENTS (images) + 1);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bitlens_evaluation_unref (fixture->evaluation);
  bitlens_dataset_unref (fixture->dataset);
  fixture_remove_tree (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->model_path);
}

/* ---------------------------------------------------------------- naive references */

/* Rows with a score that match `where`. */
static gboolean
row_counts (BitlensEvaluation       *evaluation,
            const BitlensExpression *where,
            guint                    row)
{
  const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, row);

  return prediction->loaded && !isnan (prediction->score)
         && (where == NULL || bitlens_expression_matches (where, bitlens_evaluation_get_table (evaluation), row));
}

static int
row_label (BitlensEvaluation *evaluation,
           guint              row)
{
  return bitlens_dataset_get_item (bitlens_evaluation_get_dataset (evaluation), row)->label;
}

static double
row_score (BitlensEvaluation *evaluation,
           guint              row)
{
  return bitlens_evaluation_get_prediction (evaluation, row)->score;
}

/* The mean over the person rows of the precision at their own score. */
static double
naive_average_precision (BitlensEvaluation       *evaluation,
                         const BitlensExpression *where)
{
  guint n_rows = bitlens_evaluation_get_n_rows (evaluation);
  double sum = 0;
  guint n_person = 0;

  for (guint i = 0; i < n_rows; i++)
    {
      guint above = 0, person_above = 0;

      if (!row_counts (evaluation, where, i) || row_label (evaluation, i) != 1)
        continue;
      n_person++;
      for (guint j = 0; j < n_rows; j++)
        if (row_counts (evaluation, where, j) && row_score (evaluation, j) >= row_score (evaluation, i))
          {
            above++;
            person_above += row_label (evaluation, j) == 1;
          }
      sum += (double) person_above / above;
    }
  return n_person == 0 ? NAN : sum / n_person;
}

/* Mann-Whitney: the share of (person, no person) pairs ordered right, ties one half. */
static double
naive_roc_auc (BitlensEvaluation       *evaluation,
               const BitlensExpression *where)
{
  guint n_rows = bitlens_evaluation_get_n_rows (evaluation);
  double wins = 0;
  guint pairs = 0;

  for (guint i = 0; i < n_rows; i++)
    for (guint j = 0; j < n_rows; j++)
      {
        if (!row_counts (evaluation, where, i) || !row_counts (evaluation, where, j)
            || row_label (evaluation, i) != 1 || row_label (evaluation, j) != 0)
          continue;
        pairs++;
        if (row_score (evaluation, i) > row_score (evaluation, j))
          wins += 1;
        else if (row_score (evaluation, i) == row_score (evaluation, j))
          wins += 0.5;
      }
  return pairs == 0 ? NAN : wins / pairs;
}

/* Each point against counts made at its threshold by bitlens_evaluation_count, the
 * thresholds strictly decreasing and every distinct score present. */
static void
assert_curve_matches_counts (BitlensEvaluation       *evaluation,
                             const BitlensExpression *where,
                             GArray                  *curve)
{
  g_autoptr(GHashTable) scores = g_hash_table_new_full (g_double_hash, g_double_equal, g_free, NULL);
  guint n_rows = bitlens_evaluation_get_n_rows (evaluation);

  for (guint row = 0; row < n_rows; row++)
    if (row_counts (evaluation, where, row))
      g_hash_table_add (scores, g_memdup2 (&bitlens_evaluation_get_prediction (evaluation, row)->score, sizeof (double)));
  g_assert_cmpuint (curve->len, ==, g_hash_table_size (scores));

  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);
      BitlensConfusion expected;

      g_assert_true (g_hash_table_contains (scores, &point->threshold));
      if (i > 0)
        g_assert_cmpfloat (point->threshold, <, g_array_index (curve, BitlensCurvePoint, i - 1).threshold);
      bitlens_evaluation_count (evaluation, where, point->threshold, &expected);
      g_assert_cmpmem (&point->confusion, sizeof expected, &expected, sizeof expected);
      g_assert_cmpfloat (point->precision, ==, bitlens_confusion_get_metric (&expected, BITLENS_METRIC_PRECISION));
      if (isnan (point->recall))
        g_assert_true (isnan (bitlens_confusion_get_metric (&expected, BITLENS_METRIC_RECALL)));
      else
        g_assert_cmpfloat (point->recall, ==, bitlens_confusion_get_metric (&expected, BITLENS_METRIC_RECALL));
      if (isnan (point->false_positive_rate))
        g_assert_true (isnan (bitlens_confusion_get_metric (&expected, BITLENS_METRIC_FALSE_POSITIVE_RATE)));
      else
        g_assert_cmpfloat (point->false_positive_rate, ==,
                           bitlens_confusion_get_metric (&expected, BITLENS_METRIC_FALSE_POSITIVE_RATE));
    }
}

/* ---------------------------------------------------------------- curves */

static void
test_curve_by_hand (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GArray) curve = bitlens_evaluation_compute_curve (fixture->evaluation, NULL);

  g_assert_cmpuint (curve->len, ==, G_N_ELEMENTS (expected_points));
  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);

      g_assert_cmpfloat (point->threshold, ==, fixture_green_score (expected_points[i].green));
      g_assert_cmpuint (point->confusion.true_positives, ==, expected_points[i].tp);
      g_assert_cmpuint (point->confusion.false_positives, ==, expected_points[i].fp);
      g_assert_cmpuint (point->confusion.false_negatives, ==, 5 - expected_points[i].tp);
      g_assert_cmpuint (point->confusion.true_negatives, ==, 6 - expected_points[i].fp);
      g_assert_cmpfloat (point->precision, ==, (double) expected_points[i].tp / (expected_points[i].tp + expected_points[i].fp));
      g_assert_cmpfloat (point->recall, ==, expected_points[i].tp / 5.0);
      g_assert_cmpfloat (point->false_positive_rate, ==, expected_points[i].fp / 6.0);
    }
  /* Different summation orders: equal to the last bits or so. */
  g_assert_cmpfloat_with_epsilon (bitlens_curve_get_average_precision (curve), 37.0 / 70.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (bitlens_curve_get_roc_auc (curve), 7.0 / 12.0, 1e-15);
  assert_curve_matches_counts (fixture->evaluation, NULL, curve);
}

static void
test_curve_slices (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char *slices[] = {
    "has(tags, \"dark\")", "label == 1", "label == 0", "tags == \"\"", "file == \"nothing\"",
  };
  BitlensTable *table = bitlens_evaluation_get_table (fixture->evaluation);

  for (guint s = 0; s < G_N_ELEMENTS (slices); s++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensExpression) where = bitlens_expression_new (slices[s], table, &error);
      g_autoptr(GArray) curve = NULL;
      double ap, auc, expected_ap, expected_auc;

      g_assert_no_error (error);
      curve = bitlens_evaluation_compute_curve (fixture->evaluation, where);
      assert_curve_matches_counts (fixture->evaluation, where, curve);
      ap = bitlens_curve_get_average_precision (curve);
      auc = bitlens_curve_get_roc_auc (curve);
      expected_ap = naive_average_precision (fixture->evaluation, where);
      expected_auc = naive_roc_auc (fixture->evaluation, where);
      if (isnan (expected_ap))
        g_assert_true (isnan (ap));
      else
        g_assert_cmpfloat_with_epsilon (ap, expected_ap, 1e-14);
      if (isnan (expected_auc))
        g_assert_true (isnan (auc));
      else
        g_assert_cmpfloat_with_epsilon (auc, expected_auc, 1e-14);
    }

  /* The dark slice by hand: person 250 128 30 (p1 p3 p5), no person 100 128 60. */
  {
    g_autoptr(BitlensExpression) dark = bitlens_expression_new ("has(tags, \"dark\")", table, NULL);
    g_autoptr(GArray) curve = bitlens_evaluation_compute_curve (fixture->evaluation, dark);

    g_assert_cmpuint (curve->len, ==, 5);
    /* 250: 1/1; 128: 2/3; 100: 2/4; 60: 2/5; 30: 3/6 -> AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 1/2 */
    g_assert_cmpfloat_with_epsilon (bitlens_curve_get_average_precision (curve), (1.0 + 2.0 / 3 + 0.5) / 3, 1e-15);
    /* pairs: 250 beats 3; 128 beats 100, 60, ties 128; 30 beats none -> 5.5 / 9 */
    g_assert_cmpfloat_with_epsilon (bitlens_curve_get_roc_auc (curve), 5.5 / 9, 1e-15);
  }
}

static void
test_curve_degenerate (Fixture       *fixture,
                       gconstpointer  data)
{
  BitlensTable *table = bitlens_evaluation_get_table (fixture->evaluation);
  g_autoptr(BitlensExpression) nothing = bitlens_expression_new ("file == \"nothing\"", table, NULL);
  g_autoptr(BitlensExpression) person = bitlens_expression_new ("label == 1", table, NULL);
  g_autoptr(BitlensExpression) no_person = bitlens_expression_new ("label == 0", table, NULL);
  g_autoptr(GArray) empty = bitlens_evaluation_compute_curve (fixture->evaluation, nothing);
  g_autoptr(GArray) only_person = bitlens_evaluation_compute_curve (fixture->evaluation, person);
  g_autoptr(GArray) only_no_person = bitlens_evaluation_compute_curve (fixture->evaluation, no_person);
  g_autofree char *csv = bitlens_curve_format_csv (only_no_person);

  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_true (isnan (bitlens_curve_get_average_precision (empty)));
  g_assert_true (isnan (bitlens_curve_get_roc_auc (empty)));
  /* Only person rows: precision 1 everywhere, AP 1, no ROC. */
  g_assert_cmpfloat (bitlens_curve_get_average_precision (only_person), ==, 1.0);
  g_assert_true (isnan (bitlens_curve_get_roc_auc (only_person)));
  /* Only no-person rows: recall undefined, so no AP either; undefined values are empty. */
  g_assert_true (isnan (bitlens_curve_get_average_precision (only_no_person)));
  g_assert_true (isnan (bitlens_curve_get_roc_auc (only_no_person)));
  g_assert_cmpuint (only_no_person->len, ==, 6);
  g_assert_true (g_str_has_suffix (csv, "\n0,0,6,0,0,0,,1\n"));
}

static void
test_curve_csv (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GArray) curve = bitlens_evaluation_compute_curve (fixture->evaluation, NULL);
  g_autofree char *csv = bitlens_curve_format_csv (curve);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (expected_points) + 2);
  g_assert_cmpstr (lines[0], ==, "threshold,true_positives,false_positives,true_negatives,false_negatives,"
                                 "precision,recall,false_positive_rate");
  for (guint i = 0; i < G_N_ELEMENTS (expected_points); i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 8);
      /* %.9g reads back to the same float score. */
      g_assert_cmpfloat ((float) g_ascii_strtod (fields[0], NULL), ==, (float) fixture_green_score (expected_points[i].green));
      g_assert_cmpuint (atoi (fields[1]), ==, expected_points[i].tp);
      g_assert_cmpuint (atoi (fields[2]), ==, expected_points[i].fp);
      g_assert_cmpuint (atoi (fields[3]), ==, 6 - expected_points[i].fp);
      g_assert_cmpuint (atoi (fields[4]), ==, 5 - expected_points[i].tp);
    }
  g_assert_cmpstr (lines[1], ==, "0.980392158,1,1,5,4,0.5,0.2,0.166666667");
  g_assert_cmpstr (lines[G_N_ELEMENTS (expected_points) + 1], ==, "");
}

/* ---------------------------------------------------------------- histograms */

static void
test_histogram_by_hand (Fixture       *fixture,
                        gconstpointer  data)
{
  /* Scores x 10: person 9.8 7.8 5.0 5.0 1.2, no person 0 3.9 5.0 9.4 9.8 2.4. */
  static const guint person[10] = { 0, 1, 0, 0, 0, 2, 0, 1, 0, 1 };
  static const guint no_person[10] = { 1, 0, 1, 1, 0, 1, 0, 0, 0, 2 };
  g_autoptr(GArray) bins = bitlens_evaluation_compute_score_histogram (fixture->evaluation, NULL, 10);
  g_autofree char *csv = bitlens_score_histogram_format_csv (bins);

  g_assert_cmpuint (bins->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      const BitlensScoreBin *bin = &g_array_index (bins, BitlensScoreBin, i);

      g_assert_cmpfloat (bin->lower, ==, i / 10.0);
      g_assert_cmpfloat (bin->upper, ==, (i + 1) / 10.0);
      g_assert_cmpuint (bin->n_person, ==, person[i]);
      g_assert_cmpuint (bin->n_no_person, ==, no_person[i]);
    }
  g_assert_true (g_str_has_prefix (csv, "lower,upper,person,no_person\n0,0.1,0,1\n0.1,0.2,1,0\n"));
  g_assert_true (g_str_has_suffix (csv, "\n0.9,1,1,2\n"));

  /* One bin holds everything that has a score (not the unreadable image). */
  {
    g_autoptr(GArray) one = bitlens_evaluation_compute_score_histogram (fixture->evaluation, NULL, 1);
    const BitlensScoreBin *bin = &g_array_index (one, BitlensScoreBin, 0);

    g_assert_cmpuint (bin->n_person, ==, 5);
    g_assert_cmpuint (bin->n_no_person, ==, 6);
  }
}

/* Every green from 0 to 255 (so scores on and next to many bin edges), for bin counts that
 * put edges exactly on some scores: each score lands in the last bin whose lower edge it
 * reaches, found here by a linear search. */
static void
test_histogram_edges (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) specs = g_array_new (FALSE, TRUE, sizeof (FixtureImage));
  g_autoptr(BitlensModel) model = fixture_green_model ();
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  static const guint bin_counts[] = { 1, 2, 3, 5, 7, 10, 17, 20, 51, 85, 255, 256, 1000 };
  BitlensEvaluationOptions options;

  for (int green = 0; green < 256; green++)
    {
      FixtureImage image = { NULL, green % 3 == 0, 0, green, 0, 1, 1, 0, NULL };
      char *name = g_strdup_printf ("g%03d.png", green);

      g_ptr_array_add (names, name);
      image.file = name;
      g_array_append_val (specs, image);
    }
  folder = fixture_dataset_new ((FixtureImage *) specs->data, specs->len, NULL);
  dataset = bitlens_dataset_load (folder, &error);
  g_assert_no_error (error);
  bitlens_evaluation_options_init (&options);
  evaluation = bitlens_evaluation_run (dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint c = 0; c < G_N_ELEMENTS (bin_counts); c++)
    {
      guint n = bin_counts[c];
      g_autoptr(GArray) bins = bitlens_evaluation_compute_score_histogram (evaluation, NULL, n);
      g_autofree guint *person = g_new0 (guint, n);
      g_autofree guint *no_person = g_new0 (guint, n);

      for (guint row = 0; row < 256; row++)
        {
          double score = row_score (evaluation, row);
          guint bin = 0;

          for (guint i = 0; i < n; i++)
            if (score >= (double) i / n)
              bin = i;
          if (row_label (evaluation, row) == 1)
            person[bin]++;
          else
            no_person[bin]++;
        }
      for (guint i = 0; i < n; i++)
        {
          g_assert_cmpuint (g_array_index (bins, BitlensScoreBin, i).n_person, ==, person[i]);
          g_assert_cmpuint (g_array_index (bins, BitlensScoreBin, i).n_no_person, ==, no_person[i]);
        }
    }
  /* Score 1 (green 255) in the last bin, score 0 in the first. */
  {
    g_autoptr(GArray) bins = bitlens_evaluation_compute_score_histogram (evaluation, NULL, 4);

    g_assert_cmpuint (g_array_index (bins, BitlensScoreBin, 3).n_person + g_array_index (bins, BitlensScoreBin, 3).n_no_person,
                      ==, 256 - 192);
    g_assert_cmpuint (g_array_index (bins, BitlensScoreBin, 0).n_person + g_array_index (bins, BitlensScoreBin, 0).n_no_person,
                      ==, 64);
  }
  fixture_remove_tree (folder);
}

/* ---------------------------------------------------------------- CLI */

static void
test_cli_outputs (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(TestCliResult) text = { 0 };
  g_auto(TestCliResult) json = { 0 };
  g_autofree char *curve_path = g_build_filename (fixture->folder, "curve.csv", NULL);
  g_autofree char *histogram_path = g_build_filename (fixture->folder, "histogram.csv", NULL);
  g_autofree char *curve_csv = NULL;
  g_autofree char *histogram_csv = NULL;
  g_autoptr(GArray) curve = bitlens_evaluation_compute_curve (fixture->evaluation, NULL);
  g_autoptr(GArray) bins = bitlens_evaluation_compute_score_histogram (fixture->evaluation, NULL, 10);
  g_autofree char *expected_curve = bitlens_curve_format_csv (curve);
  g_autofree char *expected_histogram = bitlens_score_histogram_format_csv (bins);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  test_cli_run (&text, "eval", "--pr-curve", curve_path, "--histogram", histogram_path, "--bins", "10",
                fixture->model_path, fixture->folder, NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_true (g_file_get_contents (curve_path, &curve_csv, NULL, NULL));
  g_assert_true (g_file_get_contents (histogram_path, &histogram_csv, NULL, NULL));
  g_assert_cmpstr (curve_csv, ==, expected_curve);
  g_assert_cmpstr (histogram_csv, ==, expected_histogram);
  g_assert_true (g_str_has_prefix (histogram_csv, "lower,upper,person,no_person\n0,0.1,0,1\n"));
  /* 37/70 = 0.52857..., 7/12 = 0.58333... */
  g_assert_nonnull (strstr (text.out, "average_precision      0.5286\n"));
  g_assert_nonnull (strstr (text.out, "roc_auc                0.5833\n"));

  test_cli_run (&json, "eval", "--json", fixture->model_path, fixture->folder, NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "average_precision"), 37.0 / 70.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "roc_auc"), 7.0 / 12.0, 1e-9);

  /* Default: 20 bins. */
  {
    g_auto(TestCliResult) defaults = { 0 };
    g_autofree char *csv = NULL;
    g_auto(GStrv) lines = NULL;

    test_cli_run (&defaults, "eval", "--histogram", histogram_path, fixture->model_path, fixture->folder, NULL);
    g_assert_cmpint (defaults.status, ==, 0);
    g_assert_true (g_file_get_contents (histogram_path, &csv, NULL, NULL));
    lines = g_strsplit (csv, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 22);
    g_assert_cmpstr (lines[20], ==, "0.95,1,1,1");
  }
}

static void
test_cli_errors (Fixture       *fixture,
                 gconstpointer  data)
{
  g_auto(TestCliResult) zero = { 0 };
  g_auto(TestCliResult) unwritable = { 0 };
  g_autofree char *nowhere = g_build_filename (fixture->folder, "no", "such", "folder", "curve.csv", NULL);

  test_cli_run (&zero, "eval", "--histogram", "/dev/null", "--bins", "0", fixture->model_path, fixture->folder, NULL);
  g_assert_cmpint (zero.status, ==, 2);
  g_assert_nonnull (strstr (zero.err, "--bins"));

  test_cli_run (&unwritable, "eval", "--pr-curve", nowhere, fixture->model_path, fixture->folder, NULL);
  g_assert_cmpint (unwritable.status, ==, 1);
  g_assert_nonnull (strstr (unwritable.err, "curve.csv"));
}

/* ---------------------------------------------------------------- vww */

static void
test_vww (void)
{
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dataset_path = test_shared_path ("data/vww");
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(GArray) curve = NULL;
  g_autoptr(GArray) bins = NULL;
  g_autoptr(GError) error = NULL;
  BitlensEvaluationOptions options;
  BitlensConfusion at_half;
  guint n_person = 0, n_no_person = 0;

  if (model_path == NULL || dataset_path == NULL)
    return;
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  dataset = bitlens_dataset_load (dataset_path, &error);
  g_assert_no_error (error);
  bitlens_evaluation_options_init (&options);
  evaluation = bitlens_evaluation_run (dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  curve = bitlens_evaluation_compute_curve (evaluation, NULL);
  assert_curve_matches_counts (evaluation, NULL, curve);
  g_assert_cmpfloat_with_epsilon (bitlens_curve_get_average_precision (curve),
                                  naive_average_precision (evaluation, NULL), 1e-12);
  g_assert_cmpfloat_with_epsilon (bitlens_curve_get_roc_auc (curve), naive_roc_auc (evaluation, NULL), 1e-12);
  /* The README's figure: accuracy 0.767 at 0.5; the point at the lowest threshold >= 0.5
   * counts like the threshold 0.5 itself. */
  bitlens_evaluation_count (evaluation, NULL, 0.5, &at_half);
  for (guint i = curve->len; i-- > 0;)
    if (g_array_index (curve, BitlensCurvePoint, i).threshold >= 0.5)
      {
        g_assert_cmpmem (&g_array_index (curve, BitlensCurvePoint, i).confusion, sizeof at_half, &at_half, sizeof at_half);
        break;
      }

  bins = bitlens_evaluation_compute_score_histogram (evaluation, NULL, 20);
  for (guint i = 0; i < bins->len; i++)
    {
      n_person += g_array_index (bins, BitlensScoreBin, i).n_person;
      n_no_person += g_array_index (bins, BitlensScoreBin, i).n_no_person;
    }
  g_assert_cmpuint (n_person, ==, 500);
  g_assert_cmpuint (n_no_person, ==, 500);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/statistics/curve-by-hand", test_curve_by_hand);
  ADD ("/statistics/curve-slices", test_curve_slices);
  ADD ("/statistics/curve-degenerate", test_curve_degenerate);
  ADD ("/statistics/curve-csv", test_curve_csv);
  ADD ("/statistics/histogram-by-hand", test_histogram_by_hand);
  g_test_add_func ("/statistics/histogram-edges", test_histogram_edges);
  ADD ("/statistics/cli-outputs", test_cli_outputs);
  ADD ("/statistics/cli-errors", test_cli_errors);
  g_test_add_func ("/statistics/vww", test_vww);
  return g_test_run ();
}
