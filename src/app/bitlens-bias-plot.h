/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-bias.h>

G_BEGIN_DECLS

/* The bias finder's bins of one attribute: for each bin the share of person images and, with
 * a model, its accuracy and false positive and false negative rates, as grouped bars; the
 * person share of the whole dataset as a dashed line; flagged attributes marked. */
#define BITLENS_TYPE_BIAS_PLOT (bitlens_bias_plot_get_type ())

G_DECLARE_FINAL_TYPE (BitlensBiasPlot, bitlens_bias_plot, BITLENS, BIAS_PLOT, GtkDrawingArea)

GtkWidget            *bitlens_bias_plot_new           (void);
/* Copies the attribute's bins; `person_rate` is the whole dataset's. NULL clears. */
void                  bitlens_bias_plot_set_attribute (BitlensBiasPlot            *self,
                                                       const BitlensBiasAttribute *attribute,
                                                       double                      person_rate);
/* The attribute's name, or NULL. */
const char           *bitlens_bias_plot_get_name      (BitlensBiasPlot            *self);
guint                 bitlens_bias_plot_get_n_bins    (BitlensBiasPlot            *self);
const BitlensBiasBin *bitlens_bias_plot_get_bin       (BitlensBiasPlot            *self,
                                                       guint                       index);
gboolean              bitlens_bias_plot_has_errors    (BitlensBiasPlot            *self);
/* TRUE when the attribute predicts the label, or the model's errors, on its own. */
gboolean              bitlens_bias_plot_get_flagged   (BitlensBiasPlot            *self);
void                  bitlens_bias_plot_set_message   (BitlensBiasPlot            *self,
                                                       const char                 *message);

G_END_DECLS
