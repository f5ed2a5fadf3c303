/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "dataset-private.h"

struct _BitlensDataset
{
  gatomicrefcount  ref_count;
  char            *path;          /* the folder */
  char            *name;
  char            *labels_path;   /* NULL for the folder layout */
  char            *split_path;    /* NULL for a whole dataset */
  GPtrArray       *items;         /* BitlensDatasetItem */
  GHashTable      *index;         /* file -> index + 1 */
  GPtrArray       *problems;      /* BitlensDatasetProblem */
  BitlensTable    *table;
};

G_DEFINE_BOXED_TYPE (BitlensDataset, bitlens_dataset, bitlens_dataset_ref, bitlens_dataset_unref)

/* Problems */

BitlensDatasetProblem *
bitlens_dataset_problem_new (const char *source,
                             guint       line,
                             const char *file,
                             const char *message)
{
  BitlensDatasetProblem *problem = g_new0 (BitlensDatasetProblem, 1);

  problem->source = g_strdup (source);
  problem->line = line;
  problem->file = g_strdup (file);
  problem->message = g_strdup (message);
  return problem;
}

BitlensDatasetProblem *
bitlens_dataset_problem_copy (const BitlensDatasetProblem *problem)
{
  return bitlens_dataset_problem_new (problem->source, problem->line, problem->file, problem->message);
}

void
bitlens_dataset_problem_free (BitlensDatasetProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->source);
  g_free (problem->file);
  g_free (problem->message);
  g_free (problem);
}

void
bitlens_dataset_problems_add (GPtrArray  *problems,
                              const char *source,
                              guint       line,
                              const char *file,
                              const char *format,
                              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, bitlens_dataset_problem_new (source, line, file, message));
}

char *
bitlens_dataset_problem_to_string (const BitlensDatasetProblem *problem)
{
  g_return_val_if_fail (problem != NULL, NULL);
  if (problem->line > 0)
    return g_strdup_printf ("%s:%u: %s", problem->source, problem->line, problem->message);
  return g_strdup_printf ("%s: %s", problem->source, problem->message);
}

/* Items */

static void
item_free (gpointer data)
{
  BitlensDatasetItem *item = data;

  g_free (item->file);
  g_free (item->path);
  g_free (item);
}

static BitlensDatasetItem *
item_new (const char *folder,
          const char *file,
          int         label,
          guint       line)
{
  BitlensDatasetItem *item = g_new0 (BitlensDatasetItem, 1);

  item->file = g_strdup (file);
  item->path = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (folder, file, NULL);
  item->label = label;
  item->line = line;
  return item;
}

static BitlensDataset *
dataset_new (const char *path)
{
  BitlensDataset *self = g_new0 (BitlensDataset, 1);
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_steal_pointer (&canonical);
  self->name = g_path_get_basename (self->path);
  self->items = g_ptr_array_new_with_free_func (item_free);
  self->index = g_hash_table_new (g_str_hash, g_str_equal);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) bitlens_dataset_problem_free);
  return self;
}

/* Adds an item unless its file is already listed; returns FALSE for a duplicate. */
static gboolean
dataset_add_item (BitlensDataset     *self,
                  BitlensDatasetItem *item)
{
  if (g_hash_table_contains (self->index, item->file))
    return FALSE;
  g_ptr_array_add (self->items, item);
  g_hash_table_insert (self->index, item->file, GUINT_TO_POINTER (self->items->len));
  return TRUE;
}

/* Measured columns for every attribute labels.csv does not already have. */
static void
table_add_measured_columns (BitlensTable *table)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bitlens_measured_columns); i++)
    if (bitlens_table_find_column (table, bitlens_measured_columns[i]) < 0)
      bitlens_table_add_measured_column (table, bitlens_measured_columns[i]);
}

/* labels.csv */

typedef struct
{
  char  **names;
  guint   n_columns;
  int     file_column;
  int     label_column;
} CsvHeader;

static gboolean
read_header (const BitlensCsvRecord  *record,
             const char              *source,
             CsvHeader               *header,
             GError                 **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  header->names = g_new0 (char *, record->n_fields + 1);
  header->n_columns = record->n_fields;
  header->file_column = -1;
  header->label_column = -1;
  for (guint c = 0; c < record->n_fields; c++)
    {
      char *name = g_strstrip (g_strdup (record->fields[c]));

      header->names[c] = name;
      if (name[0] == '\0')
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                       _("%s:%u: column %u of the header has no name"), source, record->line, c + 1);
          return FALSE;
        }
      if (g_hash_table_contains (seen, name))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                       _("%s:%u: the header names column '%s' twice"), source, record->line, name);
          return FALSE;
        }
      g_hash_table_add (seen, name);
      if (strcmp (name, "file") == 0)
        header->file_column = c;
      else if (strcmp (name, "label") == 0)
        header->label_column = c;
    }
  if (header->file_column < 0 || header->label_column < 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s:%u: the header has no '%s' column (expected file,label[,more columns])"),
                   source, record->line, header->file_column < 0 ? "file" : "label");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_label (const char *text,
             int        *label)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (strcmp (stripped, "0") == 0 || strcmp (stripped, "1") == 0)
    {
      *label = stripped[0] - '0';
      return TRUE;
    }
  return FALSE;
}

/* Checks one data record; on success appends the item and returns TRUE. */
static gboolean
accept_record (BitlensDataset         *self,
               const CsvHeader        *header,
               const BitlensCsvRecord *record)
{
  const char *source = self->labels_path;
  g_autofree char *file = NULL;
  BitlensDatasetItem *item;
  int label;

  if (record->n_fields != header->n_columns)
    {
      bitlens_dataset_problems_add (self->problems, source, record->line, NULL,
                                    _("expected %u fields as in the header, found %u"),
                                    header->n_columns, record->n_fields);
      return FALSE;
    }
  file = g_strstrip (g_strdup (record->fields[header->file_column]));
  if (file[0] == '\0')
    {
      bitlens_dataset_problems_add (self->problems, source, record->line, NULL, _("empty file name"));
      return FALSE;
    }
  if (!parse_label (record->fields[header->label_column], &label))
    {
      bitlens_dataset_problems_add (self->problems, source, record->line, file,
                                    _("bad label '%s' for %s (expected 0 = no person or 1 = person)"),
                                    record->fields[header->label_column], file);
      return FALSE;
    }
  item = item_new (self->path, file, label, record->line);
  if (!g_file_test (item->path, G_FILE_TEST_IS_REGULAR))
    {
      bitlens_dataset_problems_add (self->problems, source, record->line, file,
                                    _("no such image file: %s"), file);
      item_free (item);
      return FALSE;
    }
  if (!dataset_add_item (self, item))
    {
      guint first = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, file)) - 1;
      const BitlensDatasetItem *earlier = g_ptr_array_index (self->items, first);

      bitlens_dataset_problems_add (self->problems, source, record->line, file,
                                    _("%s is listed again (first on line %u)"), file, earlier->line);
      item_free (item);
      return FALSE;
    }
  return TRUE;
}

static gint
compare_problem_lines (gconstpointer a,
                       gconstpointer b)
{
  const BitlensDatasetProblem *pa = *(const BitlensDatasetProblem * const *) a;
  const BitlensDatasetProblem *pb = *(const BitlensDatasetProblem * const *) b;

  return pa->line < pb->line ? -1 : pa->line > pb->line;
}

static gboolean
dataset_load_csv (BitlensDataset  *self,
                  GError         **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) accepted = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  CsvHeader header = { 0 };
  gboolean ok = FALSE;

  if (!g_file_get_contents (self->labels_path, &contents, &length, &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  records = bitlens_csv_parse (contents, length, self->labels_path, self->problems);
  if (records->len == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s: no header line (expected file,label[,more columns])"), self->labels_path);
      return FALSE;
    }
  if (!read_header (g_ptr_array_index (records, 0), self->labels_path, &header, error))
    goto out;

  for (guint r = 1; r < records->len; r++)
    {
      BitlensCsvRecord *record = g_ptr_array_index (records, r);
      if (accept_record (self, &header, record))
        g_ptr_array_add (accepted, record);
    }

  self->table = bitlens_table_new (accepted->len);
  for (guint c = 0; c < header.n_columns; c++)
    {
      char **values = g_new0 (char *, accepted->len + 1);

      for (guint r = 0; r < accepted->len; r++)
        {
          BitlensCsvRecord *record = g_ptr_array_index (accepted, r);
          if ((int) c == header.file_column)
            values[r] = g_strstrip (g_strdup (record->fields[c]));
          else
            values[r] = g_strdup (record->fields[c]);
        }
      bitlens_table_add_csv_column (self->table, header.names[c], values);
    }
  table_add_measured_columns (self->table);
  /* Reading problems were found before checking problems: report them in line order. */
  g_ptr_array_sort (self->problems, compare_problem_lines);
  ok = TRUE;

out:
  g_strfreev (header.names);
  return ok;
}

/* person/ and no_person/ */

static gboolean
is_image_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg");
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
dataset_load_subfolder (BitlensDataset  *self,
                        const char      *subfolder,
                        int              label,
                        GError         **error)
{
  g_autofree char *folder = g_build_filename (self->path, subfolder, NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (folder, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *base = g_ptr_array_index (names, i);
      g_autofree char *file = g_strconcat (subfolder, "/", base, NULL);
      g_autofree char *path = g_build_filename (folder, base, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!is_image_name (base))
        {
          bitlens_dataset_problems_add (self->problems, path, 0, file,
                                        _("skipped: not a .png, .jpg or .jpeg file"));
          continue;
        }
      dataset_add_item (self, item_new (self->path, file, label, 0));
    }
  return TRUE;
}

static gboolean
dataset_load_folders (BitlensDataset  *self,
                      GError         **error)
{
  static const struct { const char *name; int label; } subfolders[] = {
    { "person", 1 },
    { "no_person", 0 },
  };
  gboolean any = FALSE;

  for (gsize s = 0; s < G_N_ELEMENTS (subfolders); s++)
    {
      g_autofree char *folder = g_build_filename (self->path, subfolders[s].name, NULL);

      if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
        continue;
      any = TRUE;
      if (!dataset_load_subfolder (self, subfolders[s].name, subfolders[s].label, error))
        return FALSE;
    }
  if (!any)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s: not a dataset: no labels.csv and no person/ or no_person/ folder"), self->path);
      return FALSE;
    }

  self->table = bitlens_table_new (self->items->len);
  {
    char **files = g_new0 (char *, self->items->len + 1);
    char **labels = g_new0 (char *, self->items->len + 1);

    for (guint i = 0; i < self->items->len; i++)
      {
        const BitlensDatasetItem *item = g_ptr_array_index (self->items, i);
        files[i] = g_strdup (item->file);
        labels[i] = g_strdup (item->label ? "1" : "0");
      }
    bitlens_table_add_csv_column (self->table, "file", files);
    bitlens_table_add_csv_column (self->table, "label", labels);
  }
  table_add_measured_columns (self->table);
  return TRUE;
}

BitlensDataset *
bitlens_dataset_load (const char  *path,
                      GError     **error)
{
  g_autoptr(BitlensDataset) self = NULL;
  g_autofree char *labels_path = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO,
                   _("%s: not a folder (a dataset is a folder with labels.csv, or with person/ and no_person/)"), path);
      return NULL;
    }
  self = dataset_new (path);
  labels_path = g_build_filename (self->path, "labels.csv", NULL);
  if (g_file_test (labels_path, G_FILE_TEST_EXISTS))
    {
      self->labels_path = g_steal_pointer (&labels_path);
      if (!dataset_load_csv (self, error))
        return NULL;
    }
  else if (!dataset_load_folders (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  BitlensDataset *dataset = bitlens_dataset_load (task_data, &error);

  if (dataset == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, dataset, (GDestroyNotify) bitlens_dataset_unref);
}

void
bitlens_dataset_load_async (const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_dataset_load_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_thread);
}

BitlensDataset *
bitlens_dataset_load_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Splits */

BitlensDataset *
bitlens_dataset_new_split (BitlensDataset  *dataset,
                           const char      *split_path,
                           GError         **error)
{
  g_autoptr(BitlensDataset) self = NULL;
  g_autofree char *contents = NULL;
  g_autofree gboolean *chosen = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GHashTable) listed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (split_path != NULL, NULL);

  if (!g_file_get_contents (split_path, &contents, NULL, &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  if (!g_utf8_validate (contents, -1, NULL))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s: not a text file (invalid UTF-8)"), split_path);
      return NULL;
    }

  self = dataset_new (dataset->path);
  self->labels_path = g_strdup (dataset->labels_path);
  self->split_path = g_canonicalize_filename (split_path, NULL);
  {
    g_autofree char *split_base = g_path_get_basename (split_path);
    g_free (self->name);
    self->name = g_strdup_printf ("%s/%s", dataset->name, split_base);
  }
  for (guint i = 0; i < dataset->problems->len; i++)
    g_ptr_array_add (self->problems, bitlens_dataset_problem_copy (g_ptr_array_index (dataset->problems, i)));

  chosen = g_new0 (gboolean, MAX (dataset->items->len, 1));
  listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (contents, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_autofree char *file = g_strstrip (g_strdup (lines[l]));
      int index;

      if (file[0] == '\0' || file[0] == '#')
        continue;
      if (g_hash_table_contains (listed, file))
        {
          bitlens_dataset_problems_add (self->problems, self->split_path, l + 1, file,
                                        _("%s is listed again (first on line %u)"), file,
                                        GPOINTER_TO_UINT (g_hash_table_lookup (listed, file)));
          continue;
        }
      g_hash_table_insert (listed, g_strdup (file), GUINT_TO_POINTER (l + 1));
      index = bitlens_dataset_find_item (dataset, file);
      if (index < 0)
        {
          bitlens_dataset_problems_add (self->problems, self->split_path, l + 1, file,
                                        _("%s is not an item of the dataset %s"), file, dataset->path);
          continue;
        }
      chosen[index] = TRUE;
    }

  rows = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < dataset->items->len; i++)
    {
      const BitlensDatasetItem *item;

      if (!chosen[i])
        continue;
      item = g_ptr_array_index (dataset->items, i);
      dataset_add_item (self, item_new (self->path, item->file, item->label, item->line));
      g_array_append_val (rows, i);
    }
  self->table = bitlens_table_select_rows (dataset->table, (const guint *) rows->data, rows->len);
  return g_steal_pointer (&self);
}

char *
bitlens_dataset_find_split_file (BitlensDataset  *dataset,
                                 const char      *split,
                                 const char      *base_dir,
                                 GError         **error)
{
  g_autofree char *parent = NULL;
  char *candidates[3] = { NULL, NULL, NULL };

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (split != NULL, NULL);

  if (g_path_is_absolute (split))
    {
      if (g_file_test (split, G_FILE_TEST_IS_REGULAR))
        return g_strdup (split);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("split file %s does not exist"), split);
      return NULL;
    }

  parent = g_path_get_dirname (dataset->path);
  candidates[0] = g_canonicalize_filename (split, base_dir);
  candidates[1] = g_canonicalize_filename (split, dataset->path);
  candidates[2] = g_canonicalize_filename (split, parent);
  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
      {
        char *found = g_steal_pointer (&candidates[i]);
        for (gsize j = 0; j < G_N_ELEMENTS (candidates); j++)
          g_free (candidates[j]);
        return found;
      }

  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO,
               _("split file %s not found (looked for %s, %s and %s)"),
               split, candidates[0], candidates[1], candidates[2]);
  for (gsize j = 0; j < G_N_ELEMENTS (candidates); j++)
    g_free (candidates[j]);
  return NULL;
}

/* Accessors */

BitlensDataset *
bitlens_dataset_ref (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bitlens_dataset_unref (BitlensDataset *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->path);
  g_free (self->name);
  g_free (self->labels_path);
  g_free (self->split_path);
  g_hash_table_unref (self->index);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->problems);
  g_clear_pointer (&self->table, bitlens_table_unref);
  g_free (self);
}

const char *
bitlens_dataset_get_path (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
bitlens_dataset_get_name (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
bitlens_dataset_get_split_path (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->split_path;
}

const char *
bitlens_dataset_get_labels_path (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->labels_path;
}

guint
bitlens_dataset_get_n_items (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->items->len;
}

const BitlensDatasetItem *
bitlens_dataset_get_item (BitlensDataset *self,
                          guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

int
bitlens_dataset_find_item (BitlensDataset *self,
                           const char     *file)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (file != NULL, -1);
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->index, file)) - 1;
}

guint
bitlens_dataset_count_label (BitlensDataset *self,
                             int             label)
{
  guint count = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->items->len; i++)
    if (((const BitlensDatasetItem *) g_ptr_array_index (self->items, i))->label == label)
      count++;
  return count;
}

guint
bitlens_dataset_get_n_problems (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->problems->len;
}

const BitlensDatasetProblem *
bitlens_dataset_get_problem (BitlensDataset *self,
                             guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->problems->len, NULL);
  return g_ptr_array_index (self->problems, index);
}

BitlensTable *
bitlens_dataset_get_table (BitlensDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->table;
}
