/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-error.h"
#include "saliency-private.h"

/* GTask-based async variants of the saliency computations. Work runs in a GTask thread
 * (which itself uses the saliency worker threads); progress is relayed to the caller's
 * thread-default main context, coalesced: at most one pending report at a time, carrying
 * the latest counts. */

typedef struct
{
  GMainContext        *context;
  BitlensProgressFunc  func;
  gpointer             data;
  GDestroyNotify       destroy;

  GMutex               mutex;
  guint                done;
  guint                total;
  gboolean             pending;
} ProgressRelay;

typedef struct
{
  GMainContext   *context;
  GDestroyNotify  destroy;
  gpointer        data;
} DestroyCall;

static gboolean
destroy_call_run (gpointer user_data)
{
  DestroyCall *call = user_data;

  call->destroy (call->data);
  return G_SOURCE_REMOVE;
}

static void
destroy_call_free (gpointer user_data)
{
  DestroyCall *call = user_data;

  g_main_context_unref (call->context);
  g_free (call);
}

static void
progress_relay_clear (gpointer data)
{
  ProgressRelay *relay = data;

  g_mutex_clear (&relay->mutex);
  if (relay->destroy != NULL)
    {
      /* progress_data is freed in the caller's context, like the reports. */
      DestroyCall *call = g_new0 (DestroyCall, 1);

      call->context = g_main_context_ref (relay->context);
      call->destroy = relay->destroy;
      call->data = relay->data;
      g_main_context_invoke_full (relay->context, G_PRIORITY_DEFAULT, destroy_call_run, call, destroy_call_free);
    }
  g_main_context_unref (relay->context);
}

static void
progress_relay_unref (ProgressRelay *relay)
{
  g_atomic_rc_box_release_full (relay, progress_relay_clear);
}

static ProgressRelay *
progress_relay_new (BitlensProgressFunc func,
                    gpointer            data,
                    GDestroyNotify      destroy)
{
  ProgressRelay *relay = g_atomic_rc_box_new0 (ProgressRelay);

  relay->context = g_main_context_ref_thread_default ();
  relay->func = func;
  relay->data = data;
  relay->destroy = destroy;
  g_mutex_init (&relay->mutex);
  return relay;
}

static gboolean
relay_report (gpointer data)
{
  ProgressRelay *relay = data;
  guint done, total;

  g_mutex_lock (&relay->mutex);
  done = relay->done;
  total = relay->total;
  relay->pending = FALSE;
  g_mutex_unlock (&relay->mutex);
  if (relay->func != NULL)
    relay->func (done, total, relay->data);
  return G_SOURCE_REMOVE;
}

static void
relay_progress (guint    done,
                guint    total,
                gpointer data)
{
  ProgressRelay *relay = data;
  gboolean schedule;

  g_mutex_lock (&relay->mutex);
  relay->done = done;
  relay->total = total;
  schedule = !relay->pending;
  relay->pending = TRUE;
  g_mutex_unlock (&relay->mutex);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();
      g_source_set_callback (source, relay_report, g_atomic_rc_box_acquire (relay),
                             (GDestroyNotify) progress_relay_unref);
      g_source_set_static_name (source, "[bitlens] saliency progress");
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

typedef struct
{
  BitlensModel              *model;
  GBytes                    *input;
  BitlensSaliencyParams      params;
  BitlensSaliencyMap        *map;              /* faithfulness */
  BitlensFaithfulnessParams  faithfulness;
  ProgressRelay             *relay;
} TaskData;

static void
task_data_free (gpointer data)
{
  TaskData *task_data = data;

  g_clear_pointer (&task_data->model, bitlens_model_unref);
  g_clear_pointer (&task_data->input, g_bytes_unref);
  g_clear_pointer (&task_data->map, bitlens_saliency_map_free);
  g_clear_pointer (&task_data->relay, progress_relay_unref);
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
  task_data->relay = progress_relay_new (progress, progress_data, progress_destroy);
  g_task_set_task_data (task, task_data, task_data_free);
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
                                  relay_progress, task_data->relay, cancellable, &error);
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
                                         &task_data->faithfulness, relay_progress, task_data->relay,
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
