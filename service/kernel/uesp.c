/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend: the KernelOps table, the SA and policy tables,
 * lifetimes, and construction.  Per-packet work is in uesp-outbound.c and
 * uesp-inbound.c, the threads and fds in uesp-datapath.c, routes in
 * uesp-route.c (see uesp-private.h); packet formats in esp-packet.c, the
 * TUN device in tun.c.
 */
#include "uesp-private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const KernelOps uesp_ops;

static void
uesp_sa_free(gpointer data)
{
	UespSa *usa = data;

	esp_sa_free(usa->esp);
	kernel_sa_free(usa->cfg);
	g_mutex_clear(&usa->mapping_lock);
	g_free(usa);
}

void
uesp_count_drop(Uesp *u, UespSa *usa, EspDrop reason)
{
	esp_counters_drop(&u->global, reason);
	if (usa != NULL)
		esp_counters_drop(&usa->esp->counters, reason);
	g_debug("uesp: dropped packet%s%08x: %s", usa != NULL ? " on SA " : " ",
	        usa != NULL ? usa->esp->spi : 0, esp_drop_name(reason));
}

/* ---- events and lifetimes --------------------------------------------- */

void
uesp_post_expire(Uesp *u, UespSa *usa, gboolean hard)
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

void
uesp_check_lifetimes(Uesp *u, UespSa *usa, gint64 now)
{
	EspCounters c;

	esp_counters_read(&usa->esp->counters, &c);
	if (!g_atomic_int_get(&usa->hard_fired) &&
	    life_reached(&usa->cfg->hard, &c, usa->add_time, now) &&
	    g_atomic_int_compare_and_exchange(&usa->hard_fired, 0, 1)) {
		uesp_post_expire(u, usa, TRUE);
		return;
	}
	if (!g_atomic_int_get(&usa->soft_fired) &&
	    life_reached(&usa->cfg->soft, &c, usa->add_time, now) &&
	    g_atomic_int_compare_and_exchange(&usa->soft_fired, 0, 1))
		uesp_post_expire(u, usa, FALSE);
}

/* An SA's NSS objects (key object, context: some 6 kB) are made at its
 * first packet (esp-packet.c) and released after this long without one. */
#define UESP_IDLE_SECONDS 120
#define UESP_IDLE_SWEEP_SECONDS 30

/* Under the write lock: no packet is being processed meanwhile. */
static void
release_idle(Uesp *u, gint64 now)
{
	GHashTableIter it;
	gpointer value;

	uesp_wrlock(u);
	g_hash_table_iter_init(&it, u->in_sas);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		UespSa *usa = value;

		if (usa->esp != NULL)
			esp_sa_release_idle(usa->esp, now, UESP_IDLE_SECONDS);
	}
	for (GList *l = u->out_sas.head; l != NULL; l = l->next) {
		UespSa *usa = l->data;

		if (usa->esp != NULL)
			esp_sa_release_idle(usa->esp, now, UESP_IDLE_SECONDS);
	}
	uesp_unlock(u);
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
		uesp_check_lifetimes(u, value, now);
	for (GList *l = u->out_sas.head; l != NULL; l = l->next)
		uesp_check_lifetimes(u, l->data, now);
	uesp_unlock(u);
	if (now - u->last_idle_sweep >= UESP_IDLE_SWEEP_SECONDS) {
		u->last_idle_sweep = now;
		release_idle(u, now);
	}
}

/* ---- ops: ESP input (packets the IKE socket read) ---------------------- */

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
	else if (sa->ipcomp != KERNEL_IPCOMP_NONE)
		field = "ipcomp (no IPCOMP in the userspace backend)";
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
	            sa->proto != KERNEL_PROTO_ESP || sa->ipcomp != KERNEL_IPCOMP_NONE
	                    ? KERNEL_ERROR_NOT_SUPPORTED
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
	usa->add_time = uesp_now_seconds();
	g_mutex_init(&usa->mapping_lock);
	usa->peer_addr = sa->src;
	usa->peer_port = sa->encap_sport;
	return usa;
}

/* ---- indexes ---------------------------------------------------------- */

guint
uesp_addr_hash(const KernelAddr *a)
{
	gsize n = kernel_addr_len(a);
	guint h = a->family;

	for (gsize i = 0; i < n; i++)
		h = h * 31 + a->bytes[i];
	return h;
}

static guint
peer_key_hash(gconstpointer p)
{
	const UespPeerKey *k = p;

	return uesp_addr_hash(&k->dst) ^ (k->reqid * 2654435761u);
}

static gboolean
peer_key_equal(gconstpointer a, gconstpointer b)
{
	const UespPeerKey *x = a, *y = b;

	return x->reqid == y->reqid && kernel_addr_equal(&x->dst, &y->dst);
}

static void
bucket_add(GHashTable *t, gpointer key, gpointer v)
{
	GPtrArray *b = g_hash_table_lookup(t, key);

	if (b == NULL) {
		b = g_ptr_array_new();
		g_hash_table_insert(t, key, b);
	}
	g_ptr_array_add(b, v);
}

/* The bucket's key may live in @v (peer keys do): the bucket then goes,
 * or takes the key of a remaining member. */
static void
bucket_remove(GHashTable *t, gconstpointer key, gpointer v, gpointer (*key_of)(gpointer))
{
	GPtrArray *b = g_hash_table_lookup(t, key);

	if (b == NULL || !g_ptr_array_remove(b, v))
		return;
	g_hash_table_steal(t, key);
	if (b->len == 0)
		g_ptr_array_unref(b);
	else
		g_hash_table_insert(t, key_of != NULL ? key_of(g_ptr_array_index(b, 0)) : (gpointer) key,
		                    b);
}

static gpointer
usa_peer_key(gpointer usa)
{
	return &((UespSa *) usa)->peer_key;
}

GPtrArray *
uesp_out_sas_of_peer(Uesp *u, guint32 reqid, const KernelAddr *dst)
{
	UespPeerKey k = {.reqid = reqid, .dst = *dst};

	return g_hash_table_lookup(u->out_by_peer, &k);
}

/* Under the write lock: puts outbound @usa in the list (before @before,
 * else last) and the indexes. */
static void
out_insert_locked(Uesp *u, UespSa *usa, GList *before)
{
	if (before != NULL) {
		g_queue_insert_before(&u->out_sas, before, usa);
		usa->out_link = before->prev;
	} else {
		g_queue_push_tail(&u->out_sas, usa);
		usa->out_link = u->out_sas.tail;
	}
	usa->peer_key.reqid = usa->cfg->reqid;
	usa->peer_key.dst = usa->cfg->dst;
	bucket_add(u->out_by_spi, GUINT_TO_POINTER(usa->cfg->spi), usa);
	bucket_add(u->out_by_peer, &usa->peer_key, usa);
}

static void
out_remove_locked(Uesp *u, UespSa *usa)
{
	g_queue_delete_link(&u->out_sas, usa->out_link);
	usa->out_link = NULL;
	bucket_remove(u->out_by_spi, GUINT_TO_POINTER(usa->cfg->spi), usa, NULL);
	bucket_remove(u->out_by_peer, &usa->peer_key, usa, usa_peer_key);
}

/* Under the lock: the SA with @spi/@dst in either direction (outbound:
 * the oldest such, as the list walk found it). */
static UespSa *
find_sa(Uesp *u, guint32 spi, const KernelAddr *dst)
{
	UespSa *usa = g_hash_table_lookup(u->in_sas, GUINT_TO_POINTER(spi));
	GPtrArray *b;
	UespSa *best = NULL;

	if (usa != NULL &&
	    (dst == NULL || dst->family == 0 || kernel_addr_equal(dst, &usa->cfg->dst)))
		return usa;
	b = g_hash_table_lookup(u->out_by_spi, GUINT_TO_POINTER(spi));
	for (guint i = 0; b != NULL && i < b->len; i++) {
		usa = g_ptr_array_index(b, i);
		if ((dst == NULL || dst->family == 0 || kernel_addr_equal(dst, &usa->cfg->dst)) &&
		    (best == NULL || usa->seq < best->seq))
			best = usa;
	}
	return best;
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
	if (find_sa(u, sa->spi, &sa->dst) != NULL ||
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
		usa->seq = ++u->out_seq;
		out_insert_locked(u, usa, NULL);
	}
	uesp_unlock(u);
	uesp_sa_routes(u, sa, TRUE);
	g_info("uesp: added %s SA %08x %s -> %s %s%s", kernel_dir_name(sa->dir), sa->spi,
	       kernel_addr_to_string(&sa->src, a, sizeof(a)),
	       kernel_addr_to_string(&sa->dst, b, sizeof(b)), sa->encr->name,
	       sa->encap ? " (UDP-encapsulated)" : "");
	return TRUE;
}

static void
remove_sa_locked(Uesp *u, UespSa *usa)
{
	if (usa->cfg->dir == KERNEL_DIR_IN)
		g_hash_table_steal(u->in_sas, GUINT_TO_POINTER(usa->cfg->spi));
	else
		out_remove_locked(u, usa);
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

	uesp_wrlock(u);
	old = find_sa(u, sa->spi, NULL);
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
		usa->out_link = NULL;
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
	if (sa->dir == KERNEL_DIR_IN) {
		remove_sa_locked(u, old);
		g_hash_table_insert(u->in_sas, GUINT_TO_POINTER(sa->spi), usa);
	} else {
		/* same place in the list, same age */
		usa->seq = old->seq;
		out_insert_locked(u, usa, old->out_link);
		remove_sa_locked(u, old);
	}
	uesp_unlock(u);
	uesp_sa_routes(u, old->cfg, FALSE);
	uesp_sa_routes(u, sa, TRUE);
	uesp_sa_free(old);
	return TRUE;
}

static gboolean
uesp_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespSa *usa;

	uesp_wrlock(u);
	usa = find_sa(u, id->spi, &id->dst);
	if (usa != NULL)
		remove_sa_locked(u, usa);
	else
		g_hash_table_remove(u->larval, GUINT_TO_POINTER(id->spi));
	uesp_unlock(u);
	if (usa == NULL) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no SA %08x", id->spi);
		return FALSE;
	}
	uesp_sa_routes(u, usa->cfg, FALSE);
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
	usa = find_sa(u, id->spi, &id->dst);
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
	usa = find_sa(u, spi, NULL);
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

/* The identity of a policy: what policy_equal() compares. */
static guint
ts_hash(const KernelTs *t)
{
	return uesp_addr_hash(&t->from) * 7 + uesp_addr_hash(&t->to) * 13 + t->proto +
	       ((guint) t->from_port << 8) + ((guint) t->to_port << 16);
}

static guint
policy_hash(gconstpointer a)
{
	const KernelPolicy *p = &((const UespPolicy *) a)->p;

	return ts_hash(&p->src) * 31 + ts_hash(&p->dst) + p->dir + p->mark.value + p->mark.mask +
	       p->if_id;
}

static gboolean
policy_equal(gconstpointer a, gconstpointer b)
{
	const KernelPolicy *q = &((const UespPolicy *) a)->p, *p = &((const UespPolicy *) b)->p;

	return q->dir == p->dir && ts_equal(&q->src, &p->src) && ts_equal(&q->dst, &p->dst) &&
	       q->mark.value == p->mark.value && q->mark.mask == p->mark.mask &&
	       q->if_id == p->if_id;
}

static UespPolicy *
policy_find(Uesp *u, const KernelPolicy *p)
{
	UespPolicy key = {.p = *p};

	return g_hash_table_lookup(u->policies, &key);
}

gboolean
uesp_policy_before(const UespPolicy *a, const UespPolicy *b)
{
	return a->p.priority < b->p.priority || (a->p.priority == b->p.priority && a->seq < b->seq);
}

/* Into a list ordered by (priority, seq); new policies have the highest
 * seq, so this is the old "after every policy of the same priority". */
static void
ordered_insert(GPtrArray *list, UespPolicy *up)
{
	guint pos = list->len;

	while (pos > 0 && uesp_policy_before(up, g_ptr_array_index(list, pos - 1)))
		pos--;
	g_ptr_array_insert(list, (gint) pos, up);
}

static gboolean
is_host_ts(const KernelTs *t)
{
	return t->from.family != 0 && kernel_addr_equal(&t->from, &t->to);
}

static gpointer
policy_dst_key(gpointer up)
{
	return &((UespPolicy *) up)->p.dst.from;
}

static void
out_policy_index(Uesp *u, UespPolicy *up, gboolean add)
{
	GPtrArray *list;

	if (up->p.dir != KERNEL_DIR_OUT)
		return;
	if (!up->host_dst) {
		if (add)
			ordered_insert(u->out_pol_other, up);
		else
			g_ptr_array_remove(u->out_pol_other, up);
		return;
	}
	list = g_hash_table_lookup(u->out_pol_host, &up->p.dst.from);
	if (add) {
		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(u->out_pol_host, &up->p.dst.from, list);
		}
		ordered_insert(list, up);
		return;
	}
	bucket_remove(u->out_pol_host, &up->p.dst.from, up, policy_dst_key);
}

static gboolean
uesp_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespPolicy *up;

	if (policy->action == KERNEL_POLICY_IPSEC && policy->proto != KERNEL_PROTO_ESP) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
		            "proto: userspace backend supports ESP only");
		return FALSE;
	}
	uesp_wrlock(u);
	if (policy_find(u, policy) != NULL) {
		uesp_unlock(u);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS,
		                    "policy already installed");
		return FALSE;
	}
	up = g_new0(UespPolicy, 1);
	up->p = *policy;
	up->seq = ++u->policy_seq;
	up->host_dst = is_host_ts(&policy->dst);
	g_hash_table_add(u->policies, up);
	out_policy_index(u, up, TRUE);
	uesp_unlock(u);
	uesp_policy_routes(u, policy, TRUE);
	return TRUE;
}

static gboolean
uesp_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespPolicy *up = NULL;

	uesp_wrlock(u);
	up = policy_find(u, policy);
	if (up != NULL) {
		out_policy_index(u, up, FALSE);
		g_hash_table_steal(u->policies, up);
	}
	uesp_unlock(u);
	if (up == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no such policy");
		return FALSE;
	}
	uesp_policy_routes(u, &up->p, FALSE);
	g_free(up);
	return TRUE;
}

static gboolean
uesp_query_policy(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time, GError **error)
{
	Uesp *u = uesp_from(kb);
	UespPolicy *up;

	uesp_rdlock(u);
	up = policy_find(u, policy);
	if (up != NULL)
		*use_time = __atomic_load_n(&up->use_time, __ATOMIC_RELAXED);
	uesp_unlock(u);
	if (up == NULL) {
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
	g_hash_table_remove_all(u->out_by_spi);
	g_hash_table_remove_all(u->out_by_peer);
	g_queue_clear_full(&u->out_sas, uesp_sa_free);
	g_hash_table_remove_all(u->out_pol_host);
	g_ptr_array_set_size(u->out_pol_other, 0);
	g_hash_table_remove_all(u->policies);
	g_hash_table_remove_all(u->larval);
	uesp_unlock(u);
	uesp_routes_flush(u);
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

	uesp_datapath_stop(u);
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
	g_hash_table_unref(u->out_by_spi);
	g_hash_table_unref(u->out_by_peer);
	g_hash_table_unref(u->out_pol_host);
	g_ptr_array_unref(u->out_pol_other);
	g_hash_table_unref(u->policies);
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
	g_queue_init(&u->out_sas);
	u->out_by_spi = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                      (GDestroyNotify) g_ptr_array_unref);
	u->out_by_peer = g_hash_table_new_full(peer_key_hash, peer_key_equal, NULL,
	                                       (GDestroyNotify) g_ptr_array_unref);
	u->policies = g_hash_table_new_full(policy_hash, policy_equal, g_free, NULL);
	u->out_pol_host = g_hash_table_new_full((GHashFunc) uesp_addr_hash,
	                                        (GEqualFunc) kernel_addr_equal, NULL,
	                                        (GDestroyNotify) g_ptr_array_unref);
	u->out_pol_other = g_ptr_array_new();
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
	if (!uesp_datapath_open(u, cfg, error)) {
		uesp_free(&u->parent);
		return NULL;
	}
	uesp_datapath_start(u, cfg->n_threads);
	g_info("uesp: userspace ESP on %s, ESP-in-UDP port %u", u->tun_name, cfg->encap_port);
	return &u->parent;
}
