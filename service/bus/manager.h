/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusManager: org.ikebus.ike1.Manager at /org/ikebus/ike1, plus the
 * org.freedesktop.DBus.ObjectManager at the same path that later lists the
 * connection objects.
 *
 * Thread: the main context. Errors: IKEBUS_ERROR, G_IO_ERROR (export).
 */
#pragma once

#include "authz.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define BUS_MANAGER_PATH "/org/ikebus/ike1"

#define BUS_TYPE_MANAGER (bus_manager_get_type())
G_DECLARE_FINAL_TYPE(BusManager, bus_manager, BUS, MANAGER, GObject)

/*
 * Owned; not exported yet. Keeps a reference on @authz.
 * Signal "shutdown-requested" (no arguments): an authorized Shutdown() call
 * was answered; the owner should leave its main loop.
 */
BusManager *bus_manager_new(BusAuthz *authz);

/* Exports the Manager and the ObjectManager on @connection (borrowed). */
gboolean bus_manager_export(BusManager *manager, GDBusConnection *connection, GError **error);

/* Removes both from the bus; safe to call when not exported. */
void bus_manager_unexport(BusManager *manager);

/* Borrowed: where per-connection objects are exported. */
GDBusObjectManagerServer *bus_manager_get_object_manager(BusManager *manager);

G_END_DECLS
