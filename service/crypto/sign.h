/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signatures for IKEv2 AUTH payloads (RFC 7296 §2.15, §3.8) over NSS.
 *
 *   RSA PKCS#1 v1.5   SHA-1, SHA2-256/384/512 (auth method 1 is SHA-1,
 *                     RFC 7296 §3.8; RFC 7427 uses the SHA-2 ones)
 *   RSA-PSS           SHA2-256/384/512, MGF1 with the same hash, salt length
 *                     = hash length (RFC 7427 §3.x, RFC 8247 §3.2)
 *   ECDSA             P-256/384/521 with SHA2-256/384/512, as raw r || s
 *                     (auth methods 9, 10, 11: RFC 4754 §7) or as the DER
 *                     Ecdsa-Sig-Value (RFC 7427, RFC 3279 §2.2.3)
 *   Ed25519           not available: NSS 3.87 has no EdDSA (no edKey type, no
 *                     SEC_OID_ED25519_PUBLIC_KEY, softoken lacks CKM_EDDSA)
 *
 * Keys come from DER (PKCS#8 PrivateKeyInfo, SubjectPublicKeyInfo), from a
 * certificate, or from an NSS handle the certificate database found.  The
 * private value stays inside NSS.
 *
 * Thread: signing (RSA especially) is CPU-heavy; the engine runs
 * crypto_sign() and crypto_verify() on the crypto worker pool.  Keys are
 * reference-counted atomically and may be used from several threads at once.
 * NSS must be initialised first.
 *
 * Errors: CRYPTO_ERROR — AUTH when a signature does not verify (including a
 * signature of the wrong length or malformed DER), INVALID for bad key DER or
 * a key that does not fit the scheme, UNSUPPORTED for schemes we do not do.
 */
#pragma once

#include <glib.h>
#include <cert.h>
#include <keyhi.h>

G_BEGIN_DECLS

/* The RFC 7427 §7 "Hash Algorithm" values (IANA IKEv2 registry). */
typedef enum {
	CRYPTO_SIG_HASH_SHA1 = 1,
	CRYPTO_SIG_HASH_SHA2_256 = 2,
	CRYPTO_SIG_HASH_SHA2_384 = 3,
	CRYPTO_SIG_HASH_SHA2_512 = 4,
	CRYPTO_SIG_HASH_IDENTITY = 5, /* for EdDSA; not supported by this NSS */
} CryptoSigHash;

typedef enum {
	CRYPTO_SIG_RSA_PKCS1, /* RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) */
	CRYPTO_SIG_RSA_PSS,   /* RSASSA-PSS (RFC 8017 §8.1), MGF1(hash), salt = hash length */
	CRYPTO_SIG_ECDSA_RAW, /* ECDSA, r || s each padded to the group order's length */
	CRYPTO_SIG_ECDSA_DER, /* ECDSA, SEQUENCE { r INTEGER, s INTEGER } */
} CryptoSigKind;

typedef struct {
	CryptoSigKind kind;
	CryptoSigHash hash;
} CryptoSigScheme;

typedef enum {
	CRYPTO_KEY_RSA,
	CRYPTO_KEY_EC, /* P-256, P-384, P-521 */
} CryptoKeyType;

typedef struct _CryptoPrivKey CryptoPrivKey;
typedef struct _CryptoPubKey CryptoPubKey;

/* Static name such as "rsa-pkcs1-sha256", "rsa-pss-sha384", "ecdsa-sha256-raw". */
const char *crypto_sig_scheme_name(CryptoSigScheme scheme);
/* Length in bytes of @hash's output (0 for IDENTITY or unknown values). */
gsize crypto_sig_hash_len(CryptoSigHash hash);

/* Owned private key from DER PKCS#8 PrivateKeyInfo (unencrypted), RSA or EC. */
CryptoPrivKey *crypto_privkey_new_from_pkcs8(const guint8 *der, gsize len, GError **error);
/* Owned wrapper around a copy of @key (e.g. one found in the NSS database). */
CryptoPrivKey *crypto_privkey_new_from_nss(SECKEYPrivateKey *key, GError **error);
/* Owned fresh key pair (RSA: @bits is the modulus size; EC: 256, 384 or 521),
 * for tests, benchmarks and tools.  CPU-heavy. */
CryptoPrivKey *crypto_privkey_generate(CryptoKeyType type, guint bits, GError **error);
CryptoPrivKey *crypto_privkey_ref(CryptoPrivKey *key);
void crypto_privkey_unref(CryptoPrivKey *key);
CryptoKeyType crypto_privkey_get_key_type(CryptoPrivKey *key);
/* RSA modulus bits, or the EC field size (256, 384, 521). */
guint crypto_privkey_get_bits(CryptoPrivKey *key);
/* Owned: the matching public key. */
CryptoPubKey *crypto_privkey_dup_public(CryptoPrivKey *key);
/* Borrowed NSS handle, valid as long as @key. */
SECKEYPrivateKey *crypto_privkey_get_nss(CryptoPrivKey *key);

/* Owned public key from DER SubjectPublicKeyInfo (rsaEncryption or id-ecPublicKey). */
CryptoPubKey *crypto_pubkey_new_from_spki(const guint8 *der, gsize len, GError **error);
/* Owned public key of @cert (the caller keeps @cert). */
CryptoPubKey *crypto_pubkey_new_from_cert(CERTCertificate *cert, GError **error);
/* Owned wrapper around a copy of @key. */
CryptoPubKey *crypto_pubkey_new_from_nss(const SECKEYPublicKey *key, GError **error);
CryptoPubKey *crypto_pubkey_ref(CryptoPubKey *key);
void crypto_pubkey_unref(CryptoPubKey *key);
CryptoKeyType crypto_pubkey_get_key_type(CryptoPubKey *key);
guint crypto_pubkey_get_bits(CryptoPubKey *key);
/*
 * Imports @key into NSS's internal slot now.  crypto_verify() imports a key
 * that is not (for EC with a check of the point, as costly as a scalar
 * multiplication) and keeps the handle in the key, which is a write: after
 * this call it only reads, so threads may share @key.  Thread: the one
 * that owns @key.  FALSE if NSS refused (crypto_verify() then imports).
 */
gboolean crypto_pubkey_prepare(CryptoPubKey *key);

/*
 * Owned signature over @data (hashed here with @scheme's hash).  INVALID if
 * the key does not fit the scheme.  CPU-heavy; call on a worker thread.
 */
GBytes *crypto_sign(CryptoPrivKey *key, CryptoSigScheme scheme, const guint8 *data, gsize len,
		    GError **error);
/*
 * TRUE if @sig is @scheme's signature of @data under @key; otherwise FALSE
 * with CRYPTO_ERROR_AUTH (or INVALID/UNSUPPORTED for a key or scheme problem).
 */
gboolean crypto_verify(CryptoPubKey *key, CryptoSigScheme scheme, const guint8 *data, gsize len,
		       const guint8 *sig, gsize sig_len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoPrivKey, crypto_privkey_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoPubKey, crypto_pubkey_unref)

G_END_DECLS
