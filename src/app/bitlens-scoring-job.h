/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens.h>

G_BEGIN_DECLS

/* Runs one model over a list of image files in a worker thread: for each file the person
 * score (or the error that stopped it) and, on request, a thumbnail. Results come back on
 * the main thread through the ::result signal, in small batches, so that a list fills while
 * the job runs; ::progress tells how far it is. Without a model it only makes thumbnails.
 * Datasets are scored by the core's evaluation instead (bitlens-dataset-scoring.h); this job
 * serves loose images and unlabelled folders. */
#define BITLENS_TYPE_SCORING_JOB (bitlens_scoring_job_get_type ())

G_DECLARE_FINAL_TYPE (BitlensScoringJob, bitlens_scoring_job, BITLENS, SCORING_JOB, GObject)

#define BITLENS_THUMBNAIL_SIZE 64

BitlensScoringJob *bitlens_scoring_job_new           (BitlensModel         *model,
                                                      GPtrArray            *paths,
                                                      gboolean              make_thumbnails);
void               bitlens_scoring_job_run_async     (BitlensScoringJob    *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean           bitlens_scoring_job_run_finish    (BitlensScoringJob    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
guint              bitlens_scoring_job_get_n_paths   (BitlensScoringJob    *self);

/* A thumbnail texture of an image, at most size x size, keeping the aspect ratio. */
GdkTexture        *bitlens_texture_new_thumbnail     (const BitlensImage   *image,
                                                      int                   size);
/* An RGB8 texture of the whole image. */
GdkTexture        *bitlens_texture_new_from_image    (const BitlensImage   *image);

G_END_DECLS
