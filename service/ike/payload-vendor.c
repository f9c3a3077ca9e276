/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vendor ID payload, RFC 7296 §3.12:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        Vendor ID (VID)                        ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "payload-private.h"

/* Vendor IDs are public tags; the text form shows this many bytes of hex. */
#define TEXT_HEX_MAX 32

static gboolean
vendor_parse(IkePayload *p, IkeReader *body, GError **error)
{
	ike_read_rest(body, &p->u.vendor.data, &p->u.vendor.data_len);
	return TRUE;
}

static gboolean
vendor_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	ike_write_bytes(out, p->u.vendor.data, p->u.vendor.data_len);
	return TRUE;
}

static void
vendor_to_text(const IkePayload *p, GString *out)
{
	gsize n = MIN(p->u.vendor.data_len, TEXT_HEX_MAX);

	g_string_append_printf(out, "len=%" G_GSIZE_FORMAT, p->u.vendor.data_len);
	if (n > 0)
		g_string_append_c(out, ' ');
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(out, "%02x", p->u.vendor.data[i]);
	if (n < p->u.vendor.data_len)
		g_string_append(out, "...");
}

static void
vendor_to_json(const IkePayload *p, GString *out)
{
	ike_json_uint(out, "data_len", p->u.vendor.data_len);
	ike_json_hex(out, "data", p->u.vendor.data, p->u.vendor.data_len);
}

IkePayload *
ike_payload_new_vendor(const guint8 *data, gsize len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_VENDOR);

	p->u.vendor.data = ike_payload_dup_data(p, data, len);
	p->u.vendor.data_len = p->u.vendor.data != NULL ? len : 0;
	return p;
}

const IkePayloadOps ike_ops_vendor = {
        .type = IKE_PAYLOAD_VENDOR,
        .fixed_len = IKE_GENERIC_HEADER_LEN,
        .parse = vendor_parse,
        .encode = vendor_encode,
        .to_text = vendor_to_text,
        .to_json = vendor_to_json,
};
