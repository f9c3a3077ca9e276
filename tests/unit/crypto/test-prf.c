/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HMAC and prf+ known answers: RFC 2202 (HMAC-SHA1), RFC 4231 (HMAC-SHA2),
 * RFC 4868 §2.7.1 (PRF-HMAC-SHA2 with hash-sized keys), and prf+ checked
 * against a direct expansion of RFC 7296 §2.13.
 */
#include <string.h>

#include "nss-init.h"
#include "prf.h"
#include "crypto-test-util.h"

static guint8 *
repeat(guint8 v, gsize n)
{
	guint8 *p = g_malloc(n);

	memset(p, v, n);
	return p;
}

static void
check_hmac(guint16 prf_id, const guint8 *key, gsize key_len, const guint8 *data, gsize data_len,
           const char *want_hex)
{
	const CryptoPrfAlg *alg = crypto_prf_alg_by_id(prf_id);
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) out = NULL;
	CryptoChunk in = CRYPTO_CHUNK(data, data_len);
	gsize want_len;
	g_autofree guint8 *want = unhex(want_hex, &want_len);

	g_assert_nonnull(alg);
	out = crypto_prf(alg, key, key_len, &in, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(out->len, ==, alg->out_len);
	/* truncated vectors (RFC 4231 case 5, RFC 2202 case 5) compare a prefix */
	g_assert_cmpuint(want_len, <=, out->len);
	g_assert_cmpmem(out->data, want_len, want, want_len);
}

#define STR(s) (const guint8 *) (s), strlen(s)

static void
test_rfc2202_sha1(void)
{
	g_autofree guint8 *k0b = repeat(0x0b, 20), *kaa = repeat(0xaa, 20), *dd = repeat(0xdd, 50);
	g_autofree guint8 *cd = repeat(0xcd, 50), *k0c = repeat(0x0c, 20),
	                  *kaa80 = repeat(0xaa, 80);
	gsize k4_len;
	g_autofree guint8 *k4 =
	        unhex("0102030405060708090a0b0c0d0e0f10111213141516171819", &k4_len);

	check_hmac(CRYPTO_PRF_HMAC_SHA1, k0b, 20, STR("Hi There"),
	           "b617318655057264e28bc0b6fb378c8ef146be00");
	check_hmac(CRYPTO_PRF_HMAC_SHA1, STR("Jefe"), STR("what do ya want for nothing?"),
	           "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	check_hmac(CRYPTO_PRF_HMAC_SHA1, kaa, 20, dd, 50,
	           "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	check_hmac(CRYPTO_PRF_HMAC_SHA1, k4, k4_len, cd, 50,
	           "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	/* case 5 is the HMAC-SHA1-96 truncation (RFC 2404) */
	check_hmac(CRYPTO_PRF_HMAC_SHA1, k0c, 20, STR("Test With Truncation"),
	           "4c1a03424b55e07fe7f27be1");
	check_hmac(CRYPTO_PRF_HMAC_SHA1, kaa80, 80,
	           STR("Test Using Larger Than Block-Size Key - Hash Key First"),
	           "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	check_hmac(CRYPTO_PRF_HMAC_SHA1, kaa80, 80,
	           STR("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
	           "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

typedef struct {
	const char *sha256, *sha384, *sha512;
} Rfc4231Want;

static void
check_rfc4231(const guint8 *key, gsize key_len, const guint8 *data, gsize data_len,
              const Rfc4231Want *w)
{
	check_hmac(CRYPTO_PRF_HMAC_SHA2_256, key, key_len, data, data_len, w->sha256);
	check_hmac(CRYPTO_PRF_HMAC_SHA2_384, key, key_len, data, data_len, w->sha384);
	check_hmac(CRYPTO_PRF_HMAC_SHA2_512, key, key_len, data, data_len, w->sha512);
}

static void
test_rfc4231_sha2(void)
{
	g_autofree guint8 *k0b = repeat(0x0b, 20), *kaa = repeat(0xaa, 20), *dd = repeat(0xdd, 50);
	g_autofree guint8 *cd = repeat(0xcd, 50), *k0c = repeat(0x0c, 20),
	                  *kaa131 = repeat(0xaa, 131);
	gsize k4_len;
	g_autofree guint8 *k4 =
	        unhex("0102030405060708090a0b0c0d0e0f10111213141516171819", &k4_len);
	static const Rfc4231Want tc1 = {
	        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	        "faea9ea9076ede7f4af152e8b2fa9cb6",
	        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
	};
	static const Rfc4231Want tc2 = {
	        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	        "8e2240ca5e69e2c78b3239ecfab21649",
	        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	};
	static const Rfc4231Want tc3 = {
	        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	        "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	        "2a5ab39dc13814b94e3ab6e101a34f27",
	        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	        "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
	};
	static const Rfc4231Want tc4 = {
	        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	        "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	        "6801dd23c4a7d679ccf8a386c674cffb",
	        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	        "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
	};
	/* case 5: output truncated to 128 bits */
	static const Rfc4231Want tc5 = {
	        "a3b6167473100ee06e0c796c2955552b",
	        "3abf34c3503b2a23a46efc619baef897",
	        "415fad6271580a531d4179bc891d87a6",
	};
	static const Rfc4231Want tc6 = {
	        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	        "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	        "0c2ef6ab4030fe8296248df163f44952",
	        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	};
	static const Rfc4231Want tc7 = {
	        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	        "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	        "a678cc31e799176d3860e6110c46523e",
	        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	        "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
	};

	check_rfc4231(k0b, 20, STR("Hi There"), &tc1);
	check_rfc4231(STR("Jefe"), STR("what do ya want for nothing?"), &tc2);
	check_rfc4231(kaa, 20, dd, 50, &tc3);
	check_rfc4231(k4, k4_len, cd, 50, &tc4);
	check_rfc4231(k0c, 20, STR("Test With Truncation"), &tc5);
	check_rfc4231(kaa131, 131, STR("Test Using Larger Than Block-Size Key - Hash Key First"),
	              &tc6);
	check_rfc4231(kaa131, 131,
	              STR("This is a test using a larger than block-size key and a larger than "
	                  "block-size data. The key needs to be hashed before being used by the "
	                  "HMAC algorithm."),
	              &tc7);
}

/* RFC 4868 §2.7.1: PRF-HMAC-SHA-256/384/512 with keys of the hash length */
static void
test_rfc4868_prf(void)
{
	g_autofree guint8 *k32 = repeat(0x0b, 32), *k48 = repeat(0x0b, 48), *k64 = repeat(0x0b, 64);

	check_hmac(CRYPTO_PRF_HMAC_SHA2_256, k32, 32, STR("Hi There"),
	           "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
	check_hmac(CRYPTO_PRF_HMAC_SHA2_384, k48, 48, STR("Hi There"),
	           "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc"
	           "4c5df61d5b3297b4fb68dab9f1b582c2");
	check_hmac(CRYPTO_PRF_HMAC_SHA2_512, k64, 64, STR("Hi There"),
	           "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"
	           "ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b");
	check_hmac(CRYPTO_PRF_HMAC_SHA2_256, STR("JefeJefeJefeJefeJefeJefeJefeJefe"),
	           STR("what do ya want for nothing?"),
	           "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6");
}

/* The empty key is valid HMAC (RFC 2104 pads it to zeros) even though NSS
 * cannot import it; the empty message is valid too. */
static void
test_empty_key_and_message(void)
{
	check_hmac(CRYPTO_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0,
	           "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/* Splitting the input into chunks must not change the output. */
static void
test_chunks(void)
{
	const CryptoPrfAlg *alg = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_512);
	const char *msg = "what do ya want for nothing?";
	CryptoChunk whole = CRYPTO_CHUNK(msg, strlen(msg));
	CryptoChunk parts[] = {CRYPTO_CHUNK(msg, 4), CRYPTO_CHUNK(msg + 4, 0),
	                       CRYPTO_CHUNK(msg + 4, 10), CRYPTO_CHUNK(msg + 14, strlen(msg) - 14)};
	g_autoptr(IkebusSecbuf) a = crypto_prf(alg, (const guint8 *) "Jefe", 4, &whole, 1, NULL);
	g_autoptr(IkebusSecbuf) b =
	        crypto_prf(alg, (const guint8 *) "Jefe", 4, parts, G_N_ELEMENTS(parts), NULL);

	g_assert_cmpmem(a->data, a->len, b->data, b->len);
}

/* prf+ against T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), built here
 * with one crypto_prf() call per block on a freshly concatenated buffer. */
static void
test_prf_plus(void)
{
	gsize n_algs;
	const CryptoPrfAlg *algs = crypto_prf_algs(&n_algs);
	const guint8 key[] = "prf+ test key, not a real one";
	const guint8 seed[] = "Ni | Nr | SPIi | SPIr stand-in seed";

	for (gsize a = 0; a < n_algs; a++) {
		const CryptoPrfAlg *alg = &algs[a];
		gsize h = alg->out_len;
		gsize lens[] = {1, h - 1, h, h + 1, 2 * h + 3, 7 * h + 5, 255 * h};
		g_autofree guint8 *expect = g_malloc(255 * h);
		g_autofree guint8 *t = g_malloc(h);
		gsize have = 0;

		for (guint n = 1; n <= 255; n++) {
			g_autoptr(GByteArray) in = g_byte_array_new();
			guint8 cnt = (guint8) n;
			CryptoChunk c;
			g_autoptr(IkebusSecbuf) tn = NULL;

			if (n > 1)
				g_byte_array_append(in, t, (guint) h);
			g_byte_array_append(in, seed, sizeof(seed));
			g_byte_array_append(in, &cnt, 1);
			c = CRYPTO_CHUNK(in->data, in->len);
			tn = crypto_prf(alg, key, sizeof(key), &c, 1, NULL);
			memcpy(t, tn->data, h);
			memcpy(expect + have, t, h);
			have += h;
		}
		for (gsize i = 0; i < G_N_ELEMENTS(lens); i++) {
			g_autoptr(GError) error = NULL;
			CryptoChunk s[] = {CRYPTO_CHUNK(seed, 10),
			                   CRYPTO_CHUNK(seed + 10, sizeof(seed) - 10)};
			g_autoptr(IkebusSecbuf) got =
			        crypto_prf_plus(alg, key, sizeof(key), s, 2, lens[i], &error);

			g_assert_no_error(error);
			g_assert_cmpuint(got->len, ==, lens[i]);
			g_assert_cmpmem(got->data, got->len, expect, lens[i]);
		}
		{
			g_autoptr(GError) error = NULL;
			CryptoChunk s = CRYPTO_CHUNK(seed, sizeof(seed));
			g_autoptr(IkebusSecbuf) none =
			        crypto_prf_plus(alg, key, sizeof(key), &s, 1, 255 * h + 1, &error);

			g_assert_null(none);
			g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
		}
	}
}

static gpointer
thread_prf(gpointer data)
{
	const CryptoPrf *prf = data;
	CryptoChunk in = CRYPTO_CHUNK("Hi There", 8);
	guint8 out[CRYPTO_PRF_MAX_OUT];

	for (int i = 0; i < 200; i++) {
		if (!crypto_prf_compute(prf, &in, 1, out, NULL))
			return GINT_TO_POINTER(0);
		if (memcmp(out, "\x19\x8a\x60\x7e", 4) != 0)
			return GINT_TO_POINTER(0);
	}
	return GINT_TO_POINTER(1);
}

/* One CryptoPrf shared by several threads gives the right answer in each. */
static void
test_shared_between_threads(void)
{
	guint8 key[32];
	g_autoptr(CryptoPrf) prf = NULL;
	GThread *th[4];

	memset(key, 0x0b, sizeof(key));
	prf = crypto_prf_new(crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_256), key, sizeof(key),
	                     NULL);
	g_assert_nonnull(prf);
	for (gsize i = 0; i < G_N_ELEMENTS(th); i++)
		th[i] = g_thread_new("prf", thread_prf, prf);
	for (gsize i = 0; i < G_N_ELEMENTS(th); i++)
		g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(th[i])), ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	g_test_add_func("/crypto/prf/rfc2202-hmac-sha1", test_rfc2202_sha1);
	g_test_add_func("/crypto/prf/rfc4231-hmac-sha2", test_rfc4231_sha2);
	g_test_add_func("/crypto/prf/rfc4868-prf", test_rfc4868_prf);
	g_test_add_func("/crypto/prf/empty-key", test_empty_key_and_message);
	g_test_add_func("/crypto/prf/chunks", test_chunks);
	g_test_add_func("/crypto/prf/prf-plus", test_prf_plus);
	g_test_add_func("/crypto/prf/threads", test_shared_between_threads);
	return g_test_run();
}
