/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BITLENS_OP_ADD = 1,
  BITLENS_OP_AVERAGE_POOL_2D,
  BITLENS_OP_CONCATENATION,
  BITLENS_OP_CONV_2D,
  BITLENS_OP_DEPTHWISE_CONV_2D,
  BITLENS_OP_DEQUANTIZE,
  BITLENS_OP_FULLY_CONNECTED,
  BITLENS_OP_LOGISTIC,
  BITLENS_OP_MAX_POOL_2D,
  BITLENS_OP_MUL,
  BITLENS_OP_RESHAPE,
  BITLENS_OP_SOFTMAX,
  BITLENS_OP_PAD,
  BITLENS_OP_MEAN,
  BITLENS_OP_QUANTIZE,
  BITLENS_OP_LCE_QUANTIZE,
  BITLENS_OP_LCE_DEQUANTIZE,
  BITLENS_OP_LCE_BCONV2D,
  BITLENS_OP_LCE_BMAXPOOL2D,
  BITLENS_OP_N_KINDS
} BitlensOpKind;

typedef enum
{
  BITLENS_PADDING_SAME = 0,
  BITLENS_PADDING_VALID = 1,
} BitlensPadding;

typedef enum
{
  BITLENS_ACTIVATION_NONE = 0,
  BITLENS_ACTIVATION_RELU = 1,
  BITLENS_ACTIVATION_RELU_N1_TO_1 = 2,
  BITLENS_ACTIVATION_RELU6 = 3,
} BitlensActivation;

/* The options of every supported op, flattened: each op reads the fields it has. Defaults
 * are those of the schema (strides and dilations 1, depth_multiplier 1, beta 1). */
typedef struct
{
  BitlensPadding    padding;
  BitlensActivation activation;
  int               stride_w, stride_h;
  int               dilation_w, dilation_h;
  int               filter_w, filter_h;       /* pools */
  int               depth_multiplier;
  float             beta;                     /* SOFTMAX */
  int               axis;                     /* CONCATENATION */
  gboolean          keep_dims;                /* MEAN */
  gboolean          keep_num_dims;            /* FULLY_CONNECTED */
  int               weights_format;           /* FULLY_CONNECTED, 0 = DEFAULT */
  int               channels_in;              /* LceBconv2d */
  int               pad_values;               /* LceBconv2d: 0 or 1 */
} BitlensOpOptions;

/* One operator of the main subgraph, in execution order. Tensor indices are -1 when an
 * optional input is absent. */
typedef struct
{
  BitlensOpKind     kind;
  int               n_inputs;
  int              *inputs;
  int               n_outputs;
  int              *outputs;
  BitlensOpOptions  options;

  /* Set up once when the model is loaded (multipliers, output transforms ...) and shared,
   * read-only, by every interpreter. Owned by the op. */
  gpointer          prepared;
  GDestroyNotify    prepared_free;
  /* Scratch memory the op's kernels need per call, set by prepare; the interpreter
   * provides it (16-byte aligned) in BitlensKernelCall.scratch. */
  gsize             scratch_bytes;
} BitlensOp;

const char *bitlens_op_kind_name     (BitlensOpKind     kind);
/* The schema's defaults: strides, dilations, depth_multiplier 1, beta 1, the rest 0. */
void        bitlens_op_options_init  (BitlensOpOptions *options);

G_END_DECLS
