/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 key derivation (RFC 7296):
 *   §2.14  SKEYSEED = prf(Ni | Nr, g^ir)
 *          {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *              = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 *   §2.18  rekeyed SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
 *   §2.17  Child SA KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr)
 *   §2.15  PSK AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 *
 * AEAD encryption keys include their salt (RFC 5282 §7.1, RFC 7634 §2;
 * RFC 4106 §8.1 for ESP) and an AEAD suite has no integrity keys.
 *
 * All results are owned; key material comes in IkebusSecbuf.  Pure functions
 * of their inputs: thread-safe.  Errors: CRYPTO_ERROR.
 */
#pragma once

#include <glib.h>

#include "alg.h"
#include "prf.h"
#include "secbuf.h"

G_BEGIN_DECLS

#define CRYPTO_IKE_SPI_SIZE 8

/* The negotiated IKE SA transforms (integ is NULL with an AEAD). */
typedef struct {
	const CryptoPrfAlg *prf;
	const CryptoEncrAlg *encr;
	guint encr_key_bits;
	const CryptoIntegAlg *integ;
} CryptoIkeSuite;

/* The seven IKE SA keys; sk_ai/sk_ar are NULL for an AEAD suite. */
typedef struct {
	IkebusSecbuf *sk_d;
	IkebusSecbuf *sk_ai;
	IkebusSecbuf *sk_ar;
	IkebusSecbuf *sk_ei;
	IkebusSecbuf *sk_er;
	IkebusSecbuf *sk_pi;
	IkebusSecbuf *sk_pr;
} CryptoIkeKeys;

/* Child SA keys in KEYMAT order: initiator->responder encryption, integrity,
 * then responder->initiator encryption, integrity (§2.17).  The integrity
 * keys are NULL with an AEAD. */
typedef struct {
	IkebusSecbuf *encr_i;
	IkebusSecbuf *integ_i;
	IkebusSecbuf *encr_r;
	IkebusSecbuf *integ_r;
} CryptoChildKeys;

/* CRYPTO_ERROR_INVALID unless exactly one of {AEAD, integ} and the key size is allowed. */
gboolean crypto_ike_suite_check(const CryptoIkeSuite *suite, GError **error);
/* Octets of prf+ output the seven keys take. */
gsize crypto_ike_keys_len(const CryptoIkeSuite *suite);

/* §2.14 SKEYSEED.  Owned, prf->out_len octets. */
IkebusSecbuf *crypto_skeyseed(const CryptoPrfAlg *prf, const guint8 *ni, gsize ni_len,
                              const guint8 *nr, gsize nr_len, const IkebusSecbuf *g_ir,
                              GError **error);
/* §2.18 SKEYSEED of a rekeyed IKE SA.  @old_prf is the PRF of the IKE SA
 * being rekeyed (its SK_d keys this prf); the new SA's keys are then derived
 * with crypto_ike_keys_derive() and the new SA's suite. */
IkebusSecbuf *crypto_skeyseed_rekey(const CryptoPrfAlg *old_prf, const IkebusSecbuf *old_sk_d,
                                    const IkebusSecbuf *g_ir, const guint8 *ni, gsize ni_len,
                                    const guint8 *nr, gsize nr_len, GError **error);
/* §2.14 the seven keys, into @out (which must be cleared; filled only on success). */
gboolean crypto_ike_keys_derive(const CryptoIkeSuite *suite, const IkebusSecbuf *skeyseed,
                                const guint8 *ni, gsize ni_len, const guint8 *nr, gsize nr_len,
                                const guint8 spi_i[CRYPTO_IKE_SPI_SIZE],
                                const guint8 spi_r[CRYPTO_IKE_SPI_SIZE], CryptoIkeKeys *out,
                                GError **error);
/* Frees every key and leaves @keys zeroed; safe on a cleared struct. */
void crypto_ike_keys_clear(CryptoIkeKeys *keys);

/* §2.17 Child SA keys.  @g_ir is NULL without PFS.  @integ is NULL with an AEAD @encr. */
gboolean crypto_child_keys_derive(const CryptoPrfAlg *prf, const IkebusSecbuf *sk_d,
                                  const IkebusSecbuf *g_ir, const guint8 *ni, gsize ni_len,
                                  const guint8 *nr, gsize nr_len, const CryptoEncrAlg *encr,
                                  guint encr_key_bits, const CryptoIntegAlg *integ,
                                  CryptoChildKeys *out, GError **error);
void crypto_child_keys_clear(CryptoChildKeys *keys);

/* §2.15 signed octets: RealMessage | Nonce | prf(SK_p, IDx').  @nonce is the
 * peer's nonce (NonceRData for the initiator's AUTH, NonceIData for the
 * responder's); @id_body is the ID payload without its 4-octet generic
 * header (ID Type, 3 reserved octets, data).  Owned; not secret. */
GBytes *crypto_auth_signed_octets(const CryptoPrfAlg *prf, const guint8 *real_message,
                                  gsize real_message_len, const guint8 *nonce, gsize nonce_len,
                                  const IkebusSecbuf *sk_p, const guint8 *id_body,
                                  gsize id_body_len, GError **error);
/* §2.15 AUTH data for shared-key authentication: prf->out_len octets. */
GBytes *crypto_auth_psk(const CryptoPrfAlg *prf, const IkebusSecbuf *psk,
                        const guint8 *signed_octets, gsize signed_octets_len, GError **error);
/* Recomputes the PSK AUTH and compares in constant time; CRYPTO_ERROR_AUTH on mismatch. */
gboolean crypto_auth_psk_verify(const CryptoPrfAlg *prf, const IkebusSecbuf *psk,
                                const guint8 *signed_octets, gsize signed_octets_len,
                                const guint8 *auth, gsize auth_len, GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CryptoIkeKeys, crypto_ike_keys_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CryptoChildKeys, crypto_child_keys_clear)

G_END_DECLS
