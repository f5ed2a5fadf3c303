/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LCE_HAVE_X86 1
#endif

#include "cpu-features.h"
#include "lce-bconv2d-private.h"

/* The optimized twin of the LceBconv2d reference, bit-identical to it.
 *
 * For each output pixel the input words under the filter window are gathered once into an
 * im2col patch laid out like the filter ([group][tap][word]; taps outside the image hold
 * word 0, which is +1). Each output channel is then one contiguous XOR-popcount of its
 * filter against the patch, over filter_height * filter_width * filter_words words. With
 * pad_values 1 that is already the reference's sum. With pad_values 0 an outside tap must
 * add (channels_in / groups) / 2 instead of the popcount of its filter words, so the
 * precomputed per-channel tap popcounts are subtracted for the taps that fell outside.
 *
 * The XOR-popcount runs with AVX-512 VPOPCNTDQ, AVX2 (nibble lookup, Mula et al.) or
 * portable 64-bit code, as the CPU allows (cpu-features.h). */

/* popcount (a XOR b) over n_words words. */
typedef guint32 (*XorPopcountFunc)  (const guint32 *a,
                                     const guint32 *b,
                                     gsize          n_words);
/* The same for four output channels at once, sharing the loads of the patch: counts[j]
 * for the filter at filters + j * n_words. */
typedef void    (*XorPopcount4Func) (const guint32 *patch,
                                     const guint32 *filters,
                                     gsize          n_words,
                                     guint32       *counts);

typedef struct
{
  XorPopcountFunc  one;
  XorPopcount4Func four;
} XorPopcountKernels;

static inline guint64
load_u64 (const guint32 *words)
{
  guint64 value;

  memcpy (&value, words, sizeof value);
  return value;
}

/* Portable popcount (SWAR), so the generic path needs no POPCNT instruction. */
static inline guint32
popcount64_portable (guint64 x)
{
  x = x - ((x >> 1) & G_GUINT64_CONSTANT (0x5555555555555555));
  x = (x & G_GUINT64_CONSTANT (0x3333333333333333)) + ((x >> 2) & G_GUINT64_CONSTANT (0x3333333333333333));
  x = (x + (x >> 4)) & G_GUINT64_CONSTANT (0x0f0f0f0f0f0f0f0f);
  return (guint32) ((x * G_GUINT64_CONSTANT (0x0101010101010101)) >> 56);
}

static guint32
xor_popcount_generic (const guint32 *a,
                      const guint32 *b,
                      gsize          n_words)
{
  guint32 total = 0;
  gsize i = 0;

  for (; i + 2 <= n_words; i += 2)
    total += popcount64_portable (load_u64 (a + i) ^ load_u64 (b + i));
  if (i < n_words)
    total += popcount64_portable (a[i] ^ b[i]);
  return total;
}

static void
xor_popcount4_generic (const guint32 *patch,
                       const guint32 *filters,
                       gsize          n_words,
                       guint32       *counts)
{
  const guint32 *f0 = filters, *f1 = f0 + n_words, *f2 = f1 + n_words, *f3 = f2 + n_words;
  guint32 c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  gsize i = 0;

  for (; i + 2 <= n_words; i += 2)
    {
      guint64 x = load_u64 (patch + i);

      c0 += popcount64_portable (x ^ load_u64 (f0 + i));
      c1 += popcount64_portable (x ^ load_u64 (f1 + i));
      c2 += popcount64_portable (x ^ load_u64 (f2 + i));
      c3 += popcount64_portable (x ^ load_u64 (f3 + i));
    }
  if (i < n_words)
    {
      c0 += popcount64_portable (patch[i] ^ f0[i]);
      c1 += popcount64_portable (patch[i] ^ f1[i]);
      c2 += popcount64_portable (patch[i] ^ f2[i]);
      c3 += popcount64_portable (patch[i] ^ f3[i]);
    }
  counts[0] = c0;
  counts[1] = c1;
  counts[2] = c2;
  counts[3] = c3;
}

#ifdef LCE_HAVE_X86

__attribute__((target ("avx2,popcnt")))
static guint32
xor_popcount_avx2 (const guint32 *a,
                   const guint32 *b,
                   gsize          n_words)
{
  const __m256i nibble_counts = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low_nibbles = _mm256_set1_epi8 (0x0f);
  __m256i sums = _mm256_setzero_si256 ();
  guint64 lanes[4];
  guint32 total;
  gsize i = 0;

  for (; i + 8 <= n_words; i += 8)
    {
      __m256i x = _mm256_xor_si256 (_mm256_loadu_si256 ((const __m256i *) (a + i)),
                                    _mm256_loadu_si256 ((const __m256i *) (b + i)));
      __m256i low = _mm256_and_si256 (x, low_nibbles);
      __m256i high = _mm256_and_si256 (_mm256_srli_epi16 (x, 4), low_nibbles);
      __m256i bytes = _mm256_add_epi8 (_mm256_shuffle_epi8 (nibble_counts, low),
                                       _mm256_shuffle_epi8 (nibble_counts, high));
      /* Each byte is at most 8: summing them per 64-bit lane cannot overflow. */
      sums = _mm256_add_epi64 (sums, _mm256_sad_epu8 (bytes, _mm256_setzero_si256 ()));
    }
  _mm256_storeu_si256 ((__m256i *) lanes, sums);
  total = (guint32) (lanes[0] + lanes[1] + lanes[2] + lanes[3]);

  for (; i + 2 <= n_words; i += 2)
    total += (guint32) __builtin_popcountll (load_u64 (a + i) ^ load_u64 (b + i));
  if (i < n_words)
    total += (guint32) __builtin_popcount (a[i] ^ b[i]);
  return total;
}

__attribute__((target ("avx512f,avx512vpopcntdq")))
static guint32
xor_popcount_avx512 (const guint32 *a,
                     const guint32 *b,
                     gsize          n_words)
{
  __m512i sums = _mm512_setzero_si512 ();
  guint64 lanes[8];
  guint64 total = 0;
  gsize i = 0;

  for (; i + 16 <= n_words; i += 16)
    {
      __m512i x = _mm512_xor_si512 (_mm512_loadu_si512 (a + i), _mm512_loadu_si512 (b + i));
      sums = _mm512_add_epi64 (sums, _mm512_popcnt_epi64 (x));
    }
  if (i < n_words)
    {
      /* The last 1 to 15 words; masked-off lanes load as 0 and count nothing. */
      __mmask16 mask = (__mmask16) ((1u << (n_words - i)) - 1);
      __m512i x = _mm512_xor_si512 (_mm512_maskz_loadu_epi32 (mask, a + i),
                                    _mm512_maskz_loadu_epi32 (mask, b + i));
      sums = _mm512_add_epi64 (sums, _mm512_popcnt_epi64 (x));
    }
  _mm512_storeu_si512 (lanes, sums);
  for (int lane = 0; lane < 8; lane++)
    total += lanes[lane];
  return (guint32) total;
}

/* Per-byte popcount of a XOR b (each byte 0..8). */
__attribute__((target ("avx2")))
static inline __m256i
xor_popcount_bytes_avx2 (__m256i a,
                         __m256i b)
{
  const __m256i nibble_counts = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low_nibbles = _mm256_set1_epi8 (0x0f);
  __m256i x = _mm256_xor_si256 (a, b);
  __m256i low = _mm256_and_si256 (x, low_nibbles);
  __m256i high = _mm256_and_si256 (_mm256_srli_epi16 (x, 4), low_nibbles);

  return _mm256_add_epi8 (_mm256_shuffle_epi8 (nibble_counts, low),
                          _mm256_shuffle_epi8 (nibble_counts, high));
}

__attribute__((target ("avx2")))
static inline guint64
horizontal_sum_avx2 (__m256i sums)
{
  guint64 lanes[4];

  _mm256_storeu_si256 ((__m256i *) lanes, sums);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

/* Four channels with the POPCNT instruction, for rows shorter than one AVX2 vector. */
__attribute__((target ("popcnt")))
static void
xor_popcount4_popcnt (const guint32 *patch,
                      const guint32 *filters,
                      gsize          n_words,
                      guint32       *counts)
{
  for (int j = 0; j < 4; j++)
    {
      const guint32 *filter = filters + j * n_words;
      guint32 total = 0;
      gsize i = 0;

      for (; i + 2 <= n_words; i += 2)
        total += (guint32) __builtin_popcountll (load_u64 (patch + i) ^ load_u64 (filter + i));
      if (i < n_words)
        total += (guint32) __builtin_popcount (patch[i] ^ filter[i]);
      counts[j] = total;
    }
}

__attribute__((target ("avx2,popcnt")))
static void
xor_popcount4_avx2 (const guint32 *patch,
                    const guint32 *filters,
                    gsize          n_words,
                    guint32       *counts)
{
  __m256i sums[4], bytes[4];
  gsize i = 0;
  int pending = 0;

  if (n_words < 8)
    {
      xor_popcount4_popcnt (patch, filters, n_words, counts);
      return;
    }
  for (int j = 0; j < 4; j++)
    {
      sums[j] = _mm256_setzero_si256 ();
      bytes[j] = _mm256_setzero_si256 ();
    }
  for (; i + 8 <= n_words; i += 8)
    {
      __m256i x = _mm256_loadu_si256 ((const __m256i *) (patch + i));

      for (int j = 0; j < 4; j++)
        bytes[j] = _mm256_add_epi8 (bytes[j],
                                    xor_popcount_bytes_avx2 (x, _mm256_loadu_si256 ((const __m256i *) (filters + j * n_words + i))));
      /* Bytes grow by at most 8 a step: fold them into 64-bit lanes before 255. */
      if (++pending == 31)
        {
          for (int j = 0; j < 4; j++)
            {
              sums[j] = _mm256_add_epi64 (sums[j], _mm256_sad_epu8 (bytes[j], _mm256_setzero_si256 ()));
              bytes[j] = _mm256_setzero_si256 ();
            }
          pending = 0;
        }
    }
  for (int j = 0; j < 4; j++)
    {
      const guint32 *filter = filters + j * n_words;
      guint64 total;
      gsize k = i;

      sums[j] = _mm256_add_epi64 (sums[j], _mm256_sad_epu8 (bytes[j], _mm256_setzero_si256 ()));
      total = horizontal_sum_avx2 (sums[j]);
      for (; k + 2 <= n_words; k += 2)
        total += (guint64) __builtin_popcountll (load_u64 (patch + k) ^ load_u64 (filter + k));
      if (k < n_words)
        total += (guint64) __builtin_popcount (patch[k] ^ filter[k]);
      counts[j] = (guint32) total;
    }
}

__attribute__((target ("avx512f,avx512vpopcntdq")))
static void
xor_popcount4_avx512 (const guint32 *patch,
                      const guint32 *filters,
                      gsize          n_words,
                      guint32       *counts)
{
  __m512i sums[4];
  gsize i = 0;

  for (int j = 0; j < 4; j++)
    sums[j] = _mm512_setzero_si512 ();
  for (; i + 16 <= n_words; i += 16)
    {
      __m512i x = _mm512_loadu_si512 (patch + i);

      for (int j = 0; j < 4; j++)
        sums[j] = _mm512_add_epi64 (sums[j],
                                    _mm512_popcnt_epi64 (_mm512_xor_si512 (x, _mm512_loadu_si512 (filters + j * n_words + i))));
    }
  if (i < n_words)
    {
      __mmask16 mask = (__mmask16) ((1u << (n_words - i)) - 1);
      __m512i x = _mm512_maskz_loadu_epi32 (mask, patch + i);

      for (int j = 0; j < 4; j++)
        sums[j] = _mm512_add_epi64 (sums[j],
                                    _mm512_popcnt_epi64 (_mm512_xor_si512 (x, _mm512_maskz_loadu_epi32 (mask, filters + j * n_words + i))));
    }
  for (int j = 0; j < 4; j++)
    {
      guint64 lanes[8], total = 0;

      _mm512_storeu_si512 (lanes, sums[j]);
      for (int lane = 0; lane < 8; lane++)
        total += lanes[lane];
      counts[j] = (guint32) total;
    }
}

#endif

static XorPopcountKernels
choose_xor_popcount (void)
{
#ifdef LCE_HAVE_X86
  if (bitlens_cpu_has_avx512_vpopcntdq ())
    return (XorPopcountKernels) { xor_popcount_avx512, xor_popcount4_avx512 };
  if (bitlens_cpu_has_avx2 ())
    return (XorPopcountKernels) { xor_popcount_avx2, xor_popcount4_avx2 };
#endif
  return (XorPopcountKernels) { xor_popcount_generic, xor_popcount4_generic };
}

/* Gathers the patch of output pixel (b, out_y, out_x) and lists the taps that fall
 * outside the image; returns how many do. */
static int
gather_patch (const LceBconv2dPrepared *p,
              const guint32            *input,
              int                       b,
              int                       out_y,
              int                       out_x,
              guint32                  *patch,
              int                      *outside_taps)
{
  int origin_y = out_y * p->stride_height - p->pad_top;
  int origin_x = out_x * p->stride_width - p->pad_left;
  int taps = p->filter_height * p->filter_width;
  gsize group_stride = (gsize) taps * p->filter_words;
  int n_outside = 0;

  for (int filter_y = 0; filter_y < p->filter_height; filter_y++)
    {
      int in_y = origin_y + p->dilation_height * filter_y;

      for (int filter_x = 0; filter_x < p->filter_width; filter_x++)
        {
          int in_x = origin_x + p->dilation_width * filter_x;
          int tap = filter_y * p->filter_width + filter_x;
          guint32 *tap_words = patch + (gsize) tap * p->filter_words;

          if (in_y >= 0 && in_y < p->in_height && in_x >= 0 && in_x < p->in_width)
            {
              const guint32 *pixel = input + (((gsize) b * p->in_height + in_y) * p->in_width + in_x) * p->in_words;

              for (int group = 0; group < p->groups; group++)
                memcpy (tap_words + group * group_stride, pixel + (gsize) group * p->filter_words,
                        sizeof (guint32) * p->filter_words);
            }
          else
            {
              for (int group = 0; group < p->groups; group++)
                memset (tap_words + group * group_stride, 0, sizeof (guint32) * p->filter_words);
              outside_taps[n_outside++] = tap;
            }
        }
    }
  return n_outside;
}

/* The accumulator from the patch's XOR-popcount, with the zero-padding correction, then
 * the output transform. */
static inline void
finish_channel (const LceBconv2dPrepared *p,
                const gint32             *thresholds,
                void                     *output,
                gsize                     pixel,
                int                       out_c,
                guint32                   count,
                const int                *outside_taps,
                int                       n_outside)
{
  gint32 accumulator = (gint32) count;

  if (p->zero_padding && n_outside > 0)
    {
      const gint32 *tap_popcounts = p->tap_popcounts + (gsize) out_c * p->filter_height * p->filter_width;

      accumulator += n_outside * p->zero_padding_accumulator;
      for (int i = 0; i < n_outside; i++)
        accumulator -= tap_popcounts[outside_taps[i]];
    }
  lce_bconv2d_store (p, thresholds, output, pixel, out_c, accumulator);
}

void
bitlens_lce_bconv2d_eval_optimized (const BitlensKernelCall *call)
{
  const LceBconv2dPrepared *p = call->op->prepared;
  BitlensRegion region = bitlens_lce_clip_region (&call->region, p->out_height, p->out_width);
  XorPopcountKernels xor_popcount = choose_xor_popcount ();
  const guint32 *input = call->inputs[0];
  const guint32 *filter = call->inputs[1];
  const gint32 *thresholds = call->inputs[4];
  void *output = call->outputs[0];
  gsize channel_words = (gsize) p->filter_height * p->filter_width * p->filter_words;
  guint32 *patch = call->scratch;
  int *outside_taps = (int *) (patch + p->patch_words);

  g_assert (call->scratch != NULL);

  for (int b = 0; b < p->batches; b++)
    for (int out_y = region.y0; out_y < region.y1; out_y++)
      for (int out_x = region.x0; out_x < region.x1; out_x++)
        {
          gsize pixel = lce_bconv2d_output_pixel_offset (p, b, out_y, out_x);
          int n_outside = gather_patch (p, input, b, out_y, out_x, patch, outside_taps);

          lce_bconv2d_begin_pixel (p, output, pixel);
          for (int group = 0; group < p->groups; group++)
            {
              const guint32 *group_patch = patch + group * channel_words;
              int out_c = group * p->out_channels_per_group;
              int group_end = out_c + p->out_channels_per_group;
              guint32 counts[4];

              for (; out_c + 4 <= group_end; out_c += 4)
                {
                  xor_popcount.four (group_patch, filter + out_c * channel_words, channel_words, counts);
                  for (int j = 0; j < 4; j++)
                    finish_channel (p, thresholds, output, pixel, out_c + j, counts[j], outside_taps, n_outside);
                }
              for (; out_c < group_end; out_c++)
                finish_channel (p, thresholds, output, pixel, out_c,
                                xor_popcount.one (group_patch, filter + out_c * channel_words, channel_words),
                                outside_taps, n_outside);
            }
        }
}
