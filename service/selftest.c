/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusd --selftest.  Each check runs the real code path the daemon uses:
 * a full Diffie-Hellman agreement per group, an SK seal/open round trip (plus
 * a tamper check) per encryption suite and key size, a known answer per PRF,
 * and a sign/verify per signature scheme.  One line per check, so an admin
 * sees at once what this build and this NSS can do.
 */
#include "selftest.h"

#include "alg.h"
#include "keymat.h"
#include "ke.h"
#include "nss-init.h"

#include <nss.h>
#include "prf.h"
#include "sign.h"
#include "sk.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	guint passed;
	guint failed;
} SelftestTally;

static void
report(SelftestTally *tally, const char *what, gboolean ok, const GError *error)
{
	printf("  %-52s %s%s%s\n", what, ok ? "ok" : "FAILED", ok ? "" : ": ",
	       ok ? "" : (error != NULL ? error->message : "wrong result"));
	if (ok)
		tally->passed++;
	else
		tally->failed++;
}

static gboolean
check_ke_group(const CryptoKeGroup *group, GError **error)
{
	g_autoptr(CryptoKe) a = crypto_ke_new(group, error);
	g_autoptr(CryptoKe) b = NULL;
	g_autoptr(IkebusSecbuf) ab = NULL;
	g_autoptr(IkebusSecbuf) ba = NULL;
	GBytes *pub_a, *pub_b;

	if (a == NULL || (b = crypto_ke_new(group, error)) == NULL)
		return FALSE;
	pub_a = crypto_ke_get_public(a);
	pub_b = crypto_ke_get_public(b);
	ab = crypto_ke_derive(a, g_bytes_get_data(pub_b, NULL), g_bytes_get_size(pub_b), error);
	if (ab == NULL)
		return FALSE;
	ba = crypto_ke_derive(b, g_bytes_get_data(pub_a, NULL), g_bytes_get_size(pub_a), error);
	if (ba == NULL)
		return FALSE;
	return ab->len == group->secret_len && ab->len == ba->len &&
	       memcmp(ab->data, ba->data, ab->len) == 0;
}

static gboolean
check_sk_suite(const CryptoEncrAlg *encr, guint bits, const CryptoIntegAlg *integ, GError **error)
{
	static const guint8 aad[32] = { 0x11, 0x22, 0x33, 0x44, 0x2e, 0x20, 0x23, 0x08 };
	static const guint8 plain[] = "IDi AUTH SA TSi TSr: a short IKE_AUTH body";
	g_autoptr(IkebusSecbuf) ekey = ikebus_secbuf_new(crypto_encr_alg_keymat_len(encr, bits));
	g_autoptr(IkebusSecbuf) ikey = integ != NULL ? ikebus_secbuf_new(integ->key_size) : NULL;
	g_autoptr(CryptoSk) sk = NULL;
	g_autofree guint8 *body = NULL;
	g_autofree guint8 *out = NULL;
	gsize body_len, plain_len = 0;
	g_autoptr(GError) tamper_error = NULL;

	memset(ekey->data, 0x5a, ekey->len);
	if (ikey != NULL)
		memset(ikey->data, 0xa5, ikey->len);
	sk = crypto_sk_new(encr, bits, integ, ekey, ikey, error);
	if (sk == NULL)
		return FALSE;
	body_len = crypto_sk_body_len(sk, sizeof(plain));
	body = g_malloc(body_len);
	out = g_malloc(crypto_sk_open_buf_len(sk, body_len));
	if (!crypto_sk_seal(sk, aad, sizeof(aad), plain, sizeof(plain), body, body_len, error) ||
	    !crypto_sk_open(sk, aad, sizeof(aad), body, body_len, out,
			    crypto_sk_open_buf_len(sk, body_len), &plain_len, error))
		return FALSE;
	if (plain_len != sizeof(plain) || memcmp(out, plain, plain_len) != 0)
		return FALSE;
	/* a forged body must be refused, or integrity is not being checked */
	body[body_len - 1] ^= 0x01;
	return !crypto_sk_open(sk, aad, sizeof(aad), body, body_len, out,
			       crypto_sk_open_buf_len(sk, body_len), &plain_len, &tamper_error);
}

/* HMAC known answers: RFC 2202 / RFC 4231 test case 2 ("Jefe"). */
static gboolean
check_prf(const CryptoPrfAlg *prf, GError **error)
{
	static const char *const want[] = {
		[CRYPTO_PRF_HMAC_SHA1] = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
		[CRYPTO_PRF_HMAC_SHA2_256] =
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		[CRYPTO_PRF_HMAC_SHA2_384] =
			"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
			"8e2240ca5e69e2c78b3239ecfab21649",
		[CRYPTO_PRF_HMAC_SHA2_512] =
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
			"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	};
	static const char data[] = "what do ya want for nothing?";
	CryptoChunk in = CRYPTO_CHUNK((const guint8 *) data, sizeof(data) - 1);
	g_autoptr(IkebusSecbuf) mac = NULL;
	g_autofree char *hex = NULL;

	if (prf->id >= G_N_ELEMENTS(want) || want[prf->id] == NULL)
		return FALSE;
	mac = crypto_prf(prf, (const guint8 *) "Jefe", 4, &in, 1, error);
	if (mac == NULL)
		return FALSE;
	hex = g_malloc(mac->len * 2 + 1);
	for (gsize i = 0; i < mac->len; i++)
		g_snprintf(hex + 2 * i, 3, "%02x", mac->data[i]);
	return g_str_equal(hex, want[prf->id]);
}

static gboolean
check_signature(CryptoPrivKey *key, CryptoSigScheme scheme, GError **error)
{
	static const guint8 octets[] = "InitiatorSignedOctets";
	g_autoptr(CryptoPubKey) pub = crypto_privkey_dup_public(key);
	g_autoptr(GBytes) sig = crypto_sign(key, scheme, octets, sizeof(octets), error);
	g_autoptr(GError) forged_error = NULL;

	if (sig == NULL || pub == NULL)
		return FALSE;
	if (!crypto_verify(pub, scheme, octets, sizeof(octets), g_bytes_get_data(sig, NULL),
			   g_bytes_get_size(sig), error))
		return FALSE;
	/* verification must depend on the data */
	return !crypto_verify(pub, scheme, octets, sizeof(octets) - 1, g_bytes_get_data(sig, NULL),
			      g_bytes_get_size(sig), &forged_error);
}

static void
run_ke_checks(SelftestTally *tally)
{
	gsize n;
	const CryptoKeGroup *groups = crypto_ke_groups(&n);

	printf("key exchange\n");
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *what = g_strdup_printf("KE %u %s (agreement, %zu-octet g^ir)",
							groups[i].id, groups[i].name,
							groups[i].secret_len);

		report(tally, what, check_ke_group(&groups[i], &error), error);
	}
}

static void
run_sk_checks(SelftestTally *tally)
{
	gsize n_encr, n_integ;
	const CryptoEncrAlg *encrs = crypto_encr_algs(&n_encr);
	const CryptoIntegAlg *integs = crypto_integ_algs(&n_integ);

	printf("SK payload protection (seal, open, tamper)\n");
	for (gsize e = 0; e < n_encr; e++) {
		const CryptoEncrAlg *encr = &encrs[e];

		for (guint k = 0; k < CRYPTO_ALG_MAX_KEY_SIZES && encr->key_bits[k] != 0; k++) {
			gboolean aead = crypto_encr_alg_is_aead(encr);

			/* CBC pairs with every integrity algorithm; an AEAD with none */
			for (gsize i = 0; i < (aead ? 1 : n_integ); i++) {
				const CryptoIntegAlg *integ = aead ? NULL : &integs[i];
				g_autoptr(GError) error = NULL;
				g_autofree char *what = g_strdup_printf(
					"%s-%u%s%s", encr->name, encr->key_bits[k],
					integ != NULL ? " + " : "", integ != NULL ? integ->name : "");

				report(tally, what,
				       check_sk_suite(encr, encr->key_bits[k], integ, &error),
				       error);
			}
		}
	}
}

static void
run_prf_checks(SelftestTally *tally)
{
	gsize n;
	const CryptoPrfAlg *prfs = crypto_prf_algs(&n);

	printf("pseudo-random functions (known answers)\n");
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;

		report(tally, prfs[i].name, check_prf(&prfs[i], &error), error);
	}
}

static void
run_signature_checks(SelftestTally *tally)
{
	static const struct {
		CryptoKeyType type;
		guint bits;
		CryptoSigScheme scheme;
	} cases[] = {
		{ CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA1 } },
		{ CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 } },
		{ CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PSS, CRYPTO_SIG_HASH_SHA2_256 } },
		{ CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PSS, CRYPTO_SIG_HASH_SHA2_512 } },
		{ CRYPTO_KEY_EC, 256, { CRYPTO_SIG_ECDSA_DER, CRYPTO_SIG_HASH_SHA2_256 } },
		{ CRYPTO_KEY_EC, 384, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_384 } },
		{ CRYPTO_KEY_EC, 521, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_512 } },
	};
	g_autoptr(GHashTable) keys =
		g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) crypto_privkey_unref);

	printf("signatures (generate, sign, verify, forged data refused)\n");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		guint tag = cases[i].type * 10000 + cases[i].bits;
		CryptoPrivKey *key = g_hash_table_lookup(keys, GUINT_TO_POINTER(tag));
		g_autofree char *what = NULL;
		gboolean ok;

		if (key == NULL) {
			key = crypto_privkey_generate(cases[i].type, cases[i].bits, &error);
			if (key != NULL)
				g_hash_table_insert(keys, GUINT_TO_POINTER(tag), key);
		}
		what = g_strdup_printf("%s%u %s", cases[i].type == CRYPTO_KEY_RSA ? "RSA-" : "ECDSA P-",
				       cases[i].bits, crypto_sig_scheme_name(cases[i].scheme));
		ok = key != NULL && check_signature(key, cases[i].scheme, &error);
		report(tally, what, ok, error);
	}
	printf("  %-52s %s\n", "Ed25519 (RFC 8420)", "not offered: NSS 3.87 has no EdDSA");
}

gboolean
ikebusd_selftest(void)
{
	g_autoptr(GError) error = NULL;
	SelftestTally tally = { 0 };

	printf("ikebusd self-test (NSS %s)\n", NSS_GetVersion());
	if (!crypto_nss_init_nodb(&error)) {
		printf("  NSS initialisation FAILED: %s\n", error->message);
		return FALSE;
	}
	run_ke_checks(&tally);
	run_prf_checks(&tally);
	run_sk_checks(&tally);
	run_signature_checks(&tally);
	printf("%u passed, %u failed\n", tally.passed, tally.failed);
	return tally.failed == 0;
}
