/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-statistics.h>

G_BEGIN_DECLS

/* Score histograms per class: for each bin of the score, the no-person and person images
 * side by side, with the decision threshold as a dashed line. */
#define BITLENS_TYPE_HISTOGRAM_PLOT (bitlens_histogram_plot_get_type ())

G_DECLARE_FINAL_TYPE (BitlensHistogramPlot, bitlens_histogram_plot, BITLENS, HISTOGRAM_PLOT, GtkDrawingArea)

GtkWidget  *bitlens_histogram_plot_new           (void);
/* `bins`: BitlensScoreBin (copied), as bitlens_evaluation_compute_score_histogram makes
 * them; NULL shows the message instead. */
void        bitlens_histogram_plot_set_bins      (BitlensHistogramPlot *self,
                                                  GArray               *bins,
                                                  double                threshold);
/* The bins shown, or NULL. */
GArray     *bitlens_histogram_plot_get_bins      (BitlensHistogramPlot *self);
double      bitlens_histogram_plot_get_threshold (BitlensHistogramPlot *self);
/* Shown while there are no bins ("Evaluating…"). */
void        bitlens_histogram_plot_set_message   (BitlensHistogramPlot *self,
                                                  const char           *message);

G_END_DECLS
