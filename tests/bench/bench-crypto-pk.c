/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key crypto throughput, single-threaded: key pair generation plus
 * derivation for every KE group, and sign / verify for the signature schemes
 * IKEv2 peers use most.  Each measurement runs for about --seconds.
 *
 * With --handshake, the public-key work of one responder handshake with
 * certificates instead (tests/bench/handshake's crypto ceiling for its
 * rsa2048 and ecdsa256 suites): Curve25519 key pair + derivation, one
 * signature with the responder's key and one verification with the
 * initiator's, in one loop.  The certificate chain check is left out.
 *
 * Output, one line per measurement (stable; the fields are space-separated):
 *   ke <iana id> <group> keygen+derive <ops/s> ops/s
 *   sig <key> <scheme> sign|verify <ops/s> ops/s
 *   hs <suite> <group>+<scheme> keygen+derive+sign+verify <ops/s> ops/s
 * or one JSON document with --json.
 */
#include <locale.h>
#include <nss.h>
#include <stdio.h>

#include "ke.h"
#include "nss-init.h"
#include "sign.h"

typedef struct {
	double seconds;
	gboolean json;
	GPtrArray *results; /* JSON objects as strings */
} Bench;

typedef gboolean (*BenchOp)(gpointer data);

/* Runs @op repeatedly for about b->seconds; returns ops/s (or -1 on failure). */
static double
measure(Bench *b, BenchOp op, gpointer data)
{
	gint64 start = g_get_monotonic_time(), now, limit = (gint64) (b->seconds * G_USEC_PER_SEC);
	guint64 n = 0;

	do {
		if (!op(data))
			return -1;
		n++;
		now = g_get_monotonic_time();
	} while (now - start < limit);
	return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

static void
report(Bench *b, const char *kind, const char *id, const char *name, const char *what,
       double ops)
{
	if (b->json) {
		g_ptr_array_add(b->results,
				g_strdup_printf("{\"kind\": \"%s\", \"id\": \"%s\", \"name\": \"%s\", "
						"\"op\": \"%s\", \"ops_per_sec\": %.1f}",
						kind, id, name, what, ops));
		return;
	}
	printf("%s %s %s %s %.1f ops/s\n", kind, id, name, what, ops);
	fflush(stdout);
}

/* ---- key exchange ------------------------------------------------------- */

typedef struct {
	const CryptoKeGroup *group;
	CryptoKe *peer;
} KeData;

static gboolean
op_ke(gpointer data)
{
	KeData *d = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke = crypto_ke_new(d->group, &error);
	g_autoptr(IkebusSecbuf) secret = NULL;
	GBytes *peer;

	if (ke == NULL) {
		g_printerr("%s: %s\n", d->group->name, error->message);
		return FALSE;
	}
	peer = crypto_ke_get_public(d->peer);
	secret = crypto_ke_derive(ke, g_bytes_get_data(peer, NULL), g_bytes_get_size(peer),
				  &error);
	if (secret == NULL) {
		g_printerr("%s: %s\n", d->group->name, error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
bench_ke(Bench *b)
{
	gsize n = 0;
	const CryptoKeGroup *groups = crypto_ke_groups(&n);

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CryptoKe) peer = crypto_ke_new(&groups[i], &error);
		g_autofree char *id = g_strdup_printf("%u", groups[i].id);
		KeData d = { &groups[i], peer };
		double ops;

		if (peer == NULL) {
			g_printerr("%s: %s\n", groups[i].name, error->message);
			return FALSE;
		}
		ops = measure(b, op_ke, &d);
		if (ops < 0)
			return FALSE;
		report(b, "ke", id, groups[i].name, "keygen+derive", ops);
	}
	return TRUE;
}

/* ---- signatures ---------------------------------------------------------- */

typedef struct {
	CryptoPrivKey *priv;
	CryptoPubKey *pub;
	CryptoSigScheme scheme;
	GBytes *sig;
} SigData;

/* About the size of what IKE_AUTH signs: IKE_SA_INIT message + nonce + prf. */
static guint8 sig_msg[600];

static gboolean
op_sign(gpointer data)
{
	SigData *d = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) sig = crypto_sign(d->priv, d->scheme, sig_msg, sizeof(sig_msg), &error);

	if (sig == NULL)
		g_printerr("sign: %s\n", error->message);
	return sig != NULL;
}

static gboolean
op_verify(gpointer data)
{
	SigData *d = data;
	g_autoptr(GError) error = NULL;

	if (!crypto_verify(d->pub, d->scheme, sig_msg, sizeof(sig_msg),
			   g_bytes_get_data(d->sig, NULL), g_bytes_get_size(d->sig), &error)) {
		g_printerr("verify: %s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
bench_sig(Bench *b)
{
	static const struct {
		const char *name;
		CryptoKeyType type;
		guint bits;
		CryptoSigScheme scheme;
	} v[] = {
		{ "rsa2048", CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 } },
		{ "rsa2048", CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PSS, CRYPTO_SIG_HASH_SHA2_256 } },
		{ "rsa3072", CRYPTO_KEY_RSA, 3072, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 } },
		{ "p256", CRYPTO_KEY_EC, 256, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_256 } },
		{ "p384", CRYPTO_KEY_EC, 384, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_384 } },
		{ "p521", CRYPTO_KEY_EC, 521, { CRYPTO_SIG_ECDSA_RAW, CRYPTO_SIG_HASH_SHA2_512 } },
	};

	for (gsize i = 0; i < sizeof(sig_msg); i++)
		sig_msg[i] = (guint8) i;
	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CryptoPrivKey) priv = crypto_privkey_generate(v[i].type, v[i].bits, &error);
		g_autoptr(CryptoPubKey) pub = NULL;
		g_autoptr(GBytes) sig = NULL;
		const char *scheme = crypto_sig_scheme_name(v[i].scheme);
		SigData d;
		double ops;

		if (priv == NULL) {
			g_printerr("%s: %s\n", v[i].name, error->message);
			return FALSE;
		}
		pub = crypto_privkey_dup_public(priv);
		sig = crypto_sign(priv, v[i].scheme, sig_msg, sizeof(sig_msg), &error);
		if (sig == NULL) {
			g_printerr("%s: %s\n", v[i].name, error->message);
			return FALSE;
		}
		d = (SigData){ priv, pub, v[i].scheme, sig };
		ops = measure(b, op_sign, &d);
		if (ops < 0)
			return FALSE;
		report(b, "sig", v[i].name, scheme, "sign", ops);
		ops = measure(b, op_verify, &d);
		if (ops < 0)
			return FALSE;
		report(b, "sig", v[i].name, scheme, "verify", ops);
	}
	return TRUE;
}

/* ---- one responder handshake with certificates ----------------------------- */

typedef struct {
	KeData ke;
	SigData sig;
} HsData;

static gboolean
op_handshake(gpointer data)
{
	HsData *d = data;

	return op_ke(&d->ke) && op_sign(&d->sig) && op_verify(&d->sig);
}

static gboolean
bench_handshake(Bench *b)
{
	static const struct {
		const char *name;
		CryptoKeyType type;
		guint bits;
		CryptoSigScheme scheme; /* what ikebus-load and the responders use */
	} v[] = {
		{ "rsa2048", CRYPTO_KEY_RSA, 2048, { CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256 } },
		{ "ecdsa256", CRYPTO_KEY_EC, 256, { CRYPTO_SIG_ECDSA_DER, CRYPTO_SIG_HASH_SHA2_256 } },
	};
	const CryptoKeGroup *group = crypto_ke_group_lookup_name("curve25519");

	if (group == NULL) {
		g_printerr("curve25519: not available\n");
		return FALSE;
	}
	for (gsize i = 0; i < sizeof(sig_msg); i++)
		sig_msg[i] = (guint8) i;
	for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CryptoKe) peer = crypto_ke_new(group, &error);
		g_autoptr(CryptoPrivKey) priv = NULL;
		g_autoptr(CryptoPubKey) pub = NULL;
		g_autoptr(GBytes) sig = NULL;
		g_autofree char *name = NULL;
		HsData d;
		double ops;

		if (peer != NULL)
			priv = crypto_privkey_generate(v[i].type, v[i].bits, &error);
		if (priv != NULL) {
			pub = crypto_privkey_dup_public(priv);
			sig = crypto_sign(priv, v[i].scheme, sig_msg, sizeof(sig_msg), &error);
		}
		if (sig == NULL) {
			g_printerr("%s: %s\n", v[i].name, error->message);
			return FALSE;
		}
		d = (HsData){ { group, peer }, { priv, pub, v[i].scheme, sig } };
		ops = measure(b, op_handshake, &d);
		if (ops < 0)
			return FALSE;
		name = g_strdup_printf("%s+%s", group->name, crypto_sig_scheme_name(v[i].scheme));
		report(b, "hs", v[i].name, name, "keygen+derive+sign+verify", ops);
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	Bench b = { .seconds = 0.5 };
	gboolean ke_only = FALSE, sig_only = FALSE, handshake = FALSE, ok = TRUE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- public-key crypto benchmark");
	GOptionEntry entries[] = {
		{ "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &b.seconds,
		  "Time per measurement (default 0.5)", "S" },
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &b.json, "Print one JSON document", NULL },
		{ "ke-only", 0, 0, G_OPTION_ARG_NONE, &ke_only, "Key exchange only", NULL },
		{ "sig-only", 0, 0, G_OPTION_ARG_NONE, &sig_only, "Signatures only", NULL },
		{ "handshake", 0, 0, G_OPTION_ARG_NONE, &handshake,
		  "Only a responder handshake with certificates: Curve25519 keygen+derive, "
		  "sign, verify", NULL },
		G_OPTION_ENTRY_NULL,
	};
	guint cores = g_get_num_processors();

	setlocale(LC_ALL, "C"); /* a '.' decimal point, whatever the environment */
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	if (b.seconds <= 0 || b.seconds > 60) {
		g_printerr("--seconds must be in (0, 60]\n");
		return 1;
	}
	if (!crypto_nss_init_nodb(&error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	b.results = g_ptr_array_new_with_free_func(g_free);
	if (!b.json)
		printf("# bench-crypto-pk: NSS %s, %u cores online, single-threaded, %.2f s per "
		       "measurement\n",
		       NSS_GetVersion(), cores, b.seconds);
	if (handshake)
		ok = bench_handshake(&b);
	if (!handshake && !sig_only)
		ok = bench_ke(&b);
	if (ok && !handshake && !ke_only)
		ok = bench_sig(&b);
	if (b.json) {
		printf("{\"benchmark\": \"crypto-pk\", \"nss\": \"%s\", \"cores\": %u, "
		       "\"threads\": 1, \"seconds\": %.2f, \"results\": [\n",
		       NSS_GetVersion(), cores, b.seconds);
		for (guint i = 0; i < b.results->len; i++)
			printf("  %s%s\n", (char *) b.results->pdata[i],
			       i + 1 < b.results->len ? "," : "");
		printf("]}\n");
	}
	g_ptr_array_unref(b.results);
	if (NSS_Shutdown() != SECSuccess)
		g_printerr("NSS_Shutdown: objects still in use\n");
	return ok ? 0 : 1;
}
