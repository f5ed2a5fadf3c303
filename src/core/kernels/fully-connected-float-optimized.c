/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "cpu-features.h"
#include "float-simd.h"
#include "fully-connected-private.h"

/* Optimized float32 FULLY_CONNECTED, bit-identical to the reference (fully-connected.c):
 * every unit keeps the reference's sum, from 0.0f, x[d] * w[unit][d] added for d in order
 * (a rounded product, then a rounded sum; no fused multiply-add), then the bias (0.0f when
 * absent), then the clamp. Units are computed side by side in vector lanes: the weights
 * are transposed at prepare to [input_size][units rounded up to 8], so that one input
 * value, broadcast, meets a tile of up to 12 vectors of units (96 or 48 sums in flight,
 * enough independent additions to hide their latency). */

/* Vectors of units per tile: 12 accumulators, a weight vector and a broadcast fit the 16
 * registers with either width. */
#define AVX2_TILE 12
#define BASELINE_TILE 12
#define MAX_TILE 12
#define UNIT_MULTIPLE 8         /* packed units: a multiple of both vector widths */

void
bitlens_fully_connected_prepare_float_optimized (BitlensFullyConnectedParams *params,
                                                 const BitlensTensor         *weights)
{
  const float *values = (const float *) weights->data;
  gsize packed_units = ((gsize) params->units + UNIT_MULTIPLE - 1) / UNIT_MULTIPLE * UNIT_MULTIPLE;
  gsize n_values, n_bytes;
  float *packed;

  if (values == NULL)
    return;
  /* The weights tensor exists, so units * input_size fits in memory. */
  if (!g_size_checked_mul (&n_values, packed_units, (gsize) params->input_size) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (float)) ||
      packed_units > G_MAXINT)
    return;
  packed = g_try_malloc0 (MAX (n_bytes, 1));
  if (packed == NULL)
    return;
  for (gsize unit = 0; unit < (gsize) params->units; unit++)
    for (gsize d = 0; d < (gsize) params->input_size; d++)
      packed[d * packed_units + unit] = values[unit * params->input_size + d];
  params->packed_weights_float = packed;
  params->packed_units = (int) packed_units;
}

/* The vector code, for 4 lanes (the portable path) and, on x86, 8 lanes (AVX2). */
#define VEC BitlensF32x4
#define VEC_LANES 4
#define VEC_NAME(name) name##_x4
#include "fully-connected-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
#define VEC BitlensF32x8
#define VEC_LANES 8
#define VEC_NAME(name) name##_x8
#include "fully-connected-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME
#endif

static void
fully_connected_float_baseline (const BitlensKernelCall *call)
{
  fully_connected_float_x4 (call, BASELINE_TILE);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
fully_connected_float_avx2 (const BitlensKernelCall *call)
{
  fully_connected_float_x8 (call, AVX2_TILE);
}
#endif

void
bitlens_fully_connected_eval_float_optimized (const BitlensKernelCall *call)
{
#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      fully_connected_float_avx2 (call);
      return;
    }
#endif
  fully_connected_float_baseline (call);
}
