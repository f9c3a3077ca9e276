/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by manager.c, manager-status.c and connection.c only. */
#pragma once

#include "connection.h"
#include "dispatch.h"
#include "manager.h"
#include "tree.h"

#include "config/secrets.h"
#include "config/store.h"
#include "ikebus-dbus-generated.h"

G_BEGIN_DECLS

typedef struct {
	char *keyid;
	char *type; /* "RSA" */
	char *key;  /* "0s..." as given (public) */
	guint bits;
	gint64 installed;
} BusPubKey;

struct _BusManager {
	GObject parent_instance;
	BusAuthz *authz;
	IkebusManagerSkeleton *skeleton;
	BusTree *tree;
	BusEngine *engine;
	IkebusSecrets *secrets;
	char *secrets_file;
	IkebusStore *store;		/* NULL without a state dir */
	GDBusConnection *connection;	/* while exported */
	GHashTable *conns;		/* name -> BusConnObject (ref) */
	GHashTable *sa_conn[2];		/* BusSaKind: serial -> connection name */
	GArray *sa_sorted[2];		/* BusSaKind: sa_conn's serials ascending; NULL: stale */
	GPtrArray *pubkeys;		/* of BusPubKey */
	GHashTable *agents;		/* unique name -> object path */
	GHashTable *agent_watches;	/* unique name -> watch id */
	GHashTable *stats_base;		/* counter name -> guint64 at ClearStatistics */
	guint64 connections_added, connections_deleted;
	guint counts_source;		/* coalescing timer of the SA counts */
	guint conns_source;		/* coalescing timer of Connections */
	gboolean conns_dirty;		/* Connections is behind */
	gint64 started;			/* monotonic, for processstatus */
	gboolean leave_state;
};

/* The objects GetManagedObjects lists besides the SAs. */
void bus_manager_add_managed_connections(GVariantBuilder *objects, gpointer user_data);

/* Deletes connection @name (engine, store, object, signals). */
gboolean bus_manager_delete_connection(BusManager *manager, const char *name, GError **error);

/* Manager method handlers in manager-status.c. */
extern const BusHandler bus_manager_status_handlers[];
extern const gsize bus_manager_n_status_handlers;

/* Free for BusPubKey. */
void bus_pubkey_free(BusPubKey *key);

G_END_DECLS
