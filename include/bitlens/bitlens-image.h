/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bitlens-model.h"

G_BEGIN_DECLS

/* The largest width or height the decoders accept (and bitlens_image_new allows). */
#define BITLENS_IMAGE_MAX_SIDE 16384

/* A decoded image: 8-bit RGB, rows top-down, no padding between rows. */
typedef struct
{
  int     width;
  int     height;
  guint8 *pixels;   /* width * height * 3 */
} BitlensImage;

BitlensImage *bitlens_image_new          (int                  width,
                                          int                  height);
/* PNG (libpng) or JPEG (libjpeg-turbo), chosen by the file's signature. Gray, palette,
 * 16-bit and alpha images are converted to RGB8 (alpha is dropped). */
BitlensImage *bitlens_image_load         (const char          *path,
                                          GError             **error);
BitlensImage *bitlens_image_copy         (const BitlensImage  *image);
void          bitlens_image_free         (BitlensImage        *image);
/* Stretch to width x height: area averaging when shrinking, bilinear when enlarging. */
BitlensImage *bitlens_image_resize       (const BitlensImage  *image,
                                          int                  width,
                                          int                  height);
gboolean      bitlens_image_save_png     (const BitlensImage  *image,
                                          const char          *path,
                                          GError             **error);

/* Writes the model's input 0 from the image by the rules of DESIGN.md: resize to the input
 * size, gray = (299 R + 587 G + 114 B + 500) / 1000 for one channel, int8 q = p - 128,
 * uint8 q = p, float p / 255. `input` has tensor->n_bytes bytes. */
gboolean      bitlens_image_to_input     (const BitlensImage  *image,
                                          const BitlensTensor *tensor,
                                          void                *input,
                                          GError             **error);
/* TRUE when bitlens_image_to_input can fill `tensor`: int8, uint8 or float32 of shape
 * [1,H,W,1] or [1,H,W,3] with H and W in 1 .. BITLENS_IMAGE_MAX_SIDE. */
gboolean      bitlens_image_can_fill_input (const BitlensTensor *tensor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensImage, bitlens_image_free)

G_END_DECLS
