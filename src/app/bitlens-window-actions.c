/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include "bitlens-model-info.h"
#include "bitlens-window-private.h"

typedef enum
{
  CHOOSE_ANYTHING,
  CHOOSE_MODEL,
  CHOOSE_COMPARE_MODEL,
  CHOOSE_IMAGES,
  CHOOSE_FOLDER,
  CHOOSE_EXPORT_IMAGE,
  CHOOSE_EXPORT_FOLDER,
  CHOOSE_SPEC,
} ChooserPurpose;

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char    **patterns,
            const char    **mime_types)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  for (guint i = 0; mime_types != NULL && mime_types[i] != NULL; i++)
    gtk_file_filter_add_mime_type (filter, mime_types[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static const char *model_patterns[] = { "*.tflite", "*.TFLITE", NULL };
static const char *image_mime_types[] = { "image/png", "image/jpeg", NULL };
static const char *image_patterns[] = { "*.png", "*.jpg", "*.jpeg", "*.PNG", "*.JPG", "*.JPEG", NULL };
static const char *any_patterns[] = { "*.tflite", "*.png", "*.jpg", "*.jpeg", "*.PNG", "*.JPG", "*.JPEG", "*.spec", NULL };
static const char *spec_patterns[] = { "*.spec", "*.SPEC", NULL };
static const char *all_patterns[] = { "*", NULL };

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     BitlensWindow   *self)
{
  ChooserPurpose purpose = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "purpose"));
  g_autoptr(GListModel) files = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    goto out;

  files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  switch (purpose)
    {
    case CHOOSE_ANYTHING:
    case CHOOSE_IMAGES:
    case CHOOSE_FOLDER:
      {
        g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);

        for (guint i = 0; i < g_list_model_get_n_items (files); i++)
          g_ptr_array_add (array, g_list_model_get_item (files, i));
        bitlens_window_open_files (self, (GFile **) array->pdata, array->len);
      }
      break;
    case CHOOSE_MODEL:
      bitlens_window_load_model (self, BITLENS_SLOT_A, file);
      break;
    case CHOOSE_COMPARE_MODEL:
      bitlens_window_load_model (self, BITLENS_SLOT_B, file);
      break;
    case CHOOSE_EXPORT_IMAGE:
      {
        g_autoptr(GError) error = NULL;

        path = g_file_get_path (file);
        if (path == NULL || !bitlens_window_export_current (self, path, &error))
          bitlens_window_show_error (self, _("Could not export the image"), error);
        else
          {
            g_autofree char *name = g_file_get_basename (file);
            g_autofree char *message = g_strdup_printf (_("Saved “%s”"), name);
            bitlens_window_show_error (self, message, NULL);
          }
      }
      break;
    case CHOOSE_EXPORT_FOLDER:
      path = g_file_get_path (file);
      if (path != NULL)
        bitlens_window_export_shown_items (self, path);
      break;
    case CHOOSE_SPEC:
      bitlens_window_open_spec (self, file);
      break;
    default:
      g_assert_not_reached ();
    }

out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose (BitlensWindow  *self,
        ChooserPurpose  purpose)
{
  GtkFileChooserAction action = GTK_FILE_CHOOSER_ACTION_OPEN;
  const char *title = NULL;
  const char *accept = _("_Open");
  GtkFileChooserNative *dialog;
  GtkFileChooser *chooser;

  switch (purpose)
    {
    case CHOOSE_ANYTHING:
      title = _("Open a Model and Images");
      break;
    case CHOOSE_MODEL:
      title = _("Open a Model");
      break;
    case CHOOSE_COMPARE_MODEL:
      title = _("Compare With a Second Model");
      break;
    case CHOOSE_IMAGES:
      title = _("Open Images");
      break;
    case CHOOSE_FOLDER:
      title = _("Open a Folder or Labelled Dataset");
      action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
      break;
    case CHOOSE_EXPORT_IMAGE:
      title = _("Export the Annotated Image");
      action = GTK_FILE_CHOOSER_ACTION_SAVE;
      accept = _("_Save");
      break;
    case CHOOSE_EXPORT_FOLDER:
      title = _("Export the Shown Images Into a Folder");
      action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
      accept = _("_Export");
      break;
    case CHOOSE_SPEC:
      title = _("Open Data Unit Tests");
      break;
    default:
      g_assert_not_reached ();
    }

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (dialog);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "purpose", GINT_TO_POINTER (purpose));

  switch (purpose)
    {
    case CHOOSE_ANYTHING:
      gtk_file_chooser_set_select_multiple (chooser, TRUE);
      add_filter (chooser, _("Models and images"), any_patterns, NULL);
      add_filter (chooser, _("Models (.tflite)"), model_patterns, NULL);
      add_filter (chooser, _("Images (PNG, JPEG)"), image_patterns, image_mime_types);
      add_filter (chooser, _("Data unit tests (.spec)"), spec_patterns, NULL);
      break;
    case CHOOSE_SPEC:
      add_filter (chooser, _("Data unit tests (.spec)"), spec_patterns, NULL);
      add_filter (chooser, _("All files"), all_patterns, NULL);
      break;
    case CHOOSE_MODEL:
    case CHOOSE_COMPARE_MODEL:
      add_filter (chooser, _("Models (.tflite)"), model_patterns, NULL);
      break;
    case CHOOSE_IMAGES:
      gtk_file_chooser_set_select_multiple (chooser, TRUE);
      add_filter (chooser, _("Images (PNG, JPEG)"), image_patterns, image_mime_types);
      break;
    case CHOOSE_EXPORT_IMAGE:
      {
        BitlensImageItem *item = bitlens_window_get_current_item (self);
        g_autofree char *base = g_strdup (item != NULL ? bitlens_image_item_get_name (item) : "image");
        g_autofree char *name = NULL;
        char *dot = strrchr (base, '.');

        if (dot != NULL && dot != base)
          *dot = '\0';
        name = g_strdup_printf ("%s-saliency.png", base);
        gtk_file_chooser_set_current_name (chooser, name);
        add_filter (chooser, _("PNG images"), NULL, (const char *[]) { "image/png", NULL });
      }
      break;
    case CHOOSE_FOLDER:
    case CHOOSE_EXPORT_FOLDER:
    default:
      break;
    }

  g_signal_connect (dialog, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BitlensWindow *self = BITLENS_WINDOW (widget);

  if (g_str_equal (action_name, "win.open"))
    choose (self, CHOOSE_ANYTHING);
  else if (g_str_equal (action_name, "win.open-model"))
    choose (self, CHOOSE_MODEL);
  else if (g_str_equal (action_name, "win.open-compare-model"))
    choose (self, self->models[BITLENS_SLOT_A] != NULL ? CHOOSE_COMPARE_MODEL : CHOOSE_MODEL);
  else if (g_str_equal (action_name, "win.open-images"))
    choose (self, CHOOSE_IMAGES);
  else if (g_str_equal (action_name, "win.open-folder"))
    choose (self, CHOOSE_FOLDER);
  else if (g_str_equal (action_name, "win.export-image"))
    choose (self, CHOOSE_EXPORT_IMAGE);
  else if (g_str_equal (action_name, "win.export-batch"))
    choose (self, CHOOSE_EXPORT_FOLDER);
  else if (g_str_equal (action_name, "win.open-spec"))
    choose (self, CHOOSE_SPEC);
  else
    g_assert_not_reached ();
}

static void
open_path_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  bitlens_window_open_files (BITLENS_WINDOW (widget), &file, 1);
}

static void
model_info_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  BitlensWindow *self = BITLENS_WINDOW (widget);
  BitlensSlot slot = g_str_equal (action_name, "win.model-info-b") ? BITLENS_SLOT_B : BITLENS_SLOT_A;
  BitlensModelInfo *info;

  if (self->models[slot] == NULL)
    return;
  info = bitlens_model_info_new (self->models[slot]);
  gtk_window_set_transient_for (GTK_WINDOW (info), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (info));
}

static void
view_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BitlensWindow *self = BITLENS_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    bitlens_image_view_zoom_in (self->image_view);
  else if (g_str_equal (action_name, "win.zoom-out"))
    bitlens_image_view_zoom_out (self->image_view);
  else if (g_str_equal (action_name, "win.zoom-fit"))
    bitlens_image_view_zoom_fit (self->image_view);
  else if (g_str_equal (action_name, "win.next-image"))
    bitlens_browser_move_selection (self->browser, 1);
  else if (g_str_equal (action_name, "win.previous-image"))
    bitlens_browser_move_selection (self->browser, -1);
  else if (g_str_equal (action_name, "win.show-browser"))
    adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
  else if (g_str_equal (action_name, "win.cancel"))
    bitlens_window_cancel_jobs (self);
  else if (g_str_equal (action_name, "win.compute-saliency"))
    bitlens_window_compute_saliency (self, TRUE);
  else if (g_str_equal (action_name, "win.run-spec"))
    bitlens_window_run_spec (self);
  else if (g_str_equal (action_name, "win.close-spec"))
    bitlens_window_close_spec (self);
  else if (g_str_equal (action_name, "win.show-statistics"))
    bitlens_window_show_statistics (self);
  else if (g_str_equal (action_name, "win.show-failures"))
    {
      adw_flap_set_reveal_flap (self->flap, TRUE);
      bitlens_browser_set_filter (self->browser, BITLENS_BROWSER_FILTER_FAILURES);
      bitlens_browser_set_sort (self->browser, BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE);
    }
  else
    g_assert_not_reached ();
}

void
bitlens_window_class_add_actions (GtkWidgetClass *widget_class)
{
  static const char *open_actions[] = {
    "win.open", "win.open-model", "win.open-compare-model", "win.open-images", "win.open-folder",
    "win.export-image", "win.export-batch", "win.open-spec",
  };
  static const char *view_actions[] = {
    "win.zoom-in", "win.zoom-out", "win.zoom-fit", "win.next-image", "win.previous-image",
    "win.show-browser", "win.cancel", "win.compute-saliency", "win.show-failures",
    "win.run-spec", "win.close-spec", "win.show-statistics",
  };

  for (guint i = 0; i < G_N_ELEMENTS (open_actions); i++)
    gtk_widget_class_install_action (widget_class, open_actions[i], NULL, open_action);
  for (guint i = 0; i < G_N_ELEMENTS (view_actions); i++)
    gtk_widget_class_install_action (widget_class, view_actions[i], NULL, view_action);
  gtk_widget_class_install_action (widget_class, "win.open-path", "s", open_path_action);
  gtk_widget_class_install_action (widget_class, "win.model-info", NULL, model_info_action);
  gtk_widget_class_install_action (widget_class, "win.model-info-b", NULL, model_info_action);
  gtk_widget_class_install_property_action (widget_class, "win.compare", "comparing");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.open-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.compare", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-batch", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.model-info", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.compute-saliency", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.show-failures", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "win.next-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "win.previous-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.show-browser", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

/* The one place that decides which actions can run now. */
void
bitlens_window_update_actions (BitlensWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean has_model = self->models[BITLENS_SLOT_A] != NULL;
  gboolean has_items = g_list_model_get_n_items (G_LIST_MODEL (self->items)) > 0;
  gboolean has_image = self->current_image != NULL;
  gboolean has_map = self->maps[BITLENS_SLOT_A] != NULL;

  if (self->disposed)
    return;
  gtk_widget_action_set_enabled (widget, "win.open-compare-model", TRUE);
  gtk_widget_action_set_enabled (widget, "win.compare", has_model);
  gtk_widget_action_set_enabled (widget, "win.model-info", has_model);
  gtk_widget_action_set_enabled (widget, "win.model-info-b", self->models[BITLENS_SLOT_B] != NULL);
  gtk_widget_action_set_enabled (widget, "win.compute-saliency", has_model && has_image);
  gtk_widget_action_set_enabled (widget, "win.export-image", has_map && has_image);
  gtk_widget_action_set_enabled (widget, "win.export-batch", has_model && has_items);
  gtk_widget_action_set_enabled (widget, "win.zoom-in", has_image);
  gtk_widget_action_set_enabled (widget, "win.zoom-out", has_image);
  gtk_widget_action_set_enabled (widget, "win.zoom-fit", has_image);
  gtk_widget_action_set_enabled (widget, "win.next-image", has_items);
  gtk_widget_action_set_enabled (widget, "win.previous-image", has_items);
  gtk_widget_action_set_enabled (widget, "win.show-browser", has_items);
  gtk_widget_action_set_enabled (widget, "win.show-failures", has_items && has_model);
  gtk_widget_action_set_enabled (widget, "win.cancel", self->jobs->len > 0);
  gtk_widget_action_set_enabled (widget, "win.run-spec", bitlens_window_has_spec (self));
  gtk_widget_action_set_enabled (widget, "win.close-spec", bitlens_window_has_spec (self));
  gtk_widget_action_set_enabled (widget, "win.show-statistics", has_model && self->dataset != NULL);
}
