/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Names from the TensorFlow Lite schema, for messages about what a file holds. */

/* "TANH" for 28; NULL for codes the table does not know. */
const char *tflite_builtin_operator_name (gint64 code);
/* "FLOAT16" for 1 ...; NULL for codes the schema does not define. */
const char *tflite_tensor_type_name      (gint64 type);

G_END_DECLS
