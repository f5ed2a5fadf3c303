/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by the tests of the TFLM-style kernels: building one-op models, running
 * them with the optimized or the reference kernels and over regions, random data, and the
 * TFLM integer arithmetic written here from the text of SEMANTICS.md section 2,
 * independently of src/core/kernels/quantization-math.h, so that expectations do not
 * share code with the kernels they check. */

#include <math.h>
#include <string.h>

#include "bitlens-interpreter-private.h"
#include "test-model-builder.h"

/* ---- TFLM arithmetic from the spec text ---- */

/* SRDHM: INT32_MIN * INT32_MIN gives INT32_MAX; else (ab + nudge) / 2^31 with C
 * division, nudge 2^30 when ab >= 0, 1 - 2^30 otherwise. */
static inline gint32
kt_srdhm (gint32 a,
          gint32 b)
{
  gint64 ab, nudge;

  if (a == G_MININT32 && b == G_MININT32)
    return G_MAXINT32;
  ab = (gint64) a * b;
  nudge = ab >= 0 ? (gint64) 1073741824 : (gint64) 1 - 1073741824;
  return (gint32) ((ab + nudge) / (gint64) 2147483648);
}

/* RDBPOT: mask = 2^e - 1, remainder x & mask, threshold (mask >> 1) + (x < 0), result
 * (x >> e) + (remainder > threshold). */
static inline gint32
kt_rdbpot (gint32 x,
           int    exponent)
{
  gint64 mask = ((gint64) 1 << exponent) - 1;
  gint64 remainder = (gint64) x & mask;
  gint64 threshold = (mask >> 1) + (x < 0 ? 1 : 0);

  return (gint32) ((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static inline gint32
kt_mbqm (gint32 x,
         gint32 multiplier,
         int    shift)
{
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;

  return kt_rdbpot (kt_srdhm ((gint32) ((gint64) x * ((gint64) 1 << left)), multiplier), right);
}

/* QuantizeMultiplier: frexp, round(q * 2^31) ties away from zero, 2^31 -> halved with
 * shift + 1, shift < -31 -> 0. */
static inline void
kt_quantize_multiplier (double  real,
                        gint32 *multiplier,
                        int    *shift)
{
  double q;
  gint64 fixed;

  if (real == 0.0)
    {
      *multiplier = 0;
      *shift = 0;
      return;
    }
  q = frexp (real, shift);
  fixed = (gint64) round (q * 2147483648.0);
  if (fixed == (gint64) 2147483648)
    {
      fixed /= 2;
      (*shift)++;
    }
  if (*shift < -31)
    {
      *shift = 0;
      fixed = 0;
    }
  *multiplier = (gint32) fixed;
}

/* int8 activation range: RELU min = max(-128, zp + round(0/scale)); RELU6 also max =
 * min(127, zp + round(6/scale)); RELU_N1_TO_1 with -1 and 1; float division. */
static inline void
kt_activation_range_int8 (BitlensActivation activation,
                          float             scale,
                          int               zero_point,
                          int              *low,
                          int              *high)
{
  *low = -128;
  *high = 127;
  if (activation == BITLENS_ACTIVATION_RELU || activation == BITLENS_ACTIVATION_RELU6)
    *low = MAX (-128, zero_point + (int) roundf (0.0f / scale));
  if (activation == BITLENS_ACTIVATION_RELU6)
    *high = MIN (127, zero_point + (int) roundf (6.0f / scale));
  if (activation == BITLENS_ACTIVATION_RELU_N1_TO_1)
    {
      *low = MAX (-128, zero_point + (int) roundf (-1.0f / scale));
      *high = MIN (127, zero_point + (int) roundf (1.0f / scale));
    }
}

static inline float
kt_activation_float (BitlensActivation activation,
                     float             x)
{
  float low = -INFINITY, high = INFINITY;

  if (activation == BITLENS_ACTIVATION_RELU || activation == BITLENS_ACTIVATION_RELU6)
    low = 0.0f;
  if (activation == BITLENS_ACTIVATION_RELU6)
    high = 6.0f;
  if (activation == BITLENS_ACTIVATION_RELU_N1_TO_1)
    {
      low = -1.0f;
      high = 1.0f;
    }
  x = x < low ? low : x;
  return high < x ? high : x;
}

/* Padding: SAME out = ceil(in / s), VALID out = (in - eff + s) / s with
 * eff = (k - 1) * d + 1; before = max(0, (out - 1) * s + eff - in) / 2. Returns the
 * output size, <= 0 when the window does not fit. */
static inline int
kt_output_size (BitlensPadding padding,
                int            in,
                int            k,
                int            s,
                int            d,
                int           *before)
{
  int eff = (k - 1) * d + 1;
  int out = padding == BITLENS_PADDING_SAME ? (in + s - 1) / s : (in - eff + s) / s;
  int total = (out - 1) * s + eff - in;

  *before = MAX (total, 0) / 2;
  return out;
}

/* The int8 requantization of the conv-like kernels for one channel. */
static inline gint8
kt_requantize (gint64 acc,
               double input_scale,
               double weight_scale,
               double output_scale,
               int    output_zero_point,
               int    act_low,
               int    act_high)
{
  gint32 multiplier;
  int shift;
  gint32 value;

  g_assert_cmpint (acc, >=, G_MININT32);
  g_assert_cmpint (acc, <=, G_MAXINT32);
  kt_quantize_multiplier (input_scale * weight_scale / output_scale, &multiplier, &shift);
  value = kt_mbqm ((gint32) acc, multiplier, shift) + output_zero_point;
  return (gint8) CLAMP (value, act_low, act_high);
}

/* ---- random data ---- */

static inline gint8 *
kt_random_int8 (GRand *rand,
                gsize  n,
                int    low,
                int    high)
{
  gint8 *values = g_new (gint8, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    values[i] = (gint8) g_rand_int_range (rand, low, high + 1);
  return values;
}

static inline gint32 *
kt_random_int32 (GRand *rand,
                 gsize  n,
                 int    low,
                 int    high)
{
  gint32 *values = g_new (gint32, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    values[i] = g_rand_int_range (rand, low, high + 1);
  return values;
}

static inline float *
kt_random_float (GRand *rand,
                 gsize  n,
                 double low,
                 double high)
{
  float *values = g_new (float, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, low, high);
  return values;
}

/* ---- models ---- */

/* A tensor: int8/int32 quantized per tensor (n_scales 1) or per channel, float
 * (n_scales 0), constant when @data is not NULL. */
static inline int
kt_tensor (BitlensModel      *model,
           const char        *name,
           BitlensTensorType  type,
           int                rank,
           const int         *shape,
           int                n_scales,
           const float       *scales,
           const gint64      *zero_points,
           int                quantized_dimension,
           const void        *data)
{
  TestTensorSpec spec = {
    .type = type,
    .rank = rank,
    .n_scales = n_scales,
    .scales = scales,
    .zero_points = zero_points,
    .quantized_dimension = quantized_dimension,
    .data = data,
  };

  memcpy (spec.shape, shape, sizeof (int) * rank);
  return test_model_add_tensor (model, name, &spec);
}

/* A per-tensor quantized (or float when scale is 0) tensor. */
static inline int
kt_tensor_q (BitlensModel      *model,
             const char        *name,
             BitlensTensorType  type,
             int                rank,
             const int         *shape,
             float              scale,
             int                zero_point,
             const void        *data)
{
  gint64 zp = zero_point;

  return kt_tensor (model, name, type, rank, shape, scale > 0.0f ? 1 : 0, &scale, &zp, 0, data);
}

/* Adds one op reading @inputs and writing @output, marks the non-constant inputs as
 * model inputs and prepares. Returns FALSE with @error when prepare rejects. */
static inline gboolean
kt_finish_one_op (BitlensModel           *model,
                  BitlensOpKind           kind,
                  int                     n_inputs,
                  const int              *inputs,
                  int                     output,
                  const BitlensOpOptions *options,
                  GError                **error)
{
  int model_inputs[16];
  int n_model_inputs = 0;

  test_model_add_op (model, kind, n_inputs, inputs, 1, &output, options);
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i] >= 0 && bitlens_model_get_tensor (model, inputs[i])->data == NULL)
      {
        g_assert_cmpint (n_model_inputs, <, 16);
        model_inputs[n_model_inputs++] = inputs[i];
      }
  return test_model_finish (model, n_model_inputs, model_inputs, 1, &output, error);
}

/* Copies @data into each model input (in model input order), runs, and returns a copy of
 * the output. */
static inline guint8 *
kt_run (BitlensModel            *model,
        BitlensInterpreterFlags  flags,
        const void *const       *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, flags, &error);
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));

  g_assert_no_error (error);
  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    {
      int index = bitlens_model_get_input (model, i);
      memcpy (bitlens_interpreter_get_tensor_data (interpreter, index), data[i],
              bitlens_model_get_tensor (model, index)->n_bytes);
    }
  bitlens_interpreter_invoke (interpreter);
  return g_memdup2 (bitlens_interpreter_get_output_data (interpreter, 0), MAX (output->n_bytes, 1));
}

/* Computes op 0 region by region over the grid of row and column cuts (or only @only),
 * starting from an output filled with 0xA5 bytes; returns a copy of the output. */
static inline guint8 *
kt_run_regions (BitlensModel            *model,
                BitlensInterpreterFlags  flags,
                const void *const       *data,
                const int               *row_cuts,
                int                      n_row_cuts,
                const int               *column_cuts,
                int                      n_column_cuts,
                const BitlensRegion     *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter =
    bitlens_interpreter_new (model, flags | BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  void *output_data;

  g_assert_no_error (error);
  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    {
      int index = bitlens_model_get_input (model, i);
      memcpy (bitlens_interpreter_get_tensor_data (interpreter, index), data[i],
              bitlens_model_get_tensor (model, index)->n_bytes);
    }
  output_data = bitlens_interpreter_get_tensor_data (interpreter, bitlens_model_get_output (model, 0));
  memset (output_data, 0xA5, output->n_bytes);

  if (only != NULL)
    bitlens_interpreter_run_op (interpreter, 0, only);
  else
    for (int r = 0; r + 1 < n_row_cuts; r++)
      for (int c = 0; c + 1 < n_column_cuts; c++)
        {
          BitlensRegion region = { row_cuts[r], row_cuts[r + 1], column_cuts[c], column_cuts[c + 1] };
          bitlens_interpreter_run_op (interpreter, 0, &region);
        }
  return g_memdup2 (output_data, MAX (output->n_bytes, 1));
}

/* Sorted random cuts 0 = c[0] <= ... <= c[n-1] = size, n = 2..5; returns n. */
static inline int
kt_random_cuts (GRand *rand,
                int    size,
                int   *cuts)
{
  int n = g_rand_int_range (rand, 2, 6);

  cuts[0] = 0;
  cuts[n - 1] = size;
  for (int i = 1; i < n - 1; i++)
    cuts[i] = g_rand_int_range (rand, cuts[i - 1], size + 1);
  return n;
}

/* Asserts that prepare rejects the model with @code. */
static inline void
kt_assert_rejected (gboolean  prepared,
                    GError   *error,
                    int       code)
{
  g_assert_false (prepared);
  g_assert_error (error, BITLENS_ERROR, code);
  g_test_message ("rejected as expected: %s", error->message);
}

static inline void
kt_assert_bytes_equal (const void *a,
                       const void *b,
                       gsize       n_bytes)
{
  const guint8 *x = a, *y = b;

  for (gsize i = 0; i < n_bytes; i++)
    if (x[i] != y[i])
      g_error ("byte %" G_GSIZE_FORMAT " differs: %d != %d", i, x[i], y[i]);
}

/* ---- convolution cases (CONV_2D and DEPTHWISE_CONV_2D) ---- */

typedef struct
{
  BitlensOpKind      kind;            /* BITLENS_OP_CONV_2D or BITLENS_OP_DEPTHWISE_CONV_2D */
  BitlensTensorType  type;            /* INT8 or FLOAT32 */
  int                batches, in_h, in_w, in_c;
  int                kh, kw;
  int                groups;          /* CONV_2D: in_c / filter input channels */
  int                multiplier;      /* DEPTHWISE_CONV_2D */
  int                out_c;
  BitlensOpOptions   options;
  gboolean           per_channel;
  gboolean           has_bias;
  gboolean           power_of_two_scales;   /* exact halves in the rounding steps */
  float              in_scale, out_scale;
  int                in_zp, out_zp;

  /* Filled by kt_conv_case_generate. */
  int                out_h, out_w, pad_top, pad_left;
  int                filter_shape[4];
  float             *filter_scales;   /* out_c entries (all equal when per tensor) */
  void              *input, *filter, *bias;
  gsize              n_input, n_filter, n_output;
} KtConvCase;

static inline int
kt_conv_filter_in_c (const KtConvCase *c)
{
  return c->kind == BITLENS_OP_CONV_2D ? c->in_c / c->groups : 1;
}

/* Fills shapes, quantization and random data; returns FALSE when the window does not fit
 * (VALID on a too small input). */
static inline gboolean
kt_conv_case_generate (KtConvCase *c,
                       GRand      *rand)
{
  int fic;
  gsize depth;

  c->out_c = c->kind == BITLENS_OP_CONV_2D ? c->out_c : c->in_c * c->multiplier;
  c->out_h = kt_output_size (c->options.padding, c->in_h, c->kh, c->options.stride_h, c->options.dilation_h, &c->pad_top);
  c->out_w = kt_output_size (c->options.padding, c->in_w, c->kw, c->options.stride_w, c->options.dilation_w, &c->pad_left);
  if (c->out_h <= 0 || c->out_w <= 0)
    return FALSE;

  fic = kt_conv_filter_in_c (c);
  if (c->kind == BITLENS_OP_CONV_2D)
    {
      int shape[4] = { c->out_c, c->kh, c->kw, fic };
      memcpy (c->filter_shape, shape, sizeof shape);
    }
  else
    {
      int shape[4] = { 1, c->kh, c->kw, c->out_c };
      memcpy (c->filter_shape, shape, sizeof shape);
    }
  c->n_input = (gsize) c->batches * c->in_h * c->in_w * c->in_c;
  c->n_filter = (gsize) c->filter_shape[0] * c->kh * c->kw * c->filter_shape[3];
  c->n_output = (gsize) c->batches * c->out_h * c->out_w * c->out_c;
  depth = (gsize) c->kh * c->kw * fic;

  c->filter_scales = g_new (float, c->out_c);
  if (c->type == BITLENS_TYPE_INT8)
    {
      double mean_scale = 0.0;

      c->in_scale = (float) g_rand_double_range (rand, 0.004, 0.1);
      c->in_zp = g_rand_int_range (rand, -128, 128);
      for (int o = 0; o < c->out_c; o++)
        {
          c->filter_scales[o] = c->per_channel || o == 0 ? (float) g_rand_double_range (rand, 0.001, 0.05)
                                                         : c->filter_scales[0];
          mean_scale += c->filter_scales[o] / c->out_c;
        }
      /* Spread typical outputs over the int8 range. */
      c->out_scale = (float) (c->in_scale * mean_scale * 128.0 * sqrt ((double) depth) * 40.0 / 127.0
                              * g_rand_double_range (rand, 0.5, 2.0));
      if (c->power_of_two_scales)
        {
          /* Multipliers 2^30 * 2^shift: many sums land exactly on halves. */
          c->in_scale = exp2f ((float) -g_rand_int_range (rand, 3, 8));
          for (int o = 0; o < c->out_c; o++)
            c->filter_scales[o] = c->per_channel || o == 0 ? exp2f ((float) -g_rand_int_range (rand, 4, 9))
                                                           : c->filter_scales[0];
          c->out_scale = exp2f (roundf (log2f (c->out_scale)));
        }
      c->out_zp = g_rand_int_range (rand, -100, 101);
      c->input = kt_random_int8 (rand, c->n_input, -128, 127);
      c->filter = kt_random_int8 (rand, c->n_filter, -127, 127);
      if (c->has_bias)
        c->bias = kt_random_int32 (rand, c->out_c, -3000, 3000);
    }
  else
    {
      c->input = kt_random_float (rand, c->n_input, -1.0, 1.0);
      c->filter = kt_random_float (rand, c->n_filter, -1.0, 1.0);
      if (c->has_bias)
        c->bias = kt_random_float (rand, c->out_c, -1.0, 1.0);
    }
  return TRUE;
}

static inline void
kt_conv_case_clear (KtConvCase *c)
{
  g_clear_pointer (&c->filter_scales, g_free);
  g_clear_pointer (&c->input, g_free);
  g_clear_pointer (&c->filter, g_free);
  g_clear_pointer (&c->bias, g_free);
}

/* The one-op model of a generated case; NULL with @error when prepare rejects it. */
static inline BitlensModel *
kt_conv_case_model (const KtConvCase *c,
                    GError          **error)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  int in_shape[4] = { c->batches, c->in_h, c->in_w, c->in_c };
  int out_shape[4] = { c->batches, c->out_h, c->out_w, c->out_c };
  int inputs[3];
  int output;
  BitlensOpOptions options = c->options;

  if (c->type == BITLENS_TYPE_INT8)
    {
      g_autofree gint64 *zeros = g_new0 (gint64, c->out_c);
      g_autofree float *bias_scales = g_new (float, c->out_c);

      for (int o = 0; o < c->out_c; o++)
        bias_scales[o] = c->in_scale * c->filter_scales[o];
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, c->in_scale, c->in_zp, NULL);
      inputs[1] = kt_tensor (model, "filter", BITLENS_TYPE_INT8, 4, c->filter_shape,
                             c->per_channel ? c->out_c : 1, c->filter_scales, zeros,
                             c->kind == BITLENS_OP_CONV_2D ? 0 : 3, c->filter);
      inputs[2] = c->has_bias ? kt_tensor (model, "bias", BITLENS_TYPE_INT32, 1, &c->out_c,
                                           c->per_channel ? c->out_c : 1, bias_scales, zeros, 0, c->bias)
                              : -1;
      output = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, c->out_scale, c->out_zp, NULL);
    }
  else
    {
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_FLOAT32, 4, in_shape, 0, 0, NULL);
      inputs[1] = kt_tensor_q (model, "filter", BITLENS_TYPE_FLOAT32, 4, c->filter_shape, 0, 0, c->filter);
      inputs[2] = c->has_bias ? kt_tensor_q (model, "bias", BITLENS_TYPE_FLOAT32, 1, &c->out_c, 0, 0, c->bias) : -1;
      output = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 4, out_shape, 0, 0, NULL);
    }
  if (c->kind == BITLENS_OP_DEPTHWISE_CONV_2D)
    options.depth_multiplier = c->multiplier;
  if (!kt_finish_one_op (model, c->kind, 3, inputs, output, &options, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* Input channel and filter element of output channel @o at tap (fy, fx), channel @i of
 * the tap's input channels. */
static inline void
kt_conv_case_tap (const KtConvCase *c,
                  int               o,
                  int               fy,
                  int               fx,
                  int               i,
                  int              *input_channel,
                  gsize            *filter_index)
{
  if (c->kind == BITLENS_OP_CONV_2D)
    {
      int fic = kt_conv_filter_in_c (c);
      int group = o / (c->out_c / c->groups);

      *input_channel = group * fic + i;
      *filter_index = (((gsize) o * c->kh + fy) * c->kw + fx) * fic + i;
    }
  else
    {
      *input_channel = o / c->multiplier;
      *filter_index = ((gsize) fy * c->kw + fx) * c->out_c + o;
    }
}

/* The expected output, computed straight from the definitions: int8 with the padding
 * filled with the input zero point and an int64 sum of w * (x - zp_in); float32 with the
 * taps outside the input skipped, summed in float in the order (filter_y, filter_x,
 * input channel), the bias added after the sum, then the activation. */
static inline void *
kt_conv_case_expected (const KtConvCase *c)
{
  int fic = kt_conv_filter_in_c (c);
  gsize element = c->type == BITLENS_TYPE_INT8 ? 1 : 4;
  guint8 *expected = g_malloc (c->n_output * element);
  int act_low = -128, act_high = 127;

  if (c->type == BITLENS_TYPE_INT8)
    kt_activation_range_int8 (c->options.activation, c->out_scale, c->out_zp, &act_low, &act_high);

  for (int b = 0; b < c->batches; b++)
    for (int oy = 0; oy < c->out_h; oy++)
      for (int ox = 0; ox < c->out_w; ox++)
        for (int o = 0; o < c->out_c; o++)
          {
            gsize out_index = (((gsize) b * c->out_h + oy) * c->out_w + ox) * c->out_c + o;
            gint64 acc = 0;
            float total = 0.0f;

            for (int fy = 0; fy < c->kh; fy++)
              for (int fx = 0; fx < c->kw; fx++)
                for (int i = 0; i < fic; i++)
                  {
                    int iy = oy * c->options.stride_h - c->pad_top + fy * c->options.dilation_h;
                    int ix = ox * c->options.stride_w - c->pad_left + fx * c->options.dilation_w;
                    gboolean inside = iy >= 0 && iy < c->in_h && ix >= 0 && ix < c->in_w;
                    int channel;
                    gsize filter_index, input_index;

                    kt_conv_case_tap (c, o, fy, fx, i, &channel, &filter_index);
                    input_index = (((gsize) b * c->in_h + iy) * c->in_w + ix) * c->in_c + channel;
                    if (c->type == BITLENS_TYPE_INT8)
                      {
                        int x = inside ? ((gint8 *) c->input)[input_index] : c->in_zp;
                        acc += (gint64) ((gint8 *) c->filter)[filter_index] * (x - c->in_zp);
                      }
                    else if (inside)
                      total += ((float *) c->input)[input_index] * ((float *) c->filter)[filter_index];
                  }

            if (c->type == BITLENS_TYPE_INT8)
              {
                if (c->has_bias)
                  acc += ((gint32 *) c->bias)[o];
                expected[out_index] = (guint8) kt_requantize (acc, c->in_scale, c->filter_scales[o], c->out_scale,
                                                              c->out_zp, act_low, act_high);
              }
            else
              {
                float bias = c->has_bias ? ((float *) c->bias)[o] : 0.0f;
                float value = kt_activation_float (c->options.activation, total + bias);
                memcpy (expected + out_index * 4, &value, 4);
              }
          }
  return expected;
}
