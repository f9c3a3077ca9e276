/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The descriptor tables: ids and names match the IANA registry, lookups work
 * both ways, and the per-algorithm facts other layers rely on (salt and IV
 * sizes, ICV lengths, xfrm names) are what the RFCs say.
 */
#include <pkcs11t.h>

#include "alg.h"

static void
test_encr_table(void)
{
	static const struct {
		guint16 id;
		const char *name;
		guint iv, salt, icv, pad;
		const char *xfrm;
		guint xfrm_icv_bits;
		gboolean key_attr;
	} want[] = {
	        {12, "ENCR_AES_CBC", 16, 0, 0, 16, "cbc(aes)", 0, TRUE},
	        {18, "ENCR_AES_GCM_8", 8, 4, 8, 1, "rfc4106(gcm(aes))", 64, TRUE},
	        {19, "ENCR_AES_GCM_12", 8, 4, 12, 1, "rfc4106(gcm(aes))", 96, TRUE},
	        {20, "ENCR_AES_GCM_16", 8, 4, 16, 1, "rfc4106(gcm(aes))", 128, TRUE},
	        {28, "ENCR_CHACHA20_POLY1305", 8, 4, 16, 1, "rfc7539esp(chacha20,poly1305)", 128,
	         FALSE},
	};
	gsize n;
	const CryptoEncrAlg *all = crypto_encr_algs(&n);

	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const CryptoEncrAlg *a = crypto_encr_alg_by_id(want[i].id);

		g_assert_nonnull(a);
		g_assert_true(a >= all && a < all + n);
		g_assert_cmpstr(a->name, ==, want[i].name);
		g_assert_true(crypto_encr_alg_by_name(want[i].name) == a);
		g_assert_cmpuint(a->iv_size, ==, want[i].iv);
		g_assert_cmpuint(a->salt_size, ==, want[i].salt);
		g_assert_cmpuint(a->icv_size, ==, want[i].icv);
		g_assert_cmpuint(a->pad_block, ==, want[i].pad);
		g_assert_cmpstr(a->xfrm_name, ==, want[i].xfrm);
		g_assert_cmpuint(crypto_encr_alg_xfrm_icv_bits(a), ==, want[i].xfrm_icv_bits);
		g_assert_cmpint(a->key_length_attr, ==, want[i].key_attr);
		g_assert_cmpint(crypto_encr_alg_is_aead(a), ==, want[i].icv != 0);
		g_assert_true(crypto_encr_alg_key_bits_ok(a, a->default_key_bits));
	}
	/* names are case-insensitive */
	g_assert_true(crypto_encr_alg_by_name("encr_aes_gcm_16") ==
	              crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16));
}

static void
test_key_sizes(void)
{
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	const CryptoEncrAlg *gcm = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_8);
	const CryptoEncrAlg *chacha = crypto_encr_alg_by_id(CRYPTO_ENCR_CHACHA20_POLY1305);

	for (guint bits = 128; bits <= 256; bits += 64) {
		g_assert_true(crypto_encr_alg_key_bits_ok(cbc, bits));
		g_assert_true(crypto_encr_alg_key_bits_ok(gcm, bits));
		g_assert_cmpuint(crypto_encr_alg_keymat_len(cbc, bits), ==, bits / 8);
		/* RFC 5282 §7.1: GCM keying material is key + 4-octet salt */
		g_assert_cmpuint(crypto_encr_alg_keymat_len(gcm, bits), ==, bits / 8 + 4);
	}
	g_assert_false(crypto_encr_alg_key_bits_ok(cbc, 64));
	g_assert_false(crypto_encr_alg_key_bits_ok(cbc, 0));
	g_assert_false(crypto_encr_alg_key_bits_ok(chacha, 128));
	g_assert_true(crypto_encr_alg_key_bits_ok(chacha, 256));
	/* RFC 7634 §2: 32-octet key + 4-octet salt */
	g_assert_cmpuint(crypto_encr_alg_keymat_len(chacha, 256), ==, 36);
}

static void
test_integ_table(void)
{
	static const struct {
		guint16 id;
		const char *name;
		guint key, icv;
		const char *xfrm;
		guint trunc;
		gulong mech;
	} want[] = {
	        {2, "AUTH_HMAC_SHA1_96", 20, 12, "hmac(sha1)", 96, CKM_SHA_1_HMAC},
	        {12, "AUTH_HMAC_SHA2_256_128", 32, 16, "hmac(sha256)", 128, CKM_SHA256_HMAC},
	        {13, "AUTH_HMAC_SHA2_384_192", 48, 24, "hmac(sha384)", 192, CKM_SHA384_HMAC},
	        {14, "AUTH_HMAC_SHA2_512_256", 64, 32, "hmac(sha512)", 256, CKM_SHA512_HMAC},
	};
	gsize n;

	crypto_integ_algs(&n);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const CryptoIntegAlg *a = crypto_integ_alg_by_id(want[i].id);

		g_assert_nonnull(a);
		g_assert_cmpstr(a->name, ==, want[i].name);
		g_assert_true(crypto_integ_alg_by_name(want[i].name) == a);
		g_assert_cmpuint(a->key_size, ==, want[i].key);
		g_assert_cmpuint(a->icv_size, ==, want[i].icv);
		g_assert_cmpuint(a->icv_size * 8, ==, a->xfrm_trunc_bits);
		g_assert_cmpstr(a->xfrm_name, ==, want[i].xfrm);
		g_assert_cmpuint(a->xfrm_trunc_bits, ==, want[i].trunc);
		g_assert_cmpuint(a->nss_mech, ==, want[i].mech);
	}
	g_assert_null(crypto_integ_alg_by_id(CRYPTO_AUTH_NONE));
}

static void
test_prf_table(void)
{
	static const struct {
		guint16 id;
		const char *name;
		guint len;
	} want[] = {
	        {2, "PRF_HMAC_SHA1", 20},
	        {5, "PRF_HMAC_SHA2_256", 32},
	        {6, "PRF_HMAC_SHA2_384", 48},
	        {7, "PRF_HMAC_SHA2_512", 64},
	};
	gsize n;

	crypto_prf_algs(&n);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const CryptoPrfAlg *a = crypto_prf_alg_by_id(want[i].id);

		g_assert_nonnull(a);
		g_assert_cmpstr(a->name, ==, want[i].name);
		g_assert_true(crypto_prf_alg_by_name(want[i].name) == a);
		g_assert_cmpuint(a->out_len, ==, want[i].len);
	}
}

static void
test_unknown(void)
{
	g_assert_null(crypto_encr_alg_by_id(0));
	g_assert_null(crypto_encr_alg_by_id(3)); /* ENCR_3DES: not supported */
	g_assert_null(crypto_encr_alg_by_name("ENCR_DES"));
	g_assert_null(crypto_encr_alg_by_name(NULL));
	g_assert_null(crypto_prf_alg_by_id(4)); /* PRF_AES128_XCBC: not supported */
	g_assert_null(crypto_prf_alg_by_name(""));
	g_assert_null(crypto_integ_alg_by_id(5)); /* AUTH_AES_XCBC_96 */
	g_assert_null(crypto_integ_alg_by_name("AUTH_HMAC_MD5_96"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crypto/alg/encr", test_encr_table);
	g_test_add_func("/crypto/alg/key-sizes", test_key_sizes);
	g_test_add_func("/crypto/alg/integ", test_integ_table);
	g_test_add_func("/crypto/alg/prf", test_prf_table);
	g_test_add_func("/crypto/alg/unknown", test_unknown);
	return g_test_run();
}
