/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-model.h"

G_BEGIN_DECLS

/* The part of an op's output to compute: rows [y0, y1) and columns [x0, x1) of a
 * [N,H,W,C] output (all batches, all channels). Spatial kernels (convolutions, pools,
 * pad, elementwise ops) honour it; the others always compute their whole output.
 * The interpreter passes the whole output; incremental saliency passes a part. */
typedef struct
{
  int y0, y1;
  int x0, x1;
} BitlensRegion;

typedef struct
{
  const BitlensModel  *model;
  const BitlensOp     *op;
  /* Data of each op input (NULL where the input is absent, -1) and output. Constant
   * inputs point at the model's bytes. */
  const void * const  *inputs;
  void * const        *outputs;
  BitlensRegion        region;
  void                *scratch;        /* op->scratch_bytes bytes, or NULL */
} BitlensKernelCall;

typedef gboolean (*BitlensKernelPrepareFunc) (const BitlensModel *model,
                                              BitlensOp          *op,
                                              GError            **error);
typedef void     (*BitlensKernelEvalFunc)    (const BitlensKernelCall *call);

typedef struct
{
  BitlensOpKind             kind;
  /* Checks types and shapes against each other (every index a kernel will touch must be
   * in bounds after this returns TRUE) and fills op->prepared. Errors are
   * BITLENS_ERROR_MODEL_INVALID / _UNSUPPORTED; the caller prefixes "op N (KIND): ". */
  BitlensKernelPrepareFunc  prepare;
  BitlensKernelEvalFunc     eval_reference;
  /* NULL when there is no optimized twin; may itself fall back to the reference for
   * cases it does not cover (it decides per call, from op->prepared). */
  BitlensKernelEvalFunc     eval_optimized;
  /* TRUE when eval honours call->region. */
  gboolean                  spatial;
} BitlensKernel;

const BitlensKernel *bitlens_kernel_lookup (BitlensOpKind kind);
/* Placeholder prepare for kernels still being written. */
gboolean bitlens_kernel_prepare_not_yet (const BitlensModel *model, BitlensOp *op, GError **error);

/* Shorthands for kernels. */
static inline const BitlensTensor *
bitlens_op_input (const BitlensModel *model, const BitlensOp *op, int i)
{
  return i < op->n_inputs && op->inputs[i] >= 0 ? bitlens_model_get_tensor (model, op->inputs[i]) : NULL;
}

static inline const BitlensTensor *
bitlens_op_output (const BitlensModel *model, const BitlensOp *op, int i)
{
  return bitlens_model_get_tensor (model, op->outputs[i]);
}

/* One declaration per kernel table entry, defined in the kernel's file. */
extern const BitlensKernel bitlens_kernel_add;
extern const BitlensKernel bitlens_kernel_average_pool_2d;
extern const BitlensKernel bitlens_kernel_concatenation;
extern const BitlensKernel bitlens_kernel_conv_2d;
extern const BitlensKernel bitlens_kernel_depthwise_conv_2d;
extern const BitlensKernel bitlens_kernel_dequantize;
extern const BitlensKernel bitlens_kernel_fully_connected;
extern const BitlensKernel bitlens_kernel_logistic;
extern const BitlensKernel bitlens_kernel_max_pool_2d;
extern const BitlensKernel bitlens_kernel_mul;
extern const BitlensKernel bitlens_kernel_reshape;
extern const BitlensKernel bitlens_kernel_softmax;
extern const BitlensKernel bitlens_kernel_pad;
extern const BitlensKernel bitlens_kernel_mean;
extern const BitlensKernel bitlens_kernel_quantize;
extern const BitlensKernel bitlens_kernel_lce_quantize;
extern const BitlensKernel bitlens_kernel_lce_dequantize;
extern const BitlensKernel bitlens_kernel_lce_bconv2d;
extern const BitlensKernel bitlens_kernel_lce_bmaxpool2d;

G_END_DECLS
