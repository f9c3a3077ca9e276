/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 pseudo-random functions over NSS: keyed HMAC, prf and prf+
 * (RFC 7296 §2.13).  Only HMAC PRFs are supported (no AES-XCBC/CMAC), so a
 * key of any length is valid.
 *
 * A CryptoPrf holds the key imported into NSS once; computing with it from
 * several threads at the same time is safe (each call makes its own NSS
 * context).  Errors: CRYPTO_ERROR.
 */
#pragma once

#include <glib.h>

#include "alg.h"
#include "secbuf.h"

G_BEGIN_DECLS

/* A borrowed byte string: inputs are given as lists of these so that
 * concatenations such as Ni | Nr | SPIi | SPIr need no copy. */
typedef struct {
	const guint8 *data;
	gsize len;
} CryptoChunk;

#define CRYPTO_CHUNK(p, l) ((CryptoChunk){.data = (const guint8 *) (p), .len = (l)})

/* Largest HMAC output we handle (SHA-512). */
#define CRYPTO_PRF_MAX_OUT 64

typedef struct CryptoPrf CryptoPrf;

/* Owned keyed PRF for @alg with @key (copied into NSS). NULL on error. */
CryptoPrf *crypto_prf_new(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len,
                          GError **error);
/* Owned keyed HMAC for an integrity transform (full, untruncated output). */
CryptoPrf *crypto_prf_new_integ(const CryptoIntegAlg *alg, const guint8 *key, gsize key_len,
                                GError **error);
void crypto_prf_free(CryptoPrf *prf);
/* Output length in octets. */
gsize crypto_prf_get_out_len(const CryptoPrf *prf);
/* HMAC over the concatenation of @in[0..n_in); writes crypto_prf_get_out_len() octets. */
gboolean crypto_prf_compute(const CryptoPrf *prf, const CryptoChunk *in, gsize n_in, guint8 *out,
                            GError **error);

/* One-shot prf(key, in...) into an owned secure buffer of alg->out_len octets. */
IkebusSecbuf *crypto_prf(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len,
                         const CryptoChunk *in, gsize n_in, GError **error);
/* prf+(key, seed...) (RFC 7296 §2.13): the first @out_len octets of
 * T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n).  At most 255 * alg->out_len
 * octets (CRYPTO_ERROR_INVALID beyond). */
IkebusSecbuf *crypto_prf_plus(const CryptoPrfAlg *alg, const guint8 *key, gsize key_len,
                              const CryptoChunk *seed, gsize n_seed, gsize out_len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoPrf, crypto_prf_free)

G_END_DECLS
