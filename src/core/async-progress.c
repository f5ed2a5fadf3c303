/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "async-progress.h"

/* Async: progress is forwarded to the caller's main context, coalesced so that a burst of
 * worker updates becomes one call with the latest count, and stops once the task's callback
 * has run. */
typedef struct
{
  gatomicrefcount      ref_count;
  GMainContext        *context;
  BitlensProgressFunc  func;
  gpointer             data;
  GDestroyNotify       data_free;
  GMutex               mutex;
  guint                done;
  guint                total;
  gboolean             pending;
  gboolean             finished;
} AsyncProgress;

static gboolean
async_progress_free_in_context (gpointer user_data)
{
  AsyncProgress *self = user_data;

  if (self->data_free != NULL)
    self->data_free (self->data);
  g_mutex_clear (&self->mutex);
  g_main_context_unref (self->context);
  g_free (self);
  return G_SOURCE_REMOVE;
}

static AsyncProgress *
async_progress_new (BitlensProgressFunc func,
                    gpointer            data,
                    GDestroyNotify      data_free)
{
  AsyncProgress *self = g_new0 (AsyncProgress, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->context = g_main_context_ref_thread_default ();
  self->func = func;
  self->data = data;
  self->data_free = data_free;
  g_mutex_init (&self->mutex);
  return self;
}

static AsyncProgress *
async_progress_ref (AsyncProgress *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
async_progress_unref (gpointer data)
{
  AsyncProgress *self = data;

  if (g_atomic_ref_count_dec (&self->ref_count))
    g_main_context_invoke (self->context, async_progress_free_in_context, self);
}

static void
async_progress_closure_notify (gpointer  data,
                               GClosure *closure)
{
  async_progress_unref (data);
}

static gboolean
async_progress_dispatch (gpointer user_data)
{
  AsyncProgress *self = user_data;
  guint done, total;
  gboolean finished;

  g_mutex_lock (&self->mutex);
  done = self->done;
  total = self->total;
  finished = self->finished;
  self->pending = FALSE;
  g_mutex_unlock (&self->mutex);
  if (!finished && self->func != NULL)
    self->func (done, total, self->data);
  return G_SOURCE_REMOVE;
}

/* A BitlensProgressFunc for the workers. */
static void
async_progress_report (guint    done,
                       guint    total,
                       gpointer user_data)
{
  AsyncProgress *self = user_data;
  gboolean schedule;

  g_mutex_lock (&self->mutex);
  self->done = done;
  self->total = total;
  schedule = !self->pending && !self->finished;
  self->pending = TRUE;
  g_mutex_unlock (&self->mutex);
  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, async_progress_dispatch, async_progress_ref (self), async_progress_unref);
      g_source_set_static_name (source, "[bitlens] progress");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
async_progress_on_completed (GObject    *task,
                             GParamSpec *pspec,
                             gpointer    user_data)
{
  AsyncProgress *self = user_data;

  g_mutex_lock (&self->mutex);
  self->finished = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
bitlens_async_progress_attach (GTask                *task,
                               BitlensProgressFunc   func,
                               gpointer              data,
                               GDestroyNotify        data_free,
                               BitlensProgressFunc  *worker_func,
                               gpointer             *worker_data)
{
  AsyncProgress *progress;

  if (func == NULL)
    {
      if (data_free != NULL)
        data_free (data);
      *worker_func = NULL;
      *worker_data = NULL;
      return;
    }
  progress = async_progress_new (func, data, data_free);
  g_signal_connect_data (task, "notify::completed", G_CALLBACK (async_progress_on_completed),
                         async_progress_ref (progress), async_progress_closure_notify, 0);
  g_object_set_data_full (G_OBJECT (task), "bitlens-progress", progress, async_progress_unref);
  *worker_func = async_progress_report;
  *worker_data = progress;
}

