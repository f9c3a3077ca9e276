/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AES-GCM and ChaCha20-Poly1305 through NSS's message interface
 * (PK11_AEADOp, NSS 3.52+): one encrypt and one decrypt context per key,
 * made once, so a packet costs one C_EncryptMessage and no context or
 * session setup.  PK11_Encrypt/PK11_Decrypt (a context per call, about
 * twice the cost for a 1400-octet ESP packet) remain the fallback when
 * the token has no message interface.  PK11_AEADOp serialises on the
 * context's own lock, so sharing a CryptoAead between threads stays safe.
 *
 * NSS 3.87 parameter structures (checked against its pkcs11t.h/pkcs11n.h
 * and by the known-answer tests):
 *   CKM_AES_GCM            CK_GCM_PARAMS_V3 (PKCS #11 v3.0 layout with
 *                          ulIvBits; softoken also accepts CK_NSS_GCM_PARAMS)
 *   CKM_CHACHA20_POLY1305  CK_SALSA20_CHACHA20_POLY1305_PARAMS (tag fixed
 *                          at 16 octets, appended to the ciphertext)
 */
#include "aead.h"

#include <secerr.h>
#include <string.h>

#include "alg-nss.h"
#include "nss-auto.h"
#include "nss-init.h"
#include "secbuf.h"

#define AEAD_SALT_MAX 4
#define AEAD_NONCE_MAX 12

struct CryptoAead {
	const CryptoEncrAlg *alg;
	PK11SymKey *key;
	PK11Context *enc; /* CKA_NSS_MESSAGE contexts; NULL = per-call fallback */
	PK11Context *dec;
	guint8 salt[AEAD_SALT_MAX];
	guint64 iv_counter; /* atomic */
};

static PK11Context *
message_context(const CryptoAead *aead, CK_ATTRIBUTE_TYPE op)
{
	SECItem no_param = {siBuffer, NULL, 0};

	return PK11_CreateContextBySymKey(aead->alg->nss_mech, CKA_NSS_MESSAGE | op, aead->key,
	                                  &no_param);
}

CryptoAead *
crypto_aead_new_for(const CryptoEncrAlg *alg, const guint8 *keymat, gsize keymat_len,
                    CryptoUse use, GError **error)
{
	g_autoptr(CryptoAead) aead = NULL;
	gsize key_len;

	if (!crypto_encr_alg_is_aead(alg)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID, "%s is not an AEAD",
		            alg->name);
		return NULL;
	}
	if (keymat_len <= alg->salt_size ||
	    !crypto_encr_alg_key_bits_ok(alg, (guint) (keymat_len - alg->salt_size) * 8)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "%s: bad key length %zu (key and salt)", alg->name, keymat_len);
		return NULL;
	}
	g_assert(alg->salt_size <= AEAD_SALT_MAX &&
	         alg->salt_size + alg->iv_size <= AEAD_NONCE_MAX);
	key_len = keymat_len - alg->salt_size;
	aead = g_new0(CryptoAead, 1);
	aead->alg = alg;
	memcpy(aead->salt, keymat + key_len, alg->salt_size);
	aead->key = crypto_sym_key_import(alg->nss_mech, CKA_ENCRYPT, keymat, key_len, error);
	if (aead->key == NULL)
		return NULL;
	if (!crypto_random_fill((guint8 *) &aead->iv_counter, sizeof(aead->iv_counter), error))
		return NULL;
	switch (use) {
	case CRYPTO_USE_TRANSIENT:
		break;
	case CRYPTO_USE_ENCRYPT:
		aead->enc = message_context(aead, CKA_ENCRYPT);
		break;
	case CRYPTO_USE_DECRYPT:
		aead->dec = message_context(aead, CKA_DECRYPT);
		break;
	case CRYPTO_USE_BOTH:
		aead->enc = message_context(aead, CKA_ENCRYPT);
		aead->dec = aead->enc != NULL ? message_context(aead, CKA_DECRYPT) : NULL;
		if (aead->dec == NULL && aead->enc != NULL) {
			PK11_DestroyContext(aead->enc, PR_TRUE);
			aead->enc = NULL;
		}
		break;
	}
	return g_steal_pointer(&aead);
}

CryptoAead *
crypto_aead_new(const CryptoEncrAlg *alg, const guint8 *keymat, gsize keymat_len, GError **error)
{
	return crypto_aead_new_for(alg, keymat, keymat_len, CRYPTO_USE_BOTH, error);
}

void
crypto_aead_free(CryptoAead *aead)
{
	if (aead == NULL)
		return;
	if (aead->enc != NULL)
		PK11_DestroyContext(aead->enc, PR_TRUE);
	if (aead->dec != NULL)
		PK11_DestroyContext(aead->dec, PR_TRUE);
	if (aead->key != NULL)
		PK11_FreeSymKey(aead->key);
	ikebus_wipe(aead, sizeof(*aead));
	g_free(aead);
}

const CryptoEncrAlg *
crypto_aead_get_alg(const CryptoAead *aead)
{
	return aead->alg;
}

void
crypto_aead_next_iv(CryptoAead *aead, guint8 *iv)
{
	guint64 n = GUINT64_TO_BE(__atomic_fetch_add(&aead->iv_counter, 1, __ATOMIC_RELAXED));

	G_STATIC_ASSERT(sizeof(n) == 8);
	memcpy(iv, &n, MIN(aead->alg->iv_size, sizeof(n)));
}

/* The mechanism parameters for one operation; all pointers borrow from the
 * caller's stack frame. */
typedef struct {
	guint8 nonce[AEAD_NONCE_MAX];
	CK_GCM_PARAMS_V3 gcm;
	CK_SALSA20_CHACHA20_POLY1305_PARAMS chacha;
	SECItem item;
} AeadParams;

static void
params_init(AeadParams *p, const CryptoAead *aead, const guint8 *iv, const guint8 *aad,
            gsize aad_len)
{
	const CryptoEncrAlg *alg = aead->alg;
	gsize nonce_len = alg->salt_size + alg->iv_size;

	memcpy(p->nonce, aead->salt, alg->salt_size);
	memcpy(p->nonce + alg->salt_size, iv, alg->iv_size);
	switch (alg->mode) {
	case CRYPTO_ENCR_MODE_GCM:
		p->gcm = (CK_GCM_PARAMS_V3){
		        .pIv = p->nonce,
		        .ulIvLen = nonce_len,
		        .ulIvBits = nonce_len * 8,
		        .pAAD = (CK_BYTE_PTR) aad,
		        .ulAADLen = aad_len,
		        .ulTagBits = alg->icv_size * 8,
		};
		p->item = (SECItem){siBuffer, (unsigned char *) &p->gcm, sizeof(p->gcm)};
		break;
	case CRYPTO_ENCR_MODE_CHACHA:
		p->chacha = (CK_SALSA20_CHACHA20_POLY1305_PARAMS){
		        .pNonce = p->nonce,
		        .ulNonceLen = nonce_len,
		        .pAAD = (CK_BYTE_PTR) aad,
		        .ulAADLen = aad_len,
		};
		p->item = (SECItem){siBuffer, (unsigned char *) &p->chacha, sizeof(p->chacha)};
		break;
	case CRYPTO_ENCR_MODE_CBC:
		g_assert_not_reached();
	}
}

static gboolean
lengths_ok(gsize aad_len, gsize in_len, GError **error)
{
	/* PK11_Encrypt takes unsigned int lengths */
	if (aad_len > G_MAXUINT / 2 || in_len > G_MAXUINT / 2) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		                    "AEAD input too long");
		return FALSE;
	}
	return TRUE;
}

static gsize
nonce_init(const CryptoAead *aead, const guint8 *iv, guint8 *nonce)
{
	memcpy(nonce, aead->salt, aead->alg->salt_size);
	memcpy(nonce + aead->alg->salt_size, iv, aead->alg->iv_size);
	return aead->alg->salt_size + aead->alg->iv_size;
}

/* The tag goes right behind the ciphertext, as ESP and SK lay it out. */
static gboolean
message_encrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad, gsize aad_len,
                const guint8 *in, gsize in_len, guint8 *out, GError **error)
{
	guint8 nonce[AEAD_NONCE_MAX];
	gsize nonce_len = nonce_init(aead, iv, nonce);
	int got = 0;
	SECStatus rv;

	rv = PK11_AEADOp(aead->enc, CKG_NO_GENERATE, 0, nonce, (int) nonce_len, aad, (int) aad_len,
	                 out, &got, (int) in_len, out + in_len, (int) aead->alg->icv_size, in,
	                 (int) in_len);
	ikebus_wipe(nonce, sizeof(nonce));
	if (rv != SECSuccess)
		return crypto_set_nss_error(error, "AEAD encrypt");
	if (got != (int) in_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "AEAD encrypt gave %d octets, expected %zu", got, in_len);
		return FALSE;
	}
	return TRUE;
}

static gboolean
message_decrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad, gsize aad_len,
                const guint8 *in, unsigned int ct_len, guint8 *out, GError **error)
{
	guint8 nonce[AEAD_NONCE_MAX];
	guint8 tag[16];
	gsize nonce_len = nonce_init(aead, iv, nonce);
	int got = 0;
	SECStatus rv;

	/* The tag is an input here, but PK11_AEADOp takes it non-const. */
	G_STATIC_ASSERT(sizeof(tag) >= 16);
	g_assert(aead->alg->icv_size <= sizeof(tag));
	memcpy(tag, in + ct_len, aead->alg->icv_size);
	rv = PK11_AEADOp(aead->dec, CKG_NO_GENERATE, 0, nonce, (int) nonce_len, aad, (int) aad_len,
	                 out, &got, (int) ct_len, tag, (int) aead->alg->icv_size, in, (int) ct_len);
	ikebus_wipe(nonce, sizeof(nonce));
	if (rv != SECSuccess || got != (int) ct_len) {
		gboolean auth = rv != SECSuccess && PORT_GetError() == SEC_ERROR_BAD_DATA;

		ikebus_wipe(out, ct_len);
		if (auth) {
			g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
			                    "AEAD integrity check failed");
			return FALSE;
		}
		if (rv != SECSuccess)
			return crypto_set_nss_error(error, "AEAD decrypt");
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "AEAD decrypt gave %d octets, expected %u", got, ct_len);
		return FALSE;
	}
	return TRUE;
}

gboolean
crypto_aead_encrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad, gsize aad_len,
                    const guint8 *in, gsize in_len, guint8 *out, GError **error)
{
	AeadParams p;
	unsigned int out_len = 0;
	unsigned int want = (unsigned int) (in_len + aead->alg->icv_size);
	SECStatus rv;

	if (!lengths_ok(aad_len, in_len, error))
		return FALSE;
	if (aead->enc != NULL)
		return message_encrypt(aead, iv, aad, aad_len, in, in_len, out, error);
	params_init(&p, aead, iv, aad, aad_len);
	rv = PK11_Encrypt(aead->key, aead->alg->nss_mech, &p.item, out, &out_len, want, in,
	                  (unsigned int) in_len);
	ikebus_wipe(&p, sizeof(p));
	if (rv != SECSuccess)
		return crypto_set_nss_error(error, "AEAD encrypt");
	if (out_len != want) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "AEAD encrypt gave %u octets, expected %u", out_len, want);
		return FALSE;
	}
	return TRUE;
}

gboolean
crypto_aead_decrypt(const CryptoAead *aead, const guint8 *iv, const guint8 *aad, gsize aad_len,
                    const guint8 *in, gsize in_len, guint8 *out, GError **error)
{
	AeadParams p;
	unsigned int out_len = 0;
	unsigned int want;
	SECStatus rv;

	if (in_len < aead->alg->icv_size) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		                    "AEAD input shorter than its ICV");
		return FALSE;
	}
	if (!lengths_ok(aad_len, in_len, error))
		return FALSE;
	want = (unsigned int) (in_len - aead->alg->icv_size);
	if (aead->dec != NULL)
		return message_decrypt(aead, iv, aad, aad_len, in, want, out, error);
	params_init(&p, aead, iv, aad, aad_len);
	/* softoken checks the tag before it writes any plaintext */
	rv = PK11_Decrypt(aead->key, aead->alg->nss_mech, &p.item, out, &out_len, want, in,
	                  (unsigned int) in_len);
	ikebus_wipe(&p, sizeof(p));
	if (rv != SECSuccess) {
		ikebus_wipe(out, want);
		if (PORT_GetError() == SEC_ERROR_BAD_DATA) {
			g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
			                    "AEAD integrity check failed");
			return FALSE;
		}
		return crypto_set_nss_error(error, "AEAD decrypt");
	}
	if (out_len != want) {
		ikebus_wipe(out, want);
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		            "AEAD decrypt gave %u octets, expected %u", out_len, want);
		return FALSE;
	}
	return TRUE;
}
