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
 *   block are two vectors;
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

#define BLOCK 16                        /* output channels per block: two vectors */
#define VECTORS_PER_BLOCK (BLOCK / BITLENS_F32X8_LANES)

/* Pixels per tile, with 2 or 1 vectors of channels: 6 x 2 (or 12 x 1) accumulators plus
 * the weights and a broadcast fill the 16 AVX registers; the baseline's 8-float vectors
 * are pairs of SSE registers, so it takes fewer pixels. */
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

/* Output pixels (b, out_y, out_x + p), p < n_pixels, channels [c0, c0 + n) (n <= 8 when
 * n_vectors is 1), over the filter rows [fy0, fy1) and columns [fx0, fx1), which must be
 * inside the input for every one of the pixels (out_x may run past the row's end for
 * pointwise convolutions, see below). n_pixels and n_vectors are constants after
 * inlining. */
static inline __attribute__((always_inline)) void
conv_float_pixels (const ConvFloatCall *c,
                   int                  b,
                   int                  out_y,
                   int                  out_x,
                   int                  fy0,
                   int                  fy1,
                   int                  fx0,
                   int                  fx1,
                   const int            n_pixels,
                   const int            n_vectors)
{
  const BitlensWindow *w = &c->params->window;
  int in_c = w->in_c;
  int in_y0 = out_y * w->stride_h - w->pad_top + w->dilation_h * fy0;
  int in_x0 = out_x * w->stride_w - w->pad_left + w->dilation_w * fx0;
  gsize x_row_step = (gsize) w->dilation_h * w->in_w * in_c;
  gsize x_pixel_step = (gsize) w->stride_w * in_c;
  gsize x_run_step = (gsize) w->dilation_w * in_c;
  gsize w_row_step = (gsize) w->filter_w * in_c * BLOCK;
  int n_runs = w->dilation_w == 1 ? 1 : fx1 - fx0;
  int run_length = w->dilation_w == 1 ? (fx1 - fx0) * in_c : in_c;
  const float *x_origin = c->input + (((gsize) b * w->in_h + in_y0) * w->in_w + in_x0) * in_c;
  const float *w_origin = c->block_weights + ((gsize) fy0 * w->filter_w + fx0) * in_c * BLOCK;
  BitlensF32x8 acc[MAX_TILE][VECTORS_PER_BLOCK];
  BitlensF32x8 bias[VECTORS_PER_BLOCK];
  BitlensF32x8 low = BITLENS_F32X8_SPLAT (c->params->act_min);
  BitlensF32x8 high = BITLENS_F32X8_SPLAT (c->params->act_max);

#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
#pragma GCC unroll 2
    for (int v = 0; v < n_vectors; v++)
      acc[p][v] = (BitlensF32x8) { 0 };

  for (int row = 0; row < fy1 - fy0; row++)
    {
      const float *weights = w_origin + row * w_row_step;

      for (int run = 0; run < n_runs; run++)
        {
          const float *x = x_origin + row * x_row_step + run * x_run_step;

          for (int i = 0; i < run_length; i++, weights += BLOCK)
            {
              BitlensF32x8 weight[VECTORS_PER_BLOCK];

#pragma GCC unroll 2
              for (int v = 0; v < n_vectors; v++)
                weight[v] = BITLENS_F32X8_LOAD (weights + v * BITLENS_F32X8_LANES);
#pragma GCC unroll 12
              for (int p = 0; p < n_pixels; p++)
                {
                  float value = x[p * x_pixel_step + i];

#pragma GCC unroll 2
                  for (int v = 0; v < n_vectors; v++)
                    acc[p][v] += weight[v] * value;
                }
            }
        }
    }

#pragma GCC unroll 2
  for (int v = 0; v < n_vectors; v++)
    bias[v] = BITLENS_F32X8_LOAD (c->bias + v * BITLENS_F32X8_LANES);
#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
    {
      float *out = c->output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x + p) * w->out_c + c->c0;

#pragma GCC unroll 2
      for (int v = 0; v < n_vectors; v++)
        {
          BitlensF32x8 value = BITLENS_F32X8_CLAMP (acc[p][v] + bias[v], low, high);
          int n = MIN (c->n - v * BITLENS_F32X8_LANES, BITLENS_F32X8_LANES);

          if (n == BITLENS_F32X8_LANES)
            BITLENS_F32X8_STORE (out + v * BITLENS_F32X8_LANES, value);
          else if (n > 0)
            BITLENS_F32X8_STORE_PARTIAL (out + v * BITLENS_F32X8_LANES, value, n);
        }
    }
}

/* One output row of the current block: tiles of @tile pixels where the whole filter
 * width is inside the input, single pixels elsewhere. */
static inline __attribute__((always_inline)) void
conv_float_row (const ConvFloatCall *c,
                const BitlensRegion *region,
                int                  b,
                int                  out_y,
                const int            tile,
                const int            n_vectors)
{
  const BitlensWindow *w = &c->params->window;
  int fy0, fy1;
  int out_x = region->x0;

  valid_taps (out_y * w->stride_h - w->pad_top, w->dilation_h, w->filter_h, w->in_h, &fy0, &fy1);
  while (out_x < region->x1)
    {
      int first_fx0, first_fx1, last_fx0, last_fx1;

      if (out_x + tile <= region->x1)
        {
          valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                      &first_fx0, &first_fx1);
          valid_taps ((out_x + tile - 1) * w->stride_w - w->pad_left, w->dilation_w, w->filter_w,
                      w->in_w, &last_fx0, &last_fx1);
          /* The pixels in between lie between these two, so inside too. */
          if (first_fx0 == 0 && first_fx1 == w->filter_w && last_fx0 == 0 && last_fx1 == w->filter_w)
            {
              conv_float_pixels (c, b, out_y, out_x, fy0, fy1, 0, w->filter_w, tile, n_vectors);
              out_x += tile;
              continue;
            }
        }
      valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                  &first_fx0, &first_fx1);
      conv_float_pixels (c, b, out_y, out_x, fy0, fy1, first_fx0, first_fx1, 1, n_vectors);
      out_x++;
    }
}

/* A pointwise convolution (1x1, stride 1, no padding) over whole rows: output pixel i of
 * the rows [y0, y1) reads input pixel i of the same rows, so the rows are one long row
 * and tiles run across row ends. */
static inline __attribute__((always_inline)) void
conv_float_pointwise_rows (const ConvFloatCall *c,
                           const BitlensRegion *region,
                           int                  b,
                           const int            tile,
                           const int            n_vectors)
{
  int n_pixels = (region->y1 - region->y0) * c->params->window.out_w;
  int i = 0;

  for (; i + tile <= n_pixels; i += tile)
    conv_float_pixels (c, b, region->y0, i, 0, 1, 0, 1, tile, n_vectors);
  for (; i < n_pixels; i++)
    conv_float_pixels (c, b, region->y0, i, 0, 1, 0, 1, 1, n_vectors);
}

static gboolean
is_pointwise_over_whole_rows (const BitlensWindow *w,
                              const BitlensRegion *region)
{
  return w->filter_h == 1 && w->filter_w == 1 && w->stride_h == 1 && w->stride_w == 1 &&
         w->pad_top == 0 && w->pad_left == 0 && w->in_w == w->out_w &&
         region->x0 == 0 && region->x1 == w->out_w;
}

static inline __attribute__((always_inline)) void
conv_float_region (const BitlensKernelCall *call,
                   const int                tile_2,
                   const int                tile_1)
{
  const BitlensConvParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  gsize depth = (gsize) w->filter_h * w->filter_w * w->in_c;
  gboolean pointwise = is_pointwise_over_whole_rows (w, &call->region);
  ConvFloatCall c = { .params = params, .input = call->inputs[0], .output = call->outputs[0] };

  for (int block = 0; block < params->packed_float_blocks; block++)
    {
      c.c0 = block * BLOCK;
      c.n = MIN (BLOCK, w->out_c - c.c0);
      c.block_weights = params->packed_filter_float + (gsize) block * depth * BLOCK;
      memset (c.bias, 0, sizeof c.bias);
      if (bias != NULL)
        memcpy (c.bias, bias + c.c0, sizeof (float) * c.n);

      for (int b = 0; b < w->batches; b++)
        if (pointwise)
          {
            if (c.n > BITLENS_F32X8_LANES)
              conv_float_pointwise_rows (&c, &call->region, b, tile_2, 2);
            else
              conv_float_pointwise_rows (&c, &call->region, b, tile_1, 1);
          }
        else
          for (int out_y = call->region.y0; out_y < call->region.y1; out_y++)
            {
              if (c.n > BITLENS_F32X8_LANES)
                conv_float_row (&c, &call->region, b, out_y, tile_2, 2);
              else
                conv_float_row (&c, &call->region, b, out_y, tile_1, 1);
            }
    }
}

static void
conv_float_region_baseline (const BitlensKernelCall *call)
{
  conv_float_region (call, BASELINE_TILE_2, BASELINE_TILE_1);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
conv_float_region_avx2 (const BitlensKernelCall *call)
{
  conv_float_region (call, AVX2_TILE_2, AVX2_TILE_1);
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
