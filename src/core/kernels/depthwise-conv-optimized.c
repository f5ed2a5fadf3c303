/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "cpu-features.h"
#include "depthwise-conv-private.h"
#include "requantize-row.h"

/* Optimized int8 DEPTHWISE_CONV_2D, bit-identical to the reference (depthwise-conv.c).
 * Two paths, chosen at prepare (a filter or bias computed at run time goes to the
 * reference):
 *
 * Tap pairs (any input depth): the input rows a band of output rows reads are copied
 * with borders of the input zero point, so that a tap outside the input has x - zp_in = 0
 * like the tap the reference skips, and every output pixel reads its Kh*Kw taps at fixed
 * offsets. With a depth multiplier M > 1 the copy is expanded so that output channel oc
 * reads input channel oc / M. Two taps' channels are interleaved byte by byte and
 * widened, so that one _mm256_madd_epi16 against the filter packed as pairs
 * (w_t,c, w_t+1,c) adds both taps of 8 channels. The inputs enter as x, not x - zp_in: each accumulator starts from
 * bias[c] + (-zp_in) * sum over the taps of w_t,c, which makes the same sum.
 *
 * One input channel (the first layer of a MobileNet on a gray image: M channels from
 * one): the region's input is widened once per call to an int16 image of x - zp_in with
 * zero borders, so that two horizontally adjacent taps are one 32-bit broadcast; a
 * vector holds 8 of the M output channels.
 *
 * Exactness: |w| <= 128 and |x| <= 128 (pairs path) or |x - zp_in| <= 255 (one channel)
 * fit int16, and madd's pair sums (at most 2 * 32640 in magnitude) fit its int32 lanes.
 * The accumulators are the reference's int32 sums in another order, and the folded
 * offset is the same sum regrouped (w * (x - zp) = w * x + w * (-zp)); int32 addition
 * wraps modulo 2^32 in both, where any order gives the same result. The requantization is
 * the same MBQM per output (requantize-row.h). */

enum
{
  PATH_REFERENCE = 0,
  PATH_TAP_PAIRS,
  PATH_ONE_CHANNEL,
};

#define BLOCK 16
#define ONE_CHANNEL_FIXED_GROUPS 6
#define BAND_BYTES 65536

static gsize
round_up (gsize n,
          gsize multiple)
{
  return (n + multiple - 1) / multiple * multiple;
}

static int
n_taps (const BitlensWindow *w)
{
  return w->filter_h * w->filter_w;
}

/* One channel: the groups of taps that share a broadcast (two horizontally adjacent taps
 * when there is no horizontal dilation, else one). */
static int
taps_per_group (const BitlensWindow *w)
{
  return w->dilation_w == 1 ? 2 : 1;
}

static int
groups_per_row (const BitlensWindow *w)
{
  return (w->filter_w + taps_per_group (w) - 1) / taps_per_group (w);
}

/* How many input rows (or columns) output rows [first_out, end_out) read, from the first
 * tap of the first to the last tap of the last. */
static gsize
input_extent (int first_out,
            int end_out,
            int stride,
            int filter,
            int dilation)
{
  return (gsize) (end_out - 1 - first_out) * stride + (gsize) (filter - 1) * dilation + 1;
}

/* Tap pairs: scratch for the offsets of Kh*Kw + 1 taps. */
static gsize
pairs_offsets_bytes (const BitlensWindow *w)
{
  return round_up ((gsize) (n_taps (w) + 1) * sizeof (gsize), 32);
}

/* Tap pairs: the output rows of one band, whose input rows (copied with zero-point
 * borders, C = out_c bytes per pixel) take about BAND_BYTES; at least one row. */
static int
band_rows (const BitlensWindow *w)
{
  gsize columns = input_extent (0, w->out_w, w->stride_w, w->filter_w, w->dilation_w);
  gsize row_bytes = columns * w->out_c;
  gsize window_rows = (gsize) (w->filter_h - 1) * w->dilation_h + 1;
  gsize rows = BAND_BYTES / MAX (row_bytes, 1);

  if (rows <= window_rows)
    return 1;
  return (int) MIN ((rows - window_rows) / w->stride_h + 1, (gsize) w->out_h);
}

/* Filter [Kh*Kw][C] as blocks of 16 channels [pairs][16][2] of int16 (zero beyond C and
 * for the missing second tap of an odd count). */
static gint16 *
pack_tap_pairs (const BitlensWindow *w,
                const gint8         *filter,
                int                  n_pairs)
{
  int channels = w->out_c;
  gsize padded = round_up ((gsize) channels, BLOCK);
  gint16 *packed = g_try_new0 (gint16, padded * 2 * n_pairs);

  if (packed == NULL)
    return NULL;
  for (int t = 0; t < n_taps (w); t++)
    for (int c = 0; c < channels; c++)
      {
        gint16 *block = packed + (gsize) (c / BLOCK * BLOCK) * 2 * n_pairs;
        block[((gsize) (t / 2) * BLOCK + c % BLOCK) * 2 + t % 2] = filter[(gsize) t * channels + c];
      }
  return packed;
}

/* One channel: filter [Kh][Kw][M] as vectors of 8 channels [groups][8][2] (zero beyond M
 * and for the missing second tap of a group). */
static gint16 *
pack_one_channel (const BitlensWindow *w,
                  const gint8         *filter,
                  int                  n_groups)
{
  int channels = w->out_c;
  gsize padded = round_up ((gsize) channels, 8);
  int per_group = taps_per_group (w);
  gint16 *packed = g_try_new0 (gint16, padded * 2 * n_groups);

  if (packed == NULL)
    return NULL;
  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
      for (int c = 0; c < channels; c++)
        {
          int group = filter_y * groups_per_row (w) + filter_x / per_group;
          gint16 *vector = packed + (gsize) (c / 8 * 8) * 2 * n_groups;
          vector[((gsize) group * 8 + c % 8) * 2 + filter_x % per_group] =
            filter[((gsize) filter_y * w->filter_w + filter_x) * channels + c];
        }
  return packed;
}

gsize
bitlens_depthwise_conv_2d_prepare_optimized (BitlensDepthwiseParams *params,
                                             const BitlensTensor    *filter,
                                             const BitlensTensor    *bias)
{
  const BitlensWindow *w = &params->window;
  const gint8 *values = (const gint8 *) filter->data;
  const gint32 *bias_values = bias != NULL ? (const gint32 *) bias->data : NULL;
  gsize image_bytes = 0, band_bytes;
  int taps = n_taps (w);

  params->int8_path = PATH_REFERENCE;
  if (values == NULL || (bias != NULL && bias_values == NULL))
    return 0;

  /* One channel, when the widened image of a whole output (and one more column, see
   * eval_one_channel) is small. */
  if (w->in_c == 1 &&
      g_size_checked_mul (&image_bytes,
                          input_extent (0, w->out_h, w->stride_h, w->filter_h, w->dilation_h),
                          input_extent (0, w->out_w, w->stride_w, w->filter_w, w->dilation_w) + 1) &&
      image_bytes <= (gsize) 1 << 24)
    {
      params->packed_groups = w->filter_h * groups_per_row (w);
      params->packed_filter = pack_one_channel (w, values, params->packed_groups);
      if (params->packed_filter == NULL)
        return 0;
      bitlens_requantize_lanes_init (&params->requantize_lanes, &params->requantize, bias_values, w->out_c);
      params->int8_path = PATH_ONE_CHANNEL;
      return image_bytes * sizeof (gint16) + (gsize) params->packed_groups * sizeof (gsize);
    }

  /* Tap pairs: the filter tensor exists, so taps * C fits in memory. */
  params->packed_groups = (taps + 1) / 2;
  params->packed_filter = pack_tap_pairs (w, values, params->packed_groups);
  if (params->packed_filter == NULL)
    return 0;
  bitlens_requantize_lanes_init (&params->requantize_lanes, &params->requantize, bias_values, w->out_c);
  for (int c = 0; c < w->out_c; c++)
    {
      guint32 sum = 0;

      for (int t = 0; t < taps; t++)
        sum += (guint32) (gint32) values[(gsize) t * w->out_c + c];
      params->requantize_lanes.start[c] = (gint32) ((guint32) params->requantize_lanes.start[c] +
                                                    sum * (guint32) params->requantize.input_offset);
    }
  /* The offsets of the taps, and the band of input rows. */
  if (!g_size_checked_mul (&band_bytes, input_extent (0, band_rows (w), w->stride_h, w->filter_h, w->dilation_h),
                           input_extent (0, w->out_w, w->stride_w, w->filter_w, w->dilation_w)) ||
      !g_size_checked_mul (&band_bytes, band_bytes, (gsize) w->out_c) ||
      !g_size_checked_add (&band_bytes, band_bytes, pairs_offsets_bytes (w)))
    {
      g_clear_pointer (&params->packed_filter, g_free);
      bitlens_requantize_lanes_clear (&params->requantize_lanes);
      return 0;
    }
  params->int8_path = PATH_TAP_PAIRS;
  return band_bytes;
}

/* ---- Tap pairs ---- */

/* A run of output pixels: pixel i reads tap t at base + i * step + offsets[t], for the
 * Kh*Kw taps and the spare (offsets[Kh*Kw], with zero weights). */
typedef struct
{
  const gint8  *base;
  gsize         step;
  const gsize  *offsets;
  int           n_pixels;
  gint8        *out;         /* pixel i at out + i * C */
} PixelRun;

/* Channels [first, C) of a run, one at a time. */
static void
pairs_run_scalar (const BitlensDepthwiseParams *params,
                  const gint8                  *filter,
                  const PixelRun               *run,
                  int                           first)
{
  const BitlensWindow *w = &params->window;
  int channels = w->out_c;
  int taps = n_taps (w);

  for (int i = 0; i < run->n_pixels; i++)
    {
      const gint8 *base = run->base + i * run->step;
      gint8 *out = run->out + (gsize) i * channels;

      for (int c = first; c < channels; c++)
        {
          guint32 acc = (guint32) params->requantize_lanes.start[c];

          for (int t = 0; t < taps; t++)
            acc += (guint32) ((gint32) filter[(gsize) t * channels + c] * (gint32) base[run->offsets[t] + c]);
          out[c] = bitlens_requantize_apply (&params->requantize, (gint32) acc, c);
        }
    }
}

typedef void (*PairsRunFunc) (const BitlensDepthwiseParams *params,
                              const gint8                  *filter,
                              const PixelRun               *run);

/* Blocks of 16 channels in fixed-length loops, which the compiler vectorizes for the
 * baseline instruction set; the rest one at a time. */
static void
pairs_run_portable (const BitlensDepthwiseParams *params,
                    const gint8                  *filter,
                    const PixelRun               *run)
{
  const BitlensWindow *w = &params->window;
  int channels = w->out_c;
  int taps = n_taps (w);
  int c0 = 0;

  for (int i = 0; i < run->n_pixels; i++)
    {
      const gint8 *base = run->base + i * run->step;
      gint8 *out = run->out + (gsize) i * channels;

      for (c0 = 0; c0 + BLOCK <= channels; c0 += BLOCK)
        {
          guint32 acc[BLOCK];

          for (int j = 0; j < BLOCK; j++)
            acc[j] = (guint32) params->requantize_lanes.start[c0 + j];
          for (int t = 0; t < taps; t++)
            {
              const gint8 *x = base + run->offsets[t] + c0;
              const gint8 *f = filter + (gsize) t * channels + c0;

              for (int j = 0; j < BLOCK; j++)
                acc[j] += (guint32) ((gint32) f[j] * (gint32) x[j]);
            }
          for (int j = 0; j < BLOCK; j++)
            out[c0 + j] = bitlens_requantize_apply (&params->requantize, (gint32) acc[j], c0 + j);
        }
    }
  if (c0 < channels)
    pairs_run_scalar (params, filter, run, c0);
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* Taps t and t + 1 of 8 channels as int16 pairs (x_t,c, x_t+1,c). */
__attribute__((target("avx2")))
static inline __m256i
interleave8 (const gint8 *a,
             const gint8 *b)
{
  return _mm256_cvtepi8_epi16 (_mm_unpacklo_epi8 (_mm_loadl_epi64 ((const __m128i *) a),
                                                  _mm_loadl_epi64 ((const __m128i *) b)));
}

/* Taps at @a and @b of 16 channels times their filter pairs @f, into low (channels
 * 0..7) and high (8..15). */
__attribute__((target("avx2"), always_inline))
static inline void
accumulate_pair16 (const gint8  *a,
                   const gint8  *b,
                   const gint16 *f,
                   __m256i      *low,
                   __m256i      *high)
{
  __m128i x = _mm_loadu_si128 ((const __m128i *) a);
  __m128i y = _mm_loadu_si128 ((const __m128i *) b);

  *low = _mm256_add_epi32 (*low, _mm256_madd_epi16 (_mm256_cvtepi8_epi16 (_mm_unpacklo_epi8 (x, y)),
                                                    _mm256_loadu_si256 ((const __m256i *) f)));
  *high = _mm256_add_epi32 (*high, _mm256_madd_epi16 (_mm256_cvtepi8_epi16 (_mm_unpackhi_epi8 (x, y)),
                                                      _mm256_loadu_si256 ((const __m256i *) (f + BLOCK))));
}

__attribute__((target("avx2")))
static void
pairs_run_avx2 (const BitlensDepthwiseParams *params,
                const gint8                  *filter,
                const PixelRun               *run)
{
  /* Local copies, which the int8 stores cannot alias. */
  BitlensRequantizeLanes lanes_copy = params->requantize_lanes;
  BitlensRequantize requantize_copy = params->requantize;
  const BitlensRequantizeLanes *lanes = &lanes_copy;
  const BitlensRequantize *requantize = &requantize_copy;
  const gint16 *packed = params->packed_filter;
  const gsize *offsets = run->offsets;
  const int channels = params->window.out_c;
  const int n_pairs = params->packed_groups;
  /* A 3x3 filter: each row's taps at r, r + step and r + 2 step, from three row starts. */
  gboolean three_by_three = params->window.filter_h == 3 && params->window.filter_w == 3;
  gsize row1 = offsets[3], row2 = offsets[6], step = offsets[1];
  int c0 = 0;

  for (int i = 0; i < run->n_pixels; i++)
    {
      const gint8 *base = run->base + i * run->step;
      gint8 *out = run->out + (gsize) i * channels;

      for (c0 = 0; c0 + BLOCK <= channels; c0 += BLOCK)
        {
          const gint16 *f = packed + (gsize) c0 * 2 * n_pairs;
          __m256i low = _mm256_loadu_si256 ((const __m256i *) (lanes->start + c0));
          __m256i high = _mm256_loadu_si256 ((const __m256i *) (lanes->start + c0 + 8));

          if (three_by_three)
            {
              const gint8 *r0 = base + c0, *r1 = base + row1 + c0, *r2 = base + row2 + c0;

              /* Pairs (0,1) (2,3) (4,5) (6,7) (8, spare with zero weights). */
              accumulate_pair16 (r0, r0 + step, f, &low, &high);
              accumulate_pair16 (r0 + 2 * step, r1, f + 2 * BLOCK, &low, &high);
              accumulate_pair16 (r1 + step, r1 + 2 * step, f + 4 * BLOCK, &low, &high);
              accumulate_pair16 (r2, r2 + step, f + 6 * BLOCK, &low, &high);
              accumulate_pair16 (r2 + 2 * step, r0, f + 8 * BLOCK, &low, &high);
            }
          else
            for (int p = 0; p < n_pairs; p++, f += 2 * BLOCK)
              accumulate_pair16 (base + offsets[2 * p] + c0, base + offsets[2 * p + 1] + c0, f, &low, &high);
          _mm_storeu_si128 ((__m128i *) (out + c0),
                            bitlens_pack16_int8_avx2 (bitlens_requantize_lanes_avx2 (lanes, requantize, c0, low),
                                                      bitlens_requantize_lanes_avx2 (lanes, requantize, c0 + 8, high)));
        }
      if (c0 + 8 <= channels)
        {
          /* The first half of a block's pairs. */
          const gint16 *f = packed + (gsize) c0 * 2 * n_pairs;
          __m256i acc = _mm256_loadu_si256 ((const __m256i *) (lanes->start + c0));

          for (int p = 0; p < n_pairs; p++, f += 2 * BLOCK)
            acc = _mm256_add_epi32 (acc, _mm256_madd_epi16 (interleave8 (base + offsets[2 * p] + c0,
                                                                         base + offsets[2 * p + 1] + c0),
                                                            _mm256_loadu_si256 ((const __m256i *) f)));
          _mm_storel_epi64 ((__m128i *) (out + c0),
                            bitlens_pack8_int8_avx2 (bitlens_requantize_lanes_avx2 (lanes, requantize, c0, acc)));
          c0 += 8;
        }
    }
  if (c0 < channels)
    pairs_run_scalar (params, filter, run, c0);
}
#endif

/* Input rows [first_y, first_y + rows) and columns [first_x, first_x + columns) of
 * batch b, C = out_c bytes per pixel (channels expanded when M > 1), with the input zero
 * point where they fall outside the input. */
static void
copy_band (const BitlensDepthwiseParams *params,
           const gint8                  *input,
           int                           b,
           int                           first_y,
           int                           rows,
           int                           first_x,
           int                           columns,
           gint8                        *band)
{
  const BitlensWindow *w = &params->window;
  int multiplier = params->depth_multiplier;
  gsize row_bytes = (gsize) columns * w->out_c;
  gint8 zero_point = (gint8) -params->requantize.input_offset;   /* zp_in is an int8 */
  int inside_x0 = CLAMP (-first_x, 0, columns);
  int inside_x1 = CLAMP (w->in_w - first_x, inside_x0, columns);

  for (int r = 0; r < rows; r++, band += row_bytes)
    {
      int in_y = first_y + r;
      const gint8 *x;

      if (in_y < 0 || in_y >= w->in_h || inside_x0 == inside_x1)
        {
          memset (band, zero_point, row_bytes);
          continue;
        }
      memset (band, zero_point, (gsize) inside_x0 * w->out_c);
      memset (band + (gsize) inside_x1 * w->out_c, zero_point, (gsize) (columns - inside_x1) * w->out_c);
      x = input + (((gsize) b * w->in_h + in_y) * w->in_w + first_x + inside_x0) * w->in_c;
      if (multiplier == 1)
        memcpy (band + (gsize) inside_x0 * w->out_c, x, (gsize) (inside_x1 - inside_x0) * w->out_c);
      else
        for (gsize i = 0; i < (gsize) (inside_x1 - inside_x0) * w->in_c; i++)
          memset (band + (gsize) inside_x0 * w->out_c + i * multiplier, x[i], multiplier);
    }
}

/* The region in bands of output rows: each band's input rows are copied with zero-point
 * borders (and expanded), so that every output pixel reads all its taps from the copy. */
static void
eval_tap_pairs (const BitlensDepthwiseParams *params,
                const BitlensKernelCall      *call)
{
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const gint8 *filter = call->inputs[1];
  gint8 *output = call->outputs[0];
  gsize *offsets = call->scratch;
  gint8 *band = (gint8 *) call->scratch + pairs_offsets_bytes (w);
  int columns = (int) input_extent (region->x0, region->x1, w->stride_w, w->filter_w, w->dilation_w);
  int rows_per_band = band_rows (w);
  gsize pixel_bytes = (gsize) w->out_c;
  PairsRunFunc run_pixels = pairs_run_portable;
  int taps = n_taps (w);

  if (region->y0 >= region->y1 || region->x0 >= region->x1)
    return;
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    run_pixels = pairs_run_avx2;
#endif

  /* The spare tap reads tap 0. */
  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
      offsets[filter_y * w->filter_w + filter_x] =
        ((gsize) filter_y * w->dilation_h * columns + (gsize) filter_x * w->dilation_w) * pixel_bytes;
  offsets[taps] = 0;

  for (int b = 0; b < w->batches; b++)
    for (int band_y0 = region->y0; band_y0 < region->y1; band_y0 += rows_per_band)
      {
        int band_y1 = MIN (band_y0 + rows_per_band, region->y1);

        copy_band (params, call->inputs[0], b, band_y0 * w->stride_h - w->pad_top,
                   (int) input_extent (band_y0, band_y1, w->stride_h, w->filter_h, w->dilation_h),
                   region->x0 * w->stride_w - w->pad_left, columns, band);
        for (int out_y = band_y0; out_y < band_y1; out_y++)
          {
            PixelRun run = {
              band + (gsize) (out_y - band_y0) * w->stride_h * columns * pixel_bytes,
              (gsize) w->stride_w * pixel_bytes, offsets, region->x1 - region->x0,
              output + (((gsize) b * w->out_h + out_y) * w->out_w + region->x0) * w->out_c,
            };
            run_pixels (params, filter, &run);
          }
      }
}

/* ---- One input channel ---- */

typedef struct
{
  const gint16 *image;       /* the widened input of the region, zero outside the input */
  gsize         image_w;
  const gsize  *offsets;     /* per group of taps, from a pixel's first tap */
} OneChannelImage;

typedef void (*OneChannelRowFunc) (const BitlensDepthwiseParams *params,
                                   const OneChannelImage        *image,
                                   const gint16                 *first,
                                   int                           n_pixels,
                                   gint8                        *out);

/* Output pixels of one row: pixel i's first tap is first[i * stride_w]. */
static void
one_channel_row_portable (const BitlensDepthwiseParams *params,
                          const OneChannelImage        *image,
                          const gint16                 *first,
                          int                           n_pixels,
                          gint8                        *out)
{
  const BitlensWindow *w = &params->window;
  int n_groups = params->packed_groups;

  for (int i = 0; i < n_pixels; i++, first += w->stride_w, out += w->out_c)
    for (int c = 0; c < w->out_c; c++)
      {
        const gint16 *vector = params->packed_filter + (gsize) (c / 8 * 8) * 2 * n_groups;
        guint32 acc = (guint32) params->requantize_lanes.start[c];

        for (int g = 0; g < n_groups; g++)
          {
            const gint16 *x = first + image->offsets[g];
            const gint16 *f = vector + ((gsize) g * 8 + c % 8) * 2;

            acc += (guint32) (f[0] * x[0] + f[1] * x[1]);
          }
        out[c] = bitlens_requantize_apply (&params->requantize, (gint32) acc, c);
      }
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* @n_groups is a constant after inlining (the offsets then stay in registers) or, with
 * 0, read from the parameters. */
__attribute__((target("avx2"), always_inline))
static inline void
one_channel_row_avx2_fixed (const BitlensDepthwiseParams *params,
                            const OneChannelImage        *image,
                            const gint16                 *first,
                            int                           n_pixels,
                            gint8                        *out,
                            const int                     fixed_groups)
{
  const BitlensWindow *w = &params->window;
  /* Local copies, which the int8 stores cannot alias. */
  BitlensRequantizeLanes lanes_copy = params->requantize_lanes;
  BitlensRequantize requantize = params->requantize;
  const BitlensRequantizeLanes *lanes = &lanes_copy;
  const gint16 *packed = params->packed_filter;
  int n_groups = fixed_groups > 0 ? fixed_groups : params->packed_groups;
  int channels = w->out_c;
  gsize step = (gsize) w->stride_w;
  gsize offsets[ONE_CHANNEL_FIXED_GROUPS];

  if (fixed_groups > 0)
    for (int g = 0; g < fixed_groups; g++)
      offsets[g] = image->offsets[g];

  for (int i = 0; i < n_pixels; i++, first += step, out += channels)
    for (int c0 = 0; c0 < channels; c0 += 8)
      {
        const gint16 *vector = packed + (gsize) c0 * 2 * n_groups;
        __m256i acc = _mm256_loadu_si256 ((const __m256i *) (lanes->start + c0));
        __m128i bytes;

        for (int g = 0; g < n_groups; g++)
          {
            gint32 pair;

            memcpy (&pair, first + (fixed_groups > 0 ? offsets[g] : image->offsets[g]), sizeof pair);
            acc = _mm256_add_epi32 (acc, _mm256_madd_epi16 (_mm256_set1_epi32 (pair),
                                                            _mm256_loadu_si256 ((const __m256i *) (vector + (gsize) g * 16))));
          }
        bytes = bitlens_pack8_int8_avx2 (bitlens_requantize_lanes_avx2 (lanes, &requantize, c0, acc));
        if (c0 + 8 <= channels)
          _mm_storel_epi64 ((__m128i *) (out + c0), bytes);
        else
          bitlens_store_partial_int8 (out + c0, bytes, channels - c0);
      }
}

/* 3x3 filters without horizontal dilation (6 groups) get their own copy. */
__attribute__((target("avx2")))
static void
one_channel_row_avx2 (const BitlensDepthwiseParams *params,
                      const OneChannelImage        *image,
                      const gint16                 *first,
                      int                           n_pixels,
                      gint8                        *out)
{
  if (params->packed_groups == ONE_CHANNEL_FIXED_GROUPS)
    one_channel_row_avx2_fixed (params, image, first, n_pixels, out, ONE_CHANNEL_FIXED_GROUPS);
  else
    one_channel_row_avx2_fixed (params, image, first, n_pixels, out, 0);
}
#endif

static void
eval_one_channel (const BitlensDepthwiseParams *params,
                  const BitlensKernelCall      *call)
{
  const BitlensWindow *w = &params->window;
  const BitlensRegion *region = &call->region;
  const gint8 *input = call->inputs[0];
  gint8 *output = call->outputs[0];
  gint16 offset = (gint16) params->requantize.input_offset;
  int first_y = region->y0 * w->stride_h - w->pad_top;
  int first_x = region->x0 * w->stride_w - w->pad_left;
  gsize rows, columns, inside_x0, inside_x1;
  gint16 *image;
  gsize *offsets;
  OneChannelImage view;
  OneChannelRowFunc row = one_channel_row_portable;
  BitlensWidenFunc widen = bitlens_widen_int8_func ();

  if (region->y0 >= region->y1 || region->x0 >= region->x1)
    return;
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    row = one_channel_row_avx2;
#endif

  /* One more column for the second half of a broadcast of the last tap. */
  rows = input_extent (region->y0, region->y1, w->stride_h, w->filter_h, w->dilation_h);
  columns = input_extent (region->x0, region->x1, w->stride_w, w->filter_w, w->dilation_w) + 1;
  inside_x0 = (gsize) CLAMP (-first_x, 0, (int) columns);
  inside_x1 = (gsize) CLAMP (w->in_w - first_x, (int) inside_x0, (int) columns);
  offsets = call->scratch;
  image = (gint16 *) (offsets + params->packed_groups);
  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    for (int g = 0; g < groups_per_row (w); g++)
      offsets[filter_y * groups_per_row (w) + g] =
        (gsize) filter_y * w->dilation_h * columns + (gsize) g * taps_per_group (w) * w->dilation_w;
  view = (OneChannelImage) { image, columns, offsets };

  for (int b = 0; b < w->batches; b++)
    {
      /* image[r][c] = x[first_y + r][first_x + c] - zp_in, 0 outside the input. */
      for (gsize r = 0; r < rows; r++)
        {
          int in_y = first_y + (int) r;
          gint16 *target = image + r * columns;

          if (in_y < 0 || in_y >= w->in_h || inside_x0 == inside_x1)
            {
              memset (target, 0, columns * sizeof (gint16));
              continue;
            }
          memset (target, 0, (gsize) inside_x0 * sizeof (gint16));
          memset (target + inside_x1, 0, (columns - inside_x1) * sizeof (gint16));
          widen (input + ((gsize) b * w->in_h + in_y) * w->in_w + first_x + inside_x0, offset,
                 (int) (inside_x1 - inside_x0), target + inside_x0);
        }

      for (int out_y = region->y0; out_y < region->y1; out_y++)
        row (params, &view, image + (gsize) (out_y - region->y0) * w->stride_h * columns,
             region->x1 - region->x0,
             output + (((gsize) b * w->out_h + out_y) * w->out_w + region->x0) * w->out_c);
    }
}

void
bitlens_depthwise_conv_2d_eval_optimized (const BitlensKernelCall *call)
{
  const BitlensDepthwiseParams *params = call->op->prepared;

  bitlens_region_assert_inside (&call->region, params->window.out_h, params->window.out_w);
  switch (params->int8_path)
    {
    case PATH_TAP_PAIRS:
      g_assert (call->scratch != NULL);
      eval_tap_pairs (params, call);
      break;
    case PATH_ONE_CHANNEL:
      g_assert (call->scratch != NULL);
      eval_one_channel (params, call);
      break;
    default:
      bitlens_depthwise_conv_2d_eval_reference (call);
      break;
    }
}
