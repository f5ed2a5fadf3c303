/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BITLENS_MAX_RANK 6

/* Values are the .tflite TensorType codes. */
typedef enum
{
  BITLENS_TYPE_FLOAT32 = 0,
  BITLENS_TYPE_INT32 = 2,
  BITLENS_TYPE_UINT8 = 3,
  BITLENS_TYPE_INT64 = 4,
  BITLENS_TYPE_BOOL = 6,
  BITLENS_TYPE_INT16 = 7,
  BITLENS_TYPE_INT8 = 9,
} BitlensTensorType;

/* A tensor of a model: a plain, immutable description. Constant tensors point into the
 * model file's bytes (data != NULL); activations get their memory from an interpreter. */
typedef struct
{
  char              *name;
  BitlensTensorType  type;
  int                rank;
  int                shape[BITLENS_MAX_RANK];
  gsize              n_elements;
  gsize              n_bytes;          /* n_elements * element size */

  /* Quantization: n_scales == 0 means none; 1 per-tensor; > 1 per-channel along
   * quantized_dimension. zero_points has n_scales entries. */
  int                n_scales;
  float             *scales;
  gint64            *zero_points;
  int                quantized_dimension;

  const guint8      *data;             /* constant contents, or NULL */
  gboolean           is_variable;
} BitlensTensor;

gsize        bitlens_tensor_type_size     (BitlensTensorType type);
const char  *bitlens_tensor_type_name     (BitlensTensorType type);
gboolean     bitlens_tensor_type_is_known (int type);
/* Scale and zero point of a per-tensor quantized tensor (1.0 / 0 when not quantized). */
float        bitlens_tensor_scale         (const BitlensTensor *tensor);
int          bitlens_tensor_zero_point    (const BitlensTensor *tensor);
/* "[1,96,96,3]" */
char        *bitlens_tensor_format_shape  (const BitlensTensor *tensor);

G_END_DECLS
