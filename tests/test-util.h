/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <bitlens/bitlens.h>

G_BEGIN_DECLS

/* ../shared (BITLENS_SHARED_DIR): returns the path of a file in it, or NULL after
 * g_test_skip () with a message when it is absent. */
char *test_shared_path (const char *relative);
/* A model / an image as the saliency engine's input tensor for `model`, from ../shared;
 * NULL (the test skipped, with a message) when the file is absent, a failed assertion when
 * it does not load. */
BitlensModel *test_load_shared_model (const char   *relative);
GBytes       *test_load_shared_input (BitlensModel *model,
                                      const char   *relative);
/* Runs the current test case again in a child process with BITLENS_CPU=generic (the CPU
 * features are read once per process, so only a child sees it) and asserts that the child
 * passed; the case itself checks g_test_subprocess () to do its work there. */
void          test_rerun_with_generic_cpu (void);
/* bitlens-cli run as a separate process (test_cli_path ()), its output captured; the
 * process must exit (a crash fails the test). The exit status, stdout and stderr go into
 * the test log. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} TestCliResult;

void          test_cli_result_clear (TestCliResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestCliResult, test_cli_result_clear)
/* With the NULL-terminated arguments; returns the exit status. */
int           test_cli_run_argv     (const char *const *arguments,
                                     char             **out,
                                     char             **err);
void          test_cli_run          (TestCliResult     *result,
                                     const char        *first,
                                     ...) G_GNUC_NULL_TERMINATED;
/* Path of the built bitlens-cli. */
const char *test_cli_path (void);
/* FNV-1a-32 over bytes, as the golden files use. */
guint32 test_fnv1a32 (const void *data, gsize n_bytes);

G_END_DECLS
