/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "cpu-features.h"
#include "depthwise-conv-private.h"
#include "float-simd.h"

/* Optimized float32 DEPTHWISE_CONV_2D, bit-identical to the reference (depthwise-conv.c).
 *
 * Every output keeps the reference's sum: from 0.0f, x * f added for each tap inside the
 * input in (filter_y, filter_x) order (a rounded product, then a rounded sum; no fused
 * multiply-add), then the bias (0.0f when absent), then the clamp. Outputs are computed
 * side by side in vector lanes, all lanes doing the same operations:
 *
 * - across output channels, in blocks of 16 (two AVX vectors, four of the portable path):
 *   the filter is copied at prepare into [block][Kh*Kw][16], zero beyond out_c;
 * - across output columns: a tile of neighbouring pixels of one row shares the weight
 *   vectors of each tap (register blocking).
 *
 * Output channel oc reads input channel oc / M (M the depth multiplier). A vector of
 * lanes oc0, oc0 + 1 ... gets its inputs in one of four ways, chosen per block: M = 1, a
 * plain load of consecutive channels; every lane on the same input channel (M a
 * multiple of the lanes), a broadcast; lanes on two input channels (M = 4, 12 ...), two
 * broadcasts and a blend; otherwise a gather through a table of input channels. Lanes
 * beyond out_c (a last, partial block) read the last channel and are not stored.
 *
 * The taps inside the input form a rectangle [fy0, fy1) x [fx0, fx1) of the filter, in
 * order; tiles are used where every pixel has the whole filter width inside the input,
 * single pixels elsewhere. The loop over blocks is the outer one, so that a block's
 * weights stay in the L1 cache. */

#define BLOCK 16
#define MAX_VECTORS_PER_BLOCK 4           /* with 4 lanes */

#define AVX2_TILE_2 6
#define AVX2_TILE_1 12
#define BASELINE_TILE_2 2
#define BASELINE_TILE_1 4
#define MAX_TILE 12

typedef enum
{
  LANES_CONTIGUOUS,     /* lane j reads input channel oc0 + j */
  LANES_BROADCAST,      /* every lane of vector v reads input channel first[v] */
  LANES_TWO_CHANNELS,   /* lane j of vector v reads second[v] where second_lanes[j], else first[v] */
  LANES_GATHER,         /* lane j reads input channel gather[j] */
} LaneInputs;

void
bitlens_depthwise_conv_2d_prepare_float_optimized (BitlensDepthwiseParams *params,
                                                   const BitlensTensor    *filter)
{
  const BitlensWindow *w = &params->window;
  const float *values = (const float *) filter->data;
  gsize n_taps = (gsize) w->filter_h * w->filter_w;
  gsize n_blocks = ((gsize) w->out_c + BLOCK - 1) / BLOCK;
  gsize n_values, n_bytes;
  float *packed;

  if (values == NULL)
    return;
  /* The filter tensor exists, so n_taps * out_c fits in memory; blocks round out_c up. */
  if (!g_size_checked_mul (&n_values, n_taps, n_blocks * BLOCK) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (float)))
    return;
  packed = g_try_malloc0 (MAX (n_bytes, 1));
  if (packed == NULL)
    return;
  for (gsize t = 0; t < n_taps; t++)
    for (gsize out_c = 0; out_c < (gsize) w->out_c; out_c++)
      packed[((out_c / BLOCK) * n_taps + t) * BLOCK + out_c % BLOCK] = values[t * w->out_c + out_c];
  params->packed_filter_float = packed;
  params->packed_float_blocks = (int) n_blocks;
}

/* Filter taps [*first, *end) of one axis land inside [0, size) (empty when first >= end). */
static inline void
valid_taps (int  origin,
            int  dilation,
            int  n_taps,
            int  size,
            int *first,
            int *end)
{
  int f = 0, e = n_taps;

  while (f < n_taps && origin + dilation * f < 0)
    f++;
  while (e > f && origin + dilation * (e - 1) >= size)
    e--;
  *first = f;
  *end = e;
}

/* The current block of one call. */
typedef struct
{
  const BitlensDepthwiseParams *params;
  const float                  *input;
  float                        *output;
  int                           c0, n;          /* first output channel, count (<= 16) */
  const float                  *weights;        /* [Kh*Kw][BLOCK] */
  float                         bias[BLOCK];    /* 0.0f when absent */
  /* The input channel of each lane (lanes numbered across the block's vectors). */
  int                           gather[BLOCK];
  /* The first and last channel of each vector, and the lanes on the last (all ones). */
  int                           first[MAX_VECTORS_PER_BLOCK];
  int                           second[MAX_VECTORS_PER_BLOCK];
  gint32                        second_lanes[BLOCK];
} DepthwiseFloatBlock;

/* How the lanes of the current block, in vectors of @lanes_per_vector, read their
 * inputs; fills the channel tables. */
static LaneInputs
block_lane_inputs (DepthwiseFloatBlock *k,
                   int                  n_vectors,
                   int                  lanes_per_vector)
{
  const BitlensWindow *w = &k->params->window;
  int multiplier = k->params->depth_multiplier;
  gboolean uniform = TRUE, two = TRUE;

  for (int lane = 0; lane < BLOCK; lane++)
    {
      /* Lanes beyond the block's channels read a valid channel; they are not stored. */
      k->gather[lane] = MIN (k->c0 + MIN (lane, k->n - 1), w->out_c - 1) / multiplier;
    }
  for (int v = 0; v < BLOCK / lanes_per_vector; v++)
    {
      int first_lane = v * lanes_per_vector;

      /* Channels grow with the lane. */
      k->first[v] = k->gather[first_lane];
      k->second[v] = k->gather[first_lane + lanes_per_vector - 1];
      for (int j = first_lane; j < first_lane + lanes_per_vector; j++)
        k->second_lanes[j] = k->gather[j] == k->second[v] ? -1 : 0;
      if (v < n_vectors)
        {
          uniform = uniform && k->first[v] == k->second[v];
          two = two && k->second[v] - k->first[v] <= 1;
        }
    }

  if (multiplier == 1 && n_vectors * lanes_per_vector <= k->n)
    return LANES_CONTIGUOUS;
  if (uniform)
    return LANES_BROADCAST;
  if (two)
    return LANES_TWO_CHANNELS;
  return LANES_GATHER;
}

/* The vector code, for 4 lanes (the portable path) and, on x86, 8 lanes (AVX2). */
#define VEC BitlensF32x4
#define VEC_MASK BitlensI32x4
#define VEC_LANES 4
#define VEC_NAME(name) name##_x4
#include "depthwise-conv-float-optimized-body.h"
#undef VEC
#undef VEC_MASK
#undef VEC_LANES
#undef VEC_NAME

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
#define VEC BitlensF32x8
#define VEC_MASK BitlensI32x8
#define VEC_LANES 8
#define VEC_NAME(name) name##_x8
#include "depthwise-conv-float-optimized-body.h"
#undef VEC
#undef VEC_MASK
#undef VEC_LANES
#undef VEC_NAME
#endif

static void
depthwise_float_region_baseline (const BitlensKernelCall *call)
{
  depthwise_float_region_x4 (call, BASELINE_TILE_2, BASELINE_TILE_1);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
depthwise_float_region_avx2 (const BitlensKernelCall *call)
{
  depthwise_float_region_x8 (call, AVX2_TILE_2, AVX2_TILE_1);
}
#endif

void
bitlens_depthwise_conv_2d_eval_float_optimized (const BitlensKernelCall *call)
{
  const BitlensDepthwiseParams *params = call->op->prepared;

  if (params->packed_filter_float == NULL)
    {
      bitlens_depthwise_conv_2d_eval_reference (call);
      return;
    }
  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      depthwise_float_region_avx2 (call);
      return;
    }
#endif
  depthwise_float_region_baseline (call);
}
