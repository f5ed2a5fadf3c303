/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The numeric building blocks of the trainer, forward and backward, on NHWC float arrays.
 * Convolutions go through im2col and a GEMM (OpenBLAS when the build has it, with one
 * thread, else plain loops); everything else is a loop in a fixed order, so a run is
 * reproducible bit for bit. Reductions accumulate in double. */

/* Batch-norm epsilon, as Keras's default. */
#define TRAIN_BATCH_NORM_EPSILON 1e-3

/* A square-kernel convolution with TFLite SAME padding (the odd extra after). */
typedef struct
{
  int in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int kernel;
  int stride;
  int pad_top, pad_left;
} TrainConvGeometry;

void   train_conv_geometry_init (TrainConvGeometry       *geometry,
                                 int                      in_h,
                                 int                      in_w,
                                 int                      in_c,
                                 int                      out_c,
                                 int                      kernel,
                                 int                      stride);
/* kernel * kernel * in_c: the length of a patch (OHWI order: filter_y, filter_x, channel). */
int    train_conv_patch_size    (const TrainConvGeometry *geometry);

/* One image [in_h, in_w, in_c] to patches [out_h * out_w, patch]; taps outside the image
 * read pad_value (0 for float convolutions, +1 for binary ones: Larq's one-padding). */
void   train_im2col             (const TrainConvGeometry *geometry,
                                 const float             *input,
                                 float                    pad_value,
                                 float                   *columns);
/* The adjoint: adds each patch entry back onto the input position it came from (taps
 * outside the image are dropped). */
void   train_col2im_add         (const TrainConvGeometry *geometry,
                                 const float             *columns,
                                 float                   *input_gradient);

/* C = alpha * op(A) op(B) + beta * C, row-major; op is a transpose when trans_* is TRUE. */
void   train_gemm               (gboolean                 trans_a,
                                 gboolean                 trans_b,
                                 int                      m,
                                 int                      n,
                                 int                      k,
                                 float                    alpha,
                                 const float             *a,
                                 int                      lda,
                                 const float             *b,
                                 int                      ldb,
                                 float                    beta,
                                 float                   *c,
                                 int                      ldc);
/* Loads the GEMM library (OpenBLAS, else a CBLAS; plain loops when none is found) and pins
 * it to one thread, so that its results never depend on scheduling. Once per process. */
void   train_gemm_init          (void);
/* The library whose cblas_sgemm train_gemm calls ("libopenblas.so.0" ...), NULL for the
 * plain loops. */
const char *train_gemm_get_library (void);

/* Convolution of `batch` images: output [batch, out_h, out_w, out_c] = input * filter,
 * filter [out_c, kernel, kernel, in_c], no bias: the patches of all images, then one GEMM.
 * `columns` is scratch of batch * out_h * out_w * patch floats. */
void   train_conv_forward       (const TrainConvGeometry *geometry,
                                 int                      batch,
                                 const float             *input,
                                 const float             *filter,
                                 float                    pad_value,
                                 float                   *columns,
                                 float                   *output);
/* Adds the filter gradient into filter_gradient and, when input_gradient is not NULL,
 * writes the input gradient (it is overwritten, not accumulated). `columns` and
 * `column_gradient` are scratch of batch * out_h * out_w * patch floats. */
void   train_conv_backward      (const TrainConvGeometry *geometry,
                                 int                      batch,
                                 const float             *input,
                                 const float             *filter,
                                 float                    pad_value,
                                 const float             *output_gradient,
                                 float                   *columns,
                                 float                   *column_gradient,
                                 float                   *filter_gradient,
                                 float                   *input_gradient);

/* Batch normalization over rows of `channels` values (rows = batch * height * width), with
 * the batch's mean and biased variance: xhat = (x - mean) * inv_std, y = gamma * xhat + beta.
 * Writes mean, inv_std (1 / sqrt (var + eps)), xhat and y; y may alias x. */
void   train_batch_norm_forward (gsize                    rows,
                                 int                      channels,
                                 const float             *x,
                                 const float             *gamma,
                                 const float             *beta,
                                 float                   *mean,
                                 float                   *variance,
                                 float                   *inv_std,
                                 float                   *xhat,
                                 float                   *y);
/* With fixed statistics (inference): y = gamma * (x - mean) / sqrt (var + eps) + beta. */
void   train_batch_norm_infer   (gsize                    rows,
                                 int                      channels,
                                 const float             *x,
                                 const float             *gamma,
                                 const float             *beta,
                                 const float             *mean,
                                 const float             *variance,
                                 float                   *y);
/* Adds into gamma_gradient and beta_gradient; writes x_gradient (may alias y_gradient). */
void   train_batch_norm_backward (gsize                   rows,
                                  int                     channels,
                                  const float            *y_gradient,
                                  const float            *xhat,
                                  const float            *gamma,
                                  const float            *inv_std,
                                  float                  *gamma_gradient,
                                  float                  *beta_gradient,
                                  float                  *x_gradient);

/* Larq's sign: +1 for x >= 0 (and NaN, as LceQuantize), else -1. */
static inline float
train_sign (float x)
{
  return x < 0.0f ? -1.0f : 1.0f;
}
void   train_sign_forward       (gsize                    n,
                                 const float             *x,
                                 float                   *y);
/* The straight-through estimator: the gradient passes where |x| <= 1 and is cancelled
 * elsewhere. x_gradient may alias y_gradient. */
void   train_sign_backward      (gsize                    n,
                                 const float             *x,
                                 const float             *y_gradient,
                                 float                   *x_gradient);

/* Max pooling, size x size windows at stride `size`, VALID, over `batch` images
 * [h, w, c]; records the input index of each output's maximum (the first in window order
 * on ties). Output [batch, h / size, w / size, c]. */
void   train_max_pool_forward   (int                      batch,
                                 int                      h,
                                 int                      w,
                                 int                      c,
                                 int                      size,
                                 const float             *x,
                                 float                   *y,
                                 guint32                 *argmax);
/* Writes x_gradient (n_in elements, zeroed first) from y_gradient (n_out elements). */
void   train_max_pool_backward  (gsize                    n_in,
                                 gsize                    n_out,
                                 const guint32           *argmax,
                                 const float             *y_gradient,
                                 float                   *x_gradient);

/* Global average pooling: [batch, h * w, c] -> [batch, c]. */
void   train_global_pool_forward  (int                    batch,
                                   int                    pixels,
                                   int                    c,
                                   const float           *x,
                                   float                 *y);
void   train_global_pool_backward (int                    batch,
                                   int                    pixels,
                                   int                    c,
                                   const float           *y_gradient,
                                   float                 *x_gradient);

/* Dense layer: y [batch, units] = x [batch, inputs] W^T + bias, W [units, inputs]. */
void   train_dense_forward      (int                      batch,
                                 int                      inputs,
                                 int                      units,
                                 const float             *x,
                                 const float             *weights,
                                 const float             *bias,
                                 float                   *y);
/* Adds into weights_gradient and bias_gradient; writes x_gradient when not NULL. */
void   train_dense_backward     (int                      batch,
                                 int                      inputs,
                                 int                      units,
                                 const float             *x,
                                 const float             *weights,
                                 const float             *y_gradient,
                                 float                   *weights_gradient,
                                 float                   *bias_gradient,
                                 float                   *x_gradient);

/* Two-class softmax cross-entropy against a soft target t = P(person), class 1 = person:
 * loss = -(t log p1 + (1 - t) log p0). Returns the summed loss of the batch and writes the
 * gradient of the *mean* loss with respect to the logits [batch, 2], and the probabilities
 * of class 1 when `person` is not NULL. */
double train_softmax_cross_entropy (int                   batch,
                                    const float          *logits,
                                    const float          *targets,
                                    float                *logits_gradient,
                                    float                *person);

G_END_DECLS
