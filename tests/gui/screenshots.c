/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "gui-util.h"

/* Renders the real application into PNG files: the start page, one image with its map, two
 * models compared, the dataset browser. Run by tools/screenshots under Xvfb with
 * GSK_RENDERER=cairo. Usage: bitlens-screenshots SHARED_DIR OUTPUT_DIR */

static const char *output_dir;

static void
shoot (GtkWidget  *widget,
       const char *name)
{
  g_autofree char *path = g_build_filename (output_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  gui_spin (300);
  if (!gui_save_screenshot (widget, path, &error))
    g_error ("%s", error->message);
  g_print ("wrote %s\n", path);
}

static gboolean
has_map_a (gpointer window)
{
  return !bitlens_window_is_busy (window) && bitlens_window_has_map (window, BITLENS_SLOT_A);
}

static gboolean
has_maps_ab (gpointer window)
{
  return !bitlens_window_is_busy (window) && bitlens_window_has_map (window, BITLENS_SLOT_A)
         && bitlens_window_has_map (window, BITLENS_SLOT_B);
}

static void
open_paths (BitlensWindow *window,
            const char    *shared,
            const char   **relative)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; relative[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (shared, relative[i], NULL);
      g_ptr_array_add (files, g_file_new_for_path (path));
    }
  bitlens_window_open_files (window, (GFile **) files->pdata, files->len);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BitlensApplication) application = NULL;
  BitlensWindow *window;
  const char *shared;

  if (argc != 3)
    {
      g_printerr ("usage: %s SHARED_DIR OUTPUT_DIR\n", argv[0]);
      return 2;
    }
  shared = argv[1];
  output_dir = argv[2];
  setlocale (LC_ALL, "");
  if (g_getenv ("BITLENS_LOCALEDIR") != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BITLENS_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  gtk_init ();
  adw_init ();

  application = gui_application_new ();
  /* BITLENS_SCREENSHOT_STYLE=dark renders the dark style. */
  if (g_strcmp0 (g_getenv ("BITLENS_SCREENSHOT_STYLE"), "dark") == 0)
    g_settings_set_string (bitlens_application_get_settings (application), "color-scheme", "dark");
  window = bitlens_window_new (application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gui_present (GTK_WINDOW (window));

  open_paths (window, shared, (const char *[]) { "models/tflm/person_detect.tflite", "data/vww/person/000000000785.png", NULL });
  gui_wait_until (has_map_a, window, 120000);
  shoot (GTK_WIDGET (window), "single-view.png");

  {
    g_autofree char *path = g_build_filename (shared, "models/mlperf_tiny/vww_96_int8.tflite", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    bitlens_window_open_compare_model (window, file);
  }
  gui_wait_until (has_maps_ab, window, 120000);
  shoot (GTK_WIDGET (window), "compare-mode.png");

  open_paths (window, shared, (const char *[]) { "data/vww", NULL });
  gui_wait_until (gui_window_is_idle, window, 600000);
  gui_wait_until (has_maps_ab, window, 120000);
  shoot (GTK_WIDGET (window), "dataset-browser.png");

  gtk_window_destroy (GTK_WINDOW (window));

  /* Last, so that the start page lists the files opened above as recent. */
  window = bitlens_window_new (application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gui_present (GTK_WINDOW (window));
  shoot (GTK_WIDGET (window), "start-page.png");
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
