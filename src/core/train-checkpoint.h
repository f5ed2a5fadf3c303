/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "train-network.h"

G_BEGIN_DECLS

/* Checkpoints: everything a run needs to go on after `epochs_done` epochs as if it had not
 * stopped (parameters, Adam's moments and step, running batch-norm statistics), with the
 * fingerprint of the options that produced it.
 *
 * Layout: "BLTRAIN1", a little-endian uint32 header length, the header (a GKeyFile text:
 * fingerprint, epochs_done, adam_step, n_params, n_state), then little-endian float32
 * arrays: parameters, Adam m, Adam v, state. */

gboolean train_checkpoint_save (const char         *path,
                                const char         *fingerprint,
                                guint               epochs_done,
                                const TrainNetwork *network,
                                const TrainAdam    *adam,
                                GError            **error);
/* Fails with a message naming the file when it is damaged or was written for other
 * options (another fingerprint) or another network size. With `fingerprint` NULL any
 * options do; with `adam` NULL only the parameters and the state are read (the start of a
 * fine-tuning run); `epochs_done` may be NULL. */
gboolean train_checkpoint_load (const char         *path,
                                const char         *fingerprint,
                                guint              *epochs_done,
                                TrainNetwork       *network,
                                TrainAdam          *adam,
                                GError            **error);

G_END_DECLS
