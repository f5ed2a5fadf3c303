/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <bitlens/bitlens.h>

#include "data-fixtures.h"
#include "test-util.h"

/* bitlens-cli eval, failures, test and bias, run as a user would: on a hand-made dataset
 * with the green model written to a .tflite file (score = G / 255), and on vww with the
 * shared TFLM person detector. Outputs are checked against counts worked out by hand, exit
 * statuses against the documented 0 / 1 / 2. */

#define assert_contains(haystack, needle) \
  G_STMT_START { \
    if (strstr ((haystack), (needle)) == NULL) \
      g_error ("%s:%d: \"%s\" not in:\n%s", __FILE__, __LINE__, (needle), (haystack)); \
  } G_STMT_END

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

typedef struct
{
  char *folder;
  char *model;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->folder = fixture_dataset_new (images, G_N_ELEMENTS (images), "tags");
  fixture->model = fixture_write_green_model (fixture->folder);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  fixture_remove_tree (fixture->folder);
  g_free (fixture->folder);
  g_free (fixture->model);
}

static char *
fixture_path (Fixture    *fixture,
              const char *name)
{
  return g_build_filename (fixture->folder, name, NULL);
}

static void
test_eval_text (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(TestCliResult) result = { 0 };

  test_cli_run (&result, "eval", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (result.status, ==, 0);
  /* TP p1 p2 p3, FN p4 p5, FP n3 n4 n5, TN n1 n2 n6 */
  assert_contains (result.out, "label person                      3                    2\n");
  assert_contains (result.out, "label no person                   3                    3\n");
  assert_contains (result.out, "accuracy               0.5455  (6 / 11)\n");
  assert_contains (result.out, "precision              0.5000  (3 / 6)\n");
  assert_contains (result.out, "recall                 0.6000  (3 / 5)\n");
  assert_contains (result.out, "false_positive_rate    0.5000  (3 / 6)\n");
  assert_contains (result.out, "false_negative_rate    0.4000  (2 / 5)\n");
  assert_contains (result.out, "Images     11: 5 person, 6 no person\n");
  g_assert_cmpstr (result.err, ==, "");
}

static void
test_eval_json_and_predictions (Fixture       *fixture,
                                gconstpointer  data)
{
  g_auto(TestCliResult) result = { 0 };
  g_autofree char *predictions = fixture_path (fixture, "out/../predictions.csv");
  g_autofree char *csv = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *root;

  g_assert_cmpint (g_mkdir_with_parents (fixture_path (fixture, "out"), 0755), ==, 0);
  test_cli_run (&result, "eval", "--threshold", "0.95", "--json", "--threads", "3", "--predictions", predictions,
                fixture->model, fixture->folder, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, result.out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  /* At 0.95 only p1 and n5 (250 / 255) are predicted person. */
  g_assert_cmpint (json_object_get_int_member (root, "true_positives"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "false_positives"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "true_negatives"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (root, "false_negatives"), ==, 4);
  /* Printed with %.9g. */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "accuracy"), 6.0 / 11, 1e-9);
  g_assert_cmpfloat (json_object_get_double_member (root, "threshold"), ==, 0.95);
  g_assert_cmpint (json_object_get_int_member (root, "threads"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (root, "images"), ==, 11);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "problems")), ==, 0);

  g_assert_true (g_file_get_contents (predictions, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "file,label,score,predicted,correct");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + G_N_ELEMENTS (images) + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i + 1], ",", -1);
      double score = g_ascii_strtod (fields[2], NULL);
      int predicted = fixture_green_score (images[i].green) >= 0.95;

      g_assert_cmpstr (fields[0], ==, images[i].file);
      g_assert_cmpint (atoi (fields[1]), ==, images[i].label);
      g_assert_cmpfloat ((float) score, ==, (float) fixture_green_score (images[i].green));
      g_assert_cmpint (atoi (fields[3]), ==, predicted);
      g_assert_cmpint (atoi (fields[4]), ==, predicted == images[i].label);
    }
}

static void
test_eval_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(TestCliResult) usage = { 0 };
  g_auto(TestCliResult) threshold = { 0 };
  g_auto(TestCliResult) model = { 0 };
  g_auto(TestCliResult) dataset = { 0 };
  g_auto(TestCliResult) split = { 0 };
  g_auto(TestCliResult) problems = { 0 };
  g_autofree char *missing = fixture_path (fixture, "missing.tflite");
  g_autofree char *csv = NULL;
  g_autofree char *csv_path = fixture_path (fixture, "labels.csv");
  g_autofree char *more = NULL;

  test_cli_run (&usage, "eval", fixture->model, NULL);
  g_assert_cmpint (usage.status, ==, 2);
  assert_contains (usage.err, "eval takes MODEL and DATASET");
  test_cli_run (&threshold, "eval", "--threshold", "1.5", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (threshold.status, ==, 2);
  assert_contains (threshold.err, "--threshold 1.5 is outside 0..1");
  test_cli_run (&model, "eval", missing, fixture->folder, NULL);
  g_assert_cmpint (model.status, ==, 1);
  test_cli_run (&dataset, "eval", fixture->model, "/nonexistent", NULL);
  g_assert_cmpint (dataset.status, ==, 1);
  assert_contains (dataset.err, "/nonexistent: not a folder");
  test_cli_run (&split, "eval", "--split", "nope.txt", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (split.status, ==, 1);
  assert_contains (split.err, "split file nope.txt not found");

  /* Bad lines and unreadable images are reported with their line; the rest is evaluated. */
  fixture_write_file (fixture->folder, "broken.png", "not a PNG");
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  more = g_strconcat (csv, "broken.png,0,\nabsent.png,1,\np1.png,maybe,\n", NULL);
  fixture_write_file (fixture->folder, "labels.csv", more);
  test_cli_run (&problems, "eval", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (problems.status, ==, 0);
  assert_contains (problems.err, "labels.csv:14: no such image file: absent.png\n");
  assert_contains (problems.err, "labels.csv:15: bad label 'maybe' for p1.png (expected 0 = no person or 1 = person)\n");
  assert_contains (problems.err, "labels.csv:13: cannot read broken.png: ");
  assert_contains (problems.out, "Images     12: 5 person, 7 no person; 1 could not be read\n");
  assert_contains (problems.out, "accuracy               0.5455  (6 / 11)\n");
}

static void
test_failures (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(TestCliResult) all = { 0 };
  g_auto(TestCliResult) fn = { 0 };
  g_auto(TestCliResult) json = { 0 };
  g_auto(TestCliResult) bad_slice = { 0 };
  g_auto(TestCliResult) bad_kind = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *items;

  test_cli_run (&all, "failures", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (all.status, ==, 0);
  /* n5 (0.98), n4 (0.94), p5 (1 - 0.12), n3 (0.55), p4 (1 - 0.498) */
  assert_contains (all.out, "   1  FP    0.980392    no person  n5.png  (line 11)\n");
  assert_contains (all.out, "   2  FP    0.941176    no person  n4.png  (line 10)\n");
  assert_contains (all.out, "   3  FN    0.117647    person     p5.png  (line 6)\n");
  assert_contains (all.out, "   4  FP    0.549020    no person  n3.png  (line 9)\n");
  assert_contains (all.out, "   5  FN    0.498039    person     p4.png  (line 5)\n");
  assert_contains (all.out, "3 false positives and 2 false negatives in 11 images at threshold 0.5\n");

  test_cli_run (&fn, "failures", "--kind", "fn", "--slice", "has(tags, \"dark\") || has(tags, 'coat')", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (fn.status, ==, 0);
  assert_contains (fn.out, "   1  FN    0.117647    person     p5.png");
  g_assert_null (strstr (fn.out, "p4.png"));
  assert_contains (fn.out, "0 false positives and 1 false negatives in the slice has(tags, \"dark\") || has(tags, 'coat') (6 images)");

  test_cli_run (&json, "failures", "--json", "--limit", "2", "--kind", "fp", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "failures"), ==, 3);
  items = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "file"), ==, "n5.png");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "file"), ==, "n4.png");
  g_assert_cmpfloat ((float) json_object_get_double_member (json_array_get_object_element (items, 1), "score"), ==,
                     240 / 255.0f);

  test_cli_run (&bad_slice, "failures", "--slice", "tagz == 'x'", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (bad_slice.status, ==, 2);
  assert_contains (bad_slice.err, "--slice: unknown column 'tagz' at column 1, did you mean 'tags'?");
  test_cli_run (&bad_kind, "failures", "--kind", "both", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (bad_kind.status, ==, 2);
}

static gboolean
is_png (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  return g_file_get_contents (path, &contents, &length, NULL) && length > 8 &&
         memcmp (contents, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static void
test_failures_export (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(TestCliResult) result = { 0 };
  g_auto(TestCliResult) again = { 0 };
  g_auto(TestCliResult) forced = { 0 };
  g_autofree char *dir = fixture_path (fixture, "heatmaps");
  g_autofree char *first = g_build_filename (dir, "001_fp_n5.png", NULL);
  g_autofree char *second = g_build_filename (dir, "002_fp_n4.png", NULL);
  g_autofree char *third = g_build_filename (dir, "003_fn_p5.png", NULL);

  test_cli_run (&result, "failures", "--limit", "3", "--export-dir", dir, fixture->model, fixture->folder, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (is_png (first));
  g_assert_true (is_png (second));
  g_assert_true (is_png (third));
  g_assert_false (g_file_test (g_build_filename (dir, "004_fp_n3.png", NULL), G_FILE_TEST_EXISTS));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BitlensImage) image = bitlens_image_load (first, &error);
    g_assert_no_error (error);
    g_assert_cmpint (image->width, >=, 384);
  }
  /* Existing files are kept unless --force. */
  test_cli_run (&again, "failures", "--limit", "1", "--export-dir", dir, fixture->model, fixture->folder, NULL);
  g_assert_cmpint (again.status, ==, 1);
  test_cli_run (&forced, "failures", "--limit", "1", "--force", "--export-dir", dir, fixture->model, fixture->folder, NULL);
  g_assert_cmpint (forced.status, ==, 0);
}

static void
test_datatest (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(TestCliResult) failing = { 0 };
  g_auto(TestCliResult) passing = { 0 };
  g_auto(TestCliResult) spec_error = { 0 };
  g_auto(TestCliResult) bind_error = { 0 };
  g_auto(TestCliResult) no_model = { 0 };
  g_auto(TestCliResult) json = { 0 };
  g_auto(TestCliResult) usage = { 0 };
  g_autofree char *failing_spec = fixture_path (fixture, "failing.spec");
  g_autofree char *passing_spec = fixture_path (fixture, "passing.spec");
  g_autofree char *broken_spec = fixture_path (fixture, "broken.spec");
  g_autofree char *unbound_spec = fixture_path (fixture, "unbound.spec");
  g_autofree char *junit = fixture_path (fixture, "report.xml");
  g_autofree char *xml = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  fixture_write_file (fixture->folder, "failing.spec",
                      "[dataset]\npath=.\n[model]\npath=green.tflite\n"
                      "[test overall]\nmetric=accuracy\nmin=0.5\n"
                      "[test dark_recall]\nwhere=has(tags, \"dark\")\nmetric=recall\nmin=0.8\n");
  fixture_write_file (fixture->folder, "passing.spec",
                      "[dataset]\npath=.\n"
                      "[test overall]\nmetric=accuracy\nmin=0.5\n"
                      "[test coats]\nwhere=has(tags, \"coat\")\nmetric=count\nmin=3\nmax=3\n");
  fixture_write_file (fixture->folder, "broken.spec", "[dataset]\npath=.\n[test a]\nmetric=accuracy\nmin=0.5\nmax=0.1\n");
  fixture_write_file (fixture->folder, "unbound.spec", "[dataset]\npath=.\n[test a]\nwhere=tagz == 'x'\nmetric=count\nmin=1\n");

  test_cli_run (&failing, "test", "--junit", junit, failing_spec, NULL);
  g_assert_cmpint (failing.status, ==, 1);
  assert_contains (failing.out, "FAIL dark_recall (");
  assert_contains (failing.out, "1 of 2 tests failed on green.tflite\n");
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  assert_contains (xml, "<failure message=\"recall 0.6667 is below min 0.8000\" type=\"threshold\">");
  assert_contains (xml, "<testsuite name=\"failing\" tests=\"2\" failures=\"1\" errors=\"0\"");

  test_cli_run (&passing, "test", "--model", fixture->model, passing_spec, NULL);
  g_assert_cmpint (passing.status, ==, 0);
  assert_contains (passing.out, "All 2 tests passed on green.tflite\n");

  /* A second model: the verdict stays the first model's. */
  test_cli_run (&json, "test", "--json", "--model", fixture->model, "--model-b", fixture->model, "--threshold", "0.95", failing_spec, NULL);
  g_assert_cmpint (json.status, ==, 1);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    JsonObject *overall = json_array_get_object_element (json_object_get_array_member (root, "tests"), 0);
    g_assert_cmpfloat (json_object_get_double_member (root, "threshold"), ==, 0.95);
    g_assert_cmpstr (json_object_get_string_member (root, "model_b"), ==, "green.tflite");
    /* At 0.95: TP 1, TN 5 of 11 */
    g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (overall, "a"), "value"), ==, 6.0 / 11);
    g_assert_cmpfloat (json_object_get_double_member (overall, "difference"), ==, 0.0);
  }

  test_cli_run (&spec_error, "test", "--model", fixture->model, broken_spec, NULL);
  g_assert_cmpint (spec_error.status, ==, 2);
  assert_contains (spec_error.err, "broken.spec:6: max 0.1 is below min 0.5: no value can pass\n");
  test_cli_run (&bind_error, "test", "--model", fixture->model, unbound_spec, NULL);
  g_assert_cmpint (bind_error.status, ==, 2);
  assert_contains (bind_error.err, "unbound.spec:4: where: unknown column 'tagz' at column 1, did you mean 'tags'?");
  test_cli_run (&no_model, "test", passing_spec, NULL);
  g_assert_cmpint (no_model.status, ==, 2);
  assert_contains (no_model.err, "no model to test");
  test_cli_run (&usage, "test", NULL);
  g_assert_cmpint (usage.status, ==, 2);
}

static void
test_bias (Fixture       *fixture,
           gconstpointer  data)
{
  g_auto(TestCliResult) text = { 0 };
  g_auto(TestCliResult) json = { 0 };
  g_auto(TestCliResult) usage = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *attributes;
  gboolean found_width = FALSE;

  test_cli_run (&text, "bias", fixture->folder, NULL);
  g_assert_cmpint (text.status, ==, 0);
  assert_contains (text.out, "Dataset  ");
  assert_contains (text.out, "(11 images: 5 person, 6 no person)\n");
  assert_contains (text.out, "Attributes that predict the label on their own: ");

  test_cli_run (&json, "bias", "--json", "--bins", "3", "--model", fixture->model, fixture->folder, NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "bins"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "green.tflite");
  attributes = json_object_get_array_member (root, "attributes");
  for (guint a = 0; a < json_array_get_length (attributes); a++)
    {
      JsonObject *attribute = json_array_get_object_element (attributes, a);
      JsonArray *bins = json_object_get_array_member (attribute, "bins");
      gint64 total = 0;

      g_assert_true (json_object_has_member (attribute, "errors"));
      for (guint b = 0; b < json_array_get_length (bins); b++)
        total += json_object_get_int_member (json_array_get_object_element (bins, b), "count");
      g_assert_cmpint (total, ==, 11);
      /* width is measured: 1 to 8 pixels. */
      if (strcmp (json_object_get_string_member (attribute, "name"), "width") == 0)
        {
          found_width = TRUE;
          g_assert_cmpuint (json_array_get_length (bins), ==, 3);
          g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (bins, 0), "lower"), ==, 1);
          g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (bins, 2), "upper"), ==, 8);
        }
    }
  g_assert_true (found_width);

  test_cli_run (&usage, "bias", "--bins", "0", fixture->folder, NULL);
  g_assert_cmpint (usage.status, ==, 2);
}

/* vww with the TFLM person detector: the CLI agrees with a count made here from
 * --predictions, and the dark slice of PROVENANCE.md is what --slice selects. */
static void
test_vww (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *vww = test_shared_path ("data/vww");
  g_autofree char *folder = NULL;
  g_autofree char *predictions = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(TestCliResult) eval = { 0 };
  g_auto(TestCliResult) failures = { 0 };
  g_auto(TestCliResult) bias = { 0 };
  guint tp = 0, fp = 0, tn = 0, fn = 0;

  if (model == NULL || vww == NULL)
    return;
  folder = g_dir_make_tmp ("bitlens-cli-XXXXXX", NULL);
  predictions = g_build_filename (folder, "p.csv", NULL);
  test_cli_run (&eval, "eval", "--split", "vww/test.txt", "--predictions", predictions, model, vww, NULL);
  g_assert_cmpint (eval.status, ==, 0);
  g_assert_true (g_file_get_contents (predictions, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  for (guint l = 1; lines[l] != NULL && lines[l][0] != '\0'; l++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[l], ",", -1);
      int label = atoi (fields[1]);
      gboolean person = g_ascii_strtod (fields[2], NULL) >= 0.5;

      g_assert_cmpint (atoi (fields[3]), ==, person);
      if (label == 1)
        person ? tp++ : fn++;
      else
        person ? fp++ : tn++;
    }
  g_assert_cmpuint (tp + fp + tn + fn, ==, 500);
  expected = g_strdup_printf ("label person       %16u  %19u\nlabel no person    %16u  %19u\n", tp, fn, fp, tn);
  assert_contains (eval.out, expected);

  test_cli_run (&failures, "failures", "--slice", "label == 0 && mean_luma < 80", "--kind", "fp", "--limit", "3", model, vww, NULL);
  g_assert_cmpint (failures.status, ==, 0);
  assert_contains (failures.out, "(46 images)");

  test_cli_run (&bias, "bias", vww, NULL);
  g_assert_cmpint (bias.status, ==, 0);
  assert_contains (bias.out, "mean_luma\n  label FLAGGED: mean_luma <= ");
  assert_contains (bias.out, "Attributes that predict the label on their own: mean_luma\n");
  fixture_remove_tree (folder);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/cli-data/eval/text", test_eval_text);
  ADD ("/cli-data/eval/json-predictions", test_eval_json_and_predictions);
  ADD ("/cli-data/eval/errors", test_eval_errors);
  ADD ("/cli-data/failures", test_failures);
  ADD ("/cli-data/failures/export", test_failures_export);
  ADD ("/cli-data/test", test_datatest);
  ADD ("/cli-data/bias", test_bias);
  g_test_add_func ("/cli-data/vww", test_vww);
  return g_test_run ();
}
