/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symmetric algorithm descriptors: one table entry per IKEv2 transform
 * (RFC 7296 §3.3.2, IANA "IKEv2 Transform Type 1/2/3 Transform IDs").
 *
 * Each entry carries the IANA id and name, the key sizes, the wire layout
 * (IV, salt, ICV), the NSS mechanism and the Linux xfrm algorithm name, so
 * that kernel/, the proposal code and logging never keep their own mappings
 * (STYLE.md habit 6).
 *
 * The tables are static and immutable: every function here is thread-safe
 * and returns borrowed pointers valid for the life of the process.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Transform Type 1 (ENCR) ids used here */
enum {
	CRYPTO_ENCR_AES_CBC = 12,
	CRYPTO_ENCR_AES_GCM_8 = 18,
	CRYPTO_ENCR_AES_GCM_12 = 19,
	CRYPTO_ENCR_AES_GCM_16 = 20,
	CRYPTO_ENCR_CHACHA20_POLY1305 = 28,
};

/* Transform Type 2 (PRF) ids */
enum {
	CRYPTO_PRF_HMAC_SHA1 = 2,
	CRYPTO_PRF_HMAC_SHA2_256 = 5,
	CRYPTO_PRF_HMAC_SHA2_384 = 6,
	CRYPTO_PRF_HMAC_SHA2_512 = 7,
};

/* Transform Type 3 (INTEG) ids */
enum {
	CRYPTO_AUTH_NONE = 0,
	CRYPTO_AUTH_HMAC_SHA1_96 = 2,
	CRYPTO_AUTH_HMAC_SHA2_256_128 = 12,
	CRYPTO_AUTH_HMAC_SHA2_384_192 = 13,
	CRYPTO_AUTH_HMAC_SHA2_512_256 = 14,
};

typedef enum {
	CRYPTO_ENCR_MODE_CBC,    /* block cipher in CBC mode + separate integrity */
	CRYPTO_ENCR_MODE_GCM,    /* AES-GCM AEAD (RFC 5282 for IKE, RFC 4106 for ESP) */
	CRYPTO_ENCR_MODE_CHACHA, /* ChaCha20-Poly1305 AEAD (RFC 7634) */
} CryptoEncrMode;

/* Which per-key NSS contexts a cipher object keeps (each is a softoken
 * session with its cipher state, a few hundred octets to kilobytes): a
 * direction of ESP needs one, a key used for one message none (every call
 * then makes its own). */
typedef enum {
	CRYPTO_USE_TRANSIENT,
	CRYPTO_USE_ENCRYPT,
	CRYPTO_USE_DECRYPT,
	CRYPTO_USE_BOTH,
} CryptoUse;

#define CRYPTO_ALG_MAX_KEY_SIZES 3

typedef struct {
	guint16 id;       /* IANA Transform Type 1 id */
	const char *name; /* IANA name, e.g. "ENCR_AES_GCM_16" */
	CryptoEncrMode mode;
	guint key_bits[CRYPTO_ALG_MAX_KEY_SIZES]; /* allowed sizes, 0-terminated */
	guint default_key_bits;
	gboolean key_length_attr; /* proposal MUST carry the Key Length attribute */
	guint pad_block;          /* SK/ESP padding granularity in octets (1 = stream) */
	guint iv_size;            /* IV on the wire, octets */
	guint salt_size;          /* implicit nonce part taken from keying material */
	guint icv_size;           /* ICV/tag octets (0 for CBC: integrity is separate) */
	gulong nss_mech;          /* CK_MECHANISM_TYPE for encryption */
	const char *xfrm_name;    /* Linux crypto API name for XFRMA_ALG_{CRYPT,AEAD} */
} CryptoEncrAlg;

typedef struct {
	guint16 id;            /* IANA Transform Type 3 id */
	const char *name;      /* e.g. "AUTH_HMAC_SHA2_256_128" */
	guint key_size;        /* octets (RFC 4868 §2.1.1: = hash output) */
	guint icv_size;        /* truncated output, octets */
	guint hash_len;        /* full HMAC output, octets */
	gulong nss_mech;       /* CK_MECHANISM_TYPE of the HMAC (CKM_SHA256_HMAC ...) */
	const char *xfrm_name; /* "hmac(sha256)" */
	guint xfrm_trunc_bits; /* for XFRMA_ALG_AUTH_TRUNC */
} CryptoIntegAlg;

typedef struct {
	guint16 id;       /* IANA Transform Type 2 id */
	const char *name; /* e.g. "PRF_HMAC_SHA2_256" */
	guint out_len;    /* octets of prf output; also the preferred key size */
	gulong nss_mech;  /* CK_MECHANISM_TYPE of the HMAC */
} CryptoPrfAlg;

/* Lookups; NULL when the id or name is unknown.  Names compare case-insensitively. */
const CryptoEncrAlg *crypto_encr_alg_by_id(guint16 id);
const CryptoEncrAlg *crypto_encr_alg_by_name(const char *name);
const CryptoIntegAlg *crypto_integ_alg_by_id(guint16 id);
const CryptoIntegAlg *crypto_integ_alg_by_name(const char *name);
const CryptoPrfAlg *crypto_prf_alg_by_id(guint16 id);
const CryptoPrfAlg *crypto_prf_alg_by_name(const char *name);

/* The whole tables, for iteration (proposal defaults, --list, tests). */
const CryptoEncrAlg *crypto_encr_algs(gsize *n_out);
const CryptoIntegAlg *crypto_integ_algs(gsize *n_out);
const CryptoPrfAlg *crypto_prf_algs(gsize *n_out);

/* TRUE for the AEAD modes (no separate integrity transform). */
gboolean crypto_encr_alg_is_aead(const CryptoEncrAlg *alg);
/* TRUE if @key_bits is one of @alg's allowed sizes. */
gboolean crypto_encr_alg_key_bits_ok(const CryptoEncrAlg *alg, guint key_bits);
/* Keying material this transform takes from prf+: key plus salt, in octets
 * (RFC 5282 §7.1, RFC 7634 §2: AEAD keys carry a 4-octet salt). */
gsize crypto_encr_alg_keymat_len(const CryptoEncrAlg *alg, guint key_bits);
/* ICV bits to give xfrm for the AEAD (XFRMA_ALG_AEAD alg_icv_len); 0 for CBC. */
guint crypto_encr_alg_xfrm_icv_bits(const CryptoEncrAlg *alg);

G_END_DECLS
