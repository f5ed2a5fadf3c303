/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include "flatbuffer-builder.h"

typedef enum
{
  FB_TABLE,
  FB_SCALAR_VECTOR,     /* and strings: bytes with a length prefix */
  FB_OBJECT_VECTOR,
} FbKind;

typedef struct
{
  int       slot;
  int       size;      /* scalar bytes; 4 for an offset */
  guint64   value;
  FbObject *child;     /* non-NULL for an offset field */
} FbField;

struct _FbObject
{
  FbKind      kind;
  GArray     *fields;      /* FB_TABLE: FbField */
  GByteArray *bytes;       /* FB_SCALAR_VECTOR: element bytes (strings: with the NUL) */
  gsize       length;      /* FB_SCALAR_VECTOR: element count written in the prefix */
  int         alignment;
  GPtrArray  *children;    /* FB_OBJECT_VECTOR */
};

struct _FbBuilder
{
  GPtrArray  *objects;     /* owns every FbObject */
  GByteArray *out;
};

static void
fb_object_free (gpointer data)
{
  FbObject *object = data;

  g_clear_pointer (&object->fields, g_array_unref);
  g_clear_pointer (&object->bytes, g_byte_array_unref);
  g_clear_pointer (&object->children, g_ptr_array_unref);
  g_free (object);
}

FbBuilder *
fb_builder_new (void)
{
  FbBuilder *builder = g_new0 (FbBuilder, 1);

  builder->objects = g_ptr_array_new_with_free_func (fb_object_free);
  return builder;
}

void
fb_builder_free (FbBuilder *builder)
{
  if (builder == NULL)
    return;
  g_ptr_array_unref (builder->objects);
  g_clear_pointer (&builder->out, g_byte_array_unref);
  g_free (builder);
}

static FbObject *
fb_object_new (FbBuilder *builder,
               FbKind     kind)
{
  FbObject *object = g_new0 (FbObject, 1);

  object->kind = kind;
  g_ptr_array_add (builder->objects, object);
  return object;
}

FbObject *
fb_table_new (FbBuilder *builder)
{
  FbObject *table = fb_object_new (builder, FB_TABLE);

  table->fields = g_array_new (FALSE, FALSE, sizeof (FbField));
  return table;
}

void
fb_table_add_scalar (FbObject *table,
                     int       slot,
                     int       size,
                     guint64   value)
{
  FbField field = { slot, size, value, NULL };

  g_assert (table->kind == FB_TABLE);
  g_assert (size == 1 || size == 2 || size == 4 || size == 8);
  g_array_append_val (table->fields, field);
}

void
fb_table_add_float (FbObject *table,
                    int       slot,
                    float     value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  fb_table_add_scalar (table, slot, 4, bits);
}

void
fb_table_add_object (FbObject *table,
                     int       slot,
                     FbObject *child)
{
  FbField field = { slot, 4, 0, child };

  g_assert (table->kind == FB_TABLE);
  g_assert (child != NULL);
  g_array_append_val (table->fields, field);
}

FbObject *
fb_scalar_vector_new (FbBuilder  *builder,
                      const void *elements,
                      gsize       n,
                      int         element_size,
                      int         alignment)
{
  FbObject *vector = fb_object_new (builder, FB_SCALAR_VECTOR);

  vector->bytes = g_byte_array_new ();
  if (n > 0)
    g_byte_array_append (vector->bytes, elements, n * element_size);
  vector->length = n;
  vector->alignment = MAX (MAX (alignment, element_size), 4);
  return vector;
}

FbObject *
fb_string_new (FbBuilder  *builder,
               const char *text)
{
  gsize length = strlen (text);
  FbObject *string = fb_scalar_vector_new (builder, text, length, 1, 4);

  g_byte_array_append (string->bytes, (const guint8 *) "", 1);
  return string;
}

FbObject *
fb_object_vector_new (FbBuilder *builder)
{
  FbObject *vector = fb_object_new (builder, FB_OBJECT_VECTOR);

  vector->children = g_ptr_array_new ();
  return vector;
}

void
fb_object_vector_append (FbObject *vector,
                         FbObject *child)
{
  g_assert (vector->kind == FB_OBJECT_VECTOR);
  g_ptr_array_add (vector->children, child);
}

guint
fb_object_vector_length (FbObject *vector)
{
  g_assert (vector->kind == FB_OBJECT_VECTOR);
  return vector->children->len;
}

/* Output helpers. */

static void
pad_to (GByteArray *out,
        gsize       alignment)
{
  static const guint8 zeros[16] = { 0 };

  while (out->len % alignment != 0)
    g_byte_array_append (out, zeros, 1);
}

static gsize
reserve (GByteArray *out,
         gsize       n)
{
  gsize position = out->len;

  g_byte_array_set_size (out, out->len + n);
  memset (out->data + position, 0, n);
  return position;
}

static void
put (GByteArray *out,
     gsize       position,
     guint64     value,
     int         size)
{
  for (int i = 0; i < size; i++)
    out->data[position + i] = (guint8) (value >> (8 * i));
}

static gsize serialize (FbBuilder *builder, FbObject *object);

static void
link_offset (FbBuilder *builder,
             gsize      field_position,
             FbObject  *child)
{
  gsize child_position = serialize (builder, child);

  g_assert (child_position > field_position);
  put (builder->out, field_position, child_position - field_position, 4);
}

static gsize
serialize_table (FbBuilder *builder,
                 FbObject  *table)
{
  GByteArray *out = builder->out;
  int max_slot = -1;
  gsize table_size = 4, vtable_position, table_position;
  g_autofree gsize *field_offsets = g_new0 (gsize, table->fields->len);
  g_autofree guint16 *slot_offsets = NULL;

  /* Lay out the fields after the soffset, each at its natural alignment. */
  for (guint i = 0; i < table->fields->len; i++)
    {
      const FbField *field = &g_array_index (table->fields, FbField, i);
      table_size = (table_size + field->size - 1) / field->size * field->size;
      field_offsets[i] = table_size;
      table_size += field->size;
      max_slot = MAX (max_slot, field->slot);
    }

  slot_offsets = g_new0 (guint16, max_slot + 1);
  for (guint i = 0; i < table->fields->len; i++)
    slot_offsets[g_array_index (table->fields, FbField, i).slot] = (guint16) field_offsets[i];

  pad_to (out, 2);
  vtable_position = reserve (out, 4 + 2 * (max_slot + 1));
  put (out, vtable_position, 4 + 2 * (max_slot + 1), 2);
  put (out, vtable_position + 2, table_size, 2);
  for (int slot = 0; slot <= max_slot; slot++)
    put (out, vtable_position + 4 + 2 * slot, slot_offsets[slot], 2);

  pad_to (out, 8);
  table_position = reserve (out, table_size);
  put (out, table_position, table_position - vtable_position, 4);
  for (guint i = 0; i < table->fields->len; i++)
    {
      const FbField *field = &g_array_index (table->fields, FbField, i);
      if (field->child == NULL)
        put (out, table_position + field_offsets[i], field->value, field->size);
    }
  for (guint i = 0; i < table->fields->len; i++)
    {
      const FbField *field = &g_array_index (table->fields, FbField, i);
      if (field->child != NULL)
        link_offset (builder, table_position + field_offsets[i], field->child);
    }
  return table_position;
}

static gsize
serialize (FbBuilder *builder,
           FbObject  *object)
{
  GByteArray *out = builder->out;
  gsize position;

  switch (object->kind)
    {
    case FB_TABLE:
      return serialize_table (builder, object);

    case FB_SCALAR_VECTOR:
      /* The elements (after the 4-byte length) start on the alignment. */
      while ((out->len + 4) % object->alignment != 0)
        reserve (out, 1);
      position = reserve (out, 4);
      put (out, position, object->length, 4);
      g_byte_array_append (out, object->bytes->data, object->bytes->len);
      return position;

    case FB_OBJECT_VECTOR:
      pad_to (out, 4);
      position = reserve (out, 4 + 4 * object->children->len);
      put (out, position, object->children->len, 4);
      for (guint i = 0; i < object->children->len; i++)
        link_offset (builder, position + 4 + 4 * i, g_ptr_array_index (object->children, i));
      return position;

    default:
      g_assert_not_reached ();
    }
}

GBytes *
fb_builder_finish (FbBuilder  *builder,
                   FbObject   *root,
                   const char *identifier)
{
  g_assert (strlen (identifier) == 4);

  builder->out = g_byte_array_new ();
  reserve (builder->out, 8);
  memcpy (builder->out->data + 4, identifier, 4);
  link_offset (builder, 0, root);
  pad_to (builder->out, 16);
  return g_byte_array_free_to_bytes (g_steal_pointer (&builder->out));
}
