/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-curve-plot.h"
#include "bitlens-plot.h"

typedef struct
{
  char   *name;
  GArray *curve;              /* BitlensCurvePoint, or NULL when the series is absent */
  double  average_precision;
  double  threshold;
  double  recall;             /* at the threshold */
  double  precision;
} Series;

struct _BitlensCurvePlot
{
  GtkDrawingArea  parent_instance;

  Series          series[BITLENS_CURVE_PLOT_MAX_SERIES];
  char           *message;
};

G_DEFINE_FINAL_TYPE (BitlensCurvePlot, bitlens_curve_plot, GTK_TYPE_DRAWING_AREA)

static void
draw_steps (cairo_t               *cr,
            const BitlensPlotArea *plot,
            GArray                *curve)
{
  double previous_recall = 0;

  /* Precision_k over (recall_(k-1), recall_k]: the rectangles whose area is the AP. */
  for (guint i = 0; i < curve->len; i++)
    {
      const BitlensCurvePoint *point = &g_array_index (curve, BitlensCurvePoint, i);
      double y = bitlens_plot_y (plot, point->precision);

      if (i == 0)
        cairo_move_to (cr, bitlens_plot_x (plot, 0), y);
      else
        cairo_line_to (cr, bitlens_plot_x (plot, previous_recall), y);
      cairo_line_to (cr, bitlens_plot_x (plot, point->recall), y);
      previous_recall = point->recall;
    }
}

static void
draw (GtkDrawingArea *area,
      cairo_t        *cr,
      int             width,
      int             height,
      gpointer        user_data)
{
  BitlensCurvePlot *self = BITLENS_CURVE_PLOT (area);
  GtkWidget *widget = GTK_WIDGET (area);
  BitlensPlotColors colors;
  BitlensPlotArea plot = { .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 1 };
  g_autoptr(GArray) ticks = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  BitlensPlotLegendEntry entries[BITLENS_CURVE_PLOT_MAX_SERIES + 1];
  guint n_entries = 0;
  double chance = NAN;
  int decimals;
  GdkRGBA dim;

  bitlens_plot_get_colors (widget, &colors);
  if (bitlens_curve_plot_get_n_series (self) == 0)
    {
      bitlens_plot_draw_message (widget, cr, width, height, &colors, self->message != NULL ? self->message : "");
      return;
    }
  ticks = bitlens_plot_nice_ticks (0, 1, 5, &decimals);
  /* Translators: axis titles of the precision-recall curve */
  bitlens_plot_draw_axes (widget, cr, width, height, &colors, &plot, ticks, decimals, 1, ticks, decimals,
                          _("recall"), _("precision"));
  if (plot.right <= plot.left + 10 || plot.bottom <= plot.top + 10)
    return;

  cairo_save (cr);
  cairo_rectangle (cr, plot.left - 6, plot.top - 6, plot.right - plot.left + 12, plot.bottom - plot.top + 12);
  cairo_clip (cr);
  for (guint s = 0; s < BITLENS_CURVE_PLOT_MAX_SERIES; s++)
    {
      Series *series = &self->series[s];
      const BitlensCurvePoint *last;

      if (series->curve == NULL || series->curve->len == 0)
        continue;
      /* The lowest threshold calls everything person: its precision is the person share. */
      last = &g_array_index (series->curve, BitlensCurvePoint, series->curve->len - 1);
      chance = last->precision;

      gdk_cairo_set_source_rgba (cr, &colors.series[s == 0 ? 0 : 1]);
      cairo_set_line_width (cr, 2);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      draw_steps (cr, &plot, series->curve);
      cairo_stroke (cr);

      if (!isnan (series->recall) && !isnan (series->precision))
        {
          double x = bitlens_plot_x (&plot, series->recall);
          double y = bitlens_plot_y (&plot, series->precision);
          g_autofree char *text = g_strdup_printf ("%.2f", series->threshold);

          cairo_arc (cr, x, y, 5.5, 0, 2 * G_PI);
          gdk_cairo_set_source_rgba (cr, &colors.series[s == 0 ? 0 : 1]);
          cairo_fill_preserve (cr);
          gdk_cairo_set_source_rgba (cr, &colors.foreground);
          cairo_set_line_width (cr, 1.5);
          cairo_stroke (cr);
          bitlens_plot_draw_text (widget, cr, text, x - 8, y + 6, 1, 0, &colors.foreground, TRUE);
        }

      /* Translators: legend of the precision-recall plot: model, average precision */
      g_ptr_array_add (labels, g_strdup_printf (_("%s: AP %.3f"), series->name, series->average_precision));
      entries[n_entries].color = &colors.series[s == 0 ? 0 : 1];
      entries[n_entries].label = g_ptr_array_index (labels, labels->len - 1);
      entries[n_entries].mark = BITLENS_PLOT_MARK_LINE;
      n_entries++;
    }

  dim = colors.foreground;
  dim.alpha *= 0.6;
  if (!isnan (chance))
    {
      double y = round (bitlens_plot_y (&plot, chance)) + 0.5;

      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 4, 4 }, 2, 0);
      cairo_move_to (cr, plot.left, y);
      cairo_line_to (cr, plot.right, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      /* Translators: legend of the precision-recall plot: the precision of guessing */
      g_ptr_array_add (labels, g_strdup_printf (_("person share %.2f"), chance));
      entries[n_entries].color = &dim;
      entries[n_entries].label = g_ptr_array_index (labels, labels->len - 1);
      entries[n_entries].mark = BITLENS_PLOT_MARK_DASHED;
      n_entries++;
    }
  cairo_restore (cr);
  bitlens_plot_draw_legend (widget, cr, &plot, &colors, entries, n_entries, BITLENS_PLOT_BOTTOM_LEFT);
}

static void
series_clear (Series *series)
{
  g_clear_pointer (&series->name, g_free);
  g_clear_pointer (&series->curve, g_array_unref);
}

static void
bitlens_curve_plot_finalize (GObject *object)
{
  BitlensCurvePlot *self = BITLENS_CURVE_PLOT (object);

  for (guint s = 0; s < BITLENS_CURVE_PLOT_MAX_SERIES; s++)
    series_clear (&self->series[s]);
  g_free (self->message);

  G_OBJECT_CLASS (bitlens_curve_plot_parent_class)->finalize (object);
}

static void
bitlens_curve_plot_class_init (BitlensCurvePlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bitlens_curve_plot_finalize;
  bitlens_plot_class_init (GTK_WIDGET_CLASS (klass));
}

static void
bitlens_curve_plot_init (BitlensCurvePlot *self)
{
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self), 480);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 340);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
}

GtkWidget *
bitlens_curve_plot_new (void)
{
  return g_object_new (BITLENS_TYPE_CURVE_PLOT, NULL);
}

void
bitlens_curve_plot_set_series (BitlensCurvePlot       *self,
                               guint                   index,
                               const char             *name,
                               GArray                 *curve,
                               double                  threshold,
                               const BitlensConfusion *at_threshold)
{
  Series *series;

  g_return_if_fail (BITLENS_IS_CURVE_PLOT (self));
  g_return_if_fail (index < BITLENS_CURVE_PLOT_MAX_SERIES);
  g_return_if_fail (curve == NULL || at_threshold != NULL);

  series = &self->series[index];
  series_clear (series);
  if (curve != NULL)
    {
      series->name = g_strdup (name);
      series->curve = g_array_sized_new (FALSE, FALSE, sizeof (BitlensCurvePoint), curve->len);
      g_array_append_vals (series->curve, curve->data, curve->len);
      series->average_precision = bitlens_curve_get_average_precision (curve);
      series->threshold = threshold;
      series->recall = bitlens_confusion_get_metric (at_threshold, BITLENS_METRIC_RECALL);
      series->precision = bitlens_confusion_get_metric (at_threshold, BITLENS_METRIC_PRECISION);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
bitlens_curve_plot_get_n_series (BitlensCurvePlot *self)
{
  guint n = 0;

  g_return_val_if_fail (BITLENS_IS_CURVE_PLOT (self), 0);
  for (guint s = 0; s < BITLENS_CURVE_PLOT_MAX_SERIES; s++)
    if (self->series[s].curve != NULL)
      n++;
  return n;
}

GArray *
bitlens_curve_plot_get_curve (BitlensCurvePlot *self,
                              guint             index)
{
  g_return_val_if_fail (BITLENS_IS_CURVE_PLOT (self), NULL);
  g_return_val_if_fail (index < BITLENS_CURVE_PLOT_MAX_SERIES, NULL);
  return self->series[index].curve;
}

double
bitlens_curve_plot_get_average_precision (BitlensCurvePlot *self,
                                          guint             index)
{
  g_return_val_if_fail (BITLENS_IS_CURVE_PLOT (self), NAN);
  g_return_val_if_fail (index < BITLENS_CURVE_PLOT_MAX_SERIES, NAN);
  return self->series[index].curve != NULL ? self->series[index].average_precision : NAN;
}

void
bitlens_curve_plot_get_threshold_point (BitlensCurvePlot *self,
                                        guint             index,
                                        double           *recall,
                                        double           *precision)
{
  g_return_if_fail (BITLENS_IS_CURVE_PLOT (self));
  g_return_if_fail (index < BITLENS_CURVE_PLOT_MAX_SERIES);
  *recall = self->series[index].curve != NULL ? self->series[index].recall : NAN;
  *precision = self->series[index].curve != NULL ? self->series[index].precision : NAN;
}

void
bitlens_curve_plot_set_message (BitlensCurvePlot *self,
                                const char       *message)
{
  g_return_if_fail (BITLENS_IS_CURVE_PLOT (self));

  g_free (self->message);
  self->message = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
