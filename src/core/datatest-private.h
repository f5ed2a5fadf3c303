/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-datatest.h"

G_BEGIN_DECLS

struct _BitlensDatatestReport
{
  BitlensDatatestSpec   *spec;
  BitlensEvaluation     *evaluation_a;
  BitlensEvaluation     *evaluation_b;     /* or NULL */
  guint                  n_results;
  BitlensDatatestResult *results;
  guint                  n_failed;
  GDateTime             *timestamp;        /* when the report was made */
};

/* Line of path= in [model], 0 when absent. */
guint bitlens_datatest_spec_get_model_line (BitlensDatatestSpec *spec);

G_END_DECLS
