/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bitlens-application.h"
#include "bitlens-window.h"

G_BEGIN_DECLS

typedef gboolean (*GuiCondition) (gpointer user_data);

/* Iterates the default main context until `condition` holds or `timeout_ms` pass;
 * returns whether it held. */
gboolean            gui_wait_until          (GuiCondition  condition,
                                             gpointer      user_data,
                                             guint         timeout_ms);
/* Iterates the main context for about `ms` milliseconds. */
void                gui_spin                (guint         ms);
/* A registered, non-unique application (no D-Bus name), as the GUI tests and the
 * screenshot tool use it. */
BitlensApplication *gui_application_new     (void);
/* Presents the window and waits until it is drawn. */
void                gui_present             (GtkWindow    *window);
/* Renders a widget (with GSK_RENDERER=cairo: the same pixels on every machine) and saves
 * it as PNG. */
gboolean            gui_save_screenshot     (GtkWidget    *widget,
                                             const char   *path,
                                             GError      **error);
/* Opens a file or folder in the window as the Open dialog does. */
void                gui_open_path           (BitlensWindow *window,
                                             const char    *path);
/* The first visible toplevel window of that type, or NULL. */
GtkWindow          *gui_find_toplevel       (GType         type);
/* The start of a screenshot tool run as PROGRAM SHARED_DIR OUTPUT_DIR: FALSE after a usage
 * message when the arguments are not that; else the locale and its translations (from
 * BITLENS_LOCALEDIR when set), GTK and libadwaita are set up. */
gboolean            gui_screenshot_tool_init (int           argc,
                                              char         *argv[],
                                              const char  **shared,
                                              const char  **output_dir);
/* Waits `settle_ms` for the widget to settle, then saves it as OUTPUT_DIR/NAME; a failure
 * ends the tool. */
void                gui_screenshot_shoot    (GtkWidget    *widget,
                                             const char   *output_dir,
                                             const char   *name,
                                             guint         settle_ms);
/* TRUE when the window has no job running. */
gboolean            gui_window_is_idle      (gpointer      window);
/* A labelled dataset for pictures that may be shown: ROOT/NAME/ with symbolic links to
 * the scikit-image samples of SHARED/data/photos (public domain, CC0) and a labels.csv of
 * their rows of photos/labels.csv. Returns the folder. */
char               *gui_make_sample_dataset (const char   *shared,
                                             const char   *root,
                                             const char   *name);
/* Removes a folder and what it holds (symbolic links, not what they point to). */
void                gui_remove_tree         (const char   *path);

G_END_DECLS
