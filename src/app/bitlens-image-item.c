/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-image-item.h"

struct _BitlensImageItem
{
  GObject     parent_instance;

  GFile      *file;
  char       *path;
  char       *name;
  int         label;
  double      scores[BITLENS_N_SLOTS];
  char       *error;
  GdkTexture *thumbnail;
};

G_DEFINE_FINAL_TYPE (BitlensImageItem, bitlens_image_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_NAME,
  PROP_LABEL,
  PROP_SCORE_A,
  PROP_SCORE_B,
  PROP_ERROR,
  PROP_THUMBNAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
bitlens_image_item_finalize (GObject *object)
{
  BitlensImageItem *self = BITLENS_IMAGE_ITEM (object);

  g_clear_object (&self->file);
  g_clear_object (&self->thumbnail);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (bitlens_image_item_parent_class)->finalize (object);
}

static void
bitlens_image_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BitlensImageItem *self = BITLENS_IMAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_LABEL:
      g_value_set_int (value, self->label);
      break;
    case PROP_SCORE_A:
      g_value_set_double (value, self->scores[BITLENS_SLOT_A]);
      break;
    case PROP_SCORE_B:
      g_value_set_double (value, self->scores[BITLENS_SLOT_B]);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_image_item_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  BitlensImageItem *self = BITLENS_IMAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    case PROP_LABEL:
      self->label = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_image_item_constructed (GObject *object)
{
  BitlensImageItem *self = BITLENS_IMAGE_ITEM (object);

  G_OBJECT_CLASS (bitlens_image_item_parent_class)->constructed (object);

  g_assert (self->file != NULL);
  self->path = g_file_get_path (self->file);
  if (self->path == NULL)
    self->path = g_file_get_uri (self->file);
  self->name = g_file_get_basename (self->file);
}

static void
bitlens_image_item_class_init (BitlensImageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bitlens_image_item_finalize;
  object_class->get_property = bitlens_image_item_get_property;
  object_class->set_property = bitlens_image_item_set_property;
  object_class->constructed = bitlens_image_item_constructed;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_int ("label", NULL, NULL, BITLENS_LABEL_UNKNOWN, 1, BITLENS_LABEL_UNKNOWN,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCORE_A] =
    g_param_spec_double ("score-a", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCORE_B] =
    g_param_spec_double ("score-b", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bitlens_image_item_init (BitlensImageItem *self)
{
  self->label = BITLENS_LABEL_UNKNOWN;
  for (guint i = 0; i < BITLENS_N_SLOTS; i++)
    self->scores[i] = NAN;
}

BitlensImageItem *
bitlens_image_item_new (GFile *file,
                        int    label)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (label >= BITLENS_LABEL_UNKNOWN && label <= 1, NULL);

  return g_object_new (BITLENS_TYPE_IMAGE_ITEM, "file", file, "label", label, NULL);
}

GFile *
bitlens_image_item_get_file (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NULL);
  return self->file;
}

const char *
bitlens_image_item_get_path (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NULL);
  return self->path;
}

const char *
bitlens_image_item_get_name (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NULL);
  return self->name;
}

int
bitlens_image_item_get_label (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), BITLENS_LABEL_UNKNOWN);
  return self->label;
}

double
bitlens_image_item_get_score (BitlensImageItem *self,
                              BitlensSlot       slot)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NAN);
  g_return_val_if_fail (slot < BITLENS_N_SLOTS, NAN);
  return self->scores[slot];
}

gboolean
bitlens_image_item_has_score (BitlensImageItem *self,
                              BitlensSlot       slot)
{
  return !isnan (bitlens_image_item_get_score (self, slot));
}

void
bitlens_image_item_set_score (BitlensImageItem *self,
                              BitlensSlot       slot,
                              double            score)
{
  g_return_if_fail (BITLENS_IS_IMAGE_ITEM (self));
  g_return_if_fail (slot < BITLENS_N_SLOTS);

  if (self->scores[slot] == score || (isnan (score) && isnan (self->scores[slot])))
    return;
  self->scores[slot] = score;
  g_object_notify_by_pspec (G_OBJECT (self),
                            properties[slot == BITLENS_SLOT_A ? PROP_SCORE_A : PROP_SCORE_B]);
}

void
bitlens_image_item_clear_scores (BitlensImageItem *self,
                                 BitlensSlot       slot)
{
  bitlens_image_item_set_score (self, slot, NAN);
}

const char *
bitlens_image_item_get_error (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NULL);
  return self->error;
}

void
bitlens_image_item_set_error (BitlensImageItem *self,
                              const char       *message)
{
  g_return_if_fail (BITLENS_IS_IMAGE_ITEM (self));

  if (g_strcmp0 (self->error, message) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

GdkTexture *
bitlens_image_item_get_thumbnail (BitlensImageItem *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), NULL);
  return self->thumbnail;
}

void
bitlens_image_item_set_thumbnail (BitlensImageItem *self,
                                  GdkTexture       *thumbnail)
{
  g_return_if_fail (BITLENS_IS_IMAGE_ITEM (self));

  if (g_set_object (&self->thumbnail, thumbnail))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

BitlensOutcome
bitlens_image_item_get_outcome (BitlensImageItem *self,
                                BitlensSlot       slot,
                                double            threshold)
{
  double score = bitlens_image_item_get_score (self, slot);
  gboolean predicted;

  if (isnan (score) || self->label == BITLENS_LABEL_UNKNOWN)
    return BITLENS_OUTCOME_UNKNOWN;

  predicted = score >= threshold;
  if (self->label == 1)
    return predicted ? BITLENS_OUTCOME_TRUE_POSITIVE : BITLENS_OUTCOME_FALSE_NEGATIVE;
  return predicted ? BITLENS_OUTCOME_FALSE_POSITIVE : BITLENS_OUTCOME_TRUE_NEGATIVE;
}

double
bitlens_image_item_get_mistake_confidence (BitlensImageItem *self,
                                           BitlensSlot       slot,
                                           double            threshold)
{
  switch (bitlens_image_item_get_outcome (self, slot, threshold))
    {
    case BITLENS_OUTCOME_FALSE_POSITIVE:
      return self->scores[slot];
    case BITLENS_OUTCOME_FALSE_NEGATIVE:
      return 1.0 - self->scores[slot];
    case BITLENS_OUTCOME_UNKNOWN:
    case BITLENS_OUTCOME_TRUE_POSITIVE:
    case BITLENS_OUTCOME_TRUE_NEGATIVE:
    default:
      return 0.0;
    }
}

gboolean
bitlens_image_item_models_disagree (BitlensImageItem *self,
                                    double            threshold)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_ITEM (self), FALSE);

  if (isnan (self->scores[BITLENS_SLOT_A]) || isnan (self->scores[BITLENS_SLOT_B]))
    return FALSE;
  return (self->scores[BITLENS_SLOT_A] >= threshold) != (self->scores[BITLENS_SLOT_B] >= threshold);
}

const char *
bitlens_outcome_get_label (BitlensOutcome outcome)
{
  switch (outcome)
    {
    case BITLENS_OUTCOME_TRUE_POSITIVE:
      return _("Correct: person");
    case BITLENS_OUTCOME_TRUE_NEGATIVE:
      return _("Correct: no person");
    case BITLENS_OUTCOME_FALSE_POSITIVE:
      return _("False positive");
    case BITLENS_OUTCOME_FALSE_NEGATIVE:
      return _("False negative");
    case BITLENS_OUTCOME_UNKNOWN:
    default:
      return _("No ground truth");
    }
}

const char *
bitlens_outcome_get_short_label (BitlensOutcome outcome)
{
  switch (outcome)
    {
    case BITLENS_OUTCOME_FALSE_POSITIVE:
      /* Translators: badge for a false positive, keep it to two or three letters */
      return C_("badge", "FP");
    case BITLENS_OUTCOME_FALSE_NEGATIVE:
      /* Translators: badge for a false negative, keep it to two or three letters */
      return C_("badge", "FN");
    case BITLENS_OUTCOME_UNKNOWN:
    case BITLENS_OUTCOME_TRUE_POSITIVE:
    case BITLENS_OUTCOME_TRUE_NEGATIVE:
    default:
      return "";
    }
}

gboolean
bitlens_outcome_is_failure (BitlensOutcome outcome)
{
  return outcome == BITLENS_OUTCOME_FALSE_POSITIVE || outcome == BITLENS_OUTCOME_FALSE_NEGATIVE;
}
