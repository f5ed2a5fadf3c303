/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-bias-plot.h"
#include "bitlens-plot.h"

struct _BitlensBiasPlot
{
  GtkDrawingArea   parent_instance;

  char            *name;         /* NULL: nothing to show */
  char            *tag;
  BitlensBiasKind  kind;
  GArray          *bins;         /* BitlensBiasBin */
  gboolean         has_errors;
  gboolean         label_flagged;
  gboolean         errors_flagged;
  double           person_rate;
  char            *message;
};

G_DEFINE_FINAL_TYPE (BitlensBiasPlot, bitlens_bias_plot, GTK_TYPE_DRAWING_AREA)

enum { RATE_PERSON, RATE_ACCURACY, RATE_FALSE_POSITIVE, RATE_FALSE_NEGATIVE, N_RATES };

static double
bin_rate (const BitlensBiasBin *bin,
          guint                 rate)
{
  switch (rate)
    {
    case RATE_PERSON: return bin->person_rate;
    case RATE_ACCURACY: return bin->accuracy;
    case RATE_FALSE_POSITIVE: return bin->false_positive_rate;
    case RATE_FALSE_NEGATIVE: return bin->false_negative_rate;
    default: g_assert_not_reached ();
    }
}

static char *
bin_label (BitlensBiasPlot      *self,
           const BitlensBiasBin *bin)
{
  if (self->kind == BITLENS_BIAS_TAG)
    /* Translators: a bin of a tag attribute: the images without or with the word */
    return g_strdup_printf (bin->lower > 0 ? _("with %s") : _("without %s"), self->tag);
  if (bin->lower == bin->upper)
    return g_strdup_printf ("%.4g", bin->lower);
  return g_strdup_printf ("%.4g – %.4g", bin->lower, bin->upper);
}

static void
draw (GtkDrawingArea *area,
      cairo_t        *cr,
      int             width,
      int             height,
      gpointer        user_data)
{
  BitlensBiasPlot *self = BITLENS_BIAS_PLOT (area);
  GtkWidget *widget = GTK_WIDGET (area);
  BitlensPlotColors colors;
  BitlensPlotArea plot = { .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 1.14 };
  g_autoptr(GArray) y_ticks = NULL;
  const GdkRGBA *rate_colors[N_RATES];
  guint n_rates;
  int decimals;
  double line;

  bitlens_plot_get_colors (widget, &colors);
  if (self->name == NULL || self->bins->len == 0)
    {
      bitlens_plot_draw_message (widget, cr, width, height, &colors, self->message != NULL ? self->message : "");
      return;
    }
  rate_colors[RATE_PERSON] = &colors.series[0];
  rate_colors[RATE_ACCURACY] = &colors.series[2];
  rate_colors[RATE_FALSE_POSITIVE] = &colors.series[1];
  rate_colors[RATE_FALSE_NEGATIVE] = &colors.series[3];
  n_rates = self->has_errors ? N_RATES : 1;

  plot.x_max = self->bins->len;
  y_ticks = bitlens_plot_nice_ticks (0, 1, 5, &decimals);
  /* Translators: axis titles of the bias finder's plot: the attribute's bins, and a share */
  bitlens_plot_draw_axes (widget, cr, width, height, &colors, &plot, NULL, 0, 2, y_ticks, decimals,
                          self->name, _("rate"));
  if (plot.right <= plot.left + 10 || plot.bottom <= plot.top + 10)
    return;
  line = bitlens_plot_line_height (widget, TRUE);

  for (guint i = 0; i < self->bins->len; i++)
    {
      const BitlensBiasBin *bin = &g_array_index (self->bins, BitlensBiasBin, i);
      double left = bitlens_plot_x (&plot, i), right = bitlens_plot_x (&plot, i + 1);
      double margin = (right - left) * 0.12;
      double bar = (right - left - 2 * margin) / n_rates;
      g_autofree char *label = bin_label (self, bin);
      g_autofree char *count = g_strdup_printf ("n = %u", bin->count);

      for (guint r = 0; r < n_rates; r++)
        {
          double value = bin_rate (bin, r);
          double top;

          if (isnan (value))
            continue;
          top = bitlens_plot_y (&plot, value);
          gdk_cairo_set_source_rgba (cr, rate_colors[r]);
          cairo_rectangle (cr, left + margin + r * bar + 0.5, top, bar - 1, plot.bottom - top);
          cairo_fill (cr);
        }
      bitlens_plot_draw_text (widget, cr, label, (left + right) / 2, plot.bottom + 3, 0.5, 0, &colors.foreground, TRUE);
      bitlens_plot_draw_text (widget, cr, count, (left + right) / 2, plot.bottom + 3 + line, 0.5, 0, &colors.foreground, TRUE);
    }

  /* The whole dataset's person share: bins far from it are where the shortcut is. */
  if (!isnan (self->person_rate))
    {
      double y = round (bitlens_plot_y (&plot, self->person_rate)) + 0.5;

      gdk_cairo_set_source_rgba (cr, &colors.foreground);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 5, 4 }, 2, 0);
      cairo_move_to (cr, plot.left, y);
      cairo_line_to (cr, plot.right, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  {
    /* Translators: legend of the bias finder's plot */
    BitlensPlotLegendEntry entries[] = {
      { rate_colors[RATE_PERSON], _("person share"), BITLENS_PLOT_MARK_BOX },
      { rate_colors[RATE_ACCURACY], _("accuracy"), BITLENS_PLOT_MARK_BOX },
      { rate_colors[RATE_FALSE_POSITIVE], _("false positive rate"), BITLENS_PLOT_MARK_BOX },
      { rate_colors[RATE_FALSE_NEGATIVE], _("false negative rate"), BITLENS_PLOT_MARK_BOX },
    };
    BitlensPlotLegendEntry all = { &colors.foreground, _("all images"), BITLENS_PLOT_MARK_DASHED };
    BitlensPlotLegendEntry shown[N_RATES + 1];

    for (guint r = 0; r < n_rates; r++)
      shown[r] = entries[r];
    shown[n_rates] = all;
    bitlens_plot_draw_legend_row (widget, cr, &plot, &colors, shown, n_rates + 1);
  }

  if (self->label_flagged || self->errors_flagged)
    {
      const char *text = self->label_flagged && self->errors_flagged
                         /* Translators: marks of an attribute the bias finder flagged */
                         ? _("⚑ predicts the label and the errors")
                         : self->label_flagged ? _("⚑ predicts the label") : _("⚑ predicts the errors");

      bitlens_plot_draw_text (widget, cr, text, plot.left + 8, plot.top, 0, 0, &colors.flagged, TRUE);
    }
}

static void
bitlens_bias_plot_finalize (GObject *object)
{
  BitlensBiasPlot *self = BITLENS_BIAS_PLOT (object);

  g_free (self->name);
  g_free (self->tag);
  g_clear_pointer (&self->bins, g_array_unref);
  g_free (self->message);

  G_OBJECT_CLASS (bitlens_bias_plot_parent_class)->finalize (object);
}

static void
bitlens_bias_plot_class_init (BitlensBiasPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bitlens_bias_plot_finalize;
  bitlens_plot_class_init (GTK_WIDGET_CLASS (klass));
}

static void
bitlens_bias_plot_init (BitlensBiasPlot *self)
{
  self->bins = g_array_new (FALSE, FALSE, sizeof (BitlensBiasBin));
  self->person_rate = NAN;
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self), 480);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 300);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
}

GtkWidget *
bitlens_bias_plot_new (void)
{
  return g_object_new (BITLENS_TYPE_BIAS_PLOT, NULL);
}

void
bitlens_bias_plot_set_attribute (BitlensBiasPlot            *self,
                                 const BitlensBiasAttribute *attribute,
                                 double                      person_rate)
{
  g_return_if_fail (BITLENS_IS_BIAS_PLOT (self));

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->tag, g_free);
  g_array_set_size (self->bins, 0);
  if (attribute != NULL)
    {
      self->name = g_strdup (attribute->name);
      self->tag = g_strdup (attribute->tag);
      self->kind = attribute->kind;
      g_array_append_vals (self->bins, attribute->bins, attribute->n_bins);
      self->has_errors = attribute->has_errors;
      self->label_flagged = attribute->label.flagged;
      self->errors_flagged = attribute->has_errors && attribute->errors.flagged;
    }
  self->person_rate = person_rate;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
bitlens_bias_plot_get_name (BitlensBiasPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_BIAS_PLOT (self), NULL);
  return self->name;
}

guint
bitlens_bias_plot_get_n_bins (BitlensBiasPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_BIAS_PLOT (self), 0);
  return self->bins->len;
}

const BitlensBiasBin *
bitlens_bias_plot_get_bin (BitlensBiasPlot *self,
                           guint            index)
{
  g_return_val_if_fail (BITLENS_IS_BIAS_PLOT (self), NULL);
  g_return_val_if_fail (index < self->bins->len, NULL);
  return &g_array_index (self->bins, BitlensBiasBin, index);
}

gboolean
bitlens_bias_plot_has_errors (BitlensBiasPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_BIAS_PLOT (self), FALSE);
  return self->name != NULL && self->has_errors;
}

gboolean
bitlens_bias_plot_get_flagged (BitlensBiasPlot *self)
{
  g_return_val_if_fail (BITLENS_IS_BIAS_PLOT (self), FALSE);
  return self->name != NULL && (self->label_flagged || self->errors_flagged);
}

void
bitlens_bias_plot_set_message (BitlensBiasPlot *self,
                               const char      *message)
{
  g_return_if_fail (BITLENS_IS_BIAS_PLOT (self));

  g_free (self->message);
  self->message = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
