/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-window-private.h"

/* The window's background jobs: the progress bar, cancellation, and the context that async calls carry. */

/* ---------------------------------------------------------------- jobs */

static void
update_progress (BitlensWindow *self)
{
  if (self->disposed)
    return;
  BitlensWindowJob *job;
  g_autofree char *label = NULL;

  gtk_revealer_set_reveal_child (self->progress_revealer, self->jobs->len > 0);
  if (self->jobs->len == 0)
    return;

  job = g_ptr_array_index (self->jobs, 0);
  if (self->jobs->len > 1)
    /* Translators: a job's description, then how many more jobs run */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (and %u more job)", "%s (and %u more jobs)",
                                          self->jobs->len - 1),
                             job->label, self->jobs->len - 1);
  else
    label = g_strdup (job->label);
  gtk_label_set_label (self->progress_label, label);
  if (job->fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, job->fraction);
}

void
bitlens_window_job_free (gpointer data)
{
  BitlensWindowJob *job = data;

  g_clear_object (&job->cancellable);
  g_free (job->label);
  g_free (job);
}

BitlensWindowJob *
bitlens_window_begin_job (BitlensWindow *self,
                          const char    *label,
                          GCancellable  *cancellable)
{
  BitlensWindowJob *job = g_new0 (BitlensWindowJob, 1);

  job->label = g_strdup (label);
  job->fraction = 0;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_ptr_array_add (self->jobs, job);
  update_progress (self);
  bitlens_window_update_actions (self);
  return job;
}

void
bitlens_window_update_job (BitlensWindow    *self,
                           BitlensWindowJob *job,
                           double            fraction)
{
  job->fraction = fraction;
  if (self->jobs->len > 0 && g_ptr_array_index (self->jobs, 0) == job)
    update_progress (self);
}

void
bitlens_window_end_job (BitlensWindow    *self,
                        BitlensWindowJob *job)
{
  g_ptr_array_remove (self->jobs, job);
  update_progress (self);
  bitlens_window_update_actions (self);
}

void
bitlens_window_cancel_jobs (BitlensWindow *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      BitlensWindowJob *job = g_ptr_array_index (self->jobs, i);

      if (job->cancellable != NULL)
        g_cancellable_cancel (job->cancellable);
    }
}

gboolean
bitlens_window_is_busy (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  return self->jobs->len > 0;
}

static void
job_context_clear (gpointer data)
{
  BitlensJobContext *context = data;

  bitlens_window_end_job (context->self, context->job);
  g_object_unref (context->self);
}

BitlensJobContext *
bitlens_job_context_new (BitlensWindow    *self,
                 BitlensWindowJob *job)
{
  BitlensJobContext *context = g_rc_box_new0 (BitlensJobContext);

  context->self = g_object_ref (self);
  context->job = job;
  return context;
}

gpointer
bitlens_job_context_ref (BitlensJobContext *context)
{
  return g_rc_box_acquire (context);
}

void
bitlens_job_context_unref (gpointer context)
{
  g_rc_box_release_full (context, job_context_clear);
}

gboolean
bitlens_error_is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
}

