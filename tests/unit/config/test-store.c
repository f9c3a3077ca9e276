/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config/store.c: one keyfile per connection, atomic, 0600, corrupt files skipped. */
#include "config.h"

#include "config/store.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

static GPtrArray *warnings;

/* The store logs with structured logging, which g_test_expect_message()
 * does not see: collect the warnings instead. */
static GLogWriterOutput
collect(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
	for (gsize i = 0; i < n; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE") && (level & G_LOG_LEVEL_WARNING))
			g_ptr_array_add(warnings, g_strdup(fields[i].value));
	}
	return G_LOG_WRITER_HANDLED;
}

static IkebusConnection *
make_conn(const char *name)
{
	g_autoptr(GVariant) options = g_variant_ref_sink(g_variant_new_parsed(
		"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, "
		"'left-subnet': <['10.0.1.0/24']>, 'right-ike-port': <uint32 4500>, "
		"'psk': <true>, 'encrypt': <true>, 'send-ca': <'issuer'>, 'left-send-cert': <'yes'>}"));
	g_autoptr(GError) error = NULL;
	IkebusConnection *conn = ikebus_connection_new_from_options(name, options, &error);

	g_assert_no_error(error);
	return conn;
}

static void
test_roundtrip(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-store-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename(dir, "connections", NULL);
	g_autoptr(IkebusStore) store = ikebus_store_new(sub);
	g_autoptr(IkebusConnection) a = make_conn("east-west");
	g_autoptr(IkebusConnection) b = make_conn("with space:and.odd é");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) loaded = NULL;
	g_autofree char *path = ikebus_store_path_for(store, "east-west");
	g_autofree char *bad = g_build_filename(sub, "zz-bad.conn", NULL);
	g_autofree char *bad2 = g_build_filename(sub, "zz-bad2.conn", NULL);
	struct stat st;

	g_assert_true(ikebus_store_save(store, a, &error));
	g_assert_no_error(error);
	g_assert_true(ikebus_store_save(store, b, &error));
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(sub, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);

	/* corrupt files: each is reported and skipped, the rest load */
	g_assert_true(g_file_set_contents(bad, "[connection]\nname=x\n[options]\npsk=notavariant(\n",
					  -1, NULL));
	g_assert_true(g_file_set_contents(bad2, "\x01garbage", -1, NULL));
	warnings = g_ptr_array_new_with_free_func(g_free);
	loaded = ikebus_store_load_all(store);
	g_assert_cmpuint(warnings->len, ==, 2);
	g_assert_true(g_pattern_match_simple("*zz-bad.conn: psk: *skipped", warnings->pdata[0]));
	g_assert_true(g_pattern_match_simple("*zz-bad2.conn: *skipped", warnings->pdata[1]));
	g_ptr_array_unref(warnings);
	g_assert_cmpuint(loaded->len, ==, 2);
	for (guint i = 0; i < loaded->len; i++) {
		IkebusConnection *c = loaded->pdata[i];
		IkebusConnection *orig = g_str_equal(c->name, "east-west") ? a : b;
		g_autoptr(GVariant) o1 = g_variant_ref_sink(ikebus_connection_to_options(orig));
		g_autoptr(GVariant) o2 = g_variant_ref_sink(ikebus_connection_to_options(c));

		g_assert_true(g_variant_equal(o1, o2));
	}

	g_assert_true(ikebus_store_remove(store, "east-west", &error));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_true(ikebus_store_remove(store, "east-west", &error)); /* already gone: fine */
	g_unlink(bad);
	g_unlink(bad2);
	ikebus_store_remove(store, "with space:and.odd é", NULL);
	g_rmdir(sub);
	g_rmdir(dir);
}

static void
test_missing_dir(void)
{
	g_autoptr(IkebusStore) store = ikebus_store_new("/nonexistent/ikebus-test-store");
	g_autoptr(GPtrArray) loaded = ikebus_store_load_all(store);

	g_assert_cmpuint(loaded->len, ==, 0);
}

static void
test_file_names(void)
{
	g_autoptr(IkebusStore) store = ikebus_store_new("/d");
	g_autofree char *p1 = ikebus_store_path_for(store, "a.b");
	g_autofree char *p2 = ikebus_store_path_for(store, "a_2Eb");
	g_autofree char *p3 = ikebus_store_path_for(store, "../x");

	g_assert_cmpstr(p1, ==, "/d/a%2Eb.conn");
	g_assert_cmpstr(p2, ==, "/d/a_2Eb.conn");
	g_assert_cmpstr(p3, ==, "/d/%2E%2E%2Fx.conn");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_writer_func(collect, NULL, NULL);
	g_test_add_func("/store/roundtrip", test_roundtrip);
	g_test_add_func("/store/missing-dir", test_missing_dir);
	g_test_add_func("/store/file-names", test_file_names);
	return g_test_run();
}
