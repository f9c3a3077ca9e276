/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Protection of the IKEv2 Encrypted payload (SK, RFC 7296 §3.14) and of the
 * Encrypted Fragment payload (SKF, RFC 7383) for one direction of an IKE SA.
 *
 * Body layout written by seal / read by open (everything after the generic
 * payload header, plus the SKF fragment fields):
 *
 *   IV | encrypted( inner payloads | padding | Pad Length ) | ICV
 *
 * The caller passes the "associated" octets: from the first octet of the IKE
 * header through the end of the SK generic payload header (for SKF: through
 * the Total Fragments field), with the header and payload lengths already
 * final (use crypto_sk_body_len()).  For CBC+HMAC the ICV covers
 * associated | IV | ciphertext (RFC 7296 §3.14); for AEAD those octets are
 * the AAD (RFC 5282 §5.1, RFC 7634 §3).
 *
 * A CryptoSk keeps its keys as plain (self-wiping) bytes and imports them
 * into NSS only for the duration of one seal or open, so an idle IKE SA
 * holds no NSS object.  Seal and open may run from several threads at once
 * (the AEAD IV counter is atomic).
 * Errors: CRYPTO_ERROR; CRYPTO_ERROR_AUTH when the ICV does not verify,
 * CRYPTO_ERROR_INVALID for a body of impossible length or a bad Pad Length.
 */
#pragma once

#include <glib.h>

#include "alg.h"
#include "secbuf.h"

G_BEGIN_DECLS

typedef struct CryptoSk CryptoSk;

/* Owned protector for one direction.  @encr_key is the SK_e* key as derived
 * (AEAD: key | salt); @integ and @integ_key are NULL for an AEAD. */
CryptoSk *crypto_sk_new(const CryptoEncrAlg *encr, guint encr_key_bits, const CryptoIntegAlg *integ,
                        const IkebusSecbuf *encr_key, const IkebusSecbuf *integ_key,
                        GError **error);
void crypto_sk_free(CryptoSk *sk);

/* Exact body length seal writes for @plain_len octets of inner payloads. */
gsize crypto_sk_body_len(const CryptoSk *sk, gsize plain_len);
/* Largest body growth over the plaintext: IV + ICV + Pad Length + padding. */
gsize crypto_sk_overhead(const CryptoSk *sk);
/* Largest plaintext whose body fits in @body_max octets (0 if none does). */
gsize crypto_sk_max_plain_len(const CryptoSk *sk, gsize body_max);
/* Size open needs for its output buffer given a body of @body_len octets. */
gsize crypto_sk_open_buf_len(const CryptoSk *sk, gsize body_len);

/* Encrypts and protects @plain into @out_body, which must be exactly
 * crypto_sk_body_len(@plain_len) octets (CRYPTO_ERROR_INVALID otherwise). */
gboolean crypto_sk_seal(CryptoSk *sk, const guint8 *aad, gsize aad_len, const guint8 *plain,
                        gsize plain_len, guint8 *out_body, gsize out_len, GError **error);
/* Checks the ICV first, then decrypts and strips the padding: the inner
 * payloads go to @out (at least crypto_sk_open_buf_len() octets) and their
 * length to @plain_len.  On failure nothing decrypted is left in @out. */
gboolean crypto_sk_open(const CryptoSk *sk, const guint8 *aad, gsize aad_len, const guint8 *body,
                        gsize body_len, guint8 *out, gsize out_size, gsize *plain_len,
                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoSk, crypto_sk_free)

G_END_DECLS
