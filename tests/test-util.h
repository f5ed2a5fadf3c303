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
/* Path of the built bitlens-cli. */
const char *test_cli_path (void);
/* FNV-1a-32 over bytes, as the golden files use. */
guint32 test_fnv1a32 (const void *data, gsize n_bytes);

G_END_DECLS
