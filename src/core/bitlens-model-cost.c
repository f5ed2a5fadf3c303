/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens-model-private.h"

/* Placeholder: cost figures are computed per op kind once the kernels land. */
void
bitlens_model_get_cost (const BitlensModel *model,
                        BitlensModelCost   *cost)
{
  g_return_if_fail (model != NULL);
  g_return_if_fail (cost != NULL);
  *cost = (BitlensModelCost) { 0 };
}
