/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>

#include "kernels/kernels.h"
#include "shadow-model.h"

G_BEGIN_DECLS

/* Internals shared by the shadow's files: shadow-model.c builds the graph and runs the
 * passes; shadow-ops-*.c hold each op's build, forward and backward functions. */

typedef struct
{
  gboolean  held;          /* the shadow holds values for it */
  gboolean  bitpacked;     /* +1 / -1 values of a packed int32 tensor, one per channel */
  int       rank;
  int       shape[BITLENS_MAX_RANK];
  gsize     n_elements;
  double   *constant;      /* dequantized constant, or NULL for activations */
  gsize     offset;        /* activations: first element in the state's buffers */
} ShadowTensor;

typedef struct _ShadowOp ShadowOp;

typedef void (*ShadowOpFunc) (const ShadowOp *op,
                              ShadowState    *state);

struct _ShadowOp
{
  guint            index;          /* in the model */
  const BitlensOp *op;
  int              output;         /* op->outputs[0] */
  ShadowOpFunc     forward;
  /* Adds to the gradients of the op's activation inputs the gradient of its output
   * pulled back through the op (gradients accumulate: a tensor may feed several ops). */
  ShadowOpFunc     backward;
  gpointer         params;
  GDestroyNotify   params_free;
  /* Values an op keeps from its forward pass for its backward pass. */
  gsize            saved_elements;
  gsize            saved_offset;
};

struct _ShadowModel
{
  BitlensModel  *model;
  ShadowTensor  *tensors;          /* one per model tensor */
  guint          n_ops;
  ShadowOp      *ops;
  gsize          n_activation_elements;
  gsize          n_saved_elements;
  int            input;
  int            output;
  gboolean       output_sigmoid;
};

struct _ShadowState
{
  const ShadowModel *shadow;
  double            *values;       /* activations */
  double            *gradients;    /* d score / d activation */
  double            *saved;
};

/* Builds one op: checks what the shadow needs, holds its inputs, defines its output
 * (shadow_define_output) and sets forward, backward and params. Errors name the problem
 * only; the caller prefixes the op. */
typedef gboolean (*ShadowBuildFunc) (ShadowModel  *shadow,
                                     ShadowOp     *op,
                                     GError      **error);

/* Makes input `slot` of `op` available as real values: constants are dequantized,
 * activations must come from an earlier op or be model input 0. With `bitpacked`
 * the tensor must be a bitpacked activation, otherwise it must not be one. */
gboolean  shadow_hold_input        (ShadowModel      *shadow,
                                    const ShadowOp   *op,
                                    int               slot,
                                    gboolean          bitpacked,
                                    GError          **error);
/* Declares the op's output with the shadow shape `shape` (the model's shape when NULL). */
void      shadow_define_output     (ShadowModel      *shadow,
                                    const ShadowOp   *op,
                                    int               rank,
                                    const int        *shape,
                                    gboolean          bitpacked);
/* Dequantizes a whole constant: scale * (q - zero_point), per channel along
 * quantized_dimension when it has several scales; float32 as it is. */
gboolean  shadow_dequantize_constant (const BitlensTensor *tensor,
                                      double             *values,
                                      GError            **error);

/* The builds, one per op kind (shadow-ops-*.c). */
gboolean  shadow_build_conv_2d           (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_depthwise_conv_2d (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_fully_connected   (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_lce_bconv2d       (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_average_pool_2d   (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_max_pool_2d       (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_lce_bmaxpool2d    (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_add               (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_mul               (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_logistic          (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_softmax           (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_identity          (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_lce_quantize      (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_lce_dequantize    (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_mean              (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_pad               (ShadowModel *shadow, ShadowOp *op, GError **error);
gboolean  shadow_build_concatenation     (ShadowModel *shadow, ShadowOp *op, GError **error);

static inline const ShadowTensor *
shadow_tensor (const ShadowModel *shadow,
               int                tensor)
{
  return &shadow->tensors[tensor];
}

/* Values of any held tensor. */
static inline const double *
shadow_values (const ShadowState *state,
               int                tensor)
{
  const ShadowTensor *t = &state->shadow->tensors[tensor];

  return t->constant != NULL ? t->constant : state->values + t->offset;
}

static inline double *
shadow_output_values (ShadowState    *state,
                      const ShadowOp *op)
{
  return state->values + state->shadow->tensors[op->output].offset;
}

/* Gradient of a held tensor, NULL for constants. */
static inline double *
shadow_gradient (ShadowState *state,
                 int          tensor)
{
  const ShadowTensor *t = &state->shadow->tensors[tensor];

  return t->constant != NULL ? NULL : state->gradients + t->offset;
}

static inline double *
shadow_saved (ShadowState    *state,
              const ShadowOp *op)
{
  return state->saved + op->saved_offset;
}

static inline int
shadow_op_input (const ShadowOp *op,
                 int             slot)
{
  return slot < op->op->n_inputs ? op->op->inputs[slot] : -1;
}

/* Fused activations as a clamp in real units, with infinite bounds where there is none.
 * The gradient passes where the output lies strictly inside the bounds (so at a ReLU's
 * kink it is 0, as TensorFlow's). */
typedef struct
{
  double low;
  double high;
} ShadowClamp;

static inline ShadowClamp
shadow_clamp_for (BitlensActivation activation)
{
  switch (activation)
    {
    case BITLENS_ACTIVATION_RELU: return (ShadowClamp) { 0.0, INFINITY };
    case BITLENS_ACTIVATION_RELU_N1_TO_1: return (ShadowClamp) { -1.0, 1.0 };
    case BITLENS_ACTIVATION_RELU6: return (ShadowClamp) { 0.0, 6.0 };
    case BITLENS_ACTIVATION_NONE:
    default: return (ShadowClamp) { -INFINITY, INFINITY };
    }
}

static inline double
shadow_clamp_apply (ShadowClamp clamp,
                    double      value)
{
  return value < clamp.low ? clamp.low : (value > clamp.high ? clamp.high : value);
}

static inline gboolean
shadow_clamp_passes (ShadowClamp clamp,
                     double      output)
{
  return output > clamp.low && output < clamp.high;
}

/* The sign as LCE packs it: -1 for x < 0, +1 otherwise (0, -0 and NaN give +1). */
static inline double
shadow_sign (double x)
{
  return x < 0 ? -1.0 : 1.0;
}

/* The straight-through estimator of the sign: 1 where |x| <= 1, else 0. */
static inline double
shadow_sign_gradient (double x)
{
  return fabs (x) <= 1.0 ? 1.0 : 0.0;
}

G_END_DECLS
