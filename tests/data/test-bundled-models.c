/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <bitlens/bitlens-datatest.h>

#include "test-util.h"

/* The bundled person detectors (data/models/bitlens-person-v1 and -v2.tflite, made by
 * tools/train-bundled-models): they parse, run, stay under 100 KB and are binary (the MACs
 * are counted here from the ops' shapes, independently of the core's cost); on the shared
 * vww test split, the data unit tests of data/tests/dark-shortcut.spec show the dark-image
 * shortcut of version 1 and its absence in version 2, and version 2 gets exactly the count
 * of right answers the README reports (inference is bit-exact, so it cannot drift). */

#define MAX_MODEL_BYTES (100 * 1024)

/* README, "Bundled models": right answers of version 2 on vww/test.txt (500 images). */
#define V2_CORRECT_ON_TEST 338

/* "Not clearly worse" elsewhere: on every other slice, version 1's accuracy may fall short of
 * version 2's by at most this much (0.02 is 4 of the 199 bright person images). */
#define NOT_CLEARLY_WORSE 0.02

static char *
bundled_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", name, NULL);
}

static BitlensModel *
load_bundled_model (const char *version)
{
  g_autofree char *name = g_strdup_printf ("bitlens-person-%s.tflite", version);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "models", name, NULL);
  g_autoptr(GError) error = NULL;
  BitlensModel *model = bitlens_model_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* Output height x width x channels of an op's first output (NHWC, or [1, N]). */
static guint64
output_elements (BitlensModel   *model,
                 const BitlensOp *op)
{
  return bitlens_model_get_tensor (model, op->outputs[0])->n_elements;
}

/* MACs per inference, from the shapes: a binary convolution does out_h * out_w * out_c *
 * kernel_h * kernel_w * channels_in XNOR-popcounts (the padded taps count: they are read as
 * +1); a float convolution as many multiply-accumulates over its input channels; a fully
 * connected layer units * inputs. */
static void
count_macs (BitlensModel *model,
            guint64      *binary,
            guint64      *other)
{
  *binary = *other = 0;
  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, i);

      switch (op->kind)
        {
        case BITLENS_OP_LCE_BCONV2D:
          {
            const BitlensTensor *filter = bitlens_model_get_tensor (model, op->inputs[1]);

            *binary += output_elements (model, op) * filter->shape[1] * filter->shape[2]
                       * op->options.channels_in;
          }
          break;
        case BITLENS_OP_CONV_2D:
          {
            const BitlensTensor *filter = bitlens_model_get_tensor (model, op->inputs[1]);

            *other += output_elements (model, op) * filter->shape[1] * filter->shape[2] * filter->shape[3];
          }
          break;
        case BITLENS_OP_FULLY_CONNECTED:
          {
            const BitlensTensor *weights = bitlens_model_get_tensor (model, op->inputs[1]);

            *other += (guint64) weights->shape[0] * weights->shape[1];
          }
          break;
        case BITLENS_OP_DEPTHWISE_CONV_2D:
          g_assert_not_reached ();   /* the trainer makes none */
          break;
        default:
          break;
        }
    }
}

static void
check_format (const char *version)
{
  g_autofree char *name = g_strdup_printf ("bitlens-person-%s.tflite", version);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "models", name, NULL);
  g_autoptr(BitlensModel) model = load_bundled_model (version);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  BitlensInterpreter *interpreter;
  const BitlensTensor *input;
  const float *output;
  g_autofree float *pixels = NULL;
  BitlensModelCost cost;
  guint64 binary, other;
  guint n_lce_ops = 0;

  g_assert_no_error (error);
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", name, g_mapped_file_get_length (file));
  g_assert_cmpuint (g_mapped_file_get_length (file), <, MAX_MODEL_BYTES);

  count_macs (model, &binary, &other);
  g_test_message ("%s: %" G_GUINT64_FORMAT " binary MACs, %" G_GUINT64_FORMAT " other MACs",
                  name, binary, other);
  g_assert_cmpuint (binary, >, other);
  bitlens_model_get_cost (model, &cost);
  g_assert_cmpuint (cost.binary_ops, ==, binary);
  g_assert_cmpuint (cost.macs, ==, other);

  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    {
      BitlensOpKind kind = bitlens_model_get_op (model, i)->kind;

      n_lce_ops += kind == BITLENS_OP_LCE_BCONV2D;
      g_assert_true (kind == BITLENS_OP_CONV_2D || kind == BITLENS_OP_LCE_QUANTIZE
                     || kind == BITLENS_OP_LCE_BCONV2D || kind == BITLENS_OP_LCE_BMAXPOOL2D
                     || kind == BITLENS_OP_MAX_POOL_2D || kind == BITLENS_OP_ADD
                     || kind == BITLENS_OP_AVERAGE_POOL_2D || kind == BITLENS_OP_FULLY_CONNECTED
                     || kind == BITLENS_OP_SOFTMAX);
    }
  g_assert_cmpuint (n_lce_ops, >=, 3);

  /* Float RGB 96x96 in, [1, 2] probabilities out (index 1 = person). */
  g_assert_cmpuint (bitlens_model_get_n_inputs (model), ==, 1);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_FLOAT32);
  g_assert_cmpint (input->rank, ==, 4);
  g_assert_cmpint (input->shape[1], ==, 96);
  g_assert_cmpint (input->shape[2], ==, 96);
  g_assert_cmpint (input->shape[3], ==, 3);
  g_assert_cmpuint (bitlens_model_get_person_index (model), ==, 1);
  g_assert_true (bitlens_model_output_is_probability (model));

  /* It runs: a smooth ramp gives two probabilities that add up to 1. */
  pixels = g_new (float, input->n_elements);
  for (gsize i = 0; i < input->n_elements; i++)
    pixels[i] = (float) ((i / 3) % 96) / 95.0f;
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  bitlens_interpreter_set_input_bytes (interpreter, pixels, input->n_bytes, &error);
  g_assert_no_error (error);
  bitlens_interpreter_invoke (interpreter);
  output = bitlens_interpreter_get_output_data (interpreter, 0);
  g_assert_true (isfinite (output[0]) && isfinite (output[1]));
  g_assert_cmpfloat (output[0], >=, 0.0f);
  g_assert_cmpfloat (output[1], >=, 0.0f);
  g_assert_cmpfloat (fabs (output[0] + output[1] - 1.0), <, 1e-5);
  bitlens_interpreter_free (interpreter);

  g_assert_nonnull (strstr (bitlens_model_get_description (model), version));
}

static void
test_format_v1 (void)
{
  check_format ("v1");
}

static void
test_format_v2 (void)
{
  check_format ("v2");
}

static guint
correct (const BitlensDatatestOutcome *outcome)
{
  return outcome->confusion.true_positives + outcome->confusion.true_negatives;
}

static const BitlensDatatestResult *
find_result (BitlensDatatestReport *report,
             const char            *name)
{
  for (guint i = 0; i < bitlens_datatest_report_get_n_results (report); i++)
    {
      const BitlensDatatestResult *result = bitlens_datatest_report_get_result (report, i);

      if (g_str_equal (result->test->name, name))
        return result;
    }
  g_assert_not_reached ();
  return NULL;
}

/* data/tests/dark-shortcut.spec with its [dataset] path pointing into BITLENS_SHARED_DIR
 * (the spec's own relative path assumes ../shared beside the source tree). */
static BitlensDatatestSpec *
load_shortcut_spec (const char *vww)
{
  g_autofree char *path = bundled_path ("tests" G_DIR_SEPARATOR_S "dark-shortcut.spec");
  g_autofree char *text = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autofree char *line = NULL;
  g_autofree char *patched = NULL;
  g_autoptr(GError) error = NULL;
  BitlensDatatestSpec *spec;
  gsize length;

  g_file_get_contents (path, &text, &length, &error);
  g_assert_no_error (error);
  regex = g_regex_new ("^path=.*shared/data/vww$", G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match (regex, text, 0, NULL));
  line = g_strdup_printf ("path=%s", vww);
  patched = g_regex_replace_literal (regex, text, -1, 0, line, 0, &error);
  g_assert_no_error (error);
  spec = bitlens_datatest_spec_new_from_data (patched, strlen (patched), path, &error);
  g_assert_no_error (error);
  return spec;
}

static void
test_dark_shortcut (void)
{
  g_autofree char *vww = test_shared_path ("data/vww");
  g_autoptr(BitlensModel) v1 = NULL;
  g_autoptr(BitlensModel) v2 = NULL;
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(BitlensDatatestReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BitlensDatatestRunOptions options = { 0 };
  const char *other_slices[] = { "bright_no_person", "dark_person", "bright_person" };
  const BitlensDatatestResult *dark, *overall;

  if (vww == NULL)
    return;
  v1 = load_bundled_model ("v1");
  v2 = load_bundled_model ("v2");
  spec = load_shortcut_spec (vww);
  g_assert_cmpstr (bitlens_datatest_spec_get_split (spec), ==, "test.txt");

  /* A = version 1 (the verdicts), B = version 2. */
  options.spec = spec;
  options.model_a = v1;
  options.model_b = v2;
  options.threshold = NAN;
  report = bitlens_datatest_run (&options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  text = bitlens_datatest_report_to_text (report);
  g_test_message ("%s", text);

  /* Version 1 fails the dark no-person slice, version 2 passes every test. */
  dark = find_result (report, "dark_no_person");
  g_assert_true (dark->has_b);
  g_assert_false (dark->a.passed);
  g_assert_true (dark->b.passed);
  g_assert_cmpfloat (dark->a.value, <, dark->b.value - 0.15);
  for (guint i = 0; i < bitlens_datatest_report_get_n_results (report); i++)
    g_assert_true (bitlens_datatest_report_get_result (report, i)->b.passed);

  /* Version 1 is not clearly worse on any other slice; it is better on dark people (the
   * other face of the shortcut). */
  for (guint i = 0; i < G_N_ELEMENTS (other_slices); i++)
    {
      const BitlensDatatestResult *result = find_result (report, other_slices[i]);

      g_assert_cmpuint (result->a.n_images, ==, result->b.n_images);
      g_assert_cmpuint (result->a.n_images, >, 10);
      g_test_message ("%s (%u images): v1 %.4f, v2 %.4f", other_slices[i], result->a.n_images,
                      result->a.value, result->b.value);
      g_assert_cmpfloat (result->a.value, >=, result->b.value - NOT_CLEARLY_WORSE);
    }
  g_assert_cmpfloat (find_result (report, "dark_person")->a.value, >,
                     find_result (report, "dark_person")->b.value);

  /* Version 2 on the whole test split: the README's figure, exactly. */
  overall = find_result (report, "overall");
  g_assert_cmpuint (overall->b.n_images, ==, 500);
  g_assert_cmpuint (correct (&overall->b), ==, V2_CORRECT_ON_TEST);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bundled-models/format-v1", test_format_v1);
  g_test_add_func ("/bundled-models/format-v2", test_format_v2);
  g_test_add_func ("/bundled-models/dark-shortcut", test_dark_shortcut);
  return g_test_run ();
}
