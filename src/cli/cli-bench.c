/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>

#include "cli-common.h"

/* bitlens-cli bench MODEL: the median latency of one inference with the optimized kernels and
 * with the reference kernels, on one fixed pseudo-random input, and whether both paths give
 * the same output bytes. */

#define BENCH_TARGET_MICROSECONDS (2 * G_USEC_PER_SEC)   /* per path, when --runs is not given */
#define BENCH_MIN_RUNS 10
#define BENCH_MAX_RUNS 1000000

static guint32
xorshift32_next (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* The benchmark input, the same on every run and machine. A xorshift32 stream (state 1, each
 * value taken after one step: x ^= x << 13; x ^= x >> 17; x ^= x << 5) gives bytes x >> 24.
 * Image-like inputs ([1,H,W,1|3], int8, uint8 or float32) get an H x W RGB image of those
 * bytes in row-major RGB order, preprocessed as `run` does; any other input gets the bytes
 * directly for integer types, or (x >> 8) / 2^24 per element for float32. */
static void
fill_bench_input (const BitlensTensor *tensor,
                  void                *input)
{
  guint32 state = 1;

  if (bitlens_image_can_fill_input (tensor))
    {
      g_autoptr(BitlensImage) image = bitlens_image_new (tensor->shape[2], tensor->shape[1]);
      gboolean filled;

      for (gsize i = 0; i < (gsize) image->width * image->height * 3; i++)
        image->pixels[i] = xorshift32_next (&state) >> 24;
      filled = bitlens_image_to_input (image, tensor, input, NULL);
      g_assert (filled);
    }
  else if (tensor->type == BITLENS_TYPE_FLOAT32)
    {
      for (gsize i = 0; i < tensor->n_elements; i++)
        ((float *) input)[i] = (float) (xorshift32_next (&state) >> 8) / 16777216.0f;
    }
  else
    {
      for (gsize i = 0; i < tensor->n_bytes; i++)
        ((guint8 *) input)[i] = xorshift32_next (&state) >> 24;
    }
}

typedef struct
{
  const char *label;
  double      median_ms;
  guint       runs;
  GBytes     *outputs;   /* every output tensor's bytes, concatenated */
} BenchResult;

static void
bench_result_clear (BenchResult *result)
{
  g_clear_pointer (&result->outputs, g_bytes_unref);
}

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
median_microseconds (gint64 *times,
                     guint   n)
{
  qsort (times, n, sizeof *times, compare_gint64);
  if (n % 2 == 1)
    return (double) times[n / 2];
  return ((double) times[n / 2 - 1] + (double) times[n / 2]) / 2.0;
}

static gint64
timed_invoke (BitlensInterpreter *interpreter)
{
  gint64 start = g_get_monotonic_time ();

  bitlens_interpreter_invoke (interpreter);
  return g_get_monotonic_time () - start;
}

static gboolean
bench_path (BitlensModel             *model,
            BitlensInterpreterFlags   flags,
            int                       requested_runs,
            int                       warmup,
            BenchResult              *result,
            GError                  **error)
{
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, flags, error);
  const BitlensTensor *input;
  g_autofree gint64 *times = NULL;
  GByteArray *outputs;
  gint64 probe = 0;
  guint runs;

  if (interpreter == NULL)
    return FALSE;
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  fill_bench_input (input, bitlens_interpreter_get_input_data (interpreter, 0));

  /* The fastest warm-up run estimates how many runs fill the target time. */
  for (int i = 0; i < warmup; i++)
    {
      gint64 elapsed = timed_invoke (interpreter);
      probe = i == 0 ? elapsed : MIN (probe, elapsed);
    }

  if (requested_runs > 0)
    runs = requested_runs;
  else
    {
      if (warmup == 0)
        probe = timed_invoke (interpreter);
      runs = probe > 0 ? (guint) MIN (BENCH_TARGET_MICROSECONDS / probe, BENCH_MAX_RUNS) : BENCH_MAX_RUNS;
      runs = MAX (runs, BENCH_MIN_RUNS);
    }

  times = g_new (gint64, runs);
  for (guint i = 0; i < runs; i++)
    times[i] = timed_invoke (interpreter);

  result->runs = runs;
  result->median_ms = median_microseconds (times, runs) / 1000.0;

  /* The arena reuses the input's bytes after its last reader: compare outputs of the input. */
  fill_bench_input (input, bitlens_interpreter_get_input_data (interpreter, 0));
  bitlens_interpreter_invoke (interpreter);
  outputs = g_byte_array_new ();
  for (guint o = 0; o < bitlens_model_get_n_outputs (model); o++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, bitlens_model_get_output (model, o));
      g_byte_array_append (outputs, bitlens_interpreter_get_output_data (interpreter, o), tensor->n_bytes);
    }
  result->outputs = g_byte_array_free_to_bytes (outputs);
  return TRUE;
}

static void
print_result (const BenchResult *result,
              int                warmup)
{
  printf ("%s: median %.3f ms per inference (%u runs after %d warm-up)\n",
          result->label, result->median_ms, result->runs, warmup);
}

/* Index of the first byte where two equal-length byte strings differ, or -1. */
static gssize
first_difference (GBytes *a,
                  GBytes *b)
{
  gsize n_a, n_b;
  const guint8 *x = g_bytes_get_data (a, &n_a);
  const guint8 *y = g_bytes_get_data (b, &n_b);

  g_assert (n_a == n_b);
  for (gsize i = 0; i < n_a; i++)
    if (x[i] != y[i])
      return (gssize) i;
  return -1;
}

int
cli_bench (int    argc,
           char **argv)
{
  gboolean reference_only = FALSE;
  int runs = 0, warmup = 2;
  g_auto(GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "reference", 0, 0, G_OPTION_ARG_NONE, &reference_only,
      N_("Measure only the reference kernels"), NULL },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs,
      N_("Timed inferences per path (default: enough for about 2 s, at least 10)"), N_("N") },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup,
      N_("Untimed inferences before measuring (default 2)"), N_("N") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, N_("MODEL") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("- measure inference latency"));
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GError) error = NULL;
  BenchResult optimized = { .label = "optimized" };
  BenchResult reference = { .label = "reference" };
  g_autofree char *shape = NULL;
  const BitlensTensor *input;
  gssize difference;
  int status = CLI_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("Times each inference with the optimized kernels and with the reference kernels and prints\n"
      "the median of each, their ratio, and whether both gave the same output bytes (exit 1 when\n"
      "they differ). The input is fixed and pseudo-random: a xorshift32 stream (state 1; x ^= x << 13;\n"
      "x ^= x >> 17; x ^= x << 5) gives bytes x >> 24, used as the RGB pixels of an image preprocessed\n"
      "like `run` does for image-like inputs, else as the input's bytes ((x >> 8) / 2^24 per float32)."));
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;

  if (paths == NULL || paths[0] == NULL)
    {
      g_printerr ("bitlens-cli: bench: no model given\nTry \"bitlens-cli bench --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (paths[1] != NULL)
    {
      g_printerr ("bitlens-cli: bench: one model only (got \"%s\" too)\n", paths[1]);
      return CLI_EXIT_USAGE;
    }
  if (runs < 0 || runs > BENCH_MAX_RUNS || warmup < 0)
    {
      g_printerr ("bitlens-cli: bench: --runs must be 1 .. %d and --warmup at least 0\n", BENCH_MAX_RUNS);
      return CLI_EXIT_USAGE;
    }

  model = bitlens_model_new_from_file (paths[0], &error);
  if (model == NULL)
    {
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }
  if (bitlens_model_get_n_inputs (model) == 0)
    {
      g_printerr ("bitlens-cli: %s: the model has no input\n", paths[0]);
      return CLI_EXIT_FAILURE;
    }
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  shape = bitlens_tensor_format_shape (input);
  printf ("model: %s, input %s %s, fixed pseudo-random input (xorshift32, state 1)\n",
          bitlens_model_get_name (model), bitlens_tensor_type_name (input->type), shape);

  if (!reference_only)
    {
      if (!bench_path (model, BITLENS_INTERPRETER_DEFAULT, runs, warmup, &optimized, &error))
        goto failed;
      print_result (&optimized, warmup);
    }
  if (!bench_path (model, BITLENS_INTERPRETER_FORCE_REFERENCE, runs, warmup, &reference, &error))
    goto failed;
  print_result (&reference, warmup);

  if (!reference_only)
    {
      if (optimized.median_ms > 0 && reference.median_ms >= optimized.median_ms)
        printf ("optimized is %.1fx faster\n", reference.median_ms / optimized.median_ms);
      else if (optimized.median_ms > 0 && reference.median_ms > 0)
        printf ("optimized is %.1fx slower\n", optimized.median_ms / reference.median_ms);
      else
        printf ("optimized is too fast to compare (median below the clock's microsecond)\n");

      difference = first_difference (optimized.outputs, reference.outputs);
      if (difference < 0)
        printf ("outputs: identical (%" G_GSIZE_FORMAT " bytes)\n", g_bytes_get_size (optimized.outputs));
      else
        {
          printf ("outputs: DIFFER between optimized and reference kernels (first at output byte %" G_GSSIZE_FORMAT
                  ": %u vs %u)\n", difference,
                  ((const guint8 *) g_bytes_get_data (optimized.outputs, NULL))[difference],
                  ((const guint8 *) g_bytes_get_data (reference.outputs, NULL))[difference]);
          status = CLI_EXIT_FAILURE;
        }
    }

  bench_result_clear (&optimized);
  bench_result_clear (&reference);
  return status;

failed:
  cli_print_error (error);
  bench_result_clear (&optimized);
  bench_result_clear (&reference);
  return CLI_EXIT_FAILURE;
}
