/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dataset-private.h"

/* A reader of RFC 4180 CSV that keeps line numbers and recovers from malformed records.
 * See dataset-private.h for the accepted syntax. */

typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  guint       line;
  const char *source;
  GPtrArray  *problems;
} CsvReader;

static gboolean
at_end (const CsvReader *reader)
{
  return reader->pos >= reader->length;
}

static char
peek (const CsvReader *reader,
      gsize            ahead)
{
  return reader->pos + ahead < reader->length ? reader->text[reader->pos + ahead] : '\0';
}

static gboolean
at_line_end (const CsvReader *reader)
{
  char c = peek (reader, 0);
  return !at_end (reader) && (c == '\n' || c == '\r');
}

/* Consumes LF, CRLF or CR. */
static void
skip_line_end (CsvReader *reader)
{
  if (peek (reader, 0) == '\r' && peek (reader, 1) == '\n')
    reader->pos += 2;
  else
    reader->pos += 1;
  reader->line++;
}

/* Skips the rest of the physical line after an error. */
static void
skip_to_next_line (CsvReader *reader)
{
  while (!at_end (reader) && !at_line_end (reader))
    reader->pos++;
  if (!at_end (reader))
    skip_line_end (reader);
}

typedef enum
{
  FIELD_OK,
  FIELD_ERROR,          /* reported; skip to the next line */
  FIELD_UNTERMINATED,   /* the quote never closed */
} FieldStatus;

static FieldStatus
read_quoted_field (CsvReader *reader,
                   GString   *field,
                   guint      field_number)
{
  reader->pos++;   /* opening quote */
  for (;;)
    {
      char c;

      if (at_end (reader))
        return FIELD_UNTERMINATED;
      c = peek (reader, 0);
      if (c == '"')
        {
          if (peek (reader, 1) == '"' && reader->pos + 1 < reader->length)
            {
              g_string_append_c (field, '"');
              reader->pos += 2;
              continue;
            }
          reader->pos++;
          break;
        }
      if (c == '\n' || (c == '\r' && peek (reader, 1) != '\n'))
        reader->line++;
      g_string_append_c (field, c);
      reader->pos++;
    }

  if (!at_end (reader) && peek (reader, 0) != ',' && !at_line_end (reader))
    {
      bitlens_dataset_problems_add (reader->problems, reader->source, reader->line, NULL,
                                    _("field %u: unexpected '%c' after the closing quote (a quote inside a quoted field is written \"\")"),
                                    field_number, peek (reader, 0));
      return FIELD_ERROR;
    }
  return FIELD_OK;
}

static void
read_plain_field (CsvReader *reader,
                  GString   *field)
{
  while (!at_end (reader) && peek (reader, 0) != ',' && !at_line_end (reader))
    {
      g_string_append_c (field, peek (reader, 0));
      reader->pos++;
    }
}

static gboolean
is_blank_record (GPtrArray  *fields,
                 gboolean    any_quoted)
{
  return fields->len == 1 && !any_quoted && ((const char *) g_ptr_array_index (fields, 0))[0] == '\0';
}

/* Reads one record starting at reader->pos; returns NULL for blank lines and malformed
 * records (after reporting them). */
static BitlensCsvRecord *
read_record (CsvReader *reader)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gsize record_pos = reader->pos;
  guint record_line = reader->line;
  gboolean any_quoted = FALSE;
  BitlensCsvRecord *record;

  for (;;)
    {
      g_autoptr(GString) field = g_string_new (NULL);
      guint field_number = fields->len + 1;

      if (peek (reader, 0) == '"' && !at_end (reader))
        {
          FieldStatus status = read_quoted_field (reader, field, field_number);

          any_quoted = TRUE;
          if (status == FIELD_UNTERMINATED)
            {
              bitlens_dataset_problems_add (reader->problems, reader->source, record_line, NULL,
                                            _("field %u: the quoted field never closes"), field_number);
              /* Start again on the line after the record's first line. */
              reader->pos = record_pos;
              reader->line = record_line;
              skip_to_next_line (reader);
              return NULL;
            }
          if (status == FIELD_ERROR)
            {
              skip_to_next_line (reader);
              return NULL;
            }
        }
      else
        read_plain_field (reader, field);

      if (!g_utf8_validate_len (field->str, field->len, NULL))
        {
          bitlens_dataset_problems_add (reader->problems, reader->source, record_line, NULL,
                                        _("field %u is not valid UTF-8"), field_number);
          skip_to_next_line (reader);
          return NULL;
        }
      g_ptr_array_add (fields, g_string_free (g_steal_pointer (&field), FALSE));

      if (at_end (reader))
        break;
      if (peek (reader, 0) == ',')
        {
          reader->pos++;
          continue;
        }
      /* line end */
      skip_line_end (reader);
      break;
    }

  if (is_blank_record (fields, any_quoted))
    return NULL;

  record = g_new0 (BitlensCsvRecord, 1);
  record->line = record_line;
  record->n_fields = fields->len;
  g_ptr_array_add (fields, NULL);
  record->fields = (char **) g_ptr_array_free (g_steal_pointer (&fields), FALSE);
  return record;
}

GPtrArray *
bitlens_csv_parse (const char *text,
                   gsize       length,
                   const char *source,
                   GPtrArray  *problems)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) bitlens_csv_record_free);
  CsvReader reader = { text, length, 0, 1, source, problems };

  g_return_val_if_fail (text != NULL || length == 0, records);
  g_return_val_if_fail (problems != NULL, records);

  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    reader.pos = 3;

  while (!at_end (&reader))
    {
      BitlensCsvRecord *record = read_record (&reader);
      if (record != NULL)
        g_ptr_array_add (records, record);
    }
  return records;
}

void
bitlens_csv_record_free (BitlensCsvRecord *record)
{
  if (record == NULL)
    return;
  g_strfreev (record->fields);
  g_free (record);
}

void
bitlens_csv_append_field (GString    *out,
                          const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

gboolean
bitlens_parse_finite_number (const char *text,
                             double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double parsed;

  if (copy[0] == '\0')
    return FALSE;
  /* g_ascii_strtod also reads "nan", "inf" and hexadecimal: only plain decimals here. */
  for (const char *p = copy; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      return FALSE;
  parsed = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (parsed))
    return FALSE;
  *value = parsed;
  return TRUE;
}
