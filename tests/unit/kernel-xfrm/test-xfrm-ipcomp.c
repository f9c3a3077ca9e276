/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPCOMP (RFC 3173) in the xfrm backend: the IPCOMP SA, the ESP SA stacked
 * on it, CPI allocation and the comp + esp policy templates, checked in
 * the built netlink messages without sending anything (no root).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "alg.h"
#include "xfrm-convert.h"
#include "xfrm-private.h"

static KernelAddr
addr(const char *text)
{
	KernelAddr a;

	g_assert_true(kernel_addr_parse(text, &a));
	return a;
}

static KernelTs
prefix(const char *text, guint plen)
{
	KernelTs ts;
	KernelAddr a = addr(text);

	kernel_ts_from_prefix(&ts, &a, plen, 0);
	return ts;
}

typedef struct {
	KernelTs l, r;
	guint8 ekey[36];
	KernelSa sa;
} Fixture;

/* The inbound IPCOMP SA of a tunnel-mode Child SA that also has ESP. */
static void
comp_fixture(Fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->l = prefix("10.1.0.0", 16);
	f->r = prefix("10.2.0.0", 16);
	f->sa.src = addr("192.0.2.2");
	f->sa.dst = addr("192.0.2.1");
	f->sa.spi = 0x4321; /* the CPI */
	f->sa.proto = KERNEL_PROTO_COMP;
	f->sa.ipcomp = KERNEL_IPCOMP_DEFLATE;
	f->sa.mode = KERNEL_MODE_TUNNEL;
	f->sa.dir = KERNEL_DIR_IN;
	f->sa.reqid = 16390;
	f->sa.ts_local = &f->l;
	f->sa.n_ts_local = 1;
	f->sa.ts_remote = &f->r;
	f->sa.n_ts_remote = 1;
}

static struct nlattr *
attr(struct nl_msg *msg, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct xfrm_usersa_info), type);
}

static void
test_names(void)
{
	g_assert_cmpstr(kernel_proto_name(KERNEL_PROTO_COMP), ==, "comp");
	g_assert_cmpstr(kernel_ipcomp_name(KERNEL_IPCOMP_DEFLATE), ==, "deflate");
	g_assert_cmpstr(kernel_ipcomp_name(KERNEL_IPCOMP_LZS), ==, "lzs");
	g_assert_cmpstr(kernel_ipcomp_name(KERNEL_IPCOMP_LZJH), ==, "lzjh");
	g_assert_null(kernel_ipcomp_name(KERNEL_IPCOMP_NONE));
	g_assert_null(kernel_ipcomp_name(1)); /* OUI: nothing Linux can do */
}

static void
test_comp_sa_msg(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg;
	const struct xfrm_usersa_info *info;
	const struct xfrm_algo *alg;
	struct nlattr *a;
	g_autoptr(XfrmNlSa) parsed = NULL;
	char name[64], key[8];
	unsigned int key_len = 99;

	comp_fixture(&f);
	/* Child-SA-wide settings the engine may leave in: they do not apply. */
	f.sa.encap = TRUE;
	f.sa.encap_sport = f.sa.encap_dport = 4500;
	f.sa.esn = TRUE;
	f.sa.replay_window = 128;
	f.sa.if_id = 3;
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(msg);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_NEWSA);

	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(info->id.proto, ==, IPPROTO_COMP);
	g_assert_cmpuint(info->id.proto, ==, 108);
	/* The CPI in the low 16 bits of the SPI, network order. */
	g_assert_cmpuint(ntohl(info->id.spi), ==, 0x4321);
	g_assert_cmpmem(&info->id.daddr, 4, addr("192.0.2.1").v4, 4);
	g_assert_cmpmem(&info->saddr, 4, addr("192.0.2.2").v4, 4);
	g_assert_cmpuint(info->family, ==, AF_INET);
	g_assert_cmpuint(info->mode, ==, XFRM_MODE_TUNNEL);
	g_assert_cmpuint(info->reqid, ==, 16390);
	g_assert_cmpuint(info->replay_window, ==, 0);
	g_assert_cmpuint(info->flags & XFRM_STATE_ESN, ==, 0);
	/* Tagged, selector inbound (remote -> local). */
	g_assert_cmpuint(info->sel.user, ==, XFRM_IKEBUS_TAG);
	g_assert_cmpmem(&info->sel.saddr, 4, addr("10.2.0.0").v4, 4);
	g_assert_cmpuint(info->sel.prefixlen_s, ==, 16);

	/* XFRMA_ALG_COMP: a bare struct xfrm_algo, "deflate", no key. */
	a = attr(msg, XFRMA_ALG_COMP);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, (int) sizeof(struct xfrm_algo));
	alg = nla_data(a);
	g_assert_cmpstr(alg->alg_name, ==, "deflate");
	g_assert_cmpuint(alg->alg_key_len, ==, 0);
	for (gsize i = strlen("deflate"); i < sizeof(alg->alg_name); i++)
		g_assert_cmpuint((guint8) alg->alg_name[i], ==, 0);
	/* The kernel refuses anything else on an IPCOMP SA. */
	g_assert_null(attr(msg, XFRMA_ALG_AEAD));
	g_assert_null(attr(msg, XFRMA_ALG_CRYPT));
	g_assert_null(attr(msg, XFRMA_ALG_AUTH));
	g_assert_null(attr(msg, XFRMA_ALG_AUTH_TRUNC));
	g_assert_null(attr(msg, XFRMA_ENCAP));
	g_assert_null(attr(msg, XFRMA_REPLAY_ESN_VAL));
	g_assert_cmpuint(nla_get_u32(attr(msg, XFRMA_IF_ID)), ==, 3);

	/* libnl's parser reads it back. */
	g_assert_cmpint(xfrmnl_sa_parse(nlmsg_hdr(msg), &parsed), ==, 0);
	g_assert_cmpint(xfrmnl_sa_get_comp_params(parsed, name, &key_len, key), ==, 0);
	g_assert_cmpstr(name, ==, "deflate");
	g_assert_cmpuint(key_len, ==, 0);
	g_assert_cmpint(xfrmnl_sa_get_proto(parsed), ==, IPPROTO_COMP);
	g_assert_cmpuint((guint) xfrmnl_sa_get_spi(parsed), ==, 0x4321);
	xfrm_nl_msg_free(msg);

	/* Transport mode and the update form. */
	f.sa.mode = KERNEL_MODE_TRANSPORT;
	msg = xfrm_sa_msg_new(&f.sa, TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_UPDSA);
	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(info->mode, ==, XFRM_MODE_TRANSPORT);
	xfrm_nl_msg_free(msg);
}

static void
test_comp_sa_invalid(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;

	comp_fixture(&f);
	f.sa.spi = 0x10000;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "sa.spi"));
	g_clear_error(&error);

	comp_fixture(&f);
	f.sa.ipcomp = KERNEL_IPCOMP_NONE;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "sa.ipcomp"));
	g_clear_error(&error);

	comp_fixture(&f);
	f.sa.ipcomp = 1; /* OUI */
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "sa.ipcomp"));
	g_clear_error(&error);

	comp_fixture(&f);
	f.sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	f.sa.encr_key = f.ekey;
	f.sa.encr_key_len = 36;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "sa.encr"));
	g_clear_error(&error);

	comp_fixture(&f);
	f.sa.proto = 99;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.proto"));
}

/* The ESP SA of a Child SA that compresses runs in transport mode inside
 * the IPCOMP SA; its selector follows the rules of transport mode. */
static void
test_stacked_esp(void)
{
	Fixture f;
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg;
	const struct xfrm_usersa_info *info;
	KernelTs l6, r6;

	comp_fixture(&f);
	memset(f.ekey, 0x5a, sizeof(f.ekey));
	f.sa.proto = KERNEL_PROTO_ESP;
	f.sa.spi = 0xc0ffee02;
	f.sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	f.sa.encr_key = f.ekey;
	f.sa.encr_key_len = crypto_encr_alg_keymat_len(f.sa.encr, 256);
	f.sa.encap = TRUE;
	f.sa.encap_sport = f.sa.encap_dport = 4500;
	f.sa.replay_window = 64;
	g_assert_cmpuint(xfrm_sa_mode(&f.sa), ==, XFRM_MODE_TRANSPORT);
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(info->id.proto, ==, IPPROTO_ESP);
	g_assert_cmpuint(info->mode, ==, XFRM_MODE_TRANSPORT);
	g_assert_cmpuint(info->reqid, ==, 16390);
	/* Same inner and outer family: the exact selector is kept. */
	g_assert_cmpuint(info->sel.family, ==, AF_INET);
	g_assert_cmpuint(info->sel.prefixlen_d, ==, 16);
	/* ESP keeps what IPCOMP drops: encapsulation, keys, replay. */
	g_assert_nonnull(attr(msg, XFRMA_ENCAP));
	g_assert_nonnull(attr(msg, XFRMA_ALG_AEAD));
	g_assert_null(attr(msg, XFRMA_ALG_COMP));
	xfrm_nl_msg_free(msg);

	/* 6-in-4: a transport-mode SA cannot carry the other family's
	 * selector; it falls back to the AF_UNSPEC wildcard. */
	l6 = prefix("2001:db8:1::", 48);
	r6 = prefix("2001:db8:2::", 48);
	f.sa.ts_local = &l6;
	f.sa.ts_remote = &r6;
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(info->sel.family, ==, AF_UNSPEC);
	g_assert_cmpuint(info->flags & XFRM_STATE_AF_UNSPEC, ==, XFRM_STATE_AF_UNSPEC);
	g_assert_cmpuint(info->sel.user, ==, XFRM_IKEBUS_TAG);
	xfrm_nl_msg_free(msg);

	/* The IPCOMP SA itself keeps tunnel mode and may change family. */
	f.sa.proto = KERNEL_PROTO_COMP;
	f.sa.spi = 0x4321;
	f.sa.encr = NULL;
	f.sa.encr_key = NULL;
	f.sa.encr_key_len = 0;
	g_assert_cmpuint(xfrm_sa_mode(&f.sa), ==, XFRM_MODE_TUNNEL);
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(info->mode, ==, XFRM_MODE_TUNNEL);
	g_assert_cmpuint(info->sel.family, ==, AF_INET6);
	xfrm_nl_msg_free(msg);
}

static void
test_cpi_alloc(void)
{
	g_autoptr(GError) error = NULL;
	KernelAddr src = addr("192.0.2.2"), dst = addr("192.0.2.1");
	struct nl_msg *msg;
	const struct xfrm_userspi_info *spi;

	msg = xfrm_allocspi_msg_new(&src, &dst, KERNEL_PROTO_COMP, 12, XFRM_CPI_MIN, XFRM_CPI_MAX,
	                            &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_ALLOCSPI);
	spi = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(spi->info.id.proto, ==, IPPROTO_COMP);
	/* RFC 3173 §3.3: negotiated CPIs live in 256..61439. */
	g_assert_cmpuint(spi->min, ==, 256);
	g_assert_cmpuint(spi->max, ==, 61439);
	g_assert_cmpuint(spi->info.reqid, ==, 12);
	xfrm_nl_msg_free(msg);

	/* The kernel refuses CPI ranges beyond 16 bits; so do we. */
	g_assert_null(xfrm_allocspi_msg_new(&src, &dst, KERNEL_PROTO_COMP, 12, XFRM_CPI_MIN,
	                                    0x10000, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

static KernelPolicy
policy(KernelDir dir)
{
	KernelPolicy p;

	memset(&p, 0, sizeof(p));
	p.src = prefix(dir == KERNEL_DIR_OUT ? "10.1.0.0" : "10.2.0.0", 16);
	p.dst = prefix(dir == KERNEL_DIR_OUT ? "10.2.0.0" : "10.1.0.0", 16);
	p.dir = dir;
	p.action = KERNEL_POLICY_IPSEC;
	p.priority = 1000;
	p.reqid = 16390;
	p.proto = KERNEL_PROTO_ESP;
	p.mode = KERNEL_MODE_TUNNEL;
	p.tmpl_src = addr(dir == KERNEL_DIR_OUT ? "192.0.2.1" : "192.0.2.2");
	p.tmpl_dst = addr(dir == KERNEL_DIR_OUT ? "192.0.2.2" : "192.0.2.1");
	p.ipcomp = KERNEL_IPCOMP_DEFLATE;
	return p;
}

static void
test_policy_templates(void)
{
	const KernelDir dirs[] = {KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD};

	for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
		KernelPolicy p = policy(dirs[i]);
		g_autoptr(GError) error = NULL;
		struct nl_msg *msg = xfrm_sp_msg_new(&p, &error);
		const struct xfrm_user_tmpl *t;
		struct nlattr *a;
		static const guint8 zero[16];

		g_assert_no_error(error);
		a = nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct xfrm_userpolicy_info),
		                    XFRMA_TMPL);
		g_assert_nonnull(a);
		/* One attribute holding both templates, IPCOMP first. */
		g_assert_cmpint(nla_len(a), ==, 2 * (int) sizeof(struct xfrm_user_tmpl));
		t = nla_data(a);

		g_assert_cmpuint(t[0].id.proto, ==, IPPROTO_COMP);
		g_assert_cmpuint(t[0].mode, ==, XFRM_MODE_TUNNEL);
		g_assert_cmpuint(t[0].reqid, ==, 16390);
		g_assert_cmpuint(t[0].id.spi, ==, 0);
		g_assert_cmpuint(t[0].family, ==, AF_INET);
		g_assert_cmpmem(&t[0].saddr, 4, p.tmpl_src.v4, 4);
		g_assert_cmpmem(&t[0].id.daddr, 4, p.tmpl_dst.v4, 4);
		g_assert_cmpuint(t[0].calgos, ==, ~0u);
		/* Inbound, packets that would not shrink arrive uncompressed
		 * (RFC 3173 §2.2): "level use". */
		g_assert_cmpuint(t[0].optional, ==, dirs[i] == KERNEL_DIR_OUT ? 0 : 1);

		g_assert_cmpuint(t[1].id.proto, ==, IPPROTO_ESP);
		g_assert_cmpuint(t[1].mode, ==, XFRM_MODE_TRANSPORT);
		g_assert_cmpuint(t[1].reqid, ==, 16390);
		g_assert_cmpuint(t[1].optional, ==, 0);
		g_assert_cmpuint(t[1].family, ==, AF_INET);
		g_assert_cmpmem(&t[1].saddr, 16, zero, 16);
		g_assert_cmpmem(&t[1].id.daddr, 16, zero, 16);
		g_assert_cmpuint(t[1].ealgos, ==, ~0u);
		xfrm_nl_msg_free(msg);
	}
}

static void
test_policy_transport_and_plain(void)
{
	KernelPolicy p = policy(KERNEL_DIR_OUT);
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSp) sp = NULL;
	struct xfrmnl_user_tmpl *t;

	/* Transport mode: both templates transport, no addresses. */
	p.mode = KERNEL_MODE_TRANSPORT;
	memset(&p.tmpl_src, 0, sizeof(p.tmpl_src));
	memset(&p.tmpl_dst, 0, sizeof(p.tmpl_dst));
	p.spi = 0xc0ffee03;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_no_error(error);
	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 2);
	t = xfrmnl_sp_usertemplate_n(sp, 0);
	g_assert_cmpint(xfrmnl_user_tmpl_get_proto(t), ==, IPPROTO_COMP);
	g_assert_cmpint(xfrmnl_user_tmpl_get_mode(t), ==, XFRM_MODE_TRANSPORT);
	g_assert_cmpint(xfrmnl_user_tmpl_get_spi(t), ==, 0);
	t = xfrmnl_sp_usertemplate_n(sp, 1);
	g_assert_cmpint(xfrmnl_user_tmpl_get_proto(t), ==, IPPROTO_ESP);
	g_assert_cmpuint((guint) xfrmnl_user_tmpl_get_spi(t), ==, 0xc0ffee03);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	/* Without ipcomp: the one ESP template, as before. */
	p = policy(KERNEL_DIR_IN);
	p.ipcomp = KERNEL_IPCOMP_NONE;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 1);
	t = xfrmnl_sp_usertemplate_n(sp, 0);
	g_assert_cmpint(xfrmnl_user_tmpl_get_proto(t), ==, IPPROTO_ESP);
	g_assert_cmpint(xfrmnl_user_tmpl_get_mode(t), ==, XFRM_MODE_TUNNEL);
	g_assert_cmpint(xfrmnl_user_tmpl_get_optional(t), ==, 0);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	/* IPCOMP is asked for in policy.ipcomp, not as the protocol. */
	p = policy(KERNEL_DIR_OUT);
	p.proto = KERNEL_PROTO_COMP;
	g_assert_null(xfrm_sp_object_new(&p, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "policy.ipcomp"));
	g_clear_error(&error);

	p = policy(KERNEL_DIR_OUT);
	p.ipcomp = 7;
	g_assert_null(xfrm_sp_object_new(&p, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "policy.ipcomp"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kernel-xfrm/ipcomp/names", test_names);
	g_test_add_func("/kernel-xfrm/ipcomp/sa-msg", test_comp_sa_msg);
	g_test_add_func("/kernel-xfrm/ipcomp/sa-invalid", test_comp_sa_invalid);
	g_test_add_func("/kernel-xfrm/ipcomp/stacked-esp", test_stacked_esp);
	g_test_add_func("/kernel-xfrm/ipcomp/cpi-alloc", test_cpi_alloc);
	g_test_add_func("/kernel-xfrm/ipcomp/policy-templates", test_policy_templates);
	g_test_add_func("/kernel-xfrm/ipcomp/policy-transport-and-plain",
	                test_policy_transport_and_plain);
	return g_test_run();
}
