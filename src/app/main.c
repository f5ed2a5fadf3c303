/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "bitlens-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BitlensApplication) application = NULL;

  setlocale (LC_ALL, "");
  /* BITLENS_LOCALEDIR points an uninstalled build at its compiled translations
   * (<build>/po). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BITLENS_LOCALEDIR") != NULL ? g_getenv ("BITLENS_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = bitlens_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (application), argc, argv);
}
