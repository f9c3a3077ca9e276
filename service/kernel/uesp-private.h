/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend, internal: the backend struct and what its files
 * share.  Not for use outside service/kernel/uesp*.c; the public surface is
 * kernel.h (kernel_uesp_new) and uesp.h.
 *
 *   uesp.c           KernelOps table, SA and policy tables, lifetimes,
 *                    construction
 *   uesp-outbound.c  TUN -> ESP: policy/SA lookup, ACQUIRE, encrypt, send
 *   uesp-inbound.c   ESP -> TUN: SPI lookup, decrypt, selector check, NAT-T
 *                    mapping, write to the TUN device
 *   uesp-datapath.c  the fds (TUN, ESP sockets, eventfd) and the data-path
 *                    thread(s) polling them
 *   uesp-route.c     routes and rules into the TUN device (rtnetlink)
 *
 * Locking: the tables in Uesp are changed by the main thread under the write
 * lock; a packet is processed under the read lock ("_locked" functions).
 */
#pragma once

#include <glib.h>
#include <pthread.h>
#include <sys/socket.h>

#include "esp-packet.h"
#include "kernel.h"
#include "tun.h"
#include "uesp-io.h"
#include "uesp.h"

G_BEGIN_DECLS

/* Outbound (TUN) and inbound (sockets) get a thread each at most. */
#define UESP_MAX_THREADS 2

/* Index key of an outbound SA: (reqid, destination), as xfrm matches a
 * policy's template to an SA. */
typedef struct {
	guint32 reqid;
	KernelAddr dst;
} UespPeerKey;

typedef struct {
	KernelSa *cfg; /* owned copy: addresses, ports, selectors, lifetimes, keys */
	EspSa *esp;
	/* outbound only: place in Uesp.out_sas, order of addition (kept by a
	 * move), key in Uesp.out_by_peer */
	GList *out_link;
	guint64 seq;
	UespPeerKey peer_key;
	gint64 add_time; /* wall clock seconds */
	gint soft_fired; /* atomic */
	gint hard_fired; /* atomic; set = the SA carries no more traffic */
	GMutex mapping_lock;
	KernelAddr peer_addr; /* NAT-T: last authenticated source (under mapping_lock) */
	guint16 peer_port;
} UespSa;

typedef struct {
	KernelPolicy p;
	gint64 acquire_time; /* atomic: last ACQUIRE raised */
	gint64 use_time;     /* atomic */
	guint64 seq;         /* order of addition: ties of priority go to the older */
	gboolean host_dst;   /* OUT with a one-address destination selector:
	                      * in Uesp.out_pol_host under that address */
} UespPolicy;

typedef struct {
	KernelAddr dst;
	guint plen;
	guint refs;
} UespRoute;

typedef struct UespWorker UespWorker;

typedef struct {
	KernelBackend parent;

	/* fixed after construction */
	gboolean detached;
	UespOutputFunc output;
	gpointer output_data;
	guint32 table;
	gboolean no_routes;
	char tun_name[16];
	int tun_fd;
	int ifindex;
	int udp4, udp6;   /* receive + send ESP-in-UDP (own or borrowed) */
	gboolean own_udp; /* the udp fds are ours to close and poll */
	int raw4, raw6;   /* raw ESP; -1 if unavailable */
	int wake_fd;
	GThread *threads[UESP_MAX_THREADS];
	UespWorker *workers[UESP_MAX_THREADS];
	gint stop; /* atomic */

	/* main thread only */
	TunNetlink nl;
	GPtrArray *routes; /* UespRoute */
	gboolean rule[2];  /* [0] IPv4, [1] IPv6 */

	/* The tables below.  Writer-preferring, so a busy data path (read lock
	 * held per batch, never across a poll) cannot starve SA changes. */
	pthread_rwlock_t lock;
	GHashTable *in_sas;  /* spi -> UespSa (owned) */
	GQueue out_sas;      /* UespSa (owned), oldest first */
	GHashTable *out_by_spi;  /* spi -> GPtrArray of UespSa (outbound) */
	GHashTable *out_by_peer; /* UespPeerKey* (in the SA) -> GPtrArray of UespSa */
	guint64 out_seq;
	/* Policies: every one by its identity (KernelPolicy fields that
	 * policy_index compares), owned; the OUT ones also by destination for
	 * the per-packet lookup: one-address destinations in out_pol_host
	 * (KernelAddr* in the policy -> GPtrArray), the rest in out_pol_other;
	 * both lists by (priority, seq). */
	GHashTable *policies;    /* UespPolicy* -> itself */
	GHashTable *out_pol_host;
	GPtrArray *out_pol_other;
	guint64 policy_seq;
	GHashTable *larval;  /* spis handed out by get_spi */

	EspCounters global;
	gint64 last_idle_sweep; /* the ticking data-path thread only */
} Uesp;

static inline void
uesp_rdlock(Uesp *u)
{
	pthread_rwlock_rdlock(&u->lock);
}

static inline void
uesp_wrlock(Uesp *u)
{
	pthread_rwlock_wrlock(&u->lock);
}

static inline void
uesp_unlock(Uesp *u)
{
	pthread_rwlock_unlock(&u->lock);
}

static inline Uesp *
uesp_from(KernelBackend *kb)
{
	return (Uesp *) kb;
}

static inline gint64
uesp_now_seconds(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- uesp.c: counters and lifetimes ----------------------------------- */

/* Counts a dropped packet globally and on @usa (may be NULL). */
void uesp_count_drop(Uesp *u, UespSa *usa, EspDrop reason);
/* Posts EXPIRE(soft or hard) for @usa to the main context. */
void uesp_post_expire(Uesp *u, UespSa *usa, gboolean hard);
/* Fires the soft/hard lifetime of @usa once each when reached. */
void uesp_check_lifetimes(Uesp *u, UespSa *usa, gint64 now);

/* ---- uesp.c: indexes -------------------------------------------------- */

guint uesp_addr_hash(const KernelAddr *a);
/* Under the read lock: the outbound SAs with this (reqid, dst), or NULL. */
GPtrArray *uesp_out_sas_of_peer(Uesp *u, guint32 reqid, const KernelAddr *dst);
/* TRUE when @a comes before @b in the policy order (priority, then age). */
gboolean uesp_policy_before(const UespPolicy *a, const UespPolicy *b);

/* ---- uesp-outbound.c -------------------------------------------------- */

/* Under the read lock: one IP packet read from the TUN device.  With @tx
 * the ESP packet is queued in the batch (flush with uesp_outbound_done
 * before dropping the lock); without, it is sent at once. */
EspDrop uesp_tun_input_locked(Uesp *u, const guint8 *pkt, gsize len, UespTx *tx);
/* UespTxDone for batches filled by uesp_tun_input_locked(); @user_data is
 * the Uesp. */
void uesp_outbound_done(gpointer cookie, gsize inner_len, gboolean sent, gpointer user_data);

/* ---- uesp-inbound.c --------------------------------------------------- */

/* Under the read lock: one ESP packet from @from/@from_port (port 0: raw
 * ESP); @scratch holds 40 + @len octets. */
EspDrop uesp_net_input_locked(Uesp *u, const guint8 *pkt, gsize len, const KernelAddr *from,
                              guint16 from_port, guint8 *scratch);

/* ---- uesp-datapath.c -------------------------------------------------- */

socklen_t uesp_to_sockaddr(const KernelAddr *addr, guint16 port, struct sockaddr_storage *ss);
/* Opens the TUN device, the route netlink socket (unless no_routes), the
 * ESP sockets (or borrows cfg's encap fds) and the wake eventfd. */
gboolean uesp_datapath_open(Uesp *u, const KernelConfig *cfg, GError **error);
/* Starts one data-path thread, or two (outbound, inbound) when
 * @n_threads >= 2. */
void uesp_datapath_start(Uesp *u, guint n_threads);
/* Stops and joins the threads and frees their workers; the fds stay open. */
void uesp_datapath_stop(Uesp *u);

/* ---- uesp-route.c (main thread) --------------------------------------- */

/* Routes (and the bypass rule) into the TUN device for an outbound SA's or
 * policy's remote selectors, reference-counted per prefix. */
void uesp_sa_routes(Uesp *u, const KernelSa *sa, gboolean add);
void uesp_policy_routes(Uesp *u, const KernelPolicy *p, gboolean add);
void uesp_routes_flush(Uesp *u);

G_END_DECLS
