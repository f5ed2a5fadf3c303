/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <bitlens/bitlens-datatest.h>

G_BEGIN_DECLS

/* One data unit test of a report as the table shows it: the test (name, slice, metric,
 * bounds) and the outcome for model A and, in compare mode, model B. A copy: it does not
 * keep the report. */
#define BITLENS_TYPE_DATATEST_ROW (bitlens_datatest_row_get_type ())

G_DECLARE_FINAL_TYPE (BitlensDatatestRow, bitlens_datatest_row, BITLENS, DATATEST_ROW, GObject)

BitlensDatatestRow *bitlens_datatest_row_new            (const BitlensDatatestResult *result,
                                                         guint                        index);
/* The test's position in the spec and the report. */
guint               bitlens_datatest_row_get_index      (BitlensDatatestRow *self);
const char         *bitlens_datatest_row_get_name       (BitlensDatatestRow *self);
/* The slice as written in the spec, or NULL for every image. */
const char         *bitlens_datatest_row_get_where      (BitlensDatatestRow *self);
guint               bitlens_datatest_row_get_line       (BitlensDatatestRow *self);
BitlensMetric       bitlens_datatest_row_get_metric     (BitlensDatatestRow *self);
double              bitlens_datatest_row_get_min        (BitlensDatatestRow *self);
double              bitlens_datatest_row_get_max        (BitlensDatatestRow *self);
gboolean            bitlens_datatest_row_has_b          (BitlensDatatestRow *self);
/* b FALSE: model A's outcome; TRUE: model B's (only with has_b). */
const BitlensDatatestOutcome *bitlens_datatest_row_get_outcome (BitlensDatatestRow *self,
                                                                gboolean            b);

/* What the table's cells say. */
char               *bitlens_datatest_row_format_bounds  (BitlensDatatestRow *self);
char               *bitlens_datatest_row_format_value   (BitlensDatatestRow *self,
                                                         gboolean            b);
/* B - A with its sign, or an em dash when either is undefined. */
char               *bitlens_datatest_row_format_difference (BitlensDatatestRow *self);
/* False positives and false negatives in the slice. */
guint               bitlens_datatest_row_get_n_mistakes (BitlensDatatestRow *self,
                                                         gboolean            b);

G_END_DECLS
