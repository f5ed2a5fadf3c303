/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "bitlens-window-private.h"

/* Data unit tests in the window: opening a spec, running it for model A (and model B in
 * compare mode) with the core's runner, the table in the bottom panel, and a click on a test
 * narrowing the image list to its slice's mistakes. */

struct _BitlensWindowDatatests
{
  char                  *spec_path;      /* the open spec, or NULL */
  BitlensDatatestReport *report;         /* the last results */
  BitlensModel          *models[BITLENS_N_SLOTS];   /* the models of the report */
  GCancellable          *cancellable;    /* of the run in progress */
  guint                  rerun_source;
  char                  *active_test;    /* the test whose slice the list shows */
};

static void
datatests_clear_report (BitlensWindowDatatests *datatests)
{
  g_clear_pointer (&datatests->report, bitlens_datatest_report_free);
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    g_clear_pointer (&datatests->models[slot], bitlens_model_unref);
}

void
bitlens_window_init_datatests (BitlensWindow *self)
{
  self->datatests = g_new0 (BitlensWindowDatatests, 1);
  g_signal_connect_swapped (self->datatest_panel, "test-activated",
                            G_CALLBACK (bitlens_window_show_test_slice), self);
}

void
bitlens_window_dispose_datatests (BitlensWindow *self)
{
  BitlensWindowDatatests *datatests = self->datatests;

  if (datatests == NULL)
    return;
  g_cancellable_cancel (datatests->cancellable);
  g_clear_object (&datatests->cancellable);
  g_clear_handle_id (&datatests->rerun_source, g_source_remove);
  datatests_clear_report (datatests);
  g_free (datatests->spec_path);
  g_free (datatests->active_test);
  g_clear_pointer (&self->datatests, g_free);
}

/* ---------------------------------------------------------------- recognising specs */

/* A data unit test spec: a .spec file, or a key file with a [dataset] group and a
 * [test NAME] group whatever its name. */
gboolean
bitlens_window_file_is_spec (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *lower = NULL;
  g_autoptr(GKeyFile) key_file = NULL;
  g_auto(GStrv) groups = NULL;
  GStatBuf info;

  if (path == NULL)
    return FALSE;
  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".spec"))
    return TRUE;
  if (g_str_has_suffix (lower, ".tflite") || g_str_has_suffix (lower, ".png")
      || g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg"))
    return FALSE;
  /* Specs are small text files: do not read anything big to find out. */
  if (g_stat (path, &info) != 0 || !S_ISREG (info.st_mode) || info.st_size > 1024 * 1024)
    return FALSE;
  key_file = g_key_file_new ();
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  if (!g_key_file_has_group (key_file, "dataset"))
    return FALSE;
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], "test "))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------- the items */

static char *
canonical_path (const char *path)
{
  return path != NULL ? g_canonicalize_filename (path, NULL) : NULL;
}

static gboolean
same_dataset (BitlensDataset *a,
              BitlensDataset *b)
{
  g_autofree char *path_a = canonical_path (bitlens_dataset_get_path (a));
  g_autofree char *path_b = canonical_path (bitlens_dataset_get_path (b));
  g_autofree char *split_a = canonical_path (bitlens_dataset_get_split_path (a));
  g_autofree char *split_b = canonical_path (bitlens_dataset_get_split_path (b));

  return g_strcmp0 (path_a, path_b) == 0 && g_strcmp0 (split_a, split_b) == 0
         && bitlens_dataset_get_n_items (a) == bitlens_dataset_get_n_items (b);
}

/* The window's items by their canonical path. */
static GHashTable *
index_items_by_path (BitlensWindow *self)
{
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n; i++)
    {
      BitlensImageItem *item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      g_hash_table_replace (index, canonical_path (bitlens_image_item_get_path (item)), item);
    }
  return index;
}

/* The item of each row (GPtrArray of borrowed items; rows without an item are skipped). */
static GPtrArray *
items_of_rows (GHashTable     *index,
               BitlensDataset *dataset,
               GArray         *rows)
{
  GPtrArray *items = g_ptr_array_sized_new (rows->len);

  for (guint i = 0; i < rows->len; i++)
    {
      const BitlensDatasetItem *dataset_item = bitlens_dataset_get_item (dataset, g_array_index (rows, guint, i));
      g_autofree char *path = canonical_path (dataset_item->path);
      BitlensImageItem *item = g_hash_table_lookup (index, path);

      if (item != NULL)
        g_ptr_array_add (items, item);
    }
  return items;
}

static void
apply_scores (BitlensWindow     *self,
              BitlensSlot        slot,
              BitlensEvaluation *evaluation,
              GPtrArray         *items)
{
  for (guint row = 0; row < items->len && row < bitlens_evaluation_get_n_rows (evaluation); row++)
    {
      const BitlensPrediction *prediction = bitlens_evaluation_get_prediction (evaluation, row);
      BitlensImageItem *item = g_ptr_array_index (items, row);

      if (!prediction->loaded)
        bitlens_image_item_set_error (item, _("The image could not be read"));
      else if (!isnan (prediction->score))
        bitlens_window_cache_score (self, slot, item, prediction->score);
    }
}

/* The list shows the spec's dataset with the scores the tests computed: the open dataset
 * when it is the same, else the spec's replaces it (without evaluating it again). */
static void
show_report_dataset (BitlensWindow *self)
{
  BitlensWindowDatatests *datatests = self->datatests;
  BitlensEvaluation *evaluation_a = bitlens_datatest_report_get_evaluation (datatests->report, FALSE);
  BitlensEvaluation *evaluation_b = bitlens_datatest_report_get_evaluation (datatests->report, TRUE);
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation_a);
  gboolean same = self->dataset != NULL && same_dataset (self->dataset, dataset);
  g_autoptr(GPtrArray) items = same ? bitlens_window_get_item_array (self) : bitlens_window_items_from_dataset (dataset);

  if (datatests->models[BITLENS_SLOT_A] == self->models[BITLENS_SLOT_A])
    apply_scores (self, BITLENS_SLOT_A, evaluation_a, items);
  if (evaluation_b != NULL && datatests->models[BITLENS_SLOT_B] == self->models[BITLENS_SLOT_B])
    apply_scores (self, BITLENS_SLOT_B, evaluation_b, items);
  if (!same)
    bitlens_window_set_items (self, items, dataset);
  else
    bitlens_window_schedule_browser_refresh (self);
}

/* ---------------------------------------------------------------- slices */

void
bitlens_window_show_test_slice (BitlensWindow *self,
                                guint          index)
{
  BitlensWindowDatatests *datatests = self->datatests;
  const BitlensDatatestResult *result;
  BitlensEvaluation *evaluation_a, *evaluation_b;
  BitlensDataset *dataset;
  g_autoptr(GHashTable) index_by_path = NULL;
  g_autoptr(GArray) failure_rows = NULL;
  g_autoptr(GArray) member_rows = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (BITLENS_IS_WINDOW (self));

  if (datatests->report == NULL || index >= bitlens_datatest_report_get_n_results (datatests->report))
    return;
  result = bitlens_datatest_report_get_result (datatests->report, index);
  evaluation_a = bitlens_datatest_report_get_evaluation (datatests->report, FALSE);
  evaluation_b = bitlens_datatest_report_get_evaluation (datatests->report, TRUE);
  dataset = bitlens_evaluation_get_dataset (evaluation_a);
  /* Something else was opened since the run: the spec's dataset comes back. */
  if (self->dataset == NULL || !same_dataset (self->dataset, dataset))
    show_report_dataset (self);
  index_by_path = index_items_by_path (self);

  /* The core decides the slice and its mistakes, at the threshold the tests ran with. */
  failure_rows = bitlens_evaluation_list_failures (evaluation_a, result->test->expression, BITLENS_FAILURE_ALL,
                                                   bitlens_evaluation_get_threshold (evaluation_a));
  failures = items_of_rows (index_by_path, dataset, failure_rows);
  if (evaluation_b != NULL && self->comparing)
    {
      g_autoptr(GArray) rows_b = bitlens_evaluation_list_failures (evaluation_b, result->test->expression,
                                                                   BITLENS_FAILURE_ALL,
                                                                   bitlens_evaluation_get_threshold (evaluation_b));
      g_autoptr(GPtrArray) failures_b = items_of_rows (index_by_path, dataset, rows_b);

      /* B's mistakes that A got right follow A's. */
      for (guint i = 0; i < failures_b->len; i++)
        if (!g_ptr_array_find (failures, g_ptr_array_index (failures_b, i), NULL))
          g_ptr_array_add (failures, g_ptr_array_index (failures_b, i));
    }
  member_rows = bitlens_evaluation_select (evaluation_a, result->test->expression);
  members = items_of_rows (index_by_path, dataset, member_rows);

  description = g_strdup_printf ("%s: %s", result->test->name,
                                 /* Translators: the slice of a data unit test without where= */
                                 result->test->where != NULL ? result->test->where : _("every image"));
  g_free (datatests->active_test);
  datatests->active_test = g_strdup (result->test->name);

  adw_flap_set_reveal_flap (self->flap, TRUE);
  bitlens_browser_set_filter (self->browser, BITLENS_BROWSER_FILTER_ALL);
  bitlens_browser_set_sort (self->browser, BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE);
  bitlens_browser_set_slice (self->browser, result->test->name, description, failures, members);
  if (failures->len == 0)
    {
      g_autofree char *message = NULL;

      /* Nothing wrong in the slice: show the slice itself. */
      bitlens_browser_set_slice_whole (self->browser, TRUE);
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "No mistakes in the slice %s: showing its %u image",
                                              "No mistakes in the slice %s: showing its %u images", members->len),
                                 result->test->name, members->len);
      bitlens_window_show_message (self, message);
    }
  bitlens_browser_select_position (self->browser, 0);
}

/* ---------------------------------------------------------------- running */

typedef struct
{
  BitlensJobContext   *context;
  GCancellable        *cancellable;
  BitlensModel        *models[BITLENS_N_SLOTS];
  char                *spec_name;
} DatatestRun;

static void
datatest_run_free (DatatestRun *run)
{
  g_clear_pointer (&run->context, bitlens_job_context_unref);
  g_clear_object (&run->cancellable);
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    g_clear_pointer (&run->models[slot], bitlens_model_unref);
  g_free (run->spec_name);
  g_free (run);
}

static void
on_datatest_progress (guint    done,
                      guint    total,
                      gpointer user_data)
{
  BitlensJobContext *context = user_data;

  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : -1.0);
}

static void
show_run_error (BitlensWindow *self,
                const GError  *error)
{
  const char *heading = _("The data unit tests could not run");

  bitlens_datatest_panel_set_error (self->datatest_panel, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->datatest_panel), TRUE);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "workspace") == 0)
    {
      bitlens_window_show_error (self, heading, error);
      return;
    }

  /* On the start page the panel is out of sight and a toast cuts long messages short. */
  {
    GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, error->message);

    g_message ("%s: %s", heading, error->message);
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
    gtk_window_present (GTK_WINDOW (dialog));
  }
}

static void
on_datatest_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DatatestRun *run = user_data;
  BitlensWindow *self = run->context->self;
  BitlensWindowDatatests *datatests = self->datatests;
  g_autoptr(GError) error = NULL;
  BitlensDatatestReport *report = bitlens_datatest_run_finish (result, &error);

  if (self->disposed || bitlens_error_is_cancellation (error))
    {
      /* Cancelled by the user, not replaced by a newer run: say so. */
      if (!self->disposed && run->cancellable == datatests->cancellable)
        {
          g_clear_object (&datatests->cancellable);
          bitlens_datatest_panel_set_cancelled (self->datatest_panel, run->spec_name);
        }
      g_clear_pointer (&report, bitlens_datatest_report_free);
      datatest_run_free (run);
      return;
    }
  g_clear_object (&datatests->cancellable);
  if (report == NULL)
    show_run_error (self, error);
  else
    {
      g_autofree char *active = g_steal_pointer (&datatests->active_test);

      datatests_clear_report (datatests);
      datatests->report = report;
      for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
        datatests->models[slot] = run->models[slot] != NULL ? bitlens_model_ref (run->models[slot]) : NULL;
      bitlens_datatest_panel_set_report (self->datatest_panel, report, run->spec_name,
                                         bitlens_model_get_name (run->models[BITLENS_SLOT_A]),
                                         run->models[BITLENS_SLOT_B] != NULL
                                         ? bitlens_model_get_name (run->models[BITLENS_SLOT_B]) : NULL);
      show_report_dataset (self);
      /* Run again: the list keeps showing the slice it showed. */
      if (active != NULL)
        for (guint i = 0; i < bitlens_datatest_report_get_n_results (report); i++)
          if (g_strcmp0 (bitlens_datatest_report_get_result (report, i)->test->name, active) == 0)
            bitlens_window_show_test_slice (self, i);
    }
  bitlens_window_update_actions (self);
  datatest_run_free (run);
}

void
bitlens_window_run_spec (BitlensWindow *self)
{
  BitlensWindowDatatests *datatests = self->datatests;
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  BitlensDatatestRunOptions options = { 0 };
  DatatestRun *run;

  g_return_if_fail (BITLENS_IS_WINDOW (self));

  g_clear_handle_id (&datatests->rerun_source, g_source_remove);
  if (datatests->spec_path == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->datatest_panel), TRUE);

  /* Read afresh each time: the spec may have been edited since. */
  spec = bitlens_datatest_spec_load (datatests->spec_path, &error);
  if (spec == NULL)
    {
      show_run_error (self, error);
      return;
    }
  if ((self->models[BITLENS_SLOT_A] == NULL || self->model_a_is_default) &&
      bitlens_datatest_spec_get_model_path (spec) != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (bitlens_datatest_spec_get_model_path (spec));

      /* The spec's model when none is open, or only the bundled demo model the window
       * loaded by itself; loading it starts a run of its own. */
      bitlens_window_load_model (self, BITLENS_SLOT_A, file);
      g_clear_handle_id (&datatests->rerun_source, g_source_remove);
    }
  if (self->models[BITLENS_SLOT_A] == NULL)
    {
      g_set_error (&error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("%s: no model to test: open a model or set path= in [model]"),
                   bitlens_datatest_spec_get_path (spec));
      show_run_error (self, error);
      return;
    }

  g_cancellable_cancel (datatests->cancellable);
  g_clear_object (&datatests->cancellable);
  datatests->cancellable = g_cancellable_new ();

  options.spec = spec;
  options.model_a = self->models[BITLENS_SLOT_A];
  options.model_b = self->comparing ? self->models[BITLENS_SLOT_B] : NULL;
  /* The spec's threshold is part of the tests; else the window's. */
  options.threshold = isnan (bitlens_datatest_spec_get_threshold (spec)) ? self->threshold : NAN;
  options.n_threads = 0;

  run = g_new0 (DatatestRun, 1);
  run->cancellable = g_object_ref (datatests->cancellable);
  run->models[BITLENS_SLOT_A] = bitlens_model_ref (options.model_a);
  run->models[BITLENS_SLOT_B] = options.model_b != NULL ? bitlens_model_ref (options.model_b) : NULL;
  /* The file's name, as the user knows it. */
  run->spec_name = g_path_get_basename (datatests->spec_path);
  /* Translators: "Running the data unit tests of dark.spec" */
  label = g_strdup_printf (_("Running the data unit tests of %s"), run->spec_name);
  run->context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, datatests->cancellable));
  bitlens_datatest_panel_set_running (self->datatest_panel, run->spec_name);
  bitlens_datatest_run_async (&options, datatests->cancellable, on_datatest_progress,
                              bitlens_job_context_ref (run->context), bitlens_job_context_unref,
                              on_datatest_done, run);
}

static gboolean
rerun_now (gpointer user_data)
{
  BitlensWindow *self = user_data;

  self->datatests->rerun_source = 0;
  bitlens_window_run_spec (self);
  return G_SOURCE_REMOVE;
}

/* Another model or decision threshold, or compare mode switched: the results no longer
 * describe what is shown. */
void
bitlens_window_datatests_models_changed (BitlensWindow *self)
{
  BitlensWindowDatatests *datatests = self->datatests;

  if (self->disposed || datatests == NULL || datatests->spec_path == NULL || datatests->rerun_source != 0)
    return;
  datatests->rerun_source = g_idle_add (rerun_now, self);
}

void
bitlens_window_open_spec (BitlensWindow *self,
                          GFile         *file)
{
  BitlensWindowDatatests *datatests;
  g_autofree char *path = NULL;

  g_return_if_fail (BITLENS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  datatests = self->datatests;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      bitlens_window_show_message (self, _("Only local files can be opened"));
      return;
    }
  bitlens_window_add_recent (file, "text/plain");
  g_free (datatests->spec_path);
  datatests->spec_path = g_steal_pointer (&path);
  g_clear_pointer (&datatests->active_test, g_free);
  datatests_clear_report (datatests);
  bitlens_datatest_panel_clear (self->datatest_panel);
  bitlens_window_run_spec (self);
  bitlens_window_update_actions (self);
}

void
bitlens_window_close_spec (BitlensWindow *self)
{
  BitlensWindowDatatests *datatests = self->datatests;

  g_return_if_fail (BITLENS_IS_WINDOW (self));

  g_cancellable_cancel (datatests->cancellable);
  g_clear_object (&datatests->cancellable);
  g_clear_handle_id (&datatests->rerun_source, g_source_remove);
  g_clear_pointer (&datatests->spec_path, g_free);
  g_clear_pointer (&datatests->active_test, g_free);
  datatests_clear_report (datatests);
  bitlens_datatest_panel_clear (self->datatest_panel);
  gtk_widget_set_visible (GTK_WIDGET (self->datatest_panel), FALSE);
  bitlens_browser_set_slice (self->browser, NULL, NULL, NULL, NULL);
  bitlens_window_update_actions (self);
}

gboolean
bitlens_window_has_spec (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  return self->datatests != NULL && self->datatests->spec_path != NULL;
}

BitlensDatatestReport *
bitlens_window_get_datatest_report (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), NULL);
  return self->datatests->report;
}
