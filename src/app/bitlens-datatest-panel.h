/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <bitlens/bitlens-datatest.h>

G_BEGIN_DECLS

/* The data unit tests of a spec as a table: one row per test with its slice size, metric,
 * bounds, model A's value and verdict and, in compare mode, model B's and B - A. Activating
 * a row (a click) emits ::test-activated with the test's index in the report. A spec error
 * shows in place of the table. */
#define BITLENS_TYPE_DATATEST_PANEL (bitlens_datatest_panel_get_type ())

G_DECLARE_FINAL_TYPE (BitlensDatatestPanel, bitlens_datatest_panel, BITLENS, DATATEST_PANEL, GtkWidget)

/* Shows a report (copied: the panel does not keep it). `spec_name`, `model_a` and
 * `model_b` name the spec and the models for the header (`model_b` NULL without a second
 * model). */
void        bitlens_datatest_panel_set_report  (BitlensDatatestPanel  *self,
                                                BitlensDatatestReport *report,
                                                const char            *spec_name,
                                                const char            *model_a,
                                                const char            *model_b);
/* Says that the spec `name` is running; the table keeps the last results meanwhile. */
void        bitlens_datatest_panel_set_running (BitlensDatatestPanel  *self,
                                                const char            *name);
/* Says that the run of the spec `name` was cancelled. */
void        bitlens_datatest_panel_set_cancelled (BitlensDatatestPanel *self,
                                                  const char           *name);
/* Shows what went wrong (FILE:LINE: ...), or hides the message with NULL. */
void        bitlens_datatest_panel_set_error   (BitlensDatatestPanel  *self,
                                                const char            *message);
const char *bitlens_datatest_panel_get_error   (BitlensDatatestPanel  *self);
void        bitlens_datatest_panel_clear       (BitlensDatatestPanel  *self);
/* The rows (BitlensDatatestRow) as shown. */
GListModel *bitlens_datatest_panel_get_rows    (BitlensDatatestPanel  *self);
/* What the header says. */
const char *bitlens_datatest_panel_get_summary (BitlensDatatestPanel  *self);
/* Activates row `position` as a click does. */
void        bitlens_datatest_panel_activate_row (BitlensDatatestPanel *self,
                                                 guint                 position);

G_END_DECLS
