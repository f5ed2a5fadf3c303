/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "kernels/kernel-prepare-util.h"
#include "shadow-private.h"

/* The shadow's pools: AVERAGE_POOL_2D, MAX_POOL_2D and LceBMaxPool2d (max over +1 / -1).
 * Windows are clipped to the input (padding taps are ignored, as in the kernels). The
 * average divides by the number of taps inside; its gradient spreads evenly over them.
 * The max takes the first largest tap in window order (filter_y, then filter_x) and its
 * gradient goes to that tap alone, as TensorFlow's MaxPoolGrad. */

typedef struct
{
  BitlensWindow window;      /* in_c = out_c = channels of the shadow tensors */
  ShadowClamp   clamp;
} PoolParams;

typedef struct
{
  int in_y, in_x;            /* input position of filter tap (0, 0) */
  int fy0, fy1, fx0, fx1;    /* filter rows and columns inside the input */
} PoolWindow;

static inline PoolWindow
pool_window (const BitlensWindow *w,
             int                  out_y,
             int                  out_x)
{
  PoolWindow p;

  p.in_y = out_y * w->stride_h - w->pad_top;
  p.in_x = out_x * w->stride_w - w->pad_left;
  p.fy0 = MAX (0, -p.in_y);
  p.fy1 = MIN (w->filter_h, w->in_h - p.in_y);
  p.fx0 = MAX (0, -p.in_x);
  p.fx1 = MIN (w->filter_w, w->in_w - p.in_x);
  return p;
}

static inline gsize
pool_index (const BitlensWindow *w,
            int                  b,
            int                  y,
            int                  x,
            int                  height,
            int                  width,
            int                  c)
{
  return (((gsize) b * height + y) * width + x) * w->in_c + c;
}

#define POOL_FOREACH_OUTPUT(w, b, out_y, out_x, c)                     \
  for (int b = 0; b < (w)->batches; b++)                               \
    for (int out_y = 0; out_y < (w)->out_h; out_y++)                   \
      for (int out_x = 0; out_x < (w)->out_w; out_x++)                 \
        for (int c = 0; c < (w)->in_c; c++)

static void
average_pool_forward (const ShadowOp *op,
                      ShadowState    *state)
{
  const PoolParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *input = shadow_values (state, op->op->inputs[0]);
  double *output = shadow_output_values (state, op);

  POOL_FOREACH_OUTPUT (w, b, out_y, out_x, c)
    {
      PoolWindow p = pool_window (w, out_y, out_x);
      double total = 0;
      int count = (p.fy1 - p.fy0) * (p.fx1 - p.fx0);

      for (int fy = p.fy0; fy < p.fy1; fy++)
        for (int fx = p.fx0; fx < p.fx1; fx++)
          total += input[pool_index (w, b, p.in_y + fy, p.in_x + fx, w->in_h, w->in_w, c)];
      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        shadow_clamp_apply (params->clamp, count > 0 ? total / count : 0.0);
    }
}

static void
average_pool_backward (const ShadowOp *op,
                       ShadowState    *state)
{
  const PoolParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);

  if (input_gradient == NULL)
    return;
  POOL_FOREACH_OUTPUT (w, b, out_y, out_x, c)
    {
      PoolWindow p = pool_window (w, out_y, out_x);
      gsize o = pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c);
      int count = (p.fy1 - p.fy0) * (p.fx1 - p.fx0);
      double g;

      if (count <= 0 || output_gradient[o] == 0 || !shadow_clamp_passes (params->clamp, output[o]))
        continue;
      g = output_gradient[o] / count;
      for (int fy = p.fy0; fy < p.fy1; fy++)
        for (int fx = p.fx0; fx < p.fx1; fx++)
          input_gradient[pool_index (w, b, p.in_y + fy, p.in_x + fx, w->in_h, w->in_w, c)] += g;
    }
}

/* Index of the first largest tap of a window (a later tap wins only when it is greater),
 * or G_MAXSIZE when the window holds no tap. */
static gsize
max_tap (const BitlensWindow *w,
         const PoolWindow    *p,
         const double        *input,
         int                  b,
         int                  c)
{
  gsize best = G_MAXSIZE;

  for (int fy = p->fy0; fy < p->fy1; fy++)
    for (int fx = p->fx0; fx < p->fx1; fx++)
      {
        gsize i = pool_index (w, b, p->in_y + fy, p->in_x + fx, w->in_h, w->in_w, c);

        if (best == G_MAXSIZE || input[i] > input[best])
          best = i;
      }
  return best;
}

static void
max_pool_forward (const ShadowOp *op,
                  ShadowState    *state)
{
  const PoolParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *input = shadow_values (state, op->op->inputs[0]);
  double *output = shadow_output_values (state, op);

  POOL_FOREACH_OUTPUT (w, b, out_y, out_x, c)
    {
      PoolWindow p = pool_window (w, out_y, out_x);
      gsize best = max_tap (w, &p, input, b, c);

      output[pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c)] =
        shadow_clamp_apply (params->clamp, best == G_MAXSIZE ? 0.0 : input[best]);
    }
}

static void
max_pool_backward (const ShadowOp *op,
                   ShadowState    *state)
{
  const PoolParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *input = shadow_values (state, op->op->inputs[0]);
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);

  if (input_gradient == NULL)
    return;
  POOL_FOREACH_OUTPUT (w, b, out_y, out_x, c)
    {
      PoolWindow p = pool_window (w, out_y, out_x);
      gsize o = pool_index (w, b, out_y, out_x, w->out_h, w->out_w, c);
      gsize best;

      if (output_gradient[o] == 0 || !shadow_clamp_passes (params->clamp, output[o]))
        continue;
      best = max_tap (w, &p, input, b, c);
      if (best != G_MAXSIZE)
        input_gradient[best] += output_gradient[o];
    }
}

/* The window of a pool whose shadow tensors hold `channels` channels (the packed
 * tensors of LceBMaxPool2d hold words in the model). */
static gboolean
build_pool (ShadowModel  *shadow,
            ShadowOp     *op,
            gboolean      bitpacked,
            ShadowOpFunc  forward,
            ShadowOpFunc  backward,
            GError      **error)
{
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *output = bitlens_op_output (shadow->model, op->op, 0);
  const ShadowTensor *held;
  PoolParams *params;
  int shape[4];

  if (input == NULL || input->rank != 4 || output->rank != 4)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("input and output are not 4-D"));
      return FALSE;
    }
  if (!shadow_hold_input (shadow, op, 0, bitpacked, error))
    return FALSE;
  held = shadow_tensor (shadow, op->op->inputs[0]);

  params = g_new0 (PoolParams, 1);
  op->params = params;
  op->params_free = g_free;
  if (!bitlens_prepare_window (input, output, op->op->options.filter_h, op->op->options.filter_w,
                               output->shape[3], &op->op->options, FALSE, &params->window, error))
    return FALSE;
  params->window.in_c = held->shape[3];
  params->window.out_c = held->shape[3];
  params->clamp = shadow_clamp_for (bitpacked ? BITLENS_ACTIVATION_NONE : op->op->options.activation);

  shape[0] = params->window.batches;
  shape[1] = params->window.out_h;
  shape[2] = params->window.out_w;
  shape[3] = held->shape[3];
  shadow_define_output (shadow, op, 4, shape, bitpacked);
  op->forward = forward;
  op->backward = backward;
  return TRUE;
}

gboolean
shadow_build_average_pool_2d (ShadowModel  *shadow,
                              ShadowOp     *op,
                              GError      **error)
{
  return build_pool (shadow, op, FALSE, average_pool_forward, average_pool_backward, error);
}

gboolean
shadow_build_max_pool_2d (ShadowModel  *shadow,
                          ShadowOp     *op,
                          GError      **error)
{
  return build_pool (shadow, op, FALSE, max_pool_forward, max_pool_backward, error);
}

gboolean
shadow_build_lce_bmaxpool2d (ShadowModel  *shadow,
                             ShadowOp     *op,
                             GError      **error)
{
  return build_pool (shadow, op, TRUE, max_pool_forward, max_pool_backward, error);
}
