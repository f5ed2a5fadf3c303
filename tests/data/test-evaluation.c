/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <bitlens/bitlens-evaluation.h>

#include "data-fixtures.h"
#include "test-util.h"

/* Evaluation on a hand-made dataset with the "green" model (score = G / 255): confusion
 * counts, metrics, failures, measured attributes, predictions CSV, problems, threads,
 * cancellation and the async API -- each checked against values computed here directly. */

static const FixtureImage images[] = {
  /* file          label  R    G    B   w   h  stripe extra (tags) */
  { "p1.png",        1,  10, 250,  30,  4,  2,  40, "dark indoor" },
  { "p2.png",        1, 200, 200, 200,  3,  3,   0, "bright" },
  { "p3.png",        1,  50, 128,  20,  5,  1,  90, "dark" },
  { "p4.png",        1,  90, 127,  60,  2,  2,  10, "" },
  { "sub/p5.png",    1,   0,  30,   0,  7,  3,   0, "dark coat" },
  { "n1.png",        0, 255,   0, 255,  1,  1,   0, "bright" },
  { "n2.png",        0, 100, 100, 100,  6,  4,   5, "" },
  { "n3.png",        0, 180, 140,  10,  2,  5, 60, "coat" },
  { "n4.png",        0,  20, 240, 220,  8,  1,   0, "bright coat" },
  { "n5.png",        0,  30, 250,  40,  3,  2,  30, "dark" },
  { "n6.png",        0,  60,  60,  60,  4,  4,   0, "" },
};

typedef struct
{
  char           *folder;
  BitlensDataset *dataset;
  BitlensModel   *model;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->folder = fixture_dataset_new (images, G_N_ELEMENTS (images), "tags");
  /* An unreadable image on line 13 and a missing one on line 14. */
  fixture_write_file (fixture->folder, "broken.png", "this is not a PNG file");
  {
    g_autofree char *csv_path = g_build_filename (fixture->folder, "labels.csv", NULL);
    g_autofree char *csv = NULL;
    g_autofree char *more = NULL;
    g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
    more = g_strconcat (csv, "broken.png,1,dark\nabsent.png,0,\n", NULL);
    fixture_write_file (fixture->folder, "labels.csv", more);
  }
  fixture->dataset = bitlens_dataset_load (fixture->folder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_dataset_get_n_items (fixture->dataset), ==, G_N_ELEMENTS (images) + 1);
  fixture->model = fixture_green_model ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bitlens_model_unref (fixture->model);
  bitlens_dataset_unref (fixture->dataset);
  fixture_remove_tree (fixture->folder);
  g_free (fixture->folder);
}

/* ITU-R 601 luma of column x of a fixture image, in floating point, rounded to the
 * nearest integer as Pillow's fixed point does (no pixel here falls near a half). */
static double
fixture_luma (const FixtureImage *image,
              int                 x)
{
  int red = image->red + (x < image->width / 2 ? image->stripe : 0);
  return floor (0.299 * red + 0.587 * image->green + 0.114 * image->blue + 0.5);
}

static BitlensEvaluation *
evaluate (Fixture      *fixture,
          BitlensModel *model,
          guint         n_threads)
{
  BitlensEvaluationOptions options;
  g_autoptr(GError) error = NULL;
  BitlensEvaluation *evaluation;

  bitlens_evaluation_options_init (&options);
  options.n_threads = n_threads;
  evaluation = bitlens_evaluation_run (fixture->dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (evaluation);
  return evaluation;
}

/* The confusion matrix counted straight from the table above. */
static void
expected_confusion (double            threshold,
                    BitlensConfusion *confusion)
{
  memset (confusion, 0, sizeof *confusion);
  for (gsize i = 0; i < G_N_ELEMENTS (images); i++)
    {
      gboolean person = fixture_green_score (images[i].green) >= threshold;
      if (images[i].label == 1 && person)
        confusion->true_positives++;
      else if (images[i].label == 1)
        confusion->false_negatives++;
      else if (person)
        confusion->false_positives++;
      else
        confusion->true_negatives++;
    }
}

static void
test_confusion (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 2);
  const double thresholds[] = { 0.0, 0.1, 0.5, 0.502, 0.9, 0.99, 1.0 };
  BitlensConfusion confusion, expected;

  /* At 0.5, worked by hand: TP p1 p2 p3, FN p4 p5, FP n3 n4 n5, TN n1 n2 n6. */
  bitlens_evaluation_count (evaluation, NULL, 0.5, &confusion);
  g_assert_cmpuint (confusion.true_positives, ==, 3);
  g_assert_cmpuint (confusion.false_negatives, ==, 2);
  g_assert_cmpuint (confusion.false_positives, ==, 3);
  g_assert_cmpuint (confusion.true_negatives, ==, 3);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_ACCURACY), ==, 6.0 / 11.0);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_PRECISION), ==, 3.0 / 6.0);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_RECALL), ==, 3.0 / 5.0);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_FALSE_POSITIVE_RATE), ==, 3.0 / 6.0);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_FALSE_NEGATIVE_RATE), ==, 2.0 / 5.0);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_COUNT), ==, 11.0);

  for (gsize t = 0; t < G_N_ELEMENTS (thresholds); t++)
    {
      bitlens_evaluation_count (evaluation, NULL, thresholds[t], &confusion);
      expected_confusion (thresholds[t], &expected);
      g_assert_cmpmem (&confusion, sizeof confusion, &expected, sizeof expected);
    }
  g_assert_cmpfloat (bitlens_evaluation_get_threshold (evaluation), ==, 0.5);
  g_assert_cmpuint (bitlens_evaluation_get_n_threads (evaluation), ==, 2);
}

static void
test_predictions (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 3);
  BitlensTable *table = bitlens_evaluation_get_table (evaluation);
  int width = bitlens_table_find_column (table, "width");
  int height = bitlens_table_find_column (table, "height");
  int mean = bitlens_table_find_column (table, "mean_luma");
  int deviation = bitlens_table_find_column (table, "std_luma");

  g_assert_cmpuint (bitlens_evaluation_get_n_rows (evaluation), ==, G_N_ELEMENTS (images) + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (images); i++)
    {
      const FixtureImage *image = &images[i];
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, i);
      double sum = 0, squares = 0, expected_mean;
      int n = image->width * image->height;

      g_assert_cmpstr (bitlens_dataset_get_item (fixture->dataset, i)->file, ==, image->file);
      g_assert_true (prediction->loaded);
      g_assert_cmpfloat (prediction->score, ==, fixture_green_score (image->green));
      g_assert_cmpint (bitlens_evaluation_get_predicted (evaluation, i, 0.5), ==,
                       fixture_green_score (image->green) >= 0.5);
      /* Luma by the definition, pixel by pixel. */
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          sum += fixture_luma (image, x);
      expected_mean = sum / n;
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          squares += (fixture_luma (image, x) - expected_mean) * (fixture_luma (image, x) - expected_mean);
      g_assert_cmpint (prediction->width, ==, image->width);
      g_assert_cmpint (prediction->height, ==, image->height);
      g_assert_cmpfloat_with_epsilon (prediction->mean_luma, expected_mean, 1e-9);
      g_assert_cmpfloat_with_epsilon (prediction->std_luma, sqrt (squares / n), 1e-9);
      /* The table has them as columns. */
      g_assert_cmpfloat (bitlens_table_get_number (table, i, width), ==, image->width);
      g_assert_cmpfloat (bitlens_table_get_number (table, i, height), ==, image->height);
      g_assert_cmpfloat (bitlens_table_get_number (table, i, mean), ==, prediction->mean_luma);
      g_assert_cmpfloat (bitlens_table_get_number (table, i, deviation), ==, prediction->std_luma);
    }
  /* A uniform image has no spread; p1 has two halves: (R 50, G 250, B 30) -> luma
   * (979750 + 9617500 + 224130 + 32768) >> 16 = 165 and (R 10 ...) -> 10070348 >> 16 = 153,
   * so mean 159 and standard deviation 6. */
  g_assert_cmpfloat (bitlens_evaluation_get_prediction (evaluation, 1)->std_luma, ==, 0.0);
  g_assert_cmpfloat (bitlens_evaluation_get_prediction (evaluation, 0)->mean_luma, ==, 159.0);
  g_assert_cmpfloat (bitlens_evaluation_get_prediction (evaluation, 0)->std_luma, ==, 6.0);
  /* The dataset's own table stays unmeasured. */
  g_assert_true (isnan (bitlens_table_get_number (bitlens_dataset_get_table (fixture->dataset), 0, mean)));
}

static void
test_problems (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 2);
  guint broken = G_N_ELEMENTS (images);
  const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, broken);
  const BitlensDatasetProblem *problem;
  g_autoptr(GArray) rows = NULL;

  g_assert_false (prediction->loaded);
  g_assert_true (isnan (prediction->score));
  g_assert_true (isnan (prediction->mean_luma));
  g_assert_cmpint (bitlens_evaluation_get_predicted (evaluation, broken, 0.5), ==, -1);
  g_assert_true (isnan (bitlens_table_get_number (bitlens_evaluation_get_table (evaluation), broken,
                                                  bitlens_table_find_column (bitlens_evaluation_get_table (evaluation), "width"))));

  /* The missing file (line 14, from loading), then the unreadable one (line 13). */
  g_assert_cmpuint (bitlens_evaluation_get_n_problems (evaluation), ==, 2);
  problem = bitlens_evaluation_get_problem (evaluation, 0);
  g_assert_cmpuint (problem->line, ==, 14);
  g_assert_cmpstr (problem->file, ==, "absent.png");
  problem = bitlens_evaluation_get_problem (evaluation, 1);
  g_assert_cmpuint (problem->line, ==, 13);
  g_assert_cmpstr (problem->file, ==, "broken.png");
  g_assert_true (g_str_has_suffix (problem->source, "/labels.csv"));
  g_assert_true (g_str_has_prefix (problem->message, "cannot read broken.png: "));
  {
    g_autofree char *text = bitlens_dataset_problem_to_string (problem);
    g_assert_nonnull (strstr (text, "labels.csv:13: cannot read broken.png: "));
  }

  /* Left out of counts and slices. */
  rows = bitlens_evaluation_select (evaluation, NULL);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (images));
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpuint (g_array_index (rows, guint, i), ==, i);
}

static void
test_slices (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 1);
  g_autoptr(GError) error = NULL;
  /* Bound to the dataset's table, used on the evaluation's. */
  g_autoptr(BitlensExpression) dark = bitlens_expression_new ("has(tags, \"dark\")", bitlens_dataset_get_table (fixture->dataset), &error);
  g_autoptr(BitlensExpression) small = bitlens_expression_new ("width <= 3 && label == 0", bitlens_dataset_get_table (fixture->dataset), &error);
  g_autoptr(GArray) rows = NULL;
  BitlensConfusion confusion;

  g_assert_no_error (error);
  /* dark: p1 (TP) p3 (TP) p5 (FN) n5 (FP); the broken one is dark but unread. */
  bitlens_evaluation_count (evaluation, dark, 0.5, &confusion);
  g_assert_cmpuint (confusion.true_positives, ==, 2);
  g_assert_cmpuint (confusion.false_negatives, ==, 1);
  g_assert_cmpuint (confusion.false_positives, ==, 1);
  g_assert_cmpuint (confusion.true_negatives, ==, 0);
  /* width <= 3 and no person: n1 (1 px, TN), n3 (2, FP), n5 (3, FP). */
  rows = bitlens_evaluation_select (evaluation, small);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpuint (g_array_index (rows, guint, 0), ==, 5);
  g_assert_cmpuint (g_array_index (rows, guint, 1), ==, 7);
  g_assert_cmpuint (g_array_index (rows, guint, 2), ==, 9);
  bitlens_evaluation_count (evaluation, small, 0.5, &confusion);
  g_assert_cmpuint (confusion.false_positives, ==, 2);
  g_assert_cmpuint (confusion.true_negatives, ==, 1);
  g_assert_cmpfloat (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_RECALL), !=, 0.0);
  g_assert_true (isnan (bitlens_confusion_get_metric (&confusion, BITLENS_METRIC_RECALL)));
}

static const char *
row_file (Fixture *fixture,
          GArray  *rows,
          guint    index)
{
  return bitlens_dataset_get_item (fixture->dataset, g_array_index (rows, guint, index))->file;
}

static void
test_failures (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 2);
  g_autoptr(GArray) all = bitlens_evaluation_list_failures (evaluation, NULL, BITLENS_FAILURE_ALL, 0.5);
  g_autoptr(GArray) fp = bitlens_evaluation_list_failures (evaluation, NULL, BITLENS_FAILURE_FALSE_POSITIVE, 0.5);
  g_autoptr(GArray) fn = bitlens_evaluation_list_failures (evaluation, NULL, BITLENS_FAILURE_FALSE_NEGATIVE, 0.5);
  g_autoptr(GArray) strict = bitlens_evaluation_list_failures (evaluation, NULL, BITLENS_FAILURE_ALL, 0.95);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensExpression) coat = bitlens_expression_new ("has(tags, \"coat\")", bitlens_evaluation_get_table (evaluation), &error);
  g_autoptr(GArray) coats = NULL;

  /* FP scores: n5 250, n4 240, n3 140; FN: p5 30 (1 - 0.118), p4 127 (1 - 0.498). */
  g_assert_cmpuint (fp->len, ==, 3);
  g_assert_cmpstr (row_file (fixture, fp, 0), ==, "n5.png");
  g_assert_cmpstr (row_file (fixture, fp, 1), ==, "n4.png");
  g_assert_cmpstr (row_file (fixture, fp, 2), ==, "n3.png");
  g_assert_cmpuint (fn->len, ==, 2);
  g_assert_cmpstr (row_file (fixture, fn, 0), ==, "sub/p5.png");
  g_assert_cmpstr (row_file (fixture, fn, 1), ==, "p4.png");
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpstr (row_file (fixture, all, 0), ==, "n5.png");
  g_assert_cmpstr (row_file (fixture, all, 1), ==, "n4.png");
  g_assert_cmpstr (row_file (fixture, all, 2), ==, "sub/p5.png");
  g_assert_cmpstr (row_file (fixture, all, 3), ==, "n3.png");
  g_assert_cmpstr (row_file (fixture, all, 4), ==, "p4.png");
  g_assert_cmpfloat (bitlens_evaluation_get_mistake_confidence (evaluation, 4), ==, 1.0 - fixture_green_score (30));
  g_assert_cmpfloat (bitlens_evaluation_get_mistake_confidence (evaluation, 9), ==, fixture_green_score (250));
  /* At 0.95 only n5 (0.98) is a false positive; every person below 0.95 is missed. */
  g_assert_cmpuint (strict->len, ==, 1 + 4);
  g_assert_cmpstr (row_file (fixture, strict, 0), ==, "n5.png");
  /* A slice. */
  g_assert_no_error (error);
  coats = bitlens_evaluation_list_failures (evaluation, coat, BITLENS_FAILURE_ALL, 0.5);
  g_assert_cmpuint (coats->len, ==, 3);
  g_assert_cmpstr (row_file (fixture, coats, 0), ==, "n4.png");
  g_assert_cmpstr (row_file (fixture, coats, 1), ==, "sub/p5.png");
  g_assert_cmpstr (row_file (fixture, coats, 2), ==, "n3.png");
}

static void
test_predictions_csv (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, 2);
  g_autofree char *csv = bitlens_evaluation_format_predictions_csv (evaluation, 0.5);
  g_autoptr(GString) expected = g_string_new ("file,label,score,predicted,correct\n");
  g_autofree char *path = g_build_filename (fixture->folder, "predictions.csv", NULL);
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (images); i++)
    {
      double score = fixture_green_score (images[i].green);
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];
      int predicted = score >= 0.5;

      g_string_append_printf (expected, "%s,%d,%s,%d,%d\n", images[i].file, images[i].label,
                              g_ascii_formatd (buffer, sizeof buffer, "%.9g", score), predicted,
                              predicted == images[i].label);
    }
  g_assert_cmpstr (csv, ==, expected->str);
  /* Scores read back to the same float. */
  g_assert_nonnull (strstr (csv, "p1.png,1,0.980392158,1,1\n"));
  g_assert_cmpfloat ((float) g_ascii_strtod ("0.980392158", NULL), ==, 250 / 255.0f);

  g_assert_true (bitlens_evaluation_write_predictions_csv (evaluation, 0.5, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, csv);
}

static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) reference = evaluate (fixture, fixture->model, 1);
  g_autofree char *reference_csv = bitlens_evaluation_format_predictions_csv (reference, 0.5);
  const guint counts[] = { 2, 3, 5, 8, 64 };

  for (gsize c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, fixture->model, counts[c]);
      g_autofree char *csv = bitlens_evaluation_format_predictions_csv (evaluation, 0.5);

      g_assert_cmpstr (csv, ==, reference_csv);
      for (guint row = 0; row < bitlens_evaluation_get_n_rows (evaluation); row++)
        g_assert_cmpmem (bitlens_evaluation_get_prediction (evaluation, row), sizeof (BitlensPrediction),
                         bitlens_evaluation_get_prediction (reference, row), sizeof (BitlensPrediction));
      /* No more threads than items. */
      g_assert_cmpuint (bitlens_evaluation_get_n_threads (evaluation), ==, MIN (counts[c], G_N_ELEMENTS (images) + 1));
    }
}

static void
test_measure_only (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, NULL, 2);
  g_autoptr(GArray) rows = bitlens_evaluation_select (evaluation, NULL);
  g_autoptr(GArray) failures = bitlens_evaluation_list_failures (evaluation, NULL, BITLENS_FAILURE_ALL, 0.5);
  g_autofree char *csv = bitlens_evaluation_format_predictions_csv (evaluation, 0.5);
  BitlensConfusion confusion;

  g_assert_null (bitlens_evaluation_get_model (evaluation));
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (images));
  g_assert_cmpuint (failures->len, ==, 0);
  bitlens_evaluation_count (evaluation, NULL, 0.5, &confusion);
  g_assert_cmpuint (bitlens_confusion_get_total (&confusion), ==, 0);
  g_assert_cmpstr (csv, ==, "file,label,score,predicted,correct\n");
  g_assert_true (isnan (bitlens_evaluation_get_prediction (evaluation, 0)->score));
  g_assert_cmpint (bitlens_evaluation_get_prediction (evaluation, 0)->width, ==, 4);
}

typedef struct
{
  GCancellable *cancellable;
  guint         calls;
  guint         last_done;
  guint         total;
  gboolean      monotonic;
  gboolean      freed;
  gboolean      finished;
  gboolean      called_after_finish;
  BitlensEvaluation *evaluation;
  GError       *error;
} ProgressLog;

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  ProgressLog *log = user_data;

  if (log->finished)
    log->called_after_finish = TRUE;
  if (done < log->last_done)
    log->monotonic = FALSE;
  log->last_done = done;
  log->total = total;
  log->calls++;
  if (log->cancellable != NULL && done >= 3)
    g_cancellable_cancel (log->cancellable);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ProgressLog log = { cancellable, 0, 0, 0, TRUE, FALSE, FALSE, FALSE, NULL, NULL };
  BitlensEvaluationOptions options;
  BitlensEvaluation *evaluation;

  bitlens_evaluation_options_init (&options);
  options.n_threads = 2;
  evaluation = bitlens_evaluation_run (fixture->dataset, fixture->model, &options, cancellable, on_progress, &log, &error);
  g_assert_null (evaluation);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_assert_true (log.monotonic);
  /* Stopped early: at most the items already taken by the two threads finish. */
  g_assert_cmpuint (log.last_done, <, G_N_ELEMENTS (images) + 1);
  g_assert_cmpuint (log.last_done, >=, 3);
}

static void
test_progress_sync (Fixture       *fixture,
                    gconstpointer  data)
{
  ProgressLog log = { NULL, 0, 0, 0, TRUE, FALSE, FALSE, FALSE, NULL, NULL };
  BitlensEvaluationOptions options;
  g_autoptr(BitlensEvaluation) evaluation = NULL;

  bitlens_evaluation_options_init (&options);
  options.n_threads = 3;
  evaluation = bitlens_evaluation_run (fixture->dataset, fixture->model, &options, NULL, on_progress, &log, NULL);
  g_assert_nonnull (evaluation);
  /* One call per item, in order. */
  g_assert_cmpuint (log.calls, ==, G_N_ELEMENTS (images) + 1);
  g_assert_cmpuint (log.last_done, ==, G_N_ELEMENTS (images) + 1);
  g_assert_cmpuint (log.total, ==, G_N_ELEMENTS (images) + 1);
  g_assert_true (log.monotonic);
}

static void
on_progress_freed (gpointer data)
{
  ProgressLog *log = data;
  g_assert_false (log->freed);
  log->freed = TRUE;
}

static void
on_evaluated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ProgressLog *log = user_data;

  log->evaluation = bitlens_evaluation_run_finish (result, &log->error);
  log->finished = TRUE;
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  ProgressLog log = { NULL, 0, 0, 0, TRUE, FALSE, FALSE, FALSE, NULL, NULL };
  g_autoptr(BitlensEvaluation) reference = evaluate (fixture, fixture->model, 1);
  g_autofree char *reference_csv = bitlens_evaluation_format_predictions_csv (reference, 0.5);
  g_autofree char *csv = NULL;
  BitlensEvaluationOptions options;

  bitlens_evaluation_options_init (&options);
  options.n_threads = 2;
  bitlens_evaluation_run_async (fixture->dataset, fixture->model, &options, NULL, on_progress, &log,
                                on_progress_freed, on_evaluated, &log);
  while (!log.finished || !log.freed)
    g_main_context_iteration (NULL, TRUE);
  /* Let any stray idle run. */
  while (g_main_context_iteration (NULL, FALSE));

  g_assert_no_error (log.error);
  g_assert_nonnull (log.evaluation);
  csv = bitlens_evaluation_format_predictions_csv (log.evaluation, 0.5);
  g_assert_cmpstr (csv, ==, reference_csv);
  g_assert_true (log.monotonic);
  g_assert_false (log.called_after_finish);
  g_assert_cmpuint (log.calls, >=, 1);
  g_assert_cmpuint (log.last_done, <=, G_N_ELEMENTS (images) + 1);
  g_assert_cmpuint (log.total, ==, G_N_ELEMENTS (images) + 1);
  bitlens_evaluation_unref (log.evaluation);
}

static void
test_async_cancel (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ProgressLog log = { NULL, 0, 0, 0, TRUE, FALSE, FALSE, FALSE, NULL, NULL };

  g_cancellable_cancel (cancellable);
  bitlens_evaluation_run_async (fixture->dataset, fixture->model, NULL, cancellable, NULL, NULL, NULL,
                                on_evaluated, &log);
  while (!log.finished)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (log.evaluation);
  g_assert_error (log.error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_clear_error (&log.error);
}

static void
test_metric_names (void)
{
  BitlensMetric metric;

  for (BitlensMetric m = BITLENS_METRIC_ACCURACY; m <= BITLENS_METRIC_COUNT; m++)
    {
      g_assert_true (bitlens_metric_from_name (bitlens_metric_get_name (m), &metric));
      g_assert_cmpint (metric, ==, m);
      g_assert_nonnull (strstr (bitlens_metric_list_names (), bitlens_metric_get_name (m)));
    }
  g_assert_true (bitlens_metric_from_name ("fpr", &metric));
  g_assert_cmpint (metric, ==, BITLENS_METRIC_FALSE_POSITIVE_RATE);
  g_assert_true (bitlens_metric_from_name ("fnr", &metric));
  g_assert_cmpint (metric, ==, BITLENS_METRIC_FALSE_NEGATIVE_RATE);
  g_assert_false (bitlens_metric_from_name ("Accuracy", &metric));
  g_assert_false (bitlens_metric_from_name ("f1", &metric));
}

/* Metrics of hand-made confusion matrices, worked out by hand. */
static void
test_metric_math (void)
{
  const struct
  {
    BitlensConfusion confusion;
    double accuracy, precision, recall, fpr, fnr;
  } cases[] = {
    /* TP FP TN FN */
    { { 40, 10, 30, 20 }, 0.70, 0.80, 40.0 / 60, 0.25, 20.0 / 60 },
    { { 1, 0, 0, 0 }, 1.0, 1.0, 1.0, NAN, 0.0 },
    { { 0, 0, 5, 0 }, 1.0, NAN, NAN, 0.0, NAN },
    { { 0, 3, 0, 0 }, 0.0, 0.0, NAN, 1.0, NAN },
    { { 0, 0, 0, 7 }, 0.0, NAN, 0.0, NAN, 1.0 },
    { { 0, 0, 0, 0 }, NAN, NAN, NAN, NAN, NAN },
    { { 91, 46, 0, 0 }, 91.0 / 137, 91.0 / 137, 1.0, 1.0, 0.0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BitlensConfusion *c = &cases[i].confusion;
      const double expected[] = { cases[i].accuracy, cases[i].precision, cases[i].recall, cases[i].fpr, cases[i].fnr };
      const BitlensMetric metrics[] = { BITLENS_METRIC_ACCURACY, BITLENS_METRIC_PRECISION, BITLENS_METRIC_RECALL,
                                        BITLENS_METRIC_FALSE_POSITIVE_RATE, BITLENS_METRIC_FALSE_NEGATIVE_RATE };

      for (gsize m = 0; m < G_N_ELEMENTS (metrics); m++)
        {
          double value = bitlens_confusion_get_metric (c, metrics[m]);
          if (isnan (expected[m]))
            g_assert_true (isnan (value));
          else
            g_assert_cmpfloat_with_epsilon (value, expected[m], 1e-15);
        }
      g_assert_cmpfloat (bitlens_confusion_get_metric (c, BITLENS_METRIC_COUNT), ==,
                         c->true_positives + c->false_positives + c->true_negatives + c->false_negatives);
    }

  {
    BitlensConfusion confusion = { 0 };
    bitlens_confusion_add (&confusion, 1, 1);
    bitlens_confusion_add (&confusion, 1, 0);
    bitlens_confusion_add (&confusion, 1, 0);
    bitlens_confusion_add (&confusion, 0, 1);
    bitlens_confusion_add (&confusion, 0, 0);
    g_assert_cmpuint (confusion.true_positives, ==, 1);
    g_assert_cmpuint (confusion.false_negatives, ==, 2);
    g_assert_cmpuint (confusion.false_positives, ==, 1);
    g_assert_cmpuint (confusion.true_negatives, ==, 1);
    g_assert_cmpuint (bitlens_confusion_get_total (&confusion), ==, 5);
  }
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/evaluation/metric-names", test_metric_names);
  g_test_add_func ("/evaluation/metric-math", test_metric_math);
  ADD ("/evaluation/confusion", test_confusion);
  ADD ("/evaluation/predictions", test_predictions);
  ADD ("/evaluation/problems", test_problems);
  ADD ("/evaluation/slices", test_slices);
  ADD ("/evaluation/failures", test_failures);
  ADD ("/evaluation/predictions-csv", test_predictions_csv);
  ADD ("/evaluation/threads", test_threads);
  ADD ("/evaluation/measure-only", test_measure_only);
  ADD ("/evaluation/cancel", test_cancel);
  ADD ("/evaluation/progress", test_progress_sync);
  ADD ("/evaluation/async", test_async);
  ADD ("/evaluation/async-cancel", test_async_cancel);
  return g_test_run ();
}
