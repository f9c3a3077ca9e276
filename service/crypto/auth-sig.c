/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 7427 Digital Signature AUTH data.  We build from fixed DER encodings
 * written out below from the ASN.1 (each checked with `openssl asn1parse`
 * and against the signatureAlgorithm of openssl-made certificates), and parse
 * with NSS's QuickDER templates, then compare every field we rely on.
 */
#include "auth-sig.h"

#include <cert.h>
#include <prprf.h>
#include <secasn1.h>
#include <secder.h>
#include <secoid.h>

#include "nss-auto.h"
#include "nss-init.h"

/*
 * sha<N>WithRSAEncryption (RFC 8017 Appendix C, RFC 4055 §5):
 *   SEQUENCE { OID 1.2.840.113549.1.1.{5,11,12,13}, NULL }
 */
#define RSA_PKCS1_ALGID(last)                                                                   \
	{ 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, (last),       \
	  0x05, 0x00 }
static const guint8 algid_rsa_sha1[] = RSA_PKCS1_ALGID(0x05);
static const guint8 algid_rsa_sha256[] = RSA_PKCS1_ALGID(0x0b);
static const guint8 algid_rsa_sha384[] = RSA_PKCS1_ALGID(0x0c);
static const guint8 algid_rsa_sha512[] = RSA_PKCS1_ALGID(0x0d);

/*
 * ecdsa-with-SHA<N> (RFC 5758 §3.2: the parameters field MUST be absent):
 *   SEQUENCE { OID 1.2.840.10045.4.3.{2,3,4} }
 */
#define ECDSA_ALGID(last)                                                                       \
	{ 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, (last) }
static const guint8 algid_ecdsa_sha256[] = ECDSA_ALGID(0x02);
static const guint8 algid_ecdsa_sha384[] = ECDSA_ALGID(0x03);
static const guint8 algid_ecdsa_sha512[] = ECDSA_ALGID(0x04);

/*
 * id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 §3.1):
 *   SEQUENCE {                                        30 41
 *     OID 1.2.840.113549.1.1.10                       06 09 2a..0a
 *     SEQUENCE {                                      30 34
 *       [0] { SEQUENCE { OID sha<N>, NULL } }         a0 0f 30 0d 06 09 <hash> 05 00
 *       [1] { SEQUENCE { OID id-mgf1 (1.1.8),         a1 1c 30 1a 06 09 2a..08
 *                        SEQUENCE { OID sha<N>, NULL } } }  30 0d 06 09 <hash> 05 00
 *       [2] { INTEGER saltLength } } }                a2 03 02 01 <salt>
 * trailerField takes its DEFAULT (1) and is omitted, as DER requires.  The
 * hash OIDs are 2.16.840.1.101.3.4.2.{1,2,3}; their parameters are NULL as
 * in RFC 7427 Appendix A.4 (RFC 4055 §2.1 lets readers accept both forms).
 */
#define SHA2_OID(last) 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (last)
#define PSS_ALGID(hash_last, salt)                                                              \
	{ 0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,         \
	  0x30, 0x34,                                                                           \
	  0xa0, 0x0f, 0x30, 0x0d, SHA2_OID(hash_last), 0x05, 0x00,                              \
	  0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,   \
	  0x08, 0x30, 0x0d, SHA2_OID(hash_last), 0x05, 0x00,                                    \
	  0xa2, 0x03, 0x02, 0x01, (salt) }
static const guint8 algid_pss_sha256[] = PSS_ALGID(0x01, 32);
static const guint8 algid_pss_sha384[] = PSS_ALGID(0x02, 48);
static const guint8 algid_pss_sha512[] = PSS_ALGID(0x03, 64);

/* id-Ed25519 and id-Ed448, 1.3.101.112 and .113 (RFC 8410 §3) */
static const guint8 oid_ed25519[] = { 0x2b, 0x65, 0x70 };
static const guint8 oid_ed448[] = { 0x2b, 0x65, 0x71 };

typedef struct {
	CryptoSigScheme scheme;
	const guint8 *der;
	gsize len;
} AlgId;

#define ALGID(k, h, a) { { CRYPTO_SIG_##k, CRYPTO_SIG_HASH_##h }, (a), sizeof(a) }
static const AlgId algids[] = {
	ALGID(RSA_PKCS1, SHA1, algid_rsa_sha1),
	ALGID(RSA_PKCS1, SHA2_256, algid_rsa_sha256),
	ALGID(RSA_PKCS1, SHA2_384, algid_rsa_sha384),
	ALGID(RSA_PKCS1, SHA2_512, algid_rsa_sha512),
	ALGID(RSA_PSS, SHA2_256, algid_pss_sha256),
	ALGID(RSA_PSS, SHA2_384, algid_pss_sha384),
	ALGID(RSA_PSS, SHA2_512, algid_pss_sha512),
	ALGID(ECDSA_DER, SHA2_256, algid_ecdsa_sha256),
	ALGID(ECDSA_DER, SHA2_384, algid_ecdsa_sha384),
	ALGID(ECDSA_DER, SHA2_512, algid_ecdsa_sha512),
};

static const CryptoSigHash announced_hashes[] = {
	CRYPTO_SIG_HASH_SHA2_256,
	CRYPTO_SIG_HASH_SHA2_384,
	CRYPTO_SIG_HASH_SHA2_512,
};

const CryptoSigHash *
crypto_auth_sig_hashes(gsize *n_hashes)
{
	*n_hashes = G_N_ELEMENTS(announced_hashes);
	return announced_hashes;
}

const guint8 *
crypto_auth_sig_algid(CryptoSigScheme scheme, gsize *len, GError **error)
{
	for (gsize i = 0; i < G_N_ELEMENTS(algids); i++) {
		if (algids[i].scheme.kind == scheme.kind && algids[i].scheme.hash == scheme.hash) {
			*len = algids[i].len;
			return algids[i].der;
		}
	}
	*len = 0;
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
		    "no RFC 7427 AlgorithmIdentifier for %s", crypto_sig_scheme_name(scheme));
	return NULL;
}

GBytes *
crypto_auth_sig_build(CryptoSigScheme scheme, const guint8 *sig, gsize sig_len, GError **error)
{
	g_autoptr(GByteArray) out = NULL;
	const guint8 *der;
	gsize der_len;
	guint8 len_octet;

	der = crypto_auth_sig_algid(scheme, &der_len, error);
	if (der == NULL)
		return NULL;
	if (sig == NULL || sig_len == 0) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID, "empty signature");
		return NULL;
	}
	g_assert(der_len <= G_MAXUINT8);
	len_octet = (guint8) der_len;
	out = g_byte_array_sized_new((guint) (1 + der_len + sig_len));
	g_byte_array_append(out, &len_octet, 1);
	g_byte_array_append(out, der, (guint) der_len);
	g_byte_array_append(out, sig, (guint) sig_len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* ---- parsing ---------------------------------------------------------- */

static gboolean
malformed(GError **error, const char *why)
{
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		    "RFC 7427 AUTH data: malformed AlgorithmIdentifier: %s", why);
	return FALSE;
}

/* Absent or an ASN.1 NULL (05 00). */
static gboolean
params_absent_or_null(const SECItem *params)
{
	return params->len == 0 ||
	       (params->len == 2 && params->data[0] == SEC_ASN1_NULL && params->data[1] == 0);
}

static CryptoSigHash
hash_from_oid(SECOidTag tag)
{
	switch ((int) tag) {
	case SEC_OID_SHA256:
		return CRYPTO_SIG_HASH_SHA2_256;
	case SEC_OID_SHA384:
		return CRYPTO_SIG_HASH_SHA2_384;
	case SEC_OID_SHA512:
		return CRYPTO_SIG_HASH_SHA2_512;
	default:
		return 0;
	}
}

/* A SHA-2 AlgorithmIdentifier, as found inside RSASSA-PSS-params. */
static CryptoSigHash
pss_hash(const SECAlgorithmID *alg)
{
	if (alg == NULL || !params_absent_or_null(&alg->parameters))
		return 0;
	return hash_from_oid(SECOID_GetAlgorithmTag(alg));
}

/*
 * RSASSA-PSS-params (RFC 4055 §3.1).  Defaults (absent fields) mean SHA-1,
 * MGF1-SHA-1, salt 20: those we refuse, like any hash mismatch.
 */
static gboolean
parse_pss_params(PLArenaPool *arena, const SECItem *der, CryptoSigScheme *scheme,
		 GError **error)
{
	SECKEYRSAPSSParams params;
	SECAlgorithmID mgf_hash;
	CryptoSigHash hash;
	long salt;

	memset(&params, 0, sizeof(params));
	memset(&mgf_hash, 0, sizeof(mgf_hash));
	if (der->len == 0 ||
	    SEC_QuickDERDecodeItem(arena, &params, SEC_ASN1_GET(SECKEY_RSAPSSParamsTemplate),
				   der) != SECSuccess)
		return malformed(error, "bad RSASSA-PSS-params");
	hash = pss_hash(params.hashAlg);
	if (hash == 0) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "RFC 7427 AUTH data: RSASSA-PSS hash is not SHA2-256/384/512");
		return FALSE;
	}
	if (params.maskAlg == NULL ||
	    SECOID_GetAlgorithmTag(params.maskAlg) != SEC_OID_PKCS1_MGF1 ||
	    SEC_QuickDERDecodeItem(arena, &mgf_hash, SEC_ASN1_GET(SECOID_AlgorithmIDTemplate),
				   &params.maskAlg->parameters) != SECSuccess ||
	    pss_hash(&mgf_hash) != hash) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "RFC 7427 AUTH data: RSASSA-PSS mask is not MGF1 with the "
				    "message hash");
		return FALSE;
	}
	salt = params.saltLength.len > 0 ? DER_GetInteger(&params.saltLength) : 20;
	if (salt != (long) crypto_sig_hash_len(hash)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "RFC 7427 AUTH data: RSASSA-PSS salt length %ld, only the hash "
			    "length %" G_GSIZE_FORMAT " is supported",
			    salt, crypto_sig_hash_len(hash));
		return FALSE;
	}
	if (params.trailerField.len > 0 && DER_GetInteger(&params.trailerField) != 1)
		return malformed(error, "RSASSA-PSS trailerField is not 1");
	scheme->kind = CRYPTO_SIG_RSA_PSS;
	scheme->hash = hash;
	return TRUE;
}

static gboolean
oid_is(const SECItem *oid, const guint8 *want, gsize want_len)
{
	return oid->len == want_len && memcmp(oid->data, want, want_len) == 0;
}

static gboolean
parse_algid(const guint8 *der, gsize len, CryptoSigScheme *scheme, GError **error)
{
	g_autoptr(PLArenaPool) arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	SECItem item = { siBuffer, (guint8 *) der, (unsigned) len };
	SECAlgorithmID alg;
	SECOidTag tag;

	if (arena == NULL)
		return crypto_set_nss_error(error, "allocating arena");
	memset(&alg, 0, sizeof(alg));
	/* QuickDER takes DER only and refuses bytes after the SEQUENCE */
	if (SEC_QuickDERDecodeItem(arena, &alg, SEC_ASN1_GET(SECOID_AlgorithmIDTemplate), &item) !=
	    SECSuccess)
		return malformed(error, "not a DER AlgorithmIdentifier");
	tag = SECOID_GetAlgorithmTag(&alg);
	switch ((int) tag) {
	case SEC_OID_PKCS1_SHA1_WITH_RSA_ENCRYPTION:
	case SEC_OID_PKCS1_SHA256_WITH_RSA_ENCRYPTION:
	case SEC_OID_PKCS1_SHA384_WITH_RSA_ENCRYPTION:
	case SEC_OID_PKCS1_SHA512_WITH_RSA_ENCRYPTION:
		if (!params_absent_or_null(&alg.parameters))
			return malformed(error, "RSA PKCS#1 parameters are not NULL");
		scheme->kind = CRYPTO_SIG_RSA_PKCS1;
		scheme->hash = tag == SEC_OID_PKCS1_SHA1_WITH_RSA_ENCRYPTION	 ? CRYPTO_SIG_HASH_SHA1
			       : tag == SEC_OID_PKCS1_SHA256_WITH_RSA_ENCRYPTION ? CRYPTO_SIG_HASH_SHA2_256
			       : tag == SEC_OID_PKCS1_SHA384_WITH_RSA_ENCRYPTION ? CRYPTO_SIG_HASH_SHA2_384
										 : CRYPTO_SIG_HASH_SHA2_512;
		return TRUE;
	case SEC_OID_ANSIX962_ECDSA_SHA256_SIGNATURE:
	case SEC_OID_ANSIX962_ECDSA_SHA384_SIGNATURE:
	case SEC_OID_ANSIX962_ECDSA_SHA512_SIGNATURE:
		/* RFC 5758 §3.2 says absent; some encoders write NULL, which is harmless */
		if (!params_absent_or_null(&alg.parameters))
			return malformed(error, "ECDSA parameters present");
		scheme->kind = CRYPTO_SIG_ECDSA_DER;
		scheme->hash = tag == SEC_OID_ANSIX962_ECDSA_SHA256_SIGNATURE	? CRYPTO_SIG_HASH_SHA2_256
			       : tag == SEC_OID_ANSIX962_ECDSA_SHA384_SIGNATURE ? CRYPTO_SIG_HASH_SHA2_384
										: CRYPTO_SIG_HASH_SHA2_512;
		return TRUE;
	case SEC_OID_PKCS1_RSA_PSS_SIGNATURE:
		return parse_pss_params(arena, &alg.parameters, scheme, error);
	default:
		break;
	}
	if (oid_is(&alg.algorithm, oid_ed25519, sizeof(oid_ed25519)) ||
	    oid_is(&alg.algorithm, oid_ed448, sizeof(oid_ed448))) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "RFC 7427 AUTH data: EdDSA signatures are not supported "
				    "(NSS 3.87 has no EdDSA)");
		return FALSE;
	}
	{
		char *dotted = CERT_GetOidString(&alg.algorithm);

		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "RFC 7427 AUTH data: unsupported signature algorithm %s",
			    dotted != NULL ? dotted : "(unprintable OID)");
		if (dotted != NULL)
			PR_smprintf_free(dotted);
	}
	return FALSE;
}

gboolean
crypto_auth_sig_parse(const guint8 *data, gsize len, CryptoSigScheme *scheme, const guint8 **sig,
		      gsize *sig_len, GError **error)
{
	gsize algid_len;

	g_return_val_if_fail(scheme != NULL && sig != NULL && sig_len != NULL, FALSE);
	/* RFC 7427 §3: one length octet, then that many octets of AlgorithmIdentifier */
	if (data == NULL || len < 1)
		return malformed(error, "no ASN.1 length octet");
	algid_len = data[0];
	if (algid_len < 2 || algid_len > len - 1) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "RFC 7427 AUTH data: ASN.1 length %" G_GSIZE_FORMAT
			    " with %" G_GSIZE_FORMAT " octets following",
			    algid_len, len - 1);
		return FALSE;
	}
	if (!parse_algid(data + 1, algid_len, scheme, error))
		return FALSE;
	if (len - 1 - algid_len == 0) {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "RFC 7427 AUTH data: no signature value");
		return FALSE;
	}
	*sig = data + 1 + algid_len;
	*sig_len = len - 1 - algid_len;
	return TRUE;
}

gboolean
crypto_auth_method_scheme(guint method, CryptoSigScheme *scheme, guint *ec_bits, GError **error)
{
	static const struct {
		guint method;
		CryptoSigScheme scheme;
		guint ec_bits;
	} methods[] = {
		{ 1, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA1 }, 0 },
		{ 9, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_256 }, 256 },
		{ 10, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_384 }, 384 },
		{ 11, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_512 }, 521 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
		if (methods[i].method == method) {
			*scheme = methods[i].scheme;
			*ec_bits = methods[i].ec_bits;
			return TRUE;
		}
	}
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
		    "auth method %u is not a fixed-scheme signature method", method);
	return FALSE;
}
