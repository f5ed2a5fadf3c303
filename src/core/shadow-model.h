/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-model.h"

G_BEGIN_DECLS

/* The float shadow of a model: the same graph in double precision on real values, with
 * a reverse-mode backward pass, for the gradient saliency methods.
 *
 * - Every tensor holds real values: constants are dequantized once (int8 weights with
 *   their per-channel scales; int32 biases of CONV_2D, DEPTHWISE_CONV_2D and
 *   FULLY_CONNECTED with scale input_scale * weight_scale[c]; LCE packed filters as +1 / -1
 *   with channels_in from the options); activations are the real values the tensor
 *   stands for. Bitpacked int32 activations hold their +1 / -1 values, one per channel:
 *   their last axis counts channels, not words.
 * - Ops compute in double, without rounding, requantization or int8 saturation; fused
 *   activations clamp in real units. QUANTIZE, DEQUANTIZE (and the requantization hidden
 *   in every int8 op) are the identity, forward and backward: the straight-through
 *   estimator.
 * - LceQuantize is the sign (0 gives +1, as LCE packs it); its backward pass lets the
 *   gradient through where the real input x has |x| <= 1 and cancels it elsewhere (Larq's
 *   ste_sign, whose input is the very real value the shadow holds). LceBconv2d with a
 *   bitpacked output is the sign of z = (dot - (K - 2 t - 1)) / sqrt (K), dot the +1 / -1
 *   dot product, K its length and t the channel's threshold: forward exactly the kernel's
 *   bit, backward the same cancelled straight-through rule on z (sqrt (K) is the spread
 *   of a dot product of K random signs, standing for the batch normalisation the
 *   converter folded into t).
 *
 * The README's "Gradient methods" section states every rule. A ShadowModel is immutable
 * and shared by threads; each thread runs its own ShadowState. */

typedef struct _ShadowModel ShadowModel;
typedef struct _ShadowState ShadowState;

/* Fails with BITLENS_ERROR_MODEL_UNSUPPORTED naming the op the shadow cannot follow. */
ShadowModel   *shadow_model_new             (BitlensModel        *model,
                                             GError             **error);
void           shadow_model_free            (ShadowModel         *shadow);
BitlensModel  *shadow_model_get_model       (const ShadowModel   *shadow);
/* The tensor index of model input 0 and output 0. */
int            shadow_model_get_input       (const ShadowModel   *shadow);
int            shadow_model_get_output      (const ShadowModel   *shadow);
/* The shape of a tensor in the shadow (see above for bitpacked tensors); NULL with
 * *rank 0 for tensors the shadow does not hold. */
const int     *shadow_model_get_shape       (const ShadowModel   *shadow,
                                             int                  tensor,
                                             int                 *rank);
gsize          shadow_model_get_n_elements  (const ShadowModel   *shadow,
                                             int                  tensor);
/* Real values of input 0 from its tensor bytes: scale * (q - zero_point), or the float. */
void           shadow_model_dequantize_input (const ShadowModel  *shadow,
                                             const guint8        *bytes,
                                             double              *values);

ShadowState   *shadow_state_new             (const ShadowModel   *shadow);
void           shadow_state_free            (ShadowState         *state);
/* Runs the shadow on the real values of input 0 and returns the score of element
 * `target` of output 0: its value, or its sigmoid for one-element outputs that are not
 * probabilities (the rule of bitlens_interpreter_get_person_score ()). */
double         shadow_state_forward         (ShadowState         *state,
                                             const double        *input,
                                             int                  target);
/* After a forward pass: the gradient of that score with respect to every tensor. */
void           shadow_state_backward        (ShadowState         *state,
                                             int                  target);
/* After a forward pass: the gradients of sum_i seed[i] * output0[i] (for tests of the
 * ops' backward passes). */
void           shadow_state_backward_seeded (ShadowState         *state,
                                             const double        *seed);
const double  *shadow_state_get_values      (const ShadowState   *state,
                                             int                  tensor);
/* NULL for constants, which get no gradient. */
const double  *shadow_state_get_gradient    (const ShadowState   *state,
                                             int                  tensor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShadowModel, shadow_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShadowState, shadow_state_free)

G_END_DECLS
