/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Small helpers for JSON lines written by hand (so that numbers keep the exact format the
 * commands promise, which a generic JSON writer would not). */

/* Appends `text` as a JSON string: quoted, with '"', '\\' and control characters escaped;
 * bytes that are not valid UTF-8 become U+FFFD. */
void cli_json_append_string (GString    *out,
                             const char *text);
/* Appends a number printed with "%.9g" in the C locale (enough digits for a float to read
 * back exactly), or null when it is not finite (JSON has no NaN or infinity). */
void cli_json_append_g9     (GString    *out,
                             double      value);
/* "%.9g" in the C locale, whatever the user's locale says about decimal commas. */
void cli_format_g9          (char       *buffer,
                             gsize       buffer_size,
                             double      value);

G_END_DECLS
