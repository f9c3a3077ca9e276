/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend, data path: opens the TUN device and the ESP sockets
 * and runs the thread(s) that poll them.  A thread reads packets in batches
 * (uesp-io.c) and hands each to uesp-outbound.c or uesp-inbound.c under the
 * read lock, and (one of them) runs the lifetime checks every second.
 */
#include "uesp-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
#define UESP_BUF (ESP_MAX_PACKET + ESP_MAX_OVERHEAD + 64)

socklen_t
uesp_to_sockaddr(const KernelAddr *addr, guint16 port, struct sockaddr_storage *ss)
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
struct UespWorker {
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
};

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
	uesp_net_input_locked(w->u, data + off, len - off, &from, port, w->scratch);
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
		uesp_tun_input_locked(u, w->buf, (gsize) got, w->tx);
	}
	uesp_tx_flush(w->tx, uesp_outbound_done, u);
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
		now = uesp_now_seconds();
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

/* One thread does both directions; with n_threads >= 2 outbound
 * (TUN -> ESP) and inbound (ESP -> TUN) run on their own threads. */
void
uesp_datapath_start(Uesp *u, guint n_threads)
{
	if (n_threads >= 2) {
		u->workers[0] = worker_new(u, TRUE, FALSE, FALSE);
		u->workers[1] = worker_new(u, FALSE, TRUE, TRUE);
		u->threads[0] = g_thread_new("ikebus-uesp-out", uesp_thread, u->workers[0]);
		u->threads[1] = g_thread_new("ikebus-uesp-in", uesp_thread, u->workers[1]);
	} else {
		u->workers[0] = worker_new(u, TRUE, TRUE, TRUE);
		u->threads[0] = g_thread_new("ikebus-uesp", uesp_thread, u->workers[0]);
	}
}

void
uesp_datapath_stop(Uesp *u)
{
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
}

/* ---- fds -------------------------------------------------------------- */

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
	if (bind(fd, (struct sockaddr *) &ss, uesp_to_sockaddr(&any, port, &ss)) < 0)
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

gboolean
uesp_datapath_open(Uesp *u, const KernelConfig *cfg, GError **error)
{
	u->tun_fd = tun_open(cfg->tun_name != NULL ? cfg->tun_name : "ikebus%d", u->tun_name, error);
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
