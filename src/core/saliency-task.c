/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "async-progress.h"
#include "bitlens/bitlens-error.h"
#include "saliency-private.h"

/* GTask-based async variants of the saliency computations. Work runs in a GTask thread
 * (which itself uses the saliency worker threads); progress reaches the caller's
 * thread-default main context through bitlens_async_progress_attach (), coalesced. */

typedef struct
{
  BitlensModel              *model;
  GBytes                    *input;
  BitlensSaliencyParams      params;
  BitlensSaliencyMap        *map;              /* faithfulness */
  BitlensFaithfulnessParams  faithfulness;
  BitlensProgressFunc        progress;         /* for the workers, owned by the task */
  gpointer                   progress_data;
} TaskData;

static void
task_data_free (gpointer data)
{
  TaskData *task_data = data;

  g_clear_pointer (&task_data->model, bitlens_model_unref);
  g_clear_pointer (&task_data->input, g_bytes_unref);
  g_clear_pointer (&task_data->map, bitlens_saliency_map_free);
  g_free (task_data);
}

static GTask *
task_new (gpointer             source_tag,
          const char          *name,
          BitlensModel        *model,
          GBytes              *input,
          BitlensProgressFunc  progress,
          gpointer             progress_data,
          GDestroyNotify       progress_destroy,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *task_data = g_new0 (TaskData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  /* The computation reports cancellation itself, as BITLENS_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);
  task_data->model = bitlens_model_ref (model);
  task_data->input = g_bytes_ref (input);
  g_task_set_task_data (task, task_data, task_data_free);
  bitlens_async_progress_attach (task, progress, progress_data, progress_destroy,
                                 &task_data->progress, &task_data->progress_data);
  return task;
}

static void
saliency_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      data,
                 GCancellable *cancellable)
{
  TaskData *task_data = data;
  GError *error = NULL;
  BitlensSaliencyMap *map;

  map = bitlens_saliency_compute (task_data->model, task_data->input, &task_data->params,
                                  task_data->progress, task_data->progress_data, cancellable, &error);
  if (map == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, map, (GDestroyNotify) bitlens_saliency_map_free);
}

void
bitlens_saliency_compute_async (BitlensModel                *model,
                                GBytes                      *input,
                                const BitlensSaliencyParams *params,
                                BitlensProgressFunc          progress,
                                gpointer                     progress_data,
                                GDestroyNotify               progress_destroy,
                                GCancellable                *cancellable,
                                GAsyncReadyCallback          callback,
                                gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (model != NULL);
  g_return_if_fail (input != NULL);
  g_return_if_fail (params != NULL);

  task = task_new (bitlens_saliency_compute_async, "bitlens_saliency_compute_async", model, input,
                   progress, progress_data, progress_destroy, cancellable, callback, user_data);
  ((TaskData *) g_task_get_task_data (task))->params = *params;
  g_task_run_in_thread (task, saliency_thread);
}

BitlensSaliencyMap *
bitlens_saliency_compute_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bitlens_saliency_compute_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
faithfulness_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      data,
                     GCancellable *cancellable)
{
  TaskData *task_data = data;
  GError *error = NULL;
  BitlensFaithfulness *result;

  result = bitlens_faithfulness_compute (task_data->model, task_data->input, task_data->map,
                                         &task_data->faithfulness, task_data->progress, task_data->progress_data,
                                         cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) bitlens_faithfulness_free);
}

void
bitlens_faithfulness_compute_async (BitlensModel                    *model,
                                    GBytes                          *input,
                                    const BitlensSaliencyMap        *map,
                                    const BitlensFaithfulnessParams *params,
                                    BitlensProgressFunc              progress,
                                    gpointer                         progress_data,
                                    GDestroyNotify                   progress_destroy,
                                    GCancellable                    *cancellable,
                                    GAsyncReadyCallback              callback,
                                    gpointer                         user_data)
{
  g_autoptr(GTask) task = NULL;
  TaskData *task_data;

  g_return_if_fail (model != NULL);
  g_return_if_fail (input != NULL);
  g_return_if_fail (map != NULL);
  g_return_if_fail (params != NULL);

  task = task_new (bitlens_faithfulness_compute_async, "bitlens_faithfulness_compute_async", model, input,
                   progress, progress_data, progress_destroy, cancellable, callback, user_data);
  task_data = g_task_get_task_data (task);
  task_data->map = bitlens_saliency_map_copy (map);
  task_data->faithfulness = *params;
  g_task_run_in_thread (task, faithfulness_thread);
}

BitlensFaithfulness *
bitlens_faithfulness_compute_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bitlens_faithfulness_compute_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
