/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A table of image attributes, one row per dataset item: the columns of labels.csv ("file",
 * "label" and any more) followed by the attributes measured on the image ("width",
 * "height", "mean_luma", "std_luma") when labels.csv does not have columns of those names.
 * A dataset's table has the measured columns empty (NaN); the table of an evaluation
 * (bitlens_evaluation_get_table) has them filled. Both have the same columns in the same
 * order, so an expression bound to one evaluates on the other. Immutable and reference
 * counted: safe to read from several threads. */
typedef struct _BitlensTable BitlensTable;

typedef enum
{
  BITLENS_COLUMN_NUMBER = 1,   /* every non-empty value is a finite number */
  BITLENS_COLUMN_TEXT,         /* anything else: free text, categories, space-separated tags */
} BitlensColumnKind;

GType              bitlens_table_get_type          (void) G_GNUC_CONST;
BitlensTable      *bitlens_table_ref               (BitlensTable *table);
void               bitlens_table_unref             (BitlensTable *table);
guint              bitlens_table_get_n_rows        (BitlensTable *table);
guint              bitlens_table_get_n_columns     (BitlensTable *table);
const char        *bitlens_table_get_column_name   (BitlensTable *table,
                                                    guint         column);
BitlensColumnKind  bitlens_table_get_column_kind   (BitlensTable *table,
                                                    guint         column);
/* TRUE for the attributes measured on the image rather than read from labels.csv. */
gboolean           bitlens_table_column_is_measured (BitlensTable *table,
                                                     guint         column);
/* -1 when there is no column of that name. */
int                bitlens_table_find_column       (BitlensTable *table,
                                                    const char   *name);
/* "file, label, mean_luma, ..." for messages. */
char              *bitlens_table_list_columns      (BitlensTable *table);
/* The value of a number column (NaN when empty or not measured); NaN for text columns. */
double             bitlens_table_get_number        (BitlensTable *table,
                                                    guint         row,
                                                    guint         column);
/* The text as written in labels.csv ("" when empty); measured columns give "". */
const char        *bitlens_table_get_text          (BitlensTable *table,
                                                    guint         row,
                                                    guint         column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensTable, bitlens_table_unref)

/* A labelled image folder: either a folder with labels.csv (`file,label[,more columns]`,
 * label 1 = person, 0 = no person, file relative to the folder) or a folder with person/
 * and no_person/ subfolders (PNG and JPEG files directly inside them). Lines that cannot be
 * used (missing files, bad labels, wrong field counts) are not errors: they are recorded as
 * problems with their line and the rest of the dataset loads. Immutable and reference
 * counted. */
typedef struct _BitlensDataset BitlensDataset;

typedef struct
{
  char  *file;    /* as written in labels.csv (or "person/x.png"), relative to the folder */
  char  *path;    /* the file's full path */
  int    label;   /* 1 = person, 0 = no person */
  guint  line;    /* line of labels.csv, 0 for the folder layout */
} BitlensDatasetItem;

/* Something wrong with one line or one image; the dataset or evaluation went on without
 * it. */
typedef struct
{
  char  *source;    /* the file the problem is in: labels.csv, a split file or the image */
  guint  line;      /* 1-based line in source, 0 when not tied to a line */
  char  *file;      /* the image file concerned (relative), or NULL */
  char  *message;   /* what is wrong, without the location */
} BitlensDatasetProblem;

/* "SOURCE:LINE: MESSAGE" (or "SOURCE: MESSAGE" without a line). */
char                     *bitlens_dataset_problem_to_string (const BitlensDatasetProblem *problem);

GType                     bitlens_dataset_get_type       (void) G_GNUC_CONST;
/* Fails (BITLENS_ERROR_DATASET_INVALID or _IO) only when nothing can be loaded: the folder
 * or labels.csv cannot be read, labels.csv has no "file" and "label" columns, or the folder
 * has neither labels.csv nor person/ or no_person/. */
BitlensDataset           *bitlens_dataset_load           (const char      *path,
                                                          GError         **error);
void                      bitlens_dataset_load_async     (const char      *path,
                                                          GCancellable    *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer         user_data);
BitlensDataset           *bitlens_dataset_load_finish    (GAsyncResult    *result,
                                                          GError         **error);

/* The items listed in a split file (one relative path a line, as vww/test.txt; empty lines
 * and lines starting with '#' are skipped), in the dataset's order. Lines naming no item of
 * the dataset are recorded as problems with the split file's line. */
BitlensDataset           *bitlens_dataset_new_split      (BitlensDataset  *dataset,
                                                          const char      *split_path,
                                                          GError         **error);
/* Finds a split file named on a command line or in a spec: an absolute path as is;
 * otherwise the first that exists of base_dir/SPLIT (base_dir NULL = current directory),
 * DATASET/SPLIT and DATASET/../SPLIT, so "test.txt" and "vww/test.txt" both name
 * vww/test.txt for the dataset vww. */
char                     *bitlens_dataset_find_split_file (BitlensDataset *dataset,
                                                           const char     *split,
                                                           const char     *base_dir,
                                                           GError        **error);

BitlensDataset           *bitlens_dataset_ref            (BitlensDataset  *dataset);
void                      bitlens_dataset_unref          (BitlensDataset  *dataset);
/* The folder. */
const char               *bitlens_dataset_get_path       (BitlensDataset  *dataset);
/* The folder's base name, with "/SPLIT" for a split ("vww/test.txt"). */
const char               *bitlens_dataset_get_name       (BitlensDataset  *dataset);
/* The split file's path, or NULL for a whole dataset. */
const char               *bitlens_dataset_get_split_path (BitlensDataset  *dataset);
/* labels.csv's path, or NULL for the folder layout. */
const char               *bitlens_dataset_get_labels_path (BitlensDataset *dataset);
guint                     bitlens_dataset_get_n_items    (BitlensDataset  *dataset);
const BitlensDatasetItem *bitlens_dataset_get_item       (BitlensDataset  *dataset,
                                                          guint            index);
/* Index of the item whose file is `file`, or -1. */
int                       bitlens_dataset_find_item      (BitlensDataset  *dataset,
                                                          const char      *file);
guint                     bitlens_dataset_count_label    (BitlensDataset  *dataset,
                                                          int              label);
guint                     bitlens_dataset_get_n_problems (BitlensDataset  *dataset);
const BitlensDatasetProblem *bitlens_dataset_get_problem (BitlensDataset  *dataset,
                                                          guint            index);
BitlensTable             *bitlens_dataset_get_table      (BitlensDataset  *dataset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensDataset, bitlens_dataset_unref)

G_END_DECLS
