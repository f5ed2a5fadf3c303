/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "kernels.h"

/* Placeholder until the kernel lands. */
const BitlensKernel bitlens_kernel_depthwise_conv_2d = { BITLENS_OP_DEPTHWISE_CONV_2D, bitlens_kernel_prepare_not_yet, NULL, NULL, FALSE };
