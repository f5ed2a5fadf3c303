/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "conv-private.h"
#include "cpu-features.h"

/* Optimized float32 CONV_2D, bit-identical to the reference (conv.c).
 *
 * Floating-point sums depend on their order, so each output keeps the reference's: it
 * starts at 0.0f and adds x * w (a float product, then a float sum; the build forbids
 * fused multiply-add) over the taps inside the input in (filter_y, filter_x, input
 * channel) order, then the bias, then the clamp. The speed comes from computing many
 * output channels side by side, one lane each: the filter is transposed at prepare so
 * that one tap's weights for consecutive output channels are contiguous. The same C is
 * compiled for AVX2 (8 lanes, chosen at run time) and for the baseline (4 lanes). */

#define FLOAT_CHUNK 32   /* output channels computed together */

void
bitlens_conv_2d_prepare_float_optimized (BitlensConvParams   *params,
                                         const BitlensTensor *filter)
{
  const BitlensWindow *w = &params->window;
  gsize depth, stride, n_values, n_bytes;

  if (filter->data == NULL || params->filters_per_group != w->out_c)
    return;

  /* The filter tensor exists, so depth * out_c fits in memory. */
  depth = (gsize) w->filter_h * w->filter_w * params->filter_in_c;
  stride = ((gsize) w->out_c + FLOAT_CHUNK - 1) / FLOAT_CHUNK * FLOAT_CHUNK;
  if (!g_size_checked_mul (&n_values, depth, stride) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (float)))
    return;
  params->packed_filter_float = g_try_malloc0 (n_bytes);
  if (params->packed_filter_float == NULL)
    return;
  for (gsize out_c = 0; out_c < (gsize) w->out_c; out_c++)
    for (gsize k = 0; k < depth; k++)
      memcpy (&params->packed_filter_float[k * stride + out_c],
              filter->data + (out_c * depth + k) * sizeof (float), sizeof (float));
  params->packed_float_stride = stride;
}

/* The output pixel (b, out_y, out_x), all channels, @chunk (a constant after inlining,
 * at most FLOAT_CHUNK) channels at a time. */
static inline __attribute__((always_inline)) void
conv_float_pixel (const BitlensConvParams *params,
                  const float             *input,
                  const float             *bias,
                  int                      b,
                  int                      out_y,
                  int                      out_x,
                  float                   *out,
                  const int                chunk)
{
  const BitlensWindow *w = &params->window;
  gsize stride = params->packed_float_stride;
  int in_y_origin = out_y * w->stride_h - w->pad_top;
  int in_x_origin = out_x * w->stride_w - w->pad_left;

  for (int c0 = 0; c0 < w->out_c; c0 += chunk)
    {
      float acc[FLOAT_CHUNK] = { 0.0f };
      int n = MIN (chunk, w->out_c - c0);

      for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
        {
          int in_y = in_y_origin + w->dilation_h * filter_y;

          if (in_y < 0 || in_y >= w->in_h)
            continue;
          for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
            {
              int in_x = in_x_origin + w->dilation_w * filter_x;
              const float *x, *weights;

              if (in_x < 0 || in_x >= w->in_w)
                continue;
              x = input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c;
              weights = params->packed_filter_float
                        + ((gsize) filter_y * w->filter_w + filter_x) * w->in_c * stride + c0;
              for (int in_c = 0; in_c < w->in_c; in_c++)
                {
                  float value = x[in_c];
                  const float *row = weights + (gsize) in_c * stride;

                  for (int j = 0; j < chunk; j++)
                    acc[j] += value * row[j];
                }
            }
        }
      for (int j = 0; j < n; j++)
        {
          float bias_value = bias != NULL ? bias[c0 + j] : 0.0f;
          out[c0 + j] = bitlens_clamp_float (acc[j] + bias_value, params->act_min, params->act_max);
        }
    }
}

static inline __attribute__((always_inline)) void
conv_float_region (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  /* Few output channels (a network's first layers) waste less in chunks of 8. */
  gboolean narrow = w->out_c <= 8;

  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        {
          float *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;

          if (narrow)
            conv_float_pixel (params, call->inputs[0], bias, b, out_y, out_x, out, 8);
          else
            conv_float_pixel (params, call->inputs[0], bias, b, out_y, out_x, out, FLOAT_CHUNK);
        }
}

static void
conv_float_region_baseline (const BitlensKernelCall *call)
{
  conv_float_region (call);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2")))
static void
conv_float_region_avx2 (const BitlensKernelCall *call)
{
  conv_float_region (call);
}
#endif

void
bitlens_conv_2d_eval_float_optimized (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;

  if (params->packed_filter_float == NULL)
    {
      bitlens_conv_2d_eval_reference (call);
      return;
    }
  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
#if defined(__x86_64__) || defined(__i386__)
  if (bitlens_cpu_has_avx2 ())
    {
      conv_float_region_avx2 (call);
      return;
    }
#endif
  conv_float_region_baseline (call);
}
