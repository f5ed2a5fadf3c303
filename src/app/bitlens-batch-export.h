/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <bitlens/bitlens-render.h>
#include <bitlens/bitlens-saliency.h>

G_BEGIN_DECLS

typedef void (*BitlensBatchExportProgress) (guint    done,
                                            guint    total,
                                            gpointer user_data);

/* For each image path (labels: int per path, 1, 0 or -1): computes the model's saliency
 * map with `params` and writes the annotated PNG (bitlens_export_annotated_png) into
 * `folder` as NAME-saliency.png, in a worker thread. With `model_b` (compare mode), both
 * models' maps with the same parameters go into one A | B | A - B image
 * (bitlens_export_compare_png). Images that fail are counted and the export goes on.
 * `progress` runs in the caller's thread-default main context. */
void     bitlens_batch_export_async  (BitlensModel                *model,
                                      BitlensModel                *model_b,
                                      GPtrArray                   *paths,
                                      GArray                      *labels,
                                      const BitlensSaliencyParams *params,
                                      const BitlensRenderOptions  *render,
                                      const char                  *folder,
                                      GCancellable                *cancellable,
                                      BitlensBatchExportProgress   progress,
                                      gpointer                     progress_data,
                                      GDestroyNotify               progress_data_free,
                                      GAsyncReadyCallback          callback,
                                      gpointer                     user_data);
/* FALSE with an error when cancelled (n_written still says how many were written). */
gboolean bitlens_batch_export_finish (GAsyncResult                *result,
                                      guint                       *n_written,
                                      guint                       *n_failed,
                                      char                       **first_failure,
                                      GError                     **error);
/* "photo.jpg" -> "photo-saliency.png", made unique against `used` (which it extends). */
char    *bitlens_batch_export_file_name (const char               *image_path,
                                         GHashTable               *used);

G_END_DECLS
