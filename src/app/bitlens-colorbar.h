/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-render.h>

G_BEGIN_DECLS

/* A horizontal colour bar: the colormap from the scale's minimum to its maximum, with the
 * values at both ends and in the middle. */
#define BITLENS_TYPE_COLORBAR (bitlens_colorbar_get_type ())

G_DECLARE_FINAL_TYPE (BitlensColorbar, bitlens_colorbar, BITLENS, COLORBAR, GtkWidget)

void bitlens_colorbar_set_scale (BitlensColorbar          *self,
                                 BitlensColormap           colormap,
                                 const BitlensRenderScale *scale,
                                 const char               *caption);

G_END_DECLS
