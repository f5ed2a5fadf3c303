/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-model.h"

G_BEGIN_DECLS

/* Writes .tflite flatbuffers: one subgraph, builtin ops with their options tables and LCE
 * custom ops with FlexBuffers options. For synthetic test models and the trainer. */
typedef struct _BitlensTfliteWriter BitlensTfliteWriter;

typedef struct
{
  BitlensTensorType  type;
  int                rank;
  const int         *shape;
  const void        *data;                 /* constant contents (n_bytes), or NULL */
  gsize              n_bytes;
  int                n_scales;             /* 0: not quantized */
  const float       *scales;
  const gint64      *zero_points;
  int                quantized_dimension;
} BitlensTfliteTensorSpec;

BitlensTfliteWriter *bitlens_tflite_writer_new             (void);
void                 bitlens_tflite_writer_free            (BitlensTfliteWriter           *writer);
/* Returns the tensor index. */
int                  bitlens_tflite_writer_add_tensor      (BitlensTfliteWriter           *writer,
                                                            const char                    *name,
                                                            const BitlensTfliteTensorSpec *spec);
void                 bitlens_tflite_writer_add_op          (BitlensTfliteWriter           *writer,
                                                            BitlensOpKind                  kind,
                                                            int                            n_inputs,
                                                            const int                     *inputs,
                                                            int                            n_outputs,
                                                            const int                     *outputs,
                                                            const BitlensOpOptions        *options);
void                 bitlens_tflite_writer_set_io          (BitlensTfliteWriter           *writer,
                                                            int                            n_inputs,
                                                            const int                     *inputs,
                                                            int                            n_outputs,
                                                            const int                     *outputs);
void                 bitlens_tflite_writer_set_description (BitlensTfliteWriter           *writer,
                                                            const char                    *description);
/* The file's bytes. The writer can be freed afterwards. */
GBytes              *bitlens_tflite_writer_finish          (BitlensTfliteWriter           *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensTfliteWriter, bitlens_tflite_writer_free)

G_END_DECLS
