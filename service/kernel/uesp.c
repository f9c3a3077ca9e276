/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend: SA and policy tables, the data-path thread, and the
 * KernelOps table.  Packet formats live in esp-packet.c, the TUN device and
 * routes in tun.c.
 */
#include "uesp.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tun.h"
#include "uesp-io.h"

/* TUN MTU: the largest inner packet whose ESP-in-UDP datagram still fits
 * a 1500-octet path over IPv4 with the AEADs (AES-GCM, ChaCha20-Poly1305):
 *   1500 - 20 (IPv4) - 8 (UDP) - 8 (SPI, seq) - 8 (IV) - 16 (ICV) = 1440
 * octets of padded payload; payload + 2 (pad length, next header) rounded
 * up to 4 must fit: 1438 + 2 = 1440.  AES-CBC (16-octet IV and blocks) and
 * IPv6 outer headers fit up to 1390-1422; their larger packets are
 * fragmented on the outside, which costs but still arrives. */
#define UESP_TUN_MTU 1438
/* Socket buffers for the ESP sockets: room for a few batches in flight. */
#define UESP_SOCKBUF (4 << 20)
/* Outbound (TUN) and inbound (sockets) get a thread each at most. */
#define UESP_MAX_THREADS 2
#define UESP_ACQUIRE_INTERVAL 5 /* seconds between ACQUIREs for one policy */
#define UESP_BUF (ESP_MAX_PACKET + ESP_MAX_OVERHEAD + 64)

typedef struct {
	KernelSa *cfg; /* owned copy: addresses, ports, selectors, lifetimes, keys */
	EspSa *esp;
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
} UespPolicy;

typedef struct {
	KernelAddr dst;
	guint plen;
	guint refs;
} UespRoute;

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
	struct UespWorker *workers[UESP_MAX_THREADS];
	gint stop; /* atomic */

	/* main thread only */
	TunNetlink nl;
	GPtrArray *routes; /* UespRoute */
	gboolean rule[2];  /* [0] IPv4, [1] IPv6 */

	/* The tables below.  Writer-preferring, so a busy data path (read lock
	 * held per batch, never across a poll) cannot starve SA changes. */
	pthread_rwlock_t lock;
	GHashTable *in_sas;  /* spi -> UespSa (owned) */
	GPtrArray *out_sas;  /* UespSa (owned), oldest first */
	GPtrArray *policies; /* UespPolicy (owned), by priority */
	GHashTable *larval;  /* spis handed out by get_spi */

	EspCounters global;
} Uesp;

static const KernelOps uesp_ops;

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

static Uesp *
uesp_from(KernelBackend *kb)
{
	return (Uesp *) kb;
}

static gint64
now_seconds(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static void
uesp_sa_free(gpointer data)
{
	UespSa *usa = data;

	esp_sa_free(usa->esp);
	kernel_sa_free(usa->cfg);
	g_mutex_clear(&usa->mapping_lock);
	g_free(usa);
}

static void
count_drop(Uesp *u, UespSa *usa, EspDrop reason)
{
	esp_counters_drop(&u->global, reason);
	if (usa != NULL)
		esp_counters_drop(&usa->esp->counters, reason);
	g_debug("uesp: dropped packet%s%08x: %s", usa != NULL ? " on SA " : " ",
	        usa != NULL ? usa->esp->spi : 0, esp_drop_name(reason));
}

/* ---- events and lifetimes --------------------------------------------- */

static void
post_expire(Uesp *u, UespSa *usa, gboolean hard)
{
	KernelEvent ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = KERNEL_EVENT_EXPIRE;
	ev.reqid = usa->cfg->reqid;
	kernel_sa_get_id(usa->cfg, &ev.sa);
	ev.hard = hard;
	g_info("uesp: SA %08x reached its %s lifetime", usa->esp->spi, hard ? "hard" : "soft");
	kernel_backend_post_event(&u->parent, &ev);
}

static gboolean
life_reached(const KernelLifetime *lt, const EspCounters *c, gint64 add_time, gint64 now)
{
	if (lt->bytes != 0 && c->bytes >= lt->bytes)
		return TRUE;
	if (lt->packets != 0 && c->packets >= lt->packets)
		return TRUE;
	if (lt->add_seconds != 0 && now - add_time >= (gint64) lt->add_seconds)
		return TRUE;
	if (lt->use_seconds != 0 && c->use_time != 0 &&
	    now - c->use_time >= (gint64) lt->use_seconds)
		return TRUE;
	return FALSE;
}

static void
check_lifetimes(Uesp *u, UespSa *usa, gint64 now)
{
	EspCounters c;

	esp_counters_read(&usa->esp->counters, &c);
	if (!g_atomic_int_get(&usa->hard_fired) &&
	    life_reached(&usa->cfg->hard, &c, usa->add_time, now) &&
	    g_atomic_int_compare_and_exchange(&usa->hard_fired, 0, 1)) {
		post_expire(u, usa, TRUE);
		return;
	}
	if (!g_atomic_int_get(&usa->soft_fired) &&
	    life_reached(&usa->cfg->soft, &c, usa->add_time, now) &&
	    g_atomic_int_compare_and_exchange(&usa->soft_fired, 0, 1))
		post_expire(u, usa, FALSE);
}

void
kernel_uesp_tick(KernelBackend *kb, gint64 now)
{
	Uesp *u = uesp_from(kb);
	GHashTableIter it;
	gpointer value;

	uesp_rdlock(u);
	g_hash_table_iter_init(&it, u->in_sas);
	while (g_hash_table_iter_next(&it, NULL, &value))
		check_lifetimes(u, value, now);
	for (guint i = 0; i < u->out_sas->len; i++)
		check_lifetimes(u, g_ptr_array_index(u->out_sas, i), now);
	uesp_unlock(u);
}

/* ---- output ----------------------------------------------------------- */

static socklen_t
to_sockaddr(const KernelAddr *addr, guint16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr->v4, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, addr->v6, 16);
	return sizeof(*sin6);
}

static int
net_fd(const Uesp *u, const KernelAddr *dst, guint16 port)
{
	if (port != 0)
		return dst->family == AF_INET ? u->udp4 : u->udp6;
	return dst->family == AF_INET ? u->raw4 : u->raw6;
}

static EspDrop
send_net(Uesp *u, const guint8 *pkt, gsize len, const KernelAddr *dst, guint16 port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (u->detached) {
		u->output(pkt, len, dst, port, u->output_data);
		return ESP_DROP_NONE;
	}
	fd = net_fd(u, dst, port);
	sl = to_sockaddr(dst, port, &ss);
	if (fd < 0 || sendto(fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *) &ss, sl) < 0)
		return ESP_DROP_IO;
	return ESP_DROP_NONE;
}

static EspDrop
send_tun(Uesp *u, const guint8 *pkt, gsize len)
{
	if (u->detached) {
		u->output(pkt, len, NULL, 0, u->output_data);
		return ESP_DROP_NONE;
	}
	if (write(u->tun_fd, pkt, len) != (ssize_t) len)
		return ESP_DROP_IO;
	return ESP_DROP_NONE;
}

/* ---- outbound --------------------------------------------------------- */

static UespSa *
out_sa_for_reqid(Uesp *u, guint32 reqid, guint32 spi)
{
	/* Newest first: after a rekey the new SA takes the traffic. */
	for (guint i = u->out_sas->len; i > 0; i--) {
		UespSa *usa = g_ptr_array_index(u->out_sas, i - 1);

		if (usa->cfg->reqid == reqid && (spi == 0 || usa->cfg->spi == spi) &&
		    !g_atomic_int_get(&usa->hard_fired))
			return usa;
	}
	return NULL;
}

static void
raise_acquire(Uesp *u, UespPolicy *up, const EspInner *in)
{
	gint64 now = now_seconds();
	gint64 last = __atomic_load_n(&up->acquire_time, __ATOMIC_RELAXED);
	KernelEvent ev;

	if (now - last < UESP_ACQUIRE_INTERVAL ||
	    !__atomic_compare_exchange_n(&up->acquire_time, &last, now, FALSE, __ATOMIC_RELAXED,
	                                 __ATOMIC_RELAXED))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = KERNEL_EVENT_ACQUIRE;
	ev.reqid = up->p.reqid;
	kernel_ts_from_prefix(&ev.pkt_src, &in->src, 128, in->proto);
	ev.pkt_src.from_port = ev.pkt_src.to_port = in->sport;
	kernel_ts_from_prefix(&ev.pkt_dst, &in->dst, 128, in->proto);
	ev.pkt_dst.from_port = ev.pkt_dst.to_port = in->dport;
	ev.policy_src = up->p.src;
	ev.policy_dst = up->p.dst;
	kernel_backend_post_event(&u->parent, &ev);
}

/* Under the read lock.  NULL with *reason set when the packet must drop. */
static UespSa *
outbound_lookup(Uesp *u, const EspInner *in, EspDrop *reason)
{
	for (guint i = 0; i < u->policies->len; i++) {
		UespPolicy *up = g_ptr_array_index(u->policies, i);
		UespSa *usa;

		if (up->p.dir != KERNEL_DIR_OUT ||
		    !esp_inner_match(in, &up->p.src, 1, &up->p.dst, 1))
			continue;
		__atomic_store_n(&up->use_time, now_seconds(), __ATOMIC_RELAXED);
		switch (up->p.action) {
		case KERNEL_POLICY_IPSEC:
			usa = out_sa_for_reqid(u, up->p.reqid, up->p.spi);
			if (usa != NULL)
				return usa;
			raise_acquire(u, up, in);
			*reason = ESP_DROP_NO_POLICY;
			return NULL;
		case KERNEL_POLICY_PASS:
		case KERNEL_POLICY_DROP:
		case KERNEL_POLICY_REJECT:
			/* A packet in the TUN cannot bypass any more. */
			*reason = ESP_DROP_POLICY_DROP;
			return NULL;
		}
	}
	for (guint i = u->out_sas->len; i > 0; i--) {
		UespSa *usa = g_ptr_array_index(u->out_sas, i - 1);

		if (!g_atomic_int_get(&usa->hard_fired) &&
		    esp_inner_match(in, usa->cfg->ts_local, usa->cfg->n_ts_local,
		                    usa->cfg->ts_remote, usa->cfg->n_ts_remote))
			return usa;
	}
	*reason = ESP_DROP_NO_POLICY;
	return NULL;
}

/* Completion of a batched send: count the packet where it ended. */
static void
tx_done(gpointer cookie, gsize inner_len, gboolean sent, gpointer user_data)
{
	Uesp *u = user_data;
	UespSa *usa = cookie;

	if (!sent) {
		count_drop(u, usa, ESP_DROP_IO);
		return;
	}
	esp_counters_ok(&usa->esp->counters, inner_len);
	check_lifetimes(u, usa, now_seconds());
}

/* Encrypts one packet for @usa.  Without @tx it is sent at once; with @tx
 * it is built in the batch arena and counted when the batch is flushed
 * (which the caller does before it drops the read lock). */
static EspDrop
outbound_sa(Uesp *u, UespSa *usa, const guint8 *pkt, gsize len, const EspInner *in, UespTx *tx)
{
	const guint8 *payload = pkt;
	gsize payload_len = len;
	guint8 nh = in->src.family == AF_INET ? 4 : 41;
	guint16 port = usa->cfg->encap ? usa->cfg->encap_dport : 0;
	gsize out_len = 0, need;
	guint8 *out;
	EspDrop r;

	if (usa->cfg->mode == KERNEL_MODE_TRANSPORT) {
		gsize hl = in->src.family == AF_INET ? (gsize) (pkt[0] & 0x0f) * 4 : 40;

		/* Transport mode carries the transport payload; IPv6 extension
		 * headers are not supported here. */
		if (in->src.family == AF_INET6 && pkt[6] != in->proto)
			return ESP_DROP_BAD_INNER;
		payload = pkt + hl;
		payload_len = in->total_len - hl;
		nh = in->proto;
	}
	need = esp_encap_len(usa->esp, payload_len);
	if (tx == NULL) {
		g_autofree guint8 *buf = g_malloc(need);

		r = esp_encap(usa->esp, nh, payload, payload_len, buf, need, &out_len);
		if (r == ESP_DROP_SEQ_OVERFLOW &&
		    g_atomic_int_compare_and_exchange(&usa->hard_fired, 0, 1))
			post_expire(u, usa, TRUE);
		if (r == ESP_DROP_NONE)
			r = send_net(u, buf, out_len, &usa->cfg->dst, port);
		if (r == ESP_DROP_NONE)
			tx_done(usa, len, TRUE, u);
		return r;
	}
	out = uesp_tx_reserve(tx, need);
	if (out == NULL) {
		uesp_tx_flush(tx, tx_done, u);
		out = uesp_tx_reserve(tx, need);
		if (out == NULL)
			return ESP_DROP_OVERSIZED;
	}
	r = esp_encap(usa->esp, nh, payload, payload_len, out, need, &out_len);
	if (r == ESP_DROP_SEQ_OVERFLOW && g_atomic_int_compare_and_exchange(&usa->hard_fired, 0, 1))
		post_expire(u, usa, TRUE);
	if (r != ESP_DROP_NONE)
		return r;
	int fd = net_fd(u, &usa->cfg->dst, port);
	if (fd < 0)
		return ESP_DROP_IO;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&usa->cfg->dst, port, &ss);
	uesp_tx_commit(tx, fd, (struct sockaddr *) &ss, sl, out_len, usa, len);
	return ESP_DROP_NONE;
}

/* Under the read lock. */
static EspDrop
tun_input_locked(Uesp *u, const guint8 *pkt, gsize len, UespTx *tx)
{
	EspInner in;
	EspDrop r = ESP_DROP_NONE;
	UespSa *usa;

	if (len > ESP_MAX_PACKET)
		r = ESP_DROP_OVERSIZED;
	else if (!esp_inner_parse(pkt, len, &in))
		r = ESP_DROP_BAD_INNER;
	if (r != ESP_DROP_NONE) {
		count_drop(u, NULL, r);
		return r;
	}
	usa = outbound_lookup(u, &in, &r);
	if (usa != NULL)
		r = outbound_sa(u, usa, pkt, in.total_len, &in, tx);
	if (r != ESP_DROP_NONE)
		count_drop(u, usa, r);
	return r;
}

EspDrop
kernel_uesp_tun_input(KernelBackend *kb, const guint8 *pkt, gsize len)
{
	Uesp *u = uesp_from(kb);
	EspDrop r;

	uesp_rdlock(u);
	r = tun_input_locked(u, pkt, len, NULL);
	uesp_unlock(u);
	return r;
}

/* ---- inbound ---------------------------------------------------------- */

static void
note_mapping(Uesp *u, UespSa *usa, const KernelAddr *from, guint16 port)
{
	gboolean changed;
	KernelEvent ev;

	if (!usa->cfg->encap || from == NULL || from->family == 0)
		return;
	g_mutex_lock(&usa->mapping_lock);
	changed = !kernel_addr_equal(from, &usa->peer_addr) || port != usa->peer_port;
	if (changed) {
		usa->peer_addr = *from;
		usa->peer_port = port;
	}
	g_mutex_unlock(&usa->mapping_lock);
	if (!changed)
		return;
	/* Like xfrm's XFRM_MSG_MAPPING: only authenticated packets count. */
	memset(&ev, 0, sizeof(ev));
	ev.type = KERNEL_EVENT_MAPPING;
	ev.reqid = usa->cfg->reqid;
	kernel_sa_get_id(usa->cfg, &ev.sa);
	ev.new_addr = *from;
	ev.new_port = port;
	kernel_backend_post_event(&u->parent, &ev);
}

static void
put_be16(guint8 *p, guint16 v)
{
	p[0] = (guint8) (v >> 8);
	p[1] = (guint8) v;
}

/* Transport mode: rebuild the IP header in front of @payload (which has
 * room for 40 octets before it); returns the packet start. */
static guint8 *
transport_header(const UespSa *usa, guint8 *payload, gsize len, guint8 nh, gsize *pkt_len)
{
	const KernelSa *c = usa->cfg;

	if (c->src.family == AF_INET) {
		guint8 *h = payload - 20;
		guint32 sum = 0;

		memset(h, 0, 20);
		h[0] = 0x45;
		put_be16(h + 2, (guint16) (len + 20));
		h[8] = 64;
		h[9] = nh;
		memcpy(h + 12, c->src.v4, 4);
		memcpy(h + 16, c->dst.v4, 4);
		for (guint i = 0; i < 20; i += 2)
			sum += (guint32) (h[i] << 8 | h[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put_be16(h + 10, (guint16) ~sum);
		*pkt_len = len + 20;
		return h;
	}
	guint8 *h = payload - 40;
	memset(h, 0, 40);
	h[0] = 0x60;
	put_be16(h + 4, (guint16) len);
	h[6] = nh;
	h[7] = 64;
	memcpy(h + 8, c->src.v6, 16);
	memcpy(h + 24, c->dst.v6, 16);
	*pkt_len = len + 40;
	return h;
}

/* @scratch holds 40 + @len octets: room to rebuild a transport-mode IP
 * header in front of the plaintext. */
static EspDrop
inbound_sa(Uesp *u, UespSa *usa, const guint8 *pkt, gsize len, const KernelAddr *from,
           guint16 from_port, guint8 *scratch)
{
	guint8 *plain = scratch + 40;
	guint8 *inner;
	gsize plain_len = 0, inner_len;
	guint8 nh = 0;
	EspInner in;
	EspDrop r;

	if (g_atomic_int_get(&usa->hard_fired))
		return ESP_DROP_EXPIRED;
	r = esp_decap(usa->esp, pkt, len, plain, len, &plain_len, &nh, NULL);
	if (r != ESP_DROP_NONE)
		return r;
	if (usa->cfg->mode == KERNEL_MODE_TUNNEL) {
		if ((nh != 4 && nh != 41) || !esp_inner_parse(plain, plain_len, &in) ||
		    (nh == 4) != (in.src.family == AF_INET))
			return ESP_DROP_BAD_INNER;
		inner = plain;
		inner_len = in.total_len; /* drops TFC padding (§2.7) */
	} else {
		inner = transport_header(usa, plain, plain_len, nh, &inner_len);
		if (!esp_inner_parse(inner, inner_len, &in))
			return ESP_DROP_BAD_INNER;
	}
	/* RFC 4301 §5.2 step 4: the inner packet must match the SA's selectors
	 * (source on the peer's side, destination on ours). */
	if (!esp_inner_match(&in, usa->cfg->ts_remote, usa->cfg->n_ts_remote, usa->cfg->ts_local,
	                     usa->cfg->n_ts_local))
		return ESP_DROP_SELECTOR;
	note_mapping(u, usa, from, from_port);
	r = send_tun(u, inner, inner_len);
	if (r != ESP_DROP_NONE)
		return r;
	esp_counters_ok(&usa->esp->counters, inner_len);
	check_lifetimes(u, usa, now_seconds());
	return ESP_DROP_NONE;
}

static guint32
get_be32(const guint8 *p)
{
	return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Under the read lock; @scratch holds 40 + @len octets (inbound_sa()). */
static EspDrop
net_input_locked(Uesp *u, const guint8 *pkt, gsize len, const KernelAddr *from, guint16 from_port,
                 guint8 *scratch)
{
	UespSa *usa;
	EspDrop r;
	guint32 spi;

	/* RFC 3948 §2.2: a lone 0xFF is a NAT-keepalive; §2.1/2.2: four zero
	 * octets mark a non-ESP (IKE) packet. */
	if (len == 1 && pkt[0] == 0xff)
		r = ESP_DROP_NON_ESP;
	else if (len < 8)
		r = ESP_DROP_TRUNCATED;
	else if (len > ESP_MAX_PACKET)
		r = ESP_DROP_OVERSIZED;
	else if ((spi = get_be32(pkt)) == 0)
		r = ESP_DROP_NON_ESP;
	else
		r = ESP_DROP_NONE;
	if (r != ESP_DROP_NONE) {
		count_drop(u, NULL, r);
		return r;
	}
	usa = g_hash_table_lookup(u->in_sas, GUINT_TO_POINTER(spi));
	r = usa != NULL ? inbound_sa(u, usa, pkt, len, from, from_port, scratch)
	                : ESP_DROP_UNKNOWN_SPI;
	if (r != ESP_DROP_NONE)
		count_drop(u, usa, r);
	return r;
}

EspDrop
kernel_uesp_net_input(KernelBackend *kb, const guint8 *pkt, gsize len, const KernelAddr *from,
                      guint16 from_port)
{
	Uesp *u = uesp_from(kb);
	g_autofree guint8 *scratch = g_malloc(40 + MAX(len, 1));
	EspDrop r;

	uesp_rdlock(u);
	r = net_input_locked(u, pkt, len, from, from_port, scratch);
	uesp_unlock(u);
	return r;
}

static gboolean
uesp_esp_input(KernelBackend *kb, const guint8 *packet, gsize len, const KernelAddr *from,
               guint16 from_port, GError **error)
{
	EspDrop r = kernel_uesp_net_input(kb, packet, len, from, from_port);

	if (r == ESP_DROP_NONE)
		return TRUE;
	g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED, "ESP packet dropped: %s",
	            esp_drop_name(r));
	return FALSE;
}

/* ---- data-path thread ------------------------------------------------- */

static void
from_sockaddr(const struct sockaddr_storage *ss, KernelAddr *addr, guint16 *port)
{
	memset(addr, 0, sizeof(*addr));
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;
		addr->family = AF_INET;
		memcpy(addr->v4, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;
		addr->family = AF_INET6;
		memcpy(addr->v6, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}

/* What one data-path thread owns: its share of the fds and its buffers. */
typedef struct UespWorker {
	Uesp *u;
	gboolean tun;  /* reads the TUN device (outbound) */
	gboolean net;  /* reads the ESP sockets (inbound) */
	gboolean tick; /* runs the lifetime checks */
	UespTx *tx;
	UespRx *rx;
	guint8 *buf;     /* one TUN read */
	guint8 *scratch; /* 40 + UESP_BUF: decrypted payload */
	gboolean is_udp;
	gboolean raw4;
} UespWorker;

static void
rx_packet(guint8 *data, gsize len, const struct sockaddr_storage *ss, gpointer user_data)
{
	UespWorker *w = user_data;
	KernelAddr from;
	guint16 port;
	gsize off = 0;

	from_sockaddr(ss, &from, &port);
	/* Raw IPv4 sockets deliver the IP header too. */
	if (w->raw4) {
		if (len < 20 || (gsize) (data[0] & 0x0f) * 4 > len)
			return;
		off = (gsize) (data[0] & 0x0f) * 4;
	}
	if (!w->is_udp)
		port = 0;
	net_input_locked(w->u, data + off, len - off, &from, port, w->scratch);
}

/* Up to a few recvmmsg() batches from one socket, under one read lock. */
static void
drain_socket(UespWorker *w, int fd, gboolean is_udp, gboolean raw4)
{
	w->is_udp = is_udp;
	w->raw4 = raw4;
	uesp_rdlock(w->u);
	for (int n = 0; n < 4; n++)
		if (uesp_rx_drain(w->rx, fd, rx_packet, w) <= 0)
			break;
	uesp_unlock(w->u);
}

/* Up to one batch from the TUN device: each packet is encrypted straight
 * into the send batch, which goes out with one sendmmsg() (UDP GSO runs
 * where possible) before the read lock is dropped. */
static void
drain_tun(UespWorker *w)
{
	Uesp *u = w->u;

	uesp_rdlock(u);
	for (int n = 0; n < UESP_IO_BATCH; n++) {
		ssize_t got = read(u->tun_fd, w->buf, UESP_BUF);

		if (got <= 0)
			break;
		tun_input_locked(u, w->buf, (gsize) got, w->tx);
	}
	uesp_tx_flush(w->tx, tx_done, u);
	uesp_unlock(u);
}

static gpointer
uesp_thread(gpointer data)
{
	UespWorker *w = data;
	Uesp *u = w->u;
	gint64 last_tick = 0;

	while (!g_atomic_int_get(&u->stop)) {
		struct pollfd p[6];
		int fds[6] = {u->wake_fd,
		              w->tun ? u->tun_fd : -1,
		              w->net && u->own_udp ? u->udp4 : -1,
		              w->net && u->own_udp ? u->udp6 : -1,
		              w->net ? u->raw4 : -1,
		              w->net ? u->raw6 : -1};
		gint64 now;

		for (int i = 0; i < 6; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (poll(p, 6, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN)
			drain_tun(w);
		if (p[2].revents & POLLIN)
			drain_socket(w, p[2].fd, TRUE, FALSE);
		if (p[3].revents & POLLIN)
			drain_socket(w, p[3].fd, TRUE, FALSE);
		if (p[4].revents & POLLIN)
			drain_socket(w, p[4].fd, FALSE, TRUE);
		if (p[5].revents & POLLIN)
			drain_socket(w, p[5].fd, FALSE, FALSE);
		if (!w->tick)
			continue;
		now = now_seconds();
		if (now != last_tick) {
			kernel_uesp_tick(&u->parent, now);
			last_tick = now;
		}
	}
	return NULL;
}

static UespWorker *
worker_new(Uesp *u, gboolean tun, gboolean net, gboolean tick)
{
	UespWorker *w = g_new0(UespWorker, 1);

	w->u = u;
	w->tun = tun;
	w->net = net;
	w->tick = tick;
	if (tun) {
		w->tx = uesp_tx_new(UESP_TUN_MTU + ESP_MAX_OVERHEAD);
		w->buf = g_malloc(UESP_BUF);
	}
	if (net) {
		w->rx = uesp_rx_new();
		w->scratch = g_malloc(40 + UESP_BUF);
	}
	return w;
}

static void
worker_free(UespWorker *w)
{
	if (w == NULL)
		return;
	uesp_tx_free(w->tx);
	uesp_rx_free(w->rx);
	g_free(w->buf);
	g_free(w->scratch);
	g_free(w);
}

/* ---- routes (main thread) --------------------------------------------- */

static void
route_ref(Uesp *u, const KernelTs *ts, const KernelTs *src_ts, gboolean add)
{
	KernelAddr net, src;
	guint plen, src_plen;
	g_autoptr(GError) error = NULL;
	guint fam;

	if (u->detached || u->no_routes || !kernel_ts_to_prefix(ts, &net, &plen))
		return;
	fam = net.family == AF_INET ? 0 : 1;
	for (guint i = 0; i < u->routes->len; i++) {
		UespRoute *r = g_ptr_array_index(u->routes, i);

		if (r->plen != plen || !kernel_addr_equal(&r->dst, &net))
			continue;
		if (add) {
			r->refs++;
		} else if (--r->refs == 0) {
			if (!tun_route(&u->nl, FALSE, u->ifindex, u->table, &net, plen, NULL,
			               &error))
				g_warning("uesp: %s", error->message);
			g_ptr_array_remove_index(u->routes, i);
		}
		return;
	}
	if (!add)
		return;
	if (u->table != 0 && u->table != 254 && !u->rule[fam]) {
		if (!tun_rule(&u->nl, TRUE, net.family, u->table, u->table, TUN_BYPASS_MARK,
		              &error)) {
			g_warning("uesp: %s", error->message);
			g_clear_error(&error);
		} else {
			u->rule[fam] = TRUE;
		}
	}
	/* The local selector as source hint when it is a single address, so
	 * locally generated traffic picks the address the peer expects. */
	gboolean hint = src_ts != NULL && kernel_ts_to_prefix(src_ts, &src, &src_plen) &&
	                src_plen == kernel_addr_len(&src) * 8;
	if (!tun_route(&u->nl, TRUE, u->ifindex, u->table, &net, plen, hint ? &src : NULL,
	               &error)) {
		g_warning("uesp: %s", error->message);
		return;
	}
	UespRoute *r = g_new0(UespRoute, 1);
	r->dst = net;
	r->plen = plen;
	r->refs = 1;
	g_ptr_array_add(u->routes, r);
}

static void
sa_routes(Uesp *u, const KernelSa *sa, gboolean add)
{
	if (sa->dir != KERNEL_DIR_OUT)
		return;
	for (gsize i = 0; i < sa->n_ts_remote; i++)
		route_ref(u, &sa->ts_remote[i], sa->n_ts_local > 0 ? &sa->ts_local[0] : NULL, add);
}

static void
policy_routes(Uesp *u, const KernelPolicy *p, gboolean add)
{
	if (p->dir != KERNEL_DIR_OUT || p->action == KERNEL_POLICY_PASS)
		return;
	route_ref(u, &p->dst, &p->src, add);
}

static void
routes_flush(Uesp *u)
{
	if (u->detached || u->no_routes)
		return;
	for (guint i = 0; i < u->routes->len; i++) {
		UespRoute *r = g_ptr_array_index(u->routes, i);
		tun_route(&u->nl, FALSE, u->ifindex, u->table, &r->dst, r->plen, NULL, NULL);
	}
	g_ptr_array_set_size(u->routes, 0);
	for (guint fam = 0; fam < 2; fam++) {
		if (u->rule[fam])
			tun_rule(&u->nl, FALSE, fam == 0 ? AF_INET : AF_INET6, u->table, u->table,
			         TUN_BYPASS_MARK, NULL);
		u->rule[fam] = FALSE;
	}
}

/* ---- ops: SAs --------------------------------------------------------- */

static gboolean
uesp_probe(KernelBackend *kb, KernelCaps *caps, GError **error)
{
	Uesp *u = uesp_from(kb);
	gsize n;
	const CryptoEncrAlg *encr = crypto_encr_algs(&n);
	const CryptoIntegAlg *integ;

	memset(caps, 0, sizeof(*caps));
	caps->esp = TRUE;
	caps->tunnel_mode = TRUE;
	caps->transport_mode = TRUE;
	caps->udp_encap = TRUE;
	caps->esn = TRUE;
	caps->policies = TRUE;
	for (gsize i = 0; i < n && caps->n_encr < KERNEL_CAPS_MAX_ALGS; i++)
		caps->encr_ids[caps->n_encr++] = encr[i].id;
	integ = crypto_integ_algs(&n);
	for (gsize i = 0; i < n && caps->n_integ < KERNEL_CAPS_MAX_ALGS; i++)
		if (integ[i].id != CRYPTO_AUTH_NONE)
			caps->integ_ids[caps->n_integ++] = integ[i].id;
	caps->message = g_strdup_printf(
	        "userspace ESP on %s: ESP-in-UDP (RFC 3948)%s, tunnel and transport mode, ESN",
	        u->detached ? "(detached)" : u->tun_name,
	        u->raw4 >= 0 ? " and raw ESP" : "; no raw ESP socket");
	return TRUE;
}

static gboolean
spi_in_use(Uesp *u, guint32 spi)
{
	if (g_hash_table_contains(u->in_sas, GUINT_TO_POINTER(spi)) ||
	    g_hash_table_contains(u->larval, GUINT_TO_POINTER(spi)))
		return TRUE;
	return FALSE;
}

static gboolean
uesp_get_spi(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst, KernelProto proto,
             guint32 reqid, guint32 *spi_out, GError **error)
{
	Uesp *u = uesp_from(kb);

	if (proto != KERNEL_PROTO_ESP) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
		            "proto: userspace backend supports ESP only, not %s",
		            kernel_proto_name(proto));
		return FALSE;
	}
	uesp_wrlock(u);
	for (;;) {
		/* 0..0xFF are reserved by IANA and pluto keeps 0x100..0xFFF for
		 * manual keying: start at 0x1000. */
		guint32 spi = (guint32) g_random_int_range(0x1000, G_MAXINT32) |
		              ((guint32) g_random_boolean() << 31);

		if (!spi_in_use(u, spi)) {
			g_hash_table_add(u->larval, GUINT_TO_POINTER(spi));
			*spi_out = spi;
			break;
		}
	}
	uesp_unlock(u);
	return TRUE;
}

static gboolean
sa_validate(const KernelSa *sa, GError **error)
{
	const char *field = NULL;

	if (sa->proto != KERNEL_PROTO_ESP)
		field = "proto (ESP only)";
	else if (sa->dir != KERNEL_DIR_IN && sa->dir != KERNEL_DIR_OUT)
		field = "dir";
	else if (kernel_addr_len(&sa->src) == 0 || sa->src.family != sa->dst.family)
		field = "src/dst";
	else if (sa->encap && sa->encap_dport == 0)
		field = "encap_dport";
	else if (sa->n_ts_local == 0 || sa->n_ts_remote == 0)
		field = "ts_local/ts_remote";
	if (field == NULL)
		return TRUE;
	g_set_error(error, KERNEL_ERROR,
	            sa->proto != KERNEL_PROTO_ESP ? KERNEL_ERROR_NOT_SUPPORTED
	                                          : KERNEL_ERROR_INVALID,
	            "%s: invalid for SA %08x", field, sa->spi);
	return FALSE;
}

static UespSa *
uesp_sa_new(const KernelSa *sa, GError **error)
{
	EspSa *esp;
	UespSa *usa;

	if (!sa_validate(sa, error))
		return NULL;
	esp = esp_sa_new(sa->spi, sa->dir == KERNEL_DIR_IN, sa->encr, sa->encr_key,
	                 sa->encr_key_len, sa->integ, sa->integ_key, sa->integ_key_len, sa->esn,
	                 sa->replay_window, error);
	if (esp == NULL)
		return NULL;
	usa = g_new0(UespSa, 1);
	usa->cfg = kernel_sa_dup(sa);
	usa->esp = esp;
	usa->add_time = now_seconds();
	g_mutex_init(&usa->mapping_lock);
	usa->peer_addr = sa->src;
	usa->peer_port = sa->encap_sport;
	return usa;
}

/* Under the write lock: the SA with @spi/@dst in either direction. */
static UespSa *
find_sa(Uesp *u, guint32 spi, const KernelAddr *dst, guint *out_index)
{
	UespSa *usa = g_hash_table_lookup(u->in_sas, GUINT_TO_POINTER(spi));

	if (usa != NULL &&
	    (dst == NULL || dst->family == 0 || kernel_addr_equal(dst, &usa->cfg->dst)))
		return usa;
	for (guint i = 0; i < u->out_sas->len; i++) {
		usa = g_ptr_array_index(u->out_sas, i);
		if (usa->cfg->spi == spi &&
		    (dst == NULL || dst->family == 0 || kernel_addr_equal(dst, &usa->cfg->dst))) {
			if (out_index != NULL)
				*out_index = i;
			return usa;
		}
	}
	return NULL;
}

static gboolean
uesp_add_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespSa *usa;
	char a[64], b[64];

	usa = uesp_sa_new(sa, error);
	if (usa == NULL)
		return FALSE;
	uesp_wrlock(u);
	if (find_sa(u, sa->spi, &sa->dst, NULL) != NULL ||
	    (sa->dir == KERNEL_DIR_IN &&
	     g_hash_table_contains(u->in_sas, GUINT_TO_POINTER(sa->spi)))) {
		uesp_unlock(u);
		uesp_sa_free(usa);
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS, "SA %08x already installed",
		            sa->spi);
		return FALSE;
	}
	if (sa->dir == KERNEL_DIR_IN) {
		g_hash_table_remove(u->larval, GUINT_TO_POINTER(sa->spi));
		g_hash_table_insert(u->in_sas, GUINT_TO_POINTER(sa->spi), usa);
	} else {
		g_ptr_array_add(u->out_sas, usa);
	}
	uesp_unlock(u);
	sa_routes(u, sa, TRUE);
	g_info("uesp: added %s SA %08x %s -> %s %s%s", kernel_dir_name(sa->dir), sa->spi,
	       kernel_addr_to_string(&sa->src, a, sizeof(a)),
	       kernel_addr_to_string(&sa->dst, b, sizeof(b)), sa->encr->name,
	       sa->encap ? " (UDP-encapsulated)" : "");
	return TRUE;
}

static void
remove_sa_locked(Uesp *u, UespSa *usa, guint out_index)
{
	if (usa->cfg->dir == KERNEL_DIR_IN)
		g_hash_table_steal(u->in_sas, GUINT_TO_POINTER(usa->cfg->spi));
	else
		g_ptr_array_steal_index(u->out_sas, out_index);
}

static gboolean
same_keys(const KernelSa *a, const KernelSa *b)
{
	return a->encr == b->encr && a->integ == b->integ && a->esn == b->esn &&
	       a->encr_key_len == b->encr_key_len && a->integ_key_len == b->integ_key_len &&
	       (a->encr_key_len == 0 || memcmp(a->encr_key, b->encr_key, a->encr_key_len) == 0) &&
	       (a->integ_key_len == 0 || memcmp(a->integ_key, b->integ_key, a->integ_key_len) == 0);
}

static gboolean
uesp_update_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespSa *old, *usa;
	guint idx = 0;

	uesp_wrlock(u);
	old = find_sa(u, sa->spi, NULL, &idx);
	if (old == NULL && g_hash_table_contains(u->larval, GUINT_TO_POINTER(sa->spi))) {
		uesp_unlock(u);
		return uesp_add_sa(kb, sa, error);
	}
	if (old == NULL || old->cfg->dir != sa->dir) {
		uesp_unlock(u);
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no %s SA %08x to update",
		            kernel_dir_name(sa->dir), sa->spi);
		return FALSE;
	}
	if (same_keys(old->cfg, sa)) {
		/* A move (MOBIKE/NAT-T): keep sequence numbers, replay window
		 * and counters; only addresses, ports, selectors and limits change. */
		if (!sa_validate(sa, error)) {
			uesp_unlock(u);
			return FALSE;
		}
		usa = g_new0(UespSa, 1);
		*usa = *old;
		g_mutex_init(&usa->mapping_lock);
		usa->cfg = kernel_sa_dup(sa);
		usa->peer_addr = sa->src;
		usa->peer_port = sa->encap_sport;
		old->esp = NULL;
	} else {
		usa = uesp_sa_new(sa, error);
		if (usa == NULL) {
			uesp_unlock(u);
			return FALSE;
		}
	}
	remove_sa_locked(u, old, idx);
	if (sa->dir == KERNEL_DIR_IN)
		g_hash_table_insert(u->in_sas, GUINT_TO_POINTER(sa->spi), usa);
	else
		g_ptr_array_insert(u->out_sas, (gint) idx, usa);
	uesp_unlock(u);
	sa_routes(u, old->cfg, FALSE);
	sa_routes(u, sa, TRUE);
	uesp_sa_free(old);
	return TRUE;
}

static gboolean
uesp_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespSa *usa;
	guint idx = 0;

	uesp_wrlock(u);
	usa = find_sa(u, id->spi, &id->dst, &idx);
	if (usa != NULL)
		remove_sa_locked(u, usa, idx);
	else
		g_hash_table_remove(u->larval, GUINT_TO_POINTER(id->spi));
	uesp_unlock(u);
	if (usa == NULL) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no SA %08x", id->spi);
		return FALSE;
	}
	sa_routes(u, usa->cfg, FALSE);
	g_info("uesp: deleted %s SA %08x", kernel_dir_name(usa->cfg->dir), id->spi);
	uesp_sa_free(usa);
	return TRUE;
}

static guint64
sum_drops(const EspCounters *c)
{
	guint64 n = 0;

	for (guint i = ESP_DROP_NONE + 1; i < ESP_DROP_N; i++)
		n += c->drops[i];
	return n;
}

static gboolean
uesp_query_sa(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespSa *usa;
	EspCounters c;

	uesp_rdlock(u);
	usa = find_sa(u, id->spi, &id->dst, NULL);
	if (usa != NULL) {
		esp_counters_read(&usa->esp->counters, &c);
		stats->bytes = c.bytes;
		stats->packets = c.packets;
		stats->use_time = c.use_time;
		stats->add_time = usa->add_time;
		stats->drops = sum_drops(&c);
	}
	uesp_unlock(u);
	if (usa == NULL) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no SA %08x", id->spi);
		return FALSE;
	}
	return TRUE;
}

gboolean
kernel_uesp_get_counters(KernelBackend *kb, guint32 spi, EspCounters *out)
{
	Uesp *u = uesp_from(kb);
	UespSa *usa = NULL;

	g_return_val_if_fail(kb != NULL && kb->ops == &uesp_ops, FALSE);
	if (spi == 0) {
		esp_counters_read(&u->global, out);
		return TRUE;
	}
	uesp_rdlock(u);
	usa = find_sa(u, spi, NULL, NULL);
	if (usa != NULL)
		esp_counters_read(&usa->esp->counters, out);
	uesp_unlock(u);
	return usa != NULL;
}

const char *
kernel_uesp_get_tun_name(KernelBackend *kb)
{
	Uesp *u = uesp_from(kb);

	g_return_val_if_fail(kb != NULL && kb->ops == &uesp_ops, NULL);
	return u->detached ? NULL : u->tun_name;
}

/* ---- ops: policies ---------------------------------------------------- */

static gboolean
ts_equal(const KernelTs *a, const KernelTs *b)
{
	return kernel_addr_equal(&a->from, &b->from) && kernel_addr_equal(&a->to, &b->to) &&
	       a->proto == b->proto && a->from_port == b->from_port && a->to_port == b->to_port;
}

static gint
policy_index(Uesp *u, const KernelPolicy *p)
{
	for (guint i = 0; i < u->policies->len; i++) {
		const KernelPolicy *q = &((UespPolicy *) g_ptr_array_index(u->policies, i))->p;

		if (q->dir == p->dir && ts_equal(&q->src, &p->src) && ts_equal(&q->dst, &p->dst) &&
		    q->mark.value == p->mark.value && q->mark.mask == p->mark.mask &&
		    q->if_id == p->if_id)
			return (gint) i;
	}
	return -1;
}

static gboolean
uesp_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespPolicy *up;
	guint pos;

	if (policy->action == KERNEL_POLICY_IPSEC && policy->proto != KERNEL_PROTO_ESP) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
		            "proto: userspace backend supports ESP only");
		return FALSE;
	}
	uesp_wrlock(u);
	if (policy_index(u, policy) >= 0) {
		uesp_unlock(u);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS,
		                    "policy already installed");
		return FALSE;
	}
	up = g_new0(UespPolicy, 1);
	up->p = *policy;
	for (pos = 0; pos < u->policies->len; pos++)
		if (((UespPolicy *) g_ptr_array_index(u->policies, pos))->p.priority >
		    policy->priority)
			break;
	g_ptr_array_insert(u->policies, (gint) pos, up);
	uesp_unlock(u);
	policy_routes(u, policy, TRUE);
	return TRUE;
}

static gboolean
uesp_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespPolicy *up = NULL;
	gint i;

	uesp_wrlock(u);
	i = policy_index(u, policy);
	if (i >= 0)
		up = g_ptr_array_steal_index(u->policies, (guint) i);
	uesp_unlock(u);
	if (up == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no such policy");
		return FALSE;
	}
	policy_routes(u, &up->p, FALSE);
	g_free(up);
	return TRUE;
}

static gboolean
uesp_query_policy(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time, GError **error)
{
	Uesp *u = uesp_from(kb);
	gint i;

	uesp_rdlock(u);
	i = policy_index(u, policy);
	if (i >= 0)
		*use_time = __atomic_load_n(
		        &((UespPolicy *) g_ptr_array_index(u->policies, (guint) i))->use_time,
		        __ATOMIC_RELAXED);
	uesp_unlock(u);
	if (i < 0) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no such policy");
		return FALSE;
	}
	return TRUE;
}

static gboolean
uesp_flush_own(KernelBackend *kb, GError **error)
{
	Uesp *u = uesp_from(kb);

	uesp_wrlock(u);
	g_hash_table_remove_all(u->in_sas);
	g_ptr_array_set_size(u->out_sas, 0);
	g_ptr_array_set_size(u->policies, 0);
	g_hash_table_remove_all(u->larval);
	uesp_unlock(u);
	routes_flush(u);
	return TRUE;
}

/* ---- construction ----------------------------------------------------- */

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
uesp_free(KernelBackend *kb)
{
	Uesp *u = uesp_from(kb);

	if (u->threads[0] != NULL) {
		guint64 one = 1;

		/* The eventfd stays readable: it wakes every thread. */
		g_atomic_int_set(&u->stop, 1);
		if (write(u->wake_fd, &one, sizeof(one)) < 0)
			g_debug("uesp: wake: %s", g_strerror(errno));
	}
	for (guint i = 0; i < UESP_MAX_THREADS; i++) {
		if (u->threads[i] != NULL)
			g_thread_join(u->threads[i]);
		worker_free(u->workers[i]);
	}
	uesp_flush_own(kb, NULL);
	tun_netlink_close(&u->nl);
	close_fd(&u->tun_fd);
	close_fd(&u->wake_fd);
	close_fd(&u->raw4);
	close_fd(&u->raw6);
	if (u->own_udp) {
		close_fd(&u->udp4);
		close_fd(&u->udp6);
	}
	g_hash_table_unref(u->in_sas);
	g_hash_table_unref(u->larval);
	g_ptr_array_unref(u->out_sas);
	g_ptr_array_unref(u->policies);
	g_ptr_array_unref(u->routes);
	pthread_rwlock_destroy(&u->lock);
	g_free(u);
}

static const KernelOps uesp_ops = {
        .name = "userspace",
        .probe = uesp_probe,
        .get_spi = uesp_get_spi,
        .add_sa = uesp_add_sa,
        .update_sa = uesp_update_sa,
        .del_sa = uesp_del_sa,
        .query_sa = uesp_query_sa,
        .add_policy = uesp_add_policy,
        .del_policy = uesp_del_policy,
        .query_policy = uesp_query_policy,
        .flush_own = uesp_flush_own,
        .esp_input = uesp_esp_input,
        .free = uesp_free,
};

static Uesp *
uesp_alloc(void)
{
	Uesp *u = g_new0(Uesp, 1);

	u->parent.ops = &uesp_ops;
	u->tun_fd = u->udp4 = u->udp6 = u->raw4 = u->raw6 = u->wake_fd = -1;
	u->nl.fd = -1;
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&u->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	u->in_sas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, uesp_sa_free);
	u->larval = g_hash_table_new(g_direct_hash, g_direct_equal);
	u->out_sas = g_ptr_array_new_with_free_func(uesp_sa_free);
	u->policies = g_ptr_array_new_with_free_func(g_free);
	u->routes = g_ptr_array_new_with_free_func(g_free);
	return u;
}

KernelBackend *
kernel_uesp_new_detached(UespOutputFunc output, gpointer user_data)
{
	Uesp *u = uesp_alloc();

	u->detached = TRUE;
	u->output = output;
	u->output_data = user_data;
	return &u->parent;
}

static int
udp_socket(int family, guint16 port, GError **error)
{
	struct sockaddr_storage ss;
	KernelAddr any = {.family = (guint8) family};
	int one = 1, fd;
	guint32 mark = TUN_BYPASS_MARK;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		g_debug("uesp: SO_MARK: %s", g_strerror(errno));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *) &ss, to_sockaddr(&any, port, &ss)) < 0)
		goto fail;
	uesp_socket_set_buffers(fd, UESP_SOCKBUF);
	/* Coalesced receives: one trip through the stack per run of packets
	 * from a peer that sent them with GSO. */
	if (!uesp_socket_enable_gro(fd))
		g_debug("uesp: UDP_GRO: %s", g_strerror(errno));
	return fd;
fail:;
	int e = errno;
	g_set_error(
	        error, KERNEL_ERROR, e == EACCES ? KERNEL_ERROR_PERMISSION : KERNEL_ERROR_FAILED,
	        "UDP port %u (%s): %s", port, family == AF_INET ? "IPv4" : "IPv6", g_strerror(e));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
raw_esp_socket(int family)
{
	guint32 mark = TUN_BYPASS_MARK;
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);

	if (fd < 0)
		g_debug("uesp: no raw ESP socket: %s", g_strerror(errno));
	else {
		setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		uesp_socket_set_buffers(fd, UESP_SOCKBUF);
	}
	return fd;
}

static gboolean
uesp_open(Uesp *u, const KernelConfig *cfg, GError **error)
{
	u->tun_fd = tun_open(cfg->tun_name != NULL ? cfg->tun_name : "ikebus0", u->tun_name, error);
	if (u->tun_fd < 0 || !tun_link_up(u->tun_name, UESP_TUN_MTU, error))
		return FALSE;
	u->ifindex = tun_ifindex(u->tun_name);
	if (!u->no_routes && !tun_netlink_open(&u->nl, error))
		return FALSE;
	if (cfg->encap_fd >= 0 || cfg->encap_fd6 >= 0) {
		guint32 mark = TUN_BYPASS_MARK;

		/* Borrowed from the IKE code, which reads them; its packets
		 * also must not be routed into the tunnel. */
		u->udp4 = cfg->encap_fd;
		u->udp6 = cfg->encap_fd6;
		if (u->udp4 >= 0)
			setsockopt(u->udp4, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		if (u->udp6 >= 0)
			setsockopt(u->udp6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	} else {
		u->own_udp = TRUE;
		u->udp4 = udp_socket(AF_INET, cfg->encap_port, error);
		if (u->udp4 < 0)
			return FALSE;
		u->udp6 = udp_socket(AF_INET6, cfg->encap_port, NULL);
	}
	u->raw4 = raw_esp_socket(AF_INET);
	u->raw6 = raw_esp_socket(AF_INET6);
	u->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->wake_fd < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED, "eventfd: %s",
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

KernelBackend *
kernel_uesp_new(const KernelConfig *cfg, GError **error)
{
	Uesp *u = uesp_alloc();
	KernelConfig defaults;

	if (cfg == NULL) {
		kernel_config_init(&defaults);
		cfg = &defaults;
	}
	u->table = cfg->route_table;
	u->no_routes = cfg->no_routes;
	if (!uesp_open(u, cfg, error)) {
		uesp_free(&u->parent);
		return NULL;
	}
	/* One thread does both directions; with n_threads >= 2 outbound
	 * (TUN -> ESP) and inbound (ESP -> TUN) run on their own threads. */
	if (cfg->n_threads >= 2) {
		u->workers[0] = worker_new(u, TRUE, FALSE, FALSE);
		u->workers[1] = worker_new(u, FALSE, TRUE, TRUE);
		u->threads[0] = g_thread_new("ikebus-uesp-out", uesp_thread, u->workers[0]);
		u->threads[1] = g_thread_new("ikebus-uesp-in", uesp_thread, u->workers[1]);
	} else {
		u->workers[0] = worker_new(u, TRUE, TRUE, TRUE);
		u->threads[0] = g_thread_new("ikebus-uesp", uesp_thread, u->workers[0]);
	}
	g_info("uesp: userspace ESP on %s, ESP-in-UDP port %u", u->tun_name, cfg->encap_port);
	return &u->parent;
}
