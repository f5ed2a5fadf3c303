/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gio/gio.h>

#include "cli-common.h"
#include "cli-saliency-options.h"

void
cli_map_options_init (CliMapOptions *options)
{
  BitlensSaliencyParams defaults;

  bitlens_saliency_params_init (&defaults);
  *options = (CliMapOptions) {
    .window = defaults.window,
    .stride = defaults.stride,
    .blur_radius = defaults.baseline.blur_radius,
    .target = defaults.target,
    .threads = defaults.n_threads,
    .ig_steps = defaults.steps,
    .samples = defaults.samples,
    .noise = defaults.noise,
    .seed = (gint64) defaults.seed,
    .layer = defaults.layer,
  };
}

void
cli_map_options_clear (CliMapOptions *options)
{
  g_clear_pointer (&options->method, g_free);
  g_clear_pointer (&options->baseline, g_free);
  g_clear_pointer (&options->ground_truth, g_free);
}

void
cli_map_options_add (GOptionContext *context,
                     CliMapOptions  *options)
{
  const GOptionEntry entries[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &options->method,
      "occlusion (default), gradient, gradient-x-input, integrated-gradients, smoothgrad or gradcam", "NAME" },
    { "window", 0, 0, G_OPTION_ARG_INT, &options->window, "Occlusion window side in model-input pixels (default 8)", "N" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &options->stride, "Occlusion stride (default 4)", "N" },
    { "baseline", 0, 0, G_OPTION_ARG_STRING, &options->baseline,
      "What fills a window (occlusion) or starts the path (integrated gradients): blur (the input box-blurred, default), gray (128), black, or a gray level 0..255", "KIND" },
    { "blur-radius", 0, 0, G_OPTION_ARG_INT, &options->blur_radius, "Box radius of the blur baseline (default 5)", "R" },
    { "target", 0, 0, G_OPTION_ARG_INT, &options->target, "Element of output 0 to explain (default: the person index)", "K" },
    { "naive", 0, 0, G_OPTION_ARG_NONE, &options->naive, "Full re-runs for every window instead of incremental ones", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &options->threads, "Worker threads (default: one per processor)", "N" },
    { "ig-steps", 0, 0, G_OPTION_ARG_INT, &options->ig_steps, "Integrated gradients: path steps (default 32)", "N" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &options->samples, "SmoothGrad: samples (default 16)", "N" },
    { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &options->noise, "SmoothGrad: noise, fraction of the input range (default 0.15)", "X" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &options->seed, "Random seed of the sampling methods (default 1)", "N" },
    { "layer", 0, 0, G_OPTION_ARG_INT, &options->layer, "Grad-CAM: op index of the layer (default: the last spatial op)", "N" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &options->raw, "IMAGE is a raw input-tensor file (its bytes go to input 0 as they are)", NULL },
    { "ground-truth", 0, 0, G_OPTION_ARG_STRING, &options->ground_truth,
      "person or no-person, for the caption (default: from a person/ or no_person/ folder)", "LABEL" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose, "Print timing on stderr", NULL },
    { "bench", 0, 0, G_OPTION_ARG_INT, &options->bench,
      "Occlusion: N rounds of the incremental and the naive map side by side, their CPU times and ratio", "N" },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &options->profile,
      "With --bench: one more round of each method, timed op by op, printed as a table", NULL },
    { NULL }
  };
  /* GOption keeps the pointers to the entries' fields, not the array itself. */
  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
cli_map_options_get_params (const CliMapOptions    *options,
                            BitlensSaliencyParams  *params,
                            GError                **error)
{
  bitlens_saliency_params_init (params);
  if (options->method != NULL && !bitlens_saliency_method_from_name (options->method, &params->method))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown method \"%s\": occlusion, gradient, gradient-x-input, integrated-gradients, smoothgrad or gradcam",
                   options->method);
      return FALSE;
    }
  if (options->baseline != NULL && !bitlens_baseline_parse (options->baseline, &params->baseline, error))
    return FALSE;
  params->baseline.blur_radius = options->blur_radius;
  if (options->window < 1 || options->stride < 1 || options->blur_radius < 0 || options->threads < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--window and --stride must be at least 1, --blur-radius and --threads at least 0");
      return FALSE;
    }
  params->window = options->window;
  params->stride = options->stride;
  params->target = options->target;
  params->naive = options->naive;
  params->n_threads = options->threads;
  params->steps = options->ig_steps;
  params->samples = options->samples;
  params->noise = options->noise;
  params->seed = (guint64) options->seed;
  params->layer = options->layer;
  return TRUE;
}

static int
ground_truth_from_path (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (folder);

  if (g_ascii_strcasecmp (name, "person") == 0)
    return 1;
  if (g_ascii_strcasecmp (name, "no_person") == 0 || g_ascii_strcasecmp (name, "no-person") == 0)
    return 0;
  return -1;
}

gboolean
cli_map_input_load (const char           *model_path,
                    const char           *input_path,
                    const CliMapOptions  *options,
                    CliMapInput          *input,
                    GError              **error)
{
  memset (input, 0, sizeof *input);
  input->ground_truth = -1;
  input->input_name = g_path_get_basename (input_path);

  input->model = bitlens_model_new_from_file (model_path, error);
  if (input->model == NULL)
    return FALSE;

  if (options->raw)
    {
      char *contents;
      gsize n_bytes;
      g_autoptr(GError) local_error = NULL;

      if (!g_file_get_contents (input_path, &contents, &n_bytes, &local_error))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "cannot read %s: %s", input_path, local_error->message);
          return FALSE;
        }
      input->input = g_bytes_new_take (contents, n_bytes);
      input->image = bitlens_saliency_input_to_image (input->model, input->input, error);
      if (input->image == NULL)
        return FALSE;
    }
  else
    {
      input->image = bitlens_image_load (input_path, error);
      if (input->image == NULL)
        return FALSE;
      input->input = bitlens_saliency_input_from_image (input->model, input->image, error);
      if (input->input == NULL)
        return FALSE;
      input->ground_truth = ground_truth_from_path (input_path);
    }

  if (options->ground_truth != NULL)
    {
      if (g_ascii_strcasecmp (options->ground_truth, "person") == 0 || strcmp (options->ground_truth, "1") == 0)
        input->ground_truth = 1;
      else if (g_ascii_strcasecmp (options->ground_truth, "no-person") == 0 ||
               g_ascii_strcasecmp (options->ground_truth, "no_person") == 0 || strcmp (options->ground_truth, "0") == 0)
        input->ground_truth = 0;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--ground-truth is person or no-person, not \"%s\"", options->ground_truth);
          return FALSE;
        }
    }
  return TRUE;
}

void
cli_map_input_clear (CliMapInput *input)
{
  g_clear_pointer (&input->model, bitlens_model_unref);
  g_clear_pointer (&input->input, g_bytes_unref);
  g_clear_pointer (&input->image, bitlens_image_free);
  g_clear_pointer (&input->input_name, g_free);
}

/* CPU time of the whole process (all threads), which a busy machine does not inflate
 * the way it inflates wall time. */
static double
process_cpu_seconds (void)
{
  struct timespec now;

  if (clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now) != 0)
    return 0;
  return now.tv_sec + now.tv_nsec * 1e-9;
}

BitlensSaliencyMap *
cli_map_compute (const CliMapInput           *input,
                 const BitlensSaliencyParams *params,
                 gboolean                     verbose,
                 GError                     **error)
{
  gint64 start = g_get_monotonic_time ();
  double cpu_start = process_cpu_seconds ();
  BitlensSaliencyMap *map;

  map = bitlens_saliency_compute (input->model, input->input, params, NULL, NULL, NULL, error);
  if (map != NULL && verbose)
    {
      double ms = (g_get_monotonic_time () - start) / 1000.0;
      double cpu_ms = (process_cpu_seconds () - cpu_start) * 1000.0;

      if (params->method == BITLENS_SALIENCY_OCCLUSION)
        {
          guint n = (guint) (bitlens_occlusion_count_windows (map->height, params->window, params->stride) *
                             bitlens_occlusion_count_windows (map->width, params->window, params->stride));
          g_printerr ("saliency: occlusion %s, %u windows, %.1f ms (%.3f ms per window), CPU %.1f ms, %d thread(s)\n",
                      params->naive ? "naive" : "incremental", n, ms, ms / n, cpu_ms,
                      params->n_threads > 0 ? params->n_threads : (int) g_get_num_processors ());
        }
      else
        g_printerr ("saliency: %s, %.1f ms, CPU %.1f ms\n", bitlens_saliency_method_get_name (params->method), ms, cpu_ms);
    }
  return map;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 != 0 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static BitlensSaliencyMap *
compute_timed (const CliMapInput           *input,
               const BitlensSaliencyParams *params,
               gboolean                     naive,
               double                      *cpu_ms,
               GError                     **error)
{
  BitlensSaliencyParams round_params = *params;
  double cpu_start = process_cpu_seconds ();
  BitlensSaliencyMap *map;

  round_params.naive = naive;
  map = bitlens_saliency_compute (input->model, input->input, &round_params, NULL, NULL, NULL, error);
  *cpu_ms = (process_cpu_seconds () - cpu_start) * 1000.0;
  return map;
}

/* One map of each method with op costs, then the table: per op, the share of its output
 * that the incremental method recomputes and the time of each method. */
static gboolean
print_profile (const CliMapInput           *input,
               const BitlensSaliencyParams *params,
               guint                        n_windows,
               GError                     **error)
{
  BitlensModel *model = input->model;
  guint n_ops = bitlens_model_get_n_ops (model);
  g_autofree BitlensOcclusionOpCost *incremental = g_new0 (BitlensOcclusionOpCost, MAX (n_ops, 1));
  g_autofree BitlensOcclusionOpCost *naive = g_new0 (BitlensOcclusionOpCost, MAX (n_ops, 1));
  BitlensSaliencyParams profile_params = *params;
  double naive_total = 0, incremental_total = 0, naive_share = 0;

  for (int method = 0; method < 2; method++)
    {
      BitlensSaliencyMap *map;

      profile_params.naive = method == 1;
      profile_params.op_costs = method == 1 ? naive : incremental;
      map = bitlens_saliency_compute (model, input->input, &profile_params, NULL, NULL, NULL, error);
      if (map == NULL)
        return FALSE;
      bitlens_saliency_map_free (map);
    }

  g_print ("profile: one more map of each method, timed op by op (summed over threads; timing adds a little)\n");
  g_print ("profile: %3s  %-20s %-14s %11s %9s %9s %7s\n", "op", "kind", "output", "recomputed", "naive ms",
           "incr. ms", "ratio");
  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      const BitlensTensor *output = bitlens_model_get_tensor (model, op->outputs[0]);
      g_autoptr(GString) shape = g_string_new (NULL);
      double naive_ms = naive[o].nanoseconds / 1e6, incremental_ms = incremental[o].nanoseconds / 1e6;
      /* The share of the naive method's output elements that the incremental one computed. */
      double recomputed = naive[o].elements > 0 ? (double) incremental[o].elements / (double) naive[o].elements : 0;

      for (int d = 1; d < output->rank; d++)
        g_string_append_printf (shape, "%s%d", d > 1 ? "x" : "", output->shape[d]);
      g_print ("profile: %3u  %-20s %-14s %10.1f%% %9.1f %9.1f %7.2f\n", o, bitlens_op_kind_name (op->kind),
               shape->str, 100.0 * recomputed, naive_ms, incremental_ms, naive_ms / MAX (incremental_ms, 1e-6));
      naive_total += naive_ms;
      incremental_total += incremental_ms;
      naive_share += naive_ms * recomputed;
    }
  g_print ("profile: all ops: naive %.1f ms, incremental %.1f ms, ratio %.2f (%u windows)\n", naive_total,
           incremental_total, naive_total / MAX (incremental_total, 1e-6), n_windows);
  /* What re-running only the reached part would cost with the naive kernels' speed per
   * element: the limit of plain region re-runs, which delta updates can pass. */
  g_print ("profile: the recomputed elements at the naive cost per element: %.1f ms, a ratio of %.2f\n",
           naive_share, naive_total / MAX (naive_share, 1e-6));
  return TRUE;
}

BitlensSaliencyMap *
cli_map_bench (const CliMapInput           *input,
               const BitlensSaliencyParams *params,
               int                          rounds,
               gboolean                     profile,
               GError                     **error)
{
  g_autofree double *incremental_ms = g_new0 (double, MAX (rounds, 1));
  g_autofree double *naive_ms = g_new0 (double, MAX (rounds, 1));
  BitlensSaliencyMap *result = NULL;
  double incremental_min = G_MAXDOUBLE, naive_min = G_MAXDOUBLE, incremental_median, naive_median;
  guint n_windows;

  if (params->method != BITLENS_SALIENCY_OCCLUSION)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--bench compares the occlusion methods only");
      return NULL;
    }
  g_print ("bench: %d round(s), each the incremental map then the naive map, %d thread(s)\n", rounds,
           params->n_threads > 0 ? params->n_threads : (int) g_get_num_processors ());
  for (int r = 0; r < rounds; r++)
    {
      BitlensSaliencyMap *incremental = compute_timed (input, params, FALSE, &incremental_ms[r], error);
      BitlensSaliencyMap *naive;
      gboolean same;

      if (incremental == NULL)
        goto fail;
      naive = compute_timed (input, params, TRUE, &naive_ms[r], error);
      if (naive == NULL)
        {
          bitlens_saliency_map_free (incremental);
          goto fail;
        }
      same = incremental->width == naive->width && incremental->height == naive->height &&
             memcmp (incremental->values, naive->values,
                     sizeof (float) * (gsize) naive->width * (gsize) naive->height) == 0;
      bitlens_saliency_map_free (naive);
      if (!same)
        {
          bitlens_saliency_map_free (incremental);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "round %d: the incremental and naive maps differ", r + 1);
          goto fail;
        }
      g_print ("bench: round %d: incremental CPU %.1f ms, naive CPU %.1f ms, ratio %.2f, maps identical\n",
               r + 1, incremental_ms[r], naive_ms[r], naive_ms[r] / MAX (incremental_ms[r], 1e-3));
      incremental_min = MIN (incremental_min, incremental_ms[r]);
      naive_min = MIN (naive_min, naive_ms[r]);
      if (result != NULL)
        bitlens_saliency_map_free (result);
      result = incremental;
    }
  n_windows = (guint) (bitlens_occlusion_count_windows (result->height, params->window, params->stride) *
                       bitlens_occlusion_count_windows (result->width, params->window, params->stride));
  incremental_median = median (incremental_ms, rounds);
  naive_median = median (naive_ms, rounds);
  g_print ("bench: %u windows; incremental CPU median %.1f ms (min %.1f), naive median %.1f ms (min %.1f); "
           "ratio of medians %.2f, of minima %.2f\n",
           n_windows, incremental_median, incremental_min, naive_median, naive_min,
           naive_median / MAX (incremental_median, 1e-3), naive_min / MAX (incremental_min, 1e-3));
  if (profile && !print_profile (input, params, n_windows, error))
    goto fail;
  return result;

fail:
  if (result != NULL)
    bitlens_saliency_map_free (result);
  return NULL;
}
