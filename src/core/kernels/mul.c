/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "broadcast.h"
#include "kernel-prepare-util.h"
#include "quantization-math.h"

/* MUL with broadcasting and a fused activation, as TFLM's mul.cc / mul_common.cc and
 * reference(_integer_ops)/mul.h. int8: the product of the zero-point-corrected inputs is
 * rescaled by s0 * s1 / s_out (QuantizeMultiplier, double rounding). */

typedef struct
{
  BitlensBroadcast broadcast;

  gint32 input_offset[2];       /* -zero_point */
  gint32 output_multiplier;
  int    output_shift;
  gint32 output_zero_point;
  gint32 activation_min, activation_max;

  float  float_activation_min, float_activation_max;
} MulPrepared;

static gboolean
mul_prepare (const BitlensModel  *model,
             BitlensOp           *op,
             GError             **error)
{
  g_autofree MulPrepared *prepared = g_new0 (MulPrepared, 1);
  const BitlensTensor *input0, *input1, *output;

  if (!bitlens_broadcast_prepare_binary_op (model, op, &prepared->broadcast, error))
    return FALSE;
  input0 = bitlens_op_input (model, op, 0);
  input1 = bitlens_op_input (model, op, 1);
  output = bitlens_op_output (model, op, 0);

  if (output->type == BITLENS_TYPE_INT8)
    {
      double real_multiplier = (double) input0->scales[0] * (double) input1->scales[0]
                               / (double) output->scales[0];

      bitlens_quantize_multiplier (real_multiplier, &prepared->output_multiplier,
                                   &prepared->output_shift);
      /* The product of two int8 differences has 17 bits; a left shift past 31 is not
       * defined in the reference either. */
      if (prepared->output_shift > 31)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the rescaling factor s0 * s1 / s_out = %g is too large"),
                       real_multiplier);
          return FALSE;
        }

      prepared->input_offset[0] = -bitlens_tensor_zero_point (input0);
      prepared->input_offset[1] = -bitlens_tensor_zero_point (input1);
      prepared->output_zero_point = bitlens_tensor_zero_point (output);
      bitlens_activation_range_quantized (op->options.activation, output->scales[0],
                                          prepared->output_zero_point, G_MININT8, G_MAXINT8,
                                          &prepared->activation_min, &prepared->activation_max);
    }
  else
    {
      bitlens_activation_range_float (op->options.activation,
                                                &prepared->float_activation_min,
                                                &prepared->float_activation_max);
    }

  op->prepared = g_steal_pointer (&prepared);
  op->prepared_free = g_free;
  return TRUE;
}

static void
mul_int8_run (gpointer user_data,
              gsize    output_index,
              gsize    input0_index,
              gsize    input1_index,
              gsize    input0_step,
              gsize    input1_step,
              int      n)
{
  const BitlensBroadcastRun *run = user_data;
  const MulPrepared *prepared = run->params;
  const gint8 *input0 = run->input0;
  const gint8 *input1 = run->input1;
  gint8 *output = run->output;

  for (int i = 0; i < n; i++, input0_index += input0_step, input1_index += input1_step)
    {
      gint32 product = (input0[input0_index] + prepared->input_offset[0])
                       * (input1[input1_index] + prepared->input_offset[1]);
      gint32 value = prepared->output_zero_point
                     + bitlens_multiply_by_quantized_multiplier (product, prepared->output_multiplier,
                                                                 prepared->output_shift);

      output[output_index + i] = (gint8) bitlens_clamp_i32 (value, prepared->activation_min,
                                                            prepared->activation_max);
    }
}

static void
mul_float_run (gpointer user_data,
               gsize    output_index,
               gsize    input0_index,
               gsize    input1_index,
               gsize    input0_step,
               gsize    input1_step,
               int      n)
{
  const BitlensBroadcastRun *run = user_data;
  const MulPrepared *prepared = run->params;
  const float *input0 = run->input0;
  const float *input1 = run->input1;
  float *output = run->output;

  for (int i = 0; i < n; i++, input0_index += input0_step, input1_index += input1_step)
    output[output_index + i] = bitlens_clamp_float (input0[input0_index] * input1[input1_index],
                                                    prepared->float_activation_min,
                                                    prepared->float_activation_max);
}

static void
mul_eval_reference (const BitlensKernelCall *call)
{
  const MulPrepared *prepared = call->op->prepared;
  const BitlensTensor *output = bitlens_op_output (call->model, call->op, 0);

  bitlens_broadcast_eval (&prepared->broadcast, call,
                          output->type == BITLENS_TYPE_INT8 ? mul_int8_run : mul_float_run,
                          prepared);
}

const BitlensKernel bitlens_kernel_mul = {
  .kind = BITLENS_OP_MUL,
  .prepare = mul_prepare,
  .eval_reference = mul_eval_reference,
  .eval_optimized = NULL,
  .spatial = TRUE,
};
