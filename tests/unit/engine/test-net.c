/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net/: the RFC 3948 demux on the NAT-T port (non-ESP marker, keepalive,
 * ESP), and real UDP sockets on loopback: the marker is added on send and
 * stripped on receive, and IP_PKTINFO reports the local address of a
 * wildcard socket and picks the source address when sending from one;
 * unlisten and listen again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

typedef struct {
	guint ike;
	guint esp;
	guint8 last[64];
	gsize last_len;
	NetPacket last_pkt;
} Seen;

static void
on_ike(const NetPacket *pkt, gpointer user_data)
{
	Seen *s = user_data;

	s->ike++;
	s->last_len = MIN(pkt->len, sizeof(s->last));
	memcpy(s->last, pkt->data, s->last_len);
	s->last_pkt = *pkt;
	s->last_pkt.data = NULL;
}

static void
on_esp(const NetPacket *pkt, gpointer user_data)
{
	Seen *s = user_data;

	s->esp++;
	s->last_len = MIN(pkt->len, sizeof(s->last));
	memcpy(s->last, pkt->data, s->last_len);
}

static void
test_demux(void)
{
	g_autoptr(NetIo) io = net_io_new_detached(NULL, NULL, NULL);
	Seen s = {0};
	NetCounters c;
	const guint8 ike[] = {0, 0, 0, 0, 'I', 'K', 'E'};
	const guint8 esp[] = {0xc0, 0, 0, 1, 'E', 'S', 'P'};
	const guint8 ka[] = {0xff};
	const guint8 shorty[] = {0, 0};
	NetPacket pkt = {0};

	net_io_set_handlers(io, on_ike, on_esp, &s);
	pkt.data = ike;
	pkt.len = sizeof(ike);
	net_io_inject(io, &pkt, TRUE);
	g_assert_cmpuint(s.ike, ==, 1);
	g_assert_cmpmem(s.last, s.last_len, "IKE", 3);
	/* on port 500 there is no marker: the datagram is the message */
	net_io_inject(io, &pkt, FALSE);
	g_assert_cmpuint(s.ike, ==, 2);
	g_assert_cmpuint(s.last_len, ==, sizeof(ike));
	pkt.data = esp;
	pkt.len = sizeof(esp);
	net_io_inject(io, &pkt, TRUE);
	g_assert_cmpuint(s.esp, ==, 1);
	g_assert_cmpmem(s.last, s.last_len, esp, sizeof(esp));
	pkt.data = ka;
	pkt.len = sizeof(ka);
	net_io_inject(io, &pkt, TRUE);
	pkt.data = shorty;
	pkt.len = sizeof(shorty);
	net_io_inject(io, &pkt, TRUE);
	net_io_get_counters(io, &c);
	g_assert_cmpuint(c.rx_keepalive, ==, 1);
	g_assert_cmpuint(c.rx_dropped, ==, 1);
	g_assert_cmpuint(c.rx_esp, ==, 1);
	g_assert_cmpuint(c.rx_ike, ==, 2);
}

static gboolean
seen_one(Seen *s)
{
	for (guint i = 0; i < 200 && s->ike == 0; i++) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(5000);
	}
	return s->ike > 0;
}

/* Two NetIo on loopback addresses with free ports; skips if none can be
 * bound (no loopback in this sandbox). */
static NetIo *
open_io(const char *addr, guint16 *base)
{
	for (guint tries = 0; tries < 20; tries++) {
		const char *addrs[] = {addr, NULL};
		guint16 b = (guint16) g_random_int_range(20000, 60000);
		NetConfig cfg = {.addresses = addr != NULL ? addrs : NULL, .ike_port = b,
		                 .natt_port = (guint16) (b + 1), .no_ipv6 = TRUE};
		NetIo *io = net_io_new(NULL, &cfg, NULL);

		if (io != NULL) {
			*base = b;
			return io;
		}
	}
	*base = 0;
	return NULL;
}

static void
test_sockets(void)
{
	/* open_io() sets them only on success; gcc -O3 cannot see that the
	 * skip below covers every failure */
	guint16 pa = 0, pb = 0, pc = 0;
	g_autoptr(NetIo) a = open_io("127.0.0.1", &pa);
	g_autoptr(NetIo) b = open_io("127.0.0.2", &pb);
	g_autoptr(NetIo) c = open_io(NULL, &pc);
	Seen sb = {0}, sc = {0};
	const guint8 msg[] = "hello-ike";
	NetPacket pkt = {0};
	g_autoptr(GError) error = NULL;
	char buf[64];

	if (a == NULL || b == NULL || c == NULL) {
		g_test_skip("cannot bind loopback UDP sockets");
		return;
	}
	net_io_set_handlers(b, on_ike, on_esp, &sb);
	net_io_set_handlers(c, on_ike, on_esp, &sc);
	g_assert_cmpint(net_io_get_natt_fd(a, AF_INET), >=, 0);
	g_assert_cmpint(net_io_get_natt_fd(a, AF_INET6), ==, -1);
	/* a -> b on the NAT-T ports: marker added and stripped */
	net_endpoint_parse("127.0.0.1", (guint16) (pa + 1), &pkt.local);
	net_endpoint_parse("127.0.0.2", (guint16) (pb + 1), &pkt.remote);
	pkt.data = msg;
	pkt.len = sizeof(msg);
	g_assert_true(net_io_send(a, &pkt, TRUE, &error));
	g_assert_no_error(error);
	g_assert_true(seen_one(&sb));
	g_assert_cmpmem(sb.last, sb.last_len, msg, sizeof(msg));
	{
		g_autofree char *want = g_strdup_printf("127.0.0.2:%u", pb + 1);

		g_assert_cmpstr(net_endpoint_to_string(&sb.last_pkt.local, buf, sizeof(buf)), ==, want);
	}
	g_assert_true(net_endpoint_equal(&sb.last_pkt.remote, &pkt.local));
	/* a -> c's wildcard socket at 127.0.0.3: pktinfo names the address */
	net_endpoint_parse("127.0.0.1", pa, &pkt.local);
	net_endpoint_parse("127.0.0.3", pc, &pkt.remote);
	g_assert_true(net_io_send(a, &pkt, FALSE, &error));
	g_assert_true(seen_one(&sc));
	g_assert_cmpstr(net_endpoint_addr_to_string(&sc.last_pkt.local, buf, sizeof(buf)), ==,
	                "127.0.0.3");
	g_assert_cmpuint(sc.last_pkt.local.port, ==, pc);
	/* and the reply from the wildcard socket leaves from 127.0.0.3 */
	sb.ike = 0;
	pkt.local = sc.last_pkt.local;
	net_endpoint_parse("127.0.0.2", pb, &pkt.remote);
	g_assert_true(net_io_send(c, &pkt, FALSE, &error));
	g_assert_true(seen_one(&sb));
	g_assert_cmpstr(net_endpoint_addr_to_string(&sb.last_pkt.remote, buf, sizeof(buf)), ==,
	                "127.0.0.3");
	g_assert_true(net_io_is_local(a, &sb.last_pkt.remote) == FALSE);
	g_assert_true(net_io_is_local(c, &sb.last_pkt.remote));
	/* a keepalive is counted and goes nowhere else */
	net_endpoint_parse("127.0.0.1", (guint16) (pa + 1), &pkt.local);
	net_endpoint_parse("127.0.0.2", (guint16) (pb + 1), &pkt.remote);
	sb.ike = sb.esp = 0;
	g_assert_true(net_io_send_keepalive(a, &pkt.local, &pkt.remote, NULL));
	for (guint i = 0; i < 200; i++) {
		NetCounters nc;

		net_io_get_counters(b, &nc);
		if (nc.rx_keepalive == 1)
			break;
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(5000);
	}
	{
		NetCounters nc;

		net_io_get_counters(b, &nc);
		g_assert_cmpuint(nc.rx_keepalive, ==, 1);
	}
	g_assert_cmpuint(sb.ike + sb.esp, ==, 0);
}

/* --unlisten / --listen: the sockets close (a datagram to the port is
 * refused), nothing IKE is sent, a lent NAT-T socket stays for ESP only;
 * listening again opens them on the same ports. */
static void
test_unlisten(void)
{
	guint16 pa = 0, pb = 0;
	g_autoptr(NetIo) a = open_io("127.0.0.1", &pa);
	g_autoptr(NetIo) b = open_io("127.0.0.2", &pb);
	Seen sb = {0};
	const guint8 msg[] = "hello-ike";
	const guint8 esp[] = {0xc0, 0, 0, 1, 'E', 'S', 'P'};
	NetPacket pkt = {0};
	NetCounters nc;
	g_autoptr(GError) error = NULL;
	struct sockaddr_in to = {.sin_family = AF_INET};
	int probe;

	if (a == NULL || b == NULL) {
		g_test_skip("cannot bind loopback UDP sockets");
		return;
	}
	net_io_set_handlers(b, on_ike, on_esp, &sb);
	g_assert_true(net_io_is_listening(b));
	g_assert_cmpuint(net_io_get_n_sockets(b), ==, 2);
	/* b's NAT-T socket carries ESP (the userspace backend has it) */
	g_assert_cmpint(net_io_get_natt_fd(b, AF_INET), >=, 0);
	net_io_unlisten(b);
	g_assert_false(net_io_is_listening(b));
	g_assert_cmpuint(net_io_get_n_sockets(b), ==, 0);
	/* port 500's socket is closed: a connected UDP socket learns it */
	probe = socket(AF_INET, SOCK_DGRAM, 0);
	g_assert_cmpint(probe, >=, 0);
	to.sin_port = htons(pb);
	inet_pton(AF_INET, "127.0.0.2", &to.sin_addr);
	g_assert_cmpint(connect(probe, (struct sockaddr *) &to, sizeof(to)), ==, 0);
	g_assert_cmpint(send(probe, msg, sizeof(msg), 0), ==, (gssize) sizeof(msg));
	g_usleep(20000);
	g_assert_cmpint(send(probe, msg, sizeof(msg), 0), ==, -1);
	g_assert_cmpint(errno, ==, ECONNREFUSED);
	close(probe);
	/* IKE to the NAT-T port is dropped, ESP still arrives */
	net_endpoint_parse("127.0.0.1", (guint16) (pa + 1), &pkt.local);
	net_endpoint_parse("127.0.0.2", (guint16) (pb + 1), &pkt.remote);
	pkt.data = msg;
	pkt.len = sizeof(msg);
	g_assert_true(net_io_send(a, &pkt, TRUE, &error));
	probe = net_io_get_natt_fd(a, AF_INET);
	to.sin_port = htons((guint16) (pb + 1));
	g_assert_cmpint(sendto(probe, esp, sizeof(esp), 0, (struct sockaddr *) &to, sizeof(to)), ==,
	                (gssize) sizeof(esp));
	for (guint i = 0; i < 200 && sb.esp == 0; i++) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(5000);
	}
	g_assert_cmpuint(sb.esp, ==, 1);
	g_assert_cmpuint(sb.ike, ==, 0);
	net_io_get_counters(b, &nc);
	g_assert_cmpuint(nc.rx_not_listening, ==, 1);
	/* b sends no IKE meanwhile */
	pkt.local = pkt.remote;
	net_endpoint_parse("127.0.0.1", (guint16) (pa + 1), &pkt.remote);
	g_assert_false(net_io_send(b, &pkt, TRUE, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
	g_clear_error(&error);
	/* listening again: the same ports receive IKE */
	g_assert_true(net_io_listen(b, &error));
	g_assert_no_error(error);
	g_assert_true(net_io_listen(b, &error)); /* again: nothing new to open */
	g_assert_cmpuint(net_io_get_n_sockets(b), ==, 2);
	net_endpoint_parse("127.0.0.1", pa, &pkt.local);
	net_endpoint_parse("127.0.0.2", pb, &pkt.remote);
	g_assert_true(net_io_send(a, &pkt, FALSE, &error));
	g_assert_true(seen_one(&sb));
	/* a detached NetIo stops taking injected IKE */
	{
		g_autoptr(NetIo) d = net_io_new_detached(NULL, NULL, NULL);
		Seen sd = {0};

		net_io_set_handlers(d, on_ike, on_esp, &sd);
		net_io_unlisten(d);
		net_io_inject(d, &pkt, FALSE);
		g_assert_cmpuint(sd.ike, ==, 0);
		g_assert_true(net_io_listen(d, NULL));
		net_io_inject(d, &pkt, FALSE);
		g_assert_cmpuint(sd.ike, ==, 1);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/demux", test_demux);
	g_test_add_func("/net/sockets", test_sockets);
	g_test_add_func("/net/unlisten", test_unlisten);
	return g_test_run();
}
