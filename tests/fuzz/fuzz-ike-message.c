/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the IKEv2 wire codec (service/ike/).
 *
 * For every input:
 *  - ike_message_parse(); on failure the error must be a non-empty
 *    IKE_CODEC_ERROR;
 *  - on success: encode(parse(x)) == x exactly, the text and JSON formatters
 *    and the exchange rules run, and the body of each SK/SKF payload is
 *    parsed as if it were the decrypted plaintext of the inner chain (first
 *    type = the SK's Next Payload); a chain that parses must re-encode to the
 *    same bytes and is formatted as part of the message;
 *  - the input is also parsed as a bare payload chain (first byte = first
 *    payload type), which reaches the inner payload parsers directly.
 *
 * A violated property calls abort(), which libFuzzer reports as a crash and
 * the replay driver (fuzz-replay.c) as a failed test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void G_GNUC_NORETURN
property_failed(const char *what)
{
	fprintf(stderr, "fuzz-ike-message: property violated: %s\n", what);
	abort();
}

static void
check_error(GError *error, const char *where)
{
	if (error == NULL || error->domain != IKE_CODEC_ERROR || error->message == NULL ||
	    error->message[0] == '\0')
		property_failed(where);
}

static void
format_chain(const GPtrArray *chain)
{
	GString *json = g_string_new(NULL);
	for (guint i = 0; i < chain->len; i++) {
		const IkePayload *p = g_ptr_array_index(chain, i);
		g_free(ike_payload_to_text(p));
		ike_payload_to_json(p, json);
	}
	g_string_free(json, TRUE);
}

/* Parses @buf as a payload chain starting with @first; if it parses, it must
 * encode back to the same bytes. Returns the chain (owned) or NULL. */
static GPtrArray *
chain_round_trip(guint8 first, const guint8 *buf, gsize len, gsize base)
{
	GError *error = NULL;
	GPtrArray *chain = ike_payload_chain_parse(first, buf, len, base, &error);
	GByteArray *out = NULL;
	guint8 got_first = 0xff;

	if (chain == NULL) {
		check_error(error, "chain parse failed without a proper error");
		g_error_free(error);
		return NULL;
	}
	out = g_byte_array_new();
	if (!ike_payload_chain_encode(chain, out, &got_first, &error)) {
		check_error(error, "chain encode failed without a proper error");
		property_failed("a parsed chain does not encode");
	}
	if (out->len != len || (len > 0 && memcmp(out->data, buf, len) != 0))
		property_failed("chain round trip differs");
	if (got_first != (len > 0 ? first : 0))
		property_failed("chain round trip: first payload type differs");
	g_byte_array_unref(out);
	format_chain(chain);
	return chain;
}

static void
fuzz_message(const guint8 *data, gsize size)
{
	GError *error = NULL;
	IkeMessage *msg = ike_message_parse(data, size, &error);
	GByteArray *out = NULL;
	IkeHeader hdr;

	if (ike_header_peek(data, size, &hdr, NULL))
		g_free(ike_header_to_text(&hdr));
	if (msg == NULL) {
		check_error(error, "message parse failed without a proper error");
		g_error_free(error);
		return;
	}

	out = ike_message_encode(msg, &error);
	if (out == NULL) {
		check_error(error, "message encode failed without a proper error");
		property_failed("a parsed message does not encode");
	}
	if (out->len != size || memcmp(out->data, data, size) != 0)
		property_failed("message round trip differs");
	g_byte_array_unref(out);

	g_free(ike_message_to_text(msg));
	g_free(ike_message_to_json(msg));
	if (!ike_message_check_rules(msg, &error)) {
		check_error(error, "rules check failed without a proper error");
		g_clear_error(&error);
	}

	/* Treat the SK/SKF body as decrypted plaintext. */
	for (guint i = 0; i < msg->payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->payloads, i);
		const guint8 *body = NULL;
		gsize body_len = 0;
		guint8 first = 0;
		GPtrArray *inner = NULL;

		if (p->type == IKE_PAYLOAD_SK) {
			body = p->u.sk.data;
			body_len = p->u.sk.data_len;
			first = p->u.sk.inner_type;
		} else if (p->type == IKE_PAYLOAD_SKF) {
			body = p->u.skf.data;
			body_len = p->u.skf.data_len;
			first = p->u.skf.inner_type;
		} else {
			continue;
		}
		inner = chain_round_trip(first, body, body_len, (gsize)(body - data));
		if (inner != NULL) {
			ike_message_set_inner(msg, inner, NULL);
			g_free(ike_message_to_text(msg));
			g_free(ike_message_to_json(msg));
			(void)ike_message_get_payload(msg, IKE_PAYLOAD_IDI);
			(void)ike_message_get_notify(msg, IKE_NOTIFY_COOKIE);
			(void)ike_message_count_payloads(msg, IKE_PAYLOAD_NOTIFY);
			if (!ike_message_check_rules(msg, &error)) {
				check_error(error, "inner rules check failed without a proper error");
				g_clear_error(&error);
			}
		}
	}
	ike_message_free(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *chain = NULL;

	fuzz_message(data, size);
	if (size >= 1) {
		chain = chain_round_trip(data[0], data + 1, size - 1, 1);
		if (chain != NULL)
			g_ptr_array_unref(chain);
	}
	return 0;
}
