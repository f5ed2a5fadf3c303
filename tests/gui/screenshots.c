/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bitlens-window-private.h"
#include "gui-util.h"

/* Renders the real application into PNG files: the start page, one image with its map, two
 * models compared, the dataset browser. Run by tools/screenshots under Xvfb with
 * GSK_RENDERER=cairo. Usage: bitlens-screenshots SHARED_DIR OUTPUT_DIR
 *
 * A screenshot embeds the images it shows, so it shows only scikit-image's sample images
 * (public domain or CC0) from SHARED_DIR/data/photos: never the vww (COCO) photos, whose
 * terms forbid copying them. Everything the window opens sits in one folder made here, at
 * the same place on every run ($TMPDIR/bitlens-screenshots, so the recent files on the start
 * page read the same): symbolic links to the two models and the person image, and the
 * dataset of the browser, sample-photos/, with links to sample images and their rows of
 * photos/labels.csv. The folder is removed at the end. */

#define PHOTOS "data/photos"
#define DEMO_FOLDER "bitlens-screenshots"
#define DATASET "sample-photos"

/* What the window opens, linked into the demo folder under their own names. */
static const char *const linked_files[] = {
  "models/tflm/person_detect.tflite",
  "models/mlperf_tiny/vww_96_int8.tflite",
  PHOTOS "/person/skimage_astronaut.png",      /* NASA, public domain */
};

/* The files of photos/ the browser shows, as labels.csv names them. */
static const char *const dataset_files[] = {
  "person/skimage_astronaut.png", "person/skimage_camera.png",
  "no_person/skimage_chelsea.png", "no_person/skimage_coffee.png", "no_person/skimage_horse.png",
  "no_person/skimage_hubble_deep_field.jpg", "no_person/skimage_rocket.jpg", "no_person/skimage_coins.png",
  "no_person/skimage_brick.png", "no_person/skimage_grass.png", "no_person/skimage_gravel.png",
  "no_person/skimage_moon.png",
};

static const char *output_dir;

static void
shoot (GtkWidget  *widget,
       const char *name)
{
  gui_screenshot_shoot (widget, output_dir, name, 300);
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
            const char    *folder,
            const char   **relative)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; relative[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (folder, relative[i], NULL);
      g_ptr_array_add (files, g_file_new_for_path (path));
    }
  bitlens_window_open_files (window, (GFile **) files->pdata, files->len);
}

static gboolean
is_dataset_file (const char *file)
{
  for (guint i = 0; i < G_N_ELEMENTS (dataset_files); i++)
    if (g_str_equal (file, dataset_files[i]))
      return TRUE;
  return FALSE;
}

static void
link_file (const char *source,
           const char *link)
{
  g_autofree char *folder = g_path_get_dirname (link);

  if (g_mkdir_with_parents (folder, 0755) != 0 || symlink (source, link) != 0)
    g_error ("cannot link %s to %s: %s", link, source, g_strerror (errno));
}

/* ROOT/sample-photos/ with person/ and no_person/ holding links to the images, and a
 * labels.csv of photos/labels.csv's header and the rows of those images, as they are. */
static void
make_dataset (const char *shared,
              const char *root)
{
  g_autofree char *photos = g_build_filename (shared, PHOTOS, NULL);
  g_autofree char *labels_path = g_build_filename (photos, "labels.csv", NULL);
  g_autofree char *csv_path = g_build_filename (root, DATASET, "labels.csv", NULL);
  g_autofree char *labels = NULL;
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_rows = 0;

  if (!g_file_get_contents (labels_path, &labels, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (labels, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *file = g_strndup (lines[i], strcspn (lines[i], ","));

      if (i == 0)
        g_string_append_printf (csv, "%s\n", lines[i]);
      else if (is_dataset_file (file))
        {
          g_autofree char *source = g_build_filename (photos, file, NULL);
          g_autofree char *link = g_build_filename (root, DATASET, file, NULL);

          link_file (source, link);
          g_string_append_printf (csv, "%s\n", lines[i]);
          n_rows++;
        }
    }
  if (n_rows != G_N_ELEMENTS (dataset_files))
    g_error ("%s lists %u of the %u sample images", labels_path, n_rows, (guint) G_N_ELEMENTS (dataset_files));
  if (!g_file_set_contents (csv_path, csv->str, -1, &error))
    g_error ("%s", error->message);
}

/* Removes what make_demo_folder () makes, and nothing else: a folder holding anything more
 * is left alone, with an error. */
static void
remove_demo_folder (const char *root)
{
  static const char *const folders[] = { DATASET "/person", DATASET "/no_person", DATASET, "" };

  for (guint i = 0; i < G_N_ELEMENTS (linked_files); i++)
    {
      g_autofree char *name = g_path_get_basename (linked_files[i]);
      g_autofree char *link = g_build_filename (root, name, NULL);

      if (g_file_test (link, G_FILE_TEST_IS_SYMLINK))
        g_unlink (link);
    }
  for (guint i = 0; i < G_N_ELEMENTS (dataset_files); i++)
    {
      g_autofree char *link = g_build_filename (root, DATASET, dataset_files[i], NULL);

      if (g_file_test (link, G_FILE_TEST_IS_SYMLINK))
        g_unlink (link);
    }
  {
    g_autofree char *csv = g_build_filename (root, DATASET, "labels.csv", NULL);
    g_unlink (csv);
  }
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *folder = g_build_filename (root, folders[i], NULL);
      g_rmdir (folder);
    }
  if (g_file_test (root, G_FILE_TEST_EXISTS))
    g_error ("%s holds files this tool did not make: not removing it", root);
}

/* $TMPDIR/bitlens-screenshots with the links and the dataset (made again from scratch). */
static char *
make_demo_folder (const char *shared)
{
  g_autofree char *root = g_build_filename (g_get_tmp_dir (), DEMO_FOLDER, NULL);

  remove_demo_folder (root);
  for (guint i = 0; i < G_N_ELEMENTS (linked_files); i++)
    {
      g_autofree char *source = g_build_filename (shared, linked_files[i], NULL);
      g_autofree char *name = g_path_get_basename (linked_files[i]);
      g_autofree char *link = g_build_filename (root, name, NULL);

      link_file (source, link);
    }
  make_dataset (shared, root);
  return g_steal_pointer (&root);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BitlensApplication) application = NULL;
  g_autofree char *root = NULL;
  BitlensWindow *window;
  const char *shared;

  if (!gui_screenshot_tool_init (argc, argv, &shared, &output_dir))
    return 2;
  root = make_demo_folder (shared);

  application = gui_application_new ();
  /* BITLENS_SCREENSHOT_STYLE=dark renders the dark style. */
  if (g_strcmp0 (g_getenv ("BITLENS_SCREENSHOT_STYLE"), "dark") == 0)
    g_settings_set_string (bitlens_application_get_settings (application), "color-scheme", "dark");
  window = bitlens_window_new (application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gui_present (GTK_WINDOW (window));

  open_paths (window, root, (const char *[]) { "person_detect.tflite", "skimage_astronaut.png", NULL });
  gui_wait_until (has_map_a, window, 120000);
  shoot (GTK_WIDGET (window), "single-view.png");

  {
    g_autofree char *path = g_build_filename (root, "vww_96_int8.tflite", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    bitlens_window_open_compare_model (window, file);
  }
  gui_wait_until (has_maps_ab, window, 120000);
  shoot (GTK_WIDGET (window), "compare-mode.png");

  open_paths (window, root, (const char *[]) { DATASET, NULL });
  gui_wait_until (gui_window_is_idle, window, 600000);
  gui_wait_until (has_maps_ab, window, 120000);
  /* The worst mistakes first, the worst one shown: what the browser is for. */
  bitlens_browser_set_sort (window->browser, BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE);
  bitlens_browser_select_position (window->browser, 0);
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
  remove_demo_folder (root);
  return 0;
}
