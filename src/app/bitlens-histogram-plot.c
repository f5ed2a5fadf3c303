/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-histogram-plot.h"
#include "bitlens-plot.h"

struct _BitlensHistogramPlot
{
  GtkDrawingArea  parent_instance;

  GArray         *bins;       /* BitlensScoreBin, or NULL */
  double          threshold;
  char           *message;
};

G_DEFINE_FINAL_TYPE (BitlensHistogramPlot, bitlens_histogram_plot, GTK_TYPE_DRAWING_AREA)

static void
draw (GtkDrawingArea *area,
      cairo_t        *cr,
      int             width,
      int             height,
      gpointer        user_data)
{
  BitlensHistogramPlot *self = BITLENS_HISTOGRAM_PLOT (area);
  GtkWidget *widget = GTK_WIDGET (area);
  BitlensPlotColors colors;
  BitlensPlotArea plot = { .x_min = 0, .x_max = 1, .y_min = 0 };
  g_autoptr(GArray) x_ticks = NULL;
  g_autoptr(GArray) y_ticks = NULL;
  g_autofree char *person_label = NULL;
  g_autofree char *no_person_label = NULL;
  g_autofree char *threshold_label = NULL;
  guint highest = 0, n_person = 0, n_no_person = 0;
  int x_decimals, y_decimals;
  double x;

  bitlens_plot_get_colors (widget, &colors);
  if (self->bins == NULL || self->bins->len == 0)
    {
      bitlens_plot_draw_message (widget, cr, width, height, &colors, self->message != NULL ? self->message : "");
      return;
    }

  for (guint i = 0; i < self->bins->len; i++)
    {
      const BitlensScoreBin *bin = &g_array_index (self->bins, BitlensScoreBin, i);

      highest = MAX (highest, MAX (bin->n_person, bin->n_no_person));
      n_person += bin->n_person;
      n_no_person += bin->n_no_person;
    }
  plot.y_max = bitlens_plot_nice_ceiling (MAX (highest, 1), 5);
  x_ticks = bitlens_plot_nice_ticks (0, 1, 10, &x_decimals);
  y_ticks = bitlens_plot_nice_ticks (0, plot.y_max, 5, &y_decimals);
  /* Translators: axis titles of the score histogram */
  bitlens_plot_draw_axes (widget, cr, width, height, &colors, &plot, x_ticks, x_decimals, 1, y_ticks, y_decimals,
                          _("person score"), _("images"));
  if (plot.right <= plot.left + 10 || plot.bottom <= plot.top + 10)
    return;

  /* Each bin: no person on the left half, person on the right. */
  for (guint i = 0; i < self->bins->len; i++)
    {
      const BitlensScoreBin *bin = &g_array_index (self->bins, BitlensScoreBin, i);
      double left = bitlens_plot_x (&plot, bin->lower);
      double right = bitlens_plot_x (&plot, bin->upper);
      double gap = MIN (2.0, (right - left) / 8);
      double half = (right - left - 2 * gap) / 2;
      guint counts[2] = { bin->n_no_person, bin->n_person };

      for (guint k = 0; k < 2; k++)
        {
          double top = bitlens_plot_y (&plot, counts[k]);

          if (counts[k] == 0)
            continue;
          gdk_cairo_set_source_rgba (cr, &colors.series[k == 0 ? 1 : 0]);
          cairo_rectangle (cr, left + gap + k * half, top, half, plot.bottom - top);
          cairo_fill (cr);
        }
    }

  /* The threshold. */
  x = round (bitlens_plot_x (&plot, CLAMP (self->threshold, 0, 1))) + 0.5;
  gdk_cairo_set_source_rgba (cr, &colors.foreground);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, (double[]) { 5, 4 }, 2, 0);
  cairo_move_to (cr, x, plot.top);
  cairo_line_to (cr, x, plot.bottom);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  /* Translators: legend of the score histogram, with the number of images */
  no_person_label = g_strdup_printf (_("no person (%u)"), n_no_person);
  person_label = g_strdup_printf (_("person (%u)"), n_person);
  /* Translators: legend of the score histogram: the decision threshold */
  threshold_label = g_strdup_printf (_("threshold %.2f"), self->threshold);
  {
    BitlensPlotLegendEntry entries[] = {
      { &colors.series[1], no_person_label, BITLENS_PLOT_MARK_BOX },
      { &colors.series[0], person_label, BITLENS_PLOT_MARK_BOX },
      { &colors.foreground, threshold_label, BITLENS_PLOT_MARK_DASHED },
    };
    /* Most no-person scores are low and most person scores high: the legend sits in the
     * middle at the top, where the bars are usually shortest. */
    BitlensPlotArea middle = plot;

    middle.right = (plot.left + plot.right) / 2 + 80;
    bitlens_plot_draw_legend (widget, cr, &middle, &colors, entries, G_N_ELEMENTS (entries),
                              BITLENS_PLOT_TOP_RIGHT);
  }
}

static void
bitlens_histogram_plot_finalize (GObject *object)
{
  BitlensHistogramPlot *self = BITLENS_HISTOGRAM_PLOT (object);

  g_clear_pointer (&self->bins, g_array_unref);
  g_free (self->message);

  G_OBJECT_CLASS (bitlens_histogram_plot_parent_class)->finalize (object);
}

static void
bitlens_histogram_plot_class_init (BitlensHistogramPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bitlens_histogram_plot_finalize;
  bitlens_plot_class_init (GTK_WIDGET_CLASS (klass));
}

static void
bitlens_histogram_plot_init (BitlensHistogramPlot *self)
{
  self->threshold = 0.5;
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self), 480);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 260);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
}

GtkWidget *
bitlens_histogram_plot_new (void)
{
  return g_object_new (BITLENS_TYPE_HISTOGRAM_PLOT, NULL);
}

void
bitlens_histogram_plot_set_bins (BitlensHistogramPlot *self,
                                 GArray               *bins,
                                 double                threshold)
{
  g_return_if_fail (BITLENS_IS_HISTOGRAM_PLOT (self));

  g_clear_pointer (&self->bins, g_array_unref);
  if (bins != NULL)
    {
      self->bins = g_array_sized_new (FALSE, FALSE, sizeof (BitlensScoreBin), bins->len);
      g_array_append_vals (self->bins, bins->data, bins->len);
    }
  self->threshold = threshold;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GArray *
bitlens_histogram_plot_get_bins (BitlensHistogramPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_HISTOGRAM_PLOT (self), NULL);
  return self->bins;
}

double
bitlens_histogram_plot_get_threshold (BitlensHistogramPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_HISTOGRAM_PLOT (self), NAN);
  return self->threshold;
}

void
bitlens_histogram_plot_set_message (BitlensHistogramPlot *self,
                                    const char           *message)
{
  g_return_if_fail (BITLENS_IS_HISTOGRAM_PLOT (self));

  g_free (self->message);
  self->message = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
