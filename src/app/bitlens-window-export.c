/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-batch-export.h"
#include "bitlens-window-private.h"

/* Exporting annotated PNG files: the current image, or the shown list in the background. */

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
  BitlensSaliencyParams params, params_b;
  BitlensRenderOptions render, render_b;
  BitlensExportInfo info, info_b;

  g_return_val_if_fail (BITLENS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->current_image == NULL || self->maps[BITLENS_SLOT_A] == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("There is no saliency map to export yet"));
      return FALSE;
    }
  bitlens_window_fill_export_info (self, BITLENS_SLOT_A, self->current_item, &params, &render, &info);
  if (!self->comparing)
    return bitlens_export_annotated_png (self->current_image, self->maps[BITLENS_SLOT_A], &info, path,
                                         TRUE, error);

  /* Compare mode: what the window shows, A | B | A - B with A and B on one scale. */
  if (self->maps[BITLENS_SLOT_B] == NULL)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("The second model’s saliency map is not ready yet"));
      return FALSE;
    }
  bitlens_window_fill_export_info (self, BITLENS_SLOT_B, self->current_item, &params_b, &render_b, &info_b);
  return bitlens_export_compare_png (self->current_image, self->maps[BITLENS_SLOT_A], &info,
                                     self->maps[BITLENS_SLOT_B], &info_b, path, TRUE, error);
}

static void
on_batch_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  BitlensJobContext *context = user_data;

  bitlens_window_update_job (context->self, context->job, total > 0 ? (double) done / total : 1.0);
}

static void
on_batch_exported (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(BitlensJobContext) context = user_data;
  g_autoptr(GError) error = NULL;
  guint n_written = 0, n_failed = 0;
  g_autofree char *first_failure = NULL;

  if (!bitlens_batch_export_finish (result, &n_written, &n_failed, &first_failure, &error))
    {
      if (bitlens_error_is_cancellation (error))
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
  BitlensJobContext *context;

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
  context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, cancellable));
  /* Compare mode exports what the window shows: A | B | A - B. */
  bitlens_batch_export_async (self->models[BITLENS_SLOT_A],
                              self->comparing ? self->models[BITLENS_SLOT_B] : NULL,
                              paths, labels, &params, &render, folder,
                              cancellable, on_batch_progress, bitlens_job_context_ref (context), bitlens_job_context_unref,
                              on_batch_exported, context);
}

