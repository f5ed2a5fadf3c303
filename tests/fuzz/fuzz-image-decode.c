/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <bitlens/bitlens.h>

#include "bitlens-image-private.h"

/* libFuzzer target: any bytes through the PNG/JPEG decoders. An RGB8 image of the size
 * it says, or a GError with a message. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensImage) image = bitlens_image_decode (copy, size, "fuzz", &error);

  if (image != NULL)
    {
      guint64 sum = 0;

      g_assert_cmpint (image->width, >, 0);
      g_assert_cmpint (image->height, >, 0);
      g_assert_cmpint (image->width, <=, BITLENS_IMAGE_MAX_SIDE);
      g_assert_cmpint (image->height, <=, BITLENS_IMAGE_MAX_SIDE);
      /* Touch every byte so that a short buffer is caught. */
      for (gsize i = 0; i < (gsize) image->width * image->height * 3; i++)
        sum += image->pixels[i];
      (void) sum;
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_cmpuint (strlen (error->message), >, 0);
    }
  return 0;
}
