/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bitlens-interpreter-private.h"
#include "kernel-test-helpers.h"
#include "test-model-builder.h"
#include "test-util.h"

/* ADD, MUL, SOFTMAX, LOGISTIC, QUANTIZE and DEQUANTIZE: values worked by hand from
 * SEMANTICS.md section 2 (the steps are in the comments), random broadcasting cases
 * against a naive implementation written here from the same text (with the arithmetic of
 * kernel-test-helpers.h, which shares no code with the kernels), regions, prepare
 * rejections, and the real TFLM SOFTMAX rows of the person_detect golden file. */

/* ---- building and running one-op models ---- */

typedef struct
{
  BitlensTensorType  type;
  int                rank;
  int                shape[BITLENS_MAX_RANK];
  float              scale;          /* used for integer types */
  int                zero_point;
  const void        *constant;       /* contents of a constant tensor, or NULL */
} Operand;

static int
add_operand (BitlensModel  *model,
             const char    *name,
             const Operand *operand)
{
  gint64 zero_point = operand->zero_point;
  TestTensorSpec spec = { .type = operand->type, .rank = operand->rank, .data = operand->constant };

  memcpy (spec.shape, operand->shape, sizeof operand->shape);
  if (operand->type != BITLENS_TYPE_FLOAT32)
    {
      spec.n_scales = 1;
      spec.scales = &operand->scale;
      spec.zero_points = &zero_point;
    }
  return test_model_add_tensor (model, name, &spec);
}

/* One op over @n_inputs operands; the non-constant ones are the model's inputs, in order. */
static BitlensModel *
one_op_model (BitlensOpKind           kind,
              int                     n_inputs,
              const Operand          *inputs,
              const Operand          *output,
              const BitlensOpOptions *options,
              GError                **error)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  int tensors[2], model_inputs[2], n_model_inputs = 0;
  int out;

  g_assert_cmpint (n_inputs, <=, 2);
  for (int i = 0; i < n_inputs; i++)
    {
      tensors[i] = add_operand (model, i == 0 ? "input0" : "input1", &inputs[i]);
      if (inputs[i].constant == NULL)
        model_inputs[n_model_inputs++] = tensors[i];
    }
  out = add_operand (model, "output", output);
  test_model_add_op (model, kind, n_inputs, tensors, 1, &out, options);
  if (!test_model_finish (model, n_model_inputs, model_inputs, 1, &out, error))
    return NULL;
  return g_steal_pointer (&model);
}

static BitlensOpOptions
options_with_activation (BitlensActivation activation)
{
  BitlensOpOptions options;

  bitlens_op_options_init (&options);
  options.activation = activation;
  return options;
}

/* Copies @inputs into the model's inputs, invokes, returns a copy of output 0. */
static gpointer
run_model (BitlensModel       *model,
           const void * const *inputs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  const BitlensTensor *output;

  g_assert_no_error (error);
  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, bitlens_model_get_input (model, i));
      memcpy (bitlens_interpreter_get_input_data (interpreter, i), inputs[i], tensor->n_bytes);
    }
  bitlens_interpreter_invoke (interpreter);
  output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  return g_memdup2 (bitlens_interpreter_get_output_data (interpreter, 0), output->n_bytes);
}

#define OPERAND_INT8(r, scale_, zp, ...) \
  ((Operand) { .type = BITLENS_TYPE_INT8, .rank = (r), .shape = { __VA_ARGS__ }, .scale = (scale_), .zero_point = (zp) })
#define OPERAND_FLOAT(r, ...) \
  ((Operand) { .type = BITLENS_TYPE_FLOAT32, .rank = (r), .shape = { __VA_ARGS__ } })

static void
assert_int8_equal (const gint8 *actual,
                   const gint8 *expected,
                   gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (actual[i] != expected[i])
      g_error ("element %" G_GSIZE_FORMAT ": %d, expected %d", i, actual[i], expected[i]);
}

static void
assert_float_bits_equal (const float *actual,
                         const float *expected,
                         gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (memcmp (&actual[i], &expected[i], sizeof (float)) != 0)
      g_error ("element %" G_GSIZE_FORMAT ": %.9g, expected %.9g", i, (double) actual[i], (double) expected[i]);
}

/* ---- ADD ---- */

static gint8 *
run_binary_int8 (BitlensOpKind     kind,
                 BitlensActivation activation,
                 Operand           input0,
                 Operand           input1,
                 Operand           output,
                 const gint8      *data0,
                 const gint8      *data1)
{
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options = options_with_activation (activation);
  Operand inputs[2] = { input0, input1 };
  g_autoptr(BitlensModel) model = one_op_model (kind, 2, inputs, &output, &options, &error);
  const void *data[2] = { data0, data1 };

  g_assert_no_error (error);
  return run_model (model, data);
}

static void
test_add_int8_hand_worked (void)
{
  /* s0 = 0.5, s1 = 0.25, s_out = 1, zero points 0. twice_max = 1: input multipliers
   * 0.5 -> (2^30, 0) and 0.25 -> (2^30, -1); output 2^-20 -> (2^30, -19).
   * 10 + 8: MBQM (10 << 20, 2^30, 0) = 5242880, MBQM (8 << 20, 2^30, -1) = 2097152,
   *   sum 7340032, MBQM (sum, 2^30, -19) = 3670016 / 2^19 = 7  (5.0 + 2.0)
   * 3 + 1: 1572864 + 262144 = 1835008 -> 917504 / 2^19 = 1.75 -> 2
   * -3 + -1: -1835008 -> SRDHM = -917504 -> RDBPOT (-917504, 19) = -1.75 -> -2
   * 1 + 0: 524288 -> 262144 / 2^19 = 0.5 -> 1 (ties away from zero)
   * -1 + 0: SRDHM (-1 << 20, 2^30) = -524288, SRDHM (-524288, 2^30) = -262144,
   *   RDBPOT: remainder 262144 is not above the threshold 262144 -> -1
   * 127 + 127: 63.5 + 31.75 = 95.25 -> 95 */
  gint8 a[6] = { 10, 3, -3, 1, -1, 127 };
  gint8 b[6] = { 8, 1, -1, 0, 0, 127 };
  gint8 expected[6] = { 7, 2, -2, 1, -1, 95 };
  g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_NONE,
                                           OPERAND_INT8 (1, 0.5f, 0, 6), OPERAND_INT8 (1, 0.25f, 0, 6),
                                           OPERAND_INT8 (1, 1.0f, 0, 6), a, b);
  assert_int8_equal (out, expected, 6);
}

static void
test_add_int8_zero_points_and_clamp (void)
{
  {
    /* zp0 10, zp1 -20, zp_out 5: (20 - 10) * 0.5 + (0 + 20) * 0.25 = 10 -> 15;
     * 117 * 0.5 + 147 * 0.25 = 95.25 -> 95 + 5 = 100; -138 * 0.5 + -108 * 0.25 = -96
     * -> -91 */
    gint8 a[3] = { 20, 127, -128 }, b[3] = { 0, 127, -128 }, expected[3] = { 15, 100, -91 };
    g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_NONE,
                                             OPERAND_INT8 (1, 0.5f, 10, 3), OPERAND_INT8 (1, 0.25f, -20, 3),
                                             OPERAND_INT8 (1, 1.0f, 5, 3), a, b);
    assert_int8_equal (out, expected, 3);
  }
  {
    /* s_out 0.5: 95.25 / 0.5 = 190.5 saturates to 127, -96 / 0.5 = -192 to -128 */
    gint8 a[2] = { 127, -128 }, b[2] = { 127, -128 }, expected[2] = { 127, -128 };
    g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_NONE,
                                             OPERAND_INT8 (1, 0.5f, 0, 2), OPERAND_INT8 (1, 0.25f, 0, 2),
                                             OPERAND_INT8 (1, 0.5f, 0, 2), a, b);
    assert_int8_equal (out, expected, 2);
  }
  {
    /* Fused activations with zp_out 5, s_out 1: RELU clamps below at 5 + 0, RELU6 to
     * [5, 11], RELU_N1_TO_1 to [4, 6]. Sums: -5, 10, 0, 0.5 (-> 1). */
    gint8 a[4] = { -10, 20, 0, 1 }, b[4] = { 0, 0, 0, 0 };
    gint8 relu[4] = { 5, 15, 5, 6 }, relu6[4] = { 5, 11, 5, 6 }, relu1[4] = { 4, 6, 5, 6 };
    g_autofree gint8 *out_relu = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_RELU,
                                                  OPERAND_INT8 (1, 0.5f, 0, 4), OPERAND_INT8 (1, 0.25f, 0, 4),
                                                  OPERAND_INT8 (1, 1.0f, 5, 4), a, b);
    g_autofree gint8 *out_relu6 = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_RELU6,
                                                   OPERAND_INT8 (1, 0.5f, 0, 4), OPERAND_INT8 (1, 0.25f, 0, 4),
                                                   OPERAND_INT8 (1, 1.0f, 5, 4), a, b);
    g_autofree gint8 *out_relu1 = run_binary_int8 (BITLENS_OP_ADD, BITLENS_ACTIVATION_RELU_N1_TO_1,
                                                   OPERAND_INT8 (1, 0.5f, 0, 4), OPERAND_INT8 (1, 0.25f, 0, 4),
                                                   OPERAND_INT8 (1, 1.0f, 5, 4), a, b);
    assert_int8_equal (out_relu, relu, 4);
    assert_int8_equal (out_relu6, relu6, 4);
    assert_int8_equal (out_relu1, relu1, 4);
  }
}

static float *
run_binary_float (BitlensOpKind     kind,
                  BitlensActivation activation,
                  Operand           input0,
                  Operand           input1,
                  Operand           output,
                  const float      *data0,
                  const float      *data1)
{
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options = options_with_activation (activation);
  Operand inputs[2] = { input0, input1 };
  g_autoptr(BitlensModel) model = one_op_model (kind, 2, inputs, &output, &options, &error);
  const void *data[2] = { data0, data1 };

  g_assert_no_error (error);
  return run_model (model, data);
}

static void
test_add_float (void)
{
  {
    /* exactly representable sums; +-FLT_MAX overflow to inf, which TFLite's
     * activation range [lowest, max] clamps back to +-FLT_MAX */
    float a[5] = { 1.5f, -2.25f, 3.0f, FLT_MAX, -FLT_MAX };
    float b[5] = { 0.25f, 0.25f, -0.5f, FLT_MAX, -FLT_MAX };
    float expected[5] = { 1.75f, -2.0f, 2.5f, FLT_MAX, -FLT_MAX };
    g_autofree float *out = run_binary_float (BITLENS_OP_ADD, BITLENS_ACTIVATION_NONE,
                                              OPERAND_FLOAT (1, 5), OPERAND_FLOAT (1, 5),
                                              OPERAND_FLOAT (1, 5), a, b);
    assert_float_bits_equal (out, expected, 5);
  }
  {
    float a[4] = { 5.0f, -1.0f, 0.5f, NAN }, b[4] = { 2.0f, 0.0f, 0.0f, 1.0f };
    float expected[4] = { 6.0f, 0.0f, 0.5f, NAN };
    g_autofree float *out = run_binary_float (BITLENS_OP_ADD, BITLENS_ACTIVATION_RELU6,
                                              OPERAND_FLOAT (1, 4), OPERAND_FLOAT (1, 4),
                                              OPERAND_FLOAT (1, 4), a, b);
    assert_float_bits_equal (out, expected, 3);
    g_assert_true (isnan (out[3]));
  }
}

/* The HBDS / FloppyNet pattern: a float [1,H,W,C] tensor times, then plus, a constant
 * per-channel vector [C]. */
static void
test_float_per_channel_constants (void)
{
  static const float scale[3] = { 2.0f, -0.5f, 0.25f };
  static const float offset[3] = { 1.0f, 0.0f, -1.0f };
  float x[12] = { 1, 2, 3,  -1, -2, -3,  4, 8, 16,  0.5f, 0.5f, 0.5f };
  float product[12] = { 2, -1, 0.75f,  -2, 1, -0.75f,  8, -4, 4,  1, -0.25f, 0.125f };
  float sum[12] = { 3, -1, -0.25f,  -1, 1, -1.75f,  9, -4, 3,  2, -0.25f, -0.875f };
  g_autoptr(GError) error = NULL;
  Operand mul_inputs[2] = { OPERAND_FLOAT (4, 1, 2, 2, 3), OPERAND_FLOAT (1, 3) };
  Operand add_inputs[2] = { OPERAND_FLOAT (4, 1, 2, 2, 3), OPERAND_FLOAT (1, 3) };
  Operand output = OPERAND_FLOAT (4, 1, 2, 2, 3);
  g_autoptr(BitlensModel) mul_model = NULL;
  g_autoptr(BitlensModel) add_model = NULL;
  g_autofree float *mul_out = NULL;
  g_autofree float *add_out = NULL;
  const void *mul_data[1] = { x };
  const void *add_data[1] = { product };

  mul_inputs[1].constant = scale;
  add_inputs[1].constant = offset;
  mul_model = one_op_model (BITLENS_OP_MUL, 2, mul_inputs, &output, NULL, &error);
  g_assert_no_error (error);
  add_model = one_op_model (BITLENS_OP_ADD, 2, add_inputs, &output, NULL, &error);
  g_assert_no_error (error);

  mul_out = run_model (mul_model, mul_data);
  assert_float_bits_equal (mul_out, product, 12);
  add_out = run_model (add_model, add_data);
  assert_float_bits_equal (add_out, sum, 12);
}

static void
test_add_broadcast_both_inputs (void)
{
  /* [1,2,1,3] + [1,1,4,1] -> [1,2,4,3]: out[y][x][c] = a[y][c] + b[x] */
  float a[6] = { 0, 1, 2,  10, 20, 30 };
  float b[4] = { 100, 200, 300, 400 };
  float expected[24];
  g_autofree float *out = NULL;

  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 4; x++)
      for (int c = 0; c < 3; c++)
        expected[(y * 4 + x) * 3 + c] = a[y * 3 + c] + b[x];
  out = run_binary_float (BITLENS_OP_ADD, BITLENS_ACTIVATION_NONE,
                          OPERAND_FLOAT (4, 1, 2, 1, 3), OPERAND_FLOAT (4, 1, 1, 4, 1),
                          OPERAND_FLOAT (4, 1, 2, 4, 3), a, b);
  assert_float_bits_equal (out, expected, 24);
  /* spot checks written out */
  g_assert_cmpfloat (out[0], ==, 100.0f);
  g_assert_cmpfloat (out[23], ==, 430.0f);
  g_assert_cmpfloat (out[1 * 12 + 2 * 3 + 1], ==, 320.0f);
}

/* ---- MUL ---- */

static void
test_mul_int8_hand_worked (void)
{
  {
    /* s0 0.5, s1 0.25, s_out 0.125: multiplier 1.0 -> (2^30, 1).
     * 3 * 5 = 15: SRDHM (15 << 1, 2^30) = 15 (1.5 * 1.25 = 1.875 = 15 * 0.125)
     * -4 * 7 = -28 -> -28;  127 * 127 = 16129 saturates to 127; -128 * 127 to -128 */
    gint8 a[4] = { 3, -4, 127, -128 }, b[4] = { 5, 7, 127, 127 }, expected[4] = { 15, -28, 127, -128 };
    g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_MUL, BITLENS_ACTIVATION_NONE,
                                             OPERAND_INT8 (1, 0.5f, 0, 4), OPERAND_INT8 (1, 0.25f, 0, 4),
                                             OPERAND_INT8 (1, 0.125f, 0, 4), a, b);
    assert_int8_equal (out, expected, 4);
  }
  {
    /* s_out 0.5: multiplier 0.25 -> (2^30, -1), double rounding.
     * 3 * 5 = 15: SRDHM (15, 2^30) = (15 * 2^30 + 2^30) / 2^31 = 8, RDBPOT (8, 1) = 4  (3.75)
     * 1 * 5 = 5: SRDHM = (5 * 2^30 + 2^30) / 2^31 = 3, RDBPOT (3, 1) = 2  (1.25: a single
     *   rounding would give 1; TFLM's double rounding gives 2)
     * -1 * 5 = -5: SRDHM = (-5 * 2^30 + 1 - 2^30) / 2^31 = -2.99.. -> -2, RDBPOT (-2, 1) = -1 */
    gint8 a[3] = { 3, 1, -1 }, b[3] = { 5, 5, 5 }, expected[3] = { 4, 2, -1 };
    g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_MUL, BITLENS_ACTIVATION_NONE,
                                             OPERAND_INT8 (1, 0.5f, 0, 3), OPERAND_INT8 (1, 0.25f, 0, 3),
                                             OPERAND_INT8 (1, 0.5f, 0, 3), a, b);
    assert_int8_equal (out, expected, 3);
  }
  {
    /* zero points 2, -3, out -10, multiplier 1.0: (5 - 2) * (0 + 3) = 9 -> -1;
     * RELU keeps >= -10: (0 - 2) * (7 + 3) = -20 -> -30 -> -10 */
    gint8 a[2] = { 5, 0 }, b[2] = { 0, 7 }, expected[2] = { -1, -10 };
    g_autofree gint8 *out = run_binary_int8 (BITLENS_OP_MUL, BITLENS_ACTIVATION_RELU,
                                             OPERAND_INT8 (1, 0.5f, 2, 2), OPERAND_INT8 (1, 0.25f, -3, 2),
                                             OPERAND_INT8 (1, 0.125f, -10, 2), a, b);
    assert_int8_equal (out, expected, 2);
  }
}

static void
test_mul_float (void)
{
  float a[5] = { 1.5f, -2.0f, 3.0f, 1e30f, 2.0f }, b[5] = { 4.0f, 0.25f, -1.0f, 1e30f, 3.5f };
  float expected_none[5] = { 6.0f, -0.5f, -3.0f, FLT_MAX, 7.0f };
  float expected_relu1[5] = { 1.0f, -0.5f, -1.0f, 1.0f, 1.0f };
  g_autofree float *none = run_binary_float (BITLENS_OP_MUL, BITLENS_ACTIVATION_NONE,
                                             OPERAND_FLOAT (1, 5), OPERAND_FLOAT (1, 5), OPERAND_FLOAT (1, 5), a, b);
  g_autofree float *relu1 = run_binary_float (BITLENS_OP_MUL, BITLENS_ACTIVATION_RELU_N1_TO_1,
                                              OPERAND_FLOAT (1, 5), OPERAND_FLOAT (1, 5), OPERAND_FLOAT (1, 5), a, b);

  assert_float_bits_equal (none, expected_none, 5);
  assert_float_bits_equal (relu1, expected_relu1, 5);
}

/* ---- random broadcasting cases against a naive implementation ---- */

/* The index of a [N,H,W,C] (rank 4 or fewer, aligned right) operand element for output
 * position (b, y, x, c): axes of size 1 repeat. */
static gsize
naive_broadcast_index (const Operand *operand,
                       const int      position[4])
{
  int shape[4];
  gsize index = 0;

  for (int i = 0; i < 4; i++)
    shape[i] = i < 4 - operand->rank ? 1 : operand->shape[i - (4 - operand->rank)];
  for (int i = 0; i < 4; i++)
    index = index * shape[i] + (shape[i] == 1 ? 0 : position[i]);
  return index;
}

static gint8
naive_add_int8 (gint8 x, gint8 y, const Operand *in0, const Operand *in1, const Operand *out,
                BitlensActivation activation)
{
  /* SEMANTICS.md: left_shift 20, twice_max = 2 max (s1, s2), multipliers s1/twice_max,
   * s2/twice_max, twice_max / (2^20 s_out). */
  double twice_max = 2.0 * (double) MAX (in0->scale, in1->scale);
  gint32 m0, m1, mo;
  int act_min, act_max;
  int e0, e1, eo;

  kt_quantize_multiplier ((double) in0->scale / twice_max, &m0, &e0);
  kt_quantize_multiplier ((double) in1->scale / twice_max, &m1, &e1);
  kt_quantize_multiplier (twice_max / ((double) (1 << 20) * (double) out->scale), &mo, &eo);
  gint32 v0 = kt_mbqm ((x - in0->zero_point) * (1 << 20), m0, e0);
  gint32 v1 = kt_mbqm ((y - in1->zero_point) * (1 << 20), m1, e1);
  gint32 value = kt_mbqm (v0 + v1, mo, eo) + out->zero_point;
  kt_activation_range_int8 (activation, out->scale, out->zero_point, &act_min, &act_max);
  return (gint8) CLAMP (value, act_min, act_max);
}

static gint8
naive_mul_int8 (gint8 x, gint8 y, const Operand *in0, const Operand *in1, const Operand *out,
                BitlensActivation activation)
{
  gint32 m;
  int act_min, act_max;
  int e;

  kt_quantize_multiplier ((double) in0->scale * (double) in1->scale / (double) out->scale, &m, &e);
  gint32 value = kt_mbqm ((x - in0->zero_point) * (y - in1->zero_point), m, e)
                 + out->zero_point;
  kt_activation_range_int8 (activation, out->scale, out->zero_point, &act_min, &act_max);
  return (gint8) CLAMP (value, act_min, act_max);
}

/* Random shapes of rank 1 to 4 that broadcast to a random [N,H,W,C]. */
static void
random_broadcast_operands (GRand   *rand,
                           Operand *in0,
                           Operand *in1,
                           Operand *out)
{
  int full[4] = { g_rand_int_range (rand, 1, 3), g_rand_int_range (rand, 1, 5),
                  g_rand_int_range (rand, 1, 6), g_rand_int_range (rand, 1, 5) };
  Operand *inputs[2] = { in0, in1 };

  *out = (Operand) { .type = BITLENS_TYPE_INT8, .rank = 4 };
  memcpy (out->shape, full, sizeof full);
  for (int k = 0; k < 2; k++)
    {
      Operand *in = inputs[k];
      *in = (Operand) { .type = BITLENS_TYPE_INT8, .rank = g_rand_int_range (rand, 1, 5) };
      for (int i = 0; i < in->rank; i++)
        {
          int axis = 4 - in->rank + i;
          in->shape[i] = g_rand_boolean (rand) ? full[axis] : 1;
        }
    }
  /* the output's axes must come from one of the inputs */
  for (int axis = 0; axis < 4; axis++)
    {
      gboolean covered = FALSE;
      for (int k = 0; k < 2; k++)
        {
          int i = axis - (4 - inputs[k]->rank);
          if (i >= 0 && inputs[k]->shape[i] == full[axis])
            covered = TRUE;
        }
      if (!covered)
        {
          if (axis - (4 - in0->rank) >= 0)
            in0->shape[axis - (4 - in0->rank)] = full[axis];
          else
            out->shape[axis] = 1;
        }
    }
  in0->scale = (float) g_rand_double_range (rand, 0.005, 0.2);
  in1->scale = (float) g_rand_double_range (rand, 0.005, 0.2);
  out->scale = (float) g_rand_double_range (rand, 0.01, 0.3);
  in0->zero_point = g_rand_int_range (rand, -128, 128);
  in1->zero_point = g_rand_int_range (rand, -128, 128);
  out->zero_point = g_rand_int_range (rand, -128, 128);
}

static gsize
operand_elements (const Operand *operand)
{
  gsize n = 1;
  for (int i = 0; i < operand->rank; i++)
    n *= operand->shape[i];
  return n;
}

static void
test_binary_int8_random (gconstpointer data)
{
  BitlensOpKind kind = GPOINTER_TO_INT (data);
  g_autoptr(GRand) rand = g_rand_new_with_seed (kind == BITLENS_OP_ADD ? 20240601 : 20240602);

  for (int trial = 0; trial < 200; trial++)
    {
      Operand in0, in1, out;
      BitlensActivation activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
      g_autofree gint8 *a = NULL;
      g_autofree gint8 *b = NULL;
      g_autofree gint8 *actual = NULL;
      gsize n0, n1;

      random_broadcast_operands (rand, &in0, &in1, &out);
      n0 = operand_elements (&in0);
      n1 = operand_elements (&in1);
      a = g_new (gint8, n0);
      b = g_new (gint8, n1);
      for (gsize i = 0; i < n0; i++)
        a[i] = (gint8) g_rand_int_range (rand, -128, 128);
      for (gsize i = 0; i < n1; i++)
        b[i] = (gint8) g_rand_int_range (rand, -128, 128);

      actual = run_binary_int8 (kind, activation, in0, in1, out, a, b);

      for (int p0 = 0; p0 < out.shape[0]; p0++)
        for (int p1 = 0; p1 < out.shape[1]; p1++)
          for (int p2 = 0; p2 < out.shape[2]; p2++)
            for (int p3 = 0; p3 < out.shape[3]; p3++)
              {
                int position[4] = { p0, p1, p2, p3 };
                gsize index = ((gsize) (p0 * out.shape[1] + p1) * out.shape[2] + p2) * out.shape[3] + p3;
                gint8 x = a[naive_broadcast_index (&in0, position)];
                gint8 y = b[naive_broadcast_index (&in1, position)];
                gint8 expected = kind == BITLENS_OP_ADD
                                 ? naive_add_int8 (x, y, &in0, &in1, &out, activation)
                                 : naive_mul_int8 (x, y, &in0, &in1, &out, activation);

                if (actual[index] != expected)
                  g_error ("trial %d, element %" G_GSIZE_FORMAT ": %d, expected %d", trial, index,
                           actual[index], expected);
              }
    }
}

/* ---- regions ---- */

static void
test_binary_regions (gconstpointer data)
{
  BitlensOpKind kind = GPOINTER_TO_INT (data);
  static const BitlensRegion tiles[] = {
    { 0, 2, 0, 3 }, { 0, 2, 3, 7 }, { 2, 5, 0, 1 }, { 2, 5, 1, 7 },
  };
  g_autoptr(GError) error = NULL;
  Operand inputs[2] = { OPERAND_INT8 (4, 0.05f, 3, 2, 5, 7, 3), OPERAND_INT8 (4, 0.1f, -7, 1, 1, 7, 1) };
  Operand output = OPERAND_INT8 (4, 0.08f, 1, 2, 5, 7, 3);
  g_autoptr(BitlensModel) model = one_op_model (kind, 2, inputs, &output, NULL, &error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint8 a[210], b[7];
  g_autofree gint8 *whole = NULL;
  gint8 *out;
  const void *inputs_data[2] = { a, b };

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (a); i++)
    a[i] = (gint8) g_rand_int_range (rand, -128, 128);
  for (gsize i = 0; i < G_N_ELEMENTS (b); i++)
    b[i] = (gint8) g_rand_int_range (rand, -128, 128);
  whole = run_model (model, inputs_data);

  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  g_assert_no_error (error);
  memcpy (bitlens_interpreter_get_input_data (interpreter, 0), a, sizeof a);
  memcpy (bitlens_interpreter_get_input_data (interpreter, 1), b, sizeof b);
  out = bitlens_interpreter_get_tensor_data (interpreter, bitlens_model_get_output (model, 0));

  /* an empty region writes nothing */
  memset (out, 0x55, 210);
  bitlens_interpreter_run_op (interpreter, 0, &(BitlensRegion) { 3, 3, 0, 7 });
  for (int i = 0; i < 210; i++)
    g_assert_cmpint (out[i], ==, 0x55);

  for (guint t = 0; t < G_N_ELEMENTS (tiles); t++)
    {
      bitlens_interpreter_run_op (interpreter, 0, &tiles[t]);
      /* inside this and earlier tiles: the whole result; elsewhere untouched */
      for (int n = 0; n < 2; n++)
        for (int y = 0; y < 5; y++)
          for (int x = 0; x < 7; x++)
            {
              gboolean done = FALSE;
              for (guint k = 0; k <= t; k++)
                done |= y >= tiles[k].y0 && y < tiles[k].y1 && x >= tiles[k].x0 && x < tiles[k].x1;
              for (int c = 0; c < 3; c++)
                {
                  int i = ((n * 5 + y) * 7 + x) * 3 + c;
                  g_assert_cmpint (out[i], ==, done ? whole[i] : 0x55);
                }
            }
    }
}

static void
test_binary_region_ignored_below_rank_4 (void)
{
  g_autoptr(GError) error = NULL;
  Operand inputs[2] = { OPERAND_FLOAT (2, 2, 3), OPERAND_FLOAT (1, 3) };
  Operand output = OPERAND_FLOAT (2, 2, 3);
  g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_ADD, 2, inputs, &output, NULL, &error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  float a[6] = { 1, 2, 3, 4, 5, 6 }, b[3] = { 10, 20, 30 };
  float expected[6] = { 11, 22, 33, 14, 25, 36 };

  g_assert_no_error (error);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  g_assert_no_error (error);
  memcpy (bitlens_interpreter_get_input_data (interpreter, 0), a, sizeof a);
  memcpy (bitlens_interpreter_get_input_data (interpreter, 1), b, sizeof b);
  bitlens_interpreter_run_op (interpreter, 0, &(BitlensRegion) { 0, 0, 0, 0 });
  assert_float_bits_equal (bitlens_interpreter_get_tensor_data (interpreter, bitlens_model_get_output (model, 0)),
                           expected, 6);
}

/* ---- SOFTMAX ---- */

static gint8 *
run_unary_int8 (BitlensOpKind  kind,
                Operand        input,
                Operand        output,
                const gint8   *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = one_op_model (kind, 1, &input, &output, NULL, &error);
  const void *inputs[1] = { data };

  g_assert_no_error (error);
  return run_model (model, inputs);
}

static void
test_softmax_int8_hand_worked (void)
{
  /* s_in = 1/16, beta 1: beta * s * 2^26 = 2^22 -> multiplier 2^30, left shift 23;
   * diff_min = -floor (31 * 2^26 / 2^23) = -248.
   * Row [0, -16]: d = -16 -> SRDHM (-16 << 23, 2^30) = -2^26, Q5.26 -1.0;
   *   exp = 790015308 (test-fixedpoint), exp (0) = INT32_MAX;
   *   Rescale<12>: 524288 + 192875 = 717163 (Q12.19 1.3679);
   *   GetReciprocal: clz 12, 0 bits over the unit, 1569935852; exponent 0 + 23;
   *   max: RDBPOT (SRDHM (1569935852, INT32_MAX) = 1569935851, 23) = 187 -> 59;
   *   other: RDBPOT (SRDHM (1569935852, 790015308) = 577547287, 23) = 69 -> -59.
   * Row [5, 5]: sum 2^20 (clz 11, one bit over), reciprocal INT32_MAX, exponent 24:
   *   RDBPOT (INT32_MAX - 1, 24) = 128 -> 0 for both. */
  gint8 input[4] = { 0, -16, 5, 5 };
  gint8 expected[4] = { 59, -59, 0, 0 };
  g_autofree gint8 *out = run_unary_int8 (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 0.0625f, 0, 2, 2),
                                          OPERAND_INT8 (2, 1.0f / 256, -128, 2, 2), input);
  assert_int8_equal (out, expected, 4);

  {
    /* one class: 1.0 = 256 -> 128, saturates to 127 */
    gint8 single[3] = { -128, 0, 127 }, single_expected[3] = { 127, 127, 127 };
    g_autofree gint8 *single_out = run_unary_int8 (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 0.0625f, 0, 3, 1),
                                                   OPERAND_INT8 (2, 1.0f / 256, -128, 3, 1), single);
    assert_int8_equal (single_out, single_expected, 3);
  }
}

/* Rows [127, 127 - d] for every difference d = 0 .. 255. */
static void
check_softmax_two_class_rows (float scale)
{
  gint8 input[512];
  g_autofree gint8 *out = NULL;
  double input_beta = (double) scale;
  int diff_min = -(int) floor (31.0 * 67108864.0 / ldexp (1.0, (int) floor (log2 (input_beta * 67108864.0)) + 1));

  for (int d = 0; d < 256; d++)
    {
      input[2 * d] = 127;
      input[2 * d + 1] = (gint8) (127 - d);
    }
  out = run_unary_int8 (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, scale, 0, 256, 2),
                        OPERAND_INT8 (2, 1.0f / 256, -128, 256, 2), input);

  for (int d = 0; d < 256; d++)
    {
      int high = out[2 * d] + 128, low = out[2 * d + 1] + 128;
      double p_low = 1.0 / (1.0 + exp (scale * d));
      double p_high = 1.0 - p_low;

      /* monotonic in the difference */
      if (d > 0)
        {
          g_assert_cmpint (out[2 * d], >=, out[2 * (d - 1)]);
          g_assert_cmpint (out[2 * d + 1], <=, out[2 * (d - 1) + 1]);
        }
      /* probabilities in 1/256 that sum to 256 (saturation of 256 to 255 costs one) */
      g_assert_cmpint (high + low, >=, 255);
      g_assert_cmpint (high + low, <=, 257);
      /* within one step of the exact softmax */
      g_assert_cmpfloat (fabs (MIN (p_high * 256, 255) - high), <=, 1.0);
      g_assert_cmpfloat (fabs (p_low * 256 - low), <=, 1.0);
      /* differences below diff_min contribute nothing: exactly -128 */
      if (-d >= diff_min)
        continue;
      g_assert_cmpint (out[2 * d + 1], ==, -128);
      g_assert_cmpint (out[2 * d], ==, 127);
    }
  g_test_message ("scale %g: diff_min %d", (double) scale, diff_min);
}

static void
test_softmax_int8_full_range (void)
{
  check_softmax_two_class_rows (0x1.9a36e6p-7f);   /* person_detect's softmax input */
  check_softmax_two_class_rows (0.0625f);
  check_softmax_two_class_rows (0.1f);              /* diff_min -248 inside the range */
  check_softmax_two_class_rows (0.02f);
  /* s = 0.5: left shift 26, diff_min -31; beyond it d << 26 would overflow int32 */
  check_softmax_two_class_rows (0.5f);

  {
    /* one row holding all 256 values: outputs grow with the input and stay within one
     * step of the exact softmax */
    gint8 input[256];
    g_autofree gint8 *out = NULL;
    double total = 0.0;

    for (int i = 0; i < 256; i++)
      input[i] = (gint8) (i - 128);
    out = run_unary_int8 (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 0.05f, 0, 1, 256),
                          OPERAND_INT8 (2, 1.0f / 256, -128, 1, 256), input);
    for (int i = 1; i < 256; i++)
      g_assert_cmpint (out[i], >=, out[i - 1]);
    for (int i = 0; i < 256; i++)
      total += exp (0.05 * (i - 255));
    for (int i = 0; i < 256; i++)
      {
        double expected = 256.0 * exp (0.05 * (i - 255)) / total;
        g_assert_cmpfloat (fabs (out[i] + 128 - MIN (expected, 255.0)), <=, 1.0);
      }
  }
}

/* The SOFTMAX rows of the TFLM golden file (op 29's output -> op 30's output, both
 * images), through person_detect's own op 30 and input tensor. */
static void
test_softmax_person_detect_golden (void)
{
  g_autofree char *golden_path = test_shared_path ("golden/tflm_person_detect_perop.txt");
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  const BitlensOp *softmax;
  const BitlensTensor *input;
  int rows_checked = 0;
  gint8 row_in[2] = { 0 };
  gboolean have_input = FALSE;

  if (golden_path == NULL || model_path == NULL)
    return;
  g_assert_true (g_file_get_contents (golden_path, &contents, NULL, &error));
  g_assert_no_error (error);
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, 31);
  softmax = bitlens_model_get_op (model, 30);
  g_assert_cmpint (softmax->kind, ==, BITLENS_OP_SOFTMAX);
  input = bitlens_model_get_tensor (model, softmax->inputs[0]);
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_INT8);
  g_assert_cmpint (input->n_elements, ==, 2);
  /* the scale this test's literal twin below uses */
  g_assert_cmpfloat (input->scales[0], ==, 0x1.9a36e6p-7f);
  g_assert_cmpint (input->zero_points[0], ==, -1);

  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      int op, a, b;
      const char *first8 = strstr (lines[i], "first8=");

      if (first8 == NULL || sscanf (lines[i], "op %d", &op) != 1
          || sscanf (first8, "first8=%d %d", &a, &b) != 2)
        continue;
      if (op == 29)
        {
          row_in[0] = (gint8) a;
          row_in[1] = (gint8) b;
          have_input = TRUE;
        }
      else if (op == 30 && have_input)
        {
          const gint8 *out;

          memcpy (bitlens_interpreter_get_tensor_data (interpreter, softmax->inputs[0]), row_in, 2);
          bitlens_interpreter_run_op (interpreter, 30, NULL);
          out = bitlens_interpreter_get_tensor_data (interpreter, softmax->outputs[0]);
          g_test_message ("[%d, %d] -> [%d, %d], TFLM [%d, %d]", row_in[0], row_in[1], out[0], out[1], a, b);
          g_assert_cmpint (out[0], ==, a);
          g_assert_cmpint (out[1], ==, b);
          rows_checked++;
          have_input = FALSE;
        }
    }
  /* person.bmp and no_person.bmp */
  g_assert_cmpint (rows_checked, ==, 2);
}

static void
test_softmax_person_detect_rows_literal (void)
{
  /* The same rows with person_detect's softmax input quantization written out. */
  gint8 input[4] = { -112, 110, 38, -39 };
  gint8 expected[4] = { -113, 113, 57, -57 };
  g_autofree gint8 *out = run_unary_int8 (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 0x1.9a36e6p-7f, -1, 2, 2),
                                          OPERAND_INT8 (2, 1.0f / 256, -128, 2, 2), input);
  assert_int8_equal (out, expected, 4);
}

static float *
run_softmax_float (const float *input,
                   int          rows,
                   int          depth,
                   float        beta)
{
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  Operand in = OPERAND_FLOAT (2, rows, depth), out = OPERAND_FLOAT (2, rows, depth);
  g_autoptr(BitlensModel) model = NULL;
  const void *inputs[1] = { input };

  bitlens_op_options_init (&options);
  options.beta = beta;
  model = one_op_model (BITLENS_OP_SOFTMAX, 1, &in, &out, &options, &error);
  g_assert_no_error (error);
  return run_model (model, inputs);
}

static void
test_softmax_float (void)
{
  {
    /* exact cases: equal inputs share evenly; exp (-200) underflows to 0 */
    float input[10] = { 0, 0,  3, 3, 3, 3,  0, -200,  7, 7 };
    float expected[10] = { 0.5f, 0.5f,  0.25f, 0.25f, 0.25f, 0.25f,  1, 0,  0.5f, 0.5f };
    g_autofree float *out = NULL;

    out = run_softmax_float (input, 1, 2, 1.0f);
    assert_float_bits_equal (out, expected, 2);
    g_clear_pointer (&out, g_free);
    out = run_softmax_float (input + 2, 1, 4, 1.0f);
    assert_float_bits_equal (out, expected + 2, 4);
    g_clear_pointer (&out, g_free);
    out = run_softmax_float (input + 6, 2, 2, 1.0f);
    assert_float_bits_equal (out, expected + 6, 4);
  }
  {
    /* beta 0: uniform whatever the inputs */
    float input[3] = { -5, 0, 12 }, expected[3] = { 1.0f / 3, 1.0f / 3, 1.0f / 3 };
    g_autofree float *out = run_softmax_float (input, 1, 3, 0.0f);
    assert_float_bits_equal (out, expected, 3);
  }
  {
    /* random rows against double precision. TFLM forms the argument (x - max) * beta in
     * float; from there on the float result is a few roundings from the exact one. */
    g_autoptr(GRand) rand = g_rand_new_with_seed (99);
    float input[64 * 10];
    g_autofree float *out = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS (input); i++)
      input[i] = (float) g_rand_double_range (rand, -8, 8);
    out = run_softmax_float (input, 64, 10, 0.7f);
    for (int r = 0; r < 64; r++)
      {
        float max = -FLT_MAX;
        double exps[10], sum = 0, total = 0;

        for (int c = 0; c < 10; c++)
          max = MAX (max, input[r * 10 + c]);
        for (int c = 0; c < 10; c++)
          {
            float argument = (input[r * 10 + c] - max) * 0.7f;
            exps[c] = exp ((double) argument);
            sum += exps[c];
          }
        for (int c = 0; c < 10; c++)
          {
            double expected = exps[c] / sum;
            g_assert_cmpfloat (fabs (out[r * 10 + c] - expected), <=, 1e-6 * expected);
            total += out[r * 10 + c];
          }
        g_assert_cmpfloat (fabs (total - 1.0), <, 2e-6);
      }
  }
}

/* vww_96_float (MLPerf Tiny) is float throughout and ends in SOFTMAX. */
static void
test_softmax_vww_96_float_runs (void)
{
  g_autofree char *path = test_shared_path ("models/mlperf_tiny/vww_96_float.tflite");
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  const BitlensTensor *input;
  const float *out;
  float *in;

  if (path == NULL)
    return;
  model = bitlens_model_new_from_file (path, &error);
  g_assert_no_error (error);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  in = bitlens_interpreter_get_input_data (interpreter, 0);
  for (gsize i = 0; i < input->n_elements; i++)
    in[i] = (float) ((i * 37) % 256) / 255.0f;
  bitlens_interpreter_invoke (interpreter);
  out = bitlens_interpreter_get_output_data (interpreter, 0);
  g_test_message ("vww_96_float: [%.9g, %.9g]", (double) out[0], (double) out[1]);
  g_assert_cmpfloat (out[0], >=, 0.0f);
  g_assert_cmpfloat (out[1], >=, 0.0f);
  g_assert_cmpfloat (fabs (out[0] + out[1] - 1.0), <, 1e-6);
}

/* ---- LOGISTIC ---- */

static void
test_logistic_int8_hand_worked (void)
{
  /* s_in = 1/16: s * 2^27 = 2^23, frexp -> 0.5, shift 24, multiplier 2^30;
   * radius = floor (15 * 2^27 / 2^24) = 120.
   * 16 (1.0): MBQM (16, 2^30, 24) = SRDHM (2^28, 2^30) = 2^27 = Q4.27 1.0;
   *   logistic = 1569936226 (test-fixedpoint); RDBPOT (., 23) = 187 -> 59
   * -16: INT32_MAX - 1569936226 = 577547421 -> 69 -> -59;  0: 2^30 -> 128 -> 0
   * 120 >= radius -> 127; -120 <= -radius -> -128;
   * 119 (7.44): 0.99941 * 256 = 255.85 -> 256 -> 128, saturates to 127;
   * -119: 0.15 -> 0 -> -128 */
  gint8 input[7] = { 16, -16, 0, 120, -120, 119, -119 };
  gint8 expected[7] = { 59, -59, 0, 127, -128, 127, -128 };
  g_autofree gint8 *out = run_unary_int8 (BITLENS_OP_LOGISTIC, OPERAND_INT8 (1, 0.0625f, 0, 7),
                                          OPERAND_INT8 (1, 1.0f / 256, -128, 7), input);
  assert_int8_equal (out, expected, 7);

  {
    /* the input zero point shifts the curve: zp 10, q 26 is 1.0 */
    gint8 shifted[2] = { 26, 10 }, shifted_expected[2] = { 59, 0 };
    g_autofree gint8 *shifted_out = run_unary_int8 (BITLENS_OP_LOGISTIC, OPERAND_INT8 (1, 0.0625f, 10, 2),
                                                    OPERAND_INT8 (1, 1.0f / 256, -128, 2), shifted);
    assert_int8_equal (shifted_out, shifted_expected, 2);
  }
}

static void
test_logistic_int8_sweep (void)
{
  static const float scales[] = { 0.0625f, 0.1f, 0.02f, 0.5f, 0.003f };
  static const int zero_points[] = { 0, -128, 37 };
  gint8 input[256];

  for (int i = 0; i < 256; i++)
    input[i] = (gint8) (i - 128);
  for (guint s = 0; s < G_N_ELEMENTS (scales); s++)
    for (guint z = 0; z < G_N_ELEMENTS (zero_points); z++)
      {
        g_autofree gint8 *out = run_unary_int8 (BITLENS_OP_LOGISTIC, OPERAND_INT8 (1, scales[s], zero_points[z], 256),
                                                OPERAND_INT8 (1, 1.0f / 256, -128, 256), input);
        for (int i = 0; i < 256; i++)
          {
            double x = (double) scales[s] * (input[i] - zero_points[z]);
            double expected = CLAMP (round (256.0 / (1.0 + exp (-x))) - 128, -128, 127);

            g_assert_cmpfloat (fabs (out[i] - expected), <=, 1.0);
            if (i > 0)
              g_assert_cmpint (out[i], >=, out[i - 1]);
          }
      }
}

static void
test_logistic_float (void)
{
  float input[7] = { 0.0f, 17.0f, 16.619047164916992188f, 100.0f, -10.0f, -9.0f, 2.0f };
  g_autoptr(GError) error = NULL;
  Operand in = OPERAND_FLOAT (1, 7), out_operand = OPERAND_FLOAT (1, 7);
  g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_LOGISTIC, 1, &in, &out_operand, NULL, &error);
  const void *inputs[1] = { input };
  g_autofree float *out = NULL;

  g_assert_no_error (error);
  out = run_model (model, inputs);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  g_assert_cmpfloat (out[1], ==, 1.0f);                      /* above the cutoff */
  g_assert_cmpfloat (out[3], ==, 1.0f);
  /* at the cutoff itself: 1 / (1 + exp (-16.62)), below 1 by less than a float step */
  g_assert_cmpfloat (fabs (out[2] - 1.0 / (1.0 + exp (-16.619047164916992188))), <=, 6e-8);
  /* below -9 it is exp (x) alone */
  g_assert_cmpfloat (fabs (out[4] - exp (-10.0)) / exp (-10.0), <, 2e-7);
  g_assert_cmpfloat (fabs (out[5] - 1.0 / (1.0 + exp (9.0))) / (1.0 / (1.0 + exp (9.0))), <, 4e-7);
  g_assert_cmpfloat (fabs (out[6] - 1.0 / (1.0 + exp (-2.0))), <, 1.2e-7);
}

/* ---- QUANTIZE and DEQUANTIZE ---- */

static void
test_quantize_float (void)
{
  g_autoptr(GError) error = NULL;
  {
    /* scale 0.5, zp -3: round (x / 0.5) - 3, ties away from zero; NaN gives the zero
     * point, infinities saturate */
    float input[9] = { 1.0f, 0.25f, -0.25f, 0.74f, 100.0f, -100.0f, NAN, INFINITY, -INFINITY };
    gint8 expected[9] = { -1, -2, -4, -2, 127, -128, -3, 127, -128 };
    Operand in = OPERAND_FLOAT (1, 9), out_operand = OPERAND_INT8 (1, 0.5f, -3, 9);
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_QUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree gint8 *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    assert_int8_equal (out, expected, 9);
  }
  {
    /* uint8, scale 1.0f / 255 (0.0039215689, just above 1/255): 0.5 / s = 127.49999 in
     * float -> 127; 1 / s = 254.99998 -> 255; 2 / s saturates; negative -> 0 */
    float input[4] = { 0.5f, 1.0f, 2.0f, -1.0f };
    guint8 expected[4] = { 127, 255, 255, 0 };
    Operand in = OPERAND_FLOAT (1, 4);
    Operand out_operand = { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 4 }, .scale = 1.0f / 255, .zero_point = 0 };
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_QUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree guint8 *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    g_assert_cmpmem (out, 4, expected, 4);
  }
}

static void
test_quantize_int16 (void)
{
  g_autoptr(GError) error = NULL;
  /* float -> int16, scale 0.001, zp 0: 1.5 -> 1500; 40 -> 40000 saturates to 32767;
   * -0.0005 / 0.001 = -0.5 in float -> -1 (ties away) */
  float input[3] = { 1.5f, 40.0f, -0.0005f };
  gint16 expected[3] = { 1500, 32767, -1 };
  Operand in = OPERAND_FLOAT (1, 3);
  Operand out_operand = { .type = BITLENS_TYPE_INT16, .rank = 1, .shape = { 3 }, .scale = 0.001f };
  g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_QUANTIZE, 1, &in, &out_operand, NULL, &error);
  g_autoptr(BitlensModel) back = NULL;
  const void *inputs[1] = { input };
  g_autofree gint16 *out = NULL;
  g_autofree float *restored = NULL;

  g_assert_no_error (error);
  out = run_model (model, inputs);
  g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);

  /* and back: 0.001f * 1500 in float */
  back = one_op_model (BITLENS_OP_DEQUANTIZE, 1, &out_operand, &in, NULL, &error);
  g_assert_no_error (error);
  inputs[0] = expected;
  restored = run_model (back, inputs);
  g_assert_cmpfloat (restored[0], ==, 0.001f * 1500.0f);
  g_assert_cmpfloat (restored[1], ==, 0.001f * 32767.0f);
  g_assert_cmpfloat (restored[2], ==, -0.001f);
}

static void
test_requantize (void)
{
  g_autoptr(GError) error = NULL;
  {
    /* int8 s 0.5 zp 1 -> int8 s 2.0 zp -2: multiplier 0.25 -> (2^30, -1).
     * 11: 10 -> SRDHM (10, 2^30) = 5, RDBPOT (5, 1) = 3 -> 1  (2.5 -> 3, ties away)
     * -4: -5 -> SRDHM = -2, RDBPOT (-2, 1) = -1 -> -3  (-1.25)
     * 127: 126 -> 63 -> 32 (31.5) -> 30 */
    gint8 input[3] = { 11, -4, 127 }, expected[3] = { 1, -3, 30 };
    g_autofree gint8 *out = run_unary_int8 (BITLENS_OP_QUANTIZE, OPERAND_INT8 (1, 0.5f, 1, 3),
                                            OPERAND_INT8 (1, 2.0f, -2, 3), input);
    assert_int8_equal (out, expected, 3);
  }
  {
    /* uint8 zp 128 -> int8 zp 0, same scale: a shift by 128 */
    guint8 input[3] = { 200, 0, 255 };
    gint8 expected[3] = { 72, -128, 127 };
    Operand in = { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 3 }, .scale = 0.1f, .zero_point = 128 };
    Operand out_operand = OPERAND_INT8 (1, 0.1f, 0, 3);
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_QUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree gint8 *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    assert_int8_equal (out, expected, 3);
  }
  {
    /* int8 zp -128 -> uint8 zp 0, same scale */
    gint8 input[3] = { -128, 0, 127 };
    guint8 expected[3] = { 0, 128, 255 };
    Operand in = OPERAND_INT8 (1, 0.1f, -128, 3);
    Operand out_operand = { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 3 }, .scale = 0.1f, .zero_point = 0 };
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_QUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree guint8 *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    g_assert_cmpmem (out, 3, expected, 3);
  }
}

static void
test_dequantize (void)
{
  g_autoptr(GError) error = NULL;
  {
    gint8 input[4] = { -3, 1, -128, 127 };
    float expected[4] = { 0.0f, 2.0f, -62.5f, 65.0f };
    Operand in = OPERAND_INT8 (1, 0.5f, -3, 4), out_operand = OPERAND_FLOAT (1, 4);
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_DEQUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree float *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    assert_float_bits_equal (out, expected, 4);
  }
  {
    /* uint8, scale 0.25, zp 128 */
    guint8 input[3] = { 0, 255, 200 };
    float expected[3] = { -32.0f, 31.75f, 18.0f };
    Operand in = { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 3 }, .scale = 0.25f, .zero_point = 128 };
    Operand out_operand = OPERAND_FLOAT (1, 3);
    g_autoptr(BitlensModel) model = one_op_model (BITLENS_OP_DEQUANTIZE, 1, &in, &out_operand, NULL, &error);
    const void *inputs[1] = { input };
    g_autofree float *out = NULL;

    g_assert_no_error (error);
    out = run_model (model, inputs);
    assert_float_bits_equal (out, expected, 3);
  }
}

/* ---- prepare rejections ---- */

static void
expect_rejection (BitlensModel *model_to_finish,
                  int           n_inputs,
                  const int    *inputs,
                  int           output,
                  BitlensError  code,
                  const char   *fragment)
{
  g_autoptr(BitlensModel) model = model_to_finish;
  g_autoptr(GError) error = NULL;

  g_assert_false (test_model_finish (model, n_inputs, inputs, 1, &output, &error));
  g_assert_error (error, BITLENS_ERROR, (int) code);
  g_assert_true (g_str_has_prefix (error->message, "op 0 ("));
  if (strstr (error->message, fragment) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, fragment);
}

/* A binary op over operands, with hooks for malformed variants. */
static void
expect_binary_rejection (BitlensOpKind      kind,
                         Operand            in0,
                         Operand            in1,
                         Operand            out,
                         BitlensActivation  activation,
                         BitlensError       code,
                         const char        *fragment)
{
  BitlensModel *model = test_model_new ();
  int tensors[2] = { add_operand (model, "a", &in0), add_operand (model, "b", &in1) };
  int output = add_operand (model, "out", &out);
  BitlensOpOptions options = options_with_activation (activation);

  test_model_add_op (model, kind, 2, tensors, 1, &output, &options);
  expect_rejection (model, 2, tensors, output, code, fragment);
}

static void
test_binary_prepare_rejections (gconstpointer data)
{
  BitlensOpKind kind = GPOINTER_TO_INT (data);
  Operand good = OPERAND_INT8 (4, 0.1f, 0, 1, 2, 2, 3);
  Operand bad;

  /* shapes that do not broadcast, and an output of the wrong shape */
  expect_binary_rejection (kind, good, OPERAND_INT8 (4, 0.1f, 0, 1, 2, 2, 4), good,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "do not broadcast");
  expect_binary_rejection (kind, good, OPERAND_INT8 (1, 0.1f, 0, 3), OPERAND_INT8 (4, 0.1f, 0, 1, 2, 3, 3),
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "other than the output");
  expect_binary_rejection (kind, OPERAND_INT8 (4, 0.1f, 0, 1, 2, 1, 3), OPERAND_INT8 (4, 0.1f, 0, 1, 1, 2, 3),
                           OPERAND_INT8 (4, 0.1f, 0, 1, 2, 2, 1),
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "other than the output");
  /* types */
  expect_binary_rejection (kind, good, OPERAND_FLOAT (4, 1, 2, 2, 3), good,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_UNSUPPORTED, "float32");
  bad = good;
  bad.type = BITLENS_TYPE_INT16;
  expect_binary_rejection (kind, bad, bad, bad,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_UNSUPPORTED, "int16");
  /* quantization */
  bad = good;
  bad.scale = 0.0f;
  expect_binary_rejection (kind, good, bad, good,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "scale");
  bad.scale = NAN;
  expect_binary_rejection (kind, bad, good, good,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "scale");
  bad.scale = INFINITY;
  expect_binary_rejection (kind, good, good, bad,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "scale");
  bad = good;
  bad.zero_point = 200;
  expect_binary_rejection (kind, good, bad, good,
                           BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_INVALID, "zero point");
  /* an activation code the schema does not have */
  expect_binary_rejection (kind, good, good, good,
                           (BitlensActivation) 5, BITLENS_ERROR_MODEL_UNSUPPORTED, "activation");
  /* rescaling factors the int8 kernels cannot represent */
  if (kind == BITLENS_OP_ADD)
    expect_binary_rejection (kind, OPERAND_INT8 (1, 1.0f, 0, 3), OPERAND_INT8 (1, 1.0f, 0, 3),
                             OPERAND_INT8 (1, 1e-7f, 0, 3),
                             BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_UNSUPPORTED, "output");
  else
    expect_binary_rejection (kind, OPERAND_INT8 (1, 1e20f, 0, 3), OPERAND_INT8 (1, 1e20f, 0, 3),
                             OPERAND_INT8 (1, 1e-20f, 0, 3),
                             BITLENS_ACTIVATION_NONE, BITLENS_ERROR_MODEL_UNSUPPORTED, "too large");

  {
    /* int8 without quantization parameters */
    BitlensModel *model = test_model_new ();
    int shape[1] = { 3 };
    TestTensorSpec spec = { .type = BITLENS_TYPE_INT8, .rank = 1, .shape = { 3 } };
    int a = test_model_add_tensor (model, "a", &spec);
    int b = test_model_add_activation (model, "b", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int out = test_model_add_activation (model, "out", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int inputs[2] = { a, b };

    test_model_add_op (model, kind, 2, inputs, 1, &out, NULL);
    expect_rejection (model, 2, inputs, out, BITLENS_ERROR_MODEL_UNSUPPORTED, "quantization");
  }
  {
    /* per-channel quantized input */
    BitlensModel *model = test_model_new ();
    int shape[1] = { 2 };
    float scales[2] = { 0.1f, 0.2f };
    gint64 zero_points[2] = { 0, 0 };
    TestTensorSpec spec = { .type = BITLENS_TYPE_INT8, .rank = 1, .shape = { 2 }, .n_scales = 2,
                            .scales = scales, .zero_points = zero_points };
    int a = test_model_add_tensor (model, "a", &spec);
    int b = test_model_add_activation (model, "b", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int out = test_model_add_activation (model, "out", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int inputs[2] = { a, b };

    test_model_add_op (model, kind, 2, inputs, 1, &out, NULL);
    expect_rejection (model, 2, inputs, out, BITLENS_ERROR_MODEL_UNSUPPORTED, "scales");
  }
  {
    /* one input only, an absent input, a constant output */
    int shape[1] = { 3 };
    gint8 constant[3] = { 1, 2, 3 };
    BitlensModel *model = test_model_new ();
    int a = test_model_add_activation (model, "a", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int out = test_model_add_activation (model, "out", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    int absent[2] = { a, -1 };
    TestTensorSpec constant_spec = { .type = BITLENS_TYPE_INT8, .rank = 1, .shape = { 3 }, .n_scales = 1,
                                     .scales = (float[]) { 0.1f }, .zero_points = (gint64[]) { 0 },
                                     .data = constant };

    test_model_add_op (model, kind, 1, &a, 1, &out, NULL);
    expect_rejection (model, 1, &a, out, BITLENS_ERROR_MODEL_INVALID, "inputs");

    model = test_model_new ();
    a = test_model_add_activation (model, "a", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    out = test_model_add_activation (model, "out", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    absent[0] = a;
    test_model_add_op (model, kind, 2, absent, 1, &out, NULL);
    expect_rejection (model, 1, &a, out, BITLENS_ERROR_MODEL_INVALID, "missing");

    model = test_model_new ();
    a = test_model_add_activation (model, "a", BITLENS_TYPE_INT8, 1, shape, 0.1f, 0);
    out = test_model_add_tensor (model, "out", &constant_spec);
    test_model_add_op (model, kind, 2, (int[]) { a, a }, 1, &out, NULL);
    expect_rejection (model, 1, &a, out, BITLENS_ERROR_MODEL_INVALID, "constant");
  }
}

static void
expect_unary_rejection (BitlensOpKind           kind,
                        Operand                 in,
                        Operand                 out,
                        const BitlensOpOptions *options,
                        BitlensError            code,
                        const char             *fragment)
{
  BitlensModel *model = test_model_new ();
  int input = add_operand (model, "in", &in);
  int output = add_operand (model, "out", &out);

  test_model_add_op (model, kind, 1, &input, 1, &output, options);
  expect_rejection (model, 1, &input, output, code, fragment);
}

static void
test_unary_prepare_rejections (void)
{
  Operand in = OPERAND_INT8 (2, 0.1f, 0, 1, 4);
  Operand probabilities = OPERAND_INT8 (2, 1.0f / 256, -128, 1, 4);
  BitlensOpOptions options;

  /* SOFTMAX */
  expect_unary_rejection (BITLENS_OP_SOFTMAX, in, OPERAND_INT8 (2, 1.0f / 255, -128, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "1/256");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, in, OPERAND_INT8 (2, 1.0f / 256, -127, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "-128");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, in, OPERAND_INT8 (2, 1.0f / 256, -128, 1, 5), NULL,
                          BITLENS_ERROR_MODEL_INVALID, "shape");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, in, OPERAND_FLOAT (2, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "float32");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 1e-9f, 0, 1, 4), probabilities, NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "too small");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, OPERAND_INT8 (0, 0.1f, 0, 0), OPERAND_INT8 (0, 1.0f / 256, -128, 0),
                          NULL, BITLENS_ERROR_MODEL_INVALID, "scalar");
  expect_unary_rejection (BITLENS_OP_SOFTMAX, OPERAND_INT8 (2, 0.1f, 0, 1, 5000),
                          OPERAND_INT8 (2, 1.0f / 256, -128, 1, 5000), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "at most");
  bitlens_op_options_init (&options);
  options.beta = NAN;
  expect_unary_rejection (BITLENS_OP_SOFTMAX, OPERAND_FLOAT (2, 1, 4), OPERAND_FLOAT (2, 1, 4), &options,
                          BITLENS_ERROR_MODEL_INVALID, "beta");

  /* LOGISTIC */
  expect_unary_rejection (BITLENS_OP_LOGISTIC, in, OPERAND_INT8 (2, 1.0f / 256, 0, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "-128");
  expect_unary_rejection (BITLENS_OP_LOGISTIC, OPERAND_INT8 (2, 1e-10f, 0, 1, 4), probabilities, NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "too small");
  expect_unary_rejection (BITLENS_OP_LOGISTIC, in, OPERAND_INT8 (2, 1.0f / 256, -128, 1, 3), NULL,
                          BITLENS_ERROR_MODEL_INVALID, "elements");
  expect_unary_rejection (BITLENS_OP_LOGISTIC, OPERAND_FLOAT (2, 1, 4), probabilities, NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "float32");

  /* QUANTIZE */
  expect_unary_rejection (BITLENS_OP_QUANTIZE, OPERAND_FLOAT (2, 1, 4), OPERAND_FLOAT (2, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "float32 to float32");
  expect_unary_rejection (BITLENS_OP_QUANTIZE, OPERAND_FLOAT (2, 1, 4), OPERAND_INT8 (2, 0.0f, 0, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_INVALID, "scale");
  expect_unary_rejection (BITLENS_OP_QUANTIZE, OPERAND_FLOAT (2, 1, 4), OPERAND_INT8 (2, 0.1f, 0, 4, 1), NULL,
                          BITLENS_ERROR_MODEL_INVALID, "shape");
  expect_unary_rejection (BITLENS_OP_QUANTIZE,
                          (Operand) { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 4 }, .scale = 0.1f },
                          (Operand) { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 4 }, .scale = 0.1f },
                          NULL, BITLENS_ERROR_MODEL_UNSUPPORTED, "uint8 to uint8");
  expect_unary_rejection (BITLENS_OP_QUANTIZE, OPERAND_FLOAT (1, 4),
                          (Operand) { .type = BITLENS_TYPE_UINT8, .rank = 1, .shape = { 4 }, .scale = 0.1f,
                                      .zero_point = -1 },
                          NULL, BITLENS_ERROR_MODEL_INVALID, "zero point");

  /* DEQUANTIZE */
  expect_unary_rejection (BITLENS_OP_DEQUANTIZE, in, OPERAND_INT8 (2, 0.1f, 0, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "int8 to int8");
  expect_unary_rejection (BITLENS_OP_DEQUANTIZE, OPERAND_FLOAT (2, 1, 4), OPERAND_FLOAT (2, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_UNSUPPORTED, "float32 to float32");
  expect_unary_rejection (BITLENS_OP_DEQUANTIZE, OPERAND_INT8 (2, -1.0f, 0, 1, 4), OPERAND_FLOAT (2, 1, 4), NULL,
                          BITLENS_ERROR_MODEL_INVALID, "scale");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/add/int8/hand-worked", test_add_int8_hand_worked);
  g_test_add_func ("/add/int8/zero-points-and-clamp", test_add_int8_zero_points_and_clamp);
  g_test_add_data_func ("/add/int8/random-broadcast", GINT_TO_POINTER (BITLENS_OP_ADD), test_binary_int8_random);
  g_test_add_func ("/add/float", test_add_float);
  g_test_add_func ("/add/float/broadcast-both-inputs", test_add_broadcast_both_inputs);
  g_test_add_data_func ("/add/regions", GINT_TO_POINTER (BITLENS_OP_ADD), test_binary_regions);
  g_test_add_func ("/add/region-ignored-below-rank-4", test_binary_region_ignored_below_rank_4);
  g_test_add_data_func ("/add/prepare-rejections", GINT_TO_POINTER (BITLENS_OP_ADD), test_binary_prepare_rejections);
  g_test_add_func ("/mul/int8/hand-worked", test_mul_int8_hand_worked);
  g_test_add_data_func ("/mul/int8/random-broadcast", GINT_TO_POINTER (BITLENS_OP_MUL), test_binary_int8_random);
  g_test_add_func ("/mul/float", test_mul_float);
  g_test_add_func ("/mul/float/per-channel-constants", test_float_per_channel_constants);
  g_test_add_data_func ("/mul/regions", GINT_TO_POINTER (BITLENS_OP_MUL), test_binary_regions);
  g_test_add_data_func ("/mul/prepare-rejections", GINT_TO_POINTER (BITLENS_OP_MUL), test_binary_prepare_rejections);
  g_test_add_func ("/softmax/int8/hand-worked", test_softmax_int8_hand_worked);
  g_test_add_func ("/softmax/int8/full-range", test_softmax_int8_full_range);
  g_test_add_func ("/softmax/int8/person-detect-golden", test_softmax_person_detect_golden);
  g_test_add_func ("/softmax/int8/person-detect-rows", test_softmax_person_detect_rows_literal);
  g_test_add_func ("/softmax/float", test_softmax_float);
  g_test_add_func ("/softmax/float/vww-96-float-runs", test_softmax_vww_96_float_runs);
  g_test_add_func ("/logistic/int8/hand-worked", test_logistic_int8_hand_worked);
  g_test_add_func ("/logistic/int8/sweep", test_logistic_int8_sweep);
  g_test_add_func ("/logistic/float", test_logistic_float);
  g_test_add_func ("/quantize/float", test_quantize_float);
  g_test_add_func ("/quantize/int16", test_quantize_int16);
  g_test_add_func ("/quantize/requantize", test_requantize);
  g_test_add_func ("/dequantize", test_dequantize);
  g_test_add_func ("/elementwise/unary-prepare-rejections", test_unary_prepare_rejections);

  return g_test_run ();
}
