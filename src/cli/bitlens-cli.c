/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cli-common.h"

static const CliCommand commands[] = {
  { "info", "Describe a model: tensors, ops, parameters, MACs, binary ops, arena", cli_info },
  { "run", "Run a model on images or raw input files", cli_run },
  { "bench", "Measure inference latency, optimized and reference kernels", cli_bench },
  { "saliency", "Compute a saliency map (occlusion) and export an annotated PNG or a .npy", cli_saliency },
  { "faithfulness", "Deletion and insertion areas of a saliency map (RISE)", cli_faithfulness },
  { "eval", "Evaluate a model on a labelled dataset: confusion matrix, metrics, predictions CSV", cli_eval },
  { "failures", "List false positives and false negatives, most confident first; export heatmaps", cli_failures },
  { "test", "Run data unit tests (metric bounds on dataset slices); JUnit XML for CI", cli_test },
  { "bias", "Find image attributes that predict the label or the model's errors", cli_bias },
  { "train", "Train a binarized person detector and export it as an LCE .tflite", cli_train },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "Usage: bitlens-cli COMMAND [OPTION...] ARGS...\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-14s %s\n", commands[i].name, commands[i].summary);
  fprintf (stream, "\nRun \"bitlens-cli COMMAND --help\" for a command's options.\n");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("bitlens-cli %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("bitlens-cli: unknown command \"%s\"\n", argv[1]);
  print_usage (stderr);
  return CLI_EXIT_USAGE;
}
