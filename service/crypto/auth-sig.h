/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 7427 "Digital Signature" authentication data (auth method 14):
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | ASN.1 Length  | AlgorithmIdentifier ASN.1 object              |
 * +-+-+-+-+-+-+-+-+                                               +
 * ~        AlgorithmIdentifier ASN.1 object continuing            ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                     Signature Value                           ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                     (RFC 7427 §3, Figure 1)
 *
 * AlgorithmIdentifiers we build and accept (DER as in RFC 7427 Appendix A):
 *   sha1/256/384/512WithRSAEncryption  (RFC 8017 App. C; parameters NULL)
 *   id-RSASSA-PSS with RSASSA-PSS-params for SHA2-256/384/512, MGF1 with the
 *     same hash, salt = hash length (RFC 4055 §3.1)
 *   ecdsa-with-SHA256/384/512           (RFC 5758 §3.2; parameters absent)
 * id-Ed25519 (RFC 8410) is recognised and refused as UNSUPPORTED, since
 * NSS 3.87 has no EdDSA.
 *
 * Pure byte handling plus NSS's DER decoder; no key material.  Thread: any.
 * Errors: CRYPTO_ERROR — INVALID for malformed data, UNSUPPORTED for an
 * AlgorithmIdentifier that is well-formed but not one we do.
 */
#pragma once

#include <glib.h>

#include "sign.h"

G_BEGIN_DECLS

/*
 * Borrowed static DER AlgorithmIdentifier for @scheme, or NULL with an error
 * if RFC 7427 has none we support (e.g. ECDSA_RAW: RFC 7427 carries DER).
 */
const guint8 *crypto_auth_sig_algid(CryptoSigScheme scheme, gsize *len, GError **error);

/* Owned AUTH data: length octet, AlgorithmIdentifier for @scheme, then @sig. */
GBytes *crypto_auth_sig_build(CryptoSigScheme scheme, const guint8 *sig, gsize sig_len,
			      GError **error);

/*
 * Parses AUTH data.  On success *@scheme is set (ECDSA as ECDSA_DER) and
 * *@sig / *@sig_len point into @data (borrowed).
 */
gboolean crypto_auth_sig_parse(const guint8 *data, gsize len, CryptoSigScheme *scheme,
			       const guint8 **sig, gsize *sig_len, GError **error);

/*
 * The hashes to announce in SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4), in
 * preference order: SHA2-256, SHA2-384, SHA2-512.  Borrowed.
 */
const CryptoSigHash *crypto_auth_sig_hashes(gsize *n_hashes);

/*
 * The fixed schemes of the older auth methods (RFC 7296 §3.8): 1 = RSA
 * Digital Signature (PKCS#1 v1.5 over SHA-1), 9/10/11 = ECDSA with
 * SHA2-256/384/512 on P-256/384/521, raw r || s (RFC 4754 §7).  *@ec_bits
 * is the curve the key must be on (0 for RSA).  UNSUPPORTED for others.
 */
gboolean crypto_auth_method_scheme(guint method, CryptoSigScheme *scheme, guint *ec_bits,
				   GError **error);

G_END_DECLS
