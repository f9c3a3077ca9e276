/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend, inbound (network -> TUN): SPI lookup, decryption
 * and replay check (esp-packet.c), the RFC 4301 selector check, NAT-T
 * mapping events, and the inner packet written to the TUN device.
 */
#include "uesp-private.h"

#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

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
	uesp_check_lifetimes(u, usa, uesp_now_seconds());
	return ESP_DROP_NONE;
}

static guint32
get_be32(const guint8 *p)
{
	return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Under the read lock; @scratch holds 40 + @len octets (inbound_sa()). */
EspDrop
uesp_net_input_locked(Uesp *u, const guint8 *pkt, gsize len, const KernelAddr *from,
                      guint16 from_port, guint8 *scratch)
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
		uesp_count_drop(u, NULL, r);
		return r;
	}
	usa = g_hash_table_lookup(u->in_sas, GUINT_TO_POINTER(spi));
	r = usa != NULL ? inbound_sa(u, usa, pkt, len, from, from_port, scratch)
	                : ESP_DROP_UNKNOWN_SPI;
	if (r != ESP_DROP_NONE)
		uesp_count_drop(u, usa, r);
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
	r = uesp_net_input_locked(u, pkt, len, from, from_port, scratch);
	uesp_unlock(u);
	return r;
}
