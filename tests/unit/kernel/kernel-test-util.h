/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers for the kernel unit tests: keys and inner packets. */
#pragma once

#include <string.h>
#include <sys/socket.h>

#include "esp-packet.h"
#include "kernel.h"
#include "nss-init.h"

typedef struct {
	const CryptoEncrAlg *encr;
	guint key_bits;
	const CryptoIntegAlg *integ;
	guint8 ekey[64];
	gsize ekey_len;
	guint8 ikey[64];
	gsize ikey_len;
} TestKeys;

static inline void
test_keys_init(TestKeys *k, guint16 encr_id, guint key_bits, guint16 integ_id, guint8 seed)
{
	memset(k, 0, sizeof(*k));
	k->encr = crypto_encr_alg_by_id(encr_id);
	g_assert_nonnull(k->encr);
	k->key_bits = key_bits;
	k->ekey_len = crypto_encr_alg_keymat_len(k->encr, key_bits);
	for (gsize i = 0; i < k->ekey_len; i++)
		k->ekey[i] = (guint8) (seed + i * 7);
	if (integ_id != CRYPTO_AUTH_NONE) {
		k->integ = crypto_integ_alg_by_id(integ_id);
		g_assert_nonnull(k->integ);
		k->ikey_len = k->integ->key_size;
		for (gsize i = 0; i < k->ikey_len; i++)
			k->ikey[i] = (guint8) (seed + 100 + i * 3);
	}
}

static inline EspSa *
test_esp_sa(const TestKeys *k, guint32 spi, gboolean inbound, gboolean esn, guint32 window)
{
	g_autoptr(GError) error = NULL;
	EspSa *sa = esp_sa_new(spi, inbound, k->encr, k->ekey, k->ekey_len, k->integ, k->ikey,
	                       k->ikey_len, esn, window, &error);

	g_assert_no_error(error);
	g_assert_nonnull(sa);
	return sa;
}

static inline void
test_put16(guint8 *p, guint v)
{
	p[0] = (guint8) (v >> 8);
	p[1] = (guint8) v;
}

/* An IPv4 packet @src -> @dst, protocol @proto (17 gets UDP ports
 * @sport/@dport), @len octets in all (>= 28). */
static inline gsize
test_ipv4_packet(guint8 *buf, const char *src, const char *dst, guint8 proto, guint sport,
                 guint dport, gsize len)
{
	KernelAddr s, d;

	g_assert_true(kernel_addr_parse(src, &s));
	g_assert_true(kernel_addr_parse(dst, &d));
	g_assert_cmpuint(len, >=, 28);
	memset(buf, 0, len);
	buf[0] = 0x45;
	test_put16(buf + 2, (guint) len);
	buf[8] = 64;
	buf[9] = proto;
	memcpy(buf + 12, s.v4, 4);
	memcpy(buf + 16, d.v4, 4);
	if (proto == 17 || proto == 6) {
		test_put16(buf + 20, sport);
		test_put16(buf + 22, dport);
	} else if (proto == 1) {
		buf[20] = 8; /* echo request */
	}
	for (gsize i = 28; i < len; i++)
		buf[i] = (guint8) i;
	return len;
}

static inline gsize
test_ipv6_packet(guint8 *buf, const char *src, const char *dst, guint8 proto, gsize len)
{
	KernelAddr s, d;

	g_assert_true(kernel_addr_parse(src, &s));
	g_assert_true(kernel_addr_parse(dst, &d));
	g_assert_cmpuint(len, >=, 48);
	memset(buf, 0, len);
	buf[0] = 0x60;
	test_put16(buf + 4, (guint) (len - 40));
	buf[6] = proto;
	buf[7] = 64;
	memcpy(buf + 8, s.v6, 16);
	memcpy(buf + 24, d.v6, 16);
	for (gsize i = 48; i < len; i++)
		buf[i] = (guint8) i;
	return len;
}

static inline KernelTs
test_ts(const char *addr, guint plen)
{
	KernelAddr a;
	KernelTs ts;

	g_assert_true(kernel_addr_parse(addr, &a));
	kernel_ts_from_prefix(&ts, &a, plen, 0);
	return ts;
}

/* Every ESP algorithm combination we offer. */
typedef struct {
	const char *name;
	guint16 encr;
	guint bits;
	guint16 integ;
} TestSuite;

static const TestSuite test_suites[] = {
        {"aes-gcm-16-128", CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE},
        {"aes-gcm-16-192", CRYPTO_ENCR_AES_GCM_16, 192, CRYPTO_AUTH_NONE},
        {"aes-gcm-16-256", CRYPTO_ENCR_AES_GCM_16, 256, CRYPTO_AUTH_NONE},
        {"aes-gcm-12-128", CRYPTO_ENCR_AES_GCM_12, 128, CRYPTO_AUTH_NONE},
        {"aes-gcm-8-256", CRYPTO_ENCR_AES_GCM_8, 256, CRYPTO_AUTH_NONE},
        {"chacha20-poly1305", CRYPTO_ENCR_CHACHA20_POLY1305, 256, CRYPTO_AUTH_NONE},
        {"aes-cbc-128-sha1-96", CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA1_96},
        {"aes-cbc-128-sha256-128", CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA2_256_128},
        {"aes-cbc-256-sha256-128", CRYPTO_ENCR_AES_CBC, 256, CRYPTO_AUTH_HMAC_SHA2_256_128},
        {"aes-cbc-256-sha384-192", CRYPTO_ENCR_AES_CBC, 256, CRYPTO_AUTH_HMAC_SHA2_384_192},
        {"aes-cbc-256-sha512-256", CRYPTO_ENCR_AES_CBC, 256, CRYPTO_AUTH_HMAC_SHA2_512_256},
};
