/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-dataset-scoring.h"
#include "bitlens-scoring-job.h"
#include "bitlens-window-private.h"

/* Scores for the image list: the core's evaluation for datasets, a worker thread for loose images, thumbnails, and a cache per model and image. */

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

/* A score computed elsewhere (the data unit tests' evaluation): shown and cached. */
void
bitlens_window_cache_score (BitlensWindow    *self,
                            BitlensSlot       slot,
                            BitlensImageItem *item,
                            double            score)
{
  bitlens_image_item_set_score (item, slot, score);
  cache_score (self, slot, item, score);
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

  if (self->disposed)
    return;
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
  bitlens_window_schedule_browser_refresh (self);
}

static void
on_scoring_progress (BitlensScoringJob *job,
                     guint              done,
                     guint              total,
                     BitlensJobContext        *context)
{
  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : 1.0);
}

static void
on_scoring_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(BitlensJobContext) context = user_data;
  g_autoptr(GError) error = NULL;

  if (!bitlens_scoring_job_run_finish (BITLENS_SCORING_JOB (source), result, &error)
      && !bitlens_error_is_cancellation (error))
    bitlens_window_show_error (context->self, _("Could not score the images"), error);
  g_signal_handlers_disconnect_by_data (source, context->self);
  g_signal_handlers_disconnect_by_data (source, context);
  bitlens_window_schedule_browser_refresh (context->self);
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
  BitlensJobContext *context;

  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (paths, g_strdup (bitlens_image_item_get_path (g_ptr_array_index (items, i))));
  job = bitlens_scoring_job_new (model, paths, make_thumbnails);
  g_object_set_data_full (G_OBJECT (job), "items", g_ptr_array_ref (items), (GDestroyNotify) g_ptr_array_unref);
  if (model != NULL)
    g_object_set_data_full (G_OBJECT (job), "model", bitlens_model_ref (model), (GDestroyNotify) bitlens_model_unref);

  context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, self->scoring_cancellable));
  g_signal_connect (job, "result", G_CALLBACK (on_scoring_result), self);
  g_signal_connect (job, "progress", G_CALLBACK (on_scoring_progress), context);
  bitlens_scoring_job_run_async (job, self->scoring_cancellable, on_scoring_done, context);
}

typedef struct
{
  BitlensJobContext   *context;
  BitlensModel *model;
  GPtrArray    *items;       /* the dataset's items, in its order */
} DatasetScoring;

static void
dataset_scoring_free (DatasetScoring *scoring)
{
  g_clear_pointer (&scoring->context, bitlens_job_context_unref);
  g_clear_pointer (&scoring->model, bitlens_model_unref);
  g_clear_pointer (&scoring->items, g_ptr_array_unref);
  g_free (scoring);
}

static void
on_dataset_progress (guint    done,
                     guint    total,
                     gpointer user_data)
{
  BitlensJobContext *context = user_data;

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
      if (!bitlens_error_is_cancellation (error))
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
      bitlens_window_schedule_browser_refresh (self);
    }
  dataset_scoring_free (scoring);
}

GPtrArray *
bitlens_window_get_item_array (BitlensWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->items), i));
  return items;
}

void
bitlens_window_start_scoring (BitlensWindow *self)
{
  g_autoptr(GPtrArray) items = bitlens_window_get_item_array (self);
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
          scoring->context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, self->scoring_cancellable));
          scoring->model = bitlens_model_ref (self->models[slot]);
          scoring->items = g_ptr_array_ref (items);
          bitlens_dataset_scoring_run_async (self->dataset, self->models[slot], self->threshold,
                                             self->scoring_cancellable, on_dataset_progress,
                                             bitlens_job_context_ref (scoring->context), bitlens_job_context_unref,
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

