/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "kernel-test-helpers.h"
#include "kernels/cpu-features.h"
#include "kernels/requantize-row.h"
#include "test-util.h"

/* The optimized twins (CONV_2D and DEPTHWISE_CONV_2D, int8 and float32) against the
 * reference kernels on many random shapes, options, quantization parameters and inputs,
 * byte for byte; and every spatial kernel (also the pools and PAD) computed region by
 * region against the whole output. The AVX2 paths run in this process when the CPU has
 * AVX2; the portable paths run in a child process with BITLENS_CPU=generic. */

#define N_RANDOM_CASES 300

/* The geometry of an [N, H, W, C] output. */
typedef struct
{
  int   batches, out_h, out_w;
  gsize pixel_bytes;        /* C * element size */
} OutputGeometry;

static gsize
geometry_bytes (const OutputGeometry *g)
{
  return (gsize) g->batches * g->out_h * g->out_w * g->pixel_bytes;
}

/* Optimized equals reference; tiles of random regions equal the whole output, with each
 * path; one random region alone writes its pixels (equal to the whole output's) and
 * nothing else. */
static void
compare_paths_and_regions (BitlensModel         *model,
                           const void           *input,
                           const OutputGeometry *g,
                           GRand                *rand)
{
  const void *data[1] = { input };
  gsize n_bytes = geometry_bytes (g);
  g_autofree guint8 *reference = kt_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, data);
  g_autofree guint8 *optimized = kt_run (model, BITLENS_INTERPRETER_DEFAULT, data);
  g_autofree guint8 *part = NULL;
  int row_cuts[5], column_cuts[5], n_rows, n_columns;
  BitlensRegion only;

  kt_assert_bytes_equal (optimized, reference, n_bytes);

  n_rows = kt_random_cuts (rand, g->out_h, row_cuts);
  n_columns = kt_random_cuts (rand, g->out_w, column_cuts);
  for (int p = 0; p < 2; p++)
    {
      BitlensInterpreterFlags flags = p ? BITLENS_INTERPRETER_FORCE_REFERENCE : BITLENS_INTERPRETER_DEFAULT;
      g_autofree guint8 *tiled = kt_run_regions (model, flags, data, row_cuts, n_rows, column_cuts, n_columns, NULL);
      kt_assert_bytes_equal (tiled, reference, n_bytes);
    }

  only.y0 = g_rand_int_range (rand, 0, g->out_h + 1);
  only.y1 = g_rand_int_range (rand, only.y0, g->out_h + 1);
  only.x0 = g_rand_int_range (rand, 0, g->out_w + 1);
  only.x1 = g_rand_int_range (rand, only.x0, g->out_w + 1);
  part = kt_run_regions (model, BITLENS_INTERPRETER_DEFAULT, data, NULL, 0, NULL, 0, &only);
  for (int b = 0; b < g->batches; b++)
    for (int y = 0; y < g->out_h; y++)
      for (int x = 0; x < g->out_w; x++)
        {
          gsize offset = (((gsize) b * g->out_h + y) * g->out_w + x) * g->pixel_bytes;
          gboolean inside = y >= only.y0 && y < only.y1 && x >= only.x0 && x < only.x1;

          for (gsize k = 0; k < g->pixel_bytes; k++)
            if (inside)
              g_assert_cmpuint (part[offset + k], ==, reference[offset + k]);
            else
              g_assert_cmpuint (part[offset + k], ==, 0xA5);
        }
}

static void
random_conv_options (KtConvCase *c,
                     GRand      *rand)
{
  bitlens_op_options_init (&c->options);
  c->options.padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
  c->options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
  c->options.stride_h = g_rand_int_range (rand, 1, 4);
  c->options.stride_w = g_rand_int_range (rand, 1, 4);
  c->options.dilation_h = g_rand_int_range (rand, 0, 4) == 0 ? 2 : 1;
  c->options.dilation_w = g_rand_int_range (rand, 0, 4) == 0 ? 2 : 1;
  c->per_channel = g_rand_boolean (rand);
  c->has_bias = g_rand_int_range (rand, 0, 6) != 0;
  c->power_of_two_scales = g_rand_int_range (rand, 0, 4) == 0;
  c->batches = g_rand_int_range (rand, 0, 5) == 0 ? 2 : 1;
  c->in_h = g_rand_int_range (rand, 1, 18);
  c->in_w = g_rand_int_range (rand, 1, 18);
}

static void
check_conv_case (KtConvCase *c,
                 GRand      *rand,
                 int        *n_checked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  OutputGeometry g;

  if (kt_conv_case_generate (c, rand))
    {
      model = kt_conv_case_model (c, &error);
      g_assert_no_error (error);
      g = (OutputGeometry) { c->batches, c->out_h, c->out_w, (gsize) c->out_c * (c->type == BITLENS_TYPE_INT8 ? 1 : 4) };
      compare_paths_and_regions (model, c->input, &g, rand);
      (*n_checked)++;
    }
  kt_conv_case_clear (c);
}

/* Mostly 1x1 pointwise convolutions (the MobileNet case), then general windows; channel
 * counts cross the 4-channel and 16-value blocks of the GEMM; some grouped (which the
 * twin hands to the reference). */
static void
test_conv_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  int n_checked = 0;

  for (int i = 0; i < N_RANDOM_CASES; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = BITLENS_TYPE_INT8 };
      gboolean pointwise = i % 2 == 0;

      random_conv_options (&c, rand);
      c.groups = !pointwise && i % 9 == 1 ? 2 : 1;
      c.in_c = c.groups * g_rand_int_range (rand, 1, pointwise ? 70 : 20);
      c.out_c = c.groups * g_rand_int_range (rand, 1, pointwise ? 40 : 12);
      c.kh = pointwise ? 1 : g_rand_int_range (rand, 1, 6);
      c.kw = pointwise ? 1 : g_rand_int_range (rand, 1, 6);
      if (pointwise && i % 4 == 0)
        {
          c.options.stride_h = c.options.stride_w = 1;
          c.options.padding = BITLENS_PADDING_VALID;
        }
      check_conv_case (&c, rand, &n_checked);
    }
  g_assert_cmpint (n_checked, >, N_RANDOM_CASES * 3 / 4);

  /* float32: the twin keeps each output's summation order; channel counts cross its
   * chunks of 8 and 32; some grouped (handed to the reference). */
  for (int i = 0; i < 80; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = BITLENS_TYPE_FLOAT32, .groups = i % 10 == 9 ? 2 : 1 };

      random_conv_options (&c, rand);
      c.in_c = c.groups * g_rand_int_range (rand, 1, 9);
      c.out_c = c.groups * g_rand_int_range (rand, 1, i % 2 ? 12 : 70);
      c.kh = g_rand_int_range (rand, 1, 4);
      c.kw = g_rand_int_range (rand, 1, 4);
      check_conv_case (&c, rand, &n_checked);
    }
}

/* Channel counts cross the 16-channel blocks; windows and strides that leave borders on
 * each side, and inputs smaller than the window (no interior at all). */
static void
test_depthwise_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (777);
  int n_checked = 0;

  for (int i = 0; i < N_RANDOM_CASES; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_DEPTHWISE_CONV_2D,
                       .type = i % 4 == 3 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8 };

      random_conv_options (&c, rand);
      c.multiplier = i % 3 == 0 ? g_rand_int_range (rand, 2, 9) : 1;
      c.in_c = g_rand_int_range (rand, 1, c.multiplier > 1 ? 6 : 50);
      c.kh = g_rand_int_range (rand, 1, 6);
      c.kw = g_rand_int_range (rand, 1, 6);
      check_conv_case (&c, rand, &n_checked);
    }
  g_assert_cmpint (n_checked, >, N_RANDOM_CASES * 3 / 4);
}

/* The extreme products of the int8 fast paths: weights -128 and 127, inputs 255 away
 * from the input zero point (|w * (x - zp)| = 32640, two of them per madd lane), so that
 * any int16 or int32 overflow in a reordered sum would show; the output scale is widened
 * so that not every output saturates. */
static void
make_extreme (KtConvCase *c,
              GRand      *rand)
{
  gint8 *input = c->input;
  gint8 *filter = c->filter;
  gboolean low_zero_point = g_rand_boolean (rand);

  c->in_zp = low_zero_point ? -128 : 127;
  for (gsize i = 0; i < c->n_input; i++)
    input[i] = g_rand_int_range (rand, 0, 4) != 0 ? (low_zero_point ? 127 : -128) : (gint8) g_rand_int_range (rand, -128, 128);
  for (gsize i = 0; i < c->n_filter; i++)
    filter[i] = g_rand_boolean (rand) ? -128 : 127;
  c->out_scale *= 64.0f;
}

static void
check_int8_case (KtConvCase *c,
                 GRand      *rand,
                 gboolean    extreme,
                 int        *n_checked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  OutputGeometry g;

  if (kt_conv_case_generate (c, rand))
    {
      if (extreme)
        make_extreme (c, rand);
      model = kt_conv_case_model (c, &error);
      g_assert_no_error (error);
      g = (OutputGeometry) { c->batches, c->out_h, c->out_w, (gsize) c->out_c };
      compare_paths_and_regions (model, c->input, &g, rand);
      (*n_checked)++;
    }
  kt_conv_case_clear (c);
}

/* The int8 CONV_2D GEMM's edges: tiles of 1 to 6 pixels, channel blocks of 16 with a
 * last block of 8 or fewer or of 9 to 15, chunks of pixels, 1x1 filters read in place
 * (also strided), patches longer than a chunk, odd depths. */
static void
test_conv_int8_blocking (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  static const int out_channels[] = { 1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 40, 64, 100, 128, 136, 256, 264 };
  int n_checked = 0;

  for (int i = 0; i < 160; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = BITLENS_TYPE_INT8, .groups = 1 };

      random_conv_options (&c, rand);
      c.out_c = out_channels[g_rand_int_range (rand, 0, G_N_ELEMENTS (out_channels))];
      switch (i % 4)
        {
        case 0:   /* pointwise, any stride */
          c.kh = c.kw = 1;
          c.in_c = g_rand_int_range (rand, 1, 300);
          break;
        case 1:   /* pointwise on small maps, as the last layers of a MobileNet */
          c.kh = c.kw = 1;
          c.options.stride_h = c.options.stride_w = 1;
          c.in_c = g_rand_int_range (rand, 1, 300);
          c.in_h = g_rand_int_range (rand, 1, 8);
          c.in_w = g_rand_int_range (rand, 1, 8);
          break;
        case 2:   /* general windows */
          c.kh = g_rand_int_range (rand, 1, 5);
          c.kw = g_rand_int_range (rand, 1, 5);
          c.in_c = g_rand_int_range (rand, 1, 40);
          break;
        default:  /* patches of thousands of values: chunks of the minimum size */
          c.kh = g_rand_int_range (rand, 3, 6);
          c.kw = g_rand_int_range (rand, 3, 6);
          c.in_c = g_rand_int_range (rand, 40, 130);
          c.out_c = MIN (c.out_c, 40);
          c.in_h = g_rand_int_range (rand, 3, 9);
          c.in_w = g_rand_int_range (rand, 3, 9);
          break;
        }
      check_int8_case (&c, rand, i % 5 == 0, &n_checked);
    }
  g_assert_cmpint (n_checked, >, 120);
}

/* The int8 DEPTHWISE_CONV_2D paths: one input channel (any depth multiplier, across the
 * 8-channel vectors), tap pairs (odd and even tap counts, channel blocks of 16 and 8 and
 * scalar rests), depth multipliers with several input channels, and maps whose rows do
 * not fit one band of the zero-point-bordered copy. */
static void
test_depthwise_int8_paths (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (9001);
  static const int channels[] = { 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 64, 128, 130 };
  int n_checked = 0;

  for (int i = 0; i < 200; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_DEPTHWISE_CONV_2D, .type = BITLENS_TYPE_INT8, .multiplier = 1 };

      random_conv_options (&c, rand);
      c.kh = g_rand_int_range (rand, 1, 6);
      c.kw = g_rand_int_range (rand, 1, 6);
      switch (i % 8)
        {
        case 0:
        case 1:   /* one input channel, as the first layer on a gray image */
          c.in_c = 1;
          c.multiplier = g_rand_int_range (rand, 1, 21);
          c.in_h = g_rand_int_range (rand, 1, 40);
          c.in_w = g_rand_int_range (rand, 1, 40);
          break;
        case 2:
        case 3:
        case 4:   /* tap pairs */
          c.in_c = channels[g_rand_int_range (rand, 0, G_N_ELEMENTS (channels))];
          break;
        case 5:
        case 6:   /* depth multipliers over several channels */
          c.in_c = g_rand_int_range (rand, 2, 7);
          c.multiplier = g_rand_int_range (rand, 2, 6);
          break;
        default:  /* several bands */
          c.in_c = g_rand_int_range (rand, 64, 100);
          c.kh = c.kw = 3;
          c.options.stride_h = c.options.stride_w = 1;
          c.options.dilation_h = c.options.dilation_w = 1;
          c.batches = 1;
          c.in_h = g_rand_int_range (rand, 30, 45);
          c.in_w = g_rand_int_range (rand, 30, 45);
          break;
        }
      check_int8_case (&c, rand, i % 5 == 0, &n_checked);
    }
  g_assert_cmpint (n_checked, >, 150);
}

/* Pools and PAD are spatial too (reference only). */
static void
test_pool_and_pad_regions (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31337);

  for (int i = 0; i < 120; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      BitlensTensorType type = i % 2 ? BITLENS_TYPE_FLOAT32 : BITLENS_TYPE_INT8;
      gsize element = type == BITLENS_TYPE_INT8 ? 1 : 4;
      int in_shape[4] = { 1 + i % 2, g_rand_int_range (rand, 1, 12), g_rand_int_range (rand, 1, 12),
                          g_rand_int_range (rand, 1, 6) };
      int out_shape[4];
      float scale = type == BITLENS_TYPE_INT8 ? 0.05f : 0.0f;
      gsize n_input = (gsize) in_shape[0] * in_shape[1] * in_shape[2] * in_shape[3];
      g_autofree void *input = type == BITLENS_TYPE_INT8 ? (void *) kt_random_int8 (rand, n_input, -128, 127)
                                                         : (void *) kt_random_float (rand, n_input, -3.0, 3.0);
      BitlensOpOptions options;
      int inputs[2], output;
      OutputGeometry g;

      bitlens_op_options_init (&options);
      if (i % 3 == 2)
        {
          /* PAD */
          gint32 paddings[8];
          int paddings_shape[2] = { 4, 2 };

          for (int d = 0; d < 8; d++)
            paddings[d] = g_rand_int_range (rand, 0, 4);
          for (int d = 0; d < 4; d++)
            out_shape[d] = in_shape[d] + paddings[2 * d] + paddings[2 * d + 1];
          inputs[0] = kt_tensor_q (model, "input", type, 4, in_shape, scale, 3, NULL);
          inputs[1] = kt_tensor_q (model, "paddings", BITLENS_TYPE_INT32, 2, paddings_shape, 0, 0, paddings);
          output = kt_tensor_q (model, "output", type, 4, out_shape, scale, -7, NULL);
          g_assert_true (kt_finish_one_op (model, BITLENS_OP_PAD, 2, inputs, output, NULL, &error));
        }
      else
        {
          int pad;

          options.padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
          options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
          options.stride_h = g_rand_int_range (rand, 1, 4);
          options.stride_w = g_rand_int_range (rand, 1, 4);
          options.filter_h = g_rand_int_range (rand, 1, 5);
          options.filter_w = g_rand_int_range (rand, 1, 5);
          out_shape[0] = in_shape[0];
          out_shape[1] = kt_output_size (options.padding, in_shape[1], options.filter_h, options.stride_h, 1, &pad);
          out_shape[2] = kt_output_size (options.padding, in_shape[2], options.filter_w, options.stride_w, 1, &pad);
          out_shape[3] = in_shape[3];
          if (out_shape[1] <= 0 || out_shape[2] <= 0)
            continue;
          inputs[0] = kt_tensor_q (model, "input", type, 4, in_shape, scale, 3, NULL);
          output = kt_tensor_q (model, "output", type, 4, out_shape, scale, 3, NULL);
          g_assert_true (kt_finish_one_op (model, i % 3 ? BITLENS_OP_MAX_POOL_2D : BITLENS_OP_AVERAGE_POOL_2D,
                                           1, inputs, output, &options, &error));
        }
      g_assert_no_error (error);
      g = (OutputGeometry) { out_shape[0], out_shape[1], out_shape[2], out_shape[3] * element };
      compare_paths_and_regions (model, input, &g, rand);
    }
}

/* The int8 AVERAGE_POOL_2D twin's chunks of 64 channels: channel counts across them,
 * global pools (the MobileNet head) and small windows, inputs at the extremes (the
 * rounding of negative and positive sums, the activation clamps). */
static void
test_average_pool_int8_channels (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  static const int channels[] = { 63, 64, 65, 128, 130, 256 };

  for (int i = 0; i < 36; i++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      g_autoptr(GError) error = NULL;
      gboolean global = i % 2 == 0;
      int in_shape[4] = { 1, g_rand_int_range (rand, 1, 7), g_rand_int_range (rand, 1, 7), channels[i % 6] };
      int out_shape[4], pad;
      gsize n_input = (gsize) in_shape[1] * in_shape[2] * in_shape[3];
      g_autofree gint8 *input = kt_random_int8 (rand, n_input, i % 3 == 0 ? 120 : -128, 127);
      BitlensOpOptions options;
      int inputs[1], output;
      OutputGeometry g;

      bitlens_op_options_init (&options);
      options.padding = global ? BITLENS_PADDING_VALID : BITLENS_PADDING_SAME;
      options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
      options.stride_h = options.stride_w = global ? 1 : g_rand_int_range (rand, 1, 3);
      options.filter_h = global ? in_shape[1] : g_rand_int_range (rand, 1, 4);
      options.filter_w = global ? in_shape[2] : g_rand_int_range (rand, 1, 4);
      out_shape[0] = 1;
      out_shape[1] = kt_output_size (options.padding, in_shape[1], options.filter_h, options.stride_h, 1, &pad);
      out_shape[2] = kt_output_size (options.padding, in_shape[2], options.filter_w, options.stride_w, 1, &pad);
      out_shape[3] = in_shape[3];
      inputs[0] = kt_tensor_q (model, "input", BITLENS_TYPE_INT8, 4, in_shape, 0.05f, -5, NULL);
      output = kt_tensor_q (model, "output", BITLENS_TYPE_INT8, 4, out_shape, 0.05f, -5, NULL);
      g_assert_true (kt_finish_one_op (model, BITLENS_OP_AVERAGE_POOL_2D, 1, inputs, output, &options, &error));
      g_assert_no_error (error);
      g = (OutputGeometry) { 1, out_shape[1], out_shape[2], (gsize) out_shape[3] };
      compare_paths_and_regions (model, input, &g, rand);
    }
}

#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
/* The lanes' requantization of acc[c] starting from the bias, 8 channels at a time. */
__attribute__((target("avx2")))
static void
requantize_lanes_avx2 (const BitlensRequantizeLanes *lanes,
                       const BitlensRequantize      *rq,
                       const gint32                 *acc,
                       int                           n,
                       gint8                        *out)
{
  for (int c = 0; c < n; c += 8)
    {
      gint32 sums[8] = { 0 };
      gint8 bytes[8];

      for (int j = 0; j < 8 && c + j < n; j++)
        sums[j] = (gint32) ((guint32) acc[c + j] + (guint32) lanes->start[c + j]);
      _mm_storel_epi64 ((__m128i *) bytes,
                        bitlens_pack8_int8_avx2 (bitlens_requantize_lanes_avx2 (lanes, rq, c,
                                                                                _mm256_loadu_si256 ((const __m256i *) sums))));
      memcpy (out + c, bytes, MIN (8, n - c));
    }
}
#endif

/* The requantization in vector lanes (the epilogue of the int8 convolution twins) gives
 * the same bytes; the start values are the bias. */
static void
check_requantize_lanes (const BitlensRequantize *rq,
                        const gint32            *acc,
                        const gint32            *bias,
                        int                      n,
                        const gint8             *expected)
{
#ifdef BITLENS_REQUANTIZE_HAVE_AVX2
  BitlensRequantizeLanes lanes;
  gint8 out[40];

  if (!bitlens_cpu_has_avx2 ())
    return;
  bitlens_requantize_lanes_init (&lanes, rq, bias, n);
  requantize_lanes_avx2 (&lanes, rq, acc, n, out);
  g_assert_cmpmem (out, n, expected, n);
  bitlens_requantize_lanes_clear (&lanes);
#endif
}

/* The vectorized row and lane requantizations against the spec arithmetic (kt_mbqm), over
 * multipliers in [2^30, 2^31) and 0, shifts from -31 to 31 (left shifts wrap), any
 * int32 accumulator and bias, every activation range, odd lengths. */
static void
test_requantize_row (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2718);

  for (int i = 0; i < 2000; i++)
    {
      int n = g_rand_int_range (rand, 1, 40);
      g_autofree gint32 *multipliers = g_new (gint32, n);
      g_autofree int *shifts = g_new (int, n);
      g_autofree gint32 *acc = g_new (gint32, n);
      g_autofree gint32 *bias = g_new (gint32, n);
      gint8 out[40], expected[40];
      gboolean with_bias = i % 3 != 0;
      BitlensRequantize rq = {
        .output_offset = g_rand_int_range (rand, -128, 128),
        .n_channels = n,
        .multipliers = multipliers,
        .shifts = shifts,
      };

      rq.act_min = g_rand_int_range (rand, -128, 0);
      rq.act_max = g_rand_int_range (rand, rq.act_min, 128);
      for (int c = 0; c < n; c++)
        {
          int kind = g_rand_int_range (rand, 0, 8);

          multipliers[c] = kind == 0 ? 0 : kind == 1 ? G_MAXINT32 : (gint32) g_rand_int_range (rand, 1 << 30, G_MAXINT32);
          shifts[c] = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, -31, 32) : g_rand_int_range (rand, -12, 2);
          acc[c] = kind == 2 ? G_MININT32 : kind == 3 ? G_MAXINT32 : (gint32) g_rand_int (rand);
          if (kind > 3)
            acc[c] >>= g_rand_int_range (rand, 0, 31);
          if (kind >= 6)
            {
              /* Exact halves for SRDHM (a * 2^30 with a odd, a * 3 * 2^29 with a = 2 mod 4)
               * and for RDBPOT (small values, small right shifts). */
              multipliers[c] = kind == 6 ? 1 << 30 : 3 << 29;
              acc[c] = g_rand_int_range (rand, -1000, 1001);
              shifts[c] = g_rand_int_range (rand, -6, 1);
            }
          bias[c] = g_rand_int_range (rand, 0, 4) == 0 && kind < 6 ? (gint32) g_rand_int (rand) : g_rand_int_range (rand, -100, 100);
          {
            gint32 sum = (gint32) ((guint32) acc[c] + (guint32) (with_bias ? bias[c] : 0));
            gint32 value = kt_mbqm (sum, multipliers[c], shifts[c]) + rq.output_offset;
            expected[c] = (gint8) CLAMP (value, rq.act_min, rq.act_max);
          }
        }
      bitlens_requantize_row (&rq, acc, with_bias ? bias : NULL, n, out);
      g_assert_cmpmem (out, n, expected, n);
      check_requantize_lanes (&rq, acc, with_bias ? bias : NULL, n, expected);
    }
}

static void
test_portable_paths (void)
{
  if (g_test_subprocess ())
    {
      g_assert_false (bitlens_cpu_has_avx2 ());
      g_assert_false (bitlens_cpu_has_avx512_vpopcntdq ());
      g_assert_cmpstr (bitlens_cpu_describe (), ==, "generic (BITLENS_CPU=generic)");
      test_requantize_row ();
      test_conv_random ();
      test_depthwise_random ();
      test_conv_int8_blocking ();
      test_depthwise_int8_paths ();
      return;
    }
  test_rerun_with_generic_cpu ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    g_test_message ("SIMD level in this process: %s", bitlens_cpu_describe ());
  g_test_add_func ("/kernels/optimized/requantize-row", test_requantize_row);
  g_test_add_func ("/kernels/optimized/conv-random", test_conv_random);
  g_test_add_func ("/kernels/optimized/depthwise-random", test_depthwise_random);
  g_test_add_func ("/kernels/optimized/conv-int8-blocking", test_conv_int8_blocking);
  g_test_add_func ("/kernels/optimized/depthwise-int8-paths", test_depthwise_int8_paths);
  g_test_add_func ("/kernels/optimized/portable-paths", test_portable_paths);
  g_test_add_func ("/kernels/regions/pool-and-pad", test_pool_and_pad_regions);
  g_test_add_func ("/kernels/optimized/average-pool-int8-channels", test_average_pool_int8_channels);

  return g_test_run ();
}
