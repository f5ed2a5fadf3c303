/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "kernels/kernel-prepare-util.h"
#include "kernels/lce-bconv2d-private.h"
#include "shadow-private.h"

/* The shadow's weighted ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and LceBconv2d.
 * Forward passes keep the reference loop order (out_y, out_x, out_c, then filter_y,
 * filter_x, in_c; bias after the sum, then the fused activation). Backward passes add
 * weight * (output gradient, zero where the activation clamps) to each input tap. */

typedef struct
{
  BitlensWindow  window;
  int            filter_in_c;         /* CONV_2D: filter dims[3] */
  int            filters_per_group;   /* CONV_2D: out_c / groups */
  int            depth_multiplier;    /* DEPTHWISE_CONV_2D */
  int            filter;              /* tensor index */
  double        *bias;                /* out_c values, or NULL */
  ShadowClamp    clamp;
} ConvParams;

static void
conv_params_free (gpointer data)
{
  ConvParams *params = data;

  g_free (params->bias);
  g_free (params);
}

/* The filter must be a constant: the shadow gives gradients to activations only. */
static gboolean
hold_constant (ShadowModel     *shadow,
               const ShadowOp  *op,
               int              slot,
               const char      *role,
               GError         **error)
{
  const BitlensTensor *tensor = bitlens_op_input (shadow->model, op->op, slot);

  if (tensor == NULL || tensor->data == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the %s is not a constant; the float shadow needs constant weights"), role);
      return FALSE;
    }
  return shadow_hold_input (shadow, op, slot, FALSE, error);
}

/* The bias at `slot` as real values: float32 as it is; int32 as q * input_scale *
 * weight_scale[c] (the scale the integer kernels apply to the accumulator). NULL
 * without a bias. */
static gboolean
read_bias (ShadowModel     *shadow,
           const ShadowOp  *op,
           int              slot,
           int              n_channels,
           double         **bias,
           GError         **error)
{
  const BitlensTensor *tensor = bitlens_op_input (shadow->model, op->op, slot);
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *weights = bitlens_op_input (shadow->model, op->op, 1);
  g_autofree double *values = NULL;

  *bias = NULL;
  if (tensor == NULL)
    return TRUE;
  if (tensor->data == NULL || tensor->n_elements != (gsize) n_channels)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the bias is not a constant of %d values"), n_channels);
      return FALSE;
    }
  values = g_new (double, n_channels);
  if (tensor->type == BITLENS_TYPE_INT32)
    {
      double input_scale = bitlens_tensor_scale (input);

      if (weights->n_scales != 1 && weights->n_scales != n_channels)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the int32 bias needs weights quantized per tensor or per output channel"));
          return FALSE;
        }
      for (int c = 0; c < n_channels; c++)
        {
          gint32 q;

          memcpy (&q, tensor->data + (gsize) c * 4, 4);
          values[c] = q * input_scale * (double) weights->scales[weights->n_scales > 1 ? c : 0];
        }
    }
  else if (!shadow_dequantize_constant (tensor, values, error))
    return FALSE;
  *bias = g_steal_pointer (&values);
  return TRUE;
}

static gboolean
build_window_op (ShadowModel  *shadow,
                 ShadowOp     *op,
                 ConvParams   *params,
                 int           out_c,
                 GError      **error)
{
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *filter = bitlens_op_input (shadow->model, op->op, 1);
  const BitlensTensor *output = bitlens_op_output (shadow->model, op->op, 0);

  if (!shadow_hold_input (shadow, op, 0, FALSE, error) ||
      !hold_constant (shadow, op, 1, _("filter"), error) ||
      !bitlens_prepare_window (input, output, filter->shape[1], filter->shape[2], out_c,
                               &op->op->options, TRUE, &params->window, error) ||
      !read_bias (shadow, op, 2, out_c, &params->bias, error))
    return FALSE;
  params->filter = op->op->inputs[1];
  params->clamp = shadow_clamp_for (op->op->options.activation);
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  return TRUE;
}

static inline gsize
pixel_index (int b,
             int y,
             int x,
             int height,
             int width,
             int channels)
{
  return (((gsize) b * height + y) * width + x) * channels;
}

/* The input pixels (b * in_h * in_w + y * in_w + x) the taps of a sliding window read at
 * one output pixel, in filter order (filter_y, then filter_x); -1 for a tap in the
 * padding. `pixels` holds filter_h * filter_w entries. */
static void
window_taps (const BitlensWindow *w,
             int                  b,
             int                  out_y,
             int                  out_x,
             gssize              *pixels)
{
  int in_y_origin = out_y * w->stride_h - w->pad_top;
  int in_x_origin = out_x * w->stride_w - w->pad_left;

  for (int filter_y = 0; filter_y < w->filter_h; filter_y++)
    for (int filter_x = 0; filter_x < w->filter_w; filter_x++)
      {
        int in_y = in_y_origin + w->dilation_h * filter_y;
        int in_x = in_x_origin + w->dilation_w * filter_x;
        gboolean inside = in_y >= 0 && in_y < w->in_h && in_x >= 0 && in_x < w->in_w;

        pixels[filter_y * w->filter_w + filter_x] =
          inside ? (gssize) pixel_index (b, in_y, in_x, w->in_h, w->in_w, 1) : -1;
      }
}

#define FOREACH_OUTPUT_PIXEL(w, b, out_y, out_x)                       \
  for (int b = 0; b < (w)->batches; b++)                               \
    for (int out_y = 0; out_y < (w)->out_h; out_y++)                   \
      for (int out_x = 0; out_x < (w)->out_w; out_x++)

static void
conv_forward (const ShadowOp *op,
              ShadowState    *state)
{
  const ConvParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *input = shadow_values (state, op->op->inputs[0]);
  const double *filter = shadow_values (state, params->filter);
  double *output = shadow_output_values (state, op);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);

  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      double *out = output + pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int out_c = 0; out_c < w->out_c; out_c++)
        {
          gsize group_offset = (gsize) (out_c / params->filters_per_group) * params->filter_in_c;
          double total = 0;

          for (int tap = 0; tap < n_taps; tap++)
            {
              const double *x, *f;

              if (taps[tap] < 0)
                continue;
              x = input + (gsize) taps[tap] * w->in_c + group_offset;
              f = filter + ((gsize) out_c * n_taps + tap) * params->filter_in_c;
              for (int in_c = 0; in_c < params->filter_in_c; in_c++)
                total += f[in_c] * x[in_c];
            }
          if (params->bias != NULL)
            total += params->bias[out_c];
          out[out_c] = shadow_clamp_apply (params->clamp, total);
        }
    }
}

static void
conv_backward (const ShadowOp *op,
               ShadowState    *state)
{
  const ConvParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *filter = shadow_values (state, params->filter);
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);

  if (input_gradient == NULL)
    return;
  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      gsize out = pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int out_c = 0; out_c < w->out_c; out_c++)
        {
          gsize group_offset = (gsize) (out_c / params->filters_per_group) * params->filter_in_c;
          double g = output_gradient[out + out_c];

          if (g == 0 || !shadow_clamp_passes (params->clamp, output[out + out_c]))
            continue;
          for (int tap = 0; tap < n_taps; tap++)
            {
              const double *f;
              double *dx;

              if (taps[tap] < 0)
                continue;
              dx = input_gradient + (gsize) taps[tap] * w->in_c + group_offset;
              f = filter + ((gsize) out_c * n_taps + tap) * params->filter_in_c;
              for (int in_c = 0; in_c < params->filter_in_c; in_c++)
                dx[in_c] += f[in_c] * g;
            }
        }
    }
}

gboolean
shadow_build_conv_2d (ShadowModel  *shadow,
                      ShadowOp     *op,
                      GError      **error)
{
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *filter = bitlens_op_input (shadow->model, op->op, 1);
  ConvParams *params;

  if (input == NULL || filter == NULL || input->rank != 4 || filter->rank != 4 ||
      filter->shape[3] <= 0 || input->shape[3] % filter->shape[3] != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input and filter are not a 4-D pair the kernel accepts"));
      return FALSE;
    }
  params = g_new0 (ConvParams, 1);
  op->params = params;
  op->params_free = conv_params_free;
  params->filter_in_c = filter->shape[3];
  params->filters_per_group = filter->shape[0] / (input->shape[3] / filter->shape[3]);
  if (params->filters_per_group <= 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("the groups do not split the filters"));
      return FALSE;
    }
  if (!build_window_op (shadow, op, params, filter->shape[0], error))
    return FALSE;
  op->forward = conv_forward;
  op->backward = conv_backward;
  return TRUE;
}

/* DEPTHWISE_CONV_2D: output channel oc = ic * M + m, filter [1, Kh, Kw, I * M]. */
static void
depthwise_forward (const ShadowOp *op,
                   ShadowState    *state)
{
  const ConvParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *input = shadow_values (state, op->op->inputs[0]);
  const double *filter = shadow_values (state, params->filter);
  double *output = shadow_output_values (state, op);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);

  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      double *out = output + pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int in_c = 0; in_c < w->in_c; in_c++)
        for (int m = 0; m < params->depth_multiplier; m++)
          {
            int out_c = in_c * params->depth_multiplier + m;
            double total = 0;

            for (int tap = 0; tap < n_taps; tap++)
              if (taps[tap] >= 0)
                total += filter[(gsize) tap * w->out_c + out_c] * input[(gsize) taps[tap] * w->in_c + in_c];
            if (params->bias != NULL)
              total += params->bias[out_c];
            out[out_c] = shadow_clamp_apply (params->clamp, total);
          }
    }
}

static void
depthwise_backward (const ShadowOp *op,
                    ShadowState    *state)
{
  const ConvParams *params = op->params;
  const BitlensWindow *w = &params->window;
  const double *filter = shadow_values (state, params->filter);
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);

  if (input_gradient == NULL)
    return;
  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      gsize out = pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int in_c = 0; in_c < w->in_c; in_c++)
        for (int m = 0; m < params->depth_multiplier; m++)
          {
            int out_c = in_c * params->depth_multiplier + m;
            double g = output_gradient[out + out_c];

            if (g == 0 || !shadow_clamp_passes (params->clamp, output[out + out_c]))
              continue;
            for (int tap = 0; tap < n_taps; tap++)
              if (taps[tap] >= 0)
                input_gradient[(gsize) taps[tap] * w->in_c + in_c] += filter[(gsize) tap * w->out_c + out_c] * g;
          }
    }
}

gboolean
shadow_build_depthwise_conv_2d (ShadowModel  *shadow,
                                ShadowOp     *op,
                                GError      **error)
{
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *filter = bitlens_op_input (shadow->model, op->op, 1);
  ConvParams *params;

  if (input == NULL || filter == NULL || input->rank != 4 || filter->rank != 4 ||
      input->shape[3] <= 0 || filter->shape[3] % input->shape[3] != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input and filter are not a 4-D pair the kernel accepts"));
      return FALSE;
    }
  params = g_new0 (ConvParams, 1);
  op->params = params;
  op->params_free = conv_params_free;
  params->depth_multiplier = filter->shape[3] / input->shape[3];
  if (!build_window_op (shadow, op, params, filter->shape[3], error))
    return FALSE;
  op->forward = depthwise_forward;
  op->backward = depthwise_backward;
  return TRUE;
}

/* FULLY_CONNECTED: rows of input_size values, weights [units, input_size]. */
typedef struct
{
  gsize   rows;
  int     input_size;
  int     units;
  int     weights;        /* tensor index */
  double *bias;
  ShadowClamp clamp;
} FullyConnectedParams;

static void
fully_connected_params_free (gpointer data)
{
  FullyConnectedParams *params = data;

  g_free (params->bias);
  g_free (params);
}

static void
fully_connected_forward (const ShadowOp *op,
                         ShadowState    *state)
{
  const FullyConnectedParams *params = op->params;
  const double *input = shadow_values (state, op->op->inputs[0]);
  const double *weights = shadow_values (state, params->weights);
  double *output = shadow_output_values (state, op);

  for (gsize b = 0; b < params->rows; b++)
    for (int u = 0; u < params->units; u++)
      {
        const double *x = input + b * params->input_size;
        const double *w = weights + (gsize) u * params->input_size;
        double total = 0;

        for (int i = 0; i < params->input_size; i++)
          total += w[i] * x[i];
        if (params->bias != NULL)
          total += params->bias[u];
        output[b * params->units + u] = shadow_clamp_apply (params->clamp, total);
      }
}

static void
fully_connected_backward (const ShadowOp *op,
                          ShadowState    *state)
{
  const FullyConnectedParams *params = op->params;
  const double *weights = shadow_values (state, params->weights);
  const double *output = shadow_values (state, op->output);
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);

  if (input_gradient == NULL)
    return;
  for (gsize b = 0; b < params->rows; b++)
    for (int u = 0; u < params->units; u++)
      {
        gsize o = b * params->units + u;
        const double *w = weights + (gsize) u * params->input_size;
        double *dx = input_gradient + b * params->input_size;
        double g = output_gradient[o];

        if (g == 0 || !shadow_clamp_passes (params->clamp, output[o]))
          continue;
        for (int i = 0; i < params->input_size; i++)
          dx[i] += w[i] * g;
      }
}

gboolean
shadow_build_fully_connected (ShadowModel  *shadow,
                              ShadowOp     *op,
                              GError      **error)
{
  const BitlensTensor *input = bitlens_op_input (shadow->model, op->op, 0);
  const BitlensTensor *weights = bitlens_op_input (shadow->model, op->op, 1);
  FullyConnectedParams *params;

  if (input == NULL || weights == NULL || weights->rank != 2 || weights->shape[1] <= 0 ||
      input->n_elements % (gsize) weights->shape[1] != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("input and weights are not a pair the kernel accepts"));
      return FALSE;
    }
  params = g_new0 (FullyConnectedParams, 1);
  op->params = params;
  op->params_free = fully_connected_params_free;
  params->units = weights->shape[0];
  params->input_size = weights->shape[1];
  params->rows = input->n_elements / (gsize) params->input_size;
  params->weights = op->op->inputs[1];
  params->clamp = shadow_clamp_for (op->op->options.activation);
  if (!shadow_hold_input (shadow, op, 0, FALSE, error) ||
      !hold_constant (shadow, op, 1, _("weights"), error) ||
      !read_bias (shadow, op, 2, params->units, &params->bias, error))
    return FALSE;
  if (bitlens_op_output (shadow->model, op->op, 0)->n_elements != params->rows * params->units)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the output does not hold %zu rows of %d units"), params->rows, params->units);
      return FALSE;
    }
  shadow_define_output (shadow, op, 0, NULL, FALSE);
  op->forward = fully_connected_forward;
  op->backward = fully_connected_backward;
  return TRUE;
}

/* LceBconv2d on +1 / -1 values: dot = sum over taps and channels of filter * input;
 * outside taps read +1 (SAME, pad_values 1) or 0 (SAME, pad_values 0). The forward pass
 * counts it as the kernel does, on sign bits (the input holds exactly +1 and -1): a tap
 * inside adds channels - 2 popcount (input XOR filter), an outside tap with +1 padding
 * channels - 2 popcount (filter). The output
 * transform is the kernel's, on 2 * acc = K - dot (exact integers), in float as the
 * kernel computes it, so that a float output is the kernel's own value:
 * float y = (float) clamp (K - dot, clamp_min, clamp_max) * m'[c] + b'[c]; an int8 output
 * is out_scale * (y - out_zero_point) without rounding (straight-through); a bitpacked
 * output is the sign of z = (dot - (K - 2 t[c] - 1)) / sqrt (K). The fused activation
 * clamps the dot product to its range in the +1 / -1 domain; the gradient passes where
 * dot is strictly inside it. */
typedef struct
{
  const LceBconv2dPrepared *prepared;
  BitlensWindow             window;            /* the prepared geometry, as the other convolutions' */
  int                       channels_in;
  int                       group_channels;    /* channels_in / groups */
  double                   *filter;            /* [out_c, Kh, Kw, group_channels], +1 / -1 */
  guint32                  *filter_bits;       /* [out_c, Kh, Kw, group_words], bit 1 for -1 */
  int                       group_words;       /* ceil (group_channels / 32) */
  double                   *boundaries;        /* bitpacked: K - 2 t[c] - 1 */
  double                    root_depth;        /* sqrt (K) */
  double                    pad_value;         /* +1, or 0 for pad_values 0 */
  double                    out_scale;         /* int8 output, else 1 */
  double                    out_zero_point;
  ShadowClamp               dot_clamp;
} BconvParams;

static void
bconv_params_free (gpointer data)
{
  BconvParams *params = data;

  g_free (params->filter);
  g_free (params->filter_bits);
  g_free (params->boundaries);
  g_free (params);
}

/* The input's signs, packed per pixel and group: [pixel][group][group_words]. */
static guint32 *
pack_input_signs (const BconvParams *params,
                  const double      *input)
{
  const LceBconv2dPrepared *p = params->prepared;
  gsize n_pixels = (gsize) p->batches * p->in_height * p->in_width;
  gsize pixel_words = (gsize) p->groups * params->group_words;
  guint32 *bits = g_new0 (guint32, MAX (n_pixels * pixel_words, 1));

  for (gsize pixel = 0; pixel < n_pixels; pixel++)
    for (int group = 0; group < p->groups; group++)
      {
        const double *x = input + pixel * params->channels_in + (gsize) group * params->group_channels;
        guint32 *words = bits + pixel * pixel_words + (gsize) group * params->group_words;

        for (int c = 0; c < params->group_channels; c++)
          if (x[c] < 0)
            words[c / 32] |= (guint32) 1 << (c % 32);
      }
  return bits;
}

static inline int
count_mismatches (const guint32 *a,
                  const guint32 *b,
                  int            n_words)
{
  int count = 0;

  for (int w = 0; w < n_words; w++)
    count += __builtin_popcount (b != NULL ? a[w] ^ b[w] : a[w]);
  return count;
}

static void
bconv_forward (const ShadowOp *op,
               ShadowState    *state)
{
  const BconvParams *params = op->params;
  const LceBconv2dPrepared *p = params->prepared;
  const BitlensWindow *w = &params->window;
  g_autofree guint32 *input_bits = pack_input_signs (params, shadow_values (state, op->op->inputs[0]));
  double *output = shadow_output_values (state, op);
  double *dots = shadow_saved (state, op);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);
  gsize pixel_words = (gsize) p->groups * params->group_words;

  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      gsize out = pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int out_c = 0; out_c < w->out_c; out_c++)
        {
          gsize group_offset = (gsize) (out_c / p->out_channels_per_group) * params->group_words;
          gint64 dot = 0;
          double value;

          for (int tap = 0; tap < n_taps; tap++)
            {
              const guint32 *f = params->filter_bits + ((gsize) out_c * n_taps + tap) * params->group_words;

              if (taps[tap] >= 0)
                dot += params->group_channels
                       - 2 * count_mismatches (f, input_bits + (gsize) taps[tap] * pixel_words + group_offset,
                                               params->group_words);
              else if (params->pad_value != 0)
                dot += params->group_channels - 2 * count_mismatches (f, NULL, params->group_words);
            }
          dots[out + out_c] = (double) dot;

          if (p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED)
            value = dot - params->boundaries[out_c] > 0 ? 1.0 : -1.0;
          else
            {
              double twice_acc = CLAMP ((double) p->depth - dot, (double) p->clamp_min, (double) p->clamp_max);
              float scaled = (float) twice_acc * p->multiplier[out_c];
              float y = scaled + p->bias[out_c];

              value = params->out_scale * ((double) y - params->out_zero_point);
            }
          output[out + out_c] = value;
        }
    }
}

static void
bconv_backward (const ShadowOp *op,
                ShadowState    *state)
{
  const BconvParams *params = op->params;
  const LceBconv2dPrepared *p = params->prepared;
  const BitlensWindow *w = &params->window;
  const double *output_gradient = shadow_gradient (state, op->output);
  double *input_gradient = shadow_gradient (state, op->op->inputs[0]);
  const double *dots = shadow_saved (state, op);
  int n_taps = w->filter_h * w->filter_w;
  g_autofree gssize *taps = g_new (gssize, n_taps);

  if (input_gradient == NULL)
    return;
  FOREACH_OUTPUT_PIXEL (w, b, out_y, out_x)
    {
      gsize out = pixel_index (b, out_y, out_x, w->out_h, w->out_w, w->out_c);

      window_taps (w, b, out_y, out_x, taps);
      for (int out_c = 0; out_c < w->out_c; out_c++)
        {
          gsize group_offset = (gsize) (out_c / p->out_channels_per_group) * params->group_channels;
          double dot = dots[out + out_c];
          double g = output_gradient[out + out_c];

          if (g == 0)
            continue;
          if (p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED)
            g *= shadow_sign_gradient ((dot - params->boundaries[out_c]) / params->root_depth) /
                 params->root_depth;
          else if (shadow_clamp_passes (params->dot_clamp, dot))
            g *= -(double) p->multiplier[out_c] * params->out_scale;
          else
            g = 0;
          if (g == 0)
            continue;

          for (int tap = 0; tap < n_taps; tap++)
            {
              const double *f;
              double *dx;

              if (taps[tap] < 0)
                continue;
              f = params->filter + ((gsize) out_c * n_taps + tap) * params->group_channels;
              dx = input_gradient + (gsize) taps[tap] * params->channels_in + group_offset;
              for (int c = 0; c < params->group_channels; c++)
                dx[c] += f[c] * g;
            }
        }
    }
}

/* The packed OHWI filter as +1 / -1 values (bit i of word j is channel 32 j + i) and as
 * its words. */
static void
unpack_filter (const BitlensTensor      *filter,
               const LceBconv2dPrepared *p,
               BconvParams              *params)
{
  gsize taps = (gsize) p->out_channels * p->filter_height * p->filter_width;

  int tail = params->group_channels % 32;

  g_assert (p->filter_words == params->group_words);
  memcpy (params->filter_bits, filter->data, taps * p->filter_words * 4);
  for (gsize t = 0; t < taps; t++)
    {
      /* Only the channels count (the padding bits of a well-formed filter are 0 anyway). */
      if (tail != 0)
        params->filter_bits[(t + 1) * p->filter_words - 1] &= ((guint32) 1 << tail) - 1;
      for (int c = 0; c < params->group_channels; c++)
        {
          guint32 word = params->filter_bits[t * p->filter_words + c / 32];

          params->filter[t * params->group_channels + c] = (word >> (c % 32)) & 1 ? -1.0 : 1.0;
        }
    }
}

gboolean
shadow_build_lce_bconv2d (ShadowModel  *shadow,
                          ShadowOp     *op,
                          GError      **error)
{
  const LceBconv2dPrepared *p = op->op->prepared;
  const BitlensTensor *filter = bitlens_op_input (shadow->model, op->op, 1);
  const BitlensTensor *output = bitlens_op_output (shadow->model, op->op, 0);
  const ShadowTensor *input;
  BconvParams *params;
  int out_shape[4];

  g_assert (p != NULL);
  if (!shadow_hold_input (shadow, op, 0, TRUE, error))
    return FALSE;
  input = shadow_tensor (shadow, op->op->inputs[0]);
  if (input->rank != 4 || input->shape[3] != op->op->options.channels_in)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the input holds %d channels, channels_in is %d"),
                   input->rank == 4 ? input->shape[3] : -1, op->op->options.channels_in);
      return FALSE;
    }
  if (filter == NULL || filter->data == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("the filter is not a constant; the float shadow needs constant weights"));
      return FALSE;
    }

  params = g_new0 (BconvParams, 1);
  op->params = params;
  op->params_free = bconv_params_free;
  params->prepared = p;
  params->window = (BitlensWindow) {
    .batches = p->batches,
    .in_h = p->in_height, .in_w = p->in_width, .in_c = op->op->options.channels_in,
    .out_h = p->out_height, .out_w = p->out_width, .out_c = p->out_channels,
    .filter_h = p->filter_height, .filter_w = p->filter_width,
    .stride_h = p->stride_height, .stride_w = p->stride_width,
    .dilation_h = p->dilation_height, .dilation_w = p->dilation_width,
    .pad_top = p->pad_top, .pad_left = p->pad_left,
  };
  params->channels_in = op->op->options.channels_in;
  params->group_channels = params->channels_in / p->groups;
  params->root_depth = sqrt ((double) p->depth);
  params->pad_value = p->zero_padding ? 0.0 : 1.0;
  params->out_scale = 1.0;
  params->dot_clamp = shadow_clamp_for (op->op->options.activation);
  params->group_words = (params->group_channels + 31) / 32;
  params->filter = g_new (double, (gsize) p->out_channels * p->filter_height * p->filter_width *
                                  params->group_channels);
  params->filter_bits = g_new (guint32, (gsize) p->out_channels * p->filter_height * p->filter_width *
                                        params->group_words);
  unpack_filter (filter, p, params);

  if (p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED)
    {
      const BitlensTensor *thresholds = bitlens_op_input (shadow->model, op->op, 4);

      if (thresholds == NULL || thresholds->data == NULL || thresholds->type != BITLENS_TYPE_INT32 ||
          thresholds->n_elements != (gsize) p->out_channels)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("the thresholds are not a constant of %d int32 values"), p->out_channels);
          return FALSE;
        }
      params->boundaries = g_new (double, p->out_channels);
      for (int c = 0; c < p->out_channels; c++)
        {
          gint32 t;

          memcpy (&t, thresholds->data + (gsize) c * 4, 4);
          params->boundaries[c] = (double) p->depth - 2.0 * t - 1.0;
        }
    }
  else if (p->output_kind == LCE_BCONV2D_OUTPUT_INT8)
    {
      params->out_scale = bitlens_tensor_scale (output);
      params->out_zero_point = bitlens_tensor_zero_point (output);
    }

  out_shape[0] = p->batches;
  out_shape[1] = p->out_height;
  out_shape[2] = p->out_width;
  out_shape[3] = p->out_channels;
  shadow_define_output (shadow, op, 4, out_shape, p->output_kind == LCE_BCONV2D_OUTPUT_BITPACKED);
  op->saved_elements = shadow_tensor (shadow, op->output)->n_elements;
  op->forward = bconv_forward;
  op->backward = bconv_backward;
  return TRUE;
}
