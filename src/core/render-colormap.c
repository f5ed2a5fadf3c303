/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "bitlens/bitlens-render.h"

/* Colormap tables, 256 RGB entries each, built at first use by linear interpolation (in
 * sRGB component values) between published control points:
 *
 * - viridis, inferno, cividis: entries of matplotlib's 256-entry tables
 *   (lib/matplotlib/_cm_listed.py; viridis and inferno by van der Walt and Smith,
 *   cividis by Nuñez, Anderton and Renslow 2018), taken at indices 0, 16, 32 ... 240
 *   and 255, plus extra indices where a channel bends (viridis 246; inferno 8, 198,
 *   232, 248; cividis 20, 23, 27, 251). Entry i interpolates linearly between the
 *   anchors around index i; the result is within 2/255 of the published table.
 * - puor, brbg: ColorBrewer's 11-class diverging schemes PuOr and BrBG (Cynthia
 *   Brewer, colorbrewer2.org; both marked colour-blind safe), the 11 colours placed
 *   evenly on [0, 255], ordered so that 0 (the most negative value) is the purple
 *   (teal) end and 255 the orange (brown) end: positive evidence is warm.
 *
 * Components are rounded to the nearest byte. */

typedef struct
{
  double position;     /* table index, 0..255 */
  double rgb[3];       /* 0..1 */
} ControlPoint;

static const ControlPoint viridis_points[] = {
  {   0, { 0.267004, 0.004874, 0.329415 } },
  {  16, { 0.282327, 0.094955, 0.417331 } },
  {  32, { 0.278826, 0.175490, 0.483397 } },
  {  48, { 0.258965, 0.251537, 0.524736 } },
  {  64, { 0.229739, 0.322361, 0.545706 } },
  {  80, { 0.199430, 0.387607, 0.554642 } },
  {  96, { 0.172719, 0.448791, 0.557885 } },
  { 112, { 0.149039, 0.508051, 0.557250 } },
  { 128, { 0.127568, 0.566949, 0.550556 } },
  { 144, { 0.120638, 0.625828, 0.533488 } },
  { 160, { 0.157851, 0.683765, 0.501686 } },
  { 176, { 0.246070, 0.738910, 0.452024 } },
  { 192, { 0.369214, 0.788888, 0.382914 } },
  { 208, { 0.515992, 0.831158, 0.294279 } },
  { 224, { 0.678489, 0.863742, 0.189503 } },
  { 240, { 0.845561, 0.887322, 0.099702 } },
  { 246, { 0.906311, 0.894855, 0.098125 } },
  { 255, { 0.993248, 0.906157, 0.143936 } },
};

static const ControlPoint inferno_points[] = {
  {   0, { 0.001462, 0.000466, 0.013866 } },
  {   8, { 0.013995, 0.011225, 0.071862 } },
  {  16, { 0.042253, 0.028139, 0.141141 } },
  {  32, { 0.129285, 0.047293, 0.290788 } },
  {  48, { 0.238273, 0.036621, 0.396353 } },
  {  64, { 0.341500, 0.062325, 0.429425 } },
  {  80, { 0.441207, 0.099338, 0.431594 } },
  {  96, { 0.540920, 0.134729, 0.415123 } },
  { 112, { 0.640135, 0.171438, 0.381065 } },
  { 128, { 0.735683, 0.215906, 0.330245 } },
  { 144, { 0.822386, 0.275197, 0.266085 } },
  { 160, { 0.894305, 0.353399, 0.193584 } },
  { 176, { 0.946965, 0.449191, 0.115272 } },
  { 192, { 0.978422, 0.557937, 0.034931 } },
  { 198, { 0.984591, 0.601122, 0.023606 } },
  { 208, { 0.987874, 0.675267, 0.065257 } },
  { 224, { 0.974638, 0.797692, 0.206332 } },
  { 232, { 0.960626, 0.859069, 0.298010 } },
  { 240, { 0.947594, 0.917399, 0.410665 } },
  { 248, { 0.954529, 0.965896, 0.540361 } },
  { 255, { 0.988362, 0.998364, 0.644924 } },
};

static const ControlPoint cividis_points[] = {
  {   0, { 0.000000, 0.135112, 0.304751 } },
  {  16, { 0.000000, 0.178802, 0.414764 } },
  {  20, { 0.000000, 0.188769, 0.439563 } },
  {  23, { 0.003602, 0.195911, 0.441564 } },
  {  27, { 0.058378, 0.206629, 0.439531 } },
  {  32, { 0.103401, 0.220406, 0.435790 } },
  {  48, { 0.195057, 0.264372, 0.425924 } },
  {  64, { 0.263738, 0.307831, 0.422789 } },
  {  80, { 0.324250, 0.351289, 0.426250 } },
  {  96, { 0.380830, 0.395164, 0.435653 } },
  { 112, { 0.435168, 0.439763, 0.451134 } },
  { 128, { 0.488697, 0.485318, 0.471008 } },
  { 144, { 0.547840, 0.531895, 0.471704 } },
  { 160, { 0.609105, 0.579816, 0.463638 } },
  { 176, { 0.671991, 0.629316, 0.448018 } },
  { 192, { 0.736488, 0.680629, 0.424028 } },
  { 208, { 0.802667, 0.733978, 0.390153 } },
  { 224, { 0.870717, 0.789572, 0.343333 } },
  { 240, { 0.941147, 0.847530, 0.275815 } },
  { 251, { 0.992218, 0.888385, 0.205468 } },
  { 255, { 0.995737, 0.909344, 0.217772 } },
};

/* ColorBrewer 11-class schemes, from the negative end to the positive end. */
static const guint32 puor_colors[11] = {
  0x2d004b, 0x542788, 0x8073ac, 0xb2abd2, 0xd8daeb, 0xf7f7f7,
  0xfee0b6, 0xfdb863, 0xe08214, 0xb35806, 0x7f3b08,
};

static const guint32 brbg_colors[11] = {
  0x003c30, 0x01665e, 0x35978f, 0x80cdc1, 0xc7eae5, 0xf5f5f5,
  0xf6e8c3, 0xdfc27d, 0xbf812d, 0x8c510a, 0x543005,
};

static const char *const colormap_names[BITLENS_COLORMAP_N] = {
  [BITLENS_COLORMAP_AUTO] = "auto",
  [BITLENS_COLORMAP_VIRIDIS] = "viridis",
  [BITLENS_COLORMAP_INFERNO] = "inferno",
  [BITLENS_COLORMAP_CIVIDIS] = "cividis",
  [BITLENS_COLORMAP_PUOR] = "puor",
  [BITLENS_COLORMAP_BRBG] = "brbg",
};

static guint8 tables[BITLENS_COLORMAP_N][256 * 3];

static guint8
component_to_byte (double value)
{
  return (guint8) CLAMP (lround (value * 255.0), 0, 255);
}

static void
interpolate_table (const ControlPoint *points,
                   gsize               n_points,
                   guint8             *table)
{
  gsize segment = 0;

  g_assert (n_points >= 2 && points[0].position == 0 && points[n_points - 1].position == 255);
  for (int i = 0; i < 256; i++)
    {
      const ControlPoint *a, *b;
      double f;

      while (segment + 2 < n_points && points[segment + 1].position <= i)
        segment++;
      a = &points[segment];
      b = &points[segment + 1];
      f = (i - a->position) / (b->position - a->position);
      for (int c = 0; c < 3; c++)
        table[i * 3 + c] = component_to_byte ((1.0 - f) * a->rgb[c] + f * b->rgb[c]);
    }
}

static void
interpolate_hex_table (const guint32 *colors,
                       gsize          n_colors,
                       guint8        *table)
{
  ControlPoint points[16];

  g_assert (n_colors <= G_N_ELEMENTS (points));
  for (gsize j = 0; j < n_colors; j++)
    {
      points[j].position = j == n_colors - 1 ? 255.0 : 255.0 * j / (n_colors - 1);
      points[j].rgb[0] = ((colors[j] >> 16) & 0xff) / 255.0;
      points[j].rgb[1] = ((colors[j] >> 8) & 0xff) / 255.0;
      points[j].rgb[2] = (colors[j] & 0xff) / 255.0;
    }
  interpolate_table (points, n_colors, table);
}

static gpointer
build_tables (gpointer data)
{
  interpolate_table (viridis_points, G_N_ELEMENTS (viridis_points), tables[BITLENS_COLORMAP_VIRIDIS]);
  interpolate_table (inferno_points, G_N_ELEMENTS (inferno_points), tables[BITLENS_COLORMAP_INFERNO]);
  interpolate_table (cividis_points, G_N_ELEMENTS (cividis_points), tables[BITLENS_COLORMAP_CIVIDIS]);
  interpolate_hex_table (puor_colors, G_N_ELEMENTS (puor_colors), tables[BITLENS_COLORMAP_PUOR]);
  interpolate_hex_table (brbg_colors, G_N_ELEMENTS (brbg_colors), tables[BITLENS_COLORMAP_BRBG]);
  /* AUTO is resolved before lookup; give it viridis all the same. */
  memcpy (tables[BITLENS_COLORMAP_AUTO], tables[BITLENS_COLORMAP_VIRIDIS], 256 * 3);
  return NULL;
}

const guint8 *
bitlens_colormap_get_table (BitlensColormap colormap)
{
  static GOnce once = G_ONCE_INIT;

  g_return_val_if_fail ((guint) colormap < BITLENS_COLORMAP_N, NULL);
  g_once (&once, build_tables, NULL);
  return tables[colormap];
}

void
bitlens_colormap_get_color (BitlensColormap colormap,
                            double          t,
                            guint8          rgb[3])
{
  const guint8 *table = bitlens_colormap_get_table (colormap);
  long index;

  if (isnan (t))
    t = 0;
  index = lround (CLAMP (t, 0.0, 1.0) * 255.0);
  rgb[0] = table[index * 3];
  rgb[1] = table[index * 3 + 1];
  rgb[2] = table[index * 3 + 2];
}

const char *
bitlens_colormap_get_name (BitlensColormap colormap)
{
  if ((guint) colormap >= BITLENS_COLORMAP_N)
    return "unknown";
  return colormap_names[colormap];
}

gboolean
bitlens_colormap_from_name (const char      *name,
                            BitlensColormap *colormap)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint i = 0; i < BITLENS_COLORMAP_N; i++)
    if (g_ascii_strcasecmp (name, colormap_names[i]) == 0)
      {
        if (colormap != NULL)
          *colormap = i;
        return TRUE;
      }
  if (g_ascii_strcasecmp (name, "diverging") == 0)
    {
      if (colormap != NULL)
        *colormap = BITLENS_COLORMAP_PUOR;
      return TRUE;
    }
  return FALSE;
}
