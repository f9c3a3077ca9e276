/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proves service/ike/format.c and the per-payload formatters. */
#include "ike-test-util.h"

#ifdef HAVE_JSON_GLIB
#include <json-glib/json-glib.h>
#endif

static void
test_text_sa_init(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(IkeMessage) msg = parse_ok(v);
	g_autofree char *text = ike_message_to_text(msg);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	g_assert_cmpuint(g_strv_length(lines), ==, 8); /* header, 6 payloads, "" */
	g_assert_cmpstr(lines[0], ==,
	                "IKE_SA_INIT request msgid=0 spi_i=0102030405060708 spi_r=0000000000000000 "
	                "flags=I version=2.0 len=228");
	g_assert_cmpstr(lines[1], ==,
	                "SA: proposal 1 IKE: ENCR_AES_GCM_16 keylen=256, PRF_HMAC_SHA2_256, "
	                "KE=CURVE25519, KE=MODP_2048");
	g_assert_cmpstr(lines[2], ==, "KE: group=CURVE25519(31) len=32");
	g_assert_cmpstr(lines[3], ==, "Nonce: len=32");
	g_assert_cmpstr(lines[4], ==, "Notify: NAT_DETECTION_SOURCE_IP len=20");
	g_assert_cmpstr(lines[5], ==, "Notify: NAT_DETECTION_DESTINATION_IP len=20");
	g_assert_cmpstr(lines[6], ==, "VendorID: len=16 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	g_assert_cmpstr(lines[7], ==, "");
}

static void
test_text_payloads(void)
{
	const struct {
		guint8 first;
		const char *bytes;
		const char *want;
	} cases[] = {
	        {IKE_PAYLOAD_IDI, "00 00 000c 01 000000 c0000201", "IDi: ID_IPV4_ADDR 192.0.2.1"},
	        {IKE_PAYLOAD_IDR, "00 00 0013 02 000000 76706e2e6578616d706c65",
	         "IDr: ID_FQDN vpn.example"},
	        {IKE_PAYLOAD_IDI, "00 00 0018 05 000000 20010db8000000000000000000000001",
	         "IDi: ID_IPV6_ADDR 2001:db8::1"},
	        {IKE_PAYLOAD_IDI, "00 00 000a 09 000000 3000", "IDi: ID_DER_ASN1_DN len=2"},
	        {IKE_PAYLOAD_AUTH, "00 00 000a 02 000000 a1a2", "AUTH: SHARED_KEY_MIC len=2"},
	        {IKE_PAYLOAD_NOTIFY, "00 00 000c 03 04 4009 c0ffee01",
	         "Notify: REKEY_SA proto=ESP spi=0xc0ffee01 len=0"},
	        {IKE_PAYLOAD_NOTIFY, "00 00 0008 00 00 9999", "Notify: UNKNOWN(39321) len=0"},
	        {IKE_PAYLOAD_DELETE, "00 00 0010 03 04 0002 11111111 22222222",
	         "Delete: ESP spi=0x11111111,0x22222222"},
	        {IKE_PAYLOAD_TSI, "00 00 0018 01 000000 07 06 0010 0050 0050 c0000200 c00002ff",
	         "TSi: 192.0.2.0-192.0.2.255 proto=6 ports=80-80"},
	        {IKE_PAYLOAD_CP, "00 00 0014 02 000000 0001 0004 0a000002 0003 0000",
	         "CP: CFG_REPLY INTERNAL_IP4_ADDRESS=10.0.0.2, INTERNAL_IP4_DNS"},
	        {IKE_PAYLOAD_EAP, "00 00 000c 02 05 0008 01 616263",
	         "EAP: Response id=5 type=Identity len=3"},
	        {IKE_PAYLOAD_CERTREQ, "00 00 0019 04 1111111111111111111111111111111111111111",
	         "CERTREQ: X509_SIGNATURE ca_hashes=1"},
	        {200, "00 00 0006 0102", "UNKNOWN(200): not understood, skipped, len=2"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) v = hex(cases[i].bytes);
		g_autoptr(GPtrArray) c = chain_round_trip(cases[i].first, v);
		g_autofree char *text = ike_payload_to_text(g_ptr_array_index(c, 0));

		g_assert_cmpstr(text, ==, cases[i].want);
	}
}

static void
test_json_escape(void)
{
	g_autoptr(GString) s = g_string_new(NULL);

	ike_json_append_string(s, "a\"b\\c\n\x01\xc3", -1);
	g_assert_cmpstr(s->str, ==, "\"a\\\"b\\\\c\\n\\u0001\\u00c3\"");
}

#ifdef HAVE_JSON_GLIB
static JsonNode *
parse_json(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	if (!json_parser_load_from_data(parser, text, -1, &error))
		g_error("invalid JSON (%s): %s", error->message, text);
	return json_node_copy(json_parser_get_root(parser));
}
#endif

static void
test_json_message(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(IkeMessage) msg = parse_ok(v);
	g_autofree char *json = ike_message_to_json(msg);

	g_assert_true(g_str_has_prefix(json, "{\"header\":{"));
	g_assert_nonnull(strstr(json, "\"type\":\"SA\""));
	g_assert_nonnull(strstr(json, "\"id\":\"ENCR_AES_GCM_16\""));
#ifdef HAVE_JSON_GLIB
	{
		g_autoptr(JsonNode) root = parse_json(json);
		JsonObject *o = json_node_get_object(root);
		JsonObject *hdr = json_object_get_object_member(o, "header");
		JsonArray *pl = json_object_get_array_member(o, "payloads");
		JsonObject *sa, *prop, *t0;

		g_assert_cmpstr(json_object_get_string_member(hdr, "exchange"), ==, "IKE_SA_INIT");
		g_assert_cmpstr(json_object_get_string_member(hdr, "spi_i"), ==,
		                "0102030405060708");
		g_assert_cmpint(json_object_get_int_member(hdr, "length"), ==, 228);
		g_assert_true(json_object_get_boolean_member(hdr, "initiator"));
		g_assert_cmpuint(json_array_get_length(pl), ==, 6);
		sa = json_array_get_object_element(pl, 0);
		g_assert_cmpstr(json_object_get_string_member(sa, "type"), ==, "SA");
		g_assert_cmpint(json_object_get_int_member(sa, "offset"), ==, 28);
		prop = json_array_get_object_element(json_object_get_array_member(sa, "proposals"),
		                                     0);
		g_assert_cmpstr(json_object_get_string_member(prop, "protocol"), ==, "IKE");
		t0 = json_array_get_object_element(json_object_get_array_member(prop, "transforms"),
		                                   0);
		g_assert_cmpstr(json_object_get_string_member(t0, "type"), ==, "ENCR");
		g_assert_cmpint(json_object_get_int_member(t0, "key_length"), ==, 256);
		g_assert_cmpstr(
		        json_object_get_string_member(json_array_get_object_element(pl, 1), "type"),
		        ==, "KE");
		g_assert_cmpstr(
		        json_object_get_string_member(json_array_get_object_element(pl, 2), "type"),
		        ==, "Nonce");
		g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(pl, 3),
		                                              "notify_type"),
		                ==, "NAT_DETECTION_SOURCE_IP");
	}
#endif
}

/* Every payload family renders valid JSON, inner chains included. */
static void
test_json_all_families(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GByteArray) plain = NULL;
	g_autoptr(GPtrArray) inner = NULL;
	g_autoptr(IkeMessage) msg = NULL;
	g_autoptr(GByteArray) wire = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autofree char *text = NULL;

	g_string_append(s, "27 00 000c 01 000000 c0000201");            /* IDi -> AUTH */
	g_string_append(s, "25 00 000a 02 000000 a1a2");                /* AUTH -> CERT */
	g_string_append(s, "26 00 0008 04 308201");                     /* CERT -> CERTREQ */
	g_string_append(s, "2f 00 0005 04");                            /* CERTREQ -> CP */
	g_string_append(s, "30 00 0010 01 000000 0001 0000 0019 0000"); /* CP -> EAP */
	g_string_append(s, "2a 00 000c 02 05 0008 01 22 5c 0a");        /* EAP -> Delete */
	g_string_append(s, "2c 00 000c 03 04 0001 11111111");           /* Delete -> TSi */
	g_string_append(s, "2d 00 0030 01 000000 08 00 0028 0000 ffff"
	                   "00000000000000000000000000000000 ffffffffffffffffffffffffffffffff");
	g_string_append(s, "28 00 0010 01 000000 0a 00 0008 01020304");    /* TSr -> Nonce */
	g_string_append(s, "2b 00 0014 00112233445566778899aabbccddeeff"); /* Nonce -> V */
	g_string_append(s, "00 00 0006 2201");                             /* V */
	plain = hex(s->str);
	inner = ike_payload_chain_parse(IKE_PAYLOAD_IDI, plain->data, plain->len, 32, &error);
	g_assert_no_error(error);
	msg = ike_message_new(IKE_EXCHANGE_IKE_AUTH, IKE_FLAG_INITIATOR, 1, 2, 1);
	ike_message_add_payload(msg, ike_payload_new_sk(IKE_PAYLOAD_IDI, plain->data, plain->len));
	wire = ike_message_encode(msg, &error);
	g_assert_no_error(error);
	g_clear_pointer(&msg, ike_message_free);
	msg = parse_ok(wire);
	ike_message_set_inner(msg, g_steal_pointer(&inner), NULL);
	json = ike_message_to_json(msg);
	text = ike_message_to_text(msg);
	g_assert_nonnull(strstr(text, "SK: inner=IDi len="));
	g_assert_nonnull(strstr(text, "\n  TSi: ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	g_assert_nonnull(strstr(text, "\n  EAP: Response id=5 type=Identity len=3\n"));
#ifdef HAVE_JSON_GLIB
	{
		g_autoptr(JsonNode) root = parse_json(json);
		JsonArray *outer =
		        json_object_get_array_member(json_node_get_object(root), "payloads");
		JsonObject *sk = json_array_get_object_element(outer, 0);
		JsonArray *in = json_object_get_array_member(sk, "payloads");
		const char *want[] = {"IDi",    "AUTH", "CERT", "CERTREQ", "CP",      "EAP",
		                      "Delete", "TSi",  "TSr",  "Nonce",   "VendorID"};

		g_assert_cmpstr(json_object_get_string_member(sk, "type"), ==, "SK");
		g_assert_cmpuint(json_array_get_length(in), ==, G_N_ELEMENTS(want));
		for (guint i = 0; i < G_N_ELEMENTS(want); i++)
			g_assert_cmpstr(json_object_get_string_member(
			                        json_array_get_object_element(in, i), "type"),
			                ==, want[i]);
		g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(in, 0),
		                                              "value"),
		                ==, "192.0.2.1");
	}
#endif
	/* no secrets: neither AUTH data nor EAP type data is printed */
	g_assert_null(strstr(json, "a1a2"));
	g_assert_null(strstr(json, "225c0a"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/format/text-sa-init", test_text_sa_init);
	g_test_add_func("/ike/format/text-payloads", test_text_payloads);
	g_test_add_func("/ike/format/json-escape", test_json_escape);
	g_test_add_func("/ike/format/json-message", test_json_message);
	g_test_add_func("/ike/format/json-all-families", test_json_all_families);
	return g_test_run();
}
