/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include <bitlens/bitlens-error.h>

#include "bitlens-batch-export.h"

typedef struct
{
  BitlensModel              *model;
  BitlensModel              *model_b;     /* compare mode, or NULL */
  GPtrArray                 *paths;
  GArray                    *labels;
  BitlensSaliencyParams      params;
  BitlensRenderOptions       render;
  char                      *folder;
  GMainContext              *context;
  /* Progress relay, shared with the idle callbacks by reference count. */
  struct ProgressRelay      *relay;
  /* Results */
  guint                      n_written;
  guint                      n_failed;
  char                      *first_failure;
} BatchExport;

typedef struct ProgressRelay
{
  BitlensBatchExportProgress progress;
  gpointer                   data;
  GDestroyNotify             data_free;
} ProgressRelay;

typedef struct
{
  ProgressRelay *relay;
  guint          done;
  guint          total;
} ProgressUpdate;

static void
relay_clear (gpointer data)
{
  ProgressRelay *relay = data;

  if (relay->data_free != NULL)
    relay->data_free (relay->data);
}

static void
relay_release (ProgressRelay *relay)
{
  g_rc_box_release_full (relay, relay_clear);
}

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressUpdate *update = user_data;

  if (update->relay->progress != NULL)
    update->relay->progress (update->done, update->total, update->relay->data);
  return G_SOURCE_REMOVE;
}

static void
progress_update_free (gpointer data)
{
  ProgressUpdate *update = data;

  relay_release (update->relay);
  g_free (update);
}

static void
batch_export_free (BatchExport *batch)
{
  g_clear_pointer (&batch->model, bitlens_model_unref);
  g_clear_pointer (&batch->model_b, bitlens_model_unref);
  g_clear_pointer (&batch->paths, g_ptr_array_unref);
  g_clear_pointer (&batch->labels, g_array_unref);
  g_clear_pointer (&batch->folder, g_free);
  g_clear_pointer (&batch->context, g_main_context_unref);
  g_clear_pointer (&batch->relay, relay_release);
  g_clear_pointer (&batch->first_failure, g_free);
  g_free (batch);
}

char *
bitlens_batch_export_file_name (const char *image_path,
                                GHashTable *used)
{
  g_autofree char *base = g_path_get_basename (image_path);
  char *dot = strrchr (base, '.');
  char *name;

  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strdup_printf ("%s-saliency.png", base);
  for (guint n = 2; g_hash_table_contains (used, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u-saliency.png", base, n);
    }
  g_hash_table_add (used, g_strdup (name));
  return name;
}

/* The model's map of the image, with the model's own preprocessing. */
static BitlensSaliencyMap *
compute_map (BitlensModel                *model,
             const BitlensImage          *image,
             const BitlensSaliencyParams *params,
             GCancellable                *cancellable,
             GError                     **error)
{
  g_autoptr(GBytes) input = bitlens_saliency_input_from_image (model, image, error);

  if (input == NULL)
    return NULL;
  return bitlens_saliency_compute (model, input, params, NULL, NULL, cancellable, error);
}

static gboolean
export_one (BatchExport   *batch,
            guint          index,
            const char    *file_name,
            GCancellable  *cancellable,
            GError       **error)
{
  const char *path = g_ptr_array_index (batch->paths, index);
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(BitlensSaliencyMap) map_b = NULL;
  g_autofree char *input_name = g_path_get_basename (path);
  g_autofree char *output = g_build_filename (batch->folder, file_name, NULL);
  BitlensExportInfo info = {
    .model_name = bitlens_model_get_name (batch->model),
    .input_name = input_name,
    .input_is_raw = FALSE,
    .params = &batch->params,
    .ground_truth = g_array_index (batch->labels, int, index),
    .render = &batch->render,
    .scale = NULL,
  };
  BitlensExportInfo info_b = info;

  image = bitlens_image_load (path, error);
  if (image == NULL)
    return FALSE;
  map = compute_map (batch->model, image, &batch->params, cancellable, error);
  if (map == NULL)
    return FALSE;
  if (batch->model_b == NULL)
    return bitlens_export_annotated_png (image, map, &info, output, TRUE, error);

  map_b = compute_map (batch->model_b, image, &batch->params, cancellable, error);
  if (map_b == NULL)
    return FALSE;
  info_b.model_name = bitlens_model_get_name (batch->model_b);
  return bitlens_export_compare_png (image, map, &info, map_b, &info_b, output, TRUE, error);
}

static void
batch_export_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  BatchExport *batch = task_data;
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < batch->paths->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *file_name = bitlens_batch_export_file_name (g_ptr_array_index (batch->paths, i), used);
      ProgressUpdate *update;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (export_one (batch, i, file_name, cancellable, &error))
        batch->n_written++;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
               || g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED))
        break;
      else
        {
          batch->n_failed++;
          if (batch->first_failure == NULL)
            {
              g_autofree char *name = g_path_get_basename (g_ptr_array_index (batch->paths, i));
              batch->first_failure = g_strdup_printf ("%s: %s", name, error->message);
            }
        }

      update = g_new0 (ProgressUpdate, 1);
      update->relay = g_rc_box_acquire (batch->relay);
      update->done = i + 1;
      update->total = batch->paths->len;
      g_main_context_invoke_full (batch->context, G_PRIORITY_DEFAULT, deliver_progress, update,
                                  progress_update_free);
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_boolean (task, TRUE);
}

void
bitlens_batch_export_async (BitlensModel                *model,
                            BitlensModel                *model_b,
                            GPtrArray                   *paths,
                            GArray                      *labels,
                            const BitlensSaliencyParams *params,
                            const BitlensRenderOptions  *render,
                            const char                  *folder,
                            GCancellable                *cancellable,
                            BitlensBatchExportProgress   progress,
                            gpointer                     progress_data,
                            GDestroyNotify               progress_data_free,
                            GAsyncReadyCallback          callback,
                            gpointer                     user_data)
{
  g_autoptr(GTask) task = NULL;
  BatchExport *batch;

  g_return_if_fail (model != NULL);
  g_return_if_fail (paths != NULL && labels != NULL && paths->len == labels->len);
  g_return_if_fail (params != NULL && render != NULL && folder != NULL);

  batch = g_new0 (BatchExport, 1);
  batch->model = bitlens_model_ref (model);
  batch->model_b = model_b != NULL ? bitlens_model_ref (model_b) : NULL;
  batch->paths = g_ptr_array_ref (paths);
  batch->labels = g_array_ref (labels);
  batch->params = *params;
  batch->render = *render;
  batch->folder = g_strdup (folder);
  batch->context = g_main_context_ref_thread_default ();
  batch->relay = g_rc_box_new0 (ProgressRelay);
  batch->relay->progress = progress;
  batch->relay->data = progress_data;
  batch->relay->data_free = progress_data_free;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_batch_export_async);
  g_task_set_name (task, "bitlens-batch-export");
  g_task_set_task_data (task, batch, (GDestroyNotify) batch_export_free);
  g_task_run_in_thread (task, batch_export_thread);
}

gboolean
bitlens_batch_export_finish (GAsyncResult  *result,
                             guint         *n_written,
                             guint         *n_failed,
                             char         **first_failure,
                             GError       **error)
{
  BatchExport *batch;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  batch = g_task_get_task_data (G_TASK (result));
  if (n_written != NULL)
    *n_written = batch->n_written;
  if (n_failed != NULL)
    *n_failed = batch->n_failed;
  if (first_failure != NULL)
    *first_failure = g_strdup (batch->first_failure);
  return g_task_propagate_boolean (G_TASK (result), error);
}
