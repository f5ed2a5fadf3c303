/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A small FlatBuffers writer. Objects (tables, vectors, strings) are described as a tree
 * and serialized parent first: every child lands after its parent, so every uoffset is
 * positive, as the format requires. The builder owns every object made from it. */
typedef struct _FbBuilder FbBuilder;
typedef struct _FbObject  FbObject;

FbBuilder *fb_builder_new               (void);
void       fb_builder_free              (FbBuilder  *builder);

FbObject  *fb_table_new                 (FbBuilder  *builder);
/* Scalars of 1, 2, 4 or 8 bytes (little-endian); stored even when equal to the default. */
void       fb_table_add_scalar          (FbObject   *table,
                                         int         slot,
                                         int         size,
                                         guint64     value);
void       fb_table_add_float           (FbObject   *table,
                                         int         slot,
                                         float       value);
void       fb_table_add_object          (FbObject   *table,
                                         int         slot,
                                         FbObject   *child);

FbObject  *fb_string_new                (FbBuilder  *builder,
                                         const char *text);
/* A vector of scalars: n elements of element_size bytes; the data starts at a multiple of
 * alignment (>= element_size). */
FbObject  *fb_scalar_vector_new         (FbBuilder  *builder,
                                         const void *elements,
                                         gsize       n,
                                         int         element_size,
                                         int         alignment);
/* A vector of tables or strings. */
FbObject  *fb_object_vector_new         (FbBuilder  *builder);
void       fb_object_vector_append      (FbObject   *vector,
                                         FbObject   *child);
guint      fb_object_vector_length      (FbObject   *vector);

/* Serializes with root as the root table and a 4-byte file identifier. */
GBytes    *fb_builder_finish            (FbBuilder  *builder,
                                         FbObject   *root,
                                         const char *identifier);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FbBuilder, fb_builder_free)

G_END_DECLS
