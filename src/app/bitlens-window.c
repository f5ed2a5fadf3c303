/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-window-private.h"

G_DEFINE_FINAL_TYPE (BitlensWindow, bitlens_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_COMPARING,
  PROP_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------- messages */

/* Plain text in a toast (escaped here: toasts take Pango markup). */
void
bitlens_window_show_message (BitlensWindow *self,
                             const char    *message)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  if (self->disposed)
    return;
  g_free (self->last_message);
  self->last_message = g_strdup (message);
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
bitlens_window_show_error (BitlensWindow *self,
                           const char    *context,
                           const GError  *error)
{
  g_autofree char *message = NULL;

  if (error != NULL)
    message = g_strdup_printf ("%s: %s", context, error->message);
  else
    message = g_strdup (context);
  g_message ("%s", message);
  bitlens_window_show_message (self, message);
}

/* ---------------------------------------------------------------- browser refresh */

static gboolean
refresh_browser_now (gpointer user_data)
{
  BitlensWindow *self = user_data;

  self->refresh_source = 0;
  bitlens_browser_refresh (self->browser);
  bitlens_window_update_actions (self);
  return G_SOURCE_REMOVE;
}

/* Scores arrive by the hundred: filter and sort again at most a few times a second. */
void
bitlens_window_schedule_browser_refresh (BitlensWindow *self)
{
  if (self->disposed)
    return;
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (250, refresh_browser_now, self);
}

/* ---------------------------------------------------------------- titles and pages */

void
bitlens_window_update_titles (BitlensWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  if (self->models[BITLENS_SLOT_A] != NULL && self->comparing && self->models[BITLENS_SLOT_B] != NULL)
    /* Translators: model A versus model B in the title */
    title = g_strdup_printf (_("%s vs %s"), bitlens_model_get_name (self->models[BITLENS_SLOT_A]),
                             bitlens_model_get_name (self->models[BITLENS_SLOT_B]));
  else if (self->models[BITLENS_SLOT_A] != NULL)
    title = g_strdup (bitlens_model_get_name (self->models[BITLENS_SLOT_A]));
  else
    title = g_strdup (_("Bitlens"));

  if (self->current_item != NULL && self->dataset != NULL)
    subtitle = g_strdup_printf ("%s — %s", bitlens_dataset_get_name (self->dataset),
                                bitlens_image_item_get_name (self->current_item));
  else if (self->current_item != NULL)
    subtitle = g_strdup (bitlens_image_item_get_name (self->current_item));
  else if (n_items > 0)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images", n_items), n_items);
  else if (self->models[BITLENS_SLOT_A] == NULL)
    subtitle = g_strdup (_("No model"));

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self), title);

  bitlens_window_update_captions (self);
  bitlens_prediction_panel_set_model_name (self->prediction_panel, BITLENS_SLOT_A,
                                           self->models[BITLENS_SLOT_A] != NULL
                                           ? bitlens_model_get_name (self->models[BITLENS_SLOT_A]) : NULL);
  bitlens_prediction_panel_set_model_name (self->prediction_panel, BITLENS_SLOT_B,
                                           self->comparing && self->models[BITLENS_SLOT_B] != NULL
                                           ? bitlens_model_get_name (self->models[BITLENS_SLOT_B]) : NULL);
}

void
bitlens_window_update_main_page (BitlensWindow *self)
{
  gboolean has_items = g_list_model_get_n_items (G_LIST_MODEL (self->items)) > 0;

  gtk_stack_set_visible_child_name (self->main_stack, has_items ? "workspace" : "start");
  bitlens_window_update_start_page (self);
  bitlens_window_update_titles (self);
  bitlens_window_update_actions (self);
}

/* ---------------------------------------------------------------- drag and drop */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         BitlensWindow *self)
{
  GSList *list;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  if (files->len == 0)
    return FALSE;
  bitlens_window_open_files (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

/* ---------------------------------------------------------------- properties */

gboolean
bitlens_window_get_comparing (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  return self->comparing;
}

void
bitlens_window_set_comparing (BitlensWindow *self,
                              gboolean       comparing)
{
  g_return_if_fail (BITLENS_IS_WINDOW (self));

  comparing = !!comparing;
  if (comparing && self->models[BITLENS_SLOT_B] == NULL)
    {
      /* Nothing to compare with yet: ask for the second model first. */
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open-compare-model", NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
      return;
    }
  if (self->comparing == comparing)
    return;
  self->comparing = comparing;

  gtk_widget_set_visible (GTK_WIDGET (self->image_view_b), comparing);
  gtk_widget_set_visible (GTK_WIDGET (self->image_view_diff), comparing);
  bitlens_browser_set_comparing (self->browser, comparing);
  if (!comparing && bitlens_browser_get_filter (self->browser) == BITLENS_BROWSER_FILTER_DISAGREEMENTS)
    bitlens_browser_set_filter (self->browser, BITLENS_BROWSER_FILTER_ALL);
  bitlens_window_update_titles (self);
  bitlens_window_compute_saliency (self, FALSE);
  bitlens_window_datatests_models_changed (self);
  bitlens_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
}

gboolean
bitlens_window_is_empty (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), TRUE);
  return g_list_model_get_n_items (G_LIST_MODEL (self->items)) == 0;
}

GListModel *
bitlens_window_get_items (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->items);
}

BitlensImageItem *
bitlens_window_get_current_item (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), NULL);
  return self->current_item;
}

static void
set_threshold (BitlensWindow *self,
               double         threshold)
{
  if (self->threshold == threshold)
    return;
  self->threshold = threshold;
  bitlens_window_datatests_models_changed (self);
  bitlens_browser_set_threshold (self->browser, threshold);
  bitlens_prediction_panel_set_threshold (self->prediction_panel, threshold);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

static void
bitlens_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARING:
      bitlens_window_set_comparing (self, g_value_get_boolean (value));
      break;
    case PROP_THRESHOLD:
      set_threshold (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---------------------------------------------------------------- life cycle */

static void
bitlens_window_dispose (GObject *object)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->scoring_cancellable);
  g_cancellable_cancel (self->image_cancellable);
  bitlens_window_clear_maps (self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->browser != NULL)
    g_signal_handlers_disconnect_by_data (self->browser, self);
  if (self->image_view != NULL)
    g_signal_handlers_disconnect_by_data (self->image_view, self);
  if (self->saliency_panel != NULL)
    g_signal_handlers_disconnect_by_data (self->saliency_panel, self);
  g_clear_object (&self->current_item);
  bitlens_window_dispose_datatests (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_WINDOW);

  G_OBJECT_CLASS (bitlens_window_parent_class)->dispose (object);
}

static void
bitlens_window_finalize (GObject *object)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      g_clear_pointer (&self->models[slot], bitlens_model_unref);
      g_clear_pointer (&self->model_paths[slot], g_free);
    }
  g_clear_pointer (&self->dataset, bitlens_dataset_unref);
  g_clear_pointer (&self->current_image, bitlens_image_free);
  g_clear_pointer (&self->last_message, g_free);
  g_clear_pointer (&self->score_cache, g_hash_table_unref);
  g_clear_pointer (&self->map_cache, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->items);
  g_clear_object (&self->settings);
  g_clear_object (&self->scoring_cancellable);
  g_clear_object (&self->image_cancellable);

  G_OBJECT_CLASS (bitlens_window_parent_class)->finalize (object);
}

static void
bitlens_window_class_init (BitlensWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_window_dispose;
  object_class->finalize = bitlens_window_finalize;
  object_class->get_property = bitlens_window_get_property;
  object_class->set_property = bitlens_window_set_property;

  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BITLENS_TYPE_BROWSER);
  g_type_ensure (BITLENS_TYPE_COLORBAR);
  g_type_ensure (BITLENS_TYPE_DATATEST_PANEL);
  g_type_ensure (BITLENS_TYPE_IMAGE_VIEW);
  g_type_ensure (BITLENS_TYPE_PREDICTION_PANEL);
  g_type_ensure (BITLENS_TYPE_SALIENCY_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, loaded_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, loaded_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, demo_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, demo_list);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, browser);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view_b);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view_diff);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, readout_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, colorbar_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, colorbar);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, prediction_panel);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, saliency_panel);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, datatest_panel);

  bitlens_window_class_add_actions (widget_class);
}

static void
bind_views (BitlensWindow    *self,
            BitlensImageView *other)
{
  static const char *synced[] = { "zoom", "center-x", "center-y", "hover-x", "hover-y" };

  /* Zoom, pan and hover move together in compare mode. */
  for (guint i = 0; i < G_N_ELEMENTS (synced); i++)
    g_object_bind_property (self->image_view, synced[i], other, synced[i],
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

static void
bitlens_window_init (BitlensWindow *self)
{
  GtkDropTarget *drop_target;
  g_autoptr(GPtrArray) demos = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->threshold = 0.5;
  self->items = g_list_store_new (BITLENS_TYPE_IMAGE_ITEM);
  self->score_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->map_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) bitlens_saliency_map_free);
  self->jobs = g_ptr_array_new_with_free_func (bitlens_window_job_free);
  self->scoring_cancellable = g_cancellable_new ();

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "decision-threshold", self, "threshold", G_SETTINGS_BIND_GET);
  bitlens_saliency_panel_bind_settings (self->saliency_panel, self->settings);

  bitlens_browser_set_items (self->browser, G_LIST_MODEL (self->items));
  bitlens_window_init_datatests (self);
  bitlens_window_connect_view (self);
  bind_views (self, self->image_view_b);
  bind_views (self, self->image_view_diff);
  g_object_set (self->image_view, "overlay-opacity", 1.0, NULL);
  g_object_set (self->image_view_b, "overlay-opacity", 1.0, NULL);
  g_object_set (self->image_view_diff, "overlay-opacity", 1.0, NULL);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  bitlens_window_update_readout (self);
  bitlens_window_render_overlays (self);
  bitlens_window_update_main_page (self);

  /* A bundled demo model is there to be used: load it so that only images are missing. */
  demos = bitlens_window_find_demo_models ();
  if (demos->len > 0)
    {
      g_autoptr(GFile) demo = g_file_new_for_path (g_ptr_array_index (demos, 0));
      bitlens_window_load_default_model (self, demo);
    }
}

BitlensWindow *
bitlens_window_new (BitlensApplication *application)
{
  return g_object_new (BITLENS_TYPE_WINDOW, "application", application, NULL);
}
