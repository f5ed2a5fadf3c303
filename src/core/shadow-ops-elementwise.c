/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "kernels/broadcast.h"
#include "shadow-private.h"

/* The shadow's elementwise ops: ADD and MUL (with TFLite broadcasting), LOGISTIC,
 * SOFTMAX, the identities (RESHAPE, QUANTIZE, DEQUANTIZE: the straight-through
 * estimator), LceQuantize (the sign, straight-through where |x| <= 1) and LceDequantize
 * (the identity on +1 / -1). */

static const BitlensRegion whole_output = { 0, G_MAXINT, 0, G_MAXINT };

/* ---- ADD, MUL ------------------------------------------------------------------ */

typedef struct
{
  BitlensBroadcast broadcast;
  ShadowClamp      clamp;
  gboolean         multiply;
} BinaryParams;

typedef struct
{
  const BinaryParams *params;
  const double       *a;
  const double       *b;
  double             *output;
  const double       *output_gradient;
  double             *a_gradient;      /* NULL for constants */
  double             *b_gradient;
} BinaryRun;

static void
binary_forward_run (gpointer user_data,
                    gsize    output_index,
                    gsize    a_index,
                    gsize    b_index,
                    gsize    a_step,
                    gsize    b_step,
                    int      n)
{
  BinaryRun *run = user_data;

  for (int i = 0; i < n; i++)
    {
      double a = run->a[a_index + i * a_step], b = run->b[b_index + i * b_step];

      run->output[output_index + i] = shadow_clamp_apply (run->params->clamp,
                                                          run->params->multiply ? a * b : a + b);
    }
}

static void
binary_backward_run (gpointer user_data,
                     gsize    output_index,
                     gsize    a_index,
                     gsize    b_index,
                     gsize    a_step,
                     gsize    b_step,
                     int      n)
{
  BinaryRun *run = user_data;

  for (int i = 0; i < n; i++)
    {
      gsize ia = a_index + i * a_step, ib = b_index + i * b_step;
      double g = run->output_gradient[output_index + i];

      if (g == 0 || !shadow_clamp_passes (run->params->clamp, run->output[output_index + i]))
        continue;
      if (run->a_gradient != NULL)
        run->a_gradient[ia] += run->params->multiply ? g * run->b[ib] : g;
      if (run->b_gradient != NULL)
        run->b_gradient[ib] += run->params->multiply ? g * run->a[ia] : g;
    }
}

static void
binary_forward (const ShadowOp *op,
                ShadowState    *state)
{
  const BinaryParams *params = op->params;
  BinaryRun run = {
    .params = params,
    .a = shadow_values (state, op->op->inputs[0]),
    .b = shadow_values (state, op->op->inputs[1]),
    .output = shadow_output_values (state, op),
  };

  bitlens_broadcast_foreach_run (&params->broadcast, &whole_output, binary_forward_run, &run);
}

static void
binary_backward (const ShadowOp *op,
                 ShadowState    *state)
{
  const BinaryParams *params = op->params;
  BinaryRun run = {
    .params = params,
    .a = shadow_values (state, op->op->inputs[0]),
    .b = shadow_values (state, op->op->inputs[1]),
    .output = shadow_output_values (state, op),
    .output_gradient = shadow_gradient (state, op->output),
    .a_gradient = shadow_gradient (state, op->op->inputs[0]),
    .b_gradient = shadow_gradient (state, op->op->inputs[1]),
  };

  bitlens_broadcast_foreach_run (&params->broadcast, &whole_output, binary_backward_run, &run);
}

static gboolean
build_binary (ShadowModel  *shadow,
              ShadowOp     *op,
              gboolean      multiply,
              GError      **error)
{
  const BitlensTensor *a = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *b = bitlens_op_input (shadow->model, op->op, 1);
  BinaryParams *params;

  if (!shadow_hold_input (shadow, op, 0, FALSE, error) ||
      !shadow_hold_input (shadow, op, 1, FALSE, error))
    return FALSE;
  params = g_new0 (BinaryParams, 1);
  op->params = params;
  op->params_free = g_free;
  if (!bitlens_broadcast_init (&params->broadcast, a, b, bitlens_op_output (shadow->model, op->op, 0), error))
    return FALSE;
  params->clamp = shadow_clamp_for (op->op->options.activation);
  params->multiply = multiply;
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  op->forward = binary_forward;
  op->backward = binary_backward;
  return TRUE;
}

gboolean
shadow_build_add (ShadowModel  *shadow,
                  ShadowOp     *op,
                  GError      **error)
{
  return build_binary (shadow, op, FALSE, error);
}

gboolean
shadow_build_mul (ShadowModel  *shadow,
                  ShadowOp     *op,
                  GError      **error)
{
  return build_binary (shadow, op, TRUE, error);
}

/* ---- One input, same number of elements ------------------------------------------ */

static gboolean
build_unary (ShadowModel   *shadow,
             ShadowOp      *op,
             gboolean       bitpacked_input,
             ShadowOpFunc   forward,
             ShadowOpFunc   backward,
             GError       **error)
{
  if (!shadow_hold_input (shadow, op, 0, bitpacked_input, error))
    return FALSE;
  op->forward = forward;
  op->backward = backward;
  return TRUE;
}

static gboolean
check_same_count (ShadowModel     *shadow,
                  const ShadowOp  *op,
                  GError         **error)
{
  gsize in = shadow_tensor (shadow, op->op->inputs[0])->n_elements;
  gsize out = shadow_tensor (shadow, op->output)->n_elements;

  if (in != out)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the input holds %zu values, the output %zu"),
                   in, out);
      return FALSE;
    }
  return TRUE;
}

static void
identity_forward (const ShadowOp *op,
                  ShadowState    *state)
{
  memcpy (shadow_output_values (state, op), shadow_values (state, op->op->inputs[0]),
          sizeof (double) * shadow_tensor (state->shadow, op->output)->n_elements);
}

static void
identity_backward (const ShadowOp *op,
                   ShadowState    *state)
{
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  gsize n = shadow_tensor (state->shadow, op->output)->n_elements;

  if (input_gradient == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    input_gradient[i] += output_gradient[i];
}

gboolean
shadow_build_identity (ShadowModel  *shadow,
                       ShadowOp     *op,
                       GError      **error)
{
  if (!build_unary (shadow, op, FALSE, identity_forward, identity_backward, error))
    return FALSE;
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  return check_same_count (shadow, op, error);
}

static void
logistic_forward (const ShadowOp *op,
                  ShadowState    *state)
{
  const double *input = shadow_values (state, op->op->inputs[0]);
  double *output = shadow_output_values (state, op);
  gsize n = shadow_tensor (state->shadow, op->output)->n_elements;

  for (gsize i = 0; i < n; i++)
    output[i] = 1.0 / (1.0 + exp (-input[i]));
}

static void
logistic_backward (const ShadowOp *op,
                   ShadowState    *state)
{
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  gsize n = shadow_tensor (state->shadow, op->output)->n_elements;

  if (input_gradient == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    input_gradient[i] += output_gradient[i] * output[i] * (1.0 - output[i]);
}

gboolean
shadow_build_logistic (ShadowModel  *shadow,
                       ShadowOp     *op,
                       GError      **error)
{
  if (!build_unary (shadow, op, FALSE, logistic_forward, logistic_backward, error))
    return FALSE;
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  return check_same_count (shadow, op, error);
}

/* SOFTMAX over the last axis: y = exp (beta (x - max)) / sum; the backward pass is
 * dx_i = beta y_i (dy_i - sum_j y_j dy_j). */
typedef struct
{
  gsize  rows;
  int    depth;
  double beta;
} SoftmaxParams;

static void
softmax_forward (const ShadowOp *op,
                 ShadowState    *state)
{
  const SoftmaxParams *params = op->params;
  const double *input = shadow_values (state, op->op->inputs[0]);
  double *output = shadow_output_values (state, op);

  for (gsize r = 0; r < params->rows; r++)
    {
      const double *x = input + r * params->depth;
      double *y = output + r * params->depth;
      double max = x[0], sum = 0;

      for (int c = 1; c < params->depth; c++)
        if (max < x[c])
          max = x[c];
      for (int c = 0; c < params->depth; c++)
        {
          y[c] = exp ((x[c] - max) * params->beta);
          sum += y[c];
        }
      for (int c = 0; c < params->depth; c++)
        y[c] /= sum;
    }
}

static void
softmax_backward (const ShadowOp *op,
                  ShadowState    *state)
{
  const SoftmaxParams *params = op->params;
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);

  if (input_gradient == NULL)
    return;
  for (gsize r = 0; r < params->rows; r++)
    {
      const double *y = output + r * params->depth;
      const double *dy = output_gradient + r * params->depth;
      double *dx = input_gradient + r * params->depth;
      double inner = 0;

      for (int c = 0; c < params->depth; c++)
        inner += y[c] * dy[c];
      for (int c = 0; c < params->depth; c++)
        dx[c] += params->beta * y[c] * (dy[c] - inner);
    }
}

gboolean
shadow_build_softmax (ShadowModel  *shadow,
                      ShadowOp     *op,
                      GError      **error)
{
  const ShadowTensor *input;
  SoftmaxParams *params;

  if (!build_unary (shadow, op, FALSE, softmax_forward, softmax_backward, error))
    return FALSE;
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  if (!check_same_count (shadow, op, error))
    return FALSE;
  input = shadow_tensor (shadow, op->op->inputs[0]);
  if (input->rank < 1 || input->shape[input->rank - 1] <= 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("the input has no last axis to normalise"));
      return FALSE;
    }
  params = g_new0 (SoftmaxParams, 1);
  params->depth = input->shape[input->rank - 1];
  params->rows = input->n_elements / (gsize) params->depth;
  params->beta = op->op->options.beta;
  op->params = params;
  op->params_free = g_free;
  return TRUE;
}

/* ---- LCE packing ------------------------------------------------------------------ */

static void
lce_quantize_forward (const ShadowOp *op,
                      ShadowState    *state)
{
  const double *input = shadow_values (state, op->op->inputs[0]);
  double *output = shadow_output_values (state, op);
  gsize n = shadow_tensor (state->shadow, op->output)->n_elements;

  for (gsize i = 0; i < n; i++)
    output[i] = shadow_sign (input[i]);
}

static void
lce_quantize_backward (const ShadowOp *op,
                       ShadowState    *state)
{
  const double *input = shadow_values (state, op->op->inputs[0]);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  gsize n = shadow_tensor (state->shadow, op->output)->n_elements;

  if (input_gradient == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    input_gradient[i] += output_gradient[i] * shadow_sign_gradient (input[i]);
}

/* LceQuantize: the output keeps the input's shape, one +1 / -1 value per channel. */
gboolean
shadow_build_lce_quantize (ShadowModel  *shadow,
                           ShadowOp     *op,
                           GError      **error)
{
  const ShadowTensor *input;

  if (!build_unary (shadow, op, FALSE, lce_quantize_forward, lce_quantize_backward, error))
    return FALSE;
  input = shadow_tensor (shadow, op->op->inputs[0]);
  shadow_define_output (shadow, op, input->rank, input->shape, TRUE);
  return TRUE;
}

/* LceDequantize: the output's shape must be the input's channels unpacked. */
gboolean
shadow_build_lce_dequantize (ShadowModel  *shadow,
                             ShadowOp     *op,
                             GError      **error)
{
  const BitlensTensor *output = bitlens_op_output (shadow->model, op->op, 0);
  const ShadowTensor *input;
  gboolean same = TRUE;

  if (!build_unary (shadow, op, TRUE, identity_forward, identity_backward, error))
    return FALSE;
  if (output->type != BITLENS_TYPE_FLOAT32 && output->type != BITLENS_TYPE_INT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("a %s output has no real value in the float shadow"), bitlens_tensor_type_name (output->type));
      return FALSE;
    }
  input = shadow_tensor (shadow, op->op->inputs[0]);
  same = input->rank == output->rank;
  for (int d = 0; same && d < output->rank; d++)
    same = input->shape[d] == output->shape[d];
  if (!same)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (output);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the output %s is not the input's channels unpacked"), shape);
      return FALSE;
    }
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  return TRUE;
}
