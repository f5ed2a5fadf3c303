/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include "kernel-prepare-util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BITLENS_REQUANTIZE_HAVE_AVX2 1
#endif

G_BEGIN_DECLS

/* The int8 requantization of one output pixel's channels, vectorized where the CPU allows
 * (AVX2, unless BITLENS_CPU=generic): out[c] = clamp(MBQM(acc[c] + bias[c], m[c], s[c])
 * + zp_out) for c in [0, n), bit-identical to bitlens_requantize_apply. @bias may be
 * NULL. Used by the optimized convolution twins. */
void     bitlens_requantize_row   (const BitlensRequantize *requantize,
                                   const gint32            *acc,
                                   const gint32            *bias,
                                   int                      n,
                                   gint8                   *out);

/* out[c] = x[c] + offset as int16, c < n: int8 activations minus their zero point (the
 * patches of the convolution twins). The function for the CPU (AVX2 unless
 * BITLENS_CPU=generic), chosen once per kernel call. */
typedef void (*BitlensWidenFunc) (const gint8 *x,
                                  gint16       offset,
                                  int          n,
                                  gint16      *out);

BitlensWidenFunc bitlens_widen_int8_func (void);

/* The per-channel parameters of a BitlensRequantize laid out for 8-lane vectors, computed
 * once at prepare so that a kernel can requantize its accumulators in registers (the
 * epilogue of its inner loop). Arrays hold n_padded = n rounded up to a multiple of 8
 * entries; padding channels have multiplier 0 and shift 0. */
typedef struct
{
  int      n_padded;
  gint32  *start;            /* each accumulator's initial value: the bias, or 0 */
  gint32  *multiplier;
  gint32  *multiplier_odd;   /* multiplier[c + 1] at even c: the odd lanes for _mm256_mul_epi32 */
  gint32  *left;             /* max (shift, 0) */
  gint32  *right;            /* max (-shift, 0) */
  gint32  *mask;             /* 2^right - 1 */
  gint32  *half_mask;        /* mask >> 1 */
} BitlensRequantizeLanes;

/* @bias (n entries) may be NULL. One allocation, freed by _clear. */
void     bitlens_requantize_lanes_init  (BitlensRequantizeLanes  *lanes,
                                         const BitlensRequantize *requantize,
                                         const gint32            *bias,
                                         int                      n);
void     bitlens_requantize_lanes_clear (BitlensRequantizeLanes  *lanes);

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* Eight lanes of MultiplyByQuantizedMultiplier with per-lane parameters.
 *
 * SRDHM(a, b) = (a * b + nudge) / 2^31 (C division), nudge 2^30 for a * b >= 0 and
 * 1 - 2^30 below, equals floor((a * b + 2^30) / 2^31) in both cases: for a negative
 * numerator x, trunc(x / 2^31) = floor((x + 2^31 - 1) / 2^31), and 1 - 2^30 + 2^31 - 1
 * = 2^30. (The saturating case needs b = INT32_MIN; multipliers lie in [0, 2^31).)
 * The floor is a 64-bit shift right by 31, whose low 32 bits (bits 31..62 of the sum)
 * are the same logical or arithmetic; for the odd lanes a shift left by 1 puts those
 * bits in the upper half. RDBPOT then follows its definition lane by lane. */
__attribute__((target("avx2")))
static inline __m256i
bitlens_mbqm_avx2 (__m256i x,
                   __m256i multiplier,
                   __m256i multiplier_odd,
                   __m256i left,
                   __m256i right,
                   __m256i mask,
                   __m256i half_mask)
{
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i half = _mm256_set1_epi64x (G_GINT64_CONSTANT (1) << 30);
  __m256i even, odd, high, threshold, result;

  x = _mm256_sllv_epi32 (x, left);
  even = _mm256_mul_epi32 (x, multiplier);
  odd = _mm256_mul_epi32 (_mm256_srli_epi64 (x, 32), multiplier_odd);
  even = _mm256_srli_epi64 (_mm256_add_epi64 (even, half), 31);
  odd = _mm256_slli_epi64 (_mm256_add_epi64 (odd, half), 1);
  high = _mm256_blend_epi32 (even, odd, 0xAA);

  /* threshold = half_mask + (high < 0); cmpgt gives -1 where true. */
  threshold = _mm256_sub_epi32 (half_mask, _mm256_cmpgt_epi32 (zero, high));
  result = _mm256_srav_epi32 (high, right);
  return _mm256_sub_epi32 (result, _mm256_cmpgt_epi32 (_mm256_and_si256 (high, mask), threshold));
}

/* Channels [c, c + 8) of one pixel: clamp(MBQM(acc) + zp_out), as int32 lanes. @acc
 * already holds the bias (it started from lanes->start). */
__attribute__((target("avx2")))
static inline __m256i
bitlens_requantize_lanes_avx2 (const BitlensRequantizeLanes *lanes,
                               const BitlensRequantize      *requantize,
                               int                           c,
                               __m256i                       acc)
{
  __m256i value = bitlens_mbqm_avx2 (acc,
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->multiplier + c)),
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->multiplier_odd + c)),
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->left + c)),
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->right + c)),
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->mask + c)),
                                     _mm256_loadu_si256 ((const __m256i *) (lanes->half_mask + c)));

  value = _mm256_add_epi32 (value, _mm256_set1_epi32 (requantize->output_offset));
  value = _mm256_max_epi32 (value, _mm256_set1_epi32 (requantize->act_min));
  return _mm256_min_epi32 (value, _mm256_set1_epi32 (requantize->act_max));
}

/* Values already in [-128, 127]: the saturating packs keep them and their order. */
__attribute__((target("avx2")))
static inline __m128i
bitlens_pack16_int8_avx2 (__m256i low,
                          __m256i high)
{
  /* packs works within 128-bit halves: [l0..3 h0..3 | l4..7 h4..7]; the permute puts
   * the quarters in channel order. */
  __m256i words = _mm256_permute4x64_epi64 (_mm256_packs_epi32 (low, high), 0xD8);

  return _mm_packs_epi16 (_mm256_castsi256_si128 (words), _mm256_extracti128_si256 (words, 1));
}

__attribute__((target("avx2")))
static inline __m128i
bitlens_pack8_int8_avx2 (__m256i value)
{
  __m128i words = _mm_packs_epi32 (_mm256_castsi256_si128 (value), _mm256_extracti128_si256 (value, 1));

  return _mm_packs_epi16 (words, words);
}

/* Stores the first n (1..8) bytes of the low 8 bytes of @bytes. */
static inline void
bitlens_store_partial_int8 (gint8   *out,
                            __m128i  bytes,
                            int      n)
{
  gint8 tmp[16];

  _mm_storeu_si128 ((__m128i *) tmp, bytes);
  memcpy (out, tmp, n);
}
#endif

G_END_DECLS
