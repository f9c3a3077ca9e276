/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AppletClient: everything the applet knows about ikebusd, and every call it
 * makes. One org.ikebus.ike1.Manager proxy plus an object manager client on
 * /org/ikebus/ike1; connections are kept in a sorted GListModel of
 * AppletConn, updated from InterfacesAdded/Removed and PropertiesChanged
 * (no polling). Main thread only.
 *
 * Calls that change something carry ALLOW_INTERACTIVE_AUTHORIZATION so the
 * desktop's polkit agent can ask, and no timeout (a person may take long to
 * type a password).
 */
#pragma once

#include "conn-item.h"
#include "ikebus-dbus-generated.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define IKEBUS_BUS_NAME "org.ikebus.ike1"
#define IKEBUS_MANAGER_PATH "/org/ikebus/ike1"

#define APPLET_TYPE_CLIENT (applet_client_get_type())
G_DECLARE_FINAL_TYPE(AppletClient, applet_client, APPLET, CLIENT, GObject)

/*
 * Owned. Nothing happens until applet_client_start(). Signals:
 *   "changed": the daemon appeared, vanished or changed a Manager property;
 *   "sa-changed": an IKE or Child SA object appeared, vanished or changed.
 */
AppletClient *applet_client_new(GBusType bus_type);
void applet_client_start(AppletClient *client);

/* The connections, an AppletConn each, sorted by name. Borrowed. */
GListModel *applet_client_get_connections(AppletClient *client);
/* Borrowed, or NULL. */
AppletConn *applet_client_find(AppletClient *client, const char *name);

/* TRUE once the Manager proxy exists and the name has an owner. */
gboolean applet_client_is_running(AppletClient *client);
/* Borrowed, or NULL while ikebusd is not running. */
const char *applet_client_get_version(AppletClient *client);
const char *applet_client_get_backend(AppletClient *client);
/* The unique name of ikebusd, owned, or NULL. */
char *applet_client_dup_owner(AppletClient *client);
/* Borrowed; NULL until the first proxy is ready. */
GDBusConnection *applet_client_get_bus(AppletClient *client);
/* A proxy for @interface_name at @path from the object manager, or NULL.
 * Borrowed (the object manager keeps it). */
GDBusProxy *applet_client_lookup(AppletClient *client, const char *path,
				 const char *interface_name);

/* Bring @conn up (Initiate with "asynchronous") or down (Down). The outcome
 * lands on @conn: busy while the call runs, an error in plain words if it
 * failed. */
void applet_client_set_up(AppletClient *client, AppletConn *conn, gboolean up);

/* Connection.Delete. Finish with applet_client_call_finish(). */
void applet_client_delete(AppletClient *client, AppletConn *conn, GAsyncReadyCallback callback,
			  gpointer user_data);

/* Manager.AddConnection(@name, @options, {persist: true, replace: @replace}).
 * @options is a{sv}, consumed if floating. Finish with
 * applet_client_call_finish(). */
void applet_client_add(AppletClient *client, const char *name, GVariant *options,
		       gboolean replace, GAsyncReadyCallback callback, gpointer user_data);

/* Manager.List(["certs"]): finish with applet_client_call_finish(). */
void applet_client_list_certs(AppletClient *client, GAsyncReadyCallback callback,
			      gpointer user_data);

/* Finishes applet_client_delete(), _add() and _list_certs(): the reply
 * (owned) or NULL with @error set. */
GVariant *applet_client_call_finish(GObject *source, GAsyncResult *res, GError **error);

/* A D-Bus error in plain words for a person. Owned. */
char *applet_error_describe(const GError *error);
/* TRUE if @error is org.ikebus.ike1.Error.NotAuthorized. */
gboolean applet_error_is_not_authorized(const GError *error);
/* The status code of a negotiating method in plain words (static), NULL for 0. */
const char *applet_status_describe(guint32 status);

G_END_DECLS
