/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a prediction is, measured against the ground truth. */
typedef enum
{
  BITLENS_OUTCOME_UNKNOWN = 0,        /* no score yet, or no label */
  BITLENS_OUTCOME_TRUE_POSITIVE,
  BITLENS_OUTCOME_TRUE_NEGATIVE,
  BITLENS_OUTCOME_FALSE_POSITIVE,
  BITLENS_OUTCOME_FALSE_NEGATIVE,
} BitlensOutcome;

/* Slots of the two models in compare mode. */
typedef enum
{
  BITLENS_SLOT_A = 0,
  BITLENS_SLOT_B = 1,
  BITLENS_N_SLOTS
} BitlensSlot;

#define BITLENS_LABEL_UNKNOWN (-1)

#define BITLENS_TYPE_IMAGE_ITEM (bitlens_image_item_get_type ())

G_DECLARE_FINAL_TYPE (BitlensImageItem, bitlens_image_item, BITLENS, IMAGE_ITEM, GObject)

BitlensImageItem *bitlens_image_item_new               (GFile            *file,
                                                        int               label);
GFile            *bitlens_image_item_get_file          (BitlensImageItem *self);
const char       *bitlens_image_item_get_path          (BitlensImageItem *self);
const char       *bitlens_image_item_get_name          (BitlensImageItem *self);
/* 1 person, 0 no person, BITLENS_LABEL_UNKNOWN. */
int               bitlens_image_item_get_label         (BitlensImageItem *self);
/* NAN when not computed yet. */
double            bitlens_image_item_get_score         (BitlensImageItem *self,
                                                        BitlensSlot       slot);
void              bitlens_image_item_set_score         (BitlensImageItem *self,
                                                        BitlensSlot       slot,
                                                        double            score);
gboolean          bitlens_image_item_has_score         (BitlensImageItem *self,
                                                        BitlensSlot       slot);
/* The error that stopped scoring this image, or NULL. */
const char       *bitlens_image_item_get_error         (BitlensImageItem *self);
void              bitlens_image_item_set_error         (BitlensImageItem *self,
                                                        const char       *message);
GdkTexture       *bitlens_image_item_get_thumbnail     (BitlensImageItem *self);
void              bitlens_image_item_set_thumbnail     (BitlensImageItem *self,
                                                        GdkTexture       *thumbnail);
BitlensOutcome    bitlens_image_item_get_outcome       (BitlensImageItem *self,
                                                        BitlensSlot       slot,
                                                        double            threshold);
/* How sure the model was of a wrong answer: the score of a false positive, one minus
 * the score of a false negative, 0 for correct or unknown outcomes. */
double            bitlens_image_item_get_mistake_confidence (BitlensImageItem *self,
                                                        BitlensSlot       slot,
                                                        double            threshold);
/* TRUE when both models have scored the image and decide differently. */
gboolean          bitlens_image_item_models_disagree   (BitlensImageItem *self,
                                                        double            threshold);
void              bitlens_image_item_clear_scores      (BitlensImageItem *self,
                                                        BitlensSlot       slot);

const char       *bitlens_outcome_get_label            (BitlensOutcome    outcome);
const char       *bitlens_outcome_get_short_label      (BitlensOutcome    outcome);
gboolean          bitlens_outcome_is_failure           (BitlensOutcome    outcome);

G_END_DECLS
