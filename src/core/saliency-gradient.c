/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "saliency-private.h"
#include "shadow-model.h"

/* The gradient methods, on the float shadow of the model (shadow-model.h). x is the
 * real input (the dequantized input tensor), g = d score / d x from the shadow, and a
 * map value reduces the channels of a pixel:
 *
 *   gradient               max over channels of |g|  (Simonyan et al.)
 *   gradient-x-input       sum over channels of x g  (signed)
 *   integrated-gradients   sum over channels of (x - b) mean_k g (b + a_k (x - b)),
 *                          a_k = (k + 1/2) / steps, k = 0 .. steps - 1 (midpoint rule),
 *                          b the baseline (as occlusion's, dequantized)
 *   smoothgrad             mean over samples k of max over channels of |g (x + n_k)|,
 *                          n_k Gaussian with std = noise * (max x - min x)
 *   gradcam                ReLU (sum_c w_c A_c), A the output of the chosen layer,
 *                          w_c the mean over its pixels of d score / d A_c, resampled
 *                          bilinearly to the input size
 *
 * Paths and samples are jobs spread over threads; each job's pixel values are kept by
 * job index and summed in job order, so maps do not depend on the number of threads.
 * The map's score is the real interpreter's (the deployed arithmetic). */

#define GRADIENT_MAX_JOBS 100000
/* Jobs whose results are held at once before they are summed (in job order). */
#define GRADIENT_CHUNK_JOBS 32

gboolean
bitlens_saliency_method_uses_gradients (BitlensSaliencyMethod method)
{
  return method == BITLENS_SALIENCY_GRADIENT || method == BITLENS_SALIENCY_GRADIENT_X_INPUT ||
         method == BITLENS_SALIENCY_INTEGRATED_GRADIENTS || method == BITLENS_SALIENCY_SMOOTHGRAD ||
         method == BITLENS_SALIENCY_GRADCAM;
}

const char *
bitlens_saliency_method_get_gradient_note (BitlensSaliencyMethod method)
{
  if (!bitlens_saliency_method_uses_gradients (method))
    return NULL;
  return "gradients of a float shadow of the model: weights and activations dequantized to real "
         "values; quantize, requantize and sign steps passed through with straight-through "
         "estimators (a binary or quantized network has no true gradient)";
}

/* ---- Noise: SplitMix64 and Box-Muller -------------------------------------------- */

#define SPLITMIX64_GAMMA G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)

static guint64
splitmix64_next (guint64 *state)
{
  guint64 z = (*state += SPLITMIX64_GAMMA);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, 1): the top 53 bits. */
static double
splitmix64_uniform (guint64 *state)
{
  return (double) (splitmix64_next (state) >> 11) * 0x1.0p-53;
}

/* Gaussian noise of sample k: the generator of sample k is SplitMix64 started from
 * output k (0-based) of SplitMix64 started from the seed; each pair of draws (u1, u2)
 * gives r = sqrt (-2 ln (1 - u1)), r cos (2 pi u2) and r sin (2 pi u2), in that order, to
 * the input elements in row-major order (y, x, channel). */
static void
gaussian_noise (guint64  seed,
                guint    sample,
                double   std,
                double  *noise,
                gsize    n)
{
  guint64 master = seed + (guint64) sample * SPLITMIX64_GAMMA;
  guint64 state = splitmix64_next (&master);

  for (gsize i = 0; i < n; i += 2)
    {
      double u1 = splitmix64_uniform (&state);
      double u2 = splitmix64_uniform (&state);
      double r = sqrt (-2.0 * log (1.0 - u1));

      noise[i] = std * r * cos (2.0 * G_PI * u2);
      if (i + 1 < n)
        noise[i + 1] = std * r * sin (2.0 * G_PI * u2);
    }
}

/* ---- Jobs ------------------------------------------------------------------------- */

typedef struct
{
  ShadowModel           *shadow;
  BitlensSaliencyMethod  method;
  int                    target;
  int                    height, width, channels;
  gsize                  n_pixels;
  gsize                  n_input;
  const double          *input;          /* real values */
  const double          *baseline;       /* integrated gradients */
  int                    steps;
  double                 noise_std;      /* smoothgrad */
  guint64                seed;
  int                    layer_tensor;   /* gradcam */
  guint                  first_job;      /* of the chunk being run */
  double                *pixel_values;   /* per job of the chunk: n_pixels values */
  double                *layer_map;      /* gradcam: the layer's height * width values */
} GradientRun;

typedef struct
{
  GradientRun  *run;
  ShadowState  *state;
  double       *point;                   /* the input of a pass */
} GradientWorker;

static gpointer
gradient_worker_new (gpointer  shared,
                     GError  **error)
{
  GradientRun *run = shared;
  GradientWorker *worker = g_new0 (GradientWorker, 1);

  worker->run = run;
  worker->state = shadow_state_new (run->shadow);
  worker->point = g_new (double, run->n_input);
  return worker;
}

static void
gradient_worker_free (gpointer data)
{
  GradientWorker *worker = data;

  shadow_state_free (worker->state);
  g_free (worker->point);
  g_free (worker);
}

static void
max_abs_over_channels (const GradientRun *run,
                       const double      *gradient,
                       double            *values)
{
  for (gsize p = 0; p < run->n_pixels; p++)
    {
      double best = 0;

      for (int c = 0; c < run->channels; c++)
        best = MAX (best, fabs (gradient[p * run->channels + c]));
      values[p] = best;
    }
}

/* sum over channels of factor * gradient, factor = x (or x - baseline). */
static void
sum_product_over_channels (const GradientRun *run,
                           const double      *gradient,
                           const double      *x,
                           const double      *baseline,
                           double            *values)
{
  for (gsize p = 0; p < run->n_pixels; p++)
    {
      double total = 0;

      for (int c = 0; c < run->channels; c++)
        {
          gsize i = p * run->channels + c;
          total += (baseline != NULL ? x[i] - baseline[i] : x[i]) * gradient[i];
        }
      values[p] = total;
    }
}

static void
gradcam_layer_map (GradientRun       *run,
                   const ShadowState *state)
{
  int rank;
  const int *shape = shadow_model_get_shape (run->shadow, run->layer_tensor, &rank);
  const double *activation = shadow_state_get_values (state, run->layer_tensor);
  const double *gradient = shadow_state_get_gradient (state, run->layer_tensor);
  gsize n_pixels = (gsize) shape[1] * shape[2];
  int channels = shape[3];
  g_autofree double *weights = g_new0 (double, channels);

  /* Pixel order, so that each weight sums its pixels in a fixed order. */
  for (gsize p = 0; p < n_pixels; p++)
    for (int c = 0; c < channels; c++)
      weights[c] += gradient[p * channels + c];
  for (int c = 0; c < channels; c++)
    weights[c] /= (double) n_pixels;
  for (gsize p = 0; p < n_pixels; p++)
    {
      double total = 0;

      for (int c = 0; c < channels; c++)
        total += weights[c] * activation[p * channels + c];
      run->layer_map[p] = MAX (total, 0.0);
    }
}

static gboolean
gradient_worker_run (gpointer  data,
                     guint     job,
                     GError  **error)
{
  GradientWorker *worker = data;
  GradientRun *run = worker->run;
  guint k = run->first_job + job;
  double *values = NULL;
  const double *gradient;

  switch (run->method)
    {
    case BITLENS_SALIENCY_INTEGRATED_GRADIENTS:
      {
        double alpha = (k + 0.5) / run->steps;

        for (gsize i = 0; i < run->n_input; i++)
          worker->point[i] = run->baseline[i] + alpha * (run->input[i] - run->baseline[i]);
        break;
      }
    case BITLENS_SALIENCY_SMOOTHGRAD:
      gaussian_noise (run->seed, k, run->noise_std, worker->point, run->n_input);
      for (gsize i = 0; i < run->n_input; i++)
        worker->point[i] += run->input[i];
      break;
    default:
      memcpy (worker->point, run->input, sizeof (double) * run->n_input);
      break;
    }

  shadow_state_forward (worker->state, worker->point, run->target);
  shadow_state_backward (worker->state, run->target);
  gradient = shadow_state_get_gradient (worker->state, shadow_model_get_input (run->shadow));
  if (run->pixel_values != NULL)
    values = run->pixel_values + (gsize) job * run->n_pixels;

  switch (run->method)
    {
    case BITLENS_SALIENCY_GRADIENT:
    case BITLENS_SALIENCY_SMOOTHGRAD:
      max_abs_over_channels (run, gradient, values);
      break;
    case BITLENS_SALIENCY_GRADIENT_X_INPUT:
      sum_product_over_channels (run, gradient, run->input, NULL, values);
      break;
    case BITLENS_SALIENCY_INTEGRATED_GRADIENTS:
      sum_product_over_channels (run, gradient, run->input, run->baseline, values);
      break;
    case BITLENS_SALIENCY_GRADCAM:
      gradcam_layer_map (run, worker->state);
      break;
    case BITLENS_SALIENCY_OCCLUSION:
    case BITLENS_SALIENCY_N_METHODS:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* Progress of one chunk reported as progress of all jobs. */
typedef struct
{
  BitlensProgressFunc func;
  gpointer            data;
  guint               offset;
  guint               total;
} ChunkProgress;

static void
chunk_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  ChunkProgress *chunk = user_data;

  chunk->func (chunk->offset + done, chunk->total, chunk->data);
}

/* Runs n_jobs jobs chunk by chunk and returns sum_k values_k / n_jobs per pixel, the
 * sum taken in job order. */
static gboolean
run_jobs_and_average (GradientRun          *run,
                      guint                 n_jobs,
                      int                   n_threads,
                      double               *average,
                      BitlensProgressFunc   progress,
                      gpointer              progress_data,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_autofree double *pixel_values = g_new (double, (gsize) MIN (n_jobs, GRADIENT_CHUNK_JOBS) * run->n_pixels);

  run->pixel_values = pixel_values;
  memset (average, 0, sizeof (double) * run->n_pixels);
  for (guint first = 0; first < n_jobs; first += GRADIENT_CHUNK_JOBS)
    {
      guint n = MIN (GRADIENT_CHUNK_JOBS, n_jobs - first);
      ChunkProgress chunk = { progress, progress_data, first, n_jobs };

      run->first_job = first;
      if (!saliency_run_jobs (n, n_threads, gradient_worker_new, gradient_worker_run, gradient_worker_free,
                              run, progress != NULL ? chunk_progress : NULL, &chunk, cancellable, error))
        {
          run->pixel_values = NULL;
          return FALSE;
        }
      for (guint j = 0; j < n; j++)
        for (gsize p = 0; p < run->n_pixels; p++)
          average[p] += pixel_values[(gsize) j * run->n_pixels + p];
    }
  for (gsize p = 0; p < run->n_pixels; p++)
    average[p] /= n_jobs;
  run->pixel_values = NULL;
  return TRUE;
}

static char *
format_shape (int        rank,
              const int *shape)
{
  GString *text = g_string_new ("[");

  for (int d = 0; d < rank; d++)
    g_string_append_printf (text, d == 0 ? "%d" : ",%d", shape[d]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static gboolean
is_spatial_layer (int        rank,
                  const int *shape)
{
  return rank == 4 && shape[0] == 1;
}

/* The output tensor of the Grad-CAM layer: op `layer`, or for -1 the last op whose
 * output is [1, H, W, C] with H * W > 1 (the last spatial layer before the spatial
 * dimensions collapse). */
static gboolean
resolve_gradcam_layer (const ShadowModel  *shadow,
                       int                 layer,
                       int                *tensor,
                       GError            **error)
{
  BitlensModel *model = shadow_model_get_model (shadow);
  guint n_ops = bitlens_model_get_n_ops (model);
  const BitlensOp *op;
  const int *shape;
  int rank;

  if (layer == -1)
    {
      for (guint i = n_ops; i-- > 0;)
        {
          op = bitlens_model_get_op (model, i);
          shape = shadow_model_get_shape (shadow, op->outputs[0], &rank);
          if (is_spatial_layer (rank, shape) && (gsize) shape[1] * shape[2] > 1)
            {
              *tensor = op->outputs[0];
              return TRUE;
            }
        }
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("Grad-CAM: no op of the model outputs a [1,H,W,C] activation larger than one pixel"));
      return FALSE;
    }
  if (layer < 0 || (guint) layer >= n_ops)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("Grad-CAM layer %d is not an op index: the model has %u ops (0 to %u), or -1 for the last spatial one"),
                   layer, n_ops, n_ops > 0 ? n_ops - 1 : 0);
      return FALSE;
    }
  op = bitlens_model_get_op (model, (guint) layer);
  shape = shadow_model_get_shape (shadow, op->outputs[0], &rank);
  if (!is_spatial_layer (rank, shape))
    {
      g_autofree char *text = format_shape (rank, shape);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("Grad-CAM layer %d (%s) outputs %s; Grad-CAM needs a 4-D [1,H,W,C] activation"),
                   layer, bitlens_op_kind_name (op->kind), text);
      return FALSE;
    }
  *tensor = op->outputs[0];
  return TRUE;
}

static gboolean
check_params (const BitlensSaliencyParams  *params,
              GError                      **error)
{
  if (params->method == BITLENS_SALIENCY_INTEGRATED_GRADIENTS &&
      (params->steps < 1 || params->steps > GRADIENT_MAX_JOBS))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("integrated gradients steps (%d) must be 1 to %d"), params->steps, GRADIENT_MAX_JOBS);
      return FALSE;
    }
  if (params->method == BITLENS_SALIENCY_SMOOTHGRAD &&
      (params->samples < 1 || params->samples > GRADIENT_MAX_JOBS))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("SmoothGrad samples (%d) must be 1 to %d"), params->samples, GRADIENT_MAX_JOBS);
      return FALSE;
    }
  if (params->method == BITLENS_SALIENCY_SMOOTHGRAD && !(params->noise >= 0 && isfinite (params->noise)))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("SmoothGrad noise (%g) must be a finite value of at least 0"), params->noise);
      return FALSE;
    }
  return TRUE;
}

static gboolean
interpreter_score (BitlensModel  *model,
                   GBytes        *input,
                   int            target,
                   double        *score,
                   GError       **error)
{
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, error);

  if (interpreter == NULL ||
      !bitlens_interpreter_set_input_bytes (interpreter, g_bytes_get_data (input, NULL), g_bytes_get_size (input), error))
    return FALSE;
  bitlens_interpreter_invoke (interpreter);
  *score = saliency_score (interpreter, target);
  return TRUE;
}

static double
input_range (const double *values,
             gsize         n)
{
  double low = INFINITY, high = -INFINITY;

  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        low = MIN (low, values[i]);
        high = MAX (high, values[i]);
      }
  return high > low ? high - low : 0.0;
}

static BitlensSaliencyMap *
gradcam_compute (GradientRun          *run,
                 int                   n_threads,
                 BitlensProgressFunc   progress,
                 gpointer              progress_data,
                 GCancellable         *cancellable,
                 GError              **error)
{
  g_autoptr(BitlensSaliencyMap) layer_map = NULL;
  g_autofree double *layer_values = NULL;
  int rank;
  const int *shape = shadow_model_get_shape (run->shadow, run->layer_tensor, &rank);
  gsize n_layer = (gsize) shape[1] * shape[2];

  layer_values = g_new0 (double, n_layer);
  run->layer_map = layer_values;
  run->first_job = 0;
  run->pixel_values = NULL;
  if (!saliency_run_jobs (1, n_threads, gradient_worker_new, gradient_worker_run, gradient_worker_free,
                          run, progress, progress_data, cancellable, error))
    return NULL;
  layer_map = bitlens_saliency_map_new (shape[2], shape[1]);
  for (gsize p = 0; p < n_layer; p++)
    layer_map->values[p] = (float) layer_values[p];
  return bitlens_saliency_map_resample (layer_map, run->width, run->height);
}

BitlensSaliencyMap *
saliency_gradient_compute (BitlensModel                *model,
                           GBytes                      *input_bytes,
                           const BitlensSaliencyParams *params,
                           BitlensProgressFunc          progress,
                           gpointer                     progress_data,
                           GCancellable                *cancellable,
                           GError                     **error)
{
  g_autoptr(ShadowModel) shadow = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autofree double *input = NULL, *baseline = NULL, *average = NULL;
  GradientRun run = { .method = params->method, .steps = params->steps, .seed = params->seed };
  SaliencyInput tensor;
  int n_threads = saliency_resolve_threads (params->n_threads);
  double score;
  guint n_jobs = 1;

  g_assert (bitlens_saliency_method_uses_gradients (params->method));
  if (!check_params (params, error) ||
      !saliency_input_init (model, &tensor, error) ||
      !saliency_input_check_bytes (&tensor, input_bytes, error) ||
      !saliency_resolve_target (model, params->target, &run.target, error))
    return NULL;
  shadow = shadow_model_new (model, error);
  if (shadow == NULL)
    return NULL;

  run.shadow = shadow;
  run.height = tensor.height;
  run.width = tensor.width;
  run.channels = tensor.channels;
  run.n_pixels = (gsize) tensor.height * tensor.width;
  run.n_input = tensor.tensor->n_elements;
  input = g_new (double, run.n_input);
  shadow_model_dequantize_input (shadow, g_bytes_get_data (input_bytes, NULL), input);
  run.input = input;

  switch (params->method)
    {
    case BITLENS_SALIENCY_INTEGRATED_GRADIENTS:
      {
        g_autofree guint8 *baseline_bytes = saliency_baseline_new (&tensor, g_bytes_get_data (input_bytes, NULL),
                                                                   &params->baseline, error);
        if (baseline_bytes == NULL)
          return NULL;
        baseline = g_new (double, run.n_input);
        shadow_model_dequantize_input (shadow, baseline_bytes, baseline);
        run.baseline = baseline;
        n_jobs = (guint) params->steps;
        break;
      }
    case BITLENS_SALIENCY_SMOOTHGRAD:
      run.noise_std = params->noise * input_range (input, run.n_input);
      n_jobs = (guint) params->samples;
      break;
    case BITLENS_SALIENCY_GRADCAM:
      if (!resolve_gradcam_layer (shadow, params->layer, &run.layer_tensor, error))
        return NULL;
      break;
    default:
      break;
    }

  if (!interpreter_score (model, input_bytes, run.target, &score, error))
    return NULL;

  if (params->method == BITLENS_SALIENCY_GRADCAM)
    {
      map = gradcam_compute (&run, n_threads, progress, progress_data, cancellable, error);
      if (map == NULL)
        return NULL;
    }
  else
    {
      average = g_new (double, run.n_pixels);
      if (!run_jobs_and_average (&run, n_jobs, n_threads, average, progress, progress_data, cancellable, error))
        return NULL;
      map = bitlens_saliency_map_new (run.width, run.height);
      for (gsize p = 0; p < run.n_pixels; p++)
        map->values[p] = (float) average[p];
    }
  map->score = score;
  map->target = run.target;
  return g_steal_pointer (&map);
}
