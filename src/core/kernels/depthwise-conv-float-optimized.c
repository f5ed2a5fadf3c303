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
 * - across output channels, in blocks of 16 (two vectors): the filter is copied at prepare
 *   into [block][Kh*Kw][16], zero beyond out_c;
 * - across output columns: a tile of neighbouring pixels of one row shares the weight
 *   vectors of each tap (register blocking).
 *
 * Output channel oc reads input channel oc / M (M the depth multiplier). A vector of
 * lanes oc0 .. oc0+7 gets its inputs in one of four ways, chosen per block: M = 1, a
 * plain load of 8 consecutive channels; every lane on the same input channel (M a
 * multiple of 8), a broadcast; lanes on two input channels (M = 4, 12 ...), two
 * broadcasts and a blend; otherwise a gather through a table of input channels. Lanes
 * beyond out_c (a last, partial block) read the last channel and are not stored.
 *
 * The taps inside the input form a rectangle [fy0, fy1) x [fx0, fx1) of the filter, in
 * order; tiles are used where every pixel has the whole filter width inside the input,
 * single pixels elsewhere. The loop over blocks is the outer one, so that a block's
 * weights stay in the L1 cache. */

#define BLOCK 16
#define VECTORS_PER_BLOCK (BLOCK / BITLENS_F32X8_LANES)

#define AVX2_TILE_2 6
#define AVX2_TILE_1 12
#define BASELINE_TILE_2 2
#define BASELINE_TILE_1 4
#define MAX_TILE 12

typedef enum
{
  LANES_CONTIGUOUS,     /* lane j reads input channel oc0 + j */
  LANES_BROADCAST,      /* every lane of vector v reads input channel first[v] */
  LANES_TWO_CHANNELS,   /* lane j of vector v reads second[v] where second_lanes[v][j], else first[v] */
  LANES_GATHER,         /* lane j of vector v reads input channel gather[v][j] */
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
  /* The input channel of each lane. */
  int                           gather[VECTORS_PER_BLOCK][BITLENS_F32X8_LANES];
  /* The first and last channel of each vector, and the lanes on the last (all ones). */
  int                           first[VECTORS_PER_BLOCK];
  int                           second[VECTORS_PER_BLOCK];
  gint32                        second_lanes[VECTORS_PER_BLOCK][BITLENS_F32X8_LANES];
} DepthwiseFloatBlock;

/* Output pixels (b, out_y, out_x + p), p < n_pixels, of the current block, over the
 * filter rows [fy0, fy1) and columns [fx0, fx1), inside the input for all of them.
 * n_pixels, n_vectors and lanes are constants after inlining. */
static inline __attribute__((always_inline)) void
depthwise_float_pixels (const DepthwiseFloatBlock *k,
                        int                        b,
                        int                        out_y,
                        int                        out_x,
                        int                        fy0,
                        int                        fy1,
                        int                        fx0,
                        int                        fx1,
                        const int                  n_pixels,
                        const int                  n_vectors,
                        const LaneInputs           lanes)
{
  const BitlensWindow *w = &k->params->window;
  int in_c = w->in_c;
  int in_y0 = out_y * w->stride_h - w->pad_top + w->dilation_h * fy0;
  int in_x0 = out_x * w->stride_w - w->pad_left + w->dilation_w * fx0;
  gsize x_row_step = (gsize) w->dilation_h * w->in_w * in_c;
  gsize x_tap_step = (gsize) w->dilation_w * in_c;
  gsize x_pixel_step = (gsize) w->stride_w * in_c;
  const float *x_origin = k->input + (((gsize) b * w->in_h + in_y0) * w->in_w + in_x0) * in_c;
  BitlensF32x8 acc[MAX_TILE][VECTORS_PER_BLOCK];
  BitlensF32x8 bias[VECTORS_PER_BLOCK];
  BitlensI32x8 second_lanes[VECTORS_PER_BLOCK];
  BitlensF32x8 low = BITLENS_F32X8_SPLAT (k->params->act_min);
  BitlensF32x8 high = BITLENS_F32X8_SPLAT (k->params->act_max);

#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
#pragma GCC unroll 2
    for (int v = 0; v < n_vectors; v++)
      acc[p][v] = (BitlensF32x8) { 0 };
#pragma GCC unroll 2
  for (int v = 0; v < n_vectors; v++)
    memcpy (&second_lanes[v], k->second_lanes[v], sizeof second_lanes[v]);

  for (int fy = fy0; fy < fy1; fy++)
    {
      const float *x_row = x_origin + (gsize) (fy - fy0) * x_row_step;
      const float *weights = k->weights + ((gsize) fy * w->filter_w + fx0) * BLOCK;

      for (int fx = fx0; fx < fx1; fx++, weights += BLOCK)
        {
          const float *x_tap = x_row + (gsize) (fx - fx0) * x_tap_step;
          BitlensF32x8 weight[VECTORS_PER_BLOCK];

#pragma GCC unroll 2
          for (int v = 0; v < n_vectors; v++)
            weight[v] = BITLENS_F32X8_LOAD (weights + v * BITLENS_F32X8_LANES);
#pragma GCC unroll 12
          for (int p = 0; p < n_pixels; p++)
            {
              const float *x = x_tap + p * x_pixel_step;

#pragma GCC unroll 2
              for (int v = 0; v < n_vectors; v++)
                {
                  if (lanes == LANES_CONTIGUOUS)
                    acc[p][v] += BITLENS_F32X8_LOAD (x + k->c0 + v * BITLENS_F32X8_LANES) * weight[v];
                  else if (lanes == LANES_BROADCAST)
                    acc[p][v] += weight[v] * x[k->first[v]];
                  else if (lanes == LANES_TWO_CHANNELS)
                    acc[p][v] += BITLENS_F32X8_SELECT (second_lanes[v], BITLENS_F32X8_SPLAT (x[k->second[v]]),
                                                       BITLENS_F32X8_SPLAT (x[k->first[v]])) * weight[v];
                  else
                    {
                      /* Built in registers (a store of 8 floats then a vector load
                       * would stall store forwarding). */
                      const int *g = k->gather[v];
                      BitlensF32x8 gathered = { x[g[0]], x[g[1]], x[g[2]], x[g[3]],
                                                x[g[4]], x[g[5]], x[g[6]], x[g[7]] };

                      acc[p][v] += gathered * weight[v];
                    }
                }
            }
        }
    }

#pragma GCC unroll 2
  for (int v = 0; v < n_vectors; v++)
    bias[v] = BITLENS_F32X8_LOAD (k->bias + v * BITLENS_F32X8_LANES);
#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
    {
      float *out = k->output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x + p) * w->out_c + k->c0;

#pragma GCC unroll 2
      for (int v = 0; v < n_vectors; v++)
        {
          BitlensF32x8 value = BITLENS_F32X8_CLAMP (acc[p][v] + bias[v], low, high);
          int n = MIN (k->n - v * BITLENS_F32X8_LANES, BITLENS_F32X8_LANES);

          if (n == BITLENS_F32X8_LANES)
            BITLENS_F32X8_STORE (out + v * BITLENS_F32X8_LANES, value);
          else if (n > 0)
            BITLENS_F32X8_STORE_PARTIAL (out + v * BITLENS_F32X8_LANES, value, n);
        }
    }
}

/* One output row of the current block: tiles where the whole filter width is inside the
 * input, single pixels elsewhere. */
static inline __attribute__((always_inline)) void
depthwise_float_row (const DepthwiseFloatBlock *k,
                     const BitlensRegion       *region,
                     int                        b,
                     int                        out_y,
                     const int                  tile,
                     const int                  n_vectors,
                     const LaneInputs           lanes)
{
  const BitlensWindow *w = &k->params->window;
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
              depthwise_float_pixels (k, b, out_y, out_x, fy0, fy1, 0, w->filter_w, tile, n_vectors, lanes);
              out_x += tile;
              continue;
            }
        }
      valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                  &first_fx0, &first_fx1);
      depthwise_float_pixels (k, b, out_y, out_x, fy0, fy1, first_fx0, first_fx1, 1, n_vectors, lanes);
      out_x++;
    }
}

static inline __attribute__((always_inline)) void
depthwise_float_rows (const DepthwiseFloatBlock *k,
                      const BitlensRegion       *region,
                      const int                  tile,
                      const int                  n_vectors,
                      const LaneInputs           lanes)
{
  for (int b = 0; b < k->params->window.batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      depthwise_float_row (k, region, b, out_y, tile, n_vectors, lanes);
}

/* How the lanes of the current block read their inputs; fills the channel tables. */
static LaneInputs
block_lane_inputs (DepthwiseFloatBlock *k,
                   int                  n_vectors)
{
  const BitlensWindow *w = &k->params->window;
  int multiplier = k->params->depth_multiplier;
  gboolean uniform = TRUE, two = TRUE;

  for (int v = 0; v < VECTORS_PER_BLOCK; v++)
    {
      for (int j = 0; j < BITLENS_F32X8_LANES; j++)
        {
          int lane = v * BITLENS_F32X8_LANES + j;

          /* Lanes beyond the block's channels read a valid channel; they are not stored. */
          k->gather[v][j] = MIN (k->c0 + MIN (lane, k->n - 1), w->out_c - 1) / multiplier;
        }
      /* Channels grow with the lane. */
      k->first[v] = k->gather[v][0];
      k->second[v] = k->gather[v][BITLENS_F32X8_LANES - 1];
      for (int j = 0; j < BITLENS_F32X8_LANES; j++)
        k->second_lanes[v][j] = k->gather[v][j] == k->second[v] ? -1 : 0;
      if (v < n_vectors)
        {
          uniform = uniform && k->first[v] == k->second[v];
          two = two && k->second[v] - k->first[v] <= 1;
        }
    }

  if (multiplier == 1 && n_vectors * BITLENS_F32X8_LANES <= k->n)
    return LANES_CONTIGUOUS;
  if (uniform)
    return LANES_BROADCAST;
  if (two)
    return LANES_TWO_CHANNELS;
  return LANES_GATHER;
}

static inline __attribute__((always_inline)) void
depthwise_float_region (const BitlensKernelCall *call,
                        const int                tile_2,
                        const int                tile_1)
{
  const BitlensDepthwiseParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  gsize n_taps = (gsize) w->filter_h * w->filter_w;
  DepthwiseFloatBlock k = { .params = params, .input = call->inputs[0], .output = call->outputs[0] };

  for (int block = 0; block < params->packed_float_blocks; block++)
    {
      int n_vectors;
      LaneInputs lanes;

      k.c0 = block * BLOCK;
      k.n = MIN (BLOCK, w->out_c - k.c0);
      k.weights = params->packed_filter_float + (gsize) block * n_taps * BLOCK;
      memset (k.bias, 0, sizeof k.bias);
      if (bias != NULL)
        memcpy (k.bias, bias + k.c0, sizeof (float) * k.n);
      n_vectors = k.n > BITLENS_F32X8_LANES ? 2 : 1;
      lanes = block_lane_inputs (&k, n_vectors);

      /* Two channels need two more registers for the lane masks: smaller tiles. */
      if (n_vectors == 2)
        {
          if (lanes == LANES_CONTIGUOUS)
            depthwise_float_rows (&k, &call->region, tile_2, 2, LANES_CONTIGUOUS);
          else if (lanes == LANES_BROADCAST)
            depthwise_float_rows (&k, &call->region, tile_2, 2, LANES_BROADCAST);
          else if (lanes == LANES_TWO_CHANNELS)
            depthwise_float_rows (&k, &call->region, MAX (tile_2 - 2, 1), 2, LANES_TWO_CHANNELS);
          else
            depthwise_float_rows (&k, &call->region, tile_2, 2, LANES_GATHER);
        }
      else
        {
          if (lanes == LANES_CONTIGUOUS)
            depthwise_float_rows (&k, &call->region, tile_1, 1, LANES_CONTIGUOUS);
          else if (lanes == LANES_BROADCAST)
            depthwise_float_rows (&k, &call->region, tile_1, 1, LANES_BROADCAST);
          else if (lanes == LANES_TWO_CHANNELS)
            depthwise_float_rows (&k, &call->region, MAX (tile_1 - 2, 1), 1, LANES_TWO_CHANNELS);
          else
            depthwise_float_rows (&k, &call->region, tile_1, 1, LANES_GATHER);
        }
    }
}

static void
depthwise_float_region_baseline (const BitlensKernelCall *call)
{
  depthwise_float_region (call, BASELINE_TILE_2, BASELINE_TILE_1);
}

#ifdef BITLENS_FLOAT_SIMD_HAVE_AVX2
/* AVX2 only, not FMA: products and sums stay separately rounded. */
__attribute__((target("avx2")))
static void
depthwise_float_region_avx2 (const BitlensKernelCall *call)
{
  depthwise_float_region (call, AVX2_TILE_2, AVX2_TILE_1);
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
