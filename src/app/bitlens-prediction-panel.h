/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bitlens-image-item.h"

G_BEGIN_DECLS

/* The models' person scores for the current image as bars, the decision, the ground truth
 * when the image is labelled, and whether each model got it right. */
#define BITLENS_TYPE_PREDICTION_PANEL (bitlens_prediction_panel_get_type ())

G_DECLARE_FINAL_TYPE (BitlensPredictionPanel, bitlens_prediction_panel, BITLENS, PREDICTION_PANEL, GtkWidget)

void              bitlens_prediction_panel_set_item        (BitlensPredictionPanel *self,
                                                            BitlensImageItem       *item);
BitlensImageItem *bitlens_prediction_panel_get_item        (BitlensPredictionPanel *self);
/* NULL hides the slot's row. */
void              bitlens_prediction_panel_set_model_name  (BitlensPredictionPanel *self,
                                                            BitlensSlot             slot,
                                                            const char             *name);
void              bitlens_prediction_panel_set_threshold   (BitlensPredictionPanel *self,
                                                            double                  threshold);
/* The text of a slot's outcome, as shown ("False positive" ...), for tests. */
const char       *bitlens_prediction_panel_get_outcome_text (BitlensPredictionPanel *self,
                                                             BitlensSlot             slot);

G_END_DECLS
