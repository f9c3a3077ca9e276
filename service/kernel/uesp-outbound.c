/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend, outbound (TUN -> network): the OUT policies by
 * priority pick the SA (action ipsec: newest live SA with the reqid; none:
 * ACQUIRE and drop), else the outbound SA whose selectors cover the packet;
 * the packet is encrypted and sent, one at a time or into a UespTx batch.
 */
#include "uesp-private.h"

#include <netinet/in.h>
#include <string.h>

#define UESP_ACQUIRE_INTERVAL 5 /* seconds between ACQUIREs for one policy */

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
	sl = uesp_to_sockaddr(dst, port, &ss);
	if (fd < 0 || sendto(fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *) &ss, sl) < 0)
		return ESP_DROP_IO;
	return ESP_DROP_NONE;
}

static gboolean
sa_fits(UespSa *usa, guint32 reqid, guint32 spi)
{
	return usa->cfg->reqid == reqid && (spi == 0 || usa->cfg->spi == spi) &&
	       !g_atomic_int_get(&usa->hard_fired);
}

/* The SA for an ipsec policy: the newest live one with its reqid (after a
 * rekey the new SA takes the traffic) and, as xfrm's template match, the
 * template's destination: one (reqid, dst) bucket, not every SA, and the
 * right peer when many share a reqid (a %any connection).  Without such an
 * SA, the newest with the reqid anywhere, as before. */
static UespSa *
out_sa_for_policy(Uesp *u, const KernelPolicy *p)
{
	GPtrArray *b = p->tmpl_dst.family != 0 ? uesp_out_sas_of_peer(u, p->reqid, &p->tmpl_dst)
	                                       : NULL;
	UespSa *best = NULL;

	for (guint i = 0; b != NULL && i < b->len; i++) {
		UespSa *usa = g_ptr_array_index(b, i);

		if (sa_fits(usa, p->reqid, p->spi) && (best == NULL || usa->seq > best->seq))
			best = usa;
	}
	if (best != NULL)
		return best;
	for (GList *l = u->out_sas.tail; l != NULL; l = l->prev)
		if (sa_fits(l->data, p->reqid, p->spi))
			return l->data;
	return NULL;
}

static gboolean
policy_matches(const UespPolicy *up, const EspInner *in)
{
	return esp_inner_match(in, &up->p.src, 1, &up->p.dst, 1);
}

/* The first OUT policy, by (priority, age), that matches @in: the first
 * match among those whose destination is @in's address exactly, and among
 * the others (subnets, ranges), whichever comes first. */
static UespPolicy *
out_policy_for(Uesp *u, const EspInner *in)
{
	GPtrArray *host = g_hash_table_lookup(u->out_pol_host, &in->dst);
	UespPolicy *a = NULL, *b = NULL;

	for (guint i = 0; host != NULL && i < host->len && a == NULL; i++)
		if (policy_matches(g_ptr_array_index(host, i), in))
			a = g_ptr_array_index(host, i);
	for (guint i = 0; i < u->out_pol_other->len; i++) {
		UespPolicy *up = g_ptr_array_index(u->out_pol_other, i);

		if (a != NULL && !uesp_policy_before(up, a))
			break;
		if (policy_matches(up, in)) {
			b = up;
			break;
		}
	}
	return b != NULL ? b : a;
}

static void
raise_acquire(Uesp *u, UespPolicy *up, const EspInner *in)
{
	gint64 now = uesp_now_seconds();
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
	UespPolicy *up = out_policy_for(u, in);

	if (up != NULL) {
		UespSa *usa;

		__atomic_store_n(&up->use_time, uesp_now_seconds(), __ATOMIC_RELAXED);
		switch (up->p.action) {
		case KERNEL_POLICY_IPSEC:
			usa = out_sa_for_policy(u, &up->p);
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
	for (GList *l = u->out_sas.tail; l != NULL; l = l->prev) {
		UespSa *usa = l->data;

		if (!g_atomic_int_get(&usa->hard_fired) &&
		    esp_inner_match(in, usa->cfg->ts_local, usa->cfg->n_ts_local,
		                    usa->cfg->ts_remote, usa->cfg->n_ts_remote))
			return usa;
	}
	*reason = ESP_DROP_NO_POLICY;
	return NULL;
}

/* Completion of a batched send: count the packet where it ended. */
void
uesp_outbound_done(gpointer cookie, gsize inner_len, gboolean sent, gpointer user_data)
{
	Uesp *u = user_data;
	UespSa *usa = cookie;

	if (!sent) {
		uesp_count_drop(u, usa, ESP_DROP_IO);
		return;
	}
	esp_counters_ok(&usa->esp->counters, inner_len);
	uesp_check_lifetimes(u, usa, uesp_now_seconds());
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
			uesp_post_expire(u, usa, TRUE);
		if (r == ESP_DROP_NONE)
			r = send_net(u, buf, out_len, &usa->cfg->dst, port);
		if (r == ESP_DROP_NONE)
			uesp_outbound_done(usa, len, TRUE, u);
		return r;
	}
	out = uesp_tx_reserve(tx, need);
	if (out == NULL) {
		uesp_tx_flush(tx, uesp_outbound_done, u);
		out = uesp_tx_reserve(tx, need);
		if (out == NULL)
			return ESP_DROP_OVERSIZED;
	}
	r = esp_encap(usa->esp, nh, payload, payload_len, out, need, &out_len);
	if (r == ESP_DROP_SEQ_OVERFLOW && g_atomic_int_compare_and_exchange(&usa->hard_fired, 0, 1))
		uesp_post_expire(u, usa, TRUE);
	if (r != ESP_DROP_NONE)
		return r;
	int fd = net_fd(u, &usa->cfg->dst, port);
	if (fd < 0)
		return ESP_DROP_IO;
	struct sockaddr_storage ss;
	socklen_t sl = uesp_to_sockaddr(&usa->cfg->dst, port, &ss);
	uesp_tx_commit(tx, fd, (struct sockaddr *) &ss, sl, out_len, usa, len);
	return ESP_DROP_NONE;
}

/* Under the read lock. */
EspDrop
uesp_tun_input_locked(Uesp *u, const guint8 *pkt, gsize len, UespTx *tx)
{
	EspInner in;
	EspDrop r = ESP_DROP_NONE;
	UespSa *usa;

	if (len > ESP_MAX_PACKET)
		r = ESP_DROP_OVERSIZED;
	else if (!esp_inner_parse(pkt, len, &in))
		r = ESP_DROP_BAD_INNER;
	if (r != ESP_DROP_NONE) {
		uesp_count_drop(u, NULL, r);
		return r;
	}
	usa = outbound_lookup(u, &in, &r);
	if (usa != NULL)
		r = outbound_sa(u, usa, pkt, in.total_len, &in, tx);
	if (r != ESP_DROP_NONE)
		uesp_count_drop(u, usa, r);
	return r;
}

EspDrop
kernel_uesp_tun_input(KernelBackend *kb, const guint8 *pkt, gsize len)
{
	Uesp *u = uesp_from(kb);
	EspDrop r;

	uesp_rdlock(u);
	r = uesp_tun_input_locked(u, pkt, len, NULL);
	uesp_unlock(u);
	return r;
}
