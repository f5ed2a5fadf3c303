/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include "bitlens-model-private.h"
#include "flatbuffer-builder.h"
#include "flatbuffer.h"
#include "flexbuffer-builder.h"
#include "flexbuffer.h"
#include "test-util.h"
#include "tflite-reader.h"
#include "tflite-writer.h"

/* Every model in ../shared/models, per PROVENANCE.md. */
static const char *const all_models[] = {
  "models/tflm/person_detect.tflite",
  "models/mlperf_tiny/vww_96_int8.tflite",
  "models/mlperf_tiny/vww_96_float.tflite",
  "models/lce/hbds/HB1-FN.tflite",
  "models/lce/hbds/HB4-FN.tflite",
  "models/lce/hbds/HB8-FN.tflite",
  "models/lce/hbds/HB12-FN.tflite",
  "models/lce/hbds/HB24-FN.tflite",
  "models/lce/hbds/HB48-FN.tflite",
  "models/lce/floppynet/binaryNet_places365.tflite",
  "models/lce/floppynet/floppyNet_places365.tflite",
  "models/lce/floppynet/shallowNet_places365.tflite",
  "models/lce/xmos/test_bconv2d_bin_0.tflite",
  "models/lce/xmos/test_bconv2d_bin_DI_0.tflite",
  "models/lce/xmos/test_bconv2d_bin_padded_0.tflite",
  "models/lce/xmos/test_bconv2d_int8_0.tflite",
  "models/lce/xmos/test_bconv2d_int8_DIDO_0.tflite",
  "models/lce/xmos/test_bconv2d_int8_activation_0.tflite",
  "models/lce/xmos/test_bconv2d_int8_padded_0.tflite",
};

static GBytes *
load_shared (const char *relative)
{
  g_autofree char *path = test_shared_path (relative);
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize length;

  if (path == NULL)
    return NULL;
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static BitlensModel *
read_bytes (GBytes  *bytes,
            GError **error)
{
  g_autoptr(BitlensModel) model = bitlens_model_alloc ();

  if (!bitlens_tflite_read (model, bytes, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* Reads a shared model that must read; NULL (test skipped) when the models are absent. */
static BitlensModel *
read_shared (const char *relative)
{
  g_autoptr(GBytes) bytes = load_shared (relative);
  g_autoptr(GError) error = NULL;
  BitlensModel *model;

  if (bytes == NULL)
    return NULL;
  model = read_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

static const BitlensTensor *
tensor_of (const BitlensModel *model,
           int                 index)
{
  g_assert_cmpint (index, >=, 0);
  g_assert_cmpint (index, <, (int) model->n_tensors);
  return &model->tensors[index];
}

static void
assert_shape (const BitlensTensor *tensor,
              int                  rank,
              const int           *shape)
{
  g_assert_cmpint (tensor->rank, ==, rank);
  for (int d = 0; d < rank; d++)
    g_assert_cmpint (tensor->shape[d], ==, shape[d]);
}

static guint
count_ops (const BitlensModel *model,
           BitlensOpKind       kind)
{
  guint n = 0;

  for (guint o = 0; o < model->n_ops; o++)
    n += model->ops[o].kind == kind;
  return n;
}

static const BitlensOp *
nth_op_of_kind (const BitlensModel *model,
                BitlensOpKind       kind,
                guint               nth)
{
  for (guint o = 0; o < model->n_ops; o++)
    if (model->ops[o].kind == kind && nth-- == 0)
      return &model->ops[o];
  g_assert_not_reached ();
}

/* Invariants every model read must satisfy, recomputed here from the definitions. */
static void
check_model_invariants (const BitlensModel *model,
                        GBytes             *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_true (model->bytes == bytes);
  g_assert_nonnull (model->description);
  for (guint t = 0; t < model->n_tensors; t++)
    {
      const BitlensTensor *tensor = &model->tensors[t];
      gsize n_elements = 1;

      g_assert_nonnull (tensor->name);
      g_assert_true (bitlens_tensor_type_is_known (tensor->type));
      g_assert_cmpint (tensor->rank, >=, 0);
      g_assert_cmpint (tensor->rank, <=, BITLENS_MAX_RANK);
      for (int d = 0; d < tensor->rank; d++)
        {
          g_assert_cmpint (tensor->shape[d], >=, 0);
          n_elements *= (gsize) tensor->shape[d];
        }
      g_assert_cmpuint (tensor->n_elements, ==, n_elements);
      g_assert_cmpuint (tensor->n_bytes, ==, n_elements * bitlens_tensor_type_size (tensor->type));
      if (tensor->data != NULL)
        {
          /* Aligned to the element size, inside the file or in a block the model owns. */
          g_assert_cmpuint ((guintptr) tensor->data % bitlens_tensor_type_size (tensor->type), ==, 0);
          if (tensor->data >= data && tensor->data < data + size)
            g_assert_cmpuint ((gsize) (tensor->data - data) + tensor->n_bytes, <=, size);
        }
      if (tensor->n_scales > 1)
        g_assert_cmpint (tensor->shape[tensor->quantized_dimension], ==, tensor->n_scales);
    }
  for (guint o = 0; o < model->n_ops; o++)
    {
      const BitlensOp *op = &model->ops[o];

      g_assert_cmpint (op->kind, >, 0);
      g_assert_cmpint (op->kind, <, BITLENS_OP_N_KINDS);
      for (int k = 0; k < op->n_inputs; k++)
        g_assert_true (op->inputs[k] == -1 || (op->inputs[k] >= 0 && op->inputs[k] < (int) model->n_tensors));
      for (int k = 0; k < op->n_outputs; k++)
        {
          g_assert_cmpint (op->outputs[k], >=, 0);
          g_assert_cmpint (op->outputs[k], <, (int) model->n_tensors);
        }
    }
  for (guint i = 0; i < model->n_inputs; i++)
    g_assert_cmpint (model->inputs[i], <, (int) model->n_tensors);
  for (guint i = 0; i < model->n_outputs; i++)
    g_assert_cmpint (model->outputs[i], <, (int) model->n_tensors);
}

static void
test_all_models_read (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_models); i++)
    {
      g_autoptr(GBytes) bytes = load_shared (all_models[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;

      if (bytes == NULL)
        return;
      g_test_message ("%s", all_models[i]);
      model = read_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (model->n_inputs, ==, 1);
      g_assert_cmpuint (model->n_outputs, ==, 1);
      g_assert_cmpuint (model->n_ops, >, 0);
      check_model_invariants (model, bytes);
    }
}

/* SAME: out = ceil(in / s); VALID: out = (in - ((k - 1) * d + 1) + s) / s (SEMANTICS.md). */
static int
expected_output_size (BitlensPadding padding,
                      int            in,
                      int            kernel,
                      int            stride,
                      int            dilation)
{
  if (padding == BITLENS_PADDING_SAME)
    return (in + stride - 1) / stride;
  return (in - ((kernel - 1) * dilation + 1) + stride) / stride;
}

static void
test_person_detect (void)
{
  g_autoptr(BitlensModel) model = read_shared ("models/tflm/person_detect.tflite");
  const BitlensTensor *input, *output, *filter;
  const BitlensOp *first, *pool;

  if (model == NULL)
    return;

  g_assert_cmpstr (model->description, ==, "TOCO Converted.");
  g_assert_cmpuint (model->n_ops, ==, 31);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_DEPTHWISE_CONV_2D), ==, 14);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_CONV_2D), ==, 14);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_AVERAGE_POOL_2D), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_RESHAPE), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_SOFTMAX), ==, 1);
  g_assert_cmpint (model->ops[30].kind, ==, BITLENS_OP_SOFTMAX);
  g_assert_cmpfloat (model->ops[30].options.beta, ==, 1.0f);

  input = tensor_of (model, model->inputs[0]);
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_INT8);
  assert_shape (input, 4, (const int[]) { 1, 96, 96, 1 });
  g_assert_cmpint (input->n_scales, ==, 1);
  g_assert_cmpfloat (input->scales[0], ==, (float) (2.0 / 255.0));
  g_assert_cmpint (input->zero_points[0], ==, -1);
  g_assert_null (input->data);

  output = tensor_of (model, model->outputs[0]);
  g_assert_cmpint (output->type, ==, BITLENS_TYPE_INT8);
  assert_shape (output, 2, (const int[]) { 1, 2 });
  g_assert_cmpfloat (output->scales[0], ==, 1.0f / 256.0f);
  g_assert_cmpint (output->zero_points[0], ==, -128);

  /* The first op: DEPTHWISE_CONV_2D, depth_multiplier 8, on the one input channel,
   * per-channel weights [1,3,3,8] along dimension 3, stride 2, SAME, RELU6. */
  first = &model->ops[0];
  g_assert_cmpint (first->kind, ==, BITLENS_OP_DEPTHWISE_CONV_2D);
  g_assert_cmpint (first->n_inputs, ==, 3);
  g_assert_cmpint (first->inputs[0], ==, model->inputs[0]);
  g_assert_cmpint (first->options.depth_multiplier, ==, 8);
  g_assert_cmpint (first->options.stride_w, ==, 2);
  g_assert_cmpint (first->options.stride_h, ==, 2);
  g_assert_cmpint (first->options.dilation_w, ==, 1);
  g_assert_cmpint (first->options.padding, ==, BITLENS_PADDING_SAME);
  g_assert_cmpint (first->options.activation, ==, BITLENS_ACTIVATION_RELU6);
  filter = tensor_of (model, first->inputs[1]);
  assert_shape (filter, 4, (const int[]) { 1, 3, 3, 8 });
  g_assert_nonnull (filter->data);
  g_assert_cmpint (filter->n_scales, ==, 8);
  g_assert_cmpint (filter->quantized_dimension, ==, 3);
  for (int c = 0; c < 8; c++)
    g_assert_cmpint (filter->zero_points[c], ==, 0);
  /* Its bias: int32 [8], per-channel (the file says dimension 3 of a rank-1 tensor). */
  g_assert_cmpint (tensor_of (model, first->inputs[2])->type, ==, BITLENS_TYPE_INT32);
  g_assert_cmpint (tensor_of (model, first->inputs[2])->n_scales, ==, 8);
  g_assert_cmpint (tensor_of (model, first->inputs[2])->quantized_dimension, ==, 0);
  assert_shape (tensor_of (model, first->outputs[0]), 4, (const int[]) { 1, 48, 48, 8 });

  pool = nth_op_of_kind (model, BITLENS_OP_AVERAGE_POOL_2D, 0);
  g_assert_cmpint (pool->options.filter_w, ==, 3);
  g_assert_cmpint (pool->options.filter_h, ==, 3);
  g_assert_cmpint (pool->options.padding, ==, BITLENS_PADDING_VALID);

  /* Every convolution's output size follows from its input, filter and options. */
  for (guint o = 0; o < model->n_ops; o++)
    {
      const BitlensOp *op = &model->ops[o];
      const BitlensTensor *in, *weights, *out;

      if (op->kind != BITLENS_OP_CONV_2D && op->kind != BITLENS_OP_DEPTHWISE_CONV_2D)
        continue;
      in = tensor_of (model, op->inputs[0]);
      weights = tensor_of (model, op->inputs[1]);
      out = tensor_of (model, op->outputs[0]);
      g_assert_cmpint (out->shape[1], ==, expected_output_size (op->options.padding, in->shape[1], weights->shape[1],
                                                                op->options.stride_h, op->options.dilation_h));
      g_assert_cmpint (out->shape[2], ==, expected_output_size (op->options.padding, in->shape[2], weights->shape[2],
                                                                op->options.stride_w, op->options.dilation_w));
      if (op->kind == BITLENS_OP_DEPTHWISE_CONV_2D)
        g_assert_cmpint (in->shape[3] * op->options.depth_multiplier, ==, out->shape[3]);
    }
}

static void
test_vww (void)
{
  g_autoptr(BitlensModel) model = read_shared ("models/mlperf_tiny/vww_96_int8.tflite");
  g_autoptr(BitlensModel) float_model = NULL;
  const BitlensTensor *input, *output;

  if (model == NULL)
    return;

  /* operator_codes also lists QUANTIZE and DEQUANTIZE, which no op uses. */
  g_assert_cmpuint (model->n_ops, ==, 31);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_CONV_2D), ==, 14);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_DEPTHWISE_CONV_2D), ==, 13);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_AVERAGE_POOL_2D), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_RESHAPE), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_FULLY_CONNECTED), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_SOFTMAX), ==, 1);
  g_assert_cmpuint (count_ops (model, BITLENS_OP_QUANTIZE), ==, 0);

  input = tensor_of (model, model->inputs[0]);
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_INT8);
  assert_shape (input, 4, (const int[]) { 1, 96, 96, 3 });
  g_assert_cmpfloat (input->scales[0], ==, (float) (1.0 / 255.0));
  g_assert_cmpint (input->zero_points[0], ==, -128);
  output = tensor_of (model, model->outputs[0]);
  assert_shape (output, 2, (const int[]) { 1, 2 });
  g_assert_cmpfloat (output->scales[0], ==, 1.0f / 256.0f);
  g_assert_cmpint (output->zero_points[0], ==, -128);

  float_model = read_shared ("models/mlperf_tiny/vww_96_float.tflite");
  g_assert_cmpuint (float_model->n_ops, ==, 31);
  input = tensor_of (float_model, float_model->inputs[0]);
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_FLOAT32);
  assert_shape (input, 4, (const int[]) { 1, 96, 96, 3 });
  g_assert_cmpint (input->n_scales, ==, 0);
  for (guint o = 0; o < model->n_ops; o++)
    g_assert_cmpint (float_model->ops[o].kind, ==, model->ops[o].kind);
}

/* An LceBconv2d's options agree with its tensors: the packed input holds
 * ceil(channels_in / 32) words (times the groups), and the output size follows from
 * padding, strides and dilations. */
static void
check_bconv_consistency (const BitlensModel *model,
                         const BitlensOp    *op)
{
  const BitlensTensor *input = tensor_of (model, op->inputs[0]);
  const BitlensTensor *filter = tensor_of (model, op->inputs[1]);
  const BitlensTensor *output = tensor_of (model, op->outputs[0]);
  int words = (op->options.channels_in + 31) / 32;

  g_assert_cmpint (op->n_inputs, ==, 5);
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_INT32);
  g_assert_cmpint (input->shape[3], ==, words);
  g_assert_cmpint (filter->type, ==, BITLENS_TYPE_INT32);
  g_assert_cmpint (words % filter->shape[3], ==, 0);
  g_assert_cmpint (output->shape[1], ==, expected_output_size (op->options.padding, input->shape[1], filter->shape[1],
                                                               op->options.stride_h, op->options.dilation_h));
  g_assert_cmpint (output->shape[2], ==, expected_output_size (op->options.padding, input->shape[2], filter->shape[2],
                                                               op->options.stride_w, op->options.dilation_w));
}

static void
test_hbds (void)
{
  static const struct { const char *file; int channels_in; } cases[] = {
    { "models/lce/hbds/HB1-FN.tflite", 3 },
    { "models/lce/hbds/HB4-FN.tflite", 12 },
    { "models/lce/hbds/HB8-FN.tflite", 24 },
    { "models/lce/hbds/HB12-FN.tflite", 36 },
    { "models/lce/hbds/HB24-FN.tflite", 72 },
    { "models/lce/hbds/HB48-FN.tflite", 144 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BitlensModel) model = read_shared (cases[i].file);
      const BitlensOp *bconv;

      if (model == NULL)
        return;
      g_test_message ("%s", cases[i].file);
      g_assert_cmpuint (model->n_ops, ==, 14);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_DEPTHWISE_CONV_2D), ==, 1);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_LCE_QUANTIZE), ==, 3);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_LCE_BCONV2D), ==, 3);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_MAX_POOL_2D), ==, 3);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_MUL), ==, 2);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_ADD), ==, 2);
      assert_shape (tensor_of (model, model->inputs[0]), 4, (const int[]) { 1, 227, 227, 3 });
      g_assert_cmpint (tensor_of (model, model->inputs[0])->type, ==, BITLENS_TYPE_FLOAT32);
      assert_shape (tensor_of (model, model->outputs[0]), 4, (const int[]) { 1, 6, 6, 256 });

      /* First binary conv: channels_in not a multiple of 32, VALID, pad_values 0. */
      bconv = nth_op_of_kind (model, BITLENS_OP_LCE_BCONV2D, 0);
      g_assert_cmpint (bconv->options.channels_in, ==, cases[i].channels_in);
      g_assert_cmpint (bconv->options.padding, ==, BITLENS_PADDING_VALID);
      g_assert_cmpint (bconv->options.pad_values, ==, 0);
      check_bconv_consistency (model, bconv);
      /* Float output: multiplier and bias present, thresholds absent. */
      g_assert_cmpint (bconv->inputs[2], >=, 0);
      g_assert_cmpint (bconv->inputs[3], >=, 0);
      g_assert_cmpint (bconv->inputs[4], ==, -1);
      g_assert_cmpint (tensor_of (model, bconv->outputs[0])->type, ==, BITLENS_TYPE_FLOAT32);

      /* Then 96 and 256 channels (16-bit FlexBuffer values), SAME with pad_values 1. */
      for (guint k = 1; k < 3; k++)
        {
          bconv = nth_op_of_kind (model, BITLENS_OP_LCE_BCONV2D, k);
          g_assert_cmpint (bconv->options.channels_in, ==, k == 1 ? 96 : 256);
          g_assert_cmpint (bconv->options.padding, ==, BITLENS_PADDING_SAME);
          g_assert_cmpint (bconv->options.pad_values, ==, 1);
          g_assert_cmpint (bconv->options.stride_w, ==, 1);
          g_assert_cmpint (bconv->options.dilation_h, ==, 1);
          g_assert_cmpint (bconv->options.activation, ==, BITLENS_ACTIVATION_NONE);
          check_bconv_consistency (model, bconv);
        }
    }
}

static void
test_floppynet (void)
{
  static const struct { const char *file; int pad_values; } cases[] = {
    /* floppyNet: OperatorCode.builtin_code is 0 everywhere, only the deprecated code is set. */
    { "models/lce/floppynet/floppyNet_places365.tflite", 1 },
    /* shallowNet: SAME with pad_values 0 (zero padding). */
    { "models/lce/floppynet/shallowNet_places365.tflite", 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BitlensModel) model = read_shared (cases[i].file);

      if (model == NULL)
        return;
      g_test_message ("%s", cases[i].file);
      g_assert_cmpuint (model->n_ops, ==, 12);
      g_assert_cmpint (model->ops[0].kind, ==, BITLENS_OP_CONV_2D);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_CONV_2D), ==, 1);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_MAX_POOL_2D), ==, 3);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_MUL), ==, 2);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_ADD), ==, 2);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_LCE_QUANTIZE), ==, 2);
      g_assert_cmpuint (count_ops (model, BITLENS_OP_LCE_BCONV2D), ==, 2);
      assert_shape (tensor_of (model, model->inputs[0]), 4, (const int[]) { 1, 227, 227, 3 });
      for (guint k = 0; k < 2; k++)
        {
          const BitlensOp *bconv = nth_op_of_kind (model, BITLENS_OP_LCE_BCONV2D, k);

          g_assert_cmpint (bconv->options.padding, ==, BITLENS_PADDING_SAME);
          g_assert_cmpint (bconv->options.pad_values, ==, cases[i].pad_values);
          g_assert_cmpint (tensor_of (model, bconv->outputs[0])->type, ==, BITLENS_TYPE_FLOAT32);
          check_bconv_consistency (model, bconv);
        }
    }
}

static void
test_xmos (void)
{
  /* Options, corroborated by each file's name (padded = SAME with pad_values 1, DI =
   * deep input, bin = bitpacked output with thresholds) and by check_bconv_consistency. */
  static const struct
  {
    const char       *file;
    BitlensPadding    padding;
    int               pad_values;
    int               stride_w, stride_h;
    int               channels_in;
    BitlensActivation activation;
    gboolean          bitpacked_output;
  } cases[] = {
    { "models/lce/xmos/test_bconv2d_bin_0.tflite", BITLENS_PADDING_VALID, 0, 1, 2, 128, BITLENS_ACTIVATION_NONE, TRUE },
    { "models/lce/xmos/test_bconv2d_bin_DI_0.tflite", BITLENS_PADDING_VALID, 0, 1, 1, 256, BITLENS_ACTIVATION_NONE, TRUE },
    { "models/lce/xmos/test_bconv2d_bin_padded_0.tflite", BITLENS_PADDING_SAME, 1, 2, 2, 32, BITLENS_ACTIVATION_NONE, TRUE },
    { "models/lce/xmos/test_bconv2d_int8_0.tflite", BITLENS_PADDING_VALID, 0, 1, 1, 320, BITLENS_ACTIVATION_RELU, FALSE },
    { "models/lce/xmos/test_bconv2d_int8_DIDO_0.tflite", BITLENS_PADDING_VALID, 0, 2, 2, 256, BITLENS_ACTIVATION_RELU, FALSE },
    { "models/lce/xmos/test_bconv2d_int8_activation_0.tflite", BITLENS_PADDING_VALID, 0, 1, 2, 32, BITLENS_ACTIVATION_RELU, FALSE },
    { "models/lce/xmos/test_bconv2d_int8_padded_0.tflite", BITLENS_PADDING_SAME, 1, 1, 2, 32, BITLENS_ACTIVATION_RELU, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BitlensModel) model = read_shared (cases[i].file);
      const BitlensOp *op;
      const BitlensTensor *output;

      if (model == NULL)
        return;
      g_test_message ("%s", cases[i].file);
      g_assert_cmpuint (model->n_ops, ==, 1);
      op = &model->ops[0];
      g_assert_cmpint (op->kind, ==, BITLENS_OP_LCE_BCONV2D);
      g_assert_cmpint (op->options.padding, ==, cases[i].padding);
      g_assert_cmpint (op->options.pad_values, ==, cases[i].pad_values);
      g_assert_cmpint (op->options.stride_w, ==, cases[i].stride_w);
      g_assert_cmpint (op->options.stride_h, ==, cases[i].stride_h);
      g_assert_cmpint (op->options.dilation_w, ==, 1);
      g_assert_cmpint (op->options.dilation_h, ==, 1);
      g_assert_cmpint (op->options.channels_in, ==, cases[i].channels_in);
      g_assert_cmpint (op->options.activation, ==, cases[i].activation);
      check_bconv_consistency (model, op);

      output = tensor_of (model, op->outputs[0]);
      if (cases[i].bitpacked_output)
        {
          g_assert_cmpint (output->type, ==, BITLENS_TYPE_INT32);
          g_assert_cmpint (op->inputs[2], ==, -1);
          g_assert_cmpint (op->inputs[3], ==, -1);
          g_assert_cmpint (tensor_of (model, op->inputs[4])->type, ==, BITLENS_TYPE_INT32);
        }
      else
        {
          g_assert_cmpint (output->type, ==, BITLENS_TYPE_INT8);
          g_assert_cmpint (output->n_scales, ==, 1);
          g_assert_cmpint (tensor_of (model, op->inputs[2])->type, ==, BITLENS_TYPE_FLOAT32);
          g_assert_cmpint (tensor_of (model, op->inputs[3])->type, ==, BITLENS_TYPE_FLOAT32);
          g_assert_cmpint (op->inputs[4], ==, -1);
        }
    }
}

/* Cost figures, worked by hand from the architectures. */
static void
test_cost (void)
{
  g_autoptr(BitlensModel) person = read_shared ("models/tflm/person_detect.tflite");
  g_autoptr(BitlensModel) binary = NULL;
  g_autoptr(BitlensModel) int8_out = NULL;
  BitlensModelCost cost;

  if (person == NULL)
    return;

  /* MobileNetV1-0.25 on 96x96x1: a 3x3 depthwise (depth multiplier 8, stride 2) to
   * 48x48x8, then 13 depthwise 3x3 + pointwise blocks (channels 8-16, 16-32, 32-32,
   * 32-64, 64-64, 64-128, 5 x 128-128, 128-256, 256-256; strides 2 at blocks 2, 4, 6,
   * 12), average pool and a 1x1 conv to 2 classes. Depthwise: H*W*C*9 MACs, pointwise
   * H*W*Cout*Cin, final 2*256. Parameters: 9*C + C per depthwise, Cin*Cout + Cout per
   * pointwise, 2*256 + 2 final, plus the int32[2] reshape shape. Bytes: int8 weights,
   * int32 biases and shape. */
  bitlens_model_get_cost (person, &cost);
  g_assert_cmpuint (cost.macs, ==, 7157888);
  g_assert_cmpuint (cost.parameters, ==, 210708);
  g_assert_cmpuint (cost.parameter_bytes, ==, 218928);
  g_assert_cmpuint (cost.binary_ops, ==, 0);

  /* test_bconv2d_bin_0: output [1,5,9,1] packed from 32 channels (filter [32,3,3,4]),
   * channels_in 128: 5*9*32 outputs * 3*3*128 = 1658880 binary MACs. Parameters: the
   * filter's 32*3*3*4 words hold 32 weights each (36864), plus 32 thresholds; bytes
   * 4608 + 128. */
  binary = read_shared ("models/lce/xmos/test_bconv2d_bin_0.tflite");
  bitlens_model_get_cost (binary, &cost);
  g_assert_cmpuint (cost.binary_ops, ==, 1658880);
  g_assert_cmpuint (cost.macs, ==, 0);
  g_assert_cmpuint (cost.parameters, ==, 36896);
  g_assert_cmpuint (cost.parameter_bytes, ==, 4736);

  /* test_bconv2d_int8_0: output [1,5,11,4], filter [4,3,1,10], channels_in 320:
   * 5*11*4 * 3*1*320 = 211200. Parameters 120 words * 32 + 4 + 4 floats. */
  int8_out = read_shared ("models/lce/xmos/test_bconv2d_int8_0.tflite");
  bitlens_model_get_cost (int8_out, &cost);
  g_assert_cmpuint (cost.binary_ops, ==, 211200);
  g_assert_cmpuint (cost.parameters, ==, 3848);
  g_assert_cmpuint (cost.parameter_bytes, ==, 512);
}

/* FlexBuffers, encoded by hand from the format description. */

static void
assert_lookup (const FlexbufferMap *map,
               const char          *key,
               gint64               expected)
{
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  gint64 value = 0;

  g_assert_true (flexbuffer_map_lookup_int (map, key, &found, &value, &error));
  g_assert_no_error (error);
  g_assert_true (found);
  g_assert_cmpint (value, ==, expected);
}

static void
assert_absent (const FlexbufferMap *map,
               const char          *key)
{
  g_autoptr(GError) error = NULL;
  gboolean found = TRUE;
  gint64 value = 0;

  g_assert_true (flexbuffer_map_lookup_int (map, key, &found, &value, &error));
  g_assert_no_error (error);
  g_assert_false (found);
}

static void
test_flexbuffer_8bit (void)
{
  /* { bar: 14, foo: 13 }: keys, key vector (width 1), map (width 1), root. */
  static const guint8 bytes[] = {
    'b', 'a', 'r', 0,              /* 0 */
    'f', 'o', 'o', 0,              /* 4 */
    2,                             /* 8: key vector length */
    9, 6,                          /* 9: 9 - 9 = 0 "bar", 10 - 6 = 4 "foo" */
    2, 1,                          /* 11: keys at 11 - 2 = 9, key width 1 */
    2,                             /* 13: map length */
    14, 13,                        /* 14: values */
    1 << 2, 1 << 2,                /* 16: INT, INT */
    4, (9 << 2) | 0, 1,            /* 18: root: 18 - 4 = 14, MAP of width 1, root width 1 */
  };
  g_autoptr(GError) error = NULL;
  FlexbufferMap map;

  g_assert_true (flexbuffer_map_init (&map, bytes, sizeof bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (map.length, ==, 2);
  assert_lookup (&map, "bar", 14);
  assert_lookup (&map, "foo", 13);
  assert_absent (&map, "baz");
  assert_absent (&map, "fo");
  assert_absent (&map, "fooo");
  assert_absent (&map, "");
}

static void
test_flexbuffer_16bit (void)
{
  /* { channels_in: 256, delta: -300, flag: true, padding: 1, wide: 70000 (indirect) },
   * values 16 bits wide, keys 8 bits. */
  static const guint8 bytes[] = {
    'c', 'h', 'a', 'n', 'n', 'e', 'l', 's', '_', 'i', 'n', 0,   /* 0 */
    'd', 'e', 'l', 't', 'a', 0,                                  /* 12 */
    'f', 'l', 'a', 'g', 0,                                       /* 18 */
    'p', 'a', 'd', 'd', 'i', 'n', 'g', 0,                        /* 23 */
    'w', 'i', 'd', 'e', 0,                                       /* 31 */
    0x70, 0x11, 0x01, 0x00,                                      /* 36: 70000, 32 bits */
    5,                                                           /* 40: key vector length */
    41, 30, 25, 21, 14,                                          /* 41: to 0, 12, 18, 23, 31 */
    5, 0,                                                        /* 46: keys at 46 - 5 = 41 */
    1, 0,                                                        /* 48: key width 1 */
    5, 0,                                                        /* 50: map length */
    0x00, 0x01,                                                  /* 52: 256 */
    0xd4, 0xfe,                                                  /* 54: -300 */
    0x01, 0x00,                                                  /* 56: true */
    0x01, 0x00,                                                  /* 58: 1 */
    24, 0,                                                       /* 60: 60 - 24 = 36 */
    (1 << 2) | 1, (1 << 2) | 1, 26 << 2, 1 << 2, (6 << 2) | 2,   /* 62: INT INT BOOL INT INDIRECT_INT(32) */
    67 - 52, (9 << 2) | 1, 1,                                    /* 67: root: MAP, width 2 */
  };
  g_autoptr(GError) error = NULL;
  FlexbufferMap map;

  g_assert_true (flexbuffer_map_init (&map, bytes, sizeof bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (map.value_width, ==, 2);
  assert_lookup (&map, "channels_in", 256);
  assert_lookup (&map, "delta", -300);
  assert_lookup (&map, "flag", 1);
  assert_lookup (&map, "padding", 1);
  assert_lookup (&map, "wide", 70000);
  assert_absent (&map, "channels");
}

static void
assert_flex_error (const guint8 *bytes,
                   gsize         size,
                   const char   *key,
                   const char   *message_part)
{
  g_autoptr(GError) error = NULL;
  FlexbufferMap map;
  gboolean found;
  gint64 value;

  if (flexbuffer_map_init (&map, bytes, size, &error))
    g_assert_false (flexbuffer_map_lookup_int (&map, key, &found, &value, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_flexbuffer_errors (void)
{
  static const guint8 good[] = {
    'b', 'a', 'r', 0, 'f', 'o', 'o', 0, 2, 9, 6, 2, 1, 2, 14, 13, 4, 4, 4, 36, 1,
  };
  guint8 bytes[sizeof good];

  assert_flex_error (good, 2, "bar", "too short");
  /* A root width of 3 bytes. */
  memcpy (bytes, good, sizeof good);
  bytes[20] = 3;
  assert_flex_error (bytes, sizeof bytes, "bar", "byte width");
  /* The root is an INT, not a map. */
  memcpy (bytes, good, sizeof good);
  bytes[19] = 1 << 2;
  assert_flex_error (bytes, sizeof bytes, "bar", "not a map");
  /* The root offset points before the start. */
  memcpy (bytes, good, sizeof good);
  bytes[18] = 200;
  assert_flex_error (bytes, sizeof bytes, "bar", "before the start");
  /* A map of 200 entries cannot fit. */
  memcpy (bytes, good, sizeof good);
  bytes[13] = 200;
  assert_flex_error (bytes, sizeof bytes, "bar", "runs past the end");
  /* Keys and values disagree in number. */
  memcpy (bytes, good, sizeof good);
  bytes[8] = 1;
  assert_flex_error (bytes, sizeof bytes, "bar", "keys");
  /* A key offset pointing before the start. */
  memcpy (bytes, good, sizeof good);
  bytes[9] = 100;
  assert_flex_error (bytes, sizeof bytes, "bar", "before the start");
  /* A FLOAT value. */
  memcpy (bytes, good, sizeof good);
  bytes[16] = 3 << 2;
  assert_flex_error (bytes, sizeof bytes, "bar", "not an integer");
  /* Key 1 moved to byte 9: no NUL from there to the end. Looking up a key equal to
   * those bytes must stop at the end of the buffer. */
  memcpy (bytes, good, sizeof good);
  bytes[10] = 1;
  assert_flex_error (bytes, sizeof bytes, "\x09\x01\x02\x01\x02\x0e\x0d\x04\x04\x04\x24\x01z", "not terminated");
}

static void
test_flexbuffer_builder_round_trip (void)
{
  /* The writer's FlexBuffers builder picks widths by value: every width reads back. */
  static const gint64 values[] = { 0, 1, -1, 127, 128, -129, 32767, 40000, -70000, G_MAXINT32, (gint64) G_MAXINT32 + 5, G_MININT64 };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      const FlexIntEntry entries[] = {
        { "stride_width", 2 }, { "channels_in", values[i] }, { "padding", 1 }, { "a", -3 },
      };
      g_autoptr(GBytes) bytes = flexbuffer_build_int_map (entries, G_N_ELEMENTS (entries));
      g_autoptr(GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (bytes, &size);
      FlexbufferMap map;

      g_assert_true (flexbuffer_map_init (&map, data, size, &error));
      g_assert_no_error (error);
      assert_lookup (&map, "channels_in", values[i]);
      assert_lookup (&map, "stride_width", 2);
      assert_lookup (&map, "padding", 1);
      assert_lookup (&map, "a", -3);
      assert_absent (&map, "b");
    }
}

/* FlatBuffers accessors on hand-made bytes. */
static void
test_flatbuffer_accessors (void)
{
  /* 0: root offset, 4: identifier, 8: vtable, 16: table, 28: string. */
  static const guint8 bytes[] = {
    16, 0, 0, 0, 'T', 'E', 'S', 'T',
    8, 0, 12, 0, 4, 0, 8, 0,          /* vtable: 8 bytes, table 12 bytes, slot 0 at 4, slot 1 at 8 */
    8, 0, 0, 0,                       /* 16: soffset: vtable at 16 - 8 = 8 */
    0xfe, 0xff, 0xff, 0xff,           /* 20: slot 0: int32 -2 */
    4, 0, 0, 0,                       /* 24: slot 1: uoffset to 28 */
    3, 0, 0, 0, 'a', 'b', 'c', 0,     /* 28: string "abc" */
  };
  g_autoptr(GError) error = NULL;
  FlatbufferReader reader;
  FlatbufferTable root;
  FlatbufferVector vector;
  const char *string;
  gsize length;
  gint64 value;
  float number;
  guint8 bad[sizeof bytes];

  flatbuffer_reader_init (&reader, bytes, sizeof bytes);
  g_assert_true (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_no_error (error);
  g_assert_true (flatbuffer_table_get_int (&root, 0, "a", 4, 7, &value, &error));
  g_assert_cmpint (value, ==, -2);
  g_assert_true (flatbuffer_table_get_int (&root, 2, "absent", 4, 7, &value, &error));
  g_assert_cmpint (value, ==, 7);
  g_assert_true (flatbuffer_table_get_float (&root, 5, "absent", 1.5f, &number, &error));
  g_assert_cmpfloat (number, ==, 1.5f);
  g_assert_true (flatbuffer_table_get_string (&root, 1, "b", &string, &length, &error));
  g_assert_cmpstr (string, ==, "abc");
  g_assert_cmpuint (length, ==, 3);
  g_assert_true (flatbuffer_table_get_vector (&root, 1, "b", 1, &vector, &error));
  g_assert_cmpuint (vector.length, ==, 3);
  g_assert_true (flatbuffer_table_get_vector (&root, 3, "absent", 4, &vector, &error));
  g_assert_false (vector.present);
  g_assert_cmpuint (vector.length, ==, 0);
  g_assert_no_error (error);

  /* Wrong identifier. */
  g_assert_false (flatbuffer_reader_get_root (&reader, "TFL3", &root, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_clear_error (&error);

  /* A string without its terminator. */
  memcpy (bad, bytes, sizeof bytes);
  bad[35] = 'd';
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_true (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_false (flatbuffer_table_get_string (&root, 1, "b", &string, &length, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_assert_cmpstr (error->message, ==, "field 'b' string is not terminated");
  g_clear_error (&error);

  /* A string length running past the end. */
  memcpy (bad, bytes, sizeof bytes);
  bad[28] = 200;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_true (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_false (flatbuffer_table_get_vector (&root, 1, "b", 4, &vector, &error));
  g_assert_cmpstr (error->message, ==, "field 'b' vector runs past the end of the file");
  g_clear_error (&error);

  /* A field offset beyond the table's size. */
  memcpy (bad, bytes, sizeof bytes);
  bad[12] = 12;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_true (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_false (flatbuffer_table_get_int (&root, 0, "a", 4, 0, &value, &error));
  g_assert_cmpstr (error->message, ==, "field 'a' lies outside its table");
  g_clear_error (&error);

  /* A misaligned field. */
  memcpy (bad, bytes, sizeof bytes);
  bad[12] = 5;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_true (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_false (flatbuffer_table_get_int (&root, 0, "a", 4, 0, &value, &error));
  g_assert_cmpstr (error->message, ==, "field 'a' is not 4-byte aligned");
  g_clear_error (&error);

  /* A vtable of odd size, and a vtable outside the file. */
  memcpy (bad, bytes, sizeof bytes);
  bad[8] = 7;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_false (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_nonnull (strstr (error->message, "invalid size"));
  g_clear_error (&error);
  memcpy (bad, bytes, sizeof bytes);
  bad[16] = 0x80;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_false (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_nonnull (strstr (error->message, "lies outside the file"));
  g_clear_error (&error);

  /* A root offset past the end. */
  memcpy (bad, bytes, sizeof bytes);
  bad[0] = 40;
  flatbuffer_reader_init (&reader, bad, sizeof bad);
  g_assert_false (flatbuffer_reader_get_root (&reader, "TEST", &root, &error));
  g_assert_nonnull (strstr (error->message, "runs past the end of the file"));
  g_clear_error (&error);
}

static void
test_flatbuffer_work_limit (void)
{
  /* A table whose field is a vector of 3000 int32: a hostile file can make every element
   * of a long vector share one table, so that each re-reads the same long vector. The
   * work budget, (8 * size + 2^20) units with 1 + 3000 per pass, must stop that. */
  const gsize n = 3000, size = 28 + 4 * n;
  g_autofree guint8 *bytes = g_malloc0 (size);
  g_autoptr(GError) error = NULL;
  FlatbufferReader reader;
  FlatbufferTable table;
  FlatbufferVector vector;
  guint64 passes = 0;

  /* 0: root -> 16; 4: id; 8: vtable (6, 8, slot 0 at 4); 16: table; 24: vector. */
  bytes[0] = 16;
  memcpy (bytes + 4, "LOOP", 4);
  bytes[8] = 6;
  bytes[10] = 8;
  bytes[12] = 4;
  bytes[16] = 8;
  bytes[20] = 4;
  bytes[24] = n & 0xff;
  bytes[25] = n >> 8;

  flatbuffer_reader_init (&reader, bytes, size);
  g_assert_true (flatbuffer_reader_get_root (&reader, "LOOP", &table, &error));
  while (flatbuffer_table_get_vector (&table, 0, "shared", 4, &vector, &error))
    {
      g_assert_cmpuint (vector.length, ==, n);
      passes++;
      g_assert_cmpuint (passes, <, 1000000);
    }
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "more work"));
  g_assert_cmpuint (passes, ==, (8 * size + (1 << 20) - 1) / (n + 1));
}

/* Synthetic models built with the FlatBuffers builder, each with one thing wrong. */

typedef struct
{
  guint32      version;
  gint64       builtin_code;           /* -1: field absent */
  gint64       deprecated_code;        /* -1: field absent */
  const char  *custom_code;
  int          n_inputs;
  int          inputs[5];
  int          n_outputs;
  int          outputs[2];
  int          model_input;
  int          model_output;
  guint8       options_type;
  int          n_option_fields;
  struct { int slot, size; guint64 value; } option_fields[8];
  GBytes      *custom_options;
  /* Tensor 1, the constant: */
  int          constant_type;
  int          constant_rank;
  int          constant_shape[8];
  gsize        constant_bytes;
  int          constant_n_scales;
  int          constant_quantized_dimension;
} SyntheticModel;

/* A CONV_2D: tensor 0 input int8 [1,4,4,1], 1 filter int8 [1,1,1,1] constant, 2 output
 * int8 [1,4,4,1]; no bias. */
static SyntheticModel
synthetic_conv (void)
{
  return (SyntheticModel) {
    .version = 3,
    .builtin_code = 3,
    .deprecated_code = 3,
    .n_inputs = 3, .inputs = { 0, 1, -1 },
    .n_outputs = 1, .outputs = { 2 },
    .model_output = 2,
    .options_type = 1,
    .n_option_fields = 3,
    .option_fields = { { 0, 1, 1 }, { 1, 4, 1 }, { 2, 4, 1 } },
    .constant_type = BITLENS_TYPE_INT8,
    .constant_rank = 4, .constant_shape = { 1, 1, 1, 1 },
    .constant_bytes = 1,
    .constant_n_scales = 1,
  };
}

static FbObject *
synthetic_tensor (FbBuilder  *builder,
                  const char *name,
                  int         type,
                  int         rank,
                  const int  *shape,
                  guint32     buffer,
                  int         n_scales,
                  int         quantized_dimension)
{
  FbObject *tensor = fb_table_new (builder);

  fb_table_add_object (tensor, 0, fb_scalar_vector_new (builder, shape, rank, 4, 4));
  fb_table_add_scalar (tensor, 1, 1, (guint64) type);
  fb_table_add_scalar (tensor, 2, 4, buffer);
  fb_table_add_object (tensor, 3, fb_string_new (builder, name));
  if (n_scales > 0)
    {
      FbObject *quantization = fb_table_new (builder);
      g_autofree float *scales = g_new (float, n_scales);
      g_autofree gint64 *zero_points = g_new0 (gint64, n_scales);

      for (int i = 0; i < n_scales; i++)
        scales[i] = 0.5f;
      fb_table_add_object (quantization, 2, fb_scalar_vector_new (builder, scales, n_scales, 4, 4));
      fb_table_add_object (quantization, 3, fb_scalar_vector_new (builder, zero_points, n_scales, 8, 8));
      fb_table_add_scalar (quantization, 6, 4, (guint32) quantized_dimension);
      fb_table_add_object (tensor, 4, quantization);
    }
  return tensor;
}

static GBytes *
synthetic_build (const SyntheticModel *spec)
{
  g_autoptr(FbBuilder) builder = fb_builder_new ();
  FbObject *model = fb_table_new (builder);
  FbObject *codes = fb_object_vector_new (builder);
  FbObject *code = fb_table_new (builder);
  FbObject *subgraphs = fb_object_vector_new (builder);
  FbObject *subgraph = fb_table_new (builder);
  FbObject *tensors = fb_object_vector_new (builder);
  FbObject *operators = fb_object_vector_new (builder);
  FbObject *op = fb_table_new (builder);
  FbObject *buffers = fb_object_vector_new (builder);
  FbObject *constant_buffer = fb_table_new (builder);
  g_autofree guint8 *constant = g_malloc0 (MAX (spec->constant_bytes, 1));
  static const int activation_shape[] = { 1, 4, 4, 1 };

  fb_table_add_scalar (model, 0, 4, spec->version);
  if (spec->deprecated_code >= 0)
    fb_table_add_scalar (code, 0, 1, (guint64) spec->deprecated_code);
  if (spec->builtin_code >= 0)
    fb_table_add_scalar (code, 3, 4, (guint64) spec->builtin_code);
  if (spec->custom_code != NULL)
    fb_table_add_object (code, 1, fb_string_new (builder, spec->custom_code));
  fb_object_vector_append (codes, code);
  fb_table_add_object (model, 1, codes);

  fb_object_vector_append (tensors, synthetic_tensor (builder, "input", BITLENS_TYPE_INT8, 4, activation_shape, 0, 1, 0));
  fb_object_vector_append (tensors, synthetic_tensor (builder, "filter", spec->constant_type, spec->constant_rank,
                                                      spec->constant_shape, 1, spec->constant_n_scales,
                                                      spec->constant_quantized_dimension));
  fb_object_vector_append (tensors, synthetic_tensor (builder, "output", BITLENS_TYPE_INT8, 4, activation_shape, 0, 1, 0));
  fb_table_add_object (subgraph, 0, tensors);
  fb_table_add_object (subgraph, 1, fb_scalar_vector_new (builder, &spec->model_input, 1, 4, 4));
  fb_table_add_object (subgraph, 2, fb_scalar_vector_new (builder, &spec->model_output, 1, 4, 4));

  fb_table_add_scalar (op, 0, 4, 0);
  fb_table_add_object (op, 1, fb_scalar_vector_new (builder, spec->inputs, spec->n_inputs, 4, 4));
  fb_table_add_object (op, 2, fb_scalar_vector_new (builder, spec->outputs, spec->n_outputs, 4, 4));
  if (spec->options_type != 0)
    {
      FbObject *options = fb_table_new (builder);

      for (int i = 0; i < spec->n_option_fields; i++)
        fb_table_add_scalar (options, spec->option_fields[i].slot, spec->option_fields[i].size,
                             spec->option_fields[i].value);
      fb_table_add_scalar (op, 3, 1, spec->options_type);
      fb_table_add_object (op, 4, options);
    }
  if (spec->custom_options != NULL)
    {
      gsize size;
      const void *data = g_bytes_get_data (spec->custom_options, &size);
      fb_table_add_object (op, 5, fb_scalar_vector_new (builder, data, size, 1, 4));
    }
  fb_object_vector_append (operators, op);
  fb_table_add_object (subgraph, 3, operators);
  fb_object_vector_append (subgraphs, subgraph);
  fb_table_add_object (model, 2, subgraphs);
  fb_table_add_object (model, 3, fb_string_new (builder, "synthetic"));

  fb_object_vector_append (buffers, fb_table_new (builder));
  constant[0] = 1;
  fb_table_add_object (constant_buffer, 0, fb_scalar_vector_new (builder, constant, spec->constant_bytes, 1, 16));
  fb_object_vector_append (buffers, constant_buffer);
  fb_table_add_object (model, 4, buffers);

  return fb_builder_finish (builder, model, "TFL3");
}

static void
test_synthetic_valid (void)
{
  SyntheticModel spec = synthetic_conv ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;

  /* builtin_code absent, deprecated code 3: CONV_2D. */
  spec.builtin_code = -1;
  bytes = synthetic_build (&spec);
  model = read_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (model->description, ==, "synthetic");
  g_assert_cmpuint (model->n_ops, ==, 1);
  g_assert_cmpint (model->ops[0].kind, ==, BITLENS_OP_CONV_2D);
  g_assert_cmpint (model->ops[0].n_inputs, ==, 3);
  g_assert_cmpint (model->ops[0].inputs[2], ==, -1);
  g_assert_cmpint (model->ops[0].options.padding, ==, BITLENS_PADDING_VALID);
  /* Dilations absent from the table: the schema's default 1. */
  g_assert_cmpint (model->ops[0].options.dilation_w, ==, 1);
  g_assert_cmpint (model->ops[0].options.dilation_h, ==, 1);
  g_assert_cmpstr (model->tensors[1].name, ==, "filter");
  g_assert_nonnull (model->tensors[1].data);
  g_assert_cmpint (model->tensors[1].data[0], ==, 1);
  g_assert_null (model->tensors[0].data);
  g_assert_cmpfloat (model->tensors[0].scales[0], ==, 0.5f);
  check_model_invariants (model, bytes);
}

static void
test_synthetic_unaligned_constant (void)
{
  SyntheticModel spec = synthetic_conv ();
  g_autofree guint8 *storage = NULL;
  g_autoptr(GBytes) aligned = NULL;
  g_autoptr(GBytes) shifted = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  const gint32 bias_value = 1;
  gsize size;
  const guint8 *data;

  /* An int32 constant whose bytes sit at an odd address: the reader keeps an aligned
   * copy. The whole file is shifted by one byte in memory. */
  spec.constant_type = BITLENS_TYPE_INT32;
  spec.constant_rank = 1;
  spec.constant_shape[0] = 1;
  spec.constant_bytes = 4;
  spec.constant_n_scales = 0;
  aligned = synthetic_build (&spec);
  data = g_bytes_get_data (aligned, &size);
  storage = g_malloc (size + 1);
  memcpy (storage + 1, data, size);
  shifted = g_bytes_new_static (storage + 1, size);

  model = read_bytes (shifted, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model->tensors[1].data);
  g_assert_cmpuint ((guintptr) model->tensors[1].data % 4, ==, 0);
  g_assert_cmpuint (model->owned_blocks->len, ==, 1);
  g_assert_cmpmem (model->tensors[1].data, 4, &bias_value, 4);
}

typedef void (*SyntheticChange) (SyntheticModel *spec);

static void change_tanh (SyntheticModel *spec) { spec->builtin_code = 28; spec->deprecated_code = 28; }
static void change_unknown_builtin (SyntheticModel *spec) { spec->builtin_code = 999; }
static void change_unknown_custom (SyntheticModel *spec) { spec->builtin_code = 32; spec->deprecated_code = 32; spec->custom_code = "Foo\nBar"; }
static void change_options_type (SyntheticModel *spec) { spec->builtin_code = 4; spec->deprecated_code = 4; }
static void change_required_input_absent (SyntheticModel *spec) { spec->inputs[0] = -1; }
static void change_input_out_of_range (SyntheticModel *spec) { spec->inputs[1] = 7; }
static void change_negative_input (SyntheticModel *spec) { spec->inputs[1] = -2; }
static void change_output_constant (SyntheticModel *spec) { spec->outputs[0] = 1; }
static void change_stride_zero (SyntheticModel *spec) { spec->option_fields[1].value = 0; }
static void change_padding_invalid (SyntheticModel *spec) { spec->option_fields[0].value = 2; }
static void
change_tanh_activation (SyntheticModel *spec)
{
  spec->option_fields[3].slot = 3;
  spec->option_fields[3].size = 1;
  spec->option_fields[3].value = 4;
  spec->n_option_fields = 4;
}

static void change_rank_seven (SyntheticModel *spec) { spec->constant_rank = 7; for (int d = 0; d < 7; d++) spec->constant_shape[d] = 1; }
static void change_negative_dimension (SyntheticModel *spec) { spec->constant_shape[2] = -1; }
static void change_buffer_size (SyntheticModel *spec) { spec->constant_bytes = 2; }
static void change_float16 (SyntheticModel *spec) { spec->constant_type = 1; }
static void change_scale_count (SyntheticModel *spec) { spec->constant_n_scales = 2; }
static void change_quantized_dimension (SyntheticModel *spec) { spec->constant_shape[0] = 2; spec->constant_bytes = 2; spec->constant_n_scales = 2; spec->constant_quantized_dimension = 3; }
static void change_version (SyntheticModel *spec) { spec->version = 2; }
static void change_model_output (SyntheticModel *spec) { spec->model_output = 5; }
static void change_model_input_constant (SyntheticModel *spec) { spec->model_input = 1; }
static void change_huge_tensor (SyntheticModel *spec) { spec->constant_shape[0] = 65536; spec->constant_shape[1] = 65536; }

static GBytes *
bconv_options_without (const char *missing_key,
                       gint64      channels_in)
{
  const FlexIntEntry all[] = {
    { "channels_in", channels_in }, { "dilation_height_factor", 1 }, { "dilation_width_factor", 1 },
    { "fused_activation_function", 0 }, { "pad_values", 0 }, { "padding", 1 },
    { "stride_height", 1 }, { "stride_width", 1 },
  };
  FlexIntEntry kept[G_N_ELEMENTS (all)];
  gsize n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    if (missing_key == NULL || strcmp (all[i].key, missing_key) != 0)
      kept[n++] = all[i];
  return flexbuffer_build_int_map (kept, n);
}

static void
make_bconv (SyntheticModel *spec)
{
  spec->builtin_code = 32;
  spec->deprecated_code = 32;
  spec->custom_code = "LceBconv2d";
  spec->options_type = 0;
  spec->n_inputs = 5;
  spec->inputs[2] = spec->inputs[3] = spec->inputs[4] = -1;
}

static void change_bconv_missing_key (SyntheticModel *spec) { make_bconv (spec); spec->custom_options = bconv_options_without ("pad_values", 32); }
static void change_bconv_channels (SyntheticModel *spec) { make_bconv (spec); spec->custom_options = bconv_options_without (NULL, 0); }
static void change_bconv_no_options (SyntheticModel *spec) { make_bconv (spec); }
static void change_bconv_builtin_options (SyntheticModel *spec) { make_bconv (spec); spec->custom_options = bconv_options_without (NULL, 32); spec->options_type = 1; }

static void
test_synthetic_errors (void)
{
  static const struct
  {
    SyntheticChange  change;
    int              code;
    const char      *message;
  } cases[] = {
    { change_tanh, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: op 0: unsupported operator TANH (builtin 28)" },
    { change_unknown_builtin, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: op 0: unsupported operator UNKNOWN (builtin 999)" },
    { change_unknown_custom, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: op 0: unsupported custom operator \"Foo\\nBar\"" },
    { change_options_type, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (DEPTHWISE_CONV_2D): builtin options of type 1, but the operator takes type 2" },
    { change_required_input_absent, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): input 0 is absent (-1), but it is required" },
    { change_input_out_of_range, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): input 1 refers to tensor 7, but the model has 3 tensors" },
    { change_negative_input, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): input 1 refers to tensor -2, but the model has 3 tensors" },
    { change_output_constant, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): output 0 (tensor 1) is a constant tensor" },
    { change_stride_zero, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): option 'stride_w' is 0; it must be between 1 and 2147483647" },
    { change_padding_invalid, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (CONV_2D): option 'padding' is 2; it must be between 0 and 1" },
    { change_tanh_activation, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: op 0 (CONV_2D): fused activation TANH (4) is not supported" },
    { change_rank_seven, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: Tensor 1 (filter): rank 7 exceeds the supported maximum of 6" },
    { change_negative_dimension, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: Tensor 1 (filter): dimension 2 of the shape is negative (-1)" },
    { change_buffer_size, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: Tensor 1 (filter): buffer 1 holds 2 bytes, but int8 [1,1,1,1] needs 1" },
    { change_float16, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: Tensor 1 (filter): tensor type FLOAT16 (1) is not supported" },
    { change_scale_count, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: Tensor 1 (filter): quantization: 2 per-channel scales, but dimension 0 has 1 channels" },
    { change_quantized_dimension, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: Tensor 1 (filter): quantization: 2 per-channel scales, but dimension 3 has 1 channels" },
    { change_version, BITLENS_ERROR_MODEL_UNSUPPORTED, "schema version 2 is not supported (expected 3)" },
    { change_model_output, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: model output 0 refers to tensor 5, but the model has 3 tensors" },
    { change_model_input_constant, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: model input 0 (tensor 1) is a constant tensor" },
    { change_huge_tensor, BITLENS_ERROR_MODEL_UNSUPPORTED, "SubGraph 0: Tensor 1 (filter): int8 [65536,65536,1,1] is larger than the 2147483647 bytes a tensor may hold" },
    { change_bconv_missing_key, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (LceBconv2d): custom option 'pad_values' is missing" },
    { change_bconv_channels, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (LceBconv2d): option 'channels_in' is 0; it must be between 1 and 2147483647" },
    { change_bconv_no_options, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (LceBconv2d): custom options are too short (0 bytes) to hold a FlexBuffer" },
    { change_bconv_builtin_options, BITLENS_ERROR_MODEL_INVALID, "SubGraph 0: op 0 (LceBconv2d): builtin options of type 1, but the operator takes none" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SyntheticModel spec = synthetic_conv ();
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;

      cases[i].change (&spec);
      bytes = synthetic_build (&spec);
      g_clear_pointer (&spec.custom_options, g_bytes_unref);
      model = read_bytes (bytes, &error);
      g_assert_null (model);
      g_assert_error (error, BITLENS_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_synthetic_bconv (void)
{
  SyntheticModel spec = synthetic_conv ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;

  /* channels_in 300 needs 16-bit values. */
  make_bconv (&spec);
  spec.custom_options = bconv_options_without (NULL, 300);
  bytes = synthetic_build (&spec);
  g_clear_pointer (&spec.custom_options, g_bytes_unref);
  model = read_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model->ops[0].kind, ==, BITLENS_OP_LCE_BCONV2D);
  g_assert_cmpint (model->ops[0].options.channels_in, ==, 300);
  g_assert_cmpint (model->ops[0].options.padding, ==, BITLENS_PADDING_VALID);
  g_assert_cmpint (model->ops[0].n_inputs, ==, 5);
}

static void
test_truncated_and_garbage (void)
{
  static const guint8 not_tflite[] = "this is not a model at all";
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) garbage = g_bytes_new_static (not_tflite, sizeof not_tflite);
  g_autoptr(GBytes) bytes = load_shared ("models/tflm/person_detect.tflite");
  g_autoptr(GBytes) truncated = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;

  model = read_bytes (empty, &error);
  g_assert_null (model);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_assert_cmpstr (error->message, ==, "the file is too short (0 bytes) to hold a FlatBuffer");
  g_clear_error (&error);

  model = read_bytes (garbage, &error);
  g_assert_null (model);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_assert_cmpstr (error->message, ==, "the file identifier is not \"TFL3\" (not a TensorFlow Lite model)");
  g_clear_error (&error);

  if (bytes == NULL)
    return;
  /* Cut in half: the first thing read that lies in the lost half is named. */
  truncated = g_bytes_new_from_bytes (bytes, 0, g_bytes_get_size (bytes) / 2);
  model = read_bytes (truncated, &error);
  g_assert_null (model);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==, "Model: 'description' points past the end of the file");
}

static void
test_writer_round_trip (void)
{
  g_autoptr(BitlensTfliteWriter) writer = bitlens_tflite_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  static const int input_shape[] = { 1, 8, 8, 2 }, filter_shape[] = { 4, 3, 3, 1 };
  static const int output_shape[] = { 1, 8, 8, 4 };
  static const gint32 filter_words[36] = { 1, 2, 3 };
  static const float multiplier[4] = { 1, 2, 3, 4 }, bias[4] = { -1, -2, -3, -4 };
  static const int vector_shape[] = { 4 };
  BitlensTfliteTensorSpec spec = { .type = BITLENS_TYPE_INT32, .rank = 4, .shape = input_shape };
  BitlensOpOptions options;
  int tensors[5];

  tensors[0] = bitlens_tflite_writer_add_tensor (writer, "in", &spec);
  spec = (BitlensTfliteTensorSpec) { .type = BITLENS_TYPE_INT32, .rank = 4, .shape = filter_shape,
                                     .data = filter_words, .n_bytes = sizeof filter_words };
  tensors[1] = bitlens_tflite_writer_add_tensor (writer, "filter", &spec);
  spec = (BitlensTfliteTensorSpec) { .type = BITLENS_TYPE_FLOAT32, .rank = 1, .shape = vector_shape,
                                     .data = multiplier, .n_bytes = sizeof multiplier };
  tensors[2] = bitlens_tflite_writer_add_tensor (writer, "multiplier", &spec);
  spec.data = bias;
  tensors[3] = bitlens_tflite_writer_add_tensor (writer, "bias", &spec);
  spec = (BitlensTfliteTensorSpec) { .type = BITLENS_TYPE_FLOAT32, .rank = 4, .shape = output_shape };
  tensors[4] = bitlens_tflite_writer_add_tensor (writer, "out", &spec);

  bitlens_op_options_init (&options);
  options.channels_in = 40;
  options.padding = BITLENS_PADDING_SAME;
  options.pad_values = 1;
  options.stride_w = 1;
  options.stride_h = 1;
  options.dilation_w = 2;
  options.dilation_h = 3;
  options.activation = BITLENS_ACTIVATION_RELU6;
  bitlens_tflite_writer_add_op (writer, BITLENS_OP_LCE_BCONV2D, 5, (const int[]) { tensors[0], tensors[1], tensors[2], tensors[3], -1 },
                                1, &tensors[4], &options);
  bitlens_tflite_writer_set_io (writer, 1, &tensors[0], 1, &tensors[4]);
  bitlens_tflite_writer_set_description (writer, "round trip");
  bytes = bitlens_tflite_writer_finish (writer);

  model = read_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (model->description, ==, "round trip");
  g_assert_cmpint (model->ops[0].kind, ==, BITLENS_OP_LCE_BCONV2D);
  g_assert_cmpint (model->ops[0].options.channels_in, ==, 40);
  g_assert_cmpint (model->ops[0].options.padding, ==, BITLENS_PADDING_SAME);
  g_assert_cmpint (model->ops[0].options.pad_values, ==, 1);
  g_assert_cmpint (model->ops[0].options.dilation_w, ==, 2);
  g_assert_cmpint (model->ops[0].options.dilation_h, ==, 3);
  g_assert_cmpint (model->ops[0].options.activation, ==, BITLENS_ACTIVATION_RELU6);
  g_assert_cmpmem (model->tensors[tensors[1]].data, sizeof filter_words, filter_words, sizeof filter_words);
  g_assert_cmpmem (model->tensors[tensors[3]].data, sizeof bias, bias, sizeof bias);
  g_assert_cmpint (model->ops[0].inputs[4], ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tflite-reader/all-models-read", test_all_models_read);
  g_test_add_func ("/tflite-reader/person-detect", test_person_detect);
  g_test_add_func ("/tflite-reader/vww", test_vww);
  g_test_add_func ("/tflite-reader/hbds", test_hbds);
  g_test_add_func ("/tflite-reader/floppynet", test_floppynet);
  g_test_add_func ("/tflite-reader/xmos", test_xmos);
  g_test_add_func ("/tflite-reader/cost", test_cost);
  g_test_add_func ("/tflite-reader/synthetic-valid", test_synthetic_valid);
  g_test_add_func ("/tflite-reader/synthetic-unaligned-constant", test_synthetic_unaligned_constant);
  g_test_add_func ("/tflite-reader/synthetic-errors", test_synthetic_errors);
  g_test_add_func ("/tflite-reader/synthetic-bconv", test_synthetic_bconv);
  g_test_add_func ("/tflite-reader/truncated-and-garbage", test_truncated_and_garbage);
  g_test_add_func ("/tflite-reader/writer-round-trip", test_writer_round_trip);
  g_test_add_func ("/flexbuffer/8bit", test_flexbuffer_8bit);
  g_test_add_func ("/flexbuffer/16bit", test_flexbuffer_16bit);
  g_test_add_func ("/flexbuffer/errors", test_flexbuffer_errors);
  g_test_add_func ("/flexbuffer/builder-round-trip", test_flexbuffer_builder_round_trip);
  g_test_add_func ("/flatbuffer/accessors", test_flatbuffer_accessors);
  g_test_add_func ("/flatbuffer/work-limit", test_flatbuffer_work_limit);

  return g_test_run ();
}
