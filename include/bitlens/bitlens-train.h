/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Training small binarized person detectors the way Larq does (latent float weights, sign
 * with the straight-through estimator, batch norm, Adam, a float first layer and a float
 * classifier around binary convolutions), exported as a .tflite file in the Larq Compute
 * Engine format. A run is deterministic: the same options give the same file, byte for
 * byte, whatever the thread count, and a run resumed from a checkpoint gives the same file
 * as an uninterrupted one.
 *
 * The input is 96x96 (gray or RGB, float pixel / 255, as Bitlens's default preprocessing
 * feeds float models); the output [1, 2] comes from SOFTMAX, index 1 = person. */

typedef struct
{
  /* "DATASET[:SPLIT][@WEIGHT]": labelled folders (labels.csv or person/ and no_person/),
   * optionally a split file, and a sampling weight per image (default 1). NULL-terminated. */
  const char * const *data;
  /* "FOLDER[@WEIGHT]": folders of unlabelled images (every PNG and JPEG below), whose
   * targets come from the teacher alone. NULL-terminated, may be NULL. */
  const char * const *unlabelled;
  /* "DATASET[:SPLIT]" evaluated after every epoch with the deployed arithmetic, and used to
   * check the exported file against the interpreter at the end. May be NULL. */
  const char         *validation;
  /* A larger model whose person score on each augmented view becomes the target
   * (distillation). May be NULL. */
  const char         *teacher;
  /* Share of the teacher's score in the target of labelled views (the rest is the label). */
  double              teacher_weight;
  /* Feature distillation: weight of a mean-squared-error loss between the teacher's
   * features (the input of its classifier, e.g. MobileNet's 256 pooled features) and a
   * float dense head on the student's pooled features that is not exported. 0: off. */
  double              feature_weight;
  /* Hints (FitNets): weight of a mean-squared-error loss between the teacher's feature maps
   * and float 1x1 adapters (not exported) on the outputs of up to two student layers of the
   * same size (12x12 or smaller). 0: off. */
  double              hint_weight;
  /* Architecture text (see train-network.h): "32s2,64,m,128,m,128,m,256" by default. */
  const char         *arch;
  int                 channels;             /* 1 (gray) or 3 (RGB) */
  guint               epochs;
  guint               batch_size;
  guint               views_per_epoch;      /* 0: the number of training images */
  double              learning_rate;        /* Adam, warm-up then cosine decay */
  guint64             seed;
  /* Leaves out training images matching this expression (bitlens-expression.h) over the
   * dataset's columns and the measured width, height, mean_luma and std_luma. May be NULL. */
  const char         *drop;
  /* Sampling weights give both labels the same total; with balance_luma > 0, within the
   * images darker than balance_luma (mean luma) and the others separately. */
  gboolean            balance_classes;
  double              balance_luma;
  /* Augmentation. */
  double              min_crop_area;        /* random crops keep at least this area share */
  double              low_light_probability;/* share of views turned into dim, noisy photos */
  int                 low_light_label;      /* only views of this label are dimmed (-1: any) */
  /* Share of views with a box of another view pasted in (CutMix); the label part of the
   * target mixes the two labels by area. */
  double              cutmix_probability;
  /* Saved after every epoch; when it exists at the start, training resumes from it (it
   * must come from the same options). May be NULL. */
  const char         *checkpoint;
  guint               n_threads;            /* view and teacher workers; 0: one per processor */
  const char         *description;          /* of the .tflite; NULL: generated */
  /* Start from the weights and batch-norm statistics of another run's checkpoint (same
   * architecture and options that size the network) instead of the seeded initialisation,
   * with a fresh optimizer: fine-tuning a model on other data. May be NULL. */
  const char         *init_from;
} BitlensTrainOptions;

/* Defaults: RGB, the default architecture, 30 epochs, batch 32, learning rate 2e-3,
 * teacher weight 1, classes balanced, minimum crop area 0.35, seed 1. */
void bitlens_train_options_init (BitlensTrainOptions *options);

/* Figures of one finished epoch. */
typedef struct
{
  guint   epoch;                  /* 1-based */
  guint   n_epochs;
  gboolean from_checkpoint;       /* read from the checkpoint, not trained in this run */
  double  learning_rate;          /* at the end of the epoch */
  double  train_loss;             /* mean cross-entropy on the epoch's views */
  double  train_accuracy;         /* against the rounded targets, training-mode forward */
  guint   n_validation;           /* 0: no validation set */
  double  validation_loss;        /* with the deployed arithmetic, against the labels */
  double  validation_accuracy;    /* score >= 0.5 means person */
  double  seconds;                /* wall-clock time of the epoch */
} BitlensTrainEpoch;

typedef void (*BitlensTrainProgressFunc) (const BitlensTrainEpoch *epoch,
                                          gpointer                 user_data);

/* What a run did and measured. */
typedef struct
{
  guint   n_person;               /* training images by label */
  guint   n_no_person;
  guint   n_unlabelled;
  guint   n_dropped;              /* left out by the drop expression */
  guint64 float_macs;             /* per inference */
  guint64 binary_macs;
  guint   n_parameter_bytes;      /* of the exported constants */
  double  validation_accuracy;    /* of the final model, NaN without validation */
  /* The exported file run by the Bitlens interpreter on the validation images (or on
   * training images without a validation set) against the trainer's own pass. */
  guint   n_checked;
  guint   n_agreeing;             /* same predicted class */
  guint   n_identical;            /* same output bits */
  double  max_score_difference;
  double  seconds;
} BitlensTrainSummary;

/* Trains and returns the .tflite file's bytes. Progress is called from the calling thread
 * after every epoch. Cancelling returns BITLENS_ERROR_CANCELLED (the checkpoint keeps the
 * last finished epoch). `summary` may be NULL. */
GBytes *bitlens_train          (const BitlensTrainOptions  *options,
                                GCancellable               *cancellable,
                                BitlensTrainProgressFunc    progress,
                                gpointer                    progress_data,
                                BitlensTrainSummary        *summary,
                                GError                    **error);
/* The same in a worker thread (the options are copied); progress is called in the
 * thread-default main context of the caller. */
void    bitlens_train_async    (const BitlensTrainOptions  *options,
                                GCancellable               *cancellable,
                                BitlensTrainProgressFunc    progress,
                                gpointer                    progress_data,
                                GDestroyNotify              progress_data_free,
                                GAsyncReadyCallback         callback,
                                gpointer                    user_data);
GBytes *bitlens_train_finish   (GAsyncResult               *result,
                                BitlensTrainSummary        *summary,
                                GError                    **error);

G_END_DECLS
