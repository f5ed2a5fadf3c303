/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-util.h"

/* bitlens-cli info, run as a separate process: exit statuses, messages naming the file,
 * and the figures of real models (worked by hand in test-tflite-reader.c). */

typedef struct
{
  int   status;
  char *out;
  char *err;
} InfoRun;

static void
info_run_clear (InfoRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (InfoRun, info_run_clear)

/* bitlens-cli info ARGS... (NULL-terminated, at most 4). */
static void
run_info (InfoRun    *run,
          const char *arg1,
          const char *arg2,
          const char *arg3)
{
  const char *argv[] = { test_cli_path (), "info", arg1, arg2, arg3, NULL };
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("exit %d\nstderr: %s", run->status, run->err);
}

static void
test_usage (void)
{
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, "--help", NULL, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "--json"));
    g_assert_nonnull (strstr (run.out, "MODEL"));
  }
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, NULL, NULL, NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "exactly one MODEL"));
  }
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, "a.tflite", "b.tflite", NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, "--no-such-option", "a.tflite", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--no-such-option"));
  }
}

static void
test_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bitlens-test-info-XXXXXX", &error);
  g_autofree char *garbage = g_build_filename (dir, "garbage.tflite", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.tflite", NULL);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (garbage, "not a model, not at all", -1, NULL));
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, garbage, NULL, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_cmpstr (run.out, ==, "");
    g_assert_nonnull (strstr (run.err, "garbage.tflite"));
    g_assert_nonnull (strstr (run.err, "not a TensorFlow Lite model"));
  }
  {
    g_auto(InfoRun) run = { 0 };
    run_info (&run, "--json", missing, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "missing.tflite"));
  }
  g_assert_cmpint (g_unlink (garbage), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_person_detect (void)
{
  g_autofree char *path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(InfoRun) json_run = { 0 };
  g_auto(InfoRun) text_run = { 0 };
  JsonObject *info, *input, *quantization, *first, *options;
  JsonArray *shape;

  if (path == NULL)
    return;
  run_info (&json_run, "--json", path, NULL);
  g_assert_cmpint (json_run.status, ==, 0);
  info = parse_object (parser, json_run.out);

  g_assert_cmpstr (json_object_get_string_member (info, "name"), ==, "person_detect.tflite");
  input = json_array_get_object_element (json_object_get_array_member (info, "inputs"), 0);
  g_assert_cmpstr (json_object_get_string_member (input, "type"), ==, "int8");
  shape = json_object_get_array_member (input, "shape");
  g_assert_cmpuint (json_array_get_length (shape), ==, 4);
  g_assert_cmpint (json_array_get_int_element (shape, 1), ==, 96);
  g_assert_cmpint (json_array_get_int_element (shape, 3), ==, 1);
  quantization = json_object_get_object_member (input, "quantization");
  g_assert_cmpfloat ((float) json_array_get_double_element (json_object_get_array_member (quantization, "scales"), 0),
                     ==, (float) (2.0 / 255.0));
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (quantization, "zero_points"), 0), ==, -1);

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (info, "ops")), ==, 31);
  first = json_array_get_object_element (json_object_get_array_member (info, "ops"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "DEPTHWISE_CONV_2D");
  options = json_object_get_object_member (first, "options");
  g_assert_cmpint (json_object_get_int_member (options, "depth_multiplier"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (options, "stride_w"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (options, "padding"), ==, "SAME");
  g_assert_cmpstr (json_object_get_string_member (options, "activation"), ==, "RELU6");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first, "inputs")), ==, 3);

  g_assert_cmpint (json_object_get_int_member (info, "macs"), ==, 7157888);
  g_assert_cmpint (json_object_get_int_member (info, "parameters"), ==, 210708);
  g_assert_cmpint (json_object_get_int_member (info, "parameter_bytes"), ==, 218928);
  g_assert_cmpint (json_object_get_int_member (info, "binary_ops"), ==, 0);
  /* The third op reads 48x48x8 and writes 48x48x16 int8 at the same time: at least
   * 18432 + 36864 bytes live together. */
  g_assert_cmpint (json_object_get_int_member (info, "arena_bytes"), >=, 55296);

  run_info (&text_run, path, NULL, NULL);
  g_assert_cmpint (text_run.status, ==, 0);
  g_assert_nonnull (strstr (text_run.out, "Ops (31):"));
  g_assert_nonnull (strstr (text_run.out, "MACs:        7157888\n"));
  g_assert_nonnull (strstr (text_run.out, "#88 input int8 [1,96,96,1] scale 0.00784313772 zero_point -1\n"));
  g_assert_nonnull (strstr (text_run.out, "depth_multiplier=8"));
}

static void
test_binary_model (void)
{
  g_autofree char *path = test_shared_path ("models/lce/xmos/test_bconv2d_bin_0.tflite");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(InfoRun) run = { 0 };
  JsonObject *info, *op, *options;
  JsonArray *inputs;

  if (path == NULL)
    return;
  run_info (&run, path, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  info = parse_object (parser, run.out);
  op = json_array_get_object_element (json_object_get_array_member (info, "ops"), 0);
  g_assert_cmpstr (json_object_get_string_member (op, "kind"), ==, "LceBconv2d");
  options = json_object_get_object_member (op, "options");
  g_assert_cmpint (json_object_get_int_member (options, "channels_in"), ==, 128);
  g_assert_cmpstr (json_object_get_string_member (options, "padding"), ==, "VALID");
  g_assert_cmpint (json_object_get_int_member (options, "stride_h"), ==, 2);
  /* Absent inputs (multiplier, bias) are null. */
  inputs = json_object_get_array_member (op, "inputs");
  g_assert_cmpuint (json_array_get_length (inputs), ==, 5);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (inputs, 2)));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (inputs, 3)));
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (inputs, 1), "constant"));
  g_assert_cmpint (json_object_get_int_member (info, "binary_ops"), ==, 1658880);
  g_assert_cmpint (json_object_get_int_member (info, "parameters"), ==, 36896);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli-info/usage", test_usage);
  g_test_add_func ("/cli-info/bad-files", test_bad_files);
  g_test_add_func ("/cli-info/person-detect", test_person_detect);
  g_test_add_func ("/cli-info/binary-model", test_binary_model);

  return g_test_run ();
}
