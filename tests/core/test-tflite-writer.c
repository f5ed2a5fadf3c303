/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include "tflite-reader.h"
#include "tflite-writer.h"

/* Writes a model holding every op kind the core knows, with options away from their
 * defaults, reads it back with the verifying reader and compares field by field. */

typedef struct
{
  BitlensOpKind    kind;
  BitlensOpOptions options;
} OpCase;

static void
init_case (OpCase *c, BitlensOpKind kind, guint seed)
{
  c->kind = kind;
  bitlens_op_options_init (&c->options);
  c->options.padding = seed % 2 ? BITLENS_PADDING_VALID : BITLENS_PADDING_SAME;
  c->options.activation = (BitlensActivation) (seed % 4);
  c->options.stride_w = 1 + seed % 3;
  c->options.stride_h = 2 + seed % 2;
  c->options.dilation_w = 1 + seed % 2;
  c->options.dilation_h = 3;
  c->options.filter_w = 2 + seed % 3;
  c->options.filter_h = 3;
  c->options.depth_multiplier = 1 + seed % 8;
  c->options.beta = 0.5f + seed;
  c->options.axis = -1 - (int) (seed % 3);
  c->options.keep_dims = seed % 2;
  c->options.keep_num_dims = (seed + 1) % 2;
  c->options.channels_in = 3 + 50 * seed;   /* > 127 for some: 16-bit FlexBuffers values */
  c->options.pad_values = seed % 2;
}

static void
assert_options_equal (BitlensOpKind kind, const BitlensOpOptions *a, const BitlensOpOptions *b)
{
  switch (kind)
    {
    case BITLENS_OP_CONV_2D:
    case BITLENS_OP_DEPTHWISE_CONV_2D:
      g_assert_cmpint (a->padding, ==, b->padding);
      g_assert_cmpint (a->activation, ==, b->activation);
      g_assert_cmpint (a->stride_w, ==, b->stride_w);
      g_assert_cmpint (a->stride_h, ==, b->stride_h);
      g_assert_cmpint (a->dilation_w, ==, b->dilation_w);
      g_assert_cmpint (a->dilation_h, ==, b->dilation_h);
      if (kind == BITLENS_OP_DEPTHWISE_CONV_2D)
        g_assert_cmpint (a->depth_multiplier, ==, b->depth_multiplier);
      break;
    case BITLENS_OP_AVERAGE_POOL_2D:
    case BITLENS_OP_MAX_POOL_2D:
    case BITLENS_OP_LCE_BMAXPOOL2D:
      g_assert_cmpint (a->padding, ==, b->padding);
      g_assert_cmpint (a->stride_w, ==, b->stride_w);
      g_assert_cmpint (a->stride_h, ==, b->stride_h);
      g_assert_cmpint (a->filter_w, ==, b->filter_w);
      g_assert_cmpint (a->filter_h, ==, b->filter_h);
      if (kind != BITLENS_OP_LCE_BMAXPOOL2D)
        g_assert_cmpint (a->activation, ==, b->activation);
      break;
    case BITLENS_OP_FULLY_CONNECTED:
      g_assert_cmpint (a->activation, ==, b->activation);
      g_assert_cmpint (!!a->keep_num_dims, ==, !!b->keep_num_dims);
      break;
    case BITLENS_OP_SOFTMAX:
      g_assert_cmpfloat (a->beta, ==, b->beta);
      break;
    case BITLENS_OP_CONCATENATION:
      g_assert_cmpint (a->axis, ==, b->axis);
      g_assert_cmpint (a->activation, ==, b->activation);
      break;
    case BITLENS_OP_ADD:
    case BITLENS_OP_MUL:
      g_assert_cmpint (a->activation, ==, b->activation);
      break;
    case BITLENS_OP_MEAN:
      g_assert_cmpint (!!a->keep_dims, ==, !!b->keep_dims);
      break;
    case BITLENS_OP_LCE_BCONV2D:
      g_assert_cmpint (a->channels_in, ==, b->channels_in);
      g_assert_cmpint (a->pad_values, ==, b->pad_values);
      g_assert_cmpint (a->padding, ==, b->padding);
      g_assert_cmpint (a->activation, ==, b->activation);
      g_assert_cmpint (a->stride_w, ==, b->stride_w);
      g_assert_cmpint (a->stride_h, ==, b->stride_h);
      g_assert_cmpint (a->dilation_w, ==, b->dilation_w);
      g_assert_cmpint (a->dilation_h, ==, b->dilation_h);
      break;
    default:
      break;
    }
}

static void
test_round_trip (void)
{
  g_autoptr(BitlensTfliteWriter) writer = bitlens_tflite_writer_new ();
  g_autoptr(BitlensModel) model = bitlens_model_alloc ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  OpCase cases[BITLENS_OP_N_KINDS];
  int n_cases = 0;
  const int shape[4] = { 1, 5, 7, 3 };
  const float scales[3] = { 0.5f, 0.25f, 0.125f };
  const gint64 zero_points[3] = { 0, 0, 0 };
  const gint8 weights[6] = { 1, -2, 3, -4, 5, -128 };
  const int weight_shape[2] = { 3, 2 };
  const float tensor_scale = 1.0f / 255;
  const gint64 tensor_zero = -128;
  int activation, constant;

  activation = bitlens_tflite_writer_add_tensor (writer, "activation", &(BitlensTfliteTensorSpec) {
    .type = BITLENS_TYPE_INT8, .rank = 4, .shape = shape,
    .n_scales = 1, .scales = &tensor_scale, .zero_points = &tensor_zero });
  constant = bitlens_tflite_writer_add_tensor (writer, "weights", &(BitlensTfliteTensorSpec) {
    .type = BITLENS_TYPE_INT8, .rank = 2, .shape = weight_shape, .data = weights, .n_bytes = 6,
    .n_scales = 3, .scales = scales, .zero_points = zero_points, .quantized_dimension = 0 });

  for (int kind = 1; kind < BITLENS_OP_N_KINDS; kind++)
    {
      init_case (&cases[n_cases], kind, kind);
      bitlens_tflite_writer_add_op (writer, kind, 2, (int[]) { activation, constant }, 1,
                                    (int[]) { activation }, &cases[n_cases].options);
      n_cases++;
    }
  bitlens_tflite_writer_set_io (writer, 1, &activation, 1, &activation);
  bitlens_tflite_writer_set_description (writer, "round trip");
  bytes = bitlens_tflite_writer_finish (writer);

  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (bytes, NULL) + 4, 4, "TFL3", 4);
  bitlens_tflite_read (model, bytes, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (bitlens_model_get_description (model), ==, "round trip");
  g_assert_cmpuint (bitlens_model_get_n_tensors (model), ==, 2);
  {
    const BitlensTensor *a = bitlens_model_get_tensor (model, activation);
    const BitlensTensor *w = bitlens_model_get_tensor (model, constant);
    g_assert_cmpstr (a->name, ==, "activation");
    g_assert_cmpint (a->type, ==, BITLENS_TYPE_INT8);
    g_assert_cmpint (a->rank, ==, 4);
    g_assert_cmpmem (a->shape, sizeof (int) * 4, shape, sizeof (int) * 4);
    g_assert_null (a->data);
    g_assert_cmpint (a->n_scales, ==, 1);
    g_assert_cmpfloat (a->scales[0], ==, tensor_scale);
    g_assert_cmpint (a->zero_points[0], ==, -128);
    g_assert_cmpint (w->n_scales, ==, 3);
    g_assert_cmpfloat (w->scales[2], ==, 0.125f);
    g_assert_nonnull (w->data);
    g_assert_cmpmem (w->data, 6, weights, 6);
    g_assert_cmpuint (GPOINTER_TO_SIZE (w->data) % 16, ==, 0);
  }

  g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, n_cases);
  for (int i = 0; i < n_cases; i++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, i);
      g_test_message ("op %d %s", i, bitlens_op_kind_name (cases[i].kind));
      g_assert_cmpint (op->kind, ==, cases[i].kind);
      g_assert_cmpint (op->n_inputs, ==, 2);
      g_assert_cmpint (op->inputs[0], ==, activation);
      g_assert_cmpint (op->inputs[1], ==, constant);
      g_assert_cmpint (op->n_outputs, ==, 1);
      assert_options_equal (op->kind, &cases[i].options, &op->options);
    }
  g_assert_cmpuint (bitlens_model_get_n_inputs (model), ==, 1);
  g_assert_cmpint (bitlens_model_get_output (model, 0), ==, activation);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tflite-writer/round-trip", test_round_trip);
  return g_test_run ();
}
