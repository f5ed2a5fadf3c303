/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>

#include "kernels/fixedpoint.h"

/* The gemmlowp fixed-point functions against double-precision math within the error
 * bounds gemmlowp's own tests document (test/test_fixedpoint.cc: exp 3e-7,
 * 1/(1+x) 3e-9, logistic 8e-8), and against values worked by hand from the
 * definitions: each literal below comes with the intermediate steps that produce it. */

static double
to_double (gint32 raw,
           int    integer_bits)
{
  return raw / ldexp (1.0, 31 - integer_bits);
}

/* Raw test values: around every power of two, the extremes, and a pseudo-random sweep. */
static GArray *
make_test_values (void)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (gint32));
  guint32 state = 12345;

  for (int i = 0; i < 31; i++)
    for (int delta = -2; delta <= 2; delta++)
      {
        gint32 positive = (gint32) ((1u << i) + (guint32) delta);
        gint32 negative = (gint32) (-(gint64) (1u << i) + delta);
        g_array_append_val (values, positive);
        g_array_append_val (values, negative);
      }
  for (gint64 extreme = G_MININT32; extreme <= G_MININT32 + 2; extreme++)
    {
      gint32 value = (gint32) extreme;
      g_array_append_val (values, value);
    }
  for (gint64 extreme = G_MAXINT32 - 2; extreme <= G_MAXINT32; extreme++)
    {
      gint32 value = (gint32) extreme;
      g_array_append_val (values, value);
    }
  for (int i = 0; i < 20000; i++)
    {
      gint32 value;
      state = state * 1664525u + 1013904223u;
      value = (gint32) state;
      g_array_append_val (values, value);
    }
  return values;
}

static void
test_saturating_rounding_multiply_by_pot (void)
{
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (3, 2), ==, 12);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (-3, 2), ==, -12);
  /* threshold for exponent 2: 2^29 - 1 */
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot ((1 << 29) - 1, 2), ==, G_MAXINT32 - 3);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (1 << 29, 2), ==, G_MAXINT32);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (-(1 << 29), 2), ==, G_MININT32);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (-(1 << 29) + 1, 2), ==, G_MININT32 + 4);
  /* negative exponents round to nearest, ties away from zero */
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (5, -1), ==, 3);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (-5, -1), ==, -3);
  g_assert_cmpint (bitlens_fixedpoint_saturating_rounding_multiply_by_pot (123456, 0), ==, 123456);

  /* Rescale Q5 1.0 (2^26) to Q12: 2^26 / 2^7 = 2^19 */
  g_assert_cmpint (bitlens_fixedpoint_rescale (1 << 26, 5, 12), ==, 1 << 19);
  /* Q0 INT32_MAX to Q12: (2^31 - 1) / 2^12 = 524287.9998 -> 524288 */
  g_assert_cmpint (bitlens_fixedpoint_rescale (G_MAXINT32, 0, 12), ==, 524288);
  /* Q5 -1/4 (-2^24) to Q0: * 2^5 = -2^29 */
  g_assert_cmpint (bitlens_fixedpoint_rescale (-(1 << 24), 5, 0), ==, -(1 << 29));
}

static void
test_rounding_half_sum (void)
{
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (1, 2), ==, 2);        /* (3 + 1) / 2 */
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (-1, -2), ==, -2);     /* (-3 - 1) / 2 */
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (2, 4), ==, 3);        /* (6 + 1) / 2 = 3 */
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (0, G_MAXINT32), ==, 1 << 30);
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (G_MAXINT32, G_MAXINT32), ==, G_MAXINT32);
  g_assert_cmpint (bitlens_fixedpoint_rounding_half_sum (G_MININT32, G_MININT32), ==, G_MININT32);
}

static void
test_exp_on_interval (void)
{
  g_autoptr(GArray) values = make_test_values ();
  double max_error = 0.0;

  /* a = -1/4 = -2^29, worked by hand:
   *   x = a + 1/8 = -268435456
   *   x2 = SRDHM (x, x) = (2^56 + 2^30) / 2^31 -> 33554432
   *   x3 = SRDHM (x2, x) = -4194304,  x4 = SRDHM (x2, x2) = 524288,  x4/4 = 131072
   *   SRDHM (x4/4 + x3 = -4063232, 715827883 (1/3)) = -1354411
   *   RDBPOT (-1354411 + x2 = 32200021, 1) = 16100011
   *   SRDHM (1895147668 (exp -1/8), x + 16100011 = -252335445) = -222685249
   *   result = 1895147668 - 222685249 = 1672462419  (exp (-1/4) = 0.77880078, raw 1672461947) */
  g_assert_cmpint (bitlens_fixedpoint_exp_on_interval_between_negative_one_quarter_and_0_excl (-(1 << 29)),
                   ==, 1672462419);

  /* Map every test value into [-1/4, 0) as gemmlowp's test does: a / 8 - 1/8. */
  for (guint i = 0; i < values->len; i++)
    {
      gint32 raw = g_array_index (values, gint32, i);
      gint32 a = bitlens_fixedpoint_saturating_rounding_multiply_by_pot (raw, -3) - (1 << 28);
      double expected = exp (to_double (a, 0));
      double actual = to_double (bitlens_fixedpoint_exp_on_interval_between_negative_one_quarter_and_0_excl (a), 0);

      max_error = MAX (max_error, fabs (expected - actual));
    }
  g_test_message ("exp on [-1/4, 0): max error %g", max_error);
  g_assert_cmpfloat (max_error, <, 3e-7);
}

static void
test_exp_on_negative_values (void)
{
  g_autoptr(GArray) values = make_test_values ();

  /* Q5 -1.0 = -2^26: a mod 1/4 = 0, so a_mod_quarter_minus_quarter = -2^24 (Q0: -2^29),
   * exp on the interval gives 1672462419 (above); remainder = -2^24 + 2^26 = 3 * 2^24
   * has the bits of 1/4 and 1/2:
   *   SRDHM (1672462419, 1672461947 (exp -1/4)) = 1302515042
   *   SRDHM (1302515042, 1302514674 (exp -1/2)) = 790015308  (exp (-1) raw 790015084) */
  g_assert_cmpint (bitlens_fixedpoint_exp_on_negative_values (-(1 << 26), 5), ==, 790015308);
  /* Q4 -1.0 = -2^27 takes the same steps. */
  g_assert_cmpint (bitlens_fixedpoint_exp_on_negative_values (-(1 << 27), 4), ==, 790015308);
  g_assert_cmpint (bitlens_fixedpoint_exp_on_negative_values (0, 5), ==, G_MAXINT32);
  /* Q6 below -32 is clamped to 0; -64 (INT32_MIN) is below */
  g_assert_cmpint (bitlens_fixedpoint_exp_on_negative_values (G_MININT32, 6), ==, 0);

  for (int integer_bits = 1; integer_bits <= 6; integer_bits++)
    {
      double max_error = 0.0;

      for (guint i = 0; i < values->len; i++)
        {
          gint32 a = g_array_index (values, gint32, i);
          double expected, actual;

          if (a >= 0)
            continue;
          expected = exp (to_double (a, integer_bits));
          actual = to_double (bitlens_fixedpoint_exp_on_negative_values (a, integer_bits), 0);
          max_error = MAX (max_error, fabs (expected - actual));
        }
      g_test_message ("exp on negative values, Q%d: max error %g", integer_bits, max_error);
      g_assert_cmpfloat (max_error, <, 3e-7);
    }
}

static void
test_one_over_one_plus_x (void)
{
  g_autoptr(GArray) values = make_test_values ();
  double max_error = 0.0;

  /* x = 0: half_denominator = (0 + 2^31 - 1 + 1) / 2 = 2^30;
   * estimate = 1515870810 + SRDHM (2^30, -1010580540) = 1010580540 (32/17 in Q2);
   * Newton steps (p = SRDHM (hd, e), 2^29 - p, Rescale<2> (SRDHM (e, 2^29 - p)), new e):
   *   505290270, 31580642, 59445916, 1070026456
   *   535013228, 1857684, 3702512, 1073728968
   *   536864484, 6428, 12856, 1073741824 = 2^30 (2.0 in Q2)
   * and Rescale<0> of 2^30 as a Q1 value, 2^30 * 2, saturates to INT32_MAX. */
  g_assert_cmpint (bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (0), ==, G_MAXINT32);
  /* x = exp (-1) = 790015308: half_denominator 1468749478; estimates 782957593,
   * 784962961, 784968113; * 2 = 1569936226 (1 / (1 + e^-1) = 0.7310585786) */
  g_assert_cmpint (bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (790015308), ==, 1569936226);

  for (guint i = 0; i < values->len; i++)
    {
      gint32 a = g_array_index (values, gint32, i);
      double expected, actual;

      if (a <= 0)
        continue;
      expected = 1.0 / (1.0 + to_double (a, 0));
      actual = to_double (bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (a), 0);
      max_error = MAX (max_error, fabs (expected - actual));
    }
  g_test_message ("1 / (1 + x): max error %g", max_error);
  g_assert_cmpfloat (max_error, <, 3e-9);
}

static void
test_logistic (void)
{
  g_autoptr(GArray) values = make_test_values ();

  g_assert_cmpint (bitlens_fixedpoint_logistic (0, 4), ==, 1 << 30);
  /* Q4 1.0: 1 / (1 + exp (-1)) with exp (-1) = 790015308 (above) -> 1569936226 */
  g_assert_cmpint (bitlens_fixedpoint_logistic (1 << 27, 4), ==, 1569936226);
  /* Q4 -1.0: INT32_MAX - 1569936226 */
  g_assert_cmpint (bitlens_fixedpoint_logistic (-(1 << 27), 4), ==, 577547421);

  for (int integer_bits = 1; integer_bits <= 6; integer_bits++)
    {
      double max_error = 0.0;

      for (guint i = 0; i < values->len; i++)
        {
          gint32 a = g_array_index (values, gint32, i);
          double expected = 1.0 / (1.0 + exp (-to_double (a, integer_bits)));
          double actual = to_double (bitlens_fixedpoint_logistic (a, integer_bits), 0);

          max_error = MAX (max_error, fabs (expected - actual));
        }
      g_test_message ("logistic, Q%d: max error %g", integer_bits, max_error);
      g_assert_cmpfloat (max_error, <, 8e-8);
    }
}

static void
test_get_reciprocal (void)
{
  g_autoptr(GArray) values = make_test_values ();
  int num_bits_over_unit = -1;
  double max_error = 0.0;

  /* Q12 1.0 = 2^19: clz 12, no bits over the unit, 1 / (1 + 0) = INT32_MAX */
  g_assert_cmpint (bitlens_fixedpoint_get_reciprocal (1 << 19, 12, &num_bits_over_unit), ==, G_MAXINT32);
  g_assert_cmpint (num_bits_over_unit, ==, 0);
  /* Q12 717163 (1.3679): clz 12; (717163 << 12) - 2^31 = 790016000;
   * 1 / (1 + 0.36788) -> 1569935852 */
  g_assert_cmpint (bitlens_fixedpoint_get_reciprocal (717163, 12, &num_bits_over_unit), ==, 1569935852);
  g_assert_cmpint (num_bits_over_unit, ==, 0);
  /* Q12 2.0 = 2^20: clz 11, one bit over the unit */
  g_assert_cmpint (bitlens_fixedpoint_get_reciprocal (1 << 20, 12, &num_bits_over_unit), ==, G_MAXINT32);
  g_assert_cmpint (num_bits_over_unit, ==, 1);

  for (guint i = 0; i < values->len; i++)
    {
      gint32 x = g_array_index (values, gint32, i);
      double expected, actual;

      if (x <= 0)
        continue;
      actual = to_double (bitlens_fixedpoint_get_reciprocal (x, 12, &num_bits_over_unit), 0);
      /* result * 2^-num_bits_over_unit = 1 / x */
      expected = ldexp (1.0 / to_double (x, 12), num_bits_over_unit);
      max_error = MAX (max_error, fabs (expected - actual));
    }
  g_test_message ("GetReciprocal: max error %g", max_error);
  g_assert_cmpfloat (max_error, <, 3e-9);
}

static void
test_input_radius (void)
{
  /* floor ((2^m - 1) * 2^(31 - m) / 2^shift) */
  g_assert_cmpint (bitlens_fixedpoint_input_radius (5, 23), ==, 248);     /* 31 * 2^26 / 2^23 */
  g_assert_cmpint (bitlens_fixedpoint_input_radius (5, 26), ==, 31);
  g_assert_cmpint (bitlens_fixedpoint_input_radius (5, 20), ==, 1984);
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 24), ==, 120);     /* 15 * 2^27 / 2^24 */
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 25), ==, 60);
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 30), ==, 1);       /* 1.875 */
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 31), ==, 0);       /* 0.9375 */
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 0), ==, 2013265920);
  g_assert_cmpint (bitlens_fixedpoint_input_radius (4, 63), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fixedpoint/saturating-rounding-multiply-by-pot", test_saturating_rounding_multiply_by_pot);
  g_test_add_func ("/fixedpoint/rounding-half-sum", test_rounding_half_sum);
  g_test_add_func ("/fixedpoint/exp-on-interval", test_exp_on_interval);
  g_test_add_func ("/fixedpoint/exp-on-negative-values", test_exp_on_negative_values);
  g_test_add_func ("/fixedpoint/one-over-one-plus-x", test_one_over_one_plus_x);
  g_test_add_func ("/fixedpoint/logistic", test_logistic);
  g_test_add_func ("/fixedpoint/get-reciprocal", test_get_reciprocal);
  g_test_add_func ("/fixedpoint/input-radius", test_input_radius);

  return g_test_run ();
}
