/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <bitlens/bitlens-dataset.h>
#include <bitlens/bitlens-model.h>

G_BEGIN_DECLS

/* Scores every item of a dataset with a model through the core's evaluation
 * (bitlens_evaluation_run_async: several threads, one interpreter each). The result is a
 * GArray of double, one per dataset item in the dataset's order, NaN where the image could
 * not be read. */
typedef void (*BitlensDatasetScoringProgress) (guint    done,
                                               guint    total,
                                               gpointer user_data);

void    bitlens_dataset_scoring_run_async  (BitlensDataset                *dataset,
                                            BitlensModel                  *model,
                                            double                         threshold,
                                            GCancellable                  *cancellable,
                                            BitlensDatasetScoringProgress  progress,
                                            gpointer                       progress_data,
                                            GDestroyNotify                 progress_data_free,
                                            GAsyncReadyCallback            callback,
                                            gpointer                       user_data);
GArray *bitlens_dataset_scoring_run_finish (GAsyncResult                  *result,
                                            GError                       **error);

G_END_DECLS
