/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>

#include "lce-common.h"

G_BEGIN_DECLS

/* What the LceBconv2d kernels share: the geometry and output transform that prepare sets
 * up once (SEMANTICS.md section 3; larq compute-engine tflite/kernels/bconv2d.cc,
 * core/bconv2d/reference.h and output_transform.h). */

typedef enum
{
  LCE_BCONV2D_OUTPUT_FLOAT,
  LCE_BCONV2D_OUTPUT_INT8,
  LCE_BCONV2D_OUTPUT_BITPACKED,
} LceBconv2dOutputKind;

typedef struct
{
  /* Input [batches, in_height, in_width, in_words], packed. */
  int                   batches, in_height, in_width, in_words;
  /* Filter [out_channels, filter_height, filter_width, filter_words], packed OHWI; a
   * group's channels_in / groups channels take filter_words words. */
  int                   filter_height, filter_width, filter_words;
  int                   groups, out_channels_per_group;
  /* Output [batches, out_height, out_width, out_channels or out_words]. */
  int                   out_height, out_width, out_channels, out_words;
  int                   stride_height, stride_width;
  int                   dilation_height, dilation_width;
  int                   pad_top, pad_left;

  /* SAME with pad_values 0: an outside tap adds zero_padding_accumulator, that is
   * (channels_in / groups) / 2, instead of reading the input. */
  gboolean              zero_padding;
  gint32                zero_padding_accumulator;
  /* K = filter_height * filter_width * channels_in / groups. */
  gint32                depth;

  LceBconv2dOutputKind  output_kind;
  /* Float and int8 outputs: y = (float) clamp (2 * acc, clamp_min, clamp_max) * multiplier[c]
   * + bias[c], multiplier and bias computed in double and stored as float. */
  gint32                clamp_min, clamp_max;
  float                *multiplier;
  float                *bias;

  /* For the optimized kernel: popcount of the filter words of each output channel and
   * tap, [out_channels][filter_height * filter_width]. */
  gint32               *tap_popcounts;
  /* Words of an im2col patch for one output pixel: taps * in_words. The scratch holds
   * the patch, then taps ints. */
  gsize                 patch_words;
} LceBconv2dPrepared;

/* Output pixel of batch b at (y, x): element offset of its first channel (or word). */
static inline gsize
lce_bconv2d_output_pixel_offset (const LceBconv2dPrepared *p,
                                 int                       b,
                                 int                       y,
                                 int                       x)
{
  int per_pixel = p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED ? p->out_words : p->out_channels;

  return (((gsize) b * p->out_height + y) * p->out_width + x) * per_pixel;
}

static inline float
lce_bconv2d_transform_float (const LceBconv2dPrepared *p,
                             gint32                    accumulator,
                             int                       channel)
{
  gint32 x = accumulator * 2;
  float scaled;

  x = MAX (MIN (x, p->clamp_max), p->clamp_min);
  /* Two roundings: the product, then the sum (the build forbids contraction to FMA). */
  scaled = (float) x * p->multiplier[channel];
  return scaled + p->bias[channel];
}

/* Round half away from zero and saturate to int8; NaN gives 0. */
static inline gint8
lce_bconv2d_saturate_int8 (float y)
{
  float rounded = roundf (y);

  if (isnan (rounded))
    return 0;
  if (rounded <= -128.0f)
    return G_MININT8;
  if (rounded >= 127.0f)
    return G_MAXINT8;
  return (gint8) rounded;
}

/* Writes output channel @channel of a pixel from its accumulator. For bitpacked output
 * the pixel's words must have been zeroed first (lce_bconv2d_begin_pixel). */
static inline void
lce_bconv2d_store (const LceBconv2dPrepared *p,
                   const gint32             *thresholds,
                   void                     *output,
                   gsize                     pixel_offset,
                   int                       channel,
                   gint32                    accumulator)
{
  switch (p->output_kind)
    {
    case LCE_BCONV2D_OUTPUT_FLOAT:
      ((float *) output)[pixel_offset + channel] = lce_bconv2d_transform_float (p, accumulator, channel);
      break;
    case LCE_BCONV2D_OUTPUT_INT8:
      ((gint8 *) output)[pixel_offset + channel] =
        lce_bconv2d_saturate_int8 (lce_bconv2d_transform_float (p, accumulator, channel));
      break;
    case LCE_BCONV2D_OUTPUT_BITPACKED:
      if (accumulator > thresholds[channel])
        ((guint32 *) output)[pixel_offset + channel / BITLENS_LCE_BITS_PER_WORD] |=
          (guint32) 1 << (channel % BITLENS_LCE_BITS_PER_WORD);
      break;
    default:
      g_assert_not_reached ();
    }
}

static inline void
lce_bconv2d_begin_pixel (const LceBconv2dPrepared *p,
                         void                     *output,
                         gsize                     pixel_offset)
{
  if (p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED)
    for (int w = 0; w < p->out_words; w++)
      ((guint32 *) output)[pixel_offset + w] = 0;
}

/* The eval functions, shared by the kernel table entry in lce-bconv2d.c. */
void bitlens_lce_bconv2d_eval_reference (const BitlensKernelCall *call);
void bitlens_lce_bconv2d_eval_optimized (const BitlensKernelCall *call);

G_END_DECLS
