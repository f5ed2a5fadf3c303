/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include "bitlens-preferences-window.h"

struct _BitlensPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template children */
  AdwComboRow          *style_row;
  AdwComboRow          *colormap_row;
  AdwComboRow          *method_row;
  AdwComboRow          *baseline_kind_row;
  GtkWidget            *gray_level_row;
  GtkWidget            *blur_radius_row;
  GtkAdjustment        *opacity_adjustment;
  GtkAdjustment        *window_adjustment;
  GtkAdjustment        *stride_adjustment;
  GtkAdjustment        *baseline_adjustment;
  GtkAdjustment        *blur_radius_adjustment;
  GtkAdjustment        *threshold_adjustment;

  /* owned */
  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (BitlensPreferencesWindow, bitlens_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The rows list their choices in the order of these ids. */
static const char *style_ids[] = { "default", "light", "dark", NULL };
static const char *colormap_ids[] = { "auto", "viridis", "inferno", "cividis", "puor", "brbg", NULL };
static const char *method_ids[] = { "occlusion", "gradient", "gradient-x-input", "integrated-gradients", "smoothgrad", "gradcam", NULL };
static const char *baseline_kind_ids[] = { "blur", "gray", "black", NULL };

static gboolean
id_to_position (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  const char **ids = user_data;
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_strcmp0 (ids[i], id) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_id (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  const char **ids = user_data;
  guint position = g_value_get_uint (value);

  if (position >= g_strv_length ((char **) ids))
    return NULL;
  return g_variant_new_string (ids[position]);
}

static void
bind_choice (GSettings   *settings,
             const char  *key,
             AdwComboRow *row,
             const char **ids)
{
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                id_to_position, position_to_id, (gpointer) ids, NULL);
}

/* The gray level counts only for a gray baseline, the radius only for the blurred copy. */
static void
on_baseline_kind_selected (AdwComboRow              *row,
                           GParamSpec               *pspec,
                           BitlensPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);

  gtk_widget_set_sensitive (self->gray_level_row, selected < 3 && g_str_equal (baseline_kind_ids[selected], "gray"));
  gtk_widget_set_sensitive (self->blur_radius_row, selected < 3 && g_str_equal (baseline_kind_ids[selected], "blur"));
}

static void
bitlens_preferences_window_finalize (GObject *object)
{
  BitlensPreferencesWindow *self = BITLENS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bitlens_preferences_window_parent_class)->finalize (object);
}

static void
bitlens_preferences_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BITLENS_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (bitlens_preferences_window_parent_class)->dispose (object);
}

static void
bitlens_preferences_window_class_init (BitlensPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_preferences_window_dispose;
  object_class->finalize = bitlens_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, colormap_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, method_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, baseline_kind_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, gray_level_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, blur_radius_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, window_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, stride_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, baseline_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, blur_radius_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensPreferencesWindow, threshold_adjustment);
}

static void
bitlens_preferences_window_init (BitlensPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BitlensPreferencesWindow *
bitlens_preferences_window_new (GSettings *settings)
{
  BitlensPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BITLENS_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  bind_choice (settings, "color-scheme", self->style_row, style_ids);
  bind_choice (settings, "colormap", self->colormap_row, colormap_ids);
  bind_choice (settings, "saliency-method", self->method_row, method_ids);
  g_signal_connect (self->baseline_kind_row, "notify::selected", G_CALLBACK (on_baseline_kind_selected), self);
  bind_choice (settings, "occlusion-baseline-kind", self->baseline_kind_row, baseline_kind_ids);
  on_baseline_kind_selected (self->baseline_kind_row, NULL, self);
  g_settings_bind (settings, "overlay-opacity", self->opacity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-window", self->window_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-stride", self->stride_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-baseline", self->baseline_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-blur-radius", self->blur_radius_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "decision-threshold", self->threshold_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  return self;
}
