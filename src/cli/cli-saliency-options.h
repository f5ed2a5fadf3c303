/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-saliency.h>

G_BEGIN_DECLS

/* Options and input loading shared by `saliency` and `faithfulness`. */

typedef struct
{
  char     *method;
  int       window;
  int       stride;
  char     *baseline;
  int       blur_radius;
  int       target;
  gboolean  naive;
  int       threads;
  int       ig_steps;
  int       samples;
  double    noise;
  gint64    seed;
  int       layer;
  gboolean  raw;
  char     *ground_truth;
  gboolean  verbose;
  int       bench;              /* occlusion: rounds of incremental and naive side by side */
  gboolean  profile;            /* with bench: one more round of each, op by op */
} CliMapOptions;

typedef struct
{
  BitlensModel *model;
  GBytes       *input;          /* the input tensor bytes */
  BitlensImage *image;          /* for display: the image file, or the raw tensor as an image */
  char         *input_name;     /* base name of the input file */
  int           ground_truth;   /* 1 person, 0 no person, -1 unknown */
} CliMapInput;

void      cli_map_options_init       (CliMapOptions        *options);
void      cli_map_options_clear      (CliMapOptions        *options);
/* Adds the map options to the context's main group. */
void      cli_map_options_add        (GOptionContext       *context,
                                      CliMapOptions        *options);
gboolean  cli_map_options_get_params (const CliMapOptions  *options,
                                      BitlensSaliencyParams *params,
                                      GError              **error);

gboolean  cli_map_input_load         (const char           *model_path,
                                      const char           *input_path,
                                      const CliMapOptions  *options,
                                      CliMapInput          *input,
                                      GError              **error);
void      cli_map_input_clear        (CliMapInput          *input);

/* Computes the map, printing the timing on stderr with --verbose. */
BitlensSaliencyMap *cli_map_compute  (const CliMapInput           *input,
                                      const BitlensSaliencyParams *params,
                                      gboolean                     verbose,
                                      GError                     **error);

/* --bench N: N rounds, each computing the occlusion map incrementally then naively in
 * this process, with the CPU time of each; checks that the maps are identical bit for
 * bit and prints the times and their ratio on stdout. With @profile, one more round of
 * each method timed op by op, printed as a table. Returns the incremental map. */
BitlensSaliencyMap *cli_map_bench    (const CliMapInput           *input,
                                      const BitlensSaliencyParams *params,
                                      int                          rounds,
                                      gboolean                     profile,
                                      GError                     **error);

G_END_DECLS
