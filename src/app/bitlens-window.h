/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <bitlens/bitlens-datatest.h>

#include "bitlens-application.h"
#include "bitlens-image-item.h"

G_BEGIN_DECLS

#define BITLENS_TYPE_WINDOW (bitlens_window_get_type ())

G_DECLARE_FINAL_TYPE (BitlensWindow, bitlens_window, BITLENS, WINDOW, AdwApplicationWindow)

BitlensWindow    *bitlens_window_new                (BitlensApplication *application);
/* Models (.tflite: the first is model A, a second one is compared with it), images,
 * image folders and labelled datasets, as on the command line. */
void              bitlens_window_open_files         (BitlensWindow      *self,
                                                     GFile             **files,
                                                     guint               n_files);
void              bitlens_window_open_compare_model (BitlensWindow      *self,
                                                     GFile              *file);
gboolean          bitlens_window_get_comparing      (BitlensWindow      *self);
void              bitlens_window_set_comparing      (BitlensWindow      *self,
                                                     gboolean            comparing);
/* For tests and scripts. */
GListModel       *bitlens_window_get_items          (BitlensWindow      *self);
BitlensImageItem *bitlens_window_get_current_item   (BitlensWindow      *self);
gboolean          bitlens_window_is_busy            (BitlensWindow      *self);
/* TRUE while no image is open (a model alone, such as the demo model, does not count). */
gboolean          bitlens_window_is_empty           (BitlensWindow      *self);
/* TRUE when the map of the slot for the current image is computed and shown. */
gboolean          bitlens_window_has_map            (BitlensWindow      *self,
                                                     BitlensSlot         slot);
/* Writes the annotated PNG of the current image (model A's map) without asking. */
gboolean          bitlens_window_export_current     (BitlensWindow      *self,
                                                     const char         *path,
                                                     GError            **error);
/* Exports the shown list into a folder in the background (see ::is_busy). */
void              bitlens_window_export_shown_items (BitlensWindow      *self,
                                                     const char         *folder);
/* Data unit tests: opens a spec (a GLib key file, see bitlens-datatest.h) and runs it on
 * the open model (the spec's model when none is open) and, in compare mode, the second
 * model; the results show in a table below the images and replace the list with the spec's
 * dataset. Runs again when the models change. */
void              bitlens_window_open_spec          (BitlensWindow      *self,
                                                     GFile              *file);
/* Reads the open spec again and runs it. */
void              bitlens_window_run_spec           (BitlensWindow      *self);
void              bitlens_window_close_spec         (BitlensWindow      *self);
gboolean          bitlens_window_has_spec           (BitlensWindow      *self);
/* The last results, or NULL. */
BitlensDatatestReport *bitlens_window_get_datatest_report (BitlensWindow *self);

G_END_DECLS
