/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CKM_AES_CBC (no padding; IV as the mechanism parameter) through
 * PK11_Encrypt/PK11_Decrypt, and HMAC through prf.c, truncated to the
 * transform's ICV length (RFC 4868 §2.3).
 */
#include "cbc-hmac.h"

#include <string.h>

#include "alg-nss.h"
#include "nss-auto.h"
#include "nss-init.h"
#include "secbuf.h"

struct CryptoCbcHmac {
	const CryptoEncrAlg *encr;
	const CryptoIntegAlg *integ;
	PK11SymKey *key;
	CryptoPrf *mac;
};

CryptoCbcHmac *
crypto_cbc_hmac_new(const CryptoEncrAlg *encr, const guint8 *encr_key, gsize encr_key_len,
                    const CryptoIntegAlg *integ, const guint8 *integ_key, gsize integ_key_len,
                    GError **error)
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
	ctx->encr = encr;
	ctx->integ = integ;
	ctx->key =
	        crypto_sym_key_import(encr->nss_mech, CKA_ENCRYPT, encr_key, encr_key_len, error);
	if (ctx->key == NULL)
		return NULL;
	ctx->mac = crypto_prf_new_integ(integ, integ_key, integ_key_len, error);
	if (ctx->mac == NULL)
		return NULL;
	return g_steal_pointer(&ctx);
}

void
crypto_cbc_hmac_free(CryptoCbcHmac *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->key != NULL)
		PK11_FreeSymKey(ctx->key);
	crypto_prf_free(ctx->mac);
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

gboolean
crypto_cbc_hmac_icv(const CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in, guint8 *icv,
                    GError **error)
{
	guint8 full[CRYPTO_PRF_MAX_OUT];

	if (!crypto_prf_compute(ctx->mac, in, n_in, full, error))
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
