/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proves service/ike/header.c and message.c: the header, the payload walk,
 * the critical bit, round trips, and that every truncation and every bad
 * length is rejected with an error that names the payload and its offset.
 */
#include "ike-test-util.h"

/* Payload offsets of the reference IKE_SA_INIT request (ike-test-util.h). */
static const struct {
	gsize offset;
	guint8 type;
	const char *name;
	gsize fixed;
} sa_init_layout[] = {
        {28, IKE_PAYLOAD_SA, "SA", 12},         {76, IKE_PAYLOAD_KE, "KE", 8},
        {116, IKE_PAYLOAD_NONCE, "Nonce", 20},  {152, IKE_PAYLOAD_NOTIFY, "Notify", 8},
        {180, IKE_PAYLOAD_NOTIFY, "Notify", 8}, {208, IKE_PAYLOAD_VENDOR, "VendorID", 4},
};

static void
set16(GByteArray *v, gsize at, guint16 value)
{
	v->data[at] = (guint8) (value >> 8);
	v->data[at + 1] = (guint8) value;
}

static void
set32(GByteArray *v, gsize at, guint32 value)
{
	set16(v, at, (guint16) (value >> 16));
	set16(v, at + 2, (guint16) value);
}

/* Parses @len bytes of @data from an exact-size copy (so ASan sees any
 * overread) and expects failure; returns the error. */
static GError *
parse_fail(const guint8 *data, gsize len)
{
	g_autofree guint8 *copy = g_memdup2(data, len);
	GError *error = NULL;
	g_autoptr(IkeMessage) msg = ike_message_parse(copy, len, &error);

	g_assert_null(msg);
	g_assert_nonnull(error);
	g_assert_true(error->domain == IKE_CODEC_ERROR);
	return error;
}

static void
assert_msg_contains(const GError *error, const char *needle)
{
	if (strstr(error->message, needle) == NULL)
		g_error("error \"%s\" lacks \"%s\"", error->message, needle);
}

static void
test_decode_sa_init(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(IkeMessage) msg = parse_ok(v);
	const IkeHeader *h = &msg->header;
	IkePayload *p;

	g_assert_cmpuint(v->len, ==, SA_INIT_LEN);
	g_assert_cmphex(h->spi_i, ==, G_GUINT64_CONSTANT(0x0102030405060708));
	g_assert_cmphex(h->spi_r, ==, 0);
	g_assert_cmpuint(h->next_payload, ==, IKE_PAYLOAD_SA);
	g_assert_cmpuint(h->major_version, ==, 2);
	g_assert_cmpuint(h->minor_version, ==, 0);
	g_assert_cmpuint(h->exchange_type, ==, IKE_EXCHANGE_IKE_SA_INIT);
	g_assert_cmphex(h->flags, ==, IKE_FLAG_INITIATOR);
	g_assert_cmpuint(h->message_id, ==, 0);
	g_assert_cmpuint(h->length, ==, SA_INIT_LEN);
	g_assert_cmpuint(msg->payloads->len, ==, G_N_ELEMENTS(sa_init_layout));
	for (gsize i = 0; i < G_N_ELEMENTS(sa_init_layout); i++) {
		p = g_ptr_array_index(msg->payloads, i);
		g_assert_cmpuint(p->type, ==, sa_init_layout[i].type);
		g_assert_cmpuint(p->offset, ==, sa_init_layout[i].offset);
		g_assert_true(p->known);
		g_assert_false(p->critical);
	}
	p = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	g_assert_cmpuint(p->u.ke.group, ==, IKE_KE_CURVE25519);
	g_assert_cmpuint(p->u.ke.data_len, ==, 32);
	g_assert_true(p->u.ke.data == v->data + 84); /* borrowed, not copied */
	p = ike_message_get_notify(msg, IKE_NOTIFY_NAT_DETECTION_DESTINATION_IP);
	g_assert_nonnull(p);
	g_assert_cmpuint(p->offset, ==, 180);
	g_assert_null(ike_message_get_notify(msg, IKE_NOTIFY_COOKIE));
	g_assert_cmpuint(ike_message_count_payloads(msg, IKE_PAYLOAD_NOTIFY), ==, 2);
	g_assert_true(ike_message_check_rules(msg, NULL));
}

static void
test_round_trip_sa_init(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();

	assert_round_trip(v);
}

/* Building the same message from structs gives the same bytes; lengths and
 * Next Payload values are computed by the encoder. */
static void
test_build_sa_init(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(IkeMessage) msg = ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_INITIATOR,
	                                            G_GUINT64_CONSTANT(0x0102030405060708), 0, 0);
	g_autoptr(GByteArray) out = NULL;
	g_autoptr(IkeMessage) back = NULL;
	g_autoptr(GError) error = NULL;
	guint8 fill[32];
	IkePayload *sa = ike_payload_new(IKE_PAYLOAD_SA);
	IkeProposal *prop = ike_sa_payload_add_proposal(sa, IKE_PROTO_IKE, NULL, 0);

	ike_proposal_add_transform(prop, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_256, -1);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_KE, IKE_KE_CURVE25519, -1);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_KE, IKE_KE_MODP_2048, -1);
	ike_message_add_payload(msg, sa);
	memset(fill, 0xaa, sizeof(fill));
	ike_message_add_payload(msg, ike_payload_new_ke(IKE_KE_CURVE25519, fill, 32));
	memset(fill, 0xbb, sizeof(fill));
	ike_message_add_payload(msg, ike_payload_new_nonce(fill, 32));
	memset(fill, 0xcc, sizeof(fill));
	ike_message_add_payload(msg, ike_payload_new_notify(0, IKE_NOTIFY_NAT_DETECTION_SOURCE_IP,
	                                                    NULL, 0, fill, 20));
	memset(fill, 0xdd, sizeof(fill));
	ike_message_add_payload(msg,
	                        ike_payload_new_notify(0, IKE_NOTIFY_NAT_DETECTION_DESTINATION_IP,
	                                               NULL, 0, fill, 20));
	memset(fill, 0xee, sizeof(fill));
	ike_message_add_payload(msg, ike_payload_new_vendor(fill, 16));
	/* the builder owns copies: scribbling on the source changes nothing */
	memset(fill, 0, sizeof(fill));
	out = ike_message_encode(msg, &error);
	g_assert_no_error(error);
	assert_bytes(out->data, out->len, v->data, v->len);

	/* build -> parse gives the same structs back */
	back = ike_message_parse(out->data, out->len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->payloads->len, ==, msg->payloads->len);
	for (guint i = 0; i < back->payloads->len; i++) {
		IkePayload *a = g_ptr_array_index(msg->payloads, i);
		IkePayload *b = g_ptr_array_index(back->payloads, i);

		g_assert_cmpuint(a->type, ==, b->type);
		g_assert_cmpuint(a->critical, ==, b->critical);
	}
	g_assert_cmpuint(ike_message_get_payload(back, IKE_PAYLOAD_KE)->u.ke.group, ==,
	                 IKE_KE_CURVE25519);
	g_assert_cmpint(
	        ike_transform_get_key_length(&g_array_index(
	                ((IkeProposal *) g_ptr_array_index(
	                         ike_message_get_payload(back, IKE_PAYLOAD_SA)->u.sa.proposals, 0))
	                        ->transforms,
	                IkeTransform, 0)),
	        ==, 256);
}

/* Every truncation is an error, both with the original header length (header
 * check) and with the header length patched to the truncated size (payload
 * walk check). */
static void
test_truncations(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();

	for (gsize len = 0; len < v->len; len++) {
		g_autoptr(GError) e1 = parse_fail(v->data, len);
		g_autoptr(GByteArray) patched = g_byte_array_new();
		g_autoptr(GError) e2 = NULL;

		g_assert_cmpint(e1->code, ==, IKE_CODEC_ERROR_INVALID_SYNTAX);
		g_byte_array_append(patched, v->data, (guint) len);
		if (len >= IKE_HEADER_LEN)
			set32(patched, 24, (guint32) len);
		e2 = parse_fail(patched->data, patched->len);
		g_assert_cmpint(e2->code, ==, IKE_CODEC_ERROR_INVALID_SYNTAX);
		if (len > IKE_HEADER_LEN)
			assert_msg_contains(e2, "payload at offset");
	}
}

static void
test_header_length(void)
{
	const guint32 values[] = {0, 27, 28, SA_INIT_LEN - 1, SA_INIT_LEN + 1, G_MAXUINT32};

	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autoptr(GByteArray) v = sa_init_request_bytes();
		g_autoptr(GError) e = NULL;

		set32(v, 24, values[i]);
		e = parse_fail(v->data, v->len);
		g_assert_cmpint(e->code, ==, IKE_CODEC_ERROR_INVALID_SYNTAX);
		assert_msg_contains(e, "IKE header at offset 0: length");
	}
	/* a datagram shorter than the header */
	{
		g_autoptr(GError) e = parse_fail((const guint8 *) "\x01\x02", 2);

		assert_msg_contains(e, "shorter than the 28-byte header");
	}
}

static void
test_version(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e3 = NULL;

	/* §3.1: major version must be 2, else INVALID_MAJOR_VERSION */
	v->data[17] = 0x10;
	e1 = parse_fail(v->data, v->len);
	g_assert_error(e1, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_MAJOR_VERSION);
	v->data[17] = 0x30;
	e3 = parse_fail(v->data, v->len);
	g_assert_error(e3, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_MAJOR_VERSION);
	/* a higher minor version is accepted and kept */
	v->data[17] = 0x21;
	assert_round_trip(v);
	{
		g_autoptr(IkeMessage) msg = parse_ok(v);
		IkeHeader peek;

		g_assert_cmpuint(msg->header.minor_version, ==, 1);
		/* peek reads without judging */
		v->data[17] = 0x10;
		g_assert_true(ike_header_peek(v->data, v->len, &peek, NULL));
		g_assert_cmpuint(peek.major_version, ==, 1);
	}
}

/* Corrupts each payload length to too small, zero and too large: rejected,
 * and the error names that payload and its offset. */
static void
test_payload_lengths(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(sa_init_layout); i++) {
		gsize at = sa_init_layout[i].offset;
		g_autofree char *needle = g_strdup_printf(
		        "%s payload at offset %" G_GSIZE_FORMAT ":", sa_init_layout[i].name, at);
		const guint16 values[] = {(guint16) (sa_init_layout[i].fixed - 1), 0, 3, 0xffff,
		                          (guint16) (SA_INIT_LEN - at + 1)};

		for (gsize j = 0; j < G_N_ELEMENTS(values); j++) {
			g_autoptr(GByteArray) v = sa_init_request_bytes();
			g_autoptr(GError) e = NULL;

			set16(v, at + 2, values[j]);
			e = parse_fail(v->data, v->len);
			g_assert_cmpint(e->code, ==, IKE_CODEC_ERROR_INVALID_SYNTAX);
			assert_msg_contains(e, needle);
			if (values[j] < sa_init_layout[i].fixed)
				assert_msg_contains(e, "is shorter than its");
			else
				assert_msg_contains(e, "overruns");
		}
		/* one byte too long shifts the walk: still rejected, still named */
		{
			g_autoptr(GByteArray) v = sa_init_request_bytes();
			g_autoptr(GError) e = NULL;
			guint16 len = (guint16) ((v->data[at + 2] << 8 | v->data[at + 3]) + 1);

			set16(v, at + 2, len);
			e = parse_fail(v->data, v->len);
			assert_msg_contains(e, "payload at offset");
		}
	}
	/* the exact wording the engine logs */
	{
		g_autoptr(GByteArray) v = sa_init_request_bytes();
		g_autoptr(GError) e = NULL;

		set16(v, 78, 4);
		e = parse_fail(v->data, v->len);
		g_assert_cmpstr(
		        e->message, ==,
		        "KE payload at offset 76: length 4 is shorter than its 8-byte fixed "
		        "part");
	}
}

/* Proposal, transform and attribute lengths inside the full message. */
static void
test_substructure_lengths(void)
{
	const struct {
		gsize at;
		guint16 value;
		const char *needle;
	} cases[] = {
	        {34, 0, "SA payload at offset 28: proposal 1 at offset 32: length 0 is shorter"},
	        {34, 7, "SA payload at offset 28: proposal 1 at offset 32: length 7 is shorter"},
	        {34, 0xffff,
	         "SA payload at offset 28: proposal 1 at offset 32: length 65535 overruns"},
	        {34, 45, "SA payload at offset 28: proposal 1 at offset 32: length 45 overruns"},
	        {42, 0, "proposal 1 transform 1 at offset 40: length 0 is shorter"},
	        {42, 7, "proposal 1 transform 1 at offset 40: length 7 is shorter"},
	        {42, 0xffff, "proposal 1 transform 1 at offset 40: length 65535 overruns"},
	        {54, 0, "proposal 1 transform 2 at offset 52: length 0 is shorter"},
	        {62, 0xffff, "proposal 1 transform 3 at offset 60: length 65535 overruns"},
	        {70, 9, "proposal 1 transform 4 at offset 68: length 9 overruns"},
	        /* Key Length switched to TLV form with a length running past the end */
	        {48, 0x000e, "proposal 1 transform 1 attribute at offset 48: length 256 overruns"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) v = sa_init_request_bytes();
		g_autoptr(GError) e = NULL;

		set16(v, cases[i].at, cases[i].value);
		e = parse_fail(v->data, v->len);
		g_assert_cmpint(e->code, ==, IKE_CODEC_ERROR_INVALID_SYNTAX);
		assert_msg_contains(e, cases[i].needle);
	}
}

/* Any single-byte corruption either fails cleanly or parses into something
 * that re-encodes to exactly the corrupted bytes. */
static void
test_byte_corruption(void)
{
	const guint8 masks[] = {0x01, 0x80, 0xff};

	for (gsize at = 0; at < SA_INIT_LEN; at++) {
		for (gsize m = 0; m < G_N_ELEMENTS(masks); m++) {
			g_autoptr(GByteArray) v = sa_init_request_bytes();
			g_autoptr(GError) error = NULL;
			g_autoptr(IkeMessage) msg = NULL;

			v->data[at] ^= masks[m];
			msg = ike_message_parse(v->data, v->len, &error);
			if (msg == NULL) {
				g_assert_nonnull(error);
				continue;
			}
			assert_round_trip(v);
		}
	}
}

/* §2.5/§3.2: unknown payload + critical bit -> UNSUPPORTED_CRITICAL_PAYLOAD;
 * without the bit it is skipped (kept opaque, ignored by the rules). */
static void
test_critical_bit(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(GByteArray) ok = NULL;
	g_autoptr(GError) e = NULL;
	static const guint8 unknown_payload[] = {0x2b, 0x80, 0x00, 0x08, 1, 2, 3, 4};
	IkePayload *p;

	/* insert type 200 between N(DESTINATION_IP) and VendorID */
	v->data[180] = 200;
	{
		g_autoptr(GByteArray) tail = g_byte_array_new();

		g_byte_array_append(tail, v->data + 208, v->len - 208);
		g_byte_array_set_size(v, 208);
		g_byte_array_append(v, unknown_payload, sizeof(unknown_payload));
		g_byte_array_append(v, tail->data, tail->len);
	}
	set32(v, 24, v->len);
	e = parse_fail(v->data, v->len);
	g_assert_error(e, IKE_CODEC_ERROR, IKE_CODEC_ERROR_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_msg_contains(e, "UNKNOWN(200) payload at offset 208");

	v->data[209] = 0x00;
	ok = g_byte_array_new();
	g_byte_array_append(ok, v->data, v->len);
	assert_round_trip(ok);
	{
		g_autoptr(IkeMessage) msg = parse_ok(ok);

		g_assert_cmpuint(msg->payloads->len, ==, 7);
		p = g_ptr_array_index(msg->payloads, 5);
		g_assert_cmpuint(p->type, ==, 200);
		g_assert_false(p->known);
		g_assert_cmpmem(p->u.raw.data, p->u.raw.data_len, "\x01\x02\x03\x04", 4);
		g_assert_true(ike_message_check_rules(msg, NULL));
	}
	/* the critical bit on a known payload is ignored but kept */
	{
		g_autoptr(GByteArray) c = sa_init_request_bytes();
		g_autoptr(IkeMessage) msg = NULL;

		c->data[77] = 0x80;
		msg = parse_ok(c);
		g_assert_true(ike_message_get_payload(msg, IKE_PAYLOAD_KE)->critical);
		assert_round_trip(c);
	}
}

static void
test_trailing_and_order(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	static const guint8 junk[4] = {0};
	g_autoptr(GError) e = NULL;

	g_byte_array_append(v, junk, sizeof(junk));
	set32(v, 24, v->len);
	e = parse_fail(v->data, v->len);
	assert_msg_contains(e, "4 bytes at offset 228 follow the last payload");

	/* SK must be last (§3.14): an SK followed by a payload is rejected */
	{
		g_autoptr(GByteArray) sk =
		        hex("0000000000000001 0000000000000002 2e 20 25 08 00000002 "
		            "00000030 29 00 000c 0102030405060708 "
		            "00 00 0008 00 00 4000");
		g_autoptr(GError) e2 = parse_fail(sk->data, sk->len);

		assert_msg_contains(e2,
		                    "SK payload at offset 28: 8 bytes follow it, but it must be "
		                    "the last payload");
	}
}

/* The inner chain: parse with a base offset, attach, find, check, encode. */
static void
test_inner_chain(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GByteArray) plain = NULL;
	g_autoptr(GPtrArray) inner = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(IkeMessage) msg = NULL;
	g_autoptr(GByteArray) wire = NULL;
	g_autoptr(GBytes) plain_bytes = NULL;
	guint8 first = 0;
	IkePayload *p;

	/* IDi, AUTH, SA(ESP), TSi, TSr, N(INITIAL_CONTACT) */
	g_string_append(s, "27 00 000c 01 000000 c0000201");
	g_string_append(s, "21 00 000a 02 000000 a1a2");
	g_string_append(s, "2c 00 0018 00 00 0014 01 03 04 01 11223344 00 00 0008 01 00 0014");
	g_string_append(s, "2d 00 0018 01 000000 07 00 0010 0000 ffff 0a000000 0affffff");
	g_string_append(s, "29 00 0018 01 000000 07 00 0010 0000 ffff 0a010000 0a01ffff");
	g_string_append(s, "00 00 0008 00 00 4000");
	plain = hex(s->str);
	inner = ike_payload_chain_parse(IKE_PAYLOAD_IDI, plain->data, plain->len, 100, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(inner->len, ==, 6);
	p = g_ptr_array_index(inner, 1);
	g_assert_cmpuint(p->type, ==, IKE_PAYLOAD_AUTH);
	g_assert_cmpuint(p->offset, ==, 112);
	g_assert_true(ike_rules_check(IKE_EXCHANGE_IKE_AUTH, FALSE, IKE_RULES_INNER, inner, NULL));

	/* encode the inner chain; "encrypt" by copying it into SK */
	{
		g_autoptr(GByteArray) enc = g_byte_array_new();

		g_assert_true(ike_payload_chain_encode(inner, enc, &first, &error));
		g_assert_cmpuint(first, ==, IKE_PAYLOAD_IDI);
		assert_bytes(enc->data, enc->len, plain->data, plain->len);
	}
	msg = ike_message_new(IKE_EXCHANGE_IKE_AUTH, IKE_FLAG_INITIATOR, 1, 2, 1);
	ike_message_add_payload(msg, ike_payload_new_sk(first, plain->data, plain->len));
	wire = ike_message_encode(msg, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(wire->data[16], ==, IKE_PAYLOAD_SK);
	g_assert_cmpuint(wire->data[28], ==, IKE_PAYLOAD_IDI);
	g_clear_pointer(&msg, ike_message_free);

	/* receive side: parse, "decrypt", parse inner at the SK body offset */
	msg = ike_message_parse(wire->data, wire->len, &error);
	g_assert_no_error(error);
	p = g_ptr_array_index(msg->payloads, 0);
	plain_bytes = g_bytes_new(p->u.sk.data, p->u.sk.data_len);
	g_clear_pointer(&inner, g_ptr_array_unref);
	inner = ike_payload_chain_parse(p->u.sk.inner_type, g_bytes_get_data(plain_bytes, NULL),
	                                g_bytes_get_size(plain_bytes), 32, &error);
	g_assert_no_error(error);
	ike_message_set_inner(msg, g_steal_pointer(&inner), plain_bytes);
	g_assert_true(ike_message_check_rules(msg, &error));
	g_assert_no_error(error);
	p = ike_message_get_payload(msg, IKE_PAYLOAD_IDI);
	g_assert_nonnull(p);
	g_assert_cmpuint(p->offset, ==, 32);
	g_assert_nonnull(ike_message_get_notify(msg, IKE_NOTIFY_INITIAL_CONTACT));
	g_assert_cmpuint(ike_message_count_payloads(msg, IKE_PAYLOAD_TSI), ==, 1);
	g_assert_cmpuint(ike_message_count_payloads(msg, IKE_PAYLOAD_SK), ==, 1);
}

static void
test_empty_chain_and_bytes(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) empty = ike_payload_chain_parse(0, NULL, 0, 0, &error);
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(GBytes) bytes = g_bytes_new(v->data, v->len);
	g_autoptr(IkeMessage) msg = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(empty->len, ==, 0);
	/* no payload but bytes left over */
	chain_reject(0, v, IKE_CODEC_ERROR_INVALID_SYNTAX, "follow the last payload");

	/* parse_bytes keeps the buffer alive after the caller drops it */
	msg = ike_message_parse_bytes(bytes, &error);
	g_assert_no_error(error);
	g_clear_pointer(&bytes, g_bytes_unref);
	g_assert_cmpuint(ike_message_get_payload(msg, IKE_PAYLOAD_NONCE)->u.nonce.data[0], ==,
	                 0xbb);

	/* a message with no payloads at all */
	{
		g_autoptr(IkeMessage) m =
		        ike_message_new(IKE_EXCHANGE_INFORMATIONAL, IKE_FLAG_RESPONSE, 5, 6, 7);
		g_autoptr(GByteArray) out = ike_message_encode(m, &error);
		g_autoptr(GByteArray) want = hex("0000000000000005 0000000000000006 00 20 25 20 "
		                                 "00000007 0000001c");

		g_assert_no_error(error);
		assert_bytes(out->data, out->len, want->data, want->len);
		assert_round_trip(out);
	}
}

/* The encoder refuses structs it cannot express (SK not last, too long). */
static void
test_encode_errors(void)
{
	g_autoptr(IkeMessage) msg = ike_message_new(IKE_EXCHANGE_IKE_AUTH, 0, 1, 2, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) out = NULL;
	g_autofree guint8 *big = g_malloc0(70000);

	ike_message_add_payload(msg, ike_payload_new_sk(0, NULL, 0));
	ike_message_add_payload(msg, ike_payload_new_vendor(NULL, 0));
	out = ike_message_encode(msg, &error);
	g_assert_null(out);
	g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_clear_pointer(&msg, ike_message_free);

	msg = ike_message_new(IKE_EXCHANGE_INFORMATIONAL, 0, 1, 2, 3);
	ike_message_add_payload(msg, ike_payload_new_vendor(big, 70000));
	out = ike_message_encode(msg, &error);
	g_assert_null(out);
	g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_ARGUMENT);
	assert_msg_contains(error, "VendorID payload");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/message/decode-sa-init", test_decode_sa_init);
	g_test_add_func("/ike/message/round-trip-sa-init", test_round_trip_sa_init);
	g_test_add_func("/ike/message/build-sa-init", test_build_sa_init);
	g_test_add_func("/ike/message/truncations", test_truncations);
	g_test_add_func("/ike/message/header-length", test_header_length);
	g_test_add_func("/ike/message/version", test_version);
	g_test_add_func("/ike/message/payload-lengths", test_payload_lengths);
	g_test_add_func("/ike/message/substructure-lengths", test_substructure_lengths);
	g_test_add_func("/ike/message/byte-corruption", test_byte_corruption);
	g_test_add_func("/ike/message/critical-bit", test_critical_bit);
	g_test_add_func("/ike/message/trailing-and-order", test_trailing_and_order);
	g_test_add_func("/ike/message/inner-chain", test_inner_chain);
	g_test_add_func("/ike/message/empty-chain-and-bytes", test_empty_chain_and_bytes);
	g_test_add_func("/ike/message/encode-errors", test_encode_errors);
	return g_test_run();
}
