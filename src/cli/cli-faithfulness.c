/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <bitlens/bitlens-render.h>

#include "cli-common.h"
#include "cli-saliency-options.h"

/* bitlens-cli faithfulness MODEL IMAGE: deletion and insertion areas of a map (computed
 * with the map options, or read with --load-map), and of a random map for comparison. */

static BitlensFaithfulness *
evaluate (const CliMapInput               *input,
          const BitlensSaliencyMap        *map,
          const BitlensFaithfulnessParams *params,
          gboolean                         verbose,
          const char                      *what,
          GError                         **error)
{
  gint64 start = g_get_monotonic_time ();
  BitlensFaithfulness *result;

  result = bitlens_faithfulness_compute (input->model, input->input, map, params, NULL, NULL, NULL, error);
  if (result != NULL && verbose)
    g_printerr ("faithfulness: %s map, %d images, %.1f ms\n", what, 2 * (params->steps + 1),
                (g_get_monotonic_time () - start) / 1000.0);
  return result;
}

int
cli_faithfulness (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(BitlensSaliencyMap) random_map = NULL;
  g_autoptr(BitlensFaithfulness) result = NULL;
  g_autoptr(BitlensFaithfulness) random_result = NULL;
  g_autofree char *deletion_text = NULL, *insertion_text = NULL, *map_in = NULL;
  g_autofree char *deletion_name = NULL, *insertion_name = NULL;
  CliMapOptions map_options;
  CliMapInput input = { 0 };
  BitlensSaliencyParams params;
  BitlensFaithfulnessParams faithfulness;
  int steps = BITLENS_FAITHFULNESS_DEFAULT_STEPS;
  gint64 random_seed = 1;
  gboolean curves = FALSE;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  int status = CLI_EXIT_FAILURE;
  const GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Curve steps (default 32): step k changes the first floor(k N / steps) pixels", "N" },
    { "deletion-baseline", 0, 0, G_OPTION_ARG_STRING, &deletion_text,
      "What deleted pixels become: blur, gray, black or a gray level (default: the --baseline, blur)", "KIND" },
    { "insertion-start", 0, 0, G_OPTION_ARG_STRING, &insertion_text,
      "The image insertion starts from: blur (default), gray, black or a gray level", "KIND" },
    { "load-map", 0, 0, G_OPTION_ARG_FILENAME, &map_in, "Evaluate this .npy map instead of computing one", "MAP.npy" },
    { "random-seed", 0, 0, G_OPTION_ARG_INT64, &random_seed, "Seed of the random comparison map (default 1)", "N" },
    { "curves", 0, 0, G_OPTION_ARG_NONE, &curves, "Print every point of the curves", NULL },
    { NULL }
  };

  cli_map_options_init (&map_options);
  context = g_option_context_new ("MODEL IMAGE - deletion and insertion areas of a saliency map (RISE)");
  cli_map_options_add (context, &map_options);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Pixels are ranked by decreasing map value (ties by increasing index y * W + x). Deletion image k\n"
    "is the input with the first floor(k N / steps) pixels set to the deletion baseline; insertion\n"
    "image k is the start image with those pixels set back to the input. Areas under the score curves\n"
    "use the trapezoid rule over x = k / steps: a faithful map has a low deletion area and a high\n"
    "insertion area. The random map (GRand seeded with --random-seed, one g_rand_double per pixel in\n"
    "row-major order) shows what chance gives.");

  if (!cli_parse_options (context, &argc, &argv))
    goto out_usage;
  if (argc != 3)
    {
      g_printerr ("bitlens-cli: faithfulness takes MODEL and IMAGE\nTry \"bitlens-cli faithfulness --help\".\n");
      goto out_usage;
    }
  if (!cli_map_options_get_params (&map_options, &params, &error))
    {
      g_printerr ("bitlens-cli: %s\n", error->message);
      goto out_usage;
    }
  bitlens_faithfulness_params_init (&faithfulness);
  faithfulness.steps = steps;
  faithfulness.target = params.target;
  faithfulness.n_threads = params.n_threads;
  faithfulness.deletion_baseline = params.baseline;
  if ((deletion_text != NULL && !bitlens_baseline_parse (deletion_text, &faithfulness.deletion_baseline, &error)) ||
      (insertion_text != NULL && !bitlens_baseline_parse (insertion_text, &faithfulness.insertion_start, &error)))
    {
      g_printerr ("bitlens-cli: %s\n", error->message);
      goto out_usage;
    }
  faithfulness.deletion_baseline.blur_radius = map_options.blur_radius;
  faithfulness.insertion_start.blur_radius = map_options.blur_radius;
  if (steps < 1 || random_seed < 0 || random_seed > G_MAXUINT32)
    {
      g_printerr ("bitlens-cli: --steps must be at least 1 and --random-seed in 0..4294967295\n");
      goto out_usage;
    }

  if (!cli_map_input_load (argv[1], argv[2], &map_options, &input, &error))
    goto out_error;
  if (map_in != NULL)
    map = bitlens_import_npy (map_in, &error);
  else
    map = cli_map_compute (&input, &params, map_options.verbose, &error);
  if (map == NULL)
    goto out_error;
  random_map = bitlens_saliency_map_new_random (map->width, map->height, (guint32) random_seed);

  result = evaluate (&input, map, &faithfulness, map_options.verbose, "saliency", &error);
  if (result == NULL)
    goto out_error;
  random_result = evaluate (&input, random_map, &faithfulness, map_options.verbose, "random", &error);
  if (random_result == NULL)
    goto out_error;

  deletion_name = bitlens_baseline_to_string (&faithfulness.deletion_baseline);
  insertion_name = bitlens_baseline_to_string (&faithfulness.insertion_start);
  g_print ("model: %s\n", bitlens_model_get_name (input.model));
  g_print ("input: %s%s\n", input.input_name, map_options.raw ? " (raw)" : "");
  g_print ("steps: %d  deletion baseline: %s  insertion start: %s\n", steps, deletion_name, insertion_name);
  /* Doubles in the C locale with 17 digits, so they read back exactly. */
  g_print ("deletion area: %s (lower is better)\n", g_ascii_dtostr (a, sizeof a, result->deletion_area));
  g_print ("insertion area: %s (higher is better)\n", g_ascii_dtostr (a, sizeof a, result->insertion_area));
  g_print ("random map (seed %" G_GINT64_FORMAT "): deletion area: %s  insertion area: %s\n", random_seed,
           g_ascii_dtostr (a, sizeof a, random_result->deletion_area),
           g_ascii_dtostr (b, sizeof b, random_result->insertion_area));
  if (curves)
    {
      g_print ("step\tfraction\tdeletion\tinsertion\trandom_deletion\trandom_insertion\n");
      for (int k = 0; k <= steps; k++)
        {
          char fraction[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE], i[G_ASCII_DTOSTR_BUF_SIZE];

          g_print ("%d\t%s\t%s\t%s\t%s\t%s\n", k, g_ascii_dtostr (fraction, sizeof fraction, (double) k / steps),
                   g_ascii_dtostr (d, sizeof d, result->deletion[k]), g_ascii_dtostr (i, sizeof i, result->insertion[k]),
                   g_ascii_dtostr (a, sizeof a, random_result->deletion[k]),
                   g_ascii_dtostr (b, sizeof b, random_result->insertion[k]));
        }
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
  return status;
}
