/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The trainer's random numbers: SplitMix64 streams keyed by (seed, purpose, index), so that
 * every random decision (an initial weight, the augmentation of view 17 of epoch 3) depends
 * on its key alone, never on the order in which work was done. This is what makes training
 * reproducible bit for bit, resumable from a checkpoint and parallel without changing the
 * result. */

typedef struct
{
  guint64 state;
} TrainRng;

/* Purposes of streams (the middle part of a key). */
enum
{
  TRAIN_STREAM_INIT = 1,       /* index: parameter offset block */
  TRAIN_STREAM_SAMPLING,       /* index: epoch */
  TRAIN_STREAM_VIEW,           /* index: epoch << 32 | slot */
  TRAIN_STREAM_HOLDOUT,        /* index: 0 */
  TRAIN_STREAM_STATISTICS,     /* index: epoch << 32 | slot */
};

static inline guint64
train_rng_mix (guint64 z)
{
  z += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline void
train_rng_init (TrainRng *rng,
                guint64   seed,
                guint64   stream,
                guint64   index)
{
  rng->state = train_rng_mix (seed ^ train_rng_mix (stream ^ train_rng_mix (index)));
}

static inline guint64
train_rng_next (TrainRng *rng)
{
  rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return train_rng_mix (rng->state);
}

/* Uniform in [0, 1), 53 bits. */
static inline double
train_rng_uniform (TrainRng *rng)
{
  return (double) (train_rng_next (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [low, high). */
static inline double
train_rng_range (TrainRng *rng,
                 double    low,
                 double    high)
{
  return low + (high - low) * train_rng_uniform (rng);
}

/* Uniform integer in [0, n), n > 0 (the modulo bias is below 2^-32 for the sizes used). */
static inline guint64
train_rng_below (TrainRng *rng,
                 guint64   n)
{
  return train_rng_next (rng) % n;
}

G_END_DECLS
