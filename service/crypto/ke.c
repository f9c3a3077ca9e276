/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 key exchange over NSS: MODP (RFC 3526), ECP (RFC 5903) and
 * Curve25519 (RFC 8031).  The private value is an NSS session object; the
 * shared secret is derived with PK11_PubDeriveWithKDF(CKD_NULL) and copied
 * out once into an IkebusSecbuf for SKEYSEED.
 */
#include "ke.h"

#include <nss.h>
#include <prerror.h>
#include <secerr.h>
#include <secoid.h>

#include "nss-auto.h"
#include "nss-init.h"
#include "pk-der.h"
#include "pk-modp-primes.h"

#define MODP_GROUP(id_, name_, bits_, prime_)                                                   \
	{                                                                                        \
		.id = (id_), .name = (name_), .kind = CRYPTO_KE_MODP,                            \
		.public_len = sizeof(prime_), .secret_len = sizeof(prime_), .bits = (bits_),     \
		.prime = (prime_), .nss_curve_oid = 0                                            \
	}

#define EC_GROUP(id_, name_, kind_, bits_, pub_, sec_, oid_)                                     \
	{                                                                                        \
		.id = (id_), .name = (name_), .kind = (kind_), .public_len = (pub_),             \
		.secret_len = (sec_), .bits = (bits_), .prime = NULL, .nss_curve_oid = (oid_)    \
	}

static const CryptoKeGroup ke_groups[] = {
	MODP_GROUP(5, "modp1536", 1536, modp1536_prime),
	MODP_GROUP(14, "modp2048", 2048, modp2048_prime),
	MODP_GROUP(15, "modp3072", 3072, modp3072_prime),
	MODP_GROUP(16, "modp4096", 4096, modp4096_prime),
	MODP_GROUP(17, "modp6144", 6144, modp6144_prime),
	MODP_GROUP(18, "modp8192", 8192, modp8192_prime),
	/* RFC 5903 §7: x || y, each coordinate the size of the field */
	EC_GROUP(19, "ecp256", CRYPTO_KE_ECP, 256, 64, 32, SEC_OID_ANSIX962_EC_PRIME256V1),
	EC_GROUP(20, "ecp384", CRYPTO_KE_ECP, 384, 96, 48, SEC_OID_SECG_EC_SECP384R1),
	EC_GROUP(21, "ecp521", CRYPTO_KE_ECP, 521, 132, 66, SEC_OID_SECG_EC_SECP521R1),
	/* RFC 8031 §2: the 32-byte u-coordinate, both ways */
	EC_GROUP(31, "curve25519", CRYPTO_KE_X25519, 255, 32, 32, SEC_OID_CURVE25519),
};

static const guint8 modp_generator[] = { 2 };

/* RFC 7748 §4.1: the Curve25519 base point, u = 9, little-endian */
static const guint8 x25519_base[32] = { 9 };

struct _CryptoKe {
	const CryptoKeGroup *group;
	SECKEYPrivateKey *priv;
	GBytes *public;
};

const CryptoKeGroup *
crypto_ke_group_lookup(guint id)
{
	for (gsize i = 0; i < G_N_ELEMENTS(ke_groups); i++) {
		if (ke_groups[i].id == id)
			return &ke_groups[i];
	}
	return NULL;
}

const CryptoKeGroup *
crypto_ke_group_lookup_name(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(ke_groups); i++) {
		if (g_ascii_strcasecmp(ke_groups[i].name, name) == 0)
			return &ke_groups[i];
	}
	return NULL;
}

const CryptoKeGroup *
crypto_ke_groups(gsize *n_groups)
{
	*n_groups = G_N_ELEMENTS(ke_groups);
	return ke_groups;
}

const CryptoKeGroup *
crypto_ke_get_group(CryptoKe *ke)
{
	return ke->group;
}

GBytes *
crypto_ke_get_public(CryptoKe *ke)
{
	return ke->public;
}

void
crypto_ke_drop_private(CryptoKe *ke)
{
	if (ke != NULL && ke->priv != NULL)
		SECKEY_DestroyPrivateKey(g_steal_pointer(&ke->priv));
}

void
crypto_ke_free(CryptoKe *ke)
{
	if (ke == NULL)
		return;
	if (ke->priv != NULL)
		SECKEY_DestroyPrivateKey(ke->priv);
	g_clear_pointer(&ke->public, g_bytes_unref);
	g_free(ke);
}

/* The DER ECParameters (a namedCurve OID) NSS wants, allocated in @arena. */
static gboolean
ec_params(const CryptoKeGroup *group, PLArenaPool *arena, SECItem *out, GError **error)
{
	SECOidData *oid = SECOID_FindOIDByTag((SECOidTag) group->nss_curve_oid);

	if (oid == NULL || oid->oid.len > 127) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "%s: this NSS does not know the curve", group->name);
		return FALSE;
	}
	if (SECITEM_AllocItem(arena, out, oid->oid.len + 2) == NULL)
		return crypto_set_nss_error(error, "allocating EC parameters");
	out->data[0] = SEC_ASN1_OBJECT_ID;
	out->data[1] = (guint8) oid->oid.len;
	memcpy(out->data + 2, oid->oid.data, oid->oid.len);
	return TRUE;
}

/* Our public value in KE payload form, from the key NSS generated or imported. */
static GBytes *
public_from_nss(const CryptoKeGroup *group, const SECKEYPublicKey *pub, GError **error)
{
	const SECItem *v;

	switch (group->kind) {
	case CRYPTO_KE_MODP: {
		/* RFC 7296 §3.4: zero-padded on the left to the length of the prime */
		g_autofree guint8 *buf = NULL;

		v = &pub->u.dh.publicValue;
		if (pub->keyType != dhKey || v->len == 0 || v->len > group->public_len)
			break;
		buf = g_malloc0(group->public_len);
		memcpy(buf + group->public_len - v->len, v->data, v->len);
		return g_bytes_new_take(g_steal_pointer(&buf), group->public_len);
	}
	case CRYPTO_KE_ECP:
		/* NSS keeps the uncompressed point 0x04 || x || y; RFC 5903 drops the 0x04 */
		v = &pub->u.ec.publicValue;
		if (pub->keyType != ecKey || v->len != group->public_len + 1 || v->data[0] != 0x04)
			break;
		return g_bytes_new(v->data + 1, group->public_len);
	case CRYPTO_KE_X25519:
		v = &pub->u.ec.publicValue;
		if (pub->keyType != ecKey || v->len != group->public_len)
			break;
		return g_bytes_new(v->data, v->len);
	}
	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
		    "%s: NSS returned a public value of unexpected form", group->name);
	return NULL;
}

/* Every operation flag a key pair could be given; generation sets the ones asked for. */
#define ALL_OP_FLAGS                                                                             \
	(CKF_DERIVE | CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP | \
	 CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER)

/*
 * A session key pair (the private value sensitive: it cannot be read back)
 * usable for derivation only.
 *
 * softoken runs a pairwise-consistency test on every new key pair, a FIPS
 * 140 requirement: for a derivation key it derives once more, which costs
 * as much again as making the pair (P-256: 1,050 µs instead of 420;
 * Curve25519: a second scalar multiplication).  Outside FIPS mode the pair
 * is made with no operation allowed, so that there is nothing to test, and
 * derivation is allowed afterwards.  A pair that did not belong together
 * could not go unnoticed anyway: the two sides would derive different
 * secrets and the peer's AUTH would not verify.  In FIPS mode, and wherever
 * the attribute cannot be changed, the key is made the usual way.
 */
static SECKEYPrivateKey *
generate_pair(PK11SlotInfo *slot, CK_MECHANISM_TYPE mech, void *params, SECKEYPublicKey **pub)
{
	static const SECItem yes = { siBuffer, (unsigned char *) "\x01", 1 };
	const PK11AttrFlags attrs = PK11_ATTR_SESSION | PK11_ATTR_SENSITIVE | PK11_ATTR_PRIVATE;

	if (!PK11_IsFIPS()) {
		SECKEYPrivateKey *priv = PK11_GenerateKeyPairWithOpFlags(slot, mech, params, pub, attrs,
		                                                         0, ALL_OP_FLAGS, NULL);

		if (priv != NULL && PK11_WriteRawAttribute(PK11_TypePrivKey, priv, CKA_DERIVE,
		                                           (SECItem *) &yes) == SECSuccess)
			return priv;
		if (priv != NULL) {
			SECKEY_DestroyPrivateKey(priv);
			g_clear_pointer(pub, SECKEY_DestroyPublicKey);
		}
	}
	return PK11_GenerateKeyPairWithOpFlags(slot, mech, params, pub, attrs, CKF_DERIVE,
	                                       ALL_OP_FLAGS, NULL);
}

CryptoKe *
crypto_ke_new(const CryptoKeGroup *group, GError **error)
{
	g_autoptr(PK11SlotInfo) slot = NULL;
	g_autoptr(PLArenaPool) arena = NULL;
	g_autoptr(SECKEYPublicKey) pub = NULL;
	g_autoptr(SECKEYPrivateKey) priv = NULL;
	g_autoptr(CryptoKe) ke = NULL;
	SECKEYDHParams dh = { 0 };
	SECItem ecp = { 0 };
	CK_MECHANISM_TYPE mech = CKM_INVALID_MECHANISM;
	void *params = NULL;

	g_return_val_if_fail(group != NULL, NULL);
	if (!crypto_nss_require(error))
		return NULL;
	arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	if (arena == NULL)
		return crypto_set_nss_error(error, "allocating arena"), NULL;
	switch (group->kind) {
	case CRYPTO_KE_MODP:
		dh.prime = (SECItem){ siUnsignedInteger, (guint8 *) group->prime,
				      (unsigned) group->public_len };
		dh.base = (SECItem){ siUnsignedInteger, (guint8 *) modp_generator,
				     sizeof(modp_generator) };
		mech = CKM_DH_PKCS_KEY_PAIR_GEN;
		params = &dh;
		break;
	case CRYPTO_KE_ECP:
	case CRYPTO_KE_X25519:
		if (!ec_params(group, arena, &ecp, error))
			return NULL;
		mech = CKM_EC_KEY_PAIR_GEN;
		params = &ecp;
		break;
	}
	slot = PK11_GetBestSlot(mech, NULL);
	if (slot == NULL)
		return crypto_set_nss_error(error, group->name), NULL;
	priv = generate_pair(slot, mech, params, &pub);
	if (priv == NULL) {
		g_autofree char *what = g_strdup_printf("%s: key pair generation", group->name);

		return crypto_set_nss_error(error, what), NULL;
	}
	ke = g_new0(CryptoKe, 1);
	ke->group = group;
	ke->public = public_from_nss(group, pub, error);
	if (ke->public == NULL)
		return NULL;
	ke->priv = g_steal_pointer(&priv);
	return g_steal_pointer(&ke);
}

/* An all-zero buffer test that does not stop at the first non-zero byte. */
static gboolean
is_all_zero(const guint8 *p, gsize len)
{
	guint8 acc = 0;

	for (gsize i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * RFC 7296 §3.4 and NIST SP 800-56A §5.6.2.3.1 (partial validation) for a
 * safe-prime group: exactly the prime's length, and 1 < y < p - 1.  y = 1 and
 * y = p - 1 have order 1 and 2 and would force the shared secret.
 */
static gboolean
modp_check_peer(const CryptoKeGroup *group, const guint8 *y, GError **error)
{
	gsize len = group->public_len;
	g_autofree guint8 *p_minus_1 = g_memdup2(group->prime, len);
	gsize i;

	/* the last byte of every RFC 3526 prime is 0xff, so no borrow */
	g_assert(p_minus_1[len - 1] != 0);
	p_minus_1[len - 1]--;
	for (i = 0; i + 1 < len && y[i] == 0; i++)
		;
	if (i + 1 == len && y[i] <= 1) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: peer public value is %u (must be > 1)", group->name, y[i]);
		return FALSE;
	}
	if (memcmp(y, p_minus_1, len) >= 0) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: peer public value is not below p - 1", group->name);
		return FALSE;
	}
	return TRUE;
}

/* An NSS public key holding the peer's value; no token object behind it. */
static SECKEYPublicKey *
peer_key_new(const CryptoKeGroup *group, const guint8 *peer, GError **error)
{
	PLArenaPool *arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	SECKEYPublicKey *key;
	SECItem *value;

	if (arena == NULL)
		return crypto_set_nss_error(error, "allocating arena"), NULL;
	key = PORT_ArenaZNew(arena, SECKEYPublicKey);
	if (key == NULL) {
		PORT_FreeArena(arena, PR_FALSE);
		return crypto_set_nss_error(error, "allocating public key"), NULL;
	}
	key->arena = arena; /* SECKEY_DestroyPublicKey() frees it */
	key->pkcs11ID = CK_INVALID_HANDLE;
	switch (group->kind) {
	case CRYPTO_KE_MODP:
		key->keyType = dhKey;
		key->u.dh.prime = (SECItem){ siUnsignedInteger, (guint8 *) group->prime,
					     (unsigned) group->public_len };
		key->u.dh.base = (SECItem){ siUnsignedInteger, (guint8 *) modp_generator,
					    sizeof(modp_generator) };
		value = SECITEM_AllocItem(arena, &key->u.dh.publicValue, group->public_len);
		if (value == NULL)
			break;
		memcpy(value->data, peer, group->public_len);
		return key;
	case CRYPTO_KE_ECP:
	case CRYPTO_KE_X25519: {
		gboolean ecp = group->kind == CRYPTO_KE_ECP;

		key->keyType = ecKey;
		key->u.ec.size = (int) group->bits;
		key->u.ec.encoding = ecp ? ECPoint_Uncompressed : ECPoint_XOnly;
		if (!ec_params(group, arena, &key->u.ec.DEREncodedParams, error)) {
			SECKEY_DestroyPublicKey(key);
			return NULL;
		}
		value = SECITEM_AllocItem(arena, &key->u.ec.publicValue,
					  group->public_len + (ecp ? 1 : 0));
		if (value == NULL)
			break;
		if (ecp) {
			value->data[0] = 0x04; /* SEC 1 §2.3.3 uncompressed point */
			memcpy(value->data + 1, peer, group->public_len);
		} else {
			memcpy(value->data, peer, group->public_len);
		}
		return key;
	}
	}
	SECKEY_DestroyPublicKey(key);
	return crypto_set_nss_error(error, "allocating public value"), NULL;
}

/* g^ir with the peer's (already length-checked) public value. */
static IkebusSecbuf *
derive_raw(CryptoKe *ke, const guint8 *peer, GError **error)
{
	const CryptoKeGroup *group = ke->group;
	g_autoptr(SECKEYPublicKey) peer_key = NULL;
	g_autoptr(PK11SymKey) sym = NULL;
	g_autoptr(IkebusSecbuf) secret = NULL;
	CK_MECHANISM_TYPE mech;
	const SECItem *data;

	peer_key = peer_key_new(group, peer, error);
	if (peer_key == NULL)
		return NULL;
	mech = group->kind == CRYPTO_KE_MODP ? CKM_DH_PKCS_DERIVE : CKM_ECDH1_DERIVE;
	/*
	 * CKD_NULL: the raw secret (for ECDH the x coordinate).  Asking for
	 * secret_len bytes makes softoken zero-pad a short DH result on the left.
	 */
	sym = PK11_PubDeriveWithKDF(ke->priv, peer_key, PR_FALSE, NULL, NULL, mech,
				    CKM_GENERIC_SECRET_KEY_GEN, CKA_DERIVE, (int) group->secret_len,
				    CKD_NULL, NULL, NULL);
	if (sym == NULL) {
		PRErrorCode code = PORT_GetError();

		if (group->kind == CRYPTO_KE_MODP) {
			g_autofree char *what = g_strdup_printf("%s: derive", group->name);

			return crypto_set_nss_error(error, what), NULL;
		}
		/* softoken validates the peer's point before using it */
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: peer public value rejected (%s): %s", group->name,
			    group->kind == CRYPTO_KE_ECP ? "not a point on the curve"
							 : "invalid or low-order point",
			    PR_ErrorToName(code) != NULL ? PR_ErrorToName(code) : "unknown");
		return NULL;
	}
	if (PK11_ExtractKeyValue(sym) != SECSuccess)
		return crypto_set_nss_error(error, "extracting shared secret"), NULL;
	data = PK11_GetKeyData(sym); /* borrowed from @sym */
	if (data == NULL || data->len == 0 || data->len > group->secret_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
			    "%s: NSS returned a shared secret of %u bytes", group->name,
			    data != NULL ? data->len : 0);
		return NULL;
	}
	secret = ikebus_secbuf_new(group->secret_len);
	memcpy(secret->data + group->secret_len - data->len, data->data, data->len);
	return g_steal_pointer(&secret);
}

IkebusSecbuf *
crypto_ke_derive(CryptoKe *ke, const guint8 *peer, gsize peer_len, GError **error)
{
	const CryptoKeGroup *group;
	g_autoptr(IkebusSecbuf) secret = NULL;

	g_return_val_if_fail(ke != NULL, NULL);
	group = ke->group;
	if (peer == NULL || peer_len != group->public_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: peer public value is %" G_GSIZE_FORMAT
			    " bytes, expected %" G_GSIZE_FORMAT,
			    group->name, peer != NULL ? peer_len : 0, group->public_len);
		return NULL;
	}
	if (ke->priv == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: the private value was dropped", group->name);
		return NULL;
	}
	if (group->kind == CRYPTO_KE_MODP && !modp_check_peer(group, peer, error))
		return NULL;
	secret = derive_raw(ke, peer, error);
	if (secret == NULL)
		return NULL;
	/* RFC 8031 §2.3 / RFC 7748 §6.1: a low-order peer point gives all zeros */
	if (group->kind == CRYPTO_KE_X25519 && is_all_zero(secret->data, secret->len)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: peer public value is a low-order point (all-zero shared secret)",
			    group->name);
		return NULL;
	}
	return g_steal_pointer(&secret);
}

/* ---- known-answer entry point ---------------------------------------- */

/*
 * PKCS#8 PrivateKeyInfo (RFC 5208) around an ECPrivateKey (RFC 5915):
 *   SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, namedCurve },
 *              OCTET STRING { SEQUENCE { INTEGER 1, OCTET STRING d,
 *                                        [1] BIT STRING public } } }
 * @point is the point as NSS stores it (0x04 || x || y, or the u-coordinate).
 */
static GByteArray *
ec_pkcs8_new(const CryptoKeGroup *group, const guint8 *d, gsize d_len, const guint8 *point,
	     gsize point_len, GError **error)
{
	static const guint8 id_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
	SECOidData *curve = SECOID_FindOIDByTag((SECOidTag) group->nss_curve_oid);
	g_autoptr(GByteArray) alg = g_byte_array_sized_new(512);
	g_autoptr(GByteArray) bits = g_byte_array_sized_new(512);
	g_autoptr(GByteArray) ecpk = g_byte_array_sized_new(512);
	g_autoptr(GByteArray) info = g_byte_array_sized_new(512);
	g_autoptr(GByteArray) out = g_byte_array_sized_new(512);
	static const guint8 zero = 0, one = 1, unused_bits = 0;

	if (curve == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "%s: this NSS does not know the curve", group->name);
		return NULL;
	}
	pk_der_put(alg, SEC_ASN1_OBJECT_ID, id_ec_public_key, sizeof(id_ec_public_key));
	pk_der_put(alg, SEC_ASN1_OBJECT_ID, curve->oid.data, curve->oid.len);

	g_byte_array_append(bits, &unused_bits, 1);
	g_byte_array_append(bits, point, (guint) point_len);

	pk_der_put(ecpk, SEC_ASN1_INTEGER, &one, 1);
	pk_der_put(ecpk, SEC_ASN1_OCTET_STRING, d, d_len);
	pk_der_put_wrapped(ecpk, SEC_ASN1_CONTEXT_SPECIFIC | SEC_ASN1_CONSTRUCTED | 1,
			   SEC_ASN1_BIT_STRING, bits->data, bits->len);

	pk_der_put(info, SEC_ASN1_INTEGER, &zero, 1);
	pk_der_put(info, SEC_ASN1_SEQUENCE | SEC_ASN1_CONSTRUCTED, alg->data, alg->len);
	pk_der_put_wrapped(info, SEC_ASN1_OCTET_STRING, SEC_ASN1_SEQUENCE | SEC_ASN1_CONSTRUCTED,
			   ecpk->data, ecpk->len);
	ikebus_wipe(ecpk->data, ecpk->len);

	pk_der_put(out, SEC_ASN1_SEQUENCE | SEC_ASN1_CONSTRUCTED, info->data, info->len);
	ikebus_wipe(info->data, info->len);
	return g_steal_pointer(&out);
}

static SECKEYPrivateKey *
ec_import(const CryptoKeGroup *group, const guint8 *d, gsize d_len, const guint8 *point,
	  gsize point_len, GError **error)
{
	g_autoptr(PK11SlotInfo) slot = PK11_GetBestSlot(CKM_EC_KEY_PAIR_GEN, NULL);
	g_autoptr(GByteArray) der = NULL;
	SECKEYPrivateKey *priv = NULL;
	SECItem item;
	SECStatus rv;

	if (slot == NULL)
		return crypto_set_nss_error(error, "no slot for EC keys"), NULL;
	der = ec_pkcs8_new(group, d, d_len, point, point_len, error);
	if (der == NULL)
		return NULL;
	item = (SECItem){ siBuffer, der->data, der->len };
	rv = PK11_ImportDERPrivateKeyInfoAndReturnKey(slot, &item, NULL, NULL, PR_FALSE, PR_TRUE,
						      KU_KEY_AGREEMENT | KU_DIGITAL_SIGNATURE, &priv, NULL);
	ikebus_wipe(der->data, der->len);
	if (rv != SECSuccess || priv == NULL)
		return crypto_set_nss_error(error, "importing private key"), NULL;
	return priv;
}

/* ECDSA over a fixed digest with @priv, verified with @point: do they belong together? */
static gboolean
ecp_pair_matches(const CryptoKeGroup *group, SECKEYPrivateKey *priv, const guint8 *xy)
{
	static const guint8 digest[32] = "ikebus ke pair self-check.......";
	SECItem hash = { siBuffer, (guint8 *) digest, sizeof(digest) };
	g_autoptr(SECKEYPublicKey) pub = peer_key_new(group, xy, NULL);
	g_autofree guint8 *sigbuf = NULL;
	SECItem sig = { siBuffer, NULL, 0 };
	int len = PK11_SignatureLen(priv);

	if (pub == NULL || len <= 0)
		return FALSE;
	sigbuf = g_malloc((gsize) len);
	sig = (SECItem){ siBuffer, sigbuf, (unsigned) len };
	if (PK11_Sign(priv, &sig, &hash) != SECSuccess)
		return FALSE;
	return PK11_Verify(pub, &sig, &hash, NULL) == SECSuccess;
}

CryptoKe *
crypto_ke_new_from_private(const CryptoKeGroup *group, const guint8 *priv, gsize priv_len,
			   const guint8 *pub, gsize pub_len, GError **error)
{
	g_autoptr(SECKEYPrivateKey) key = NULL;
	g_autoptr(CryptoKe) ke = NULL;

	g_return_val_if_fail(group != NULL, NULL);
	if (!crypto_nss_require(error))
		return NULL;
	if (group->kind == CRYPTO_KE_MODP) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
			    "%s: importing a MODP private value is not implemented", group->name);
		return NULL;
	}
	if (priv == NULL || priv_len != group->secret_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: private value must be %" G_GSIZE_FORMAT " bytes", group->name,
			    group->secret_len);
		return NULL;
	}
	if ((pub != NULL || group->kind == CRYPTO_KE_ECP) &&
	    (pub == NULL || pub_len != group->public_len)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "%s: public value must be %" G_GSIZE_FORMAT " bytes", group->name,
			    group->public_len);
		return NULL;
	}
	ke = g_new0(CryptoKe, 1);
	ke->group = group;
	if (group->kind == CRYPTO_KE_ECP) {
		g_autofree guint8 *point = g_malloc(pub_len + 1);

		point[0] = 0x04;
		memcpy(point + 1, pub, pub_len);
		key = ec_import(group, priv, priv_len, point, pub_len + 1, error);
		if (key == NULL)
			return NULL;
		if (!ecp_pair_matches(group, key, pub)) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "%s: public value does not belong to the private value",
				    group->name);
			return NULL;
		}
		ke->public = g_bytes_new(pub, pub_len);
	} else {
		g_autoptr(IkebusSecbuf) u = NULL;

		/* NSS needs some public value to import; compute the real one as X25519(d, 9) */
		key = ec_import(group, priv, priv_len, x25519_base, sizeof(x25519_base), error);
		if (key == NULL)
			return NULL;
		ke->priv = g_steal_pointer(&key);
		u = derive_raw(ke, x25519_base, error);
		if (u == NULL)
			return NULL;
		if (pub != NULL && memcmp(u->data, pub, pub_len) != 0) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "%s: public value does not belong to the private value",
				    group->name);
			return NULL;
		}
		ke->public = g_bytes_new(u->data, u->len);
		SECKEY_DestroyPrivateKey(g_steal_pointer(&ke->priv));
		/* re-import so that the key object carries its true public value */
		key = ec_import(group, priv, priv_len, u->data, u->len, error);
		if (key == NULL)
			return NULL;
	}
	ke->priv = g_steal_pointer(&key);
	return g_steal_pointer(&ke);
}
