/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <bitlens/bitlens.h>

#include "test-util.h"

/* The shared person detectors on the shared vww images: the evaluation against a plain
 * loop written here (one interpreter, image by image, counting by hand), the same results
 * whatever the thread count, the measured luma against labels.csv, and timings. */

typedef struct
{
  double          *scores;
  BitlensConfusion confusion;
} Reference;

static void
reference_clear (Reference *reference)
{
  g_free (reference->scores);
}

/* The definition, item by item. */
static void
reference_run (BitlensDataset *dataset,
               BitlensModel   *model,
               Reference      *reference)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  const BitlensTensor *input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  guint n = bitlens_dataset_get_n_items (dataset);

  g_assert_no_error (error);
  reference->scores = g_new (double, n);
  memset (&reference->confusion, 0, sizeof reference->confusion);
  for (guint i = 0; i < n; i++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, i);
      g_autoptr(BitlensImage) image = bitlens_image_load (item->path, &error);
      gboolean person;

      g_assert_no_error (error);
      g_assert_true (bitlens_image_to_input (image, input, bitlens_interpreter_get_input_data (interpreter, 0), &error));
      bitlens_interpreter_invoke (interpreter);
      reference->scores[i] = bitlens_interpreter_get_person_score (interpreter);
      person = reference->scores[i] >= 0.5;
      if (item->label == 1 && person)
        reference->confusion.true_positives++;
      else if (item->label == 1)
        reference->confusion.false_negatives++;
      else if (person)
        reference->confusion.false_positives++;
      else
        reference->confusion.true_negatives++;
    }
}

static BitlensEvaluation *
evaluate (BitlensDataset *dataset,
          BitlensModel   *model,
          guint           n_threads)
{
  BitlensEvaluationOptions options;
  g_autoptr(GError) error = NULL;
  BitlensEvaluation *evaluation;

  bitlens_evaluation_options_init (&options);
  options.n_threads = n_threads;
  evaluation = bitlens_evaluation_run (dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s on %s: %u images in %.2f s with %u threads", model != NULL ? bitlens_model_get_name (model) : "(measuring only)",
                  bitlens_dataset_get_name (dataset), bitlens_dataset_get_n_items (dataset),
                  bitlens_evaluation_get_seconds (evaluation), bitlens_evaluation_get_n_threads (evaluation));
  return evaluation;
}

static void
assert_matches_reference (BitlensEvaluation *evaluation,
                          const Reference   *reference)
{
  BitlensConfusion confusion;

  for (guint i = 0; i < bitlens_evaluation_get_n_rows (evaluation); i++)
    {
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, i);
      g_assert_true (prediction->loaded);
      g_assert_cmpfloat (prediction->score, ==, reference->scores[i]);
    }
  bitlens_evaluation_count (evaluation, NULL, 0.5, &confusion);
  g_assert_cmpmem (&confusion, sizeof confusion, &reference->confusion, sizeof reference->confusion);
}

static void
check_model (const char *model_relative,
             gboolean    split)
{
  g_autofree char *model_path = test_shared_path (model_relative);
  g_autofree char *data_path = test_shared_path ("data/vww");
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(GError) error = NULL;
  Reference reference = { 0 };

  if (model_path == NULL || data_path == NULL)
    return;
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  dataset = bitlens_dataset_load (data_path, &error);
  g_assert_no_error (error);
  if (split)
    {
      g_autofree char *split_path = bitlens_dataset_find_split_file (dataset, "vww/test.txt", NULL, &error);
      BitlensDataset *test = NULL;
      g_assert_no_error (error);
      test = bitlens_dataset_new_split (dataset, split_path, &error);
      g_assert_no_error (error);
      bitlens_dataset_unref (dataset);
      dataset = test;
    }

  reference_run (dataset, model, &reference);
  evaluation = evaluate (dataset, model, 2);
  assert_matches_reference (evaluation, &reference);
  g_test_message ("%s on %s: TP %u FP %u TN %u FN %u, accuracy %.4f", bitlens_model_get_name (model),
                  bitlens_dataset_get_name (dataset), reference.confusion.true_positives,
                  reference.confusion.false_positives, reference.confusion.true_negatives,
                  reference.confusion.false_negatives,
                  bitlens_confusion_get_metric (&reference.confusion, BITLENS_METRIC_ACCURACY));
  reference_clear (&reference);
}

static void
test_person_detect_all (void)
{
  check_model ("models/tflm/person_detect.tflite", FALSE);
}

static void
test_person_detect_split (void)
{
  check_model ("models/tflm/person_detect.tflite", TRUE);
}

static void
test_vww_int8_all (void)
{
  check_model ("models/mlperf_tiny/vww_96_int8.tflite", FALSE);
}

static void
test_vww_int8_split (void)
{
  check_model ("models/mlperf_tiny/vww_96_int8.tflite", TRUE);
}

/* The same predictions, bit for bit, with 1, 2, 3 and 5 threads. */
static void
test_thread_counts (void)
{
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *data_path = test_shared_path ("data/vww");
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) single = NULL;
  g_autofree char *single_csv = NULL;
  g_autoptr(GError) error = NULL;
  const guint counts[] = { 2, 3, 5 };

  if (model_path == NULL || data_path == NULL)
    return;
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  dataset = bitlens_dataset_load (data_path, &error);
  g_assert_no_error (error);
  single = evaluate (dataset, model, 1);
  single_csv = bitlens_evaluation_format_predictions_csv (single, 0.5);
  for (gsize c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      g_autoptr(BitlensEvaluation) evaluation = evaluate (dataset, model, counts[c]);
      g_autofree char *csv = bitlens_evaluation_format_predictions_csv (evaluation, 0.5);

      g_assert_cmpstr (csv, ==, single_csv);
      for (guint i = 0; i < bitlens_evaluation_get_n_rows (evaluation); i++)
        g_assert_cmpmem (bitlens_evaluation_get_prediction (evaluation, i), sizeof (BitlensPrediction),
                         bitlens_evaluation_get_prediction (single, i), sizeof (BitlensPrediction));
    }
}

/* labels.csv has mean_luma and std_luma rounded to 0.1: the measurement agrees to the
 * rounding. */
static void
test_luma_matches_csv (void)
{
  g_autofree char *data_path = test_shared_path ("data/vww");
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(GError) error = NULL;
  BitlensTable *table;
  int mean_column, std_column;
  double worst_mean = 0, worst_std = 0;

  if (data_path == NULL)
    return;
  dataset = bitlens_dataset_load (data_path, &error);
  g_assert_no_error (error);
  evaluation = evaluate (dataset, NULL, 0);
  table = bitlens_dataset_get_table (dataset);
  mean_column = bitlens_table_find_column (table, "mean_luma");
  std_column = bitlens_table_find_column (table, "std_luma");
  g_assert_false (bitlens_table_column_is_measured (table, mean_column));
  for (guint i = 0; i < bitlens_evaluation_get_n_rows (evaluation); i++)
    {
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, i);

      g_assert_cmpint (prediction->width, ==, 96);
      g_assert_cmpint (prediction->height, ==, 96);
      worst_mean = MAX (worst_mean, fabs (prediction->mean_luma - bitlens_table_get_number (table, i, mean_column)));
      worst_std = MAX (worst_std, fabs (prediction->std_luma - bitlens_table_get_number (table, i, std_column)));
    }
  g_test_message ("largest difference from labels.csv: mean_luma %.4f, std_luma %.4f", worst_mean, worst_std);
  g_assert_cmpfloat (worst_mean, <=, 0.05 + 1e-9);
  g_assert_cmpfloat (worst_std, <=, 0.05 + 1e-9);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/evaluation-models/person-detect/vww", test_person_detect_all);
  g_test_add_func ("/evaluation-models/person-detect/vww-test", test_person_detect_split);
  g_test_add_func ("/evaluation-models/vww-96-int8/vww", test_vww_int8_all);
  g_test_add_func ("/evaluation-models/vww-96-int8/vww-test", test_vww_int8_split);
  g_test_add_func ("/evaluation-models/thread-counts", test_thread_counts);
  g_test_add_func ("/evaluation-models/luma", test_luma_matches_csv);
  return g_test_run ();
}
