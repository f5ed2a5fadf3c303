/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>

#include "bitlens-image-view.h"

struct _BitlensImageView
{
  GtkWidget        parent_instance;

  /* owned */
  BitlensImage    *image;
  cairo_surface_t *image_surface;
  cairo_surface_t *overlay;
  char            *caption;

  double           zoom;
  double           center_x;       /* fractions of the image at the view's centre */
  double           center_y;
  double           hover_x;        /* fractions of the image under the pointer, -1 outside */
  double           hover_y;
  double           overlay_opacity;

  double           pointer_x;      /* last pointer position in the widget, -1 outside */
  double           pointer_y;
  double           drag_start_center_x;
  double           drag_start_center_y;
};

G_DEFINE_FINAL_TYPE (BitlensImageView, bitlens_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_CENTER_X,
  PROP_CENTER_Y,
  PROP_HOVER_X,
  PROP_HOVER_Y,
  PROP_OVERLAY_OPACITY,
  PROP_HAS_IMAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define ZOOM_STEP 1.25

static void
set_double_property (BitlensImageView *self,
                     double           *field,
                     double            value,
                     guint             prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Scale from image pixels to widget pixels, and the widget position of the image's origin. */
static gboolean
get_transform (BitlensImageView *self,
               double           *scale,
               double           *origin_x,
               double           *origin_y)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double fit;

  if (self->image == NULL || width <= 0 || height <= 0)
    return FALSE;

  fit = MIN ((double) width / self->image->width, (double) height / self->image->height);
  *scale = fit * self->zoom;
  *origin_x = width / 2.0 - self->center_x * self->image->width * *scale;
  *origin_y = height / 2.0 - self->center_y * self->image->height * *scale;
  return TRUE;
}

static void
set_center (BitlensImageView *self,
            double            center_x,
            double            center_y)
{
  /* At fit zoom the image stays centred; zoomed in, the centre may move within the image. */
  double half_view = 0.5 / self->zoom;

  if (self->zoom <= 1.0)
    center_x = center_y = 0.5;
  center_x = CLAMP (center_x, half_view > 0.5 ? 0.5 : half_view, half_view > 0.5 ? 0.5 : 1.0 - half_view);
  center_y = CLAMP (center_y, half_view > 0.5 ? 0.5 : half_view, half_view > 0.5 ? 0.5 : 1.0 - half_view);
  g_object_freeze_notify (G_OBJECT (self));
  set_double_property (self, &self->center_x, center_x, PROP_CENTER_X);
  set_double_property (self, &self->center_y, center_y, PROP_CENTER_Y);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Zooms keeping the image point under (widget_x, widget_y) in place. */
static void
zoom_at (BitlensImageView *self,
         double            zoom,
         double            widget_x,
         double            widget_y)
{
  double scale, origin_x, origin_y, image_x, image_y, new_scale, new_origin_x, new_origin_y;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  zoom = CLAMP (zoom, BITLENS_IMAGE_VIEW_MIN_ZOOM, BITLENS_IMAGE_VIEW_MAX_ZOOM);
  if (!get_transform (self, &scale, &origin_x, &origin_y))
    {
      set_double_property (self, &self->zoom, zoom, PROP_ZOOM);
      return;
    }
  image_x = (widget_x - origin_x) / scale;
  image_y = (widget_y - origin_y) / scale;
  new_scale = scale * zoom / self->zoom;
  new_origin_x = widget_x - image_x * new_scale;
  new_origin_y = widget_y - image_y * new_scale;

  g_object_freeze_notify (G_OBJECT (self));
  set_double_property (self, &self->zoom, zoom, PROP_ZOOM);
  set_center (self,
              (width / 2.0 - new_origin_x) / (self->image->width * new_scale),
              (height / 2.0 - new_origin_y) / (self->image->height * new_scale));
  g_object_thaw_notify (G_OBJECT (self));
}

static void
bitlens_image_view_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  BitlensImageView *self = BITLENS_IMAGE_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double scale, origin_x, origin_y;
  cairo_filter_t filter;
  cairo_t *cr;

  if (!get_transform (self, &scale, &origin_x, &origin_y))
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  /* Enlarged pixels stay sharp squares: the model sees pixels, so should the engineer. */
  filter = scale >= 1.0 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD;

  cairo_save (cr);
  cairo_translate (cr, origin_x, origin_y);
  cairo_scale (cr, scale, scale);
  cairo_rectangle (cr, 0, 0, self->image->width, self->image->height);
  cairo_clip (cr);
  cairo_set_source_surface (cr, self->image_surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), filter);
  cairo_paint (cr);
  cairo_restore (cr);

  if (self->overlay != NULL && self->overlay_opacity > 0)
    {
      double overlay_scale_x = self->image->width * scale / cairo_image_surface_get_width (self->overlay);
      double overlay_scale_y = self->image->height * scale / cairo_image_surface_get_height (self->overlay);

      cairo_save (cr);
      cairo_translate (cr, origin_x, origin_y);
      cairo_scale (cr, overlay_scale_x, overlay_scale_y);
      cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (self->overlay),
                       cairo_image_surface_get_height (self->overlay));
      cairo_clip (cr);
      cairo_set_source_surface (cr, self->overlay, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr),
                                overlay_scale_x >= 1.0 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
      cairo_paint_with_alpha (cr, self->overlay_opacity);
      cairo_restore (cr);
    }

  if (self->hover_x >= 0 && self->hover_y >= 0)
    {
      /* A crosshair around the hovered pixel, also shown in synchronized views. */
      double pixel_x = floor (self->hover_x * self->image->width);
      double pixel_y = floor (self->hover_y * self->image->height);
      double x0 = origin_x + pixel_x * scale, y0 = origin_y + pixel_y * scale;
      double size = MAX (scale, 3.0);

      cairo_set_line_width (cr, 1.0);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
      cairo_rectangle (cr, floor (x0) - 0.5, floor (y0) - 0.5, ceil (size) + 1, ceil (size) + 1);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_rectangle (cr, floor (x0) + 0.5, floor (y0) + 0.5, ceil (size) - 1, ceil (size) - 1);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

  if (self->caption != NULL)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, self->caption);
      int text_width, text_height;

      /* Narrow views (three side by side) ellipsize each line of the caption. */
      pango_layout_set_width (layout, MAX (width - 24, 1) * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 0.6 },
                                 &GRAPHENE_RECT_INIT (6, 6, text_width + 12, text_height + 6));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (12, 9));
      gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 1, 1, 1, 1 });
      gtk_snapshot_restore (snapshot);
    }
}

static void
bitlens_image_view_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  *minimum = 96;
  *natural = 480;
}

static void
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           BitlensImageView         *self)
{
  double x = self->pointer_x, y = self->pointer_y;

  if (x < 0 || y < 0)
    {
      x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
  zoom_at (self, self->zoom * pow (ZOOM_STEP, -dy), x, y);
}

static void
update_hover (BitlensImageView *self,
              double            x,
              double            y)
{
  double scale, origin_x, origin_y, fraction_x = -1, fraction_y = -1;

  self->pointer_x = x < 0 ? -1 : x;
  self->pointer_y = y < 0 ? -1 : y;
  if (get_transform (self, &scale, &origin_x, &origin_y))
    {
      fraction_x = (x - origin_x) / (self->image->width * scale);
      fraction_y = (y - origin_y) / (self->image->height * scale);
      if (fraction_x < 0 || fraction_x >= 1 || fraction_y < 0 || fraction_y >= 1)
        fraction_x = fraction_y = -1;
    }
  g_object_freeze_notify (G_OBJECT (self));
  set_double_property (self, &self->hover_x, fraction_x, PROP_HOVER_X);
  set_double_property (self, &self->hover_y, fraction_y, PROP_HOVER_Y);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           BitlensImageView         *self)
{
  update_hover (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *controller,
          BitlensImageView         *self)
{
  update_hover (self, -G_MAXDOUBLE, -G_MAXDOUBLE);
}

static void
on_drag_begin (GtkGestureDrag   *gesture,
               double            x,
               double            y,
               BitlensImageView *self)
{
  self->drag_start_center_x = self->center_x;
  self->drag_start_center_y = self->center_y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag   *gesture,
                double            offset_x,
                double            offset_y,
                BitlensImageView *self)
{
  double scale, origin_x, origin_y;

  if (!get_transform (self, &scale, &origin_x, &origin_y))
    return;
  set_center (self,
              self->drag_start_center_x - offset_x / (self->image->width * scale),
              self->drag_start_center_y - offset_y / (self->image->height * scale));
}

static void
on_drag_end (GtkGestureDrag   *gesture,
             double            offset_x,
             double            offset_y,
             BitlensImageView *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
}

static void
on_double_click (GtkGestureClick  *gesture,
                 int               n_press,
                 double            x,
                 double            y,
                 BitlensImageView *self)
{
  if (n_press == 2)
    {
      if (self->zoom > 1.0)
        bitlens_image_view_zoom_fit (self);
      else
        zoom_at (self, 4.0, x, y);
    }
}

static void
bitlens_image_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BitlensImageView *self = BITLENS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_CENTER_X:
      g_value_set_double (value, self->center_x);
      break;
    case PROP_CENTER_Y:
      g_value_set_double (value, self->center_y);
      break;
    case PROP_HOVER_X:
      g_value_set_double (value, self->hover_x);
      break;
    case PROP_HOVER_Y:
      g_value_set_double (value, self->hover_y);
      break;
    case PROP_OVERLAY_OPACITY:
      g_value_set_double (value, self->overlay_opacity);
      break;
    case PROP_HAS_IMAGE:
      g_value_set_boolean (value, self->image != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_image_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  BitlensImageView *self = BITLENS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      bitlens_image_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_CENTER_X:
      set_center (self, g_value_get_double (value), self->center_y);
      break;
    case PROP_CENTER_Y:
      set_center (self, self->center_x, g_value_get_double (value));
      break;
    case PROP_HOVER_X:
      set_double_property (self, &self->hover_x, g_value_get_double (value), PROP_HOVER_X);
      break;
    case PROP_HOVER_Y:
      set_double_property (self, &self->hover_y, g_value_get_double (value), PROP_HOVER_Y);
      break;
    case PROP_OVERLAY_OPACITY:
      set_double_property (self, &self->overlay_opacity, g_value_get_double (value),
                           PROP_OVERLAY_OPACITY);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_image_view_finalize (GObject *object)
{
  BitlensImageView *self = BITLENS_IMAGE_VIEW (object);

  g_clear_pointer (&self->image, bitlens_image_free);
  g_clear_pointer (&self->image_surface, cairo_surface_destroy);
  g_clear_pointer (&self->overlay, cairo_surface_destroy);
  g_clear_pointer (&self->caption, g_free);

  G_OBJECT_CLASS (bitlens_image_view_parent_class)->finalize (object);
}

static void
bitlens_image_view_class_init (BitlensImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bitlens_image_view_finalize;
  object_class->get_property = bitlens_image_view_get_property;
  object_class->set_property = bitlens_image_view_set_property;

  widget_class->snapshot = bitlens_image_view_snapshot;
  widget_class->measure = bitlens_image_view_measure;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL,
                         BITLENS_IMAGE_VIEW_MIN_ZOOM, BITLENS_IMAGE_VIEW_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_X] =
    g_param_spec_double ("center-x", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_Y] =
    g_param_spec_double ("center-y", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOVER_X] =
    g_param_spec_double ("hover-x", NULL, NULL, -1.0, 1.0, -1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOVER_Y] =
    g_param_spec_double ("hover-y", NULL, NULL, -1.0, 1.0, -1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OVERLAY_OPACITY] =
    g_param_spec_double ("overlay-opacity", NULL, NULL, 0.0, 1.0, 0.6,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_IMAGE] =
    g_param_spec_boolean ("has-image", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "bitlens-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bitlens_image_view_init (BitlensImageView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->zoom = 1.0;
  self->center_x = self->center_y = 0.5;
  self->hover_x = self->hover_y = -1.0;
  self->pointer_x = self->pointer_y = -1.0;
  self->overlay_opacity = 0.6;

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_double_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
bitlens_image_view_new (void)
{
  return g_object_new (BITLENS_TYPE_IMAGE_VIEW, NULL);
}

static cairo_surface_t *
surface_new_from_image (const BitlensImage *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width,
                                                         image->height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < image->height; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);
      const guint8 *source = image->pixels + (gsize) y * image->width * 3;

      for (int x = 0; x < image->width; x++)
        row[x] = 0xff000000u | ((guint32) source[3 * x] << 16)
                 | ((guint32) source[3 * x + 1] << 8) | source[3 * x + 2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
bitlens_image_view_set_image (BitlensImageView   *self,
                              const BitlensImage *image)
{
  gboolean had_image;

  g_return_if_fail (BITLENS_IS_IMAGE_VIEW (self));

  had_image = self->image != NULL;
  g_clear_pointer (&self->image, bitlens_image_free);
  g_clear_pointer (&self->image_surface, cairo_surface_destroy);
  if (image != NULL)
    {
      self->image = bitlens_image_copy (image);
      self->image_surface = surface_new_from_image (image);
    }
  if (had_image != (self->image != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_IMAGE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const BitlensImage *
bitlens_image_view_get_image (BitlensImageView *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_VIEW (self), NULL);
  return self->image;
}

void
bitlens_image_view_set_overlay (BitlensImageView *self,
                                cairo_surface_t  *overlay)
{
  g_return_if_fail (BITLENS_IS_IMAGE_VIEW (self));

  if (self->overlay == overlay)
    return;
  g_clear_pointer (&self->overlay, cairo_surface_destroy);
  if (overlay != NULL)
    self->overlay = cairo_surface_reference (overlay);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

cairo_surface_t *
bitlens_image_view_get_overlay (BitlensImageView *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_VIEW (self), NULL);
  return self->overlay;
}

double
bitlens_image_view_get_zoom (BitlensImageView *self)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_VIEW (self), 1.0);
  return self->zoom;
}

void
bitlens_image_view_set_zoom (BitlensImageView *self,
                             double            zoom)
{
  g_return_if_fail (BITLENS_IS_IMAGE_VIEW (self));
  zoom_at (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
bitlens_image_view_zoom_in (BitlensImageView *self)
{
  bitlens_image_view_set_zoom (self, bitlens_image_view_get_zoom (self) * ZOOM_STEP);
}

void
bitlens_image_view_zoom_out (BitlensImageView *self)
{
  bitlens_image_view_set_zoom (self, bitlens_image_view_get_zoom (self) / ZOOM_STEP);
}

void
bitlens_image_view_zoom_fit (BitlensImageView *self)
{
  g_return_if_fail (BITLENS_IS_IMAGE_VIEW (self));
  g_object_freeze_notify (G_OBJECT (self));
  set_double_property (self, &self->zoom, 1.0, PROP_ZOOM);
  set_center (self, 0.5, 0.5);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
bitlens_image_view_get_hover_pixel (BitlensImageView *self,
                                    int              *x,
                                    int              *y)
{
  g_return_val_if_fail (BITLENS_IS_IMAGE_VIEW (self), FALSE);

  if (self->image == NULL || self->hover_x < 0 || self->hover_y < 0)
    return FALSE;
  *x = MIN ((int) floor (self->hover_x * self->image->width), self->image->width - 1);
  *y = MIN ((int) floor (self->hover_y * self->image->height), self->image->height - 1);
  return TRUE;
}

void
bitlens_image_view_set_caption (BitlensImageView *self,
                                const char       *caption)
{
  g_return_if_fail (BITLENS_IS_IMAGE_VIEW (self));

  if (g_strcmp0 (self->caption, caption) == 0)
    return;
  g_free (self->caption);
  self->caption = g_strdup (caption);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
