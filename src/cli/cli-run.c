/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <bitlens/bitlens.h>

#include "cli-common.h"
#include "cli-json.h"

/* bitlens-cli run MODEL INPUT... : one interpreter, each input in order, one line per input.
 * The first failing input stops the run (exit 1) after the lines of the inputs before it. */

typedef struct
{
  gboolean             raw;
  gboolean             json;
  const char          *dump_dir;

  BitlensModel        *model;
  BitlensInterpreter  *interpreter;
  const BitlensTensor *input;
  const BitlensTensor *output;
} RunContext;

/* The file name without its last extension: "a/b/000785.png" -> "000785". */
static char *
path_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

/* Tensor names become file names: letters, digits, '.', '-' and '_' stay, anything else
 * (the '/' and ';' of TensorFlow names) becomes '_'; at most 100 bytes. */
static char *
sanitize_tensor_name (const char *name,
                      int         tensor_index)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name != NULL ? name : ""; *p != '\0' && out->len < 100; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' ? *p : '_');
  if (out->len == 0)
    g_string_append_printf (out, "tensor%d", tensor_index);
  return g_string_free (out, FALSE);
}

static gboolean
write_dumps (RunContext  *run,
             const char  *input_path,
             GError     **error)
{
  g_autofree char *stem = path_stem (input_path);
  g_autofree char *folder = g_build_filename (run->dump_dir, stem, NULL);
  guint n_ops = bitlens_model_get_n_ops (run->model);

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (folder);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("cannot create %s: %s"),
                   display, g_strerror (saved_errno));
      return FALSE;
    }

  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (run->model, o);

      for (int k = 0; k < op->n_outputs; k++)
        {
          int t = op->outputs[k];
          const BitlensTensor *tensor = bitlens_model_get_tensor (run->model, t);
          const void *data = bitlens_interpreter_get_tensor_data (run->interpreter, t);
          g_autofree char *safe_name = sanitize_tensor_name (tensor->name, t);
          g_autofree char *file_name = g_strdup_printf ("op%03u_%s.bin", o, safe_name);
          g_autofree char *path = g_build_filename (folder, file_name, NULL);
          g_autoptr(GError) write_error = NULL;

          if (data == NULL)
            continue;
          if (!g_file_set_contents (path, data, tensor->n_bytes, &write_error))
            {
              g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_IO, write_error->message);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static void
append_output_values (GString             *out,
                      const BitlensTensor *tensor,
                      const void          *data,
                      gboolean             json)
{
  g_string_append_c (out, '[');
  for (gsize i = 0; i < tensor->n_elements; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      switch (tensor->type)
        {
        case BITLENS_TYPE_INT8:
          g_string_append_printf (out, "%d", ((const gint8 *) data)[i]);
          break;
        case BITLENS_TYPE_UINT8:
          g_string_append_printf (out, "%u", ((const guint8 *) data)[i]);
          break;
        case BITLENS_TYPE_INT16:
          g_string_append_printf (out, "%d", ((const gint16 *) data)[i]);
          break;
        case BITLENS_TYPE_INT32:
          g_string_append_printf (out, "%" G_GINT32_FORMAT, ((const gint32 *) data)[i]);
          break;
        case BITLENS_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, ((const gint64 *) data)[i]);
          break;
        case BITLENS_TYPE_BOOL:
          g_string_append_printf (out, "%u", ((const guint8 *) data)[i] != 0);
          break;
        case BITLENS_TYPE_FLOAT32:
          if (json)
            cli_json_append_g9 (out, ((const float *) data)[i]);
          else
            {
              char number[G_ASCII_DTOSTR_BUF_SIZE];
              cli_format_g9 (number, sizeof number, ((const float *) data)[i]);
              g_string_append (out, number);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_string_append_c (out, ']');
}

static void
print_result (RunContext *run,
              const char *input_path)
{
  const void *data = bitlens_interpreter_get_output_data (run->interpreter, 0);
  double score = bitlens_interpreter_get_person_score (run->interpreter);
  g_autoptr(GString) line = g_string_new (NULL);

  if (run->json)
    {
      g_string_append (line, "{\"input\": ");
      cli_json_append_string (line, input_path);
      g_string_append (line, ", \"output\": ");
      append_output_values (line, run->output, data, TRUE);
      g_string_append (line, ", \"person_score\": ");
      cli_json_append_g9 (line, score);
      g_string_append (line, "}\n");
    }
  else
    {
      g_autofree char *display = g_filename_display_name (input_path);
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      cli_format_g9 (number, sizeof number, score);
      g_string_append_printf (line, "%s: output ", display);
      append_output_values (line, run->output, data, FALSE);
      g_string_append_printf (line, ", person score %s\n", number);
    }
  fputs (line->str, stdout);
  fflush (stdout);
}

static gboolean
set_input_from_file (RunContext  *run,
                     const char  *input_path,
                     GError     **error)
{
  g_autofree char *display = g_filename_display_name (input_path);

  if (run->raw)
    {
      g_autofree char *contents = NULL;
      g_autoptr(GError) read_error = NULL;
      gsize length = 0;

      if (!g_file_get_contents (input_path, &contents, &length, &read_error))
        {
          g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_IO, read_error->message);
          return FALSE;
        }
      if (!bitlens_interpreter_set_input_bytes (run->interpreter, contents, length, error))
        {
          g_prefix_error (error, "%s: ", display);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(BitlensImage) image = bitlens_image_load (input_path, error);

      if (image == NULL)
        return FALSE;
      if (!bitlens_image_to_input (image, run->input,
                                   bitlens_interpreter_get_input_data (run->interpreter, 0), error))
        {
          g_prefix_error (error, "%s: ", display);
          return FALSE;
        }
    }
  return TRUE;
}

/* Two inputs with the same file stem would write their dumps into the same folder. */
static gboolean
check_distinct_stems (char       **inputs,
                      GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (char **input = inputs; *input != NULL; input++)
    {
      char *stem = path_stem (*input);
      const char *first = g_hash_table_lookup (seen, stem);

      if (first != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("%s and %s would share the dump folder \"%s\"; give inputs distinct names"),
                       first, *input, stem);
          g_free (stem);
          return FALSE;
        }
      g_hash_table_insert (seen, stem, *input);
    }
  return TRUE;
}

int
cli_run (int    argc,
         char **argv)
{
  gboolean raw = FALSE, json = FALSE, reference = FALSE;
  g_autofree char *dump_dir = NULL;
  g_auto(GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw,
      N_("Each INPUT is a raw file whose bytes are copied into the model's input 0 (its size must match)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print one JSON object per input per line: {\"input\": PATH, \"output\": [...], \"person_score\": S}"), NULL },
    { "reference", 0, 0, G_OPTION_ARG_NONE, &reference,
      N_("Run the reference kernels even where an optimized twin exists"), NULL },
    { "dump-dir", 0, 0, G_OPTION_ARG_FILENAME, &dump_dir,
      N_("Write every op's output tensor as raw bytes to DIR/<input stem>/op<NNN>_<tensor name>.bin"), N_("DIR") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, N_("MODEL INPUT…") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("- run a model on images or raw input files"));
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(GError) error = NULL;
  BitlensInterpreterFlags flags = BITLENS_INTERPRETER_DEFAULT;
  RunContext run = { 0 };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Images (PNG or JPEG) are decoded to RGB, stretched to the input's height and width (area\n"
      "averaging when shrinking, bilinear when enlarging), turned to gray for one-channel inputs\n"
      "(gray = (299 R + 587 G + 114 B + 500) / 1000) and stored as int8 pixel - 128, uint8 pixel\n"
      "or float pixel / 255. Each line shows output 0 and the person score. Float values print\n"
      "with %.9g, so they read back exactly.\n"
      "\n"
      "Exit status: 0 success, 1 model or input error (the run stops at the first failing input),\n"
      "2 usage error."));
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;

  if (paths == NULL || paths[0] == NULL)
    {
      g_printerr ("bitlens-cli: run: no model given\nTry \"bitlens-cli run --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (paths[1] == NULL)
    {
      g_printerr ("bitlens-cli: run: no input given\nTry \"bitlens-cli run --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (dump_dir != NULL && !check_distinct_stems (paths + 1, &error))
    {
      g_printerr ("bitlens-cli: run: %s\n", error->message);
      return CLI_EXIT_USAGE;
    }

  model = bitlens_model_new_from_file (paths[0], &error);
  if (model == NULL)
    {
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }
  if (bitlens_model_get_n_inputs (model) == 0 || bitlens_model_get_n_outputs (model) == 0)
    {
      g_autofree char *display = g_filename_display_name (paths[0]);
      g_printerr ("bitlens-cli: %s: the model has no input or no output\n", display);
      return CLI_EXIT_FAILURE;
    }

  if (reference)
    flags |= BITLENS_INTERPRETER_FORCE_REFERENCE;
  if (dump_dir != NULL)
    flags |= BITLENS_INTERPRETER_PRESERVE_ALL;
  interpreter = bitlens_interpreter_new (model, flags, &error);
  if (interpreter == NULL)
    {
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }

  run.raw = raw;
  run.json = json;
  run.dump_dir = dump_dir;
  run.model = model;
  run.interpreter = interpreter;
  run.input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  run.output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));

  for (char **input = paths + 1; *input != NULL; input++)
    {
      if (!set_input_from_file (&run, *input, &error))
        {
          cli_print_error (error);
          return CLI_EXIT_FAILURE;
        }
      bitlens_interpreter_invoke (interpreter);
      print_result (&run, *input);
      if (dump_dir != NULL && !write_dumps (&run, *input, &error))
        {
          cli_print_error (error);
          return CLI_EXIT_FAILURE;
        }
    }
  return CLI_EXIT_OK;
}
