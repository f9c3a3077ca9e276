/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by the xfrm backend's files (xfrm.c, xfrm-sa.c,
 * xfrm-policy.c, xfrm-events.c, xfrm-probe.c).  Nothing outside
 * service/kernel/xfrm*.c and its tests includes this.
 *
 * Thread: everything runs on the thread that created the backend.
 */
#pragma once

#include <glib.h>
#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "kernel.h"
#include "xfrm-nl.h"

G_BEGIN_DECLS

/* g_autoptr() names for libnl types. */
typedef struct nl_addr XfrmNlAddr;
typedef struct xfrmnl_sel XfrmNlSel;
typedef struct xfrmnl_sa XfrmNlSa;
typedef struct xfrmnl_sp XfrmNlSp;
typedef struct xfrmnl_ltime_cfg XfrmNlLtime;
typedef struct xfrmnl_user_tmpl XfrmNlTmpl;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlAddr, nl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlSel, xfrmnl_sel_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlSa, xfrmnl_sa_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlSp, xfrmnl_sp_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlLtime, xfrmnl_ltime_cfg_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XfrmNlTmpl, xfrmnl_user_tmpl_free)

typedef struct {
	KernelBackend base; /* first, as kernel.h requires */
	gboolean leave_state;
	XfrmNl *nl;         /* requests */
	XfrmNl *rtnl;       /* NETLINK_ROUTE requests (XFRM interfaces) */
	GHashTable *ifaces; /* names of the interfaces we created (owned) */
	int ev_fd;          /* multicast ACQUIRE/EXPIRE/MAPPING, owned; -1 = none */
	GSource *ev_source; /* on the creating thread's main context */
	/* SPIs from XFRM_MSG_ALLOCSPI not yet filled in by add/update_sa:
	 * XfrmLarval* -> itself.  Their selectors are the kernel's, so they
	 * carry no tag; this set is how flush_own finds them. */
	GHashTable *larval;
	guint64 events_lost; /* ENOBUFS overruns on the event socket */
} XfrmBackend;

/* ---- xfrm-sa.c -------------------------------------------------------- */

gboolean xfrm_op_get_spi(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst,
                         KernelProto proto, guint32 reqid, guint32 *spi_out, GError **error);
gboolean xfrm_op_add_sa(KernelBackend *kb, const KernelSa *sa, GError **error);
gboolean xfrm_op_update_sa(KernelBackend *kb, const KernelSa *sa, GError **error);
gboolean xfrm_op_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error);
gboolean xfrm_op_query_sa(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats,
                          GError **error);
/* Owned set for XfrmBackend.larval. */
GHashTable *xfrm_larval_set_new(void);
/* Deletes the larval SAs still pending; returns how many went. */
guint xfrm_larval_flush(XfrmBackend *xb);

/* ---- xfrm-policy.c ---------------------------------------------------- */

gboolean xfrm_op_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error);
gboolean xfrm_op_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error);
gboolean xfrm_op_query_policy(KernelBackend *kb, const KernelPolicy *policy, gint64 *use_time,
                              GError **error);
gboolean xfrm_op_flush_own(KernelBackend *kb, GError **error);
/* Removes every tagged SA, policy and XFRM interface (ours, from this or
 * an earlier run) plus the pending larval SAs; counts what went. */
gboolean xfrm_flush_tagged(XfrmBackend *xb, guint *n_sa, guint *n_sp, guint *n_if,
                           GError **error);

/* ---- xfrm-iface.c ----------------------------------------------------- */

gboolean xfrm_op_add_interface(KernelBackend *kb, const char *name, guint32 if_id,
                               guint32 link_ifindex, GError **error);
gboolean xfrm_op_del_interface(KernelBackend *kb, const char *name, GError **error);
gboolean xfrm_op_add_interface_addr(KernelBackend *kb, const char *name, const KernelAddr *addr,
                                    guint prefix_len, GError **error);
/* Owned set for XfrmBackend.ifaces. */
GHashTable *xfrm_iface_set_new(void);
/* Removes every interface tagged as ours (this or an earlier run) and the
 * ones this run created; counts what went. */
gboolean xfrm_iface_flush(XfrmBackend *xb, guint *n_if, GError **error);
/* Whether the kernel has XFRM interfaces, asked without creating one. */
gboolean xfrm_iface_probe(XfrmBackend *xb, gboolean *supported, GError **error);

/* ---- xfrm-events.c ---------------------------------------------------- */

/* Opens the multicast socket and attaches it to the thread-default main
 * context.  Without CAP_NET_ADMIN the kernel refuses the groups. */
gboolean xfrm_events_start(XfrmBackend *xb, GError **error);
void xfrm_events_stop(XfrmBackend *xb);

typedef enum {
	XFRM_EVENT_OURS,    /* @event filled in */
	XFRM_EVENT_FOREIGN, /* another program's SA or policy: ignored */
	XFRM_EVENT_OTHER,   /* not an event type we handle, or malformed */
} XfrmEventKind;

/* Parses one XFRM_MSG_ACQUIRE / EXPIRE / MAPPING message (pure; unit-tested). */
XfrmEventKind xfrm_event_parse(const struct nlmsghdr *hdr, KernelEvent *event);

/* ---- xfrm-probe.c ----------------------------------------------------- */

gboolean xfrm_op_probe(KernelBackend *kb, KernelCaps *caps, GError **error);
/* The one line main.c prints when --kernel xfrm cannot work here. */
#define XFRM_NO_ESP_MESSAGE                                                                        \
	"this kernel has XFRM but no ESP support (CONFIG_INET_ESP); use --kernel userspace"

G_END_DECLS
