/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * certdb.c against a fresh NSS database in a temporary directory, filled
 * from tests/unit/crypto/data/certdb (made by generate.sh there): lookups by
 * nickname and CKAID, chain verification (good, intermediate, untrusted CA,
 * expired, required CA), IDs against the certificate, CERTREQ hashes, RFC
 * 3110 keys and DN text; the kept credentials and verified chains (reused
 * until forgotten or expired, failures never kept).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <pk11pub.h>
#include <string.h>

#include "certdb.h"
#include "crypto-test-util.h"
#include "nss-init.h"

static char *datadir;

static GBytes *
load(const char *name)
{
	g_autofree char *path = g_build_filename(datadir, name, NULL);
	g_autoptr(GError) error = NULL;
	char *data = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	return g_bytes_new_take(data, len);
}

static char *
load_text(const char *name)
{
	g_autoptr(GBytes) b = load(name);
	char *s = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));

	return g_strstrip(s);
}

static void
import_cert(const char *file, const char *nick, gboolean ca)
{
	g_autoptr(GBytes) der = load(file);
	g_autoptr(GError) error = NULL;

	crypto_certdb_import_cert(g_bytes_get_data(der, NULL), g_bytes_get_size(der), nick, ca,
				  &error);
	g_assert_no_error(error);
}

static void
import_key(const char *base)
{
	g_autofree char *p8n = g_strconcat(base, ".p8.der", NULL);
	g_autofree char *spkin = g_strconcat(base, ".spki.der", NULL);
	g_autoptr(GBytes) p8 = load(p8n);
	g_autoptr(GBytes) spki = load(spkin);
	g_autoptr(GError) error = NULL;

	crypto_certdb_import_key(g_bytes_get_data(p8, NULL), g_bytes_get_size(p8),
				 g_bytes_get_data(spki, NULL), g_bytes_get_size(spki), base, &error);
	g_assert_no_error(error);
}

static void
test_lookup(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CERTCertificate) cert = crypto_certdb_find_cert("west-rsa", &error);
	g_autoptr(CryptoPrivKey) key = NULL;
	g_autoptr(CryptoPrivKey) raw = NULL;
	g_autoptr(CERTCertificate) by_id = NULL;
	g_autofree char *ckaid = load_text("west-rsa.ckaid");
	g_autofree char *raw_id = load_text("west-raw.ckaid");
	g_autofree char *ec_id = load_text("east-ec.ckaid");
	g_autofree char *got = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(cert);
	got = crypto_certdb_cert_ckaid(cert);
	g_assert_cmpstr(got, ==, ckaid);
	key = crypto_certdb_find_key_for_cert(cert, &error);
	g_assert_no_error(error);
	g_assert_cmpint(crypto_privkey_get_key_type(key), ==, CRYPTO_KEY_RSA);
	by_id = crypto_certdb_find_cert_by_ckaid(ckaid);
	g_assert_nonnull(by_id);
	g_assert_true(CERT_CompareCerts(by_id, cert));
	g_clear_pointer(&by_id, CERT_DestroyCertificate);
	/* EC: the CKA_ID is the SHA-1 of the point */
	by_id = crypto_certdb_find_cert_by_ckaid(ec_id);
	g_assert_nonnull(by_id);
	g_clear_pointer(&key, crypto_privkey_unref);
	key = crypto_certdb_find_key_by_ckaid(ec_id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(crypto_privkey_get_key_type(key), ==, CRYPTO_KEY_EC);
	/* a raw key: found by CKAID, no certificate */
	raw = crypto_certdb_find_key_by_ckaid(raw_id, &error);
	g_assert_no_error(error);
	g_assert_nonnull(raw);
	g_assert_null(crypto_certdb_find_cert_by_ckaid(raw_id));
	/* misses */
	g_assert_null(crypto_certdb_find_cert("no-such-cert", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_null(crypto_certdb_find_key_by_ckaid("00112233", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_null(crypto_certdb_find_key_by_ckaid("0g", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

/* What a peer sends and what we ask of it: its certificate @file, the
 * intermediate @inter (or none), the CA's DN @ca_dn (or any CA). */
typedef struct {
	GBytes *ee;
	GPtrArray *chain;
	GBytes *dn;
} PeerInput;

static void
peer_input_init(PeerInput *in, const char *file, const char *inter, const char *ca_dn)
{
	in->ee = load(file);
	in->chain = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	if (inter != NULL)
		g_ptr_array_add(in->chain, load(inter));
	in->dn = ca_dn != NULL ? crypto_dn_from_text(ca_dn, NULL) : NULL;
}

static void
peer_input_clear(PeerInput *in)
{
	g_clear_pointer(&in->ee, g_bytes_unref);
	g_clear_pointer(&in->chain, g_ptr_array_unref);
	g_clear_pointer(&in->dn, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PeerInput, peer_input_clear)

static CERTCertificate *
verify(const char *file, const char *inter, const char *ca_dn, PRTime when, GError **error)
{
	g_auto(PeerInput) in = { 0 };

	peer_input_init(&in, file, inter, ca_dn);
	return crypto_certdb_verify_peer(in.ee, in.chain, in.dn, when, error);
}

static void
test_verify(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CERTCertificate) c = NULL;
	PRTime later = PR_Now() + (PRTime) 200 * 365 * 24 * 3600 * PR_USEC_PER_SEC;

	/* the root issued it directly */
	c = verify("east-rsa.der", NULL, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	/* through an intermediate the peer sent */
	c = verify("east-ec.der", "inter.der", NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	/* a required CA: the root, the intermediate, another one */
	c = verify("east-ec.der", "inter.der", "O=Test, CN=Test CA", 0, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	c = verify("east-ec.der", "inter.der", "O=Test, CN=Test Intermediate", 0, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	c = verify("east-rsa.der", NULL, "O=Other, CN=Other CA", 0, &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_assert_null(c);
	g_clear_error(&error);
	/* an untrusted root */
	c = verify("rogue.der", "other-ca.der", NULL, 0, &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "ISSUER"));
	g_assert_null(c);
	g_clear_error(&error);
	/* expired (checked two centuries on) */
	c = verify("east-rsa.der", NULL, NULL, later, &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "EXPIRED"));
	g_clear_error(&error);
	/* garbage */
	{
		g_autoptr(GBytes) junk = g_bytes_new_static("junk", 4);

		g_assert_null(crypto_certdb_verify_peer(junk, NULL, NULL, 0, &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	}
}

static void
test_id(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CERTCertificate) c = crypto_certdb_find_cert("west-rsa", &error);
	g_autoptr(GBytes) dn = crypto_dn_from_text("O=Test, CN=west.example", &error);
	g_autoptr(GBytes) ldap = crypto_dn_from_text("CN=west.example, O=Test", &error);
	g_autoptr(GBytes) wrong = crypto_dn_from_text("O=Test, CN=east.example", &error);
	const guint8 ip[4] = { 192, 0, 2, 1 }, ip2[4] = { 192, 0, 2, 2 };

	g_assert_no_error(error);
#define MATCH(t, d, l) crypto_certdb_cert_matches_id(c, t, (const guint8 *) (d), l, NULL)
	g_assert_true(MATCH(9, g_bytes_get_data(dn, NULL), g_bytes_get_size(dn)));
	/* the same DN in LDAP order */
	g_assert_true(MATCH(9, g_bytes_get_data(ldap, NULL), g_bytes_get_size(ldap)));
	g_assert_false(MATCH(9, g_bytes_get_data(wrong, NULL), g_bytes_get_size(wrong)));
	g_assert_true(MATCH(2, "west.example", 12));
	g_assert_true(MATCH(2, "WEST.example", 12));
	g_assert_false(MATCH(2, "east.example", 12));
	g_assert_false(MATCH(2, "west.exampl", 11));
	g_assert_true(MATCH(3, "west@example.org", 16));
	g_assert_false(MATCH(3, "east@example.org", 16));
	g_assert_true(MATCH(1, ip, 4));
	g_assert_false(MATCH(1, ip2, 4));
	g_assert_false(MATCH(11, "west", 4));
#undef MATCH
	g_assert_false(crypto_certdb_cert_matches_id(c, 2, (const guint8 *) "x.example", 9, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
}

static void
test_certreq(void)
{
	g_autofree char *want_hex = load_text("ca.spki.sha1");
	g_autofree char *inter_hex = load_text("inter.spki.sha1");
	g_autofree char *other_hex = load_text("other-ca.spki.sha1");
	g_autofree guint8 *want = NULL, *inter = NULL, *other = NULL;
	gsize wl, il, ol;
	guint8 h[CRYPTO_CA_HASH_LEN];
	g_autoptr(CERTCertificate) ca = crypto_certdb_find_cert("test-ca", NULL);
	g_autoptr(CERTCertificate) west = crypto_certdb_find_cert("west-rsa", NULL);
	g_autoptr(CERTCertificate) east = crypto_certdb_find_cert("east-ec", NULL);
	g_autoptr(GBytes) all = crypto_certdb_trusted_ca_hashes(NULL);
	g_autoptr(GBytes) dn = crypto_dn_from_text("O=Test, CN=Test CA", NULL);
	g_autoptr(GBytes) one = crypto_certdb_trusted_ca_hashes(dn);
	g_autoptr(GPtrArray) chain = NULL;

	want = unhex(want_hex, &wl);
	inter = unhex(inter_hex, &il);
	other = unhex(other_hex, &ol);
	g_assert_nonnull(ca);
	crypto_certdb_ca_hash(ca, h);
	g_assert_cmpmem(h, sizeof(h), want, wl);
	/* only the trusted root: the intermediate and the other CA are not anchors */
	g_assert_cmpmem(g_bytes_get_data(all, NULL), g_bytes_get_size(all), want, wl);
	g_assert_cmpmem(g_bytes_get_data(one, NULL), g_bytes_get_size(one), want, wl);
	g_assert_true(crypto_certdb_chain_matches_hashes(west, want, wl));
	g_assert_false(crypto_certdb_chain_matches_hashes(west, other, ol));
	/* east-ec's chain: the intermediate (in the db) and the root */
	g_assert_true(crypto_certdb_chain_matches_hashes(east, inter, il));
	g_assert_true(crypto_certdb_chain_matches_hashes(east, want, wl));
	chain = crypto_certdb_ca_chain(east, FALSE);
	g_assert_cmpuint(chain->len, ==, 1); /* the intermediate, not the root */
	g_clear_pointer(&chain, g_ptr_array_unref);
	chain = crypto_certdb_ca_chain(west, FALSE);
	g_assert_cmpuint(chain->len, ==, 0);
	g_clear_pointer(&all, g_bytes_unref);

	/* a CA trusted later: the answer is reused until it is forgotten */
	import_cert("other-ca.der", "test-other-ca", TRUE);
	all = crypto_certdb_trusted_ca_hashes(NULL);
	g_assert_cmpmem(g_bytes_get_data(all, NULL), g_bytes_get_size(all), want, wl);
	g_clear_pointer(&all, g_bytes_unref);
	crypto_certdb_forget_ca_hashes();
	all = crypto_certdb_trusted_ca_hashes(NULL);
	g_assert_cmpuint(g_bytes_get_size(all), ==, 2 * CRYPTO_CA_HASH_LEN);
	g_assert_nonnull(memmem(g_bytes_get_data(all, NULL), g_bytes_get_size(all), other, ol));
	g_assert_nonnull(memmem(g_bytes_get_data(all, NULL), g_bytes_get_size(all), want, wl));
}

static CryptoCertdbCacheStats
stats(void)
{
	CryptoCertdbCacheStats st;

	crypto_certdb_cache_stats(&st);
	return st;
}

static void
test_cred_cache(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoCred) a = NULL;
	g_autoptr(CryptoCred) b = NULL;
	g_autoptr(CryptoCred) raw = NULL;
	g_autoptr(CERTCertificate) west = crypto_certdb_find_cert("west-rsa", NULL);
	g_autoptr(CERTCertificate) doomed = NULL;
	g_autofree char *raw_id = load_text("west-raw.ckaid");
	g_autofree char *ec_id = load_text("east-ec.ckaid");
	g_autofree char *inter_hex = load_text("inter.spki.sha1");
	g_autofree guint8 *inter = NULL;
	CryptoCertdbCacheStats st0 = stats(), st;
	gsize il;

	a = crypto_certdb_cred_get("west-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	b = crypto_certdb_cred_get("west-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 1);
	g_assert_cmpuint(st.cred_hits - st0.cred_hits, ==, 1);
	g_assert_true(a == b);
	g_assert_true(CERT_CompareCerts(crypto_cred_get_cert(a), west));
	g_assert_cmpint(crypto_privkey_get_key_type(crypto_cred_get_key(a)), ==, CRYPTO_KEY_RSA);
	/* a session copy of the database key (in memory in the softoken) */
	g_assert_true(crypto_privkey_get_nss(crypto_cred_get_key(a))->pkcs11IsTemp);
	g_assert_cmpmem(g_bytes_get_data(crypto_cred_get_der(a), NULL),
			g_bytes_get_size(crypto_cred_get_der(a)), west->derCert.data, west->derCert.len);
	g_assert_cmpmem(g_bytes_get_data(crypto_cred_get_subject(a), NULL),
			g_bytes_get_size(crypto_cred_get_subject(a)), west->derSubject.data,
			west->derSubject.len);
	g_assert_cmpuint(crypto_cred_get_ca_chain(a, FALSE)->len, ==, 0);
	g_clear_pointer(&b, crypto_cred_unref);

	/* by CKAID: a certificate through an intermediate, a raw key */
	b = crypto_certdb_cred_get(NULL, ec_id, TRUE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(crypto_cred_get_cert(b));
	g_assert_cmpuint(crypto_cred_get_ca_chain(b, FALSE)->len, ==, 1);
	g_assert_cmpuint(crypto_cred_get_ca_chain(b, TRUE)->len, ==, 1);
	inter = unhex(inter_hex, &il);
	g_assert_true(crypto_cred_chain_matches_hashes(b, inter, il));
	g_assert_false(crypto_cred_chain_matches_hashes(a, inter, il));
	raw = crypto_certdb_cred_get(NULL, raw_id, TRUE, &error);
	g_assert_no_error(error);
	g_assert_null(crypto_cred_get_cert(raw));
	g_assert_nonnull(crypto_cred_get_key(raw));
	g_assert_null(crypto_cred_get_der(raw));

	/* failures are not kept */
	st0 = stats();
	g_assert_null(crypto_certdb_cred_get("no-such-cert", NULL, TRUE, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_null(crypto_certdb_cred_get("no-such-cert", NULL, TRUE, &error));
	g_clear_error(&error);
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 2);
	g_assert_cmpuint(st.cred_hits - st0.cred_hits, ==, 0);

	/* a certificate and key deleted from the database: still used until
	 * forgotten (the connection was replaced, or Reread), then not */
	import_key("east-rsa");
	import_cert("east-rsa.der", "east-rsa", FALSE);
	g_clear_pointer(&b, crypto_cred_unref);
	b = crypto_certdb_cred_get("east-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	doomed = crypto_certdb_find_cert("east-rsa", &error);
	g_assert_no_error(error);
	g_assert_cmpint(PK11_DeleteTokenCertAndKey(doomed, NULL), ==, SECSuccess);
	g_clear_pointer(&doomed, CERT_DestroyCertificate);
	g_clear_pointer(&b, crypto_cred_unref);
	b = crypto_certdb_cred_get("east-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(crypto_cred_get_key(b));
	{
		CryptoSigScheme s = { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 };
		g_autoptr(GBytes) sig = crypto_sign(crypto_cred_get_key(b), s,
						    (const guint8 *) "abc", 3, &error);

		g_assert_no_error(error);
		g_assert_nonnull(sig);
	}
	g_clear_pointer(&b, crypto_cred_unref);
	crypto_certdb_forget_cred("east-rsa", NULL);
	b = crypto_certdb_cred_get("east-rsa", NULL, TRUE, &error);
	g_assert_null(b);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED);
	g_clear_error(&error);

	/* not kept at all (TTL 0): every call looks up */
	crypto_certdb_cache_set_ttl(0, 60);
	st0 = stats();
	g_clear_pointer(&b, crypto_cred_unref);
	b = crypto_certdb_cred_get("west-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	g_clear_pointer(&b, crypto_cred_unref);
	crypto_certdb_forget_cred("west-rsa", NULL);
	b = crypto_certdb_cred_get("west-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	g_clear_pointer(&b, crypto_cred_unref);
	b = crypto_certdb_cred_get("west-rsa", NULL, TRUE, &error);
	g_assert_no_error(error);
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 3);
	g_assert_cmpuint(st.cred_hits - st0.cred_hits, ==, 0);
	crypto_certdb_cache_set_ttl(60, 60);
}

static CERTCertificate *
verify_cached_pub(const char *file, const char *inter, const char *ca_dn, char **subject,
		  CryptoPubKey **pub, GError **error)
{
	g_auto(PeerInput) in = { 0 };

	peer_input_init(&in, file, inter, ca_dn);
	return crypto_certdb_verify_peer_cached(in.ee, in.chain, in.dn, subject, pub, error);
}

static CERTCertificate *
verify_cached(const char *file, const char *inter, const char *ca_dn, char **subject,
	      GError **error)
{
	return verify_cached_pub(file, inter, ca_dn, subject, NULL, error);
}

static void
set_trust(const char *nick, const char *trust_text)
{
	g_autoptr(CERTCertificate) c = crypto_certdb_find_cert(nick, NULL);
	CERTCertTrust trust;

	g_assert_nonnull(c);
	g_assert_cmpint(CERT_DecodeTrustString(&trust, trust_text), ==, SECSuccess);
	g_assert_cmpint(CERT_ChangeCertTrust(CERT_GetDefaultCertDB(), c, &trust), ==, SECSuccess);
}

static void
test_verify_cache(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CERTCertificate) c = NULL;
	g_autofree char *subject = NULL;
	g_autoptr(CryptoPubKey) pub = NULL;
	CryptoCertdbCacheStats st0, st;

	crypto_certdb_forget_caches();
	st0 = stats();
	c = verify_cached("east-ec.der", "inter.der", NULL, &subject, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(subject, "CN=east.example"));
	g_clear_pointer(&c, CERT_DestroyCertificate);
	g_clear_pointer(&subject, g_free);
	c = verify_cached_pub("east-ec.der", "inter.der", NULL, &subject, &pub, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_assert_nonnull(strstr(subject, "CN=east.example"));
	g_clear_pointer(&c, CERT_DestroyCertificate);
	st = stats();
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 1);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 1);
	/* the kept public key still checks each signature */
	{
		g_autoptr(CERTCertificate) ec = crypto_certdb_find_cert("east-ec", NULL);
		g_autoptr(CryptoPrivKey) key = crypto_certdb_find_key_for_cert(ec, NULL);
		CryptoSigScheme s = { CRYPTO_SIG_ECDSA_DER, CRYPTO_SIG_HASH_SHA2_256 };
		g_autoptr(GBytes) sig = crypto_sign(key, s, (const guint8 *) "abc", 3, NULL);
		g_autoptr(CryptoPubKey) again = NULL;

		g_assert_nonnull(pub);
		g_assert_true(crypto_verify(pub, s, (const guint8 *) "abc", 3,
					    g_bytes_get_data(sig, NULL), g_bytes_get_size(sig), NULL));
		g_assert_false(crypto_verify(pub, s, (const guint8 *) "abd", 3,
					     g_bytes_get_data(sig, NULL), g_bytes_get_size(sig),
					     &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
		g_clear_error(&error);
		c = verify_cached_pub("east-ec.der", "inter.der", NULL, NULL, &again, &error);
		g_assert_no_error(error);
		g_clear_pointer(&c, CERT_DestroyCertificate);
		g_assert_true(again == pub);
		g_clear_pointer(&pub, crypto_pubkey_unref);
	}
	st0 = stats();

	/* another required CA, other intermediates: not the same question */
	c = verify_cached("east-ec.der", "inter.der", "O=Test, CN=Test CA", NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	c = verify_cached("east-ec.der", "inter.der", "O=Other, CN=Other CA", NULL, &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);
	c = verify_cached("east-ec.der", NULL, NULL, NULL, &error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	g_clear_error(&error);
	st = stats();
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 3);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 0);

	/* an invalid chain is refused every time, never from a kept answer
	 * (/certdb/certreq trusts the other CA: not here) */
	import_cert("other-ca.der", "test-other-ca", FALSE);
	set_trust("test-other-ca", ",,");
	st0 = stats();
	for (guint i = 0; i < 3; i++) {
		c = verify_cached("rogue.der", "other-ca.der", NULL, NULL, &error);
		g_assert_null(c);
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
		g_clear_error(&error);
	}
	st = stats();
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 3);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 0);

	/* the root distrusted: a kept answer stands until forgotten (Reread)
	 * or expired, then the chain is refused */
	set_trust("test-ca", ",,");
	c = verify_cached("east-ec.der", "inter.der", NULL, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	crypto_certdb_forget_caches();
	c = verify_cached("east-ec.der", "inter.der", NULL, NULL, &error);
	g_assert_null(c);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);
	/* trusted again, kept again; expired (TTL 0) it is checked each time */
	set_trust("test-ca", "CT,,");
	c = verify_cached("east-ec.der", "inter.der", NULL, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	crypto_certdb_cache_set_ttl(60, 0);
	st0 = stats();
	set_trust("test-ca", ",,");
	c = verify_cached("east-ec.der", "inter.der", NULL, NULL, &error);
	g_assert_null(c);
	g_clear_error(&error);
	set_trust("test-ca", "CT,,");
	c = verify_cached("east-ec.der", "inter.der", NULL, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&c, CERT_DestroyCertificate);
	st = stats();
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 2);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 0);
	crypto_certdb_cache_set_ttl(60, 60);
	crypto_certdb_forget_caches();
}

static void
test_rfc3110(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = load_text("west-rsa.rfc3110");
	g_autoptr(CryptoPubKey) pub = crypto_pubkey_new_from_rfc3110(text, &error);
	g_autoptr(CERTCertificate) cert = crypto_certdb_find_cert("west-rsa", NULL);
	g_autoptr(CryptoPrivKey) key = crypto_certdb_find_key_for_cert(cert, NULL);
	CryptoSigScheme s = { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 };
	g_autoptr(GBytes) sig = NULL;
	g_autofree guint8 *raw = NULL;
	g_autofree char *hex = NULL;
	gsize n;

	g_assert_no_error(error);
	g_assert_cmpuint(crypto_pubkey_get_bits(pub), ==, 2048);
	sig = crypto_sign(key, s, (const guint8 *) "abc", 3, &error);
	g_assert_no_error(error);
	g_assert_true(crypto_verify(pub, s, (const guint8 *) "abc", 3, g_bytes_get_data(sig, NULL),
				    g_bytes_get_size(sig), &error));
	g_assert_no_error(error);
	/* the same key as 0x hex */
	raw = g_base64_decode(text + 2, &n);
	{
		GString *h = g_string_new("0x");

		for (gsize i = 0; i < n; i++)
			g_string_append_printf(h, "%02X", raw[i]);
		hex = g_string_free(h, FALSE);
	}
	g_clear_pointer(&pub, crypto_pubkey_unref);
	pub = crypto_pubkey_new_from_rfc3110(hex, &error);
	g_assert_no_error(error);
	g_assert_true(crypto_verify(pub, s, (const guint8 *) "abc", 3, g_bytes_get_data(sig, NULL),
				    g_bytes_get_size(sig), NULL));
	/* bad forms */
	g_assert_null(crypto_pubkey_new_from_rfc3110("0sAQAB", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_pubkey_new_from_rfc3110("AwEAAQ==", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_pubkey_new_from_rfc3110("0x0", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

static void
test_dn(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) dn = crypto_dn_from_text("O=Test, CN=west.example", &error);
	g_autoptr(CERTCertificate) c = crypto_certdb_find_cert("west-rsa", NULL);
	g_autofree char *text = NULL;

	g_assert_no_error(error);
	/* written order = DER order: the certificate's subject (string types
	 * may differ, so NSS compares) */
	g_assert_true(crypto_dn_match(g_bytes_get_data(dn, NULL), g_bytes_get_size(dn),
				      c->derSubject.data, c->derSubject.len));
	text = crypto_dn_to_text(g_bytes_get_data(dn, NULL), g_bytes_get_size(dn));
	g_assert_true(g_str_has_prefix(text, "O=Test"));
	g_clear_pointer(&text, g_free);
	text = crypto_dn_to_text(c->derSubject.data, c->derSubject.len);
	g_assert_nonnull(text);
	g_assert_true(g_str_has_prefix(text, "O=Test"));
	g_assert_nonnull(strstr(text, "CN=west.example"));
	g_assert_null(crypto_dn_to_text((const guint8 *) "xx", 2));
	g_assert_null(crypto_dn_from_text("no equals sign", &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dbdir = g_dir_make_tmp("ikebus-certdb-XXXXXX", &error);
	const char *src = g_getenv("IKEBUS_SRCDIR");
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_nonnull(dbdir);
	datadir = g_build_filename(src != NULL ? src : ".", "tests", "unit", "crypto", "data",
				   "certdb", NULL);
	g_assert_true(crypto_certdb_open(dbdir, &error));
	import_cert("ca.der", "test-ca", TRUE);
	import_cert("inter.der", "test-inter", FALSE);
	import_key("west-rsa");
	import_cert("west-rsa.der", "west-rsa", FALSE);
	import_key("east-ec");
	import_cert("east-ec.der", "east-ec", FALSE);
	import_key("west-raw");
	g_test_add_func("/certdb/lookup", test_lookup);
	g_test_add_func("/certdb/verify", test_verify);
	g_test_add_func("/certdb/id", test_id);
	g_test_add_func("/certdb/certreq", test_certreq);
	g_test_add_func("/certdb/rfc3110", test_rfc3110);
	g_test_add_func("/certdb/dn", test_dn);
	g_test_add_func("/certdb/cred-cache", test_cred_cache);
	g_test_add_func("/certdb/verify-cache", test_verify_cache);
	rc = g_test_run();
	crypto_certdb_forget_caches();
	{
		g_autoptr(GDir) d = g_dir_open(dbdir, 0, NULL);
		const char *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree char *p = g_build_filename(dbdir, name, NULL);

			g_unlink(p);
		}
		g_rmdir(dbdir);
	}
	g_free(datadir);
	return rc;
}
