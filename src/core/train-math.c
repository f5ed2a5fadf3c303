/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gmodule.h>

#include "kernels/quantization-math.h"
#include "train-math.h"

void
train_conv_geometry_init (TrainConvGeometry *geometry,
                          int                in_h,
                          int                in_w,
                          int                in_c,
                          int                out_c,
                          int                kernel,
                          int                stride)
{
  gboolean ok;

  geometry->in_h = in_h;
  geometry->in_w = in_w;
  geometry->in_c = in_c;
  geometry->out_c = out_c;
  geometry->kernel = kernel;
  geometry->stride = stride;
  ok = bitlens_compute_padding (BITLENS_PADDING_SAME, in_h, kernel, stride, 1,
                                &geometry->out_h, &geometry->pad_top);
  ok = ok && bitlens_compute_padding (BITLENS_PADDING_SAME, in_w, kernel, stride, 1,
                                      &geometry->out_w, &geometry->pad_left);
  g_assert (ok);
}

int
train_conv_patch_size (const TrainConvGeometry *geometry)
{
  return geometry->kernel * geometry->kernel * geometry->in_c;
}

void
train_im2col (const TrainConvGeometry *g,
              const float             *input,
              float                    pad_value,
              float                   *columns)
{
  float *out = columns;

  for (int out_y = 0; out_y < g->out_h; out_y++)
    for (int out_x = 0; out_x < g->out_w; out_x++)
      for (int fy = 0; fy < g->kernel; fy++)
        {
          int in_y = out_y * g->stride - g->pad_top + fy;

          for (int fx = 0; fx < g->kernel; fx++)
            {
              int in_x = out_x * g->stride - g->pad_left + fx;

              if (in_y < 0 || in_y >= g->in_h || in_x < 0 || in_x >= g->in_w)
                for (int c = 0; c < g->in_c; c++)
                  out[c] = pad_value;
              else
                memcpy (out, input + ((gsize) in_y * g->in_w + in_x) * g->in_c,
                        sizeof (float) * g->in_c);
              out += g->in_c;
            }
        }
}

void
train_col2im_add (const TrainConvGeometry *g,
                  const float             *columns,
                  float                   *input_gradient)
{
  const float *in = columns;

  for (int out_y = 0; out_y < g->out_h; out_y++)
    for (int out_x = 0; out_x < g->out_w; out_x++)
      for (int fy = 0; fy < g->kernel; fy++)
        {
          int in_y = out_y * g->stride - g->pad_top + fy;

          for (int fx = 0; fx < g->kernel; fx++)
            {
              int in_x = out_x * g->stride - g->pad_left + fx;

              if (in_y >= 0 && in_y < g->in_h && in_x >= 0 && in_x < g->in_w)
                {
                  float *target = input_gradient + ((gsize) in_y * g->in_w + in_x) * g->in_c;

                  for (int c = 0; c < g->in_c; c++)
                    target[c] += in[c];
                }
              in += g->in_c;
            }
        }
}

/* The float GEMM is cblas_sgemm of OpenBLAS (or of another CBLAS), loaded when training
 * starts instead of linked. Linked, the pthreads build of OpenBLAS that Debian installs
 * starts a thread per processor with the program, and each spins (sched_yield) for about
 * 0.1 s waiting for work in every bitlens process: the app and the CLI commands that never
 * multiply a float matrix, where it also inflated the CPU time `saliency --bench` measures.
 * The trainer pins it to one thread, so results never depend on scheduling. The CBLAS
 * argument values are the standard's (cblas.h: CblasRowMajor 101, CblasNoTrans 111,
 * CblasTrans 112). */
typedef void (*SgemmFunc) (int          order,
                           int          trans_a,
                           int          trans_b,
                           int          m,
                           int          n,
                           int          k,
                           float        alpha,
                           const float *a,
                           int          lda,
                           const float *b,
                           int          ldb,
                           float        beta,
                           float       *c,
                           int          ldc);

enum
{
  CBLAS_ROW_MAJOR = 101,
  CBLAS_NO_TRANS = 111,
  CBLAS_TRANS = 112,
};

static SgemmFunc sgemm;
static const char *sgemm_library;

void
train_gemm_init (void)
{
  static const char *const libraries[] = { "libopenblas.so.0", "libcblas.so.3", "libblas.so.3" };
  static gsize loaded = 0;

  if (!g_once_init_enter (&loaded))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (libraries) && sgemm == NULL; i++)
    {
      GModule *module = g_module_open (libraries[i], G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      gpointer symbol = NULL;

      if (module == NULL)
        continue;
      if (!g_module_symbol (module, "cblas_sgemm", &symbol))
        {
          g_module_close (module);
          continue;
        }
      sgemm = (SgemmFunc) symbol;
      sgemm_library = libraries[i];
      if (g_module_symbol (module, "openblas_set_num_threads", &symbol))
        ((void (*) (int)) symbol) (1);
      g_module_make_resident (module);
      g_debug ("float GEMM: cblas_sgemm of %s", libraries[i]);
    }
  if (sgemm == NULL)
    g_debug ("float GEMM: no CBLAS library found, plain loops");
  g_once_init_leave (&loaded, 1);
}

const char *
train_gemm_get_library (void)
{
  train_gemm_init ();
  return sgemm_library;
}

void
train_gemm (gboolean     trans_a,
            gboolean     trans_b,
            int          m,
            int          n,
            int          k,
            float        alpha,
            const float *a,
            int          lda,
            const float *b,
            int          ldb,
            float        beta,
            float       *c,
            int          ldc)
{
  train_gemm_init ();
  if (sgemm != NULL)
    {
      sgemm (CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS, trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS,
             m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        float total = 0.0f;

        for (int p = 0; p < k; p++)
          {
            float x = trans_a ? a[(gsize) p * lda + i] : a[(gsize) i * lda + p];
            float y = trans_b ? b[(gsize) j * ldb + p] : b[(gsize) p * ldb + j];
            total += x * y;
          }
        c[(gsize) i * ldc + j] = alpha * total + (beta == 0.0f ? 0.0f : beta * c[(gsize) i * ldc + j]);
      }
}

void
train_conv_forward (const TrainConvGeometry *g,
                    int                      batch,
                    const float             *input,
                    const float             *filter,
                    float                    pad_value,
                    float                   *columns,
                    float                   *output)
{
  int patch = train_conv_patch_size (g);
  int pixels = g->out_h * g->out_w;
  gsize in_size = (gsize) g->in_h * g->in_w * g->in_c;

  for (int n = 0; n < batch; n++)
    train_im2col (g, input + n * in_size, pad_value, columns + (gsize) n * pixels * patch);
  /* [batch * pixels, patch] x [out_c, patch]^T */
  train_gemm (FALSE, TRUE, batch * pixels, g->out_c, patch, 1.0f, columns, patch, filter, patch,
              0.0f, output, g->out_c);
}

void
train_conv_backward (const TrainConvGeometry *g,
                     int                      batch,
                     const float             *input,
                     const float             *filter,
                     float                    pad_value,
                     const float             *output_gradient,
                     float                   *columns,
                     float                   *column_gradient,
                     float                   *filter_gradient,
                     float                   *input_gradient)
{
  int patch = train_conv_patch_size (g);
  int pixels = g->out_h * g->out_w;
  int rows = batch * pixels;
  gsize in_size = (gsize) g->in_h * g->in_w * g->in_c;

  for (int n = 0; n < batch; n++)
    train_im2col (g, input + n * in_size, pad_value, columns + (gsize) n * pixels * patch);
  /* dW [out_c, patch] += dy^T [out_c, rows] x columns [rows, patch] */
  train_gemm (TRUE, FALSE, g->out_c, patch, rows, 1.0f, output_gradient, g->out_c, columns, patch,
              1.0f, filter_gradient, patch);
  if (input_gradient == NULL)
    return;
  /* dcolumns [rows, patch] = dy [rows, out_c] x W [out_c, patch] */
  train_gemm (FALSE, FALSE, rows, patch, g->out_c, 1.0f, output_gradient, g->out_c, filter, patch,
              0.0f, column_gradient, patch);
  memset (input_gradient, 0, sizeof (float) * in_size * batch);
  for (int n = 0; n < batch; n++)
    train_col2im_add (g, column_gradient + (gsize) n * pixels * patch, input_gradient + n * in_size);
}

void
train_batch_norm_forward (gsize        rows,
                          int          channels,
                          const float *x,
                          const float *gamma,
                          const float *beta,
                          float       *mean,
                          float       *variance,
                          float       *inv_std,
                          float       *xhat,
                          float       *y)
{
  g_autofree double *sum = g_new0 (double, channels);
  g_autofree double *squares = g_new0 (double, channels);

  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      sum[c] += x[r * channels + c];
  for (int c = 0; c < channels; c++)
    mean[c] = (float) (sum[c] / (double) rows);
  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      {
        double d = (double) x[r * channels + c] - (double) mean[c];
        squares[c] += d * d;
      }
  for (int c = 0; c < channels; c++)
    {
      variance[c] = (float) (squares[c] / (double) rows);
      inv_std[c] = (float) (1.0 / sqrt ((double) variance[c] + TRAIN_BATCH_NORM_EPSILON));
    }
  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      {
        float normalized = (x[r * channels + c] - mean[c]) * inv_std[c];
        xhat[r * channels + c] = normalized;
        y[r * channels + c] = gamma[c] * normalized + beta[c];
      }
}

void
train_batch_norm_infer (gsize        rows,
                        int          channels,
                        const float *x,
                        const float *gamma,
                        const float *beta,
                        const float *mean,
                        const float *variance,
                        float       *y)
{
  g_autofree float *scale = g_new (float, channels);

  for (int c = 0; c < channels; c++)
    scale[c] = (float) ((double) gamma[c] / sqrt ((double) variance[c] + TRAIN_BATCH_NORM_EPSILON));
  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      y[r * channels + c] = scale[c] * (x[r * channels + c] - mean[c]) + beta[c];
}

void
train_batch_norm_backward (gsize        rows,
                           int          channels,
                           const float *y_gradient,
                           const float *xhat,
                           const float *gamma,
                           const float *inv_std,
                           float       *gamma_gradient,
                           float       *beta_gradient,
                           float       *x_gradient)
{
  g_autofree double *sum_dy = g_new0 (double, channels);
  g_autofree double *sum_dy_xhat = g_new0 (double, channels);
  g_autofree float *mean_dy = g_new (float, channels);
  g_autofree float *mean_dy_xhat = g_new (float, channels);
  g_autofree float *scale = g_new (float, channels);

  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      {
        double dy = y_gradient[r * channels + c];
        sum_dy[c] += dy;
        sum_dy_xhat[c] += dy * xhat[r * channels + c];
      }
  for (int c = 0; c < channels; c++)
    {
      gamma_gradient[c] += (float) sum_dy_xhat[c];
      beta_gradient[c] += (float) sum_dy[c];
      mean_dy[c] = (float) (sum_dy[c] / (double) rows);
      mean_dy_xhat[c] = (float) (sum_dy_xhat[c] / (double) rows);
      scale[c] = gamma[c] * inv_std[c];
    }
  /* dx = gamma * inv_std * (dy - mean (dy) - xhat * mean (dy * xhat)) */
  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      {
        gsize i = r * channels + c;
        x_gradient[i] = scale[c] * (y_gradient[i] - mean_dy[c] - xhat[i] * mean_dy_xhat[c]);
      }
}

void
train_sign_forward (gsize        n,
                    const float *x,
                    float       *y)
{
  for (gsize i = 0; i < n; i++)
    y[i] = train_sign (x[i]);
}

void
train_sign_backward (gsize        n,
                     const float *x,
                     const float *y_gradient,
                     float       *x_gradient)
{
  for (gsize i = 0; i < n; i++)
    x_gradient[i] = fabsf (x[i]) <= 1.0f ? y_gradient[i] : 0.0f;
}

void
train_max_pool_forward (int          batch,
                        int          h,
                        int          w,
                        int          c,
                        int          size,
                        const float *x,
                        float       *y,
                        guint32     *argmax)
{
  int out_h = h / size, out_w = w / size;
  gsize o = 0;

  for (int n = 0; n < batch; n++)
    for (int oy = 0; oy < out_h; oy++)
      for (int ox = 0; ox < out_w; ox++)
        for (int ch = 0; ch < c; ch++, o++)
          {
            guint32 best_index = 0;
            float best = 0.0f;
            gboolean first = TRUE;

            for (int fy = 0; fy < size; fy++)
              for (int fx = 0; fx < size; fx++)
                {
                  gsize i = (((gsize) n * h + oy * size + fy) * w + ox * size + fx) * c + ch;

                  if (first || x[i] > best)
                    {
                      best = x[i];
                      best_index = (guint32) i;
                      first = FALSE;
                    }
                }
            y[o] = best;
            argmax[o] = best_index;
          }
}

void
train_max_pool_backward (gsize          n_in,
                         gsize          n_out,
                         const guint32 *argmax,
                         const float   *y_gradient,
                         float         *x_gradient)
{
  memset (x_gradient, 0, sizeof (float) * n_in);
  for (gsize o = 0; o < n_out; o++)
    x_gradient[argmax[o]] += y_gradient[o];
}

void
train_global_pool_forward (int          batch,
                           int          pixels,
                           int          c,
                           const float *x,
                           float       *y)
{
  g_autofree double *sum = g_new (double, c);

  for (int n = 0; n < batch; n++)
    {
      const float *image = x + (gsize) n * pixels * c;

      memset (sum, 0, sizeof (double) * c);
      for (int p = 0; p < pixels; p++)
        for (int ch = 0; ch < c; ch++)
          sum[ch] += image[(gsize) p * c + ch];
      for (int ch = 0; ch < c; ch++)
        y[(gsize) n * c + ch] = (float) (sum[ch] / pixels);
    }
}

void
train_global_pool_backward (int          batch,
                            int          pixels,
                            int          c,
                            const float *y_gradient,
                            float       *x_gradient)
{
  float share = 1.0f / (float) pixels;

  for (int n = 0; n < batch; n++)
    for (int p = 0; p < pixels; p++)
      for (int ch = 0; ch < c; ch++)
        x_gradient[((gsize) n * pixels + p) * c + ch] = y_gradient[(gsize) n * c + ch] * share;
}

void
train_dense_forward (int          batch,
                     int          inputs,
                     int          units,
                     const float *x,
                     const float *weights,
                     const float *bias,
                     float       *y)
{
  for (int n = 0; n < batch; n++)
    for (int u = 0; u < units; u++)
      {
        double total = 0.0;

        for (int i = 0; i < inputs; i++)
          total += (double) x[(gsize) n * inputs + i] * weights[(gsize) u * inputs + i];
        y[(gsize) n * units + u] = (float) total + bias[u];
      }
}

void
train_dense_backward (int          batch,
                      int          inputs,
                      int          units,
                      const float *x,
                      const float *weights,
                      const float *y_gradient,
                      float       *weights_gradient,
                      float       *bias_gradient,
                      float       *x_gradient)
{
  for (int u = 0; u < units; u++)
    {
      double bias_total = 0.0;

      for (int n = 0; n < batch; n++)
        bias_total += y_gradient[(gsize) n * units + u];
      bias_gradient[u] += (float) bias_total;
      for (int i = 0; i < inputs; i++)
        {
          double total = 0.0;

          for (int n = 0; n < batch; n++)
            total += (double) y_gradient[(gsize) n * units + u] * x[(gsize) n * inputs + i];
          weights_gradient[(gsize) u * inputs + i] += (float) total;
        }
    }
  if (x_gradient != NULL)
    for (int n = 0; n < batch; n++)
      for (int i = 0; i < inputs; i++)
        {
          double total = 0.0;

          for (int u = 0; u < units; u++)
            total += (double) y_gradient[(gsize) n * units + u] * weights[(gsize) u * inputs + i];
          x_gradient[(gsize) n * inputs + i] = (float) total;
        }
}

double
train_softmax_cross_entropy (int          batch,
                             const float *logits,
                             const float *targets,
                             float       *logits_gradient,
                             float       *person)
{
  double total = 0.0;

  for (int n = 0; n < batch; n++)
    {
      double z0 = logits[2 * n], z1 = logits[2 * n + 1];
      double top = MAX (z0, z1);
      double log_sum = top + log (exp (z0 - top) + exp (z1 - top));
      double log_p0 = z0 - log_sum, log_p1 = z1 - log_sum;
      double p1 = exp (log_p1);
      double t = targets[n];

      total -= t * log_p1 + (1.0 - t) * log_p0;
      /* d loss / d z1 = p1 - t, d loss / d z0 = p0 - (1 - t) = t - p1; of the mean. */
      logits_gradient[2 * n + 1] = (float) ((p1 - t) / batch);
      logits_gradient[2 * n] = (float) ((t - p1) / batch);
      if (person != NULL)
        person[n] = (float) p1;
    }
  return total;
}
