/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bitlens-image.h"
#include "bitlens-saliency.h"

G_BEGIN_DECLS

/* Rendering of saliency maps (colormaps, overlay modes, colour scales) and their export
 * (annotated PNG, NumPy .npy with a JSON sidecar). */

typedef enum
{
  BITLENS_COLORMAP_AUTO = 0,   /* viridis for one-signed maps, puor for signed ones */
  BITLENS_COLORMAP_VIRIDIS,
  BITLENS_COLORMAP_INFERNO,
  BITLENS_COLORMAP_CIVIDIS,
  BITLENS_COLORMAP_PUOR,       /* diverging: purple (negative), white, orange (positive) */
  BITLENS_COLORMAP_BRBG,       /* diverging: teal (negative), white, brown (positive) */
  BITLENS_COLORMAP_N
} BitlensColormap;

typedef enum
{
  BITLENS_RENDER_HEAT = 0,     /* the colour-mapped map alone, opaque */
  BITLENS_RENDER_BLEND,        /* image * (1 - opacity) + colour * opacity */
  BITLENS_RENDER_MASK,         /* image * weight: only the salient part stays visible */
  BITLENS_RENDER_ALPHA,        /* colour with alpha = opacity * weight (composited by the caller) */
} BitlensRenderMode;

typedef enum
{
  BITLENS_RENDER_SIGN_POSITIVE = 0,  /* max(v, 0) */
  BITLENS_RENDER_SIGN_NEGATIVE,      /* max(-v, 0) */
  BITLENS_RENDER_SIGN_ABSOLUTE,      /* |v| */
  BITLENS_RENDER_SIGN_BOTH,          /* v, on a scale symmetric about 0 */
} BitlensRenderSign;

/* The value range the colormap spans, in units of the sign-transformed values (for
 * BOTH: of v itself). Share one between several maps to compare them. */
typedef struct
{
  double min;
  double max;
} BitlensRenderScale;

typedef struct
{
  BitlensColormap   colormap;
  BitlensRenderMode mode;
  BitlensRenderSign sign;
  double            clip_percent;   /* automatic scale: this percentile of the values (100 = max) */
  double            opacity;        /* BLEND and ALPHA, 0..1 (default 0.6) */
} BitlensRenderOptions;

void              bitlens_render_options_init       (BitlensRenderOptions       *options);
/* The colormap the options resolve to (AUTO resolved by the sign). */
BitlensColormap   bitlens_render_options_get_colormap (const BitlensRenderOptions *options);

const char       *bitlens_colormap_get_name         (BitlensColormap             colormap);
gboolean          bitlens_colormap_from_name        (const char                 *name,
                                                     BitlensColormap            *colormap);
/* 256 RGB entries (768 bytes), built once from the published control points. */
const guint8     *bitlens_colormap_get_table        (BitlensColormap             colormap);
/* Entry round(t * 255) of the table, t clamped to [0, 1]. */
void              bitlens_colormap_get_color        (BitlensColormap             colormap,
                                                     double                      t,
                                                     guint8                      rgb[3]);

const char       *bitlens_render_mode_get_name      (BitlensRenderMode           mode);
gboolean          bitlens_render_mode_from_name     (const char                 *name,
                                                     BitlensRenderMode          *mode);
const char       *bitlens_render_sign_get_name      (BitlensRenderSign           sign);
gboolean          bitlens_render_sign_from_name     (const char                 *name,
                                                     BitlensRenderSign          *sign);

/* The automatic scale of one or several maps: for POSITIVE, NEGATIVE and ABSOLUTE
 * [0, P], for BOTH [-P, P], P the clip_percent-th percentile (nearest rank) of the
 * sign-transformed values (of |v| for BOTH) of all the maps together. */
BitlensRenderScale bitlens_render_scale_compute     (const BitlensSaliencyMap * const *maps,
                                                     guint                       n_maps,
                                                     const BitlensRenderOptions *options);
/* Position of a value on the colormap, in [0, 1]. */
double            bitlens_render_normalize          (double                      value,
                                                     BitlensRenderSign           sign,
                                                     const BitlensRenderScale   *scale);

/* Writes width x height RGBA pixels (not premultiplied) into `rgba` (rows `stride` bytes
 * apart). The map is resampled bilinearly to width x height. `image` (width x height)
 * is needed by BLEND and MASK, ignored otherwise. `scale` NULL: the map's own. */
void              bitlens_render_rgba               (const BitlensSaliencyMap   *map,
                                                     const BitlensImage         *image,
                                                     const BitlensRenderOptions *options,
                                                     const BitlensRenderScale   *scale,
                                                     int                         width,
                                                     int                         height,
                                                     guint8                     *rgba,
                                                     gsize                       stride);

/* What an export says about a map: the caption of the PNG and the JSON sidecar. */
typedef struct
{
  const char                  *model_name;
  const char                  *input_name;     /* image or raw file name, or NULL */
  gboolean                     input_is_raw;
  const BitlensSaliencyParams *params;
  int                          ground_truth;   /* 1 person, 0 no person, -1 unknown */
  const BitlensRenderOptions  *render;         /* NULL: defaults */
  const BitlensRenderScale    *scale;          /* NULL: the map's automatic scale */
} BitlensExportInfo;

/* Files are written to a temporary file in the same folder and renamed into place. An
 * existing file is kept (BITLENS_ERROR_EXISTS) unless `force`. */

/* NumPy .npy v1.0: '<f4', C order, shape (height, width). */
GBytes           *bitlens_export_npy_bytes          (const BitlensSaliencyMap   *map);
gboolean          bitlens_export_npy                (const BitlensSaliencyMap   *map,
                                                     const char                 *path,
                                                     gboolean                    force,
                                                     GError                    **error);
/* Reads a 2-D '<f4' (or '>f4') C-order .npy file. */
BitlensSaliencyMap *bitlens_import_npy              (const char                 *path,
                                                     GError                    **error);
/* "x.npy" -> "x.json"; other names get ".json" appended. */
char             *bitlens_export_sidecar_path       (const char                 *npy_path);
char             *bitlens_export_sidecar_json       (const BitlensSaliencyMap   *map,
                                                     const char                 *npy_name,
                                                     const BitlensExportInfo    *info);
/* The .npy and its sidecar (both refused before either is written when one exists). */
gboolean          bitlens_export_map                (const BitlensSaliencyMap   *map,
                                                     const char                 *npy_path,
                                                     const BitlensExportInfo    *info,
                                                     gboolean                    force,
                                                     GError                    **error);
/* The image (any size; shown with its long side at 384 pixels) with the overlay, a
 * colour bar with tick labels and a caption: model, method and parameters, score and
 * predicted label, ground truth when known. */
GBytes           *bitlens_export_annotated_png_bytes (const BitlensImage        *image,
                                                     const BitlensSaliencyMap   *map,
                                                     const BitlensExportInfo    *info,
                                                     GError                    **error);
gboolean          bitlens_export_annotated_png      (const BitlensImage         *image,
                                                     const BitlensSaliencyMap   *map,
                                                     const BitlensExportInfo    *info,
                                                     const char                 *path,
                                                     gboolean                    force,
                                                     GError                    **error);
/* Compare mode: three columns side by side, A | B | A - B, each drawn as the annotated
 * PNG draws one map (the image with the overlay, a colour bar, a caption). A and B share
 * one colour scale: info_a->scale, or else the automatic scale of both maps together under
 * info_a->render, which serves both (info_b's render and scale are not read). A - B
 * (bitlens_saliency_map_new_difference) is drawn signed, with the automatic diverging
 * colormap, on its own scale symmetric about zero. The captions say which model is A and
 * which is B; the third gives both scores. */
GBytes           *bitlens_export_compare_png_bytes  (const BitlensImage         *image,
                                                     const BitlensSaliencyMap   *map_a,
                                                     const BitlensExportInfo    *info_a,
                                                     const BitlensSaliencyMap   *map_b,
                                                     const BitlensExportInfo    *info_b,
                                                     GError                    **error);
gboolean          bitlens_export_compare_png        (const BitlensImage         *image,
                                                     const BitlensSaliencyMap   *map_a,
                                                     const BitlensExportInfo    *info_a,
                                                     const BitlensSaliencyMap   *map_b,
                                                     const BitlensExportInfo    *info_b,
                                                     const char                 *path,
                                                     gboolean                    force,
                                                     GError                    **error);

G_END_DECLS
