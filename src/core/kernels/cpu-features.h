/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CPU features that select the optimized kernel paths at run time.
 *
 * The answers come from __builtin_cpu_supports on x86 and are FALSE elsewhere. They are
 * computed once per process and are safe to call from any thread.
 *
 * Environment override: BITLENS_CPU=generic makes every query answer FALSE, so the
 * optimized kernels take their portable C paths (no AVX2, no AVX-512). Any other value, or
 * no value, means "detect". This is for testing and for comparing speeds; it does not
 * force the reference kernels (BITLENS_INTERPRETER_FORCE_REFERENCE does that). */

/* TRUE when the CPU runs AVX2 code and BITLENS_CPU is not "generic". */
gboolean     bitlens_cpu_has_avx2              (void);
/* TRUE when the CPU runs AVX-512F + AVX512_VPOPCNTDQ code and BITLENS_CPU is not
 * "generic". */
gboolean     bitlens_cpu_has_avx512_vpopcntdq  (void);
/* A short description of the SIMD level in use, e.g. "avx2", "avx512-vpopcntdq",
 * "generic" or "generic (BITLENS_CPU=generic)"; static string. */
const char  *bitlens_cpu_describe              (void);

G_END_DECLS
