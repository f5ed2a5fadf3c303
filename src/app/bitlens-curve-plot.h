/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-statistics.h>

G_BEGIN_DECLS

/* Precision-recall curves, one per model: precision over recall as steps (the area under the
 * steps is the average precision), the point of the decision threshold marked, the share
 * of person images (what guessing reaches) as a dashed line. */
#define BITLENS_TYPE_CURVE_PLOT (bitlens_curve_plot_get_type ())

G_DECLARE_FINAL_TYPE (BitlensCurvePlot, bitlens_curve_plot, BITLENS, CURVE_PLOT, GtkDrawingArea)

#define BITLENS_CURVE_PLOT_MAX_SERIES 2

GtkWidget  *bitlens_curve_plot_new                  (void);
/* Series `index` (< BITLENS_CURVE_PLOT_MAX_SERIES): `curve` of BitlensCurvePoint (copied)
 * from bitlens_evaluation_compute_curve, and the counts at the decision threshold
 * (bitlens_evaluation_count). `curve` NULL removes the series. */
void        bitlens_curve_plot_set_series           (BitlensCurvePlot       *self,
                                                     guint                   index,
                                                     const char             *name,
                                                     GArray                 *curve,
                                                     double                  threshold,
                                                     const BitlensConfusion *at_threshold);
guint       bitlens_curve_plot_get_n_series         (BitlensCurvePlot       *self);
GArray     *bitlens_curve_plot_get_curve            (BitlensCurvePlot       *self,
                                                     guint                   index);
/* bitlens_curve_get_average_precision of the series, as the legend prints it. */
double      bitlens_curve_plot_get_average_precision (BitlensCurvePlot      *self,
                                                      guint                  index);
/* The marked point: recall and precision at the threshold. */
void        bitlens_curve_plot_get_threshold_point  (BitlensCurvePlot       *self,
                                                     guint                   index,
                                                     double                 *recall,
                                                     double                 *precision);
void        bitlens_curve_plot_set_message          (BitlensCurvePlot       *self,
                                                     const char             *message);

G_END_DECLS
