/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EAP payload, RFC 7296 §3.16, carrying one EAP message (RFC 3748 §4):
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Code      | Identifier    |           Length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      | Type_Data...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Type is present in Request and Response only (RFC 3748 §4.1, §4.2).
 * Type_Data may hold a password (EAP-GTC, EAP-MD5 secrets are derived from
 * one), so the formatters print only lengths.
 */
#include "payload-private.h"

#define EAP_HEADER_LEN 4

static gboolean
eap_parse(IkePayload *p, IkeReader *body, GError **error)
{
	IkeEapPayload *e = &p->u.eap;
	gsize body_len = ike_reader_left(body);
	guint16 len = 0;

	ike_read_u8(body, &e->code);
	ike_read_u8(body, &e->identifier);
	ike_read_u16(body, &len);
	/* §3.16: the payload carries exactly one EAP message, so the EAP
	 * Length must equal what the Payload Length leaves for it. */
	if (len != body_len) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "EAP length %u does not match the %" G_GSIZE_FORMAT
		                  " bytes of the payload body",
		                  len, body_len);
		return FALSE;
	}
	e->has_type = e->code == IKE_EAP_CODE_REQUEST || e->code == IKE_EAP_CODE_RESPONSE;
	if (e->has_type && !ike_read_u8(body, &e->eap_type)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "EAP code %u needs a Type byte", e->code);
		return FALSE;
	}
	ike_read_rest(body, &e->type_data, &e->type_data_len);
	return TRUE;
}

static gboolean
eap_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	const IkeEapPayload *e = &p->u.eap;
	gsize len = EAP_HEADER_LEN + (e->has_type ? 1 : 0) + e->type_data_len;

	if (!ike_check_fits(error, p, "EAP message", len, G_MAXUINT16 - IKE_GENERIC_HEADER_LEN))
		return FALSE;
	ike_write_u8(out, e->code);
	ike_write_u8(out, e->identifier);
	ike_write_u16(out, (guint16) len);
	if (e->has_type)
		ike_write_u8(out, e->eap_type);
	ike_write_bytes(out, e->type_data, e->type_data_len);
	return TRUE;
}

static void
eap_to_text(const IkePayload *p, GString *out)
{
	const IkeEapPayload *e = &p->u.eap;

	ike_text_name(out, IKE_REG_EAP_CODE, e->code);
	g_string_append_printf(out, " id=%u", e->identifier);
	if (e->has_type) {
		g_string_append(out, " type=");
		ike_text_name(out, IKE_REG_EAP_TYPE, e->eap_type);
	}
	g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, e->type_data_len);
}

static void
eap_to_json(const IkePayload *p, GString *out)
{
	const IkeEapPayload *e = &p->u.eap;

	ike_json_name(out, "code", IKE_REG_EAP_CODE, e->code);
	ike_json_uint(out, "identifier", e->identifier);
	if (e->has_type)
		ike_json_name(out, "eap_type", IKE_REG_EAP_TYPE, e->eap_type);
	ike_json_uint(out, "data_len", e->type_data_len);
}

IkePayload *
ike_payload_new_eap(guint8 code, guint8 identifier, guint8 eap_type, const guint8 *type_data,
                    gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_EAP);
	IkeEapPayload *e = &p->u.eap;

	e->code = code;
	e->identifier = identifier;
	e->has_type = code == IKE_EAP_CODE_REQUEST || code == IKE_EAP_CODE_RESPONSE;
	e->eap_type = e->has_type ? eap_type : 0;
	e->type_data = ike_payload_dup_data(p, type_data, len);
	e->type_data_len = e->type_data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_eap = {
        .type = IKE_PAYLOAD_EAP,
        .fixed_len = IKE_GENERIC_HEADER_LEN + EAP_HEADER_LEN,
        .parse = eap_parse,
        .encode = eap_encode,
        .to_text = eap_to_text,
        .to_json = eap_to_json,
};
