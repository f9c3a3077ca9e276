/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key Exchange payload, RFC 7296 §3.4 (the group field is the "Key Exchange
 * Method" of RFC 9370):
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Diffie-Hellman Group Num    |           RESERVED            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Key Exchange Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Whether the data length suits the group is a crypto/ question (§3.4: the
 * length "MUST be" the group's public value length); the engine checks it
 * with the group descriptor and answers INVALID_KE_PAYLOAD or INVALID_SYNTAX.
 */
#include "payload-private.h"

static gboolean
ke_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_u16(body, &p->u.ke.group);
	ike_read_u16(body, &p->u.ke.reserved);
	ike_read_rest(body, &p->u.ke.data, &p->u.ke.data_len);
	return TRUE;
}

static gboolean
ke_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_u16(out, p->u.ke.group);
	ike_write_u16(out, p->u.ke.reserved);
	ike_write_bytes(out, p->u.ke.data, p->u.ke.data_len);
	return TRUE;
}

static void
ke_to_text(const IkePayload *p, GString *out)
{
	g_string_append(out, "group=");
	ike_text_name(out, IKE_REG_KE, p->u.ke.group);
	g_string_append_printf(out, "(%u) len=%" G_GSIZE_FORMAT, p->u.ke.group, p->u.ke.data_len);
}

static void
ke_to_json(const IkePayload *p, GString *out)
{
	ike_json_name(out, "group", IKE_REG_KE, p->u.ke.group);
	ike_json_uint(out, "group_num", p->u.ke.group);
	ike_json_uint(out, "data_len", p->u.ke.data_len);
	ike_json_hex(out, "data", p->u.ke.data, p->u.ke.data_len);
}

IkePayload *
ike_payload_new_ke(guint16 group, const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_KE);

	p->u.ke.group = group;
	p->u.ke.data = ike_payload_dup_data(p, data, len);
	p->u.ke.data_len = p->u.ke.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_ke = {
        .type = IKE_PAYLOAD_KE,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = ke_parse,
        .encode = ke_encode,
        .to_text = ke_to_text,
        .to_json = ke_to_json,
};
