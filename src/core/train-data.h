/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens/bitlens-image.h"
#include "bitlens/bitlens-model.h"
#include "bitlens/bitlens-interpreter.h"
#include "train-rng.h"

G_BEGIN_DECLS

/* Training data held in memory: decoded images (the longest side brought down to
 * TRAIN_MAX_SOURCE_SIDE), labels, the measured brightness and a sampling weight; augmented
 * views made on the fly from a key, and teacher scores for them. */

#define TRAIN_MAX_SOURCE_SIDE 256

typedef struct
{
  BitlensImage *image;
  int           label;        /* 1 person, 0 no person, -1 unlabelled */
  double        mean_luma;    /* ITU-R 601 luma of the file's pixels, 0..255 */
  double        weight;       /* sampling weight */
  guint         source;       /* index of the source it came from */
  char         *path;
} TrainItem;

typedef struct
{
  GPtrArray *items;           /* TrainItem */
  GPtrArray *source_names;    /* char*, "vww/train.txt", "photos", ... */
  guint      n_dropped;       /* items left out by the drop expression */
} TrainSet;

TrainSet  *train_set_new            (void);
void       train_set_free           (TrainSet      *set);
/* "DATASET[:SPLIT][@WEIGHT]": a labelled dataset (bitlens_dataset_load), optionally a split
 * of it, with a sampling weight per item (default 1). Items matching `drop` (an expression
 * over the dataset's columns and the measured mean_luma, std_luma, width and height; may be
 * NULL) are left out. */
gboolean   train_set_add_labelled   (TrainSet      *set,
                                     const char    *spec,
                                     const char    *drop,
                                     GCancellable  *cancellable,
                                     GError       **error);
/* "FOLDER[@WEIGHT]": every PNG and JPEG file under FOLDER (sorted by path), unlabelled. */
gboolean   train_set_add_unlabelled (TrainSet      *set,
                                     const char    *spec,
                                     GCancellable  *cancellable,
                                     GError       **error);
guint      train_set_count_label    (TrainSet      *set,
                                     int            label);
/* Balances the sampling weights of labelled items so that both labels weigh the same in
 * total, within the dark (mean_luma < luma_threshold) and the bright items separately when
 * luma_threshold > 0, else over all items. */
void       train_set_balance        (TrainSet      *set,
                                     double         luma_threshold);
/* n item indices drawn with replacement in proportion to the weights, from (seed, epoch). */
guint     *train_set_sample         (TrainSet      *set,
                                     guint64        seed,
                                     guint          epoch,
                                     guint          n);

/* Splits "PATH[:SPLIT][@WEIGHT]" (weight 1 when absent, split NULL). */
gboolean   train_parse_data_spec    (const char    *spec,
                                     char         **path,
                                     char         **split,
                                     double        *weight,
                                     GError       **error);

typedef struct
{
  double min_area;              /* random crops keep this fraction of the image area or more */
  double max_aspect_change;     /* crop aspect ratio changes by a factor up to this (>= 1) */
  double flip_probability;
  double brightness;            /* brightness shift, up to this fraction of 255 either way */
  double contrast;              /* contrast factor in [1 - c, 1 + c] */
  double gray_probability;      /* views turned to gray (RGB kept as three equal channels) */
  double low_light_probability; /* views turned into dim, noisy low-light pictures */
  int    low_light_label;       /* only views of items with this label (-1: any item) */
} TrainAugmentation;

void       train_augmentation_init  (TrainAugmentation *augmentation);

/* Writes a size x size view of `item` (view->width == view->height == size) from the key's
 * random stream: crop, stretch, flip, photometric changes. */
void       train_make_view          (const TrainItem          *item,
                                     const TrainAugmentation  *augmentation,
                                     TrainRng                 *rng,
                                     BitlensImage             *view);

/* CutMix: copies a random box (a tenth to almost half of the area, aspect 1:2 to 2:1) of
 * `other` into the same place of `view` (both of one size); returns the box's share of the
 * area. */
double     train_paste_box          (BitlensImage             *view,
                                     const BitlensImage       *other,
                                     TrainRng                 *rng);

/* Writes an image stretched to size x size as the deployed preprocessing does (pixel / 255,
 * gray for one channel): size * size * channels floats. */
void       train_image_to_input     (const BitlensImage       *image,
                                     int                       size,
                                     int                       channels,
                                     float                    *input);

/* A teacher model giving person scores, one interpreter per worker, and chosen activations
 * of it ("captures", dequantized, copied by a tap while it runs): its features (the input
 * of the op that computes the logits, e.g. the 256 pooled features of a MobileNet) and
 * feature maps for hints. */
#define TRAIN_MAX_CAPTURES 4

typedef struct
{
  BitlensModel        *model;
  guint                n_workers;
  BitlensInterpreter **interpreters;
  int                  feature_tensor;    /* -1 when there is none of at most 4096 values */
  int                  n_captures;
  int                  capture_tensors[TRAIN_MAX_CAPTURES];
  int                  capture_sizes[TRAIN_MAX_CAPTURES];
  float              **buffers;           /* per worker * TRAIN_MAX_CAPTURES */
  gpointer             taps;              /* per worker tap data */
} TrainTeacher;

TrainTeacher *train_teacher_new     (const char    *path,
                                     guint          n_workers,
                                     GError       **error);
void          train_teacher_free    (TrainTeacher  *teacher);
/* The last activation of shape [1, height, width, C] (int8 or float), or -1. */
int           train_teacher_find_map (TrainTeacher *teacher,
                                      int           height,
                                      int           width);
/* Captures a tensor in every later run; returns the capture's index. */
int           train_teacher_capture (TrainTeacher  *teacher,
                                     int            tensor);
/* The person score; also capture k into outputs[k] when outputs is not NULL and outputs[k]
 * is not NULL (capture_sizes[k] values). */
double        train_teacher_score   (TrainTeacher  *teacher,
                                     guint          worker,
                                     const BitlensImage *view,
                                     float * const *outputs);

G_END_DECLS
