/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE UDP sockets on the IKE and NAT-T ports, with the RFC 3948 §2.2
 * non-ESP marker demux on the NAT-T port.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Source Port            |      Destination Port         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Length              |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Non-ESP Marker (0)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      IKE header [RFC7296]                     |
 *
 * An ESP packet's first four octets are its SPI, never 0 (RFC 4303 §2.1),
 * so the marker tells the two apart; a lone 0xFF is a keepalive (§2.3).
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct NetSocket {
	NetIo *io;
	int fd;
	int family;
	guint16 port;
	gboolean natt;
	gboolean bound_any;
	NetEndpoint bound; /* the address bound to (port included) */
	GSource *source;
	/* handed out by net_io_get_natt_fd() (ESP-in-UDP goes through it), so
	 * net_io_unlisten() keeps it open and only drops the IKE on it */
	gboolean lent;
} NetSocket;

struct NetIo {
	GMainContext *context;
	guint16 ike_port;
	guint16 natt_port;
	GPtrArray *sockets;   /* NetSocket *, owned */
	GArray *addresses;    /* NetEndpoint: configured local addresses */
	NetIkeFunc ike_func;
	NetEspFunc esp_func;
	gpointer handler_data;
	NetSendFunc send_func;
	gpointer send_data;
	NetCounters counters;
	guint8 *rx_buf; /* NET_MAX_DATAGRAM octets */
	gboolean detached;  /* net_io_new_detached(): no sockets, ever */
	gboolean listening; /* FALSE after net_io_unlisten() */
	gboolean no_ipv6;   /* NetConfig.no_ipv6, for net_io_listen() */
};

/* ---- endpoints -------------------------------------------------------- */

gsize
net_endpoint_addr_len(const NetEndpoint *ep)
{
	return ep->family == AF_INET ? 4 : ep->family == AF_INET6 ? 16 : 0;
}

gboolean
net_endpoint_parse(const char *addr, guint16 port, NetEndpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (addr == NULL)
		return FALSE;
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return FALSE;
	out->port = port;
	return TRUE;
}

const char *
net_endpoint_addr_to_string(const NetEndpoint *ep, char *buf, gsize len)
{
	if (ep->family == 0 || inet_ntop(ep->family, ep->addr, buf, (socklen_t) len) == NULL)
		g_strlcpy(buf, "%any", len);
	return buf;
}

const char *
net_endpoint_to_string(const NetEndpoint *ep, char *buf, gsize len)
{
	char a[INET6_ADDRSTRLEN + 1];

	net_endpoint_addr_to_string(ep, a, sizeof(a));
	if (ep->family == AF_INET6)
		g_snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		g_snprintf(buf, len, "%s:%u", a, ep->port);
	return buf;
}

gboolean
net_endpoint_addr_equal(const NetEndpoint *a, const NetEndpoint *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, net_endpoint_addr_len(a)) == 0;
}

gboolean
net_endpoint_equal(const NetEndpoint *a, const NetEndpoint *b)
{
	return net_endpoint_addr_equal(a, b) && a->port == b->port;
}

static socklen_t
endpoint_to_sockaddr(const NetEndpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(ep->port);
	memcpy(&sin6->sin6_addr, ep->addr, 16);
	return sizeof(*sin6);
}

static void
endpoint_from_sockaddr(const struct sockaddr_storage *ss, NetEndpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

		ep->family = AF_INET;
		ep->port = ntohs(sin->sin_port);
		memcpy(ep->addr, &sin->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

		ep->family = AF_INET6;
		ep->port = ntohs(sin6->sin6_port);
		memcpy(ep->addr, &sin6->sin6_addr, 16);
	}
}

/* ---- receive ---------------------------------------------------------- */

/* RFC 3948 §2.2/2.3 demux; @pkt carries the whole UDP payload. */
static void
dispatch(NetIo *io, const NetPacket *pkt, gboolean natt)
{
	static const guint8 marker[NET_NON_ESP_MARKER_LEN] = {0, 0, 0, 0};
	NetPacket inner = *pkt;

	if (!natt) {
		if (!io->listening) {
			io->counters.rx_not_listening++;
			return;
		}
		io->counters.rx_ike++;
		if (io->ike_func != NULL)
			io->ike_func(pkt, io->handler_data);
		return;
	}
	if (pkt->len == 1 && pkt->data[0] == 0xff) {
		io->counters.rx_keepalive++;
		return;
	}
	if (pkt->len < NET_NON_ESP_MARKER_LEN) {
		io->counters.rx_dropped++;
		return;
	}
	if (memcmp(pkt->data, marker, NET_NON_ESP_MARKER_LEN) == 0) {
		if (!io->listening) {
			io->counters.rx_not_listening++;
			return;
		}
		inner.data += NET_NON_ESP_MARKER_LEN;
		inner.len -= NET_NON_ESP_MARKER_LEN;
		io->counters.rx_ike++;
		if (io->ike_func != NULL)
			io->ike_func(&inner, io->handler_data);
		return;
	}
	io->counters.rx_esp++;
	if (io->esp_func != NULL)
		io->esp_func(pkt, io->handler_data);
	else
		io->counters.rx_dropped++;
}

void
net_io_inject(NetIo *io, const NetPacket *pkt, gboolean natt)
{
	dispatch(io, pkt, natt);
}

static void
read_pktinfo(struct msghdr *mh, NetEndpoint *local)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->family = AF_INET;
			memcpy(local->addr, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			local->family = AF_INET6;
			memcpy(local->addr, &pi6.ipi6_addr, 16);
		}
	}
}

static gboolean
socket_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	NetSocket *s = user_data;
	NetIo *io = s->io;

	/* Drain a bounded number of datagrams per wake-up so one busy socket
	 * cannot starve the rest of the main loop. */
	for (guint n = 0; n < 64; n++) {
		struct sockaddr_storage from;
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = {.iov_base = io->rx_buf, .iov_len = NET_MAX_DATAGRAM};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		NetPacket pkt = {0};
		ssize_t r = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (r < 0)
			break;
		endpoint_from_sockaddr(&from, &pkt.remote);
		pkt.local = s->bound;
		read_pktinfo(&mh, &pkt.local);
		pkt.local.port = s->port;
		pkt.data = io->rx_buf;
		pkt.len = (gsize) r;
		dispatch(io, &pkt, s->natt);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- sockets ---------------------------------------------------------- */

static void
net_socket_free(NetSocket *s)
{
	if (s->source != NULL) {
		g_source_destroy(s->source);
		g_source_unref(s->source);
	}
	if (s->fd >= 0)
		close(s->fd);
	g_free(s);
}

static int
open_socket(const NetEndpoint *bind_ep, GError **error)
{
	struct sockaddr_storage ss;
	socklen_t sl = endpoint_to_sockaddr(bind_ep, &ss);
	int on = 1;
	int fd = socket(bind_ep->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind_ep->family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
			goto fail;
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
			goto fail;
	}
	if (bind(fd, (struct sockaddr *) &ss, sl) < 0)
		goto fail;
	return fd;
fail: {
	int err = errno;
	char buf[80];

	if (fd >= 0)
		close(fd);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot listen on %s: %s",
	            net_endpoint_to_string(bind_ep, buf, sizeof(buf)), g_strerror(err));
	return -1;
}
}

/* The open socket bound to @bind_ep (address and port), or NULL. */
static NetSocket *
socket_bound_to(NetIo *io, const NetEndpoint *bind_ep)
{
	for (guint i = 0; i < io->sockets->len; i++) {
		NetSocket *s = g_ptr_array_index(io->sockets, i);

		if (net_endpoint_equal(&s->bound, bind_ep))
			return s;
	}
	return NULL;
}

/* Opens a socket for @bind_ep unless one is open already (net_io_listen()
 * opens only what is missing). */
static gboolean
add_socket(NetIo *io, const NetEndpoint *bind_ep, gboolean any, gboolean natt, GError **error)
{
	NetSocket *s;
	int fd;

	if (socket_bound_to(io, bind_ep) != NULL)
		return TRUE;
	fd = open_socket(bind_ep, error);
	if (fd < 0)
		return FALSE;
	s = g_new0(NetSocket, 1);
	s->io = io;
	s->fd = fd;
	s->family = bind_ep->family;
	s->port = bind_ep->port;
	s->natt = natt;
	s->bound_any = any;
	s->bound = *bind_ep;
	s->source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(s->source, G_SOURCE_FUNC(socket_readable), s, NULL);
	g_source_attach(s->source, io->context);
	g_ptr_array_add(io->sockets, s);
	return TRUE;
}

static NetIo *
net_io_alloc(GMainContext *context, const NetConfig *cfg)
{
	NetIo *io = g_new0(NetIo, 1);

	io->context = g_main_context_ref(context != NULL ? context : g_main_context_default());
	io->ike_port = cfg != NULL && cfg->ike_port != 0 ? cfg->ike_port : NET_IKE_PORT;
	io->natt_port = cfg != NULL && cfg->natt_port != 0 ? cfg->natt_port : NET_NATT_PORT;
	io->sockets = g_ptr_array_new_with_free_func((GDestroyNotify) net_socket_free);
	io->addresses = g_array_new(FALSE, TRUE, sizeof(NetEndpoint));
	io->rx_buf = g_malloc(NET_MAX_DATAGRAM);
	io->listening = TRUE;
	io->no_ipv6 = cfg != NULL && cfg->no_ipv6;
	for (guint i = 0; cfg != NULL && cfg->addresses != NULL && cfg->addresses[i] != NULL; i++) {
		NetEndpoint ep;

		if (net_endpoint_parse(cfg->addresses[i], 0, &ep))
			g_array_append_val(io->addresses, ep);
	}
	return io;
}

static gboolean
open_all(NetIo *io, GError **error)
{
	const guint16 ports[2] = {io->ike_port, io->natt_port};

	for (guint p = 0; p < 2; p++) {
		if (io->addresses->len == 0) {
			NetEndpoint any4 = {.family = AF_INET, .port = ports[p]};
			NetEndpoint any6 = {.family = AF_INET6, .port = ports[p]};
			g_autoptr(GError) e6 = NULL;

			if (!add_socket(io, &any4, TRUE, p == 1, error))
				return FALSE;
			/* IPv6 may be disabled on the host: not fatal. */
			if (!io->no_ipv6 && !add_socket(io, &any6, TRUE, p == 1, &e6))
				g_debug("net: no IPv6 socket: %s", e6->message);
			continue;
		}
		for (guint i = 0; i < io->addresses->len; i++) {
			NetEndpoint ep = g_array_index(io->addresses, NetEndpoint, i);

			ep.port = ports[p];
			if (!add_socket(io, &ep, FALSE, p == 1, error))
				return FALSE;
		}
	}
	return TRUE;
}

NetIo *
net_io_new(GMainContext *context, const NetConfig *cfg, GError **error)
{
	g_autoptr(NetIo) io = net_io_alloc(context, cfg);

	if (!open_all(io, error))
		return NULL;
	g_debug("net: listening on ports %u and %u", io->ike_port, io->natt_port);
	return g_steal_pointer(&io);
}

NetIo *
net_io_new_detached(const NetConfig *cfg, NetSendFunc send_func, gpointer user_data)
{
	NetIo *io = net_io_alloc(NULL, cfg);

	io->detached = TRUE;
	io->send_func = send_func;
	io->send_data = user_data;
	return io;
}

void
net_io_free(NetIo *io)
{
	if (io == NULL)
		return;
	g_ptr_array_unref(io->sockets);
	g_array_unref(io->addresses);
	g_main_context_unref(io->context);
	g_free(io->rx_buf);
	g_free(io);
}

void
net_io_set_handlers(NetIo *io, NetIkeFunc ike_func, NetEspFunc esp_func, gpointer user_data)
{
	io->ike_func = ike_func;
	io->esp_func = esp_func;
	io->handler_data = user_data;
}

void
net_io_set_send_func(NetIo *io, NetSendFunc send_func, gpointer user_data)
{
	io->send_func = send_func;
	io->send_data = user_data;
}

guint16
net_io_get_ike_port(const NetIo *io)
{
	return io->ike_port;
}

guint16
net_io_get_natt_port(const NetIo *io)
{
	return io->natt_port;
}

int
net_io_get_natt_fd(NetIo *io, int family)
{
	for (guint i = 0; i < io->sockets->len; i++) {
		NetSocket *s = g_ptr_array_index(io->sockets, i);

		if (s->natt && s->family == family) {
			s->lent = TRUE;
			return s->fd;
		}
	}
	return -1;
}

gboolean
net_io_is_local(const NetIo *io, const NetEndpoint *ep)
{
	struct sockaddr_storage ss;
	NetEndpoint probe = *ep;
	int fd;
	gboolean ok;

	if (ep->family == 0)
		return FALSE;
	for (guint i = 0; i < io->addresses->len; i++)
		if (net_endpoint_addr_equal(&g_array_index(io->addresses, NetEndpoint, i), ep))
			return TRUE;
	/* (still while not listening: the host's addresses did not change) */
	if (io->addresses->len > 0 || io->detached)
		return FALSE;
	/* Wildcard listener: an address is ours when we can bind to it. */
	probe.port = 0;
	fd = socket(ep->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	ok = bind(fd, (struct sockaddr *) &ss, endpoint_to_sockaddr(&probe, &ss)) == 0;
	close(fd);
	return ok;
}

void
net_io_get_counters(const NetIo *io, NetCounters *out)
{
	*out = io->counters;
}

/* ---- send ------------------------------------------------------------- */

static NetSocket *
find_socket(NetIo *io, const NetEndpoint *local)
{
	NetSocket *any = NULL;

	for (guint i = 0; i < io->sockets->len; i++) {
		NetSocket *s = g_ptr_array_index(io->sockets, i);

		if (s->family != local->family || s->port != local->port)
			continue;
		if (s->bound_any)
			any = s;
		else if (net_endpoint_addr_equal(&s->bound, local))
			return s;
	}
	return any;
}

static gboolean
send_datagram(NetIo *io, const NetEndpoint *local, const NetEndpoint *remote,
              const struct iovec *iov, gsize n_iov, GError **error)
{
	NetSocket *s = find_socket(io, local);
	struct sockaddr_storage to;
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = {0};
	struct msghdr mh = {0};
	char b1[64], b2[64];

	if (s == NULL) {
		io->counters.tx_errors++;
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no socket for %s",
		            net_endpoint_to_string(local, b1, sizeof(b1)));
		return FALSE;
	}
	mh.msg_name = &to;
	mh.msg_namelen = endpoint_to_sockaddr(remote, &to);
	mh.msg_iov = (struct iovec *) iov;
	mh.msg_iovlen = n_iov;
	if (s->bound_any && local->family == AF_INET) {
		struct in_pktinfo pi = {0};
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(&pi.ipi_spec_dst, local->addr, 4);
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (s->bound_any && local->family == AF_INET6) {
		struct in6_pktinfo pi6 = {0};
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi6));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(&pi6.ipi6_addr, local->addr, 16);
		memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	}
	if (sendmsg(s->fd, &mh, 0) < 0) {
		int err = errno;

		io->counters.tx_errors++;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "send %s -> %s: %s",
		            net_endpoint_to_string(local, b1, sizeof(b1)),
		            net_endpoint_to_string(remote, b2, sizeof(b2)), g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

gboolean
net_io_send(NetIo *io, const NetPacket *pkt, gboolean natt, GError **error)
{
	static const guint8 marker[NET_NON_ESP_MARKER_LEN] = {0, 0, 0, 0};
	struct iovec iov[2];
	gsize n = 0;

	if (!io->listening) {
		io->counters.tx_errors++;
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
		                    "not listening for IKE (unlistened)");
		return FALSE;
	}
	if (io->send_func != NULL) {
		if (!io->send_func(pkt, natt, io->send_data)) {
			io->counters.tx_errors++;
			g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "send hook failed");
			return FALSE;
		}
		io->counters.tx_ike++;
		return TRUE;
	}
	if (natt) {
		iov[n].iov_base = (void *) marker;
		iov[n++].iov_len = sizeof(marker);
	}
	iov[n].iov_base = (void *) pkt->data;
	iov[n++].iov_len = pkt->len;
	if (!send_datagram(io, &pkt->local, &pkt->remote, iov, n, error))
		return FALSE;
	io->counters.tx_ike++;
	return TRUE;
}

gboolean
net_io_send_keepalive(NetIo *io, const NetEndpoint *local, const NetEndpoint *remote,
                      GError **error)
{
	guint8 ka = 0xff;
	struct iovec iov = {.iov_base = &ka, .iov_len = 1};

	if (io->send_func != NULL)
		return TRUE; /* the in-memory wire has no NAT to keep open */
	return send_datagram(io, local, remote, &iov, 1, error);
}

/* ---- listen / unlisten (whack --listen, --unlisten) -------------------- */

gboolean
net_io_is_listening(const NetIo *io)
{
	return io->listening;
}

guint
net_io_get_n_sockets(const NetIo *io)
{
	guint n = 0;

	if (!io->listening)
		return 0;
	for (guint i = 0; i < io->sockets->len; i++) {
		const NetSocket *s = g_ptr_array_index(io->sockets, i);

		n += s->fd >= 0;
	}
	return n;
}

void
net_io_unlisten(NetIo *io)
{
	guint kept = 0;

	if (!io->listening)
		return;
	io->listening = FALSE;
	/* backwards: removing does not disturb the indices still to visit */
	for (guint i = io->sockets->len; i-- > 0;) {
		NetSocket *s = g_ptr_array_index(io->sockets, i);

		if (s->lent) {
			kept++;
			continue;
		}
		g_ptr_array_remove_index(io->sockets, i);
	}
	g_debug("net: not listening for IKE any more (%u NAT-T socket%s kept open for ESP)", kept,
	        kept == 1 ? "" : "s");
}

gboolean
net_io_listen(NetIo *io, GError **error)
{
	if (!io->detached && !open_all(io, error)) {
		/* all or nothing, as at start: a half-open set stays closed */
		if (!io->listening) {
			io->listening = TRUE;
			net_io_unlisten(io);
		}
		return FALSE;
	}
	if (!io->listening)
		g_debug("net: listening on ports %u and %u again", io->ike_port, io->natt_port);
	io->listening = TRUE;
	return TRUE;
}
