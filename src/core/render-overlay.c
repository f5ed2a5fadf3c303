/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "bitlens/bitlens-render.h"

/* From map values to colours: sign selection, colour scales (automatic with percentile
 * clipping, or fixed and shared), and the overlay modes. */

static const char *const mode_names[] = {
  [BITLENS_RENDER_HEAT] = "heat",
  [BITLENS_RENDER_BLEND] = "blend",
  [BITLENS_RENDER_MASK] = "mask",
  [BITLENS_RENDER_ALPHA] = "alpha",
};

static const char *const sign_names[] = {
  [BITLENS_RENDER_SIGN_POSITIVE] = "positive",
  [BITLENS_RENDER_SIGN_NEGATIVE] = "negative",
  [BITLENS_RENDER_SIGN_ABSOLUTE] = "absolute",
  [BITLENS_RENDER_SIGN_BOTH] = "both",
};

void
bitlens_render_options_init (BitlensRenderOptions *options)
{
  g_return_if_fail (options != NULL);
  *options = (BitlensRenderOptions) {
    .colormap = BITLENS_COLORMAP_AUTO,
    .mode = BITLENS_RENDER_BLEND,
    .sign = BITLENS_RENDER_SIGN_POSITIVE,
    .clip_percent = 99.0,
    .opacity = 0.6,
  };
}

BitlensColormap
bitlens_render_options_get_colormap (const BitlensRenderOptions *options)
{
  g_return_val_if_fail (options != NULL, BITLENS_COLORMAP_VIRIDIS);
  if (options->colormap != BITLENS_COLORMAP_AUTO && (guint) options->colormap < BITLENS_COLORMAP_N)
    return options->colormap;
  return options->sign == BITLENS_RENDER_SIGN_BOTH ? BITLENS_COLORMAP_PUOR : BITLENS_COLORMAP_VIRIDIS;
}

static gboolean
name_lookup (const char *const *names,
             guint              n_names,
             const char        *name,
             guint             *value)
{
  for (guint i = 0; i < n_names; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      {
        *value = i;
        return TRUE;
      }
  return FALSE;
}

const char *
bitlens_render_mode_get_name (BitlensRenderMode mode)
{
  return (guint) mode < G_N_ELEMENTS (mode_names) ? mode_names[mode] : "unknown";
}

gboolean
bitlens_render_mode_from_name (const char        *name,
                               BitlensRenderMode *mode)
{
  guint value;

  g_return_val_if_fail (name != NULL, FALSE);
  if (!name_lookup (mode_names, G_N_ELEMENTS (mode_names), name, &value))
    return FALSE;
  if (mode != NULL)
    *mode = value;
  return TRUE;
}

const char *
bitlens_render_sign_get_name (BitlensRenderSign sign)
{
  return (guint) sign < G_N_ELEMENTS (sign_names) ? sign_names[sign] : "unknown";
}

gboolean
bitlens_render_sign_from_name (const char        *name,
                               BitlensRenderSign *sign)
{
  guint value;

  g_return_val_if_fail (name != NULL, FALSE);
  if (!name_lookup (sign_names, G_N_ELEMENTS (sign_names), name, &value))
    return FALSE;
  if (sign != NULL)
    *sign = value;
  return TRUE;
}

/* The value the colormap shows for v: for BOTH v itself. */
static double
sign_transform (double            value,
                BitlensRenderSign sign)
{
  switch (sign)
    {
    case BITLENS_RENDER_SIGN_NEGATIVE: return value < 0 ? -value : 0.0;
    case BITLENS_RENDER_SIGN_ABSOLUTE: return fabs (value);
    case BITLENS_RENDER_SIGN_BOTH: return value;
    case BITLENS_RENDER_SIGN_POSITIVE:
    default: return value > 0 ? value : 0.0;
    }
}

static int
compare_floats (const void *a,
                const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : (x > y ? 1 : 0);
}

BitlensRenderScale
bitlens_render_scale_compute (const BitlensSaliencyMap * const *maps,
                              guint                             n_maps,
                              const BitlensRenderOptions       *options)
{
  g_autofree float *magnitudes = NULL;
  gsize n = 0, total = 0;
  double percent, peak = 0;

  g_return_val_if_fail (options != NULL, ((BitlensRenderScale) { 0, 1 }));

  for (guint m = 0; m < n_maps; m++)
    total += (gsize) maps[m]->width * maps[m]->height;
  magnitudes = g_new (float, MAX (total, 1));
  for (guint m = 0; m < n_maps; m++)
    for (gsize i = 0; i < (gsize) maps[m]->width * maps[m]->height; i++)
      {
        double v;

        if (!isfinite (maps[m]->values[i]))
          continue;
        v = sign_transform (maps[m]->values[i], options->sign);
        magnitudes[n++] = (float) fabs (v);
      }

  /* Nearest rank: the smallest value with at least P percent of the values at or below. */
  percent = options->clip_percent > 0 && options->clip_percent <= 100 ? options->clip_percent : 100.0;
  if (n > 0)
    {
      gsize rank;

      qsort (magnitudes, n, sizeof (float), compare_floats);
      rank = (gsize) ceil (percent / 100.0 * (double) n);
      rank = CLAMP (rank, 1, n);
      peak = magnitudes[rank - 1];
    }
  if (options->sign == BITLENS_RENDER_SIGN_BOTH)
    return (BitlensRenderScale) { -peak, peak };
  return (BitlensRenderScale) { 0.0, peak };
}

double
bitlens_render_normalize (double                    value,
                          BitlensRenderSign         sign,
                          const BitlensRenderScale *scale)
{
  double neutral = sign == BITLENS_RENDER_SIGN_BOTH ? 0.5 : 0.0;
  double t;

  g_return_val_if_fail (scale != NULL, neutral);
  if (!(scale->max > scale->min) || !isfinite (value))
    return neutral;
  t = (sign_transform (value, sign) - scale->min) / (scale->max - scale->min);
  return CLAMP (t, 0.0, 1.0);
}

/* How much a position on the colormap counts for MASK and ALPHA: its distance from
 * the neutral point. */
static double
render_weight (double            t,
               BitlensRenderSign sign)
{
  return sign == BITLENS_RENDER_SIGN_BOTH ? fabs (2.0 * t - 1.0) : t;
}

static guint8
blend_byte (double a,
            double b,
            double f)
{
  return (guint8) CLAMP (lround (a * (1.0 - f) + b * f), 0, 255);
}

void
bitlens_render_rgba (const BitlensSaliencyMap   *map,
                     const BitlensImage         *image,
                     const BitlensRenderOptions *options,
                     const BitlensRenderScale   *scale,
                     int                         width,
                     int                         height,
                     guint8                     *rgba,
                     gsize                       stride)
{
  g_autoptr(BitlensSaliencyMap) resampled = NULL;
  const BitlensSaliencyMap *source = map;
  BitlensRenderScale own_scale;
  BitlensColormap colormap;
  double opacity;

  g_return_if_fail (map != NULL);
  g_return_if_fail (options != NULL);
  g_return_if_fail (width > 0 && height > 0 && rgba != NULL);
  g_return_if_fail (stride >= (gsize) width * 4);
  g_return_if_fail (image == NULL || (image->width == width && image->height == height));
  g_return_if_fail (image != NULL || (options->mode != BITLENS_RENDER_BLEND && options->mode != BITLENS_RENDER_MASK));

  if (scale == NULL)
    {
      own_scale = bitlens_render_scale_compute (&map, 1, options);
      scale = &own_scale;
    }
  if (map->width != width || map->height != height)
    {
      resampled = bitlens_saliency_map_resample (map, width, height);
      source = resampled;
    }
  colormap = bitlens_render_options_get_colormap (options);
  opacity = CLAMP (options->opacity, 0.0, 1.0);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double t = bitlens_render_normalize (source->values[(gsize) y * width + x], options->sign, scale);
        const guint8 *pixel = image != NULL ? image->pixels + ((gsize) y * width + x) * 3 : NULL;
        guint8 *out = rgba + (gsize) y * stride + (gsize) x * 4;
        guint8 color[3];

        bitlens_colormap_get_color (colormap, t, color);
        switch (options->mode)
          {
          case BITLENS_RENDER_BLEND:
            for (int c = 0; c < 3; c++)
              out[c] = blend_byte (pixel[c], color[c], opacity);
            out[3] = 255;
            break;
          case BITLENS_RENDER_MASK:
            for (int c = 0; c < 3; c++)
              out[c] = blend_byte (0, pixel[c], render_weight (t, options->sign));
            out[3] = 255;
            break;
          case BITLENS_RENDER_ALPHA:
            for (int c = 0; c < 3; c++)
              out[c] = color[c];
            out[3] = blend_byte (0, 255, opacity * render_weight (t, options->sign));
            break;
          case BITLENS_RENDER_HEAT:
          default:
            for (int c = 0; c < 3; c++)
              out[c] = color[c];
            out[3] = 255;
            break;
          }
      }
}
