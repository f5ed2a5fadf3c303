/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lce-common.h"
#include "quantization-math.h"

/* LceBMaxPool2d: the max of +-1 values over a window is the AND of their packed words
 * (bit 1 means -1), taken over the window clipped to the input; padding taps are ignored
 * (larq compute-engine core/bmaxpool.h, tflite/kernels/bmaxpool.cc). */

typedef struct
{
  int batches, in_height, in_width;
  int words;
  int out_height, out_width;
  int filter_height, filter_width;
  int stride_height, stride_width;
  int pad_top, pad_left;
} LceBMaxPoolPrepared;

static gboolean
lce_bmaxpool_prepare (const BitlensModel *model,
                      BitlensOp          *op,
                      GError            **error)
{
  g_autofree LceBMaxPoolPrepared *p = g_new0 (LceBMaxPoolPrepared, 1);
  const BitlensOpOptions *options = &op->options;
  const BitlensTensor *input, *output;

  if (!bitlens_lce_expect_arity (model, op, 1, 1, error))
    return FALSE;
  input = bitlens_lce_require_input (model, op, 0, "input", error);
  if (input == NULL)
    return FALSE;
  output = bitlens_op_output (model, op, 0);
  if (!bitlens_lce_expect_type (input, "input", BITLENS_TYPE_INT32, error)
      || !bitlens_lce_expect_rank (input, "input", 4, error)
      || !bitlens_lce_expect_type (output, "output", BITLENS_TYPE_INT32, error)
      || !bitlens_lce_expect_rank (output, "output", 4, error))
    return FALSE;

  if (options->filter_w < 1 || options->filter_h < 1 || options->stride_w < 1 || options->stride_h < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("filter %dx%d and stride %dx%d (width x height) must be positive"),
                   options->filter_w, options->filter_h, options->stride_w, options->stride_h);
      return FALSE;
    }
  if (options->padding != BITLENS_PADDING_SAME && options->padding != BITLENS_PADDING_VALID)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("padding %d is neither SAME (0) nor VALID (1)"), (int) options->padding);
      return FALSE;
    }

  p->batches = input->shape[0];
  p->in_height = input->shape[1];
  p->in_width = input->shape[2];
  p->words = input->shape[3];
  p->filter_height = options->filter_h;
  p->filter_width = options->filter_w;
  p->stride_height = options->stride_h;
  p->stride_width = options->stride_w;
  if (p->batches < 0 || p->words < 0
      || !bitlens_compute_padding (options->padding, p->in_height, p->filter_height,
                                   p->stride_height, 1, &p->out_height, &p->pad_top)
      || !bitlens_compute_padding (options->padding, p->in_width, p->filter_width,
                                   p->stride_width, 1, &p->out_width, &p->pad_left))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input %s with a %dx%d filter and stride %dx%d gives an empty output"),
                   shape, p->filter_width, p->filter_height, p->stride_width, p->stride_height);
      return FALSE;
    }
  if (!bitlens_lce_expect_dimension (output, "output", 0, p->batches, error)
      || !bitlens_lce_expect_dimension (output, "output", 1, p->out_height, error)
      || !bitlens_lce_expect_dimension (output, "output", 2, p->out_width, error)
      || !bitlens_lce_expect_dimension (output, "output", 3, p->words, error))
    return FALSE;

  op->prepared = g_steal_pointer (&p);
  op->prepared_free = g_free;
  return TRUE;
}

static void
lce_bmaxpool_eval (const BitlensKernelCall *call)
{
  const LceBMaxPoolPrepared *p = call->op->prepared;
  BitlensRegion region = bitlens_lce_clip_region (&call->region, p->out_height, p->out_width);
  const guint32 *in = call->inputs[0];
  guint32 *out = call->outputs[0];

  for (int b = 0; b < p->batches; b++)
    for (int out_y = region.y0; out_y < region.y1; out_y++)
      for (int out_x = region.x0; out_x < region.x1; out_x++)
        {
          int origin_y = out_y * p->stride_height - p->pad_top;
          int origin_x = out_x * p->stride_width - p->pad_left;
          int y_begin = MAX (origin_y, 0), y_end = MIN (origin_y + p->filter_height, p->in_height);
          int x_begin = MAX (origin_x, 0), x_end = MIN (origin_x + p->filter_width, p->in_width);
          guint32 *out_pixel = out + (((gsize) b * p->out_height + out_y) * p->out_width + out_x) * p->words;

          for (int w = 0; w < p->words; w++)
            {
              guint32 all = G_MAXUINT32;

              for (int y = y_begin; y < y_end; y++)
                for (int x = x_begin; x < x_end; x++)
                  all &= in[(((gsize) b * p->in_height + y) * p->in_width + x) * p->words + w];
              out_pixel[w] = all;
            }
        }
}

const BitlensKernel bitlens_kernel_lce_bmaxpool2d = {
  BITLENS_OP_LCE_BMAXPOOL2D, lce_bmaxpool_prepare, lce_bmaxpool_eval, NULL, TRUE
};
