/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signatures: round trips for every scheme, tamper detection, and known
 * answers made with openssl (tests/unit/crypto/data/pk/README.md).
 *
 * With IKEBUS_PK_WRITE_DIR set, the openssl test also writes our own
 * signatures there so that openssl can check them (see the README).
 */
#include <nss.h>
#include <pk11pub.h>

#include "nss-auto.h"
#include "nss-init.h"
#include "sign.h"

static GBytes *
fixture(const char *name)
{
	const char *srcdir = g_getenv("IKEBUS_SRCDIR");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	char *data = NULL;
	gsize len = 0;

	g_assert_nonnull(srcdir);
	path = g_build_filename(srcdir, "tests", "unit", "crypto", "data", "pk", name, NULL);
	if (!g_file_get_contents(path, &data, &len, &error))
		g_error("%s", error->message);
	return g_bytes_new_take(data, len);
}

static CryptoPrivKey *
fixture_priv(const char *name)
{
	g_autoptr(GBytes) der = fixture(name);
	g_autoptr(GError) error = NULL;
	CryptoPrivKey *key = crypto_privkey_new_from_pkcs8(g_bytes_get_data(der, NULL),
							   g_bytes_get_size(der), &error);

	g_assert_no_error(error);
	return key;
}

static CryptoPubKey *
fixture_pub(const char *name)
{
	g_autoptr(GBytes) der = fixture(name);
	g_autoptr(GError) error = NULL;
	CryptoPubKey *key = crypto_pubkey_new_from_spki(g_bytes_get_data(der, NULL),
							g_bytes_get_size(der), &error);

	g_assert_no_error(error);
	return key;
}

#define S(k, h) ((CryptoSigScheme){ CRYPTO_SIG_##k, CRYPTO_SIG_HASH_##h })

/* ---- round trips ------------------------------------------------------ */

typedef struct {
	const char *key;     /* PKCS#8 fixture */
	CryptoSigScheme scheme;
	gsize raw_len;       /* expected length for fixed-size forms, 0 otherwise */
} RoundTrip;

static const RoundTrip round_trips[] = {
	{ "rsa2048.p8.der", S(RSA_PKCS1, SHA1), 256 },
	{ "rsa2048.p8.der", S(RSA_PKCS1, SHA2_256), 256 },
	{ "rsa2048.p8.der", S(RSA_PKCS1, SHA2_384), 256 },
	{ "rsa2048.p8.der", S(RSA_PKCS1, SHA2_512), 256 },
	{ "rsa2048.p8.der", S(RSA_PSS, SHA2_256), 256 },
	{ "rsa2048.p8.der", S(RSA_PSS, SHA2_384), 256 },
	{ "rsa2048.p8.der", S(RSA_PSS, SHA2_512), 256 },
	/* RFC 4754: auth methods 9, 10, 11 */
	{ "ec256.p8.der", S(ECDSA_RAW, SHA2_256), 64 },
	{ "ec384.p8.der", S(ECDSA_RAW, SHA2_384), 96 },
	{ "ec521.p8.der", S(ECDSA_RAW, SHA2_512), 132 },
	/* RFC 7427: any SHA-2 hash with any curve */
	{ "ec256.p8.der", S(ECDSA_DER, SHA2_256), 0 },
	{ "ec256.p8.der", S(ECDSA_DER, SHA2_512), 0 },
	{ "ec384.p8.der", S(ECDSA_DER, SHA2_384), 0 },
	{ "ec521.p8.der", S(ECDSA_DER, SHA2_512), 0 },
	{ "ec521.p8.der", S(ECDSA_DER, SHA2_256), 0 },
};

static void
expect_auth_failure(CryptoPubKey *pub, CryptoSigScheme scheme, const guint8 *data, gsize len,
		    const guint8 *sig, gsize sig_len, const char *what)
{
	g_autoptr(GError) error = NULL;

	if (crypto_verify(pub, scheme, data, len, sig, sig_len, &error))
		g_error("%s: %s verified", crypto_sig_scheme_name(scheme), what);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_test_message("%s: %s", what, error->message);
}

static void
test_round_trip(gconstpointer data)
{
	const RoundTrip *rt = data;
	g_autoptr(CryptoPrivKey) priv = fixture_priv(rt->key);
	g_autoptr(CryptoPubKey) pub = crypto_privkey_dup_public(priv);
	g_autoptr(GBytes) sig = NULL, sig2 = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *msg = (guint8 *) g_strdup("IKE_AUTH signed octets, more or less");
	gsize len = strlen((char *) msg);
	g_autofree guint8 *bad = NULL;
	gsize sig_len;

	sig = crypto_sign(priv, rt->scheme, msg, len, &error);
	g_assert_no_error(error);
	sig_len = g_bytes_get_size(sig);
	if (rt->raw_len != 0)
		g_assert_cmpuint(sig_len, ==, rt->raw_len);
	else
		g_assert_cmpuint(((const guint8 *) g_bytes_get_data(sig, NULL))[0], ==, 0x30);
	g_assert_true(crypto_verify(pub, rt->scheme, msg, len, g_bytes_get_data(sig, NULL),
				    sig_len, &error));
	g_assert_no_error(error);

	/* PKCS#1 v1.5 is deterministic, PSS and ECDSA are randomised */
	sig2 = crypto_sign(priv, rt->scheme, msg, len, &error);
	g_assert_no_error(error);
	if (rt->scheme.kind == CRYPTO_SIG_RSA_PKCS1)
		g_assert_true(g_bytes_equal(sig, sig2));
	else
		g_assert_false(g_bytes_equal(sig, sig2));

	/* tampered data */
	msg[3] ^= 0x01;
	expect_auth_failure(pub, rt->scheme, msg, len, g_bytes_get_data(sig, NULL), sig_len,
			    "tampered data");
	msg[3] ^= 0x01;
	expect_auth_failure(pub, rt->scheme, msg, len - 1, g_bytes_get_data(sig, NULL), sig_len,
			    "truncated data");
	/* tampered signature: a bit near the end, and at the start of the value */
	bad = g_malloc0(sig_len + 1);
	memcpy(bad, g_bytes_get_data(sig, NULL), sig_len);
	bad[sig_len - 2] ^= 0x40;
	expect_auth_failure(pub, rt->scheme, msg, len, bad, sig_len, "flipped bit");
	bad[sig_len - 2] ^= 0x40;
	bad[sig_len / 2] ^= 0x01;
	expect_auth_failure(pub, rt->scheme, msg, len, bad, sig_len, "flipped middle bit");
	bad[sig_len / 2] ^= 0x01;
	expect_auth_failure(pub, rt->scheme, msg, len, bad, sig_len - 1, "truncated signature");
	bad[sig_len] = 0;
	expect_auth_failure(pub, rt->scheme, msg, len, bad, sig_len + 1, "extended signature");
	expect_auth_failure(pub, rt->scheme, msg, len, bad, 0, "empty signature");
	/* the same signature under another hash of the same family */
	if (rt->scheme.hash != CRYPTO_SIG_HASH_SHA2_384) {
		CryptoSigScheme other = { rt->scheme.kind, CRYPTO_SIG_HASH_SHA2_384 };

		expect_auth_failure(pub, other, msg, len, bad, sig_len, "other hash");
	}
	/* untouched it still verifies */
	g_assert_true(crypto_verify(pub, rt->scheme, msg, len, bad, sig_len, &error));
	g_assert_no_error(error);
}

/* A signature under one key does not verify under another of the same type. */
static void
test_wrong_key(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoPrivKey) a = fixture_priv("ec256.p8.der");
	g_autoptr(CryptoPrivKey) b = crypto_privkey_generate(CRYPTO_KEY_EC, 256, &error);
	g_autoptr(CryptoPubKey) pub_b = NULL;
	g_autoptr(GBytes) sig = NULL;
	const guint8 msg[] = "message";

	g_assert_no_error(error);
	g_assert_cmpuint(crypto_privkey_get_bits(b), ==, 256);
	pub_b = crypto_privkey_dup_public(b);
	sig = crypto_sign(a, S(ECDSA_RAW, SHA2_256), msg, sizeof(msg), &error);
	g_assert_no_error(error);
	expect_auth_failure(pub_b, S(ECDSA_RAW, SHA2_256), msg, sizeof(msg),
			    g_bytes_get_data(sig, NULL), g_bytes_get_size(sig), "other key");
}

/* ---- openssl known answers ------------------------------------------- */

static void
maybe_write(const char *name, GBytes *sig)
{
	const char *dir = g_getenv("IKEBUS_PK_WRITE_DIR");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (dir == NULL)
		return;
	path = g_build_filename(dir, name, NULL);
	if (!g_file_set_contents(path, g_bytes_get_data(sig, NULL),
				 (gssize) g_bytes_get_size(sig), &error))
		g_error("%s", error->message);
}

static void
test_openssl_rsa_pkcs1(void)
{
	static const struct {
		CryptoSigHash hash;
		const char *file;
	} v[] = {
		{ CRYPTO_SIG_HASH_SHA1, "rsa2048-pkcs1-sha1.sig" },
		{ CRYPTO_SIG_HASH_SHA2_256, "rsa2048-pkcs1-sha256.sig" },
		{ CRYPTO_SIG_HASH_SHA2_384, "rsa2048-pkcs1-sha384.sig" },
		{ CRYPTO_SIG_HASH_SHA2_512, "rsa2048-pkcs1-sha512.sig" },
	};
	g_autoptr(CryptoPrivKey) priv = fixture_priv("rsa2048.p8.der");
	g_autoptr(CryptoPubKey) pub = fixture_pub("rsa2048.spki.der");
	g_autoptr(GBytes) msg = fixture("msg.bin");

	g_assert_cmpint(crypto_privkey_get_key_type(priv), ==, CRYPTO_KEY_RSA);
	g_assert_cmpuint(crypto_privkey_get_bits(priv), ==, 2048);
	g_assert_cmpint(crypto_pubkey_get_key_type(pub), ==, CRYPTO_KEY_RSA);
	g_assert_cmpuint(crypto_pubkey_get_bits(pub), ==, 2048);
	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		CryptoSigScheme scheme = { CRYPTO_SIG_RSA_PKCS1, v[i].hash };
		g_autoptr(GBytes) want = fixture(v[i].file);
		g_autoptr(GBytes) got = NULL;
		g_autoptr(GError) error = NULL;

		/* deterministic: our bytes are openssl's bytes */
		got = crypto_sign(priv, scheme, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
				  &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
				g_bytes_get_data(want, NULL), g_bytes_get_size(want));
		g_assert_true(crypto_verify(pub, scheme, g_bytes_get_data(msg, NULL),
					    g_bytes_get_size(msg), g_bytes_get_data(want, NULL),
					    g_bytes_get_size(want), &error));
		g_assert_no_error(error);
	}
}

static void
test_openssl_rsa_pss(void)
{
	static const struct {
		CryptoSigHash hash;
		const char *file, *ours;
	} v[] = {
		{ CRYPTO_SIG_HASH_SHA2_256, "rsa2048-pss-sha256.sig", "ours-rsa2048-pss-sha256.sig" },
		{ CRYPTO_SIG_HASH_SHA2_384, "rsa2048-pss-sha384.sig", "ours-rsa2048-pss-sha384.sig" },
		{ CRYPTO_SIG_HASH_SHA2_512, "rsa2048-pss-sha512.sig", "ours-rsa2048-pss-sha512.sig" },
	};
	g_autoptr(CryptoPrivKey) priv = fixture_priv("rsa2048.p8.der");
	g_autoptr(CryptoPubKey) pub = fixture_pub("rsa2048.spki.der");
	g_autoptr(GBytes) msg = fixture("msg.bin");

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		CryptoSigScheme pss = { CRYPTO_SIG_RSA_PSS, v[i].hash };
		CryptoSigScheme pkcs1 = { CRYPTO_SIG_RSA_PKCS1, v[i].hash };
		g_autoptr(GBytes) sig = fixture(v[i].file);
		g_autoptr(GBytes) ours = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_true(crypto_verify(pub, pss, g_bytes_get_data(msg, NULL),
					    g_bytes_get_size(msg), g_bytes_get_data(sig, NULL),
					    g_bytes_get_size(sig), &error));
		g_assert_no_error(error);
		/* a PSS signature is no PKCS#1 v1.5 signature */
		expect_auth_failure(pub, pkcs1, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
				    g_bytes_get_data(sig, NULL), g_bytes_get_size(sig),
				    "PSS as PKCS#1");
		ours = crypto_sign(priv, pss, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
				   &error);
		g_assert_no_error(error);
		maybe_write(v[i].ours, ours);
	}
}

static void
test_openssl_ecdsa(void)
{
	static const struct {
		const char *spki, *p8, *file, *ours;
		CryptoSigHash hash;
		guint bits;
	} v[] = {
		{ "ec256.spki.der", "ec256.p8.der", "ec256-sha256.sig", "ours-ec256-sha256.sig",
		  CRYPTO_SIG_HASH_SHA2_256, 256 },
		{ "ec384.spki.der", "ec384.p8.der", "ec384-sha384.sig", "ours-ec384-sha384.sig",
		  CRYPTO_SIG_HASH_SHA2_384, 384 },
		{ "ec521.spki.der", "ec521.p8.der", "ec521-sha512.sig", "ours-ec521-sha512.sig",
		  CRYPTO_SIG_HASH_SHA2_512, 521 },
	};
	g_autoptr(GBytes) msg = fixture("msg.bin");

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		CryptoSigScheme der = { CRYPTO_SIG_ECDSA_DER, v[i].hash };
		CryptoSigScheme raw = { CRYPTO_SIG_ECDSA_RAW, v[i].hash };
		g_autoptr(CryptoPubKey) pub = fixture_pub(v[i].spki);
		g_autoptr(CryptoPrivKey) priv = fixture_priv(v[i].p8);
		g_autoptr(GBytes) sig = fixture(v[i].file);
		g_autoptr(GBytes) ours = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(crypto_pubkey_get_key_type(pub), ==, CRYPTO_KEY_EC);
		g_assert_cmpuint(crypto_pubkey_get_bits(pub), ==, v[i].bits);
		g_assert_cmpuint(crypto_privkey_get_bits(priv), ==, v[i].bits);
		g_assert_true(crypto_verify(pub, der, g_bytes_get_data(msg, NULL),
					    g_bytes_get_size(msg), g_bytes_get_data(sig, NULL),
					    g_bytes_get_size(sig), &error));
		g_assert_no_error(error);
		/* the DER form is not accepted where r || s is expected */
		expect_auth_failure(pub, raw, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
				    g_bytes_get_data(sig, NULL), g_bytes_get_size(sig),
				    "DER as raw");
		ours = crypto_sign(priv, der, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
				   &error);
		g_assert_no_error(error);
		/* and the private fixture belongs to the public one */
		g_assert_true(crypto_verify(pub, der, g_bytes_get_data(msg, NULL),
					    g_bytes_get_size(msg), g_bytes_get_data(ours, NULL),
					    g_bytes_get_size(ours), &error));
		g_assert_no_error(error);
		maybe_write(v[i].ours, ours);
	}
}

/* The public key of a certificate verifies what its private key signed. */
static void
test_cert(void)
{
	g_autoptr(GBytes) der = fixture("rsa2048.crt.der");
	g_autoptr(GBytes) msg = fixture("msg.bin");
	g_autoptr(GBytes) sig = fixture("rsa2048-pkcs1-sha256.sig");
	SECItem item = { siBuffer, (guint8 *) g_bytes_get_data(der, NULL),
			 (unsigned) g_bytes_get_size(der) };
	g_autoptr(CERTCertificate) cert = NULL;
	g_autoptr(CryptoPubKey) pub = NULL;
	g_autoptr(GError) error = NULL;

	cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
	g_assert_nonnull(cert);
	pub = crypto_pubkey_new_from_cert(cert, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(crypto_pubkey_get_bits(pub), ==, 2048);
	g_assert_true(crypto_verify(pub, S(RSA_PKCS1, SHA2_256), g_bytes_get_data(msg, NULL),
				    g_bytes_get_size(msg), g_bytes_get_data(sig, NULL),
				    g_bytes_get_size(sig), &error));
	g_assert_no_error(error);
}

/* An NSS handle (as the certificate database returns) can be wrapped. */
static void
test_from_nss(void)
{
	g_autoptr(CryptoPrivKey) a = fixture_priv("ec384.p8.der");
	g_autoptr(CryptoPrivKey) b = NULL;
	g_autoptr(CryptoPubKey) pub = NULL;
	g_autoptr(GBytes) sig = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 msg[] = "abc";

	b = crypto_privkey_new_from_nss(crypto_privkey_get_nss(a), &error);
	g_assert_no_error(error);
	g_clear_pointer(&a, crypto_privkey_unref);
	sig = crypto_sign(b, S(ECDSA_RAW, SHA2_384), msg, 3, &error);
	g_assert_no_error(error);
	pub = crypto_privkey_dup_public(b);
	g_assert_true(crypto_verify(pub, S(ECDSA_RAW, SHA2_384), msg, 3,
				    g_bytes_get_data(sig, NULL), g_bytes_get_size(sig), &error));
	g_assert_no_error(error);
}

/* ---- misuse ------------------------------------------------------------ */

static void
test_misuse(void)
{
	g_autoptr(CryptoPrivKey) rsa = fixture_priv("rsa2048.p8.der");
	g_autoptr(CryptoPrivKey) ec = fixture_priv("ec256.p8.der");
	g_autoptr(CryptoPubKey) rsa_pub = crypto_privkey_dup_public(rsa);
	const guint8 msg[] = "abc", sig[256] = { 1 };
	CryptoSigScheme bogus = { (CryptoSigKind) 99, CRYPTO_SIG_HASH_SHA2_256 };
	CryptoSigScheme bad_hash = { CRYPTO_SIG_RSA_PKCS1, (CryptoSigHash) 0 };
	GError *error = NULL;

	g_assert_null(crypto_sign(rsa, S(ECDSA_DER, SHA2_256), msg, 3, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_sign(ec, S(RSA_PSS, SHA2_256), msg, 3, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_sign(rsa, S(RSA_PSS, SHA1), msg, 3, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_null(crypto_sign(ec, S(ECDSA_RAW, IDENTITY), msg, 3, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_null(crypto_sign(rsa, bogus, msg, 3, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_false(crypto_verify(rsa_pub, bad_hash, msg, 3, sig, sizeof(sig), &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_false(crypto_verify(rsa_pub, S(ECDSA_RAW, SHA2_256), msg, 3, sig, 64, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	/* a well-formed but wrong RSA signature */
	g_assert_false(crypto_verify(rsa_pub, S(RSA_PKCS1, SHA2_256), msg, 3, sig, sizeof(sig),
				     &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	g_clear_error(&error);

	g_assert_cmpstr(crypto_sig_scheme_name(S(RSA_PSS, SHA2_384)), ==, "rsa-pss-sha384");
	g_assert_cmpstr(crypto_sig_scheme_name(S(ECDSA_RAW, SHA2_256)), ==, "ecdsa-sha256-raw");
	g_assert_cmpstr(crypto_sig_scheme_name(bogus), ==, "unknown");
	g_assert_cmpuint(crypto_sig_hash_len(CRYPTO_SIG_HASH_SHA2_512), ==, 64);
	g_assert_cmpuint(crypto_sig_hash_len(CRYPTO_SIG_HASH_IDENTITY), ==, 0);
}

static void
test_bad_der(void)
{
	g_autoptr(GBytes) p8 = fixture("ec256.p8.der");
	g_autoptr(GBytes) spki = fixture("rsa2048.spki.der");
	const guint8 junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	GError *error = NULL;

	g_assert_null(crypto_privkey_new_from_pkcs8(junk, sizeof(junk), &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_privkey_new_from_pkcs8(g_bytes_get_data(p8, NULL),
						    g_bytes_get_size(p8) - 5, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_privkey_new_from_pkcs8(NULL, 0, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_pubkey_new_from_spki(junk, sizeof(junk), &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_null(crypto_pubkey_new_from_spki(g_bytes_get_data(spki, NULL),
						  g_bytes_get_size(spki) - 1, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
}

static void
test_generate(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoPrivKey) rsa = crypto_privkey_generate(CRYPTO_KEY_RSA, 2048, &error);
	g_autoptr(CryptoPrivKey) ec = NULL;

	g_assert_no_error(error);
	g_assert_cmpint(crypto_privkey_get_key_type(rsa), ==, CRYPTO_KEY_RSA);
	g_assert_cmpuint(crypto_privkey_get_bits(rsa), ==, 2048);
	ec = crypto_privkey_generate(CRYPTO_KEY_EC, 521, &error);
	g_assert_no_error(error);
	g_assert_cmpint(crypto_privkey_get_key_type(ec), ==, CRYPTO_KEY_EC);
	g_assert_cmpuint(crypto_privkey_get_bits(ec), ==, 521);
	g_assert_null(crypto_privkey_generate(CRYPTO_KEY_EC, 255, &error));
}

/* NSS 3.87 has no Ed25519; this notices when an upgrade brings it. */
static void
test_ed25519_absent(void)
{
	g_autoptr(PK11SlotInfo) slot = PK11_GetInternalSlot();

	if (PK11_DoesMechanism(slot, CKM_EDDSA)) {
		g_test_incomplete("this NSS implements CKM_EDDSA: add Ed25519 to sign.c");
		return;
	}
	g_test_message("NSS %s: no CKM_EDDSA in softoken; Ed25519 unavailable", NSS_GetVersion());
}

/* ---- threads ------------------------------------------------------------ */

static gpointer
thread_sign(gpointer data)
{
	CryptoPrivKey *priv = data;
	g_autoptr(CryptoPubKey) pub = crypto_privkey_dup_public(priv);

	for (guint i = 0; i < 16; i++) {
		guint8 msg[4] = { (guint8) i, 1, 2, 3 };
		g_autoptr(GBytes) sig = crypto_sign(priv, S(ECDSA_DER, SHA2_256), msg, 4, NULL);

		if (sig == NULL || !crypto_verify(pub, S(ECDSA_DER, SHA2_256), msg, 4,
						  g_bytes_get_data(sig, NULL),
						  g_bytes_get_size(sig), NULL))
			return GINT_TO_POINTER(FALSE);
	}
	return GINT_TO_POINTER(TRUE);
}

static void
test_threads(void)
{
	g_autoptr(CryptoPrivKey) priv = fixture_priv("ec256.p8.der");
	GThread *t[4];

	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("sign", thread_sign, priv);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		g_assert_true(GPOINTER_TO_INT(g_thread_join(t[i])));
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	if (!crypto_nss_init_nodb(&error))
		g_error("%s", error->message);

	for (gsize i = 0; i < G_N_ELEMENTS(round_trips); i++) {
		g_autofree char *path = g_strdup_printf(
			"/crypto/sign/round-trip/%s/%s", crypto_sig_scheme_name(round_trips[i].scheme),
			round_trips[i].key);

		g_test_add_data_func(path, &round_trips[i], test_round_trip);
	}
	g_test_add_func("/crypto/sign/wrong-key", test_wrong_key);
	g_test_add_func("/crypto/sign/openssl/rsa-pkcs1", test_openssl_rsa_pkcs1);
	g_test_add_func("/crypto/sign/openssl/rsa-pss", test_openssl_rsa_pss);
	g_test_add_func("/crypto/sign/openssl/ecdsa", test_openssl_ecdsa);
	g_test_add_func("/crypto/sign/cert", test_cert);
	g_test_add_func("/crypto/sign/from-nss", test_from_nss);
	g_test_add_func("/crypto/sign/misuse", test_misuse);
	g_test_add_func("/crypto/sign/bad-der", test_bad_der);
	g_test_add_func("/crypto/sign/generate", test_generate);
	g_test_add_func("/crypto/sign/ed25519-absent", test_ed25519_absent);
	g_test_add_func("/crypto/sign/threads", test_threads);

	rc = g_test_run();
	/* fails (SEC_ERROR_BUSY) if any key or certificate leaked */
	g_assert_cmpint(NSS_Shutdown(), ==, SECSuccess);
	return rc;
}
