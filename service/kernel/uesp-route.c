/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace ESP backend, routes (main thread): a route into the TUN device
 * for each remote selector of an outbound SA or OUT policy, counted per
 * prefix, and, for a table other than main, one rule per family sending
 * unmarked traffic to it (the ESP sockets carry TUN_BYPASS_MARK).  The
 * rtnetlink messages are built in tun.c.
 */
#include "uesp-private.h"

#include <netinet/in.h>

static void
route_ref(Uesp *u, const KernelTs *ts, const KernelTs *src_ts, gboolean add)
{
	KernelAddr net, src;
	guint plen, src_plen;
	g_autoptr(GError) error = NULL;
	guint fam;

	if (u->detached || u->no_routes || !kernel_ts_to_prefix(ts, &net, &plen))
		return;
	fam = net.family == AF_INET ? 0 : 1;
	for (guint i = 0; i < u->routes->len; i++) {
		UespRoute *r = g_ptr_array_index(u->routes, i);

		if (r->plen != plen || !kernel_addr_equal(&r->dst, &net))
			continue;
		if (add) {
			r->refs++;
		} else if (--r->refs == 0) {
			if (!tun_route(&u->nl, FALSE, u->ifindex, u->table, &net, plen, NULL,
			               &error))
				g_warning("uesp: %s", error->message);
			g_ptr_array_remove_index(u->routes, i);
		}
		return;
	}
	if (!add)
		return;
	if (u->table != 0 && u->table != 254 && !u->rule[fam]) {
		if (!tun_rule(&u->nl, TRUE, net.family, u->table, u->table, TUN_BYPASS_MARK,
		              &error)) {
			g_warning("uesp: %s", error->message);
			g_clear_error(&error);
		} else {
			u->rule[fam] = TRUE;
		}
	}
	/* The local selector as source hint when it is a single address, so
	 * locally generated traffic picks the address the peer expects. */
	gboolean hint = src_ts != NULL && kernel_ts_to_prefix(src_ts, &src, &src_plen) &&
	                src_plen == kernel_addr_len(&src) * 8;
	if (!tun_route(&u->nl, TRUE, u->ifindex, u->table, &net, plen, hint ? &src : NULL,
	               &error)) {
		g_warning("uesp: %s", error->message);
		return;
	}
	UespRoute *r = g_new0(UespRoute, 1);
	r->dst = net;
	r->plen = plen;
	r->refs = 1;
	g_ptr_array_add(u->routes, r);
}

void
uesp_sa_routes(Uesp *u, const KernelSa *sa, gboolean add)
{
	if (sa->dir != KERNEL_DIR_OUT)
		return;
	for (gsize i = 0; i < sa->n_ts_remote; i++)
		route_ref(u, &sa->ts_remote[i], sa->n_ts_local > 0 ? &sa->ts_local[0] : NULL, add);
}

void
uesp_policy_routes(Uesp *u, const KernelPolicy *p, gboolean add)
{
	if (p->dir != KERNEL_DIR_OUT || p->action == KERNEL_POLICY_PASS)
		return;
	route_ref(u, &p->dst, &p->src, add);
}

void
uesp_routes_flush(Uesp *u)
{
	if (u->detached || u->no_routes)
		return;
	for (guint i = 0; i < u->routes->len; i++) {
		UespRoute *r = g_ptr_array_index(u->routes, i);
		tun_route(&u->nl, FALSE, u->ifindex, u->table, &r->dst, r->plen, NULL, NULL);
	}
	g_ptr_array_set_size(u->routes, 0);
	for (guint fam = 0; fam < 2; fam++) {
		if (u->rule[fam])
			tun_rule(&u->nl, FALSE, fam == 0 ? AF_INET : AF_INET6, u->table, u->table,
			         TUN_BYPASS_MARK, NULL);
		u->rule[fam] = FALSE;
	}
}
