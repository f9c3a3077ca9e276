/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificate payload, RFC 7296 §3.6, and Certificate Request payload, §3.7.
 * Both have the same layout:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Cert Encoding |                                               |
 * +-+-+-+-+-+-+-+-+                                               |
 * ~       Certificate Data / Certification Authority              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * For X.509 encodings the CERTREQ data is a list of 20-byte SHA-1 hashes of
 * CA public keys (§3.7). A length that is not a multiple of 20 is kept as is:
 * §3.7 leaves unusable requests to be ignored, not rejected.
 */
#include "payload-private.h"

#define CA_HASH_LEN 20

static gboolean
cert_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_u8(body, &p->u.cert.encoding);
	ike_read_rest(body, &p->u.cert.data, &p->u.cert.data_len);
	return TRUE;
}

static gboolean
cert_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u8(out, p->u.cert.encoding);
	ike_write_bytes(out, p->u.cert.data, p->u.cert.data_len);
	return TRUE;
}

static void
cert_to_text(const IkePayload *p, GString *out)
{
	ike_text_name(out, IKE_REG_CERT, p->u.cert.encoding);
	if (p->type == IKE_PAYLOAD_CERTREQ && p->u.cert.encoding == IKE_CERT_X509_SIGNATURE &&
	    p->u.cert.data_len % CA_HASH_LEN == 0)
		g_string_append_printf(out, " ca_hashes=%" G_GSIZE_FORMAT,
		                       p->u.cert.data_len / CA_HASH_LEN);
	else
		g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, p->u.cert.data_len);
}

static void
cert_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "encoding", IKE_REG_CERT, p->u.cert.encoding);
	ike_json_uint(out, "encoding_num", p->u.cert.encoding);
	ike_json_uint(out, "data_len", p->u.cert.data_len);
	ike_json_hex(out, "data", p->u.cert.data, p->u.cert.data_len);
}

IkePayload *
ike_payload_new_cert(guint8 payload_type, guint8 encoding, const guint8 *data, gsize len)
{
	IkePayload *p;

	g_return_val_if_fail(
	        payload_type == IKE_PAYLOAD_CERT || payload_type == IKE_PAYLOAD_CERTREQ, NULL);
	p = ike_payload_new(payload_type);
	p->u.cert.encoding = encoding;
	p->u.cert.data = ike_payload_dup_data(p, data, len);
	p->u.cert.data_len = p->u.cert.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_cert = {
        .type = IKE_PAYLOAD_CERT,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 1,
        .parse = cert_parse,
        .encode = cert_encode,
        .to_text = cert_to_text,
        .to_json = cert_to_json,
};

const IkePayloadOps ike_ops_certreq = {
        .type = IKE_PAYLOAD_CERTREQ,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 1,
        .parse = cert_parse,
        .encode = cert_encode,
        .to_text = cert_to_text,
        .to_json = cert_to_json,
};
