/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "conn-item.h"

#include <glib/gi18n.h>

struct _AppletConn {
	GObject parent;
	IkebusConn *proxy;
	char *name;
	char *path;
	char *daemon_state; /* the State property last seen */
	char *error;
	gboolean busy;
	gboolean wanted;
};

G_DEFINE_TYPE(AppletConn, applet_conn, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *
applet_state_to_id(AppletState state)
{
	switch (state) {
	case APPLET_STATE_DOWN:
		return "down";
	case APPLET_STATE_CONNECTING:
		return "connecting";
	case APPLET_STATE_UP:
		return "up";
	case APPLET_STATE_PARTIAL:
		return "partial";
	case APPLET_STATE_DISCONNECTING:
		return "disconnecting";
	case APPLET_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

const char *
applet_state_to_label(AppletState state)
{
	switch (state) {
	case APPLET_STATE_DOWN:
		/* TRANSLATORS: state of a VPN connection */
		return C_("state", "Off");
	case APPLET_STATE_CONNECTING:
		return C_("state", "Connecting…");
	case APPLET_STATE_UP:
		return C_("state", "Connected");
	case APPLET_STATE_PARTIAL:
		/* TRANSLATORS: the IKE SA is up but a Child SA (tunnel) is missing */
		return C_("state", "Partly connected");
	case APPLET_STATE_DISCONNECTING:
		return C_("state", "Disconnecting…");
	case APPLET_STATE_FAILED:
		return C_("state", "Failed");
	}
	return "";
}

static void
emit_changed(AppletConn *conn)
{
	g_signal_emit(conn, signals[SIGNAL_CHANGED], 0);
}

/*
 * The daemon's State tells down/connecting/up; "failed" is inferred: an
 * attempt the person started (Initiate is asynchronous, so there is no
 * status code to wait for) fell back from "connecting" to "down", or the
 * daemon installed its failure shunt.
 */
static void
follow_state(AppletConn *conn)
{
	const char *state = ikebus_conn_get_state(conn->proxy);
	const char *routing = ikebus_conn_get_routing(conn->proxy);

	if (state == NULL)
		state = "down";
	if (g_strcmp0(state, "up") == 0 || g_strcmp0(state, "connecting") == 0 ||
	    g_strcmp0(state, "partial") == 0) {
		if (g_strcmp0(conn->daemon_state, "down") == 0 || conn->daemon_state == NULL)
			g_clear_pointer(&conn->error, g_free);
	} else if (g_strcmp0(state, "down") == 0 && conn->wanted && conn->error == NULL) {
		if (g_strcmp0(routing, "failure-shunt") == 0 ||
		    g_strcmp0(conn->daemon_state, "connecting") == 0) {
			conn->error = g_strdup(
				_("Could not connect: the negotiation with the peer did not "
				  "complete."));
			conn->wanted = FALSE;
		}
	}
	g_free(conn->daemon_state);
	conn->daemon_state = g_strdup(state);
}

static void
on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
		      gpointer user_data)
{
	AppletConn *conn = user_data;

	follow_state(conn);
	emit_changed(conn);
}

AppletConn *
applet_conn_new(IkebusConn *proxy)
{
	AppletConn *conn = g_object_new(APPLET_TYPE_CONN, NULL);
	const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(proxy));
	const char *name = ikebus_conn_get_name(proxy);

	conn->proxy = g_object_ref(proxy);
	conn->path = g_strdup(path);
	if (name != NULL && *name != '\0')
		conn->name = g_strdup(name);
	else {
		/* the escaped last element of the path tells the same */
		const char *slash = strrchr(path, '/');
		g_autofree char *unescaped =
			(char *) g_dbus_unescape_object_path(slash != NULL ? slash + 1 : path);

		if (unescaped != NULL && g_utf8_validate(unescaped, -1, NULL))
			conn->name = g_steal_pointer(&unescaped);
		else
			conn->name = g_strdup(path);
	}
	follow_state(conn);
	g_signal_connect_object(proxy, "g-properties-changed", G_CALLBACK(on_properties_changed),
				conn, 0);
	return conn;
}

IkebusConn *
applet_conn_get_proxy(AppletConn *conn)
{
	return conn->proxy;
}

const char *
applet_conn_get_name(AppletConn *conn)
{
	return conn->name;
}

const char *
applet_conn_get_path(AppletConn *conn)
{
	return conn->path;
}

AppletState
applet_conn_get_state(AppletConn *conn)
{
	const char *state = conn->daemon_state;

	if (g_strcmp0(state, "connecting") == 0)
		return APPLET_STATE_CONNECTING;
	if (g_strcmp0(state, "up") == 0)
		return APPLET_STATE_UP;
	if (g_strcmp0(state, "partial") == 0)
		return APPLET_STATE_PARTIAL;
	if (g_strcmp0(state, "disconnecting") == 0)
		return APPLET_STATE_DISCONNECTING;
	if (conn->error != NULL)
		return APPLET_STATE_FAILED;
	if (conn->busy && conn->wanted)
		return APPLET_STATE_CONNECTING;
	return APPLET_STATE_DOWN;
}

gboolean
applet_conn_get_active(AppletConn *conn)
{
	switch (applet_conn_get_state(conn)) {
	case APPLET_STATE_CONNECTING:
	case APPLET_STATE_UP:
	case APPLET_STATE_PARTIAL:
		return TRUE;
	case APPLET_STATE_DOWN:
	case APPLET_STATE_DISCONNECTING:
	case APPLET_STATE_FAILED:
		return FALSE;
	}
	return FALSE;
}

const char *
applet_conn_get_error(AppletConn *conn)
{
	return conn->error;
}

void
applet_conn_set_error(AppletConn *conn, const char *error)
{
	if (g_strcmp0(conn->error, error) == 0)
		return;
	g_free(conn->error);
	conn->error = g_strdup(error);
	emit_changed(conn);
}

gboolean
applet_conn_get_busy(AppletConn *conn)
{
	return conn->busy;
}

void
applet_conn_set_busy(AppletConn *conn, gboolean busy)
{
	if (conn->busy == busy)
		return;
	conn->busy = busy;
	emit_changed(conn);
}

void
applet_conn_set_wanted(AppletConn *conn, gboolean up)
{
	conn->wanted = up;
	g_clear_pointer(&conn->error, g_free);
	emit_changed(conn);
}

const char *
applet_conn_get_option_string(AppletConn *conn, const char *key)
{
	GVariant *options = ikebus_conn_get_options(conn->proxy);
	const char *value = NULL;

	if (options == NULL || !g_variant_lookup(options, key, "&s", &value))
		return NULL;
	return value;
}

char *
applet_conn_dup_option_strv(AppletConn *conn, const char *key)
{
	GVariant *options = ikebus_conn_get_options(conn->proxy);
	g_autofree const char **strv = NULL;

	if (options == NULL || !g_variant_lookup(options, key, "^a&s", &strv))
		return NULL;
	return g_strjoinv(", ", (char **) strv);
}

static void
applet_conn_finalize(GObject *object)
{
	AppletConn *conn = APPLET_CONN(object);

	g_clear_object(&conn->proxy);
	g_free(conn->name);
	g_free(conn->path);
	g_free(conn->daemon_state);
	g_free(conn->error);
	G_OBJECT_CLASS(applet_conn_parent_class)->finalize(object);
}

static void
applet_conn_init(AppletConn *conn)
{
}

static void
applet_conn_class_init(AppletConnClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = applet_conn_finalize;
	signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
					       G_TYPE_NONE, 0);
}
