/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HMAC (RFC 2104) over NSS digests, and prf+ on top of it (RFC 7296 §2.13).
 *
 * HMAC(K, m) = H((K ^ opad) | H((K ^ ipad) | m)), with K zero-padded to the
 * hash's block size (hashed first if longer).  The two padded keys are kept
 * in a secure buffer; each computation opens its own NSS digest context, so
 * a CryptoPrf may be shared between threads.  Not CKM_*_HMAC with an
 * imported key: a PK11SymKey is a softoken object made and destroyed for
 * every one-shot prf() of a handshake (eight of them), which cost 2.5 times
 * the HMAC itself.
 */
#include "prf.h"

#include <string.h>

#include "nss-auto.h"
#include "nss-init.h"
#include "alg-nss.h"

/* Largest hash block: SHA-384 and SHA-512 */
#define HMAC_MAX_BLOCK 128

struct CryptoPrf {
	SECOidTag hash;
	gsize block; /* the hash's block size, B of RFC 2104 */
	gsize out_len;
	IkebusSecbuf *pads; /* K ^ ipad, then K ^ opad: 2 * block octets */
};

static gboolean
hash_of(CK_MECHANISM_TYPE mech, SECOidTag *hash, gsize *block)
{
	switch (mech) {
	case CKM_SHA_1_HMAC:
		*hash = SEC_OID_SHA1;
		*block = 64;
		return TRUE;
	case CKM_SHA256_HMAC:
		*hash = SEC_OID_SHA256;
		*block = 64;
		return TRUE;
	case CKM_SHA384_HMAC:
		*hash = SEC_OID_SHA384;
		*block = 128;
		return TRUE;
	case CKM_SHA512_HMAC:
		*hash = SEC_OID_SHA512;
		*block = 128;
		return TRUE;
	default:
		return FALSE;
	}
}

/* H(chunks...) into @out (exactly @out_len octets), on @ctx (a digest
 * context of the right hash, which this restarts). */
static gboolean
digest_on(PK11Context *ctx, const CryptoChunk *in, gsize n_in, guint8 *out, gsize out_len,
          GError **error)
{
	unsigned int got = 0;

	if (PK11_DigestBegin(ctx) != SECSuccess)
		return crypto_set_nss_error(error, "digest begin");
	for (gsize i = 0; i < n_in; i++) {
		if (in[i].len == 0)
			continue;
		if (in[i].len > G_MAXUINT) {
			g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			                    "HMAC input too long");
			return FALSE;
		}
		if (PK11_DigestOp(ctx, in[i].data, (unsigned int) in[i].len) != SECSuccess)
			return crypto_set_nss_error(error, "digest update");
	}
	if (PK11_DigestFinal(ctx, out, &got, (unsigned int) out_len) != SECSuccess)
		return crypto_set_nss_error(error, "digest final");
	if (got != out_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "digest gave %u octets, expected %zu", got, out_len);
		return FALSE;
	}
	return TRUE;
}

static PK11Context *
digest_new(SECOidTag hash, GError **error)
{
	PK11Context *ctx = PK11_CreateDigestContext(hash);

	if (ctx == NULL)
		crypto_set_nss_error(error, "digest context");
	return ctx;
}

static CryptoPrf *
hmac_new(CK_MECHANISM_TYPE mech, gsize out_len, const guint8 *key, gsize key_len, GError **error)
{
	g_autoptr(CryptoPrf) prf = g_new0(CryptoPrf, 1);
	guint8 *ipad, *opad;

	if (!crypto_nss_require(error))
		return NULL;
	if (!hash_of(mech, &prf->hash, &prf->block) || out_len > CRYPTO_PRF_MAX_OUT) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
		            "HMAC with mechanism 0x%lx is not supported", (unsigned long) mech);
		return NULL;
	}
	prf->out_len = out_len;
	prf->pads = ikebus_secbuf_new(2 * prf->block);
	ipad = prf->pads->data;
	opad = ipad + prf->block;
	/* RFC 2104 §2: a key longer than B is hashed first; the rest is zero padding */
	if (key_len > prf->block) {
		CryptoChunk k = CRYPTO_CHUNK(key, key_len);
		g_autoptr(PK11Context) ctx = digest_new(prf->hash, error);

		if (ctx == NULL || !digest_on(ctx, &k, 1, ipad, out_len, error))
			return NULL;
	} else if (key_len > 0) {
		memcpy(ipad, key, key_len);
	}
	for (gsize i = 0; i < prf->block; i++) {
		opad[i] = ipad[i] ^ 0x5c;
		ipad[i] ^= 0x36;
	}
	return g_steal_pointer(&prf);
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
	ikebus_secbuf_free(prf->pads);
	g_free(prf);
}

gsize
crypto_prf_get_out_len(const CryptoPrf *prf)
{
	return prf->out_len;
}

/* HMAC of the chunks with @prf's key, on @ctx (one context for both hashes). */
static gboolean
hmac_on(PK11Context *ctx, const CryptoPrf *prf, const CryptoChunk *in, gsize n_in, guint8 *out,
        GError **error)
{
	CryptoChunk chunks[8];
	g_autofree CryptoChunk *heap = NULL;
	CryptoChunk *inner = chunks;
	guint8 ih[CRYPTO_PRF_MAX_OUT];
	CryptoChunk outer[2];
	gboolean ok;

	if (n_in + 1 > G_N_ELEMENTS(chunks))
		inner = heap = g_new(CryptoChunk, n_in + 1);
	inner[0] = CRYPTO_CHUNK(prf->pads->data, prf->block);
	if (n_in > 0)
		memcpy(&inner[1], in, n_in * sizeof(*in));
	if (!digest_on(ctx, inner, n_in + 1, ih, prf->out_len, error))
		return FALSE;
	outer[0] = CRYPTO_CHUNK(prf->pads->data + prf->block, prf->block);
	outer[1] = CRYPTO_CHUNK(ih, prf->out_len);
	ok = digest_on(ctx, outer, 2, out, prf->out_len, error);
	ikebus_wipe(ih, sizeof(ih));
	return ok;
}

gboolean
crypto_prf_compute(const CryptoPrf *prf, const CryptoChunk *in, gsize n_in, guint8 *out,
                   GError **error)
{
	g_autoptr(PK11Context) ctx = digest_new(prf->hash, error);

	return ctx != NULL && hmac_on(ctx, prf, in, n_in, out, error);
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
	g_autoptr(PK11Context) ctx = NULL;
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
	ctx = digest_new(prf->hash, error);
	if (ctx == NULL)
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

		if (!hmac_on(ctx, prf, in, n_seed + 2, t, error)) {
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
