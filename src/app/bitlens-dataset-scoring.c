/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <bitlens/bitlens-evaluation.h>

#include "bitlens-dataset-scoring.h"

typedef struct
{
  BitlensDatasetScoringProgress progress;
  gpointer                      progress_data;
  GDestroyNotify                progress_data_free;
} ProgressRelay;

static void
relay_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  ProgressRelay *relay = user_data;

  if (relay->progress != NULL)
    relay->progress (done, total, relay->progress_data);
}

static void
relay_free (gpointer data)
{
  ProgressRelay *relay = data;

  if (relay->progress_data_free != NULL)
    relay->progress_data_free (relay->progress_data);
  g_free (relay);
}

static void
on_evaluation_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  GError *error = NULL;
  GArray *scores;
  guint n_rows;

  evaluation = bitlens_evaluation_run_finish (result, &error);
  if (evaluation == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  n_rows = bitlens_evaluation_get_n_rows (evaluation);
  scores = g_array_sized_new (FALSE, FALSE, sizeof (double), n_rows);
  for (guint row = 0; row < n_rows; row++)
    {
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, row);
      double score = prediction->loaded ? prediction->score : NAN;

      g_array_append_val (scores, score);
    }
  g_task_return_pointer (task, scores, (GDestroyNotify) g_array_unref);
}

void
bitlens_dataset_scoring_run_async (BitlensDataset                *dataset,
                                   BitlensModel                  *model,
                                   double                         threshold,
                                   GCancellable                  *cancellable,
                                   BitlensDatasetScoringProgress  progress,
                                   gpointer                       progress_data,
                                   GDestroyNotify                 progress_data_free,
                                   GAsyncReadyCallback            callback,
                                   gpointer                       user_data)
{
  GTask *task;
  BitlensEvaluationOptions options;
  ProgressRelay *relay;

  g_return_if_fail (dataset != NULL);
  g_return_if_fail (model != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_dataset_scoring_run_async);

  relay = g_new0 (ProgressRelay, 1);
  relay->progress = progress;
  relay->progress_data = progress_data;
  relay->progress_data_free = progress_data_free;

  bitlens_evaluation_options_init (&options);
  options.threshold = threshold;
  bitlens_evaluation_run_async (dataset, model, &options, cancellable, relay_progress, relay,
                                relay_free, on_evaluation_done, task);
}

GArray *
bitlens_dataset_scoring_run_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
