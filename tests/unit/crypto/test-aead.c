/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AEAD known answers: AES-GCM test cases 2, 3, 4, 10 and 16 of McGrew and
 * Viega, "The Galois/Counter Mode of Operation (GCM)" (96-bit IV; 4, 10, 16
 * with AAD), truncated tags for ENCR_AES_GCM_8/12, and the ChaCha20-Poly1305
 * AEAD vector of RFC 8439 §2.8.2.  The 12-octet nonce is split as RFC 5282 /
 * RFC 7634 do: the first 4 octets are the salt (end of the keying material),
 * the last 8 the IV.
 */
#include <string.h>

#include "aead.h"
#include "nss-init.h"
#include "crypto-test-util.h"

typedef struct {
	const char *name;
	guint16 alg;
	const char *key, *nonce, *aad, *plain, *cipher, *tag;
} AeadVector;

#define GCM_K "feffe9928665731c6d6a8f9467308308"
#define GCM_P60                                                                                    \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"                         \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_A "feedfacedeadbeeffeedfacedeadbeefabaddad2"

static const AeadVector vectors[] = {
        {"gcm-tc2", CRYPTO_ENCR_AES_GCM_16, "00000000000000000000000000000000",
         "000000000000000000000000", "", "00000000000000000000000000000000",
         "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
        {"gcm-tc3", CRYPTO_ENCR_AES_GCM_16, GCM_K, "cafebabefacedbaddecaf888", "",
         GCM_P60 "1aafd255",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
         "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
         "4d5c2af327cd64a62cf35abd2ba6fab4"},
        {"gcm-tc4", CRYPTO_ENCR_AES_GCM_16, GCM_K, "cafebabefacedbaddecaf888", GCM_A, GCM_P60,
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
         "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         "5bc94fbc3221a5db94fae95ae7121a47"},
        /* GCM tags truncate to their leading octets */
        {"gcm-tc4-icv12", CRYPTO_ENCR_AES_GCM_12, GCM_K, "cafebabefacedbaddecaf888", GCM_A, GCM_P60,
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
         "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         "5bc94fbc3221a5db94fae95a"},
        {"gcm-tc4-icv8", CRYPTO_ENCR_AES_GCM_8, GCM_K, "cafebabefacedbaddecaf888", GCM_A, GCM_P60,
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
         "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         "5bc94fbc3221a5db"},
        {"gcm-tc10-192", CRYPTO_ENCR_AES_GCM_16, GCM_K "feffe9928665731c",
         "cafebabefacedbaddecaf888", GCM_A, GCM_P60,
         "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
         "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
         "2519498e80f1478f37ba55bd6d27618c"},
        {"gcm-tc16-256", CRYPTO_ENCR_AES_GCM_16, GCM_K GCM_K, "cafebabefacedbaddecaf888", GCM_A,
         GCM_P60,
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
         "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"},
        /* "Ladies and Gentlemen of the class of '99: ..." */
        {"rfc8439-2.8.2", CRYPTO_ENCR_CHACHA20_POLY1305,
         "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
         "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
         "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
         "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
         "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
         "637265656e20776f756c642062652069742e",
         "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
         "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
         "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
         "3ff4def08e4b7a9de576d26586cec64b6116",
         "1ae10b594f09e26a7e902ecbd0600691"},
};

static CryptoAead *
aead_for(const AeadVector *v, const guint8 **iv_out, guint8 **nonce_keep)
{
	const CryptoEncrAlg *alg = crypto_encr_alg_by_id(v->alg);
	gsize key_len, nonce_len;
	g_autofree guint8 *key = unhex(v->key, &key_len);
	guint8 *nonce = unhex(v->nonce, &nonce_len);
	g_autofree guint8 *keymat = g_malloc(key_len + 4);
	g_autoptr(GError) error = NULL;
	CryptoAead *aead;

	g_assert_cmpuint(nonce_len, ==, 12);
	memcpy(keymat, key, key_len);
	memcpy(keymat + key_len, nonce, 4); /* salt */
	aead = crypto_aead_new(alg, keymat, key_len + 4, &error);
	g_assert_no_error(error);
	*iv_out = nonce + 4;
	*nonce_keep = nonce;
	return aead;
}

static void
test_vector(gconstpointer data)
{
	const AeadVector *v = data;
	const guint8 *iv;
	g_autofree guint8 *nonce = NULL;
	g_autoptr(CryptoAead) aead = aead_for(v, &iv, &nonce);
	gsize aad_len, p_len, c_len, t_len;
	g_autofree guint8 *aad = unhex(v->aad, &aad_len);
	g_autofree guint8 *plain = unhex(v->plain, &p_len);
	g_autofree guint8 *ct = unhex(v->cipher, &c_len);
	g_autofree guint8 *tag = unhex(v->tag, &t_len);
	g_autofree guint8 *out = g_malloc(p_len + t_len);
	g_autofree guint8 *back = g_malloc(p_len + 1);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(t_len, ==, crypto_aead_get_alg(aead)->icv_size);
	g_assert_true(crypto_aead_encrypt(aead, iv, aad, aad_len, plain, p_len, out, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(out, c_len, ct, c_len);
	g_assert_cmpmem(out + c_len, t_len, tag, t_len);

	g_assert_true(
	        crypto_aead_decrypt(aead, iv, aad, aad_len, out, p_len + t_len, back, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(back, p_len, plain, p_len);

	/* a flipped tag bit, ciphertext bit or AAD bit is CRYPTO_ERROR_AUTH */
	out[p_len + t_len - 1] ^= 0x80;
	g_assert_false(
	        crypto_aead_decrypt(aead, iv, aad, aad_len, out, p_len + t_len, back, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);
	out[p_len + t_len - 1] ^= 0x80;
	out[0] ^= 1;
	g_assert_false(
	        crypto_aead_decrypt(aead, iv, aad, aad_len, out, p_len + t_len, back, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);
	out[0] ^= 1;
	if (aad_len > 0) {
		aad[aad_len - 1] ^= 4;
		g_assert_false(crypto_aead_decrypt(aead, iv, aad, aad_len, out, p_len + t_len, back,
		                                   &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
		g_clear_error(&error);
		aad[aad_len - 1] ^= 4;
	}
}

/* Encrypting and decrypting in place (out == in) gives the same bytes, so
 * the ESP path can work inside its packet buffer. */
static void
test_in_place(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		const AeadVector *v = &vectors[i];
		const guint8 *iv;
		g_autofree guint8 *nonce = NULL;
		g_autoptr(CryptoAead) aead = aead_for(v, &iv, &nonce);
		gsize aad_len, p_len, c_len, t_len;
		g_autofree guint8 *aad = unhex(v->aad, &aad_len);
		g_autofree guint8 *plain = unhex(v->plain, &p_len);
		g_autofree guint8 *ct = unhex(v->cipher, &c_len);
		g_autofree guint8 *tag = unhex(v->tag, &t_len);
		g_autofree guint8 *buf = g_malloc(p_len + t_len);

		memcpy(buf, plain, p_len);
		g_assert_true(crypto_aead_encrypt(aead, iv, aad, aad_len, buf, p_len, buf, NULL));
		g_assert_cmpmem(buf, c_len, ct, c_len);
		g_assert_cmpmem(buf + c_len, t_len, tag, t_len);
		g_assert_true(
		        crypto_aead_decrypt(aead, iv, aad, aad_len, buf, p_len + t_len, buf, NULL));
		g_assert_cmpmem(buf, p_len, plain, p_len);
	}
}

static void
test_bad_keys(void)
{
	guint8 keymat[64] = {0};
	g_autoptr(GError) error = NULL;
	const CryptoEncrAlg *gcm = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	const CryptoEncrAlg *chacha = crypto_encr_alg_by_id(CRYPTO_ENCR_CHACHA20_POLY1305);
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);

	/* GCM needs 16/24/32 + 4 salt octets */
	g_assert_null(crypto_aead_new(gcm, keymat, 16, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_aead_new(gcm, keymat, 21, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_aead_new(chacha, keymat, 32, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_aead_new(cbc, keymat, 20, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	for (guint bits = 128; bits <= 256; bits += 64) {
		g_autoptr(CryptoAead) ok = crypto_aead_new(gcm, keymat, bits / 8 + 4, &error);

		g_assert_no_error(error);
		g_assert_nonnull(ok);
	}
}

/* IVs from one context never repeat; two contexts start apart. */
static void
test_iv_unique(void)
{
	guint8 keymat[36] = {1};
	const CryptoEncrAlg *alg = crypto_encr_alg_by_id(CRYPTO_ENCR_CHACHA20_POLY1305);
	g_autoptr(CryptoAead) a = crypto_aead_new(alg, keymat, sizeof(keymat), NULL);
	g_autoptr(CryptoAead) b = crypto_aead_new(alg, keymat, sizeof(keymat), NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	gint64 *store = g_new(gint64, 1000);
	guint8 iv_b[8];

	for (int i = 0; i < 1000; i++) {
		crypto_aead_next_iv(a, (guint8 *) &store[i]);
		g_assert_false(g_hash_table_contains(seen, &store[i]));
		g_hash_table_add(seen, &store[i]);
	}
	crypto_aead_next_iv(b, iv_b);
	/* random 64-bit starting points: equal with probability 2^-64 */
	g_assert_true(memcmp(iv_b, &store[0], 8) != 0);
	g_hash_table_remove_all(seen);
	g_free(store);
}

/* A too-short input (less than the ICV) is refused without calling NSS. */
static void
test_short_input(void)
{
	guint8 keymat[20] = {0}, iv[8] = {0}, in[15] = {0}, out[16];
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoAead) aead =
	        crypto_aead_new(crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16), keymat, 20, NULL);

	g_assert_false(crypto_aead_decrypt(aead, iv, NULL, 0, in, sizeof(in), out, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		g_autofree char *path = g_strdup_printf("/crypto/aead/kat/%s", vectors[i].name);

		g_test_add_data_func(path, &vectors[i], test_vector);
	}
	g_test_add_func("/crypto/aead/in-place", test_in_place);
	g_test_add_func("/crypto/aead/bad-keys", test_bad_keys);
	g_test_add_func("/crypto/aead/iv-unique", test_iv_unique);
	g_test_add_func("/crypto/aead/short-input", test_short_input);
	return g_test_run();
}
