/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of every subcommand. */
enum
{
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1,     /* model, input or data error; or a failing data unit test */
  CLI_EXIT_USAGE = 2,
};

typedef int (*CliCommandFunc) (int argc, char **argv);

typedef struct
{
  const char     *name;
  const char     *summary;
  CliCommandFunc  run;
} CliCommand;

/* Parses a subcommand's options; on error prints it with the subcommand's usage and
 * returns FALSE. argv[0] is the subcommand name. */
gboolean cli_parse_options (GOptionContext *context,
                            int            *argc,
                            char         ***argv);
/* Prints "bitlens-cli: MESSAGE" on stderr. */
void     cli_print_error   (const GError   *error);

int cli_info  (int argc, char **argv);
int cli_run   (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_saliency (int argc, char **argv);
int cli_faithfulness (int argc, char **argv);
int cli_eval (int argc, char **argv);
int cli_failures (int argc, char **argv);
int cli_test (int argc, char **argv);
int cli_bias (int argc, char **argv);
int cli_train (int argc, char **argv);

G_END_DECLS
