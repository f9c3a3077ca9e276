/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Manager object: the connection registry (AddConnection,
 * DeleteConnection, GetConnection, the store), daemon-wide settings, agents,
 * Reread and Shutdown. Status, lists, keys and statistics are in
 * manager-status.c. Every method goes through bus_dispatch (dispatch.c):
 * check -> polkit -> act.
 */
#include "config.h"

#include "actions.h"
#include "crypto/certdb.h"
#include "debug.h"
#include "errors.h"
#include "manager-private.h"

#include <string.h>

G_DEFINE_TYPE(BusManager, bus_manager, G_TYPE_OBJECT)

enum {
	SIGNAL_SHUTDOWN_REQUESTED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

/* ---- the skeleton: properties from codegen, methods through bus_dispatch ------ */

#define BUS_TYPE_MANAGER_SKELETON (bus_manager_skeleton_get_type())
G_DECLARE_FINAL_TYPE(BusManagerSkeleton, bus_manager_skeleton, BUS, MANAGER_SKELETON,
		     IkebusManagerSkeleton)

struct _BusManagerSkeleton {
	IkebusManagerSkeleton parent_instance;
	BusManager *owner; /* weak: the manager owns the skeleton */
};

G_DEFINE_TYPE(BusManagerSkeleton, bus_manager_skeleton, IKEBUS_TYPE_MANAGER_SKELETON)

static const BusHandler manager_handlers[];
static const gsize n_manager_handlers;
static BusSkeletonVTable manager_vtable;

static void flush_connection_paths(BusManager *manager);

static void
manager_method_call(GDBusConnection *connection, const char *sender, const char *object_path,
		    const char *interface_name, const char *method_name, GVariant *parameters,
		    GDBusMethodInvocation *invocation, gpointer user_data)
{
	BusManager *manager = BUS_MANAGER_SKELETON(user_data)->owner;

	for (gsize i = 0; i < bus_manager_n_status_handlers; i++) {
		if (strcmp(bus_manager_status_handlers[i].method, method_name) == 0) {
			bus_dispatch(manager->authz, BUS_IFACE_MANAGER, bus_manager_status_handlers,
				     bus_manager_n_status_handlers, G_OBJECT(manager), invocation);
			return;
		}
	}
	bus_dispatch(manager->authz, BUS_IFACE_MANAGER, manager_handlers, n_manager_handlers,
		     G_OBJECT(manager), invocation);
}

/* Get and GetAll: Connections may be behind (coalesced); bring it up to date first */
static GVariant *
manager_get_property(GDBusConnection *connection, const char *sender, const char *object_path,
		     const char *interface_name, const char *property_name, GError **error,
		     gpointer user_data)
{
	BusManager *manager = BUS_MANAGER_SKELETON(user_data)->owner;

	if (manager != NULL)
		flush_connection_paths(manager);
	return manager_vtable.parent_get_property(connection, sender, object_path, interface_name,
				   property_name, error, user_data);
}

/* properties stay with the generated code, methods come to us */
static GDBusInterfaceVTable *
manager_skeleton_get_vtable(GDBusInterfaceSkeleton *skeleton)
{
	gpointer parent = bus_manager_skeleton_parent_class;

	return bus_skeleton_vtable(&manager_vtable, G_DBUS_INTERFACE_SKELETON_CLASS(parent), skeleton,
				   manager_method_call, manager_get_property);
}

static void
bus_manager_skeleton_class_init(BusManagerSkeletonClass *klass)
{
	G_DBUS_INTERFACE_SKELETON_CLASS(klass)->get_vtable = manager_skeleton_get_vtable;
}

static void
bus_manager_skeleton_init(BusManagerSkeleton *skeleton)
{
}

/* ---- connections ------------------------------------------------------------- */

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Connections: sorted by name. */
static void
flush_connection_paths(BusManager *manager)
{
	g_autofree const char **names = NULL;
	g_autoptr(GPtrArray) paths = NULL;
	guint n;

	g_clear_handle_id(&manager->conns_source, g_source_remove);
	if (!manager->conns_dirty)
		return;
	manager->conns_dirty = FALSE;
	names = (const char **) g_hash_table_get_keys_as_array(manager->conns, &n);
	paths = g_ptr_array_new_full(n + 1, g_free);
	qsort(names, n, sizeof(char *), compare_strings);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(paths, bus_conn_path_for_name(names[i]));
	g_ptr_array_add(paths, NULL);
	ikebus_manager_set_connections(IKEBUS_MANAGER(manager->skeleton), (const char *const *) paths->pdata);
	ikebus_manager_set_connection_count(IKEBUS_MANAGER(manager->skeleton), n);
}

static gboolean
connection_paths_timeout(gpointer data)
{
	BusManager *manager = data;

	manager->conns_source = 0;
	flush_connection_paths(manager);
	return G_SOURCE_REMOVE;
}

/* Up to this many connections Connections and ConnectionCount follow every
 * change at once; above it, they change at most every CONNS_COALESCE_MS (a
 * rebuild sorts and escapes every name: one per AddConnection made adding
 * 10,000 connections quadratic; and each change is a PropertiesChanged
 * signal). A Get of them is always current. */
#define SMALL_CONN_COUNT 64
#define CONNS_COALESCE_MS 250

/* Connections, ConnectionCount. */
static void
update_connection_properties(BusManager *manager)
{
	guint n = g_hash_table_size(manager->conns);

	manager->conns_dirty = TRUE;
	if (n <= SMALL_CONN_COUNT && manager->conns_source == 0)
		flush_connection_paths(manager);
	else if (manager->conns_source == 0)
		manager->conns_source = g_timeout_add(CONNS_COALESCE_MS, connection_paths_timeout,
						      manager);
}

void
bus_manager_add_managed_connections(GVariantBuilder *objects, gpointer user_data)
{
	BusManager *manager = user_data;
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, manager->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		BusConnObject *obj = value;
		g_autoptr(GVariant) props = NULL;

		bus_conn_object_flush(obj);
		props = g_dbus_interface_skeleton_get_properties(bus_conn_object_get_skeleton(obj));

		g_variant_builder_open(objects, G_VARIANT_TYPE("{oa{sa{sv}}}"));
		g_variant_builder_add(objects, "o", bus_conn_object_get_path(obj));
		g_variant_builder_open(objects, G_VARIANT_TYPE("a{sa{sv}}"));
		g_variant_builder_add(objects, "{s@a{sv}}", BUS_IFACE_CONNECTION, props);
		g_variant_builder_close(objects);
		g_variant_builder_close(objects);
	}
}

/* Puts @obj on the bus (when exported) and announces it. */
static gboolean
publish_connection(BusManager *manager, BusConnObject *obj, GError **error)
{
	GDBusInterfaceSkeleton *sk = bus_conn_object_get_skeleton(obj);

	g_hash_table_replace(manager->conns, g_strdup(bus_conn_object_get_name(obj)),
			     g_object_ref(obj));
	update_connection_properties(manager);
	if (manager->connection == NULL)
		return TRUE;
	if (!bus_conn_object_export(obj, manager->connection, error))
		return FALSE;
	bus_tree_interfaces_added(manager->tree, bus_conn_object_get_path(obj),
				  BUS_IFACE_CONNECTION, g_dbus_interface_skeleton_get_properties(sk));
	return TRUE;
}

static void
unpublish_connection(BusManager *manager, const char *name)
{
	BusConnObject *obj = g_hash_table_lookup(manager->conns, name);
	g_autofree char *path = NULL;

	if (obj == NULL)
		return;
	path = g_strdup(bus_conn_object_get_path(obj));
	bus_conn_object_unexport(obj);
	g_hash_table_remove(manager->conns, name);
	update_connection_properties(manager);
	if (manager->connection != NULL)
		bus_tree_interfaces_removed(manager->tree, path, BUS_IFACE_CONNECTION);
}

gboolean
bus_manager_delete_connection(BusManager *manager, const char *name, GError **error)
{
	BusConnObject *obj = g_hash_table_lookup(manager->conns, name);

	if (obj == NULL) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	if (!bus_engine_delete_connection(manager->engine, name, error))
		return FALSE;
	if (bus_conn_object_get_persistent(obj) && manager->store != NULL &&
	    !ikebus_store_remove(manager->store, name, error))
		g_warning("connection \"%s\": %s", name, (*error)->message);
	g_clear_error(error);
	unpublish_connection(manager, name);
	manager->connections_deleted++;
	return TRUE;
}

/* AddConnection(s name, a{sv} options, a{sv} flags) -> o */
typedef struct {
	IkebusConnection *conn;
	gboolean replace;
	gboolean persist;
} AddData;

static void
add_data_free(AddData *d)
{
	ikebus_connection_free(d->conn);
	g_free(d);
}

/* What AddConnection and AddConnections check of one parsed description
 * beyond its keys. */
static gboolean
check_new_connection(const IkebusConnection *conn, GError **error)
{
	if (conn->aggressive) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_SUPPORTED,
			    "aggressive: IKEv1 aggressive mode is not supported (ikebus speaks IKEv2 "
			    "only)");
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_persist(BusManager *manager, gboolean persist, GError **error)
{
	if (persist && manager->store == NULL) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_SUPPORTED,
			    "persist: this ikebusd has no state directory");
		return FALSE;
	}
	return TRUE;
}

static const char *const add_flag_keys[] = { "replace", "persist", NULL };
static const char *const add_flag_types[] = { "b", "b" };

static gboolean
check_add_connection(BusCall *call, GError **error)
{
	BusManager *manager = call->target;
	const char *name;
	g_autoptr(GVariant) options = NULL, flags = NULL;
	AddData *d;

	g_variant_get(call->params, "(&s@a{sv}@a{sv})", &name, &options, &flags);
	if (!bus_check_options(flags, "flags", add_flag_keys, add_flag_types, error))
		return FALSE;
	d = g_new0(AddData, 1);
	call->data = d;
	call->data_free = (GDestroyNotify) add_data_free;
	d->replace = bus_option_bool(flags, "replace", FALSE);
	d->persist = bus_option_bool(flags, "persist", FALSE);
	d->conn = ikebus_connection_new_from_options(name, options, error);
	if (d->conn == NULL)
		return FALSE;
	return check_new_connection(d->conn, error) && check_persist(manager, d->persist, error);
}

/* After the engine (and the store, when @persist) took @conn (owned): its
 * object, in place of @old's (or NULL). Returns the object (borrowed: the
 * manager holds it), or NULL when it could not be exported. */
static BusConnObject *
install_connection(BusManager *manager, IkebusConnection *conn, gboolean persist,
		   BusConnObject *old, GError **error)
{
	g_autoptr(BusConnObject) obj = NULL;
	g_autofree char *name = g_strdup(conn->name);
	GError *local = NULL;

	/* a replaced persistent connection that is now runtime-only leaves the store */
	if (old != NULL && !persist && bus_conn_object_get_persistent(old) &&
	    !ikebus_store_remove(manager->store, name, &local)) {
		g_warning("connection \"%s\": %s", name, local->message);
		g_clear_error(&local);
	}
	if (old != NULL)
		unpublish_connection(manager, name);
	obj = bus_conn_object_new(manager, conn, persist);
	if (!publish_connection(manager, obj, error))
		return NULL;
	manager->connections_added++;
	return obj;
}

static void
act_add_connection(BusCall *call)
{
	BusManager *manager = call->target;
	AddData *d = call->data;
	const char *name = d->conn->name;
	BusConnObject *old = g_hash_table_lookup(manager->conns, name);
	gboolean replaced = old != NULL;
	BusConnObject *obj;
	GError *error = NULL;

	/* AlreadyExists is decided after polkit: whether a name exists is
	 * visible to anyone anyway (Connections property), but nothing changes
	 * before authorization */
	if (old != NULL && !d->replace) {
		g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_ALREADY_EXISTS,
						      "connection \"%s\" exists (use the replace flag)",
						      name);
		return;
	}
	if (!bus_engine_add_connection(manager->engine, d->conn, d->replace, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	if (d->persist && !ikebus_store_save(manager->store, d->conn, &error)) {
		g_prefix_error(&error, "persist: ");
		bus_engine_delete_connection(manager->engine, name, NULL);
		bus_return_error(call->invocation, error);
		return;
	}
	obj = install_connection(manager, g_steal_pointer(&d->conn), d->persist, old, &error);
	if (obj == NULL) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_info("connection \"%s\" %s%s", bus_conn_object_get_name(obj),
	       replaced ? "replaced" : "added", d->persist ? " (persistent)" : "");
	g_dbus_method_invocation_return_value(call->invocation,
					      g_variant_new("(o)", bus_conn_object_get_path(obj)));
}

/* AddConnections(a(sa{sv}) connections, a{sv} flags) -> ao: AddConnection for
 * many, one polkit check, every entry checked before anything changes. */
typedef struct {
	GPtrArray *conns; /* of IkebusConnection, in the order given */
	gboolean replace;
	gboolean persist;
} AddManyData;

static void
add_many_data_free(AddManyData *d)
{
	g_clear_pointer(&d->conns, g_ptr_array_unref);
	g_free(d);
}

static gboolean
check_add_connections(BusCall *call, GError **error)
{
	BusManager *manager = call->target;
	g_autoptr(GVariant) list = NULL, flags = NULL;
	g_autoptr(GHashTable) seen = NULL; /* name (borrowed from d->conns) -> index + 1 */
	AddManyData *d;
	GVariantIter iter;
	const char *name;
	GVariant *options;
	guint i = 0;

	g_variant_get(call->params, "(@a(sa{sv})@a{sv})", &list, &flags);
	if (!bus_check_options(flags, "flags", add_flag_keys, add_flag_types, error))
		return FALSE;
	d = g_new0(AddManyData, 1);
	call->data = d;
	call->data_free = (GDestroyNotify) add_many_data_free;
	d->replace = bus_option_bool(flags, "replace", FALSE);
	d->persist = bus_option_bool(flags, "persist", FALSE);
	if (!check_persist(manager, d->persist, error))
		return FALSE;
	d->conns = g_ptr_array_new_full((guint) g_variant_n_children(list),
					(GDestroyNotify) ikebus_connection_free);
	seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_variant_iter_init(&iter, list);
	while (g_variant_iter_next(&iter, "(&s@a{sv})", &name, &options)) {
		G_GNUC_UNUSED g_autoptr(GVariant) owned = options; /* freed each turn */
		IkebusConnection *conn = ikebus_connection_new_from_options(name, options, error);
		gpointer before;

		if (conn != NULL)
			g_ptr_array_add(d->conns, conn);
		if (conn == NULL || !check_new_connection(conn, error)) {
			g_prefix_error(error, "connections[%u]: ", i);
			return FALSE;
		}
		if (g_hash_table_lookup_extended(seen, conn->name, NULL, &before)) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "connections[%u]: name: \"%s\" is also connections[%u]", i,
				    conn->name, GPOINTER_TO_UINT(before) - 1);
			return FALSE;
		}
		g_hash_table_insert(seen, conn->name, GUINT_TO_POINTER(i + 1));
		i++;
	}
	return TRUE;
}

/* Undoes the first @n entries of an AddConnections that failed at entry @n:
 * the new ones leave the engine (and the store) again; the replaced ones
 * stay replaced (the old description is gone) and get their new object. */
static void
add_connections_undo(BusManager *manager, AddManyData *d, const gboolean *existed, guint n)
{
	for (guint i = 0; i < n; i++) {
		IkebusConnection *conn = d->conns->pdata[i];
		g_autoptr(GError) error = NULL;

		if (!existed[i]) {
			bus_engine_delete_connection(manager->engine, conn->name, NULL);
			if (d->persist)
				ikebus_store_remove(manager->store, conn->name, NULL);
			continue;
		}
		d->conns->pdata[i] = NULL;
		if (install_connection(manager, conn, d->persist,
				       g_hash_table_lookup(manager->conns, conn->name), &error) == NULL)
			g_warning("AddConnections: %s", error->message);
	}
}

static void
act_add_connections(BusCall *call)
{
	BusManager *manager = call->target;
	AddManyData *d = call->data;
	g_autofree gboolean *existed = g_new0(gboolean, d->conns->len + 1);
	GVariantBuilder paths;
	GError *error = NULL;
	guint replaced = 0;

	/* as AddConnection: AlreadyExists after polkit, and before any change */
	for (guint i = 0; i < d->conns->len; i++) {
		const IkebusConnection *conn = d->conns->pdata[i];

		existed[i] = g_hash_table_contains(manager->conns, conn->name);
		if (existed[i] && !d->replace) {
			g_dbus_method_invocation_return_error(
				call->invocation, IKEBUS_ERROR, IKEBUS_ERROR_ALREADY_EXISTS,
				"connections[%u]: connection \"%s\" exists (use the replace flag)", i,
				conn->name);
			return;
		}
		replaced += existed[i] ? 1 : 0;
	}
	for (guint i = 0; i < d->conns->len; i++) {
		const IkebusConnection *conn = d->conns->pdata[i];
		gboolean engine_ok = FALSE;

		if ((engine_ok = bus_engine_add_connection(manager->engine, conn, d->replace,
							   &error)) &&
		    (!d->persist || ikebus_store_save(manager->store, conn, &error)))
			continue;
		if (engine_ok)
			g_prefix_error(&error, "persist: ");
		g_prefix_error(&error, "connections[%u]: ", i);
		if (engine_ok && !existed[i])
			bus_engine_delete_connection(manager->engine, conn->name, NULL);
		add_connections_undo(manager, d, existed, i);
		bus_return_error(call->invocation, error);
		return;
	}
	g_variant_builder_init(&paths, G_VARIANT_TYPE_OBJECT_PATH_ARRAY);
	for (guint i = 0; i < d->conns->len; i++) {
		IkebusConnection *conn = g_steal_pointer(&d->conns->pdata[i]);
		BusConnObject *obj;

		g_debug("connection \"%s\" %s by AddConnections", conn->name,
			existed[i] ? "replaced" : "added");
		obj = install_connection(manager, conn, d->persist,
					 g_hash_table_lookup(manager->conns, conn->name), &error);
		if (obj == NULL) {
			g_variant_builder_clear(&paths);
			g_prefix_error(&error, "connections[%u]: ", i);
			bus_return_error(call->invocation, error);
			return;
		}
		g_variant_builder_add(&paths, "o", bus_conn_object_get_path(obj));
	}
	g_info("%u connections added by AddConnections (%u replacing one)%s", d->conns->len,
	       replaced, d->persist ? " (persistent)" : "");
	g_dbus_method_invocation_return_value(call->invocation, g_variant_new("(ao)", &paths));
}

static gboolean
check_name_exists(BusCall *call, GError **error)
{
	BusManager *manager = call->target;
	const char *name;

	g_variant_get(call->params, "(&s)", &name);
	if (!g_hash_table_contains(manager->conns, name)) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	return TRUE;
}

static void
act_delete_connection(BusCall *call)
{
	const char *name;
	GError *error = NULL;

	g_variant_get(call->params, "(&s)", &name);
	if (!bus_manager_delete_connection(call->target, name, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
act_get_connection(BusCall *call)
{
	const char *name;
	g_autofree char *path = NULL;

	g_variant_get(call->params, "(&s)", &name);
	path = bus_conn_path_for_name(name);
	g_dbus_method_invocation_return_value(call->invocation, g_variant_new("(o)", path));
}

/* ---- daemon-wide settings ------------------------------------------------------- */

static void
return_not_running(BusCall *call)
{
	BusManager *manager = call->target;
	GError *error = NULL;

	bus_engine_not_running(manager->engine, &error);
	bus_return_error(call->invocation, error);
}

static void
return_not_supported(BusCall *call, const char *what)
{
	BusManager *manager = call->target;

	if (!bus_engine_is_running(manager->engine)) {
		return_not_running(call);
		return;
	}
	g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
					      IKEBUS_ERROR_NOT_SUPPORTED,
					      "%s is not supported by the running engine", what);
}

static gboolean
reread_secrets(BusManager *manager, GError **error)
{
	if (manager->secrets_file == NULL)
		return TRUE;
	if (!ikebus_secrets_load(manager->secrets, manager->secrets_file, error))
		return FALSE;
	g_info("secrets: %u entries from %u files", ikebus_secrets_get_count(manager->secrets),
	       g_strv_length((char **) ikebus_secrets_get_files(manager->secrets)));
	return TRUE;
}

static void
act_listen(BusCall *call)
{
	BusManager *manager = call->target;
	GError *error = NULL;

	if (!bus_engine_is_running(manager->engine)) {
		return_not_running(call);
		return;
	}
	/* opens the IKE sockets (again, or the ones missing: new addresses),
	 * then rereads the secrets, as pluto's --listen does */
	if (!bus_engine_set_listening(manager->engine, TRUE, &error)) {
		ikebus_manager_set_listening(IKEBUS_MANAGER(manager->skeleton),
					     bus_engine_is_listening(manager->engine));
		bus_return_error(call->invocation, error);
		return;
	}
	ikebus_manager_set_listening(IKEBUS_MANAGER(manager->skeleton), TRUE);
	if (!reread_secrets(manager, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
act_unlisten(BusCall *call)
{
	BusManager *manager = call->target;
	GError *error = NULL;

	if (!bus_engine_set_listening(manager->engine, FALSE, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	ikebus_manager_set_listening(IKEBUS_MANAGER(manager->skeleton), FALSE);
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_ddos_mode(BusCall *call, GError **error)
{
	const char *mode;

	g_variant_get(call->params, "(&s)", &mode);
	if (!g_str_equal(mode, "auto") && !g_str_equal(mode, "busy") &&
	    !g_str_equal(mode, "unlimited")) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
			    "mode: \"%s\" is not \"auto\", \"busy\" or \"unlimited\"", mode);
		return FALSE;
	}
	return TRUE;
}

static void
act_ddos_mode(BusCall *call)
{
	BusManager *manager = call->target;
	const char *mode;

	g_variant_get(call->params, "(&s)", &mode);
	ikebus_manager_set_ddos_mode(IKEBUS_MANAGER(manager->skeleton), mode);
	/* the engine answers with cookies while busy (engine/ddos.c) and
	 * tells engine_busy_cb when "auto" turns it on or off */
	bus_engine_set_ddos_mode(manager->engine, mode);
	ikebus_manager_set_busy(IKEBUS_MANAGER(manager->skeleton),
				bus_engine_is_busy(manager->engine, mode));
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
engine_busy_cb(gboolean busy, gpointer user_data)
{
	BusManager *manager = user_data;

	if (manager->skeleton != NULL)
		ikebus_manager_set_busy(IKEBUS_MANAGER(manager->skeleton), busy);
}

static gboolean
check_destination(const char *what, const char *dest, GError **error)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(dest);

	if (addr != NULL || (dest[0] != '\0' && !g_hostname_is_non_ascii(dest) &&
			     strspn(dest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789.-") == strlen(dest)))
		return TRUE;
	g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
		    "%s: \"%s\" is not an IP address or DNS name", what, dest);
	return FALSE;
}

static gboolean
check_global_redirect(BusCall *call, GError **error)
{
	static const char *const keys[] = { "mode", "to", NULL };
	static const char *const types[] = { "s", "as" };
	g_autoptr(GVariant) options = NULL;
	g_autofree const char **to = NULL;
	const char *mode = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (g_variant_n_children(options) == 0) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "options: empty (give \"mode\" and/or \"to\")");
		return FALSE;
	}
	if (g_variant_lookup(options, "mode", "&s", &mode) && !g_str_equal(mode, "yes") &&
	    !g_str_equal(mode, "no") && !g_str_equal(mode, "auto")) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
			    "mode: \"%s\" is not \"yes\", \"no\" or \"auto\"", mode);
		return FALSE;
	}
	if (g_variant_lookup(options, "to", "^a&s", &to)) {
		for (gsize i = 0; to[i] != NULL; i++) {
			if (!check_destination("to", to[i], error))
				return FALSE;
		}
	}
	if (g_strcmp0(mode, "yes") == 0 && (to == NULL || to[0] == NULL)) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "to: mode \"yes\" needs at least one destination");
		return FALSE;
	}
	return TRUE;
}

static void
act_global_redirect(BusCall *call)
{
	BusManager *manager = call->target;
	IkebusManager *m = IKEBUS_MANAGER(manager->skeleton);
	g_autoptr(GVariant) options = NULL;
	g_autofree const char **to = NULL;
	const char *mode = NULL;
	GError *error = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	if (!g_variant_lookup(options, "mode", "&s", &mode))
		mode = ikebus_manager_get_global_redirect(m);
	g_variant_lookup(options, "to", "^a&s", &to);
	/* the engine answers IKE_SA_INIT with N(REDIRECT) (engine/ddos.c) */
	if (!bus_engine_set_global_redirect(manager->engine, mode, to, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	ikebus_manager_set_global_redirect(m, mode);
	if (to != NULL)
		ikebus_manager_set_global_redirect_to(m, to);
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_redirect_peers(BusCall *call, GError **error)
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
		if (!check_destination("destinations", dests[i], error))
			return FALSE;
	}
	return TRUE;
}

static void
act_redirect_peers(BusCall *call)
{
	BusManager *manager = call->target;
	g_autofree const char **dests = NULL;
	g_autoptr(GVariant) options = NULL;
	GError *error = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &dests, &options);
	if (bus_engine_redirect_peers(manager->engine, NULL, dests, &error) < 0) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

/* SetDebug / SetImpair: "connection" option shared */
static gboolean
check_connection_option(BusManager *manager, GVariant *options, GError **error)
{
	static const char *const keys[] = { "connection", NULL };
	static const char *const types[] = { "s" };
	const char *name;

	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (g_variant_lookup(options, "connection", "&s", &name) &&
	    !g_hash_table_contains(manager->conns, name)) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_FOUND, "connection: no connection \"%s\"",
			    name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_debug(BusCall *call, GError **error)
{
	g_autofree const char **changes = NULL;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &changes, &options);
	for (gsize i = 0; changes[i] != NULL; i++) {
		const char *c = changes[i];

		if (g_str_has_prefix(c, "no-"))
			c += 3;
		if (!g_str_equal(changes[i], "none") && !g_str_equal(changes[i], "all") &&
		    !bus_debug_is_class(c)) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "changes: \"%s\" is not a debug class (see AvailableDebugClasses)",
				    changes[i]);
			return FALSE;
		}
	}
	return check_connection_option(call->target, options, error);
}

static void
act_debug(BusCall *call)
{
	BusManager *manager = call->target;
	g_autofree const char **changes = NULL;
	g_autoptr(GVariant) options = NULL;
	g_autoptr(GHashTable) set = g_hash_table_new(g_str_hash, g_str_equal);
	const char *const *available = bus_debug_available_classes();
	const char *const *current = ikebus_manager_get_debug_classes(IKEBUS_MANAGER(manager->skeleton));
	g_autofree const char **sorted = NULL;
	guint n;

	g_variant_get(call->params, "(^a&s@a{sv})", &changes, &options);
	if (g_variant_lookup(options, "connection", "&s", NULL)) {
		return_not_supported(call, "per-connection debugging");
		return;
	}
	for (gsize i = 0; current != NULL && current[i] != NULL; i++)
		g_hash_table_add(set, (gpointer) current[i]);
	for (gsize i = 0; changes[i] != NULL; i++) {
		const char *c = changes[i];

		if (g_str_equal(c, "none")) {
			g_hash_table_remove_all(set);
		} else if (g_str_equal(c, "all")) {
			for (gsize k = 0; available[k] != NULL; k++)
				g_hash_table_add(set, (gpointer) available[k]);
		} else if (g_str_has_prefix(c, "no-")) {
			g_hash_table_remove(set, c + 3);
		} else {
			g_hash_table_add(set, (gpointer) c);
		}
	}
	sorted = (const char **) g_hash_table_get_keys_as_array(set, &n);
	qsort(sorted, n, sizeof(char *), compare_strings);
	/* the strings belong to @changes, @available or the old property value:
	 * copy before the property is replaced */
	{
		g_auto(GStrv) copy = g_strdupv((char **) sorted);

		bus_debug_set_enabled((const char *const *) copy);
		ikebus_manager_set_debug_classes(IKEBUS_MANAGER(manager->skeleton), (const char *const *) copy);
	}
	bus_engine_set_log_verbose(manager->engine, bus_debug_is_enabled("engine"));
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_impair(BusCall *call, GError **error)
{
	g_autofree const char **changes = NULL;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &changes, &options);
	for (gsize i = 0; changes[i] != NULL; i++) {
		/* AvailableImpairments is empty until the engine offers some */
		if (!g_str_equal(changes[i], "none")) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "changes: \"%s\" is not a behaviour this ikebusd can impair (see "
				    "AvailableImpairments)",
				    changes[i]);
			return FALSE;
		}
	}
	return check_connection_option(call->target, options, error);
}

static void
act_impair(BusCall *call)
{
	BusManager *manager = call->target;
	const char *const none[] = { NULL };

	/* only "none" passed the check: everything is already unimpaired */
	ikebus_manager_set_impairments(IKEBUS_MANAGER(manager->skeleton), none);
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_socket_options(BusCall *call, GError **error)
{
	static const char *const keys[] = { "bufsize", "errqueue-toggle", NULL };
	static const char *const types[] = { "u", "b" };
	g_autoptr(GVariant) options = NULL;
	guint32 bufsize;

	g_variant_get(call->params, "(@a{sv})", &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (g_variant_n_children(options) == 0) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "options: empty (give \"bufsize\" and/or \"errqueue-toggle\")");
		return FALSE;
	}
	if (g_variant_lookup(options, "bufsize", "u", &bufsize) &&
	    (bufsize < 4096 || bufsize > 16 * 1024 * 1024)) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
			    "bufsize: %u is not between 4096 and 16777216", bufsize);
		return FALSE;
	}
	return TRUE;
}

static void
act_socket_options(BusCall *call)
{
	return_not_supported(call, "SetIkeSocketOptions");
}

static gboolean
check_reread(BusCall *call, GError **error)
{
	g_autofree const char **what = NULL;

	g_variant_get(call->params, "(^a&s)", &what);
	if (what[0] == NULL) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "what: empty (\"secrets\", \"crls\" or \"all\")");
		return FALSE;
	}
	for (gsize i = 0; what[i] != NULL; i++) {
		if (!g_str_equal(what[i], "secrets") && !g_str_equal(what[i], "crls") &&
		    !g_str_equal(what[i], "all")) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "what: \"%s\" is not \"secrets\", \"crls\" or \"all\"", what[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static void
act_reread(BusCall *call)
{
	BusManager *manager = call->target;
	g_autofree const char **what = NULL;
	gboolean secrets = FALSE, crls_only = FALSE;
	GError *error = NULL;

	g_variant_get(call->params, "(^a&s)", &what);
	for (gsize i = 0; what[i] != NULL; i++) {
		if (g_str_equal(what[i], "crls"))
			crls_only = TRUE;
		else
			secrets = TRUE; /* "secrets" or "all" */
	}
	/* certificates, keys and verified chains are read again on next use */
	crypto_certdb_forget_caches();
	if (crls_only && !secrets) {
		g_dbus_method_invocation_return_error_literal(
			call->invocation, IKEBUS_ERROR, IKEBUS_ERROR_NOT_SUPPORTED,
			"this ikebusd has no CRL support (no certificate database is loaded)");
		return;
	}
	if (!reread_secrets(manager, &error)) {
		/* the previous secrets stay in use; the message is file:line */
		if (error->domain == IKEBUS_SECRETS_ERROR)
			g_warning("secrets not reread: %s", error->message);
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
act_fetch_crls(BusCall *call)
{
	g_dbus_method_invocation_return_error_literal(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_NOT_SUPPORTED,
						      "this ikebusd has no CRL fetching");
}

static void
act_purge_ocsp(BusCall *call)
{
	g_dbus_method_invocation_return_error_literal(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_NOT_SUPPORTED,
						      "this ikebusd has no OCSP support");
}

static void
act_trigger_ddns(BusCall *call)
{
	return_not_supported(call, "TriggerDdns");
}

/* ---- agents -------------------------------------------------------------------- */

static void
agent_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
	BusManager *manager = user_data;

	g_debug("agent of %s left the bus", name);
	g_hash_table_remove(manager->agents, name);
	g_hash_table_remove(manager->agent_watches, name);
}

static gboolean
check_register_agent(BusCall *call, GError **error)
{
	const char *path;

	g_variant_get(call->params, "(&o)", &path);
	if (g_str_equal(path, "/")) {
		g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "path: \"/\" is not an agent object");
		return FALSE;
	}
	return TRUE;
}

static void
act_register_agent(BusCall *call)
{
	BusManager *manager = call->target;
	const char *sender = g_dbus_method_invocation_get_sender(call->invocation);
	const char *path;
	guint watch;

	g_variant_get(call->params, "(&o)", &path);
	if (g_hash_table_contains(manager->agents, sender)) {
		g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_ALREADY_EXISTS,
						      "%s already registered an agent", sender);
		return;
	}
	g_hash_table_insert(manager->agents, g_strdup(sender), g_strdup(path));
	watch = g_bus_watch_name_on_connection(g_dbus_method_invocation_get_connection(call->invocation),
					       sender, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
					       agent_vanished, manager, NULL);
	g_hash_table_insert(manager->agent_watches, g_strdup(sender), GUINT_TO_POINTER(watch));
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
act_unregister_agent(BusCall *call)
{
	BusManager *manager = call->target;
	const char *sender = g_dbus_method_invocation_get_sender(call->invocation);
	const char *path, *registered;

	g_variant_get(call->params, "(&o)", &path);
	registered = g_hash_table_lookup(manager->agents, sender);
	if (registered == NULL || !g_str_equal(registered, path)) {
		g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_NOT_FOUND,
						      "%s has no agent at %s", sender, path);
		return;
	}
	g_hash_table_remove(manager->agents, sender);
	g_hash_table_remove(manager->agent_watches, sender);
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static void
unwatch(gpointer data)
{
	g_bus_unwatch_name(GPOINTER_TO_UINT(data));
}

/* ---- shutdown --------------------------------------------------------------------- */

static gboolean
check_shutdown(BusCall *call, GError **error)
{
	static const char *const keys[] = { "leave-state", NULL };
	static const char *const types[] = { "b" };
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	return bus_check_options(options, "options", keys, types, error);
}

static void
act_shutdown(BusCall *call)
{
	BusManager *manager = call->target;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	manager->leave_state = bus_option_bool(options, "leave-state", FALSE);
	g_message("shutting down at the request of %s%s",
		  g_dbus_method_invocation_get_sender(call->invocation),
		  manager->leave_state ? " (leaving the kernel state)" : "");
	g_dbus_method_invocation_return_value(call->invocation, NULL);
	g_signal_emit(manager, signals[SIGNAL_SHUTDOWN_REQUESTED], 0);
}

static const BusHandler manager_handlers[] = {
	{ "AddConnection", check_add_connection, act_add_connection },
	{ "AddConnections", check_add_connections, act_add_connections },
	{ "DeleteConnection", check_name_exists, act_delete_connection },
	{ "GetConnection", check_name_exists, act_get_connection },
	{ "Listen", NULL, act_listen },
	{ "Unlisten", NULL, act_unlisten },
	{ "SetDdosMode", check_ddos_mode, act_ddos_mode },
	{ "SetGlobalRedirect", check_global_redirect, act_global_redirect },
	{ "RedirectActivePeers", check_redirect_peers, act_redirect_peers },
	{ "SetDebug", check_debug, act_debug },
	{ "SetImpair", check_impair, act_impair },
	{ "SetIkeSocketOptions", check_socket_options, act_socket_options },
	{ "Reread", check_reread, act_reread },
	{ "FetchCrls", NULL, act_fetch_crls },
	{ "PurgeOcsp", NULL, act_purge_ocsp },
	{ "TriggerDdns", NULL, act_trigger_ddns },
	{ "RegisterAgent", check_register_agent, act_register_agent },
	{ "UnregisterAgent", NULL, act_unregister_agent },
	{ "Shutdown", check_shutdown, act_shutdown },
};
static const gsize n_manager_handlers = G_N_ELEMENTS(manager_handlers);

/* ---- SAs ----------------------------------------------------------------------- */

static gboolean
update_counts(gpointer user_data)
{
	BusManager *manager = user_data;

	manager->counts_source = 0;
	ikebus_manager_set_ike_sacount(IKEBUS_MANAGER(manager->skeleton),
				       g_hash_table_size(manager->sa_conn[BUS_SA_IKE]));
	ikebus_manager_set_child_sacount(IKEBUS_MANAGER(manager->skeleton),
					 g_hash_table_size(manager->sa_conn[BUS_SA_CHILD]));
	{
		/* each connection counts its own (from the SA events): no walk over every SA */
		guint half_open = 0;
		GHashTableIter iter;
		gpointer value;

		g_hash_table_iter_init(&iter, manager->conns);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			half_open += bus_conn_object_count_half_open(value);
		ikebus_manager_set_half_open_ike_sacount(IKEBUS_MANAGER(manager->skeleton), half_open);
	}
	return G_SOURCE_REMOVE;
}

void
bus_manager_sa_event(BusManager *manager, BusSaEvent event, BusSaKind kind, guint serial,
		     const char *connection)
{
	GHashTable *map = manager->sa_conn[kind];
	gpointer key = GUINT_TO_POINTER(serial);
	g_autofree char *name = NULL;
	BusConnObject *obj;

	if (event != BUS_SA_CHANGED)
		g_clear_pointer(&manager->sa_sorted[kind], g_array_unref);
	if (event == BUS_SA_REMOVED) {
		name = g_strdup(g_hash_table_lookup(map, key));
		g_hash_table_remove(map, key);
	} else {
		name = g_strdup(connection);
		if (event == BUS_SA_ADDED)
			g_hash_table_replace(map, key, g_strdup(connection));
	}
	bus_tree_sa_event(manager->tree, event, kind, serial);
	obj = name != NULL ? g_hash_table_lookup(manager->conns, name) : NULL;
	if (obj != NULL)
		bus_conn_object_sa_event(obj, event, kind, serial);
	/* counts change with every SA: signal them at most once a second */
	if (manager->counts_source == 0)
		manager->counts_source = g_timeout_add_seconds(1, update_counts, manager);
}

static void
engine_routing_cb(const char *connection, const char *routing, gpointer user_data)
{
	BusManager *manager = user_data;
	BusConnObject *obj = g_hash_table_lookup(manager->conns, connection);

	if (obj != NULL)
		bus_conn_object_set_routing(obj, routing);
}

/* The raw public keys added with AddPublicKey for @id, newest first. */
static GStrv
engine_pubkey_cb(const char *id, gpointer user_data)
{
	BusManager *manager = user_data;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	gboolean any = FALSE;

	for (guint i = manager->pubkeys->len; i > 0; i--) {
		const BusPubKey *k = manager->pubkeys->pdata[i - 1];

		if (g_str_equal(k->keyid, id)) {
			g_strv_builder_add(b, k->key);
			any = TRUE;
		}
	}
	return any ? g_strv_builder_end(b) : NULL;
}

static void
engine_sa_cb(BusSaEvent event, BusSaKind kind, guint serial, const char *connection,
	     gpointer user_data)
{
	bus_manager_sa_event(user_data, event, kind, serial, connection);
}

void
bus_manager_set_sa_source(BusManager *manager, const BusSaSourceFuncs *funcs, gpointer source)
{
	bus_tree_set_sa_source(manager->tree, funcs, source);
}

/* ---- life cycle -------------------------------------------------------------------- */

gboolean
bus_manager_export(BusManager *manager, GDBusConnection *connection, GError **error)
{
	GHashTableIter iter;
	gpointer value;

	g_return_val_if_fail(BUS_IS_MANAGER(manager), FALSE);

	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(manager->skeleton),
					      connection, BUS_MANAGER_PATH, error))
		return FALSE;
	if (!bus_tree_export(manager->tree, connection, error)) {
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(manager->skeleton));
		return FALSE;
	}
	manager->connection = g_object_ref(connection);
	g_hash_table_iter_init(&iter, manager->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (!bus_conn_object_export(value, connection, error)) {
			bus_manager_unexport(manager);
			return FALSE;
		}
	}
	return TRUE;
}

void
bus_manager_unexport(BusManager *manager)
{
	GHashTableIter iter;
	gpointer value;

	g_return_if_fail(BUS_IS_MANAGER(manager));

	g_hash_table_iter_init(&iter, manager->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		bus_conn_object_unexport(value);
	if (manager->tree != NULL)
		bus_tree_unexport(manager->tree);
	if (manager->skeleton != NULL &&
	    g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(manager->skeleton)))
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(manager->skeleton));
	g_clear_object(&manager->connection);
}

gboolean
bus_manager_get_leave_state(BusManager *manager)
{
	return manager->leave_state;
}

static void
load_store(BusManager *manager)
{
	g_autoptr(GPtrArray) conns = ikebus_store_load_all(manager->store);

	for (guint i = 0; i < conns->len; i++) {
		IkebusConnection *conn = g_steal_pointer(&conns->pdata[i]);
		g_autoptr(BusConnObject) obj = NULL;
		g_autoptr(GError) error = NULL;

		if (!bus_engine_add_connection(manager->engine, conn, FALSE, &error)) {
			g_warning("stored connection \"%s\": %s; skipped", conn->name, error->message);
			ikebus_connection_free(conn);
			continue;
		}
		obj = bus_conn_object_new(manager, conn, TRUE);
		publish_connection(manager, obj, NULL);
	}
	if (conns->len > 0)
		g_info("%u stored connections from %s", g_hash_table_size(manager->conns),
		       ikebus_store_get_dir(manager->store));
}

static void
bus_manager_dispose(GObject *object)
{
	BusManager *manager = BUS_MANAGER(object);

	if (manager->skeleton != NULL)
		bus_manager_unexport(manager);
	g_clear_handle_id(&manager->counts_source, g_source_remove);
	g_clear_handle_id(&manager->conns_source, g_source_remove);
	if (manager->skeleton != NULL)
		BUS_MANAGER_SKELETON(manager->skeleton)->owner = NULL;
	g_clear_pointer(&manager->conns, g_hash_table_unref);
	g_clear_pointer(&manager->tree, bus_tree_free);
	if (manager->engine != NULL) {
		bus_engine_free(manager->engine, manager->leave_state);
		manager->engine = NULL;
	}
	g_clear_pointer(&manager->agent_watches, g_hash_table_unref);
	g_clear_pointer(&manager->agents, g_hash_table_unref);
	g_clear_object(&manager->skeleton);
	g_clear_object(&manager->authz);
	G_OBJECT_CLASS(bus_manager_parent_class)->dispose(object);
}

static void
bus_manager_finalize(GObject *object)
{
	BusManager *manager = BUS_MANAGER(object);

	g_clear_pointer(&manager->sa_conn[BUS_SA_IKE], g_hash_table_unref);
	g_clear_pointer(&manager->sa_conn[BUS_SA_CHILD], g_hash_table_unref);
	g_clear_pointer(&manager->sa_sorted[BUS_SA_IKE], g_array_unref);
	g_clear_pointer(&manager->sa_sorted[BUS_SA_CHILD], g_array_unref);
	g_clear_pointer(&manager->pubkeys, g_ptr_array_unref);
	g_clear_pointer(&manager->stats_base, g_hash_table_unref);
	g_clear_pointer(&manager->secrets, ikebus_secrets_free);
	g_clear_pointer(&manager->store, ikebus_store_free);
	g_free(manager->secrets_file);
	G_OBJECT_CLASS(bus_manager_parent_class)->finalize(object);
}

static void
bus_manager_class_init(BusManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = bus_manager_dispose;
	G_OBJECT_CLASS(klass)->finalize = bus_manager_finalize;
	signals[SIGNAL_SHUTDOWN_REQUESTED] =
		g_signal_new("shutdown-requested", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bus_manager_init(BusManager *manager)
{
	const char *const none[] = { NULL };
	BusManagerSkeleton *sk = g_object_new(BUS_TYPE_MANAGER_SKELETON, NULL);

	sk->owner = manager;
	manager->skeleton = IKEBUS_MANAGER_SKELETON(sk);
	ikebus_manager_set_version(IKEBUS_MANAGER(manager->skeleton), PACKAGE_VERSION);
	ikebus_manager_set_connections(IKEBUS_MANAGER(manager->skeleton), none);
	ikebus_manager_set_ddos_mode(IKEBUS_MANAGER(manager->skeleton), "auto");
	ikebus_manager_set_global_redirect(IKEBUS_MANAGER(manager->skeleton), "no");
	ikebus_manager_set_global_redirect_to(IKEBUS_MANAGER(manager->skeleton), none);
	ikebus_manager_set_debug_classes(IKEBUS_MANAGER(manager->skeleton), none);
	ikebus_manager_set_available_debug_classes(IKEBUS_MANAGER(manager->skeleton),
						   bus_debug_available_classes());
	ikebus_manager_set_impairments(IKEBUS_MANAGER(manager->skeleton), none);
	ikebus_manager_set_available_impairments(IKEBUS_MANAGER(manager->skeleton), none);
	manager->conns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	manager->sa_conn[BUS_SA_IKE] = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	manager->sa_conn[BUS_SA_CHILD] = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	manager->pubkeys = g_ptr_array_new_with_free_func((GDestroyNotify) bus_pubkey_free);
	manager->agents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	manager->agent_watches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, unwatch);
	manager->stats_base = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	manager->secrets = ikebus_secrets_new();
	manager->tree = bus_tree_new(bus_manager_add_managed_connections, manager);
	manager->started = g_get_monotonic_time();
}

BusManager *
bus_manager_new(BusAuthz *authz, const BusManagerConfig *cfg)
{
	BusManager *manager;
	BusEngineConfig engine_cfg;
	g_autoptr(GError) error = NULL;

	g_return_val_if_fail(BUS_IS_AUTHZ(authz), NULL);
	g_return_val_if_fail(cfg != NULL, NULL);
	manager = g_object_new(BUS_TYPE_MANAGER, NULL);
	manager->authz = g_object_ref(authz);
	ikebus_manager_set_kernel_backend(IKEBUS_MANAGER(manager->skeleton),
					  cfg->kernel_backend ? cfg->kernel_backend : "none");
	ikebus_manager_set_fips_mode(IKEBUS_MANAGER(manager->skeleton), cfg->fips);
	manager->secrets_file = g_strdup(cfg->secrets_file);
	if (!reread_secrets(manager, &error))
		g_warning("secrets: %s", error->message);
	engine_cfg = cfg->engine;
	engine_cfg.secrets = manager->secrets;
	manager->engine = bus_engine_new(&engine_cfg);
	bus_engine_set_sa_observer(manager->engine, engine_sa_cb, manager);
	bus_engine_set_routing_observer(manager->engine, engine_routing_cb, manager);
	bus_engine_set_pubkey_lookup(manager->engine, engine_pubkey_cb, manager);
	bus_engine_set_busy_observer(manager->engine, engine_busy_cb, manager);
	/* --debug engine was set before the engine existed */
	bus_engine_set_log_verbose(manager->engine, bus_debug_is_enabled("engine"));
	bus_tree_set_sa_source(manager->tree, bus_engine_get_sa_source(manager->engine),
			       manager->engine);
	ikebus_manager_set_listening(IKEBUS_MANAGER(manager->skeleton), bus_engine_is_listening(manager->engine));
	if (cfg->state_dir != NULL) {
		manager->store = ikebus_store_new(cfg->state_dir);
		load_store(manager);
	}
	return manager;
}
