/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "client.h"

#include <glib/gi18n.h>

struct _AppletClient {
	GObject parent;
	GBusType bus_type;
	GCancellable *cancellable;
	IkebusManager *manager;
	GDBusObjectManager *object_manager;
	GListStore *connections; /* of AppletConn, sorted by name */
};

G_DEFINE_TYPE(AppletClient, applet_client, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_SA_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

#define IFACE_CONNECTION "org.ikebus.ike1.Connection"
#define IFACE_IKE_SA "org.ikebus.ike1.IkeSA"
#define IFACE_CHILD_SA "org.ikebus.ike1.ChildSA"

AppletClient *
applet_client_new(GBusType bus_type)
{
	AppletClient *client = g_object_new(APPLET_TYPE_CLIENT, NULL);

	client->bus_type = bus_type;
	return client;
}

static void
emit_changed(AppletClient *client)
{
	g_signal_emit(client, signals[SIGNAL_CHANGED], 0);
}

static int
compare_conn(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return g_utf8_collate(applet_conn_get_name(APPLET_CONN((gpointer) a)),
			      applet_conn_get_name(APPLET_CONN((gpointer) b)));
}

static gboolean
find_path(AppletClient *client, const char *path, guint *position)
{
	guint n = g_list_model_get_n_items(G_LIST_MODEL(client->connections));

	for (guint i = 0; i < n; i++) {
		g_autoptr(AppletConn) conn = g_list_model_get_item(G_LIST_MODEL(client->connections), i);

		if (g_strcmp0(applet_conn_get_path(conn), path) == 0) {
			*position = i;
			return TRUE;
		}
	}
	return FALSE;
}

static void
add_interface(AppletClient *client, GDBusObject *object, GDBusInterface *iface)
{
	GDBusInterfaceInfo *info = g_dbus_interface_get_info(iface);
	const char *path = g_dbus_object_get_object_path(object);
	guint pos;

	if (g_strcmp0(info->name, IFACE_CONNECTION) == 0) {
		g_autoptr(AppletConn) conn = NULL;

		if (!IKEBUS_IS_CONN(iface) || find_path(client, path, &pos))
			return;
		conn = applet_conn_new(IKEBUS_CONN(iface));
		g_list_store_insert_sorted(client->connections, conn, compare_conn, NULL);
	} else if (g_strcmp0(info->name, IFACE_IKE_SA) == 0 ||
		   g_strcmp0(info->name, IFACE_CHILD_SA) == 0) {
		g_signal_emit(client, signals[SIGNAL_SA_CHANGED], 0);
	}
}

static void
remove_interface(AppletClient *client, GDBusObject *object, GDBusInterface *iface)
{
	GDBusInterfaceInfo *info = g_dbus_interface_get_info(iface);
	const char *path = g_dbus_object_get_object_path(object);
	guint pos;

	if (g_strcmp0(info->name, IFACE_CONNECTION) == 0) {
		if (find_path(client, path, &pos))
			g_list_store_remove(client->connections, pos);
	} else if (g_strcmp0(info->name, IFACE_IKE_SA) == 0 ||
		   g_strcmp0(info->name, IFACE_CHILD_SA) == 0) {
		g_signal_emit(client, signals[SIGNAL_SA_CHANGED], 0);
	}
}

static void
on_object_added(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
	GList *ifaces = g_dbus_object_get_interfaces(object);

	for (GList *l = ifaces; l != NULL; l = l->next)
		add_interface(user_data, object, l->data);
	g_list_free_full(ifaces, g_object_unref);
}

static void
on_object_removed(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
	GList *ifaces = g_dbus_object_get_interfaces(object);

	for (GList *l = ifaces; l != NULL; l = l->next)
		remove_interface(user_data, object, l->data);
	g_list_free_full(ifaces, g_object_unref);
}

static void
on_interface_added(GDBusObjectManager *om, GDBusObject *object, GDBusInterface *iface,
		   gpointer user_data)
{
	add_interface(user_data, object, iface);
}

static void
on_interface_removed(GDBusObjectManager *om, GDBusObject *object, GDBusInterface *iface,
		     gpointer user_data)
{
	remove_interface(user_data, object, iface);
}

/* SA properties (State, ChildSAs, ...) change the details view only */
static void
on_interface_proxy_properties_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *object,
				      GDBusProxy *proxy, GVariant *changed,
				      GStrv invalidated, gpointer user_data)
{
	const char *name = g_dbus_proxy_get_interface_name(proxy);

	if (g_strcmp0(name, IFACE_IKE_SA) == 0 || g_strcmp0(name, IFACE_CHILD_SA) == 0)
		g_signal_emit(user_data, signals[SIGNAL_SA_CHANGED], 0);
}

static void
object_manager_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(AppletClient) client = user_data;
	g_autoptr(GError) error = NULL;
	g_autolist(GDBusObject) objects = NULL;

	client->object_manager = ikebus_object_manager_client_new_for_bus_finish(res, &error);
	if (client->object_manager == NULL) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("cannot follow ikebusd's objects: %s", error->message);
		return;
	}
	g_signal_connect_object(client->object_manager, "object-added",
				G_CALLBACK(on_object_added), client, 0);
	g_signal_connect_object(client->object_manager, "object-removed",
				G_CALLBACK(on_object_removed), client, 0);
	g_signal_connect_object(client->object_manager, "interface-added",
				G_CALLBACK(on_interface_added), client, 0);
	g_signal_connect_object(client->object_manager, "interface-removed",
				G_CALLBACK(on_interface_removed), client, 0);
	g_signal_connect_object(client->object_manager, "interface-proxy-properties-changed",
				G_CALLBACK(on_interface_proxy_properties_changed), client, 0);
	objects = g_dbus_object_manager_get_objects(client->object_manager);
	for (GList *l = objects; l != NULL; l = l->next)
		on_object_added(client->object_manager, l->data, client);
	emit_changed(client);
}

static void
on_manager_notify(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	emit_changed(user_data);
}

static void
on_manager_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
			      gpointer user_data)
{
	emit_changed(user_data);
}

static void
manager_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(AppletClient) client = user_data;
	g_autoptr(GError) error = NULL;

	client->manager = ikebus_manager_proxy_new_for_bus_finish(res, &error);
	if (client->manager == NULL) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("cannot reach ikebusd: %s", error->message);
		emit_changed(client);
		return;
	}
	/* a long negotiation or a polkit dialog may take minutes */
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(client->manager), G_MAXINT);
	g_signal_connect_object(client->manager, "notify::g-name-owner",
				G_CALLBACK(on_manager_notify), client, 0);
	g_signal_connect_object(client->manager, "g-properties-changed",
				G_CALLBACK(on_manager_properties_changed), client, 0);
	emit_changed(client);
	/* the Manager proxy's GetAll has activated ikebusd if it can be */
	ikebus_object_manager_client_new_for_bus(client->bus_type,
						 G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
						 IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH,
						 client->cancellable, object_manager_ready,
						 g_object_ref(client));
}

void
applet_client_start(AppletClient *client)
{
	ikebus_manager_proxy_new_for_bus(client->bus_type, G_DBUS_PROXY_FLAGS_NONE,
					 IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH, client->cancellable,
					 manager_ready, g_object_ref(client));
}

GListModel *
applet_client_get_connections(AppletClient *client)
{
	return G_LIST_MODEL(client->connections);
}

AppletConn *
applet_client_find(AppletClient *client, const char *name)
{
	guint n = g_list_model_get_n_items(G_LIST_MODEL(client->connections));

	for (guint i = 0; i < n; i++) {
		g_autoptr(AppletConn) conn = g_list_model_get_item(G_LIST_MODEL(client->connections), i);

		if (g_strcmp0(applet_conn_get_name(conn), name) == 0)
			return conn; /* the store keeps its reference */
	}
	return NULL;
}

char *
applet_client_dup_owner(AppletClient *client)
{
	if (client->manager == NULL)
		return NULL;
	return g_dbus_proxy_get_name_owner(G_DBUS_PROXY(client->manager));
}

gboolean
applet_client_is_running(AppletClient *client)
{
	g_autofree char *owner = applet_client_dup_owner(client);

	return owner != NULL && ikebus_manager_get_version(client->manager) != NULL;
}

const char *
applet_client_get_version(AppletClient *client)
{
	return applet_client_is_running(client) ? ikebus_manager_get_version(client->manager) : NULL;
}

const char *
applet_client_get_backend(AppletClient *client)
{
	return applet_client_is_running(client) ? ikebus_manager_get_kernel_backend(client->manager)
						: NULL;
}

GDBusConnection *
applet_client_get_bus(AppletClient *client)
{
	if (client->manager == NULL)
		return NULL;
	return g_dbus_proxy_get_connection(G_DBUS_PROXY(client->manager));
}

GDBusProxy *
applet_client_lookup(AppletClient *client, const char *path, const char *interface_name)
{
	g_autoptr(GDBusInterface) iface = NULL;

	if (client->object_manager == NULL)
		return NULL;
	iface = g_dbus_object_manager_get_interface(client->object_manager, path, interface_name);
	/* the object manager holds another reference for as long as it lists it */
	return iface != NULL ? G_DBUS_PROXY(iface) : NULL;
}

/* ---- calls ------------------------------------------------------------- */

typedef struct {
	AppletConn *conn;
	gboolean up;
} SetUpData;

static void
set_up_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SetUpData *data = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
								  &error);

	applet_conn_set_busy(data->conn, FALSE);
	if (reply == NULL) {
		g_autofree char *text = applet_error_describe(error);

		g_info("%s %s: %s", data->up ? "Initiate" : "Down",
		       applet_conn_get_name(data->conn), error->message);
		applet_conn_set_error(data->conn, text);
	} else {
		guint32 status = 0;
		const char *text;

		g_variant_get(reply, "(u)", &status);
		text = applet_status_describe(status);
		if (text != NULL && data->up)
			applet_conn_set_error(data->conn, text);
	}
	g_object_unref(data->conn);
	g_free(data);
}

void
applet_client_set_up(AppletClient *client, AppletConn *conn, gboolean up)
{
	GDBusConnection *bus = applet_client_get_bus(client);
	GVariantBuilder options;
	SetUpData *data;

	applet_conn_set_wanted(conn, up);
	if (bus == NULL) {
		applet_conn_set_error(conn, _("ikebusd is not running."));
		return;
	}
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&options, "{sv}", "asynchronous", g_variant_new_boolean(TRUE));
	data = g_new0(SetUpData, 1);
	data->conn = g_object_ref(conn);
	data->up = up;
	applet_conn_set_busy(conn, TRUE);
	g_dbus_connection_call(bus, IKEBUS_BUS_NAME, applet_conn_get_path(conn), IFACE_CONNECTION,
			       up ? "Initiate" : "Down", g_variant_new("(a{sv})", &options),
			       G_VARIANT_TYPE("(u)"),
			       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
			       client->cancellable, set_up_done, data);
}

static gboolean
call_or_fail(AppletClient *client, GAsyncReadyCallback callback, gpointer user_data)
{
	if (applet_client_get_bus(client) != NULL)
		return TRUE;
	/* report through the same callback path as a failed call */
	g_task_report_new_error(client, callback, user_data, call_or_fail, G_DBUS_ERROR,
				G_DBUS_ERROR_SERVICE_UNKNOWN, "%s", _("ikebusd is not running."));
	return FALSE;
}

GVariant *
applet_client_call_finish(GObject *source, GAsyncResult *res, GError **error)
{
	if (G_IS_TASK(res))
		return g_task_propagate_pointer(G_TASK(res), error);
	return g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, error);
}

void
applet_client_delete(AppletClient *client, AppletConn *conn, GAsyncReadyCallback callback,
		     gpointer user_data)
{
	if (!call_or_fail(client, callback, user_data))
		return;
	g_dbus_connection_call(applet_client_get_bus(client), IKEBUS_BUS_NAME,
			       applet_conn_get_path(conn), IFACE_CONNECTION, "Delete", NULL,
			       G_VARIANT_TYPE_UNIT,
			       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
			       client->cancellable, callback, user_data);
}

void
applet_client_add(AppletClient *client, const char *name, GVariant *options, gboolean replace,
		  GAsyncReadyCallback callback, gpointer user_data)
{
	GVariantBuilder flags;
	g_autoptr(GVariant) sunk = g_variant_ref_sink(options);

	if (!call_or_fail(client, callback, user_data))
		return;
	g_variant_builder_init(&flags, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&flags, "{sv}", "persist", g_variant_new_boolean(TRUE));
	if (replace)
		g_variant_builder_add(&flags, "{sv}", "replace", g_variant_new_boolean(TRUE));
	g_dbus_connection_call(applet_client_get_bus(client), IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH,
			       "org.ikebus.ike1.Manager", "AddConnection",
			       g_variant_new("(s@a{sv}a{sv})", name, sunk, &flags),
			       G_VARIANT_TYPE("(o)"),
			       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
			       client->cancellable, callback, user_data);
}

void
applet_client_list_certs(AppletClient *client, GAsyncReadyCallback callback, gpointer user_data)
{
	const char *what[] = { "certs", NULL };

	if (!call_or_fail(client, callback, user_data))
		return;
	g_dbus_connection_call(applet_client_get_bus(client), IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH,
			       "org.ikebus.ike1.Manager", "List",
			       g_variant_new("(^asa{sv})", what, NULL), G_VARIANT_TYPE("(aa{sv})"),
			       G_DBUS_CALL_FLAGS_NONE, -1, client->cancellable, callback,
			       user_data);
}

/* ---- errors in plain words ---------------------------------------------- */

gboolean
applet_error_is_not_authorized(const GError *error)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(error);

	return g_strcmp0(remote, "org.ikebus.ike1.Error.NotAuthorized") == 0;
}

char *
applet_error_describe(const GError *error)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(error);
	g_autoptr(GError) copy = g_error_copy(error);
	const char *name;

	g_dbus_error_strip_remote_error(copy);
	if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED))
		return g_strdup(_("ikebusd is not running."));
	if (remote == NULL)
		return g_strdup(copy->message);
	name = remote;
	if (g_str_has_prefix(name, "org.ikebus.ike1.Error."))
		name += strlen("org.ikebus.ike1.Error.");
	if (g_strcmp0(name, "NotAuthorized") == 0)
		return g_strdup(_("Permission denied: the system did not authorize this action."));
	if (g_strcmp0(name, "NotFound") == 0)
		return g_strdup(_("ikebusd does not know this connection."));
	if (g_strcmp0(name, "AlreadyExists") == 0)
		return g_strdup(_("A connection with this name already exists."));
	if (g_strcmp0(name, "Busy") == 0)
		return g_strdup(_("The connection is already being brought up."));
	if (g_strcmp0(name, "InvalidArgument") == 0)
		return g_strdup_printf(_("Invalid setting: %s"), copy->message);
	if (g_strcmp0(name, "NotSupported") == 0)
		return g_strdup_printf(_("ikebusd cannot do this now: %s"), copy->message);
	if (g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0 ||
	    g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
	    g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownInterface") == 0)
		return g_strdup(_("This version of ikebusd cannot do that yet."));
	if (g_strcmp0(name, "Failed") == 0)
		return g_strdup_printf(_("The operation failed: %s"), copy->message);
	return g_strdup(copy->message);
}

const char *
applet_status_describe(guint32 status)
{
	switch (status) {
	case 0:
		return NULL;
	case 10:
		return _("The connection cannot be used: no local address matches either end.");
	case 11:
		return _("ikebusd is not listening for IKE.");
	case 12:
		return _("A password or other credential was needed and none was given.");
	case 20:
		return _("The peer did not answer.");
	case 21:
		return _("The peer refused the connection.");
	case 22:
		return _("Authentication failed.");
	case 23:
		return _("The peer and this computer have no algorithms or networks in common.");
	case 24:
		return _("The kernel refused to install the tunnel.");
	case 25:
		return _("The attempt was superseded.");
	case 26:
		return _("There was nothing to do.");
	case 27:
		return _("This version of ikebusd cannot do that yet.");
	default:
		return _("The operation failed.");
	}
}

static void
applet_client_dispose(GObject *object)
{
	AppletClient *client = APPLET_CLIENT(object);

	g_cancellable_cancel(client->cancellable);
	g_clear_object(&client->object_manager);
	g_clear_object(&client->manager);
	if (client->connections != NULL)
		g_list_store_remove_all(client->connections);
	G_OBJECT_CLASS(applet_client_parent_class)->dispose(object);
}

static void
applet_client_finalize(GObject *object)
{
	AppletClient *client = APPLET_CLIENT(object);

	g_clear_object(&client->connections);
	g_clear_object(&client->cancellable);
	G_OBJECT_CLASS(applet_client_parent_class)->finalize(object);
}

static void
applet_client_init(AppletClient *client)
{
	client->cancellable = g_cancellable_new();
	client->connections = g_list_store_new(APPLET_TYPE_CONN);
}

static void
applet_client_class_init(AppletClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = applet_client_dispose;
	object_class->finalize = applet_client_finalize;
	signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
					       G_TYPE_NONE, 0);
	signals[SIGNAL_SA_CHANGED] = g_signal_new("sa-changed", G_TYPE_FROM_CLASS(klass),
						  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						  G_TYPE_NONE, 0);
}
