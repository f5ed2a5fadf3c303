/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "fixedpoint.h"
#include "kernel-prepare-util.h"
#include "quantization-math.h"

/* SOFTMAX over the last axis, as TFLM's softmax.cc / softmax_common.cc and
 * reference/softmax.h.
 *
 * float32: subtract the row's maximum, expf ((x - max) * beta) in float, divide by the
 * float sum.
 *
 * int8 (output scale 1/256, zero point -128): input differences d = q - max are scaled by
 * beta * s_in into Q5.26, exponentiated with gemmlowp's fixed-point exp, summed in Q12.19,
 * and multiplied by the fixed-point reciprocal of the sum. Differences below diff_min
 * contribute nothing and give -128. */

#define SCALED_DIFF_INTEGER_BITS   5
#define ACCUMULATION_INTEGER_BITS 12
/* Each exponential adds at most 1.0 = 2^19 to the Q12.19 sum: more entries than this could
 * overflow it (the reference's int32 sum would, too). */
#define SOFTMAX_INT8_MAX_DEPTH    4095

typedef struct
{
  gsize  outer_size;           /* rows */
  int    depth;                /* elements of a row (the last axis) */

  /* int8 */
  gint32 input_multiplier;
  int    input_left_shift;     /* >= 0 */
  gint32 diff_min;             /* <= 0 */

  /* float32 */
  float  beta;
} SoftmaxPrepared;

static gboolean
softmax_prepare_int8 (const BitlensTensor  *input,
                      const BitlensTensor  *output,
                      float                 beta,
                      SoftmaxPrepared      *prepared,
                      GError              **error)
{
  if (!bitlens_prepare_check_int8_per_tensor (input, "input", error)
      || !bitlens_prepare_check_int8_per_tensor (output, "output", error))
    return FALSE;
  if (prepared->depth > SOFTMAX_INT8_MAX_DEPTH)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the int8 kernel takes at most %d elements along the last axis, the input has %d"),
                   SOFTMAX_INT8_MAX_DEPTH, prepared->depth);
      return FALSE;
    }
  if (bitlens_tensor_zero_point (output) != G_MININT8 || output->scales[0] != 1.0f / 256)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the int8 output must have scale 1/256 and zero point -128, it has %g and %d"),
                   (double) output->scales[0], bitlens_tensor_zero_point (output));
      return FALSE;
    }
  /* PreprocessSoftmaxScaling: beta * s_in as a Q5.26 multiplier, capped below 2^31. */
  double real_multiplier = MIN ((double) beta * (double) input->scales[0]
                                * (double) (1 << (31 - SCALED_DIFF_INTEGER_BITS)),
                                (double) G_MAXINT32);
  /* QuantizeMultiplierGreaterThanOne requires a multiplier above 1. */
  if (!(real_multiplier > 1.0))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("beta * input scale = %g is too small for the int8 kernel (at least 2^-26)"),
                   (double) beta * (double) input->scales[0]);
      return FALSE;
    }
  bitlens_quantize_multiplier_greater_than_one (real_multiplier, &prepared->input_multiplier,
                                                &prepared->input_left_shift);
  g_assert (prepared->input_left_shift >= 0 && prepared->input_left_shift <= 31);
  prepared->diff_min = -bitlens_fixedpoint_input_radius (SCALED_DIFF_INTEGER_BITS,
                                                         prepared->input_left_shift);
  return TRUE;
}

static gboolean
softmax_prepare (const BitlensModel  *model,
                 BitlensOp           *op,
                 GError             **error)
{
  g_autofree SoftmaxPrepared *prepared = g_new0 (SoftmaxPrepared, 1);
  const BitlensTensor *input, *output;

  if (!bitlens_prepare_check_arity (model, op, 1, 1, 1, error)
      || !bitlens_prepare_get_input (model, op, 0, "input", TRUE, &input, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (input->rank < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the input is a scalar; it needs at least one axis"));
      return FALSE;
    }
  if (!bitlens_prepare_check_shape (output, "output", input->rank, input->shape, error))
    return FALSE;
  if (input->type != output->type
      || (input->type != BITLENS_TYPE_FLOAT32 && input->type != BITLENS_TYPE_INT8))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("input %s to output %s is not supported (float32 or int8 to the same type are)"),
                   bitlens_tensor_type_name (input->type), bitlens_tensor_type_name (output->type));
      return FALSE;
    }
  if (!isfinite (op->options.beta))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("beta is %g; it must be finite"), (double) op->options.beta);
      return FALSE;
    }

  prepared->depth = input->shape[input->rank - 1];
  prepared->outer_size = prepared->depth > 0 ? input->n_elements / (gsize) prepared->depth : 0;
  prepared->beta = op->options.beta;

  if (input->type == BITLENS_TYPE_INT8
      && !softmax_prepare_int8 (input, output, op->options.beta, prepared, error))
    return FALSE;

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static void
softmax_row_float (const SoftmaxPrepared *prepared,
                   const float           *input,
                   float                 *output)
{
  float max = -G_MAXFLOAT;
  float sum = 0.0f;

  /* std::max (max, x) keeps max unless max < x. */
  for (int c = 0; c < prepared->depth; c++)
    if (max < input[c])
      max = input[c];

  for (int c = 0; c < prepared->depth; c++)
    {
      float exp_c = expf ((input[c] - max) * prepared->beta);
      output[c] = exp_c;
      sum += exp_c;
    }

  for (int c = 0; c < prepared->depth; c++)
    output[c] = output[c] / sum;
}

/* exp (beta * s_in * diff) in Q0 for diff >= diff_min. */
static inline gint32
softmax_exp_of_difference (const SoftmaxPrepared *prepared,
                           gint32                 difference)
{
  /* MultiplyByQuantizedMultiplierGreaterThanOne: the shift cannot overflow since
   * difference >= diff_min. */
  gint32 shifted = (gint32) ((guint32) difference << prepared->input_left_shift);
  gint32 scaled_difference = bitlens_srdhm (shifted, prepared->input_multiplier);

  return bitlens_fixedpoint_exp_on_negative_values (scaled_difference, SCALED_DIFF_INTEGER_BITS);
}

/* RoundingDivideByPOT that also accepts exponents 32 to 34: rows whose sum of exponentials
 * reaches 512.0 (possible from 512 elements on) make the TFLM reference stop on a failed
 * check; here every such probability, below 1/512, rounds to 0 as it should. */
static inline gint32
softmax_rounding_divide_by_pot (gint32 x,
                                int    exponent)
{
  if (exponent <= 31)
    return bitlens_rounding_divide_by_pot (x, exponent);

  gint64 mask = (G_GINT64_CONSTANT (1) << exponent) - 1;
  gint64 remainder = (gint64) x & mask;
  gint64 threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (gint32) (((gint64) x >> exponent) + (remainder > threshold ? 1 : 0));
}

static void
softmax_row_int8 (const SoftmaxPrepared *prepared,
                  const gint8           *input,
                  gint8                 *output)
{
  gint8 max = G_MININT8;
  guint32 sum_of_exps = 0;     /* Q12.19 */
  int num_bits_over_unit;

  for (int c = 0; c < prepared->depth; c++)
    max = MAX (max, input[c]);

  for (int c = 0; c < prepared->depth; c++)
    {
      gint32 difference = (gint32) input[c] - max;
      if (difference >= prepared->diff_min)
        sum_of_exps += (guint32) bitlens_fixedpoint_rescale (
          softmax_exp_of_difference (prepared, difference), 0, ACCUMULATION_INTEGER_BITS);
    }

  /* The row's maximum alone adds 1.0; prepare bounds the depth so the sum stays below
   * 2^31. */
  gint32 sum = (gint32) sum_of_exps;
  g_assert (sum > 0);
  gint32 reciprocal = bitlens_fixedpoint_get_reciprocal (sum, ACCUMULATION_INTEGER_BITS,
                                                         &num_bits_over_unit);
  int exponent = num_bits_over_unit + 31 - 8;

  for (int c = 0; c < prepared->depth; c++)
    {
      gint32 difference = (gint32) input[c] - max;

      if (difference >= prepared->diff_min)
        {
          gint32 exp_in_q0 = softmax_exp_of_difference (prepared, difference);
          gint32 unsaturated = softmax_rounding_divide_by_pot (bitlens_srdhm (reciprocal, exp_in_q0),
                                                               exponent);
          output[c] = (gint8) bitlens_clamp_i32 (unsaturated + G_MININT8, G_MININT8, G_MAXINT8);
        }
      else
        {
          output[c] = G_MININT8;
        }
    }
}

static void
softmax_eval_reference (const BitlensKernelCall *call)
{
  const SoftmaxPrepared *prepared = call->op->prepared;
  const BitlensTensor *input = bitlens_op_input (call->model, call->op, 0);

  for (gsize row = 0; row < prepared->outer_size; row++)
    {
      gsize offset = row * (gsize) prepared->depth;

      if (input->type == BITLENS_TYPE_INT8)
        softmax_row_int8 (prepared, (const gint8 *) call->inputs[0] + offset,
                          (gint8 *) call->outputs[0] + offset);
      else
        softmax_row_float (prepared, (const float *) call->inputs[0] + offset,
                           (float *) call->outputs[0] + offset);
    }
}

const BitlensKernel bitlens_kernel_softmax = {
  .kind = BITLENS_OP_SOFTMAX,
  .prepare = softmax_prepare,
  .eval_reference = softmax_eval_reference,
  .eval_optimized = NULL,
  .spatial = FALSE,
};
