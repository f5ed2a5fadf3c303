/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* Float32 vectors for the optimized float kernels, in GCC's generic vector extension:
 * lane-wise IEEE operations, so a lane computes exactly what the scalar code computes for
 * one output when it sees the same sequence of operations (the build has
 * -ffp-contract=off, and no function using these is compiled with FMA enabled, so a
 * product followed by a sum stays two rounded operations).
 *
 * Two widths, each where the machine has registers for it: 4 lanes (SSE2, the x86-64
 * baseline, or any other target's 16-byte vectors) for the portable path, and 8 lanes
 * inside functions marked __attribute__((target("avx2"))). The kernels write their
 * vector code once, in a body header included once per width (see
 * conv-float-optimized-body.h), and pick the variant at run time with
 * bitlens_cpu_has_avx2 ().
 *
 * Loads and stores are macros (not functions) so that no vector travels through a
 * function's arguments or return value, whose ABI differs with and without AVX. */

typedef float  BitlensF32x4 __attribute__((vector_size (16)));
typedef gint32 BitlensI32x4 __attribute__((vector_size (16)));
typedef float  BitlensF32x8 __attribute__((vector_size (32)));
typedef gint32 BitlensI32x8 __attribute__((vector_size (32)));

#if defined(__x86_64__) || defined(__i386__)
#define BITLENS_FLOAT_SIMD_HAVE_AVX2 1
#endif

/* Unaligned load of a vector of @type, and store. */
#define BITLENS_VEC_LOAD(type, pointer)                         \
  ({                                                            \
    type load_value_;                                           \
    memcpy (&load_value_, (pointer), sizeof load_value_);       \
    load_value_;                                                \
  })

#define BITLENS_VEC_STORE(pointer, value)                       \
  G_STMT_START {                                                \
    __typeof__ (value) store_value_ = (value);                  \
    memcpy ((pointer), &store_value_, sizeof store_value_);     \
  } G_STMT_END

/* Every lane @scalar. */
#define BITLENS_VEC_SPLAT(type, scalar) ((type) { 0 } + (float) (scalar))

/* Lane-wise mask ? a : b, with @mask from a vector comparison (all ones or zero). */
#define BITLENS_VEC_SELECT(mask, a, b)                                                  \
  ((__typeof__ (a)) (((__typeof__ (mask)) (a) & (mask)) | ((__typeof__ (mask)) (b) & ~(mask))))

/* bitlens_clamp_float lane by lane: y = x < low ? low : x; high < y ? high : y (NaN
 * passes through, as in the scalar code). */
#define BITLENS_VEC_CLAMP(x, low, high)                                         \
  ({                                                                            \
    __typeof__ (x) clamp_x_ = (x), clamp_low_ = (low), clamp_high_ = (high);    \
    __typeof__ (x) clamp_y_ = BITLENS_VEC_SELECT (clamp_x_ < clamp_low_, clamp_low_, clamp_x_); \
    BITLENS_VEC_SELECT (clamp_high_ < clamp_y_, clamp_high_, clamp_y_);         \
  })

/* Stores the first @n lanes of @value at @pointer. */
#define BITLENS_VEC_STORE_PARTIAL(pointer, value, n)                            \
  G_STMT_START {                                                                \
    __typeof__ (value) partial_value_ = (value);                                \
    memcpy ((pointer), &partial_value_, sizeof (float) * (gsize) (n));          \
  } G_STMT_END

/* Loads @n floats (at most the vector's lanes), the other lanes 0. */
#define BITLENS_VEC_LOAD_PARTIAL(type, pointer, n)                              \
  ({                                                                            \
    type partial_load_ = { 0 };                                                 \
    memcpy (&partial_load_, (pointer), sizeof (float) * (gsize) (n));           \
    partial_load_;                                                              \
  })

G_END_DECLS
