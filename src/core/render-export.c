/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-render.h"

/* Export of maps: the raw map as NumPy .npy with a JSON sidecar of every parameter, and
 * an annotated PNG (image, overlay, colour bar, caption) drawn with cairo. Every file
 * goes through write_file (): refused when it exists unless forced, then written to a
 * temporary file in the same folder and renamed into place. */

#define PANEL_SIZE 384
#define MARGIN 14
#define BAR_WIDTH 16
#define TICK_LENGTH 5
#define FONT_SIZE 13.0
#define LINE_HEIGHT 19
#define N_TICKS 5

static gboolean
check_not_exists (const char  *path,
                  gboolean     force,
                  GError     **error)
{
  GStatBuf buf;

  if (!force && g_lstat (path, &buf) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_EXISTS,
                   _("%s exists: not overwriting it (force to replace it)"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_file (const char    *path,
            const void    *data,
            gsize          n_bytes,
            gboolean       force,
            GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!check_not_exists (path, force, error))
    return FALSE;
  if (!g_file_set_contents_full (path, data, (gssize) n_bytes, G_FILE_SET_CONTENTS_CONSISTENT, 0666,
                                 &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("cannot write %s: %s"), path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- NumPy .npy ---------------------------------------------------------------- */

/* Format version 1.0: magic "\x93NUMPY", 1, 0, a little-endian uint16 header length, a
 * Python dict literal padded with spaces and ended by '\n' so that the data starts at
 * a multiple of 64 bytes, then the float32 values little-endian in C order. */
GBytes *
bitlens_export_npy_bytes (const BitlensSaliencyMap *map)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GString) header = NULL;
  static const guint8 magic[8] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
  guint8 length[2];
  gsize n_values;

  g_return_val_if_fail (map != NULL, NULL);

  header = g_string_new (NULL);
  g_string_printf (header, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }",
                   map->height, map->width);
  while ((10 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  g_assert (header->len <= G_MAXUINT16);
  length[0] = header->len & 0xff;
  length[1] = (header->len >> 8) & 0xff;

  g_byte_array_append (bytes, magic, sizeof magic);
  g_byte_array_append (bytes, length, 2);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  n_values = (gsize) map->width * map->height;
  for (gsize i = 0; i < n_values; i++)
    {
      guint32 bits;
      memcpy (&bits, &map->values[i], 4);
      bits = GUINT32_TO_LE (bits);
      g_byte_array_append (bytes, (const guint8 *) &bits, 4);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

gboolean
bitlens_export_npy (const BitlensSaliencyMap  *map,
                    const char                *path,
                    gboolean                   force,
                    GError                   **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (map != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  bytes = bitlens_export_npy_bytes (map);
  return write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), force, error);
}

/* The integer after `key` in a header dict, e.g. "'shape': (" then "96, 96)". */
static gboolean
parse_npy_shape (const char *header,
                 int        *height,
                 int        *width)
{
  const char *shape = strstr (header, "'shape'");
  guint64 values[2];
  char *end;

  if (shape == NULL || (shape = strchr (shape, '(')) == NULL)
    return FALSE;
  shape++;
  for (int i = 0; i < 2; i++)
    {
      while (*shape == ' ')
        shape++;
      if (!g_ascii_isdigit (*shape))
        return FALSE;
      values[i] = g_ascii_strtoull (shape, &end, 10);
      if (values[i] == 0 || values[i] > G_MAXINT / 4)
        return FALSE;
      shape = end;
      while (*shape == ' ')
        shape++;
      if (*shape != (i == 0 ? ',' : ')') && !(i == 1 && *shape == ','))
        return FALSE;
      shape++;
    }
  *height = (int) values[0];
  *width = (int) values[1];
  return TRUE;
}

BitlensSaliencyMap *
bitlens_import_npy (const char  *path,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(BitlensSaliencyMap) map = NULL;
  gsize n_bytes, header_length, offset, n_values, data_bytes;
  gboolean big_endian;
  int height, width;
  const guint8 *bytes;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &n_bytes, &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("cannot read %s: %s"), path, local_error->message);
      return NULL;
    }
  bytes = (const guint8 *) contents;
  if (n_bytes < 10 || memcmp (bytes, "\x93NUMPY", 6) != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID, _("%s is not a .npy file"), path);
      return NULL;
    }
  if (bytes[6] == 1)
    {
      header_length = bytes[8] | (bytes[9] << 8);
      offset = 10;
    }
  else if ((bytes[6] == 2 || bytes[6] == 3) && n_bytes >= 12)
    {
      header_length = bytes[8] | (bytes[9] << 8) | ((gsize) bytes[10] << 16) | ((gsize) bytes[11] << 24);
      offset = 12;
    }
  else
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("%s: .npy format version %d.%d is not supported"), path, bytes[6], bytes[7]);
      return NULL;
    }
  if (header_length > n_bytes - offset)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID, _("%s: the .npy header is truncated"), path);
      return NULL;
    }
  header = g_strndup ((const char *) bytes + offset, header_length);
  offset += header_length;

  if (strstr (header, "'descr': '<f4'") != NULL)
    big_endian = FALSE;
  else if (strstr (header, "'descr': '>f4'") != NULL)
    big_endian = TRUE;
  else
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("%s: only float32 maps ('<f4') can be read; the header says %s"), path, header);
      return NULL;
    }
  if (strstr (header, "'fortran_order': False") == NULL || !parse_npy_shape (header, &height, &width))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("%s: need a 2-D array in C order; the header says %s"), path, header);
      return NULL;
    }
  if (!g_size_checked_mul (&n_values, height, width) || !g_size_checked_mul (&data_bytes, n_values, 4) ||
      data_bytes != n_bytes - offset)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("%s: a %dx%d float32 array needs %zu data bytes, the file has %zu"),
                   path, height, width, n_values * 4, n_bytes - offset);
      return NULL;
    }

  map = bitlens_saliency_map_new (width, height);
  for (gsize i = 0; i < n_values; i++)
    {
      guint32 bits;
      memcpy (&bits, bytes + offset + 4 * i, 4);
      bits = big_endian ? GUINT32_FROM_BE (bits) : GUINT32_FROM_LE (bits);
      memcpy (&map->values[i], &bits, 4);
    }
  return g_steal_pointer (&map);
}

/* ---- JSON sidecar -------------------------------------------------------------- */

char *
bitlens_export_sidecar_path (const char *npy_path)
{
  g_return_val_if_fail (npy_path != NULL, NULL);
  if (g_str_has_suffix (npy_path, ".npy"))
    {
      g_autofree char *stem = g_strndup (npy_path, strlen (npy_path) - 4);
      return g_strconcat (stem, ".json", NULL);
    }
  return g_strconcat (npy_path, ".json", NULL);
}

static const char *
label_name (int label)
{
  return label == 1 ? "person" : (label == 0 ? "no person" : NULL);
}

/* The label a score predicts: for the person element, "person" from 0.5 up. */
static char *
predicted_label (const BitlensSaliencyMap *map,
                 const BitlensExportInfo  *info)
{
  if (info->params == NULL || info->params->target < 0)
    return g_strdup (map->score >= 0.5 ? "person" : "no person");
  return g_strdup_printf ("class %d", map->target);
}

static void
add_baseline (JsonBuilder           *builder,
              const char            *member,
              const BitlensBaseline *baseline)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, baseline->kind == BITLENS_BASELINE_BLUR ? "blur" :
                                          baseline->kind == BITLENS_BASELINE_BLACK ? "black" : "gray");
  if (baseline->kind == BITLENS_BASELINE_BLUR)
    {
      json_builder_set_member_name (builder, "radius");
      json_builder_add_int_value (builder, baseline->blur_radius);
    }
  else
    {
      json_builder_set_member_name (builder, "gray_level");
      json_builder_add_int_value (builder, baseline->kind == BITLENS_BASELINE_BLACK ? 0 : baseline->gray_level);
    }
  json_builder_end_object (builder);
}

static void
add_params (JsonBuilder                 *builder,
            const BitlensSaliencyParams *params)
{
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, bitlens_saliency_method_get_name (params->method));
  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "target");
  json_builder_add_int_value (builder, params->target);
  json_builder_set_member_name (builder, "threads");
  json_builder_add_int_value (builder, params->n_threads);
  if (params->method == BITLENS_SALIENCY_OCCLUSION)
    {
      json_builder_set_member_name (builder, "window");
      json_builder_add_int_value (builder, params->window);
      json_builder_set_member_name (builder, "stride");
      json_builder_add_int_value (builder, params->stride);
      add_baseline (builder, "baseline", &params->baseline);
      json_builder_set_member_name (builder, "incremental");
      json_builder_add_boolean_value (builder, !params->naive);
    }
  else
    {
      json_builder_set_member_name (builder, "steps");
      json_builder_add_int_value (builder, params->steps);
      json_builder_set_member_name (builder, "samples");
      json_builder_add_int_value (builder, params->samples);
      json_builder_set_member_name (builder, "noise");
      json_builder_add_double_value (builder, params->noise);
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, (gint64) params->seed);
      json_builder_set_member_name (builder, "layer");
      json_builder_add_int_value (builder, params->layer);
      if (params->method == BITLENS_SALIENCY_INTEGRATED_GRADIENTS)
        add_baseline (builder, "baseline", &params->baseline);
      if (bitlens_saliency_method_uses_gradients (params->method))
        {
          json_builder_set_member_name (builder, "gradient_source");
          json_builder_add_string_value (builder, bitlens_saliency_method_get_gradient_note (params->method));
        }
    }
  json_builder_end_object (builder);
}

static void
add_render (JsonBuilder                *builder,
            const BitlensRenderOptions *render,
            const BitlensRenderScale   *scale)
{
  json_builder_set_member_name (builder, "render");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "colormap");
  json_builder_add_string_value (builder, bitlens_colormap_get_name (bitlens_render_options_get_colormap (render)));
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, bitlens_render_mode_get_name (render->mode));
  json_builder_set_member_name (builder, "sign");
  json_builder_add_string_value (builder, bitlens_render_sign_get_name (render->sign));
  json_builder_set_member_name (builder, "clip_percent");
  json_builder_add_double_value (builder, render->clip_percent);
  json_builder_set_member_name (builder, "opacity");
  json_builder_add_double_value (builder, render->opacity);
  json_builder_set_member_name (builder, "scale");
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, scale->min);
  json_builder_add_double_value (builder, scale->max);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
resolve_render (const BitlensSaliencyMap *map,
                const BitlensExportInfo  *info,
                BitlensRenderOptions     *render,
                BitlensRenderScale       *scale)
{
  if (info->render != NULL)
    *render = *info->render;
  else
    bitlens_render_options_init (render);
  *scale = info->scale != NULL ? *info->scale : bitlens_render_scale_compute (&map, 1, render);
}

char *
bitlens_export_sidecar_json (const BitlensSaliencyMap *map,
                             const char               *npy_name,
                             const BitlensExportInfo  *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *predicted = NULL;
  BitlensRenderOptions render;
  BitlensRenderScale scale;
  float min, max;

  g_return_val_if_fail (map != NULL, NULL);
  g_return_val_if_fail (info != NULL, NULL);

  resolve_render (map, info, &render, &scale);
  bitlens_saliency_map_get_range (map, &min, &max);
  predicted = predicted_label (map, info);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, "bitlens-saliency-map");
  json_builder_set_member_name (builder, "format_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "bitlens_version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);

  json_builder_set_member_name (builder, "map");
  json_builder_begin_object (builder);
  if (npy_name != NULL)
    {
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, npy_name);
    }
  json_builder_set_member_name (builder, "dtype");
  json_builder_add_string_value (builder, "float32");
  json_builder_set_member_name (builder, "shape");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, map->height);
  json_builder_add_int_value (builder, map->width);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "layout");
  json_builder_add_string_value (builder, "row-major, rows top-down, model-input resolution");
  json_builder_set_member_name (builder, "min");
  json_builder_add_double_value (builder, min);
  json_builder_set_member_name (builder, "max");
  json_builder_add_double_value (builder, max);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, info->model_name != NULL ? info->model_name : "model");
  json_builder_set_member_name (builder, "input");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  if (info->input_name != NULL)
    json_builder_add_string_value (builder, info->input_name);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, info->input_is_raw ? "raw input tensor" : "image, default preprocessing");
  json_builder_end_object (builder);

  if (info->params != NULL)
    add_params (builder, info->params);

  json_builder_set_member_name (builder, "target");
  json_builder_add_int_value (builder, map->target);
  json_builder_set_member_name (builder, "score");
  json_builder_add_double_value (builder, map->score);
  json_builder_set_member_name (builder, "predicted_label");
  json_builder_add_string_value (builder, predicted);
  json_builder_set_member_name (builder, "ground_truth");
  if (label_name (info->ground_truth) != NULL)
    json_builder_add_string_value (builder, label_name (info->ground_truth));
  else
    json_builder_add_null_value (builder);

  add_render (builder, &render, &scale);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

gboolean
bitlens_export_map (const BitlensSaliencyMap  *map,
                    const char                *npy_path,
                    const BitlensExportInfo   *info,
                    gboolean                   force,
                    GError                   **error)
{
  g_autofree char *sidecar_path = NULL;
  g_autofree char *npy_name = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (map != NULL, FALSE);
  g_return_val_if_fail (npy_path != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  sidecar_path = bitlens_export_sidecar_path (npy_path);
  if (!check_not_exists (npy_path, force, error) || !check_not_exists (sidecar_path, force, error))
    return FALSE;
  npy_name = g_path_get_basename (npy_path);
  json = bitlens_export_sidecar_json (map, npy_name, info);
  return bitlens_export_npy (map, npy_path, force, error) &&
         write_file (sidecar_path, json, strlen (json), force, error);
}

/* ---- Annotated PNG ------------------------------------------------------------- */

static cairo_surface_t *
surface_from_image (const BitlensImage *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width, image->height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        const guint8 *p = image->pixels + ((gsize) y * image->width + x) * 3;
        guint32 value = 0xff000000u | ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2];
        memcpy (data + (gsize) y * stride + (gsize) x * 4, &value, 4);
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* The image scaled to width x height with cairo's bilinear filter. */
static BitlensImage *
scale_image (const BitlensImage *image,
             int                 width,
             int                 height)
{
  cairo_surface_t *source = surface_from_image (image);
  cairo_surface_t *target = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (target);
  BitlensImage *scaled = bitlens_image_new (width, height);
  const guint8 *data;
  int stride;

  cairo_scale (cr, (double) width / image->width, (double) height / image->height);
  cairo_set_source_surface (cr, source, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (target);

  data = cairo_image_surface_get_data (target);
  stride = cairo_image_surface_get_stride (target);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 value;
        guint8 *p = scaled->pixels + ((gsize) y * width + x) * 3;
        memcpy (&value, data + (gsize) y * stride + (gsize) x * 4, 4);
        p[0] = (value >> 16) & 0xff;
        p[1] = (value >> 8) & 0xff;
        p[2] = value & 0xff;
      }
  cairo_surface_destroy (source);
  cairo_surface_destroy (target);
  return scaled;
}

/* Non-premultiplied RGBA to a premultiplied cairo ARGB32 surface. */
static cairo_surface_t *
surface_from_rgba (const guint8 *rgba,
                   int           width,
                   int           height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = rgba + ((gsize) y * width + x) * 4;
        guint32 a = p[3];
        guint32 value = (a << 24) | (((p[0] * a + 127) / 255) << 16) | (((p[1] * a + 127) / 255) << 8) |
                        ((p[2] * a + 127) / 255);
        memcpy (data + (gsize) y * stride + (gsize) x * 4, &value, 4);
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static cairo_surface_t *
colorbar_surface (BitlensColormap colormap,
                  int             height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, BAR_WIDTH, height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < height; y++)
    {
      guint8 rgb[3];
      guint32 value;

      /* Top = the scale's maximum. */
      bitlens_colormap_get_color (colormap, height > 1 ? 1.0 - (double) y / (height - 1) : 1.0, rgb);
      value = 0xff000000u | ((guint32) rgb[0] << 16) | ((guint32) rgb[1] << 8) | rgb[2];
      for (int x = 0; x < BAR_WIDTH; x++)
        memcpy (data + (gsize) y * stride + (gsize) x * 4, &value, 4);
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static char *
format_value (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (fabs (value) < 5e-324)
    value = 0;
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.3g", value));
}

/* The tick labels show values in the map's own sign: for NEGATIVE the colours stand for
 * -v, so the labels are negated back. */
static double
tick_value (const BitlensRenderScale *scale,
            BitlensRenderSign         sign,
            int                       i)
{
  double v = scale->min + (scale->max - scale->min) * i / (N_TICKS - 1);
  return sign == BITLENS_RENDER_SIGN_NEGATIVE ? -v : v;
}

static char *
describe_method (const BitlensSaliencyParams *params)
{
  g_autofree char *baseline = NULL;

  if (params == NULL)
    return g_strdup ("saliency map");
  baseline = bitlens_baseline_to_string (&params->baseline);
  switch (params->method)
    {
    case BITLENS_SALIENCY_OCCLUSION:
      break;
    case BITLENS_SALIENCY_GRADIENT:
    case BITLENS_SALIENCY_GRADIENT_X_INPUT:
      return g_strdup (bitlens_saliency_method_get_name (params->method));
    case BITLENS_SALIENCY_INTEGRATED_GRADIENTS:
      return g_strdup_printf ("integrated-gradients: %d steps from baseline %s", params->steps, baseline);
    case BITLENS_SALIENCY_SMOOTHGRAD:
      return g_strdup_printf ("smoothgrad: %d samples, noise %g, seed %" G_GUINT64_FORMAT,
                              params->samples, params->noise, params->seed);
    case BITLENS_SALIENCY_GRADCAM:
      if (params->layer < 0)
        return g_strdup ("gradcam: last spatial layer");
      return g_strdup_printf ("gradcam: layer %d", params->layer);
    case BITLENS_SALIENCY_N_METHODS:
    default:
      return g_strdup (bitlens_saliency_method_get_name (params->method));
    }
  return g_strdup_printf ("occlusion: window %d, stride %d, baseline %s (%s)", params->window, params->stride,
                          baseline, params->naive ? "full re-runs" : "incremental");
}

static const char *
sign_text (BitlensRenderSign sign)
{
  static const char *const texts[] = {
    [BITLENS_RENDER_SIGN_POSITIVE] = "positive part",
    [BITLENS_RENDER_SIGN_NEGATIVE] = "negative part",
    [BITLENS_RENDER_SIGN_ABSOLUTE] = "absolute value",
    [BITLENS_RENDER_SIGN_BOTH] = "signed",
  };

  return texts[CLAMP ((int) sign, 0, (int) G_N_ELEMENTS (texts) - 1)];
}

/* "blend, signed, puor, colour scale [-0.1, 0.1], clipped at the 99% percentile": the
 * clip is named only when the scale came from it. */
static char *
scale_line (const BitlensRenderOptions *render,
            const BitlensRenderScale   *scale,
            gboolean                    automatic_scale)
{
  g_autofree char *low = format_value (scale->min);
  g_autofree char *high = format_value (scale->max);
  g_autofree char *clip = NULL;

  if (render->clip_percent > 0 && render->clip_percent < 100 && automatic_scale)
    clip = g_strdup_printf (", clipped at the %g%% percentile", render->clip_percent);
  return g_strdup_printf ("%s, %s, %s, colour scale [%s, %s]%s", bitlens_render_mode_get_name (render->mode),
                          sign_text (render->sign),
                          bitlens_colormap_get_name (bitlens_render_options_get_colormap (render)), low, high,
                          clip != NULL ? clip : "");
}

/* "person_detect.tflite  on  785.png", after "A: " when `title` is given. */
static char *
model_line (const BitlensExportInfo *info,
            const char              *title)
{
  const char *model = info->model_name != NULL ? info->model_name : "model";

  if (info->input_name != NULL)
    return g_strdup_printf ("%s%s%s  on  %s%s", title != NULL ? title : "", title != NULL ? ": " : "", model,
                            info->input_name, info->input_is_raw ? " (raw input)" : "");
  return g_strdup_printf ("%s%s%s", title != NULL ? title : "", title != NULL ? ": " : "", model);
}

static GPtrArray *
caption_lines (const BitlensSaliencyMap   *map,
               const BitlensExportInfo    *info,
               const BitlensRenderOptions *render,
               const BitlensRenderScale   *scale,
               gboolean                    automatic_scale,
               const char                 *title,
               const char                 *scale_note)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *predicted = predicted_label (map, info);

  g_ptr_array_add (lines, model_line (info, title));
  g_ptr_array_add (lines, describe_method (info->params));
  if (info->params != NULL && bitlens_saliency_method_uses_gradients (info->params->method))
    g_ptr_array_add (lines, g_strdup ("gradients of a float shadow, straight-through estimators"));
  if (info->params == NULL || info->params->target < 0)
    g_ptr_array_add (lines, g_strdup_printf ("person score %.4f: predicted %s", map->score, predicted));
  else
    g_ptr_array_add (lines, g_strdup_printf ("target %d, score %.4f", map->target, map->score));
  if (label_name (info->ground_truth) != NULL)
    g_ptr_array_add (lines, g_strdup_printf ("ground truth: %s", label_name (info->ground_truth)));
  g_ptr_array_add (lines, scale_line (render, scale, automatic_scale));
  if (scale_note != NULL)
    g_ptr_array_add (lines, g_strdup (scale_note));
  return lines;
}

/* The caption of the A minus B column: what is subtracted from what, both scores. */
static GPtrArray *
difference_caption_lines (const BitlensSaliencyMap   *map_a,
                          const BitlensExportInfo    *info_a,
                          const BitlensSaliencyMap   *map_b,
                          const BitlensExportInfo    *info_b,
                          const BitlensRenderOptions *render,
                          const BitlensRenderScale   *scale)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *predicted_a = predicted_label (map_a, info_a);
  g_autofree char *predicted_b = predicted_label (map_b, info_b);

  if (info_a->input_name != NULL)
    g_ptr_array_add (lines, g_strdup_printf ("A minus B  on  %s%s", info_a->input_name,
                                             info_a->input_is_raw ? " (raw input)" : ""));
  else
    g_ptr_array_add (lines, g_strdup ("A minus B"));
  g_ptr_array_add (lines, g_strdup_printf ("A: %s", info_a->model_name != NULL ? info_a->model_name : "model"));
  g_ptr_array_add (lines, g_strdup_printf ("B: %s", info_b->model_name != NULL ? info_b->model_name : "model"));
  g_ptr_array_add (lines, g_strdup_printf ("scores: A %.4f (%s), B %.4f (%s)", map_a->score, predicted_a,
                                           map_b->score, predicted_b));
  if (label_name (info_a->ground_truth) != NULL)
    g_ptr_array_add (lines, g_strdup_printf ("ground truth: %s", label_name (info_a->ground_truth)));
  g_ptr_array_add (lines, scale_line (render, scale, TRUE));
  g_ptr_array_add (lines, g_strdup ("its own colour scale, symmetric about zero"));
  return lines;
}

static cairo_status_t
append_to_byte_array (void                *closure,
                      const unsigned char *data,
                      unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
set_font (cairo_t *cr)
{
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, FONT_SIZE);
}

/* The image at display size: its long side PANEL_SIZE pixels. */
static BitlensImage *
panel_image_new (const BitlensImage *image)
{
  int width, height;

  if (image->width >= image->height)
    {
      width = PANEL_SIZE;
      height = MAX (1, (int) lround ((double) PANEL_SIZE * image->height / image->width));
    }
  else
    {
      height = PANEL_SIZE;
      width = MAX (1, (int) lround ((double) PANEL_SIZE * image->width / image->height));
    }
  return scale_image (image, width, height);
}

/* One column of an annotated PNG: the image with the map's overlay, a colour bar with
 * tick labels beside it, the caption under both. */
typedef struct
{
  const BitlensImage       *panel_image;   /* borrowed, at display size */
  const BitlensSaliencyMap *map;           /* borrowed */
  BitlensRenderOptions      render;
  BitlensRenderScale        scale;
  GPtrArray                *lines;         /* owned */
  char                     *labels[N_TICKS];
  int                       width;         /* the column, margins included */
  int                       height;
} ExportColumn;

/* Takes `lines`; measures the text, which decides the column's size. */
static void
export_column_init (ExportColumn               *column,
                    const BitlensImage         *panel_image,
                    const BitlensSaliencyMap   *map,
                    const BitlensRenderOptions *render,
                    const BitlensRenderScale   *scale,
                    GPtrArray                  *lines)
{
  cairo_surface_t *measure = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (measure);
  double label_width = 0, caption_width = 0;
  int bar_x = MARGIN + panel_image->width + MARGIN;

  *column = (ExportColumn) {
    .panel_image = panel_image,
    .map = map,
    .render = *render,
    .scale = *scale,
    .lines = lines,
  };
  set_font (cr);
  for (int i = 0; i < N_TICKS; i++)
    {
      cairo_text_extents_t extents;

      column->labels[i] = format_value (tick_value (scale, render->sign, i));
      cairo_text_extents (cr, column->labels[i], &extents);
      label_width = MAX (label_width, extents.x_advance);
    }
  for (guint i = 0; i < lines->len; i++)
    {
      cairo_text_extents_t extents;

      cairo_text_extents (cr, g_ptr_array_index (lines, i), &extents);
      caption_width = MAX (caption_width, extents.x_advance);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (measure);

  column->width = MAX (bar_x + BAR_WIDTH + TICK_LENGTH + 4 + (int) ceil (label_width) + MARGIN,
                       MARGIN + (int) ceil (caption_width) + MARGIN);
  column->height = MARGIN + panel_image->height + MARGIN / 2 + (int) lines->len * LINE_HEIGHT + MARGIN;
}

static void
export_column_clear (ExportColumn *column)
{
  g_clear_pointer (&column->lines, g_ptr_array_unref);
  for (int i = 0; i < N_TICKS; i++)
    g_clear_pointer (&column->labels[i], g_free);
}

/* Draws the column with its left edge at x. */
static void
export_column_draw (const ExportColumn *column,
                    cairo_t            *cr,
                    int                 x)
{
  int panel_w = column->panel_image->width, panel_h = column->panel_image->height;
  int bar_x = x + MARGIN + panel_w + MARGIN;
  g_autofree guint8 *rgba = g_malloc ((gsize) panel_w * panel_h * 4);
  cairo_surface_t *background, *overlay, *bar;

  /* The panel: the image at display size, and the overlay rendered on it. */
  bitlens_render_rgba (column->map, column->panel_image, &column->render, &column->scale, panel_w, panel_h, rgba,
                       (gsize) panel_w * 4);
  background = surface_from_image (column->panel_image);
  overlay = surface_from_rgba (rgba, panel_w, panel_h);
  cairo_set_source_surface (cr, background, x + MARGIN, MARGIN);
  cairo_paint (cr);
  cairo_set_source_surface (cr, overlay, x + MARGIN, MARGIN);
  cairo_paint (cr);
  cairo_surface_destroy (background);
  cairo_surface_destroy (overlay);

  /* Colour bar with ticks and labels. */
  bar = colorbar_surface (bitlens_render_options_get_colormap (&column->render), panel_h);
  cairo_set_source_surface (cr, bar, bar_x, MARGIN);
  cairo_paint (cr);
  cairo_surface_destroy (bar);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, bar_x - 0.5, MARGIN - 0.5, BAR_WIDTH + 1, panel_h + 1);
  cairo_stroke (cr);
  set_font (cr);
  for (int i = 0; i < N_TICKS; i++)
    {
      double y = MARGIN + panel_h - (double) (panel_h - 1) * i / (N_TICKS - 1) - 0.5;
      cairo_text_extents_t extents;

      cairo_move_to (cr, bar_x + BAR_WIDTH, floor (y) + 0.5);
      cairo_line_to (cr, bar_x + BAR_WIDTH + TICK_LENGTH, floor (y) + 0.5);
      cairo_stroke (cr);
      cairo_text_extents (cr, column->labels[i], &extents);
      cairo_move_to (cr, bar_x + BAR_WIDTH + TICK_LENGTH + 4,
                     CLAMP (y - extents.y_bearing - extents.height / 2, MARGIN + extents.height, MARGIN + panel_h));
      cairo_show_text (cr, column->labels[i]);
    }

  /* Caption. */
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  for (guint i = 0; i < column->lines->len; i++)
    {
      cairo_move_to (cr, x + MARGIN, MARGIN + panel_h + MARGIN / 2 + (i + 1) * LINE_HEIGHT - 5);
      cairo_show_text (cr, g_ptr_array_index (column->lines, i));
    }
}

/* The columns side by side on a white canvas, encoded as PNG. */
static GBytes *
encode_columns (const ExportColumn  *columns,
                guint                n_columns,
                GError             **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_surface_t *canvas;
  cairo_status_t status;
  cairo_t *cr;
  int width = 0, height = 0, x = 0;

  for (guint i = 0; i < n_columns; i++)
    {
      width += columns[i].width;
      height = MAX (height, columns[i].height);
    }
  canvas = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (canvas);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  for (guint i = 0; i < n_columns; i++)
    {
      export_column_draw (&columns[i], cr, x);
      x += columns[i].width;
    }
  cairo_destroy (cr);

  status = cairo_surface_write_to_png_stream (canvas, append_to_byte_array, png);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (canvas);
  cairo_surface_destroy (canvas);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("cannot encode the annotated PNG: %s"),
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

GBytes *
bitlens_export_annotated_png_bytes (const BitlensImage        *image,
                                    const BitlensSaliencyMap  *map,
                                    const BitlensExportInfo   *info,
                                    GError                   **error)
{
  g_autoptr(BitlensImage) panel_image = NULL;
  ExportColumn column;
  BitlensRenderOptions render;
  BitlensRenderScale scale;
  GBytes *png;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (map != NULL, NULL);
  g_return_val_if_fail (info != NULL, NULL);

  resolve_render (map, info, &render, &scale);
  panel_image = panel_image_new (image);
  export_column_init (&column, panel_image, map, &render, &scale,
                      caption_lines (map, info, &render, &scale, info->scale == NULL, NULL, NULL));
  png = encode_columns (&column, 1, error);
  export_column_clear (&column);
  return png;
}

GBytes *
bitlens_export_compare_png_bytes (const BitlensImage        *image,
                                  const BitlensSaliencyMap  *map_a,
                                  const BitlensExportInfo   *info_a,
                                  const BitlensSaliencyMap  *map_b,
                                  const BitlensExportInfo   *info_b,
                                  GError                   **error)
{
  g_autoptr(BitlensImage) panel_image = NULL;
  g_autoptr(BitlensSaliencyMap) difference = NULL;
  const BitlensSaliencyMap *maps[2] = { map_a, map_b };
  ExportColumn columns[3];
  BitlensRenderOptions render, difference_render;
  BitlensRenderScale scale, difference_scale;
  GBytes *png;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (map_a != NULL && map_b != NULL, NULL);
  g_return_val_if_fail (info_a != NULL && info_b != NULL, NULL);

  /* A and B: info_a's rendering, one scale for both maps. */
  if (info_a->render != NULL)
    render = *info_a->render;
  else
    bitlens_render_options_init (&render);
  scale = info_a->scale != NULL ? *info_a->scale : bitlens_render_scale_compute (maps, 2, &render);
  /* A difference has a sign whatever the maps' sign: a diverging scale around zero. */
  difference = bitlens_saliency_map_new_difference (map_a, map_b);
  difference_render = render;
  difference_render.sign = BITLENS_RENDER_SIGN_BOTH;
  difference_render.colormap = BITLENS_COLORMAP_AUTO;
  difference_scale = bitlens_render_scale_compute ((const BitlensSaliencyMap * const *) &difference, 1,
                                                   &difference_render);

  panel_image = panel_image_new (image);
  export_column_init (&columns[0], panel_image, map_a, &render, &scale,
                      caption_lines (map_a, info_a, &render, &scale, info_a->scale == NULL, "A", "one colour scale for A and B"));
  export_column_init (&columns[1], panel_image, map_b, &render, &scale,
                      caption_lines (map_b, info_b, &render, &scale, info_a->scale == NULL, "B", "one colour scale for A and B"));
  export_column_init (&columns[2], panel_image, difference, &difference_render, &difference_scale,
                      difference_caption_lines (map_a, info_a, map_b, info_b, &difference_render, &difference_scale));
  png = encode_columns (columns, G_N_ELEMENTS (columns), error);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    export_column_clear (&columns[i]);
  return png;
}

static gboolean
write_png (GBytes      *bytes,
           const char  *path,
           gboolean     force,
           GError     **error)
{
  g_autoptr(GBytes) owned = bytes;

  if (owned == NULL)
    return FALSE;
  return write_file (path, g_bytes_get_data (owned, NULL), g_bytes_get_size (owned), force, error);
}

gboolean
bitlens_export_annotated_png (const BitlensImage        *image,
                              const BitlensSaliencyMap  *map,
                              const BitlensExportInfo   *info,
                              const char                *path,
                              gboolean                   force,
                              GError                   **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (!check_not_exists (path, force, error))
    return FALSE;
  return write_png (bitlens_export_annotated_png_bytes (image, map, info, error), path, force, error);
}

gboolean
bitlens_export_compare_png (const BitlensImage        *image,
                            const BitlensSaliencyMap  *map_a,
                            const BitlensExportInfo   *info_a,
                            const BitlensSaliencyMap  *map_b,
                            const BitlensExportInfo   *info_b,
                            const char                *path,
                            gboolean                   force,
                            GError                   **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (!check_not_exists (path, force, error))
    return FALSE;
  return write_png (bitlens_export_compare_png_bytes (image, map_a, info_a, map_b, info_b, error), path, force,
                    error);
}
