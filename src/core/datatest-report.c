/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "bitlens/bitlens-datatest.h"
#include "datatest-private.h"

/* Data unit test reports as text (a table for people), JSON (for scripts) and JUnit XML
 * (for CI systems). */

static char *
format_value (BitlensMetric metric,
              double        value)
{
  if (isnan (value))
    return g_strdup ("-");
  if (metric == BITLENS_METRIC_COUNT)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.4f", value);
}

static char *
format_bounds (const BitlensDatatest *test)
{
  if (!isnan (test->min) && !isnan (test->max))
    return g_strdup_printf ("%g..%g", test->min, test->max);
  if (!isnan (test->min))
    return g_strdup_printf (">= %g", test->min);
  return g_strdup_printf ("<= %g", test->max);
}

static const char *
model_name (BitlensEvaluation *evaluation)
{
  return evaluation != NULL ? bitlens_model_get_name (bitlens_evaluation_get_model (evaluation)) : NULL;
}

/* "/data/vww (split test.txt, 500 images)" */
static char *
describe_dataset (BitlensDataset *dataset)
{
  const char *split = bitlens_dataset_get_split_path (dataset);
  g_autofree char *split_name = split != NULL ? g_path_get_basename (split) : NULL;

  if (split != NULL)
    return g_strdup_printf (_("%s (split %s, %u images)"), bitlens_dataset_get_path (dataset), split_name,
                            bitlens_dataset_get_n_items (dataset));
  return g_strdup_printf (_("%s (%u images)"), bitlens_dataset_get_path (dataset), bitlens_dataset_get_n_items (dataset));
}

char *
bitlens_datatest_report_to_text (BitlensDatatestReport *report)
{
  GString *out;
  gboolean with_b;
  BitlensDataset *dataset;
  g_autofree char *dataset_text = NULL;
  int name_width = 4;

  g_return_val_if_fail (report != NULL, NULL);

  with_b = report->evaluation_b != NULL;
  dataset = bitlens_evaluation_get_dataset (report->evaluation_a);
  dataset_text = describe_dataset (dataset);
  out = g_string_new (NULL);
  g_string_append_printf (out, _("Data unit tests %s\n"), bitlens_datatest_spec_get_path (report->spec));
  g_string_append_printf (out, _("Dataset  %s\n"), dataset_text);
  g_string_append_printf (out, _("Model A  %s\n"), model_name (report->evaluation_a));
  if (with_b)
    g_string_append_printf (out, _("Model B  %s\n"), model_name (report->evaluation_b));
  g_string_append_printf (out, _("Threshold %g (person when score >= threshold)\n\n"),
                          bitlens_evaluation_get_threshold (report->evaluation_a));

  for (guint i = 0; i < report->n_results; i++)
    name_width = MAX (name_width, (int) strlen (report->results[i].test->name));

  g_string_append_printf (out, "%-*s  %6s  %-19s  %-13s  %8s  %-6s", name_width, _("test"), _("images"),
                          _("metric"), _("bounds"), with_b ? _("A") : _("value"), _("result"));
  if (with_b)
    g_string_append_printf (out, "  %8s  %-6s  %8s", _("B"), _("result"), _("B - A"));
  g_string_append_c (out, '\n');

  for (guint i = 0; i < report->n_results; i++)
    {
      const BitlensDatatestResult *result = &report->results[i];
      const BitlensDatatest *test = result->test;
      g_autofree char *value = format_value (test->metric, result->a.value);
      g_autofree char *bounds = format_bounds (test);

      g_string_append_printf (out, "%-*s  %6u  %-19s  %-13s  %8s  %-6s", name_width, test->name, result->a.n_images,
                              bitlens_metric_get_name (test->metric), bounds, value,
                              result->a.passed ? _("pass") : _("FAIL"));
      if (with_b)
        {
          g_autofree char *value_b = format_value (test->metric, result->b.value);
          g_autofree char *difference = NULL;

          if (isnan (result->a.value) || isnan (result->b.value))
            difference = g_strdup ("-");
          else if (test->metric == BITLENS_METRIC_COUNT)
            difference = g_strdup_printf ("%+.0f", result->b.value - result->a.value);
          else
            difference = g_strdup_printf ("%+.4f", result->b.value - result->a.value);
          g_string_append_printf (out, "  %8s  %-6s  %8s", value_b, result->b.passed ? _("pass") : _("FAIL"), difference);
        }
      g_string_append_c (out, '\n');
    }

  if (report->n_failed > 0)
    g_string_append_c (out, '\n');
  for (guint i = 0; i < report->n_results; i++)
    {
      const BitlensDatatestResult *result = &report->results[i];

      if (!result->a.passed)
        g_string_append_printf (out, _("FAIL %s (%s:%u): %s\n"), result->test->name,
                                bitlens_datatest_spec_get_path (report->spec), result->test->line, result->a.message);
    }

  g_string_append_c (out, '\n');
  if (report->n_failed == 0)
    g_string_append_printf (out, _("All %u tests passed on %s\n"), report->n_results, model_name (report->evaluation_a));
  else
    g_string_append_printf (out, _("%u of %u tests failed on %s\n"), report->n_failed, report->n_results,
                            model_name (report->evaluation_a));
  return g_string_free (out, FALSE);
}

/* JSON */

static void
add_number_or_null (JsonBuilder *builder,
                    const char  *member,
                    double       value)
{
  json_builder_set_member_name (builder, member);
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *member,
                    const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

static void
add_outcome (JsonBuilder                  *builder,
             const char                   *member,
             const BitlensDatatestOutcome *outcome)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_add_int_value (builder, outcome->n_images);
  json_builder_set_member_name (builder, "true_positives");
  json_builder_add_int_value (builder, outcome->confusion.true_positives);
  json_builder_set_member_name (builder, "false_positives");
  json_builder_add_int_value (builder, outcome->confusion.false_positives);
  json_builder_set_member_name (builder, "true_negatives");
  json_builder_add_int_value (builder, outcome->confusion.true_negatives);
  json_builder_set_member_name (builder, "false_negatives");
  json_builder_add_int_value (builder, outcome->confusion.false_negatives);
  add_number_or_null (builder, "value", outcome->value);
  json_builder_set_member_name (builder, "passed");
  json_builder_add_boolean_value (builder, outcome->passed);
  add_string_or_null (builder, "message", outcome->message);
  json_builder_end_object (builder);
}

char *
bitlens_datatest_report_to_json (BitlensDatatestReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  BitlensDataset *dataset;

  g_return_val_if_fail (report != NULL, NULL);

  dataset = bitlens_evaluation_get_dataset (report->evaluation_a);
  json_builder_begin_object (builder);
  add_string_or_null (builder, "spec", bitlens_datatest_spec_get_path (report->spec));
  add_string_or_null (builder, "dataset", bitlens_dataset_get_path (dataset));
  add_string_or_null (builder, "split", bitlens_dataset_get_split_path (dataset));
  json_builder_set_member_name (builder, "dataset_images");
  json_builder_add_int_value (builder, bitlens_dataset_get_n_items (dataset));
  add_string_or_null (builder, "model_a", model_name (report->evaluation_a));
  add_string_or_null (builder, "model_b", model_name (report->evaluation_b));
  add_number_or_null (builder, "threshold", bitlens_evaluation_get_threshold (report->evaluation_a));
  json_builder_set_member_name (builder, "passed");
  json_builder_add_boolean_value (builder, report->n_failed == 0);
  json_builder_set_member_name (builder, "tests_run");
  json_builder_add_int_value (builder, report->n_results);
  json_builder_set_member_name (builder, "tests_failed");
  json_builder_add_int_value (builder, report->n_failed);

  json_builder_set_member_name (builder, "tests");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->n_results; i++)
    {
      const BitlensDatatestResult *result = &report->results[i];
      const BitlensDatatest *test = result->test;

      json_builder_begin_object (builder);
      add_string_or_null (builder, "name", test->name);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, test->line);
      add_string_or_null (builder, "where", test->where);
      add_string_or_null (builder, "metric", bitlens_metric_get_name (test->metric));
      add_number_or_null (builder, "min", test->min);
      add_number_or_null (builder, "max", test->max);
      add_outcome (builder, "a", &result->a);
      if (result->has_b)
        {
          add_outcome (builder, "b", &result->b);
          add_number_or_null (builder, "difference", result->b.value - result->a.value);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* JUnit XML */

/* XML 1.0 allows no C0 control characters but tab, LF and CR, not even as references. */
static char *
escape_xml (const char *text)
{
  g_autofree char *clean = g_strdup (text != NULL ? text : "");

  for (char *p = clean; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      *p = '?';
  return g_markup_escape_text (clean, -1);
}

static void
append_property (GString    *out,
                 const char *name,
                 const char *value)
{
  g_autofree char *escaped_name = escape_xml (name);
  g_autofree char *escaped_value = escape_xml (value);

  g_string_append_printf (out, "      <property name=\"%s\" value=\"%s\"/>\n", escaped_name, escaped_value);
}

static char *
describe_outcome (const BitlensDatatest        *test,
                  const BitlensDatatestOutcome *outcome,
                  const char                   *model)
{
  g_autofree char *value = format_value (test->metric, outcome->value);
  g_autofree char *bounds = format_bounds (test);

  return g_strdup_printf ("model: %s\n"
                          "slice: %u images (TP %u, FP %u, TN %u, FN %u)\n"
                          "%s: %s (bounds %s): %s\n",
                          model, outcome->n_images,
                          outcome->confusion.true_positives, outcome->confusion.false_positives,
                          outcome->confusion.true_negatives, outcome->confusion.false_negatives,
                          bitlens_metric_get_name (test->metric), value, bounds,
                          outcome->passed ? "pass" : "FAIL");
}

static char *
format_seconds (double seconds)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.3f", seconds));
}

char *
bitlens_datatest_report_to_junit (BitlensDatatestReport *report)
{
  GString *out;
  BitlensDataset *dataset;
  g_autofree char *suite = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *hostname = NULL;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;
  g_autofree char *escaped_text = NULL;
  char threshold[G_ASCII_DTOSTR_BUF_SIZE];
  double seconds;

  g_return_val_if_fail (report != NULL, NULL);

  dataset = bitlens_evaluation_get_dataset (report->evaluation_a);
  seconds = bitlens_evaluation_get_seconds (report->evaluation_a);
  if (report->evaluation_b != NULL)
    seconds += bitlens_evaluation_get_seconds (report->evaluation_b);
  suite = escape_xml (bitlens_datatest_spec_get_name (report->spec));
  timestamp = g_date_time_format (report->timestamp, "%Y-%m-%dT%H:%M:%S");
  hostname = escape_xml (g_get_host_name ());
  time = format_seconds (seconds);

  out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_string_append_printf (out, "<testsuites name=\"bitlens data unit tests\" tests=\"%u\" failures=\"%u\" errors=\"0\" time=\"%s\">\n",
                          report->n_results, report->n_failed, time);
  g_string_append_printf (out, "  <testsuite name=\"%s\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" "
                          "time=\"%s\" timestamp=\"%s\" hostname=\"%s\">\n",
                          suite, report->n_results, report->n_failed, time, timestamp, hostname);

  g_string_append (out, "    <properties>\n");
  append_property (out, "spec", bitlens_datatest_spec_get_path (report->spec));
  append_property (out, "dataset", bitlens_dataset_get_path (dataset));
  if (bitlens_dataset_get_split_path (dataset) != NULL)
    append_property (out, "split", bitlens_dataset_get_split_path (dataset));
  append_property (out, "model", model_name (report->evaluation_a));
  if (report->evaluation_b != NULL)
    append_property (out, "model_b", model_name (report->evaluation_b));
  append_property (out, "threshold", g_ascii_formatd (threshold, sizeof threshold, "%g",
                                                      bitlens_evaluation_get_threshold (report->evaluation_a)));
  g_string_append (out, "    </properties>\n");

  for (guint i = 0; i < report->n_results; i++)
    {
      const BitlensDatatestResult *result = &report->results[i];
      const BitlensDatatest *test = result->test;
      g_autofree char *name = escape_xml (test->name);
      g_autofree char *details_a = describe_outcome (test, &result->a, model_name (report->evaluation_a));
      g_autofree char *details_b = result->has_b ? describe_outcome (test, &result->b, model_name (report->evaluation_b)) : NULL;
      g_autofree char *details = g_strdup_printf ("%s:%u\nwhere: %s\n%s%s",
                                                  bitlens_datatest_spec_get_path (report->spec), test->line,
                                                  test->where != NULL ? test->where : "(every image)",
                                                  details_a, details_b != NULL ? details_b : "");
      g_autofree char *escaped_details = escape_xml (details);

      g_string_append_printf (out, "    <testcase name=\"%s\" classname=\"%s\" time=\"0\">\n", name, suite);
      if (!result->a.passed)
        {
          g_autofree char *message = escape_xml (result->a.message);
          g_string_append_printf (out, "      <failure message=\"%s\" type=\"%s\">%s</failure>\n", message,
                                  result->a.n_images == 0 || isnan (result->a.value) ? "undefined" : "threshold",
                                  escaped_details);
        }
      else
        g_string_append_printf (out, "      <system-out>%s</system-out>\n", escaped_details);
      g_string_append (out, "    </testcase>\n");
    }

  text = bitlens_datatest_report_to_text (report);
  escaped_text = escape_xml (text);
  g_string_append_printf (out, "    <system-out>%s</system-out>\n", escaped_text);
  g_string_append (out, "    <system-err></system-err>\n");
  g_string_append (out, "  </testsuite>\n");
  g_string_append (out, "</testsuites>\n");
  return g_string_free (out, FALSE);
}
