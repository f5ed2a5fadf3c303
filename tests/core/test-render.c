/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-util.h"

/* Colormaps against published table entries, colour scales (percentile clipping, shared
 * scales), overlay modes by hand, the .npy writer and reader byte by byte, the JSON
 * sidecar, refusing to overwrite, and the annotated PNG read back with cairo. */

static void
assert_color_near (BitlensColormap colormap,
                   int             index,
                   double          r,
                   double          g,
                   double          b,
                   int             tolerance)
{
  const guint8 *table = bitlens_colormap_get_table (colormap);
  const double want[3] = { r * 255, g * 255, b * 255 };

  for (int c = 0; c < 3; c++)
    if (fabs (table[index * 3 + c] - want[c]) > tolerance + 0.5)
      g_error ("%s[%d] channel %d: %d, published %.2f", bitlens_colormap_get_name (colormap), index, c,
               table[index * 3 + c], want[c]);
}

static void
test_colormap_tables (void)
{
  /* Published matplotlib entries: control points are exact, the others within 2/255. */
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 0, 0.267004, 0.004874, 0.329415, 0);
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 128, 0.127568, 0.566949, 0.550556, 0);
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 255, 0.993248, 0.906157, 0.143936, 0);
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 100, 0.166617, 0.463708, 0.558119, 2);
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 250, 0.945636, 0.899815, 0.112838, 2);
  assert_color_near (BITLENS_COLORMAP_INFERNO, 0, 0.001462, 0.000466, 0.013866, 0);
  assert_color_near (BITLENS_COLORMAP_INFERNO, 100, 0.565854, 0.143567, 0.408258, 2);
  assert_color_near (BITLENS_COLORMAP_INFERNO, 200, 0.985952, 0.615750, 0.025592, 2);
  assert_color_near (BITLENS_COLORMAP_INFERNO, 255, 0.988362, 0.998364, 0.644924, 0);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 24, 0.017852, 0.198528, 0.441248, 2);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 100, 0.394568, 0.406236, 0.438986, 2);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 255, 0.995737, 0.909344, 0.217772, 0);
  /* Where the channels bend most. */
  assert_color_near (BITLENS_COLORMAP_INFERNO, 235, 0.954997, 0.881569, 0.337475, 2);
  assert_color_near (BITLENS_COLORMAP_INFERNO, 4, 0.006006, 0.004692, 0.038558, 2);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 29, 0.078624, 0.212122, 0.438105, 2);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 246, 0.968469, 0.869819, 0.241310, 2);
  assert_color_near (BITLENS_COLORMAP_CIVIDIS, 253, 0.995249, 0.898384, 0.207561, 2);
  assert_color_near (BITLENS_COLORMAP_VIRIDIS, 232, 0.762373, 0.876424, 0.137064, 2);
  /* ColorBrewer PuOr and BrBG ends and middle: negative end first. */
  assert_color_near (BITLENS_COLORMAP_PUOR, 0, 0x2d / 255.0, 0x00 / 255.0, 0x4b / 255.0, 0);
  assert_color_near (BITLENS_COLORMAP_PUOR, 255, 0x7f / 255.0, 0x3b / 255.0, 0x08 / 255.0, 0);
  assert_color_near (BITLENS_COLORMAP_PUOR, 128, 0xf7 / 255.0, 0xf7 / 255.0, 0xf7 / 255.0, 1);
  assert_color_near (BITLENS_COLORMAP_BRBG, 0, 0x00 / 255.0, 0x3c / 255.0, 0x30 / 255.0, 0);
  assert_color_near (BITLENS_COLORMAP_BRBG, 255, 0x54 / 255.0, 0x30 / 255.0, 0x05 / 255.0, 0);
  /* Stop 2 of 11 sits at 51: exact. */
  assert_color_near (BITLENS_COLORMAP_BRBG, 51, 0x35 / 255.0, 0x97 / 255.0, 0x8f / 255.0, 0);
}

static void
test_colormap_lookup (void)
{
  const guint8 *table = bitlens_colormap_get_table (BITLENS_COLORMAP_INFERNO);
  BitlensColormap colormap;
  guint8 rgb[3];

  bitlens_colormap_get_color (BITLENS_COLORMAP_INFERNO, 0.5, rgb);   /* round (127.5) = 128 */
  g_assert_cmpmem (rgb, 3, table + 128 * 3, 3);
  bitlens_colormap_get_color (BITLENS_COLORMAP_INFERNO, -3, rgb);
  g_assert_cmpmem (rgb, 3, table, 3);
  bitlens_colormap_get_color (BITLENS_COLORMAP_INFERNO, 7, rgb);
  g_assert_cmpmem (rgb, 3, table + 255 * 3, 3);

  g_assert_true (bitlens_colormap_from_name ("Cividis", &colormap));
  g_assert_cmpint (colormap, ==, BITLENS_COLORMAP_CIVIDIS);
  g_assert_true (bitlens_colormap_from_name ("diverging", &colormap));
  g_assert_cmpint (colormap, ==, BITLENS_COLORMAP_PUOR);
  g_assert_false (bitlens_colormap_from_name ("jet", &colormap));
}

static BitlensSaliencyMap *
map_from (const float *values,
          int          width,
          int          height)
{
  BitlensSaliencyMap *map = bitlens_saliency_map_new (width, height);
  memcpy (map->values, values, sizeof (float) * width * height);
  return map;
}

static void
test_scale (void)
{
  const float values[8] = { -3, -1, 0, 1, 2, 5, 10, NAN };
  const float other_values[2] = { 20, -40 };
  g_autoptr(BitlensSaliencyMap) map = map_from (values, 8, 1);
  g_autoptr(BitlensSaliencyMap) other = map_from (other_values, 2, 1);
  const BitlensSaliencyMap *both_maps[2] = { map, other };
  BitlensRenderOptions options;
  BitlensRenderScale scale;

  bitlens_render_options_init (&options);
  options.clip_percent = 100;
  scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &map, 1, &options);
  g_assert_cmpfloat (scale.min, ==, 0); g_assert_cmpfloat (scale.max, ==, 10);
  /* Positive parts 0 0 0 1 2 5 10 (NaN left out): rank ceil (0.75 * 7) = 6 -> 5. */
  options.clip_percent = 75;
  scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &map, 1, &options);
  g_assert_cmpfloat (scale.max, ==, 5);
  options.clip_percent = 100;
  options.sign = BITLENS_RENDER_SIGN_NEGATIVE;
  scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &map, 1, &options);
  g_assert_cmpfloat (scale.min, ==, 0); g_assert_cmpfloat (scale.max, ==, 3);
  options.sign = BITLENS_RENDER_SIGN_ABSOLUTE;
  scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &map, 1, &options);
  g_assert_cmpfloat (scale.max, ==, 10);
  options.sign = BITLENS_RENDER_SIGN_BOTH;
  scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &map, 1, &options);
  g_assert_cmpfloat (scale.min, ==, -10); g_assert_cmpfloat (scale.max, ==, 10);
  /* One scale for two maps. */
  scale = bitlens_render_scale_compute (both_maps, 2, &options);
  g_assert_cmpfloat (scale.min, ==, -40); g_assert_cmpfloat (scale.max, ==, 40);
  options.sign = BITLENS_RENDER_SIGN_POSITIVE;
  scale = bitlens_render_scale_compute (both_maps, 2, &options);
  g_assert_cmpfloat (scale.min, ==, 0); g_assert_cmpfloat (scale.max, ==, 20);

  scale = (BitlensRenderScale) { 0, 5 };
  g_assert_cmpfloat (bitlens_render_normalize (2.5, BITLENS_RENDER_SIGN_POSITIVE, &scale), ==, 0.5);
  g_assert_cmpfloat (bitlens_render_normalize (-1, BITLENS_RENDER_SIGN_POSITIVE, &scale), ==, 0);
  g_assert_cmpfloat (bitlens_render_normalize (7, BITLENS_RENDER_SIGN_POSITIVE, &scale), ==, 1);
  g_assert_cmpfloat (bitlens_render_normalize (-1, BITLENS_RENDER_SIGN_NEGATIVE, &scale), ==, 0.2);
  g_assert_cmpfloat (bitlens_render_normalize (-4, BITLENS_RENDER_SIGN_ABSOLUTE, &scale), ==, 0.8);
  scale = (BitlensRenderScale) { -10, 10 };
  g_assert_cmpfloat (bitlens_render_normalize (-5, BITLENS_RENDER_SIGN_BOTH, &scale), ==, 0.25);
  g_assert_cmpfloat (bitlens_render_normalize (NAN, BITLENS_RENDER_SIGN_BOTH, &scale), ==, 0.5);
  scale = (BitlensRenderScale) { 0, 0 };
  g_assert_cmpfloat (bitlens_render_normalize (3, BITLENS_RENDER_SIGN_POSITIVE, &scale), ==, 0);
}

static void
test_rgba_modes (void)
{
  /* Two pixels at t = 0 and t = 1 on the scale [0, 4]. */
  const float values[2] = { 0, 4 };
  g_autoptr(BitlensSaliencyMap) map = map_from (values, 2, 1);
  g_autoptr(BitlensImage) image = bitlens_image_new (2, 1);
  const guint8 *table = bitlens_colormap_get_table (BITLENS_COLORMAP_CIVIDIS);
  const BitlensRenderScale scale = { 0, 4 };
  BitlensRenderOptions options;
  guint8 rgba[8];

  memcpy (image->pixels, (guint8[]) { 10, 100, 200, 40, 80, 120 }, 6);
  bitlens_render_options_init (&options);
  options.colormap = BITLENS_COLORMAP_CIVIDIS;

  options.mode = BITLENS_RENDER_HEAT;
  bitlens_render_rgba (map, NULL, &options, &scale, 2, 1, rgba, 8);
  g_assert_cmpmem (rgba, 3, table, 3);
  g_assert_cmpint (rgba[3], ==, 255);
  g_assert_cmpmem (rgba + 4, 3, table + 255 * 3, 3);

  options.mode = BITLENS_RENDER_BLEND;
  options.opacity = 0.25;
  bitlens_render_rgba (map, image, &options, &scale, 2, 1, rgba, 8);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpint (rgba[c], ==, (int) lround (image->pixels[c] * 0.75 + table[c] * 0.25));
      g_assert_cmpint (rgba[4 + c], ==, (int) lround (image->pixels[3 + c] * 0.75 + table[255 * 3 + c] * 0.25));
    }

  options.mode = BITLENS_RENDER_MASK;
  bitlens_render_rgba (map, image, &options, &scale, 2, 1, rgba, 8);
  g_assert_cmpmem (rgba, 4, ((guint8[]) { 0, 0, 0, 255 }), 4);
  g_assert_cmpmem (rgba + 4, 4, ((guint8[]) { 40, 80, 120, 255 }), 4);

  options.mode = BITLENS_RENDER_ALPHA;
  options.opacity = 0.5;
  bitlens_render_rgba (map, NULL, &options, &scale, 2, 1, rgba, 8);
  g_assert_cmpint (rgba[3], ==, 0);
  g_assert_cmpmem (rgba + 4, 3, table + 255 * 3, 3);
  g_assert_cmpint (rgba[7], ==, 128);   /* round (255 * 0.5) */

  /* Signed: the weight is the distance from the middle; -4 and 4 both count fully. */
  map->values[0] = -4;
  options.sign = BITLENS_RENDER_SIGN_BOTH;
  options.colormap = BITLENS_COLORMAP_AUTO;
  options.opacity = 1;
  bitlens_render_rgba (map, NULL, &options, &(BitlensRenderScale) { -4, 4 }, 2, 1, rgba, 8);
  g_assert_cmpmem (rgba, 3, bitlens_colormap_get_table (BITLENS_COLORMAP_PUOR), 3);
  g_assert_cmpint (rgba[3], ==, 255);
  g_assert_cmpint (rgba[7], ==, 255);
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("bitlens-render-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

static void
test_npy (void)
{
  const float values[15] = { 0, 1, -2, 3.5f, 1e-30f, -0.0f, 7, 8, 9, 10, 11, 12, 13, 14, 0.1f };
  g_autoptr(BitlensSaliencyMap) map = map_from (values, 5, 3);
  g_autoptr(BitlensSaliencyMap) back = NULL;
  g_autoptr(GBytes) bytes = bitlens_export_npy_bytes (map);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "map.npy", NULL);
  g_autofree char *header = NULL;
  const guint8 *data;
  gsize n_bytes, header_length;
  guint8 big_endian_file[128 + 8];
  const char *big_header = "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }";

  data = g_bytes_get_data (bytes, &n_bytes);
  g_assert_cmpmem (data, 8, "\x93NUMPY\x01\x00", 8);
  header_length = data[8] | (data[9] << 8);
  g_assert_cmpuint ((10 + header_length) % 64, ==, 0);
  g_assert_cmpuint (n_bytes, ==, 10 + header_length + 15 * 4);
  header = g_strndup ((const char *) data + 10, header_length);
  g_assert_true (g_str_has_prefix (header, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"));
  g_assert_true (g_str_has_suffix (header, " \n"));
  for (int i = 0; i < 15; i++)
    {
      guint32 bits, want;
      memcpy (&bits, data + 10 + header_length + 4 * i, 4);
      memcpy (&want, &values[i], 4);
      g_assert_cmpuint (GUINT32_FROM_LE (bits), ==, want);
    }

  g_assert_true (bitlens_export_npy (map, path, FALSE, &error));
  g_assert_no_error (error);
  back = bitlens_import_npy (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->width, ==, 5);
  g_assert_cmpint (back->height, ==, 3);
  g_assert_cmpmem (back->values, sizeof values, values, sizeof values);
  g_clear_pointer (&back, bitlens_saliency_map_free);

  /* Refused without force, naming the file; replaced with it. */
  g_assert_false (bitlens_export_npy (map, path, FALSE, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_true (bitlens_export_npy (map, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 1);

  /* A big-endian file written by hand. */
  memset (big_endian_file, ' ', sizeof big_endian_file);
  memcpy (big_endian_file, "\x93NUMPY\x01\x00\x76\x00", 10);   /* header 118 bytes: data at 128 */
  memcpy (big_endian_file + 10, big_header, strlen (big_header));
  big_endian_file[127] = '\n';
  memcpy (big_endian_file + 128, "\x3f\x80\x00\x00\xc0\x00\x00\x00", 8);   /* 1.0, -2.0 */
  g_file_set_contents (path, (const char *) big_endian_file, sizeof big_endian_file, &error);
  g_assert_no_error (error);
  back = bitlens_import_npy (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (back->values[0], ==, 1.0f);
  g_assert_cmpfloat (back->values[1], ==, -2.0f);
  g_clear_pointer (&back, bitlens_saliency_map_free);

  /* Truncated data. */
  g_file_set_contents (path, (const char *) big_endian_file, sizeof big_endian_file - 1, &error);
  g_assert_no_error (error);
  back = bitlens_import_npy (path, &error);
  g_assert_null (back);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_clear_error (&error);

  remove_dir (dir);
}

static void
test_sidecar (void)
{
  const float values[4] = { 0.25f, -0.5f, 1, 0 };
  g_autoptr(BitlensSaliencyMap) map = map_from (values, 2, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *npy = g_build_filename (dir, "x.npy", NULL);
  g_autofree char *json_path = bitlens_export_sidecar_path (npy);
  g_autofree char *expected_json = g_build_filename (dir, "x.json", NULL);
  g_autofree char *other = bitlens_export_sidecar_path ("/tmp/map.bin");
  BitlensSaliencyParams params;
  BitlensExportInfo info;
  JsonObject *root, *parameters;

  g_assert_cmpstr (json_path, ==, expected_json);
  g_assert_cmpstr (other, ==, "/tmp/map.bin.json");

  map->score = 0.75;
  map->target = 1;
  bitlens_saliency_params_init (&params);
  params.window = 6;
  params.stride = 3;
  params.baseline.kind = BITLENS_BASELINE_BLUR;
  params.baseline.blur_radius = 2;
  info = (BitlensExportInfo) { .model_name = "m.tflite", .input_name = "a.png", .params = &params, .ground_truth = 0 };
  g_assert_true (bitlens_export_map (map, npy, &info, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 2);

  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "method"), ==, "occlusion");
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "m.tflite");
  g_assert_cmpfloat (json_object_get_double_member (root, "score"), ==, 0.75);
  g_assert_cmpstr (json_object_get_string_member (root, "predicted_label"), ==, "person");
  g_assert_cmpstr (json_object_get_string_member (root, "ground_truth"), ==, "no person");
  parameters = json_object_get_object_member (root, "parameters");
  g_assert_cmpint (json_object_get_int_member (parameters, "window"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (parameters, "stride"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (parameters, "baseline"), "kind"), ==, "blur");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (parameters, "baseline"), "radius"), ==, 2);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (json_object_get_object_member (root, "map"), "shape"), 0), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (root, "map"), "min"), ==, -0.5);

  /* Both files are checked before either is written. */
  g_unlink (npy);
  g_assert_false (bitlens_export_map (map, npy, &info, FALSE, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "x.json"));
  g_assert_false (g_file_test (npy, G_FILE_TEST_EXISTS));
  remove_dir (dir);
}

static guint32
surface_pixel (cairo_surface_t *surface,
               int              x,
               int              y)
{
  guint32 value;

  memcpy (&value, cairo_image_surface_get_data (surface) + y * cairo_image_surface_get_stride (surface) + x * 4, 4);
  return value & 0xffffff;
}

static guint32
table_pixel (BitlensColormap colormap,
             int             index)
{
  const guint8 *table = bitlens_colormap_get_table (colormap);
  return ((guint32) table[index * 3] << 16) | ((guint32) table[index * 3 + 1] << 8) | table[index * 3 + 2];
}

static void
test_annotated_png (void)
{
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new (96, 96);
  g_autoptr(BitlensImage) image = bitlens_image_new (96, 96);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "annotated.png", NULL);
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info;
  cairo_surface_t *surface;
  int panel = 384, margin = 14, bar_x = 14 + 384 + 14;

  /* Values grow to the right: the left column is t = 0, the right one t = 1. */
  for (int y = 0; y < 96; y++)
    for (int x = 0; x < 96; x++)
      map->values[y * 96 + x] = (float) x;
  memset (image->pixels, 100, 96 * 96 * 3);
  map->score = 0.25;
  map->target = 1;
  bitlens_saliency_params_init (&params);
  bitlens_render_options_init (&render);
  render.mode = BITLENS_RENDER_HEAT;
  render.colormap = BITLENS_COLORMAP_INFERNO;
  render.clip_percent = 100;
  info = (BitlensExportInfo) { .model_name = "person_detect.tflite", .input_name = "x.png", .params = &params,
                               .ground_truth = 1, .render = &render };
  g_assert_true (bitlens_export_annotated_png (image, map, &info, path, FALSE, &error));
  g_assert_no_error (error);

  surface = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  /* Panel 384, caption of 5 lines (model, method, score, ground truth, scale). */
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, margin + panel + margin / 2 + 5 * 19 + margin);
  g_assert_cmpint (cairo_image_surface_get_width (surface), >=, bar_x + 16 + 30);
  g_assert_cmpuint (surface_pixel (surface, 1, 1), ==, 0xffffff);
  g_assert_cmpuint (surface_pixel (surface, margin + 1, margin + 100), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 0));
  g_assert_cmpuint (surface_pixel (surface, margin + panel - 1, margin + 100), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 255));
  /* The colour bar: maximum at the top, minimum at the bottom. */
  g_assert_cmpuint (surface_pixel (surface, bar_x + 8, margin), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 255));
  g_assert_cmpuint (surface_pixel (surface, bar_x + 8, margin + panel - 1), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 0));
  cairo_surface_destroy (surface);

  g_assert_false (bitlens_export_annotated_png (image, map, &info, path, FALSE, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_EXISTS);
  g_clear_error (&error);

  /* Alpha mode at opacity 0 shows the image alone. */
  render.mode = BITLENS_RENDER_ALPHA;
  render.opacity = 0;
  info.ground_truth = -1;
  g_assert_true (bitlens_export_annotated_png (image, map, &info, path, TRUE, &error));
  g_assert_no_error (error);
  surface = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, margin + panel + margin / 2 + 4 * 19 + margin);
  g_assert_cmpuint (surface_pixel (surface, margin + 200, margin + 200), ==, 0x646464);
  cairo_surface_destroy (surface);
  g_assert_cmpuint (count_files (dir), ==, 1);
  remove_dir (dir);
}

/* The first x >= from where row y is not white. */
static int
first_non_white (cairo_surface_t *surface,
                 int              from,
                 int              y)
{
  for (int x = from; x < cairo_image_surface_get_width (surface); x++)
    if (surface_pixel (surface, x, y) != 0xffffff)
      return x;
  return -1;
}

/* Compare mode: A | B | A - B, A and B on one scale, A - B signed on its own; the
 * difference map value by value. */
static void
test_compare_png (void)
{
  g_autoptr(BitlensSaliencyMap) a = bitlens_saliency_map_new (96, 96);
  g_autoptr(BitlensSaliencyMap) b = bitlens_saliency_map_new (96, 96);
  g_autoptr(BitlensSaliencyMap) small = bitlens_saliency_map_new (48, 48);
  g_autoptr(BitlensSaliencyMap) difference = NULL;
  g_autoptr(BitlensSaliencyMap) resampled = NULL;
  g_autoptr(BitlensImage) image = bitlens_image_new (96, 96);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "compare.png", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info_a, info_b;
  cairo_surface_t *surface;
  int panel = 384, margin = 14, row = 14 + 150, left[3];

  /* A is 47.5 on its right half, B 95: on their shared scale [0, 95] A's right half is at
   * the middle of the colormap (on its own scale it would be at the top); A - B is 0 on
   * the left, -47.5 on the right. */
  for (int y = 0; y < 96; y++)
    for (int x = 0; x < 96; x++)
      {
        a->values[y * 96 + x] = x >= 48 ? 47.5f : 0.0f;
        b->values[y * 96 + x] = x >= 48 ? 95.0f : 0.0f;
      }
  for (int i = 0; i < 48 * 48; i++)
    small->values[i] = (float) (i % 7) - 3.0f;
  memset (image->pixels, 100, 96 * 96 * 3);
  a->score = 0.75;
  b->score = 0.25;
  bitlens_saliency_params_init (&params);
  bitlens_render_options_init (&render);
  render.mode = BITLENS_RENDER_HEAT;
  render.colormap = BITLENS_COLORMAP_INFERNO;
  render.clip_percent = 100;
  info_a = (BitlensExportInfo) { .model_name = "v1.tflite", .input_name = "x.png", .params = &params,
                                 .ground_truth = 1, .render = &render };
  info_b = info_a;
  info_b.model_name = "v2.tflite";

  /* The difference: A - B in float; B resampled to A's size when they differ. */
  difference = bitlens_saliency_map_new_difference (a, b);
  for (int i = 0; i < 96 * 96; i++)
    g_assert_cmpfloat (difference->values[i], ==, a->values[i] - b->values[i]);
  g_clear_pointer (&difference, bitlens_saliency_map_free);
  difference = bitlens_saliency_map_new_difference (a, small);
  resampled = bitlens_saliency_map_resample (small, 96, 96);
  g_assert_cmpint (difference->width, ==, 96);
  for (int i = 0; i < 96 * 96; i++)
    g_assert_cmpfloat (difference->values[i], ==, a->values[i] - resampled->values[i]);

  g_assert_true (bitlens_export_compare_png (image, a, &info_a, b, &info_b, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (bitlens_export_compare_png (image, a, &info_a, b, &info_b, path, FALSE, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_EXISTS);
  g_clear_error (&error);
  bytes = bitlens_export_compare_png_bytes (image, a, &info_a, b, &info_b, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_cmpmem (contents, length, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  surface = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  /* The tallest caption is the difference's: A minus B, A, B, scores, ground truth, scale
   * and its note. */
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, margin + panel + margin / 2 + 7 * 19 + margin);
  /* Three panels side by side, each followed by its colour bar. */
  left[0] = first_non_white (surface, 0, row);
  g_assert_cmpint (left[0], ==, margin);
  for (int i = 1; i < 3; i++)
    {
      /* Past the previous panel and its bar (16 pixels, framed). */
      int bar = first_non_white (surface, left[i - 1] + panel, row);

      g_assert_cmpint (bar, ==, left[i - 1] + panel + margin - 1);
      left[i] = first_non_white (surface, bar + 18, row);
      g_assert_cmpint (left[i], >, bar + 18 + 2 * margin);
    }
  g_assert_cmpint (cairo_image_surface_get_width (surface), >, left[2] + panel + margin + 16);
  /* A on the shared scale: 0 at the bottom of the colormap, 47.5 in the middle. */
  g_assert_cmpuint (surface_pixel (surface, left[0] + 10, row), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 0));
  g_assert_cmpuint (surface_pixel (surface, left[0] + panel - 10, row), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 128));
  /* B: 95 at the top. */
  g_assert_cmpuint (surface_pixel (surface, left[1] + 10, row), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 0));
  g_assert_cmpuint (surface_pixel (surface, left[1] + panel - 10, row), ==, table_pixel (BITLENS_COLORMAP_INFERNO, 255));
  /* A - B: signed on [-47.5, 47.5] with the diverging colormap: 0 in the middle, -47.5 at
   * the bottom. */
  g_assert_cmpuint (surface_pixel (surface, left[2] + 10, row), ==, table_pixel (BITLENS_COLORMAP_PUOR, 128));
  g_assert_cmpuint (surface_pixel (surface, left[2] + panel - 10, row), ==, table_pixel (BITLENS_COLORMAP_PUOR, 0));
  /* Each panel's colour bar: A's and B's show the same scale. */
  g_assert_cmpuint (surface_pixel (surface, left[0] + panel + margin + 8, margin), ==,
                    table_pixel (BITLENS_COLORMAP_INFERNO, 255));
  g_assert_cmpuint (surface_pixel (surface, left[2] + panel + margin + 8, margin), ==,
                    table_pixel (BITLENS_COLORMAP_PUOR, 255));
  cairo_surface_destroy (surface);
  g_unlink (path);
  remove_dir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/colormap/tables", test_colormap_tables);
  g_test_add_func ("/render/colormap/lookup", test_colormap_lookup);
  g_test_add_func ("/render/scale", test_scale);
  g_test_add_func ("/render/rgba-modes", test_rgba_modes);
  g_test_add_func ("/render/export/npy", test_npy);
  g_test_add_func ("/render/export/sidecar", test_sidecar);
  g_test_add_func ("/render/export/annotated-png", test_annotated_png);
  g_test_add_func ("/render/export/compare-png", test_compare_png);
  return g_test_run ();
}
