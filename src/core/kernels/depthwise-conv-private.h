/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernel-prepare-util.h"
#include "requantize-row.h"

G_BEGIN_DECLS

/* DEPTHWISE_CONV_2D, shared by the reference kernel (depthwise-conv.c) and its optimized
 * twin (depthwise-conv-optimized.c). Input [N,H,W,I], filter [1,Kh,Kw,I*M], output
 * channel oc = ic * M + m with M the depth multiplier. */
typedef struct
{
  BitlensTensorType  type;                /* FLOAT32 or INT8 */
  BitlensWindow      window;
  int                depth_multiplier;
  gboolean           has_bias;
  BitlensRequantize  requantize;          /* int8 */
  float              act_min, act_max;    /* float32 */

  /* For the optimized int8 twin (depthwise-conv-optimized.c): the path it takes (0:
   * the reference), the filter packed as int16 pairs (packed_groups per block of
   * channels) and the requantization in vector lanes. */
  int                int8_path;
  gint16            *packed_filter;
  int                packed_groups;
  BitlensRequantizeLanes requantize_lanes;

  /* The optimized float32 path (depthwise-conv-float-optimized.c; NULL when it does not
   * apply): the filter as [packed_float_blocks][Kh*Kw][16], blocks of 16 output channels,
   * zero beyond out_c. */
  float             *packed_filter_float;
  int                packed_float_blocks;
} BitlensDepthwiseParams;

void     bitlens_depthwise_conv_2d_eval_reference (const BitlensKernelCall *call);
/* The int8 twin (depthwise-conv-optimized.c). */
void     bitlens_depthwise_conv_2d_eval_optimized (const BitlensKernelCall *call);
/* Packs a constant int8 filter for the twin; returns the scratch bytes it needs. */
gsize    bitlens_depthwise_conv_2d_prepare_optimized (BitlensDepthwiseParams *params,
                                                      const BitlensTensor    *filter,
                                                      const BitlensTensor    *bias);
/* The float32 twin (depthwise-conv-float-optimized.c): packs a constant filter; needs no
 * scratch. */
void     bitlens_depthwise_conv_2d_prepare_float_optimized (BitlensDepthwiseParams *params,
                                                            const BitlensTensor    *filter);
void     bitlens_depthwise_conv_2d_eval_float_optimized    (const BitlensKernelCall *call);

G_END_DECLS
