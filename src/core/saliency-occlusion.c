/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "saliency-private.h"

/* Occlusion (DESIGN.md): windows of side w at positions 0, s, 2s ... along each axis,
 * ceil((D - w) / s) + 1 of them (at least 1), clipped to the input; each is filled with
 * the baseline; a pixel's attribution is the mean, over the windows covering it, of
 * score(original) - score(occluded) (0 where no window covers the pixel, when the
 * stride exceeds the window). The score differences come either from full
 * re-runs (naive) or from incremental re-runs (saliency-incremental.c); both give the
 * same doubles, and the map is accumulated from them in one fixed order. This file also
 * holds the one dispatch over methods. */

void
saliency_window_rect (int            height,
                      int            width,
                      int            window,
                      int            stride,
                      guint          index,
                      BitlensRegion *rect)
{
  int n_x = bitlens_occlusion_count_windows (width, window, stride);
  int row = (int) (index / (guint) n_x), column = (int) (index % (guint) n_x);

  rect->y0 = row * stride;
  rect->y1 = MIN (rect->y0 + window, height);
  rect->x0 = column * stride;
  rect->x1 = MIN (rect->x0 + window, width);
}

void
saliency_accumulate_windows (int           height,
                             int           width,
                             int           window,
                             int           stride,
                             const double *diffs,
                             float        *values)
{
  gsize n_pixels = (gsize) height * width;
  g_autofree double *sums = g_new0 (double, n_pixels);
  g_autofree guint *counts = g_new0 (guint, n_pixels);
  guint n_windows = (guint) bitlens_occlusion_count_windows (height, window, stride) *
                    (guint) bitlens_occlusion_count_windows (width, window, stride);

  /* Window order, so each pixel's sum adds its windows in increasing window index. */
  for (guint w = 0; w < n_windows; w++)
    {
      BitlensRegion rect;

      saliency_window_rect (height, width, window, stride, w, &rect);
      for (int y = rect.y0; y < rect.y1; y++)
        for (int x = rect.x0; x < rect.x1; x++)
          {
            sums[(gsize) y * width + x] += diffs[w];
            counts[(gsize) y * width + x]++;
          }
    }
  /* A stride larger than the window leaves pixels no window covers: they get 0. */
  for (gsize p = 0; p < n_pixels; p++)
    values[p] = counts[p] > 0 ? (float) (sums[p] / (double) counts[p]) : 0.0f;
}

typedef struct
{
  BitlensModel         *model;
  SaliencyInput         input;
  const guint8         *original;
  const guint8         *baseline;
  int                   target;
  int                   window;
  int                   stride;
  double                clean_score;
  double               *diffs;          /* per window */
  SaliencyIncremental  *incremental;    /* NULL: naive */
  BitlensOcclusionOpCost *op_costs;     /* the caller's, or NULL */
} OcclusionRun;

typedef struct
{
  OcclusionRun              *run;
  BitlensInterpreter        *interpreter;   /* naive */
  SaliencyIncrementalWorker *incremental;
  BitlensOcclusionOpCost    *op_costs;      /* this worker's, added to the run's at the end */
  gint64                     op_end_ns;     /* naive, profiling: when the last op ended */
} OcclusionWorker;

/* Naive, profiling: the interpreter's tap after each op gives its time since the end of
 * the previous one. */
static void
time_op (BitlensInterpreter *interpreter,
         guint               op_index,
         int                 tensor_index,
         const void         *data,
         gpointer            user_data)
{
  OcclusionWorker *worker = user_data;
  gint64 now = saliency_monotonic_ns ();

  worker->op_costs[op_index].nanoseconds += now - worker->op_end_ns;
  worker->op_costs[op_index].runs++;
  worker->op_costs[op_index].elements += bitlens_model_get_tensor (worker->run->model, tensor_index)->n_elements;
  worker->op_end_ns = now;
}

static gpointer
occlusion_worker_new (gpointer  shared,
                      GError  **error)
{
  OcclusionRun *run = shared;
  OcclusionWorker *worker = g_new0 (OcclusionWorker, 1);

  worker->run = run;
  if (run->incremental != NULL)
    worker->incremental = saliency_incremental_worker_new (run->incremental, error);
  else
    worker->interpreter = bitlens_interpreter_new (run->model, BITLENS_INTERPRETER_DEFAULT, error);
  if (worker->interpreter == NULL && worker->incremental == NULL)
    {
      g_free (worker);
      return NULL;
    }
  if (run->op_costs != NULL)
    {
      worker->op_costs = g_new0 (BitlensOcclusionOpCost, MAX (bitlens_model_get_n_ops (run->model), 1));
      if (worker->incremental != NULL)
        saliency_incremental_worker_set_costs (worker->incremental, worker->op_costs);
      else
        bitlens_interpreter_set_tap (worker->interpreter, time_op, worker);
    }
  return worker;
}

/* Workers are freed one after the other once their threads are joined. */
static void
occlusion_worker_free (gpointer data)
{
  OcclusionWorker *worker = data;

  if (worker->op_costs != NULL)
    for (guint o = 0; o < bitlens_model_get_n_ops (worker->run->model); o++)
      {
        worker->run->op_costs[o].nanoseconds += worker->op_costs[o].nanoseconds;
        worker->run->op_costs[o].runs += worker->op_costs[o].runs;
        worker->run->op_costs[o].elements += worker->op_costs[o].elements;
      }
  g_free (worker->op_costs);
  g_clear_pointer (&worker->interpreter, bitlens_interpreter_free);
  g_clear_pointer (&worker->incremental, saliency_incremental_worker_free);
  g_free (worker);
}

static gboolean
occlusion_worker_run (gpointer  data,
                      guint     job,
                      GError  **error)
{
  OcclusionWorker *worker = data;
  OcclusionRun *run = worker->run;
  BitlensRegion rect;
  double score;

  saliency_window_rect (run->input.height, run->input.width, run->window, run->stride, job, &rect);
  if (worker->incremental != NULL)
    score = saliency_incremental_worker_score (worker->incremental, &rect);
  else
    {
      guint8 *input = bitlens_interpreter_get_input_data (worker->interpreter, 0);

      /* The arena reuses the input's memory once it is dead: write all of it each time. */
      memcpy (input, run->original, run->input.tensor->n_bytes);
      saliency_input_copy_rect (&run->input, input, run->baseline, &rect);
      worker->op_end_ns = worker->op_costs != NULL ? saliency_monotonic_ns () : 0;
      bitlens_interpreter_invoke (worker->interpreter);
      score = saliency_score (worker->interpreter, run->target);
    }
  run->diffs[job] = run->clean_score - score;
  return TRUE;
}

static gboolean
naive_clean_score (OcclusionRun  *run,
                   GError       **error)
{
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (run->model, BITLENS_INTERPRETER_DEFAULT, error);

  if (interpreter == NULL)
    return FALSE;
  memcpy (bitlens_interpreter_get_input_data (interpreter, 0), run->original, run->input.tensor->n_bytes);
  bitlens_interpreter_invoke (interpreter);
  run->clean_score = saliency_score (interpreter, run->target);
  return TRUE;
}

static BitlensSaliencyMap *
occlusion_compute (BitlensModel                *model,
                   GBytes                      *input_bytes,
                   const BitlensSaliencyParams *params,
                   BitlensProgressFunc          progress,
                   gpointer                     progress_data,
                   GCancellable                *cancellable,
                   GError                     **error)
{
  OcclusionRun run = { .model = model, .window = params->window, .stride = params->stride,
                       .op_costs = params->op_costs };
  g_autofree guint8 *baseline = NULL;
  g_autofree double *diffs = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  guint n_windows;
  gboolean ok;

  if (params->window < 1 || params->stride < 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("occlusion window (%d) and stride (%d) must be at least 1"), params->window, params->stride);
      return NULL;
    }
  if (!saliency_input_init (model, &run.input, error) ||
      !saliency_input_check_bytes (&run.input, input_bytes, error) ||
      !saliency_resolve_target (model, params->target, &run.target, error))
    return NULL;

  run.original = g_bytes_get_data (input_bytes, NULL);
  baseline = saliency_baseline_new (&run.input, run.original, &params->baseline, error);
  if (baseline == NULL)
    return NULL;
  run.baseline = baseline;

  n_windows = (guint) bitlens_occlusion_count_windows (run.input.height, run.window, run.stride) *
              (guint) bitlens_occlusion_count_windows (run.input.width, run.window, run.stride);
  diffs = g_new0 (double, n_windows);
  run.diffs = diffs;

  if (params->naive)
    {
      if (!naive_clean_score (&run, error))
        return NULL;
    }
  else
    {
      run.incremental = saliency_incremental_new (model, &run.input, run.original, run.baseline, run.target, error);
      if (run.incremental == NULL)
        return NULL;
      run.clean_score = saliency_incremental_get_clean_score (run.incremental);
    }

  ok = saliency_run_jobs (n_windows, saliency_resolve_threads (params->n_threads),
                          occlusion_worker_new, occlusion_worker_run, occlusion_worker_free, &run,
                          progress, progress_data, cancellable, error);
  g_clear_pointer (&run.incremental, saliency_incremental_free);
  if (!ok)
    return NULL;

  map = bitlens_saliency_map_new (run.input.width, run.input.height);
  saliency_accumulate_windows (run.input.height, run.input.width, run.window, run.stride, diffs, map->values);
  map->score = run.clean_score;
  map->target = run.target;
  return g_steal_pointer (&map);
}

BitlensSaliencyMap *
bitlens_saliency_compute (BitlensModel                *model,
                          GBytes                      *input,
                          const BitlensSaliencyParams *params,
                          BitlensProgressFunc          progress,
                          gpointer                     progress_data,
                          GCancellable                *cancellable,
                          GError                     **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (params->method)
    {
    case BITLENS_SALIENCY_OCCLUSION:
      return occlusion_compute (model, input, params, progress, progress_data, cancellable, error);

    /* The gradient methods, on the float shadow (saliency-gradient.c). */
    case BITLENS_SALIENCY_GRADIENT:
    case BITLENS_SALIENCY_GRADIENT_X_INPUT:
    case BITLENS_SALIENCY_INTEGRATED_GRADIENTS:
    case BITLENS_SALIENCY_SMOOTHGRAD:
    case BITLENS_SALIENCY_GRADCAM:
      return saliency_gradient_compute (model, input, params, progress, progress_data, cancellable, error);

    case BITLENS_SALIENCY_N_METHODS:
    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("unknown saliency method %d"), params->method);
      return NULL;
    }
}
