/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kernel-prepare-util.h"

/* Largest effective filter size, stride and input size of a window (see
 * bitlens_prepare_window). */
#define WINDOW_LIMIT (G_MAXINT / 8)

static const char *
tensor_name (const BitlensTensor *tensor)
{
  return tensor->name != NULL && tensor->name[0] != '\0' ? tensor->name : "(unnamed)";
}

static char *
format_dims (int rank,
             const int *dims)
{
  GString *text = g_string_new ("[");

  for (int i = 0; i < rank; i++)
    g_string_append_printf (text, "%s%d", i ? "," : "", dims[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

gboolean
bitlens_prepare_check_arity (const BitlensModel *model,
                             const BitlensOp    *op,
                             int                 min_inputs,
                             int                 max_inputs,
                             int                 n_outputs,
                             GError            **error)
{
  guint n_tensors = bitlens_model_get_n_tensors (model);

  if (op->n_inputs < min_inputs || op->n_inputs > max_inputs)
    {
      if (min_inputs == max_inputs)
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("has %d inputs, expected %d"), op->n_inputs, min_inputs);
      else
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("has %d inputs, expected %d to %d"), op->n_inputs, min_inputs, max_inputs);
      return FALSE;
    }
  if (op->n_outputs != n_outputs)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("has %d outputs, expected %d"), op->n_outputs, n_outputs);
      return FALSE;
    }
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i] < -1 || (op->inputs[i] >= 0 && (guint) op->inputs[i] >= n_tensors))
      {
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("input %d refers to tensor %d, the model has %u tensors"),
                     i, op->inputs[i], n_tensors);
        return FALSE;
      }
  for (int i = 0; i < op->n_outputs; i++)
    {
      if (op->outputs[i] < 0 || (guint) op->outputs[i] >= n_tensors)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("output %d refers to tensor %d, the model has %u tensors"),
                       i, op->outputs[i], n_tensors);
          return FALSE;
        }
      if (bitlens_model_get_tensor (model, op->outputs[i])->data != NULL)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("output %d '%s' is a constant tensor"),
                       i, tensor_name (bitlens_model_get_tensor (model, op->outputs[i])));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
bitlens_prepare_get_input (const BitlensModel   *model,
                           const BitlensOp      *op,
                           int                   index,
                           const char           *role,
                           gboolean              required,
                           const BitlensTensor **tensor,
                           GError              **error)
{
  *tensor = bitlens_op_input (model, op, index);
  if (*tensor == NULL && required)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the %s (input %d) is missing"), role, index);
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_prepare_check_type (const BitlensTensor *tensor,
                            const char          *role,
                            BitlensTensorType    type,
                            GError             **error)
{
  if (tensor->type != type)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s '%s' has type %s, expected %s"), role, tensor_name (tensor),
                   bitlens_tensor_type_name (tensor->type), bitlens_tensor_type_name (type));
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_prepare_check_float_or_int8 (const BitlensTensor *tensor,
                                     const char          *role,
                                     GError             **error)
{
  if (tensor->type != BITLENS_TYPE_FLOAT32 && tensor->type != BITLENS_TYPE_INT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s '%s' has type %s; only float32 and int8 are supported"),
                   role, tensor_name (tensor), bitlens_tensor_type_name (tensor->type));
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_prepare_check_rank (const BitlensTensor *tensor,
                            const char          *role,
                            int                  rank,
                            GError             **error)
{
  if (tensor->rank != rank)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has shape %s (rank %d), expected rank %d"),
                   role, tensor_name (tensor), shape, tensor->rank, rank);
      return FALSE;
    }
  return bitlens_prepare_check_dimensions (tensor, role, error);
}

gboolean
bitlens_prepare_check_dimensions (const BitlensTensor *tensor,
                                  const char          *role,
                                  GError             **error)
{
  for (int i = 0; i < tensor->rank; i++)
    if (tensor->shape[i] <= 0)
      {
        g_autofree char *shape = bitlens_tensor_format_shape (tensor);
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("%s '%s' has shape %s with an empty dimension"),
                     role, tensor_name (tensor), shape);
        return FALSE;
      }
  return TRUE;
}

gboolean
bitlens_prepare_check_shape (const BitlensTensor *tensor,
                             const char          *role,
                             int                  rank,
                             const int           *expected,
                             GError             **error)
{
  gboolean equal = tensor->rank == rank;

  for (int i = 0; equal && i < rank; i++)
    equal = tensor->shape[i] == expected[i];
  if (!equal)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (tensor);
      g_autofree char *wanted = format_dims (rank, expected);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has shape %s, expected %s"), role, tensor_name (tensor), shape, wanted);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_scale (const BitlensTensor *tensor,
             const char          *role,
             int                  index,
             GError             **error)
{
  float scale = tensor->scales[index];

  if (!(isfinite (scale) && scale > 0.0f))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has scale %g at index %d; scales must be finite and positive"),
                   role, tensor_name (tensor), (double) scale, index);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_int8_zero_point (const BitlensTensor *tensor,
                       const char          *role,
                       int                  index,
                       GError             **error)
{
  gint64 zero_point = tensor->zero_points[index];

  if (zero_point < G_MININT8 || zero_point > G_MAXINT8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has zero point %" PRId64 ", outside the int8 range"),
                   role, tensor_name (tensor), zero_point);
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_prepare_check_int8_per_tensor (const BitlensTensor *tensor,
                                       const char          *role,
                                       GError             **error)
{
  if (tensor->n_scales != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s '%s' has %d quantization scales, expected one (per-tensor quantization)"),
                   role, tensor_name (tensor), tensor->n_scales);
      return FALSE;
    }
  return check_scale (tensor, role, 0, error) && check_int8_zero_point (tensor, role, 0, error);
}

gboolean
bitlens_prepare_check_int8_weights (const BitlensTensor *tensor,
                                    const char          *role,
                                    int                  n_channels,
                                    int                  channel_axis,
                                    gboolean             allow_per_tensor_zero_point,
                                    GError             **error)
{
  if (tensor->n_scales != 1 && tensor->n_scales != n_channels)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has %d quantization scales, expected 1 or %d (one per channel)"),
                   role, tensor_name (tensor), tensor->n_scales, n_channels);
      return FALSE;
    }
  if (tensor->n_scales > 1 && tensor->quantized_dimension != channel_axis)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' is quantized per channel along axis %d, expected axis %d"),
                   role, tensor_name (tensor), tensor->quantized_dimension, channel_axis);
      return FALSE;
    }
  for (int c = 0; c < tensor->n_scales; c++)
    {
      if (!check_scale (tensor, role, c, error))
        return FALSE;
      if (tensor->n_scales == 1 && allow_per_tensor_zero_point)
        {
          if (!check_int8_zero_point (tensor, role, c, error))
            return FALSE;
        }
      else if (tensor->zero_points[c] != 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("%s '%s' has zero point %" PRId64 " at index %d; int8 weights must be symmetric (zero point 0)"),
                       role, tensor_name (tensor), tensor->zero_points[c], c);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
bitlens_prepare_check_activation (BitlensActivation activation,
                                  GError          **error)
{
  switch (activation)
    {
    case BITLENS_ACTIVATION_NONE:
    case BITLENS_ACTIVATION_RELU:
    case BITLENS_ACTIVATION_RELU_N1_TO_1:
    case BITLENS_ACTIVATION_RELU6:
      return TRUE;
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("fused activation %d is not supported"), (int) activation);
      return FALSE;
    }
}

gboolean
bitlens_prepare_read_int_constant (const BitlensTensor *tensor,
                                   const char          *role,
                                   gint64              *values,
                                   GError             **error)
{
  if (tensor->data == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s '%s' must be a constant tensor"), role, tensor_name (tensor));
      return FALSE;
    }
  if (tensor->type == BITLENS_TYPE_INT32)
    {
      for (gsize i = 0; i < tensor->n_elements; i++)
        {
          gint32 value;
          memcpy (&value, tensor->data + i * sizeof value, sizeof value);
          values[i] = value;
        }
    }
  else if (tensor->type == BITLENS_TYPE_INT64)
    {
      for (gsize i = 0; i < tensor->n_elements; i++)
        memcpy (&values[i], tensor->data + i * sizeof (gint64), sizeof (gint64));
    }
  else
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%s '%s' has type %s, expected int32"), role, tensor_name (tensor),
                   bitlens_tensor_type_name (tensor->type));
      return FALSE;
    }
  return TRUE;
}

gboolean
bitlens_prepare_window (const BitlensTensor    *input,
                        const BitlensTensor    *output,
                        int                     filter_h,
                        int                     filter_w,
                        int                     out_c,
                        const BitlensOpOptions *options,
                        gboolean                use_dilation,
                        BitlensWindow          *window,
                        GError                **error)
{
  int expected[4];

  if (!bitlens_prepare_check_rank (input, _("input"), 4, error) ||
      !bitlens_prepare_check_rank (output, _("output"), 4, error))
    return FALSE;

  *window = (BitlensWindow) {
    .batches = input->shape[0],
    .in_h = input->shape[1],
    .in_w = input->shape[2],
    .in_c = input->shape[3],
    .out_c = out_c,
    .filter_h = filter_h,
    .filter_w = filter_w,
    .stride_h = options->stride_h,
    .stride_w = options->stride_w,
    .dilation_h = use_dilation ? options->dilation_h : 1,
    .dilation_w = use_dilation ? options->dilation_w : 1,
  };

  if (window->stride_h <= 0 || window->stride_w <= 0 ||
      window->dilation_h <= 0 || window->dilation_w <= 0 ||
      filter_h <= 0 || filter_w <= 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("invalid window: filter %dx%d, stride %dx%d, dilation %dx%d (height x width)"),
                   filter_h, filter_w, window->stride_h, window->stride_w,
                   window->dilation_h, window->dilation_w);
      return FALSE;
    }
  /* Bounds that keep every int of the kernels' index arithmetic (out_y * stride - pad +
   * dilation * filter_y, the padding itself) far from overflow. */
  if ((gint64) (filter_h - 1) * window->dilation_h + 1 > WINDOW_LIMIT ||
      (gint64) (filter_w - 1) * window->dilation_w + 1 > WINDOW_LIMIT ||
      window->stride_h > WINDOW_LIMIT || window->stride_w > WINDOW_LIMIT ||
      window->in_h > WINDOW_LIMIT || window->in_w > WINDOW_LIMIT)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("window too large: filter %dx%d, stride %dx%d, dilation %dx%d on a %dx%d input"),
                   filter_h, filter_w, window->stride_h, window->stride_w,
                   window->dilation_h, window->dilation_w, window->in_h, window->in_w);
      return FALSE;
    }
  if (options->padding != BITLENS_PADDING_SAME && options->padding != BITLENS_PADDING_VALID)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("padding %d is not supported"), (int) options->padding);
      return FALSE;
    }
  if (!bitlens_compute_padding (options->padding, window->in_h, filter_h, window->stride_h,
                                window->dilation_h, &window->out_h, &window->pad_top) ||
      !bitlens_compute_padding (options->padding, window->in_w, filter_w, window->stride_w,
                                window->dilation_w, &window->out_w, &window->pad_left))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("a %dx%d window (dilation %dx%d) does not fit input %s with VALID padding"),
                   filter_h, filter_w, window->dilation_h, window->dilation_w, shape);
      return FALSE;
    }

  expected[0] = window->batches;
  expected[1] = window->out_h;
  expected[2] = window->out_w;
  expected[3] = out_c;
  return bitlens_prepare_check_shape (output, _("output"), 4, expected, error);
}

void
bitlens_region_assert_inside (const BitlensRegion *region,
                              int                  out_h,
                              int                  out_w)
{
  g_assert (region->y0 >= 0 && region->y0 <= region->y1 && region->y1 <= out_h);
  g_assert (region->x0 >= 0 && region->x0 <= region->x1 && region->x1 <= out_w);
}

gboolean
bitlens_requantize_init (BitlensRequantize   *requantize,
                         const BitlensTensor *input,
                         const BitlensTensor *weights,
                         const BitlensTensor *output,
                         int                  n_channels,
                         BitlensActivation    activation,
                         GError             **error)
{
  double input_scale = input->scales[0];
  double output_scale = output->scales[0];

  requantize->input_offset = -(gint32) input->zero_points[0];
  requantize->output_offset = (gint32) output->zero_points[0];
  bitlens_activation_range_quantized (activation, output->scales[0], (int) output->zero_points[0],
                                      G_MININT8, G_MAXINT8,
                                      &requantize->act_min, &requantize->act_max);
  requantize->n_channels = n_channels;
  requantize->multipliers = g_new (gint32, n_channels);
  requantize->shifts = g_new (int, n_channels);
  for (int c = 0; c < n_channels; c++)
    {
      double weight_scale = weights->scales[weights->n_scales > 1 ? c : 0];
      double real_multiplier = input_scale * weight_scale / output_scale;

      bitlens_quantize_multiplier (real_multiplier, &requantize->multipliers[c], &requantize->shifts[c]);
      /* MultiplyByQuantizedMultiplier shifts an int32 left by at most 31. */
      if (requantize->shifts[c] > 31)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the output rescale factor %g of channel %d (input scale x weight scale / output scale) is too large"),
                       real_multiplier, c);
          bitlens_requantize_clear (requantize);
          return FALSE;
        }
    }
  return TRUE;
}

void
bitlens_requantize_clear (BitlensRequantize *requantize)
{
  g_clear_pointer (&requantize->multipliers, g_free);
  g_clear_pointer (&requantize->shifts, g_free);
}
