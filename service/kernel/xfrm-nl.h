/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink plumbing for the xfrm backend: a NETLINK_XFRM request socket with
 * a receive loop of our own.
 *
 * libnl builds and sends the messages, but replies are read here rather
 * than through libnl's callbacks: xfrm replies (GETSA, dumps) carry SA keys
 * and libnl frees its receive buffers without wiping them.  Our loop reads
 * into one buffer, hands each message to the caller and wipes the buffer
 * before freeing it.  Requests are wiped the same way (xfrm_nl_msg_free()).
 *
 * The socket asks for extended ACKs (so a refusal carries the kernel's
 * reason, e.g. "Requested type not found") and for capped ACKs (so the
 * kernel does not echo a key-bearing request back in an error).
 *
 * Thread: one XfrmNl per thread; the engine uses it from the main loop.
 * Errors: KERNEL_ERROR.
 */
#pragma once

#include <glib.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

G_BEGIN_DECLS

typedef struct XfrmNl XfrmNl;

/* Called for each reply message that is not an ACK, error or DONE; the
 * message is borrowed and wiped after the call.  Return FALSE to stop early
 * (the rest of the reply is still drained). */
typedef gboolean (*XfrmNlReplyFunc)(const struct nlmsghdr *hdr, gpointer user_data);

/* Owned connected request socket; NULL with KERNEL_ERROR_FAILED if netlink
 * is unavailable (no CONFIG_XFRM_USER). */
XfrmNl *xfrm_nl_new(GError **error);
/* The same request loop on a NETLINK_ROUTE socket (XFRM interfaces and
 * their addresses). */
XfrmNl *xfrm_nl_new_route(GError **error);
void xfrm_nl_free(XfrmNl *nl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNl, xfrm_nl_free)

/* Sends @msg (consumed: wiped and freed) as a request with NLM_F_ACK (or as
 * a dump when @dump) and reads the answer, calling @func for each data
 * message.  The kernel's errno is mapped onto a KernelError code (EEXIST ->
 * EXISTS, ENOENT/ESRCH -> NOT_FOUND, EPERM -> PERMISSION, EPROTONOSUPPORT/
 * ENOSYS -> NOT_SUPPORTED) and the message reads "@what: <kernel reason or
 * strerror>".  *@errno_out (may be NULL) receives the positive errno or 0. */
gboolean xfrm_nl_transact(XfrmNl *nl, struct nl_msg *msg, gboolean dump, XfrmNlReplyFunc func,
                          gpointer user_data, const char *what, int *errno_out, GError **error);

/* Wipes the whole message (it may hold keys) and frees it; NULL-safe. */
void xfrm_nl_msg_free(struct nl_msg *msg);

/* The KernelError code for a kernel errno (positive). */
int xfrm_nl_errno_to_code(int err);

/* Reads up to a bounded batch of datagrams from a non-blocking netlink @fd
 * and calls @func for each message; wipes and frees each buffer.  TRUE when
 * the batch limit was reached (call again); FALSE with *@err_out = errno on
 * a read error (EAGAIN: nothing more to read, ENOBUFS: the kernel dropped
 * events because we were slow). */
gboolean xfrm_nl_read_events(int fd, XfrmNlReplyFunc func, gpointer user_data, int *err_out);

G_END_DECLS
