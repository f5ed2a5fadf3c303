/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "cpu-features.h"

enum
{
  CPU_FEATURE_AVX2             = 1 << 0,
  CPU_FEATURE_AVX512_VPOPCNTDQ = 1 << 1,
  CPU_FEATURE_FORCED_GENERIC   = 1 << 2,
  /* Set on every computed value so that 0 means "not computed yet". */
  CPU_FEATURE_DETECTED         = 1 << 30,
};

static gboolean
cpu_forced_generic (void)
{
  const char *value = g_getenv ("BITLENS_CPU");

  return value != NULL && g_ascii_strcasecmp (value, "generic") == 0;
}

static guint
cpu_detect (void)
{
  guint features = CPU_FEATURE_DETECTED;

  if (cpu_forced_generic ())
    return features | CPU_FEATURE_FORCED_GENERIC;

#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2"))
    features |= CPU_FEATURE_AVX2;
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vpopcntdq"))
    features |= CPU_FEATURE_AVX512_VPOPCNTDQ;
#endif

  return features;
}

static guint
cpu_features (void)
{
  static gsize cached = 0;

  if (g_once_init_enter (&cached))
    g_once_init_leave (&cached, cpu_detect ());
  return (guint) cached;
}

gboolean
bitlens_cpu_has_avx2 (void)
{
  return (cpu_features () & CPU_FEATURE_AVX2) != 0;
}

gboolean
bitlens_cpu_has_avx512_vpopcntdq (void)
{
  return (cpu_features () & CPU_FEATURE_AVX512_VPOPCNTDQ) != 0;
}

const char *
bitlens_cpu_describe (void)
{
  guint features = cpu_features ();

  if (features & CPU_FEATURE_FORCED_GENERIC)
    return "generic (BITLENS_CPU=generic)";
  if (features & CPU_FEATURE_AVX512_VPOPCNTDQ)
    return "avx512-vpopcntdq";
  if (features & CPU_FEATURE_AVX2)
    return "avx2";
  return "generic";
}
