/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Nonce payload (Ni, Nr), RFC 7296 §3.9:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                            Nonce Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "payload-private.h"

static gboolean
nonce_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_rest(body, &p->u.nonce.data, &p->u.nonce.data_len);
	/* §3.9: "The size of the Nonce Data MUST be between 16 and 256 octets,
	 * inclusive." The lower bound is in fixed_len. */
	if (p->u.nonce.data_len > IKE_NONCE_MAX_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "nonce of %" G_GSIZE_FORMAT " bytes is longer than %d",
		                  p->u.nonce.data_len, IKE_NONCE_MAX_LEN);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nonce_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_bytes(out, p->u.nonce.data, p->u.nonce.data_len);
	return TRUE;
}

static void
nonce_to_text(const IkePayload *p, GString *out)
{
	g_string_append_printf(out, "len=%" G_GSIZE_FORMAT, p->u.nonce.data_len);
}

static void
nonce_to_json(const IkePayload *p, GString *out)
{
	ike_json_uint(out, "data_len", p->u.nonce.data_len);
	ike_json_hex(out, "data", p->u.nonce.data, p->u.nonce.data_len);
}

IkePayload *
ike_payload_new_nonce(const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_NONCE);

	p->u.nonce.data = ike_payload_dup_data(p, data, len);
	p->u.nonce.data_len = p->u.nonce.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_nonce = {
        .type = IKE_PAYLOAD_NONCE,
        .fixed_len = IKE_GENERIC_HEADER_LEN + IKE_NONCE_MIN_LEN,
        .parse = nonce_parse,
        .encode = nonce_encode,
        .to_text = nonce_to_text,
        .to_json = nonce_to_json,
};
