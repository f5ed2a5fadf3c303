/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>

#include "dataset-private.h"

typedef struct
{
  char              *name;
  BitlensColumnKind  kind;
  gboolean           measured;
  char             **texts;     /* n_rows strings, or NULL for measured columns */
  double            *numbers;   /* n_rows values (NaN when empty), or NULL for text columns */
} Column;

struct _BitlensTable
{
  gatomicrefcount  ref_count;
  guint            n_rows;
  GPtrArray       *columns;     /* Column */
};

G_DEFINE_BOXED_TYPE (BitlensTable, bitlens_table, bitlens_table_ref, bitlens_table_unref)

const char * const bitlens_measured_columns[4] = { "width", "height", "mean_luma", "std_luma" };

static void
column_free (gpointer data)
{
  Column *column = data;

  g_free (column->name);
  g_strfreev (column->texts);
  g_free (column->numbers);
  g_free (column);
}

BitlensTable *
bitlens_table_new (guint n_rows)
{
  BitlensTable *table = g_new0 (BitlensTable, 1);

  g_atomic_ref_count_init (&table->ref_count);
  table->n_rows = n_rows;
  table->columns = g_ptr_array_new_with_free_func (column_free);
  return table;
}

BitlensTable *
bitlens_table_ref (BitlensTable *table)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_atomic_ref_count_inc (&table->ref_count);
  return table;
}

void
bitlens_table_unref (BitlensTable *table)
{
  g_return_if_fail (table != NULL);
  if (g_atomic_ref_count_dec (&table->ref_count))
    {
      g_ptr_array_unref (table->columns);
      g_free (table);
    }
}

static Column *
get_column (BitlensTable *table,
            guint         column)
{
  return g_ptr_array_index (table->columns, column);
}

guint
bitlens_table_add_csv_column (BitlensTable  *table,
                              const char    *name,
                              char         **values)
{
  Column *column = g_new0 (Column, 1);
  g_autofree double *numbers = g_new (double, MAX (table->n_rows, 1));
  gboolean all_numbers = TRUE;
  gboolean any_value = FALSE;

  for (guint row = 0; row < table->n_rows; row++)
    {
      const char *text = values[row];
      g_autofree char *stripped = g_strstrip (g_strdup (text));

      numbers[row] = NAN;
      if (stripped[0] == '\0')
        continue;
      any_value = TRUE;
      if (!bitlens_parse_finite_number (stripped, &numbers[row]))
        all_numbers = FALSE;
    }

  column->name = g_strdup (name);
  column->texts = values;
  if (all_numbers && any_value)
    {
      column->kind = BITLENS_COLUMN_NUMBER;
      column->numbers = g_steal_pointer (&numbers);
    }
  else
    column->kind = BITLENS_COLUMN_TEXT;
  g_ptr_array_add (table->columns, column);
  return table->columns->len - 1;
}

guint
bitlens_table_add_measured_column (BitlensTable *table,
                                   const char   *name)
{
  Column *column = g_new0 (Column, 1);

  column->name = g_strdup (name);
  column->kind = BITLENS_COLUMN_NUMBER;
  column->measured = TRUE;
  column->numbers = g_new (double, MAX (table->n_rows, 1));
  for (guint row = 0; row < table->n_rows; row++)
    column->numbers[row] = NAN;
  g_ptr_array_add (table->columns, column);
  return table->columns->len - 1;
}

void
bitlens_table_set_number (BitlensTable *table,
                          guint         row,
                          guint         column_index,
                          double        value)
{
  Column *column;

  g_return_if_fail (table != NULL);
  g_return_if_fail (row < table->n_rows && column_index < table->columns->len);
  column = get_column (table, column_index);
  g_return_if_fail (column->numbers != NULL);
  column->numbers[row] = value;
}

static BitlensTable *
table_gather (BitlensTable *table,
              const guint  *rows,
              guint         n_rows)
{
  BitlensTable *copy = bitlens_table_new (n_rows);

  for (guint c = 0; c < table->columns->len; c++)
    {
      const Column *column = get_column (table, c);
      Column *out = g_new0 (Column, 1);

      out->name = g_strdup (column->name);
      out->kind = column->kind;
      out->measured = column->measured;
      if (column->texts != NULL)
        {
          out->texts = g_new0 (char *, n_rows + 1);
          for (guint r = 0; r < n_rows; r++)
            out->texts[r] = g_strdup (column->texts[rows != NULL ? rows[r] : r]);
        }
      if (column->numbers != NULL)
        {
          out->numbers = g_new (double, MAX (n_rows, 1));
          for (guint r = 0; r < n_rows; r++)
            out->numbers[r] = column->numbers[rows != NULL ? rows[r] : r];
        }
      g_ptr_array_add (copy->columns, out);
    }
  return copy;
}

BitlensTable *
bitlens_table_copy (BitlensTable *table)
{
  g_return_val_if_fail (table != NULL, NULL);
  return table_gather (table, NULL, table->n_rows);
}

BitlensTable *
bitlens_table_select_rows (BitlensTable *table,
                           const guint  *rows,
                           guint         n_rows)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);
  for (guint r = 0; r < n_rows; r++)
    g_return_val_if_fail (rows[r] < table->n_rows, NULL);
  return table_gather (table, rows, n_rows);
}

guint
bitlens_table_get_n_rows (BitlensTable *table)
{
  g_return_val_if_fail (table != NULL, 0);
  return table->n_rows;
}

guint
bitlens_table_get_n_columns (BitlensTable *table)
{
  g_return_val_if_fail (table != NULL, 0);
  return table->columns->len;
}

const char *
bitlens_table_get_column_name (BitlensTable *table,
                               guint         column)
{
  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (column < table->columns->len, NULL);
  return get_column (table, column)->name;
}

BitlensColumnKind
bitlens_table_get_column_kind (BitlensTable *table,
                               guint         column)
{
  g_return_val_if_fail (table != NULL, BITLENS_COLUMN_TEXT);
  g_return_val_if_fail (column < table->columns->len, BITLENS_COLUMN_TEXT);
  return get_column (table, column)->kind;
}

gboolean
bitlens_table_column_is_measured (BitlensTable *table,
                                  guint         column)
{
  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (column < table->columns->len, FALSE);
  return get_column (table, column)->measured;
}

int
bitlens_table_find_column (BitlensTable *table,
                           const char   *name)
{
  g_return_val_if_fail (table != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  for (guint c = 0; c < table->columns->len; c++)
    if (g_strcmp0 (get_column (table, c)->name, name) == 0)
      return (int) c;
  return -1;
}

char *
bitlens_table_list_columns (BitlensTable *table)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (table != NULL, NULL);
  for (guint c = 0; c < table->columns->len; c++)
    {
      if (c > 0)
        g_string_append (out, ", ");
      g_string_append (out, get_column (table, c)->name);
    }
  return g_string_free (out, FALSE);
}

double
bitlens_table_get_number (BitlensTable *table,
                          guint         row,
                          guint         column_index)
{
  const Column *column;

  g_return_val_if_fail (table != NULL, NAN);
  g_return_val_if_fail (row < table->n_rows && column_index < table->columns->len, NAN);
  column = get_column (table, column_index);
  return column->numbers != NULL ? column->numbers[row] : NAN;
}

const char *
bitlens_table_get_text (BitlensTable *table,
                        guint         row,
                        guint         column_index)
{
  const Column *column;

  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (row < table->n_rows && column_index < table->columns->len, NULL);
  column = get_column (table, column_index);
  return column->texts != NULL ? column->texts[row] : "";
}
