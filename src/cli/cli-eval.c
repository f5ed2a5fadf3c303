/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-evaluation.h>
#include <bitlens/bitlens-statistics.h>

#include "cli-common.h"
#include "cli-data.h"
#include "cli-json.h"

/* bitlens-cli eval MODEL DATASET: confusion matrix and metrics of a model on a labelled
 * dataset, optionally with every prediction in a CSV file. */

static const BitlensMetric report_metrics[] = {
  BITLENS_METRIC_ACCURACY,
  BITLENS_METRIC_PRECISION,
  BITLENS_METRIC_RECALL,
  BITLENS_METRIC_FALSE_POSITIVE_RATE,
  BITLENS_METRIC_FALSE_NEGATIVE_RATE,
};

/* Numerator and denominator of a metric, for the text report. */
static void
metric_fraction (const BitlensConfusion *c,
                 BitlensMetric           metric,
                 guint                  *numerator,
                 guint                  *denominator)
{
  guint tp = c->true_positives, fp = c->false_positives, tn = c->true_negatives, fn = c->false_negatives;

  switch (metric)
    {
    case BITLENS_METRIC_ACCURACY: *numerator = tp + tn; *denominator = tp + fp + tn + fn; break;
    case BITLENS_METRIC_PRECISION: *numerator = tp; *denominator = tp + fp; break;
    case BITLENS_METRIC_RECALL: *numerator = tp; *denominator = tp + fn; break;
    case BITLENS_METRIC_FALSE_POSITIVE_RATE: *numerator = fp; *denominator = fp + tn; break;
    case BITLENS_METRIC_FALSE_NEGATIVE_RATE: *numerator = fn; *denominator = fn + tp; break;
    case BITLENS_METRIC_COUNT:
    default: *numerator = *denominator = tp + fp + tn + fn; break;
    }
}

static void
print_text (BitlensEvaluation      *evaluation,
            const BitlensConfusion *c,
            double                  threshold,
            GArray                 *curve)
{
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);
  guint n_rows = bitlens_evaluation_get_n_rows (evaluation);
  guint evaluated = bitlens_confusion_get_total (c);
  double seconds = bitlens_evaluation_get_seconds (evaluation);

  printf ("Model      %s\n", bitlens_model_get_name (bitlens_evaluation_get_model (evaluation)));
  printf ("Dataset    %s", bitlens_dataset_get_path (dataset));
  if (bitlens_dataset_get_split_path (dataset) != NULL)
    printf (" (split %s)", bitlens_dataset_get_split_path (dataset));
  printf ("\nImages     %u: %u person, %u no person", n_rows, bitlens_dataset_count_label (dataset, 1),
          bitlens_dataset_count_label (dataset, 0));
  if (evaluated < n_rows)
    printf ("; %u could not be read", n_rows - evaluated);
  printf ("\nThreshold  %g (person when the score is at least this)\n\n", threshold);

  printf ("                   predicted person  predicted no person\n");
  printf ("label person       %16u  %19u\n", c->true_positives, c->false_negatives);
  printf ("label no person    %16u  %19u\n\n", c->false_positives, c->true_negatives);

  for (gsize m = 0; m < G_N_ELEMENTS (report_metrics); m++)
    {
      double value = bitlens_confusion_get_metric (c, report_metrics[m]);
      guint numerator, denominator;

      metric_fraction (c, report_metrics[m], &numerator, &denominator);
      if (isnan (value))
        printf ("%-20s %8s  (%u / %u)\n", bitlens_metric_get_name (report_metrics[m]), "-", numerator, denominator);
      else
        printf ("%-20s %8.4f  (%u / %u)\n", bitlens_metric_get_name (report_metrics[m]), value, numerator, denominator);
    }
  /* Over every threshold. */
  printf ("%-20s %8.4f\n", "average_precision", bitlens_curve_get_average_precision (curve));
  printf ("%-20s %8.4f\n", "roc_auc", bitlens_curve_get_roc_auc (curve));
  printf ("\n%u images in %.2f s with %u threads (%.0f images/s)\n", n_rows, seconds,
          bitlens_evaluation_get_n_threads (evaluation), seconds > 0 ? n_rows / seconds : 0.0);
}

static void
print_json (BitlensEvaluation      *evaluation,
            const BitlensConfusion *c,
            double                  threshold,
            GArray                 *curve)
{
  BitlensDataset *dataset = bitlens_evaluation_get_dataset (evaluation);
  g_autoptr(GString) out = g_string_new ("{");
  const char *split = bitlens_dataset_get_split_path (dataset);

  g_string_append (out, "\"model\": ");
  cli_json_append_string (out, bitlens_model_get_name (bitlens_evaluation_get_model (evaluation)));
  g_string_append (out, ", \"dataset\": ");
  cli_json_append_string (out, bitlens_dataset_get_path (dataset));
  g_string_append (out, ", \"split\": ");
  if (split != NULL)
    cli_json_append_string (out, split);
  else
    g_string_append (out, "null");
  g_string_append (out, ", \"threshold\": ");
  cli_json_append_g9 (out, threshold);
  g_string_append_printf (out, ", \"images\": %u, \"person\": %u, \"no_person\": %u, \"evaluated\": %u",
                          bitlens_evaluation_get_n_rows (evaluation), bitlens_dataset_count_label (dataset, 1),
                          bitlens_dataset_count_label (dataset, 0), bitlens_confusion_get_total (c));
  g_string_append_printf (out, ", \"true_positives\": %u, \"false_positives\": %u, \"true_negatives\": %u, \"false_negatives\": %u",
                          c->true_positives, c->false_positives, c->true_negatives, c->false_negatives);
  for (gsize m = 0; m < G_N_ELEMENTS (report_metrics); m++)
    {
      g_string_append_printf (out, ", \"%s\": ", bitlens_metric_get_name (report_metrics[m]));
      cli_json_append_g9 (out, bitlens_confusion_get_metric (c, report_metrics[m]));
    }
  g_string_append (out, ", \"average_precision\": ");
  cli_json_append_g9 (out, bitlens_curve_get_average_precision (curve));
  g_string_append (out, ", \"roc_auc\": ");
  cli_json_append_g9 (out, bitlens_curve_get_roc_auc (curve));
  g_string_append (out, ", \"seconds\": ");
  cli_json_append_g9 (out, bitlens_evaluation_get_seconds (evaluation));
  g_string_append_printf (out, ", \"threads\": %u, \"problems\": [", bitlens_evaluation_get_n_threads (evaluation));
  for (guint i = 0; i < bitlens_evaluation_get_n_problems (evaluation); i++)
    {
      g_autofree char *text = bitlens_dataset_problem_to_string (bitlens_evaluation_get_problem (evaluation, i));
      if (i > 0)
        g_string_append (out, ", ");
      cli_json_append_string (out, text);
    }
  g_string_append (out, "]}\n");
  fputs (out->str, stdout);
}

static gboolean
write_text_file (const char  *path,
                 const char  *text,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_file_set_contents (path, text, -1, &local_error))
    return TRUE;
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", local_error->message);
  return FALSE;
}

int
cli_eval (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autofree char *split = NULL;
  g_autofree char *predictions = NULL;
  g_autofree char *pr_curve_path = NULL;
  g_autofree char *histogram_path = NULL;
  g_autoptr(GArray) curve = NULL;
  int n_bins = 20;
  double threshold = 0.5;
  gboolean json = FALSE;
  int threads = 0;
  BitlensEvaluationOptions options;
  BitlensConfusion confusion;
  const GOptionEntry entries[] = {
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold, "Predict person when the score is at least T (default 0.5)", "T" },
    { "split", 0, 0, G_OPTION_ARG_FILENAME, &split,
      "Only the images listed in FILE (paths relative to the dataset; FILE is looked for here, in the dataset and beside it)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { "predictions", 'p', 0, G_OPTION_ARG_FILENAME, &predictions,
      "Write file,label,score,predicted,correct for every image to OUT.csv", "OUT.csv" },
    { "pr-curve", 0, 0, G_OPTION_ARG_FILENAME, &pr_curve_path,
      "Write the precision-recall and ROC curve (one line per distinct score) to OUT.csv", "OUT.csv" },
    { "histogram", 0, 0, G_OPTION_ARG_FILENAME, &histogram_path,
      "Write the histogram of the scores per class (lower,upper,person,no_person) to OUT.csv", "OUT.csv" },
    { "bins", 0, 0, G_OPTION_ARG_INT, &n_bins, "Bins of --histogram over [0, 1] (default 20)", "N" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: one per processor); results do not depend on it", "N" },
    { NULL }
  };

  context = g_option_context_new ("MODEL DATASET - measure a person detector on a labelled dataset");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "DATASET is a folder with labels.csv (file,label[,more columns]; label 1 = person) or with\n"
    "person/ and no_person/ subfolders. Lines that cannot be used and images that cannot be read\n"
    "are reported on stderr with their labels.csv line and left out; the rest is evaluated.");
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 3)
    {
      g_printerr ("bitlens-cli: eval takes MODEL and DATASET\nTry \"bitlens-cli eval --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (!cli_data_check_threshold (threshold, &error) || threads < 0)
    {
      g_printerr ("bitlens-cli: %s\n", error != NULL ? error->message : "--threads must be 0 or more");
      return CLI_EXIT_USAGE;
    }
  if (n_bins < 1 || n_bins > 10000)
    {
      g_printerr ("bitlens-cli: --bins must be between 1 and 10000\n");
      return CLI_EXIT_USAGE;
    }

  model = bitlens_model_new_from_file (argv[1], &error);
  if (model == NULL)
    goto fail;
  dataset = cli_data_load_dataset (argv[2], split, &error);
  if (dataset == NULL)
    goto fail;

  bitlens_evaluation_options_init (&options);
  options.threshold = threshold;
  options.n_threads = threads;
  evaluation = cli_data_evaluate (dataset, model, &options, &error);
  if (evaluation == NULL)
    goto fail;
  cli_data_print_problems (evaluation, 20);

  bitlens_evaluation_count (evaluation, NULL, threshold, &confusion);
  if (predictions != NULL && !bitlens_evaluation_write_predictions_csv (evaluation, threshold, predictions, &error))
    goto fail;
  curve = bitlens_evaluation_compute_curve (evaluation, NULL);
  if (pr_curve_path != NULL)
    {
      g_autofree char *csv = bitlens_curve_format_csv (curve);

      if (!write_text_file (pr_curve_path, csv, &error))
        goto fail;
    }
  if (histogram_path != NULL)
    {
      g_autoptr(GArray) bins = bitlens_evaluation_compute_score_histogram (evaluation, NULL, (guint) n_bins);
      g_autofree char *csv = bitlens_score_histogram_format_csv (bins);

      if (!write_text_file (histogram_path, csv, &error))
        goto fail;
    }
  if (json)
    print_json (evaluation, &confusion, threshold, curve);
  else
    print_text (evaluation, &confusion, threshold, curve);
  return CLI_EXIT_OK;

fail:
  cli_print_error (error);
  return CLI_EXIT_FAILURE;
}
