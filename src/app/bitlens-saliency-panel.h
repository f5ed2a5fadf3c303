/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-render.h>

G_BEGIN_DECLS

/* The saliency controls: the method and its parameters (which change the map), and how the
 * map is shown (colormap, mode, opacity, sign, clipping), which only changes the picture.
 * Every control is bound to a GSettings key by bitlens_saliency_panel_bind_settings. */
#define BITLENS_TYPE_SALIENCY_PANEL (bitlens_saliency_panel_get_type ())

G_DECLARE_FINAL_TYPE (BitlensSaliencyPanel, bitlens_saliency_panel, BITLENS, SALIENCY_PANEL, GtkWidget)

void        bitlens_saliency_panel_bind_settings    (BitlensSaliencyPanel *self,
                                                     GSettings            *settings);
const char *bitlens_saliency_panel_get_method         (BitlensSaliencyPanel  *self);
void        bitlens_saliency_panel_get_params         (BitlensSaliencyPanel  *self,
                                                       BitlensSaliencyParams *params);
void        bitlens_saliency_panel_get_render_options (BitlensSaliencyPanel  *self,
                                                       BitlensRenderOptions  *options);

G_END_DECLS
