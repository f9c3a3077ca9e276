/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Notify payload, RFC 7296 §3.10:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                Security Parameter Index (SPI)                 ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Notification Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Unknown notify types are kept (§3.10.1: unrecognised status types MUST be
 * ignored, unrecognised errors in a response mean the request failed); that
 * is the engine's call, not the codec's.
 */
#include "payload-private.h"

static gboolean
notify_parse(IkePayload *p, IkeReader *body, GError **error)
{
	IkeNotifyPayload *n = &p->u.notify;
	guint8 spi_size = 0;

	ike_read_u8(body, &n->protocol);
	ike_read_u8(body, &spi_size);
	ike_read_u16(body, &n->type);
	if (!ike_read_bytes(body, spi_size, &n->spi)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "SPI size %u overruns the %" G_GSIZE_FORMAT " bytes left",
		                  spi_size, ike_reader_left(body));
		return FALSE;
	}
	n->spi_len = spi_size;
	ike_read_rest(body, &n->data, &n->data_len);
	return TRUE;
}

static gboolean
notify_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	const IkeNotifyPayload *n = &p->u.notify;

	if (!ike_check_fits(error, p, "SPI", n->spi_len, G_MAXUINT8))
		return FALSE;
	ike_write_u8(out, n->protocol);
	ike_write_u8(out, (guint8) n->spi_len);
	ike_write_u16(out, n->type);
	ike_write_bytes(out, n->spi, n->spi_len);
	ike_write_bytes(out, n->data, n->data_len);
	return TRUE;
}

static void
notify_to_text(const IkePayload *p, GString *out)
{
	const IkeNotifyPayload *n = &p->u.notify;

	ike_text_name(out, IKE_REG_NOTIFY, n->type);
	if (n->spi_len > 0 || n->protocol != 0) {
		g_string_append(out, " proto=");
		ike_text_name(out, IKE_REG_PROTO, n->protocol);
	}
	if (n->spi_len > 0) {
		g_string_append(out, " spi=0x");
		for (gsize i = 0; i < n->spi_len; i++)
			g_string_append_printf(out, "%02x", n->spi[i]);
	}
	g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, n->data_len);
}

static void
notify_to_json(const IkePayload *p, GString *out)
{
	const IkeNotifyPayload *n = &p->u.notify;

	ike_json_name(out, "notify_type", IKE_REG_NOTIFY, n->type);
	ike_json_uint(out, "notify_type_num", n->type);
	ike_json_key(out, "error");
	g_string_append(out, n->type < 16384 ? "true" : "false");
	ike_json_name(out, "protocol", IKE_REG_PROTO, n->protocol);
	ike_json_hex(out, "spi", n->spi, n->spi_len);
	ike_json_uint(out, "data_len", n->data_len);
	ike_json_hex(out, "data", n->data, n->data_len);
}

IkePayload *
ike_payload_new_notify(guint8 protocol, guint16 notify_type, const guint8 *spi, gsize spi_len,
                       const guint8 *data, gsize data_len)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_NOTIFY);
	IkeNotifyPayload *n = &p->u.notify;

	n->protocol = protocol;
	n->type = notify_type;
	n->spi = ike_payload_dup_data(p, spi, spi_len);
	n->spi_len = n->spi != NULL ? spi_len : 0;
	n->data = ike_payload_dup_data(p, data, data_len);
	n->data_len = n->data != NULL ? data_len : 0;
	return p;
}

const IkePayloadOps ike_ops_notify = {
        .type = IKE_PAYLOAD_NOTIFY,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = notify_parse,
        .encode = notify_encode,
        .to_text = notify_to_text,
        .to_json = notify_to_json,
};
