/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-image-private.h"

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
static const guint8 jpeg_signature[3] = { 0xff, 0xd8, 0xff };

static gsize
image_pixel_bytes (int width,
                   int height)
{
  return (gsize) width * (gsize) height * 3;
}

BitlensImage *
bitlens_image_new (int width,
                   int height)
{
  BitlensImage *image;

  g_return_val_if_fail (width > 0 && width <= BITLENS_IMAGE_MAX_SIDE, NULL);
  g_return_val_if_fail (height > 0 && height <= BITLENS_IMAGE_MAX_SIDE, NULL);

  image = g_new0 (BitlensImage, 1);
  image->width = width;
  image->height = height;
  image->pixels = g_malloc0 (image_pixel_bytes (width, height));
  return image;
}

BitlensImage *
bitlens_image_try_new (guint64      width,
                       guint64      height,
                       const char  *display_name,
                       GError     **error)
{
  BitlensImage *image;
  gsize n_pixels, n_bytes;

  if (width == 0 || height == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: the image has no pixels (%" PRIu64 " x %" PRIu64 ")"),
                   display_name, width, height);
      return NULL;
    }
  if (width > BITLENS_IMAGE_MAX_SIDE || height > BITLENS_IMAGE_MAX_SIDE)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: the image is %" PRIu64 " x %" PRIu64
                     " pixels; at most %d pixels per side are accepted"),
                   display_name, width, height, BITLENS_IMAGE_MAX_SIDE);
      return NULL;
    }
  if (!g_size_checked_mul (&n_pixels, (gsize) width, (gsize) height) ||
      !g_size_checked_mul (&n_bytes, n_pixels, 3))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: the image size %" PRIu64 " x %" PRIu64 " overflows"),
                   display_name, width, height);
      return NULL;
    }

  image = g_new0 (BitlensImage, 1);
  image->width = (int) width;
  image->height = (int) height;
  image->pixels = g_try_malloc (n_bytes);
  if (image->pixels == NULL)
    {
      g_free (image);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: cannot allocate %zu bytes for the pixels"),
                   display_name, n_bytes);
      return NULL;
    }
  return image;
}

BitlensImage *
bitlens_image_copy (const BitlensImage *image)
{
  BitlensImage *copy;

  g_return_val_if_fail (image != NULL, NULL);

  copy = g_new0 (BitlensImage, 1);
  copy->width = image->width;
  copy->height = image->height;
  copy->pixels = g_memdup2 (image->pixels, image_pixel_bytes (image->width, image->height));
  return copy;
}

void
bitlens_image_free (BitlensImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

static gboolean
has_signature (const guint8 *data,
               gsize         n_bytes,
               const guint8 *signature,
               gsize         signature_bytes)
{
  return n_bytes >= signature_bytes && memcmp (data, signature, signature_bytes) == 0;
}

BitlensImage *
bitlens_image_decode (const guint8  *data,
                      gsize          n_bytes,
                      const char    *display_name,
                      GError       **error)
{
  g_return_val_if_fail (data != NULL || n_bytes == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  if (has_signature (data, n_bytes, png_signature, sizeof png_signature))
    return bitlens_image_decode_png (data, n_bytes, display_name, error);
  if (has_signature (data, n_bytes, jpeg_signature, sizeof jpeg_signature))
    return bitlens_image_decode_jpeg (data, n_bytes, display_name, error);

  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
               _("%s: not a PNG or JPEG file"), display_name);
  return NULL;
}

BitlensImage *
bitlens_image_load (const char  *path,
                    GError     **error)
{
  g_autofree char *display_name = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) read_error = NULL;
  gsize n_bytes = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &n_bytes, &read_error))
    {
      g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_IO, read_error->message);
      return NULL;
    }
  display_name = g_filename_display_name (path);
  return bitlens_image_decode ((const guint8 *) contents, n_bytes, display_name, error);
}
