/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BITLENS_TYPE_APPLICATION (bitlens_application_get_type ())

G_DECLARE_FINAL_TYPE (BitlensApplication, bitlens_application, BITLENS, APPLICATION, AdwApplication)

BitlensApplication *bitlens_application_new          (GApplicationFlags   flags);
GSettings          *bitlens_application_get_settings (BitlensApplication *self);

G_END_DECLS
