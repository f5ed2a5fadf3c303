/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens-model-private.h"

G_BEGIN_DECLS

/* Builds small models in memory for kernel tests, without a .tflite file. */

typedef struct
{
  BitlensTensorType  type;
  int                rank;
  int                shape[BITLENS_MAX_RANK];
  int                n_scales;            /* 0: not quantized */
  const float       *scales;
  const gint64      *zero_points;
  int                quantized_dimension;
  const void        *data;                /* constant contents (copied), or NULL */
} TestTensorSpec;

BitlensModel *test_model_new        (void);
/* Returns the new tensor's index. */
int           test_model_add_tensor (BitlensModel           *model,
                                     const char             *name,
                                     const TestTensorSpec   *spec);
/* Shorthand for a per-tensor quantized or float activation. */
int           test_model_add_activation (BitlensModel       *model,
                                     const char             *name,
                                     BitlensTensorType       type,
                                     int                     rank,
                                     const int              *shape,
                                     float                   scale,
                                     int                     zero_point);
void          test_model_add_op     (BitlensModel           *model,
                                     BitlensOpKind           kind,
                                     int                     n_inputs,
                                     const int              *inputs,
                                     int                     n_outputs,
                                     const int              *outputs,
                                     const BitlensOpOptions *options);   /* NULL: defaults */
/* Model inputs and outputs; then prepares every op. */
gboolean      test_model_finish     (BitlensModel           *model,
                                     int                     n_inputs,
                                     const int              *inputs,
                                     int                     n_outputs,
                                     const int              *outputs,
                                     GError                **error);

G_END_DECLS
