/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "lce-common.h"

gboolean
bitlens_lce_expect_type (const BitlensTensor *tensor,
                         const char          *role,
                         BitlensTensorType    type,
                         GError             **error)
{
  if (tensor->type == type)
    return TRUE;
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
               _("%s (tensor \"%s\") has type %s, expected %s"),
               role, tensor->name, bitlens_tensor_type_name (tensor->type),
               bitlens_tensor_type_name (type));
  return FALSE;
}

gboolean
bitlens_lce_expect_rank (const BitlensTensor *tensor,
                         const char          *role,
                         int                  rank,
                         GError             **error)
{
  g_autofree char *shape = NULL;

  if (tensor->rank == rank)
    return TRUE;
  shape = bitlens_tensor_format_shape (tensor);
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
               _("%s (tensor \"%s\") has shape %s, expected rank %d"),
               role, tensor->name, shape, rank);
  return FALSE;
}

gboolean
bitlens_lce_expect_dimension (const BitlensTensor *tensor,
                              const char          *role,
                              int                  axis,
                              int                  expected,
                              GError             **error)
{
  g_autofree char *shape = NULL;

  g_assert (axis >= 0 && axis < tensor->rank);
  if (tensor->shape[axis] == expected)
    return TRUE;
  shape = bitlens_tensor_format_shape (tensor);
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
               _("%s (tensor \"%s\") has shape %s: dimension %d is %d, expected %d"),
               role, tensor->name, shape, axis, tensor->shape[axis], expected);
  return FALSE;
}

gboolean
bitlens_lce_expect_int8_quantization (const BitlensTensor *tensor,
                                      const char          *role,
                                      GError             **error)
{
  float scale;
  gint64 zero_point;

  if (tensor->n_scales != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s (tensor \"%s\") needs one int8 scale and zero point, it has %d"),
                   role, tensor->name, tensor->n_scales);
      return FALSE;
    }
  scale = tensor->scales[0];
  zero_point = tensor->zero_points[0];
  if (!(isfinite (scale) && scale > 0.0f))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s (tensor \"%s\") has scale %g, expected a finite positive value"),
                   role, tensor->name, (double) scale);
      return FALSE;
    }
  if (zero_point < G_MININT8 || zero_point > G_MAXINT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s (tensor \"%s\") has zero point %" PRId64 ", outside [-128, 127]"),
                   role, tensor->name, zero_point);
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_lce_expect_arity (const BitlensModel *model,
                          const BitlensOp    *op,
                          int                 n_inputs,
                          int                 n_outputs,
                          GError            **error)
{
  if (op->n_inputs != n_inputs || op->n_outputs != n_outputs)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("has %d inputs and %d outputs, expected %d and %d"),
                   op->n_inputs, op->n_outputs, n_inputs, n_outputs);
      return FALSE;
    }
  for (int i = 0; i < n_outputs; i++)
    {
      const BitlensTensor *output;

      if (op->outputs[i] < 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("output %d is absent"), i);
          return FALSE;
        }
      output = bitlens_op_output (model, op, i);
      if (output->data != NULL)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("output %d (tensor \"%s\") is a constant"), i, output->name);
          return FALSE;
        }
    }
  return TRUE;
}

const BitlensTensor *
bitlens_lce_require_input (const BitlensModel *model,
                           const BitlensOp    *op,
                           int                 index,
                           const char         *role,
                           GError            **error)
{
  const BitlensTensor *tensor = bitlens_op_input (model, op, index);

  if (tensor == NULL)
    g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                 _("input %d (%s) is absent"), index, role);
  return tensor;
}
