/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "flatbuffer.h"

/* Work allowed per byte of file, plus a constant for tiny files. A well-formed file
 * needs less than one unit per two bytes: each table and each element costs one. */
#define WORK_PER_BYTE  8
#define WORK_BASE      (1 << 20)

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

static gint64
sign_extend (guint64 value,
             guint   width)
{
  if (width >= 8)
    return (gint64) value;
  guint shift = 64 - 8 * width;
  return (gint64) (value << shift) >> shift;
}

/* TRUE when [position, position + n_bytes) lies inside the buffer. */
static gboolean
range_is_inside (const FlatbufferReader *reader,
                 gsize                   position,
                 gsize                   n_bytes)
{
  return position <= reader->size && n_bytes <= reader->size - position;
}

static gboolean
charge_work (FlatbufferReader  *reader,
             guint64            units,
             GError           **error)
{
  if (units > reader->work_left)
    {
      reader->work_left = 0;
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the file needs more work to read than its size allows (a corrupt or hostile file shares tables or vectors in a loop)"));
      return FALSE;
    }
  reader->work_left -= units;
  return TRUE;
}

void
flatbuffer_reader_init (FlatbufferReader *reader,
                        const guint8     *data,
                        gsize             size)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (data != NULL || size == 0);

  reader->data = data;
  reader->size = size;
  reader->work_left = (guint64) size * WORK_PER_BYTE + WORK_BASE;
}

/* Verifies the table whose vtable offset sits at position. */
static gboolean
table_at (FlatbufferReader  *reader,
          gsize              position,
          guint              depth,
          FlatbufferTable   *table,
          GError           **error)
{
  gint64 vtable;
  guint vtable_bytes, table_bytes;

  if (depth > FLATBUFFER_MAX_DEPTH)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("tables nest deeper than %d levels"), FLATBUFFER_MAX_DEPTH);
      return FALSE;
    }
  if (!charge_work (reader, 1, error))
    return FALSE;
  if (!range_is_inside (reader, position, 4))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("table at byte %zu runs past the end of the file"), position);
      return FALSE;
    }
  if (position % 4 != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("table at byte %zu is not 4-byte aligned"), position);
      return FALSE;
    }

  vtable = (gint64) position - sign_extend (read_le (reader->data, position, 4), 4);
  if (vtable < 0 || !range_is_inside (reader, (gsize) vtable, 4))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("vtable of the table at byte %zu lies outside the file"), position);
      return FALSE;
    }
  if (vtable % 2 != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("vtable of the table at byte %zu is not 2-byte aligned"), position);
      return FALSE;
    }
  vtable_bytes = (guint) read_le (reader->data, (gsize) vtable, 2);
  table_bytes = (guint) read_le (reader->data, (gsize) vtable + 2, 2);
  if (vtable_bytes < 4 || vtable_bytes % 2 != 0 || !range_is_inside (reader, (gsize) vtable, vtable_bytes))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("vtable of the table at byte %zu has an invalid size (%u bytes)"),
                   position, vtable_bytes);
      return FALSE;
    }
  if (table_bytes < 4 || !range_is_inside (reader, position, table_bytes))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("table at byte %zu (%u bytes) runs past the end of the file"),
                   position, table_bytes);
      return FALSE;
    }

  *table = (FlatbufferTable) {
    .reader = reader,
    .position = position,
    .vtable = (gsize) vtable,
    .vtable_bytes = vtable_bytes,
    .table_bytes = table_bytes,
    .depth = depth,
  };
  return TRUE;
}

gboolean
flatbuffer_reader_get_root (FlatbufferReader  *reader,
                            const char        *identifier,
                            FlatbufferTable   *root,
                            GError           **error)
{
  gsize root_position;

  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (root != NULL, FALSE);

  if (reader->size < 8)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the file is too short (%zu bytes) to hold a FlatBuffer"), reader->size);
      return FALSE;
    }
  if (identifier != NULL && memcmp (reader->data + 4, identifier, 4) != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("the file identifier is not \"%.4s\" (not a TensorFlow Lite model)"), identifier);
      return FALSE;
    }
  root_position = (gsize) read_le (reader->data, 0, 4);
  if (!table_at (reader, root_position, 0, root, error))
    {
      g_prefix_error (error, _("root table: "));
      return FALSE;
    }
  return TRUE;
}

/* Position of the field in slot, or 0 when it is absent. The field must hold width bytes
 * inside its table and be aligned to align. */
static gboolean
field_position (const FlatbufferTable  *table,
                guint                   slot,
                const char             *name,
                guint                   width,
                guint                   align,
                gsize                  *position,
                GError                **error)
{
  gsize entry = 4 + 2 * (gsize) slot;
  guint offset;

  *position = 0;
  if (entry + 2 > table->vtable_bytes)
    return TRUE;
  offset = (guint) read_le (table->reader->data, table->vtable + entry, 2);
  if (offset == 0)
    return TRUE;
  if (offset < 4 || offset + width > table->table_bytes)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' lies outside its table"), name);
      return FALSE;
    }
  if ((table->position + offset) % align != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' is not %u-byte aligned"), name, align);
      return FALSE;
    }
  *position = table->position + offset;
  return TRUE;
}

gboolean
flatbuffer_table_has_field (const FlatbufferTable *table,
                            guint                  slot)
{
  gsize entry = 4 + 2 * (gsize) slot;

  g_return_val_if_fail (table != NULL, FALSE);
  return entry + 2 <= table->vtable_bytes
         && read_le (table->reader->data, table->vtable + entry, 2) != 0;
}

static gboolean
get_scalar (const FlatbufferTable  *table,
            guint                   slot,
            const char             *name,
            guint                   width,
            gboolean               *present,
            guint64                *bits,
            GError                **error)
{
  gsize position;

  g_assert (width == 1 || width == 2 || width == 4 || width == 8);
  if (!field_position (table, slot, name, width, width, &position, error))
    return FALSE;
  *present = position != 0;
  if (*present)
    *bits = read_le (table->reader->data, position, width);
  return TRUE;
}

gboolean
flatbuffer_table_get_int (const FlatbufferTable  *table,
                          guint                   slot,
                          const char             *name,
                          guint                   width,
                          gint64                  default_value,
                          gint64                 *value,
                          GError                **error)
{
  gboolean present = FALSE;
  guint64 bits = 0;

  if (!get_scalar (table, slot, name, width, &present, &bits, error))
    return FALSE;
  *value = present ? sign_extend (bits, width) : default_value;
  return TRUE;
}

gboolean
flatbuffer_table_get_uint (const FlatbufferTable  *table,
                           guint                   slot,
                           const char             *name,
                           guint                   width,
                           guint64                 default_value,
                           guint64                *value,
                           GError                **error)
{
  gboolean present = FALSE;
  guint64 bits = 0;

  if (!get_scalar (table, slot, name, width, &present, &bits, error))
    return FALSE;
  *value = present ? bits : default_value;
  return TRUE;
}

gboolean
flatbuffer_table_get_float (const FlatbufferTable  *table,
                            guint                   slot,
                            const char             *name,
                            float                   default_value,
                            float                  *value,
                            GError                **error)
{
  gboolean present = FALSE;
  guint64 bits = 0;

  if (!get_scalar (table, slot, name, 4, &present, &bits, error))
    return FALSE;
  if (present)
    {
      guint32 bits32 = (guint32) bits;
      memcpy (value, &bits32, sizeof *value);
    }
  else
    *value = default_value;
  return TRUE;
}

/* Follows the uoffset stored at position; *target is where it points. */
static gboolean
follow_offset (const FlatbufferReader  *reader,
               gsize                    position,
               const char              *name,
               gsize                   *target,
               GError                 **error)
{
  guint64 offset = read_le (reader->data, position, 4);

  if (offset > reader->size - position)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("'%s' points past the end of the file"), name);
      return FALSE;
    }
  *target = position + (gsize) offset;
  return TRUE;
}

gboolean
flatbuffer_table_get_table (const FlatbufferTable  *table,
                            guint                   slot,
                            const char             *name,
                            FlatbufferTable        *child,
                            gboolean               *present,
                            GError                **error)
{
  gsize position, target;

  *present = FALSE;
  if (!field_position (table, slot, name, 4, 4, &position, error))
    return FALSE;
  if (position == 0)
    return TRUE;
  if (!follow_offset (table->reader, position, name, &target, error))
    return FALSE;
  if (!table_at (table->reader, target, table->depth + 1, child, error))
    {
      g_prefix_error (error, _("field '%s': "), name);
      return FALSE;
    }
  *present = TRUE;
  return TRUE;
}

/* Verifies the vector (or string, with terminated) whose length prefix sits at target. */
static gboolean
vector_at (FlatbufferReader  *reader,
           gsize              target,
           const char        *name,
           gsize              element_size,
           gboolean           terminated,
           guint              depth,
           FlatbufferVector  *vector,
           GError           **error)
{
  const char *what = terminated ? _("string") : _("vector");
  gsize n_bytes;
  guint32 length;

  if (depth > FLATBUFFER_MAX_DEPTH)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("tables nest deeper than %d levels"), FLATBUFFER_MAX_DEPTH);
      return FALSE;
    }
  if (!range_is_inside (reader, target, 4))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' %s runs past the end of the file"), name, what);
      return FALSE;
    }
  if (target % 4 != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' %s is not 4-byte aligned"), name, what);
      return FALSE;
    }
  length = (guint32) read_le (reader->data, target, 4);
  if (!g_size_checked_mul (&n_bytes, length, element_size)
      || !range_is_inside (reader, target + 4, n_bytes)
      || (terminated && !range_is_inside (reader, target + 4, n_bytes + 1)))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' %s runs past the end of the file"), name, what);
      return FALSE;
    }
  if (terminated && reader->data[target + 4 + n_bytes] != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_INVALID,
                   _("field '%s' string is not terminated"), name);
      return FALSE;
    }
  /* Byte vectors are blobs read in one piece; wider elements are visited one by one. */
  if (!charge_work (reader, 1 + (element_size > 1 ? length : 0), error))
    return FALSE;

  *vector = (FlatbufferVector) {
    .reader = reader,
    .present = TRUE,
    .elements = target + 4,
    .length = length,
    .element_size = element_size,
    .depth = depth,
  };
  return TRUE;
}

gboolean
flatbuffer_table_get_vector (const FlatbufferTable  *table,
                             guint                   slot,
                             const char             *name,
                             gsize                   element_size,
                             FlatbufferVector       *vector,
                             GError                **error)
{
  gsize position, target;

  g_return_val_if_fail (element_size > 0, FALSE);

  *vector = (FlatbufferVector) { .reader = table->reader, .element_size = element_size,
                                 .depth = table->depth + 1 };
  if (!field_position (table, slot, name, 4, 4, &position, error))
    return FALSE;
  if (position == 0)
    return TRUE;
  if (!follow_offset (table->reader, position, name, &target, error))
    return FALSE;
  return vector_at (table->reader, target, name, element_size, FALSE, table->depth + 1, vector, error);
}

static gboolean
string_at (FlatbufferReader  *reader,
           gsize              target,
           const char        *name,
           guint              depth,
           const char       **string,
           gsize             *length,
           GError           **error)
{
  FlatbufferVector bytes;

  if (!vector_at (reader, target, name, 1, TRUE, depth, &bytes, error))
    return FALSE;
  *string = (const char *) reader->data + bytes.elements;
  if (length != NULL)
    *length = bytes.length;
  return TRUE;
}

gboolean
flatbuffer_table_get_string (const FlatbufferTable  *table,
                             guint                   slot,
                             const char             *name,
                             const char            **string,
                             gsize                  *length,
                             GError                **error)
{
  gsize position, target;

  *string = NULL;
  if (length != NULL)
    *length = 0;
  if (!field_position (table, slot, name, 4, 4, &position, error))
    return FALSE;
  if (position == 0)
    return TRUE;
  if (!follow_offset (table->reader, position, name, &target, error))
    return FALSE;
  return string_at (table->reader, target, name, table->depth + 1, string, length, error);
}

gboolean
flatbuffer_table_get_union (const FlatbufferTable  *table,
                            guint                   type_slot,
                            const char             *name,
                            guint8                 *type,
                            FlatbufferTable        *value,
                            gboolean               *present,
                            GError                **error)
{
  g_autofree char *type_name = g_strconcat (name, "_type", NULL);
  guint64 type_value;

  *type = 0;
  *present = FALSE;
  if (!flatbuffer_table_get_uint (table, type_slot, type_name, 1, 0, &type_value, error))
    return FALSE;
  if (type_value == 0)
    return TRUE;
  if (!flatbuffer_table_get_table (table, type_slot + 1, name, value, present, error))
    return FALSE;
  *type = (guint8) type_value;
  return TRUE;
}

static gsize
element_position (const FlatbufferVector *vector,
                  guint                   index)
{
  g_assert (index < vector->length);
  return vector->elements + (gsize) index * vector->element_size;
}

gboolean
flatbuffer_vector_get_table (const FlatbufferVector  *vector,
                             guint                    index,
                             FlatbufferTable         *table,
                             GError                 **error)
{
  gsize target;

  g_assert (vector->element_size == 4);
  if (!follow_offset (vector->reader, element_position (vector, index), _("element"), &target, error))
    return FALSE;
  return table_at (vector->reader, target, vector->depth + 1, table, error);
}

gboolean
flatbuffer_vector_get_string (const FlatbufferVector  *vector,
                              guint                    index,
                              const char             **string,
                              gsize                   *length,
                              GError                 **error)
{
  gsize target;

  g_assert (vector->element_size == 4);
  if (!follow_offset (vector->reader, element_position (vector, index), _("element"), &target, error))
    return FALSE;
  return string_at (vector->reader, target, _("element"), vector->depth + 1, string, length, error);
}

gint32
flatbuffer_vector_get_int32 (const FlatbufferVector *vector,
                             guint                   index)
{
  g_assert (vector->element_size == 4);
  return (gint32) read_le (vector->reader->data, element_position (vector, index), 4);
}

gint64
flatbuffer_vector_get_int64 (const FlatbufferVector *vector,
                             guint                   index)
{
  g_assert (vector->element_size == 8);
  return (gint64) read_le (vector->reader->data, element_position (vector, index), 8);
}

float
flatbuffer_vector_get_float32 (const FlatbufferVector *vector,
                               guint                   index)
{
  guint32 bits;
  float value;

  g_assert (vector->element_size == 4);
  bits = (guint32) read_le (vector->reader->data, element_position (vector, index), 4);
  memcpy (&value, &bits, sizeof value);
  return value;
}

const guint8 *
flatbuffer_vector_get_data (const FlatbufferVector *vector)
{
  return vector->reader->data + vector->elements;
}
