/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proves service/ike/payload-sa.c against hand-built RFC 7296 §3.3 vectors. */
#include "ike-test-util.h"

/*
 * Two proposals. Offsets (chain parsed at base 0):
 *   0 SA | 4 P1 (IKE) | 12 T1 ENCR_AES_CBC keylen 128 | 24 T2 PRF_HMAC_SHA1 |
 *   32 T3 KE ECP_256 | 40 P2 (ESP, SPI 11223344) | 52 T1 INTEG 12 with a TLV
 *   attribute at 60 | 68 T2 ESN | 76 end
 */
#define SA_VECTOR                                                                                  \
	"00 00 004c"                                                                               \
	"02 00 0024 01 01 00 03"                                                                   \
	"03 00 000c 01 00 000c 800e 0080"                                                          \
	"03 00 0008 02 00 0002"                                                                    \
	"00 00 0008 04 00 0013"                                                                    \
	"00 00 0024 02 03 04 02 11223344"                                                          \
	"03 00 0010 03 00 000c 0001 0004 deadbeef"                                                 \
	"00 00 0008 05 00 0000"

static void
test_decode(void)
{
	g_autoptr(GByteArray) v = hex(SA_VECTOR);
	g_autoptr(GPtrArray) chain = chain_round_trip(IKE_PAYLOAD_SA, v);
	const IkePayload *p = g_ptr_array_index(chain, 0);
	const IkeProposal *p1, *p2;
	const IkeTransform *t;
	const IkeTransformAttr *a;

	g_assert_cmpuint(chain->len, ==, 1);
	g_assert_true(p->known);
	g_assert_cmpuint(p->length, ==, 76);
	g_assert_cmpuint(p->u.sa.proposals->len, ==, 2);
	p1 = g_ptr_array_index(p->u.sa.proposals, 0);
	p2 = g_ptr_array_index(p->u.sa.proposals, 1);
	g_assert_cmpuint(p1->num, ==, 1);
	g_assert_cmpuint(p1->protocol, ==, IKE_PROTO_IKE);
	g_assert_cmpuint(p1->spi_len, ==, 0);
	g_assert_cmpuint(p1->transforms->len, ==, 3);
	t = &g_array_index(p1->transforms, IkeTransform, 0);
	g_assert_cmpuint(t->type, ==, IKE_TRANSFORM_ENCR);
	g_assert_cmpuint(t->id, ==, IKE_ENCR_AES_CBC);
	g_assert_cmpint(ike_transform_get_key_length(t), ==, 128);
	t = &g_array_index(p1->transforms, IkeTransform, 2);
	g_assert_cmpuint(t->type, ==, IKE_TRANSFORM_KE);
	g_assert_cmpuint(t->id, ==, IKE_KE_ECP_256);
	g_assert_cmpint(ike_transform_get_key_length(t), ==, -1);
	g_assert_cmpuint(p2->num, ==, 2);
	g_assert_cmpuint(p2->protocol, ==, IKE_PROTO_ESP);
	g_assert_cmpmem(p2->spi, p2->spi_len, "\x11\x22\x33\x44", 4);
	t = &g_array_index(p2->transforms, IkeTransform, 0);
	g_assert_cmpuint(t->type, ==, IKE_TRANSFORM_INTEG);
	g_assert_cmpuint(t->id, ==, IKE_INTEG_HMAC_SHA2_256_128);
	g_assert_cmpuint(t->attrs->len, ==, 1);
	a = &g_array_index(t->attrs, IkeTransformAttr, 0);
	g_assert_false(a->tv);
	g_assert_cmpuint(a->type, ==, 1);
	g_assert_cmpmem(a->value, a->value_len, "\xde\xad\xbe\xef", 4);
	/* a TLV attribute is not a Key Length (§3.3.5 says TV) */
	g_assert_cmpint(ike_transform_get_key_length(t), ==, -1);
	t = &g_array_index(p2->transforms, IkeTransform, 1);
	g_assert_cmpuint(t->type, ==, IKE_TRANSFORM_ESN);
	g_assert_cmpuint(t->id, ==, IKE_ESN_NO_ESN);
}

/* The builders produce the same bytes as the hand-built vector. */
static void
test_build(void)
{
	g_autoptr(GByteArray) v = hex(SA_VECTOR);
	g_autoptr(GPtrArray) chain = ike_payload_chain_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	IkePayload *sa = ike_payload_new(IKE_PAYLOAD_SA);
	IkeProposal *prop;
	IkeTransform *t;
	IkeTransformAttr a = {.type = 1, .value_len = 4};

	g_ptr_array_add(chain, sa);
	prop = ike_sa_payload_add_proposal(sa, IKE_PROTO_IKE, NULL, 0);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 128);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA1, -1);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_KE, IKE_KE_ECP_256, -1);
	prop = ike_sa_payload_add_proposal(sa, IKE_PROTO_ESP, (const guint8 *) "\x11\x22\x33\x44",
	                                   4);
	g_assert_cmpuint(prop->num, ==, 2);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, -1);
	ike_proposal_add_transform(prop, IKE_TRANSFORM_ESN, IKE_ESN_NO_ESN, -1);
	t = &g_array_index(prop->transforms, IkeTransform, 0);
	t->attrs = g_array_new(FALSE, TRUE, sizeof(IkeTransformAttr));
	a.value = ike_payload_dup_data(sa, (const guint8 *) "\xde\xad\xbe\xef", 4);
	g_array_append_val(t->attrs, a);
	g_assert_true(ike_payload_chain_encode(chain, out, NULL, &error));
	g_assert_no_error(error);
	assert_bytes(out->data, out->len, v->data, v->len);
}

/* Non-zero reserved bytes survive the round trip (they are kept in structs). */
static void
test_reserved_kept(void)
{
	g_autoptr(GByteArray) v = hex("00 7f 0014 00 a5 0010 01 01 00 01 00 5a 0008 01 c3 0014");
	g_autoptr(GPtrArray) chain = chain_round_trip(IKE_PAYLOAD_SA, v);
	const IkePayload *p = g_ptr_array_index(chain, 0);
	const IkeProposal *prop = g_ptr_array_index(p->u.sa.proposals, 0);

	g_assert_cmpuint(p->reserved, ==, 0x7f);
	g_assert_cmpuint(prop->reserved, ==, 0xa5);
	g_assert_cmpuint(g_array_index(prop->transforms, IkeTransform, 0).reserved1, ==, 0x5a);
	g_assert_cmpuint(g_array_index(prop->transforms, IkeTransform, 0).reserved2, ==, 0xc3);
}

/* A single proposal in a response carries the accepted proposal's number. */
static void
test_lone_proposal_number(void)
{
	g_autoptr(GByteArray) v = hex("00 00 0014 00 00 0010 03 01 00 01 00 00 0008 01 00 0014");
	g_autoptr(GPtrArray) chain = chain_round_trip(IKE_PAYLOAD_SA, v);
	const IkePayload *p = g_ptr_array_index(chain, 0);

	g_assert_cmpuint(((IkeProposal *) g_ptr_array_index(p->u.sa.proposals, 0))->num, ==, 3);
}

/* Sets byte @at of the vector to @value and expects rejection naming @needle. */
static void
reject_with(gsize at, guint8 value, const char *needle)
{
	g_autoptr(GByteArray) v = hex(SA_VECTOR);

	g_assert_cmpuint(at, <, v->len);
	v->data[at] = value;
	chain_reject(IKE_PAYLOAD_SA, v, IKE_CODEC_ERROR_INVALID_SYNTAX, needle);
}

/* Sets the 16-bit field at @at. */
static void
reject_with16(gsize at, guint16 value, const char *needle)
{
	g_autoptr(GByteArray) v = hex(SA_VECTOR);

	v->data[at] = (guint8) (value >> 8);
	v->data[at + 1] = (guint8) value;
	chain_reject(IKE_PAYLOAD_SA, v, IKE_CODEC_ERROR_INVALID_SYNTAX, needle);
}

static void
test_substructure_flags(void)
{
	/* §3.3.1: P1 says "last" although P2 follows; P2 says "more" at the end */
	reject_with(4, 0, "SA payload at offset 0: proposal 1 at offset 4: Last Substruc is 0");
	reject_with(40, 2, "proposal 2 at offset 40: Last Substruc is 2");
	reject_with(4, 3, "Last Substruc is 3");
	/* §3.3.2: transform flags must be 3 then 0 */
	reject_with(32, 3, "proposal 1 transform 3 at offset 32: Last Substruc is 3, expected 0");
	reject_with(12, 0, "proposal 1 transform 1 at offset 12: Last Substruc is 0, expected 3");
}

static void
test_numbering_and_counts(void)
{
	reject_with(44, 3, "proposal 2 at offset 40: Proposal Num 3");
	reject_with(8, 2, "proposal 2 at offset 40: Proposal Num 2");
	reject_with(8, 0, "proposal 1 at offset 4: Proposal Num 0");
	/* Num Transforms larger or smaller than what the length holds */
	reject_with(11, 4, "proposal 1 transform 3 at offset 32: Last Substruc is 0, expected 3");
	reject_with(11, 2, "proposal 1 transform 2 at offset 24: Last Substruc is 3, expected 0");
	/* SPI size wrong for the protocol (§3.3.1) */
	reject_with(46, 8, "proposal 2 at offset 40: SPI size 8 is invalid");
	reject_with(10, 4, "proposal 1 at offset 4: SPI size 4 is invalid");
}

static void
test_lengths(void)
{
	/* proposal length: too small, zero, too large */
	reject_with16(6, 7,
	              "proposal 1 at offset 4: length 7 is shorter than its 8-byte fixed part");
	reject_with16(6, 0, "proposal 1 at offset 4: length 0 is shorter");
	reject_with16(6, 0xffff, "proposal 1 at offset 4: length 65535 overruns the 72 bytes left");
	reject_with16(6, 37, "proposal");
	reject_with16(6, 35, "proposal 1");
	/* transform length */
	reject_with16(14, 7, "proposal 1 transform 1 at offset 12: length 7 is shorter");
	reject_with16(14, 0, "proposal 1 transform 1 at offset 12: length 0 is shorter");
	reject_with16(14, 0xffff,
	              "proposal 1 transform 1 at offset 12: length 65535 overruns the 28 bytes");
	reject_with16(14, 13, "proposal 1 transform 1 attribute at offset 24: 1 bytes left");
	/* attribute length (TLV) */
	reject_with16(62, 5, "proposal 2 transform 1 attribute at offset 60: length 5 overruns");
	reject_with16(62, 0xffff, "attribute at offset 60: length 65535 overruns the 4 bytes left");
	/* payload length smaller than a proposal */
	{
		g_autoptr(GByteArray) v = hex("00 00 0004");

		chain_reject(
		        IKE_PAYLOAD_SA, v, IKE_CODEC_ERROR_INVALID_SYNTAX,
		        "SA payload at offset 0: length 4 is shorter than its 12-byte fixed part");
	}
}

/* Every truncation of the SA payload (with its length adjusted) is an error. */
static void
test_truncations(void)
{
	g_autoptr(GByteArray) v = hex(SA_VECTOR);

	for (gsize len = 0; len < v->len; len++) {
		g_autofree guint8 *copy = g_memdup2(v->data, len);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) chain = NULL;

		if (len >= 4) {
			copy[2] = (guint8) (len >> 8);
			copy[3] = (guint8) len;
		}
		chain = ike_payload_chain_parse(IKE_PAYLOAD_SA, copy, len, 0, &error);
		g_assert_null(chain);
		g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/sa/decode", test_decode);
	g_test_add_func("/ike/sa/build", test_build);
	g_test_add_func("/ike/sa/reserved-kept", test_reserved_kept);
	g_test_add_func("/ike/sa/lone-proposal-number", test_lone_proposal_number);
	g_test_add_func("/ike/sa/substructure-flags", test_substructure_flags);
	g_test_add_func("/ike/sa/numbering-and-counts", test_numbering_and_counts);
	g_test_add_func("/ike/sa/lengths", test_lengths);
	g_test_add_func("/ike/sa/truncations", test_truncations);
	return g_test_run();
}
