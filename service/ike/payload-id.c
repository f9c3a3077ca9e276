/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Identification payloads IDi and IDr, RFC 7296 §3.5:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ID Type     |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Identification Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The data is kept as bytes for every type (the AUTH computation signs the
 * payload body as sent, §2.15); only the address types have a fixed size.
 */
#include "payload-private.h"

static gboolean
id_parse(IkePayload *p, IkeReader *body, GError **error)
{
	IkeIdPayload *id = &p->u.id;
	gsize want = 0;

	ike_read_u8(body, &id->id_type);
	ike_read_u24(body, id->reserved);
	ike_read_rest(body, &id->data, &id->data_len);
	/* §3.5: ID_IPV4_ADDR is "a single four (4) octet IPv4 address",
	 * ID_IPV6_ADDR "a single sixteen (16) octet IPv6 address". */
	if (id->id_type == IKE_ID_IPV4_ADDR)
		want = 4;
	else if (id->id_type == IKE_ID_IPV6_ADDR)
		want = 16;
	if (want != 0 && id->data_len != want) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "ID type %u needs %" G_GSIZE_FORMAT
		                  " bytes of data, not %" G_GSIZE_FORMAT,
		                  id->id_type, want, id->data_len);
		return FALSE;
	}
	return TRUE;
}

static gboolean
id_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u8(out, p->u.id.id_type);
	ike_write_bytes(out, p->u.id.reserved, 3);
	ike_write_bytes(out, p->u.id.data, p->u.id.data_len);
	return TRUE;
}

/* TRUE when the ID data is printable text (FQDN, RFC822 and KEY_ID often are). */
static gboolean
is_printable(const guint8 *data, gsize len)
{
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (data[i] < 0x20 || data[i] > 0x7e)
			return FALSE;
	}
	return TRUE;
}

static void
id_to_text(const IkePayload *p, GString *out)
{
	const IkeIdPayload *id = &p->u.id;

	ike_text_name(out, IKE_REG_ID, id->id_type);
	if (id->id_type == IKE_ID_IPV4_ADDR || id->id_type == IKE_ID_IPV6_ADDR) {
		g_string_append_c(out, ' ');
		ike_text_addr(out, id->data, id->data_len);
	} else if ((id->id_type == IKE_ID_FQDN || id->id_type == IKE_ID_RFC822_ADDR) &&
	           is_printable(id->data, id->data_len)) {
		g_string_append_c(out, ' ');
		g_string_append_len(out, (const char *) id->data, (gssize) id->data_len);
	} else {
		g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, id->data_len);
	}
}

static void
id_to_json(const IkePayload *p, GString *out)
{
	const IkeIdPayload *id = &p->u.id;

	ike_json_name(out, "id_type", IKE_REG_ID, id->id_type);
	ike_json_uint(out, "id_type_num", id->id_type);
	if (id->id_type == IKE_ID_IPV4_ADDR || id->id_type == IKE_ID_IPV6_ADDR) {
		g_autoptr(GString) addr = g_string_new(NULL);

		ike_text_addr(addr, id->data, id->data_len);
		ike_json_key(out, "value");
		ike_json_append_string(out, addr->str, (gssize) addr->len);
	} else if (is_printable(id->data, id->data_len)) {
		ike_json_key(out, "value");
		ike_json_append_string(out, (const char *) id->data, (gssize) id->data_len);
	}
	ike_json_hex(out, "data", id->data, id->data_len);
}

IkePayload *
ike_payload_new_id(guint8 payload_type, guint8 id_type, const guint8 *data, gsize len)
{
	IkePayload *p;

	g_return_val_if_fail(payload_type == IKE_PAYLOAD_IDI || payload_type == IKE_PAYLOAD_IDR,
	                     NULL);
	p = ike_payload_new(payload_type);
	p->u.id.id_type = id_type;
	p->u.id.data = ike_payload_dup_data(p, data, len);
	p->u.id.data_len = p->u.id.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_idi = {
        .type = IKE_PAYLOAD_IDI,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = id_parse,
        .encode = id_encode,
        .to_text = id_to_text,
        .to_json = id_to_json,
};

const IkePayloadOps ike_ops_idr = {
        .type = IKE_PAYLOAD_IDR,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = id_parse,
        .encode = id_encode,
        .to_text = id_to_text,
        .to_json = id_to_json,
};
