/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <bitlens/bitlens.h>

#include "dataset-private.h"

/* libFuzzer target: any bytes as a data unit test spec (GLib key file with `where`
 * expressions), as a slice expression and as a labels.csv. Each gives a result or a
 * GError with a message; problems in a CSV are reported with their line. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) bitlens_dataset_problem_free);
  g_autoptr(GPtrArray) records = NULL;
  BitlensDatatestSpec *spec;
  BitlensExpression *expression;

  spec = bitlens_datatest_spec_new_from_data ((const char *) data, size, "fuzz.spec", &error);
  if (spec != NULL)
    bitlens_datatest_spec_unref (spec);
  else
    g_assert_true (error != NULL && strlen (error->message) > 0);
  g_clear_error (&error);

  expression = bitlens_expression_parse (text, &error);
  if (expression != NULL)
    bitlens_expression_free (expression);
  else
    g_assert_true (error != NULL && strlen (error->message) > 0);
  g_clear_error (&error);

  records = bitlens_csv_parse ((const char *) data, size, "labels.csv", problems);
  g_assert_nonnull (records);
  for (guint i = 0; i < records->len; i++)
    {
      const BitlensCsvRecord *record = g_ptr_array_index (records, i);
      g_assert_cmpuint (record->line, >=, 1);
      for (guint f = 0; f < record->n_fields; f++)
        g_assert_nonnull (record->fields[f]);
    }
  return 0;
}
