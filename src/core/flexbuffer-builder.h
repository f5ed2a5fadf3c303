/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *key;
  gint64      value;
} FlexIntEntry;

/* A FlexBuffers buffer whose root is a map of INT values (LCE custom options). Keys are
 * sorted as the format requires; the narrowest byte width that holds every value and
 * offset is used, as real files do. */
GBytes *flexbuffer_build_int_map (const FlexIntEntry *entries,
                                  gsize               n_entries);

G_END_DECLS
