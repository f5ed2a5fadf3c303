/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <string.h>

#include "bitlens-model-private.h"
#include "test-util.h"
#include "tflite-reader.h"

/* Thousands of damaged variants of real models, at fixed seeds: every one must give a
 * model or a GError with a message, never a crash. */

static const char *const models[] = {
  "models/tflm/person_detect.tflite",
  "models/mlperf_tiny/vww_96_int8.tflite",
  "models/lce/hbds/HB1-FN.tflite",
  "models/lce/floppynet/floppyNet_places365.tflite",
  "models/lce/xmos/test_bconv2d_bin_0.tflite",
  "models/lce/xmos/test_bconv2d_int8_padded_0.tflite",
};

typedef struct
{
  guint n_variants;
  guint n_read;
  guint n_loaded;
} Tally;

static void
assert_error_is_reported (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == BITLENS_ERROR);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
}

/* Reads one variant with the reader alone and, when it reads, also through the whole
 * loading path (the ops' prepare functions). The bytes are copied into a block of
 * exactly their size so that any read past the end touches memory it must not. */
static void
try_variant (const guint8 *data,
             gsize         size,
             Tally        *tally)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(BitlensModel) model = bitlens_model_alloc ();
  g_autoptr(GError) error = NULL;

  tally->n_variants++;
  if (bitlens_tflite_read (model, bytes, &error))
    {
      g_autoptr(BitlensModel) loaded = NULL;
      g_autoptr(GError) load_error = NULL;
      BitlensModelCost cost;

      g_assert_no_error (error);
      tally->n_read++;
      bitlens_model_get_cost (model, &cost);

      loaded = bitlens_model_new_from_bytes (bytes, &load_error);
      if (loaded != NULL)
        {
          g_assert_no_error (load_error);
          tally->n_loaded++;
        }
      else
        assert_error_is_reported (load_error);
    }
  else
    assert_error_is_reported (error);
}

/* Positions of the bytes that are structure rather than constant tensor contents:
 * damage there is what a reader must survive. */
static GArray *
structural_positions (GBytes *bytes)
{
  g_autoptr(BitlensModel) model = bitlens_model_alloc ();
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree gboolean *is_data = g_new0 (gboolean, size);
  GArray *positions = g_array_new (FALSE, FALSE, sizeof (gsize));

  g_assert_true (bitlens_tflite_read (model, bytes, &error));
  g_assert_no_error (error);
  for (guint t = 0; t < model->n_tensors; t++)
    {
      const BitlensTensor *tensor = &model->tensors[t];

      if (tensor->data >= data && tensor->data < data + size)
        memset (is_data + (tensor->data - data), TRUE, tensor->n_bytes * sizeof (gboolean));
    }
  for (gsize i = 0; i < size; i++)
    if (!is_data[i])
      g_array_append_val (positions, i);
  g_assert_cmpuint (positions->len, >, 0);
  return positions;
}

static gsize
random_position (GRand  *rand,
                 GArray *positions,
                 gsize   alignment)
{
  gsize position = g_array_index (positions, gsize, g_rand_int_range (rand, 0, (gint32) positions->len));
  return position - position % alignment;
}

static void
put_le (guint8  *data,
        gsize    size,
        gsize    position,
        guint64  value,
        guint    width)
{
  for (guint i = 0; i < width && position + i < size; i++)
    data[position + i] = (guint8) (value >> (8 * i));
}

static void
corrupt_model (const char *relative,
               guint32     seed,
               Tally      *tally)
{
  g_autofree char *path = test_shared_path (relative);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GArray) positions = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *copy = NULL;
  g_autofree char *contents = NULL;
  gsize size;

  if (path == NULL)
    return;
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  bytes = g_bytes_new (contents, size);
  positions = structural_positions (bytes);
  copy = g_malloc (size);

  /* Truncations: every length of small files, a spread of lengths of large ones. */
  if (size <= 8192)
    for (gsize length = 0; length < size; length++)
      try_variant ((const guint8 *) contents, length, tally);
  else
    {
      for (gsize length = 0; length < 64; length++)
        try_variant ((const guint8 *) contents, length, tally);
      for (guint i = 0; i < 150; i++)
        try_variant ((const guint8 *) contents, (gsize) g_rand_int_range (rand, 64, (gint32) size), tally);
      for (guint i = 0; i < 50; i++)
        try_variant ((const guint8 *) contents, random_position (rand, positions, 1), tally);
    }

  /* Random bytes in the structure: one to four at a time. */
  for (guint i = 0; i < 500; i++)
    {
      guint n = (guint) g_rand_int_range (rand, 1, 5);

      memcpy (copy, contents, size);
      for (guint k = 0; k < n; k++)
        {
          gsize position = random_position (rand, positions, 1);
          copy[position] = (guint8) g_rand_int_range (rand, 0, 256);
        }
      try_variant (copy, size, tally);
    }

  /* Offsets (32-bit, aligned) overwritten with huge, negative and edge values. */
  for (guint i = 0; i < 400; i++)
    {
      const guint64 values[] = {
        0xffffffffu, 0x7fffffffu, 0x80000000u, 0xfffffffcu, 0xfffffff0u, size, size - 4, size + 4,
        0, 4, 8, 0x10000, g_rand_int (rand),
      };
      /* One call per statement: the sequence of random numbers is the same whatever
       * order a compiler evaluates arguments in. */
      gsize position = random_position (rand, positions, 4);
      guint64 value = values[g_rand_int_range (rand, 0, G_N_ELEMENTS (values))];

      memcpy (copy, contents, size);
      put_le (copy, size, position, value, 4);
      try_variant (copy, size, tally);
    }

  /* vtable entries and 16-bit fields. */
  for (guint i = 0; i < 200; i++)
    {
      const guint64 values[] = { 0xffff, 0x8000, 0x7fff, 0, 2, 4, 6, 0xfffe, g_rand_int_range (rand, 0, 0x10000) };
      gsize position = random_position (rand, positions, 2);
      guint64 value = values[g_rand_int_range (rand, 0, G_N_ELEMENTS (values))];

      memcpy (copy, contents, size);
      put_le (copy, size, position, value, 2);
      try_variant (copy, size, tally);
    }
}

static void
test_corrupted_models (void)
{
  Tally tally = { 0 };

  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    {
      Tally before = tally;

      corrupt_model (models[i], 0xb171e5 + (guint32) i, &tally);
      if (g_test_failed ())
        return;
      g_test_message ("%s: %u variants, %u read, %u loaded", models[i],
                      tally.n_variants - before.n_variants, tally.n_read - before.n_read,
                      tally.n_loaded - before.n_loaded);
    }
  if (tally.n_variants == 0)
    return;   /* skipped: no shared models */
  g_test_message ("%u variants, %u read, %u loaded", tally.n_variants, tally.n_read, tally.n_loaded);
  g_assert_cmpuint (tally.n_variants, >=, 5000);
  /* The damage must reach the reader: most variants are rejected. */
  g_assert_cmpuint (tally.n_read, <, tally.n_variants);
}

/* Crashes the fuzzer found in variants of shared models, which may not be copied into
 * the repository: each is kept as the bytes it changes, applied here to the shared file. */
typedef struct
{
  gsize  offset;
  guint8 original;
  guint8 changed;
} BytePatch;

static const struct
{
  const char      *model;
  const char      *what;
  const BytePatch *patches;
  gsize            n_patches;
} fuzz_found[] = {
  { "models/tflm/person_detect.tflite",
    "output scale of op 3 set to 8.6e-14: RELU6 range overflowed a float to int cast (UBSan)",
    (const BytePatch[]) { { 134176, 0xf7, 0xdf }, { 134177, 0xdf, 0xf7 }, { 243003, 0x3c, 0x29 }, { 265475, 0x3b, 0x5d } }, 4 },
};

static void
test_fuzz_found (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fuzz_found); i++)
    {
      g_autofree char *path = test_shared_path (fuzz_found[i].model);
      g_autofree char *contents = NULL;
      gsize size;
      Tally tally = { 0 };

      if (path == NULL)
        return;
      g_test_message ("%s: %s", fuzz_found[i].model, fuzz_found[i].what);
      g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
      for (gsize k = 0; k < fuzz_found[i].n_patches; k++)
        {
          const BytePatch *patch = &fuzz_found[i].patches[k];

          g_assert_cmpuint (patch->offset, <, size);
          g_assert_cmpuint ((guint8) contents[patch->offset], ==, patch->original);
          contents[patch->offset] = (char) patch->changed;
        }
      try_variant ((const guint8 *) contents, size, &tally);
      g_assert_cmpuint (tally.n_variants, ==, 1);
    }
}

/* Every input the fuzzer found crashing, minimized (tests/fuzz/regressions). */
static void
test_fuzz_regressions (void)
{
  g_autofree char *folder = g_test_build_filename (G_TEST_DIST, "fuzz", "regressions", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n_files = 0;
  Tally tally = { 0 };

  dir = g_dir_open (folder, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *contents = NULL;
      gsize size;

      if (g_str_has_prefix (name, ".") || g_str_has_suffix (name, ".md"))
        continue;
      g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
      g_test_message ("%s (%" G_GSIZE_FORMAT " bytes)", name, size);
      try_variant ((const guint8 *) contents, size, &tally);
      n_files++;
    }
  g_test_message ("%u regression inputs", n_files);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-corruption/corrupted-models", test_corrupted_models);
  g_test_add_func ("/model-corruption/fuzz-regressions", test_fuzz_regressions);
  g_test_add_func ("/model-corruption/fuzz-found", test_fuzz_found);

  return g_test_run ();
}
