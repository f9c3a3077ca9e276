/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "dump.h"

void
dump_string(GString *json, const char *value)
{
	if (value == NULL) {
		g_string_append(json, "null");
		return;
	}
	g_string_append_c(json, '"');
	for (const char *p = value; *p != '\0'; p++) {
		guchar c = (guchar) *p;

		switch (c) {
		case '"':
			g_string_append(json, "\\\"");
			break;
		case '\\':
			g_string_append(json, "\\\\");
			break;
		case '\n':
			g_string_append(json, "\\n");
			break;
		case '\t':
			g_string_append(json, "\\t");
			break;
		default:
			if (c < 0x20)
				g_string_append_printf(json, "\\u%04x", c);
			else
				g_string_append_c(json, (char) c);
		}
	}
	g_string_append_c(json, '"');
}

void
dump_key(GString *json, const char *key)
{
	dump_string(json, key);
	g_string_append_c(json, ':');
}

void
dump_member_string(GString *json, const char *key, const char *value, gboolean more)
{
	dump_key(json, key);
	dump_string(json, value);
	if (more)
		g_string_append_c(json, ',');
}

void
dump_member_bool(GString *json, const char *key, gboolean value, gboolean more)
{
	dump_key(json, key);
	g_string_append(json, value ? "true" : "false");
	if (more)
		g_string_append_c(json, ',');
}

void
dump_member_uint(GString *json, const char *key, guint value, gboolean more)
{
	dump_key(json, key);
	g_string_append_printf(json, "%u", value);
	if (more)
		g_string_append_c(json, ',');
}
