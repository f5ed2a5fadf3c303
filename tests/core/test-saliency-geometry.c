/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "saliency-private.h"
#include "test-model-builder.h"

/* Window geometry, accumulation order, projective-field rectangles and faithfulness
 * arithmetic, checked against hand-worked values and naive re-implementations written
 * here from the definitions (DESIGN.md "Occlusion", README "Saliency"). */

static void
test_window_count (void)
{
  /* ceil((D - w) / s) + 1 */
  g_assert_cmpint (bitlens_occlusion_count_windows (96, 8, 4), ==, 23);   /* 88 / 4 = 22 */
  g_assert_cmpint (bitlens_occlusion_count_windows (96, 8, 2), ==, 45);
  g_assert_cmpint (bitlens_occlusion_count_windows (97, 8, 4), ==, 24);   /* ceil (89 / 4) = 23 */
  g_assert_cmpint (bitlens_occlusion_count_windows (10, 8, 4), ==, 2);
  g_assert_cmpint (bitlens_occlusion_count_windows (8, 8, 4), ==, 1);
  g_assert_cmpint (bitlens_occlusion_count_windows (5, 8, 4), ==, 1);     /* window larger than the input */
  g_assert_cmpint (bitlens_occlusion_count_windows (227, 16, 8), ==, 28); /* ceil (211 / 8) = 27 */
  g_assert_cmpint (bitlens_occlusion_count_windows (4, 1, 1), ==, 4);
}

static void
test_window_rects (void)
{
  BitlensRegion rect;

  /* 10 x 13 image, window 8, stride 4: 2 rows (0, 4) x 3 columns (0, 4, 8) of windows. */
  saliency_window_rect (10, 13, 8, 4, 0, &rect);
  g_assert_cmpint (rect.y0, ==, 0); g_assert_cmpint (rect.y1, ==, 8);
  g_assert_cmpint (rect.x0, ==, 0); g_assert_cmpint (rect.x1, ==, 8);
  saliency_window_rect (10, 13, 8, 4, 2, &rect);   /* row 0, column 2: x 8..16 clipped to 13 */
  g_assert_cmpint (rect.y0, ==, 0); g_assert_cmpint (rect.y1, ==, 8);
  g_assert_cmpint (rect.x0, ==, 8); g_assert_cmpint (rect.x1, ==, 13);
  saliency_window_rect (10, 13, 8, 4, 4, &rect);   /* row 1, column 1: y 4..12 clipped to 10 */
  g_assert_cmpint (rect.y0, ==, 4); g_assert_cmpint (rect.y1, ==, 10);
  g_assert_cmpint (rect.x0, ==, 4); g_assert_cmpint (rect.x1, ==, 12);
}

static void
test_accumulate_hand (void)
{
  /* One row of 4 pixels, window 2 stride 1: windows at x = 0, 1, 2. */
  const double diffs[3] = { 1.0, 2.0, 4.0 };
  float values[4];

  saliency_accumulate_windows (1, 4, 2, 1, diffs, values);
  g_assert_cmpfloat (values[0], ==, 1.0f);
  g_assert_cmpfloat (values[1], ==, 1.5f);
  g_assert_cmpfloat (values[2], ==, 3.0f);
  g_assert_cmpfloat (values[3], ==, 4.0f);
}

/* The definition, pixel by pixel: windows in row-major order of their positions, the
 * sum in double, the mean in double, then float. */
static void
naive_accumulate (int           height,
                  int           width,
                  int           window,
                  int           stride,
                  const double *diffs,
                  float        *values)
{
  int n_rows = height - window <= 0 ? 1 : (height - window + stride - 1) / stride + 1;
  int n_columns = width - window <= 0 ? 1 : (width - window + stride - 1) / stride + 1;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double sum = 0;
        int count = 0;

        for (int r = 0; r < n_rows; r++)
          for (int c = 0; c < n_columns; c++)
            if (y >= r * stride && y < r * stride + window && x >= c * stride && x < c * stride + window)
              {
                sum += diffs[r * n_columns + c];
                count++;
              }
        values[y * width + x] = count > 0 ? (float) (sum / count) : 0.0f;
      }
}

static void
test_accumulate_matches_definition (void)
{
  const int cases[][4] = {
    { 96, 96, 8, 4 }, { 96, 96, 8, 2 }, { 13, 17, 5, 3 }, { 7, 9, 9, 2 }, { 20, 11, 1, 1 }, { 31, 29, 6, 5 }, { 25, 30, 3, 7 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int h = cases[i][0], w = cases[i][1], window = cases[i][2], stride = cases[i][3];
      guint n = (guint) (bitlens_occlusion_count_windows (h, window, stride) *
                         bitlens_occlusion_count_windows (w, window, stride));
      g_autofree double *diffs = g_new (double, n);
      g_autofree float *got = g_new (float, h * w);
      g_autofree float *want = g_new (float, h * w);

      /* Values of very different magnitudes make the summation order visible. */
      for (guint k = 0; k < n; k++)
        diffs[k] = (g_rand_double (rand) - 0.5) * pow (10.0, g_rand_int_range (rand, -12, 4));
      saliency_accumulate_windows (h, w, window, stride, diffs, got);
      naive_accumulate (h, w, window, stride, diffs, want);
      g_assert_cmpmem (got, sizeof (float) * h * w, want, sizeof (float) * h * w);
    }
}

/* SAME padding before, from SEMANTICS.md: out = ceil(in / s), total = max(0, (out - 1) s
 * + (k - 1) d + 1 - in), before = total / 2. */
static int
same_pad_before (int in, int k, int s, int d)
{
  int out = (in + s - 1) / s;
  int total = MAX (0, (out - 1) * s + (k - 1) * d + 1 - in);
  return total / 2;
}

static void
test_window_dependency_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (int trial = 0; trial < 3000; trial++)
    {
      int k = g_rand_int_range (rand, 1, 6), s = g_rand_int_range (rand, 1, 4), d = g_rand_int_range (rand, 1, 4);
      int in = g_rand_int_range (rand, 1, 24);
      gboolean same = g_rand_boolean (rand);
      int eff = (k - 1) * d + 1;
      int out = same ? (in + s - 1) / s : (in - eff + s) / s;
      int pad = same ? same_pad_before (in, k, s, d) : 0;
      SaliencyDependency dep = {
        .kind = SALIENCY_DEPENDENCY_WINDOW, .kernel_h = k, .kernel_w = 1, .stride_h = s, .stride_w = 1,
        .dilation_h = d, .dilation_w = 1, .pad_top = pad, .pad_left = 0, .in_h = in, .in_w = 1,
        .out_h = out, .out_w = 1,
      };
      BitlensRegion dirty, mapped, truth = { 0, 0, 0, 0 };
      int a, b;

      if (out <= 0)
        continue;
      a = g_rand_int_range (rand, 0, in);
      b = g_rand_int_range (rand, a + 1, in + 1);
      dirty = (BitlensRegion) { a, b, 0, 1 };
      saliency_dependency_map (&dep, &dirty, &mapped);

      /* Brute force: output y reads rows y s - pad + j d. */
      for (int y = 0; y < out; y++)
        for (int j = 0; j < k; j++)
          {
            int row = y * s - pad + j * d;
            if (row >= a && row < b)
              {
                BitlensRegion hit = { y, y + 1, 0, 1 };
                saliency_rect_union (&truth, &hit);
              }
          }
      if (saliency_rect_is_empty (&truth))
        {
          /* Only dilation gaps may make the box larger than the truth. */
          if (d == 1)
            g_assert_true (saliency_rect_is_empty (&mapped));
          continue;
        }
      g_assert_cmpint (mapped.y0, <=, truth.y0);
      g_assert_cmpint (mapped.y1, >=, truth.y1);
      g_assert_cmpint (mapped.y0, >=, 0);
      g_assert_cmpint (mapped.y1, <=, out);
      if (d == 1)
        {
          g_assert_cmpint (mapped.y0, ==, truth.y0);
          g_assert_cmpint (mapped.y1, ==, truth.y1);
        }
    }
}

static void
test_shift_and_pointwise (void)
{
  SaliencyDependency shift = { .kind = SALIENCY_DEPENDENCY_SHIFT, .pad_top = 2, .pad_left = 1,
                               .in_h = 6, .in_w = 6, .out_h = 9, .out_w = 8 };
  SaliencyDependency broadcast = { .kind = SALIENCY_DEPENDENCY_POINTWISE, .in_h = 1, .in_w = 6,
                                   .out_h = 6, .out_w = 6 };
  BitlensRegion in = { 1, 3, 4, 6 }, out;

  saliency_dependency_map (&shift, &in, &out);
  g_assert_cmpint (out.y0, ==, 3); g_assert_cmpint (out.y1, ==, 5);
  g_assert_cmpint (out.x0, ==, 5); g_assert_cmpint (out.x1, ==, 7);

  in = (BitlensRegion) { 0, 1, 2, 4 };
  saliency_dependency_map (&broadcast, &in, &out);
  g_assert_cmpint (out.y0, ==, 0); g_assert_cmpint (out.y1, ==, 6);
  g_assert_cmpint (out.x0, ==, 2); g_assert_cmpint (out.x1, ==, 4);
}

/* The dependency read from a model's ops (built in memory, not prepared). */
static void
test_dependency_from_model (void)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  int in_shape[4] = { 1, 9, 9, 2 }, out_shape[4] = { 1, 5, 5, 4 }, filter_shape[4] = { 4, 3, 3, 2 };
  int pooled_shape[4] = { 1, 3, 3, 4 }, padded_shape[4] = { 1, 6, 6, 4 };
  int input, filter, conv_out, pooled, paddings, padded, flat;
  gint32 pad_values[8] = { 0, 0, 2, 1, 1, 2, 0, 0 };
  TestTensorSpec filter_spec = { .type = BITLENS_TYPE_FLOAT32, .rank = 4 };
  TestTensorSpec paddings_spec = { .type = BITLENS_TYPE_INT32, .rank = 2, .shape = { 4, 2 }, .data = pad_values };
  g_autofree float *weights = g_new0 (float, 4 * 3 * 3 * 2);
  BitlensOpOptions conv, pool;
  SaliencyDependency dep;
  BitlensRegion in, out;

  memcpy (filter_spec.shape, filter_shape, sizeof filter_shape);
  filter_spec.data = weights;
  input = test_model_add_activation (model, "in", BITLENS_TYPE_FLOAT32, 4, in_shape, 0, 0);
  filter = test_model_add_tensor (model, "filter", &filter_spec);
  conv_out = test_model_add_activation (model, "conv", BITLENS_TYPE_FLOAT32, 4, out_shape, 0, 0);
  pooled = test_model_add_activation (model, "pool", BITLENS_TYPE_FLOAT32, 4, pooled_shape, 0, 0);
  paddings = test_model_add_tensor (model, "paddings", &paddings_spec);
  padded = test_model_add_activation (model, "pad", BITLENS_TYPE_FLOAT32, 4, padded_shape, 0, 0);
  flat = test_model_add_activation (model, "flat", BITLENS_TYPE_FLOAT32, 2, (int[]) { 1, 144 }, 0, 0);

  bitlens_op_options_init (&conv);
  conv.stride_h = conv.stride_w = 2;
  test_model_add_op (model, BITLENS_OP_CONV_2D, 3, (int[]) { input, filter, -1 }, 1, &conv_out, &conv);
  bitlens_op_options_init (&pool);   /* SAME: 5 -> 3, total 1, before 0 */
  pool.stride_h = pool.stride_w = 2;
  pool.filter_h = pool.filter_w = 2;
  test_model_add_op (model, BITLENS_OP_MAX_POOL_2D, 1, &conv_out, 1, &pooled, &pool);
  test_model_add_op (model, BITLENS_OP_PAD, 2, (int[]) { pooled, paddings }, 1, &padded, NULL);
  test_model_add_op (model, BITLENS_OP_RESHAPE, 1, &padded, 1, &flat, NULL);

  /* SAME 3x3 stride 2 on 9: out 5, total = 4*2 + 3 - 9 = 2, before 1. */
  saliency_dependency_init (model, 0, 0, &dep);
  g_assert_cmpint (dep.kind, ==, SALIENCY_DEPENDENCY_WINDOW);
  g_assert_cmpint (dep.kernel_h, ==, 3); g_assert_cmpint (dep.kernel_w, ==, 3);
  g_assert_cmpint (dep.stride_h, ==, 2); g_assert_cmpint (dep.pad_top, ==, 1);
  /* Input pixel (4, 4) is read by outputs whose taps 2y - 1 + j reach 4: y = 2 only
   * (y = 3 reads 5..7, y = 1 reads 1..3). */
  in = (BitlensRegion) { 4, 5, 4, 5 };
  saliency_dependency_map (&dep, &in, &out);
  g_assert_cmpint (out.y0, ==, 2); g_assert_cmpint (out.y1, ==, 3);
  g_assert_cmpint (out.x0, ==, 2); g_assert_cmpint (out.x1, ==, 3);
  /* Pixel 3 is read by y = 1 (taps 1..3) and y = 2 (taps 3..5). */
  in = (BitlensRegion) { 3, 4, 0, 1 };
  saliency_dependency_map (&dep, &in, &out);
  g_assert_cmpint (out.y0, ==, 1); g_assert_cmpint (out.y1, ==, 3);
  g_assert_cmpint (out.x0, ==, 0); g_assert_cmpint (out.x1, ==, 1);
  /* The filter input reaches everything. */
  saliency_dependency_init (model, 0, 1, &dep);
  g_assert_cmpint (dep.kind, ==, SALIENCY_DEPENDENCY_FULL);

  saliency_dependency_init (model, 1, 0, &dep);
  g_assert_cmpint (dep.kind, ==, SALIENCY_DEPENDENCY_WINDOW);
  g_assert_cmpint (dep.kernel_h, ==, 2); g_assert_cmpint (dep.pad_top, ==, 0);
  in = (BitlensRegion) { 4, 5, 1, 3 };     /* conv rows 4 -> pooled row 2; columns 1..2 -> 0..1 */
  saliency_dependency_map (&dep, &in, &out);
  g_assert_cmpint (out.y0, ==, 2); g_assert_cmpint (out.y1, ==, 3);
  g_assert_cmpint (out.x0, ==, 0); g_assert_cmpint (out.x1, ==, 2);

  saliency_dependency_init (model, 2, 0, &dep);
  g_assert_cmpint (dep.kind, ==, SALIENCY_DEPENDENCY_SHIFT);
  g_assert_cmpint (dep.pad_top, ==, 2); g_assert_cmpint (dep.pad_left, ==, 1);

  saliency_dependency_init (model, 3, 0, &dep);
  g_assert_cmpint (dep.kind, ==, SALIENCY_DEPENDENCY_FULL);
}

static void
test_faithfulness_order (void)
{
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new (3, 2);
  const float values[6] = { 0.5f, 1.0f, 0.5f, NAN, 1.0f, -1.0f };
  const guint32 want[6] = { 1, 4, 0, 2, 5, 3 };
  guint32 order[6];

  memcpy (map->values, values, sizeof values);
  bitlens_faithfulness_pixel_order (map, order);
  g_assert_cmpmem (order, sizeof order, want, sizeof want);
}

static void
test_faithfulness_area (void)
{
  const double curve[3] = { 1.0, 0.5, 0.0 };
  const double flat[5] = { 0.25, 0.25, 0.25, 0.25, 0.25 };
  const double step[2] = { 0.0, 1.0 };

  /* ((1 + 0.5) / 2 + (0.5 + 0) / 2) / 2 */
  g_assert_cmpfloat (bitlens_faithfulness_area (curve, 2), ==, 0.5);
  g_assert_cmpfloat (bitlens_faithfulness_area (flat, 4), ==, 0.25);
  g_assert_cmpfloat (bitlens_faithfulness_area (step, 1), ==, 0.5);
}

static void
test_method_names (void)
{
  BitlensSaliencyMethod method;
  BitlensBaseline baseline;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  for (int m = 0; m < BITLENS_SALIENCY_N_METHODS; m++)
    {
      g_assert_true (bitlens_saliency_method_from_name (bitlens_saliency_method_get_name (m), &method));
      g_assert_cmpint (method, ==, m);
      /* Occlusion is always there; the gradient methods plug in later. */
      if (m == BITLENS_SALIENCY_OCCLUSION)
        g_assert_true (bitlens_saliency_method_is_available (m));
    }
  g_assert_false (bitlens_saliency_method_from_name ("lime", &method));

  g_assert_true (bitlens_baseline_parse ("gray", &baseline, &error));
  g_assert_cmpint (baseline.kind, ==, BITLENS_BASELINE_GRAY);
  g_assert_cmpint (baseline.gray_level, ==, 128);
  g_assert_true (bitlens_baseline_parse ("37", &baseline, &error));
  g_assert_cmpint (baseline.kind, ==, BITLENS_BASELINE_GRAY);
  g_assert_cmpint (baseline.gray_level, ==, 37);
  g_assert_true (bitlens_baseline_parse ("blur", &baseline, &error));
  g_assert_cmpint (baseline.kind, ==, BITLENS_BASELINE_BLUR);
  text = bitlens_baseline_to_string (&baseline);
  g_assert_cmpstr (text, ==, "blur radius 5");
  g_assert_false (bitlens_baseline_parse ("256", &baseline, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
}

/* The documented defaults: the blurred copy (box radius 5) fills occlusion windows,
 * starts the integrated-gradients path, replaces deleted pixels and starts insertion. */
static void
test_default_baselines (void)
{
  BitlensSaliencyParams params;
  BitlensFaithfulnessParams faithfulness;
  g_autofree char *text = NULL;

  bitlens_saliency_params_init (&params);
  g_assert_cmpint (params.method, ==, BITLENS_SALIENCY_OCCLUSION);
  g_assert_cmpint (params.window, ==, 8);
  g_assert_cmpint (params.stride, ==, 4);
  g_assert_cmpint (params.baseline.kind, ==, BITLENS_BASELINE_BLUR);
  g_assert_cmpint (params.baseline.blur_radius, ==, 5);
  /* Choosing gray without a level gives the documented 128. */
  g_assert_cmpint (params.baseline.gray_level, ==, 128);
  text = bitlens_baseline_to_string (&params.baseline);
  g_assert_cmpstr (text, ==, "blur radius 5");

  bitlens_faithfulness_params_init (&faithfulness);
  g_assert_cmpint (faithfulness.steps, ==, 32);
  g_assert_cmpint (faithfulness.deletion_baseline.kind, ==, BITLENS_BASELINE_BLUR);
  g_assert_cmpint (faithfulness.deletion_baseline.blur_radius, ==, 5);
  g_assert_cmpint (faithfulness.insertion_start.kind, ==, BITLENS_BASELINE_BLUR);
  g_assert_cmpint (faithfulness.insertion_start.blur_radius, ==, 5);
}

static void
test_resample (void)
{
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new (2, 1);
  g_autoptr(BitlensSaliencyMap) wide = NULL;
  g_autoptr(BitlensSaliencyMap) same = NULL;

  map->values[0] = 0.0f;
  map->values[1] = 4.0f;
  /* 2 -> 4: centres at source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1). */
  wide = bitlens_saliency_map_resample (map, 4, 3);
  for (int y = 0; y < 3; y++)
    {
      g_assert_cmpfloat (wide->values[y * 4 + 0], ==, 0.0f);
      g_assert_cmpfloat (wide->values[y * 4 + 1], ==, 1.0f);
      g_assert_cmpfloat (wide->values[y * 4 + 2], ==, 3.0f);
      g_assert_cmpfloat (wide->values[y * 4 + 3], ==, 4.0f);
    }
  same = bitlens_saliency_map_resample (map, 2, 1);
  g_assert_cmpmem (same->values, 8, map->values, 8);
}

/* The blur baseline against its definition (README, "Occlusion, exactly", rule 2),
 * computed here square by square: integer tensors sum in integers and round half up;
 * float tensors sum each square in double in row-major order. Random sizes and radii
 * (0, small, beyond the image); float values like preprocessed pixels (which the
 * library sums as scaled integers) and tensors with a tiny, a huge or a negative-zero
 * value (summed square by square). */
static gint64
floor_div64 (gint64 a,
             gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
blur_by_definition (BitlensTensorType type,
                    const guint8     *data,
                    int               height,
                    int               width,
                    int               channels,
                    int               radius,
                    guint8           *out)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < channels; c++)
        {
          gint64 integer_sum = 0, count = 0;
          double float_sum = 0;
          gsize i = ((gsize) y * width + x) * channels + c;

          for (int yy = MAX (y - radius, 0); yy <= MIN (y + radius, height - 1); yy++)
            for (int xx = MAX (x - radius, 0); xx <= MIN (x + radius, width - 1); xx++)
              {
                gsize j = ((gsize) yy * width + xx) * channels + c;

                count++;
                if (type == BITLENS_TYPE_FLOAT32)
                  float_sum += ((const float *) data)[j];
                else
                  integer_sum += type == BITLENS_TYPE_INT8 ? ((const gint8 *) data)[j] : data[j];
              }
          if (type == BITLENS_TYPE_FLOAT32)
            ((float *) out)[i] = (float) (float_sum / (double) count);
          else if (type == BITLENS_TYPE_INT8)
            ((gint8 *) out)[i] = (gint8) floor_div64 (2 * integer_sum + count, 2 * count);
          else
            out[i] = (guint8) floor_div64 (2 * integer_sum + count, 2 * count);
        }
}

static void
test_blur_baseline (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (51);
  static const BitlensTensorType types[] = { BITLENS_TYPE_INT8, BITLENS_TYPE_UINT8, BITLENS_TYPE_FLOAT32 };

  for (int i = 0; i < 300; i++)
    {
      BitlensTensor tensor = { .type = types[i % 3], .rank = 4 };
      SaliencyInput input = { .tensor = &tensor };
      BitlensBaseline baseline = { BITLENS_BASELINE_BLUR, 0, 0 };
      g_autofree guint8 *data = NULL;
      g_autofree guint8 *expected = NULL;
      g_autofree guint8 *blurred = NULL;
      g_autoptr(GError) error = NULL;
      gsize n;
      int special = g_rand_int_range (rand, 0, 4);

      input.height = g_rand_int_range (rand, 1, 40);
      input.width = g_rand_int_range (rand, 1, 40);
      input.channels = g_rand_boolean (rand) ? 1 : 3;
      baseline.blur_radius = (int[]) { 0, 1, 2, 5, 7, 100 }[g_rand_int_range (rand, 0, 6)];
      n = (gsize) input.height * input.width * input.channels;
      tensor.shape[0] = 1;
      tensor.shape[1] = input.height;
      tensor.shape[2] = input.width;
      tensor.shape[3] = input.channels;
      tensor.n_elements = n;
      tensor.n_bytes = n * bitlens_tensor_type_size (tensor.type);
      input.pixel_bytes = (gsize) input.channels * bitlens_tensor_type_size (tensor.type);
      data = g_malloc (tensor.n_bytes);
      for (gsize j = 0; j < n; j++)
        {
          int pixel = g_rand_int_range (rand, 0, 256);

          if (tensor.type == BITLENS_TYPE_FLOAT32)
            ((float *) data)[j] = (float) (pixel / 127.5 - 1.0);
          else
            data[j] = (guint8) pixel;
        }
      if (tensor.type == BITLENS_TYPE_FLOAT32 && special != 0)
        ((float *) data)[g_rand_int_range (rand, 0, (gint32) n)] = (float[]) { 0, 1e-30f, 3e30f, -0.0f }[special];

      expected = g_malloc (tensor.n_bytes);
      blur_by_definition (tensor.type, data, input.height, input.width, input.channels, baseline.blur_radius, expected);
      blurred = saliency_baseline_new (&input, data, &baseline, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (blurred, tensor.n_bytes, expected, tensor.n_bytes);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/saliency/geometry/window-count", test_window_count);
  g_test_add_func ("/saliency/geometry/blur-baseline", test_blur_baseline);
  g_test_add_func ("/saliency/geometry/window-rects", test_window_rects);
  g_test_add_func ("/saliency/geometry/accumulate-hand", test_accumulate_hand);
  g_test_add_func ("/saliency/geometry/accumulate-definition", test_accumulate_matches_definition);
  g_test_add_func ("/saliency/geometry/window-dependency", test_window_dependency_brute_force);
  g_test_add_func ("/saliency/geometry/shift-pointwise", test_shift_and_pointwise);
  g_test_add_func ("/saliency/geometry/dependency-from-model", test_dependency_from_model);
  g_test_add_func ("/saliency/faithfulness/order", test_faithfulness_order);
  g_test_add_func ("/saliency/faithfulness/area", test_faithfulness_area);
  g_test_add_func ("/saliency/names", test_method_names);
  g_test_add_func ("/saliency/default-baselines", test_default_baselines);
  g_test_add_func ("/saliency/resample", test_resample);
  return g_test_run ();
}
