/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "output-private.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void
json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++) {
		/* the plain run up to the next character that needs escaping, at once */
		const unsigned char *q = p;

		while (*q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			g_string_append_len(out, (const char *) p, q - p);
			p = q;
			if (*p == '\0')
				break;
		}
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char) *p);
		}
	}
	g_string_append_c(out, '"');
}

typedef struct {
	const char *key; /* NULL: not a string key */
	GVariant *entry;
} JsonEntry;

static gint
compare_json_entries(gconstpointer a, gconstpointer b, gpointer unused)
{
	const JsonEntry *x = a, *y = b;

	if (x->key != NULL && y->key != NULL)
		return strcmp(x->key, y->key);
	return 0;
}

/* Objects print their keys sorted: ikebusd builds its dictionaries from hash
 * tables, and a machine diffing two runs should not see the order change.
 * Each key is read once (not once per comparison). */
static void
json_container(GString *out, GVariant *value)
{
	gboolean dict = g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY) &&
			g_variant_type_is_dict_entry(g_variant_type_element(g_variant_get_type(value)));
	gsize n = g_variant_n_children(value);
	g_autofree JsonEntry *entries = g_new(JsonEntry, n);
	GVariantIter iter;
	GVariant *child;
	gsize i = 0;

	g_variant_iter_init(&iter, value);
	while (i < n && (child = g_variant_iter_next_value(&iter)) != NULL) {
		entries[i].entry = child;
		entries[i].key = NULL;
		if (dict) {
			g_autoptr(GVariant) k = g_variant_get_child_value(child, 0);

			/* the string lives in @child's data, which outlives @k */
			if (g_variant_is_of_type(k, G_VARIANT_TYPE_STRING))
				entries[i].key = g_variant_get_string(k, NULL);
		}
		i++;
	}
	n = i;
	/* a merge sort: stable, so non-string keys keep their order */
	if (dict)
		g_qsort_with_data(entries, (gint) n, sizeof(JsonEntry), compare_json_entries, NULL);
	g_string_append_c(out, dict ? '{' : '[');
	for (i = 0; i < n; i++) {
		child = entries[i].entry;
		if (i > 0)
			g_string_append_c(out, ',');
		if (dict) {
			g_autoptr(GVariant) v = g_variant_get_child_value(child, 1);

			if (entries[i].key != NULL) {
				json_string(out, entries[i].key);
			} else {
				g_autoptr(GVariant) k = g_variant_get_child_value(child, 0);
				g_autofree char *printed = g_variant_print(k, FALSE);

				json_string(out, printed);
			}
			g_string_append_c(out, ':');
			ctl_json_append(out, v);
		} else {
			ctl_json_append(out, child);
		}
		g_variant_unref(child);
	}
	g_string_append_c(out, dict ? '}' : ']');
}

void
ctl_json_append(GString *out, GVariant *value)
{
	switch (g_variant_classify(value)) {
	case G_VARIANT_CLASS_BOOLEAN:
		g_string_append(out, g_variant_get_boolean(value) ? "true" : "false");
		return;
	case G_VARIANT_CLASS_BYTE:
		g_string_append_printf(out, "%u", g_variant_get_byte(value));
		return;
	case G_VARIANT_CLASS_INT16:
		g_string_append_printf(out, "%d", g_variant_get_int16(value));
		return;
	case G_VARIANT_CLASS_UINT16:
		g_string_append_printf(out, "%u", g_variant_get_uint16(value));
		return;
	case G_VARIANT_CLASS_INT32:
		g_string_append_printf(out, "%d", g_variant_get_int32(value));
		return;
	case G_VARIANT_CLASS_UINT32:
		g_string_append_printf(out, "%u", g_variant_get_uint32(value));
		return;
	case G_VARIANT_CLASS_INT64:
		g_string_append_printf(out, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
		return;
	case G_VARIANT_CLASS_UINT64:
		g_string_append_printf(out, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
		return;
	case G_VARIANT_CLASS_HANDLE:
		g_string_append_printf(out, "%d", g_variant_get_handle(value));
		return;
	case G_VARIANT_CLASS_DOUBLE: {
		char buf[G_ASCII_DTOSTR_BUF_SIZE];

		g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), g_variant_get_double(value)));
		return;
	}
	case G_VARIANT_CLASS_STRING:
	case G_VARIANT_CLASS_OBJECT_PATH:
	case G_VARIANT_CLASS_SIGNATURE:
		json_string(out, g_variant_get_string(value, NULL));
		return;
	case G_VARIANT_CLASS_VARIANT: {
		g_autoptr(GVariant) inner = g_variant_get_variant(value);

		ctl_json_append(out, inner);
		return;
	}
	case G_VARIANT_CLASS_MAYBE: {
		g_autoptr(GVariant) inner = g_variant_get_maybe(value);

		if (inner == NULL)
			g_string_append(out, "null");
		else
			ctl_json_append(out, inner);
		return;
	}
	case G_VARIANT_CLASS_ARRAY:
	case G_VARIANT_CLASS_TUPLE:
	case G_VARIANT_CLASS_DICT_ENTRY:
		json_container(out, value);
		return;
	}
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static gboolean
needs_quotes(const char *s)
{
	if (*s == '\0')
		return TRUE;
	for (; *s != '\0'; s++) {
		if (g_ascii_isspace(*s) || *s == '"' || *s == '=')
			return TRUE;
	}
	return FALSE;
}

void
ctl_text_append_row(GString *out, GVariant *row)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	GVariantIter iter;
	const char *key;

	g_variant_iter_init(&iter, row);
	while (g_variant_iter_next(&iter, "{&sv}", &key, NULL))
		g_ptr_array_add(keys, (gpointer) key);
	qsort(keys->pdata, keys->len, sizeof(gpointer), compare_keys);
	for (guint i = 0; i < keys->len; i++) {
		g_autoptr(GVariant) v = g_variant_lookup_value(row, keys->pdata[i], NULL);

		if (i > 0)
			g_string_append_c(out, ' ');
		g_string_append_printf(out, "%s=", (const char *) keys->pdata[i]);
		if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
		    g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)) {
			const char *s = g_variant_get_string(v, NULL);

			if (needs_quotes(s))
				json_string(out, s);
			else
				g_string_append(out, s);
		} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY)) {
			g_autofree const char **items = g_variant_get_strv(v, NULL);
			g_autofree char *joined = g_strjoinv(",", (char **) items);

			g_string_append(out, joined);
		} else {
			g_autofree char *printed = g_variant_print(v, FALSE);

			g_string_append(out, printed);
		}
	}
}

/* ---- helpers of the formatters (output-private.h) ------------------------------- */

/* An index of each row looked into. A lookup in an a{sv} walks its entries,
 * making a GVariant of each, and the status lines look ~15 keys up in each
 * SA row of ~25: with 10,000 SAs that was most of ikebusctl's time. An
 * indexed row is referenced, so its address cannot come back as another
 * row's; the index is dropped as a whole past ROW_INDEX_MAX rows. Every
 * row of a listing must fit: past the cap each pass over the rows indexes
 * them all again (100,000 IKE SAs with a Child SA each are 200,500 rows:
 * --status took 28 s with a cap of 200,000, ~2 KiB per indexed row). */
#define ROW_INDEX_MAX 1000000

static GHashTable *row_index; /* row (ref) -> GHashTable key -> value (ref) */

static void
row_index_drop(gpointer key)
{
	g_variant_unref(key);
}

/* @row's value of @key, borrowed (valid while @row lives), or NULL. */
static GVariant *
row_value(GVariant *row, const char *key)
{
	GHashTable *fields;
	gsize n;

	if (!g_variant_is_of_type(row, G_VARIANT_TYPE_VARDICT))
		return NULL;
	if (row_index == NULL || g_hash_table_size(row_index) >= ROW_INDEX_MAX) {
		g_clear_pointer(&row_index, g_hash_table_unref);
		row_index = g_hash_table_new_full(NULL, NULL, row_index_drop,
						  (GDestroyNotify) g_hash_table_unref);
	}
	fields = g_hash_table_lookup(row_index, row);
	if (fields != NULL)
		return g_hash_table_lookup(fields, key);
	fields = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
	n = g_variant_n_children(row);
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(row, i);
		g_autoptr(GVariant) k = g_variant_get_child_value(entry, 0);
		g_autoptr(GVariant) boxed = g_variant_get_child_value(entry, 1);
		/* the key's string lives in @row's data, which outlives @k */
		const char *name = g_variant_get_string(k, NULL);

		/* the first of duplicate keys, as g_variant_lookup_value() */
		if (!g_hash_table_contains(fields, name))
			g_hash_table_insert(fields, (gpointer) name, g_variant_get_variant(boxed));
	}
	g_hash_table_insert(row_index, g_variant_ref(row), fields);
	return g_hash_table_lookup(fields, key);
}

const char *
ctl_row_str(GVariant *row, const char *key, const char *def)
{
	GVariant *v = row_value(row, key);

	if (v == NULL || !(g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
			   g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)))
		return def;
	/* the value lives in @row's data, which outlives this call */
	return g_variant_get_string(v, NULL);
}

gint64
ctl_row_int(GVariant *row, const char *key, gint64 def)
{
	GVariant *v = row_value(row, key);

	if (v == NULL)
		return def;
	switch (g_variant_classify(v)) {
	case G_VARIANT_CLASS_BYTE:
		return g_variant_get_byte(v);
	case G_VARIANT_CLASS_INT16:
		return g_variant_get_int16(v);
	case G_VARIANT_CLASS_UINT16:
		return g_variant_get_uint16(v);
	case G_VARIANT_CLASS_INT32:
		return g_variant_get_int32(v);
	case G_VARIANT_CLASS_UINT32:
		return g_variant_get_uint32(v);
	case G_VARIANT_CLASS_INT64:
		return g_variant_get_int64(v);
	case G_VARIANT_CLASS_UINT64:
		return (gint64) MIN(g_variant_get_uint64(v), (guint64) G_MAXINT64);
	case G_VARIANT_CLASS_BOOLEAN:
	case G_VARIANT_CLASS_HANDLE:
	case G_VARIANT_CLASS_DOUBLE:
	case G_VARIANT_CLASS_STRING:
	case G_VARIANT_CLASS_OBJECT_PATH:
	case G_VARIANT_CLASS_SIGNATURE:
	case G_VARIANT_CLASS_VARIANT:
	case G_VARIANT_CLASS_MAYBE:
	case G_VARIANT_CLASS_ARRAY:
	case G_VARIANT_CLASS_TUPLE:
	case G_VARIANT_CLASS_DICT_ENTRY:
		break;
	}
	return def;
}

guint64
ctl_row_uint(GVariant *row, const char *key, guint64 def)
{
	GVariant *v = row_value(row, key);
	gint64 i;

	if (v == NULL)
		return def;
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
		return g_variant_get_uint64(v);
	i = ctl_row_int(row, key, -1);
	if (i == -1 && !g_variant_is_of_type(v, G_VARIANT_TYPE_INT64) &&
	    !g_variant_is_of_type(v, G_VARIANT_TYPE_INT32) &&
	    !g_variant_is_of_type(v, G_VARIANT_TYPE_INT16))
		return def;
	return i < 0 ? 0 : (guint64) i;
}

gboolean
ctl_row_bool(GVariant *row, const char *key, gboolean def)
{
	GVariant *v = row_value(row, key);

	return v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) ? g_variant_get_boolean(v)
									     : def;
}

const char **
ctl_row_strv(GVariant *row, const char *key)
{
	GVariant *v = row_value(row, key);

	return v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY)
		       ? g_variant_get_strv(v, NULL)
		       : NULL;
}

gboolean
ctl_row_has(GVariant *row, const char *key)
{
	return row_value(row, key) != NULL;
}

void
ctl_line(GString *out, const char *format, ...)
{
	va_list ap;

	g_string_append(out, CTL_RC_COMMENT);
	va_start(ap, format);
	g_string_append_vprintf(out, format, ap);
	va_end(ap);
	g_string_append_c(out, '\n');
}

void
ctl_blank(GString *out)
{
	g_string_append(out, CTL_RC_COMMENT " \n");
}

char *
ctl_format_date(gint64 unix_time, const CtlFormat *f)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(unix_time);
	g_autoptr(GDateTime) local = NULL;

	if (utc == NULL)
		return g_strdup("--- -- --:--:-- ----");
	if (f->utc)
		return g_date_time_format(utc, "%b %d %H:%M:%S UTC %Y");
	local = g_date_time_to_local(utc);
	return g_date_time_format(local, "%b %d %H:%M:%S %Y");
}

char *
ctl_name_from_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	guint8 *name = g_dbus_unescape_object_path(slash != NULL ? slash + 1 : path);

	return name != NULL ? (char *) name : g_strdup(slash != NULL ? slash + 1 : path);
}
