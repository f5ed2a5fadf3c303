/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "bitlens-application.h"

/* Run from the build tree (build/src/app/bitlens) before `meson install`, the GSettings
 * schema and the translations are only in the build tree: use those. */
static gboolean
running_uninstalled (void)
{
  g_autofree char *executable = g_file_read_link ("/proc/self/exe", NULL);

  return executable != NULL && g_str_has_prefix (executable, BITLENS_BUILD_ROOT "/")
         && g_file_test (BITLENS_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BitlensApplication) application = NULL;
  const char *localedir = LOCALEDIR;

  if (running_uninstalled ())
    {
      const char *schema_dir = g_getenv ("GSETTINGS_SCHEMA_DIR");
      g_autofree char *schema_dirs = schema_dir != NULL
                                     ? g_strconcat (BITLENS_BUILD_SCHEMA_DIR, G_SEARCHPATH_SEPARATOR_S, schema_dir, NULL)
                                     : g_strdup (BITLENS_BUILD_SCHEMA_DIR);

      g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dirs, TRUE);
      localedir = BITLENS_BUILD_LOCALEDIR;
    }
  /* BITLENS_LOCALEDIR points elsewhere on purpose (screenshots in another language). */
  if (g_getenv ("BITLENS_LOCALEDIR") != NULL)
    localedir = g_getenv ("BITLENS_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = bitlens_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (application), argc, argv);
}
