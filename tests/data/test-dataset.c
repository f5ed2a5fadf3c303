/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <bitlens/bitlens-dataset.h>

#include "test-util.h"

/* Datasets: the five shared folders (counts from data/PROVENANCE.md), and hand-made folders
 * with every kind of bad line. */

static BitlensDataset *
load_shared (const char *name)
{
  g_autofree char *relative = g_build_filename ("data", name, NULL);
  g_autofree char *path = test_shared_path (relative);
  g_autoptr(GError) error = NULL;
  BitlensDataset *dataset;

  if (path == NULL)
    return NULL;
  dataset = bitlens_dataset_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

/* Counts the data lines of a labels.csv and their labels the simple way: every file in the
 * shared folders has one record per line and no quoted label. */
static void
count_csv_lines (BitlensDataset *dataset,
                 guint          *n_person,
                 guint          *n_no_person)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (bitlens_dataset_get_labels_path (dataset), &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  *n_person = *n_no_person = 0;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", 3);
      if (lines[i][0] == '\0')
        continue;
      g_assert_nonnull (fields[1]);
      if (strcmp (fields[1], "1") == 0)
        (*n_person)++;
      else if (strcmp (fields[1], "0") == 0)
        (*n_no_person)++;
      else
        g_assert_not_reached ();
    }
}

static void
check_shared (const char *name,
              guint       expected_person,
              guint       expected_no_person,
              const char *expected_columns)
{
  g_autoptr(BitlensDataset) dataset = load_shared (name);
  g_autofree char *columns = NULL;
  guint csv_person, csv_no_person;

  if (dataset == NULL)
    return;
  g_assert_cmpuint (bitlens_dataset_get_n_problems (dataset), ==, 0);
  g_assert_cmpuint (bitlens_dataset_get_n_items (dataset), ==, expected_person + expected_no_person);
  g_assert_cmpuint (bitlens_dataset_count_label (dataset, 1), ==, expected_person);
  g_assert_cmpuint (bitlens_dataset_count_label (dataset, 0), ==, expected_no_person);
  count_csv_lines (dataset, &csv_person, &csv_no_person);
  g_assert_cmpuint (csv_person, ==, expected_person);
  g_assert_cmpuint (csv_no_person, ==, expected_no_person);
  g_assert_cmpstr (bitlens_dataset_get_name (dataset), ==, name);
  g_assert_null (bitlens_dataset_get_split_path (dataset));

  columns = bitlens_table_list_columns (bitlens_dataset_get_table (dataset));
  g_assert_cmpstr (columns, ==, expected_columns);
  g_assert_cmpuint (bitlens_table_get_n_rows (bitlens_dataset_get_table (dataset)), ==, expected_person + expected_no_person);

  for (guint i = 0; i < bitlens_dataset_get_n_items (dataset); i++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, i);
      g_assert_true (g_file_test (item->path, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (item->line, ==, i + 2);
      g_assert_cmpint (bitlens_dataset_find_item (dataset, item->file), ==, (int) i);
    }
}

static void
test_shared_vww (void)
{
  check_shared ("vww", 500, 500, "file, label, coco_image_id, mean_luma, std_luma, width, height");
}

static void
test_shared_inria (void)
{
  check_shared ("inria_pos", 2416, 0, "file, label, width, height, mean_luma, std_luma");
}

static void
test_shared_scenes (void)
{
  check_shared ("scenes_neg", 0, 50, "file, label, note, width, height, mean_luma, std_luma");
}

static void
test_shared_photos (void)
{
  g_autoptr(BitlensDataset) dataset = NULL;
  BitlensTable *table;
  int note, width, mode;

  check_shared ("photos", 7, 43, "file, label, source_package, width, height, mode, note, mean_luma, std_luma");
  dataset = load_shared ("photos");
  if (dataset == NULL)
    return;
  table = bitlens_dataset_get_table (dataset);
  note = bitlens_table_find_column (table, "note");
  width = bitlens_table_find_column (table, "width");
  mode = bitlens_table_find_column (table, "mode");
  g_assert_cmpint (bitlens_table_get_column_kind (table, note), ==, BITLENS_COLUMN_TEXT);
  g_assert_cmpint (bitlens_table_get_column_kind (table, mode), ==, BITLENS_COLUMN_TEXT);
  /* labels.csv has width: it is read, not measured. */
  g_assert_cmpint (bitlens_table_get_column_kind (table, width), ==, BITLENS_COLUMN_NUMBER);
  g_assert_false (bitlens_table_column_is_measured (table, width));
  g_assert_true (bitlens_table_column_is_measured (table, bitlens_table_find_column (table, "mean_luma")));
  /* Line 4: person/opencv_messi5.jpg,1,"opencv-doc ...",548,342,RGB,"footballer, full body" */
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 3)->file, ==, "person/opencv_messi5.jpg");
  g_assert_cmpstr (bitlens_table_get_text (table, 3, note), ==, "footballer, full body");
  g_assert_cmpfloat (bitlens_table_get_number (table, 3, width), ==, 548.0);
  g_assert_true (isnan (bitlens_table_get_number (table, 3, note)));
  g_assert_true (isnan (bitlens_table_get_number (table, 3, bitlens_table_find_column (table, "mean_luma"))));
}

static void
test_shared_vtest (void)
{
  check_shared ("vtest", 40, 0, "file, label, source_frame_index, width, height, mean_luma, std_luma");
}

static void
test_vww_split (void)
{
  g_autoptr(BitlensDataset) dataset = load_shared ("vww");
  g_autoptr(BitlensDataset) test = NULL;
  g_autoptr(BitlensDataset) train = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *split = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  BitlensTable *table, *whole;
  int luma;
  guint previous = 0;

  if (dataset == NULL)
    return;

  /* "vww/test.txt" (relative to the data folder) and "test.txt" (to the dataset) both work. */
  split = bitlens_dataset_find_split_file (dataset, "vww/test.txt", "/nonexistent", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (split, "/vww/test.txt"));
  {
    g_autofree char *again = bitlens_dataset_find_split_file (dataset, "test.txt", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, split);
  }
  {
    g_autofree char *missing = bitlens_dataset_find_split_file (dataset, "nope.txt", NULL, &error);
    g_assert_null (missing);
    g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "nope.txt not found"));
    g_clear_error (&error);
  }

  test = bitlens_dataset_new_split (dataset, split, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_dataset_get_n_problems (test), ==, 0);
  g_assert_cmpuint (bitlens_dataset_get_n_items (test), ==, 500);
  /* label-stratified */
  g_assert_cmpuint (bitlens_dataset_count_label (test, 1), ==, 250);
  g_assert_cmpuint (bitlens_dataset_count_label (test, 0), ==, 250);
  g_assert_cmpstr (bitlens_dataset_get_name (test), ==, "vww/test.txt");

  /* Every line of test.txt is an item, in the dataset's order, with its row of the table. */
  g_assert_true (g_file_get_contents (split, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  table = bitlens_dataset_get_table (test);
  whole = bitlens_dataset_get_table (dataset);
  luma = bitlens_table_find_column (table, "mean_luma");
  for (guint l = 0; lines[l] != NULL; l++)
    if (lines[l][0] != '\0')
      {
        int index = bitlens_dataset_find_item (test, lines[l]);
        int whole_index = bitlens_dataset_find_item (dataset, lines[l]);
        g_assert_cmpint (index, >=, 0);
        g_assert_cmpfloat (bitlens_table_get_number (table, index, luma), ==,
                           bitlens_table_get_number (whole, whole_index, luma));
        g_assert_cmpuint (bitlens_dataset_get_item (test, index)->line, ==,
                          bitlens_dataset_get_item (dataset, whole_index)->line);
      }
  for (guint i = 0; i < bitlens_dataset_get_n_items (test); i++)
    {
      g_assert_cmpuint (bitlens_dataset_get_item (test, i)->line, >, previous);
      previous = bitlens_dataset_get_item (test, i)->line;
    }

  /* train and test are disjoint and cover the dataset. */
  {
    g_autofree char *train_path = bitlens_dataset_find_split_file (dataset, "train.txt", NULL, &error);
    g_assert_no_error (error);
    train = bitlens_dataset_new_split (dataset, train_path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (bitlens_dataset_get_n_items (train), ==, 500);
    for (guint i = 0; i < bitlens_dataset_get_n_items (train); i++)
      g_assert_cmpint (bitlens_dataset_find_item (test, bitlens_dataset_get_item (train, i)->file), ==, -1);
  }
}

/* Hand-made folders */

static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *folder = g_dir_make_tmp ("bitlens-dataset-XXXXXX", &error);

  g_assert_no_error (error);
  return folder;
}

static void
write_file (const char *folder,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }
  g_remove (path);
}

/* "labels.csv:3: message": the problem with the source's folder left out. */
static char *
problem (BitlensDataset *dataset,
         guint           index)
{
  const BitlensDatasetProblem *p = bitlens_dataset_get_problem (dataset, index);
  g_autofree char *base = g_path_get_basename (p->source);

  return g_strdup_printf ("%s:%u: %s", base, p->line, p->message);
}

static void
test_bad_lines (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = {
    "labels.csv:3: bad label 'yes' for b.png (expected 0 = no person or 1 = person)",
    "labels.csv:4: field 1: unexpected 'x' after the closing quote (a quote inside a quoted field is written \"\")",
    "labels.csv:5: no such image file: missing.png",
    "labels.csv:6: expected 3 fields as in the header, found 2",
    "labels.csv:7: a.png is listed again (first on line 2)",
    "labels.csv:8: empty file name",
    "labels.csv:9: bad label '' for c.png (expected 0 = no person or 1 = person)",
  };

  write_file (folder, "a.png", "x");
  write_file (folder, "b.png", "x");
  write_file (folder, "c.png", "x");
  write_file (folder, "sub/d e.png", "x");
  write_file (folder, "labels.csv",
              "file,label,tags\n"
              "a.png,1,outdoor\n"
              "b.png,yes,\n"
              "\"c.png\"x,0,\n"
              "missing.png,0,dark\n"
              "c.png,0\n"
              "a.png,0,again\n"
              ",1,\n"
              "c.png,,\n"
              "\"sub/d e.png\", 0 ,\"dark, indoor\"\n"
              "c.png,0,\"night  dark\"\n");

  dataset = bitlens_dataset_load (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_dataset_get_n_items (dataset), ==, 3);
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 0)->file, ==, "a.png");
  g_assert_cmpint (bitlens_dataset_get_item (dataset, 0)->label, ==, 1);
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 1)->file, ==, "sub/d e.png");
  g_assert_cmpint (bitlens_dataset_get_item (dataset, 1)->label, ==, 0);
  g_assert_cmpuint (bitlens_dataset_get_item (dataset, 1)->line, ==, 10);
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 2)->file, ==, "c.png");
  g_assert_cmpuint (bitlens_dataset_get_item (dataset, 2)->line, ==, 11);

  g_assert_cmpuint (bitlens_dataset_get_n_problems (dataset), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *text = problem (dataset, i);
      g_assert_cmpstr (text, ==, expected[i]);
    }
  g_assert_cmpuint (bitlens_dataset_get_problem (dataset, 2)->line, ==, 5);
  g_assert_cmpstr (bitlens_dataset_get_problem (dataset, 2)->file, ==, "missing.png");

  {
    BitlensTable *table = bitlens_dataset_get_table (dataset);
    int tags = bitlens_table_find_column (table, "tags");
    g_assert_cmpint (bitlens_table_get_column_kind (table, tags), ==, BITLENS_COLUMN_TEXT);
    g_assert_cmpstr (bitlens_table_get_text (table, 1, tags), ==, "dark, indoor");
    g_assert_cmpstr (bitlens_table_get_text (table, 2, tags), ==, "night  dark");
    g_assert_cmpuint (bitlens_table_get_n_rows (table), ==, 3);
  }
  remove_tree (folder);
}

static void
test_bad_headers (void)
{
  const struct { const char *csv; const char *message; } cases[] = {
    { "", "labels.csv: no header line (expected file,label[,more columns])" },
    { "name,label\na.png,1\n", "labels.csv:1: the header has no 'file' column (expected file,label[,more columns])" },
    { "file,class\n", "labels.csv:1: the header has no 'label' column (expected file,label[,more columns])" },
    { "file,label,file\n", "labels.csv:1: the header names column 'file' twice" },
    { "\n\nfile,label,,x\n", "labels.csv:3: column 3 of the header has no name" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folder = make_folder ();
      g_autoptr(BitlensDataset) dataset = NULL;
      g_autoptr(GError) error = NULL;
      const char *base;

      write_file (folder, "labels.csv", cases[i].csv);
      dataset = bitlens_dataset_load (folder, &error);
      g_assert_null (dataset);
      g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID);
      base = strstr (error->message, "labels.csv");
      g_assert_nonnull (base);
      g_assert_cmpstr (base, ==, cases[i].message);
      remove_tree (folder);
    }
}

static void
test_numeric_columns (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(GError) error = NULL;
  BitlensTable *table;

  write_file (folder, "a.png", "x");
  write_file (folder, "b.png", "x");
  write_file (folder, "c.png", "x");
  /* n: numbers with an empty value; t: one non-number makes it text; e: all empty. */
  write_file (folder, "labels.csv",
              "file,label,n,t,e,mean_luma\n"
              "a.png,1,1.5,3,,10\n"
              "b.png,0,,4,,20\n"
              "c.png,0,-2e1,x,,30\n");
  dataset = bitlens_dataset_load (folder, &error);
  g_assert_no_error (error);
  table = bitlens_dataset_get_table (dataset);
  {
    g_autofree char *columns = bitlens_table_list_columns (table);
    g_assert_cmpstr (columns, ==, "file, label, n, t, e, mean_luma, width, height, std_luma");
  }
  g_assert_cmpint (bitlens_table_get_column_kind (table, 1), ==, BITLENS_COLUMN_NUMBER);
  g_assert_cmpint (bitlens_table_get_column_kind (table, 2), ==, BITLENS_COLUMN_NUMBER);
  g_assert_cmpint (bitlens_table_get_column_kind (table, 3), ==, BITLENS_COLUMN_TEXT);
  g_assert_cmpint (bitlens_table_get_column_kind (table, 4), ==, BITLENS_COLUMN_TEXT);
  g_assert_cmpfloat (bitlens_table_get_number (table, 0, 2), ==, 1.5);
  g_assert_true (isnan (bitlens_table_get_number (table, 1, 2)));
  g_assert_cmpfloat (bitlens_table_get_number (table, 2, 2), ==, -20.0);
  g_assert_cmpstr (bitlens_table_get_text (table, 2, 2), ==, "-2e1");
  g_assert_cmpfloat (bitlens_table_get_number (table, 2, 5), ==, 30.0);
  g_assert_false (bitlens_table_column_is_measured (table, 5));
  g_assert_true (bitlens_table_column_is_measured (table, 6));
  g_assert_cmpint (bitlens_table_find_column (table, "nope"), ==, -1);
  remove_tree (folder);
}

static void
test_folder_layout (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensDataset) split = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *split_path = NULL;

  write_file (folder, "person/b.png", "x");
  write_file (folder, "person/a.JPG", "x");
  write_file (folder, "person/notes.txt", "x");
  write_file (folder, "person/.hidden.png", "x");
  write_file (folder, "no_person/z.jpeg", "x");
  write_file (folder, "other/q.png", "x");

  dataset = bitlens_dataset_load (folder, &error);
  g_assert_no_error (error);
  g_assert_null (bitlens_dataset_get_labels_path (dataset));
  g_assert_cmpuint (bitlens_dataset_get_n_items (dataset), ==, 3);
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 0)->file, ==, "person/a.JPG");
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 1)->file, ==, "person/b.png");
  g_assert_cmpstr (bitlens_dataset_get_item (dataset, 2)->file, ==, "no_person/z.jpeg");
  g_assert_cmpint (bitlens_dataset_get_item (dataset, 0)->label, ==, 1);
  g_assert_cmpint (bitlens_dataset_get_item (dataset, 2)->label, ==, 0);
  g_assert_cmpuint (bitlens_dataset_get_item (dataset, 0)->line, ==, 0);
  g_assert_cmpuint (bitlens_dataset_get_n_problems (dataset), ==, 1);
  g_assert_cmpstr (bitlens_dataset_get_problem (dataset, 0)->file, ==, "person/notes.txt");
  g_assert_cmpstr (bitlens_dataset_get_problem (dataset, 0)->message, ==, "skipped: not a .png, .jpg or .jpeg file");
  {
    g_autofree char *columns = bitlens_table_list_columns (bitlens_dataset_get_table (dataset));
    g_assert_cmpstr (columns, ==, "file, label, width, height, mean_luma, std_luma");
    g_assert_cmpfloat (bitlens_table_get_number (bitlens_dataset_get_table (dataset), 2, 1), ==, 0.0);
  }

  /* A split with comments, blank lines, an unknown file and a repeated one. */
  write_file (folder, "split.txt", "# held out\nno_person/z.jpeg\n\nperson/zz.png\r\nno_person/z.jpeg\nperson/a.JPG\n");
  split_path = g_build_filename (folder, "split.txt", NULL);
  split = bitlens_dataset_new_split (dataset, split_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_dataset_get_n_items (split), ==, 2);
  /* The dataset's order, not the split's. */
  g_assert_cmpstr (bitlens_dataset_get_item (split, 0)->file, ==, "person/a.JPG");
  g_assert_cmpstr (bitlens_dataset_get_item (split, 1)->file, ==, "no_person/z.jpeg");
  g_assert_cmpstr (bitlens_table_get_text (bitlens_dataset_get_table (split), 1, 0), ==, "no_person/z.jpeg");
  g_assert_cmpuint (bitlens_dataset_get_n_problems (split), ==, 3);
  {
    g_autofree char *first = problem (split, 1);
    g_autofree char *second = problem (split, 2);
    g_assert_true (g_str_has_prefix (first, "split.txt:4: person/zz.png is not an item of the dataset"));
    g_assert_cmpstr (second, ==, "split.txt:5: no_person/z.jpeg is listed again (first on line 2)");
  }
  remove_tree (folder);
}

static void
test_not_a_dataset (void)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;

  dataset = bitlens_dataset_load (folder, &error);
  g_assert_null (dataset);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID);
  g_assert_nonnull (strstr (error->message, "no labels.csv and no person/ or no_person/ folder"));
  g_clear_error (&error);

  dataset = bitlens_dataset_load ("/nonexistent/folder", &error);
  g_assert_null (dataset);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
  remove_tree (folder);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BitlensDataset **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = bitlens_dataset_load_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_load_async (void)
{
  g_autofree char *path = test_shared_path ("data/photos");
  g_autoptr(BitlensDataset) dataset = NULL;

  if (path == NULL)
    return;
  bitlens_dataset_load_async (path, NULL, on_loaded, &dataset);
  while (dataset == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (bitlens_dataset_get_n_items (dataset), ==, 50);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dataset/shared/vww", test_shared_vww);
  g_test_add_func ("/dataset/shared/inria_pos", test_shared_inria);
  g_test_add_func ("/dataset/shared/scenes_neg", test_shared_scenes);
  g_test_add_func ("/dataset/shared/photos", test_shared_photos);
  g_test_add_func ("/dataset/shared/vtest", test_shared_vtest);
  g_test_add_func ("/dataset/vww-split", test_vww_split);
  g_test_add_func ("/dataset/bad-lines", test_bad_lines);
  g_test_add_func ("/dataset/bad-headers", test_bad_headers);
  g_test_add_func ("/dataset/numeric-columns", test_numeric_columns);
  g_test_add_func ("/dataset/folder-layout", test_folder_layout);
  g_test_add_func ("/dataset/not-a-dataset", test_not_a_dataset);
  g_test_add_func ("/dataset/load-async", test_load_async);
  return g_test_run ();
}
