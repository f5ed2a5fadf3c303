/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include "bitlens-statistics-window.h"
#include "bitlens-window-private.h"

/* The statistics window of the open dataset and models. */

void
bitlens_window_show_statistics (BitlensWindow *self)
{
  BitlensStatisticsWindow *statistics;

  g_return_if_fail (BITLENS_IS_WINDOW (self));

  if (self->dataset == NULL || self->models[BITLENS_SLOT_A] == NULL)
    return;
  statistics = bitlens_statistics_window_new (self->dataset, self->models[BITLENS_SLOT_A],
                                              self->comparing ? self->models[BITLENS_SLOT_B] : NULL,
                                              self->threshold);
  /* It follows the window's decision threshold while it is open. */
  g_object_bind_property (self, "threshold", statistics, "threshold", G_BINDING_DEFAULT);
  gtk_window_set_transient_for (GTK_WINDOW (statistics), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (statistics));
}
