/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace backend's plumbing: a TUN device (IFF_TUN | IFF_NO_PI, so
 * reads and writes are bare IP packets) and plain rtnetlink requests for the
 * routes that steer protected traffic into it and the policy rule that looks
 * those routes up.
 *
 * The rule is "not fwmark MARK lookup TABLE": our own ESP-in-UDP (and IKE)
 * sockets carry MARK so they never loop back into the tunnel even when a
 * selector covers the peer's outer address.
 *
 * Thread: any; each TunNetlink is used by one thread at a time.
 * Errors: KERNEL_ERROR (PERMISSION for EPERM/EACCES).
 */
#pragma once

#include <glib.h>

#include "kernel.h"

G_BEGIN_DECLS

/* Default fwmark that exempts our own sockets from the table. */
#define TUN_BYPASS_MARK 0x1ce0u

/* Opens (creating if needed) TUN device @name; non-blocking fd, or -1.
 * The kernel's chosen name is written to @name_out (IFNAMSIZ = 16). */
int tun_open(const char *name, char *name_out, GError **error);
/* Sets @mtu and brings the link up, with no address. */
gboolean tun_link_up(const char *name, guint mtu, GError **error);
int tun_ifindex(const char *name);

typedef struct {
	int fd;
	guint32 seq;
} TunNetlink;

gboolean tun_netlink_open(TunNetlink *nl, GError **error);
void tun_netlink_close(TunNetlink *nl);

/* Adds (replacing any equal one) or removes "@dst/@plen dev @ifindex table
 * @table [src @src_hint]".  @src_hint may be NULL; if the kernel refuses it
 * the route is added without.  Removing a route that is gone succeeds. */
gboolean tun_route(TunNetlink *nl, gboolean add, int ifindex, guint32 table, const KernelAddr *dst,
                   guint plen, const KernelAddr *src_hint, GError **error);
/* Adds or removes "priority @prio not fwmark @mark lookup @table" for
 * @family (AF_INET/AF_INET6).  Adding first removes an equal rule. */
gboolean tun_rule(TunNetlink *nl, gboolean add, int family, guint32 table, guint32 prio,
                  guint32 mark, GError **error);

G_END_DECLS
