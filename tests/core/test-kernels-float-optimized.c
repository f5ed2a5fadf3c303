/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <float.h>

#include "kernel-test-helpers.h"
#include "kernels/conv-private.h"
#include "kernels/cpu-features.h"
#include "kernels/depthwise-conv-private.h"
#include "kernels/fully-connected-private.h"
#include "test-util.h"

/* The float32 twins (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D,
 * MAX_POOL_2D) against the reference kernels, byte for byte: random shapes and options
 * with data full of the values where summation order shows (negative zeros, subnormals,
 * magnitudes whose products and sums overflow to infinity and clamp to +-FLT_MAX, or
 * cancel to NaN); regions computed piece by piece; the conv-like kernels also against a
 * sum written here from the definition (and its reversed order, to show that the data
 * tell orders apart); real models on real images, every op's output. The AVX2 paths run
 * in this process when the CPU has them; the portable paths in a child process with
 * BITLENS_CPU=generic. */

#define N_CONV_CASES 150
#define N_DEPTHWISE_CASES 150
#define N_FULLY_CONNECTED_CASES 80
#define N_POOL_CASES 80

/* Outputs whose reversed-order sum differs from the reference order, over all cases. */
static int order_sensitive_outputs;

/* ---- data ---- */

typedef enum
{
  VALUES_PLAIN,      /* uniform in [-1, 1] */
  VALUES_SPECIAL,    /* zeros of both signs, subnormals, tiny and huge magnitudes, mixed */
  VALUES_HUGE,       /* 1e15 .. 1e25: products overflow to infinity */
  N_VALUE_KINDS
} ValueKind;

static float
random_special_value (GRand     *rand,
                      ValueKind  kind)
{
  float sign = g_rand_boolean (rand) ? 1.0f : -1.0f;
  int pick = g_rand_int_range (rand, 0, 20);

  if (kind == VALUES_PLAIN)
    return (float) g_rand_double_range (rand, -1.0, 1.0);
  if (kind == VALUES_HUGE)
    return sign * (float) pow (10.0, g_rand_double_range (rand, 15.0, 25.0));
  switch (pick)
    {
    case 0:
    case 1:
      return sign * 0.0f;
    case 2:
    case 3:
      /* Subnormal: below FLT_MIN. */
      return sign * (float) g_rand_int_range (rand, 1, 1 << 23) * 0x1p-149f;
    case 4:
      return sign * (float) g_rand_double_range (rand, 1.0, 2.0) * 0x1p-120f;
    case 5:
      return sign * (float) g_rand_double_range (rand, 1e19, 1e38);
    case 6:
      return sign * FLT_MAX;
    case 7:
      /* Values that cancel exactly: small integers and halves. */
      return sign * (float) g_rand_int_range (rand, 0, 8) * 0.5f;
    default:
      return (float) g_rand_double_range (rand, -1.0, 1.0) * (float) pow (10.0, g_rand_int_range (rand, -6, 7));
    }
}

static void
fill_special (GRand     *rand,
              float     *values,
              gsize      n,
              ValueKind  kind)
{
  for (gsize i = 0; i < n; i++)
    values[i] = random_special_value (rand, kind);
}

/* The float activation range as SEMANTICS.md gives it (NONE: [-FLT_MAX, FLT_MAX]) and
 * the clamp std::min (std::max (x, low), high). */
static float
activation_clamp (BitlensActivation activation,
                  float             x)
{
  float low = -FLT_MAX, high = FLT_MAX;

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

/* ---- comparisons ---- */

static void
assert_same_bytes (const char *what,
                   const void *actual,
                   const void *expected,
                   gsize       n_bytes)
{
  if (memcmp (actual, expected, n_bytes) != 0)
    {
      const guint8 *a = actual, *e = expected;
      gsize i = 0;

      while (a[i] == e[i])
        i++;
      g_error ("%s: byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " differs (float %" G_GSIZE_FORMAT
               ": %a, expected %a)", what, i, n_bytes, i / 4,
               ((const float *) actual)[i / 4], ((const float *) expected)[i / 4]);
    }
}

/* Optimized equals reference; with a spatial op also: random tiles of regions computed
 * with the optimized kernels equal the whole reference output, and one random region
 * alone writes its pixels and nothing else. Returns the reference output. */
static guint8 *
compare_optimized_with_reference (BitlensModel *model,
                                  const void   *input,
                                  gboolean      spatial,
                                  GRand        *rand)
{
  const void *data[1] = { input };
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  g_autofree guint8 *reference = kt_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, data);
  g_autofree guint8 *optimized = kt_run (model, BITLENS_INTERPRETER_DEFAULT, data);
  int out_h, out_w, batches;
  gsize pixel_bytes;
  int row_cuts[5], column_cuts[5], n_rows, n_columns;
  g_autofree guint8 *tiled = NULL;
  g_autofree guint8 *part = NULL;
  BitlensRegion only;

  assert_same_bytes ("optimized vs reference", optimized, reference, output->n_bytes);
  if (!spatial)
    return g_steal_pointer (&reference);

  batches = output->shape[0];
  out_h = output->shape[1];
  out_w = output->shape[2];
  pixel_bytes = (gsize) output->shape[3] * sizeof (float);
  n_rows = kt_random_cuts (rand, out_h, row_cuts);
  n_columns = kt_random_cuts (rand, out_w, column_cuts);
  tiled = kt_run_regions (model, BITLENS_INTERPRETER_DEFAULT, data, row_cuts, n_rows, column_cuts, n_columns, NULL);
  assert_same_bytes ("optimized in regions vs reference", tiled, reference, output->n_bytes);

  only.y0 = g_rand_int_range (rand, 0, out_h + 1);
  only.y1 = g_rand_int_range (rand, only.y0, out_h + 1);
  only.x0 = g_rand_int_range (rand, 0, out_w + 1);
  only.x1 = g_rand_int_range (rand, only.x0, out_w + 1);
  part = kt_run_regions (model, BITLENS_INTERPRETER_DEFAULT, data, NULL, 0, NULL, 0, &only);
  for (int b = 0; b < batches; b++)
    for (int y = 0; y < out_h; y++)
      for (int x = 0; x < out_w; x++)
        {
          gsize offset = (((gsize) b * out_h + y) * out_w + x) * pixel_bytes;
          gboolean inside = y >= only.y0 && y < only.y1 && x >= only.x0 && x < only.x1;

          for (gsize k = 0; k < pixel_bytes; k++)
            g_assert_cmpuint (part[offset + k], ==, inside ? reference[offset + k] : 0xA5);
        }
  return g_steal_pointer (&reference);
}

/* ---- CONV_2D and DEPTHWISE_CONV_2D ---- */

/* The sum of one output from the definition: taps inside the input in (filter_y,
 * filter_x, input channel) order, or reversed; then the bias and the clamp. */
static float
conv_case_output (const KtConvCase *c,
                  int               b,
                  int               oy,
                  int               ox,
                  int               o,
                  gboolean          reversed)
{
  int fic = kt_conv_filter_in_c (c);
  int n_terms = c->kh * c->kw * fic;
  float total = 0.0f;
  float bias = c->has_bias ? ((const float *) c->bias)[o] : 0.0f;

  for (int step = 0; step < n_terms; step++)
    {
      int term = reversed ? n_terms - 1 - step : step;
      int fy = term / (c->kw * fic), fx = term / fic % c->kw, i = term % fic;
      int iy = oy * c->options.stride_h - c->pad_top + fy * c->options.dilation_h;
      int ix = ox * c->options.stride_w - c->pad_left + fx * c->options.dilation_w;
      int channel;
      gsize filter_index;

      if (iy < 0 || iy >= c->in_h || ix < 0 || ix >= c->in_w)
        continue;
      kt_conv_case_tap (c, o, fy, fx, i, &channel, &filter_index);
      total += ((const float *) c->input)[(((gsize) b * c->in_h + iy) * c->in_w + ix) * c->in_c + channel]
               * ((const float *) c->filter)[filter_index];
    }
  return activation_clamp (c->options.activation, total + bias);
}

static void
check_conv_case_against_definition (const KtConvCase *c,
                                    const guint8     *reference)
{
  for (int b = 0; b < c->batches; b++)
    for (int oy = 0; oy < c->out_h; oy++)
      for (int ox = 0; ox < c->out_w; ox++)
        for (int o = 0; o < c->out_c; o++)
          {
            gsize index = (((gsize) b * c->out_h + oy) * c->out_w + ox) * c->out_c + o;
            float expected = conv_case_output (c, b, oy, ox, o, FALSE);
            float reversed = conv_case_output (c, b, oy, ox, o, TRUE);

            if (memcmp (reference + index * 4, &expected, 4) != 0)
              g_error ("output %" G_GSIZE_FORMAT ": %a, the definition gives %a", index,
                       ((const float *) reference)[index], expected);
            if (memcmp (&reversed, &expected, 4) != 0)
              order_sensitive_outputs++;
          }
}

static void
random_window_options (KtConvCase *c,
                       GRand      *rand)
{
  bitlens_op_options_init (&c->options);
  c->type = BITLENS_TYPE_FLOAT32;
  c->options.padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
  c->options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
  c->options.stride_h = g_rand_int_range (rand, 1, 4);
  c->options.stride_w = g_rand_int_range (rand, 1, 4);
  c->options.dilation_h = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 2, 4) : 1;
  c->options.dilation_w = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 2, 4) : 1;
  c->has_bias = g_rand_int_range (rand, 0, 4) != 0;
  c->batches = g_rand_int_range (rand, 0, 6) == 0 ? 2 : 1;
  c->in_h = g_rand_int_range (rand, 1, 20);
  c->in_w = g_rand_int_range (rand, 1, 20);
}

/* Runs a generated case (FALSE when the window does not fit) with data of @kind. */
static gboolean
run_conv_case (KtConvCase *c,
               ValueKind   kind,
               GRand      *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autofree guint8 *reference = NULL;
  const BitlensOp *op;

  if (!kt_conv_case_generate (c, rand))
    {
      kt_conv_case_clear (c);
      return FALSE;
    }
  fill_special (rand, c->input, c->n_input, kind);
  fill_special (rand, c->filter, c->n_filter, kind);
  if (c->has_bias)
    fill_special (rand, c->bias, c->out_c, kind == VALUES_HUGE ? VALUES_SPECIAL : kind);
  model = kt_conv_case_model (c, &error);
  g_assert_no_error (error);

  /* The twin really runs (else the comparison would be empty): only grouped
   * convolutions are left to the reference. */
  op = bitlens_model_get_op (model, 0);
  if (c->kind == BITLENS_OP_CONV_2D)
    g_assert_true ((((const BitlensConvParams *) op->prepared)->packed_filter_float != NULL) == (c->groups == 1));
  else
    g_assert_nonnull (((const BitlensDepthwiseParams *) op->prepared)->packed_filter_float);

  reference = compare_optimized_with_reference (model, c->input, TRUE, rand);
  check_conv_case_against_definition (c, reference);
  kt_conv_case_clear (c);
  return TRUE;
}

static void
test_conv_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  int n_run = 0;

  order_sensitive_outputs = 0;
  for (int i = 0; i < N_CONV_CASES; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .groups = 1 };

      random_window_options (&c, rand);
      c.groups = i % 15 == 14 ? 2 : 1;
      /* Channel counts below, at and across the 8- and 16-channel vectors and blocks. */
      c.in_c = c.groups * g_rand_int_range (rand, 1, i % 3 == 0 ? 40 : 9);
      c.out_c = c.groups * g_rand_int_range (rand, 1, i % 2 ? 20 : 70);
      c.kh = g_rand_int_range (rand, 1, 6);
      c.kw = g_rand_int_range (rand, 1, 6);
      if (i % 10 == 0)
        {
          /* binaryNet's stem in small: 11x11 stride 4 VALID on 3 channels. */
          c.kh = c.kw = 11;
          c.options.stride_h = c.options.stride_w = 4;
          c.options.dilation_h = c.options.dilation_w = 1;
          c.in_h = g_rand_int_range (rand, 11, 40);
          c.in_w = g_rand_int_range (rand, 11, 60);
          c.in_c = 3;
          c.groups = 1;
        }
      else if (i % 10 == 1)
        {
          /* Wide rows: many whole tiles of pixels. */
          c.in_w = g_rand_int_range (rand, 30, 80);
          c.options.dilation_w = 1;
        }
      else if (i % 10 == 2 || i % 10 == 3)
        {
          /* Pointwise (MobileNet): regions of whole rows run as one long row. */
          c.kh = c.kw = 1;
          c.options.stride_h = c.options.stride_w = 1;
          c.groups = 1;
          c.in_c = g_rand_int_range (rand, 1, 40);
        }
      n_run += run_conv_case (&c, (ValueKind) (i % N_VALUE_KINDS), rand);
    }
  g_assert_cmpint (n_run, >, N_CONV_CASES * 3 / 4);
  g_assert_cmpint (order_sensitive_outputs, >, 0);
}

static void
test_depthwise_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  /* 1: plain loads; 8, 16, 24, 48: broadcasts; 4, 12, 20: two channels per vector; 2, 3,
   * 5: gathers. */
  const int multipliers[] = { 1, 1, 1, 2, 3, 4, 5, 8, 12, 16, 20, 24, 48 };
  int n_run = 0;

  order_sensitive_outputs = 0;
  for (int i = 0; i < N_DEPTHWISE_CASES; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_DEPTHWISE_CONV_2D };

      random_window_options (&c, rand);
      c.multiplier = multipliers[g_rand_int_range (rand, 0, G_N_ELEMENTS (multipliers))];
      c.in_c = g_rand_int_range (rand, 1, c.multiplier >= 12 ? 4 : c.multiplier > 1 ? 9 : 40);
      c.kh = g_rand_int_range (rand, 1, 6);
      c.kw = g_rand_int_range (rand, 1, 6);
      if (i % 10 == 0)
        {
          /* The HB models' stem in small: 11x11 stride 4 VALID on 3 channels. */
          c.kh = c.kw = 11;
          c.options.stride_h = c.options.stride_w = 4;
          c.options.dilation_h = c.options.dilation_w = 1;
          c.options.padding = BITLENS_PADDING_VALID;
          c.in_h = g_rand_int_range (rand, 11, 40);
          c.in_w = g_rand_int_range (rand, 11, 60);
          c.in_c = 3;
        }
      else if (i % 10 == 1)
        c.in_w = g_rand_int_range (rand, 30, 80);
      n_run += run_conv_case (&c, (ValueKind) (i % N_VALUE_KINDS), rand);
    }
  g_assert_cmpint (n_run, >, N_DEPTHWISE_CASES * 3 / 4);
  g_assert_cmpint (order_sensitive_outputs, >, 0);
}

/* ---- FULLY_CONNECTED ---- */

static void
test_fully_connected_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261127);

  for (int i = 0; i < N_FULLY_CONNECTED_CASES; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      ValueKind kind = (ValueKind) (i % N_VALUE_KINDS);
      int batches = g_rand_int_range (rand, 1, 4);
      int input_size = g_rand_int_range (rand, 1, i % 4 == 0 ? 600 : 40);
      int units = g_rand_int_range (rand, 1, i % 3 == 0 ? 260 : 30);
      gboolean has_bias = g_rand_int_range (rand, 0, 4) != 0;
      int in_shape[2] = { batches, input_size }, w_shape[2] = { units, input_size };
      int out_shape[2] = { batches, units };
      g_autofree float *input = g_new (float, (gsize) batches * input_size);
      g_autofree float *weights = g_new (float, (gsize) units * input_size);
      g_autofree float *bias = g_new (float, units);
      g_autofree guint8 *reference = NULL;
      BitlensOpOptions options;
      int inputs[3], output;

      bitlens_op_options_init (&options);
      options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
      fill_special (rand, input, (gsize) batches * input_size, kind);
      fill_special (rand, weights, (gsize) units * input_size, kind);
      fill_special (rand, bias, units, kind == VALUES_HUGE ? VALUES_SPECIAL : kind);
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_FLOAT32, 2, in_shape, 0, 0, NULL);
      inputs[1] = kt_tensor_q (model, "weights", BITLENS_TYPE_FLOAT32, 2, w_shape, 0, 0, weights);
      inputs[2] = has_bias ? kt_tensor_q (model, "bias", BITLENS_TYPE_FLOAT32, 1, &units, 0, 0, bias) : -1;
      output = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 2, out_shape, 0, 0, NULL);
      g_assert_true (kt_finish_one_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, output, &options, &error));
      g_assert_no_error (error);
      g_assert_nonnull (((const BitlensFullyConnectedParams *) bitlens_model_get_op (model, 0)->prepared)->packed_weights_float);

      reference = compare_optimized_with_reference (model, input, FALSE, rand);
      /* And the definition: sum over d in order, then the bias, then the clamp. */
      for (int b = 0; b < batches; b++)
        for (int u = 0; u < units; u++)
          {
            float total = 0.0f;

            for (int d = 0; d < input_size; d++)
              total += input[(gsize) b * input_size + d] * weights[(gsize) u * input_size + d];
            total = activation_clamp (options.activation, total + (has_bias ? bias[u] : 0.0f));
            g_assert_cmpmem (reference + ((gsize) b * units + u) * 4, 4, &total, 4);
          }
    }
}

/* ---- AVERAGE_POOL_2D and MAX_POOL_2D ---- */

static void
test_pool_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);

  for (int i = 0; i < N_POOL_CASES; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensOpKind kind = i % 2 ? BITLENS_OP_MAX_POOL_2D : BITLENS_OP_AVERAGE_POOL_2D;
      BitlensOpOptions options;
      int batches = g_rand_int_range (rand, 0, 5) == 0 ? 2 : 1;
      int in_h = g_rand_int_range (rand, 1, 20), in_w = g_rand_int_range (rand, 1, 30);
      int channels = g_rand_int_range (rand, 1, i % 3 == 0 ? 100 : 20);
      int out_h, out_w, pad;
      g_autofree float *input = NULL;
      g_autofree guint8 *reference = NULL;
      int in_shape[4], out_shape[4], input_index, output;

      bitlens_op_options_init (&options);
      options.padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
      options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
      options.filter_h = g_rand_int_range (rand, 1, 5);
      options.filter_w = g_rand_int_range (rand, 1, 5);
      options.stride_h = g_rand_int_range (rand, 1, 4);
      options.stride_w = g_rand_int_range (rand, 1, 4);
      out_h = kt_output_size (options.padding, in_h, options.filter_h, options.stride_h, 1, &pad);
      out_w = kt_output_size (options.padding, in_w, options.filter_w, options.stride_w, 1, &pad);
      if (out_h <= 0 || out_w <= 0)
        continue;
      in_shape[0] = out_shape[0] = batches;
      in_shape[1] = in_h;
      in_shape[2] = in_w;
      out_shape[1] = out_h;
      out_shape[2] = out_w;
      in_shape[3] = out_shape[3] = channels;
      input = g_new (float, (gsize) batches * in_h * in_w * channels);
      fill_special (rand, input, (gsize) batches * in_h * in_w * channels, (ValueKind) (i / 2 % N_VALUE_KINDS));
      input_index = kt_tensor_q (model, "input", BITLENS_TYPE_FLOAT32, 4, in_shape, 0, 0, NULL);
      output = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 4, out_shape, 0, 0, NULL);
      g_assert_true (kt_finish_one_op (model, kind, 1, &input_index, output, &options, &error));
      g_assert_no_error (error);
      g_assert_nonnull (bitlens_kernel_lookup (kind)->eval_optimized);

      reference = compare_optimized_with_reference (model, input, TRUE, rand);
    }
}

/* ---- real models on real images ---- */

typedef struct
{
  const char *model;
  BitlensOpKind float_kinds[4];   /* float32 ops the model must have (the twins' work) */
} RealModel;

static const RealModel real_models[] = {
  { "models/lce/hbds/HB1-FN.tflite",
    { BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_OP_MAX_POOL_2D, BITLENS_OP_MUL, BITLENS_OP_ADD } },
  { "models/lce/floppynet/binaryNet_places365.tflite",
    { BITLENS_OP_CONV_2D, BITLENS_OP_MAX_POOL_2D, BITLENS_OP_MUL, BITLENS_OP_ADD } },
  { "models/mlperf_tiny/vww_96_float.tflite",
    { BITLENS_OP_CONV_2D, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_OP_AVERAGE_POOL_2D, BITLENS_OP_FULLY_CONNECTED } },
};

static const char *real_images[] = {
  "data/vww/person/000000000785.png",
  "data/vww/no_person/000000003845.png",
  "data/vww/person/000000001000.png",
};

static gboolean
model_has_float_op (BitlensModel  *model,
                    BitlensOpKind  kind)
{
  for (guint o = 0; o < bitlens_model_get_n_ops (model); o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);

      if (op->kind == kind && bitlens_model_get_tensor (model, op->outputs[0])->type == BITLENS_TYPE_FLOAT32)
        return TRUE;
    }
  return FALSE;
}

/* Every op's output with the optimized kernels equals the reference's (interpreters that
 * keep every tensor), and so do the final outputs of arena-sharing interpreters. */
static void
check_real_model (const RealModel *real,
                  guint            n_images)
{
  g_autofree char *path = test_shared_path (real->model);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensInterpreter) optimized = NULL;
  g_autoptr(BitlensInterpreter) reference = NULL;
  g_autoptr(BitlensInterpreter) optimized_arena = NULL;
  g_autoptr(BitlensInterpreter) reference_arena = NULL;
  const BitlensTensor *input, *output;

  if (path == NULL)
    return;
  model = bitlens_model_new_from_file (path, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (real->float_kinds); k++)
    g_assert_true (model_has_float_op (model, real->float_kinds[k]));

  optimized = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  g_assert_no_error (error);
  reference = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL | BITLENS_INTERPRETER_FORCE_REFERENCE, &error);
  g_assert_no_error (error);
  optimized_arena = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  reference_arena = bitlens_interpreter_new (model, BITLENS_INTERPRETER_FORCE_REFERENCE, &error);
  g_assert_no_error (error);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));

  for (guint i = 0; i < n_images && i < G_N_ELEMENTS (real_images); i++)
    {
      g_autofree char *image_path = test_shared_path (real_images[i]);
      g_autoptr(BitlensImage) image = NULL;
      g_autofree guint8 *bytes = NULL;
      BitlensInterpreter *interpreters[4] = { optimized, reference, optimized_arena, reference_arena };

      if (image_path == NULL)
        return;
      image = bitlens_image_load (image_path, &error);
      g_assert_no_error (error);
      bytes = g_malloc (input->n_bytes);
      g_assert_true (bitlens_image_to_input (image, input, bytes, &error));
      g_assert_no_error (error);
      for (guint k = 0; k < G_N_ELEMENTS (interpreters); k++)
        {
          g_assert_true (bitlens_interpreter_set_input_bytes (interpreters[k], bytes, input->n_bytes, &error));
          g_assert_no_error (error);
          bitlens_interpreter_invoke (interpreters[k]);
        }

      for (guint o = 0; o < bitlens_model_get_n_ops (model); o++)
        {
          const BitlensOp *op = bitlens_model_get_op (model, o);
          const BitlensTensor *tensor = bitlens_model_get_tensor (model, op->outputs[0]);
          g_autofree char *what = g_strdup_printf ("%s, %s, op %u (%s)", real->model, real_images[i], o,
                                                   bitlens_op_kind_name (op->kind));

          assert_same_bytes (what, bitlens_interpreter_get_tensor_data (optimized, op->outputs[0]),
                             bitlens_interpreter_get_tensor_data (reference, op->outputs[0]), tensor->n_bytes);
        }
      assert_same_bytes ("final output (arena)", bitlens_interpreter_get_output_data (optimized_arena, 0),
                         bitlens_interpreter_get_output_data (reference_arena, 0), output->n_bytes);
      assert_same_bytes ("final output (arena vs preserved)", bitlens_interpreter_get_output_data (optimized_arena, 0),
                         bitlens_interpreter_get_output_data (optimized, 0), output->n_bytes);
      g_test_message ("%s on %s: every op equal (score %.9g)", real->model, real_images[i],
                      bitlens_interpreter_get_person_score (optimized_arena));
    }
}

static void
test_real_models (void)
{
  for (guint m = 0; m < G_N_ELEMENTS (real_models); m++)
    check_real_model (&real_models[m], G_N_ELEMENTS (real_images));
}

/* ---- the portable paths ---- */

static void
test_portable_paths (void)
{
  if (g_test_subprocess ())
    {
      g_assert_false (bitlens_cpu_has_avx2 ());
      test_conv_random ();
      test_depthwise_random ();
      test_fully_connected_random ();
      test_pool_random ();
      for (guint m = 0; m < G_N_ELEMENTS (real_models); m++)
        check_real_model (&real_models[m], 1);
      return;
    }
  test_rerun_with_generic_cpu ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    g_test_message ("SIMD level in this process: %s", bitlens_cpu_describe ());
  g_test_add_func ("/kernels/float-optimized/conv-random", test_conv_random);
  g_test_add_func ("/kernels/float-optimized/depthwise-random", test_depthwise_random);
  g_test_add_func ("/kernels/float-optimized/fully-connected-random", test_fully_connected_random);
  g_test_add_func ("/kernels/float-optimized/pool-random", test_pool_random);
  g_test_add_func ("/kernels/float-optimized/real-models", test_real_models);
  g_test_add_func ("/kernels/float-optimized/portable-paths", test_portable_paths);

  return g_test_run ();
}
