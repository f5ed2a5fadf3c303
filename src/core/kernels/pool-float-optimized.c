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
 * float count of taps; then the clamp. Channels beyond the last whole vector run the
 * same steps one at a time. */

typedef enum
{
  POOL_AVERAGE,
  POOL_MAX,
} PoolKind;

/* The vector code, for 4 lanes (the portable path) and, on x86, 8 lanes (AVX2). */
#define VEC BitlensF32x4
#define VEC_LANES 4
#define VEC_NAME(name) name##_x4
#include "pool-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
#define VEC BitlensF32x8
#define VEC_LANES 8
#define VEC_NAME(name) name##_x8
#include "pool-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME
#endif

static void
average_pool_float_baseline (const BitlensKernelCall *call)
{
  pool_float_region_x4 (call, POOL_AVERAGE);
}

static void
max_pool_float_baseline (const BitlensKernelCall *call)
{
  pool_float_region_x4 (call, POOL_MAX);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA. */
__attribute__((target("avx2")))
static void
average_pool_float_avx2 (const BitlensKernelCall *call)
{
  pool_float_region_x8 (call, POOL_AVERAGE);
}

__attribute__((target("avx2")))
static void
max_pool_float_avx2 (const BitlensKernelCall *call)
{
  pool_float_region_x8 (call, POOL_MAX);
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
