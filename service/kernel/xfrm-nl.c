/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink request/reply loop for the xfrm backend (see xfrm-nl.h for why
 * replies are not read through libnl).
 */
#include "xfrm-nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/socket.h>

#include "kernel.h"
#include "secbuf.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct XfrmNl {
	struct nl_sock *sock;
};

void
xfrm_nl_msg_free(struct nl_msg *msg)
{
	struct nlmsghdr *hdr;

	if (msg == NULL)
		return;
	hdr = nlmsg_hdr(msg);
	ikebus_wipe(hdr, hdr->nlmsg_len);
	nlmsg_free(msg);
}

int
xfrm_nl_errno_to_code(int err)
{
	switch (err) {
	case EEXIST:
		return KERNEL_ERROR_EXISTS;
	case ENOENT:
	case ESRCH:
		return KERNEL_ERROR_NOT_FOUND;
	case EPERM:
	case EACCES:
		return KERNEL_ERROR_PERMISSION;
	case EPROTONOSUPPORT:
	case ENOSYS:
	case EOPNOTSUPP:
	case EAFNOSUPPORT:
		return KERNEL_ERROR_NOT_SUPPORTED;
	case EINVAL:
		return KERNEL_ERROR_INVALID;
	default:
		return KERNEL_ERROR_FAILED;
	}
}

static XfrmNl *
nl_open(int protocol, GError **error)
{
	g_autofree XfrmNl *nl = g_new0(XfrmNl, 1);
	int one = 1;
	int err;

	nl->sock = nl_socket_alloc();
	if (nl->sock == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: cannot allocate a netlink socket");
		return NULL;
	}
	nl_socket_disable_auto_ack(nl->sock);
	err = nl_connect(nl->sock, protocol);
	if (err < 0) {
		nl_socket_free(nl->sock);
		if (protocol == NETLINK_XFRM)
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
			            "xfrm: cannot open a NETLINK_XFRM socket (%s); this kernel "
			            "has no CONFIG_XFRM_USER",
			            nl_geterror(err));
		else
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
			            "xfrm: cannot open a NETLINK_ROUTE socket: %s",
			            nl_geterror(err));
		return NULL;
	}
	/* Best effort: older kernels lack one or both; errors still arrive. */
	(void) setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK, &one,
	                  sizeof(one));
	(void) setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_CAP_ACK, &one,
	                  sizeof(one));
	return g_steal_pointer(&nl);
}

XfrmNl *
xfrm_nl_new(GError **error)
{
	return nl_open(NETLINK_XFRM, error);
}

XfrmNl *
xfrm_nl_new_route(GError **error)
{
	return nl_open(NETLINK_ROUTE, error);
}

void
xfrm_nl_free(XfrmNl *nl)
{
	if (nl == NULL)
		return;
	nl_socket_free(nl->sock);
	g_free(nl);
}

/* The kernel's NLMSGERR_ATTR_MSG text of an error ACK, or NULL. */
static const char *
extack_message(const struct nlmsghdr *hdr)
{
	const struct nlmsgerr *e = NLMSG_DATA(hdr);
	gsize off = NLMSG_HDRLEN + sizeof(*e);
	const guint8 *p;
	gsize left;

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS) || hdr->nlmsg_len < off)
		return NULL;
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED)) {
		/* The original request follows the error header. */
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NULL;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off > hdr->nlmsg_len)
		return NULL;
	p = (const guint8 *) hdr + off;
	left = hdr->nlmsg_len - off;
	while (left >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *) p;
		gsize alen = a->nla_len;

		if (alen < sizeof(*a) || alen > left)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && alen > sizeof(*a)) {
			const char *s = (const char *) (a + 1);
			/* Must be NUL-terminated inside the attribute. */
			if (memchr(s, '\0', alen - sizeof(*a)) != NULL)
				return s;
			return NULL;
		}
		alen = NLA_ALIGN(alen);
		if (alen > left)
			break;
		p += alen;
		left -= alen;
	}
	return NULL;
}

typedef enum {
	READ_MORE,
	READ_DONE,
} ReadState;

typedef struct {
	guint32 seq;
	guint32 port;
	XfrmNlReplyFunc func;
	gpointer user_data;
	gboolean stopped;
	gboolean done;
	int err;      /* positive errno from the kernel, 0 = success */
	char *reason; /* owned extack text */
} Exchange;

/* Receives one datagram into a buffer that is wiped before it is freed.
 * Returns the length, or -errno. */
static gssize
recv_datagram(int fd, guint8 **buf_out, int flags)
{
	guint8 peek[1];
	gssize len;
	guint8 *buf;

	do
		len = recv(fd, peek, sizeof(peek), MSG_PEEK | MSG_TRUNC | flags);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	if (len == 0)
		return -EPIPE;
	buf = g_malloc((gsize) len);
	do
		len = recv(fd, buf, (gsize) len, flags);
	while (len < 0 && errno == EINTR);
	if (len < 0) {
		int e = errno;
		g_free(buf);
		return -e;
	}
	*buf_out = buf;
	return len;
}

/* Walks the complete messages of one datagram; a truncated tail is ignored. */
typedef void (*MessageFunc)(const struct nlmsghdr *hdr, gpointer user_data);

static void
for_each_message(const guint8 *buf, gsize len, MessageFunc func, gpointer user_data)
{
	gsize off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const struct nlmsghdr *) (buf + off);

		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off)
			break;
		func(h, user_data);
		off += MIN((gsize) NLMSG_ALIGN(h->nlmsg_len), len - off);
	}
}

static void
exchange_handle(Exchange *ex, const struct nlmsghdr *hdr)
{
	if (hdr->nlmsg_seq != ex->seq)
		return; /* left over from an earlier, abandoned request */
	switch (hdr->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_DONE:
		ex->done = TRUE;
		return;
	case NLMSG_ERROR: {
		const struct nlmsgerr *e = NLMSG_DATA(hdr);
		const char *why;

		ex->done = TRUE;
		if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			ex->err = EPROTO;
			return;
		}
		ex->err = e->error < 0 ? -e->error : e->error;
		why = ex->err != 0 ? extack_message(hdr) : NULL;
		if (why != NULL && ex->reason == NULL)
			ex->reason = g_strdup(why);
		return;
	}
	default:
		if (!ex->stopped && ex->func != NULL && !ex->func(hdr, ex->user_data))
			ex->stopped = TRUE;
		return;
	}
}

static void
exchange_message(const struct nlmsghdr *hdr, gpointer user_data)
{
	exchange_handle(user_data, hdr);
}

typedef struct {
	XfrmNlReplyFunc func;
	gpointer user_data;
} EventCall;

static void
event_message(const struct nlmsghdr *hdr, gpointer user_data)
{
	EventCall *call = user_data;

	(void) call->func(hdr, call->user_data);
}

gboolean
xfrm_nl_transact(XfrmNl *nl, struct nl_msg *msg, gboolean dump, XfrmNlReplyFunc func,
                 gpointer user_data, const char *what, int *errno_out, GError **error)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	Exchange ex = {.func = func, .user_data = user_data};
	int fd = nl_socket_get_fd(nl->sock);
	int rc;

	if (errno_out != NULL)
		*errno_out = 0;
	hdr->nlmsg_flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	rc = nl_send_auto(nl->sock, msg);
	ex.seq = hdr->nlmsg_seq;
	xfrm_nl_msg_free(msg);
	if (rc < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED, "%s: netlink send: %s", what,
		            nl_geterror(rc));
		return FALSE;
	}

	while (!ex.done) {
		guint8 *buf = NULL;
		gssize len = recv_datagram(fd, &buf, 0);

		if (len < 0) {
			g_free(ex.reason);
			if (errno_out != NULL)
				*errno_out = (int) -len;
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
			            "%s: netlink receive: %s", what, g_strerror((int) -len));
			return FALSE;
		}
		for_each_message(buf, (gsize) len, exchange_message, &ex);
		ikebus_wipe(buf, (gsize) len);
		g_free(buf);
	}

	if (ex.err != 0) {
		if (errno_out != NULL)
			*errno_out = ex.err;
		g_set_error(error, KERNEL_ERROR, xfrm_nl_errno_to_code(ex.err), "%s: %s", what,
		            ex.reason != NULL ? ex.reason : g_strerror(ex.err));
		g_free(ex.reason);
		return FALSE;
	}
	g_free(ex.reason);
	return TRUE;
}

gboolean
xfrm_nl_read_events(int fd, XfrmNlReplyFunc func, gpointer user_data, int *err_out)
{
	/* A bounded batch: under an event storm the main loop still gets to run
	 * its other sources; the fd stays readable and we are called again. */
	for (guint n = 0; n < 64; n++) {
		guint8 *buf = NULL;
		gssize len = recv_datagram(fd, &buf, MSG_DONTWAIT);
		EventCall call = {func, user_data};

		if (len < 0) {
			*err_out = (int) -len;
			return FALSE;
		}
		for_each_message(buf, (gsize) len, event_message, &call);
		ikebus_wipe(buf, (gsize) len);
		g_free(buf);
	}
	*err_out = 0;
	return TRUE;
}
