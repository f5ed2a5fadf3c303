/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gmodule.h>

#include <bitlens/bitlens.h>

#include "train-math.h"
#include "train-network.h"
#include "train-rng.h"

/* The trainer's layers: forward passes against naive definitions written here, backward
 * passes against central finite differences of a random linear read-out of the output
 * (L = sum r_i y_i, accumulated in double), the straight-through estimator, Adam against a
 * hand-worked step, and the architecture text. */

static void
fill_uniform (float   *values,
              gsize    n,
              double   low,
              double   high,
              guint64  key)
{
  TrainRng rng;

  train_rng_init (&rng, 12345, 99, key);
  for (gsize i = 0; i < n; i++)
    values[i] = (float) train_rng_range (&rng, low, high);
}

static double
read_out (const float *y,
          const float *r,
          gsize        n)
{
  double total = 0.0;

  for (gsize i = 0; i < n; i++)
    total += (double) y[i] * r[i];
  return total;
}

/* |analytic - numeric| <= tolerance * max (1, |analytic|, |numeric|) */
static void
assert_gradient_close (double      analytic,
                       double      numeric,
                       double      tolerance,
                       const char *what,
                       gsize       index)
{
  double scale = MAX (1.0, MAX (fabs (analytic), fabs (numeric)));

  if (fabs (analytic - numeric) > tolerance * scale)
    g_error ("%s[%" G_GSIZE_FORMAT "]: analytic %.8g, numeric %.8g", what, index, analytic, numeric);
}

/* Convolution */

typedef struct
{
  int h, w, in_c, out_c, kernel, stride, batch;
  float pad_value;
} ConvCase;

/* Direct convolution from the definition: SAME padding as TFLite (pad before = total / 2),
 * outside taps read pad_value. */
static void
naive_conv (const ConvCase *c,
            const float    *input,
            const float    *filter,
            float          *output,
            int            *out_h_out,
            int            *out_w_out)
{
  int out_h = (c->h + c->stride - 1) / c->stride;
  int out_w = (c->w + c->stride - 1) / c->stride;
  int pad_h = MAX (0, (out_h - 1) * c->stride + c->kernel - c->h) / 2;
  int pad_w = MAX (0, (out_w - 1) * c->stride + c->kernel - c->w) / 2;

  for (int n = 0; n < c->batch; n++)
    for (int oy = 0; oy < out_h; oy++)
      for (int ox = 0; ox < out_w; ox++)
        for (int oc = 0; oc < c->out_c; oc++)
          {
            double total = 0.0;

            for (int fy = 0; fy < c->kernel; fy++)
              for (int fx = 0; fx < c->kernel; fx++)
                for (int ic = 0; ic < c->in_c; ic++)
                  {
                    int y = oy * c->stride - pad_h + fy, x = ox * c->stride - pad_w + fx;
                    double value = (y < 0 || y >= c->h || x < 0 || x >= c->w)
                                   ? c->pad_value
                                   : input[(((gsize) n * c->h + y) * c->w + x) * c->in_c + ic];
                    total += value * filter[(((gsize) oc * c->kernel + fy) * c->kernel + fx) * c->in_c + ic];
                  }
            output[(((gsize) n * out_h + oy) * out_w + ox) * c->out_c + oc] = (float) total;
          }
  *out_h_out = out_h;
  *out_w_out = out_w;
}

static void
check_conv_case (const ConvCase *c)
{
  TrainConvGeometry g;
  gsize in_n, out_n, w_n, col_n;
  g_autofree float *input = NULL, *filter = NULL, *output = NULL, *expected = NULL;
  g_autofree float *columns = NULL, *column_gradient = NULL, *r = NULL;
  g_autofree float *filter_gradient = NULL, *input_gradient = NULL;
  int out_h, out_w;
  const float h = 1e-2f;

  train_conv_geometry_init (&g, c->h, c->w, c->in_c, c->out_c, c->kernel, c->stride);
  in_n = (gsize) c->batch * c->h * c->w * c->in_c;
  w_n = (gsize) c->out_c * c->kernel * c->kernel * c->in_c;
  out_n = (gsize) c->batch * g.out_h * g.out_w * c->out_c;
  col_n = (gsize) c->batch * g.out_h * g.out_w * train_conv_patch_size (&g);
  input = g_new (float, in_n);
  filter = g_new (float, w_n);
  output = g_new (float, out_n);
  expected = g_new (float, out_n);
  columns = g_new (float, col_n);
  column_gradient = g_new (float, col_n);
  r = g_new (float, out_n);
  filter_gradient = g_new0 (float, w_n);
  input_gradient = g_new (float, in_n);
  fill_uniform (input, in_n, -1, 1, 1);
  fill_uniform (filter, w_n, -1, 1, 2);
  fill_uniform (r, out_n, -1, 1, 3);

  /* Forward against the definition. */
  train_conv_forward (&g, c->batch, input, filter, c->pad_value, columns, output);
  naive_conv (c, input, filter, expected, &out_h, &out_w);
  g_assert_cmpint (out_h, ==, g.out_h);
  g_assert_cmpint (out_w, ==, g.out_w);
  for (gsize i = 0; i < out_n; i++)
    g_assert_cmpfloat_with_epsilon (output[i], expected[i], 1e-4);

  /* Backward against finite differences of L = r . conv (input, filter). */
  train_conv_backward (&g, c->batch, input, filter, c->pad_value, r, columns, column_gradient,
                       filter_gradient, input_gradient);
  for (gsize i = 0; i < w_n; i += 1 + w_n / 40)
    {
      float saved = filter[i];
      double plus, minus;

      filter[i] = saved + h;
      train_conv_forward (&g, c->batch, input, filter, c->pad_value, columns, output);
      plus = read_out (output, r, out_n);
      filter[i] = saved - h;
      train_conv_forward (&g, c->batch, input, filter, c->pad_value, columns, output);
      minus = read_out (output, r, out_n);
      filter[i] = saved;
      assert_gradient_close (filter_gradient[i], (plus - minus) / (2.0 * h), 2e-3, "filter gradient", i);
    }
  for (gsize i = 0; i < in_n; i += 1 + in_n / 40)
    {
      float saved = input[i];
      double plus, minus;

      input[i] = saved + h;
      train_conv_forward (&g, c->batch, input, filter, c->pad_value, columns, output);
      plus = read_out (output, r, out_n);
      input[i] = saved - h;
      train_conv_forward (&g, c->batch, input, filter, c->pad_value, columns, output);
      minus = read_out (output, r, out_n);
      input[i] = saved;
      assert_gradient_close (input_gradient[i], (plus - minus) / (2.0 * h), 2e-3, "input gradient", i);
    }

  /* The filter gradient accumulates. */
  {
    g_autofree float *twice = g_memdup2 (filter_gradient, sizeof (float) * w_n);

    train_conv_backward (&g, c->batch, input, filter, c->pad_value, r, columns, column_gradient,
                         twice, NULL);
    for (gsize i = 0; i < w_n; i++)
      g_assert_cmpfloat_with_epsilon (twice[i], 2.0f * filter_gradient[i], 1e-4 * MAX (1.0f, fabsf (twice[i])));
  }
}

static void
test_conv (void)
{
  const ConvCase cases[] = {
    { 7, 6, 3, 4, 3, 1, 2, 0.0f },
    { 7, 6, 3, 4, 3, 2, 2, 0.0f },
    { 8, 8, 5, 3, 3, 2, 1, 1.0f },    /* one-padding, even size: pad after only */
    { 5, 9, 2, 6, 5, 1, 3, 1.0f },
    { 6, 6, 4, 2, 1, 3, 2, 0.0f },
    { 4, 4, 33, 2, 3, 1, 1, 1.0f },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      check_conv_case (&cases[i]);
    }
}

static void
test_conv_geometry (void)
{
  TrainConvGeometry g;

  /* 96 / stride 2, kernel 3: out 48, total padding 1: none before, one after. */
  train_conv_geometry_init (&g, 96, 96, 3, 32, 3, 2);
  g_assert_cmpint (g.out_h, ==, 48);
  g_assert_cmpint (g.pad_top, ==, 0);
  g_assert_cmpint (g.pad_left, ==, 0);
  /* Stride 1, kernel 3: one before, one after. */
  train_conv_geometry_init (&g, 24, 24, 32, 64, 3, 1);
  g_assert_cmpint (g.out_w, ==, 24);
  g_assert_cmpint (g.pad_left, ==, 1);
  g_assert_cmpint (train_conv_patch_size (&g), ==, 288);
}

/* Batch norm */

static void
test_batch_norm (void)
{
  const gsize rows = 37;
  const int channels = 5;
  gsize n = rows * channels;
  g_autofree float *x = g_new (float, n), *y = g_new (float, n), *xhat = g_new (float, n);
  g_autofree float *r = g_new (float, n), *dx = g_new (float, n);
  float gamma[5], beta[5], mean[5], variance[5], inv_std[5];
  float dgamma[5] = { 0 }, dbeta[5] = { 0 };
  const float h = 1e-2f;

  fill_uniform (x, n, -2, 3, 10);
  fill_uniform (gamma, channels, 0.5, 1.5, 11);
  fill_uniform (beta, channels, -1, 1, 12);
  fill_uniform (r, n, -1, 1, 13);

  train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
  /* Against the definition, in double. */
  for (int c = 0; c < channels; c++)
    {
      double m = 0.0, v = 0.0;

      for (gsize i = 0; i < rows; i++)
        m += x[i * channels + c];
      m /= rows;
      for (gsize i = 0; i < rows; i++)
        v += (x[i * channels + c] - m) * (x[i * channels + c] - m);
      v /= rows;
      g_assert_cmpfloat_with_epsilon (mean[c], m, 1e-6);
      g_assert_cmpfloat_with_epsilon (variance[c], v, 1e-5);
      for (gsize i = 0; i < rows; i++)
        {
          double expected = gamma[c] * (x[i * channels + c] - m) / sqrt (v + TRAIN_BATCH_NORM_EPSILON) + beta[c];
          g_assert_cmpfloat_with_epsilon (y[i * channels + c], expected, 1e-5);
        }
    }

  train_batch_norm_backward (rows, channels, r, xhat, gamma, inv_std, dgamma, dbeta, dx);
  for (gsize i = 0; i < n; i += 3)
    {
      float saved = x[i];
      double plus, minus;

      x[i] = saved + h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      plus = read_out (y, r, n);
      x[i] = saved - h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      minus = read_out (y, r, n);
      x[i] = saved;
      assert_gradient_close (dx[i], (plus - minus) / (2.0 * h), 2e-3, "batch norm input gradient", i);
    }
  for (int c = 0; c < channels; c++)
    {
      float saved = gamma[c];
      double plus, minus;

      gamma[c] = saved + h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      plus = read_out (y, r, n);
      gamma[c] = saved - h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      minus = read_out (y, r, n);
      gamma[c] = saved;
      assert_gradient_close (dgamma[c], (plus - minus) / (2.0 * h), 2e-3, "gamma gradient", c);

      saved = beta[c];
      beta[c] = saved + h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      plus = read_out (y, r, n);
      beta[c] = saved - h;
      train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
      minus = read_out (y, r, n);
      beta[c] = saved;
      assert_gradient_close (dbeta[c], (plus - minus) / (2.0 * h), 2e-3, "beta gradient", c);
    }

  /* Inference with the batch's own statistics gives the training output. */
  {
    g_autofree float *inferred = g_new (float, n);

    train_batch_norm_forward (rows, channels, x, gamma, beta, mean, variance, inv_std, xhat, y);
    train_batch_norm_infer (rows, channels, x, gamma, beta, mean, variance, inferred);
    for (gsize i = 0; i < n; i++)
      g_assert_cmpfloat_with_epsilon (inferred[i], y[i], 1e-5);
  }
}

/* Sign and the straight-through estimator */

static void
test_sign_ste (void)
{
  const float x[] = { -2.0f, -1.0f, -0.5f, -0.0f, 0.0f, 0.25f, 1.0f, 1.0001f, 3.0f, NAN };
  const float expected_sign[] = { -1, -1, -1, 1, 1, 1, 1, 1, 1, 1 };
  /* The gradient passes where |x| <= 1 (Larq's ste_sign, clip_value 1). */
  const float expected_gradient[] = { 0, 10, 10, 10, 10, 10, 10, 0, 0, 0 };
  float y[10], dy[10], dx[10];

  train_sign_forward (10, x, y);
  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpfloat (y[i], ==, expected_sign[i]);
      dy[i] = 10.0f;
    }
  train_sign_backward (10, x, dy, dx);
  for (int i = 0; i < 10; i++)
    g_assert_cmpfloat (dx[i], ==, expected_gradient[i]);
}

/* Pools, dense, loss */

static void
test_max_pool (void)
{
  /* One image 4x4, 2 channels; channel 1 = -channel 0. */
  float x[32], y[8], dy[8], dx[32];
  guint32 argmax[8];
  const float values[16] = { 1, 5, 2, 0,
                             3, 4, 8, 8,
                             -1, -2, 0, 0,
                             -3, -9, 0, 7 };
  const float expected0[4] = { 5, 8, -1, 7 };
  const float expected1[4] = { -1, 0, 9, 0 };

  for (int i = 0; i < 16; i++)
    {
      x[2 * i] = values[i];
      x[2 * i + 1] = -values[i];
    }
  train_max_pool_forward (1, 4, 4, 2, 2, x, y, argmax);
  for (int o = 0; o < 4; o++)
    {
      g_assert_cmpfloat (y[2 * o], ==, expected0[o]);
      g_assert_cmpfloat (y[2 * o + 1], ==, expected1[o]);
    }
  /* Ties go to the first in window order: the 8 at (1, 2) (window 1, channel 0), the -0 at
   * (2, 2) (window 3, channel 1). */
  g_assert_cmpuint (argmax[2], ==, (1 * 4 + 2) * 2);
  g_assert_cmpuint (argmax[7], ==, (2 * 4 + 2) * 2 + 1);

  for (int o = 0; o < 8; o++)
    dy[o] = (float) (o + 1);
  train_max_pool_backward (32, 8, argmax, dy, dx);
  for (int i = 0; i < 32; i++)
    {
      float expected = 0.0f;
      for (int o = 0; o < 8; o++)
        if (argmax[o] == (guint32) i)
          expected += dy[o];
      g_assert_cmpfloat (dx[i], ==, expected);
    }
  g_assert_cmpfloat (dx[(0 * 4 + 1) * 2], ==, 1.0f);   /* the 5 of window 0, channel 0 */
}

static void
test_global_pool_dense (void)
{
  const int batch = 3, pixels = 5, c = 4, units = 2;
  float x[60], pooled[12], w[8], b[2], y[6], r[6];
  float dw[8] = { 0 }, db[2] = { 0 }, dpooled[12], dx[60];
  const float h = 1e-2f;

  fill_uniform (x, 60, -1, 1, 20);
  fill_uniform (w, 8, -1, 1, 21);
  fill_uniform (b, 2, -1, 1, 22);
  fill_uniform (r, 6, -1, 1, 23);

  train_global_pool_forward (batch, pixels, c, x, pooled);
  for (int n = 0; n < batch; n++)
    for (int ch = 0; ch < c; ch++)
      {
        double total = 0.0;
        for (int p = 0; p < pixels; p++)
          total += x[(n * pixels + p) * c + ch];
        g_assert_cmpfloat_with_epsilon (pooled[n * c + ch], total / pixels, 1e-6);
      }
  train_dense_forward (batch, c, units, pooled, w, b, y);
  train_dense_backward (batch, c, units, pooled, w, r, dw, db, dpooled);
  train_global_pool_backward (batch, pixels, c, dpooled, dx);

  /* L = r . dense (global_pool (x)) */
  for (int i = 0; i < 60; i++)
    {
      float saved = x[i];
      double plus, minus;

      x[i] = saved + h;
      train_global_pool_forward (batch, pixels, c, x, pooled);
      train_dense_forward (batch, c, units, pooled, w, b, y);
      plus = read_out (y, r, 6);
      x[i] = saved - h;
      train_global_pool_forward (batch, pixels, c, x, pooled);
      train_dense_forward (batch, c, units, pooled, w, b, y);
      minus = read_out (y, r, 6);
      x[i] = saved;
      assert_gradient_close (dx[i], (plus - minus) / (2.0 * h), 1e-3, "pool input gradient", i);
    }
  train_global_pool_forward (batch, pixels, c, x, pooled);
  for (int i = 0; i < 8; i++)
    {
      float saved = w[i];
      double plus, minus;

      w[i] = saved + h;
      train_dense_forward (batch, c, units, pooled, w, b, y);
      plus = read_out (y, r, 6);
      w[i] = saved - h;
      train_dense_forward (batch, c, units, pooled, w, b, y);
      minus = read_out (y, r, 6);
      w[i] = saved;
      assert_gradient_close (dw[i], (plus - minus) / (2.0 * h), 1e-3, "dense weight gradient", i);
    }
  for (int u = 0; u < units; u++)
    {
      double expected = 0.0;
      for (int n = 0; n < batch; n++)
        expected += r[n * units + u];
      g_assert_cmpfloat_with_epsilon (db[u], expected, 1e-5);
    }
}

static void
test_softmax_cross_entropy (void)
{
  float logits[8] = { 0.5f, -1.0f, 2.0f, 2.0f, -3.0f, 1.5f, 0.0f, 0.0f };
  const float targets[4] = { 1.0f, 0.25f, 0.0f, 0.7f };
  float gradient[8], person[4], scratch[8];
  double loss;
  const float h = 1e-3f;

  loss = train_softmax_cross_entropy (4, logits, targets, gradient, person);
  /* Hand-worked: sample 1 has equal logits: p = 0.5, loss ln 2; sample 3 likewise. */
  g_assert_cmpfloat_with_epsilon (person[1], 0.5, 1e-7);
  g_assert_cmpfloat_with_epsilon (person[3], 0.5, 1e-7);
  {
    double p0 = 1.0 / (1.0 + exp (-(-1.0 - 0.5)));      /* person probability of sample 0 */
    double p2 = 1.0 / (1.0 + exp (-(1.5 + 3.0)));
    double expected = -log (p0) + log (2.0) - log (1.0 - p2) + log (2.0);
    g_assert_cmpfloat_with_epsilon (loss, expected, 1e-6);
    g_assert_cmpfloat_with_epsilon (person[0], p0, 1e-7);
  }
  for (int i = 0; i < 8; i++)
    {
      float saved = logits[i];
      double plus, minus;

      logits[i] = saved + h;
      plus = train_softmax_cross_entropy (4, logits, targets, scratch, NULL);
      logits[i] = saved - h;
      minus = train_softmax_cross_entropy (4, logits, targets, scratch, NULL);
      logits[i] = saved;
      /* The gradient is of the mean loss. */
      assert_gradient_close (gradient[i], (plus - minus) / (2.0 * h) / 4.0, 1e-3, "logit gradient", (gsize) i);
    }
}

/* Whole network: the parameters after the last sign (last batch norm, dense, the auxiliary
 * feature head) have true gradients; check them against finite differences of the
 * training loss (cross-entropy plus the weighted feature error). */
static void
test_network_head_gradients (void)
{
  TrainArch arch;
  TrainNetwork *network;
  g_autoptr(GError) error = NULL;
  const int batch = 6;
  float targets[6] = { 1, 0, 0.3f, 1, 0, 0.8f };
  g_autofree float *gradients = NULL;
  const TrainLayer *last;
  const float h = 1e-2f;
  gsize checks[128];
  int n_checks = 0;

  g_assert_true (train_arch_parse ("4s2,8,m,8", 12, 3, &arch, &error));
  g_assert_no_error (error);
  network = train_network_new (&arch, batch, 2, 3);
  g_assert_cmpint (train_network_add_hint (network, arch.n_layers - 1, 5), ==, 0);
  train_network_init (network, 7);
  fill_uniform (network->input, (gsize) batch * 12 * 12 * 3, 0, 1, 30);
  fill_uniform (network->aux_targets, (gsize) batch * 3, 0, 2, 31);
  fill_uniform (network->hints[0].targets, (gsize) batch * 3 * 3 * 5, -1, 2, 32);

  train_network_forward (network, batch, 1.0f);
  train_softmax_cross_entropy (batch, network->logits, targets, network->logits_gradient, NULL);
  train_network_aux_loss (network, batch, 0.5f);
  train_network_hint_loss (network, batch, 0.7f);
  train_network_backward (network, batch);
  gradients = g_memdup2 (network->gradients, sizeof (float) * network->n_params);

  last = &network->layers[arch.n_layers - 1];
  for (int c = 0; c < 8; c++)
    {
      checks[n_checks++] = last->gamma + c;
      checks[n_checks++] = last->beta + c;
    }
  for (gsize i = network->dense_weights; i < network->aux_weights; i++)
    checks[n_checks++] = i;
  for (gsize i = network->aux_weights; i < network->hints[0].weights; i += 3)
    checks[n_checks++] = i;
  for (gsize i = network->hints[0].weights; i < network->n_params; i += 2)
    checks[n_checks++] = i;

  for (int k = 0; k < n_checks; k++)
    {
      gsize i = checks[k];
      float saved = network->params[i];
      float scratch[12];
      double plus, minus;

      network->params[i] = saved + h;
      train_network_forward (network, batch, 1.0f);
      plus = train_softmax_cross_entropy (batch, network->logits, targets, scratch, NULL) / batch
             + train_network_aux_loss (network, batch, 0.5f) / batch
             + train_network_hint_loss (network, batch, 0.7f) / batch;
      network->params[i] = saved - h;
      train_network_forward (network, batch, 1.0f);
      minus = train_softmax_cross_entropy (batch, network->logits, targets, scratch, NULL) / batch
              + train_network_aux_loss (network, batch, 0.5f) / batch
              + train_network_hint_loss (network, batch, 0.7f) / batch;
      network->params[i] = saved;
      assert_gradient_close (gradients[i], (plus - minus) / (2.0 * h), 2e-3, "network parameter", i);
    }
  /* Momentum 1 left the running statistics alone. */
  g_assert_cmpfloat (network->state[last->running_variance], ==, 1.0f);
  train_network_free (network);
}

/* A residual block passes its input's gradient straight through. With the input far from
 * zero (|x| > 1) the sign's straight-through gradient is cancelled, so the gradient of the
 * previous layer's batch norm comes from the shortcut alone and matches finite
 * differences. */
static void
test_network_residual_gradients (void)
{
  TrainArch arch;
  TrainNetwork *network;
  g_autoptr(GError) error = NULL;
  const int batch = 4;
  float targets[4] = { 1, 0, 0.3f, 0.9f };
  g_autofree float *gradients = NULL;
  const TrainLayer *feeding, *block;
  const float h = 1e-3f;

  g_assert_true (train_arch_parse ("4s2,8,8r", 12, 3, &arch, &error));
  network = train_network_new (&arch, batch, 1, 0);
  train_network_init (network, 5);
  feeding = &network->layers[1];
  block = &network->layers[2];
  for (int c = 0; c < 8; c++)
    {
      network->params[feeding->gamma + c] = 0.1f;
      network->params[feeding->beta + c] = c % 2 ? 3.0f : -3.0f;
    }
  fill_uniform (network->input, (gsize) batch * 12 * 12 * 3, 0, 1, 60);

  train_network_forward (network, batch, 1.0f);
  for (gsize i = 0; i < (gsize) batch * 6 * 6 * 8; i++)
    g_assert_cmpfloat (fabsf (feeding->output[i]), >, 1.0f);
  train_softmax_cross_entropy (batch, network->logits, targets, network->logits_gradient, NULL);
  train_network_backward (network, batch);
  gradients = g_memdup2 (network->gradients, sizeof (float) * network->n_params);

  for (int c = 0; c < 8; c++)
    {
      const gsize checks[4] = { feeding->gamma + c, feeding->beta + c, block->gamma + c, block->beta + c };

      for (int k = 0; k < 4; k++)
        {
          gsize i = checks[k];
          float saved = network->params[i];
          float scratch[8];
          double plus, minus;

          network->params[i] = saved + h;
          train_network_forward (network, batch, 1.0f);
          plus = train_softmax_cross_entropy (batch, network->logits, targets, scratch, NULL) / batch;
          network->params[i] = saved - h;
          train_network_forward (network, batch, 1.0f);
          minus = train_softmax_cross_entropy (batch, network->logits, targets, scratch, NULL) / batch;
          network->params[i] = saved;
          assert_gradient_close (gradients[i], (plus - minus) / (2.0 * h), 2e-3, "residual network parameter", i);
        }
    }
  /* The feeding layer's gradient is not zero: it flows through the shortcut. */
  g_assert_cmpfloat (fabsf (gradients[feeding->beta]) + fabsf (gradients[feeding->beta + 1]), >, 1e-6f);
  train_network_free (network);
}

/* The chunked, threaded convolutions give the same bits with one worker or three. */
static void
test_network_workers (void)
{
  TrainArch arch;
  TrainNetwork *one, *three;
  g_autoptr(GError) error = NULL;
  const int batch = 10;
  float targets[10];

  g_assert_true (train_arch_parse ("8s2,32,32r,m,32r", 16, 1, &arch, &error));
  one = train_network_new (&arch, batch, 1, 0);
  three = train_network_new (&arch, batch, 3, 0);
  train_network_init (one, 3);
  train_network_init (three, 3);
  fill_uniform (one->input, (gsize) batch * 16 * 16, 0, 1, 40);
  memcpy (three->input, one->input, sizeof (float) * batch * 16 * 16);
  for (int i = 0; i < batch; i++)
    targets[i] = (float) (i % 2);

  train_network_forward (one, batch, 0.9f);
  train_network_forward (three, batch, 0.9f);
  train_softmax_cross_entropy (batch, one->logits, targets, one->logits_gradient, NULL);
  train_softmax_cross_entropy (batch, three->logits, targets, three->logits_gradient, NULL);
  train_network_backward (one, batch);
  train_network_backward (three, batch);
  g_assert_cmpmem (one->logits, sizeof (float) * 2 * batch, three->logits, sizeof (float) * 2 * batch);
  g_assert_cmpmem (one->gradients, sizeof (float) * one->n_params, three->gradients, sizeof (float) * three->n_params);
  g_assert_cmpmem (one->state, sizeof (float) * one->n_state, three->state, sizeof (float) * three->n_state);
  train_network_free (one);
  train_network_free (three);
}

/* Binary layers see signs: their forward output is an exact integer +-1 dot product, padded
 * with +1. */
static void
test_binary_layer_is_exact (void)
{
  TrainArch arch;
  TrainNetwork *network;
  g_autoptr(GError) error = NULL;
  const TrainLayer *layer;
  const int batch = 2;

  g_assert_true (train_arch_parse ("4,33", 5, 3, &arch, &error));
  network = train_network_new (&arch, batch, 1, 0);
  train_network_init (network, 11);
  fill_uniform (network->input, (gsize) batch * 5 * 5 * 3, 0, 1, 50);
  train_network_infer (network, batch);
  layer = &network->layers[1];

  /* layer->conv holds the binary convolution's output (inference does not overwrite it). */
  for (int n = 0; n < batch; n++)
    for (int oy = 0; oy < 5; oy++)
      for (int ox = 0; ox < 5; ox++)
        for (int oc = 0; oc < 33; oc++)
          {
            int dot = 0;

            for (int fy = 0; fy < 3; fy++)
              for (int fx = 0; fx < 3; fx++)
                for (int ic = 0; ic < 4; ic++)
                  {
                    int y = oy - 1 + fy, x = ox - 1 + fx;
                    float a = (y < 0 || y >= 5 || x < 0 || x >= 5)
                              ? 1.0f
                              : network->layers[0].output[(((gsize) n * 5 + y) * 5 + x) * 4 + ic];
                    float w = network->params[layer->weights + (((gsize) oc * 3 + fy) * 3 + fx) * 4 + ic];
                    int sa = (y < 0 || y >= 5 || x < 0 || x >= 5) ? 1 : (a < 0 ? -1 : 1);
                    dot += sa * (w < 0 ? -1 : 1);
                  }
            g_assert_cmpfloat (layer->conv[(((gsize) n * 5 + oy) * 5 + ox) * 33 + oc], ==, (float) dot);
          }
  train_network_free (network);
}

/* Precise statistics: the running statistics become the average of the batches' means and
 * unbiased variances (a forward with momentum 0 stores one batch's). */
static void
test_network_statistics (void)
{
  TrainArch arch;
  TrainNetwork *network;
  g_autoptr(GError) error = NULL;
  const int batch = 4;
  gsize floats = (gsize) batch * 12 * 12 * 3;
  g_autofree float *first = NULL, *second = NULL, *input_a = g_new (float, floats), *input_b = g_new (float, floats);

  g_assert_true (train_arch_parse ("4s2,8,m,8r", 12, 3, &arch, &error));
  network = train_network_new (&arch, batch, 1, 0);
  train_network_init (network, 8);
  fill_uniform (input_a, floats, 0, 1, 70);
  fill_uniform (input_b, floats, 0, 1, 71);

  memcpy (network->input, input_a, sizeof (float) * floats);
  train_network_forward (network, batch, 0.0f);
  first = g_memdup2 (network->state, sizeof (float) * network->n_state);
  memcpy (network->input, input_b, sizeof (float) * floats);
  train_network_forward (network, batch, 0.0f);
  second = g_memdup2 (network->state, sizeof (float) * network->n_state);

  train_network_init (network, 8);
  train_network_statistics_begin (network);
  memcpy (network->input, input_a, sizeof (float) * floats);
  train_network_forward (network, batch, 0.9f);
  memcpy (network->input, input_b, sizeof (float) * floats);
  train_network_forward (network, batch, 0.9f);
  train_network_statistics_end (network);
  for (gsize i = 0; i < network->n_state; i++)
    g_assert_cmpfloat_with_epsilon (network->state[i], 0.5 * ((double) first[i] + second[i]),
                                    1e-6 * MAX (1.0, fabs (network->state[i])));
  /* Variances are unbiased: 4 images of 6x6 pixels per batch for the first binary layer. */
  g_assert_cmpfloat (network->state[network->layers[1].running_variance], >, 0.0f);
  train_network_free (network);
}

/* Adam */

static void
test_adam (void)
{
  TrainAdam *adam = train_adam_new (2);
  float params[2] = { 1.0f, -0.5f };
  const float gradients[2] = { 0.2f, -4.0f };

  /* First step: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps) = lr * sign (g). */
  train_adam_step (adam, params, gradients, 0.01);
  g_assert_cmpfloat_with_epsilon (params[0], 0.99, 1e-6);
  g_assert_cmpfloat_with_epsilon (params[1], -0.49, 1e-6);
  /* Second step with the same gradient: m_hat = g, v_hat = g^2 again. */
  train_adam_step (adam, params, gradients, 0.01);
  g_assert_cmpfloat_with_epsilon (params[0], 0.98, 1e-6);
  g_assert_cmpfloat_with_epsilon (params[1], -0.48, 1e-6);
  g_assert_cmpuint (adam->step, ==, 2);
  train_adam_free (adam);
}

/* Architecture text */

static void
test_arch (void)
{
  TrainArch arch;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *bad[] = { "32", "m,32,64", "32,m,m,64", "32,64,m", "0,64", "32,64x", "32,64s9",
                        "32,64k4", "", "32,,64", "32r,32", "32,64r", "32,32s2r", "32,64,64rk3" };

  g_assert_true (train_arch_parse (TRAIN_DEFAULT_ARCH, 96, 3, &arch, &error));
  g_assert_no_error (error);
  g_assert_cmpint (arch.n_layers, ==, 5);
  g_assert_false (arch.layers[0].binary);
  g_assert_true (arch.layers[1].binary);
  g_assert_cmpint (arch.layers[0].stride, ==, 2);
  g_assert_true (arch.layers[1].pool);
  g_assert_false (arch.layers[4].pool);
  text = train_arch_to_string (&arch);
  g_assert_cmpstr (text, ==, TRAIN_DEFAULT_ARCH);
  g_clear_pointer (&text, g_free);

  g_assert_true (train_arch_parse (" 16s2k5 , m, 32s2 ,64k1", 96, 1, &arch, &error));
  text = train_arch_to_string (&arch);
  g_assert_cmpstr (text, ==, "16s2k5,m,32s2,64k1");
  g_clear_pointer (&text, g_free);

  /* Residual blocks, and which layers hand floats to the next. */
  g_assert_true (train_arch_parse ("32s2,64,64r,m,64k5r,128", 96, 3, &arch, &error));
  g_assert_no_error (error);
  text = train_arch_to_string (&arch);
  g_assert_cmpstr (text, ==, "32s2,64,64r,m,64k5r,128");
  g_assert_true (arch.layers[2].residual && arch.layers[3].residual && !arch.layers[4].residual);
  g_assert_cmpint (arch.layers[3].kernel, ==, 5);
  g_assert_false (train_arch_float_output (&arch, 0));
  g_assert_true (train_arch_float_output (&arch, 1));     /* feeds a residual block */
  g_assert_true (train_arch_float_output (&arch, 2));
  g_assert_true (train_arch_float_output (&arch, 3));
  g_assert_true (train_arch_float_output (&arch, 4));     /* the last */

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("bad architecture \"%s\"", bad[i]);
      g_assert_false (train_arch_parse (bad[i], 96, 3, &arch, &error));
      g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
      g_clear_error (&error);
    }
}

/* OpenBLAS, when installed (tools/install-deps), is the one the trainer loads: the plain
 * loops would be much slower and round differently. */
static void
test_gemm_library (void)
{
  GModule *probe = g_module_open ("libopenblas.so.0", G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

  if (probe == NULL)
    {
      g_test_skip ("libopenblas.so.0 is not installed");
      return;
    }
  g_module_close (probe);
  g_assert_cmpstr (train_gemm_get_library (), ==, "libopenblas.so.0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  train_gemm_init ();
  g_test_add_func ("/train-layers/gemm-library", test_gemm_library);
  g_test_add_func ("/train-layers/conv-geometry", test_conv_geometry);
  g_test_add_func ("/train-layers/conv", test_conv);
  g_test_add_func ("/train-layers/batch-norm", test_batch_norm);
  g_test_add_func ("/train-layers/sign-ste", test_sign_ste);
  g_test_add_func ("/train-layers/max-pool", test_max_pool);
  g_test_add_func ("/train-layers/global-pool-dense", test_global_pool_dense);
  g_test_add_func ("/train-layers/softmax-cross-entropy", test_softmax_cross_entropy);
  g_test_add_func ("/train-layers/network-head-gradients", test_network_head_gradients);
  g_test_add_func ("/train-layers/network-residual-gradients", test_network_residual_gradients);
  g_test_add_func ("/train-layers/network-workers", test_network_workers);
  g_test_add_func ("/train-layers/binary-layer-is-exact", test_binary_layer_is_exact);
  g_test_add_func ("/train-layers/statistics", test_network_statistics);
  g_test_add_func ("/train-layers/adam", test_adam);
  g_test_add_func ("/train-layers/arch", test_arch);
  return g_test_run ();
}
