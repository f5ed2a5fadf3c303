/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"

/* CONCATENATION along any axis (negative counts from the end): a copy. int8 inputs must
 * share the output's scale and zero point (no rescaling, as TFLM); no fused activation. */

typedef struct
{
  gsize  outer;              /* product of the dimensions before the axis */
  int    n_inputs;
  gsize *input_row_bytes;    /* bytes of each input per outer index */
  gsize  output_row_bytes;
} ConcatenationParams;

static void
concatenation_params_free (gpointer data)
{
  ConcatenationParams *params = data;

  g_free (params->input_row_bytes);
  g_free (params);
}

static gboolean
concatenation_check_input (const BitlensTensor *input,
                           const BitlensTensor *output,
                           int                  index,
                           int                  axis,
                           GError             **error)
{
  g_autofree char *role = g_strdup_printf (_("input %d"), index);
  gboolean same = input->rank == output->rank;

  if (!bitlens_prepare_check_type (input, role, output->type, error) ||
      !bitlens_prepare_check_dimensions (input, role, error))
    return FALSE;
  for (int d = 0; same && d < output->rank; d++)
    same = d == axis || input->shape[d] == output->shape[d];
  if (!same)
    {
      g_autofree char *in_shape = bitlens_tensor_format_shape (input);
      g_autofree char *out_shape = bitlens_tensor_format_shape (output);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s has shape %s, which does not match output %s outside axis %d"),
                   role, in_shape, out_shape, axis);
      return FALSE;
    }
  if (output->type == BITLENS_TYPE_INT8)
    {
      if (!bitlens_prepare_check_int8_per_tensor (input, role, error))
        return FALSE;
      if (input->scales[0] != output->scales[0] || input->zero_points[0] != output->zero_points[0])
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("%s is quantized with scale %g and zero point %" PRId64
                         ", the output with %g and %" PRId64 "; rescaling concatenation is not supported"),
                       role, (double) input->scales[0], input->zero_points[0],
                       (double) output->scales[0], output->zero_points[0]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
concatenation_prepare (const BitlensModel *model,
                       BitlensOp          *op,
                       GError            **error)
{
  const BitlensTensor *output;
  ConcatenationParams *params;
  gsize inner = 1, axis_total = 0, element_size;
  int axis;

  if (!bitlens_prepare_check_arity (model, op, 1, G_MAXINT, 1, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);
  if (!bitlens_prepare_check_float_or_int8 (output, _("output"), error) ||
      !bitlens_prepare_check_dimensions (output, _("output"), error))
    return FALSE;
  if (output->type == BITLENS_TYPE_INT8 &&
      !bitlens_prepare_check_int8_per_tensor (output, _("output"), error))
    return FALSE;
  if (op->options.activation != BITLENS_ACTIVATION_NONE)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("a fused activation (%d) on concatenation is not supported"),
                   (int) op->options.activation);
      return FALSE;
    }
  axis = op->options.axis < 0 ? op->options.axis + output->rank : op->options.axis;
  if (axis < 0 || axis >= output->rank)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("axis %d is out of range for rank %d"), op->options.axis, output->rank);
      return FALSE;
    }

  for (int i = 0; i < op->n_inputs; i++)
    {
      const BitlensTensor *input;
      g_autofree char *role = g_strdup_printf (_("input %d"), i);

      if (!bitlens_prepare_get_input (model, op, i, role, TRUE, &input, error) ||
          !concatenation_check_input (input, output, i, axis, error))
        return FALSE;
      axis_total += input->shape[axis];
    }
  if (axis_total != (gsize) output->shape[axis])
    {
      g_autofree char *shape = bitlens_tensor_format_shape (output);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("output %s has %d entries along axis %d, the inputs %zu"),
                   shape, output->shape[axis], axis, axis_total);
      return FALSE;
    }

  params = g_new0 (ConcatenationParams, 1);
  element_size = bitlens_tensor_type_size (output->type);
  params->outer = 1;
  for (int d = 0; d < axis; d++)
    params->outer *= output->shape[d];
  for (int d = axis + 1; d < output->rank; d++)
    inner *= output->shape[d];
  params->n_inputs = op->n_inputs;
  params->input_row_bytes = g_new (gsize, op->n_inputs);
  for (int i = 0; i < op->n_inputs; i++)
    params->input_row_bytes[i] = bitlens_op_input (model, op, i)->shape[axis] * inner * element_size;
  params->output_row_bytes = output->shape[axis] * inner * element_size;

  op->prepared = params;
  op->prepared_free = concatenation_params_free;
  return TRUE;
}

static void
concatenation_eval (const BitlensKernelCall *call)
{
  const ConcatenationParams *params = call->op->prepared;
  guint8 *output = call->outputs[0];

  for (gsize o = 0; o < params->outer; o++)
    {
      guint8 *out = output + o * params->output_row_bytes;

      for (int i = 0; i < params->n_inputs; i++)
        {
          const guint8 *input = call->inputs[i];

          memcpy (out, input + o * params->input_row_bytes[i], params->input_row_bytes[i]);
          out += params->input_row_bytes[i];
        }
    }
}

const BitlensKernel bitlens_kernel_concatenation = {
  BITLENS_OP_CONCATENATION, concatenation_prepare, concatenation_eval, NULL, FALSE,
};
