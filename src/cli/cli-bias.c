/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-bias.h>

#include "cli-common.h"
#include "cli-data.h"
#include "cli-json.h"

/* bitlens-cli bias DATASET: how image attributes relate to the label (and, with --model, to
 * the model's errors), per bin, with the attributes that predict the label on their own
 * flagged. */

static void
format_number (char   *buffer,
               gsize   size,
               double  value)
{
  if (isnan (value))
    g_strlcpy (buffer, "-", size);
  else
    g_snprintf (buffer, size, "%.3f", value);
}

static char *
describe_rule (const BitlensBiasAttribute *attribute,
               const BitlensBiasTest      *test,
               const char                 *positive,
               const char                 *negative)
{
  const char *below = test->below_predicts ? positive : negative;
  const char *above = test->below_predicts ? negative : positive;

  if (isnan (test->threshold))
    return g_strdup (_("no rule beats the majority"));
  if (attribute->kind == BITLENS_BIAS_TAG)
    return g_strdup_printf (_("with '%s' -> %s, without -> %s"), attribute->tag, above, below);
  return g_strdup_printf (_("%s <= %g -> %s, above -> %s"), attribute->name, test->threshold, below, above);
}

static void
print_test (const BitlensBiasAttribute *attribute,
            const BitlensBiasTest      *test,
            const char                 *what,
            const char                 *positive,
            const char                 *negative)
{
  g_autofree char *rule = describe_rule (attribute, test, positive, negative);

  printf ("  %s %s: %s; accuracy %.3f vs majority %.3f (lift %+.3f, p %.4f), mutual information %.4f bits\n",
          what, test->flagged ? _("FLAGGED") : _("ok"), rule, test->best_accuracy, test->baseline_accuracy,
          test->lift, test->p_value, test->mutual_information);
}

static void
print_text (BitlensDataset    *dataset,
            BitlensBiasReport *report,
            BitlensModel      *model)
{
  const BitlensBiasOptions *options = bitlens_bias_report_get_options (report);
  gboolean with_model = bitlens_bias_report_has_model (report);
  g_autoptr(GString) flagged = g_string_new (NULL);
  g_autoptr(GString) flagged_errors = g_string_new (NULL);

  printf ("Dataset  %s (%u images: %u person, %u no person)\n", bitlens_dataset_get_path (dataset),
          bitlens_bias_report_get_n_rows (report), bitlens_bias_report_get_n_person (report),
          bitlens_bias_report_get_n_rows (report) - bitlens_bias_report_get_n_person (report));
  if (model != NULL)
    printf ("Model    %s (errors at its threshold)\n", bitlens_model_get_name (model));
  else
    printf ("Model    none: attributes against the label only (--model adds the model's errors)\n");
  printf ("Flag     lift >= %g over the majority baseline and p <= %g (%u shuffles of the labels)\n\n",
          options->min_lift, options->max_p_value, options->n_permutations);

  for (guint a = 0; a < bitlens_bias_report_get_n_attributes (report); a++)
    {
      const BitlensBiasAttribute *attribute = bitlens_bias_report_get_attribute (report, a);

      printf ("%s\n", attribute->name);
      print_test (attribute, &attribute->label, _("label"), _("person"), _("no person"));
      if (attribute->has_errors)
        print_test (attribute, &attribute->errors, _("errors"), _("wrong"), _("right"));
      printf ("    %-25s %6s  %6s", attribute->kind == BITLENS_BIAS_TAG ? _("bin") : _("bin (values)"), _("count"), _("person"));
      if (with_model)
        printf ("  %8s  %6s  %6s", _("accuracy"), _("FPR"), _("FNR"));
      printf ("\n");
      for (guint b = 0; b < attribute->n_bins; b++)
        {
          const BitlensBiasBin *bin = &attribute->bins[b];
          g_autofree char *range = NULL;

          if (attribute->kind == BITLENS_BIAS_TAG)
            range = g_strdup (b == 0 ? _("without") : _("with"));
          else
            range = g_strdup_printf ("%g .. %g", bin->lower, bin->upper);
          printf ("    %-25s %6u  %6.3f", range, bin->count, bin->person_rate);
          if (with_model)
            {
              char accuracy[32], fpr[32], fnr[32];
              format_number (accuracy, sizeof accuracy, bin->accuracy);
              format_number (fpr, sizeof fpr, bin->false_positive_rate);
              format_number (fnr, sizeof fnr, bin->false_negative_rate);
              printf ("  %8s  %6s  %6s", accuracy, fpr, fnr);
            }
          printf ("\n");
        }
      printf ("\n");
      if (attribute->label.flagged)
        g_string_append_printf (flagged, "%s%s", flagged->len > 0 ? ", " : "", attribute->name);
      if (attribute->has_errors && attribute->errors.flagged)
        g_string_append_printf (flagged_errors, "%s%s", flagged_errors->len > 0 ? ", " : "", attribute->name);
    }

  for (guint s = 0; s < bitlens_bias_report_get_n_skipped (report); s++)
    printf ("skipped  %s\n", bitlens_bias_report_get_skipped (report, s));
  if (bitlens_bias_report_get_n_skipped (report) > 0)
    printf ("\n");
  printf ("Attributes that predict the label on their own: %s\n", flagged->len > 0 ? flagged->str : _("none"));
  if (with_model)
    printf ("Attributes that predict the model's errors: %s\n", flagged_errors->len > 0 ? flagged_errors->str : _("none"));
}

static void
append_test_json (GString               *out,
                  const char            *member,
                  const BitlensBiasTest *test)
{
  g_string_append_printf (out, ", \"%s\": {\"n\": %u, \"positive\": %u, \"baseline_accuracy\": ", member, test->n, test->n_positive);
  cli_json_append_g9 (out, test->baseline_accuracy);
  g_string_append (out, ", \"best_accuracy\": ");
  cli_json_append_g9 (out, test->best_accuracy);
  g_string_append (out, ", \"threshold\": ");
  cli_json_append_g9 (out, test->threshold);
  g_string_append_printf (out, ", \"below_predicts\": %d, \"lift\": ", test->below_predicts);
  cli_json_append_g9 (out, test->lift);
  g_string_append (out, ", \"p_value\": ");
  cli_json_append_g9 (out, test->p_value);
  g_string_append (out, ", \"mutual_information\": ");
  cli_json_append_g9 (out, test->mutual_information);
  g_string_append_printf (out, ", \"flagged\": %s}", test->flagged ? "true" : "false");
}

static void
print_json (BitlensDataset    *dataset,
            BitlensBiasReport *report,
            BitlensModel      *model)
{
  const BitlensBiasOptions *options = bitlens_bias_report_get_options (report);
  g_autoptr(GString) out = g_string_new ("{\"dataset\": ");

  cli_json_append_string (out, bitlens_dataset_get_path (dataset));
  g_string_append (out, ", \"model\": ");
  if (model != NULL)
    cli_json_append_string (out, bitlens_model_get_name (model));
  else
    g_string_append (out, "null");
  g_string_append_printf (out, ", \"images\": %u, \"person\": %u, \"bins\": %u, \"permutations\": %u, \"min_lift\": ",
                          bitlens_bias_report_get_n_rows (report), bitlens_bias_report_get_n_person (report),
                          options->n_bins, options->n_permutations);
  cli_json_append_g9 (out, options->min_lift);
  g_string_append (out, ", \"max_p_value\": ");
  cli_json_append_g9 (out, options->max_p_value);
  g_string_append (out, ", \"attributes\": [");
  for (guint a = 0; a < bitlens_bias_report_get_n_attributes (report); a++)
    {
      const BitlensBiasAttribute *attribute = bitlens_bias_report_get_attribute (report, a);

      g_string_append (out, a > 0 ? ",\n  {\"name\": " : "\n  {\"name\": ");
      cli_json_append_string (out, attribute->name);
      g_string_append (out, ", \"column\": ");
      cli_json_append_string (out, attribute->column);
      g_string_append (out, ", \"tag\": ");
      if (attribute->tag != NULL)
        cli_json_append_string (out, attribute->tag);
      else
        g_string_append (out, "null");
      append_test_json (out, "label", &attribute->label);
      if (attribute->has_errors)
        append_test_json (out, "errors", &attribute->errors);
      g_string_append (out, ", \"bins\": [");
      for (guint b = 0; b < attribute->n_bins; b++)
        {
          const BitlensBiasBin *bin = &attribute->bins[b];

          g_string_append (out, b > 0 ? ", {\"lower\": " : "{\"lower\": ");
          cli_json_append_g9 (out, bin->lower);
          g_string_append (out, ", \"upper\": ");
          cli_json_append_g9 (out, bin->upper);
          g_string_append_printf (out, ", \"count\": %u, \"person\": %u, \"person_rate\": ", bin->count, bin->n_person);
          cli_json_append_g9 (out, bin->person_rate);
          if (attribute->has_errors)
            {
              g_string_append_printf (out, ", \"evaluated\": %u, \"accuracy\": ", bin->n_evaluated);
              cli_json_append_g9 (out, bin->accuracy);
              g_string_append (out, ", \"false_positive_rate\": ");
              cli_json_append_g9 (out, bin->false_positive_rate);
              g_string_append (out, ", \"false_negative_rate\": ");
              cli_json_append_g9 (out, bin->false_negative_rate);
            }
          g_string_append (out, "}");
        }
      g_string_append (out, "]}");
    }
  g_string_append (out, "], \"skipped\": [");
  for (guint s = 0; s < bitlens_bias_report_get_n_skipped (report); s++)
    {
      if (s > 0)
        g_string_append (out, ", ");
      cli_json_append_string (out, bitlens_bias_report_get_skipped (report, s));
    }
  g_string_append (out, "]}\n");
  fputs (out->str, stdout);
}

int
cli_bias (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(BitlensBiasReport) report = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *split = NULL;
  gboolean json = FALSE;
  int bins = 5;
  int threads = 0;
  double threshold = 0.5;
  BitlensEvaluationOptions evaluation_options;
  BitlensBiasOptions options;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Also relate the attributes to this model's errors", "MODEL" },
    { "bins", 0, 0, G_OPTION_ARG_INT, &bins, "Equal-count bins per number attribute (default 5)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { "split", 0, 0, G_OPTION_ARG_FILENAME, &split, "Only the images listed in FILE", "FILE" },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold, "The model predicts person when its score is at least T (default 0.5)", "T" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: one per processor)", "N" },
    { NULL }
  };

  context = g_option_context_new ("DATASET - find image attributes that predict the label (shortcuts) or the model's errors");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Attributes: mean_luma and std_luma (ITU-R 601 luma, measured), width, height, every number\n"
    "column of labels.csv and every tag (space-separated word) of its text columns. An attribute is\n"
    "flagged when its best single-threshold rule beats the majority baseline by at least 0.03 in\n"
    "accuracy and shuffling the labels 2000 times does as well at most 5% of the time (p <= 0.05).");
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("bitlens-cli: bias takes one DATASET\nTry \"bitlens-cli bias --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (bins < 1 || bins > 100 || threads < 0 || !cli_data_check_threshold (threshold, &error))
    {
      g_printerr ("bitlens-cli: %s\n", error != NULL ? error->message : "--bins takes 1 to 100, --threads 0 or more");
      return CLI_EXIT_USAGE;
    }

  if (model_path != NULL && (model = bitlens_model_new_from_file (model_path, &error)) == NULL)
    goto fail;
  dataset = cli_data_load_dataset (argv[1], split, &error);
  if (dataset == NULL)
    goto fail;
  /* Without a model the images are still read, to measure them. */
  bitlens_evaluation_options_init (&evaluation_options);
  evaluation_options.threshold = threshold;
  evaluation_options.n_threads = threads;
  evaluation = cli_data_evaluate (dataset, model, &evaluation_options, &error);
  if (evaluation == NULL)
    goto fail;
  cli_data_print_problems (evaluation, 20);

  bitlens_bias_options_init (&options);
  options.n_bins = bins;
  report = bitlens_bias_analyze (dataset, evaluation, &options, NULL, &error);
  if (report == NULL)
    goto fail;
  if (json)
    print_json (dataset, report, model);
  else
    print_text (dataset, report, model);
  return CLI_EXIT_OK;

fail:
  cli_print_error (error);
  return CLI_EXIT_FAILURE;
}
