/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-util.h"

/* bitlens-cli run and bench, run as a separate process: exit statuses, messages, JSON lines,
 * the TFLM reference results (SEMANTICS.md section 4), per-op dumps against the golden TFLM
 * hashes, and float outputs that read back exactly. */

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("bitlens-test-cli-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* Removes a folder tree made by a test (files and folders only). */
static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* --- Usage errors: exit 2 ---------------------------------------------------------------- */

static void
test_usage_errors (void)
{
  const char *cases[][4] = {
    { "run", NULL },
    { "run", "model.tflite", NULL },
    { "run", "--bogus", "model.tflite", "image.png" },
    { "run", "--dump-dir", NULL },
    { "bench", NULL },
    { "bench", "--bogus", "model.tflite", NULL },
    { "bench", "--runs", "many", "model.tflite" },
    { "bench", "--runs", "-3", "model.tflite" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(TestCliResult) result = { 0 };

      test_cli_run (&result, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
      g_assert_cmpint (result.status, ==, 2);
      g_assert_cmpstr (result.out, ==, "");
      g_assert_nonnull (strstr (result.err, "bitlens-cli"));
    }
}

static void
test_help (void)
{
  g_auto(TestCliResult) run = { 0 };
  g_auto(TestCliResult) bench = { 0 };

  test_cli_run (&run, "run", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "--raw"));
  g_assert_nonnull (strstr (run.out, "--json"));
  g_assert_nonnull (strstr (run.out, "--dump-dir"));
  g_assert_nonnull (strstr (run.out, "MODEL INPUT"));

  test_cli_run (&bench, "bench", "--help", NULL);
  g_assert_cmpint (bench.status, ==, 0);
  g_assert_nonnull (strstr (bench.out, "--runs"));
  g_assert_nonnull (strstr (bench.out, "--warmup"));
}

/* --- Missing files: exit 1 --------------------------------------------------------------- */

static void
test_missing_model (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *model = g_build_filename (dir, "no-such-model.tflite", NULL);
  g_auto(TestCliResult) run = { 0 };
  g_auto(TestCliResult) bench = { 0 };

  test_cli_run (&run, "run", model, "image.png", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "no-such-model.tflite"));

  test_cli_run (&bench, "bench", model, NULL);
  g_assert_cmpint (bench.status, ==, 1);
  g_assert_nonnull (strstr (bench.err, "no-such-model.tflite"));

  remove_tree (dir);
}

/* A missing image in the middle: the images before it are printed, then exit 1. */
static void
test_missing_input_stops_the_run (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *image = test_shared_path ("data/vww/person/000000000785.png");
  g_autofree char *dir = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *not_image = NULL;
  g_auto(TestCliResult) result = { 0 };
  g_auto(TestCliResult) result_text = { 0 };

  if (model == NULL || image == NULL)
    return;
  dir = make_temp_dir ();
  missing = g_build_filename (dir, "missing.png", NULL);
  not_image = g_build_filename (dir, "notes.png", NULL);
  g_assert_true (g_file_set_contents (not_image, "not an image\n", -1, NULL));

  test_cli_run (&result, "run", model, image, missing, image, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpuint (count_lines (result.out), ==, 1);
  g_assert_nonnull (strstr (result.out, "000000000785.png"));
  g_assert_nonnull (strstr (result.err, "missing.png"));

  test_cli_run (&result_text, "run", "--json", model, not_image, image, NULL);
  g_assert_cmpint (result_text.status, ==, 1);
  g_assert_cmpstr (result_text.out, ==, "");
  g_assert_nonnull (strstr (result_text.err, "notes.png: not a PNG or JPEG file"));

  remove_tree (dir);
}

/* --- The TFLM person detector on its test images ----------------------------------------- */

/* The BMP's pixel bytes in top-down row order, as the TFLM test copies them into the int8
 * input: the file stores 8-bit rows bottom-up after a header whose pixel offset is at byte 10. */
static GBytes *
read_bmp_pixels_top_down (const char *path)
{
  g_autofree guint8 *contents = NULL;
  gsize length;
  guint32 offset;
  gint32 width, height;
  guint16 bits;
  GByteArray *pixels = g_byte_array_new ();

  g_assert_true (g_file_get_contents (path, (char **) &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 54);
  g_assert_cmpmem (contents, 2, "BM", 2);
  offset = GUINT32_FROM_LE (*(guint32 *) (contents + 10));
  width = GINT32_FROM_LE (*(gint32 *) (contents + 18));
  height = GINT32_FROM_LE (*(gint32 *) (contents + 22));
  bits = GUINT16_FROM_LE (*(guint16 *) (contents + 28));
  g_assert_cmpint (width, ==, 96);
  g_assert_cmpint (height, ==, 96);     /* positive: bottom-up */
  g_assert_cmpuint (bits, ==, 8);
  g_assert_cmpuint (offset + 96 * 96, <=, length);
  for (int y = 0; y < 96; y++)
    g_byte_array_append (pixels, contents + offset + (gsize) (95 - y) * 96, 96);
  return g_byte_array_free_to_bytes (pixels);
}

static char *
write_raw_from_bmp (const char *dir,
                    const char *bmp_relative,
                    const char *raw_name)
{
  g_autofree char *bmp = test_shared_path (bmp_relative);
  g_autoptr(GBytes) pixels = NULL;
  char *raw;

  if (bmp == NULL)
    return NULL;
  pixels = read_bmp_pixels_top_down (bmp);
  raw = g_build_filename (dir, raw_name, NULL);
  g_assert_true (g_file_set_contents (raw, g_bytes_get_data (pixels, NULL), g_bytes_get_size (pixels), NULL));
  return raw;
}

/* Expected person scores: (q - zero point) * scale with the output's zp -128, scale 1/256:
 * (113 + 128) / 256 = 0.94140625 and (-57 + 128) / 256 = 0.27734375. */
static void
test_person_detect_raw_json (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dir = NULL;
  g_autofree char *person = NULL;
  g_autofree char *no_person = NULL;
  g_autofree char *expected = NULL;

  if (model == NULL)
    return;
  dir = make_temp_dir ();
  person = write_raw_from_bmp (dir, "models/tflm/person.bmp", "person.raw");
  no_person = write_raw_from_bmp (dir, "models/tflm/no_person.bmp", "no_person.raw");
  if (person == NULL || no_person == NULL)
    return;

  expected = g_strdup_printf ("{\"input\": \"%s\", \"output\": [-113, 113], \"person_score\": 0.94140625}\n"
                              "{\"input\": \"%s\", \"output\": [57, -57], \"person_score\": 0.27734375}\n",
                              person, no_person);
  for (int reference = 0; reference < 2; reference++)
    {
      g_auto(TestCliResult) result = { 0 };

      if (reference)
        test_cli_run (&result, "run", "--json", "--raw", "--reference", model, person, no_person, NULL);
      else
        test_cli_run (&result, "run", "--json", "--raw", model, person, no_person, NULL);
      g_assert_cmpint (result.status, ==, 0);
      g_assert_cmpstr (result.out, ==, expected);
      g_assert_cmpstr (result.err, ==, "");
    }

  {
    g_auto(TestCliResult) human = { 0 };
    g_autofree char *line = g_strdup_printf ("%s: output [-113, 113], person score 0.94140625\n", person);

    test_cli_run (&human, "run", "--raw", model, person, NULL);
    g_assert_cmpint (human.status, ==, 0);
    g_assert_cmpstr (human.out, ==, line);
  }

  remove_tree (dir);
}

static void
test_raw_size_mismatch (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dir = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *zeros = g_malloc0 (9215);
  g_auto(TestCliResult) result = { 0 };

  if (model == NULL)
    return;
  dir = make_temp_dir ();
  raw = g_build_filename (dir, "short.raw", NULL);
  g_assert_true (g_file_set_contents (raw, zeros, 9215, NULL));

  test_cli_run (&result, "run", "--raw", model, raw, NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_nonnull (strstr (result.err, "short.raw"));
  g_assert_nonnull (strstr (result.err, "9215"));
  g_assert_nonnull (strstr (result.err, "9216"));

  remove_tree (dir);
}

/* The path is a JSON string: quotes and backslashes escaped, readable by a JSON parser. */
static void
test_json_escapes_the_path (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dir = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *zeros = g_malloc0 (96 * 96);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(TestCliResult) result = { 0 };
  JsonObject *object;
  JsonArray *output;

  if (model == NULL)
    return;
  dir = make_temp_dir ();
  raw = g_build_filename (dir, "odd \"name\" \\ \t.raw", NULL);
  g_assert_true (g_file_set_contents (raw, zeros, 96 * 96, NULL));

  test_cli_run (&result, "run", "--json", "--raw", model, raw, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "odd \\\"name\\\" \\\\ \\t.raw"));
  json_parser_load_from_data (parser, result.out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "input"), ==, raw);
  output = json_object_get_array_member (object, "output");
  /* SEMANTICS.md section 4: an all-zero input gives [72, -72]. */
  g_assert_cmpuint (json_array_get_length (output), ==, 2);
  g_assert_cmpint (json_array_get_int_element (output, 0), ==, 72);
  g_assert_cmpint (json_array_get_int_element (output, 1), ==, -72);
  g_assert_cmpfloat (json_object_get_double_member (object, "person_score"), ==, 56.0 / 256.0);

  remove_tree (dir);
}

/* --dump-dir: one file per op, each matching the FNV-1a-32 hash real TFLM gave
 * (../shared/golden/tflm_person_detect_perop.txt, section "+ person.bmp"). */
static GHashTable *
read_golden_person_hashes (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *hashes = g_hash_table_new (g_direct_hash, g_direct_equal);
  gboolean in_section = FALSE;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      guint op;
      char hash[9];

      if (g_str_has_prefix (*line, "##"))
        in_section = strstr (*line, "+ person.bmp") != NULL;
      else if (in_section && g_str_has_prefix (*line, "op ") &&
               sscanf (*line, "op %u", &op) == 1 && strstr (*line, "fnv1a=") != NULL &&
               sscanf (strstr (*line, "fnv1a="), "fnv1a=%8s", hash) == 1)
        g_hash_table_insert (hashes, GUINT_TO_POINTER (op),
                             GUINT_TO_POINTER ((guint) g_ascii_strtoull (hash, NULL, 16)));
    }
  return hashes;
}

static void
test_dump_dir_matches_golden (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *golden = test_shared_path ("golden/tflm_person_detect_perop.txt");
  g_autofree char *dir = NULL;
  g_autofree char *person = NULL;
  g_autofree char *dumps = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GHashTable) hashes = NULL;
  g_autoptr(GDir) listing = NULL;
  g_auto(TestCliResult) result = { 0 };
  const char *name;
  guint n_files = 0;

  if (model == NULL || golden == NULL)
    return;
  dir = make_temp_dir ();
  person = write_raw_from_bmp (dir, "models/tflm/person.bmp", "person.raw");
  if (person == NULL)
    return;
  dumps = g_build_filename (dir, "dumps", NULL);
  hashes = read_golden_person_hashes (golden);
  g_assert_cmpuint (g_hash_table_size (hashes), ==, 31);

  test_cli_run (&result, "run", "--raw", "--dump-dir", dumps, model, person, NULL);
  g_assert_cmpint (result.status, ==, 0);

  folder = g_build_filename (dumps, "person", NULL);
  listing = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      guint op;

      g_assert_true (g_str_has_prefix (name, "op"));
      g_assert_true (g_str_has_suffix (name, ".bin"));
      g_assert_cmpint (sscanf (name, "op%3u_", &op), ==, 1);
      g_assert_null (strchr (name, '/'));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_true (g_hash_table_contains (hashes, GUINT_TO_POINTER (op)));
      g_assert_cmphex (test_fnv1a32 (contents, length), ==,
                       GPOINTER_TO_UINT (g_hash_table_lookup (hashes, GUINT_TO_POINTER (op))));
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, 31);

  remove_tree (dir);
}

/* Two inputs with the same stem would share a dump folder: refused before running. */
static void
test_dump_dir_refuses_shared_stems (void)
{
  g_auto(TestCliResult) result = { 0 };

  test_cli_run (&result, "run", "--dump-dir", "/tmp/unused", "model.tflite", "a/x.png", "b/x.jpg", NULL);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "a/x.png"));
  g_assert_nonnull (strstr (result.err, "b/x.jpg"));
}

/* --- Images and float outputs, checked against the library in this process -------------- */

static void
run_in_process (const char *model_path,
                const char *image_path,
                gpointer    output_copy,
                gsize       output_bytes,
                double     *score)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_file (model_path, &error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(BitlensImage) image = NULL;
  const BitlensTensor *input;

  g_assert_no_error (error);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  image = bitlens_image_load (image_path, &error);
  g_assert_no_error (error);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  g_assert_true (bitlens_image_to_input (image, input, bitlens_interpreter_get_input_data (interpreter, 0), &error));
  g_assert_no_error (error);
  bitlens_interpreter_invoke (interpreter);
  memcpy (output_copy, bitlens_interpreter_get_output_data (interpreter, 0), output_bytes);
  *score = bitlens_interpreter_get_person_score (interpreter);
}

/* The float model's outputs print with %.9g: parsed back with strtof, they are the very
 * floats the interpreter computed. */
static void
test_float_outputs_round_trip (void)
{
  g_autofree char *model = test_shared_path ("models/mlperf_tiny/vww_96_float.tflite");
  g_autofree char *image = test_shared_path ("data/vww/no_person/000000000724.png");
  g_auto(TestCliResult) result = { 0 };
  float expected[2];
  double expected_score;
  const char *p;

  if (model == NULL || image == NULL)
    return;
  run_in_process (model, image, expected, sizeof expected, &expected_score);

  test_cli_run (&result, "run", "--json", model, image, NULL);
  g_assert_cmpint (result.status, ==, 0);
  p = strstr (result.out, "\"output\": [");
  g_assert_nonnull (p);
  p += strlen ("\"output\": [");
  for (int i = 0; i < 2; i++)
    {
      char *end;
      float value = strtof (p, &end);

      g_assert_true (end != p);
      g_assert_true (memcmp (&value, &expected[i], sizeof value) == 0);
      p = end + strspn (end, ", ");
    }
  g_assert_cmpint (*p, ==, ']');
  p = strstr (result.out, "\"person_score\": ");
  g_assert_nonnull (p);
  /* The score is a double printed with 9 significant digits. */
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (p + strlen ("\"person_score\": "), NULL),
                                  expected_score, 1e-8);
}

/* Several images through one interpreter give what each gives alone. */
static void
test_images_int8_rgb_model (void)
{
  g_autofree char *model = test_shared_path ("models/mlperf_tiny/vww_96_int8.tflite");
  g_autofree char *first = test_shared_path ("data/vww/person/000000000785.png");
  g_autofree char *second = test_shared_path ("data/scenes_neg/no_person/a0010.jpg");
  g_auto(TestCliResult) result = { 0 };
  g_autofree char *expected = NULL;
  gint8 out_first[2], out_second[2];
  double score_first, score_second;
  char score_text[2][G_ASCII_DTOSTR_BUF_SIZE];

  if (model == NULL || first == NULL || second == NULL)
    return;
  run_in_process (model, first, out_first, 2, &score_first);
  run_in_process (model, second, out_second, 2, &score_second);
  g_ascii_formatd (score_text[0], sizeof score_text[0], "%.9g", score_first);
  g_ascii_formatd (score_text[1], sizeof score_text[1], "%.9g", score_second);
  /* Scores are (q + 128) / 256 exactly. */
  g_assert_cmpfloat (score_first, ==, (out_first[1] + 128) / 256.0);
  expected = g_strdup_printf ("{\"input\": \"%s\", \"output\": [%d, %d], \"person_score\": %s}\n"
                              "{\"input\": \"%s\", \"output\": [%d, %d], \"person_score\": %s}\n",
                              first, out_first[0], out_first[1], score_text[0],
                              second, out_second[0], out_second[1], score_text[1]);

  test_cli_run (&result, "run", "--json", model, first, second, NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, expected);
}

/* --- bench ------------------------------------------------------------------------------- */

static void
test_bench (void)
{
  g_autofree char *model = test_shared_path ("models/tflm/person_detect.tflite");
  g_auto(TestCliResult) both = { 0 };
  g_auto(TestCliResult) reference = { 0 };

  if (model == NULL)
    return;
  test_cli_run (&both, "bench", "--runs", "3", "--warmup", "1", model, NULL);
  g_assert_cmpint (both.status, ==, 0);
  g_assert_nonnull (strstr (both.out, "input int8 [1,96,96,1]"));
  g_assert_nonnull (strstr (both.out, "optimized: median "));
  g_assert_nonnull (strstr (both.out, "(3 runs after 1 warm-up)"));
  g_assert_nonnull (strstr (both.out, "reference: median "));
  g_assert_nonnull (strstr (both.out, "outputs: identical (2 bytes)"));
  g_assert_true (strstr (both.out, "x faster") != NULL || strstr (both.out, "x slower") != NULL);

  test_cli_run (&reference, "bench", "--reference", "--runs", "2", "--warmup", "0", model, NULL);
  g_assert_cmpint (reference.status, ==, 0);
  g_assert_nonnull (strstr (reference.out, "reference: median "));
  g_assert_null (strstr (reference.out, "optimized"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/run/missing-model", test_missing_model);
  g_test_add_func ("/cli/run/missing-input-stops-the-run", test_missing_input_stops_the_run);
  g_test_add_func ("/cli/run/person-detect-raw-json", test_person_detect_raw_json);
  g_test_add_func ("/cli/run/raw-size-mismatch", test_raw_size_mismatch);
  g_test_add_func ("/cli/run/json-escapes-the-path", test_json_escapes_the_path);
  g_test_add_func ("/cli/run/dump-dir-matches-golden", test_dump_dir_matches_golden);
  g_test_add_func ("/cli/run/dump-dir-refuses-shared-stems", test_dump_dir_refuses_shared_stems);
  g_test_add_func ("/cli/run/float-outputs-round-trip", test_float_outputs_round_trip);
  g_test_add_func ("/cli/run/images-int8-rgb-model", test_images_int8_rgb_model);
  g_test_add_func ("/cli/bench", test_bench);

  return g_test_run ();
}
