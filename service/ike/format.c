/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text and JSON renderings (ike-format.h). The per-payload fields come from
 * each payload file's to_text/to_json; this file frames them and holds the
 * JSON helpers. JSON is written by hand (no json-glib dependency in ike/):
 * every string goes through ike_json_append_string(), which escapes per
 * RFC 8259 §7.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ike-format.h"
#include "payload-private.h"

/* ---- JSON helpers ---- */

void
ike_json_append_string(GString *out, const char *s, gssize len)
{
	gsize n = len < 0 ? strlen(s) : (gsize) len;

	g_string_append_c(out, '"');
	for (gsize i = 0; i < n; i++) {
		guchar c = (guchar) s[i];

		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", c);
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\u%04x", c);
		else if (c >= 0x80)
			/* Peer bytes are not known to be UTF-8; escape them as
			 * Latin-1 code points so the document stays valid. */
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_c(out, (gchar) c);
	}
	g_string_append_c(out, '"');
}

void
ike_json_append_hex(GString *out, const guint8 *data, gsize len)
{
	g_string_append_c(out, '"');
	for (gsize i = 0; i < len; i++)
		g_string_append_printf(out, "%02x", data[i]);
	g_string_append_c(out, '"');
}

void
ike_json_key(GString *out, const char *key)
{
	/* A separator unless this is the first member of an object or array. */
	if (out->len > 0 && out->str[out->len - 1] != '{' && out->str[out->len - 1] != '[')
		g_string_append_c(out, ',');
	ike_json_append_string(out, key, -1);
	g_string_append_c(out, ':');
}

void
ike_json_name(GString *out, const char *key, IkeRegistry reg, guint32 value)
{
	char buf[IKE_NAME_BUF_LEN];

	ike_json_key(out, key);
	ike_json_append_string(out, ike_name_or_unknown(reg, value, buf, sizeof(buf)), -1);
}

void
ike_json_uint(GString *out, const char *key, guint64 value)
{
	ike_json_key(out, key);
	g_string_append_printf(out, "%" G_GUINT64_FORMAT, value);
}

void
ike_json_hex(GString *out, const char *key, const guint8 *data, gsize len)
{
	ike_json_key(out, key);
	ike_json_append_hex(out, data, len);
}

static void
json_bool(GString *out, const char *key, gboolean value)
{
	ike_json_key(out, key);
	g_string_append(out, value ? "true" : "false");
}

/* ---- text helpers ---- */

void
ike_text_name(GString *out, IkeRegistry reg, guint32 value)
{
	char buf[IKE_NAME_BUF_LEN];

	g_string_append(out, ike_name_or_unknown(reg, value, buf, sizeof(buf)));
}

void
ike_text_addr(GString *out, const guint8 *addr, gsize len)
{
	char buf[INET6_ADDRSTRLEN];

	if (len == 4 && inet_ntop(AF_INET, addr, buf, sizeof(buf)) != NULL)
		g_string_append(out, buf);
	else if (len == 16 && inet_ntop(AF_INET6, addr, buf, sizeof(buf)) != NULL)
		g_string_append(out, buf);
	else
		g_string_append_printf(out, "<%" G_GSIZE_FORMAT "-byte address>", len);
}

/* ---- header ---- */

static void
flags_to_text(guint8 flags, GString *out)
{
	g_string_append_printf(out, "%s%s%s", (flags & IKE_FLAG_INITIATOR) ? "I" : "",
	                       (flags & IKE_FLAG_RESPONSE) ? "R" : "",
	                       (flags & IKE_FLAG_VERSION) ? "V" : "");
	if ((flags & ~(IKE_FLAG_INITIATOR | IKE_FLAG_RESPONSE | IKE_FLAG_VERSION)) != 0)
		g_string_append_printf(out, "(0x%02x)", flags);
}

char *
ike_header_to_text(const IkeHeader *hdr)
{
	GString *out = g_string_new(NULL);

	ike_text_name(out, IKE_REG_EXCHANGE, hdr->exchange_type);
	g_string_append_printf(out,
	                       " %s msgid=%u spi_i=%016" G_GINT64_MODIFIER
	                       "x spi_r=%016" G_GINT64_MODIFIER "x flags=",
	                       (hdr->flags & IKE_FLAG_RESPONSE) ? "response" : "request",
	                       hdr->message_id, hdr->spi_i, hdr->spi_r);
	flags_to_text(hdr->flags, out);
	g_string_append_printf(out, " version=%u.%u len=%u", hdr->major_version, hdr->minor_version,
	                       hdr->length);
	return g_string_free(out, FALSE);
}

void
ike_header_to_json(const IkeHeader *hdr, GString *out)
{
	char spi[17];

	g_string_append_c(out, '{');
	g_snprintf(spi, sizeof(spi), "%016" G_GINT64_MODIFIER "x", hdr->spi_i);
	ike_json_key(out, "spi_i");
	ike_json_append_string(out, spi, -1);
	g_snprintf(spi, sizeof(spi), "%016" G_GINT64_MODIFIER "x", hdr->spi_r);
	ike_json_key(out, "spi_r");
	ike_json_append_string(out, spi, -1);
	ike_json_name(out, "next_payload", IKE_REG_PAYLOAD, hdr->next_payload);
	ike_json_uint(out, "major_version", hdr->major_version);
	ike_json_uint(out, "minor_version", hdr->minor_version);
	ike_json_name(out, "exchange", IKE_REG_EXCHANGE, hdr->exchange_type);
	ike_json_uint(out, "exchange_num", hdr->exchange_type);
	ike_json_uint(out, "flags", hdr->flags);
	json_bool(out, "initiator", (hdr->flags & IKE_FLAG_INITIATOR) != 0);
	json_bool(out, "response", (hdr->flags & IKE_FLAG_RESPONSE) != 0);
	ike_json_uint(out, "message_id", hdr->message_id);
	ike_json_uint(out, "length", hdr->length);
	g_string_append_c(out, '}');
}

/* ---- payloads ---- */

char *
ike_payload_to_text(const IkePayload *p)
{
	const IkePayloadOps *ops = p->known ? ike_payload_ops_lookup(p->type) : NULL;
	GString *out = g_string_new(NULL);

	ike_text_name(out, IKE_REG_PAYLOAD, p->type);
	g_string_append(out, ": ");
	if (p->critical)
		g_string_append(out, "critical ");
	if (ops != NULL)
		ops->to_text(p, out);
	else
		g_string_append_printf(out, "not understood, skipped, len=%" G_GSIZE_FORMAT,
		                       p->u.raw.data_len);
	return g_string_free(out, FALSE);
}

static void chain_to_json(const GPtrArray *chain, const GPtrArray *inner, GString *out);

static void
payload_to_json(const IkePayload *p, const GPtrArray *inner, GString *out)
{
	const IkePayloadOps *ops = p->known ? ike_payload_ops_lookup(p->type) : NULL;

	g_string_append_c(out, '{');
	ike_json_name(out, "type", IKE_REG_PAYLOAD, p->type);
	ike_json_uint(out, "type_num", p->type);
	json_bool(out, "critical", p->critical);
	json_bool(out, "known", p->known);
	ike_json_uint(out, "offset", p->offset);
	ike_json_uint(out, "length", p->length);
	if (ops != NULL)
		ops->to_json(p, out);
	else
		ike_json_hex(out, "data", p->u.raw.data, p->u.raw.data_len);
	if (inner != NULL && p->known && p->type == IKE_PAYLOAD_SK) {
		ike_json_key(out, "payloads");
		chain_to_json(inner, NULL, out);
	}
	g_string_append_c(out, '}');
}

void
ike_payload_to_json(const IkePayload *p, GString *out)
{
	payload_to_json(p, NULL, out);
}

static void
chain_to_json(const GPtrArray *chain, const GPtrArray *inner, GString *out)
{
	g_string_append_c(out, '[');
	for (guint i = 0; chain != NULL && i < chain->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		payload_to_json(g_ptr_array_index(chain, i), inner, out);
	}
	g_string_append_c(out, ']');
}

char *
ike_message_to_json(const IkeMessage *msg)
{
	GString *out = g_string_new("{");

	ike_json_key(out, "header");
	ike_header_to_json(&msg->header, out);
	ike_json_key(out, "payloads");
	chain_to_json(msg->payloads, msg->inner, out);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

static void
chain_to_text(const GPtrArray *chain, const GPtrArray *inner, const char *indent, GString *out)
{
	for (guint i = 0; chain != NULL && i < chain->len; i++) {
		const IkePayload *p = g_ptr_array_index(chain, i);
		g_autofree char *line = ike_payload_to_text(p);

		g_string_append_printf(out, "%s%s\n", indent, line);
		if (inner != NULL && p->known && p->type == IKE_PAYLOAD_SK)
			chain_to_text(inner, NULL, "  ", out);
	}
}

char *
ike_message_to_text(const IkeMessage *msg)
{
	g_autofree char *hdr = ike_header_to_text(&msg->header);
	GString *out = g_string_new(hdr);

	g_string_append_c(out, '\n');
	chain_to_text(msg->payloads, msg->inner, "", out);
	return g_string_free(out, FALSE);
}
