/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-datatest.h"
#include "bitlens/bitlens-error.h"
#include "async-progress.h"
#include "datatest-private.h"

/* Running data unit tests: each test's slice is counted on each model's evaluation and its
 * metric compared with the bounds. */

static char *
explain_undefined (BitlensMetric metric)
{
  switch (metric)
    {
    case BITLENS_METRIC_PRECISION:
      return g_strdup (_("precision is undefined on this slice: no image was predicted person (TP + FP = 0)"));
    case BITLENS_METRIC_RECALL:
      return g_strdup (_("recall is undefined on this slice: it holds no person image (TP + FN = 0)"));
    case BITLENS_METRIC_FALSE_NEGATIVE_RATE:
      return g_strdup (_("false_negative_rate is undefined on this slice: it holds no person image (TP + FN = 0)"));
    case BITLENS_METRIC_FALSE_POSITIVE_RATE:
      return g_strdup (_("false_positive_rate is undefined on this slice: it holds no no-person image (FP + TN = 0)"));
    case BITLENS_METRIC_ACCURACY:
    case BITLENS_METRIC_COUNT:
    default:
      return g_strdup_printf (_("%s is undefined on this slice"), bitlens_metric_get_name (metric));
    }
}

static void
compute_outcome (const BitlensDatatest   *test,
                 BitlensEvaluation       *evaluation,
                 BitlensDatatestOutcome  *outcome)
{
  const char *metric = bitlens_metric_get_name (test->metric);

  bitlens_evaluation_count (evaluation, test->expression, bitlens_evaluation_get_threshold (evaluation),
                            &outcome->confusion);
  outcome->n_images = bitlens_confusion_get_total (&outcome->confusion);
  outcome->value = bitlens_confusion_get_metric (&outcome->confusion, test->metric);
  outcome->passed = FALSE;

  if (outcome->n_images == 0 && test->metric != BITLENS_METRIC_COUNT)
    outcome->message = g_strdup_printf (_("empty slice: no image matches where=%s, so %s is undefined"),
                                        test->where != NULL ? test->where : "", metric);
  else if (isnan (outcome->value))
    outcome->message = explain_undefined (test->metric);
  else if (!isnan (test->min) && outcome->value < test->min)
    outcome->message = g_strdup_printf (_("%s %.4f is below min %.4f"), metric, outcome->value, test->min);
  else if (!isnan (test->max) && outcome->value > test->max)
    outcome->message = g_strdup_printf (_("%s %.4f is above max %.4f"), metric, outcome->value, test->max);
  else
    outcome->passed = TRUE;
}

BitlensDatatestReport *
bitlens_datatest_report_new (BitlensDatatestSpec *spec,
                             BitlensEvaluation   *evaluation_a,
                             BitlensEvaluation   *evaluation_b)
{
  BitlensDatatestReport *report;
  guint n_tests;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (evaluation_a != NULL, NULL);
  g_return_val_if_fail (bitlens_evaluation_get_model (evaluation_a) != NULL, NULL);
  g_return_val_if_fail (evaluation_b == NULL || bitlens_evaluation_get_model (evaluation_b) != NULL, NULL);

  n_tests = bitlens_datatest_spec_get_n_tests (spec);
  report = g_new0 (BitlensDatatestReport, 1);
  report->spec = bitlens_datatest_spec_ref (spec);
  report->evaluation_a = bitlens_evaluation_ref (evaluation_a);
  report->evaluation_b = evaluation_b != NULL ? bitlens_evaluation_ref (evaluation_b) : NULL;
  report->n_results = n_tests;
  report->results = g_new0 (BitlensDatatestResult, MAX (n_tests, 1));
  report->timestamp = g_date_time_new_now_local ();

  for (guint i = 0; i < n_tests; i++)
    {
      BitlensDatatestResult *result = &report->results[i];

      result->test = bitlens_datatest_spec_get_test (spec, i);
      compute_outcome (result->test, evaluation_a, &result->a);
      if (!result->a.passed)
        report->n_failed++;
      if (evaluation_b != NULL)
        {
          result->has_b = TRUE;
          compute_outcome (result->test, evaluation_b, &result->b);
        }
    }
  return report;
}

void
bitlens_datatest_report_free (BitlensDatatestReport *report)
{
  if (report == NULL)
    return;
  for (guint i = 0; i < report->n_results; i++)
    {
      g_free (report->results[i].a.message);
      g_free (report->results[i].b.message);
    }
  g_free (report->results);
  bitlens_datatest_spec_unref (report->spec);
  bitlens_evaluation_unref (report->evaluation_a);
  g_clear_pointer (&report->evaluation_b, bitlens_evaluation_unref);
  g_date_time_unref (report->timestamp);
  g_free (report);
}

guint
bitlens_datatest_report_get_n_results (BitlensDatatestReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_results;
}

const BitlensDatatestResult *
bitlens_datatest_report_get_result (BitlensDatatestReport *report,
                                    guint                  index)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (index < report->n_results, NULL);
  return &report->results[index];
}

guint
bitlens_datatest_report_get_n_failed (BitlensDatatestReport *report)
{
  g_return_val_if_fail (report != NULL, 0);
  return report->n_failed;
}

gboolean
bitlens_datatest_report_passed (BitlensDatatestReport *report)
{
  g_return_val_if_fail (report != NULL, FALSE);
  return report->n_failed == 0;
}

BitlensEvaluation *
bitlens_datatest_report_get_evaluation (BitlensDatatestReport *report,
                                        gboolean               b)
{
  g_return_val_if_fail (report != NULL, NULL);
  return b ? report->evaluation_b : report->evaluation_a;
}

/* The runner */

typedef struct
{
  BitlensProgressFunc func;
  gpointer            data;
  guint               offset;
  guint               total;
} ProgressShift;

/* Counts the images of the second evaluation after those of the first. */
static void
progress_shifted (guint    done,
                  guint    total,
                  gpointer user_data)
{
  ProgressShift *shift = user_data;
  shift->func (shift->offset + done, shift->total, shift->data);
}

static BitlensModel *
load_spec_model (BitlensDatatestSpec  *spec,
                 GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *path = bitlens_datatest_spec_get_model_path (spec);
  BitlensModel *model;

  if (path == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("%s: no model to test: give one (--model) or set path= in [model]"),
                   bitlens_datatest_spec_get_path (spec));
      return NULL;
    }
  model = bitlens_model_new_from_file (path, &local_error);
  if (model == NULL)
    g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, "%s:%u: path: %s",
                 bitlens_datatest_spec_get_path (spec), bitlens_datatest_spec_get_model_line (spec), local_error->message);
  return model;
}

BitlensDatatestReport *
bitlens_datatest_run (const BitlensDatatestRunOptions  *options,
                      GCancellable                     *cancellable,
                      BitlensProgressFunc               progress,
                      gpointer                          progress_data,
                      GError                          **error)
{
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensModel) model_a = NULL;
  g_autoptr(BitlensEvaluation) evaluation_a = NULL;
  g_autoptr(BitlensEvaluation) evaluation_b = NULL;
  BitlensEvaluationOptions evaluation_options;
  ProgressShift shift = { progress, progress_data, 0, 0 };
  BitlensDatatestSpec *spec;
  guint n_items;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  spec = options->spec;
  dataset = bitlens_datatest_spec_load_dataset (spec, error);
  if (dataset == NULL)
    return NULL;
  if (!bitlens_datatest_spec_bind (spec, bitlens_dataset_get_table (dataset), error))
    return NULL;
  if (options->model_a != NULL)
    model_a = bitlens_model_ref (options->model_a);
  else if ((model_a = load_spec_model (spec, error)) == NULL)
    return NULL;

  bitlens_evaluation_options_init (&evaluation_options);
  evaluation_options.n_threads = options->n_threads;
  if (!isnan (options->threshold))
    evaluation_options.threshold = options->threshold;
  else if (!isnan (bitlens_datatest_spec_get_threshold (spec)))
    evaluation_options.threshold = bitlens_datatest_spec_get_threshold (spec);

  n_items = bitlens_dataset_get_n_items (dataset);
  shift.total = options->model_b != NULL ? 2 * n_items : n_items;
  evaluation_a = bitlens_evaluation_run (dataset, model_a, &evaluation_options, cancellable,
                                         progress != NULL ? progress_shifted : NULL, &shift, error);
  if (evaluation_a == NULL)
    return NULL;
  if (options->model_b != NULL)
    {
      shift.offset = n_items;
      evaluation_b = bitlens_evaluation_run (dataset, options->model_b, &evaluation_options, cancellable,
                                             progress != NULL ? progress_shifted : NULL, &shift, error);
      if (evaluation_b == NULL)
        return NULL;
    }
  return bitlens_datatest_report_new (spec, evaluation_a, evaluation_b);
}

typedef struct
{
  BitlensDatatestRunOptions options;
  BitlensProgressFunc       progress;
  gpointer                  progress_data;
} RunTaskData;

static void
run_task_data_free (gpointer data)
{
  RunTaskData *task_data = data;

  bitlens_datatest_spec_unref (task_data->options.spec);
  g_clear_pointer (&task_data->options.model_a, bitlens_model_unref);
  g_clear_pointer (&task_data->options.model_b, bitlens_model_unref);
  g_free (task_data);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      data,
            GCancellable *cancellable)
{
  RunTaskData *task_data = data;
  GError *error = NULL;
  BitlensDatatestReport *report;

  report = bitlens_datatest_run (&task_data->options, cancellable, task_data->progress, task_data->progress_data, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) bitlens_datatest_report_free);
}

void
bitlens_datatest_run_async (const BitlensDatatestRunOptions *options,
                            GCancellable                    *cancellable,
                            BitlensProgressFunc              progress,
                            gpointer                         progress_data,
                            GDestroyNotify                   progress_data_free,
                            GAsyncReadyCallback              callback,
                            gpointer                         user_data)
{
  g_autoptr(GTask) task = NULL;
  RunTaskData *task_data;

  g_return_if_fail (options != NULL);
  g_return_if_fail (options->spec != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_datatest_run_async);
  g_task_set_check_cancellable (task, FALSE);
  task_data = g_new0 (RunTaskData, 1);
  task_data->options = *options;
  bitlens_datatest_spec_ref (options->spec);
  if (options->model_a != NULL)
    bitlens_model_ref (options->model_a);
  if (options->model_b != NULL)
    bitlens_model_ref (options->model_b);
  bitlens_async_progress_attach (task, progress, progress_data, progress_data_free,
                                 &task_data->progress, &task_data->progress_data);
  g_task_set_task_data (task, task_data, run_task_data_free);
  g_task_run_in_thread (task, run_thread);
}

BitlensDatatestReport *
bitlens_datatest_run_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bitlens_datatest_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
