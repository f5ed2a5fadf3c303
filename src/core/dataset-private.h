/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-dataset.h"

G_BEGIN_DECLS

/* Problems (BitlensDatasetProblem) */
BitlensDatasetProblem *bitlens_dataset_problem_new  (const char                  *source,
                                                     guint                        line,
                                                     const char                  *file,
                                                     const char                  *message);
BitlensDatasetProblem *bitlens_dataset_problem_copy (const BitlensDatasetProblem *problem);
void                   bitlens_dataset_problem_free (BitlensDatasetProblem       *problem);
/* Appends a problem built from a printf format to `problems`. */
void                   bitlens_dataset_problems_add (GPtrArray                   *problems,
                                                     const char                  *source,
                                                     guint                        line,
                                                     const char                  *file,
                                                     const char                  *format,
                                                     ...) G_GNUC_PRINTF (5, 6);

/* CSV (dataset-csv.c): RFC 4180 records separated by LF, CRLF or CR; fields separated by
 * ','; a field that starts with '"' is quoted and may hold commas, line breaks and "" for one
 * quote. A UTF-8 byte order mark at the start is skipped; blank lines are skipped. A
 * malformed record (text after a closing quote, a quote that never closes, invalid UTF-8) is
 * recorded in `problems` with its line and skipped; parsing goes on with the next line. */
typedef struct
{
  guint   line;       /* line where the record starts, 1-based */
  guint   n_fields;
  char  **fields;     /* n_fields strings, NULL-terminated */
} BitlensCsvRecord;

GPtrArray *bitlens_csv_parse              (const char *text,
                                           gsize       length,
                                           const char *source,
                                           GPtrArray  *problems);
void       bitlens_csv_record_free        (BitlensCsvRecord *record);
/* Appends `field` to `out`, quoted when it holds ',', '"', CR or LF. */
void       bitlens_csv_append_field       (GString    *out,
                                           const char *field);
/* A finite number written in full (leading and trailing blanks allowed), in the C locale. */
gboolean   bitlens_parse_finite_number    (const char *text,
                                           double     *value);

/* Tables (table.c) */
BitlensTable *bitlens_table_new             (guint         n_rows);
/* Takes ownership of `values` (n_rows strings); the column is a number column when every
 * non-empty value is a finite number and at least one is not empty. */
guint         bitlens_table_add_csv_column  (BitlensTable *table,
                                             const char   *name,
                                             char        **values);
/* A number column whose values start as NaN. */
guint         bitlens_table_add_measured_column (BitlensTable *table,
                                                 const char   *name);
void          bitlens_table_set_number      (BitlensTable *table,
                                             guint         row,
                                             guint         column,
                                             double        value);
BitlensTable *bitlens_table_copy            (BitlensTable *table);
/* A new table with the given rows, in that order. */
BitlensTable *bitlens_table_select_rows     (BitlensTable *table,
                                             const guint  *rows,
                                             guint         n_rows);

/* The measured attributes, in table order. */
extern const char * const bitlens_measured_columns[4];

G_END_DECLS
