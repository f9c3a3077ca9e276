/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CKM_AES_CBC (no padding) and HMAC truncated to the transform's ICV
 * length (RFC 4868 §2.3), with contexts made once per key instead of once
 * per call (context setup cost more than the cipher for ESP packets):
 *
 *   HMAC  one keyed CKA_SIGN context, restarted with PK11_DigestBegin.
 *   CBC   one encrypt and one decrypt context that keep chaining across
 *         calls.  A context holding chaining value Z computes
 *         C1 = E(X ^ Z); feeding X = P1 ^ IV ^ Z gives E(P1 ^ IV), the
 *         first block of a fresh CBC run under IV, and the later blocks
 *         chain as usual.  Decryption yields D(C1) ^ Z, fixed up by
 *         ^ Z ^ IV.  Z is the last ciphertext block of the previous call.
 *         The output is exactly CBC with the caller's IV.
 *
 * Each context sits behind the struct's mutex, keeping the type safe to
 * share between threads.  If a context cannot be made (or an operation on
 * it fails, leaving its chaining unknown), that path falls back to
 * PK11_Encrypt/PK11_Decrypt and prf.c per call.
 */
#include "cbc-hmac.h"

#include <string.h>

#include "alg-nss.h"
#include "nss-auto.h"
#include "nss-init.h"
#include "secbuf.h"

#define CBC_BLOCK_MAX 16

struct CryptoCbcHmac {
	const CryptoEncrAlg *encr;
	const CryptoIntegAlg *integ;
	PK11SymKey *key;
	CryptoPrf *mac;
	PK11SymKey *mac_key;
	GMutex lock;          /* the contexts and chaining values below */
	PK11Context *mac_ctx; /* NULL: crypto_prf_compute() per call */
	PK11Context *enc_ctx; /* NULL: PK11_Encrypt per call */
	PK11Context *dec_ctx;
	guint8 enc_chain[CBC_BLOCK_MAX];
	guint8 dec_chain[CBC_BLOCK_MAX];
};

static PK11Context *
cbc_context(CryptoCbcHmac *ctx, CK_ATTRIBUTE_TYPE op, guint8 *chain)
{
	guint bs = ctx->encr->iv_size;
	SECItem iv = {siBuffer, chain, bs};

	if (bs == 0 || bs > CBC_BLOCK_MAX || bs != ctx->encr->pad_block)
		return NULL;
	memset(chain, 0, bs);
	return PK11_CreateContextBySymKey(ctx->encr->nss_mech, op, ctx->key, &iv);
}

static void
make_contexts(CryptoCbcHmac *ctx, CryptoUse use, const guint8 *integ_key, gsize integ_key_len)
{
	SECItem no_param = {siBuffer, NULL, 0};

	if (use == CRYPTO_USE_ENCRYPT || use == CRYPTO_USE_BOTH)
		ctx->enc_ctx = cbc_context(ctx, CKA_ENCRYPT, ctx->enc_chain);
	if (use == CRYPTO_USE_DECRYPT || use == CRYPTO_USE_BOTH)
		ctx->dec_ctx = cbc_context(ctx, CKA_DECRYPT, ctx->dec_chain);
	if (integ_key_len == 0)
		return;
	ctx->mac_key = crypto_sym_key_import(ctx->integ->nss_mech, CKA_SIGN, integ_key,
	                                     integ_key_len, NULL);
	if (ctx->mac_key != NULL)
		ctx->mac_ctx = PK11_CreateContextBySymKey(ctx->integ->nss_mech, CKA_SIGN,
		                                          ctx->mac_key, &no_param);
}

static void
drop_context(PK11Context **c)
{
	if (*c != NULL)
		PK11_DestroyContext(*c, PR_TRUE);
	*c = NULL;
}

CryptoCbcHmac *
crypto_cbc_hmac_new_for(const CryptoEncrAlg *encr, const guint8 *encr_key, gsize encr_key_len,
                        const CryptoIntegAlg *integ, const guint8 *integ_key,
                        gsize integ_key_len, CryptoUse use, GError **error)
{
	g_autoptr(CryptoCbcHmac) ctx = NULL;

	if (encr->mode != CRYPTO_ENCR_MODE_CBC || integ == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "%s is not a CBC cipher with an integrity algorithm", encr->name);
		return NULL;
	}
	if (!crypto_encr_alg_key_bits_ok(encr, (guint) encr_key_len * 8) ||
	    integ_key_len != integ->key_size) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "%s/%s: bad key lengths %zu/%zu", encr->name, integ->name, encr_key_len,
		            integ_key_len);
		return NULL;
	}
	ctx = g_new0(CryptoCbcHmac, 1);
	g_mutex_init(&ctx->lock);
	ctx->encr = encr;
	ctx->integ = integ;
	ctx->key =
	        crypto_sym_key_import(encr->nss_mech, CKA_ENCRYPT, encr_key, encr_key_len, error);
	if (ctx->key == NULL)
		return NULL;
	ctx->mac = crypto_prf_new_integ(integ, integ_key, integ_key_len, error);
	if (ctx->mac == NULL)
		return NULL;
	if (use != CRYPTO_USE_TRANSIENT)
		make_contexts(ctx, use, integ_key, integ_key_len);
	return g_steal_pointer(&ctx);
}

CryptoCbcHmac *
crypto_cbc_hmac_new(const CryptoEncrAlg *encr, const guint8 *encr_key, gsize encr_key_len,
                    const CryptoIntegAlg *integ, const guint8 *integ_key, gsize integ_key_len,
                    GError **error)
{
	return crypto_cbc_hmac_new_for(encr, encr_key, encr_key_len, integ, integ_key,
	                               integ_key_len, CRYPTO_USE_BOTH, error);
}

void
crypto_cbc_hmac_free(CryptoCbcHmac *ctx)
{
	if (ctx == NULL)
		return;
	drop_context(&ctx->mac_ctx);
	drop_context(&ctx->enc_ctx);
	drop_context(&ctx->dec_ctx);
	if (ctx->mac_key != NULL)
		PK11_FreeSymKey(ctx->mac_key);
	if (ctx->key != NULL)
		PK11_FreeSymKey(ctx->key);
	crypto_prf_free(ctx->mac);
	g_mutex_clear(&ctx->lock);
	ikebus_wipe(ctx, sizeof(*ctx));
	g_free(ctx);
}

const CryptoEncrAlg *
crypto_cbc_hmac_get_encr(const CryptoCbcHmac *ctx)
{
	return ctx->encr;
}

const CryptoIntegAlg *
crypto_cbc_hmac_get_integ(const CryptoCbcHmac *ctx)
{
	return ctx->integ;
}

gboolean
crypto_cbc_hmac_random_iv(const CryptoCbcHmac *ctx, guint8 *iv, GError **error)
{
	return crypto_random_fill(iv, ctx->encr->iv_size, error);
}

/* Under ctx->lock.  FALSE (context dropped) if NSS failed. */
static gboolean
chained_encrypt(CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in, gsize len, guint8 *out)
{
	guint bs = ctx->encr->iv_size;
	guint8 x[CBC_BLOCK_MAX];
	int got = 0, got2 = 0;

	for (guint i = 0; i < bs; i++)
		x[i] = in[i] ^ iv[i] ^ ctx->enc_chain[i];
	/* in place is fine: the first block was consumed into x */
	if (PK11_CipherOp(ctx->enc_ctx, out, &got, (int) bs, x, (int) bs) != SECSuccess ||
	    got != (int) bs ||
	    (len > bs && (PK11_CipherOp(ctx->enc_ctx, out + bs, &got2, (int) (len - bs), in + bs,
	                                (int) (len - bs)) != SECSuccess ||
	                  got2 != (int) (len - bs)))) {
		ikebus_wipe(x, sizeof(x));
		drop_context(&ctx->enc_ctx);
		return FALSE;
	}
	ikebus_wipe(x, sizeof(x));
	memcpy(ctx->enc_chain, out + len - bs, bs);
	return TRUE;
}

static gboolean
chained_decrypt(CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in, gsize len, guint8 *out)
{
	guint bs = ctx->encr->iv_size;
	guint8 last[CBC_BLOCK_MAX], first_iv[CBC_BLOCK_MAX];
	int got = 0;

	/* @out may be @in, and @iv may sit just before it: keep both. */
	memcpy(last, in + len - bs, bs);
	memcpy(first_iv, iv, bs);
	if (PK11_CipherOp(ctx->dec_ctx, out, &got, (int) len, in, (int) len) != SECSuccess ||
	    got != (int) len) {
		drop_context(&ctx->dec_ctx);
		return FALSE;
	}
	for (guint i = 0; i < bs; i++)
		out[i] ^= ctx->dec_chain[i] ^ first_iv[i];
	memcpy(ctx->dec_chain, last, bs);
	return TRUE;
}

/* The per-key contexts, if there are any: TRUE when done. */
static gboolean
chained_crypt(CryptoCbcHmac *ctx, gboolean encrypt, const guint8 *iv, const guint8 *in, gsize len,
              guint8 *out)
{
	gboolean done = FALSE;

	g_mutex_lock(&ctx->lock);
	if (encrypt && ctx->enc_ctx != NULL)
		done = chained_encrypt(ctx, iv, in, len, out);
	else if (!encrypt && ctx->dec_ctx != NULL)
		done = chained_decrypt(ctx, iv, in, len, out);
	g_mutex_unlock(&ctx->lock);
	return done;
}

static gboolean
cbc_crypt(const CryptoCbcHmac *ctx, gboolean encrypt, const guint8 *iv, const guint8 *in, gsize len,
          guint8 *out, GError **error)
{
	SECItem param = {siBuffer, (unsigned char *) iv, ctx->encr->iv_size};
	unsigned int got = 0;
	SECStatus rv;

	if (len % ctx->encr->pad_block != 0 || len > G_MAXUINT / 2) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "CBC length %zu is not a multiple of %u", len, ctx->encr->pad_block);
		return FALSE;
	}
	if (len == 0)
		return TRUE;
	if (chained_crypt((CryptoCbcHmac *) ctx, encrypt, iv, in, len, out))
		return TRUE;
	if (encrypt)
		rv = PK11_Encrypt(ctx->key, ctx->encr->nss_mech, &param, out, &got,
		                  (unsigned int) len, in, (unsigned int) len);
	else
		rv = PK11_Decrypt(ctx->key, ctx->encr->nss_mech, &param, out, &got,
		                  (unsigned int) len, in, (unsigned int) len);
	if (rv != SECSuccess)
		return crypto_set_nss_error(error, encrypt ? "CBC encrypt" : "CBC decrypt");
	if (got != len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED, "CBC gave %u of %zu octets",
		            got, len);
		return FALSE;
	}
	return TRUE;
}

gboolean
crypto_cbc_hmac_encrypt(const CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in, gsize len,
                        guint8 *out, GError **error)
{
	return cbc_crypt(ctx, TRUE, iv, in, len, out, error);
}

gboolean
crypto_cbc_hmac_decrypt(const CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in, gsize len,
                        guint8 *out, GError **error)
{
	return cbc_crypt(ctx, FALSE, iv, in, len, out, error);
}

/* HMAC on the kept context; FALSE (and the context dropped on an NSS
 * failure) when the caller must take the per-call path. */
static gboolean
mac_compute(CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in, guint8 *out)
{
	gboolean ok = TRUE;
	unsigned int got = 0;

	for (gsize i = 0; i < n_in; i++)
		if (in[i].len > G_MAXUINT)
			return FALSE;
	g_mutex_lock(&ctx->lock);
	if (ctx->mac_ctx == NULL) {
		g_mutex_unlock(&ctx->lock);
		return FALSE;
	}
	ok = PK11_DigestBegin(ctx->mac_ctx) == SECSuccess;
	for (gsize i = 0; ok && i < n_in; i++)
		if (in[i].len > 0)
			ok = PK11_DigestOp(ctx->mac_ctx, in[i].data, (unsigned int) in[i].len) ==
			     SECSuccess;
	ok = ok && PK11_DigestFinal(ctx->mac_ctx, out, &got, CRYPTO_PRF_MAX_OUT) == SECSuccess &&
	     got == ctx->integ->hash_len;
	if (!ok)
		drop_context(&ctx->mac_ctx);
	g_mutex_unlock(&ctx->lock);
	return ok;
}

gboolean
crypto_cbc_hmac_icv(const CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in, guint8 *icv,
                    GError **error)
{
	guint8 full[CRYPTO_PRF_MAX_OUT];

	if (!mac_compute((CryptoCbcHmac *) ctx, in, n_in, full) &&
	    !crypto_prf_compute(ctx->mac, in, n_in, full, error))
		return FALSE;
	memcpy(icv, full, ctx->integ->icv_size);
	ikebus_wipe(full, sizeof(full));
	return TRUE;
}

gboolean
crypto_cbc_hmac_verify(const CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in,
                       const guint8 *icv, GError **error)
{
	guint8 want[CRYPTO_PRF_MAX_OUT];
	gboolean same;

	if (!crypto_cbc_hmac_icv(ctx, in, n_in, want, error))
		return FALSE;
	same = ikebus_memeq_consttime(want, icv, ctx->integ->icv_size);
	ikebus_wipe(want, sizeof(want));
	if (!same) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
		                    "integrity check failed");
		return FALSE;
	}
	return TRUE;
}
