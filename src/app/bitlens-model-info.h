/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <bitlens/bitlens.h>

G_BEGIN_DECLS

/* A window that describes a model: cost figures, inputs, outputs and every layer. */
#define BITLENS_TYPE_MODEL_INFO (bitlens_model_info_get_type ())

G_DECLARE_FINAL_TYPE (BitlensModelInfo, bitlens_model_info, BITLENS, MODEL_INFO, AdwWindow)

BitlensModelInfo *bitlens_model_info_new (BitlensModel *model);

/* "1.2 M" style figures for large counts. */
char             *bitlens_format_count   (guint64       count);

G_END_DECLS
