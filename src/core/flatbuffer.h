/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A verifying accessor layer over the bytes of a FlatBuffer. Every offset, length, vtable,
 * alignment and string terminator is checked before it is used; errors are
 * BITLENS_ERROR_MODEL_INVALID and name the field. Callers add where they are (table and
 * index) with g_prefix_error ().
 *
 * Hostile files cannot hang the reader: tables nest at most FLATBUFFER_MAX_DEPTH deep, and
 * every table and every element of a vector of tables, strings or scalars wider than a
 * byte is charged against a work budget proportional to the file size. */

#define FLATBUFFER_MAX_DEPTH 32

typedef struct
{
  const guint8 *data;
  gsize         size;
  guint64       work_left;
} FlatbufferReader;

typedef struct
{
  FlatbufferReader *reader;
  gsize             position;       /* of the table's vtable offset */
  gsize             vtable;         /* of the vtable */
  guint             vtable_bytes;
  guint             table_bytes;    /* inline size of the table, from its vtable */
  guint             depth;
} FlatbufferTable;

typedef struct
{
  FlatbufferReader *reader;
  gboolean          present;
  gsize             elements;       /* position of element 0 */
  guint32           length;
  gsize             element_size;
  guint             depth;
} FlatbufferVector;

void          flatbuffer_reader_init      (FlatbufferReader       *reader,
                                           const guint8           *data,
                                           gsize                   size);
/* The root table; identifier (4 characters, or NULL) must follow the root offset. */
gboolean      flatbuffer_reader_get_root  (FlatbufferReader       *reader,
                                           const char             *identifier,
                                           FlatbufferTable        *root,
                                           GError                **error);

gboolean      flatbuffer_table_has_field  (const FlatbufferTable  *table,
                                           guint                   slot);
/* Scalars of width 1, 2, 4 or 8 bytes; absent fields give default_value. */
gboolean      flatbuffer_table_get_int    (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           guint                   width,
                                           gint64                  default_value,
                                           gint64                 *value,
                                           GError                **error);
gboolean      flatbuffer_table_get_uint   (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           guint                   width,
                                           guint64                 default_value,
                                           guint64                *value,
                                           GError                **error);
gboolean      flatbuffer_table_get_float  (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           float                   default_value,
                                           float                  *value,
                                           GError                **error);
/* *present is FALSE (and child untouched) when the field is absent. */
gboolean      flatbuffer_table_get_table  (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           FlatbufferTable        *child,
                                           gboolean               *present,
                                           GError                **error);
/* An absent vector reads as an empty one with present FALSE. */
gboolean      flatbuffer_table_get_vector (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           gsize                   element_size,
                                           FlatbufferVector       *vector,
                                           GError                **error);
/* *string is NULL when absent; otherwise NUL-terminated and *length bytes long. */
gboolean      flatbuffer_table_get_string (const FlatbufferTable  *table,
                                           guint                   slot,
                                           const char             *name,
                                           const char            **string,
                                           gsize                  *length,
                                           GError                **error);
/* A union: the u8 type in type_slot, the table in type_slot + 1. *type is 0 (NONE) and
 * *present FALSE when there is none. */
gboolean      flatbuffer_table_get_union  (const FlatbufferTable  *table,
                                           guint                   type_slot,
                                           const char             *name,
                                           guint8                 *type,
                                           FlatbufferTable        *value,
                                           gboolean               *present,
                                           GError                **error);

gboolean      flatbuffer_vector_get_table  (const FlatbufferVector *vector,
                                            guint                   index,
                                            FlatbufferTable        *table,
                                            GError                **error);
gboolean      flatbuffer_vector_get_string (const FlatbufferVector *vector,
                                            guint                   index,
                                            const char            **string,
                                            gsize                  *length,
                                            GError                **error);
/* Elements of a verified vector of scalars (index < length). */
gint32        flatbuffer_vector_get_int32   (const FlatbufferVector *vector,
                                             guint                   index);
gint64        flatbuffer_vector_get_int64   (const FlatbufferVector *vector,
                                             guint                   index);
float         flatbuffer_vector_get_float32 (const FlatbufferVector *vector,
                                             guint                   index);
const guint8 *flatbuffer_vector_get_data    (const FlatbufferVector *vector);

G_END_DECLS
