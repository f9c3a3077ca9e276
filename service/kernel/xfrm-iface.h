/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XFRM interfaces (Linux link type "xfrm", CONFIG_XFRM_INTERFACE): the
 * rtnetlink messages that create, tag, bring up, address and delete them,
 * and the parser for link dumps.  Pure, like xfrm-convert.h: nothing here
 * opens a socket, so tests/unit/kernel-xfrm checks the bytes without root.
 *
 * How ikebus recognises its own interfaces: names follow the "ipsec<N>"
 * convention (as Libreswan's), but a name alone is no tag, since Libreswan
 * makes the same names.  After creating one we set its alias
 * (IFLA_IFALIAS, `ip link show` prints it) to XFRM_IFACE_ALIAS; the sweep
 * at start, flush_own and shutdown delete exactly the xfrm links that carry
 * it.  Between the creation and the alias an interface is untagged; the
 * backend remembers it and deletes it itself if tagging fails.
 *
 * Ownership: _msg_new functions return owned messages (nlmsg_free()).
 * Errors: KERNEL_ERROR_INVALID naming the field.
 */
#pragma once

#include <glib.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netlink/msg.h>

#include "kernel.h"

G_BEGIN_DECLS

#define XFRM_IFACE_PREFIX "ipsec"
#define XFRM_IFACE_ALIAS "ikebus"
/* The name the probe asks about (and never creates). */
#define XFRM_IFACE_PROBE_NAME "ikebus-probe0"

/* TRUE if @name is "ipsec" followed by decimal digits and fits IFNAMSIZ. */
gboolean xfrm_iface_name_check(const char *name, GError **error);

/* RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL: an xfrm link @name with
 * IFLA_XFRM_IF_ID @if_id (not 0) and, when not 0, IFLA_XFRM_LINK. */
struct nl_msg *xfrm_iface_new_msg_new(const char *name, guint32 if_id, guint32 link_ifindex,
                                      GError **error);
/* RTM_NEWLINK on the existing link @name: alias XFRM_IFACE_ALIAS, IFF_UP. */
struct nl_msg *xfrm_iface_setup_msg_new(const char *name, GError **error);
/* RTM_DELLINK for @ifindex, or by @name when @ifindex is 0. */
struct nl_msg *xfrm_iface_del_msg_new(const char *name, int ifindex, GError **error);
/* RTM_NEWADDR (NLM_F_CREATE | NLM_F_EXCL): @addr/@prefix_len on @ifindex. */
struct nl_msg *xfrm_iface_addr_msg_new(int ifindex, const KernelAddr *addr, guint prefix_len,
                                       GError **error);
/* RTM_GETLINK dump of xfrm links (kernels that know the kind filter by it;
 * the others list every link, and xfrm_iface_parse() sorts them out). */
struct nl_msg *xfrm_iface_dump_msg_new(void);

/*
 * The probe: RTM_NEWLINK *without* NLM_F_CREATE for XFRM_IFACE_PROBE_NAME
 * with IFLA_INFO_KIND "xfrm" and an IFLA_XFRM_IF_ID one octet long.  The
 * kernel looks up the link kind and validates IFLA_INFO_DATA against that
 * kind's policy before it looks for the device, so:
 *   EINVAL/ERANGE  the kind is known and refused the short attribute:
 *                  XFRM interfaces are there;
 *   ENODEV         the kind is unknown (no such device, and no create);
 *   EOPNOTSUPP     the kind is unknown and a device of that name exists.
 * Nothing can be created (no NLM_F_CREATE) or changed (validation fails
 * first, or the kind is unknown).  A kernel with xfrm_interface as a module
 * that is not loaded yet may answer ENODEV; creating an interface loads it.
 */
struct nl_msg *xfrm_iface_probe_msg_new(void);

typedef enum {
	XFRM_IFACE_PROBE_YES,
	XFRM_IFACE_PROBE_NO,
	XFRM_IFACE_PROBE_UNKNOWN, /* an answer the table above does not list */
} XfrmIfaceProbe;

/* Interprets the probe's errno (positive, 0 = success). */
XfrmIfaceProbe xfrm_iface_probe_answer(int err);

typedef struct {
	int ifindex;
	char name[IFNAMSIZ];
	gboolean is_xfrm; /* IFLA_INFO_KIND "xfrm" */
	gboolean ours;    /* is_xfrm and IFLA_IFALIAS == XFRM_IFACE_ALIAS */
	guint32 if_id;    /* IFLA_XFRM_IF_ID, 0 if absent */
	guint32 link;     /* IFLA_XFRM_LINK, 0 if absent */
} XfrmLink;

/* Reads one RTM_NEWLINK message (a dump entry); FALSE if it is not one or
 * is malformed.  Bounds-checked: the kernel is trusted, but not blindly. */
gboolean xfrm_iface_parse(const struct nlmsghdr *hdr, XfrmLink *out);

G_END_DECLS
