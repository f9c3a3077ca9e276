/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the formatters (output-*.c): typed reads of one a{sv}
 * row that tolerate a missing key or another integer type, pluto's line
 * prefix, dates. Thread: any.
 */
#pragma once

#include "output.h"

G_BEGIN_DECLS

/* whack's status prefixes: RC_COMMENT and RC_INFORMATIONAL_TRAFFIC */
#define CTL_RC_COMMENT "000 "
#define CTL_RC_TRAFFIC "006 "

/* The string at @key (s or o), borrowed from @row; @def when absent or of another type. */
const char *ctl_row_str(GVariant *row, const char *key, const char *def);

/* Any integer at @key as a guint64 (negative values as 0); @def when absent. */
guint64 ctl_row_uint(GVariant *row, const char *key, guint64 def);

/* Any integer at @key as a gint64; @def when absent. */
gint64 ctl_row_int(GVariant *row, const char *key, gint64 def);

gboolean ctl_row_bool(GVariant *row, const char *key, gboolean def);

/* The as at @key as a borrowed NULL-terminated array (free the array only), or NULL. */
const char **ctl_row_strv(GVariant *row, const char *key);

/* Whether @row has @key at all. */
gboolean ctl_row_has(GVariant *row, const char *key);

/* Appends "000 " + the printf text + "\n". */
void ctl_line(GString *out, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* pluto's separator line, "000  " */
void ctl_blank(GString *out);

/* "Nov 14 22:13:20 2023" (local) or "Nov 14 22:13:20 UTC 2023"; owned. */
char *ctl_format_date(gint64 unix_time, const CtlFormat *f);

/* The connection name in a connection object path (its unescaped last element); owned. */
char *ctl_name_from_path(const char *path);

G_END_DECLS
