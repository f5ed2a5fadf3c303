/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <time.h>

#include "bitlens/bitlens-interpreter.h"
#include "bitlens/bitlens-saliency.h"
#include "kernels/kernels.h"

G_BEGIN_DECLS

/* Internals shared by the saliency files. Rectangles are BitlensRegion: rows [y0, y1),
 * columns [x0, x1); empty when y0 >= y1 or x0 >= x1. */

/* The model's input 0 as an image-like tensor [1, H, W, C] of int8, uint8 or float32. */
typedef struct
{
  const BitlensTensor *tensor;
  int                  height;
  int                  width;
  int                  channels;
  gsize                pixel_bytes;     /* channels * element size */
} SaliencyInput;

gboolean  saliency_input_init          (BitlensModel         *model,
                                        SaliencyInput        *input,
                                        GError              **error);
/* Checks the byte count of `bytes` against the tensor. */
gboolean  saliency_input_check_bytes   (const SaliencyInput  *input,
                                        GBytes               *bytes,
                                        GError              **error);
/* A whole tensor of baseline values for `original` (n_bytes of the tensor). */
guint8   *saliency_baseline_new        (const SaliencyInput  *input,
                                        const guint8         *original,
                                        const BitlensBaseline *baseline,
                                        GError              **error);
/* Copies the pixels of `rect` (all channels) from src to dst, both whole tensors. */
void      saliency_input_copy_rect     (const SaliencyInput  *input,
                                        guint8               *dst,
                                        const guint8         *src,
                                        const BitlensRegion  *rect);

/* The target element: -1 resolves to the person index. Errors when out of range. */
gboolean  saliency_resolve_target      (BitlensModel         *model,
                                        int                   target,
                                        int                  *resolved,
                                        GError              **error);
/* Score of an interpreter after invoke: bitlens_interpreter_get_person_score () when
 * `target` is the person index, otherwise the dequantized element `target` of output 0
 * (with the same sigmoid rule for one-element outputs). */
double    saliency_score               (BitlensInterpreter   *interpreter,
                                        int                   target);

int       saliency_resolve_threads     (int                   n_threads);

/* Runs n_jobs jobs on n_workers threads (the calling thread is worker 0). Each worker
 * has its own state made by worker_new in the calling thread. Jobs are taken in
 * increasing order; `run` must store its result by job index. Stops at the first error
 * or on cancellation (BITLENS_ERROR_CANCELLED). */
typedef gpointer (*SaliencyWorkerNewFunc)  (gpointer  shared,
                                            GError  **error);
typedef gboolean (*SaliencyWorkerRunFunc)  (gpointer  worker,
                                            guint     job,
                                            GError  **error);

gboolean  saliency_run_jobs            (guint                  n_jobs,
                                        int                    n_workers,
                                        SaliencyWorkerNewFunc  worker_new,
                                        SaliencyWorkerRunFunc  worker_run,
                                        GDestroyNotify         worker_free,
                                        gpointer               shared,
                                        BitlensProgressFunc    progress,
                                        gpointer               progress_data,
                                        GCancellable          *cancellable,
                                        GError               **error);

/* Occlusion windows: window `index` (row-major over the grid of positions) as a
 * rectangle clipped to height x width. */
void      saliency_window_rect         (int                   height,
                                        int                   width,
                                        int                   window,
                                        int                   stride,
                                        guint                 index,
                                        BitlensRegion        *rect);
/* attribution(p) = (float) (sum over windows covering p, in window order, of diffs[w])
 * / count(p), in double; 0 where no window covers p. `values` has height * width
 * entries. */
void      saliency_accumulate_windows  (int                   height,
                                        int                   width,
                                        int                   window,
                                        int                   stride,
                                        const double         *diffs,
                                        float                *values);

/* The gradient methods on the model's float shadow (saliency-gradient.c). */
BitlensSaliencyMap *saliency_gradient_compute (BitlensModel                *model,
                                               GBytes                      *input,
                                               const BitlensSaliencyParams *params,
                                               BitlensProgressFunc          progress,
                                               gpointer                     progress_data,
                                               GCancellable                *cancellable,
                                               GError                     **error);

/* Incremental occlusion (saliency-incremental.c). */
typedef struct _SaliencyIncremental SaliencyIncremental;

/* Runs the clean pass on `original`; `baseline` is a whole baseline tensor. */
SaliencyIncremental *saliency_incremental_new    (BitlensModel         *model,
                                                  const SaliencyInput  *input,
                                                  const guint8         *original,
                                                  const guint8         *baseline,
                                                  int                   target,
                                                  GError              **error);
void                 saliency_incremental_free   (SaliencyIncremental  *incremental);
double               saliency_incremental_get_clean_score (SaliencyIncremental *incremental);

typedef struct _SaliencyIncrementalWorker SaliencyIncrementalWorker;

SaliencyIncrementalWorker *saliency_incremental_worker_new  (SaliencyIncremental        *incremental,
                                                             GError                    **error);
void                       saliency_incremental_worker_free (SaliencyIncrementalWorker  *worker);
/* Score with `rect` of the input replaced by the baseline; the worker's state is back
 * to the clean activations afterwards. */
double                     saliency_incremental_worker_score (SaliencyIncrementalWorker *worker,
                                                              const BitlensRegion       *rect);
/* From now on, add each op's time, runs and computed elements to `costs` (one entry per
 * op, borrowed; NULL stops). */
void                       saliency_incremental_worker_set_costs (SaliencyIncrementalWorker *worker,
                                                                  BitlensOcclusionOpCost    *costs);

/* A monotonic clock in nanoseconds, for the op costs. */
static inline gint64
saliency_monotonic_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

/* Channel-sparse delta updates of an int8 pointwise CONV_2D (saliency-delta.c): the
 * outputs of the pixels whose input differs from the clean run, from the clean run's
 * int32 accumulators plus the changed values' contributions; bit-identical to the
 * kernel. */
typedef struct _SaliencyPointwiseDelta SaliencyPointwiseDelta;

/* NULL unless op `op_index` is an int8 CONV_2D with a 1x1 filter, stride 1, no padding,
 * one batch and the optimized int8 path (constant filter and bias). `clean_input` (the
 * op's input in the clean run, borrowed: it must outlive the delta) gives the clean
 * accumulators. */
SaliencyPointwiseDelta *saliency_pointwise_delta_new  (const BitlensModel           *model,
                                                       guint                         op_index,
                                                       const gint8                  *clean_input);
void                    saliency_pointwise_delta_free (SaliencyPointwiseDelta       *delta);
/* Working memory of the delta runs, one per thread (it grows as needed). */
typedef struct _SaliencyDeltaScratch SaliencyDeltaScratch;

SaliencyDeltaScratch   *saliency_delta_scratch_new    (void);
void                    saliency_delta_scratch_free   (SaliencyDeltaScratch         *scratch);
/* Writes the output pixels of `rect` whose input pixel differs from the clean input
 * (all channels of those pixels; the others are left as they are, which must be the
 * clean output) and adds their number to `n_pixels`. Returns FALSE, writing nothing,
 * when so many values changed that the dense kernel is cheaper. */
gboolean                saliency_pointwise_delta_run  (const SaliencyPointwiseDelta *delta,
                                                       SaliencyDeltaScratch         *scratch,
                                                       const gint8                  *input,
                                                       gint8                        *output,
                                                       const BitlensRegion          *rect,
                                                       guint64                      *n_pixels);

/* Dependency geometry of one op: the output rectangle that a change of `in` in input
 * `slot` can reach (exported for the tests). */
typedef enum
{
  SALIENCY_DEPENDENCY_FULL = 0,    /* any change reaches the whole output */
  SALIENCY_DEPENDENCY_WINDOW,      /* convolutions and pools */
  SALIENCY_DEPENDENCY_SHIFT,       /* PAD: output = input shifted by the leading pads */
  SALIENCY_DEPENDENCY_POINTWISE,   /* elementwise ops, channel concatenation */
} SaliencyDependencyKind;

typedef struct
{
  SaliencyDependencyKind kind;
  int kernel_h, kernel_w;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int pad_top, pad_left;           /* WINDOW: SAME padding before; SHIFT: the pads */
  int in_h, in_w;
  int out_h, out_w;
} SaliencyDependency;

/* Fills `dependency` for op `op_index`'s input `slot`. */
void      saliency_dependency_init     (const BitlensModel   *model,
                                        guint                 op_index,
                                        int                   slot,
                                        SaliencyDependency   *dependency);
/* The output rectangle that depends on input rectangle `in` (clipped to the output). */
void      saliency_dependency_map      (const SaliencyDependency *dependency,
                                        const BitlensRegion  *in,
                                        BitlensRegion        *out);

static inline gboolean
saliency_rect_is_empty (const BitlensRegion *rect)
{
  return rect->y0 >= rect->y1 || rect->x0 >= rect->x1;
}

/* Smallest rectangle holding both (either may be empty). */
static inline void
saliency_rect_union (BitlensRegion       *accumulator,
                     const BitlensRegion *rect)
{
  if (saliency_rect_is_empty (rect))
    return;
  if (saliency_rect_is_empty (accumulator))
    {
      *accumulator = *rect;
      return;
    }
  accumulator->y0 = MIN (accumulator->y0, rect->y0);
  accumulator->y1 = MAX (accumulator->y1, rect->y1);
  accumulator->x0 = MIN (accumulator->x0, rect->x0);
  accumulator->x1 = MAX (accumulator->x1, rect->x1);
}

G_END_DECLS
