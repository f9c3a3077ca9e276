/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SK payload seal/open on top of aead.c and cbc-hmac.c.
 *
 *                        1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Next Payload  |C|  RESERVED   |         Payload Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Initialization Vector                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                    Encrypted IKE Payloads                     ~
 *   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               |             Padding (0-255 octets)            |
 *   +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 *   |                                               |  Pad Length   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~                    Integrity Checksum Data                    ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                  RFC 7296 §3.14, Figure 21
 *
 * We send the least padding that aligns (zero octets for the AEADs, whose
 * block size is 1: RFC 5282 §3, RFC 7634 §3) and accept any Pad Length that
 * fits (§3.14: "The recipient MUST accept any length that results in proper
 * alignment").
 */
#include "sk.h"

#include <string.h>

#include "aead.h"
#include "alg-nss.h"
#include "cbc-hmac.h"
#include "nss-init.h"

/* The keys stay plain bytes here and are imported into NSS only for the
 * one seal or open that needs them: an IKE SA sends and receives few
 * messages once it is up, and a key kept in NSS is a softoken object (and
 * its contexts sessions) for as long as the SA lives, which at 100,000 SAs
 * costs more memory than the rest of the SA and slows every key operation
 * of the process (softoken's object and session tables). */
struct CryptoSk {
	const CryptoEncrAlg *encr;
	const CryptoIntegAlg *integ; /* NULL for an AEAD */
	IkebusSecbuf *encr_key;      /* AEAD: key | salt */
	IkebusSecbuf *integ_key;     /* NULL for an AEAD */
	guint64 iv_counter;          /* AEAD IVs (atomic); starts random */
	gsize iv_size;
	gsize icv_size;
	gsize block;
};

/* NSS objects for one operation, freed by the caller. */
typedef struct {
	CryptoAead *aead;
	CryptoCbcHmac *cbc;
} SkOp;

static gboolean
sk_op_init(const CryptoSk *sk, SkOp *op, GError **error)
{
	if (sk->integ == NULL) {
		op->aead = crypto_aead_new_for(sk->encr, sk->encr_key->data, sk->encr_key->len,
		                               CRYPTO_USE_TRANSIENT, error);
		return op->aead != NULL;
	}
	op->cbc = crypto_cbc_hmac_new_for(sk->encr, sk->encr_key->data, sk->encr_key->len,
	                                  sk->integ, sk->integ_key->data, sk->integ_key->len,
	                                  CRYPTO_USE_TRANSIENT, error);
	return op->cbc != NULL;
}

static void
sk_op_clear(SkOp *op)
{
	g_clear_pointer(&op->aead, crypto_aead_free);
	g_clear_pointer(&op->cbc, crypto_cbc_hmac_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SkOp, sk_op_clear)

/*
 * Suites NSS has already built a seal/open for.  The probe at creation
 * makes a suite NSS cannot do fail there, not at the first message; once
 * one SA of a suite passed it, every later one would too (the lengths are
 * checked on each), and a probe is a key import and a context: 2% of a
 * responder's handshake.
 */
G_LOCK_DEFINE_STATIC(probed);
static GHashTable *probed_suites; /* suite_key() → itself */

static guint64
suite_key(const CryptoEncrAlg *encr, guint encr_key_bits, const CryptoIntegAlg *integ)
{
	return ((guint64) encr->id << 40) | ((guint64) encr_key_bits << 16) |
	       (integ != NULL ? integ->id : 0);
}

static gboolean
suite_probed(guint64 key)
{
	gboolean known;

	G_LOCK(probed);
	known = probed_suites != NULL && g_hash_table_contains(probed_suites, &key);
	G_UNLOCK(probed);
	return known;
}

static void
suite_set_probed(guint64 key)
{
	G_LOCK(probed);
	if (probed_suites == NULL)
		probed_suites = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_hash_table_add(probed_suites, g_memdup2(&key, sizeof(key)));
	G_UNLOCK(probed);
}

CryptoSk *
crypto_sk_new(const CryptoEncrAlg *encr, guint encr_key_bits, const CryptoIntegAlg *integ,
              const IkebusSecbuf *encr_key, const IkebusSecbuf *integ_key, GError **error)
{
	g_autoptr(CryptoSk) sk = g_new0(CryptoSk, 1);
	g_auto(SkOp) probe = {0};
	guint64 key;

	if (encr_key == NULL || encr_key->len != crypto_encr_alg_keymat_len(encr, encr_key_bits) ||
	    !crypto_encr_alg_key_bits_ok(encr, encr_key_bits)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "%s: encryption key does not match %u bits", encr->name, encr_key_bits);
		return NULL;
	}
	sk->encr = encr;
	sk->iv_size = encr->iv_size;
	sk->block = encr->pad_block;
	if (crypto_encr_alg_is_aead(encr)) {
		if (integ != NULL || integ_key != NULL) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			            "%s takes no integrity algorithm", encr->name);
			return NULL;
		}
		sk->icv_size = encr->icv_size;
		if (!crypto_random_fill((guint8 *) &sk->iv_counter, sizeof(sk->iv_counter), error))
			return NULL;
	} else {
		if (integ == NULL || integ_key == NULL) {
			g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
			            "%s needs an integrity algorithm", encr->name);
			return NULL;
		}
		sk->integ = integ;
		sk->integ_key = ikebus_secbuf_dup(integ_key);
		sk->icv_size = integ->icv_size;
	}
	sk->encr_key = ikebus_secbuf_dup(encr_key);
	/* the lengths are checked and NSS can do it: seal and open fail
	 * later only when NSS itself does */
	key = suite_key(encr, encr_key_bits, integ);
	if (!suite_probed(key)) {
		if (!sk_op_init(sk, &probe, error))
			return NULL;
		suite_set_probed(key);
	}
	return g_steal_pointer(&sk);
}

void
crypto_sk_free(CryptoSk *sk)
{
	if (sk == NULL)
		return;
	ikebus_secbuf_free(sk->encr_key);
	ikebus_secbuf_free(sk->integ_key);
	ikebus_wipe(sk, sizeof(*sk));
	g_free(sk);
}

/* inner payloads + padding + Pad Length, rounded up to the block */
static gsize
padded_len(const CryptoSk *sk, gsize plain_len)
{
	return (plain_len + 1 + sk->block - 1) / sk->block * sk->block;
}

gsize
crypto_sk_body_len(const CryptoSk *sk, gsize plain_len)
{
	return sk->iv_size + padded_len(sk, plain_len) + sk->icv_size;
}

gsize
crypto_sk_overhead(const CryptoSk *sk)
{
	return sk->iv_size + sk->block + sk->icv_size;
}

gsize
crypto_sk_max_plain_len(const CryptoSk *sk, gsize body_max)
{
	gsize ct;

	if (body_max < sk->iv_size + sk->icv_size + sk->block)
		return 0;
	ct = (body_max - sk->iv_size - sk->icv_size) / sk->block * sk->block;
	return ct - 1;
}

gsize
crypto_sk_open_buf_len(const CryptoSk *sk, gsize body_len)
{
	return body_len > sk->iv_size + sk->icv_size ? body_len - sk->iv_size - sk->icv_size : 0;
}

/* The next AEAD IV: a counter, so none repeats under the key (RFC 5282 §3). */
static void
next_iv(CryptoSk *sk, guint8 *iv)
{
	guint64 n = GUINT64_TO_BE(__atomic_fetch_add(&sk->iv_counter, 1, __ATOMIC_RELAXED));

	memset(iv, 0, sk->iv_size);
	memcpy(iv, &n, MIN(sk->iv_size, sizeof(n)));
}

/* Encrypts the laid-out inner octets at @ct in place and writes IV and ICV. */
static gboolean
seal_in_place(CryptoSk *sk, const guint8 *aad, gsize aad_len, guint8 *iv, guint8 *ct, gsize ct_len,
              GError **error)
{
	g_auto(SkOp) op = {0};

	if (!sk_op_init(sk, &op, error))
		return FALSE;
	if (op.aead != NULL) {
		next_iv(sk, iv);
		return crypto_aead_encrypt(op.aead, iv, aad, aad_len, ct, ct_len, ct, error);
	} else {
		/* the IV directly precedes the ciphertext in the body */
		CryptoChunk icv_in[] = {
		        CRYPTO_CHUNK(aad, aad_len),
		        CRYPTO_CHUNK(iv, sk->iv_size + ct_len),
		};

		if (!crypto_cbc_hmac_random_iv(op.cbc, iv, error))
			return FALSE;
		if (!crypto_cbc_hmac_encrypt(op.cbc, iv, ct, ct_len, ct, error))
			return FALSE;
		return crypto_cbc_hmac_icv(op.cbc, icv_in, G_N_ELEMENTS(icv_in), ct + ct_len,
		                           error);
	}
}

gboolean
crypto_sk_seal(CryptoSk *sk, const guint8 *aad, gsize aad_len, const guint8 *plain, gsize plain_len,
               guint8 *out_body, gsize out_len, GError **error)
{
	gsize ct_len = padded_len(sk, plain_len);
	guint8 *iv = out_body;
	guint8 *ct = out_body + sk->iv_size;

	if (out_len != crypto_sk_body_len(sk, plain_len)) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "SK body buffer is %zu octets, need %zu", out_len,
		            crypto_sk_body_len(sk, plain_len));
		return FALSE;
	}
	/* plaintext, zero padding and Pad Length, laid out in place */
	if (plain_len > 0)
		memmove(ct, plain, plain_len);
	memset(ct + plain_len, 0, ct_len - plain_len - 1);
	ct[ct_len - 1] = (guint8) (ct_len - plain_len - 1);

	if (!seal_in_place(sk, aad, aad_len, iv, ct, ct_len, error)) {
		/* never leave the plaintext in a buffer that might be sent */
		memset(out_body, 0, out_len);
		return FALSE;
	}
	return TRUE;
}

gboolean
crypto_sk_open(const CryptoSk *sk, const guint8 *aad, gsize aad_len, const guint8 *body,
               gsize body_len, guint8 *out, gsize out_size, gsize *plain_len, GError **error)
{
	const guint8 *iv = body;
	const guint8 *ct = body + sk->iv_size;
	g_auto(SkOp) op = {0};
	gsize ct_len;
	guint8 pad_len;

	/* the body must hold the IV, the ICV and at least one whole block
	 * carrying the Pad Length octet */
	if (body_len < sk->iv_size + sk->icv_size + sk->block ||
	    (body_len - sk->iv_size - sk->icv_size) % sk->block != 0) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "SK body of %zu octets cannot be valid for %s", body_len,
		            sk->encr->name);
		return FALSE;
	}
	ct_len = body_len - sk->iv_size - sk->icv_size;
	if (out_size < ct_len) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "SK output buffer is %zu octets, need %zu", out_size, ct_len);
		return FALSE;
	}
	if (!sk_op_init(sk, &op, error))
		return FALSE;
	if (op.aead != NULL) {
		if (!crypto_aead_decrypt(op.aead, iv, aad, aad_len, ct, ct_len + sk->icv_size, out,
		                         error))
			return FALSE;
	} else {
		CryptoChunk icv_in[] = {
		        CRYPTO_CHUNK(aad, aad_len),
		        CRYPTO_CHUNK(body, sk->iv_size + ct_len),
		};

		/* verify before decrypting: no padding oracle */
		if (!crypto_cbc_hmac_verify(op.cbc, icv_in, G_N_ELEMENTS(icv_in), ct + ct_len,
		                            error))
			return FALSE;
		if (!crypto_cbc_hmac_decrypt(op.cbc, iv, ct, ct_len, out, error))
			return FALSE;
	}
	pad_len = out[ct_len - 1];
	if ((gsize) pad_len + 1 > ct_len) {
		memset(out, 0, ct_len);
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID,
		            "SK Pad Length %u exceeds the %zu decrypted octets", pad_len, ct_len);
		return FALSE;
	}
	*plain_len = ct_len - pad_len - 1;
	return TRUE;
}
