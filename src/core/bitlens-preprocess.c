/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-image.h"

/* The default input preprocessing (DESIGN.md, "Input preprocessing"):
 * - stretch the RGB8 image to the input's height and width (bitlens_image_resize);
 * - one input channel: gray = (299 R + 587 G + 114 B + 500) / 1000, integer division;
 * - int8 input: q = pixel - 128; uint8 input: q = pixel; float32 input: pixel / 255.0f.
 * The tensor's own scale and zero point are deliberately not used: the rule is fixed so that
 * every model sees the same bytes for the same image. */

static guint8
rgb_to_gray (const guint8 *rgb)
{
  return (guint8) ((299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2] + 500u) / 1000u);
}

gboolean
bitlens_image_can_fill_input (const BitlensTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, FALSE);

  if (tensor->rank != 4 || tensor->shape[0] != 1)
    return FALSE;
  if (tensor->shape[1] <= 0 || tensor->shape[1] > BITLENS_IMAGE_MAX_SIDE ||
      tensor->shape[2] <= 0 || tensor->shape[2] > BITLENS_IMAGE_MAX_SIDE)
    return FALSE;
  if (tensor->shape[3] != 1 && tensor->shape[3] != 3)
    return FALSE;
  return tensor->type == BITLENS_TYPE_INT8 || tensor->type == BITLENS_TYPE_UINT8 ||
         tensor->type == BITLENS_TYPE_FLOAT32;
}

static void
store_pixel (BitlensTensorType  type,
             void              *input,
             gsize              index,
             guint8             pixel)
{
  switch (type)
    {
    case BITLENS_TYPE_INT8:
      ((gint8 *) input)[index] = (gint8) ((int) pixel - 128);
      break;
    case BITLENS_TYPE_UINT8:
      ((guint8 *) input)[index] = pixel;
      break;
    case BITLENS_TYPE_FLOAT32:
      ((float *) input)[index] = (float) pixel / 255.0f;
      break;
    default:
      g_assert_not_reached ();
    }
}

gboolean
bitlens_image_to_input (const BitlensImage   *image,
                        const BitlensTensor  *tensor,
                        void                 *input,
                        GError              **error)
{
  g_autoptr(BitlensImage) resized = NULL;
  const BitlensImage *source;
  int height, width, channels;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (tensor != NULL, FALSE);
  g_return_val_if_fail (input != NULL, FALSE);

  if (!bitlens_image_can_fill_input (tensor))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("the model's input is %s %s; an image can only fill an int8, uint8 or float32 "
                     "input of shape [1,H,W,1] or [1,H,W,3]"),
                   bitlens_tensor_type_name (tensor->type), shape);
      return FALSE;
    }

  height = tensor->shape[1];
  width = tensor->shape[2];
  channels = tensor->shape[3];
  g_assert (tensor->n_elements == (gsize) height * width * channels);

  source = image;
  if (image->width != width || image->height != height)
    {
      resized = bitlens_image_resize (image, width, height);
      source = resized;
    }

  for (gsize p = 0; p < (gsize) width * height; p++)
    {
      const guint8 *rgb = source->pixels + p * 3;

      if (channels == 1)
        store_pixel (tensor->type, input, p, rgb_to_gray (rgb));
      else
        for (int c = 0; c < 3; c++)
          store_pixel (tensor->type, input, p * 3 + c, rgb[c]);
    }
  return TRUE;
}
