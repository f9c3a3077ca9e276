/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm backend: XFRM interfaces for route-based IPsec (--interface-ip).
 *
 * The creation request goes through libnl-route's xfrmi link type; the
 * small requests around it (alias and up, delete, probe, dump) are built
 * by hand so that each carries exactly what it says.  See xfrm-iface.h for
 * the tag and the probe.
 */
#include "xfrm-iface.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>

#include "xfrm-convert.h"
#include "xfrm-private.h"

typedef struct rtnl_link XfrmRtnlLink;
typedef struct rtnl_addr XfrmRtnlAddr;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmRtnlLink, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmRtnlAddr, rtnl_addr_put)

static struct nl_msg *
no_memory(struct nl_msg *msg, GError **error)
{
	nlmsg_free(msg);
	g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED, "xfrm: out of memory");
	return NULL;
}

/* ---- messages (pure) -------------------------------------------------- */

gboolean
xfrm_iface_name_check(const char *name, GError **error)
{
	gsize plen = strlen(XFRM_IFACE_PREFIX);
	gsize len = name != NULL ? strlen(name) : 0;

	if (name == NULL || len <= plen || len >= IFNAMSIZ ||
	    strncmp(name, XFRM_IFACE_PREFIX, plen) != 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		            "interface name: '%s' is not " XFRM_IFACE_PREFIX "<number> (at most %d "
		            "characters)",
		            name != NULL ? name : "(null)", IFNAMSIZ - 1);
		return FALSE;
	}
	for (gsize i = plen; i < len; i++) {
		if (!g_ascii_isdigit(name[i])) {
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
			            "interface name: '%s' is not " XFRM_IFACE_PREFIX "<number>",
			            name);
			return FALSE;
		}
	}
	return TRUE;
}

struct nl_msg *
xfrm_iface_new_msg_new(const char *name, guint32 if_id, guint32 link_ifindex, GError **error)
{
	g_autoptr(XfrmRtnlLink) link = NULL;
	struct nl_msg *msg = NULL;
	int err;

	if (!xfrm_iface_name_check(name, error))
		return NULL;
	if (if_id == 0) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		                    "if_id: 0 is \"no interface\" to xfrm");
		return NULL;
	}
	link = rtnl_link_xfrmi_alloc();
	if (link == NULL)
		return no_memory(NULL, error);
	rtnl_link_set_name(link, name);
	if (rtnl_link_xfrmi_set_if_id(link, if_id) < 0 ||
	    (link_ifindex != 0 && rtnl_link_xfrmi_set_link(link, link_ifindex) < 0))
		return no_memory(NULL, error);
	/* Up comes with the alias (xfrm_iface_setup_msg_new()): the kernel
	 * takes neither from a creating RTM_NEWLINK's attributes alone. */
	err = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (err < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: building the interface request: %s", nl_geterror(err));
		return NULL;
	}
	return msg;
}

struct nl_msg *
xfrm_iface_setup_msg_new(const char *name, GError **error)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct nl_msg *msg;

	if (!xfrm_iface_name_check(name, error))
		return NULL;
	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	if (msg == NULL || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_string(msg, IFLA_IFALIAS, XFRM_IFACE_ALIAS) < 0)
		return no_memory(msg, error);
	return msg;
}

struct nl_msg *
xfrm_iface_del_msg_new(const char *name, int ifindex, GError **error)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg;

	if (ifindex <= 0 && !xfrm_iface_name_check(name, error))
		return NULL;
	msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (msg == NULL || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (ifindex <= 0 && nla_put_string(msg, IFLA_IFNAME, name) < 0))
		return no_memory(msg, error);
	return msg;
}

struct nl_msg *
xfrm_iface_addr_msg_new(int ifindex, const KernelAddr *addr, guint prefix_len, GError **error)
{
	g_autoptr(XfrmRtnlAddr) ra = NULL;
	g_autoptr(XfrmNlAddr) local = NULL;
	struct nl_msg *msg = NULL;
	gsize len = kernel_addr_len(addr);
	int err;

	if (len == 0) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		                    "interface address: not an IPv4 or IPv6 address");
		return NULL;
	}
	if (prefix_len > len * 8) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		            "interface address: prefix length %u is longer than the address",
		            prefix_len);
		return NULL;
	}
	if (ifindex <= 0) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		                    "interface address: no interface index");
		return NULL;
	}
	ra = rtnl_addr_alloc();
	local = xfrm_nl_addr_new(addr, addr->family);
	if (ra == NULL || local == NULL)
		return no_memory(NULL, error);
	nl_addr_set_prefixlen(local, (int) prefix_len);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, addr->family);
	rtnl_addr_set_prefixlen(ra, (int) prefix_len);
	if (rtnl_addr_set_local(ra, local) < 0)
		return no_memory(NULL, error);
	err = rtnl_addr_build_add_request(ra, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (err < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: building the address request: %s", nl_geterror(err));
		return NULL;
	}
	return msg;
}

static gboolean
put_kind(struct nl_msg *msg, gboolean bad_data)
{
	struct nlattr *info = nla_nest_start(msg, IFLA_LINKINFO);
	guint8 short_if_id = 1;

	if (info == NULL || nla_put_string(msg, IFLA_INFO_KIND, "xfrm") < 0)
		return FALSE;
	if (bad_data) {
		struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);

		/* IFLA_XFRM_IF_ID is a u32: one octet fails validation. */
		if (data == NULL ||
		    nla_put(msg, IFLA_XFRM_IF_ID, sizeof(short_if_id), &short_if_id) < 0 ||
		    nla_nest_end(msg, data) < 0)
			return FALSE;
	}
	return nla_nest_end(msg, info) == 0;
}

struct nl_msg *
xfrm_iface_dump_msg_new(void)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);

	if (msg == NULL || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !put_kind(msg, FALSE)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *
xfrm_iface_probe_msg_new(void)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0); /* no NLM_F_CREATE */

	if (msg == NULL || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, XFRM_IFACE_PROBE_NAME) < 0 || !put_kind(msg, TRUE)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

XfrmIfaceProbe
xfrm_iface_probe_answer(int err)
{
	switch (err) {
	case EINVAL:
	case ERANGE:
		return XFRM_IFACE_PROBE_YES;
	case ENODEV:
	case EOPNOTSUPP:
		return XFRM_IFACE_PROBE_NO;
	default:
		return XFRM_IFACE_PROBE_UNKNOWN;
	}
}

/* The string in @a if it is NUL-terminated inside the attribute. */
static const char *
attr_string(const struct nlattr *a)
{
	const char *s;

	if (a == NULL || nla_len(a) <= 0)
		return NULL;
	s = nla_data(a);
	return memchr(s, '\0', (gsize) nla_len(a)) != NULL ? s : NULL;
}

static guint32
attr_u32(const struct nlattr *a)
{
	guint32 v = 0;

	if (a != NULL && nla_len(a) >= (int) sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

gboolean
xfrm_iface_parse(const struct nlmsghdr *hdr, XfrmLink *out)
{
	struct nlmsghdr *h = (struct nlmsghdr *) hdr;
	const struct ifinfomsg *ifi;
	const struct nlattr *info, *a;
	const char *s;

	memset(out, 0, sizeof(*out));
	if (hdr->nlmsg_type != RTM_NEWLINK || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return FALSE;
	ifi = nlmsg_data(h);
	out->ifindex = ifi->ifi_index;
	s = attr_string(nlmsg_find_attr(h, sizeof(*ifi), IFLA_IFNAME));
	if (s == NULL)
		return FALSE;
	g_strlcpy(out->name, s, sizeof(out->name));

	info = nlmsg_find_attr(h, sizeof(*ifi), IFLA_LINKINFO);
	if (info == NULL)
		return TRUE;
	s = attr_string(nla_find(nla_data(info), nla_len(info), IFLA_INFO_KIND));
	out->is_xfrm = g_strcmp0(s, "xfrm") == 0;
	if (!out->is_xfrm)
		return TRUE;
	a = nla_find(nla_data(info), nla_len(info), IFLA_INFO_DATA);
	if (a != NULL) {
		out->if_id = attr_u32(nla_find(nla_data(a), nla_len(a), IFLA_XFRM_IF_ID));
		out->link = attr_u32(nla_find(nla_data(a), nla_len(a), IFLA_XFRM_LINK));
	}
	s = attr_string(nlmsg_find_attr(h, sizeof(*ifi), IFLA_IFALIAS));
	out->ours = g_strcmp0(s, XFRM_IFACE_ALIAS) == 0;
	return TRUE;
}

/* ---- operations ------------------------------------------------------- */

GHashTable *
xfrm_iface_set_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static gboolean
send_del(XfrmBackend *xb, const char *name, int ifindex, GError **error)
{
	struct nl_msg *msg = xfrm_iface_del_msg_new(name, ifindex, error);
	g_autofree char *what = g_strdup_printf("xfrm: removing interface %s", name);
	g_autoptr(GError) local = NULL;
	int err = 0;

	if (msg == NULL)
		return FALSE;
	if (xfrm_nl_transact(xb->rtnl, msg, FALSE, NULL, NULL, what, &err, &local))
		return TRUE;
	/* Gone already is what we wanted. */
	if (err == ENODEV)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

gboolean
xfrm_op_add_interface(KernelBackend *kb, const char *name, guint32 if_id, guint32 link_ifindex,
                      GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_iface_new_msg_new(name, if_id, link_ifindex, error);
	g_autofree char *what = NULL;
	g_autoptr(GError) local = NULL;
	int err = 0;

	if (msg == NULL)
		return FALSE;
	what = g_strdup_printf("xfrm: creating interface %s (if_id %u)", name, if_id);
	if (!xfrm_nl_transact(xb->rtnl, msg, FALSE, NULL, NULL, what, &err, &local)) {
		if (err == EOPNOTSUPP)
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
			            "%s (this kernel has no XFRM interfaces: "
			            "CONFIG_XFRM_INTERFACE)",
			            local->message);
		else if (err == EEXIST)
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS,
			            "%s: an interface of that name exists", what);
		else
			g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	/* Ours from here on, tagged or not: a failure below removes it. */
	g_hash_table_add(xb->ifaces, g_strdup(name));
	msg = xfrm_iface_setup_msg_new(name, error);
	if (msg == NULL || !xfrm_nl_transact(xb->rtnl, msg, FALSE, NULL, NULL, what, NULL, error)) {
		g_autoptr(GError) del_error = NULL;

		if (!send_del(xb, name, 0, &del_error))
			g_warning("xfrm: %s", del_error->message);
		else
			g_hash_table_remove(xb->ifaces, name);
		return FALSE;
	}
	g_debug("xfrm: created interface %s if_id %u link %u, up", name, if_id, link_ifindex);
	return TRUE;
}

static gboolean
check_ours(XfrmBackend *xb, const char *name, GError **error)
{
	if (name != NULL && g_hash_table_contains(xb->ifaces, name))
		return TRUE;
	g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND,
	            "xfrm: %s is not an interface this ikebusd created",
	            name != NULL ? name : "(null)");
	return FALSE;
}

gboolean
xfrm_op_del_interface(KernelBackend *kb, const char *name, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;

	if (!check_ours(xb, name, error) || !send_del(xb, name, 0, error))
		return FALSE;
	g_hash_table_remove(xb->ifaces, name);
	g_debug("xfrm: removed interface %s", name);
	return TRUE;
}

gboolean
xfrm_op_add_interface_addr(KernelBackend *kb, const char *name, const KernelAddr *addr,
                           guint prefix_len, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg;
	g_autofree char *what = NULL;
	g_autoptr(GError) local = NULL;
	char text[64];
	guint ifindex;
	int err = 0;

	if (!check_ours(xb, name, error))
		return FALSE;
	ifindex = if_nametoindex(name);
	if (ifindex == 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND,
		            "xfrm: interface %s is gone: %s", name, g_strerror(errno));
		return FALSE;
	}
	msg = xfrm_iface_addr_msg_new((int) ifindex, addr, prefix_len, error);
	if (msg == NULL)
		return FALSE;
	what = g_strdup_printf("xfrm: adding %s/%u to %s",
	                       kernel_addr_to_string(addr, text, sizeof(text)), prefix_len, name);
	/* Several connections may share an interface and its address. */
	if (!xfrm_nl_transact(xb->rtnl, msg, FALSE, NULL, NULL, what, &err, &local) &&
	    err != EEXIST) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	g_debug("%s", what);
	return TRUE;
}

static gboolean
collect_link(const struct nlmsghdr *hdr, gpointer user_data)
{
	GArray *out = user_data;
	XfrmLink l;

	if (xfrm_iface_parse(hdr, &l) && l.ours)
		g_array_append_val(out, l);
	return TRUE;
}

gboolean
xfrm_iface_flush(XfrmBackend *xb, guint *n_if, GError **error)
{
	g_autoptr(GArray) links = g_array_new(FALSE, TRUE, sizeof(XfrmLink));
	g_autoptr(GError) first = NULL;
	struct nl_msg *msg = xfrm_iface_dump_msg_new();
	GHashTableIter it;
	gpointer k;

	*n_if = 0;
	if (msg == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return FALSE;
	}
	if (!xfrm_nl_transact(xb->rtnl, msg, TRUE, collect_link, links, "xfrm: listing interfaces",
	                      NULL, error))
		return FALSE;
	/* Tagged ones (this run's and an earlier run's), then any of this
	 * run's that lost their tag. */
	for (guint i = 0; i < links->len; i++) {
		const XfrmLink *l = &g_array_index(links, XfrmLink, i);
		GError *e = NULL;

		if (send_del(xb, l->name, l->ifindex, &e))
			(*n_if)++;
		else if (first == NULL)
			first = e;
		else
			g_error_free(e);
		g_hash_table_remove(xb->ifaces, l->name);
	}
	g_hash_table_iter_init(&it, xb->ifaces);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		GError *e = NULL;

		if (send_del(xb, k, 0, &e))
			(*n_if)++;
		else if (first == NULL)
			first = e;
		else
			g_error_free(e);
		g_hash_table_iter_remove(&it);
	}
	if (first != NULL) {
		g_propagate_error(error, g_steal_pointer(&first));
		return FALSE;
	}
	return TRUE;
}

gboolean
xfrm_iface_probe(XfrmBackend *xb, gboolean *supported, GError **error)
{
	struct nl_msg *msg = xfrm_iface_probe_msg_new();
	g_autoptr(GError) local = NULL;
	int err = 0;

	*supported = FALSE;
	if (msg == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return FALSE;
	}
	if (xfrm_nl_transact(xb->rtnl, msg, FALSE, NULL, NULL, "xfrm: probing XFRM interfaces",
	                     &err, &local)) {
		/* Cannot happen without NLM_F_CREATE; nothing was made. */
		g_warning("xfrm: the XFRM interface probe was accepted; assuming support");
		*supported = TRUE;
		return TRUE;
	}
	switch (xfrm_iface_probe_answer(err)) {
	case XFRM_IFACE_PROBE_YES:
		*supported = TRUE;
		return TRUE;
	case XFRM_IFACE_PROBE_NO:
		return TRUE;
	case XFRM_IFACE_PROBE_UNKNOWN:
		break;
	}
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}
