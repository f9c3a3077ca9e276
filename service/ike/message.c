/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages and payload chains, RFC 7296 §3.1 - §3.2.
 *
 * Generic payload header (§3.2), in front of every payload:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The walk: each payload names the type of the one after it; the header
 * names the first. Every Payload Length is checked against the payload's
 * fixed part and against the bytes left before anything in it is read, and
 * since every payload is at least 4 bytes long the walk always advances.
 */
#include <stdarg.h>

#include "ike-codec.h"
#include "payload-private.h"

/* Every payload type the codec understands. Const, so no shared state. */
static const IkePayloadOps *const payload_ops[] = {
        &ike_ops_sa,      &ike_ops_ke,   &ike_ops_idi,   &ike_ops_idr,    &ike_ops_cert,
        &ike_ops_certreq, &ike_ops_auth, &ike_ops_nonce, &ike_ops_notify, &ike_ops_delete,
        &ike_ops_vendor,  &ike_ops_tsi,  &ike_ops_tsr,   &ike_ops_sk,     &ike_ops_skf,
        &ike_ops_cp,      &ike_ops_eap,
};

const IkePayloadOps *
ike_payload_ops_lookup(guint8 type)
{
	for (gsize i = 0; i < G_N_ELEMENTS(payload_ops); i++) {
		if (payload_ops[i]->type == type)
			return payload_ops[i];
	}
	return NULL;
}

const char *
ike_payload_type_name(guint8 type, char *buf, gsize buflen)
{
	return ike_name_or_unknown(IKE_REG_PAYLOAD, type, buf, buflen);
}

void
ike_payload_error(GError **error, gint code, const IkePayload *p, const char *fmt, ...)
{
	char namebuf[IKE_NAME_BUF_LEN];
	g_autofree char *msg = NULL;
	va_list ap;

	if (error == NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, IKE_CODEC_ERROR, code, "%s payload at offset %" G_GSIZE_FORMAT ": %s",
	            ike_payload_type_name(p->type, namebuf, sizeof(namebuf)), p->offset, msg);
}

gboolean
ike_check_fits(GError **error, const IkePayload *p, const char *field, gsize len, gsize max)
{
	if (len <= max)
		return TRUE;
	ike_payload_error(error, IKE_CODEC_ERROR_INVALID_ARGUMENT, p,
	                  "%s of %" G_GSIZE_FORMAT " bytes exceeds the maximum of %" G_GSIZE_FORMAT,
	                  field, len, max);
	return FALSE;
}

/* ---- payload objects ---- */

IkePayload *
ike_payload_new(guint8 type)
{
	IkePayload *p = g_new0(IkePayload, 1);
	const IkePayloadOps *ops = ike_payload_ops_lookup(type);

	p->type = type;
	p->known = ops != NULL;
	if (ops != NULL && ops->init != NULL)
		ops->init(p);
	return p;
}

void
ike_payload_free(IkePayload *p)
{
	const IkePayloadOps *ops;

	if (p == NULL)
		return;
	ops = p->known ? ike_payload_ops_lookup(p->type) : NULL;
	if (ops != NULL && ops->clear != NULL)
		ops->clear(p);
	if (p->owned != NULL)
		g_ptr_array_unref(p->owned);
	g_free(p);
}

const guint8 *
ike_payload_dup_data(IkePayload *p, const guint8 *data, gsize len)
{
	guint8 *copy;

	if (data == NULL || len == 0)
		return NULL;
	if (p->owned == NULL)
		p->owned = g_ptr_array_new_with_free_func(g_free);
	copy = g_memdup2(data, len);
	g_ptr_array_add(p->owned, copy);
	return copy;
}

static void
payload_free_cb(gpointer p)
{
	ike_payload_free(p);
}

GPtrArray *
ike_payload_chain_new(void)
{
	return g_ptr_array_new_with_free_func(payload_free_cb);
}

/* ---- the walk ---- */

static gboolean
is_encrypted_type(guint8 type)
{
	return type == IKE_PAYLOAD_SK || type == IKE_PAYLOAD_SKF;
}

/* Reads one generic header at @pos and the body behind it into a new payload. */
static IkePayload *
parse_one(guint8 type, const guint8 *buf, gsize len, gsize pos, gsize base_offset,
          gboolean allow_encrypted, guint8 *next, GError **error)
{
	g_autoptr(IkePayload) p = g_new0(IkePayload, 1);
	const IkePayloadOps *ops = ike_payload_ops_lookup(type);
	gsize fixed = ops != NULL ? ops->fixed_len : IKE_GENERIC_HEADER_LEN;
	IkeReader r, body;
	guint8 flags = 0;
	guint16 plen = 0;

	p->type = type;
	p->offset = base_offset + pos;
	if (len - pos < IKE_GENERIC_HEADER_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "only %" G_GSIZE_FORMAT
		                  " bytes left, too few for the 4-byte generic payload header",
		                  len - pos);
		return NULL;
	}
	ike_reader_init(&r, buf + pos, len - pos, p->offset);
	ike_read_u8(&r, next);
	ike_read_u8(&r, &flags);
	ike_read_u16(&r, &plen);
	p->critical = (flags & 0x80) != 0;
	p->reserved = flags & 0x7f;
	p->length = plen;
	/* §3.2 Payload Length covers the generic header; a smaller value than
	 * the fixed part is malformed (and 0 would make the walk stand still). */
	if (plen < fixed) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "length %u is shorter than its %" G_GSIZE_FORMAT
		                  "-byte fixed part",
		                  plen, fixed);
		return NULL;
	}
	if (plen > len - pos) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "length %u overruns the %" G_GSIZE_FORMAT " bytes left", plen,
		                  len - pos);
		return NULL;
	}
	ike_reader_init(&body, buf + pos + IKE_GENERIC_HEADER_LEN, plen - IKE_GENERIC_HEADER_LEN,
	                p->offset + IKE_GENERIC_HEADER_LEN);
	if (ops == NULL) {
		/* §2.5 and §3.2: an unknown payload with the critical bit set
		 * rejects the whole message with UNSUPPORTED_CRITICAL_PAYLOAD;
		 * without it, it is skipped (kept opaque for round trip). */
		if (p->critical) {
			ike_payload_error(error, IKE_CODEC_ERROR_UNSUPPORTED_CRITICAL_PAYLOAD, p,
			                  "unknown payload type %u has the critical bit set", type);
			return NULL;
		}
		p->known = FALSE;
		ike_read_rest(&body, &p->u.raw.data, &p->u.raw.data_len);
		return g_steal_pointer(&p);
	}
	/* §3.14: the Encrypted payload is never nested inside another. */
	if (is_encrypted_type(type) && !allow_encrypted) {
		ike_payload_error(
		        error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		        "an encrypted payload may not appear inside an encrypted payload");
		return NULL;
	}
	p->known = TRUE;
	if (ops->init != NULL)
		ops->init(p);
	if (!ops->parse(p, &body, error))
		return NULL;
	/* §3.14, RFC 7383 §2.5: SK/SKF's Next Payload is the first inner type. */
	if (type == IKE_PAYLOAD_SK)
		p->u.sk.inner_type = *next;
	else if (type == IKE_PAYLOAD_SKF)
		p->u.skf.inner_type = *next;
	return g_steal_pointer(&p);
}

static gboolean
walk_chain(guint8 first_type, const guint8 *buf, gsize len, gsize base_offset,
           gboolean allow_encrypted, GPtrArray *out, GError **error)
{
	guint8 type = first_type;
	gsize pos = 0;

	while (type != IKE_PAYLOAD_NONE) {
		guint8 next = 0;
		IkePayload *p =
		        parse_one(type, buf, len, pos, base_offset, allow_encrypted, &next, error);

		if (p == NULL)
			return FALSE;
		g_ptr_array_add(out, p);
		pos += p->length;
		if (is_encrypted_type(type)) {
			/* §3.14: "the Encrypted payload ... MUST be the last
			 * payload in the message"; its Next Payload names the
			 * first inner payload, which the parser stored. */
			if (pos != len) {
				ike_payload_error(
				        error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
				        "%" G_GSIZE_FORMAT
				        " bytes follow it, but it must be the last payload",
				        len - pos);
				return FALSE;
			}
			return TRUE;
		}
		type = next;
	}
	if (pos != len) {
		g_set_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX,
		            "%" G_GSIZE_FORMAT " bytes at offset %" G_GSIZE_FORMAT
		            " follow the last payload (Next Payload 0)",
		            len - pos, base_offset + pos);
		return FALSE;
	}
	return TRUE;
}

GPtrArray *
ike_payload_chain_parse(guint8 first_type, const guint8 *buf, gsize len, gsize base_offset,
                        GError **error)
{
	g_autoptr(GPtrArray) out = ike_payload_chain_new();

	if (buf == NULL && len > 0) {
		g_set_error_literal(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_ARGUMENT,
		                    "payload chain: NULL buffer");
		return NULL;
	}
	if (!walk_chain(first_type, buf, len, base_offset, FALSE, out, error))
		return NULL;
	return g_steal_pointer(&out);
}

/* ---- encoding ---- */

gboolean
ike_payload_encode_body(const IkePayload *p, GByteArray *out, GError **error)
{
	const IkePayloadOps *ops = p->known ? ike_payload_ops_lookup(p->type) : NULL;

	if (ops == NULL) {
		ike_write_bytes(out, p->u.raw.data, p->u.raw.data_len);
		return TRUE;
	}
	return ops->encode(p, out, error);
}

static gboolean
encode_chain(const GPtrArray *payloads, gboolean allow_encrypted, GByteArray *out, GError **error)
{
	for (guint i = 0; payloads != NULL && i < payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(payloads, i);
		gboolean last = i + 1 == payloads->len;
		guint8 next =
		        last ? 0 : ((const IkePayload *) g_ptr_array_index(payloads, i + 1))->type;
		gsize start = out->len;
		gsize plen;

		if (is_encrypted_type(p->type) && p->known) {
			if (!allow_encrypted || !last) {
				ike_payload_error(
				        error, IKE_CODEC_ERROR_INVALID_ARGUMENT, p,
				        "an encrypted payload must be the last outer payload");
				return FALSE;
			}
			next = p->type == IKE_PAYLOAD_SK ? p->u.sk.inner_type : p->u.skf.inner_type;
		}
		ike_write_u8(out, next);
		ike_write_u8(out, (guint8) ((p->critical ? 0x80 : 0) | (p->reserved & 0x7f)));
		ike_write_u16(out, 0); /* patched below */
		if (!ike_payload_encode_body(p, out, error))
			return FALSE;
		plen = out->len - start;
		if (!ike_check_fits(error, p, "payload", plen, G_MAXUINT16))
			return FALSE;
		ike_patch_u16(out, start + 2, (guint16) plen);
	}
	return TRUE;
}

gboolean
ike_payload_chain_encode(const GPtrArray *payloads, GByteArray *out, guint8 *first_type,
                         GError **error)
{
	if (first_type != NULL)
		*first_type = payloads != NULL && payloads->len > 0
		                      ? ((const IkePayload *) g_ptr_array_index(payloads, 0))->type
		                      : 0;
	return encode_chain(payloads, FALSE, out, error);
}

/* ---- messages ---- */

IkeMessage *
ike_message_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(IkeMessage) msg = g_new0(IkeMessage, 1);

	msg->payloads = ike_payload_chain_new();
	if (!ike_header_parse(data, len, &msg->header, error))
		return NULL;
	if (!walk_chain(msg->header.next_payload, data + IKE_HEADER_LEN, len - IKE_HEADER_LEN,
	                IKE_HEADER_LEN, TRUE, msg->payloads, error))
		return NULL;
	return g_steal_pointer(&msg);
}

IkeMessage *
ike_message_parse_bytes(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	IkeMessage *msg = ike_message_parse(data, len, error);

	if (msg != NULL)
		msg->bytes = g_bytes_ref(bytes);
	return msg;
}

IkeMessage *
ike_message_new(guint8 exchange_type, guint8 flags, guint64 spi_i, guint64 spi_r,
                guint32 message_id)
{
	IkeMessage *msg = g_new0(IkeMessage, 1);

	msg->header.spi_i = spi_i;
	msg->header.spi_r = spi_r;
	msg->header.major_version = IKE_MAJOR_VERSION;
	msg->header.exchange_type = exchange_type;
	msg->header.flags = flags;
	msg->header.message_id = message_id;
	msg->header.length = IKE_HEADER_LEN;
	msg->payloads = ike_payload_chain_new();
	return msg;
}

void
ike_message_add_payload(IkeMessage *msg, IkePayload *payload)
{
	g_ptr_array_add(msg->payloads, payload);
}

void
ike_message_set_inner(IkeMessage *msg, GPtrArray *inner, GBytes *plaintext)
{
	g_clear_pointer(&msg->inner, g_ptr_array_unref);
	g_clear_pointer(&msg->inner_bytes, g_bytes_unref);
	msg->inner = inner;
	msg->inner_bytes = plaintext != NULL ? g_bytes_ref(plaintext) : NULL;
}

static IkePayload *
chain_find(const GPtrArray *chain, guint8 type, gboolean notify, guint16 notify_type)
{
	for (guint i = 0; chain != NULL && i < chain->len; i++) {
		IkePayload *p = g_ptr_array_index(chain, i);

		if (p->type != type || !p->known)
			continue;
		if (!notify || p->u.notify.type == notify_type)
			return p;
	}
	return NULL;
}

IkePayload *
ike_message_get_payload(const IkeMessage *msg, guint8 type)
{
	IkePayload *p = chain_find(msg->inner, type, FALSE, 0);

	return p != NULL ? p : chain_find(msg->payloads, type, FALSE, 0);
}

IkePayload *
ike_message_get_notify(const IkeMessage *msg, guint16 notify_type)
{
	IkePayload *p = chain_find(msg->inner, IKE_PAYLOAD_NOTIFY, TRUE, notify_type);

	return p != NULL ? p : chain_find(msg->payloads, IKE_PAYLOAD_NOTIFY, TRUE, notify_type);
}

guint
ike_message_count_payloads(const IkeMessage *msg, guint8 type)
{
	const GPtrArray *chains[] = {msg->payloads, msg->inner};
	guint n = 0;

	for (gsize c = 0; c < G_N_ELEMENTS(chains); c++) {
		for (guint i = 0; chains[c] != NULL && i < chains[c]->len; i++) {
			const IkePayload *p = g_ptr_array_index(chains[c], i);

			n += p->type == type ? 1 : 0;
		}
	}
	return n;
}

GByteArray *
ike_message_encode(const IkeMessage *msg, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(512);
	IkeHeader hdr = msg->header;
	guint8 raw[IKE_HEADER_LEN];

	hdr.next_payload =
	        msg->payloads->len > 0
	                ? ((const IkePayload *) g_ptr_array_index(msg->payloads, 0))->type
	                : 0;
	g_byte_array_set_size(out, IKE_HEADER_LEN);
	if (!encode_chain(msg->payloads, TRUE, out, error))
		return NULL;
	hdr.length = out->len;
	ike_header_write(&hdr, raw);
	memcpy(out->data, raw, IKE_HEADER_LEN);
	return g_steal_pointer(&out);
}

void
ike_message_free(IkeMessage *msg)
{
	if (msg == NULL)
		return;
	g_clear_pointer(&msg->payloads, g_ptr_array_unref);
	g_clear_pointer(&msg->inner, g_ptr_array_unref);
	g_clear_pointer(&msg->bytes, g_bytes_unref);
	g_clear_pointer(&msg->inner_bytes, g_bytes_unref);
	g_free(msg);
}
