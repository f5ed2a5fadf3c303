/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"

/* PAD (TFLM pad.cc): output = input surrounded by paddings[d][0] values before and
 * paddings[d][1] after along each axis d; int8 pads with the output zero point, float32
 * with 0. Any rank up to BITLENS_MAX_RANK; rank 4 outputs honour the region. */

typedef struct
{
  int    rank;
  gsize  element_size;
  guint8 pad_bytes[4];                       /* one padding element */
  int    in_shape[BITLENS_MAX_RANK];
  int    out_shape[BITLENS_MAX_RANK];
  int    before[BITLENS_MAX_RANK];
  gsize  in_strides[BITLENS_MAX_RANK];       /* in elements */
  gsize  out_strides[BITLENS_MAX_RANK];
} PadParams;

static gboolean
pad_prepare (const BitlensModel *model,
             BitlensOp          *op,
             GError            **error)
{
  const BitlensTensor *input, *paddings, *output;
  gint64 values[2 * BITLENS_MAX_RANK];
  int expected[BITLENS_MAX_RANK];
  PadParams *params;

  if (!bitlens_prepare_check_arity (model, op, 2, 2, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error) ||
      !bitlens_prepare_get_input (model, op, 1, _("paddings"), TRUE, &paddings, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (input, _("input"), error) ||
      !bitlens_prepare_check_type (output, _("output"), input->type, error) ||
      !bitlens_prepare_check_dimensions (input, _("input"), error))
    return FALSE;
  if (input->rank < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED, _("input is a scalar"));
      return FALSE;
    }
  expected[0] = input->rank;
  expected[1] = 2;
  if (!bitlens_prepare_check_shape (paddings, _("paddings"), 2, expected, error) ||
      !bitlens_prepare_read_int_constant (paddings, _("paddings"), values, error))
    return FALSE;
  if (input->type == BITLENS_TYPE_INT8 &&
      !bitlens_prepare_check_int8_per_tensor (output, _("output"), error))
    return FALSE;

  for (int d = 0; d < input->rank; d++)
    {
      gint64 size = input->shape[d] + values[2 * d] + values[2 * d + 1];

      if (values[2 * d] < 0 || values[2 * d + 1] < 0 || size > G_MAXINT)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("paddings of axis %d are %" PRId64 " and %" PRId64
                         "; they must be non-negative and keep the size below 2^31"),
                       d, values[2 * d], values[2 * d + 1]);
          return FALSE;
        }
      expected[d] = (int) size;
    }
  if (!bitlens_prepare_check_shape (output, _("output"), input->rank, expected, error))
    return FALSE;

  params = g_new0 (PadParams, 1);
  params->rank = input->rank;
  params->element_size = bitlens_tensor_type_size (input->type);
  if (input->type == BITLENS_TYPE_INT8)
    params->pad_bytes[0] = (guint8) (gint8) output->zero_points[0];
  /* float32: the bytes of +0.0f are all zero. */
  for (int d = 0; d < input->rank; d++)
    {
      params->in_shape[d] = input->shape[d];
      params->out_shape[d] = output->shape[d];
      params->before[d] = (int) values[2 * d];
    }
  params->in_strides[input->rank - 1] = params->out_strides[input->rank - 1] = 1;
  for (int d = input->rank - 2; d >= 0; d--)
    {
      params->in_strides[d] = params->in_strides[d + 1] * params->in_shape[d + 1];
      params->out_strides[d] = params->out_strides[d + 1] * params->out_shape[d + 1];
    }

  op->prepared = params;
  op->prepared_free = g_free;
  return TRUE;
}

static void
fill_padding (const PadParams *params,
              guint8          *out,
              gsize            n_elements)
{
  if (params->element_size == 1)
    memset (out, params->pad_bytes[0], n_elements);
  else
    for (gsize i = 0; i < n_elements; i++)
      memcpy (out + i * params->element_size, params->pad_bytes, params->element_size);
}

static void
pad_eval (const BitlensKernelCall *call)
{
  const PadParams *params = call->op->prepared;
  const guint8 *input = call->inputs[0];
  guint8 *output = call->outputs[0];
  int last = params->rank - 1;
  int low[BITLENS_MAX_RANK], high[BITLENS_MAX_RANK], index[BITLENS_MAX_RANK];
  gsize esize = params->element_size;

  for (int d = 0; d < params->rank; d++)
    {
      low[d] = 0;
      high[d] = params->out_shape[d];
    }
  if (params->rank == 4)
    {
      bitlens_region_assert_inside (&call->region, params->out_shape[1], params->out_shape[2]);
      low[1] = call->region.y0;
      high[1] = call->region.y1;
      low[2] = call->region.x0;
      high[2] = call->region.x1;
    }
  for (int d = 0; d < last; d++)
    {
      if (low[d] >= high[d])
        return;
      index[d] = low[d];
    }

  /* One output row (along the last axis) at a time. */
  for (;;)
    {
      gboolean inside = TRUE;
      gsize out_offset = 0, in_offset = 0;
      guint8 *out;

      for (int d = 0; d < last; d++)
        {
          int in_index = index[d] - params->before[d];

          inside = inside && in_index >= 0 && in_index < params->in_shape[d];
          out_offset += index[d] * params->out_strides[d];
          in_offset += (gsize) MAX (in_index, 0) * params->in_strides[d];
        }
      out = output + out_offset * esize;
      if (!inside)
        fill_padding (params, out, params->out_shape[last]);
      else
        {
          int before = params->before[last];
          int width = params->in_shape[last];

          fill_padding (params, out, before);
          memcpy (out + before * esize, input + in_offset * esize, width * esize);
          fill_padding (params, out + (gsize) (before + width) * esize,
                        params->out_shape[last] - before - width);
        }

      /* Next row: an odometer over the axes before the last. */
      int d = last - 1;
      for (; d >= 0; d--)
        {
          if (++index[d] < high[d])
            break;
          index[d] = low[d];
        }
      if (d < 0)
        return;
    }
}

const BitlensKernel bitlens_kernel_pad = {
  BITLENS_OP_PAD, pad_prepare, pad_eval, NULL, TRUE,
};
