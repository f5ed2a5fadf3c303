/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernel-prepare-util.h"

G_BEGIN_DECLS

/* FULLY_CONNECTED, shared by the reference kernel (fully-connected.c) and the float32
 * twin (fully-connected-float-optimized.c). Weights [units, input_size]. */
typedef struct
{
  BitlensTensorType  type;
  int                batches;
  int                input_size;
  int                units;
  gboolean           has_bias;
  gint32             weights_offset;      /* int8: -zero point of per-tensor weights */
  BitlensRequantize  requantize;          /* int8 */
  float              act_min, act_max;    /* float32 */

  /* The float32 twin (NULL when it does not apply: weights that are not constant): the
   * weights transposed to [input_size][packed_units], units contiguous, packed_units a
   * multiple of 8, zero beyond units. */
  float             *packed_weights_float;
  int                packed_units;
} BitlensFullyConnectedParams;

void bitlens_fully_connected_prepare_float_optimized (BitlensFullyConnectedParams *params,
                                                      const BitlensTensor         *weights);
void bitlens_fully_connected_eval_float_optimized    (const BitlensKernelCall     *call);

G_END_DECLS
