/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A verifying reader for the root map of a FlexBuffer (the custom_options of LCE ops):
 * string keys to integer values of any byte width (8, 16, 32 or 64 bits). Every offset,
 * width, length and key terminator is checked before use; errors are
 * BITLENS_ERROR_MODEL_INVALID. */

typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         values;        /* position of value 0 */
  guint         value_width;   /* bytes per value: 1, 2, 4 or 8 */
  gsize         length;        /* number of entries */
  gsize         keys;          /* position of key offset 0 */
  guint         key_width;     /* bytes per key offset */
} FlexbufferMap;

/* The root of data must be a map. */
gboolean flexbuffer_map_init      (FlexbufferMap        *map,
                                   const guint8         *data,
                                   gsize                 size,
                                   GError              **error);
/* Looks key up (keys are sorted, as the format requires). *found is FALSE when the map
 * has no such key. INT, UINT and BOOL values (inline or indirect) are accepted; other
 * types, and UINT values above G_MAXINT64, are errors. */
gboolean flexbuffer_map_lookup_int (const FlexbufferMap *map,
                                    const char          *key,
                                    gboolean            *found,
                                    gint64              *value,
                                    GError             **error);

G_END_DECLS
