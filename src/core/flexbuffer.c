/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "flexbuffer.h"

/* Value types (the upper 6 bits of a packed type byte; the lower 2 bits give the byte
 * width of what an offset points at: 1 << (packed & 3)). */
enum
{
  FLEX_TYPE_INT = 1,
  FLEX_TYPE_UINT = 2,
  FLEX_TYPE_FLOAT = 3,
  FLEX_TYPE_KEY = 4,
  FLEX_TYPE_STRING = 5,
  FLEX_TYPE_INDIRECT_INT = 6,
  FLEX_TYPE_INDIRECT_UINT = 7,
  FLEX_TYPE_INDIRECT_FLOAT = 8,
  FLEX_TYPE_MAP = 9,
  FLEX_TYPE_VECTOR = 10,
  FLEX_TYPE_BLOB = 25,
  FLEX_TYPE_BOOL = 26,
};

static const char *
flex_type_name (guint type)
{
  switch (type)
    {
    case 0: return "null";
    case FLEX_TYPE_INT: return "int";
    case FLEX_TYPE_UINT: return "uint";
    case FLEX_TYPE_FLOAT: return "float";
    case FLEX_TYPE_KEY: return "key";
    case FLEX_TYPE_STRING: return "string";
    case FLEX_TYPE_INDIRECT_INT: return "indirect int";
    case FLEX_TYPE_INDIRECT_UINT: return "indirect uint";
    case FLEX_TYPE_INDIRECT_FLOAT: return "indirect float";
    case FLEX_TYPE_MAP: return "map";
    case FLEX_TYPE_VECTOR: return "vector";
    case FLEX_TYPE_BLOB: return "blob";
    case FLEX_TYPE_BOOL: return "bool";
    default: return type < 64 ? "typed vector" : "unknown";
    }
}

static gboolean
width_is_valid (guint64 width)
{
  return width == 1 || width == 2 || width == 4 || width == 8;
}

static guint64
read_le (const guint8 *data,
         gsize         position,
         guint         width)
{
  guint64 value = 0;

  for (guint i = 0; i < width; i++)
    value |= (guint64) data[position + i] << (8 * i);
  return value;
}

static gboolean
range_is_inside (gsize size,
                 gsize position,
                 gsize n_bytes)
{
  return position <= size && n_bytes <= size - position;
}

/* The position an offset stored at position (width bytes) points back to. */
static gboolean
follow_offset (const guint8  *data,
               gsize          size,
               gsize          position,
               guint          width,
               const char    *what,
               gsize         *target,
               GError       **error)
{
  guint64 offset = read_le (data, position, width);

  if (offset > position)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer %s points before the start of the custom options"), what);
      return FALSE;
    }
  *target = position - (gsize) offset;
  return TRUE;
}

gboolean
flexbuffer_map_init (FlexbufferMap  *map,
                     const guint8   *data,
                     gsize           size,
                     GError        **error)
{
  guint root_width, packed_type, width;
  gsize root, values, keys, keys_field, n_value_bytes, n_key_bytes;
  guint64 length, key_width, n_keys;

  g_return_val_if_fail (map != NULL, FALSE);

  if (size < 3)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("custom options are too short (%zu bytes) to hold a FlexBuffer"), size);
      return FALSE;
    }
  root_width = data[size - 1];
  packed_type = data[size - 2];
  if (!width_is_valid (root_width) || size < 2 + (gsize) root_width)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer root has an invalid byte width (%u)"), root_width);
      return FALSE;
    }
  if (packed_type >> 2 != FLEX_TYPE_MAP)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("custom options are a FlexBuffer %s, not a map"), flex_type_name (packed_type >> 2));
      return FALSE;
    }
  width = 1u << (packed_type & 3);
  root = size - 2 - root_width;
  if (!follow_offset (data, size, root, root_width, _("root"), &values, error))
    return FALSE;

  /* Before the values: keys offset, keys byte width, length; each `width` bytes. */
  if (values < 3 * (gsize) width || !range_is_inside (size, values, 0))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map header lies outside the custom options"));
      return FALSE;
    }
  length = read_le (data, values - width, width);
  key_width = read_le (data, values - 2 * width, width);
  keys_field = values - 3 * width;
  if (!width_is_valid (key_width))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map keys have an invalid byte width (%" PRIu64 ")"), key_width);
      return FALSE;
    }
  /* length values of width bytes, then one packed type byte per value. */
  if (length > size
      || !g_size_checked_mul (&n_value_bytes, (gsize) length, width + 1)
      || !range_is_inside (size, values, n_value_bytes))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map of %" PRIu64 " entries runs past the end of the custom options"),
                   length);
      return FALSE;
    }
  if (!follow_offset (data, size, keys_field, width, _("keys vector"), &keys, error))
    return FALSE;
  if (keys < key_width || !range_is_inside (size, keys, 0))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map keys vector lies outside the custom options"));
      return FALSE;
    }
  n_keys = read_le (data, keys - key_width, (guint) key_width);
  if (n_keys != length)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map has %" PRIu64 " values but %" PRIu64 " keys"),
                   length, n_keys);
      return FALSE;
    }
  if (!g_size_checked_mul (&n_key_bytes, (gsize) length, (gsize) key_width)
      || !range_is_inside (size, keys, n_key_bytes))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer map keys vector runs past the end of the custom options"));
      return FALSE;
    }

  *map = (FlexbufferMap) {
    .data = data,
    .size = size,
    .values = values,
    .value_width = width,
    .length = (gsize) length,
    .keys = keys,
    .key_width = (guint) key_width,
  };
  return TRUE;
}

/* strcmp (key i, wanted), reading key i only as far as needed and never past the end. */
static gboolean
compare_key (const FlexbufferMap  *map,
             gsize                 index,
             const char           *wanted,
             int                  *order,
             GError              **error)
{
  gsize entry = map->keys + index * map->key_width;
  gsize key;

  if (!follow_offset (map->data, map->size, entry, map->key_width, _("key"), &key, error))
    return FALSE;
  for (gsize i = 0;; i++)
    {
      guint8 have, want = (guint8) wanted[i];

      if (key + i >= map->size)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("FlexBuffer map key %zu is not terminated"), index);
          return FALSE;
        }
      have = map->data[key + i];
      if (have != want || want == 0)
        {
          *order = (int) have - (int) want;
          return TRUE;
        }
    }
}

static gboolean
read_int_value (const FlexbufferMap  *map,
                gsize                 index,
                const char           *key,
                gint64               *value,
                GError              **error)
{
  gsize position = map->values + index * map->value_width;
  guint packed_type = map->data[map->values + map->length * map->value_width + index];
  guint type = packed_type >> 2;
  guint width = map->value_width;
  guint64 bits;

  if (type == FLEX_TYPE_INDIRECT_INT || type == FLEX_TYPE_INDIRECT_UINT)
    {
      if (!follow_offset (map->data, map->size, position, width, _("value"), &position, error))
        return FALSE;
      width = 1u << (packed_type & 3);
      if (!range_is_inside (map->size, position, width))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("FlexBuffer value of key '%s' runs past the end of the custom options"), key);
          return FALSE;
        }
      type = type == FLEX_TYPE_INDIRECT_INT ? FLEX_TYPE_INT : FLEX_TYPE_UINT;
    }

  bits = read_le (map->data, position, width);
  switch (type)
    {
    case FLEX_TYPE_INT:
      if (width < 8)
        {
          guint shift = 64 - 8 * width;
          *value = (gint64) (bits << shift) >> shift;
        }
      else
        *value = (gint64) bits;
      return TRUE;

    case FLEX_TYPE_UINT:
    case FLEX_TYPE_BOOL:
      if (bits > G_MAXINT64)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                       _("FlexBuffer value of key '%s' is too large"), key);
          return FALSE;
        }
      *value = (gint64) bits;
      return TRUE;

    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("FlexBuffer value of key '%s' is a %s, not an integer"), key, flex_type_name (type));
      return FALSE;
    }
}

gboolean
flexbuffer_map_lookup_int (const FlexbufferMap  *map,
                           const char           *key,
                           gboolean             *found,
                           gint64               *value,
                           GError              **error)
{
  gsize low = 0, high;

  g_return_val_if_fail (map != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  *found = FALSE;
  high = map->length;
  /* Binary search: at most log2(length) bounded comparisons, whatever the bytes hold. */
  while (low < high)
    {
      gsize middle = low + (high - low) / 2;
      int order;

      if (!compare_key (map, middle, key, &order, error))
        return FALSE;
      if (order == 0)
        {
          if (!read_int_value (map, middle, key, value, error))
            return FALSE;
          *found = TRUE;
          return TRUE;
        }
      if (order < 0)
        low = middle + 1;
      else
        high = middle;
    }
  return TRUE;
}
