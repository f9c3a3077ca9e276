/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel/: the one interface between the engine and whatever carries IPsec
 * traffic (STYLE.md habit 7).  Each backend fills in a KernelOps table:
 *
 *   "xfrm"      Linux IPsec through libnl-xfrm-3 (kernel_xfrm_new())
 *   "userspace" RFC 4303 ESP / RFC 3948 ESP-in-UDP on a TUN device
 *               (kernel_uesp_new())
 *   mock        records calls for engine tests (mock.h)
 *
 * The engine includes only this header: no libnl, no sockets.  Every
 * operation returns gboolean with a GError in KERNEL_ERROR; the inline
 * wrappers below are NULL-safe (a backend that lacks an operation reports
 * KERNEL_ERROR_NOT_SUPPORTED).
 *
 * Thread: the ops are called from the thread that owns the engine (the GLib
 * main loop).  A backend may run a data path on its own threads, but events
 * (ACQUIRE, EXPIRE, MAPPING) are always delivered on the GMainContext that
 * was thread-default when kernel_backend_set_event_func() was called.
 *
 * Ownership: the structs passed in (KernelSa, KernelPolicy, ...) are
 * borrowed for the duration of the call; backends copy what they keep,
 * key material into wiping buffers.  kernel_sa_dup()/kernel_policy_dup()
 * give owned deep copies for those who need them (the mock).
 */
#pragma once

#include <glib.h>

#include "alg.h"

G_BEGIN_DECLS

#define KERNEL_ERROR (kernel_error_quark())
GQuark kernel_error_quark(void);

typedef enum {
	KERNEL_ERROR_FAILED,        /* the kernel or the backend said no; message says why */
	KERNEL_ERROR_NOT_SUPPORTED, /* operation, protocol or algorithm this backend lacks */
	KERNEL_ERROR_INVALID,       /* bad argument; the message names the field */
	KERNEL_ERROR_NOT_FOUND,     /* no such SA or policy */
	KERNEL_ERROR_EXISTS,        /* SA or policy already installed */
	KERNEL_ERROR_PERMISSION,    /* needs CAP_NET_ADMIN (or /dev/net/tun access) */
} KernelError;

/* ---- addresses and selectors ------------------------------------------ */

/* An IPv4 or IPv6 address in network byte order.  family is AF_INET (2) or
 * AF_INET6 (10); 0 means "unset / any". */
typedef struct {
	guint8 family;
	union {
		guint8 v4[4];
		guint8 v6[16];
		guint8 bytes[16];
	};
} KernelAddr;

/* A traffic selector as IKEv2 carries it (RFC 7296 §3.13.1): an address
 * range, a port range and an IP protocol (0 = any).  For ICMP the ports hold
 * type/code as RFC 7296 §3.13.1 describes.  kernel_ts_to_prefix() turns a
 * CIDR-shaped range into the prefix that xfrm selectors want. */
typedef struct {
	KernelAddr from;
	KernelAddr to;
	guint8 proto;
	guint16 from_port; /* host byte order */
	guint16 to_port;
} KernelTs;

typedef struct {
	guint32 value;
	guint32 mask; /* 0 = no mark */
} KernelMark;

typedef enum {
	KERNEL_PROTO_ESP = 50,
	KERNEL_PROTO_AH = 51,
	KERNEL_PROTO_COMP = 108, /* IPCOMP (RFC 3173); the SPI is the 16-bit CPI */
} KernelProto;

/* IPCOMP transform IDs as IKEv2 negotiates them in IPCOMP_SUPPORTED
 * (RFC 7296 §3.10.1; IANA "IPCOMP Transform IDs").  A guint16 in the
 * structs below, 0 = no compression. */
#define KERNEL_IPCOMP_NONE 0
#define KERNEL_IPCOMP_DEFLATE 2 /* RFC 2394 */
#define KERNEL_IPCOMP_LZS 3     /* RFC 2395 */
#define KERNEL_IPCOMP_LZJH 4    /* RFC 3051 */

typedef enum {
	KERNEL_MODE_TUNNEL,
	KERNEL_MODE_TRANSPORT,
} KernelMode;

typedef enum {
	KERNEL_DIR_IN,
	KERNEL_DIR_OUT,
	KERNEL_DIR_FWD, /* policies only */
} KernelDir;

typedef enum {
	KERNEL_POLICY_IPSEC,  /* protect with the template's SA (or ACQUIRE if trap) */
	KERNEL_POLICY_PASS,   /* bypass IPsec */
	KERNEL_POLICY_DROP,   /* shunt: drop silently */
	KERNEL_POLICY_REJECT, /* shunt: drop and tell the sender (ICMP) */
} KernelPolicyAction;

/* Lifetime limits, 0 = unlimited.  *_seconds count from the SA's install
 * (add) or first use (use), as xfrm's add_expires/use_expires. */
typedef struct {
	guint64 bytes;
	guint64 packets;
	guint64 add_seconds;
	guint64 use_seconds;
} KernelLifetime;

/* ---- SAs -------------------------------------------------------------- */

/* Identifies one installed SA (xfrm's usersa_id + mark). */
typedef struct {
	KernelAddr src; /* may be unset for lookups; xfrm keys on dst/spi/proto */
	KernelAddr dst;
	guint32 spi; /* host byte order */
	KernelProto proto;
	KernelMark mark;
} KernelSaId;

typedef struct {
	KernelAddr src; /* outer addresses: tunnel endpoints or hosts */
	KernelAddr dst;
	guint32 spi; /* host byte order */
	KernelProto proto;
	KernelMode mode;
	KernelDir dir; /* KERNEL_DIR_IN or KERNEL_DIR_OUT */
	guint32 reqid;
	KernelMark mark;
	guint32 if_id; /* xfrm interface id, 0 = none */

	/* Encryption (or AEAD) transform and its keying material, borrowed.
	 * For AEAD algorithms encr_key is key || salt
	 * (crypto_encr_alg_keymat_len() octets). */
	const CryptoEncrAlg *encr;
	const guint8 *encr_key;
	gsize encr_key_len;
	/* Integrity transform; NULL for AEAD. */
	const CryptoIntegAlg *integ;
	const guint8 *integ_key;
	gsize integ_key_len;

	gboolean esn;          /* 64-bit extended sequence numbers (RFC 4303 §2.2.1) */
	guint32 replay_window; /* packets; 0 disables anti-replay (inbound) */

	/* UDP encapsulation (RFC 3948): ports in host byte order; encap FALSE
	 * means raw ESP (IP protocol 50). */
	gboolean encap;
	guint16 encap_sport;
	guint16 encap_dport;

	KernelLifetime soft;
	KernelLifetime hard;

	/* IPCOMP (RFC 3173): the Child SA's compression transform
	 * (KERNEL_IPCOMP_*), 0 = none.  For proto COMP it picks the algorithm;
	 * spi is the CPI (0x100..0xFFFF, RFC 3173 §3.3), encr/integ must be
	 * NULL, and encap, esn and replay_window do not apply (ignored).  On the
	 * ESP/AH SA of the same Child SA (same reqid) it says the two are
	 * stacked: xfrm then runs ESP in transport mode inside the IPCOMP SA,
	 * which carries @mode and the outer addresses. */
	guint16 ipcomp;

	/* The Child SA's traffic selectors, borrowed: local = this host's side.
	 * Inbound packets must match (inner src in remote, inner dst in local);
	 * outbound packets are matched against them by the policy. */
	const KernelTs *ts_local;
	gsize n_ts_local;
	const KernelTs *ts_remote;
	gsize n_ts_remote;
} KernelSa;

/* Counters of an installed SA (xfrm_lifetime_cur plus drops). */
typedef struct {
	guint64 bytes;   /* payload octets protected/accepted */
	guint64 packets; /* packets protected/accepted */
	gint64 add_time; /* wall clock seconds since the epoch when installed */
	gint64 use_time; /* wall clock seconds of the last packet; 0 = never */
	guint64 drops;   /* packets dropped for this SA (all reasons); 0 if unknown */
} KernelSaStats;

/* ---- policies --------------------------------------------------------- */

typedef struct {
	KernelTs src; /* packet source selector */
	KernelTs dst; /* packet destination selector */
	KernelDir dir;
	KernelPolicyAction action;
	guint32 priority; /* lower is preferred, as xfrm */
	guint32 reqid;
	KernelMark mark;
	guint32 if_id;
	/* For action IPSEC: trap policies have no SA yet; a matching packet
	 * raises KERNEL_EVENT_ACQUIRE (once per selector until an SA exists). */
	gboolean trap;
	/* Template (action IPSEC): the SA that protects matching packets. */
	KernelProto proto;
	KernelMode mode;
	KernelAddr tmpl_src; /* tunnel mode: outer addresses */
	KernelAddr tmpl_dst;
	guint32 spi; /* 0 = any SA with this reqid */
	/* The Child SA compresses (KERNEL_IPCOMP_*, 0 = no): an IPCOMP template
	 * with the same reqid comes first and carries @mode and the outer
	 * addresses; @proto's template follows in transport mode.  Inbound
	 * (in/fwd) the IPCOMP template is optional: RFC 3173 §2.2 lets the
	 * sender skip compression for packets that would not shrink. */
	guint16 ipcomp;
} KernelPolicy;

/* ---- capabilities ----------------------------------------------------- */

#define KERNEL_CAPS_MAX_ALGS 16

typedef struct {
	gboolean esp;
	gboolean ah;
	gboolean tunnel_mode;
	gboolean transport_mode;
	gboolean udp_encap;
	gboolean esn;
	gboolean policies;                      /* route/trap-based policy lookup is available */
	gboolean ipcomp;                        /* IPCOMP SAs with DEFLATE (KERNEL_PROTO_COMP) */
	gboolean interfaces;                    /* add_interface works (xfrm: XFRM interfaces) */
	guint16 encr_ids[KERNEL_CAPS_MAX_ALGS]; /* IANA ENCR ids usable for ESP */
	gsize n_encr;
	guint16 integ_ids[KERNEL_CAPS_MAX_ALGS]; /* IANA INTEG ids usable for ESP/AH */
	gsize n_integ;
	/* Owned one-line summary for logs and status, e.g. "xfrm: no ESP in
	 * this kernel (esp4 not loaded?)". */
	char *message;
} KernelCaps;

/* Frees @caps->message and zeroes @caps. */
void kernel_caps_clear(KernelCaps *caps);
gboolean kernel_caps_has_encr(const KernelCaps *caps, guint16 id);
gboolean kernel_caps_has_integ(const KernelCaps *caps, guint16 id);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(KernelCaps, kernel_caps_clear)

/* ---- events ----------------------------------------------------------- */

typedef enum {
	KERNEL_EVENT_ACQUIRE, /* a trap policy matched a packet with no SA */
	KERNEL_EVENT_EXPIRE,  /* an SA hit its soft or hard lifetime */
	KERNEL_EVENT_MAPPING, /* NAT-T: the peer's encapsulation address/port changed */
} KernelEventType;

typedef struct {
	KernelEventType type;
	guint32 reqid;
	/* ACQUIRE: the packet's addresses as single-address selectors, and the
	 * trap policy's own selectors. */
	KernelTs pkt_src;
	KernelTs pkt_dst;
	KernelTs policy_src;
	KernelTs policy_dst;
	/* EXPIRE / MAPPING: the SA. */
	KernelSaId sa;
	gboolean hard; /* EXPIRE: hard (SA is gone) vs soft (rekey now) */
	/* MAPPING: the new remote address and port (host byte order). */
	KernelAddr new_addr;
	guint16 new_port;
} KernelEvent;

/* Called on the registered GMainContext; @event is borrowed for the call. */
typedef void (*KernelEventFunc)(const KernelEvent *event, gpointer user_data);

/* ---- configuration ---------------------------------------------------- */

typedef struct {
	/* userspace: TUN device name; "%d" lets the kernel number it
	 * (default "ikebus%d": ikebus0 unless that is taken). */
	const char *tun_name;
	/* userspace: routing table for the routes into the TUN (default 220,
	 * with a rule "lookup <table>" at priority 220); 0 = main table. */
	guint32 route_table;
	/* userspace: local UDP port ESP-in-UDP is sent from / received on
	 * (default 4500). */
	guint16 encap_port;
	/* userspace: a UDP socket owned by the IKE code, used to send ESP-in-UDP
	 * (borrowed; -1 = the backend opens its own socket bound to encap_port
	 * with SO_REUSEPORT and reads it itself: "standalone" mode).  When a
	 * socket is handed in, the IKE code passes ESP packets to
	 * kernel_backend_esp_input(). */
	int encap_fd;
	int encap_fd6;
	/* userspace: data-path threads (default 1). */
	guint n_threads;
	/* userspace: do not add routes/rules (tests that route themselves). */
	gboolean no_routes;
	/* xfrm: keep installed SAs and policies when the backend is freed
	 * (--leave-state); stale state is still removed at the next start. */
	gboolean leave_state;
} KernelConfig;

/* Defaults for every field (encap_fd = -1). */
void kernel_config_init(KernelConfig *cfg);

/* ---- the ops table ---------------------------------------------------- */

typedef struct KernelBackend KernelBackend;

typedef struct {
	const char *name; /* "xfrm", "userspace", "mock" */
	/* What this backend can do here.  FALSE only when it cannot work at all;
	 * a kernel without ESP is TRUE with caps->esp = FALSE and a message. */
	gboolean (*probe)(KernelBackend *kb, KernelCaps *caps, GError **error);
	/* Allocates an unused inbound SPI for @dst (never 0..0xFFF: 1..0xFF are
	 * IANA-reserved and pluto keeps 0x100..0xFFF for manual keying). */
	gboolean (*get_spi)(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst,
	                    KernelProto proto, guint32 reqid, guint32 *spi_out, GError **error);
	gboolean (*add_sa)(KernelBackend *kb, const KernelSa *sa, GError **error);
	/* Replaces the SA with the same (dst, spi, proto, mark): fills in an SPI
	 * from get_spi, or moves it to new addresses/ports (MOBIKE, NAT-T). */
	gboolean (*update_sa)(KernelBackend *kb, const KernelSa *sa, GError **error);
	gboolean (*del_sa)(KernelBackend *kb, const KernelSaId *id, GError **error);
	gboolean (*query_sa)(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats,
	                     GError **error);
	/* Policies are keyed by (src, dst, dir, mark, if_id). */
	gboolean (*add_policy)(KernelBackend *kb, const KernelPolicy *policy, GError **error);
	gboolean (*del_policy)(KernelBackend *kb, const KernelPolicy *policy, GError **error);
	/* Last time a packet used the policy (wall clock seconds, 0 = never). */
	gboolean (*query_policy)(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time,
	                         GError **error);
	/* Removes every SA, policy, route, rule and interface this backend
	 * installed. */
	gboolean (*flush_own)(KernelBackend *kb, GError **error);
	/* userspace only: an ESP packet (UDP payload after the port-4500 demux:
	 * starts with the SPI, no non-ESP marker) that arrived from @from:@port
	 * on the IKE socket.  Bad packets are counted and dropped: FALSE with
	 * an error says why, for debug logs only. */
	gboolean (*esp_input)(KernelBackend *kb, const guint8 *packet, gsize len,
	                      const KernelAddr *from, guint16 from_port, GError **error);
	/* Stops threads, flushes own state (best effort) and frees. */
	void (*free)(KernelBackend *kb);

	/* Route-based IPsec (--interface-ip): a network interface @name
	 * ("ipsec" + a number) that carries the traffic of SAs and policies
	 * with if_id @if_id, bound to the device @link_ifindex for its outer
	 * packets (0 = any).  Created up; removed by del_interface, flush_own
	 * and at shutdown.  KERNEL_ERROR_NOT_SUPPORTED when the kernel lacks
	 * it (xfrm: CONFIG_XFRM_INTERFACE), _EXISTS if @name is taken. */
	gboolean (*add_interface)(KernelBackend *kb, const char *name, guint32 if_id,
	                          guint32 link_ifindex, GError **error);
	/* Removes an interface add_interface made (_NOT_FOUND for others). */
	gboolean (*del_interface)(KernelBackend *kb, const char *name, GError **error);
	/* Adds @addr/@prefix_len to an interface add_interface made; it goes
	 * away with the interface. */
	gboolean (*add_interface_addr)(KernelBackend *kb, const char *name, const KernelAddr *addr,
	                               guint prefix_len, GError **error);
} KernelOps;

/* Every backend embeds this as its first member. */
struct KernelBackend {
	const KernelOps *ops;
	KernelEventFunc event_func;
	gpointer event_data;
	GMainContext *event_context; /* owned ref */
};

/* Owned backend by name: "xfrm" or "userspace" ("mock" is mock_kernel_new()).
 * @cfg may be NULL for defaults.  KERNEL_ERROR_NOT_SUPPORTED for an unknown
 * name or a backend this build lacks. */
KernelBackend *kernel_backend_new(const char *name, const KernelConfig *cfg, GError **error);
/* The constructors behind it. */
KernelBackend *kernel_xfrm_new(const KernelConfig *cfg, GError **error);
KernelBackend *kernel_uesp_new(const KernelConfig *cfg, GError **error);
/* NULL-safe. */
void kernel_backend_free(KernelBackend *kb);
const char *kernel_backend_get_name(const KernelBackend *kb);

/* Registers the engine's event handler; events are delivered on the
 * thread-default main context of the caller.  @func NULL unregisters. */
void kernel_backend_set_event_func(KernelBackend *kb, KernelEventFunc func, gpointer user_data);
/* For backends: delivers a copy of @event on the registered context
 * (an idle source attached to it); callable from any thread; no-op without a handler. */
void kernel_backend_post_event(KernelBackend *kb, const KernelEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(KernelBackend, kernel_backend_free)

/* ---- NULL-safe dispatch ----------------------------------------------- */

gboolean kernel_backend_not_supported(const KernelBackend *kb, const char *op, GError **error);

#define KERNEL_DISPATCH(kb, op, ...)                                                               \
	(((kb) != NULL && (kb)->ops->op != NULL) ? (kb)->ops->op((kb), __VA_ARGS__)                \
	                                         : kernel_backend_not_supported((kb), #op, error))

static inline gboolean
kernel_backend_probe(KernelBackend *kb, KernelCaps *caps, GError **error)
{
	return KERNEL_DISPATCH(kb, probe, caps, error);
}
static inline gboolean
kernel_backend_get_spi(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst,
                       KernelProto proto, guint32 reqid, guint32 *spi_out, GError **error)
{
	return KERNEL_DISPATCH(kb, get_spi, src, dst, proto, reqid, spi_out, error);
}
static inline gboolean
kernel_backend_add_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	return KERNEL_DISPATCH(kb, add_sa, sa, error);
}
static inline gboolean
kernel_backend_update_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	return KERNEL_DISPATCH(kb, update_sa, sa, error);
}
static inline gboolean
kernel_backend_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error)
{
	return KERNEL_DISPATCH(kb, del_sa, id, error);
}
static inline gboolean
kernel_backend_query_sa(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats,
                        GError **error)
{
	return KERNEL_DISPATCH(kb, query_sa, id, stats, error);
}
static inline gboolean
kernel_backend_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	return KERNEL_DISPATCH(kb, add_policy, policy, error);
}
static inline gboolean
kernel_backend_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	return KERNEL_DISPATCH(kb, del_policy, policy, error);
}
static inline gboolean
kernel_backend_query_policy(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time,
                            GError **error)
{
	return KERNEL_DISPATCH(kb, query_policy, policy, use_time, error);
}
static inline gboolean
kernel_backend_flush_own(KernelBackend *kb, GError **error)
{
	return KERNEL_DISPATCH(kb, flush_own, error);
}
static inline gboolean
kernel_backend_esp_input(KernelBackend *kb, const guint8 *packet, gsize len, const KernelAddr *from,
                         guint16 from_port, GError **error)
{
	return KERNEL_DISPATCH(kb, esp_input, packet, len, from, from_port, error);
}

static inline gboolean
kernel_backend_add_interface(KernelBackend *kb, const char *name, guint32 if_id,
                             guint32 link_ifindex, GError **error)
{
	return KERNEL_DISPATCH(kb, add_interface, name, if_id, link_ifindex, error);
}
static inline gboolean
kernel_backend_del_interface(KernelBackend *kb, const char *name, GError **error)
{
	return KERNEL_DISPATCH(kb, del_interface, name, error);
}
static inline gboolean
kernel_backend_add_interface_addr(KernelBackend *kb, const char *name, const KernelAddr *addr,
                                  guint prefix_len, GError **error)
{
	return KERNEL_DISPATCH(kb, add_interface_addr, name, addr, prefix_len, error);
}

/* ---- helpers (kernel.c) ----------------------------------------------- */

/* Parses "192.0.2.1" or "2001:db8::1"; FALSE if neither. */
gboolean kernel_addr_parse(const char *text, KernelAddr *out);
/* "192.0.2.1" into @buf (at least 46 octets); returns @buf. */
const char *kernel_addr_to_string(const KernelAddr *addr, char *buf, gsize buf_len);
gboolean kernel_addr_equal(const KernelAddr *a, const KernelAddr *b);
/* Address length in octets for the family (4, 16, or 0 if unset). */
gsize kernel_addr_len(const KernelAddr *addr);
/* A selector covering exactly @addr/@prefix_len (all ports, @proto). */
void kernel_ts_from_prefix(KernelTs *ts, const KernelAddr *addr, guint prefix_len, guint8 proto);
/* TRUE and the prefix if @ts's address range is exactly one CIDR block
 * (xfrm selectors cannot express other ranges; split them first). */
gboolean kernel_ts_to_prefix(const KernelTs *ts, KernelAddr *addr, guint *prefix_len);
/* TRUE if @addr lies in @ts's address range (the same family). */
gboolean kernel_ts_contains_addr(const KernelTs *ts, const KernelAddr *addr);
/* TRUE if a packet with (@addr, @proto, @port) matches @ts; @port is the
 * transport port (or ICMP type<<8|code), ignored when @ts covers all ports. */
gboolean kernel_ts_match(const KernelTs *ts, const KernelAddr *addr, guint8 proto, guint16 port);
/* "192.0.2.0/24[17/500]" style text; owned. */
char *kernel_ts_to_string(const KernelTs *ts);

/* Owned deep copies: keys into wiping memory, selectors duplicated. */
KernelSa *kernel_sa_dup(const KernelSa *sa);
void kernel_sa_free(KernelSa *sa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KernelSa, kernel_sa_free)
KernelPolicy *kernel_policy_dup(const KernelPolicy *policy);
void kernel_policy_free(KernelPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KernelPolicy, kernel_policy_free)
/* The SA's identity. */
void kernel_sa_get_id(const KernelSa *sa, KernelSaId *id);

/* Names from one table (STYLE.md habit 6). */
const char *kernel_proto_name(KernelProto proto);
/* "deflate", "lzs", "lzjh" (also the Linux crypto/xfrm names); NULL for
 * none or an unknown id. */
const char *kernel_ipcomp_name(guint16 transform);
const char *kernel_mode_name(KernelMode mode);
const char *kernel_dir_name(KernelDir dir);
const char *kernel_policy_action_name(KernelPolicyAction action);
const char *kernel_event_type_name(KernelEventType type);

G_END_DECLS
