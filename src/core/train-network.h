/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "train-math.h"

G_BEGIN_DECLS

/* The network the trainer learns, Larq style:
 *
 *   image (pixel / 255) -> float conv + batch norm [-> max pool]
 *     -> { sign (STE) -> binary conv (sign of latent weights) + batch norm [-> max pool] }+
 *     -> global average pool -> dense (2 logits, class 1 = person) -> softmax
 *
 * Binary convolutions pad with +1 (Larq's one-padding); their latent weights stay in
 * [-1, 1] (Larq's weight clip) and get the straight-through gradient. The last binary
 * convolution has no pooling: its batch norm output feeds the global pool.
 *
 * A binary convolution may be residual (Bi-Real Net style): its input x stays in float and
 * the block computes x + BN (bconv (sign (x))); it keeps the channels and the size (stride 1).
 * A layer whose output feeds a residual block, or is a residual block, outputs floats;
 * other binary layers output signs.
 *
 * An architecture is written as comma-separated tokens: "C[sS][kK][r]" a convolution of C
 * output channels, stride S (default 1), kernel K (default 3), residual when "r" ends it;
 * "m" a 2x2 max pool after the convolution before it. The first convolution is the float
 * one. Example (the default): "32s2,64,m,128,m,128,m,256". */

#define TRAIN_MAX_LAYERS 16
#define TRAIN_CLASSES 2
#define TRAIN_DEFAULT_ARCH "32s2,64,m,128,m,128,m,256"
/* Convolutions run on chunks of this many images, one GEMM each, chunks spread over the
 * workers; filter gradients are summed chunk by chunk in order, so the result does not
 * depend on the worker count. */
#define TRAIN_CONV_CHUNK 4

typedef struct
{
  gboolean binary;     /* FALSE for the first, float, convolution */
  int      out_c;
  int      kernel;
  int      stride;
  gboolean pool;       /* 2x2 max pool, stride 2, after the batch norm (and the sum) */
  gboolean residual;   /* binary, stride 1, as many channels as its input: x + BN (...) */
} TrainLayerSpec;

typedef struct
{
  int            input_size;   /* height = width */
  int            channels;     /* 1 (gray) or 3 (RGB) */
  int            n_layers;
  TrainLayerSpec layers[TRAIN_MAX_LAYERS];
} TrainArch;

gboolean  train_arch_parse     (const char      *text,
                                int              input_size,
                                int              channels,
                                TrainArch       *arch,
                                GError         **error);
/* The canonical text ("32s2,64,m,..."), which parses back to the same architecture. */
/* TRUE when layer l's output is float for the layers after it (it is residual, the last, or
 * feeds a residual layer); FALSE when only its signs are used. */
gboolean  train_arch_float_output (const TrainArch *arch,
                                   int              l);
char     *train_arch_to_string (const TrainArch *arch);

typedef struct
{
  TrainLayerSpec     spec;
  TrainConvGeometry  geometry;
  int                out_h, out_w;       /* after the optional pool */

  /* Offsets into the network's parameters (weights [out_c, k, k, in_c], gamma, beta) and
   * state (running mean and variance). */
  gsize              weights, gamma, beta;
  gsize              running_mean, running_variance;

  /* Per batch. */
  float             *input_signs;        /* binary layers: sign of the input */
  float             *effective_weights;  /* binary layers: sign of the latent weights */
  float             *conv;               /* convolution output, then overwritten by xhat */
  float             *normalized;         /* batch norm output (plus the input when residual) */
  float             *output;             /* pooled, or == normalized */
  guint32           *argmax;
  float             *batch_mean, *batch_variance, *batch_inv_std;
} TrainLayer;

/* Hint distillation (FitNets): a float 1x1 convolution (an adapter, not exported) from a
 * layer's output to a feature map of the teacher of the same height and width, trained by
 * mean squared error. */
#define TRAIN_MAX_HINTS 2

typedef struct
{
  int          layer;
  int          channels;                 /* the teacher map's */
  gsize        weights, bias;            /* [channels, layer out_c], [channels] */
  float       *prediction;               /* [batch * pixels, channels] */
  float       *targets;
  float       *gradient;                 /* of the prediction */
  float       *output_gradient;          /* [batch * pixels, layer out_c] */
} TrainHint;

typedef struct
{
  TrainArch    arch;
  TrainLayer   layers[TRAIN_MAX_LAYERS];
  int          features;                 /* channels of the last layer */
  gsize        dense_weights, dense_bias;
  /* Feature distillation: a float dense head from the pooled features to the teacher's
   * features, trained by mean squared error and left out of the export. */
  int          aux_outputs;              /* 0: none */
  gsize        aux_weights, aux_bias;
  float       *aux_output;               /* [batch, aux_outputs] */
  float       *aux_targets;
  float       *aux_gradient;
  float       *aux_features_gradient;    /* [batch, features] */
  int          n_hints;
  TrainHint    hints[TRAIN_MAX_HINTS];

  gsize        n_params;
  float       *params;
  float       *gradients;
  gsize        n_state;
  float       *state;
  /* While estimating the statistics: per state entry, the sum of batch means (running
   * mean entries) or of unbiased batch variances (running variance entries). */
  double      *statistics_sums;
  guint        statistics_batches;

  int          batch_capacity;
  guint        n_workers;
  float      **columns;                  /* per worker: TRAIN_CONV_CHUNK images' patches */
  float      **column_gradient;
  float       *partial_gradients;        /* per chunk: one layer's filter gradient */
  float       *input;                    /* [batch, size, size, channels] */
  float       *pooled_features;          /* [batch, features] */
  float       *logits;                   /* [batch, 2] */
  float       *logits_gradient;
  float       *features_gradient;
  float       *gradient_a, *gradient_b, *gradient_shortcut;
} TrainNetwork;

TrainNetwork *train_network_new          (const TrainArch *arch,
                                          int              batch_capacity,
                                          guint            n_workers,
                                          int              aux_outputs);
void          train_network_free         (TrainNetwork    *network);
/* Adds a hint on layer `layer`'s output (before train_network_init). Returns its index. */
int           train_network_add_hint     (TrainNetwork    *network,
                                          int              layer,
                                          int              channels);
/* Glorot-uniform weights from (seed), gamma 1, beta 0, running statistics 0 and 1. */
void          train_network_init         (TrainNetwork    *network,
                                          guint64          seed);
/* Training-mode forward of `batch` images in network->input: batch statistics, running
 * statistics updated with `momentum` (none when momentum is 1); logits in network->logits. */
void          train_network_forward      (TrainNetwork    *network,
                                          int              batch,
                                          float            momentum);
/* Precise batch-norm statistics (Wu and Johnson): between begin and end, training-mode
 * forwards leave the running statistics alone and add up each batch's means and unbiased
 * variances; end replaces the running statistics by their averages. */
void          train_network_statistics_begin (TrainNetwork *network);
void          train_network_statistics_end   (TrainNetwork *network);
/* Inference-mode forward with the running statistics, in float (not the deployed
 * arithmetic: see train-deployed.h); logits in network->logits. */
void          train_network_infer        (TrainNetwork    *network,
                                          int              batch);
/* Mean squared error of the auxiliary head against network->aux_targets, times weight;
 * sets network->aux_gradient. Returns the batch's summed loss. */
double        train_network_aux_loss     (TrainNetwork    *network,
                                          int              batch,
                                          float            weight);
/* Mean squared error of every hint's prediction against its targets, times weight; sets
 * the hints' gradients. Returns the batch's summed loss (each image's mean error). */
double        train_network_hint_loss    (TrainNetwork    *network,
                                          int              batch,
                                          float            weight);
/* Zeroes the gradients, then back-propagates network->logits_gradient (and the auxiliary
 * head's and the hints' gradients when there are some) through the last training-mode
 * forward. */
void          train_network_backward     (TrainNetwork    *network,
                                          int              batch);
/* Keeps the latent binary weights in [-1, 1]. */
void          train_network_clip         (TrainNetwork    *network);
/* Multiply-accumulates per image of the convolutions (float first layer, binary rest). */
void          train_network_count_macs   (const TrainNetwork *network,
                                          guint64         *float_macs,
                                          guint64         *binary_macs);

/* Adam (Kingma & Ba), with the bias correction, on every parameter. */
typedef struct
{
  gsize   n;
  float  *m;
  float  *v;
  guint64 step;
  double  beta1, beta2, epsilon;
} TrainAdam;

TrainAdam    *train_adam_new             (gsize            n);
void          train_adam_free            (TrainAdam       *adam);
void          train_adam_step            (TrainAdam       *adam,
                                          float           *params,
                                          const float     *gradients,
                                          double           learning_rate);

G_END_DECLS
