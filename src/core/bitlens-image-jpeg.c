/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <setjmp.h>
#include <stdio.h>

#include <glib/gi18n-lib.h>
#include <jpeglib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-image-private.h"

/* JPEG decoding with libjpeg-turbo. Its default error_exit prints and exits; ours formats the
 * message and longjmps back to the decoder. Warnings (corrupt entropy data, a premature end
 * of file, for which libjpeg would go on and fill the rest with gray) are errors too: a
 * damaged file is refused, never half decoded. As for PNG, all state touched after a longjmp
 * is on the heap behind a pointer that does not change after setjmp. */

typedef struct
{
  struct jpeg_error_mgr          manager;   /* first: libjpeg casts cinfo->err to this */
  jmp_buf                        jump;
  char                           message[JMSG_LENGTH_MAX];
} JpegErrorHandler;

typedef struct
{
  struct jpeg_decompress_struct  cinfo;
  JpegErrorHandler               handler;
  BitlensImage                  *image;
  gboolean                       decoded;
} JpegState;

G_STATIC_ASSERT (G_STRUCT_OFFSET (JpegErrorHandler, manager) == 0);

static void
jpeg_handler_error_exit (j_common_ptr cinfo)
{
  JpegErrorHandler *handler = (JpegErrorHandler *) cinfo->err;

  handler->manager.format_message (cinfo, handler->message);
  longjmp (handler->jump, 1);
}

static void
jpeg_handler_emit_message (j_common_ptr cinfo,
                           int          level)
{
  /* level -1 is a warning about damaged data; higher levels are trace messages. */
  if (level < 0)
    jpeg_handler_error_exit (cinfo);
}

BitlensImage *
bitlens_image_decode_jpeg (const guint8  *data,
                           gsize          n_bytes,
                           const char    *display_name,
                           GError       **error)
{
  g_autofree JpegState *state = g_new0 (JpegState, 1);

  state->cinfo.err = jpeg_std_error (&state->handler.manager);
  state->handler.manager.error_exit = jpeg_handler_error_exit;
  state->handler.manager.emit_message = jpeg_handler_emit_message;

  if (setjmp (state->handler.jump))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: corrupt or truncated JPEG: %s"), display_name, state->handler.message);
      goto out;
    }

  jpeg_create_decompress (&state->cinfo);
  jpeg_mem_src (&state->cinfo, data, n_bytes);
  jpeg_read_header (&state->cinfo, TRUE);

  if (state->cinfo.jpeg_color_space == JCS_CMYK || state->cinfo.jpeg_color_space == JCS_YCCK)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: CMYK JPEG files are not supported"), display_name);
      goto out;
    }
  state->image = bitlens_image_try_new (state->cinfo.image_width, state->cinfo.image_height,
                                        display_name, error);
  if (state->image == NULL)
    goto out;

  /* libjpeg's defaults otherwise: islow DCT, fancy upsampling (as djpeg). Gray expands to
   * R = G = B. */
  state->cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&state->cinfo);
  if (state->cinfo.output_components != 3 ||
      state->cinfo.output_width != (JDIMENSION) state->image->width ||
      state->cinfo.output_height != (JDIMENSION) state->image->height)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                   _("%s: unexpected JPEG output layout (%d components)"), display_name,
                   state->cinfo.output_components);
      goto out;
    }

  while (state->cinfo.output_scanline < state->cinfo.output_height)
    {
      JSAMPROW row = state->image->pixels + (gsize) state->cinfo.output_scanline * state->image->width * 3;
      if (jpeg_read_scanlines (&state->cinfo, &row, 1) != 1)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IMAGE_INVALID,
                       _("%s: the JPEG decoder stopped at row %u"), display_name,
                       state->cinfo.output_scanline);
          goto out;
        }
    }
  jpeg_finish_decompress (&state->cinfo);

  state->decoded = TRUE;

out:
  jpeg_destroy_decompress (&state->cinfo);
  if (!state->decoded)
    g_clear_pointer (&state->image, bitlens_image_free);
  return state->image;
}
