/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "fully-connected-private.h"

/* FULLY_CONNECTED, the arithmetic of TFLM reference_ops::FullyConnected (float) and
 * reference_integer_ops::FullyConnected / FullyConnectedPerChannel (int8): the input is
 * read as [batches, input_size] with input_size the weights' second dimension; int8
 * weights quantized per tensor may have a zero point (subtracted), per channel they are
 * symmetric. */

static void
fully_connected_params_free (gpointer data)
{
  BitlensFullyConnectedParams *params = data;

  bitlens_requantize_clear (&params->requantize);
  g_free (params->packed_weights_float);
  g_free (params);
}

static gboolean
fully_connected_check_output (const BitlensTensor *input,
                              const BitlensTensor *output,
                              gboolean             keep_num_dims,
                              int                  batches,
                              int                  units,
                              GError             **error)
{
  int expected[BITLENS_MAX_RANK];

  if (keep_num_dims)
    {
      for (int i = 0; i < input->rank; i++)
        expected[i] = input->shape[i];
      expected[input->rank - 1] = units;
      return bitlens_prepare_check_shape (output, _("output"), input->rank, expected, error);
    }
  expected[0] = batches;
  expected[1] = units;
  return bitlens_prepare_check_shape (output, _("output"), 2, expected, error);
}

static gboolean
fully_connected_prepare (const BitlensModel *model,
                         BitlensOp          *op,
                         GError            **error)
{
  const BitlensTensor *input, *weights, *bias, *output;
  BitlensFullyConnectedParams *params;
  int input_size, units;
  gsize batches;

  if (!bitlens_prepare_check_arity (model, op, 2, 3, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error) ||
      !bitlens_prepare_get_input (model, op, 1, _("weights"), TRUE, &weights, error) ||
      !bitlens_prepare_get_input (model, op, 2, _("bias"), FALSE, &bias, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (input, _("input"), error) ||
      !bitlens_prepare_check_type (weights, _("weights"), input->type, error) ||
      !bitlens_prepare_check_type (output, _("output"), input->type, error) ||
      (bias != NULL &&
       !bitlens_prepare_check_type (bias, _("bias"),
                                    input->type == BITLENS_TYPE_INT8 ? BITLENS_TYPE_INT32 : BITLENS_TYPE_FLOAT32,
                                    error)) ||
      !bitlens_prepare_check_activation (op->options.activation, error) ||
      !bitlens_prepare_check_rank (weights, _("weights"), 2, error) ||
      !bitlens_prepare_check_dimensions (input, _("input"), error))
    return FALSE;
  if (op->options.weights_format != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("weights format %d is not supported (only the default format)"),
                   op->options.weights_format);
      return FALSE;
    }
  if (input->rank < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("input is a scalar"));
      return FALSE;
    }

  units = weights->shape[0];
  input_size = weights->shape[1];
  if (input->n_elements % (gsize) input_size != 0 ||
      (op->options.keep_num_dims && input->shape[input->rank - 1] != input_size))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input %s does not split into rows of the weights' input size %d"),
                   shape, input_size);
      return FALSE;
    }
  batches = input->n_elements / (gsize) input_size;
  if (batches > G_MAXINT)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("input has too many rows (%zu)"), batches);
      return FALSE;
    }
  if (!fully_connected_check_output (input, output, op->options.keep_num_dims, (int) batches, units, error))
    return FALSE;
  if (bias != NULL && bias->n_elements != (gsize) units)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (bias);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("bias has shape %s, expected %d elements (one per unit)"), shape, units);
      return FALSE;
    }
  if (input->type == BITLENS_TYPE_INT8 &&
      (!bitlens_prepare_check_int8_per_tensor (input, _("input"), error) ||
       !bitlens_prepare_check_int8_per_tensor (output, _("output"), error) ||
       !bitlens_prepare_check_int8_weights (weights, _("weights"), units, 0, TRUE, error)))
    return FALSE;

  params = g_new0 (BitlensFullyConnectedParams, 1);
  params->type = input->type;
  params->batches = (int) batches;
  params->input_size = input_size;
  params->units = units;
  params->has_bias = bias != NULL;
  if (input->type == BITLENS_TYPE_INT8)
    {
      params->weights_offset = weights->n_scales == 1 ? -(gint32) weights->zero_points[0] : 0;
      if (!bitlens_requantize_init (&params->requantize, input, weights, output, units,
                                    op->options.activation, error))
        {
          fully_connected_params_free (params);
          return FALSE;
        }
    }
  else
    {
      bitlens_activation_range_float (op->options.activation, &params->act_min, &params->act_max);
      bitlens_fully_connected_prepare_float_optimized (params, weights);
    }

  op->prepared = params;
  op->prepared_free = fully_connected_params_free;
  return TRUE;
}

static void
fully_connected_int8 (const BitlensFullyConnectedParams *params,
                      const BitlensKernelCall           *call)
{
  const BitlensRequantize *rq = &params->requantize;
  const gint8 *input = call->inputs[0];
  const gint8 *weights = call->inputs[1];
  const gint32 *bias = params->has_bias ? call->inputs[2] : NULL;
  gint8 *output = call->outputs[0];

  for (int b = 0; b < params->batches; b++)
    {
      const gint8 *x = input + (gsize) b * params->input_size;

      for (int unit = 0; unit < params->units; unit++)
        {
          const gint8 *w = weights + (gsize) unit * params->input_size;
          gint32 acc = 0;

          for (int d = 0; d < params->input_size; d++)
            acc += ((gint32) w[d] + params->weights_offset) * ((gint32) x[d] + rq->input_offset);
          if (bias != NULL)
            acc += bias[unit];
          output[(gsize) b * params->units + unit] = bitlens_requantize_apply (rq, acc, unit);
        }
    }
}

static void
fully_connected_float (const BitlensFullyConnectedParams *params,
                       const BitlensKernelCall           *call)
{
  const float *input = call->inputs[0];
  const float *weights = call->inputs[1];
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  for (int b = 0; b < params->batches; b++)
    {
      const float *x = input + (gsize) b * params->input_size;

      for (int unit = 0; unit < params->units; unit++)
        {
          const float *w = weights + (gsize) unit * params->input_size;
          float total = 0.0f;
          float bias_value = 0.0f;

          for (int d = 0; d < params->input_size; d++)
            total += x[d] * w[d];
          if (bias != NULL)
            bias_value = bias[unit];
          output[(gsize) b * params->units + unit] =
            bitlens_clamp_float (total + bias_value, params->act_min, params->act_max);
        }
    }
}

static void
fully_connected_eval (const BitlensKernelCall *call)
{
  const BitlensFullyConnectedParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_INT8)
    fully_connected_int8 (params, call);
  else
    fully_connected_float (params, call);
}

/* The optimized twin (fully-connected-float-optimized.c) covers float32; int8 runs the
 * reference. */
static void
fully_connected_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensFullyConnectedParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_FLOAT32 && params->packed_weights_float != NULL)
    bitlens_fully_connected_eval_float_optimized (call);
  else
    fully_connected_eval (call);
}

const BitlensKernel bitlens_kernel_fully_connected = {
  BITLENS_OP_FULLY_CONNECTED, fully_connected_prepare, fully_connected_eval,
  fully_connected_eval_optimized, FALSE,
};
