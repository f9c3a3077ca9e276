/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm backend: what the running kernel can do, found without installing
 * anything.
 *
 * Each question is an XFRM_MSG_UPDSA for an SA that does not exist.  The
 * kernel builds the whole state first (looks up each algorithm, then the
 * ESP/AH type) and only then looks for the SA to replace, so the answer is
 *   ESRCH            everything asked for is there (and nothing changed),
 *   EPROTONOSUPPORT  no ESP (or AH) in this kernel ("Requested type not found"),
 *   ENOSYS           that algorithm is missing.
 * The SA used is a reserved SPI (RFC 4303 §2.1: 1..255) towards TEST-NET-1
 * (RFC 5737), and we first make sure no such SA exists, so the update can
 * never touch real state.  This runs in the caller's network namespace.
 *
 * IPCOMP is asked the same way with a DEFLATE SA (the CPI is a reserved
 * one too, RFC 3173 §3.3) in transport mode: a tunnel-mode IPCOMP SA makes
 * the kernel install an IP-in-IP helper SA while it builds the state,
 * which the probe must not do even for a moment.
 *
 * XFRM interfaces cannot be asked through NETLINK_XFRM; xfrm-iface.h
 * describes the rtnetlink question that creates nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "alg.h"
#include "xfrm-convert.h"
#include "xfrm-private.h"

#define PROBE_SPI 0xfeu
#define PROBE_DST "192.0.2.254"
#define PROBE_SRC "192.0.2.253"

typedef enum {
	PROBE_YES,
	PROBE_NO_TYPE, /* ESP/AH missing */
	PROBE_NO_ALG,  /* algorithm missing */
	PROBE_ERROR,   /* something else; *error set */
} ProbeAnswer;

static ProbeAnswer
probe_one(XfrmBackend *xb, KernelProto proto, const CryptoEncrAlg *encr,
          const CryptoIntegAlg *integ, GError **error)
{
	guint8 ekey[64] = {0}, ikey[64] = {0};
	KernelSa sa = {0};
	struct nl_msg *msg;
	g_autoptr(GError) local = NULL;
	int err = 0;

	kernel_addr_parse(PROBE_DST, &sa.dst);
	kernel_addr_parse(PROBE_SRC, &sa.src);
	sa.spi = PROBE_SPI;
	sa.proto = proto;
	sa.mode = proto == KERNEL_PROTO_COMP ? KERNEL_MODE_TRANSPORT : KERNEL_MODE_TUNNEL;
	sa.ipcomp = proto == KERNEL_PROTO_COMP ? KERNEL_IPCOMP_DEFLATE : KERNEL_IPCOMP_NONE;
	sa.dir = KERNEL_DIR_OUT;
	sa.encr = encr;
	if (encr != NULL)
		sa.encr_key_len = crypto_encr_alg_keymat_len(encr, encr->default_key_bits);
	sa.encr_key = encr != NULL ? ekey : NULL;
	sa.integ = integ;
	sa.integ_key = integ != NULL ? ikey : NULL;
	sa.integ_key_len = integ != NULL ? integ->key_size : 0;
	if (sa.encr_key_len > sizeof(ekey) || sa.integ_key_len > sizeof(ikey)) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		                    "probe: key too long");
		return PROBE_ERROR;
	}
	msg = xfrm_sa_msg_new(&sa, TRUE, error);
	if (msg == NULL)
		return PROBE_ERROR;
	if (xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, "xfrm probe", &err, &local)) {
		/* Cannot happen (we checked the SA is absent); be loud if it does. */
		g_warning("xfrm: probe SA 0x%x unexpectedly existed and was updated", PROBE_SPI);
		return PROBE_YES;
	}
	switch (err) {
	case ESRCH:
		return PROBE_YES;
	case EPROTONOSUPPORT:
		return PROBE_NO_TYPE;
	case ENOSYS:
	case ENOENT:
		return PROBE_NO_ALG;
	default:
		g_propagate_error(error, g_steal_pointer(&local));
		return PROBE_ERROR;
	}
}

/* TRUE if the probe SA is absent, as it must be before we probe. */
static gboolean
probe_sa_absent(XfrmBackend *xb, KernelProto proto, GError **error)
{
	KernelSaId id = {.spi = PROBE_SPI, .proto = proto};
	struct nl_msg *msg;
	g_autoptr(GError) local = NULL;

	kernel_addr_parse(PROBE_DST, &id.dst);
	msg = xfrm_sa_id_msg_new(&id, XFRM_MSG_GETSA, error);
	if (msg == NULL)
		return FALSE;
	if (xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, "xfrm probe", NULL, &local)) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: cannot probe: an SA with SPI 0x%x to %s already exists",
		            PROBE_SPI, PROBE_DST);
		return FALSE;
	}
	if (g_error_matches(local, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

gboolean
xfrm_op_probe(KernelBackend *kb, KernelCaps *caps, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	const CryptoIntegAlg *sha256 = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128);
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	const CryptoEncrAlg *encrs;
	const CryptoIntegAlg *integs;
	gsize n_encr, n_integ;
	gboolean any_yes = FALSE, no_type = FALSE;
	ProbeAnswer ah, comp;
	g_autoptr(GString) missing = g_string_new(NULL);
	g_autoptr(GError) iface_error = NULL;

	kernel_caps_clear(caps);
	if (!probe_sa_absent(xb, KERNEL_PROTO_ESP, error) ||
	    !probe_sa_absent(xb, KERNEL_PROTO_AH, error) ||
	    !probe_sa_absent(xb, KERNEL_PROTO_COMP, error))
		return FALSE;
	/* Policies need only xfrm itself, which answered above. */
	caps->policies = TRUE;

	/* ESP: any one supported algorithm proves the type is there. */
	encrs = crypto_encr_algs(&n_encr);
	for (gsize i = 0; i < n_encr && caps->n_encr < KERNEL_CAPS_MAX_ALGS; i++) {
		const CryptoEncrAlg *e = &encrs[i];
		ProbeAnswer a;

		if (e->xfrm_name == NULL)
			continue;
		a = probe_one(xb, KERNEL_PROTO_ESP, e, crypto_encr_alg_is_aead(e) ? NULL : sha256,
		              error);
		if (a == PROBE_ERROR)
			return FALSE;
		if (a == PROBE_YES)
			caps->encr_ids[caps->n_encr++] = e->id;
		else if (a == PROBE_NO_ALG)
			g_string_append_printf(missing, " %s", e->xfrm_name);
		if (a == PROBE_YES)
			any_yes = TRUE;
		else if (a == PROBE_NO_TYPE)
			no_type = TRUE;
	}
	caps->esp = any_yes;

	integs = crypto_integ_algs(&n_integ);
	for (gsize i = 0;
	     caps->esp && cbc != NULL && i < n_integ && caps->n_integ < KERNEL_CAPS_MAX_ALGS; i++) {
		ProbeAnswer a;

		if (integs[i].xfrm_name == NULL)
			continue;
		a = probe_one(xb, KERNEL_PROTO_ESP, cbc, &integs[i], error);
		if (a == PROBE_ERROR)
			return FALSE;
		if (a == PROBE_YES)
			caps->integ_ids[caps->n_integ++] = integs[i].id;
		else
			g_string_append_printf(missing, " %s", integs[i].xfrm_name);
	}

	ah = sha256 != NULL ? probe_one(xb, KERNEL_PROTO_AH, NULL, sha256, error) : PROBE_NO_TYPE;
	if (ah == PROBE_ERROR)
		return FALSE;
	caps->ah = ah == PROBE_YES;

	/* IPCOMP: no ipcomp4/6 (PROBE_NO_TYPE) or no deflate in the crypto
	 * API (PROBE_NO_ALG) both mean no. */
	comp = probe_one(xb, KERNEL_PROTO_COMP, NULL, NULL, error);
	if (comp == PROBE_ERROR)
		return FALSE;
	caps->ipcomp = comp == PROBE_YES;

	/* An odd answer here only costs route-based connections: report it
	 * and carry on without interfaces. */
	if (!xfrm_iface_probe(xb, &caps->interfaces, &iface_error))
		g_warning("xfrm: cannot tell whether this kernel has XFRM interfaces (%s); "
		          "assuming not",
		          iface_error->message);

	/* Tunnel and transport modes, ESN and ESP-in-UDP are part of the xfrm
	 * core and of esp4/esp6 on every kernel that has ESP at all. */
	caps->tunnel_mode = caps->transport_mode = caps->esp || caps->ah;
	caps->esn = caps->esp || caps->ah;
	caps->udp_encap = caps->esp;

	if (!caps->esp && (no_type || missing->len == 0)) {
		caps->message = g_strdup(XFRM_NO_ESP_MESSAGE);
	} else if (!caps->esp) {
		/* Every algorithm lookup failed first, so ESP itself is unknown. */
		caps->message = g_strdup_printf("this kernel's crypto API has none of ikebus's ESP "
		                                "algorithms (missing:%s); use --kernel userspace",
		                                missing->str);
	} else {
		caps->message = g_strdup_printf(
		        "xfrm: ESP with %zu encryption and %zu integrity algorithms, AH %s, "
		        "IPCOMP %s, XFRM interfaces %s%s%s",
		        caps->n_encr, caps->n_integ, caps->ah ? "yes" : "no",
		        caps->ipcomp           ? "yes"
		        : comp == PROBE_NO_ALG ? "no (no deflate in the crypto API)"
		                               : "no (CONFIG_INET_IPCOMP)",
		        caps->interfaces ? "yes" : "no (CONFIG_XFRM_INTERFACE)",
		        missing->len > 0 ? "; missing:" : "", missing->str);
	}
	g_debug("%s", caps->message);
	g_debug("xfrm: IPCOMP %s, XFRM interfaces %s", caps->ipcomp ? "yes" : "no",
	        caps->interfaces ? "yes" : "no");
	return TRUE;
}
