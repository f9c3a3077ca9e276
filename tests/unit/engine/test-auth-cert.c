/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE_AUTH with signatures between two in-memory engines sharing one NSS
 * database (made in a temporary directory from tests/unit/crypto/data/certdb):
 * RSA and ECDSA certificates (RFC 7427, method 14), DN identities with
 * %fromcert, raw RSA keys by CKAID and --pubkeyrsa (method 14, and method 1
 * when RFC 7427 is off), an untrusted CA, a required CA the peer lacks, and
 * IDs that the certificate does not carry; a second handshake taking our
 * credentials and the peer's verified chain from certdb's caches, a replaced
 * connection looking its certificate up again, and a bad chain refused every
 * time.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "certdb.h"
#include "engine-private.h"
#include "engine-test-util.h"
#include "ike.h"
#include "nss-init.h"

static char *datadir;

#define BASE                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'rsasig': <true>, "            \
	"'encrypt': <true>, 'tunnel': <true>, "                                                  \
	"'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>"

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

	return g_strstrip(g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b)));
}

static void
import(const char *base, gboolean with_cert, gboolean ca)
{
	g_autoptr(GError) error = NULL;

	if (!ca) {
		g_autofree char *p8n = g_strconcat(base, ".p8.der", NULL);
		g_autofree char *spkin = g_strconcat(base, ".spki.der", NULL);
		g_autoptr(GBytes) p8 = load(p8n);
		g_autoptr(GBytes) spki = load(spkin);

		crypto_certdb_import_key(g_bytes_get_data(p8, NULL), g_bytes_get_size(p8),
		                         g_bytes_get_data(spki, NULL), g_bytes_get_size(spki), base,
		                         &error);
		g_assert_no_error(error);
	}
	if (with_cert) {
		g_autofree char *dern = g_strconcat(base, ".der", NULL);
		g_autoptr(GBytes) der = load(dern);

		crypto_certdb_import_cert(g_bytes_get_data(der, NULL), g_bytes_get_size(der), base,
		                          ca, &error);
		g_assert_no_error(error);
	}
}

/* --pubkeyrsa for @west / @east: the other side's raw key. */
static GStrv
lookup_pubkeys(const char *id, gpointer user_data)
{
	const char *file = g_str_equal(id, "@west") ? "west-raw.rfc3110"
	                   : g_str_equal(id, "@east") ? "east-raw.rfc3110"
	                                                : NULL;
	GStrv out;

	if (file == NULL)
		return NULL;
	out = g_new0(char *, 2);
	out[0] = load_text(file);
	return out;
}

static TestWire *
pair(const char *a_extra, const char *b_extra)
{
	TestWire *w = test_wire_new();
	g_autofree char *a = g_strconcat(BASE, a_extra, "}", NULL);
	g_autofree char *b = g_strconcat(BASE, b_extra, "}", NULL);

	engine_set_pubkey_lookup(w->a.engine, lookup_pubkeys, NULL);
	engine_set_pubkey_lookup(w->b.engine, lookup_pubkeys, NULL);
	/* no PSK anywhere: a PSK fallback would be a bug */
	g_clear_pointer(&w->a.psk, g_free);
	g_clear_pointer(&w->b.psk, g_free);
	test_peer_add_conn(&w->a, "c", a);
	test_peer_add_conn(&w->b, "c", b);
	return w;
}

static gboolean
has_line(const TestResult *r, const char *needle)
{
	for (guint i = 0; i < r->lines->len; i++)
		if (strstr(g_ptr_array_index(r->lines, i), needle) != NULL)
			return TRUE;
	return FALSE;
}

static void
dump(const TestResult *r)
{
	for (guint i = 0; i < r->lines->len; i++)
		g_test_message("%s", (const char *) g_ptr_array_index(r->lines, i));
}

static void
assert_up(TestWire *w, const TestResult *r, const char *scheme)
{
	dump(r);
	g_assert_cmpint(r->status, ==, ENGINE_STATUS_OK);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->b, "INSTALLED"), ==, 1);
	g_assert_true(has_line(r, scheme));
	g_assert_cmpuint(w->a.psk_lookups + w->b.psk_lookups, ==, 0);
}

static void
assert_refused(TestWire *w, const TestResult *r)
{
	dump(r);
	g_assert_cmpint(r->status, ==, ENGINE_STATUS_AUTH_FAILED);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 0);
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 0);
}

#define IDS ", 'left-id': <'@west.example'>, 'right-id': <'@east.example'>"

static void
test_rsa_certs(void)
{
	TestWire *w = pair(IDS ", 'left-cert': <'west-rsa'>", IDS ", 'right-cert': <'east-rsa'>");
	TestResult r;

	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "RSA signature (rsa-pkcs1-sha256) and certificate");
	g_assert_true(has_line(&r, "auth=IKEv2 RSA signature (rsa-pkcs1-sha256)"));
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_ecdsa_certs(void)
{
	/* east's certificate comes from the intermediate, which east sends */
	TestWire *w = pair(IDS ", 'left-cert': <'west-ec'>, 'send-ca': <'issuer'>",
	                   IDS ", 'right-cert': <'east-ec'>, 'send-ca': <'issuer'>");
	TestResult r;

	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "ECDSA signature (ecdsa-sha256-der) and certificate");
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_dn_fromcert(void)
{
	/* west: %fromcert, expects east's DN; east: expects west's DN in LDAP
	 * order, its own ID from the certificate; east requires the Test CA */
	TestWire *w = pair(", 'left-cert': <'west-rsa'>, 'left-id': <'%fromcert'>, "
	                   "'right-id': <'O=Test, CN=east.example'>",
	                   ", 'right-cert': <'east-rsa'>, 'right-id': <'%fromcert'>, "
	                   "'left-id': <'CN=west.example, O=Test'>, 'left-ca': <'%same'>");
	TestResult r;
	g_autoptr(GPtrArray) ike = NULL;
	EngineIkeSaInfo *i;

	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "and certificate");
	ike = engine_list_ike_sas(w->a.engine);
	i = g_ptr_array_index(ike, 0);
	g_assert_nonnull(strstr(i->local_id, "CN=west.example"));
	g_assert_nonnull(strstr(i->remote_id, "CN=east.example"));
	test_result_clear(&r);
	test_wire_free(w);
}

static TestWire *
raw_pair(void)
{
	g_autofree char *wid = load_text("west-raw.ckaid");
	g_autofree char *eid = load_text("east-raw.ckaid");
	g_autofree char *a = g_strdup_printf(", 'left-id': <'@west'>, 'right-id': <'@east'>, "
	                                     "'left-ckaid': <'%s'>",
	                                     wid);
	g_autofree char *b = g_strdup_printf(", 'left-id': <'@west'>, 'right-id': <'@east'>, "
	                                     "'right-ckaid': <'%s'>",
	                                     eid);

	return pair(a, b);
}

static void
test_raw_keys(void)
{
	TestWire *w = raw_pair();
	TestResult r;

	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "RSA signature (rsa-pkcs1-sha256) and raw key");
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_raw_keys_legacy(void)
{
	TestWire *w = raw_pair();
	TestResult r;

	w->a.engine->sig_legacy = TRUE;
	w->b.engine->sig_legacy = TRUE;
	test_initiate(&w->a, "c", &r, 5000);
	/* RFC 7296 method 1: PKCS#1 v1.5 with SHA-1 */
	assert_up(w, &r, "RSA signature (rsa-pkcs1-sha1) and raw key");
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_untrusted_ca(void)
{
	TestWire *w;
	TestResult r;

	/* the responder's certificate is from a CA nobody trusts */
	w = pair(IDS ", 'left-cert': <'west-rsa'>", IDS ", 'right-cert': <'rogue'>");
	test_initiate(&w->a, "c", &r, 5000);
	assert_refused(w, &r);
	g_assert_true(has_line(&r, "ISSUER"));
	test_result_clear(&r);
	test_wire_free(w);
	/* the initiator's: the responder answers AUTHENTICATION_FAILED */
	w = pair(IDS ", 'left-cert': <'rogue'>, 'left-id': <'@east.example'>",
	         ", 'right-id': <'@east.example'>, 'right-cert': <'east-rsa'>");
	test_initiate(&w->a, "c", &r, 5000);
	assert_refused(w, &r);
	g_assert_true(has_line(&r, "AUTHENTICATION_FAILED"));
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
	/* a trusted CA, but not the one the connection asks for */
	w = pair(IDS ", 'left-cert': <'west-rsa'>, 'right-ca': <'O=Other, CN=Other CA'>",
	         IDS ", 'right-cert': <'east-rsa'>");
	test_initiate(&w->a, "c", &r, 5000);
	assert_refused(w, &r);
	g_assert_true(has_line(&r, "not issued by CA"));
	test_result_clear(&r);
	test_wire_free(w);
}

static CryptoCertdbCacheStats
stats(void)
{
	CryptoCertdbCacheStats st;

	crypto_certdb_cache_stats(&st);
	return st;
}

static void
test_cached(void)
{
	TestWire *w = pair(IDS ", 'left-cert': <'west-rsa'>", IDS ", 'right-cert': <'east-rsa'>");
	TestResult r;
	CryptoCertdbCacheStats st0, st;

	crypto_certdb_forget_caches();
	st0 = stats();
	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "RSA signature (rsa-pkcs1-sha256) and certificate");
	test_result_clear(&r);
	/* each side looked up its credential and verified the other's chain */
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 2);
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 2);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 0);

	/* down and up again: both from what certdb kept (the signatures over
	 * AUTH are made and checked anew: the nonces differ) */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), >, 0);
	test_run_for(100);
	st0 = stats();
	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "RSA signature (rsa-pkcs1-sha256) and certificate");
	test_result_clear(&r);
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 0);
	g_assert_cmpuint(st.cred_hits - st0.cred_hits, >=, 2);
	g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, 0);
	g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, 2);

	/* west's connection replaced: its certificate is looked up again */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), >, 0);
	test_run_for(100);
	g_assert_true(engine_delete_connection(w->a.engine, "c", NULL));
	test_peer_add_conn(&w->a, "c", BASE IDS ", 'left-cert': <'west-rsa'>}");
	st0 = stats();
	test_initiate(&w->a, "c", &r, 5000);
	assert_up(w, &r, "and certificate");
	test_result_clear(&r);
	st = stats();
	g_assert_cmpuint(st.cred_misses - st0.cred_misses, ==, 1);
	test_wire_free(w);
}

static void
test_bad_chain_every_time(void)
{
	CryptoCertdbCacheStats st0, st;

	crypto_certdb_forget_caches();
	for (guint i = 0; i < 3; i++) {
		TestWire *w = pair(IDS ", 'left-cert': <'west-rsa'>", IDS ", 'right-cert': <'rogue'>");
		TestResult r;

		st0 = stats();
		test_initiate(&w->a, "c", &r, 5000);
		assert_refused(w, &r);
		g_assert_true(has_line(&r, "ISSUER"));
		test_result_clear(&r);
		test_wire_free(w);
		/* east checked west's good chain (kept after the first time);
		 * west checked east's bad one, from the database each time */
		st = stats();
		g_assert_cmpuint(st.verify_misses - st0.verify_misses, ==, i == 0 ? 2 : 1);
		g_assert_cmpuint(st.verify_hits - st0.verify_hits, ==, i == 0 ? 0 : 1);
	}
}

static void
test_id_mismatch(void)
{
	TestWire *w;
	TestResult r;

	/* east claims an ID its certificate does not carry */
	w = pair(", 'left-id': <'@west.example'>, 'right-id': <'%any'>, 'left-cert': <'west-rsa'>",
	         ", 'left-id': <'@west.example'>, 'right-id': <'@mallory.example'>, "
	         "'right-cert': <'east-rsa'>");
	test_initiate(&w->a, "c", &r, 5000);
	assert_refused(w, &r);
	g_assert_true(has_line(&r, "does not match the peer's ID"));
	test_result_clear(&r);
	test_wire_free(w);
	/* so does west: east answers AUTHENTICATION_FAILED */
	w = pair(", 'left-id': <'192.0.2.9'>, 'right-id': <'@east.example'>, "
	         "'left-cert': <'west-rsa'>",
	         ", 'left-id': <'%any'>, 'right-id': <'@east.example'>, 'right-cert': <'east-rsa'>");
	test_initiate(&w->a, "c", &r, 5000);
	assert_refused(w, &r);
	g_assert_true(has_line(&r, "AUTHENTICATION_FAILED"));
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_no_credential(void)
{
	TestWire *w = pair(IDS ", 'left-cert': <'no-such-cert'>", IDS ", 'right-cert': <'east-rsa'>");
	TestResult r;

	test_initiate(&w->a, "c", &r, 5000);
	dump(&r);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NO_CREDENTIAL);
	test_result_clear(&r);
	test_wire_free(w);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dbdir = g_dir_make_tmp("ikebus-auth-cert-XXXXXX", &error);
	const char *src = g_getenv("IKEBUS_SRCDIR");
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_nonnull(dbdir);
	datadir = g_build_filename(src != NULL ? src : ".", "tests", "unit", "crypto", "data",
	                           "certdb", NULL);
	/* before the engines: the first NSS initialisation wins */
	g_assert_true(crypto_certdb_open(dbdir, &error));
	import("ca", TRUE, TRUE);
	import("inter", TRUE, FALSE);
	import("west-rsa", TRUE, FALSE);
	import("east-rsa", TRUE, FALSE);
	import("west-ec", TRUE, FALSE);
	import("east-ec", TRUE, FALSE);
	import("other-ca", TRUE, FALSE); /* known, not trusted */
	import("rogue", TRUE, FALSE);
	import("west-raw", FALSE, FALSE);
	import("east-raw", FALSE, FALSE);
	g_test_add_func("/engine/auth-cert/rsa", test_rsa_certs);
	g_test_add_func("/engine/auth-cert/ecdsa", test_ecdsa_certs);
	g_test_add_func("/engine/auth-cert/dn-fromcert", test_dn_fromcert);
	g_test_add_func("/engine/auth-cert/raw-keys", test_raw_keys);
	g_test_add_func("/engine/auth-cert/raw-keys-legacy", test_raw_keys_legacy);
	g_test_add_func("/engine/auth-cert/untrusted-ca", test_untrusted_ca);
	g_test_add_func("/engine/auth-cert/id-mismatch", test_id_mismatch);
	g_test_add_func("/engine/auth-cert/no-credential", test_no_credential);
	g_test_add_func("/engine/auth-cert/cached", test_cached);
	g_test_add_func("/engine/auth-cert/bad-chain-every-time", test_bad_chain_every_time);
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
