/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens-image.h"
#include "bitlens-model.h"

G_BEGIN_DECLS

/* Saliency maps: what part of the input a model's score depends on. Every map is a float
 * array at model-input resolution (rows top-down); it is resampled only for display.
 * The precise definitions (window geometry, baselines, arithmetic order) are in the
 * README's "Saliency" section; checkers recompute maps from them with `run --raw`. */

typedef enum
{
  BITLENS_SALIENCY_OCCLUSION = 0,
  BITLENS_SALIENCY_GRADIENT,
  BITLENS_SALIENCY_GRADIENT_X_INPUT,
  BITLENS_SALIENCY_INTEGRATED_GRADIENTS,
  BITLENS_SALIENCY_SMOOTHGRAD,
  BITLENS_SALIENCY_GRADCAM,
  BITLENS_SALIENCY_N_METHODS
} BitlensSaliencyMethod;

typedef enum
{
  BITLENS_BASELINE_GRAY = 0,   /* a constant gray level, in pixel units 0..255 */
  BITLENS_BASELINE_BLACK,      /* gray level 0 */
  BITLENS_BASELINE_BLUR,       /* a box-blurred copy of the input tensor */
} BitlensBaselineKind;

#define BITLENS_BASELINE_DEFAULT_GRAY 128
#define BITLENS_BASELINE_DEFAULT_BLUR_RADIUS 5
/* The default occlusion baseline, integrated-gradients start and deletion baseline: the
 * blurred copy. Constant gray pixels scattered by a deletion act as salt noise that these
 * small models react to (README, "Faithfulness against the random map"). */
#define BITLENS_BASELINE_DEFAULT_KIND BITLENS_BASELINE_BLUR

typedef struct
{
  BitlensBaselineKind kind;
  int                 gray_level;    /* GRAY: 0..255 */
  int                 blur_radius;   /* BLUR: the box is (2 r + 1) x (2 r + 1) pixels */
} BitlensBaseline;

/* Where occlusion spends its time, op by op (bitlens-cli saliency --bench --profile):
 * added to over all windows and threads when BitlensSaliencyParams.op_costs is set. */
typedef struct
{
  gint64  nanoseconds;   /* monotonic time spent running the op, summed over threads */
  guint64 runs;          /* windows in which the op ran */
  guint64 elements;      /* output elements computed, over those windows */
} BitlensOcclusionOpCost;

/* Parameters of every method; each method reads the fields it has. */
typedef struct
{
  BitlensSaliencyMethod method;
  /* Element of output 0 to explain; -1 means the person index with the semantics of
   * bitlens_interpreter_get_person_score (). */
  int                   target;
  /* Worker threads; 0 means one per processor. The map does not depend on it. */
  int                   n_threads;

  /* Occlusion */
  int                   window;        /* square window side, pixels (default 8) */
  int                   stride;        /* default 4 */
  BitlensBaseline       baseline;      /* default blur radius 5 (gray level 128 when GRAY) */
  gboolean              naive;         /* full re-runs instead of incremental ones */
  /* Optional: one entry per op of the model, added to (timing each op slows the run a
   * little); NULL by default. */
  BitlensOcclusionOpCost *op_costs;

  /* Gradient methods (integrated-gradients, smoothgrad, gradcam ...) */
  int                   steps;         /* integrated-gradients path steps (default 32) */
  int                   samples;       /* smoothgrad samples (default 16) */
  double                noise;         /* smoothgrad noise std, fraction of the input range (0.15) */
  guint64               seed;          /* random seed (default 1) */
  int                   layer;         /* gradcam: op index whose output is used; -1 = last spatial op */
} BitlensSaliencyParams;

/* A map at model-input resolution. */
typedef struct
{
  int     width;
  int     height;
  float  *values;      /* height * width, row-major, rows top-down */
  /* Filled by the methods (0 / -1 for maps made otherwise). */
  double  score;       /* score of the explained output on the unmodified input */
  int     target;      /* the element explained (the person index resolved) */
} BitlensSaliencyMap;

/* Progress of long work: done of total steps. The same type as in bitlens-evaluation.h
 * (C11 allows the identical typedef twice), so one callback serves both. */
typedef void (*BitlensProgressFunc) (guint    done,
                                     guint    total,
                                     gpointer user_data);

void                 bitlens_saliency_params_init         (BitlensSaliencyParams       *params);
const char          *bitlens_saliency_method_get_name     (BitlensSaliencyMethod        method);
gboolean             bitlens_saliency_method_from_name    (const char                  *name,
                                                           BitlensSaliencyMethod       *method);
/* FALSE for the methods that are not written yet. */
gboolean             bitlens_saliency_method_is_available (BitlensSaliencyMethod        method);
/* TRUE for gradient, gradient-x-input, integrated-gradients, smoothgrad and gradcam: maps
 * from gradients of the model's float shadow (README, "Gradient methods"). */
gboolean             bitlens_saliency_method_uses_gradients (BitlensSaliencyMethod      method);
/* For captions, sidecars and the app: one English sentence on where a gradient method's
 * values come from (a float shadow with straight-through estimators, since a binary or
 * quantized network has no true gradient); NULL for methods without gradients. */
const char          *bitlens_saliency_method_get_gradient_note (BitlensSaliencyMethod   method);

/* "gray" (128), "black", "blur" (radius 5), or a gray level "0".."255". */
gboolean             bitlens_baseline_parse               (const char                  *text,
                                                           BitlensBaseline             *baseline,
                                                           GError                     **error);
/* "gray 128", "black", "blur radius 5". */
char                *bitlens_baseline_to_string           (const BitlensBaseline       *baseline);

/* Window positions along an axis of extent D: ceil((D - w) / s) + 1, at least 1. */
int                  bitlens_occlusion_count_windows      (int                          extent,
                                                           int                          window,
                                                           int                          stride);

BitlensSaliencyMap  *bitlens_saliency_map_new             (int                          width,
                                                           int                          height);
BitlensSaliencyMap  *bitlens_saliency_map_copy            (const BitlensSaliencyMap    *map);
void                 bitlens_saliency_map_free            (BitlensSaliencyMap          *map);
/* Smallest and largest finite value (0, 0 when there is none). */
void                 bitlens_saliency_map_get_range       (const BitlensSaliencyMap    *map,
                                                           float                       *min,
                                                           float                       *max);
/* Uniform values in [0, 1): GLib's GRand seeded with `seed`, one g_rand_double () per
 * pixel in row-major order. The control map of faithfulness reports. */
BitlensSaliencyMap  *bitlens_saliency_map_new_random      (int                          width,
                                                           int                          height,
                                                           guint32                      seed);
/* Bilinear resampling (pixel centres aligned, edges clamped). */
BitlensSaliencyMap  *bitlens_saliency_map_resample        (const BitlensSaliencyMap    *map,
                                                           int                          width,
                                                           int                          height);
/* A minus B, value by value in float, at A's size (B resampled as above when the sizes
 * differ): the difference map of compare mode. Score and target are left at 0 and -1. */
BitlensSaliencyMap  *bitlens_saliency_map_new_difference  (const BitlensSaliencyMap    *a,
                                                           const BitlensSaliencyMap    *b);

/* The input tensor bytes of the model's input 0 for an image, by the default
 * preprocessing (bitlens_image_to_input ()). */
GBytes              *bitlens_saliency_input_from_image    (BitlensModel                *model,
                                                           const BitlensImage          *image,
                                                           GError                     **error);
/* The inverse, for display: an RGB image of what the model sees (int8 q + 128, uint8 q,
 * float q * 255 rounded and clamped; one channel is repeated as gray). */
BitlensImage        *bitlens_saliency_input_to_image      (BitlensModel                *model,
                                                           GBytes                      *input,
                                                           GError                     **error);

/* Computes a map of the model's input 0 given as input tensor bytes. Cancellation gives
 * BITLENS_ERROR_CANCELLED. `progress` is called from the calling thread. */
BitlensSaliencyMap  *bitlens_saliency_compute             (BitlensModel                *model,
                                                           GBytes                      *input,
                                                           const BitlensSaliencyParams *params,
                                                           BitlensProgressFunc          progress,
                                                           gpointer                     progress_data,
                                                           GCancellable                *cancellable,
                                                           GError                     **error);
/* The same in a worker thread; `progress` runs in the thread-default main context of the
 * caller (coalesced), `progress_destroy` frees progress_data when the task is done. */
void                 bitlens_saliency_compute_async       (BitlensModel                *model,
                                                           GBytes                      *input,
                                                           const BitlensSaliencyParams *params,
                                                           BitlensProgressFunc          progress,
                                                           gpointer                     progress_data,
                                                           GDestroyNotify               progress_destroy,
                                                           GCancellable                *cancellable,
                                                           GAsyncReadyCallback          callback,
                                                           gpointer                     user_data);
BitlensSaliencyMap  *bitlens_saliency_compute_finish      (GAsyncResult                *result,
                                                           GError                     **error);

/* Faithfulness (RISE deletion and insertion curves). */
#define BITLENS_FAITHFULNESS_DEFAULT_STEPS 32

typedef struct
{
  int             steps;               /* curve points are steps + 1 (default 32) */
  int             target;              /* as in BitlensSaliencyParams */
  int             n_threads;
  BitlensBaseline deletion_baseline;   /* removed pixels take these values (blur radius 5) */
  BitlensBaseline insertion_start;     /* the image insertion starts from (blur radius 5) */
} BitlensFaithfulnessParams;

typedef struct
{
  int     steps;
  double *deletion;          /* steps + 1 scores, k = 0 is the unmodified input */
  double *insertion;         /* steps + 1 scores, k = 0 is the start image */
  double  deletion_area;     /* trapezoid rule over x = k / steps; lower is better */
  double  insertion_area;    /* higher is better */
} BitlensFaithfulness;

void                 bitlens_faithfulness_params_init     (BitlensFaithfulnessParams   *params);
/* Pixel order used by the curves: decreasing value, ties by increasing pixel index
 * (y * width + x); NaN counts as the lowest value. `order` has width * height entries. */
void                 bitlens_faithfulness_pixel_order     (const BitlensSaliencyMap    *map,
                                                           guint32                     *order);
/* Area under a curve of steps + 1 points by the trapezoid rule over [0, 1]. */
double               bitlens_faithfulness_area            (const double                *scores,
                                                           int                          steps);
BitlensFaithfulness *bitlens_faithfulness_compute         (BitlensModel                *model,
                                                           GBytes                      *input,
                                                           const BitlensSaliencyMap    *map,
                                                           const BitlensFaithfulnessParams *params,
                                                           BitlensProgressFunc          progress,
                                                           gpointer                     progress_data,
                                                           GCancellable                *cancellable,
                                                           GError                     **error);
void                 bitlens_faithfulness_compute_async   (BitlensModel                *model,
                                                           GBytes                      *input,
                                                           const BitlensSaliencyMap    *map,
                                                           const BitlensFaithfulnessParams *params,
                                                           BitlensProgressFunc          progress,
                                                           gpointer                     progress_data,
                                                           GDestroyNotify               progress_destroy,
                                                           GCancellable                *cancellable,
                                                           GAsyncReadyCallback          callback,
                                                           gpointer                     user_data);
BitlensFaithfulness *bitlens_faithfulness_compute_finish  (GAsyncResult                *result,
                                                           GError                     **error);
void                 bitlens_faithfulness_free            (BitlensFaithfulness         *faithfulness);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensSaliencyMap, bitlens_saliency_map_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensFaithfulness, bitlens_faithfulness_free)

G_END_DECLS
