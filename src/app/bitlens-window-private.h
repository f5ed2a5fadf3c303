/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <bitlens/bitlens.h>
#include <bitlens/bitlens-dataset.h>
#include <bitlens/bitlens-render.h>
#include <bitlens/bitlens-saliency.h>

#include "bitlens-browser.h"
#include "bitlens-colorbar.h"
#include "bitlens-datatest-panel.h"
#include "bitlens-image-view.h"
#include "bitlens-prediction-panel.h"
#include "bitlens-saliency-panel.h"
#include "bitlens-window.h"

G_BEGIN_DECLS

/* Work shown in the progress bar; cancelled together by win.cancel. */
typedef struct
{
  char         *label;
  double        fraction;
  GCancellable *cancellable;
} BitlensWindowJob;

struct _BitlensWindow
{
  AdwApplicationWindow    parent_instance;

  /* template children */
  AdwToastOverlay        *toast_overlay;
  AdwWindowTitle         *window_title;
  GtkStack               *main_stack;
  AdwPreferencesGroup    *loaded_group;
  AdwActionRow           *loaded_row;
  AdwPreferencesGroup    *demo_group;
  GtkListBox             *demo_list;
  AdwPreferencesGroup    *recent_group;
  GtkListBox             *recent_list;
  AdwFlap                *flap;
  BitlensBrowser         *browser;
  GtkStack               *view_stack;
  BitlensImageView       *image_view;
  BitlensImageView       *image_view_b;
  BitlensImageView       *image_view_diff;
  GtkLabel               *readout_label;
  GtkLabel               *colorbar_label;
  BitlensColorbar        *colorbar;
  BitlensPredictionPanel *prediction_panel;
  BitlensSaliencyPanel   *saliency_panel;
  GtkRevealer            *progress_revealer;
  GtkLabel               *progress_label;
  GtkProgressBar         *progress_bar;
  BitlensDatatestPanel   *datatest_panel;

  /* owned */
  GSettings              *settings;
  BitlensModel           *models[BITLENS_N_SLOTS];
  char                   *model_paths[BITLENS_N_SLOTS];
  /* Model A is the bundled demo model the window loaded by itself at start: a data unit
   * test spec's [model] replaces it, as it fills an empty slot. */
  gboolean                model_a_is_default;
  GListStore             *items;
  BitlensDataset         *dataset;          /* when the items are a labelled dataset */
  BitlensImageItem       *current_item;
  BitlensImage           *current_image;
  BitlensSaliencyMap     *maps[BITLENS_N_SLOTS];
  BitlensSaliencyMap     *difference_map;
  GHashTable             *score_cache;      /* "model\nimage" -> double* */
  GHashTable             *map_cache;        /* "model\nimage\nparams" -> BitlensSaliencyMap* */
  GPtrArray              *jobs;             /* BitlensWindowJob*, in start order */
  GCancellable           *scoring_cancellable;
  GCancellable           *image_cancellable;
  GCancellable           *saliency_cancellables[BITLENS_N_SLOTS];
  char                   *last_message;     /* the last toast, for tests */
  struct _BitlensWindowDatatests *datatests;   /* bitlens-window-datatests.c */
  guint                   refresh_source;
  gboolean                comparing;
  gboolean                disposed;         /* async results that arrive later are dropped */
  double                  threshold;
};

/* A job's state carried through async calls: the window and the progress entry. Reference
 * counted, because a progress callback may hold it after the result came; the entry goes
 * with the last reference. */
typedef struct
{
  BitlensWindow    *self;
  BitlensWindowJob *job;
} BitlensJobContext;

typedef struct _BitlensWindowDatatests BitlensWindowDatatests;

/* bitlens-window.c */
void              bitlens_window_schedule_browser_refresh (BitlensWindow *self);
void              bitlens_window_update_titles        (BitlensWindow      *self);
void              bitlens_window_update_main_page     (BitlensWindow      *self);

/* bitlens-window-jobs.c */
void              bitlens_window_job_free             (gpointer            job);
BitlensJobContext *bitlens_job_context_new            (BitlensWindow      *self,
                                                       BitlensWindowJob   *job);
gpointer          bitlens_job_context_ref             (BitlensJobContext  *context);
void              bitlens_job_context_unref           (gpointer            context);
gboolean          bitlens_error_is_cancellation       (const GError       *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensJobContext, bitlens_job_context_unref)

/* bitlens-window-scoring.c */
GPtrArray        *bitlens_window_get_item_array       (BitlensWindow      *self);
void              bitlens_window_cache_score          (BitlensWindow      *self,
                                                       BitlensSlot         slot,
                                                       BitlensImageItem   *item,
                                                       double              score);
void              bitlens_window_start_scoring        (BitlensWindow      *self);

/* bitlens-window-view.c */
void              bitlens_window_connect_view         (BitlensWindow      *self);
void              bitlens_window_set_current_item     (BitlensWindow      *self,
                                                       BitlensImageItem   *item);
void              bitlens_window_clear_maps           (BitlensWindow      *self);
void              bitlens_window_render_overlays      (BitlensWindow      *self);
void              bitlens_window_update_readout       (BitlensWindow      *self);
void              bitlens_window_update_captions      (BitlensWindow      *self);

/* bitlens-window-start-page.c */
void              bitlens_window_update_start_page    (BitlensWindow      *self);
GPtrArray        *bitlens_window_find_demo_models     (void);
void              bitlens_window_add_recent           (GFile              *file,
                                                       const char         *mime_type);

/* bitlens-window-open.c, bitlens-window.c (messages) */
void              bitlens_window_show_error           (BitlensWindow      *self,
                                                       const char         *context,
                                                       const GError       *error);
void              bitlens_window_show_message         (BitlensWindow      *self,
                                                       const char         *message);
void              bitlens_window_load_model           (BitlensWindow      *self,
                                                       BitlensSlot         slot,
                                                       GFile              *file);
/* The bundled demo model into slot A at start: not a recent file, and replaced by a spec's
 * [model]. */
void              bitlens_window_load_default_model   (BitlensWindow      *self,
                                                       GFile              *file);
void              bitlens_window_open_folder          (BitlensWindow      *self,
                                                       GFile              *folder);
void              bitlens_window_set_items            (BitlensWindow      *self,
                                                       GPtrArray          *items,
                                                       BitlensDataset     *dataset);
GPtrArray        *bitlens_window_items_from_dataset   (BitlensDataset     *dataset);
void              bitlens_window_add_images           (BitlensWindow      *self,
                                                       GFile             **files,
                                                       guint               n_files);
void              bitlens_window_compute_saliency     (BitlensWindow      *self,
                                                       gboolean            force);
void              bitlens_window_cancel_jobs          (BitlensWindow      *self);
BitlensWindowJob *bitlens_window_begin_job            (BitlensWindow      *self,
                                                       const char         *label,
                                                       GCancellable       *cancellable);
void              bitlens_window_update_job           (BitlensWindow      *self,
                                                       BitlensWindowJob   *job,
                                                       double              fraction);
void              bitlens_window_end_job              (BitlensWindow      *self,
                                                       BitlensWindowJob   *job);
void              bitlens_window_fill_export_info     (BitlensWindow      *self,
                                                       BitlensSlot         slot,
                                                       BitlensImageItem   *item,
                                                       BitlensSaliencyParams *params,
                                                       BitlensRenderOptions *render,
                                                       BitlensExportInfo  *info);

/* bitlens-window-datatests.c */
void              bitlens_window_init_datatests       (BitlensWindow      *self);
void              bitlens_window_dispose_datatests    (BitlensWindow      *self);
gboolean          bitlens_window_file_is_spec         (GFile              *file);
void              bitlens_window_datatests_models_changed (BitlensWindow  *self);
void              bitlens_window_show_test_slice      (BitlensWindow      *self,
                                                       guint               index);

/* bitlens-window-statistics.c */
void              bitlens_window_show_statistics      (BitlensWindow      *self);

/* bitlens-window-actions.c */
void              bitlens_window_class_add_actions    (GtkWidgetClass     *widget_class);
void              bitlens_window_update_actions       (BitlensWindow      *self);

G_END_DECLS
