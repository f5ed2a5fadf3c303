/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-op.h"

const char *
bitlens_op_kind_name (BitlensOpKind kind)
{
  switch (kind)
    {
    case BITLENS_OP_ADD: return "ADD";
    case BITLENS_OP_AVERAGE_POOL_2D: return "AVERAGE_POOL_2D";
    case BITLENS_OP_CONCATENATION: return "CONCATENATION";
    case BITLENS_OP_CONV_2D: return "CONV_2D";
    case BITLENS_OP_DEPTHWISE_CONV_2D: return "DEPTHWISE_CONV_2D";
    case BITLENS_OP_DEQUANTIZE: return "DEQUANTIZE";
    case BITLENS_OP_FULLY_CONNECTED: return "FULLY_CONNECTED";
    case BITLENS_OP_LOGISTIC: return "LOGISTIC";
    case BITLENS_OP_MAX_POOL_2D: return "MAX_POOL_2D";
    case BITLENS_OP_MUL: return "MUL";
    case BITLENS_OP_RESHAPE: return "RESHAPE";
    case BITLENS_OP_SOFTMAX: return "SOFTMAX";
    case BITLENS_OP_PAD: return "PAD";
    case BITLENS_OP_MEAN: return "MEAN";
    case BITLENS_OP_QUANTIZE: return "QUANTIZE";
    case BITLENS_OP_LCE_QUANTIZE: return "LceQuantize";
    case BITLENS_OP_LCE_DEQUANTIZE: return "LceDequantize";
    case BITLENS_OP_LCE_BCONV2D: return "LceBconv2d";
    case BITLENS_OP_LCE_BMAXPOOL2D: return "LceBMaxPool2d";
    case BITLENS_OP_N_KINDS:
    default: return "UNKNOWN";
    }
}

void
bitlens_op_options_init (BitlensOpOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (BitlensOpOptions) {
    .padding = BITLENS_PADDING_SAME,
    .activation = BITLENS_ACTIVATION_NONE,
    .stride_w = 1,
    .stride_h = 1,
    .dilation_w = 1,
    .dilation_h = 1,
    .depth_multiplier = 1,
    .beta = 1.0f,
  };
}
