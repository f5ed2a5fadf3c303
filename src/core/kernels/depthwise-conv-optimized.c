/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "cpu-features.h"
#include "depthwise-conv-private.h"
#include "requantize-row.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BITLENS_DEPTHWISE_HAVE_AVX2 1
#endif

/* Optimized int8 DEPTHWISE_CONV_2D, bit-identical to the reference (depthwise-conv.c).
 *
 * Each output pixel is computed from a list of its taps (input row, filter row): for the
 * interior, where every tap lies inside the input, the list comes from precomputed offsets
 * without bounds checks; at the borders it holds the taps inside the input (the reference
 * skips the others). For each tap, all channels accumulate at once (blocks of 16 and 8
 * channels, AVX2 or loops the compiler vectorizes), then the pixel is requantized as a
 * row. With a depth multiplier M > 1, each tap's input row is first expanded so that
 * output channel oc reads input channel oc / M.
 *
 * The sums are the reference's int32 sums in another order, which wrapping integer
 * addition does not notice; a product w * (x - zp) fits in int16 (|w| <= 128,
 * |x - zp| <= 255). */

#define BLOCK 16
#define HALF_BLOCK 8

/* Scratch layout: int32 acc[out_c]; then tap pointers (2 * Kh*Kw); then, with M > 1,
 * the expanded rows (Kh*Kw * out_c bytes). */
typedef struct
{
  gint32        *acc;
  const gint8  **tap_inputs;
  const gint8  **tap_filters;
  gint8         *expanded;
} DepthwiseScratch;

static gsize
align8 (gsize n)
{
  return (n + 7) & ~(gsize) 7;
}

gsize
bitlens_depthwise_conv_2d_prepare_optimized (BitlensDepthwiseParams *params)
{
  const BitlensWindow *w = &params->window;
  gsize n_taps = (gsize) w->filter_h * w->filter_w;
  gsize bytes;

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

  if (params->type != BITLENS_TYPE_INT8)
    return 0;
  /* The filter tensor exists, so n_taps * out_c fits in memory. */
  bytes = align8 (sizeof (gint32) * (gsize) w->out_c) + 2 * n_taps * sizeof (gpointer);
  if (params->depth_multiplier > 1)
    bytes += n_taps * (gsize) w->out_c;
  return bytes;
}

static DepthwiseScratch
scratch_layout (const BitlensDepthwiseParams *params,
                void                         *scratch)
{
  const BitlensWindow *w = &params->window;
  gsize n_taps = (gsize) w->filter_h * w->filter_w;
  guint8 *bytes = scratch;
  DepthwiseScratch layout;

  layout.acc = (gint32 *) bytes;
  bytes += align8 (sizeof (gint32) * (gsize) w->out_c);
  layout.tap_inputs = (const gint8 **) bytes;
  layout.tap_filters = layout.tap_inputs + n_taps;
  layout.expanded = (gint8 *) (layout.tap_filters + n_taps);
  return layout;
}

/* acc[c] = sum over the taps of filter[t][c] * (input[t][c] + offset), c < n. */
typedef void (*AccumulateFunc) (const gint8 *const *inputs,
                                const gint8 *const *filters,
                                int                 n_taps,
                                int                 n,
                                gint32              offset,
                                gint32             *acc);

static void
accumulate_scalar (const gint8 *const *inputs,
                   const gint8 *const *filters,
                   int                 n_taps,
                   int                 first,
                   int                 n,
                   gint32              offset,
                   gint32             *acc)
{
  for (int c = first; c < n; c++)
    {
      gint32 sum = 0;

      for (int t = 0; t < n_taps; t++)
        sum += (gint32) filters[t][c] * ((gint32) inputs[t][c] + offset);
      acc[c] = sum;
    }
}

/* Portable: fixed-length blocks the compiler vectorizes. */
static void
accumulate_portable (const gint8 *const *inputs,
                     const gint8 *const *filters,
                     int                 n_taps,
                     int                 n,
                     gint32              offset,
                     gint32             *acc)
{
  int c0 = 0;

  for (; c0 + BLOCK <= n; c0 += BLOCK)
    {
      gint32 block[BLOCK] = { 0 };

      for (int t = 0; t < n_taps; t++)
        {
          const gint8 *x = inputs[t] + c0;
          const gint8 *f = filters[t] + c0;

          for (int j = 0; j < BLOCK; j++)
            block[j] += (gint32) f[j] * ((gint32) x[j] + offset);
        }
      memcpy (acc + c0, block, sizeof block);
    }
  accumulate_scalar (inputs, filters, n_taps, c0, n, offset, acc);
}

#ifdef BITLENS_DEPTHWISE_HAVE_AVX2
__attribute__((target("avx2")))
static void
accumulate_avx2 (const gint8 *const *inputs,
                 const gint8 *const *filters,
                 int                 n_taps,
                 int                 n,
                 gint32              offset,
                 gint32             *acc)
{
  __m256i offset16 = _mm256_set1_epi16 ((gint16) offset);
  int c0 = 0;

  for (; c0 + BLOCK <= n; c0 += BLOCK)
    {
      __m256i low = _mm256_setzero_si256 ();
      __m256i high = _mm256_setzero_si256 ();

      for (int t = 0; t < n_taps; t++)
        {
          __m128i x8 = _mm_loadu_si128 ((const __m128i *) (inputs[t] + c0));
          __m128i f8 = _mm_loadu_si128 ((const __m128i *) (filters[t] + c0));
          __m256i x = _mm256_add_epi16 (_mm256_cvtepi8_epi16 (x8), offset16);
          __m256i product = _mm256_mullo_epi16 (x, _mm256_cvtepi8_epi16 (f8));

          low = _mm256_add_epi32 (low, _mm256_cvtepi16_epi32 (_mm256_castsi256_si128 (product)));
          high = _mm256_add_epi32 (high, _mm256_cvtepi16_epi32 (_mm256_extracti128_si256 (product, 1)));
        }
      _mm256_storeu_si256 ((__m256i *) (acc + c0), low);
      _mm256_storeu_si256 ((__m256i *) (acc + c0 + HALF_BLOCK), high);
    }
  for (; c0 + HALF_BLOCK <= n; c0 += HALF_BLOCK)
    {
      __m128i offset8 = _mm_set1_epi16 ((gint16) offset);
      __m256i sum = _mm256_setzero_si256 ();

      for (int t = 0; t < n_taps; t++)
        {
          __m128i x = _mm_add_epi16 (_mm_cvtepi8_epi16 (_mm_loadl_epi64 ((const __m128i *) (inputs[t] + c0))), offset8);
          __m128i f = _mm_cvtepi8_epi16 (_mm_loadl_epi64 ((const __m128i *) (filters[t] + c0)));

          sum = _mm256_add_epi32 (sum, _mm256_cvtepi16_epi32 (_mm_mullo_epi16 (x, f)));
        }
      _mm256_storeu_si256 ((__m256i *) (acc + c0), sum);
    }
  accumulate_scalar (inputs, filters, n_taps, c0, n, offset, acc);
}
#endif

static AccumulateFunc
choose_accumulate (void)
{
#ifdef BITLENS_DEPTHWISE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    return accumulate_avx2;
#endif
  return accumulate_portable;
}

/* The taps of output pixel (b, out_y, out_x) inside the input; returns their count. */
static int
collect_taps (const BitlensDepthwiseParams *params,
              const gint8                  *input,
              const gint8                  *filter,
              int                           b,
              int                           out_y,
              int                           out_x,
              gboolean                      interior,
              const DepthwiseScratch       *scratch)
{
  const BitlensWindow *w = &params->window;
  int in_y_origin = out_y * w->stride_h - w->pad_top;
  int in_x_origin = out_x * w->stride_w - w->pad_left;
  int n = 0;

  if (interior)
    {
      const gint8 *origin = input + (((gsize) b * w->in_h + in_y_origin) * w->in_w + in_x_origin) * w->in_c;
      int n_taps = w->filter_h * w->filter_w;

      for (int t = 0; t < n_taps; t++)
        {
          scratch->tap_inputs[t] = origin + params->tap_offsets[t];
          scratch->tap_filters[t] = filter + (gsize) t * w->out_c;
        }
      return n_taps;
    }

  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    {
      int in_y = in_y_origin + w->dilation_h * filter_y;

      if (in_y < 0 || in_y >= w->in_h)
        continue;
      for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
        {
          int in_x = in_x_origin + w->dilation_w * filter_x;

          if (in_x < 0 || in_x >= w->in_w)
            continue;
          scratch->tap_inputs[n] = input + (((gsize) b * w->in_h + in_y) * w->in_w + in_x) * w->in_c;
          scratch->tap_filters[n] = filter + ((gsize) filter_y * w->filter_w + filter_x) * w->out_c;
          n++;
        }
    }
  return n;
}

/* Depth multiplier M > 1: tap t's input row becomes expanded[t][oc] = x[oc / M]. */
static void
expand_taps (const BitlensDepthwiseParams *params,
             int                           n_taps,
             const DepthwiseScratch       *scratch)
{
  const BitlensWindow *w = &params->window;
  int multiplier = params->depth_multiplier;

  for (int t = 0; t < n_taps; t++)
    {
      gint8 *row = scratch->expanded + (gsize) t * w->out_c;
      const gint8 *x = scratch->tap_inputs[t];

      for (int in_c = 0; in_c < w->in_c; in_c++)
        memset (row + (gsize) in_c * multiplier, x[in_c], multiplier);
      scratch->tap_inputs[t] = row;
    }
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
  DepthwiseScratch scratch;
  AccumulateFunc accumulate;

  if (params->type != BITLENS_TYPE_INT8)
    {
      bitlens_depthwise_conv_2d_eval_reference (call);
      return;
    }
  bitlens_region_assert_inside (region, w->out_h, w->out_w);
  g_assert (call->scratch != NULL);

  scratch = scratch_layout (params, call->scratch);
  accumulate = choose_accumulate ();
  for (int b = 0; b < w->batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      {
        gboolean row_interior = out_y >= params->interior_y0 && out_y < params->interior_y1;

        for (int out_x = region->x0; out_x < region->x1; out_x++)
          {
            gboolean interior = row_interior && out_x >= params->interior_x0 && out_x < params->interior_x1;
            int n_taps = collect_taps (params, input, filter, b, out_y, out_x, interior, &scratch);

            if (params->depth_multiplier > 1)
              expand_taps (params, n_taps, &scratch);
            accumulate (scratch.tap_inputs, scratch.tap_filters, n_taps, w->out_c,
                        params->requantize.input_offset, scratch.acc);
            bitlens_requantize_row (&params->requantize, scratch.acc, bias, w->out_c,
                                    output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->out_c);
          }
      }
}
