/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define GROUP_CONNECTION "connection"
#define GROUP_OPTIONS "options"
#define SUFFIX ".conn"

struct IkebusStore {
	char *dir;
};

IkebusStore *
ikebus_store_new(const char *dir)
{
	IkebusStore *store = g_new0(IkebusStore, 1);

	store->dir = g_strdup(dir);
	return store;
}

void
ikebus_store_free(IkebusStore *store)
{
	if (store == NULL)
		return;
	g_free(store->dir);
	g_free(store);
}

const char *
ikebus_store_get_dir(const IkebusStore *store)
{
	return store->dir;
}

/* Letters, digits, '-' and '_' stay; every other byte becomes %XX, so any
 * connection name gives one safe file name and two names never collide. */
char *
ikebus_store_path_for(const IkebusStore *store, const char *name)
{
	GString *file = g_string_new(NULL);
	g_autofree char *base = NULL;

	for (const guchar *p = (const guchar *) name; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || *p == '-' || *p == '_')
			g_string_append_c(file, (char) *p);
		else
			g_string_append_printf(file, "%%%02X", *p);
	}
	g_string_append(file, SUFFIX);
	base = g_string_free(file, FALSE);
	return g_build_filename(store->dir, base, NULL);
}

gboolean
ikebus_store_save(IkebusStore *store, const IkebusConnection *conn, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GVariant) options = g_variant_ref_sink(ikebus_connection_to_options(conn));
	g_autofree char *path = ikebus_store_path_for(store, conn->name);
	g_autofree char *data = NULL;
	GVariantIter iter;
	const char *key;
	GVariant *value;
	gsize len = 0;

	if (g_mkdir_with_parents(store->dir, 0700) != 0) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", store->dir,
			    g_strerror(e));
		return FALSE;
	}
	g_key_file_set_string(kf, GROUP_CONNECTION, "name", conn->name);
	g_variant_iter_init(&iter, options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autofree char *text = g_variant_print(value, TRUE);

		g_key_file_set_string(kf, GROUP_OPTIONS, key, text);
		g_variant_unref(value);
	}
	data = g_key_file_to_data(kf, &len, NULL);
	return g_file_set_contents_full(path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
					0600, error);
}

gboolean
ikebus_store_remove(IkebusStore *store, const char *name, GError **error)
{
	g_autofree char *path = ikebus_store_path_for(store, name);

	if (g_unlink(path) != 0 && errno != ENOENT) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
			    g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

IkebusConnection *
ikebus_store_parse(const char *data, gsize len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *name = NULL;
	g_auto(GStrv) keys = NULL;
	g_autoptr(GVariant) options = NULL;
	GVariantBuilder b;

	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, error))
		return NULL;
	name = g_key_file_get_string(kf, GROUP_CONNECTION, "name", error);
	if (name == NULL)
		return NULL;
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	keys = g_key_file_get_keys(kf, GROUP_OPTIONS, NULL, NULL);
	for (gsize i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree char *text = g_key_file_get_string(kf, GROUP_OPTIONS, keys[i], NULL);
		g_autoptr(GError) local = NULL;
		GVariant *value = text != NULL ? g_variant_parse(NULL, text, NULL, NULL, &local) : NULL;

		if (value == NULL) {
			g_variant_builder_clear(&b);
			g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_BAD_VALUE,
				    "%s: not a typed value: %s", keys[i],
				    local != NULL ? local->message : "missing");
			return NULL;
		}
		g_variant_builder_add(&b, "{sv}", keys[i], value);
	}
	options = g_variant_ref_sink(g_variant_builder_end(&b));
	return ikebus_connection_new_from_options(name, options, error);
}

static int
compare_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
ikebus_store_load_all(IkebusStore *store)
{
	GPtrArray *conns = g_ptr_array_new_with_free_func((GDestroyNotify) ikebus_connection_free);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(store->dir, 0, &error);
	const char *entry;

	if (dir == NULL) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("connection store %s: %s", store->dir, error->message);
		return conns;
	}
	while ((entry = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(entry, SUFFIX) && entry[0] != '.')
			g_ptr_array_add(files, g_build_filename(store->dir, entry, NULL));
	}
	g_ptr_array_sort(files, compare_paths);
	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		g_autofree char *data = NULL;
		g_autofree char *expected = NULL;
		gsize len = 0;
		g_autoptr(GError) local = NULL;
		IkebusConnection *conn;

		if (!g_file_get_contents(path, &data, &len, &local)) {
			g_warning("connection store: %s: %s; skipped", path, local->message);
			continue;
		}
		conn = ikebus_store_parse(data, len, &local);
		if (conn == NULL) {
			g_warning("connection store: %s: %s; skipped", path, local->message);
			continue;
		}
		expected = ikebus_store_path_for(store, conn->name);
		if (!g_str_equal(expected, path)) {
			g_warning("connection store: %s: holds connection \"%s\", which belongs in %s; "
				  "skipped", path, conn->name, expected);
			ikebus_connection_free(conn);
			continue;
		}
		g_ptr_array_add(conns, conn);
	}
	return conns;
}
