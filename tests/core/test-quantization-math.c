/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "kernels/quantization-math.h"

/* Values worked by hand from the definitions in SEMANTICS.md section 2. */
static void
test_srdhm (void)
{
  g_assert_cmpint (bitlens_srdhm (G_MININT32, G_MININT32), ==, G_MAXINT32);
  /* 2^30 * 2^30 / 2^31 = 2^29 */
  g_assert_cmpint (bitlens_srdhm (1 << 30, 1 << 30), ==, 1 << 29);
  /* 3 * 2^30 / 2^31 = 1.5 -> nudge rounds half away from zero */
  g_assert_cmpint (bitlens_srdhm (3, 1 << 30), ==, 2);
  g_assert_cmpint (bitlens_srdhm (-3, 1 << 30), ==, -1);
  g_assert_cmpint (bitlens_srdhm (-5, 1 << 30), ==, -2);
}

static void
test_rounding_divide_by_pot (void)
{
  g_assert_cmpint (bitlens_rounding_divide_by_pot (5, 1), ==, 3);    /* 2.5 -> 3 */
  g_assert_cmpint (bitlens_rounding_divide_by_pot (-5, 1), ==, -3);  /* -2.5 -> -3 */
  g_assert_cmpint (bitlens_rounding_divide_by_pot (7, 2), ==, 2);    /* 1.75 -> 2 */
  g_assert_cmpint (bitlens_rounding_divide_by_pot (-6, 2), ==, -2);  /* -1.5 -> -2 */
  g_assert_cmpint (bitlens_rounding_divide_by_pot (6, 2), ==, 2);    /* 1.5 -> 2 */
  g_assert_cmpint (bitlens_rounding_divide_by_pot (123, 0), ==, 123);
}

static void
test_quantize_multiplier (void)
{
  gint32 q;
  int shift;

  bitlens_quantize_multiplier (0.5, &q, &shift);
  g_assert_cmpint (q, ==, 1 << 30);
  g_assert_cmpint (shift, ==, 0);

  bitlens_quantize_multiplier (0.25, &q, &shift);
  g_assert_cmpint (q, ==, 1 << 30);
  g_assert_cmpint (shift, ==, -1);

  /* frexp gives 0.99999999999 whose fixed value rounds to 2^31: halved, shift + 1 */
  bitlens_quantize_multiplier (0.99999999999, &q, &shift);
  g_assert_cmpint (q, ==, 1 << 30);
  g_assert_cmpint (shift, ==, 1);

  bitlens_quantize_multiplier (1e-12, &q, &shift);
  g_assert_cmpint (q, ==, 0);
  g_assert_cmpint (shift, ==, 0);

  bitlens_quantize_multiplier (0.0, &q, &shift);
  g_assert_cmpint (q, ==, 0);
}

static void
test_multiply_by_quantized_multiplier (void)
{
  gint32 q;
  int shift;

  bitlens_quantize_multiplier (0.25, &q, &shift);
  g_assert_cmpint (bitlens_multiply_by_quantized_multiplier (100, q, shift), ==, 25);
  g_assert_cmpint (bitlens_multiply_by_quantized_multiplier (-102, q, shift), ==, -26); /* -25.5 */
  bitlens_quantize_multiplier (3.0, &q, &shift);
  g_assert_cmpint (bitlens_multiply_by_quantized_multiplier (7, q, shift), ==, 21);
}

static void
test_padding (void)
{
  int out, before;

  g_assert_true (bitlens_compute_padding (BITLENS_PADDING_SAME, 96, 3, 2, 1, &out, &before));
  g_assert_cmpint (out, ==, 48);
  g_assert_cmpint (before, ==, 0);      /* total 1: the extra goes after */
  g_assert_true (bitlens_compute_padding (BITLENS_PADDING_SAME, 5, 3, 1, 2, &out, &before));
  g_assert_cmpint (out, ==, 5);
  g_assert_cmpint (before, ==, 2);
  g_assert_true (bitlens_compute_padding (BITLENS_PADDING_VALID, 227, 11, 4, 1, &out, &before));
  g_assert_cmpint (out, ==, 55);
  g_assert_cmpint (before, ==, 0);
  g_assert_false (bitlens_compute_padding (BITLENS_PADDING_VALID, 2, 3, 1, 1, &out, &before));
  g_assert_false (bitlens_compute_padding (BITLENS_PADDING_SAME, 4, 3, 0, 1, &out, &before));
}

static void
test_activation_range (void)
{
  gint32 low, high;

  bitlens_activation_range_quantized (BITLENS_ACTIVATION_RELU6, 0.0235294f, -128, -128, 127, &low, &high);
  g_assert_cmpint (low, ==, -128);
  g_assert_cmpint (high, ==, 127);
  bitlens_activation_range_quantized (BITLENS_ACTIVATION_RELU6, 0.1f, -10, -128, 127, &low, &high);
  g_assert_cmpint (low, ==, -10);
  g_assert_cmpint (high, ==, 50);
  bitlens_activation_range_quantized (BITLENS_ACTIVATION_NONE, 0.1f, -10, -128, 127, &low, &high);
  g_assert_cmpint (low, ==, -128);
  g_assert_cmpint (high, ==, 127);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quantization-math/srdhm", test_srdhm);
  g_test_add_func ("/quantization-math/rounding-divide-by-pot", test_rounding_divide_by_pot);
  g_test_add_func ("/quantization-math/quantize-multiplier", test_quantize_multiplier);
  g_test_add_func ("/quantization-math/multiply-by-quantized-multiplier", test_multiply_by_quantized_multiplier);
  g_test_add_func ("/quantization-math/padding", test_padding);
  g_test_add_func ("/quantization-math/activation-range", test_activation_range);
  return g_test_run ();
}
