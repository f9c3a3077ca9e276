/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key derivation checked against a real peer: strongSwan 5.9.8 logged the
 * DH shared secret, SKEYSEED, SK_* and its PSK AUTH computation while it
 * negotiated with another strongSwan (see data/kdf-peer/README.md).  From
 * g^ir, the nonces and SPIs taken from the captured IKE_SA_INIT we recompute
 * everything and compare, then open strongSwan's captured IKE_AUTH request
 * with our SK code and find its IDi and AUTH payloads inside.
 */
#include <string.h>

#include "keymat.h"
#include "nss-init.h"
#include "sk.h"
#include "crypto-test-util.h"

static GKeyFile *
load(const char *name)
{
	const char *srcdir = g_getenv("IKEBUS_SRCDIR");
	g_autofree char *path = NULL, *text = NULL, *with_group = NULL;
	g_autoptr(GError) error = NULL;
	GKeyFile *kf = g_key_file_new();

	g_assert_nonnull(srcdir);
	path = g_build_filename(srcdir, "tests", "unit", "crypto", "data", "kdf-peer", name, NULL);
	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	/* the file is "name = value" lines; GKeyFile wants a group header */
	with_group = g_strconcat("[v]\n", text, NULL);
	g_assert_true(
	        g_key_file_load_from_data(kf, with_group, (gsize) -1, G_KEY_FILE_NONE, &error));
	g_assert_no_error(error);
	return kf;
}

static char *
get_str(GKeyFile *kf, const char *key)
{
	g_autoptr(GError) error = NULL;
	char *v = g_key_file_get_string(kf, "v", key, &error);

	g_assert_no_error(error);
	return v;
}

static guint8 *
get_hex(GKeyFile *kf, const char *key, gsize *len)
{
	g_autofree char *v = get_str(kf, key);

	return unhex(v, len);
}

static IkebusSecbuf *
get_secbuf(GKeyFile *kf, const char *key)
{
	gsize len;
	g_autofree guint8 *b = get_hex(kf, key, &len);
	IkebusSecbuf *s = ikebus_secbuf_new_from(b, len);

	ikebus_wipe(b, len);
	return s;
}

static void
assert_key(GKeyFile *kf, const char *key, const IkebusSecbuf *got)
{
	gsize len;
	g_autofree guint8 *want = NULL;

	if (!g_key_file_has_key(kf, "v", key, NULL)) {
		/* AEAD: strongSwan has no SK_ai/SK_ar, nor do we */
		g_assert_null(got);
		return;
	}
	want = get_hex(kf, key, &len);
	g_assert_nonnull(got);
	g_assert_cmpmem(got->data, got->len, want, len);
}

static void
test_peer(gconstpointer data)
{
	g_autoptr(GKeyFile) kf = load(data);
	g_autofree char *prf_name = get_str(kf, "prf"), *encr_name = get_str(kf, "encr");
	g_autofree char *integ_name = get_str(kf, "integ");
	CryptoIkeSuite suite = {
	        .prf = crypto_prf_alg_by_name(prf_name),
	        .encr = crypto_encr_alg_by_name(encr_name),
	        .encr_key_bits = (guint) g_key_file_get_integer(kf, "v", "encr_key_bits", NULL),
	        .integ = g_str_equal(integ_name, "NONE") ? NULL
	                                                 : crypto_integ_alg_by_name(integ_name),
	};
	gsize ni_len, nr_len, spi_len, id_len, so_len, init_len, auth_len, msg_len, a_len;
	g_autofree guint8 *ni = get_hex(kf, "ni", &ni_len);
	g_autofree guint8 *nr = get_hex(kf, "nr", &nr_len);
	g_autofree guint8 *spi_i = get_hex(kf, "spi_i", &spi_len);
	g_autofree guint8 *spi_r = get_hex(kf, "spi_r", &spi_len);
	g_autofree guint8 *id_i = get_hex(kf, "id_i_body", &id_len);
	g_autofree guint8 *so_want = get_hex(kf, "signed_octets_i", &so_len);
	g_autofree guint8 *init_req = get_hex(kf, "ike_sa_init_req", &init_len);
	g_autofree guint8 *auth_want = get_hex(kf, "auth_i", &auth_len);
	g_autofree guint8 *msg = get_hex(kf, "ike_auth_req", &msg_len);
	g_autoptr(IkebusSecbuf) g_ir = get_secbuf(kf, "g_ir");
	g_autoptr(IkebusSecbuf) psk = get_secbuf(kf, "psk");
	g_autoptr(IkebusSecbuf) keypad_want = get_secbuf(kf, "psk_keypad_prf");
	g_autoptr(IkebusSecbuf) skeyseed = NULL, keypad = NULL;
	g_auto(CryptoIkeKeys) keys = {0};
	g_autoptr(GBytes) octets = NULL, auth = NULL;
	g_autoptr(CryptoSk) sk = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *inner = NULL;
	gsize sk_len, inner_len = 0, off;
	guint8 next;
	gboolean saw_id = FALSE, saw_auth = FALSE;
	CryptoChunk pad = CRYPTO_CHUNK("Key Pad for IKEv2", 17);

	g_assert_nonnull(suite.prf);
	g_assert_nonnull(suite.encr);
	g_assert_true(suite.integ != NULL || g_str_equal(integ_name, "NONE"));
	g_assert_cmpuint(spi_len, ==, 8);

	/* SKEYSEED and the seven keys */
	skeyseed = crypto_skeyseed(suite.prf, ni, ni_len, nr, nr_len, g_ir, &error);
	g_assert_no_error(error);
	assert_key(kf, "skeyseed", skeyseed);
	g_assert_true(crypto_ike_keys_derive(&suite, skeyseed, ni, ni_len, nr, nr_len, spi_i, spi_r,
	                                     &keys, &error));
	g_assert_no_error(error);
	assert_key(kf, "sk_d", keys.sk_d);
	assert_key(kf, "sk_ai", keys.sk_ai);
	assert_key(kf, "sk_ar", keys.sk_ar);
	assert_key(kf, "sk_ei", keys.sk_ei);
	assert_key(kf, "sk_er", keys.sk_er);
	assert_key(kf, "sk_pi", keys.sk_pi);
	assert_key(kf, "sk_pr", keys.sk_pr);

	/* §2.15: the initiator's signed octets are its IKE_SA_INIT request,
	 * Nr and prf(SK_pi, IDi'); AUTH = prf(prf(PSK, key pad), octets) */
	octets = crypto_auth_signed_octets(suite.prf, init_req, init_len, nr, nr_len, keys.sk_pi,
	                                   id_i, id_len, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(octets, NULL), g_bytes_get_size(octets), so_want, so_len);
	keypad = crypto_prf(suite.prf, psk->data, psk->len, &pad, 1, &error);
	g_assert_cmpmem(keypad->data, keypad->len, keypad_want->data, keypad_want->len);
	auth = crypto_auth_psk(suite.prf, psk, so_want, so_len, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(auth, NULL), g_bytes_get_size(auth), auth_want, auth_len);

	/* Open the captured IKE_AUTH request: the header's Next Payload is SK
	 * (46) and SK comes first, so the associated octets are the 28-octet
	 * header plus the 4-octet SK header */
	g_assert_cmpuint(msg_len, >, 32);
	g_assert_cmpuint(msg[16], ==, 46);
	g_assert_cmpuint(msg[18], ==, 35); /* IKE_AUTH */
	sk_len = (gsize) msg[30] << 8 | msg[31];
	g_assert_cmpuint(28 + sk_len, ==, msg_len);
	sk = crypto_sk_new(suite.encr, suite.encr_key_bits, suite.integ, keys.sk_ei, keys.sk_ai,
	                   &error);
	g_assert_no_error(error);
	inner = g_malloc(crypto_sk_open_buf_len(sk, sk_len - 4));
	g_assert_true(crypto_sk_open(sk, msg, 32, msg + 32, sk_len - 4, inner,
	                             crypto_sk_open_buf_len(sk, sk_len - 4), &inner_len, &error));
	g_assert_no_error(error);
	/* walk the inner chain: IDi first (35), then find AUTH (39) */
	next = msg[28];
	g_assert_cmpuint(next, ==, 35);
	for (off = 0; next != 0;) {
		gsize plen;

		g_assert_cmpuint(off + 4, <=, inner_len);
		plen = (gsize) inner[off + 2] << 8 | inner[off + 3];
		g_assert_cmpuint(plen, >=, 4);
		g_assert_cmpuint(off + plen, <=, inner_len);
		if (next == 35) {
			g_assert_cmpmem(inner + off + 4, plen - 4, id_i, id_len);
			saw_id = TRUE;
		} else if (next == 39) {
			g_assert_cmpuint(inner[off + 4], ==, 2); /* Shared Key MIC */
			g_assert_cmpmem(inner + off + 8, plen - 8, auth_want, auth_len);
			saw_auth = TRUE;
		}
		next = inner[off];
		off += plen;
	}
	g_assert_cmpuint(off, ==, inner_len);
	g_assert_true(saw_id && saw_auth);

	/* and a flipped bit anywhere in the message is refused */
	msg[msg_len / 2] ^= 0x10;
	a_len = 0;
	g_assert_false(crypto_sk_open(sk, msg, 32, msg + 32, sk_len - 4, inner,
	                              crypto_sk_open_buf_len(sk, sk_len - 4), &a_len, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	/* AES-CBC-128 + HMAC-SHA2-256-128, PRF-HMAC-SHA2-256, MODP-2048 */
	g_test_add_data_func("/crypto/kdf-peer/strongswan-cbc-sha256-modp2048", "cbc.txt",
	                     test_peer);
	/* AES-GCM-16-256, PRF-HMAC-SHA2-384, Curve25519 */
	g_test_add_data_func("/crypto/kdf-peer/strongswan-gcm256-sha384-x25519", "gcm.txt",
	                     test_peer);
	return g_test_run();
}
