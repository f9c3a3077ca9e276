/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AES-CBC (RFC 3602) with a truncated HMAC integrity check (RFC 2404,
 * RFC 4868), the encrypt-then-MAC layout of the IKE SK payload and of ESP.
 * The caller lays out the packet: CBC here neither pads nor chooses IVs
 * beyond crypto_cbc_hmac_random_iv(), and the ICV covers whatever chunks the
 * caller names (SK: IKE header .. IV .. ciphertext; ESP: SPI, sequence, IV,
 * ciphertext, optional high ESN bits).
 *
 * A CryptoCbcHmac imports both keys into NSS once (per-SA context) and is
 * immutable afterwards: safe to use from several threads at once.
 * Errors: CRYPTO_ERROR; a wrong ICV is CRYPTO_ERROR_AUTH.
 */
#pragma once

#include <glib.h>

#include "alg.h"
#include "prf.h"

G_BEGIN_DECLS

typedef struct CryptoCbcHmac CryptoCbcHmac;

/* Owned context; @encr must be a CBC algorithm, @encr_key_len one of its
 * key sizes, @integ_key_len the integrity algorithm's key size. */
CryptoCbcHmac *crypto_cbc_hmac_new(const CryptoEncrAlg *encr, const guint8 *encr_key,
                                   gsize encr_key_len, const CryptoIntegAlg *integ,
                                   const guint8 *integ_key, gsize integ_key_len, GError **error);
/* The same keeping only the cipher context @use names, and the HMAC
 * context unless CRYPTO_USE_TRANSIENT (crypto_cbc_hmac_new():
 * CRYPTO_USE_BOTH); an operation without its context makes one per call. */
CryptoCbcHmac *crypto_cbc_hmac_new_for(const CryptoEncrAlg *encr, const guint8 *encr_key,
                                       gsize encr_key_len, const CryptoIntegAlg *integ,
                                       const guint8 *integ_key, gsize integ_key_len,
                                       CryptoUse use, GError **error);
void crypto_cbc_hmac_free(CryptoCbcHmac *ctx);
const CryptoEncrAlg *crypto_cbc_hmac_get_encr(const CryptoCbcHmac *ctx);
const CryptoIntegAlg *crypto_cbc_hmac_get_integ(const CryptoCbcHmac *ctx);

/* A fresh unpredictable IV (encr->iv_size octets) from NSS's DRBG. */
gboolean crypto_cbc_hmac_random_iv(const CryptoCbcHmac *ctx, guint8 *iv, GError **error);
/* CBC without padding: @len must be a multiple of the block size (else
 * CRYPTO_ERROR_INVALID).  @out may equal @in. */
gboolean crypto_cbc_hmac_encrypt(const CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in,
                                 gsize len, guint8 *out, GError **error);
gboolean crypto_cbc_hmac_decrypt(const CryptoCbcHmac *ctx, const guint8 *iv, const guint8 *in,
                                 gsize len, guint8 *out, GError **error);
/* Truncated HMAC over the concatenated chunks: integ->icv_size octets to @icv. */
gboolean crypto_cbc_hmac_icv(const CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in,
                             guint8 *icv, GError **error);
/* Recomputes the ICV and compares in constant time: CRYPTO_ERROR_AUTH on mismatch. */
gboolean crypto_cbc_hmac_verify(const CryptoCbcHmac *ctx, const CryptoChunk *in, gsize n_in,
                                const guint8 *icv, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoCbcHmac, crypto_cbc_hmac_free)

G_END_DECLS
