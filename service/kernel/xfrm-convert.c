/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.h SA/policy structs -> libnl-xfrm objects -> netlink messages.
 *
 * Non-secret fields go through libnl's objects and builders; algorithm
 * attributes (which hold keys) and the attributes libnl 3.7 does not know
 * (XFRMA_IF_ID) are appended to the built message here.
 */
#include "xfrm-convert.h"

#include <arpa/inet.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/template.h>

#include "alg.h"
#include "xfrm-nl.h"

static gboolean invalid(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_propagate_error(error, g_error_new_valist(KERNEL_ERROR, KERNEL_ERROR_INVALID, fmt, ap));
	va_end(ap);
	return FALSE;
}

static gboolean
family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

guint8
xfrm_dir_from_kernel(KernelDir dir)
{
	switch (dir) {
	case KERNEL_DIR_IN:
		return XFRM_POLICY_IN;
	case KERNEL_DIR_OUT:
		return XFRM_POLICY_OUT;
	case KERNEL_DIR_FWD:
		return XFRM_POLICY_FWD;
	}
	return XFRM_POLICY_OUT;
}

/* ---- addresses -------------------------------------------------------- */

struct nl_addr *
xfrm_nl_addr_new(const KernelAddr *addr, int family)
{
	static const guint8 zero[16];

	if (addr != NULL && family_ok(addr->family))
		return nl_addr_build(addr->family, addr->bytes, kernel_addr_len(addr));
	/* Unset: the all-zero address of @family ("any"). */
	return nl_addr_build(family, zero, family == AF_INET6 ? 16 : 4);
}

void
xfrm_addr_from_kernel(xfrm_address_t *out, const KernelAddr *addr)
{
	memset(out, 0, sizeof(*out));
	if (addr != NULL && family_ok(addr->family))
		memcpy(out, addr->bytes, kernel_addr_len(addr));
}

void
xfrm_addr_to_kernel(KernelAddr *out, const xfrm_address_t *addr, int family)
{
	memset(out, 0, sizeof(*out));
	if (!family_ok(family))
		return;
	out->family = (guint8) family;
	memcpy(out->bytes, addr, family == AF_INET ? 4 : 16);
}

/* ---- selectors -------------------------------------------------------- */

/* An xfrm port selector is a value/mask pair, so it can express "any", one
 * port, or an aligned power-of-two block; other ranges must be split by the
 * caller (as addresses must be split into prefixes). */
static gboolean
port_range_to_mask(guint16 from, guint16 to, guint16 *port, guint16 *mask)
{
	guint32 size;

	if (from == 0 && to == 0xffff) {
		*port = 0;
		*mask = 0;
		return TRUE;
	}
	if (from > to)
		return FALSE;
	size = (guint32) to - from + 1;
	if ((size & (size - 1)) != 0 || (from & (size - 1)) != 0)
		return FALSE;
	*port = from;
	*mask = (guint16) ~(size - 1);
	return TRUE;
}

static gboolean
ts_all_ports(const KernelTs *ts)
{
	return ts->from_port == 0 && ts->to_port == 0xffff;
}

/* ICMP: IKEv2 puts type<<8|code in the port (RFC 7296 §3.13.1); xfrm
 * matches the type in sport and the code in dport. */
static gboolean
icmp_to_selector(const KernelTs *src, const KernelTs *dst, struct xfrm_selector *sel)
{
	const KernelTs *ts = NULL;

	if (!ts_all_ports(src))
		ts = src;
	if (!ts_all_ports(dst)) {
		if (ts != NULL && (ts->from_port != dst->from_port || ts->to_port != dst->to_port))
			return FALSE;
		ts = dst;
	}
	if (ts == NULL)
		return TRUE;
	if ((ts->from_port >> 8) != (ts->to_port >> 8))
		return FALSE; /* several types */
	sel->sport = htons(ts->from_port >> 8);
	sel->sport_mask = htons(0xffff);
	if ((ts->from_port & 0xff) == 0 && (ts->to_port & 0xff) == 0xff)
		return TRUE; /* every code of one type */
	if (ts->from_port != ts->to_port)
		return FALSE;
	sel->dport = htons(ts->from_port & 0xff);
	sel->dport_mask = htons(0xffff);
	return TRUE;
}

gboolean
xfrm_selector_from_ts(const KernelTs *src, const KernelTs *dst, struct xfrm_selector *out,
                      GError **error)
{
	KernelAddr snet, dnet;
	guint splen, dplen;
	guint16 port, mask;
	guint8 proto;

	memset(out, 0, sizeof(*out));
	if (!family_ok(src->from.family) || src->from.family != dst->from.family)
		return invalid(error, "selector: source and destination need one address family");
	if (!kernel_ts_to_prefix(src, &snet, &splen))
		return invalid(error, "selector: source range is not one prefix");
	if (!kernel_ts_to_prefix(dst, &dnet, &dplen))
		return invalid(error, "selector: destination range is not one prefix");
	if (src->proto != 0 && dst->proto != 0 && src->proto != dst->proto)
		return invalid(error, "selector: source and destination protocols differ (%u, %u)",
		               src->proto, dst->proto);
	proto = src->proto != 0 ? src->proto : dst->proto;

	out->family = src->from.family;
	xfrm_addr_from_kernel(&out->saddr, &snet);
	xfrm_addr_from_kernel(&out->daddr, &dnet);
	out->prefixlen_s = (guint8) splen;
	out->prefixlen_d = (guint8) dplen;
	out->proto = proto;
	out->user = XFRM_IKEBUS_TAG;

	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		if (!icmp_to_selector(src, dst, out))
			return invalid(error, "selector: ICMP type/code range cannot be expressed");
		return TRUE;
	}
	if (proto == 0 && (!ts_all_ports(src) || !ts_all_ports(dst)))
		return invalid(error, "selector: ports need a protocol");
	if (!port_range_to_mask(src->from_port, src->to_port, &port, &mask))
		return invalid(error, "selector: source port range %u-%u is not a value/mask block",
		               src->from_port, src->to_port);
	out->sport = htons(port);
	out->sport_mask = htons(mask);
	if (!port_range_to_mask(dst->from_port, dst->to_port, &port, &mask))
		return invalid(error,
		               "selector: destination port range %u-%u is not a value/mask block",
		               dst->from_port, dst->to_port);
	out->dport = htons(port);
	out->dport_mask = htons(mask);
	return TRUE;
}

static void
ports_from_mask(guint16 port_be, guint16 mask_be, guint16 *from, guint16 *to)
{
	guint16 port = ntohs(port_be), mask = ntohs(mask_be);

	*from = port & mask;
	*to = (guint16) (*from | (guint16) ~mask);
}

void
xfrm_selector_to_ts(const struct xfrm_selector *sel, KernelTs *src, KernelTs *dst)
{
	KernelAddr a;

	xfrm_addr_to_kernel(&a, &sel->saddr, sel->family);
	kernel_ts_from_prefix(src, &a, sel->prefixlen_s, sel->proto);
	xfrm_addr_to_kernel(&a, &sel->daddr, sel->family);
	kernel_ts_from_prefix(dst, &a, sel->prefixlen_d, sel->proto);
	if (sel->proto == IPPROTO_ICMP || sel->proto == IPPROTO_ICMPV6) {
		guint16 tf, tt, cf, ct;

		ports_from_mask(sel->sport, sel->sport_mask, &tf, &tt);
		ports_from_mask(sel->dport, sel->dport_mask, &cf, &ct);
		if (sel->sport_mask != 0) {
			src->from_port = dst->from_port =
			        (guint16) ((tf & 0xff) << 8 | (cf & 0xff));
			src->to_port = dst->to_port = (guint16) ((tf & 0xff) << 8 | (ct & 0xff));
		}
		return;
	}
	ports_from_mask(sel->sport, sel->sport_mask, &src->from_port, &src->to_port);
	ports_from_mask(sel->dport, sel->dport_mask, &dst->from_port, &dst->to_port);
}

struct xfrmnl_sel *
xfrm_sel_new(const struct xfrm_selector *sel)
{
	struct xfrmnl_sel *s = xfrmnl_sel_alloc();
	g_autoptr(XfrmNlAddr) sa = NULL;
	g_autoptr(XfrmNlAddr) da = NULL;
	KernelAddr a;
	int family = family_ok(sel->family) ? sel->family : AF_INET;

	xfrm_addr_to_kernel(&a, &sel->saddr, family);
	sa = xfrm_nl_addr_new(&a, family);
	nl_addr_set_prefixlen(sa, sel->prefixlen_s);
	xfrm_addr_to_kernel(&a, &sel->daddr, family);
	da = xfrm_nl_addr_new(&a, family);
	nl_addr_set_prefixlen(da, sel->prefixlen_d);
	xfrmnl_sel_set_saddr(s, sa);
	xfrmnl_sel_set_daddr(s, da);
	xfrmnl_sel_set_family(s, sel->family);
	xfrmnl_sel_set_prefixlen_s(s, sel->prefixlen_s);
	xfrmnl_sel_set_prefixlen_d(s, sel->prefixlen_d);
	/* libnl keeps ports in host order and converts when it builds. */
	xfrmnl_sel_set_sport(s, ntohs(sel->sport));
	xfrmnl_sel_set_sportmask(s, ntohs(sel->sport_mask));
	xfrmnl_sel_set_dport(s, ntohs(sel->dport));
	xfrmnl_sel_set_dportmask(s, ntohs(sel->dport_mask));
	xfrmnl_sel_set_proto(s, sel->proto);
	xfrmnl_sel_set_ifindex(s, (unsigned) sel->ifindex);
	xfrmnl_sel_set_userid(s, sel->user);
	return s;
}

/* ---- lifetimes -------------------------------------------------------- */

static guint64
limit(guint64 v)
{
	return v == 0 ? XFRM_INF : v;
}

static struct xfrmnl_ltime_cfg *
ltime_new(const KernelLifetime *soft, const KernelLifetime *hard)
{
	struct xfrmnl_ltime_cfg *l = xfrmnl_ltime_cfg_alloc();
	static const KernelLifetime none;

	if (soft == NULL)
		soft = &none;
	if (hard == NULL)
		hard = &none;
	xfrmnl_ltime_cfg_set_soft_bytelimit(l, limit(soft->bytes));
	xfrmnl_ltime_cfg_set_hard_bytelimit(l, limit(hard->bytes));
	xfrmnl_ltime_cfg_set_soft_packetlimit(l, limit(soft->packets));
	xfrmnl_ltime_cfg_set_hard_packetlimit(l, limit(hard->packets));
	/* Seconds: 0 already means "no limit" to the kernel. */
	xfrmnl_ltime_cfg_set_soft_addexpires(l, soft->add_seconds);
	xfrmnl_ltime_cfg_set_hard_addexpires(l, hard->add_seconds);
	xfrmnl_ltime_cfg_set_soft_useexpires(l, soft->use_seconds);
	xfrmnl_ltime_cfg_set_hard_useexpires(l, hard->use_seconds);
	return l;
}

/* ---- SAs -------------------------------------------------------------- */

guint8
xfrm_sa_mode(const KernelSa *sa)
{
	/* ESP/AH stacked on IPCOMP: the IPCOMP SA does the tunnelling
	 * (compression must come before encryption, RFC 3173 §2) and ESP then
	 * protects the new outer packet in transport mode. */
	if (sa->proto != KERNEL_PROTO_COMP && sa->ipcomp != KERNEL_IPCOMP_NONE)
		return XFRM_MODE_TRANSPORT;
	return sa->mode == KERNEL_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
}

static gboolean
sa_check(const KernelSa *sa, GError **error)
{
	if (!family_ok(sa->dst.family))
		return invalid(error, "sa.dst: not an IPv4 or IPv6 address");
	if (sa->src.family != sa->dst.family)
		return invalid(error, "sa.src: address family differs from sa.dst");
	if (sa->spi == 0)
		return invalid(error, "sa.spi: 0 is not a valid SPI");
	if (sa->dir != KERNEL_DIR_IN && sa->dir != KERNEL_DIR_OUT)
		return invalid(error, "sa.dir: must be in or out");
	if (sa->ipcomp != KERNEL_IPCOMP_NONE && kernel_ipcomp_name(sa->ipcomp) == NULL) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
		            "sa.ipcomp: unknown IPCOMP transform %u", sa->ipcomp);
		return FALSE;
	}
	switch (sa->proto) {
	case KERNEL_PROTO_ESP:
		if (sa->encr == NULL)
			return invalid(error, "sa.encr: ESP needs an encryption transform");
		if (crypto_encr_alg_is_aead(sa->encr) && sa->integ != NULL)
			return invalid(error,
			               "sa.integ: %s is AEAD; no integrity transform allowed",
			               sa->encr->name);
		break;
	case KERNEL_PROTO_AH:
		if (sa->encr != NULL)
			return invalid(error, "sa.encr: AH has no encryption");
		if (sa->integ == NULL)
			return invalid(error, "sa.integ: AH needs an integrity transform");
		if (sa->encap)
			return invalid(error, "sa.encap: AH cannot be UDP-encapsulated");
		break;
	case KERNEL_PROTO_COMP:
		/* The kernel refuses any other algorithm attribute on an IPCOMP SA
		 * and SPIs (CPIs) of 16 bits or more (RFC 3173 §3.3). */
		if (sa->ipcomp == KERNEL_IPCOMP_NONE)
			return invalid(error, "sa.ipcomp: an IPCOMP SA needs its transform");
		if (sa->encr != NULL || sa->integ != NULL)
			return invalid(error, "sa.%s: IPCOMP has no keys",
			               sa->encr != NULL ? "encr" : "integ");
		if (sa->spi > 0xffff)
			return invalid(error, "sa.spi: CPI 0x%x does not fit 16 bits", sa->spi);
		break;
	default:
		return invalid(error, "sa.proto: %u is not ESP, AH or IPCOMP", (guint) sa->proto);
	}
	if (sa->encr != NULL) {
		gsize salt = sa->encr->salt_size;

		if (sa->encr->xfrm_name == NULL) {
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
			            "sa.encr: %s has no Linux xfrm algorithm", sa->encr->name);
			return FALSE;
		}
		if (sa->encr_key == NULL || sa->encr_key_len <= salt ||
		    !crypto_encr_alg_key_bits_ok(sa->encr, (guint) ((sa->encr_key_len - salt) * 8)))
			return invalid(error, "sa.encr_key: %zu octets do not fit %s",
			               sa->encr_key_len, sa->encr->name);
	}
	if (sa->integ != NULL) {
		if (sa->integ->xfrm_name == NULL) {
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
			            "sa.integ: %s has no Linux xfrm algorithm", sa->integ->name);
			return FALSE;
		}
		if (sa->integ_key == NULL || sa->integ_key_len != sa->integ->key_size)
			return invalid(error, "sa.integ_key: %zu octets, %s needs %u",
			               sa->integ_key_len, sa->integ->name, sa->integ->key_size);
	}
	return TRUE;
}

/* A transport-mode SA cannot change the family, and an ESP SA stacked on
 * a tunnel-mode IPCOMP SA sees the outer family: selectors of another
 * family fall back to the AF_UNSPEC wildcard. */
static gboolean
family_fits(const KernelSa *sa, int family)
{
	return xfrm_sa_mode(sa) == XFRM_MODE_TUNNEL || family == sa->dst.family;
}

/* The SA's own selector: exact when the Child SA has one selector pair
 * (the kernel then also checks decapsulated packets against it); a
 * wildcard of the inner family otherwise, leaving selection to the
 * policies. */
static void
sa_selector(const KernelSa *sa, struct xfrm_selector *sel, guint *flags)
{
	const KernelTs *l = sa->n_ts_local == 1 ? &sa->ts_local[0] : NULL;
	const KernelTs *r = sa->n_ts_remote == 1 ? &sa->ts_remote[0] : NULL;
	int family = 0;

	if (l != NULL && r != NULL) {
		const KernelTs *src = sa->dir == KERNEL_DIR_IN ? r : l;
		const KernelTs *dst = sa->dir == KERNEL_DIR_IN ? l : r;

		if (xfrm_selector_from_ts(src, dst, sel, NULL) && family_fits(sa, sel->family))
			return;
	}
	memset(sel, 0, sizeof(*sel));
	for (gsize i = 0; i < sa->n_ts_local + sa->n_ts_remote; i++) {
		const KernelTs *ts =
		        i < sa->n_ts_local ? &sa->ts_local[i] : &sa->ts_remote[i - sa->n_ts_local];
		if (family == 0)
			family = ts->from.family;
		else if (family != ts->from.family)
			family = -1;
	}
	if (family == 0)
		family = sa->dst.family;
	if (family < 0 || !family_fits(sa, family)) {
		/* Mixed inner families (4in6 and 6in6 in one SA), or a
		 * transport-mode SA whose selectors are of the other family. */
		*flags |= XFRM_STATE_AF_UNSPEC;
		family = 0;
	}
	sel->family = (guint16) family;
	sel->user = XFRM_IKEBUS_TAG;
}

struct xfrmnl_sa *
xfrm_sa_object_new(const KernelSa *sa, GError **error)
{
	g_autoptr(XfrmNlSa) obj = NULL;
	g_autoptr(XfrmNlSel) sel = NULL;
	g_autoptr(XfrmNlLtime) lft = NULL;
	g_autoptr(XfrmNlAddr) src = NULL;
	g_autoptr(XfrmNlAddr) dst = NULL;
	struct xfrm_selector raw;
	guint flags = 0;

	if (!sa_check(sa, error))
		return NULL;
	obj = xfrmnl_sa_alloc();
	src = xfrm_nl_addr_new(&sa->src, sa->dst.family);
	dst = xfrm_nl_addr_new(&sa->dst, sa->dst.family);
	xfrmnl_sa_set_family(obj, sa->dst.family);
	xfrmnl_sa_set_daddr(obj, dst);
	xfrmnl_sa_set_saddr(obj, src);
	xfrmnl_sa_set_spi(obj, sa->spi);
	xfrmnl_sa_set_proto(obj, sa->proto);
	xfrmnl_sa_set_mode(obj, xfrm_sa_mode(sa));
	xfrmnl_sa_set_reqid(obj, sa->reqid);

	sa_selector(sa, &raw, &flags);
	sel = xfrm_sel_new(&raw);
	xfrmnl_sa_set_sel(obj, sel);

	lft = ltime_new(&sa->soft, &sa->hard);
	xfrmnl_sa_set_lifetime_cfg(obj, lft);

	/* Anti-replay.  The ESN form of the replay state also carries windows
	 * wider than the 32 packets of the legacy field, so use it whenever
	 * either is needed; the legacy field must then be 0.  With ESN the
	 * kernel refuses a window of 0 even on outbound SAs, hence the floor.
	 * IPCOMP has no sequence numbers (RFC 3173 §2.1): no replay state. */
	if (sa->proto == KERNEL_PROTO_COMP) {
		xfrmnl_sa_set_replay_window(obj, 0);
	} else if (sa->esn || sa->replay_window > 32) {
		guint window = sa->replay_window;
		guint bmp_len;
		g_autofree guint32 *bmp = NULL;

		if (sa->esn && window == 0)
			window = 32;
		bmp_len = (window + 31) / 32;
		bmp = g_new0(guint32, MAX(bmp_len, 1u));
		xfrmnl_sa_set_replay_window(obj, 0);
		xfrmnl_sa_set_replay_state_esn(obj, 0, 0, 0, 0, window, bmp_len, bmp);
		if (sa->esn)
			flags |= XFRM_STATE_ESN;
	} else {
		xfrmnl_sa_set_replay_window(obj, sa->replay_window);
	}
	xfrmnl_sa_set_flags(obj, flags);

	/* IPCOMP rides inside the (possibly encapsulated) ESP SA. */
	if (sa->encap && sa->proto != KERNEL_PROTO_COMP) {
		g_autoptr(XfrmNlAddr) oa = xfrm_nl_addr_new(NULL, sa->dst.family);

		xfrmnl_sa_set_encap_tmpl(obj, UDP_ENCAP_ESPINUDP, sa->encap_sport, sa->encap_dport,
		                         oa);
	}
	if (sa->mark.mask != 0)
		xfrmnl_sa_set_mark(obj, sa->mark.value, sa->mark.mask);
	return g_steal_pointer(&obj);
}

/* Appends an algorithm attribute: the fixed header (name, key bits and,
 * for AEAD/auth, ICV/truncation bits) followed by the key. */
static gboolean
put_alg(struct nl_msg *msg, int type, const char *name, guint extra_bits, gboolean has_extra,
        const guint8 *key, gsize key_len)
{
	gsize hdr = has_extra ? sizeof(struct xfrm_algo_aead) : sizeof(struct xfrm_algo);
	struct nlattr *attr = nla_reserve(msg, type, (int) (hdr + key_len));
	struct xfrm_algo_aead *a;

	G_STATIC_ASSERT(sizeof(struct xfrm_algo_aead) == sizeof(struct xfrm_algo_auth));
	G_STATIC_ASSERT(G_STRUCT_OFFSET(struct xfrm_algo_aead, alg_icv_len) ==
	                G_STRUCT_OFFSET(struct xfrm_algo_auth, alg_trunc_len));
	if (attr == NULL)
		return FALSE;
	a = nla_data(attr);
	memset(a, 0, hdr);
	g_strlcpy(a->alg_name, name, sizeof(a->alg_name));
	a->alg_key_len = (unsigned) (key_len * 8);
	if (has_extra)
		a->alg_icv_len = extra_bits;
	if (key_len > 0)
		memcpy((guint8 *) a + hdr, key, key_len);
	return TRUE;
}

struct nl_msg *
xfrm_sa_msg_new(const KernelSa *sa, gboolean update, GError **error)
{
	g_autoptr(XfrmNlSa) obj = xfrm_sa_object_new(sa, error);
	struct nl_msg *msg = NULL;
	gboolean ok = TRUE;
	int err;

	if (obj == NULL)
		return NULL;
	err = update ? xfrmnl_sa_build_update_request(obj, 0, &msg)
	             : xfrmnl_sa_build_add_request(obj, 0, &msg);
	if (err < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: building SA message: %s", nl_geterror(err));
		return NULL;
	}
	if (sa->encr != NULL && crypto_encr_alg_is_aead(sa->encr)) {
		ok = put_alg(msg, XFRMA_ALG_AEAD, sa->encr->xfrm_name,
		             crypto_encr_alg_xfrm_icv_bits(sa->encr), TRUE, sa->encr_key,
		             sa->encr_key_len);
	} else if (sa->encr != NULL) {
		ok = put_alg(msg, XFRMA_ALG_CRYPT, sa->encr->xfrm_name, 0, FALSE, sa->encr_key,
		             sa->encr_key_len);
	}
	if (ok && sa->integ != NULL)
		ok = put_alg(msg, XFRMA_ALG_AUTH_TRUNC, sa->integ->xfrm_name,
		             sa->integ->xfrm_trunc_bits, TRUE, sa->integ_key, sa->integ_key_len);
	/* IPCOMP: a struct xfrm_algo with the algorithm name and no key. */
	if (ok && sa->proto == KERNEL_PROTO_COMP)
		ok = put_alg(msg, XFRMA_ALG_COMP, kernel_ipcomp_name(sa->ipcomp), 0, FALSE, NULL,
		             0);
	if (ok && sa->if_id != 0)
		ok = nla_put_u32(msg, XFRMA_IF_ID, sa->if_id) == 0;
	if (!ok) {
		xfrm_nl_msg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: SA message too large");
		return NULL;
	}
	return msg;
}

struct nl_msg *
xfrm_sa_id_msg_new(const KernelSaId *id, int cmd, GError **error)
{
	struct xfrm_usersa_id sid;
	struct nl_msg *msg;

	if (!family_ok(id->dst.family)) {
		invalid(error, "sa.dst: not an IPv4 or IPv6 address");
		return NULL;
	}
	memset(&sid, 0, sizeof(sid));
	xfrm_addr_from_kernel(&sid.daddr, &id->dst);
	sid.spi = htonl(id->spi);
	sid.family = id->dst.family;
	sid.proto = (guint8) id->proto;
	/* No XFRMA_SRCADDR: with an SPI the kernel keys on (dst, spi, proto). */
	msg = nlmsg_alloc_simple(cmd, 0);
	if (msg == NULL || nlmsg_append(msg, &sid, sizeof(sid), NLMSG_ALIGNTO) < 0 ||
	    (id->mark.mask != 0 &&
	     nla_put(msg, XFRMA_MARK, sizeof(struct xfrm_mark),
	             &(struct xfrm_mark){.v = id->mark.value, .m = id->mark.mask}) < 0)) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return NULL;
	}
	return msg;
}

struct nl_msg *
xfrm_allocspi_msg_new(const KernelAddr *src, const KernelAddr *dst, KernelProto proto,
                      guint32 reqid, guint32 min, guint32 max, GError **error)
{
	struct xfrm_userspi_info spi;
	struct nl_msg *msg;

	if (dst == NULL || !family_ok(dst->family)) {
		invalid(error, "get_spi: dst is not an IPv4 or IPv6 address");
		return NULL;
	}
	if (src != NULL && family_ok(src->family) && src->family != dst->family) {
		invalid(error, "get_spi: src and dst families differ");
		return NULL;
	}
	if (proto != KERNEL_PROTO_ESP && proto != KERNEL_PROTO_AH && proto != KERNEL_PROTO_COMP) {
		invalid(error, "get_spi: proto %u is not ESP, AH or IPCOMP", (guint) proto);
		return NULL;
	}
	if (proto == KERNEL_PROTO_COMP && max > 0xffff) {
		invalid(error, "get_spi: IPCOMP CPIs have 16 bits");
		return NULL;
	}
	if (min > max) {
		invalid(error, "get_spi: empty SPI range");
		return NULL;
	}
	memset(&spi, 0, sizeof(spi));
	spi.info.family = dst->family;
	xfrm_addr_from_kernel(&spi.info.id.daddr, dst);
	xfrm_addr_from_kernel(&spi.info.saddr, src);
	spi.info.id.proto = (guint8) proto;
	spi.info.reqid = reqid;
	spi.info.mode = XFRM_MODE_TUNNEL; /* the update that fills it in sets the real mode */
	spi.min = min;
	spi.max = max;
	msg = nlmsg_alloc_simple(XFRM_MSG_ALLOCSPI, 0);
	if (msg == NULL || nlmsg_append(msg, &spi, sizeof(spi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return NULL;
	}
	return msg;
}

/* ---- policies --------------------------------------------------------- */

static guint
policy_action(const KernelPolicy *policy)
{
	switch (policy->action) {
	case KERNEL_POLICY_IPSEC:
	case KERNEL_POLICY_PASS:
		return XFRM_POLICY_ALLOW;
	case KERNEL_POLICY_DROP:
	case KERNEL_POLICY_REJECT:
		/* xfrm cannot answer with ICMP: "reject" drops like "drop". */
		return XFRM_POLICY_BLOCK;
	}
	return XFRM_POLICY_BLOCK;
}

static gboolean
policy_check(const KernelPolicy *policy, GError **error)
{
	if (policy->dir != KERNEL_DIR_IN && policy->dir != KERNEL_DIR_OUT &&
	    policy->dir != KERNEL_DIR_FWD)
		return invalid(error, "policy.dir: must be in, out or fwd");
	if (policy->action != KERNEL_POLICY_IPSEC)
		return TRUE;
	if (policy->proto != KERNEL_PROTO_ESP && policy->proto != KERNEL_PROTO_AH)
		return invalid(
		        error, "policy.proto: %u is neither ESP nor AH%s", (guint) policy->proto,
		        policy->proto == KERNEL_PROTO_COMP ? " (IPCOMP goes in policy.ipcomp)"
		                                           : "");
	if (policy->ipcomp != KERNEL_IPCOMP_NONE && kernel_ipcomp_name(policy->ipcomp) == NULL)
		return invalid(error, "policy.ipcomp: unknown IPCOMP transform %u", policy->ipcomp);
	if (policy->mode == KERNEL_MODE_TUNNEL &&
	    (!family_ok(policy->tmpl_dst.family) ||
	     policy->tmpl_src.family != policy->tmpl_dst.family))
		return invalid(error, "policy.tmpl_dst: tunnel mode needs both outer addresses");
	return TRUE;
}

/* One template.  @outer: it carries the policy's mode and the tunnel
 * addresses; inner ones (ESP inside IPCOMP) are transport mode.
 * @optional: packets may arrive without this transform ("level use"). */
static void
add_template(struct xfrmnl_sp *sp, const KernelPolicy *policy, const struct xfrm_selector *sel,
             KernelProto proto, guint32 spi, gboolean outer, gboolean optional)
{
	gboolean tunnel = outer && policy->mode == KERNEL_MODE_TUNNEL;
	int family = policy->mode == KERNEL_MODE_TUNNEL ? policy->tmpl_dst.family : sel->family;
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	g_autoptr(XfrmNlAddr) ts = xfrm_nl_addr_new(tunnel ? &policy->tmpl_src : NULL, family);
	g_autoptr(XfrmNlAddr) td = xfrm_nl_addr_new(tunnel ? &policy->tmpl_dst : NULL, family);

	xfrmnl_user_tmpl_set_family(t, (unsigned) family);
	xfrmnl_user_tmpl_set_saddr(t, ts);
	xfrmnl_user_tmpl_set_daddr(t, td);
	xfrmnl_user_tmpl_set_proto(t, proto);
	xfrmnl_user_tmpl_set_spi(t, spi);
	xfrmnl_user_tmpl_set_reqid(t, policy->reqid);
	xfrmnl_user_tmpl_set_mode(t, tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
	xfrmnl_user_tmpl_set_share(t, XFRM_SHARE_ANY);
	xfrmnl_user_tmpl_set_optional(t, optional ? 1 : 0);
	xfrmnl_user_tmpl_set_aalgos(t, ~0u);
	xfrmnl_user_tmpl_set_ealgos(t, ~0u);
	xfrmnl_user_tmpl_set_calgos(t, ~0u);
	xfrmnl_sp_add_usertemplate(sp, t); /* sp owns t */
}

struct xfrmnl_sp *
xfrm_sp_object_new(const KernelPolicy *policy, GError **error)
{
	g_autoptr(XfrmNlSp) sp = NULL;
	g_autoptr(XfrmNlSel) sel = NULL;
	g_autoptr(XfrmNlLtime) lft = NULL;
	struct xfrm_selector raw;

	if (!policy_check(policy, error) ||
	    !xfrm_selector_from_ts(&policy->src, &policy->dst, &raw, error))
		return NULL;
	sp = xfrmnl_sp_alloc();
	sel = xfrm_sel_new(&raw);
	xfrmnl_sp_set_sel(sp, sel);
	lft = ltime_new(NULL, NULL);
	xfrmnl_sp_set_lifetime_cfg(sp, lft);
	xfrmnl_sp_set_dir(sp, xfrm_dir_from_kernel(policy->dir));
	xfrmnl_sp_set_action(sp, policy_action(policy));
	xfrmnl_sp_set_priority(sp, policy->priority);
	xfrmnl_sp_set_share(sp, XFRM_SHARE_ANY);
	if (policy->mark.mask != 0)
		xfrmnl_sp_set_mark(sp, policy->mark.value, policy->mark.mask);

	if (policy->action == KERNEL_POLICY_IPSEC) {
		/* The SAs (by reqid, or exact SPI) that must protect matching
		 * packets, applied in this order on output.  With no such SA the
		 * kernel raises ACQUIRE, which is what makes a trap a trap. */
		gboolean outer_done = FALSE;

		if (policy->ipcomp != KERNEL_IPCOMP_NONE) {
			/* IPCOMP first: compress, then encrypt (RFC 3173 §2). */
			add_template(sp, policy, &raw, KERNEL_PROTO_COMP, 0, TRUE,
			             policy->dir != KERNEL_DIR_OUT);
			outer_done = TRUE;
		}
		add_template(sp, policy, &raw, policy->proto, policy->spi, !outer_done, FALSE);
	}
	return g_steal_pointer(&sp);
}

struct nl_msg *
xfrm_sp_msg_new(const KernelPolicy *policy, GError **error)
{
	g_autoptr(XfrmNlSp) sp = xfrm_sp_object_new(policy, error);
	struct nl_msg *msg = NULL;
	int err;

	if (sp == NULL)
		return NULL;
	err = xfrmnl_sp_build_update_request(sp, 0, &msg);
	if (err < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: building policy message: %s", nl_geterror(err));
		return NULL;
	}
	if (policy->if_id != 0 && nla_put_u32(msg, XFRMA_IF_ID, policy->if_id) < 0) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return NULL;
	}
	return msg;
}

struct nl_msg *
xfrm_sp_id_msg_new(const KernelPolicy *policy, int cmd, GError **error)
{
	struct xfrm_userpolicy_id pid;
	struct nl_msg *msg;

	memset(&pid, 0, sizeof(pid));
	if (!policy_check(policy, error) ||
	    !xfrm_selector_from_ts(&policy->src, &policy->dst, &pid.sel, error))
		return NULL;
	pid.dir = xfrm_dir_from_kernel(policy->dir);
	msg = nlmsg_alloc_simple(cmd, 0);
	if (msg == NULL || nlmsg_append(msg, &pid, sizeof(pid), NLMSG_ALIGNTO) < 0 ||
	    (policy->mark.mask != 0 &&
	     nla_put(msg, XFRMA_MARK, sizeof(struct xfrm_mark),
	             &(struct xfrm_mark){.v = policy->mark.value, .m = policy->mark.mask}) < 0) ||
	    (policy->if_id != 0 && nla_put_u32(msg, XFRMA_IF_ID, policy->if_id) < 0)) {
		nlmsg_free(msg);
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "xfrm: out of memory");
		return NULL;
	}
	return msg;
}
