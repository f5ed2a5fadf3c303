/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* Eight float32 lanes for the optimized float kernels, in GCC's generic vector extension:
 * lane-wise IEEE operations, so a lane computes exactly what the scalar code computes for
 * one output when it sees the same sequence of operations (the build has
 * -ffp-contract=off, and no function using these is compiled with FMA enabled, so a
 * product followed by a sum stays two rounded operations).
 *
 * The same source compiles to SSE2 pairs for the baseline and, inside functions marked
 * __attribute__((target("avx2"))), to one AVX register per vector; the kernels pick the
 * variant at run time with bitlens_cpu_has_avx2 ().
 *
 * Loads and stores are macros (not functions) so that no vector travels through a
 * function's arguments or return value, whose ABI differs with and without AVX. */

typedef float  BitlensF32x8 __attribute__((vector_size (32)));
typedef gint32 BitlensI32x8 __attribute__((vector_size (32)));

#define BITLENS_F32X8_LANES 8

#if defined(__x86_64__) || defined(__i386__)
#define BITLENS_FLOAT_SIMD_HAVE_AVX2 1
#endif

/* Unaligned load and store of 8 floats. */
#define BITLENS_F32X8_LOAD(pointer)                             \
  ({                                                            \
    BitlensF32x8 load_value_;                                   \
    memcpy (&load_value_, (pointer), sizeof load_value_);       \
    load_value_;                                                \
  })

#define BITLENS_F32X8_STORE(pointer, value)                     \
  G_STMT_START {                                                \
    BitlensF32x8 store_value_ = (value);                        \
    memcpy ((pointer), &store_value_, sizeof store_value_);     \
  } G_STMT_END

/* Every lane @scalar. */
#define BITLENS_F32X8_SPLAT(scalar) ((BitlensF32x8) { 0 } + (float) (scalar))

/* Lane-wise mask ? a : b, with @mask from a vector comparison (all ones or zero). */
#define BITLENS_F32X8_SELECT(mask, a, b)                                        \
  ((BitlensF32x8) (((BitlensI32x8) (a) & (mask)) | ((BitlensI32x8) (b) & ~(mask))))

/* bitlens_clamp_float lane by lane: y = x < low ? low : x; high < y ? high : y (NaN
 * passes through, as in the scalar code). */
#define BITLENS_F32X8_CLAMP(x, low, high)                                       \
  ({                                                                            \
    BitlensF32x8 clamp_x_ = (x), clamp_low_ = (low), clamp_high_ = (high);      \
    BitlensF32x8 clamp_y_ = BITLENS_F32X8_SELECT (clamp_x_ < clamp_low_, clamp_low_, clamp_x_); \
    BITLENS_F32X8_SELECT (clamp_high_ < clamp_y_, clamp_high_, clamp_y_);       \
  })

/* Stores the first @n (1..8) lanes of @value at @pointer. */
#define BITLENS_F32X8_STORE_PARTIAL(pointer, value, n)                          \
  G_STMT_START {                                                                \
    BitlensF32x8 partial_value_ = (value);                                      \
    memcpy ((pointer), &partial_value_, sizeof (float) * (gsize) (n));          \
  } G_STMT_END

/* Loads @n (0..8) floats, the other lanes 0. */
#define BITLENS_F32X8_LOAD_PARTIAL(pointer, n)                                  \
  ({                                                                            \
    BitlensF32x8 partial_load_ = { 0 };                                         \
    memcpy (&partial_load_, (pointer), sizeof (float) * (gsize) (n));           \
    partial_load_;                                                              \
  })

G_END_DECLS
