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
 * value, broadcast, meets a tile of up to 12 vectors of units (96 sums in flight, enough
 * independent additions to hide their latency). */

#define AVX2_TILE 12
#define BASELINE_TILE 4
#define MAX_TILE 12

void
bitlens_fully_connected_prepare_float_optimized (BitlensFullyConnectedParams *params,
                                                 const BitlensTensor         *weights)
{
  const float *values = (const float *) weights->data;
  gsize packed_units = ((gsize) params->units + BITLENS_F32X8_LANES - 1) / BITLENS_F32X8_LANES
                       * BITLENS_F32X8_LANES;
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

/* Units [u0, u0 + 8 * n_vectors) of one input row; n_vectors is a constant after
 * inlining. */
static inline __attribute__((always_inline)) void
fully_connected_float_tile (const BitlensFullyConnectedParams *params,
                            const float                       *x,
                            const float                       *bias,
                            float                             *out,
                            int                                u0,
                            const int                          n_vectors)
{
  const float *weights = params->packed_weights_float + u0;
  BitlensF32x8 acc[MAX_TILE];
  BitlensF32x8 low = BITLENS_F32X8_SPLAT (params->act_min);
  BitlensF32x8 high = BITLENS_F32X8_SPLAT (params->act_max);

#pragma GCC unroll 12
  for (int v = 0; v < n_vectors; v++)
    acc[v] = (BitlensF32x8) { 0 };
  for (int d = 0; d < params->input_size; d++, weights += params->packed_units)
    {
      float value = x[d];

#pragma GCC unroll 12
      for (int v = 0; v < n_vectors; v++)
        acc[v] += value * BITLENS_F32X8_LOAD (weights + v * BITLENS_F32X8_LANES);
    }

#pragma GCC unroll 12
  for (int v = 0; v < n_vectors; v++)
    {
      int first = u0 + v * BITLENS_F32X8_LANES;
      int n = MIN (params->units - first, BITLENS_F32X8_LANES);
      BitlensF32x8 bias_values = { 0 };
      BitlensF32x8 result;

      if (bias != NULL)
        bias_values = BITLENS_F32X8_LOAD_PARTIAL (bias + first, n);
      result = BITLENS_F32X8_CLAMP (acc[v] + bias_values, low, high);
      if (n == BITLENS_F32X8_LANES)
        BITLENS_F32X8_STORE (out + first, result);
      else
        BITLENS_F32X8_STORE_PARTIAL (out + first, result, n);
    }
}

static inline __attribute__((always_inline)) void
fully_connected_float (const BitlensKernelCall *call,
                       const int                tile)
{
  const BitlensFullyConnectedParams *params = call->op->prepared;
  const float *input = call->inputs[0];
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  for (int b = 0; b < params->batches; b++)
    {
      const float *x = input + (gsize) b * params->input_size;
      float *out = output + (gsize) b * params->units;
      int u0 = 0;

      for (; u0 + tile * BITLENS_F32X8_LANES <= params->packed_units; u0 += tile * BITLENS_F32X8_LANES)
        fully_connected_float_tile (params, x, bias, out, u0, tile);
      for (; u0 < params->packed_units; u0 += BITLENS_F32X8_LANES)
        fully_connected_float_tile (params, x, bias, out, u0, 1);
    }
}

static void
fully_connected_float_baseline (const BitlensKernelCall *call)
{
  fully_connected_float (call, BASELINE_TILE);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
fully_connected_float_avx2 (const BitlensKernelCall *call)
{
  fully_connected_float (call, AVX2_TILE);
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
