/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "saliency-private.h"

/* Faithfulness of a map: the deletion and insertion curves of RISE (Petsiuk et al.
 * 2018). Pixels are taken in decreasing saliency (ties by increasing index). With N
 * pixels and n steps, step k covers the first m_k = floor(k N / n) pixels:
 * - deletion image k: the input with those pixels (all channels) set to the deletion
 *   baseline's tensor values;
 * - insertion image k: the insertion start tensor (a blurred copy or a constant
 *   baseline) with those pixels set back to the input's values.
 * The score of each image gives two curves of n + 1 points over x = k / n; their areas
 * come from the trapezoid rule. */

void
bitlens_faithfulness_params_init (BitlensFaithfulnessParams *params)
{
  g_return_if_fail (params != NULL);
  *params = (BitlensFaithfulnessParams) {
    .steps = BITLENS_FAITHFULNESS_DEFAULT_STEPS,
    .target = -1,
    .n_threads = 0,
    .deletion_baseline = { BITLENS_BASELINE_DEFAULT_KIND, BITLENS_BASELINE_DEFAULT_GRAY, BITLENS_BASELINE_DEFAULT_BLUR_RADIUS },
    .insertion_start = { BITLENS_BASELINE_BLUR, BITLENS_BASELINE_DEFAULT_GRAY, BITLENS_BASELINE_DEFAULT_BLUR_RADIUS },
  };
}

void
bitlens_faithfulness_free (BitlensFaithfulness *faithfulness)
{
  if (faithfulness == NULL)
    return;
  g_free (faithfulness->deletion);
  g_free (faithfulness->insertion);
  g_free (faithfulness);
}

typedef struct
{
  const float *values;
  guint32      index;
} RankedPixel;

/* Decreasing value, NaN last, then increasing index: a total order, so the result
 * does not depend on the sort algorithm. */
static int
compare_ranked (const void *a,
                const void *b)
{
  const RankedPixel *x = a, *y = b;
  float vx = x->values[x->index], vy = y->values[y->index];
  gboolean nan_x = isnan (vx), nan_y = isnan (vy);

  if (nan_x != nan_y)
    return nan_x ? 1 : -1;
  if (!nan_x && vx != vy)
    return vx > vy ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

void
bitlens_faithfulness_pixel_order (const BitlensSaliencyMap *map,
                                  guint32                  *order)
{
  gsize n = (gsize) map->width * map->height;
  g_autofree RankedPixel *ranked = g_new (RankedPixel, n);

  g_return_if_fail (n <= G_MAXUINT32);
  for (gsize i = 0; i < n; i++)
    ranked[i] = (RankedPixel) { map->values, (guint32) i };
  qsort (ranked, n, sizeof (RankedPixel), compare_ranked);
  for (gsize i = 0; i < n; i++)
    order[i] = ranked[i].index;
}

double
bitlens_faithfulness_area (const double *scores,
                           int           steps)
{
  double sum = 0.0;

  g_return_val_if_fail (steps > 0, NAN);
  for (int k = 0; k < steps; k++)
    sum += (scores[k] + scores[k + 1]) / 2.0;
  return sum / steps;
}

typedef struct
{
  BitlensModel  *model;
  SaliencyInput  input;
  int            target;
  int            steps;
  gsize          n_pixels;
  const guint8  *original;
  guint8        *deletion_baseline;
  guint8        *insertion_start;
  guint32       *order;
  double        *deletion;
  double        *insertion;
} FaithfulnessRun;

typedef struct
{
  FaithfulnessRun    *run;
  BitlensInterpreter *interpreter;
} FaithfulnessWorker;

static gpointer
faithfulness_worker_new (gpointer  shared,
                         GError  **error)
{
  FaithfulnessRun *run = shared;
  BitlensInterpreter *interpreter = bitlens_interpreter_new (run->model, BITLENS_INTERPRETER_DEFAULT, error);
  FaithfulnessWorker *worker;

  if (interpreter == NULL)
    return NULL;
  worker = g_new0 (FaithfulnessWorker, 1);
  worker->run = run;
  worker->interpreter = interpreter;
  return worker;
}

static void
faithfulness_worker_free (gpointer data)
{
  FaithfulnessWorker *worker = data;

  bitlens_interpreter_free (worker->interpreter);
  g_free (worker);
}

static gsize
pixels_at_step (const FaithfulnessRun *run,
                int                    k)
{
  return (gsize) ((guint64) k * run->n_pixels / (guint64) run->steps);
}

/* Jobs 0..steps are the deletion images, steps+1..2 steps+1 the insertion images. */
static gboolean
faithfulness_worker_run (gpointer  data,
                         guint     job,
                         GError  **error)
{
  FaithfulnessWorker *worker = data;
  FaithfulnessRun *run = worker->run;
  gboolean deletion = job <= (guint) run->steps;
  int k = deletion ? (int) job : (int) job - run->steps - 1;
  guint8 *input = bitlens_interpreter_get_input_data (worker->interpreter, 0);
  const guint8 *start = deletion ? run->original : run->insertion_start;
  const guint8 *source = deletion ? run->deletion_baseline : run->original;
  gsize pixel = run->input.pixel_bytes;
  gsize m = pixels_at_step (run, k);

  memcpy (input, start, run->input.tensor->n_bytes);
  for (gsize i = 0; i < m; i++)
    memcpy (input + run->order[i] * pixel, source + run->order[i] * pixel, pixel);
  bitlens_interpreter_invoke (worker->interpreter);
  (deletion ? run->deletion : run->insertion)[k] = saliency_score (worker->interpreter, run->target);
  return TRUE;
}

BitlensFaithfulness *
bitlens_faithfulness_compute (BitlensModel                    *model,
                              GBytes                          *input,
                              const BitlensSaliencyMap        *map,
                              const BitlensFaithfulnessParams *params,
                              BitlensProgressFunc              progress,
                              gpointer                         progress_data,
                              GCancellable                    *cancellable,
                              GError                         **error)
{
  FaithfulnessRun run = { .model = model };
  g_autoptr(BitlensFaithfulness) result = NULL;
  g_autofree guint8 *deletion_baseline = NULL;
  g_autofree guint8 *insertion_start = NULL;
  g_autofree guint32 *order = NULL;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (map != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  if (!saliency_input_init (model, &run.input, error) ||
      !saliency_input_check_bytes (&run.input, input, error) ||
      !saliency_resolve_target (model, params->target, &run.target, error))
    return NULL;
  if (map->width != run.input.width || map->height != run.input.height)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("the map is %dx%d, the model's input %dx%d"), map->width, map->height,
                   run.input.width, run.input.height);
      return NULL;
    }
  if (params->steps < 1 || params->steps > 1 << 20)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("faithfulness steps %d: use 1 to 1048576"), params->steps);
      return NULL;
    }

  run.steps = params->steps;
  run.n_pixels = (gsize) run.input.width * run.input.height;
  run.original = g_bytes_get_data (input, NULL);
  deletion_baseline = saliency_baseline_new (&run.input, run.original, &params->deletion_baseline, error);
  if (deletion_baseline == NULL)
    return NULL;
  insertion_start = saliency_baseline_new (&run.input, run.original, &params->insertion_start, error);
  if (insertion_start == NULL)
    return NULL;
  order = g_new (guint32, run.n_pixels);
  bitlens_faithfulness_pixel_order (map, order);
  run.deletion_baseline = deletion_baseline;
  run.insertion_start = insertion_start;
  run.order = order;

  result = g_new0 (BitlensFaithfulness, 1);
  result->steps = run.steps;
  result->deletion = g_new0 (double, run.steps + 1);
  result->insertion = g_new0 (double, run.steps + 1);
  run.deletion = result->deletion;
  run.insertion = result->insertion;

  if (!saliency_run_jobs (2 * (guint) (run.steps + 1), saliency_resolve_threads (params->n_threads),
                          faithfulness_worker_new, faithfulness_worker_run, faithfulness_worker_free, &run,
                          progress, progress_data, cancellable, error))
    return NULL;

  result->deletion_area = bitlens_faithfulness_area (result->deletion, run.steps);
  result->insertion_area = bitlens_faithfulness_area (result->insertion, run.steps);
  return g_steal_pointer (&result);
}
