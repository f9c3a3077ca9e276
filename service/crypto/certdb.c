/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificates and keys from the NSS database for IKE authentication.  The
 * database is NSS's process-wide default (CERT_GetDefaultCertDB() and the
 * internal key slot); certificates the peer sends are decoded as temporary
 * certificates so that NSS's chain builder finds the intermediates.
 */
#include "certdb.h"

#include <string.h>

#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secasn1.h>
#include <secerr.h>
#include <sechash.h>
#include <secoid.h>

#include "nss-auto.h"
#include "nss-init.h"

/* NSS's certdb.h, which our certdb.h hides on the include path */
#ifndef CERTDB_TRUSTED_CA
#define CERTDB_TRUSTED_CA (1u << 4)
#endif

/* cert.h declares CERT_DecodeDERCertificate(), libnss3 exports it under
 * this name (nss.def): a certificate decoded on its own, not entered in
 * NSS's certificate cache */
extern CERTCertificate *__CERT_DecodeDERCertificate(SECItem *der, PRBool copy, char *nickname);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CERTSubjectPublicKeyInfo, SECKEY_DestroySubjectPublicKeyInfo)

static void
name_free(CERTName *name)
{
	CERT_DestroyName(name);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CERTName, name_free)

gboolean
crypto_certdb_open(const char *dir, GError **error)
{
	return crypto_nss_init_db(dir, error);
}

/* ---- helpers ------------------------------------------------------------ */

static gboolean
auth_error(GError **error, const char *what)
{
	PRErrorCode code = PORT_GetError();
	const char *name = PR_ErrorToName(code);

	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH, "%s: %s", what,
		    name != NULL ? name : "unknown NSS error");
	return FALSE;
}

/* Owned bytes of the hex text @hex (@len of them), or NULL. */
static guint8 *
hex_decode(const char *hex, gsize *len)
{
	gsize n = strlen(hex);
	g_autofree guint8 *out = NULL;

	if (n == 0 || n % 2 != 0)
		return NULL;
	out = g_malloc(n / 2);
	for (gsize i = 0; i < n / 2; i++) {
		gint hi = g_ascii_xdigit_value(hex[2 * i]);
		gint lo = g_ascii_xdigit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return NULL;
		out[i] = (guint8) (hi << 4 | lo);
	}
	*len = n / 2;
	return g_steal_pointer(&out);
}

static SECItem *
ckaid_item(const char *hex, GError **error)
{
	gsize n = 0;
	g_autofree guint8 *raw = hex != NULL && strlen(hex) <= 256 ? hex_decode(hex, &n) : NULL;
	SECItem *item;

	if (raw == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "ckaid: \"%s\" is not an even number of hex digits", hex ? hex : "");
		return NULL;
	}
	item = SECITEM_AllocItem(NULL, NULL, (unsigned) n);
	memcpy(item->data, raw, n);
	return item;
}

static char *
hex_of(const SECItem *item)
{
	GString *s = g_string_sized_new(item->len * 2);

	for (unsigned i = 0; i < item->len; i++)
		g_string_append_printf(s, "%02x", item->data[i]);
	return g_string_free(s, FALSE);
}

/* ---- our credentials ---------------------------------------------------- */

CERTCertificate *
crypto_certdb_find_cert(const char *nickname, GError **error)
{
	CERTCertificate *cert;

	if (!crypto_nss_require(error))
		return NULL;
	cert = PK11_FindCertFromNickname(nickname, NULL);
	if (cert == NULL)
		cert = CERT_FindCertByNickname(CERT_GetDefaultCertDB(), nickname);
	if (cert == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
			    "no certificate \"%s\" in the NSS database", nickname);
		return NULL;
	}
	return cert;
}

CryptoPrivKey *
crypto_certdb_find_key_for_cert(CERTCertificate *cert, GError **error)
{
	g_autoptr(SECKEYPrivateKey) key = PK11_FindKeyByAnyCert(cert, NULL);

	if (key == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
			    "no private key for certificate \"%s\" in the NSS database",
			    cert->nickname != NULL ? cert->nickname : cert->subjectName);
		return NULL;
	}
	return crypto_privkey_new_from_nss(key, error);
}

CryptoPrivKey *
crypto_certdb_find_key_by_ckaid(const char *ckaid_hex, GError **error)
{
	g_autoptr(SECItem) id = NULL;
	g_autoptr(PK11SlotInfo) slot = NULL;
	g_autoptr(SECKEYPrivateKey) key = NULL;

	if (!crypto_nss_require(error))
		return NULL;
	id = ckaid_item(ckaid_hex, error);
	if (id == NULL)
		return NULL;
	slot = PK11_GetInternalKeySlot();
	key = slot != NULL ? PK11_FindKeyByKeyID(slot, id, NULL) : NULL;
	if (key == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
			    "no private key with CKAID %s in the NSS database", ckaid_hex);
		return NULL;
	}
	return crypto_privkey_new_from_nss(key, error);
}

char *
crypto_certdb_cert_ckaid(CERTCertificate *cert)
{
	SECItem *id = PK11_GetLowLevelKeyIDForCert(NULL, cert, NULL);
	char *hex;

	if (id == NULL)
		return NULL;
	hex = hex_of(id);
	SECITEM_FreeItem(id, PR_TRUE);
	return hex;
}

CERTCertificate *
crypto_certdb_find_cert_by_ckaid(const char *ckaid_hex)
{
	g_autoptr(CERTCertList) list = NULL;
	g_autofree char *want = g_ascii_strdown(ckaid_hex, -1);

	if (!NSS_IsInitialized())
		return NULL;
	list = PK11_ListCerts(PK11CertListUser, NULL);
	if (list == NULL)
		return NULL;
	for (CERTCertListNode *n = CERT_LIST_HEAD(list); !CERT_LIST_END(n, list);
	     n = CERT_LIST_NEXT(n)) {
		g_autofree char *id = crypto_certdb_cert_ckaid(n->cert);

		if (id != NULL && g_str_equal(id, want))
			return CERT_DupCertificate(n->cert);
	}
	return NULL;
}

GBytes *
crypto_certdb_cert_der(CERTCertificate *cert)
{
	return g_bytes_new(cert->derCert.data, cert->derCert.len);
}

GBytes *
crypto_certdb_cert_subject(CERTCertificate *cert)
{
	return g_bytes_new(cert->derSubject.data, cert->derSubject.len);
}

GBytes *
crypto_certdb_cert_issuer(CERTCertificate *cert)
{
	return g_bytes_new(cert->derIssuer.data, cert->derIssuer.len);
}

static CERTCertList *
chain_of(CERTCertificate *cert)
{
	CERTCertList *chain = CERT_GetCertChainFromCert(cert, PR_Now(), certUsageSSLServer);

	if (chain == NULL)
		chain = CERT_GetCertChainFromCert(cert, PR_Now(), certUsageSSLClient);
	return chain;
}

GPtrArray *
crypto_certdb_ca_chain(CERTCertificate *cert, gboolean issuer_only)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	g_autoptr(CERTCertList) chain = chain_of(cert);

	if (chain == NULL)
		return out;
	for (CERTCertListNode *n = CERT_LIST_HEAD(chain); !CERT_LIST_END(n, chain);
	     n = CERT_LIST_NEXT(n)) {
		if (CERT_CompareCerts(n->cert, cert) || n->cert->isRoot)
			continue;
		g_ptr_array_add(out, crypto_certdb_cert_der(n->cert));
		if (issuer_only)
			break;
	}
	return out;
}

/* ---- CERTREQ ------------------------------------------------------------ */

void
crypto_certdb_ca_hash(CERTCertificate *ca, guint8 out[CRYPTO_CA_HASH_LEN])
{
	g_autoptr(PLArenaPool) arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	SECItem *spki = SEC_ASN1EncodeItem(arena, NULL, &ca->subjectPublicKeyInfo,
					   SEC_ASN1_GET(CERT_SubjectPublicKeyInfoTemplate));

	memset(out, 0, CRYPTO_CA_HASH_LEN);
	if (spki != NULL)
		PK11_HashBuf(SEC_OID_SHA1, out, spki->data, (PRInt32) spki->len);
}

static gboolean
trusted_ca(CERTCertificate *cert)
{
	CERTCertTrust trust;

	return CERT_GetCertTrust(cert, &trust) == SECSuccess &&
	       (trust.sslFlags & CERTDB_TRUSTED_CA) != 0;
}

/*
 * The hashes change only when the database does, but listing its CAs walks
 * every certificate, and a responder sends a CERTREQ in every IKE_SA_INIT
 * response: the answers are kept for a few seconds (a CA added with certutil
 * shows up in CERTREQ within that time; validation never uses this).
 */
#define CA_HASHES_TTL_US (10 * G_USEC_PER_SEC)

typedef struct {
	GBytes *hashes;
	gint64 made;
} CaHashes;

static GMutex ca_hashes_lock;
static GHashTable *ca_hashes_cache; /* DN (GBytes, empty = any) -> CaHashes */

static void
ca_hashes_free(CaHashes *c)
{
	g_bytes_unref(c->hashes);
	g_free(c);
}

static GBytes *
list_trusted_ca_hashes(GBytes *ca_dn)
{
	GByteArray *out = g_byte_array_new();
	g_autoptr(CERTCertList) list = NULL;
	guint8 h[CRYPTO_CA_HASH_LEN];

	if (!NSS_IsInitialized())
		return g_byte_array_free_to_bytes(out);
	list = PK11_ListCerts(PK11CertListCA, NULL);
	for (CERTCertListNode *n = list != NULL ? CERT_LIST_HEAD(list) : NULL;
	     n != NULL && !CERT_LIST_END(n, list); n = CERT_LIST_NEXT(n)) {
		if (ca_dn != NULL) {
			gsize dl;
			const guint8 *dd = g_bytes_get_data(ca_dn, &dl);

			if (!crypto_dn_match(dd, dl, n->cert->derSubject.data,
					     n->cert->derSubject.len) ||
			    !CERT_IsCACert(n->cert, NULL))
				continue;
		} else if (!trusted_ca(n->cert)) {
			continue;
		}
		crypto_certdb_ca_hash(n->cert, h);
		g_byte_array_append(out, h, sizeof(h));
	}
	return g_byte_array_free_to_bytes(out);
}

GBytes *
crypto_certdb_trusted_ca_hashes(GBytes *ca_dn)
{
	g_autoptr(GBytes) key = ca_dn != NULL ? g_bytes_ref(ca_dn) : g_bytes_new(NULL, 0);
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ca_hashes_lock);
	gint64 now = g_get_monotonic_time();
	CaHashes *c;

	if (ca_hashes_cache == NULL)
		ca_hashes_cache = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
							(GDestroyNotify) g_bytes_unref,
							(GDestroyNotify) ca_hashes_free);
	c = g_hash_table_lookup(ca_hashes_cache, key);
	if (c == NULL || now - c->made > CA_HASHES_TTL_US) {
		c = g_new0(CaHashes, 1);
		c->hashes = list_trusted_ca_hashes(ca_dn);
		c->made = now;
		g_hash_table_replace(ca_hashes_cache, g_bytes_ref(key), c);
	}
	return g_bytes_ref(c->hashes);
}

void
crypto_certdb_forget_ca_hashes(void)
{
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ca_hashes_lock);

	g_clear_pointer(&ca_hashes_cache, g_hash_table_unref);
}

gboolean
crypto_certdb_chain_matches_hashes(CERTCertificate *cert, const guint8 *hashes, gsize len)
{
	g_autoptr(CERTCertList) chain = chain_of(cert);
	guint8 h[CRYPTO_CA_HASH_LEN];

	if (chain == NULL)
		return FALSE;
	for (CERTCertListNode *n = CERT_LIST_HEAD(chain); !CERT_LIST_END(n, chain);
	     n = CERT_LIST_NEXT(n)) {
		if (CERT_CompareCerts(n->cert, cert))
			continue;
		crypto_certdb_ca_hash(n->cert, h);
		for (gsize off = 0; off + CRYPTO_CA_HASH_LEN <= len; off += CRYPTO_CA_HASH_LEN)
			if (memcmp(hashes + off, h, sizeof(h)) == 0)
				return TRUE;
	}
	return FALSE;
}

/* ---- the peer's certificate --------------------------------------------- */

static CERTCertificate *
temp_cert(GBytes *der)
{
	gsize n;
	const guint8 *d = g_bytes_get_data(der, &n);
	SECItem item = { siDERCertBuffer, (unsigned char *) d, (unsigned) n };

	return CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
}

static gboolean
chain_has_ca(CERTCertificate *ee, PRTime when, GBytes *ca_dn)
{
	gsize dl;
	const guint8 *dd = g_bytes_get_data(ca_dn, &dl);
	g_autoptr(CERTCertList) chain = CERT_GetCertChainFromCert(ee, when, certUsageSSLServer);

	if (chain == NULL)
		return FALSE;
	for (CERTCertListNode *n = CERT_LIST_HEAD(chain); !CERT_LIST_END(n, chain);
	     n = CERT_LIST_NEXT(n)) {
		if (CERT_CompareCerts(n->cert, ee))
			continue;
		if (crypto_dn_match(dd, dl, n->cert->derSubject.data, n->cert->derSubject.len))
			return TRUE;
	}
	return FALSE;
}

CERTCertificate *
crypto_certdb_verify_peer(GBytes *ee, GPtrArray *intermediates, GBytes *ca_dn, PRTime when,
			  GError **error)
{
	g_autoptr(GPtrArray) temps = g_ptr_array_new_with_free_func(
		(GDestroyNotify) CERT_DestroyCertificate);
	g_autoptr(CERTCertificate) cert = NULL;
	CERTCertDBHandle *db;
	SECCertificateUsage usages = 0;
	SECStatus rv;

	if (!crypto_nss_require(error))
		return NULL;
	db = CERT_GetDefaultCertDB();
	if (when == 0)
		when = PR_Now();
	for (guint i = 0; intermediates != NULL && i < intermediates->len; i++) {
		CERTCertificate *c = temp_cert(g_ptr_array_index(intermediates, i));

		if (c != NULL)
			g_ptr_array_add(temps, c);
	}
	cert = temp_cert(ee);
	if (cert == NULL) {
		auth_error(error, "peer certificate does not decode");
		return NULL;
	}
	/* NSS has no IKE usage: a certificate fit for signing as a TLS client
	 * (digitalSignature; clientAuth when it lists extended key usages) or
	 * server is fit for IKE signatures.  A usage complaint about the first
	 * try hides nothing; any other error of it is the one to report. */
	rv = CERT_VerifyCertificate(db, cert, PR_TRUE, certificateUsageSSLClient, when, NULL, NULL,
				    &usages);
	if (rv != SECSuccess) {
		PRErrorCode first = PORT_GetError();

		rv = CERT_VerifyCertificate(db, cert, PR_TRUE, certificateUsageSSLServer, when, NULL,
					    NULL, &usages);
		if (rv != SECSuccess) {
			g_autofree char *subject = crypto_dn_to_text(cert->derSubject.data,
								     cert->derSubject.len);

			if (first != SEC_ERROR_INADEQUATE_KEY_USAGE &&
			    first != SEC_ERROR_INADEQUATE_CERT_TYPE)
				PORT_SetError(first);
			auth_error(error, subject != NULL ? subject : "peer certificate");
			return NULL;
		}
	}
	if (ca_dn != NULL && !chain_has_ca(cert, when, ca_dn)) {
		g_autofree char *want = crypto_dn_to_text(g_bytes_get_data(ca_dn, NULL),
							  g_bytes_get_size(ca_dn));

		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
			    "peer certificate is not issued by CA '%s'", want ? want : "?");
		return NULL;
	}
	return g_steal_pointer(&cert);
}

static gboolean
san_matches(CERTCertificate *cert, CERTGeneralNameType type, const guint8 *data, gsize len)
{
	SECItem ext = { siBuffer, NULL, 0 };
	g_autoptr(PLArenaPool) arena = NULL;
	CERTGeneralName *head, *n;
	gboolean found = FALSE;

	if (CERT_FindCertExtension(cert, SEC_OID_X509_SUBJECT_ALT_NAME, &ext) != SECSuccess)
		return FALSE;
	arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	head = CERT_DecodeAltNameExtension(arena, &ext);
	n = head;
	while (n != NULL && !found) {
		const SECItem *v = &n->name.other;

		if (n->type == type && v->len == len) {
			if (type == certIPAddress)
				found = memcmp(v->data, data, len) == 0;
			else
				found = g_ascii_strncasecmp((const char *) v->data,
							    (const char *) data, len) == 0;
		}
		n = CERT_GetNextGeneralName(n);
		if (n == head)
			break;
	}
	SECITEM_FreeItem(&ext, PR_FALSE);
	return found;
}

gboolean
crypto_certdb_cert_matches_id(CERTCertificate *cert, guint8 id_type, const guint8 *data, gsize len,
			      GError **error)
{
	gboolean ok = FALSE;
	const char *what = "ID";

	switch (id_type) {
	case 9: /* ID_DER_ASN1_DN */
		ok = crypto_dn_match(data, len, cert->derSubject.data, cert->derSubject.len);
		what = "subject";
		break;
	case 2: /* ID_FQDN */
		ok = san_matches(cert, certDNSName, data, len);
		what = "subjectAltName dNSName";
		break;
	case 3: /* ID_RFC822_ADDR */
		ok = san_matches(cert, certRFC822Name, data, len);
		what = "subjectAltName rfc822Name";
		break;
	case 1: /* ID_IPV4_ADDR */
	case 5: /* ID_IPV6_ADDR */
		ok = (len == 4 || len == 16) && san_matches(cert, certIPAddress, data, len);
		what = "subjectAltName iPAddress";
		break;
	default:
		break;
	}
	if (!ok)
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH,
			    "the certificate's %s does not match the peer's ID", what);
	return ok;
}

/* ---- kept answers --------------------------------------------------------- */

/*
 * Every IKE_AUTH used to look up our certificate and key by nickname/CKAID
 * and to verify the peer's chain against the database: sqlite queries, file
 * locks and stat calls worth about a third of a certificate handshake.  The
 * answers change only when the database or the connection does, so they are
 * kept for a short time and dropped on those events.  One lock guards the
 * tables; the lookups themselves run outside it.
 */
#define CACHE_MAX 4096 /* entries per table: past it, expired ones go, else all */

struct _CryptoCred {
	CERTCertificate *cert; /* NULL: raw key */
	CryptoPrivKey *key;    /* NULL: no private key in the database */
	GBytes *der;
	GBytes *subject;
	GPtrArray *chain; /* GBytes DER of the CAs, as crypto_certdb_ca_chain() */
	GPtrArray *issuer_only;
	GBytes *chain_hashes; /* CERTREQ hashes of every CA above the cert, root too */
};

typedef struct {
	CryptoCred *cred;
	gint64 made; /* monotonic */
} KeptCred;

/* No certificate is held: a certificate NSS knows stays in its subject and
 * nickname lists while referenced, and changes which of several
 * certificates of one subject a nickname lookup returns. */
typedef struct {
	char *subject;
	CryptoPubKey *pub; /* prepared (crypto_pubkey_prepare()), or NULL */
	gint64 made;  /* real time, µs (as PRTime) */
	gint64 until; /* the certificate's notAfter */
} KeptVerified;

static GMutex cache_lock;
static GHashTable *kept_creds;    /* "nick\nckaid" -> KeptCred */
static GHashTable *kept_verified; /* SHA-256 of the inputs (GBytes) -> KeptVerified */
static CryptoCertdbCacheStats cache_stats;
static gint64 cred_ttl_us = 60 * G_USEC_PER_SEC;
static gint64 verify_ttl_us = 60 * G_USEC_PER_SEC;

static void
cred_free(CryptoCred *cred)
{
	g_clear_pointer(&cred->cert, CERT_DestroyCertificate);
	g_clear_pointer(&cred->key, crypto_privkey_unref);
	g_clear_pointer(&cred->der, g_bytes_unref);
	g_clear_pointer(&cred->subject, g_bytes_unref);
	g_clear_pointer(&cred->chain, g_ptr_array_unref);
	g_clear_pointer(&cred->issuer_only, g_ptr_array_unref);
	g_clear_pointer(&cred->chain_hashes, g_bytes_unref);
}

CryptoCred *
crypto_cred_ref(CryptoCred *cred)
{
	return g_atomic_rc_box_acquire(cred);
}

void
crypto_cred_unref(CryptoCred *cred)
{
	if (cred != NULL)
		g_atomic_rc_box_release_full(cred, (GDestroyNotify) cred_free);
}

CERTCertificate *
crypto_cred_get_cert(CryptoCred *cred)
{
	return cred->cert;
}

CryptoPrivKey *
crypto_cred_get_key(CryptoCred *cred)
{
	return cred->key;
}

GBytes *
crypto_cred_get_der(CryptoCred *cred)
{
	return cred->der;
}

GBytes *
crypto_cred_get_subject(CryptoCred *cred)
{
	return cred->subject;
}

GPtrArray *
crypto_cred_get_ca_chain(CryptoCred *cred, gboolean issuer_only)
{
	return issuer_only ? cred->issuer_only : cred->chain;
}

gboolean
crypto_cred_chain_matches_hashes(CryptoCred *cred, const guint8 *hashes, gsize len)
{
	gsize n;
	const guint8 *h = cred->chain_hashes != NULL ? g_bytes_get_data(cred->chain_hashes, &n)
						     : NULL;

	for (gsize i = 0; h != NULL && i + CRYPTO_CA_HASH_LEN <= n; i += CRYPTO_CA_HASH_LEN)
		for (gsize off = 0; off + CRYPTO_CA_HASH_LEN <= len; off += CRYPTO_CA_HASH_LEN)
			if (memcmp(hashes + off, h + i, CRYPTO_CA_HASH_LEN) == 0)
				return TRUE;
	return FALSE;
}

/* The chain parts of @cred, from the database. */
static void
cred_fill_chain(CryptoCred *cred)
{
	g_autoptr(CERTCertList) chain = chain_of(cred->cert);
	GByteArray *hashes = g_byte_array_new();
	guint8 h[CRYPTO_CA_HASH_LEN];

	cred->chain = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	cred->issuer_only = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	for (CERTCertListNode *n = chain != NULL ? CERT_LIST_HEAD(chain) : NULL;
	     n != NULL && !CERT_LIST_END(n, chain); n = CERT_LIST_NEXT(n)) {
		if (CERT_CompareCerts(n->cert, cred->cert))
			continue;
		crypto_certdb_ca_hash(n->cert, h);
		g_byte_array_append(hashes, h, sizeof(h));
		if (n->cert->isRoot)
			continue;
		g_ptr_array_add(cred->chain, crypto_certdb_cert_der(n->cert));
		if (cred->issuer_only->len == 0)
			g_ptr_array_add(cred->issuer_only, crypto_certdb_cert_der(n->cert));
	}
	cred->chain_hashes = g_byte_array_free_to_bytes(hashes);
}

/*
 * A copy of @key as a session object, else a reference to @key.  The
 * softoken keeps session objects in memory, while every use of a database
 * key (PK11_SignatureLen(), C_SignInit) reads its attributes from sqlite
 * again: with the certificate and chain kept, that was the last database
 * access of a handshake.
 */
static CryptoPrivKey *
session_key(CryptoPrivKey *key)
{
	SECKEYPrivateKey *nss = crypto_privkey_get_nss(key);
	g_autoptr(SECKEYPrivateKey) copy = NULL;
	CryptoPrivKey *out = NULL;

	if (nss->pkcs11IsTemp || nss->pkcs11Slot == NULL)
		return crypto_privkey_ref(key);
	copy = PK11_CopyTokenPrivKeyToSessionPrivKey(nss->pkcs11Slot, nss);
	if (copy != NULL)
		out = crypto_privkey_new_from_nss(copy, NULL);
	if (out == NULL || crypto_privkey_get_key_type(out) != crypto_privkey_get_key_type(key) ||
	    crypto_privkey_get_bits(out) != crypto_privkey_get_bits(key)) {
		g_clear_pointer(&out, crypto_privkey_unref);
		return crypto_privkey_ref(key);
	}
	return out;
}

/* A new credential from the database (the uncached lookups above). */
static CryptoCred *
cred_lookup(const char *nick, const char *ckaid, gboolean need_key, GError **error)
{
	g_autoptr(CryptoCred) cred = g_atomic_rc_box_new0(CryptoCred);
	g_autoptr(GError) key_error = NULL;

	if (nick != NULL) {
		cred->cert = crypto_certdb_find_cert(nick, error);
		if (cred->cert == NULL)
			return NULL;
	} else if (ckaid != NULL) {
		cred->cert = crypto_certdb_find_cert_by_ckaid(ckaid);
	} else {
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
				    "no certificate nickname or CKAID");
		return NULL;
	}
	if (cred->cert != NULL)
		cred->key = crypto_certdb_find_key_for_cert(cred->cert, &key_error);
	else
		cred->key = crypto_certdb_find_key_by_ckaid(ckaid, &key_error);
	if (cred->key == NULL && (need_key || cred->cert == NULL)) {
		g_propagate_error(error, g_steal_pointer(&key_error));
		return NULL;
	}
	if (cred->key != NULL) {
		CryptoPrivKey *db_key = cred->key;

		cred->key = session_key(db_key);
		crypto_privkey_unref(db_key);
	}
	if (cred->cert != NULL) {
		cred->der = crypto_certdb_cert_der(cred->cert);
		cred->subject = crypto_certdb_cert_subject(cred->cert);
		cred_fill_chain(cred);
	}
	return g_steal_pointer(&cred);
}

static gboolean
cred_expired(gpointer key, gpointer value, gpointer now)
{
	return *(gint64 *) now - ((KeptCred *) value)->made >= cred_ttl_us;
}

static gboolean
verified_expired(gpointer key, gpointer value, gpointer now)
{
	const KeptVerified *k = value;
	gint64 t = *(gint64 *) now;

	return t >= k->until || t - k->made >= verify_ttl_us;
}

/* Room for one more entry in @table (under cache_lock). */
static void
make_room(GHashTable *table, GHRFunc expired, gint64 now)
{
	if (g_hash_table_size(table) < CACHE_MAX)
		return;
	g_hash_table_foreach_remove(table, expired, &now);
	if (g_hash_table_size(table) >= CACHE_MAX)
		g_hash_table_remove_all(table);
}

static char *
cred_key(const char *nick, const char *ckaid)
{
	return g_strdup_printf("%s\n%s", nick != NULL ? nick : "",
			       nick == NULL && ckaid != NULL ? ckaid : "");
}

static void
kept_cred_free(KeptCred *k)
{
	crypto_cred_unref(k->cred);
	g_free(k);
}

CryptoCred *
crypto_certdb_cred_get(const char *nickname, const char *ckaid_hex, gboolean need_key,
		       GError **error)
{
	g_autofree char *key = cred_key(nickname, ckaid_hex);
	CryptoCred *cred = NULL;
	KeptCred *k;

	if (!crypto_nss_require(error))
		return NULL;
	g_mutex_lock(&cache_lock);
	k = kept_creds != NULL ? g_hash_table_lookup(kept_creds, key) : NULL;
	if (k != NULL && g_get_monotonic_time() - k->made < cred_ttl_us &&
	    (!need_key || k->cred->key != NULL)) {
		cred = crypto_cred_ref(k->cred);
		cache_stats.cred_hits++;
	} else {
		cache_stats.cred_misses++;
	}
	g_mutex_unlock(&cache_lock);
	if (cred != NULL)
		return cred;

	cred = cred_lookup(nickname, ckaid_hex, need_key, error);
	if (cred == NULL || cred_ttl_us == 0)
		return cred;
	g_mutex_lock(&cache_lock);
	if (kept_creds == NULL)
		kept_creds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						   (GDestroyNotify) kept_cred_free);
	k = g_new0(KeptCred, 1);
	k->cred = crypto_cred_ref(cred);
	k->made = g_get_monotonic_time();
	make_room(kept_creds, cred_expired, k->made);
	g_hash_table_replace(kept_creds, g_steal_pointer(&key), k);
	g_mutex_unlock(&cache_lock);
	return cred;
}

void
crypto_certdb_forget_cred(const char *nickname, const char *ckaid_hex)
{
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache_lock);

	if (kept_creds == NULL)
		return;
	if (nickname != NULL) {
		g_autofree char *key = cred_key(nickname, NULL);

		g_hash_table_remove(kept_creds, key);
	}
	if (ckaid_hex != NULL) {
		g_autofree char *key = cred_key(NULL, ckaid_hex);

		g_hash_table_remove(kept_creds, key);
	}
}

static void
kept_verified_free(KeptVerified *k)
{
	g_free(k->subject);
	g_clear_pointer(&k->pub, crypto_pubkey_unref);
	g_free(k);
}

static void
checksum_bytes(GChecksum *sum, GBytes *b)
{
	gsize n = b != NULL ? g_bytes_get_size(b) : 0;
	guint8 len[4] = { (guint8) (n >> 24), (guint8) (n >> 16), (guint8) (n >> 8), (guint8) n };

	g_checksum_update(sum, len, sizeof(len));
	if (n > 0)
		g_checksum_update(sum, g_bytes_get_data(b, NULL), n);
}

/* SHA-256 of what the verification depends on besides the database and
 * the clock: the end-entity, the intermediates in order, the CA wanted. */
static GBytes *
verified_key(GBytes *ee, GPtrArray *intermediates, GBytes *ca_dn)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint n = intermediates != NULL ? intermediates->len : 0;
	guint8 count[2] = { ca_dn != NULL, (guint8) MIN(n, 255u) };
	guint8 digest[32];
	gsize len = sizeof(digest);

	g_checksum_update(sum, count, sizeof(count));
	checksum_bytes(sum, ca_dn);
	checksum_bytes(sum, ee);
	for (guint i = 0; i < n; i++)
		checksum_bytes(sum, g_ptr_array_index(intermediates, i));
	g_checksum_get_digest(sum, digest, &len);
	return g_bytes_new(digest, len);
}

CERTCertificate *
crypto_certdb_verify_peer_cached(GBytes *ee, GPtrArray *intermediates, GBytes *ca_dn,
				 char **subject, CryptoPubKey **pub, GError **error)
{
	g_autoptr(GBytes) key = NULL;
	g_autoptr(CERTCertificate) cert = NULL;
	g_autoptr(CryptoPubKey) pk = NULL;
	g_autofree char *text = NULL;
	gint64 now = g_get_real_time();
	PRTime not_before = 0, not_after = 0;
	gboolean hit = FALSE;
	KeptVerified *k;

	if (!crypto_nss_require(error))
		return NULL;
	key = verified_key(ee, intermediates, ca_dn);
	g_mutex_lock(&cache_lock);
	k = kept_verified != NULL ? g_hash_table_lookup(kept_verified, key) : NULL;
	if (k != NULL && now < k->until && now - k->made < verify_ttl_us) {
		text = g_strdup(k->subject);
		pk = k->pub != NULL ? crypto_pubkey_ref(k->pub) : NULL;
		hit = TRUE;
		cache_stats.verify_hits++;
	} else {
		cache_stats.verify_misses++;
	}
	g_mutex_unlock(&cache_lock);
	if (hit) {
		/* decoded on its own, outside NSS's certificate cache and the
		 * database: the chain is known good */
		gsize n;
		const guint8 *d = g_bytes_get_data(ee, &n);
		SECItem item = { siDERCertBuffer, (unsigned char *) d, (unsigned) n };

		cert = __CERT_DecodeDERCertificate(&item, PR_TRUE, NULL);
	}

	if (cert == NULL) {
		g_clear_pointer(&text, g_free);
		g_clear_pointer(&pk, crypto_pubkey_unref);
		cert = crypto_certdb_verify_peer(ee, intermediates, ca_dn, (PRTime) now, error);
		if (cert == NULL)
			return NULL;
		text = crypto_dn_to_text(cert->derSubject.data, cert->derSubject.len);
		/* shared only once imported: see crypto_pubkey_prepare() */
		pk = crypto_pubkey_new_from_cert(cert, NULL);
		if (pk != NULL && !crypto_pubkey_prepare(pk))
			g_clear_pointer(&pk, crypto_pubkey_unref);
		if (verify_ttl_us > 0 &&
		    CERT_GetCertTimes(cert, &not_before, &not_after) == SECSuccess) {
			g_mutex_lock(&cache_lock);
			if (kept_verified == NULL)
				kept_verified = g_hash_table_new_full(
					g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
					(GDestroyNotify) kept_verified_free);
			make_room(kept_verified, verified_expired, now);
			k = g_new0(KeptVerified, 1);
			k->subject = g_strdup(text);
			k->pub = pk != NULL ? crypto_pubkey_ref(pk) : NULL;
			k->made = now;
			k->until = (gint64) not_after;
			g_hash_table_replace(kept_verified, g_steal_pointer(&key), k);
			g_mutex_unlock(&cache_lock);
		}
	}
	if (subject != NULL)
		*subject = g_steal_pointer(&text);
	if (pub != NULL)
		*pub = g_steal_pointer(&pk);
	return g_steal_pointer(&cert);
}

void
crypto_certdb_forget_caches(void)
{
	g_mutex_lock(&cache_lock);
	g_clear_pointer(&kept_creds, g_hash_table_unref);
	g_clear_pointer(&kept_verified, g_hash_table_unref);
	g_mutex_unlock(&cache_lock);
	crypto_certdb_forget_ca_hashes();
}

void
crypto_certdb_cache_stats(CryptoCertdbCacheStats *out)
{
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache_lock);

	*out = cache_stats;
}

void
crypto_certdb_cache_set_ttl(guint cred_seconds, guint verify_seconds)
{
	G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache_lock);

	cred_ttl_us = (gint64) cred_seconds * G_USEC_PER_SEC;
	verify_ttl_us = (gint64) verify_seconds * G_USEC_PER_SEC;
}

/* ---- raw RSA keys --------------------------------------------------------- */

CryptoPubKey *
crypto_pubkey_new_from_rfc3110(const char *text, GError **error)
{
	g_autofree guint8 *raw = NULL;
	gsize len = 0, elen, off;
	g_autoptr(PLArenaPool) arena = NULL;
	SECKEYPublicKey *pk;
	CryptoPubKey *out;

	if (!crypto_nss_require(error))
		return NULL;
	if (text != NULL && g_str_has_prefix(text, "0s")) {
		raw = g_base64_decode(text + 2, &len);
	} else if (text != NULL && (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X"))) {
		raw = hex_decode(text + 2, &len);
	}
	if (raw == NULL || len < 3)
		goto bad;
	if (raw[0] != 0) {
		elen = raw[0];
		off = 1;
	} else {
		elen = (gsize) raw[1] << 8 | raw[2];
		off = 3;
	}
	/* RFC 3110 §2: exponent, then a modulus of at least 512 bits */
	if (elen == 0 || elen > 16 || off + elen + 64 > len)
		goto bad;
	arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	pk = PORT_ArenaZNew(arena, SECKEYPublicKey);
	pk->arena = NULL; /* the arena is ours, freed below */
	pk->keyType = rsaKey;
	pk->pkcs11ID = CK_INVALID_HANDLE;
	pk->u.rsa.publicExponent = (SECItem){ siUnsignedInteger, raw + off, (unsigned) elen };
	pk->u.rsa.modulus = (SECItem){ siUnsignedInteger, raw + off + elen,
				       (unsigned) (len - off - elen) };
	out = crypto_pubkey_new_from_nss(pk, error);
	return out;
bad:
	g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "pubkeyrsa: not \"0s\" + base64 or \"0x\" + hex of an RFC 3110 RSA key");
	return NULL;
}

/* ---- distinguished names -------------------------------------------------- */

static void
reverse_rdns(CERTName *name)
{
	guint n = 0;

	while (name->rdns != NULL && name->rdns[n] != NULL)
		n++;
	for (guint i = 0; i < n / 2; i++) {
		CERTRDN *t = name->rdns[i];

		name->rdns[i] = name->rdns[n - 1 - i];
		name->rdns[n - 1 - i] = t;
	}
}

/* Owned CERTName decoded from @der (its own arena), or NULL. */
static CERTName *
name_decode(const guint8 *der, gsize len)
{
	PLArenaPool *arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	CERTName *name = PORT_ArenaZNew(arena, CERTName);
	SECItem copy = { siBuffer, NULL, 0 };
	SECItem in = { siBuffer, (unsigned char *) der, (unsigned) len };

	name->arena = arena;
	if (len == 0 || SECITEM_CopyItem(arena, &copy, &in) != SECSuccess ||
	    SEC_QuickDERDecodeItem(arena, name, SEC_ASN1_GET(CERT_NameTemplate), &copy) !=
		    SECSuccess) {
		PORT_FreeArena(arena, PR_FALSE);
		return NULL;
	}
	return name;
}

static GBytes *
name_encode(CERTName *name)
{
	g_autoptr(PLArenaPool) arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	SECItem *der = SEC_ASN1EncodeItem(arena, NULL, name, SEC_ASN1_GET(CERT_NameTemplate));

	return der != NULL ? g_bytes_new(der->data, der->len) : NULL;
}

GBytes *
crypto_dn_from_text(const char *text, GError **error)
{
	g_autoptr(CERTName) name = NULL;
	GBytes *der;

	if (!crypto_nss_require(error))
		return NULL;
	name = CERT_AsciiToName(text);
	if (name == NULL) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "\"%s\" is not a distinguished name", text);
		return NULL;
	}
	/* NSS reads RFC 4514 (LDAP) text, last RDN outermost; we read the
	 * order written */
	reverse_rdns(name);
	der = name_encode(name);
	if (der == NULL)
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			    "\"%s\": cannot encode the distinguished name", text);
	return der;
}

char *
crypto_dn_to_text(const guint8 *der, gsize len)
{
	g_autoptr(CERTName) name = NULL;
	char *nss;
	char *out;

	if (!NSS_IsInitialized())
		return NULL;
	name = name_decode(der, len);
	if (name == NULL)
		return NULL;
	reverse_rdns(name);
	nss = CERT_NameToAscii(name);
	if (nss == NULL)
		return NULL;
	out = g_strdup(nss);
	PORT_Free(nss);
	return out;
}

gboolean
crypto_dn_match(const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
	g_autoptr(CERTName) na = NULL;
	g_autoptr(CERTName) nb = NULL;

	if (a_len == b_len && a_len > 0 && memcmp(a, b, a_len) == 0)
		return TRUE;
	if (!NSS_IsInitialized())
		return FALSE;
	na = name_decode(a, a_len);
	nb = name_decode(b, b_len);
	if (na == NULL || nb == NULL)
		return FALSE;
	if (CERT_CompareName(na, nb) == SECEqual)
		return TRUE;
	reverse_rdns(na);
	return CERT_CompareName(na, nb) == SECEqual;
}

/* ---- import ---------------------------------------------------------------- */

/* The internal key slot, initialised with an empty password when the
 * database is new (certutil -N --empty-password does the same). */
static PK11SlotInfo *
writable_slot(void)
{
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();

	if (slot != NULL && PK11_NeedUserInit(slot))
		PK11_InitPin(slot, NULL, "");
	if (slot != NULL && PK11_NeedLogin(slot))
		PK11_Authenticate(slot, PR_TRUE, NULL);
	return slot;
}

gboolean
crypto_certdb_import_cert(const guint8 *der, gsize len, const char *nickname, gboolean trusted_ca,
			  GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new(der, len);
	g_autoptr(CERTCertificate) cert = NULL;
	g_autoptr(PK11SlotInfo) slot = NULL;
	CERTCertTrust trust;

	if (!crypto_nss_require(error))
		return FALSE;
	cert = temp_cert(bytes);
	if (cert == NULL)
		return crypto_set_nss_error(error, "certificate does not decode");
	slot = writable_slot();
	if (PK11_ImportCert(slot, cert, CK_INVALID_HANDLE, nickname, PR_FALSE) != SECSuccess)
		return crypto_set_nss_error(error, "certificate import");
	if (trusted_ca) {
		CERT_DecodeTrustString(&trust, "CT,,");
		if (CERT_ChangeCertTrust(CERT_GetDefaultCertDB(), cert, &trust) != SECSuccess)
			return crypto_set_nss_error(error, "certificate trust");
	}
	return TRUE;
}

gboolean
crypto_certdb_import_key(const guint8 *pkcs8, gsize len, const guint8 *spki, gsize spki_len,
			 const char *nickname, GError **error)
{
	SECItem spki_item = { siBuffer, (unsigned char *) spki, (unsigned) spki_len };
	SECItem der = { siBuffer, (unsigned char *) pkcs8, (unsigned) len };
	SECItem nick = { siUTF8String, (unsigned char *) nickname,
			 nickname != NULL ? (unsigned) strlen(nickname) : 0 };
	g_autoptr(CERTSubjectPublicKeyInfo) info = NULL;
	g_autoptr(SECKEYPublicKey) pub = NULL;
	g_autoptr(PK11SlotInfo) slot = NULL;
	SECKEYPrivateKey *priv = NULL;
	SECItem *public_value;

	if (!crypto_nss_require(error))
		return FALSE;
	info = SECKEY_DecodeDERSubjectPublicKeyInfo(&spki_item);
	pub = info != NULL ? SECKEY_ExtractPublicKey(info) : NULL;
	if (pub == NULL)
		return crypto_set_nss_error(error, "public key does not decode");
	switch (SECKEY_GetPublicKeyType(pub)) {
	case rsaKey:
		public_value = &pub->u.rsa.modulus;
		break;
	case ecKey:
		public_value = &pub->u.ec.publicValue;
		break;
	case nullKey:
	case dsaKey:
	case fortezzaKey:
	case dhKey:
	case keaKey:
	case rsaPssKey:
	case rsaOaepKey:
	default:
		g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED,
				    "only RSA and EC keys can be imported");
		return FALSE;
	}
	slot = writable_slot();
	if (PK11_ImportDERPrivateKeyInfoAndReturnKey(slot, &der, nickname != NULL ? &nick : NULL,
						     public_value, PR_TRUE, PR_TRUE, KU_ALL, &priv,
						     NULL) != SECSuccess)
		return crypto_set_nss_error(error, "private key import");
	SECKEY_DestroyPrivateKey(priv);
	return TRUE;
}
