/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE message fragmentation (RFC 7383): sending a protected message as
 * several Encrypted Fragment (SKF) payloads, each protected on its own, and
 * putting received fragments back together.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Next Payload  |C|  RESERVED   |         Payload Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Fragment Number        |        Total Fragments        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Initialization Vector                     |
 *  ~                    Encrypted content + ICV                    ~
 *
 * §2.5: Next Payload is the first inner payload in fragment 1, else 0;
 * §2.6: fragments are checked one by one (ICV first), then reassembled; a
 * larger Total Fragments than seen before restarts the collection.
 */
#include <string.h>

#include "engine-private.h"

#define SKF_HEADER_LEN (IKE_GENERIC_HEADER_LEN + 4)
#define FRAG_MAX_TOTAL 64

struct FragBuf {
	guint32 msgid;
	gboolean response;
	guint16 total;
	guint8 first_type;
	GBytes **parts; /* [total], NULL where missing */
	guint n_parts;
};

void
frag_buf_free(FragBuf *fb)
{
	if (fb == NULL)
		return;
	for (guint i = 0; i < fb->total; i++)
		if (fb->parts[i] != NULL)
			g_bytes_unref(fb->parts[i]);
	g_free(fb->parts);
	g_free(fb);
}

GPtrArray *
frag_encode(IkeSa *sa, guint8 exchange, gboolean response, guint32 msgid, const guint8 *plain,
            gsize plain_len, guint8 first_type, gsize max_msg, GError **error)
{
	guint8 flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	gsize room = max_msg > IKE_HEADER_LEN + SKF_HEADER_LEN ? max_msg - IKE_HEADER_LEN - SKF_HEADER_LEN
	                                                       : 0;
	gsize chunk = crypto_sk_max_plain_len(sa->sk_out, room);
	guint total;

	if (chunk == 0 || plain_len == 0 || (plain_len + chunk - 1) / chunk > FRAG_MAX_TOTAL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		            "cannot fragment %" G_GSIZE_FORMAT " octets into %" G_GSIZE_FORMAT
		            "-octet messages",
		            plain_len, max_msg);
		return NULL;
	}
	total = (guint) ((plain_len + chunk - 1) / chunk);
	for (guint i = 0; i < total; i++) {
		gsize off = (gsize) i * chunk, len = MIN(chunk, plain_len - off);
		gsize body_len = crypto_sk_body_len(sa->sk_out, len);
		g_autoptr(IkeMessage) msg = ike_message_new(exchange, flags, sa->spi_i, sa->spi_r, msgid);
		g_autofree guint8 *zeros = g_malloc0(body_len);
		GByteArray *wire;
		gsize aad_len;

		ike_message_add_payload(msg, ike_payload_new_skf(i == 0 ? first_type : 0,
		                                                 (guint16) (i + 1), (guint16) total, zeros,
		                                                 body_len));
		wire = ike_message_encode(msg, error);
		if (wire == NULL)
			return NULL;
		aad_len = wire->len - body_len;
		if (!crypto_sk_seal(sa->sk_out, wire->data, aad_len, plain + off, len, wire->data + aad_len,
		                    body_len, error)) {
			g_byte_array_unref(wire);
			return NULL;
		}
		g_ptr_array_add(out, g_byte_array_free_to_bytes(wire));
	}
	return g_steal_pointer(&out);
}

static gboolean
open_fragment(IkeSa *sa, IkeMessage *msg, const IkePayload *skf, GBytes **plain, GError **error)
{
	gsize len, plain_len = 0;
	const guint8 *data = g_bytes_get_data(msg->bytes, &len);
	gsize body_off = skf->offset + SKF_HEADER_LEN;
	gsize out_size = crypto_sk_open_buf_len(sa->sk_in, skf->u.skf.data_len);
	guint8 *out = g_malloc0(MAX(out_size, 1));

	if (!crypto_sk_open(sa->sk_in, data, body_off, skf->u.skf.data, skf->u.skf.data_len, out,
	                    out_size, &plain_len, error)) {
		g_free(out);
		return FALSE;
	}
	*plain = g_bytes_new_take(out, plain_len);
	return TRUE;
}

static gboolean
check_fragment(const IkeSkfPayload *f, GError **error)
{
	if (f->fragment_number == 0 || f->total_fragments == 0 ||
	    f->fragment_number > f->total_fragments || f->total_fragments > FRAG_MAX_TOTAL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "bad fragment %u/%u",
		            f->fragment_number, f->total_fragments);
		return FALSE;
	}
	if ((f->fragment_number == 1) != (f->inner_type != 0)) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "only fragment 1 names the first inner payload (RFC 7383 §2.5)");
		return FALSE;
	}
	return TRUE;
}

static void
frag_start(IkeSa *sa, guint32 msgid, gboolean response, guint16 total)
{
	frag_buf_free(sa->frag);
	sa->frag = g_new0(FragBuf, 1);
	sa->frag->msgid = msgid;
	sa->frag->response = response;
	sa->frag->total = total;
	sa->frag->parts = g_new0(GBytes *, total);
}

static FragResult
frag_finish(IkeSa *sa, IkeMessage *msg, GError **error)
{
	FragBuf *fb = sa->frag;
	g_autoptr(GByteArray) all = g_byte_array_new();
	GPtrArray *inner;
	GBytes *plain;

	for (guint i = 0; i < fb->total; i++) {
		gsize n;
		const guint8 *d = g_bytes_get_data(fb->parts[i], &n);

		g_byte_array_append(all, d, (guint) n);
	}
	plain = g_byte_array_free_to_bytes(g_steal_pointer(&all));
	inner = ike_payload_chain_parse(fb->first_type, g_bytes_get_data(plain, NULL),
	                                g_bytes_get_size(plain), 0, error);
	g_clear_pointer(&sa->frag, frag_buf_free);
	if (inner == NULL) {
		g_bytes_unref(plain);
		return FRAG_FAILED;
	}
	ike_message_set_inner(msg, inner, plain);
	g_bytes_unref(plain);
	return FRAG_COMPLETE;
}

FragResult
frag_collect(IkeSa *sa, IkeMessage *msg, const IkePayload *skf, GError **error)
{
	const IkeSkfPayload *f = &skf->u.skf;
	gboolean response = (msg->header.flags & IKE_FLAG_RESPONSE) != 0;
	GBytes *plain = NULL;
	FragBuf *fb;

	if (!check_fragment(f, error) || !open_fragment(sa, msg, skf, &plain, error))
		return FRAG_FAILED;
	fb = sa->frag;
	if (fb == NULL || fb->msgid != msg->header.message_id || fb->response != response ||
	    f->total_fragments > fb->total) {
		frag_start(sa, msg->header.message_id, response, f->total_fragments);
		fb = sa->frag;
	} else if (f->total_fragments < fb->total) {
		g_bytes_unref(plain); /* §2.6.1: a stale fragment of an older split */
		return FRAG_MORE;
	}
	if (fb->parts[f->fragment_number - 1] != NULL) {
		g_bytes_unref(plain);
		return FRAG_MORE;
	}
	fb->parts[f->fragment_number - 1] = plain;
	if (f->fragment_number == 1)
		fb->first_type = f->inner_type;
	if (++fb->n_parts < fb->total)
		return FRAG_MORE;
	return frag_finish(sa, msg, error);
}
