/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "kernels.h"

static const BitlensKernel *const kernel_table[BITLENS_OP_N_KINDS] = {
  [BITLENS_OP_ADD] = &bitlens_kernel_add,
  [BITLENS_OP_AVERAGE_POOL_2D] = &bitlens_kernel_average_pool_2d,
  [BITLENS_OP_CONCATENATION] = &bitlens_kernel_concatenation,
  [BITLENS_OP_CONV_2D] = &bitlens_kernel_conv_2d,
  [BITLENS_OP_DEPTHWISE_CONV_2D] = &bitlens_kernel_depthwise_conv_2d,
  [BITLENS_OP_DEQUANTIZE] = &bitlens_kernel_dequantize,
  [BITLENS_OP_FULLY_CONNECTED] = &bitlens_kernel_fully_connected,
  [BITLENS_OP_LOGISTIC] = &bitlens_kernel_logistic,
  [BITLENS_OP_MAX_POOL_2D] = &bitlens_kernel_max_pool_2d,
  [BITLENS_OP_MUL] = &bitlens_kernel_mul,
  [BITLENS_OP_RESHAPE] = &bitlens_kernel_reshape,
  [BITLENS_OP_SOFTMAX] = &bitlens_kernel_softmax,
  [BITLENS_OP_PAD] = &bitlens_kernel_pad,
  [BITLENS_OP_MEAN] = &bitlens_kernel_mean,
  [BITLENS_OP_QUANTIZE] = &bitlens_kernel_quantize,
  [BITLENS_OP_LCE_QUANTIZE] = &bitlens_kernel_lce_quantize,
  [BITLENS_OP_LCE_DEQUANTIZE] = &bitlens_kernel_lce_dequantize,
  [BITLENS_OP_LCE_BCONV2D] = &bitlens_kernel_lce_bconv2d,
  [BITLENS_OP_LCE_BMAXPOOL2D] = &bitlens_kernel_lce_bmaxpool2d,
};

const BitlensKernel *
bitlens_kernel_lookup (BitlensOpKind kind)
{
  if ((int) kind <= 0 || kind >= BITLENS_OP_N_KINDS)
    return NULL;
  return kernel_table[kind];
}

gboolean
bitlens_kernel_prepare_not_yet (const BitlensModel *model,
                                BitlensOp          *op,
                                GError            **error)
{
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
               "%s is not implemented yet", bitlens_op_kind_name (op->kind));
  return FALSE;
}
