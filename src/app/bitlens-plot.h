/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the plot widgets share: colours from the widget's style (light and dark), a data
 * area mapped to pixels, ticks at round numbers, axes with labels, legends and text. */

typedef struct
{
  GdkRGBA foreground;   /* text and axes: the widget's colour */
  GdkRGBA grid;         /* the foreground, faint */
  GdkRGBA series[4];    /* blue (accent), orange, green, purple */
  GdkRGBA flagged;      /* the error colour */
} BitlensPlotColors;

void     bitlens_plot_get_colors    (GtkWidget               *widget,
                                     BitlensPlotColors       *colors);

/* The class setup every plot widget (a direct subclass of GtkDrawingArea) shares: an image
 * to accessibility, drawn again when its style changes (the colours come from the style:
 * light or dark). */
void     bitlens_plot_class_init    (GtkWidgetClass          *widget_class);

/* Data coordinates [x_min, x_max] x [y_min, y_max] drawn in the pixel rectangle left..right,
 * top..bottom (y grows upwards in data, downwards in pixels). */
typedef struct
{
  double x_min, x_max;
  double y_min, y_max;
  double left, top, right, bottom;
} BitlensPlotArea;

double   bitlens_plot_x             (const BitlensPlotArea   *area,
                                     double                   x);
double   bitlens_plot_y             (const BitlensPlotArea   *area,
                                     double                   y);

/* About `target` ticks at 1, 2 or 5 times a power of ten from the first multiple >= min to
 * the last <= max (a GArray of double); `decimals` receives the digits they need. */
GArray  *bitlens_plot_nice_ticks    (double                   min,
                                     double                   max,
                                     guint                    target,
                                     int                     *decimals);
/* A tick range's upper end rounded up to a tick: max 37 -> 40. */
double   bitlens_plot_nice_ceiling  (double                   max,
                                     guint                    target);

/* Places the data area inside width x height leaving room for the y tick labels (from
 * y_ticks and y_decimals), `x_label_lines` lines of x labels and the axis titles; then draws
 * the horizontal grid lines with their labels, the axes, the x ticks and labels when x_ticks
 * is not NULL, and the titles. */
void     bitlens_plot_draw_axes     (GtkWidget               *widget,
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
                                     const char              *y_title);

/* Text in the widget's font (smaller with `small`), its anchor at (x, y): xalign and yalign
 * 0 = left / top, 0.5 = centre, 1 = right / bottom. Returns the text's width. */
double   bitlens_plot_draw_text     (GtkWidget               *widget,
                                     cairo_t                 *cr,
                                     const char              *text,
                                     double                   x,
                                     double                   y,
                                     double                   xalign,
                                     double                   yalign,
                                     const GdkRGBA           *color,
                                     gboolean                 small);
/* The height of a line of (small) text. */
double   bitlens_plot_line_height   (GtkWidget               *widget,
                                     gboolean                 small);

typedef enum
{
  BITLENS_PLOT_MARK_BOX,
  BITLENS_PLOT_MARK_LINE,
  BITLENS_PLOT_MARK_DASHED,
  BITLENS_PLOT_MARK_DOT,
} BitlensPlotMark;

typedef struct
{
  const GdkRGBA   *color;
  const char      *label;
  BitlensPlotMark  mark;
} BitlensPlotLegendEntry;

typedef enum
{
  BITLENS_PLOT_TOP_RIGHT,
  BITLENS_PLOT_TOP_LEFT,
  BITLENS_PLOT_BOTTOM_LEFT,
  BITLENS_PLOT_BOTTOM_RIGHT,
} BitlensPlotCorner;

/* A legend box in a corner of the data area. */
void     bitlens_plot_draw_legend   (GtkWidget                    *widget,
                                     cairo_t                      *cr,
                                     const BitlensPlotArea        *area,
                                     const BitlensPlotColors      *colors,
                                     const BitlensPlotLegendEntry *entries,
                                     guint                         n_entries,
                                     BitlensPlotCorner             corner);
/* A legend in one row along the top of the data area, ending at its right edge. */
void     bitlens_plot_draw_legend_row (GtkWidget                    *widget,
                                       cairo_t                      *cr,
                                       const BitlensPlotArea        *area,
                                       const BitlensPlotColors      *colors,
                                       const BitlensPlotLegendEntry *entries,
                                       guint                         n_entries);
/* A message in the middle, for plots without data yet. */
void     bitlens_plot_draw_message  (GtkWidget               *widget,
                                     cairo_t                 *cr,
                                     int                      width,
                                     int                      height,
                                     const BitlensPlotColors *colors,
                                     const char              *message);

G_END_DECLS
