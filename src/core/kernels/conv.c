/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "conv-private.h"

/* CONV_2D reference kernels, the arithmetic of TFLM reference_ops::Conv (float) and
 * reference_integer_ops::ConvPerChannel (int8), SEMANTICS.md section 2. */

static void
conv_params_free (gpointer data)
{
  BitlensConvParams *params = data;

  bitlens_requantize_clear (&params->requantize);
  bitlens_requantize_lanes_clear (&params->requantize_lanes);
  g_free (params->packed_filter);
  g_free (params->packed_filter_float);
  g_free (params);
}

static gboolean
conv_prepare (const BitlensModel *model,
              BitlensOp          *op,
              GError            **error)
{
  const BitlensTensor *input, *filter, *bias, *output;
  BitlensConvParams *params;
  int out_c, groups;

  if (!bitlens_prepare_check_arity (model, op, 2, 3, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error) ||
      !bitlens_prepare_get_input (model, op, 1, _("filter"), TRUE, &filter, error) ||
      !bitlens_prepare_get_input (model, op, 2, _("bias"), FALSE, &bias, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (input, _("input"), error) ||
      !bitlens_prepare_check_type (filter, _("filter"), input->type, error) ||
      !bitlens_prepare_check_type (output, _("output"), input->type, error) ||
      (bias != NULL &&
       !bitlens_prepare_check_type (bias, _("bias"),
                                    input->type == BITLENS_TYPE_INT8 ? BITLENS_TYPE_INT32 : BITLENS_TYPE_FLOAT32,
                                    error)) ||
      !bitlens_prepare_check_activation (op->options.activation, error) ||
      !bitlens_prepare_check_rank (filter, _("filter"), 4, error) ||
      !bitlens_prepare_check_rank (input, _("input"), 4, error))
    return FALSE;

  out_c = filter->shape[0];
  if (input->shape[3] % filter->shape[3] != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input has %d channels, not a multiple of the filter's %d input channels"),
                   input->shape[3], filter->shape[3]);
      return FALSE;
    }
  groups = input->shape[3] / filter->shape[3];
  if (out_c % groups != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("filter has %d output channels, not a multiple of the %d groups"),
                   out_c, groups);
      return FALSE;
    }
  if (bias != NULL && bias->n_elements != (gsize) out_c)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (bias);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("bias has shape %s, expected %d elements (one per output channel)"),
                   shape, out_c);
      return FALSE;
    }
  if (input->type == BITLENS_TYPE_INT8 &&
      (!bitlens_prepare_check_int8_per_tensor (input, _("input"), error) ||
       !bitlens_prepare_check_int8_per_tensor (output, _("output"), error) ||
       !bitlens_prepare_check_int8_weights (filter, _("filter"), out_c, 0, FALSE, error)))
    return FALSE;

  params = g_new0 (BitlensConvParams, 1);
  if (!bitlens_prepare_window (input, output, filter->shape[1], filter->shape[2], out_c,
                               &op->options, TRUE, &params->window, error))
    {
      conv_params_free (params);
      return FALSE;
    }
  params->type = input->type;
  params->filter_in_c = filter->shape[3];
  params->filters_per_group = out_c / groups;
  params->has_bias = bias != NULL;
  if (input->type == BITLENS_TYPE_INT8)
    {
      if (!bitlens_requantize_init (&params->requantize, input, filter, output, out_c,
                                    op->options.activation, error))
        {
          conv_params_free (params);
          return FALSE;
        }
    }
  else
    bitlens_activation_range_float (op->options.activation, &params->act_min, &params->act_max);

  op->prepared = params;
  op->prepared_free = conv_params_free;
  op->scratch_bytes = bitlens_conv_2d_prepare_optimized (params, filter, bias);
  return TRUE;
}

static void
conv_int8 (const BitlensConvParams *params,
           const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const BitlensRequantize *rq = &params->requantize;
  const BitlensRegion *region = &call->region;
  const gint8 *input = call->inputs[0];
  const gint8 *filter = call->inputs[1];
  const gint32 *bias = params->has_bias ? call->inputs[2] : NULL;
  gint8 *output = call->outputs[0];

  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      {
        int in_y_origin = out_y * w->stride_h - w->pad_top;

        for (int out_x = region->x0; out_x < region->x1; out_x++)
          {
            int in_x_origin = out_x * w->stride_w - w->pad_left;
            gint8 *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;

            for (int out_c = 0; out_c < w->out_c; out_c++)
              {
                int group = out_c / params->filters_per_group;
                gint32 acc = 0;

                for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
                  {
                    int in_y = in_y_origin + w->dilation_h * filter_y;

                    if (in_y < 0 || in_y >= w->in_h)
                      continue;
                    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
                      {
                        int in_x = in_x_origin + w->dilation_w * filter_x;
                        const gint8 *x, *f;

                        if (in_x < 0 || in_x >= w->in_w)
                          continue;
                        x = input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c
                            + (gsize) group * params->filter_in_c;
                        f = filter + (((gsize) out_c * w->filter_h + filter_y) * w->filter_w + filter_x)
                            * params->filter_in_c;
                        for (int in_c = 0; in_c < params->filter_in_c; in_c++)
                          acc += (gint32) f[in_c] * ((gint32) x[in_c] + rq->input_offset);
                      }
                  }
                if (bias != NULL)
                  acc += bias[out_c];
                out[out_c] = bitlens_requantize_apply (rq, acc, out_c);
              }
          }
      }
}

static void
conv_float (const BitlensConvParams *params,
            const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const float *input = call->inputs[0];
  const float *filter = call->inputs[1];
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      {
        int in_y_origin = out_y * w->stride_h - w->pad_top;

        for (int out_x = region->x0; out_x < region->x1; out_x++)
          {
            int in_x_origin = out_x * w->stride_w - w->pad_left;
            float *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;

            for (int out_c = 0; out_c < w->out_c; out_c++)
              {
                int group = out_c / params->filters_per_group;
                float total = 0.0f;
                float bias_value = 0.0f;

                for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
                  {
                    int in_y = in_y_origin + w->dilation_h * filter_y;

                    if (in_y < 0 || in_y >= w->in_h)
                      continue;
                    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
                      {
                        int in_x = in_x_origin + w->dilation_w * filter_x;
                        const float *x, *f;

                        if (in_x < 0 || in_x >= w->in_w)
                          continue;
                        x = input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c
                            + (gsize) group * params->filter_in_c;
                        f = filter + (((gsize) out_c * w->filter_h + filter_y) * w->filter_w + filter_x)
                            * params->filter_in_c;
                        for (int in_c = 0; in_c < params->filter_in_c; in_c++)
                          total += x[in_c] * f[in_c];
                      }
                  }
                if (bias != NULL)
                  bias_value = bias[out_c];
                out[out_c] = bitlens_clamp_float (total + bias_value, params->act_min, params->act_max);
              }
          }
      }
}

void
bitlens_conv_2d_eval_reference (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
  if (params->type == BITLENS_TYPE_INT8)
    conv_int8 (params, call);
  else
    conv_float (params, call);
}

const BitlensKernel bitlens_kernel_conv_2d = {
  BITLENS_OP_CONV_2D,
  conv_prepare,
  bitlens_conv_2d_eval_reference,
  bitlens_conv_2d_eval_optimized,
  TRUE,
};
