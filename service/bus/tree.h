/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusTree: org.freedesktop.DBus.ObjectManager at /org/ikebus/ike1, and the
 * IKE and Child SA objects at /org/ikebus/ike1/ike/SERIAL and
 * /org/ikebus/ike1/child/SERIAL served on demand by subtree registration
 * with the codegen's interface infos: no object exists per SA; a property
 * read asks the SA source for that one SA (DESIGN.md: 100,000 SAs cost
 * nothing until asked).
 *
 * GetManagedObjects merges the owner's objects (connections, through
 * BusTreeObjectsFunc) with every SA (one bulk walk of the source).
 * bus_tree_sa_event() turns the engine's observer events into
 * InterfacesAdded / PropertiesChanged (every property that signals changes;
 * counters and constants never) / InterfacesRemoved, coalesced over a short
 * window (sa-signals.h).
 *
 * Thread: the main context.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BUS_ROOT_PATH "/org/ikebus/ike1"
#define BUS_IKE_SA_PATH BUS_ROOT_PATH "/ike"
#define BUS_CHILD_SA_PATH BUS_ROOT_PATH "/child"
#define BUS_IFACE_IKE_SA "org.ikebus.ike1.IkeSA"
#define BUS_IFACE_CHILD_SA "org.ikebus.ike1.ChildSA"

typedef enum {
	BUS_SA_IKE,
	BUS_SA_CHILD,
} BusSaKind;

typedef enum {
	BUS_SA_ADDED,
	BUS_SA_CHANGED,
	BUS_SA_REMOVED,
} BusSaEvent;

/*
 * Where SA properties come from. Both fill @props: keys are the property
 * names of the interface (static strings), values GVariants (floating or
 * not; the table sinks them). Properties left out get their type's zero
 * value, so every object always carries every property.
 */
typedef void (*BusSaVisitFunc)(guint serial, GHashTable *props, gpointer visit_data);
typedef struct {
	/* FALSE when there is no such SA (the object does not exist). */
	gboolean (*get)(gpointer source, BusSaKind kind, guint serial, GHashTable *props);
	/* Every SA of @kind in serial order; @props is emptied between visits. */
	void (*foreach)(gpointer source, BusSaKind kind, BusSaVisitFunc visit, gpointer visit_data);
} BusSaSourceFuncs;

/* Adds the owner's objects ({o a{sa{sv}}} entries) to @objects. */
typedef void (*BusTreeObjectsFunc)(GVariantBuilder *objects, gpointer user_data);

typedef struct BusTree BusTree;

/* Owned. @funcs (static) and @source may be NULL until an engine exists. */
BusTree *bus_tree_new(BusTreeObjectsFunc objects_func, gpointer objects_data);
void bus_tree_free(BusTree *tree);
void bus_tree_set_sa_source(BusTree *tree, const BusSaSourceFuncs *funcs, gpointer source);

gboolean bus_tree_export(BusTree *tree, GDBusConnection *connection, GError **error);
void bus_tree_unexport(BusTree *tree);

/* Owned "/org/ikebus/ike1/ike/7". */
char *bus_sa_path(BusSaKind kind, guint serial);

/* The full a{sv} (floating) for @info from @props, in interface order. */
GVariant *bus_tree_props_to_dict(GDBusInterfaceInfo *info, GHashTable *props);
/* dbus-daemon's default max_message_size is 32 MiB; a bigger reply gets the
 * sender (ikebusd) disconnected from the bus. Replies that would pass this
 * are refused with Failed instead (about 30,000 SAs in GetManagedObjects). */
#define BUS_MAX_REPLY_SIZE (30 * 1024 * 1024)

/* Returns @reply (floating) with @invocation, or Failed naming @what when it
 * is larger than BUS_MAX_REPLY_SIZE (then @reply is dropped). */
void bus_return_bounded(GDBusMethodInvocation *invocation, GVariant *reply, const char *what);

/* A string GVariant of @name (a property or key name), made once per name
 * and shared: a new reference. Main context only. */
GVariant *bus_name_variant(const char *name);
/* A new properties table as BusSaSourceFuncs expects it. */
GHashTable *bus_tree_props_new(void);
/* Sets @name (a static string) to @value (floating or not; sunk). */
void bus_props_set(GHashTable *props, const char *name, GVariant *value);

/* Consumes @props (floating or a full reference). */
void bus_tree_interfaces_added(BusTree *tree, const char *path, const char *interface,
			       GVariant *props);
void bus_tree_interfaces_removed(BusTree *tree, const char *path, const char *interface);
void bus_tree_sa_event(BusTree *tree, BusSaEvent event, BusSaKind kind, guint serial);
/* Sends the SA signals collected so far now. */
void bus_tree_flush_signals(BusTree *tree);

G_END_DECLS
