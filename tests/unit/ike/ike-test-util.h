/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the ike/ unit tests: hex vectors and a reference IKE_SA_INIT
 * request built by hand from the RFC 7296 §3 layouts.
 */
#pragma once

#include <glib.h>
#include <string.h>

#include "ike.h"

/* Bytes from hex text; spaces, newlines and '|' are ignored. Aborts the test
 * on a bad digit (a bug in the test, not in the code under test). */
static inline GByteArray *
hex(const char *text)
{
	GByteArray *out = g_byte_array_new();
	int hi = -1;

	for (const char *c = text; *c != '\0'; c++) {
		int v;

		if (*c == ' ' || *c == '\n' || *c == '|')
			continue;
		v = g_ascii_xdigit_value(*c);
		g_assert_cmpint(v, >=, 0);
		if (hi < 0) {
			hi = v;
		} else {
			guint8 b = (guint8) (hi << 4 | v);

			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	g_assert_cmpint(hi, ==, -1);
	return out;
}

/* Appends @n copies of byte @b as hex to @s (for long fields in vectors). */
static inline void
hex_fill(GString *s, guint8 b, gsize n)
{
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", b);
}

static inline void
assert_bytes(const guint8 *got, gsize got_len, const guint8 *want, gsize want_len)
{
	if (got_len != want_len || memcmp(got, want, want_len) != 0) {
		g_autoptr(GString) gs = g_string_new(NULL);
		g_autoptr(GString) ws = g_string_new(NULL);

		for (gsize i = 0; i < got_len; i++)
			g_string_append_printf(gs, "%02x", got[i]);
		for (gsize i = 0; i < want_len; i++)
			g_string_append_printf(ws, "%02x", want[i]);
		g_test_message("got  %s\nwant %s", gs->str, ws->str);
	}
	g_assert_cmpmem(got, got_len, want, want_len);
}

/*
 * Reference IKE_SA_INIT request, 228 bytes. Offsets:
 *   0 header | 28 SA | 32 proposal 1 | 40 transform 1 (ENCR, Key Length attr
 *   at 48) | 52 transform 2 | 60 transform 3 | 68 transform 4 | 76 KE |
 *   116 Nonce | 152 N(NAT_DETECTION_SOURCE_IP) | 180 N(NAT_DETECTION_DESTINATION_IP)
 *   | 208 VendorID | 228 end
 */
#define SA_INIT_LEN 228
static inline GByteArray *
sa_init_request_bytes(void)
{
	g_autoptr(GString) s = g_string_new(NULL);

	/* header: SPIi, SPIr, next SA, 2.0, IKE_SA_INIT, I, msgid 0, len 228 */
	g_string_append(s, "0102030405060708 0000000000000000 21 20 22 08 00000000 000000e4");
	/* SA: next KE, len 48; proposal: last, len 44, #1 IKE spi 0, 4 transforms */
	g_string_append(s, "22 00 0030 | 00 00 002c 01 01 00 04");
	/* ENCR_AES_GCM_16 with Key Length 256 (TV) */
	g_string_append(s, "03 00 000c 01 00 0014 800e 0100");
	/* PRF_HMAC_SHA2_256, KE 31 (Curve25519), KE 14 (MODP_2048, last) */
	g_string_append(s, "03 00 0008 02 00 0005 | 03 00 0008 04 00 001f | 00 00 0008 04 00 000e");
	/* KE: next Nonce, len 40, group 31 */
	g_string_append(s, "28 00 0028 001f 0000");
	hex_fill(s, 0xaa, 32);
	/* Nonce: next Notify, len 36 */
	g_string_append(s, "29 00 0024");
	hex_fill(s, 0xbb, 32);
	/* N(NAT_DETECTION_SOURCE_IP): next Notify, len 28 */
	g_string_append(s, "29 00 001c 00 00 4004");
	hex_fill(s, 0xcc, 20);
	/* N(NAT_DETECTION_DESTINATION_IP): next VendorID, len 28 */
	g_string_append(s, "2b 00 001c 00 00 4005");
	hex_fill(s, 0xdd, 20);
	/* VendorID: last, len 20 */
	g_string_append(s, "00 00 0014");
	hex_fill(s, 0xee, 16);
	return hex(s->str);
}

/* Parses @data as a whole message and expects success. */
static inline IkeMessage *
parse_ok(const GByteArray *data)
{
	g_autoptr(GError) error = NULL;
	IkeMessage *msg = ike_message_parse(data->data, data->len, &error);

	g_assert_no_error(error);
	g_assert_nonnull(msg);
	return msg;
}

/* Parse, re-encode, expect the same bytes. */
static inline void
assert_round_trip(const GByteArray *data)
{
	g_autoptr(IkeMessage) msg = parse_ok(data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) out = ike_message_encode(msg, &error);

	g_assert_no_error(error);
	assert_bytes(out->data, out->len, data->data, data->len);
}

/* Parses a payload chain, re-encodes it, expects the same bytes. */
static inline GPtrArray *
chain_round_trip(guint8 first, const GByteArray *data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) chain =
	        ike_payload_chain_parse(first, data->data, data->len, 0, &error);
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint8 first_out = 0xff;

	g_assert_no_error(error);
	g_assert_nonnull(chain);
	g_assert_true(ike_payload_chain_encode(chain, out, &first_out, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(first_out, ==, first);
	assert_bytes(out->data, out->len, data->data, data->len);
	return g_steal_pointer(&chain);
}

/* Expects @data (as a chain starting with @first) to be rejected with @code
 * and a message containing @needle. */
static inline void
chain_reject(guint8 first, const GByteArray *data, gint code, const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) chain =
	        ike_payload_chain_parse(first, data->data, data->len, 0, &error);

	g_assert_null(chain);
	g_assert_error(error, IKE_CODEC_ERROR, code);
	if (needle != NULL && strstr(error->message, needle) == NULL)
		g_error("error \"%s\" lacks \"%s\"", error->message, needle);
}
