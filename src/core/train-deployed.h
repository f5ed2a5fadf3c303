/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "train-network.h"

G_BEGIN_DECLS

/* The deployed form of a trained network: the constants of the exported .tflite and an
 * inference that follows the arithmetic of the deployed ops (SEMANTICS.md), so that the
 * trainer's evaluation figures are the figures of the exported file:
 *
 *   CONV_2D float (batch norm folded into filter and bias, TFLM reference loop order)
 *   -> LceQuantize [-> LceBMaxPool2d]
 *   -> LceBconv2d (bitpacked output: batch norm and sign folded into integer thresholds;
 *      the filter of a channel with a negative batch-norm scale is negated so that the
 *      comparison is always "accumulator > threshold") [-> LceBMaxPool2d] ...
 *   -> LceBconv2d (float output: batch norm in post_activation_multiplier / bias)
 *   -> AVERAGE_POOL_2D (global) -> FULLY_CONNECTED (2) -> SOFTMAX.
 *
 * Layers with float output (residual blocks, the layers feeding them, the last one) use
 * post_activation_multiplier / bias; a residual block is LceQuantize (x) -> LceBconv2d
 * (float output) -> ADD (x, .), and its pool is a float MAX_POOL_2D.
 *
 * Binary convolutions pad with +1 (pad_values 1, SAME). */

typedef struct
{
  gboolean  binary;
  gboolean  last;
  gboolean  residual;
  gboolean  float_input;        /* binary layers: the input is float (LceQuantize first) */
  gboolean  float_output;       /* else the output is signs */
  int       in_h, in_w, in_c, in_words;
  int       out_h, out_w, out_c, out_words;
  int       kernel, stride, pad_top, pad_left;
  gboolean  pool;
  int       pooled_h, pooled_w;

  /* float layer */
  float    *filter;             /* [out_c, k, k, in_c] */
  float    *bias;               /* [out_c] */
  /* binary layers */
  guint32  *packed_filter;      /* [out_c, k, k, in_words], bit 1 = -1, LSB first */
  gint32   *thresholds;         /* [out_c], bitpacked output */
  float    *post_multiplier;    /* [out_c], float output */
  float    *post_bias;
} TrainDeployedLayer;

typedef struct
{
  int                 input_size;
  int                 channels;
  int                 n_layers;
  TrainDeployedLayer  layers[TRAIN_MAX_LAYERS];
  int                 features;
  float              *dense_weights;   /* [2, features] */
  float              *dense_bias;      /* [2] */
  char               *arch_text;
} TrainDeployed;

/* Folds the network's batch norms (running statistics) into the deployed constants. */
TrainDeployed *train_deployed_new_from_network (const TrainNetwork *network);
void           train_deployed_free             (TrainDeployed      *deployed);
/* One image [size, size, channels] of pixel / 255 values; writes the logits and the
 * softmax output (probabilities, class 1 = person), bit for bit as the interpreter. */
void           train_deployed_run              (const TrainDeployed *deployed,
                                                const float         *input,
                                                float                logits[2],
                                                float                probabilities[2]);
/* The .tflite file. */
GBytes        *train_deployed_export           (const TrainDeployed *deployed,
                                                const char          *description);

/* Packs the signs of n values (bit 1 for x < 0) into ceil (n / 32) words, LSB first,
 * padding bits 0. */
void           train_pack_signs                (const float         *values,
                                                int                  n,
                                                guint32             *words);
/* The LceBconv2d threshold for bitpacked output of a channel whose pre-sign value is
 * y = scale * dot + offset, dot = K - 2 * acc, after the filter was negated when scale < 0:
 * the bit is 1 (-1) exactly when acc > threshold. In [-1, K]. */
gint32         train_fold_threshold            (double               scale,
                                                double               offset,
                                                int                  depth);

G_END_DECLS
