/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Delete payload, RFC 7296 §3.11:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Protocol ID   |   SPI Size    |          Num of SPIs          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~               Security Parameter Index(es) (SPI)              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "payload-private.h"

static gboolean
delete_parse(IkePayload *p, IkeReader *body, GError **error)
{
	IkeDeletePayload *d = &p->u.del;
	gsize rest;

	ike_read_u8(body, &d->protocol);
	ike_read_u8(body, &d->spi_size);
	ike_read_u16(body, &d->num_spis);
	/* §3.11: "For an IKE SA, the SPI Size MUST be zero"; an AH or ESP SPI is
	 * four octets (§3.3.1). */
	if ((d->protocol == IKE_PROTO_IKE && d->spi_size != 0) ||
	    ((d->protocol == IKE_PROTO_AH || d->protocol == IKE_PROTO_ESP) && d->spi_size != 4)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "SPI size %u is invalid for protocol %u", d->spi_size,
		                  d->protocol);
		return FALSE;
	}
	rest = ike_reader_left(body);
	if ((gsize) d->num_spis * d->spi_size != rest) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "%u SPIs of %u bytes do not fill the %" G_GSIZE_FORMAT
		                  " bytes left",
		                  d->num_spis, d->spi_size, rest);
		return FALSE;
	}
	ike_read_rest(body, &d->spis, &rest);
	return TRUE;
}

static gboolean
delete_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	const IkeDeletePayload *d = &p->u.del;

	ike_write_u8(out, d->protocol);
	ike_write_u8(out, d->spi_size);
	ike_write_u16(out, d->num_spis);
	ike_write_bytes(out, d->spis, (gsize) d->num_spis * d->spi_size);
	return TRUE;
}

static void
delete_to_text(const IkePayload *p, GString *out)
{
	const IkeDeletePayload *d = &p->u.del;

	ike_text_name(out, IKE_REG_PROTO, d->protocol);
	for (guint i = 0; d->spi_size > 0 && i < d->num_spis; i++) {
		g_string_append(out, i == 0 ? " spi=0x" : ",0x");
		for (guint b = 0; b < d->spi_size; b++)
			g_string_append_printf(out, "%02x", d->spis[i * d->spi_size + b]);
	}
}

static void
delete_to_json(const IkePayload *p, GString *out)
{
	const IkeDeletePayload *d = &p->u.del;

	ike_json_name(out, "protocol", IKE_REG_PROTO, d->protocol);
	ike_json_uint(out, "spi_size", d->spi_size);
	ike_json_uint(out, "num_spis", d->num_spis);
	ike_json_key(out, "spis");
	g_string_append(out, "[");
	for (guint i = 0; d->spi_size > 0 && i < d->num_spis; i++) {
		if (i > 0)
			g_string_append(out, ",");
		ike_json_append_hex(out, d->spis + (gsize) i * d->spi_size, d->spi_size);
	}
	g_string_append(out, "]");
}

IkePayload *
ike_payload_new_delete(guint8 protocol, guint8 spi_size, guint16 num_spis, const guint8 *spis)
{
	IkePayload *p = ike_payload_new(IKE_PAYLOAD_DELETE);
	gsize len = (gsize) spi_size * num_spis;

	p->u.del.protocol = protocol;
	p->u.del.spi_size = spi_size;
	p->u.del.spis = ike_payload_dup_data(p, spis, len);
	p->u.del.num_spis = p->u.del.spis != NULL || len == 0 ? num_spis : 0;
	return p;
}

const IkePayloadOps ike_ops_delete = {
        .type = IKE_PAYLOAD_DELETE,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .parse = delete_parse,
        .encode = delete_encode,
        .to_text = delete_to_text,
        .to_json = delete_to_json,
};
