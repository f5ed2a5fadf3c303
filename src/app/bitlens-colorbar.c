/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include "bitlens-colorbar.h"

struct _BitlensColorbar
{
  GtkWidget           parent_instance;

  BitlensColormap     colormap;
  BitlensRenderScale  scale;
  char               *caption;
};

G_DEFINE_FINAL_TYPE (BitlensColorbar, bitlens_colorbar, GTK_TYPE_WIDGET)

#define BAR_HEIGHT 12
#define TEXT_GAP 3

static void
append_text (GtkWidget   *widget,
             GtkSnapshot *snapshot,
             const char  *text,
             double       x,
             double       y,
             double       align)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  GdkRGBA color;
  int text_width, text_height;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x - align * text_width, y));
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
bitlens_colorbar_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  BitlensColorbar *self = BITLENS_COLORBAR (widget);
  int width = gtk_widget_get_width (widget);
  const guint8 *table = bitlens_colormap_get_table (self->colormap);
  char text[64];
  cairo_t *cr;
  cairo_pattern_t *gradient;

  if (width <= 2 || table == NULL)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, BAR_HEIGHT));
  gradient = cairo_pattern_create_linear (0, 0, width, 0);
  for (int i = 0; i < 256; i += 5)
    cairo_pattern_add_color_stop_rgb (gradient, i / 255.0, table[3 * i] / 255.0,
                                      table[3 * i + 1] / 255.0, table[3 * i + 2] / 255.0);
  cairo_pattern_add_color_stop_rgb (gradient, 1.0, table[765] / 255.0, table[766] / 255.0,
                                    table[767] / 255.0);
  cairo_rectangle (cr, 0, 0, width, BAR_HEIGHT);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);
  cairo_destroy (cr);

  g_snprintf (text, sizeof text, "%+.3g", self->scale.min);
  append_text (widget, snapshot, text, 0, BAR_HEIGHT + TEXT_GAP, 0.0);
  g_snprintf (text, sizeof text, "%+.3g", (self->scale.min + self->scale.max) / 2);
  append_text (widget, snapshot, text, width / 2.0, BAR_HEIGHT + TEXT_GAP, 0.5);
  g_snprintf (text, sizeof text, "%+.3g", self->scale.max);
  append_text (widget, snapshot, text, width, BAR_HEIGHT + TEXT_GAP, 1.0);
}

static void
bitlens_colorbar_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 320;
    }
  else
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, "0.0");
      int text_width, text_height;

      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      *minimum = *natural = BAR_HEIGHT + TEXT_GAP + text_height;
    }
}

static void
bitlens_colorbar_finalize (GObject *object)
{
  BitlensColorbar *self = BITLENS_COLORBAR (object);

  g_clear_pointer (&self->caption, g_free);

  G_OBJECT_CLASS (bitlens_colorbar_parent_class)->finalize (object);
}

static void
bitlens_colorbar_class_init (BitlensColorbarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bitlens_colorbar_finalize;
  widget_class->snapshot = bitlens_colorbar_snapshot;
  widget_class->measure = bitlens_colorbar_measure;
  gtk_widget_class_set_css_name (widget_class, "bitlens-colorbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bitlens_colorbar_init (BitlensColorbar *self)
{
  self->colormap = BITLENS_COLORMAP_VIRIDIS;
  self->scale = (BitlensRenderScale) { 0.0, 1.0 };
}

void
bitlens_colorbar_set_scale (BitlensColorbar          *self,
                            BitlensColormap           colormap,
                            const BitlensRenderScale *scale,
                            const char               *caption)
{
  g_autofree char *description = NULL;

  g_return_if_fail (BITLENS_IS_COLORBAR (self));
  g_return_if_fail (scale != NULL);

  self->colormap = colormap;
  self->scale = *scale;
  g_free (self->caption);
  self->caption = g_strdup (caption);

  /* Translators: accessible description of the colour bar: caption, colormap, range */
  description = g_strdup_printf (_("%s: %s from %.3g to %.3g"), caption != NULL ? caption : "",
                                 bitlens_colormap_get_name (colormap), scale->min, scale->max);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
