/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "broadcast.h"
#include "kernel-prepare-util.h"
#include "quantization-math.h"

/* ADD with broadcasting and a fused activation, as TFLM's add.cc / add_common.cc and
 * reference(_integer_ops)/add.h. int8 (SEMANTICS.md section 2): both inputs are brought
 * to a common scale 2 * max (s0, s1) with 20 bits of headroom, summed, then rescaled to
 * the output. */

#define ADD_INT8_LEFT_SHIFT 20

typedef struct
{
  BitlensBroadcast broadcast;

  gint32 input_offset[2];       /* -zero_point */
  gint32 input_multiplier[2];
  int    input_shift[2];        /* <= 0 */
  gint32 output_multiplier;
  int    output_shift;          /* <= 0 */
  gint32 output_zero_point;
  gint32 activation_min, activation_max;

  float  float_activation_min, float_activation_max;
} AddPrepared;

/* QuantizeMultiplierSmallerThanOneExp: TFLM requires 0 < m < 1 and a shift <= 0. */
static gboolean
quantize_multiplier_smaller_than_one (double       real_multiplier,
                                      const char  *what,
                                      gint32      *quantized,
                                      int         *shift,
                                      GError     **error)
{
  if (real_multiplier > 0.0 && real_multiplier < 1.0)
    {
      bitlens_quantize_multiplier (real_multiplier, quantized, shift);
      if (*shift <= 0)
        return TRUE;
    }
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
               _("the %s rescaling factor %g is not in (0, 1) as the int8 kernel requires"),
               what, real_multiplier);
  return FALSE;
}

static gboolean
add_prepare (const BitlensModel  *model,
             BitlensOp           *op,
             GError             **error)
{
  g_autofree AddPrepared *prepared = g_new0 (AddPrepared, 1);
  const BitlensTensor *input0, *input1, *output;

  if (!bitlens_broadcast_prepare_binary_op (model, op, &prepared->broadcast, error))
    return FALSE;
  input0 = bitlens_op_input (model, op, 0);
  input1 = bitlens_op_input (model, op, 1);
  output = bitlens_op_output (model, op, 0);

  if (output->type == BITLENS_TYPE_INT8)
    {
      double twice_max_input_scale = 2.0 * (double) MAX (input0->scales[0], input1->scales[0]);
      double real_input0_multiplier = (double) input0->scales[0] / twice_max_input_scale;
      double real_input1_multiplier = (double) input1->scales[0] / twice_max_input_scale;
      double real_output_multiplier =
        twice_max_input_scale / ((double) (1 << ADD_INT8_LEFT_SHIFT) * (double) output->scales[0]);

      if (!quantize_multiplier_smaller_than_one (real_input0_multiplier, _("input 0"),
                                                 &prepared->input_multiplier[0],
                                                 &prepared->input_shift[0], error)
          || !quantize_multiplier_smaller_than_one (real_input1_multiplier, _("input 1"),
                                                    &prepared->input_multiplier[1],
                                                    &prepared->input_shift[1], error)
          || !quantize_multiplier_smaller_than_one (real_output_multiplier, _("output"),
                                                    &prepared->output_multiplier,
                                                    &prepared->output_shift, error))
        return FALSE;

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

static inline gint32
add_int8_rescale_input (gint8              value,
                        const AddPrepared *prepared,
                        int                i)
{
  gint32 shifted = (value + prepared->input_offset[i]) * (1 << ADD_INT8_LEFT_SHIFT);
  return bitlens_multiply_by_quantized_multiplier (shifted, prepared->input_multiplier[i],
                                                   prepared->input_shift[i]);
}

static void
add_int8_run (gpointer user_data,
              gsize    output_index,
              gsize    input0_index,
              gsize    input1_index,
              gsize    input0_step,
              gsize    input1_step,
              int      n)
{
  const BitlensBroadcastRun *run = user_data;
  const AddPrepared *prepared = run->params;
  const gint8 *input0 = run->input0;
  const gint8 *input1 = run->input1;
  gint8 *output = run->output;

  for (int i = 0; i < n; i++, input0_index += input0_step, input1_index += input1_step)
    {
      gint32 sum = add_int8_rescale_input (input0[input0_index], prepared, 0)
                   + add_int8_rescale_input (input1[input1_index], prepared, 1);
      gint32 value = bitlens_multiply_by_quantized_multiplier (sum, prepared->output_multiplier,
                                                               prepared->output_shift)
                     + prepared->output_zero_point;

      output[output_index + i] = (gint8) bitlens_clamp_i32 (value, prepared->activation_min,
                                                            prepared->activation_max);
    }
}

static void
add_float_run (gpointer user_data,
               gsize    output_index,
               gsize    input0_index,
               gsize    input1_index,
               gsize    input0_step,
               gsize    input1_step,
               int      n)
{
  const BitlensBroadcastRun *run = user_data;
  const AddPrepared *prepared = run->params;
  const float *input0 = run->input0;
  const float *input1 = run->input1;
  float *output = run->output;

  for (int i = 0; i < n; i++, input0_index += input0_step, input1_index += input1_step)
    output[output_index + i] = bitlens_clamp_float (input0[input0_index] + input1[input1_index],
                                                    prepared->float_activation_min,
                                                    prepared->float_activation_max);
}

static void
add_eval_reference (const BitlensKernelCall *call)
{
  const AddPrepared *prepared = call->op->prepared;
  const BitlensTensor *output = bitlens_op_output (call->model, call->op, 0);

  bitlens_broadcast_eval (&prepared->broadcast, call,
                          output->type == BITLENS_TYPE_INT8 ? add_int8_run : add_float_run,
                          prepared);
}

const BitlensKernel bitlens_kernel_add = {
  .kind = BITLENS_OP_ADD,
  .prepare = add_prepare,
  .eval_reference = add_eval_reference,
  .eval_optimized = NULL,
  .spatial = TRUE,
};
