/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "fixedpoint.h"
#include "kernel-prepare-util.h"
#include "quantization-math.h"

/* LOGISTIC, as TFLM's logistic.cc / logistic_common.cc and reference/logistic.h,
 * reference/integer_ops/logistic.h.
 *
 * float32: 1 for x > 16.619047..., expf (x) for x < -9, else 1 / (1 + expf (-x)).
 *
 * int8: q - zp_in is rescaled by s_in * 2^27 into Q4.27 (multiplier from frexp, without
 * QuantizeMultiplier's fix-up); outside the input radius the output saturates; inside,
 * gemmlowp's fixed-point logistic gives a Q0.31 value, rounded to 8 fractional bits and
 * offset by the output zero point -128. The output is read as scale 1/256; TFLM checks
 * only the zero point, so does this kernel. */

#define INPUT_INTEGER_BITS   4
#define OUTPUT_INTEGER_BITS  8
#define LOGISTIC_CUTOFF_UPPER 16.619047164916992188f
#define LOGISTIC_CUTOFF_LOWER (-9.0f)

typedef struct
{
  gint32 input_zero_point;
  gint32 input_multiplier;
  int    input_left_shift;     /* 0 <= shift */
  gint32 input_range_radius;
} LogisticPrepared;

static gboolean
logistic_prepare_int8 (const BitlensTensor  *input,
                       const BitlensTensor  *output,
                       LogisticPrepared     *prepared,
                       GError              **error)
{
  if (!bitlens_prepare_check_int8_per_tensor (input, "input", error)
      || !bitlens_prepare_check_int8_per_tensor (output, "output", error))
    return FALSE;
  if (bitlens_tensor_zero_point (output) != G_MININT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the int8 output must have zero point -128, it has %d"),
                   bitlens_tensor_zero_point (output));
      return FALSE;
    }

  double input_real_multiplier = (double) input->scales[0]
                                 * (double) (1 << (31 - INPUT_INTEGER_BITS));
  double q = frexp (input_real_multiplier, &prepared->input_left_shift);

  /* q has the 24 significant bits of a float, so q * 2^31 rounds below 2^31. A negative
   * shift (scale below 2^-28) would make the reference's radius overflow. */
  if (prepared->input_left_shift < 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the input scale %g is too small for the int8 kernel (at least 2^-28)"),
                   (double) input->scales[0]);
      return FALSE;
    }
  prepared->input_multiplier = (gint32) round (q * (double) (G_GINT64_CONSTANT (1) << 31));
  prepared->input_zero_point = bitlens_tensor_zero_point (input);

  prepared->input_range_radius = bitlens_fixedpoint_input_radius (INPUT_INTEGER_BITS,
                                                                   prepared->input_left_shift);
  return TRUE;
}

static gboolean
logistic_prepare (const BitlensModel  *model,
                  BitlensOp           *op,
                  GError             **error)
{
  g_autofree LogisticPrepared *prepared = g_new0 (LogisticPrepared, 1);
  const BitlensTensor *input, *output;

  if (!bitlens_prepare_check_arity (model, op, 1, 1, 1, error)
      || !bitlens_prepare_get_input (model, op, 0, "input", TRUE, &input, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (input->n_elements != output->n_elements)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the input has %zu elements, the output %zu"),
                   input->n_elements, output->n_elements);
      return FALSE;
    }
  if (input->type != output->type
      || (input->type != BITLENS_TYPE_FLOAT32 && input->type != BITLENS_TYPE_INT8))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("input %s to output %s is not supported (float32 or int8 to the same type are)"),
                   bitlens_tensor_type_name (input->type), bitlens_tensor_type_name (output->type));
      return FALSE;
    }
  if (input->type == BITLENS_TYPE_INT8
      && !logistic_prepare_int8 (input, output, prepared, error))
    return FALSE;

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static gint8
logistic_int8 (const LogisticPrepared *prepared,
               gint8                   value)
{
  gint32 input = (gint32) value - prepared->input_zero_point;

  if (input <= -prepared->input_range_radius)
    return G_MININT8;
  if (input >= prepared->input_range_radius)
    return G_MAXINT8;

  /* |input| < radius keeps the left shift of MultiplyByQuantizedMultiplier in range. */
  gint32 input_in_q4 = bitlens_multiply_by_quantized_multiplier (input, prepared->input_multiplier,
                                                                 prepared->input_left_shift);
  gint32 output_in_q0 = bitlens_fixedpoint_logistic (input_in_q4, INPUT_INTEGER_BITS);
  gint32 output_in_q23 = bitlens_rounding_divide_by_pot (output_in_q0, 31 - OUTPUT_INTEGER_BITS);

  return (gint8) bitlens_clamp_i32 (output_in_q23 + G_MININT8, G_MININT8, G_MAXINT8);
}

static float
logistic_float (float value)
{
  if (value > LOGISTIC_CUTOFF_UPPER)
    return 1.0f;
  if (value < LOGISTIC_CUTOFF_LOWER)
    return expf (value);
  return 1.0f / (1.0f + expf (-value));
}

static void
logistic_eval_reference (const BitlensKernelCall *call)
{
  const LogisticPrepared *prepared = call->op->prepared;
  const BitlensTensor *input = bitlens_op_input (call->model, call->op, 0);

  if (input->type == BITLENS_TYPE_INT8)
    {
      const gint8 *in = call->inputs[0];
      gint8 *out = call->outputs[0];

      for (gsize i = 0; i < input->n_elements; i++)
        out[i] = logistic_int8 (prepared, in[i]);
    }
  else
    {
      const float *in = call->inputs[0];
      float *out = call->outputs[0];

      for (gsize i = 0; i < input->n_elements; i++)
        out[i] = logistic_float (in[i]);
    }
}

const BitlensKernel bitlens_kernel_logistic = {
  .kind = BITLENS_OP_LOGISTIC,
  .prepare = logistic_prepare,
  .eval_reference = logistic_eval_reference,
  .eval_optimized = NULL,
  .spatial = FALSE,
};
