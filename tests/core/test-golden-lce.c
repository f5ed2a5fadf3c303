/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include "bitlens-model-private.h"
#include "test-util.h"

/* Real Larq models against the per-op golden files of ../shared/golden (TFLM + LCE
 * reference kernels, larq/compute-engine e6860fc): every op's output element count, sum and
 * FNV-1a-32 hash, with the optimized kernels and with the reference kernels. Inputs are
 * made as golden/README.md says. */

typedef struct
{
  int      op;
  char    *kind;
  int      tensor;
  char    *type;
  gsize    n;
  char    *sum;          /* as printed: exact integer, or %.17g of a double */
  guint32  fnv1a;
} GoldenOp;

typedef struct
{
  char      *name;       /* "xorshift32_seed1", "no_person/000000000724.png" */
  GPtrArray *ops;        /* GoldenOp */
} GoldenInput;

static void
golden_op_free (gpointer data)
{
  GoldenOp *op = data;

  g_free (op->kind);
  g_free (op->type);
  g_free (op->sum);
  g_free (op);
}

static void
golden_input_free (gpointer data)
{
  GoldenInput *input = data;

  g_free (input->name);
  g_ptr_array_unref (input->ops);
  g_free (input);
}

/* Parses "## input K NAME" headers and "op N KIND out_tensor T type=X n= N sum=S
 * fnv1a=H ..." lines. */
static GPtrArray *
golden_parse (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) header = g_regex_new ("^## input \\d+ (\\S+)$", 0, 0, NULL);
  g_autoptr(GRegex) op_line = g_regex_new ("^op\\s+(\\d+)\\s+(\\S+)\\s+out_tensor\\s+(\\d+)\\s+type=(\\S+)\\s+"
                                           "n=\\s*(\\d+)\\s+sum=(\\S+)\\s+fnv1a=([0-9a-f]{8})", 0, 0, NULL);
  GPtrArray *inputs = g_ptr_array_new_with_free_func (golden_input_free);
  GoldenInput *current = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_regex_match (header, lines[i], 0, &match))
        {
          current = g_new0 (GoldenInput, 1);
          current->name = g_match_info_fetch (match, 1);
          current->ops = g_ptr_array_new_with_free_func (golden_op_free);
          g_ptr_array_add (inputs, current);
        }
      else if (g_regex_match (op_line, lines[i], 0, &match))
        {
          GoldenOp *op = g_new0 (GoldenOp, 1);
          g_autofree char *index = g_match_info_fetch (match, 1);
          g_autofree char *tensor = g_match_info_fetch (match, 3);
          g_autofree char *n = g_match_info_fetch (match, 5);
          g_autofree char *hash = g_match_info_fetch (match, 7);

          g_assert_nonnull (current);
          op->op = atoi (index);
          op->kind = g_match_info_fetch (match, 2);
          op->tensor = atoi (tensor);
          op->type = g_match_info_fetch (match, 4);
          op->n = g_ascii_strtoull (n, NULL, 10);
          op->sum = g_match_info_fetch (match, 6);
          op->fnv1a = (guint32) g_ascii_strtoull (hash, NULL, 16);
          g_ptr_array_add (current->ops, op);
        }
    }
  g_assert_cmpuint (inputs->len, >, 0);
  return inputs;
}

/* What the tap records for one op. */
typedef struct
{
  int      tensor;
  gsize    n;
  char    *sum;
  guint32  fnv1a;
} ObservedOp;

typedef struct
{
  BitlensModel *model;
  ObservedOp   *ops;
} Observation;

static char *
format_sum (const BitlensTensor *tensor,
            const void          *data)
{
  gint64 integer_sum = 0;
  double float_sum = 0.0;

  for (gsize i = 0; i < tensor->n_elements; i++)
    switch (tensor->type)
      {
      case BITLENS_TYPE_FLOAT32: float_sum += ((const float *) data)[i]; break;
      case BITLENS_TYPE_INT32: integer_sum += ((const gint32 *) data)[i]; break;
      case BITLENS_TYPE_INT8: integer_sum += ((const gint8 *) data)[i]; break;
      case BITLENS_TYPE_UINT8: integer_sum += ((const guint8 *) data)[i]; break;
      case BITLENS_TYPE_INT16: integer_sum += ((const gint16 *) data)[i]; break;
      default: g_assert_not_reached ();
      }
  if (tensor->type == BITLENS_TYPE_FLOAT32)
    return g_strdup_printf ("%.17g", float_sum);
  return g_strdup_printf ("%" G_GINT64_FORMAT, integer_sum);
}

static void
observe_op (BitlensInterpreter *interpreter,
            guint               op_index,
            int                 tensor_index,
            const void         *data,
            gpointer            user_data)
{
  Observation *observation = user_data;
  const BitlensTensor *tensor = bitlens_model_get_tensor (observation->model, tensor_index);
  ObservedOp *op = &observation->ops[op_index];

  op->tensor = tensor_index;
  op->n = tensor->n_elements;
  op->sum = format_sum (tensor, data);
  op->fnv1a = test_fnv1a32 (data, tensor->n_bytes);
}

/* Runs one input and compares every op with the golden record; returns the index of the
 * first op that differs, or -1. */
static int
run_and_compare (BitlensModel            *model,
                 BitlensInterpreterFlags  flags,
                 const void              *input,
                 gsize                    n_bytes,
                 const GoldenInput       *golden,
                 const char              *label)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, flags, &error);
  guint n_ops = bitlens_model_get_n_ops (model);
  g_autofree ObservedOp *ops = g_new0 (ObservedOp, n_ops);
  Observation observation = { model, ops };
  int first_difference = -1;

  g_assert_no_error (error);
  g_assert_cmpuint (golden->ops->len, ==, n_ops);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, input, n_bytes, &error));
  g_assert_no_error (error);
  bitlens_interpreter_set_tap (interpreter, observe_op, &observation);
  bitlens_interpreter_invoke (interpreter);

  for (guint o = 0; o < n_ops; o++)
    {
      const GoldenOp *expected = g_ptr_array_index (golden->ops, o);
      const ObservedOp *observed = &ops[o];
      gboolean same = observed->tensor == expected->tensor && observed->n == expected->n
                      && observed->fnv1a == expected->fnv1a && g_strcmp0 (observed->sum, expected->sum) == 0;

      if (!same && first_difference < 0)
        {
          first_difference = (int) o;
          g_test_message ("%s %s: op %u %s differs: tensor %d n %" G_GSIZE_FORMAT " sum %s fnv1a %08x, "
                          "golden tensor %d n %" G_GSIZE_FORMAT " sum %s fnv1a %08x",
                          label, golden->name, o, expected->kind, observed->tensor, observed->n,
                          observed->sum, observed->fnv1a, expected->tensor, expected->n, expected->sum,
                          expected->fnv1a);
        }
    }
  for (guint o = 0; o < n_ops; o++)
    g_free (ops[o].sum);
  if (first_difference < 0)
    g_test_message ("%s %s: all %u ops match", label, golden->name, n_ops);
  return first_difference;
}

/* ---- the single-op XMOS models: xorshift32 inputs ---- */

static void
fill_xorshift32 (guint32 *words,
                 gsize    n,
                 guint32  seed)
{
  guint32 x = seed;

  for (gsize i = 0; i < n; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      words[i] = x;
    }
}

static void
test_xmos_model (gconstpointer data)
{
  const char *name = data;
  g_autofree char *model_relative = g_strdup_printf ("models/lce/xmos/%s.tflite", name);
  g_autofree char *golden_relative = g_strdup_printf ("golden/lce_%s_perop.txt", name);
  g_autofree char *model_path = test_shared_path (model_relative);
  g_autofree char *golden_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GPtrArray) golden = NULL;
  const BitlensTensor *input;

  if (model_path == NULL)
    return;
  golden_path = test_shared_path (golden_relative);
  if (golden_path == NULL)
    return;
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  golden = golden_parse (golden_path);
  g_assert_cmpuint (golden->len, ==, 5);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_INT32);

  for (guint k = 0; k < golden->len; k++)
    {
      const GoldenInput *golden_input = g_ptr_array_index (golden, k);
      g_autofree char *expected_name = g_strdup_printf ("xorshift32_seed%u", k + 1);
      g_autofree guint32 *words = g_new (guint32, input->n_elements);

      g_assert_cmpstr (golden_input->name, ==, expected_name);
      fill_xorshift32 (words, input->n_elements, k + 1);
      g_assert_cmpint (run_and_compare (model, BITLENS_INTERPRETER_DEFAULT, words, input->n_bytes,
                                        golden_input, "optimized"), ==, -1);
      g_assert_cmpint (run_and_compare (model, BITLENS_INTERPRETER_FORCE_REFERENCE, words, input->n_bytes,
                                        golden_input, "reference"), ==, -1);
    }
}

/* Every XMOS single-op model (padded, dilated, int8 ...): optimized equals reference. */
static void
test_xmos_optimized_equals_reference (void)
{
  const char *names[] = { "test_bconv2d_bin_0", "test_bconv2d_bin_DI_0", "test_bconv2d_bin_padded_0",
                          "test_bconv2d_int8_0", "test_bconv2d_int8_DIDO_0",
                          "test_bconv2d_int8_activation_0", "test_bconv2d_int8_padded_0" };

  for (guint m = 0; m < G_N_ELEMENTS (names); m++)
    {
      g_autofree char *relative = g_strdup_printf ("models/lce/xmos/%s.tflite", names[m]);
      g_autofree char *path = test_shared_path (relative);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      const BitlensTensor *input, *output;

      if (path == NULL)
        return;
      model = bitlens_model_new_from_file (path, &error);
      g_assert_no_error (error);
      input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
      output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
      for (guint32 seed = 1; seed <= 5; seed++)
        {
          g_autofree guint32 *words = g_new (guint32, input->n_elements);
          g_autoptr(BitlensInterpreter) optimized = bitlens_interpreter_new (model, 0, &error);
          g_autoptr(BitlensInterpreter) reference =
            bitlens_interpreter_new (model, BITLENS_INTERPRETER_FORCE_REFERENCE, &error);

          g_assert_no_error (error);
          fill_xorshift32 (words, input->n_elements, seed);
          g_assert_true (bitlens_interpreter_set_input_bytes (optimized, words, input->n_bytes, &error));
          g_assert_true (bitlens_interpreter_set_input_bytes (reference, words, input->n_bytes, &error));
          bitlens_interpreter_invoke (optimized);
          bitlens_interpreter_invoke (reference);
          g_assert_cmpmem (bitlens_interpreter_get_output_data (optimized, 0), output->n_bytes,
                           bitlens_interpreter_get_output_data (reference, 0), output->n_bytes);
        }
      g_test_message ("%s: optimized equals reference on 5 inputs", names[m]);
    }
}

/* ---- the Larq image models: vww images upscaled to 227x227 ---- */

/* Nearest-neighbour upscale to size x size, source row floor (Y * h / size), then
 * pixel / 255.0f, HWC. */
static float *
image_to_larq_input (const BitlensImage *image,
                     int                 size)
{
  float *values = g_new (float, (gsize) size * size * 3);

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        int source_y = (int) ((gint64) y * image->height / size);
        int source_x = (int) ((gint64) x * image->width / size);
        const guint8 *pixel = image->pixels + ((gsize) source_y * image->width + source_x) * 3;

        for (int c = 0; c < 3; c++)
          values[((gsize) y * size + x) * 3 + c] = pixel[c] / 255.0f;
      }
  return values;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
test_larq_image_model (gconstpointer data)
{
  const char *const *names = data;   /* model path, golden file */
  g_autofree char *model_path = test_shared_path (names[0]);
  g_autofree char *golden_path = NULL;
  g_autofree char *vww = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GPtrArray) golden = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func (g_free);
  const BitlensTensor *input;
  int failures = 0;

  if (model_path == NULL)
    return;
  golden_path = test_shared_path (names[1]);
  vww = test_shared_path ("data/vww");
  if (golden_path == NULL || vww == NULL)
    return;

  /* The first 5 images of data/vww in sorted path order. */
  {
    const char *folders[2] = { "no_person", "person" };

    for (int f = 0; f < 2; f++)
      {
        g_autofree char *folder = g_build_filename (vww, folders[f], NULL);
        g_autoptr(GDir) dir = g_dir_open (folder, 0, &error);
        const char *entry;

        g_assert_no_error (error);
        while ((entry = g_dir_read_name (dir)) != NULL)
          g_ptr_array_add (sorted, g_build_filename (folders[f], entry, NULL));
      }
    g_ptr_array_sort (sorted, compare_paths);
  }

  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  golden = golden_parse (golden_path);
  g_assert_cmpuint (golden->len, ==, 5);
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  g_assert_cmpint (input->type, ==, BITLENS_TYPE_FLOAT32);
  g_assert_cmpint (input->shape[1], ==, 227);
  g_assert_cmpint (input->shape[2], ==, 227);

  for (guint k = 0; k < golden->len; k++)
    {
      const GoldenInput *golden_input = g_ptr_array_index (golden, k);
      g_autofree char *image_path = g_build_filename (vww, golden_input->name, NULL);
      g_autoptr(BitlensImage) image = NULL;
      g_autofree float *values = NULL;

      g_assert_cmpstr (golden_input->name, ==, g_ptr_array_index (sorted, k));
      image = bitlens_image_load (image_path, &error);
      g_assert_no_error (error);
      values = image_to_larq_input (image, 227);
      failures += run_and_compare (model, BITLENS_INTERPRETER_DEFAULT, values, input->n_bytes,
                                   golden_input, "optimized") >= 0;
      failures += run_and_compare (model, BITLENS_INTERPRETER_FORCE_REFERENCE, values, input->n_bytes,
                                   golden_input, "reference") >= 0;
    }
  g_assert_cmpint (failures, ==, 0);
}

int
main (int argc, char **argv)
{
  static const char *const hb1[2] = { "models/lce/hbds/HB1-FN.tflite", "golden/lce_HB1-FN_perop.txt" };
  static const char *const shallow[2] = { "models/lce/floppynet/shallowNet_places365.tflite",
                                          "golden/lce_shallowNet_places365_perop.txt" };

  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/golden-lce/xmos/test_bconv2d_bin_0", "test_bconv2d_bin_0", test_xmos_model);
  g_test_add_data_func ("/golden-lce/xmos/test_bconv2d_int8_activation_0", "test_bconv2d_int8_activation_0",
                        test_xmos_model);
  g_test_add_func ("/golden-lce/xmos/optimized-equals-reference", test_xmos_optimized_equals_reference);
  g_test_add_data_func ("/golden-lce/HB1-FN", hb1, test_larq_image_model);
  g_test_add_data_func ("/golden-lce/shallowNet_places365", shallow, test_larq_image_model);
  return g_test_run ();
}
