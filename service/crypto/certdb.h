/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NSS certificate database as IKE uses it (RFC 7296 §3.6, §3.7, §2.15):
 *
 *   our credentials   a certificate by nickname (--cert) or a key by CKAID
 *                     (--ckaid: hex of the key's CKA_ID, the SHA-1 of the
 *                     RSA modulus or EC point, as pk12util and certutil set
 *                     it), with the certificate of that key when there is one
 *   the peer's        an end-entity certificate from a CERT payload, checked
 *                     against the database's trusted CAs with the
 *                     intermediates the peer sent, then against its ID (the
 *                     subject DN, or a subjectAltName dNSName / rfc822Name /
 *                     iPAddress)
 *   CERTREQ           SHA-1 of a CA's SubjectPublicKeyInfo (§3.7); the hashes
 *                     of the CAs we trust, and whether our chain has a CA a
 *                     peer asked for
 *   raw RSA keys      pluto's RFC 3110 text ("0s" base64, "0x" hex) of
 *                     --pubkeyrsa into a CryptoPubKey
 *   DNs               text <-> DER for ID_DER_ASN1_DN.  Text is read in the
 *                     order written, as pluto and strongSwan write DNs
 *                     ("C=CH, O=Example, CN=host": first RDN outermost);
 *                     matching also accepts the reversed (LDAP) order.
 *
 * Thread: any once NSS is up; lookups and verification may block on the
 * database, so the engine calls them on its worker pool.  Certificates
 * returned are references the caller destroys (CERT_DestroyCertificate).
 * Errors: CRYPTO_ERROR — FAILED (NSS error name in the message), INVALID
 * (bad input), AUTH (a certificate or ID that does not check out).
 */
#pragma once

#include <glib.h>
#include <cert.h>
#include <prtime.h>

#include "nss-auto.h"
#include "sign.h"

G_BEGIN_DECLS

#define CRYPTO_CA_HASH_LEN 20 /* SHA-1, RFC 7296 §3.7 */

/* Opens the NSS database in @dir (read-write; see crypto_nss_init_db()). */
gboolean crypto_certdb_open(const char *dir, GError **error);

/* ---- our credentials --------------------------------------------------- */

/* Owned certificate of @nickname ("token:name" works too), or NULL + FAILED. */
CERTCertificate *crypto_certdb_find_cert(const char *nickname, GError **error);
/* Owned private key that goes with @cert, or NULL + FAILED. */
CryptoPrivKey *crypto_certdb_find_key_for_cert(CERTCertificate *cert, GError **error);
/* Owned private key whose CKA_ID is @ckaid_hex, or NULL + FAILED/INVALID. */
CryptoPrivKey *crypto_certdb_find_key_by_ckaid(const char *ckaid_hex, GError **error);
/* Owned certificate of the key with CKA_ID @ckaid_hex, or NULL (no error:
 * a raw key has none). */
CERTCertificate *crypto_certdb_find_cert_by_ckaid(const char *ckaid_hex);
/* Owned lower-case hex CKA_ID of @cert's key, or NULL. */
char *crypto_certdb_cert_ckaid(CERTCertificate *cert);

/* Owned DER of @cert. */
GBytes *crypto_certdb_cert_der(CERTCertificate *cert);
/* Owned array of GBytes: the DER of the CAs above @cert up to, but without,
 * a self-signed root; with @issuer_only just the first.  Empty when @cert
 * is issued by a root directly or no chain is found. */
GPtrArray *crypto_certdb_ca_chain(CERTCertificate *cert, gboolean issuer_only);

/* ---- our credentials, resolved once -------------------------------------- */

/*
 * What signing for one end needs, looked up once: the certificate (by
 * nickname, else by CKAID; NULL for a raw key), its private key (NULL when
 * the database has none), its DER, subject, CA chain and the CERTREQ hashes
 * of that chain.  Immutable once made, reference-counted (atomically), so
 * the engine thread and the worker pool share it; the NSS objects in it are
 * safe to use from several threads at once.
 */
typedef struct _CryptoCred CryptoCred;

/*
 * Owned credential of @nickname (else @ckaid_hex), from a process-wide cache
 * (keyed by both) that keeps an answer for up to 60 s, until
 * crypto_certdb_forget_cred() / crypto_certdb_forget_caches().  With
 * @need_key a private key is required: without one, NULL + FAILED.  NULL +
 * FAILED/INVALID when neither names anything; failures are not kept.
 * Thread: any.
 */
CryptoCred *crypto_certdb_cred_get(const char *nickname, const char *ckaid_hex,
				   gboolean need_key, GError **error);
CryptoCred *crypto_cred_ref(CryptoCred *cred);
void crypto_cred_unref(CryptoCred *cred);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoCred, crypto_cred_unref)
/* Borrowed; NULL for a raw key (CKAID without a certificate). */
CERTCertificate *crypto_cred_get_cert(CryptoCred *cred);
/* Borrowed; NULL when the database has no key for it. */
CryptoPrivKey *crypto_cred_get_key(CryptoCred *cred);
/* Borrowed DER of the certificate / its subject; NULL without one. */
GBytes *crypto_cred_get_der(CryptoCred *cred);
GBytes *crypto_cred_get_subject(CryptoCred *cred);
/* Borrowed array of GBytes, as crypto_certdb_ca_chain() gives it. */
GPtrArray *crypto_cred_get_ca_chain(CryptoCred *cred, gboolean issuer_only);
/* crypto_certdb_chain_matches_hashes() for the credential's certificate. */
gboolean crypto_cred_chain_matches_hashes(CryptoCred *cred, const guint8 *hashes, gsize len);

/* Drops the kept credential of @nickname / @ckaid_hex (either may be NULL):
 * a connection naming it was added, replaced or deleted. */
void crypto_certdb_forget_cred(const char *nickname, const char *ckaid_hex);

/* ---- CERTREQ (RFC 7296 §3.7) ------------------------------------------ */

/* SHA-1 of @ca's DER SubjectPublicKeyInfo. */
void crypto_certdb_ca_hash(CERTCertificate *ca, guint8 out[CRYPTO_CA_HASH_LEN]);
/* Owned concatenated hashes: of the CA with subject DN @ca_dn (DER) if
 * given, else of every CA the database trusts for TLS peers (trust "C").
 * Empty when there is none.  Answers are reused for up to 10 s. */
GBytes *crypto_certdb_trusted_ca_hashes(GBytes *ca_dn);
/* Drops the reused answers (the database changed, or it is being closed). */
void crypto_certdb_forget_ca_hashes(void);
/* TRUE if a CA of @cert's chain (issuers up to the root) has one of the
 * hashes in @hashes (concatenated, @len a multiple of 20). */
gboolean crypto_certdb_chain_matches_hashes(CERTCertificate *cert, const guint8 *hashes,
					    gsize len);

/* ---- the peer's certificate -------------------------------------------- */

/*
 * Owned end-entity certificate @ee (DER) if it chains to a CA the database
 * trusts, using the DER certificates in @intermediates (GBytes, may be NULL)
 * as untrusted candidates, valid at @when (0 = now).  With @ca_dn (DER) the
 * chain must also contain that CA.  Else NULL and AUTH saying why
 * ("SEC_ERROR_UNKNOWN_ISSUER", "SEC_ERROR_EXPIRED_CERTIFICATE", ...).
 */
CERTCertificate *crypto_certdb_verify_peer(GBytes *ee, GPtrArray *intermediates, GBytes *ca_dn,
					   PRTime when, GError **error);
/*
 * crypto_certdb_verify_peer() at the current time, with the answer kept: a
 * chain that verified is verified again without the database for up to 60 s
 * (never past the end-entity certificate's notAfter) when the same
 * end-entity DER comes with the same intermediates and the same @ca_dn.
 * Failures are not kept, so a CA removed from the database or distrusted is
 * refused within that time, or at once after crypto_certdb_forget_caches().
 * The signature over AUTH is the caller's, per handshake.  With @subject
 * also the certificate's subject as text (owned, crypto_dn_to_text()); with
 * @pub its public key (owned reference, or NULL: make one from the
 * certificate), prepared (crypto_pubkey_prepare()) and shared by the
 * handshakes that present this certificate.  Thread: any.
 */
CERTCertificate *crypto_certdb_verify_peer_cached(GBytes *ee, GPtrArray *intermediates,
						  GBytes *ca_dn, char **subject, CryptoPubKey **pub,
						  GError **error);

/* ---- the caches ----------------------------------------------------------- */

/* Drops every kept answer: credentials, verified chains, CERTREQ hashes
 * (the database changed: --rereadcerts / Reread, or it is being closed). */
void crypto_certdb_forget_caches(void);

typedef struct {
	guint64 cred_hits, cred_misses;
	guint64 verify_hits, verify_misses;
} CryptoCertdbCacheStats;

/* Counters since start (tests, debugging). */
void crypto_certdb_cache_stats(CryptoCertdbCacheStats *out);
/* How long answers are kept, in seconds (tests; 0 = not at all).  The
 * defaults are 60 s for both. */
void crypto_certdb_cache_set_ttl(guint cred_seconds, guint verify_seconds);

/*
 * TRUE if @cert certifies the IKE identity (@id_type, @data): subject DN for
 * ID_DER_ASN1_DN (9), subjectAltName dNSName for ID_FQDN (2, case-blind),
 * rfc822Name for ID_RFC822_ADDR (3), iPAddress for ID_IPV4_ADDR (1) and
 * ID_IPV6_ADDR (5).  Else FALSE with AUTH.
 */
gboolean crypto_certdb_cert_matches_id(CERTCertificate *cert, guint8 id_type, const guint8 *data,
				       gsize len, GError **error);
/* Owned DER of @cert's subject / issuer. */
GBytes *crypto_certdb_cert_subject(CERTCertificate *cert);
GBytes *crypto_certdb_cert_issuer(CERTCertificate *cert);

/* ---- raw RSA keys ------------------------------------------------------ */

/* Owned RSA public key from pluto's --pubkeyrsa text: "0s" + base64 or
 * "0x" + hex of an RFC 3110 key (exponent length, exponent, modulus). */
CryptoPubKey *crypto_pubkey_new_from_rfc3110(const char *text, GError **error);

/* ---- distinguished names ----------------------------------------------- */

/* Owned DER Name from text such as "C=CH, O=Example, CN=host" (RDNs in the
 * order written); INVALID when NSS cannot parse it. */
GBytes *crypto_dn_from_text(const char *text, GError **error);
/* Owned text of a DER Name in the same order ("O=Example, CN=host"), or
 * NULL when @der is not a Name. */
char *crypto_dn_to_text(const guint8 *der, gsize len);
/* TRUE if the two DER Names are equal (NSS's comparison: case-blind where
 * X.520 says so), directly or with @a's RDNs reversed. */
gboolean crypto_dn_match(const guint8 *a, gsize a_len, const guint8 *b, gsize b_len);

/* ---- import (tests and tools) ------------------------------------------ */

/* Imports the DER certificate @der into the database as @nickname; with
 * @trusted_ca it becomes a trust anchor for TLS peers ("CT,,"). */
gboolean crypto_certdb_import_cert(const guint8 *der, gsize len, const char *nickname,
				   gboolean trusted_ca, GError **error);
/* Imports an unencrypted PKCS#8 private key whose public half is the DER
 * SubjectPublicKeyInfo @spki (its CKA_ID is derived from it, so that a
 * certificate of the same key finds it). */
gboolean crypto_certdb_import_key(const guint8 *pkcs8, gsize len, const guint8 *spki,
				  gsize spki_len, const char *nickname, GError **error);

G_END_DECLS
