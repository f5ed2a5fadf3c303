/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bitlens/bitlens-op.h"

G_BEGIN_DECLS

/* The integer arithmetic of the TFLM reference kernels (SEMANTICS.md section 2), with the
 * double rounding TFLM uses. */

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline gint32
bitlens_srdhm (gint32 a, gint32 b)
{
  if (a == b && a == G_MININT32)
    return G_MAXINT32;
  gint64 ab = (gint64) a * (gint64) b;
  gint64 nudge = ab >= 0 ? (G_GINT64_CONSTANT (1) << 30) : 1 - (G_GINT64_CONSTANT (1) << 30);
  return (gint32) ((ab + nudge) / (G_GINT64_CONSTANT (1) << 31));
}

/* gemmlowp RoundingDivideByPOT, 0 <= exponent <= 31. */
static inline gint32
bitlens_rounding_divide_by_pot (gint32 x, int exponent)
{
  gint32 mask = (gint32) ((G_GINT64_CONSTANT (1) << exponent) - 1);
  gint32 remainder = x & mask;
  gint32 threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier (double rounding). The left shift wraps like the
 * two's-complement multiplication of the reference. */
static inline gint32
bitlens_multiply_by_quantized_multiplier (gint32 x, gint32 multiplier, int shift)
{
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  gint32 shifted = (gint32) ((guint32) x << left);
  return bitlens_rounding_divide_by_pot (bitlens_srdhm (shifted, multiplier), right);
}

static inline gint32
bitlens_clamp_i32 (gint32 x, gint32 low, gint32 high)
{
  return x < low ? low : (x > high ? high : x);
}

/* TFLite QuantizeMultiplier: multiplier = q * 2^shift with q in [2^30, 2^31). */
void     bitlens_quantize_multiplier         (double      real_multiplier,
                                              gint32     *quantized,
                                              int        *shift);
/* TFLite QuantizeMultiplierGreaterThanOne (used by SOFTMAX). */
void     bitlens_quantize_multiplier_greater_than_one (double  real_multiplier,
                                              gint32     *quantized,
                                              int        *left_shift);
/* CalculateActivationRangeQuantized for int8 (qmin -128, qmax 127) or uint8 (0, 255). */
void     bitlens_activation_range_quantized  (BitlensActivation activation,
                                              float       output_scale,
                                              int         output_zero_point,
                                              gint32      qmin,
                                              gint32      qmax,
                                              gint32     *act_min,
                                              gint32     *act_max);
/* Float activation range: NONE [-FLT_MAX, FLT_MAX], RELU [0, FLT_MAX], RELU6 [0, 6],
 * N1_TO_1 [-1, 1]. */
void     bitlens_activation_range_float      (BitlensActivation activation,
                                              float      *act_min,
                                              float      *act_max);

static inline float
bitlens_clamp_float (float x, float low, float high)
{
  /* std::min(std::max(x, low), high), as ActivationFunctionWithMinMax. */
  float y = x < low ? low : x;
  return high < y ? high : y;
}

/* TFLite padding.h: output size and the padding before (top or left); the odd extra
 * goes after. Returns FALSE when the output would be empty or the arguments invalid. */
gboolean bitlens_compute_padding             (BitlensPadding padding,
                                              int         in_size,
                                              int         filter_size,
                                              int         stride,
                                              int         dilation,
                                              int        *out_size,
                                              int        *pad_before);

G_END_DECLS
