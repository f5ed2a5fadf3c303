/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <stdarg.h>
#include <sys/wait.h>

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

BitlensModel *
test_load_shared_model (const char *relative)
{
  g_autofree char *path = test_shared_path (relative);
  g_autoptr(GError) error = NULL;
  BitlensModel *model;

  if (path == NULL)
    return NULL;
  model = bitlens_model_new_from_file (path, &error);
  g_assert_no_error (error);
  return model;
}

GBytes *
test_load_shared_input (BitlensModel *model,
                        const char   *relative)
{
  g_autofree char *path = test_shared_path (relative);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensImage) image = NULL;
  GBytes *input;

  if (path == NULL)
    return NULL;
  image = bitlens_image_load (path, &error);
  g_assert_no_error (error);
  input = bitlens_saliency_input_from_image (model, image, &error);
  g_assert_no_error (error);
  return input;
}

void
test_rerun_with_generic_cpu (void)
{
  g_setenv ("BITLENS_CPU", "generic", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("BITLENS_CPU");
  g_test_trap_assert_passed ();
}

void
test_cli_result_clear (TestCliResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

int
test_cli_run_argv (const char *const  *arguments,
                   char              **out,
                   char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) test_cli_path ());
  for (int i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) arguments[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", WEXITSTATUS (wait_status),
                  out != NULL ? *out : "(not captured)", err != NULL ? *err : "(not captured)");
  return WEXITSTATUS (wait_status);
}

void
test_cli_run (TestCliResult *result,
              const char    *first,
              ...)
{
  g_autoptr(GPtrArray) arguments = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (arguments, (char *) arg);
  va_end (args);
  g_ptr_array_add (arguments, NULL);
  result->status = test_cli_run_argv ((const char *const *) arguments->pdata, &result->out, &result->err);
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
