/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-scoring-job.h"

typedef struct
{
  guint       index;
  double      score;         /* NAN after an error */
  char       *error;
  GBytes     *thumbnail;     /* RGB8 rows, or NULL */
  int         thumbnail_width;
  int         thumbnail_height;
} ScoringResult;

struct _BitlensScoringJob
{
  GObject       parent_instance;

  BitlensModel *model;
  GPtrArray    *paths;
  gboolean      make_thumbnails;

  /* Filled by the worker, drained by the main thread. */
  GMutex        mutex;
  GArray       *pending;
  guint         n_done;
  guint         flush_source;
};

G_DEFINE_FINAL_TYPE (BitlensScoringJob, bitlens_scoring_job, G_TYPE_OBJECT)

enum {
  RESULT,
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
scoring_result_clear (gpointer data)
{
  ScoringResult *result = data;

  g_clear_pointer (&result->error, g_free);
  g_clear_pointer (&result->thumbnail, g_bytes_unref);
}

static void
bitlens_scoring_job_finalize (GObject *object)
{
  BitlensScoringJob *self = BITLENS_SCORING_JOB (object);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_clear_pointer (&self->model, bitlens_model_unref);
  g_clear_pointer (&self->paths, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (bitlens_scoring_job_parent_class)->finalize (object);
}

static void
bitlens_scoring_job_class_init (BitlensScoringJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bitlens_scoring_job_finalize;

  /* index, score (NAN on error), error message or NULL, thumbnail or NULL */
  signals[RESULT] =
    g_signal_new ("result", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_DOUBLE, G_TYPE_STRING, GDK_TYPE_TEXTURE);
  /* done, total */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
bitlens_scoring_job_init (BitlensScoringJob *self)
{
  g_mutex_init (&self->mutex);
  self->pending = g_array_new (FALSE, TRUE, sizeof (ScoringResult));
  g_array_set_clear_func (self->pending, scoring_result_clear);
}

BitlensScoringJob *
bitlens_scoring_job_new (BitlensModel *model,
                         GPtrArray    *paths,
                         gboolean      make_thumbnails)
{
  BitlensScoringJob *self;

  g_return_val_if_fail (paths != NULL, NULL);

  self = g_object_new (BITLENS_TYPE_SCORING_JOB, NULL);
  self->model = model != NULL ? bitlens_model_ref (model) : NULL;
  self->paths = g_ptr_array_ref (paths);
  self->make_thumbnails = make_thumbnails;
  return self;
}

guint
bitlens_scoring_job_get_n_paths (BitlensScoringJob *self)
{
  g_return_val_if_fail (BITLENS_IS_SCORING_JOB (self), 0);
  return self->paths->len;
}

GdkTexture *
bitlens_texture_new_from_image (const BitlensImage *image)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (image != NULL, NULL);

  bytes = g_bytes_new (image->pixels, (gsize) image->width * image->height * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}

static BitlensImage *
thumbnail_image_new (const BitlensImage *image,
                     int                 size)
{
  int width = size, height = size;

  if (image->width > image->height)
    height = MAX (1, (int) lround ((double) size * image->height / image->width));
  else if (image->height > image->width)
    width = MAX (1, (int) lround ((double) size * image->width / image->height));
  return bitlens_image_resize (image, width, height);
}

GdkTexture *
bitlens_texture_new_thumbnail (const BitlensImage *image,
                               int                 size)
{
  g_autoptr(BitlensImage) small = NULL;

  g_return_val_if_fail (image != NULL, NULL);

  small = thumbnail_image_new (image, size);
  if (small == NULL)
    return NULL;
  return bitlens_texture_new_from_image (small);
}

/* Main thread: hands every pending result to the ::result handlers. */
static gboolean
flush_pending (gpointer user_data)
{
  BitlensScoringJob *self = user_data;
  g_autoptr(GArray) batch = NULL;
  guint done;

  g_mutex_lock (&self->mutex);
  batch = g_steal_pointer (&self->pending);
  self->pending = g_array_new (FALSE, TRUE, sizeof (ScoringResult));
  g_array_set_clear_func (self->pending, scoring_result_clear);
  done = self->n_done;
  self->flush_source = 0;
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < batch->len; i++)
    {
      ScoringResult *result = &g_array_index (batch, ScoringResult, i);
      g_autoptr(GdkTexture) thumbnail = NULL;

      if (result->thumbnail != NULL)
        thumbnail = gdk_memory_texture_new (result->thumbnail_width, result->thumbnail_height,
                                            GDK_MEMORY_R8G8B8, result->thumbnail,
                                            (gsize) result->thumbnail_width * 3);
      g_signal_emit (self, signals[RESULT], 0, result->index, result->score, result->error,
                     thumbnail);
    }
  g_signal_emit (self, signals[PROGRESS], 0, done, self->paths->len);
  return G_SOURCE_REMOVE;
}

static void
push_result (BitlensScoringJob *self,
             ScoringResult     *result)
{
  g_mutex_lock (&self->mutex);
  g_array_append_vals (self->pending, result, 1);
  self->n_done++;
  /* At most one pending flush: the main thread takes whatever piled up meanwhile. */
  if (self->flush_source == 0)
    self->flush_source = g_timeout_add_full (G_PRIORITY_DEFAULT, 50, flush_pending,
                                             g_object_ref (self), g_object_unref);
  g_mutex_unlock (&self->mutex);
}

static void
score_one (BitlensScoringJob  *self,
           BitlensInterpreter *interpreter,
           const BitlensTensor *input,
           void               *input_bytes,
           guint               index)
{
  ScoringResult result = { .index = index, .score = NAN };
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GError) error = NULL;

  image = bitlens_image_load (g_ptr_array_index (self->paths, index), &error);
  if (image != NULL && self->make_thumbnails)
    {
      g_autoptr(BitlensImage) small = thumbnail_image_new (image, BITLENS_THUMBNAIL_SIZE);

      if (small != NULL)
        {
          result.thumbnail_width = small->width;
          result.thumbnail_height = small->height;
          result.thumbnail = g_bytes_new (small->pixels, (gsize) small->width * small->height * 3);
        }
    }
  if (image != NULL && interpreter != NULL
      && bitlens_image_to_input (image, input, input_bytes, &error)
      && bitlens_interpreter_set_input_bytes (interpreter, input_bytes, input->n_bytes, &error))
    {
      bitlens_interpreter_invoke (interpreter);
      result.score = bitlens_interpreter_get_person_score (interpreter);
    }
  if (error != NULL)
    result.error = g_strdup (error->message);
  push_result (self, &result);
}

static void
scoring_job_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  BitlensScoringJob *self = source_object;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autofree void *input_bytes = NULL;
  const BitlensTensor *input;
  GError *error = NULL;

  if (self->model != NULL)
    {
      interpreter = bitlens_interpreter_new (self->model, BITLENS_INTERPRETER_DEFAULT, &error);
      if (interpreter == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      input = bitlens_model_get_tensor (self->model, bitlens_model_get_input (self->model, 0));
      input_bytes = g_malloc (input->n_bytes);
    }
  else
    input = NULL;

  for (guint i = 0; i < self->paths->len; i++)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      score_one (self, interpreter, input, input_bytes, i);
    }
  g_task_return_boolean (task, TRUE);
}

void
bitlens_scoring_job_run_async (BitlensScoringJob   *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BITLENS_IS_SCORING_JOB (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_scoring_job_run_async);
  g_task_set_name (task, "bitlens-scoring-job");
  g_task_run_in_thread (task, scoring_job_thread);
}

gboolean
bitlens_scoring_job_run_finish (BitlensScoringJob  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  /* Results that arrived after the last timer tick are handed over before finishing. */
  g_clear_handle_id (&self->flush_source, g_source_remove);
  flush_pending (self);
  return g_task_propagate_boolean (G_TASK (result), error);
}
