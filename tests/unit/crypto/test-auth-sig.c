/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 7427 AUTH data: byte-exact AlgorithmIdentifiers, build/parse round
 * trips, sign -> build -> parse -> verify, and rejection of malformed data.
 */
#include <nss.h>

#include "auth-sig.h"
#include "nss-init.h"

static GBytes *
hex(const char *s)
{
	GByteArray *out = g_byte_array_new();

	for (; *s != '\0'; s += 2) {
		guint8 b;

		g_assert_true(g_ascii_isxdigit(s[0]) && g_ascii_isxdigit(s[1]));
		b = (guint8) (g_ascii_xdigit_value(s[0]) << 4 | g_ascii_xdigit_value(s[1]));
		g_byte_array_append(out, &b, 1);
	}
	return g_byte_array_free_to_bytes(out);
}

#define S(k, h) { CRYPTO_SIG_##k, CRYPTO_SIG_HASH_##h }

/*
 * The signatureAlgorithm fields of certificates made with
 * `openssl req -x509 -new -key K -<hash> [-sigopt rsa_padding_mode:pss
 * -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:<hash>]` (OpenSSL 3.0),
 * see data/pk/README.md.
 */
static const struct {
	CryptoSigScheme scheme;
	const char *der;
} openssl_algids[] = {
	{ S(RSA_PKCS1, SHA1), "300d06092a864886f70d0101050500" },
	{ S(RSA_PKCS1, SHA2_256), "300d06092a864886f70d01010b0500" },
	{ S(RSA_PKCS1, SHA2_384), "300d06092a864886f70d01010c0500" },
	{ S(RSA_PKCS1, SHA2_512), "300d06092a864886f70d01010d0500" },
	{ S(RSA_PSS, SHA2_256),
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f7"
	  "0d010108300d06096086480165030402010500a203020120" },
	{ S(RSA_PSS, SHA2_384),
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f7"
	  "0d010108300d06096086480165030402020500a203020130" },
	{ S(RSA_PSS, SHA2_512),
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f7"
	  "0d010108300d06096086480165030402030500a203020140" },
	{ S(ECDSA_DER, SHA2_256), "300a06082a8648ce3d040302" },
	{ S(ECDSA_DER, SHA2_384), "300a06082a8648ce3d040303" },
	{ S(ECDSA_DER, SHA2_512), "300a06082a8648ce3d040304" },
};

static void
test_algid_der(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(openssl_algids); i++) {
		g_autoptr(GBytes) want = hex(openssl_algids[i].der);
		g_autoptr(GError) error = NULL;
		gsize len = 0;
		const guint8 *der = crypto_auth_sig_algid(openssl_algids[i].scheme, &len, &error);

		g_assert_no_error(error);
		g_assert_cmpmem(der, len, g_bytes_get_data(want, NULL), g_bytes_get_size(want));
	}
}

static void
test_round_trip(void)
{
	const guint8 sig[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };

	for (gsize i = 0; i < G_N_ELEMENTS(openssl_algids); i++) {
		CryptoSigScheme want = openssl_algids[i].scheme, got = { 0 };
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) blob = crypto_auth_sig_build(want, sig, sizeof(sig), &error);
		g_autoptr(GBytes) algid = hex(openssl_algids[i].der);
		const guint8 *data, *got_sig = NULL;
		gsize len, got_len = 0;

		g_assert_no_error(error);
		data = g_bytes_get_data(blob, &len);
		/* length octet, AlgorithmIdentifier, signature */
		g_assert_cmpuint(data[0], ==, g_bytes_get_size(algid));
		g_assert_cmpmem(data + 1, data[0], g_bytes_get_data(algid, NULL),
				g_bytes_get_size(algid));
		g_assert_cmpmem(data + 1 + data[0], len - 1 - data[0], sig, sizeof(sig));

		g_assert_true(crypto_auth_sig_parse(data, len, &got, &got_sig, &got_len, &error));
		g_assert_no_error(error);
		g_assert_cmpint(got.kind, ==, want.kind);
		g_assert_cmpint(got.hash, ==, want.hash);
		g_assert_true(got_sig == data + 1 + data[0]);
		g_assert_cmpmem(got_sig, got_len, sig, sizeof(sig));
	}
}

/* Sign, wrap as AUTH data, parse, verify with what the parser found. */
static void
test_sign_verify(void)
{
	static const struct {
		const char *key;
		CryptoSigScheme scheme;
	} v[] = {
		{ "rsa2048.p8.der", S(RSA_PKCS1, SHA2_256) },
		{ "rsa2048.p8.der", S(RSA_PSS, SHA2_384) },
		{ "ec256.p8.der", S(ECDSA_DER, SHA2_256) },
		{ "ec521.p8.der", S(ECDSA_DER, SHA2_512) },
	};
	const guint8 msg[] = "octets signed in IKE_AUTH";

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autofree char *path = g_build_filename(g_getenv("IKEBUS_SRCDIR"), "tests", "unit",
							 "crypto", "data", "pk", v[i].key, NULL);
		g_autoptr(GError) error = NULL;
		g_autofree char *der = NULL;
		gsize der_len = 0;
		g_autoptr(CryptoPrivKey) priv = NULL;
		g_autoptr(CryptoPubKey) pub = NULL;
		g_autoptr(GBytes) sig = NULL, blob = NULL;
		CryptoSigScheme got;
		const guint8 *got_sig;
		gsize got_len;
		g_autofree guint8 *bad = NULL;

		g_assert_true(g_file_get_contents(path, &der, &der_len, &error));
		priv = crypto_privkey_new_from_pkcs8((guint8 *) der, der_len, &error);
		g_assert_no_error(error);
		pub = crypto_privkey_dup_public(priv);
		sig = crypto_sign(priv, v[i].scheme, msg, sizeof(msg), &error);
		g_assert_no_error(error);
		blob = crypto_auth_sig_build(v[i].scheme, g_bytes_get_data(sig, NULL),
					     g_bytes_get_size(sig), &error);
		g_assert_no_error(error);
		g_assert_true(crypto_auth_sig_parse(g_bytes_get_data(blob, NULL),
						    g_bytes_get_size(blob), &got, &got_sig,
						    &got_len, &error));
		g_assert_no_error(error);
		g_assert_true(crypto_verify(pub, got, msg, sizeof(msg), got_sig, got_len, &error));
		g_assert_no_error(error);
		/* a changed signature byte inside the blob fails verification */
		bad = g_memdup2(got_sig, got_len);
		bad[got_len / 2] ^= 0x10;
		g_assert_false(crypto_verify(pub, got, msg, sizeof(msg), bad, got_len, &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	}
}

/* AUTH data = length octet (computed here) + @algid_hex + a 4-byte signature. */
static GBytes *
blob_with(const char *algid_hex)
{
	g_autoptr(GBytes) algid = hex(algid_hex);
	GByteArray *out = g_byte_array_new();
	guint8 len = (guint8) g_bytes_get_size(algid);
	const guint8 sig[] = { 1, 2, 3, 4 };

	g_byte_array_append(out, &len, 1);
	g_byte_array_append(out, g_bytes_get_data(algid, NULL), len);
	g_byte_array_append(out, sig, sizeof(sig));
	return g_byte_array_free_to_bytes(out);
}

static void
expect_parse(GBytes *blob, GQuark domain, int code, const char *what, CryptoSigScheme want)
{
	g_autoptr(GError) error = NULL;
	CryptoSigScheme got = { 0 };
	const guint8 *sig = NULL;
	gsize sig_len = 0;
	gboolean ok = crypto_auth_sig_parse(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob),
					    &got, &sig, &sig_len, &error);

	if (domain == 0) {
		if (!ok)
			g_error("%s: rejected: %s", what, error->message);
		g_assert_cmpint(got.kind, ==, want.kind);
		g_assert_cmpint(got.hash, ==, want.hash);
		g_assert_cmpuint(sig_len, ==, 4);
		return;
	}
	if (ok)
		g_error("%s: accepted", what);
	g_assert_error(error, domain, code);
	g_test_message("%s: %s", what, error->message);
}

#define ACCEPT(h, what, scheme) expect_parse(h, 0, 0, what, (CryptoSigScheme) scheme)
#define REJECT(h, code, what)                                                                   \
	expect_parse(h, CRYPTO_ERROR, CRYPTO_ERROR_##code, what, (CryptoSigScheme){ 0 })

static void
test_variants(void)
{
	g_autoptr(GBytes) b1 = blob_with("300b06092a864886f70d01010b"); /* params absent */
	g_autoptr(GBytes) b2 = blob_with("300c06082a8648ce3d0403020500"); /* ECDSA with NULL */
	/* PSS with hash parameters absent (RFC 4055 §2.1 permits it) */
	g_autoptr(GBytes) b3 = blob_with(
		"303d06092a864886f70d01010a3030a00d300b0609608648016503040201a11a301806092a864886f7"
		"0d010108300b0609608648016503040201a203020120");
	/* PSS with an explicit trailerField 1 */
	g_autoptr(GBytes) b4 = blob_with(
		"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a8648"
		"86f70d010108300d06096086480165030402010500a203020120a303020101");

	ACCEPT(b1, "sha256WithRSAEncryption, no parameters", S(RSA_PKCS1, SHA2_256));
	ACCEPT(b2, "ecdsa-with-SHA256 with NULL", S(ECDSA_DER, SHA2_256));
	ACCEPT(b3, "PSS, hash parameters absent", S(RSA_PSS, SHA2_256));
	ACCEPT(b4, "PSS, trailerField 1", S(RSA_PSS, SHA2_256));
}

static void
test_malformed(void)
{
	const char *sha256rsa = "300d06092a864886f70d01010b0500";
	g_autoptr(GBytes) good = blob_with(sha256rsa);
	const guint8 *g = g_bytes_get_data(good, NULL);
	gsize glen = g_bytes_get_size(good);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) zero_len = g_bytes_new((const guint8[]){ 0, 1, 2, 3 }, 4);
	g_autoptr(GBytes) too_long = NULL, no_sig = NULL, short_len = NULL, long_len = NULL;
	g_autoptr(GBytes) bad_tag = blob_with("310d06092a864886f70d01010b0500");
	g_autoptr(GBytes) trailing = blob_with("300d06092a864886f70d01010b050000");
	g_autoptr(GBytes) inner_len = blob_with("300e06092a864886f70d01010b0500");
	g_autoptr(GBytes) rsa_params = blob_with("300e06092a864886f70d01010b020100");
	g_autoptr(GBytes) ecdsa_params = blob_with("300d06082a8648ce3d040302020100");
	g_autoptr(GBytes) not_seq = blob_with("06092a864886f70d01010b");
	g_autoptr(GBytes) indefinite = blob_with("308006092a864886f70d01010b05000000");
	guint8 *buf;

	/* the length octet against the data */
	REJECT(empty, INVALID, "empty");
	REJECT(zero_len, INVALID, "length octet 0");
	buf = g_memdup2(g, glen);
	buf[0] = (guint8) (glen - 1);
	no_sig = g_bytes_new_take(buf, glen); /* AlgorithmIdentifier swallows the signature */
	REJECT(no_sig, INVALID, "length octet covers the signature");
	buf = g_memdup2(g, glen);
	buf[0] = (guint8) glen;
	too_long = g_bytes_new_take(buf, glen);
	REJECT(too_long, INVALID, "length octet beyond the data");
	buf = g_memdup2(g, glen);
	buf[0] -= 1;
	short_len = g_bytes_new_take(buf, glen);
	REJECT(short_len, INVALID, "length octet one short");
	buf = g_memdup2(g, glen);
	buf[0] += 1;
	long_len = g_bytes_new_take(buf, glen);
	REJECT(long_len, INVALID, "length octet one long");

	/* the DER itself */
	REJECT(bad_tag, INVALID, "SET instead of SEQUENCE");
	REJECT(trailing, INVALID, "byte after the SEQUENCE");
	REJECT(inner_len, INVALID, "SEQUENCE length past its content");
	REJECT(rsa_params, INVALID, "RSA parameters not NULL");
	REJECT(ecdsa_params, INVALID, "ECDSA parameters present");
	REJECT(not_seq, INVALID, "bare OID");
	REJECT(indefinite, INVALID, "BER indefinite length");
}

static void
test_unsupported(void)
{
	/* PSS with all defaults: SHA-1, MGF1-SHA-1, salt 20 */
	g_autoptr(GBytes) pss_default = blob_with("300d06092a864886f70d01010a3000");
	/* PSS SHA-256 with salt 20 */
	g_autoptr(GBytes) pss_salt = blob_with(
		"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a8648"
		"86f70d010108300d06096086480165030402010500a203020114");
	/* PSS SHA-256 with MGF1-SHA-512 */
	g_autoptr(GBytes) pss_mgf = blob_with(
		"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a8648"
		"86f70d010108300d06096086480165030402030500a203020120");
	/* PSS with the mask function not MGF1 (OID 1.2.840.113549.1.1.9) */
	g_autoptr(GBytes) pss_mask = blob_with(
		"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a8648"
		"86f70d010109300d06096086480165030402010500a203020120");
	g_autoptr(GBytes) ed25519 = blob_with("300506032b6570");
	g_autoptr(GBytes) dsa_sha256 = blob_with("300b0609608648016503040302");
	g_autoptr(GBytes) ecdsa_sha1 = blob_with("300906072a8648ce3d0401");
	GError *error = NULL;
	CryptoSigScheme raw = S(ECDSA_RAW, SHA2_256);
	CryptoSigScheme pss1 = S(RSA_PSS, SHA1);
	const guint8 sig[] = { 1 };
	gsize len = 0;

	REJECT(pss_default, UNSUPPORTED, "PSS defaults (SHA-1)");
	REJECT(pss_salt, UNSUPPORTED, "PSS salt 20");
	REJECT(pss_mgf, UNSUPPORTED, "PSS MGF1 hash differs");
	REJECT(pss_mask, UNSUPPORTED, "PSS mask not MGF1");
	REJECT(ed25519, UNSUPPORTED, "Ed25519");
	REJECT(dsa_sha256, UNSUPPORTED, "dsa-with-sha256");
	REJECT(ecdsa_sha1, UNSUPPORTED, "ecdsa-with-SHA1");

	/* the unknown OID is named in dotted form */
	{
		CryptoSigScheme s;
		const guint8 *p;
		gsize n;

		g_assert_false(crypto_auth_sig_parse(g_bytes_get_data(dsa_sha256, NULL),
						     g_bytes_get_size(dsa_sha256), &s, &p, &n,
						     &error));
		g_assert_nonnull(strstr(error->message, "2.16.840.1.101.3.4.3.2"));
		g_clear_error(&error);
	}

	/* building: RFC 7427 has no raw ECDSA; no empty signatures */
	g_assert_null(crypto_auth_sig_build(raw, sig, 1, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_null(crypto_auth_sig_algid(pss1, &len, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_null(crypto_auth_sig_build((CryptoSigScheme) S(RSA_PSS, SHA2_256), sig, 0, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
}

static void
test_hashes(void)
{
	gsize n = 0;
	const CryptoSigHash *h = crypto_auth_sig_hashes(&n);

	/* RFC 7427 §7 values 2, 3, 4; SHA-1 is not announced (RFC 8247 §3.2) */
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpint(h[0], ==, 2);
	g_assert_cmpint(h[1], ==, 3);
	g_assert_cmpint(h[2], ==, 4);
	g_assert_cmpint(CRYPTO_SIG_HASH_SHA1, ==, 1);
	g_assert_cmpint(CRYPTO_SIG_HASH_IDENTITY, ==, 5);
}

static void
test_auth_methods(void)
{
	CryptoSigScheme s;
	guint bits = 99;
	GError *error = NULL;

	g_assert_true(crypto_auth_method_scheme(1, &s, &bits, &error));
	g_assert_cmpint(s.kind, ==, CRYPTO_SIG_RSA_PKCS1);
	g_assert_cmpint(s.hash, ==, CRYPTO_SIG_HASH_SHA1);
	g_assert_cmpuint(bits, ==, 0);
	g_assert_true(crypto_auth_method_scheme(9, &s, &bits, &error));
	g_assert_cmpint(s.kind, ==, CRYPTO_SIG_ECDSA_RAW);
	g_assert_cmpint(s.hash, ==, CRYPTO_SIG_HASH_SHA2_256);
	g_assert_cmpuint(bits, ==, 256);
	g_assert_true(crypto_auth_method_scheme(10, &s, &bits, &error));
	g_assert_cmpint(s.hash, ==, CRYPTO_SIG_HASH_SHA2_384);
	g_assert_cmpuint(bits, ==, 384);
	g_assert_true(crypto_auth_method_scheme(11, &s, &bits, &error));
	g_assert_cmpint(s.hash, ==, CRYPTO_SIG_HASH_SHA2_512);
	g_assert_cmpuint(bits, ==, 521);
	g_assert_no_error(error);
	/* 2 is the shared key MIC, 14 is RFC 7427 (parsed from the AUTH data) */
	g_assert_false(crypto_auth_method_scheme(2, &s, &bits, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	g_assert_false(crypto_auth_method_scheme(14, &s, &bits, &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED);
	g_clear_error(&error);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	if (!crypto_nss_init_nodb(&error))
		g_error("%s", error->message);

	g_test_add_func("/crypto/auth-sig/algid-der", test_algid_der);
	g_test_add_func("/crypto/auth-sig/round-trip", test_round_trip);
	g_test_add_func("/crypto/auth-sig/sign-verify", test_sign_verify);
	g_test_add_func("/crypto/auth-sig/variants", test_variants);
	g_test_add_func("/crypto/auth-sig/malformed", test_malformed);
	g_test_add_func("/crypto/auth-sig/unsupported", test_unsupported);
	g_test_add_func("/crypto/auth-sig/hashes", test_hashes);
	g_test_add_func("/crypto/auth-sig/auth-methods", test_auth_methods);

	rc = g_test_run();
	g_assert_cmpint(NSS_Shutdown(), ==, SECSuccess);
	return rc;
}
