/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"
#include "quantization-math.h"

/* QUANTIZE and DEQUANTIZE, as TFLM's quantize_common.cc, dequantize_common.cc and
 * reference/quantize.h, requantize.h, dequantize.h (SEMANTICS.md section 2).
 *
 * QUANTIZE float32 -> int8 / uint8 / int16: roundf (x / scale) + zero point, clamped.
 * NaN gives the zero point and infinities saturate (the reference's float-to-int
 * conversion is undefined there).
 * QUANTIZE between integer types (requantize): MBQM (q - zp_in, QuantizeMultiplier
 * (s_in / s_out)) + zp_out, clamped.
 * DEQUANTIZE int8 / uint8 / int16 -> float32: scale * (float) (q - zero point). */

typedef struct
{
  BitlensTensorType input_type;
  BitlensTensorType output_type;
  gsize             n_elements;

  float             scale;               /* output's (QUANTIZE) or input's (DEQUANTIZE) */
  gint32            input_zero_point;
  gint32            output_zero_point;
  gint32            output_min, output_max;
  gint32            requantize_multiplier;
  int               requantize_shift;
} QuantizePrepared;

static gboolean
integer_range (BitlensTensorType type,
               gint32           *low,
               gint32           *high)
{
  switch (type)
    {
    case BITLENS_TYPE_INT8: *low = G_MININT8; *high = G_MAXINT8; return TRUE;
    case BITLENS_TYPE_UINT8: *low = 0; *high = G_MAXUINT8; return TRUE;
    case BITLENS_TYPE_INT16: *low = G_MININT16; *high = G_MAXINT16; return TRUE;
    default: return FALSE;
    }
}

static gint32
read_integer (BitlensTensorType  type,
              const void        *data,
              gsize              index)
{
  switch (type)
    {
    case BITLENS_TYPE_INT8: return ((const gint8 *) data)[index];
    case BITLENS_TYPE_UINT8: return ((const guint8 *) data)[index];
    case BITLENS_TYPE_INT16: return ((const gint16 *) data)[index];
    default: g_assert_not_reached ();
    }
}

static void
write_integer (BitlensTensorType  type,
               void              *data,
               gsize              index,
               gint32             value)
{
  switch (type)
    {
    case BITLENS_TYPE_INT8: ((gint8 *) data)[index] = (gint8) value; break;
    case BITLENS_TYPE_UINT8: ((guint8 *) data)[index] = (guint8) value; break;
    case BITLENS_TYPE_INT16: ((gint16 *) data)[index] = (gint16) value; break;
    default: g_assert_not_reached ();
    }
}

/* One scale, finite and positive, and a zero point that the tensor's integer type holds. */
static gboolean
check_per_tensor_quantization (const BitlensTensor  *tensor,
                               const char           *role,
                               GError              **error)
{
  gint32 low, high;

  if (tensor->type == BITLENS_TYPE_INT8)
    return bitlens_prepare_check_int8_per_tensor (tensor, role, error);

  if (tensor->n_scales != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s has %d quantization scales, expected one (per-tensor quantization)"),
                   role, tensor->n_scales);
      return FALSE;
    }
  if (!(isfinite (tensor->scales[0]) && tensor->scales[0] > 0.0f))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s has scale %g; scales must be finite and positive"),
                   role, (double) tensor->scales[0]);
      return FALSE;
    }
  if (!integer_range (tensor->type, &low, &high))
    g_assert_not_reached ();
  if (tensor->zero_points[0] < low || tensor->zero_points[0] > high)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s has zero point %" PRId64 ", outside the %s range"),
                   role, tensor->zero_points[0], bitlens_tensor_type_name (tensor->type));
      return FALSE;
    }
  return TRUE;
}

/* One input, one output of the same shape. */
static gboolean
expect_unary_op (const BitlensModel   *model,
                 const BitlensOp      *op,
                 const BitlensTensor **input,
                 const BitlensTensor **output,
                 GError              **error)
{
  if (!bitlens_prepare_check_arity (model, op, 1, 1, 1, error)
      || !bitlens_prepare_get_input (model, op, 0, "input", TRUE, input, error))
    return FALSE;
  *output = bitlens_op_output (model, op, 0);
  return bitlens_prepare_check_shape (*output, "output", (*input)->rank, (*input)->shape, error);
}

static gboolean
unsupported_conversion (const BitlensTensor  *input,
                        const BitlensTensor  *output,
                        GError              **error)
{
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
               _("converting %s to %s is not supported"),
               bitlens_tensor_type_name (input->type), bitlens_tensor_type_name (output->type));
  return FALSE;
}

static gboolean
quantize_prepare (const BitlensModel  *model,
                  BitlensOp           *op,
                  GError             **error)
{
  g_autofree QuantizePrepared *prepared = g_new0 (QuantizePrepared, 1);
  const BitlensTensor *input, *output;

  if (!expect_unary_op (model, op, &input, &output, error))
    return FALSE;
  if (!integer_range (output->type, &prepared->output_min, &prepared->output_max))
    return unsupported_conversion (input, output, error);
  if (!check_per_tensor_quantization (output, "output", error))
    return FALSE;

  prepared->input_type = input->type;
  prepared->output_type = output->type;
  prepared->n_elements = input->n_elements;
  prepared->scale = output->scales[0];
  prepared->output_zero_point = bitlens_tensor_zero_point (output);

  if (input->type != BITLENS_TYPE_FLOAT32)
    {
      gint32 low, high;
      double effective_scale;

      /* The requantizations TFLM runs between 8- and 16-bit types. */
      if (!integer_range (input->type, &low, &high)
          || (input->type == BITLENS_TYPE_UINT8 && output->type != BITLENS_TYPE_INT8)
          || (input->type == BITLENS_TYPE_INT16 && output->type == BITLENS_TYPE_UINT8))
        return unsupported_conversion (input, output, error);
      if (!check_per_tensor_quantization (input, "input", error))
        return FALSE;

      effective_scale = (double) input->scales[0] / (double) output->scales[0];
      bitlens_quantize_multiplier (effective_scale, &prepared->requantize_multiplier,
                                   &prepared->requantize_shift);
      if (prepared->requantize_shift > 31)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the rescaling factor s_in / s_out = %g is too large"), effective_scale);
          return FALSE;
        }
      prepared->input_zero_point = bitlens_tensor_zero_point (input);
    }

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static gint32
quantize_float_value (const QuantizePrepared *prepared,
                      float                   value)
{
  float rounded = roundf (value / prepared->scale);
  gint64 quantized;

  if (isnan (rounded))
    quantized = prepared->output_zero_point;
  else if (rounded >= 2147483648.0f)
    quantized = G_MAXINT64;
  else if (rounded < -2147483648.0f)
    quantized = G_MININT64;
  else
    quantized = (gint64) (gint32) rounded + prepared->output_zero_point;
  return (gint32) CLAMP (quantized, prepared->output_min, prepared->output_max);
}

static void
quantize_eval_reference (const BitlensKernelCall *call)
{
  const QuantizePrepared *prepared = call->op->prepared;

  if (prepared->input_type == BITLENS_TYPE_FLOAT32)
    {
      const float *input = call->inputs[0];

      for (gsize i = 0; i < prepared->n_elements; i++)
        write_integer (prepared->output_type, call->outputs[0], i,
                       quantize_float_value (prepared, input[i]));
    }
  else
    {
      for (gsize i = 0; i < prepared->n_elements; i++)
        {
          gint32 value = read_integer (prepared->input_type, call->inputs[0], i)
                         - prepared->input_zero_point;
          gint32 requantized = bitlens_multiply_by_quantized_multiplier (value,
                                                                         prepared->requantize_multiplier,
                                                                         prepared->requantize_shift)
                               + prepared->output_zero_point;

          write_integer (prepared->output_type, call->outputs[0], i,
                         bitlens_clamp_i32 (requantized, prepared->output_min, prepared->output_max));
        }
    }
}

static gboolean
dequantize_prepare (const BitlensModel  *model,
                    BitlensOp           *op,
                    GError             **error)
{
  g_autofree QuantizePrepared *prepared = g_new0 (QuantizePrepared, 1);
  const BitlensTensor *input, *output;
  gint32 low, high;

  if (!expect_unary_op (model, op, &input, &output, error))
    return FALSE;
  if (!integer_range (input->type, &low, &high) || output->type != BITLENS_TYPE_FLOAT32)
    return unsupported_conversion (input, output, error);
  if (!check_per_tensor_quantization (input, "input", error))
    return FALSE;

  prepared->input_type = input->type;
  prepared->output_type = output->type;
  prepared->n_elements = input->n_elements;
  prepared->scale = input->scales[0];
  prepared->input_zero_point = bitlens_tensor_zero_point (input);

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static void
dequantize_eval_reference (const BitlensKernelCall *call)
{
  const QuantizePrepared *prepared = call->op->prepared;
  float *output = call->outputs[0];

  for (gsize i = 0; i < prepared->n_elements; i++)
    {
      gint32 value = read_integer (prepared->input_type, call->inputs[0], i)
                     - prepared->input_zero_point;
      output[i] = prepared->scale * (float) value;
    }
}

const BitlensKernel bitlens_kernel_quantize = {
  .kind = BITLENS_OP_QUANTIZE,
  .prepare = quantize_prepare,
  .eval_reference = quantize_eval_reference,
  .eval_optimized = NULL,
  .spatial = FALSE,
};

const BitlensKernel bitlens_kernel_dequantize = {
  .kind = BITLENS_OP_DEQUANTIZE,
  .prepare = dequantize_prepare,
  .eval_reference = dequantize_eval_reference,
  .eval_optimized = NULL,
  .spatial = FALSE,
};
