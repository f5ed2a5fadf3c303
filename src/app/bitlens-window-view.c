/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-window-private.h"

#define MAX_CACHED_MAPS 512

/* The current image: loading it, its saliency maps (computed in the background, cached per model, image and parameters), their rendering and the hover readout. */

static char *
map_key (BitlensWindow               *self,
         BitlensSlot                  slot,
         BitlensImageItem            *item,
         const BitlensSaliencyParams *params)
{
  g_autofree char *baseline = bitlens_baseline_to_string (&params->baseline);

  return g_strdup_printf ("%s\n%s\n%s w%d s%d %s steps%d samples%d",
                          self->model_paths[slot], bitlens_image_item_get_path (item),
                          bitlens_saliency_method_get_name (params->method), params->window,
                          params->stride, baseline, params->steps, params->samples);
}

/* ---------------------------------------------------------------- current image */

void
bitlens_window_clear_maps (BitlensWindow *self)
{
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      g_cancellable_cancel (self->saliency_cancellables[slot]);
      g_clear_object (&self->saliency_cancellables[slot]);
      g_clear_pointer (&self->maps[slot], bitlens_saliency_map_free);
    }
  g_clear_pointer (&self->difference_map, bitlens_saliency_map_free);
}

static void
image_load_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char *path = task_data;
  GError *error = NULL;
  BitlensImage *image = bitlens_image_load (path, &error);

  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) bitlens_image_free);
}

static void
on_image_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(BitlensImageItem) item = user_data;
  BitlensWindow *self = BITLENS_WINDOW (source);
  g_autoptr(GError) error = NULL;
  BitlensImage *image = g_task_propagate_pointer (G_TASK (result), &error);

  if (bitlens_error_is_cancellation (error) || item != self->current_item)
    {
      g_clear_pointer (&image, bitlens_image_free);
      return;
    }
  if (image == NULL)
    {
      g_autofree char *context = g_strdup_printf (_("Could not open the image “%s”"), bitlens_image_item_get_name (item));

      bitlens_image_item_set_error (item, error->message);
      bitlens_window_show_error (self, context, error);
      gtk_stack_set_visible_child_name (self->view_stack, "empty");
      return;
    }

  g_clear_pointer (&self->current_image, bitlens_image_free);
  self->current_image = image;
  bitlens_image_view_set_image (self->image_view, image);
  bitlens_image_view_set_image (self->image_view_b, image);
  bitlens_image_view_set_image (self->image_view_diff, image);
  gtk_stack_set_visible_child_name (self->view_stack, "views");
  bitlens_window_compute_saliency (self, FALSE);
  bitlens_window_update_actions (self);
}

void
bitlens_window_set_current_item (BitlensWindow    *self,
                  BitlensImageItem *item)
{
  g_autoptr(GTask) task = NULL;

  if (self->current_item == item)
    return;

  g_set_object (&self->current_item, item);
  g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  bitlens_window_clear_maps (self);
  g_clear_pointer (&self->current_image, bitlens_image_free);
  bitlens_prediction_panel_set_item (self->prediction_panel, item);
  bitlens_window_render_overlays (self);
  bitlens_window_update_titles (self);
  bitlens_window_update_actions (self);

  if (item == NULL)
    {
      bitlens_image_view_set_image (self->image_view, NULL);
      bitlens_image_view_set_image (self->image_view_b, NULL);
      bitlens_image_view_set_image (self->image_view_diff, NULL);
      gtk_stack_set_visible_child_name (self->view_stack, "empty");
      return;
    }

  self->image_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->image_cancellable, on_image_loaded, g_object_ref (item));
  g_task_set_source_tag (task, bitlens_window_set_current_item);
  g_task_set_task_data (task, g_strdup (bitlens_image_item_get_path (item)), g_free);
  g_task_run_in_thread (task, image_load_thread);
}

static void
on_selected_item_changed (BitlensBrowser *browser,
                          GParamSpec     *pspec,
                          BitlensWindow  *self)
{
  bitlens_window_set_current_item (self, bitlens_browser_get_selected_item (browser));
}

/* ---------------------------------------------------------------- saliency */

typedef struct
{
  BitlensJobContext  *context;
  BitlensSlot  slot;
  char        *key;
} SaliencyRequest;

static void
saliency_request_free (SaliencyRequest *request)
{
  g_clear_pointer (&request->context, bitlens_job_context_unref);
  g_free (request->key);
  g_free (request);
}

static void
on_saliency_progress (guint    done,
                      guint    total,
                      gpointer user_data)
{
  BitlensJobContext *context = user_data;

  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : -1.0);
}

static void
on_saliency_computed (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  SaliencyRequest *request = user_data;
  BitlensWindow *self = request->context->self;
  g_autoptr(GError) error = NULL;
  BitlensSaliencyMap *map = bitlens_saliency_compute_finish (result, &error);

  if (map == NULL)
    {
      if (!bitlens_error_is_cancellation (error))
        bitlens_window_show_error (self, _("Could not compute the saliency map"), error);
    }
  else
    {
      /* A bound on memory: a few MB of maps at model-input resolution. */
      if (g_hash_table_size (self->map_cache) >= MAX_CACHED_MAPS)
        g_hash_table_remove_all (self->map_cache);
      g_hash_table_replace (self->map_cache, g_strdup (request->key), bitlens_saliency_map_copy (map));
      if (self->current_item != NULL)
        {
          BitlensSaliencyParams params;
          g_autofree char *current_key = NULL;

          bitlens_saliency_panel_get_params (self->saliency_panel, &params);
          current_key = map_key (self, request->slot, self->current_item, &params);
          if (g_strcmp0 (current_key, request->key) == 0)
            {
              g_clear_pointer (&self->maps[request->slot], bitlens_saliency_map_free);
              self->maps[request->slot] = g_steal_pointer (&map);
              bitlens_window_render_overlays (self);
            }
        }
      g_clear_pointer (&map, bitlens_saliency_map_free);
    }
  /* The progress entry goes once the result is shown, so ::is_busy stays TRUE until then. */
  saliency_request_free (request);
  bitlens_window_update_actions (self);
}

void
bitlens_window_compute_saliency (BitlensWindow *self,
                                 gboolean       force)
{
  BitlensSaliencyParams params;

  bitlens_saliency_panel_get_params (self->saliency_panel, &params);
  bitlens_window_clear_maps (self);
  bitlens_window_render_overlays (self);
  if (self->current_item == NULL || self->current_image == NULL)
    return;

  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      g_autofree char *key = NULL;
      g_autoptr(GBytes) input = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *label = NULL;
      BitlensSaliencyMap *cached;
      SaliencyRequest *request;

      if (self->models[slot] == NULL || (slot == BITLENS_SLOT_B && !self->comparing))
        continue;

      key = map_key (self, slot, self->current_item, &params);
      cached = force ? NULL : g_hash_table_lookup (self->map_cache, key);
      if (cached != NULL)
        {
          self->maps[slot] = bitlens_saliency_map_copy (cached);
          continue;
        }

      input = bitlens_saliency_input_from_image (self->models[slot], self->current_image, &error);
      if (input == NULL)
        {
          bitlens_window_show_error (self, _("Could not prepare the model's input"), error);
          continue;
        }

      self->saliency_cancellables[slot] = g_cancellable_new ();
      /* Translators: "Occlusion map of cat.png with person_detect.tflite" */
      label = g_strdup_printf (_("%s map of %s with %s"),
                               bitlens_saliency_method_get_name (params.method),
                               bitlens_image_item_get_name (self->current_item),
                               bitlens_model_get_name (self->models[slot]));
      request = g_new0 (SaliencyRequest, 1);
      request->context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, self->saliency_cancellables[slot]));
      request->slot = slot;
      request->key = g_steal_pointer (&key);
      bitlens_saliency_compute_async (self->models[slot], input, &params,
                                      on_saliency_progress, bitlens_job_context_ref (request->context),
                                      bitlens_job_context_unref,
                                      self->saliency_cancellables[slot],
                                      on_saliency_computed, request);
    }
  bitlens_window_render_overlays (self);
}

gboolean
bitlens_window_has_map (BitlensWindow *self,
                        BitlensSlot    slot)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (slot < BITLENS_N_SLOTS, FALSE);
  return self->maps[slot] != NULL && bitlens_image_view_get_overlay (slot == BITLENS_SLOT_A ? self->image_view : self->image_view_b) != NULL;
}

static cairo_surface_t *
render_surface (const BitlensSaliencyMap   *map,
                const BitlensImage         *image,
                const BitlensRenderOptions *options,
                const BitlensRenderScale   *scale)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, image->width, image->height);
  g_autofree guint8 *rgba = g_malloc ((gsize) image->width * image->height * 4);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  bitlens_render_rgba (map, image, options, scale, image->width, image->height, rgba,
                       (gsize) image->width * 4);
  cairo_surface_flush (surface);
  for (int y = 0; y < image->height; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);
      const guint8 *source = rgba + (gsize) y * image->width * 4;

      for (int x = 0; x < image->width; x++)
        {
          guint alpha = source[4 * x + 3];
          guint red = (source[4 * x] * alpha + 127) / 255;
          guint green = (source[4 * x + 1] * alpha + 127) / 255;
          guint blue = (source[4 * x + 2] * alpha + 127) / 255;

          row[x] = (alpha << 24) | (red << 16) | (green << 8) | blue;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* "NAME  -0.012 … +0.034": in compare mode each view says whose map it shows and its own
 * range, since one shared scale can make a weak map look empty. */
static char *
caption_new (const char               *name,
             const BitlensSaliencyMap *map)
{
  float min, max;

  if (map == NULL)
    return g_strdup (name);
  bitlens_saliency_map_get_range (map, &min, &max);
  return g_strdup_printf ("%s\n%+.2g … %+.2g", name, min, max);
}

void
bitlens_window_update_captions (BitlensWindow *self)
{
  g_autofree char *caption_a = NULL;
  g_autofree char *caption_b = NULL;
  g_autofree char *caption_difference = NULL;

  if (self->comparing && self->models[BITLENS_SLOT_A] != NULL)
    caption_a = caption_new (bitlens_model_get_name (self->models[BITLENS_SLOT_A]), self->maps[BITLENS_SLOT_A]);
  if (self->models[BITLENS_SLOT_B] != NULL)
    caption_b = caption_new (bitlens_model_get_name (self->models[BITLENS_SLOT_B]), self->maps[BITLENS_SLOT_B]);
  caption_difference = caption_new (_("A − B"), self->difference_map);
  bitlens_image_view_set_caption (self->image_view, caption_a);
  bitlens_image_view_set_caption (self->image_view_b, caption_b);
  bitlens_image_view_set_caption (self->image_view_diff, caption_difference);
}

void
bitlens_window_render_overlays (BitlensWindow *self)
{
  BitlensRenderOptions options;
  const BitlensSaliencyMap *maps[BITLENS_N_SLOTS];
  BitlensImageView *views[BITLENS_N_SLOTS] = { self->image_view, self->image_view_b };
  BitlensRenderScale scale;
  guint n_maps = 0;
  g_autofree char *caption = NULL;

  bitlens_saliency_panel_get_render_options (self->saliency_panel, &options);
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    if (self->maps[slot] != NULL && (slot == BITLENS_SLOT_A || self->comparing))
      maps[n_maps++] = self->maps[slot];

  g_clear_pointer (&self->difference_map, bitlens_saliency_map_free);
  if (n_maps == 0 || self->current_image == NULL)
    {
      for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
        bitlens_image_view_set_overlay (views[slot], NULL);
      bitlens_image_view_set_overlay (self->image_view_diff, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->colorbar), FALSE);
      gtk_label_set_label (self->colorbar_label, "");
      bitlens_window_update_captions (self);
      return;
    }

  /* One scale for both models, so that equal colours mean equal attributions. */
  scale = bitlens_render_scale_compute (maps, n_maps, &options);
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      cairo_surface_t *surface = NULL;

      if (self->maps[slot] != NULL && (slot == BITLENS_SLOT_A || self->comparing))
        surface = render_surface (self->maps[slot], self->current_image, &options, &scale);
      bitlens_image_view_set_overlay (views[slot], surface);
      g_clear_pointer (&surface, cairo_surface_destroy);
    }

  if (self->comparing && self->maps[BITLENS_SLOT_A] != NULL && self->maps[BITLENS_SLOT_B] != NULL)
    {
      BitlensRenderOptions difference_options = options;
      const BitlensSaliencyMap *difference_maps[1];
      BitlensRenderScale difference_scale;
      cairo_surface_t *surface;

      /* A minus B at A's resolution (B resampled when the models' inputs differ). */
      self->difference_map = bitlens_saliency_map_new_difference (self->maps[BITLENS_SLOT_A],
                                                                  self->maps[BITLENS_SLOT_B]);
      difference_maps[0] = self->difference_map;
      /* A difference has a sign whatever the maps' sign: a diverging scale around zero. */
      difference_options.sign = BITLENS_RENDER_SIGN_BOTH;
      difference_options.colormap = BITLENS_COLORMAP_AUTO;
      difference_scale = bitlens_render_scale_compute (difference_maps, 1, &difference_options);
      surface = render_surface (self->difference_map, self->current_image, &difference_options, &difference_scale);
      bitlens_image_view_set_overlay (self->image_view_diff, surface);
      cairo_surface_destroy (surface);
    }
  else
    bitlens_image_view_set_overlay (self->image_view_diff, NULL);

  if (n_maps > 1)
    caption = g_strdup (_("Saliency, one scale for A and B"));
  else
    caption = g_strdup_printf (_("Saliency (%s)"), bitlens_render_sign_get_name (options.sign));
  gtk_label_set_label (self->colorbar_label, caption);
  bitlens_colorbar_set_scale (self->colorbar, bitlens_render_options_get_colormap (&options), &scale, caption);
  gtk_widget_set_visible (GTK_WIDGET (self->colorbar), TRUE);
  bitlens_window_update_captions (self);
}

static void
on_saliency_parameters_changed (BitlensSaliencyPanel *panel,
                                BitlensWindow        *self)
{
  bitlens_window_compute_saliency (self, FALSE);
}

static void
on_saliency_display_changed (BitlensSaliencyPanel *panel,
                             BitlensWindow        *self)
{
  bitlens_window_render_overlays (self);
}

/* ---------------------------------------------------------------- hover readout */

static double
map_value_at (const BitlensSaliencyMap *map,
              const BitlensImage       *image,
              int                       x,
              int                       y)
{
  int map_x = MIN ((int) ((gint64) x * map->width / image->width), map->width - 1);
  int map_y = MIN ((int) ((gint64) y * map->height / image->height), map->height - 1);

  return map->values[(gsize) map_y * map->width + map_x];
}

void
bitlens_window_update_readout (BitlensWindow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  int x, y;

  if (self->current_image == NULL || !bitlens_image_view_get_hover_pixel (self->image_view, &x, &y))
    {
      gtk_label_set_label (self->readout_label,
                           _("Scroll to zoom, drag to pan, double-click to zoom in or fit."));
      return;
    }
  else
    {
      const guint8 *pixel = self->current_image->pixels + ((gsize) y * self->current_image->width + x) * 3;

      /* Translators: the hovered pixel: position and colour */
      g_string_append_printf (text, _("x %d  y %d   RGB %d %d %d"), x, y, pixel[0], pixel[1], pixel[2]);
    }
  if (self->maps[BITLENS_SLOT_A] != NULL)
    g_string_append_printf (text, "   %s %+.4f", self->comparing ? "A" : _("saliency"),
                            map_value_at (self->maps[BITLENS_SLOT_A], self->current_image, x, y));
  if (self->comparing && self->maps[BITLENS_SLOT_B] != NULL)
    g_string_append_printf (text, "   B %+.4f", map_value_at (self->maps[BITLENS_SLOT_B], self->current_image, x, y));
  if (self->comparing && self->difference_map != NULL)
    g_string_append_printf (text, "   A−B %+.4f", map_value_at (self->difference_map, self->current_image, x, y));
  gtk_label_set_label (self->readout_label, text->str);
}

static void
on_hover_changed (BitlensImageView *view,
                  GParamSpec       *pspec,
                  BitlensWindow    *self)
{
  bitlens_window_update_readout (self);
}

void
bitlens_window_connect_view (BitlensWindow *self)
{
  g_signal_connect (self->browser, "notify::selected-item", G_CALLBACK (on_selected_item_changed), self);
  g_signal_connect (self->saliency_panel, "parameters-changed", G_CALLBACK (on_saliency_parameters_changed), self);
  g_signal_connect (self->saliency_panel, "display-changed", G_CALLBACK (on_saliency_display_changed), self);
  g_signal_connect (self->image_view, "notify::hover-x", G_CALLBACK (on_hover_changed), self);
  g_signal_connect (self->image_view, "notify::hover-y", G_CALLBACK (on_hover_changed), self);
}
