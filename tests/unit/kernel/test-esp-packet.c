/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ESP packet functions (RFC 4303) for every algorithm we offer: round trips,
 * the wire layout checked independently with the crypto layer (AAD and
 * nonce of RFC 4106 §5 / RFC 7634 §3, the CBC ICV coverage and the implicit
 * ESN high bits of RFC 4303 §3.3.2.1), and every way a packet is dropped.
 */
#include "kernel-test-util.h"

#define SPI 0x11223344u

static guint32
be32(const guint8 *p)
{
	return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
test_round_trip(gconstpointer data)
{
	const TestSuite *s = data;

	for (int esn = 0; esn <= 1; esn++) {
		TestKeys k;
		g_autoptr(EspSa) out = NULL;
		g_autoptr(EspSa) in = NULL;

		test_keys_init(&k, s->encr, s->bits, s->integ, 9);
		out = test_esp_sa(&k, SPI, FALSE, esn, 0);
		in = test_esp_sa(&k, SPI, TRUE, esn, 64);
		/* Every inner length across a few blocks, IPv4 and IPv6. */
		for (gsize len = 28; len < 140; len++) {
			guint8 inner[2048], pkt[2048], plain[2048];
			gsize inner_len, pkt_len = 0, plain_len = 0;
			guint8 nh = 0;
			guint64 seq = 0;
			gboolean v6 = len >= 48 && len % 2 == 0;

			inner_len =
			        v6 ? test_ipv6_packet(inner, "2001:db8::1", "2001:db8::2", 58, len)
			           : test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 1, 0,
			                              0, len);
			g_assert_cmpint(esp_encap(out, v6 ? 41 : 4, inner, inner_len, pkt,
			                          sizeof(pkt), &pkt_len),
			                ==, ESP_DROP_NONE);
			g_assert_cmpuint(pkt_len, ==, esp_encap_len(out, inner_len));
			g_assert_cmphex(be32(pkt), ==, SPI);
			g_assert_cmpint(esp_decap(in, pkt, pkt_len, plain, sizeof(plain),
			                          &plain_len, &nh, &seq),
			                ==, ESP_DROP_NONE);
			g_assert_cmpuint(nh, ==, v6 ? 41 : 4);
			g_assert_cmpuint(seq, ==, len - 27);
			g_assert_cmpmem(plain, plain_len, inner, inner_len);
			/* §2.4: the ciphertext ends on a 4-octet (CBC: block) boundary. */
			g_assert_cmpuint((pkt_len - 8 - k.encr->iv_size - in->icv_size) %
			                         MAX(k.encr->pad_block, 4u),
			                 ==, 0);
		}
	}
}

/* Decodes an ESP packet by hand with the crypto layer, as a peer would. */
static void
test_wire_layout(gconstpointer data)
{
	const TestSuite *s = data;

	for (int esn = 0; esn <= 1; esn++) {
		TestKeys k;
		g_autoptr(EspSa) out = NULL;
		guint8 inner[100], pkt[512], plain[512], aad[12];
		gsize pkt_len = 0, inner_len, ct_len, aad_len;
		const guint8 *iv;
		guint icv;

		test_keys_init(&k, s->encr, s->bits, s->integ, 33);
		out = test_esp_sa(&k, SPI, FALSE, esn, 0);
		/* Jump the sender to just below 2^32 so the high half matters. */
		out->seq_out = esn ? G_GUINT64_CONSTANT(0x2fffffffe) : 0x7ffffffe;
		inner_len =
		        test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 17, 500, 4500, 61);
		g_assert_cmpint(esp_encap(out, 4, inner, inner_len, pkt, sizeof(pkt), &pkt_len), ==,
		                ESP_DROP_NONE);
		g_assert_cmphex(be32(pkt), ==, SPI);
		g_assert_cmphex(be32(pkt + 4), ==, esn ? 0xffffffffu : 0x7fffffffu);
		iv = pkt + 8;
		icv = crypto_encr_alg_is_aead(k.encr) ? k.encr->icv_size : k.integ->icv_size;
		ct_len = pkt_len - 8 - k.encr->iv_size - icv;

		if (crypto_encr_alg_is_aead(k.encr)) {
			g_autoptr(CryptoAead) aead =
			        crypto_aead_new(k.encr, k.ekey, k.ekey_len, NULL);
			/* RFC 4106 §5: SPI || [Seq high ||] Seq low. */
			memcpy(aad, pkt, 4);
			if (esn) {
				aad[4] = 0, aad[5] = 0, aad[6] = 0, aad[7] = 2;
				memcpy(aad + 8, pkt + 4, 4);
				aad_len = 12;
			} else {
				memcpy(aad + 4, pkt + 4, 4);
				aad_len = 8;
			}
			g_assert_true(crypto_aead_decrypt(aead, iv, aad, aad_len, iv + 8,
			                                  ct_len + icv, plain, NULL));
		} else {
			g_autoptr(CryptoCbcHmac) cbc = crypto_cbc_hmac_new(
			        k.encr, k.ekey, k.ekey_len, k.integ, k.ikey, k.ikey_len, NULL);
			guint8 hi[4] = {0, 0, 0, 2};
			CryptoChunk c[2] = {CRYPTO_CHUNK(pkt, pkt_len - icv), CRYPTO_CHUNK(hi, 4)};

			g_assert_true(crypto_cbc_hmac_verify(cbc, c, esn ? 2 : 1,
			                                     pkt + pkt_len - icv, NULL));
			g_assert_true(
			        crypto_cbc_hmac_decrypt(cbc, iv, iv + 16, ct_len, plain, NULL));
		}
		/* Payload, then 1, 2, 3, ... padding, pad length, next header 4. */
		g_assert_cmpmem(plain, inner_len, inner, inner_len);
		g_assert_cmpuint(plain[ct_len - 1], ==, 4);
		g_assert_cmpuint(plain[ct_len - 2], ==, ct_len - 2 - inner_len);
		for (gsize i = inner_len; i < ct_len - 2; i++)
			g_assert_cmpuint(plain[i], ==, i - inner_len + 1);
	}
}

/* Build one packet for the drop tests. */
static gsize
one_packet(EspSa *out, guint8 *pkt, gsize size)
{
	guint8 inner[200];
	gsize inner_len = test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 1, 0, 0, 84);
	gsize pkt_len = 0;

	g_assert_cmpint(esp_encap(out, 4, inner, inner_len, pkt, size, &pkt_len), ==,
	                ESP_DROP_NONE);
	return pkt_len;
}

static EspDrop
decap(EspSa *in, const guint8 *pkt, gsize len)
{
	guint8 plain[70000];
	gsize plain_len = 0;
	guint8 nh = 0;

	return esp_decap(in, pkt, len, plain, sizeof(plain), &plain_len, &nh, NULL);
}

static void
test_drops(gconstpointer data)
{
	const TestSuite *s = data;
	TestKeys k, other;
	g_autoptr(EspSa) out = NULL;
	g_autoptr(EspSa) in = NULL;
	g_autoptr(EspSa) wrong = NULL;
	guint8 pkt[512], bad[512];
	gsize len;

	test_keys_init(&k, s->encr, s->bits, s->integ, 1);
	test_keys_init(&other, s->encr, s->bits, s->integ, 2);
	out = test_esp_sa(&k, SPI, FALSE, FALSE, 0);
	in = test_esp_sa(&k, SPI, TRUE, FALSE, 32);
	wrong = test_esp_sa(&other, SPI, TRUE, FALSE, 32);
	len = one_packet(out, pkt, sizeof(pkt));

	/* Every single-bit flip after the SPI fails the ICV (or, in the
	 * sequence number, may also land outside the window). */
	for (gsize bit = 32; bit < len * 8; bit++) {
		EspDrop r;

		memcpy(bad, pkt, len);
		bad[bit / 8] ^= (guint8) (1u << (bit % 8));
		r = decap(in, bad, len);
		if (bit < 64)
			g_assert_true(r == ESP_DROP_BAD_ICV || r == ESP_DROP_REPLAY);
		else
			g_assert_cmpint(r, ==, ESP_DROP_BAD_ICV);
	}
	/* The wrong key never verifies. */
	g_assert_cmpint(decap(wrong, pkt, len), ==, ESP_DROP_BAD_ICV);
	/* Truncation at every length, and one octet too many. */
	for (gsize l = 0; l < len; l++) {
		EspDrop r = decap(in, pkt, l);
		g_assert_true(r == ESP_DROP_TRUNCATED || r == ESP_DROP_BAD_ICV);
	}
	memcpy(bad, pkt, len);
	bad[len] = 0;
	g_assert_cmpint(decap(in, bad, len + 1), !=, ESP_DROP_NONE);
	/* None of that moved the window: the real packet is still good once. */
	g_assert_cmpint(decap(in, pkt, len), ==, ESP_DROP_NONE);
	g_assert_cmpint(decap(in, pkt, len), ==, ESP_DROP_REPLAY);
	/* Another SPI. */
	memcpy(bad, pkt, len);
	bad[3] ^= 1;
	g_assert_cmpint(decap(in, bad, len), ==, ESP_DROP_UNKNOWN_SPI);
}

static void
test_oversized(void)
{
	TestKeys k;
	g_autoptr(EspSa) out = NULL;
	g_autoptr(EspSa) in = NULL;
	g_autofree guint8 *big = g_malloc0(ESP_MAX_PACKET + 100);
	guint8 small[64];
	gsize out_len = 0;

	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 5);
	out = test_esp_sa(&k, SPI, FALSE, FALSE, 0);
	in = test_esp_sa(&k, SPI, TRUE, FALSE, 32);
	g_assert_cmpint(esp_encap(out, 4, big, ESP_MAX_PACKET, big, ESP_MAX_PACKET + 100, &out_len),
	                ==, ESP_DROP_OVERSIZED);
	g_assert_cmpint(esp_encap(out, 4, big, 100, small, sizeof(small), &out_len), ==,
	                ESP_DROP_OVERSIZED);
	g_assert_cmpint(decap(in, big, ESP_MAX_PACKET + 1), ==, ESP_DROP_OVERSIZED);
}

/* A sender without ESN stops at 2^32 - 1 (§3.3.3). */
static void
test_seq_overflow(void)
{
	TestKeys k;
	g_autoptr(EspSa) out = NULL;
	guint8 pkt[512];
	guint8 inner[64];
	gsize inner_len = test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 1, 0, 0, 64);
	gsize len = 0;

	test_keys_init(&k, CRYPTO_ENCR_CHACHA20_POLY1305, 256, CRYPTO_AUTH_NONE, 5);
	out = test_esp_sa(&k, SPI, FALSE, FALSE, 0);
	out->seq_out = 0xfffffffeu;
	g_assert_cmpint(esp_encap(out, 4, inner, inner_len, pkt, sizeof(pkt), &len), ==,
	                ESP_DROP_NONE);
	g_assert_cmphex(be32(pkt + 4), ==, 0xffffffffu);
	g_assert_cmpint(esp_encap(out, 4, inner, inner_len, pkt, sizeof(pkt), &len), ==,
	                ESP_DROP_SEQ_OVERFLOW);
}

static void
test_bad_config(void)
{
	TestKeys k;
	g_autoptr(GError) error = NULL;
	EspSa *sa;

	test_keys_init(&k, CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_NONE, 5);
	sa = esp_sa_new(SPI, TRUE, k.encr, k.ekey, k.ekey_len, NULL, NULL, 0, FALSE, 32, &error);
	g_assert_null(sa);
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);
	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 5);
	sa = esp_sa_new(SPI, TRUE, k.encr, k.ekey, k.ekey_len - 1, NULL, NULL, 0, FALSE, 32,
	                &error);
	g_assert_null(sa);
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);
	sa = esp_sa_new(0xff, TRUE, k.encr, k.ekey, k.ekey_len, NULL, NULL, 0, FALSE, 32, &error);
	g_assert_null(sa);
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

/* Padding that is not 1, 2, 3... or longer than the payload is refused,
 * and next header 59 is a dummy packet (§2.6). */
static void
test_padding_and_dummy(void)
{
	TestKeys k;
	g_autoptr(EspSa) in = NULL;
	g_autoptr(CryptoAead) aead = NULL;
	guint8 plain[32], pkt[128], iv[8];
	guint8 aad[8] = {0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0};

	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 5);
	in = test_esp_sa(&k, SPI, TRUE, FALSE, 32);
	aead = crypto_aead_new(k.encr, k.ekey, k.ekey_len, NULL);
	struct {
		guint8 pad_byte, pad_len, nh;
		EspDrop want;
	} cases[] = {
	        {1, 2, 4, ESP_DROP_BAD_PADDING},  /* 1, 1 */
	        {0, 30, 4, ESP_DROP_BAD_PADDING}, /* longer than the payload */
	        {0, 0, 59, ESP_DROP_DUMMY},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		guint32 seq = i + 1;

		memset(plain, 0xaa, sizeof(plain));
		plain[29] = cases[i].pad_byte;
		plain[28] = 1;
		plain[30] = cases[i].pad_len;
		plain[31] = cases[i].nh;
		aad[7] = (guint8) seq;
		memset(iv, (int) seq, sizeof(iv));
		memcpy(pkt, aad, 8);
		memcpy(pkt + 8, iv, 8);
		g_assert_true(crypto_aead_encrypt(aead, iv, aad, 8, plain, 32, pkt + 16, NULL));
		g_assert_cmpint(decap(in, pkt, 16 + 32 + 16), ==, cases[i].want);
	}
}

static void
test_inner_parse(void)
{
	guint8 p[200];
	EspInner in;
	gsize len;

	len = test_ipv4_packet(p, "198.51.100.1", "198.51.100.2", 17, 1234, 53, 60);
	g_assert_true(esp_inner_parse(p, len, &in));
	g_assert_cmpuint(in.proto, ==, 17);
	g_assert_cmpuint(in.sport, ==, 1234);
	g_assert_cmpuint(in.dport, ==, 53);
	g_assert_cmpuint(in.total_len, ==, 60);
	/* Trailing octets (TFC padding) are allowed; a longer header is not. */
	g_assert_true(esp_inner_parse(p, len + 10, &in));
	g_assert_false(esp_inner_parse(p, len - 1, &in));
	for (gsize l = 0; l < 20; l++)
		g_assert_false(esp_inner_parse(p, l, &in));
	p[0] = 0x44; /* IHL 16 */
	g_assert_false(esp_inner_parse(p, len, &in));
	p[0] = 0x55;
	g_assert_false(esp_inner_parse(p, len, &in));

	len = test_ipv6_packet(p, "2001:db8::1", "2001:db8::2", 6, 80);
	g_assert_true(esp_inner_parse(p, len, &in));
	g_assert_cmpuint(in.src.family, ==, AF_INET6);
	g_assert_cmpuint(in.proto, ==, 6);
	for (gsize l = 0; l < len; l++)
		g_assert_false(esp_inner_parse(p, l, &in));
	/* A hop-by-hop header that claims to run past the packet. */
	p[6] = 0;
	p[40] = 6;
	p[41] = 200;
	g_assert_false(esp_inner_parse(p, len, &in));
}

static void
test_inner_selectors(void)
{
	guint8 p[100];
	EspInner in;
	KernelTs local = test_ts("198.51.100.2", 32);
	KernelTs remote[2] = {test_ts("203.0.113.0", 24), test_ts("198.51.100.1", 32)};
	KernelTs udp53 = test_ts("198.51.100.2", 32);

	udp53.proto = 17;
	udp53.from_port = udp53.to_port = 53;
	test_ipv4_packet(p, "198.51.100.1", "198.51.100.2", 17, 1000, 53, 40);
	g_assert_true(esp_inner_parse(p, 40, &in));
	g_assert_true(esp_inner_match(&in, remote, 2, &local, 1));
	g_assert_true(esp_inner_match(&in, remote, 2, &udp53, 1));
	g_assert_false(esp_inner_match(&in, &local, 1, remote, 2)); /* reversed */
	test_ipv4_packet(p, "198.51.100.1", "198.51.100.2", 17, 1000, 54, 40);
	g_assert_true(esp_inner_parse(p, 40, &in));
	g_assert_false(esp_inner_match(&in, remote, 2, &udp53, 1));
	test_ipv4_packet(p, "198.51.100.3", "198.51.100.2", 17, 1000, 53, 40);
	g_assert_true(esp_inner_parse(p, 40, &in));
	g_assert_false(esp_inner_match(&in, remote, 2, &local, 1));
	test_ipv4_packet(p, "203.0.113.77", "198.51.100.2", 1, 0, 0, 40);
	g_assert_true(esp_inner_parse(p, 40, &in));
	g_assert_true(esp_inner_match(&in, remote, 2, &local, 1));
	g_assert_false(esp_inner_match(&in, remote, 2, &udp53, 1));
}

/* The NSS objects are made at the first packet and released when idle;
 * traffic goes on across a release, and an AEAD's IV is the sequence number
 * (unique under the key whether or not the objects were made again). */
static void
test_idle_release(gconstpointer data)
{
	const TestSuite *s = data;
	TestKeys k;
	g_autoptr(EspSa) out = NULL;
	g_autoptr(EspSa) in = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	test_keys_init(&k, s->encr, s->bits, s->integ, 21);
	out = test_esp_sa(&k, SPI, FALSE, FALSE, 0);
	in = test_esp_sa(&k, SPI, TRUE, FALSE, 64);
	g_assert_false(out->armed || in->armed);
	g_assert_null(out->aead);
	g_assert_null(out->cbc);
	for (guint round = 0; round < 3; round++) {
		guint8 inner[200], pkt[512], plain[512];
		gsize inner_len, pkt_len = 0, plain_len = 0;
		guint8 nh = 0;
		guint64 seq = 0;

		inner_len = test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 1, 0, 0, 84);
		g_assert_cmpint(esp_encap(out, 4, inner, inner_len, pkt, sizeof(pkt), &pkt_len), ==,
		                ESP_DROP_NONE);
		if (crypto_encr_alg_is_aead(k.encr)) {
			g_assert_cmphex(be32(pkt + 8), ==, 0);
			g_assert_cmphex(be32(pkt + 12), ==, round + 1);
		}
		g_assert_cmpint(esp_decap(in, pkt, pkt_len, plain, sizeof(plain), &plain_len, &nh,
		                          &seq),
		                ==, ESP_DROP_NONE);
		g_assert_cmpuint(seq, ==, round + 1);
		g_assert_cmpmem(plain, plain_len, inner, inner_len);
		g_assert_true(out->armed && in->armed);
		/* used just now: kept; idle long enough: released */
		g_assert_false(esp_sa_release_idle(out, now, 120));
		g_assert_true(esp_sa_release_idle(out, now + 121, 120));
		g_assert_true(esp_sa_release_idle(in, now + 121, 120));
		g_assert_false(out->armed || in->armed);
		g_assert_false(esp_sa_release_idle(in, now + 121, 120));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	for (guint i = 0; i < G_N_ELEMENTS(test_suites); i++) {
		const TestSuite *s = &test_suites[i];
		g_autofree char *p1 = g_strdup_printf("/kernel/esp/round-trip/%s", s->name);
		g_autofree char *p2 = g_strdup_printf("/kernel/esp/wire-layout/%s", s->name);
		g_autofree char *p3 = g_strdup_printf("/kernel/esp/drops/%s", s->name);

		g_test_add_data_func(p1, s, test_round_trip);
		g_test_add_data_func(p2, s, test_wire_layout);
		g_test_add_data_func(p3, s, test_drops);
		g_autofree char *p4 = g_strdup_printf("/kernel/esp/idle-release/%s", s->name);

		g_test_add_data_func(p4, s, test_idle_release);
	}
	g_test_add_func("/kernel/esp/oversized", test_oversized);
	g_test_add_func("/kernel/esp/seq-overflow", test_seq_overflow);
	g_test_add_func("/kernel/esp/bad-config", test_bad_config);
	g_test_add_func("/kernel/esp/padding-and-dummy", test_padding_and_dummy);
	g_test_add_func("/kernel/esp/inner-parse", test_inner_parse);
	g_test_add_func("/kernel/esp/inner-selectors", test_inner_selectors);
	return g_test_run();
}
