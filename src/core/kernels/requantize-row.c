/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "cpu-features.h"
#include "requantize-row.h"

static void
requantize_channels (const BitlensRequantize *requantize,
                     const gint32            *acc,
                     const gint32            *bias,
                     int                      first,
                     int                      n,
                     gint8                   *out)
{
  for (int c = first; c < n; c++)
    out[c] = bitlens_requantize_apply (requantize, bias != NULL ? (gint32) ((guint32) acc[c] + (guint32) bias[c]) : acc[c], c);
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
__attribute__((target("avx2")))
static void
requantize_row_avx2 (const BitlensRequantize *requantize,
                     const gint32            *acc,
                     const gint32            *bias,
                     int                      n,
                     gint8                   *out)
{
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i one = _mm256_set1_epi32 (1);
  const __m256i offset = _mm256_set1_epi32 (requantize->output_offset);
  const __m256i low = _mm256_set1_epi32 (requantize->act_min);
  const __m256i high = _mm256_set1_epi32 (requantize->act_max);
  int c = 0;

  for (; c + 8 <= n; c += 8)
    {
      __m256i x = _mm256_loadu_si256 ((const __m256i *) (acc + c));
      __m256i multiplier = _mm256_loadu_si256 ((const __m256i *) (requantize->multipliers + c));
      __m256i shift = _mm256_loadu_si256 ((const __m256i *) (requantize->shifts + c));
      __m256i left = _mm256_max_epi32 (shift, zero);
      __m256i right = _mm256_max_epi32 (_mm256_sub_epi32 (zero, shift), zero);
      __m256i mask = _mm256_sub_epi32 (_mm256_sllv_epi32 (one, right), one);
      __m256i value;

      if (bias != NULL)
        x = _mm256_add_epi32 (x, _mm256_loadu_si256 ((const __m256i *) (bias + c)));
      value = bitlens_mbqm_avx2 (x, multiplier, _mm256_srli_epi64 (multiplier, 32), left, right,
                                 mask, _mm256_srli_epi32 (mask, 1));
      value = _mm256_add_epi32 (value, offset);
      value = _mm256_min_epi32 (_mm256_max_epi32 (value, low), high);
      _mm_storel_epi64 ((__m128i *) (out + c), bitlens_pack8_int8_avx2 (value));
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

static void
widen_int8_portable (const gint8 *x,
                     gint16       offset,
                     int          n,
                     gint16      *out)
{
  for (int c = 0; c < n; c++)
    out[c] = (gint16) (x[c] + offset);
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
__attribute__((target("avx2")))
static void
widen_int8_avx2 (const gint8 *x,
                 gint16       offset,
                 int          n,
                 gint16      *out)
{
  __m256i offset16 = _mm256_set1_epi16 (offset);
  int c = 0;

  for (; c + 16 <= n; c += 16)
    {
      __m256i wide = _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) (x + c)));
      _mm256_storeu_si256 ((__m256i *) (out + c), _mm256_add_epi16 (wide, offset16));
    }
  if (c + 8 <= n)
    {
      __m128i wide = _mm_cvtepi8_epi16 (_mm_loadl_epi64 ((const __m128i *) (x + c)));
      _mm_storeu_si128 ((__m128i *) (out + c), _mm_add_epi16 (wide, _mm256_castsi256_si128 (offset16)));
      c += 8;
    }
  widen_int8_portable (x + c, offset, n - c, out + c);
}
#endif

BitlensWidenFunc
bitlens_widen_int8_func (void)
{
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  if (bitlens_cpu_has_avx2 ())
    return widen_int8_avx2;
#endif
  return widen_int8_portable;
}

void
bitlens_requantize_lanes_init (BitlensRequantizeLanes  *lanes,
                               const BitlensRequantize *requantize,
                               const gint32            *bias,
                               int                      n)
{
  int padded = (n + 7) / 8 * 8;
  gint32 *values;

  g_assert (n > 0 && n <= requantize->n_channels && n <= G_MAXINT / 8 - 8);
  values = g_new0 (gint32, (gsize) 7 * padded);
  lanes->n_padded = padded;
  lanes->start = values;
  lanes->multiplier = values + padded;
  lanes->multiplier_odd = values + 2 * padded;
  lanes->left = values + 3 * padded;
  lanes->right = values + 4 * padded;
  lanes->mask = values + 5 * padded;
  lanes->half_mask = values + 6 * padded;
  for (int c = 0; c < n; c++)
    {
      int shift = requantize->shifts[c];

      lanes->start[c] = bias != NULL ? bias[c] : 0;
      lanes->multiplier[c] = requantize->multipliers[c];
      lanes->left[c] = shift > 0 ? shift : 0;
      lanes->right[c] = shift > 0 ? 0 : -shift;
      lanes->mask[c] = (gint32) ((G_GINT64_CONSTANT (1) << lanes->right[c]) - 1);
      lanes->half_mask[c] = lanes->mask[c] >> 1;
    }
  for (int c = 0; c + 1 < padded; c += 2)
    lanes->multiplier_odd[c] = lanes->multiplier[c + 1];
}

void
bitlens_requantize_lanes_clear (BitlensRequantizeLanes *lanes)
{
  g_clear_pointer (&lanes->start, g_free);
  memset (lanes, 0, sizeof *lanes);
}
