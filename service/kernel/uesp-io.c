/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sendmmsg()/recvmmsg() batches with UDP GSO and GRO for the userspace ESP
 * data path (see uesp-io.h for why).
 */
#include "uesp-io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

/* The kernel accepts at most 64 segments per GSO send before Linux 6.? and
 * a UDP payload of at most 65507 octets over IPv4. */
#define UESP_GSO_MAX_SEGS 64u
#define UESP_GSO_MAX_BYTES 65000u
/* Room for one maximal datagram besides the per-packet slots. */
#define UESP_TX_BIG 65536u
#define UESP_RX_SLOTS 32u
#define UESP_RX_SLOT 65536u

typedef struct {
	int fd;
	socklen_t to_len;
	struct sockaddr_storage to;
	gsize off;
	gsize len;
	gpointer cookie;
	gsize cookie_n;
} TxPkt;

typedef union {
	char buf[CMSG_SPACE(sizeof(guint16))];
	struct cmsghdr align;
} TxCmsg;

struct UespTx {
	guint8 *arena;
	gsize size;
	gsize used;
	guint n;
	gboolean gso;
	gsize gso_max_seg; /* largest segment size the route took with GSO */
	TxPkt pkts[UESP_IO_BATCH];
	gboolean sent[UESP_IO_BATCH];
	/* one message per run of packets */
	struct mmsghdr msgs[UESP_IO_BATCH];
	struct iovec iov[UESP_IO_BATCH];
	TxCmsg cmsg[UESP_IO_BATCH];
	guint first[UESP_IO_BATCH];
	guint count[UESP_IO_BATCH];
};

UespTx *
uesp_tx_new(gsize slot_hint)
{
	UespTx *tx = g_new0(UespTx, 1);

	tx->size = UESP_IO_BATCH * MAX(slot_hint, 64u) + UESP_TX_BIG;
	tx->arena = g_malloc(tx->size);
	tx->gso = TRUE;
	tx->gso_max_seg = G_MAXSIZE;
	return tx;
}

void
uesp_tx_free(UespTx *tx)
{
	if (tx == NULL)
		return;
	g_free(tx->arena);
	g_free(tx);
}

guint8 *
uesp_tx_reserve(UespTx *tx, gsize max_len)
{
	if (tx->n == UESP_IO_BATCH || tx->used + max_len > tx->size)
		return NULL;
	return tx->arena + tx->used;
}

void
uesp_tx_commit(UespTx *tx, int fd, const struct sockaddr *to, socklen_t to_len, gsize len,
               gpointer cookie, gsize cookie_n)
{
	TxPkt *p = &tx->pkts[tx->n++];

	g_assert(tx->n <= UESP_IO_BATCH && tx->used + len <= tx->size &&
	         to_len <= sizeof(p->to));
	p->fd = fd;
	p->to_len = to_len;
	memcpy(&p->to, to, to_len);
	p->off = tx->used;
	p->len = len;
	p->cookie = cookie;
	p->cookie_n = cookie_n;
	tx->used += len;
}

guint
uesp_tx_pending(const UespTx *tx)
{
	return tx->n;
}

gboolean
uesp_tx_get_gso(const UespTx *tx)
{
	return tx->gso;
}

void
uesp_tx_set_gso(UespTx *tx, gboolean on)
{
	tx->gso = on;
}

static gboolean
same_peer(const TxPkt *a, const TxPkt *b)
{
	return a->fd == b->fd && a->to_len == b->to_len && memcmp(&a->to, &b->to, a->to_len) == 0;
}

/* Groups tx->pkts into messages: a GSO run needs the same peer and equal
 * segments, where only the last one may be shorter. */
static guint
build_msgs(UespTx *tx)
{
	guint m = 0;

	for (guint i = 0; i < tx->n; m++) {
		const TxPkt *p = &tx->pkts[i];
		struct msghdr *h = &tx->msgs[m].msg_hdr;
		gsize total = p->len;
		guint j = i + 1;

		if (tx->gso && p->len <= tx->gso_max_seg) {
			while (j < tx->n && j - i < UESP_GSO_MAX_SEGS &&
			       tx->pkts[j - 1].len == p->len && tx->pkts[j].len <= p->len &&
			       total + tx->pkts[j].len <= UESP_GSO_MAX_BYTES &&
			       same_peer(&tx->pkts[j], p)) {
				total += tx->pkts[j].len;
				j++;
			}
		}
		for (guint k = i; k < j; k++) {
			tx->iov[k].iov_base = tx->arena + tx->pkts[k].off;
			tx->iov[k].iov_len = tx->pkts[k].len;
		}
		memset(h, 0, sizeof(*h));
		h->msg_name = (void *) &p->to;
		h->msg_namelen = p->to_len;
		h->msg_iov = &tx->iov[i];
		h->msg_iovlen = j - i;
		if (j - i > 1) {
			struct cmsghdr *c;
			guint16 seg = (guint16) p->len;

			memset(&tx->cmsg[m], 0, sizeof(tx->cmsg[m]));
			h->msg_control = tx->cmsg[m].buf;
			h->msg_controllen = sizeof(tx->cmsg[m].buf);
			c = CMSG_FIRSTHDR(h);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		}
		tx->first[m] = i;
		tx->count[m] = j - i;
		i = j;
	}
	return m;
}

/* A GSO message the kernel refused: send its packets one by one, and learn
 * whether GSO is off for good (no checksum offload: EIO; no support:
 * ENOPROTOOPT/EOPNOTSUPP) or the segments are only too big for this route
 * (EINVAL, EMSGSIZE: a segment over the MTU, which alone would be
 * fragmented). */
static void
gso_fallback(UespTx *tx, guint m, int err)
{
	guint first = tx->first[m];
	const TxPkt *head = &tx->pkts[first];

	if (err == EINVAL || err == EMSGSIZE)
		tx->gso_max_seg = head->len > 1 ? head->len - 1 : 0;
	else
		tx->gso = FALSE;
	g_debug("uesp: UDP GSO of %zu-octet segments refused (%s); %s", head->len,
	        g_strerror(err), tx->gso ? "smaller segments only" : "GSO off");
	for (guint k = first; k < first + tx->count[m]; k++) {
		const TxPkt *p = &tx->pkts[k];

		tx->sent[k] = sendto(p->fd, tx->arena + p->off, p->len, MSG_DONTWAIT,
		                     (const struct sockaddr *) &p->to, p->to_len) >= 0;
	}
}

static void
send_run(UespTx *tx, int fd, guint a, guint b)
{
	while (a < b) {
		int r = sendmmsg(fd, &tx->msgs[a], b - a, MSG_DONTWAIT);

		if (r > 0) {
			for (guint m = a; m < a + (guint) r; m++)
				for (guint k = 0; k < tx->count[m]; k++)
					tx->sent[tx->first[m] + k] = TRUE;
			a += (guint) r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* msgs[a] failed; its packets stay unsent unless GSO was the
		 * reason. */
		if (r < 0 && tx->count[a] > 1 &&
		    (errno == EIO || errno == EINVAL || errno == EMSGSIZE || errno == ENOPROTOOPT ||
		     errno == EOPNOTSUPP))
			gso_fallback(tx, a, errno);
		a++;
	}
}

void
uesp_tx_flush(UespTx *tx, UespTxDone done, gpointer user_data)
{
	guint m;

	if (tx->n == 0)
		return;
	memset(tx->sent, 0, sizeof(tx->sent[0]) * tx->n);
	m = build_msgs(tx);
	for (guint a = 0; a < m;) {
		int fd = tx->pkts[tx->first[a]].fd;
		guint b = a + 1;

		while (b < m && tx->pkts[tx->first[b]].fd == fd)
			b++;
		if (fd >= 0)
			send_run(tx, fd, a, b);
		a = b;
	}
	for (guint k = 0; k < tx->n; k++)
		done(tx->pkts[k].cookie, tx->pkts[k].cookie_n, tx->sent[k], user_data);
	tx->n = 0;
	tx->used = 0;
}

/* ---- receive ---------------------------------------------------------- */

typedef union {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
} RxCmsg;

struct UespRx {
	guint8 *slots;
	struct mmsghdr msgs[UESP_RX_SLOTS];
	struct iovec iov[UESP_RX_SLOTS];
	struct sockaddr_storage from[UESP_RX_SLOTS];
	RxCmsg cmsg[UESP_RX_SLOTS];
};

UespRx *
uesp_rx_new(void)
{
	UespRx *rx = g_new0(UespRx, 1);

	rx->slots = g_malloc((gsize) UESP_RX_SLOTS * UESP_RX_SLOT);
	for (guint i = 0; i < UESP_RX_SLOTS; i++) {
		rx->iov[i].iov_base = rx->slots + (gsize) i * UESP_RX_SLOT;
		rx->iov[i].iov_len = UESP_RX_SLOT;
	}
	return rx;
}

void
uesp_rx_free(UespRx *rx)
{
	if (rx == NULL)
		return;
	g_free(rx->slots);
	g_free(rx);
}

static gsize
gro_segment(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		int seg;

		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO ||
		    c->cmsg_len < CMSG_LEN(sizeof(seg)))
			continue;
		memcpy(&seg, CMSG_DATA(c), sizeof(seg));
		return seg > 0 ? (gsize) seg : 0;
	}
	return 0;
}

int
uesp_rx_drain(UespRx *rx, int fd, UespRxFunc func, gpointer user_data)
{
	int got, n = 0;

	for (guint i = 0; i < UESP_RX_SLOTS; i++) {
		struct msghdr *h = &rx->msgs[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		h->msg_name = &rx->from[i];
		h->msg_namelen = sizeof(rx->from[i]);
		h->msg_iov = &rx->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = rx->cmsg[i].buf;
		h->msg_controllen = sizeof(rx->cmsg[i].buf);
	}
	do
		got = recvmmsg(fd, rx->msgs, UESP_RX_SLOTS, MSG_DONTWAIT, NULL);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (int i = 0; i < got; i++) {
		struct msghdr *h = &rx->msgs[i].msg_hdr;
		guint8 *data = rx->iov[i].iov_base;
		gsize len = rx->msgs[i].msg_len;
		gsize seg;

		if (h->msg_namelen > sizeof(rx->from[i]))
			continue;
		if (h->msg_namelen < sizeof(sa_family_t))
			rx->from[i].ss_family = AF_UNSPEC;
		if (h->msg_flags & MSG_TRUNC)
			continue; /* cannot be a whole ESP packet */
		seg = gro_segment(h);
		if (seg == 0 || seg >= len) {
			func(data, len, &rx->from[i], user_data);
			n++;
			continue;
		}
		for (gsize off = 0; off < len; off += seg, n++)
			func(data + off, MIN(seg, len - off), &rx->from[i], user_data);
	}
	return n;
}

gboolean
uesp_socket_enable_gro(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
}

void
uesp_socket_set_buffers(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}
