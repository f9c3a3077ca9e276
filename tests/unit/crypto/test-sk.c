/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SK payload protection (RFC 7296 §3.14, RFC 5282, RFC 7634) for every
 * supported suite: round trips for every inner length 0..40, every single
 * flipped bit of the associated data, IV, ciphertext and ICV is
 * CRYPTO_ERROR_AUTH, a bad Pad Length and truncated bodies are refused, and
 * non-minimal padding from a peer is accepted.
 */
#include <string.h>

#include "aead.h"
#include "cbc-hmac.h"
#include "nss-init.h"
#include "sk.h"

typedef struct {
	char name[64];
	const CryptoEncrAlg *encr;
	guint bits;
	const CryptoIntegAlg *integ;
} Suite;

static GPtrArray *suites;

/* 28-octet IKE header + 4-octet SK generic payload header */
#define AAD_LEN 32

typedef struct {
	IkebusSecbuf *ekey;
	IkebusSecbuf *akey;
	CryptoSk *sk;
	guint8 aad[AAD_LEN];
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	const Suite *s = data;
	g_autoptr(GError) error = NULL;

	f->ekey = ikebus_secbuf_new(crypto_encr_alg_keymat_len(s->encr, s->bits));
	for (gsize i = 0; i < f->ekey->len; i++)
		f->ekey->data[i] = (guint8) (0x40 + i);
	if (s->integ != NULL) {
		f->akey = ikebus_secbuf_new(s->integ->key_size);
		for (gsize i = 0; i < f->akey->len; i++)
			f->akey->data[i] = (guint8) (0x90 + i);
	}
	for (gsize i = 0; i < AAD_LEN; i++)
		f->aad[i] = (guint8) (i * 3);
	f->sk = crypto_sk_new(s->encr, s->bits, s->integ, f->ekey, f->akey, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->sk);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	crypto_sk_free(f->sk);
	ikebus_secbuf_free(f->ekey);
	ikebus_secbuf_free(f->akey);
}

static gsize
icv_size(const Suite *s)
{
	return s->integ != NULL ? s->integ->icv_size : s->encr->icv_size;
}

static guint8 *
seal(Fixture *f, const guint8 *plain, gsize len, gsize *body_len)
{
	g_autoptr(GError) error = NULL;
	guint8 *body;

	*body_len = crypto_sk_body_len(f->sk, len);
	body = g_malloc(*body_len);
	g_assert_true(crypto_sk_seal(f->sk, f->aad, AAD_LEN, plain, len, body, *body_len, &error));
	g_assert_no_error(error);
	return body;
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
	const Suite *s = data;
	guint8 plain[40];

	for (gsize i = 0; i < sizeof(plain); i++)
		plain[i] = (guint8) (0xa0 ^ i);
	for (gsize len = 0; len <= sizeof(plain); len++) {
		gsize body_len, got_len = 999;
		g_autofree guint8 *body = seal(f, plain, len, &body_len);
		g_autofree guint8 *out = g_malloc(crypto_sk_open_buf_len(f->sk, body_len));
		gsize ct_len = body_len - s->encr->iv_size - icv_size(s);
		g_autoptr(GError) error = NULL;

		/* IV | ciphertext | ICV, ciphertext = whole blocks holding
		 * inner payloads, padding and the Pad Length octet */
		g_assert_cmpuint(ct_len % s->encr->pad_block, ==, 0);
		g_assert_cmpuint(ct_len, >=, len + 1);
		g_assert_cmpuint(ct_len, <, len + 1 + s->encr->pad_block);
		g_assert_cmpuint(body_len - len, <=, crypto_sk_overhead(f->sk));
		g_assert_cmpuint(crypto_sk_max_plain_len(f->sk, body_len), >=, len);
		g_assert_cmpuint(
		        crypto_sk_body_len(f->sk, crypto_sk_max_plain_len(f->sk, body_len)), <=,
		        body_len);
		/* the plaintext does not show through */
		if (len >= 8)
			g_assert_null(memmem(body, body_len, plain, 8));
		g_assert_true(crypto_sk_open(f->sk, f->aad, AAD_LEN, body, body_len, out,
		                             crypto_sk_open_buf_len(f->sk, body_len), &got_len,
		                             &error));
		g_assert_no_error(error);
		g_assert_cmpmem(out, got_len, plain, len);
	}
}

/* Two seals of the same plaintext use different IVs. */
static void
test_fresh_iv(Fixture *f, gconstpointer data)
{
	const Suite *s = data;
	guint8 plain[20] = {0};
	gsize n1, n2;
	g_autofree guint8 *b1 = seal(f, plain, sizeof(plain), &n1);
	g_autofree guint8 *b2 = seal(f, plain, sizeof(plain), &n2);

	g_assert_cmpuint(n1, ==, n2);
	g_assert_true(memcmp(b1, b2, s->encr->iv_size) != 0);
	g_assert_true(memcmp(b1 + s->encr->iv_size, b2 + s->encr->iv_size, n1 - s->encr->iv_size) !=
	              0);
}

static void
expect_open_fails(Fixture *f, const guint8 *aad, const guint8 *body, gsize body_len,
                  CryptoError code)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *out = g_malloc(body_len + 1);
	gsize got = 0;

	g_assert_false(crypto_sk_open(f->sk, aad, AAD_LEN, body, body_len, out, body_len + 1, &got,
	                              &error));
	g_assert_error(error, CRYPTO_ERROR, (gint) code);
}

static void
test_bit_flips(Fixture *f, gconstpointer data)
{
	const guint8 plain[13] = "IDi AUTH ...";
	gsize body_len;
	g_autofree guint8 *body = seal(f, plain, sizeof(plain), &body_len);

	for (gsize bit = 0; bit < AAD_LEN * 8; bit++) {
		f->aad[bit / 8] ^= (guint8) (1u << (bit % 8));
		expect_open_fails(f, f->aad, body, body_len, CRYPTO_ERROR_AUTH);
		f->aad[bit / 8] ^= (guint8) (1u << (bit % 8));
	}
	/* IV, ciphertext and ICV */
	for (gsize bit = 0; bit < body_len * 8; bit++) {
		body[bit / 8] ^= (guint8) (1u << (bit % 8));
		expect_open_fails(f, f->aad, body, body_len, CRYPTO_ERROR_AUTH);
		body[bit / 8] ^= (guint8) (1u << (bit % 8));
	}
}

static void
test_truncated(Fixture *f, gconstpointer data)
{
	const Suite *s = data;
	const guint8 plain[30] = "some inner payloads, 30 octets";
	gsize body_len;
	g_autofree guint8 *body = seal(f, plain, sizeof(plain), &body_len);
	gsize min = s->encr->iv_size + icv_size(s) + s->encr->pad_block;

	for (gsize len = 0; len < body_len; len++) {
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *copy = g_memdup2(body, len + 1);
		g_autofree guint8 *out = g_malloc(body_len);
		gsize got;

		g_assert_false(crypto_sk_open(f->sk, f->aad, AAD_LEN, copy, len, out, body_len,
		                              &got, &error));
		g_assert_nonnull(error);
		if (len < min || (len - s->encr->iv_size - icv_size(s)) % s->encr->pad_block != 0)
			g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
		else
			g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_AUTH);
	}
	/* an output buffer smaller than the ciphertext is refused */
	{
		g_autoptr(GError) error = NULL;
		guint8 small[8];
		gsize got;

		g_assert_false(crypto_sk_open(f->sk, f->aad, AAD_LEN, body, body_len, small,
		                              sizeof(small), &got, &error));
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	}
}

/* Builds a body by hand from @inner (payloads + padding + Pad Length
 * already laid out), with the same keys as @f's CryptoSk. */
static guint8 *
hand_seal(Fixture *f, const Suite *s, const guint8 *inner, gsize inner_len, gsize *body_len)
{
	gsize iv = s->encr->iv_size, icv = icv_size(s);
	guint8 *body = g_malloc(iv + inner_len + icv);

	*body_len = iv + inner_len + icv;
	memset(body, 0x5a, iv);
	if (s->integ == NULL) {
		g_autoptr(CryptoAead) aead =
		        crypto_aead_new(s->encr, f->ekey->data, f->ekey->len, NULL);

		g_assert_true(crypto_aead_encrypt(aead, body, f->aad, AAD_LEN, inner, inner_len,
		                                  body + iv, NULL));
	} else {
		g_autoptr(CryptoCbcHmac) cbc =
		        crypto_cbc_hmac_new(s->encr, f->ekey->data, f->ekey->len, s->integ,
		                            f->akey->data, f->akey->len, NULL);
		CryptoChunk in[] = {CRYPTO_CHUNK(f->aad, AAD_LEN),
		                    CRYPTO_CHUNK(body, iv + inner_len)};

		g_assert_true(
		        crypto_cbc_hmac_encrypt(cbc, body, inner, inner_len, body + iv, NULL));
		g_assert_true(crypto_cbc_hmac_icv(cbc, in, 2, body + iv + inner_len, NULL));
	}
	return body;
}

static void
test_padding(Fixture *f, gconstpointer data)
{
	const Suite *s = data;
	gsize blk = s->encr->pad_block;
	gsize inner_len = 2 * MAX(blk, 16);
	g_autofree guint8 *inner = g_malloc0(inner_len);
	gsize body_len, got = 0;
	g_autofree guint8 *out = g_malloc(inner_len + 64);
	g_autoptr(GError) error = NULL;

	/* Pad Length one larger than what precedes it: refused */
	inner[inner_len - 1] = (guint8) inner_len;
	{
		g_autofree guint8 *body = hand_seal(f, s, inner, inner_len, &body_len);

		expect_open_fails(f, f->aad, body, body_len, CRYPTO_ERROR_INVALID);
	}
	inner[inner_len - 1] = 0xff;
	{
		g_autofree guint8 *body = hand_seal(f, s, inner, inner_len, &body_len);

		expect_open_fails(f, f->aad, body, body_len, CRYPTO_ERROR_INVALID);
	}
	/* all padding, no payloads: valid (an empty SK) */
	inner[inner_len - 1] = (guint8) (inner_len - 1);
	{
		g_autofree guint8 *body = hand_seal(f, s, inner, inner_len, &body_len);

		g_assert_true(crypto_sk_open(f->sk, f->aad, AAD_LEN, body, body_len, out,
		                             inner_len + 64, &got, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(got, ==, 0);
	}
	/* more padding than needed (a whole extra block): accepted, §3.14 */
	memcpy(inner, "payload", 7);
	inner[inner_len - 1] = (guint8) (inner_len - 7 - 1);
	{
		g_autofree guint8 *body = hand_seal(f, s, inner, inner_len, &body_len);

		g_assert_true(crypto_sk_open(f->sk, f->aad, AAD_LEN, body, body_len, out,
		                             inner_len + 64, &got, &error));
		g_assert_no_error(error);
		g_assert_cmpmem(out, got, "payload", 7);
	}
}

static void
test_seal_wrong_len(Fixture *f, gconstpointer data)
{
	guint8 plain[5] = {0}, body[200];
	gsize want = crypto_sk_body_len(f->sk, sizeof(plain));
	g_autoptr(GError) error = NULL;

	g_assert_false(crypto_sk_seal(f->sk, f->aad, AAD_LEN, plain, sizeof(plain), body, want - 1,
	                              &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(crypto_sk_seal(f->sk, f->aad, AAD_LEN, plain, sizeof(plain), body, want + 1,
	                              &error));
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
}

static void
test_new_rejects(void)
{
	const CryptoEncrAlg *cbc = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	const CryptoEncrAlg *gcm = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	const CryptoIntegAlg *sha = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128);
	g_autoptr(IkebusSecbuf) k16 = ikebus_secbuf_new(16);
	g_autoptr(IkebusSecbuf) k20 = ikebus_secbuf_new(20);
	g_autoptr(IkebusSecbuf) k32 = ikebus_secbuf_new(32);
	struct {
		const CryptoEncrAlg *e;
		guint bits;
		const CryptoIntegAlg *i;
		IkebusSecbuf *ek, *ak;
	} bad[] = {
	        {cbc, 128, NULL, k16, NULL}, /* CBC without integrity */
	        {cbc, 128, sha, k20, k32},   /* key length vs bits */
	        {cbc, 128, sha, k16, k16},   /* integrity key length */
	        {gcm, 128, sha, k20, k32},   /* AEAD with integrity */
	        {gcm, 128, NULL, k16, NULL}, /* GCM key without salt */
	        {gcm, 160, NULL, k20, NULL}, /* no such key size */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CryptoSk) sk = crypto_sk_new(bad[i].e, bad[i].bits, bad[i].i, bad[i].ek,
		                                       bad[i].ak, &error);

		g_assert_null(sk);
		g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	}
}

static void
add_suite(const CryptoEncrAlg *e, guint bits, const CryptoIntegAlg *i)
{
	Suite *s = g_new0(Suite, 1);
	static const struct {
		const char *name;
		void (*fn)(Fixture *, gconstpointer);
	} tests[] = {
	        {"round-trip", test_round_trip}, {"fresh-iv", test_fresh_iv},
	        {"bit-flips", test_bit_flips},   {"truncated", test_truncated},
	        {"padding", test_padding},       {"seal-wrong-len", test_seal_wrong_len},
	};

	s->encr = e;
	s->bits = bits;
	s->integ = i;
	g_snprintf(s->name, sizeof(s->name), "%s-%u%s%s", e->name, bits, i ? "-" : "",
	           i ? i->name : "");
	g_ptr_array_add(suites, s);
	for (gsize t = 0; t < G_N_ELEMENTS(tests); t++) {
		g_autofree char *path = g_strdup_printf("/crypto/sk/%s/%s", tests[t].name, s->name);

		g_test_add(path, Fixture, s, fixture_set_up, tests[t].fn, fixture_tear_down);
	}
}

int
main(int argc, char **argv)
{
	gsize n_encr, n_integ;
	const CryptoEncrAlg *encrs;
	const CryptoIntegAlg *integs;
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	suites = g_ptr_array_new_with_free_func(g_free);
	encrs = crypto_encr_algs(&n_encr);
	integs = crypto_integ_algs(&n_integ);
	for (gsize e = 0; e < n_encr; e++) {
		for (gsize k = 0; k < CRYPTO_ALG_MAX_KEY_SIZES && encrs[e].key_bits[k]; k++) {
			if (crypto_encr_alg_is_aead(&encrs[e])) {
				add_suite(&encrs[e], encrs[e].key_bits[k], NULL);
				continue;
			}
			for (gsize i = 0; i < n_integ; i++)
				add_suite(&encrs[e], encrs[e].key_bits[k], &integs[i]);
		}
	}
	g_test_add_func("/crypto/sk/new-rejects", test_new_rejects);
	rc = g_test_run();
	g_ptr_array_unref(suites);
	return rc;
}
