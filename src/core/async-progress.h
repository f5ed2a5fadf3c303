/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens/bitlens-evaluation.h"

G_BEGIN_DECLS

/* Progress of a GTask's worker, delivered in the thread-default main context of the caller
 * (the one current when this is called): worker updates are coalesced into one call with the
 * latest count, no call comes after the task's callback has run, and `data_free` runs in that
 * context once nothing can call `func` any more. Gives the function and data the worker
 * should call (NULL when `func` is NULL). */
void bitlens_async_progress_attach (GTask                *task,
                                    BitlensProgressFunc   func,
                                    gpointer              data,
                                    GDestroyNotify        data_free,
                                    BitlensProgressFunc  *worker_func,
                                    gpointer             *worker_data);

G_END_DECLS
