/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-error.h"
#include "tflite-reader.h"

/* Placeholder: the verifying reader is being written. */
gboolean
bitlens_tflite_read (BitlensModel  *model,
                     GBytes        *bytes,
                     GError       **error)
{
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED, "reader not written yet");
  return FALSE;
}
