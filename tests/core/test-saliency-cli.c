/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "test-util.h"

/* bitlens-cli saliency and faithfulness: outputs equal to the library's, files written
 * and refused, usage and error exits. */

#define PERSON_DETECT "models/tflm/person_detect.tflite"
#define PERSON_IMAGE "data/vww/person/000000000785.png"
#define VWW_INT8 "models/mlperf_tiny/vww_96_int8.tflite"

static double
field_value (const char *text,
             const char *field)
{
  const char *at = strstr (text, field);

  g_assert_nonnull (at);
  return g_ascii_strtod (at + strlen (field), NULL);
}

static void
test_saliency_outputs (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);
  g_autofree char *dir = NULL, *npy = NULL, *json = NULL, *png = NULL, *raw = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(BitlensSaliencyMap) expected = NULL;
  g_autoptr(BitlensSaliencyMap) written = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw_contents = NULL;
  gsize raw_size;
  BitlensSaliencyParams params;

  if (model_path == NULL || image_path == NULL)
    return;
  dir = g_dir_make_tmp ("bitlens-saliency-cli-XXXXXX", &error);
  g_assert_no_error (error);
  npy = g_build_filename (dir, "m.npy", NULL);
  json = g_build_filename (dir, "m.json", NULL);
  png = g_build_filename (dir, "a.png", NULL);
  raw = g_build_filename (dir, "in.raw", NULL);

  {
    const char *arguments[] = { "saliency", model_path, image_path, "--window", "12", "--stride", "6",
                                "--baseline", "black", "--threads", "2", "--map", npy, "-o", png,
                                "--write-input", raw, "--sign", "both", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
  }
  g_assert_true (g_file_test (json, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));

  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  image = bitlens_image_load (image_path, &error);
  g_assert_no_error (error);
  input = bitlens_saliency_input_from_image (model, image, &error);
  g_assert_no_error (error);
  bitlens_saliency_params_init (&params);
  params.window = 12;
  params.stride = 6;
  params.baseline.kind = BITLENS_BASELINE_BLACK;
  expected = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  written = bitlens_import_npy (npy, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (written->values, 96 * 96 * sizeof (float), expected->values, 96 * 96 * sizeof (float));
  g_assert_cmpfloat (field_value (out, "score: "), ==, expected->score);
  g_file_get_contents (raw, &raw_contents, &raw_size, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (raw_contents, raw_size, g_bytes_get_data (input, NULL), g_bytes_get_size (input));

  /* A second run without --force keeps the files and says which one exists. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *arguments[] = { "saliency", model_path, image_path, "--map", npy, NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, "exists"));
  g_assert_nonnull (strstr (err, "m.npy"));

  g_unlink (npy);
  g_unlink (json);
  g_unlink (png);
  g_unlink (raw);
  g_rmdir (dir);
}

static void
test_faithfulness_output (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(BitlensSaliencyMap) random_map = NULL;
  g_autoptr(BitlensFaithfulness) result = NULL;
  g_autoptr(BitlensFaithfulness) random_result = NULL;
  g_autoptr(GError) error = NULL;
  BitlensSaliencyParams params;
  BitlensFaithfulnessParams faithfulness;
  const char *random_line;

  if (model_path == NULL || image_path == NULL)
    return;
  {
    const char *arguments[] = { "faithfulness", model_path, image_path, "--steps", "6", "--window", "16",
                                "--stride", "8", "--random-seed", "3", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
  }

  model = bitlens_model_new_from_file (model_path, &error);
  image = bitlens_image_load (image_path, &error);
  input = bitlens_saliency_input_from_image (model, image, &error);
  g_assert_no_error (error);
  bitlens_saliency_params_init (&params);
  params.window = 16;
  params.stride = 8;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  bitlens_faithfulness_params_init (&faithfulness);
  faithfulness.steps = 6;
  result = bitlens_faithfulness_compute (model, input, map, &faithfulness, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  random_map = bitlens_saliency_map_new_random (96, 96, 3);
  random_result = bitlens_faithfulness_compute (model, input, random_map, &faithfulness, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpfloat (field_value (out, "deletion area: "), ==, result->deletion_area);
  g_assert_cmpfloat (field_value (out, "insertion area: "), ==, result->insertion_area);
  random_line = strstr (out, "random map (seed 3)");
  g_assert_nonnull (random_line);
  g_assert_cmpfloat (field_value (random_line, "deletion area: "), ==, random_result->deletion_area);
  g_assert_cmpfloat (field_value (random_line, "insertion area: "), ==, random_result->insertion_area);
  /* The defaults: occlusion windows and deleted pixels take the blurred copy. */
  g_assert_nonnull (strstr (out, "deletion baseline: blur radius 5  insertion start: blur radius 5"));
  g_assert_cmpint (params.baseline.kind, ==, BITLENS_BASELINE_BLUR);
  g_assert_cmpint (faithfulness.deletion_baseline.kind, ==, BITLENS_BASELINE_BLUR);

  /* An explicit gray baseline fills the windows and the deleted pixels with gray 128. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *arguments[] = { "faithfulness", model_path, image_path, "--steps", "6", "--window", "16",
                                "--stride", "8", "--baseline=gray", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
  }
  g_assert_nonnull (strstr (out, "deletion baseline: gray 128  insertion start: blur radius 5"));
  params.baseline.kind = BITLENS_BASELINE_GRAY;
  faithfulness.deletion_baseline = params.baseline;
  g_clear_pointer (&map, bitlens_saliency_map_free);
  g_clear_pointer (&result, bitlens_faithfulness_free);
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  result = bitlens_faithfulness_compute (model, input, map, &faithfulness, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (field_value (out, "deletion area: "), ==, result->deletion_area);
  g_assert_cmpfloat (field_value (out, "insertion area: "), ==, result->insertion_area);
}

/* --compare: model B's map of the same image, and -o writes the compare PNG the library
 * draws for the two maps. */
static void
test_saliency_compare (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *model_b_path = test_shared_path (VWW_INT8);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);
  g_autofree char *dir = NULL, *png = NULL, *out = NULL, *err = NULL, *written = NULL;
  g_autoptr(BitlensModel) model = NULL, model_b = NULL;
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GBytes) input = NULL, input_b = NULL, expected = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL, map_b = NULL;
  g_autoptr(GError) error = NULL;
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info, info_b;
  gsize length;

  if (model_path == NULL || model_b_path == NULL || image_path == NULL)
    return;
  dir = g_dir_make_tmp ("bitlens-saliency-cli-XXXXXX", &error);
  g_assert_no_error (error);
  png = g_build_filename (dir, "compare.png", NULL);
  {
    const char *arguments[] = { "saliency", model_path, image_path, "--compare", model_b_path, "--window", "24",
                                "--stride", "12", "--threads", "2", "-o", png, NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
  }

  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  model_b = bitlens_model_new_from_file (model_b_path, &error);
  g_assert_no_error (error);
  image = bitlens_image_load (image_path, &error);
  g_assert_no_error (error);
  input = bitlens_saliency_input_from_image (model, image, &error);
  g_assert_no_error (error);
  input_b = bitlens_saliency_input_from_image (model_b, image, &error);
  g_assert_no_error (error);
  bitlens_saliency_params_init (&params);
  params.window = 24;
  params.stride = 12;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  map_b = bitlens_saliency_compute (model_b, input_b, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (field_value (out, "score: "), ==, map->score);
  g_assert_nonnull (strstr (out, "model B: vww_96_int8.tflite"));
  g_assert_cmpfloat (field_value (out, "score B: "), ==, map_b->score);

  /* The CLI's rendering defaults: blend, positive, automatic colormap, clip 99, opacity 0.6;
   * the ground truth from the person/ folder. */
  bitlens_render_options_init (&render);
  render.clip_percent = 99;
  render.opacity = 0.6;
  info = (BitlensExportInfo) { .model_name = "person_detect.tflite", .input_name = "000000000785.png",
                               .params = &params, .ground_truth = 1, .render = &render };
  info_b = info;
  info_b.model_name = "vww_96_int8.tflite";
  expected = bitlens_export_compare_png_bytes (image, map, &info, map_b, &info_b, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (png, &written, &length, &error));
  g_assert_cmpmem (written, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));

  /* --compare explains an image file and writes the compare PNG only. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *arguments[] = { "saliency", model_path, image_path, "--compare", model_b_path, "--map", png, NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
  }
  g_assert_nonnull (strstr (err, "--compare"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *arguments[] = { "saliency", model_path, image_path, "--compare", "/nonexistent/b.tflite", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 1);
  }
  g_assert_nonnull (strstr (err, "/nonexistent/b.tflite"));

  g_unlink (png);
  g_rmdir (dir);
}

static void
test_usage_and_errors (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);

  if (model_path == NULL || image_path == NULL)
    return;
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--method", "lime", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "unknown method \"lime\""));
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--colormap", "jet", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--stride", "0", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "faithfulness", model_path, image_path, "--steps", "0", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
  }
  /* Method names are accepted; those not written yet fail with a message. */
  for (int m = 0; m < BITLENS_SALIENCY_N_METHODS; m++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *arguments[] = { "saliency", model_path, image_path, "--method",
                                  bitlens_saliency_method_get_name (m), "--window", "48", "--stride", "48", NULL };

      if (bitlens_saliency_method_is_available (m))
        continue;
      g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 1);
      g_assert_nonnull (strstr (err, "is not available yet"));
    }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, "/nonexistent/image.png", NULL };
    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "/nonexistent/image.png"));
  }
}

/* --bench: rounds of the incremental and the naive map side by side, checked identical. */
static void
test_bench (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);

  if (model_path == NULL || image_path == NULL)
    return;
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--window", "24", "--stride", "12",
                                "--threads", "1", "--bench", "2", NULL };
    const char *second;

    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "bench: round 1: incremental CPU "));
    second = strstr (out, "bench: round 2: incremental CPU ");
    g_assert_nonnull (second);
    g_assert_nonnull (strstr (second, "maps identical"));
    g_assert_nonnull (strstr (out, "bench: 49 windows; incremental CPU median "));
    g_assert_cmpfloat (field_value (out, "ratio of medians "), >, 0.0);
    /* The map itself follows, as without --bench. */
    g_assert_nonnull (strstr (out, "map: 96x96"));
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--method", "gradient", "--bench", "1", NULL };

    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "--bench"));
  }
  {
    /* --profile: a row per op (31 in person_detect), then the totals. */
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--window", "24", "--stride", "12",
                                "--bench", "1", "--profile", NULL };
    const char *first, *last;

    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 0);
    first = strstr (out, "profile:   0  DEPTHWISE_CONV_2D    48x48x8 ");
    last = strstr (out, "profile:  30  SOFTMAX              2 ");
    g_assert_nonnull (first);
    g_assert_nonnull (last);
    g_assert_true (first < last);
    g_assert_null (strstr (out, "profile:  31 "));
    g_assert_cmpfloat (field_value (out, "profile: all ops: naive "), >, 0.0);
    g_assert_cmpfloat (field_value (out, "at the naive cost per element: "), >, 0.0);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    const char *arguments[] = { "saliency", model_path, image_path, "--profile", NULL };

    g_assert_cmpint (test_cli_run_argv (arguments, &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "--profile goes with --bench"));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/saliency/cli/saliency-outputs", test_saliency_outputs);
  g_test_add_func ("/saliency/cli/faithfulness-output", test_faithfulness_output);
  g_test_add_func ("/saliency/cli/compare", test_saliency_compare);
  g_test_add_func ("/saliency/cli/usage-and-errors", test_usage_and_errors);
  g_test_add_func ("/saliency/cli/bench", test_bench);
  return g_test_run ();
}
