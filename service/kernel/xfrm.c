/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Linux XFRM backend: kernel IPsec through libnl-xfrm-3.
 *
 *   xfrm-nl.c       request socket and the wiping receive loop
 *   xfrm-convert.c  kernel.h structs -> libnl objects -> messages (pure)
 *   xfrm-sa.c       SPI allocation, SAs, counters
 *   xfrm-policy.c   policies, traps, shunts, removal of our own state
 *   xfrm-events.c   ACQUIRE / EXPIRE / MAPPING on the main loop
 *   xfrm-iface.c    XFRM interfaces (route-based IPsec, --interface-ip)
 *   xfrm-probe.c    what this kernel supports
 *
 * Lifecycle: kernel_xfrm_new() removes state an earlier ikebusd left
 * (see XFRM_IKEBUS_TAG in xfrm-convert.h for how ours is recognised) and
 * starts listening for events; freeing removes everything we installed
 * unless KernelConfig.leave_state.
 */
#include "kernel.h"
#include "xfrm-private.h"

static void
xfrm_op_free(KernelBackend *kb)
{
	XfrmBackend *xb = (XfrmBackend *) kb;

	xfrm_events_stop(xb);
	if (xb->nl != NULL && !xb->leave_state) {
		g_autoptr(GError) error = NULL;
		guint n_sa = 0, n_sp = 0, n_if = 0;

		if (!xfrm_flush_tagged(xb, &n_sa, &n_sp, &n_if, &error))
			g_warning("xfrm: removing our state at shutdown: %s", error->message);
		else
			g_debug("xfrm: shutdown removed %u SAs, %u policies and %u interfaces",
			        n_sa, n_sp, n_if);
	} else if (xb->nl != NULL) {
		g_info("xfrm: leaving %u pending SPIs and all installed SAs, policies and "
		       "interfaces in place",
		       g_hash_table_size(xb->larval));
	}
	xfrm_nl_free(xb->nl);
	xfrm_nl_free(xb->rtnl);
	g_hash_table_destroy(xb->larval);
	g_hash_table_destroy(xb->ifaces);
	g_free(xb);
}

static const KernelOps xfrm_ops = {
        .name = "xfrm",
        .probe = xfrm_op_probe,
        .get_spi = xfrm_op_get_spi,
        .add_sa = xfrm_op_add_sa,
        .update_sa = xfrm_op_update_sa,
        .del_sa = xfrm_op_del_sa,
        .query_sa = xfrm_op_query_sa,
        .add_policy = xfrm_op_add_policy,
        .del_policy = xfrm_op_del_policy,
        .query_policy = xfrm_op_query_policy,
        .flush_own = xfrm_op_flush_own,
        .esp_input = NULL, /* the kernel reads ESP itself */
        .free = xfrm_op_free,
        .add_interface = xfrm_op_add_interface,
        .del_interface = xfrm_op_del_interface,
        .add_interface_addr = xfrm_op_add_interface_addr,
};

KernelBackend *
kernel_xfrm_new(const KernelConfig *cfg, GError **error)
{
	XfrmBackend *xb = g_new0(XfrmBackend, 1);
	g_autoptr(GError) local = NULL;
	guint n_sa = 0, n_sp = 0, n_if = 0;

	xb->base.ops = &xfrm_ops;
	xb->ev_fd = -1;
	xb->larval = xfrm_larval_set_new();
	xb->ifaces = xfrm_iface_set_new();
	xb->leave_state = cfg != NULL && cfg->leave_state;
	/* Until the sweep below succeeds there is nothing of ours to remove. */
	xb->nl = xfrm_nl_new(error);
	if (xb->nl == NULL)
		goto fail;
	xb->rtnl = xfrm_nl_new_route(error);
	if (xb->rtnl == NULL)
		goto fail;

	if (!xfrm_flush_tagged(xb, &n_sa, &n_sp, &n_if, &local)) {
		if (g_error_matches(local, KERNEL_ERROR, KERNEL_ERROR_PERMISSION))
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_PERMISSION,
			            "xfrm: the kernel refused (%s); the xfrm backend needs "
			            "CAP_NET_ADMIN",
			            local->message);
		else
			g_propagate_prefixed_error(error, g_steal_pointer(&local),
			                           "xfrm: removing stale state: ");
		goto fail;
	}
	if (n_sa + n_sp + n_if > 0)
		g_info("xfrm: removed %u SAs, %u policies and %u interfaces left by an earlier "
		       "ikebusd",
		       n_sa, n_sp, n_if);

	if (!xfrm_events_start(xb, error))
		goto fail;
	return &xb->base;

fail:
	/* Nothing installed yet: free without flushing. */
	xb->leave_state = TRUE;
	xfrm_events_stop(xb);
	xfrm_nl_free(xb->nl);
	xfrm_nl_free(xb->rtnl);
	g_hash_table_destroy(xb->larval);
	g_hash_table_destroy(xb->ifaces);
	g_free(xb);
	return NULL;
}
