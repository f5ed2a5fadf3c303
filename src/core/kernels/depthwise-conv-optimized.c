/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "cpu-features.h"
#include "depthwise-conv-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BITLENS_DEPTHWISE_HAVE_AVX2 1
#endif

/* Optimized int8 DEPTHWISE_CONV_2D, bit-identical to the reference (depthwise-conv.c).
 *
 * Output pixels whose taps all lie inside the input (the interior) skip the bounds checks:
 * the taps are visited at precomputed offsets and, for each tap, all channels are
 * accumulated at once (vectors of channels). The border pixels go through the reference
 * arithmetic (bitlens_depthwise_conv_2d_int8_pixel). The sums are the reference's sums in
 * int32 in another order, which wrapping integer addition does not notice; a product
 * w * (x - zp) fits in int16 (|w| <= 128, |x - zp| <= 255). */

#define CHANNEL_BLOCK 16

gsize
bitlens_depthwise_conv_2d_prepare_optimized (BitlensDepthwiseParams *params)
{
  const BitlensWindow *w = &params->window;
  int n_taps = w->filter_h * w->filter_w;

  params->interior_y0 = params->interior_y1 = 0;
  params->interior_x0 = params->interior_x1 = 0;
  for (int out_y = 0; out_y < w->out_h; out_y++)
    {
      int first = out_y * w->stride_h - w->pad_top;
      int last = first + (w->filter_h - 1) * w->dilation_h;

      if (first >= 0 && last < w->in_h)
        {
          if (params->interior_y1 == 0)
            params->interior_y0 = out_y;
          params->interior_y1 = out_y + 1;
        }
    }
  for (int out_x = 0; out_x < w->out_w; out_x++)
    {
      int first = out_x * w->stride_w - w->pad_left;
      int last = first + (w->filter_w - 1) * w->dilation_w;

      if (first >= 0 && last < w->in_w)
        {
          if (params->interior_x1 == 0)
            params->interior_x0 = out_x;
          params->interior_x1 = out_x + 1;
        }
    }

  params->tap_offsets = g_new (gsize, n_taps);
  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
      params->tap_offsets[filter_y * w->filter_w + filter_x] =
        ((gsize) filter_y * w->dilation_h * w->in_w + (gsize) filter_x * w->dilation_w) * w->in_c;

  return params->type == BITLENS_TYPE_INT8 ? sizeof (gint32) * (gsize) w->out_c : 0;
}

/* Depth multiplier 1: acc[c] = sum over taps of filter[tap][c] * (x[tap][c] - zp_in),
 * with origin the input pixel of the first tap. */

/* Channels [first, out_c), one at a time. */
static void
accumulate_channel_tail (const BitlensDepthwiseParams *params,
                         const gint8                  *origin,
                         const gint8                  *filter,
                         gint32                       *acc,
                         int                           first)
{
  int n_taps = params->window.filter_h * params->window.filter_w;
  int n_channels = params->window.out_c;
  gint32 offset = params->requantize.input_offset;

  for (int c = first; c < n_channels; c++)
    {
      gint32 sum = 0;

      for (int t = 0; t < n_taps; t++)
        sum += (gint32) filter[(gsize) t * n_channels + c] * ((gint32) origin[params->tap_offsets[t] + c] + offset);
      acc[c] = sum;
    }
}

/* Blocks of channels in fixed-length loops the compiler vectorizes. */
static void
accumulate_channels_portable (const BitlensDepthwiseParams *params,
                              const gint8                  *origin,
                              const gint8                  *filter,
                              gint32                       *acc)
{
  int n_taps = params->window.filter_h * params->window.filter_w;
  int n_channels = params->window.out_c;
  int n_blocks_end = n_channels / CHANNEL_BLOCK * CHANNEL_BLOCK;
  gint32 offset = params->requantize.input_offset;

  for (int c0 = 0; c0 < n_blocks_end; c0 += CHANNEL_BLOCK)
    {
      gint32 block[CHANNEL_BLOCK] = { 0 };

      for (int t = 0; t < n_taps; t++)
        {
          const gint8 *x = origin + params->tap_offsets[t] + c0;
          const gint8 *f = filter + (gsize) t * n_channels + c0;

          for (int j = 0; j < CHANNEL_BLOCK; j++)
            block[j] += (gint32) f[j] * ((gint32) x[j] + offset);
        }
      memcpy (acc + c0, block, sizeof block);
    }
  accumulate_channel_tail (params, origin, filter, acc, n_blocks_end);
}

#ifdef BITLENS_DEPTHWISE_HAVE_AVX2
__attribute__((target("avx2")))
static void
accumulate_channels_avx2 (const BitlensDepthwiseParams *params,
                          const gint8                  *origin,
                          const gint8                  *filter,
                          gint32                       *acc)
{
  int n_taps = params->window.filter_h * params->window.filter_w;
  int n_channels = params->window.out_c;
  int n_blocks_end = n_channels / CHANNEL_BLOCK * CHANNEL_BLOCK;
  __m256i offset = _mm256_set1_epi16 ((gint16) params->requantize.input_offset);

  for (int c0 = 0; c0 < n_blocks_end; c0 += CHANNEL_BLOCK)
    {
      __m256i low = _mm256_setzero_si256 ();
      __m256i high = _mm256_setzero_si256 ();

      for (int t = 0; t < n_taps; t++)
        {
          __m128i x8 = _mm_loadu_si128 ((const __m128i *) (origin + params->tap_offsets[t] + c0));
          __m128i f8 = _mm_loadu_si128 ((const __m128i *) (filter + (gsize) t * n_channels + c0));
          __m256i x = _mm256_add_epi16 (_mm256_cvtepi8_epi16 (x8), offset);
          __m256i product = _mm256_mullo_epi16 (x, _mm256_cvtepi8_epi16 (f8));

          low = _mm256_add_epi32 (low, _mm256_cvtepi16_epi32 (_mm256_castsi256_si128 (product)));
          high = _mm256_add_epi32 (high, _mm256_cvtepi16_epi32 (_mm256_extracti128_si256 (product, 1)));
        }
      _mm256_storeu_si256 ((__m256i *) (acc + c0), low);
      _mm256_storeu_si256 ((__m256i *) (acc + c0 + 8), high);
    }
  accumulate_channel_tail (params, origin, filter, acc, n_blocks_end);
}
#endif

/* Depth multiplier > 1: output channel ic * M + m reads input channel ic. */
static void
accumulate_multiplied (const BitlensDepthwiseParams *params,
                       const gint8                  *origin,
                       const gint8                  *filter,
                       gint32                       *acc)
{
  const BitlensWindow *w = &params->window;
  int n_taps = w->filter_h * w->filter_w;
  int multiplier = params->depth_multiplier;
  gint32 offset = params->requantize.input_offset;

  memset (acc, 0, sizeof (gint32) * w->out_c);
  for (int t = 0; t < n_taps; t++)
    {
      const gint8 *x = origin + params->tap_offsets[t];
      const gint8 *f = filter + (gsize) t * w->out_c;

      for (int in_c = 0; in_c < w->in_c; in_c++)
        {
          gint32 value = (gint32) x[in_c] + offset;
          gint32 *a = acc + (gsize) in_c * multiplier;
          const gint8 *fc = f + (gsize) in_c * multiplier;

          for (int m = 0; m < multiplier; m++)
            a[m] += (gint32) fc[m] * value;
        }
    }
}

typedef void (*AccumulateFunc) (const BitlensDepthwiseParams *params,
                                const gint8                  *origin,
                                const gint8                  *filter,
                                gint32                       *acc);

static AccumulateFunc
choose_accumulate (const BitlensDepthwiseParams *params)
{
  if (params->depth_multiplier != 1)
    return accumulate_multiplied;
#ifdef BITLENS_DEPTHWISE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    return accumulate_channels_avx2;
#endif
  return accumulate_channels_portable;
}

void
bitlens_depthwise_conv_2d_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensDepthwiseParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const gint8 *input = call->inputs[0];
  const gint8 *filter = call->inputs[1];
  const gint32 *bias = params->has_bias ? call->inputs[2] : NULL;
  gint8 *output = call->outputs[0];
  gint32 *acc = call->scratch;
  AccumulateFunc accumulate;

  if (params->type != BITLENS_TYPE_INT8)
    {
      bitlens_depthwise_conv_2d_eval_reference (call);
      return;
    }
  bitlens_region_assert_inside (region, w->out_h, w->out_w);
  g_assert (acc != NULL);

  accumulate = choose_accumulate (params);
  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      {
        gboolean row_interior = out_y >= params->interior_y0 && out_y < params->interior_y1;

        for (int out_x = region->x0; out_x < region->x1; out_x++)
          {
            const gint8 *origin;
            gint8 *out;

            if (!row_interior || out_x < params->interior_x0 || out_x >= params->interior_x1)
              {
                bitlens_depthwise_conv_2d_int8_pixel (params, input, filter, bias, output, b, out_y, out_x);
                continue;
              }

            origin = input + (((gsize) b * w->in_h + (out_y * w->stride_h - w->pad_top)) * w->in_w
                              + (out_x * w->stride_w - w->pad_left)) * w->in_c;
            out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c;
            accumulate (params, origin, filter, acc);
            for (int c = 0; c < w->out_c; c++)
              {
                gint32 sum = acc[c];

                if (bias != NULL)
                  sum += bias[c];
                out[c] = bitlens_requantize_apply (&params->requantize, sum, c);
              }
          }
      }
}
