/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net/: the IKE UDP sockets (RFC 7296 §2.11, RFC 3948 §2.2).
 *
 * One NetIo owns a socket per (family, port) for the IKE port (500) and the
 * NAT-T port (4500), bound to the configured addresses or to the wildcard.
 * Each socket reports the local address a datagram arrived on (IP_PKTINFO /
 * IPV6_RECVPKTINFO) so replies leave from the address the peer talked to.
 *
 * On the NAT-T port a datagram starting with the 4-byte non-ESP marker is
 * IKE (the marker is stripped); a single 0xFF octet is a NAT-T keepalive
 * (dropped); anything else is ESP and goes to the ESP handler (the kernel
 * backend's esp_input).  Sending to a NAT-T port prepends the marker.
 *
 * Tests replace the sockets: net_io_new_detached() makes a NetIo whose sends
 * go through a function pointer and whose input comes from net_io_inject().
 *
 * Thread: everything runs on the GMainContext given at creation.
 * Errors: G_IO_ERROR (from the socket calls).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NET_IKE_PORT 500
#define NET_NATT_PORT 4500
#define NET_NON_ESP_MARKER_LEN 4
#define NET_MAX_DATAGRAM 65535

/* An address and UDP port; address bytes in network order, port in host
 * order.  family is AF_INET or AF_INET6, 0 = unset. */
typedef struct {
	guint8 family;
	guint8 addr[16];
	guint16 port;
} NetEndpoint;

/* A received or outgoing datagram; data borrowed for the call. */
typedef struct {
	NetEndpoint local;  /* our address and port */
	NetEndpoint remote; /* the peer's */
	const guint8 *data; /* IKE message (marker stripped) or ESP packet */
	gsize len;
} NetPacket;

typedef struct NetIo NetIo;

/* An IKE message arrived (non-ESP marker removed). */
typedef void (*NetIkeFunc)(const NetPacket *pkt, gpointer user_data);
/* An ESP packet arrived on a NAT-T port (starts with the SPI). */
typedef void (*NetEspFunc)(const NetPacket *pkt, gpointer user_data);
/* Replacement for the socket send (tests): @pkt->data is the IKE message
 * without marker; the hook decides what the wire carries.  Return FALSE
 * to report a send error. */
typedef gboolean (*NetSendFunc)(const NetPacket *pkt, gboolean natt, gpointer user_data);

typedef struct {
	/* Addresses to bind ("192.0.2.1", "::1"); NULL or empty = wildcard
	 * on both families. */
	const char *const *addresses;
	guint16 ike_port;  /* default NET_IKE_PORT (0 = default) */
	guint16 natt_port; /* default NET_NATT_PORT (0 = default) */
	gboolean no_ipv6;  /* do not open IPv6 sockets */
} NetConfig;

/* Owned, with open sockets attached to @context (NULL = default). */
NetIo *net_io_new(GMainContext *context, const NetConfig *cfg, GError **error);
/* Owned, without sockets: sends go to @send_func, input via net_io_inject().
 * @cfg->addresses (@cfg may be NULL) is what net_io_is_local() accepts. */
NetIo *net_io_new_detached(const NetConfig *cfg, NetSendFunc send_func, gpointer user_data);
void net_io_free(NetIo *io);

/* Where received packets go.  Called on the NetIo's context. */
void net_io_set_handlers(NetIo *io, NetIkeFunc ike_func, NetEspFunc esp_func, gpointer user_data);
/* Replaces the send path (also on a socket NetIo). */
void net_io_set_send_func(NetIo *io, NetSendFunc send_func, gpointer user_data);

/* Feeds a datagram as if received; @natt says it came to a NAT-T port, so
 * the marker demux applies. */
void net_io_inject(NetIo *io, const NetPacket *pkt, gboolean natt);

/* Sends the IKE message @pkt->data from @pkt->local to @pkt->remote;
 * @natt adds the non-ESP marker (the ports say which socket is used).
 * FALSE with G_IO_ERROR when the send fails. */
gboolean net_io_send(NetIo *io, const NetPacket *pkt, gboolean natt, GError **error);
/* RFC 3948 §2.3 keepalive (one 0xFF octet) from @local to @remote. */
gboolean net_io_send_keepalive(NetIo *io, const NetEndpoint *local, const NetEndpoint *remote,
                               GError **error);

/* whack --unlisten: closes the IKE sockets, so that no IKE is received
 * (and none sent: net_io_send() fails with G_IO_ERROR_NOT_CONNECTED).  A
 * NAT-T socket handed out by net_io_get_natt_fd() stays open for the ESP
 * it carries; IKE arriving on it is dropped (rx_not_listening).  SAs are
 * not touched: that is the engine's business.  A detached NetIo only stops
 * taking injected IKE. */
void net_io_unlisten(NetIo *io);
/* whack --listen: opens the sockets that are not open (all of them after
 * net_io_unlisten(); while listening, the ones that failed or are new), as
 * net_io_new() does.  FALSE with G_IO_ERROR when one that must be bound
 * cannot be (then it stays or becomes unlistened). */
gboolean net_io_listen(NetIo *io, GError **error);
gboolean net_io_is_listening(const NetIo *io);
/* Sockets IKE is received on (0 while not listening). */
guint net_io_get_n_sockets(const NetIo *io);

/* The configured ports. */
guint16 net_io_get_ike_port(const NetIo *io);
guint16 net_io_get_natt_port(const NetIo *io);
/* The NAT-T socket of @family (AF_INET / AF_INET6) bound to the wildcard or
 * the first address of that family, for the userspace ESP backend to send
 * ESP-in-UDP from; -1 if none (detached, or no socket of that family).
 * That socket is then the ESP path's too: net_io_unlisten() keeps it. */
int net_io_get_natt_fd(NetIo *io, int family);
/* TRUE when @ep's address belongs to this host (configured addresses; with
 * none configured, whether a socket can be bound to it). */
gboolean net_io_is_local(const NetIo *io, const NetEndpoint *ep);

/* Counters for status. */
typedef struct {
	guint64 rx_ike;
	guint64 rx_esp;
	guint64 rx_keepalive;
	guint64 rx_dropped; /* truncated, bad marker, no handler */
	guint64 rx_not_listening; /* IKE dropped while unlistened (lent NAT-T socket, inject) */
	guint64 tx_ike;
	guint64 tx_errors;
} NetCounters;
void net_io_get_counters(const NetIo *io, NetCounters *out);

/* Endpoint helpers. */
gboolean net_endpoint_parse(const char *addr, guint16 port, NetEndpoint *out);
/* "192.0.2.1:500" or "[2001:db8::1]:500" into @buf (>= 64 octets); returns @buf. */
const char *net_endpoint_to_string(const NetEndpoint *ep, char *buf, gsize len);
/* Address only. */
const char *net_endpoint_addr_to_string(const NetEndpoint *ep, char *buf, gsize len);
gsize net_endpoint_addr_len(const NetEndpoint *ep);
gboolean net_endpoint_addr_equal(const NetEndpoint *a, const NetEndpoint *b);
gboolean net_endpoint_equal(const NetEndpoint *a, const NetEndpoint *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NetIo, net_io_free)

G_END_DECLS
