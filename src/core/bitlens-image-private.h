/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-image.h"

G_BEGIN_DECLS

/* Allocates an image for a decoder after checking the size the file declares: each side in
 * 1 .. BITLENS_IMAGE_MAX_SIDE and the byte count representable. Errors name `display_name`. */
BitlensImage *bitlens_image_try_new      (guint64        width,
                                          guint64        height,
                                          const char    *display_name,
                                          GError       **error);

/* Decodes a PNG or JPEG held in memory, chosen by its signature. `display_name` (the file
 * name) is used in error messages. */
BitlensImage *bitlens_image_decode       (const guint8  *data,
                                          gsize          n_bytes,
                                          const char    *display_name,
                                          GError       **error);
BitlensImage *bitlens_image_decode_png   (const guint8  *data,
                                          gsize          n_bytes,
                                          const char    *display_name,
                                          GError       **error);
BitlensImage *bitlens_image_decode_jpeg  (const guint8  *data,
                                          gsize          n_bytes,
                                          const char    *display_name,
                                          GError       **error);

G_END_DECLS
