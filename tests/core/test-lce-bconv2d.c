/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kernels/cpu-features.h"
#include "lce-test-helpers.h"
#include "test-util.h"

/* LceBconv2d against an independent +-1 convolution written here from SEMANTICS.md
 * section 3, the optimized kernel against the reference byte for byte, regions, hand-worked
 * values and prepare's rejections. */

typedef struct
{
  int                batches, height, width;
  int                channels_in, groups, out_channels;
  int                filter_height, filter_width;
  int                stride_height, stride_width;
  int                dilation_height, dilation_width;
  BitlensPadding     padding;
  int                pad_values;
  BitlensActivation  activation;
  BitlensTensorType  output_type;          /* FLOAT32, INT8 or INT32 (bitpacked) */
  float              output_scale;
  int                output_zero_point;

  gint8             *input_signs;          /* [N,H,W,channels_in] */
  gint8             *filter_signs;         /* [Cout,Kh,Kw,channels_in/groups] */
  float             *post_multiplier;      /* [Cout] */
  float             *post_bias;            /* [Cout] */
  gint32            *thresholds;           /* [Cout] */
} BconvCase;

static void
bconv_case_clear (BconvCase *c)
{
  g_free (c->input_signs);
  g_free (c->filter_signs);
  g_free (c->post_multiplier);
  g_free (c->post_bias);
  g_free (c->thresholds);
}

static char *
bconv_case_describe (const BconvCase *c)
{
  return g_strdup_printf ("in [%d,%d,%d,%d] groups %d Cout %d filter %dx%d stride %dx%d dilation %dx%d "
                          "%s pad_values %d activation %d output %s scale %g zp %d",
                          c->batches, c->height, c->width, c->channels_in, c->groups, c->out_channels,
                          c->filter_height, c->filter_width, c->stride_height, c->stride_width,
                          c->dilation_height, c->dilation_width,
                          c->padding == BITLENS_PADDING_SAME ? "SAME" : "VALID", c->pad_values,
                          c->activation, bitlens_tensor_type_name (c->output_type),
                          (double) c->output_scale, c->output_zero_point);
}

/* Output size and padding before, as TFLite's padding.h (SEMANTICS.md section 2). */
static int
expected_output_size (BitlensPadding padding,
                      int            in,
                      int            filter,
                      int            stride,
                      int            dilation,
                      int           *pad_before)
{
  int effective = (filter - 1) * dilation + 1;
  int out = padding == BITLENS_PADDING_SAME ? (in + stride - 1) / stride : (in - effective + stride) / stride;
  int total = MAX (0, (out - 1) * stride + effective - in);

  *pad_before = total / 2;
  return out;
}

static BitlensModel *
bconv_case_build (const BconvCase *c,
                  GError         **error)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  int in_words = lce_test_words (c->channels_in);
  int group_channels = c->channels_in / c->groups;
  int filter_words = lce_test_words (group_channels);
  int pad_top, pad_left;
  int out_height = expected_output_size (c->padding, c->height, c->filter_height, c->stride_height,
                                         c->dilation_height, &pad_top);
  int out_width = expected_output_size (c->padding, c->width, c->filter_width, c->stride_width,
                                        c->dilation_width, &pad_left);
  g_autofree guint32 *filter = lce_test_pack_signs (c->filter_signs,
                                                    (gsize) c->out_channels * c->filter_height * c->filter_width,
                                                    group_channels);
  int input_shape[4] = { c->batches, c->height, c->width, in_words };
  int output_shape[4] = { c->batches, out_height, out_width,
                          c->output_type == BITLENS_TYPE_INT32 ? lce_test_words (c->out_channels) : c->out_channels };
  TestTensorSpec filter_spec = { .type = BITLENS_TYPE_INT32, .rank = 4,
                                 .shape = { c->out_channels, c->filter_height, c->filter_width, filter_words },
                                 .data = filter };
  TestTensorSpec vector_spec = { .type = BITLENS_TYPE_FLOAT32, .rank = 1, .shape = { c->out_channels } };
  TestTensorSpec thresholds_spec = { .type = BITLENS_TYPE_INT32, .rank = 1, .shape = { c->out_channels },
                                     .data = c->thresholds };
  BitlensOpOptions options;
  int inputs[5] = { -1, -1, -1, -1, -1 };
  int output;

  inputs[0] = test_model_add_activation (model, "input", BITLENS_TYPE_INT32, 4, input_shape, 0.0f, 0);
  inputs[1] = test_model_add_tensor (model, "filter", &filter_spec);
  if (c->output_type == BITLENS_TYPE_INT32)
    inputs[4] = test_model_add_tensor (model, "thresholds", &thresholds_spec);
  else
    {
      vector_spec.data = c->post_multiplier;
      inputs[2] = test_model_add_tensor (model, "post_activation_multiplier", &vector_spec);
      vector_spec.data = c->post_bias;
      inputs[3] = test_model_add_tensor (model, "post_activation_bias", &vector_spec);
    }
  if (c->output_type == BITLENS_TYPE_INT32)
    output = test_model_add_activation (model, "output", BITLENS_TYPE_INT32, 4, output_shape, 0.0f, 0);
  else
    output = test_model_add_activation (model, "output", c->output_type, 4, output_shape,
                                        c->output_scale, c->output_zero_point);

  bitlens_op_options_init (&options);
  options.channels_in = c->channels_in;
  options.padding = c->padding;
  options.pad_values = c->pad_values;
  options.stride_h = c->stride_height;
  options.stride_w = c->stride_width;
  options.dilation_h = c->dilation_height;
  options.dilation_w = c->dilation_width;
  options.activation = c->activation;
  test_model_add_op (model, BITLENS_OP_LCE_BCONV2D, 5, inputs, 1, &output, &options);
  if (!test_model_finish (model, 1, &inputs[0], 1, &output, error))
    return NULL;
  return g_steal_pointer (&model);
}

static guint32 *
bconv_case_packed_input (const BconvCase *c,
                         gsize           *n_bytes)
{
  gsize pixels = (gsize) c->batches * c->height * c->width;

  *n_bytes = pixels * lce_test_words (c->channels_in) * sizeof (guint32);
  return lce_test_pack_signs (c->input_signs, pixels, c->channels_in);
}

/* The independent implementation: a +-1 convolution on unpacked values, where a tap
 * outside the image sees +1 (pad_values 1) or 0 (pad_values 0), then the spec's output
 * transform. Returns the output tensor's bytes. */
static guint8 *
bconv_case_expected (const BconvCase *c,
                     gsize           *n_bytes)
{
  int group_channels = c->channels_in / c->groups;
  int out_per_group = c->out_channels / c->groups;
  int depth = c->filter_height * c->filter_width * group_channels;
  int pad_top, pad_left;
  int out_height = expected_output_size (c->padding, c->height, c->filter_height, c->stride_height,
                                         c->dilation_height, &pad_top);
  int out_width = expected_output_size (c->padding, c->width, c->filter_width, c->stride_width,
                                        c->dilation_width, &pad_left);
  int out_words = lce_test_words (c->out_channels);
  gsize pixels = (gsize) c->batches * out_height * out_width;
  gsize per_pixel = c->output_type == BITLENS_TYPE_INT32 ? out_words * 4u
                    : c->output_type == BITLENS_TYPE_INT8 ? (gsize) c->out_channels
                    : (gsize) c->out_channels * 4u;
  guint8 *expected = g_malloc0 (MAX (pixels * per_pixel, 1));
  /* Activation range of the dot product, clipped to [-K, K]. */
  int dot_min = -depth, dot_max = depth;
  double scale = c->output_type == BITLENS_TYPE_INT8 ? c->output_scale : 1.0;
  double zero_point = c->output_type == BITLENS_TYPE_INT8 ? c->output_zero_point : 0.0;

  switch (c->activation)
    {
    case BITLENS_ACTIVATION_RELU: dot_min = 0; break;
    case BITLENS_ACTIVATION_RELU6: dot_min = 0; dot_max = MIN (6, depth); break;
    case BITLENS_ACTIVATION_RELU_N1_TO_1: dot_min = -1; dot_max = 1; break;
    default: break;
    }

  *n_bytes = pixels * per_pixel;
  for (int b = 0; b < c->batches; b++)
    for (int oy = 0; oy < out_height; oy++)
      for (int ox = 0; ox < out_width; ox++)
        for (int oc = 0; oc < c->out_channels; oc++)
          {
            int group = oc / out_per_group;
            gsize pixel = ((gsize) b * out_height + oy) * out_width + ox;
            int dot = 0;

            for (int ky = 0; ky < c->filter_height; ky++)
              for (int kx = 0; kx < c->filter_width; kx++)
                for (int ci = 0; ci < group_channels; ci++)
                  {
                    int iy = oy * c->stride_height - pad_top + ky * c->dilation_height;
                    int ix = ox * c->stride_width - pad_left + kx * c->dilation_width;
                    int weight = c->filter_signs[(((gsize) oc * c->filter_height + ky) * c->filter_width + kx) * group_channels + ci];
                    int value;

                    if (iy >= 0 && iy < c->height && ix >= 0 && ix < c->width)
                      value = c->input_signs[(((gsize) b * c->height + iy) * c->width + ix) * c->channels_in
                                             + group * group_channels + ci];
                    else
                      value = c->pad_values;
                    dot += value * weight;
                  }

            if (c->output_type == BITLENS_TYPE_INT32)
              {
                /* The accumulator counts mismatches: dot = K - 2 * acc. */
                int accumulator = (depth - dot) / 2;
                g_assert_cmpint (depth - dot, ==, 2 * accumulator);
                if (accumulator > c->thresholds[oc])
                  ((guint32 *) expected)[pixel * out_words + oc / 32] |= 1u << (oc % 32);
              }
            else
              {
                double multiplier = c->post_multiplier[oc];
                float m = (float) (-multiplier / scale);
                float bias = (float) ((c->post_bias[oc] + (double) depth * multiplier) / scale + zero_point);
                int clamped = CLAMP (dot, dot_min, dot_max);
                float product = (float) (depth - clamped) * m;
                float y = product + bias;

                if (c->output_type == BITLENS_TYPE_FLOAT32)
                  ((float *) expected)[pixel * c->out_channels + oc] = y;
                else
                  {
                    float rounded = roundf (y);
                    ((gint8 *) expected)[pixel * c->out_channels + oc] =
                      (gint8) (rounded < -128.0f ? -128.0f : rounded > 127.0f ? 127.0f : rounded);
                  }
              }
          }
  return expected;
}

/* A random case; channels 1..100 (not only multiples of 32), groups up to 3. */
static void
bconv_case_random (GRand     *rand,
                   BconvCase *c)
{
  gsize n_inputs, n_filters;
  int depth;

  memset (c, 0, sizeof *c);
  c->batches = g_rand_int_range (rand, 1, 3);
  c->height = g_rand_int_range (rand, 1, 10);
  c->width = g_rand_int_range (rand, 1, 10);
  c->filter_height = g_rand_int_range (rand, 1, 5);
  c->filter_width = g_rand_int_range (rand, 1, 5);
  c->stride_height = g_rand_int_range (rand, 1, 4);
  c->stride_width = g_rand_int_range (rand, 1, 4);
  c->dilation_height = g_rand_int_range (rand, 1, 3);
  c->dilation_width = g_rand_int_range (rand, 1, 3);
  c->padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
  c->pad_values = g_rand_boolean (rand) ? 1 : 0;
  c->activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
  c->output_type = (BitlensTensorType[]) { BITLENS_TYPE_FLOAT32, BITLENS_TYPE_INT8, BITLENS_TYPE_INT32 }
                   [g_rand_int_range (rand, 0, 3)];

  if (c->padding == BITLENS_PADDING_VALID)
    {
      /* Keep the output non-empty. */
      c->height = MAX (c->height, (c->filter_height - 1) * c->dilation_height + 1);
      c->width = MAX (c->width, (c->filter_width - 1) * c->dilation_width + 1);
    }

  if (g_rand_int_range (rand, 0, 4) == 0)
    {
      c->groups = g_rand_int_range (rand, 2, 4);
      c->channels_in = c->groups * 32 * g_rand_int_range (rand, 1, 3);
      c->out_channels = c->groups * g_rand_int_range (rand, 1, 25);
    }
  else
    {
      c->groups = 1;
      c->channels_in = g_rand_int_range (rand, 1, 101);
      c->out_channels = g_rand_int_range (rand, 1, 71);
    }
  if (c->padding == BITLENS_PADDING_SAME && c->pad_values == 0 && c->channels_in % 2 != 0)
    c->channels_in++;

  depth = c->filter_height * c->filter_width * (c->channels_in / c->groups);
  n_inputs = (gsize) c->batches * c->height * c->width * c->channels_in;
  n_filters = (gsize) c->out_channels * c->filter_height * c->filter_width * (c->channels_in / c->groups);
  c->input_signs = lce_test_random_signs (rand, n_inputs);
  c->filter_signs = lce_test_random_signs (rand, n_filters);
  c->post_multiplier = g_new (float, c->out_channels);
  c->post_bias = g_new (float, c->out_channels);
  c->thresholds = g_new (gint32, c->out_channels);
  for (int oc = 0; oc < c->out_channels; oc++)
    {
      c->post_multiplier[oc] = (float) g_rand_double_range (rand, -2.0, 2.0);
      c->post_bias[oc] = (float) g_rand_double_range (rand, -5.0, 5.0);
      c->thresholds[oc] = g_rand_int_range (rand, -1, depth + 1);
    }
  c->output_scale = (float) g_rand_double_range (rand, 0.02, 2.0);
  c->output_zero_point = g_rand_int_range (rand, -20, 21);
}

/* (1) and (2): both kernels equal the independent implementation, hence each other. */
static void
check_case_against_expectation (const BconvCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bconv_case_build (c, &error);
  g_autofree char *description = bconv_case_describe (c);
  g_autofree guint32 *input = NULL;
  g_autofree guint8 *expected = NULL;
  g_autofree guint8 *reference = NULL;
  g_autofree guint8 *optimized = NULL;
  gsize input_bytes, expected_bytes;

  g_assert_no_error (error);
  input = bconv_case_packed_input (c, &input_bytes);
  expected = bconv_case_expected (c, &expected_bytes);
  reference = lce_test_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, input, input_bytes);
  optimized = lce_test_run (model, BITLENS_INTERPRETER_DEFAULT, input, input_bytes);

  if (memcmp (expected, reference, expected_bytes) != 0 || memcmp (expected, optimized, expected_bytes) != 0)
    g_test_message ("mismatch in case %s", description);
  g_assert_cmpmem (reference, expected_bytes, expected, expected_bytes);
  g_assert_cmpmem (optimized, expected_bytes, expected, expected_bytes);
}

static void
test_bconv2d_random_against_independent (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  int counts[3] = { 0 };

  for (int i = 0; i < 400; i++)
    {
      BconvCase c;

      bconv_case_random (rand, &c);
      check_case_against_expectation (&c);
      counts[c.output_type == BITLENS_TYPE_FLOAT32 ? 0 : c.output_type == BITLENS_TYPE_INT8 ? 1 : 2]++;
      bconv_case_clear (&c);
    }
  g_test_message ("%d float, %d int8, %d bitpacked cases, CPU path %s",
                  counts[0], counts[1], counts[2], bitlens_cpu_describe ());
  g_assert_cmpint (counts[0], >, 50);
  g_assert_cmpint (counts[1], >, 50);
  g_assert_cmpint (counts[2], >, 50);
}

/* Larger channel counts, where the AVX2 and AVX-512 loops run several full vectors. */
static void
test_bconv2d_wide_channels (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (777);

  for (int i = 0; i < 30; i++)
    {
      BconvCase c;

      bconv_case_random (rand, &c);
      c.channels_in = (int[]) { 128, 200, 256, 320, 511, 512 }[i % 6];
      if (i < 6)
        {
          /* 5x5 taps of 16 words: 400 words a channel, past the AVX2 loop's byte-counter
           * fold (every 31 vectors). */
          c.filter_height = c.filter_width = 5;
          c.channels_in = 512;
          c.out_channels = MAX (c.out_channels, 9);
          c.height = MAX (c.height, 4 * c.dilation_height + 1);
          c.width = MAX (c.width, 4 * c.dilation_width + 1);
        }
      if (c.padding == BITLENS_PADDING_SAME && c.pad_values == 0 && c.channels_in % 2 != 0)
        c.channels_in++;
      c.groups = i % 5 == 0 && c.channels_in % 64 == 0 ? 2 : 1;
      if (c.out_channels % c.groups != 0)
        c.out_channels++;
      g_free (c.input_signs);
      g_free (c.filter_signs);
      c.input_signs = lce_test_random_signs (rand, (gsize) c.batches * c.height * c.width * c.channels_in);
      c.filter_signs = lce_test_random_signs (rand, (gsize) c.out_channels * c.filter_height * c.filter_width
                                                    * (c.channels_in / c.groups));
      if (i < 2)
        {
          /* Every bit a mismatch: the largest counts the byte counters must hold. */
          memset (c.input_signs, -1, (gsize) c.batches * c.height * c.width * c.channels_in);
          memset (c.filter_signs, 1, (gsize) c.out_channels * c.filter_height * c.filter_width
                                     * (c.channels_in / c.groups));
        }
      c.post_multiplier = g_renew (float, c.post_multiplier, c.out_channels);
      c.post_bias = g_renew (float, c.post_bias, c.out_channels);
      c.thresholds = g_renew (gint32, c.thresholds, c.out_channels);
      for (int oc = 0; oc < c.out_channels; oc++)
        {
          c.post_multiplier[oc] = (float) g_rand_double_range (rand, -0.1, 0.1);
          c.post_bias[oc] = (float) g_rand_double_range (rand, -5.0, 5.0);
          c.thresholds[oc] = g_rand_int_range (rand, 0, c.filter_height * c.filter_width * c.channels_in / c.groups);
        }
      check_case_against_expectation (&c);
      bconv_case_clear (&c);
    }
}

/* (2) The optimized kernel equals the reference byte for byte, on arbitrary packed words
 * (padding bits of the input set too: both kernels must treat them alike). */
static void
compare_optimized_with_reference (guint32 seed,
                                  int     n_cases)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (int i = 0; i < n_cases; i++)
    {
      BconvCase c;
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      g_autofree guint32 *input = NULL;
      g_autofree guint8 *reference = NULL;
      g_autofree guint8 *optimized = NULL;
      const BitlensTensor *output;
      gsize input_bytes;

      bconv_case_random (rand, &c);
      model = bconv_case_build (&c, &error);
      g_assert_no_error (error);
      input = bconv_case_packed_input (&c, &input_bytes);
      for (gsize w = 0; w < input_bytes / 4; w++)
        input[w] = g_rand_int (rand);
      output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
      reference = lce_test_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, input, input_bytes);
      optimized = lce_test_run (model, BITLENS_INTERPRETER_DEFAULT, input, input_bytes);
      if (memcmp (reference, optimized, output->n_bytes) != 0)
        {
          g_autofree char *description = bconv_case_describe (&c);
          g_test_message ("optimized differs from reference: %s", description);
        }
      g_assert_cmpmem (optimized, output->n_bytes, reference, output->n_bytes);
      bconv_case_clear (&c);
    }
}

static void
test_bconv2d_optimized_equals_reference (void)
{
  compare_optimized_with_reference (99, 300);
}

/* The same with BITLENS_CPU=generic, in a child process (the CPU features are read once
 * per process). */
static void
test_bconv2d_optimized_generic_equals_reference (void)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpstr (bitlens_cpu_describe (), ==, "generic (BITLENS_CPU=generic)");
      compare_optimized_with_reference (4242, 200);
      return;
    }
  test_rerun_with_generic_cpu ();
}

/* (3) Computing sub-regions gives the whole output, and a region writes nothing outside. */
static void
test_bconv2d_regions (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31337);

  for (int i = 0; i < 120; i++)
    {
      BconvCase c;
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      g_autofree guint32 *input = NULL;
      const BitlensTensor *output;
      BitlensInterpreterFlags flags = i % 2 ? BITLENS_INTERPRETER_FORCE_REFERENCE : BITLENS_INTERPRETER_DEFAULT;
      int row_cuts[5], column_cuts[5], n_rows, n_columns;
      gsize input_bytes, per_pixel;
      BitlensRegion only;

      bconv_case_random (rand, &c);
      model = bconv_case_build (&c, &error);
      g_assert_no_error (error);
      input = bconv_case_packed_input (&c, &input_bytes);
      output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
      n_rows = lce_test_random_cuts (rand, output->shape[1], row_cuts);
      n_columns = lce_test_random_cuts (rand, output->shape[2], column_cuts);

      {
        g_autofree guint8 *whole = lce_test_run (model, flags, input, input_bytes);
        g_autofree guint8 *parts = lce_test_run_regions (model, flags, input, input_bytes,
                                                         row_cuts, n_rows, column_cuts, n_columns, NULL);
        g_assert_cmpmem (parts, output->n_bytes, whole, output->n_bytes);

        /* One region alone: inside equals the whole, outside keeps the 0xA5 fill. */
        only.y0 = g_rand_int_range (rand, 0, output->shape[1] + 1);
        only.y1 = g_rand_int_range (rand, only.y0, output->shape[1] + 1);
        only.x0 = g_rand_int_range (rand, 0, output->shape[2] + 1);
        only.x1 = g_rand_int_range (rand, only.x0, output->shape[2] + 1);
        {
          g_autofree guint8 *single = lce_test_run_regions (model, flags, input, input_bytes,
                                                            NULL, 0, NULL, 0, &only);
          per_pixel = output->n_bytes / ((gsize) output->shape[0] * output->shape[1] * output->shape[2]);
          for (int b = 0; b < output->shape[0]; b++)
            for (int y = 0; y < output->shape[1]; y++)
              for (int x = 0; x < output->shape[2]; x++)
                {
                  gsize offset = (((gsize) b * output->shape[1] + y) * output->shape[2] + x) * per_pixel;
                  gboolean inside = y >= only.y0 && y < only.y1 && x >= only.x0 && x < only.x1;

                  if (inside)
                    g_assert_cmpmem (single + offset, per_pixel, whole + offset, per_pixel);
                  else
                    for (gsize k = 0; k < per_pixel; k++)
                      g_assert_cmpuint (single[offset + k], ==, 0xA5);
                }
        }
      }
      bconv_case_clear (&c);
    }
}

/* (4) Hand-worked cases. */

/* Runs a [1,h,w,*] case given packed words and returns the output. */
static guint8 *
run_hand_case (BconvCase     *c,
               const guint32 *input_words,
               gsize          input_bytes,
               BitlensInterpreterFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bconv_case_build (c, &error);

  g_assert_no_error (error);
  return lce_test_run (model, flags, input_words, input_bytes);
}

static void
test_bconv2d_hand_worked (void)
{
  for (int k = 0; k < 2; k++)
    {
      BitlensInterpreterFlags flags = k ? BITLENS_INTERPRETER_FORCE_REFERENCE : BITLENS_INTERPRETER_DEFAULT;

      /* 2x2 input, 3 channels: pixel sums +3, +1, -1, -3 (words 0, 1, 3, 7); one 2x2
       * all-+1 filter. VALID: dot = 0, acc = 6 of K = 12. post_mul 0.5, bias 1:
       * m' = -0.5, b' = 1 + 12 * 0.5 = 7, y = 12 * -0.5 + 7 = 1 = 0.5 * 0 + 1. */
      {
        gint8 input_signs[12] = { 1, 1, 1,  -1, 1, 1,  -1, -1, 1,  -1, -1, -1 };
        gint8 filter_signs[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
        float multiplier[1] = { 0.5f }, bias[1] = { 1.0f };
        guint32 words[4] = { 0, 1, 3, 7 };
        BconvCase c = {
          .batches = 1, .height = 2, .width = 2, .channels_in = 3, .groups = 1, .out_channels = 1,
          .filter_height = 2, .filter_width = 2, .stride_height = 1, .stride_width = 1,
          .dilation_height = 1, .dilation_width = 1, .padding = BITLENS_PADDING_VALID,
          .pad_values = 0, .output_type = BITLENS_TYPE_FLOAT32,
          .input_signs = input_signs, .filter_signs = filter_signs,
          .post_multiplier = multiplier, .post_bias = bias,
        };
        g_autofree guint32 *packed = lce_test_pack_signs (input_signs, 4, 3);
        g_autofree float *valid = NULL;
        g_autofree float *same = NULL;

        g_assert_cmpmem (packed, sizeof words, words, sizeof words);
        valid = (float *) run_hand_case (&c, words, sizeof words, flags);
        g_assert_cmpfloat (valid[0], ==, 1.0f);

        /* SAME, pad_values 1, padding after only (total 1): outside taps are +1.
         * dots: (0,0) 0; (0,1) 1 - 3 + 3 + 3 = 4; (1,0) -1 - 3 + 3 + 3 = 2; (1,1) -3 + 9 = 6.
         * y = 0.5 * dot + 1. */
        c.padding = BITLENS_PADDING_SAME;
        c.pad_values = 1;
        same = (float *) run_hand_case (&c, words, sizeof words, flags);
        g_assert_cmpfloat (same[0], ==, 1.0f);
        g_assert_cmpfloat (same[1], ==, 3.0f);
        g_assert_cmpfloat (same[2], ==, 2.0f);
        g_assert_cmpfloat (same[3], ==, 4.0f);
      }

      /* 1x2 input, 2 channels: p0 = (-1, +1) word 1, p1 = (-1, -1) word 3. Filter 1x3:
       * f0 = (+1, +1), f1 = (-1, +1), f2 = (+1, -1) (words 0, 1, 2). SAME, stride 1:
       * one padding column each side. K = 6.
       * pad_values 0: out0 = 0 + p0.f1 + p1.f2 = 2 + 0 = 2; out1 = p0.f0 + p1.f1 + 0 = 0.
       * pad_values 1: out0 = (+1,+1).f0 + 2 = 4; out1 = 0 + (+1,+1).f2 = 0. */
      {
        gint8 input_signs[4] = { -1, 1, -1, -1 };
        gint8 filter_signs[6] = { 1, 1, -1, 1, 1, -1 };
        float multiplier[1] = { 1.0f }, bias[1] = { 0.0f };
        gint32 thresholds[1] = { 2 };
        guint32 words[2] = { 1, 3 };
        BconvCase c = {
          .batches = 1, .height = 1, .width = 2, .channels_in = 2, .groups = 1, .out_channels = 1,
          .filter_height = 1, .filter_width = 3, .stride_height = 1, .stride_width = 1,
          .dilation_height = 1, .dilation_width = 1, .padding = BITLENS_PADDING_SAME,
          .pad_values = 0, .output_type = BITLENS_TYPE_FLOAT32,
          .input_signs = input_signs, .filter_signs = filter_signs,
          .post_multiplier = multiplier, .post_bias = bias, .thresholds = thresholds,
        };

        {
          g_autofree float *out = (float *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpfloat (out[0], ==, 2.0f);
          g_assert_cmpfloat (out[1], ==, 0.0f);
        }
        c.pad_values = 1;
        {
          g_autofree float *out = (float *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpfloat (out[0], ==, 4.0f);
          g_assert_cmpfloat (out[1], ==, 0.0f);
        }

        /* RELU_N1_TO_1 clamps dot 2 to 1 (pad_values 0). */
        c.pad_values = 0;
        c.activation = BITLENS_ACTIVATION_RELU_N1_TO_1;
        {
          g_autofree float *out = (float *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpfloat (out[0], ==, 1.0f);
          g_assert_cmpfloat (out[1], ==, 0.0f);
        }

        /* int8, scale 0.5, zp -3, post_mul 1, bias 0.25: m' = -2, b' = 6.25 / 0.5 - 3 = 9.5.
         * dot 2 -> acc 2 -> x 4 -> 1.5 -> 2; dot 0 -> acc 3 -> x 6 -> -2.5 -> -3 (ties away
         * from zero). */
        c.activation = BITLENS_ACTIVATION_NONE;
        c.output_type = BITLENS_TYPE_INT8;
        c.output_scale = 0.5f;
        c.output_zero_point = -3;
        bias[0] = 0.25f;
        {
          g_autofree gint8 *out = (gint8 *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpint (out[0], ==, 2);
          g_assert_cmpint (out[1], ==, -3);
        }

        /* int8 saturation, post_mul 100 and bias -200: dot 2 gives (200 - 200) / 0.5 - 3 = -3,
         * dot 0 gives -400 - 3, saturated to -128. With bias 0: dot 2 gives 397 -> 127. */
        multiplier[0] = 100.0f;
        bias[0] = -200.0f;
        {
          g_autofree gint8 *out = (gint8 *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpint (out[0], ==, -3);
          g_assert_cmpint (out[1], ==, -128);
        }
        multiplier[0] = 100.0f;
        bias[0] = 0.0f;
        {
          g_autofree gint8 *out = (gint8 *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpint (out[0], ==, 127);
          g_assert_cmpint (out[1], ==, -3);
        }

        /* Bitpacked: acc 2 and 3 against threshold 2: bits 0 and 1. */
        c.output_type = BITLENS_TYPE_INT32;
        {
          g_autofree guint32 *out = (guint32 *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpuint (out[0], ==, 0);
          g_assert_cmpuint (out[1], ==, 1);
        }
      }

      /* Two groups of 32 channels, 1x1 filter, 2 output channels (one per group), VALID.
       * Input word 0 = 0xFFFFFFFF (group 0 all -1), word 1 = 0 (group 1 all +1). Filters
       * all +1: channel 0 sees dot -32 (acc 32), channel 1 dot +32 (acc 0). Float output
       * with post_mul 1, bias 0. */
      {
        gint8 input_signs[64], filter_signs[64];
        float multiplier[2] = { 1.0f, 1.0f }, bias[2] = { 0.0f, 0.0f };
        guint32 words[2] = { 0xFFFFFFFFu, 0 };
        BconvCase c = {
          .batches = 1, .height = 1, .width = 1, .channels_in = 64, .groups = 2, .out_channels = 2,
          .filter_height = 1, .filter_width = 1, .stride_height = 1, .stride_width = 1,
          .dilation_height = 1, .dilation_width = 1, .padding = BITLENS_PADDING_VALID,
          .output_type = BITLENS_TYPE_FLOAT32,
          .input_signs = input_signs, .filter_signs = filter_signs,
          .post_multiplier = multiplier, .post_bias = bias,
        };

        for (int i = 0; i < 64; i++)
          {
            input_signs[i] = i < 32 ? -1 : 1;
            filter_signs[i] = 1;
          }
        {
          g_autofree float *out = (float *) run_hand_case (&c, words, sizeof words, flags);
          g_assert_cmpfloat (out[0], ==, -32.0f);
          g_assert_cmpfloat (out[1], ==, 32.0f);
        }
      }
    }
}

/* (5) prepare rejects what eval could not run. */

typedef void (*BreakCaseFunc) (BconvCase *c, BitlensModel *model);

static void
expect_rejection (BitlensModel *model,
                  int           expected_code,
                  const char   *expected_text)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (bitlens_model_prepare_ops (model, &error));
  g_assert_error (error, BITLENS_ERROR, expected_code);
  if (strstr (error->message, expected_text) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, expected_text);
  g_test_message ("rejected: %s", error->message);
}

static BconvCase
small_case (BitlensTensorType output_type)
{
  static gint8 input_signs[2 * 2 * 40];
  static gint8 filter_signs[3 * 2 * 2 * 40];
  static float multiplier[3] = { 1, 1, 1 }, bias[3] = { 0, 0, 0 };
  static gint32 thresholds[3] = { 0, 0, 0 };
  BconvCase c = {
    .batches = 1, .height = 2, .width = 2, .channels_in = 40, .groups = 1, .out_channels = 3,
    .filter_height = 2, .filter_width = 2, .stride_height = 1, .stride_width = 1,
    .dilation_height = 1, .dilation_width = 1, .padding = BITLENS_PADDING_SAME, .pad_values = 1,
    .output_type = output_type, .output_scale = 0.5f, .output_zero_point = 0,
    .input_signs = input_signs, .filter_signs = filter_signs,
    .post_multiplier = multiplier, .post_bias = bias, .thresholds = thresholds,
  };

  memset (input_signs, 1, sizeof input_signs);
  memset (filter_signs, 1, sizeof filter_signs);
  return c;
}

/* Builds the small case without preparing it, so a test can break it first. */
static BitlensModel *
small_model_unprepared (BitlensTensorType output_type)
{
  BconvCase c = small_case (output_type);
  g_autoptr(GError) error = NULL;
  BitlensModel *model = bconv_case_build (&c, &error);

  g_assert_no_error (error);
  return model;
}

static void
test_bconv2d_prepare_rejections (void)
{
  /* The unbroken cases prepare. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT8);
    g_autoptr(GError) error = NULL;
    g_assert_true (bitlens_model_prepare_ops (model, &error));
    g_assert_no_error (error);
  }

  /* channels_in disagrees with the packed input depth (40 channels = 2 words). */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.channels_in = 70;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "input");
  }
  /* channels_in 0. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.channels_in = 0;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "channels_in");
  }
  /* pad_values 2, stride 0, dilation 0, padding 5, activation 9. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.pad_values = 2;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "pad_values");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.stride_h = 0;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "stride");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.dilation_w = -1;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "dilation");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.padding = 5;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "padding");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.activation = 9;
    expect_rejection (model, BITLENS_ERROR_MODEL_UNSUPPORTED, "activation");
  }
  /* SAME with pad_values 0 and odd channels_in: the reference kernel refuses it. */
  {
    gint8 input_signs[3] = { 1, 1, 1 }, filter_signs[3] = { 1, 1, 1 };
    float multiplier[1] = { 1 }, bias[1] = { 0 };
    BconvCase c = {
      .batches = 1, .height = 1, .width = 1, .channels_in = 3, .groups = 1, .out_channels = 1,
      .filter_height = 1, .filter_width = 1, .stride_height = 1, .stride_width = 1,
      .dilation_height = 1, .dilation_width = 1, .padding = BITLENS_PADDING_SAME, .pad_values = 0,
      .output_type = BITLENS_TYPE_FLOAT32, .input_signs = input_signs, .filter_signs = filter_signs,
      .post_multiplier = multiplier, .post_bias = bias,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(BitlensModel) model = bconv_case_build (&c, &error);
    g_assert_null (model);
    g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "even channels_in"));
  }
  /* The output shape does not match the convolution (height 3 instead of 2). */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    BitlensTensor *output = &model->tensors[model->ops[0].outputs[0]];
    output->shape[1] = 3;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "output");
  }
  /* Bitpacked output needs ceil (Cout / 32) words, not Cout. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT32);
    BitlensTensor *output = &model->tensors[model->ops[0].outputs[0]];
    output->shape[3] = 3;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "dimension 3 is 3, expected 1");
  }
  /* Missing thresholds for bitpacked output; missing multiplier for float output. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT32);
    model->ops[0].inputs[4] = -1;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "thresholds");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].inputs[2] = -1;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "post_activation_multiplier");
  }
  /* post_activation_bias of the wrong length. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->tensors[model->ops[0].inputs[3]].shape[0] = 2;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "post_activation_bias");
  }
  /* thresholds of the wrong type. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT32);
    model->tensors[model->ops[0].inputs[4]].type = BITLENS_TYPE_FLOAT32;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "thresholds");
  }
  /* int8 output without quantization, or with a zero scale. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT8);
    model->tensors[model->ops[0].outputs[0]].n_scales = 0;
    expect_rejection (model, BITLENS_ERROR_MODEL_UNSUPPORTED, "scale");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT8);
    model->tensors[model->ops[0].outputs[0]].scales[0] = 0.0f;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "scale");
  }
  /* A uint8 output. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_INT8);
    model->tensors[model->ops[0].outputs[0]].type = BITLENS_TYPE_UINT8;
    expect_rejection (model, BITLENS_ERROR_MODEL_UNSUPPORTED, "uint8");
  }
  /* A filter that is not constant, and one with a depth that does not divide the input. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->tensors[model->ops[0].inputs[1]].data = NULL;
    expect_rejection (model, BITLENS_ERROR_MODEL_UNSUPPORTED, "not a constant");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    /* 2 input words, filter of 1 word: 2 groups of 20 channels, not multiples of 32. */
    model->tensors[model->ops[0].inputs[1]].shape[3] = 1;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "multiple of 32");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.channels_in = 96;
    model->tensors[model->ops[0].inputs[0]].shape[3] = 3;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "does not divide");
  }
  /* 64 channels in 2 groups but 3 output channels. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.channels_in = 64;
    model->tensors[model->ops[0].inputs[1]].shape[3] = 1;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "do not split");
  }
  /* Input of rank 3, input of type int8. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->tensors[model->ops[0].inputs[0]].rank = 3;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "rank 4");
  }
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->tensors[model->ops[0].inputs[0]].type = BITLENS_TYPE_INT8;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "int8");
  }
  /* Four inputs instead of five. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].n_inputs = 4;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "4 inputs");
  }
  /* VALID with a filter larger than the input: empty output. */
  {
    g_autoptr(BitlensModel) model = small_model_unprepared (BITLENS_TYPE_FLOAT32);
    model->ops[0].options.padding = BITLENS_PADDING_VALID;
    model->ops[0].options.dilation_h = 3;
    expect_rejection (model, BITLENS_ERROR_MODEL_INVALID, "empty");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lce-bconv2d/random-against-independent", test_bconv2d_random_against_independent);
  g_test_add_func ("/lce-bconv2d/wide-channels", test_bconv2d_wide_channels);
  g_test_add_func ("/lce-bconv2d/optimized-equals-reference", test_bconv2d_optimized_equals_reference);
  g_test_add_func ("/lce-bconv2d/optimized-generic-equals-reference",
                   test_bconv2d_optimized_generic_equals_reference);
  g_test_add_func ("/lce-bconv2d/regions", test_bconv2d_regions);
  g_test_add_func ("/lce-bconv2d/hand-worked", test_bconv2d_hand_worked);
  g_test_add_func ("/lce-bconv2d/prepare-rejections", test_bconv2d_prepare_rejections);
  return g_test_run ();
}
