/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens/bitlens-interpreter.h"
#include "kernels/kernels.h"

G_BEGIN_DECLS

/* Runs one op over a part of its output (NULL: all of it). For incremental work on an
 * interpreter made with BITLENS_INTERPRETER_PRESERVE_ALL. */
void bitlens_interpreter_run_op (BitlensInterpreter  *interpreter,
                                 guint                op_index,
                                 const BitlensRegion *region);

/* Dequantized element of output 0, with the sigmoid rule of get_person_score for
 * one-element outputs that are not probabilities (NAN when out of range). */
double bitlens_interpreter_get_score (BitlensInterpreter *interpreter,
                                      gsize               element);

/* The whole output of an op as a region. */
BitlensRegion bitlens_region_full (const BitlensTensor *output);

G_END_DECLS
