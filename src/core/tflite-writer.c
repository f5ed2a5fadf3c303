/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "flatbuffer-builder.h"
#include "flexbuffer-builder.h"
#include "tflite-writer.h"

/* Builtin operator codes and BuiltinOptions union types (schema.fbs, SEMANTICS.md). */
enum
{
  CODE_ADD = 0, CODE_AVERAGE_POOL_2D = 1, CODE_CONCATENATION = 2, CODE_CONV_2D = 3,
  CODE_DEPTHWISE_CONV_2D = 4, CODE_DEQUANTIZE = 6, CODE_FULLY_CONNECTED = 9,
  CODE_LOGISTIC = 14, CODE_MAX_POOL_2D = 17, CODE_MUL = 18, CODE_RESHAPE = 22,
  CODE_SOFTMAX = 25, CODE_CUSTOM = 32, CODE_PAD = 34, CODE_MEAN = 40, CODE_QUANTIZE = 114,
};

enum
{
  OPTIONS_NONE = 0, OPTIONS_CONV_2D = 1, OPTIONS_DEPTHWISE_CONV_2D = 2, OPTIONS_POOL_2D = 5,
  OPTIONS_FULLY_CONNECTED = 8, OPTIONS_SOFTMAX = 9, OPTIONS_CONCATENATION = 10,
  OPTIONS_ADD = 11, OPTIONS_RESHAPE = 17, OPTIONS_MUL = 21, OPTIONS_PAD = 22,
  OPTIONS_REDUCER = 27, OPTIONS_DEQUANTIZE = 38, OPTIONS_QUANTIZE = 89,
};

typedef struct
{
  BitlensOpKind  kind;
  int            builtin_code;
  const char    *custom_code;
} OperatorCode;

static const OperatorCode operator_codes[] = {
  { BITLENS_OP_ADD, CODE_ADD, NULL },
  { BITLENS_OP_AVERAGE_POOL_2D, CODE_AVERAGE_POOL_2D, NULL },
  { BITLENS_OP_CONCATENATION, CODE_CONCATENATION, NULL },
  { BITLENS_OP_CONV_2D, CODE_CONV_2D, NULL },
  { BITLENS_OP_DEPTHWISE_CONV_2D, CODE_DEPTHWISE_CONV_2D, NULL },
  { BITLENS_OP_DEQUANTIZE, CODE_DEQUANTIZE, NULL },
  { BITLENS_OP_FULLY_CONNECTED, CODE_FULLY_CONNECTED, NULL },
  { BITLENS_OP_LOGISTIC, CODE_LOGISTIC, NULL },
  { BITLENS_OP_MAX_POOL_2D, CODE_MAX_POOL_2D, NULL },
  { BITLENS_OP_MUL, CODE_MUL, NULL },
  { BITLENS_OP_RESHAPE, CODE_RESHAPE, NULL },
  { BITLENS_OP_SOFTMAX, CODE_SOFTMAX, NULL },
  { BITLENS_OP_PAD, CODE_PAD, NULL },
  { BITLENS_OP_MEAN, CODE_MEAN, NULL },
  { BITLENS_OP_QUANTIZE, CODE_QUANTIZE, NULL },
  { BITLENS_OP_LCE_QUANTIZE, CODE_CUSTOM, "LceQuantize" },
  { BITLENS_OP_LCE_DEQUANTIZE, CODE_CUSTOM, "LceDequantize" },
  { BITLENS_OP_LCE_BCONV2D, CODE_CUSTOM, "LceBconv2d" },
  { BITLENS_OP_LCE_BMAXPOOL2D, CODE_CUSTOM, "LceBMaxPool2d" },
};

typedef struct
{
  char             *name;
  BitlensTensorType type;
  int               rank;
  int               shape[BITLENS_MAX_RANK];
  GBytes           *data;             /* NULL for activations */
  int               n_scales;
  float            *scales;
  gint64           *zero_points;
  int               quantized_dimension;
} WriterTensor;

typedef struct
{
  BitlensOpKind     kind;
  GArray           *inputs;
  GArray           *outputs;
  BitlensOpOptions  options;
} WriterOp;

struct _BitlensTfliteWriter
{
  GArray *tensors;      /* WriterTensor */
  GArray *ops;          /* WriterOp */
  GArray *inputs;       /* int */
  GArray *outputs;      /* int */
  char   *description;
};

static void
writer_tensor_clear (gpointer data)
{
  WriterTensor *tensor = data;

  g_free (tensor->name);
  g_clear_pointer (&tensor->data, g_bytes_unref);
  g_free (tensor->scales);
  g_free (tensor->zero_points);
}

static void
writer_op_clear (gpointer data)
{
  WriterOp *op = data;

  g_array_unref (op->inputs);
  g_array_unref (op->outputs);
}

BitlensTfliteWriter *
bitlens_tflite_writer_new (void)
{
  BitlensTfliteWriter *writer = g_new0 (BitlensTfliteWriter, 1);

  writer->tensors = g_array_new (FALSE, TRUE, sizeof (WriterTensor));
  g_array_set_clear_func (writer->tensors, writer_tensor_clear);
  writer->ops = g_array_new (FALSE, TRUE, sizeof (WriterOp));
  g_array_set_clear_func (writer->ops, writer_op_clear);
  writer->inputs = g_array_new (FALSE, FALSE, sizeof (int));
  writer->outputs = g_array_new (FALSE, FALSE, sizeof (int));
  writer->description = g_strdup ("Bitlens");
  return writer;
}

void
bitlens_tflite_writer_free (BitlensTfliteWriter *writer)
{
  if (writer == NULL)
    return;
  g_array_unref (writer->tensors);
  g_array_unref (writer->ops);
  g_array_unref (writer->inputs);
  g_array_unref (writer->outputs);
  g_free (writer->description);
  g_free (writer);
}

int
bitlens_tflite_writer_add_tensor (BitlensTfliteWriter           *writer,
                                  const char                    *name,
                                  const BitlensTfliteTensorSpec *spec)
{
  WriterTensor tensor = { 0 };

  g_return_val_if_fail (writer != NULL, -1);
  g_return_val_if_fail (spec->rank >= 0 && spec->rank <= BITLENS_MAX_RANK, -1);

  tensor.name = g_strdup (name);
  tensor.type = spec->type;
  tensor.rank = spec->rank;
  if (spec->rank > 0)
    memcpy (tensor.shape, spec->shape, sizeof (int) * spec->rank);
  if (spec->data != NULL)
    tensor.data = g_bytes_new (spec->data, spec->n_bytes);
  tensor.n_scales = spec->n_scales;
  if (spec->n_scales > 0)
    {
      tensor.scales = g_memdup2 (spec->scales, sizeof (float) * spec->n_scales);
      tensor.zero_points = g_memdup2 (spec->zero_points, sizeof (gint64) * spec->n_scales);
    }
  tensor.quantized_dimension = spec->quantized_dimension;
  g_array_append_val (writer->tensors, tensor);
  return (int) writer->tensors->len - 1;
}

void
bitlens_tflite_writer_add_op (BitlensTfliteWriter    *writer,
                              BitlensOpKind           kind,
                              int                     n_inputs,
                              const int              *inputs,
                              int                     n_outputs,
                              const int              *outputs,
                              const BitlensOpOptions *options)
{
  WriterOp op = { .kind = kind };

  g_return_if_fail (writer != NULL);

  op.inputs = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_append_vals (op.inputs, inputs, n_inputs);
  op.outputs = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_append_vals (op.outputs, outputs, n_outputs);
  if (options != NULL)
    op.options = *options;
  else
    bitlens_op_options_init (&op.options);
  g_array_append_val (writer->ops, op);
}

void
bitlens_tflite_writer_set_io (BitlensTfliteWriter *writer,
                              int                  n_inputs,
                              const int           *inputs,
                              int                  n_outputs,
                              const int           *outputs)
{
  g_return_if_fail (writer != NULL);
  g_array_set_size (writer->inputs, 0);
  g_array_append_vals (writer->inputs, inputs, n_inputs);
  g_array_set_size (writer->outputs, 0);
  g_array_append_vals (writer->outputs, outputs, n_outputs);
}

void
bitlens_tflite_writer_set_description (BitlensTfliteWriter *writer,
                                       const char          *description)
{
  g_return_if_fail (writer != NULL);
  g_free (writer->description);
  writer->description = g_strdup (description);
}

static const OperatorCode *
lookup_operator_code (BitlensOpKind kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS (operator_codes); i++)
    if (operator_codes[i].kind == kind)
      return &operator_codes[i];
  g_assert_not_reached ();
}

static FbObject *
int_vector (FbBuilder    *builder,
            const GArray *values)
{
  return fb_scalar_vector_new (builder, values->data, values->len, 4, 4);
}

/* The options table of a builtin op, and its union type. */
static FbObject *
builtin_options (FbBuilder              *builder,
                 BitlensOpKind           kind,
                 const BitlensOpOptions *options,
                 int                    *type)
{
  FbObject *table = fb_table_new (builder);

  switch (kind)
    {
    case BITLENS_OP_CONV_2D:
      *type = OPTIONS_CONV_2D;
      fb_table_add_scalar (table, 0, 1, options->padding);
      fb_table_add_scalar (table, 1, 4, options->stride_w);
      fb_table_add_scalar (table, 2, 4, options->stride_h);
      fb_table_add_scalar (table, 3, 1, options->activation);
      fb_table_add_scalar (table, 4, 4, options->dilation_w);
      fb_table_add_scalar (table, 5, 4, options->dilation_h);
      break;
    case BITLENS_OP_DEPTHWISE_CONV_2D:
      *type = OPTIONS_DEPTHWISE_CONV_2D;
      fb_table_add_scalar (table, 0, 1, options->padding);
      fb_table_add_scalar (table, 1, 4, options->stride_w);
      fb_table_add_scalar (table, 2, 4, options->stride_h);
      fb_table_add_scalar (table, 3, 4, options->depth_multiplier);
      fb_table_add_scalar (table, 4, 1, options->activation);
      fb_table_add_scalar (table, 5, 4, options->dilation_w);
      fb_table_add_scalar (table, 6, 4, options->dilation_h);
      break;
    case BITLENS_OP_AVERAGE_POOL_2D:
    case BITLENS_OP_MAX_POOL_2D:
      *type = OPTIONS_POOL_2D;
      fb_table_add_scalar (table, 0, 1, options->padding);
      fb_table_add_scalar (table, 1, 4, options->stride_w);
      fb_table_add_scalar (table, 2, 4, options->stride_h);
      fb_table_add_scalar (table, 3, 4, options->filter_w);
      fb_table_add_scalar (table, 4, 4, options->filter_h);
      fb_table_add_scalar (table, 5, 1, options->activation);
      break;
    case BITLENS_OP_FULLY_CONNECTED:
      *type = OPTIONS_FULLY_CONNECTED;
      fb_table_add_scalar (table, 0, 1, options->activation);
      fb_table_add_scalar (table, 1, 1, options->weights_format);
      fb_table_add_scalar (table, 2, 1, options->keep_num_dims ? 1 : 0);
      break;
    case BITLENS_OP_SOFTMAX:
      *type = OPTIONS_SOFTMAX;
      fb_table_add_float (table, 0, options->beta);
      break;
    case BITLENS_OP_CONCATENATION:
      *type = OPTIONS_CONCATENATION;
      fb_table_add_scalar (table, 0, 4, (guint32) options->axis);
      fb_table_add_scalar (table, 1, 1, options->activation);
      break;
    case BITLENS_OP_ADD:
      *type = OPTIONS_ADD;
      fb_table_add_scalar (table, 0, 1, options->activation);
      break;
    case BITLENS_OP_MUL:
      *type = OPTIONS_MUL;
      fb_table_add_scalar (table, 0, 1, options->activation);
      break;
    case BITLENS_OP_RESHAPE:
      *type = OPTIONS_RESHAPE;
      break;
    case BITLENS_OP_PAD:
      *type = OPTIONS_PAD;
      break;
    case BITLENS_OP_MEAN:
      *type = OPTIONS_REDUCER;
      fb_table_add_scalar (table, 0, 1, options->keep_dims ? 1 : 0);
      break;
    case BITLENS_OP_QUANTIZE:
      *type = OPTIONS_QUANTIZE;
      break;
    case BITLENS_OP_DEQUANTIZE:
      *type = OPTIONS_DEQUANTIZE;
      break;
    case BITLENS_OP_LOGISTIC:
    default:
      *type = OPTIONS_NONE;
      return NULL;
    }
  return table;
}

static GBytes *
custom_options (BitlensOpKind           kind,
                const BitlensOpOptions *options)
{
  if (kind == BITLENS_OP_LCE_BCONV2D)
    {
      const FlexIntEntry entries[] = {
        { "channels_in", options->channels_in },
        { "dilation_height_factor", options->dilation_h },
        { "dilation_width_factor", options->dilation_w },
        { "fused_activation_function", options->activation },
        { "pad_values", options->pad_values },
        { "padding", options->padding },
        { "stride_height", options->stride_h },
        { "stride_width", options->stride_w },
      };
      return flexbuffer_build_int_map (entries, G_N_ELEMENTS (entries));
    }
  if (kind == BITLENS_OP_LCE_BMAXPOOL2D)
    {
      const FlexIntEntry entries[] = {
        { "filter_height", options->filter_h },
        { "filter_width", options->filter_w },
        { "padding", options->padding },
        { "stride_height", options->stride_h },
        { "stride_width", options->stride_w },
      };
      return flexbuffer_build_int_map (entries, G_N_ELEMENTS (entries));
    }
  return NULL;
}

static FbObject *
quantization_table (FbBuilder          *builder,
                    const WriterTensor *tensor)
{
  FbObject *table = fb_table_new (builder);

  fb_table_add_object (table, 2, fb_scalar_vector_new (builder, tensor->scales, tensor->n_scales, 4, 4));
  fb_table_add_object (table, 3, fb_scalar_vector_new (builder, tensor->zero_points, tensor->n_scales, 8, 8));
  fb_table_add_scalar (table, 6, 4, (guint32) tensor->quantized_dimension);
  return table;
}

GBytes *
bitlens_tflite_writer_finish (BitlensTfliteWriter *writer)
{
  g_autoptr(FbBuilder) builder = fb_builder_new ();
  FbObject *model = fb_table_new (builder);
  FbObject *codes = fb_object_vector_new (builder);
  FbObject *subgraphs = fb_object_vector_new (builder);
  FbObject *subgraph = fb_table_new (builder);
  FbObject *tensors = fb_object_vector_new (builder);
  FbObject *operators = fb_object_vector_new (builder);
  FbObject *buffers = fb_object_vector_new (builder);
  g_autoptr(GArray) used_kinds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) custom_blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_return_val_if_fail (writer != NULL, NULL);

  /* Buffer 0 is the empty buffer activations point at. */
  fb_object_vector_append (buffers, fb_table_new (builder));

  for (guint t = 0; t < writer->tensors->len; t++)
    {
      const WriterTensor *tensor = &g_array_index (writer->tensors, WriterTensor, t);
      FbObject *table = fb_table_new (builder);
      guint32 buffer_index = 0;

      if (tensor->data != NULL)
        {
          FbObject *buffer = fb_table_new (builder);
          gsize size;
          const void *bytes = g_bytes_get_data (tensor->data, &size);
          fb_table_add_object (buffer, 0, fb_scalar_vector_new (builder, bytes, size, 1, 16));
          buffer_index = fb_object_vector_length (buffers);
          fb_object_vector_append (buffers, buffer);
        }
      fb_table_add_object (table, 0, fb_scalar_vector_new (builder, tensor->shape, tensor->rank, 4, 4));
      fb_table_add_scalar (table, 1, 1, tensor->type);
      fb_table_add_scalar (table, 2, 4, buffer_index);
      fb_table_add_object (table, 3, fb_string_new (builder, tensor->name));
      if (tensor->n_scales > 0)
        fb_table_add_object (table, 4, quantization_table (builder, tensor));
      fb_object_vector_append (tensors, table);
    }

  for (guint o = 0; o < writer->ops->len; o++)
    {
      const WriterOp *op = &g_array_index (writer->ops, WriterOp, o);
      FbObject *table = fb_table_new (builder);
      FbObject *options;
      GBytes *custom;
      int options_type = OPTIONS_NONE;
      guint code_index;

      for (code_index = 0; code_index < used_kinds->len; code_index++)
        if (g_array_index (used_kinds, int, code_index) == (int) op->kind)
          break;
      if (code_index == used_kinds->len)
        g_array_append_val (used_kinds, op->kind);

      fb_table_add_scalar (table, 0, 4, code_index);
      fb_table_add_object (table, 1, int_vector (builder, op->inputs));
      fb_table_add_object (table, 2, int_vector (builder, op->outputs));
      options = builtin_options (builder, op->kind, &op->options, &options_type);
      if (options != NULL)
        {
          fb_table_add_scalar (table, 3, 1, options_type);
          fb_table_add_object (table, 4, options);
        }
      custom = custom_options (op->kind, &op->options);
      if (custom != NULL)
        {
          gsize size;
          const void *bytes = g_bytes_get_data (custom, &size);
          fb_table_add_object (table, 5, fb_scalar_vector_new (builder, bytes, size, 1, 4));
          g_ptr_array_add (custom_blobs, custom);
        }
      fb_object_vector_append (operators, table);
    }

  for (guint i = 0; i < used_kinds->len; i++)
    {
      const OperatorCode *code = lookup_operator_code (g_array_index (used_kinds, int, i));
      FbObject *table = fb_table_new (builder);

      fb_table_add_scalar (table, 0, 1, (guint8) MIN (code->builtin_code, 127));
      if (code->custom_code != NULL)
        fb_table_add_object (table, 1, fb_string_new (builder, code->custom_code));
      fb_table_add_scalar (table, 2, 4, 1);
      fb_table_add_scalar (table, 3, 4, (guint32) code->builtin_code);
      fb_object_vector_append (codes, table);
    }

  fb_table_add_object (subgraph, 0, tensors);
  fb_table_add_object (subgraph, 1, int_vector (builder, writer->inputs));
  fb_table_add_object (subgraph, 2, int_vector (builder, writer->outputs));
  fb_table_add_object (subgraph, 3, operators);
  fb_table_add_object (subgraph, 4, fb_string_new (builder, "main"));
  fb_object_vector_append (subgraphs, subgraph);

  fb_table_add_scalar (model, 0, 4, 3);
  fb_table_add_object (model, 1, codes);
  fb_table_add_object (model, 2, subgraphs);
  fb_table_add_object (model, 3, fb_string_new (builder, writer->description));
  fb_table_add_object (model, 4, buffers);

  return fb_builder_finish (builder, model, "TFL3");
}
