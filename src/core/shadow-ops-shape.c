/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "kernels/kernel-prepare-util.h"
#include "shadow-private.h"

/* The shadow's ops that move values: MEAN, PAD and CONCATENATION. Each input element has
 * one output position, tabulated when the shadow is built (`targets`): PAD and
 * CONCATENATION copy to it (PAD fills the rest with 0, the real value of the int8
 * kernel's zero point), MEAN sums into it and divides by the count. Backward passes read
 * the gradient back from the same positions. */

typedef struct
{
  int     n_inputs;
  gsize  *n_elements;       /* per input */
  gsize **targets;          /* per input: output position of each element */
  double  divisor;          /* MEAN: elements per output; else 1 */
  gboolean fill;            /* the output has positions no input reaches (PAD) */
} MoveParams;

static void
move_params_free (gpointer data)
{
  MoveParams *params = data;

  for (int i = 0; i < params->n_inputs; i++)
    g_free (params->targets[i]);
  g_free (params->targets);
  g_free (params->n_elements);
  g_free (params);
}

static MoveParams *
move_params_new (ShadowOp *op,
                 int       n_inputs)
{
  MoveParams *params = g_new0 (MoveParams, 1);

  params->n_inputs = n_inputs;
  params->n_elements = g_new0 (gsize, n_inputs);
  params->targets = g_new0 (gsize *, n_inputs);
  params->divisor = 1.0;
  op->params = params;
  op->params_free = move_params_free;
  return params;
}

/* Fills the targets of input `i` of shape `shape` (rank `rank`): element (i_0 .. i_r-1)
 * goes to sum_d (i_d + offset[d]) * out_strides[d]. */
static void
tabulate_targets (MoveParams   *params,
                  int           i,
                  int           rank,
                  const int    *shape,
                  const gsize  *offsets,
                  const gsize  *out_strides)
{
  int index[BITLENS_MAX_RANK] = { 0 };
  gsize n = 1;

  for (int d = 0; d < rank; d++)
    n *= (gsize) shape[d];
  params->n_elements[i] = n;
  params->targets[i] = g_new (gsize, MAX (n, 1));
  for (gsize e = 0; e < n; e++)
    {
      gsize target = 0;

      for (int d = 0; d < rank; d++)
        target += ((gsize) index[d] + offsets[d]) * out_strides[d];
      params->targets[i][e] = target;
      for (int d = rank - 1; d >= 0; d--)
        {
          if (++index[d] < shape[d])
            break;
          index[d] = 0;
        }
    }
}

static void
move_forward (const ShadowOp *op,
              ShadowState    *state)
{
  const MoveParams *params = op->params;
  double *output = shadow_output_values (state, op);
  gsize n_out = shadow_tensor (state->shadow, op->output)->n_elements;
  gboolean sums = params->divisor != 1.0 || params->fill;

  if (sums)
    memset (output, 0, sizeof (double) * n_out);
  for (int i = 0; i < params->n_inputs; i++)
    {
      const double *input = shadow_values (state, op->op->inputs[i]);

      for (gsize e = 0; e < params->n_elements[i]; e++)
        {
          if (sums)
            output[params->targets[i][e]] += input[e];
          else
            output[params->targets[i][e]] = input[e];
        }
    }
  if (params->divisor != 1.0)
    for (gsize o = 0; o < n_out; o++)
      output[o] /= params->divisor;
}

static void
move_backward (const ShadowOp *op,
               ShadowState    *state)
{
  const MoveParams *params = op->params;
  const double *output_gradient = shadow_gradient (state, op->output);

  for (int i = 0; i < params->n_inputs; i++)
    {
      double *input_gradient = shadow_gradient (state, op->op->inputs[i]);

      if (input_gradient == NULL)
        continue;
      for (gsize e = 0; e < params->n_elements[i]; e++)
        input_gradient[e] += output_gradient[params->targets[i][e]] / params->divisor;
    }
}

static void
strides_of (int          rank,
            const int   *shape,
            gsize       *strides)
{
  gsize stride = 1;

  for (int d = rank - 1; d >= 0; d--)
    {
      strides[d] = stride;
      stride *= (gsize) shape[d];
    }
}

gboolean
shadow_build_pad (ShadowModel  *shadow,
                  ShadowOp     *op,
                  GError      **error)
{
  const BitlensTensor *paddings = bitlens_op_input (shadow->model, op->op, 1);
  const ShadowTensor *input, *output;
  gint64 values[2 * BITLENS_MAX_RANK];
  gsize offsets[BITLENS_MAX_RANK], out_strides[BITLENS_MAX_RANK];
  MoveParams *params;

  if (!shadow_hold_input (shadow, op, 0, FALSE, error))
    return FALSE;
  input = shadow_tensor (shadow, op->op->inputs[0]);
  if (paddings == NULL || paddings->data == NULL || paddings->n_elements != (gsize) input->rank * 2 ||
      !bitlens_prepare_read_int_constant (paddings, _("paddings"), values, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                     _("the paddings are not a constant [%d,2]"), input->rank);
      return FALSE;
    }
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  output = shadow_tensor (shadow, op->output);
  if (output->rank != input->rank)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("the output's rank is not the input's"));
      return FALSE;
    }
  for (int d = 0; d < input->rank; d++)
    {
      if (values[2 * d] < 0 || values[2 * d + 1] < 0 ||
          input->shape[d] + values[2 * d] + values[2 * d + 1] != output->shape[d])
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("the paddings of axis %d do not give the output's shape"), d);
          return FALSE;
        }
      offsets[d] = (gsize) values[2 * d];
    }
  strides_of (output->rank, output->shape, out_strides);
  params = move_params_new (op, 1);
  params->fill = TRUE;
  tabulate_targets (params, 0, input->rank, input->shape, offsets, out_strides);
  op->forward = move_forward;
  op->backward = move_backward;
  return TRUE;
}

gboolean
shadow_build_concatenation (ShadowModel  *shadow,
                            ShadowOp     *op,
                            GError      **error)
{
  const ShadowTensor *output;
  gsize offsets[BITLENS_MAX_RANK] = { 0 }, out_strides[BITLENS_MAX_RANK];
  MoveParams *params;
  int axis;
  gsize along = 0;

  for (int i = 0; i < op->op->n_inputs; i++)
    if (!shadow_hold_input (shadow, op, i, FALSE, error))
      return FALSE;
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  output = shadow_tensor (shadow, op->output);
  axis = op->op->options.axis < 0 ? op->op->options.axis + output->rank : op->op->options.axis;
  if (axis < 0 || axis >= output->rank)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("axis %d is out of range"), op->op->options.axis);
      return FALSE;
    }
  strides_of (output->rank, output->shape, out_strides);
  params = move_params_new (op, op->op->n_inputs);
  for (int i = 0; i < op->op->n_inputs; i++)
    {
      const ShadowTensor *input = shadow_tensor (shadow, op->op->inputs[i]);
      gboolean same = input->rank == output->rank;

      for (int d = 0; same && d < output->rank; d++)
        same = d == axis || input->shape[d] == output->shape[d];
      if (!same || along + (gsize) input->shape[axis] > (gsize) output->shape[axis])
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("input %d does not fit the output along axis %d"), i, axis);
          return FALSE;
        }
      offsets[axis] = along;
      tabulate_targets (params, i, input->rank, input->shape, offsets, out_strides);
      along += (gsize) input->shape[axis];
    }
  op->forward = move_forward;
  op->backward = move_backward;
  return TRUE;
}

gboolean
shadow_build_mean (ShadowModel  *shadow,
                   ShadowOp     *op,
                   GError      **error)
{
  const BitlensTensor *axis = bitlens_op_input (shadow->model, op->op, 1);
  const ShadowTensor *input;
  g_autofree gint64 *axes = NULL;
  gboolean reduced[BITLENS_MAX_RANK] = { FALSE };
  gsize offsets[BITLENS_MAX_RANK] = { 0 }, out_strides[BITLENS_MAX_RANK];
  gsize stride = 1, count = 1;
  MoveParams *params;

  if (!shadow_hold_input (shadow, op, 0, FALSE, error))
    return FALSE;
  input = shadow_tensor (shadow, op->op->inputs[0]);
  if (axis == NULL || axis->data == NULL || axis->n_elements > (gsize) BITLENS_MAX_RANK * 4)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED, _("the axes are not a short constant list"));
      return FALSE;
    }
  axes = g_new (gint64, MAX (axis->n_elements, 1));
  if (!bitlens_prepare_read_int_constant (axis, _("axis"), axes, error))
    return FALSE;
  for (gsize i = 0; i < axis->n_elements; i++)
    {
      gint64 a = axes[i] < 0 ? axes[i] + input->rank : axes[i];

      if (a < 0 || a >= input->rank)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("axis %" PRId64 " is out of range"), axes[i]);
          return FALSE;
        }
      reduced[a] = TRUE;
    }
  /* Output strides of the input's axes, 0 along the reduced ones (the output keeps the
   * other axes in order, whether or not it keeps the reduced ones as 1s). */
  for (int d = input->rank - 1; d >= 0; d--)
    if (reduced[d])
      {
        out_strides[d] = 0;
        count *= (gsize) input->shape[d];
      }
    else
      {
        out_strides[d] = stride;
        stride *= (gsize) input->shape[d];
      }
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  if (shadow_tensor (shadow, op->output)->n_elements != stride || count == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the output does not hold the %zu means"), stride);
      return FALSE;
    }
  params = move_params_new (op, 1);
  params->divisor = (double) count;
  tabulate_targets (params, 0, input->rank, input->shape, offsets, out_strides);
  op->forward = move_forward;
  op->backward = move_backward;
  return TRUE;
}
