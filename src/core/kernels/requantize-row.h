/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernel-prepare-util.h"

G_BEGIN_DECLS

/* The int8 requantization of one output pixel's channels, vectorized where the CPU allows
 * (AVX2, unless BITLENS_CPU=generic): out[c] = clamp(MBQM(acc[c] + bias[c], m[c], s[c])
 * + zp_out) for c in [0, n), bit-identical to bitlens_requantize_apply. @bias may be
 * NULL. Used by the optimized convolution twins. */
void     bitlens_requantize_row   (const BitlensRequantize *requantize,
                                   const gint32            *acc,
                                   const gint32            *bias,
                                   int                      n,
                                   gint8                   *out);

G_END_DECLS
