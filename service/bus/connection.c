/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "actions.h"
#include "errors.h"
#include "manager-private.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_NOTHING_TO_DO 26

/* What State, Routing and the half-open count need to know of an SA. */
typedef enum {
	SA_CLASS_OTHER = 1, /* stored as pointers: never 0 */
	SA_CLASS_UP,	    /* IKE: established, rekeying; Child: installed, rekeying */
	SA_CLASS_DELETING,  /* deleting, rekeyed */
	SA_CLASS_HALF_OPEN, /* IKE: init-sent, init-received, auth-sent */
	N_SA_CLASSES,
} SaClass;

/* Up to this many SAs a connection's IkeSAs/ChildSAs follow every event at
 * once; above it they are rebuilt at most every COALESCE_MS (each rebuild
 * costs one path per SA; with 100,000 SAs on one connection, one per event
 * would be quadratic). A Get of them is always current. */
#define SMALL_SA_COUNT 64
#define COALESCE_MS 250

struct _BusConnObject {
	GObject parent_instance;
	BusManager *manager; /* borrowed: outlives every connection */
	IkebusConnection *conn;
	char *path;
	gboolean persistent;
	gboolean up; /* the "up" policy */
	gboolean initiating;
	const char *routing; /* interned: the engine's routing of the connection */
	IkebusConnSkeleton *skeleton;
	GHashTable *sas[2];		       /* BusSaKind: serial -> SaClass */
	guint counts[2][N_SA_CLASSES];	       /* SAs per kind and class */
	gboolean paths_dirty[2];	       /* IkeSAs / ChildSAs behind */
	guint paths_source;		       /* coalescing timer */
};

G_DEFINE_TYPE(BusConnObject, bus_conn_object, G_TYPE_OBJECT)

/* ---- the skeleton: properties from codegen, methods through bus_dispatch --------- */

#define BUS_TYPE_CONN_SKELETON (bus_conn_skeleton_get_type())
G_DECLARE_FINAL_TYPE(BusConnSkeleton, bus_conn_skeleton, BUS, CONN_SKELETON, IkebusConnSkeleton)

struct _BusConnSkeleton {
	IkebusConnSkeleton parent_instance;
	BusConnObject *owner; /* weak: the object owns the skeleton */
};

G_DEFINE_TYPE(BusConnSkeleton, bus_conn_skeleton, IKEBUS_TYPE_CONN_SKELETON)

static const BusHandler conn_handlers[];
static const gsize n_conn_handlers;
static BusSkeletonVTable conn_vtable;

static void flush_sa_paths(BusConnObject *obj);

static void
conn_method_call(GDBusConnection *connection, const char *sender, const char *object_path,
		 const char *interface_name, const char *method_name, GVariant *parameters,
		 GDBusMethodInvocation *invocation, gpointer user_data)
{
	BusConnObject *obj = BUS_CONN_SKELETON(user_data)->owner;

	bus_dispatch(obj->manager->authz, BUS_IFACE_CONNECTION, conn_handlers, n_conn_handlers,
		     G_OBJECT(obj), invocation);
}

/* Get and GetAll: IkeSAs/ChildSAs may be behind (coalesced); bring them up to date first */
static GVariant *
conn_get_property(GDBusConnection *connection, const char *sender, const char *object_path,
		  const char *interface_name, const char *property_name, GError **error,
		  gpointer user_data)
{
	BusConnObject *obj = BUS_CONN_SKELETON(user_data)->owner;

	if (obj != NULL)
		flush_sa_paths(obj);
	return conn_vtable.parent_get_property(connection, sender, object_path, interface_name,
				   property_name, error, user_data);
}

/* properties stay with the generated code, methods come to us */
static GDBusInterfaceVTable *
conn_skeleton_get_vtable(GDBusInterfaceSkeleton *skeleton)
{
	gpointer parent = bus_conn_skeleton_parent_class;

	return bus_skeleton_vtable(&conn_vtable, G_DBUS_INTERFACE_SKELETON_CLASS(parent), skeleton,
				   conn_method_call, conn_get_property);
}

static void
bus_conn_skeleton_class_init(BusConnSkeletonClass *klass)
{
	G_DBUS_INTERFACE_SKELETON_CLASS(klass)->get_vtable = conn_skeleton_get_vtable;
}

static void
bus_conn_skeleton_init(BusConnSkeleton *skeleton)
{
}

/* ---- properties -------------------------------------------------------------------- */

char *
bus_conn_path_for_name(const char *name)
{
	g_autofree char *escaped = g_dbus_escape_object_path(name);

	return g_strconcat(BUS_CONNECTION_PATH_PREFIX, escaped, NULL);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
update_policy(BusConnObject *obj)
{
	const IkebusConnection *c = obj->conn;
	g_autoptr(GPtrArray) p = g_ptr_array_new();
	const struct {
		const char *name;
		gboolean on;
	} flags[] = {
		{ "psk", c->psk },
		{ "rsasig", c->rsasig },
		{ "encrypt", c->encrypt },
		{ "authenticate", c->authenticate },
		{ "compress", c->compress },
		{ "tunnel", c->tunnel },
		{ "transport", !c->tunnel && (c->encrypt || c->authenticate) },
		{ "pfs", c->pfs },
		{ "rekey", c->rekey },
		{ "narrowing", c->narrowing },
		{ "modecfg-pull", c->modecfg_pull },
		{ "initiate-on-traffic", c->initiate_on_traffic },
		{ "opportunistic", g_strcmp0(c->left.host, "%opportunistic") == 0 ||
					   g_strcmp0(c->right.host, "%opportunistic") == 0 },
		{ "up", obj->up },
		{ "persistent", obj->persistent },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(flags); i++) {
		if (flags[i].on)
			g_ptr_array_add(p, (gpointer) flags[i].name);
	}
	g_ptr_array_sort(p, compare_strings);
	g_ptr_array_add(p, NULL);
	ikebus_conn_set_policy(IKEBUS_CONN(obj->skeleton), (const char *const *) p->pdata);
}

static gint
cmp_serial_desc(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *) a, y = *(const guint *) b;

	return x > y ? -1 : x < y;
}

GArray *
bus_conn_object_get_serials(BusConnObject *obj, BusSaKind kind)
{
	GArray *serials = g_array_sized_new(FALSE, FALSE, sizeof(guint),
					    g_hash_table_size(obj->sas[kind]));
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, obj->sas[kind]);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		guint serial = GPOINTER_TO_UINT(key);

		g_array_append_val(serials, serial);
	}
	/* serials grow with creation: descending is newest first */
	g_array_sort(serials, cmp_serial_desc);
	return serials;
}

static void
update_sa_paths(BusConnObject *obj, BusSaKind kind)
{
	g_autoptr(GArray) serials = bus_conn_object_get_serials(obj, kind);
	g_autoptr(GPtrArray) paths = g_ptr_array_new_full(serials->len + 1, g_free);

	obj->paths_dirty[kind] = FALSE;
	for (guint i = 0; i < serials->len; i++)
		g_ptr_array_add(paths, bus_sa_path(kind, g_array_index(serials, guint, i)));
	g_ptr_array_add(paths, NULL);
	if (kind == BUS_SA_IKE)
		ikebus_conn_set_ike_sas(IKEBUS_CONN(obj->skeleton), (const char *const *) paths->pdata);
	else
		ikebus_conn_set_child_sas(IKEBUS_CONN(obj->skeleton), (const char *const *) paths->pdata);
}

static void
flush_sa_paths(BusConnObject *obj)
{
	g_clear_handle_id(&obj->paths_source, g_source_remove);
	for (BusSaKind kind = BUS_SA_IKE; kind <= BUS_SA_CHILD; kind++) {
		if (obj->paths_dirty[kind])
			update_sa_paths(obj, kind);
	}
}

static gboolean
paths_timeout(gpointer data)
{
	BusConnObject *obj = data;

	obj->paths_source = 0;
	flush_sa_paths(obj);
	return G_SOURCE_REMOVE;
}

void
bus_conn_object_flush(BusConnObject *obj)
{
	flush_sa_paths(obj);
}

static void
sa_paths_changed(BusConnObject *obj, BusSaKind kind)
{
	obj->paths_dirty[kind] = TRUE;
	if (g_hash_table_size(obj->sas[kind]) <= SMALL_SA_COUNT && obj->paths_source == 0) {
		update_sa_paths(obj, kind);
		return;
	}
	if (obj->paths_source == 0)
		obj->paths_source = g_timeout_add_full(G_PRIORITY_DEFAULT, COALESCE_MS, paths_timeout,
						       g_object_ref(obj), g_object_unref);
}

static SaClass
classify(BusConnObject *obj, BusSaKind kind, guint serial)
{
	g_autofree char *s = bus_engine_get_sa_state(obj->manager->engine, kind, serial);

	if (s == NULL)
		return SA_CLASS_OTHER;
	if (g_str_equal(s, kind == BUS_SA_IKE ? "established" : "installed") ||
	    g_str_equal(s, "rekeying"))
		return SA_CLASS_UP;
	if (g_str_equal(s, "deleting") || g_str_equal(s, "rekeyed"))
		return SA_CLASS_DELETING;
	if (kind == BUS_SA_IKE && (g_str_has_prefix(s, "init-") || g_str_equal(s, "auth-sent")))
		return SA_CLASS_HALF_OPEN;
	return SA_CLASS_OTHER;
}

/* State and Routing from the classes of the connection's SAs. */
static void
update_state(BusConnObject *obj)
{
	guint ikes = g_hash_table_size(obj->sas[BUS_SA_IKE]);
	guint children = g_hash_table_size(obj->sas[BUS_SA_CHILD]);
	guint established = obj->counts[BUS_SA_IKE][SA_CLASS_UP];
	guint deleting = obj->counts[BUS_SA_IKE][SA_CLASS_DELETING];
	guint installed = obj->counts[BUS_SA_CHILD][SA_CLASS_UP];
	IkebusConn *sk = IKEBUS_CONN(obj->skeleton);
	const char *state, *routing;

	if (ikes == 0)
		state = "down";
	else if (established > 0)
		state = installed > 0 && installed == children ? "up" : "partial";
	else if (deleting == ikes)
		state = "disconnecting";
	else
		state = "connecting";
	/* the engine's routing as its observer last said; an installed Child SA
	 * is "tunnel" for the engine too (asking it per SA event would scan
	 * every Child SA) */
	routing = installed > 0 ? "tunnel" : obj->routing;
	/* most SA events change neither: spare the GObject property machinery */
	if (g_strcmp0(ikebus_conn_get_state(sk), state) != 0)
		ikebus_conn_set_state(sk, state);
	if (g_strcmp0(ikebus_conn_get_routing(sk), routing) != 0)
		ikebus_conn_set_routing(sk, routing);
}

void
bus_conn_object_set_routing(BusConnObject *obj, const char *routing)
{
	obj->routing = g_intern_string(routing);
	update_state(obj);
}

void
bus_conn_object_sa_event(BusConnObject *obj, BusSaEvent event, BusSaKind kind, guint serial)
{
	GHashTable *sas = obj->sas[kind];
	gpointer key = GUINT_TO_POINTER(serial);
	SaClass old = GPOINTER_TO_UINT(g_hash_table_lookup(sas, key));

	if (event == BUS_SA_REMOVED) {
		if (old == 0)
			return;
		obj->counts[kind][old]--;
		g_hash_table_remove(sas, key);
		sa_paths_changed(obj, kind);
	} else if (event == BUS_SA_ADDED || old != 0) {
		SaClass now = classify(obj, kind, serial);

		if (old != 0)
			obj->counts[kind][old]--;
		obj->counts[kind][now]++;
		g_hash_table_insert(sas, key, GUINT_TO_POINTER(now));
		if (old == 0)
			sa_paths_changed(obj, kind);
	}
	update_state(obj);
}

guint
bus_conn_object_count_half_open(BusConnObject *obj)
{
	return obj->counts[BUS_SA_IKE][SA_CLASS_HALF_OPEN];
}

/* ---- negotiating methods ---------------------------------------------------------- */

static const char *const negotiate_keys[] = { "asynchronous", NULL };
static const char *const negotiate_types[] = { "b" };

static gboolean
check_async_options(BusCall *call, GError **error)
{
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	return bus_check_options(options, "options", negotiate_keys, negotiate_types, error);
}

static void
return_status(GDBusMethodInvocation *invocation, guint status)
{
	g_dbus_method_invocation_return_value(invocation, g_variant_new("(u)", status));
}

/* One call's progress and result: Progress lines go to the caller only. */
typedef struct {
	BusConnObject *obj; /* ref */
	GDBusMethodInvocation *invocation; /* NULL when asynchronous (already answered) */
	GDBusConnection *connection;       /* ref */
	char *sender;
} Negotiation;

static void
negotiation_free(gpointer data)
{
	Negotiation *n = data;

	n->obj->initiating = FALSE;
	g_object_unref(n->obj);
	g_object_unref(n->connection);
	g_free(n->sender);
	g_free(n);
}

static void
negotiation_progress(guint code, const char *line, gpointer user_data)
{
	Negotiation *n = user_data;
	g_autoptr(GError) error = NULL;

	if (n->invocation == NULL)
		return;
	if (!g_dbus_connection_emit_signal(n->connection, n->sender, n->obj->path,
					   BUS_IFACE_CONNECTION, "Progress",
					   g_variant_new("(us)", code, line), &error))
		g_debug("Progress to %s: %s", n->sender, error->message);
}

static void
negotiation_done(guint status, gpointer user_data)
{
	Negotiation *n = user_data;

	if (n->invocation != NULL)
		return_status(g_steal_pointer(&n->invocation), status);
}

static gboolean
check_initiate(BusCall *call, GError **error)
{
	static const char *const keys[] = { "remote-host", "xauth-user", "xauth-password",
					    "asynchronous", NULL };
	static const char *const types[] = { "s", "s", "s", "b" };
	BusConnObject *obj = call->target;
	g_autoptr(GVariant) options = NULL;
	const char *remote;

	g_variant_get(call->params, "(@a{sv})", &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (g_variant_lookup(options, "remote-host", "&s", &remote)) {
		g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(remote);

		if (addr == NULL && (remote[0] == '\0' || strpbrk(remote, " \t/%") != NULL)) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "remote-host: \"%s\" is not an IP address or DNS name", remote);
			return FALSE;
		}
		if (g_strcmp0(obj->conn->left.host, "%any") != 0 &&
		    g_strcmp0(obj->conn->right.host, "%any") != 0) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "remote-host: connection \"%s\" has no %%any peer",
				    obj->conn->name);
			return FALSE;
		}
	}
	if (obj->initiating) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_BUSY,
			    "connection \"%s\" is already being initiated", obj->conn->name);
		return FALSE;
	}
	return TRUE;
}

static void
act_initiate(BusCall *call)
{
	BusConnObject *obj = call->target;
	g_autoptr(GVariant) options = NULL;
	const char *remote = NULL;
	gboolean async;
	Negotiation *n;
	GError *error = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	g_variant_lookup(options, "remote-host", "&s", &remote);
	async = bus_option_bool(options, "asynchronous", FALSE);
	/* xauth-user/-password would go to the agent machinery; never logged */
	n = g_new0(Negotiation, 1);
	n->obj = g_object_ref(obj);
	/* asynchronous: answered below, so no Progress and no second reply */
	n->invocation = async ? NULL : call->invocation;
	n->connection = g_object_ref(g_dbus_method_invocation_get_connection(call->invocation));
	n->sender = g_strdup(g_dbus_method_invocation_get_sender(call->invocation));
	obj->initiating = TRUE;
	if (!bus_engine_initiate(obj->manager->engine, obj->conn->name, remote,
				 negotiation_progress, negotiation_done, n, negotiation_free,
				 &error)) {
		negotiation_free(n);
		bus_return_error(call->invocation, error);
		return;
	}
	/* @n may be gone already (an engine that finished at once) */
	obj->up = TRUE;
	update_policy(obj);
	if (async)
		return_status(call->invocation, 0);
}

static void
act_down(BusCall *call)
{
	BusConnObject *obj = call->target;
	GError *error = NULL;
	gint n;

	n = bus_engine_terminate(obj->manager->engine, obj->conn->name, &error);
	if (n < 0) {
		bus_return_error(call->invocation, error);
		return;
	}
	obj->up = FALSE;
	update_policy(obj);
	return_status(call->invocation, n == 0 ? STATUS_NOTHING_TO_DO : 0);
}

/* DeleteIke, DeleteChild, DownIke, DownChild: the newest SA of a kind (all IKE SAs). */
static void
delete_sas(BusCall *call, BusSaKind kind, gboolean down)
{
	BusConnObject *obj = call->target;
	BusEngine *engine = obj->manager->engine;
	g_autoptr(GArray) serials = NULL;
	GError *error = NULL;

	if (!bus_engine_is_running(engine)) {
		bus_engine_not_running(engine, &error);
		bus_return_error(call->invocation, error);
		return;
	}
	if (down) {
		obj->up = FALSE;
		update_policy(obj);
	}
	serials = bus_conn_object_get_serials(obj, kind);
	if (serials->len == 0) {
		return_status(call->invocation, STATUS_NOTHING_TO_DO);
		return;
	}
	for (guint i = 0; i < (kind == BUS_SA_IKE ? serials->len : 1); i++) {
		if (!bus_engine_delete_sa(engine, kind, g_array_index(serials, guint, i), &error)) {
			bus_return_error(call->invocation, error);
			return;
		}
	}
	/* the deletions run on; asynchronous or not, their end shows in State */
	return_status(call->invocation, 0);
}

static void
act_delete_ike(BusCall *call)
{
	delete_sas(call, BUS_SA_IKE, FALSE);
}

static void
act_delete_child(BusCall *call)
{
	delete_sas(call, BUS_SA_CHILD, FALSE);
}

static void
act_down_ike(BusCall *call)
{
	delete_sas(call, BUS_SA_IKE, TRUE);
}

static void
act_down_child(BusCall *call)
{
	delete_sas(call, BUS_SA_CHILD, TRUE);
}

static void
act_route(BusCall *call)
{
	BusConnObject *obj = call->target;
	GError *error = NULL;

	if (!bus_engine_route(obj->manager->engine, obj->conn->name, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	/* the observer has told us already; this covers an engine that did not */
	bus_conn_object_set_routing(obj, bus_engine_get_routing(obj->manager->engine,
								obj->conn->name));
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
act_unroute(BusCall *call)
{
	BusConnObject *obj = call->target;
	GError *error = NULL;

	if (!bus_engine_unroute(obj->manager->engine, obj->conn->name, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	bus_conn_object_set_routing(obj, bus_engine_get_routing(obj->manager->engine,
								obj->conn->name));
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

/* RekeyIke, RekeyChild: the newest SA of a kind; status 26 when there is none. */
static void
rekey_sa(BusCall *call, BusSaKind kind)
{
	BusConnObject *obj = call->target;
	BusEngine *engine = obj->manager->engine;
	g_autoptr(GArray) serials = NULL;
	GError *error = NULL;

	if (!bus_engine_is_running(engine)) {
		bus_engine_not_running(engine, &error);
		bus_return_error(call->invocation, error);
		return;
	}
	serials = bus_conn_object_get_serials(obj, kind);
	if (serials->len == 0) {
		return_status(call->invocation, STATUS_NOTHING_TO_DO);
		return;
	}
	if (!bus_engine_rekey_sa(engine, kind, g_array_index(serials, guint, 0), &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	/* the exchange runs on; asynchronous or not, its end shows in IkeSAs/ChildSAs */
	return_status(call->invocation, 0);
}

static void
act_rekey_ike(BusCall *call)
{
	rekey_sa(call, BUS_SA_IKE);
}

static void
act_rekey_child(BusCall *call)
{
	rekey_sa(call, BUS_SA_CHILD);
}

static void
act_delete(BusCall *call)
{
	BusConnObject *obj = call->target;
	g_autofree char *name = g_strdup(obj->conn->name);
	GError *error = NULL;

	if (!bus_manager_delete_connection(obj->manager, name, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_redirect(BusCall *call, GError **error)
{
	g_autofree const char **dests = NULL;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &dests, &options);
	if (!bus_check_options(options, "options", NULL, NULL, error))
		return FALSE;
	if (dests[0] == NULL) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "destinations: empty");
		return FALSE;
	}
	for (gsize i = 0; dests[i] != NULL; i++) {
		g_autoptr(GInetAddress) a = g_inet_address_new_from_string(dests[i]);

		if (a == NULL && (dests[i][0] == '\0' || strpbrk(dests[i], " \t/%") != NULL)) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "destinations: \"%s\" is not an IP address or DNS name", dests[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static void
act_redirect(BusCall *call)
{
	BusConnObject *obj = call->target;
	g_autofree const char **dests = NULL;
	g_autoptr(GVariant) options = NULL;
	GError *error = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &dests, &options);
	/* an INFORMATIONAL with N(REDIRECT) on each established IKE SA */
	if (bus_engine_redirect_peers(obj->manager->engine, obj->conn->name, dests, &error) < 0) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static const BusHandler conn_handlers[] = {
	{ "Initiate", check_initiate, act_initiate },
	{ "Down", check_async_options, act_down },
	{ "Delete", NULL, act_delete },
	{ "Route", NULL, act_route },
	{ "Unroute", NULL, act_unroute },
	{ "RekeyIke", check_async_options, act_rekey_ike },
	{ "RekeyChild", check_async_options, act_rekey_child },
	{ "DeleteIke", check_async_options, act_delete_ike },
	{ "DeleteChild", check_async_options, act_delete_child },
	{ "DownIke", check_async_options, act_down_ike },
	{ "DownChild", check_async_options, act_down_child },
	{ "RedirectTo", check_redirect, act_redirect },
};
static const gsize n_conn_handlers = G_N_ELEMENTS(conn_handlers);

/* ---- life cycle ----------------------------------------------------------------------- */

const char *
bus_conn_object_get_path(BusConnObject *obj)
{
	return obj->path;
}

const char *
bus_conn_object_get_name(BusConnObject *obj)
{
	return obj->conn->name;
}

const IkebusConnection *
bus_conn_object_get_connection(BusConnObject *obj)
{
	return obj->conn;
}

gboolean
bus_conn_object_get_persistent(BusConnObject *obj)
{
	return obj->persistent;
}

GDBusInterfaceSkeleton *
bus_conn_object_get_skeleton(BusConnObject *obj)
{
	return G_DBUS_INTERFACE_SKELETON(obj->skeleton);
}

gboolean
bus_conn_object_export(BusConnObject *obj, GDBusConnection *connection, GError **error)
{
	if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(obj->skeleton)))
		return TRUE;
	return g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(obj->skeleton),
						connection, obj->path, error);
}

void
bus_conn_object_unexport(BusConnObject *obj)
{
	if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(obj->skeleton)))
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(obj->skeleton));
}

static void
bus_conn_object_finalize(GObject *object)
{
	BusConnObject *obj = BUS_CONN_OBJECT(object);

	bus_conn_object_unexport(obj);
	BUS_CONN_SKELETON(obj->skeleton)->owner = NULL;
	g_object_unref(obj->skeleton);
	ikebus_connection_free(obj->conn);
	g_free(obj->path);
	g_hash_table_unref(obj->sas[BUS_SA_IKE]);
	g_hash_table_unref(obj->sas[BUS_SA_CHILD]);
	G_OBJECT_CLASS(bus_conn_object_parent_class)->finalize(object);
}

static void
bus_conn_object_class_init(BusConnObjectClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = bus_conn_object_finalize;
}

static void
bus_conn_object_init(BusConnObject *obj)
{
	obj->sas[BUS_SA_IKE] = g_hash_table_new(NULL, NULL);
	obj->sas[BUS_SA_CHILD] = g_hash_table_new(NULL, NULL);
}

BusConnObject *
bus_conn_object_new(BusManager *manager, IkebusConnection *conn, gboolean persistent)
{
	BusConnObject *obj = g_object_new(BUS_TYPE_CONN_OBJECT, NULL);
	BusConnSkeleton *sk = g_object_new(BUS_TYPE_CONN_SKELETON, NULL);
	const char *const none[] = { NULL };

	obj->manager = manager;
	obj->conn = conn;
	obj->persistent = persistent;
	obj->path = bus_conn_path_for_name(conn->name);
	obj->routing = g_intern_string(bus_engine_get_routing(manager->engine, conn->name));
	sk->owner = obj;
	obj->skeleton = IKEBUS_CONN_SKELETON(sk);
	ikebus_conn_set_name(IKEBUS_CONN(obj->skeleton), conn->name);
	ikebus_conn_set_options(IKEBUS_CONN(obj->skeleton), ikebus_connection_to_options(conn));
	ikebus_conn_set_left(IKEBUS_CONN(obj->skeleton), ikebus_connection_end_to_options(conn, FALSE));
	ikebus_conn_set_right(IKEBUS_CONN(obj->skeleton), ikebus_connection_end_to_options(conn, TRUE));
	ikebus_conn_set_persistent(IKEBUS_CONN(obj->skeleton), persistent);
	ikebus_conn_set_ike_sas(IKEBUS_CONN(obj->skeleton), none);
	ikebus_conn_set_child_sas(IKEBUS_CONN(obj->skeleton), none);
	update_policy(obj);
	update_state(obj);
	return obj;
}
