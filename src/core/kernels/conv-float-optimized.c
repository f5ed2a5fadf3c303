/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "conv-private.h"
#include "cpu-features.h"
#include "float-simd.h"

/* Optimized float32 CONV_2D, bit-identical to the reference (conv.c).
 *
 * Floating-point sums depend on their order, so every output keeps the reference's: it
 * starts at 0.0f and adds x * w (a rounded product, then a rounded sum; no fused
 * multiply-add) over the taps inside the input in (filter_y, filter_x, input channel)
 * order, then adds the bias (0.0f when absent) and clamps. The speed comes from computing
 * many outputs side by side, each in its own vector lane, all lanes doing the same
 * sequence of operations:
 *
 * - across output channels: the filter is transposed at prepare into blocks of 16 output
 *   channels, [block][Kh*Kw*I][16], zero beyond out_c, so that one tap's weights for a
 *   block are 16 contiguous floats (two AVX vectors, four of the portable path);
 * - across output columns: a tile of neighbouring pixels of one row shares those weight
 *   vectors (register blocking), each pixel broadcasting its input value.
 *
 * The taps inside the input form a rectangle [fy0, fy1) x [fx0, fx1) of the filter, so a
 * pixel's sum runs over that rectangle in order; a tile is used only where every pixel has
 * the whole filter width inside the input (the rows' range is shared by a row), the others
 * are computed one pixel at a time. With dilation_w 1, the taps (fx, in_c) of a filter row
 * are one contiguous run of input and weights.
 *
 * Cache blocking: the outer loop runs over the blocks of output channels, so one block's
 * weights (Kh*Kw*I*64 bytes, 23 KB for an 11x11x3 filter) stay in the L1 cache while the
 * pixels of the region stream past them. */

#define BLOCK 16                        /* output channels per block */

/* Pixels per tile, for a whole block of 16 channels or half a block: with AVX2, 6 x 2
 * (or 12 x 1) accumulators plus the weights and a broadcast fill the 16 registers; with
 * 4-lane vectors a block is 4 registers, so tiles take fewer pixels (2 x 4, 4 x 2). */
#define AVX2_TILE_2 6
#define AVX2_TILE_1 12
#define BASELINE_TILE_2 2
#define BASELINE_TILE_1 4
#define MAX_TILE 12

void
bitlens_conv_2d_prepare_float_optimized (BitlensConvParams   *params,
                                         const BitlensTensor *filter)
{
  const BitlensWindow *w = &params->window;
  const float *values = (const float *) filter->data;
  gsize depth, n_blocks, n_values, n_bytes;
  float *packed;

  /* Grouped convolutions and filters that are not constant stay with the reference. */
  if (values == NULL || params->filters_per_group != w->out_c)
    return;

  /* The filter tensor exists, so depth * out_c fits in memory; blocks round out_c up. */
  depth = (gsize) w->filter_h * w->filter_w * params->filter_in_c;
  n_blocks = ((gsize) w->out_c + BLOCK - 1) / BLOCK;
  if (!g_size_checked_mul (&n_values, depth, n_blocks * BLOCK) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (float)))
    return;
  packed = g_try_malloc0 (MAX (n_bytes, 1));
  if (packed == NULL)
    return;
  for (gsize out_c = 0; out_c < (gsize) w->out_c; out_c++)
    for (gsize k = 0; k < depth; k++)
      packed[((out_c / BLOCK) * depth + k) * BLOCK + out_c % BLOCK] = values[out_c * depth + k];
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

/* What every pixel of one call shares. */
typedef struct
{
  const BitlensConvParams *params;
  const float             *input;
  float                   *output;
  float                    bias[BLOCK];     /* the current block's bias, 0.0f when absent */
  int                      c0, n;           /* the current block's first channel and count */
  const float             *block_weights;   /* [depth][BLOCK] */
} ConvFloatCall;

static gboolean
is_pointwise_over_whole_rows (const BitlensWindow *w,
                              const BitlensRegion *region)
{
  return w->filter_h == 1 && w->filter_w == 1 && w->stride_h == 1 && w->stride_w == 1 &&
         w->pad_top == 0 && w->pad_left == 0 && w->in_w == w->out_w &&
         region->x0 == 0 && region->x1 == w->out_w;
}

/* The vector code, for 4 lanes (the portable path) and, on x86, 8 lanes (AVX2). */
#define VEC BitlensF32x4
#define VEC_LANES 4
#define VEC_NAME(name) name##_x4
#include "conv-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
#define VEC BitlensF32x8
#define VEC_LANES 8
#define VEC_NAME(name) name##_x8
#include "conv-float-optimized-body.h"
#undef VEC
#undef VEC_LANES
#undef VEC_NAME
#endif

static void
conv_float_region_baseline (const BitlensKernelCall *call)
{
  conv_float_region_x4 (call, BASELINE_TILE_2, BASELINE_TILE_1);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
conv_float_region_avx2 (const BitlensKernelCall *call)
{
  conv_float_region_x8 (call, AVX2_TILE_2, AVX2_TILE_1);
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
#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      conv_float_region_avx2 (call);
      return;
    }
#endif
  conv_float_region_baseline (call);
}
