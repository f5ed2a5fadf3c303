/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BITLENS_ERROR (bitlens_error_quark ())

/* Every runtime failure of the core is a GError in this domain; its message says what is
 * wrong and where (file, table, op index, CSV line ...). */
typedef enum
{
  BITLENS_ERROR_MODEL_INVALID = 1,   /* malformed or truncated .tflite, inconsistent shapes */
  BITLENS_ERROR_MODEL_UNSUPPORTED,   /* an op, type or option the core does not run */
  BITLENS_ERROR_INPUT_INVALID,       /* wrong input size or type */
  BITLENS_ERROR_IMAGE_INVALID,       /* corrupt or unsupported image file */
  BITLENS_ERROR_DATASET_INVALID,     /* labels.csv or folder layout problems */
  BITLENS_ERROR_SPEC_INVALID,        /* data unit test spec errors */
  BITLENS_ERROR_EXISTS,              /* refusing to overwrite a file */
  BITLENS_ERROR_IO,                  /* reading or writing a file failed */
  BITLENS_ERROR_CANCELLED,
} BitlensError;

GQuark bitlens_error_quark (void);

G_END_DECLS
