/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-dataset.h>
#include <bitlens/bitlens-evaluation.h>

G_BEGIN_DECLS

/* Fixtures for the data tests, made fresh by each test. */

/* A .tflite model (made with the writer) whose person score is the green of the image:
 * float input [1,1,1,3] (pixel / 255), RESHAPE to [1,3], person index 1. On an image whose
 * green is uniform the score is G / 255.0f exactly (area averaging keeps it). */
BitlensModel *fixture_green_model      (void);
GBytes       *fixture_green_model_bytes (void);
/* Writes it as FOLDER/green.tflite; returns the path. */
char         *fixture_write_green_model (const char        *folder);
/* G / 255.0f as the model computes it. */
double        fixture_green_score      (int green);

/* One image of a fixture dataset: a width x height image of colour (red, green, blue),
 * with the left half's red raised by `stripe` (so the luma varies), labelled `label`. */
typedef struct
{
  const char *file;
  int         label;
  int         red, green, blue;
  int         width, height;
  int         stripe;
  const char *extra;    /* more CSV fields after the label, or NULL */
} FixtureImage;

/* Writes the images as PNG into a new temporary folder, with labels.csv (header
 * "file,label" plus `extra_header` when not NULL). Returns the folder. */
char         *fixture_dataset_new      (const FixtureImage *images,
                                        guint               n_images,
                                        const char         *extra_header);
void          fixture_write_file       (const char         *folder,
                                        const char         *name,
                                        const char         *contents);
/* Removes a folder and everything in it. */
void          fixture_remove_tree      (const char         *path);

G_END_DECLS
