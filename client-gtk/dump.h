/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tiny JSON writer for --dump-state: what the widgets show, for tests that
 * check what a person would see without reading pixels.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends @value as a JSON string (null for NULL). */
void dump_string(GString *json, const char *value);
/* "key":value followed by a comma when @more. */
void dump_member_string(GString *json, const char *key, const char *value, gboolean more);
void dump_member_bool(GString *json, const char *key, gboolean value, gboolean more);
void dump_member_uint(GString *json, const char *key, guint value, gboolean more);
/* "key": then the caller appends the value. */
void dump_key(GString *json, const char *key);

G_END_DECLS
