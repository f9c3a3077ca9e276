/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.h structs <-> xfrm netlink objects and messages.  Pure: nothing
 * here opens a socket, so tests/unit/kernel-xfrm checks every field without
 * root.
 *
 * Ownership: functions named _new return owned objects/messages; messages
 * that may carry keys must be released with xfrm_nl_msg_free() (it wipes).
 * Keys are never put into libnl objects (libnl frees them without wiping);
 * they are written straight into the message.
 * Errors: KERNEL_ERROR_INVALID naming the field, or _NOT_SUPPORTED.
 */
#pragma once

#include <glib.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>

#include "kernel.h"
#include "xfrm-private.h"

G_BEGIN_DECLS

/*
 * How ikebus recognises its own kernel state.
 *
 * xfrm has no free "owner" field for policies, and reqids or priorities are
 * chosen by the engine (and by other IKE daemons in the same ranges), so
 * neither is a safe tag.  The selector's `user` field is: the kernel stores
 * and reports it verbatim, never uses it for packet matching, and no
 * mainstream tool sets it (iproute2 leaves it 0).  Every SA and policy we
 * install carries XFRM_IKEBUS_TAG there; flush_own and the stale-state
 * sweep at start delete exactly the entries that carry it.  A useful side
 * effect: policies are identified by their whole selector, so ours never
 * collide with (or replace) another program's policy for the same traffic.
 *
 * The one exception is the larval SA that XFRM_MSG_ALLOCSPI creates: its
 * selector is built by the kernel.  The backend remembers those SPIs until
 * they are filled in (and the kernel drops unused ones after
 * net.core.xfrm_acq_expires seconds anyway).
 */
#define XFRM_IKEBUS_TAG 0x494b4542u /* "IKEB" */

/* SPIs handed out by get_spi: never the IANA-reserved 0..0xFF nor the
 * 0x100..0xFFF range pluto keeps for manually keyed SAs. */
#define XFRM_SPI_MIN 0x1000u
#define XFRM_SPI_MAX 0xffffffffu
/* IPCOMP CPIs for get_spi: RFC 3173 §3.3 keeps 0..63 for well-known
 * values, 64..255 for future use and 61440..65535 for private use; IKE
 * negotiates the rest. */
#define XFRM_CPI_MIN 0x100u
#define XFRM_CPI_MAX 0xefffu

/* Raw selector for packets from @src to @dst (both needed, one family;
 * proto and ports as KernelTs describes).  Tagged with XFRM_IKEBUS_TAG. */
gboolean xfrm_selector_from_ts(const KernelTs *src, const KernelTs *dst, struct xfrm_selector *out,
                               GError **error);
/* The reverse (for ACQUIRE events): prefixes back to ranges. */
void xfrm_selector_to_ts(const struct xfrm_selector *sel, KernelTs *src, KernelTs *dst);
/* A libnl selector object holding @sel (owned; xfrmnl_sel_put()). */
struct xfrmnl_sel *xfrm_sel_new(const struct xfrm_selector *sel);

/* KernelAddr <-> nl_addr / xfrm_address_t. */
struct nl_addr *xfrm_nl_addr_new(const KernelAddr *addr, int family);
void xfrm_addr_from_kernel(xfrm_address_t *out, const KernelAddr *addr);
void xfrm_addr_to_kernel(KernelAddr *out, const xfrm_address_t *addr, int family);

/* XFRM_MODE_* the kernel gets for @sa (ESP stacked on IPCOMP: transport). */
guint8 xfrm_sa_mode(const KernelSa *sa);
/* Everything of @sa except the algorithms and keys, as a libnl object. */
struct xfrmnl_sa *xfrm_sa_object_new(const KernelSa *sa, GError **error);
/* XFRM_MSG_NEWSA (or UPDSA when @update) for @sa, keys included. */
struct nl_msg *xfrm_sa_msg_new(const KernelSa *sa, gboolean update, GError **error);
/* XFRM_MSG_DELSA / XFRM_MSG_GETSA for @id (@cmd one of those). */
struct nl_msg *xfrm_sa_id_msg_new(const KernelSaId *id, int cmd, GError **error);
/* XFRM_MSG_ALLOCSPI for an inbound SA from @src to @dst. */
struct nl_msg *xfrm_allocspi_msg_new(const KernelAddr *src, const KernelAddr *dst,
                                     KernelProto proto, guint32 reqid, guint32 min, guint32 max,
                                     GError **error);

/* The policy as a libnl object (templates included). */
struct xfrmnl_sp *xfrm_sp_object_new(const KernelPolicy *policy, GError **error);
/* XFRM_MSG_UPDPOLICY (insert or replace) for @policy. */
struct nl_msg *xfrm_sp_msg_new(const KernelPolicy *policy, GError **error);
/* XFRM_MSG_DELPOLICY / GETPOLICY by selector (@cmd one of those). */
struct nl_msg *xfrm_sp_id_msg_new(const KernelPolicy *policy, int cmd, GError **error);

/* KERNEL_DIR_* -> XFRM_POLICY_IN/OUT/FWD. */
guint8 xfrm_dir_from_kernel(KernelDir dir);

G_END_DECLS
