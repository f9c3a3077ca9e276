/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic Selector payloads TSi and TSr, RFC 7296 §3.13:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Number of TSs |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       <Traffic Selectors>                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Traffic selector, §3.13.1:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   TS Type     |IP Protocol ID*|       Selector Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Start Port*         |           End Port*           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Starting Address*                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Ending Address*                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * (* the layout after Selector Length depends on TS Type; other types than
 * TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE are kept as raw bytes.)
 *
 * Start Port > End Port is legal: (65535, 0) means OPAQUE ports (§3.13.1).
 */
#include "payload-private.h"

#define TS_HEADER_LEN 4 /* type, protocol, selector length */

gsize
ike_ts_type_addr_len(guint8 type)
{
	if (type == IKE_TS_IPV4_ADDR_RANGE)
		return 4;
	if (type == IKE_TS_IPV6_ADDR_RANGE)
		return 16;
	return 0;
}

static void
ts_init(IkePayload *p)
{
	p->u.ts.selectors = g_array_new(FALSE, TRUE, sizeof(IkeTrafficSelector));
}

static void
ts_clear(IkePayload *p)
{
	g_clear_pointer(&p->u.ts.selectors, g_array_unref);
}

static gboolean
parse_selector(const IkePayload *p, guint index, IkeReader *r, IkeTrafficSelector *ts,
               GError **error)
{
	gsize at = ike_reader_offset(r);
	gsize alen, want;
	guint16 slen = 0;
	IkeReader sr;

	if (ike_reader_left(r) < TS_HEADER_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "selector %u at offset %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT
		                  " bytes left, less than its %d-byte header",
		                  index + 1, at, ike_reader_left(r), TS_HEADER_LEN);
		return FALSE;
	}
	ike_read_u8(r, &ts->type);
	ike_read_u8(r, &ts->ip_protocol);
	ike_read_u16(r, &slen);
	alen = ike_ts_type_addr_len(ts->type);
	/* §3.13.1: the address-range types have a fixed Selector Length: 16
	 * for IPv4, 40 for IPv6. */
	want = alen > 0 ? 8 + 2 * alen : TS_HEADER_LEN;
	if (slen < want || (alen > 0 && slen != want)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "selector %u at offset %" G_GSIZE_FORMAT
		                  ": length %u does not match the %" G_GSIZE_FORMAT
		                  "-byte size of TS type %u",
		                  index + 1, at, slen, want, ts->type);
		return FALSE;
	}
	if ((gsize) slen - TS_HEADER_LEN > ike_reader_left(r)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "selector %u at offset %" G_GSIZE_FORMAT
		                  ": length %u overruns the %" G_GSIZE_FORMAT " bytes left",
		                  index + 1, at, slen, ike_reader_left(r) + TS_HEADER_LEN);
		return FALSE;
	}
	ike_reader_sub(r, (gsize) slen - TS_HEADER_LEN, &sr);
	if (alen == 0) {
		ike_read_rest(&sr, &ts->raw, &ts->raw_len);
		return TRUE;
	}
	ike_read_u16(&sr, &ts->start_port);
	ike_read_u16(&sr, &ts->end_port);
	memcpy(ts->start_addr, sr.data + sr.pos, alen);
	memcpy(ts->end_addr, sr.data + sr.pos + alen, alen);
	return TRUE;
}

static gboolean
ts_parse(IkePayload *p, IkeReader *body, GError **error)
{
	guint8 count = 0;

	ike_read_u8(body, &count);
	ike_read_u24(body, p->u.ts.reserved);
	/* §3.13: the payload carries "one or more" selectors. */
	if (count == 0) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p, "Number of TSs is 0");
		return FALSE;
	}
	for (guint i = 0; i < count; i++) {
		IkeTrafficSelector ts = {0};

		if (!parse_selector(p, i, body, &ts, error))
			return FALSE;
		g_array_append_val(p->u.ts.selectors, ts);
	}
	if (ike_reader_left(body) != 0) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "%" G_GSIZE_FORMAT
		                  " bytes after its %u selectors (Number of TSs disagrees with "
		                  "the length)",
		                  ike_reader_left(body), count);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ts_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	const GArray *sels = p->u.ts.selectors;

	if (!ike_check_fits(error, p, "selector count", sels->len, G_MAXUINT8))
		return FALSE;
	ike_write_u8(out, (guint8) sels->len);
	ike_write_bytes(out, p->u.ts.reserved, 3);
	for (guint i = 0; i < sels->len; i++) {
		const IkeTrafficSelector *ts = &g_array_index(sels, IkeTrafficSelector, i);
		gsize alen = ike_ts_type_addr_len(ts->type);
		gsize slen = alen > 0 ? 8 + 2 * alen : TS_HEADER_LEN + ts->raw_len;

		if (!ike_check_fits(error, p, "selector", slen, G_MAXUINT16))
			return FALSE;
		ike_write_u8(out, ts->type);
		ike_write_u8(out, ts->ip_protocol);
		ike_write_u16(out, (guint16) slen);
		if (alen == 0) {
			ike_write_bytes(out, ts->raw, ts->raw_len);
			continue;
		}
		ike_write_u16(out, ts->start_port);
		ike_write_u16(out, ts->end_port);
		ike_write_bytes(out, ts->start_addr, alen);
		ike_write_bytes(out, ts->end_addr, alen);
	}
	return TRUE;
}

void
ike_ts_payload_add_range(IkePayload *ts, guint8 ip_protocol, guint16 start_port, guint16 end_port,
                         const guint8 *start_addr, const guint8 *end_addr, gsize family_len)
{
	IkeTrafficSelector sel = {
	        .type = family_len == 16 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE,
	        .ip_protocol = ip_protocol,
	        .start_port = start_port,
	        .end_port = end_port,
	};

	g_return_if_fail(family_len == 4 || family_len == 16);
	g_return_if_fail(ts->type == IKE_PAYLOAD_TSI || ts->type == IKE_PAYLOAD_TSR);
	memcpy(sel.start_addr, start_addr, family_len);
	memcpy(sel.end_addr, end_addr, family_len);
	g_array_append_val(ts->u.ts.selectors, sel);
}

IkePayload *
ike_payload_new_ts(guint8 payload_type)
{
	g_return_val_if_fail(payload_type == IKE_PAYLOAD_TSI || payload_type == IKE_PAYLOAD_TSR,
	                     NULL);
	return ike_payload_new(payload_type);
}

static void
ts_to_text(const IkePayload *p, GString *out)
{
	for (guint i = 0; i < p->u.ts.selectors->len; i++) {
		const IkeTrafficSelector *ts =
		        &g_array_index(p->u.ts.selectors, IkeTrafficSelector, i);
		gsize alen = ike_ts_type_addr_len(ts->type);

		if (i > 0)
			g_string_append(out, "; ");
		if (alen == 0) {
			ike_text_name(out, IKE_REG_TS, ts->type);
			g_string_append_printf(out, " len=%" G_GSIZE_FORMAT, ts->raw_len);
			continue;
		}
		ike_text_addr(out, ts->start_addr, alen);
		g_string_append_c(out, '-');
		ike_text_addr(out, ts->end_addr, alen);
		g_string_append_printf(out, " proto=%u ports=%u-%u", ts->ip_protocol,
		                       ts->start_port, ts->end_port);
	}
}

static void
ts_to_json(const IkePayload *p, GString *out)
{
	ike_json_key(out, "selectors");
	g_string_append(out, "[");
	for (guint i = 0; i < p->u.ts.selectors->len; i++) {
		const IkeTrafficSelector *ts =
		        &g_array_index(p->u.ts.selectors, IkeTrafficSelector, i);
		gsize alen = ike_ts_type_addr_len(ts->type);
		g_autoptr(GString) a = g_string_new(NULL);

		g_string_append(out, i > 0 ? ",{" : "{");
		ike_json_name(out, "ts_type", IKE_REG_TS, ts->type);
		ike_json_uint(out, "ip_protocol", ts->ip_protocol);
		if (alen == 0) {
			ike_json_hex(out, "data", ts->raw, ts->raw_len);
			g_string_append(out, "}");
			continue;
		}
		ike_json_uint(out, "start_port", ts->start_port);
		ike_json_uint(out, "end_port", ts->end_port);
		ike_text_addr(a, ts->start_addr, alen);
		ike_json_key(out, "start_addr");
		ike_json_append_string(out, a->str, (gssize) a->len);
		g_string_truncate(a, 0);
		ike_text_addr(a, ts->end_addr, alen);
		ike_json_key(out, "end_addr");
		ike_json_append_string(out, a->str, (gssize) a->len);
		g_string_append(out, "}");
	}
	g_string_append(out, "]");
}

const IkePayloadOps ike_ops_tsi = {
        .type = IKE_PAYLOAD_TSI,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .init = ts_init,
        .clear = ts_clear,
        .parse = ts_parse,
        .encode = ts_encode,
        .to_text = ts_to_text,
        .to_json = ts_to_json,
};

const IkePayloadOps ike_ops_tsr = {
        .type = IKE_PAYLOAD_TSR,
        .fixed_len = IKE_GENERIC_HEADER_LEN + 4,
        .init = ts_init,
        .clear = ts_clear,
        .parse = ts_parse,
        .encode = ts_encode,
        .to_text = ts_to_text,
        .to_json = ts_to_json,
};
