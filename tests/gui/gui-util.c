/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gui-util.h"

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gui_wait_until (GuiCondition condition,
                gpointer     user_data,
                guint        timeout_ms)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add (timeout_ms, on_timeout, &expired);

  while (!condition (user_data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (source);
  return condition (user_data);
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

void
gui_spin (guint ms)
{
  gui_wait_until (never, NULL, ms);
}

BitlensApplication *
gui_application_new (void)
{
  BitlensApplication *application = bitlens_application_new (G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;

  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  return application;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

void
gui_present (GtkWindow *window)
{
  gtk_window_present (window);
  gui_wait_until (is_mapped, window, 5000);
  gui_spin (100);
}

gboolean
gui_save_screenshot (GtkWidget   *widget,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the widget drew nothing");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
gui_screenshot_tool_init (int           argc,
                          char         *argv[],
                          const char  **shared,
                          const char  **output_dir)
{
  if (argc != 3)
    {
      g_printerr ("usage: %s SHARED_DIR OUTPUT_DIR\n", argv[0]);
      return FALSE;
    }
  *shared = argv[1];
  *output_dir = argv[2];
  setlocale (LC_ALL, "");
  if (g_getenv ("BITLENS_LOCALEDIR") != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BITLENS_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  gtk_init ();
  adw_init ();
  return TRUE;
}

void
gui_screenshot_shoot (GtkWidget  *widget,
                      const char *output_dir,
                      const char *name,
                      guint       settle_ms)
{
  g_autofree char *path = g_build_filename (output_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  gui_spin (settle_ms);
  if (!gui_save_screenshot (widget, path, &error))
    g_error ("%s", error->message);
  g_print ("wrote %s\n", path);
}

void
gui_open_path (BitlensWindow *window,
               const char    *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  bitlens_window_open_files (window, &file, 1);
}

GtkWindow *
gui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

gboolean
gui_window_is_idle (gpointer window)
{
  return !bitlens_window_is_busy (BITLENS_WINDOW (window));
}

char *
gui_make_sample_dataset (const char *shared,
                         const char *root,
                         const char *name)
{
  g_autofree char *photos = g_build_filename (shared, "data", "photos", NULL);
  g_autofree char *labels_path = g_build_filename (photos, "labels.csv", NULL);
  g_autofree char *dataset = g_build_filename (root, name, NULL);
  g_autofree char *csv_path = g_build_filename (dataset, "labels.csv", NULL);
  g_autofree char *labels = NULL;
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (labels_path, &labels, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (labels, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *file = g_strndup (lines[i], strcspn (lines[i], ","));
      g_autofree char *base = g_path_get_basename (file);
      g_autofree char *folder = NULL;
      g_autofree char *source = NULL;
      g_autofree char *link = NULL;

      if (i == 0)
        {
          g_string_append_printf (csv, "%s\n", lines[i]);
          continue;
        }
      if (!g_str_has_prefix (base, "skimage_"))
        continue;
      source = g_build_filename (photos, file, NULL);
      link = g_build_filename (dataset, file, NULL);
      folder = g_path_get_dirname (link);
      if (g_mkdir_with_parents (folder, 0755) != 0 || (symlink (source, link) != 0 && errno != EEXIST))
        g_error ("could not link %s", link);
      g_string_append_printf (csv, "%s\n", lines[i]);
    }
  if (!g_file_set_contents (csv_path, csv->str, -1, &error))
    g_error ("%s", error->message);
  return g_steal_pointer (&dataset);
}

void
gui_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      gui_remove_tree (child);
    }
  g_rmdir (path);
}
