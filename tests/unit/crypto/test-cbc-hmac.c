/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AES-CBC known answers (RFC 3602 §4 cases 1-4 for AES-128; NIST SP 800-38A
 * F.2.3 and F.2.5 for AES-192 and AES-256) and truncated HMAC ICVs (RFC 2202
 * case 5 = HMAC-SHA1-96; RFC 4868 §2.7.2 AUTH test case 1 for the SHA-2
 * integrity transforms).
 */
#include <string.h>

#include "cbc-hmac.h"
#include "nss-init.h"
#include "crypto-test-util.h"

typedef struct {
	const char *name, *key, *iv, *plain, *cipher;
} CbcVector;

#define NIST_P                                                                                     \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"                         \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

static const CbcVector cbc_vectors[] = {
        /* "Single block msg" */
        {"rfc3602-1", "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
         "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
        {"rfc3602-2", "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
        /* "This is a 48-byte message (exactly 3 AES blocks)" */
        {"rfc3602-3", "6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
         "5468697320697320612034382d62797465206d657373616765202865786163746c"
         "7920332041455320626c6f636b7329",
         "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
         "021c19216bad525c8579695d83ba2684"},
        {"rfc3602-4", "56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
         "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
         "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55"},
        {"sp800-38a-f23-192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
         "000102030405060708090a0b0c0d0e0f", NIST_P,
         "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
         "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
        {"sp800-38a-f25-256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
         "000102030405060708090a0b0c0d0e0f", NIST_P,
         "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
         "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
};

static CryptoCbcHmac *
ctx_new(const guint8 *ekey, gsize ekey_len, guint16 integ_id)
{
	const CryptoIntegAlg *integ = crypto_integ_alg_by_id(integ_id);
	g_autofree guint8 *akey = g_malloc0(integ->key_size);
	g_autoptr(GError) error = NULL;
	CryptoCbcHmac *ctx = crypto_cbc_hmac_new(crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC), ekey,
	                                         ekey_len, integ, akey, integ->key_size, &error);

	g_assert_no_error(error);
	return ctx;
}

static void
test_cbc_vector(gconstpointer data)
{
	const CbcVector *v = data;
	gsize k_len, iv_len, p_len, c_len;
	g_autofree guint8 *key = unhex(v->key, &k_len);
	g_autofree guint8 *iv = unhex(v->iv, &iv_len);
	g_autofree guint8 *plain = unhex(v->plain, &p_len);
	g_autofree guint8 *ct = unhex(v->cipher, &c_len);
	g_autoptr(CryptoCbcHmac) ctx = ctx_new(key, k_len, CRYPTO_AUTH_HMAC_SHA2_256_128);
	g_autofree guint8 *buf = g_malloc(p_len);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(p_len, ==, c_len);
	g_assert_true(crypto_cbc_hmac_encrypt(ctx, iv, plain, p_len, buf, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(buf, p_len, ct, c_len);
	/* decrypt in place */
	g_assert_true(crypto_cbc_hmac_decrypt(ctx, iv, buf, p_len, buf, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(buf, p_len, plain, p_len);
}

static void
test_cbc_partial_block(void)
{
	guint8 key[16] = {0}, iv[16] = {0}, in[17] = {0}, out[17];
	g_autoptr(CryptoCbcHmac) ctx = ctx_new(key, 16, CRYPTO_AUTH_HMAC_SHA1_96);
	g_autoptr(GError) error = NULL;

	g_assert_false(crypto_cbc_hmac_encrypt(ctx, iv, in, 17, out, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(crypto_cbc_hmac_decrypt(ctx, iv, in, 15, out, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

static void
test_bad_keys(void)
{
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	const CryptoIntegAlg *sha1 = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA1_96);
	guint8 k[64] = {0};
	g_autoptr(GError) error = NULL;

	g_assert_null(crypto_cbc_hmac_new(cbc, k, 20, sha1, k, 20, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	/* RFC 2404: the HMAC-SHA1-96 key is 160 bits */
	g_assert_null(crypto_cbc_hmac_new(cbc, k, 16, sha1, k, 16, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_cbc_hmac_new(crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16), k, 20,
	                                  sha1, k, 20, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

typedef struct {
	guint16 integ;
	guint8 key_byte;
	const char *data;
	const char *icv;
} IcvVector;

static const IcvVector icv_vectors[] = {
        /* RFC 2202 case 5 / RFC 2404 */
        {CRYPTO_AUTH_HMAC_SHA1_96, 0x0c, "Test With Truncation", "4c1a03424b55e07fe7f27be1"},
        /* RFC 4868 §2.7.2.1-3, AUTH test case 1 */
        {CRYPTO_AUTH_HMAC_SHA2_256_128, 0x0b, "Hi There", "198a607eb44bfbc69903a0f1cf2bbdc5"},
        {CRYPTO_AUTH_HMAC_SHA2_384_192, 0x0b, "Hi There",
         "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"},
        {CRYPTO_AUTH_HMAC_SHA2_512_256, 0x0b, "Hi There",
         "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"},
};

static void
test_icv(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(icv_vectors); i++) {
		const IcvVector *v = &icv_vectors[i];
		const CryptoIntegAlg *integ = crypto_integ_alg_by_id(v->integ);
		guint8 ekey[16] = {0};
		g_autofree guint8 *akey = g_malloc(integ->key_size);
		gsize want_len;
		g_autofree guint8 *want = unhex(v->icv, &want_len);
		guint8 icv[64];
		g_autoptr(GError) error = NULL;
		g_autoptr(CryptoCbcHmac) ctx = NULL;
		/* the message split over two chunks, as SK passes header | body */
		CryptoChunk in[] = {CRYPTO_CHUNK(v->data, 3),
		                    CRYPTO_CHUNK(v->data + 3, strlen(v->data) - 3)};

		memset(akey, v->key_byte, integ->key_size);
		ctx = crypto_cbc_hmac_new(crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC), ekey, 16,
		                          integ, akey, integ->key_size, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(want_len, ==, integ->icv_size);
		g_assert_true(crypto_cbc_hmac_icv(ctx, in, 2, icv, &error));
		g_assert_cmpmem(icv, integ->icv_size, want, want_len);
		g_assert_true(crypto_cbc_hmac_verify(ctx, in, 2, want, &error));
		g_assert_no_error(error);
		/* every single-bit change of the ICV is caught */
		for (gsize bit = 0; bit < want_len * 8; bit++) {
			want[bit / 8] ^= (guint8) (1u << (bit % 8));
			g_assert_false(crypto_cbc_hmac_verify(ctx, in, 2, want, &error));
			g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
			g_clear_error(&error);
			want[bit / 8] ^= (guint8) (1u << (bit % 8));
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(cbc_vectors); i++) {
		g_autofree char *path =
		        g_strdup_printf("/crypto/cbc-hmac/cbc/%s", cbc_vectors[i].name);

		g_test_add_data_func(path, &cbc_vectors[i], test_cbc_vector);
	}
	g_test_add_func("/crypto/cbc-hmac/partial-block", test_cbc_partial_block);
	g_test_add_func("/crypto/cbc-hmac/bad-keys", test_bad_keys);
	g_test_add_func("/crypto/cbc-hmac/icv", test_icv);
	return g_test_run();
}
