/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key derivation layout (RFC 7296 §2.13-2.18): for every supported suite the
 * seven IKE keys have the right sizes and are consecutive slices of
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) in the order SK_d, SK_ai, SK_ar,
 * SK_ei, SK_er, SK_pi, SK_pr; Child SA KEYMAT splits as encr_i, integ_i,
 * encr_r, integ_r; the rekey SKEYSEED and the PSK AUTH follow their formulas.
 * The references are built here from crypto_prf()/crypto_prf_plus(), which
 * test-prf checks against the RFC vectors.
 */
#include <string.h>

#include "keymat.h"
#include "nss-init.h"

static const guint8 ni[32] = "initiator nonce Ni, 32 octets..";
static const guint8 nr[48] = "responder nonce Nr is longer: 48 octets here...";
static const guint8 spi_i[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const guint8 spi_r[8] = {0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8};

static IkebusSecbuf *
fake_g_ir(gsize len, guint8 seed)
{
	IkebusSecbuf *s = ikebus_secbuf_new(len);

	for (gsize i = 0; i < len; i++)
		s->data[i] = (guint8) (seed + i * 7);
	return s;
}

static void
append(GByteArray *a, const IkebusSecbuf *b)
{
	if (b != NULL)
		g_byte_array_append(a, b->data, (guint) b->len);
}

static void
check_suite(const CryptoIkeSuite *suite)
{
	g_autoptr(IkebusSecbuf) g_ir = fake_g_ir(256, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) skeyseed = NULL;
	g_autoptr(IkebusSecbuf) want_seed = NULL;
	g_autoptr(IkebusSecbuf) want_km = NULL;
	g_autoptr(GByteArray) got = g_byte_array_new();
	g_auto(CryptoIkeKeys) keys = {0};
	guint8 ninr[sizeof(ni) + sizeof(nr)];
	CryptoChunk gir_chunk = CRYPTO_CHUNK(g_ir->data, g_ir->len);
	CryptoChunk seed[] = {CRYPTO_CHUNK(ni, sizeof(ni)), CRYPTO_CHUNK(nr, sizeof(nr)),
	                      CRYPTO_CHUNK(spi_i, 8), CRYPTO_CHUNK(spi_r, 8)};
	gsize prf_len = suite->prf->out_len;
	gsize encr_len = suite->encr_key_bits / 8 + suite->encr->salt_size;
	gsize integ_len = suite->integ != NULL ? suite->integ->key_size : 0;

	skeyseed = crypto_skeyseed(suite->prf, ni, sizeof(ni), nr, sizeof(nr), g_ir, &error);
	g_assert_no_error(error);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	memcpy(ninr, ni, sizeof(ni));
	memcpy(ninr + sizeof(ni), nr, sizeof(nr));
	want_seed = crypto_prf(suite->prf, ninr, sizeof(ninr), &gir_chunk, 1, NULL);
	g_assert_cmpmem(skeyseed->data, skeyseed->len, want_seed->data, want_seed->len);
	g_assert_cmpuint(skeyseed->len, ==, prf_len);

	g_assert_true(crypto_ike_keys_derive(suite, skeyseed, ni, sizeof(ni), nr, sizeof(nr), spi_i,
	                                     spi_r, &keys, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(keys.sk_d->len, ==, prf_len);
	g_assert_cmpuint(keys.sk_pi->len, ==, prf_len);
	g_assert_cmpuint(keys.sk_pr->len, ==, prf_len);
	g_assert_cmpuint(keys.sk_ei->len, ==, encr_len);
	g_assert_cmpuint(keys.sk_er->len, ==, encr_len);
	if (suite->integ == NULL) {
		g_assert_null(keys.sk_ai);
		g_assert_null(keys.sk_ar);
	} else {
		g_assert_cmpuint(keys.sk_ai->len, ==, integ_len);
		g_assert_cmpuint(keys.sk_ar->len, ==, integ_len);
	}
	append(got, keys.sk_d);
	append(got, keys.sk_ai);
	append(got, keys.sk_ar);
	append(got, keys.sk_ei);
	append(got, keys.sk_er);
	append(got, keys.sk_pi);
	append(got, keys.sk_pr);
	g_assert_cmpuint(got->len, ==, crypto_ike_keys_len(suite));
	want_km =
	        crypto_prf_plus(suite->prf, skeyseed->data, skeyseed->len, seed, 4, got->len, NULL);
	g_assert_cmpmem(got->data, got->len, want_km->data, want_km->len);
}

static void
test_every_suite(void)
{
	gsize n_prf, n_encr, n_integ, count = 0;
	const CryptoPrfAlg *prfs = crypto_prf_algs(&n_prf);
	const CryptoEncrAlg *encrs = crypto_encr_algs(&n_encr);
	const CryptoIntegAlg *integs = crypto_integ_algs(&n_integ);

	for (gsize p = 0; p < n_prf; p++) {
		for (gsize e = 0; e < n_encr; e++) {
			for (gsize k = 0; k < CRYPTO_ALG_MAX_KEY_SIZES && encrs[e].key_bits[k];
			     k++) {
				if (crypto_encr_alg_is_aead(&encrs[e])) {
					CryptoIkeSuite s = {&prfs[p], &encrs[e],
					                    encrs[e].key_bits[k], NULL};

					check_suite(&s);
					count++;
					continue;
				}
				for (gsize i = 0; i < n_integ; i++) {
					CryptoIkeSuite s = {&prfs[p], &encrs[e],
					                    encrs[e].key_bits[k], &integs[i]};

					check_suite(&s);
					count++;
				}
			}
		}
	}
	/* 4 PRFs x (3 CBC sizes x 4 integ + 3 GCM x 3 sizes + ChaCha) */
	g_assert_cmpuint(count, ==, 4 * (12 + 9 + 1));
}

static void
test_suite_check(void)
{
	const CryptoPrfAlg *prf = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_256);
	const CryptoEncrAlg *gcm = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	const CryptoIntegAlg *sha = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128);
	CryptoIkeSuite bad[] = {
	        {prf, gcm, 128, sha},  /* AEAD with integrity */
	        {prf, cbc, 128, NULL}, /* CBC without */
	        {prf, cbc, 64, sha},   /* key size */
	        {NULL, cbc, 128, sha},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(crypto_ike_suite_check(&bad[i], &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	}
}

/* §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old PRF */
static void
test_rekey_skeyseed(void)
{
	const CryptoPrfAlg *old_prf = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA1);
	g_autoptr(IkebusSecbuf) sk_d = fake_g_ir(20, 9);
	g_autoptr(IkebusSecbuf) g_ir = fake_g_ir(32, 77);
	g_autoptr(IkebusSecbuf) got = NULL, want = NULL;
	g_autoptr(GByteArray) data = g_byte_array_new();
	CryptoChunk c;

	got = crypto_skeyseed_rekey(old_prf, sk_d, g_ir, ni, sizeof(ni), nr, sizeof(nr), NULL);
	g_byte_array_append(data, g_ir->data, (guint) g_ir->len);
	g_byte_array_append(data, ni, sizeof(ni));
	g_byte_array_append(data, nr, sizeof(nr));
	c = CRYPTO_CHUNK(data->data, data->len);
	want = crypto_prf(old_prf, sk_d->data, sk_d->len, &c, 1, NULL);
	g_assert_cmpuint(got->len, ==, 20);
	g_assert_cmpmem(got->data, got->len, want->data, want->len);
}

static void
check_child(guint16 encr_id, guint bits, guint16 integ_id, gboolean pfs)
{
	const CryptoPrfAlg *prf = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_384);
	const CryptoEncrAlg *encr = crypto_encr_alg_by_id(encr_id);
	const CryptoIntegAlg *integ = crypto_integ_alg_by_id(integ_id);
	g_autoptr(IkebusSecbuf) sk_d = fake_g_ir(48, 1);
	g_autoptr(IkebusSecbuf) g_ir = pfs ? fake_g_ir(384, 2) : NULL;
	g_auto(CryptoChildKeys) keys = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) got = g_byte_array_new();
	g_autoptr(IkebusSecbuf) want = NULL;
	CryptoChunk seed[3];
	gsize n = 0;
	gsize encr_len = bits / 8 + encr->salt_size;

	g_assert_true(crypto_child_keys_derive(prf, sk_d, g_ir, ni, sizeof(ni), nr, sizeof(nr),
	                                       encr, bits, integ, &keys, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(keys.encr_i->len, ==, encr_len);
	g_assert_cmpuint(keys.encr_r->len, ==, encr_len);
	if (integ != NULL) {
		g_assert_cmpuint(keys.integ_i->len, ==, integ->key_size);
		g_assert_cmpuint(keys.integ_r->len, ==, integ->key_size);
	} else {
		g_assert_null(keys.integ_i);
		g_assert_null(keys.integ_r);
	}
	/* §2.17: initiator->responder first, encryption before integrity */
	append(got, keys.encr_i);
	append(got, keys.integ_i);
	append(got, keys.encr_r);
	append(got, keys.integ_r);
	if (pfs)
		seed[n++] = CRYPTO_CHUNK(g_ir->data, g_ir->len);
	seed[n++] = CRYPTO_CHUNK(ni, sizeof(ni));
	seed[n++] = CRYPTO_CHUNK(nr, sizeof(nr));
	want = crypto_prf_plus(prf, sk_d->data, sk_d->len, seed, n, got->len, NULL);
	g_assert_cmpmem(got->data, got->len, want->data, want->len);
}

static void
test_child_keymat(void)
{
	for (int pfs = 0; pfs <= 1; pfs++) {
		check_child(CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA2_256_128, pfs);
		check_child(CRYPTO_ENCR_AES_CBC, 256, CRYPTO_AUTH_HMAC_SHA1_96, pfs);
		check_child(CRYPTO_ENCR_AES_GCM_16, 256, CRYPTO_AUTH_NONE, pfs);
		check_child(CRYPTO_ENCR_CHACHA20_POLY1305, 256, CRYPTO_AUTH_NONE, pfs);
	}
}

/* With PFS the KEYMAT differs from the one without. */
static void
test_child_pfs_changes_keys(void)
{
	const CryptoPrfAlg *prf = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_256);
	const CryptoEncrAlg *encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	g_autoptr(IkebusSecbuf) sk_d = fake_g_ir(32, 1);
	g_autoptr(IkebusSecbuf) g_ir = fake_g_ir(32, 2);
	g_auto(CryptoChildKeys) a = {0};
	g_auto(CryptoChildKeys) b = {0};

	g_assert_true(crypto_child_keys_derive(prf, sk_d, NULL, ni, 32, nr, 32, encr, 128, NULL, &a,
	                                       NULL));
	g_assert_true(crypto_child_keys_derive(prf, sk_d, g_ir, ni, 32, nr, 32, encr, 128, NULL, &b,
	                                       NULL));
	g_assert_true(memcmp(a.encr_i->data, b.encr_i->data, a.encr_i->len) != 0);
}

static void
test_psk_auth(void)
{
	const CryptoPrfAlg *prf = crypto_prf_alg_by_id(CRYPTO_PRF_HMAC_SHA2_256);
	g_autoptr(IkebusSecbuf) psk = ikebus_secbuf_new_from((const guint8 *) "s3cret", 6);
	g_autoptr(IkebusSecbuf) sk_p = fake_g_ir(32, 5);
	const guint8 msg[] = "the IKE_SA_INIT request as sent";
	const guint8 id[] = {2, 0, 0, 0, 'w', 'e', 's', 't'};
	g_autoptr(GBytes) octets = NULL, auth = NULL;
	g_autoptr(IkebusSecbuf) inner = NULL, mac = NULL, want = NULL;
	g_autoptr(GError) error = NULL;
	CryptoChunk pad = CRYPTO_CHUNK("Key Pad for IKEv2", 17);
	CryptoChunk idc = CRYPTO_CHUNK(id, sizeof(id));
	CryptoChunk oc;
	gsize olen;
	const guint8 *o;
	guint8 bad[32];

	octets = crypto_auth_signed_octets(prf, msg, sizeof(msg), nr, sizeof(nr), sk_p, id,
	                                   sizeof(id), &error);
	g_assert_no_error(error);
	o = g_bytes_get_data(octets, &olen);
	/* RealMessage | Nonce | prf(SK_p, IDx') */
	mac = crypto_prf(prf, sk_p->data, sk_p->len, &idc, 1, NULL);
	g_assert_cmpuint(olen, ==, sizeof(msg) + sizeof(nr) + 32);
	g_assert_cmpmem(o, sizeof(msg), msg, sizeof(msg));
	g_assert_cmpmem(o + sizeof(msg), sizeof(nr), nr, sizeof(nr));
	g_assert_cmpmem(o + sizeof(msg) + sizeof(nr), 32, mac->data, 32);

	auth = crypto_auth_psk(prf, psk, o, olen, &error);
	g_assert_no_error(error);
	inner = crypto_prf(prf, psk->data, psk->len, &pad, 1, NULL);
	oc = CRYPTO_CHUNK(o, olen);
	want = crypto_prf(prf, inner->data, inner->len, &oc, 1, NULL);
	g_assert_cmpmem(g_bytes_get_data(auth, NULL), g_bytes_get_size(auth), want->data,
	                want->len);

	g_assert_true(crypto_auth_psk_verify(prf, psk, o, olen, want->data, want->len, &error));
	g_assert_no_error(error);
	memcpy(bad, want->data, 32);
	bad[31] ^= 1;
	g_assert_false(crypto_auth_psk_verify(prf, psk, o, olen, bad, 32, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);
	g_assert_false(crypto_auth_psk_verify(prf, psk, o, olen, want->data, 31, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	g_test_add_func("/crypto/keymat/every-suite", test_every_suite);
	g_test_add_func("/crypto/keymat/suite-check", test_suite_check);
	g_test_add_func("/crypto/keymat/rekey-skeyseed", test_rekey_skeyseed);
	g_test_add_func("/crypto/keymat/child", test_child_keymat);
	g_test_add_func("/crypto/keymat/child-pfs", test_child_pfs_changes_keys);
	g_test_add_func("/crypto/keymat/psk-auth", test_psk_auth);
	return g_test_run();
}
