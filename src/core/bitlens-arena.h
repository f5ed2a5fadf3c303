/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-model.h"

G_BEGIN_DECLS

#define BITLENS_ARENA_ALIGNMENT 16

/* Plans one arena for the model's activations by tensor lifetime: two tensors share
 * bytes only when no op needs both. offsets[t] is the byte offset of tensor t, or
 * G_MAXSIZE for constant tensors and tensors no op touches. Model inputs keep their bytes
 * through the whole invoke. With preserve_all every
 * tensor gets bytes of its own. Returns the arena size. */
gsize bitlens_arena_plan (const BitlensModel *model,
                          gboolean            preserve_all,
                          gsize              *offsets);

G_END_DECLS
