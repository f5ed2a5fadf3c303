/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "kernel-test-helpers.h"
#include "kernels/cpu-features.h"
#include "saliency-private.h"
#include "test-util.h"

/* The channel-sparse delta updates of pointwise convolutions (saliency-delta.c) against
 * the reference kernel run on the changed input, byte for byte: random 1x1 int8
 * convolutions (channel counts across the 16-output blocks, the 64-output passes and
 * the 32-byte compare chunks; per-tensor and per-channel scales; with and without bias;
 * every fused activation; power-of-two scales whose sums land on rounding halves; input
 * zero points over the whole range), random changes inside a random rectangle, with the
 * extreme values: deltas of +-255 and weights of -128. The AVX2 path runs in this
 * process when the CPU has it, the portable path in a child with BITLENS_CPU=generic. */

#define N_CASES 250

typedef struct
{
  int n_cases;          /* delta computed */
  int n_dense;          /* refused as too dense */
  int n_saturated;      /* outputs at -128 or 127 among the changed pixels */
} DeltaStats;

/* Changes values of the pixels of @rect in @input with probability @density, some to
 * the opposite extreme of the clean value; returns how many changed. */
static gsize
change_inputs (GRand               *rand,
               gint8               *input,
               const KtConvCase    *c,
               const BitlensRegion *rect,
               double               density)
{
  gsize changed = 0;

  for (int y = rect->y0; y < rect->y1; y++)
    for (int x = rect->x0; x < rect->x1; x++)
      for (int k = 0; k < c->in_c; k++)
        {
          gint8 *value = input + ((gsize) y * c->in_w + x) * c->in_c + k;
          gint8 old = *value;

          if (g_rand_double (rand) >= density)
            continue;
          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0:
              *value = old < 0 ? 127 : -128;
              break;
            case 1:
              *value = (gint8) CLAMP (old + g_rand_int_range (rand, -2, 3), -128, 127);
              break;
            default:
              *value = (gint8) g_rand_int_range (rand, -128, 128);
              break;
            }
          changed += *value != old;
        }
  return changed;
}

static void
check_case (KtConvCase           *c,
            GRand                *rand,
            SaliencyDeltaScratch *scratch,
            DeltaStats           *stats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = NULL;
  const void *data[1];
  g_autofree guint8 *clean_output = NULL;
  g_autofree guint8 *expected = NULL;
  g_autofree gint8 *input = NULL;
  g_autofree gint8 *output = NULL;
  SaliencyPointwiseDelta *delta;
  BitlensRegion rect;
  double density;
  gsize changed, n_values;
  guint64 n_pixels = 0, n_pixels_expected = 0;
  gboolean done;

  g_assert_true (kt_conv_case_generate (c, rand));
  /* Weights of -128 (the int16 range's edge in the products), clean values at the
   * extremes (deltas of +-255). */
  for (gsize i = 0; i < c->n_filter; i++)
    if (g_rand_int_range (rand, 0, 10) == 0)
      ((gint8 *) c->filter)[i] = -128;
  for (gsize i = 0; i < c->n_input; i++)
    if (g_rand_int_range (rand, 0, 8) == 0)
      ((gint8 *) c->input)[i] = g_rand_boolean (rand) ? 127 : -128;
  model = kt_conv_case_model (c, &error);
  g_assert_no_error (error);

  data[0] = c->input;
  clean_output = kt_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, data);
  delta = saliency_pointwise_delta_new (model, 0, c->input);
  g_assert_nonnull (delta);

  rect.y0 = g_rand_int_range (rand, 0, c->in_h);
  rect.y1 = g_rand_int_range (rand, rect.y0 + 1, c->in_h + 1);
  rect.x0 = g_rand_int_range (rand, 0, c->in_w);
  rect.x1 = g_rand_int_range (rand, rect.x0 + 1, c->in_w + 1);
  density = (double[]) { 0.01, 0.1, 0.3, 0.45, 0.9 }[g_rand_int_range (rand, 0, 5)];
  input = g_memdup2 (c->input, c->n_input);
  changed = change_inputs (rand, input, c, &rect, density);
  n_values = (gsize) (rect.y1 - rect.y0) * (rect.x1 - rect.x0) * c->in_c;

  data[0] = input;
  expected = kt_run (model, BITLENS_INTERPRETER_FORCE_REFERENCE, data);
  output = g_memdup2 (clean_output, c->n_output);
  done = saliency_pointwise_delta_run (delta, scratch, input, output, &rect, &n_pixels);
  if (!done)
    {
      /* Refused only when dense, and then nothing is written. */
      g_assert_cmpuint (changed * 2, >, n_values);
      kt_assert_bytes_equal (output, clean_output, c->n_output);
      stats->n_dense++;
    }
  else
    {
      kt_assert_bytes_equal (output, expected, c->n_output);
      for (int y = rect.y0; y < rect.y1; y++)
        for (int x = rect.x0; x < rect.x1; x++)
          {
            gsize p = (gsize) y * c->in_w + x;

            if (memcmp (input + p * c->in_c, (const gint8 *) c->input + p * c->in_c, c->in_c) != 0)
              {
                n_pixels_expected++;
                for (int o = 0; o < c->out_c; o++)
                  {
                    gint8 v = (gint8) expected[p * c->out_c + o];
                    stats->n_saturated += v == -128 || v == 127;
                  }
              }
          }
      g_assert_cmpuint (n_pixels, ==, n_pixels_expected);
      stats->n_cases++;
    }
  saliency_pointwise_delta_free (delta);
}

static void
test_delta_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  DeltaStats stats = { 0 };
  /* One scratch for all cases: it grows and is reused like a worker's. */
  SaliencyDeltaScratch *scratch = saliency_delta_scratch_new ();
  static const int channel_counts[] = { 1, 3, 8, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 128, 136, 200, 256 };

  for (int i = 0; i < N_CASES; i++)
    {
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = BITLENS_TYPE_INT8, .groups = 1, .kh = 1, .kw = 1 };

      bitlens_op_options_init (&c.options);
      c.options.padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
      c.options.activation = (BitlensActivation) g_rand_int_range (rand, 0, 4);
      c.options.stride_h = c.options.stride_w = 1;
      c.per_channel = g_rand_boolean (rand);
      c.has_bias = g_rand_int_range (rand, 0, 6) != 0;
      c.power_of_two_scales = g_rand_int_range (rand, 0, 4) == 0;
      c.batches = 1;
      c.in_h = g_rand_int_range (rand, 1, 8);
      c.in_w = g_rand_int_range (rand, 1, 8);
      c.in_c = channel_counts[g_rand_int_range (rand, 0, G_N_ELEMENTS (channel_counts))];
      c.out_c = channel_counts[g_rand_int_range (rand, 0, G_N_ELEMENTS (channel_counts))];
      check_case (&c, rand, scratch, &stats);
      kt_conv_case_clear (&c);
    }
  saliency_delta_scratch_free (scratch);
  g_test_message ("%d cases by delta, %d refused as dense, %d saturated outputs",
                  stats.n_cases, stats.n_dense, stats.n_saturated);
  g_assert_cmpint (stats.n_cases, >, N_CASES / 2);
  g_assert_cmpint (stats.n_dense, >, 0);
  g_assert_cmpint (stats.n_saturated, >, 0);
}

/* Only int8 1x1 convolutions with stride 1 get a delta. */
static void
test_delta_applies (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  struct { int kh, stride; BitlensTensorType type; gboolean applies; } cases[] = {
    { 1, 1, BITLENS_TYPE_INT8, TRUE },
    { 3, 1, BITLENS_TYPE_INT8, FALSE },
    { 1, 2, BITLENS_TYPE_INT8, FALSE },
    { 1, 1, BITLENS_TYPE_FLOAT32, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      KtConvCase c = { .kind = BITLENS_OP_CONV_2D, .type = cases[i].type, .groups = 1,
                       .kh = cases[i].kh, .kw = cases[i].kh, .batches = 1, .in_h = 6, .in_w = 6,
                       .in_c = 16, .out_c = 16, .has_bias = TRUE };
      SaliencyPointwiseDelta *delta;

      bitlens_op_options_init (&c.options);
      c.options.padding = BITLENS_PADDING_SAME;
      c.options.stride_h = c.options.stride_w = cases[i].stride;
      g_assert_true (kt_conv_case_generate (&c, rand));
      model = kt_conv_case_model (&c, &error);
      g_assert_no_error (error);
      delta = saliency_pointwise_delta_new (model, 0, c.input);
      g_assert_true ((delta != NULL) == cases[i].applies);
      saliency_pointwise_delta_free (delta);
      kt_conv_case_clear (&c);
    }
}

static void
test_delta_portable (void)
{
  if (g_test_subprocess ())
    {
      g_assert_false (bitlens_cpu_has_avx2 ());
      test_delta_random ();
      return;
    }
  test_rerun_with_generic_cpu ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/saliency/delta/random", test_delta_random);
  g_test_add_func ("/saliency/delta/applies", test_delta_applies);
  g_test_add_func ("/saliency/delta/portable", test_delta_portable);

  return g_test_run ();
}
