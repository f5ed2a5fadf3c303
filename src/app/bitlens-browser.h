/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bitlens-image-item.h"

G_BEGIN_DECLS

typedef enum
{
  BITLENS_BROWSER_FILTER_ALL = 0,
  BITLENS_BROWSER_FILTER_FAILURES,
  BITLENS_BROWSER_FILTER_FALSE_POSITIVES,
  BITLENS_BROWSER_FILTER_FALSE_NEGATIVES,
  BITLENS_BROWSER_FILTER_DISAGREEMENTS,
} BitlensBrowserFilter;

typedef enum
{
  BITLENS_BROWSER_SORT_NAME = 0,
  BITLENS_BROWSER_SORT_SCORE,
  BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE,
} BitlensBrowserSort;

/* The list of open images with thumbnails, label, score and a failure badge; filters
 * (failures, false positives, false negatives, disagreements between the models) and sort
 * orders (name, score, confidence of the mistake). */
#define BITLENS_TYPE_BROWSER (bitlens_browser_get_type ())

G_DECLARE_FINAL_TYPE (BitlensBrowser, bitlens_browser, BITLENS, BROWSER, GtkWidget)

void              bitlens_browser_set_items          (BitlensBrowser       *self,
                                                      GListModel           *items);
/* The filtered, sorted list as shown. */
GListModel       *bitlens_browser_get_shown_items    (BitlensBrowser       *self);
BitlensImageItem *bitlens_browser_get_selected_item  (BitlensBrowser       *self);
void              bitlens_browser_select_position    (BitlensBrowser       *self,
                                                      guint                 position);
/* Moves the selection by `delta` rows within the shown list. */
void              bitlens_browser_move_selection     (BitlensBrowser       *self,
                                                      int                   delta);
void              bitlens_browser_set_filter         (BitlensBrowser       *self,
                                                      BitlensBrowserFilter  filter);
BitlensBrowserFilter bitlens_browser_get_filter      (BitlensBrowser       *self);
void              bitlens_browser_set_sort           (BitlensBrowser       *self,
                                                      BitlensBrowserSort    sort);
void              bitlens_browser_set_threshold      (BitlensBrowser       *self,
                                                      double                threshold);
void              bitlens_browser_set_comparing      (BitlensBrowser       *self,
                                                      gboolean              comparing);
/* Scores or labels changed: filter, sort and count again. */
void              bitlens_browser_refresh            (BitlensBrowser       *self);
/* Narrows the list to a slice of a labelled dataset, as the core computed it: its failures
 * (`failures`, items in the core's order, most confident mistake first), or every item of
 * the slice (`members`) once the whole slice is asked for. The filter above still applies;
 * sorting by the worst mistakes keeps the core's order. `name` NULL clears the slice. */
void              bitlens_browser_set_slice          (BitlensBrowser       *self,
                                                      const char           *name,
                                                      const char           *description,
                                                      GPtrArray            *failures,
                                                      GPtrArray            *members);
/* The active slice's name, or NULL. */
const char       *bitlens_browser_get_slice          (BitlensBrowser       *self);
/* TRUE: every item of the slice; FALSE: its failures. */
void              bitlens_browser_set_slice_whole    (BitlensBrowser       *self,
                                                      gboolean              whole);

G_END_DECLS
