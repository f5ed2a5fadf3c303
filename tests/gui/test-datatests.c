/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bitlens-datatest-row.h"
#include "bitlens-statistics-window.h"
#include "bitlens-window-private.h"
#include "gui-util.h"
#include "test-util.h"

/* Data unit tests and plots in the real window under Xvfb: a spec written here runs on vww
 * with the TFLM person detector (and the MLPerf model in compare mode); the table must hold
 * what bitlens_datatest_run computes, a click on a test must list exactly the core's
 * failures of its slice; spec errors show FILE:LINE and the window keeps working; the
 * statistics window draws histograms, precision-recall curves and the bias finder's bins,
 * each equal to the core's numbers. Skipped without a display or without ../shared. */

#define TIMEOUT_MS 300000

typedef struct
{
  BitlensApplication *application;
  BitlensWindow      *window;
  char               *temp_dir;
  char               *model_a;
  char               *model_b;
  char               *vww;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->temp_dir = g_dir_make_tmp ("bitlens-datatests-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->model_a = test_shared_path ("models/tflm/person_detect.tflite");
  fixture->model_b = test_shared_path ("models/mlperf_tiny/vww_96_int8.tflite");
  fixture->vww = test_shared_path ("data/vww");
  fixture->application = gui_application_new ();
  fixture->window = bitlens_window_new (fixture->application);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gui_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bitlens_window_cancel_jobs (fixture->window);
  gui_wait_until (gui_window_is_idle, fixture->window, TIMEOUT_MS);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  gui_spin (50);
  g_clear_object (&fixture->application);
  gui_remove_tree (fixture->temp_dir);
  g_free (fixture->temp_dir);
  g_free (fixture->model_a);
  g_free (fixture->model_b);
  g_free (fixture->vww);
}

/* Drops files on the window as a file manager does. */
static void
drop_file (BitlensWindow *window,
           const char    *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  GtkDropTarget *target = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && target == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (target);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (g_slist_append (NULL, file)));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);
}

static char *
write_spec (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (fixture->temp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* vww with a dark_no_person slice (the shortcut of data/PROVENANCE.md), the person images,
 * and a slice with a tag-free text comparison on the file name. */
static char *
vww_spec_text (Fixture *fixture)
{
  return g_strdup_printf ("[dataset]\n"
                          "path=%s\n"
                          "\n"
                          "[test dark_no_person]\n"
                          "where=label == 0 && mean_luma < 80\n"
                          "metric=accuracy\n"
                          "min=0.9\n"
                          "\n"
                          "[test person]\n"
                          "where=label == 1   # every person image\n"
                          "metric=recall\n"
                          "min=0.7\n"
                          "\n"
                          "[test bright]\n"
                          "where=mean_luma >= 150\n"
                          "metric=false_positive_rate\n"
                          "max=0.1\n",
                          fixture->vww);
}

static gboolean
has_report (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_get_datatest_report (window) != NULL;
}

/* The run of compare mode: the report before it had no B. */
static gboolean
has_report_with_b (gpointer window)
{
  return has_report (window)
         && bitlens_datatest_report_get_evaluation (bitlens_window_get_datatest_report (window), TRUE) != NULL;
}

static gboolean
has_report_of_person_detect (gpointer window)
{
  BitlensDatatestReport *report;

  if (!has_report (window))
    return FALSE;
  report = bitlens_window_get_datatest_report (window);
  return g_strcmp0 (bitlens_model_get_name (bitlens_evaluation_get_model (bitlens_datatest_report_get_evaluation (report, FALSE))),
                    "person_detect.tflite") == 0;
}

static gboolean
has_report_at_075 (gpointer window)
{
  BitlensDatatestReport *report;

  if (!has_report (window))
    return FALSE;
  report = bitlens_window_get_datatest_report (window);
  return bitlens_evaluation_get_threshold (bitlens_datatest_report_get_evaluation (report, FALSE)) == 0.75;
}

/* The report bitlens_datatest_run makes for the spec and models, as the window runs it. */
static BitlensDatatestReport *
run_directly (const char *spec_path,
              const char *model_a_path,
              const char *model_b_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = bitlens_datatest_spec_load (spec_path, &error);
  g_autoptr(BitlensModel) model_a = NULL;
  g_autoptr(BitlensModel) model_b = NULL;
  BitlensDatatestRunOptions options = { 0 };
  BitlensDatatestReport *report;

  g_assert_no_error (error);
  model_a = bitlens_model_new_from_file (model_a_path, &error);
  g_assert_no_error (error);
  if (model_b_path != NULL)
    {
      model_b = bitlens_model_new_from_file (model_b_path, &error);
      g_assert_no_error (error);
    }
  options.spec = spec;
  options.model_a = model_a;
  options.model_b = model_b;
  options.threshold = 0.5;   /* the window's default threshold: the spec sets none */
  report = bitlens_datatest_run (&options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return report;
}

static void
assert_outcomes_equal (const BitlensDatatestOutcome *shown,
                       const BitlensDatatestOutcome *expected)
{
  g_assert_cmpuint (shown->n_images, ==, expected->n_images);
  g_assert_cmpmem (&shown->confusion, sizeof shown->confusion, &expected->confusion, sizeof expected->confusion);
  if (isnan (expected->value))
    g_assert_true (isnan (shown->value));
  else
    g_assert_cmpfloat (shown->value, ==, expected->value);
  g_assert_cmpint (shown->passed, ==, expected->passed);
  g_assert_cmpstr (shown->message, ==, expected->message);
}

/* The table's rows against the report computed directly, value by value, and the text of
 * the cells against the values. */
static void
assert_table_equals (BitlensWindow         *window,
                     BitlensDatatestReport *expected)
{
  GListModel *rows = bitlens_datatest_panel_get_rows (window->datatest_panel);
  guint n = bitlens_datatest_report_get_n_results (expected);

  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BitlensDatatestRow) row = g_list_model_get_item (rows, i);
      const BitlensDatatestResult *result = bitlens_datatest_report_get_result (expected, i);
      g_autofree char *value = NULL;
      g_autofree char *expected_value = NULL;

      g_assert_cmpuint (bitlens_datatest_row_get_index (row), ==, i);
      g_assert_cmpstr (bitlens_datatest_row_get_name (row), ==, result->test->name);
      g_assert_cmpstr (bitlens_datatest_row_get_where (row), ==, result->test->where);
      g_assert_cmpuint (bitlens_datatest_row_get_line (row), ==, result->test->line);
      g_assert_cmpint (bitlens_datatest_row_get_metric (row), ==, result->test->metric);
      assert_outcomes_equal (bitlens_datatest_row_get_outcome (row, FALSE), &result->a);
      g_assert_cmpint (bitlens_datatest_row_has_b (row), ==, result->has_b);
      if (result->has_b)
        {
          g_autofree char *difference = bitlens_datatest_row_format_difference (row);
          g_autofree char *expected_difference = NULL;
          double delta = result->b.value - result->a.value;

          assert_outcomes_equal (bitlens_datatest_row_get_outcome (row, TRUE), &result->b);
          expected_difference = g_strdup_printf ("%s%.4f", delta > 0 ? "+" : delta < 0 ? "−" : "±", fabs (delta));
          g_assert_cmpstr (difference, ==, expected_difference);
          g_assert_cmpuint (bitlens_datatest_row_get_n_mistakes (row, TRUE), ==,
                            result->b.confusion.false_positives + result->b.confusion.false_negatives);
        }
      value = bitlens_datatest_row_format_value (row, FALSE);
      expected_value = g_strdup_printf ("%.4f", result->a.value);
      g_assert_cmpstr (value, ==, expected_value);
      g_assert_cmpuint (bitlens_datatest_row_get_n_mistakes (row, FALSE), ==,
                        result->a.confusion.false_positives + result->a.confusion.false_negatives);
    }
}

/* The canonical paths of the rows' images. */
static GPtrArray *
paths_of_rows (BitlensEvaluation *evaluation,
               GArray            *rows)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);

  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (paths, g_canonicalize_filename (bitlens_dataset_get_item (dataset, g_array_index (rows, guint, i))->path, NULL));
  return paths;
}

/* The browser shows exactly these images, in this order. */
static void
assert_browser_shows (BitlensWindow *window,
                      GPtrArray     *paths)
{
  GListModel *shown = bitlens_browser_get_shown_items (window->browser);

  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, paths->len);
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (shown, i);
      g_autofree char *path = g_canonicalize_filename (bitlens_image_item_get_path (item), NULL);

      g_assert_cmpstr (path, ==, g_ptr_array_index (paths, i));
    }
}

static gboolean
has_map_a (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_has_map (window, BITLENS_SLOT_A);
}

static const BitlensDatatest *
find_test (BitlensDatatestReport *report,
           const char            *name,
           guint                 *index)
{
  for (guint i = 0; i < bitlens_datatest_report_get_n_results (report); i++)
    if (g_str_equal (bitlens_datatest_report_get_result (report, i)->test->name, name))
      {
        *index = i;
        return bitlens_datatest_report_get_result (report, i)->test;
      }
  g_assert_not_reached ();
}

static void
test_run_and_slice (Fixture       *fixture,
                    gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *spec_text = NULL;
  g_autofree char *spec_path = NULL;
  g_autoptr(BitlensDatatestReport) expected = NULL;
  BitlensEvaluation *evaluation;
  const BitlensDatatest *dark;
  guint dark_index;

  if (fixture->model_a == NULL || fixture->vww == NULL)
    return;
  spec_text = vww_spec_text (fixture);
  spec_path = write_spec (fixture, "vww.spec", spec_text);

  gui_open_path (window, fixture->model_a);
  gui_open_path (window, spec_path);
  g_assert_true (bitlens_window_has_spec (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->datatest_panel)));
  g_assert_true (bitlens_window_is_busy (window));
  g_assert_true (gui_wait_until (has_report, window, TIMEOUT_MS));
  g_assert_null (bitlens_datatest_panel_get_error (window->datatest_panel));

  expected = run_directly (spec_path, fixture->model_a, NULL);
  assert_table_equals (window, expected);
  g_assert_nonnull (strstr (bitlens_datatest_panel_get_summary (window->datatest_panel), "vww"));

  /* The list is the spec's dataset, scored by the tests' evaluation. */
  evaluation = bitlens_datatest_report_get_evaluation (expected, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (bitlens_window_get_items (window)), ==, 1000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "workspace");
  for (guint i = 0; i < 1000; i += 37)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (bitlens_window_get_items (window), i);

      g_assert_cmpfloat (bitlens_image_item_get_score (item, BITLENS_SLOT_A), ==,
                         bitlens_evaluation_get_prediction (evaluation, i)->score);
    }

  /* A click on dark_no_person: its false positives and negatives, as the core lists them,
   * most confident mistake first. */
  dark = find_test (expected, "dark_no_person", &dark_index);
  {
    g_autoptr(GArray) rows = bitlens_evaluation_list_failures (evaluation, dark->expression, BITLENS_FAILURE_ALL, 0.5);
    g_autoptr(GPtrArray) paths = paths_of_rows (evaluation, rows);
    g_autoptr(GArray) members = bitlens_evaluation_select (evaluation, dark->expression);
    g_autoptr(GPtrArray) member_paths = paths_of_rows (evaluation, members);
    const BitlensDatatestOutcome *outcome = &bitlens_datatest_report_get_result (expected, dark_index)->a;

    g_assert_cmpuint (rows->len, ==, outcome->confusion.false_positives + outcome->confusion.false_negatives);
    g_assert_cmpuint (rows->len, >, 0);
    bitlens_datatest_panel_activate_row (window->datatest_panel, dark_index);
    g_assert_cmpstr (bitlens_browser_get_slice (window->browser), ==, "dark_no_person");
    assert_browser_shows (window, paths);

    /* The first of them is shown, with its saliency map. */
    g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
    {
      g_autofree char *current = g_canonicalize_filename (bitlens_image_item_get_path (bitlens_window_get_current_item (window)), NULL);
      g_assert_cmpstr (current, ==, g_ptr_array_index (paths, 0));
    }

    /* The whole slice, then every image again. */
    bitlens_browser_set_slice_whole (window->browser, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (bitlens_browser_get_shown_items (window->browser)), ==, member_paths->len);
    g_assert_cmpuint (member_paths->len, ==, outcome->n_images);
    bitlens_browser_set_slice (window->browser, NULL, NULL, NULL, NULL);
    g_assert_null (bitlens_browser_get_slice (window->browser));
    g_assert_cmpuint (g_list_model_get_n_items (bitlens_browser_get_shown_items (window->browser)), ==, 1000);
  }

  /* The person slice by a real click on the table (the column view's activation). */
  {
    guint person_index;
    const BitlensDatatest *person = find_test (expected, "person", &person_index);
    g_autoptr(GArray) rows = bitlens_evaluation_list_failures (evaluation, person->expression, BITLENS_FAILURE_ALL, 0.5);
    g_autoptr(GPtrArray) paths = paths_of_rows (evaluation, rows);
    GtkColumnView *column_view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (window->datatest_panel),
                                                                                  BITLENS_TYPE_DATATEST_PANEL,
                                                                                  "column_view"));

    g_signal_emit_by_name (column_view, "activate", person_index);
    g_assert_cmpstr (bitlens_browser_get_slice (window->browser), ==, "person");
    assert_browser_shows (window, paths);
  }

  /* Compare mode runs the tests again with model B beside A. */
  if (fixture->model_b != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (fixture->model_b);
      g_autoptr(BitlensDatatestReport) expected_ab = NULL;
      BitlensEvaluation *evaluation_b;

      bitlens_window_open_compare_model (window, file);
      g_assert_true (bitlens_window_get_comparing (window));
      g_assert_true (gui_wait_until (has_report_with_b, window, TIMEOUT_MS));
      g_assert_nonnull (bitlens_datatest_report_get_evaluation (bitlens_window_get_datatest_report (window), TRUE));
      expected_ab = run_directly (spec_path, fixture->model_a, fixture->model_b);
      assert_table_equals (window, expected_ab);

      /* The slice shown before the run is shown again, now with B's mistakes after A's. */
      evaluation = bitlens_datatest_report_get_evaluation (expected_ab, FALSE);
      evaluation_b = bitlens_datatest_report_get_evaluation (expected_ab, TRUE);
      g_assert_cmpstr (bitlens_browser_get_slice (window->browser), ==, "person");
      bitlens_datatest_panel_activate_row (window->datatest_panel, dark_index);
      {
        g_autoptr(GArray) rows_a = bitlens_evaluation_list_failures (evaluation, dark->expression, BITLENS_FAILURE_ALL, 0.5);
        g_autoptr(GArray) rows_b = bitlens_evaluation_list_failures (evaluation_b, dark->expression, BITLENS_FAILURE_ALL, 0.5);
        g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (guint));
        g_autoptr(GPtrArray) paths = NULL;

        g_array_append_vals (rows, rows_a->data, rows_a->len);
        for (guint i = 0; i < rows_b->len; i++)
          {
            gboolean seen = FALSE;

            for (guint j = 0; j < rows_a->len; j++)
              seen |= g_array_index (rows_a, guint, j) == g_array_index (rows_b, guint, i);
            if (!seen)
              g_array_append_val (rows, g_array_index (rows_b, guint, i));
          }
        paths = paths_of_rows (evaluation, rows);
        assert_browser_shows (window, paths);
      }
    }

  /* Cancel (Esc) stops a run; the last results stay and the panel says so. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-spec", NULL));
  g_assert_true (bitlens_window_is_busy (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
  g_assert_nonnull (strstr (bitlens_datatest_panel_get_summary (window->datatest_panel), "cancelled"));
  g_assert_null (bitlens_datatest_panel_get_error (window->datatest_panel));
  g_assert_nonnull (bitlens_window_get_datatest_report (window));

  /* Closing the tests hides the panel and the slice. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.close-spec", NULL));
  g_assert_false (bitlens_window_has_spec (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->datatest_panel)));
  g_assert_null (bitlens_browser_get_slice (window->browser));
}

static gboolean
has_error (gpointer window)
{
  return gui_window_is_idle (window)
         && bitlens_datatest_panel_get_error (BITLENS_WINDOW (window)->datatest_panel) != NULL;
}

/* The window starts on the bundled demo model when the source tree has one: forget it, as
 * a build without bundled models would start. */
static void
forget_demo_model (BitlensWindow *window)
{
  g_clear_pointer (&window->models[BITLENS_SLOT_A], bitlens_model_unref);
  g_clear_pointer (&window->model_paths[BITLENS_SLOT_A], g_free);
  bitlens_window_datatests_models_changed (window);
  bitlens_window_update_start_page (window);
}

/* Spec errors say FILE:LINE in the panel and a toast (a dialog on the start page); the
 * window keeps working and the corrected spec runs with the same action. */
static void
test_spec_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *no_model = NULL;
  g_autofree char *bad_column = NULL;
  g_autofree char *bad_metric = NULL;
  g_autofree char *text = NULL;
  const char *message;

  if (fixture->model_a == NULL || fixture->vww == NULL)
    return;

  /* No model open and none in the spec: on the start page a dialog says so in full. */
  forget_demo_model (window);
  text = vww_spec_text (fixture);
  no_model = write_spec (fixture, "no-model.spec", text);
  drop_file (window, no_model);
  g_assert_true (gui_wait_until (has_error, window, TIMEOUT_MS));
  message = bitlens_datatest_panel_get_error (window->datatest_panel);
  g_assert_nonnull (strstr (message, "no-model.spec"));
  g_assert_nonnull (strstr (message, "no model to test"));
  {
    GtkWindow *dialog = gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

    g_assert_nonnull (dialog);
    g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), ==, message);
    gtk_window_destroy (dialog);
  }
  g_clear_pointer (&text, g_free);

  /* A model and an image: the workspace, where the panel shows the errors. */
  gui_open_path (window, fixture->model_a);
  g_assert_nonnull (window->models[BITLENS_SLOT_A]);
  {
    g_autofree char *image = test_shared_path ("data/vww/person/000000000785.png");

    gui_open_path (window, image);
    g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "workspace");
  }

  /* A misspelt column on line 5 of a key file without the .spec suffix, recognised by its
   * groups. */
  text = g_strdup_printf ("[dataset]\npath=%s\n\n[test dark]\nwhere=mean_lumaa < 80\nmetric=accuracy\nmin=0.5\n",
                          fixture->vww);
  bad_column = write_spec (fixture, "dark-tests.ini", text);
  {
    g_autoptr(GFile) file = g_file_new_for_path (bad_column);
    g_assert_true (bitlens_window_file_is_spec (file));
  }
  gui_open_path (window, bad_column);
  g_assert_true (gui_wait_until (has_error, window, TIMEOUT_MS));
  message = bitlens_datatest_panel_get_error (window->datatest_panel);
  g_assert_true (g_str_has_prefix (message, bad_column));
  g_assert_nonnull (strstr (message, "dark-tests.ini:5: where: unknown column 'mean_lumaa'"));
  g_assert_nonnull (strstr (window->last_message, "dark-tests.ini:5:"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->datatest_panel)));
  /* The long message wraps in the panel: the window keeps its width. */
  gui_spin (200);
  g_assert_cmpint (gtk_widget_get_width (gtk_widget_get_parent (GTK_WIDGET (window->flap))), <=,
                   gtk_widget_get_width (GTK_WIDGET (window->main_stack)));
  g_clear_pointer (&text, g_free);

  /* An unknown metric on line 6, read when the tests run again. */
  text = g_strdup_printf ("[dataset]\npath=%s\n\n[test dark]\nwhere=mean_luma < 80\nmetric=accuracyy\nmin=0.5\n",
                          fixture->vww);
  bad_metric = g_strdup (bad_column);
  g_assert_true (g_file_set_contents (bad_metric, text, -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-spec", NULL));
  message = bitlens_datatest_panel_get_error (window->datatest_panel);
  g_assert_nonnull (strstr (message, "dark-tests.ini:6:"));
  g_assert_nonnull (strstr (message, "accuracyy"));
  g_clear_pointer (&text, g_free);

  /* An image is not a spec; the model stays; fixed, the spec runs. */
  {
    g_autofree char *image = test_shared_path ("data/vww/person/000000000785.png");
    g_autoptr(GFile) file = g_file_new_for_path (image);

    g_assert_false (bitlens_window_file_is_spec (file));
  }
  text = g_strdup_printf ("[dataset]\npath=%s\n\n[test dark]\nwhere=mean_luma < 80\nmetric=accuracy\nmin=0.5\n",
                          fixture->vww);
  g_assert_true (g_file_set_contents (bad_column, text, -1, NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-spec", NULL));
  g_assert_true (gui_wait_until (has_report, window, TIMEOUT_MS));
  g_assert_null (bitlens_datatest_panel_get_error (window->datatest_panel));
  g_assert_cmpuint (g_list_model_get_n_items (bitlens_datatest_panel_get_rows (window->datatest_panel)), ==, 1);
}

/* The spec's [model] is used when no model is open, or only the bundled demo model the window
 * loaded by itself; a model the user opened wins. */
static void
test_spec_model (Fixture       *fixture,
                 gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *text = NULL;
  g_autofree char *spec_path = NULL;
  BitlensDatatestReport *report;

  if (fixture->model_a == NULL || fixture->model_b == NULL || fixture->vww == NULL)
    return;
  text = g_strdup_printf ("[dataset]\npath=%s\nsplit=test.txt\n[model]\npath=%s\n[test all]\nmetric=count\nmin=1\n",
                          fixture->vww, fixture->model_b);
  spec_path = write_spec (fixture, "with-model.spec", text);
  if (window->models[BITLENS_SLOT_A] != NULL)
    g_assert_true (window->model_a_is_default);
  else
    g_test_message ("no bundled demo model: the spec's model fills an empty slot");
  gui_open_path (window, spec_path);
  g_assert_true (gui_wait_until (has_report, window, TIMEOUT_MS));
  report = bitlens_window_get_datatest_report (window);
  g_assert_cmpstr (bitlens_model_get_name (window->models[BITLENS_SLOT_A]), ==, "vww_96_int8.tflite");
  g_assert_true (bitlens_evaluation_get_model (bitlens_datatest_report_get_evaluation (report, FALSE))
                 == window->models[BITLENS_SLOT_A]);
  /* The split: 500 images in the list. */
  g_assert_cmpuint (g_list_model_get_n_items (bitlens_window_get_items (window)), ==, 500);

  /* Another model opened: it wins, and the tests run again with it (wait for that run:
   * the previous report stays until the new one arrives). */
  gui_open_path (window, fixture->model_a);
  gui_spin (50);
  g_assert_true (gui_wait_until (has_report_of_person_detect, window, TIMEOUT_MS));
  g_assert_false (window->model_a_is_default);
  report = bitlens_window_get_datatest_report (window);
  g_assert_cmpstr (bitlens_model_get_name (bitlens_evaluation_get_model (bitlens_datatest_report_get_evaluation (report, FALSE))),
                   ==, "person_detect.tflite");

  /* Another decision threshold in the preferences: the tests run again at it. */
  {
    GSettings *settings = bitlens_application_get_settings (fixture->application);

    g_settings_set_double (settings, "decision-threshold", 0.75);
    gui_spin (50);
    g_assert_true (gui_wait_until (has_report_at_075, window, TIMEOUT_MS));
    report = bitlens_window_get_datatest_report (window);
    g_assert_cmpfloat (bitlens_evaluation_get_threshold (bitlens_datatest_report_get_evaluation (report, FALSE)), ==, 0.75);
    g_settings_reset (settings, "decision-threshold");
    gui_spin (50);
    g_assert_true (gui_wait_until (has_report, window, TIMEOUT_MS));
  }

  /* The spec is among the recent files of the next start page, and opens from there. */
  gui_spin (500);
  {
    BitlensWindow *second = bitlens_window_new (fixture->application);
    GtkWidget *spec_row = NULL;

    for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (second->recent_list)); row != NULL;
         row = gtk_widget_get_next_sibling (row))
      {
        GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (row));

        if (target != NULL && g_str_equal (g_variant_get_string (target, NULL), spec_path))
          spec_row = row;
      }
    g_assert_nonnull (spec_row);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (spec_row)), ==, fixture->temp_dir);
    gui_present (GTK_WINDOW (second));
    g_signal_emit_by_name (spec_row, "activate");
    g_assert_true (bitlens_window_has_spec (second));
    g_assert_true (gui_wait_until (has_report, second, TIMEOUT_MS));
    gtk_window_destroy (GTK_WINDOW (second));
  }
}

/* `bitlens MODEL --spec FILE`: the application's command line. */
typedef struct
{
  BitlensApplication *application;
  gboolean            saw_report;
  guint               n_rows;
} CommandLineRun;

static gboolean
check_command_line_window (gpointer user_data)
{
  CommandLineRun *run = user_data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (run->application));

  if (active == NULL || !has_report (active))
    return G_SOURCE_CONTINUE;
  run->saw_report = TRUE;
  run->n_rows = g_list_model_get_n_items (bitlens_datatest_panel_get_rows (BITLENS_WINDOW (active)->datatest_panel));
  gtk_window_destroy (active);
  return G_SOURCE_REMOVE;
}

static void
test_command_line (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autofree char *spec_path = NULL;
  g_autoptr(BitlensApplication) application = NULL;
  CommandLineRun run = { 0 };
  guint source;
  int status;

  if (fixture->model_a == NULL || fixture->vww == NULL)
    return;
  text = vww_spec_text (fixture);
  /* No suffix to go by: --spec says what the file is. */
  spec_path = write_spec (fixture, "tests.conf", text);
  application = bitlens_application_new (G_APPLICATION_NON_UNIQUE);
  run.application = application;
  source = g_timeout_add (100, check_command_line_window, &run);
  status = g_application_run (G_APPLICATION (application), 4,
                              (char *[]) { (char *) "bitlens", fixture->model_a, (char *) "--spec", spec_path, NULL });
  if (!run.saw_report)
    g_source_remove (source);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.saw_report);
  g_assert_cmpuint (run.n_rows, ==, 3);
}

/* ---------------------------------------------------------------- statistics */

static GtkWindow *
find_statistics_window (void)
{
  return gui_find_toplevel (BITLENS_TYPE_STATISTICS_WINDOW);
}

static gboolean
statistics_done (gpointer statistics)
{
  return !bitlens_statistics_window_is_busy (statistics);
}

/* The widget rendered as pixels (cairo renderer), as RGBA bytes. */
static GBytes *
render_widget (GtkWidget *widget,
               int       *width,
               int       *height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  guchar *data;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  g_assert_cmpint (*width, >, 100);
  g_assert_cmpint (*height, >, 100);
  gdk_paintable_snapshot (paintable, snapshot, *width, *height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  data = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, data, (gsize) *width * 4);
  return g_bytes_new_take (data, (gsize) *width * *height * 4);
}

/* Pixels that differ from the most frequent one (the background): what the plot drew. */
static double
drawn_share (GBytes *pixels)
{
  gsize size;
  const guint32 *data = g_bytes_get_data (pixels, &size);
  gsize n = size / 4, background_count = 0;
  g_autoptr(GHashTable) counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter iter;
  gpointer key, value;

  for (gsize i = 0; i < n; i++)
    {
      gpointer pixel = GUINT_TO_POINTER (data[i] + 1);
      g_hash_table_insert (counts, pixel, GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (counts, pixel)) + 1));
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    background_count = MAX (background_count, GPOINTER_TO_SIZE (value));
  return (double) (n - background_count) / n;
}

static void
assert_plot_draws (GtkWidget *plot,
                   double     min_share)
{
  int width, height;
  g_autoptr(GBytes) pixels = render_widget (plot, &width, &height);
  double share = drawn_share (pixels);

  g_test_message ("%s draws %.1f%% of its %dx%d pixels", G_OBJECT_TYPE_NAME (plot), 100 * share, width, height);
  g_assert_cmpfloat (share, >, min_share);
}

static void
test_statistics (Fixture       *fixture,
                 gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  BitlensStatisticsWindow *statistics;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(BitlensBiasReport) bias = NULL;
  g_autoptr(GArray) bins = NULL;
  g_autoptr(GArray) curve = NULL;
  g_autoptr(GError) error = NULL;
  BitlensEvaluationOptions options;
  BitlensBiasOptions bias_options;
  BitlensConfusion at_half;
  GArray *shown_bins, *shown_curve;
  BitlensBiasPlot *bias_plot;
  double recall, precision;

  if (fixture->model_a == NULL || fixture->vww == NULL)
    return;

  gui_open_path (window, fixture->model_a);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-statistics", NULL)
                  && find_statistics_window () != NULL);
  gui_open_path (window, fixture->vww);
  g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-statistics", NULL));
  statistics = BITLENS_STATISTICS_WINDOW (find_statistics_window ());
  g_assert_nonnull (statistics);
  gtk_window_set_default_size (GTK_WINDOW (statistics), 900, 1400);
  g_assert_true (gui_wait_until (statistics_done, statistics, TIMEOUT_MS));
  gui_spin (200);

  /* The core, called directly. */
  model = bitlens_model_new_from_file (fixture->model_a, &error);
  g_assert_no_error (error);
  dataset = bitlens_dataset_load (fixture->vww, &error);
  g_assert_no_error (error);
  bitlens_evaluation_options_init (&options);
  evaluation = bitlens_evaluation_run (dataset, model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Histogram: the core's 20 bins, and the threshold. */
  bins = bitlens_evaluation_compute_score_histogram (evaluation, NULL, BITLENS_STATISTICS_HISTOGRAM_BINS);
  shown_bins = bitlens_histogram_plot_get_bins (bitlens_statistics_window_get_histogram_plot (statistics, 0));
  g_assert_nonnull (shown_bins);
  g_assert_cmpmem (shown_bins->data, shown_bins->len * sizeof (BitlensScoreBin), bins->data, bins->len * sizeof (BitlensScoreBin));
  g_assert_cmpfloat (bitlens_histogram_plot_get_threshold (bitlens_statistics_window_get_histogram_plot (statistics, 0)), ==, 0.5);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (bitlens_statistics_window_get_histogram_plot (statistics, 1)))));

  /* Precision-recall: the core's curve, its AP, the point at 0.5. */
  curve = bitlens_evaluation_compute_curve (evaluation, NULL);
  g_assert_cmpuint (bitlens_curve_plot_get_n_series (bitlens_statistics_window_get_curve_plot (statistics)), ==, 1);
  shown_curve = bitlens_curve_plot_get_curve (bitlens_statistics_window_get_curve_plot (statistics), 0);
  g_assert_cmpmem (shown_curve->data, shown_curve->len * sizeof (BitlensCurvePoint),
                   curve->data, curve->len * sizeof (BitlensCurvePoint));
  g_assert_cmpfloat (bitlens_curve_plot_get_average_precision (bitlens_statistics_window_get_curve_plot (statistics), 0), ==,
                     bitlens_curve_get_average_precision (curve));
  bitlens_evaluation_count (evaluation, NULL, 0.5, &at_half);
  bitlens_curve_plot_get_threshold_point (bitlens_statistics_window_get_curve_plot (statistics), 0, &recall, &precision);
  g_assert_cmpfloat (recall, ==, bitlens_confusion_get_metric (&at_half, BITLENS_METRIC_RECALL));
  g_assert_cmpfloat (precision, ==, bitlens_confusion_get_metric (&at_half, BITLENS_METRIC_PRECISION));

  /* Bias finder: the flagged attribute first (mean_luma on vww, see the README), its bins
   * as the core computes them; then another attribute chosen. */
  bitlens_bias_options_init (&bias_options);
  bias = bitlens_bias_analyze (dataset, evaluation, &bias_options, NULL, &error);
  g_assert_no_error (error);
  bias_plot = bitlens_statistics_window_get_bias_plot (statistics);
  g_assert_cmpstr (bitlens_bias_plot_get_name (bias_plot), ==, "mean_luma");
  g_assert_true (bitlens_bias_plot_get_flagged (bias_plot));
  g_assert_true (bitlens_bias_plot_has_errors (bias_plot));
  for (guint a = 0; a < bitlens_bias_report_get_n_attributes (bias); a++)
    {
      const BitlensBiasAttribute *attribute = bitlens_bias_report_get_attribute (bias, a);

      g_assert_true (bitlens_statistics_window_select_attribute (statistics, attribute->name));
      g_assert_cmpstr (bitlens_bias_plot_get_name (bias_plot), ==, attribute->name);
      g_assert_cmpuint (bitlens_bias_plot_get_n_bins (bias_plot), ==, attribute->n_bins);
      for (guint b = 0; b < attribute->n_bins; b++)
        g_assert_cmpmem (bitlens_bias_plot_get_bin (bias_plot, b), sizeof (BitlensBiasBin),
                         &attribute->bins[b], sizeof (BitlensBiasBin));
      g_assert_cmpint (bitlens_bias_plot_get_flagged (bias_plot), ==,
                       attribute->label.flagged || attribute->errors.flagged);
    }
  g_assert_false (bitlens_statistics_window_select_attribute (statistics, "no_such_attribute"));
  g_assert_true (bitlens_statistics_window_select_attribute (statistics, "mean_luma"));
  gui_spin (100);

  /* Every plot draws (a fair share of its pixels is not background). */
  assert_plot_draws (GTK_WIDGET (bitlens_statistics_window_get_histogram_plot (statistics, 0)), 0.04);
  assert_plot_draws (GTK_WIDGET (bitlens_statistics_window_get_curve_plot (statistics)), 0.02);
  assert_plot_draws (GTK_WIDGET (bias_plot), 0.04);

  /* The dark style draws other colours. */
  {
    GSettings *settings = bitlens_application_get_settings (fixture->application);
    GtkWidget *plot = GTK_WIDGET (bitlens_statistics_window_get_curve_plot (statistics));
    int width, height;
    g_autoptr(GBytes) light = render_widget (plot, &width, &height);
    g_autoptr(GBytes) dark = NULL;

    g_settings_set_string (settings, "color-scheme", "dark");
    gui_spin (300);
    dark = render_widget (plot, &width, &height);
    g_assert_false (g_bytes_equal (light, dark));
    g_settings_reset (settings, "color-scheme");
    gui_spin (100);
  }

  /* The main window's threshold moves to 0.3: the histogram's mark, the curve's point and
   * the bias finder's errors follow, as the core computes them at 0.3. */
  {
    g_autoptr(BitlensBiasReport) bias_low = NULL;
    BitlensConfusion at_low;
    const BitlensBiasAttribute *luma = NULL;

    g_object_set (window, "threshold", 0.3, NULL);
    g_assert_cmpfloat (bitlens_statistics_window_get_threshold (statistics), ==, 0.3);
    g_assert_true (gui_wait_until (statistics_done, statistics, TIMEOUT_MS));
    gui_spin (100);
    g_assert_cmpfloat (bitlens_histogram_plot_get_threshold (bitlens_statistics_window_get_histogram_plot (statistics, 0)), ==, 0.3);
    bitlens_evaluation_count (evaluation, NULL, 0.3, &at_low);
    bitlens_curve_plot_get_threshold_point (bitlens_statistics_window_get_curve_plot (statistics), 0, &recall, &precision);
    g_assert_cmpfloat (recall, ==, bitlens_confusion_get_metric (&at_low, BITLENS_METRIC_RECALL));
    g_assert_cmpfloat (precision, ==, bitlens_confusion_get_metric (&at_low, BITLENS_METRIC_PRECISION));
    g_assert_cmpfloat (recall, >, bitlens_confusion_get_metric (&at_half, BITLENS_METRIC_RECALL));

    bias_options.threshold = 0.3;
    bias_low = bitlens_bias_analyze (dataset, evaluation, &bias_options, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (bitlens_bias_report_get_options (bias_low)->threshold, ==, 0.3);
    for (guint a = 0; a < bitlens_bias_report_get_n_attributes (bias_low); a++)
      if (g_str_equal (bitlens_bias_report_get_attribute (bias_low, a)->name, "mean_luma"))
        luma = bitlens_bias_report_get_attribute (bias_low, a);
    g_assert_nonnull (luma);
    /* At 0.3 the model's errors, so the bins' confusions, are not those at 0.5. */
    for (guint a = 0; a < bitlens_bias_report_get_n_attributes (bias); a++)
      if (g_str_equal (bitlens_bias_report_get_attribute (bias, a)->name, "mean_luma"))
        g_assert_true (memcmp (bitlens_bias_report_get_attribute (bias, a)->bins, luma->bins,
                               luma->n_bins * sizeof (BitlensBiasBin)) != 0);
    /* The attribute shown before stays shown, with the bins of the new errors. */
    g_assert_cmpstr (bitlens_bias_plot_get_name (bias_plot), ==, "mean_luma");
    g_assert_cmpuint (bitlens_bias_plot_get_n_bins (bias_plot), ==, luma->n_bins);
    for (guint b = 0; b < luma->n_bins; b++)
      g_assert_cmpmem (bitlens_bias_plot_get_bin (bias_plot, b), sizeof (BitlensBiasBin),
                       &luma->bins[b], sizeof (BitlensBiasBin));
    g_object_set (window, "threshold", 0.5, NULL);
  }

  gtk_window_destroy (GTK_WINDOW (statistics));
  gui_spin (50);
}

/* Closing the statistics window while it evaluates drops the late results. */
static void
test_statistics_close_while_busy (Fixture       *fixture,
                                  gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  GtkWindow *statistics;

  if (fixture->model_a == NULL || fixture->vww == NULL)
    return;
  gui_open_path (window, fixture->model_a);
  gui_open_path (window, fixture->vww);
  g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-statistics", NULL));
  statistics = find_statistics_window ();
  g_assert_nonnull (statistics);
  gui_spin (200);
  g_assert_true (bitlens_statistics_window_is_busy (BITLENS_STATISTICS_WINDOW (statistics)));
  gtk_window_destroy (statistics);
  gui_spin (3000);
}

static void
test_no_display (void)
{
  g_test_skip ("no display: run the GUI tests under xvfb-run (tools/test does)");
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("DISPLAY") == NULL || *g_getenv ("DISPLAY") == '\0')
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/datatests/no-display", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  ADD ("/datatests/run-and-slice", test_run_and_slice);
  ADD ("/datatests/spec-errors", test_spec_errors);
  ADD ("/datatests/spec-model", test_spec_model);
  ADD ("/datatests/command-line", test_command_line);
  ADD ("/datatests/statistics", test_statistics);
  ADD ("/datatests/statistics-close-while-busy", test_statistics_close_while_busy);
  return g_test_run ();
}
