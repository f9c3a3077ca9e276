/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Showing answers: a typed D-Bus value as one line of text or as JSON.
 * The pluto-like layouts of each status form come with the daemon side;
 * until then every row is printed as "key=value ..." in key order.
 *
 * Thread: any.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Appends @value as JSON (a{sv} becomes an object, arrays and tuples arrays). */
void ctl_json_append(GString *out, GVariant *value);

/* Appends one a{sv} as "key=value key=value", keys sorted, strings quoted when needed. */
void ctl_text_append_row(GString *out, GVariant *row);

G_END_DECLS
