/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN device and rtnetlink routes/rules for the userspace ESP backend.
 * The netlink messages are built by hand (struct nlmsghdr + rtattr): three
 * small requests do not justify libnl-route here.
 */
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int
errno_code(int e)
{
	return (e == EPERM || e == EACCES) ? KERNEL_ERROR_PERMISSION : KERNEL_ERROR_FAILED;
}

int
tun_open(const char *name, char *name_out, GError **error)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, KERNEL_ERROR, errno_code(e), "open /dev/net/tun: %s",
		            g_strerror(e));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (name != NULL)
		g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		g_set_error(error, KERNEL_ERROR, errno_code(e), "TUNSETIFF %s: %s",
		            name != NULL ? name : "", g_strerror(e));
		close(fd);
		return -1;
	}
	if (name_out != NULL)
		g_strlcpy(name_out, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

gboolean
tun_link_up(const char *name, guint mtu, GError **error)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int e = 0;

	if (s < 0) {
		e = errno;
		g_set_error(error, KERNEL_ERROR, errno_code(e), "socket: %s", g_strerror(e));
		return FALSE;
	}
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
	ifr.ifr_mtu = (int) mtu;
	if (mtu != 0 && ioctl(s, SIOCSIFMTU, &ifr) < 0)
		e = errno;
	if (e == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		e = errno;
	if (e == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			e = errno;
	}
	close(s);
	if (e != 0) {
		g_set_error(error, KERNEL_ERROR, errno_code(e), "bringing %s up: %s", name,
		            g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

int
tun_ifindex(const char *name)
{
	return (int) if_nametoindex(name);
}

gboolean
tun_netlink_open(TunNetlink *nl, GError **error)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	nl->seq = (guint32) g_random_int();
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		int e = errno;
		g_set_error(error, KERNEL_ERROR, errno_code(e), "rtnetlink socket: %s",
		            g_strerror(e));
		if (nl->fd >= 0)
			close(nl->fd);
		nl->fd = -1;
		return FALSE;
	}
	return TRUE;
}

void
tun_netlink_close(TunNetlink *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

typedef struct {
	struct nlmsghdr h;
	guint8 body[256];
} NlReq;

static void
nl_attr(NlReq *r, guint16 type, const void *data, gsize len)
{
	struct rtattr *rta = (struct rtattr *) ((guint8 *) r + NLMSG_ALIGN(r->h.nlmsg_len));

	g_assert(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) <= sizeof(*r));
	rta->rta_type = type;
	rta->rta_len = (unsigned short) RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->h.nlmsg_len = (guint32) (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len));
}

static void
nl_attr_u32(NlReq *r, guint16 type, guint32 v)
{
	nl_attr(r, type, &v, sizeof(v));
}

/* Sends @r and waits for its ack; returns 0 or a positive errno. */
static int
nl_transact(TunNetlink *nl, NlReq *r)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	guint8 buf[4096];

	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, r, r->h.nlmsg_len, 0, (struct sockaddr *) &to, sizeof(to)) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		gsize left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		left = (gsize) n;
		for (h = (struct nlmsghdr *) buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
					return EPROTO;
				return -err->error;
			}
		}
	}
}

static int
route_request(TunNetlink *nl, gboolean add, int ifindex, guint32 table, const KernelAddr *dst,
              guint plen, const KernelAddr *src_hint)
{
	NlReq r;
	struct rtmsg *rtm = NLMSG_DATA(&r.h);
	gsize alen = kernel_addr_len(dst);

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	r.h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	r.h.nlmsg_flags = add ? (NLM_F_CREATE | NLM_F_REPLACE) : 0;
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (unsigned char) plen;
	rtm->rtm_table = table < 256 ? (unsigned char) table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	nl_attr(&r, RTA_DST, dst->bytes, alen);
	nl_attr_u32(&r, RTA_OIF, (guint32) ifindex);
	nl_attr_u32(&r, RTA_TABLE, table == 0 ? RT_TABLE_MAIN : table);
	if (src_hint != NULL && src_hint->family == dst->family)
		nl_attr(&r, RTA_PREFSRC, src_hint->bytes, alen);
	return nl_transact(nl, &r);
}

gboolean
tun_route(TunNetlink *nl, gboolean add, int ifindex, guint32 table, const KernelAddr *dst,
          guint plen, const KernelAddr *src_hint, GError **error)
{
	int e = route_request(nl, add, ifindex, table, dst, plen, add ? src_hint : NULL);
	char a[64];

	/* The preferred source must be a local address; without one the
	 * route still works and the kernel picks the source. */
	if (add && e == EINVAL && src_hint != NULL)
		e = route_request(nl, add, ifindex, table, dst, plen, NULL);
	if (!add && e == ESRCH)
		e = 0;
	if (e != 0) {
		g_set_error(error, KERNEL_ERROR, errno_code(e), "%s route %s/%u table %u: %s",
		            add ? "adding" : "deleting", kernel_addr_to_string(dst, a, sizeof(a)),
		            plen, table, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

static int
rule_request(TunNetlink *nl, gboolean add, int family, guint32 table, guint32 prio, guint32 mark)
{
	NlReq r;
	struct fib_rule_hdr *frh = NLMSG_DATA(&r.h);

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(*frh));
	r.h.nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	r.h.nlmsg_flags = add ? NLM_F_CREATE : 0;
	frh->family = (guint8) family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (guint8) table : RT_TABLE_UNSPEC;
	frh->flags = FIB_RULE_INVERT;
	nl_attr_u32(&r, FRA_TABLE, table);
	nl_attr_u32(&r, FRA_PRIORITY, prio);
	nl_attr_u32(&r, FRA_FWMARK, mark);
	nl_attr_u32(&r, FRA_FWMASK, 0xffffffffu);
	return nl_transact(nl, &r);
}

gboolean
tun_rule(TunNetlink *nl, gboolean add, int family, guint32 table, guint32 prio, guint32 mark,
         GError **error)
{
	int e;

	/* Rules may be duplicated; remove leftovers of an earlier run first. */
	while (rule_request(nl, FALSE, family, table, prio, mark) == 0)
		;
	if (!add)
		return TRUE;
	e = rule_request(nl, TRUE, family, table, prio, mark);
	if (e != 0) {
		g_set_error(error, KERNEL_ERROR, errno_code(e), "adding rule lookup %u (%s): %s",
		            table, family == AF_INET ? "IPv4" : "IPv6", g_strerror(e));
		return FALSE;
	}
	return TRUE;
}
