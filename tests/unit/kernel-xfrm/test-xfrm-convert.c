/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.h SA/policy structs -> libnl-xfrm objects and netlink messages,
 * checked field by field without sending anything (no root needed), plus
 * the parsing of kernel events.
 */
#include <arpa/inet.h>
#include <linux/udp.h>
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
prefix(const char *text, guint plen, guint8 proto)
{
	KernelTs ts;
	KernelAddr a = addr(text);

	kernel_ts_from_prefix(&ts, &a, plen, proto);
	return ts;
}

static void
assert_nl_addr(struct nl_addr *a, const char *text)
{
	KernelAddr k = addr(text);

	g_assert_nonnull(a);
	g_assert_cmpint(nl_addr_get_family(a), ==, k.family);
	g_assert_cmpuint(nl_addr_get_len(a), ==, kernel_addr_len(&k));
	g_assert_cmpmem(nl_addr_get_binary_addr(a), nl_addr_get_len(a), k.bytes,
	                kernel_addr_len(&k));
}

/* The attribute @type of an xfrm request whose fixed header is @hdrlen. */
static struct nlattr *
msg_attr(struct nl_msg *msg, gsize hdrlen, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg), (int) hdrlen, type);
}

/* ---- selectors -------------------------------------------------------- */

static void
test_selector_basic(void)
{
	KernelTs src = prefix("10.1.0.0", 16, 6), dst = prefix("10.2.3.4", 32, 6);
	struct xfrm_selector sel;
	g_autoptr(GError) error = NULL;
	KernelTs s2, d2;

	dst.from_port = dst.to_port = 443;
	g_assert_true(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(sel.family, ==, AF_INET);
	g_assert_cmpuint(sel.prefixlen_s, ==, 16);
	g_assert_cmpuint(sel.prefixlen_d, ==, 32);
	g_assert_cmpmem(&sel.saddr, 4, addr("10.1.0.0").v4, 4);
	g_assert_cmpmem(&sel.daddr, 4, addr("10.2.3.4").v4, 4);
	g_assert_cmpuint(sel.proto, ==, 6);
	g_assert_cmpuint(ntohs(sel.sport_mask), ==, 0);
	g_assert_cmpuint(ntohs(sel.dport), ==, 443);
	g_assert_cmpuint(ntohs(sel.dport_mask), ==, 0xffff);
	g_assert_cmpuint(sel.user, ==, XFRM_IKEBUS_TAG);

	xfrm_selector_to_ts(&sel, &s2, &d2);
	g_assert_cmpmem(&s2, sizeof(s2), &src, sizeof(src));
	g_assert_cmpmem(&d2, sizeof(d2), &dst, sizeof(dst));
}

static void
test_selector_ports(void)
{
	KernelTs src = prefix("2001:db8::", 32, 17), dst = prefix("2001:db8:1::", 48, 17);
	struct xfrm_selector sel;
	g_autoptr(GError) error = NULL;

	/* An aligned power-of-two block is a value/mask pair. */
	src.from_port = 1024;
	src.to_port = 2047;
	g_assert_true(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_cmpuint(sel.family, ==, AF_INET6);
	g_assert_cmpuint(sel.prefixlen_s, ==, 32);
	g_assert_cmpuint(sel.prefixlen_d, ==, 48);
	g_assert_cmpuint(ntohs(sel.sport), ==, 1024);
	g_assert_cmpuint(ntohs(sel.sport_mask), ==, 0xfc00);

	/* Others cannot be expressed: the field is named. */
	src.from_port = 1000;
	src.to_port = 2000;
	g_assert_false(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "source port range 1000-2000"));
	g_clear_error(&error);

	/* Protocol mismatch and family mismatch. */
	src = prefix("2001:db8::", 32, 6);
	g_assert_false(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);
	src = prefix("10.0.0.0", 8, 17);
	g_assert_false(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);

	/* A range that is not one prefix. */
	src = prefix("10.0.0.0", 24, 0);
	dst = prefix("10.1.0.0", 24, 0);
	src.to = addr("10.0.0.200");
	g_assert_false(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "source range"));
}

static void
test_selector_icmp(void)
{
	KernelTs src = prefix("10.1.0.0", 16, IPPROTO_ICMP),
	         dst = prefix("10.2.0.0", 16, IPPROTO_ICMP);
	struct xfrm_selector sel;
	g_autoptr(GError) error = NULL;
	KernelTs s2, d2;

	/* Echo request (type 8, code 0) in IKEv2's type<<8|code form. */
	dst.from_port = dst.to_port = 8 << 8;
	g_assert_true(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_cmpuint(ntohs(sel.sport), ==, 8);
	g_assert_cmpuint(ntohs(sel.sport_mask), ==, 0xffff);
	g_assert_cmpuint(ntohs(sel.dport), ==, 0);
	g_assert_cmpuint(ntohs(sel.dport_mask), ==, 0xffff);
	xfrm_selector_to_ts(&sel, &s2, &d2);
	g_assert_cmpuint(d2.from_port, ==, 8 << 8);
	g_assert_cmpuint(d2.to_port, ==, 8 << 8);

	/* Every code of type 3. */
	dst.from_port = 3 << 8;
	dst.to_port = 3 << 8 | 0xff;
	g_assert_true(xfrm_selector_from_ts(&src, &dst, &sel, &error));
	g_assert_cmpuint(ntohs(sel.sport), ==, 3);
	g_assert_cmpuint(ntohs(sel.dport_mask), ==, 0);
}

/* ---- SAs -------------------------------------------------------------- */

typedef struct {
	guint8 ekey[64];
	guint8 ikey[64];
	KernelTs l, r;
	KernelSa sa;
} SaFixture;

static void
sa_fixture(SaFixture *f, gboolean aead)
{
	memset(f, 0, sizeof(*f));
	for (guint i = 0; i < sizeof(f->ekey); i++) {
		f->ekey[i] = (guint8) (0xa0 + i);
		f->ikey[i] = (guint8) (0x10 + i);
	}
	f->l = prefix("10.1.0.0", 16, 0);
	f->r = prefix("10.2.0.0", 16, 0);
	f->sa.src = addr("192.0.2.1");
	f->sa.dst = addr("192.0.2.2");
	f->sa.spi = 0xc0ffee01;
	f->sa.proto = KERNEL_PROTO_ESP;
	f->sa.mode = KERNEL_MODE_TUNNEL;
	f->sa.dir = KERNEL_DIR_OUT;
	f->sa.reqid = 16385;
	if (aead) {
		f->sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
		f->sa.encr_key_len = crypto_encr_alg_keymat_len(f->sa.encr, 256);
	} else {
		f->sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
		f->sa.encr_key_len = 16;
		f->sa.integ = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_512_256);
		f->sa.integ_key = f->ikey;
		f->sa.integ_key_len = f->sa.integ->key_size;
	}
	f->sa.encr_key = f->ekey;
	f->sa.ts_local = &f->l;
	f->sa.n_ts_local = 1;
	f->sa.ts_remote = &f->r;
	f->sa.n_ts_remote = 1;
}

static void
test_sa_object(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSa) obj = NULL;
	struct xfrmnl_sel *sel;
	struct xfrmnl_ltime_cfg *lft;
	unsigned int type, sport, dport, mv = 0, mm = 0;
	struct nl_addr *oa = NULL;

	sa_fixture(&f, FALSE);
	f.sa.soft.bytes = 1000;
	f.sa.hard.bytes = 2000;
	f.sa.soft.packets = 10;
	f.sa.soft.add_seconds = 3000;
	f.sa.hard.add_seconds = 3600;
	f.sa.hard.use_seconds = 600;
	f.sa.replay_window = 32;
	f.sa.encap = TRUE;
	f.sa.encap_sport = 4500;
	f.sa.encap_dport = 31337;
	f.sa.mark.value = 0x42;
	f.sa.mark.mask = 0xffffffff;

	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_no_error(error);
	g_assert_nonnull(obj);
	g_assert_cmpint(xfrmnl_sa_get_family(obj), ==, AF_INET);
	assert_nl_addr(xfrmnl_sa_get_daddr(obj), "192.0.2.2");
	assert_nl_addr(xfrmnl_sa_get_saddr(obj), "192.0.2.1");
	g_assert_cmpuint((guint) xfrmnl_sa_get_spi(obj), ==, 0xc0ffee01);
	g_assert_cmpint(xfrmnl_sa_get_proto(obj), ==, IPPROTO_ESP);
	g_assert_cmpint(xfrmnl_sa_get_mode(obj), ==, XFRM_MODE_TUNNEL);
	g_assert_cmpint(xfrmnl_sa_get_reqid(obj), ==, 16385);
	g_assert_cmpint(xfrmnl_sa_get_replay_window(obj), ==, 32);
	g_assert_cmpint(xfrmnl_sa_get_flags(obj), ==, 0);

	/* Outbound: selector from local to remote, tagged. */
	sel = xfrmnl_sa_get_sel(obj);
	g_assert_nonnull(sel);
	assert_nl_addr(xfrmnl_sel_get_saddr(sel), "10.1.0.0");
	assert_nl_addr(xfrmnl_sel_get_daddr(sel), "10.2.0.0");
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_s(sel), ==, 16);
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_d(sel), ==, 16);
	g_assert_cmpint(xfrmnl_sel_get_family(sel), ==, AF_INET);
	g_assert_cmpuint((guint) xfrmnl_sel_get_userid(sel), ==, XFRM_IKEBUS_TAG);

	lft = xfrmnl_sa_get_lifetime_cfg(obj);
	g_assert_nonnull(lft);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_soft_bytelimit(lft), ==, 1000);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_hard_bytelimit(lft), ==, 2000);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_soft_packetlimit(lft), ==, 10);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_hard_packetlimit(lft), ==, XFRM_INF);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_soft_addexpires(lft), ==, 3000);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_hard_addexpires(lft), ==, 3600);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_soft_useexpires(lft), ==, 0);
	g_assert_cmpuint(xfrmnl_ltime_cfg_get_hard_useexpires(lft), ==, 600);

	g_assert_cmpint(xfrmnl_sa_get_encap_tmpl(obj, &type, &sport, &dport, &oa), ==, 0);
	g_assert_cmpuint(type, ==, UDP_ENCAP_ESPINUDP);
	g_assert_cmpuint(sport, ==, 4500);
	g_assert_cmpuint(dport, ==, 31337);
	assert_nl_addr(oa, "0.0.0.0");
	nl_addr_put(oa);

	g_assert_cmpint(xfrmnl_sa_get_mark(obj, &mm, &mv), ==, 0);
	g_assert_cmpuint(mv, ==, 0x42);
	g_assert_cmpuint(mm, ==, 0xffffffff);

	/* Inbound swaps the selector. */
	g_clear_pointer(&obj, xfrmnl_sa_put);
	f.sa.dir = KERNEL_DIR_IN;
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_no_error(error);
	sel = xfrmnl_sa_get_sel(obj);
	assert_nl_addr(xfrmnl_sel_get_saddr(sel), "10.2.0.0");
	assert_nl_addr(xfrmnl_sel_get_daddr(sel), "10.1.0.0");
}

static void
test_sa_esn(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSa) obj = NULL;
	unsigned int oseq, seq, oseq_hi, seq_hi, window, bmp_len;
	guint32 bmp[64];

	sa_fixture(&f, TRUE);
	f.sa.dir = KERNEL_DIR_IN;
	f.sa.esn = TRUE;
	f.sa.replay_window = 128;
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_no_error(error);
	g_assert_cmpint(xfrmnl_sa_get_flags(obj) & XFRM_STATE_ESN, ==, XFRM_STATE_ESN);
	/* The legacy window must be 0 when the ESN replay state is used. */
	g_assert_cmpint(xfrmnl_sa_get_replay_window(obj), ==, 0);
	g_assert_cmpint(xfrmnl_sa_get_replay_state_esn(obj, &oseq, &seq, &oseq_hi, &seq_hi, &window,
	                                               &bmp_len, bmp),
	                ==, 0);
	g_assert_cmpuint(window, ==, 128);
	g_assert_cmpuint(bmp_len, ==, 4);

	/* A wide window without ESN also needs the ESN-form state. */
	g_clear_pointer(&obj, xfrmnl_sa_put);
	f.sa.esn = FALSE;
	f.sa.replay_window = 1024;
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_cmpint(xfrmnl_sa_get_flags(obj) & XFRM_STATE_ESN, ==, 0);
	g_assert_cmpint(xfrmnl_sa_get_replay_state_esn(obj, &oseq, &seq, &oseq_hi, &seq_hi, &window,
	                                               &bmp_len, bmp),
	                ==, 0);
	g_assert_cmpuint(window, ==, 1024);
	g_assert_cmpuint(bmp_len, ==, 32);

	/* Outbound ESN with no window: the kernel wants one anyway. */
	g_clear_pointer(&obj, xfrmnl_sa_put);
	f.sa.esn = TRUE;
	f.sa.replay_window = 0;
	f.sa.dir = KERNEL_DIR_OUT;
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_cmpint(xfrmnl_sa_get_replay_state_esn(obj, &oseq, &seq, &oseq_hi, &seq_hi, &window,
	                                               &bmp_len, bmp),
	                ==, 0);
	g_assert_cmpuint(window, ==, 32);
}

static void
test_sa_msg_aead(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg;
	struct nlattr *a;
	const struct xfrm_algo_aead *aead;
	const struct xfrm_usersa_info *info;

	sa_fixture(&f, TRUE);
	f.sa.if_id = 7;
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_NEWSA);
	info = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(ntohl(info->id.spi), ==, 0xc0ffee01);
	g_assert_cmpuint(info->sel.user, ==, XFRM_IKEBUS_TAG);

	a = msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD);
	g_assert_nonnull(a);
	aead = nla_data(a);
	g_assert_cmpstr(aead->alg_name, ==, "rfc4106(gcm(aes))");
	/* Key || salt: 256 + 32 bits; ICV from the descriptor (16 octets). */
	g_assert_cmpuint(aead->alg_key_len, ==, 288);
	g_assert_cmpuint(aead->alg_icv_len, ==, 128);
	g_assert_cmpuint(aead->alg_icv_len, ==, crypto_encr_alg_xfrm_icv_bits(f.sa.encr));
	g_assert_cmpuint((gsize) nla_len(a), ==, sizeof(*aead) + 36);
	g_assert_cmpmem(aead->alg_key, 36, f.ekey, 36);
	g_assert_null(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT));
	g_assert_null(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AUTH_TRUNC));
	a = msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_IF_ID);
	g_assert_nonnull(a);
	g_assert_cmpuint(nla_get_u32(a), ==, 7);
	xfrm_nl_msg_free(msg);

	/* GCM with an 8-octet ICV and ChaCha20-Poly1305. */
	f.sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_8);
	f.sa.encr_key_len = crypto_encr_alg_keymat_len(f.sa.encr, 128);
	msg = xfrm_sa_msg_new(&f.sa, TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_UPDSA);
	aead = nla_data(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD));
	g_assert_cmpuint(aead->alg_key_len, ==, 160);
	g_assert_cmpuint(aead->alg_icv_len, ==, 64);
	xfrm_nl_msg_free(msg);

	f.sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_CHACHA20_POLY1305);
	f.sa.encr_key_len = crypto_encr_alg_keymat_len(f.sa.encr, 256);
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	aead = nla_data(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD));
	g_assert_cmpstr(aead->alg_name, ==, "rfc7539esp(chacha20,poly1305)");
	g_assert_cmpuint(aead->alg_key_len, ==, 288);
	g_assert_cmpuint(aead->alg_icv_len, ==, 128);
	xfrm_nl_msg_free(msg);
}

static void
test_sa_msg_cbc(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;
	struct nl_msg *msg;
	struct nlattr *a;
	const struct xfrm_algo *crypt;
	const struct xfrm_algo_auth *auth;
	g_autoptr(XfrmNlSa) parsed = NULL;
	char name[64];
	char key[64];
	unsigned int key_len, trunc;

	sa_fixture(&f, FALSE);
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	a = msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT);
	g_assert_nonnull(a);
	crypt = nla_data(a);
	g_assert_cmpstr(crypt->alg_name, ==, "cbc(aes)");
	g_assert_cmpuint(crypt->alg_key_len, ==, 128);
	g_assert_cmpmem(crypt->alg_key, 16, f.ekey, 16);
	a = msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AUTH_TRUNC);
	g_assert_nonnull(a);
	auth = nla_data(a);
	g_assert_cmpstr(auth->alg_name, ==, "hmac(sha512)");
	g_assert_cmpuint(auth->alg_key_len, ==, 512);
	g_assert_cmpuint(auth->alg_trunc_len, ==, 256);
	g_assert_cmpuint(auth->alg_trunc_len, ==, f.sa.integ->xfrm_trunc_bits);
	g_assert_cmpmem(auth->alg_key, 64, f.ikey, 64);
	g_assert_null(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD));
	g_assert_null(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_IF_ID));

	/* libnl's own parser reads the same message back. */
	g_assert_cmpint(xfrmnl_sa_parse(nlmsg_hdr(msg), &parsed), ==, 0);
	g_assert_cmpint(xfrmnl_sa_get_crypto_params(parsed, name, &key_len, key), ==, 0);
	g_assert_cmpstr(name, ==, "cbc(aes)");
	g_assert_cmpuint(key_len, ==, 128);
	g_assert_cmpint(xfrmnl_sa_get_auth_params(parsed, name, &key_len, &trunc, key), ==, 0);
	g_assert_cmpstr(name, ==, "hmac(sha512)");
	g_assert_cmpuint(trunc, ==, 256);
	g_assert_cmpuint((guint) xfrmnl_sa_get_spi(parsed), ==, 0xc0ffee01);
	g_assert_cmpint(xfrmnl_sa_get_reqid(parsed), ==, 16385);
	xfrm_nl_msg_free(msg);

	/* SHA1-96 and SHA2-256-128 truncations come from the table too. */
	f.sa.integ = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA1_96);
	f.sa.integ_key_len = f.sa.integ->key_size;
	msg = xfrm_sa_msg_new(&f.sa, FALSE, &error);
	g_assert_no_error(error);
	auth = nla_data(msg_attr(msg, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AUTH_TRUNC));
	g_assert_cmpstr(auth->alg_name, ==, "hmac(sha1)");
	g_assert_cmpuint(auth->alg_key_len, ==, 160);
	g_assert_cmpuint(auth->alg_trunc_len, ==, 96);
	xfrm_nl_msg_free(msg);
}

static void
test_sa_invalid(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;

	sa_fixture(&f, FALSE);
	f.sa.encr_key_len = 15;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "sa.encr_key"));
	g_clear_error(&error);

	sa_fixture(&f, FALSE);
	f.sa.integ_key_len = 20;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.integ_key"));
	g_clear_error(&error);

	sa_fixture(&f, TRUE);
	f.sa.integ = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128);
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.integ"));
	g_clear_error(&error);

	sa_fixture(&f, FALSE);
	f.sa.proto = KERNEL_PROTO_AH;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.encr"));
	g_clear_error(&error);

	sa_fixture(&f, FALSE);
	f.sa.src = addr("2001:db8::1");
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.src"));
	g_clear_error(&error);

	sa_fixture(&f, FALSE);
	f.sa.spi = 0;
	g_assert_null(xfrm_sa_msg_new(&f.sa, FALSE, &error));
	g_assert_nonnull(strstr(error->message, "sa.spi"));
}

static void
test_sa_multi_ts(void)
{
	SaFixture f;
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSa) obj = NULL;
	KernelTs two[2];
	struct xfrmnl_sel *sel;

	sa_fixture(&f, TRUE);
	two[0] = prefix("10.2.0.0", 16, 0);
	two[1] = prefix("10.3.0.0", 16, 0);
	f.sa.ts_remote = two;
	f.sa.n_ts_remote = 2;
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_no_error(error);
	sel = xfrmnl_sa_get_sel(obj);
	/* Wildcard of the inner family; the policies select. */
	g_assert_cmpint(xfrmnl_sel_get_family(sel), ==, AF_INET);
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_s(sel), ==, 0);
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_d(sel), ==, 0);
	g_assert_cmpuint((guint) xfrmnl_sel_get_userid(sel), ==, XFRM_IKEBUS_TAG);

	/* Mixed inner families need XFRM_STATE_AF_UNSPEC. */
	g_clear_pointer(&obj, xfrmnl_sa_put);
	two[1] = prefix("2001:db8::", 32, 0);
	obj = xfrm_sa_object_new(&f.sa, &error);
	g_assert_cmpint(xfrmnl_sa_get_flags(obj) & XFRM_STATE_AF_UNSPEC, ==, XFRM_STATE_AF_UNSPEC);
	g_assert_cmpint(xfrmnl_sel_get_family(xfrmnl_sa_get_sel(obj)), ==, 0);
}

static void
test_sa_id_and_spi_msgs(void)
{
	g_autoptr(GError) error = NULL;
	KernelSaId id = {.dst = addr("2001:db8::2"),
	                 .spi = 0x1234abcd,
	                 .proto = KERNEL_PROTO_ESP,
	                 .mark = {.value = 5, .mask = 0xf}};
	KernelAddr src = addr("192.0.2.9"), dst = addr("192.0.2.8");
	struct nl_msg *msg;
	const struct xfrm_usersa_id *sid;
	const struct xfrm_userspi_info *spi;
	const struct xfrm_mark *m;

	msg = xfrm_sa_id_msg_new(&id, XFRM_MSG_DELSA, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_DELSA);
	sid = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(ntohl(sid->spi), ==, 0x1234abcd);
	g_assert_cmpuint(sid->family, ==, AF_INET6);
	g_assert_cmpuint(sid->proto, ==, IPPROTO_ESP);
	g_assert_cmpmem(&sid->daddr, 16, id.dst.v6, 16);
	m = nla_data(msg_attr(msg, sizeof(*sid), XFRMA_MARK));
	g_assert_cmpuint(m->v, ==, 5);
	g_assert_cmpuint(m->m, ==, 0xf);
	xfrm_nl_msg_free(msg);

	msg = xfrm_allocspi_msg_new(&src, &dst, KERNEL_PROTO_ESP, 77, XFRM_SPI_MIN, XFRM_SPI_MAX,
	                            &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(msg)->nlmsg_type, ==, XFRM_MSG_ALLOCSPI);
	spi = nlmsg_data(nlmsg_hdr(msg));
	g_assert_cmpuint(spi->min, ==, 0x1000);
	g_assert_cmpuint(spi->max, ==, 0xffffffff);
	g_assert_cmpuint(spi->info.reqid, ==, 77);
	g_assert_cmpuint(spi->info.id.proto, ==, IPPROTO_ESP);
	g_assert_cmpuint(spi->info.family, ==, AF_INET);
	g_assert_cmpmem(&spi->info.id.daddr, 4, dst.v4, 4);
	g_assert_cmpmem(&spi->info.saddr, 4, src.v4, 4);
	xfrm_nl_msg_free(msg);

	g_assert_null(xfrm_allocspi_msg_new(&src, &dst, 99, 1, 0x1000, 0x2000, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

/* ---- policies --------------------------------------------------------- */

static KernelPolicy
policy_fixture(void)
{
	KernelPolicy p;

	memset(&p, 0, sizeof(p));
	p.src = prefix("10.1.0.0", 16, 17);
	p.dst = prefix("10.2.0.0", 24, 17);
	p.dst.from_port = p.dst.to_port = 53;
	p.dir = KERNEL_DIR_FWD;
	p.action = KERNEL_POLICY_IPSEC;
	p.priority = 1800;
	p.reqid = 4242;
	p.mark.value = 0x100;
	p.mark.mask = 0xf00;
	p.proto = KERNEL_PROTO_ESP;
	p.mode = KERNEL_MODE_TUNNEL;
	p.tmpl_src = addr("192.0.2.2");
	p.tmpl_dst = addr("192.0.2.1");
	return p;
}

static void
test_policy_object(void)
{
	KernelPolicy p = policy_fixture();
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSp) sp = xfrm_sp_object_new(&p, &error);
	struct xfrmnl_sel *sel;
	struct xfrmnl_user_tmpl *t;
	unsigned int mm = 0, mv = 0;

	g_assert_no_error(error);
	g_assert_nonnull(sp);
	g_assert_cmpint(xfrmnl_sp_get_dir(sp), ==, XFRM_POLICY_FWD);
	g_assert_cmpint(xfrmnl_sp_get_action(sp), ==, XFRM_POLICY_ALLOW);
	g_assert_cmpint(xfrmnl_sp_get_priority(sp), ==, 1800);
	g_assert_cmpint(xfrmnl_sp_get_mark(sp, &mm, &mv), ==, 0);
	g_assert_cmpuint(mv, ==, 0x100);
	g_assert_cmpuint(mm, ==, 0xf00);

	sel = xfrmnl_sp_get_sel(sp);
	assert_nl_addr(xfrmnl_sel_get_saddr(sel), "10.1.0.0");
	assert_nl_addr(xfrmnl_sel_get_daddr(sel), "10.2.0.0");
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_s(sel), ==, 16);
	g_assert_cmpint(xfrmnl_sel_get_prefixlen_d(sel), ==, 24);
	g_assert_cmpint(xfrmnl_sel_get_proto(sel), ==, 17);
	g_assert_cmpint(xfrmnl_sel_get_dport(sel), ==, 53);
	g_assert_cmpint(xfrmnl_sel_get_dportmask(sel), ==, 0xffff);
	g_assert_cmpint(xfrmnl_sel_get_sportmask(sel), ==, 0);
	g_assert_cmpuint((guint) xfrmnl_sel_get_userid(sel), ==, XFRM_IKEBUS_TAG);

	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 1);
	t = xfrmnl_sp_usertemplate_n(sp, 0);
	g_assert_nonnull(t);
	assert_nl_addr(xfrmnl_user_tmpl_get_saddr(t), "192.0.2.2");
	assert_nl_addr(xfrmnl_user_tmpl_get_daddr(t), "192.0.2.1");
	g_assert_cmpint(xfrmnl_user_tmpl_get_family(t), ==, AF_INET);
	g_assert_cmpint(xfrmnl_user_tmpl_get_proto(t), ==, IPPROTO_ESP);
	g_assert_cmpint(xfrmnl_user_tmpl_get_reqid(t), ==, 4242);
	g_assert_cmpint(xfrmnl_user_tmpl_get_mode(t), ==, XFRM_MODE_TUNNEL);
	g_assert_cmpint(xfrmnl_user_tmpl_get_spi(t), ==, 0);
	g_assert_cmpint(xfrmnl_user_tmpl_get_optional(t), ==, 0);
	g_assert_cmpuint((guint) xfrmnl_user_tmpl_get_ealgos(t), ==, ~0u);
	g_assert_cmpuint((guint) xfrmnl_user_tmpl_get_aalgos(t), ==, ~0u);
}

static void
test_policy_transport_and_shunts(void)
{
	KernelPolicy p = policy_fixture();
	g_autoptr(GError) error = NULL;
	g_autoptr(XfrmNlSp) sp = NULL;
	struct xfrmnl_user_tmpl *t;

	/* Transport mode: template addresses are "any" of the selector family. */
	p.mode = KERNEL_MODE_TRANSPORT;
	memset(&p.tmpl_src, 0, sizeof(p.tmpl_src));
	memset(&p.tmpl_dst, 0, sizeof(p.tmpl_dst));
	p.proto = KERNEL_PROTO_AH;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_no_error(error);
	t = xfrmnl_sp_usertemplate_n(sp, 0);
	assert_nl_addr(xfrmnl_user_tmpl_get_daddr(t), "0.0.0.0");
	g_assert_cmpint(xfrmnl_user_tmpl_get_mode(t), ==, XFRM_MODE_TRANSPORT);
	g_assert_cmpint(xfrmnl_user_tmpl_get_proto(t), ==, IPPROTO_AH);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	/* Trap: the same as an IPsec policy (a template, no SA yet). */
	p = policy_fixture();
	p.trap = TRUE;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_cmpint(xfrmnl_sp_get_action(sp), ==, XFRM_POLICY_ALLOW);
	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 1);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	p.action = KERNEL_POLICY_PASS;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_cmpint(xfrmnl_sp_get_action(sp), ==, XFRM_POLICY_ALLOW);
	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 0);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	p.action = KERNEL_POLICY_DROP;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_cmpint(xfrmnl_sp_get_action(sp), ==, XFRM_POLICY_BLOCK);
	g_assert_cmpint(xfrmnl_sp_get_nusertemplates(sp), ==, 0);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	p.action = KERNEL_POLICY_REJECT;
	sp = xfrm_sp_object_new(&p, &error);
	g_assert_cmpint(xfrmnl_sp_get_action(sp), ==, XFRM_POLICY_BLOCK);
	g_clear_pointer(&sp, xfrmnl_sp_put);

	/* Tunnel mode without outer addresses is refused, naming the field. */
	p = policy_fixture();
	memset(&p.tmpl_dst, 0, sizeof(p.tmpl_dst));
	g_assert_null(xfrm_sp_object_new(&p, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "policy.tmpl_dst"));
}

static void
test_policy_msgs(void)
{
	KernelPolicy p = policy_fixture();
	g_autoptr(GError) error = NULL;
	struct nl_msg *add, *del;
	const struct xfrm_userpolicy_info *info;
	const struct xfrm_userpolicy_id *pid;
	struct nlattr *a;
	const struct xfrm_user_tmpl *t;

	p.if_id = 9;
	add = xfrm_sp_msg_new(&p, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nlmsg_hdr(add)->nlmsg_type, ==, XFRM_MSG_UPDPOLICY);
	info = nlmsg_data(nlmsg_hdr(add));
	g_assert_cmpuint(info->dir, ==, XFRM_POLICY_FWD);
	g_assert_cmpuint(info->priority, ==, 1800);
	g_assert_cmpuint(info->lft.hard_byte_limit, ==, XFRM_INF);
	a = msg_attr(add, sizeof(*info), XFRMA_TMPL);
	g_assert_nonnull(a);
	g_assert_cmpint(nla_len(a), ==, (int) sizeof(struct xfrm_user_tmpl));
	t = nla_data(a);
	g_assert_cmpuint(t->reqid, ==, 4242);
	g_assert_cmpuint(t->id.proto, ==, IPPROTO_ESP);
	g_assert_cmpuint(t->family, ==, AF_INET);
	g_assert_cmpuint(nla_get_u32(msg_attr(add, sizeof(*info), XFRMA_IF_ID)), ==, 9);

	/* Delete/get by selector: byte-for-byte the selector that was added. */
	del = xfrm_sp_id_msg_new(&p, XFRM_MSG_DELPOLICY, &error);
	g_assert_no_error(error);
	pid = nlmsg_data(nlmsg_hdr(del));
	g_assert_cmpmem(&pid->sel, sizeof(pid->sel), &info->sel, sizeof(info->sel));
	g_assert_cmpuint(pid->dir, ==, XFRM_POLICY_FWD);
	g_assert_cmpuint(pid->index, ==, 0);
	g_assert_cmpuint(
	        ((struct xfrm_mark *) nla_data(msg_attr(del, sizeof(*pid), XFRMA_MARK)))->m, ==,
	        0xf00);
	g_assert_cmpuint(nla_get_u32(msg_attr(del, sizeof(*pid), XFRMA_IF_ID)), ==, 9);
	xfrm_nl_msg_free(add);
	xfrm_nl_msg_free(del);
}

/* ---- events ----------------------------------------------------------- */

static struct nl_msg *
acquire_msg(guint32 tag)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_ACQUIRE, 0);
	struct xfrm_user_acquire ua;
	struct xfrm_user_tmpl t;
	struct xfrm_mark mark = {.v = 3, .m = 0xff};
	KernelTs s = prefix("192.0.2.1", 32, 17), d = prefix("198.51.100.2", 32, 17);
	KernelTs ps = prefix("0.0.0.0", 0, 0), pd = prefix("198.51.100.0", 24, 0);
	KernelAddr peer = addr("192.0.2.2"), local = addr("192.0.2.1");

	memset(&ua, 0, sizeof(ua));
	d.from_port = d.to_port = 1025;
	g_assert_true(xfrm_selector_from_ts(&s, &d, &ua.sel, NULL));
	ua.sel.user = 0; /* the packet's selector carries no tag */
	g_assert_true(xfrm_selector_from_ts(&ps, &pd, &ua.policy.sel, NULL));
	ua.policy.sel.user = tag;
	ua.policy.dir = XFRM_POLICY_OUT;
	ua.id.proto = IPPROTO_ESP;
	xfrm_addr_from_kernel(&ua.id.daddr, &peer);
	xfrm_addr_from_kernel(&ua.saddr, &local);
	memset(&t, 0, sizeof(t));
	t.reqid = 42;
	t.family = AF_INET;
	t.id.proto = IPPROTO_ESP;
	xfrm_addr_from_kernel(&t.id.daddr, &peer);
	xfrm_addr_from_kernel(&t.saddr, &local);
	g_assert_cmpint(nlmsg_append(msg, &ua, sizeof(ua), NLMSG_ALIGNTO), ==, 0);
	g_assert_cmpint(nla_put(msg, XFRMA_TMPL, sizeof(t), &t), ==, 0);
	g_assert_cmpint(nla_put(msg, XFRMA_MARK, sizeof(mark), &mark), ==, 0);
	return msg;
}

static void
test_event_acquire(void)
{
	struct nl_msg *msg = acquire_msg(XFRM_IKEBUS_TAG);
	KernelEvent ev;
	KernelAddr a;
	guint plen;

	g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_OURS);
	g_assert_cmpint(ev.type, ==, KERNEL_EVENT_ACQUIRE);
	g_assert_cmpuint(ev.reqid, ==, 42);
	g_assert_true(kernel_ts_to_prefix(&ev.pkt_dst, &a, &plen));
	g_assert_cmpuint(plen, ==, 32);
	g_assert_true(
	        kernel_addr_equal(&a, &(KernelAddr){.family = AF_INET, .v4 = {198, 51, 100, 2}}));
	g_assert_cmpuint(ev.pkt_dst.proto, ==, 17);
	g_assert_cmpuint(ev.pkt_dst.from_port, ==, 1025);
	g_assert_true(kernel_ts_to_prefix(&ev.policy_dst, &a, &plen));
	g_assert_cmpuint(plen, ==, 24);
	g_assert_true(kernel_ts_to_prefix(&ev.policy_src, &a, &plen));
	g_assert_cmpuint(plen, ==, 0);
	g_assert_true(kernel_addr_equal(&ev.sa.dst,
	                                &(KernelAddr){.family = AF_INET, .v4 = {192, 0, 2, 2}}));
	g_assert_cmpuint(ev.sa.proto, ==, KERNEL_PROTO_ESP);
	g_assert_cmpuint(ev.sa.mark.value, ==, 3);
	nlmsg_free(msg);

	/* Another daemon's trap. */
	msg = acquire_msg(0);
	g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_FOREIGN);
	nlmsg_free(msg);

	/* Truncated. */
	msg = nlmsg_alloc_simple(XFRM_MSG_ACQUIRE, 0);
	g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_OTHER);
	nlmsg_free(msg);
}

static void
test_event_expire(void)
{
	struct xfrm_user_expire ue;
	KernelAddr dst = addr("2001:db8::2"), src = addr("2001:db8::1");

	for (int hard = 0; hard <= 1; hard++) {
		struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_EXPIRE, 0);
		KernelEvent ev;

		memset(&ue, 0, sizeof(ue));
		ue.state.family = AF_INET6;
		ue.state.id.spi = htonl(0xdeadbeef);
		ue.state.id.proto = IPPROTO_ESP;
		ue.state.reqid = 16389;
		ue.state.sel.user = XFRM_IKEBUS_TAG;
		xfrm_addr_from_kernel(&ue.state.id.daddr, &dst);
		xfrm_addr_from_kernel(&ue.state.saddr, &src);
		ue.hard = (guint8) hard;
		g_assert_cmpint(nlmsg_append(msg, &ue, sizeof(ue), NLMSG_ALIGNTO), ==, 0);
		g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_OURS);
		g_assert_cmpint(ev.type, ==, KERNEL_EVENT_EXPIRE);
		g_assert_cmpint(ev.hard, ==, hard);
		g_assert_cmpuint(ev.sa.spi, ==, 0xdeadbeef);
		g_assert_cmpuint(ev.reqid, ==, 16389);
		g_assert_true(kernel_addr_equal(&ev.sa.dst, &dst));
		g_assert_true(kernel_addr_equal(&ev.sa.src, &src));
		nlmsg_free(msg);
	}
	{
		struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_EXPIRE, 0);
		KernelEvent ev;

		ue.state.sel.user = 0;
		g_assert_cmpint(nlmsg_append(msg, &ue, sizeof(ue), NLMSG_ALIGNTO), ==, 0);
		g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_FOREIGN);
		nlmsg_free(msg);
	}
}

static void
test_event_mapping(void)
{
	struct nl_msg *msg = nlmsg_alloc_simple(XFRM_MSG_MAPPING, 0);
	struct xfrm_user_mapping um;
	KernelAddr a = addr("203.0.113.7");
	KernelEvent ev;

	memset(&um, 0, sizeof(um));
	um.id.family = AF_INET;
	um.id.spi = htonl(0x5000);
	um.id.proto = IPPROTO_ESP;
	xfrm_addr_from_kernel(&um.new_saddr, &a);
	um.new_sport = htons(61000);
	um.reqid = 3;
	g_assert_cmpint(nlmsg_append(msg, &um, sizeof(um), NLMSG_ALIGNTO), ==, 0);
	g_assert_cmpint(xfrm_event_parse(nlmsg_hdr(msg), &ev), ==, XFRM_EVENT_OURS);
	g_assert_cmpint(ev.type, ==, KERNEL_EVENT_MAPPING);
	g_assert_cmpuint(ev.sa.spi, ==, 0x5000);
	g_assert_true(kernel_addr_equal(&ev.new_addr, &a));
	g_assert_cmpuint(ev.new_port, ==, 61000);
	nlmsg_free(msg);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kernel-xfrm/selector/basic", test_selector_basic);
	g_test_add_func("/kernel-xfrm/selector/ports", test_selector_ports);
	g_test_add_func("/kernel-xfrm/selector/icmp", test_selector_icmp);
	g_test_add_func("/kernel-xfrm/sa/object", test_sa_object);
	g_test_add_func("/kernel-xfrm/sa/esn", test_sa_esn);
	g_test_add_func("/kernel-xfrm/sa/msg-aead", test_sa_msg_aead);
	g_test_add_func("/kernel-xfrm/sa/msg-cbc", test_sa_msg_cbc);
	g_test_add_func("/kernel-xfrm/sa/invalid", test_sa_invalid);
	g_test_add_func("/kernel-xfrm/sa/multi-ts", test_sa_multi_ts);
	g_test_add_func("/kernel-xfrm/sa/id-and-spi", test_sa_id_and_spi_msgs);
	g_test_add_func("/kernel-xfrm/policy/object", test_policy_object);
	g_test_add_func("/kernel-xfrm/policy/transport-and-shunts",
	                test_policy_transport_and_shunts);
	g_test_add_func("/kernel-xfrm/policy/msgs", test_policy_msgs);
	g_test_add_func("/kernel-xfrm/event/acquire", test_event_acquire);
	g_test_add_func("/kernel-xfrm/event/expire", test_event_expire);
	g_test_add_func("/kernel-xfrm/event/mapping", test_event_mapping);
	return g_test_run();
}
