/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-datatest.h>

#include "cli-common.h"
#include "cli-data.h"

/* bitlens-cli test SPEC: runs data unit tests. Exit 0 when every test passes on the model
 * (model A), 1 when one fails or the model cannot be run, 2 for usage and spec errors. */

static BitlensModel *
load_spec_model (BitlensDatatestSpec  *spec,
                 const char           *option,
                 GError              **error)
{
  if (option != NULL)
    return bitlens_model_new_from_file (option, error);
  if (bitlens_datatest_spec_get_model_path (spec) == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("%s: no model to test: give --model or set path= in [model]"),
                   bitlens_datatest_spec_get_path (spec));
      return NULL;
    }
  {
    g_autoptr(GError) local_error = NULL;
    BitlensModel *model = bitlens_model_new_from_file (bitlens_datatest_spec_get_model_path (spec), &local_error);
    if (model == NULL)
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, _("%s: [model] path: %s"),
                   bitlens_datatest_spec_get_path (spec), local_error->message);
    return model;
  }
}

static int
exit_status_for (const GError *error)
{
  if (g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID))
    return CLI_EXIT_USAGE;
  return CLI_EXIT_FAILURE;
}

int
cli_test (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensModel) model_a = NULL;
  g_autoptr(BitlensModel) model_b = NULL;
  g_autoptr(BitlensEvaluation) evaluation_a = NULL;
  g_autoptr(BitlensEvaluation) evaluation_b = NULL;
  g_autoptr(BitlensDatatestReport) report = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *model_b_path = NULL;
  g_autofree char *junit_path = NULL;
  g_autofree char *output = NULL;
  double threshold = NAN;
  gboolean json = FALSE;
  int threads = 0;
  BitlensEvaluationOptions options;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "The model to test (instead of the spec's [model] path)", "MODEL" },
    { "model-b", 'b', 0, G_OPTION_ARG_FILENAME, &model_b_path,
      "A second model to compare: its values and B - A are shown; the verdict stays the first model's", "MODEL" },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold,
      "Predict person when the score is at least T (default: the spec's [model] threshold, else 0.5)", "T" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit_path, "Write a JUnit XML report to FILE", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the report as JSON", NULL },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: one per processor)", "N" },
    { NULL }
  };

  context = g_option_context_new ("SPEC - run data unit tests: metrics on slices of a dataset, with bounds");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "SPEC is a key file: [dataset] path= (split=), optional [model] path= (threshold=), and\n"
    "[test NAME] groups with where= (a slice expression), metric= (accuracy, precision, recall,\n"
    "false_positive_rate, false_negative_rate, count) and min= and/or max=. See the README.\n"
    "Exit status: 0 all tests pass, 1 a test fails (or the model cannot run), 2 usage or spec error.");
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("bitlens-cli: test takes one SPEC file\nTry \"bitlens-cli test --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if ((!isnan (threshold) && !cli_data_check_threshold (threshold, &error)) || threads < 0)
    {
      g_printerr ("bitlens-cli: %s\n", error != NULL ? error->message : "--threads must be 0 or more");
      return CLI_EXIT_USAGE;
    }

  spec = bitlens_datatest_spec_load (argv[1], &error);
  if (spec == NULL)
    goto fail;
  dataset = bitlens_datatest_spec_load_dataset (spec, &error);
  if (dataset == NULL)
    goto fail;
  if (!bitlens_datatest_spec_bind (spec, bitlens_dataset_get_table (dataset), &error))
    goto fail;
  model_a = load_spec_model (spec, model_path, &error);
  if (model_a == NULL)
    goto fail;
  if (model_b_path != NULL && (model_b = bitlens_model_new_from_file (model_b_path, &error)) == NULL)
    goto fail;

  bitlens_evaluation_options_init (&options);
  options.n_threads = threads;
  if (!isnan (threshold))
    options.threshold = threshold;
  else if (!isnan (bitlens_datatest_spec_get_threshold (spec)))
    options.threshold = bitlens_datatest_spec_get_threshold (spec);

  evaluation_a = cli_data_evaluate (dataset, model_a, &options, &error);
  if (evaluation_a == NULL)
    goto fail;
  cli_data_print_problems (evaluation_a, 20);
  if (model_b != NULL)
    {
      evaluation_b = cli_data_evaluate (dataset, model_b, &options, &error);
      if (evaluation_b == NULL)
        goto fail;
    }

  report = bitlens_datatest_report_new (spec, evaluation_a, evaluation_b);
  if (junit_path != NULL)
    {
      g_autofree char *junit = bitlens_datatest_report_to_junit (report);
      g_autoptr(GError) write_error = NULL;

      if (!g_file_set_contents (junit_path, junit, -1, &write_error))
        {
          g_set_error (&error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", write_error->message);
          goto fail;
        }
    }
  output = json ? bitlens_datatest_report_to_json (report) : bitlens_datatest_report_to_text (report);
  fputs (output, stdout);
  if (json)
    fputc ('\n', stdout);
  return bitlens_datatest_report_passed (report) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;

fail:
  cli_print_error (error);
  return exit_status_for (error);
}
