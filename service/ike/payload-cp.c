/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration payload, RFC 7296 §3.15:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C| RESERVED    |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   CFG Type    |                    RESERVED                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Configuration Attributes                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Configuration attribute, §3.15.1:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|         Attribute Type      |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                             Value                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Value sizes per attribute type (§3.15.1 table) are the engine's to judge:
 * a CFG_REQUEST carries empty values, so the codec only bounds them.
 */
#include "payload-private.h"

#define CP_ATTR_HEADER_LEN 4

static void
cp_init(IkePayload *p)
{
	p->u.cp.attrs = g_array_new(FALSE, TRUE, sizeof(IkeCpAttr));
}

static void
cp_clear(IkePayload *p)
{
	g_clear_pointer(&p->u.cp.attrs, g_array_unref);
}

static gboolean
cp_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_u8(body, &p->u.cp.cfg_type);
	ike_read_u24(body, p->u.cp.reserved);
	for (guint i = 1; ike_reader_left(body) > 0; i++) {
		gsize at = ike_reader_offset(body);
		IkeCpAttr a = {0};
		guint16 type = 0, len = 0;

		if (ike_reader_left(body) < CP_ATTR_HEADER_LEN) {
			ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
			                  "attribute %u at offset %" G_GSIZE_FORMAT
			                  ": %" G_GSIZE_FORMAT
			                  " bytes left, less than its %d-byte header",
			                  i, at, ike_reader_left(body), CP_ATTR_HEADER_LEN);
			return FALSE;
		}
		ike_read_u16(body, &type);
		ike_read_u16(body, &len);
		a.reserved_bit = (type & 0x8000) != 0;
		a.type = type & 0x7fff;
		if (!ike_read_bytes(body, len, &a.value)) {
			ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
			                  "attribute %u at offset %" G_GSIZE_FORMAT
			                  ": length %u overruns the %" G_GSIZE_FORMAT " bytes left",
			                  i, at, len, ike_reader_left(body));
			return FALSE;
		}
		a.value_len = len;
		g_array_append_val(p->u.cp.attrs, a);
	}
	return TRUE;
}

static gboolean
cp_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u8(out, p->u.cp.cfg_type);
	ike_write_bytes(out, p->u.cp.reserved, 3);
	for (guint i = 0; i < p->u.cp.attrs->len; i++) {
		const IkeCpAttr *a = &g_array_index(p->u.cp.attrs, IkeCpAttr, i);

		if (!ike_check_fits(error, p, "attribute", a->value_len, G_MAXUINT16))
			return FALSE;
		ike_write_u16(out, (guint16) ((a->reserved_bit ? 0x8000 : 0) | (a->type & 0x7fff)));
		ike_write_u16(out, (guint16) a->value_len);
		ike_write_bytes(out, a->value, a->value_len);
	}
	return TRUE;
}

IkePayload *
ike_payload_new_cp(guint8 cfg_type)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_CP);

	p->u.cp.cfg_type = cfg_type;
	return p;
}

void
ike_cp_payload_add_attr(IkePayload *cp, guint16 type, const guint8 *value, gsize len)
{
	IkeCpAttr a = {.type = type & 0x7fff};

	g_return_if_fail(cp->type == IKE_PAYLOAD_CP && cp->known);
	a.value = ike_payload_dup_data(cp, value, len);
	a.value_len = a.value != NULL ? len : 0;
	g_array_append_val(cp->u.cp.attrs, a);
}

/* Addresses (4 or 16 bytes, optionally with a prefix byte) print as text. */
static void
attr_value_to_text(const IkeCpAttr *a, GString *out)
{
	if (a->value_len == 4 || a->value_len == 16 || a->value_len == 17) {
		g_string_append_c(out, '=');
		ike_text_addr(out, a->value, a->value_len == 17 ? 16 : a->value_len);
		if (a->value_len == 17)
			g_string_append_printf(out, "/%u", a->value[16]);
	} else {
		g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, a->value_len);
	}
}

static void
cp_to_text(const IkePayload *p, GString *out)
{
	ike_text_name(out, IKE_REG_CFG, p->u.cp.cfg_type);
	for (guint i = 0; i < p->u.cp.attrs->len; i++) {
		const IkeCpAttr *a = &g_array_index(p->u.cp.attrs, IkeCpAttr, i);

		g_string_append(out, i == 0 ? " " : ", ");
		ike_text_name(out, IKE_REG_CP_ATTR, a->type);
		if (a->value_len > 0)
			attr_value_to_text(a, out);
	}
}

static void
cp_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "cfg_type", IKE_REG_CFG, p->u.cp.cfg_type);
	ike_json_key(out, "attributes");
	g_string_append(out, "[");
	for (guint i = 0; i < p->u.cp.attrs->len; i++) {
		const IkeCpAttr *a = &g_array_index(p->u.cp.attrs, IkeCpAttr, i);

		g_string_append(out, i > 0 ? ",{" : "{");
		ike_json_name(out, "type", IKE_REG_CP_ATTR, a->type);
		ike_json_uint(out, "type_num", a->type);
		ike_json_hex(out, "value", a->value, a->value_len);
		g_string_append(out, "}");
	}
	g_string_append(out, "]");
}

const IkePayloadOps ike_ops_cp = {
        .type = IKE_PAYLOAD_CP,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .init = cp_init,
        .clear = cp_clear,
        .parse = cp_parse,
        .encode = cp_encode,
        .to_text = cp_to_text,
        .to_json = cp_to_json,
};
