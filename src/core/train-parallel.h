/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs func (data, worker, index) for index 0 .. n - 1 on n_workers threads (the caller's
 * thread is worker 0): worker w takes w, w + n_workers, ... Results must depend on the index
 * alone, never on the worker, so that they do not depend on the thread count. */
typedef void (*TrainParallelFunc) (gpointer data,
                                   guint    worker,
                                   guint    index);

void train_parallel_for (guint             n_workers,
                         guint             n,
                         TrainParallelFunc func,
                         gpointer          data);

G_END_DECLS
