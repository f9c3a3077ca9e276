/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udp-blast: a UDP load generator and sink for the userspace ESP benchmark.
 *   udp-blast recv PORT SECONDS            counts what arrives, prints totals
 *   udp-blast send SRC DST PORT SECONDS SIZE [RATE]
 *                                          sends SIZE-octet datagrams flat out,
 *                                          or paced at RATE packets/s
 * Output is one line of key=value pairs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

static int
do_recv(int port, int seconds)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((guint16) port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 8 << 20;
	static guint8 buf[65536];
	guint64 pkts = 0, bytes = 0;
	gint64 first = 0, last = 0,
	       end = g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0) {
		perror("bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (g_get_monotonic_time() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			last = g_get_monotonic_time();
			if (first == 0)
				first = last;
			pkts++;
			bytes += (guint64) n;
		}
	}
	double secs = last > first ? (double) (last - first) / G_USEC_PER_SEC : 1e-9;
	printf("received packets=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT
	       " seconds=%.2f MB/s=%.1f pps=%.0f\n",
	       pkts, bytes, secs, (double) bytes / secs / 1e6, (double) pkts / secs);
	return 0;
}

static void
sleep_until(gint64 when)
{
	gint64 now = g_get_monotonic_time();

	if (when > now)
		g_usleep((gulong) (when - now));
}

static int
do_send(const char *src, const char *dst, int port, int seconds, int size, double rate)
{
	struct sockaddr_in from = {.sin_family = AF_INET};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((guint16) port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	static guint8 buf[65536];
	guint64 sent = 0, failed = 0;
	gint64 start = g_get_monotonic_time(), end = start + (gint64) seconds * G_USEC_PER_SEC;

	inet_pton(AF_INET, src, &from.sin_addr);
	inet_pton(AF_INET, dst, &to.sin_addr);
	if (bind(fd, (struct sockaddr *) &from, sizeof(from)) < 0 ||
	    connect(fd, (struct sockaddr *) &to, sizeof(to)) < 0) {
		perror("udp-blast");
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	while (g_get_monotonic_time() < end) {
		/* Paced: bursts of 16 on a fixed schedule, so a late wakeup is
		 * caught up rather than lost. */
		if (rate > 0)
			sleep_until(start + (gint64) ((double) (sent + failed) / rate * G_USEC_PER_SEC));
		for (int i = 0; i < (rate > 0 ? 16 : 64); i++) {
			if (send(fd, buf, (size_t) size, 0) < 0) {
				failed++;
				if (errno == ENOBUFS || errno == EAGAIN)
					g_usleep(50);
			} else {
				sent++;
			}
		}
	}
	double secs = (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	printf("sent packets=%" G_GUINT64_FORMAT " failed=%" G_GUINT64_FORMAT
	       " MB/s=%.1f pps=%.0f\n",
	       sent, failed, (double) sent * size / secs / 1e6, (double) sent / secs);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return do_recv(atoi(argv[2]), atoi(argv[3]));
	if ((argc == 7 || argc == 8) && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
		               argc == 8 ? g_ascii_strtod(argv[7], NULL) : 0);
	fprintf(stderr,
	        "usage: udp-blast recv PORT SECONDS | send SRC DST PORT SECONDS SIZE [RATE]\n");
	return 2;
}
