/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-error.h"

G_DEFINE_QUARK (bitlens-error-quark, bitlens_error)
