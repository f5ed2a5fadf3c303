/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "test-util.h"

char *
test_shared_path (const char *relative)
{
  const char *shared = g_getenv ("BITLENS_SHARED_DIR");
  g_autofree char *path = NULL;

  if (shared == NULL)
    {
      g_test_skip ("BITLENS_SHARED_DIR is not set: run the tests through meson");
      return NULL;
    }
  path = g_build_filename (shared, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("%s is absent: skipping (the shared models and data live beside the project)", path);
      g_test_skip (message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

const char *
test_cli_path (void)
{
  const char *cli = g_getenv ("BITLENS_CLI");
  g_assert_nonnull (cli);
  return cli;
}

guint32
test_fnv1a32 (const void *data,
              gsize       n_bytes)
{
  const guint8 *bytes = data;
  guint32 hash = 2166136261u;

  for (gsize i = 0; i < n_bytes; i++)
    {
      hash ^= bytes[i];
      hash *= 16777619u;
    }
  return hash;
}
