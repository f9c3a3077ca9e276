/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm backend: policies (IPsec, trap, pass/drop/reject shunts) and the
 * removal of our own state (flush_own, stale state from an earlier run).
 */
#include <arpa/inet.h>
#include <string.h>

#include <netlink/attr.h>

#include "xfrm-convert.h"
#include "xfrm-private.h"

static char *
policy_describe(const KernelPolicy *policy)
{
	g_autofree char *s = kernel_ts_to_string(&policy->src);
	g_autofree char *d = kernel_ts_to_string(&policy->dst);

	return g_strdup_printf("%s policy %s -> %s dir %s",
	                       kernel_policy_action_name(policy->action), s, d,
	                       kernel_dir_name(policy->dir));
}

gboolean
xfrm_op_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_sp_msg_new(policy, error);
	g_autofree char *desc = NULL;
	g_autofree char *what = NULL;

	if (msg == NULL)
		return FALSE;
	desc = policy_describe(policy);
	what = g_strdup_printf("xfrm: installing %s", desc);
	/* UPDPOLICY inserts or replaces: a trap becomes the real policy
	 * without a window in which packets would leak or drop. */
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, what, NULL, error))
		return FALSE;
	if (policy->action == KERNEL_POLICY_REJECT)
		g_debug("xfrm: %s: xfrm cannot send ICMP; reject drops silently", desc);
	g_debug("xfrm: installed %s priority %u reqid %u", desc, policy->priority, policy->reqid);
	return TRUE;
}

gboolean
xfrm_op_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_sp_id_msg_new(policy, XFRM_MSG_DELPOLICY, error);
	g_autofree char *desc = NULL;
	g_autofree char *what = NULL;

	if (msg == NULL)
		return FALSE;
	desc = policy_describe(policy);
	what = g_strdup_printf("xfrm: removing %s", desc);
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, what, NULL, error))
		return FALSE;
	g_debug("xfrm: removed %s", desc);
	return TRUE;
}

typedef struct {
	gboolean got;
	gint64 use_time;
} PolicyUse;

static gboolean
policy_use_reply(const struct nlmsghdr *hdr, gpointer user_data)
{
	PolicyUse *u = user_data;
	const struct xfrm_userpolicy_info *info = NLMSG_DATA(hdr);

	if (hdr->nlmsg_type != XFRM_MSG_NEWPOLICY || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
		return TRUE;
	u->use_time = (gint64) info->curlft.use_time;
	u->got = TRUE;
	return FALSE;
}

gboolean
xfrm_op_query_policy(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time,
                     GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_sp_id_msg_new(policy, XFRM_MSG_GETPOLICY, error);
	PolicyUse u = {0};

	if (msg == NULL)
		return FALSE;
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, policy_use_reply, &u, "xfrm: reading policy",
	                      NULL, error))
		return FALSE;
	if (!u.got) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND,
		                    "xfrm: reading policy: no answer");
		return FALSE;
	}
	*use_time = u.use_time;
	return TRUE;
}

/* ---- removing our state ----------------------------------------------- */

typedef struct {
	guint32 index;
	guint8 dir;
	guint8 type;
	gboolean has_mark;
	struct xfrm_mark mark;
	guint32 if_id;
} TaggedPolicy;

typedef struct {
	xfrm_address_t daddr;
	guint32 spi; /* network order, as dumped */
	guint16 family;
	guint8 proto;
	gboolean has_mark;
	struct xfrm_mark mark;
} TaggedSa;

static const struct nlattr *
dump_attr(const struct nlmsghdr *hdr, gsize hdrlen, int type, gsize min_len)
{
	const struct nlattr *a = nlmsg_find_attr((struct nlmsghdr *) hdr, (int) hdrlen, type);

	return a != NULL && (gsize) nla_len(a) >= min_len ? a : NULL;
}

static gboolean
collect_policy(const struct nlmsghdr *hdr, gpointer user_data)
{
	GArray *out = user_data;
	const struct xfrm_userpolicy_info *info = NLMSG_DATA(hdr);
	const struct nlattr *a;
	TaggedPolicy p = {0};

	if (hdr->nlmsg_type != XFRM_MSG_NEWPOLICY || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
		return TRUE;
	if (info->sel.user != XFRM_IKEBUS_TAG || info->dir >= XFRM_POLICY_MAX)
		return TRUE;
	p.index = info->index;
	p.dir = info->dir;
	p.type = XFRM_POLICY_TYPE_MAIN;
	if ((a = dump_attr(hdr, sizeof(*info), XFRMA_MARK, sizeof(struct xfrm_mark))) != NULL) {
		p.has_mark = TRUE;
		memcpy(&p.mark, nla_data(a), sizeof(p.mark));
	}
	if ((a = dump_attr(hdr, sizeof(*info), XFRMA_IF_ID, sizeof(guint32))) != NULL)
		p.if_id = nla_get_u32((struct nlattr *) a);
	if ((a = dump_attr(hdr, sizeof(*info), XFRMA_POLICY_TYPE,
	                   sizeof(struct xfrm_userpolicy_type))) != NULL)
		p.type = ((const struct xfrm_userpolicy_type *) nla_data(a))->type;
	g_array_append_val(out, p);
	return TRUE;
}

static gboolean
collect_sa(const struct nlmsghdr *hdr, gpointer user_data)
{
	GArray *out = user_data;
	const struct xfrm_usersa_info *info = NLMSG_DATA(hdr);
	const struct nlattr *a;
	TaggedSa s = {0};

	if (hdr->nlmsg_type != XFRM_MSG_NEWSA || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
		return TRUE;
	if (info->sel.user != XFRM_IKEBUS_TAG)
		return TRUE;
	/* A tunnel-mode IPCOMP SA makes the kernel add an IP-in-IP helper SA
	 * (proto IPIP/IPV6, selector copied from ours) for packets sent
	 * uncompressed.  It belongs to its IPCOMP SA: the kernel refuses to
	 * delete it directly (EPERM) and removes it with the last IPCOMP SA
	 * that uses it. */
	if (info->id.proto == IPPROTO_IPIP || info->id.proto == IPPROTO_IPV6)
		return TRUE;
	s.daddr = info->id.daddr;
	s.spi = info->id.spi;
	s.family = info->family;
	s.proto = info->id.proto;
	if ((a = dump_attr(hdr, sizeof(*info), XFRMA_MARK, sizeof(struct xfrm_mark))) != NULL) {
		s.has_mark = TRUE;
		memcpy(&s.mark, nla_data(a), sizeof(s.mark));
	}
	g_array_append_val(out, s);
	return TRUE;
}

static gboolean
dump(XfrmBackend *xb, int type, XfrmNlReplyFunc func, GArray *out, GError **error)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);

	if (msg == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return FALSE;
	}
	return xfrm_nl_transact(xb->nl, msg, TRUE, func, out,
	                        type == XFRM_MSG_GETPOLICY ? "xfrm: listing policies"
	                                                   : "xfrm: listing SAs",
	                        NULL, error);
}

static gboolean
delete_policy_by_index(XfrmBackend *xb, const TaggedPolicy *p, GError **error)
{
	struct xfrm_userpolicy_id pid = {.index = p->index, .dir = p->dir};
	struct xfrm_userpolicy_type pt = {.type = p->type};
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_DELPOLICY, 0);
	int errno_out = 0;

	if (msg == NULL || nlmsg_append(msg, &pid, sizeof(pid), NLMSG_ALIGNTO) < 0 ||
	    (p->has_mark && nla_put(msg, XFRMA_MARK, sizeof(p->mark), &p->mark) < 0) ||
	    (p->if_id != 0 && nla_put_u32(msg, XFRMA_IF_ID, p->if_id) < 0) ||
	    nla_put(msg, XFRMA_POLICY_TYPE, sizeof(pt), &pt) < 0) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return FALSE;
	}
	if (xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, "xfrm: removing our policy",
	                     &errno_out, error))
		return TRUE;
	/* Gone meanwhile (expired, or removed with its SA) is success. */
	if (g_error_matches(*error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND)) {
		g_clear_error(error);
		return TRUE;
	}
	return FALSE;
}

static gboolean
delete_sa(XfrmBackend *xb, const TaggedSa *s, GError **error)
{
	struct xfrm_usersa_id sid = {0};
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_DELSA, 0);

	sid.daddr = s->daddr;
	sid.spi = s->spi;
	sid.family = s->family;
	sid.proto = s->proto;
	if (msg == NULL || nlmsg_append(msg, &sid, sizeof(sid), NLMSG_ALIGNTO) < 0 ||
	    (s->has_mark && nla_put(msg, XFRMA_MARK, sizeof(s->mark), &s->mark) < 0)) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return FALSE;
	}
	if (xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, "xfrm: removing our SA", NULL, error))
		return TRUE;
	if (g_error_matches(*error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND)) {
		g_clear_error(error);
		return TRUE;
	}
	return FALSE;
}

gboolean
xfrm_flush_tagged(XfrmBackend *xb, guint *n_sa, guint *n_sp, guint *n_if, GError **error)
{
	g_autoptr(GArray) sps = g_array_new(FALSE, TRUE, sizeof(TaggedPolicy));
	g_autoptr(GArray) sas = g_array_new(FALSE, TRUE, sizeof(TaggedSa));
	g_autoptr(GError) first = NULL;

	*n_sa = *n_sp = *n_if = 0;
	/* Policies first, so no packet meets a policy whose SA just went.
	 * Collect, then delete: the socket cannot take requests mid-dump.
	 * Two dumps per flush (start, shutdown, explicit flush) only. */
	if (!dump(xb, XFRM_MSG_GETPOLICY, collect_policy, sps, error))
		return FALSE;
	for (guint i = 0; i < sps->len; i++) {
		GError *e = NULL;
		if (delete_policy_by_index(xb, &g_array_index(sps, TaggedPolicy, i), &e))
			(*n_sp)++;
		else if (first == NULL)
			first = e;
		else
			g_error_free(e);
	}
	*n_sa += xfrm_larval_flush(xb);
	if (!dump(xb, XFRM_MSG_GETSA, collect_sa, sas, error))
		return FALSE;
	for (guint i = 0; i < sas->len; i++) {
		GError *e = NULL;
		if (delete_sa(xb, &g_array_index(sas, TaggedSa, i), &e))
			(*n_sa)++;
		else if (first == NULL)
			first = e;
		else
			g_error_free(e);
	}
	/* Interfaces last: nothing routes into them once their SAs are gone. */
	{
		GError *e = NULL;

		if (!xfrm_iface_flush(xb, n_if, &e)) {
			if (first == NULL)
				first = e;
			else
				g_error_free(e);
		}
	}
	if (first != NULL) {
		g_propagate_error(error, g_steal_pointer(&first));
		return FALSE;
	}
	return TRUE;
}

gboolean
xfrm_op_flush_own(KernelBackend *kb, GError **error)
{
	guint n_sa, n_sp, n_if;

	if (!xfrm_flush_tagged((XfrmBackend *) kb, &n_sa, &n_sp, &n_if, error))
		return FALSE;
	g_debug("xfrm: removed %u SAs, %u policies and %u interfaces of ours", n_sa, n_sp, n_if);
	return TRUE;
}
