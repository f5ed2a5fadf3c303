/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include <bitlens/bitlens.h>

#include "cli-common.h"

/* `bitlens-cli info MODEL [--json]`: the description is built once as a JSON object; the
 * text form is printed from that same object. */

static const char *
padding_name (BitlensPadding padding)
{
  return padding == BITLENS_PADDING_VALID ? "VALID" : "SAME";
}

static const char *
activation_name (BitlensActivation activation)
{
  switch (activation)
    {
    case BITLENS_ACTIVATION_RELU: return "RELU";
    case BITLENS_ACTIVATION_RELU_N1_TO_1: return "RELU_N1_TO_1";
    case BITLENS_ACTIVATION_RELU6: return "RELU6";
    case BITLENS_ACTIVATION_NONE:
    default: return "NONE";
    }
}

/* Which options an op kind has. */
enum
{
  SHOW_PADDING = 1 << 0,
  SHOW_STRIDES = 1 << 1,
  SHOW_DILATIONS = 1 << 2,
  SHOW_FILTER = 1 << 3,
  SHOW_DEPTH_MULTIPLIER = 1 << 4,
  SHOW_ACTIVATION = 1 << 5,
  SHOW_BETA = 1 << 6,
  SHOW_AXIS = 1 << 7,
  SHOW_KEEP_DIMS = 1 << 8,
  SHOW_FULLY_CONNECTED = 1 << 9,
  SHOW_BINARY_CONV = 1 << 10,
};

static guint
options_shown (BitlensOpKind kind)
{
  switch (kind)
    {
    case BITLENS_OP_CONV_2D:
      return SHOW_PADDING | SHOW_STRIDES | SHOW_DILATIONS | SHOW_ACTIVATION;
    case BITLENS_OP_DEPTHWISE_CONV_2D:
      return SHOW_PADDING | SHOW_STRIDES | SHOW_DILATIONS | SHOW_DEPTH_MULTIPLIER | SHOW_ACTIVATION;
    case BITLENS_OP_AVERAGE_POOL_2D:
    case BITLENS_OP_MAX_POOL_2D:
      return SHOW_PADDING | SHOW_STRIDES | SHOW_FILTER | SHOW_ACTIVATION;
    case BITLENS_OP_FULLY_CONNECTED:
      return SHOW_ACTIVATION | SHOW_FULLY_CONNECTED;
    case BITLENS_OP_SOFTMAX:
      return SHOW_BETA;
    case BITLENS_OP_CONCATENATION:
      return SHOW_AXIS | SHOW_ACTIVATION;
    case BITLENS_OP_ADD:
    case BITLENS_OP_MUL:
      return SHOW_ACTIVATION;
    case BITLENS_OP_MEAN:
      return SHOW_KEEP_DIMS;
    case BITLENS_OP_LCE_BCONV2D:
      return SHOW_BINARY_CONV | SHOW_PADDING | SHOW_STRIDES | SHOW_DILATIONS | SHOW_ACTIVATION;
    case BITLENS_OP_LCE_BMAXPOOL2D:
      return SHOW_PADDING | SHOW_STRIDES | SHOW_FILTER;
    default:
      return 0;
    }
}

static JsonNode *
options_to_json (const BitlensOp *op)
{
  const BitlensOpOptions *options = &op->options;
  guint shown = options_shown (op->kind);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (shown & SHOW_BINARY_CONV)
    {
      json_builder_set_member_name (builder, "channels_in");
      json_builder_add_int_value (builder, options->channels_in);
    }
  if (shown & SHOW_PADDING)
    {
      json_builder_set_member_name (builder, "padding");
      json_builder_add_string_value (builder, padding_name (options->padding));
    }
  if (shown & SHOW_BINARY_CONV)
    {
      json_builder_set_member_name (builder, "pad_values");
      json_builder_add_int_value (builder, options->pad_values);
    }
  if (shown & SHOW_STRIDES)
    {
      json_builder_set_member_name (builder, "stride_w");
      json_builder_add_int_value (builder, options->stride_w);
      json_builder_set_member_name (builder, "stride_h");
      json_builder_add_int_value (builder, options->stride_h);
    }
  if (shown & SHOW_DILATIONS)
    {
      json_builder_set_member_name (builder, "dilation_w");
      json_builder_add_int_value (builder, options->dilation_w);
      json_builder_set_member_name (builder, "dilation_h");
      json_builder_add_int_value (builder, options->dilation_h);
    }
  if (shown & SHOW_FILTER)
    {
      json_builder_set_member_name (builder, "filter_w");
      json_builder_add_int_value (builder, options->filter_w);
      json_builder_set_member_name (builder, "filter_h");
      json_builder_add_int_value (builder, options->filter_h);
    }
  if (shown & SHOW_DEPTH_MULTIPLIER)
    {
      json_builder_set_member_name (builder, "depth_multiplier");
      json_builder_add_int_value (builder, options->depth_multiplier);
    }
  if (shown & SHOW_BETA)
    {
      json_builder_set_member_name (builder, "beta");
      json_builder_add_double_value (builder, options->beta);
    }
  if (shown & SHOW_AXIS)
    {
      json_builder_set_member_name (builder, "axis");
      json_builder_add_int_value (builder, options->axis);
    }
  if (shown & SHOW_KEEP_DIMS)
    {
      json_builder_set_member_name (builder, "keep_dims");
      json_builder_add_boolean_value (builder, options->keep_dims);
    }
  if (shown & SHOW_FULLY_CONNECTED)
    {
      json_builder_set_member_name (builder, "keep_num_dims");
      json_builder_add_boolean_value (builder, options->keep_num_dims);
    }
  if (shown & SHOW_ACTIVATION)
    {
      json_builder_set_member_name (builder, "activation");
      json_builder_add_string_value (builder, activation_name (options->activation));
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A tensor; with_quantization adds its full quantization parameters. */
static JsonNode *
tensor_to_json (const BitlensModel *model,
                int                 index,
                gboolean            with_quantization)
{
  const BitlensTensor *tensor = bitlens_model_get_tensor (model, (guint) index);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, index);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, tensor->name);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, bitlens_tensor_type_name (tensor->type));
  json_builder_set_member_name (builder, "shape");
  json_builder_begin_array (builder);
  for (int d = 0; d < tensor->rank; d++)
    json_builder_add_int_value (builder, tensor->shape[d]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "constant");
  json_builder_add_boolean_value (builder, tensor->data != NULL);

  json_builder_set_member_name (builder, "quantization");
  if (tensor->n_scales == 0)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "n_scales");
      json_builder_add_int_value (builder, tensor->n_scales);
      if (tensor->n_scales > 1)
        {
          json_builder_set_member_name (builder, "quantized_dimension");
          json_builder_add_int_value (builder, tensor->quantized_dimension);
        }
      if (with_quantization || tensor->n_scales == 1)
        {
          json_builder_set_member_name (builder, "scales");
          json_builder_begin_array (builder);
          for (int i = 0; i < tensor->n_scales; i++)
            json_builder_add_double_value (builder, tensor->scales[i]);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "zero_points");
          json_builder_begin_array (builder);
          for (int i = 0; i < tensor->n_scales; i++)
            json_builder_add_int_value (builder, tensor->zero_points[i]);
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
tensor_list_to_json (const BitlensModel *model,
                     const int          *indices,
                     int                 n_indices,
                     gboolean            with_quantization)
{
  JsonArray *array = json_array_sized_new ((guint) n_indices);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (int k = 0; k < n_indices; k++)
    {
      if (indices[k] < 0)
        json_array_add_null_element (array);
      else
        json_array_add_element (array, tensor_to_json (model, indices[k], with_quantization));
    }
  json_node_take_array (node, array);
  return node;
}

static JsonNode *
model_to_json (const char   *path,
               BitlensModel *model,
               gsize         arena_bytes)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree int *inputs = g_new (int, MAX (bitlens_model_get_n_inputs (model), 1));
  g_autofree int *outputs = g_new (int, MAX (bitlens_model_get_n_outputs (model), 1));
  BitlensModelCost cost;

  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    inputs[i] = bitlens_model_get_input (model, i);
  for (guint i = 0; i < bitlens_model_get_n_outputs (model); i++)
    outputs[i] = bitlens_model_get_output (model, i);
  bitlens_model_get_cost (model, &cost);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, bitlens_model_get_name (model));
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, bitlens_model_get_description (model));
  json_builder_set_member_name (builder, "inputs");
  json_builder_add_value (builder, tensor_list_to_json (model, inputs, (int) bitlens_model_get_n_inputs (model), TRUE));
  json_builder_set_member_name (builder, "outputs");
  json_builder_add_value (builder, tensor_list_to_json (model, outputs, (int) bitlens_model_get_n_outputs (model), TRUE));

  json_builder_set_member_name (builder, "ops");
  json_builder_begin_array (builder);
  for (guint o = 0; o < bitlens_model_get_n_ops (model); o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, o);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, bitlens_op_kind_name (op->kind));
      json_builder_set_member_name (builder, "inputs");
      json_builder_add_value (builder, tensor_list_to_json (model, op->inputs, op->n_inputs, FALSE));
      json_builder_set_member_name (builder, "outputs");
      json_builder_add_value (builder, tensor_list_to_json (model, op->outputs, op->n_outputs, FALSE));
      json_builder_set_member_name (builder, "options");
      json_builder_add_value (builder, options_to_json (op));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "parameters");
  json_builder_add_int_value (builder, (gint64) cost.parameters);
  json_builder_set_member_name (builder, "parameter_bytes");
  json_builder_add_int_value (builder, (gint64) cost.parameter_bytes);
  json_builder_set_member_name (builder, "macs");
  json_builder_add_int_value (builder, (gint64) cost.macs);
  json_builder_set_member_name (builder, "binary_ops");
  json_builder_add_int_value (builder, (gint64) cost.binary_ops);
  json_builder_set_member_name (builder, "arena_bytes");
  json_builder_add_int_value (builder, (gint64) arena_bytes);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Text form */

static char *
format_tensor (JsonObject *tensor)
{
  GString *text = g_string_new (NULL);
  JsonArray *shape = json_object_get_array_member (tensor, "shape");
  JsonNode *quantization = json_object_get_member (tensor, "quantization");

  g_string_append_printf (text, "#%" G_GINT64_FORMAT " %s %s [",
                          json_object_get_int_member (tensor, "index"),
                          json_object_get_string_member (tensor, "name"),
                          json_object_get_string_member (tensor, "type"));
  for (guint d = 0; d < json_array_get_length (shape); d++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, d > 0 ? "," : "", json_array_get_int_element (shape, d));
  g_string_append_c (text, ']');

  if (!JSON_NODE_HOLDS_NULL (quantization))
    {
      JsonObject *parameters = json_node_get_object (quantization);
      gint64 n_scales = json_object_get_int_member (parameters, "n_scales");

      if (n_scales == 1)
        g_string_append_printf (text, " scale %.9g zero_point %" G_GINT64_FORMAT,
                                json_array_get_double_element (json_object_get_array_member (parameters, "scales"), 0),
                                json_array_get_int_element (json_object_get_array_member (parameters, "zero_points"), 0));
      else
        g_string_append_printf (text, " per-channel (%" G_GINT64_FORMAT " scales along dimension %" G_GINT64_FORMAT ")",
                                n_scales, json_object_get_int_member (parameters, "quantized_dimension"));
    }
  if (json_object_get_boolean_member (tensor, "constant"))
    g_string_append (text, " constant");
  return g_string_free (text, FALSE);
}

static void
print_tensor_list (const char *indent,
                   const char *label,
                   JsonArray  *tensors)
{
  for (guint k = 0; k < json_array_get_length (tensors); k++)
    {
      JsonNode *node = json_array_get_element (tensors, k);
      g_autofree char *text = JSON_NODE_HOLDS_NULL (node) ? g_strdup ("(absent)")
                                                          : format_tensor (json_node_get_object (node));
      if (label != NULL)
        printf ("%s%-5s %s\n", indent, k == 0 ? label : "", text);
      else
        printf ("%s%s\n", indent, text);
    }
}

static void
print_options (JsonObject *options)
{
  g_autoptr(GList) members = json_object_get_members (options);

  if (members == NULL)
    return;
  printf ("      options:");
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (options, l->data);

      if (json_node_get_value_type (value) == G_TYPE_STRING)
        printf (" %s=%s", (const char *) l->data, json_node_get_string (value));
      else if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        printf (" %s=%s", (const char *) l->data, json_node_get_boolean (value) ? "true" : "false");
      else if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
        printf (" %s=%g", (const char *) l->data, json_node_get_double (value));
      else
        printf (" %s=%" G_GINT64_FORMAT, (const char *) l->data, json_node_get_int (value));
    }
  printf ("\n");
}

static void
print_text (JsonObject *info)
{
  JsonArray *ops = json_object_get_array_member (info, "ops");

  printf ("Model: %s\n", json_object_get_string_member (info, "file"));
  printf ("Description: %s\n", json_object_get_string_member (info, "description"));
  printf ("\nInputs:\n");
  print_tensor_list ("  ", NULL, json_object_get_array_member (info, "inputs"));
  printf ("Outputs:\n");
  print_tensor_list ("  ", NULL, json_object_get_array_member (info, "outputs"));

  printf ("\nOps (%u):\n", json_array_get_length (ops));
  for (guint o = 0; o < json_array_get_length (ops); o++)
    {
      JsonObject *op = json_array_get_object_element (ops, o);

      printf ("  %3" G_GINT64_FORMAT " %s\n", json_object_get_int_member (op, "index"),
              json_object_get_string_member (op, "kind"));
      print_tensor_list ("      ", "in:", json_object_get_array_member (op, "inputs"));
      print_tensor_list ("      ", "out:", json_object_get_array_member (op, "outputs"));
      print_options (json_object_get_object_member (op, "options"));
    }

  printf ("\nParameters:  %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " bytes)\n",
          json_object_get_int_member (info, "parameters"),
          json_object_get_int_member (info, "parameter_bytes"));
  printf ("MACs:        %" G_GINT64_FORMAT "\n", json_object_get_int_member (info, "macs"));
  printf ("Binary ops:  %" G_GINT64_FORMAT "\n", json_object_get_int_member (info, "binary_ops"));
  printf ("Arena:       %" G_GINT64_FORMAT " bytes\n", json_object_get_int_member (info, "arena_bytes"));
}

int
cli_info (int    argc,
          char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object instead of text"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL - describe a model"));
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(JsonNode) info = NULL;

  g_set_prgname ("bitlens-cli info");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Prints a model's inputs and outputs, each op with its tensors and options,\n"
                                  "parameters, multiply-accumulates, binary ops and arena size."));
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("bitlens-cli: info takes exactly one MODEL\n");
      g_printerr ("Try \"bitlens-cli info --help\".\n");
      return CLI_EXIT_USAGE;
    }

  model = bitlens_model_new_from_file (argv[1], &error);
  if (model == NULL)
    {
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  if (interpreter == NULL)
    {
      g_prefix_error (&error, "%s: ", bitlens_model_get_name (model));
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }

  info = model_to_json (argv[1], model, bitlens_interpreter_get_arena_bytes (interpreter));
  if (json)
    {
      g_autofree char *text = json_to_string (info, TRUE);
      printf ("%s\n", text);
    }
  else
    print_text (json_node_get_object (info));
  return CLI_EXIT_OK;
}
