/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-scale: the D-Bus side of tests/bench/scale/run-scale.sh.  Talks to
 * org.ikebus.ike1 on the system bus (DBUS_SYSTEM_BUS_ADDRESS) and prints one
 * "RESULT key=value ..." line per command:
 *
 *   bus-scale add N [--prefix P] [--in-flight W] [--batch B]
 *       N AddConnection calls (connections P-1 .. P-N, each a distinct
 *       host-to-host PSK connection), at most W unanswered at a time
 *       (pipelined; W=1 is one call after the other on one connection);
 *       with --batch B, AddConnections calls of B connections each (the
 *       last one smaller), still at most W unanswered
 *   bus-scale managed
 *       one GetManagedObjects: the call (round trip + unmarshalling), the
 *       objects by interface, the reply size
 *   bus-scale status FORM [--page N] [--gvariant]
 *       one GetStatus(FORM): the call, the rows; with --page N, calls of N
 *       rows ("offset", "limit") one after the other until a short page;
 *       with --gvariant, encoding "gvariant" (the rows serialised in an ay,
 *       read in place)
 *   bus-scale delete N [--prefix P] [--in-flight W]
 *   bus-scale counters
 *       GetGlobalStatistics: "ike=N child=N" established by this daemon
 *       (ike-sa-established, child-sa-established), for the scripts' counts
 *
 * The time is the client's wall clock from the first request to the last
 * reply (g_get_monotonic_time).  Exit 0 all calls answered without error.
 */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEST "org.ikebus.ike1"
#define ROOT "/org/ikebus/ike1"
#define MANAGER DEST ".Manager"

typedef struct {
	GDBusConnection *bus;
	const char *prefix;
	guint n, next, answered, failed, in_flight, max_in_flight;
	guint per_call; /* > 0: AddConnections with this many each */
	guint calls;	/* calls to make */
	gboolean delete;
	char *first_error;
	GMainLoop *loop;
} Batch;

static void send_more(Batch *b);

static void
reply_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	Batch *b = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
								  &error);

	b->in_flight--;
	b->answered++;
	if (reply == NULL) {
		b->failed++;
		if (b->first_error == NULL)
			b->first_error = g_strdup(error->message);
	}
	if (b->answered == b->calls)
		g_main_loop_quit(b->loop);
	else
		send_more(b);
}

/* the (name, options) of connection @i */
static GVariant *
add_entry(const char *prefix, guint i)
{
	GVariantBuilder o;
	char name[64], left[32], right[32];

	/* distinct peers: 10.A.B.C for connection i, ourselves 192.0.2.2 */
	g_snprintf(name, sizeof(name), "%s-%u", prefix, i);
	g_snprintf(left, sizeof(left), "192.0.2.2");
	g_snprintf(right, sizeof(right), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	g_variant_builder_init(&o, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&o, "{sv}", "left-host", g_variant_new_string(left));
	g_variant_builder_add(&o, "{sv}", "right-host", g_variant_new_string(right));
	g_variant_builder_add(&o, "{sv}", "psk", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&o, "{sv}", "encrypt", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&o, "{sv}", "tunnel", g_variant_new_boolean(TRUE));
	return g_variant_new("(s@a{sv})", name, g_variant_builder_end(&o));
}

static GVariant *
add_args(const char *prefix, guint i)
{
	g_autoptr(GVariant) entry = g_variant_ref_sink(add_entry(prefix, i));
	const char *name;
	GVariant *options;

	g_variant_get(entry, "(&s@a{sv})", &name, &options);
	return g_variant_new("(s@a{sv}@a{sv})", name, options,
			     g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
}

/* AddConnections of connections @first .. @last */
static GVariant *
add_many_args(const char *prefix, guint first, guint last)
{
	GVariantBuilder list;

	g_variant_builder_init(&list, G_VARIANT_TYPE("a(sa{sv})"));
	for (guint i = first; i <= last; i++)
		g_variant_builder_add_value(&list, add_entry(prefix, i));
	return g_variant_new("(a(sa{sv})@a{sv})", &list,
			     g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
}

static void
send_more(Batch *b)
{
	while (b->next < b->n && b->in_flight < b->max_in_flight) {
		guint i = ++b->next;

		if (b->per_call > 0) {
			guint last = MIN(b->n, i + b->per_call - 1);

			b->next = last;
			g_dbus_connection_call(b->bus, DEST, ROOT, MANAGER, "AddConnections",
					       add_many_args(b->prefix, i, last), G_VARIANT_TYPE("(ao)"),
					       G_DBUS_CALL_FLAGS_NONE, 600000, NULL, reply_cb, b);
		} else if (b->delete) {
			char name[64];

			g_snprintf(name, sizeof(name), "%s-%u", b->prefix, i);
			g_dbus_connection_call(b->bus, DEST, ROOT, MANAGER, "DeleteConnection",
					       g_variant_new("(s)", name), NULL,
					       G_DBUS_CALL_FLAGS_NONE, 600000, NULL, reply_cb, b);
		} else {
			g_dbus_connection_call(b->bus, DEST, ROOT, MANAGER, "AddConnection",
					       add_args(b->prefix, i), G_VARIANT_TYPE("(o)"),
					       G_DBUS_CALL_FLAGS_NONE, 600000, NULL, reply_cb, b);
		}
		b->in_flight++;
	}
}

static int
run_batch(GDBusConnection *bus, guint n, const char *prefix, guint in_flight, gboolean delete,
	  guint per_call)
{
	Batch b = { .bus = bus, .prefix = prefix, .n = n, .max_in_flight = in_flight,
		    .delete = delete, .per_call = delete ? 0 : per_call };
	gint64 t0;
	double s;

	if (n == 0)
		return 0;
	b.calls = b.per_call > 0 ? (n + b.per_call - 1) / b.per_call : n;
	b.loop = g_main_loop_new(NULL, FALSE);
	t0 = g_get_monotonic_time();
	send_more(&b);
	g_main_loop_run(b.loop);
	s = (g_get_monotonic_time() - t0) / 1e6;
	printf("RESULT op=%s connections=%u calls=%u batch=%u failed=%u in_flight=%u elapsed_s=%.3f "
	       "per_s=%.1f\n",
	       delete ? "delete" : "add", n, b.calls, b.per_call, b.failed, in_flight, s, n / s);
	if (b.first_error != NULL)
		fprintf(stderr, "bus-scale: first error: %s\n", b.first_error);
	g_main_loop_unref(b.loop);
	g_free(b.first_error);
	return b.failed == 0 ? 0 : 2;
}

static int
run_managed(GDBusConnection *bus)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL, objects = NULL;
	GVariantIter iter;
	GVariant *ifaces;
	guint conns = 0, ikes = 0, children = 0, other = 0;
	gint64 t0 = g_get_monotonic_time();
	double s;

	reply = g_dbus_connection_call_sync(bus, DEST, ROOT, "org.freedesktop.DBus.ObjectManager",
					    "GetManagedObjects", NULL,
					    G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
					    G_DBUS_CALL_FLAGS_NONE, 600000, NULL, &error);
	s = (g_get_monotonic_time() - t0) / 1e6;
	if (reply == NULL) {
		fprintf(stderr, "bus-scale: GetManagedObjects: %s\n", error->message);
		return 2;
	}
	objects = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&iter, objects);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", NULL, &ifaces)) {
		if (g_variant_lookup_value(ifaces, DEST ".IkeSA", NULL) != NULL)
			ikes++;
		else if (g_variant_lookup_value(ifaces, DEST ".ChildSA", NULL) != NULL)
			children++;
		else if (g_variant_lookup_value(ifaces, DEST ".Connection", NULL) != NULL)
			conns++;
		else
			other++;
		g_variant_unref(ifaces);
	}
	printf("RESULT op=managed objects=%zu connections=%u ike=%u child=%u bytes=%zu "
	       "elapsed_s=%.3f\n",
	       g_variant_n_children(objects), conns, ikes, children, g_variant_get_size(reply), s);
	return 0;
}

/* The number of rows of a GetStatus reply, either encoding */
static gsize
status_rows(GVariant *reply)
{
	g_autoptr(GVariant) rows = g_variant_get_child_value(reply, 0);
	g_autoptr(GVariant) row = NULL, blob = NULL, inner = NULL;
	g_autoptr(GBytes) bytes = NULL;

	if (g_variant_n_children(rows) != 1)
		return g_variant_n_children(rows);
	row = g_variant_get_child_value(rows, 0);
	blob = g_variant_lookup_value(row, "rows", G_VARIANT_TYPE_BYTESTRING);
	if (blob == NULL)
		return 1;
	bytes = g_variant_get_data_as_bytes(blob);
	inner = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("aa{sv}"), bytes, FALSE));
	return g_variant_n_children(inner);
}

static int
run_status(GDBusConnection *bus, const char *form, guint page_rows, gboolean gvariant)
{
	gint64 t0 = g_get_monotonic_time();
	gsize rows = 0, bytes = 0;
	guint pages = 0;
	double s;

	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = NULL;
		GVariantBuilder o;
		gsize n;

		g_variant_builder_init(&o, G_VARIANT_TYPE_VARDICT);
		if (page_rows > 0) {
			g_variant_builder_add(&o, "{sv}", "offset", g_variant_new_uint32((guint32) rows));
			g_variant_builder_add(&o, "{sv}", "limit", g_variant_new_uint32(page_rows));
		}
		if (gvariant)
			g_variant_builder_add(&o, "{sv}", "encoding", g_variant_new_string("gvariant"));
		reply = g_dbus_connection_call_sync(bus, DEST, ROOT, MANAGER, "GetStatus",
						    g_variant_new("(s@a{sv})", form,
								  g_variant_builder_end(&o)),
						    G_VARIANT_TYPE("(aa{sv})"), G_DBUS_CALL_FLAGS_NONE,
						    600000, NULL, &error);
		if (reply == NULL) {
			fprintf(stderr, "bus-scale: GetStatus %s: %s\n", form, error->message);
			return 2;
		}
		n = status_rows(reply);
		rows += n;
		bytes += g_variant_get_size(reply);
		pages++;
		if (page_rows == 0 || n < page_rows)
			break;
	}
	s = (g_get_monotonic_time() - t0) / 1e6;
	printf("RESULT op=status form=%s rows=%zu bytes=%zu calls=%u elapsed_s=%.3f\n", form, rows,
	       bytes, pages, s);
	return 0;
}

static int
run_counters(GDBusConnection *bus)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL, stats = NULL;
	guint64 ike = 0, child = 0;

	reply = g_dbus_connection_call_sync(bus, DEST, ROOT, MANAGER, "GetGlobalStatistics", NULL,
					    G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 60000,
					    NULL, &error);
	if (reply == NULL) {
		fprintf(stderr, "bus-scale: GetGlobalStatistics: %s\n", error->message);
		return 2;
	}
	stats = g_variant_get_child_value(reply, 0);
	g_variant_lookup(stats, "ike-sa-established", "t", &ike);
	g_variant_lookup(stats, "child-sa-established", "t", &child);
	printf("RESULT op=counters ike=%" G_GUINT64_FORMAT " child=%" G_GUINT64_FORMAT "\n", ike,
	       child);
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	const char *prefix = "scale";
	guint in_flight = 64, per_call = 0, page_rows = 0;
	gboolean gvariant = FALSE;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: bus-scale add|delete N [--prefix P] [--in-flight W] "
				"[--batch B] | "
				"managed | status FORM [--page N] [--gvariant] | counters\n");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--gvariant") == 0) {
			gvariant = TRUE;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--page") == 0)
			page_rows = (guint) strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--prefix") == 0)
			prefix = argv[++i];
		else if (strcmp(argv[i], "--in-flight") == 0)
			in_flight = (guint) strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--batch") == 0)
			per_call = (guint) strtoul(argv[++i], NULL, 10);
	}
	if (in_flight == 0)
		in_flight = 1;
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (bus == NULL) {
		fprintf(stderr, "bus-scale: %s\n", error->message);
		return 1;
	}
	if ((strcmp(argv[1], "add") == 0 || strcmp(argv[1], "delete") == 0) && argc >= 3)
		return run_batch(bus, (guint) strtoul(argv[2], NULL, 10), prefix, in_flight,
				 argv[1][0] == 'd', per_call);
	if (strcmp(argv[1], "counters") == 0)
		return run_counters(bus);
	if (strcmp(argv[1], "managed") == 0)
		return run_managed(bus);
	if (strcmp(argv[1], "status") == 0 && argc >= 3)
		return run_status(bus, argv[2], page_rows, gvariant);
	fprintf(stderr, "bus-scale: unknown command %s\n", argv[1]);
	return 1;
}
