/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "train-parallel.h"

typedef struct
{
  TrainParallelFunc func;
  gpointer          data;
  guint             worker;
  guint             n_workers;
  guint             n;
} WorkShare;

static gpointer
run_share (gpointer data)
{
  WorkShare *share = data;

  for (guint i = share->worker; i < share->n; i += share->n_workers)
    share->func (share->data, share->worker, i);
  return NULL;
}

void
train_parallel_for (guint             n_workers,
                    guint             n,
                    TrainParallelFunc func,
                    gpointer          data)
{
  g_autofree WorkShare *shares = NULL;
  g_autofree GThread **threads = NULL;

  n_workers = MAX (1u, MIN (n_workers, n));
  shares = g_new (WorkShare, n_workers);
  threads = g_new0 (GThread *, n_workers);
  for (guint w = 0; w < n_workers; w++)
    shares[w] = (WorkShare) { func, data, w, n_workers, n };
  for (guint w = 1; w < n_workers; w++)
    threads[w] = g_thread_new ("bitlens-train", run_share, &shares[w]);
  run_share (&shares[0]);
  for (guint w = 1; w < n_workers; w++)
    g_thread_join (threads[w]);
}
