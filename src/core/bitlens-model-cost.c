/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens-model-private.h"

/* Cost figures from the tensor shapes alone. Arithmetic saturates at G_MAXUINT64, so
 * hostile shapes cannot wrap around. */

static guint64
saturating_mul (guint64 a,
                guint64 b)
{
  if (a != 0 && b > G_MAXUINT64 / a)
    return G_MAXUINT64;
  return a * b;
}

static guint64
saturating_add (guint64 a,
                guint64 b)
{
  return b > G_MAXUINT64 - a ? G_MAXUINT64 : a + b;
}

static const BitlensTensor *
op_tensor (const BitlensModel *model,
           const int          *indices,
           int                 n_indices,
           int                 k)
{
  if (k >= n_indices || indices[k] < 0 || (guint) indices[k] >= model->n_tensors)
    return NULL;
  return &model->tensors[indices[k]];
}

/* Output pixels: N * H * W of an [N,H,W,C] output. Callers multiply by the filter's
 * output channels, since a bitpacked output holds 32 channels a word. */
static guint64
output_positions (const BitlensTensor *output)
{
  if (output->rank != 4)
    return 0;
  return saturating_mul (saturating_mul ((guint64) output->shape[0], (guint64) output->shape[1]),
                         (guint64) output->shape[2]);
}

/* Multiply-accumulates of one op per inference. Only convolutions and fully connected
 * layers count: elementwise ops (ADD, MUL, quantization, activations), pools, softmax,
 * mean, pad, reshape and concatenation do no multiply-accumulates and count 0. */
static guint64
op_macs (const BitlensModel *model,
         const BitlensOp    *op)
{
  const BitlensTensor *output = op_tensor (model, op->outputs, op->n_outputs, 0);
  const BitlensTensor *weights = op_tensor (model, op->inputs, op->n_inputs, 1);

  if (output == NULL || weights == NULL)
    return 0;

  switch (op->kind)
    {
    case BITLENS_OP_CONV_2D:
      /* filter [O,Kh,Kw,I]: every output element sums Kh * Kw * I products. */
      if (weights->rank != 4)
        return 0;
      return saturating_mul (saturating_mul (output_positions (output), (guint64) weights->shape[0]),
                             saturating_mul ((guint64) weights->shape[1] * (guint64) weights->shape[2],
                                             (guint64) weights->shape[3]));

    case BITLENS_OP_DEPTHWISE_CONV_2D:
      /* filter [1,Kh,Kw,C*M]: every output element sums Kh * Kw products. */
      if (weights->rank != 4)
        return 0;
      return saturating_mul (output->n_elements,
                             (guint64) weights->shape[1] * (guint64) weights->shape[2]);

    case BITLENS_OP_FULLY_CONNECTED:
      /* weights [O,I]: every output element sums I products. */
      if (weights->rank != 2)
        return 0;
      return saturating_mul (output->n_elements, (guint64) weights->shape[1]);

    default:
      return 0;
    }
}

/* XNOR-popcount multiply-accumulates of an LceBconv2d: output elements (pixels times the
 * filter's output channels) times Kh * Kw * channels_in / groups. */
static guint64
op_binary_ops (const BitlensModel *model,
               const BitlensOp    *op)
{
  const BitlensTensor *output = op_tensor (model, op->outputs, op->n_outputs, 0);
  const BitlensTensor *filter = op_tensor (model, op->inputs, op->n_inputs, 1);
  guint64 words_in, groups = 1;

  if (op->kind != BITLENS_OP_LCE_BCONV2D || output == NULL || filter == NULL || filter->rank != 4)
    return 0;
  words_in = ((guint64) op->options.channels_in + 31) / 32;
  if (filter->shape[3] > 0 && (guint64) filter->shape[3] != words_in)
    groups = MAX (words_in / (guint64) filter->shape[3], 1);
  return saturating_mul (saturating_mul (output_positions (output), (guint64) filter->shape[0]),
                         saturating_mul ((guint64) filter->shape[1] * (guint64) filter->shape[2],
                                         (guint64) op->options.channels_in / groups));
}

void
bitlens_model_get_cost (const BitlensModel *model,
                        BitlensModelCost   *cost)
{
  g_autofree gboolean *is_packed_filter = NULL;

  g_return_if_fail (model != NULL);
  g_return_if_fail (cost != NULL);

  *cost = (BitlensModelCost) { 0 };
  is_packed_filter = g_new0 (gboolean, MAX (model->n_tensors, 1));

  for (guint o = 0; o < model->n_ops; o++)
    {
      const BitlensOp *op = &model->ops[o];

      if (op->kind == BITLENS_OP_LCE_BCONV2D && op->n_inputs > 1 && op->inputs[1] >= 0
          && (guint) op->inputs[1] < model->n_tensors)
        is_packed_filter[op->inputs[1]] = TRUE;
      cost->macs = saturating_add (cost->macs, op_macs (model, op));
      cost->binary_ops = saturating_add (cost->binary_ops, op_binary_ops (model, op));
    }

  for (guint t = 0; t < model->n_tensors; t++)
    {
      const BitlensTensor *tensor = &model->tensors[t];

      if (tensor->data == NULL)
        continue;
      cost->parameter_bytes = saturating_add (cost->parameter_bytes, tensor->n_bytes);
      /* A bitpacked filter word holds 32 binary weights. */
      cost->parameters = saturating_add (cost->parameters,
                                         saturating_mul (tensor->n_elements, is_packed_filter[t] ? 32 : 1));
    }
}
