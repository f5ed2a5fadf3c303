/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BITLENS_TYPE_PREFERENCES_WINDOW (bitlens_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (BitlensPreferencesWindow, bitlens_preferences_window, BITLENS, PREFERENCES_WINDOW, AdwPreferencesWindow)

BitlensPreferencesWindow *bitlens_preferences_window_new (GSettings *settings);

G_END_DECLS
