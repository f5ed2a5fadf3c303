/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"


#include "bitlens-statistics-window.h"
#include "bitlens-window-private.h"
#include "gui-util.h"

/* Renders the data unit tests and the statistics window of the real application into PNG
 * files: data-unit-tests.png (a spec run on two models, a slice's mistakes in the list) and
 * statistics.png (plots of vww: numbers only, no photo). The window shows photos, so the
 * dataset there is scikit-image's samples (public domain, CC0), never vww's.
 * Run by tools/screenshots under Xvfb with GSK_RENDERER=cairo.
 * Usage: bitlens-screenshots-datatests SHARED_DIR OUTPUT_DIR */

static const char *output_dir;

static void
shoot (GtkWidget  *widget,
       const char *name)
{
  gui_screenshot_shoot (widget, output_dir, name, 400);
}

static gboolean
has_report_and_map (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_get_datatest_report (window) != NULL
         && bitlens_window_has_map (window, BITLENS_SLOT_A) && bitlens_window_has_map (window, BITLENS_SLOT_B);
}

static gboolean
has_report (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_get_datatest_report (window) != NULL;
}

static gboolean
statistics_done (gpointer statistics)
{
  return !bitlens_statistics_window_is_busy (statistics);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BitlensApplication) application = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *spec_text = NULL;
  g_autofree char *model_a = NULL;
  g_autofree char *model_b = NULL;
  g_autofree char *vww = NULL;
  BitlensWindow *window;
  BitlensStatisticsWindow *statistics;
  const char *shared;

  if (!gui_screenshot_tool_init (argc, argv, &shared, &output_dir))
    return 2;

  model_a = g_build_filename (shared, "models/tflm/person_detect.tflite", NULL);
  model_b = g_build_filename (shared, "models/mlperf_tiny/vww_96_int8.tflite", NULL);
  vww = g_build_filename (shared, "data/vww", NULL);
  root = g_dir_make_tmp ("bitlens-screenshots-XXXXXX", &error);
  if (root == NULL)
    g_error ("%s", error->message);
  dataset = gui_make_sample_dataset (shared, root, "sample-photos");
  spec = g_build_filename (root, "sample-photos.spec", NULL);
  spec_text = g_strdup_printf ("# Data unit tests of the sample photos\n"
                               "[dataset]\n"
                               "path=%s\n"
                               "\n"
                               "[test no_person]\n"
                               "where=label == 0\n"
                               "metric=false_positive_rate\n"
                               "max=0.2\n"
                               "\n"
                               "[test person]\n"
                               "where=label == 1\n"
                               "metric=recall\n"
                               "min=0.5\n"
                               "\n"
                               "[test dark_no_person]\n"
                               "where=label == 0 && mean_luma < 100\n"
                               "metric=accuracy\n"
                               "min=0.8\n"
                               "\n"
                               "[test grayscale]\n"
                               "where=mode == \"L\"\n"
                               "metric=accuracy\n"
                               "min=0.75\n",
                               dataset);
  if (!g_file_set_contents (spec, spec_text, -1, &error))
    g_error ("%s", error->message);

  application = gui_application_new ();
  if (g_strcmp0 (g_getenv ("BITLENS_SCREENSHOT_STYLE"), "dark") == 0)
    g_settings_set_string (bitlens_application_get_settings (application), "color-scheme", "dark");
  window = bitlens_window_new (application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  gui_present (GTK_WINDOW (window));

  /* Two models, the spec, then a click on the no-person test: its false positives. */
  gui_open_path (window, model_a);
  {
    g_autoptr(GFile) file = g_file_new_for_path (model_b);
    bitlens_window_open_compare_model (window, file);
  }
  gui_open_path (window, spec);
  gui_wait_until (has_report, window, 300000);
  bitlens_datatest_panel_activate_row (window->datatest_panel, 0);
  gui_wait_until (has_report_and_map, window, 300000);
  shoot (GTK_WIDGET (window), "data-unit-tests.png");
  gtk_window_destroy (GTK_WINDOW (window));

  /* The statistics of vww: plots only, no photo in them. */
  window = bitlens_window_new (application);
  gui_present (GTK_WINDOW (window));
  gui_open_path (window, model_a);
  {
    g_autoptr(GFile) file = g_file_new_for_path (model_b);
    bitlens_window_open_compare_model (window, file);
  }
  gui_open_path (window, vww);
  gui_wait_until (gui_window_is_idle, window, 300000);
  statistics = bitlens_statistics_window_new (window->dataset, window->models[BITLENS_SLOT_A],
                                              window->models[BITLENS_SLOT_B], 0.5);
  gtk_window_set_default_size (GTK_WINDOW (statistics), 1000, 1450);
  gui_present (GTK_WINDOW (statistics));
  gui_wait_until (statistics_done, statistics, 300000);
  shoot (GTK_WIDGET (statistics), "statistics.png");
  gtk_window_destroy (GTK_WINDOW (statistics));
  gtk_window_destroy (GTK_WINDOW (window));

  gui_remove_tree (root);
  return 0;
}
