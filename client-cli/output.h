/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Showing answers. Every status and list form has two faces: the text a
 * Libreswan user knows from whack (pluto's "000 ..." lines, built here only
 * from the typed values ikebusd returns, never a secret) and, with --json,
 * the answer itself as JSON with its keys sorted.
 *
 * The formatters take the answer as the D-Bus XML documents it and append
 * to a GString; they make no calls, so tests feed them canned answers.
 *
 * Thread: any; no globals.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* What the text depends on besides the answer. */
typedef struct {
	gint64 now;   /* Unix time, for "REKEY in 3581s" and "expired" */
	gboolean utc; /* dates in UTC (--utc) rather than local time */
} CtlFormat;

/* Appends @value as JSON (a{sv} becomes an object with its keys sorted, arrays and
 * tuples arrays). */
void ctl_json_append(GString *out, GVariant *value);

/* Appends one a{sv} as "key=value key=value", keys sorted, strings quoted when needed. */
void ctl_text_append_row(GString *out, GVariant *row);

/*
 * Appends the text of Manager.GetStatus(@form) answered with @rows (aa{sv}).
 * @states: the rows of GetStatus("showstates") for the same connections, or
 * NULL; connectionstatus and trafficstatus use them for what their own rows
 * lack (eroute owner, negotiated algorithms, the peer's ID, the SA type).
 * An unknown form is shown as key=value rows.
 */
void ctl_format_status(GString *out, const char *form, GVariant *rows, GVariant *states,
		       const CtlFormat *f);

/* Whether the text of @form with its @rows (GetStatus' aa{sv}) is better with
 * the showstates rows (see above): connectionstatus, and trafficstatus rows
 * of an ikebusd that does not name the peer's ID in them. */
gboolean ctl_status_wants_states(const char *form, GVariant *rows);

/* Manager.GetGlobalStatistics' a{sv} (or a globalstatus row) as pluto's
 * "000 current.states.ike=1" lines. */
void ctl_format_counters(GString *out, GVariant *counters);

/* Manager.List(@what) answered with @items (aa{sv}): one section per kind asked for. */
void ctl_format_list(GString *out, const char *const *what, GVariant *items, const CtlFormat *f);

/* Manager.CheckPublicKeys' items: one line per certificate that expires soon. */
void ctl_format_checkpubkeys(GString *out, GVariant *items, const CtlFormat *f);

G_END_DECLS
