/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "conv-private.h"
#include "cpu-features.h"
#include "requantize-row.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BITLENS_CONV_HAVE_AVX2 1
#endif

/* Optimized int8 CONV_2D, bit-identical to the reference (conv.c); float32 goes to
 * conv-float-optimized.c.
 *
 * The convolution runs as a GEMM: for each output pixel the receptive field is gathered
 * into a "patch" of Kh*Kw*I int16 values x - zp_in (0 for taps outside the input, which
 * the reference skips), so that acc[c] = dot(patch, filter row c) + bias[c], exactly the
 * reference's sum in (wrapping) int32 arithmetic. For the 1x1 pointwise convolutions of
 * MobileNets the patch is just the input pixel widened. Products fit in int16 x int16 ->
 * int32 without saturation (|w| <= 128, |x - zp| <= 255), so _mm256_madd_epi16 computes
 * them exactly. Blocks of 2 pixels x 4 output channels share their loads. */

#define DEPTH_BLOCK   16   /* patch and filter rows are padded with zeros to a multiple */
#define CHANNEL_BLOCK 4
#define PIXEL_BLOCK   2

/* The sums of CHANNEL_BLOCK filter rows with each of two patches, into acc0[0..4) and
 * acc1[0..4). */
typedef void (*BlockDotFunc) (const gint16 *patch0,
                              const gint16 *patch1,
                              const gint16 *rows,
                              int           depth,
                              gint32       *acc0,
                              gint32       *acc1);

gsize
bitlens_conv_2d_prepare_optimized (BitlensConvParams   *params,
                                   const BitlensTensor *filter)
{
  const BitlensWindow *w = &params->window;
  gsize depth, packed_depth, rows, n_values, n_bytes, patch_bytes, scratch_bytes;
  const gint8 *values = (const gint8 *) filter->data;

  if (params->type == BITLENS_TYPE_FLOAT32)
    {
      bitlens_conv_2d_prepare_float_optimized (params, filter);
      return 0;
    }
  if (values == NULL || params->filters_per_group != w->out_c)
    return 0;

  /* The filter tensor exists, so these products fit in memory. */
  depth = (gsize) w->filter_h * w->filter_w * params->filter_in_c;
  packed_depth = (depth + DEPTH_BLOCK - 1) / DEPTH_BLOCK * DEPTH_BLOCK;
  rows = ((gsize) w->out_c + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
  if (packed_depth > G_MAXINT ||
      !g_size_checked_mul (&n_values, rows, packed_depth) ||
      !g_size_checked_mul (&n_bytes, n_values, sizeof (gint16)) ||
      !g_size_checked_mul (&patch_bytes, PIXEL_BLOCK * sizeof (gint16), packed_depth) ||
      !g_size_checked_add (&scratch_bytes, patch_bytes, PIXEL_BLOCK * sizeof (gint32) * rows))
    return 0;

  params->packed_filter = g_try_malloc0 (n_bytes);
  if (params->packed_filter == NULL)
    return 0;
  for (gsize row = 0; row < (gsize) w->out_c; row++)
    for (gsize k = 0; k < depth; k++)
      params->packed_filter[row * packed_depth + k] = values[row * depth + k];
  params->packed_depth = (int) packed_depth;
  params->packed_rows = (int) rows;
  return scratch_bytes;
}

/* The patch of output pixel (b, out_y, out_x): Kh*Kw*I values in filter order. */
static void
gather_patch (const BitlensConvParams *params,
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

  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    {
      int in_y = in_y_origin + w->dilation_h * filter_y;
      gboolean row_inside = in_y >= 0 && in_y < w->in_h;

      for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
        {
          int in_x = in_x_origin + w->dilation_w * filter_x;

          if (row_inside && in_x >= 0 && in_x < w->in_w)
            {
              const gint8 *x = input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * in_c;
              for (int c = 0; c < in_c; c++)
                patch[c] = (gint16) (x[c] + offset);
            }
          else
            memset (patch, 0, sizeof (gint16) * in_c);
          patch += in_c;
        }
    }
}

/* Portable path: fixed-length inner loops the compiler vectorizes. */
static inline gint32
dot_int16 (const gint16 *a,
           const gint16 *b,
           int           depth)
{
  gint32 partial[DEPTH_BLOCK] = { 0 };
  gint32 sum = 0;

  for (int k = 0; k < depth; k += DEPTH_BLOCK)
    for (int j = 0; j < DEPTH_BLOCK; j++)
      partial[j] += (gint32) a[k + j] * (gint32) b[k + j];
  for (int j = 0; j < DEPTH_BLOCK; j++)
    sum += partial[j];
  return sum;
}

static void
block_dot_portable (const gint16 *patch0,
                    const gint16 *patch1,
                    const gint16 *rows,
                    int           depth,
                    gint32       *acc0,
                    gint32       *acc1)
{
  for (int c = 0; c < CHANNEL_BLOCK; c++)
    {
      const gint16 *row = rows + (gsize) c * depth;

      acc0[c] = dot_int16 (patch0, row, depth);
      acc1[c] = dot_int16 (patch1, row, depth);
    }
}

#ifdef BITLENS_CONV_HAVE_AVX2
/* The four sums of the eight lanes of a, b, c, d. */
__attribute__((target("avx2")))
static inline __m128i
horizontal_sum4 (__m256i a,
                 __m256i b,
                 __m256i c,
                 __m256i d)
{
  __m256i ab = _mm256_hadd_epi32 (a, b);
  __m256i cd = _mm256_hadd_epi32 (c, d);
  __m256i abcd = _mm256_hadd_epi32 (ab, cd);

  return _mm_add_epi32 (_mm256_castsi256_si128 (abcd), _mm256_extracti128_si256 (abcd, 1));
}

__attribute__((target("avx2")))
static void
block_dot_avx2 (const gint16 *patch0,
                const gint16 *patch1,
                const gint16 *rows,
                int           depth,
                gint32       *acc0,
                gint32       *acc1)
{
  const gint16 *row0 = rows;
  const gint16 *row1 = rows + (gsize) depth;
  const gint16 *row2 = rows + (gsize) 2 * depth;
  const gint16 *row3 = rows + (gsize) 3 * depth;
  __m256i a00 = _mm256_setzero_si256 (), a01 = a00, a02 = a00, a03 = a00;
  __m256i a10 = a00, a11 = a00, a12 = a00, a13 = a00;

  for (int k = 0; k < depth; k += DEPTH_BLOCK)
    {
      __m256i x0 = _mm256_loadu_si256 ((const __m256i *) (patch0 + k));
      __m256i x1 = _mm256_loadu_si256 ((const __m256i *) (patch1 + k));
      __m256i f;

      f = _mm256_loadu_si256 ((const __m256i *) (row0 + k));
      a00 = _mm256_add_epi32 (a00, _mm256_madd_epi16 (x0, f));
      a10 = _mm256_add_epi32 (a10, _mm256_madd_epi16 (x1, f));
      f = _mm256_loadu_si256 ((const __m256i *) (row1 + k));
      a01 = _mm256_add_epi32 (a01, _mm256_madd_epi16 (x0, f));
      a11 = _mm256_add_epi32 (a11, _mm256_madd_epi16 (x1, f));
      f = _mm256_loadu_si256 ((const __m256i *) (row2 + k));
      a02 = _mm256_add_epi32 (a02, _mm256_madd_epi16 (x0, f));
      a12 = _mm256_add_epi32 (a12, _mm256_madd_epi16 (x1, f));
      f = _mm256_loadu_si256 ((const __m256i *) (row3 + k));
      a03 = _mm256_add_epi32 (a03, _mm256_madd_epi16 (x0, f));
      a13 = _mm256_add_epi32 (a13, _mm256_madd_epi16 (x1, f));
    }

  _mm_storeu_si128 ((__m128i *) acc0, horizontal_sum4 (a00, a01, a02, a03));
  _mm_storeu_si128 ((__m128i *) acc1, horizontal_sum4 (a10, a11, a12, a13));
}
#endif

static BlockDotFunc
choose_block_dot (void)
{
#ifdef BITLENS_CONV_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    return block_dot_avx2;
#endif
  return block_dot_portable;
}

void
bitlens_conv_2d_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensConvParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const gint8 *input = call->inputs[0];
  const gint32 *bias = params->has_bias ? call->inputs[2] : NULL;
  gint8 *output = call->outputs[0];
  gint16 *patches[PIXEL_BLOCK];
  gint32 *accs[PIXEL_BLOCK];
  gint8 *outs[PIXEL_BLOCK];
  int depth = params->packed_depth;
  int region_w = region->x1 - region->x0;
  gsize pixels_per_batch, n_pixels;
  BlockDotFunc block_dot;

  if (params->type == BITLENS_TYPE_FLOAT32)
    {
      bitlens_conv_2d_eval_float_optimized (call);
      return;
    }
  if (params->packed_filter == NULL)
    {
      bitlens_conv_2d_eval_reference (call);
      return;
    }
  bitlens_region_assert_inside (region, w->out_h, w->out_w);
  g_assert (call->scratch != NULL);

  block_dot = choose_block_dot ();
  for (int p = 0; p < PIXEL_BLOCK; p++)
    {
      patches[p] = (gint16 *) call->scratch + (gsize) p * depth;
      memset (patches[p], 0, sizeof (gint16) * depth);   /* the padding stays zero */
      accs[p] = (gint32 *) ((gint16 *) call->scratch + (gsize) PIXEL_BLOCK * depth) + (gsize) p * params->packed_rows;
    }

  pixels_per_batch = (gsize) (region->y1 - region->y0) * region_w;
  n_pixels = pixels_per_batch * w->batches;
  for (gsize first = 0; first < n_pixels; first += PIXEL_BLOCK)
    {
      int count = (int) MIN ((gsize) PIXEL_BLOCK, n_pixels - first);

      /* With one pixel left, the second patch keeps stale values; its sums are unused. */
      for (int p = 0; p < count; p++)
        {
          gsize index = first + p;
          int b = (int) (index / pixels_per_batch);
          int out_y = region->y0 + (int) (index % pixels_per_batch / region_w);
          int out_x = region->x0 + (int) (index % pixels_per_batch % region_w);

          gather_patch (params, input, b, out_y, out_x, patches[p]);
          outs[p] = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;
        }

      for (int c0 = 0; c0 < w->out_c; c0 += CHANNEL_BLOCK)
        block_dot (patches[0], patches[1], params->packed_filter + (gsize) c0 * depth, depth,
                   accs[0] + c0, accs[1] + c0);
      for (int p = 0; p < count; p++)
        bitlens_requantize_row (&params->requantize, accs[p], bias, w->out_c, outs[p]);
    }
}
