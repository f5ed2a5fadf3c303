/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The fixed-point arithmetic of gemmlowp (fixedpoint/fixedpoint.h) that the TFLM SOFTMAX
 * and LOGISTIC kernels use, on plain int32 values (SEMANTICS.md section 2).
 *
 * A value in "Qm" (m integer bits) is a raw int32 r standing for r / 2^(31 - m): Q0 covers
 * [-1, 1), Q5 covers [-32, 32). Multiplying a Qa by a Qb with bitlens_srdhm () gives a
 * Q(a+b). Additions and subtractions wrap like the two's-complement int32 arithmetic of
 * the reference. */

/* The raw value of 1.0 in Qm: INT32_MAX for m = 0 (1.0 is not representable), else
 * 2^(31 - m). */
gint32 bitlens_fixedpoint_one                    (int     integer_bits);

/* x * 2^exponent: saturating when exponent > 0, rounding to nearest (ties away from zero,
 * as RoundingDivideByPOT) when exponent < 0. -31 <= exponent <= 31. */
gint32 bitlens_fixedpoint_saturating_rounding_multiply_by_pot (gint32 x,
                                                  int     exponent);

/* Converts a raw value from Q(source_bits) to Q(destination_bits) (gemmlowp Rescale). */
gint32 bitlens_fixedpoint_rescale                (gint32  x,
                                                  int     source_bits,
                                                  int     destination_bits);

/* (a + b) / 2 rounded to nearest, ties away from zero, without overflow. */
gint32 bitlens_fixedpoint_rounding_half_sum      (gint32  a,
                                                  gint32  b);

/* exp (a) for a Q0 value a in [-1/4, 0): a Q0 result. */
gint32 bitlens_fixedpoint_exp_on_interval_between_negative_one_quarter_and_0_excl (gint32 a);

/* exp (a) for a Q(integer_bits) value a <= 0 (1 <= integer_bits <= 29): a Q0 result;
 * exp (0) is INT32_MAX. */
gint32 bitlens_fixedpoint_exp_on_negative_values (gint32  a,
                                                  int     integer_bits);

/* 1 / (1 + x) for a Q0 value x in [0, 1): a Q0 result (Newton-Raphson, three steps). */
gint32 bitlens_fixedpoint_one_over_one_plus_x_for_x_in_0_1 (gint32 x);

/* 1 / (1 + exp (-a)) for a Q(integer_bits) value a (1 <= integer_bits <= 29): a Q0
 * result. */
gint32 bitlens_fixedpoint_logistic               (gint32  a,
                                                  int     integer_bits);

/* TFLite GetReciprocal: for x > 0 in Q(integer_bits), returns the Q0 value
 * 1 / (x / 2^num_bits_over_unit) and sets num_bits_over_unit = integer_bits - clz (x),
 * so that 1 / x = result * 2^-num_bits_over_unit. */
gint32 bitlens_fixedpoint_get_reciprocal         (gint32  x,
                                                  int     integer_bits,
                                                  int    *num_bits_over_unit);

/* TFLite CalculateInputRadius (integer_bits, left_shift, 31): the largest input
 * difference that, shifted left by @left_shift before the multiplier scales it into
 * Q(integer_bits), stays below the format's maximum: floor ((2^m - 1) * 2^(31 - m) /
 * 2^left_shift). 0 <= left_shift; 0 past a shift of 62. */
gint32 bitlens_fixedpoint_input_radius           (int     integer_bits,
                                                  int     left_shift);

G_END_DECLS
