/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>

#include "bitlens-plot.h"

#define TICK_LENGTH 4.0
#define GAP 6.0

static void
lookup_color (GtkStyleContext *context,
              const char      *name,
              const char      *fallback,
              GdkRGBA         *color)
{
  if (!gtk_style_context_lookup_color (context, name, color))
    gdk_rgba_parse (color, fallback);
}

static void
plot_css_changed (GtkWidget         *widget,
                  GtkCssStyleChange *change)
{
  GtkWidgetClass *drawing_area_class = g_type_class_peek (GTK_TYPE_DRAWING_AREA);

  drawing_area_class->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

void
bitlens_plot_class_init (GtkWidgetClass *widget_class)
{
  g_return_if_fail (g_type_is_a (G_TYPE_FROM_CLASS (widget_class), GTK_TYPE_DRAWING_AREA));

  widget_class->css_changed = plot_css_changed;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

void
bitlens_plot_get_colors (GtkWidget         *widget,
                         BitlensPlotColors *colors)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  gboolean dark;

  gtk_style_context_get_color (context, &colors->foreground);
  /* A light foreground means a dark background: lighter shades read better there. */
  dark = 0.299 * colors->foreground.red + 0.587 * colors->foreground.green + 0.114 * colors->foreground.blue > 0.5;
  colors->grid = colors->foreground;
  colors->grid.alpha *= 0.12;
  lookup_color (context, "accent_color", dark ? "#78aeed" : "#1c71d8", &colors->series[0]);
  lookup_color (context, dark ? "orange_2" : "orange_4", dark ? "#ffa348" : "#e66100", &colors->series[1]);
  lookup_color (context, "success_color", dark ? "#8ff0a4" : "#1b8553", &colors->series[2]);
  lookup_color (context, dark ? "purple_2" : "purple_3", dark ? "#c061cb" : "#9141ac", &colors->series[3]);
  lookup_color (context, "error_color", dark ? "#ff7b63" : "#c01c28", &colors->flagged);
}

double
bitlens_plot_x (const BitlensPlotArea *area,
                double                 x)
{
  return area->left + (x - area->x_min) / (area->x_max - area->x_min) * (area->right - area->left);
}

double
bitlens_plot_y (const BitlensPlotArea *area,
                double                 y)
{
  return area->bottom - (y - area->y_min) / (area->y_max - area->y_min) * (area->bottom - area->top);
}

static double
nice_step (double range,
           guint  target,
           int   *exponent)
{
  double raw = range / MAX (target, 1);
  double power;
  double fraction;

  *exponent = (int) floor (log10 (raw));
  power = pow (10, *exponent);
  fraction = raw / power;
  if (fraction <= 1)
    return power;
  if (fraction <= 2)
    return 2 * power;
  if (fraction <= 5)
    return 5 * power;
  (*exponent)++;
  return 10 * power;
}

GArray *
bitlens_plot_nice_ticks (double  min,
                         double  max,
                         guint   target,
                         int    *decimals)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  double step;
  int exponent;

  if (!(max > min) || !isfinite (min) || !isfinite (max))
    {
      *decimals = 0;
      g_array_append_val (ticks, min);
      return ticks;
    }
  step = nice_step (max - min, target, &exponent);
  *decimals = MAX (0, -exponent);
  for (double k = ceil (min / step - 1e-9); k * step <= max + step * 1e-9; k++)
    {
      double value = k * step;

      g_array_append_val (ticks, value);
    }
  return ticks;
}

double
bitlens_plot_nice_ceiling (double max,
                           guint  target)
{
  double step;
  int exponent;

  if (!(max > 0))
    return 1;
  step = nice_step (max, target, &exponent);
  return ceil (max / step - 1e-9) * step;
}

static PangoLayout *
make_layout (GtkWidget  *widget,
             const char *text,
             gboolean    small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  if (small)
    {
      PangoAttrList *attributes = pango_attr_list_new ();

      pango_attr_list_insert (attributes, pango_attr_scale_new (0.85));
      pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum=1"));
      pango_layout_set_attributes (layout, attributes);
      pango_attr_list_unref (attributes);
    }
  return layout;
}

double
bitlens_plot_draw_text (GtkWidget     *widget,
                        cairo_t       *cr,
                        const char    *text,
                        double         x,
                        double         y,
                        double         xalign,
                        double         yalign,
                        const GdkRGBA *color,
                        gboolean       small)
{
  g_autoptr(PangoLayout) layout = make_layout (widget, text, small);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, round (x - xalign * width), round (y - yalign * height));
  pango_cairo_show_layout (cr, layout);
  return width;
}

static double
text_width (GtkWidget  *widget,
            const char *text,
            gboolean    small)
{
  g_autoptr(PangoLayout) layout = make_layout (widget, text, small);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  return width;
}

double
bitlens_plot_line_height (GtkWidget *widget,
                          gboolean   small)
{
  g_autoptr(PangoLayout) layout = make_layout (widget, "0g", small);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  return height;
}

static char *
format_tick (double value,
             int    decimals)
{
  /* No "-0". */
  if (fabs (value) < 1e-12)
    value = 0;
  return g_strdup_printf ("%.*f", decimals, value);
}

void
bitlens_plot_draw_axes (GtkWidget               *widget,
                        cairo_t                 *cr,
                        int                      width,
                        int                      height,
                        const BitlensPlotColors *colors,
                        BitlensPlotArea         *area,
                        GArray                  *x_ticks,
                        int                      x_decimals,
                        guint                    x_label_lines,
                        GArray                  *y_ticks,
                        int                      y_decimals,
                        const char              *x_title,
                        const char              *y_title)
{
  double line = bitlens_plot_line_height (widget, TRUE);
  double title_line = bitlens_plot_line_height (widget, FALSE);
  double label_width = 0;

  for (guint i = 0; i < y_ticks->len; i++)
    {
      g_autofree char *text = format_tick (g_array_index (y_ticks, double, i), y_decimals);

      label_width = MAX (label_width, text_width (widget, text, TRUE));
    }
  area->left = GAP + title_line + GAP + label_width + GAP;
  area->right = width - 2 * GAP - (x_ticks != NULL ? text_width (widget, "0.0", TRUE) / 2 : 0);
  area->top = GAP + line / 2;
  area->bottom = height - GAP - title_line - GAP - x_label_lines * line - GAP;
  if (area->right <= area->left + 10 || area->bottom <= area->top + 10)
    return;

  cairo_save (cr);
  cairo_set_line_width (cr, 1);

  /* Horizontal grid with the y labels. */
  for (guint i = 0; i < y_ticks->len; i++)
    {
      double value = g_array_index (y_ticks, double, i);
      double y = round (bitlens_plot_y (area, value)) + 0.5;
      g_autofree char *text = format_tick (value, y_decimals);

      gdk_cairo_set_source_rgba (cr, &colors->grid);
      cairo_move_to (cr, area->left, y);
      cairo_line_to (cr, area->right, y);
      cairo_stroke (cr);
      bitlens_plot_draw_text (widget, cr, text, area->left - GAP, y, 1, 0.5, &colors->foreground, TRUE);
    }

  /* The x ticks and labels. */
  for (guint i = 0; x_ticks != NULL && i < x_ticks->len; i++)
    {
      double value = g_array_index (x_ticks, double, i);
      double x = round (bitlens_plot_x (area, value)) + 0.5;
      g_autofree char *text = format_tick (value, x_decimals);

      gdk_cairo_set_source_rgba (cr, &colors->foreground);
      cairo_move_to (cr, x, area->bottom);
      cairo_line_to (cr, x, area->bottom + TICK_LENGTH);
      cairo_stroke (cr);
      bitlens_plot_draw_text (widget, cr, text, x, area->bottom + TICK_LENGTH + 1, 0.5, 0, &colors->foreground, TRUE);
    }

  /* The axes. */
  gdk_cairo_set_source_rgba (cr, &colors->foreground);
  cairo_move_to (cr, round (area->left) + 0.5, area->top);
  cairo_line_to (cr, round (area->left) + 0.5, round (area->bottom) + 0.5);
  cairo_line_to (cr, area->right, round (area->bottom) + 0.5);
  cairo_stroke (cr);

  /* Titles: x centred below, y turned along the axis. */
  if (x_title != NULL)
    bitlens_plot_draw_text (widget, cr, x_title, (area->left + area->right) / 2, height - GAP, 0.5, 1,
                            &colors->foreground, FALSE);
  if (y_title != NULL)
    {
      cairo_save (cr);
      cairo_translate (cr, GAP, (area->top + area->bottom) / 2);
      cairo_rotate (cr, -G_PI / 2);
      bitlens_plot_draw_text (widget, cr, y_title, 0, 0, 0.5, 0, &colors->foreground, FALSE);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

static void
draw_mark (cairo_t         *cr,
           BitlensPlotMark  mark,
           const GdkRGBA   *color,
           double           x,
           double           y,
           double           size)
{
  gdk_cairo_set_source_rgba (cr, color);
  switch (mark)
    {
    case BITLENS_PLOT_MARK_BOX:
      cairo_rectangle (cr, x, y - size / 2, size, size);
      cairo_fill (cr);
      break;
    case BITLENS_PLOT_MARK_DASHED:
      cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
      G_GNUC_FALLTHROUGH;
    case BITLENS_PLOT_MARK_LINE:
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + size, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      break;
    case BITLENS_PLOT_MARK_DOT:
    default:
      cairo_arc (cr, x + size / 2, y, size / 3, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    }
}

void
bitlens_plot_draw_legend (GtkWidget                    *widget,
                          cairo_t                      *cr,
                          const BitlensPlotArea        *area,
                          const BitlensPlotColors      *colors,
                          const BitlensPlotLegendEntry *entries,
                          guint                         n_entries,
                          BitlensPlotCorner             corner)
{
  double line = bitlens_plot_line_height (widget, TRUE);
  double mark = 14, padding = 6, width = 0, height, x, y;
  GdkRGBA background;

  if (n_entries == 0)
    return;
  for (guint i = 0; i < n_entries; i++)
    width = MAX (width, text_width (widget, entries[i].label, TRUE));
  width += mark + 3 * padding;
  height = n_entries * line + 2 * padding;
  x = corner == BITLENS_PLOT_TOP_RIGHT || corner == BITLENS_PLOT_BOTTOM_RIGHT
      ? area->right - width - padding : area->left + padding;
  y = corner == BITLENS_PLOT_TOP_RIGHT || corner == BITLENS_PLOT_TOP_LEFT
      ? area->top + padding : area->bottom - height - padding;

  /* A veil of the background: the foreground's opposite, mostly opaque. */
  background.red = background.green = background.blue = colors->foreground.red > 0.5 ? 0.14 : 1.0;
  background.alpha = 0.85;
  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &background);
  cairo_rectangle (cr, x, y, width, height);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &colors->grid);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  for (guint i = 0; i < n_entries; i++)
    {
      double row_y = y + padding + i * line + line / 2;

      draw_mark (cr, entries[i].mark, entries[i].color, x + padding, row_y, mark);
      bitlens_plot_draw_text (widget, cr, entries[i].label, x + 2 * padding + mark, row_y, 0, 0.5,
                              &colors->foreground, TRUE);
    }
  cairo_restore (cr);
}

void
bitlens_plot_draw_legend_row (GtkWidget                    *widget,
                              cairo_t                      *cr,
                              const BitlensPlotArea        *area,
                              const BitlensPlotColors      *colors,
                              const BitlensPlotLegendEntry *entries,
                              guint                         n_entries)
{
  double line = bitlens_plot_line_height (widget, TRUE);
  double mark = 14, spacing = 14, width = 0, x;

  for (guint i = 0; i < n_entries; i++)
    width += mark + 4 + text_width (widget, entries[i].label, TRUE) + (i > 0 ? spacing : 0);
  x = area->right - width;
  cairo_save (cr);
  for (guint i = 0; i < n_entries; i++)
    {
      double y = area->top + line / 2;

      draw_mark (cr, entries[i].mark, entries[i].color, x, y, mark);
      x += mark + 4;
      x += bitlens_plot_draw_text (widget, cr, entries[i].label, x, y, 0, 0.5, &colors->foreground, TRUE) + spacing;
    }
  cairo_restore (cr);
}

void
bitlens_plot_draw_message (GtkWidget               *widget,
                           cairo_t                 *cr,
                           int                      width,
                           int                      height,
                           const BitlensPlotColors *colors,
                           const char              *message)
{
  GdkRGBA dim = colors->foreground;

  dim.alpha *= 0.55;
  bitlens_plot_draw_text (widget, cr, message, width / 2.0, height / 2.0, 0.5, 0.5, &dim, FALSE);
}
