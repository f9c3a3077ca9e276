/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusConnObject: one org.ikebus.ike1.Connection at
 * /org/ikebus/ike1/connection/<g_dbus_escape_object_path(name)>. Holds the
 * connection's description (the model from config/), its SA lists and the
 * derived State/Routing/Policy properties. Methods go through bus_dispatch.
 *
 * Thread: the main context.
 */
#pragma once

#include "tree.h"

#include "config/connection.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BusManager BusManager;

#define BUS_TYPE_CONN_OBJECT (bus_conn_object_get_type())
G_DECLARE_FINAL_TYPE(BusConnObject, bus_conn_object, BUS, CONN_OBJECT, GObject)

/* Owned; takes @conn. @manager is borrowed and outlives the object. */
BusConnObject *bus_conn_object_new(BusManager *manager, IkebusConnection *conn,
				   gboolean persistent);

const char *bus_conn_object_get_path(BusConnObject *obj);
const char *bus_conn_object_get_name(BusConnObject *obj);
const IkebusConnection *bus_conn_object_get_connection(BusConnObject *obj);
gboolean bus_conn_object_get_persistent(BusConnObject *obj);
/* Borrowed skeleton (for properties). */
GDBusInterfaceSkeleton *bus_conn_object_get_skeleton(BusConnObject *obj);

gboolean bus_conn_object_export(BusConnObject *obj, GDBusConnection *connection, GError **error);
void bus_conn_object_unexport(BusConnObject *obj);

/* The engine's SA events for this connection. */
void bus_conn_object_sa_event(BusConnObject *obj, BusSaEvent event, BusSaKind kind,
			      guint serial);
/* The engine's routing of the connection changed ("on-demand", ...). */
void bus_conn_object_set_routing(BusConnObject *obj, const char *routing);
/* The connection's SA serials of @kind, newest first. Owned array of guint. */
GArray *bus_conn_object_get_serials(BusConnObject *obj, BusSaKind kind);
/* IKE SAs of this connection in init-sent, init-received or auth-sent. */
guint bus_conn_object_count_half_open(BusConnObject *obj);
/* Brings the coalesced IkeSAs/ChildSAs properties up to date (a Get does
 * this itself; callers reading the skeleton directly call it first). */
void bus_conn_object_flush(BusConnObject *obj);

/* Owned path of connection @name. */
char *bus_conn_path_for_name(const char *name);

G_END_DECLS
