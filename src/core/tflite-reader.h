/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens-model-private.h"

G_BEGIN_DECLS

/* Fills an empty model from the bytes of a .tflite file (main subgraph): tensors with
 * their quantization and constant data, ops with their options, inputs and outputs.
 * Verifies every offset, length, vtable, enum and shape; unsupported ops are named with
 * their index. Does not prepare the ops. */
gboolean bitlens_tflite_read (BitlensModel  *model,
                              GBytes        *bytes,
                              GError       **error);

G_END_DECLS
