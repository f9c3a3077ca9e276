/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bus/gvs.c: what it writes is byte for byte what GVariantBuilder makes. */
#include "config.h"

#include "gvs.h"

#include <string.h>

static void
assert_same(GVariant *mine, GVariant *ref)
{
	g_autoptr(GVariant) a = g_variant_ref_sink(mine);
	g_autoptr(GVariant) b = g_variant_ref_sink(ref);

	g_assert_cmpstr(g_variant_get_type_string(a), ==, g_variant_get_type_string(b));
	g_assert_true(g_variant_is_normal_form(a));
	g_assert_cmpuint(g_variant_get_size(a), ==, g_variant_get_size(b));
	g_assert_cmpmem(g_variant_get_data(a), g_variant_get_size(a), g_variant_get_data(b),
			g_variant_get_size(b));
	g_assert_true(g_variant_equal(a, b));
}

/* @n entries of assorted types; @big makes the values long */
static void
fill(BusGvs *w, GVariantBuilder *b, guint n, gsize big)
{
	for (guint i = 0; i < n; i++) {
		g_autofree char *key = g_strdup_printf("key-%u", i);
		g_autofree char *s = g_strnfill(i % 7 + big, 'a' + (char) (i % 26));
		const char *strv[] = { s, "x", "", NULL };
		const char *paths[] = { "/org/ikebus/ike1/child/1", "/a", NULL };
		GVariant *v;

		switch (i % 10) {
		case 0:
			v = g_variant_new_string(s);
			break;
		case 1:
			v = g_variant_new_uint32(i * 77);
			break;
		case 2:
			v = g_variant_new_uint64((guint64) i << 40);
			break;
		case 3:
			v = g_variant_new_boolean(i & 1);
			break;
		case 4:
			v = g_variant_new_uint16((guint16) i);
			break;
		case 5:
			v = g_variant_new_strv(strv, -1);
			break;
		case 6:
			v = g_variant_new_objv(paths, i % 3 == 0 ? 0 : -1);
			break;
		case 7:
			v = g_variant_new_int64(-(gint64) i);
			break;
		case 8:
			v = g_variant_new_object_path("/org/ikebus/ike1/connection/c");
			break;
		default:
			v = g_variant_new_strv(NULL, 0);
			break;
		}
		g_variant_ref_sink(v);
		bus_gvs_entry_sv(w, key, v);
		g_variant_builder_add(b, "{sv}", key, v);
		g_variant_unref(v);
	}
}

static void
test_vardict(void)
{
	/* 0, 1 and small; then past 255 bytes (2-byte offsets) and past 65535 (4-byte) */
	const guint counts[] = { 0, 1, 3, 10, 25, 400 };
	const gsize bigs[] = { 0, 0, 0, 30, 0, 300 };

	for (gsize k = 0; k < G_N_ELEMENTS(counts); k++) {
		BusGvs w;
		GVariantBuilder b;

		bus_gvs_init(&w);
		g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
		bus_gvs_open_array(&w, 8);
		fill(&w, &b, counts[k], bigs[k]);
		bus_gvs_close_array(&w);
		assert_same(bus_gvs_end(&w, G_VARIANT_TYPE_VARDICT), g_variant_builder_end(&b));
		bus_gvs_clear(&w);
	}
}

/* {oa{sa{sv}}} entries, as GetManagedObjects lists SAs; and a whole a{oa{sa{sv}}} */
static void
test_managed(void)
{
	BusGvs whole;
	GVariantBuilder all;

	bus_gvs_init(&whole);
	g_variant_builder_init(&all, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	bus_gvs_open_array(&whole, 8);
	for (guint i = 0; i < 40; i++) {
		g_autofree char *path = g_strdup_printf("/org/ikebus/ike1/ike/%u", i + 1);
		BusGvs w;
		GVariantBuilder b, ifaces;
		GVariant *ref;

		bus_gvs_init(&w);
		g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
		bus_gvs_open_entry(&w, path, 8);
		bus_gvs_open_array(&w, 8);
		bus_gvs_open_entry(&w, "org.ikebus.ike1.IkeSA", 8);
		bus_gvs_open_array(&w, 8);
		fill(&w, &b, i * 3, i);
		bus_gvs_close_array(&w);
		bus_gvs_close_entry(&w);
		bus_gvs_close_array(&w);
		bus_gvs_close_entry(&w);

		/* the same into the one big array */
		bus_gvs_open_entry(&whole, path, 8);
		bus_gvs_open_array(&whole, 8);
		bus_gvs_open_entry(&whole, "org.ikebus.ike1.IkeSA", 8);
		bus_gvs_open_array(&whole, 8);
		{
			GVariantBuilder unused;

			g_variant_builder_init(&unused, G_VARIANT_TYPE_VARDICT);
			fill(&whole, &unused, i * 3, i);
			g_variant_builder_clear(&unused);
		}
		bus_gvs_close_array(&whole);
		bus_gvs_close_entry(&whole);
		bus_gvs_close_array(&whole);
		bus_gvs_close_entry(&whole);

		g_variant_builder_add(&ifaces, "{sa{sv}}", "org.ikebus.ike1.IkeSA", &b);
		ref = g_variant_new("{oa{sa{sv}}}", path, &ifaces);
		/* the builder takes the floating reference; this one is ours */
		g_variant_builder_add_value(&all, g_variant_ref(ref));
		assert_same(bus_gvs_end(&w, G_VARIANT_TYPE("{oa{sa{sv}}}")), ref);
		g_variant_unref(ref);
		bus_gvs_clear(&w);
	}
	bus_gvs_close_array(&whole);
	assert_same(bus_gvs_end(&whole, G_VARIANT_TYPE("a{oa{sa{sv}}}")), g_variant_builder_end(&all));
	bus_gvs_clear(&whole);
}

/* as written as an array of strings, and a floating value given to bus_gvs_variant() */
static void
test_strings(void)
{
	const char *items[] = { "one", "", "three", NULL };
	BusGvs w;

	bus_gvs_init(&w);
	bus_gvs_open_array(&w, 1);
	for (gsize i = 0; items[i] != NULL; i++)
		bus_gvs_string(&w, items[i]);
	bus_gvs_close_array(&w);
	assert_same(bus_gvs_end(&w, G_VARIANT_TYPE_STRING_ARRAY), g_variant_new_strv(items, -1));
	bus_gvs_open_array(&w, 8);
	bus_gvs_entry_sv(&w, "a", g_variant_new_string("floating"));
	bus_gvs_close_array(&w);
	assert_same(bus_gvs_end(&w, G_VARIANT_TYPE_VARDICT),
		    g_variant_new_parsed("{'a': <'floating'>}"));
	bus_gvs_clear(&w);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bus/gvs/vardict", test_vardict);
	g_test_add_func("/bus/gvs/managed", test_managed);
	g_test_add_func("/bus/gvs/strings", test_strings);
	return g_test_run();
}
