/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-model-private.h"
#include "kernels/kernels.h"
#include "tflite-reader.h"

G_DEFINE_BOXED_TYPE (BitlensModel, bitlens_model, bitlens_model_ref, bitlens_model_unref)

BitlensModel *
bitlens_model_alloc (void)
{
  BitlensModel *model = g_new0 (BitlensModel, 1);

  g_atomic_ref_count_init (&model->ref_count);
  model->name = g_strdup ("model");
  model->owned_blocks = g_ptr_array_new_with_free_func (g_free);
  return model;
}

static void
bitlens_model_free (BitlensModel *model)
{
  for (guint i = 0; i < model->n_tensors; i++)
    {
      BitlensTensor *tensor = &model->tensors[i];
      g_free (tensor->name);
      g_free (tensor->scales);
      g_free (tensor->zero_points);
    }
  for (guint i = 0; i < model->n_ops; i++)
    {
      BitlensOp *op = &model->ops[i];
      if (op->prepared != NULL && op->prepared_free != NULL)
        op->prepared_free (op->prepared);
      g_free (op->inputs);
      g_free (op->outputs);
    }
  g_free (model->tensors);
  g_free (model->ops);
  g_free (model->inputs);
  g_free (model->outputs);
  g_free (model->name);
  g_free (model->description);
  g_clear_pointer (&model->owned_blocks, g_ptr_array_unref);
  g_clear_pointer (&model->bytes, g_bytes_unref);
  g_free (model);
}

BitlensModel *
bitlens_model_ref (BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
bitlens_model_unref (BitlensModel *model)
{
  g_return_if_fail (model != NULL);
  if (g_atomic_ref_count_dec (&model->ref_count))
    bitlens_model_free (model);
}

gboolean
bitlens_model_prepare_ops (BitlensModel  *model,
                           GError       **error)
{
  for (guint i = 0; i < model->n_ops; i++)
    {
      BitlensOp *op = &model->ops[i];
      const BitlensKernel *kernel = bitlens_kernel_lookup (op->kind);
      g_autoptr(GError) local_error = NULL;

      if (kernel == NULL)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("op %u: unsupported operator"), i);
          return FALSE;
        }
      if (!kernel->prepare (model, op, &local_error))
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("op %u (%s): %s"), i, bitlens_op_kind_name (op->kind),
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

BitlensModel *
bitlens_model_new_from_bytes (GBytes  *bytes,
                              GError **error)
{
  g_autoptr(BitlensModel) model = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  model = bitlens_model_alloc ();
  if (!bitlens_tflite_read (model, bytes, error))
    return NULL;
  if (!bitlens_model_prepare_ops (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

BitlensModel *
bitlens_model_new_from_file (const char  *path,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *basename = NULL;
  BitlensModel *model;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  /* A private copy keeps constants 16-byte aligned and the file free to change. */
  bytes = g_bytes_new (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped));
  model = bitlens_model_new_from_bytes (bytes, &local_error);
  basename = g_path_get_basename (path);
  if (model == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", basename, local_error->message);
      return NULL;
    }
  g_free (model->name);
  model->name = g_steal_pointer (&basename);
  return model;
}

const char *
bitlens_model_get_name (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->name;
}

const char *
bitlens_model_get_description (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->description;
}

guint
bitlens_model_get_n_tensors (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_tensors;
}

const BitlensTensor *
bitlens_model_get_tensor (const BitlensModel *model,
                          guint               index)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (index < model->n_tensors, NULL);
  return &model->tensors[index];
}

guint
bitlens_model_get_n_ops (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_ops;
}

const BitlensOp *
bitlens_model_get_op (const BitlensModel *model,
                      guint               index)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (index < model->n_ops, NULL);
  return &model->ops[index];
}

guint
bitlens_model_get_n_inputs (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_inputs;
}

int
bitlens_model_get_input (const BitlensModel *model,
                         guint               index)
{
  g_return_val_if_fail (model != NULL, -1);
  g_return_val_if_fail (index < model->n_inputs, -1);
  return model->inputs[index];
}

guint
bitlens_model_get_n_outputs (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_outputs;
}

int
bitlens_model_get_output (const BitlensModel *model,
                          guint               index)
{
  g_return_val_if_fail (model != NULL, -1);
  g_return_val_if_fail (index < model->n_outputs, -1);
  return model->outputs[index];
}

guint
bitlens_model_get_person_index (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  if (model->n_outputs == 0)
    return 0;
  const BitlensTensor *output = &model->tensors[model->outputs[0]];
  return output->n_elements >= 2 ? 1 : 0;
}

gboolean
bitlens_model_output_is_probability (const BitlensModel *model)
{
  g_return_val_if_fail (model != NULL, FALSE);
  if (model->n_outputs == 0)
    return FALSE;
  for (guint o = 0; o < model->n_ops; o++)
    {
      const BitlensOp *op = &model->ops[o];
      for (int k = 0; k < op->n_outputs; k++)
        if (op->outputs[k] == model->outputs[0])
          return op->kind == BITLENS_OP_LOGISTIC || op->kind == BITLENS_OP_SOFTMAX;
    }
  return FALSE;
}
