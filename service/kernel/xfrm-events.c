/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm backend: ACQUIRE, soft/hard EXPIRE and MAPPING events from the
 * kernel's xfrm multicast groups, read on the GLib main loop and passed to
 * the engine through kernel_backend_post_event().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "xfrm-convert.h"
#include "xfrm-private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The attribute @type following a fixed header of @hdrlen octets, or NULL.
 * libnl's lookup takes a non-const header but only reads it. */
static const struct nlattr *
find_attr(const struct nlmsghdr *hdr, gsize hdrlen, int type, gsize min_len)
{
	const struct nlattr *a;

	if (hdr->nlmsg_len < NLMSG_LENGTH(NLMSG_ALIGN(hdrlen)))
		return NULL;
	a = nlmsg_find_attr((struct nlmsghdr *) hdr, (int) hdrlen, type);
	if (a == NULL || (gsize) nla_len(a) < min_len)
		return NULL;
	return a;
}

static void
mark_from_attr(const struct nlmsghdr *hdr, gsize hdrlen, KernelMark *mark)
{
	const struct nlattr *a = find_attr(hdr, hdrlen, XFRMA_MARK, sizeof(struct xfrm_mark));

	if (a != NULL) {
		const struct xfrm_mark *m = nla_data(a);
		mark->value = m->v;
		mark->mask = m->m;
	}
}

static XfrmEventKind
parse_acquire(const struct nlmsghdr *hdr, KernelEvent *event)
{
	const struct xfrm_user_acquire *ua = NLMSG_DATA(hdr);
	const struct nlattr *tmpl;

	if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*ua)))
		return XFRM_EVENT_OTHER;
	/* Only traps we installed; another daemon's ACQUIREs are its own. */
	if (ua->policy.sel.user != XFRM_IKEBUS_TAG)
		return XFRM_EVENT_FOREIGN;
	event->type = KERNEL_EVENT_ACQUIRE;
	xfrm_selector_to_ts(&ua->sel, &event->pkt_src, &event->pkt_dst);
	xfrm_selector_to_ts(&ua->policy.sel, &event->policy_src, &event->policy_dst);
	/* The larval SA the kernel made: the template's outer addresses. */
	xfrm_addr_to_kernel(&event->sa.dst, &ua->id.daddr, ua->policy.sel.family);
	xfrm_addr_to_kernel(&event->sa.src, &ua->saddr, ua->policy.sel.family);
	event->sa.proto = ua->id.proto;
	tmpl = find_attr(hdr, sizeof(*ua), XFRMA_TMPL, sizeof(struct xfrm_user_tmpl));
	if (tmpl != NULL) {
		const struct xfrm_user_tmpl *t = nla_data(tmpl);

		event->reqid = t->reqid;
		/* Tunnel-mode templates carry the outer family. */
		xfrm_addr_to_kernel(&event->sa.dst, &t->id.daddr, t->family);
		xfrm_addr_to_kernel(&event->sa.src, &t->saddr, t->family);
	}
	mark_from_attr(hdr, sizeof(*ua), &event->sa.mark);
	return XFRM_EVENT_OURS;
}

static XfrmEventKind
parse_expire(const struct nlmsghdr *hdr, KernelEvent *event)
{
	const struct xfrm_user_expire *ue = NLMSG_DATA(hdr);
	const struct xfrm_usersa_info *st = &ue->state;

	if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*ue)))
		return XFRM_EVENT_OTHER;
	if (st->sel.user != XFRM_IKEBUS_TAG)
		return XFRM_EVENT_FOREIGN;
	event->type = KERNEL_EVENT_EXPIRE;
	event->reqid = st->reqid;
	xfrm_addr_to_kernel(&event->sa.dst, &st->id.daddr, st->family);
	xfrm_addr_to_kernel(&event->sa.src, &st->saddr, st->family);
	event->sa.spi = ntohl(st->id.spi);
	event->sa.proto = st->id.proto;
	event->hard = ue->hard != 0;
	mark_from_attr(hdr, sizeof(*ue), &event->sa.mark);
	return XFRM_EVENT_OURS;
}

static XfrmEventKind
parse_mapping(const struct nlmsghdr *hdr, KernelEvent *event)
{
	const struct xfrm_user_mapping *um = NLMSG_DATA(hdr);

	if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*um)))
		return XFRM_EVENT_OTHER;
	/* No selector to carry our tag; the engine looks the SPI up. */
	event->type = KERNEL_EVENT_MAPPING;
	event->reqid = um->reqid;
	xfrm_addr_to_kernel(&event->sa.dst, &um->id.daddr, um->id.family);
	xfrm_addr_to_kernel(&event->sa.src, &um->old_saddr, um->id.family);
	event->sa.spi = ntohl(um->id.spi);
	event->sa.proto = um->id.proto;
	xfrm_addr_to_kernel(&event->new_addr, &um->new_saddr, um->id.family);
	event->new_port = ntohs(um->new_sport);
	return XFRM_EVENT_OURS;
}

XfrmEventKind
xfrm_event_parse(const struct nlmsghdr *hdr, KernelEvent *event)
{
	memset(event, 0, sizeof(*event));
	switch (hdr->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		return parse_acquire(hdr, event);
	case XFRM_MSG_EXPIRE:
		return parse_expire(hdr, event);
	case XFRM_MSG_MAPPING:
		return parse_mapping(hdr, event);
	default:
		return XFRM_EVENT_OTHER;
	}
}

static gboolean
event_message(const struct nlmsghdr *hdr, gpointer user_data)
{
	XfrmBackend *xb = user_data;
	KernelEvent ev;
	g_autofree char *s = NULL;
	g_autofree char *d = NULL;

	switch (xfrm_event_parse(hdr, &ev)) {
	case XFRM_EVENT_OURS:
		break;
	case XFRM_EVENT_FOREIGN:
		g_debug("xfrm: ignoring %s for another program's state",
		        hdr->nlmsg_type == XFRM_MSG_ACQUIRE ? "ACQUIRE" : "EXPIRE");
		return TRUE;
	case XFRM_EVENT_OTHER:
		return TRUE;
	}
	s = kernel_ts_to_string(&ev.pkt_src);
	d = kernel_ts_to_string(&ev.pkt_dst);
	if (ev.type == KERNEL_EVENT_ACQUIRE)
		g_debug("xfrm: ACQUIRE reqid %u for %s -> %s", ev.reqid, s, d);
	else
		g_debug("xfrm: %s %s SA 0x%08x reqid %u", kernel_event_type_name(ev.type),
		        ev.type == KERNEL_EVENT_EXPIRE ? (ev.hard ? "hard" : "soft") : "",
		        ev.sa.spi, ev.reqid);
	kernel_backend_post_event(&xb->base, &ev);
	return TRUE;
}

static gboolean
events_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	XfrmBackend *xb = user_data;
	int err = 0;

	if (xfrm_nl_read_events(fd, event_message, xb, &err))
		return G_SOURCE_CONTINUE; /* batch limit: more next time */
	switch (err) {
	case EAGAIN:
		break;
	case ENOBUFS:
		/* The kernel overran our receive buffer.  A lost ACQUIRE is
		 * raised again by the next packet; a lost EXPIRE is covered by
		 * the engine's own rekey timers. */
		xb->events_lost++;
		g_warning("xfrm: kernel event queue overran; some ACQUIRE/EXPIRE events were lost "
		          "(%" G_GUINT64_FORMAT " times so far)",
		          xb->events_lost);
		break;
	default:
		g_warning("xfrm: reading kernel events: %s", g_strerror(err));
		break;
	}
	return G_SOURCE_CONTINUE;
}

gboolean
xfrm_events_start(XfrmBackend *xb, GError **error)
{
	static const int groups[] = {XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MAPPING};
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	int rcvbuf = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_XFRM);
	if (fd < 0 || bind(fd, (struct sockaddr *) &local, sizeof(local)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, KERNEL_ERROR, xfrm_nl_errno_to_code(e),
		            "xfrm: opening the event socket: %s", g_strerror(e));
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(groups); i++) {
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
		               sizeof(groups[i])) < 0) {
			int e = errno;
			close(fd);
			g_set_error(error, KERNEL_ERROR, xfrm_nl_errno_to_code(e),
			            "xfrm: joining the kernel's xfrm event groups: %s%s",
			            g_strerror(e), e == EPERM ? " (needs CAP_NET_ADMIN)" : "");
			return FALSE;
		}
	}
	/* Room for bursts (many traps hit at once); FORCE needs CAP_NET_ADMIN,
	 * which we have if the groups were joined. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	xb->ev_fd = fd;
	xb->ev_source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(xb->ev_source, G_SOURCE_FUNC(events_readable), xb, NULL);
	g_source_set_name(xb->ev_source, "ikebus-xfrm-events");
	g_source_attach(xb->ev_source, g_main_context_get_thread_default());
	return TRUE;
}

void
xfrm_events_stop(XfrmBackend *xb)
{
	if (xb->ev_source != NULL) {
		g_source_destroy(xb->ev_source);
		g_source_unref(xb->ev_source);
		xb->ev_source = NULL;
	}
	if (xb->ev_fd >= 0) {
		close(xb->ev_fd);
		xb->ev_fd = -1;
	}
}
