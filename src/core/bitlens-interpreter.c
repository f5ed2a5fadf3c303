/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-arena.h"
#include "bitlens-interpreter-private.h"

typedef struct
{
  const void **inputs;
  void       **outputs;
} OpBindings;

struct _BitlensInterpreter
{
  BitlensModel            *model;
  BitlensInterpreterFlags  flags;

  guint8                  *arena;
  gsize                    arena_bytes;
  void                   **tensor_data;     /* per tensor: arena, model constant, or NULL */
  OpBindings              *bindings;        /* per op */
  void                    *scratch;

  BitlensTapFunc           tap;
  gpointer                 tap_data;
};

BitlensRegion
bitlens_region_full (const BitlensTensor *output)
{
  BitlensRegion region = { 0, 1, 0, 1 };

  if (output->rank == 4)
    {
      region.y1 = output->shape[1];
      region.x1 = output->shape[2];
    }
  return region;
}

BitlensInterpreter *
bitlens_interpreter_new (BitlensModel             *model,
                         BitlensInterpreterFlags   flags,
                         GError                  **error)
{
  g_autoptr(BitlensInterpreter) self = NULL;
  guint n_tensors, n_ops;
  g_autofree gsize *offsets = NULL;
  gsize scratch_bytes = 0;

  g_return_val_if_fail (model != NULL, NULL);

  n_tensors = bitlens_model_get_n_tensors (model);
  n_ops = bitlens_model_get_n_ops (model);

  self = g_new0 (BitlensInterpreter, 1);
  self->model = bitlens_model_ref (model);
  self->flags = flags;

  offsets = g_new (gsize, n_tensors);
  self->arena_bytes = bitlens_arena_plan (model, (flags & BITLENS_INTERPRETER_PRESERVE_ALL) != 0, offsets);
  self->arena = g_try_malloc0 (MAX (self->arena_bytes, 1));
  if (self->arena == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("cannot allocate an arena of %zu bytes"), self->arena_bytes);
      return NULL;
    }

  self->tensor_data = g_new0 (void *, n_tensors);
  for (guint t = 0; t < n_tensors; t++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, t);
      if (tensor->data != NULL)
        self->tensor_data[t] = (void *) tensor->data;
      else if (offsets[t] != G_MAXSIZE)
        self->tensor_data[t] = self->arena + offsets[t];
    }

  self->bindings = g_new0 (OpBindings, n_ops);
  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      OpBindings *binding = &self->bindings[o];

      binding->inputs = g_new0 (const void *, MAX (op->n_inputs, 1));
      binding->outputs = g_new0 (void *, MAX (op->n_outputs, 1));
      for (int k = 0; k < op->n_inputs; k++)
        binding->inputs[k] = op->inputs[k] >= 0 ? self->tensor_data[op->inputs[k]] : NULL;
      for (int k = 0; k < op->n_outputs; k++)
        binding->outputs[k] = self->tensor_data[op->outputs[k]];
      scratch_bytes = MAX (scratch_bytes, op->scratch_bytes);
    }
  if (scratch_bytes > 0)
    {
      self->scratch = g_try_malloc0 (scratch_bytes);
      if (self->scratch == NULL)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("cannot allocate %zu bytes of scratch memory"), scratch_bytes);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

void
bitlens_interpreter_free (BitlensInterpreter *self)
{
  if (self == NULL)
    return;
  for (guint o = 0; o < bitlens_model_get_n_ops (self->model); o++)
    {
      g_free (self->bindings[o].inputs);
      g_free (self->bindings[o].outputs);
    }
  g_free (self->bindings);
  g_free (self->tensor_data);
  g_free (self->scratch);
  g_free (self->arena);
  bitlens_model_unref (self->model);
  g_free (self);
}

BitlensModel *
bitlens_interpreter_get_model (BitlensInterpreter *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->model;
}

gsize
bitlens_interpreter_get_arena_bytes (BitlensInterpreter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->arena_bytes;
}

void *
bitlens_interpreter_get_tensor_data (BitlensInterpreter *self,
                                     int                 tensor_index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (tensor_index >= 0 && (guint) tensor_index < bitlens_model_get_n_tensors (self->model), NULL);
  return self->tensor_data[tensor_index];
}

void *
bitlens_interpreter_get_input_data (BitlensInterpreter *self,
                                    guint               index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < bitlens_model_get_n_inputs (self->model), NULL);
  return self->tensor_data[bitlens_model_get_input (self->model, index)];
}

const void *
bitlens_interpreter_get_output_data (BitlensInterpreter *self,
                                     guint               index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < bitlens_model_get_n_outputs (self->model), NULL);
  return self->tensor_data[bitlens_model_get_output (self->model, index)];
}

gboolean
bitlens_interpreter_set_input_bytes (BitlensInterpreter  *self,
                                     const void          *bytes,
                                     gsize                n_bytes,
                                     GError             **error)
{
  const BitlensTensor *input;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL || n_bytes == 0, FALSE);

  if (bitlens_model_get_n_inputs (self->model) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID, _("the model has no input"));
      return FALSE;
    }
  input = bitlens_model_get_tensor (self->model, bitlens_model_get_input (self->model, 0));
  if (n_bytes != input->n_bytes)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("input has %zu bytes, the model's input %s %s takes %zu"),
                   n_bytes, bitlens_tensor_type_name (input->type), shape, input->n_bytes);
      return FALSE;
    }
  memcpy (bitlens_interpreter_get_input_data (self, 0), bytes, n_bytes);
  return TRUE;
}

void
bitlens_interpreter_set_tap (BitlensInterpreter *self,
                             BitlensTapFunc      tap,
                             gpointer            user_data)
{
  g_return_if_fail (self != NULL);
  self->tap = tap;
  self->tap_data = user_data;
}

void
bitlens_interpreter_run_op (BitlensInterpreter  *self,
                            guint                op_index,
                            const BitlensRegion *region)
{
  const BitlensOp *op = bitlens_model_get_op (self->model, op_index);
  const BitlensKernel *kernel = bitlens_kernel_lookup (op->kind);
  const BitlensTensor *output = bitlens_model_get_tensor (self->model, op->outputs[0]);
  BitlensKernelCall call = {
    .model = self->model,
    .op = op,
    .inputs = self->bindings[op_index].inputs,
    .outputs = self->bindings[op_index].outputs,
    .region = region != NULL && kernel->spatial ? *region : bitlens_region_full (output),
    .scratch = self->scratch,
  };

  if (kernel->eval_optimized != NULL && !(self->flags & BITLENS_INTERPRETER_FORCE_REFERENCE))
    kernel->eval_optimized (&call);
  else
    kernel->eval_reference (&call);
}

void
bitlens_interpreter_invoke (BitlensInterpreter *self)
{
  g_return_if_fail (self != NULL);

  for (guint o = 0; o < bitlens_model_get_n_ops (self->model); o++)
    {
      bitlens_interpreter_run_op (self, o, NULL);
      if (self->tap != NULL)
        {
          int output = bitlens_model_get_op (self->model, o)->outputs[0];
          self->tap (self, o, output, self->tensor_data[output], self->tap_data);
        }
    }
}

static double
dequantize_element (const BitlensTensor *tensor,
                    const void          *data,
                    gsize                index)
{
  double scale = bitlens_tensor_scale (tensor);
  int zero_point = bitlens_tensor_zero_point (tensor);

  switch (tensor->type)
    {
    case BITLENS_TYPE_FLOAT32: return ((const float *) data)[index];
    case BITLENS_TYPE_INT8: return scale * (((const gint8 *) data)[index] - zero_point);
    case BITLENS_TYPE_UINT8: return scale * (((const guint8 *) data)[index] - zero_point);
    case BITLENS_TYPE_INT16: return scale * (((const gint16 *) data)[index] - zero_point);
    case BITLENS_TYPE_INT32: return scale * (((const gint32 *) data)[index] - zero_point);
    default: return NAN;
    }
}

double
bitlens_interpreter_get_score (BitlensInterpreter *self,
                               gsize               element)
{
  const BitlensTensor *output;
  double value;

  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (bitlens_model_get_n_outputs (self->model) > 0, NAN);

  output = bitlens_model_get_tensor (self->model, bitlens_model_get_output (self->model, 0));
  if (element >= output->n_elements)
    return NAN;
  value = dequantize_element (output, bitlens_interpreter_get_output_data (self, 0), element);
  if (output->n_elements == 1 && !bitlens_model_output_is_probability (self->model))
    value = 1.0 / (1.0 + exp (-value));
  return value;
}

double
bitlens_interpreter_get_person_score (BitlensInterpreter *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return bitlens_interpreter_get_score (self, bitlens_model_get_person_index (self->model));
}
