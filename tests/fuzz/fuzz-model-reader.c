/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <bitlens/bitlens.h>

/* libFuzzer target: any bytes through the whole model loading path (the verifying reader,
 * then every op's prepare), then one run of small models. A model or a GError with a message; anything else (a crash,
 * a sanitizer report, a failed assertion) is a bug. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* An exact-size copy: reading one byte past the end is caught. */
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_bytes (bytes, &error);

  if (model != NULL)
    {
      BitlensModelCost cost;

      g_assert_no_error (error);
      bitlens_model_get_cost (model, &cost);
      /* Prepare promised that every index a kernel touches is in bounds: run the model
       * once on a zero input when that is cheap enough for a fuzzer. */
      if (cost.macs + cost.binary_ops / 32 < 2000000)
        {
          g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, NULL);
          if (interpreter != NULL)
            bitlens_interpreter_invoke (interpreter);
        }
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == BITLENS_ERROR);
      g_assert_cmpuint (strlen (error->message), >, 0);
    }
  return 0;
}
