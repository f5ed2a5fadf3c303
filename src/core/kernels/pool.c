/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "kernels.h"

/* Placeholder until the kernel lands. */
const BitlensKernel bitlens_kernel_average_pool_2d = { BITLENS_OP_AVERAGE_POOL_2D, bitlens_kernel_prepare_not_yet, NULL, NULL, FALSE };

/* Placeholder until the kernel lands. */
const BitlensKernel bitlens_kernel_max_pool_2d = { BITLENS_OP_MAX_POOL_2D, bitlens_kernel_prepare_not_yet, NULL, NULL, FALSE };
