/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "flexbuffer-builder.h"

enum
{
  FLEX_TYPE_INT = 1,
  FLEX_TYPE_MAP = 9,
};

static int
width_code (int width)
{
  return width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;
}

static gboolean
fits_signed (gint64 value,
             int    width)
{
  if (width >= 8)
    return TRUE;
  gint64 limit = G_GINT64_CONSTANT (1) << (8 * width - 1);
  return value >= -limit && value < limit;
}

static gboolean
fits_unsigned (guint64 value,
               int     width)
{
  return width >= 8 || value < (G_GUINT64_CONSTANT (1) << (8 * width));
}

static void
put (GByteArray *out,
     guint64     value,
     int         width)
{
  for (int i = 0; i < width; i++)
    {
      guint8 byte = (guint8) (value >> (8 * i));
      g_byte_array_append (out, &byte, 1);
    }
}

static void
pad_to (GByteArray *out,
        int         alignment)
{
  while (out->len % alignment != 0)
    put (out, 0, 1);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (((const FlexIntEntry *) a)->key, ((const FlexIntEntry *) b)->key);
}

/* Lays the buffer out with every element `width` bytes wide; FALSE when a value or an
 * offset does not fit. */
static gboolean
build_with_width (const FlexIntEntry *sorted,
                  gsize               n,
                  int                 width,
                  GByteArray         *out)
{
  g_autofree gsize *key_positions = g_new (gsize, MAX (n, 1));
  gsize keys_vector, map, root_field;
  int root_width;

  for (gsize i = 0; i < n; i++)
    {
      if (!fits_signed (sorted[i].value, width))
        return FALSE;
      key_positions[i] = out->len;
      g_byte_array_append (out, (const guint8 *) sorted[i].key, strlen (sorted[i].key) + 1);
    }

  /* The keys: a typed vector of KEY, each an offset back to its string. */
  pad_to (out, width);
  put (out, n, width);
  keys_vector = out->len;
  for (gsize i = 0; i < n; i++)
    {
      guint64 offset = out->len - key_positions[i];
      if (!fits_unsigned (offset, width))
        return FALSE;
      put (out, offset, width);
    }

  /* The map: keys offset, keys byte width, length, values, then one type byte each. */
  pad_to (out, width);
  if (!fits_unsigned (out->len - keys_vector, width))
    return FALSE;
  put (out, out->len - keys_vector, width);
  put (out, width, width);
  put (out, n, width);
  map = out->len;
  for (gsize i = 0; i < n; i++)
    put (out, (guint64) sorted[i].value, width);
  for (gsize i = 0; i < n; i++)
    put (out, (FLEX_TYPE_INT << 2) | width_code (width), 1);

  /* The root: an offset back to the map, its packed type, its byte width. */
  for (root_width = 1; root_width < 8; root_width *= 2)
    {
      gsize aligned = (out->len + root_width - 1) / root_width * root_width;
      if (fits_unsigned (aligned - map, root_width))
        break;
    }
  pad_to (out, root_width);
  root_field = out->len;
  put (out, root_field - map, root_width);
  put (out, (FLEX_TYPE_MAP << 2) | width_code (width), 1);
  put (out, root_width, 1);
  return TRUE;
}

GBytes *
flexbuffer_build_int_map (const FlexIntEntry *entries,
                          gsize               n_entries)
{
  g_autofree FlexIntEntry *sorted = g_memdup2 (entries, sizeof (FlexIntEntry) * MAX (n_entries, 1));

  qsort (sorted, n_entries, sizeof (FlexIntEntry), compare_entries);
  for (int width = 1; width <= 8; width *= 2)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      if (build_with_width (sorted, n_entries, width, out))
        return g_byte_array_free_to_bytes (g_steal_pointer (&out));
    }
  g_assert_not_reached ();
}
