/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XFRM interfaces: the rtnetlink requests built byte by byte (and read back
 * with libnl-route where it can), the probe's question and answers, and the
 * link-dump parser that finds our interfaces.  Nothing is sent (no root).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>

#include "xfrm-iface.h"

static struct nlattr *
link_attr(struct nl_msg *msg, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct ifinfomsg), type);
}

static struct nlattr *
nested(struct nlattr *parent, int type)
{
	g_assert_nonnull(parent);
	return nla_find(nla_data(parent), nla_len(parent), type);
}

/* libnl-route's own parser, through the cache ops it registers. */
static void
parsed_cb(struct nl_object *obj, void *arg)
{
	struct nl_object **out = arg;

	nl_object_get(obj);
	*out = obj;
}

static struct nl_object *
parse_back(struct nl_msg *msg)
{
	struct nl_object *obj = NULL;

	/* Built messages carry no protocol; the parser picks ops by it. */
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	g_assert_cmpint(nl_msg_parse(msg, parsed_cb, &obj), ==, 0);
	g_assert_nonnull(obj);
	return obj;
}

static void
test_name_check(void)
{
	const char *good[] = {"ipsec0", "ipsec1", "ipsec4294967295"};
	const char *bad[] = {"ipsec", "eth0", "ipsec1a", "ipsec-1", "xipsec1", "ipsec12345678901",
	                     ""};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(xfrm_iface_name_check(good[i], NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(xfrm_iface_name_check(bad[i], &error));
		g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
		g_assert_nonnull(strstr(error->message, "interface name"));
	}
	g_assert_false(xfrm_iface_name_check(NULL, NULL));
}

static void
test_new_msg(void)
{
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg = xfrm_iface_new_msg_new("ipsec7", 42, 3, &error);
	const struct nlmsghdr *hdr;
	const struct ifinfomsg *ifi;
	struct nlattr *info, *data, *a;
	struct nl_object *obj;
	struct rtnl_link *link;
	guint32 v = 0;
	XfrmLink parsed;

	g_assert_no_error(error);
	g_assert_nonnull(msg);
	hdr = nlmsg_hdr(msg);
	g_assert_cmpuint(hdr->nlmsg_type, ==, RTM_NEWLINK);
	g_assert_cmpuint(hdr->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), ==,
	                 NLM_F_CREATE | NLM_F_EXCL);
	g_assert_cmpuint(hdr->nlmsg_flags & NLM_F_REPLACE, ==, 0);
	ifi = nlmsg_data(hdr);
	g_assert_cmpint(ifi->ifi_index, ==, 0);

	a = link_attr(msg, IFLA_IFNAME);
	g_assert_nonnull(a);
	g_assert_cmpstr(nla_data(a), ==, "ipsec7");
	info = link_attr(msg, IFLA_LINKINFO);
	a = nested(info, IFLA_INFO_KIND);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, (int) sizeof("xfrm"));
	g_assert_cmpmem(nla_data(a), sizeof("xfrm"), "xfrm", sizeof("xfrm"));
	data = nested(info, IFLA_INFO_DATA);
	a = nested(data, IFLA_XFRM_IF_ID);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, 4);
	g_assert_cmpuint(nla_get_u32(a), ==, 42);
	a = nested(data, IFLA_XFRM_LINK);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, 4);
	g_assert_cmpuint(nla_get_u32(a), ==, 3);
	g_assert_null(nested(data, IFLA_XFRM_COLLECT_METADATA));
	/* Not the tag: the kernel ignores an alias on creation. */
	g_assert_null(link_attr(msg, IFLA_IFALIAS));

	obj = parse_back(msg);
	link = (struct rtnl_link *) obj;
	g_assert_cmpstr(rtnl_link_get_name(link), ==, "ipsec7");
	g_assert_true(rtnl_link_is_xfrmi(link));
	g_assert_cmpint(rtnl_link_xfrmi_get_if_id(link, &v), ==, 0);
	g_assert_cmpuint(v, ==, 42);
	g_assert_cmpint(rtnl_link_xfrmi_get_link(link, &v), ==, 0);
	g_assert_cmpuint(v, ==, 3);
	nl_object_put(obj);

	/* Our own dump parser reads it as an xfrm link, not (yet) ours. */
	g_assert_true(xfrm_iface_parse(hdr, &parsed));
	g_assert_true(parsed.is_xfrm);
	g_assert_false(parsed.ours);
	g_assert_cmpuint(parsed.if_id, ==, 42);
	g_assert_cmpuint(parsed.link, ==, 3);
	g_assert_cmpstr(parsed.name, ==, "ipsec7");
	nlmsg_free(msg);

	/* No underlying device: no IFLA_XFRM_LINK. */
	msg = xfrm_iface_new_msg_new("ipsec1", 1, 0, &error);
	g_assert_no_error(error);
	g_assert_null(
	        nested(nested(link_attr(msg, IFLA_LINKINFO), IFLA_INFO_DATA), IFLA_XFRM_LINK));
	nlmsg_free(msg);

	/* if_id 0 would match SAs and policies that have none. */
	g_assert_null(xfrm_iface_new_msg_new("ipsec1", 0, 0, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "if_id"));
	g_clear_error(&error);
	g_assert_null(xfrm_iface_new_msg_new("eth1", 1, 0, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

static void
test_setup_and_del_msgs(void)
{
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg = xfrm_iface_setup_msg_new("ipsec7", &error);
	const struct ifinfomsg *ifi;
	struct nlattr *a;

	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, RTM_NEWLINK);
	/* Changes the link made just before; never creates one. */
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_CREATE, ==, 0);
	ifi = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpint(ifi->ifi_index, ==, 0);
	g_assert_cmpuint(ifi->ifi_flags, ==, IFF_UP);
	g_assert_cmpuint(ifi->ifi_change, ==, IFF_UP);
	g_assert_cmpstr(nla_data(link_attr(msg, IFLA_IFNAME)), ==, "ipsec7");
	a = link_attr(msg, IFLA_IFALIAS);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, (int) sizeof(XFRM_IFACE_ALIAS));
	g_assert_cmpstr(nla_data(a), ==, XFRM_IFACE_ALIAS);
	g_assert_null(link_attr(msg, IFLA_LINKINFO));
	nlmsg_free(msg);

	msg = xfrm_iface_del_msg_new("ipsec7", 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, RTM_DELLINK);
	ifi = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpint(ifi->ifi_index, ==, 0);
	g_assert_cmpstr(nla_data(link_attr(msg, IFLA_IFNAME)), ==, "ipsec7");
	nlmsg_free(msg);

	/* By index (the sweep), the name is not needed. */
	msg = xfrm_iface_del_msg_new("whatever", 17, &error);
	g_assert_no_error(error);
	ifi = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpint(ifi->ifi_index, ==, 17);
	g_assert_null(link_attr(msg, IFLA_IFNAME));
	nlmsg_free(msg);

	g_assert_null(xfrm_iface_del_msg_new("eth0", 0, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

static void
test_addr_msg(void)
{
	g_autoptr(GError) error = NULL;
	KernelAddr a4, a6;
	struct nl_msg *msg;
	const struct ifaddrmsg *ifa;
	struct nlattr *a;
	struct nl_object *obj;
	struct rtnl_addr *ra;

	g_assert_true(kernel_addr_parse("192.0.2.77", &a4));
	g_assert_true(kernel_addr_parse("2001:db8::77", &a6));

	msg = xfrm_iface_addr_msg_new(9, &a4, 24, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, RTM_NEWADDR);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), ==,
	                 NLM_F_CREATE | NLM_F_EXCL);
	ifa = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(ifa->ifa_family, ==, AF_INET);
	g_assert_cmpuint(ifa->ifa_prefixlen, ==, 24);
	g_assert_cmpuint(ifa->ifa_index, ==, 9);
	a = nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*ifa), IFA_LOCAL);
	g_assert_nonnull(a);
	g_assert_cmpmem(nla_data(a), nla_len(a), a4.v4, 4);

	obj = parse_back(msg);
	ra = (struct rtnl_addr *) obj;
	g_assert_cmpint(rtnl_addr_get_ifindex(ra), ==, 9);
	g_assert_cmpint(rtnl_addr_get_family(ra), ==, AF_INET);
	g_assert_cmpint(rtnl_addr_get_prefixlen(ra), ==, 24);
	g_assert_cmpmem(nl_addr_get_binary_addr(rtnl_addr_get_local(ra)), 4, a4.v4, 4);
	nl_object_put(obj);
	nlmsg_free(msg);

	msg = xfrm_iface_addr_msg_new(9, &a6, 128, &error);
	g_assert_no_error(error);
	ifa = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(ifa->ifa_family, ==, AF_INET6);
	g_assert_cmpuint(ifa->ifa_prefixlen, ==, 128);
	a = nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*ifa), IFA_LOCAL);
	g_assert_cmpmem(nla_data(a), nla_len(a), a6.v6, 16);
	nlmsg_free(msg);

	g_assert_null(xfrm_iface_addr_msg_new(9, &a4, 33, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "prefix length 33"));
	g_clear_error(&error);
	g_assert_null(xfrm_iface_addr_msg_new(0, &a4, 32, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(xfrm_iface_addr_msg_new(9, &(KernelAddr){0}, 32, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

static void
test_probe_msg(void)
{
	struct nl_msg *msg = xfrm_iface_probe_msg_new();
	struct nlattr *info, *data, *a;

	g_assert_nonnull(msg);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, RTM_NEWLINK);
	/* The whole point: it must never create anything. */
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE), ==, 0);
	g_assert_cmpstr(nla_data(link_attr(msg, IFLA_IFNAME)), ==, XFRM_IFACE_PROBE_NAME);
	info = link_attr(msg, IFLA_LINKINFO);
	g_assert_cmpstr(nla_data(nested(info, IFLA_INFO_KIND)), ==, "xfrm");
	data = nested(info, IFLA_INFO_DATA);
	a = nested(data, IFLA_XFRM_IF_ID);
	g_assert_nonnull(a);
	/* Shorter than the u32 the kind's policy demands. */
	g_assert_cmpint(nla_len(a), ==, 1);
	nlmsg_free(msg);

	g_assert_cmpint(xfrm_iface_probe_answer(ERANGE), ==, XFRM_IFACE_PROBE_YES);
	g_assert_cmpint(xfrm_iface_probe_answer(EINVAL), ==, XFRM_IFACE_PROBE_YES);
	g_assert_cmpint(xfrm_iface_probe_answer(ENODEV), ==, XFRM_IFACE_PROBE_NO);
	g_assert_cmpint(xfrm_iface_probe_answer(EOPNOTSUPP), ==, XFRM_IFACE_PROBE_NO);
	g_assert_cmpint(xfrm_iface_probe_answer(EPERM), ==, XFRM_IFACE_PROBE_UNKNOWN);
	g_assert_cmpint(xfrm_iface_probe_answer(0), ==, XFRM_IFACE_PROBE_UNKNOWN);

	msg = xfrm_iface_dump_msg_new();
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, RTM_GETLINK);
	g_assert_cmpstr(nla_data(nested(link_attr(msg, IFLA_LINKINFO), IFLA_INFO_KIND)), ==,
	                "xfrm");
	nlmsg_free(msg);
}

/* A dump entry as the kernel would send it. */
static struct nl_msg *
dump_entry(int ifindex, const char *name, const char *kind, const char *alias, guint32 if_id)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_MULTI);

	g_assert_cmpint(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), ==, 0);
	if (name != NULL)
		g_assert_cmpint(nla_put_string(msg, IFLA_IFNAME, name), ==, 0);
	if (alias != NULL)
		g_assert_cmpint(nla_put_string(msg, IFLA_IFALIAS, alias), ==, 0);
	if (kind != NULL) {
		struct nlattr *info = nla_nest_start(msg, IFLA_LINKINFO);
		struct nlattr *data;

		g_assert_cmpint(nla_put_string(msg, IFLA_INFO_KIND, kind), ==, 0);
		data = nla_nest_start(msg, IFLA_INFO_DATA);
		g_assert_cmpint(nla_put_u32(msg, IFLA_XFRM_IF_ID, if_id), ==, 0);
		nla_nest_end(msg, data);
		nla_nest_end(msg, info);
	}
	return msg;
}

static void
test_parse(void)
{
	struct nl_msg *msg;
	XfrmLink l;

	msg = dump_entry(12, "ipsec3", "xfrm", XFRM_IFACE_ALIAS, 3);
	g_assert_true(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	g_assert_cmpint(l.ifindex, ==, 12);
	g_assert_cmpstr(l.name, ==, "ipsec3");
	g_assert_true(l.is_xfrm);
	g_assert_true(l.ours);
	g_assert_cmpuint(l.if_id, ==, 3);
	nlmsg_free(msg);

	/* Libreswan's ipsec3 (same name, no tag) and a tagged non-xfrm link
	 * are not ours. */
	msg = dump_entry(13, "ipsec3", "xfrm", NULL, 3);
	g_assert_true(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	g_assert_true(l.is_xfrm);
	g_assert_false(l.ours);
	nlmsg_free(msg);
	msg = dump_entry(14, "ipsec4", "vti", XFRM_IFACE_ALIAS, 3);
	g_assert_true(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	g_assert_false(l.is_xfrm);
	g_assert_false(l.ours);
	nlmsg_free(msg);
	msg = dump_entry(1, "lo", NULL, NULL, 0);
	g_assert_true(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	g_assert_false(l.is_xfrm);
	nlmsg_free(msg);

	/* Malformed: no name, wrong type, truncated header. */
	msg = dump_entry(15, NULL, "xfrm", XFRM_IFACE_ALIAS, 3);
	g_assert_false(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	nlmsg_free(msg);
	msg = dump_entry(15, "ipsec5", "xfrm", XFRM_IFACE_ALIAS, 3);
	nlmsg_hdr(msg)->nlmsg_type = RTM_DELLINK;
	g_assert_false(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	nlmsg_free(msg);
	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	g_assert_false(xfrm_iface_parse(nlmsg_hdr(msg), &l));
	nlmsg_free(msg);
	{
		/* A name without its NUL inside the attribute. */
		struct ifinfomsg ifi = {.ifi_index = 16};
		char raw[4] = {'i', 'p', 's', 'e'};

		msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
		g_assert_cmpint(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), ==, 0);
		g_assert_cmpint(nla_put(msg, IFLA_IFNAME, sizeof(raw), raw), ==, 0);
		g_assert_false(xfrm_iface_parse(nlmsg_hdr(msg), &l));
		nlmsg_free(msg);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kernel-xfrm/iface/name-check", test_name_check);
	g_test_add_func("/kernel-xfrm/iface/new-msg", test_new_msg);
	g_test_add_func("/kernel-xfrm/iface/setup-and-del", test_setup_and_del_msgs);
	g_test_add_func("/kernel-xfrm/iface/addr-msg", test_addr_msg);
	g_test_add_func("/kernel-xfrm/iface/probe-msg", test_probe_msg);
	g_test_add_func("/kernel-xfrm/iface/parse", test_parse);
	return g_test_run();
}
