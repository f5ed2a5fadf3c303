/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "broadcast.h"
#include "kernel-prepare-util.h"
#include "quantization-math.h"

#define RANK BITLENS_MAX_RANK

static void
extend_shape (const BitlensTensor *tensor,
              int                  extended[RANK])
{
  int leading = RANK - tensor->rank;

  for (int i = 0; i < RANK; i++)
    extended[i] = i < leading ? 1 : tensor->shape[i - leading];
}

static void
contiguous_strides (const int shape[RANK],
                    gsize     strides[RANK])
{
  gsize stride = 1;

  for (int i = RANK - 1; i >= 0; i--)
    {
      strides[i] = stride;
      stride *= (gsize) shape[i];
    }
}

gboolean
bitlens_broadcast_init (BitlensBroadcast     *broadcast,
                        const BitlensTensor  *input0,
                        const BitlensTensor  *input1,
                        const BitlensTensor  *output,
                        GError              **error)
{
  int shape0[RANK], shape1[RANK], shape_out[RANK];
  gsize strides0[RANK], strides1[RANK];

  g_assert (input0->rank <= RANK && input1->rank <= RANK && output->rank <= RANK);

  extend_shape (input0, shape0);
  extend_shape (input1, shape1);
  extend_shape (output, shape_out);
  contiguous_strides (shape0, strides0);
  contiguous_strides (shape1, strides1);

  for (int i = 0; i < RANK; i++)
    {
      int expected;

      if (shape0[i] == shape1[i] || shape1[i] == 1)
        expected = shape0[i];
      else if (shape0[i] == 1)
        expected = shape1[i];
      else
        expected = -1;

      if (expected < 0 || expected != shape_out[i])
        {
          g_autofree char *text0 = bitlens_tensor_format_shape (input0);
          g_autofree char *text1 = bitlens_tensor_format_shape (input1);
          g_autofree char *text_out = bitlens_tensor_format_shape (output);

          if (expected < 0)
            g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                         _("input shapes %s and %s do not broadcast (axis %d of the aligned shapes: %d against %d)"),
                         text0, text1, i - (RANK - MAX (input0->rank, input1->rank)),
                         shape0[i], shape1[i]);
          else
            g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                         _("input shapes %s and %s broadcast to a shape other than the output's %s"),
                         text0, text1, text_out);
          return FALSE;
        }

      broadcast->shape[i] = shape_out[i];
      broadcast->input_strides[0][i] = shape0[i] == 1 ? 0 : strides0[i];
      broadcast->input_strides[1][i] = shape1[i] == 1 ? 0 : strides1[i];
    }
  contiguous_strides (broadcast->shape, broadcast->output_strides);

  broadcast->row_axis = output->rank == 4 ? RANK - 3 : -1;
  broadcast->column_axis = output->rank == 4 ? RANK - 2 : -1;
  return TRUE;
}

void
bitlens_broadcast_foreach_run (const BitlensBroadcast  *broadcast,
                               const BitlensRegion     *region,
                               BitlensBroadcastRunFunc  func,
                               gpointer                 user_data)
{
  const int *shape = broadcast->shape;
  const gsize *s0 = broadcast->input_strides[0];
  const gsize *s1 = broadcast->input_strides[1];
  const gsize *so = broadcast->output_strides;
  int begin[RANK - 1], end[RANK - 1];

  G_STATIC_ASSERT (RANK == 6);

  for (int i = 0; i < RANK - 1; i++)
    {
      begin[i] = 0;
      end[i] = shape[i];
    }
  if (broadcast->row_axis >= 0)
    {
      int height = shape[broadcast->row_axis];
      int width = shape[broadcast->column_axis];

      begin[broadcast->row_axis] = CLAMP (region->y0, 0, height);
      end[broadcast->row_axis] = CLAMP (region->y1, begin[broadcast->row_axis], height);
      begin[broadcast->column_axis] = CLAMP (region->x0, 0, width);
      end[broadcast->column_axis] = CLAMP (region->x1, begin[broadcast->column_axis], width);
    }

  if (shape[RANK - 1] == 0)
    return;

  for (int a = begin[0]; a < end[0]; a++)
    for (int b = begin[1]; b < end[1]; b++)
      for (int c = begin[2]; c < end[2]; c++)
        for (int d = begin[3]; d < end[3]; d++)
          for (int e = begin[4]; e < end[4]; e++)
            {
              gsize index0 = a * s0[0] + b * s0[1] + c * s0[2] + d * s0[3] + e * s0[4];
              gsize index1 = a * s1[0] + b * s1[1] + c * s1[2] + d * s1[3] + e * s1[4];
              gsize index_out = a * so[0] + b * so[1] + c * so[2] + d * so[3] + e * so[4];

              func (user_data, index_out, index0, index1, s0[RANK - 1], s1[RANK - 1],
                    shape[RANK - 1]);
            }
}

void
bitlens_broadcast_eval (const BitlensBroadcast  *broadcast,
                        const BitlensKernelCall *call,
                        BitlensBroadcastRunFunc  func,
                        gconstpointer            params)
{
  BitlensBroadcastRun run = {
    .params = params,
    .input0 = call->inputs[0],
    .input1 = call->inputs[1],
    .output = call->outputs[0],
  };

  bitlens_broadcast_foreach_run (broadcast, &call->region, func, &run);
}

gboolean
bitlens_broadcast_prepare_binary_op (const BitlensModel  *model,
                                     const BitlensOp     *op,
                                     BitlensBroadcast    *broadcast,
                                     GError             **error)
{
  static const char *const input_roles[2] = { "input 0", "input 1" };
  const BitlensTensor *inputs[2];
  const BitlensTensor *output;

  if (!bitlens_prepare_check_arity (model, op, 2, 2, 1, error)
      || !bitlens_prepare_check_activation (op->options.activation, error))
    return FALSE;
  for (int i = 0; i < 2; i++)
    if (!bitlens_prepare_get_input (model, op, i, input_roles[i], TRUE, &inputs[i], error))
      return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (output, "output", error))
    return FALSE;
  for (int i = 0; i < 2; i++)
    if (!bitlens_prepare_check_type (inputs[i], input_roles[i], output->type, error))
      return FALSE;
  if (output->type == BITLENS_TYPE_INT8)
    {
      for (int i = 0; i < 2; i++)
        if (!bitlens_prepare_check_int8_per_tensor (inputs[i], input_roles[i], error))
          return FALSE;
      if (!bitlens_prepare_check_int8_per_tensor (output, "output", error))
        return FALSE;
    }
  return bitlens_broadcast_init (broadcast, inputs[0], inputs[1], output, error);
}
