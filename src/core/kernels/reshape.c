/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"

/* RESHAPE: the output tensor's shape is the new shape; the bytes are copied unchanged.
 * The optional second input (the shape as a tensor) is not read. */

static gboolean
reshape_prepare (const BitlensModel *model,
                 BitlensOp          *op,
                 GError            **error)
{
  const BitlensTensor *input, *output;

  if (!bitlens_prepare_check_arity (model, op, 1, 2, 1, error) ||
      !bitlens_prepare_get_input (model, op, 0, _("input"), TRUE, &input, error))
    return FALSE;
  output = bitlens_op_output (model, op, 0);

  if (!bitlens_tensor_type_is_known (input->type))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("input has unsupported type %d"), (int) input->type);
      return FALSE;
    }
  if (!bitlens_prepare_check_type (output, _("output"), input->type, error))
    return FALSE;
  if (output->n_elements != input->n_elements || output->n_bytes != input->n_bytes)
    {
      g_autofree char *in_shape = bitlens_tensor_format_shape (input);
      g_autofree char *out_shape = bitlens_tensor_format_shape (output);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("output %s has %zu elements, input %s has %zu"),
                   out_shape, output->n_elements, in_shape, input->n_elements);
      return FALSE;
    }
  op->prepared = g_memdup2 (&input->n_bytes, sizeof (gsize));
  op->prepared_free = g_free;
  return TRUE;
}

static void
reshape_eval (const BitlensKernelCall *call)
{
  const gsize *n_bytes = call->op->prepared;

  if (call->outputs[0] != call->inputs[0])
    memmove (call->outputs[0], call->inputs[0], *n_bytes);
}

const BitlensKernel bitlens_kernel_reshape = {
  BITLENS_OP_RESHAPE, reshape_prepare, reshape_eval, NULL, FALSE,
};
