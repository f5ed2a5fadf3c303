/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens-op.h"
#include "bitlens-tensor.h"

G_BEGIN_DECLS

/* An immutable model: tensors, ops (with their prepared constants) and the file's bytes.
 * Reference counted and safe to share between threads. */
typedef struct _BitlensModel BitlensModel;

typedef struct
{
  guint64 parameter_bytes;   /* bytes of constant tensors */
  guint64 parameters;        /* elements of constant tensors (packed words count 32) */
  guint64 macs;              /* multiply-accumulates of non-binary ops per inference */
  guint64 binary_ops;        /* binary multiply-accumulates (XNOR-popcount) per inference */
} BitlensModelCost;

GType                bitlens_model_get_type          (void) G_GNUC_CONST;
BitlensModel        *bitlens_model_new_from_bytes    (GBytes        *bytes,
                                                      GError       **error);
BitlensModel        *bitlens_model_new_from_file     (const char    *path,
                                                      GError       **error);
BitlensModel        *bitlens_model_ref               (BitlensModel  *model);
void                 bitlens_model_unref             (BitlensModel  *model);

/* The file's base name when loaded from a file, otherwise "model". */
const char          *bitlens_model_get_name          (const BitlensModel *model);
const char          *bitlens_model_get_description   (const BitlensModel *model);
guint                bitlens_model_get_n_tensors     (const BitlensModel *model);
const BitlensTensor *bitlens_model_get_tensor        (const BitlensModel *model,
                                                      guint          index);
guint                bitlens_model_get_n_ops         (const BitlensModel *model);
const BitlensOp     *bitlens_model_get_op            (const BitlensModel *model,
                                                      guint          index);
guint                bitlens_model_get_n_inputs      (const BitlensModel *model);
int                  bitlens_model_get_input         (const BitlensModel *model,
                                                      guint          index);
guint                bitlens_model_get_n_outputs     (const BitlensModel *model);
int                  bitlens_model_get_output        (const BitlensModel *model,
                                                      guint          index);
void                 bitlens_model_get_cost          (const BitlensModel *model,
                                                      BitlensModelCost *cost);
/* Index of the "person" element of output 0: 1 for two-class outputs, 0 for one. */
guint                bitlens_model_get_person_index  (const BitlensModel *model);
/* TRUE when output 0 comes from LOGISTIC or SOFTMAX, so it needs no sigmoid. */
gboolean             bitlens_model_output_is_probability (const BitlensModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensModel, bitlens_model_unref)

G_END_DECLS
