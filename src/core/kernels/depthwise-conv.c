/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "depthwise-conv-private.h"

/* DEPTHWISE_CONV_2D reference kernels, the arithmetic of TFLM
 * reference_ops::DepthwiseConv (float) and reference_integer_ops::DepthwiseConvPerChannel
 * (int8), SEMANTICS.md section 2. */

static void
depthwise_params_free (gpointer data)
{
  BitlensDepthwiseParams *params = data;

  bitlens_requantize_clear (&params->requantize);
  g_free (params->packed_filter);
  bitlens_requantize_lanes_clear (&params->requantize_lanes);
  g_free (params->packed_filter_float);
  g_free (params);
}

static gboolean
depthwise_prepare (const BitlensModel *model,
                   BitlensOp          *op,
                   GError            **error)
{
  const BitlensTensor *input, *filter, *bias, *output;
  BitlensDepthwiseParams *params;
  int in_c, out_c, multiplier;

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

  if (filter->shape[0] != 1)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (filter);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("filter has shape %s, expected [1,Kh,Kw,channels]"), shape);
      return FALSE;
    }
  in_c = input->shape[3];
  out_c = filter->shape[3];
  if (out_c % in_c != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("filter has %d channels, not a multiple of the input's %d channels"),
                   out_c, in_c);
      return FALSE;
    }
  multiplier = out_c / in_c;
  /* 0 is read as "unset"; any other value must agree with the shapes. */
  if (op->options.depth_multiplier != 0 && op->options.depth_multiplier != multiplier)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("depth_multiplier is %d but the filter has %d channels for %d input channels"),
                   op->options.depth_multiplier, out_c, in_c);
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
       !bitlens_prepare_check_int8_weights (filter, _("filter"), out_c, 3, FALSE, error)))
    return FALSE;

  params = g_new0 (BitlensDepthwiseParams, 1);
  if (!bitlens_prepare_window (input, output, filter->shape[1], filter->shape[2], out_c,
                               &op->options, TRUE, &params->window, error))
    {
      depthwise_params_free (params);
      return FALSE;
    }
  params->type = input->type;
  params->depth_multiplier = multiplier;
  params->has_bias = bias != NULL;
  if (input->type == BITLENS_TYPE_INT8)
    {
      if (!bitlens_requantize_init (&params->requantize, input, filter, output, out_c,
                                    op->options.activation, error))
        {
          depthwise_params_free (params);
          return FALSE;
        }
    }
  else
    bitlens_activation_range_float (op->options.activation, &params->act_min, &params->act_max);

  op->prepared = params;
  op->prepared_free = depthwise_params_free;
  if (input->type == BITLENS_TYPE_FLOAT32)
    bitlens_depthwise_conv_2d_prepare_float_optimized (params, filter);
  else
    op->scratch_bytes = bitlens_depthwise_conv_2d_prepare_optimized (params, filter, bias);
  return TRUE;
}

/* One output pixel, all channels. */
static void
depthwise_int8_pixel (const BitlensDepthwiseParams *params,
                      const gint8                  *input,
                      const gint8                  *filter,
                      const gint32                 *bias,
                      gint8                        *output,
                      int                           b,
                      int                           out_y,
                      int                           out_x)
{
  const BitlensWindow *w = &params->window;
  const BitlensRequantize *rq = &params->requantize;
  int in_y_origin = out_y * w->stride_h - w->pad_top;
  int in_x_origin = out_x * w->stride_w - w->pad_left;
  gint8 *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;

  for (int in_c = 0; in_c < w->in_c; in_c++)
    for (int m = 0; m < params->depth_multiplier; m++)
      {
        int out_c = in_c * params->depth_multiplier + m;
        gint32 acc = 0;

        for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
          {
            int in_y = in_y_origin + w->dilation_h * filter_y;

            if (in_y < 0 || in_y >= w->in_h)
              continue;
            for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
              {
                int in_x = in_x_origin + w->dilation_w * filter_x;
                gint32 x, f;

                if (in_x < 0 || in_x >= w->in_w)
                  continue;
                x = input[(((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c + in_c];
                f = filter[((gsize) filter_y * w->filter_w + filter_x) * w->out_c + out_c];
                acc += f * (x + rq->input_offset);
              }
          }
        if (bias != NULL)
          acc += bias[out_c];
        out[out_c] = bitlens_requantize_apply (rq, acc, out_c);
      }
}

static void
depthwise_float (const BitlensDepthwiseParams *params,
                 const BitlensKernelCall      *call)
{
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const float *input = call->inputs[0];
  const float *filter = call->inputs[1];
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        {
          int in_y_origin = out_y * w->stride_h - w->pad_top;
          int in_x_origin = out_x * w->stride_w - w->pad_left;
          float *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;

          for (int in_c = 0; in_c < w->in_c; in_c++)
            for (int m = 0; m < params->depth_multiplier; m++)
              {
                int out_c = in_c * params->depth_multiplier + m;
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
                        float x, f;

                        if (in_x < 0 || in_x >= w->in_w)
                          continue;
                        x = input[(((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c + in_c];
                        f = filter[((gsize) filter_y * w->filter_w + filter_x) * w->out_c + out_c];
                        total += x * f;
                      }
                  }
                if (bias != NULL)
                  bias_value = bias[out_c];
                out[out_c] = bitlens_clamp_float (total + bias_value, params->act_min, params->act_max);
              }
        }
}

void
bitlens_depthwise_conv_2d_eval_reference (const BitlensKernelCall *call)
{
  const BitlensDepthwiseParams *params = call->op->prepared;
  const BitlensRegion *region = &call->region;

  bitlens_region_assert_inside (region, params->window.out_h, params->window.out_w);
  if (params->type == BITLENS_TYPE_FLOAT32)
    {
      depthwise_float (params, call);
      return;
    }

  for (int b = 0; b < params->window.batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        depthwise_int8_pixel (params, call->inputs[0], call->inputs[1],
                              params->has_bias ? call->inputs[2] : NULL,
                              call->outputs[0], b, out_y, out_x);
}

/* The optimized twins: float32 (depthwise-conv-float-optimized.c) and int8
 * (depthwise-conv-optimized.c). */
static void
depthwise_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensDepthwiseParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_FLOAT32)
    bitlens_depthwise_conv_2d_eval_float_optimized (call);
  else
    bitlens_depthwise_conv_2d_eval_optimized (call);
}

const BitlensKernel bitlens_kernel_depthwise_conv_2d = {
  BITLENS_OP_DEPTHWISE_CONV_2D,
  depthwise_prepare,
  bitlens_depthwise_conv_2d_eval_reference,
  depthwise_eval_optimized,
  TRUE,
};
