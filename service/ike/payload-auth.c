/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Authentication payload, RFC 7296 §3.8:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Auth Method   |                RESERVED                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Authentication Data                      ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The formatters print only the data length: a SHARED_KEY_MIC value lets an
 * eavesdropper of the plaintext test PSK guesses offline.
 */
#include "payload-private.h"

static gboolean
auth_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_u8(body, &p->u.auth.method);
	ike_read_u24(body, p->u.auth.reserved);
	ike_read_rest(body, &p->u.auth.data, &p->u.auth.data_len);
	return TRUE;
}

static gboolean
auth_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u8(out, p->u.auth.method);
	ike_write_bytes(out, p->u.auth.reserved, 3);
	ike_write_bytes(out, p->u.auth.data, p->u.auth.data_len);
	return TRUE;
}

static void
auth_to_text(const IkePayload *p, GString *out)
{
	ike_text_name(out, IKE_REG_AUTH_METHOD, p->u.auth.method);
	g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, p->u.auth.data_len);
}

static void
auth_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "method", IKE_REG_AUTH_METHOD, p->u.auth.method);
	ike_json_uint(out, "method_num", p->u.auth.method);
	ike_json_uint(out, "data_len", p->u.auth.data_len);
}

IkePayload *
ike_payload_new_auth(guint8 method, const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_AUTH);

	p->u.auth.method = method;
	p->u.auth.data = ike_payload_dup_data(p, data, len);
	p->u.auth.data_len = p->u.auth.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_auth = {
        .type = IKE_PAYLOAD_AUTH,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = auth_parse,
        .encode = auth_encode,
        .to_text = auth_to_text,
        .to_json = auth_to_json,
};
