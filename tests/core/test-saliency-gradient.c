/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bitlens/bitlens-render.h"
#include "lce-test-helpers.h"
#include "saliency-private.h"
#include "shadow-model.h"
#include "test-model-builder.h"
#include "test-util.h"

/* The gradient methods and the float shadow they run on:
 * - every op's backward pass against central differences in double on small random
 *   models; for the ops with straight-through estimators (LceQuantize, LceBconv2d,
 *   LceBMaxPool2d) the rule itself, with the +1 / -1 dot products measured on the real
 *   kernels by flipping one input sign at a time;
 * - the shadow's forward pass against the interpreter (vww_96_float op by op; the int8
 *   and binary models' scores are reported);
 * - integrated gradients' completeness, SmoothGrad's noise and determinism (bit-identical
 *   for any thread count), Grad-CAM's layer choice, shape and errors;
 * - maps recomputed from the README's definitions with the shadow's gradients;
 * - bitlens-cli saliency with a gradient method, the sidecar, the caption and the README. */

#define PERSON_DETECT "models/tflm/person_detect.tflite"
#define VWW_FLOAT "models/mlperf_tiny/vww_96_float.tflite"
#define VWW_INT8 "models/mlperf_tiny/vww_96_int8.tflite"
#define HB1 "models/lce/hbds/HB1-FN.tflite"
#define PERSON_IMAGE "data/vww/person/000000000785.png"

/* ---- Building small float models --------------------------------------------------- */

static int
add_float (BitlensModel *model,
           const char   *name,
           int           rank,
           const int    *shape)
{
  return test_model_add_activation (model, name, BITLENS_TYPE_FLOAT32, rank, shape, 0, 0);
}

static int
add_constant (BitlensModel      *model,
              const char        *name,
              BitlensTensorType  type,
              int                rank,
              const int         *shape,
              const void        *data)
{
  TestTensorSpec spec = { .type = type, .rank = rank, .data = data };

  memcpy (spec.shape, shape, sizeof (int) * rank);
  return test_model_add_tensor (model, name, &spec);
}

static float *
random_floats (GRand  *rand,
               gsize   n,
               double  low,
               double  high)
{
  float *values = g_new (float, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, low, high);
  return values;
}

static int
add_random_constant (BitlensModel *model,
                     GRand        *rand,
                     const char   *name,
                     int           rank,
                     const int    *shape)
{
  gsize n = 1;
  g_autofree float *values = NULL;

  for (int d = 0; d < rank; d++)
    n *= shape[d];
  values = random_floats (rand, n, -1, 1);
  return add_constant (model, name, BITLENS_TYPE_FLOAT32, rank, shape, values);
}

static BitlensModel *
finish_model (BitlensModel *model,
              int           input,
              int           output)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (test_model_finish (model, 1, &input, 1, &output, &error));
  g_assert_no_error (error);
  return model;
}

static BitlensOpOptions
options_default (void)
{
  BitlensOpOptions options;

  bitlens_op_options_init (&options);
  return options;
}

/* ---- Central differences ----------------------------------------------------------- */

static double
seeded_loss (ShadowState  *state,
             const double *x,
             const double *seed,
             gsize         n_out,
             int           output)
{
  const double *values;
  double total = 0;

  shadow_state_forward (state, x, 0);
  values = shadow_state_get_values (state, output);
  for (gsize i = 0; i < n_out; i++)
    total += seed[i] * values[i];
  return total;
}

/* Checks the gradient of sum_i seed_i output_i (random seeds) with respect to every
 * input element against (L(x + h e_i) - L(x - h e_i)) / 2h, x uniform in [low, high). */
static void
check_against_differences (BitlensModel *model,
                           GRand        *rand,
                           double        low,
                           double        high)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = shadow_model_new (model, &error);
  g_autoptr(ShadowState) state = NULL;
  g_autofree double *x = NULL, *seed = NULL, *gradient = NULL;
  int input, output;
  gsize n_in, n_out;
  const double h = 1e-6;
  double worst = 0;

  g_assert_no_error (error);
  input = shadow_model_get_input (shadow);
  output = shadow_model_get_output (shadow);
  n_in = shadow_model_get_n_elements (shadow, input);
  n_out = shadow_model_get_n_elements (shadow, output);
  state = shadow_state_new (shadow);
  x = g_new (double, n_in);
  seed = g_new (double, n_out);
  for (gsize i = 0; i < n_in; i++)
    x[i] = g_rand_double_range (rand, low, high);
  for (gsize i = 0; i < n_out; i++)
    seed[i] = g_rand_double_range (rand, -1, 1);

  shadow_state_forward (state, x, 0);
  shadow_state_backward_seeded (state, seed);
  gradient = g_memdup2 (shadow_state_get_gradient (state, input), sizeof (double) * n_in);

  for (gsize i = 0; i < n_in; i++)
    {
      double saved = x[i], plus, minus, difference;

      x[i] = saved + h;
      plus = seeded_loss (state, x, seed, n_out, output);
      x[i] = saved - h;
      minus = seeded_loss (state, x, seed, n_out, output);
      x[i] = saved;
      difference = (plus - minus) / (2 * h);
      worst = MAX (worst, fabs (difference - gradient[i]) / (1 + fabs (difference)));
      g_assert_cmpfloat_with_epsilon (gradient[i], difference, 1e-6 * (1 + fabs (difference)));
    }
  g_test_message ("%" G_GSIZE_FORMAT " inputs, worst relative difference %.3g", n_in, worst);
}

/* ---- Per-op backward passes -------------------------------------------------------- */

static void
test_backward_conv_2d (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  struct { int groups; BitlensPadding padding; int stride_h, stride_w, dilation_h, dilation_w;
           BitlensActivation activation; gboolean bias; } cases[] = {
    { 1, BITLENS_PADDING_SAME, 1, 1, 1, 1, BITLENS_ACTIVATION_NONE, TRUE },
    { 2, BITLENS_PADDING_SAME, 2, 1, 1, 2, BITLENS_ACTIVATION_RELU6, TRUE },
    { 1, BITLENS_PADDING_VALID, 1, 2, 2, 1, BITLENS_ACTIVATION_RELU, FALSE },
    { 4, BITLENS_PADDING_VALID, 2, 2, 1, 1, BITLENS_ACTIVATION_RELU_N1_TO_1, TRUE },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      int in_shape[4] = { 1, 7, 6, 4 };
      int filter_shape[4] = { 8, 3, 2, 4 / cases[k].groups };
      int bias_shape[1] = { 8 };
      int out_shape[4], inputs[3], n_inputs = cases[k].bias ? 3 : 2, output;
      BitlensOpOptions options = options_default ();
      int eff_h = 2 * cases[k].dilation_h + 1, eff_w = cases[k].dilation_w + 1;

      options.padding = cases[k].padding;
      options.stride_h = cases[k].stride_h;
      options.stride_w = cases[k].stride_w;
      options.dilation_h = cases[k].dilation_h;
      options.dilation_w = cases[k].dilation_w;
      options.activation = cases[k].activation;
      out_shape[0] = 1;
      out_shape[1] = cases[k].padding == BITLENS_PADDING_SAME ? (7 + options.stride_h - 1) / options.stride_h
                                                               : (7 - eff_h + options.stride_h) / options.stride_h;
      out_shape[2] = cases[k].padding == BITLENS_PADDING_SAME ? (6 + options.stride_w - 1) / options.stride_w
                                                               : (6 - eff_w + options.stride_w) / options.stride_w;
      out_shape[3] = 8;
      inputs[0] = add_float (model, "input", 4, in_shape);
      inputs[1] = add_random_constant (model, rand, "filter", 4, filter_shape);
      inputs[2] = add_random_constant (model, rand, "bias", 1, bias_shape);
      output = add_float (model, "output", 4, out_shape);
      test_model_add_op (model, BITLENS_OP_CONV_2D, n_inputs, inputs, 1, &output, &options);
      check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
    }
}

static void
test_backward_depthwise_conv_2d (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);
  BitlensActivation activations[] = { BITLENS_ACTIVATION_RELU, BITLENS_ACTIVATION_NONE };

  for (guint k = 0; k < G_N_ELEMENTS (activations); k++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      int in_shape[4] = { 1, 6, 5, 3 }, filter_shape[4] = { 1, 3, 3, 6 }, bias_shape[1] = { 6 };
      int out_shape[4] = { 1, 3, 3, 6 }, inputs[3], output;
      BitlensOpOptions options = options_default ();

      options.padding = BITLENS_PADDING_SAME;
      options.stride_h = options.stride_w = 2;
      options.depth_multiplier = 2;
      options.activation = activations[k];
      inputs[0] = add_float (model, "input", 4, in_shape);
      inputs[1] = add_random_constant (model, rand, "filter", 4, filter_shape);
      inputs[2] = add_random_constant (model, rand, "bias", 1, bias_shape);
      output = add_float (model, "output", 4, out_shape);
      test_model_add_op (model, BITLENS_OP_DEPTHWISE_CONV_2D, 3, inputs, 1, &output, &options);
      check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
    }
}

static void
test_backward_fully_connected (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  g_autoptr(BitlensModel) model = test_model_new ();
  int in_shape[4] = { 1, 2, 2, 3 }, weights_shape[2] = { 5, 12 }, bias_shape[1] = { 5 };
  int out_shape[2] = { 1, 5 }, inputs[3], output;
  BitlensOpOptions options = options_default ();

  options.activation = BITLENS_ACTIVATION_RELU_N1_TO_1;
  inputs[0] = add_float (model, "input", 4, in_shape);
  inputs[1] = add_random_constant (model, rand, "weights", 2, weights_shape);
  inputs[2] = add_random_constant (model, rand, "bias", 1, bias_shape);
  output = add_float (model, "output", 2, out_shape);
  test_model_add_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, 1, &output, &options);
  check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
}

static void
test_backward_pools (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  struct { BitlensOpKind kind; BitlensPadding padding; int filter_h, filter_w, stride; BitlensActivation activation; } cases[] = {
    { BITLENS_OP_AVERAGE_POOL_2D, BITLENS_PADDING_SAME, 3, 2, 2, BITLENS_ACTIVATION_NONE },
    { BITLENS_OP_AVERAGE_POOL_2D, BITLENS_PADDING_VALID, 2, 2, 1, BITLENS_ACTIVATION_RELU },
    { BITLENS_OP_MAX_POOL_2D, BITLENS_PADDING_SAME, 2, 3, 1, BITLENS_ACTIVATION_RELU },
    { BITLENS_OP_MAX_POOL_2D, BITLENS_PADDING_VALID, 3, 3, 2, BITLENS_ACTIVATION_NONE },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      int in_shape[4] = { 1, 5, 7, 3 }, out_shape[4], input, output;
      BitlensOpOptions options = options_default ();

      options.padding = cases[k].padding;
      options.filter_h = cases[k].filter_h;
      options.filter_w = cases[k].filter_w;
      options.stride_h = options.stride_w = cases[k].stride;
      options.activation = cases[k].activation;
      out_shape[0] = 1;
      out_shape[3] = 3;
      if (cases[k].padding == BITLENS_PADDING_SAME)
        {
          out_shape[1] = (5 + cases[k].stride - 1) / cases[k].stride;
          out_shape[2] = (7 + cases[k].stride - 1) / cases[k].stride;
        }
      else
        {
          out_shape[1] = (5 - cases[k].filter_h + cases[k].stride) / cases[k].stride;
          out_shape[2] = (7 - cases[k].filter_w + cases[k].stride) / cases[k].stride;
        }
      input = add_float (model, "input", 4, in_shape);
      output = add_float (model, "output", 4, out_shape);
      test_model_add_op (model, cases[k].kind, 1, &input, 1, &output, &options);
      check_against_differences (finish_model (model, input, output), rand, -1, 1);
    }
}

/* ADD and MUL: a broadcast constant, and two activations (x and logistic (x), and x * x). */
static void
test_backward_add_mul (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (15);
  BitlensOpKind kinds[] = { BITLENS_OP_ADD, BITLENS_OP_MUL };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      int shape[4] = { 1, 3, 4, 2 }, constant_shape[4] = { 1, 1, 4, 1 };
      BitlensOpOptions options = options_default ();

      options.activation = kinds[k] == BITLENS_OP_ADD ? BITLENS_ACTIVATION_RELU : BITLENS_ACTIVATION_NONE;
      {
        g_autoptr(BitlensModel) model = test_model_new ();
        int inputs[2], output;

        inputs[0] = add_float (model, "input", 4, shape);
        inputs[1] = add_random_constant (model, rand, "constant", 4, constant_shape);
        output = add_float (model, "output", 4, shape);
        test_model_add_op (model, kinds[k], 2, inputs, 1, &output, &options);
        check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
      }
      {
        g_autoptr(BitlensModel) model = test_model_new ();
        int input, squashed, inputs[2], output;

        input = add_float (model, "input", 4, shape);
        squashed = add_float (model, "logistic", 4, shape);
        output = add_float (model, "output", 4, shape);
        test_model_add_op (model, BITLENS_OP_LOGISTIC, 1, &input, 1, &squashed, NULL);
        inputs[0] = squashed;
        inputs[1] = input;
        test_model_add_op (model, kinds[k], 2, inputs, 1, &output, &options);
        check_against_differences (finish_model (model, input, output), rand, -1, 1);
      }
      {
        g_autoptr(BitlensModel) model = test_model_new ();
        int inputs[2], output;

        inputs[0] = inputs[1] = add_float (model, "input", 4, shape);
        output = add_float (model, "output", 4, shape);
        test_model_add_op (model, kinds[k], 2, inputs, 1, &output, &options);
        check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
      }
    }
}

static void
test_backward_softmax_logistic (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (16);
  int shape[4] = { 1, 2, 3, 5 };

  {
    g_autoptr(BitlensModel) model = test_model_new ();
    BitlensOpOptions options = options_default ();
    int input = add_float (model, "input", 4, shape), output = add_float (model, "output", 4, shape);

    options.beta = 0.7f;
    test_model_add_op (model, BITLENS_OP_SOFTMAX, 1, &input, 1, &output, &options);
    check_against_differences (finish_model (model, input, output), rand, -3, 3);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    int input = add_float (model, "input", 4, shape), output = add_float (model, "output", 4, shape);

    test_model_add_op (model, BITLENS_OP_LOGISTIC, 1, &input, 1, &output, NULL);
    check_against_differences (finish_model (model, input, output), rand, -3, 3);
  }
}

static void
test_backward_mean_pad_concatenation (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  int shape[4] = { 1, 4, 3, 5 };

  {
    g_autoptr(BitlensModel) model = test_model_new ();
    gint32 axes[2] = { 2, -3 };
    int axes_shape[1] = { 2 }, out_shape[4] = { 1, 1, 1, 5 }, inputs[2], output;
    BitlensOpOptions options = options_default ();

    options.keep_dims = TRUE;
    inputs[0] = add_float (model, "input", 4, shape);
    inputs[1] = add_constant (model, "axes", BITLENS_TYPE_INT32, 1, axes_shape, axes);
    output = add_float (model, "output", 4, out_shape);
    test_model_add_op (model, BITLENS_OP_MEAN, 2, inputs, 1, &output, &options);
    check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    gint32 paddings[8] = { 0, 0, 1, 2, 0, 1, 0, 0 };
    int paddings_shape[2] = { 4, 2 }, out_shape[4] = { 1, 7, 4, 5 }, inputs[2], output;

    inputs[0] = add_float (model, "input", 4, shape);
    inputs[1] = add_constant (model, "paddings", BITLENS_TYPE_INT32, 2, paddings_shape, paddings);
    output = add_float (model, "output", 4, out_shape);
    test_model_add_op (model, BITLENS_OP_PAD, 2, inputs, 1, &output, NULL);
    check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    int out_shape[4] = { 1, 4, 3, 10 }, input, squashed, inputs[2], output;
    BitlensOpOptions options = options_default ();

    options.axis = -1;
    input = add_float (model, "input", 4, shape);
    squashed = add_float (model, "logistic", 4, shape);
    output = add_float (model, "output", 4, out_shape);
    test_model_add_op (model, BITLENS_OP_LOGISTIC, 1, &input, 1, &squashed, NULL);
    inputs[0] = squashed;
    inputs[1] = input;
    test_model_add_op (model, BITLENS_OP_CONCATENATION, 2, inputs, 1, &output, &options);
    check_against_differences (finish_model (model, input, output), rand, -1, 1);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    int out_shape[4] = { 1, 8, 3, 5 }, inputs[2], output;
    BitlensOpOptions options = options_default ();

    options.axis = 1;
    inputs[0] = inputs[1] = add_float (model, "input", 4, shape);
    output = add_float (model, "output", 4, out_shape);
    test_model_add_op (model, BITLENS_OP_CONCATENATION, 2, inputs, 1, &output, &options);
    check_against_differences (finish_model (model, inputs[0], output), rand, -1, 1);
  }
}

/* RESHAPE, QUANTIZE and DEQUANTIZE are the identity (straight-through): the gradient is
 * the seed itself, and the forward pass keeps the real values unrounded. */
static void
test_backward_identities (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  int shape[4] = { 1, 3, 4, 2 }, flat[2] = { 1, 24 };
  int input, quantized, dequantized, output;
  double x[24], seed[24];
  const double *gradient, *values;

  input = add_float (model, "input", 4, shape);
  quantized = test_model_add_activation (model, "quantized", BITLENS_TYPE_INT8, 4, shape, 0.01f, 3);
  dequantized = add_float (model, "dequantized", 4, shape);
  output = add_float (model, "output", 2, flat);
  test_model_add_op (model, BITLENS_OP_QUANTIZE, 1, &input, 1, &quantized, NULL);
  test_model_add_op (model, BITLENS_OP_DEQUANTIZE, 1, &quantized, 1, &dequantized, NULL);
  test_model_add_op (model, BITLENS_OP_RESHAPE, 1, &dequantized, 1, &output, NULL);
  finish_model (model, input, output);

  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  for (int i = 0; i < 24; i++)
    {
      x[i] = g_rand_double_range (rand, -1, 1);
      seed[i] = g_rand_double_range (rand, -1, 1);
    }
  shadow_state_forward (state, x, 0);
  shadow_state_backward_seeded (state, seed);
  values = shadow_state_get_values (state, output);
  gradient = shadow_state_get_gradient (state, input);
  for (int i = 0; i < 24; i++)
    {
      g_assert_cmpfloat (values[i], ==, x[i]);
      g_assert_cmpfloat (gradient[i], ==, seed[i]);
    }
  check_against_differences (model, rand, -1, 1);
}

/* A chain ending in a one-element output that is not a probability: the score is its
 * sigmoid (the interpreter's rule), and shadow_state_backward differentiates that. */
static void
test_backward_score_chain (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (19);
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  int in_shape[4] = { 1, 6, 6, 3 }, filter_shape[4] = { 4, 3, 3, 3 }, bias_shape[1] = { 4 };
  int conv_shape[4] = { 1, 3, 3, 4 }, pool_shape[4] = { 1, 1, 1, 4 }, flat_shape[2] = { 1, 4 };
  int weights_shape[2] = { 1, 4 }, one_bias[1] = { 1 }, out_shape[2] = { 1, 1 };
  int input, conv, pooled, flat, output, inputs[3];
  BitlensOpOptions conv_options = options_default (), pool_options = options_default ();
  g_autofree double *x = NULL, *gradient = NULL;
  double score, logit;
  const double h = 1e-6;

  conv_options.padding = BITLENS_PADDING_SAME;
  conv_options.stride_h = conv_options.stride_w = 2;
  conv_options.activation = BITLENS_ACTIVATION_RELU;
  pool_options.padding = BITLENS_PADDING_VALID;
  pool_options.filter_h = pool_options.filter_w = 3;
  input = add_float (model, "input", 4, in_shape);
  inputs[0] = input;
  inputs[1] = add_random_constant (model, rand, "filter", 4, filter_shape);
  inputs[2] = add_random_constant (model, rand, "bias", 1, bias_shape);
  conv = add_float (model, "conv", 4, conv_shape);
  test_model_add_op (model, BITLENS_OP_CONV_2D, 3, inputs, 1, &conv, &conv_options);
  pooled = add_float (model, "pooled", 4, pool_shape);
  test_model_add_op (model, BITLENS_OP_AVERAGE_POOL_2D, 1, &conv, 1, &pooled, &pool_options);
  flat = add_float (model, "flat", 2, flat_shape);
  test_model_add_op (model, BITLENS_OP_RESHAPE, 1, &pooled, 1, &flat, NULL);
  inputs[0] = flat;
  inputs[1] = add_random_constant (model, rand, "weights", 2, weights_shape);
  inputs[2] = add_random_constant (model, rand, "bias1", 1, one_bias);
  output = add_float (model, "logit", 2, out_shape);
  test_model_add_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, 1, &output, NULL);
  finish_model (model, input, output);

  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = g_new (double, 108);
  for (int i = 0; i < 108; i++)
    x[i] = g_rand_double_range (rand, -1, 1);
  score = shadow_state_forward (state, x, 0);
  logit = shadow_state_get_values (state, output)[0];
  g_assert_cmpfloat_with_epsilon (score, 1.0 / (1.0 + exp (-logit)), 1e-15);
  shadow_state_backward (state, 0);
  gradient = g_memdup2 (shadow_state_get_gradient (state, input), sizeof (double) * 108);
  for (int i = 0; i < 108; i++)
    {
      double saved = x[i], plus, minus;

      x[i] = saved + h;
      plus = shadow_state_forward (state, x, 0);
      x[i] = saved - h;
      minus = shadow_state_forward (state, x, 0);
      x[i] = saved;
      g_assert_cmpfloat_with_epsilon (gradient[i], (plus - minus) / (2 * h), 1e-8);
    }
}

/* ---- Straight-through estimators ---------------------------------------------------- */

/* Output 0 of a model on float input values, as doubles. */
static double *
run_float_model (BitlensModel *model,
                 const float  *input,
                 gsize         n_in)
{
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  g_autofree float *values = (float *) lce_test_run (model, BITLENS_INTERPRETER_DEFAULT, input, n_in * sizeof (float));
  double *result = g_new (double, output->n_elements);

  g_assert_cmpint (output->type, ==, BITLENS_TYPE_FLOAT32);
  for (gsize i = 0; i < output->n_elements; i++)
    result[i] = values[i];
  return result;
}

static double
sign_of (double x)
{
  return x < 0 ? -1.0 : 1.0;
}

/* LceQuantize then LceDequantize: forward the sign (0 gives +1), backward the seed where
 * |x| <= 1 and 0 elsewhere. */
static void
test_ste_lce_quantize (void)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  int shape[4] = { 1, 2, 2, 10 }, packed_shape[4] = { 1, 2, 2, 1 }, input, packed, output;
  float x[40];
  double xd[40], seed[40];
  g_autofree double *expected = NULL;
  const double *values, *gradient;

  for (int i = 0; i < 40; i++)
    {
      static const float levels[] = { -2.5f, -1.0f, -0.99f, -0.25f, 0.0f, -0.0f, 0.3f, 1.0f, 1.01f, 3.0f };
      x[i] = levels[i % 10] * (i < 20 ? 1.0f : 0.5f);
      xd[i] = x[i];
      seed[i] = 0.5 + i;
    }
  input = add_float (model, "input", 4, shape);
  packed = test_model_add_activation (model, "packed", BITLENS_TYPE_INT32, 4, packed_shape, 0, 0);
  output = add_float (model, "output", 4, shape);
  test_model_add_op (model, BITLENS_OP_LCE_QUANTIZE, 1, &input, 1, &packed, NULL);
  test_model_add_op (model, BITLENS_OP_LCE_DEQUANTIZE, 1, &packed, 1, &output, NULL);
  finish_model (model, input, output);
  expected = run_float_model (model, x, 40);

  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  shadow_state_forward (state, xd, 0);
  shadow_state_backward_seeded (state, seed);
  values = shadow_state_get_values (state, output);
  gradient = shadow_state_get_gradient (state, input);
  for (int i = 0; i < 40; i++)
    {
      g_assert_cmpfloat (values[i], ==, expected[i]);
      g_assert_cmpfloat (values[i], ==, sign_of (xd[i]));
      g_assert_cmpfloat (gradient[i], ==, fabs (xd[i]) <= 1.0 ? seed[i] : 0.0);
    }
}

typedef struct
{
  int                 height, width, channels_in, out_channels;
  int                 filter_h, filter_w, groups;
  BitlensPadding      padding;
  int                 pad_values;
  int                 stride, dilation;
} BconvCase;

static void
bconv_output_size (const BconvCase *c,
                   int             *out_h,
                   int             *out_w)
{
  int eff_h = (c->filter_h - 1) * c->dilation + 1, eff_w = (c->filter_w - 1) * c->dilation + 1;

  if (c->padding == BITLENS_PADDING_SAME)
    {
      *out_h = (c->height + c->stride - 1) / c->stride;
      *out_w = (c->width + c->stride - 1) / c->stride;
    }
  else
    {
      *out_h = (c->height - eff_h + c->stride) / c->stride;
      *out_w = (c->width - eff_w + c->stride) / c->stride;
    }
}

/* input float -> LceQuantize -> LceBconv2d (float output with multiplier and bias, int8
 * output when out_scale > 0, or bitpacked output with thresholds, then LceDequantize). */
static BitlensModel *
bconv_model_new (const BconvCase *c,
                 const guint32   *filter_words,
                 const float     *multiplier,
                 const float     *bias,
                 const gint32    *thresholds,
                 float            out_scale)
{
  BitlensModel *model = test_model_new ();
  int in_shape[4] = { 1, c->height, c->width, c->channels_in };
  int packed_shape[4] = { 1, c->height, c->width, lce_test_words (c->channels_in) };
  int filter_shape[4] = { c->out_channels, c->filter_h, c->filter_w, lce_test_words (c->channels_in / c->groups) };
  int channel_shape[1] = { c->out_channels };
  int out_shape[4], packed_out_shape[4], input, packed, inputs[5], output;
  BitlensOpOptions options = options_default ();

  bconv_output_size (c, &out_shape[1], &out_shape[2]);
  out_shape[0] = 1;
  out_shape[3] = c->out_channels;
  memcpy (packed_out_shape, out_shape, sizeof out_shape);
  packed_out_shape[3] = lce_test_words (c->out_channels);
  options.channels_in = c->channels_in;
  options.padding = c->padding;
  options.pad_values = c->pad_values;
  options.stride_h = options.stride_w = c->stride;
  options.dilation_h = options.dilation_w = c->dilation;

  input = add_float (model, "input", 4, in_shape);
  packed = test_model_add_activation (model, "packed", BITLENS_TYPE_INT32, 4, packed_shape, 0, 0);
  test_model_add_op (model, BITLENS_OP_LCE_QUANTIZE, 1, &input, 1, &packed, NULL);
  inputs[0] = packed;
  inputs[1] = add_constant (model, "filter", BITLENS_TYPE_INT32, 4, filter_shape, filter_words);
  if (thresholds == NULL)
    {
      inputs[2] = add_constant (model, "multiplier", BITLENS_TYPE_FLOAT32, 1, channel_shape, multiplier);
      inputs[3] = add_constant (model, "bias", BITLENS_TYPE_FLOAT32, 1, channel_shape, bias);
      inputs[4] = -1;
      if (out_scale > 0)
        output = test_model_add_activation (model, "output", BITLENS_TYPE_INT8, 4, out_shape, out_scale, 3);
      else
        output = add_float (model, "output", 4, out_shape);
      test_model_add_op (model, BITLENS_OP_LCE_BCONV2D, 5, inputs, 1, &output, &options);
    }
  else
    {
      int bits;

      inputs[2] = inputs[3] = -1;
      inputs[4] = add_constant (model, "thresholds", BITLENS_TYPE_INT32, 1, channel_shape, thresholds);
      bits = test_model_add_activation (model, "bits", BITLENS_TYPE_INT32, 4, packed_out_shape, 0, 0);
      test_model_add_op (model, BITLENS_OP_LCE_BCONV2D, 5, inputs, 1, &bits, &options);
      output = add_float (model, "output", 4, out_shape);
      test_model_add_op (model, BITLENS_OP_LCE_DEQUANTIZE, 1, &bits, 1, &output, NULL);
    }
  return finish_model (model, input, output);
}

/* The shadow's forward values and its gradient of sum seed * output. */
static double *
shadow_gradient_of_seed (BitlensModel *model,
                         const float  *x,
                         gsize         n_in,
                         const double *seed,
                         double      **values)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = shadow_model_new (model, &error);
  g_autoptr(ShadowState) state = NULL;
  g_autofree double *xd = g_new (double, n_in);
  int output;

  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  output = shadow_model_get_output (shadow);
  for (gsize i = 0; i < n_in; i++)
    xd[i] = x[i];
  shadow_state_forward (state, xd, 0);
  *values = g_memdup2 (shadow_state_get_values (state, output),
                       sizeof (double) * shadow_model_get_n_elements (shadow, output));
  shadow_state_backward_seeded (state, seed);
  return g_memdup2 (shadow_state_get_gradient (state, shadow_model_get_input (shadow)), sizeof (double) * n_in);
}

/* The change of the real kernel's outputs when input element i changes sign, per unit
 * of sign: (out (x with x_i negated) - out (x)) / (-2 sign (x_i)), for every output. */
static double *
flip_response (BitlensModel *model,
               float        *x,
               gsize         i,
               const double *base,
               gsize         n_out)
{
  g_autofree double *flipped = NULL;
  double *response = g_new (double, n_out);
  float saved = x[i];

  x[i] = -saved;
  flipped = run_float_model (model, x, bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0))->n_elements);
  x[i] = saved;
  for (gsize o = 0; o < n_out; o++)
    response[o] = (flipped[o] - base[o]) / (-2.0 * sign_of (saved));
  return response;
}

static const BconvCase bconv_cases[] = {
  { 5, 6, 40, 7, 3, 3, 1, BITLENS_PADDING_VALID, 0, 1, 1 },
  { 6, 5, 20, 9, 3, 2, 1, BITLENS_PADDING_SAME, 1, 2, 1 },
  { 6, 6, 12, 5, 3, 3, 1, BITLENS_PADDING_SAME, 0, 1, 2 },
  { 4, 4, 64, 6, 2, 2, 2, BITLENS_PADDING_SAME, 1, 1, 1 },
};

static guint32 *
random_filter (GRand           *rand,
               const BconvCase *c)
{
  gsize rows = (gsize) c->out_channels * c->filter_h * c->filter_w;
  g_autofree gint8 *signs = lce_test_random_signs (rand, rows * (c->channels_in / c->groups));

  return lce_test_pack_signs (signs, rows, c->channels_in / c->groups);
}

/* Float output: output c = post_mul[c] * dot_c + post_bias[c], linear in the signs, so
 * the gradient is the STE mask times the kernel's response to one sign flip. */
static void
test_ste_lce_bconv2d_float (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (21);

  for (guint k = 0; k < G_N_ELEMENTS (bconv_cases); k++)
    {
      const BconvCase *c = &bconv_cases[k];
      g_autofree guint32 *filter = random_filter (rand, c);
      g_autofree float *multiplier = random_floats (rand, c->out_channels, -0.5, 0.5);
      g_autofree float *bias = random_floats (rand, c->out_channels, -2, 2);
      g_autoptr(BitlensModel) model = bconv_model_new (c, filter, multiplier, bias, NULL, 0);
      gsize n_in = (gsize) c->height * c->width * c->channels_in;
      gsize n_out = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0))->n_elements;
      g_autofree float *x = random_floats (rand, n_in, -1.5, 1.5);
      g_autofree double *seed = g_new (double, n_out);
      g_autofree double *base = NULL, *values = NULL, *gradient = NULL;

      for (gsize o = 0; o < n_out; o++)
        seed[o] = g_rand_double_range (rand, -1, 1);
      base = run_float_model (model, x, n_in);
      gradient = shadow_gradient_of_seed (model, x, n_in, seed, &values);
      /* The shadow computes the kernel's output transform in float: equal values. */
      for (gsize o = 0; o < n_out; o++)
        g_assert_cmpfloat (values[o], ==, base[o]);
      for (gsize i = 0; i < n_in; i++)
        {
          g_autofree double *response = flip_response (model, x, i, base, n_out);
          double expected = 0;

          for (gsize o = 0; o < n_out; o++)
            expected += seed[o] * response[o];
          expected *= fabs (x[i]) <= 1 ? 1 : 0;
          g_assert_cmpfloat_with_epsilon (gradient[i], expected, 1e-4);
        }
    }
}

/* Bitpacked output: bit c is the sign of z_c = (dot_c - (K - 2 t_c - 1)) / sqrt (K); the
 * gradient is sum_c seed_c [|z_c| <= 1] / sqrt (K) d dot_c / d sign, masked by the input's
 * STE. The dot products come from a twin with float output, multiplier 1 and bias 0. */
static void
test_ste_lce_bconv2d_bitpacked (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (22);

  for (guint k = 0; k < G_N_ELEMENTS (bconv_cases); k++)
    {
      const BconvCase *c = &bconv_cases[k];
      g_autofree guint32 *filter = random_filter (rand, c);
      g_autofree float *ones = g_new (float, c->out_channels);
      g_autofree float *zeros = g_new0 (float, c->out_channels);
      g_autofree gint32 *thresholds = g_new (gint32, c->out_channels);
      g_autoptr(BitlensModel) twin = NULL;
      g_autoptr(BitlensModel) model = NULL;
      gsize n_in = (gsize) c->height * c->width * c->channels_in;
      g_autofree float *x = random_floats (rand, n_in, -1.5, 1.5);
      g_autofree double *dots = NULL, *seed = NULL, *values = NULL, *gradient = NULL, *weights = NULL;
      int depth = c->filter_h * c->filter_w * (c->channels_in / c->groups);
      double root = sqrt (depth);
      gsize n_out;
      int n_active = 0;

      for (int o = 0; o < c->out_channels; o++)
        ones[o] = 1.0f;
      twin = bconv_model_new (c, filter, ones, zeros, NULL, 0);
      n_out = bitlens_model_get_tensor (twin, bitlens_model_get_output (twin, 0))->n_elements;
      dots = run_float_model (twin, x, n_in);
      /* Thresholds near the first pixel's dot products, so that many |z| are below 1. */
      for (int o = 0; o < c->out_channels; o++)
        thresholds[o] = (gint32) floor ((depth - 1 - dots[o] + g_rand_double_range (rand, -1.5, 1.5) * root) / 2);
      model = bconv_model_new (c, filter, NULL, NULL, thresholds, 0);

      seed = g_new (double, n_out);
      weights = g_new (double, n_out);
      for (gsize o = 0; o < n_out; o++)
        {
          int channel = (int) (o % c->out_channels);
          double z = (dots[o] - (depth - 2.0 * thresholds[channel] - 1.0)) / root;

          seed[o] = g_rand_double_range (rand, -1, 1);
          weights[o] = fabs (z) <= 1 ? seed[o] / root : 0;
          n_active += fabs (z) <= 1;
        }
      g_assert_cmpint (n_active, >, 0);
      {
        g_autofree double *expected_values = run_float_model (model, x, n_in);

        gradient = shadow_gradient_of_seed (model, x, n_in, seed, &values);
        for (gsize o = 0; o < n_out; o++)
          {
            int channel = (int) (o % c->out_channels);

            g_assert_cmpfloat (expected_values[o], ==, dots[o] > depth - 2.0 * thresholds[channel] - 1.0 ? 1.0 : -1.0);
            g_assert_cmpfloat (values[o], ==, expected_values[o]);
          }
      }
      for (gsize i = 0; i < n_in; i++)
        {
          g_autofree double *response = flip_response (twin, x, i, dots, n_out);
          double expected = 0;

          for (gsize o = 0; o < n_out; o++)
            expected += weights[o] * response[o];
          expected *= fabs (x[i]) <= 1 ? 1 : 0;
          g_assert_cmpfloat_with_epsilon (gradient[i], expected, 1e-9);
        }
    }
}

/* Int8 output: the real value out_scale * (y - zero_point) without rounding (within half
 * a step of the kernel's unless the kernel saturates), and the gradient of the twin with
 * float output and the same multiplier and bias. */
static void
test_ste_lce_bconv2d_int8 (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (24);

  for (guint k = 0; k < G_N_ELEMENTS (bconv_cases); k++)
    {
      const BconvCase *c = &bconv_cases[k];
      const float out_scale = 0.05f;
      g_autofree guint32 *filter = random_filter (rand, c);
      g_autofree float *multiplier = random_floats (rand, c->out_channels, -0.3, 0.3);
      g_autofree float *bias = random_floats (rand, c->out_channels, -1, 1);
      g_autoptr(BitlensModel) model = bconv_model_new (c, filter, multiplier, bias, NULL, out_scale);
      g_autoptr(BitlensModel) twin = bconv_model_new (c, filter, multiplier, bias, NULL, 0);
      gsize n_in = (gsize) c->height * c->width * c->channels_in;
      gsize n_out = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0))->n_elements;
      g_autofree float *x = random_floats (rand, n_in, -1.5, 1.5);
      g_autofree double *seed = g_new (double, n_out);
      g_autofree double *values = NULL, *gradient = NULL, *twin_values = NULL, *twin_gradient = NULL;
      g_autofree gint8 *kernel = (gint8 *) lce_test_run (model, BITLENS_INTERPRETER_DEFAULT, x, n_in * sizeof (float));
      gsize n_checked = 0;

      for (gsize o = 0; o < n_out; o++)
        seed[o] = g_rand_double_range (rand, -1, 1);
      gradient = shadow_gradient_of_seed (model, x, n_in, seed, &values);
      twin_gradient = shadow_gradient_of_seed (twin, x, n_in, seed, &twin_values);
      for (gsize o = 0; o < n_out; o++)
        {
          if (kernel[o] == G_MININT8 || kernel[o] == G_MAXINT8)
            continue;
          g_assert_cmpfloat (fabs (values[o] - out_scale * (kernel[o] - 3)), <=, 0.5 * out_scale + 1e-6);
          g_assert_cmpfloat_with_epsilon (values[o], twin_values[o], 1e-5 * (1 + fabs (twin_values[o])));
          n_checked++;
        }
      g_assert_cmpuint (n_checked, >, n_out / 2);
      for (gsize i = 0; i < n_in; i++)
        g_assert_cmpfloat_with_epsilon (gradient[i], twin_gradient[i], 1e-5 * (1 + fabs (twin_gradient[i])));
    }
}

/* LceBMaxPool2d: the max over +1 / -1; the gradient goes to the first largest tap of the
 * clipped window (filter_y, then filter_x), through the input's STE. */
static void
test_ste_lce_bmaxpool2d (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (23);
  g_autoptr(BitlensModel) model = test_model_new ();
  const int height = 5, width = 6, channels = 40, filter_h = 3, filter_w = 2, stride = 2;
  const int out_h = 3, out_w = 3, pad_top = 1, pad_left = 0;
  int in_shape[4] = { 1, height, width, channels }, packed_shape[4] = { 1, height, width, 2 };
  int out_shape[4] = { 1, out_h, out_w, channels }, pooled_shape[4] = { 1, out_h, out_w, 2 };
  int input, packed, pooled, output;
  BitlensOpOptions options = options_default ();
  gsize n_in = (gsize) height * width * channels, n_out = (gsize) out_h * out_w * channels;
  g_autofree float *x = random_floats (rand, n_in, -1.5, 1.5);
  g_autofree double *seed = g_new (double, n_out), *expected = g_new0 (double, n_in);
  g_autofree double *values = NULL, *gradient = NULL, *kernel_values = NULL;

  options.padding = BITLENS_PADDING_SAME;
  options.filter_h = filter_h;
  options.filter_w = filter_w;
  options.stride_h = options.stride_w = stride;
  input = add_float (model, "input", 4, in_shape);
  packed = test_model_add_activation (model, "packed", BITLENS_TYPE_INT32, 4, packed_shape, 0, 0);
  pooled = test_model_add_activation (model, "pooled", BITLENS_TYPE_INT32, 4, pooled_shape, 0, 0);
  output = add_float (model, "output", 4, out_shape);
  test_model_add_op (model, BITLENS_OP_LCE_QUANTIZE, 1, &input, 1, &packed, NULL);
  test_model_add_op (model, BITLENS_OP_LCE_BMAXPOOL2D, 1, &packed, 1, &pooled, &options);
  test_model_add_op (model, BITLENS_OP_LCE_DEQUANTIZE, 1, &pooled, 1, &output, NULL);
  finish_model (model, input, output);

  for (gsize o = 0; o < n_out; o++)
    seed[o] = g_rand_double_range (rand, -1, 1);
  kernel_values = run_float_model (model, x, n_in);
  gradient = shadow_gradient_of_seed (model, x, n_in, seed, &values);
  for (int oy = 0; oy < out_h; oy++)
    for (int ox = 0; ox < out_w; ox++)
      for (int ch = 0; ch < channels; ch++)
        {
          gsize o = ((gsize) oy * out_w + ox) * channels + ch, best = G_MAXSIZE;

          for (int fy = 0; fy < filter_h; fy++)
            for (int fx = 0; fx < filter_w; fx++)
              {
                int iy = oy * stride - pad_top + fy, ix = ox * stride - pad_left + fx;
                gsize i = ((gsize) iy * width + ix) * channels + ch;

                if (iy < 0 || iy >= height || ix < 0 || ix >= width)
                  continue;
                if (best == G_MAXSIZE || sign_of (x[i]) > sign_of (x[best]))
                  best = i;
              }
          g_assert_cmpfloat (values[o], ==, kernel_values[o]);
          g_assert_cmpfloat (values[o], ==, sign_of (x[best]));
          expected[best] += seed[o] * (fabs (x[best]) <= 1 ? 1 : 0);
        }
  for (gsize i = 0; i < n_in; i++)
    g_assert_cmpfloat (gradient[i], ==, expected[i]);
}

/* ---- Real models --------------------------------------------------------------------- */

static double *
real_input (ShadowModel *shadow,
            GBytes      *input)
{
  gsize n = shadow_model_get_n_elements (shadow, shadow_model_get_input (shadow));
  double *values = g_new (double, n);

  shadow_model_dequantize_input (shadow, g_bytes_get_data (input, NULL), values);
  return values;
}

static double
interpreter_score (BitlensModel *model,
                   GBytes       *input,
                   int           target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, g_bytes_get_data (input, NULL),
                                                      g_bytes_get_size (input), &error));
  bitlens_interpreter_invoke (interpreter);
  return bitlens_interpreter_get_score (interpreter, (gsize) target);
}

/* vww_96_float: every op's output in the shadow (double) against the interpreter
 * (float), and the score. */
static void
test_forward_float_model (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (VWW_FLOAT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autofree double *x = NULL;
  double score, worst = 0;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = real_input (shadow, input);
  score = shadow_state_forward (state, x, 1);

  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  g_assert_no_error (error);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, g_bytes_get_data (input, NULL),
                                                      g_bytes_get_size (input), &error));
  bitlens_interpreter_invoke (interpreter);

  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    {
      int tensor = bitlens_model_get_op (model, i)->outputs[0];
      const float *expected = bitlens_interpreter_get_tensor_data (interpreter, tensor);
      const double *values = shadow_state_get_values (state, tensor);
      gsize n = shadow_model_get_n_elements (shadow, tensor);
      double largest = 0, difference = 0;

      g_assert_cmpuint (n, ==, bitlens_model_get_tensor (model, tensor)->n_elements);
      for (gsize e = 0; e < n; e++)
        {
          largest = MAX (largest, fabs (expected[e]));
          difference = MAX (difference, fabs (values[e] - expected[e]));
        }
      worst = MAX (worst, difference / MAX (largest, 1e-30));
      g_assert_cmpfloat (difference, <=, 1e-5 * MAX (largest, 1e-30));
    }
  g_assert_cmpfloat_with_epsilon (score, interpreter_score (model, input, 1), 1e-6);
  g_test_message ("vww_96_float: worst op difference %.3g of the op's largest value; score %.9f", worst, score);
}

/* The shadow's whole backward pass on vww_96_float against a directional central
 * difference of its score. */
static void
test_directional_derivative_float_model (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (VWW_FLOAT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (31);
  g_autofree double *x = NULL, *direction = NULL, *point = NULL;
  const double *gradient;
  double along = 0, plus, minus, difference;
  /* Thousands of ReLUs sit within 1e-6 of their kinks along a random direction over the
   * 27648 inputs (the difference is 0.00155 with h = 1e-6, 0.00108512 from h = 1e-7). */
  const double h = 1e-8;
  gsize n;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = real_input (shadow, input);
  n = shadow_model_get_n_elements (shadow, shadow_model_get_input (shadow));
  direction = g_new (double, n);
  point = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    direction[i] = g_rand_double_range (rand, -1, 1);

  shadow_state_forward (state, x, 1);
  shadow_state_backward (state, 1);
  gradient = shadow_state_get_gradient (state, shadow_model_get_input (shadow));
  for (gsize i = 0; i < n; i++)
    along += gradient[i] * direction[i];
  for (gsize i = 0; i < n; i++)
    point[i] = x[i] + h * direction[i];
  plus = shadow_state_forward (state, point, 1);
  for (gsize i = 0; i < n; i++)
    point[i] = x[i] - h * direction[i];
  minus = shadow_state_forward (state, point, 1);
  difference = (plus - minus) / (2 * h);
  g_test_message ("vww_96_float: g . v = %.9g, central difference %.9g", along, difference);
  g_assert_cmpfloat_with_epsilon (along, difference, 1e-7 + 1e-4 * fabs (difference));
}

/* int8 and binary models: the shadow's score (dequantized weights, no rounding) against
 * the deployed score, reported over a few images, not asserted equal. */
static void
test_forward_quantized_models (void)
{
  const char *models[] = { PERSON_DETECT, VWW_INT8 };
  const char *images[] = {
    "data/vww/person/000000000785.png", "data/vww/person/000000001000.png",
    "data/vww/no_person/000000000724.png", "data/vww/no_person/000000002157.png",
  };

  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr(BitlensModel) model = test_load_shared_model (models[m]);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShadowModel) shadow = NULL;
      g_autoptr(ShadowState) state = NULL;
      double total = 0, worst = 0;
      int n = 0;

      if (model == NULL)
        return;
      shadow = shadow_model_new (model, &error);
      g_assert_no_error (error);
      state = shadow_state_new (shadow);
      for (guint i = 0; i < G_N_ELEMENTS (images); i++)
        {
          g_autofree char *path = test_shared_path (images[i]);
          g_autoptr(GBytes) input = NULL;
          g_autofree double *x = NULL;
          double deployed, shadowed;

          if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
            continue;
          input = test_load_shared_input (model, images[i]);
          x = real_input (shadow, input);
          shadowed = shadow_state_forward (state, x, 1);
          deployed = interpreter_score (model, input, 1);
          g_assert_true (shadowed >= 0 && shadowed <= 1);
          g_test_message ("%s %s: deployed %.4f, shadow %.4f, difference %+.4f", models[m], images[i],
                          deployed, shadowed, shadowed - deployed);
          total += fabs (shadowed - deployed);
          worst = MAX (worst, fabs (shadowed - deployed));
          n++;
        }
      if (n > 0)
        g_test_message ("%s: mean |shadow - deployed| %.4f, worst %.4f over %d images", models[m], total / n, worst, n);
    }
}

/* A binary model (float input, LceQuantize, LceBconv2d, MAX_POOL_2D ...): the shadow
 * builds, and its outputs follow the interpreter's closely (signs of values near 0 may
 * differ after float rounding); reported. */
static void
test_forward_binary_model (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (HB1);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autofree double *x = NULL;
  const float *expected;
  const double *values;
  gsize n, n_differ = 0;
  double largest = 0, difference = 0;
  int output;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = real_input (shadow, input);
  shadow_state_forward (state, x, 0);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, g_bytes_get_data (input, NULL),
                                                      g_bytes_get_size (input), &error));
  bitlens_interpreter_invoke (interpreter);
  output = shadow_model_get_output (shadow);
  expected = bitlens_interpreter_get_output_data (interpreter, 0);
  values = shadow_state_get_values (state, output);
  n = shadow_model_get_n_elements (shadow, output);
  for (gsize e = 0; e < n; e++)
    {
      largest = MAX (largest, fabs (expected[e]));
      difference = MAX (difference, fabs (values[e] - expected[e]));
      n_differ += fabs (values[e] - expected[e]) > 1e-4 * (1 + fabs (expected[e]));
    }
  g_test_message ("HB1-FN: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " outputs differ, largest difference %.4g "
                  "(largest output %.4g)", n_differ, n, difference, largest);
  g_assert_cmpuint (n_differ, <=, n / 10);

  /* Through three sign layers the straight-through gradient still reaches the pixels. */
  {
    const double *gradient;
    gsize n_in = shadow_model_get_n_elements (shadow, shadow_model_get_input (shadow)), n_nonzero = 0;

    shadow_state_backward (state, 3857);
    gradient = shadow_state_get_gradient (state, shadow_model_get_input (shadow));
    for (gsize i = 0; i < n_in; i++)
      {
        g_assert_true (isfinite (gradient[i]));
        n_nonzero += gradient[i] != 0;
      }
    g_test_message ("HB1-FN: d output[3857] / d input is nonzero at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " inputs",
                    n_nonzero, n_in);
    g_assert_cmpuint (n_nonzero, >, 0);
  }
}

/* ---- Methods ------------------------------------------------------------------------- */

static BitlensSaliencyMap *
compute_map (BitlensModel          *model,
             GBytes                *input,
             BitlensSaliencyParams *params,
             int                    threads)
{
  g_autoptr(GError) error = NULL;
  BitlensSaliencyMap *map;

  params->n_threads = threads;
  map = bitlens_saliency_compute (model, input, params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (map);
  return map;
}

static void
assert_maps_identical (const BitlensSaliencyMap *a,
                       const BitlensSaliencyMap *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpmem (a->values, sizeof (float) * a->width * a->height, b->values, sizeof (float) * b->width * b->height);
  g_assert_cmpfloat (a->score, ==, b->score);
  g_assert_cmpint (a->target, ==, b->target);
}

/* The smooth model of the completeness test: conv, logistic, mean, fully connected,
 * softmax on a [1,6,6,3] float input. */
static BitlensModel *
smooth_model_new (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (41);
  BitlensModel *model = test_model_new ();
  int in_shape[4] = { 1, 6, 6, 3 }, filter_shape[4] = { 4, 3, 3, 3 }, bias_shape[1] = { 4 };
  int conv_shape[4] = { 1, 6, 6, 4 }, mean_shape[2] = { 1, 4 }, weights_shape[2] = { 2, 4 };
  int two[1] = { 2 }, out_shape[2] = { 1, 2 }, input, conv, squashed, mean, logits, output, inputs[3];
  gint32 axes[2] = { 1, 2 };
  BitlensOpOptions options = options_default ();
  g_autofree float *filter = random_floats (rand, 108, -3, 3);

  options.padding = BITLENS_PADDING_SAME;
  input = add_float (model, "input", 4, in_shape);
  inputs[0] = input;
  inputs[1] = add_constant (model, "filter", BITLENS_TYPE_FLOAT32, 4, filter_shape, filter);
  inputs[2] = add_random_constant (model, rand, "bias", 1, bias_shape);
  conv = add_float (model, "conv", 4, conv_shape);
  test_model_add_op (model, BITLENS_OP_CONV_2D, 3, inputs, 1, &conv, &options);
  squashed = add_float (model, "logistic", 4, conv_shape);
  test_model_add_op (model, BITLENS_OP_LOGISTIC, 1, &conv, 1, &squashed, NULL);
  inputs[0] = squashed;
  inputs[1] = add_constant (model, "axes", BITLENS_TYPE_INT32, 1, two, axes);
  mean = add_float (model, "mean", 2, mean_shape);
  test_model_add_op (model, BITLENS_OP_MEAN, 2, inputs, 1, &mean, NULL);
  inputs[0] = mean;
  inputs[1] = add_random_constant (model, rand, "weights", 2, weights_shape);
  inputs[2] = add_random_constant (model, rand, "bias2", 1, two);
  logits = add_float (model, "logits", 2, out_shape);
  test_model_add_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, 1, &logits, NULL);
  output = add_float (model, "output", 2, out_shape);
  test_model_add_op (model, BITLENS_OP_SOFTMAX, 1, &logits, 1, &output, NULL);
  return finish_model (model, input, output);
}

static GBytes *
smooth_input_new (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *values = random_floats (rand, 108, 0, 1);

  return g_bytes_new_take (values, 108 * sizeof (float));
}

/* sum of the map and score (x) - score (baseline) on the shadow. */
static double
completeness_error (BitlensModel *model,
                    GBytes       *input,
                    int           steps,
                    double       *difference)
{
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = shadow_model_new (model, &error);
  g_autoptr(ShadowState) state = NULL;
  g_autofree double *x = NULL, *b = NULL;
  g_autofree guint8 *baseline = NULL;
  SaliencyInput tensor;
  BitlensSaliencyParams params;
  double total = 0;

  g_assert_no_error (error);
  bitlens_saliency_params_init (&params);
  params.method = BITLENS_SALIENCY_INTEGRATED_GRADIENTS;
  params.steps = steps;
  /* From gray 128, as the figures below and in the README were measured. */
  params.baseline.kind = BITLENS_BASELINE_GRAY;
  map = compute_map (model, input, &params, 0);
  for (int p = 0; p < map->width * map->height; p++)
    total += map->values[p];

  g_assert_true (saliency_input_init (model, &tensor, &error));
  baseline = saliency_baseline_new (&tensor, g_bytes_get_data (input, NULL), &params.baseline, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = real_input (shadow, input);
  b = g_new (double, tensor.tensor->n_elements);
  shadow_model_dequantize_input (shadow, baseline, b);
  *difference = shadow_state_forward (state, x, map->target) - shadow_state_forward (state, b, map->target);
  return fabs (total - *difference);
}

/* Integrated gradients add up to score (x) - score (baseline): on a smooth model the
 * midpoint rule's error falls as 1 / steps^2; on vww_96_float (ReLU) it is small. */
static void
test_integrated_gradients_completeness (void)
{
  g_autoptr(BitlensModel) smooth = smooth_model_new ();
  g_autoptr(GBytes) smooth_input = smooth_input_new (42);
  double difference, errors[3];
  int steps[3] = { 2, 8, 32 };

  for (int k = 0; k < 3; k++)
    {
      errors[k] = completeness_error (smooth, smooth_input, steps[k], &difference);
      g_test_message ("smooth model, %d steps: |sum - (%.6g)| = %.3g", steps[k], difference, errors[k]);
    }
  g_assert_cmpfloat (fabs (difference), >, 1e-3);
  g_assert_cmpfloat (errors[1], <, errors[0] / 8);
  g_assert_cmpfloat (errors[2], <, errors[1] / 8);
  g_assert_cmpfloat (errors[2], <, 1e-3 * fabs (difference));

  {
    g_autoptr(BitlensModel) model = test_load_shared_model (VWW_FLOAT);
    g_autoptr(GBytes) input = NULL;
    double coarse, fine;

    if (model == NULL)
      return;
    /* The person score rises from 0.035 to 0.99 over a short part of the path, which the
     * midpoint rule resolves from a few hundred steps (errors measured: 0.21 with 8 steps,
     * 0.028 with 16, 0.022 with 64, 0.0024 with 256, 0.0003 with 512). */
    input = test_load_shared_input (model, PERSON_IMAGE);
    coarse = completeness_error (model, input, 16, &difference);
    fine = completeness_error (model, input, 256, &difference);
    g_test_message ("vww_96_float: score difference %.6g, |error| %.3g with 16 steps, %.3g with 256", difference,
                    coarse, fine);
    g_assert_cmpfloat (fabs (difference), >, 0.05);
    g_assert_cmpfloat (fine, <, coarse / 4);
    g_assert_cmpfloat (fine, <, 0.005 * fabs (difference));
  }
}

/* ---- Definitions, recomputed ---------------------------------------------------------- */

/* d score / d x on the shadow at `point` (n values). */
static double *
shadow_input_gradient (ShadowModel  *shadow,
                       ShadowState  *state,
                       const double *point,
                       int           target)
{
  gsize n = shadow_model_get_n_elements (shadow, shadow_model_get_input (shadow));

  shadow_state_forward (state, point, target);
  shadow_state_backward (state, target);
  return g_memdup2 (shadow_state_get_gradient (state, shadow_model_get_input (shadow)), sizeof (double) * n);
}

/* SplitMix64 as the README states it. */
static guint64
test_splitmix64 (guint64 *state)
{
  guint64 z;

  *state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  z = *state;
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double
test_uniform (guint64 *state)
{
  return ldexp ((double) (test_splitmix64 (state) >> 11), -53);
}

/* Maps of gradient, gradient-x-input, integrated-gradients and smoothgrad recomputed from
 * their definitions with the shadow's gradients: equal bit for bit. */
static void
test_definitions (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  g_autofree double *x = NULL, *g = NULL;
  BitlensSaliencyParams params;
  SaliencyInput tensor;
  gsize n_pixels, n;
  int channels;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  g_assert_true (saliency_input_init (model, &tensor, &error));
  channels = tensor.channels;
  n_pixels = (gsize) tensor.width * tensor.height;
  n = n_pixels * channels;
  x = real_input (shadow, input);
  g = shadow_input_gradient (shadow, state, x, 1);
  bitlens_saliency_params_init (&params);

  {
    g_autoptr(BitlensSaliencyMap) gradient_map = NULL, times_map = NULL;

    params.method = BITLENS_SALIENCY_GRADIENT;
    gradient_map = compute_map (model, input, &params, 2);
    params.method = BITLENS_SALIENCY_GRADIENT_X_INPUT;
    times_map = compute_map (model, input, &params, 2);
    g_assert_cmpfloat (gradient_map->score, ==, interpreter_score (model, input, 1));
    g_assert_cmpint (gradient_map->target, ==, 1);
    for (gsize p = 0; p < n_pixels; p++)
      {
        double largest = 0, total = 0;

        for (int c = 0; c < channels; c++)
          {
            largest = MAX (largest, fabs (g[p * channels + c]));
            total += x[p * channels + c] * g[p * channels + c];
          }
        g_assert_cmpfloat (gradient_map->values[p], ==, (float) largest);
        g_assert_cmpfloat (times_map->values[p], ==, (float) total);
      }
  }

  {
    g_autoptr(BitlensSaliencyMap) map = NULL;
    g_autofree guint8 *baseline_bytes = NULL;
    g_autofree double *b = g_new (double, n), *sums = g_new0 (double, n_pixels), *point = g_new (double, n);
    const int steps = 5;

    params.method = BITLENS_SALIENCY_INTEGRATED_GRADIENTS;
    params.steps = steps;
    params.baseline.kind = BITLENS_BASELINE_BLACK;
    map = compute_map (model, input, &params, 3);
    baseline_bytes = saliency_baseline_new (&tensor, g_bytes_get_data (input, NULL), &params.baseline, &error);
    g_assert_no_error (error);
    shadow_model_dequantize_input (shadow, baseline_bytes, b);
    for (int k = 0; k < steps; k++)
      {
        g_autofree double *gk = NULL;
        double alpha = (k + 0.5) / steps;

        for (gsize i = 0; i < n; i++)
          point[i] = b[i] + alpha * (x[i] - b[i]);
        gk = shadow_input_gradient (shadow, state, point, 1);
        for (gsize p = 0; p < n_pixels; p++)
          {
            double total = 0;

            for (int c = 0; c < channels; c++)
              total += (x[p * channels + c] - b[p * channels + c]) * gk[p * channels + c];
            sums[p] += total;
          }
      }
    for (gsize p = 0; p < n_pixels; p++)
      g_assert_cmpfloat (map->values[p], ==, (float) (sums[p] / steps));
  }

  {
    g_autoptr(BitlensSaliencyMap) map = NULL;
    g_autofree double *sums = g_new0 (double, n_pixels), *point = g_new (double, n);
    double low = INFINITY, high = -INFINITY, std;
    const int samples = 3;

    params.method = BITLENS_SALIENCY_SMOOTHGRAD;
    params.samples = samples;
    params.noise = 0.2;
    params.seed = 1234567;
    map = compute_map (model, input, &params, 2);
    for (gsize i = 0; i < n; i++)
      {
        low = MIN (low, x[i]);
        high = MAX (high, x[i]);
      }
    std = params.noise * (high - low);
    for (int k = 0; k < samples; k++)
      {
        g_autofree double *gk = NULL;
        guint64 master = params.seed, state_k = 0;

        for (int j = 0; j <= k; j++)
          state_k = test_splitmix64 (&master);
        for (gsize i = 0; i < n; i += 2)
          {
            double u1 = test_uniform (&state_k), u2 = test_uniform (&state_k);
            double r = sqrt (-2.0 * log (1.0 - u1));

            point[i] = std * r * cos (2.0 * G_PI * u2) + x[i];
            if (i + 1 < n)
              point[i + 1] = std * r * sin (2.0 * G_PI * u2) + x[i + 1];
          }
        gk = shadow_input_gradient (shadow, state, point, 1);
        for (gsize p = 0; p < n_pixels; p++)
          {
            double largest = 0;

            for (int c = 0; c < channels; c++)
              largest = MAX (largest, fabs (gk[p * channels + c]));
            sums[p] += largest;
          }
      }
    for (gsize p = 0; p < n_pixels; p++)
      g_assert_cmpfloat (map->values[p], ==, (float) (sums[p] / samples));
  }
}

/* SmoothGrad and integrated gradients: the same map for 1, 2 and 3 threads and for a
 * repeated seed, over more samples than one chunk of jobs; another seed changes it. */
static void
test_determinism (void)
{
  g_autoptr(BitlensModel) smooth = smooth_model_new ();
  g_autoptr(GBytes) smooth_input = smooth_input_new (43);
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  BitlensSaliencyParams params;

  bitlens_saliency_params_init (&params);
  params.method = BITLENS_SALIENCY_SMOOTHGRAD;
  params.samples = 70;
  params.seed = 7;
  {
    g_autoptr(BitlensSaliencyMap) one = compute_map (smooth, smooth_input, &params, 1);
    g_autoptr(BitlensSaliencyMap) two = compute_map (smooth, smooth_input, &params, 2);
    g_autoptr(BitlensSaliencyMap) three = compute_map (smooth, smooth_input, &params, 3);
    g_autoptr(BitlensSaliencyMap) again = compute_map (smooth, smooth_input, &params, 1);
    g_autoptr(BitlensSaliencyMap) other = NULL;

    assert_maps_identical (one, two);
    assert_maps_identical (one, three);
    assert_maps_identical (one, again);
    params.seed = 8;
    other = compute_map (smooth, smooth_input, &params, 2);
    g_assert_false (memcmp (one->values, other->values, sizeof (float) * 36) == 0);
  }

  if (model == NULL)
    return;
  {
    g_autoptr(GBytes) input = test_load_shared_input (model, PERSON_IMAGE);
    BitlensSaliencyMethod methods[] = { BITLENS_SALIENCY_SMOOTHGRAD, BITLENS_SALIENCY_INTEGRATED_GRADIENTS };

    for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
      {
        g_autoptr(BitlensSaliencyMap) one = NULL, two = NULL;

        params.method = methods[m];
        params.samples = 6;
        params.steps = 6;
        one = compute_map (model, input, &params, 1);
        two = compute_map (model, input, &params, 2);
        assert_maps_identical (one, two);
      }
  }
}

/* ---- Grad-CAM ------------------------------------------------------------------------ */

static void
test_gradcam (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensSaliencyMap) automatic = NULL, chosen = NULL, map = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(ShadowState) state = NULL;
  g_autoptr(BitlensSaliencyMap) layer_map = NULL, expected = NULL;
  g_autofree double *x = NULL, *weights = NULL;
  BitlensSaliencyParams params;
  const BitlensTensor *tensor;
  const double *activation, *gradient;
  int last_spatial = -1, flat_op = -1;
  guint n_ops;
  float low, high;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  n_ops = bitlens_model_get_n_ops (model);
  for (guint i = 0; i < n_ops; i++)
    {
      const BitlensTensor *out = bitlens_model_get_tensor (model, bitlens_model_get_op (model, i)->outputs[0]);

      if (out->rank == 4 && out->shape[0] == 1 && out->shape[1] * out->shape[2] > 1)
        last_spatial = (int) i;
      if (out->rank != 4 && flat_op < 0)
        flat_op = (int) i;
    }
  g_assert_cmpint (last_spatial, >=, 0);
  g_assert_cmpint (flat_op, >=, 0);

  bitlens_saliency_params_init (&params);
  params.method = BITLENS_SALIENCY_GRADCAM;
  automatic = compute_map (model, input, &params, 0);
  params.layer = last_spatial;
  chosen = compute_map (model, input, &params, 0);
  assert_maps_identical (automatic, chosen);
  g_assert_cmpint (automatic->width, ==, 96);
  g_assert_cmpint (automatic->height, ==, 96);
  bitlens_saliency_map_get_range (automatic, &low, &high);
  g_assert_cmpfloat (low, >=, 0);
  g_assert_cmpfloat (high, >, 0);
  g_test_message ("person_detect Grad-CAM on op %d: range [%g, %g]", last_spatial, low, high);

  /* The definition, with the shadow's values and gradients of the layer. */
  shadow = shadow_model_new (model, &error);
  g_assert_no_error (error);
  state = shadow_state_new (shadow);
  x = real_input (shadow, input);
  shadow_state_forward (state, x, 1);
  shadow_state_backward (state, 1);
  tensor = bitlens_model_get_tensor (model, bitlens_model_get_op (model, last_spatial)->outputs[0]);
  activation = shadow_state_get_values (state, bitlens_model_get_op (model, last_spatial)->outputs[0]);
  gradient = shadow_state_get_gradient (state, bitlens_model_get_op (model, last_spatial)->outputs[0]);
  weights = g_new0 (double, tensor->shape[3]);
  for (int p = 0; p < tensor->shape[1] * tensor->shape[2]; p++)
    for (int c = 0; c < tensor->shape[3]; c++)
      weights[c] += gradient[p * tensor->shape[3] + c];
  layer_map = bitlens_saliency_map_new (tensor->shape[2], tensor->shape[1]);
  for (int p = 0; p < tensor->shape[1] * tensor->shape[2]; p++)
    {
      double total = 0;

      for (int c = 0; c < tensor->shape[3]; c++)
        total += weights[c] / (tensor->shape[1] * tensor->shape[2]) * activation[p * tensor->shape[3] + c];
      layer_map->values[p] = (float) MAX (total, 0);
    }
  expected = bitlens_saliency_map_resample (layer_map, 96, 96);
  for (int p = 0; p < 96 * 96; p++)
    g_assert_cmpfloat_with_epsilon (automatic->values[p], expected->values[p], 1e-6 * (high + 1e-12));

  /* Layers that are not [1,H,W,C], or not op indices. */
  params.layer = flat_op;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_assert_nonnull (strstr (error->message, "4-D"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  {
    int bad[] = { (int) n_ops, -2, 100000 };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        params.layer = bad[i];
        map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
        g_assert_null (map);
        g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
        g_assert_nonnull (strstr (error->message, "not an op index"));
        g_clear_error (&error);
      }
  }
}

/* ---- Parameters, progress, cancellation ----------------------------------------------- */

typedef struct
{
  GMainLoop          *loop;
  BitlensSaliencyMap *map;
  GError             *error;
  guint               last_done;
  guint               total;
  guint               reports;
} AsyncResult;

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  AsyncResult *result = user_data;

  g_assert_cmpuint (done, >=, result->last_done);
  g_assert_cmpuint (done, <=, total);
  result->last_done = done;
  result->total = total;
  result->reports++;
}

static void
on_computed (GObject      *source,
             GAsyncResult *async_result,
             gpointer      user_data)
{
  AsyncResult *result = user_data;

  result->map = bitlens_saliency_compute_finish (async_result, &result->error);
  g_main_loop_quit (result->loop);
}

static void
test_parameters_progress_cancellation (void)
{
  g_autoptr(BitlensModel) model = smooth_model_new ();
  g_autoptr(GBytes) input = smooth_input_new (44);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensSaliencyMap) sync_map = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BitlensSaliencyParams params;
  BitlensSaliencyMap *map;
  AsyncResult result = { 0 };

  bitlens_saliency_params_init (&params);
  g_assert_true (bitlens_saliency_method_is_available (BITLENS_SALIENCY_INTEGRATED_GRADIENTS));
  g_assert_true (bitlens_saliency_method_uses_gradients (BITLENS_SALIENCY_GRADCAM));
  g_assert_false (bitlens_saliency_method_uses_gradients (BITLENS_SALIENCY_OCCLUSION));
  g_assert_null (bitlens_saliency_method_get_gradient_note (BITLENS_SALIENCY_OCCLUSION));
  g_assert_nonnull (strstr (bitlens_saliency_method_get_gradient_note (BITLENS_SALIENCY_SMOOTHGRAD),
                            "straight-through"));

  params.method = BITLENS_SALIENCY_INTEGRATED_GRADIENTS;
  params.steps = 0;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);
  params.method = BITLENS_SALIENCY_SMOOTHGRAD;
  params.samples = 0;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);
  params.samples = 4;
  params.noise = -0.1;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);
  params.noise = 0.1;
  params.target = 2;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);
  params.target = -1;

  /* Async, with progress over all steps (three chunks of jobs). */
  params.method = BITLENS_SALIENCY_INTEGRATED_GRADIENTS;
  params.steps = 80;
  sync_map = compute_map (model, input, &params, 2);
  result.loop = g_main_loop_new (NULL, FALSE);
  bitlens_saliency_compute_async (model, input, &params, on_progress, &result, NULL, NULL, on_computed, &result);
  g_main_loop_run (result.loop);
  g_assert_no_error (result.error);
  assert_maps_identical (result.map, sync_map);
  g_assert_cmpuint (result.total, ==, 80);
  g_assert_cmpuint (result.last_done, ==, 80);
  g_clear_pointer (&result.map, bitlens_saliency_map_free);

  g_cancellable_cancel (cancellable);
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, cancellable, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_main_loop_unref (result.loop);
}

/* Models the shadow cannot follow fail with a message naming the op. */
static void
test_unsupported_model (void)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShadowModel) shadow = NULL;
  int shape[4] = { 1, 3, 3, 2 }, input, conv, inputs[2], filter_shape[4] = { 2, 1, 1, 2 };

  /* A convolution whose filter is an activation. */
  input = add_float (model, "input", 4, shape);
  conv = add_float (model, "conv", 4, shape);
  inputs[0] = input;
  inputs[1] = add_float (model, "weights", 4, filter_shape);
  test_model_add_op (model, BITLENS_OP_CONV_2D, 2, inputs, 1, &conv, NULL);
  finish_model (model, input, conv);
  shadow = shadow_model_new (model, &error);
  g_assert_null (shadow);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "op 0 (CONV_2D)"));
  g_test_message ("%s", error->message);
}

/* ---- CLI, sidecar, caption, README ----------------------------------------------------- */

static int
png_height (GBytes *png)
{
  const guint8 *bytes = g_bytes_get_data (png, NULL);

  /* Signature, IHDR length and type, width, then the height, big-endian. */
  g_assert_cmpuint (g_bytes_get_size (png), >, 24);
  return (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23];
}

static void
test_cli_and_exports (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = NULL;
  g_autofree char *dir = NULL, *npy = NULL, *json_path = NULL, *json = NULL, *out = NULL, *err = NULL;
  g_autofree char *readme_path = NULL, *readme = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;

  if (model_path == NULL)
    return;
  image_path = test_shared_path (PERSON_IMAGE);
  dir = g_dir_make_tmp ("bitlens-gradient-XXXXXX", &error);
  g_assert_no_error (error);
  npy = g_build_filename (dir, "out.npy", NULL);
  json_path = g_build_filename (dir, "out.json", NULL);
  {
    const char *arguments[] = { "saliency", model_path, image_path, "--method", "integrated-gradients",
                                "--ig-steps", "8", "--map", npy, NULL };

    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
  }
  g_assert_nonnull (strstr (out, "note: gradients of a float shadow"));
  g_assert_nonnull (strstr (out, "straight-through"));
  map = bitlens_import_npy (npy, &error);
  g_assert_no_error (error);
  g_assert_cmpint (map->width, ==, 96);
  g_assert_cmpint (map->height, ==, 96);
  g_assert_true (g_file_get_contents (json_path, &json, NULL, &error));
  g_assert_nonnull (strstr (json, "\"integrated-gradients\""));
  g_assert_nonnull (strstr (json, "\"gradient_source\""));
  g_assert_nonnull (strstr (json, "float shadow"));
  g_assert_nonnull (strstr (json, "straight-through"));
  g_assert_nonnull (strstr (json, "\"baseline\""));

  /* The same map computed in the library, with the same parameters. */
  {
    g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
    g_autoptr(GBytes) input = test_load_shared_input (model, PERSON_IMAGE);
    g_autoptr(BitlensSaliencyMap) direct = NULL;
    g_autoptr(BitlensImage) image = bitlens_image_load (image_path, &error);
    g_autoptr(GBytes) gradient_png = NULL, occlusion_png = NULL;
    BitlensSaliencyParams params;
    BitlensExportInfo info = { .model_name = "person_detect.tflite", .input_name = "x.png", .ground_truth = -1 };

    bitlens_saliency_params_init (&params);
    params.method = BITLENS_SALIENCY_INTEGRATED_GRADIENTS;
    params.steps = 8;
    direct = compute_map (model, input, &params, 0);
    g_assert_cmpmem (direct->values, sizeof (float) * 96 * 96, map->values, sizeof (float) * 96 * 96);

    /* The caption of a gradient map has one line more than an occlusion caption: the
     * float shadow and its straight-through estimators. */
    info.params = &params;
    gradient_png = bitlens_export_annotated_png_bytes (image, direct, &info, &error);
    g_assert_no_error (error);
    params.method = BITLENS_SALIENCY_OCCLUSION;
    occlusion_png = bitlens_export_annotated_png_bytes (image, direct, &info, &error);
    g_assert_no_error (error);
    g_assert_cmpint (png_height (gradient_png), >, png_height (occlusion_png));
  }

  /* The README states the gradient methods' rules. */
  readme_path = g_test_build_filename (G_TEST_DIST, "..", "README.md", NULL);
  g_assert_true (g_file_get_contents (readme_path, &readme, NULL, &error));
  g_assert_nonnull (strstr (readme, "### Gradient methods"));
  g_assert_nonnull (strstr (readme, "straight-through"));
  g_assert_nonnull (strstr (readme, "SplitMix64"));

  g_remove (npy);
  g_remove (json_path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/saliency-gradient/backward/conv-2d", test_backward_conv_2d);
  g_test_add_func ("/saliency-gradient/backward/depthwise-conv-2d", test_backward_depthwise_conv_2d);
  g_test_add_func ("/saliency-gradient/backward/fully-connected", test_backward_fully_connected);
  g_test_add_func ("/saliency-gradient/backward/pools", test_backward_pools);
  g_test_add_func ("/saliency-gradient/backward/add-mul", test_backward_add_mul);
  g_test_add_func ("/saliency-gradient/backward/softmax-logistic", test_backward_softmax_logistic);
  g_test_add_func ("/saliency-gradient/backward/mean-pad-concatenation", test_backward_mean_pad_concatenation);
  g_test_add_func ("/saliency-gradient/backward/identities", test_backward_identities);
  g_test_add_func ("/saliency-gradient/backward/score-chain", test_backward_score_chain);
  g_test_add_func ("/saliency-gradient/ste/lce-quantize", test_ste_lce_quantize);
  g_test_add_func ("/saliency-gradient/ste/lce-bconv2d-float", test_ste_lce_bconv2d_float);
  g_test_add_func ("/saliency-gradient/ste/lce-bconv2d-bitpacked", test_ste_lce_bconv2d_bitpacked);
  g_test_add_func ("/saliency-gradient/ste/lce-bconv2d-int8", test_ste_lce_bconv2d_int8);
  g_test_add_func ("/saliency-gradient/ste/lce-bmaxpool2d", test_ste_lce_bmaxpool2d);
  g_test_add_func ("/saliency-gradient/forward/float-model", test_forward_float_model);
  g_test_add_func ("/saliency-gradient/forward/directional-derivative", test_directional_derivative_float_model);
  g_test_add_func ("/saliency-gradient/forward/quantized-models", test_forward_quantized_models);
  g_test_add_func ("/saliency-gradient/forward/binary-model", test_forward_binary_model);
  g_test_add_func ("/saliency-gradient/integrated-gradients/completeness", test_integrated_gradients_completeness);
  g_test_add_func ("/saliency-gradient/definitions", test_definitions);
  g_test_add_func ("/saliency-gradient/determinism", test_determinism);
  g_test_add_func ("/saliency-gradient/gradcam", test_gradcam);
  g_test_add_func ("/saliency-gradient/parameters-progress-cancellation", test_parameters_progress_cancellation);
  g_test_add_func ("/saliency-gradient/unsupported-model", test_unsupported_model);
  g_test_add_func ("/saliency-gradient/cli-and-exports", test_cli_and_exports);
  return g_test_run ();
}
