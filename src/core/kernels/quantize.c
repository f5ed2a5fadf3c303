/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "kernels.h"

/* Placeholder until the kernel lands. */
const BitlensKernel bitlens_kernel_dequantize = { BITLENS_OP_DEQUANTIZE, bitlens_kernel_prepare_not_yet, NULL, NULL, FALSE };

/* Placeholder until the kernel lands. */
const BitlensKernel bitlens_kernel_quantize = { BITLENS_OP_QUANTIZE, bitlens_kernel_prepare_not_yet, NULL, NULL, FALSE };
