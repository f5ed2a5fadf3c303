/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <glib/gstdio.h>

#include "data-fixtures.h"
#include "tflite-writer.h"

GBytes *
fixture_green_model_bytes (void)
{
  g_autoptr(BitlensTfliteWriter) writer = bitlens_tflite_writer_new ();
  const int input_shape[] = { 1, 1, 1, 3 };
  const int output_shape[] = { 1, 3 };
  BitlensTfliteTensorSpec input_spec = { .type = BITLENS_TYPE_FLOAT32, .rank = 4, .shape = input_shape };
  BitlensTfliteTensorSpec output_spec = { .type = BITLENS_TYPE_FLOAT32, .rank = 2, .shape = output_shape };
  int input, output;

  input = bitlens_tflite_writer_add_tensor (writer, "input", &input_spec);
  output = bitlens_tflite_writer_add_tensor (writer, "output", &output_spec);
  bitlens_tflite_writer_add_op (writer, BITLENS_OP_RESHAPE, 1, &input, 1, &output, NULL);
  bitlens_tflite_writer_set_io (writer, 1, &input, 1, &output);
  bitlens_tflite_writer_set_description (writer, "green: person score = G / 255");
  return bitlens_tflite_writer_finish (writer);
}

BitlensModel *
fixture_green_model (void)
{
  g_autoptr(GBytes) bytes = fixture_green_model_bytes ();
  g_autoptr(GError) error = NULL;
  BitlensModel *model = bitlens_model_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_model_get_person_index (model), ==, 1);
  g_assert_false (bitlens_model_output_is_probability (model));
  return model;
}

char *
fixture_write_green_model (const char *folder)
{
  g_autoptr(GBytes) bytes = fixture_green_model_bytes ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (folder, "green.tflite", NULL);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return path;
}

double
fixture_green_score (int green)
{
  float value = green / 255.0f;
  return value;
}

void
fixture_write_file (const char *folder,
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

char *
fixture_dataset_new (const FixtureImage *images,
                     guint               n_images,
                     const char         *extra_header)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("file,label");
  char *folder = g_dir_make_tmp ("bitlens-data-XXXXXX", &error);

  g_assert_no_error (error);
  if (extra_header != NULL)
    g_string_append_printf (csv, ",%s", extra_header);
  g_string_append_c (csv, '\n');
  for (guint i = 0; i < n_images; i++)
    {
      const FixtureImage *spec = &images[i];
      g_autoptr(BitlensImage) image = bitlens_image_new (spec->width, spec->height);
      g_autofree char *path = g_build_filename (folder, spec->file, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      for (int y = 0; y < spec->height; y++)
        for (int x = 0; x < spec->width; x++)
          {
            guint8 *rgb = image->pixels + ((gsize) y * spec->width + x) * 3;
            rgb[0] = spec->red + (x < spec->width / 2 ? spec->stripe : 0);
            rgb[1] = spec->green;
            rgb[2] = spec->blue;
          }
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      g_assert_true (bitlens_image_save_png (image, path, &error));
      g_assert_no_error (error);
      g_string_append_printf (csv, "%s,%d", spec->file, spec->label);
      if (spec->extra != NULL)
        g_string_append_printf (csv, ",%s", spec->extra);
      g_string_append_c (csv, '\n');
    }
  fixture_write_file (folder, "labels.csv", csv->str);
  return folder;
}

void
fixture_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fixture_remove_tree (child);
        }
    }
  g_remove (path);
}
