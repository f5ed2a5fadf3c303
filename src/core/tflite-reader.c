/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "flatbuffer.h"
#include "flexbuffer.h"
#include "tflite-names.h"
#include "tflite-reader.h"

/* The schema facts used here are listed in SEMANTICS.md section 1. */

#define TFLITE_SCHEMA_VERSION        3
#define TFLITE_BUILTIN_CUSTOM        32
#define TFLITE_CUSTOM_OPTIONS_FLEX   0
/* Kernels index tensors with int: larger tensors are refused. */
#define MAX_TENSOR_BYTES             ((gsize) G_MAXINT32)

enum { MODEL_VERSION, MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_DESCRIPTION, MODEL_BUFFERS };
enum { CODE_DEPRECATED_BUILTIN, CODE_CUSTOM, CODE_VERSION, CODE_BUILTIN };
enum { SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS };
enum { TENSOR_SHAPE, TENSOR_TYPE, TENSOR_BUFFER, TENSOR_NAME, TENSOR_QUANTIZATION,
       TENSOR_IS_VARIABLE, TENSOR_SPARSITY };
enum { QUANT_MIN, QUANT_MAX, QUANT_SCALE, QUANT_ZERO_POINT, QUANT_DETAILS_TYPE,
       QUANT_DETAILS, QUANT_QUANTIZED_DIMENSION };
enum { OPERATOR_OPCODE_INDEX, OPERATOR_INPUTS, OPERATOR_OUTPUTS, OPERATOR_BUILTIN_OPTIONS_TYPE,
       OPERATOR_BUILTIN_OPTIONS, OPERATOR_CUSTOM_OPTIONS, OPERATOR_CUSTOM_OPTIONS_FORMAT };
enum { BUFFER_DATA, BUFFER_OFFSET, BUFFER_SIZE };

/* BuiltinOptions union types. */
enum
{
  OPTIONS_NONE = 0,
  OPTIONS_CONV_2D = 1,
  OPTIONS_DEPTHWISE_CONV_2D = 2,
  OPTIONS_POOL_2D = 5,
  OPTIONS_FULLY_CONNECTED = 8,
  OPTIONS_SOFTMAX = 9,
  OPTIONS_CONCATENATION = 10,
  OPTIONS_ADD = 11,
  OPTIONS_RESHAPE = 17,
  OPTIONS_MUL = 21,
  OPTIONS_PAD = 22,
  OPTIONS_REDUCER = 27,
  OPTIONS_DEQUANTIZE = 38,
  OPTIONS_QUANTIZE = 89,
};

/* Where an option goes in BitlensOpOptions, with its range. */
typedef enum
{
  OPTION_PADDING,
  OPTION_ACTIVATION,
  OPTION_STRIDE_W,
  OPTION_STRIDE_H,
  OPTION_DILATION_W,
  OPTION_DILATION_H,
  OPTION_FILTER_W,
  OPTION_FILTER_H,
  OPTION_DEPTH_MULTIPLIER,
  OPTION_BETA,
  OPTION_AXIS,
  OPTION_KEEP_DIMS,
  OPTION_KEEP_NUM_DIMS,
  OPTION_WEIGHTS_FORMAT,
  OPTION_CHANNELS_IN,
  OPTION_PAD_VALUES,
} OptionField;

/* One option: its slot in a builtin options table, or its key in LCE custom options. */
typedef struct
{
  guint        slot;
  const char  *name;
  OptionField  field;
} OptionSpec;

static const OptionSpec conv_2d_options[] = {
  { 0, "padding", OPTION_PADDING },
  { 1, "stride_w", OPTION_STRIDE_W },
  { 2, "stride_h", OPTION_STRIDE_H },
  { 3, "fused_activation_function", OPTION_ACTIVATION },
  { 4, "dilation_w_factor", OPTION_DILATION_W },
  { 5, "dilation_h_factor", OPTION_DILATION_H },
};

static const OptionSpec depthwise_conv_2d_options[] = {
  { 0, "padding", OPTION_PADDING },
  { 1, "stride_w", OPTION_STRIDE_W },
  { 2, "stride_h", OPTION_STRIDE_H },
  { 3, "depth_multiplier", OPTION_DEPTH_MULTIPLIER },
  { 4, "fused_activation_function", OPTION_ACTIVATION },
  { 5, "dilation_w_factor", OPTION_DILATION_W },
  { 6, "dilation_h_factor", OPTION_DILATION_H },
};

static const OptionSpec pool_2d_options[] = {
  { 0, "padding", OPTION_PADDING },
  { 1, "stride_w", OPTION_STRIDE_W },
  { 2, "stride_h", OPTION_STRIDE_H },
  { 3, "filter_width", OPTION_FILTER_W },
  { 4, "filter_height", OPTION_FILTER_H },
  { 5, "fused_activation_function", OPTION_ACTIVATION },
};

static const OptionSpec fully_connected_options[] = {
  { 0, "fused_activation_function", OPTION_ACTIVATION },
  { 1, "weights_format", OPTION_WEIGHTS_FORMAT },
  { 2, "keep_num_dims", OPTION_KEEP_NUM_DIMS },
};

static const OptionSpec softmax_options[] = {
  { 0, "beta", OPTION_BETA },
};

static const OptionSpec concatenation_options[] = {
  { 0, "axis", OPTION_AXIS },
  { 1, "fused_activation_function", OPTION_ACTIVATION },
};

/* AddOptions and MulOptions. */
static const OptionSpec activation_options[] = {
  { 0, "fused_activation_function", OPTION_ACTIVATION },
};

static const OptionSpec reducer_options[] = {
  { 0, "keep_dims", OPTION_KEEP_DIMS },
};

/* LCE custom options: FlexBuffer keys, all required. */
static const OptionSpec lce_bconv2d_options[] = {
  { 0, "channels_in", OPTION_CHANNELS_IN },
  { 0, "dilation_height_factor", OPTION_DILATION_H },
  { 0, "dilation_width_factor", OPTION_DILATION_W },
  { 0, "fused_activation_function", OPTION_ACTIVATION },
  { 0, "pad_values", OPTION_PAD_VALUES },
  { 0, "padding", OPTION_PADDING },
  { 0, "stride_height", OPTION_STRIDE_H },
  { 0, "stride_width", OPTION_STRIDE_W },
};

static const OptionSpec lce_bmaxpool2d_options[] = {
  { 0, "padding", OPTION_PADDING },
  { 0, "stride_width", OPTION_STRIDE_W },
  { 0, "stride_height", OPTION_STRIDE_H },
  { 0, "filter_width", OPTION_FILTER_W },
  { 0, "filter_height", OPTION_FILTER_H },
};

/* A supported operator: how a file names it and how its options are stored. */
typedef struct
{
  BitlensOpKind      kind;
  gint64             builtin_code;     /* TFLITE_BUILTIN_CUSTOM for LCE ops */
  const char        *custom_code;      /* NULL for builtin ops */
  guint8             options_type;     /* BuiltinOptions union type, OPTIONS_NONE if none */
  const OptionSpec  *options;          /* builtin table slots, or LCE FlexBuffer keys */
  guint              n_options;
  guint              optional_inputs;  /* bit k set: input k may be -1 */
} OpDescription;

#define SPECS(array) array, G_N_ELEMENTS (array)

static const OpDescription op_descriptions[] = {
  { BITLENS_OP_ADD, 0, NULL, OPTIONS_ADD, SPECS (activation_options), 0 },
  { BITLENS_OP_AVERAGE_POOL_2D, 1, NULL, OPTIONS_POOL_2D, SPECS (pool_2d_options), 0 },
  { BITLENS_OP_CONCATENATION, 2, NULL, OPTIONS_CONCATENATION, SPECS (concatenation_options), 0 },
  { BITLENS_OP_CONV_2D, 3, NULL, OPTIONS_CONV_2D, SPECS (conv_2d_options), 1 << 2 },
  { BITLENS_OP_DEPTHWISE_CONV_2D, 4, NULL, OPTIONS_DEPTHWISE_CONV_2D, SPECS (depthwise_conv_2d_options), 1 << 2 },
  { BITLENS_OP_DEQUANTIZE, 6, NULL, OPTIONS_DEQUANTIZE, NULL, 0, 0 },
  { BITLENS_OP_FULLY_CONNECTED, 9, NULL, OPTIONS_FULLY_CONNECTED, SPECS (fully_connected_options), 1 << 2 },
  { BITLENS_OP_LOGISTIC, 14, NULL, OPTIONS_NONE, NULL, 0, 0 },
  { BITLENS_OP_MAX_POOL_2D, 17, NULL, OPTIONS_POOL_2D, SPECS (pool_2d_options), 0 },
  { BITLENS_OP_MUL, 18, NULL, OPTIONS_MUL, SPECS (activation_options), 0 },
  /* new_shape is ignored: the output tensor's shape is authoritative. */
  { BITLENS_OP_RESHAPE, 22, NULL, OPTIONS_RESHAPE, NULL, 0, 0 },
  { BITLENS_OP_SOFTMAX, 25, NULL, OPTIONS_SOFTMAX, SPECS (softmax_options), 0 },
  { BITLENS_OP_PAD, 34, NULL, OPTIONS_PAD, NULL, 0, 0 },
  { BITLENS_OP_MEAN, 40, NULL, OPTIONS_REDUCER, SPECS (reducer_options), 0 },
  { BITLENS_OP_QUANTIZE, 114, NULL, OPTIONS_QUANTIZE, NULL, 0, 0 },
  { BITLENS_OP_LCE_QUANTIZE, TFLITE_BUILTIN_CUSTOM, "LceQuantize", OPTIONS_NONE, NULL, 0, 0 },
  { BITLENS_OP_LCE_DEQUANTIZE, TFLITE_BUILTIN_CUSTOM, "LceDequantize", OPTIONS_NONE, NULL, 0, 0 },
  { BITLENS_OP_LCE_BCONV2D, TFLITE_BUILTIN_CUSTOM, "LceBconv2d", OPTIONS_NONE,
    SPECS (lce_bconv2d_options), (1 << 2) | (1 << 3) | (1 << 4) },
  { BITLENS_OP_LCE_BMAXPOOL2D, TFLITE_BUILTIN_CUSTOM, "LceBMaxPool2d", OPTIONS_NONE,
    SPECS (lce_bmaxpool2d_options), 0 },
};

/* An entry of Model.operator_codes. */
typedef struct
{
  gint64       builtin_code;   /* max (builtin_code, deprecated_builtin_code) */
  const char  *custom_code;    /* NUL-terminated inside the file, or NULL */
} OperatorCode;

typedef struct
{
  FlatbufferReader  reader;
  BitlensModel     *model;
  FlatbufferVector  buffers;
  guint             n_codes;
  OperatorCode     *codes;
} ReadContext;

static void
read_context_clear (ReadContext *context)
{
  g_clear_pointer (&context->codes, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReadContext, read_context_clear)

static char *
dup_valid_utf8 (const char *string,
                gsize       length)
{
  if (string == NULL)
    return g_strdup ("");
  return g_utf8_make_valid (string, (gssize) length);
}

/* Model.operator_codes */

static gboolean
read_operator_codes (ReadContext            *context,
                     const FlatbufferTable  *root,
                     GError                **error)
{
  FlatbufferVector codes;

  if (!flatbuffer_table_get_vector (root, MODEL_OPERATOR_CODES, "operator_codes", 4, &codes, error))
    return FALSE;
  context->n_codes = codes.length;
  context->codes = g_try_new0 (OperatorCode, MAX (codes.length, 1));
  if (context->codes == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("cannot allocate %u operator codes"), codes.length);
      return FALSE;
    }

  for (guint i = 0; i < codes.length; i++)
    {
      OperatorCode *code = &context->codes[i];
      FlatbufferTable table;
      gint64 deprecated_builtin, builtin;

      if (!flatbuffer_vector_get_table (&codes, i, &table, error)
          || !flatbuffer_table_get_int (&table, CODE_DEPRECATED_BUILTIN, "deprecated_builtin_code", 1, 0, &deprecated_builtin, error)
          || !flatbuffer_table_get_int (&table, CODE_BUILTIN, "builtin_code", 4, 0, &builtin, error)
          || !flatbuffer_table_get_string (&table, CODE_CUSTOM, "custom_code", &code->custom_code, NULL, error))
        {
          g_prefix_error (error, _("OperatorCode %u: "), i);
          return FALSE;
        }
      /* Files from before builtin_code existed, and some after, set only the
       * deprecated field: the larger of the two is the code. */
      code->builtin_code = MAX (builtin, deprecated_builtin);
    }
  return TRUE;
}

/* Tensors */

static gboolean
read_shape (const FlatbufferTable  *table,
            BitlensTensor          *tensor,
            GError                **error)
{
  FlatbufferVector shape;

  if (!flatbuffer_table_get_vector (table, TENSOR_SHAPE, "shape", 4, &shape, error))
    return FALSE;
  if (shape.length > BITLENS_MAX_RANK)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("rank %u exceeds the supported maximum of %d"), shape.length, BITLENS_MAX_RANK);
      return FALSE;
    }
  tensor->rank = (int) shape.length;
  tensor->n_elements = 1;
  for (guint d = 0; d < shape.length; d++)
    {
      gint32 extent = flatbuffer_vector_get_int32 (&shape, d);

      if (extent < 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("dimension %u of the shape is negative (%d)"), d, extent);
          return FALSE;
        }
      tensor->shape[d] = extent;
      if (!g_size_checked_mul (&tensor->n_elements, tensor->n_elements, (gsize) extent))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("the number of elements overflows"));
          return FALSE;
        }
    }
  if (!g_size_checked_mul (&tensor->n_bytes, tensor->n_elements, bitlens_tensor_type_size (tensor->type))
      || tensor->n_bytes > MAX_TENSOR_BYTES)
    {
      g_autofree char *shape_text = bitlens_tensor_format_shape (tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s %s is larger than the %zu bytes a tensor may hold"),
                   bitlens_tensor_type_name (tensor->type), shape_text, MAX_TENSOR_BYTES);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_type (const FlatbufferTable  *table,
           BitlensTensor          *tensor,
           GError                **error)
{
  gint64 type;

  if (!flatbuffer_table_get_int (table, TENSOR_TYPE, "type", 1, BITLENS_TYPE_FLOAT32, &type, error))
    return FALSE;
  if (!bitlens_tensor_type_is_known ((int) type))
    {
      const char *name = tflite_tensor_type_name (type);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("tensor type %s (%" PRId64 ") is not supported"),
                   name != NULL ? name : _("unknown"), type);
      return FALSE;
    }
  tensor->type = (BitlensTensorType) type;
  return TRUE;
}

static gboolean
zero_point_fits (BitlensTensorType type,
                 gint64            zero_point)
{
  switch (type)
    {
    case BITLENS_TYPE_INT8: return zero_point >= G_MININT8 && zero_point <= G_MAXINT8;
    case BITLENS_TYPE_UINT8: return zero_point >= 0 && zero_point <= G_MAXUINT8;
    case BITLENS_TYPE_INT16: return zero_point >= G_MININT16 && zero_point <= G_MAXINT16;
    default: return zero_point >= G_MININT32 && zero_point <= G_MAXINT32;
    }
}

static gboolean
read_quantization (const FlatbufferTable  *tensor_table,
                   BitlensTensor          *tensor,
                   GError                **error)
{
  FlatbufferTable table, details;
  FlatbufferVector scales, zero_points;
  gboolean present, details_present;
  guint8 details_type;
  gint64 quantized_dimension;

  if (!flatbuffer_table_get_table (tensor_table, TENSOR_QUANTIZATION, "quantization", &table, &present, error))
    return FALSE;
  if (!present)
    return TRUE;

  if (!flatbuffer_table_get_vector (&table, QUANT_SCALE, "scale", 4, &scales, error)
      || !flatbuffer_table_get_vector (&table, QUANT_ZERO_POINT, "zero_point", 8, &zero_points, error)
      || !flatbuffer_table_get_int (&table, QUANT_QUANTIZED_DIMENSION, "quantized_dimension", 4, 0, &quantized_dimension, error)
      || !flatbuffer_table_get_union (&table, QUANT_DETAILS_TYPE, "details", &details_type, &details, &details_present, error))
    goto fail;
  if (details_type != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("custom quantization details are not supported"));
      goto fail;
    }
  /* Without scales a tensor is not quantized, whatever else the table holds. */
  if (scales.length == 0)
    return TRUE;
  if (zero_points.length != scales.length)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("%u scales but %u zero points"), scales.length, zero_points.length);
      goto fail;
    }
  if (scales.length > 1)
    {
      /* Old converters gave per-channel biases (rank 1) the filter's quantized
       * dimension, 3 in person_detect.tflite; TFLM ignores it. The only axis is 0. */
      if (tensor->rank == 1 && (quantized_dimension < 0 || quantized_dimension >= tensor->rank))
        quantized_dimension = 0;
      if (quantized_dimension < 0 || quantized_dimension >= tensor->rank)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("quantized_dimension %" PRId64 " is outside the tensor's rank %d"),
                       quantized_dimension, tensor->rank);
          goto fail;
        }
      if ((guint32) tensor->shape[quantized_dimension] != scales.length)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("%u per-channel scales, but dimension %" PRId64 " has %d channels"),
                       scales.length, quantized_dimension, tensor->shape[quantized_dimension]);
          goto fail;
        }
    }
  else
    quantized_dimension = 0;   /* meaningless for one scale */

  tensor->scales = g_new (float, scales.length);
  tensor->zero_points = g_new (gint64, scales.length);
  tensor->n_scales = (int) scales.length;
  tensor->quantized_dimension = (int) quantized_dimension;
  for (guint i = 0; i < scales.length; i++)
    {
      float scale = flatbuffer_vector_get_float32 (&scales, i);
      gint64 zero_point = flatbuffer_vector_get_int64 (&zero_points, i);

      if (!isfinite (scale) || scale < 0.0f)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("scale %u is %g; scales must be finite and not negative"), i, (double) scale);
          goto fail;
        }
      if (!zero_point_fits (tensor->type, zero_point))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("zero point %u (%" PRId64 ") does not fit the type %s"),
                       i, zero_point, bitlens_tensor_type_name (tensor->type));
          goto fail;
        }
      tensor->scales[i] = scale;
      tensor->zero_points[i] = zero_point;
    }
  return TRUE;

fail:
  g_prefix_error (error, _("quantization: "));
  return FALSE;
}

/* The constant contents of a tensor, from Model.buffers[index]. */
static gboolean
read_tensor_data (ReadContext    *context,
                  guint64         index,
                  BitlensTensor  *tensor,
                  GError        **error)
{
  FlatbufferTable buffer;
  FlatbufferVector data;
  guint64 offset, size;
  const guint8 *contents;
  gsize n_bytes;

  if (index >= context->buffers.length)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("buffer index %" PRIu64 " is out of range (the model has %u buffers)"),
                   index, context->buffers.length);
      return FALSE;
    }
  if (!flatbuffer_vector_get_table (&context->buffers, (guint) index, &buffer, error)
      || !flatbuffer_table_get_vector (&buffer, BUFFER_DATA, "data", 1, &data, error)
      || !flatbuffer_table_get_uint (&buffer, BUFFER_OFFSET, "offset", 8, 0, &offset, error)
      || !flatbuffer_table_get_uint (&buffer, BUFFER_SIZE, "size", 8, 0, &size, error))
    {
      g_prefix_error (error, _("Buffer %" PRIu64 ": "), index);
      return FALSE;
    }

  if (offset > 1)
    {
      /* Files over 2 GB keep constants after the FlatBuffer, at offset from the start
       * (offset 1 is a placeholder the converter writes). */
      if (offset > context->reader.size || size > context->reader.size - offset)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("Buffer %" PRIu64 ": external data (%" PRIu64
                         " bytes at byte %" PRIu64 ") runs past the end of the file"),
                       index, size, offset);
          return FALSE;
        }
      contents = context->reader.data + offset;
      n_bytes = (gsize) size;
    }
  else
    {
      contents = flatbuffer_vector_get_data (&data);
      n_bytes = data.length;
    }

  /* Activations use an empty buffer (usually buffer 0). */
  if (n_bytes == 0)
    return TRUE;
  if (n_bytes != tensor->n_bytes)
    {
      g_autofree char *shape_text = bitlens_tensor_format_shape (tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("buffer %" PRIu64 " holds %zu bytes, but %s %s needs %zu"),
                   index, n_bytes, bitlens_tensor_type_name (tensor->type), shape_text, tensor->n_bytes);
      return FALSE;
    }
  if ((guintptr) contents % bitlens_tensor_type_size (tensor->type) != 0)
    {
      guint8 *copy = g_malloc (n_bytes);

      memcpy (copy, contents, n_bytes);
      g_ptr_array_add (context->model->owned_blocks, copy);
      contents = copy;
    }
  tensor->data = contents;
  return TRUE;
}

static gboolean
read_tensor (ReadContext            *context,
             const FlatbufferTable  *table,
             BitlensTensor          *tensor,
             GError                **error)
{
  const char *name;
  gsize name_length;
  guint64 buffer, is_variable;

  if (!flatbuffer_table_get_string (table, TENSOR_NAME, "name", &name, &name_length, error))
    return FALSE;
  tensor->name = dup_valid_utf8 (name, name_length);

  if (flatbuffer_table_has_field (table, TENSOR_SPARSITY))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("sparse tensors are not supported"));
      return FALSE;
    }
  if (!read_type (table, tensor, error)
      || !read_shape (table, tensor, error)
      || !read_quantization (table, tensor, error)
      || !flatbuffer_table_get_uint (table, TENSOR_IS_VARIABLE, "is_variable", 1, 0, &is_variable, error)
      || !flatbuffer_table_get_uint (table, TENSOR_BUFFER, "buffer", 4, 0, &buffer, error))
    return FALSE;
  tensor->is_variable = is_variable != 0;
  return read_tensor_data (context, buffer, tensor, error);
}

static gboolean
read_tensors (ReadContext            *context,
              const FlatbufferTable  *subgraph,
              GError                **error)
{
  BitlensModel *model = context->model;
  FlatbufferVector tensors;

  if (!flatbuffer_table_get_vector (subgraph, SUBGRAPH_TENSORS, "tensors", 4, &tensors, error))
    return FALSE;
  model->tensors = g_try_new0 (BitlensTensor, MAX (tensors.length, 1));
  if (model->tensors == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("cannot allocate %u tensors"), tensors.length);
      return FALSE;
    }
  model->n_tensors = tensors.length;

  for (guint i = 0; i < tensors.length; i++)
    {
      FlatbufferTable table;

      if (!flatbuffer_vector_get_table (&tensors, i, &table, error)
          || !read_tensor (context, &table, &model->tensors[i], error))
        {
          const char *name = model->tensors[i].name;
          if (name != NULL && name[0] != '\0')
            g_prefix_error (error, _("Tensor %u (%s): "), i, name);
          else
            g_prefix_error (error, _("Tensor %u: "), i);
          return FALSE;
        }
    }
  return TRUE;
}

/* Tensor index lists: op inputs and outputs, subgraph inputs and outputs. */

/* field is the vector's name in the schema; what names one entry in messages. */
static gboolean
read_tensor_indices (ReadContext            *context,
                     const FlatbufferTable  *table,
                     guint                   slot,
                     const char             *field,
                     const char             *what,
                     guint                   optional_mask,
                     int                    *n_indices,
                     int                   **indices,
                     GError                **error)
{
  FlatbufferVector vector;
  g_autofree int *values = NULL;

  if (!flatbuffer_table_get_vector (table, slot, field, 4, &vector, error))
    return FALSE;
  if (vector.length > G_MAXINT)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' holds too many tensors"), field);
      return FALSE;
    }
  values = g_try_new (int, MAX (vector.length, 1));
  if (values == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("cannot allocate %u tensor indices"), vector.length);
      return FALSE;
    }
  for (guint k = 0; k < vector.length; k++)
    {
      gint32 index = flatbuffer_vector_get_int32 (&vector, k);
      gboolean optional = k < 32 && (optional_mask & (1u << k)) != 0;

      if (index == -1 && optional)
        ;
      else if (index == -1)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("%s %u is absent (-1), but it is required"), what, k);
          return FALSE;
        }
      else if (index < 0 || (guint) index >= context->model->n_tensors)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("%s %u refers to tensor %d, but the model has %u tensors"),
                       what, k, index, context->model->n_tensors);
          return FALSE;
        }
      values[k] = index;
    }
  *n_indices = (int) vector.length;
  *indices = g_steal_pointer (&values);
  return TRUE;
}

/* Operators */

static const OpDescription *
find_op_description (const OperatorCode *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (op_descriptions); i++)
    {
      const OpDescription *description = &op_descriptions[i];

      if (description->builtin_code != code->builtin_code)
        continue;
      if (description->custom_code == NULL
          || (code->custom_code != NULL && strcmp (description->custom_code, code->custom_code) == 0))
        return description;
    }
  return NULL;
}

static void
set_unsupported_operator_error (const OperatorCode  *code,
                                GError             **error)
{
  if (code->builtin_code == TFLITE_BUILTIN_CUSTOM)
    {
      g_autofree char *escaped = g_strescape (code->custom_code != NULL ? code->custom_code : "", NULL);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("unsupported custom operator \"%s\""), escaped);
    }
  else
    {
      const char *name = tflite_builtin_operator_name (code->builtin_code);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("unsupported operator %s (builtin %" PRId64 ")"),
                   name != NULL ? name : _("UNKNOWN"), code->builtin_code);
    }
}

static gboolean
check_range (const char  *name,
             gint64       value,
             gint64       min,
             gint64       max,
             GError     **error)
{
  if (value >= min && value <= max)
    return TRUE;
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
               _("option '%s' is %" PRId64 "; it must be between %" PRId64 " and %" PRId64),
               name, value, min, max);
  return FALSE;
}

/* Range-checks an integer option and stores it. */
static gboolean
store_option (BitlensOpOptions  *options,
              const OptionSpec  *spec,
              gint64             value,
              GError           **error)
{
  switch (spec->field)
    {
    case OPTION_PADDING:
      if (!check_range (spec->name, value, BITLENS_PADDING_SAME, BITLENS_PADDING_VALID, error))
        return FALSE;
      options->padding = (BitlensPadding) value;
      return TRUE;

    case OPTION_ACTIVATION:
      if (value < BITLENS_ACTIVATION_NONE || value > BITLENS_ACTIVATION_RELU6)
        {
          const char *name = value == 4 ? "TANH" : value == 5 ? "SIGN_BIT" : NULL;
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("fused activation %s (%" PRId64 ") is not supported"),
                       name != NULL ? name : _("UNKNOWN"), value);
          return FALSE;
        }
      options->activation = (BitlensActivation) value;
      return TRUE;

    case OPTION_WEIGHTS_FORMAT:
      if (value != 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("weights_format %" PRId64 " (shuffled weights) is not supported"), value);
          return FALSE;
        }
      options->weights_format = 0;
      return TRUE;

    case OPTION_PAD_VALUES:
      if (!check_range (spec->name, value, 0, 1, error))
        return FALSE;
      options->pad_values = (int) value;
      return TRUE;

    case OPTION_AXIS:
      if (!check_range (spec->name, value, G_MININT32, G_MAXINT32, error))
        return FALSE;
      options->axis = (int) value;
      return TRUE;

    case OPTION_KEEP_DIMS:
      options->keep_dims = value != 0;
      return TRUE;

    case OPTION_KEEP_NUM_DIMS:
      options->keep_num_dims = value != 0;
      return TRUE;

    case OPTION_STRIDE_W:
    case OPTION_STRIDE_H:
    case OPTION_DILATION_W:
    case OPTION_DILATION_H:
    case OPTION_FILTER_W:
    case OPTION_FILTER_H:
    case OPTION_DEPTH_MULTIPLIER:
    case OPTION_CHANNELS_IN:
      {
        int *destination[] = {
          [OPTION_STRIDE_W] = &options->stride_w,
          [OPTION_STRIDE_H] = &options->stride_h,
          [OPTION_DILATION_W] = &options->dilation_w,
          [OPTION_DILATION_H] = &options->dilation_h,
          [OPTION_FILTER_W] = &options->filter_w,
          [OPTION_FILTER_H] = &options->filter_h,
          [OPTION_DEPTH_MULTIPLIER] = &options->depth_multiplier,
          [OPTION_CHANNELS_IN] = &options->channels_in,
        };
        if (!check_range (spec->name, value, 1, G_MAXINT32, error))
          return FALSE;
        *destination[spec->field] = (int) value;
        return TRUE;
      }

    case OPTION_BETA:
    default:
      g_assert_not_reached ();
    }
}

/* Width in bytes of an option's field in a builtin options table. */
static guint
option_field_width (OptionField field)
{
  switch (field)
    {
    case OPTION_PADDING:
    case OPTION_ACTIVATION:
    case OPTION_WEIGHTS_FORMAT:
    case OPTION_KEEP_DIMS:
    case OPTION_KEEP_NUM_DIMS:
      return 1;
    default:
      return 4;
    }
}

static gboolean
read_builtin_options (const OpDescription    *description,
                      const FlatbufferTable  *table,
                      BitlensOpOptions       *options,
                      GError                **error)
{
  for (guint i = 0; i < description->n_options; i++)
    {
      const OptionSpec *spec = &description->options[i];

      if (!flatbuffer_table_has_field (table, spec->slot))
        continue;   /* keep the default */
      if (spec->field == OPTION_BETA)
        {
          if (!flatbuffer_table_get_float (table, spec->slot, spec->name, options->beta, &options->beta, error))
            return FALSE;
          if (!isfinite (options->beta))
            {
              g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                           _("option '%s' is not a finite number"), spec->name);
              return FALSE;
            }
        }
      else
        {
          gint64 value;

          if (!flatbuffer_table_get_int (table, spec->slot, spec->name, option_field_width (spec->field), 0, &value, error)
              || !store_option (options, spec, value, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_custom_options (const OpDescription    *description,
                     const FlatbufferTable  *table,
                     BitlensOpOptions       *options,
                     GError                **error)
{
  FlatbufferVector bytes;
  FlexbufferMap map;
  gint64 format;

  if (description->n_options == 0)
    return TRUE;
  if (!flatbuffer_table_get_vector (table, OPERATOR_CUSTOM_OPTIONS, "custom_options", 1, &bytes, error)
      || !flatbuffer_table_get_int (table, OPERATOR_CUSTOM_OPTIONS_FORMAT, "custom_options_format", 1,
                                    TFLITE_CUSTOM_OPTIONS_FLEX, &format, error))
    return FALSE;
  if (format != TFLITE_CUSTOM_OPTIONS_FLEX)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("custom options format %" PRId64 " is not supported (only FlexBuffers)"), format);
      return FALSE;
    }
  if (!flexbuffer_map_init (&map, flatbuffer_vector_get_data (&bytes), bytes.length, error))
    return FALSE;

  for (guint i = 0; i < description->n_options; i++)
    {
      const OptionSpec *spec = &description->options[i];
      gboolean found;
      gint64 value;

      if (!flexbuffer_map_lookup_int (&map, spec->name, &found, &value, error))
        return FALSE;
      if (!found)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("custom option '%s' is missing"), spec->name);
          return FALSE;
        }
      if (!store_option (options, spec, value, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_options (const OpDescription    *description,
              const FlatbufferTable  *table,
              BitlensOpOptions       *options,
              GError                **error)
{
  FlatbufferTable builtin_options;
  gboolean present;
  guint8 type;

  bitlens_op_options_init (options);
  if (!flatbuffer_table_get_union (table, OPERATOR_BUILTIN_OPTIONS_TYPE, "builtin_options",
                                   &type, &builtin_options, &present, error))
    return FALSE;
  if (type != OPTIONS_NONE && type != description->options_type)
    {
      if (description->options_type == OPTIONS_NONE)
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("builtin options of type %u, but the operator takes none"), type);
      else
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("builtin options of type %u, but the operator takes type %u"),
                     type, description->options_type);
      return FALSE;
    }
  if (description->custom_code != NULL)
    return read_custom_options (description, table, options, error);
  if (present)
    return read_builtin_options (description, &builtin_options, options, error);
  return TRUE;
}

static gboolean
check_outputs_are_not_constant (const BitlensModel  *model,
                                const BitlensOp     *op,
                                GError             **error)
{
  for (int k = 0; k < op->n_outputs; k++)
    if (model->tensors[op->outputs[k]].data != NULL)
      {
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("output %d (tensor %d) is a constant tensor"), k, op->outputs[k]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_operator (ReadContext            *context,
               const FlatbufferTable  *table,
               BitlensOp              *op,
               GError                **error)
{
  const OpDescription *description;
  const OperatorCode *code;
  guint64 code_index;

  if (!flatbuffer_table_get_uint (table, OPERATOR_OPCODE_INDEX, "opcode_index", 4, 0, &code_index, error))
    return FALSE;
  if (code_index >= context->n_codes)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("opcode_index %" PRIu64 " is out of range (the model has %u operator codes)"),
                   code_index, context->n_codes);
      return FALSE;
    }
  code = &context->codes[code_index];
  description = find_op_description (code);
  if (description == NULL)
    {
      set_unsupported_operator_error (code, error);
      return FALSE;
    }
  op->kind = description->kind;

  if (!read_tensor_indices (context, table, OPERATOR_INPUTS, "inputs", _("input"),
                            description->optional_inputs, &op->n_inputs, &op->inputs, error)
      || !read_tensor_indices (context, table, OPERATOR_OUTPUTS, "outputs", _("output"), 0,
                               &op->n_outputs, &op->outputs, error)
      || !check_outputs_are_not_constant (context->model, op, error)
      || !read_options (description, table, &op->options, error))
    {
      g_prefix_error (error, "(%s): ", bitlens_op_kind_name (op->kind));
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_operators (ReadContext            *context,
                const FlatbufferTable  *subgraph,
                GError                **error)
{
  BitlensModel *model = context->model;
  FlatbufferVector operators;

  if (!flatbuffer_table_get_vector (subgraph, SUBGRAPH_OPERATORS, "operators", 4, &operators, error))
    return FALSE;
  model->ops = g_try_new0 (BitlensOp, MAX (operators.length, 1));
  if (model->ops == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("cannot allocate %u operators"), operators.length);
      return FALSE;
    }
  model->n_ops = operators.length;

  for (guint i = 0; i < operators.length; i++)
    {
      FlatbufferTable table;

      if (!flatbuffer_vector_get_table (&operators, i, &table, error)
          || !read_operator (context, &table, &model->ops[i], error))
        {
          /* "op 7: unsupported operator TANH (builtin 28)", "op 3 (CONV_2D): ..." */
          if (model->ops[i].kind != 0)
            g_prefix_error (error, _("op %u "), i);
          else
            g_prefix_error (error, _("op %u: "), i);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_subgraph (ReadContext            *context,
               const FlatbufferTable  *subgraph,
               GError                **error)
{
  BitlensModel *model = context->model;
  int n_inputs = 0, n_outputs = 0;

  if (!read_tensors (context, subgraph, error))
    return FALSE;
  if (!read_tensor_indices (context, subgraph, SUBGRAPH_INPUTS, "inputs", _("model input"), 0,
                            &n_inputs, &model->inputs, error))
    return FALSE;
  model->n_inputs = (guint) n_inputs;
  /* Inputs are written by callers: a constant there would be overwritten. */
  for (guint i = 0; i < model->n_inputs; i++)
    if (model->tensors[model->inputs[i]].data != NULL)
      {
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                     _("model input %u (tensor %d) is a constant tensor"), i, model->inputs[i]);
        return FALSE;
      }
  if (!read_tensor_indices (context, subgraph, SUBGRAPH_OUTPUTS, "outputs", _("model output"), 0,
                            &n_outputs, &model->outputs, error))
    return FALSE;
  model->n_outputs = (guint) n_outputs;
  return read_operators (context, subgraph, error);
}

gboolean
bitlens_tflite_read (BitlensModel  *model,
                     GBytes        *bytes,
                     GError       **error)
{
  g_auto(ReadContext) context = { 0 };
  FlatbufferTable root, subgraph;
  FlatbufferVector subgraphs;
  const char *description;
  gsize description_length, size;
  const guint8 *data;
  guint64 version;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (model->n_tensors == 0 && model->n_ops == 0 && model->bytes == NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Constant tensors point into the bytes: the model keeps them alive. */
  model->bytes = g_bytes_ref (bytes);
  data = g_bytes_get_data (bytes, &size);
  context.model = model;
  flatbuffer_reader_init (&context.reader, size > 0 ? data : (const guint8 *) "", size);

  if (!flatbuffer_reader_get_root (&context.reader, "TFL3", &root, error))
    return FALSE;
  if (!flatbuffer_table_get_uint (&root, MODEL_VERSION, "version", 4, 0, &version, error))
    goto fail_model;
  if (version != TFLITE_SCHEMA_VERSION)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("schema version %" PRIu64 " is not supported (expected %d)"),
                   version, TFLITE_SCHEMA_VERSION);
      return FALSE;
    }
  if (!flatbuffer_table_get_string (&root, MODEL_DESCRIPTION, "description", &description, &description_length, error)
      || !flatbuffer_table_get_vector (&root, MODEL_BUFFERS, "buffers", 4, &context.buffers, error)
      || !read_operator_codes (&context, &root, error)
      || !flatbuffer_table_get_vector (&root, MODEL_SUBGRAPHS, "subgraphs", 4, &subgraphs, error))
    goto fail_model;
  g_free (model->description);
  model->description = dup_valid_utf8 (description, description_length);

  if (subgraphs.length == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID, _("the model has no subgraph"));
      return FALSE;
    }
  if (!flatbuffer_vector_get_table (&subgraphs, 0, &subgraph, error)
      || !read_subgraph (&context, &subgraph, error))
    {
      g_prefix_error (error, _("SubGraph 0: "));
      return FALSE;
    }
  return TRUE;

fail_model:
  g_prefix_error (error, _("Model: "));
  return FALSE;
}
