/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proves the payload families other than SA (payload-ke.c, payload-id.c,
 * payload-cert.c, payload-auth.c, payload-nonce.c, payload-notify.c,
 * payload-delete.c, payload-vendor.c, payload-ts.c, payload-sk.c,
 * payload-cp.c, payload-eap.c) with hand-built RFC 7296 §3.4 - §3.16 and
 * RFC 7383 §2.5 vectors: decode, re-encode, compare; then the rejects.
 */
#include "ike-test-util.h"

static IkePayload *
only(GPtrArray *chain)
{
	g_assert_cmpuint(chain->len, ==, 1);
	return g_ptr_array_index(chain, 0);
}

static void
test_ke(void)
{
	g_autoptr(GByteArray) v = hex("00 00 000c 0013 0000 01020304");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_KE, v);
	IkePayload *p = only(c);

	g_assert_cmpuint(p->u.ke.group, ==, IKE_KE_ECP_256);
	g_assert_cmpmem(p->u.ke.data, p->u.ke.data_len, "\x01\x02\x03\x04", 4);
	/* reserved half-word kept */
	g_autoptr(GByteArray) r = hex("00 00 0008 001f abcd");
	g_autoptr(GPtrArray) c2 = chain_round_trip(IKE_PAYLOAD_KE, r);
	g_assert_cmpuint(only(c2)->u.ke.reserved, ==, 0xabcd);
	g_assert_cmpuint(only(c2)->u.ke.data_len, ==, 0);
	g_autoptr(GByteArray) bad = hex("00 00 0004");
	chain_reject(IKE_PAYLOAD_KE, bad, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "KE payload at offset 0: length 4 is shorter than its 8-byte fixed part");
}

static void
test_id(void)
{
	g_autoptr(GByteArray) v4 = hex("00 00 000c 01 000000 c0000201");
	g_autoptr(GPtrArray) c4 = chain_round_trip(IKE_PAYLOAD_IDI, v4);
	g_assert_cmpuint(only(c4)->u.id.id_type, ==, IKE_ID_IPV4_ADDR);
	g_assert_cmpmem(only(c4)->u.id.data, 4, "\xc0\x00\x02\x01", 4);

	g_autoptr(GByteArray) fq =
	        hex("00 00 0013 02 000000 76706e2e6578616d706c65"); /* vpn.example */
	g_autoptr(GPtrArray) cf = chain_round_trip(IKE_PAYLOAD_IDR, fq);
	g_assert_cmpuint(only(cf)->type, ==, IKE_PAYLOAD_IDR);
	g_assert_cmpmem(only(cf)->u.id.data, only(cf)->u.id.data_len, "vpn.example", 11);

	g_autoptr(GByteArray) v6 = hex("00 00 0018 05 000000 20010db8000000000000000000000001");
	g_autoptr(GPtrArray) c6 = chain_round_trip(IKE_PAYLOAD_IDI, v6);
	g_assert_cmpuint(only(c6)->u.id.data_len, ==, 16);

	/* RFC822, DER DN, DER GN, KEY_ID, and an unknown type: bytes kept */
	const char *others[] = {
	        "00 00 0009 03 000000 61",   "00 00 000a 09 000000 3000",
	        "00 00 000a 0a 000000 8200", "00 00 000b 0b 010203 aabbcc",
	        "00 00 000a c8 000000 0102",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(others); i++) {
		g_autoptr(GByteArray) o = hex(others[i]);
		g_autoptr(GPtrArray) co = chain_round_trip(IKE_PAYLOAD_IDI, o);

		g_assert_cmpuint(only(co)->u.id.data_len, ==, o->len - 8);
	}

	/* §3.5: an IPv4 ID is exactly four octets */
	g_autoptr(GByteArray) bad = hex("00 00 000b 01 000000 c00002");
	chain_reject(IKE_PAYLOAD_IDI, bad, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "IDi payload at offset 0: ID type 1 needs 4 bytes");
	g_autoptr(GByteArray) bad6 = hex("00 00 000c 05 000000 c0000201");
	chain_reject(IKE_PAYLOAD_IDR, bad6, IKE_CODEC_ERROR_INVALID_SYNTAX, "needs 16 bytes");
}

static void
test_cert_certreq_auth(void)
{
	g_autoptr(GByteArray) cert = hex("00 00 0008 04 308201");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_CERT, cert);
	g_assert_cmpuint(only(c)->u.cert.encoding, ==, IKE_CERT_X509_SIGNATURE);
	g_assert_cmpuint(only(c)->u.cert.data_len, ==, 3);

	g_autoptr(GString) s = g_string_new("00 00 0019 04");
	hex_fill(s, 0x11, 20);
	g_autoptr(GByteArray) req = hex(s->str);
	g_autoptr(GPtrArray) cr = chain_round_trip(IKE_PAYLOAD_CERTREQ, req);
	g_assert_cmpuint(only(cr)->u.cert.data_len, ==, 20);

	g_autoptr(GByteArray) auth = hex("00 00 000a 02 000000 a1a2");
	g_autoptr(GPtrArray) ca = chain_round_trip(IKE_PAYLOAD_AUTH, auth);
	g_assert_cmpuint(only(ca)->u.auth.method, ==, IKE_AUTH_METHOD_SHARED_KEY_MIC);
	g_assert_cmpuint(only(ca)->u.auth.data_len, ==, 2);

	g_autoptr(GByteArray) bad = hex("00 00 0004");
	chain_reject(IKE_PAYLOAD_CERT, bad, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "CERT payload at offset 0: length 4 is shorter than its 5-byte fixed part");
	g_autoptr(GByteArray) bad2 = hex("00 00 0007 0e 000000");
	chain_reject(IKE_PAYLOAD_AUTH, bad2, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "AUTH payload at offset 0: length 7 is shorter than its 8-byte fixed part");
}

static void
test_nonce(void)
{
	for (gsize n = 0; n <= 300; n++) {
		g_autoptr(GString) s = g_string_new(NULL);
		g_autoptr(GByteArray) v = NULL;

		g_string_append_printf(s, "00 00 %04x", (guint) (n + 4));
		hex_fill(s, 0x42, n);
		v = hex(s->str);
		/* §3.9: 16 to 256 octets */
		if (n >= 16 && n <= 256) {
			g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_NONCE, v);
			g_assert_cmpuint(only(c)->u.nonce.data_len, ==, n);
		} else {
			chain_reject(IKE_PAYLOAD_NONCE, v, IKE_CODEC_ERROR_INVALID_SYNTAX,
			             "Nonce payload at offset 0");
		}
	}
}

static void
test_notify(void)
{
	/* ESP REKEY_SA with a 4-byte SPI and no data */
	g_autoptr(GByteArray) v = hex("00 00 000c 03 04 4009 c0ffee01");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_NOTIFY, v);
	IkePayload *p = only(c);
	g_assert_cmpuint(p->u.notify.protocol, ==, IKE_PROTO_ESP);
	g_assert_cmpuint(p->u.notify.type, ==, IKE_NOTIFY_REKEY_SA);
	g_assert_cmpmem(p->u.notify.spi, p->u.notify.spi_len, "\xc0\xff\xee\x01", 4);
	g_assert_cmpuint(p->u.notify.data_len, ==, 0);

	/* COOKIE with data, no SPI */
	g_autoptr(GByteArray) ck = hex("00 00 000c 00 00 4006 01020304");
	g_autoptr(GPtrArray) cc = chain_round_trip(IKE_PAYLOAD_NOTIFY, ck);
	g_assert_cmpuint(only(cc)->u.notify.type, ==, IKE_NOTIFY_COOKIE);
	g_assert_cmpuint(only(cc)->u.notify.data_len, ==, 4);

	g_autoptr(GByteArray) bad = hex("00 00 000a 03 04 4009 c0ff");
	chain_reject(IKE_PAYLOAD_NOTIFY, bad, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "Notify payload at offset 0: SPI size 4 overruns the 2 bytes left");
}

static void
test_delete(void)
{
	g_autoptr(GByteArray) v = hex("00 00 0010 03 04 0002 11111111 22222222");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_DELETE, v);
	IkePayload *p = only(c);
	g_assert_cmpuint(p->u.del.protocol, ==, IKE_PROTO_ESP);
	g_assert_cmpuint(p->u.del.num_spis, ==, 2);
	g_assert_cmpmem(p->u.del.spis + 4, 4, "\x22\x22\x22\x22", 4);

	g_autoptr(GByteArray) ike = hex("00 00 0008 01 00 0000");
	g_autoptr(GPtrArray) ci = chain_round_trip(IKE_PAYLOAD_DELETE, ike);
	g_assert_cmpuint(only(ci)->u.del.protocol, ==, IKE_PROTO_IKE);

	/* §3.11: count and size must fill the payload; IKE has SPI size 0 */
	g_autoptr(GByteArray) b1 = hex("00 00 000c 03 04 0002 11111111");
	chain_reject(IKE_PAYLOAD_DELETE, b1, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "2 SPIs of 4 bytes do not fill the 4 bytes left");
	g_autoptr(GByteArray) b2 = hex("00 00 0010 01 08 0001 1111111111111111");
	chain_reject(IKE_PAYLOAD_DELETE, b2, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "SPI size 8 is invalid for protocol 1");
	g_autoptr(GByteArray) b3 = hex("00 00 000c 03 04 0000 11111111");
	chain_reject(IKE_PAYLOAD_DELETE, b3, IKE_CODEC_ERROR_INVALID_SYNTAX, "0 SPIs");
}

static void
test_vendor(void)
{
	g_autoptr(GByteArray) v = hex("00 00 0008 deadbeef");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_VENDOR, v);
	g_assert_cmpmem(only(c)->u.vendor.data, only(c)->u.vendor.data_len, "\xde\xad\xbe\xef", 4);
	g_autoptr(GByteArray) e = hex("00 00 0004");
	g_autoptr(GPtrArray) ce = chain_round_trip(IKE_PAYLOAD_VENDOR, e);
	g_assert_cmpuint(only(ce)->u.vendor.data_len, ==, 0);
}

#define TS_VECTOR                                                                                  \
	"00 00 0048 03 000000"                                                                     \
	"07 06 0010 0050 0050 c0000200 c00002ff"                                                   \
	"08 00 0028 0000 ffff 20010db8000000000000000000000000"                                    \
	"20010db8ffffffffffffffffffffffff"                                                         \
	"0a 00 0008 01020304"

static void
test_ts(void)
{
	g_autoptr(GByteArray) v = hex(TS_VECTOR);
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_TSI, v);
	IkePayload *p = only(c);
	const IkeTrafficSelector *ts;

	g_assert_cmpuint(p->u.ts.selectors->len, ==, 3);
	ts = &g_array_index(p->u.ts.selectors, IkeTrafficSelector, 0);
	g_assert_cmpuint(ts->type, ==, IKE_TS_IPV4_ADDR_RANGE);
	g_assert_cmpuint(ts->ip_protocol, ==, 6);
	g_assert_cmpuint(ts->start_port, ==, 80);
	g_assert_cmpuint(ts->end_port, ==, 80);
	g_assert_cmpmem(ts->start_addr, 4, "\xc0\x00\x02\x00", 4);
	g_assert_cmpmem(ts->end_addr, 4, "\xc0\x00\x02\xff", 4);
	ts = &g_array_index(p->u.ts.selectors, IkeTrafficSelector, 1);
	g_assert_cmpuint(ts->type, ==, IKE_TS_IPV6_ADDR_RANGE);
	g_assert_cmpuint(ts->end_port, ==, 65535);
	g_assert_cmpuint(ts->end_addr[15], ==, 0xff);
	/* unknown TS type (TS_SECLABEL here) kept as raw bytes */
	ts = &g_array_index(p->u.ts.selectors, IkeTrafficSelector, 2);
	g_assert_cmpuint(ts->type, ==, IKE_TS_SECLABEL);
	g_assert_cmpmem(ts->raw, ts->raw_len, "\x01\x02\x03\x04", 4);
}

static void
test_ts_rejects(void)
{
	struct {
		gsize at;
		guint8 value;
		const char *needle;
	} cases[] = {
	        /* Number of TSs */
	        {4, 0, "TSi payload at offset 0: Number of TSs is 0"},
	        {4, 2, "2 selectors (Number of TSs disagrees"},
	        {4, 4, "selector 4 at offset 72: 0 bytes left"},
	        /* selector lengths: fixed per address type (§3.13.1) */
	        {11, 0x0f, "selector 1 at offset 8: length 15 does not match the 16-byte size"},
	        {11, 0x11, "selector 1 at offset 8: length 17 does not match"},
	        {11, 0x00, "selector 1 at offset 8: length 0"},
	        {27, 0x27, "selector 2 at offset 24: length 39"},
	        {67, 0x03, "selector 3 at offset 64: length 3 does not match the 4-byte size"},
	        {67, 0x09, "selector 3 at offset 64: length 9 overruns the 8 bytes left"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) v = hex(TS_VECTOR);

		v->data[cases[i].at] = cases[i].value;
		chain_reject(IKE_PAYLOAD_TSI, v, IKE_CODEC_ERROR_INVALID_SYNTAX, cases[i].needle);
	}
}

static void
test_ts_build(void)
{
	g_autoptr(GByteArray) v = hex(TS_VECTOR);
	g_autoptr(GPtrArray) chain = ike_payload_chain_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	IkePayload *ts = ike_payload_new_ts(IKE_PAYLOAD_TSI);
	guint8 s6[16] = {0x20, 0x01, 0x0d, 0xb8};
	guint8 e6[16] = {0x20, 0x01, 0x0d, 0xb8};
	IkeTrafficSelector raw = {.type = IKE_TS_SECLABEL};

	memset(e6 + 4, 0xff, 12);
	ike_ts_payload_add_range(ts, 6, 80, 80, (const guint8 *) "\xc0\x00\x02\x00",
	                         (const guint8 *) "\xc0\x00\x02\xff", 4);
	ike_ts_payload_add_range(ts, 0, 0, 65535, s6, e6, 16);
	raw.raw = ike_payload_dup_data(ts, (const guint8 *) "\x01\x02\x03\x04", 4);
	raw.raw_len = 4;
	g_array_append_val(ts->u.ts.selectors, raw);
	g_ptr_array_add(chain, ts);
	g_assert_true(ike_payload_chain_encode(chain, out, NULL, &error));
	g_assert_no_error(error);
	assert_bytes(out->data, out->len, v->data, v->len);
}

static void
test_sk_skf(void)
{
	/* SK: Next Payload names the first inner payload (IDi), §3.14 */
	g_autoptr(GByteArray) v =
	        hex("0000000000000001 0000000000000002 2e 20 23 08 00000001 00000028"
	            "23 00 000c 0102030405060708");
	g_autoptr(IkeMessage) msg = NULL;
	IkePayload *p;

	assert_round_trip(v);
	msg = parse_ok(v);
	p = g_ptr_array_index(msg->payloads, 0);
	g_assert_cmpuint(p->type, ==, IKE_PAYLOAD_SK);
	g_assert_cmpuint(p->u.sk.inner_type, ==, IKE_PAYLOAD_IDI);
	g_assert_cmpmem(p->u.sk.data, p->u.sk.data_len, v->data + 32, 8);

	/* an inner (decrypted) chain may not hold another SK (no nesting) */
	g_autoptr(GByteArray) inner = hex("00 00 0008 01020304");
	chain_reject(IKE_PAYLOAD_SK, inner, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "SK payload at offset 0: an encrypted payload may not appear inside");
}

static void
test_cp(void)
{
	/* CFG_REPLY: INTERNAL_IP4_ADDRESS 10.0.0.2, INTERNAL_IP4_DNS empty,
	 * R bit set on an attribute */
	g_autoptr(GByteArray) v = hex("00 00 0014 02 000000 0001 0004 0a000002 8003 0000");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_CP, v);
	IkePayload *p = only(c);
	const IkeCpAttr *a;

	g_assert_cmpuint(p->u.cp.cfg_type, ==, IKE_CFG_REPLY);
	g_assert_cmpuint(p->u.cp.attrs->len, ==, 2);
	a = &g_array_index(p->u.cp.attrs, IkeCpAttr, 0);
	g_assert_cmpuint(a->type, ==, IKE_CP_INTERNAL_IP4_ADDRESS);
	g_assert_cmpmem(a->value, a->value_len, "\x0a\x00\x00\x02", 4);
	a = &g_array_index(p->u.cp.attrs, IkeCpAttr, 1);
	g_assert_true(a->reserved_bit);
	g_assert_cmpuint(a->type, ==, IKE_CP_INTERNAL_IP4_DNS);

	g_autoptr(GByteArray) b1 = hex("00 00 0010 02 000000 0001 0005 0a000002");
	chain_reject(
	        IKE_PAYLOAD_CP, b1, IKE_CODEC_ERROR_INVALID_SYNTAX,
	        "CP payload at offset 0: attribute 1 at offset 8: length 5 overruns the 4 bytes");
	g_autoptr(GByteArray) b2 = hex("00 00 000a 02 000000 0001");
	chain_reject(IKE_PAYLOAD_CP, b2, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "attribute 1 at offset 8: 2 bytes left");

	/* builder gives the same bytes for an equivalent payload */
	g_autoptr(GPtrArray) chain = ike_payload_chain_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	IkePayload *cp = ike_payload_new_cp(IKE_CFG_REPLY);
	ike_cp_payload_add_attr(cp, IKE_CP_INTERNAL_IP4_ADDRESS,
	                        (const guint8 *) "\x0a\x00\x00\x02", 4);
	ike_cp_payload_add_attr(cp, IKE_CP_INTERNAL_IP4_DNS, NULL, 0);
	g_array_index(cp->u.cp.attrs, IkeCpAttr, 1).reserved_bit = TRUE;
	g_ptr_array_add(chain, cp);
	g_assert_true(ike_payload_chain_encode(chain, out, NULL, &error));
	assert_bytes(out->data, out->len, v->data, v->len);
}

static void
test_eap(void)
{
	/* Request, id 5, Identity, no type data */
	g_autoptr(GByteArray) v = hex("00 00 0009 01 05 0005 01");
	g_autoptr(GPtrArray) c = chain_round_trip(IKE_PAYLOAD_EAP, v);
	IkePayload *p = only(c);
	g_assert_cmpuint(p->u.eap.code, ==, IKE_EAP_CODE_REQUEST);
	g_assert_cmpuint(p->u.eap.identifier, ==, 5);
	g_assert_true(p->u.eap.has_type);
	g_assert_cmpuint(p->u.eap.eap_type, ==, IKE_EAP_TYPE_IDENTITY);

	/* Response with type data */
	g_autoptr(GByteArray) r = hex("00 00 000c 02 05 0008 01 616263");
	g_autoptr(GPtrArray) cr = chain_round_trip(IKE_PAYLOAD_EAP, r);
	g_assert_cmpmem(only(cr)->u.eap.type_data, only(cr)->u.eap.type_data_len, "abc", 3);

	/* Success: no type */
	g_autoptr(GByteArray) s = hex("00 00 0008 03 06 0004");
	g_autoptr(GPtrArray) cs = chain_round_trip(IKE_PAYLOAD_EAP, s);
	g_assert_false(only(cs)->u.eap.has_type);

	/* §3.16: EAP Length must match the payload */
	g_autoptr(GByteArray) b1 = hex("00 00 0009 01 05 0006 01");
	chain_reject(IKE_PAYLOAD_EAP, b1, IKE_CODEC_ERROR_INVALID_SYNTAX,
	             "EAP payload at offset 0: EAP length 6 does not match the 5 bytes");
	g_autoptr(GByteArray) b2 = hex("00 00 0008 01 05 0004");
	chain_reject(IKE_PAYLOAD_EAP, b2, IKE_CODEC_ERROR_INVALID_SYNTAX, "needs a Type byte");

	/* builder */
	g_autoptr(GPtrArray) chain = ike_payload_chain_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_ptr_array_add(chain, ike_payload_new_eap(IKE_EAP_CODE_RESPONSE, 5, IKE_EAP_TYPE_IDENTITY,
	                                           (const guint8 *) "abc", 3));
	g_assert_true(ike_payload_chain_encode(chain, out, NULL, &error));
	assert_bytes(out->data, out->len, r->data, r->len);
}

/* Builders for the simple families encode to the hand vectors above. */
static void
test_simple_builders(void)
{
	struct {
		IkePayload *p;
		const char *want;
	} cases[] = {
	        {ike_payload_new_ke(IKE_KE_ECP_256, (const guint8 *) "\x01\x02\x03\x04", 4),
	         "00 00 000c 0013 0000 01020304"},
	        {ike_payload_new_id(IKE_PAYLOAD_IDI, IKE_ID_IPV4_ADDR,
	                            (const guint8 *) "\xc0\x00\x02\x01", 4),
	         "00 00 000c 01 000000 c0000201"},
	        {ike_payload_new_cert(IKE_PAYLOAD_CERT, IKE_CERT_X509_SIGNATURE,
	                              (const guint8 *) "\x30\x82\x01", 3),
	         "00 00 0008 04 308201"},
	        {ike_payload_new_auth(IKE_AUTH_METHOD_SHARED_KEY_MIC, (const guint8 *) "\xa1\xa2",
	                              2),
	         "00 00 000a 02 000000 a1a2"},
	        {ike_payload_new_notify(IKE_PROTO_ESP, IKE_NOTIFY_REKEY_SA,
	                                (const guint8 *) "\xc0\xff\xee\x01", 4, NULL, 0),
	         "00 00 000c 03 04 4009 c0ffee01"},
	        {ike_payload_new_delete(IKE_PROTO_ESP, 4, 2,
	                                (const guint8 *) "\x11\x11\x11\x11\x22\x22\x22\x22"),
	         "00 00 0010 03 04 0002 11111111 22222222"},
	        {ike_payload_new_vendor((const guint8 *) "\xde\xad\xbe\xef", 4),
	         "00 00 0008 deadbeef"},
	        {ike_payload_new_sk(IKE_PAYLOAD_IDI,
	                            (const guint8 *) "\x01\x02\x03\x04\x05\x06\x07\x08", 8),
	         "23 00 000c 0102030405060708"},
	        {ike_payload_new_skf(IKE_PAYLOAD_IDI, 1, 2, (const guint8 *) "\x01\x02", 2),
	         "23 00 000a 0001 0002 0102"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(IkeMessage) msg = ike_message_new(IKE_EXCHANGE_INFORMATIONAL, 0, 1, 2, 3);
		g_autoptr(GByteArray) want = hex(cases[i].want);
		g_autoptr(GByteArray) out = NULL;
		g_autoptr(GError) error = NULL;

		/* through a whole message, so SK/SKF may be last outer payloads */
		ike_message_add_payload(msg, cases[i].p);
		out = ike_message_encode(msg, &error);
		g_assert_no_error(error);
		assert_bytes(out->data + IKE_HEADER_LEN, out->len - IKE_HEADER_LEN, want->data,
		             want->len);
	}
}

static void
test_skf(void)
{
	g_autoptr(IkeMessage) msg = NULL;
	g_autoptr(GByteArray) v =
	        hex("0000000000000001 0000000000000002 35 20 23 08 00000001 00000026"
	            "23 00 000a 0001 0002 0102");
	IkePayload *p;

	assert_round_trip(v);
	msg = parse_ok(v);
	p = g_ptr_array_index(msg->payloads, 0);
	g_assert_cmpuint(p->type, ==, IKE_PAYLOAD_SKF);
	g_assert_cmpuint(p->u.skf.inner_type, ==, IKE_PAYLOAD_IDI);
	g_assert_cmpuint(p->u.skf.fragment_number, ==, 1);
	g_assert_cmpuint(p->u.skf.total_fragments, ==, 2);
	/* RFC 7383 §2.5: 1 <= Fragment Number <= Total Fragments */
	v->data[33] = 3;
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(IkeMessage) bad = ike_message_parse(v->data, v->len, &error);

		g_assert_null(bad);
		g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX);
		g_assert_nonnull(
		        strstr(error->message, "SKF payload at offset 28: fragment number 3"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/payload/ke", test_ke);
	g_test_add_func("/ike/payload/id", test_id);
	g_test_add_func("/ike/payload/cert-certreq-auth", test_cert_certreq_auth);
	g_test_add_func("/ike/payload/nonce", test_nonce);
	g_test_add_func("/ike/payload/notify", test_notify);
	g_test_add_func("/ike/payload/delete", test_delete);
	g_test_add_func("/ike/payload/vendor", test_vendor);
	g_test_add_func("/ike/payload/ts", test_ts);
	g_test_add_func("/ike/payload/ts-rejects", test_ts_rejects);
	g_test_add_func("/ike/payload/ts-build", test_ts_build);
	g_test_add_func("/ike/payload/sk", test_sk_skf);
	g_test_add_func("/ike/payload/skf", test_skf);
	g_test_add_func("/ike/payload/cp", test_cp);
	g_test_add_func("/ike/payload/eap", test_eap);
	g_test_add_func("/ike/payload/simple-builders", test_simple_builders);
	return g_test_run();
}
