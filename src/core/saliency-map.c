/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-saliency.h"

/* Parameters, method names, baselines and the map type. */

static const char *const method_names[BITLENS_SALIENCY_N_METHODS] = {
  [BITLENS_SALIENCY_OCCLUSION] = "occlusion",
  [BITLENS_SALIENCY_GRADIENT] = "gradient",
  [BITLENS_SALIENCY_GRADIENT_X_INPUT] = "gradient-x-input",
  [BITLENS_SALIENCY_INTEGRATED_GRADIENTS] = "integrated-gradients",
  [BITLENS_SALIENCY_SMOOTHGRAD] = "smoothgrad",
  [BITLENS_SALIENCY_GRADCAM] = "gradcam",
};

void
bitlens_saliency_params_init (BitlensSaliencyParams *params)
{
  g_return_if_fail (params != NULL);
  *params = (BitlensSaliencyParams) {
    .method = BITLENS_SALIENCY_OCCLUSION,
    .target = -1,
    .n_threads = 0,
    .window = 8,
    .stride = 4,
    .baseline = { BITLENS_BASELINE_DEFAULT_KIND, BITLENS_BASELINE_DEFAULT_GRAY, BITLENS_BASELINE_DEFAULT_BLUR_RADIUS },
    .naive = FALSE,
    .steps = 32,
    .samples = 16,
    .noise = 0.15,
    .seed = 1,
    .layer = -1,
  };
}

const char *
bitlens_saliency_method_get_name (BitlensSaliencyMethod method)
{
  if ((guint) method >= BITLENS_SALIENCY_N_METHODS)
    return "unknown";
  return method_names[method];
}

gboolean
bitlens_saliency_method_from_name (const char            *name,
                                   BitlensSaliencyMethod *method)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint i = 0; i < BITLENS_SALIENCY_N_METHODS; i++)
    if (g_ascii_strcasecmp (name, method_names[i]) == 0)
      {
        if (method != NULL)
          *method = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
bitlens_saliency_method_is_available (BitlensSaliencyMethod method)
{
  return method == BITLENS_SALIENCY_OCCLUSION || bitlens_saliency_method_uses_gradients (method);
}

gboolean
bitlens_baseline_parse (const char       *text,
                        BitlensBaseline  *baseline,
                        GError          **error)
{
  guint64 level;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (baseline != NULL, FALSE);

  baseline->gray_level = BITLENS_BASELINE_DEFAULT_GRAY;
  baseline->blur_radius = BITLENS_BASELINE_DEFAULT_BLUR_RADIUS;
  if (g_ascii_strcasecmp (text, "gray") == 0 || g_ascii_strcasecmp (text, "grey") == 0)
    {
      baseline->kind = BITLENS_BASELINE_GRAY;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "black") == 0)
    {
      baseline->kind = BITLENS_BASELINE_BLACK;
      baseline->gray_level = 0;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "blur") == 0)
    {
      baseline->kind = BITLENS_BASELINE_BLUR;
      return TRUE;
    }
  if (g_ascii_string_to_unsigned (text, 10, 0, 255, &level, NULL))
    {
      baseline->kind = BITLENS_BASELINE_GRAY;
      baseline->gray_level = (int) level;
      return TRUE;
    }
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
               _("unknown baseline \"%s\": use gray, black, blur or a gray level 0..255"), text);
  return FALSE;
}

char *
bitlens_baseline_to_string (const BitlensBaseline *baseline)
{
  g_return_val_if_fail (baseline != NULL, NULL);
  switch (baseline->kind)
    {
    case BITLENS_BASELINE_BLACK: return g_strdup ("black");
    case BITLENS_BASELINE_BLUR: return g_strdup_printf ("blur radius %d", baseline->blur_radius);
    case BITLENS_BASELINE_GRAY:
    default: return g_strdup_printf ("gray %d", baseline->gray_level);
    }
}

int
bitlens_occlusion_count_windows (int extent,
                                 int window,
                                 int stride)
{
  int span;

  g_return_val_if_fail (extent > 0 && window > 0 && stride > 0, 0);
  span = extent - window;
  if (span <= 0)
    return 1;
  return (span + stride - 1) / stride + 1;
}

BitlensSaliencyMap *
bitlens_saliency_map_new (int width,
                          int height)
{
  BitlensSaliencyMap *map;
  gsize n_values;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (g_size_checked_mul (&n_values, width, height), NULL);

  map = g_new0 (BitlensSaliencyMap, 1);
  map->width = width;
  map->height = height;
  map->values = g_new0 (float, n_values);
  map->target = -1;
  return map;
}

BitlensSaliencyMap *
bitlens_saliency_map_copy (const BitlensSaliencyMap *map)
{
  BitlensSaliencyMap *copy;

  g_return_val_if_fail (map != NULL, NULL);
  copy = bitlens_saliency_map_new (map->width, map->height);
  memcpy (copy->values, map->values, sizeof (float) * map->width * map->height);
  copy->score = map->score;
  copy->target = map->target;
  return copy;
}

void
bitlens_saliency_map_free (BitlensSaliencyMap *map)
{
  if (map == NULL)
    return;
  g_free (map->values);
  g_free (map);
}

void
bitlens_saliency_map_get_range (const BitlensSaliencyMap *map,
                                float                    *min,
                                float                    *max)
{
  gboolean any = FALSE;
  float low = 0, high = 0;

  g_return_if_fail (map != NULL);
  for (gsize i = 0; i < (gsize) map->width * map->height; i++)
    {
      float v = map->values[i];
      if (!isfinite (v))
        continue;
      if (!any || v < low)
        low = v;
      if (!any || v > high)
        high = v;
      any = TRUE;
    }
  if (min != NULL)
    *min = low;
  if (max != NULL)
    *max = high;
}

BitlensSaliencyMap *
bitlens_saliency_map_new_random (int     width,
                                 int     height,
                                 guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  BitlensSaliencyMap *map = bitlens_saliency_map_new (width, height);

  for (gsize i = 0; i < (gsize) width * height; i++)
    map->values[i] = (float) g_rand_double (rand);
  return map;
}

/* Source coordinate of destination pixel centre `d` when resampling n_src -> n_dst. */
static void
source_position (int     d,
                 int     n_src,
                 int     n_dst,
                 int    *i0,
                 int    *i1,
                 double *fraction)
{
  double s = (d + 0.5) * n_src / n_dst - 0.5;

  s = CLAMP (s, 0.0, (double) (n_src - 1));
  *i0 = (int) floor (s);
  *i1 = MIN (*i0 + 1, n_src - 1);
  *fraction = s - *i0;
}

BitlensSaliencyMap *
bitlens_saliency_map_resample (const BitlensSaliencyMap *map,
                               int                       width,
                               int                       height)
{
  BitlensSaliencyMap *out;
  g_autofree int *x0 = NULL, *x1 = NULL;
  g_autofree double *fx = NULL;

  g_return_val_if_fail (map != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  out = bitlens_saliency_map_new (width, height);
  out->score = map->score;
  out->target = map->target;

  x0 = g_new (int, width);
  x1 = g_new (int, width);
  fx = g_new (double, width);
  for (int x = 0; x < width; x++)
    source_position (x, map->width, width, &x0[x], &x1[x], &fx[x]);

  for (int y = 0; y < height; y++)
    {
      int y0, y1;
      double fy;
      const float *row0, *row1;

      source_position (y, map->height, height, &y0, &y1, &fy);
      row0 = map->values + (gsize) y0 * map->width;
      row1 = map->values + (gsize) y1 * map->width;
      for (int x = 0; x < width; x++)
        {
          double top = (1.0 - fx[x]) * row0[x0[x]] + fx[x] * row0[x1[x]];
          double bottom = (1.0 - fx[x]) * row1[x0[x]] + fx[x] * row1[x1[x]];
          out->values[(gsize) y * width + x] = (float) ((1.0 - fy) * top + fy * bottom);
        }
    }
  return out;
}

BitlensSaliencyMap *
bitlens_saliency_map_new_difference (const BitlensSaliencyMap *a,
                                     const BitlensSaliencyMap *b)
{
  g_autoptr(BitlensSaliencyMap) b_resampled = NULL;
  BitlensSaliencyMap *difference;

  g_return_val_if_fail (a != NULL, NULL);
  g_return_val_if_fail (b != NULL, NULL);

  if (b->width != a->width || b->height != a->height)
    b = b_resampled = bitlens_saliency_map_resample (b, a->width, a->height);
  difference = bitlens_saliency_map_new (a->width, a->height);
  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    difference->values[i] = a->values[i] - b->values[i];
  return difference;
}
