/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "kernel-test-helpers.h"

/* AVERAGE_POOL_2D, MAX_POOL_2D, FULLY_CONNECTED, PAD, MEAN, RESHAPE and CONCATENATION
 * against hand-worked values and against straight implementations of SEMANTICS.md
 * section 2 written here, for each option; and prepare rejections. */

static gsize
shape_count (int        rank,
             const int *shape)
{
  gsize n = 1;

  for (int d = 0; d < rank; d++)
    n *= shape[d];
  return n;
}

/* Runs a prepared one-op model with both interpreter flags and checks both outputs
 * equal @expected. */
static void
assert_runs_to (BitlensModel *model,
                const void   *const *inputs,
                const void   *expected,
                gsize         n_bytes)
{
  for (int p = 0; p < 2; p++)
    {
      g_autofree guint8 *result = kt_run (model, p ? BITLENS_INTERPRETER_FORCE_REFERENCE : BITLENS_INTERPRETER_DEFAULT,
                                          inputs);
      kt_assert_bytes_equal (result, expected, n_bytes);
    }
}

/* ---------------------------------------------------------------- pools */

/* Average of 1, 2, 5, 6 = 3.5 -> (14 + 2) / 4 = 4; of 3, 4, -8, -9 = -2.5 -> (-10 - 2) / 4
 * = -3 (half away from zero); max 6 and 4; a 2x2 window, stride 2, VALID. */
static void
test_pool_hand_worked (void)
{
  static const gint8 input[8] = { 1, 2, 3, 4, 5, 6, -8, -9 };
  static const gint8 expected_average[2] = { 4, -3 };
  static const gint8 expected_max[2] = { 6, 4 };
  int in_shape[4] = { 1, 2, 4, 1 }, out_shape[4] = { 1, 1, 2, 1 };
  const void *data[1] = { input };

  for (int kind = 0; kind < 2; kind++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensOpOptions options;
      int in, out;

      bitlens_op_options_init (&options);
      options.padding = BITLENS_PADDING_VALID;
      options.filter_h = options.filter_w = 2;
      options.stride_h = options.stride_w = 2;
      in = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.5f, 0, NULL);
      out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.5f, 0, NULL);
      g_assert_true (kt_finish_one_op (model, kind ? BITLENS_OP_MAX_POOL_2D : BITLENS_OP_AVERAGE_POOL_2D,
                                       1, &in, out, &options, &error));
      g_assert_no_error (error);
      assert_runs_to (model, data, kind ? expected_max : expected_average, 2);
    }
}

/* The straight definition: the window clipped to the input; the int8 average is the
 * integer sum over the n taps divided by n, rounded half away from zero (C round of the
 * exact quotient); float sums in (filter_y, filter_x) order then divides. */
static void *
pool_expected (gboolean                average,
               BitlensTensorType       type,
               const int              *in_shape,
               const int              *out_shape,
               const BitlensOpOptions *options,
               int                     pad_top,
               int                     pad_left,
               const void             *input,
               int                     act_low,
               int                     act_high)
{
  gsize n_out = shape_count (4, out_shape);
  guint8 *expected = g_malloc (n_out * (type == BITLENS_TYPE_INT8 ? 1 : 4));
  int channels = in_shape[3];

  for (int b = 0; b < out_shape[0]; b++)
    for (int oy = 0; oy < out_shape[1]; oy++)
      for (int ox = 0; ox < out_shape[2]; ox++)
        for (int c = 0; c < channels; c++)
          {
            gsize o = (((gsize) b * out_shape[1] + oy) * out_shape[2] + ox) * channels + c;
            gint64 sum = 0;
            int n = 0, max_q = -1000;
            float total = 0.0f, max_f = -INFINITY;

            for (int fy = 0; fy < options->filter_h; fy++)
              for (int fx = 0; fx < options->filter_w; fx++)
                {
                  int iy = oy * options->stride_h - pad_top + fy;
                  int ix = ox * options->stride_w - pad_left + fx;
                  gsize i = (((gsize) b * in_shape[1] + iy) * in_shape[2] + ix) * channels + c;

                  if (iy < 0 || iy >= in_shape[1] || ix < 0 || ix >= in_shape[2])
                    continue;
                  n++;
                  if (type == BITLENS_TYPE_INT8)
                    {
                      sum += ((const gint8 *) input)[i];
                      max_q = MAX (max_q, ((const gint8 *) input)[i]);
                    }
                  else
                    {
                      total += ((const float *) input)[i];
                      max_f = MAX (max_f, ((const float *) input)[i]);
                    }
                }
            g_assert_cmpint (n, >, 0);
            if (type == BITLENS_TYPE_INT8)
              {
                int value = average ? (int) round ((double) sum / n) : max_q;
                expected[o] = (guint8) (gint8) CLAMP (value, act_low, act_high);
              }
            else
              {
                float value = average ? total / (float) n : max_f;
                BitlensActivation activation = options->activation;
                value = kt_activation_float (activation, value);
                memcpy (expected + o * 4, &value, 4);
              }
          }
  return expected;
}

static void
test_pool_options (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  static const int filters[][2] = { { 1, 1 }, { 2, 2 }, { 3, 3 }, { 2, 3 }, { 3, 1 } };
  int checked = 0;

  for (int combo = 0; combo < 2 * 2 * 2 * 4 * 5 * 3; combo++)
    {
      int rest = combo;
      gboolean average = rest % 2; rest /= 2;
      BitlensTensorType type = rest % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8; rest /= 2;
      BitlensOpOptions options;
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      g_autofree void *input = NULL;
      g_autofree void *expected = NULL;
      int in_shape[4], out_shape[4], pad_top, pad_left, in, out;
      int act_low = -128, act_high = 127;
      float scale = (float) g_rand_double_range (rand, 0.01, 0.1);
      int zp = g_rand_int_range (rand, -50, 50);
      const void *data[1];

      bitlens_op_options_init (&options);
      options.padding = rest % 2 ? BITLENS_PADDING_VALID : BITLENS_PADDING_SAME; rest /= 2;
      options.activation = (BitlensActivation) (rest % 4); rest /= 4;
      options.filter_h = filters[rest % 5][0];
      options.filter_w = filters[rest % 5][1]; rest /= 5;
      options.stride_h = 1 + rest % 3;
      options.stride_w = 1 + (combo / 3) % 3;
      in_shape[0] = 1 + combo % 2;
      in_shape[1] = g_rand_int_range (rand, 1, 9);
      in_shape[2] = g_rand_int_range (rand, 1, 9);
      in_shape[3] = g_rand_int_range (rand, 1, 5);
      out_shape[0] = in_shape[0];
      out_shape[1] = kt_output_size (options.padding, in_shape[1], options.filter_h, options.stride_h, 1, &pad_top);
      out_shape[2] = kt_output_size (options.padding, in_shape[2], options.filter_w, options.stride_w, 1, &pad_left);
      out_shape[3] = in_shape[3];
      if (out_shape[1] <= 0 || out_shape[2] <= 0)
        continue;

      if (type == BITLENS_TYPE_INT8)
        {
          input = kt_random_int8 (rand, shape_count (4, in_shape), -128, 127);
          kt_activation_range_int8 (options.activation, scale, zp, &act_low, &act_high);
        }
      else
        input = kt_random_float (rand, shape_count (4, in_shape), -8.0, 8.0);
      in = kt_tensor_q (model, "input", type, 4, in_shape, type == BITLENS_TYPE_INT8 ? scale : 0, zp, NULL);
      out = kt_tensor_q (model, "output", type, 4, out_shape, type == BITLENS_TYPE_INT8 ? scale : 0, zp, NULL);
      g_assert_true (kt_finish_one_op (model, average ? BITLENS_OP_AVERAGE_POOL_2D : BITLENS_OP_MAX_POOL_2D,
                                       1, &in, out, &options, &error));
      g_assert_no_error (error);
      expected = pool_expected (average, type, in_shape, out_shape, &options, pad_top, pad_left, input,
                                act_low, act_high);
      data[0] = input;
      assert_runs_to (model, data, expected, shape_count (4, out_shape) * (type == BITLENS_TYPE_INT8 ? 1 : 4));
      checked++;
    }
  g_assert_cmpint (checked, >, 150);
}

static void
test_pool_rejections (void)
{
  struct
  {
    int in_shape[4], out_shape[4], filter, stride;
    BitlensTensorType out_type;
    int code;
  } cases[] = {
    { { 1, 4, 4, 2 }, { 1, 2, 2, 2 }, 2, 2, BITLENS_TYPE_INT8, 0 },                         /* valid */
    { { 1, 4, 4, 2 }, { 1, 2, 2, 3 }, 2, 2, BITLENS_TYPE_INT8, BITLENS_ERROR_MODEL_INVALID },
    { { 1, 4, 4, 2 }, { 1, 3, 2, 2 }, 2, 2, BITLENS_TYPE_INT8, BITLENS_ERROR_MODEL_INVALID },
    { { 1, 4, 4, 2 }, { 1, 2, 2, 2 }, 0, 2, BITLENS_TYPE_INT8, BITLENS_ERROR_MODEL_INVALID },
    { { 1, 4, 4, 2 }, { 1, 2, 2, 2 }, 2, 0, BITLENS_TYPE_INT8, BITLENS_ERROR_MODEL_INVALID },
    { { 1, 4, 4, 2 }, { 1, 2, 2, 2 }, 2, 2, BITLENS_TYPE_FLOAT32, BITLENS_ERROR_MODEL_UNSUPPORTED },
    { { 4, 4, 2, 0 }, { 1, 2, 2, 2 }, 2, 2, BITLENS_TYPE_INT8, BITLENS_ERROR_MODEL_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensOpOptions options;
      int in, out;
      gboolean prepared;

      bitlens_op_options_init (&options);
      options.filter_h = options.filter_w = cases[i].filter;
      options.stride_h = options.stride_w = cases[i].stride;
      in = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, cases[i].in_shape, 0.1f, 0, NULL);
      out = kt_tensor_q (model, "output", cases[i].out_type, 4, cases[i].out_shape,
                         cases[i].out_type == BITLENS_TYPE_INT8 ? 0.1f : 0.0f, 0, NULL);
      prepared = kt_finish_one_op (model, BITLENS_OP_AVERAGE_POOL_2D, 1, &in, out, &options, &error);
      if (cases[i].code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (prepared);
        }
      else
        kt_assert_rejected (prepared, error, cases[i].code);
    }
}

/* ---------------------------------------------------------------- FULLY_CONNECTED */

/* Input q [1,2,3] (zp 1), weights [[3,4,5],[0,2,1]] (scale 0.5, zp 2), bias [1,-1], output
 * scale 1 zp 0. Sums (w - 2)(x - 1): 8 and -2; with bias 9 and -3; multiplier 0.5:
 * SRDHM(9, 2^30) = 4.5 -> 5, SRDHM(-3, 2^30) = -1.5 -> -1. */
static void
test_fully_connected_hand_worked (void)
{
  static const gint8 input[3] = { 1, 2, 3 };
  static const gint8 weights[6] = { 3, 4, 5, 0, 2, 1 };
  static const gint32 bias[2] = { 1, -1 };
  static const gint8 expected[2] = { 5, -1 };
  int in_shape[2] = { 1, 3 }, w_shape[2] = { 2, 3 }, b_shape[1] = { 2 }, out_shape[2] = { 1, 2 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  int inputs[3], out;
  const void *data[1] = { input };

  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 2, in_shape, 1.0f, 1, NULL);
  inputs[1] = kt_tensor_q (model, "weights", BITLENS_TYPE_INT8, 2, w_shape, 0.5f, 2, weights);
  inputs[2] = kt_tensor_q (model, "bias", BITLENS_TYPE_INT32, 1, b_shape, 0.5f, 0, bias);
  out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 2, out_shape, 1.0f, 0, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, out, NULL, &error));
  g_assert_no_error (error);
  assert_runs_to (model, data, expected, 2);
}

static void
test_fully_connected_options (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);

  for (int combo = 0; combo < 2 * 2 * 4 * 2 * 2 * 2; combo++)
    {
      int rest = combo;
      BitlensTensorType type = rest % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8; rest /= 2;
      gboolean per_channel = rest % 2; rest /= 2;
      BitlensActivation activation = (BitlensActivation) (rest % 4); rest /= 4;
      gboolean keep_num_dims = rest % 2; rest /= 2;
      gboolean has_bias = rest % 2; rest /= 2;
      gboolean rank3 = rest % 2;
      int input_size = g_rand_int_range (rand, 1, 40);
      int units = g_rand_int_range (rand, 1, 12);
      int rows = g_rand_int_range (rand, 1, 4);
      int in_shape[3], out_shape[3], in_rank, out_rank, w_shape[2] = { units, input_size };
      int batches;
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      g_autofree float *w_scales = g_new (float, units);
      g_autofree gint64 *w_zps = g_new0 (gint64, units);
      g_autofree float *b_scales = g_new (float, units);
      g_autofree void *input = NULL, *weights = NULL, *bias = NULL;
      g_autofree guint8 *expected = NULL;
      float in_scale = (float) g_rand_double_range (rand, 0.01, 0.1);
      float out_scale = (float) g_rand_double_range (rand, 0.05, 0.5);
      int in_zp = g_rand_int_range (rand, -128, 128), out_zp = g_rand_int_range (rand, -50, 50);
      int act_low = -128, act_high = 127;
      BitlensOpOptions options;
      int inputs[3], out;
      const void *data[1];

      /* Input [rows, input_size] or [2, rows, input_size] (flattened to batches rows). */
      in_rank = rank3 ? 3 : 2;
      in_shape[0] = rank3 ? 2 : rows;
      in_shape[1] = rank3 ? rows : input_size;
      in_shape[2] = input_size;
      batches = rank3 ? 2 * rows : rows;
      if (keep_num_dims)
        {
          out_rank = in_rank;
          memcpy (out_shape, in_shape, sizeof in_shape);
          out_shape[in_rank - 1] = units;
        }
      else
        {
          out_rank = 2;
          out_shape[0] = batches;
          out_shape[1] = units;
        }

      bitlens_op_options_init (&options);
      options.activation = activation;
      options.keep_num_dims = keep_num_dims;
      for (int u = 0; u < units; u++)
        {
          w_scales[u] = per_channel || u == 0 ? (float) g_rand_double_range (rand, 0.005, 0.05) : w_scales[0];
          b_scales[u] = in_scale * w_scales[u];
        }
      if (!per_channel)
        w_zps[0] = g_rand_int_range (rand, -20, 21);

      if (type == BITLENS_TYPE_INT8)
        {
          input = kt_random_int8 (rand, (gsize) batches * input_size, -128, 127);
          weights = kt_random_int8 (rand, (gsize) units * input_size, -127, 127);
          bias = kt_random_int32 (rand, units, -5000, 5000);
          inputs[0] = kt_tensor_q (model, "input", type, in_rank, in_shape, in_scale, in_zp, NULL);
          inputs[1] = kt_tensor (model, "weights", type, 2, w_shape, per_channel ? units : 1, w_scales, w_zps, 0, weights);
          inputs[2] = has_bias ? kt_tensor (model, "bias", BITLENS_TYPE_INT32, 1, &units, per_channel ? units : 1,
                                            b_scales, w_zps, 0, bias) : -1;
          out = kt_tensor_q (model, "output", type, out_rank, out_shape, out_scale, out_zp, NULL);
          kt_activation_range_int8 (activation, out_scale, out_zp, &act_low, &act_high);
        }
      else
        {
          input = kt_random_float (rand, (gsize) batches * input_size, -1.0, 1.0);
          weights = kt_random_float (rand, (gsize) units * input_size, -1.0, 1.0);
          bias = kt_random_float (rand, units, -1.0, 1.0);
          inputs[0] = kt_tensor_q (model, "input", type, in_rank, in_shape, 0, 0, NULL);
          inputs[1] = kt_tensor_q (model, "weights", type, 2, w_shape, 0, 0, weights);
          inputs[2] = has_bias ? kt_tensor_q (model, "bias", type, 1, &units, 0, 0, bias) : -1;
          out = kt_tensor_q (model, "output", type, out_rank, out_shape, 0, 0, NULL);
        }
      g_assert_true (kt_finish_one_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, out, &options, &error));
      g_assert_no_error (error);

      /* acc = sum (w - zp_w)(x - zp_in) + bias; float sums in input order, then bias. */
      expected = g_malloc ((gsize) batches * units * 4);
      for (int b = 0; b < batches; b++)
        for (int u = 0; u < units; u++)
          {
            gsize o = (gsize) b * units + u;

            if (type == BITLENS_TYPE_INT8)
              {
                gint64 acc = has_bias ? ((gint32 *) bias)[u] : 0;
                for (int d = 0; d < input_size; d++)
                  acc += (gint64) (((gint8 *) weights)[(gsize) u * input_size + d] - w_zps[0] * !per_channel)
                         * (((gint8 *) input)[(gsize) b * input_size + d] - in_zp);
                expected[o] = (guint8) kt_requantize (acc, in_scale, w_scales[u], out_scale, out_zp, act_low, act_high);
              }
            else
              {
                float total = 0.0f, value;
                for (int d = 0; d < input_size; d++)
                  total += ((float *) input)[(gsize) b * input_size + d] * ((float *) weights)[(gsize) u * input_size + d];
                value = kt_activation_float (activation, total + (has_bias ? ((float *) bias)[u] : 0.0f));
                memcpy (expected + o * 4, &value, 4);
              }
          }
      data[0] = input;
      assert_runs_to (model, data, expected, (gsize) batches * units * (type == BITLENS_TYPE_INT8 ? 1 : 4));
    }
}

static void
test_fully_connected_rejections (void)
{
  struct
  {
    int in_shape[2], w_shape[2], out_shape[2], bias_count, n_w_scales, w_zp;
    gboolean keep_num_dims;
    int code;
  } cases[] = {
    { { 2, 6 }, { 3, 6 }, { 2, 3 }, 3, 1, 5, FALSE, 0 },                          /* valid, per tensor with zp */
    { { 2, 6 }, { 3, 4 }, { 3, 3 }, 3, 1, 0, FALSE, 0 },                          /* valid: 12 = 3 rows of 4 */
    { { 2, 6 }, { 3, 5 }, { 2, 3 }, 3, 1, 0, FALSE, BITLENS_ERROR_MODEL_INVALID },  /* 12 not rows of 5 */
    { { 2, 6 }, { 3, 4 }, { 3, 3 }, 3, 1, 0, TRUE, BITLENS_ERROR_MODEL_INVALID },   /* keep dims: last 6 != 4 */
    { { 2, 6 }, { 3, 6 }, { 2, 4 }, 3, 1, 0, FALSE, BITLENS_ERROR_MODEL_INVALID },
    { { 2, 6 }, { 3, 6 }, { 2, 3 }, 2, 1, 0, FALSE, BITLENS_ERROR_MODEL_INVALID },
    { { 2, 6 }, { 3, 6 }, { 2, 3 }, 3, 2, 0, FALSE, BITLENS_ERROR_MODEL_INVALID },
    { { 2, 6 }, { 3, 6 }, { 2, 3 }, 3, 3, 1, FALSE, BITLENS_ERROR_MODEL_UNSUPPORTED }, /* per channel zp */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      g_autofree gint8 *weights = g_new0 (gint8, cases[i].w_shape[0] * cases[i].w_shape[1]);
      g_autofree gint32 *bias = g_new0 (gint32, cases[i].bias_count);
      float scales[3] = { 0.1f, 0.1f, 0.1f };
      gint64 zps[3] = { cases[i].w_zp, cases[i].w_zp, cases[i].w_zp };
      BitlensOpOptions options;
      int inputs[3], out;
      gboolean prepared;

      bitlens_op_options_init (&options);
      options.keep_num_dims = cases[i].keep_num_dims;
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 2, cases[i].in_shape, 0.1f, 0, NULL);
      inputs[1] = kt_tensor (model, "weights", BITLENS_TYPE_INT8, 2, cases[i].w_shape, cases[i].n_w_scales,
                             scales, zps, 0, weights);
      inputs[2] = kt_tensor_q (model, "bias", BITLENS_TYPE_INT32, 1, &cases[i].bias_count, 0.01f, 0, bias);
      out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 2, cases[i].out_shape, 0.1f, 0, NULL);
      prepared = kt_finish_one_op (model, BITLENS_OP_FULLY_CONNECTED, 3, inputs, out, &options, &error);
      if (cases[i].code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (prepared);
        }
      else
        kt_assert_rejected (prepared, error, cases[i].code);
    }
}

/* ---------------------------------------------------------------- PAD */

/* [7, -2] padded with one row above and two columns after, output zp -5. */
static void
test_pad_hand_worked (void)
{
  static const gint8 input[2] = { 7, -2 };
  static const gint32 paddings[8] = { 0, 0, 1, 0, 0, 2, 0, 0 };
  static const gint8 expected[8] = { -5, -5, -5, -5, 7, -2, -5, -5 };
  int in_shape[4] = { 1, 1, 2, 1 }, p_shape[2] = { 4, 2 }, out_shape[4] = { 1, 2, 4, 1 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  int inputs[2], out;
  const void *data[1] = { input };

  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, -5, NULL);
  inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, p_shape, 0, 0, paddings);
  out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.1f, -5, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_PAD, 2, inputs, out, NULL, &error));
  g_assert_no_error (error);
  assert_runs_to (model, data, expected, 8);
}

static void
test_pad_options (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  for (int i = 0; i < 80; i++)
    {
      BitlensTensorType type = i % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8;
      gsize element = type == BITLENS_TYPE_INT8 ? 1 : 4;
      int rank = 1 + (i / 2) % 5;
      int in_shape[BITLENS_MAX_RANK], out_shape[BITLENS_MAX_RANK], p_shape[2] = { rank, 2 };
      gint64 paddings[2 * BITLENS_MAX_RANK];
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      g_autofree void *input = NULL;
      g_autofree guint8 *expected = NULL;
      int zp = g_rand_int_range (rand, -128, 128);
      gsize n_out;
      int inputs[2], out;
      const void *data[1];

      for (int d = 0; d < rank; d++)
        {
          in_shape[d] = g_rand_int_range (rand, 1, 5);
          paddings[2 * d] = g_rand_int_range (rand, 0, 3);
          paddings[2 * d + 1] = g_rand_int_range (rand, 0, 3);
          out_shape[d] = in_shape[d] + (int) paddings[2 * d] + (int) paddings[2 * d + 1];
        }
      input = type == BITLENS_TYPE_INT8 ? (void *) kt_random_int8 (rand, shape_count (rank, in_shape), -128, 127)
                                        : (void *) kt_random_float (rand, shape_count (rank, in_shape), -1, 1);
      inputs[0] = kt_tensor_q (model, "input", type, rank, in_shape, type == BITLENS_TYPE_INT8 ? 0.1f : 0, zp, NULL);
      /* int64 paddings for some, int32 for the others. */
      if (i % 4 < 2)
        inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT64, 2, p_shape, 0, 0, paddings);
      else
        {
          gint32 paddings32[2 * BITLENS_MAX_RANK];
          for (int k = 0; k < 2 * rank; k++)
            paddings32[k] = (gint32) paddings[k];
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, p_shape, 0, 0, paddings32);
        }
      out = kt_tensor_q (model, "output", type, rank, out_shape, type == BITLENS_TYPE_INT8 ? 0.1f : 0, zp, NULL);
      g_assert_true (kt_finish_one_op (model, BITLENS_OP_PAD, 2, inputs, out, NULL, &error));
      g_assert_no_error (error);

      /* Each output element: the input element at index - before, or the pad value. */
      n_out = shape_count (rank, out_shape);
      expected = g_malloc (n_out * element);
      for (gsize o = 0; o < n_out; o++)
        {
          gsize rest = o, in_index = 0, in_stride = 1;
          gboolean inside = TRUE;

          for (int d = rank - 1; d >= 0; d--)
            {
              int coordinate = (int) (rest % out_shape[d]) - (int) paddings[2 * d];
              rest /= out_shape[d];
              inside = inside && coordinate >= 0 && coordinate < in_shape[d];
              in_index += (gsize) MAX (coordinate, 0) * in_stride;
              in_stride *= in_shape[d];
            }
          if (type == BITLENS_TYPE_INT8)
            expected[o] = inside ? ((guint8 *) input)[in_index] : (guint8) (gint8) zp;
          else
            {
              float value = inside ? ((float *) input)[in_index] : 0.0f;
              memcpy (expected + o * 4, &value, 4);
            }
        }
      data[0] = input;
      assert_runs_to (model, data, expected, n_out * element);
    }
}

static void
test_pad_rejections (void)
{
  int in_shape[4] = { 1, 2, 2, 1 }, out_shape[4] = { 1, 4, 2, 1 }, p_shape[2] = { 4, 2 };
  int bad_p_shape[2] = { 3, 2 };
  gint32 good[8] = { 0, 0, 1, 1, 0, 0, 0, 0 };
  gint32 negative[8] = { 0, 0, 2, 0, -1, 1, 0, 0 };

  for (int i = 0; i < 5; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      int inputs[2], out;
      gboolean prepared;

      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, 0, NULL);
      switch (i)
        {
        case 0: /* valid */
        case 1: /* valid paddings, wrong output shape (below) */
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, p_shape, 0, 0, good);
          break;
        case 2:
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, p_shape, 0, 0, negative);
          break;
        case 3:
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, bad_p_shape, 0, 0, good);
          break;
        default: /* paddings not constant */
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, p_shape, 0, 0, NULL);
          break;
        }
      if (i == 1)
        {
          int wrong[4] = { 1, 4, 3, 1 };
          out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, wrong, 0.1f, 0, NULL);
        }
      else
        out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.1f, 0, NULL);
      prepared = kt_finish_one_op (model, BITLENS_OP_PAD, 2, inputs, out, NULL, &error);
      if (i == 0)
        {
          g_assert_no_error (error);
          g_assert_true (prepared);
        }
      else
        kt_assert_rejected (prepared, error, i == 4 ? BITLENS_ERROR_MODEL_UNSUPPORTED : BITLENS_ERROR_MODEL_INVALID);
    }
}

/* ---------------------------------------------------------------- MEAN */

/* The multiplier arithmetic of SEMANTICS.md: QuantizeMultiplier(s_in / s_out) -> (m, e),
 * k = min(63 - clz64(n), 32, 31 + e), m = (m << k) / n, e -= k. */
static gint8
mean_expected_int8 (gint64 sum,
                    gint64 n,
                    float  in_scale,
                    int    in_zp,
                    float  out_scale,
                    int    out_zp)
{
  gint32 m;
  int e, k = 0;
  gint32 value;

  kt_quantize_multiplier ((double) in_scale / (double) out_scale, &m, &e);
  while (((gint64) 1 << (k + 1)) <= n)    /* k = floor(log2 n) = 63 - clz64(n) */
    k++;
  k = MIN (k, 32);
  k = MIN (k, 31 + e);
  m = (gint32) (((gint64) m << k) / n);
  e -= k;
  value = kt_mbqm ((gint32) (sum - (gint64) in_zp * n), m, e) + out_zp;
  return (gint8) CLAMP (value, -128, 127);
}

/* q [1, 2, 3, 5] (scale 0.5, zp 1) averaged over H and W into scale 0.25, zp -2:
 * QuantizeMultiplier(2) = (2^30, 2); n = 4, k = 2: m = 2^30, e = 0; sum - zp * n = 7;
 * SRDHM(7, 2^30) = 3.5 -> 4; out 4 - 2 = 2. */
static void
test_mean_hand_worked (void)
{
  static const gint8 input[4] = { 1, 2, 3, 5 };
  static const gint32 axes[2] = { 1, 2 };
  static const gint8 expected[1] = { 2 };
  int in_shape[4] = { 1, 2, 2, 1 }, axis_shape[1] = { 2 }, out_shape[4] = { 1, 1, 1, 1 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int inputs[2], out;
  const void *data[1] = { input };

  bitlens_op_options_init (&options);
  options.keep_dims = TRUE;
  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.5f, 1, NULL);
  inputs[1] = kt_tensor_q (model, "axis", BITLENS_TYPE_INT32, 1, axis_shape, 0, 0, axes);
  out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.25f, -2, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_MEAN, 2, inputs, out, &options, &error));
  g_assert_no_error (error);
  assert_runs_to (model, data, expected, 1);
  g_assert_cmpint (mean_expected_int8 (11, 4, 0.5f, 1, 0.25f, -2), ==, 2);
}

static void
test_mean_options (void)
{
  static const struct
  {
    int n_axes;
    gint32 axes[3];
  } axis_sets[] = {
    { 2, { 1, 2 } }, { 2, { 2, 1 } }, { 2, { -3, -2 } }, { 1, { 3 } }, { 1, { -1 } }, { 1, { 0 } },
    { 1, { 1 } }, { 3, { 1, 2, 3 } }, { 3, { 1, 1, 2 } }, { 0, { 0 } },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (314);

  for (guint set = 0; set < G_N_ELEMENTS (axis_sets); set++)
    for (int variant = 0; variant < 8; variant++)
      {
        BitlensTensorType type = variant % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8;
        gboolean keep_dims = (variant / 2) % 2;
        int in_shape[4] = { 1 + variant / 4, g_rand_int_range (rand, 1, 8), g_rand_int_range (rand, 1, 8),
                            g_rand_int_range (rand, 1, 6) };
        gboolean reduced[4] = { FALSE };
        int out_shape[4], out_rank = 0, axis_shape[1] = { axis_sets[set].n_axes };
        g_autoptr(BitlensModel) model = test_model_new ();
        g_autoptr(GError) error = NULL;
        g_autofree void *input = NULL;
        g_autofree guint8 *expected = NULL;
        float in_scale = (float) g_rand_double_range (rand, 0.01, 0.1);
        float out_scale = in_scale * (float) g_rand_double_range (rand, 0.3, 3.0);
        int in_zp = g_rand_int_range (rand, -128, 128), out_zp = g_rand_int_range (rand, -60, 60);
        gsize n_in = shape_count (4, in_shape), n_out;
        gint64 n_reduced = 1;
        BitlensOpOptions options;
        int inputs[2], out;
        const void *data[1];

        for (int k = 0; k < axis_sets[set].n_axes; k++)
          reduced[(axis_sets[set].axes[k] + 4) % 4] = TRUE;
        for (int d = 0; d < 4; d++)
          {
            if (reduced[d])
              n_reduced *= in_shape[d];
            if (!reduced[d] || keep_dims)
              out_shape[out_rank++] = reduced[d] ? 1 : in_shape[d];
          }
        n_out = shape_count (out_rank, out_shape);

        bitlens_op_options_init (&options);
        options.keep_dims = keep_dims;
        input = type == BITLENS_TYPE_INT8 ? (void *) kt_random_int8 (rand, n_in, -128, 127)
                                          : (void *) kt_random_float (rand, n_in, -4, 4);
        inputs[0] = kt_tensor_q (model, "input", type, 4, in_shape, type == BITLENS_TYPE_INT8 ? in_scale : 0, in_zp, NULL);
        inputs[1] = kt_tensor_q (model, "axis", BITLENS_TYPE_INT32, 1, axis_shape, 0, 0, axis_sets[set].axes);
        out = kt_tensor_q (model, "output", type, out_rank, out_shape, type == BITLENS_TYPE_INT8 ? out_scale : 0, out_zp, NULL);
        g_assert_true (kt_finish_one_op (model, BITLENS_OP_MEAN, 2, inputs, out, &options, &error));
        g_assert_no_error (error);

        /* Each output sums the input elements whose kept coordinates are its own, in
         * row-major input order. */
        expected = g_malloc0 (n_out * 4);
        for (gsize o = 0; o < n_out; o++)
          {
            gint64 sum = 0;
            float total = 0.0f;

            for (gsize i = 0; i < n_in; i++)
              {
                gsize rest = i, target = 0, stride = 1;

                for (int d = 3; d >= 0; d--)
                  {
                    int coordinate = (int) (rest % in_shape[d]);
                    rest /= in_shape[d];
                    if (!reduced[d])
                      {
                        target += coordinate * stride;
                        stride *= in_shape[d];
                      }
                  }
                if (target != o)
                  continue;
                if (type == BITLENS_TYPE_INT8)
                  sum += ((gint8 *) input)[i];
                else
                  total += ((float *) input)[i];
              }
            if (type == BITLENS_TYPE_INT8)
              {
                double real = in_scale * ((double) sum / n_reduced - in_zp) / out_scale + out_zp;

                expected[o] = (guint8) mean_expected_int8 (sum, n_reduced, in_scale, in_zp, out_scale, out_zp);
                /* Within one step of the real-valued mean (the multiplier loses bits). */
                g_assert_cmpfloat (fabs ((gint8) expected[o] - CLAMP (real, -128.0, 127.0)), <=, 1.0);
              }
            else
              {
                float value = total / (float) n_reduced;
                memcpy (expected + o * 4, &value, 4);
              }
          }
        data[0] = input;
        assert_runs_to (model, data, expected, n_out * (type == BITLENS_TYPE_INT8 ? 1 : 4));
      }
}

static void
test_mean_rejections (void)
{
  int in_shape[4] = { 1, 3, 3, 2 }, axis_shape[1] = { 2 };
  int keep_shape[4] = { 1, 1, 1, 2 }, drop_shape[2] = { 1, 2 };
  gint32 spatial[2] = { 1, 2 }, out_of_range[2] = { 1, 4 };

  for (int i = 0; i < 5; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensOpOptions options;
      int inputs[2], out;
      gboolean prepared;

      bitlens_op_options_init (&options);
      options.keep_dims = i != 1;
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, 0, NULL);
      inputs[1] = kt_tensor_q (model, "axis", BITLENS_TYPE_INT32, 1, axis_shape, 0, 0,
                              i == 2 ? out_of_range : i == 3 ? NULL : spatial);
      if (i == 1)      /* keep_dims false wants [1,2] */
        out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, keep_shape, 0.1f, 0, NULL);
      else if (i == 4) /* keep_dims true wants [1,1,1,2] */
        out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 2, drop_shape, 0.1f, 0, NULL);
      else
        out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, keep_shape, 0.1f, 0, NULL);
      prepared = kt_finish_one_op (model, BITLENS_OP_MEAN, 2, inputs, out, &options, &error);
      if (i == 0)
        {
          g_assert_no_error (error);
          g_assert_true (prepared);
        }
      else
        kt_assert_rejected (prepared, error, i == 3 ? BITLENS_ERROR_MODEL_UNSUPPORTED : BITLENS_ERROR_MODEL_INVALID);
    }
}

/* ---------------------------------------------------------------- RESHAPE */

static void
test_reshape (void)
{
  static const gint8 input[6] = { 1, -2, 3, -4, 5, -6 };
  int in_shape[4] = { 1, 1, 2, 3 }, out_shape[2] = { 3, 2 }, wrong_shape[2] = { 2, 2 };
  const void *data[1] = { input };

  {
    g_autoptr(BitlensModel) model = test_model_new ();
    g_autoptr(GError) error = NULL;
    int in = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, 0, NULL);
    int out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 2, out_shape, 0.1f, 0, NULL);

    g_assert_true (kt_finish_one_op (model, BITLENS_OP_RESHAPE, 1, &in, out, NULL, &error));
    g_assert_no_error (error);
    assert_runs_to (model, data, input, 6);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    g_autoptr(GError) error = NULL;
    int in = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, 0, NULL);
    int out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 2, wrong_shape, 0.1f, 0, NULL);
    gboolean prepared = kt_finish_one_op (model, BITLENS_OP_RESHAPE, 1, &in, out, NULL, &error);

    kt_assert_rejected (prepared, error, BITLENS_ERROR_MODEL_INVALID);
  }
  {
    g_autoptr(BitlensModel) model = test_model_new ();
    g_autoptr(GError) error = NULL;
    int in = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.1f, 0, NULL);
    int out = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 2, out_shape, 0, 0, NULL);
    gboolean prepared = kt_finish_one_op (model, BITLENS_OP_RESHAPE, 1, &in, out, NULL, &error);

    kt_assert_rejected (prepared, error, BITLENS_ERROR_MODEL_UNSUPPORTED);
  }
}

/* ---------------------------------------------------------------- CONCATENATION */

static void
test_concatenation_hand_worked (void)
{
  static const float a[4] = { 1, 2, 3, 4 }, b[2] = { 5, 6 };
  static const float expected[6] = { 1, 2, 5, 3, 4, 6 };
  int a_shape[2] = { 2, 2 }, b_shape[2] = { 2, 1 }, out_shape[2] = { 2, 3 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int inputs[2], out;
  const void *data[2] = { a, b };

  bitlens_op_options_init (&options);
  options.axis = -1;
  inputs[0] = kt_tensor_q (model, "a", BITLENS_TYPE_FLOAT32, 2, a_shape, 0, 0, NULL);
  inputs[1] = kt_tensor_q (model, "b", BITLENS_TYPE_FLOAT32, 2, b_shape, 0, 0, NULL);
  out = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 2, out_shape, 0, 0, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_CONCATENATION, 2, inputs, out, &options, &error));
  g_assert_no_error (error);
  assert_runs_to (model, data, expected, sizeof expected);
}

static void
test_concatenation_axes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1010);

  for (int axis = -4; axis < 4; axis++)
    for (int variant = 0; variant < 4; variant++)
      {
        BitlensTensorType type = variant % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8;
        gsize element = type == BITLENS_TYPE_INT8 ? 1 : 4;
        int n_inputs = 1 + variant / 2 + g_rand_int_range (rand, 0, 3);
        int resolved = (axis + 4) % 4;
        int base[4] = { g_rand_int_range (rand, 1, 4), g_rand_int_range (rand, 1, 4),
                        g_rand_int_range (rand, 1, 4), g_rand_int_range (rand, 1, 4) };
        int shapes[4][4], out_shape[4];
        void *inputs_data[4] = { NULL };
        const void *data[4];
        g_autoptr(BitlensModel) model = test_model_new ();
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *expected = NULL;
        BitlensOpOptions options;
        int inputs[4], out;
        gsize n_out;

        memcpy (out_shape, base, sizeof base);
        out_shape[resolved] = 0;
        for (int i = 0; i < n_inputs; i++)
          {
            memcpy (shapes[i], base, sizeof base);
            shapes[i][resolved] = g_rand_int_range (rand, 1, 4);
            out_shape[resolved] += shapes[i][resolved];
            inputs_data[i] = type == BITLENS_TYPE_INT8 ? (void *) kt_random_int8 (rand, shape_count (4, shapes[i]), -128, 127)
                                                       : (void *) kt_random_float (rand, shape_count (4, shapes[i]), -1, 1);
            data[i] = inputs_data[i];
            inputs[i] = kt_tensor_q (model, "input", type, 4, shapes[i], type == BITLENS_TYPE_INT8 ? 0.2f : 0, -3, NULL);
          }
        out = kt_tensor_q (model, "output", type, 4, out_shape, type == BITLENS_TYPE_INT8 ? 0.2f : 0, -3, NULL);
        bitlens_op_options_init (&options);
        options.axis = axis;
        g_assert_true (kt_finish_one_op (model, BITLENS_OP_CONCATENATION, n_inputs, inputs, out, &options, &error));
        g_assert_no_error (error);

        /* Output element at coordinates c: the input whose range along the axis holds
         * c[axis], at c with the axis coordinate shifted. */
        n_out = shape_count (4, out_shape);
        expected = g_malloc (n_out * element);
        for (gsize o = 0; o < n_out; o++)
          {
            int c[4];
            gsize rest = o, in_index = 0;
            int which = 0;

            for (int d = 3; d >= 0; d--)
              {
                c[d] = (int) (rest % out_shape[d]);
                rest /= out_shape[d];
              }
            while (c[resolved] >= shapes[which][resolved])
              c[resolved] -= shapes[which++][resolved];
            for (int d = 0; d < 4; d++)
              in_index = in_index * shapes[which][d] + c[d];
            memcpy (expected + o * element, (guint8 *) inputs_data[which] + in_index * element, element);
          }
        assert_runs_to (model, data, expected, n_out * element);
        for (int i = 0; i < n_inputs; i++)
          g_free (inputs_data[i]);
      }
}

static void
test_concatenation_rejections (void)
{
  int a_shape[4] = { 1, 2, 2, 3 }, b_shape[4] = { 1, 2, 2, 1 }, c_shape[4] = { 1, 3, 2, 1 };
  int out_shape[4] = { 1, 2, 2, 4 };

  for (int i = 0; i < 6; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensOpOptions options;
      int inputs[2], out;
      gboolean prepared;
      int code = BITLENS_ERROR_MODEL_INVALID;

      bitlens_op_options_init (&options);
      options.axis = 3;
      inputs[0] = kt_tensor_q (model, "a", BITLENS_TYPE_INT8, 4, a_shape, 0.1f, 2, NULL);
      switch (i)
        {
        case 2: /* another scale */
          inputs[1] = kt_tensor_q (model, "b", BITLENS_TYPE_INT8, 4, b_shape, 0.2f, 2, NULL);
          code = BITLENS_ERROR_MODEL_UNSUPPORTED;
          break;
        case 3: /* another zero point */
          inputs[1] = kt_tensor_q (model, "b", BITLENS_TYPE_INT8, 4, b_shape, 0.1f, 3, NULL);
          code = BITLENS_ERROR_MODEL_UNSUPPORTED;
          break;
        case 4: /* H differs outside the axis */
          inputs[1] = kt_tensor_q (model, "b", BITLENS_TYPE_INT8, 4, c_shape, 0.1f, 2, NULL);
          break;
        default:
          inputs[1] = kt_tensor_q (model, "b", BITLENS_TYPE_INT8, 4, b_shape, 0.1f, 2, NULL);
          break;
        }
      if (i == 1)
        options.axis = 4;
      if (i == 5)
        {
          options.activation = BITLENS_ACTIVATION_RELU;
          code = BITLENS_ERROR_MODEL_UNSUPPORTED;
        }
      out = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.1f, 2, NULL);
      prepared = kt_finish_one_op (model, BITLENS_OP_CONCATENATION, 2, inputs, out, &options, &error);
      if (i == 0)
        {
          g_assert_no_error (error);
          g_assert_true (prepared);
        }
      else
        kt_assert_rejected (prepared, error, code);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernels/pool/hand-worked", test_pool_hand_worked);
  g_test_add_func ("/kernels/pool/options", test_pool_options);
  g_test_add_func ("/kernels/pool/rejections", test_pool_rejections);
  g_test_add_func ("/kernels/fully-connected/hand-worked", test_fully_connected_hand_worked);
  g_test_add_func ("/kernels/fully-connected/options", test_fully_connected_options);
  g_test_add_func ("/kernels/fully-connected/rejections", test_fully_connected_rejections);
  g_test_add_func ("/kernels/pad/hand-worked", test_pad_hand_worked);
  g_test_add_func ("/kernels/pad/options", test_pad_options);
  g_test_add_func ("/kernels/pad/rejections", test_pad_rejections);
  g_test_add_func ("/kernels/mean/hand-worked", test_mean_hand_worked);
  g_test_add_func ("/kernels/mean/options", test_mean_options);
  g_test_add_func ("/kernels/mean/rejections", test_mean_rejections);
  g_test_add_func ("/kernels/reshape", test_reshape);
  g_test_add_func ("/kernels/concatenation/hand-worked", test_concatenation_hand_worked);
  g_test_add_func ("/kernels/concatenation/axes", test_concatenation_axes);
  g_test_add_func ("/kernels/concatenation/rejections", test_concatenation_rejections);

  return g_test_run ();
}
