/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernels.h"

G_BEGIN_DECLS

/* The bitpacking conventions of the Larq Compute Engine (SEMANTICS.md section 3) and the
 * checks its kernels share.
 *
 * Packed tensors are int32 with 32 channels a word along the last axis, element i of a
 * group of 32 at bit i. Bit 1 means -1, bit 0 means +1. Each pixel is padded on its own
 * with 0 bits. */

#define BITLENS_LCE_BITS_PER_WORD 32

/* ceil (channels / 32) without overflow. */
static inline int
bitlens_lce_packed_words (int channels)
{
  return channels / BITLENS_LCE_BITS_PER_WORD + (channels % BITLENS_LCE_BITS_PER_WORD != 0);
}

/* The part of a region inside a height x width output; all zero-sized when nothing is. */
static inline BitlensRegion
bitlens_lce_clip_region (const BitlensRegion *region,
                         int                  height,
                         int                  width)
{
  BitlensRegion clipped = *region;

  clipped.y0 = CLAMP (clipped.y0, 0, height);
  clipped.y1 = CLAMP (clipped.y1, clipped.y0, height);
  clipped.x0 = CLAMP (clipped.x0, 0, width);
  clipped.x1 = CLAMP (clipped.x1, clipped.x0, width);
  return clipped;
}

/* Each sets @error and returns FALSE when the tensor is not as expected; @role names the
 * tensor in the message ("input 0", "filter" ...). */
gboolean bitlens_lce_expect_type       (const BitlensTensor *tensor,
                                        const char          *role,
                                        BitlensTensorType    type,
                                        GError             **error);
gboolean bitlens_lce_expect_rank       (const BitlensTensor *tensor,
                                        const char          *role,
                                        int                  rank,
                                        GError             **error);
gboolean bitlens_lce_expect_dimension  (const BitlensTensor *tensor,
                                        const char          *role,
                                        int                  axis,
                                        int                  expected,
                                        GError             **error);
/* Per-tensor int8 quantization with a finite positive scale and zero point in [-128, 127]. */
gboolean bitlens_lce_expect_int8_quantization (const BitlensTensor *tensor,
                                        const char          *role,
                                        GError             **error);
/* The op has exactly these numbers of inputs and outputs, and every output is an
 * activation (not constant). */
gboolean bitlens_lce_expect_arity      (const BitlensModel  *model,
                                        const BitlensOp     *op,
                                        int                  n_inputs,
                                        int                  n_outputs,
                                        GError             **error);
/* Input @index is present (not -1). */
const BitlensTensor *bitlens_lce_require_input (const BitlensModel *model,
                                        const BitlensOp     *op,
                                        int                  index,
                                        const char          *role,
                                        GError             **error);

G_END_DECLS
