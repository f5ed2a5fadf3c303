/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-datatest.h"
#include "bitlens/bitlens-error.h"
#include "datatest-private.h"

/* Data unit test specs (the key file format of bitlens-datatest.h). GKeyFile reads the
 * values; a scan of the text beside it finds the line of every group and key, since
 * GKeyFile keeps no line numbers, and rejects what GKeyFile would silently merge
 * (a group or a key given twice). */

struct _BitlensDatatestSpec
{
  gatomicrefcount  ref_count;
  char            *path;
  char            *name;
  char            *dataset_path;
  guint            dataset_line;
  char            *split;
  guint            split_line;
  char            *model_path;
  guint            model_line;
  double           threshold;
  GPtrArray       *tests;          /* BitlensDatatest */
};

/* Where each group and key is: "group" -> line, "group\nkey" -> line. */
typedef struct
{
  GHashTable *lines;
  GPtrArray  *groups;              /* group names in file order */
} SpecLayout;

static void
spec_layout_clear (SpecLayout *layout)
{
  g_clear_pointer (&layout->lines, g_hash_table_unref);
  g_clear_pointer (&layout->groups, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpecLayout, spec_layout_clear)

static void spec_error (GError **error, BitlensDatatestSpec *spec, guint line, const char *format, ...) G_GNUC_PRINTF (4, 5);

/* "dark.spec:7: message", or "dark.spec: message" without a line. */
static void
spec_error (GError              **error,
            BitlensDatatestSpec  *spec,
            guint                 line,
            const char           *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, "%s:%u: %s", spec->path, line, message);
  else
    g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, "%s: %s", spec->path, message);
}

static guint
layout_line (const SpecLayout *layout,
             const char       *group,
             const char       *key)
{
  g_autofree char *id = key != NULL ? g_strconcat (group, "\n", key, NULL) : g_strdup (group);
  return GPOINTER_TO_UINT (g_hash_table_lookup (layout->lines, id));
}

static gboolean
scan_layout (BitlensDatatestSpec  *spec,
             const char           *data,
             gsize                 length,
             SpecLayout           *layout,
             GError              **error)
{
  g_autofree char *text = g_strndup (data, length);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *group = NULL;

  layout->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  layout->groups = g_ptr_array_new_with_free_func (g_free);

  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[l]));
      guint number = l + 1;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (line[0] == '[')
        {
          gsize n = strlen (line);
          guint first;

          if (line[n - 1] != ']')
            {
              spec_error (error, spec, number, _("a group header must end with ']'"));
              return FALSE;
            }
          g_free (group);
          group = g_strndup (line + 1, n - 2);
          first = layout_line (layout, group, NULL);
          if (first > 0)
            {
              spec_error (error, spec, number, _("[%s] appears again (first on line %u)"), group, first);
              return FALSE;
            }
          g_hash_table_insert (layout->lines, g_strdup (group), GUINT_TO_POINTER (number));
          g_ptr_array_add (layout->groups, g_strdup (group));
          continue;
        }
      {
        const char *equals = strchr (line, '=');
        g_autofree char *key = NULL;
        g_autofree char *id = NULL;
        guint first;

        if (equals == NULL)
          {
            spec_error (error, spec, number, _("expected key=value, [group] or a # comment"));
            return FALSE;
          }
        if (group == NULL)
          {
            spec_error (error, spec, number, _("key=value before the first [group]"));
            return FALSE;
          }
        key = g_strstrip (g_strndup (line, equals - line));
        id = g_strconcat (group, "\n", key, NULL);
        first = GPOINTER_TO_UINT (g_hash_table_lookup (layout->lines, id));
        if (first > 0)
          {
            spec_error (error, spec, number, _("%s is set again in [%s] (first on line %u)"), key, group, first);
            return FALSE;
          }
        g_hash_table_insert (layout->lines, g_steal_pointer (&id), GUINT_TO_POINTER (number));
      }
    }
  return TRUE;
}

/* Drops a trailing comment: a '#' at the start or after a blank, outside quotes. */
static char *
strip_comment (const char *value)
{
  char quote = '\0';
  const char *p;

  for (p = value; *p != '\0'; p++)
    {
      if (quote != '\0')
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == quote)
            quote = '\0';
          continue;
        }
      if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '#' && (p == value || g_ascii_isspace (p[-1])))
        break;
    }
  return g_strstrip (g_strndup (value, p - value));
}

/* The value of group/key with any comment dropped, or NULL when absent. */
static char *
get_value (GKeyFile   *key_file,
           const char *group,
           const char *key)
{
  g_autofree char *raw = g_key_file_get_value (key_file, group, key, NULL);

  if (raw == NULL)
    return NULL;
  return strip_comment (raw);
}

static gboolean
check_keys (BitlensDatatestSpec  *spec,
            GKeyFile             *key_file,
            const SpecLayout     *layout,
            const char           *group,
            const char * const   *allowed,
            GError              **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (key_file, group, NULL, NULL);

  for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
    if (!g_strv_contains (allowed, keys[k]))
      {
        g_autofree char *expected = g_strjoinv (", ", (char **) allowed);
        spec_error (error, spec, layout_line (layout, group, keys[k]),
                    _("unknown key '%s' in [%s] (expected %s)"), keys[k], group, expected);
        return FALSE;
      }
  return TRUE;
}

static gboolean
get_number (BitlensDatatestSpec  *spec,
            GKeyFile             *key_file,
            const SpecLayout     *layout,
            const char           *group,
            const char           *key,
            double               *value,
            GError              **error)
{
  g_autofree char *text = get_value (key_file, group, key);
  char *end = NULL;

  *value = NAN;
  if (text == NULL)
    return TRUE;
  *value = g_ascii_strtod (text, &end);
  if (text[0] == '\0' || end == text || *end != '\0' || !isfinite (*value) ||
      strspn (text, "0123456789+-.eE") != strlen (text))
    {
      spec_error (error, spec, layout_line (layout, group, key), _("%s: '%s' is not a number"), key, text);
      return FALSE;
    }
  return TRUE;
}

static char *
resolve_path (BitlensDatatestSpec *spec,
              const char          *path)
{
  g_autofree char *folder = g_path_get_dirname (spec->path);
  g_autofree char *absolute_folder = g_canonicalize_filename (folder, NULL);
  return g_canonicalize_filename (path, absolute_folder);
}

static void
datatest_free (gpointer data)
{
  BitlensDatatest *test = data;

  g_free (test->name);
  g_free (test->where);
  g_clear_pointer (&test->expression, bitlens_expression_free);
  g_free (test);
}

static gboolean
read_dataset_group (BitlensDatatestSpec  *spec,
                    GKeyFile             *key_file,
                    const SpecLayout     *layout,
                    GError              **error)
{
  static const char * const allowed[] = { "path", "split", NULL };
  g_autofree char *path = NULL;

  if (!g_key_file_has_group (key_file, "dataset"))
    {
      spec_error (error, spec, 0, _("no [dataset] group (it needs path=FOLDER)"));
      return FALSE;
    }
  if (!check_keys (spec, key_file, layout, "dataset", allowed, error))
    return FALSE;
  path = get_value (key_file, "dataset", "path");
  if (path == NULL || path[0] == '\0')
    {
      spec_error (error, spec, layout_line (layout, "dataset", NULL), _("[dataset] needs path=FOLDER"));
      return FALSE;
    }
  spec->dataset_path = resolve_path (spec, path);
  spec->dataset_line = layout_line (layout, "dataset", "path");
  spec->split = get_value (key_file, "dataset", "split");
  spec->split_line = layout_line (layout, "dataset", "split");
  if (spec->split != NULL && spec->split[0] == '\0')
    g_clear_pointer (&spec->split, g_free);
  return TRUE;
}

static gboolean
read_model_group (BitlensDatatestSpec  *spec,
                  GKeyFile             *key_file,
                  const SpecLayout     *layout,
                  GError              **error)
{
  static const char * const allowed[] = { "path", "threshold", NULL };
  g_autofree char *path = NULL;

  if (!g_key_file_has_group (key_file, "model"))
    return TRUE;
  if (!check_keys (spec, key_file, layout, "model", allowed, error))
    return FALSE;
  path = get_value (key_file, "model", "path");
  if (path != NULL && path[0] != '\0')
    {
      spec->model_path = resolve_path (spec, path);
      spec->model_line = layout_line (layout, "model", "path");
    }
  if (!get_number (spec, key_file, layout, "model", "threshold", &spec->threshold, error))
    return FALSE;
  if (!isnan (spec->threshold) && (spec->threshold < 0.0 || spec->threshold > 1.0))
    {
      spec_error (error, spec, layout_line (layout, "model", "threshold"),
                  _("threshold: %g is outside 0..1"), spec->threshold);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_test_group (BitlensDatatestSpec  *spec,
                 GKeyFile             *key_file,
                 const SpecLayout     *layout,
                 const char           *group,
                 GError              **error)
{
  static const char * const allowed[] = { "where", "metric", "min", "max", NULL };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *metric = NULL;
  BitlensDatatest *test;
  guint line = layout_line (layout, group, NULL);
  const char *name = group + strlen ("test");

  while (*name == ' ' || *name == '\t')
    name++;
  if (name == group + strlen ("test") || *name == '\0')
    {
      spec_error (error, spec, line, _("a test group is written [test NAME]"));
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      {
        spec_error (error, spec, line, _("test name '%s': use letters, digits, '_', '-' and '.'"), name);
        return FALSE;
      }
  if (!check_keys (spec, key_file, layout, group, allowed, error))
    return FALSE;

  test = g_new0 (BitlensDatatest, 1);
  g_ptr_array_add (spec->tests, test);
  test->name = g_strdup (name);
  test->line = line;
  test->min = NAN;
  test->max = NAN;

  metric = get_value (key_file, group, "metric");
  if (metric == NULL)
    {
      spec_error (error, spec, line, _("[%s] has no metric= (one of %s)"), group, bitlens_metric_list_names ());
      return FALSE;
    }
  if (!bitlens_metric_from_name (metric, &test->metric))
    {
      spec_error (error, spec, layout_line (layout, group, "metric"),
                  _("metric: unknown metric '%s' (expected %s)"), metric, bitlens_metric_list_names ());
      return FALSE;
    }

  if (!get_number (spec, key_file, layout, group, "min", &test->min, error) ||
      !get_number (spec, key_file, layout, group, "max", &test->max, error))
    return FALSE;
  if (isnan (test->min) && isnan (test->max))
    {
      spec_error (error, spec, line, _("[%s] needs min= and/or max="), group);
      return FALSE;
    }
  if (!isnan (test->min) && !isnan (test->max) && test->min > test->max)
    {
      spec_error (error, spec, layout_line (layout, group, "max"),
                  _("max %g is below min %g: no value can pass"), test->max, test->min);
      return FALSE;
    }

  test->where = get_value (key_file, group, "where");
  test->where_line = layout_line (layout, group, "where");
  if (test->where != NULL)
    {
      test->expression = bitlens_expression_parse (test->where, &local_error);
      if (test->expression == NULL)
        {
          spec_error (error, spec, test->where_line, "where: %s", local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

BitlensDatatestSpec *
bitlens_datatest_spec_new_from_data (const char  *data,
                                     gsize        length,
                                     const char  *path,
                                     GError     **error)
{
  g_autoptr(BitlensDatatestSpec) spec = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(SpecLayout) layout = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  spec = g_new0 (BitlensDatatestSpec, 1);
  g_atomic_ref_count_init (&spec->ref_count);
  spec->path = g_strdup (path);
  {
    g_autofree char *base = g_path_get_basename (path);
    char *dot = strrchr (base, '.');
    if (dot != NULL && dot != base)
      *dot = '\0';
    spec->name = g_steal_pointer (&base);
  }
  spec->threshold = NAN;
  spec->tests = g_ptr_array_new_with_free_func (datatest_free);

  if (memchr (data, '\0', length) != NULL || !g_utf8_validate_len (data, length, NULL))
    {
      spec_error (error, spec, 0, _("not a text file (invalid UTF-8)"));
      return NULL;
    }
  if (!scan_layout (spec, data, length, &layout, error))
    return NULL;
  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      spec_error (error, spec, 0, "%s", local_error->message);
      return NULL;
    }

  for (guint g = 0; g < layout.groups->len; g++)
    {
      const char *group = g_ptr_array_index (layout.groups, g);

      if (strcmp (group, "dataset") == 0 || strcmp (group, "model") == 0)
        continue;
      if (g_str_has_prefix (group, "test"))
        {
          if (!read_test_group (spec, key_file, &layout, group, error))
            return NULL;
          continue;
        }
      spec_error (error, spec, layout_line (&layout, group, NULL),
                  _("unknown group [%s] (expected [dataset], [model] or [test NAME])"), group);
      return NULL;
    }
  if (!read_dataset_group (spec, key_file, &layout, error) ||
      !read_model_group (spec, key_file, &layout, error))
    return NULL;
  if (spec->tests->len == 0)
    {
      spec_error (error, spec, 0, _("no [test NAME] groups: nothing to test"));
      return NULL;
    }
  return g_steal_pointer (&spec);
}

BitlensDatatestSpec *
bitlens_datatest_spec_load (const char  *path,
                            GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, "%s", local_error->message);
      return NULL;
    }
  return bitlens_datatest_spec_new_from_data (contents, length, path, error);
}

BitlensDatatestSpec *
bitlens_datatest_spec_ref (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_atomic_ref_count_inc (&spec->ref_count);
  return spec;
}

void
bitlens_datatest_spec_unref (BitlensDatatestSpec *spec)
{
  g_return_if_fail (spec != NULL);
  if (!g_atomic_ref_count_dec (&spec->ref_count))
    return;
  g_free (spec->path);
  g_free (spec->name);
  g_free (spec->dataset_path);
  g_free (spec->split);
  g_free (spec->model_path);
  g_ptr_array_unref (spec->tests);
  g_free (spec);
}

const char *
bitlens_datatest_spec_get_path (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->path;
}

const char *
bitlens_datatest_spec_get_name (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->name;
}

const char *
bitlens_datatest_spec_get_dataset_path (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->dataset_path;
}

const char *
bitlens_datatest_spec_get_split (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->split;
}

const char *
bitlens_datatest_spec_get_model_path (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->model_path;
}

double
bitlens_datatest_spec_get_threshold (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NAN);
  return spec->threshold;
}

guint
bitlens_datatest_spec_get_n_tests (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, 0);
  return spec->tests->len;
}

const BitlensDatatest *
bitlens_datatest_spec_get_test (BitlensDatatestSpec *spec,
                                guint                index)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (index < spec->tests->len, NULL);
  return g_ptr_array_index (spec->tests, index);
}

gboolean
bitlens_datatest_spec_bind (BitlensDatatestSpec  *spec,
                            BitlensTable         *table,
                            GError              **error)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);

  for (guint i = 0; i < spec->tests->len; i++)
    {
      BitlensDatatest *test = g_ptr_array_index (spec->tests, i);
      g_autoptr(GError) local_error = NULL;

      if (test->expression == NULL)
        continue;
      if (!bitlens_expression_bind (test->expression, table, &local_error))
        {
          spec_error (error, spec, test->where_line, "where: %s", local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

BitlensDataset *
bitlens_datatest_spec_load_dataset (BitlensDatatestSpec  *spec,
                                    GError              **error)
{
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *split_path = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  dataset = bitlens_dataset_load (spec->dataset_path, &local_error);
  if (dataset == NULL)
    {
      spec_error (error, spec, spec->dataset_line, "path: %s", local_error->message);
      return NULL;
    }
  if (spec->split == NULL)
    return g_steal_pointer (&dataset);

  folder = g_path_get_dirname (spec->path);
  {
    g_autofree char *absolute_folder = g_canonicalize_filename (folder, NULL);
    split_path = bitlens_dataset_find_split_file (dataset, spec->split, absolute_folder, &local_error);
  }
  if (split_path == NULL)
    {
      spec_error (error, spec, spec->split_line, "split: %s", local_error->message);
      return NULL;
    }
  {
    BitlensDataset *split = bitlens_dataset_new_split (dataset, split_path, &local_error);
    if (split == NULL)
      spec_error (error, spec, spec->split_line, "split: %s", local_error->message);
    return split;
  }
}

guint
bitlens_datatest_spec_get_model_line (BitlensDatatestSpec *spec)
{
  g_return_val_if_fail (spec != NULL, 0);
  return spec->model_line;
}
