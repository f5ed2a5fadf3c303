/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "cpu-features.h"
#include "requantize-row.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BITLENS_REQUANTIZE_HAVE_AVX2 1
#endif

static void
requantize_channels (const BitlensRequantize *requantize,
                     const gint32            *acc,
                     const gint32            *bias,
                     int                      first,
                     int                      n,
                     gint8                   *out)
{
  for (int c = first; c < n; c++)
    out[c] = bitlens_requantize_apply (requantize, bias != NULL ? acc[c] + bias[c] : acc[c], c);
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* Eight lanes of MultiplyByQuantizedMultiplier with per-lane multipliers and shifts.
 *
 * SRDHM(a, b) = (a * b + nudge) / 2^31 (C division), nudge 2^30 for a * b >= 0 and
 * 1 - 2^30 below, equals floor((a * b + 2^30) / 2^31) in both cases: for a negative
 * numerator x, trunc(x / 2^31) = floor((x + 2^31 - 1) / 2^31), and 1 - 2^30 + 2^31 - 1
 * = 2^30. (The saturating case needs b = INT32_MIN; multipliers lie in [0, 2^31).)
 * The floor is a 64-bit shift right by 31, whose low 32 bits are the same logical or
 * arithmetic. RDBPOT then follows its definition lane by lane. */
__attribute__((target("avx2")))
static inline __m256i
multiply_by_quantized_multiplier_avx2 (__m256i x,
                                       __m256i multiplier,
                                       __m256i shift)
{
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i one = _mm256_set1_epi32 (1);
  const __m256i half = _mm256_set1_epi64x (G_GINT64_CONSTANT (1) << 30);
  __m256i left = _mm256_max_epi32 (shift, zero);
  __m256i right = _mm256_max_epi32 (_mm256_sub_epi32 (zero, shift), zero);
  __m256i even, odd, high, mask, remainder, threshold, result;

  x = _mm256_sllv_epi32 (x, left);

  even = _mm256_mul_epi32 (x, multiplier);
  odd = _mm256_mul_epi32 (_mm256_srli_epi64 (x, 32), _mm256_srli_epi64 (multiplier, 32));
  even = _mm256_srli_epi64 (_mm256_add_epi64 (even, half), 31);
  odd = _mm256_slli_epi64 (_mm256_srli_epi64 (_mm256_add_epi64 (odd, half), 31), 32);
  high = _mm256_blend_epi32 (even, odd, 0xAA);

  mask = _mm256_sub_epi32 (_mm256_sllv_epi32 (one, right), one);
  remainder = _mm256_and_si256 (high, mask);
  threshold = _mm256_add_epi32 (_mm256_srli_epi32 (mask, 1),
                                _mm256_and_si256 (_mm256_cmpgt_epi32 (zero, high), one));
  result = _mm256_srav_epi32 (high, right);
  /* cmpgt gives -1 where the remainder exceeds the threshold. */
  return _mm256_sub_epi32 (result, _mm256_cmpgt_epi32 (remainder, threshold));
}

__attribute__((target("avx2")))
static void
requantize_row_avx2 (const BitlensRequantize *requantize,
                     const gint32            *acc,
                     const gint32            *bias,
                     int                      n,
                     gint8                   *out)
{
  const __m256i offset = _mm256_set1_epi32 (requantize->output_offset);
  const __m256i low = _mm256_set1_epi32 (requantize->act_min);
  const __m256i high = _mm256_set1_epi32 (requantize->act_max);
  int c = 0;

  for (; c + 8 <= n; c += 8)
    {
      __m256i x = _mm256_loadu_si256 ((const __m256i *) (acc + c));
      __m256i multiplier = _mm256_loadu_si256 ((const __m256i *) (requantize->multipliers + c));
      __m256i shift = _mm256_loadu_si256 ((const __m256i *) (requantize->shifts + c));
      __m256i value;
      __m128i words;

      if (bias != NULL)
        x = _mm256_add_epi32 (x, _mm256_loadu_si256 ((const __m256i *) (bias + c)));
      value = _mm256_add_epi32 (multiply_by_quantized_multiplier_avx2 (x, multiplier, shift), offset);
      value = _mm256_min_epi32 (_mm256_max_epi32 (value, low), high);
      /* Values fit in int8 now: the saturating packs keep them and their order. */
      words = _mm_packs_epi32 (_mm256_castsi256_si128 (value), _mm256_extracti128_si256 (value, 1));
      _mm_storel_epi64 ((__m128i *) (out + c), _mm_packs_epi16 (words, words));
    }
  requantize_channels (requantize, acc, bias, c, n, out);
}
#endif

void
bitlens_requantize_row (const BitlensRequantize *requantize,
                        const gint32            *acc,
                        const gint32            *bias,
                        int                      n,
                        gint8                   *out)
{
  G_STATIC_ASSERT (sizeof (int) == sizeof (gint32));

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    {
      requantize_row_avx2 (requantize, acc, bias, n, out);
      return;
    }
#endif
  requantize_channels (requantize, acc, bias, 0, n, out);
}
