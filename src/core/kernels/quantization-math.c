/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include "quantization-math.h"

void
bitlens_quantize_multiplier (double  real_multiplier,
                             gint32 *quantized,
                             int    *shift)
{
  if (real_multiplier == 0.0)
    {
      *quantized = 0;
      *shift = 0;
      return;
    }

  double q = frexp (real_multiplier, shift);
  gint64 q_fixed = (gint64) round (q * (double) (G_GINT64_CONSTANT (1) << 31));

  if (q_fixed == (G_GINT64_CONSTANT (1) << 31))
    {
      q_fixed /= 2;
      ++*shift;
    }
  if (*shift < -31)
    {
      *shift = 0;
      q_fixed = 0;
    }
  *quantized = (gint32) q_fixed;
}

void
bitlens_quantize_multiplier_greater_than_one (double  real_multiplier,
                                              gint32 *quantized,
                                              int    *left_shift)
{
  bitlens_quantize_multiplier (real_multiplier, quantized, left_shift);
}

static gint32
quantize_float (float value, float scale, int zero_point)
{
  /* Saturated before the cast: a hostile scale (0, 1e-14) must not overflow it. */
  float rounded = roundf (value / scale);
  return zero_point + (gint32) (fabsf (rounded) <= 1e9f ? rounded : (rounded > 0 ? 1e9f : -1e9f));
}

void
bitlens_activation_range_quantized (BitlensActivation activation,
                                    float             output_scale,
                                    int               output_zero_point,
                                    gint32            qmin,
                                    gint32            qmax,
                                    gint32           *act_min,
                                    gint32           *act_max)
{
  *act_min = qmin;
  *act_max = qmax;

  switch (activation)
    {
    case BITLENS_ACTIVATION_RELU:
      *act_min = MAX (qmin, quantize_float (0.0f, output_scale, output_zero_point));
      break;
    case BITLENS_ACTIVATION_RELU6:
      *act_min = MAX (qmin, quantize_float (0.0f, output_scale, output_zero_point));
      *act_max = MIN (qmax, quantize_float (6.0f, output_scale, output_zero_point));
      break;
    case BITLENS_ACTIVATION_RELU_N1_TO_1:
      *act_min = MAX (qmin, quantize_float (-1.0f, output_scale, output_zero_point));
      *act_max = MIN (qmax, quantize_float (1.0f, output_scale, output_zero_point));
      break;
    case BITLENS_ACTIVATION_NONE:
    default:
      break;
    }
}

void
bitlens_activation_range_float (BitlensActivation activation,
                                float            *act_min,
                                float            *act_max)
{
  /* TFLite's numeric_limits<float>::lowest () and max (): an overflowing sum clamps to
   * the largest finite float. */
  *act_min = -G_MAXFLOAT;
  *act_max = G_MAXFLOAT;

  switch (activation)
    {
    case BITLENS_ACTIVATION_RELU:
      *act_min = 0.0f;
      break;
    case BITLENS_ACTIVATION_RELU6:
      *act_min = 0.0f;
      *act_max = 6.0f;
      break;
    case BITLENS_ACTIVATION_RELU_N1_TO_1:
      *act_min = -1.0f;
      *act_max = 1.0f;
      break;
    case BITLENS_ACTIVATION_NONE:
    default:
      break;
    }
}

gboolean
bitlens_compute_padding (BitlensPadding padding,
                         int            in_size,
                         int            filter_size,
                         int            stride,
                         int            dilation,
                         int           *out_size,
                         int           *pad_before)
{
  if (in_size <= 0 || filter_size <= 0 || stride <= 0 || dilation <= 0)
    return FALSE;

  gint64 effective = (gint64) (filter_size - 1) * dilation + 1;
  gint64 out;

  if (padding == BITLENS_PADDING_SAME)
    out = ((gint64) in_size + stride - 1) / stride;
  else if (padding == BITLENS_PADDING_VALID)
    out = ((gint64) in_size + stride - effective) / stride;
  else
    return FALSE;

  if (out <= 0 || out > G_MAXINT32)
    return FALSE;

  gint64 total = (out - 1) * stride + effective - in_size;
  if (total < 0)
    total = 0;

  *out_size = (int) out;
  *pad_before = (int) (total / 2);
  return TRUE;
}
