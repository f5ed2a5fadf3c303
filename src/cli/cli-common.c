/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include "cli-common.h"

gboolean
cli_parse_options (GOptionContext *context,
                   int            *argc,
                   char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("bitlens-cli: %s\n", error->message);
      g_printerr ("Try \"bitlens-cli %s --help\".\n", (*argv)[0]);
      return FALSE;
    }
  return TRUE;
}

void
cli_print_error (const GError *error)
{
  g_printerr ("bitlens-cli: %s\n", error->message);
}
