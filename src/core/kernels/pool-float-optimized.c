/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <float.h>

#include "cpu-features.h"
#include "float-simd.h"
#include "pool-private.h"

/* Optimized float32 AVERAGE_POOL_2D and MAX_POOL_2D, bit-identical to the reference
 * (pool.c): the channels of a pixel, contiguous in memory, are computed side by side in
 * vector lanes, each lane doing what the reference does for its channel: the taps of the
 * window clipped to the input in (filter_y, filter_x) order; for the maximum, from
 * -FLT_MAX, max = max < x ? x : max; for the average, a float sum from 0.0f divided by the
 * float count of taps; then the clamp. Channels beyond the last multiple of 8 run the
 * same steps one at a time. */

typedef enum
{
  POOL_AVERAGE,
  POOL_MAX,
} PoolKind;

static inline __attribute__((always_inline)) void
pool_float_pixel (const BitlensPoolParams *params,
                  const float             *input,
                  float                   *output,
                  int                      b,
                  int                      out_y,
                  int                      out_x,
                  const PoolKind           kind)
{
  const BitlensWindow *w = &params->window;
  int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
  float *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->in_c;
  const float *origin;
  float count = 0.0f;
  int c = 0;

  bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
  origin = input + (((gsize) b * w->in_h + in_y_origin) * w->in_w + in_x_origin) * w->in_c;
  for (int fy = fy0; fy < fy1; fy++)
    for (int fx = fx0; fx < fx1; fx++)
      count += 1.0f;

  for (; c + BITLENS_F32X8_LANES <= w->in_c; c += BITLENS_F32X8_LANES)
    {
      BitlensF32x8 acc = BITLENS_F32X8_SPLAT (kind == POOL_MAX ? -FLT_MAX : 0.0f);

      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            BitlensF32x8 value = BITLENS_F32X8_LOAD (origin + ((gsize) fy * w->in_w + fx) * w->in_c + c);

            if (kind == POOL_MAX)
              acc = BITLENS_F32X8_SELECT (acc < value, value, acc);
            else
              acc += value;
          }
      if (kind == POOL_AVERAGE)
        acc = acc / count;
      BITLENS_F32X8_STORE (out + c, BITLENS_F32X8_CLAMP (acc, BITLENS_F32X8_SPLAT (params->act_min_f),
                                                         BITLENS_F32X8_SPLAT (params->act_max_f)));
    }
  for (; c < w->in_c; c++)
    {
      float acc = kind == POOL_MAX ? -FLT_MAX : 0.0f;

      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            float value = origin[((gsize) fy * w->in_w + fx) * w->in_c + c];

            if (kind == POOL_MAX)
              acc = acc < value ? value : acc;
            else
              acc += value;
          }
      if (kind == POOL_AVERAGE)
        acc = acc / count;
      out[c] = bitlens_clamp_float (acc, params->act_min_f, params->act_max_f);
    }
}

static inline __attribute__((always_inline)) void
pool_float_region (const BitlensKernelCall *call,
                   const PoolKind           kind)
{
  const BitlensPoolParams *params = call->op->prepared;
  const BitlensRegion *region = &call->region;

  for (int b = 0; b < params->window.batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        pool_float_pixel (params, call->inputs[0], call->outputs[0], b, out_y, out_x, kind);
}

static void
average_pool_float_baseline (const BitlensKernelCall *call)
{
  pool_float_region (call, POOL_AVERAGE);
}

static void
max_pool_float_baseline (const BitlensKernelCall *call)
{
  pool_float_region (call, POOL_MAX);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA. */
__attribute__((target("avx2")))
static void
average_pool_float_avx2 (const BitlensKernelCall *call)
{
  pool_float_region (call, POOL_AVERAGE);
}

__attribute__((target("avx2")))
static void
max_pool_float_avx2 (const BitlensKernelCall *call)
{
  pool_float_region (call, POOL_MAX);
}
#endif

void
bitlens_average_pool_2d_eval_float_optimized (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      average_pool_float_avx2 (call);
      return;
    }
#endif
  average_pool_float_baseline (call);
}

void
bitlens_max_pool_2d_eval_float_optimized (const BitlensKernelCall *call)
{
  const BitlensPoolParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      max_pool_float_avx2 (call);
      return;
    }
#endif
  max_pool_float_baseline (call);
}
