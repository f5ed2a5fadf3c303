/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "shadow-private.h"

/* The float shadow (shadow-model.h): building the graph from a model, dequantizing
 * constants, and running the forward and backward passes over the op list. */

static const ShadowBuildFunc shadow_builds[BITLENS_OP_N_KINDS] = {
  [BITLENS_OP_ADD] = shadow_build_add,
  [BITLENS_OP_AVERAGE_POOL_2D] = shadow_build_average_pool_2d,
  [BITLENS_OP_CONCATENATION] = shadow_build_concatenation,
  [BITLENS_OP_CONV_2D] = shadow_build_conv_2d,
  [BITLENS_OP_DEPTHWISE_CONV_2D] = shadow_build_depthwise_conv_2d,
  [BITLENS_OP_DEQUANTIZE] = shadow_build_identity,
  [BITLENS_OP_FULLY_CONNECTED] = shadow_build_fully_connected,
  [BITLENS_OP_LOGISTIC] = shadow_build_logistic,
  [BITLENS_OP_MAX_POOL_2D] = shadow_build_max_pool_2d,
  [BITLENS_OP_MUL] = shadow_build_mul,
  [BITLENS_OP_RESHAPE] = shadow_build_identity,
  [BITLENS_OP_SOFTMAX] = shadow_build_softmax,
  [BITLENS_OP_PAD] = shadow_build_pad,
  [BITLENS_OP_MEAN] = shadow_build_mean,
  [BITLENS_OP_QUANTIZE] = shadow_build_identity,
  [BITLENS_OP_LCE_QUANTIZE] = shadow_build_lce_quantize,
  [BITLENS_OP_LCE_DEQUANTIZE] = shadow_build_lce_dequantize,
  [BITLENS_OP_LCE_BCONV2D] = shadow_build_lce_bconv2d,
  [BITLENS_OP_LCE_BMAXPOOL2D] = shadow_build_lce_bmaxpool2d,
};

/* Element i of a constant of an integer or float type, as a double. */
static double
constant_element (const BitlensTensor *tensor,
                  gsize                i)
{
  const guint8 *data = tensor->data;

  switch (tensor->type)
    {
    case BITLENS_TYPE_FLOAT32:
      {
        float v;
        memcpy (&v, data + i * 4, 4);
        return v;
      }
    case BITLENS_TYPE_INT8: return (gint8) data[i];
    case BITLENS_TYPE_UINT8: return data[i];
    case BITLENS_TYPE_INT16:
      {
        gint16 v;
        memcpy (&v, data + i * 2, 2);
        return v;
      }
    case BITLENS_TYPE_INT32:
      {
        gint32 v;
        memcpy (&v, data + i * 4, 4);
        return v;
      }
    case BITLENS_TYPE_INT64:
      {
        gint64 v;
        memcpy (&v, data + i * 8, 8);
        return (double) v;
      }
    case BITLENS_TYPE_BOOL:
    default:
      g_assert_not_reached ();
    }
}

gboolean
shadow_dequantize_constant (const BitlensTensor  *tensor,
                            double               *values,
                            GError              **error)
{
  gsize inner = 1;
  int axis = tensor->quantized_dimension;

  g_assert (tensor->data != NULL);
  if (tensor->type == BITLENS_TYPE_BOOL || !bitlens_tensor_type_is_known (tensor->type))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("constant %s is %s, which has no real value"), tensor->name,
                   bitlens_tensor_type_name (tensor->type));
      return FALSE;
    }
  if (tensor->type == BITLENS_TYPE_FLOAT32 || tensor->n_scales == 0)
    {
      for (gsize i = 0; i < tensor->n_elements; i++)
        values[i] = constant_element (tensor, i);
      return TRUE;
    }
  if (tensor->n_scales > 1 &&
      (axis < 0 || axis >= tensor->rank || tensor->shape[axis] != tensor->n_scales))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("constant %s %s has %d scales, which do not match its axis %d"),
                   tensor->name, shape, tensor->n_scales, axis);
      return FALSE;
    }
  if (tensor->n_scales > 1)
    for (int d = axis + 1; d < tensor->rank; d++)
      inner *= tensor->shape[d];
  for (gsize i = 0; i < tensor->n_elements; i++)
    {
      int channel = tensor->n_scales > 1 ? (int) ((i / inner) % (gsize) tensor->n_scales) : 0;

      values[i] = (double) tensor->scales[channel] *
                  (constant_element (tensor, i) - (double) tensor->zero_points[channel]);
    }
  return TRUE;
}

static void
tensor_set_shape (ShadowTensor *tensor,
                  int           rank,
                  const int    *shape)
{
  tensor->rank = rank;
  tensor->n_elements = 1;
  for (int d = 0; d < rank; d++)
    {
      tensor->shape[d] = shape[d];
      tensor->n_elements *= (gsize) shape[d];
    }
}

gboolean
shadow_hold_input (ShadowModel     *shadow,
                   const ShadowOp  *op,
                   int              slot,
                   gboolean         bitpacked,
                   GError         **error)
{
  int index = shadow_op_input (op, slot);
  const BitlensTensor *tensor;
  ShadowTensor *held;

  if (index < 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("input %d is absent"), slot);
      return FALSE;
    }
  tensor = bitlens_model_get_tensor (shadow->model, index);
  held = &shadow->tensors[index];
  if (!held->held)
    {
      if (tensor->data == NULL)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("input %d (%s) is computed by no earlier op and is not model input 0"),
                       slot, tensor->name);
          return FALSE;
        }
      if (bitpacked)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("input %d (%s) is a bitpacked constant; the shadow follows bitpacked activations only"),
                       slot, tensor->name);
          return FALSE;
        }
      held->constant = g_new (double, MAX (tensor->n_elements, 1));
      if (!shadow_dequantize_constant (tensor, held->constant, error))
        {
          g_clear_pointer (&held->constant, g_free);
          return FALSE;
        }
      tensor_set_shape (held, tensor->rank, tensor->shape);
      held->held = TRUE;
    }
  if (held->bitpacked != bitpacked)
    {
      if (bitpacked)
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                     _("input %d (%s) is not a bitpacked tensor made by LceQuantize, LceBconv2d or LceBMaxPool2d"),
                     slot, tensor->name);
      else
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                     _("input %d (%s) is bitpacked; the shadow follows bitpacked tensors only into "
                       "LceBconv2d, LceBMaxPool2d and LceDequantize"), slot, tensor->name);
      return FALSE;
    }
  return TRUE;
}

void
shadow_define_output (ShadowModel    *shadow,
                      const ShadowOp *op,
                      int             rank,
                      const int      *shape,
                      gboolean        bitpacked)
{
  ShadowTensor *held = &shadow->tensors[op->output];
  const BitlensTensor *tensor = bitlens_model_get_tensor (shadow->model, op->output);

  g_assert (!held->held);
  if (shape == NULL)
    tensor_set_shape (held, tensor->rank, tensor->shape);
  else
    tensor_set_shape (held, rank, shape);
  held->bitpacked = bitpacked;
  held->held = TRUE;
}

static gboolean
build_op (ShadowModel  *shadow,
          guint         index,
          GError      **error)
{
  const BitlensOp *model_op = bitlens_model_get_op (shadow->model, index);
  ShadowOp *op = &shadow->ops[index];
  ShadowBuildFunc build = (guint) model_op->kind < BITLENS_OP_N_KINDS ? shadow_builds[model_op->kind] : NULL;
  g_autoptr(GError) local_error = NULL;

  op->index = index;
  op->op = model_op;
  if (build == NULL || model_op->n_outputs != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("op %u (%s): the float shadow has no gradient for this op"),
                   index, bitlens_op_kind_name (model_op->kind));
      return FALSE;
    }
  op->output = model_op->outputs[0];
  if (shadow->tensors[op->output].held)
    g_set_error (&local_error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                 _("output %s is already written by an earlier op or is an input"),
                 bitlens_model_get_tensor (shadow->model, op->output)->name);
  else if (build (shadow, op, &local_error))
    {
      g_assert (shadow->tensors[op->output].held);
      g_assert (op->forward != NULL && op->backward != NULL);
      return TRUE;
    }
  g_set_error (error, local_error->domain, local_error->code, _("op %u (%s): %s"), index,
               bitlens_op_kind_name (model_op->kind), local_error->message);
  return FALSE;
}

ShadowModel *
shadow_model_new (BitlensModel  *model,
                  GError       **error)
{
  g_autoptr(ShadowModel) shadow = NULL;
  const BitlensTensor *input, *output;
  ShadowTensor *held;
  gsize offset = 0, saved = 0;

  g_return_val_if_fail (model != NULL, NULL);

  if (bitlens_model_get_n_inputs (model) == 0 || bitlens_model_get_n_outputs (model) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the float shadow needs a model with an input and an output"));
      return NULL;
    }

  shadow = g_new0 (ShadowModel, 1);
  shadow->model = bitlens_model_ref (model);
  shadow->tensors = g_new0 (ShadowTensor, MAX (bitlens_model_get_n_tensors (model), 1));
  shadow->n_ops = bitlens_model_get_n_ops (model);
  shadow->ops = g_new0 (ShadowOp, MAX (shadow->n_ops, 1));
  shadow->input = bitlens_model_get_input (model, 0);
  shadow->output = bitlens_model_get_output (model, 0);

  input = bitlens_model_get_tensor (model, shadow->input);
  if (input->type != BITLENS_TYPE_FLOAT32 && input->type != BITLENS_TYPE_INT8 &&
      input->type != BITLENS_TYPE_UINT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the float shadow needs a float32, int8 or uint8 input; input 0 is %s"),
                   bitlens_tensor_type_name (input->type));
      return NULL;
    }
  if (input->data != NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("input 0 is a constant"));
      return NULL;
    }
  held = &shadow->tensors[shadow->input];
  tensor_set_shape (held, input->rank, input->shape);
  held->held = TRUE;

  for (guint i = 0; i < shadow->n_ops; i++)
    if (!build_op (shadow, i, error))
      return NULL;

  output = bitlens_model_get_tensor (model, shadow->output);
  held = &shadow->tensors[shadow->output];
  if (!held->held || held->constant != NULL || held->bitpacked)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("output 0 (%s) is not a real-valued activation of the model"), output->name);
      return NULL;
    }
  shadow->output_sigmoid = output->n_elements == 1 && !bitlens_model_output_is_probability (model);

  /* Every activation keeps its own memory: the backward pass reads them all. */
  for (guint t = 0; t < bitlens_model_get_n_tensors (model); t++)
    {
      held = &shadow->tensors[t];
      if (held->held && held->constant == NULL)
        {
          held->offset = offset;
          if (!g_size_checked_add (&offset, offset, held->n_elements))
            {
              g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                           _("the float shadow's activations do not fit in memory"));
              return NULL;
            }
        }
    }
  for (guint i = 0; i < shadow->n_ops; i++)
    {
      shadow->ops[i].saved_offset = saved;
      if (!g_size_checked_add (&saved, saved, shadow->ops[i].saved_elements))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the float shadow's activations do not fit in memory"));
          return NULL;
        }
    }
  if (offset > G_MAXSIZE / sizeof (double) / 2 || saved > G_MAXSIZE / sizeof (double) / 2)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the float shadow's activations do not fit in memory"));
      return NULL;
    }
  shadow->n_activation_elements = offset;
  shadow->n_saved_elements = saved;
  return g_steal_pointer (&shadow);
}

void
shadow_model_free (ShadowModel *shadow)
{
  if (shadow == NULL)
    return;
  for (guint i = 0; i < shadow->n_ops; i++)
    if (shadow->ops[i].params_free != NULL)
      shadow->ops[i].params_free (shadow->ops[i].params);
  if (shadow->tensors != NULL)
    for (guint t = 0; t < bitlens_model_get_n_tensors (shadow->model); t++)
      g_free (shadow->tensors[t].constant);
  g_free (shadow->tensors);
  g_free (shadow->ops);
  bitlens_model_unref (shadow->model);
  g_free (shadow);
}

BitlensModel *
shadow_model_get_model (const ShadowModel *shadow)
{
  return shadow->model;
}

int
shadow_model_get_input (const ShadowModel *shadow)
{
  return shadow->input;
}

int
shadow_model_get_output (const ShadowModel *shadow)
{
  return shadow->output;
}

const int *
shadow_model_get_shape (const ShadowModel *shadow,
                        int                tensor,
                        int               *rank)
{
  const ShadowTensor *held;

  g_return_val_if_fail (tensor >= 0 && (guint) tensor < bitlens_model_get_n_tensors (shadow->model), NULL);
  held = &shadow->tensors[tensor];
  *rank = held->held ? held->rank : 0;
  return held->held ? held->shape : NULL;
}

gsize
shadow_model_get_n_elements (const ShadowModel *shadow,
                             int                tensor)
{
  g_return_val_if_fail (tensor >= 0 && (guint) tensor < bitlens_model_get_n_tensors (shadow->model), 0);
  return shadow->tensors[tensor].held ? shadow->tensors[tensor].n_elements : 0;
}

void
shadow_model_dequantize_input (const ShadowModel *shadow,
                               const guint8      *bytes,
                               double            *values)
{
  const BitlensTensor *input = bitlens_model_get_tensor (shadow->model, shadow->input);
  double scale = bitlens_tensor_scale (input);
  double zero_point = bitlens_tensor_zero_point (input);

  for (gsize i = 0; i < input->n_elements; i++)
    switch (input->type)
      {
      case BITLENS_TYPE_FLOAT32:
        {
          float v;
          memcpy (&v, bytes + i * 4, 4);
          values[i] = v;
          break;
        }
      case BITLENS_TYPE_INT8: values[i] = scale * ((gint8) bytes[i] - zero_point); break;
      case BITLENS_TYPE_UINT8: values[i] = scale * (bytes[i] - zero_point); break;
      default: g_assert_not_reached ();
      }
}

ShadowState *
shadow_state_new (const ShadowModel *shadow)
{
  ShadowState *state = g_new0 (ShadowState, 1);

  state->shadow = shadow;
  state->values = g_new0 (double, MAX (shadow->n_activation_elements, 1));
  state->gradients = g_new0 (double, MAX (shadow->n_activation_elements, 1));
  state->saved = g_new0 (double, MAX (shadow->n_saved_elements, 1));
  return state;
}

void
shadow_state_free (ShadowState *state)
{
  if (state == NULL)
    return;
  g_free (state->values);
  g_free (state->gradients);
  g_free (state->saved);
  g_free (state);
}

static double
sigmoid (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

double
shadow_state_forward (ShadowState  *state,
                      const double *input,
                      int           target)
{
  const ShadowModel *shadow = state->shadow;
  const ShadowTensor *output = &shadow->tensors[shadow->output];
  double value;

  g_return_val_if_fail (target >= 0 && (gsize) target < output->n_elements, NAN);

  memcpy (state->values + shadow->tensors[shadow->input].offset, input,
          sizeof (double) * shadow->tensors[shadow->input].n_elements);
  for (guint i = 0; i < shadow->n_ops; i++)
    shadow->ops[i].forward (&shadow->ops[i], state);
  value = state->values[output->offset + target];
  return shadow->output_sigmoid ? sigmoid (value) : value;
}

static void
backward_from_output (ShadowState *state)
{
  const ShadowModel *shadow = state->shadow;

  for (guint i = shadow->n_ops; i-- > 0;)
    shadow->ops[i].backward (&shadow->ops[i], state);
}

void
shadow_state_backward (ShadowState *state,
                       int          target)
{
  const ShadowModel *shadow = state->shadow;
  const ShadowTensor *output = &shadow->tensors[shadow->output];
  double value;

  g_return_if_fail (target >= 0 && (gsize) target < output->n_elements);

  memset (state->gradients, 0, sizeof (double) * shadow->n_activation_elements);
  value = state->values[output->offset + target];
  if (shadow->output_sigmoid)
    {
      double s = sigmoid (value);
      state->gradients[output->offset + target] = s * (1.0 - s);
    }
  else
    state->gradients[output->offset + target] = 1.0;
  backward_from_output (state);
}

void
shadow_state_backward_seeded (ShadowState  *state,
                              const double *seed)
{
  const ShadowModel *shadow = state->shadow;
  const ShadowTensor *output = &shadow->tensors[shadow->output];

  memset (state->gradients, 0, sizeof (double) * shadow->n_activation_elements);
  memcpy (state->gradients + output->offset, seed, sizeof (double) * output->n_elements);
  backward_from_output (state);
}

const double *
shadow_state_get_values (const ShadowState *state,
                         int                tensor)
{
  g_return_val_if_fail (state->shadow->tensors[tensor].held, NULL);
  return shadow_values (state, tensor);
}

const double *
shadow_state_get_gradient (const ShadowState *state,
                           int                tensor)
{
  const ShadowTensor *held = &state->shadow->tensors[tensor];

  g_return_val_if_fail (held->held, NULL);
  return held->constant != NULL ? NULL : state->gradients + held->offset;
}
