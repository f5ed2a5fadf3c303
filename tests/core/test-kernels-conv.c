/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "kernel-test-helpers.h"

/* CONV_2D and DEPTHWISE_CONV_2D against hand-worked values and against the straight
 * definitions of kernel-test-helpers.h, for every option, with the reference and the
 * optimized kernels; and prepare rejections. */

static const BitlensInterpreterFlags both_paths[] = {
  BITLENS_INTERPRETER_DEFAULT,
  BITLENS_INTERPRETER_FORCE_REFERENCE,
};

/* Input q [[1,2,3],[4,5,6],[7,8,9]] (scale 0.5, zp 1), filter [[1,2],[3,-1]] (scale
 * 0.25), bias 12, VALID, output scale 1 and zp -3. Multiplier 0.125 = 2^30 * 2^-31 *
 * 2^-2. Sums w * (x - 1): 7, 12, 22, 27; plus bias: 19, 24, 34, 39.
 * 19: SRDHM -> 9.5 -> 10, RDBPOT(10, 2) = 2.5 -> 3, out 0 (single rounding would
 * give 2.375 -> 2: the double rounding shows). 24 -> 12 -> 3 -> 0. 34 -> 17 ->
 * 4.25 -> 4 -> 1. 39 -> 19.5 -> 20 -> 5 -> 2. */
static void
test_conv_int8_hand_worked (void)
{
  static const gint8 input[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  static const gint8 filter[4] = { 1, 2, 3, -1 };
  static const gint32 bias[1] = { 12 };
  static const gint8 expected[4] = { 0, 0, 1, 2 };
  int in_shape[4] = { 1, 3, 3, 1 }, filter_shape[4] = { 1, 2, 2, 1 }, out_shape[4] = { 1, 2, 2, 1 };
  int bias_shape[1] = { 1 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int inputs[3], output;
  const void *data[1] = { input };

  bitlens_op_options_init (&options);
  options.padding = BITLENS_PADDING_VALID;
  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.5f, 1, NULL);
  inputs[1] = kt_tensor_q (model, "filter", BITLENS_TYPE_INT8, 4, filter_shape, 0.25f, 0, filter);
  inputs[2] = kt_tensor_q (model, "bias", BITLENS_TYPE_INT32, 1, bias_shape, 0.125f, 0, bias);
  output = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 1.0f, -3, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_CONV_2D, 3, inputs, output, &options, &error));
  g_assert_no_error (error);

  for (guint p = 0; p < G_N_ELEMENTS (both_paths); p++)
    {
      g_autofree gint8 *result = (gint8 *) kt_run (model, both_paths[p], data);
      g_assert_cmpmem (result, 4, expected, 4);
    }
}

/* Input [[1,2],[3,4]], filter [[1,0.5],[-1,2]], bias 0.25, SAME (pad 0 before, 1
 * after), RELU6: 7.25 -> 6, -1.75 -> 0, 5.25, 4.25. */
static void
test_conv_float_hand_worked (void)
{
  static const float input[4] = { 1, 2, 3, 4 };
  static const float filter[4] = { 1, 0.5f, -1, 2 };
  static const float bias[1] = { 0.25f };
  static const float expected[4] = { 6.0f, 0.0f, 5.25f, 4.25f };
  int in_shape[4] = { 1, 2, 2, 1 }, filter_shape[4] = { 1, 2, 2, 1 };
  int bias_shape[1] = { 1 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int inputs[3], output;
  const void *data[1] = { input };

  bitlens_op_options_init (&options);
  options.activation = BITLENS_ACTIVATION_RELU6;
  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_FLOAT32, 4, in_shape, 0, 0, NULL);
  inputs[1] = kt_tensor_q (model, "filter", BITLENS_TYPE_FLOAT32, 4, filter_shape, 0, 0, filter);
  inputs[2] = kt_tensor_q (model, "bias", BITLENS_TYPE_FLOAT32, 1, bias_shape, 0, 0, bias);
  output = kt_tensor_q (model, "output", BITLENS_TYPE_FLOAT32, 4, in_shape, 0, 0, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_CONV_2D, 3, inputs, output, &options, &error));

  for (guint p = 0; p < G_N_ELEMENTS (both_paths); p++)
    {
      g_autofree float *result = (float *) kt_run (model, both_paths[p], data);
      for (int i = 0; i < 4; i++)
        g_assert_cmpfloat (result[i], ==, expected[i]);
    }
}

/* 1x1 depthwise, depth multiplier 2, per-channel scales 0.5 and 0.25 (multipliers
 * 2^30 * 2^-31 and 2^30 * 2^-31 * 2^-1), weights 1 and -2, bias 0 and 4, input scale 1
 * zp 0, output scale 1 zp 0. Channel 0 = SRDHM(x, 2^30); channel 1 = RDBPOT(SRDHM(4 -
 * 2x, 2^30), 1). x = 3: 1.5 -> 2; -2 -> -1.5 -> -1 (gemmlowp's negative nudge), then
 * RDBPOT(-1, 1) = -1. x = 10: 5; -16 -> -8 -> -4. x = 20: 10; -36 -> -18 -> -9.
 * x = -3: -1.5 -> -1; 10 -> 5 -> 2.5 -> 3. */
static void
test_depthwise_int8_hand_worked (void)
{
  static const gint8 input[4] = { 3, 10, 20, -3 };
  static const gint8 filter[2] = { 1, -2 };
  static const gint32 bias[2] = { 0, 4 };
  static const gint8 expected[8] = { 2, -1, 5, -4, 10, -9, -1, 3 };
  static const float filter_scales[2] = { 0.5f, 0.25f };
  static const gint64 zeros[2] = { 0, 0 };
  int in_shape[4] = { 1, 2, 2, 1 }, filter_shape[4] = { 1, 1, 1, 2 }, out_shape[4] = { 1, 2, 2, 2 };
  int bias_shape[1] = { 2 };
  g_autoptr(BitlensModel) model = test_model_new ();
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int inputs[3], output;
  const void *data[1] = { input };

  bitlens_op_options_init (&options);
  options.depth_multiplier = 2;
  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 1.0f, 0, NULL);
  inputs[1] = kt_tensor (model, "filter", BITLENS_TYPE_INT8, 4, filter_shape, 2, filter_scales, zeros, 3, filter);
  inputs[2] = kt_tensor (model, "bias", BITLENS_TYPE_INT32, 1, bias_shape, 2, filter_scales, zeros, 0, bias);
  output = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 1.0f, 0, NULL);
  g_assert_true (kt_finish_one_op (model, BITLENS_OP_DEPTHWISE_CONV_2D, 3, inputs, output, &options, &error));
  g_assert_no_error (error);

  for (guint p = 0; p < G_N_ELEMENTS (both_paths); p++)
    {
      g_autofree gint8 *result = (gint8 *) kt_run (model, both_paths[p], data);
      g_assert_cmpmem (result, 8, expected, 8);
    }
}

/* The int8 results also agree with the real-valued convolution to within one step
 * (two roundings and the clamp aside): a check of the definitions themselves. */
static void
check_close_to_real (const KtConvCase *c,
                     const gint8      *result)
{
  int fic = kt_conv_filter_in_c (c);
  int act_low, act_high;

  kt_activation_range_int8 (c->options.activation, c->out_scale, c->out_zp, &act_low, &act_high);
  for (int b = 0; b < c->batches; b++)
    for (int oy = 0; oy < c->out_h; oy++)
      for (int ox = 0; ox < c->out_w; ox++)
        for (int o = 0; o < c->out_c; o++)
          {
            double real = c->has_bias ? (double) ((gint32 *) c->bias)[o] * c->in_scale * c->filter_scales[o] : 0.0;
            double q;

            for (int fy = 0; fy < c->kh; fy++)
              for (int fx = 0; fx < c->kw; fx++)
                for (int i = 0; i < fic; i++)
                  {
                    int iy = oy * c->options.stride_h - c->pad_top + fy * c->options.dilation_h;
                    int ix = ox * c->options.stride_w - c->pad_left + fx * c->options.dilation_w;
                    int channel;
                    gsize filter_index;

                    if (iy < 0 || iy >= c->in_h || ix < 0 || ix >= c->in_w)
                      continue;
                    kt_conv_case_tap (c, o, fy, fx, i, &channel, &filter_index);
                    real += (double) c->in_scale * (((gint8 *) c->input)[(((gsize) b * c->in_h + iy) * c->in_w + ix) * c->in_c + channel] - c->in_zp)
                            * c->filter_scales[o] * ((gint8 *) c->filter)[filter_index];
                  }
            q = CLAMP (real / c->out_scale + c->out_zp, act_low, act_high);
            g_assert_cmpfloat (fabs (q - result[(((gsize) b * c->out_h + oy) * c->out_w + ox) * c->out_c + o]), <=, 1.0);
          }
}

/* Returns FALSE when the case's window does not fit (nothing to check). */
static gboolean
check_case (KtConvCase *c,
            GRand      *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autofree guint8 *expected = NULL;
  const void *data[1];
  gsize n_bytes;

  if (!kt_conv_case_generate (c, rand))
    return FALSE;
  model = kt_conv_case_model (c, &error);
  g_assert_no_error (error);
  expected = kt_conv_case_expected (c);
  n_bytes = c->n_output * (c->type == BITLENS_TYPE_INT8 ? 1 : 4);
  data[0] = c->input;

  for (guint p = 0; p < G_N_ELEMENTS (both_paths); p++)
    {
      g_autofree guint8 *result = kt_run (model, both_paths[p], data);
      kt_assert_bytes_equal (result, expected, n_bytes);
    }
  if (c->type == BITLENS_TYPE_INT8)
    check_close_to_real (c, (const gint8 *) expected);
  return TRUE;
}

/* Every combination of padding, activation, per-channel, stride and dilation, with
 * random sizes, groups, bias and data. */
static void
test_conv_options (gconstpointer data)
{
  BitlensTensorType type = GPOINTER_TO_INT (data);
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xC0417 + type);
  int checked = 0;

  for (int combo = 0; combo < 2 * 4 * 2 * 3 * 2; combo++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = type };
      int rest = combo;

      bitlens_op_options_init (&c.options);
      c.options.padding = rest % 2 ? BITLENS_PADDING_VALID : BITLENS_PADDING_SAME; rest /= 2;
      c.options.activation = (BitlensActivation) (rest % 4); rest /= 4;
      c.per_channel = rest % 2; rest /= 2;
      c.options.stride_h = 1 + rest % 3;
      c.options.stride_w = 1 + (rest + combo) % 3; rest /= 3;
      c.options.dilation_h = 1 + rest % 2;
      c.options.dilation_w = 1 + (combo / 7) % 2;
      c.has_bias = combo % 5 != 0;
      c.power_of_two_scales = combo % 4 == 3;
      c.groups = combo % 3 == 0 ? 2 : 1;
      c.batches = 1 + combo % 2;
      c.in_h = g_rand_int_range (rand, 1, 10);
      c.in_w = g_rand_int_range (rand, 1, 10);
      c.in_c = c.groups * g_rand_int_range (rand, 1, 5);
      c.out_c = c.groups * g_rand_int_range (rand, 1, 4);
      c.kh = g_rand_int_range (rand, 1, 4);
      c.kw = g_rand_int_range (rand, 1, 4);
      if (check_case (&c, rand))
        checked++;
      kt_conv_case_clear (&c);
    }
  g_assert_cmpint (checked, >, 60);
}

static void
test_depthwise_options (gconstpointer data)
{
  BitlensTensorType type = GPOINTER_TO_INT (data);
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xD3F7 + type);
  int checked = 0;

  for (int combo = 0; combo < 2 * 4 * 2 * 3 * 2 * 3; combo++)
    {
      KtConvCase c = { .kind = BITLENS_OP_DEPTHWISE_CONV_2D, .type = type };
      int rest = combo;

      bitlens_op_options_init (&c.options);
      c.options.padding = rest % 2 ? BITLENS_PADDING_VALID : BITLENS_PADDING_SAME; rest /= 2;
      c.options.activation = (BitlensActivation) (rest % 4); rest /= 4;
      c.per_channel = rest % 2; rest /= 2;
      c.options.stride_h = 1 + rest % 3;
      c.options.stride_w = 1 + (rest + combo) % 3; rest /= 3;
      c.options.dilation_h = 1 + rest % 2; rest /= 2;
      c.options.dilation_w = 1 + (combo / 5) % 2;
      c.multiplier = 1 + rest % 3;
      c.has_bias = combo % 7 != 0;
      c.power_of_two_scales = combo % 4 == 3;
      c.batches = 1 + combo % 2;
      c.in_h = g_rand_int_range (rand, 1, 10);
      c.in_w = g_rand_int_range (rand, 1, 10);
      c.in_c = g_rand_int_range (rand, 1, 20);
      c.kh = g_rand_int_range (rand, 1, 4);
      c.kw = g_rand_int_range (rand, 1, 4);
      if (check_case (&c, rand))
        checked++;
      kt_conv_case_clear (&c);
    }
  g_assert_cmpint (checked, >, 150);
}

/* A valid int8 CONV_2D case to break one piece at a time. */
typedef struct
{
  int   in_shape[4], filter_shape[4], out_shape[4], bias_count;
  int   n_filter_scales, filter_quantized_dimension;
  float filter_scale;
  gint64 filter_zp;
  BitlensTensorType filter_type;
  gboolean drop_filter;
  BitlensOpOptions options;
} RejectCase;

static void
reject_case_init (RejectCase *r)
{
  *r = (RejectCase) {
    .in_shape = { 1, 5, 5, 4 }, .filter_shape = { 3, 3, 3, 4 }, .out_shape = { 1, 5, 5, 3 },
    .bias_count = 3, .n_filter_scales = 3, .filter_quantized_dimension = 0,
    .filter_scale = 0.01f, .filter_type = BITLENS_TYPE_INT8,
  };
  bitlens_op_options_init (&r->options);
}

static gboolean
reject_case_prepare (const RejectCase *r,
                     BitlensOpKind     kind,
                     GError          **error)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  gsize n_filter = (gsize) r->filter_shape[0] * r->filter_shape[1] * r->filter_shape[2] * r->filter_shape[3];
  g_autofree gint8 *filter = g_new0 (gint8, n_filter * 4);
  g_autofree gint32 *bias = g_new0 (gint32, MAX (r->bias_count, 1));
  float scales[8];
  gint64 zps[8];
  int inputs[3], output;

  for (int i = 0; i < 8; i++)
    {
      scales[i] = r->filter_scale;
      zps[i] = r->filter_zp;
    }
  inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, r->in_shape, 0.1f, 0, NULL);
  inputs[1] = kt_tensor (model, "filter", r->filter_type, 4, r->filter_shape,
                         r->filter_type == BITLENS_TYPE_FLOAT32 ? 0 : r->n_filter_scales, scales, zps,
                         r->filter_quantized_dimension, filter);
  inputs[2] = kt_tensor (model, "bias", BITLENS_TYPE_INT32, 1, &r->bias_count, 1, scales, zps, 0, bias);
  output = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, r->out_shape, 0.2f, 0, NULL);
  if (r->drop_filter)
    inputs[1] = -1;
  return kt_finish_one_op (model, kind, 3, inputs, output, &r->options, error);
}

static void
expect_rejected (const RejectCase *r,
                 BitlensOpKind     kind,
                 int               code)
{
  g_autoptr(GError) error = NULL;
  gboolean prepared = reject_case_prepare (r, kind, &error);

  kt_assert_rejected (prepared, error, code);
}

static void
test_conv_rejections (void)
{
  RejectCase r;
  g_autoptr(GError) error = NULL;

  reject_case_init (&r);
  g_assert_true (reject_case_prepare (&r, BITLENS_OP_CONV_2D, &error));
  g_assert_no_error (error);

  reject_case_init (&r);
  r.out_shape[1] = 4;                          /* SAME 5 -> 5, not 4 */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.out_shape[3] = 4;                          /* 3 filters */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.bias_count = 2;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.n_filter_scales = 2;                       /* neither 1 nor 3 */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.filter_quantized_dimension = 3;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.filter_scale = 0.0f;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.filter_scale = NAN;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.filter_zp = 3;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  reject_case_init (&r);
  r.filter_type = BITLENS_TYPE_FLOAT32;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  reject_case_init (&r);
  r.filter_shape[3] = 3;                       /* 4 input channels are not groups of 3 */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.options.stride_h = 0;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.options.padding = BITLENS_PADDING_VALID;   /* 5 -> 3, output says 5 */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.options.padding = BITLENS_PADDING_VALID;
  r.filter_shape[1] = 7;                       /* larger than the input */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.options.dilation_h = G_MAXINT / 2;         /* SAME with a huge dilation */
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  reject_case_init (&r);
  r.options.stride_w = G_MAXINT;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  reject_case_init (&r);
  r.options.activation = (BitlensActivation) 7;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  reject_case_init (&r);
  r.drop_filter = TRUE;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  reject_case_init (&r);
  r.in_shape[3] = 0;
  expect_rejected (&r, BITLENS_OP_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
}

static void
test_depthwise_rejections (void)
{
  RejectCase r;
  g_autoptr(GError) error = NULL;

  /* Valid: input [1,5,5,2], multiplier 2, filter [1,3,3,4], output [1,5,5,4]. */
#define DEPTHWISE_VALID(r)                                              \
  G_STMT_START {                                                        \
    reject_case_init (&(r));                                            \
    (r).in_shape[3] = 2;                                                \
    memcpy ((r).filter_shape, (int[4]) { 1, 3, 3, 4 }, sizeof (int[4])); \
    (r).out_shape[3] = 4;                                               \
    (r).bias_count = 4;                                                 \
    (r).n_filter_scales = 4;                                            \
    (r).filter_quantized_dimension = 3;                                 \
    (r).options.depth_multiplier = 2;                                   \
  } G_STMT_END

  DEPTHWISE_VALID (r);
  g_assert_true (reject_case_prepare (&r, BITLENS_OP_DEPTHWISE_CONV_2D, &error));
  g_assert_no_error (error);

  DEPTHWISE_VALID (r);
  r.options.depth_multiplier = 3;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.filter_shape[0] = 2;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.in_shape[3] = 3;                            /* 4 filter channels for 3 inputs */
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.filter_quantized_dimension = 0;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.out_shape[2] = 6;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.bias_count = 2;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
  DEPTHWISE_VALID (r);
  r.options.dilation_w = 1 << 29;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_UNSUPPORTED);
  DEPTHWISE_VALID (r);
  r.options.dilation_w = -1;
  expect_rejected (&r, BITLENS_OP_DEPTHWISE_CONV_2D, BITLENS_ERROR_MODEL_INVALID);
#undef DEPTHWISE_VALID
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernels/conv/int8-hand-worked", test_conv_int8_hand_worked);
  g_test_add_func ("/kernels/conv/float-hand-worked", test_conv_float_hand_worked);
  g_test_add_data_func ("/kernels/conv/int8-options", GINT_TO_POINTER (BITLENS_TYPE_INT8), test_conv_options);
  g_test_add_data_func ("/kernels/conv/float-options", GINT_TO_POINTER (BITLENS_TYPE_FLOAT32), test_conv_options);
  g_test_add_func ("/kernels/conv/rejections", test_conv_rejections);
  g_test_add_func ("/kernels/depthwise/int8-hand-worked", test_depthwise_int8_hand_worked);
  g_test_add_data_func ("/kernels/depthwise/int8-options", GINT_TO_POINTER (BITLENS_TYPE_INT8), test_depthwise_options);
  g_test_add_data_func ("/kernels/depthwise/float-options", GINT_TO_POINTER (BITLENS_TYPE_FLOAT32), test_depthwise_options);
  g_test_add_func ("/kernels/depthwise/rejections", test_depthwise_rejections);

  return g_test_run ();
}
