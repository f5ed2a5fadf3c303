/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "lce-bconv2d-private.h"
#include "quantization-math.h"

/* LceBconv2d: binary convolution of packed +-1 inputs and filters by XOR-popcount, then
 * the output transform to float, int8 or packed bits (SEMANTICS.md section 3). This file
 * holds prepare, which checks everything eval relies on, and the reference kernel, which
 * follows the loop order of the LCE reference (core/bconv2d/reference.h). */

/* Keeps 2 * accumulator and the zero-padding sums far from overflowing an int32. */
#define LCE_BCONV2D_MAX_DEPTH_BITS (G_GINT64_CONSTANT (1) << 28)

enum
{
  INPUT_DATA,
  INPUT_FILTER,
  INPUT_POST_MULTIPLIER,
  INPUT_POST_BIAS,
  INPUT_THRESHOLDS,
  N_INPUTS
};

static void
lce_bconv2d_prepared_free (gpointer data)
{
  LceBconv2dPrepared *p = data;

  g_free (p->multiplier);
  g_free (p->bias);
  g_free (p->tap_popcounts);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LceBconv2dPrepared, lce_bconv2d_prepared_free)

static gboolean
lce_bconv2d_check_options (const BitlensOpOptions *options,
                           GError                **error)
{
  if (options->channels_in < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("channels_in is %d, expected a positive count"), options->channels_in);
      return FALSE;
    }
  if (options->stride_w < 1 || options->stride_h < 1
      || options->dilation_w < 1 || options->dilation_h < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("stride %dx%d and dilation %dx%d (width x height) must be positive"),
                   options->stride_w, options->stride_h, options->dilation_w, options->dilation_h);
      return FALSE;
    }
  if (options->padding != BITLENS_PADDING_SAME && options->padding != BITLENS_PADDING_VALID)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("padding %d is neither SAME (0) nor VALID (1)"), (int) options->padding);
      return FALSE;
    }
  if (options->pad_values != 0 && options->pad_values != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("pad_values is %d, expected 0 or 1"), options->pad_values);
      return FALSE;
    }
  switch (options->activation)
    {
    case BITLENS_ACTIVATION_NONE:
    case BITLENS_ACTIVATION_RELU:
    case BITLENS_ACTIVATION_RELU_N1_TO_1:
    case BITLENS_ACTIVATION_RELU6:
      break;
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("fused activation %d is not supported"), (int) options->activation);
      return FALSE;
    }
  if (options->padding == BITLENS_PADDING_SAME && options->pad_values == 0
      && options->channels_in % 2 != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("SAME padding with pad_values 0 needs an even channels_in (it is %d), as in the LCE reference kernel"),
                   options->channels_in);
      return FALSE;
    }
  return TRUE;
}

/* Input, filter, groups and the output geometry. */
static gboolean
lce_bconv2d_check_geometry (const BitlensModel *model,
                            const BitlensOp    *op,
                            LceBconv2dPrepared *p,
                            GError            **error)
{
  const BitlensOpOptions *options = &op->options;
  const BitlensTensor *input = bitlens_op_input (model, op, INPUT_DATA);
  const BitlensTensor *filter = bitlens_op_input (model, op, INPUT_FILTER);
  int channels_in = options->channels_in;
  gint64 depth_bits;

  if (!bitlens_lce_expect_type (input, "input", BITLENS_TYPE_INT32, error)
      || !bitlens_lce_expect_rank (input, "input", 4, error)
      || !bitlens_lce_expect_dimension (input, "input", 3, bitlens_lce_packed_words (channels_in), error)
      || !bitlens_lce_expect_type (filter, "filter", BITLENS_TYPE_INT32, error)
      || !bitlens_lce_expect_rank (filter, "filter", 4, error))
    return FALSE;
  if (filter->data == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("filter (tensor \"%s\") is not a constant"), filter->name);
      return FALSE;
    }

  p->batches = input->shape[0];
  p->in_height = input->shape[1];
  p->in_width = input->shape[2];
  p->in_words = input->shape[3];
  p->out_channels = filter->shape[0];
  p->filter_height = filter->shape[1];
  p->filter_width = filter->shape[2];
  p->filter_words = filter->shape[3];
  if (p->batches < 0 || p->out_channels < 1 || p->filter_height < 1 || p->filter_width < 1
      || p->filter_words < 1)
    {
      g_autofree char *input_shape = bitlens_tensor_format_shape (input);
      g_autofree char *filter_shape = bitlens_tensor_format_shape (filter);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input %s and filter %s: filter dimensions must be positive"),
                   input_shape, filter_shape);
      return FALSE;
    }

  /* Groups, as LCE infers them from the filter's packed depth. */
  if (p->filter_words == p->in_words)
    p->groups = 1;
  else
    {
      int group_channels;

      if (p->in_words % p->filter_words != 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("filter depth of %d words does not divide the input's %d words (channels_in %d)"),
                       p->filter_words, p->in_words, channels_in);
          return FALSE;
        }
      p->groups = p->in_words / p->filter_words;
      group_channels = channels_in / p->groups;
      if (channels_in % p->groups != 0 || group_channels % BITLENS_LCE_BITS_PER_WORD != 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("%d groups of channels_in %d: each group must hold a multiple of 32 channels"),
                       p->groups, channels_in);
          return FALSE;
        }
      if (p->out_channels % p->groups != 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("%d output channels do not split into %d groups"),
                       p->out_channels, p->groups);
          return FALSE;
        }
    }
  p->out_channels_per_group = p->out_channels / p->groups;

  /* Bound the accumulator: every bit of every filter tap (padding bits included). */
  depth_bits = (gint64) p->filter_height * p->filter_width * p->filter_words * BITLENS_LCE_BITS_PER_WORD;
  if (depth_bits > LCE_BCONV2D_MAX_DEPTH_BITS)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("a filter of %" PRId64 " bits per output channel is too large"), depth_bits);
      return FALSE;
    }
  p->depth = p->filter_height * p->filter_width * (channels_in / p->groups);
  p->patch_words = (gsize) p->filter_height * p->filter_width * p->in_words;

  p->stride_height = options->stride_h;
  p->stride_width = options->stride_w;
  p->dilation_height = options->dilation_h;
  p->dilation_width = options->dilation_w;
  if (!bitlens_compute_padding (options->padding, p->in_height, p->filter_height, p->stride_height,
                                p->dilation_height, &p->out_height, &p->pad_top)
      || !bitlens_compute_padding (options->padding, p->in_width, p->filter_width, p->stride_width,
                                   p->dilation_width, &p->out_width, &p->pad_left))
    {
      g_autofree char *input_shape = bitlens_tensor_format_shape (input);
      g_autofree char *filter_shape = bitlens_tensor_format_shape (filter);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input %s, filter %s, stride %dx%d, dilation %dx%d: the output would be empty"),
                   input_shape, filter_shape, p->stride_width, p->stride_height,
                   p->dilation_width, p->dilation_height);
      return FALSE;
    }
  p->out_words = bitlens_lce_packed_words (p->out_channels);
  p->zero_padding = options->padding == BITLENS_PADDING_SAME && options->pad_values == 0;
  p->zero_padding_accumulator = (channels_in / p->groups) / 2;
  return TRUE;
}

/* A float vector of out_channels values: inputs 2 and 3. */
static const float *
lce_bconv2d_check_channel_vector (const BitlensModel *model,
                                  const BitlensOp    *op,
                                  int                 index,
                                  const char         *role,
                                  int                 out_channels,
                                  GError            **error)
{
  const BitlensTensor *tensor = bitlens_lce_require_input (model, op, index, role, error);

  if (tensor == NULL
      || !bitlens_lce_expect_type (tensor, role, BITLENS_TYPE_FLOAT32, error)
      || !bitlens_lce_expect_rank (tensor, role, 1, error)
      || !bitlens_lce_expect_dimension (tensor, role, 0, out_channels, error))
    return NULL;
  if (tensor->data == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s (tensor \"%s\") is not a constant"), role, tensor->name);
      return NULL;
    }
  return (const float *) tensor->data;
}

/* The float and int8 output transform, in double, stored as float (bconv2d.cc
 * OneTimeSetup). */
static gboolean
lce_bconv2d_setup_output_transform (const BitlensModel *model,
                                    const BitlensOp    *op,
                                    const BitlensTensor *output,
                                    LceBconv2dPrepared *p,
                                    GError            **error)
{
  const float *post_multiplier, *post_bias;
  double output_scale = 1.0, output_zero_point = 0.0;
  float activation_min, activation_max;
  gint64 nominal_min, nominal_max;

  post_multiplier = lce_bconv2d_check_channel_vector (model, op, INPUT_POST_MULTIPLIER,
                                                      "post_activation_multiplier",
                                                      p->out_channels, error);
  if (post_multiplier == NULL)
    return FALSE;
  post_bias = lce_bconv2d_check_channel_vector (model, op, INPUT_POST_BIAS, "post_activation_bias",
                                                p->out_channels, error);
  if (post_bias == NULL)
    return FALSE;

  if (output->type == BITLENS_TYPE_INT8)
    {
      if (!bitlens_lce_expect_int8_quantization (output, "output", error))
        return FALSE;
      output_scale = output->scales[0];
      output_zero_point = (double) output->zero_points[0];
    }

  p->multiplier = g_new (float, p->out_channels);
  p->bias = g_new (float, p->out_channels);
  for (int c = 0; c < p->out_channels; c++)
    {
      double multiplier = post_multiplier[c];
      double bias = post_bias[c];

      p->multiplier[c] = (float) (-multiplier / output_scale);
      p->bias[c] = (float) ((bias + (double) p->depth * multiplier) / output_scale + output_zero_point);
    }

  /* The activation range of the +-1 dot product (integers: RELU [0, max], RELU6 [0, 6],
   * RELU_N1_TO_1 [-1, 1]), clipped to [-K, K], then mapped to 2 * acc = K - dot. */
  bitlens_activation_range_float (op->options.activation, &activation_min, &activation_max);
  nominal_min = activation_min <= -G_MAXFLOAT ? G_MININT32 : (gint64) activation_min;
  nominal_max = activation_max >= G_MAXFLOAT ? G_MAXINT32 : (gint64) activation_max;
  nominal_min = MAX (nominal_min, -(gint64) p->depth);
  nominal_max = MIN (nominal_max, (gint64) p->depth);
  p->clamp_min = (gint32) (p->depth - nominal_max);
  p->clamp_max = (gint32) (p->depth - nominal_min);
  return TRUE;
}

static gboolean
lce_bconv2d_setup_tap_popcounts (const BitlensModel *model,
                                 const BitlensOp    *op,
                                 LceBconv2dPrepared *p)
{
  const guint32 *filter = (const guint32 *) bitlens_op_input (model, op, INPUT_FILTER)->data;
  int taps = p->filter_height * p->filter_width;
  gsize n;

  /* out_channels * taps <= the filter's element count, which the model holds. */
  if (!g_size_checked_mul (&n, (gsize) p->out_channels, (gsize) taps))
    return FALSE;
  p->tap_popcounts = g_new (gint32, n);
  for (gsize i = 0; i < n; i++)
    {
      gint32 count = 0;

      for (int w = 0; w < p->filter_words; w++)
        count += __builtin_popcount (filter[i * p->filter_words + w]);
      p->tap_popcounts[i] = count;
    }
  return TRUE;
}

static gboolean
lce_bconv2d_prepare (const BitlensModel *model,
                     BitlensOp          *op,
                     GError            **error)
{
  g_autoptr(LceBconv2dPrepared) p = g_new0 (LceBconv2dPrepared, 1);
  const BitlensTensor *output;
  gsize scratch_bytes;

  if (!bitlens_lce_expect_arity (model, op, N_INPUTS, 1, error))
    return FALSE;
  if (bitlens_lce_require_input (model, op, INPUT_DATA, "input", error) == NULL
      || bitlens_lce_require_input (model, op, INPUT_FILTER, "filter", error) == NULL)
    return FALSE;
  if (!lce_bconv2d_check_options (&op->options, error)
      || !lce_bconv2d_check_geometry (model, op, p, error))
    return FALSE;

  output = bitlens_op_output (model, op, 0);
  switch (output->type)
    {
    case BITLENS_TYPE_FLOAT32:
      p->output_kind = LCE_BCONV2D_OUTPUT_FLOAT;
      break;
    case BITLENS_TYPE_INT8:
      p->output_kind = LCE_BCONV2D_OUTPUT_INT8;
      break;
    case BITLENS_TYPE_INT32:
      p->output_kind = LCE_BCONV2D_OUTPUT_BITPACKED;
      break;
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("output (tensor \"%s\") has type %s, expected float32, int8 or int32"),
                   output->name, bitlens_tensor_type_name (output->type));
      return FALSE;
    }
  if (!bitlens_lce_expect_rank (output, "output", 4, error)
      || !bitlens_lce_expect_dimension (output, "output", 0, p->batches, error)
      || !bitlens_lce_expect_dimension (output, "output", 1, p->out_height, error)
      || !bitlens_lce_expect_dimension (output, "output", 2, p->out_width, error)
      || !bitlens_lce_expect_dimension (output, "output", 3,
                                        p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED
                                        ? p->out_words : p->out_channels, error))
    return FALSE;

  if (p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED)
    {
      const BitlensTensor *thresholds =
        bitlens_lce_require_input (model, op, INPUT_THRESHOLDS, "thresholds", error);

      if (thresholds == NULL
          || !bitlens_lce_expect_type (thresholds, "thresholds", BITLENS_TYPE_INT32, error)
          || !bitlens_lce_expect_rank (thresholds, "thresholds", 1, error)
          || !bitlens_lce_expect_dimension (thresholds, "thresholds", 0, p->out_channels, error))
        return FALSE;
    }
  else if (!lce_bconv2d_setup_output_transform (model, op, output, p, error))
    return FALSE;

  /* The optimized kernel's scratch: an im2col patch, then the list of outside taps. */
  if (!lce_bconv2d_setup_tap_popcounts (model, op, p)
      || !g_size_checked_add (&scratch_bytes, p->patch_words,
                              (gsize) p->filter_height * p->filter_width)
      || !g_size_checked_mul (&scratch_bytes, scratch_bytes, sizeof (guint32)))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the filter's size overflows"));
      return FALSE;
    }

  op->scratch_bytes = scratch_bytes;
  op->prepared = g_steal_pointer (&p);
  op->prepared_free = lce_bconv2d_prepared_free;
  return TRUE;
}

void
bitlens_lce_bconv2d_eval_reference (const BitlensKernelCall *call)
{
  const LceBconv2dPrepared *p = call->op->prepared;
  BitlensRegion region = bitlens_lce_clip_region (&call->region, p->out_height, p->out_width);
  const guint32 *input = call->inputs[INPUT_DATA];
  const guint32 *filter = call->inputs[INPUT_FILTER];
  const gint32 *thresholds = call->inputs[INPUT_THRESHOLDS];
  void *output = call->outputs[0];

  for (int b = 0; b < p->batches; b++)
    for (int out_y = region.y0; out_y < region.y1; out_y++)
      for (int out_x = region.x0; out_x < region.x1; out_x++)
        {
          gsize pixel = lce_bconv2d_output_pixel_offset (p, b, out_y, out_x);
          int origin_y = out_y * p->stride_height - p->pad_top;
          int origin_x = out_x * p->stride_width - p->pad_left;

          lce_bconv2d_begin_pixel (p, output, pixel);
          for (int out_c = 0; out_c < p->out_channels; out_c++)
            {
              int group = out_c / p->out_channels_per_group;
              gint32 accumulator = 0;

              for (int filter_y = 0; filter_y < p->filter_height; filter_y++)
                for (int filter_x = 0; filter_x < p->filter_width; filter_x++)
                  {
                    int in_y = origin_y + p->dilation_height * filter_y;
                    int in_x = origin_x + p->dilation_width * filter_x;
                    gboolean inside = in_y >= 0 && in_y < p->in_height && in_x >= 0 && in_x < p->in_width;
                    const guint32 *filter_tap =
                      filter + (((gsize) out_c * p->filter_height + filter_y) * p->filter_width + filter_x) * p->filter_words;
                    const guint32 *input_tap =
                      inside ? input + (((gsize) b * p->in_height + in_y) * p->in_width + in_x) * p->in_words
                                       + (gsize) group * p->filter_words
                             : NULL;

                    if (!inside && p->zero_padding)
                      {
                        accumulator += p->zero_padding_accumulator;
                        continue;
                      }
                    for (int w = 0; w < p->filter_words; w++)
                      {
                        /* Outside taps read word 0: all +1 (pad_values 1). */
                        guint32 input_word = inside ? input_tap[w] : 0;
                        accumulator += __builtin_popcount (input_word ^ filter_tap[w]);
                      }
                  }
              lce_bconv2d_store (p, thresholds, output, pixel, out_c, accumulator);
            }
        }
}

const BitlensKernel bitlens_kernel_lce_bconv2d = {
  BITLENS_OP_LCE_BCONV2D,
  lce_bconv2d_prepare,
  bitlens_lce_bconv2d_eval_reference,
  bitlens_lce_bconv2d_eval_optimized,
  TRUE
};
