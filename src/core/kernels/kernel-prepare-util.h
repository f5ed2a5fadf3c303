/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernels.h"
#include "quantization-math.h"

G_BEGIN_DECLS

/* Helpers for the prepare functions of the TFLM-style kernels (convolutions, pools, fully
 * connected, pad, mean, concatenation, reshape). Each check returns FALSE and sets @error
 * (BITLENS_ERROR_MODEL_INVALID for inconsistent models, _UNSUPPORTED for valid models the
 * core does not run) with a message naming the tensor by @role ("input", "filter" ...) and
 * by its name; the caller (bitlens_model_prepare_ops) prefixes the op. */

/* n_inputs in [min_inputs, max_inputs], exactly @n_outputs outputs, every tensor index in
 * range and no output constant. */
gboolean             bitlens_prepare_check_arity         (const BitlensModel  *model,
                                                          const BitlensOp     *op,
                                                          int                  min_inputs,
                                                          int                  max_inputs,
                                                          int                  n_outputs,
                                                          GError             **error);
/* Sets *@tensor to input @index, or to NULL when it is absent (-1 or beyond n_inputs);
 * with @required an absent input is an error. */
gboolean             bitlens_prepare_get_input           (const BitlensModel  *model,
                                                          const BitlensOp     *op,
                                                          int                  index,
                                                          const char          *role,
                                                          gboolean             required,
                                                          const BitlensTensor **tensor,
                                                          GError             **error);
gboolean             bitlens_prepare_check_type          (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          BitlensTensorType    type,
                                                          GError             **error);
/* float32 or int8, the types the TFLM-style kernels run. */
gboolean             bitlens_prepare_check_float_or_int8 (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          GError             **error);
gboolean             bitlens_prepare_check_rank          (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          int                  rank,
                                                          GError             **error);
/* Every dimension positive. */
gboolean             bitlens_prepare_check_dimensions    (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          GError             **error);
/* The tensor's shape is exactly expected[0..rank). */
gboolean             bitlens_prepare_check_shape         (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          int                  rank,
                                                          const int           *expected,
                                                          GError             **error);
/* int8 activation: one scale, finite and > 0, a zero point in [-128, 127]. */
gboolean             bitlens_prepare_check_int8_per_tensor (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          GError             **error);
/* int8 weights quantized per tensor (one scale) or per channel (@n_channels scales along
 * @channel_axis); scales finite and > 0. Zero points must be 0, except for a per-tensor
 * zero point in [-128, 127] when @allow_per_tensor_zero_point. */
gboolean             bitlens_prepare_check_int8_weights  (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          int                  n_channels,
                                                          int                  channel_axis,
                                                          gboolean             allow_per_tensor_zero_point,
                                                          GError             **error);
gboolean             bitlens_prepare_check_activation    (BitlensActivation    activation,
                                                          GError             **error);
/* The elements of an int32 or int64 constant tensor, widened to gint64; @values holds
 * tensor->n_elements entries. */
gboolean             bitlens_prepare_read_int_constant   (const BitlensTensor *tensor,
                                                          const char          *role,
                                                          gint64              *values,
                                                          GError             **error);

/* The geometry of a sliding window over an [N,H,W,C] input (convolutions and pools). */
typedef struct
{
  int batches;
  int in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int filter_h, filter_w;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int pad_top, pad_left;
} BitlensWindow;

/* Fills the spatial part of @window from the input [N,H,W,C], the filter size and the
 * options (padding, strides; dilations when @use_dilation, else 1) and checks that the
 * output is [N, out_h, out_w, @out_c]. in_c and out_c are set from the tensors. */
gboolean             bitlens_prepare_window              (const BitlensTensor *input,
                                                          const BitlensTensor *output,
                                                          int                  filter_h,
                                                          int                  filter_w,
                                                          int                  out_c,
                                                          const BitlensOpOptions *options,
                                                          gboolean             use_dilation,
                                                          BitlensWindow       *window,
                                                          GError             **error);

/* Output rows [y0, y1) and columns [x0, x1) of a spatial kernel: asserts that the region
 * lies inside the output (the interpreter's contract). */
void                 bitlens_region_assert_inside        (const BitlensRegion *region,
                                                          int                  out_h,
                                                          int                  out_w);

/* Requantization of an int8 output: out = clamp(MBQM(acc, m[c], s[c]) + zp_out). */
typedef struct
{
  gint32  input_offset;        /* -zero point of the input */
  gint32  output_offset;       /* zero point of the output */
  gint32  act_min, act_max;    /* fused activation range, in output units */
  int     n_channels;
  gint32 *multipliers;         /* n_channels entries */
  int    *shifts;
} BitlensRequantize;

/* Fills @requantize for int8 input, weights and output: per channel multipliers from
 * (double) s_in * (double) s_w[c] / (double) s_out (the weight scale broadcast when per
 * tensor), offsets and the activation range. Fails when a multiplier is too large for
 * MultiplyByQuantizedMultiplier (left shift > 31). */
gboolean             bitlens_requantize_init             (BitlensRequantize   *requantize,
                                                          const BitlensTensor *input,
                                                          const BitlensTensor *weights,
                                                          const BitlensTensor *output,
                                                          int                  n_channels,
                                                          BitlensActivation    activation,
                                                          GError             **error);
void                 bitlens_requantize_clear            (BitlensRequantize   *requantize);

static inline gint8
bitlens_requantize_apply (const BitlensRequantize *requantize,
                          gint32                   acc,
                          int                      channel)
{
  gint32 value = bitlens_multiply_by_quantized_multiplier (acc, requantize->multipliers[channel],
                                                           requantize->shifts[channel]);
  value += requantize->output_offset;
  return (gint8) bitlens_clamp_i32 (value, requantize->act_min, requantize->act_max);
}

G_END_DECLS
