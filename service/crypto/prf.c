/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HMAC (RFC 2104) through NSS, and prf+ on top of it (RFC 7296 §2.13).
 *
 * The key is imported once as a PK11SymKey; each computation opens its own
 * PK11Context (CKA_SIGN), so a CryptoPrf may be shared between threads.
 */
#include "prf.h"

#include <string.h>

#include "nss-auto.h"
#include "nss-init.h"
#include "alg-nss.h"

struct CryptoPrf {
	PK11SymKey *key;
	CK_MECHANISM_TYPE mech;
	gsize out_len;
};

static CryptoPrf *
hmac_new(CK_MECHANISM_TYPE mech, gsize out_len, const guint8 *key, gsize key_len, GError **error)
{
	/* HMAC pads the key with zeros to the hash block size (RFC 2104 §2),
	 * so the empty key and the one-octet key 0x00 are the same key; NSS
	 * will not import an empty key, so use the latter. */
	static const guint8 zero = 0;
	PK11SymKey *sym;
	CryptoPrf *prf;

	if (key_len == 0) {
		key = &zero;
		key_len = 1;
	}
	sym = crypto_sym_key_import(mech, CKA_SIGN, key, key_len, error);
	if (sym == NULL)
		return NULL;
	prf = g_new0(CryptoPrf, 1);
	prf->key = sym;
	prf->mech = mech;
	prf->out_len = out_len;
	return prf;
}

CryptoPrf *
crypto_prf_new(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len, GError **error)
{
	return hmac_new(alg->nss_mech, alg->out_len, key, key_len, error);
}

CryptoPrf *
crypto_prf_new_integ(const CryptoIntegAlg *alg, const guint8 *key, gsize key_len, GError **error)
{
	return hmac_new(alg->nss_mech, alg->hash_len, key, key_len, error);
}

void
crypto_prf_free(CryptoPrf *prf)
{
	if (prf == NULL)
		return;
	PK11_FreeSymKey(prf->key);
	g_free(prf);
}

gsize
crypto_prf_get_out_len(const CryptoPrf *prf)
{
	return prf->out_len;
}

gboolean
crypto_prf_compute(const CryptoPrf *prf, const CryptoChunk *in, gsize n_in, guint8 *out,
                   GError **error)
{
	SECItem no_param = {siBuffer, NULL, 0};
	g_autoptr(PK11Context) ctx = NULL;
	unsigned int got = 0;

	ctx = PK11_CreateContextBySymKey(prf->mech, CKA_SIGN, prf->key, &no_param);
	if (ctx == NULL)
		return crypto_set_nss_error(error, "HMAC context");
	if (PK11_DigestBegin(ctx) != SECSuccess)
		return crypto_set_nss_error(error, "HMAC begin");
	for (gsize i = 0; i < n_in; i++) {
		if (in[i].len == 0)
			continue;
		if (in[i].len > G_MAXUINT) {
			g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			                    "HMAC input too long");
			return FALSE;
		}
		if (PK11_DigestOp(ctx, in[i].data, (unsigned int) in[i].len) != SECSuccess)
			return crypto_set_nss_error(error, "HMAC update");
	}
	if (PK11_DigestFinal(ctx, out, &got, (unsigned int) prf->out_len) != SECSuccess)
		return crypto_set_nss_error(error, "HMAC final");
	if (got != prf->out_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "HMAC gave %u octets, expected %zu", got, prf->out_len);
		return FALSE;
	}
	return TRUE;
}

IkebusSecbuf *
crypto_prf(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len, const CryptoChunk *in,
           gsize n_in, GError **error)
{
	g_autoptr(CryptoPrf) prf = crypto_prf_new(alg, key, key_len, error);
	g_autoptr(IkebusSecbuf) out = NULL;

	if (prf == NULL)
		return NULL;
	out = ikebus_secbuf_new(alg->out_len);
	if (!crypto_prf_compute(prf, in, n_in, out->data, error))
		return NULL;
	return g_steal_pointer(&out);
}

IkebusSecbuf *
crypto_prf_plus(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len, const CryptoChunk *seed,
                gsize n_seed, gsize out_len, GError **error)
{
	g_autoptr(CryptoPrf) prf = NULL;
	g_autoptr(IkebusSecbuf) out = NULL;
	g_autofree CryptoChunk *in = NULL;
	guint8 t[CRYPTO_PRF_MAX_OUT];
	gsize done = 0;
	guint8 counter = 1;

	/* §2.13: the counter is one octet, so at most 255 blocks */
	if (out_len > 255 * (gsize) alg->out_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "prf+ cannot produce %zu octets with %s", out_len, alg->name);
		return NULL;
	}
	prf = crypto_prf_new(alg, key, key_len, error);
	if (prf == NULL)
		return NULL;
	out = ikebus_secbuf_new(out_len);
	/* in = T(n-1) | S | n */
	in = g_new(CryptoChunk, n_seed + 2);
	in[0] = CRYPTO_CHUNK(t, 0);
	if (n_seed > 0)
		memcpy(&in[1], seed, n_seed * sizeof(*seed));
	in[n_seed + 1] = CRYPTO_CHUNK(&counter, 1);
	while (done < out_len) {
		gsize take = MIN(alg->out_len, out_len - done);

		if (!crypto_prf_compute(prf, in, n_seed + 2, t, error)) {
			ikebus_wipe(t, sizeof(t));
			return NULL;
		}
		memcpy(out->data + done, t, take);
		done += take;
		in[0].len = alg->out_len;
		counter++;
	}
	ikebus_wipe(t, sizeof(t));
	return g_steal_pointer(&out);
}
