/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "lce-common.h"

/* LceQuantize packs the signs of a float32, int8 or bool tensor along its last axis into
 * int32 words; LceDequantize unpacks them to +-1 values (SEMANTICS.md section 3,
 * larq compute-engine tflite/kernels/quantization.cc and core/bitpacking/bitpack.h). */

typedef struct
{
  /* The unpacked tensor seen as [batches, height, width, channels]: rank-4 tensors as
   * they are, other ranks as [outer, 1, 1, last]. */
  int     batches, height, width;
  int     channels;
  int     words;                 /* packed words a pixel: ceil (channels / 32) */
  gint32  zero_point;            /* LceQuantize int8 input: bit = (q < zero_point) */
  gint8   zero_bit_value;        /* LceDequantize int8 output for a 0 bit (+1) */
  gint8   one_bit_value;         /* and for a 1 bit (-1) */
} LcePackingPrepared;

/* Checks that @packed is the packed twin of @unpacked (same shape but the last axis,
 * which is ceil (C / 32)) and fills the geometry of @prepared. */
static gboolean
lce_packing_check_shapes (const BitlensTensor *unpacked,
                          const char          *unpacked_role,
                          const BitlensTensor *packed,
                          const char          *packed_role,
                          LcePackingPrepared  *prepared,
                          GError             **error)
{
  int last;
  gint64 outer = 1;

  if (unpacked->rank < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s (tensor \"%s\") is a scalar; packing needs a channel axis"),
                   unpacked_role, unpacked->name);
      return FALSE;
    }
  if (!bitlens_lce_expect_rank (packed, packed_role, unpacked->rank, error))
    return FALSE;

  last = unpacked->rank - 1;
  for (int axis = 0; axis <= last; axis++)
    if (unpacked->shape[axis] < 0)
      {
        g_autofree char *shape = bitlens_tensor_format_shape (unpacked);
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("%s (tensor \"%s\") has a negative dimension in %s"),
                     unpacked_role, unpacked->name, shape);
        return FALSE;
      }
  for (int axis = 0; axis < last; axis++)
    {
      if (!bitlens_lce_expect_dimension (packed, packed_role, axis, unpacked->shape[axis], error))
        return FALSE;
      outer *= unpacked->shape[axis];
    }
  if (!bitlens_lce_expect_dimension (packed, packed_role, last,
                                     bitlens_lce_packed_words (unpacked->shape[last]), error))
    return FALSE;

  /* An empty tensor leaves nothing to do; otherwise outer <= n_elements fits an int. */
  if (unpacked->n_elements == 0)
    outer = 0;

  prepared->channels = unpacked->shape[last];
  prepared->words = packed->shape[last];
  if (unpacked->rank == 4)
    {
      prepared->batches = outer == 0 ? 0 : unpacked->shape[0];
      prepared->height = unpacked->shape[1];
      prepared->width = unpacked->shape[2];
    }
  else
    {
      prepared->batches = (int) MIN (outer, (gint64) G_MAXINT);
      prepared->height = 1;
      prepared->width = 1;
    }
  return TRUE;
}

static gboolean
lce_quantize_prepare (const BitlensModel *model,
                      BitlensOp          *op,
                      GError            **error)
{
  g_autofree LcePackingPrepared *prepared = g_new0 (LcePackingPrepared, 1);
  const BitlensTensor *input, *output;

  if (!bitlens_lce_expect_arity (model, op, 1, 1, error))
    return FALSE;
  input = bitlens_lce_require_input (model, op, 0, "input", error);
  if (input == NULL)
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  switch (input->type)
    {
    case BITLENS_TYPE_FLOAT32:
    case BITLENS_TYPE_BOOL:
      break;
    case BITLENS_TYPE_INT8:
      if (input->n_scales > 1)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("input (tensor \"%s\") is quantized per channel; LceQuantize takes one zero point"),
                       input->name);
          return FALSE;
        }
      prepared->zero_point = (gint32) CLAMP (input->n_scales == 1 ? input->zero_points[0] : 0,
                                             G_MININT32, G_MAXINT32);
      break;
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("input (tensor \"%s\") has type %s, expected float32, int8 or bool"),
                   input->name, bitlens_tensor_type_name (input->type));
      return FALSE;
    }
  if (!bitlens_lce_expect_type (output, "output", BITLENS_TYPE_INT32, error))
    return FALSE;
  if (!lce_packing_check_shapes (input, "input", output, "output", prepared, error))
    return FALSE;

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static gboolean
lce_dequantize_prepare (const BitlensModel *model,
                        BitlensOp          *op,
                        GError            **error)
{
  g_autofree LcePackingPrepared *prepared = g_new0 (LcePackingPrepared, 1);
  const BitlensTensor *input, *output;

  if (!bitlens_lce_expect_arity (model, op, 1, 1, error))
    return FALSE;
  input = bitlens_lce_require_input (model, op, 0, "input", error);
  if (input == NULL)
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_lce_expect_type (input, "input", BITLENS_TYPE_INT32, error))
    return FALSE;
  switch (output->type)
    {
    case BITLENS_TYPE_FLOAT32:
    case BITLENS_TYPE_BOOL:
      break;
    case BITLENS_TYPE_INT8:
      {
        float offset;
        int zero_point;

        if (!bitlens_lce_expect_int8_quantization (output, "output", error))
          return FALSE;
        /* offset = round (1.0f / scale) in float, as TfLiteRound on the float quotient. */
        offset = roundf (1.0f / output->scales[0]);
        zero_point = (int) output->zero_points[0];
        prepared->zero_bit_value = (gint8) MIN (127.0, (double) zero_point + (double) offset);
        prepared->one_bit_value = (gint8) MAX (-128.0, (double) zero_point - (double) offset);
      }
      break;
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("output (tensor \"%s\") has type %s, expected float32, int8 or bool"),
                   output->name, bitlens_tensor_type_name (output->type));
      return FALSE;
    }
  if (!lce_packing_check_shapes (output, "output", input, "input", prepared, error))
    return FALSE;

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

/* Bit 1 (-1) for a negative element. */
static inline guint32
lce_sign_bit (BitlensTensorType type,
              const void       *pixel,
              int               channel,
              gint32            zero_point)
{
  switch (type)
    {
    case BITLENS_TYPE_FLOAT32:
      return ((const float *) pixel)[channel] < 0.0f;
    case BITLENS_TYPE_INT8:
      return ((const gint8 *) pixel)[channel] < zero_point;
    case BITLENS_TYPE_BOOL:
      return ((const guint8 *) pixel)[channel] == 0;
    default:
      g_assert_not_reached ();
    }
}

static void
lce_quantize_eval (const BitlensKernelCall *call)
{
  const LcePackingPrepared *p = call->op->prepared;
  const BitlensTensor *input = bitlens_op_input (call->model, call->op, 0);
  BitlensRegion region = bitlens_lce_clip_region (&call->region, p->height, p->width);
  gsize element_size = bitlens_tensor_type_size (input->type);
  const guint8 *in = call->inputs[0];
  guint32 *out = call->outputs[0];

  for (int b = 0; b < p->batches; b++)
    for (int y = region.y0; y < region.y1; y++)
      for (int x = region.x0; x < region.x1; x++)
        {
          gsize pixel = ((gsize) b * p->height + y) * p->width + x;
          const guint8 *in_pixel = in + pixel * p->channels * element_size;
          guint32 *out_pixel = out + pixel * p->words;

          for (int w = 0; w < p->words; w++)
            {
              int first = w * BITLENS_LCE_BITS_PER_WORD;
              int count = MIN (BITLENS_LCE_BITS_PER_WORD, p->channels - first);
              guint32 word = 0;

              for (int i = 0; i < count; i++)
                word |= lce_sign_bit (input->type, in_pixel, first + i, p->zero_point) << i;
              out_pixel[w] = word;
            }
        }
}

static void
lce_dequantize_eval (const BitlensKernelCall *call)
{
  const LcePackingPrepared *p = call->op->prepared;
  const BitlensTensor *output = bitlens_op_output (call->model, call->op, 0);
  BitlensRegion region = bitlens_lce_clip_region (&call->region, p->height, p->width);
  const guint32 *in = call->inputs[0];

  for (int b = 0; b < p->batches; b++)
    for (int y = region.y0; y < region.y1; y++)
      for (int x = region.x0; x < region.x1; x++)
        {
          gsize pixel = ((gsize) b * p->height + y) * p->width + x;
          const guint32 *in_pixel = in + pixel * p->words;
          gsize first = pixel * p->channels;

          for (int c = 0; c < p->channels; c++)
            {
              gboolean minus = (in_pixel[c / BITLENS_LCE_BITS_PER_WORD] >> (c % BITLENS_LCE_BITS_PER_WORD)) & 1;

              switch (output->type)
                {
                case BITLENS_TYPE_FLOAT32:
                  ((float *) call->outputs[0])[first + c] = minus ? -1.0f : 1.0f;
                  break;
                case BITLENS_TYPE_INT8:
                  ((gint8 *) call->outputs[0])[first + c] = minus ? p->one_bit_value : p->zero_bit_value;
                  break;
                case BITLENS_TYPE_BOOL:
                  ((guint8 *) call->outputs[0])[first + c] = !minus;
                  break;
                default:
                  g_assert_not_reached ();
                }
            }
        }
}

const BitlensKernel bitlens_kernel_lce_quantize = {
  BITLENS_OP_LCE_QUANTIZE, lce_quantize_prepare, lce_quantize_eval, NULL, TRUE
};

const BitlensKernel bitlens_kernel_lce_dequantize = {
  BITLENS_OP_LCE_DEQUANTIZE, lce_dequantize_prepare, lce_dequantize_eval, NULL, TRUE
};
