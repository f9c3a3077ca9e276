/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The symmetric transform tables.  Sources: RFC 7296 §3.3.2 and the IANA
 * "Internet Key Exchange Version 2 (IKEv2) Parameters" registry for ids and
 * names; RFC 3602 (AES-CBC), RFC 5282 + RFC 4106 (AES-GCM), RFC 7634 + RFC
 * 7539 (ChaCha20-Poly1305), RFC 2404 + RFC 4868 (HMAC integrity and PRF).
 * xfrm names are the Linux crypto API template names the kernel expects.
 */
#include "alg.h"

#include <pkcs11t.h>
#include <pkcs11n.h>

static const CryptoEncrAlg encr_algs[] = {
        {
                .id = CRYPTO_ENCR_AES_CBC,
                .name = "ENCR_AES_CBC",
                .mode = CRYPTO_ENCR_MODE_CBC,
                .key_bits = {128, 192, 256},
                .default_key_bits = 128,
                .key_length_attr = TRUE,
                .pad_block = 16, /* RFC 3602 §2.4 */
                .iv_size = 16,
                .salt_size = 0,
                .icv_size = 0,
                .nss_mech = CKM_AES_CBC,
                .xfrm_name = "cbc(aes)",
        },
        /* RFC 5282 §3 / RFC 4106 §3: 8-octet explicit IV, 4-octet salt;
         * counter mode, so no padding is needed beyond the Pad Length octet. */
        {
                .id = CRYPTO_ENCR_AES_GCM_8,
                .name = "ENCR_AES_GCM_8",
                .mode = CRYPTO_ENCR_MODE_GCM,
                .key_bits = {128, 192, 256},
                .default_key_bits = 128,
                .key_length_attr = TRUE,
                .pad_block = 1,
                .iv_size = 8,
                .salt_size = 4,
                .icv_size = 8,
                .nss_mech = CKM_AES_GCM,
                .xfrm_name = "rfc4106(gcm(aes))",
        },
        {
                .id = CRYPTO_ENCR_AES_GCM_12,
                .name = "ENCR_AES_GCM_12",
                .mode = CRYPTO_ENCR_MODE_GCM,
                .key_bits = {128, 192, 256},
                .default_key_bits = 128,
                .key_length_attr = TRUE,
                .pad_block = 1,
                .iv_size = 8,
                .salt_size = 4,
                .icv_size = 12,
                .nss_mech = CKM_AES_GCM,
                .xfrm_name = "rfc4106(gcm(aes))",
        },
        {
                .id = CRYPTO_ENCR_AES_GCM_16,
                .name = "ENCR_AES_GCM_16",
                .mode = CRYPTO_ENCR_MODE_GCM,
                .key_bits = {128, 192, 256},
                .default_key_bits = 128,
                .key_length_attr = TRUE,
                .pad_block = 1,
                .iv_size = 8,
                .salt_size = 4,
                .icv_size = 16,
                .nss_mech = CKM_AES_GCM,
                .xfrm_name = "rfc4106(gcm(aes))",
        },
        /* RFC 7634 §2-4: 256-bit key only, no Key Length attribute, 4-octet salt,
         * 8-octet IV, 16-octet tag. */
        {
                .id = CRYPTO_ENCR_CHACHA20_POLY1305,
                .name = "ENCR_CHACHA20_POLY1305",
                .mode = CRYPTO_ENCR_MODE_CHACHA,
                .key_bits = {256},
                .default_key_bits = 256,
                .key_length_attr = FALSE,
                .pad_block = 1,
                .iv_size = 8,
                .salt_size = 4,
                .icv_size = 16,
                .nss_mech = CKM_CHACHA20_POLY1305,
                .xfrm_name = "rfc7539esp(chacha20,poly1305)",
        },
};

/* RFC 2404, RFC 4868 §2.1: key = hash length, ICV = half of it (SHA1: 96 bits) */
static const CryptoIntegAlg integ_algs[] = {
        {
                .id = CRYPTO_AUTH_HMAC_SHA1_96,
                .name = "AUTH_HMAC_SHA1_96",
                .key_size = 20,
                .icv_size = 12,
                .hash_len = 20,
                .nss_mech = CKM_SHA_1_HMAC,
                .xfrm_name = "hmac(sha1)",
                .xfrm_trunc_bits = 96,
        },
        {
                .id = CRYPTO_AUTH_HMAC_SHA2_256_128,
                .name = "AUTH_HMAC_SHA2_256_128",
                .key_size = 32,
                .icv_size = 16,
                .hash_len = 32,
                .nss_mech = CKM_SHA256_HMAC,
                .xfrm_name = "hmac(sha256)",
                .xfrm_trunc_bits = 128,
        },
        {
                .id = CRYPTO_AUTH_HMAC_SHA2_384_192,
                .name = "AUTH_HMAC_SHA2_384_192",
                .key_size = 48,
                .icv_size = 24,
                .hash_len = 48,
                .nss_mech = CKM_SHA384_HMAC,
                .xfrm_name = "hmac(sha384)",
                .xfrm_trunc_bits = 192,
        },
        {
                .id = CRYPTO_AUTH_HMAC_SHA2_512_256,
                .name = "AUTH_HMAC_SHA2_512_256",
                .key_size = 64,
                .icv_size = 32,
                .hash_len = 64,
                .nss_mech = CKM_SHA512_HMAC,
                .xfrm_name = "hmac(sha512)",
                .xfrm_trunc_bits = 256,
        },
};

/* RFC 7296 §2.14: the PRF's preferred key length is its output length */
static const CryptoPrfAlg prf_algs[] = {
        {.id = CRYPTO_PRF_HMAC_SHA1,
         .name = "PRF_HMAC_SHA1",
         .out_len = 20,
         .nss_mech = CKM_SHA_1_HMAC},
        {.id = CRYPTO_PRF_HMAC_SHA2_256,
         .name = "PRF_HMAC_SHA2_256",
         .out_len = 32,
         .nss_mech = CKM_SHA256_HMAC},
        {.id = CRYPTO_PRF_HMAC_SHA2_384,
         .name = "PRF_HMAC_SHA2_384",
         .out_len = 48,
         .nss_mech = CKM_SHA384_HMAC},
        {.id = CRYPTO_PRF_HMAC_SHA2_512,
         .name = "PRF_HMAC_SHA2_512",
         .out_len = 64,
         .nss_mech = CKM_SHA512_HMAC},
};

#define FIND_BY(table, field, match)                                                               \
	do {                                                                                       \
		for (gsize i_ = 0; i_ < G_N_ELEMENTS(table); i_++) {                               \
			if (match(table[i_].field))                                                \
				return &table[i_];                                                 \
		}                                                                                  \
		return NULL;                                                                       \
	} while (0)

#define ID_EQ(v) ((v) == id)
#define NAME_EQ(v) (name != NULL && g_ascii_strcasecmp((v), name) == 0)

const CryptoEncrAlg *
crypto_encr_alg_by_id(guint16 id)
{
	FIND_BY(encr_algs, id, ID_EQ);
}

const CryptoEncrAlg *
crypto_encr_alg_by_name(const char *name)
{
	FIND_BY(encr_algs, name, NAME_EQ);
}

const CryptoIntegAlg *
crypto_integ_alg_by_id(guint16 id)
{
	FIND_BY(integ_algs, id, ID_EQ);
}

const CryptoIntegAlg *
crypto_integ_alg_by_name(const char *name)
{
	FIND_BY(integ_algs, name, NAME_EQ);
}

const CryptoPrfAlg *
crypto_prf_alg_by_id(guint16 id)
{
	FIND_BY(prf_algs, id, ID_EQ);
}

const CryptoPrfAlg *
crypto_prf_alg_by_name(const char *name)
{
	FIND_BY(prf_algs, name, NAME_EQ);
}

const CryptoEncrAlg *
crypto_encr_algs(gsize *n_out)
{
	*n_out = G_N_ELEMENTS(encr_algs);
	return encr_algs;
}

const CryptoIntegAlg *
crypto_integ_algs(gsize *n_out)
{
	*n_out = G_N_ELEMENTS(integ_algs);
	return integ_algs;
}

const CryptoPrfAlg *
crypto_prf_algs(gsize *n_out)
{
	*n_out = G_N_ELEMENTS(prf_algs);
	return prf_algs;
}

gboolean
crypto_encr_alg_is_aead(const CryptoEncrAlg *alg)
{
	switch (alg->mode) {
	case CRYPTO_ENCR_MODE_CBC:
		return FALSE;
	case CRYPTO_ENCR_MODE_GCM:
	case CRYPTO_ENCR_MODE_CHACHA:
		return TRUE;
	}
	return FALSE;
}

gboolean
crypto_encr_alg_key_bits_ok(const CryptoEncrAlg *alg, guint key_bits)
{
	for (gsize i = 0; i < CRYPTO_ALG_MAX_KEY_SIZES && alg->key_bits[i] != 0; i++) {
		if (alg->key_bits[i] == key_bits)
			return TRUE;
	}
	return FALSE;
}

gsize
crypto_encr_alg_keymat_len(const CryptoEncrAlg *alg, guint key_bits)
{
	return key_bits / 8 + alg->salt_size;
}

guint
crypto_encr_alg_xfrm_icv_bits(const CryptoEncrAlg *alg)
{
	return crypto_encr_alg_is_aead(alg) ? alg->icv_size * 8 : 0;
}
