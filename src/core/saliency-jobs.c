/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "saliency-private.h"

/* A small pool for saliency work: N workers, each with its own state (an interpreter),
 * take job indices from a shared counter. Results are stored by job index, so they do
 * not depend on the number of workers or on scheduling. */

typedef struct
{
  guint                  n_jobs;
  SaliencyWorkerRunFunc  run;
  GCancellable          *cancellable;

  gint                   next_job;      /* atomic */
  gint                   done;          /* atomic */
  gint                   stop;          /* atomic: an error or a cancellation */

  GMutex                 mutex;
  GError                *error;         /* the first error, under mutex */
} JobQueue;

typedef struct
{
  JobQueue *queue;
  gpointer  worker;
} WorkerThread;

static void
queue_fail (JobQueue *queue,
            GError   *error)
{
  g_mutex_lock (&queue->mutex);
  if (queue->error == NULL)
    queue->error = error;
  else
    g_error_free (error);
  g_mutex_unlock (&queue->mutex);
  g_atomic_int_set (&queue->stop, 1);
}

/* Runs one job; FALSE when there is nothing left to do. */
static gboolean
queue_run_one (JobQueue *queue,
               gpointer  worker)
{
  GError *error = NULL;
  guint job;

  if (g_atomic_int_get (&queue->stop))
    return FALSE;
  if (g_cancellable_is_cancelled (queue->cancellable))
    {
      queue_fail (queue, g_error_new_literal (BITLENS_ERROR, BITLENS_ERROR_CANCELLED, _("cancelled")));
      return FALSE;
    }
  job = (guint) g_atomic_int_add (&queue->next_job, 1);
  if (job >= queue->n_jobs)
    return FALSE;
  if (!queue->run (worker, job, &error))
    {
      queue_fail (queue, error);
      return FALSE;
    }
  g_atomic_int_inc (&queue->done);
  return TRUE;
}

static gpointer
worker_thread_main (gpointer data)
{
  WorkerThread *thread = data;

  while (queue_run_one (thread->queue, thread->worker))
    ;
  return NULL;
}

int
saliency_resolve_threads (int n_threads)
{
  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  return CLAMP (n_threads, 1, 256);
}

gboolean
saliency_run_jobs (guint                  n_jobs,
                   int                    n_workers,
                   SaliencyWorkerNewFunc  worker_new,
                   SaliencyWorkerRunFunc  worker_run,
                   GDestroyNotify         worker_free,
                   gpointer               shared,
                   BitlensProgressFunc    progress,
                   gpointer               progress_data,
                   GCancellable          *cancellable,
                   GError               **error)
{
  JobQueue queue = { .n_jobs = n_jobs, .run = worker_run, .cancellable = cancellable };
  g_autofree WorkerThread *threads = NULL;
  g_autofree GThread **handles = NULL;
  gboolean ok = TRUE;
  int n_made = 0;
  guint reported = G_MAXUINT;

  g_assert (n_jobs <= G_MAXINT);
  n_workers = CLAMP (n_workers, 1, (int) MAX (n_jobs, 1));
  g_mutex_init (&queue.mutex);
  threads = g_new0 (WorkerThread, n_workers);
  handles = g_new0 (GThread *, n_workers);

  for (n_made = 0; n_made < n_workers; n_made++)
    {
      threads[n_made].queue = &queue;
      threads[n_made].worker = worker_new (shared, error);
      if (threads[n_made].worker == NULL)
        {
          ok = FALSE;
          break;
        }
    }

  if (ok)
    {
      for (int i = 1; i < n_workers; i++)
        handles[i] = g_thread_new ("bitlens-saliency", worker_thread_main, &threads[i]);

      /* The calling thread is worker 0 and reports progress between its jobs. */
      if (progress != NULL)
        progress (0, n_jobs, progress_data);
      while (queue_run_one (&queue, threads[0].worker))
        {
          guint done = (guint) g_atomic_int_get (&queue.done);
          if (progress != NULL && done != reported && done < n_jobs)
            {
              progress (done, n_jobs, progress_data);
              reported = done;
            }
        }
      for (int i = 1; i < n_workers; i++)
        g_thread_join (handles[i]);

      if (queue.error != NULL)
        {
          g_propagate_error (error, queue.error);
          queue.error = NULL;
          ok = FALSE;
        }
      else if (progress != NULL)
        progress (n_jobs, n_jobs, progress_data);
    }

  for (int i = 0; i < n_made; i++)
    worker_free (threads[i].worker);
  g_mutex_clear (&queue.mutex);
  return ok;
}
