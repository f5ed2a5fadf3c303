/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by the LCE kernel tests: packing +-1 values the way SEMANTICS.md section 3
 * states it (written here independently of the kernels), and running a one-op model. */

#include <string.h>

#include "bitlens-interpreter-private.h"
#include "test-model-builder.h"

static inline int
lce_test_words (int channels)
{
  return (channels + 31) / 32;
}

/* Packs @rows rows of @channels signs (+1 or -1) into rows of ceil (channels / 32) words:
 * element i of a group of 32 at bit i, bit 1 for -1, padding bits 0. */
static inline guint32 *
lce_test_pack_signs (const gint8 *signs,
                     gsize        rows,
                     int          channels)
{
  int words = lce_test_words (channels);
  guint32 *packed = g_new0 (guint32, MAX (rows * words, 1));

  for (gsize r = 0; r < rows; r++)
    for (int c = 0; c < channels; c++)
      if (signs[r * channels + c] < 0)
        packed[r * words + c / 32] |= 1u << (c % 32);
  return packed;
}

static inline gint8 *
lce_test_random_signs (GRand *rand,
                       gsize  n)
{
  gint8 *signs = g_new (gint8, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    signs[i] = g_rand_boolean (rand) ? 1 : -1;
  return signs;
}

/* Runs a model whose input 0 takes @input (n_bytes) and returns a copy of output 0. */
static inline guint8 *
lce_test_run (BitlensModel            *model,
              BitlensInterpreterFlags  flags,
              const void              *input,
              gsize                    n_bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (model, flags, &error);
  const BitlensTensor *output;

  g_assert_no_error (error);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, input, n_bytes, &error));
  g_assert_no_error (error);
  bitlens_interpreter_invoke (interpreter);
  output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  return g_memdup2 (bitlens_interpreter_get_output_data (interpreter, 0), MAX (output->n_bytes, 1));
}

/* Computes op 0's output region by region over a grid of row and column cuts, on an
 * interpreter that keeps every tensor, starting from an output filled with 0xA5 bytes;
 * returns a copy of the output. With @only (not NULL), computes that one region instead. */
static inline guint8 *
lce_test_run_regions (BitlensModel            *model,
                      BitlensInterpreterFlags  flags,
                      const void              *input,
                      gsize                    n_bytes,
                      const int               *row_cuts,
                      int                      n_row_cuts,
                      const int               *column_cuts,
                      int                      n_column_cuts,
                      const BitlensRegion     *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensInterpreter) interpreter =
    bitlens_interpreter_new (model, flags | BITLENS_INTERPRETER_PRESERVE_ALL, &error);
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  void *output_data;

  g_assert_no_error (error);
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, input, n_bytes, &error));
  output_data = bitlens_interpreter_get_tensor_data (interpreter, bitlens_model_get_output (model, 0));
  memset (output_data, 0xA5, output->n_bytes);

  if (only != NULL)
    bitlens_interpreter_run_op (interpreter, 0, only);
  else
    for (int r = 0; r + 1 < n_row_cuts; r++)
      for (int c = 0; c + 1 < n_column_cuts; c++)
        {
          BitlensRegion region = { row_cuts[r], row_cuts[r + 1], column_cuts[c], column_cuts[c + 1] };
          bitlens_interpreter_run_op (interpreter, 0, &region);
        }
  return g_memdup2 (output_data, MAX (output->n_bytes, 1));
}

/* Sorted random cuts 0 = c[0] <= c[1] <= ... <= c[n-1] = size, n = 2..5. */
static inline int
lce_test_random_cuts (GRand *rand,
                      int    size,
                      int   *cuts)
{
  int n = g_rand_int_range (rand, 2, 6);

  cuts[0] = 0;
  cuts[n - 1] = size;
  for (int i = 1; i < n - 1; i++)
    cuts[i] = g_rand_int_range (rand, cuts[i - 1], size + 1);
  return n;
}
