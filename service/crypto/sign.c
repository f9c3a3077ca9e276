/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RSA PKCS#1 v1.5, RSA-PSS and ECDSA signatures over NSS.  We hash with
 * PK11_HashBuf() and hand the digest (PKCS#1 v1.5: the DER DigestInfo) to the
 * raw mechanism (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_ECDSA); softoken then
 * pads, and on verification re-encodes and compares, so no padding check is
 * ours.
 */
#include "sign.h"

#include <cryptohi.h>
#include <nss.h>
#include <prerror.h>
#include <secdig.h>
#include <secasn1.h>
#include <secerr.h>
#include <sechash.h>
#include <secoid.h>

#include "nss-auto.h"
#include "nss-init.h"

struct _CryptoPrivKey {
	SECKEYPrivateKey *priv;
	SECKEYPublicKey *pub;
	CryptoKeyType type;
	guint bits;
};

struct _CryptoPubKey {
	SECKEYPublicKey *pub;
	CryptoKeyType type;
	guint bits;
};

typedef struct {
	SECOidTag oid;
	CK_MECHANISM_TYPE mech;
	CK_RSA_PKCS_MGF_TYPE mgf;
	gsize len;
	const char *name;
} HashInfo;

static const HashInfo *
hash_info(CryptoSigHash hash)
{
	static const HashInfo sha1 = { SEC_OID_SHA1, CKM_SHA_1, CKG_MGF1_SHA1, 20, "sha1" };
	static const HashInfo sha256 = { SEC_OID_SHA256, CKM_SHA256, CKG_MGF1_SHA256, 32,
					 "sha256" };
	static const HashInfo sha384 = { SEC_OID_SHA384, CKM_SHA384, CKG_MGF1_SHA384, 48,
					 "sha384" };
	static const HashInfo sha512 = { SEC_OID_SHA512, CKM_SHA512, CKG_MGF1_SHA512, 64,
					 "sha512" };

	switch (hash) {
	case CRYPTO_SIG_HASH_SHA1:
		return &sha1;
	case CRYPTO_SIG_HASH_SHA2_256:
		return &sha256;
	case CRYPTO_SIG_HASH_SHA2_384:
		return &sha384;
	case CRYPTO_SIG_HASH_SHA2_512:
		return &sha512;
	case CRYPTO_SIG_HASH_IDENTITY:
		return NULL;
	}
	return NULL; /* a value outside the enum, e.g. from the wire */
}

gsize
crypto_sig_hash_len(CryptoSigHash hash)
{
	const HashInfo *h = hash_info(hash);

	return h != NULL ? h->len : 0;
}

const char *
crypto_sig_scheme_name(CryptoSigScheme scheme)
{
	static const char *const names[4][5] = {
		[CRYPTO_SIG_RSA_PKCS1] = { "rsa-pkcs1-sha1", "rsa-pkcs1-sha256", "rsa-pkcs1-sha384",
					   "rsa-pkcs1-sha512", "rsa-pkcs1-identity" },
		[CRYPTO_SIG_RSA_PSS] = { "rsa-pss-sha1", "rsa-pss-sha256", "rsa-pss-sha384",
					 "rsa-pss-sha512", "rsa-pss-identity" },
		[CRYPTO_SIG_ECDSA_RAW] = { "ecdsa-sha1-raw", "ecdsa-sha256-raw", "ecdsa-sha384-raw",
					   "ecdsa-sha512-raw", "ecdsa-identity-raw" },
		[CRYPTO_SIG_ECDSA_DER] = { "ecdsa-sha1-der", "ecdsa-sha256-der", "ecdsa-sha384-der",
					   "ecdsa-sha512-der", "ecdsa-identity-der" },
	};

	if ((guint) scheme.kind >= G_N_ELEMENTS(names) || scheme.hash < CRYPTO_SIG_HASH_SHA1 ||
	    scheme.hash > CRYPTO_SIG_HASH_IDENTITY)
		return "unknown";
	return names[scheme.kind][scheme.hash - 1];
}

/* ---- keys ------------------------------------------------------------- */

/* The named curve in DER ECParameters (SECKEY_GetECCOid() is not exported). */
static SECOidTag
ec_curve(const SECItem *params)
{
	SECItem oid;

	if (params->len < 2 || params->data[0] != SEC_ASN1_OBJECT_ID ||
	    params->data[1] != params->len - 2)
		return SEC_OID_UNKNOWN;
	oid = (SECItem){ siDEROID, params->data + 2, params->len - 2 };
	return SECOID_FindOIDTag(&oid);
}

/* What kind of key @pub is, and whether we can use it at all. */
static gboolean
classify(const SECKEYPublicKey *pub, CryptoKeyType *type, guint *bits, GError **error)
{
	switch (SECKEY_GetPublicKeyType(pub)) {
	case rsaKey:
		*type = CRYPTO_KEY_RSA;
		*bits = SECKEY_PublicKeyStrengthInBits(pub);
		return TRUE;
	case ecKey: {
		SECOidTag curve = ec_curve(&pub->u.ec.DEREncodedParams);

		*type = CRYPTO_KEY_EC;
		*bits = curve == SEC_OID_ANSIX962_EC_PRIME256V1 ? 256
			: curve == SEC_OID_SECG_EC_SECP384R1	? 384
			: curve == SEC_OID_SECG_EC_SECP521R1	? 521
								: 0;
		if (*bits != 0)
			return TRUE;
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "EC key on a curve other than P-256, P-384 or P-521");
		return FALSE;
	}
	case rsaPssKey:
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "RSA keys restricted to PSS (id-RSASSA-PSS) are not supported; "
				    "use an rsaEncryption key");
		return FALSE;
	case nullKey:
	case dsaKey:
	case fortezzaKey:
	case dhKey:
	case keaKey:
	case rsaOaepKey:
		break;
	}
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
		    "key type %d cannot sign IKEv2 AUTH payloads", (int) SECKEY_GetPublicKeyType(pub));
	return FALSE;
}

static void
privkey_clear(gpointer data)
{
	CryptoPrivKey *key = data;

	if (key->priv != NULL)
		SECKEY_DestroyPrivateKey(key->priv);
	if (key->pub != NULL)
		SECKEY_DestroyPublicKey(key->pub);
}

static void
pubkey_clear(gpointer data)
{
	CryptoPubKey *key = data;

	if (key->pub != NULL)
		SECKEY_DestroyPublicKey(key->pub);
}

/* Takes @priv. */
static CryptoPrivKey *
privkey_wrap(SECKEYPrivateKey *priv, GError **error)
{
	g_autoptr(SECKEYPrivateKey) owned = priv;
	g_autoptr(SECKEYPublicKey) pub = SECKEY_ConvertToPublicKey(priv);
	CryptoPrivKey *key;
	CryptoKeyType type;
	guint bits;

	if (pub == NULL)
		return crypto_set_nss_error(error, "deriving the public key"), NULL;
	if (!classify(pub, &type, &bits, error))
		return NULL;
	key = g_atomic_rc_box_new0(CryptoPrivKey);
	key->priv = g_steal_pointer(&owned);
	key->pub = g_steal_pointer(&pub);
	key->type = type;
	key->bits = bits;
	return key;
}

/* Takes @pub. */
static CryptoPubKey *
pubkey_wrap(SECKEYPublicKey *pub, GError **error)
{
	g_autoptr(SECKEYPublicKey) owned = pub;
	CryptoPubKey *key;
	CryptoKeyType type;
	guint bits;

	if (!classify(pub, &type, &bits, error))
		return NULL;
	key = g_atomic_rc_box_new0(CryptoPubKey);
	key->pub = g_steal_pointer(&owned);
	key->type = type;
	key->bits = bits;
	return key;
}

CryptoPrivKey *
crypto_privkey_new_from_pkcs8(const guint8 *der, gsize len, GError **error)
{
	g_autoptr(PK11SlotInfo) slot = NULL;
	SECKEYPrivateKey *priv = NULL;
	SECItem item = { siBuffer, (guint8 *) der, (unsigned) len };

	if (!crypto_nss_require(error))
		return NULL;
	if (der == NULL || len == 0 || len > G_MAXINT32) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "empty or oversized PKCS#8 private key");
		return NULL;
	}
	slot = PK11_GetInternalKeySlot();
	/* a session object (not permanent), private, usable for signing only */
	if (PK11_ImportDERPrivateKeyInfoAndReturnKey(slot, &item, NULL, NULL, PR_FALSE, PR_TRUE,
						     KU_DIGITAL_SIGNATURE, &priv,
						     NULL) != SECSuccess ||
	    priv == NULL) {
		PRErrorCode code = PORT_GetError();

		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "PKCS#8 private key not accepted: %s",
			    PR_ErrorToName(code) != NULL ? PR_ErrorToName(code) : "unknown");
		return NULL;
	}
	return privkey_wrap(priv, error);
}

CryptoPrivKey *
crypto_privkey_new_from_nss(SECKEYPrivateKey *key, GError **error)
{
	SECKEYPrivateKey *copy;

	g_return_val_if_fail(key != NULL, NULL);
	copy = SECKEY_CopyPrivateKey(key);
	if (copy == NULL)
		return crypto_set_nss_error(error, "copying private key"), NULL;
	return privkey_wrap(copy, error);
}

CryptoPrivKey *
crypto_privkey_generate(CryptoKeyType type, guint bits, GError **error)
{
	g_autoptr(PK11SlotInfo) slot = NULL;
	SECKEYPublicKey *pub = NULL;
	SECKEYPrivateKey *priv;
	PK11RSAGenParams rsa = { .keySizeInBits = (int) bits, .pe = 65537 };
	guint8 ecbuf[16];
	SECItem ec = { siBuffer, ecbuf, 0 };
	CK_MECHANISM_TYPE mech = CKM_INVALID_MECHANISM;
	void *params = NULL;

	if (!crypto_nss_require(error))
		return NULL;
	switch (type) {
	case CRYPTO_KEY_RSA:
		if (bits < 1024 || bits > 16384) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "RSA key size %u out of range", bits);
			return NULL;
		}
		mech = CKM_RSA_PKCS_KEY_PAIR_GEN;
		params = &rsa;
		break;
	case CRYPTO_KEY_EC: {
		SECOidTag tag = bits == 256   ? SEC_OID_ANSIX962_EC_PRIME256V1
				: bits == 384 ? SEC_OID_SECG_EC_SECP384R1
				: bits == 521 ? SEC_OID_SECG_EC_SECP521R1
					      : SEC_OID_UNKNOWN;
		SECOidData *oid = tag != SEC_OID_UNKNOWN ? SECOID_FindOIDByTag(tag) : NULL;

		if (oid == NULL || oid->oid.len == 0 || oid->oid.len + 2 > sizeof(ecbuf)) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "no ECDSA curve of %u bits", bits);
			return NULL;
		}
		ecbuf[0] = SEC_ASN1_OBJECT_ID;
		ecbuf[1] = (guint8) oid->oid.len;
		memcpy(ecbuf + 2, oid->oid.data, oid->oid.len);
		ec.len = oid->oid.len + 2;
		mech = CKM_EC_KEY_PAIR_GEN;
		params = &ec;
		break;
	}
	}
	slot = PK11_GetBestSlot(mech, NULL);
	if (slot == NULL)
		return crypto_set_nss_error(error, "no slot for key generation"), NULL;
	priv = PK11_GenerateKeyPair(slot, mech, params, &pub, PR_FALSE, PR_TRUE, NULL);
	if (priv == NULL)
		return crypto_set_nss_error(error, "key pair generation"), NULL;
	SECKEY_DestroyPublicKey(pub);
	return privkey_wrap(priv, error);
}

CryptoPrivKey *
crypto_privkey_ref(CryptoPrivKey *key)
{
	return g_atomic_rc_box_acquire(key);
}

void
crypto_privkey_unref(CryptoPrivKey *key)
{
	if (key != NULL)
		g_atomic_rc_box_release_full(key, privkey_clear);
}

CryptoKeyType
crypto_privkey_get_key_type(CryptoPrivKey *key)
{
	return key->type;
}

guint
crypto_privkey_get_bits(CryptoPrivKey *key)
{
	return key->bits;
}

SECKEYPrivateKey *
crypto_privkey_get_nss(CryptoPrivKey *key)
{
	return key->priv;
}

CryptoPubKey *
crypto_privkey_dup_public(CryptoPrivKey *key)
{
	CryptoPubKey *pub = g_atomic_rc_box_new0(CryptoPubKey);

	pub->pub = SECKEY_CopyPublicKey(key->pub);
	if (pub->pub == NULL)
		g_error("out of memory copying a public key");
	pub->type = key->type;
	pub->bits = key->bits;
	return pub;
}

CryptoPubKey *
crypto_pubkey_new_from_spki(const guint8 *der, gsize len, GError **error)
{
	SECItem item = { siBuffer, (guint8 *) der, (unsigned) len };
	CERTSubjectPublicKeyInfo *spki;
	SECKEYPublicKey *pub;

	if (!crypto_nss_require(error))
		return NULL;
	if (der == NULL || len == 0 || len > G_MAXINT32) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "empty or oversized SubjectPublicKeyInfo");
		return NULL;
	}
	spki = SECKEY_DecodeDERSubjectPublicKeyInfo(&item);
	if (spki == NULL) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "malformed SubjectPublicKeyInfo");
		return NULL;
	}
	pub = SECKEY_ExtractPublicKey(spki);
	SECKEY_DestroySubjectPublicKeyInfo(spki);
	if (pub == NULL) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "SubjectPublicKeyInfo holds no usable public key");
		return NULL;
	}
	return pubkey_wrap(pub, error);
}

CryptoPubKey *
crypto_pubkey_new_from_cert(CERTCertificate *cert, GError **error)
{
	SECKEYPublicKey *pub;

	g_return_val_if_fail(cert != NULL, NULL);
	pub = CERT_ExtractPublicKey(cert);
	if (pub == NULL) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "certificate holds no usable public key");
		return NULL;
	}
	return pubkey_wrap(pub, error);
}

CryptoPubKey *
crypto_pubkey_new_from_nss(const SECKEYPublicKey *key, GError **error)
{
	SECKEYPublicKey *copy;

	g_return_val_if_fail(key != NULL, NULL);
	copy = SECKEY_CopyPublicKey(key);
	if (copy == NULL)
		return crypto_set_nss_error(error, "copying public key"), NULL;
	return pubkey_wrap(copy, error);
}

CryptoPubKey *
crypto_pubkey_ref(CryptoPubKey *key)
{
	return g_atomic_rc_box_acquire(key);
}

void
crypto_pubkey_unref(CryptoPubKey *key)
{
	if (key != NULL)
		g_atomic_rc_box_release_full(key, pubkey_clear);
}

CryptoKeyType
crypto_pubkey_get_key_type(CryptoPubKey *key)
{
	return key->type;
}

guint
crypto_pubkey_get_bits(CryptoPubKey *key)
{
	return key->bits;
}

gboolean
crypto_pubkey_prepare(CryptoPubKey *key)
{
	g_autoptr(PK11SlotInfo) slot = NULL;

	if (key->pub->pkcs11Slot != NULL && key->pub->pkcs11ID != CK_INVALID_HANDLE)
		return TRUE;
	slot = PK11_GetInternalSlot();
	return slot != NULL && PK11_ImportPublicKey(slot, key->pub, PR_FALSE) != CK_INVALID_HANDLE;
}

/* ---- sign and verify ---------------------------------------------------- */

/* Is @scheme one we do, and does a key of @type fit it? */
static const HashInfo *
check_scheme(CryptoSigScheme scheme, CryptoKeyType type, GError **error)
{
	const HashInfo *h = hash_info(scheme.hash);
	gboolean rsa = FALSE, known = FALSE;

	/* no default: @scheme may come from the wire with a value outside the enum */
	switch (scheme.kind) {
	case CRYPTO_SIG_RSA_PKCS1:
		rsa = known = TRUE;
		break;
	case CRYPTO_SIG_RSA_PSS:
		/* RFC 8247 §3.2: PSS is for the SHA-2 family */
		rsa = known = scheme.hash != CRYPTO_SIG_HASH_SHA1;
		break;
	case CRYPTO_SIG_ECDSA_RAW:
	case CRYPTO_SIG_ECDSA_DER:
		known = scheme.hash != CRYPTO_SIG_HASH_SHA1;
		break;
	}
	if (!known)
		h = NULL;
	if (h == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "signature scheme %s (kind %d, hash %d) is not supported",
			    crypto_sig_scheme_name(scheme), (int) scheme.kind, (int) scheme.hash);
		return NULL;
	}
	if (rsa != (type == CRYPTO_KEY_RSA)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s needs an %s key", crypto_sig_scheme_name(scheme),
			    rsa ? "RSA" : "EC");
		return NULL;
	}
	return h;
}

/* The bytes the raw mechanism signs: the DigestInfo for PKCS#1 v1.5, else the hash. */
static SECItem *
to_be_signed_new(CryptoSigScheme scheme, const HashInfo *h, const guint8 *data, gsize len,
		 GError **error)
{
	guint8 digest[HASH_LENGTH_MAX];
	SGNDigestInfo *di;
	SECItem *out;

	if (len > G_MAXINT32) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID, "data too long");
		return NULL;
	}
	if (PK11_HashBuf(h->oid, digest, data, (PRInt32) len) != SECSuccess)
		return crypto_set_nss_error(error, h->name), NULL;
	if (scheme.kind != CRYPTO_SIG_RSA_PKCS1) {
		out = SECITEM_AllocItem(NULL, NULL, (unsigned) h->len);
		if (out == NULL)
			return crypto_set_nss_error(error, "allocating digest"), NULL;
		memcpy(out->data, digest, h->len);
		return out;
	}
	/* RFC 8017 §9.2: DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } */
	di = SGN_CreateDigestInfo(h->oid, digest, (unsigned) h->len);
	if (di == NULL)
		return crypto_set_nss_error(error, "creating DigestInfo"), NULL;
	out = SEC_ASN1EncodeItem(NULL, NULL, di, SEC_ASN1_GET(sgn_DigestInfoTemplate));
	SGN_DestroyDigestInfo(di);
	if (out == NULL)
		return crypto_set_nss_error(error, "encoding DigestInfo"), NULL;
	return out;
}

typedef struct {
	CK_MECHANISM_TYPE mech;
	CK_RSA_PKCS_PSS_PARAMS pss;
	SECItem param;
} MechInfo;

static void
mech_info(CryptoSigScheme scheme, const HashInfo *h, MechInfo *m)
{
	memset(m, 0, sizeof(*m));
	switch (scheme.kind) {
	case CRYPTO_SIG_RSA_PKCS1:
		m->mech = CKM_RSA_PKCS;
		return;
	case CRYPTO_SIG_RSA_PSS:
		m->mech = CKM_RSA_PKCS_PSS;
		m->pss.hashAlg = h->mech;
		m->pss.mgf = h->mgf;
		m->pss.sLen = h->len;
		m->param = (SECItem){ siBuffer, (guint8 *) &m->pss, sizeof(m->pss) };
		return;
	case CRYPTO_SIG_ECDSA_RAW:
	case CRYPTO_SIG_ECDSA_DER:
		m->mech = CKM_ECDSA;
		return;
	}
}

GBytes *
crypto_sign(CryptoPrivKey *key, CryptoSigScheme scheme, const guint8 *data, gsize len,
	    GError **error)
{
	g_autoptr(SECItem) tbs = NULL;
	g_autofree guint8 *buf = NULL;
	const HashInfo *h;
	MechInfo m;
	SECItem sig;
	int sig_len;

	g_return_val_if_fail(key != NULL, NULL);
	h = check_scheme(scheme, key->type, error);
	if (h == NULL)
		return NULL;
	tbs = to_be_signed_new(scheme, h, data, len, error);
	if (tbs == NULL)
		return NULL;
	mech_info(scheme, h, &m);
	sig_len = PK11_SignatureLen(key->priv);
	if (sig_len <= 0)
		return crypto_set_nss_error(error, "signature length"), NULL;
	buf = g_malloc((gsize) sig_len);
	sig = (SECItem){ siBuffer, buf, (unsigned) sig_len };
	if (PK11_SignWithMechanism(key->priv, m.mech, m.param.len > 0 ? &m.param : NULL, &sig,
				   tbs) != SECSuccess) {
		g_autofree char *what =
			g_strdup_printf("signing with %s", crypto_sig_scheme_name(scheme));

		return crypto_set_nss_error(error, what), NULL;
	}
	if (scheme.kind == CRYPTO_SIG_ECDSA_DER) {
		SECItem der = { siBuffer, NULL, 0 };
		GBytes *out;

		if (DSAU_EncodeDerSigWithLen(&der, &sig, sig.len) != SECSuccess)
			return crypto_set_nss_error(error, "DER-encoding ECDSA signature"), NULL;
		out = g_bytes_new(der.data, der.len);
		SECITEM_FreeItem(&der, PR_FALSE);
		return out;
	}
	return g_bytes_new(sig.data, sig.len);
}

static gboolean
auth_failed(CryptoSigScheme scheme, const char *why, GError **error)
{
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH, "%s signature does not verify: %s",
		    crypto_sig_scheme_name(scheme), why);
	return FALSE;
}

gboolean
crypto_verify(CryptoPubKey *key, CryptoSigScheme scheme, const guint8 *data, gsize len,
	      const guint8 *sig, gsize sig_len, GError **error)
{
	g_autoptr(SECItem) tbs = NULL;
	g_autoptr(SECItem) raw = NULL;
	SECItem sig_item = { siBuffer, (guint8 *) sig, (unsigned) sig_len };
	unsigned want_len;
	const HashInfo *h;
	MechInfo m;

	g_return_val_if_fail(key != NULL, FALSE);
	h = check_scheme(scheme, key->type, error);
	if (h == NULL)
		return FALSE;
	want_len = SECKEY_SignatureLen(key->pub);
	if (sig == NULL || sig_len == 0 || sig_len > G_MAXINT32)
		return auth_failed(scheme, "empty signature", error);
	if (scheme.kind == CRYPTO_SIG_ECDSA_DER) {
		/* decode to r || s of the key's length; rejects values that do not fit */
		raw = DSAU_DecodeDerSigToLen(&sig_item, want_len);
		if (raw == NULL)
			return auth_failed(scheme, "malformed Ecdsa-Sig-Value", error);
		sig_item = *raw;
	} else if (sig_len != want_len) {
		/* RFC 8017 §8.2.2 step 1; RFC 4754 §7: exactly the key's length */
		g_autofree char *why = g_strdup_printf("%" G_GSIZE_FORMAT " bytes, expected %u",
						       sig_len, want_len);

		return auth_failed(scheme, why, error);
	}
	tbs = to_be_signed_new(scheme, h, data, len, error);
	if (tbs == NULL)
		return FALSE;
	mech_info(scheme, h, &m);
	if (PK11_VerifyWithMechanism(key->pub, m.mech, m.param.len > 0 ? &m.param : NULL,
				     &sig_item, tbs, NULL) != SECSuccess) {
		PRErrorCode code = PORT_GetError();

		return auth_failed(scheme,
				   PR_ErrorToName(code) != NULL ? PR_ErrorToName(code) : "unknown",
				   error);
	}
	return TRUE;
}
