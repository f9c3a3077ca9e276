/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv2 engine: connections, IKE and Child SA tables, exchanges,
 * retransmissions, kernel installation.  This is what bus/ calls.
 *
 * One Engine per daemon (tests make two).  It runs on the GMainContext given
 * to engine_new(); every function here must be called from that context's
 * thread.  Crypto (key exchange) runs on a worker pool and posts its results
 * back to that context.
 *
 * Status codes (EngineStatus) are the u results of the D-Bus methods and
 * the codes of Progress lines (dbus/org.ikebus.ike1.Manager.xml), which
 * follow whack's exit statuses in spirit.
 *
 * Errors: ENGINE_ERROR, codes named like the org.ikebus.ike1.Error names
 * so that bus/errors.c maps them one to one.
 */
#pragma once

#include <glib.h>

#include "config/connection.h"
#include "kernel.h"
#include "net.h"
#include "secbuf.h"

G_BEGIN_DECLS

#define ENGINE_ERROR (engine_error_quark())
GQuark engine_error_quark(void);

typedef enum {
	ENGINE_ERROR_FAILED,
	ENGINE_ERROR_NOT_FOUND,
	ENGINE_ERROR_ALREADY_EXISTS,
	ENGINE_ERROR_INVALID_ARGUMENT,
	ENGINE_ERROR_NOT_SUPPORTED,
	ENGINE_ERROR_BUSY, /* e.g. Unroute while an IPsec SA uses the connection */
} EngineError;

/* Results of initiate/terminate and codes of progress lines. */
typedef enum {
	ENGINE_STATUS_OK = 0,
	ENGINE_STATUS_NOT_ORIENTED = 10,  /* no local interface matches either end */
	ENGINE_STATUS_NOT_LISTENING = 11, /* no IKE socket */
	ENGINE_STATUS_NO_CREDENTIAL = 12, /* no PSK for the IDs */
	ENGINE_STATUS_NO_ANSWER = 20,     /* retransmission limit reached */
	ENGINE_STATUS_PEER_ERROR = 21,    /* the peer refused with an error notify */
	ENGINE_STATUS_AUTH_FAILED = 22,
	ENGINE_STATUS_NO_PROPOSAL = 23,   /* no common algorithms or traffic selectors */
	ENGINE_STATUS_KERNEL_FAILED = 24,
	ENGINE_STATUS_SUPERSEDED = 25,    /* connection deleted/replaced/downed meanwhile */
	ENGINE_STATUS_NOTHING_TO_DO = 26,
	ENGINE_STATUS_NOT_SUPPORTED = 27,
} EngineStatus;

typedef struct Engine Engine;

/* ---- secrets ---------------------------------------------------------- */

/* The PSK for (@local_id, @remote_id), IDs in --id text form ("192.0.2.1",
 * "@east.example", "user@example.com"); @remote_id may be "%any" when the
 * peer is not known yet.  Owned result, NULL when there is none.  Called on
 * the engine's thread; must not block for long. */
typedef IkebusSecbuf *(*EnginePskLookupFunc)(const char *local_id, const char *remote_id,
                                             gpointer user_data);

typedef struct {
	EnginePskLookupFunc lookup_psk;
	gpointer user_data;
} EngineSecrets;

/* The raw public keys of a peer identity (whack --keyid with --pubkeyrsa):
 * an owned NULL-terminated array of key texts ("0s" + base64 of an RFC 3110
 * RSA key), or NULL for none.  @id is in --id text form.  Engine thread. */
typedef GStrv (*EnginePubkeyLookupFunc)(const char *id, gpointer user_data);
/* Sets where IKE_AUTH finds peers' raw public keys (default: nowhere). */
void engine_set_pubkey_lookup(Engine *engine, EnginePubkeyLookupFunc func, gpointer user_data);

/* ---- timings (tests shorten them) -------------------------------------- */

typedef struct {
	guint retransmit_base_ms;  /* first timeout, doubled each time (500) */
	guint retransmit_cap_ms;   /* largest timeout (8000) */
	guint retransmit_tries;    /* retransmissions before giving up (6) */
	guint keepalive_seconds;   /* NAT-T keepalive interval (20) */
	guint worker_threads;      /* crypto pool size (0 = the CPUs we may run on,
	                            * and on one CPU Curve25519 jobs run on the
	                            * engine context) */
	guint fragment_size;       /* largest IKE message before RFC 7383
	                            * fragmentation (0 = 1232) */
	gboolean crypto_inline;    /* every crypto job on the engine context, no
	                            * pool (pluto's --nhelpers 0) */
} EngineTimings;

/* The defaults engine_new() uses when given no timings. */
void engine_timings_default(EngineTimings *out);

/* ---- life cycle -------------------------------------------------------- */

/* Owned engine on @context (NULL = default).  Borrows @kernel (outlives the
 * engine) and copies @secrets; takes ownership of @net (made with
 * net_io_new() from the listen configuration, or net_io_new_detached() in
 * tests) and installs its receive handlers.  @timings may be NULL. */
Engine *engine_new(GMainContext *context, KernelBackend *kernel, const EngineSecrets *secrets,
                   NetIo *net, const EngineTimings *timings);
/* Deletes every SA (kernel state removed, no messages sent) and frees. */
void engine_free(Engine *engine);
/* Sends Delete for every established IKE SA, then removes all state. */
void engine_shutdown(Engine *engine);
/* With @leave_state, engine_free() keeps the installed SAs and policies in
 * the kernel (whack --shutdown --leave-state); nothing is sent either. */
void engine_set_leave_state(Engine *engine, gboolean leave_state);

/* ---- connections ------------------------------------------------------- */

/* Takes ownership of @conn.  With @replace, an existing connection of that
 * name loses its SAs first and is replaced; else ALREADY_EXISTS. */
gboolean engine_add_connection(Engine *engine, IkebusConnection *conn, gboolean replace,
                               GError **error);
/* Deletes the connection and its SAs (Delete sent to the peer); NOT_FOUND. */
gboolean engine_delete_connection(Engine *engine, const char *name, GError **error);
/* Borrowed, or NULL. */
const IkebusConnection *engine_get_connection(Engine *engine, const char *name);
/* Owned array of borrowed names, sorted. */
GPtrArray *engine_list_connections(Engine *engine);

/* ---- actions ----------------------------------------------------------- */

/* One whack-like line ("#1: sent IKE_SA_INIT request to ..."); @code is 0 for
 * informational lines, else the EngineStatus the line explains. */
typedef void (*EngineProgressFunc)(EngineStatus code, const char *line, gpointer user_data);
/* Called exactly once when the operation ends (after its last line). */
typedef void (*EngineDoneFunc)(EngineStatus status, gpointer user_data);

/* Starts an IKE SA (with its first Child SA unless the connection has none)
 * for connection @name; when an established IKE SA can carry the Child SA
 * (the connection's own, or, as pluto shares, one of another connection
 * with the same hosts, IDs, authentication and IKE proposals), only the
 * Child SA is negotiated on it (CREATE_CHILD_SA).  @remote_host overrides
 * the peer address (for %any templates).  FALSE with NOT_FOUND /
 * INVALID_ARGUMENT when nothing starts; else @done will be called,
 * @destroy(@user_data) after it. */
gboolean engine_initiate(Engine *engine, const char *name, const char *remote_host,
                         EngineProgressFunc progress, EngineDoneFunc done, gpointer user_data,
                         GDestroyNotify destroy, GError **error);
/* Deletes every IKE SA (and so every Child SA) of @name, and @name's Child
 * SAs on other connections' IKE SAs, telling the peer.  Returns the number
 * of IKE and such Child SAs deleted; NOT_FOUND for no connection. */
gint engine_terminate(Engine *engine, const char *name, GError **error);
/* Deletes IKE SA #@serial (with its Child SAs), telling the peer. */
gboolean engine_delete_ike_sa(Engine *engine, guint serial, GError **error);
/* Deletes Child SA #@serial, telling the peer. */
gboolean engine_delete_child_sa(Engine *engine, guint serial, GError **error);

/* Rekeys Child SA #@serial (CREATE_CHILD_SA with REKEY_SA; the old SA is
 * deleted once the new one is installed).  NOT_FOUND; FAILED when it is not
 * installed. */
gboolean engine_rekey_child_sa(Engine *engine, guint serial, GError **error);
/* Rekeys IKE SA #@serial (CREATE_CHILD_SA with a new SA, Ni, KEi, RFC 7296
 * §1.3.2): a new IKE SA takes over its Child SAs and the old one is deleted.
 * Observers see the new IKE SA ADDED/CHANGED, its Child SAs CHANGED (their
 * ike_serial) and the old one REMOVED.  NOT_FOUND; FAILED when it is not
 * established or already replaced.  TRUE at once when a rekey is already
 * under way. */
gboolean engine_rekey_ike_sa(Engine *engine, guint serial, GError **error);

/* ---- status ------------------------------------------------------------ */

typedef struct {
	guint serial;
	char *connection;
	char *state; /* "IKE_SA_INIT_I", "ESTABLISHED", ... */
	gboolean initiator;
	guint64 spi_i;
	guint64 spi_r;
	char *local_host; /* address */
	guint16 local_port;
	char *remote_host;
	guint16 remote_port;
	gboolean nat_detected;
	char *local_id;
	char *remote_id;
	char *algorithms; /* "ENCR_AES_GCM_16_256-PRF_HMAC_SHA2_256-CURVE25519" */
	gint64 created;     /* wall clock seconds */
	gint64 established; /* 0 = not yet */
	guint n_children;
	guint64 messages_in;
	guint64 messages_out;
	guint64 retransmits;
	gint64 rekey_at;    /* wall clock seconds of the planned rekey, 0 = none */
	gint64 expire_at;   /* wall clock seconds of expiry, 0 = none */
	guint replaced_by;  /* serial of the IKE SA that replaced it (rekey), 0 */
} EngineIkeSaInfo;

typedef struct {
	guint serial;
	guint ike_serial;
	char *connection;
	char *state; /* "LARVAL", "INSTALLED", ... */
	guint32 spi_in;
	guint32 spi_out;
	char *mode;       /* "tunnel" or "transport" */
	gboolean encap;   /* ESP in UDP */
	char *algorithms; /* "AES_GCM_16_256-NONE" */
	char *local_ts;   /* "198.51.100.1/32" (comma-separated) */
	char *remote_ts;
	guint32 reqid;
	gint64 established;
	guint64 bytes_in;
	guint64 bytes_out;
	guint64 packets_in;
	guint64 packets_out;
	gint64 rekey_at;    /* wall clock seconds of the planned rekey, 0 = none */
	gint64 expire_at;   /* wall clock seconds of expiry, 0 = none */
	guint replaced_by;  /* serial of the Child SA that replaced it (rekey), 0 */
} EngineChildSaInfo;

void engine_ike_sa_info_free(EngineIkeSaInfo *info);
void engine_child_sa_info_free(EngineChildSaInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EngineIkeSaInfo, engine_ike_sa_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EngineChildSaInfo, engine_child_sa_info_free)

/* What a snapshot includes beyond the SA's own fields. */
typedef enum {
	ENGINE_INFO_NONE = 0,
	/* Child SA byte/packet counters: one kernel query per direction
	 * (netlink for xfrm).  Leave it out on per-event paths. */
	ENGINE_INFO_COUNTERS = 1 << 0,
} EngineInfoFlags;

/* Owned snapshot, or NULL if there is no such SA.  These format strings
 * (addresses, IDs, algorithms, selectors; cached on the SA, so cheap but
 * not free) and, for Child SAs, query the kernel's counters: for listings
 * and property reads, not for every SA event (use the state getters and
 * EngineSaEventInfo below for those). */
EngineIkeSaInfo *engine_get_ike_sa_info(Engine *engine, guint serial);
EngineChildSaInfo *engine_get_child_sa_info(Engine *engine, guint serial);
/* The same with a choice of extras; engine_get_child_sa_info() is
 * ENGINE_INFO_COUNTERS. */
EngineChildSaInfo *engine_get_child_sa_info_full(Engine *engine, guint serial,
                                                 EngineInfoFlags flags);
/* Owned arrays of owned infos, ordered by serial.  engine_list_child_sas()
 * includes the counters. */
GPtrArray *engine_list_ike_sas(Engine *engine);
GPtrArray *engine_list_child_sas(Engine *engine);
GPtrArray *engine_list_child_sas_full(Engine *engine, EngineInfoFlags flags);
/* The Child SAs of IKE SA #@ike_serial only (from the IKE SA's own list,
 * not a scan of every Child SA), ordered by serial; NULL when there is no
 * such IKE SA. */
GPtrArray *engine_list_child_sas_of(Engine *engine, guint ike_serial, EngineInfoFlags flags);
/* Their serials only: owned GArray of guint, ascending; NULL when there is
 * no such IKE SA.  Nothing is formatted. */
GArray *engine_list_child_sa_serials(Engine *engine, guint ike_serial);

/* ---- cheap state (no snapshot, nothing allocated) ---------------------- */

typedef enum {
	ENGINE_IKE_SA_STATE_NEW,         /* "NEW": made, nothing sent or answered yet */
	ENGINE_IKE_SA_STATE_INIT_I,      /* "IKE_SA_INIT_I": IKE_SA_INIT request sent */
	ENGINE_IKE_SA_STATE_INIT_R,      /* "IKE_SA_INIT_R": answered, waiting for IKE_AUTH */
	ENGINE_IKE_SA_STATE_AUTH_I,      /* "IKE_AUTH_I": IKE_AUTH request sent */
	ENGINE_IKE_SA_STATE_ESTABLISHED, /* "ESTABLISHED" */
	ENGINE_IKE_SA_STATE_DELETING,    /* "DELETING": Delete sent */
	ENGINE_IKE_SA_STATE_DEAD,        /* "DEAD": only seen in REMOVED events */
} EngineIkeSaState;
#define ENGINE_IKE_SA_N_STATES 7

typedef enum {
	ENGINE_CHILD_SA_STATE_LARVAL,    /* "LARVAL": SPI allocated, negotiating */
	ENGINE_CHILD_SA_STATE_INSTALLED, /* "INSTALLED": SAs and policies in the kernel */
	ENGINE_CHILD_SA_STATE_DELETING,  /* "DELETING": Delete sent */
	ENGINE_CHILD_SA_STATE_DEAD,      /* "DEAD": only seen in REMOVED events */
} EngineChildSaState;
#define ENGINE_CHILD_SA_N_STATES 4

/* The names EngineIkeSaInfo.state / EngineChildSaInfo.state carry; static. */
const char *engine_ike_sa_state_name(EngineIkeSaState state);
const char *engine_child_sa_state_name(EngineChildSaState state);

/* O(1): the state of SA #@serial.  FALSE (and *@state untouched) when there
 * is no such SA; a dead SA is out of the tables at once. */
gboolean engine_get_ike_sa_state(Engine *engine, guint serial, EngineIkeSaState *state);
gboolean engine_get_child_sa_state(Engine *engine, guint serial, EngineChildSaState *state);

typedef enum {
	ENGINE_SA_EVENT_ADDED,
	ENGINE_SA_EVENT_CHANGED,
	ENGINE_SA_EVENT_REMOVED,
} EngineSaEvent;

typedef enum {
	ENGINE_SA_KIND_IKE,
	ENGINE_SA_KIND_CHILD,
} EngineSaKind;

/* What an SA is, without formatting anything. */
typedef struct {
	EngineSaKind kind;
	guint serial;
	/* Child SA: its IKE SA (0 once detached); IKE SA: its own serial */
	guint ike_serial;
	/* Borrowed: valid until the SA is gone (for events: during the call) */
	const char *connection;
	/* EngineIkeSaState or EngineChildSaState, by kind */
	guint state;
	/* IKE SA: we were the original initiator (NEW is "init-sent" then,
	 * else "init-received"); Child SA: we initiated its exchange */
	gboolean initiator;
	guint replaced_by; /* serial of the SA that replaced it by a rekey, 0 */
	guint n_children;  /* IKE SA: its Child SAs; Child SA: 0 */
} EngineSaBrief;

/* O(1): fills @out for SA #@serial of @kind; FALSE when there is none. */
gboolean engine_get_sa_brief(Engine *engine, EngineSaKind kind, guint serial, EngineSaBrief *out);

/* Live SAs of one connection by state, kept by the state transition
 * functions (so deriving a connection's State is O(1)).  The DEAD entries
 * are always 0. */
typedef struct {
	guint ike[ENGINE_IKE_SA_N_STATES];
	guint child[ENGINE_CHILD_SA_N_STATES];
	guint n_ike;   /* sum of ike[] */
	guint n_child; /* sum of child[] */
} EngineConnSaCounts;

/* FALSE (and @out zeroed) when there is no connection @name. */
gboolean engine_get_connection_sa_counts(Engine *engine, const char *name,
                                         EngineConnSaCounts *out);

/* ---- observers ----------------------------------------------------------- */

/* Called on the engine's context when an SA appears, changes state or
 * disappears; ask engine_get_*_info() for details (not for REMOVED). */
typedef void (*EngineObserverFunc)(EngineSaEvent event, EngineSaKind kind, guint serial,
                                   gpointer user_data);
/* Returns an id for engine_remove_observer(). */
guint engine_add_observer(Engine *engine, EngineObserverFunc func, gpointer user_data);
void engine_remove_observer(Engine *engine, guint id);

/* One SA event with what an observer needs to file it, so that nothing has
 * to be looked up or formatted per event.  Borrowed for the call.
 *   ADDED:   old_state == new_state == the first state (NEW / LARVAL)
 *   CHANGED: a state change (old_state != new_state), or another change
 *            with the same state: a Child SA moved to another IKE SA
 *            (sa.ike_serial), an IKE SA replaced by a rekey (sa.replaced_by)
 *   REMOVED: new_state DEAD; old_state is the state it died in.  The SA is
 *            already out of the tables (the getters return FALSE/NULL).
 * A Child SA's REMOVED comes before its IKE SA's. */
typedef struct {
	EngineSaEvent event;
	guint old_state; /* EngineIkeSaState or EngineChildSaState, by sa.kind */
	guint new_state; /* == sa.state */
	EngineSaBrief sa;
} EngineSaEventInfo;

typedef void (*EngineSaEventFunc)(const EngineSaEventInfo *info, gpointer user_data);
/* Like engine_add_observer() (same id space, removed with
 * engine_remove_observer()), with the event's details. */
guint engine_add_sa_event_observer(Engine *engine, EngineSaEventFunc func, gpointer user_data);

/* Global counters. */
typedef struct {
	guint64 ike_sas_established; /* total ever */
	guint64 child_sas_installed;
	guint64 messages_dropped; /* malformed, unknown SPI, bad ICV */
	guint ike_sas_by_state[8];
	guint child_sas_by_state[4];
	/* anti-DDoS and redirect (ddos.c, redirect.c) */
	guint64 cookies_sent;       /* IKE_SA_INIT answered with only N(COOKIE) */
	guint64 cookies_accepted;   /* requests whose cookie was valid */
	guint64 cookies_rejected;   /* requests whose cookie was not (stale, forged) */
	guint64 redirects_sent;     /* N(REDIRECT) in IKE_SA_INIT or INFORMATIONAL */
	guint64 redirects_followed; /* we went to the gateway a peer named */
	/* crypto jobs (key pairs, g^ir, signatures) by where they ran (worker.c) */
	guint64 crypto_jobs_inline; /* on the engine context */
	guint64 crypto_jobs_pool;   /* on the thread pool */
} EngineCounters;
void engine_get_counters(Engine *engine, EngineCounters *out);

/* ---- routing, shunts, updown (route.c, updown.c) ----------------------- */

/* A connection's kernel policy state: the values of the D-Bus
 * Connection.Routing property (engine_routing_name()). */
typedef enum {
	ENGINE_ROUTING_UNROUTED,      /* "unrouted": no policy of ours */
	ENGINE_ROUTING_ON_DEMAND,     /* "on-demand": trap policies (Route) */
	ENGINE_ROUTING_NEGOTIATING,   /* "negotiating": routed, an IKE SA is being set up */
	ENGINE_ROUTING_TUNNEL,        /* "tunnel": a Child SA and its policies are installed */
	ENGINE_ROUTING_FAILURE_SHUNT, /* "failure-shunt": negotiation failed, shunt installed */
	ENGINE_ROUTING_SHUNT,         /* "shunt": a never-negotiate (--pass/--drop/--reject
	                               * without --encrypt/--authenticate) connection's
	                               * policies are installed */
} EngineRouting;

const char *engine_routing_name(EngineRouting routing);

/* whack --route: installs trap policies (KERNEL_POLICY_IPSEC, trap) for the
 * connection's selectors, so that matching traffic starts negotiation (and
 * runs the updown's prepare and route verbs); for a never-negotiate
 * connection, installs its pass/drop/reject policies instead.  Routing a
 * routed connection does nothing.  NOT_FOUND; INVALID_ARGUMENT when the
 * connection is not oriented or its peer's address is not known;
 * NOT_SUPPORTED when the kernel backend has no policies. */
gboolean engine_route(Engine *engine, const char *name, GError **error);
/* whack --unroute: removes them (updown unroute).  BUSY while a Child SA of
 * the connection is installed; NOT_FOUND. */
gboolean engine_unroute(Engine *engine, const char *name, GError **error);
/* UNROUTED for an unknown name. */
EngineRouting engine_get_routing(Engine *engine, const char *name);

/* Called on the engine's context when a connection's routing changes. */
typedef void (*EngineRoutingFunc)(const char *connection, EngineRouting routing,
                                  gpointer user_data);
guint engine_add_routing_observer(Engine *engine, EngineRoutingFunc func, gpointer user_data);
void engine_remove_routing_observer(Engine *engine, guint id);

/* One shunt policy of ours (whack --shuntstatus). */
typedef struct {
	char *connection;  /* the connection it belongs to */
	char *kind;        /* "negotiation" (prospective shunt of an ACQUIRE being
	                    * negotiated), "failure" (after a failed negotiation),
	                    * "connection" (a never-negotiate connection) */
	char *source;      /* "192.0.2.1/32" */
	char *destination;
	guint protocol;    /* 0 = any */
	char *action;      /* "pass", "drop", "reject" */
	gint64 expires;    /* wall clock seconds; 0 = stays */
} EngineShuntInfo;

void engine_shunt_info_free(EngineShuntInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EngineShuntInfo, engine_shunt_info_free)
/* Owned array of owned infos, by connection name then source. */
GPtrArray *engine_list_shunts(Engine *engine);

/* Longest run time of an updown command before its process group is
 * killed (default 60000). */
void engine_set_updown_timeout(Engine *engine, guint timeout_ms);
/* updown commands queued or running (tests wait for 0). */
guint engine_get_updown_pending(Engine *engine);

/* ---- daemon settings ---------------------------------------------------- */

/* TRUE: the process's log writer prints the engine's info and debug lines
 * (ikebusd with the "engine" debug class on); FALSE (the default): they
 * are formatted only when g_log_writer_default() would print them
 * (G_MESSAGES_DEBUG).  Lines that go to an initiate caller are formatted
 * either way. */
void engine_set_log_verbose(Engine *engine, gboolean verbose);
/* uniqueids (default TRUE, as pluto): a peer that authenticates again with
 * the same ID replaces its older IKE SAs of that connection.  FALSE: only
 * when it sends INITIAL_CONTACT. */
void engine_set_uniqueids(Engine *engine, gboolean uniqueids);

/* ---- peers and sockets (peer-crash.c) ------------------------------------ */

/* whack --crash: the peer at @address (an IP address) is presumed dead.
 * Every IKE SA with it (any state) is removed with its Child SAs without
 * sending anything: kernel SAs removed, updown down, routed connections
 * back on their trap.  Then, as when liveness checks fail, a connection
 * with dpd-action=restart (or one we were still initiating, with keying
 * attempts left) starts a new IKE SA, once.  Returns the number of IKE
 * SAs removed (0: none with that peer), or -1 with INVALID_ARGUMENT. */
gint engine_crash_peer(Engine *engine, const char *address, GError **error);
/* whack --deleteuser: deletes the established IKE SAs whose authenticated
 * peer identity is @user (its --id text, "@east.example", or the bare name
 * of an FQDN, RFC 822 or KEY_ID identity; IKEv2 has no XAUTH and no EAP
 * identities are kept), telling the peer; with @crash, as
 * engine_crash_peer() does (no Delete, then the dead-peer policy).
 * Returns their number; -1 with NOT_FOUND (none) or INVALID_ARGUMENT. */
gint engine_delete_user(Engine *engine, const char *user, gboolean crash, GError **error);
/* whack --unlisten (@listen FALSE): the IKE sockets close (net_io_unlisten());
 * SAs stay, and the ESP data path is not IKE and keeps working, but nothing
 * IKE is received or sent and engine_initiate() reports NOT_LISTENING.
 * --listen: opens them again (and any missing one); FAILED when a socket
 * cannot be bound. */
gboolean engine_set_listening(Engine *engine, gboolean listen, GError **error);
gboolean engine_is_listening(Engine *engine);

/* ---- anti-DDoS measures and redirect (ddos.c, redirect.c) ---------------- */

/* whack --ddos-auto / --ddos-busy / --ddos-unlimited. */
typedef enum {
	ENGINE_DDOS_AUTO,      /* busy while many IKE SAs are half-open */
	ENGINE_DDOS_BUSY,      /* always busy */
	ENGINE_DDOS_UNLIMITED, /* never busy */
} EngineDdosMode;

/* "auto": busy from this many half-open responder IKE SAs (those between
 * IKE_SA_INIT and IKE_AUTH) on, and no longer once they drop below three
 * quarters of it.  pluto's default threshold. */
#define ENGINE_DDOS_DEFAULT_THRESHOLD 25000

/* While busy, an IKE_SA_INIT request without a valid N(COOKIE) is answered
 * with only N(COOKIE) and leaves no state (RFC 7296 §2.6, RFC 8019 §4.1).
 * The cookie is <version> | HMAC-SHA-256(secret, Ni | IPi | SPIi); the
 * secret is replaced every ENGINE_COOKIE_SECRET_SECONDS and the previous one
 * is accepted until the next change. */
#define ENGINE_COOKIE_SECRET_SECONDS 120
void engine_set_ddos_mode(Engine *engine, EngineDdosMode mode);
EngineDdosMode engine_get_ddos_mode(Engine *engine);
/* 0 = ENGINE_DDOS_DEFAULT_THRESHOLD. */
void engine_set_ddos_threshold(Engine *engine, guint half_open);
gboolean engine_is_busy(Engine *engine);
/* Called on the engine's context when engine_is_busy() changes. */
typedef void (*EngineBusyFunc)(gboolean busy, gpointer user_data);
void engine_set_busy_func(Engine *engine, EngineBusyFunc func, gpointer user_data);
/* Replaces the cookie secret now (as its period ending does). */
void engine_rotate_cookie_secret(Engine *engine);

/* whack --global-redirect / --global-redirect-to (RFC 5685 §4). */
typedef enum {
	ENGINE_REDIRECT_NO,
	ENGINE_REDIRECT_YES,  /* every IKE_SA_INIT from a peer that sent REDIRECT_SUPPORTED */
	ENGINE_REDIRECT_AUTO, /* the same, only while busy */
} EngineRedirectMode;

/* Answers such IKE_SA_INIT requests with N(REDIRECT) naming the first of
 * @to (IP addresses or DNS names; NULL keeps the list) and keeps no state.
 * INVALID_ARGUMENT for an entry that is neither, or for YES/AUTO with no
 * gateway. */
gboolean engine_set_global_redirect(Engine *engine, EngineRedirectMode mode,
                                    const char *const *to, GError **error);
/* whack --redirect-to [--name]: an INFORMATIONAL with N(REDIRECT) naming
 * the first of @to to the peer of every established IKE SA of connection
 * @name (NULL: of every connection; RFC 5685 §6).  Returns the number of
 * IKE SAs told; -1 with NOT_FOUND (no such connection) or INVALID_ARGUMENT. */
gint engine_redirect_peers(Engine *engine, const char *name, const char *const *to,
                           GError **error);
/* As initiator we send REDIRECT_SUPPORTED and follow a REDIRECT in the
 * IKE_SA_INIT response or in an INFORMATIONAL request: a new IKE SA with the
 * named gateway (IP addresses only), the old one deleted.  At most
 * ENGINE_REDIRECT_MAX_FOLLOW redirects of one connection within
 * ENGINE_REDIRECT_WINDOW_SECONDS (RFC 5685 §9 loop protection). */
#define ENGINE_REDIRECT_MAX_FOLLOW 5
#define ENGINE_REDIRECT_WINDOW_SECONDS 300

/* Name of an EngineStatus ("NO_ANSWER"). */
const char *engine_status_name(EngineStatus status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Engine, engine_free)

G_END_DECLS
