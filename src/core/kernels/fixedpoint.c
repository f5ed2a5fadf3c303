/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include "fixedpoint.h"
#include "quantization-math.h"

/* Raw constants of gemmlowp, each the nearest Q0 (or Q2) value of the real number named. */
#define EXP_MINUS_ONE_EIGHTH        1895147668   /* Q0 exp (-1/8) */
#define ONE_THIRD                    715827883   /* Q0 1/3 */
#define FORTY_EIGHT_OVER_SEVENTEEN  1515870810   /* Q2 48/17 */
#define MINUS_THIRTY_TWO_OVER_SEVENTEEN (-1010580540)  /* Q2 -32/17 */

/* Q0 exp (-2^k) for k = -2 .. 4, the factors of the barrel shifter in
 * exp_on_negative_values. */
static const gint32 exp_of_minus_power_of_two[] = {
  1672461947,   /* exp (-1/4) */
  1302514674,   /* exp (-1/2) */
  790015084,    /* exp (-1) */
  290630308,    /* exp (-2) */
  39332535,     /* exp (-4) */
  720401,       /* exp (-8) */
  242,          /* exp (-16) */
};
#define FIRST_BARREL_EXPONENT (-2)

/* Two's-complement wrapping arithmetic, as the reference's int32 operators behave. */
static inline gint32
wrapping_add (gint32 a, gint32 b)
{
  return (gint32) ((guint32) a + (guint32) b);
}

static inline gint32
wrapping_sub (gint32 a, gint32 b)
{
  return (gint32) ((guint32) a - (guint32) b);
}

gint32
bitlens_fixedpoint_one (int integer_bits)
{
  g_assert (integer_bits >= 0 && integer_bits < 31);
  return integer_bits == 0 ? G_MAXINT32 : (gint32) 1 << (31 - integer_bits);
}

gint32
bitlens_fixedpoint_saturating_rounding_multiply_by_pot (gint32 x,
                                                        int    exponent)
{
  g_assert (exponent >= -31 && exponent <= 31);

  if (exponent < 0)
    return bitlens_rounding_divide_by_pot (x, -exponent);
  if (exponent == 0)
    return x;

  gint32 threshold = (gint32) ((G_GINT64_CONSTANT (1) << (31 - exponent)) - 1);
  if (x > threshold)
    return G_MAXINT32;
  if (x < -threshold)
    return G_MININT32;
  return (gint32) ((guint32) x << exponent);
}

gint32
bitlens_fixedpoint_rescale (gint32 x,
                            int    source_bits,
                            int    destination_bits)
{
  return bitlens_fixedpoint_saturating_rounding_multiply_by_pot (x, source_bits - destination_bits);
}

gint32
bitlens_fixedpoint_rounding_half_sum (gint32 a,
                                      gint32 b)
{
  gint64 sum = (gint64) a + (gint64) b;
  gint64 sign = sum >= 0 ? 1 : -1;
  return (gint32) ((sum + sign) / 2);
}

gint32
bitlens_fixedpoint_exp_on_interval_between_negative_one_quarter_and_0_excl (gint32 a)
{
  /* Taylor expansion around -1/8 in x = a + 1/8:
   * exp (a) = exp (-1/8) * (1 + x + x^2/2 + x^3/6 + x^4/24). */
  gint32 x = wrapping_add (a, 1 << 28);
  gint32 x2 = bitlens_srdhm (x, x);
  gint32 x3 = bitlens_srdhm (x2, x);
  gint32 x4 = bitlens_srdhm (x2, x2);
  gint32 x4_over_4 = bitlens_fixedpoint_saturating_rounding_multiply_by_pot (x4, -2);
  gint32 x4_over_24_plus_x3_over_6_plus_x2_over_2 =
    bitlens_fixedpoint_saturating_rounding_multiply_by_pot (
      wrapping_add (bitlens_srdhm (wrapping_add (x4_over_4, x3), ONE_THIRD), x2), -1);

  return wrapping_add (EXP_MINUS_ONE_EIGHTH,
                       bitlens_srdhm (EXP_MINUS_ONE_EIGHTH,
                                      wrapping_add (x, x4_over_24_plus_x3_over_6_plus_x2_over_2)));
}

gint32
bitlens_fixedpoint_exp_on_negative_values (gint32 a,
                                           int    integer_bits)
{
  g_assert (integer_bits >= 1 && integer_bits <= 29);

  int fractional_bits = 31 - integer_bits;
  gint32 one_quarter = (gint32) 1 << (fractional_bits - 2);
  gint32 mask = one_quarter - 1;

  /* Split a = (a mod 1/4 - 1/4) - remainder, remainder a non-negative multiple of 1/4:
   * exp (a) = exp (a mod 1/4 - 1/4) * product of exp (-2^k) over the bits of remainder. */
  gint32 a_mod_quarter_minus_one_quarter = wrapping_sub (a & mask, one_quarter);
  gint32 result = bitlens_fixedpoint_exp_on_interval_between_negative_one_quarter_and_0_excl (
    bitlens_fixedpoint_rescale (a_mod_quarter_minus_one_quarter, integer_bits, 0));
  gint32 remainder = wrapping_sub (a_mod_quarter_minus_one_quarter, a);

  for (guint i = 0; i < G_N_ELEMENTS (exp_of_minus_power_of_two); i++)
    {
      int exponent = FIRST_BARREL_EXPONENT + (int) i;

      /* gemmlowp skips the powers of two the format cannot hold. */
      if (integer_bits <= exponent)
        break;
      if (remainder & ((gint32) 1 << (fractional_bits + exponent)))
        result = bitlens_srdhm (result, exp_of_minus_power_of_two[i]);
    }

  /* Below -32 the result is 0 (only formats with more than 5 integer bits reach there). */
  if (integer_bits > 5 && a < -((gint32) 1 << (36 - integer_bits)))
    result = 0;
  if (a == 0)
    result = G_MAXINT32;
  return result;
}

gint32
bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (gint32 x)
{
  /* Newton-Raphson division on d = (1 + x) / 2 in [1/2, 1), starting from
   * 48/17 - 32/17 d, in Q2. */
  gint32 half_denominator = bitlens_fixedpoint_rounding_half_sum (x, G_MAXINT32);
  gint32 q2_one = bitlens_fixedpoint_one (2);
  gint32 estimate = wrapping_add (FORTY_EIGHT_OVER_SEVENTEEN,
                                  bitlens_srdhm (half_denominator, MINUS_THIRTY_TWO_OVER_SEVENTEEN));

  for (int step = 0; step < 3; step++)
    {
      gint32 half_denominator_times_estimate = bitlens_srdhm (half_denominator, estimate);
      gint32 one_minus_product = wrapping_sub (q2_one, half_denominator_times_estimate);
      /* Q2 * Q2 = Q4, back to Q2. */
      gint32 correction = bitlens_fixedpoint_rescale (bitlens_srdhm (estimate, one_minus_product), 4, 2);
      estimate = wrapping_add (estimate, correction);
    }

  /* estimate ~ 1/d = 2/(1 + x) in Q2; halving it exactly makes it a Q1 value of
   * 1/(1 + x), rescaled to Q0. */
  return bitlens_fixedpoint_rescale (estimate, 1, 0);
}

gint32
bitlens_fixedpoint_logistic (gint32 a,
                             int    integer_bits)
{
  if (a == 0)
    return 1 << 30;   /* 0.5 */

  /* logistic (-x) = 1 - logistic (x); the negations wrap as gemmlowp's do (INT32_MIN
   * stays INT32_MIN). */
  gint32 magnitude = a > 0 ? a : wrapping_sub (0, a);
  gint32 result_if_positive =
    bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (
      bitlens_fixedpoint_exp_on_negative_values (wrapping_sub (0, magnitude), integer_bits));

  if (a > 0)
    return result_if_positive;
  return wrapping_sub (G_MAXINT32, result_if_positive);
}

gint32
bitlens_fixedpoint_get_reciprocal (gint32  x,
                                   int     integer_bits,
                                   int    *num_bits_over_unit)
{
  g_assert (x > 0);

  int headroom_plus_one = __builtin_clz ((guint32) x);
  *num_bits_over_unit = integer_bits - headroom_plus_one;

  /* x shifted to [1, 2) (top bit at 2^31), minus 1: a Q0 value in [0, 1). */
  gint32 shifted_minus_one = (gint32) (((guint32) x << headroom_plus_one) - ((guint32) 1 << 31));
  return bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (shifted_minus_one);
}

gint32
bitlens_fixedpoint_input_radius (int integer_bits,
                                 int left_shift)
{
  g_assert (integer_bits >= 0 && integer_bits < 31 && left_shift >= 0);

  if (left_shift > 62)
    return 0;
  double max_input_rescaled = 1.0 * ((1 << integer_bits) - 1)
                              * (double) (G_GINT64_CONSTANT (1) << (31 - integer_bits))
                              / (double) (G_GINT64_CONSTANT (1) << left_shift);
  return (gint32) floor (max_input_rescaled);
}
