/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens-model.h"

G_BEGIN_DECLS

/* One interpreter per thread: it owns an arena planned by tensor lifetime. */
typedef struct _BitlensInterpreter BitlensInterpreter;

typedef enum
{
  BITLENS_INTERPRETER_DEFAULT = 0,
  /* Give every tensor its own memory so that all activations stay readable after invoke
   * (for dumps, taps after the fact and incremental recomputation). */
  BITLENS_INTERPRETER_PRESERVE_ALL = 1 << 0,
  /* Run the reference kernels even where an optimized twin exists. */
  BITLENS_INTERPRETER_FORCE_REFERENCE = 1 << 1,
} BitlensInterpreterFlags;

/* Called after each op with the op index and the op's first output tensor. */
typedef void (*BitlensTapFunc) (BitlensInterpreter *interpreter,
                                guint               op_index,
                                int                 tensor_index,
                                const void         *data,
                                gpointer            user_data);

BitlensInterpreter *bitlens_interpreter_new            (BitlensModel            *model,
                                                        BitlensInterpreterFlags  flags,
                                                        GError                 **error);
void                bitlens_interpreter_free           (BitlensInterpreter      *interpreter);
BitlensModel       *bitlens_interpreter_get_model      (BitlensInterpreter      *interpreter);
gsize               bitlens_interpreter_get_arena_bytes (BitlensInterpreter     *interpreter);

/* Memory of any non-constant tensor (constant tensors return their model data). */
void               *bitlens_interpreter_get_tensor_data (BitlensInterpreter     *interpreter,
                                                         int                     tensor_index);
void               *bitlens_interpreter_get_input_data (BitlensInterpreter      *interpreter,
                                                        guint                    index);
const void         *bitlens_interpreter_get_output_data (BitlensInterpreter     *interpreter,
                                                         guint                   index);
/* Copies exactly n_bytes into input 0; a size mismatch is an error. */
gboolean            bitlens_interpreter_set_input_bytes (BitlensInterpreter     *interpreter,
                                                         const void             *bytes,
                                                         gsize                   n_bytes,
                                                         GError                **error);
void                bitlens_interpreter_set_tap        (BitlensInterpreter      *interpreter,
                                                        BitlensTapFunc           tap,
                                                        gpointer                 user_data);
void                bitlens_interpreter_invoke         (BitlensInterpreter      *interpreter);
/* Dequantized value of output 0 at the person index (sigmoid of it for one-output
 * models whose output is not already a probability). */
double              bitlens_interpreter_get_person_score (BitlensInterpreter    *interpreter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensInterpreter, bitlens_interpreter_free)

G_END_DECLS
