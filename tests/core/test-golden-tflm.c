/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bitlens-model-private.h"
#include "test-util.h"

/* The TFLM person detector (../shared/models/tflm/person_detect.tflite) on the two TFLM
 * test images against ../shared/golden/tflm_person_detect_perop.txt: every op's output
 * tensor, element count, sum of int8 values and FNV-1a-32 hash of its bytes, and the
 * final output, with the optimized kernels, with the reference kernels, and with the
 * optimized kernels on their portable paths (BITLENS_CPU=generic, in a subprocess).
 * Input: the BMP's pixel bytes, rows top-down, copied into the int8 input unchanged
 * (SEMANTICS.md section 4). */

typedef struct
{
  int     op;
  int     tensor;
  gsize   n;
  gint64  sum;
  guint32 fnv1a;
} GoldenOp;

typedef struct
{
  char   *image;           /* "person.bmp" */
  GArray *ops;             /* GoldenOp */
  int     output[2];
} GoldenImage;

static void
golden_image_free (gpointer data)
{
  GoldenImage *image = data;

  g_free (image->image);
  g_array_unref (image->ops);
  g_free (image);
}

/* Sections "## person_detect.tflite + IMAGE (comment)" with lines
 * "op  N out_tensor T n= N sum=S fnv1a=H first8=..." and "OUTPUT: a b". */
static GPtrArray *
golden_parse (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *images = g_ptr_array_new_with_free_func (golden_image_free);
  GoldenImage *current = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *plus = strstr (line, " + ");

      if (g_str_has_prefix (line, "## ") && plus != NULL)
        {
          current = g_new0 (GoldenImage, 1);
          current->image = g_strndup (plus + 3, strcspn (plus + 3, " "));
          current->ops = g_array_new (FALSE, FALSE, sizeof (GoldenOp));
          g_ptr_array_add (images, current);
        }
      else if (g_str_has_prefix (line, "op ") && current != NULL)
        {
          GoldenOp op = { 0 };
          unsigned long n;
          long long sum;
          unsigned int fnv;

          if (sscanf (line, "op %d out_tensor %d n= %lu sum= %lld fnv1a=%x",
                      &op.op, &op.tensor, &n, &sum, &fnv) != 5)
            g_error ("%s: cannot parse line %d: %s", path, i + 1, line);
          op.n = n;
          op.sum = sum;
          op.fnv1a = fnv;
          g_assert_cmpint (op.op, ==, current->ops->len);
          g_array_append_val (current->ops, op);
        }
      else if (g_str_has_prefix (line, "OUTPUT:") && current != NULL)
        g_assert_cmpint (sscanf (line, "OUTPUT: %d %d", &current->output[0], &current->output[1]), ==, 2);
    }
  return images;
}

static guint32
read_le32 (const guint8 *bytes)
{
  return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | (guint32) bytes[3] << 24;
}

/* The pixel bytes of an 8-bit BMP, rows top-down. */
static guint8 *
read_bmp_pixels (const char *path,
                 int        *width,
                 int        *height)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *contents = NULL;
  gsize length;
  guint32 offset;
  gint32 w, h;
  guint16 bits;
  gsize stride;
  guint8 *pixels;

  g_file_get_contents (path, (char **) &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, 54);
  g_assert_true (contents[0] == 'B' && contents[1] == 'M');
  offset = read_le32 (contents + 10);
  w = (gint32) read_le32 (contents + 18);
  h = (gint32) read_le32 (contents + 22);
  bits = contents[28] | contents[29] << 8;
  g_assert_cmpuint (bits, ==, 8);
  g_assert_cmpint (w, >, 0);
  stride = ((gsize) w + 3) / 4 * 4;
  g_assert_cmpuint (offset + stride * ABS (h), <=, length);

  pixels = g_malloc ((gsize) w * ABS (h));
  for (int row = 0; row < ABS (h); row++)
    {
      /* Positive height: rows are stored bottom-up. */
      int source = h > 0 ? h - 1 - row : row;
      memcpy (pixels + (gsize) row * w, contents + offset + (gsize) source * stride, w);
    }
  *width = w;
  *height = ABS (h);
  return pixels;
}

typedef struct
{
  const GoldenImage *golden;
  guint              n_checked;
} TapState;

static void
check_op (BitlensInterpreter *interpreter,
          guint               op_index,
          int                 tensor_index,
          const void         *data,
          gpointer            user_data)
{
  TapState *state = user_data;
  BitlensModel *model = bitlens_interpreter_get_model (interpreter);
  const BitlensTensor *tensor = bitlens_model_get_tensor (model, tensor_index);
  const GoldenOp *golden;
  const gint8 *values = data;
  gint64 sum = 0;

  g_assert_cmpuint (op_index, <, state->golden->ops->len);
  golden = &g_array_index (state->golden->ops, GoldenOp, op_index);
  g_assert_cmpint (tensor->type, ==, BITLENS_TYPE_INT8);
  for (gsize i = 0; i < tensor->n_elements; i++)
    sum += values[i];

  if (tensor_index != golden->tensor || tensor->n_elements != golden->n || sum != golden->sum ||
      test_fnv1a32 (data, tensor->n_bytes) != golden->fnv1a)
    g_error ("%s op %u (%s): tensor %d n=%" G_GSIZE_FORMAT " sum=%" G_GINT64_FORMAT " fnv1a=%08x; "
             "golden tensor %d n=%" G_GSIZE_FORMAT " sum=%" G_GINT64_FORMAT " fnv1a=%08x",
             state->golden->image, op_index,
             bitlens_op_kind_name (bitlens_model_get_op (model, op_index)->kind),
             tensor_index, tensor->n_elements, sum, test_fnv1a32 (data, tensor->n_bytes),
             golden->tensor, golden->n, golden->sum, golden->fnv1a);
  state->n_checked++;
}

static void
run_golden (BitlensInterpreterFlags flags)
{
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *golden_path = test_shared_path ("golden/tflm_person_detect_perop.txt");
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;

  if (model_path == NULL || golden_path == NULL)
    return;
  model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  images = golden_parse (golden_path);
  g_assert_cmpuint (images->len, ==, 2);

  for (guint i = 0; i < images->len; i++)
    {
      const GoldenImage *golden = g_ptr_array_index (images, i);
      g_autofree char *image_relative = g_build_filename ("models", "tflm", golden->image, NULL);
      g_autofree char *image_path = test_shared_path (image_relative);
      g_autofree guint8 *pixels = NULL;
      g_autoptr(BitlensInterpreter) interpreter = NULL;
      TapState state = { golden, 0 };
      const gint8 *output;
      int width, height;

      if (image_path == NULL)
        return;
      pixels = read_bmp_pixels (image_path, &width, &height);
      interpreter = bitlens_interpreter_new (model, flags, &error);
      g_assert_no_error (error);
      g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, pixels, (gsize) width * height, &error));
      g_assert_no_error (error);
      bitlens_interpreter_set_tap (interpreter, check_op, &state);
      bitlens_interpreter_invoke (interpreter);

      g_assert_cmpuint (state.n_checked, ==, golden->ops->len);
      g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, golden->ops->len);
      output = bitlens_interpreter_get_output_data (interpreter, 0);
      g_assert_cmpint (output[0], ==, golden->output[0]);
      g_assert_cmpint (output[1], ==, golden->output[1]);
      g_test_message ("%s: every op of %u matches; output [%d, %d]", golden->image,
                      state.n_checked, output[0], output[1]);
    }
}

static void
test_golden_optimized (void)
{
  run_golden (BITLENS_INTERPRETER_DEFAULT);
}

static void
test_golden_reference (void)
{
  run_golden (BITLENS_INTERPRETER_FORCE_REFERENCE);
}

static void
test_golden_portable (void)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpstr (g_getenv ("BITLENS_CPU"), ==, "generic");
      run_golden (BITLENS_INTERPRETER_DEFAULT);
      return;
    }
  /* The CPU features are read once per process: run the check in a child whose
   * environment says BITLENS_CPU=generic. A child that skips fails the trap, so check
   * for the shared files here. */
  {
    g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
    if (model_path == NULL)
      return;
  }
  test_rerun_with_generic_cpu ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/golden/tflm/person-detect/optimized", test_golden_optimized);
  g_test_add_func ("/golden/tflm/person-detect/reference", test_golden_reference);
  g_test_add_func ("/golden/tflm/person-detect/portable", test_golden_portable);

  return g_test_run ();
}
