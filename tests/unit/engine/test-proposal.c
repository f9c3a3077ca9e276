/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine building blocks without a peer: the ike=/esp= syntax and
 * defaults, proposal selection, traffic-selector narrowing and IDs.
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-private.h"
#include "nss-init.h"

static void
test_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) d = proposal_parse(NULL, IKE_PROTO_IKE, &error);
	g_autoptr(GArray) p = NULL;
	const PropSpec *s;

	/* defaults: an AEAD proposal and a CBC+HMAC one, Curve25519 first */
	g_assert_cmpuint(d->len, ==, 2);
	s = &g_array_index(d, PropSpec, 0);
	g_assert_cmpuint(s->encr[0], ==, IKE_ENCR_AES_GCM_16);
	g_assert_cmpuint(s->n_integ, ==, 0);
	g_assert_cmpuint(s->ke[0], ==, IKE_KE_CURVE25519);
	g_assert_cmpuint(proposal_first_ke(d), ==, IKE_KE_CURVE25519);
	g_assert_true(proposal_has_ke(d, IKE_KE_MODP_2048));
	g_assert_false(proposal_has_ke(d, IKE_KE_MODP_1024));
	s = &g_array_index(d, PropSpec, 1);
	g_assert_cmpuint(s->encr[0], ==, IKE_ENCR_AES_CBC);
	g_assert_cmpuint(s->integ[0], ==, IKE_INTEG_HMAC_SHA2_256_128);

	p = proposal_parse("aes256-sha2_512-modp4096, chacha20_poly1305-sha256;dh19", IKE_PROTO_IKE,
	                   &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->len, ==, 2);
	s = &g_array_index(p, PropSpec, 0);
	g_assert_cmpuint(s->n_encr, ==, 1);
	g_assert_cmpuint(s->encr_bits[0], ==, 256);
	g_assert_cmpuint(s->prf[0], ==, IKE_PRF_HMAC_SHA2_512);
	g_assert_cmpuint(s->integ[0], ==, IKE_INTEG_HMAC_SHA2_512_256);
	g_assert_cmpuint(s->ke[0], ==, IKE_KE_MODP_4096);
	s = &g_array_index(p, PropSpec, 1);
	g_assert_cmpuint(s->encr[0], ==, IKE_ENCR_CHACHA20_POLY1305);
	g_assert_cmpuint(s->n_integ, ==, 0);
	g_assert_cmpuint(s->ke[0], ==, IKE_KE_ECP_256);
	g_clear_pointer(&p, g_array_unref);

	/* ESP: groups are PFS groups (CREATE_CHILD_SA only); ESN offered off */
	p = proposal_parse("aes_gcm256;dh19", IKE_PROTO_ESP, &error);
	s = &g_array_index(p, PropSpec, 0);
	g_assert_cmpuint(s->n_ke, ==, 1);
	g_assert_cmpuint(s->ke[0], ==, IKE_KE_ECP_256);
	g_assert_cmpuint(s->esn[0], ==, IKE_ESN_NO_ESN);
	g_clear_pointer(&p, g_array_unref);

	g_assert_null(proposal_parse("aes256-md4", IKE_PROTO_IKE, &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "\"md4\""));
}

static void
test_select(void)
{
	g_autoptr(GArray) ours = proposal_parse("aes128-sha256-modp2048,aes_gcm256-sha256-ecp256",
	                                        IKE_PROTO_IKE, NULL);
	g_autoptr(GArray) theirs = proposal_parse(NULL, IKE_PROTO_IKE, NULL);
	g_autoptr(IkePayload) sa = ike_payload_new(IKE_PAYLOAD_SA);
	g_autoptr(IkePayload) reply = ike_payload_new(IKE_PAYLOAD_SA);
	PropChoice c, back;
	g_autofree char *text = NULL;

	proposal_add_to_sa(sa, theirs, NULL, 0, TRUE);
	/* the peer's first proposal (AEAD) wins; the KE hint picks the group */
	g_assert_true(proposal_select(ours, sa, IKE_KE_ECP_256, &c, NULL));
	g_assert_cmpuint(c.encr, ==, IKE_ENCR_AES_GCM_16);
	g_assert_cmpuint(c.encr_bits, ==, 256);
	g_assert_cmpuint(c.ke, ==, IKE_KE_ECP_256);
	g_assert_cmpuint(c.number, ==, 1);
	text = proposal_choice_to_string(&c);
	g_assert_cmpstr(text, ==, "AES_GCM_16_256-HMAC_SHA2_256-ECP_256");
	/* a hint we do not accept still selects, with our group (-> INVALID_KE) */
	g_assert_true(proposal_select(ours, sa, IKE_KE_CURVE25519, &c, NULL));
	g_assert_cmpuint(c.ke, ==, IKE_KE_ECP_256);
	/* the reply with the choice is accepted by the one who offered */
	proposal_add_choice(reply, &c, NULL, 0);
	g_assert_true(proposal_accept_reply(theirs, reply, &back, NULL, NULL));
	g_assert_cmpmem(&back, sizeof(back), &c, sizeof(c));
	/* but not by someone who offered something else */
	g_assert_false(proposal_accept_reply(ours, reply, &back, NULL, NULL) &&
	               back.encr == IKE_ENCR_CHACHA20_POLY1305);
}

static void
test_select_none(void)
{
	g_autoptr(GArray) ours = proposal_parse("aes128-sha1-modp2048", IKE_PROTO_IKE, NULL);
	g_autoptr(GArray) theirs = proposal_parse("aes_gcm256-sha256-curve25519", IKE_PROTO_IKE, NULL);
	g_autoptr(IkePayload) sa = ike_payload_new(IKE_PAYLOAD_SA);
	PropChoice c;

	proposal_add_to_sa(sa, theirs, NULL, 0, TRUE);
	g_assert_false(proposal_select(ours, sa, IKE_KE_CURVE25519, &c, NULL));
}

static KernelTs
ts(const char *from, const char *to, guint8 proto, guint16 p0, guint16 p1)
{
	KernelTs t = {0};

	g_assert_true(kernel_addr_parse(from, &t.from));
	g_assert_true(kernel_addr_parse(to, &t.to));
	t.proto = proto;
	t.from_port = p0;
	t.to_port = p1;
	return t;
}

static void
test_narrow(void)
{
	g_autoptr(GArray) ours = g_array_new(FALSE, TRUE, sizeof(KernelTs));
	g_autoptr(GArray) theirs = g_array_new(FALSE, TRUE, sizeof(KernelTs));
	g_autoptr(GArray) n = NULL;
	g_autoptr(GArray) none = NULL;
	KernelTs a = ts("10.0.0.0", "10.0.0.255", 0, 0, 65535);
	KernelTs b = ts("10.0.0.16", "10.0.1.255", 17, 500, 500);
	KernelTs x = ts("192.168.0.0", "192.168.0.255", 0, 0, 65535);
	g_autofree char *s = NULL;

	g_array_append_val(ours, a);
	g_array_append_val(theirs, b);
	n = ts_narrow(ours, theirs);
	g_assert_cmpuint(n->len, ==, 1);
	s = ts_array_to_whack(n);
	g_assert_cmpstr(s, ==, "10.0.0.16-10.0.0.255:500-500 17");
	g_assert_true(ts_subset(n, ours));
	g_assert_false(ts_subset(theirs, ours));
	g_array_set_size(theirs, 0);
	g_array_append_val(theirs, x);
	none = ts_narrow(ours, theirs);
	g_assert_cmpuint(none->len, ==, 0);
}

static void
test_ts_from_end(void)
{
	IkebusEnd end = {0};
	char *subnets[] = {(char *) "198.51.100.0/24", (char *) "2001:db8::/64", NULL};
	KernelAddr host;
	g_autoptr(GArray) a = NULL;
	g_autoptr(GArray) b = NULL;
	g_autofree char *s = NULL;

	g_assert_true(kernel_addr_parse("192.0.2.1", &host));
	end.protoport = (char *) "udp/1701";
	a = ts_from_end(&end, &host, NULL);
	s = ts_array_to_whack(a);
	g_assert_cmpstr(s, ==, "192.0.2.1-192.0.2.1:1701-1701 17");
	end.protoport = NULL;
	end.subnets = subnets;
	b = ts_from_end(&end, &host, NULL);
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpuint(g_array_index(b, KernelTs, 1).from.family, ==, AF_INET6);
}

static void
check_id(const char *text, guint8 type, const char *back)
{
	EngineId id = {0};
	g_autofree char *t = NULL;

	g_assert_true(engine_id_from_text(text, &id, NULL));
	g_assert_cmpuint(id.type, ==, type);
	t = engine_id_to_text(&id);
	g_assert_cmpstr(t, ==, back);
	engine_id_clear(&id);
}

static void
test_ids(void)
{
	EngineId any = {0}, got = {0};
	g_autoptr(GError) error = NULL;

	check_id("192.0.2.1", IKE_ID_IPV4_ADDR, "192.0.2.1");
	check_id("2001:db8::1", IKE_ID_IPV6_ADDR, "2001:db8::1");
	check_id("@east.example", IKE_ID_FQDN, "@east.example");
	check_id("east.example", IKE_ID_FQDN, "@east.example");
	check_id("user@example.com", IKE_ID_RFC822_ADDR, "user@example.com");
	check_id("%any", 0, "%any");
	g_assert_true(engine_id_from_text("%any", &any, NULL));
	g_assert_true(engine_id_from_text("@x", &got, NULL));
	g_assert_true(engine_id_match(&any, &got));
	g_assert_false(engine_id_match(&got, &any));
	engine_id_clear(&any);
	engine_id_clear(&got);
	/* DNs: in the order written, matched in either order */
	g_assert_true(engine_id_from_text("C=CH, O=Example, CN=east", &got, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(got.type, ==, IKE_ID_DER_ASN1_DN);
	g_assert_true(engine_id_from_text("CN=east, O=Example, C=CH", &any, NULL));
	g_assert_true(engine_id_match(&any, &got));
	engine_id_clear(&any);
	g_assert_true(engine_id_from_text("C=CH, O=Example, CN=west", &any, NULL));
	g_assert_false(engine_id_match(&any, &got));
	engine_id_clear(&any);
	engine_id_clear(&got);
	g_assert_false(engine_id_from_text("C=CH, =", &got, &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL)); /* DN identities */
	g_test_add_func("/engine/proposal/parse", test_parse);
	g_test_add_func("/engine/proposal/select", test_select);
	g_test_add_func("/engine/proposal/select-none", test_select_none);
	g_test_add_func("/engine/ts/narrow", test_narrow);
	g_test_add_func("/engine/ts/from-end", test_ts_from_end);
	g_test_add_func("/engine/id/forms", test_ids);
	return g_test_run();
}
