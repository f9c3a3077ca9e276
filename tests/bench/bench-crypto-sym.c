/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symmetric crypto throughput: SK protection per suite and packet size
 * (seal and open through crypto_sk_*, which import the key into NSS for
 * each message: the cost of one IKE message; the ESP data path keeps its
 * contexts, see tests/bench/esp), and IKE key derivation rate (SKEYSEED +
 * the seven SK_* keys per second).
 *
 *   bench-crypto-sym [--seconds S] [--json]
 *
 * Each line runs for about S seconds (default 0.3).  Text lines look like
 *   aead aes-gcm-16-256 1400B seal 812.3 MB/s
 *   kdf prf-hmac-sha2-256 skeyseed+7keys 41234 ops/s
 */
#include <stdio.h>
#include <string.h>

#include "keymat.h"
#include "nss-init.h"
#include "sk.h"

typedef struct {
	const char *label;
	guint16 encr;
	guint bits;
	guint16 integ;
} BenchSuite;

static const BenchSuite bench_suites[] = {
        {"aes-gcm-16-128", CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE},
        {"aes-gcm-16-256", CRYPTO_ENCR_AES_GCM_16, 256, CRYPTO_AUTH_NONE},
        {"chacha20-poly1305", CRYPTO_ENCR_CHACHA20_POLY1305, 256, CRYPTO_AUTH_NONE},
        {"aes-cbc-128-hmac-sha2-256-128", CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA2_256_128},
        {"aes-cbc-256-hmac-sha2-512-256", CRYPTO_ENCR_AES_CBC, 256, CRYPTO_AUTH_HMAC_SHA2_512_256},
        {"aes-cbc-128-hmac-sha1-96", CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA1_96},
};

static const gsize bench_sizes[] = {64, 1400, 8192};

typedef struct {
	double seconds;
	gboolean json;
	GString *json_out;
} Bench;

static void
report(Bench *b, const char *kind, const char *name, const char *what, double value,
       const char *unit)
{
	if (!b->json) {
		printf("%s %s %s %.1f %s\n", kind, name, what, value, unit);
		fflush(stdout);
		return;
	}
	g_string_append_printf(b->json_out,
	                       "%s\n  {\"kind\": \"%s\", \"name\": \"%s\", \"what\": \"%s\", "
	                       "\"value\": %.1f, \"unit\": \"%s\"}",
	                       b->json_out->len > 1 ? "," : "", kind, name, what, value, unit);
}

static IkebusSecbuf *
bench_key(gsize len)
{
	/* any fixed bytes do: the speed does not depend on the key */
	IkebusSecbuf *k = ikebus_secbuf_new(len);

	for (gsize i = 0; i < len; i++)
		k->data[i] = (guint8) (i * 37 + 11);
	return k;
}

/* Runs @fn until b->seconds have passed; returns iterations per second. */
typedef gboolean (*BenchFn)(gpointer data);

static double
run_timed(Bench *b, BenchFn fn, gpointer data)
{
	gint64 start = g_get_monotonic_time();
	gint64 end = start + (gint64) (b->seconds * G_USEC_PER_SEC);
	gint64 now;
	guint64 n = 0;

	do {
		for (int i = 0; i < 8; i++) {
			if (!fn(data)) {
				fprintf(stderr, "bench: operation failed\n");
				exit(1);
			}
		}
		n += 8;
		now = g_get_monotonic_time();
	} while (now < end);
	return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

typedef struct {
	CryptoSk *sk;
	guint8 aad[32];
	guint8 *plain;
	gsize plain_len;
	guint8 *body;
	gsize body_len;
	guint8 *out;
} SkJob;

static gboolean
do_seal(gpointer data)
{
	SkJob *j = data;

	return crypto_sk_seal(j->sk, j->aad, sizeof(j->aad), j->plain, j->plain_len, j->body,
	                      j->body_len, NULL);
}

static gboolean
do_open(gpointer data)
{
	SkJob *j = data;
	gsize got;

	return crypto_sk_open(j->sk, j->aad, sizeof(j->aad), j->body, j->body_len, j->out,
	                      j->body_len, &got, NULL);
}

static void
bench_sk(Bench *b, const BenchSuite *s)
{
	const CryptoEncrAlg *encr = crypto_encr_alg_by_id(s->encr);
	const CryptoIntegAlg *integ = crypto_integ_alg_by_id(s->integ);
	g_autoptr(IkebusSecbuf) ek = bench_key(crypto_encr_alg_keymat_len(encr, s->bits));
	g_autoptr(IkebusSecbuf) ak = integ != NULL ? bench_key(integ->key_size) : NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoSk) sk = crypto_sk_new(encr, s->bits, integ, ek, ak, &error);
	const char *kind = integ != NULL ? "cbc-hmac" : "aead";

	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(bench_sizes); i++) {
		SkJob j = {.sk = sk, .plain_len = bench_sizes[i]};
		g_autofree char *what_seal = g_strdup_printf("%zuB seal", bench_sizes[i]);
		g_autofree char *what_open = g_strdup_printf("%zuB open", bench_sizes[i]);
		double per_s;

		memset(j.aad, 0x2e, sizeof(j.aad));
		j.plain = g_malloc0(j.plain_len);
		j.body_len = crypto_sk_body_len(sk, j.plain_len);
		j.body = g_malloc(j.body_len);
		j.out = g_malloc(j.body_len);
		per_s = run_timed(b, do_seal, &j);
		report(b, kind, s->label, what_seal, per_s * (double) j.plain_len / 1e6, "MB/s");
		g_assert_true(do_seal(&j));
		per_s = run_timed(b, do_open, &j);
		report(b, kind, s->label, what_open, per_s * (double) j.plain_len / 1e6, "MB/s");
		g_free(j.plain);
		g_free(j.body);
		g_free(j.out);
	}
}

typedef struct {
	CryptoIkeSuite suite;
	IkebusSecbuf *g_ir;
	guint8 ni[32], nr[32], spi_i[8], spi_r[8];
} KdfJob;

static gboolean
do_kdf(gpointer data)
{
	KdfJob *j = data;
	g_autoptr(IkebusSecbuf) seed =
	        crypto_skeyseed(j->suite.prf, j->ni, 32, j->nr, 32, j->g_ir, NULL);
	g_auto(CryptoIkeKeys) keys = {0};

	return seed != NULL && crypto_ike_keys_derive(&j->suite, seed, j->ni, 32, j->nr, 32,
	                                              j->spi_i, j->spi_r, &keys, NULL);
}

static void
bench_kdf(Bench *b)
{
	gsize n;
	const CryptoPrfAlg *prfs = crypto_prf_algs(&n);

	for (gsize i = 0; i < n; i++) {
		KdfJob j = {0};
		g_autofree char *name = g_ascii_strdown(prfs[i].name, -1);

		for (char *p = name; *p; p++)
			*p = *p == '_' ? '-' : *p;
		j.suite =
		        (CryptoIkeSuite){&prfs[i], crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC), 256,
		                         crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128)};
		j.g_ir = bench_key(256); /* MODP-2048 sized */
		report(b, "kdf", name, "skeyseed+7keys", run_timed(b, do_kdf, &j), "ops/s");
		ikebus_secbuf_free(j.g_ir);
	}
}

int
main(int argc, char **argv)
{
	Bench b = {.seconds = 0.3};
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- symmetric crypto benchmark");
	GOptionEntry entries[] = {
	        {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &b.seconds, "Time per line (0.3)", "S"},
	        {"json", 0, 0, G_OPTION_ARG_NONE, &b.json, "JSON output", NULL},
	        {NULL},
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || b.seconds <= 0 ||
	    b.seconds > 60) {
		fprintf(stderr, "bench-crypto-sym: %s\n",
		        error != NULL ? error->message : "--seconds must be in (0, 60]");
		return 1;
	}
	if (!crypto_nss_init_nodb(&error)) {
		fprintf(stderr, "bench-crypto-sym: %s\n", error->message);
		return 1;
	}
	b.json_out = g_string_new("[");
	for (gsize i = 0; i < G_N_ELEMENTS(bench_suites); i++)
		bench_sk(&b, &bench_suites[i]);
	bench_kdf(&b);
	if (b.json)
		printf("%s\n]\n", b.json_out->str);
	g_string_free(b.json_out, TRUE);
	return 0;
}
