/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"

/* MEAN over any set of axes (TFLM reduce.cc, reference_ops::Mean / QuantizedMeanOrSum):
 * the input is visited in row-major order and each element added to its output's sum
 * (float: in float, in that order; int8: the raw values in int32). float: sum / n.
 * int8 (SEMANTICS.md section 2): QuantizeMultiplier(s_in / s_out) -> (m, e);
 * k = min(63 - clz64(n), 32, 31 + e); m = ((int64) m << k) / n; e -= k;
 * out = clamp(MBQM(sum - zp_in * n, m, e) + zp_out, -128, 127). No fused activation. */

typedef struct
{
  BitlensTensorType type;
  int               rank;
  int               shape[BITLENS_MAX_RANK];
  /* Output offset step of each input axis: 0 along reduced axes. */
  gsize             out_strides[BITLENS_MAX_RANK];
  gsize             n_outputs;
  gint64            n_reduced;            /* elements summed into each output */
  gint32            input_zero_point;     /* int8 */
  gint32            output_zero_point;
  gint32            multiplier;
  int               shift;
} MeanParams;

/* Folds 1/n into the rescale multiplier, as QuantizedMeanOrSum does. */
static void
mean_fold_count (gint32  multiplier,
                 int     shift,
                 gint64  n,
                 gint32 *folded_multiplier,
                 int    *folded_shift)
{
  int k = 63 - __builtin_clzll ((guint64) n);

  k = MIN (k, 32);
  k = MIN (k, 31 + shift);
  *folded_multiplier = (gint32) (((gint64) multiplier << k) / n);
  *folded_shift = shift - k;
}

static gboolean
mean_prepare (const BitlensModel *model,
              BitlensOp          *op,
              GError            **error)
{
  const BitlensTensor *input, *axis, *output;
  g_autofree gint64 *axes = NULL;
  gboolean reduced[BITLENS_MAX_RANK] = { FALSE };
  int expected[BITLENS_MAX_RANK];
  int expected_rank = 0;
  MeanParams *params;
  gsize stride;

  if (!bitlens_prepare_check_arity (model, op, 2, 2, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error) ||
      !bitlens_prepare_get_input (model, op, 1, _("axis"), TRUE, &axis, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (input, _("input"), error) ||
      !bitlens_prepare_check_type (output, _("output"), input->type, error) ||
      !bitlens_prepare_check_dimensions (input, _("input"), error))
    return FALSE;
  if (axis->rank > 1 || axis->n_elements > (gsize) BITLENS_MAX_RANK * 4)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (axis);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("axis has shape %s, expected a short list of axes"), shape);
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
                       _("axis %" PRId64 " is out of range for an input of rank %d"),
                       axes[i], input->rank);
          return FALSE;
        }
      reduced[a] = TRUE;
    }
  if (input->type == BITLENS_TYPE_INT8 &&
      (!bitlens_prepare_check_int8_per_tensor (input, _("input"), error) ||
       !bitlens_prepare_check_int8_per_tensor (output, _("output"), error)))
    return FALSE;

  for (int d = 0; d < input->rank; d++)
    if (!reduced[d])
      expected[expected_rank++] = input->shape[d];
    else if (op->options.keep_dims)
      expected[expected_rank++] = 1;
  if (!bitlens_prepare_check_shape (output, _("output"), expected_rank, expected, error))
    return FALSE;

  params = g_new0 (MeanParams, 1);
  params->type = input->type;
  params->rank = input->rank;
  params->n_reduced = 1;
  stride = 1;
  for (int d = input->rank - 1; d >= 0; d--)
    {
      params->shape[d] = input->shape[d];
      if (reduced[d])
        {
          params->out_strides[d] = 0;
          params->n_reduced *= input->shape[d];
        }
      else
        {
          params->out_strides[d] = stride;
          stride *= input->shape[d];
        }
    }
  params->n_outputs = stride;

  if (input->type == BITLENS_TYPE_INT8)
    {
      gint32 multiplier;
      int shift;

      params->input_zero_point = (gint32) input->zero_points[0];
      params->output_zero_point = (gint32) output->zero_points[0];
      bitlens_quantize_multiplier ((double) input->scales[0] / (double) output->scales[0],
                                   &multiplier, &shift);
      if (shift > 31)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the rescale factor input scale / output scale = %g is too large"),
                       (double) input->scales[0] / (double) output->scales[0]);
          g_free (params);
          return FALSE;
        }
      mean_fold_count (multiplier, shift, params->n_reduced, &params->multiplier, &params->shift);
      op->scratch_bytes = params->n_outputs * sizeof (gint32);
    }

  op->prepared = params;
  op->prepared_free = g_free;
  return TRUE;
}

/* Runs BODY for every input element in row-major order, with element its index and
 * out_offset the index of the output it is summed into. */
#define MEAN_FOREACH_INPUT(params, element, out_offset, BODY)                          \
  G_STMT_START {                                                                       \
    int index_[BITLENS_MAX_RANK] = { 0 };                                              \
    gsize element = 0, out_offset = 0;                                                 \
    for (;;)                                                                           \
      {                                                                                \
        BODY;                                                                          \
        element++;                                                                     \
        int d_ = (params)->rank - 1;                                                   \
        for (; d_ >= 0; d_--)                                                          \
          {                                                                            \
            out_offset += (params)->out_strides[d_];                                   \
            if (++index_[d_] < (params)->shape[d_])                                    \
              break;                                                                   \
            out_offset -= (params)->out_strides[d_] * (params)->shape[d_];             \
            index_[d_] = 0;                                                            \
          }                                                                            \
        if (d_ < 0)                                                                    \
          break;                                                                       \
      }                                                                                \
  } G_STMT_END

static void
mean_float (const MeanParams        *params,
            const BitlensKernelCall *call)
{
  const float *input = call->inputs[0];
  float *output = call->outputs[0];

  for (gsize o = 0; o < params->n_outputs; o++)
    output[o] = 0.0f;
  MEAN_FOREACH_INPUT (params, element, out_offset, output[out_offset] += input[element]);
  for (gsize o = 0; o < params->n_outputs; o++)
    output[o] = output[o] / (float) params->n_reduced;
}

static void
mean_int8 (const MeanParams        *params,
           const BitlensKernelCall *call)
{
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];
  gint32 *sums = call->scratch;

  memset (sums, 0, params->n_outputs * sizeof (gint32));
  MEAN_FOREACH_INPUT (params, element, out_offset, sums[out_offset] += input[element]);
  for (gsize o = 0; o < params->n_outputs; o++)
    {
      gint32 shifted = (gint32) (sums[o] - (gint64) params->input_zero_point * params->n_reduced);
      gint32 value = bitlens_multiply_by_quantized_multiplier (shifted, params->multiplier, params->shift)
                     + params->output_zero_point;

      output[o] = (gint8) bitlens_clamp_i32 (value, G_MININT8, G_MAXINT8);
    }
}

static void
mean_eval (const BitlensKernelCall *call)
{
  const MeanParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_INT8)
    mean_int8 (params, call);
  else
    mean_float (params, call);
}

const BitlensKernel bitlens_kernel_mean = {
  BITLENS_OP_MEAN, mean_prepare, mean_eval, NULL, FALSE,
};
