/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <bitlens/bitlens.h>

#include "bitlens-bias-plot.h"
#include "bitlens-curve-plot.h"
#include "bitlens-histogram-plot.h"

G_BEGIN_DECLS

/* Plots of a labelled dataset and one or two models: score histograms per class, the
 * precision-recall curves and the bias finder's bins of an attribute. Evaluates the dataset
 * (bitlens_evaluation_run_async) and analyses it (bitlens_bias_analyze_async) in the
 * background when it opens; closing cancels. */
#define BITLENS_TYPE_STATISTICS_WINDOW (bitlens_statistics_window_get_type ())

G_DECLARE_FINAL_TYPE (BitlensStatisticsWindow, bitlens_statistics_window, BITLENS, STATISTICS_WINDOW, AdwWindow)

/* `model_b` may be NULL. */
BitlensStatisticsWindow *bitlens_statistics_window_new          (BitlensDataset          *dataset,
                                                                 BitlensModel            *model_a,
                                                                 BitlensModel            *model_b,
                                                                 double                   threshold);
/* Another decision threshold (the "threshold" property): the plots and the bias finder's
 * errors follow it without evaluating the dataset again. */
void                     bitlens_statistics_window_set_threshold (BitlensStatisticsWindow *self,
                                                                  double                   threshold);
double                   bitlens_statistics_window_get_threshold (BitlensStatisticsWindow *self);
/* TRUE until the evaluations and the bias analysis are done. */
gboolean                 bitlens_statistics_window_is_busy      (BitlensStatisticsWindow *self);
/* The evaluation of model A (index 0) or B (1) once done, else NULL. */
BitlensEvaluation       *bitlens_statistics_window_get_evaluation (BitlensStatisticsWindow *self,
                                                                   guint                    index);
BitlensHistogramPlot    *bitlens_statistics_window_get_histogram_plot (BitlensStatisticsWindow *self,
                                                                       guint                    index);
BitlensCurvePlot        *bitlens_statistics_window_get_curve_plot (BitlensStatisticsWindow *self);
BitlensBiasPlot         *bitlens_statistics_window_get_bias_plot  (BitlensStatisticsWindow *self);
/* Shows the attribute of that name in the bias plot; FALSE when there is none. */
gboolean                 bitlens_statistics_window_select_attribute (BitlensStatisticsWindow *self,
                                                                     const char              *name);

#define BITLENS_STATISTICS_HISTOGRAM_BINS 20

G_END_DECLS
