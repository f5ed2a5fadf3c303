/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-image.h"

/* Stretching an image to a new width and height (the aspect ratio is not kept).
 *
 * Each axis is resampled on its own, by the rule that fits it, with integer weights:
 *
 * - Same size (D == S): destination d reads source d with weight 1; total 1.
 *
 * - Shrinking (D < S), area averaging: destination pixel d covers the source interval
 *   [d * S / D, (d + 1) * S / D). Source pixel s weighs the length of the overlap of
 *   [s, s + 1) with that interval. Multiplying every length by D keeps it an integer:
 *     weight(d, s) = min ((s + 1) * D, (d + 1) * S) - max (s * D, d * S)   (when > 0)
 *   for s from floor (d * S / D) to floor (((d + 1) * S - 1) / D); the weights of each d sum
 *   to the total S.
 *
 * - Enlarging (D > S), bilinear interpolation with pixel centres at half-integers: the
 *   destination centre d + 1/2 maps to the source coordinate
 *     x = (d + 1/2) * S / D - 1/2,   clamped to [0, S - 1],
 *   which reads s0 = floor (x) with weight 1 - (x - s0) and s1 = s0 + 1 with weight x - s0.
 *   Multiplying by 2D keeps it an integer: n = (2d + 1) * S - D, clamped to
 *   [0, 2D * (S - 1)], s0 = n / (2D), r = n mod (2D); weight(s0) = 2D - r, weight(s0 + 1) = r
 *   (only when r > 0); total 2D.
 *
 * A destination pixel is the exact weighted sum over both axes, rounded once, halves up:
 *   out(x, y) = (sum_{sy, sx} wy(y, sy) * wx(x, sx) * in(sx, sy) + T / 2) / T
 * (integer division) with T = total_y * total_x, channel by channel. Hence a constant image
 * stays constant, and an image resized to its own size is an exact copy.
 *
 * The sum is computed in two exact integer passes (source rows first, then columns); no
 * intermediate rounding happens. Bounds: totals are at most 2 * 16384, so a column sum is below
 * 255 * 2^15 < 2^32 and the full sum below 255 * 2^30 < 2^64. */

typedef struct
{
  int      max_taps;   /* taps per destination index, the stride of `weights` */
  int     *first;      /* per destination index: the first source index read */
  int     *count;      /* per destination index: how many source indices are read */
  guint32 *weights;    /* per destination index: max_taps weights, `count` of them used */
  guint32  total;      /* the sum of each destination index's weights */
} AxisWeights;

static void
axis_weights_clear (AxisWeights *axis)
{
  g_free (axis->first);
  g_free (axis->count);
  g_free (axis->weights);
}

static void
axis_weights_init (AxisWeights *axis,
                   int          source_size,
                   int          destination_size)
{
  const gint64 s_size = source_size;
  const gint64 d_size = destination_size;

  if (d_size == s_size)
    {
      axis->max_taps = 1;
      axis->total = 1;
    }
  else if (d_size < s_size)
    {
      axis->max_taps = (int) ((s_size + d_size - 1) / d_size) + 1;
      axis->total = (guint32) s_size;
    }
  else
    {
      axis->max_taps = 2;
      axis->total = (guint32) (2 * d_size);
    }

  axis->first = g_new0 (int, destination_size);
  axis->count = g_new0 (int, destination_size);
  axis->weights = g_new0 (guint32, (gsize) destination_size * axis->max_taps);

  for (gint64 d = 0; d < d_size; d++)
    {
      guint32 *weights = axis->weights + d * axis->max_taps;

      if (d_size == s_size)
        {
          axis->first[d] = (int) d;
          axis->count[d] = 1;
          weights[0] = 1;
        }
      else if (d_size < s_size)
        {
          gint64 start = d * s_size;             /* in units of 1 / D source pixels */
          gint64 end = (d + 1) * s_size;
          gint64 first = start / d_size;
          gint64 last = (end - 1) / d_size;

          axis->first[d] = (int) first;
          axis->count[d] = (int) (last - first + 1);
          g_assert (axis->count[d] <= axis->max_taps);
          for (gint64 s = first; s <= last; s++)
            weights[s - first] = (guint32) (MIN ((s + 1) * d_size, end) - MAX (s * d_size, start));
        }
      else
        {
          gint64 twice_d = 2 * d_size;
          gint64 n = (2 * d + 1) * s_size - d_size;   /* x in units of 1 / (2D) */
          gint64 s0, r;

          n = CLAMP (n, 0, twice_d * (s_size - 1));
          s0 = n / twice_d;
          r = n % twice_d;
          axis->first[d] = (int) s0;
          axis->count[d] = r > 0 ? 2 : 1;
          weights[0] = (guint32) (twice_d - r);
          weights[1] = (guint32) r;
        }
    }
}

BitlensImage *
bitlens_image_resize (const BitlensImage *image,
                      int                 width,
                      int                 height)
{
  AxisWeights columns = { 0 }, rows = { 0 };
  g_autofree guint32 *column_sums = NULL;
  BitlensImage *resized;
  guint64 total, half;
  gsize source_row_bytes;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && width <= BITLENS_IMAGE_MAX_SIDE, NULL);
  g_return_val_if_fail (height > 0 && height <= BITLENS_IMAGE_MAX_SIDE, NULL);

  if (width == image->width && height == image->height)
    return bitlens_image_copy (image);

  axis_weights_init (&columns, image->width, width);
  axis_weights_init (&rows, image->height, height);
  total = (guint64) columns.total * rows.total;
  half = total / 2;

  resized = bitlens_image_new (width, height);
  source_row_bytes = (gsize) image->width * 3;
  column_sums = g_new (guint32, source_row_bytes);

  for (int y = 0; y < height; y++)
    {
      const guint32 *row_weights = rows.weights + (gsize) y * rows.max_taps;
      guint8 *out = resized->pixels + (gsize) y * width * 3;

      /* Pass 1: the weighted sum of the source rows this output row reads, per source
       * column and channel. */
      for (gsize i = 0; i < source_row_bytes; i++)
        column_sums[i] = 0;
      for (int k = 0; k < rows.count[y]; k++)
        {
          const guint8 *source = image->pixels + (gsize) (rows.first[y] + k) * source_row_bytes;
          guint32 weight = row_weights[k];

          for (gsize i = 0; i < source_row_bytes; i++)
            column_sums[i] += weight * source[i];
        }

      /* Pass 2: the weighted sum of those column sums for each output pixel. */
      for (int x = 0; x < width; x++)
        {
          const guint32 *column_weights = columns.weights + (gsize) x * columns.max_taps;

          for (int c = 0; c < 3; c++)
            {
              guint64 sum = 0;

              for (int k = 0; k < columns.count[x]; k++)
                sum += (guint64) column_weights[k] * column_sums[(gsize) (columns.first[x] + k) * 3 + c];
              out[x * 3 + c] = (guint8) ((sum + half) / total);
            }
        }
    }

  axis_weights_clear (&columns);
  axis_weights_clear (&rows);
  return resized;
}
