/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernels.h"

G_BEGIN_DECLS

/* Elementwise broadcasting of two inputs to one output, as TFLite's
 * NdArrayDescsForElementwiseBroadcast: shapes are aligned on their last axis and
 * extended with leading 1s to BITLENS_MAX_RANK axes; along each axis the inputs have
 * equal sizes or one of them has size 1, which repeats. */

typedef struct
{
  int    shape[BITLENS_MAX_RANK];                  /* the output's, extended */
  gsize  input_strides[2][BITLENS_MAX_RANK];       /* 0 along repeated axes */
  gsize  output_strides[BITLENS_MAX_RANK];
  /* Axes of the rows and columns of a 4-D [N,H,W,C] output in the extended shape, or
   * -1 when the output is not 4-D (then the region is ignored). */
  int    row_axis;
  int    column_axis;
} BitlensBroadcast;

/* Checks that the inputs broadcast to exactly the output's shape. */
gboolean bitlens_broadcast_init (BitlensBroadcast     *broadcast,
                                 const BitlensTensor  *input0,
                                 const BitlensTensor  *input1,
                                 const BitlensTensor  *output,
                                 GError              **error);

/* The checks of a two-input elementwise op (ADD, MUL): two present inputs and one
 * output of one type, float32 or int8; per-tensor quantization for int8; inputs that
 * broadcast to the output's shape. Fills @broadcast. */
gboolean bitlens_broadcast_prepare_binary_op (const BitlensModel  *model,
                                              const BitlensOp     *op,
                                              BitlensBroadcast    *broadcast,
                                              GError             **error);

/* A run of @n output elements along the last axis: output element @output_index + i
 * takes input 0 element @input0_index + i * @input0_step and likewise for input 1. */
typedef void (*BitlensBroadcastRunFunc) (gpointer user_data,
                                         gsize    output_index,
                                         gsize    input0_index,
                                         gsize    input1_index,
                                         gsize    input0_step,
                                         gsize    input1_step,
                                         int      n);

/* The user data of the runs of bitlens_broadcast_eval (). */
typedef struct
{
  gconstpointer  params;     /* the op's prepared parameters */
  const void    *input0;
  const void    *input1;
  void          *output;
} BitlensBroadcastRun;

/* Calls @func for every run of the output, restricted to the rows and columns of
 * @region (clipped to the output) when the output is 4-D. */
void     bitlens_broadcast_foreach_run (const BitlensBroadcast  *broadcast,
                                        const BitlensRegion     *region,
                                        BitlensBroadcastRunFunc  func,
                                        gpointer                 user_data);

/* Runs a two-input elementwise kernel call: @func gets a BitlensBroadcastRun with
 * @params and the call's data. */
void     bitlens_broadcast_eval        (const BitlensBroadcast  *broadcast,
                                        const BitlensKernelCall *call,
                                        BitlensBroadcastRunFunc  func,
                                        gconstpointer            params);

G_END_DECLS
