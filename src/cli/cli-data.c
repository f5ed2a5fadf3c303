/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "cli-data.h"

BitlensDataset *
cli_data_load_dataset (const char  *path,
                       const char  *split,
                       GError     **error)
{
  g_autoptr(BitlensDataset) dataset = bitlens_dataset_load (path, error);
  g_autofree char *split_path = NULL;

  if (dataset == NULL || split == NULL)
    return g_steal_pointer (&dataset);
  split_path = bitlens_dataset_find_split_file (dataset, split, NULL, error);
  if (split_path == NULL)
    return NULL;
  return bitlens_dataset_new_split (dataset, split_path, error);
}

typedef struct
{
  GMainLoop         *loop;
  GCancellable      *cancellable;
  BitlensEvaluation *evaluation;
  GError            *error;
  gboolean           show_progress;
  gboolean           progress_shown;
} EvaluateState;

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  EvaluateState *state = user_data;

  if (!state->show_progress)
    return;
  fprintf (stderr, "\r%u / %u images", done, total);
  fflush (stderr);
  state->progress_shown = TRUE;
}

static gboolean
on_interrupt (gpointer user_data)
{
  EvaluateState *state = user_data;

  g_cancellable_cancel (state->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
on_evaluated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  EvaluateState *state = user_data;

  state->evaluation = bitlens_evaluation_run_finish (result, &state->error);
  g_main_loop_quit (state->loop);
}

BitlensEvaluation *
cli_data_evaluate (BitlensDataset                 *dataset,
                   BitlensModel                   *model,
                   const BitlensEvaluationOptions *options,
                   GError                        **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  EvaluateState state = { loop, cancellable, NULL, NULL, isatty (STDERR_FILENO), FALSE };
  guint interrupt;

  interrupt = g_unix_signal_add (SIGINT, on_interrupt, &state);
  bitlens_evaluation_run_async (dataset, model, options, cancellable, on_progress, &state, NULL,
                                on_evaluated, &state);
  g_main_loop_run (loop);
  g_source_remove (interrupt);
  /* Let the task's last references go before `state` does. */
  while (g_main_context_iteration (NULL, FALSE));
  if (state.progress_shown)
    fprintf (stderr, "\r%*s\r", 40, "");
  if (state.evaluation == NULL)
    g_propagate_error (error, state.error);
  return state.evaluation;
}

void
cli_data_print_problems (BitlensEvaluation *evaluation,
                         guint              limit)
{
  guint n = bitlens_evaluation_get_n_problems (evaluation);

  for (guint i = 0; i < n && i < limit; i++)
    {
      g_autofree char *text = bitlens_dataset_problem_to_string (bitlens_evaluation_get_problem (evaluation, i));
      g_printerr ("bitlens-cli: %s\n", text);
    }
  if (n > limit)
    g_printerr (_("bitlens-cli: ... and %u more problems\n"), n - limit);
}

gboolean
cli_data_check_threshold (double   threshold,
                          GError **error)
{
  if (threshold >= 0.0 && threshold <= 1.0)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("--threshold %g is outside 0..1"), threshold);
  return FALSE;
}

const char *
cli_data_label_name (int label)
{
  return label == 1 ? "person" : label == 0 ? "no person" : "?";
}
