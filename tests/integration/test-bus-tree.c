/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SA objects on a real dbus-daemon (GTestDBus): SA records fabricated
 * through the same entry point the engine's observer uses
 * (bus_manager_sa_event) appear in GetManagedObjects, answer property reads
 * by subtree dispatch, and come with InterfacesAdded, PropertiesChanged
 * (never for counters) and InterfacesRemoved. Also: GetManagedObjects with
 * 10,000 IKE and 10,000 Child SAs, and the action table against the XML.
 */
#include "config.h"

#include "actions.h"
#include "authz.h"
#include "manager.h"
#include "tree.h"
#include "ikebus-dbus-generated.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	char *state;
} FakeSa;

typedef struct {
	GTree *sas[2]; /* serial -> FakeSa */
} FakeEngine;

static gint
cmp_serial(gconstpointer a, gconstpointer b, gpointer data)
{
	guint x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);

	return x < y ? -1 : x > y;
}

static void
fake_sa_free(FakeSa *sa)
{
	g_free(sa->state);
	g_free(sa);
}

static void
fill(BusSaKind kind, guint serial, const FakeSa *sa, GHashTable *props)
{
	bus_props_set(props, "Serial", g_variant_new_uint32(serial));
	bus_props_set(props, "Connection", g_variant_new_object_path("/org/ikebus/ike1/connection/c1"));
	bus_props_set(props, "State", g_variant_new_string(sa->state));
	if (kind == BUS_SA_IKE) {
		bus_props_set(props, "LocalSpi", g_variant_new_uint64(0x1122334455667788));
		bus_props_set(props, "MessagesIn", g_variant_new_uint64(serial * 10));
	} else {
		g_autofree char *ike = bus_sa_path(BUS_SA_IKE, serial - 1);

		bus_props_set(props, "IkeSA", g_variant_new_object_path(ike));
		bus_props_set(props, "InboundSpi", g_variant_new_uint32(0xc0de0000 + serial));
	}
}

static gboolean
fake_get(gpointer source, BusSaKind kind, guint serial, GHashTable *props)
{
	FakeEngine *e = source;
	FakeSa *sa = g_tree_lookup(e->sas[kind], GUINT_TO_POINTER(serial));

	if (sa == NULL)
		return FALSE;
	fill(kind, serial, sa, props);
	return TRUE;
}

typedef struct {
	BusSaKind kind;
	BusSaVisitFunc visit;
	gpointer data;
	GHashTable *props;
} Walk;

static gboolean
walk_one(gpointer key, gpointer value, gpointer data)
{
	Walk *w = data;

	g_hash_table_remove_all(w->props);
	fill(w->kind, GPOINTER_TO_UINT(key), value, w->props);
	w->visit(GPOINTER_TO_UINT(key), w->props, w->data);
	return FALSE;
}

static void
fake_foreach(gpointer source, BusSaKind kind, BusSaVisitFunc visit, gpointer visit_data)
{
	FakeEngine *e = source;
	Walk w = { kind, visit, visit_data, bus_tree_props_new() };

	g_tree_foreach(e->sas[kind], walk_one, &w);
	g_hash_table_unref(w.props);
}

static const BusSaSourceFuncs fake_funcs = { .get = fake_get, .foreach = fake_foreach };

/* ---- the bus side ---------------------------------------------------------------- */

typedef struct {
	GTestDBus *bus;
	GDBusConnection *server, *client;
	BusAuthz *authz;
	BusManager *manager;
	FakeEngine fake;
	const char *server_name;
	GPtrArray *signals; /* "Member path [detail]" */
	guint sub;
} Fixture;

static void
on_signal(GDBusConnection *c, const char *sender, const char *path, const char *iface,
	  const char *member, GVariant *params, gpointer data)
{
	Fixture *f = data;
	g_autofree char *body = g_variant_print(params, FALSE);

	g_ptr_array_add(f->signals, g_strdup_printf("%s %s %s", member, path, body));
}

static void
setup(Fixture *f, gconstpointer data)
{
	BusManagerConfig cfg = { .kernel_backend = "none" };
	g_autoptr(GError) error = NULL;
	const char *address;

	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(f->bus);
	address = g_test_dbus_get_bus_address(f->bus);
	f->server = g_dbus_connection_new_for_address_sync(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	g_assert_no_error(error);
	f->client = g_dbus_connection_new_for_address_sync(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	g_assert_no_error(error);
	f->server_name = g_dbus_connection_get_unique_name(f->server);
	f->fake.sas[0] = g_tree_new_full(cmp_serial, NULL, NULL, (GDestroyNotify) fake_sa_free);
	f->fake.sas[1] = g_tree_new_full(cmp_serial, NULL, NULL, (GDestroyNotify) fake_sa_free);
	f->authz = bus_authz_new(FALSE);
	f->manager = bus_manager_new(f->authz, &cfg);
	bus_manager_set_sa_source(f->manager, &fake_funcs, &f->fake);
	g_assert_true(bus_manager_export(f->manager, f->server, &error));
	g_assert_no_error(error);
	f->signals = g_ptr_array_new_with_free_func(g_free);
	f->sub = g_dbus_connection_signal_subscribe(f->client, f->server_name, NULL, NULL, NULL, NULL,
						    G_DBUS_SIGNAL_FLAGS_NONE, on_signal, f, NULL);
}

static void
teardown(Fixture *f, gconstpointer data)
{
	g_dbus_connection_signal_unsubscribe(f->client, f->sub);
	g_object_unref(f->manager);
	g_object_unref(f->authz);
	g_tree_unref(f->fake.sas[0]);
	g_tree_unref(f->fake.sas[1]);
	g_ptr_array_unref(f->signals);
	g_dbus_connection_close_sync(f->client, NULL, NULL);
	g_dbus_connection_close_sync(f->server, NULL, NULL);
	g_object_unref(f->client);
	g_object_unref(f->server);
	g_test_dbus_down(f->bus);
	g_object_unref(f->bus);
}

static void
sa_set(Fixture *f, BusSaKind kind, guint serial, const char *state)
{
	FakeSa *sa = g_new0(FakeSa, 1);
	gboolean existed = g_tree_lookup(f->fake.sas[kind], GUINT_TO_POINTER(serial)) != NULL;

	sa->state = g_strdup(state);
	g_tree_replace(f->fake.sas[kind], GUINT_TO_POINTER(serial), sa);
	bus_manager_sa_event(f->manager, existed ? BUS_SA_CHANGED : BUS_SA_ADDED, kind, serial, "c1");
}

static void
sa_remove(Fixture *f, BusSaKind kind, guint serial)
{
	g_tree_remove(f->fake.sas[kind], GUINT_TO_POINTER(serial));
	bus_manager_sa_event(f->manager, BUS_SA_REMOVED, kind, serial, NULL);
}

/* Waits (main loop) for a signal matching @pattern; returns it (borrowed). */
static const char *
wait_signal(Fixture *f, const char *pattern)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		for (guint i = 0; i < f->signals->len; i++) {
			if (g_pattern_match_simple(pattern, f->signals->pdata[i]))
				return f->signals->pdata[i];
		}
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
	for (guint i = 0; i < f->signals->len; i++)
		g_test_message("got: %s", (char *) f->signals->pdata[i]);
	g_error("no signal like %s", pattern);
	return NULL;
}

typedef struct {
	GVariant *reply;
	GError *error;
	gboolean done;
} Reply;

static void
reply_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	Reply *r = data;

	r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &r->error);
	r->done = TRUE;
}

static GVariant *
call_sync(Fixture *f, const char *path, const char *iface, const char *method, GVariant *args,
	  GError **error)
{
	Reply r = { 0 };

	g_dbus_connection_call(f->client, f->server_name, path, iface, method, args, NULL,
			       G_DBUS_CALL_FLAGS_NONE, 60000, NULL, reply_cb, &r);
	while (!r.done)
		g_main_context_iteration(NULL, TRUE);
	if (r.error != NULL)
		g_propagate_error(error, r.error);
	return r.reply;
}

static GVariant *
get_property(Fixture *f, const char *path, const char *iface, const char *name, GError **error)
{
	g_autoptr(GVariant) reply = call_sync(f, path, "org.freedesktop.DBus.Properties", "Get",
					       g_variant_new("(ss)", iface, name), error);
	GVariant *v = NULL;

	if (reply != NULL)
		g_variant_get(reply, "(v)", &v);
	return v;
}

static void
test_sa_objects(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) objects = NULL, v = NULL;
	const char *sig;
	g_autofree char *text = NULL;

	sa_set(f, BUS_SA_IKE, 1, "established");
	sa_set(f, BUS_SA_CHILD, 2, "installed");
	sig = wait_signal(f, "InterfacesAdded /org/ikebus/ike1 ('/org/ikebus/ike1/ike/1'*");
	g_assert_nonnull(strstr(sig, "'org.ikebus.ike1.IkeSA'"));
	g_assert_nonnull(strstr(sig, "'State': <'established'>"));
	g_assert_nonnull(strstr(sig, "'RemoteId': <''>")); /* every property, zero when unknown */
	wait_signal(f, "InterfacesAdded /org/ikebus/ike1 ('/org/ikebus/ike1/child/2'*");

	objects = call_sync(f, "/org/ikebus/ike1", "org.freedesktop.DBus.ObjectManager",
			    "GetManagedObjects", NULL, &error);
	g_assert_no_error(error);
	text = g_variant_print(objects, FALSE);
	g_assert_nonnull(strstr(text, "'/org/ikebus/ike1/ike/1': {'org.ikebus.ike1.IkeSA'"));
	g_assert_nonnull(strstr(text, "'/org/ikebus/ike1/child/2': {'org.ikebus.ike1.ChildSA'"));

	v = get_property(f, "/org/ikebus/ike1/child/2", "org.ikebus.ike1.ChildSA", "InboundSpi",
			 &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_variant_get_uint32(v), ==, 0xc0de0002);
	g_clear_pointer(&v, g_variant_unref);

	/* a change: PropertiesChanged with State, never the counters or constants */
	sa_set(f, BUS_SA_IKE, 1, "rekeying");
	sig = wait_signal(f, "PropertiesChanged /org/ikebus/ike1/ike/1 ('org.ikebus.ike1.IkeSA'*");
	g_assert_nonnull(strstr(sig, "'State': <'rekeying'>"));
	g_assert_null(strstr(sig, "MessagesIn"));
	g_assert_null(strstr(sig, "'Serial'"));
	g_assert_null(strstr(sig, "LocalSpi"));

	/* gone: InterfacesRemoved, and the object no longer answers */
	sa_remove(f, BUS_SA_CHILD, 2);
	wait_signal(f, "InterfacesRemoved /org/ikebus/ike1 ('/org/ikebus/ike1/child/2', "
		       "['org.ikebus.ike1.ChildSA'])");
	v = get_property(f, "/org/ikebus/ike1/child/2", "org.ikebus.ike1.ChildSA", "State", &error);
	g_assert_null(v);
	g_assert_nonnull(error);
	g_clear_error(&error);
	v = get_property(f, "/org/ikebus/ike1/ike/01", "org.ikebus.ike1.IkeSA", "State", &error);
	g_assert_null(v);
	g_clear_error(&error);

	/* the Manager's counts follow within a second */
	wait_signal(f, "PropertiesChanged /org/ikebus/ike1 ('org.ikebus.ike1.Manager', {*'IkeSACount': <uint32 1>*");
}

static void
test_scale(Fixture *f, gconstpointer data)
{
	const guint n = 10000;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) objects = NULL, inner = NULL;
	gint64 t0, t1;

	for (guint i = 1; i <= n; i++) {
		FakeSa *ike = g_new0(FakeSa, 1), *child = g_new0(FakeSa, 1);

		ike->state = g_strdup("established");
		child->state = g_strdup("installed");
		g_tree_insert(f->fake.sas[BUS_SA_IKE], GUINT_TO_POINTER(2 * i - 1), ike);
		g_tree_insert(f->fake.sas[BUS_SA_CHILD], GUINT_TO_POINTER(2 * i), child);
	}
	t0 = g_get_monotonic_time();
	objects = call_sync(f, "/org/ikebus/ike1", "org.freedesktop.DBus.ObjectManager",
			    "GetManagedObjects", NULL, &error);
	t1 = g_get_monotonic_time();
	g_assert_no_error(error);
	inner = g_variant_get_child_value(objects, 0);
	g_assert_cmpuint(g_variant_n_children(inner), ==, 2 * n);
	g_test_message("GetManagedObjects with %u SAs: %.0f ms", 2 * n, (t1 - t0) / 1000.0);
	printf("# GetManagedObjects with %u SAs: %.0f ms\n", 2 * n, (t1 - t0) / 1000.0);
	g_assert_cmpint(t1 - t0, <, 5 * G_USEC_PER_SEC);
}

/* Every method of the XML has a row in actions.c, and every row a method. */
static void
test_action_table(void)
{
	GDBusInterfaceInfo *infos[] = { ikebus_manager_interface_info(),
					ikebus_conn_interface_info() };
	gsize n = 0, methods = 0;
	const BusMethodAction *all = bus_actions_get_all(&n);

	for (gsize i = 0; i < G_N_ELEMENTS(infos); i++) {
		for (GDBusMethodInfo **m = infos[i]->methods; *m != NULL; m++) {
			if (bus_actions_lookup(infos[i]->name, (*m)->name) == NULL)
				g_error("%s.%s has no polkit action in actions.c", infos[i]->name,
					(*m)->name);
			methods++;
		}
	}
	for (gsize i = 0; i < n; i++) {
		GDBusInterfaceInfo *info = g_str_equal(all[i].interface, BUS_IFACE_MANAGER) ? infos[0]
											   : infos[1];

		g_assert_nonnull(g_dbus_interface_info_lookup_method(info, all[i].method));
	}
	g_assert_cmpuint(methods, ==, n);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* no polkitd on the test bus: BusAuthz warns once; that is expected here */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
	g_log_set_writer_func(g_log_writer_standard_streams, NULL, NULL);
	g_test_add_func("/bus/action-table", test_action_table);
	g_test_add("/bus/sa-objects", Fixture, NULL, setup, test_sa_objects, teardown);
	g_test_add("/bus/sa-scale", Fixture, NULL, setup, test_scale, teardown);
	return g_test_run();
}
