/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include "test-model-builder.h"

BitlensModel *
test_model_new (void)
{
  return bitlens_model_alloc ();
}

int
test_model_add_tensor (BitlensModel         *model,
                       const char           *name,
                       const TestTensorSpec *spec)
{
  BitlensTensor *tensor;

  g_assert_cmpint (spec->rank, <=, BITLENS_MAX_RANK);
  model->tensors = g_renew (BitlensTensor, model->tensors, model->n_tensors + 1);
  tensor = &model->tensors[model->n_tensors];
  memset (tensor, 0, sizeof *tensor);
  tensor->name = g_strdup (name);
  tensor->type = spec->type;
  tensor->rank = spec->rank;
  tensor->n_elements = 1;
  for (int i = 0; i < spec->rank; i++)
    {
      tensor->shape[i] = spec->shape[i];
      tensor->n_elements *= spec->shape[i];
    }
  tensor->n_bytes = tensor->n_elements * bitlens_tensor_type_size (spec->type);
  tensor->n_scales = spec->n_scales;
  tensor->quantized_dimension = spec->quantized_dimension;
  if (spec->n_scales > 0)
    {
      tensor->scales = g_memdup2 (spec->scales, sizeof (float) * spec->n_scales);
      tensor->zero_points = g_memdup2 (spec->zero_points, sizeof (gint64) * spec->n_scales);
    }
  if (spec->data != NULL)
    {
      void *copy = g_malloc (MAX (tensor->n_bytes, 1));
      memcpy (copy, spec->data, tensor->n_bytes);
      g_ptr_array_add (model->owned_blocks, copy);
      tensor->data = copy;
    }
  return (int) model->n_tensors++;
}

int
test_model_add_activation (BitlensModel      *model,
                           const char        *name,
                           BitlensTensorType  type,
                           int                rank,
                           const int         *shape,
                           float              scale,
                           int                zero_point)
{
  gint64 zero_point_64 = zero_point;
  TestTensorSpec spec = { .type = type, .rank = rank };

  memcpy (spec.shape, shape, sizeof (int) * rank);
  if (type != BITLENS_TYPE_FLOAT32 && type != BITLENS_TYPE_BOOL)
    {
      spec.n_scales = 1;
      spec.scales = &scale;
      spec.zero_points = &zero_point_64;
    }
  return test_model_add_tensor (model, name, &spec);
}

void
test_model_add_op (BitlensModel           *model,
                   BitlensOpKind           kind,
                   int                     n_inputs,
                   const int              *inputs,
                   int                     n_outputs,
                   const int              *outputs,
                   const BitlensOpOptions *options)
{
  BitlensOp *op;

  model->ops = g_renew (BitlensOp, model->ops, model->n_ops + 1);
  op = &model->ops[model->n_ops++];
  memset (op, 0, sizeof *op);
  op->kind = kind;
  op->n_inputs = n_inputs;
  op->inputs = g_memdup2 (inputs, sizeof (int) * MAX (n_inputs, 1));
  op->n_outputs = n_outputs;
  op->outputs = g_memdup2 (outputs, sizeof (int) * MAX (n_outputs, 1));
  if (options != NULL)
    op->options = *options;
  else
    bitlens_op_options_init (&op->options);
}

gboolean
test_model_finish (BitlensModel  *model,
                   int            n_inputs,
                   const int     *inputs,
                   int            n_outputs,
                   const int     *outputs,
                   GError       **error)
{
  model->n_inputs = n_inputs;
  model->inputs = g_memdup2 (inputs, sizeof (int) * MAX (n_inputs, 1));
  model->n_outputs = n_outputs;
  model->outputs = g_memdup2 (outputs, sizeof (int) * MAX (n_outputs, 1));
  return bitlens_model_prepare_ops (model, error);
}
