/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one table of which polkit action each D-Bus method needs (the
 * "Polkit action:" line of each method in the dbus/ interface XML). Dispatch looks the
 * action up here; nothing else decides it. A NULL action means the method
 * needs no authorization (GetConnection, UnregisterAgent).
 *
 * Thread: any (constant data).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BUS_IFACE_MANAGER "org.ikebus.ike1.Manager"
#define BUS_IFACE_CONNECTION "org.ikebus.ike1.Connection"

typedef struct {
	const char *interface;
	const char *method;
	const char *action; /* BUS_ACTION_*, or NULL: no authorization */
} BusMethodAction;

/* Borrowed entry, or NULL when the method is not in the table. */
const BusMethodAction *bus_actions_lookup(const char *interface, const char *method);

/* The whole table (tests walk it). */
const BusMethodAction *bus_actions_get_all(gsize *n_entries);

G_END_DECLS
