/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-window-private.h"

/* Opening models, images, folders and labelled datasets. */

/* ---------------------------------------------------------------- opening */

static void
load_model (BitlensWindow *self,
            BitlensSlot    slot,
            GFile         *file,
            gboolean       is_default)
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
  if (slot == BITLENS_SLOT_A)
    self->model_a_is_default = is_default;
  if (!is_default)
    bitlens_window_add_recent (file, "application/octet-stream");

  items = bitlens_window_get_item_array (self);
  for (guint i = 0; i < items->len; i++)
    bitlens_image_item_clear_scores (g_ptr_array_index (items, i), slot);

  if (slot == BITLENS_SLOT_B)
    bitlens_window_set_comparing (self, TRUE);
  bitlens_window_datatests_models_changed (self);
  bitlens_window_start_scoring (self);
  bitlens_window_compute_saliency (self, FALSE);
  bitlens_window_update_main_page (self);
  bitlens_window_schedule_browser_refresh (self);
}

void
bitlens_window_load_model (BitlensWindow *self,
                           BitlensSlot    slot,
                           GFile         *file)
{
  load_model (self, slot, file, FALSE);
}

void
bitlens_window_load_default_model (BitlensWindow *self,
                                   GFile         *file)
{
  load_model (self, BITLENS_SLOT_A, file, TRUE);
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

void
bitlens_window_set_items (BitlensWindow   *self,
                          GPtrArray       *items,
                          BitlensDataset  *dataset)
{
  g_clear_pointer (&self->dataset, bitlens_dataset_unref);
  if (dataset != NULL)
    self->dataset = bitlens_dataset_ref (dataset);

  bitlens_window_set_current_item (self, NULL);
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);
  adw_flap_set_reveal_flap (self->flap, items->len > 1);
  bitlens_window_start_scoring (self);
  bitlens_window_update_main_page (self);
  bitlens_browser_refresh (self->browser);
  if (items->len > 0)
    bitlens_browser_select_position (self->browser, 0);
}

/* One item per dataset item, in the dataset's order. */
GPtrArray *
bitlens_window_items_from_dataset (BitlensDataset *dataset)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < bitlens_dataset_get_n_items (dataset); i++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, i);
      g_autoptr(GFile) file = g_file_new_for_path (item->path);

      g_ptr_array_add (items, bitlens_image_item_new (file, item->label));
    }
  return items;
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
  BitlensJobContext *context;
  GFile      *folder;
} FolderLoad;

static void
folder_load_free (FolderLoad *load)
{
  g_clear_pointer (&load->context, bitlens_job_context_unref);
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
  g_autoptr(GPtrArray) items = NULL;

  if (bitlens_error_is_cancellation (error) || self->disposed)
    return;

  if (dataset != NULL)
    {
      items = bitlens_window_items_from_dataset (dataset);
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
      bitlens_window_set_items (self, items, bitlens_dataset_get_n_items (dataset) > 0 ? dataset : NULL);
      return;
    }

  /* Not a labelled dataset: an unlabelled folder of images. */
  items = g_ptr_array_new_with_free_func (g_object_unref);
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
    bitlens_window_set_items (self, items, NULL);
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
  bitlens_window_add_recent (folder, "inode/directory");
  /* Translators: "Reading the dataset vww" */
  label = g_strdup_printf (_("Reading %s"), name);
  cancellable = g_cancellable_new ();
  load = g_new0 (FolderLoad, 1);
  load->context = bitlens_job_context_new (self, bitlens_window_begin_job (self, label, cancellable));
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
        bitlens_window_add_recent (files[i], "image/png");
    }
  bitlens_window_set_items (self, items, NULL);
}

void
bitlens_window_open_files (BitlensWindow  *self,
                           GFile         **files,
                           guint           n_files)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  g_autoptr(GPtrArray) folders = g_ptr_array_new ();
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) specs = g_ptr_array_new ();

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
      else if (bitlens_window_file_is_spec (files[i]))
        g_ptr_array_add (specs, files[i]);
      else
        g_ptr_array_add (images, g_object_ref (files[i]));
    }

  if (models->len > 0)
    bitlens_window_load_model (self, BITLENS_SLOT_A, g_ptr_array_index (models, 0));
  if (models->len > 1)
    bitlens_window_load_model (self, BITLENS_SLOT_B, g_ptr_array_index (models, 1));
  if (models->len > 2)
    bitlens_window_show_message (self, _("Two models can be compared at a time: the others were not opened"));
  /* After the models: a spec tests the open model. */
  if (specs->len > 0)
    bitlens_window_open_spec (self, g_ptr_array_index (specs, 0));

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

