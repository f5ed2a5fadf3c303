/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "conv-private.h"
#include "cpu-features.h"
#include "requantize-row.h"

/* Optimized int8 CONV_2D, bit-identical to the reference (conv.c); float32 goes to
 * conv-float-optimized.c.
 *
 * The convolution runs as a GEMM. For each output pixel the receptive field becomes a
 * "patch" of K = Kh*Kw*I int16 values x - zp_in (0 for taps outside the input, which the
 * reference skips); for 1x1 filters (never padded) the patch is just the input pixel
 * widened. The filter is packed at prepare in blocks of 16 output channels (8 for the
 * last block when out_c mod 16 is 1..8), each block as [K/2 pairs][channels][2] of int8
 * (half the bytes to keep in the caches that int16 would take): one 32-bit broadcast of
 * a patch pair (x_k, x_k+1) times one vector of a block's pairs (w_c,k, w_c,k+1), widened
 * to int16, gives with _mm256_madd_epi16 8 channels' two-term sums in channel order. A
 * tile of up to 6 pixels x 16 channels keeps its 12 accumulators in registers
 * over the whole depth, starting from the bias, and is requantized in registers (the
 * same MBQM per output as the reference) and stored as int8.
 *
 * Exactness: |x - zp_in| <= 255 and |w| <= 128 fit int16, and a pair of products sums to
 * at most 2 * 32640 in magnitude, exact in madd's int32 lanes. The accumulation is the
 * reference's sum of int32 terms in another order; int32 addition wraps modulo 2^32 in
 * both (the reference's sum is well defined only without overflow, and then so is any
 * reordering: the result modulo 2^32 does not depend on the order), so every
 * accumulator equals the reference's, and so does the requantized output.
 *
 * Pixels of the region are processed in chunks whose patches (about CHUNK_BYTES) stay
 * in L1 while each 16-channel block of the filter is applied to all of them. */

#define CHANNEL_BLOCK 16
#define PIXEL_BLOCK   6
#define CHUNK_BYTES   16384
#define CHUNK_PIXELS_MAX 64

static gsize
round_up (gsize n,
          gsize multiple)
{
  return (n + multiple - 1) / multiple * multiple;
}

/* Patches start on whole 32-byte lines (packed_depth rounded up to 16 values). */
static gsize
patch_stride (const BitlensConvParams *params)
{
  return round_up ((gsize) params->packed_depth, 16);
}

static int
chunk_pixels (const BitlensConvParams *params)
{
  gsize per_pixel = patch_stride (params) * sizeof (gint16);
  gsize n = CHUNK_BYTES / per_pixel;

  n = CLAMP (n, PIXEL_BLOCK, CHUNK_PIXELS_MAX);
  return (int) (n / PIXEL_BLOCK * PIXEL_BLOCK);
}

/* Channels of the block starting at c0: 16, or 8 for a last block of at most 8. */
static int
block_width (const BitlensConvParams *params,
             int                      c0)
{
  return params->packed_rows - c0 >= CHANNEL_BLOCK ? CHANNEL_BLOCK : 8;
}

/* Where the block of channels from c0 (a multiple of 16) starts in the packed filter.
 * Blocks are 16 * packed_depth bytes apart, plus 64 bytes of skew each: otherwise, with
 * depths like 256, the blocks would lie a multiple of 4096 bytes apart, in the same
 * sets of the L1 cache. */
static gsize
block_offset (const BitlensConvParams *params,
              int                      c0)
{
  return (gsize) c0 * params->packed_depth + (gsize) (c0 / CHANNEL_BLOCK) * 64;
}

gsize
bitlens_conv_2d_prepare_optimized (BitlensConvParams   *params,
                                   const BitlensTensor *filter,
                                   const BitlensTensor *bias)
{
  const BitlensWindow *w = &params->window;
  gsize depth, pairs, rows, n_values, patch_bytes, scratch_bytes;
  const gint8 *values = (const gint8 *) filter->data;

  if (params->type == BITLENS_TYPE_FLOAT32)
    {
      bitlens_conv_2d_prepare_float_optimized (params, filter);
      return 0;
    }
  /* Grouped convolutions, and filters or biases computed at run time, go to the
   * reference. */
  if (values == NULL || params->filters_per_group != w->out_c || (bias != NULL && bias->data == NULL))
    return 0;

  /* The filter tensor exists, so these products fit in memory. */
  depth = (gsize) w->filter_h * w->filter_w * params->filter_in_c;
  pairs = (depth + 1) / 2;
  rows = round_up ((gsize) w->out_c, 8);
  if (depth > G_MAXINT / 2 - 16 || rows > G_MAXINT / 2 ||
      !g_size_checked_mul (&n_values, rows, 2 * pairs) ||
      !g_size_checked_add (&n_values, n_values, rows / CHANNEL_BLOCK * 64 + 64))
    return 0;
  params->packed_depth = (int) (2 * pairs);
  params->packed_rows = (int) rows;
  if (!g_size_checked_mul (&patch_bytes, patch_stride (params) * sizeof (gint16), (gsize) chunk_pixels (params)) ||
      !g_size_checked_add (&scratch_bytes, patch_bytes, sizeof (gint8 *) * (gsize) chunk_pixels (params)))
    return 0;

  params->packed_filter = g_try_new0 (gint8, n_values);
  if (params->packed_filter == NULL)
    return 0;
  for (gsize c0 = 0; c0 < rows; c0 += CHANNEL_BLOCK)
    {
      gsize width = (gsize) block_width (params, (int) c0);
      gint8 *block = params->packed_filter + block_offset (params, (int) c0);

      for (gsize j = 0; j < width && c0 + j < (gsize) w->out_c; j++)
        for (gsize k = 0; k < depth; k++)
          block[(k / 2 * width + j) * 2 + k % 2] = values[(c0 + j) * depth + k];
    }
  bitlens_requantize_lanes_init (&params->requantize_lanes, &params->requantize,
                                 bias != NULL ? (const gint32 *) bias->data : NULL, w->out_c);
  return scratch_bytes;
}

/* The patch of output pixel (b, out_y, out_x): Kh*Kw*I values in filter order, then
 * zeros up to packed_depth. */
static void
fill_patch (const BitlensConvParams *params,
            BitlensWidenFunc         widen,
            const gint8             *input,
            int                      b,
            int                      out_y,
            int                      out_x,
            gint16                  *patch)
{
  const BitlensWindow *w = &params->window;
  gint16 offset = (gint16) params->requantize.input_offset;
  int in_y_origin = out_y * w->stride_h - w->pad_top;
  int in_x_origin = out_x * w->stride_w - w->pad_left;
  int in_c = w->in_c;
  int depth = w->filter_h * w->filter_w * in_c;
  /* Without horizontal dilation, a filter row inside the input is one run of bytes. */
  gboolean rows_contiguous = w->dilation_w == 1 && in_x_origin >= 0 && in_x_origin + w->filter_w <= w->in_w;

  if (params->packed_depth > depth)
    patch[depth] = 0;
  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    {
      int in_y = in_y_origin + w->dilation_h * filter_y;
      gboolean row_inside = in_y >= 0 && in_y < w->in_h;

      if (row_inside && rows_contiguous)
        {
          widen (input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x_origin) * in_c, offset,
                 w->filter_w * in_c, patch);
          patch += w->filter_w * in_c;
          continue;
        }
      for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
        {
          int in_x = in_x_origin + w->dilation_w * filter_x;

          if (row_inside && in_x >= 0 && in_x < w->in_w)
            widen (input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * in_c, offset, in_c, patch);
          else
            memset (patch, 0, sizeof (gint16) * in_c);
          patch += in_c;
        }
    }
}

/* One tile: @mr pixels x one channel block (@width 8 or 16) starting at c0, stored for
 * channels [c0, c0 + n_store). */
typedef void (*TileFunc) (const BitlensConvParams *params,
                          const gint16 *const     *patches,
                          gint8 *const            *outs,
                          int                      mr,
                          int                      c0,
                          int                      width,
                          int                      n_store);

/* @width (8 or 16) is a constant after inlining: fixed-length inner loops, which the
 * compiler vectorizes for the baseline instruction set. */
static inline __attribute__((always_inline)) void
tile_portable_fixed (const BitlensConvParams *params,
                     const gint16 *const     *patches,
                     gint8 *const            *outs,
                     int                      mr,
                     int                      c0,
                     int                      n_store,
                     const int                width)
{
  const gint32 *start = params->requantize_lanes.start + c0;
  const gint8 *block = params->packed_filter + block_offset (params, c0);
  int pairs = params->packed_depth / 2;
  gint32 acc[PIXEL_BLOCK][CHANNEL_BLOCK];

  for (int i = 0; i < mr; i++)
    for (int j = 0; j < width; j++)
      acc[i][j] = start[j];
  for (int p = 0; p < pairs; p++)
    {
      const gint8 *row = block + (gsize) p * width * 2;
      gint32 even[CHANNEL_BLOCK], odd[CHANNEL_BLOCK];

      for (int j = 0; j < width; j++)
        {
          even[j] = row[2 * j];
          odd[j] = row[2 * j + 1];
        }
      for (int i = 0; i < mr; i++)
        {
          gint32 x0 = patches[i][2 * p], x1 = patches[i][2 * p + 1];

          /* Unsigned arithmetic: the int32 sums wrap exactly as the reference's. */
          for (int j = 0; j < width; j++)
            acc[i][j] = (gint32) ((guint32) acc[i][j] + (guint32) (even[j] * x0 + odd[j] * x1));
        }
    }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < n_store; j++)
      outs[i][c0 + j] = bitlens_requantize_apply (&params->requantize, acc[i][j], c0 + j);
}

static void
tile_portable (const BitlensConvParams *params,
               const gint16 *const     *patches,
               gint8 *const            *outs,
               int                      mr,
               int                      c0,
               int                      width,
               int                      n_store)
{
  if (width == CHANNEL_BLOCK)
    tile_portable_fixed (params, patches, outs, mr, c0, n_store, CHANNEL_BLOCK);
  else
    tile_portable_fixed (params, patches, outs, mr, c0, n_store, 8);
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* 16 filter values (8 channels' pairs) widened to int16. */
__attribute__((target("avx2")))
static inline __m256i
widen_filter_avx2 (const gint8 *values)
{
  return _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) values));
}

__attribute__((target("avx2")))
static inline __m256i
broadcast_pair (const gint16 *patch)
{
  gint32 pair;

  memcpy (&pair, patch, sizeof pair);
  return _mm256_set1_epi32 (pair);
}

/* Requantizes and stores a pixel's accumulators @low and @high (@nv of them). */
__attribute__((target("avx2"), always_inline))
static inline void
tile_store_avx2 (const BitlensRequantizeLanes *lanes,
                 const BitlensRequantize      *requantize,
                 gint8                        *out,
                 int                           c0,
                 int                           n_store,
                 __m256i                       low,
                 __m256i                       high,
                 const int                     nv)
{
  low = bitlens_requantize_lanes_avx2 (lanes, requantize, c0, low);
  if (nv == 2)
    {
      __m128i bytes;

      high = bitlens_requantize_lanes_avx2 (lanes, requantize, c0 + 8, high);
      bytes = bitlens_pack16_int8_avx2 (low, high);
      if (n_store == 16)
        _mm_storeu_si128 ((__m128i *) (out + c0), bytes);
      else
        {
          gint8 tmp[16];
          _mm_storeu_si128 ((__m128i *) tmp, bytes);
          memcpy (out + c0, tmp, n_store);
        }
    }
  else if (n_store == 8)
    _mm_storel_epi64 ((__m128i *) (out + c0), bitlens_pack8_int8_avx2 (low));
  else
    bitlens_store_partial_int8 (out + c0, bitlens_pack8_int8_avx2 (low), n_store);
}

/* @mr (1..6) and @nv (1 or 2 vectors of 8 channels) are constants after inlining. The
 * accumulators are named variables: GCC keeps those in registers across the loop, where
 * an array of them got copies and spills. The requantization parameters are local
 * copies, which the int8 stores cannot alias (they would make GCC reload every
 * pointer). */
__attribute__((target("avx2"), always_inline))
static inline void
tile_avx2_fixed (const BitlensConvParams *params,
                 const gint16 *const     *patches,
                 gint8 *const            *outs,
                 int                      c0,
                 int                      n_store,
                 const int                mr,
                 const int                nv)
{
  BitlensRequantizeLanes lanes = params->requantize_lanes;
  BitlensRequantize requantize = params->requantize;
  const gint8 *row = params->packed_filter + block_offset (params, c0);
  const gint16 *x0 = patches[0];
  const gint16 *x1 = mr > 1 ? patches[1] : x0;
  const gint16 *x2 = mr > 2 ? patches[2] : x0;
  const gint16 *x3 = mr > 3 ? patches[3] : x0;
  const gint16 *x4 = mr > 4 ? patches[4] : x0;
  const gint16 *x5 = mr > 5 ? patches[5] : x0;
  int pairs = params->packed_depth / 2;
  __m256i start0 = _mm256_loadu_si256 ((const __m256i *) (lanes.start + c0));
  __m256i start1 = nv == 2 ? _mm256_loadu_si256 ((const __m256i *) (lanes.start + c0 + 8)) : start0;
  __m256i a00 = start0, a01 = start1, a10 = start0, a11 = start1;
  __m256i a20 = start0, a21 = start1, a30 = start0, a31 = start1;
  __m256i a40 = start0, a41 = start1, a50 = start0, a51 = start1;

  for (int p = 0; p < pairs; p++, row += nv * 16)
    {
      __m256i f0 = widen_filter_avx2 (row);
      __m256i f1 = nv == 2 ? widen_filter_avx2 (row + 16) : f0;
      __m256i x;

#define BITLENS_TILE_PIXEL(i)                                                   \
      if (mr > i)                                                               \
        {                                                                       \
          x = broadcast_pair (x##i + 2 * p);                                    \
          a##i##0 = _mm256_add_epi32 (a##i##0, _mm256_madd_epi16 (x, f0));      \
          if (nv == 2)                                                          \
            a##i##1 = _mm256_add_epi32 (a##i##1, _mm256_madd_epi16 (x, f1));    \
        }
      BITLENS_TILE_PIXEL (0)
      BITLENS_TILE_PIXEL (1)
      BITLENS_TILE_PIXEL (2)
      BITLENS_TILE_PIXEL (3)
      BITLENS_TILE_PIXEL (4)
      BITLENS_TILE_PIXEL (5)
#undef BITLENS_TILE_PIXEL
    }

  tile_store_avx2 (&lanes, &requantize, outs[0], c0, n_store, a00, a01, nv);
  if (mr > 1)
    tile_store_avx2 (&lanes, &requantize, outs[1], c0, n_store, a10, a11, nv);
  if (mr > 2)
    tile_store_avx2 (&lanes, &requantize, outs[2], c0, n_store, a20, a21, nv);
  if (mr > 3)
    tile_store_avx2 (&lanes, &requantize, outs[3], c0, n_store, a30, a31, nv);
  if (mr > 4)
    tile_store_avx2 (&lanes, &requantize, outs[4], c0, n_store, a40, a41, nv);
  if (mr > 5)
    tile_store_avx2 (&lanes, &requantize, outs[5], c0, n_store, a50, a51, nv);
}

__attribute__((target("avx2")))
static void
tile_avx2 (const BitlensConvParams *params,
           const gint16 *const     *patches,
           gint8 *const            *outs,
           int                      mr,
           int                      c0,
           int                      width,
           int                      n_store)
{
  switch (mr * 2 + (width == CHANNEL_BLOCK))
    {
    case 12 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 6, 2); break;
    case 12 + 0: tile_avx2_fixed (params, patches, outs, c0, n_store, 6, 1); break;
    case 10 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 5, 2); break;
    case 10 + 0: tile_avx2_fixed (params, patches, outs, c0, n_store, 5, 1); break;
    case 8 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 4, 2); break;
    case 8 + 0: tile_avx2_fixed (params, patches, outs, c0, n_store, 4, 1); break;
    case 6 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 3, 2); break;
    case 6 + 0: tile_avx2_fixed (params, patches, outs, c0, n_store, 3, 1); break;
    case 4 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 2, 2); break;
    case 4 + 0: tile_avx2_fixed (params, patches, outs, c0, n_store, 2, 1); break;
    case 2 + 1: tile_avx2_fixed (params, patches, outs, c0, n_store, 1, 2); break;
    default:    tile_avx2_fixed (params, patches, outs, c0, n_store, 1, 1); break;
    }
}
#endif

static gboolean
is_pointwise (const BitlensConvParams *params)
{
  const BitlensWindow *w = &params->window;

  return w->filter_h == 1 && w->filter_w == 1 && w->pad_top == 0 && w->pad_left == 0;
}

/* The GEMM over call->region. */
static void
run_gemm (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];
  gboolean pointwise = is_pointwise (params);
  int region_w = region->x1 - region->x0;
  int chunk = chunk_pixels (params);
  int b, out_y, out_x;
  gsize stride, n_pixels;
  gint16 *patches;
  gint8 **outs;
  BitlensWidenFunc widen = bitlens_widen_int8_func ();
  TileFunc tile = tile_portable;

  bitlens_region_assert_inside (region, w->out_h, w->out_w);
  g_assert (call->scratch != NULL);

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    tile = tile_avx2;
#endif

  stride = patch_stride (params);
  patches = call->scratch;
  outs = (gint8 **) (patches + stride * chunk);
  n_pixels = (gsize) (region->y1 - region->y0) * region_w * w->batches;
  /* The region's pixels in (batch, row, column) order, counted along. */
  b = 0;
  out_y = region->y0;
  out_x = region->x0;
  for (gsize first = 0; first < n_pixels; first += chunk)
    {
      int count = (int) MIN ((gsize) chunk, n_pixels - first);

      for (int p = 0; p < count; p++)
        {
          gint16 *patch = patches + stride * p;

          if (pointwise)
            {
              const gint8 *x = input + (((gsize) b * w->in_h + out_y * w->stride_h) * w->in_w
                                        + (gsize) out_x * w->stride_w) * w->in_c;

              widen (x, (gint16) params->requantize.input_offset, w->in_c, patch);
              if (params->packed_depth > w->in_c)
                patch[w->in_c] = 0;
            }
          else
            fill_patch (params, widen, input, b, out_y, out_x, patch);
          outs[p] = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;
          if (++out_x == region->x1)
            {
              out_x = region->x0;
              if (++out_y == region->y1)
                {
                  out_y = region->y0;
                  b++;
                }
            }
        }

      for (int c0 = 0; c0 < w->out_c; c0 += CHANNEL_BLOCK)
        {
          int width = block_width (params, c0);
          int n_store = MIN (width, w->out_c - c0);

          for (int p = 0; p < count; p += PIXEL_BLOCK)
            {
              const gint16 *tile_patches[PIXEL_BLOCK];
              int mr = MIN (PIXEL_BLOCK, count - p);

              for (int i = 0; i < mr; i++)
                tile_patches[i] = patches + stride * (p + i);
              tile (params, tile_patches, outs + p, mr, c0, width, n_store);
            }
        }
    }
}

void
bitlens_conv_2d_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;

  if (params->type == BITLENS_TYPE_FLOAT32)
    bitlens_conv_2d_eval_float_optimized (call);
  else if (params->packed_filter == NULL)
    bitlens_conv_2d_eval_reference (call);
  else
    run_gemm (call);
}
