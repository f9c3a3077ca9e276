/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine internals shared by engine/ and engine/exchange/.  Not for bus/.
 *
 * Ownership: the Engine owns its connections (EngineConn), IKE SAs and Child
 * SAs.  An IkeSa owns its tasks and its Child SAs' list (the ChildSa structs
 * are owned by the engine's child table).  A dead SA is removed from every
 * table at once and freed from an idle callback, so callers up the stack
 * never touch freed memory.
 */
#pragma once

#include <glib.h>

#include "ke.h"
#include "keymat.h"
#include "sk.h"
#include "engine.h"
#include "ike.h"
#include "kernel.h"
#include "net.h"

G_BEGIN_DECLS

typedef struct IkeSa IkeSa;
typedef struct ChildSa ChildSa;
typedef struct Task Task;
typedef struct EngineConn EngineConn;
typedef struct EngineRequest EngineRequest;
typedef struct FragBuf FragBuf;

/* ---- proposals (proposal.c) ------------------------------------------- */

#define PROP_MAX_IDS 12

/* One proposal as we offer or accept it: lists of acceptable transform
 * ids per type, in preference order.  encr_bits[i] goes with encr[i]. */
typedef struct {
	guint8 protocol; /* IKE_PROTO_IKE or IKE_PROTO_ESP */
	guint16 encr[PROP_MAX_IDS];
	guint16 encr_bits[PROP_MAX_IDS];
	guint n_encr;
	guint16 prf[PROP_MAX_IDS];
	guint n_prf;
	guint16 integ[PROP_MAX_IDS];
	guint n_integ;
	guint16 ke[PROP_MAX_IDS];
	guint n_ke;
	guint16 esn[2];
	guint n_esn;
} PropSpec;

/* What was agreed. */
typedef struct {
	guint8 protocol;
	guint8 number; /* the peer's proposal number */
	guint16 encr;
	guint16 encr_bits;
	guint16 prf;   /* IKE only */
	guint16 integ; /* 0 = none (AEAD) */
	guint16 ke;    /* 0 = none */
	gboolean esn;
} PropChoice;

/* Parses "aes_gcm256-sha2_256-curve25519,aes256-sha2_256;modp2048" for
 * @protocol into an owned GArray of PropSpec; NULL/empty @text = defaults.
 * FALSE with ENGINE_ERROR_INVALID_ARGUMENT naming the bad token. */
GArray *proposal_parse(const char *text, guint8 protocol, GError **error);
/* Drops ESP algorithms @caps lacks (when it lists any). */
void proposal_filter_caps(GArray *specs, const KernelCaps *caps);
/* Adds our proposals to an SA payload; @spi may be NULL.  @with_ke FALSE
 * leaves the KE transforms out (ESP in IKE_AUTH, §1.2). */
void proposal_add_to_sa(IkePayload *sa, const GArray *specs, const guint8 *spi, gsize spi_len,
                        gboolean with_ke);
/* Sets the KE list of every spec to @groups (n = 0 clears it). */
void proposal_set_ke(GArray *specs, const guint16 *groups, guint n);
/* Responder: picks one of the peer's proposals (@sa); prefers KE group
 * @ke_hint when acceptable.  FALSE if none is acceptable. */
gboolean proposal_select(const GArray *ours, const IkePayload *sa, guint16 ke_hint,
                         PropChoice *out, const IkeProposal **peer_prop);
/* Initiator: checks the responder's single proposal against ours. */
gboolean proposal_accept_reply(const GArray *ours, const IkePayload *sa, PropChoice *out,
                               const IkeProposal **peer_prop, GError **error);
/* Adds the chosen proposal as the single proposal of a reply SA payload. */
void proposal_add_choice(IkePayload *sa, const PropChoice *choice, const guint8 *spi,
                         gsize spi_len);
/* First KE group of the first spec that has one, 0 if none. */
guint16 proposal_first_ke(const GArray *specs);
/* TRUE if @group appears in any spec. */
gboolean proposal_has_ke(const GArray *specs, guint16 group);
/* "AES_GCM_16_256-PRF_HMAC_SHA2_256-CURVE25519" style; owned. */
char *proposal_choice_to_string(const PropChoice *c);

/* ---- traffic selectors (ts.c) ----------------------------------------- */

/* Selectors of one end of @conn (subnets or the host, with protoport);
 * owned GArray of KernelTs.  @host_override replaces the end's host. */
GArray *ts_from_end(const IkebusEnd *end, const KernelAddr *host_addr, GError **error);
/* Adds @ts to a TSi/TSr payload. */
void ts_add_to_payload(IkePayload *p, const GArray *ts);
/* Owned GArray of KernelTs from a TS payload (unknown types skipped). */
GArray *ts_from_payload(const IkePayload *p);
/* Intersection of @ours and @theirs (every pair); owned, possibly empty. */
GArray *ts_narrow(const GArray *ours, const GArray *theirs);
/* TRUE if every selector of @sub lies inside some selector of @super. */
gboolean ts_subset(const GArray *sub, const GArray *super);
/* "198.51.100.1/32,..." (or ranges); owned. */
char *ts_array_to_string(const GArray *ts);
/* whack form for the established line: "198.51.100.1-198.51.100.1:0-65535 0". */
char *ts_array_to_whack(const GArray *ts);

/* ---- identities (id.c) ------------------------------------------------ */

typedef struct {
	guint8 type;  /* IkeIdType */
	GBytes *data; /* ID data as the payload carries it */
} EngineId;

/* From --id text ("192.0.2.1", "@fqdn", "user@fqdn", "%any").  "%any"
 * gives type 0.  FALSE with INVALID_ARGUMENT for unsupported forms. */
gboolean engine_id_from_text(const char *text, EngineId *out, GError **error);
/* From an IDi/IDr payload. */
void engine_id_from_payload(const IkePayload *p, EngineId *out);
/* Canonical --id text ("@fqdn"); owned. */
char *engine_id_to_text(const EngineId *id);
/* TRUE when @want (type 0 = any) accepts @got. */
gboolean engine_id_match(const EngineId *want, const EngineId *got);
void engine_id_clear(EngineId *id);
/* ID payload body (type, reserved, data) for the AUTH computation; owned. */
GBytes *engine_id_body(const EngineId *id);
/* Human name of the type for logs ("FQDN", "IPV4_ADDR"). */
const char *engine_id_type_name(const EngineId *id);

/* ---- connections ------------------------------------------------------ */

struct EngineConn {
	gint ref;
	IkebusConnection *cfg;
	gboolean deleted;
	guint32 reqid;  /* for Child SAs of this connection */
	guint attempts; /* keying attempts of the current initiation */
	/* parsed once when the connection is added (a replaced connection is a
	 * new EngineConn): IKE specs, shared by reference; ESP specs already
	 * filtered by the kernel's caps, copied per Child SA (they change) */
	GArray *ike_props;
	GArray *esp_props;
	/* live SAs by state: ike_sa_set_state() / child_sa_set_state() */
	guint ike_by_state[ENGINE_IKE_SA_N_STATES];
	guint child_by_state[ENGINE_CHILD_SA_N_STATES];
	/* redirects followed (redirect.c, RFC 5685 §9): how many since when */
	guint redirects;
	gint64 redirect_window; /* monotonic µs of the first of them */
};

EngineConn *engine_conn_ref(EngineConn *c);
void engine_conn_unref(EngineConn *c);
/* Which end of @c is ours: FALSE if neither host is local.  *@local_is_left
 * receives the answer. */
gboolean engine_conn_orient(Engine *engine, const EngineConn *c, gboolean *local_is_left);
const IkebusEnd *engine_conn_local_end(const EngineConn *c, gboolean local_is_left);
const IkebusEnd *engine_conn_remote_end(const EngineConn *c, gboolean local_is_left);
/* TRUE when connection key @key was given. */
gboolean engine_conn_key_given(const IkebusConnection *cfg, const char *key);
/* Tunnel unless "tunnel" was given as false. */
KernelMode engine_conn_mode(const IkebusConnection *cfg);
/* An end's id text: the id, else the host address. */
const char *engine_end_id_text(const IkebusEnd *end);

/* ---- requests (initiate with progress) -------------------------------- */

struct EngineRequest {
	gint ref;
	EngineProgressFunc progress;
	EngineDoneFunc done;
	gpointer user_data;
	GDestroyNotify destroy;
	gboolean finished;
};

EngineRequest *engine_request_ref(EngineRequest *r);
void engine_request_unref(EngineRequest *r);
void engine_request_line(EngineRequest *r, EngineStatus code, const char *line);
/* Calls done once; later calls do nothing. */
void engine_request_finish(EngineRequest *r, EngineStatus status);

/* ---- tasks (task.c) --------------------------------------------------- */

typedef enum {
	TASK_OK,     /* build: request/response ready; process: exchange finished */
	TASK_ASYNC,  /* waiting for the crypto worker; the step is called again */
	TASK_RETRY,  /* process (initiator): send the request again, same msgid */
	TASK_FAILED, /* the task failed; the IKE SA decides what happens */
	TASK_SKIP,   /* build (initiator): nothing to do any more, drop the task */
} TaskResult;

typedef struct {
	const char *name;
	guint8 exchange; /* IkeExchangeType */
	/* initiator */
	TaskResult (*build_request)(Task *task, IkeSa *sa, GPtrArray *payloads);
	TaskResult (*process_response)(Task *task, IkeSa *sa, IkeMessage *msg);
	/* responder */
	TaskResult (*process_request)(Task *task, IkeSa *sa, IkeMessage *msg);
	TaskResult (*build_response)(Task *task, IkeSa *sa, GPtrArray *payloads);
	/* the task is dropped without finishing (SA deleted, timeout) */
	void (*abort)(Task *task, IkeSa *sa, EngineStatus why);
	void (*free)(Task *task);
} TaskOps;

struct Task {
	const TaskOps *ops;
	gboolean initiator;
	/* Set by a step: the status the IKE SA reports when the task fails,
	 * and whether the SA must die after the response goes out. */
	EngineStatus fail_status;
	gboolean delete_sa_after;
};

void task_free(Task *task);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Task, task_free)

/* Constructors of the exchange tasks (engine/exchange/). */
Task *task_sa_init_new(gboolean initiator);
Task *task_auth_new(gboolean initiator);
Task *task_delete_ike_new(gboolean initiator);
Task *task_delete_child_new(ChildSa *child);
Task *task_informational_new(gboolean initiator); /* liveness / responder */
Task *task_child_create_responder_new(void);
/* A new Child SA of connection @conn on the IKE SA the task runs on
 * (CREATE_CHILD_SA without REKEY_SA, §1.3.1).  @req (may be NULL) hears
 * the progress and is finished with the outcome; @acquire: started by a
 * kernel ACQUIRE, whose failure route.c learns of. */
Task *task_child_create_new(EngineConn *conn, EngineRequest *req, gboolean acquire);
/* The connection a Child SA asked for by @msg (SA, TSi, TSr present) on
 * @sa belongs to: by traffic selectors (§2.9), among the connections that
 * could have been chosen for @sa (ike-share.c), @sa's own winning a tie;
 * without --narrowing only one that takes the peer's selectors unchanged.
 * 0 with *@out set, or the notify that refuses (TS_UNACCEPTABLE,
 * NO_PROPOSAL_CHOSEN) with *@out NULL. */
guint16 child_create_pick_conn(IkeSa *sa, IkeMessage *msg, EngineConn **out);
/* Rekeys Child SA @child (CREATE_CHILD_SA with REKEY_SA, §1.3.3). */
Task *task_child_rekey_new(ChildSa *child);
/* Rekeys the IKE SA it runs on (CREATE_CHILD_SA with SA, Ni, KEi, §1.3.2;
 * exchange/rekey-ike.c); the responder side answers such a request. */
Task *task_ike_rekey_new(void);
Task *task_ike_rekey_responder_new(void);
/* TRUE when a decrypted CREATE_CHILD_SA request rekeys the IKE SA (its SA
 * payload proposes protocol IKE). */
gboolean ike_rekey_request_is_ike(const IkeMessage *msg);
/* TRUE when @task is an IKE SA rekey (either role). */
gboolean task_is_ike_rekey(const Task *task);

/* ---- IKE SA (ike-sa.c) ------------------------------------------------ */

/* The states are engine.h's (bus/ reads them); short names inside. */
typedef EngineIkeSaState IkeSaState;
#define IKE_SA_STATE_NEW ENGINE_IKE_SA_STATE_NEW
#define IKE_SA_STATE_INIT_I ENGINE_IKE_SA_STATE_INIT_I
#define IKE_SA_STATE_INIT_R ENGINE_IKE_SA_STATE_INIT_R
#define IKE_SA_STATE_AUTH_I ENGINE_IKE_SA_STATE_AUTH_I
#define IKE_SA_STATE_ESTABLISHED ENGINE_IKE_SA_STATE_ESTABLISHED
#define IKE_SA_STATE_DELETING ENGINE_IKE_SA_STATE_DELETING
#define IKE_SA_STATE_DEAD ENGINE_IKE_SA_STATE_DEAD
#define IKE_SA_N_STATES ENGINE_IKE_SA_N_STATES

/* Key of the half-open table (responder SAs before IKE_AUTH): SPIi and the
 * peer's address, hashed as bytes, nothing allocated. */
typedef struct {
	guint64 spi_i;
	guint8 family;
	guint8 addr[16];
} HalfOpenKey;

/* Key of the established-peer index (engine.c): connection and the peer's
 * ID; @data NULL for IDs matched loosely (type 0 = %any, DNs). */
typedef struct {
	EngineConn *conn; /* not a ref: the SA holds one while indexed */
	guint8 type;
	GBytes *data;
} PeerKey;

/* Formatted strings of an SA, each kept with the value it was made from and
 * made again only when that changes (snapshots build from these). */
typedef struct {
	NetEndpoint local_ep, remote_ep;
	char *local_host, *remote_host;
	GBytes *local_id_data, *remote_id_data; /* refs: identity is the key */
	guint8 local_id_type, remote_id_type;
	char *local_id, *remote_id;
	PropChoice alg;
	const char *algorithms; /* interned (g_intern_string) */
	GArray *ts_local, *ts_remote; /* refs: identity is the key */
	char *local_ts, *remote_ts;
} SaText;

/* A message as sent: one datagram, or several SKF fragments (RFC 7383). */
typedef struct {
	GPtrArray *datagrams; /* GBytes *, owned */
	guint32 msgid;
	gboolean valid;
} SentMessage;

/* The exact first datagram of an authenticated request (§2.1: a
 * retransmission is the same message). */
typedef struct {
	guint8 digest[32]; /* SHA-256 */
	gsize len;
	guint32 msgid;
	gboolean valid;
} RequestDigest;

struct IkeSa {
	Engine *engine;
	guint serial;
	EngineConn *conn; /* ref; NULL for a responder before a match */
	gboolean local_is_left;
	IkeSaState state;
	gboolean initiator; /* original initiator (§2.2) */

	guint64 spi_i;
	guint64 spi_r;
	NetEndpoint local;
	NetEndpoint remote;
	gboolean natt;       /* IKE on the NAT-T port with the marker */
	gboolean nat_local;  /* we are behind a NAT (NAT-D mismatch for us) */
	gboolean nat_remote; /* the peer is */
	gboolean force_encap;

	/* negotiation */
	GArray *ike_props;  /* PropSpec we offer/accept */
	PropChoice ike;     /* agreed */
	CryptoIkeSuite suite;
	guint16 ke_group;   /* group of our KE */
	CryptoKe *ke;       /* our key pair (owned, not while a worker has it) */
	GBytes *ni;
	GBytes *nr;
	GBytes *peer_ke;
	IkebusSecbuf *g_ir;
	GBytes *cookie;     /* from the responder (initiator side) */
	GBytes *init_request;  /* IKE_SA_INIT request as on the wire */
	GBytes *init_response; /* IKE_SA_INIT response as on the wire */
	gboolean peer_frag;    /* IKEV2_FRAGMENTATION_SUPPORTED seen */
	FragBuf *frag;         /* fragments of a message being received */

	CryptoIkeKeys keys;
	CryptoSk *sk_out; /* protects what we send */
	CryptoSk *sk_in;

	EngineId local_id;
	EngineId remote_id;

	/* message IDs, window 1 (§2.3) */
	guint32 next_msgid;      /* of our next request */
	guint32 peer_next_msgid; /* the peer's next request */
	SentMessage request;     /* outstanding request, for retransmission */
	SentMessage response;    /* last response, for retransmitted requests */
	RequestDigest request_in;  /* last authenticated request datagram */
	RequestDigest response_to; /* the request datagram @response answers */
	gboolean response_natt;
	guint retransmits;       /* of the outstanding request */
	guint retransmit_timer;
	guint keepalive_timer;
	guint liveness_timer;
	guint setup_timer; /* responder: half-open SAs die when IKE_AUTH never comes */
	gint64 last_in; /* monotonic µs of the last authentic message */

	/* tasks */
	GQueue *queue;      /* Task *, owned, waiting */
	Task *active;       /* our request in flight (owned) */
	IkeMessage *active_msg; /* response being processed across ASYNC (owned) */
	Task *responding;   /* responder task of a peer request (owned) */
	IkeMessage *responding_msg; /* the request it works on (owned) */
	guint worker_busy;  /* crypto jobs out for this SA */
	/* process_response returned TASK_ASYNC to wait for the peer's request
	 * being answered (a rekey collision): resumed once that answer is out */
	gboolean active_parked;
	guint8 building;    /* 1: active task is in build_request, 2: process */

	GPtrArray *children; /* ChildSa *, borrowed (engine owns) */
	EngineRequest *request_cb; /* initiate() caller, or NULL */
	EngineStatus child_status; /* result of the first Child SA */

	gint64 created;
	gint64 established;
	guint64 messages_in;
	guint64 messages_out;
	guint64 total_retransmits;

	/* lifetime and rekeying (lifetime.c, exchange/rekey-ike.c) */
	guint rekey_timer;
	guint expire_timer;
	gint64 rekey_at;   /* wall clock seconds of the planned rekey, 0 = none */
	gint64 expire_at;  /* wall clock seconds of expiry, 0 = none */
	gboolean rekey_started; /* a rekey task is queued or running */
	guint replaced_by; /* serial of the IKE SA that took over (rekeyed) */

	/* RFC 5685 (redirect.c): the gateway that redirected us here, whose
	 * address goes in N(REDIRECTED_FROM) of our IKE_SA_INIT request */
	gboolean redirected;
	NetEndpoint redirected_from;

	HalfOpenKey half_open_key; /* the key it is in engine->half_open under */
	gboolean half_open;        /* it is in there */
	PeerKey *peer_key;         /* in engine->ike_by_peer (while ESTABLISHED) */
	SaText text;
};

IkeSa *ike_sa_new(Engine *engine, EngineConn *conn, gboolean initiator);
/* The one state transition function (STYLE.md habit 5). */
void ike_sa_set_state(IkeSa *sa, IkeSaState state);
/* Moves the SA to connection @c (responder: the IDs chose another one),
 * carrying its per-connection state count along. */
void ike_sa_set_conn(IkeSa *sa, EngineConn *c);
const char *ike_sa_state_name(IkeSaState state);
/* Our SPI and the peer's. */
guint64 ike_sa_local_spi(const IkeSa *sa);
/* Records the peer's SPI (responder SPI learnt by the initiator). */
void ike_sa_set_spi_r(IkeSa *sa, guint64 spi_r);
/* Queues @task (owned) and runs the queue. */
void ike_sa_queue_task(IkeSa *sa, Task *task);
/* Starts the next queued task if nothing is in flight. */
void ike_sa_run(IkeSa *sa);
/* Called by a worker completion: continue the step that returned ASYNC. */
void ike_sa_resume(IkeSa *sa);
/* Same for the job of @task (the active or the responding one). */
void ike_sa_resume_task(IkeSa *sa, Task *task);
/* A message for this SA arrived (header checked, not yet decrypted). */
void ike_sa_receive(IkeSa *sa, const NetPacket *pkt, GBytes *bytes);
/* Removes the SA (and its Child SAs' kernel state) now, without messages.
 * @status is reported to a pending initiate request. */
void ike_sa_destroy(IkeSa *sa, EngineStatus status);
/* Decrypts the SK payload @sk of @msg with @sk_in and parses the inner
 * payloads into @msg (ike_message_set_inner); FALSE with @error set. */
gboolean engine_sk_open_into(CryptoSk *sk_in, IkeMessage *msg, const IkePayload *sk,
                             GError **error);
/* Whether the connection of @sa starts again now that its peer is gone, and where (ike-sa.c). */
gboolean ike_sa_restart_wanted(IkeSa *sa, NetEndpoint *remote);
/* Starts a Delete exchange for the SA (or destroys it if not established). */
void ike_sa_delete(IkeSa *sa);
/* SK keys and protectors from g_ir and the nonces (main thread). */
gboolean ike_sa_derive_keys(IkeSa *sa, GError **error);
/* The same for an IKE SA made by rekeying @old (§2.18: SKEYSEED from the
 * old SA's SK_d and PRF). */
gboolean ike_sa_derive_rekey_keys(IkeSa *sa, const IkeSa *old, GError **error);
/* Logging with the SA prefix; lines also go to the initiate caller. */
void ike_sa_log(IkeSa *sa, GLogLevelFlags level, EngineStatus code, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* Moves IKE to the NAT-T port (§2.23). */
void ike_sa_float(IkeSa *sa);
/* Connection name, "-" if none yet. */
const char *ike_sa_conn_name(const IkeSa *sa);
/* Sends an unprotected notify (e.g. an IKE_SA_INIT error) outside any SA. */
void engine_send_unprotected_notify(Engine *engine, const NetPacket *pkt,
                                    const IkeHeader *hdr, guint16 notify_type, GBytes *data);

/* ---- fragmentation (frag.c) ------------------------------------------- */

typedef enum {
	FRAG_COMPLETE, /* the inner chain is attached to the message */
	FRAG_MORE,     /* kept; waiting for the other fragments */
	FRAG_FAILED,
} FragResult;

/* Protected SKF datagrams (GBytes *) for the inner chain @plain, each at
 * most @max_msg octets of IKE message. */
GPtrArray *frag_encode(IkeSa *sa, guint8 exchange, gboolean response, guint32 msgid,
                       const guint8 *plain, gsize plain_len, guint8 first_type, gsize max_msg,
                       GError **error);
/* Checks and decrypts the fragment @skf of @msg and adds it to the SA's
 * collection; when complete, the whole inner chain goes to @msg. */
FragResult frag_collect(IkeSa *sa, IkeMessage *msg, const IkePayload *skf, GError **error);
void frag_buf_free(FragBuf *fb);

/* ---- Child SA (child-sa.c) -------------------------------------------- */

typedef EngineChildSaState ChildSaState;
#define CHILD_SA_STATE_LARVAL ENGINE_CHILD_SA_STATE_LARVAL
#define CHILD_SA_STATE_INSTALLED ENGINE_CHILD_SA_STATE_INSTALLED
#define CHILD_SA_STATE_DELETING ENGINE_CHILD_SA_STATE_DELETING
#define CHILD_SA_STATE_DEAD ENGINE_CHILD_SA_STATE_DEAD
#define CHILD_SA_N_STATES ENGINE_CHILD_SA_N_STATES

struct ChildSa {
	Engine *engine;
	guint serial;
	IkeSa *ike; /* parent, borrowed; NULL once detached */
	EngineConn *conn; /* ref */
	ChildSaState state;
	guint32 spi_in;
	guint32 spi_out;
	guint32 reqid;
	KernelMode mode;
	gboolean encap;
	PropChoice esp;
	GArray *props;     /* PropSpec offered (initiator) */
	GArray *ts_local;  /* KernelTs */
	GArray *ts_remote; /* KernelTs */
	gboolean sa_in_installed;
	gboolean sa_out_installed;
	gboolean policies_installed;
	gint64 established;
	/* The exchange that made it: its initiator takes the i->r keys; a
	 * CREATE_CHILD_SA brings its own nonces and, with PFS, g^ir (§2.17).
	 * NULL nonces: the IKE SA's (the Child SA of IKE_AUTH). */
	gboolean initiator;
	GBytes *ni;
	GBytes *nr;
	IkebusSecbuf *g_ir;
	guint rekeys_serial; /* the Child SA this one replaces, 0 = none */
	gboolean rekey_started;

	/* lifetime (lifetime.c): planned when installed */
	guint64 soft_ms; /* rekey this long after install, 0 = never */
	guint64 hard_ms; /* expiry, 0 = never */
	guint rekey_timer;
	guint expire_timer;
	gint64 rekey_at;  /* wall clock seconds, 0 = none */
	gint64 expire_at;
	guint replaced_by; /* the Child SA that replaces it after a rekey */
	SaText text;
	/* while policies_installed: its key in engine->policy_users */
	GBytes *policy_key;
};

ChildSa *child_sa_new(IkeSa *ike);
/* The same for a Child SA of connection @conn (another connection that
 * shares the IKE SA, ike-share.c). */
ChildSa *child_sa_new_for(IkeSa *ike, EngineConn *conn);
void child_sa_set_state(ChildSa *child, ChildSaState state);
const char *child_sa_state_name(ChildSaState state);
/* Allocates the inbound SPI from the kernel. */
gboolean child_sa_alloc_spi(ChildSa *child, GError **error);
/* The 4-octet ESP/AH SPI of a proposal or notify, as a number. */
static inline guint32
child_spi_from_bytes(const guint8 *p)
{
	return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}
/* Takes the responder's answer for a Child SA we asked for: its SPI from
 * @pp, the selectors it narrowed to (@ts_local/@ts_remote, stolen) and
 * tunnel mode unless it agreed to USE_TRANSPORT_MODE. */
void child_sa_take_answer(ChildSa *child, const IkeProposal *pp, GArray **ts_local,
                          GArray **ts_remote, IkeMessage *msg);
/* Derives KEYMAT and installs both SAs and the policies. */
gboolean child_sa_install(ChildSa *child, GError **error);
/* Removes kernel state and the SA (no message). */
void child_sa_destroy(ChildSa *child);
/* Sets the TS and mode from the connection (initiator proposal). */
gboolean child_sa_setup_from_conn(ChildSa *child, GError **error);
/* The whack "established Child SA" line. */
char *child_sa_describe(const ChildSa *child);
ChildSa *engine_find_child_by_spi_out(IkeSa *sa, guint32 spi_out);
ChildSa *engine_find_child_by_spi_in(IkeSa *sa, guint32 spi_in);

/* ---- crypto worker (worker.c) ----------------------------------------- */

/* A key exchange job: generates a key pair for @group unless @ke is set,
 * then derives g_ir when @peer_public is set.  Runs on the pool. */
typedef struct {
	const CryptoKeGroup *group;
	CryptoKe *ke;
	GBytes *peer_public;
	IkebusSecbuf *g_ir;
	GError *error;
	/* The task that waits for the job (NULL: whichever task of the SA is
	 * waiting).  With two jobs out on one SA (a request of ours and one of
	 * the peer's, as in a rekey collision) the completion goes to it. */
	Task *owner;
} KeJob;

typedef void (*KeJobDone)(IkeSa *sa, KeJob *job);
/* Runs @job on the pool; @done runs on the engine context if SA #serial
 * still exists (then ike_sa_resume() follows).  Takes ownership of @job. */
void engine_worker_submit(Engine *engine, IkeSa *sa, KeJob *job, KeJobDone done);
void ke_job_free(KeJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeJob, ke_job_free)
/* Any other job (signatures, certificate checks): @run_func(@data) on the
 * pool, then on the engine context @done(sa, @data) (may be NULL) and the
 * step of task @owner resumes, as for a KeJob; @data_free(@data) afterwards
 * in every case. */
typedef void (*EngineJobFunc)(gpointer data);
typedef void (*EngineJobDone)(IkeSa *sa, gpointer data);
void engine_worker_submit_job(Engine *engine, IkeSa *sa, Task *owner, gpointer data,
                              EngineJobFunc run_func, EngineJobDone done,
                              GDestroyNotify data_free);
/* Pool and token set-up / tear-down (engine.c calls these). */
void engine_worker_init(Engine *engine);
void engine_worker_shutdown(Engine *engine);

/* ---- rekeying (exchange/rekey-ike.c, rekey-collision.c) --------------- */

/* Moves the Child SAs and the queued tasks of @old to @to (an IKE SA made
 * by rekeying @old) and records @to as @old's successor. */
void ike_sa_adopt(IkeSa *to, IkeSa *old);
/* Before @sa is destroyed: Child SAs still on it move to the SA that
 * replaced it (or to the peer's new SA of an unresolved collision). */
void rekey_ike_rescue_children(IkeSa *sa);
/* §2.8.1: TRUE when the lowest of the four nonces (octet by octet, a
 * prefix being lower) is one of @a_ni/@a_nr, i.e. exchange a made the
 * redundant SA. */
gboolean rekey_lowest_nonce_in(GBytes *a_ni, GBytes *a_nr, GBytes *b_ni, GBytes *b_nr);
/* A fresh nonce of the usual length (32 octets). */
GBytes *rekey_random_nonce(void);

/* ---- Child SAs of several connections on one IKE SA (ike-share.c) ---- */

/* TRUE when @c could have been chosen for @sa: same local address, a remote
 * host that admits the peer, IDs that accept the authenticated ones, the
 * same authentication, all with @sa's orientation. */
gboolean ike_share_conn_fits(const IkeSa *sa, const EngineConn *c);
/* Initiator: an established IKE SA that a new Child SA of @c can use: one
 * of @c's own, else one of another connection that fits and has the same
 * IKE proposals (as pluto shares).  @remote (may be NULL): only to that
 * peer address.  Borrowed or NULL. */
IkeSa *ike_share_find(Engine *engine, EngineConn *c, const NetEndpoint *remote);
/* Responder: the connections a new Child SA on @sa may belong to, @sa's own
 * first.  Owned array of borrowed EngineConn. */
GPtrArray *ike_share_candidates(IkeSa *sa);

/* ---- lifetimes (lifetime.c) ------------------------------------------- */

/* Computes soft/hard seconds of @child from its connection (before the
 * kernel SAs are filled in). */
void lifetime_child_plan(ChildSa *child);
/* Timers: rekey before and delete at expiry; started on INSTALLED /
 * ESTABLISHED, stopped on DEAD by the state functions. */
void lifetime_child_start(ChildSa *child);
void lifetime_child_stop(ChildSa *child);
void lifetime_ike_start(IkeSa *sa);
void lifetime_ike_stop(IkeSa *sa);
/* Tries the rekey again after @ms (TEMPORARY_FAILURE, §2.25). */
void lifetime_ike_retry(IkeSa *sa, guint ms);
void lifetime_child_retry(ChildSa *child, guint ms);
/* @sa was replaced by a rekey: delete it ourselves if the peer does not
 * within the retransmission window. */
void lifetime_ike_replaced(IkeSa *sa);

/* ---- routing, shunts, updown (route.c) -------------------------------- */

/* Set-up and tear-down (engine_new / engine_free: after every SA is gone,
 * removes our traps and shunts unless leave_state). */
void route_engine_init(Engine *engine);
void route_engine_free(Engine *engine);
/* A connection was added (routes it when initiate-on-traffic) or is being
 * deleted (its SAs are gone: unroute, drop its shunts). */
void route_conn_added(Engine *engine, EngineConn *c);
void route_conn_deleted(Engine *engine, EngineConn *c);
/* A kernel ACQUIRE: initiate the trapped connection once. */
void route_acquire(Engine *engine, const KernelEvent *ev);
/* The Child SA an ACQUIRE asked for on the established IKE SA #@ike_serial
 * was not made (refused, or the IKE SA went): the failure shunt. */
void route_acquire_failed(Engine *engine, EngineConn *conn, guint ike_serial);
/* child_sa_setup_from_conn(): an initiator's first Child SA of an IKE SA
 * started by an ACQUIRE offers the packet's selectors first (§2.9). */
void route_child_setup(ChildSa *child);
/* A Child SA was installed (INSTALLED) / is being destroyed (before its
 * kernel state goes): updown up/down, shunts dropped. */
void route_child_up(ChildSa *child);
void route_child_down(ChildSa *child);
/* After child_sa_destroy() removed its kernel state. */
void route_child_removed(ChildSa *child);

/* ---- anti-DDoS measures (ddos.c) and redirect (redirect.c) ------------- */

typedef struct {
	guint8 key[32];
	guint8 version; /* the cookie's first octet */
	gboolean valid;
	CryptoPrf *prf; /* HMAC-SHA-256 keyed with @key */
} CookieSecret;

typedef struct EngineDdos {
	EngineDdosMode mode;
	guint threshold;
	gboolean busy;
	EngineBusyFunc busy_func;
	gpointer busy_data;
	CookieSecret current, previous;
	gint64 secret_born; /* monotonic µs */
	/* global redirect: the mode and the GW Ident (RFC 5685 §8: type,
	 * length, identity) of the first gateway, NULL for none */
	EngineRedirectMode redirect_mode;
	GBytes *redirect_gw;
} EngineDdos;

void ddos_engine_init(Engine *engine);
void ddos_engine_free(Engine *engine);
/* engine_on_ike(): an IKE_SA_INIT request that no SA knows.  TRUE: go on
 * and make a responder SA; FALSE: it was answered without state (COOKIE,
 * REDIRECT) or dropped (counted). */
gboolean ddos_admit_init(Engine *engine, const NetPacket *pkt, const IkeHeader *hdr);
/* The half-open table grew or shrank ("auto" mode). */
void ddos_half_open_changed(Engine *engine);
/* Sends HDR + one unprotected notify as the IKE_SA_INIT response to the
 * request @hdr received in @pkt, from a stack buffer. */
void ddos_send_init_notify(Engine *engine, const NetPacket *pkt, const IkeHeader *hdr,
                           guint16 type, const guint8 *d1, gsize l1, const guint8 *d2,
                           gsize l2);

/* GW Ident (type | length | identity) for @dest, an IP address or a DNS
 * name; NULL with INVALID_ARGUMENT. */
GBytes *redirect_gw_ident(const char *dest, GError **error);
/* Initiator: adds REDIRECT_SUPPORTED or REDIRECTED_FROM (§4, §5). */
void redirect_add_init_notify(IkeSa *sa, GPtrArray *payloads);
/* Initiator, IKE_SA_INIT response with N(REDIRECT): TRUE when it was
 * followed (a new IKE SA to the gateway took the initiate request over;
 * the caller fails this SA with SUPERSEDED); FALSE when refused (logged). */
gboolean redirect_follow_init(IkeSa *sa, const IkePayload *n);
/* Initiator, N(REDIRECT) from an authenticated gateway: in the IKE_AUTH
 * response or an INFORMATIONAL request.  TRUE when a new IKE SA to the
 * gateway starts (taking over the initiate request, if any); the caller
 * deletes @sa once its exchange is done. */
gboolean redirect_follow_authenticated(IkeSa *sa, const IkePayload *n);
/* An INFORMATIONAL request carrying N(REDIRECT) with @gw (GW Ident). */
Task *task_redirect_new(GBytes *gw);

/* ---- the engine ------------------------------------------------------- */

struct Engine {
	GMainContext *context;
	KernelBackend *kernel;
	KernelCaps caps;
	EngineSecrets secrets;
	NetIo *net;
	EngineTimings timings;
	GHashTable *connections;   /* name -> EngineConn* (ref) */
	GHashTable *ike_by_serial; /* guint -> IkeSa* (owned) */
	GHashTable *ike_by_spi;    /* our SPI (guint64*) -> IkeSa* */
	GHashTable *half_open;     /* HalfOpenKey* (in the SA) -> IkeSa* (responder) */
	GHashTable *ike_by_peer;   /* PeerKey* -> GPtrArray of established IkeSa* */
	/* Child SAs with policies installed, by (reqid, selectors): policies
	 * are keyed by selectors, so Child SAs with the same ones share them
	 * (child-sa.c).  GBytes* -> count */
	GHashTable *policy_users;
	GHashTable *child_by_serial; /* guint -> ChildSa* (owned) */
	/* installed Child SAs by SPI, for the kernel's EXPIRE events: ours are
	 * unique (guint -> ChildSa*), the peers' may repeat across peers
	 * (guint -> GPtrArray of ChildSa*) */
	GHashTable *installed_by_spi_in;
	GHashTable *installed_by_spi_out;
	GPtrArray *graveyard;      /* dead IkeSa/ChildSa, freed on idle */
	guint reaper;
	guint next_serial;
	guint32 next_reqid;
	GThreadPool *pool;
	struct EngineToken *token; /* lets worker completions see a freed engine */
	GArray *observers; /* EngineObserver */
	guint next_observer;
	EngineCounters counters;
	gboolean shutting_down;
	gboolean leave_state; /* engine_free keeps kernel state (--leave-state) */
	/* certificate and public-key authentication (cert-auth.c) */
	EnginePubkeyLookupFunc lookup_pubkeys;
	gpointer lookup_pubkeys_data;
	gboolean sig_legacy; /* tests: sign with RFC 7296 methods even if RFC 7427 is possible */
	struct EngineRoute *route; /* traps, shunts, updown (route.c) */
	gboolean log_verbose; /* engine_set_log_verbose() */
	gboolean uniqueids;   /* engine_set_uniqueids() */
	struct EngineTimers *timers; /* timers.c: all engine_timer_add() timers */
	EngineDdos ddos; /* ddos.c, redirect.c */
};

/* Observers: @old_state is the state before a change (for ADDED and other
 * changes: the current one). */
void engine_notify_ike(IkeSa *sa, EngineSaEvent ev, IkeSaState old_state);
void engine_notify_child(ChildSa *child, EngineSaEvent ev, ChildSaState old_state);
void engine_ike_brief(const IkeSa *sa, EngineSaBrief *out);
void engine_child_brief(const ChildSa *child, EngineSaBrief *out);
guint engine_next_serial(Engine *engine);
void engine_bury(Engine *engine, gpointer sa, gboolean is_child);
/* The half-open table (responder SAs from IKE_SA_INIT to IKE_AUTH). */
void engine_half_open_add(IkeSa *sa);
void engine_half_open_remove(IkeSa *sa);
IkeSa *engine_half_open_lookup(Engine *engine, guint64 spi_i, const NetEndpoint *remote);
/* The index of established IKE SAs by (connection, peer ID):
 * ike_sa_set_state() adds on ESTABLISHED and removes on leaving it. */
void engine_peer_index_add(IkeSa *sa);
void engine_peer_index_remove(IkeSa *sa);
/* Owned array of the established IKE SAs (borrowed) of @sa's connection
 * whose peer ID engine_id_match()es @sa's, @sa itself excluded. */
GPtrArray *engine_peer_index_find(IkeSa *sa);
/* FALSE when a line at @level would be dropped anyway (ike_sa_log()). */
gboolean engine_log_wanted(Engine *engine, GLogLevelFlags level);
/* The SA's formatted strings (engine-api.c). */
void sa_text_clear(SaText *t);
/* Finds the connection for a responder: by addresses, then (after IKE_AUTH)
 * by IDs.  @peer_id NULL: addresses only. Borrowed or NULL. */
EngineConn *engine_find_responder_conn(Engine *engine, const NetEndpoint *local,
                                       const NetEndpoint *remote, const EngineId *peer_id,
                                       const EngineId *our_id_hint, gboolean *local_is_left);
/* Starts a new keying attempt for @conn (used by initiate and retries). */
IkeSa *engine_start_ike_sa(Engine *engine, EngineConn *conn, gboolean local_is_left,
                           const NetEndpoint *remote, EngineRequest *req);
/* Sends an IKE message; @natt adds the marker. */
gboolean engine_send(Engine *engine, const NetEndpoint *local, const NetEndpoint *remote,
                     const guint8 *data, gsize len, gboolean natt);
/* Timers on the engine's context (timers.c: one GSource for all); remove
 * sets *@id to 0. */
guint engine_timer_add(Engine *engine, guint ms, GSourceFunc func, gpointer data);
void engine_timer_remove(Engine *engine, guint *id);
/* Drops every timer without running it (engine_free). */
void engine_timers_free(Engine *engine);
/* Frees an SA taken from the graveyard. */
void ike_sa_free(IkeSa *sa);
void child_sa_free(ChildSa *child);
/* NAT_DETECTION hash: SHA-1(SPIi | SPIr | IP | port), 20 octets. */
void engine_nat_hash(guint64 spi_i, guint64 spi_r, const NetEndpoint *ep, guint8 out[20]);

G_END_DECLS
