/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AEAD primitives for the IKE SK payload and for ESP (RFC 4303):
 *   AES-GCM with 8/12/16-octet ICV (RFC 5282 for IKEv2, RFC 4106 for ESP)
 *   ChaCha20-Poly1305 (RFC 7634, RFC 7539/8439)
 * Nonce = salt (4 octets, the tail of the keying material) || IV (8 octets,
 * on the wire).  The caller chooses the IV and must never repeat one under a
 * key; crypto_aead_next_iv() hands out unique ones.
 *
 * A CryptoAead imports its key into NSS once (per-SA context).  After
 * creation it is immutable except for the atomic IV counter, so encrypting
 * and decrypting from several threads at once is safe.  Errors: CRYPTO_ERROR;
 * a wrong tag is CRYPTO_ERROR_AUTH.
 */
#pragma once

#include <glib.h>

#include "alg.h"

G_BEGIN_DECLS

typedef struct CryptoAead CryptoAead;

/* Owned context for the AEAD @alg keyed with @keymat = key || salt
 * (crypto_encr_alg_keymat_len() octets).  CRYPTO_ERROR_INVALID for a CBC
 * algorithm or a wrong length. */
CryptoAead *crypto_aead_new(const CryptoEncrAlg *alg, const guint8 *keymat, gsize keymat_len,
                            GError **error);
/* The same keeping only the NSS contexts @use names (crypto_aead_new():
 * CRYPTO_USE_BOTH); an operation without its context makes one per call.
 * CRYPTO_USE_TRANSIENT is for a key imported per message and freed again
 * (the IKE SK payload): the IV counter starts afresh with each object, so
 * such a caller keeps its own. */
CryptoAead *crypto_aead_new_for(const CryptoEncrAlg *alg, const guint8 *keymat, gsize keymat_len,
                                CryptoUse use, GError **error);
void crypto_aead_free(CryptoAead *aead);
const CryptoEncrAlg *crypto_aead_get_alg(const CryptoAead *aead);
/* Writes a fresh alg->iv_size-octet IV: a 64-bit counter that starts at a
 * random value per context, so IVs never repeat under this key. */
void crypto_aead_next_iv(CryptoAead *aead, guint8 *iv);

/* Encrypts @in and writes ciphertext || ICV (@in_len + icv_size octets) to
 * @out.  @out may equal @in (in place) but must not otherwise overlap. */
gboolean crypto_aead_encrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad,
                             gsize aad_len, const guint8 *in, gsize in_len, guint8 *out,
                             GError **error);
/* Verifies and decrypts @in = ciphertext || ICV into @out (@in_len -
 * icv_size octets).  Nothing is released unless the tag verifies:
 * CRYPTO_ERROR_AUTH and @out wiped otherwise. */
gboolean crypto_aead_decrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad,
                             gsize aad_len, const guint8 *in, gsize in_len, guint8 *out,
                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoAead, crypto_aead_free)

G_END_DECLS
