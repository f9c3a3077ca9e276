/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keymat.h"

#include <string.h>

#include "nss-init.h"

/* RFC 7296 §2.15: the 17 ASCII octets, no terminating NUL */
static const char key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN (sizeof(key_pad) - 1)

gboolean
crypto_ike_suite_check(const CryptoIkeSuite *suite, GError **error)
{
	if (suite->prf == NULL || suite->encr == NULL) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		                    "suite needs a PRF and an encryption algorithm");
		return FALSE;
	}
	if (crypto_encr_alg_is_aead(suite->encr) != (suite->integ == NULL)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "%s %s an integrity algorithm", suite->encr->name,
		            suite->integ == NULL ? "needs" : "must not have");
		return FALSE;
	}
	if (!crypto_encr_alg_key_bits_ok(suite->encr, suite->encr_key_bits)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID, "%s: no %u-bit keys",
		            suite->encr->name, suite->encr_key_bits);
		return FALSE;
	}
	return TRUE;
}

gsize
crypto_ike_keys_len(const CryptoIkeSuite *suite)
{
	gsize prf_len = suite->prf->out_len;
	gsize integ_len = suite->integ != NULL ? suite->integ->key_size : 0;
	gsize encr_len = crypto_encr_alg_keymat_len(suite->encr, suite->encr_key_bits);

	/* §2.14: SK_d, SK_pi, SK_pr are the PRF's preferred key length */
	return 3 * prf_len + 2 * integ_len + 2 * encr_len;
}

IkebusSecbuf *
crypto_skeyseed(const CryptoPrfAlg *prf, const guint8 *ni, gsize ni_len, const guint8 *nr,
                gsize nr_len, const IkebusSecbuf *g_ir, GError **error)
{
	g_autoptr(IkebusSecbuf) key = ikebus_secbuf_new(ni_len + nr_len);
	CryptoChunk in = CRYPTO_CHUNK(g_ir->data, g_ir->len);

	/* the key is Ni | Nr, taken whole (HMAC PRFs accept any key length) */
	memcpy(key->data, ni, ni_len);
	memcpy(key->data + ni_len, nr, nr_len);
	return crypto_prf(prf, key->data, key->len, &in, 1, error);
}

IkebusSecbuf *
crypto_skeyseed_rekey(const CryptoPrfAlg *old_prf, const IkebusSecbuf *old_sk_d,
                      const IkebusSecbuf *g_ir, const guint8 *ni, gsize ni_len, const guint8 *nr,
                      gsize nr_len, GError **error)
{
	CryptoChunk in[] = {
	        CRYPTO_CHUNK(g_ir->data, g_ir->len),
	        CRYPTO_CHUNK(ni, ni_len),
	        CRYPTO_CHUNK(nr, nr_len),
	};

	return crypto_prf(old_prf, old_sk_d->data, old_sk_d->len, in, G_N_ELEMENTS(in), error);
}

/* Cuts the next @len octets of @km at *@off into an owned buffer. */
static IkebusSecbuf *
take(const IkebusSecbuf *km, gsize *off, gsize len)
{
	IkebusSecbuf *k = ikebus_secbuf_new_from(km->data + *off, len);

	*off += len;
	return k;
}

gboolean
crypto_ike_keys_derive(const CryptoIkeSuite *suite, const IkebusSecbuf *skeyseed, const guint8 *ni,
                       gsize ni_len, const guint8 *nr, gsize nr_len,
                       const guint8 spi_i[CRYPTO_IKE_SPI_SIZE],
                       const guint8 spi_r[CRYPTO_IKE_SPI_SIZE], CryptoIkeKeys *out, GError **error)
{
	CryptoChunk seed[] = {
	        CRYPTO_CHUNK(ni, ni_len),
	        CRYPTO_CHUNK(nr, nr_len),
	        CRYPTO_CHUNK(spi_i, CRYPTO_IKE_SPI_SIZE),
	        CRYPTO_CHUNK(spi_r, CRYPTO_IKE_SPI_SIZE),
	};
	g_autoptr(IkebusSecbuf) km = NULL;
	gsize prf_len, integ_len, encr_len, off = 0;

	if (!crypto_ike_suite_check(suite, error))
		return FALSE;
	prf_len = suite->prf->out_len;
	integ_len = suite->integ != NULL ? suite->integ->key_size : 0;
	encr_len = crypto_encr_alg_keymat_len(suite->encr, suite->encr_key_bits);
	km = crypto_prf_plus(suite->prf, skeyseed->data, skeyseed->len, seed, G_N_ELEMENTS(seed),
	                     crypto_ike_keys_len(suite), error);
	if (km == NULL)
		return FALSE;
	out->sk_d = take(km, &off, prf_len);
	out->sk_ai = integ_len > 0 ? take(km, &off, integ_len) : NULL;
	out->sk_ar = integ_len > 0 ? take(km, &off, integ_len) : NULL;
	out->sk_ei = take(km, &off, encr_len);
	out->sk_er = take(km, &off, encr_len);
	out->sk_pi = take(km, &off, prf_len);
	out->sk_pr = take(km, &off, prf_len);
	g_assert(off == km->len);
	return TRUE;
}

void
crypto_ike_keys_clear(CryptoIkeKeys *keys)
{
	g_clear_pointer(&keys->sk_d, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_ai, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_ar, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_ei, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_er, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_pi, ikebus_secbuf_free);
	g_clear_pointer(&keys->sk_pr, ikebus_secbuf_free);
}

gboolean
crypto_child_keys_derive(const CryptoPrfAlg *prf, const IkebusSecbuf *sk_d,
                         const IkebusSecbuf *g_ir, const guint8 *ni, gsize ni_len, const guint8 *nr,
                         gsize nr_len, const CryptoEncrAlg *encr, guint encr_key_bits,
                         const CryptoIntegAlg *integ, CryptoChildKeys *out, GError **error)
{
	CryptoIkeSuite suite = {prf, encr, encr_key_bits, integ};
	CryptoChunk seed[3];
	gsize n_seed = 0, integ_len, encr_len, off = 0;
	g_autoptr(IkebusSecbuf) km = NULL;

	if (!crypto_ike_suite_check(&suite, error))
		return FALSE;
	if (g_ir != NULL)
		seed[n_seed++] = CRYPTO_CHUNK(g_ir->data, g_ir->len);
	seed[n_seed++] = CRYPTO_CHUNK(ni, ni_len);
	seed[n_seed++] = CRYPTO_CHUNK(nr, nr_len);
	integ_len = integ != NULL ? integ->key_size : 0;
	encr_len = crypto_encr_alg_keymat_len(encr, encr_key_bits);
	km = crypto_prf_plus(prf, sk_d->data, sk_d->len, seed, n_seed, 2 * (encr_len + integ_len),
	                     error);
	if (km == NULL)
		return FALSE;
	/* §2.17: initiator-to-responder first; encryption before integrity */
	out->encr_i = take(km, &off, encr_len);
	out->integ_i = integ_len > 0 ? take(km, &off, integ_len) : NULL;
	out->encr_r = take(km, &off, encr_len);
	out->integ_r = integ_len > 0 ? take(km, &off, integ_len) : NULL;
	return TRUE;
}

void
crypto_child_keys_clear(CryptoChildKeys *keys)
{
	g_clear_pointer(&keys->encr_i, ikebus_secbuf_free);
	g_clear_pointer(&keys->integ_i, ikebus_secbuf_free);
	g_clear_pointer(&keys->encr_r, ikebus_secbuf_free);
	g_clear_pointer(&keys->integ_r, ikebus_secbuf_free);
}

GBytes *
crypto_auth_signed_octets(const CryptoPrfAlg *prf, const guint8 *real_message,
                          gsize real_message_len, const guint8 *nonce, gsize nonce_len,
                          const IkebusSecbuf *sk_p, const guint8 *id_body, gsize id_body_len,
                          GError **error)
{
	CryptoChunk id = CRYPTO_CHUNK(id_body, id_body_len);
	g_autoptr(IkebusSecbuf) mac = crypto_prf(prf, sk_p->data, sk_p->len, &id, 1, error);
	g_autoptr(GByteArray) octets = NULL;

	if (mac == NULL)
		return NULL;
	octets = g_byte_array_sized_new((guint) (real_message_len + nonce_len + mac->len));
	g_byte_array_append(octets, real_message, (guint) real_message_len);
	g_byte_array_append(octets, nonce, (guint) nonce_len);
	g_byte_array_append(octets, mac->data, (guint) mac->len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&octets));
}

static IkebusSecbuf *
psk_auth(const CryptoPrfAlg *prf, const IkebusSecbuf *psk, const guint8 *signed_octets,
         gsize signed_octets_len, GError **error)
{
	CryptoChunk pad = CRYPTO_CHUNK(key_pad, KEY_PAD_LEN);
	CryptoChunk octets = CRYPTO_CHUNK(signed_octets, signed_octets_len);
	g_autoptr(IkebusSecbuf) inner = crypto_prf(prf, psk->data, psk->len, &pad, 1, error);

	if (inner == NULL)
		return NULL;
	return crypto_prf(prf, inner->data, inner->len, &octets, 1, error);
}

GBytes *
crypto_auth_psk(const CryptoPrfAlg *prf, const IkebusSecbuf *psk, const guint8 *signed_octets,
                gsize signed_octets_len, GError **error)
{
	g_autoptr(IkebusSecbuf) auth = psk_auth(prf, psk, signed_octets, signed_octets_len, error);

	if (auth == NULL)
		return NULL;
	return g_bytes_new(auth->data, auth->len);
}

gboolean
crypto_auth_psk_verify(const CryptoPrfAlg *prf, const IkebusSecbuf *psk,
                       const guint8 *signed_octets, gsize signed_octets_len, const guint8 *auth,
                       gsize auth_len, GError **error)
{
	g_autoptr(IkebusSecbuf) want = psk_auth(prf, psk, signed_octets, signed_octets_len, error);

	if (want == NULL)
		return FALSE;
	if (auth_len != want->len || !ikebus_memeq_consttime(want->data, auth, want->len)) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
		                    "shared-key AUTH does not match");
		return FALSE;
	}
	return TRUE;
}
