/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AppletConn: one connection as the applet shows it. Wraps the
 * org.ikebus.ike1.Connection proxy (whose properties the object manager keeps
 * current) and adds what only the applet knows: whether the person asked for
 * it to be up, whether a call is in flight, and the last failure in plain
 * words. Emits "changed" whenever anything a row shows may have changed.
 * Main thread only.
 */
#pragma once

#include "ikebus-dbus-generated.h"

#include <glib-object.h>

G_BEGIN_DECLS

/* What a row shows; the daemon's State plus "failed", which only the
 * applet can tell (an attempt it started ended without an IKE SA). */
typedef enum {
	APPLET_STATE_DOWN,
	APPLET_STATE_CONNECTING,
	APPLET_STATE_UP,
	APPLET_STATE_PARTIAL,
	APPLET_STATE_DISCONNECTING,
	APPLET_STATE_FAILED,
} AppletState;

/* "down", "connecting", ... (static, not translated: for --dump-state) */
const char *applet_state_to_id(AppletState state);
/* the translated word a person reads (static) */
const char *applet_state_to_label(AppletState state);

#define APPLET_TYPE_CONN (applet_conn_get_type())
G_DECLARE_FINAL_TYPE(AppletConn, applet_conn, APPLET, CONN, GObject)

/* Owned. Takes a reference on @proxy and follows its PropertiesChanged. */
AppletConn *applet_conn_new(IkebusConn *proxy);

/* Borrowed; valid while @conn lives. */
IkebusConn *applet_conn_get_proxy(AppletConn *conn);
const char *applet_conn_get_name(AppletConn *conn);
const char *applet_conn_get_path(AppletConn *conn);

AppletState applet_conn_get_state(AppletConn *conn);
/* Whether the switch shows "on": the daemon is bringing it up or has. */
gboolean applet_conn_get_active(AppletConn *conn);

/* The last failure in plain words, or NULL. Cleared when the connection
 * comes up or the person turns it off. */
const char *applet_conn_get_error(AppletConn *conn);
void applet_conn_set_error(AppletConn *conn, const char *error);

/* A D-Bus call for this connection is in flight. */
gboolean applet_conn_get_busy(AppletConn *conn);
void applet_conn_set_busy(AppletConn *conn, gboolean busy);

/* The person asked for it up (TRUE) or down (FALSE). */
void applet_conn_set_wanted(AppletConn *conn, gboolean up);

/* A string option of the connection (Options property), or NULL; borrowed
 * from the proxy's cache, so valid until the next property change. */
const char *applet_conn_get_option_string(AppletConn *conn, const char *key);
/* A new string: an "as" option joined with ", ", or NULL. */
char *applet_conn_dup_option_strv(AppletConn *conn, const char *key);

G_END_DECLS
