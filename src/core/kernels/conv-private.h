/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernel-prepare-util.h"
#include "requantize-row.h"

G_BEGIN_DECLS

/* CONV_2D, shared by the reference kernel (conv.c) and its optimized twin
 * (conv-optimized.c). Filter [O, Kh, Kw, I], input [N, H, W, I * groups]. */
typedef struct
{
  BitlensTensorType  type;                /* FLOAT32 or INT8 */
  BitlensWindow      window;
  int                filter_in_c;         /* filter dims[3] */
  int                filters_per_group;   /* out_c / groups */
  gboolean           has_bias;
  BitlensRequantize  requantize;          /* int8 */
  float              act_min, act_max;    /* float32 */

  /* The optimized int8 path (NULL when it does not apply: float, groups > 1, a filter
   * or bias that is not constant): the filter in blocks of 16 output channels (8 for a
   * last block of at most 8), each [packed_depth / 2][channels][2] (blocks 64 bytes
   * apart, see conv-optimized.c),
   * packed_depth = Kh*Kw*I rounded up to even (zero beyond), channels zero beyond out_c
   * up to packed_rows (out_c rounded up to 8); and the requantization in vector lanes,
   * starting from the bias (conv-optimized.c). */
  gint8             *packed_filter;
  int                packed_depth;
  int                packed_rows;
  BitlensRequantizeLanes requantize_lanes;

  /* The optimized float32 path (conv-float-optimized.c; NULL when it does not apply):
   * the filter transposed to [packed_float_blocks][Kh*Kw*I][16], blocks of 16 output
   * channels, zero beyond out_c. */
  float             *packed_filter_float;
  int                packed_float_blocks;
} BitlensConvParams;

void     bitlens_conv_2d_eval_reference    (const BitlensKernelCall *call);
void     bitlens_conv_2d_eval_optimized    (const BitlensKernelCall *call);
/* Called by the prepare function: packs the filter for the optimized path when it
 * applies and returns the scratch bytes it needs (0 when it does not apply). */
gsize    bitlens_conv_2d_prepare_optimized (BitlensConvParams       *params,
                                            const BitlensTensor     *filter,
                                            const BitlensTensor     *bias);
/* The float32 part of the twin (conv-float-optimized.c). */
void     bitlens_conv_2d_prepare_float_optimized (BitlensConvParams *params,
                                                  const BitlensTensor *filter);
void     bitlens_conv_2d_eval_float_optimized (const BitlensKernelCall *call);

G_END_DECLS
