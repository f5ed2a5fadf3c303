/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens.h>

G_BEGIN_DECLS

/* Shows an RGB image with an optional overlay on top: zoom (scroll, keys), pan (drag) and a
 * hover position. The view state (zoom, centre, hover) is kept as fractions of the image so
 * that views of different sizes can be bound to each other with g_object_bind_property. */
#define BITLENS_TYPE_IMAGE_VIEW (bitlens_image_view_get_type ())

G_DECLARE_FINAL_TYPE (BitlensImageView, bitlens_image_view, BITLENS, IMAGE_VIEW, GtkWidget)

#define BITLENS_IMAGE_VIEW_MIN_ZOOM 1.0
#define BITLENS_IMAGE_VIEW_MAX_ZOOM 32.0

GtkWidget          *bitlens_image_view_new             (void);
/* Copies the image; NULL clears the view. */
void                bitlens_image_view_set_image       (BitlensImageView   *self,
                                                        const BitlensImage *image);
const BitlensImage *bitlens_image_view_get_image       (BitlensImageView   *self);
/* An ARGB32 surface stretched over the image, or NULL. */
void                bitlens_image_view_set_overlay     (BitlensImageView   *self,
                                                        cairo_surface_t    *overlay);
cairo_surface_t    *bitlens_image_view_get_overlay     (BitlensImageView   *self);
/* 1 fits the image in the view. */
double              bitlens_image_view_get_zoom        (BitlensImageView   *self);
void                bitlens_image_view_set_zoom        (BitlensImageView   *self,
                                                        double              zoom);
void                bitlens_image_view_zoom_in         (BitlensImageView   *self);
void                bitlens_image_view_zoom_out        (BitlensImageView   *self);
void                bitlens_image_view_zoom_fit        (BitlensImageView   *self);
/* The hovered image pixel; FALSE when the pointer is not over the image. */
gboolean            bitlens_image_view_get_hover_pixel (BitlensImageView   *self,
                                                        int                *x,
                                                        int                *y);
void                bitlens_image_view_set_caption     (BitlensImageView   *self,
                                                        const char         *caption);

G_END_DECLS
