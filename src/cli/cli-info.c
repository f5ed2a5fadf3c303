/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include "cli-common.h"

/* Placeholder: being written. */
int
cli_info (int argc, char **argv)
{
  g_printerr ("bitlens-cli: info is not written yet\n");
  return CLI_EXIT_FAILURE;
}
