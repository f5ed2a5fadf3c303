/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <png.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-image-private.h"

/* PNG decoding and encoding with libpng. libpng reports errors by calling our error function,
 * which records the message and longjmps back to the setjmp in the caller. Everything the
 * caller touches after a longjmp lives in a heap-allocated state whose pointer is set before
 * setjmp and never changes, so no local variable is left indeterminate. */

typedef struct
{
  png_structp    png;
  png_infop      info;
  char           message[256];

  /* Reading */
  const guint8  *data;
  gsize          n_bytes;
  gsize          offset;
  BitlensImage  *image;
  png_bytep     *rows;
  gboolean       decoded;

  /* Writing */
  GByteArray    *output;
} PngState;

static void
png_state_error (png_structp     png,
                 png_const_charp message)
{
  PngState *state = png_get_error_ptr (png);

  g_strlcpy (state->message, message, sizeof state->message);
  png_longjmp (png, 1);
}

static void
png_state_warning (png_structp     png,
                   png_const_charp message)
{
  /* Warnings (a damaged ancillary chunk, an unknown sRGB profile ...) do not stop decoding. */
  g_debug ("libpng: %s", message);
}

static void
png_state_read (png_structp png,
                png_bytep   out,
                png_size_t  n_bytes)
{
  PngState *state = png_get_io_ptr (png);

  if (n_bytes > state->n_bytes - state->offset)
    png_error (png, "the file ends early (truncated)");
  memcpy (out, state->data + state->offset, n_bytes);
  state->offset += n_bytes;
}

/* Asks libpng for 8-bit RGB whatever the file holds: palettes and gray expand to RGB, 16-bit
 * samples scale to 8 bits with rounding (v * 255 / 65535 to nearest), alpha (a channel or a
 * tRNS chunk) is dropped without compositing. */
static void
png_request_rgb8 (png_structp png,
                  png_infop   info)
{
  int color_type = png_get_color_type (png, info);
  int bit_depth = png_get_bit_depth (png, info);

  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (bit_depth == 16)
    png_set_scale_16 (png);
  if ((color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_strip_alpha (png);
  if ((color_type & PNG_COLOR_MASK_COLOR) == 0)
    png_set_gray_to_rgb (png);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
}

BitlensImage *
bitlens_image_decode_png (const guint8  *data,
                          gsize          n_bytes,
                          const char    *display_name,
                          GError       **error)
{
  g_autofree PngState *state = g_new0 (PngState, 1);

  state->data = data;
  state->n_bytes = n_bytes;
  state->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, state, png_state_error, png_state_warning);
  if (state->png == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: cannot set up the PNG decoder"), display_name);
      return NULL;
    }

  if (setjmp (png_jmpbuf (state->png)))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: corrupt or truncated PNG: %s"), display_name, state->message);
      goto out;
    }

  state->info = png_create_info_struct (state->png);
  if (state->info == NULL)
    png_error (state->png, "cannot allocate the PNG info structure");
  png_set_read_fn (state->png, state, png_state_read);
  png_read_info (state->png, state->info);

  state->image = bitlens_image_try_new (png_get_image_width (state->png, state->info),
                                        png_get_image_height (state->png, state->info),
                                        display_name, error);
  if (state->image == NULL)
    goto out;

  png_request_rgb8 (state->png, state->info);
  if (png_get_channels (state->png, state->info) != 3 ||
      png_get_bit_depth (state->png, state->info) != 8 ||
      png_get_rowbytes (state->png, state->info) != (gsize) state->image->width * 3)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: unsupported PNG layout (colour type %d, bit depth %d)"), display_name,
                   png_get_color_type (state->png, state->info), png_get_bit_depth (state->png, state->info));
      goto out;
    }

  state->rows = g_new (png_bytep, state->image->height);
  for (int y = 0; y < state->image->height; y++)
    state->rows[y] = state->image->pixels + (gsize) y * state->image->width * 3;
  png_read_image (state->png, state->rows);
  /* Reads the chunks after the image data up to IEND, so that a file cut short after its
   * pixels is refused too. */
  png_read_end (state->png, NULL);

  state->decoded = TRUE;

out:
  png_destroy_read_struct (&state->png, state->info != NULL ? &state->info : NULL, NULL);
  g_clear_pointer (&state->rows, g_free);
  if (!state->decoded)
    g_clear_pointer (&state->image, bitlens_image_free);
  return state->image;
}

static void
png_state_write (png_structp png,
                 png_bytep   bytes,
                 png_size_t  n_bytes)
{
  PngState *state = png_get_io_ptr (png);

  g_byte_array_append (state->output, bytes, n_bytes);
}

static void
png_state_flush (png_structp png)
{
}

gboolean
bitlens_image_save_png (const BitlensImage  *image,
                        const char          *path,
                        GError             **error)
{
  g_autofree PngState *state = g_new0 (PngState, 1);
  g_autoptr(GByteArray) output = g_byte_array_new ();
  g_autofree char *display_name = NULL;
  g_autoptr(GError) write_error = NULL;
  gboolean encoded = FALSE;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  display_name = g_filename_display_name (path);
  state->output = output;
  state->png = png_create_write_struct (PNG_LIBPNG_VER_STRING, state, png_state_error, png_state_warning);
  if (state->png == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("%s: cannot set up the PNG encoder"), display_name);
      return FALSE;
    }

  if (setjmp (png_jmpbuf (state->png)))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO,
                   _("%s: cannot encode the PNG: %s"), display_name, state->message);
      goto out;
    }

  state->info = png_create_info_struct (state->png);
  if (state->info == NULL)
    png_error (state->png, "cannot allocate the PNG info structure");
  png_set_write_fn (state->png, state, png_state_write, png_state_flush);
  png_set_IHDR (state->png, state->info, image->width, image->height, 8, PNG_COLOR_TYPE_RGB,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (state->png, state->info);
  for (int y = 0; y < image->height; y++)
    png_write_row (state->png, image->pixels + (gsize) y * image->width * 3);
  png_write_end (state->png, NULL);
  encoded = TRUE;

out:
  png_destroy_write_struct (&state->png, state->info != NULL ? &state->info : NULL);
  if (!encoded)
    return FALSE;

  if (!g_file_set_contents (path, (const char *) output->data, output->len, &write_error))
    {
      g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_IO, write_error->message);
      return FALSE;
    }
  return TRUE;
}
