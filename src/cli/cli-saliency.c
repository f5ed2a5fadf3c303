/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <bitlens/bitlens-render.h>

#include "cli-common.h"
#include "cli-saliency-options.h"

/* bitlens-cli saliency MODEL IMAGE: computes a map and writes an annotated PNG and/or
 * the raw map (.npy + .json); with --compare MODEL_B, the annotated PNG shows A | B | A - B. */

typedef struct
{
  char     *output;
  char     *map_path;
  char     *input_path;
  char     *compare;
  char     *colormap;
  char     *mode;
  char     *sign;
  double    clip;
  double    opacity;
  gboolean  force;
} RenderArguments;

static gboolean
render_options_from_arguments (const RenderArguments  *arguments,
                               BitlensRenderOptions   *options,
                               GError                **error)
{
  bitlens_render_options_init (options);
  if (arguments->colormap != NULL && !bitlens_colormap_from_name (arguments->colormap, &options->colormap))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown colormap \"%s\": viridis, inferno, cividis, puor, brbg", arguments->colormap);
      return FALSE;
    }
  if (arguments->mode != NULL && !bitlens_render_mode_from_name (arguments->mode, &options->mode))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown mode \"%s\": heat, blend, mask, alpha", arguments->mode);
      return FALSE;
    }
  if (arguments->sign != NULL && !bitlens_render_sign_from_name (arguments->sign, &options->sign))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown sign \"%s\": positive, negative, absolute, both", arguments->sign);
      return FALSE;
    }
  if (!(arguments->clip > 0 && arguments->clip <= 100) || !(arguments->opacity >= 0 && arguments->opacity <= 1))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--clip is a percentile in (0, 100], --opacity a value in [0, 1]");
      return FALSE;
    }
  options->clip_percent = arguments->clip;
  options->opacity = arguments->opacity;
  return TRUE;
}

/* "target: 1  score: 0.95", then "map: 96x96  min: ...  max: ..."; `which` is "" or " B". */
static void
print_map_summary (const BitlensSaliencyMap *map,
                   const char               *which)
{
  char score_text[G_ASCII_DTOSTR_BUF_SIZE], min_text[G_ASCII_DTOSTR_BUF_SIZE], max_text[G_ASCII_DTOSTR_BUF_SIZE];
  float min, max;

  bitlens_saliency_map_get_range (map, &min, &max);
  /* Numbers in the C locale: the score exactly (%.17g), float values with %.9g. */
  g_print ("target%s: %d  score%s: %s\n", which, map->target, which,
           g_ascii_dtostr (score_text, sizeof score_text, map->score));
  g_print ("map%s: %dx%d  min: %s  max: %s\n", which, map->width, map->height,
           g_ascii_formatd (min_text, sizeof min_text, "%.9g", min),
           g_ascii_formatd (max_text, sizeof max_text, "%.9g", max));
}

/* Model B of --compare on the same image: its own preprocessing of the image, the same
 * map parameters. */
static BitlensSaliencyMap *
compute_compare_map (const char                  *model_path,
                     const CliMapInput           *input_a,
                     const BitlensSaliencyParams *params,
                     gboolean                     verbose,
                     BitlensModel               **model_out,
                     GError                     **error)
{
  CliMapInput input_b = { .ground_truth = input_a->ground_truth };
  BitlensSaliencyMap *map = NULL;

  input_b.model = bitlens_model_new_from_file (model_path, error);
  if (input_b.model != NULL)
    input_b.input = bitlens_saliency_input_from_image (input_b.model, input_a->image, error);
  if (input_b.input != NULL)
    map = cli_map_compute (&input_b, params, verbose, error);
  if (map != NULL)
    *model_out = g_steal_pointer (&input_b.model);
  cli_map_input_clear (&input_b);
  return map;
}

int
cli_saliency (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(BitlensSaliencyMap) map_b = NULL;
  g_autoptr(BitlensModel) model_b = NULL;
  CliMapOptions map_options;
  CliMapInput input = { 0 };
  RenderArguments arguments = { .clip = 99.0, .opacity = 0.6 };
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensRenderScale scale;
  BitlensExportInfo info, info_b;
  char min_text[G_ASCII_DTOSTR_BUF_SIZE], max_text[G_ASCII_DTOSTR_BUF_SIZE];
  int status = CLI_EXIT_FAILURE;
  const GOptionEntry render_entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &arguments.output, "Write the annotated PNG here", "ANNOTATED.png" },
    { "map", 0, 0, G_OPTION_ARG_FILENAME, &arguments.map_path,
      "Write the raw map here as NumPy float32 (H, W), with a .json sidecar of the parameters", "MAP.npy" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &arguments.colormap,
      "viridis, inferno, cividis, puor or brbg (default: viridis, puor for --sign both)", "NAME" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &arguments.mode, "heat, blend (default), mask or alpha", "MODE" },
    { "sign", 0, 0, G_OPTION_ARG_STRING, &arguments.sign, "positive (default), negative, absolute or both", "SIGN" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &arguments.clip, "Colour scale up to this percentile of the values (default 99)", "PERCENT" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &arguments.opacity, "Overlay opacity for blend and alpha (default 0.6)", "X" },
    { "compare", 0, 0, G_OPTION_ARG_FILENAME, &arguments.compare,
      "Compare with a second model on the same image: -o writes A | B | A - B side by side, A and B on one shared "
      "colour scale", "MODEL_B" },
    { "write-input", 0, 0, G_OPTION_ARG_FILENAME, &arguments.input_path,
      "Write the input tensor the map explains (raw bytes, for run --raw)", "FILE" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &arguments.force, "Overwrite existing output files", NULL },
    { NULL }
  };

  cli_map_options_init (&map_options);
  context = g_option_context_new ("MODEL IMAGE - compute a saliency map of a model's score on an image");
  cli_map_options_add (context, &map_options);
  g_option_context_add_main_entries (context, render_entries, NULL);
  g_option_context_set_description (context,
    "Occlusion: windows of side w at 0, s, 2s ... along each axis (ceil((D - w) / s) + 1 of them, clipped\n"
    "to the input) are filled with the baseline in the input tensor; a pixel's value is the mean over\n"
    "the windows covering it of score(original) - score(occluded), at model-input resolution. The\n"
    "gradient methods (gradient, gradient-x-input, integrated-gradients, smoothgrad, gradcam) take\n"
    "gradients of a float shadow of the model: weights dequantized, quantize, requantize and sign\n"
    "steps passed through with straight-through estimators, since a binary or quantized network has\n"
    "no true gradient. The README's Saliency section gives the exact rules. The map's range and the\n"
    "score print on stdout. With --compare MODEL_B the same parameters give model B's map of the same\n"
    "image (preprocessed for B's input), and -o writes A, B and A - B side by side: A and B share one\n"
    "colour scale, A - B has its own, symmetric about zero.");

  if (!cli_parse_options (context, &argc, &argv))
    goto out_usage;
  if (argc != 3)
    {
      g_printerr ("bitlens-cli: saliency takes MODEL and IMAGE\nTry \"bitlens-cli saliency --help\".\n");
      goto out_usage;
    }
  if (!cli_map_options_get_params (&map_options, &params, &error) ||
      !render_options_from_arguments (&arguments, &render, &error))
    {
      g_printerr ("bitlens-cli: %s\n", error->message);
      goto out_usage;
    }
  if (map_options.bench < 0 || (map_options.bench > 0 && params.method != BITLENS_SALIENCY_OCCLUSION))
    {
      g_printerr ("bitlens-cli: --bench takes a number of rounds and compares the occlusion methods only\n");
      goto out_usage;
    }
  if (map_options.profile && map_options.bench == 0)
    {
      g_printerr ("bitlens-cli: --profile goes with --bench\n");
      goto out_usage;
    }
  if (arguments.compare != NULL && (map_options.raw || arguments.map_path != NULL || arguments.input_path != NULL))
    {
      g_printerr ("bitlens-cli: --compare takes an image file and writes the annotated PNG (-o) only, "
                  "not with --raw, --map or --write-input\n");
      goto out_usage;
    }

  if (!cli_map_input_load (argv[1], argv[2], &map_options, &input, &error))
    goto out_error;
  if (map_options.bench > 0)
    map = cli_map_bench (&input, &params, map_options.bench, map_options.profile, &error);
  else
    map = cli_map_compute (&input, &params, map_options.verbose, &error);
  if (map == NULL)
    goto out_error;
  if (arguments.compare != NULL)
    {
      map_b = compute_compare_map (arguments.compare, &input, &params, map_options.verbose, &model_b, &error);
      if (map_b == NULL)
        goto out_error;
    }

  {
    const BitlensSaliencyMap *maps[2] = { map, map_b };

    scale = bitlens_render_scale_compute (maps, map_b != NULL ? 2 : 1, &render);
  }
  g_print ("model: %s\n", bitlens_model_get_name (input.model));
  g_print ("input: %s%s\n", input.input_name, map_options.raw ? " (raw)" : "");
  print_map_summary (map, "");
  if (map_b != NULL)
    {
      g_print ("model B: %s\n", bitlens_model_get_name (model_b));
      print_map_summary (map_b, " B");
    }
  if (bitlens_saliency_method_uses_gradients (params.method))
    g_print ("note: %s\n", bitlens_saliency_method_get_gradient_note (params.method));

  info = (BitlensExportInfo) {
    .model_name = bitlens_model_get_name (input.model),
    .input_name = input.input_name,
    .input_is_raw = map_options.raw,
    .params = &params,
    .ground_truth = input.ground_truth,
    .render = &render,
    .scale = NULL,
  };
  if (arguments.input_path != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!arguments.force && g_file_test (arguments.input_path, G_FILE_TEST_EXISTS))
        {
          g_set_error (&error, BITLENS_ERROR, BITLENS_ERROR_EXISTS,
                       "%s exists: not overwriting it (--force to replace it)", arguments.input_path);
          goto out_error;
        }
      if (!g_file_set_contents_full (arguments.input_path, g_bytes_get_data (input.input, NULL),
                                     (gssize) g_bytes_get_size (input.input), G_FILE_SET_CONTENTS_CONSISTENT,
                                     0666, &local_error))
        {
          g_set_error (&error, BITLENS_ERROR, BITLENS_ERROR_IO, "cannot write %s: %s", arguments.input_path,
                       local_error->message);
          goto out_error;
        }
      g_print ("wrote: %s\n", arguments.input_path);
    }
  if (arguments.map_path != NULL)
    {
      g_autofree char *sidecar = bitlens_export_sidecar_path (arguments.map_path);

      if (!bitlens_export_map (map, arguments.map_path, &info, arguments.force, &error))
        goto out_error;
      g_print ("wrote: %s, %s\n", arguments.map_path, sidecar);
    }
  if (arguments.output != NULL && map_b != NULL)
    {
      info_b = info;
      info_b.model_name = bitlens_model_get_name (model_b);
      if (!bitlens_export_compare_png (input.image, map, &info, map_b, &info_b, arguments.output, arguments.force,
                                       &error))
        goto out_error;
      g_print ("wrote: %s (A | B | A - B; colour scale of A and B [%s, %s])\n", arguments.output,
               g_ascii_formatd (min_text, sizeof min_text, "%.6g", scale.min),
               g_ascii_formatd (max_text, sizeof max_text, "%.6g", scale.max));
    }
  else if (arguments.output != NULL)
    {
      if (!bitlens_export_annotated_png (input.image, map, &info, arguments.output, arguments.force, &error))
        goto out_error;
      g_print ("wrote: %s (colour scale [%s, %s])\n", arguments.output,
               g_ascii_formatd (min_text, sizeof min_text, "%.6g", scale.min),
               g_ascii_formatd (max_text, sizeof max_text, "%.6g", scale.max));
    }
  status = CLI_EXIT_OK;
  goto out;

out_usage:
  status = CLI_EXIT_USAGE;
  goto out;
out_error:
  cli_print_error (error);
  status = CLI_EXIT_FAILURE;
out:
  cli_map_input_clear (&input);
  cli_map_options_clear (&map_options);
  g_free (arguments.output);
  g_free (arguments.map_path);
  g_free (arguments.input_path);
  g_free (arguments.compare);
  g_free (arguments.colormap);
  g_free (arguments.mode);
  g_free (arguments.sign);
  return status;
}
