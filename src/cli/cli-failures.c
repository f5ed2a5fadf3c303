/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-evaluation.h>
#include <bitlens/bitlens-expression.h>
#include <bitlens/bitlens-render.h>
#include <bitlens/bitlens-saliency.h>

#include "cli-common.h"
#include "cli-data.h"
#include "cli-json.h"

/* bitlens-cli failures MODEL DATASET: the false positives and false negatives, most
 * confident mistake first, optionally in a slice, optionally exported as annotated
 * occlusion heatmaps. */

typedef struct
{
  char     *slice;
  char     *kind;
  int       limit;
  gboolean  json;
  double    threshold;
  char     *split;
  int       threads;
  char     *export_dir;
  int       window;
  int       stride;
  gboolean  force;
} FailuresArguments;

static gboolean
parse_kind (const char          *text,
            BitlensFailureKind  *kind)
{
  if (text == NULL || strcmp (text, "all") == 0)
    *kind = BITLENS_FAILURE_ALL;
  else if (strcmp (text, "fp") == 0)
    *kind = BITLENS_FAILURE_FALSE_POSITIVE;
  else if (strcmp (text, "fn") == 0)
    *kind = BITLENS_FAILURE_FALSE_NEGATIVE;
  else
    return FALSE;
  return TRUE;
}

/* "017_fp_000000012345.png" */
static char *
export_name (guint       rank,
             const char *kind,
             const char *file)
{
  g_autofree char *base = g_path_get_basename (file);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_strdup_printf ("%03u_%s_%s.png", rank + 1, kind, base);
}

/* An occlusion map of the model's score on the failure's image, exported as an annotated
 * PNG with the score, the prediction and the label. */
static gboolean
export_failure (BitlensEvaluation        *evaluation,
                guint                     row,
                guint                     rank,
                const FailuresArguments  *arguments,
                GError                  **error)
{
  BitlensModel *model = bitlens_evaluation_get_model (evaluation);
  const BitlensDatasetItem *item = bitlens_dataset_get_item (bitlens_evaluation_get_dataset (evaluation), row);
  int label = item->label;
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autofree char *name = export_name (rank, label == 1 ? "fn" : "fp", item->file);
  g_autofree char *path = g_build_filename (arguments->export_dir, name, NULL);
  BitlensSaliencyParams params;
  BitlensExportInfo info = { 0 };

  bitlens_saliency_params_init (&params);
  params.method = BITLENS_SALIENCY_OCCLUSION;
  if (arguments->window > 0)
    params.window = arguments->window;
  if (arguments->stride > 0)
    params.stride = arguments->stride;
  params.n_threads = arguments->threads;

  image = bitlens_image_load (item->path, error);
  if (image == NULL)
    return FALSE;
  input = bitlens_saliency_input_from_image (model, image, error);
  if (input == NULL)
    return FALSE;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, error);
  if (map == NULL)
    return FALSE;
  info.model_name = bitlens_model_get_name (model);
  info.input_name = item->file;
  info.params = &params;
  info.ground_truth = label;
  return bitlens_export_annotated_png (image, map, &info, path, arguments->force, error);
}

static void
print_text (BitlensEvaluation       *evaluation,
            GArray                  *rows,
            guint                    shown,
            const FailuresArguments *arguments,
            guint                    slice_size)
{
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);
  guint n_fp = 0, n_fn = 0;

  if (rows->len > 0)
    printf ("rank  kind  score       label      file\n");
  for (guint i = 0; i < rows->len; i++)
    {
      guint row = g_array_index (rows, guint, i);
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, row);

      if (item->label == 1)
        n_fn++;
      else
        n_fp++;
      if (i >= shown)
        continue;
      printf ("%4u  %-4s  %-10.6f  %-9s  %s", i + 1, item->label == 1 ? "FN" : "FP",
              bitlens_evaluation_get_prediction (evaluation, row)->score, cli_data_label_name (item->label), item->file);
      if (item->line > 0)
        printf ("  (line %u)", item->line);
      printf ("\n");
    }
  printf ("\n%u false positives and %u false negatives", n_fp, n_fn);
  if (arguments->slice != NULL)
    printf (" in the slice %s (%u images)", arguments->slice, slice_size);
  else
    printf (" in %u images", slice_size);
  printf (" at threshold %g", arguments->threshold);
  if (shown < rows->len)
    printf ("; the %u most confident shown", shown);
  printf ("\n");
}

static void
print_json (BitlensEvaluation       *evaluation,
            GArray                  *rows,
            guint                    shown,
            const FailuresArguments *arguments,
            guint                    slice_size)
{
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);
  g_autoptr(GString) out = g_string_new ("{\"model\": ");

  cli_json_append_string (out, bitlens_model_get_name (bitlens_evaluation_get_model (evaluation)));
  g_string_append (out, ", \"dataset\": ");
  cli_json_append_string (out, bitlens_dataset_get_path (dataset));
  g_string_append (out, ", \"slice\": ");
  if (arguments->slice != NULL)
    cli_json_append_string (out, arguments->slice);
  else
    g_string_append (out, "null");
  g_string_append (out, ", \"threshold\": ");
  cli_json_append_g9 (out, arguments->threshold);
  g_string_append_printf (out, ", \"slice_images\": %u, \"failures\": %u, \"items\": [", slice_size, rows->len);
  for (guint i = 0; i < shown; i++)
    {
      guint row = g_array_index (rows, guint, i);
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, row);

      g_string_append (out, i > 0 ? ",\n  " : "\n  ");
      g_string_append_printf (out, "{\"rank\": %u, \"kind\": \"%s\", \"file\": ", i + 1, item->label == 1 ? "fn" : "fp");
      cli_json_append_string (out, item->file);
      g_string_append_printf (out, ", \"line\": %u, \"label\": %d, \"score\": ", item->line, item->label);
      cli_json_append_g9 (out, bitlens_evaluation_get_prediction (evaluation, row)->score);
      g_string_append (out, ", \"confidence\": ");
      cli_json_append_g9 (out, bitlens_evaluation_get_mistake_confidence (evaluation, row));
      g_string_append (out, "}");
    }
  g_string_append (out, "]}\n");
  fputs (out->str, stdout);
}

int
cli_failures (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(BitlensExpression) slice = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) slice_rows = NULL;
  FailuresArguments arguments = { .limit = 0, .threshold = 0.5 };
  BitlensEvaluationOptions options;
  BitlensFailureKind kind;
  guint shown;
  int status = CLI_EXIT_FAILURE;
  const GOptionEntry entries[] = {
    { "slice", 's', 0, G_OPTION_ARG_STRING, &arguments.slice,
      "Only images matching EXPR, e.g. 'label == 0 && mean_luma < 80' (see the README)", "EXPR" },
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &arguments.kind, "fp, fn or all (default)", "KIND" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &arguments.limit, "Show (and export) the N most confident mistakes only", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &arguments.json, "Print one JSON object", NULL },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &arguments.threshold, "Predict person when the score is at least T (default 0.5)", "T" },
    { "split", 0, 0, G_OPTION_ARG_FILENAME, &arguments.split, "Only the images listed in FILE", "FILE" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &arguments.threads, "Worker threads (default: one per processor)", "N" },
    { "export-dir", 'o', 0, G_OPTION_ARG_FILENAME, &arguments.export_dir,
      "Write an annotated occlusion heatmap PNG per listed failure into DIR (RANK_KIND_NAME.png)", "DIR" },
    { "window", 0, 0, G_OPTION_ARG_INT, &arguments.window, "Occlusion window for --export-dir (default 8)", "W" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &arguments.stride, "Occlusion stride for --export-dir (default 4)", "S" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &arguments.force, "Overwrite existing PNGs in --export-dir", NULL },
    { NULL }
  };

  context = g_option_context_new ("MODEL DATASET - list a model's mistakes, most confident first");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "False positives are sorted by descending person score, false negatives by ascending score;\n"
    "with --kind all both are merged by how confident the mistake was (the score of a false\n"
    "positive, 1 - score of a false negative).");
  if (!cli_parse_options (context, &argc, &argv))
    goto out_usage;
  if (argc != 3)
    {
      g_printerr ("bitlens-cli: failures takes MODEL and DATASET\nTry \"bitlens-cli failures --help\".\n");
      goto out_usage;
    }
  if (!parse_kind (arguments.kind, &kind))
    {
      g_printerr ("bitlens-cli: --kind is fp, fn or all, not \"%s\"\n", arguments.kind);
      goto out_usage;
    }
  if (!cli_data_check_threshold (arguments.threshold, &error))
    {
      g_printerr ("bitlens-cli: %s\n", error->message);
      goto out_usage;
    }
  if (arguments.limit < 0 || arguments.threads < 0 || arguments.window < 0 || arguments.stride < 0)
    {
      g_printerr ("bitlens-cli: --limit, --threads, --window and --stride take numbers of 0 or more\n");
      goto out_usage;
    }

  model = bitlens_model_new_from_file (argv[1], &error);
  if (model == NULL)
    goto out_error;
  dataset = cli_data_load_dataset (argv[2], arguments.split, &error);
  if (dataset == NULL)
    goto out_error;
  if (arguments.slice != NULL)
    {
      slice = bitlens_expression_new (arguments.slice, bitlens_dataset_get_table (dataset), &error);
      if (slice == NULL)
        {
          g_printerr ("bitlens-cli: --slice: %s\n", error->message);
          goto out_usage;
        }
    }

  bitlens_evaluation_options_init (&options);
  options.threshold = arguments.threshold;
  options.n_threads = arguments.threads;
  evaluation = cli_data_evaluate (dataset, model, &options, &error);
  if (evaluation == NULL)
    goto out_error;
  cli_data_print_problems (evaluation, 20);

  rows = bitlens_evaluation_list_failures (evaluation, slice, kind, arguments.threshold);
  slice_rows = bitlens_evaluation_select (evaluation, slice);
  shown = arguments.limit > 0 ? MIN ((guint) arguments.limit, rows->len) : rows->len;
  if (arguments.json)
    print_json (evaluation, rows, shown, &arguments, slice_rows->len);
  else
    print_text (evaluation, rows, shown, &arguments, slice_rows->len);

  if (arguments.export_dir != NULL)
    {
      if (g_mkdir_with_parents (arguments.export_dir, 0755) != 0)
        {
          g_set_error (&error, BITLENS_ERROR, BITLENS_ERROR_IO, "cannot create %s: %s",
                       arguments.export_dir, g_strerror (errno));
          goto out_error;
        }
      for (guint i = 0; i < shown; i++)
        {
          if (!export_failure (evaluation, g_array_index (rows, guint, i), i, &arguments, &error))
            goto out_error;
          if (!arguments.json)
            g_printerr ("\rexported %u / %u heatmaps", i + 1, shown);
        }
      if (!arguments.json && shown > 0)
        g_printerr ("\n");
    }
  status = CLI_EXIT_OK;
  goto out;

out_usage:
  status = CLI_EXIT_USAGE;
  goto out;
out_error:
  cli_print_error (error);
  status = CLI_EXIT_FAILURE;
out:
  g_free (arguments.slice);
  g_free (arguments.kind);
  g_free (arguments.split);
  g_free (arguments.export_dir);
  return status;
}
