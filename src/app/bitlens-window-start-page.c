/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-window-private.h"

/* The start page: the loaded model, bundled demo models and recent files. */

#define RECENT_APPLICATION "bitlens"
#define MAX_RECENT_ROWS 6

static GtkWidget *
path_row_new (const char *path,
              const char *icon_name,
              const char *kind)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *display_folder = g_filename_display_name (folder);
  g_autofree char *display_name = g_filename_display_name (name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), display_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display_folder);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, kind, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-path");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (path));
  return row;
}

/* The icon of a path and what it says to a screen reader. */
static const char *
icon_for_path (const char  *path,
               const char **kind)
{
  if (g_str_has_suffix (path, ".tflite"))
    {
      *kind = _("Model");
      return "application-x-executable-symbolic";
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      *kind = _("Folder");
      return "folder-symbolic";
    }
  if (!g_str_has_suffix (path, ".png") && !g_str_has_suffix (path, ".jpg") && !g_str_has_suffix (path, ".jpeg"))
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      if (bitlens_window_file_is_spec (file))
        {
          *kind = _("Data unit tests");
          return "checkbox-checked-symbolic";
        }
    }
  *kind = _("Image");
  return "image-x-generic-symbolic";
}

static void
list_box_remove_all (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* Newest version first: bitlens-person-v2 before bitlens-person-v1. */
static int
compare_names_descending (gconstpointer a,
                          gconstpointer b)
{
  return g_strcmp0 (*(const char **) b, *(const char **) a);
}

/* Bundled demo models: the .tflite files in data/models of the source tree or of the
 * installed data, newest version first (the window loads the first one). */
GPtrArray *
bitlens_window_find_demo_models (void)
{
  const char *folders[] = { BITLENS_SOURCE_DATADIR "/models", BITLENS_DATADIR "/models" };
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autoptr(GDir) dir = g_dir_open (folders[i], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".tflite"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names_descending);
      for (guint j = 0; j < names->len; j++)
        g_ptr_array_add (paths, g_build_filename (folders[i], g_ptr_array_index (names, j), NULL));
      if (paths->len > 0)
        break;   /* the source tree's models shadow the installed copies */
    }
  return paths;
}

/* The row that compares the two newest demo models: the newest as model A, the one
 * before as model B (which turns compare mode on). */
static void
on_compare_demos_activated (AdwActionRow  *row,
                            BitlensWindow *self)
{
  g_autoptr(GPtrArray) demos = bitlens_window_find_demo_models ();
  g_autoptr(GFile) newest = NULL;
  g_autoptr(GFile) previous = NULL;

  if (demos->len < 2)
    return;
  newest = g_file_new_for_path (g_ptr_array_index (demos, 0));
  previous = g_file_new_for_path (g_ptr_array_index (demos, 1));
  bitlens_window_load_model (self, BITLENS_SLOT_A, newest);
  bitlens_window_load_model (self, BITLENS_SLOT_B, previous);
}

static GtkWidget *
compare_demos_row_new (BitlensWindow *self,
                       const char    *newest,
                       const char    *previous)
{
  g_autofree char *newest_name = g_path_get_basename (newest);
  g_autofree char *previous_name = g_path_get_basename (previous);
  g_autofree char *subtitle = g_strdup_printf (_("%s as model A, %s as model B"), newest_name, previous_name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("view-dual-symbolic");
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Compare the Demo Models"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Compare"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect_object (row, "activated", G_CALLBACK (on_compare_demos_activated), self, 0);
  return row;
}

static int
compare_recent_by_time (gconstpointer a,
                        gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **) a;
  GtkRecentInfo *info_b = *(GtkRecentInfo **) b;
  GDateTime *time_a = gtk_recent_info_get_modified (info_a);
  GDateTime *time_b = gtk_recent_info_get_modified (info_b);

  return g_date_time_compare (time_b, time_a);
}

void
bitlens_window_update_start_page (BitlensWindow *self)
{
  g_autoptr(GPtrArray) demos = bitlens_window_find_demo_models ();
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GList *recent = gtk_recent_manager_get_items (manager);
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);
  guint n_rows = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->loaded_group), self->models[BITLENS_SLOT_A] != NULL);
  if (self->models[BITLENS_SLOT_A] != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->loaded_row),
                                     bitlens_model_get_name (self->models[BITLENS_SLOT_A]));
      adw_action_row_set_subtitle (self->loaded_row, _("Ready: open images or a dataset to run it"));
    }

  list_box_remove_all (self->demo_list);
  for (guint i = 0; i < demos->len; i++)
    gtk_list_box_append (self->demo_list, path_row_new (g_ptr_array_index (demos, i), "starred-symbolic", _("Demo model")));
  if (demos->len >= 2)
    gtk_list_box_append (self->demo_list, compare_demos_row_new (self, g_ptr_array_index (demos, 0),
                                                                 g_ptr_array_index (demos, 1)));
  gtk_widget_set_visible (GTK_WIDGET (self->demo_group), demos->len > 0);

  for (GList *l = recent; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;

      if (gtk_recent_info_has_application (info, RECENT_APPLICATION) && gtk_recent_info_exists (info))
        g_ptr_array_add (infos, gtk_recent_info_ref (info));
    }
  g_list_free_full (recent, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (infos, compare_recent_by_time);

  list_box_remove_all (self->recent_list);
  for (guint i = 0; i < infos->len && n_rows < MAX_RECENT_ROWS; i++)
    {
      g_autofree char *path = g_filename_from_uri (gtk_recent_info_get_uri (g_ptr_array_index (infos, i)), NULL, NULL);

      if (path == NULL)
        continue;
      const char *kind = NULL;
      const char *icon = icon_for_path (path, &kind);

      gtk_list_box_append (self->recent_list, path_row_new (path, icon, kind));
      n_rows++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), n_rows > 0);
}

void
bitlens_window_add_recent (GFile      *file,
            const char *mime_type)
{
  g_autofree char *uri = g_file_get_uri (file);
  GtkRecentData data = {
    .display_name = NULL,
    .description = NULL,
    .mime_type = (char *) mime_type,
    .app_name = (char *) RECENT_APPLICATION,
    .app_exec = (char *) "bitlens %f",
    .groups = NULL,
    .is_private = FALSE,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

