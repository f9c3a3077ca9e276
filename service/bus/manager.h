/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusManager: org.ikebus.ike1.Manager at /org/ikebus/ike1, the connection
 * objects, and (through BusTree) the ObjectManager and the SA objects.
 * Owns the connection registry, the secrets, the store and the engine seam.
 *
 * Thread: the main context. Errors: IKEBUS_ERROR, G_IO_ERROR (export).
 */
#pragma once

#include "authz.h"
#include "engine-glue.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define BUS_MANAGER_PATH "/org/ikebus/ike1"
#define BUS_CONNECTION_PATH_PREFIX BUS_MANAGER_PATH "/connection/"

typedef struct {
	const char *state_dir;	    /* connection store; NULL: "persist" is NotSupported */
	const char *secrets_file;   /* path or glob; NULL: none */
	const char *kernel_backend; /* "xfrm", "userspace" or "none" (the property) */
	gboolean fips;
	BusEngineConfig engine;	    /* engine.secrets is filled in by the manager */
} BusManagerConfig;

#define BUS_TYPE_MANAGER (bus_manager_get_type())
G_DECLARE_FINAL_TYPE(BusManager, bus_manager, BUS, MANAGER, GObject)

/*
 * Owned; not exported yet. Keeps a reference on @authz. Reads the secrets
 * and the stored connections (problems are logged, not fatal).
 * Signal "shutdown-requested" (no arguments): an authorized Shutdown() call
 * was answered; the owner should leave its main loop.
 */
BusManager *bus_manager_new(BusAuthz *authz, const BusManagerConfig *cfg);

/* Exports the Manager, the ObjectManager, the SA subtrees and every
 * connection on @connection (borrowed). */
gboolean bus_manager_export(BusManager *manager, GDBusConnection *connection, GError **error);

/* Removes them all from the bus; safe to call when not exported. */
void bus_manager_unexport(BusManager *manager);

/* Whether Shutdown asked to leave the kernel state in place. */
gboolean bus_manager_get_leave_state(BusManager *manager);

/* Test hook (tests/integration/test-bus-tree.c): replaces the SA source, as
 * the engine's observer would feed it, and routes SA events through the
 * same path the engine's observer uses. */
void bus_manager_set_sa_source(BusManager *manager, const BusSaSourceFuncs *funcs,
			       gpointer source);
void bus_manager_sa_event(BusManager *manager, BusSaEvent event, BusSaKind kind, guint serial,
			  const char *connection);

G_END_DECLS
