/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusEngine: the one seam between bus/ and the IKE engine (engine/engine.h).
 * Everything the D-Bus objects need from the engine goes through here, so
 * that a daemon built before the engine exists answers honestly: methods
 * that need a running engine fail with NotSupported "the IKE engine is not
 * running" and never pretend to succeed; configuration (connections,
 * secrets, settings) is kept by bus/ and config/ either way.
 *
 * Built with IKEBUS_HAVE_ENGINE (meson finds engine_dep), the functions call
 * the engine; SA objects come from its tables and observer.
 *
 * Thread: the main context. Errors: IKEBUS_ERROR (engine errors converted).
 */
#pragma once

#include "tree.h"

#include "config/connection.h"
#include "config/secrets.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct KernelBackend KernelBackend;

typedef struct {
	KernelBackend *kernel;	    /* borrowed; NULL: no backend */
	const char *const *listen;  /* addresses to bind; NULL: wildcard */
	guint16 ike_port;	    /* 0: 500 */
	guint16 natt_port;	    /* 0: 4500 */
	IkebusSecrets *secrets;	    /* borrowed; the PSK provider */
	gboolean no_uniqueids;	    /* pluto's uniqueids=no: keep IKE SAs of one peer ID */
	guint crypto_threads;	    /* the pool's size; 0: one per usable CPU */
	gboolean crypto_inline;	    /* all crypto on the main thread (--nhelpers 0) */
} BusEngineConfig;

typedef struct BusEngine BusEngine;

/* An SA came, changed or went; @connection is NULL for REMOVED. */
typedef void (*BusEngineSaFunc)(BusSaEvent event, BusSaKind kind, guint serial,
				const char *connection, gpointer user_data);
typedef void (*BusEngineProgressFunc)(guint code, const char *line, gpointer user_data);
typedef void (*BusEngineDoneFunc)(guint status, gpointer user_data);

/* Owned; never NULL. Whether an engine runs: bus_engine_is_running(). */
BusEngine *bus_engine_new(const BusEngineConfig *cfg);
/* @leave_state: keep kernel state and do not tell peers (Shutdown leave-state). */
void bus_engine_free(BusEngine *engine, gboolean leave_state);

gboolean bus_engine_is_running(const BusEngine *engine);
/* Sets NotSupported "the IKE engine is not running (...)" and returns FALSE. */
gboolean bus_engine_not_running(const BusEngine *engine, GError **error);

void bus_engine_set_sa_observer(BusEngine *engine, BusEngineSaFunc func, gpointer user_data);
/* The SA source for BusTree (source = @engine); NULL without an engine. */
const BusSaSourceFuncs *bus_engine_get_sa_source(BusEngine *engine);
/* Our lower-case state name of an SA ("established", "installed", ...), or NULL. */
char *bus_engine_get_sa_state(BusEngine *engine, BusSaKind kind, guint serial);

/* Connections: a copy of @conn goes to the engine. TRUE without an engine. */
gboolean bus_engine_add_connection(BusEngine *engine, const IkebusConnection *conn,
				   gboolean replace, GError **error);
gboolean bus_engine_delete_connection(BusEngine *engine, const char *name, GError **error);

gboolean bus_engine_initiate(BusEngine *engine, const char *name, const char *remote_host,
			     BusEngineProgressFunc progress, BusEngineDoneFunc done,
			     gpointer user_data, GDestroyNotify destroy, GError **error);
/* Number of IKE SAs deleted, or -1 + error. */
gint bus_engine_terminate(BusEngine *engine, const char *name, GError **error);
gboolean bus_engine_delete_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error);

/* Rekeys SA #@serial (RekeyIke / RekeyChild). */
gboolean bus_engine_rekey_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error);

/* Route / Unroute (trap or never-negotiate shunt policies); Unroute is Busy
 * while a Child SA of the connection is installed. */
gboolean bus_engine_route(BusEngine *engine, const char *name, GError **error);
gboolean bus_engine_unroute(BusEngine *engine, const char *name, GError **error);
/* The Connection.Routing value of @name ("unrouted", "on-demand", ...),
 * static; "unrouted" without an engine. */
const char *bus_engine_get_routing(BusEngine *engine, const char *name);
/* A connection's routing changed; @routing as bus_engine_get_routing(). */
typedef void (*BusEngineRoutingFunc)(const char *connection, const char *routing,
				     gpointer user_data);
void bus_engine_set_routing_observer(BusEngine *engine, BusEngineRoutingFunc func,
				     gpointer user_data);

/* Where IKE_AUTH finds a peer's raw public keys: an owned NULL-terminated
 * array of key texts ("0s..."), or NULL, for @id in --id text form. */
typedef GStrv (*BusEnginePubkeyFunc)(const char *id, gpointer user_data);
void bus_engine_set_pubkey_lookup(BusEngine *engine, BusEnginePubkeyFunc func,
				  gpointer user_data);

/* Whether the engine's info and debug lines are printed (the "engine"
 * debug class). */
void bus_engine_set_log_verbose(BusEngine *engine, gboolean verbose);

gboolean bus_engine_is_listening(const BusEngine *engine);
/* Listen (@listen TRUE) / Unlisten: engine_set_listening(). */
gboolean bus_engine_set_listening(BusEngine *engine, gboolean listen, GError **error);
/* Crash: engine_crash_peer(); DeleteUser: engine_delete_user().  The number
 * of IKE SAs, or -1 + error. */
gint bus_engine_crash_peer(BusEngine *engine, const char *address, GError **error);
gint bus_engine_delete_user(BusEngine *engine, const char *user, gboolean crash, GError **error);

/* Adds the engine's counters (names as GetGlobalStatistics documents) to @dict. */
void bus_engine_add_counters(BusEngine *engine, GVariantDict *dict);

/* Anti-DDoS measures and redirect (engine/ddos.c, engine/redirect.c).
 * SetDdosMode: @mode "auto", "busy" or "unlimited" (checked by the
 * caller); nothing without an engine. */
void bus_engine_set_ddos_mode(BusEngine *engine, const char *mode);
/* Whether the measures are on now; without an engine: @mode is "busy". */
gboolean bus_engine_is_busy(BusEngine *engine, const char *mode);
/* Called when bus_engine_is_busy() changes ("auto" mode). */
typedef void (*BusEngineBusyFunc)(gboolean busy, gpointer user_data);
void bus_engine_set_busy_observer(BusEngine *engine, BusEngineBusyFunc func, gpointer user_data);
/* SetGlobalRedirect: @mode "yes", "no" or "auto"; @to the gateways (NULL:
 * unchanged).  Without an engine: NotSupported. */
gboolean bus_engine_set_global_redirect(BusEngine *engine, const char *mode,
					const char *const *to, GError **error);
/* RedirectTo / RedirectActivePeers: @name NULL for every connection.  The
 * number of IKE SAs told, or -1 + error. */
gint bus_engine_redirect_peers(BusEngine *engine, const char *name, const char *const *to,
			       GError **error);

G_END_DECLS
