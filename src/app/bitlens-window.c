/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-batch-export.h"
#include "bitlens-dataset-scoring.h"
#include "bitlens-scoring-job.h"
#include "bitlens-window-private.h"

G_DEFINE_FINAL_TYPE (BitlensWindow, bitlens_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_COMPARING,
  PROP_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define RECENT_APPLICATION "bitlens"
#define MAX_RECENT_ROWS 6

static void start_scoring      (BitlensWindow *self);
static void render_overlays    (BitlensWindow *self);
static void update_start_page  (BitlensWindow *self);
static void update_titles      (BitlensWindow *self);

/* ---------------------------------------------------------------- messages */

void
bitlens_window_show_message (BitlensWindow *self,
                             const char    *message)
{
  AdwToast *toast = adw_toast_new (message);

  g_free (self->last_message);
  self->last_message = g_strdup (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
bitlens_window_show_error (BitlensWindow *self,
                           const char    *context,
                           const GError  *error)
{
  g_autofree char *message = NULL;
  g_autofree char *escaped = NULL;

  if (error != NULL)
    message = g_strdup_printf ("%s: %s", context, error->message);
  else
    message = g_strdup (context);
  g_message ("%s", message);
  /* Toasts take Pango markup. */
  escaped = g_markup_escape_text (message, -1);
  bitlens_window_show_message (self, escaped);
}

/* ---------------------------------------------------------------- jobs */

static void
update_progress (BitlensWindow *self)
{
  BitlensWindowJob *job;
  g_autofree char *label = NULL;

  gtk_revealer_set_reveal_child (self->progress_revealer, self->jobs->len > 0);
  if (self->jobs->len == 0)
    return;

  job = g_ptr_array_index (self->jobs, 0);
  if (self->jobs->len > 1)
    /* Translators: a job's description, then how many more jobs run */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (and %u more job)", "%s (and %u more jobs)",
                                          self->jobs->len - 1),
                             job->label, self->jobs->len - 1);
  else
    label = g_strdup (job->label);
  gtk_label_set_label (self->progress_label, label);
  if (job->fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, job->fraction);
}

static void
job_free (gpointer data)
{
  BitlensWindowJob *job = data;

  g_clear_object (&job->cancellable);
  g_free (job->label);
  g_free (job);
}

BitlensWindowJob *
bitlens_window_begin_job (BitlensWindow *self,
                          const char    *label,
                          GCancellable  *cancellable)
{
  BitlensWindowJob *job = g_new0 (BitlensWindowJob, 1);

  job->label = g_strdup (label);
  job->fraction = 0;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_ptr_array_add (self->jobs, job);
  update_progress (self);
  bitlens_window_update_actions (self);
  return job;
}

void
bitlens_window_update_job (BitlensWindow    *self,
                           BitlensWindowJob *job,
                           double            fraction)
{
  job->fraction = fraction;
  if (self->jobs->len > 0 && g_ptr_array_index (self->jobs, 0) == job)
    update_progress (self);
}

void
bitlens_window_end_job (BitlensWindow    *self,
                        BitlensWindowJob *job)
{
  g_ptr_array_remove (self->jobs, job);
  update_progress (self);
  bitlens_window_update_actions (self);
}

void
bitlens_window_cancel_jobs (BitlensWindow *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      BitlensWindowJob *job = g_ptr_array_index (self->jobs, i);

      if (job->cancellable != NULL)
        g_cancellable_cancel (job->cancellable);
    }
}

gboolean
bitlens_window_is_busy (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  return self->jobs->len > 0;
}

/* A job's state carried through async calls: the window and the progress entry. Reference
 * counted, because a progress callback may hold it after the result came; the entry goes
 * with the last reference. */
typedef struct
{
  BitlensWindow    *self;
  BitlensWindowJob *job;
} JobContext;

static void
job_context_clear (gpointer data)
{
  JobContext *context = data;

  bitlens_window_end_job (context->self, context->job);
  g_object_unref (context->self);
}

static JobContext *
job_context_new (BitlensWindow    *self,
                 BitlensWindowJob *job)
{
  JobContext *context = g_rc_box_new0 (JobContext);

  context->self = g_object_ref (self);
  context->job = job;
  return context;
}

static gpointer
job_context_ref (JobContext *context)
{
  return g_rc_box_acquire (context);
}

static void
job_context_unref (gpointer context)
{
  g_rc_box_release_full (context, job_context_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobContext, job_context_unref)

static gboolean
error_is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
}

/* ---------------------------------------------------------------- caches */

static char *
score_key (BitlensWindow    *self,
           BitlensSlot       slot,
           BitlensImageItem *item)
{
  return g_strconcat (self->model_paths[slot], "\n", bitlens_image_item_get_path (item), NULL);
}

static void
cache_score (BitlensWindow    *self,
             BitlensSlot       slot,
             BitlensImageItem *item,
             double            score)
{
  double *value = g_new (double, 1);

  *value = score;
  g_hash_table_replace (self->score_cache, score_key (self, slot, item), value);
}

static gboolean
apply_cached_score (BitlensWindow    *self,
                    BitlensSlot       slot,
                    BitlensImageItem *item)
{
  g_autofree char *key = score_key (self, slot, item);
  double *value = g_hash_table_lookup (self->score_cache, key);

  if (value == NULL)
    return FALSE;
  bitlens_image_item_set_score (item, slot, *value);
  return TRUE;
}

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

/* ---------------------------------------------------------------- browser refresh */

static gboolean
refresh_browser_now (gpointer user_data)
{
  BitlensWindow *self = user_data;

  self->refresh_source = 0;
  bitlens_browser_refresh (self->browser);
  bitlens_window_update_actions (self);
  return G_SOURCE_REMOVE;
}

/* Scores arrive by the hundred: filter and sort again at most a few times a second. */
static void
schedule_browser_refresh (BitlensWindow *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (250, refresh_browser_now, self);
}

/* ---------------------------------------------------------------- scoring */

static void
on_scoring_result (BitlensScoringJob *job,
                   guint              index,
                   double             score,
                   const char        *error,
                   GdkTexture        *thumbnail,
                   BitlensWindow     *self)
{
  GPtrArray *items = g_object_get_data (G_OBJECT (job), "items");
  BitlensModel *model = g_object_get_data (G_OBJECT (job), "model");
  BitlensImageItem *item = g_ptr_array_index (items, index);

  if (thumbnail != NULL)
    bitlens_image_item_set_thumbnail (item, thumbnail);
  if (error != NULL)
    bitlens_image_item_set_error (item, error);
  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    if (model != NULL && self->models[slot] == model && !isnan (score))
      {
        bitlens_image_item_set_score (item, slot, score);
        cache_score (self, slot, item, score);
      }
  schedule_browser_refresh (self);
}

static void
on_scoring_progress (BitlensScoringJob *job,
                     guint              done,
                     guint              total,
                     JobContext        *context)
{
  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : 1.0);
}

static void
on_scoring_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(JobContext) context = user_data;
  g_autoptr(GError) error = NULL;

  if (!bitlens_scoring_job_run_finish (BITLENS_SCORING_JOB (source), result, &error)
      && !error_is_cancellation (error))
    bitlens_window_show_error (context->self, _("Could not score the images"), error);
  g_signal_handlers_disconnect_by_data (source, context->self);
  g_signal_handlers_disconnect_by_data (source, context);
  schedule_browser_refresh (context->self);
}

static void
run_scoring_job (BitlensWindow *self,
                 BitlensModel  *model,
                 GPtrArray     *items,
                 gboolean       make_thumbnails,
                 const char    *label)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BitlensScoringJob) job = NULL;
  JobContext *context;

  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (paths, g_strdup (bitlens_image_item_get_path (g_ptr_array_index (items, i))));
  job = bitlens_scoring_job_new (model, paths, make_thumbnails);
  g_object_set_data_full (G_OBJECT (job), "items", g_ptr_array_ref (items), (GDestroyNotify) g_ptr_array_unref);
  if (model != NULL)
    g_object_set_data_full (G_OBJECT (job), "model", bitlens_model_ref (model), (GDestroyNotify) bitlens_model_unref);

  context = job_context_new (self, bitlens_window_begin_job (self, label, self->scoring_cancellable));
  g_signal_connect (job, "result", G_CALLBACK (on_scoring_result), self);
  g_signal_connect (job, "progress", G_CALLBACK (on_scoring_progress), context);
  bitlens_scoring_job_run_async (job, self->scoring_cancellable, on_scoring_done, context);
}

typedef struct
{
  JobContext   *context;
  BitlensModel *model;
  GPtrArray    *items;       /* the dataset's items, in its order */
} DatasetScoring;

static void
dataset_scoring_free (DatasetScoring *scoring)
{
  g_clear_pointer (&scoring->context, job_context_unref);
  g_clear_pointer (&scoring->model, bitlens_model_unref);
  g_clear_pointer (&scoring->items, g_ptr_array_unref);
  g_free (scoring);
}

static void
on_dataset_progress (guint    done,
                     guint    total,
                     gpointer user_data)
{
  JobContext *context = user_data;

  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : 1.0);
}

static void
on_dataset_scored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DatasetScoring *scoring = user_data;
  BitlensWindow *self = scoring->context->self;
  g_autoptr(GArray) scores = NULL;
  g_autoptr(GError) error = NULL;

  scores = bitlens_dataset_scoring_run_finish (result, &error);
  if (scores == NULL)
    {
      if (!error_is_cancellation (error))
        bitlens_window_show_error (self, _("Could not evaluate the dataset"), error);
    }
  else
    {
      for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
        {
          if (self->models[slot] != scoring->model)
            continue;
          for (guint i = 0; i < scores->len && i < scoring->items->len; i++)
            {
              BitlensImageItem *item = g_ptr_array_index (scoring->items, i);
              double score = g_array_index (scores, double, i);

              if (isnan (score))
                {
                  bitlens_image_item_set_error (item, _("The image could not be read"));
                  continue;
                }
              bitlens_image_item_set_score (item, slot, score);
              cache_score (self, slot, item, score);
            }
        }
      schedule_browser_refresh (self);
    }
  dataset_scoring_free (scoring);
}

static GPtrArray *
get_item_array (BitlensWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->items), i));
  return items;
}

static void
start_scoring (BitlensWindow *self)
{
  g_autoptr(GPtrArray) items = get_item_array (self);
  g_autoptr(GPtrArray) need_thumbnails = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean thumbnails_scheduled = FALSE;

  g_cancellable_cancel (self->scoring_cancellable);
  g_clear_object (&self->scoring_cancellable);
  self->scoring_cancellable = g_cancellable_new ();

  if (items->len == 0)
    return;

  for (guint i = 0; i < items->len; i++)
    if (bitlens_image_item_get_thumbnail (g_ptr_array_index (items, i)) == NULL)
      g_ptr_array_add (need_thumbnails, g_object_ref (g_ptr_array_index (items, i)));

  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      g_autoptr(GPtrArray) need_scores = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree char *label = NULL;
      g_autofree char *model_name = NULL;

      if (self->models[slot] == NULL)
        continue;
      for (guint i = 0; i < items->len; i++)
        {
          BitlensImageItem *item = g_ptr_array_index (items, i);

          if (!apply_cached_score (self, slot, item) && bitlens_image_item_get_error (item) == NULL)
            g_ptr_array_add (need_scores, g_object_ref (item));
        }
      if (need_scores->len == 0)
        continue;

      model_name = g_strdup (bitlens_model_get_name (self->models[slot]));
      if (self->dataset != NULL)
        {
          DatasetScoring *scoring = g_new0 (DatasetScoring, 1);

          /* Translators: "Evaluating vww with person_detect.tflite" */
          label = g_strdup_printf (_("Evaluating %s with %s"), bitlens_dataset_get_name (self->dataset), model_name);
          scoring->context = job_context_new (self, bitlens_window_begin_job (self, label, self->scoring_cancellable));
          scoring->model = bitlens_model_ref (self->models[slot]);
          scoring->items = g_ptr_array_ref (items);
          bitlens_dataset_scoring_run_async (self->dataset, self->models[slot], self->threshold,
                                             self->scoring_cancellable, on_dataset_progress,
                                             job_context_ref (scoring->context), job_context_unref,
                                             on_dataset_scored, scoring);
        }
      else
        {
          gboolean with_thumbnails = !thumbnails_scheduled && need_thumbnails->len > 0;

          /* Translators: "Scoring 12 images with person_detect.tflite" */
          label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Scoring %u image with %s", "Scoring %u images with %s", need_scores->len),
                                   need_scores->len, model_name);
          if (with_thumbnails)
            {
              /* One pass makes the thumbnails and the scores of every image. */
              run_scoring_job (self, self->models[slot], items, TRUE, label);
              thumbnails_scheduled = TRUE;
            }
          else
            run_scoring_job (self, self->models[slot], need_scores, FALSE, label);
        }
    }

  if (!thumbnails_scheduled && need_thumbnails->len > 0)
    run_scoring_job (self, NULL, need_thumbnails, TRUE, _("Making thumbnails"));
}

/* ---------------------------------------------------------------- current image */

static void
clear_maps (BitlensWindow *self)
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

  if (error_is_cancellation (error) || item != self->current_item)
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

static void
set_current_item (BitlensWindow    *self,
                  BitlensImageItem *item)
{
  g_autoptr(GTask) task = NULL;

  if (self->current_item == item)
    return;

  g_set_object (&self->current_item, item);
  g_cancellable_cancel (self->image_cancellable);
  g_clear_object (&self->image_cancellable);
  clear_maps (self);
  g_clear_pointer (&self->current_image, bitlens_image_free);
  bitlens_prediction_panel_set_item (self->prediction_panel, item);
  render_overlays (self);
  update_titles (self);
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
  g_task_set_source_tag (task, set_current_item);
  g_task_set_task_data (task, g_strdup (bitlens_image_item_get_path (item)), g_free);
  g_task_run_in_thread (task, image_load_thread);
}

static void
on_selected_item_changed (BitlensBrowser *browser,
                          GParamSpec     *pspec,
                          BitlensWindow  *self)
{
  set_current_item (self, bitlens_browser_get_selected_item (browser));
}

/* ---------------------------------------------------------------- saliency */

typedef struct
{
  JobContext  *context;
  BitlensSlot  slot;
  char        *key;
} SaliencyRequest;

static void
saliency_request_free (SaliencyRequest *request)
{
  g_clear_pointer (&request->context, job_context_unref);
  g_free (request->key);
  g_free (request);
}

static void
on_saliency_progress (guint    done,
                      guint    total,
                      gpointer user_data)
{
  JobContext *context = user_data;

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
      if (!error_is_cancellation (error))
        bitlens_window_show_error (self, _("Could not compute the saliency map"), error);
    }
  else
    {
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
              render_overlays (self);
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
  clear_maps (self);
  render_overlays (self);
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
      request->context = job_context_new (self, bitlens_window_begin_job (self, label, self->saliency_cancellables[slot]));
      request->slot = slot;
      request->key = g_steal_pointer (&key);
      bitlens_saliency_compute_async (self->models[slot], input, &params,
                                      on_saliency_progress, job_context_ref (request->context),
                                      job_context_unref,
                                      self->saliency_cancellables[slot],
                                      on_saliency_computed, request);
    }
  render_overlays (self);
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

/* A minus B at A's resolution (B resampled when the models' inputs differ). */
static BitlensSaliencyMap *
difference_map_new (const BitlensSaliencyMap *a,
                    const BitlensSaliencyMap *b)
{
  g_autoptr(BitlensSaliencyMap) b_resampled = NULL;
  BitlensSaliencyMap *difference = bitlens_saliency_map_new (a->width, a->height);

  if (b->width != a->width || b->height != a->height)
    b = b_resampled = bitlens_saliency_map_resample (b, a->width, a->height);
  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    difference->values[i] = a->values[i] - b->values[i];
  return difference;
}

static void
render_overlays (BitlensWindow *self)
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

      self->difference_map = difference_map_new (self->maps[BITLENS_SLOT_A], self->maps[BITLENS_SLOT_B]);
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
  render_overlays (self);
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

static void
update_readout (BitlensWindow *self)
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
  update_readout (self);
}

/* ---------------------------------------------------------------- titles and pages */

static void
update_titles (BitlensWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  if (self->models[BITLENS_SLOT_A] != NULL && self->comparing && self->models[BITLENS_SLOT_B] != NULL)
    /* Translators: model A versus model B in the title */
    title = g_strdup_printf (_("%s vs %s"), bitlens_model_get_name (self->models[BITLENS_SLOT_A]),
                             bitlens_model_get_name (self->models[BITLENS_SLOT_B]));
  else if (self->models[BITLENS_SLOT_A] != NULL)
    title = g_strdup (bitlens_model_get_name (self->models[BITLENS_SLOT_A]));
  else
    title = g_strdup (_("Bitlens"));

  if (self->current_item != NULL && self->dataset != NULL)
    subtitle = g_strdup_printf ("%s — %s", bitlens_dataset_get_name (self->dataset),
                                bitlens_image_item_get_name (self->current_item));
  else if (self->current_item != NULL)
    subtitle = g_strdup (bitlens_image_item_get_name (self->current_item));
  else if (n_items > 0)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images", n_items), n_items);
  else if (self->models[BITLENS_SLOT_A] == NULL)
    subtitle = g_strdup (_("No model"));

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self), title);

  bitlens_image_view_set_caption (self->image_view,
                                  self->comparing && self->models[BITLENS_SLOT_A] != NULL
                                  ? bitlens_model_get_name (self->models[BITLENS_SLOT_A]) : NULL);
  bitlens_image_view_set_caption (self->image_view_b,
                                  self->models[BITLENS_SLOT_B] != NULL
                                  ? bitlens_model_get_name (self->models[BITLENS_SLOT_B]) : NULL);
  bitlens_image_view_set_caption (self->image_view_diff, _("A − B"));
  bitlens_prediction_panel_set_model_name (self->prediction_panel, BITLENS_SLOT_A,
                                           self->models[BITLENS_SLOT_A] != NULL
                                           ? bitlens_model_get_name (self->models[BITLENS_SLOT_A]) : NULL);
  bitlens_prediction_panel_set_model_name (self->prediction_panel, BITLENS_SLOT_B,
                                           self->comparing && self->models[BITLENS_SLOT_B] != NULL
                                           ? bitlens_model_get_name (self->models[BITLENS_SLOT_B]) : NULL);
}

static void
update_main_page (BitlensWindow *self)
{
  gboolean has_items = g_list_model_get_n_items (G_LIST_MODEL (self->items)) > 0;

  gtk_stack_set_visible_child_name (self->main_stack, has_items ? "workspace" : "start");
  update_start_page (self);
  update_titles (self);
  bitlens_window_update_actions (self);
}

static GtkWidget *
path_row_new (const char *path,
              const char *icon_name)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *display_folder = g_filename_display_name (folder);
  g_autofree char *display_name = g_filename_display_name (name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), display_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display_folder);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-path");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (path));
  return row;
}

static const char *
icon_for_path (const char *path)
{
  if (g_str_has_suffix (path, ".tflite"))
    return "application-x-executable-symbolic";
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return "folder-symbolic";
  return "image-x-generic-symbolic";
}

static void
list_box_remove_all (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* Bundled demo models: the .tflite files in data/models of the source tree or of the
 * installed data. */
static GPtrArray *
find_demo_models (void)
{
  const char *folders[] = { BITLENS_SOURCE_DATADIR "/models", BITLENS_DATADIR "/models" };
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autoptr(GDir) dir = g_dir_open (folders[i], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".tflite"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint j = 0; j < names->len; j++)
        g_ptr_array_add (paths, g_build_filename (folders[i], g_ptr_array_index (names, j), NULL));
      if (paths->len > 0)
        break;   /* the source tree's models shadow the installed copies */
    }
  return paths;
}

static int
compare_recent_by_time (gconstpointer a,
                        gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **) a;
  GtkRecentInfo *info_b = *(GtkRecentInfo **) b;
  GDateTime *time_a = gtk_recent_info_get_modified (info_a);
  GDateTime *time_b = gtk_recent_info_get_modified (info_b);

  return g_date_time_compare (time_b, time_a);
}

static void
update_start_page (BitlensWindow *self)
{
  g_autoptr(GPtrArray) demos = find_demo_models ();
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GList *recent = gtk_recent_manager_get_items (manager);
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);
  guint n_rows = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->loaded_group), self->models[BITLENS_SLOT_A] != NULL);
  if (self->models[BITLENS_SLOT_A] != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->loaded_row),
                                     bitlens_model_get_name (self->models[BITLENS_SLOT_A]));
      adw_action_row_set_subtitle (self->loaded_row, _("Ready: open images or a dataset to run it"));
    }

  list_box_remove_all (self->demo_list);
  for (guint i = 0; i < demos->len; i++)
    gtk_list_box_append (self->demo_list, path_row_new (g_ptr_array_index (demos, i), "starred-symbolic"));
  gtk_widget_set_visible (GTK_WIDGET (self->demo_group), demos->len > 0);

  for (GList *l = recent; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;

      if (gtk_recent_info_has_application (info, RECENT_APPLICATION) && gtk_recent_info_exists (info))
        g_ptr_array_add (infos, gtk_recent_info_ref (info));
    }
  g_list_free_full (recent, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (infos, compare_recent_by_time);

  list_box_remove_all (self->recent_list);
  for (guint i = 0; i < infos->len && n_rows < MAX_RECENT_ROWS; i++)
    {
      g_autofree char *path = g_filename_from_uri (gtk_recent_info_get_uri (g_ptr_array_index (infos, i)), NULL, NULL);

      if (path == NULL)
        continue;
      gtk_list_box_append (self->recent_list, path_row_new (path, icon_for_path (path)));
      n_rows++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), n_rows > 0);
}

static void
add_recent (GFile      *file,
            const char *mime_type)
{
  g_autofree char *uri = g_file_get_uri (file);
  GtkRecentData data = {
    .display_name = NULL,
    .description = NULL,
    .mime_type = (char *) mime_type,
    .app_name = (char *) RECENT_APPLICATION,
    .app_exec = (char *) "bitlens %f",
    .groups = NULL,
    .is_private = FALSE,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

/* ---------------------------------------------------------------- opening */

void
bitlens_window_load_model (BitlensWindow *self,
                           BitlensSlot    slot,
                           GFile         *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  BitlensModel *model;
  g_autoptr(GPtrArray) items = NULL;

  if (path == NULL)
    {
      bitlens_window_show_message (self, _("Only local files can be opened"));
      return;
    }
  model = bitlens_model_new_from_file (path, &error);
  if (model == NULL)
    {
      g_autofree char *basename = g_file_get_basename (file);
      g_autofree char *context = g_strdup_printf (_("Could not open the model “%s”"), basename);

      bitlens_window_show_error (self, context, error);
      return;
    }

  g_clear_pointer (&self->models[slot], bitlens_model_unref);
  self->models[slot] = model;
  g_free (self->model_paths[slot]);
  self->model_paths[slot] = g_steal_pointer (&path);
  add_recent (file, "application/octet-stream");

  items = get_item_array (self);
  for (guint i = 0; i < items->len; i++)
    bitlens_image_item_clear_scores (g_ptr_array_index (items, i), slot);

  if (slot == BITLENS_SLOT_B)
    bitlens_window_set_comparing (self, TRUE);
  start_scoring (self);
  bitlens_window_compute_saliency (self, FALSE);
  update_main_page (self);
  schedule_browser_refresh (self);
}

void
bitlens_window_open_compare_model (BitlensWindow *self,
                                   GFile         *file)
{
  g_return_if_fail (BITLENS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->models[BITLENS_SLOT_A] == NULL)
    bitlens_window_load_model (self, BITLENS_SLOT_A, file);
  else
    bitlens_window_load_model (self, BITLENS_SLOT_B, file);
}

static void
set_items (BitlensWindow   *self,
           GPtrArray       *items,
           BitlensDataset  *dataset)
{
  g_clear_pointer (&self->dataset, bitlens_dataset_unref);
  if (dataset != NULL)
    self->dataset = bitlens_dataset_ref (dataset);

  set_current_item (self, NULL);
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);
  adw_flap_set_reveal_flap (self->flap, items->len > 1);
  start_scoring (self);
  update_main_page (self);
  bitlens_browser_refresh (self->browser);
  if (items->len > 0)
    bitlens_browser_select_position (self->browser, 0);
}

static gboolean
is_image_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
         || g_str_has_suffix (lower, ".jpeg");
}

static int
compare_files_by_path (gconstpointer a,
                       gconstpointer b)
{
  g_autofree char *path_a = g_file_get_path (*(GFile **) a);
  g_autofree char *path_b = g_file_get_path (*(GFile **) b);

  return g_strcmp0 (path_a, path_b);
}

/* The images directly inside a folder, sorted by name. */
static GPtrArray *
list_folder_images (GFile   *folder,
                    GError **error)
{
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  GFileInfo *info;
  GFile *child;

  enumerator = g_file_enumerate_children (folder, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                          G_FILE_QUERY_INFO_NONE, NULL, error);
  if (enumerator == NULL)
    return NULL;
  while (g_file_enumerator_iterate (enumerator, &info, &child, NULL, error) && info != NULL)
    if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR && is_image_name (g_file_info_get_name (info)))
      g_ptr_array_add (files, g_object_ref (child));
  if (error != NULL && *error != NULL)
    return NULL;
  g_ptr_array_sort (files, compare_files_by_path);
  return g_steal_pointer (&files);
}

typedef struct
{
  JobContext *context;
  GFile      *folder;
} FolderLoad;

static void
folder_load_free (FolderLoad *load)
{
  g_clear_pointer (&load->context, job_context_unref);
  g_clear_object (&load->folder);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FolderLoad, folder_load_free)

static void
on_dataset_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(FolderLoad) load = user_data;
  BitlensWindow *self = load->context->self;
  GFile *folder_ref = load->folder;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDataset) dataset = bitlens_dataset_load_finish (result, &error);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (error_is_cancellation (error))
    return;

  if (dataset != NULL)
    {
      for (guint i = 0; i < bitlens_dataset_get_n_items (dataset); i++)
        {
          const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, i);
          g_autoptr(GFile) file = g_file_new_for_path (item->path);

          g_ptr_array_add (items, bitlens_image_item_new (file, item->label));
        }
      if (bitlens_dataset_get_n_problems (dataset) > 0)
        {
          g_autofree char *first = bitlens_dataset_problem_to_string (bitlens_dataset_get_problem (dataset, 0));
          g_autofree char *message = NULL;
          guint n = bitlens_dataset_get_n_problems (dataset);

          message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u line of the dataset was skipped: %s",
                                                  "%u lines of the dataset were skipped, the first: %s", n),
                                     n, first);
          bitlens_window_show_error (self, message, NULL);
        }
      set_items (self, items, bitlens_dataset_get_n_items (dataset) > 0 ? dataset : NULL);
      return;
    }

  /* Not a labelled dataset: an unlabelled folder of images. */
  {
    g_autoptr(GError) list_error = NULL;
    g_autoptr(GPtrArray) files = list_folder_images (folder_ref, &list_error);
    g_autofree char *name = g_file_get_basename (folder_ref);

    if (files == NULL || files->len == 0)
      {
        g_autofree char *context_text = g_strdup_printf (_("“%s” holds no PNG or JPEG images and no labels.csv"), name);

        bitlens_window_show_error (self, context_text, list_error != NULL ? list_error : NULL);
        return;
      }
    for (guint i = 0; i < files->len; i++)
      g_ptr_array_add (items, bitlens_image_item_new (g_ptr_array_index (files, i), BITLENS_LABEL_UNKNOWN));
    set_items (self, items, NULL);
  }
}

void
bitlens_window_open_folder (BitlensWindow *self,
                            GFile         *folder)
{
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *name = g_file_get_basename (folder);
  g_autofree char *label = NULL;
  GCancellable *cancellable;
  FolderLoad *load;

  if (path == NULL)
    {
      bitlens_window_show_message (self, _("Only local folders can be opened"));
      return;
    }
  add_recent (folder, "inode/directory");
  /* Translators: "Reading the dataset vww" */
  label = g_strdup_printf (_("Reading %s"), name);
  cancellable = g_cancellable_new ();
  load = g_new0 (FolderLoad, 1);
  load->context = job_context_new (self, bitlens_window_begin_job (self, label, cancellable));
  load->folder = g_object_ref (folder);
  bitlens_window_update_job (self, load->context->job, -1.0);
  bitlens_dataset_load_async (path, cancellable, on_dataset_loaded, load);
  g_object_unref (cancellable);
}

void
bitlens_window_add_images (BitlensWindow  *self,
                           GFile         **files,
                           guint           n_files)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n_files; i++)
    {
      g_ptr_array_add (items, bitlens_image_item_new (files[i], BITLENS_LABEL_UNKNOWN));
      if (n_files == 1)
        add_recent (files[i], "image/png");
    }
  set_items (self, items, NULL);
}

void
bitlens_window_open_files (BitlensWindow  *self,
                           GFile         **files,
                           guint           n_files)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  g_autoptr(GPtrArray) folders = g_ptr_array_new ();
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (BITLENS_IS_WINDOW (self));

  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_file_get_basename (files[i]);
      g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);
      GFileType type = g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL);

      if (type == G_FILE_TYPE_UNKNOWN)
        {
          g_autofree char *message = g_strdup_printf (_("“%s” does not exist"), name);
          bitlens_window_show_error (self, message, NULL);
        }
      else if (type == G_FILE_TYPE_DIRECTORY)
        g_ptr_array_add (folders, files[i]);
      else if (g_str_has_suffix (lower, ".tflite"))
        g_ptr_array_add (models, files[i]);
      else
        g_ptr_array_add (images, g_object_ref (files[i]));
    }

  if (models->len > 0)
    bitlens_window_load_model (self, BITLENS_SLOT_A, g_ptr_array_index (models, 0));
  if (models->len > 1)
    bitlens_window_load_model (self, BITLENS_SLOT_B, g_ptr_array_index (models, 1));
  if (models->len > 2)
    bitlens_window_show_message (self, _("Two models can be compared at a time: the others were not opened"));

  if (folders->len == 1 && images->len == 0)
    bitlens_window_open_folder (self, g_ptr_array_index (folders, 0));
  else if (folders->len > 0 || images->len > 0)
    {
      /* Several folders, or folders and images: one unlabelled list of all their images. */
      for (guint i = 0; i < folders->len; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) folder_images = list_folder_images (g_ptr_array_index (folders, i), &error);

          if (folder_images == NULL)
            {
              bitlens_window_show_error (self, _("Could not read a folder"), error);
              continue;
            }
          for (guint j = 0; j < folder_images->len; j++)
            g_ptr_array_add (images, g_object_ref (g_ptr_array_index (folder_images, j)));
        }
      bitlens_window_add_images (self, (GFile **) images->pdata, images->len);
    }
}

/* ---------------------------------------------------------------- drag and drop */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         BitlensWindow *self)
{
  GSList *list;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  if (files->len == 0)
    return FALSE;
  bitlens_window_open_files (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

/* ---------------------------------------------------------------- export */

void
bitlens_window_fill_export_info (BitlensWindow         *self,
                                 BitlensSlot            slot,
                                 BitlensImageItem      *item,
                                 BitlensSaliencyParams *params,
                                 BitlensRenderOptions  *render,
                                 BitlensExportInfo     *info)
{
  bitlens_saliency_panel_get_params (self->saliency_panel, params);
  bitlens_saliency_panel_get_render_options (self->saliency_panel, render);
  *info = (BitlensExportInfo) {
    .model_name = bitlens_model_get_name (self->models[slot]),
    .input_name = item != NULL ? bitlens_image_item_get_name (item) : NULL,
    .input_is_raw = FALSE,
    .params = params,
    .ground_truth = item != NULL ? bitlens_image_item_get_label (item) : BITLENS_LABEL_UNKNOWN,
    .render = render,
    .scale = NULL,
  };
}

gboolean
bitlens_window_export_current (BitlensWindow  *self,
                               const char     *path,
                               GError        **error)
{
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info;

  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->current_image == NULL || self->maps[BITLENS_SLOT_A] == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("There is no saliency map to export yet"));
      return FALSE;
    }
  bitlens_window_fill_export_info (self, BITLENS_SLOT_A, self->current_item, &params, &render, &info);
  return bitlens_export_annotated_png (self->current_image, self->maps[BITLENS_SLOT_A], &info, path,
                                       TRUE, error);
}

static void
on_batch_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  JobContext *context = user_data;

  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : 1.0);
}

static void
on_batch_exported (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(JobContext) context = user_data;
  g_autoptr(GError) error = NULL;
  guint n_written = 0, n_failed = 0;
  g_autofree char *first_failure = NULL;

  if (!bitlens_batch_export_finish (result, &n_written, &n_failed, &first_failure, &error))
    {
      if (error_is_cancellation (error))
        {
          g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Export cancelled after %u image",
                                                                   "Export cancelled after %u images", n_written),
                                                      n_written);
          bitlens_window_show_message (context->self, message);
        }
      else
        bitlens_window_show_error (context->self, _("Could not export"), error);
      return;
    }
  if (n_failed > 0)
    {
      g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u image, %u failed: %s",
                                                               "Exported %u images, %u failed: %s", n_written),
                                                  n_written, n_failed, first_failure);
      bitlens_window_show_error (context->self, message, NULL);
    }
  else
    {
      g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u annotated image",
                                                               "Exported %u annotated images", n_written),
                                                  n_written);
      bitlens_window_show_message (context->self, message);
    }
}

void
bitlens_window_export_shown_items (BitlensWindow *self,
                                   const char    *folder)
{
  GListModel *shown;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info;
  g_autofree char *label = NULL;
  JobContext *context;

  g_return_if_fail (BITLENS_IS_WINDOW (self));
  g_return_if_fail (folder != NULL);

  if (self->models[BITLENS_SLOT_A] == NULL)
    return;
  shown = bitlens_browser_get_shown_items (self->browser);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (shown, i);
      int item_label = bitlens_image_item_get_label (item);

      g_ptr_array_add (paths, g_strdup (bitlens_image_item_get_path (item)));
      g_array_append_val (labels, item_label);
    }
  if (paths->len == 0)
    {
      bitlens_window_show_message (self, _("The list is empty: nothing to export"));
      return;
    }

  bitlens_window_fill_export_info (self, BITLENS_SLOT_A, NULL, &params, &render, &info);
  /* Translators: "Exporting 41 images" */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exporting %u image", "Exporting %u images", paths->len), paths->len);
  context = job_context_new (self, bitlens_window_begin_job (self, label, cancellable));
  bitlens_batch_export_async (self->models[BITLENS_SLOT_A], paths, labels, &params, &render, folder,
                              cancellable, on_batch_progress, job_context_ref (context), job_context_unref,
                              on_batch_exported, context);
}

/* ---------------------------------------------------------------- properties */

gboolean
bitlens_window_get_comparing (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  return self->comparing;
}

void
bitlens_window_set_comparing (BitlensWindow *self,
                              gboolean       comparing)
{
  g_return_if_fail (BITLENS_IS_WINDOW (self));

  comparing = !!comparing;
  if (comparing && self->models[BITLENS_SLOT_B] == NULL)
    {
      /* Nothing to compare with yet: ask for the second model first. */
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open-compare-model", NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
      return;
    }
  if (self->comparing == comparing)
    return;
  self->comparing = comparing;

  gtk_widget_set_visible (GTK_WIDGET (self->image_view_b), comparing);
  gtk_widget_set_visible (GTK_WIDGET (self->image_view_diff), comparing);
  bitlens_browser_set_comparing (self->browser, comparing);
  if (!comparing && bitlens_browser_get_filter (self->browser) == BITLENS_BROWSER_FILTER_DISAGREEMENTS)
    bitlens_browser_set_filter (self->browser, BITLENS_BROWSER_FILTER_ALL);
  update_titles (self);
  bitlens_window_compute_saliency (self, FALSE);
  bitlens_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
}

GListModel *
bitlens_window_get_items (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->items);
}

BitlensImageItem *
bitlens_window_get_current_item (BitlensWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_WINDOW (self), NULL);
  return self->current_item;
}

static void
set_threshold (BitlensWindow *self,
               double         threshold)
{
  if (self->threshold == threshold)
    return;
  self->threshold = threshold;
  bitlens_browser_set_threshold (self->browser, threshold);
  bitlens_prediction_panel_set_threshold (self->prediction_panel, threshold);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

static void
bitlens_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARING:
      bitlens_window_set_comparing (self, g_value_get_boolean (value));
      break;
    case PROP_THRESHOLD:
      set_threshold (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---------------------------------------------------------------- life cycle */

static void
bitlens_window_dispose (GObject *object)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  g_cancellable_cancel (self->scoring_cancellable);
  g_cancellable_cancel (self->image_cancellable);
  clear_maps (self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->browser != NULL)
    g_signal_handlers_disconnect_by_data (self->browser, self);
  if (self->image_view != NULL)
    g_signal_handlers_disconnect_by_data (self->image_view, self);
  if (self->saliency_panel != NULL)
    g_signal_handlers_disconnect_by_data (self->saliency_panel, self);
  g_clear_object (&self->current_item);

  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_WINDOW);

  G_OBJECT_CLASS (bitlens_window_parent_class)->dispose (object);
}

static void
bitlens_window_finalize (GObject *object)
{
  BitlensWindow *self = BITLENS_WINDOW (object);

  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    {
      g_clear_pointer (&self->models[slot], bitlens_model_unref);
      g_clear_pointer (&self->model_paths[slot], g_free);
    }
  g_clear_pointer (&self->dataset, bitlens_dataset_unref);
  g_clear_pointer (&self->current_image, bitlens_image_free);
  g_clear_pointer (&self->last_message, g_free);
  g_clear_pointer (&self->score_cache, g_hash_table_unref);
  g_clear_pointer (&self->map_cache, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->items);
  g_clear_object (&self->settings);
  g_clear_object (&self->scoring_cancellable);
  g_clear_object (&self->image_cancellable);

  G_OBJECT_CLASS (bitlens_window_parent_class)->finalize (object);
}

static void
bitlens_window_class_init (BitlensWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_window_dispose;
  object_class->finalize = bitlens_window_finalize;
  object_class->get_property = bitlens_window_get_property;
  object_class->set_property = bitlens_window_set_property;

  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BITLENS_TYPE_BROWSER);
  g_type_ensure (BITLENS_TYPE_COLORBAR);
  g_type_ensure (BITLENS_TYPE_IMAGE_VIEW);
  g_type_ensure (BITLENS_TYPE_PREDICTION_PANEL);
  g_type_ensure (BITLENS_TYPE_SALIENCY_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, loaded_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, loaded_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, demo_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, demo_list);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, browser);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view_b);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, image_view_diff);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, readout_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, colorbar_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, colorbar);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, prediction_panel);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, saliency_panel);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensWindow, progress_bar);

  bitlens_window_class_add_actions (widget_class);
}

static void
bind_views (BitlensWindow    *self,
            BitlensImageView *other)
{
  static const char *synced[] = { "zoom", "center-x", "center-y", "hover-x", "hover-y" };

  /* Zoom, pan and hover move together in compare mode. */
  for (guint i = 0; i < G_N_ELEMENTS (synced); i++)
    g_object_bind_property (self->image_view, synced[i], other, synced[i],
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

static void
bitlens_window_init (BitlensWindow *self)
{
  GtkDropTarget *drop_target;
  g_autoptr(GPtrArray) demos = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->threshold = 0.5;
  self->items = g_list_store_new (BITLENS_TYPE_IMAGE_ITEM);
  self->score_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->map_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) bitlens_saliency_map_free);
  self->jobs = g_ptr_array_new_with_free_func (job_free);
  self->scoring_cancellable = g_cancellable_new ();

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "decision-threshold", self, "threshold", G_SETTINGS_BIND_GET);
  bitlens_saliency_panel_bind_settings (self->saliency_panel, self->settings);

  bitlens_browser_set_items (self->browser, G_LIST_MODEL (self->items));
  g_signal_connect (self->browser, "notify::selected-item", G_CALLBACK (on_selected_item_changed), self);
  g_signal_connect (self->saliency_panel, "parameters-changed", G_CALLBACK (on_saliency_parameters_changed), self);
  g_signal_connect (self->saliency_panel, "display-changed", G_CALLBACK (on_saliency_display_changed), self);
  g_signal_connect (self->image_view, "notify::hover-x", G_CALLBACK (on_hover_changed), self);
  g_signal_connect (self->image_view, "notify::hover-y", G_CALLBACK (on_hover_changed), self);
  bind_views (self, self->image_view_b);
  bind_views (self, self->image_view_diff);
  g_object_set (self->image_view, "overlay-opacity", 1.0, NULL);
  g_object_set (self->image_view_b, "overlay-opacity", 1.0, NULL);
  g_object_set (self->image_view_diff, "overlay-opacity", 1.0, NULL);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  update_readout (self);
  render_overlays (self);
  update_main_page (self);

  /* A bundled demo model is there to be used: load it so that only images are missing. */
  demos = find_demo_models ();
  if (demos->len > 0)
    {
      g_autoptr(GFile) demo = g_file_new_for_path (g_ptr_array_index (demos, 0));
      bitlens_window_load_model (self, BITLENS_SLOT_A, demo);
    }
}

BitlensWindow *
bitlens_window_new (BitlensApplication *application)
{
  return g_object_new (BITLENS_TYPE_WINDOW, "application", application, NULL);
}
