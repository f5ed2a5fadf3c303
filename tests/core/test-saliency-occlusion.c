/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "saliency-private.h"
#include "test-model-builder.h"
#include "test-util.h"

/* Occlusion maps on real models: incremental and naive maps are identical bit for bit
 * (several windows, strides, baselines, thread counts; int8, float and binary models);
 * maps are reproduced from the documented rule with fresh interpreters and with
 * `bitlens-cli run --raw`; errors, async, progress and cancellation. */

#define PERSON_DETECT "models/tflm/person_detect.tflite"
#define PERSON_IMAGE "data/vww/person/000000000785.png"

static BitlensSaliencyMap *
compute (BitlensModel          *model,
         GBytes                *input,
         BitlensSaliencyParams *params,
         gboolean               naive,
         int                    threads)
{
  g_autoptr(GError) error = NULL;
  BitlensSaliencyMap *map;

  params->naive = naive;
  params->n_threads = threads;
  map = bitlens_saliency_compute (model, input, params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (map);
  return map;
}

static void
assert_maps_identical (const BitlensSaliencyMap *a,
                       const BitlensSaliencyMap *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->target, ==, b->target);
  g_assert_cmpfloat (a->score, ==, b->score);
  g_assert_cmpmem (a->values, sizeof (float) * a->width * a->height, b->values, sizeof (float) * b->width * b->height);
}

typedef struct
{
  int         window;
  int         stride;
  const char *baseline;
  int         threads_incremental;
  int         threads_naive;
} OcclusionCase;

static void
check_incremental_equals_naive (BitlensModel        *model,
                                GBytes              *input,
                                const OcclusionCase *cases,
                                gsize                n_cases,
                                int                  target)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(BitlensSaliencyMap) incremental = NULL;
      g_autoptr(BitlensSaliencyMap) naive = NULL;
      g_autoptr(GError) error = NULL;
      BitlensSaliencyParams params;
      float min, max;

      bitlens_saliency_params_init (&params);
      params.window = cases[i].window;
      params.stride = cases[i].stride;
      params.target = target;
      g_assert_true (bitlens_baseline_parse (cases[i].baseline, &params.baseline, &error));
      g_test_message ("window %d stride %d baseline %s threads %d / %d", cases[i].window, cases[i].stride,
                      cases[i].baseline, cases[i].threads_incremental, cases[i].threads_naive);
      incremental = compute (model, input, &params, FALSE, cases[i].threads_incremental);
      naive = compute (model, input, &params, TRUE, cases[i].threads_naive);
      assert_maps_identical (incremental, naive);
      /* A map that is zero everywhere would make the comparison empty. */
      bitlens_saliency_map_get_range (naive, &min, &max);
      g_assert_true (min != 0 || max != 0);
    }
}

static void
test_person_detect_incremental_equals_naive (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  const OcclusionCase cases[] = {
    { 8, 4, "gray", 1, 2 },
    { 8, 4, "gray", 2, 1 },
    { 5, 3, "black", 2, 2 },
    { 12, 7, "blur", 1, 2 },
    { 16, 8, "200", 3, 2 },
    { 3, 9, "gray", 2, 2 },
    { 96, 4, "black", 1, 1 },
    /* The benchmark's configuration (README, --bench): every pointwise convolution
     * by delta updates. */
    { 8, 2, "blur", 2, 1 },
  };

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  check_incremental_equals_naive (model, input, cases, G_N_ELEMENTS (cases), -1);
}

/* Op costs (the --bench --profile table): the same maps; the naive method runs every op
 * in every window over its whole output, the incremental one at most that, and over the
 * whole output of the first op when the one window is the whole image. */
static void
check_op_costs (BitlensModel *model,
                GBytes       *input,
                int           window,
                int           stride)
{
  guint n_ops = bitlens_model_get_n_ops (model);
  g_autofree BitlensOcclusionOpCost *naive_costs = g_new0 (BitlensOcclusionOpCost, n_ops);
  g_autofree BitlensOcclusionOpCost *incremental_costs = g_new0 (BitlensOcclusionOpCost, n_ops);
  g_autoptr(BitlensSaliencyMap) naive = NULL;
  g_autoptr(BitlensSaliencyMap) naive_timed = NULL;
  g_autoptr(BitlensSaliencyMap) incremental_timed = NULL;
  BitlensSaliencyParams params;
  guint64 n_windows;

  bitlens_saliency_params_init (&params);
  params.window = window;
  params.stride = stride;
  n_windows = (guint64) bitlens_occlusion_count_windows (96, window, stride) *
              (guint64) bitlens_occlusion_count_windows (96, window, stride);
  naive = compute (model, input, &params, TRUE, 2);
  params.op_costs = naive_costs;
  naive_timed = compute (model, input, &params, TRUE, 2);
  params.op_costs = incremental_costs;
  incremental_timed = compute (model, input, &params, FALSE, 2);
  assert_maps_identical (naive_timed, naive);
  assert_maps_identical (incremental_timed, naive);

  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      guint64 n_elements = bitlens_model_get_tensor (model, op->outputs[0])->n_elements;

      g_assert_cmpuint (naive_costs[o].runs, ==, n_windows);
      g_assert_cmpuint (naive_costs[o].elements, ==, n_windows * n_elements);
      g_assert_cmpint (naive_costs[o].nanoseconds, >, 0);
      g_assert_cmpuint (incremental_costs[o].runs, <=, n_windows);
      g_assert_cmpuint (incremental_costs[o].elements, <=, incremental_costs[o].runs * n_elements);
      g_assert_true ((incremental_costs[o].runs > 0) == (incremental_costs[o].nanoseconds > 0));
    }
  if (n_windows == 1)
    g_assert_cmpuint (incremental_costs[0].elements, ==, naive_costs[0].elements);
  else
    {
      /* Small windows reach a part of the first op's output only. */
      g_assert_cmpuint (incremental_costs[0].runs, >, 0);
      g_assert_cmpuint (incremental_costs[0].elements, <, naive_costs[0].elements / 4);
    }
}

static void
test_op_costs (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  check_op_costs (model, input, 8, 12);
  check_op_costs (model, input, 96, 4);
}

/* A float model: the MLPerf Tiny VWW reference network (float32 input, 3 channels). */
static void
test_float_model_incremental_equals_naive (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model ("models/mlperf_tiny/vww_96_float.tflite");
  g_autoptr(GBytes) input = NULL;
  const OcclusionCase cases[] = {
    { 12, 12, "gray", 2, 1 },
    { 10, 17, "blur", 1, 2 },
  };

  if (model == NULL)
    return;
  input = test_load_shared_input (model, "data/vww/no_person/000000000724.png");
  if (input == NULL)
    return;
  check_incremental_equals_naive (model, input, cases, G_N_ELEMENTS (cases), -1);
}

/* The MLPerf Tiny int8 VWW network (three input channels; pointwise convolutions by
 * delta updates with other channel counts than person_detect's), on an image it scores
 * 0.65 (on the usual one its score is saturated and most windows change nothing). */
static void
test_int8_vww_incremental_equals_naive (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model ("models/mlperf_tiny/vww_96_int8.tflite");
  g_autoptr(GBytes) input = NULL;
  const OcclusionCase cases[] = {
    { 8, 4, "gray", 1, 2 },
    { 11, 5, "blur", 2, 1 },
  };

  if (model == NULL)
    return;
  input = test_load_shared_input (model, "data/vww/person/000000001490.png");
  if (input == NULL)
    return;
  check_incremental_equals_naive (model, input, cases, G_N_ELEMENTS (cases), -1);
}

/* A binarized LCE model: HB1-FN (float input, LceQuantize, LceBconv2d, MAX_POOL_2D, MUL,
 * ADD), explaining one element of its [1,6,6,256] output. */
static void
test_lce_model_incremental_equals_naive (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model ("models/lce/hbds/HB1-FN.tflite");
  g_autoptr(GBytes) input = NULL;
  const OcclusionCase cases[] = {
    { 24, 32, "gray", 2, 2 },
    { 40, 47, "blur", 1, 2 },
    { 16, 53, "black", 2, 1 },
  };

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  /* Element (row 2, column 3, channel 17) of the 6x6x256 output. */
  check_incremental_equals_naive (model, input, cases, G_N_ELEMENTS (cases), (2 * 6 + 3) * 256 + 17);
}

/* Builds a float model with every op kind the dependency geometry distinguishes: dilated
 * SAME conv, PAD, SAME max pool with stride, VALID depthwise with multiplier, SAME average
 * pool, ADD of two activations, MUL by a broadcast constant, channel CONCATENATION,
 * strided conv, MEAN, FULLY_CONNECTED, SOFTMAX. */
static int
add_constant (BitlensModel *model,
              const char   *name,
              int           rank,
              const int    *shape,
              GRand        *rand)
{
  TestTensorSpec spec = { .type = BITLENS_TYPE_FLOAT32, .rank = rank };
  gsize n = 1;
  g_autofree float *values = NULL;

  memcpy (spec.shape, shape, sizeof (int) * rank);
  for (int i = 0; i < rank; i++)
    n *= shape[i];
  values = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, -0.6, 0.6);
  spec.data = values;
  return test_model_add_tensor (model, name, &spec);
}

static int
add_float (BitlensModel *model,
           const char   *name,
           int           rank,
           const int    *shape)
{
  return test_model_add_activation (model, name, BITLENS_TYPE_FLOAT32, rank, shape, 0, 0);
}

static BitlensModel *
build_synthetic_model (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(GError) error = NULL;
  BitlensModel *model = test_model_new ();
  BitlensOpOptions options;
  gint32 pads[8] = { 0, 0, 1, 2, 2, 1, 0, 0 };
  gint32 axes[2] = { 1, 2 };
  TestTensorSpec pads_spec = { .type = BITLENS_TYPE_INT32, .rank = 2, .shape = { 4, 2 }, .data = pads };
  TestTensorSpec axes_spec = { .type = BITLENS_TYPE_INT32, .rank = 1, .shape = { 2 }, .data = axes };
  int input, a, b, c, d, e, f, g, h, i, j, k, out;
  int pads_t, axes_t;

  input = add_float (model, "input", 4, (int[]) { 1, 12, 10, 3 });
  a = add_float (model, "a", 4, (int[]) { 1, 12, 10, 3 });
  b = add_float (model, "b", 4, (int[]) { 1, 15, 13, 3 });
  c = add_float (model, "c", 4, (int[]) { 1, 8, 7, 3 });
  d = add_float (model, "d", 4, (int[]) { 1, 6, 5, 6 });
  e = add_float (model, "e", 4, (int[]) { 1, 6, 5, 6 });
  f = add_float (model, "f", 4, (int[]) { 1, 6, 5, 6 });
  g = add_float (model, "g", 4, (int[]) { 1, 6, 5, 6 });
  h = add_float (model, "h", 4, (int[]) { 1, 6, 5, 12 });
  i = add_float (model, "i", 4, (int[]) { 1, 3, 3, 4 });
  j = add_float (model, "j", 2, (int[]) { 1, 4 });
  k = add_float (model, "k", 2, (int[]) { 1, 2 });
  out = add_float (model, "out", 2, (int[]) { 1, 2 });
  pads_t = test_model_add_tensor (model, "pads", &pads_spec);
  axes_t = test_model_add_tensor (model, "axes", &axes_spec);

  bitlens_op_options_init (&options);
  options.dilation_h = 2;
  options.dilation_w = 2;
  options.activation = BITLENS_ACTIVATION_RELU;
  test_model_add_op (model, BITLENS_OP_CONV_2D, 3,
                     (int[]) { input, add_constant (model, "w0", 4, (int[]) { 3, 3, 3, 3 }, rand),
                               add_constant (model, "b0", 1, (int[]) { 3 }, rand) }, 1, &a, &options);
  test_model_add_op (model, BITLENS_OP_PAD, 2, (int[]) { a, pads_t }, 1, &b, NULL);

  bitlens_op_options_init (&options);
  options.stride_h = options.stride_w = 2;
  options.filter_h = options.filter_w = 2;
  test_model_add_op (model, BITLENS_OP_MAX_POOL_2D, 1, &b, 1, &c, &options);

  bitlens_op_options_init (&options);
  options.padding = BITLENS_PADDING_VALID;
  options.depth_multiplier = 2;
  test_model_add_op (model, BITLENS_OP_DEPTHWISE_CONV_2D, 3,
                     (int[]) { c, add_constant (model, "w3", 4, (int[]) { 1, 3, 3, 6 }, rand),
                               add_constant (model, "b3", 1, (int[]) { 6 }, rand) }, 1, &d, &options);

  bitlens_op_options_init (&options);
  options.filter_h = options.filter_w = 3;
  test_model_add_op (model, BITLENS_OP_AVERAGE_POOL_2D, 1, &d, 1, &e, &options);
  test_model_add_op (model, BITLENS_OP_ADD, 2, (int[]) { d, e }, 1, &f, NULL);
  test_model_add_op (model, BITLENS_OP_MUL, 2,
                     (int[]) { f, add_constant (model, "scale", 4, (int[]) { 1, 1, 1, 6 }, rand) }, 1, &g, NULL);

  bitlens_op_options_init (&options);
  options.axis = 3;
  test_model_add_op (model, BITLENS_OP_CONCATENATION, 2, (int[]) { g, d }, 1, &h, &options);

  bitlens_op_options_init (&options);
  options.stride_h = options.stride_w = 2;
  test_model_add_op (model, BITLENS_OP_CONV_2D, 3,
                     (int[]) { h, add_constant (model, "w8", 4, (int[]) { 4, 3, 3, 12 }, rand),
                               add_constant (model, "b8", 1, (int[]) { 4 }, rand) }, 1, &i, &options);
  test_model_add_op (model, BITLENS_OP_MEAN, 2, (int[]) { i, axes_t }, 1, &j, NULL);
  test_model_add_op (model, BITLENS_OP_FULLY_CONNECTED, 3,
                     (int[]) { j, add_constant (model, "w10", 2, (int[]) { 2, 4 }, rand),
                               add_constant (model, "b10", 1, (int[]) { 2 }, rand) }, 1, &k, NULL);
  bitlens_op_options_init (&options);
  test_model_add_op (model, BITLENS_OP_SOFTMAX, 1, &k, 1, &out, &options);

  test_model_finish (model, 1, &input, 1, &out, &error);
  g_assert_no_error (error);
  return model;
}

static void
test_synthetic_model_incremental_equals_naive (void)
{
  g_autoptr(BitlensModel) model = build_synthetic_model ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree float *pixels = g_new (float, 12 * 10 * 3);
  g_autoptr(GBytes) input = NULL;
  const OcclusionCase cases[] = {
    { 1, 1, "gray", 2, 1 },
    { 2, 1, "black", 1, 2 },
    { 3, 2, "blur", 2, 2 },
    { 4, 3, "gray", 3, 1 },
    { 5, 5, "77", 1, 1 },
    { 7, 2, "blur", 2, 2 },
  };

  for (int p = 0; p < 12 * 10 * 3; p++)
    pixels[p] = (float) g_rand_double (rand);
  input = g_bytes_new (pixels, sizeof (float) * 12 * 10 * 3);
  check_incremental_equals_naive (model, input, cases, G_N_ELEMENTS (cases), -1);
}

/* The documented rule, by hand: an int8 input takes q = v - 128 for gray level v, in
 * every channel of every pixel of the window; the score is that of a fresh
 * interpreter; a pixel's value is the mean over its windows, in window order, in
 * double, stored as float. */
static double
fresh_score (BitlensModel *model,
             const guint8 *bytes,
             gsize         n_bytes)
{
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(GError) error = NULL;

  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  bitlens_interpreter_set_input_bytes (interpreter, bytes, n_bytes, &error);
  g_assert_no_error (error);
  bitlens_interpreter_invoke (interpreter);
  return bitlens_interpreter_get_person_score (interpreter);
}

/* Box blur of a [1, H, W, 1] int8 tensor: the mean over the clipped square, rounded
 * half up: floor((sum + n / 2) / n). */
static void
blur_int8 (const gint8 *in,
           int          height,
           int          width,
           int          radius,
           gint8       *out)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        long sum = 0, n = 0;
        for (int yy = y - radius; yy <= y + radius; yy++)
          for (int xx = x - radius; xx <= x + radius; xx++)
            if (yy >= 0 && yy < height && xx >= 0 && xx < width)
              {
                sum += in[yy * width + xx];
                n++;
              }
        out[y * width + x] = (gint8) floor ((double) (sum + n / 2) / (double) n);
      }
}

static void
check_reproduced (BitlensModel *model,
                  GBytes       *input,
                  int           window,
                  int           stride,
                  const char   *baseline_name)
{
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(GError) error = NULL;
  const int size = 96;
  gsize n_bytes = g_bytes_get_size (input);
  const gint8 *original = g_bytes_get_data (input, NULL);
  g_autofree gint8 *occluded = g_new (gint8, n_bytes);
  g_autofree gint8 *fill = g_new (gint8, n_bytes);
  int n_per_axis = (size - window + stride - 1) / stride + 1;
  g_autofree double *diffs = g_new (double, n_per_axis * n_per_axis);
  BitlensSaliencyParams params;
  double clean;

  g_assert_cmpuint (n_bytes, ==, size * size);
  bitlens_saliency_params_init (&params);
  params.window = window;
  params.stride = stride;
  g_assert_true (bitlens_baseline_parse (baseline_name, &params.baseline, &error));
  params.baseline.blur_radius = 3;
  map = compute (model, input, &params, FALSE, 2);

  if (params.baseline.kind == BITLENS_BASELINE_BLUR)
    blur_int8 (original, size, size, 3, fill);
  else
    memset (fill, params.baseline.gray_level - 128, n_bytes);

  clean = fresh_score (model, (const guint8 *) original, n_bytes);
  g_assert_cmpfloat (map->score, ==, clean);
  for (int r = 0; r < n_per_axis; r++)
    for (int c = 0; c < n_per_axis; c++)
      {
        memcpy (occluded, original, n_bytes);
        for (int y = r * stride; y < MIN (r * stride + window, size); y++)
          for (int x = c * stride; x < MIN (c * stride + window, size); x++)
            occluded[y * size + x] = fill[y * size + x];
        diffs[r * n_per_axis + c] = clean - fresh_score (model, (const guint8 *) occluded, n_bytes);
      }
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        double sum = 0;
        int count = 0;
        float expected;

        for (int r = 0; r < n_per_axis; r++)
          for (int c = 0; c < n_per_axis; c++)
            if (y >= r * stride && y < r * stride + window && x >= c * stride && x < c * stride + window)
              {
                sum += diffs[r * n_per_axis + c];
                count++;
              }
        expected = (float) (sum / count);
        if (memcmp (&expected, &map->values[y * size + x], sizeof (float)) != 0)
          g_error ("pixel (%d, %d): map %.9g, definition %.9g", y, x, map->values[y * size + x], expected);
      }
}

static void
test_person_detect_reproduced (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  check_reproduced (model, input, 16, 16, "gray");
  check_reproduced (model, input, 20, 12, "blur");
  check_reproduced (model, input, 24, 19, "black");
}

/* The checker's route: occluded input files through `bitlens-cli run --raw --json`. */
static double
cli_score (const char *model_path,
           const char *raw_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { test_cli_path (), "run", "--raw", "--json", model_path, raw_path, NULL };
  const char *field;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  field = strstr (out, "\"person_score\":");
  g_assert_nonnull (field);
  return g_ascii_strtod (field + strlen ("\"person_score\":"), NULL);
}

static void
test_person_detect_cli_raw (void)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *clean_path = NULL, *occluded_path = NULL;
  g_autofree gint8 *occluded = NULL;
  BitlensSaliencyParams params;
  double clean;
  /* Windows (row, column) of a 16/16 grid: each pixel is in exactly one window, so its
   * value is the window's difference itself. */
  const int windows[][2] = { { 2, 3 }, { 4, 2 }, { 0, 5 } };

  if (model_path == NULL)
    return;
  model = test_load_shared_model (PERSON_DETECT);
  input = test_load_shared_input (model, PERSON_IMAGE);
  bitlens_saliency_params_init (&params);
  params.window = 16;
  params.stride = 16;
  params.baseline.kind = BITLENS_BASELINE_GRAY;
  map = compute (model, input, &params, FALSE, 1);

  dir = g_dir_make_tmp ("bitlens-saliency-XXXXXX", &error);
  g_assert_no_error (error);
  clean_path = g_build_filename (dir, "clean.raw", NULL);
  g_file_set_contents (clean_path, g_bytes_get_data (input, NULL), g_bytes_get_size (input), &error);
  g_assert_no_error (error);
  clean = cli_score (model_path, clean_path);
  g_assert_cmpfloat (clean, ==, map->score);

  occluded = g_memdup2 (g_bytes_get_data (input, NULL), g_bytes_get_size (input));
  occluded_path = g_build_filename (dir, "occluded.raw", NULL);
  for (gsize w = 0; w < G_N_ELEMENTS (windows); w++)
    {
      int y0 = windows[w][0] * 16, x0 = windows[w][1] * 16;
      float expected;

      memcpy (occluded, g_bytes_get_data (input, NULL), g_bytes_get_size (input));
      for (int y = y0; y < y0 + 16; y++)
        for (int x = x0; x < x0 + 16; x++)
          occluded[y * 96 + x] = 128 - 128;   /* gray 128 in an int8 input */
      g_file_set_contents (occluded_path, (const char *) occluded, g_bytes_get_size (input), &error);
      g_assert_no_error (error);
      expected = (float) (clean - cli_score (model_path, occluded_path));
      for (int y = y0; y < y0 + 16; y += 5)
        for (int x = x0; x < x0 + 16; x += 3)
          g_assert_cmpmem (&expected, sizeof (float), &map->values[y * 96 + x], sizeof (float));
    }
  g_unlink (clean_path);
  g_unlink (occluded_path);
  g_rmdir (dir);
}

/* The gray baseline is the preprocessing of a gray pixel; the blur is the documented box
 * blur of the tensor. */
static void
test_baselines (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *gray = NULL, *blur = NULL;
  g_autofree gint8 *expected = g_new (gint8, 96 * 96);
  SaliencyInput layout;
  BitlensBaseline baseline = { BITLENS_BASELINE_GRAY, 37, 2 };

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  g_assert_true (saliency_input_init (model, &layout, &error));
  gray = saliency_baseline_new (&layout, g_bytes_get_data (input, NULL), &baseline, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 96 * 96; i++)
    g_assert_cmpint (((gint8 *) gray)[i], ==, 37 - 128);

  baseline.kind = BITLENS_BASELINE_BLUR;
  blur = saliency_baseline_new (&layout, g_bytes_get_data (input, NULL), &baseline, &error);
  g_assert_no_error (error);
  blur_int8 (g_bytes_get_data (input, NULL), 96, 96, 2, expected);
  g_assert_cmpmem (blur, 96 * 96, expected, 96 * 96);
}

static void
test_errors (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(BitlensModel) xmos = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) short_input = NULL;
  g_autoptr(GError) error = NULL;
  BitlensSaliencyParams params;
  BitlensSaliencyMap *map;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  bitlens_saliency_params_init (&params);

  /* Methods not written yet say so. */
  for (int m = 0; m < BITLENS_SALIENCY_N_METHODS; m++)
    {
      g_autofree char *expected = NULL;

      if (bitlens_saliency_method_is_available (m))
        continue;
      params.method = m;
      map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
      g_assert_null (map);
      g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED);
      expected = g_strdup_printf ("%s is not available yet", bitlens_saliency_method_get_name (m));
      g_assert_nonnull (strstr (error->message, expected));
      g_clear_error (&error);
    }

  params.method = BITLENS_SALIENCY_OCCLUSION;
  params.target = 2;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_assert_nonnull (strstr (error->message, "target 2 is outside output 0 [1,2]"));
  g_clear_error (&error);

  params.target = -1;
  params.stride = 0;
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);

  params.stride = 4;
  short_input = g_bytes_new_from_bytes (input, 0, 100);
  map = bitlens_saliency_compute (model, short_input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_assert_nonnull (strstr (error->message, "input has 100 bytes"));
  g_clear_error (&error);

  /* Bitpacked int32 inputs have no pixels to occlude. */
  xmos = test_load_shared_model ("models/lce/xmos/test_bconv2d_bin_0.tflite");
  if (xmos == NULL)
    return;
  map = bitlens_saliency_compute (xmos, input, &params, NULL, NULL, NULL, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "input 0 is int32"));
}

typedef struct
{
  GMainLoop          *loop;
  BitlensSaliencyMap *map;
  GError             *error;
  guint               n_progress;
  guint               last_done;
  guint               total;
  gboolean            destroyed;
  GThread            *main_thread;
} AsyncState;

static void
on_progress (guint    done,
             guint    total,
             gpointer data)
{
  AsyncState *state = data;

  g_assert_true (g_thread_self () == state->main_thread);
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, state->last_done);
  state->last_done = done;
  state->total = total;
  state->n_progress++;
}

static void
on_progress_destroy (gpointer data)
{
  AsyncState *state = data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->destroyed = TRUE;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  AsyncState *state = data;

  state->map = bitlens_saliency_compute_finish (result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
test_async (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(BitlensSaliencyMap) sync_map = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  AsyncState state = { 0 };
  BitlensSaliencyParams params;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  bitlens_saliency_params_init (&params);
  params.window = 12;
  params.stride = 6;
  sync_map = compute (model, input, &params, FALSE, 2);

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.main_thread = g_thread_self ();
  bitlens_saliency_compute_async (model, input, &params, on_progress, &state, on_progress_destroy, NULL,
                                  on_done, &state);
  g_main_loop_run (loop);
  g_assert_no_error (state.error);
  assert_maps_identical (state.map, sync_map);
  g_clear_pointer (&state.map, bitlens_saliency_map_free);
  /* Let the last reports and the destroy notify run. */
  while (!state.destroyed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.n_progress, >, 0);
  g_assert_cmpuint (state.total, ==, 15 * 15);   /* ceil ((96 - 12) / 6) + 1 = 15 */

  /* Cancelled before it starts: BITLENS_ERROR_CANCELLED, no map. */
  cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  state = (AsyncState) { .loop = loop, .main_thread = g_thread_self () };
  bitlens_saliency_compute_async (model, input, &params, on_progress, &state, on_progress_destroy, cancellable,
                                  on_done, &state);
  g_main_loop_run (loop);
  g_assert_null (state.map);
  g_assert_error (state.error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_clear_error (&state.error);
  while (!state.destroyed)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  GCancellable *cancellable;
  guint         calls;
  guint         last_done;
  guint         total;
} SyncProgress;

static void
cancel_midway (guint    done,
               guint    total,
               gpointer data)
{
  SyncProgress *progress = data;

  progress->calls++;
  progress->last_done = done;
  progress->total = total;
  if (done >= total / 3)
    g_cancellable_cancel (progress->cancellable);
}

static void
test_sync_progress_and_cancel (void)
{
  g_autoptr(BitlensModel) model = test_load_shared_model (PERSON_DETECT);
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  SyncProgress progress = { .cancellable = cancellable };
  BitlensSaliencyParams params;
  BitlensSaliencyMap *map;

  if (model == NULL)
    return;
  input = test_load_shared_input (model, PERSON_IMAGE);
  bitlens_saliency_params_init (&params);
  params.n_threads = 2;
  map = bitlens_saliency_compute (model, input, &params, cancel_midway, &progress, cancellable, &error);
  g_assert_null (map);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_assert_cmpuint (progress.total, ==, 23 * 23);
  g_assert_cmpuint (progress.last_done, <, progress.total);
  g_assert_cmpuint (progress.calls, >, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/saliency/occlusion/synthetic-incremental-equals-naive", test_synthetic_model_incremental_equals_naive);
  g_test_add_func ("/saliency/occlusion/person-detect-incremental-equals-naive", test_person_detect_incremental_equals_naive);
  g_test_add_func ("/saliency/occlusion/float-incremental-equals-naive", test_float_model_incremental_equals_naive);
  g_test_add_func ("/saliency/occlusion/int8-vww-incremental-equals-naive", test_int8_vww_incremental_equals_naive);
  g_test_add_func ("/saliency/occlusion/lce-incremental-equals-naive", test_lce_model_incremental_equals_naive);
  g_test_add_func ("/saliency/occlusion/op-costs", test_op_costs);
  g_test_add_func ("/saliency/occlusion/reproduced-by-definition", test_person_detect_reproduced);
  g_test_add_func ("/saliency/occlusion/cli-raw", test_person_detect_cli_raw);
  g_test_add_func ("/saliency/occlusion/baselines", test_baselines);
  g_test_add_func ("/saliency/occlusion/errors", test_errors);
  g_test_add_func ("/saliency/occlusion/async", test_async);
  g_test_add_func ("/saliency/occlusion/progress-cancel", test_sync_progress_and_cancel);
  return g_test_run ();
}
