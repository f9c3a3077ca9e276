/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * esp-inject: captures one ESP-in-UDP packet arriving on --dev from --from
 * (AF_PACKET), then sends it again to 127.0.0.1:--port (a replay) and a
 * copy with a new sequence number and a flipped ciphertext bit (a bad ICV).
 * The receiving userspace backend must drop and count both.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

static int
send_udp(const guint8 *p, gsize len, int port)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((guint16) port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = sendto(fd, p, len, 0, (struct sockaddr *) &to, sizeof(to));
	close(fd);
	return n == (ssize_t) len ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};
	struct in_addr from;
	guint8 buf[65536], esp[65536];
	gint64 deadline;
	int fd, port;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &from) != 1) {
		fprintf(stderr, "usage: esp-inject DEV FROM-ADDR PORT TIMEOUT-SECONDS\n");
		return 2;
	}
	port = atoi(argv[3]);
	deadline = g_get_monotonic_time() + atoi(argv[4]) * G_USEC_PER_SEC;
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	sll.sll_ifindex = (int) if_nametoindex(argv[1]);
	if (fd < 0 || sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *) &sll, sizeof(sll)) < 0) {
		perror("esp-inject: capture socket");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (g_get_monotonic_time() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		gsize ihl, len;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 28 || buf[0] >> 4 != 4 || buf[9] != 17 || memcmp(buf + 12, &from, 4) != 0)
			continue;
		ihl = (gsize) (buf[0] & 0x0f) * 4;
		if ((gsize) n < ihl + 8 + 16 || (buf[ihl + 2] << 8 | buf[ihl + 3]) != port)
			continue;
		len = (gsize) n - ihl - 8;
		memcpy(esp, buf + ihl + 8, len);
		if (esp[0] == 0 && esp[1] == 0 && esp[2] == 0 && esp[3] == 0)
			continue; /* IKE, not ESP */
		/* 1: the same packet again. */
		if (send_udp(esp, len, port) < 0)
			return 1;
		/* 2: a sequence number far ahead (passes the replay check) and a
		 * flipped bit: the ICV cannot verify. */
		esp[7] ^= 0x80;
		esp[6] ^= 0x40;
		esp[len - 1] ^= 0x01;
		if (send_udp(esp, len, port) < 0)
			return 1;
		printf("injected spi=%02x%02x%02x%02x\n", esp[0], esp[1], esp[2], esp[3]);
		return 0;
	}
	fprintf(stderr, "esp-inject: no ESP packet captured\n");
	return 1;
}
