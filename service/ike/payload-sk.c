/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encrypted and Authenticated payload (SK), RFC 7296 §3.14:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Encrypted IKE Payloads                     ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Encrypted fragment (SKF), RFC 7383 §2.5:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Fragment Number        |        Total Fragments        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * ~                      Encrypted content                        ~
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The body stays opaque here: IV, padding and ICV sizes depend on the
 * negotiated algorithms, so crypto/ splits them. The Next Payload field of
 * SK/SKF names the first inner payload (§3.14; in SKF only fragment 1 does,
 * RFC 7383 §2.5); message.c stores it in inner_type.
 */
#include "payload-private.h"

static gboolean
sk_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_rest(body, &p->u.sk.data, &p->u.sk.data_len);
	return TRUE;
}

static gboolean
sk_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_bytes(out, p->u.sk.data, p->u.sk.data_len);
	return TRUE;
}

static void
sk_to_text(const IkePayload *p, GString *out)
{
	g_string_append(out, "inner=");
	ike_text_name(out, IKE_REG_PAYLOAD, p->u.sk.inner_type);
	g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, p->u.sk.data_len);
}

static void
sk_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "inner_type", IKE_REG_PAYLOAD, p->u.sk.inner_type);
	ike_json_uint(out, "data_len", p->u.sk.data_len);
}

static gboolean
skf_parse(IkePayload *p, IkeReader *body, GError **error)
{
	IkeSkfPayload *f = &p->u.skf;

	ike_read_u16(body, &f->fragment_number);
	ike_read_u16(body, &f->total_fragments);
	/* RFC 7383 §2.5: fragments are numbered from 1 and the Fragment Number
	 * "MUST be less than or equal to" Total Fragments. */
	if (f->fragment_number == 0 || f->fragment_number > f->total_fragments) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "fragment number %u is outside 1..%u", f->fragment_number,
		                  f->total_fragments);
		return FALSE;
	}
	ike_read_rest(body, &f->data, &f->data_len);
	return TRUE;
}

static gboolean
skf_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u16(out, p->u.skf.fragment_number);
	ike_write_u16(out, p->u.skf.total_fragments);
	ike_write_bytes(out, p->u.skf.data, p->u.skf.data_len);
	return TRUE;
}

static void
skf_to_text(const IkePayload *p, GString *out)
{
	g_string_append_printf(out, "fragment %u/%u inner=", p->u.skf.fragment_number,
	                       p->u.skf.total_fragments);
	ike_text_name(out, IKE_REG_PAYLOAD, p->u.skf.inner_type);
	g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, p->u.skf.data_len);
}

static void
skf_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "inner_type", IKE_REG_PAYLOAD, p->u.skf.inner_type);
	ike_json_uint(out, "fragment_number", p->u.skf.fragment_number);
	ike_json_uint(out, "total_fragments", p->u.skf.total_fragments);
	ike_json_uint(out, "data_len", p->u.skf.data_len);
}

IkePayload *
ike_payload_new_sk(guint8 inner_type, const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_SK);

	p->u.sk.inner_type = inner_type;
	p->u.sk.data = ike_payload_dup_data(p, data, len);
	p->u.sk.data_len = p->u.sk.data != NULL ? len : 0;
	return p;
}

IkePayload *
ike_payload_new_skf(guint8 inner_type, guint16 fragment_number, guint16 total_fragments,
                    const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_SKF);

	p->u.skf.inner_type = inner_type;
	p->u.skf.fragment_number = fragment_number;
	p->u.skf.total_fragments = total_fragments;
	p->u.skf.data = ike_payload_dup_data(p, data, len);
	p->u.skf.data_len = p->u.skf.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_sk = {
        .type = IKE_PAYLOAD_SK,
        .fixed_len = IKE_GENERIC_HEADER_LEN,
        .parse = sk_parse,
        .encode = sk_encode,
        .to_text = sk_to_text,
        .to_json = sk_to_json,
};

const IkePayloadOps ike_ops_skf = {
        .type = IKE_PAYLOAD_SKF,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = skf_parse,
        .encode = skf_encode,
        .to_text = skf_to_text,
        .to_json = skf_to_json,
};
