/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <bitlens/bitlens-datatest.h>

#include "data-fixtures.h"
#include "test-util.h"

/* Data unit tests: spec parsing (every error with its file and line), binding, outcomes on
 * a hand-made dataset with the "green" model (score = G / 255), and the three report
 * formats read back: JSON with json-glib, JUnit XML with GMarkup and, when xmllint is
 * installed, against tests/data/junit.xsd. */

static BitlensDatatestSpec *
parse_spec (const char  *text,
            GError     **error)
{
  return bitlens_datatest_spec_new_from_data (text, strlen (text), "specs/dark.spec", error);
}

static void
test_spec_fields (void)
{
  const char *text =
    "# Data unit tests for the doorbell model\n"              /* 1 */
    "[dataset]\n"                                             /* 2 */
    "path=../shared/data/vww        # relative to the spec\n" /* 3 */
    "split=vww/test.txt             # optional\n"             /* 4 */
    "\n"                                                      /* 5 */
    "[model]\n"                                               /* 6 */
    "path = models/v2.tflite\n"                               /* 7 */
    "threshold=0.6\n"                                         /* 8 */
    "\n"                                                      /* 9 */
    "[test dark_no_person]\n"                                 /* 10 */
    "where=label == 0 && mean_luma < 80   # dark scenes\n"    /* 11 */
    "metric=accuracy                # or precision, ...\n"    /* 12 */
    "min=0.80                       # and/or max=\n"          /* 13 */
    "[test coats]\n"                                          /* 14 */
    "# a comment line between keys\n"                         /* 15 */
    "where=note == \"red #1 coat\" || has(tags, 'coat')\n"    /* 16 */
    "metric=fpr\n"                                            /* 17 */
    "max=0.1\n"                                               /* 18 */
    "[test everything]\n"                                     /* 19 */
    "metric=count\n"                                          /* 20 */
    "min=100\n"                                               /* 21 */
    "max=2000\n";                                             /* 22 */
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = parse_spec (text, &error);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *dataset = g_canonicalize_filename ("specs/../shared/data/vww", cwd);
  g_autofree char *model = g_canonicalize_filename ("specs/models/v2.tflite", cwd);
  const BitlensDatatest *test;

  g_assert_no_error (error);
  g_assert_cmpstr (bitlens_datatest_spec_get_name (spec), ==, "dark");
  g_assert_cmpstr (bitlens_datatest_spec_get_path (spec), ==, "specs/dark.spec");
  g_assert_cmpstr (bitlens_datatest_spec_get_dataset_path (spec), ==, dataset);
  g_assert_cmpstr (bitlens_datatest_spec_get_split (spec), ==, "vww/test.txt");
  g_assert_cmpstr (bitlens_datatest_spec_get_model_path (spec), ==, model);
  g_assert_cmpfloat (bitlens_datatest_spec_get_threshold (spec), ==, 0.6);
  g_assert_cmpuint (bitlens_datatest_spec_get_n_tests (spec), ==, 3);

  test = bitlens_datatest_spec_get_test (spec, 0);
  g_assert_cmpstr (test->name, ==, "dark_no_person");
  g_assert_cmpuint (test->line, ==, 10);
  g_assert_cmpstr (test->where, ==, "label == 0 && mean_luma < 80");
  g_assert_cmpuint (test->where_line, ==, 11);
  g_assert_cmpint (test->metric, ==, BITLENS_METRIC_ACCURACY);
  g_assert_cmpfloat (test->min, ==, 0.80);
  g_assert_true (isnan (test->max));
  g_assert_nonnull (test->expression);

  test = bitlens_datatest_spec_get_test (spec, 1);
  g_assert_cmpstr (test->name, ==, "coats");
  g_assert_cmpuint (test->where_line, ==, 16);
  /* A '#' inside a quoted string is not a comment. */
  g_assert_cmpstr (test->where, ==, "note == \"red #1 coat\" || has(tags, 'coat')");
  g_assert_cmpint (test->metric, ==, BITLENS_METRIC_FALSE_POSITIVE_RATE);
  g_assert_true (isnan (test->min));
  g_assert_cmpfloat (test->max, ==, 0.1);

  test = bitlens_datatest_spec_get_test (spec, 2);
  g_assert_null (test->where);
  g_assert_null (test->expression);
  g_assert_cmpint (test->metric, ==, BITLENS_METRIC_COUNT);
  g_assert_cmpfloat (test->min, ==, 100);
  g_assert_cmpfloat (test->max, ==, 2000);
}

static void
assert_spec_error (const char *text,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = parse_spec (text, &error);

  g_assert_null (spec);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  if (strcmp (error->message, expected) != 0)
    g_error ("spec:\n%s\nerror   \"%s\"\nexpected \"%s\"", text, error->message, expected);
}

#define DATASET "[dataset]\npath=data\n"   /* lines 1-2 */

static void
test_spec_errors (void)
{
  assert_spec_error ("[test a]\nmetric=accuracy\nmin=0.5\n",
                     "specs/dark.spec: no [dataset] group (it needs path=FOLDER)");
  assert_spec_error ("[dataset]\nsplit=x.txt\n[test a]\nmetric=accuracy\nmin=0.5\n",
                     "specs/dark.spec:1: [dataset] needs path=FOLDER");
  assert_spec_error (DATASET,
                     "specs/dark.spec: no [test NAME] groups: nothing to test");
  assert_spec_error (DATASET "[test a]\nmetric=accuracy\nmni=0.5\n",
                     "specs/dark.spec:5: unknown key 'mni' in [test a] (expected where, metric, min, max)");
  assert_spec_error (DATASET "folder=x\n[test a]\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:3: unknown key 'folder' in [dataset] (expected path, split)");
  assert_spec_error (DATASET "[test a]\nmetric=acuracy\nmin=0.5\n",
                     "specs/dark.spec:4: metric: unknown metric 'acuracy' (expected accuracy, precision, recall, "
                     "false_positive_rate, false_negative_rate, count)");
  assert_spec_error (DATASET "[test a]\nmin=0.5\n",
                     "specs/dark.spec:3: [test a] has no metric= (one of accuracy, precision, recall, "
                     "false_positive_rate, false_negative_rate, count)");
  assert_spec_error (DATASET "[test a]\nmetric=recall\nmin=0.8x\n",
                     "specs/dark.spec:5: min: '0.8x' is not a number");
  assert_spec_error (DATASET "[test a]\nmetric=recall\nmax=\n",
                     "specs/dark.spec:5: max: '' is not a number");
  assert_spec_error (DATASET "[test a]\nmetric=recall\nmin=nan\n",
                     "specs/dark.spec:5: min: 'nan' is not a number");
  assert_spec_error (DATASET "[test a]\nmetric=recall\n",
                     "specs/dark.spec:3: [test a] needs min= and/or max=");
  assert_spec_error (DATASET "[test a]\nmetric=recall\nmin=0.9\nmax=0.5\n",
                     "specs/dark.spec:6: max 0.5 is below min 0.9: no value can pass");
  /* where: the parser's message and its column, with the spec's line. */
  assert_spec_error (DATASET "\n[test dark]\nmetric=accuracy\nmin=0.8\nwhere=(label == 0 && mean_luma < 80\n",
                     "specs/dark.spec:7: where: expected ')' to close the '(' at column 1, found the end at column 30");
  assert_spec_error (DATASET "[test a]\nwhere=label = 0\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:4: where: '=' is not an operator: compare with '==' at column 7");
  assert_spec_error (DATASET "[test a]\nwhere=\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:4: where: the expression is empty");
  /* Layout. */
  assert_spec_error (DATASET "[test a]\nmetric=accuracy\nmin=1\n[test a]\nmetric=recall\nmin=1\n",
                     "specs/dark.spec:6: [test a] appears again (first on line 3)");
  assert_spec_error (DATASET "[test a]\nmetric=accuracy\nmin=1\nmin=2\n",
                     "specs/dark.spec:6: min is set again in [test a] (first on line 5)");
  assert_spec_error (DATASET "[test a]\nmetric accuracy\n",
                     "specs/dark.spec:4: expected key=value, [group] or a # comment");
  assert_spec_error ("path=data\n" DATASET,
                     "specs/dark.spec:1: key=value before the first [group]");
  assert_spec_error (DATASET "[test a\nmetric=accuracy\n",
                     "specs/dark.spec:3: a group header must end with ']'");
  assert_spec_error (DATASET "[tests]\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:3: a test group is written [test NAME]");
  assert_spec_error (DATASET "[test]\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:3: a test group is written [test NAME]");
  assert_spec_error (DATASET "[test a/b]\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:3: test name 'a/b': use letters, digits, '_', '-' and '.'");
  assert_spec_error (DATASET "[slices]\nx=1\n",
                     "specs/dark.spec:3: unknown group [slices] (expected [dataset], [model] or [test NAME])");
  assert_spec_error (DATASET "[model]\nthreshold=1.5\n[test a]\nmetric=accuracy\nmin=1\n",
                     "specs/dark.spec:4: threshold: 1.5 is outside 0..1");
  assert_spec_error ("[dataset]\npath=\xff\n", "specs/dark.spec: not a text file (invalid UTF-8)");
}

/* Hand-made dataset: labels and tags as in test-evaluation.c, scores G / 255. At 0.5:
 * TP p1 p2 p3, FN p4 p5, FP n3 n4 n5, TN n1 n2 n6. */
static const FixtureImage images[] = {
  { "p1.png", 1,  10, 250,  30, 4, 2, 40, "dark indoor" },
  { "p2.png", 1, 200, 200, 200, 3, 3,  0, "bright" },
  { "p3.png", 1,  50, 128,  20, 5, 1, 90, "dark" },
  { "p4.png", 1,  90, 127,  60, 2, 2, 10, "" },
  { "p5.png", 1,   0,  30,   0, 7, 3,  0, "dark coat" },
  { "n1.png", 0, 255,   0, 255, 1, 1,  0, "bright" },
  { "n2.png", 0, 100, 100, 100, 6, 4,  5, "" },
  { "n3.png", 0, 180, 140,  10, 2, 5, 60, "coat" },
  { "n4.png", 0,  20, 240, 220, 8, 1,  0, "bright coat" },
  { "n5.png", 0,  30, 250,  40, 3, 2, 30, "dark" },
  { "n6.png", 0,  60,  60,  60, 4, 4,  0, "" },
};

static const char *fixture_spec =
  "[dataset]\n"                                  /* 1 */
  "path=.\n"                                     /* 2 */
  "[test overall]\n"                             /* 3 */
  "metric=accuracy\n"                            /* 4 */
  "min=0.5\n"                                    /* 5 */
  "[test dark_recall]\n"                         /* 6 */
  "where=has(tags, \"dark\")\n"                  /* 7 */
  "metric=recall\n"                              /* 8 */
  "min=0.8\n"                                    /* 9 */
  "[test few_false_alarms]\n"                    /* 10 */
  "metric=false_positive_rate\n"                 /* 11 */
  "max=0.4\n"                                    /* 12 */
  "[test nobody]\n"                              /* 13 */
  "where=label == 3\n"                           /* 14 */
  "metric=accuracy\n"                            /* 15 */
  "min=0.5\n"                                    /* 16 */
  "[test coats]\n"                               /* 17 */
  "where=has(tags, \"coat\")\n"                  /* 18 */
  "metric=count\n"                               /* 19 */
  "min=3\n"                                      /* 20 */
  "max=3\n"                                      /* 21 */
  "[test tiny_precision]\n"                      /* 22 */
  "where=width == 1 && label == 0 # just n1\n"   /* 23 */
  "metric=precision\n"                           /* 24 */
  "min=0.5\n"                                    /* 25 */
  "[test tiny_bright]\n"                         /* 26 */
  "where=width <= 3 && has(tags, 'bright')\n"    /* 27 */
  "metric=false_negative_rate\n"                 /* 28 */
  "max=0\n";                                     /* 29 */

typedef struct
{
  char                *folder;
  char                *spec_path;
  BitlensDatatestSpec *spec;
  BitlensDataset      *dataset;
  BitlensModel        *model;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->folder = fixture_dataset_new (images, G_N_ELEMENTS (images), "tags");
  fixture_write_file (fixture->folder, "fixture.spec", fixture_spec);
  fixture->spec_path = g_build_filename (fixture->folder, "fixture.spec", NULL);
  fixture->spec = bitlens_datatest_spec_load (fixture->spec_path, &error);
  g_assert_no_error (error);
  fixture->dataset = bitlens_datatest_spec_load_dataset (fixture->spec, &error);
  g_assert_no_error (error);
  g_assert_true (bitlens_datatest_spec_bind (fixture->spec, bitlens_dataset_get_table (fixture->dataset), &error));
  g_assert_no_error (error);
  fixture->model = fixture_green_model ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bitlens_model_unref (fixture->model);
  bitlens_dataset_unref (fixture->dataset);
  bitlens_datatest_spec_unref (fixture->spec);
  fixture_remove_tree (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->spec_path);
}

static BitlensEvaluation *
evaluate (Fixture *fixture,
          double   threshold)
{
  BitlensEvaluationOptions options;
  g_autoptr(GError) error = NULL;
  BitlensEvaluation *evaluation;

  bitlens_evaluation_options_init (&options);
  options.threshold = threshold;
  evaluation = bitlens_evaluation_run (fixture->dataset, fixture->model, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return evaluation;
}

/* What each test of fixture_spec should give at threshold 0.5, worked by hand. */
static const struct
{
  const char *name;
  guint       n_images;
  double      value;      /* NaN: undefined */
  gboolean    passed;
  const char *message;
} expected_outcomes[] = {
  { "overall", 11, 6.0 / 11, TRUE, NULL },
  /* dark: p1 TP, p3 TP, p5 FN, n5 FP -> recall 2/3 */
  { "dark_recall", 4, 2.0 / 3, FALSE, "recall 0.6667 is below min 0.8000" },
  /* FP 3 of 6 negatives */
  { "few_false_alarms", 11, 0.5, FALSE, "false_positive_rate 0.5000 is above max 0.4000" },
  { "nobody", 0, NAN, FALSE, "empty slice: no image matches where=label == 3, so accuracy is undefined" },
  /* coats: p5, n3, n4 */
  { "coats", 3, 3.0, TRUE, NULL },
  /* n1 alone, a true negative: nothing predicted person */
  { "tiny_precision", 1, NAN, FALSE,
    "precision is undefined on this slice: no image was predicted person (TP + FP = 0)" },
  /* width <= 3 and bright: p2 (3 px, TP), n1 (1 px, TN): FNR 0 of 1 */
  { "tiny_bright", 2, 0.0, TRUE, NULL },
};

static void
assert_outcomes (BitlensDatatestReport *report)
{
  g_assert_cmpuint (bitlens_datatest_report_get_n_results (report), ==, G_N_ELEMENTS (expected_outcomes));
  for (guint i = 0; i < G_N_ELEMENTS (expected_outcomes); i++)
    {
      const BitlensDatatestResult *result = bitlens_datatest_report_get_result (report, i);

      g_assert_cmpstr (result->test->name, ==, expected_outcomes[i].name);
      g_assert_cmpuint (result->a.n_images, ==, expected_outcomes[i].n_images);
      if (isnan (expected_outcomes[i].value))
        g_assert_true (isnan (result->a.value));
      else
        g_assert_cmpfloat (result->a.value, ==, expected_outcomes[i].value);
      g_assert_cmpint (result->a.passed, ==, expected_outcomes[i].passed);
      g_assert_cmpstr (result->a.message, ==, expected_outcomes[i].message);
    }
  g_assert_cmpuint (bitlens_datatest_report_get_n_failed (report), ==, 4);
  g_assert_false (bitlens_datatest_report_passed (report));
}

static void
test_outcomes (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) evaluation = evaluate (fixture, 0.5);
  g_autoptr(BitlensDatatestReport) report = bitlens_datatest_report_new (fixture->spec, evaluation, NULL);

  assert_outcomes (report);
  g_assert_false (bitlens_datatest_report_get_result (report, 0)->has_b);
  g_assert_true (bitlens_datatest_report_get_evaluation (report, FALSE) == evaluation);
  g_assert_null (bitlens_datatest_report_get_evaluation (report, TRUE));
}

/* A row of the text table: name (padded to the longest, 16), images, metric, bounds, value
 * and verdict, then B's value, verdict and B - A when given. */
static void
assert_row (const char *text,
            const char *name,
            guint       n_images,
            const char *metric,
            const char *bounds,
            const char *value,
            const char *verdict,
            const char *b_value,
            const char *b_verdict,
            const char *difference)
{
  g_autofree char *row = g_strdup_printf ("%-16s  %6u  %-19s  %-13s  %8s  %-6s", name, n_images, metric, bounds, value, verdict);
  g_autofree char *line = b_value != NULL ? g_strdup_printf ("\n%s  %8s  %-6s  %8s\n", row, b_value, b_verdict, difference)
                                          : g_strdup_printf ("\n%s\n", row);

  if (strstr (text, line) == NULL)
    g_error ("no line \"%s\" in\n%s", line, text);
}

static void
test_text (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) a = evaluate (fixture, 0.5);
  g_autoptr(BitlensEvaluation) b = evaluate (fixture, 0.9);
  g_autoptr(BitlensDatatestReport) report = bitlens_datatest_report_new (fixture->spec, a, NULL);
  g_autoptr(BitlensDatatestReport) compared = bitlens_datatest_report_new (fixture->spec, a, b);
  g_autofree char *text = bitlens_datatest_report_to_text (report);
  g_autofree char *text_b = bitlens_datatest_report_to_text (compared);
  g_autofree char *failure_line = g_strdup_printf ("FAIL dark_recall (%s:6): recall 0.6667 is below min 0.8000\n", fixture->spec_path);

  assert_row (text, "overall", 11, "accuracy", ">= 0.5", "0.5455", "pass", NULL, NULL, NULL);
  assert_row (text, "dark_recall", 4, "recall", ">= 0.8", "0.6667", "FAIL", NULL, NULL, NULL);
  assert_row (text, "few_false_alarms", 11, "false_positive_rate", "<= 0.4", "0.5000", "FAIL", NULL, NULL, NULL);
  assert_row (text, "nobody", 0, "accuracy", ">= 0.5", "-", "FAIL", NULL, NULL, NULL);
  assert_row (text, "coats", 3, "count", "3..3", "3", "pass", NULL, NULL, NULL);
  assert_row (text, "tiny_precision", 1, "precision", ">= 0.5", "-", "FAIL", NULL, NULL, NULL);
  assert_row (text, "tiny_bright", 2, "false_negative_rate", "<= 0", "0.0000", "pass", NULL, NULL, NULL);
  g_assert_nonnull (strstr (text, failure_line));
  g_assert_true (g_str_has_suffix (text, "\n4 of 7 tests failed on model\n"));

  /* B at 0.9: p1 (0.98), n4 (0.94) and n5 (0.98) are predicted person. dark: p1 TP, p3 FN,
   * p5 FN, n5 FP -> recall 1/3; overall: TP 1, FN 4, FP 2, TN 4 -> 5/11; FPR 2/6. */
  assert_row (text_b, "dark_recall", 4, "recall", ">= 0.8", "0.6667", "FAIL", "0.3333", "FAIL", "-0.3333");
  assert_row (text_b, "overall", 11, "accuracy", ">= 0.5", "0.5455", "pass", "0.4545", "FAIL", "-0.0909");
  assert_row (text_b, "few_false_alarms", 11, "false_positive_rate", "<= 0.4", "0.5000", "FAIL", "0.3333", "pass", "-0.1667");
  assert_row (text_b, "coats", 3, "count", "3..3", "3", "pass", "3", "pass", "+0");
  g_assert_nonnull (strstr (text_b, "\nModel B  model\n"));
}

static void
test_json (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) a = evaluate (fixture, 0.5);
  g_autoptr(BitlensEvaluation) b = evaluate (fixture, 0.9);
  g_autoptr(BitlensDatatestReport) report = bitlens_datatest_report_new (fixture->spec, a, b);
  g_autofree char *json = bitlens_datatest_report_to_json (report);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *tests;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (root, "passed"));
  g_assert_cmpint (json_object_get_int_member (root, "tests_run"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (root, "tests_failed"), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (root, "threshold"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (root, "dataset_images"), ==, 11);
  g_assert_true (json_object_get_null_member (root, "split"));
  tests = json_object_get_array_member (root, "tests");
  g_assert_cmpuint (json_array_get_length (tests), ==, G_N_ELEMENTS (expected_outcomes));
  for (guint i = 0; i < G_N_ELEMENTS (expected_outcomes); i++)
    {
      JsonObject *test = json_array_get_object_element (tests, i);
      JsonObject *outcome = json_object_get_object_member (test, "a");

      g_assert_cmpstr (json_object_get_string_member (test, "name"), ==, expected_outcomes[i].name);
      g_assert_cmpint (json_object_get_int_member (outcome, "images"), ==, expected_outcomes[i].n_images);
      g_assert_cmpint (json_object_get_boolean_member (outcome, "passed"), ==, expected_outcomes[i].passed);
      if (isnan (expected_outcomes[i].value))
        g_assert_true (json_object_get_null_member (outcome, "value"));
      else
        g_assert_cmpfloat (json_object_get_double_member (outcome, "value"), ==, expected_outcomes[i].value);
      if (expected_outcomes[i].message != NULL)
        g_assert_cmpstr (json_object_get_string_member (outcome, "message"), ==, expected_outcomes[i].message);
      else
        g_assert_true (json_object_get_null_member (outcome, "message"));
      g_assert_true (json_object_has_member (test, "b"));
    }
  /* dark_recall: the confusion of A and the difference B - A. */
  {
    JsonObject *test = json_array_get_object_element (tests, 1);
    JsonObject *outcome = json_object_get_object_member (test, "a");
    g_assert_cmpint (json_object_get_int_member (outcome, "true_positives"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (outcome, "false_negatives"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (outcome, "false_positives"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (outcome, "true_negatives"), ==, 0);
    g_assert_cmpfloat (json_object_get_double_member (test, "difference"), ==, 1.0 / 3 - 2.0 / 3);
    g_assert_cmpstr (json_object_get_string_member (test, "where"), ==, "has(tags, \"dark\")");
    g_assert_cmpint (json_object_get_int_member (test, "line"), ==, 6);
    g_assert_cmpfloat (json_object_get_double_member (test, "min"), ==, 0.8);
    g_assert_true (json_object_get_null_member (test, "max"));
  }
}

/* JUnit XML read back with GMarkup: structure, counts and failure messages. */
typedef struct
{
  GPtrArray *stack;          /* element names */
  guint      testsuites;
  guint      testsuite;
  guint      testcases;
  GPtrArray *failure_messages;
  GPtrArray *failed_cases;
  char      *current_case;
  char      *suite_tests;
  char      *suite_failures;
  gboolean   has_properties;
  GString   *failure_text;
  gboolean   in_failure;
} JunitReader;

static const char *
find_attribute (const char **names,
                const char **values,
                const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return values[i];
  return NULL;
}

static void
junit_start (GMarkupParseContext  *context,
             const char           *element,
             const char          **names,
             const char          **values,
             gpointer              user_data,
             GError              **error)
{
  JunitReader *reader = user_data;
  const char *parent = reader->stack->len > 0 ? g_ptr_array_index (reader->stack, reader->stack->len - 1) : NULL;

  if (strcmp (element, "testsuites") == 0)
    {
      g_assert_null (parent);
      reader->testsuites++;
    }
  else if (strcmp (element, "testsuite") == 0)
    {
      g_assert_cmpstr (parent, ==, "testsuites");
      reader->testsuite++;
      reader->suite_tests = g_strdup (find_attribute (names, values, "tests"));
      reader->suite_failures = g_strdup (find_attribute (names, values, "failures"));
      g_assert_cmpstr (find_attribute (names, values, "name"), ==, "fixture");
      g_assert_cmpstr (find_attribute (names, values, "errors"), ==, "0");
    }
  else if (strcmp (element, "properties") == 0)
    reader->has_properties = TRUE;
  else if (strcmp (element, "testcase") == 0)
    {
      g_assert_cmpstr (parent, ==, "testsuite");
      reader->testcases++;
      g_free (reader->current_case);
      reader->current_case = g_strdup (find_attribute (names, values, "name"));
      g_assert_cmpstr (find_attribute (names, values, "classname"), ==, "fixture");
    }
  else if (strcmp (element, "failure") == 0)
    {
      g_assert_cmpstr (parent, ==, "testcase");
      g_ptr_array_add (reader->failure_messages, g_strdup (find_attribute (names, values, "message")));
      g_ptr_array_add (reader->failed_cases, g_strdup (reader->current_case));
      reader->in_failure = TRUE;
      g_string_truncate (reader->failure_text, 0);
    }
  g_ptr_array_add (reader->stack, g_strdup (element));
}

static void
junit_end (GMarkupParseContext  *context,
           const char           *element,
           gpointer              user_data,
           GError              **error)
{
  JunitReader *reader = user_data;

  if (strcmp (element, "failure") == 0)
    reader->in_failure = FALSE;
  g_ptr_array_remove_index (reader->stack, reader->stack->len - 1);
}

static void
junit_text (GMarkupParseContext  *context,
            const char           *text,
            gsize                 length,
            gpointer              user_data,
            GError              **error)
{
  JunitReader *reader = user_data;

  if (reader->in_failure)
    g_string_append_len (reader->failure_text, text, length);
}

static void
validate_with_xmllint (const char *xml_path)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *schema = g_test_build_filename (G_TEST_DIST, "data", "junit.xsd", NULL);
  g_autofree char *standard_error = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, "--noout", "--schema", schema, xml_path, NULL };
  int status = -1;

  if (xmllint == NULL)
    {
      g_test_message ("xmllint is not installed (apt install libxml2-utils): JUnit XML not checked against the schema");
      return;
    }
  argv[0] = xmllint;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &standard_error, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xmllint rejects %s: %s", xml_path, standard_error);
}

static void
test_junit (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(BitlensEvaluation) a = evaluate (fixture, 0.5);
  g_autoptr(BitlensEvaluation) b = evaluate (fixture, 0.9);
  g_autoptr(BitlensDatatestReport) report = bitlens_datatest_report_new (fixture->spec, a, b);
  g_autofree char *xml = bitlens_datatest_report_to_junit (report);
  g_autofree char *xml_path = g_build_filename (fixture->folder, "report.xml", NULL);
  GMarkupParser parser = { junit_start, junit_end, junit_text, NULL, NULL };
  JunitReader reader = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;

  reader.stack = g_ptr_array_new_with_free_func (g_free);
  reader.failure_messages = g_ptr_array_new_with_free_func (g_free);
  reader.failed_cases = g_ptr_array_new_with_free_func (g_free);
  reader.failure_text = g_string_new (NULL);
  g_assert_true (g_str_has_prefix (xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));

  context = g_markup_parse_context_new (&parser, 0, &reader, NULL);
  g_assert_true (g_markup_parse_context_parse (context, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reader.stack->len, ==, 0);
  g_assert_cmpuint (reader.testsuites, ==, 1);
  g_assert_cmpuint (reader.testsuite, ==, 1);
  g_assert_true (reader.has_properties);
  g_assert_cmpuint (reader.testcases, ==, 7);
  g_assert_cmpstr (reader.suite_tests, ==, "7");
  g_assert_cmpstr (reader.suite_failures, ==, "4");
  g_assert_cmpuint (reader.failure_messages->len, ==, 4);
  for (guint i = 0, f = 0; i < G_N_ELEMENTS (expected_outcomes); i++)
    if (!expected_outcomes[i].passed)
      {
        g_assert_cmpstr (g_ptr_array_index (reader.failed_cases, f), ==, expected_outcomes[i].name);
        g_assert_cmpstr (g_ptr_array_index (reader.failure_messages, f), ==, expected_outcomes[i].message);
        f++;
      }
  /* The details of the last failure (tiny_precision) name the spec line and both models. */
  g_assert_nonnull (strstr (reader.failure_text->str, ":22\nwhere: width == 1 && label == 0\n"));
  g_assert_nonnull (strstr (reader.failure_text->str, "slice: 1 images (TP 0, FP 0, TN 1, FN 0)\n"));

  g_assert_true (g_file_set_contents (xml_path, xml, -1, NULL));
  validate_with_xmllint (xml_path);

  g_ptr_array_unref (reader.stack);
  g_ptr_array_unref (reader.failure_messages);
  g_ptr_array_unref (reader.failed_cases);
  g_string_free (reader.failure_text, TRUE);
  g_free (reader.current_case);
  g_free (reader.suite_tests);
  g_free (reader.suite_failures);
}

/* Awkward names and messages stay well-formed XML. */
static void
test_junit_escaping (void)
{
  const FixtureImage odd[] = {
    { "a&b<c>.png", 1, 0, 200, 0, 2, 2, 0, "\"quoted, tag\"" },
    { "d'e\".png", 0, 0, 10, 0, 2, 2, 0, "x" },
  };
  g_autofree char *folder = fixture_dataset_new (odd, G_N_ELEMENTS (odd), "note");
  g_autofree char *spec_path = g_build_filename (folder, "a&b.spec", NULL);
  g_autofree char *xml_path = g_build_filename (folder, "report.xml", NULL);
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensModel) model = fixture_green_model ();
  g_autoptr(BitlensEvaluation) evaluation = NULL;
  g_autoptr(BitlensDatatestReport) report = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  GMarkupParser parser = { NULL, NULL, NULL, NULL, NULL };

  fixture_write_file (folder, "a&b.spec",
                      "[dataset]\npath=.\n"
                      "[test <weird>&\"name\"]\n"
                      "where=note != \"x <&> y\" && label == 1\nmetric=recall\nmin=1.1\n");
  spec = bitlens_datatest_spec_load (spec_path, &error);
  g_assert_null (spec);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_nonnull (strstr (error->message, "test name '<weird>&\"name\"'"));
  g_clear_error (&error);

  fixture_write_file (folder, "a&b.spec",
                      "[dataset]\npath=.\n"
                      "[test weird]\n"
                      "where=note != \"x <&> y\" && label == 1\nmetric=recall\nmin=1.1\n");
  spec = bitlens_datatest_spec_load (spec_path, &error);
  g_assert_no_error (error);
  dataset = bitlens_datatest_spec_load_dataset (spec, &error);
  g_assert_no_error (error);
  g_assert_true (bitlens_datatest_spec_bind (spec, bitlens_dataset_get_table (dataset), &error));
  evaluation = bitlens_evaluation_run (dataset, model, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  report = bitlens_datatest_report_new (spec, evaluation, NULL);
  xml = bitlens_datatest_report_to_junit (report);
  g_assert_nonnull (strstr (xml, "<testsuite name=\"a&amp;b\""));
  g_assert_nonnull (strstr (xml, "where: note != &quot;x &lt;&amp;&gt; y&quot; &amp;&amp; label == 1"));
  context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (context, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (xml_path, xml, -1, NULL));
  validate_with_xmllint (xml_path);
  fixture_remove_tree (folder);
}

static void
test_bind_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = parse_spec ("[dataset]\npath=.\n"
                                                    "[test a]\nmetric=accuracy\nmin=0.5\n"
                                                    "[test dark]\nmetric=accuracy\nmin=0.8\n"
                                                    "where=label == 0 && mean_lumaa < 80\n", &error);

  g_assert_no_error (error);
  g_assert_false (bitlens_datatest_spec_bind (spec, bitlens_dataset_get_table (fixture->dataset), &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "specs/dark.spec:9: where: unknown column 'mean_lumaa' at column 15, did you mean 'mean_luma'? "
                   "(columns: file, label, tags, width, height, mean_luma, std_luma)");
}

static void
test_dataset_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = parse_spec ("[dataset]\n\npath=/nonexistent/data\n[test a]\nmetric=count\nmin=1\n", &error);
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autofree char *vww = test_shared_path ("data/vww");

  g_assert_no_error (error);
  dataset = bitlens_datatest_spec_load_dataset (spec, &error);
  g_assert_null (dataset);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "specs/dark.spec:3: path: /nonexistent/data: not a folder"));
  g_clear_error (&error);

  if (vww == NULL)
    return;
  {
    g_autofree char *text = g_strdup_printf ("[dataset]\npath=%s\nsplit=nope.txt\n[test a]\nmetric=count\nmin=1\n", vww);
    g_autoptr(BitlensDatatestSpec) split_spec = parse_spec (text, &error);
    g_autofree char *good_text = g_strdup_printf ("[dataset]\npath=%s\nsplit=vww/test.txt # the held-out half\n[test a]\nmetric=count\nmin=1\n", vww);
    g_autoptr(BitlensDatatestSpec) good = parse_spec (good_text, &error);
    g_autoptr(BitlensDataset) split = NULL;

    g_assert_no_error (error);
    dataset = bitlens_datatest_spec_load_dataset (split_spec, &error);
    g_assert_null (dataset);
    g_assert_true (g_str_has_prefix (error->message, "specs/dark.spec:3: split: split file nope.txt not found"));
    g_clear_error (&error);
    split = bitlens_datatest_spec_load_dataset (good, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (bitlens_dataset_get_n_items (split), ==, 500);
  }
}

typedef struct
{
  guint    last;
  guint    total;
  gboolean monotonic;
  gboolean finished;
  BitlensDatatestReport *report;
  GError  *error;
} RunLog;

static void
on_progress (guint    done,
             guint    total,
             gpointer user_data)
{
  RunLog *log = user_data;

  if (done < log->last)
    log->monotonic = FALSE;
  log->last = done;
  log->total = total;
}

static void
on_run (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  RunLog *log = user_data;

  log->report = bitlens_datatest_run_finish (result, &log->error);
  log->finished = TRUE;
}

static void
test_run (Fixture       *fixture,
          gconstpointer  data)
{
  BitlensDatatestRunOptions options = { fixture->spec, fixture->model, NULL, NAN, 2 };
  RunLog log = { 0, 0, TRUE, FALSE, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestReport) report = bitlens_datatest_run (&options, NULL, on_progress, &log, &error);

  g_assert_no_error (error);
  assert_outcomes (report);
  g_assert_cmpuint (log.last, ==, 11);
  g_assert_cmpuint (log.total, ==, 11);
  g_assert_true (log.monotonic);

  /* Async, with a model B: progress counts both evaluations. */
  log = (RunLog) { 0, 0, TRUE, FALSE, NULL, NULL };
  options.model_b = fixture->model;
  options.threshold = 0.5;
  bitlens_datatest_run_async (&options, NULL, on_progress, &log, NULL, on_run, &log);
  while (!log.finished)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (log.error);
  assert_outcomes (log.report);
  g_assert_true (bitlens_datatest_report_get_result (log.report, 0)->has_b);
  g_assert_cmpfloat (bitlens_datatest_report_get_result (log.report, 1)->b.value, ==, 2.0 / 3);
  g_assert_true (log.monotonic);
  g_assert_cmpuint (log.total, ==, 22);
  bitlens_datatest_report_free (log.report);

  /* Without a model anywhere. */
  options.model_a = NULL;
  options.model_b = NULL;
  g_assert_null (bitlens_datatest_run (&options, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_nonnull (strstr (error->message, "no model to test"));
}

/* The spec's [model] threshold is used when none is given. */
static void
test_spec_threshold (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *text = g_strconcat (fixture_spec, "[model]\npath=green.tflite\nthreshold=0.9\n", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(BitlensDatatestReport) report = NULL;
  g_autofree char *model_path = fixture_write_green_model (fixture->folder);
  BitlensDatatestRunOptions options = { NULL, NULL, NULL, NAN, 1 };

  fixture_write_file (fixture->folder, "threshold.spec", text);
  {
    g_autofree char *path = g_build_filename (fixture->folder, "threshold.spec", NULL);
    spec = bitlens_datatest_spec_load (path, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (bitlens_datatest_spec_get_model_path (spec), ==, model_path);
  options.spec = spec;
  report = bitlens_datatest_run (&options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (bitlens_evaluation_get_threshold (bitlens_datatest_report_get_evaluation (report, FALSE)), ==, 0.9);
  /* dark recall at 0.9: 1 of 3 */
  g_assert_cmpfloat (bitlens_datatest_report_get_result (report, 1)->a.value, ==, 1.0 / 3);
}

/* Random specs made of plausible pieces: every one is accepted or refused with a message
 * that names the spec, never a crash. */
static void
test_spec_garbage (void)
{
  const char *pieces[] = {
    "[dataset]\n", "path=.\n", "[test a]\n", "[test b]\n", "metric=accuracy\n", "min=0.5\n",
    "max=0.2\n", "where=label == 1\n", "where=(\n", "# comment\n", "\n", "[model]\n",
    "threshold=x\n", "split=\n", "=\n", "[\n", "]\n", "key\n", "where=has(tags, \"a\")\n",
    "min=1e400\n", "[test é]\n", "\xff\n", "metric=count\n",
  };
  GRand *rand = g_rand_new_with_seed (5);

  for (int round = 0; round < 3000; round++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensDatatestSpec) spec = NULL;
      int n = g_rand_int_range (rand, 0, 12);

      for (int k = 0; k < n; k++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      spec = bitlens_datatest_spec_new_from_data (text->str, text->len, "g.spec", &error);
      g_assert_true ((spec == NULL) != (error == NULL));
      if (error != NULL)
        g_assert_true (g_str_has_prefix (error->message, "g.spec"));
    }
  g_rand_free (rand);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/datatest/spec/fields", test_spec_fields);
  g_test_add_func ("/datatest/spec/errors", test_spec_errors);
  g_test_add_func ("/datatest/spec/dataset-errors", test_dataset_errors);
  g_test_add_func ("/datatest/junit-escaping", test_junit_escaping);
  g_test_add_func ("/datatest/spec/garbage", test_spec_garbage);
  ADD ("/datatest/bind-errors", test_bind_errors);
  ADD ("/datatest/outcomes", test_outcomes);
  ADD ("/datatest/text", test_text);
  ADD ("/datatest/json", test_json);
  ADD ("/datatest/junit", test_junit);
  ADD ("/datatest/run", test_run);
  ADD ("/datatest/spec-threshold", test_spec_threshold);
  return g_test_run ();
}
