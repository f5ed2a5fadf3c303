/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-model.h"

G_BEGIN_DECLS

struct _BitlensModel
{
  gatomicrefcount  ref_count;
  char            *name;
  char            *description;
  GBytes          *bytes;          /* the file; constant tensors point into it */

  guint            n_tensors;
  BitlensTensor   *tensors;
  guint            n_ops;
  BitlensOp       *ops;
  guint            n_inputs;
  int             *inputs;
  guint            n_outputs;
  int             *outputs;

  /* Blocks the model owns (aligned copies of constant buffers ...), freed with it. */
  GPtrArray       *owned_blocks;
};

/* Allocates an empty model (tests and the reader fill it in). */
BitlensModel *bitlens_model_alloc          (void);
/* Runs each op's prepare function (shape checks, multipliers); errors name the op. */
gboolean      bitlens_model_prepare_ops    (BitlensModel  *model,
                                            GError       **error);

G_END_DECLS
