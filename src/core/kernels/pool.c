/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <float.h>

#include <glib/gi18n-lib.h>

#include "pool-private.h"

/* AVERAGE_POOL_2D and MAX_POOL_2D, the arithmetic of TFLM reference_ops::AveragePool /
 * MaxPool (float) and reference_integer_ops::AveragePool / MaxPool (int8): the window is
 * clipped to the input (padding taps are ignored, not counted); the int8 average rounds
 * half away from zero; the fused activation clamps. No rescaling between input and
 * output. */


static gboolean
pool_prepare (const BitlensModel *model,
              BitlensOp          *op,
              GError            **error)
{
  const BitlensTensor *input, *output;
  BitlensPoolParams *params;

  if (!bitlens_prepare_check_arity (model, op, 1, 1, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_prepare_check_float_or_int8 (input, _("input"), error) ||
      !bitlens_prepare_check_type (output, _("output"), input->type, error) ||
      !bitlens_prepare_check_activation (op->options.activation, error) ||
      !bitlens_prepare_check_rank (input, _("input"), 4, error))
    return FALSE;
  if (input->type == BITLENS_TYPE_INT8 &&
      (!bitlens_prepare_check_int8_per_tensor (input, _("input"), error) ||
       !bitlens_prepare_check_int8_per_tensor (output, _("output"), error)))
    return FALSE;

  params = g_new0 (BitlensPoolParams, 1);
  if (!bitlens_prepare_window (input, output, op->options.filter_h, op->options.filter_w,
                               input->shape[3], &op->options, FALSE, &params->window, error))
    {
      g_free (params);
      return FALSE;
    }
  params->type = input->type;
  if (input->type == BITLENS_TYPE_INT8)
    bitlens_activation_range_quantized (op->options.activation, output->scales[0],
                                        (int) output->zero_points[0], G_MININT8, G_MAXINT8,
                                        &params->act_min, &params->act_max);
  else
    bitlens_activation_range_float (op->options.activation, &params->act_min_f, &params->act_max_f);

  op->prepared = params;
  op->prepared_free = g_free;
  return TRUE;
}

#define POOL_FOREACH_OUTPUT(w, region, b, out_y, out_x, c)             \
  for (int b = 0; b < (w)->batches; b++)                               \
    for (int out_y = (region)->y0; out_y < (region)->y1; out_y++)      \
      for (int out_x = (region)->x0; out_x < (region)->x1; out_x++)    \
        for (int c = 0; c < (w)->in_c; c++)

static inline gsize
pool_index (const BitlensWindow *w,
            int                  b,
            int                  y,
            int                  x,
            int                  h,
            int                  width,
            int                  c)
{
  return (((gsize) b * h + y) * width + x) * w->in_c + c;
}

static void
average_pool_int8 (const BitlensPoolParams *params,
                   const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];

  POOL_FOREACH_OUTPUT (w, &call->region, b, out_y, out_x, c)
    {
      int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
      gint32 acc = 0;
      gint32 count;

      bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          acc += input[pool_index (w, b, in_y_origin + fy, in_x_origin + fx, w->in_h, w->in_w, c)];
      count = (fy1 - fy0) * (fx1 - fx0);
      /* SAME and VALID windows always overlap the input; keep a division by zero out
       * of reach anyway. */
      if (count > 0)
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        (gint8) bitlens_clamp_i32 (acc, params->act_min, params->act_max);
    }
}

static void
average_pool_float (const BitlensPoolParams *params,
                    const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const float *input = call->inputs[0];
  float *output = call->outputs[0];

  POOL_FOREACH_OUTPUT (w, &call->region, b, out_y, out_x, c)
    {
      int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
      float total = 0.0f;
      float count = 0.0f;

      bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            total += input[pool_index (w, b, in_y_origin + fy, in_x_origin + fx, w->in_h, w->in_w, c)];
            count += 1.0f;
          }
      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        bitlens_clamp_float (total / count, params->act_min_f, params->act_max_f);
    }
}

static void
max_pool_int8 (const BitlensPoolParams *params,
               const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];

  POOL_FOREACH_OUTPUT (w, &call->region, b, out_y, out_x, c)
    {
      int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
      gint32 max = G_MININT8;

      bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          max = MAX (max, input[pool_index (w, b, in_y_origin + fy, in_x_origin + fx, w->in_h, w->in_w, c)]);
      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        (gint8) bitlens_clamp_i32 (max, params->act_min, params->act_max);
    }
}

static void
max_pool_float (const BitlensPoolParams *params,
                const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const float *input = call->inputs[0];
  float *output = call->outputs[0];

  POOL_FOREACH_OUTPUT (w, &call->region, b, out_y, out_x, c)
    {
      int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
      float max = -FLT_MAX;

      bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            float value = input[pool_index (w, b, in_y_origin + fy, in_x_origin + fx, w->in_h, w->in_w, c)];
            /* std::max (max, value): keeps max unless max < value (NaN never wins). */
            if (max < value)
              max = value;
          }
      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        bitlens_clamp_float (max, params->act_min_f, params->act_max_f);
    }
}

static void
average_pool_eval (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
  if (params->type == BITLENS_TYPE_INT8)
    average_pool_int8 (params, call);
  else
    average_pool_float (params, call);
}

static void
max_pool_eval (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
  if (params->type == BITLENS_TYPE_INT8)
    max_pool_int8 (params, call);
  else
    max_pool_float (params, call);
}

/* The int8 average's twin: the same int32 sums (exact in any order: at most 128 times
 * the window's taps in magnitude) and the same rounding division, with the channels of a
 * pixel side by side in fixed-length loops (vectorized by the compiler) instead of a
 * clipped window and an index computation per input value. */
#define POOL_INT8_CHUNK 64

static void
average_pool_int8_optimized (const BitlensPoolParams *params,
                             const BitlensKernelCall *call)
{
  const BitlensWindow *w = &params->window;
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];
  const BitlensRegion *region = &call->region;

  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        {
          int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
          gint32 count;
          gint8 *out = output + pool_index (w, b, out_y, out_x, w->out_h, w->out_w, 0);

          bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
          count = MAX (fy1 - fy0, 0) * MAX (fx1 - fx0, 0);
          for (int c0 = 0; c0 < w->in_c; c0 += POOL_INT8_CHUNK)
            {
              int n = MIN (POOL_INT8_CHUNK, w->in_c - c0);
              gint32 sums[POOL_INT8_CHUNK] = { 0 };

              for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                  {
                    const gint8 *x = input + pool_index (w, b, in_y_origin + fy, in_x_origin + fx,
                                                         w->in_h, w->in_w, c0);

                    if (n == POOL_INT8_CHUNK)
                      for (int j = 0; j < POOL_INT8_CHUNK; j++)
                        sums[j] += x[j];
                    else
                      for (int j = 0; j < n; j++)
                        sums[j] += x[j];
                  }
              for (int j = 0; j < n; j++)
                {
                  gint32 acc = sums[j];

                  if (count > 0)
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                  out[c0 + j] = (gint8) bitlens_clamp_i32 (acc, params->act_min, params->act_max);
                }
            }
        }
}

/* The optimized twins: pool-float-optimized.c for float32, the one above for the int8
 * average. */
static void
average_pool_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
  if (params->type == BITLENS_TYPE_FLOAT32)
    bitlens_average_pool_2d_eval_float_optimized (call);
  else
    average_pool_int8_optimized (params, call);
}

static void
max_pool_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_FLOAT32)
    bitlens_max_pool_2d_eval_float_optimized (call);
  else
    max_pool_eval (call);
}

const BitlensKernel bitlens_kernel_average_pool_2d = {
  BITLENS_OP_AVERAGE_POOL_2D, pool_prepare, average_pool_eval, average_pool_eval_optimized, TRUE,
};

const BitlensKernel bitlens_kernel_max_pool_2d = {
  BITLENS_OP_MAX_POOL_2D, pool_prepare, max_pool_eval, max_pool_eval_optimized, TRUE,
};
