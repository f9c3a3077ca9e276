/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 4303 ESP encapsulation and decapsulation over the crypto/ layer.
 * Every read of packet bytes comes after a length check (STYLE.md habit 1);
 * nothing here trusts a length from the wire.
 */
#include "esp-packet.h"

#include <string.h>
#include <sys/socket.h>

#include "nss-init.h"
#include "secbuf.h"

#define ESP_HDR_LEN 8u   /* SPI + sequence number */
#define ESP_TRAILER 2u   /* pad length + next header */
#define ESP_NH_DUMMY 59u /* §2.6: "no next header", TFC dummy packet */

static inline void
put_be32(guint8 *p, guint32 v)
{
	p[0] = (guint8) (v >> 24);
	p[1] = (guint8) (v >> 16);
	p[2] = (guint8) (v >> 8);
	p[3] = (guint8) v;
}

static inline guint32
get_be32(const guint8 *p)
{
	return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint16
get_be16(const guint8 *p)
{
	return (guint16) (p[0] << 8 | p[1]);
}

const char *
esp_drop_name(EspDrop reason)
{
	switch (reason) {
	case ESP_DROP_NONE:
		return "none";
	case ESP_DROP_TRUNCATED:
		return "truncated";
	case ESP_DROP_OVERSIZED:
		return "oversized";
	case ESP_DROP_UNKNOWN_SPI:
		return "unknown-spi";
	case ESP_DROP_REPLAY:
		return "replay";
	case ESP_DROP_BAD_ICV:
		return "bad-icv";
	case ESP_DROP_BAD_PADDING:
		return "bad-padding";
	case ESP_DROP_BAD_INNER:
		return "bad-inner";
	case ESP_DROP_SELECTOR:
		return "selector";
	case ESP_DROP_DUMMY:
		return "dummy";
	case ESP_DROP_SEQ_OVERFLOW:
		return "seq-overflow";
	case ESP_DROP_EXPIRED:
		return "expired";
	case ESP_DROP_NO_POLICY:
		return "no-policy";
	case ESP_DROP_POLICY_DROP:
		return "policy-drop";
	case ESP_DROP_NON_ESP:
		return "non-esp";
	case ESP_DROP_CRYPTO:
		return "crypto";
	case ESP_DROP_IO:
		return "io";
	case ESP_DROP_N:
		break;
	}
	return "?";
}

/* The NSS objects for @sa's direction (each direction has its own SA). */
static gboolean
make_crypto(EspSa *sa, CryptoUse use, GError **error)
{
	const guint8 *ek = sa->keys->data;
	gsize ek_len = sa->encr_key_len;

	if (sa->integ == NULL) {
		sa->aead = crypto_aead_new_for(sa->encr, ek, ek_len, use, error);
		return sa->aead != NULL;
	}
	sa->cbc = crypto_cbc_hmac_new_for(sa->encr, ek, ek_len, sa->integ, ek + ek_len,
	                                  sa->keys->len - ek_len, use, error);
	return sa->cbc != NULL;
}

static void
drop_crypto(EspSa *sa)
{
	g_clear_pointer(&sa->aead, crypto_aead_free);
	g_clear_pointer(&sa->cbc, crypto_cbc_hmac_free);
}

/* Makes the NSS objects at the first packet; FALSE if NSS fails. */
static gboolean
arm(EspSa *sa)
{
	gboolean ok;

	if (g_atomic_int_get(&sa->armed))
		return TRUE;
	g_mutex_lock(&sa->crypto_lock);
	if (!sa->armed &&
	    make_crypto(sa, sa->inbound ? CRYPTO_USE_DECRYPT : CRYPTO_USE_ENCRYPT, NULL)) {
		sa->armed_at = g_get_real_time() / G_USEC_PER_SEC;
		g_atomic_int_set(&sa->armed, 1);
	}
	ok = sa->armed;
	g_mutex_unlock(&sa->crypto_lock);
	return ok;
}

gboolean
esp_sa_release_idle(EspSa *sa, gint64 now, gint64 idle_seconds)
{
	gint64 used = __atomic_load_n(&sa->counters.use_time, __ATOMIC_RELAXED);

	if (!g_atomic_int_get(&sa->armed) || now - MAX(used, sa->armed_at) < idle_seconds)
		return FALSE;
	g_mutex_lock(&sa->crypto_lock);
	drop_crypto(sa);
	g_atomic_int_set(&sa->armed, 0);
	g_mutex_unlock(&sa->crypto_lock);
	return TRUE;
}

EspSa *
esp_sa_new(guint32 spi, gboolean inbound, const CryptoEncrAlg *encr, const guint8 *encr_key,
           gsize encr_key_len, const CryptoIntegAlg *integ, const guint8 *integ_key,
           gsize integ_key_len, gboolean esn, guint32 replay_window, GError **error)
{
	g_autoptr(EspSa) sa = NULL;
	g_autoptr(GError) local = NULL;

	if (encr == NULL) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		                    "encr: an encryption algorithm is required");
		return NULL;
	}
	if (spi < 0x100) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		            "spi: 0x%08x is reserved (RFC 4303 §2.1)", spi);
		return NULL;
	}
	if (!inbound)
		replay_window = 0;
	sa = g_malloc0(G_STRUCT_OFFSET(EspSa, replay) + esp_replay_size(replay_window));
	g_mutex_init(&sa->replay_lock);
	sa->spi = spi;
	sa->inbound = inbound;
	sa->esn = esn;
	sa->encr = encr;
	sa->iv_size = encr->iv_size;
	sa->block = MAX(encr->pad_block, 4u);

	if (crypto_encr_alg_is_aead(encr)) {
		if (integ != NULL && integ->id != CRYPTO_AUTH_NONE) {
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
			            "integ: %s with the AEAD %s", integ->name, encr->name);
			return NULL;
		}
		/* the sequence number is the IV (esp_encap) */
		if (encr->iv_size != 8) {
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
			            "encr: %s with a %u-octet IV", encr->name, encr->iv_size);
			return NULL;
		}
		sa->icv_size = encr->icv_size;
		integ_key_len = 0;
	} else {
		if (integ == NULL || integ->id == CRYPTO_AUTH_NONE) {
			/* RFC 8221 §5: ESP encryption without integrity is NOT
			 * RECOMMENDED; we do not offer it. */
			g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
			            "integ: %s needs an integrity algorithm", encr->name);
			return NULL;
		}
		sa->integ = integ;
		sa->icv_size = integ->icv_size;
	}
	if ((encr_key == NULL && encr_key_len > 0) || (integ_key == NULL && integ_key_len > 0)) {
		g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_INVALID,
		                    "encr/integ keys: missing");
		return NULL;
	}
	sa->keys = ikebus_secbuf_new(encr_key_len + integ_key_len);
	if (encr_key_len > 0)
		memcpy(sa->keys->data, encr_key, encr_key_len);
	if (integ_key_len > 0)
		memcpy(sa->keys->data + encr_key_len, integ_key, integ_key_len);
	sa->encr_key_len = encr_key_len;
	g_mutex_init(&sa->crypto_lock);
	/* the keys are checked now (and NSS tried with them), the objects
	 * that stay are made at the first packet */
	if (!make_crypto(sa, CRYPTO_USE_TRANSIENT, &local)) {
		g_set_error(error, KERNEL_ERROR,
		            g_error_matches(local, CRYPTO_ERROR, CRYPTO_ERROR_UNSUPPORTED)
		                    ? KERNEL_ERROR_NOT_SUPPORTED
		                    : KERNEL_ERROR_INVALID,
		            "encr/integ keys: %s", local != NULL ? local->message : "failed");
		return NULL;
	}
	drop_crypto(sa);
	esp_replay_init(&sa->replay, replay_window, esn);
	return g_steal_pointer(&sa);
}

void
esp_sa_free(EspSa *sa)
{
	if (sa == NULL)
		return;
	drop_crypto(sa);
	/* initialised together with the keys */
	if (sa->keys != NULL)
		g_mutex_clear(&sa->crypto_lock);
	ikebus_secbuf_free(sa->keys);
	g_mutex_clear(&sa->replay_lock);
	g_free(sa);
}

static gsize
padded_len(const EspSa *sa, gsize inner_len)
{
	gsize n = inner_len + ESP_TRAILER;

	return (n + sa->block - 1) / sa->block * sa->block;
}

gsize
esp_encap_len(const EspSa *sa, gsize inner_len)
{
	return ESP_HDR_LEN + sa->iv_size + padded_len(sa, inner_len) + sa->icv_size;
}

/* AAD of RFC 4106 §5 / RFC 7634 §3: SPI, then the 64-bit sequence number
 * when ESN is on, else the 32-bit one. */
static gsize
build_aad(const EspSa *sa, guint64 seq, guint8 *aad)
{
	put_be32(aad, sa->spi);
	if (sa->esn) {
		put_be32(aad + 4, (guint32) (seq >> 32));
		put_be32(aad + 8, (guint32) seq);
		return 12;
	}
	put_be32(aad + 4, (guint32) seq);
	return 8;
}

EspDrop
esp_encap(EspSa *sa, guint8 next_header, const guint8 *inner, gsize inner_len, guint8 *out,
          gsize out_size, gsize *out_len)
{
	gsize plen = padded_len(sa, inner_len);
	gsize total = ESP_HDR_LEN + sa->iv_size + plen + sa->icv_size;
	guint8 *iv = out + ESP_HDR_LEN;
	guint8 *body = iv + sa->iv_size;
	gsize pad = plen - inner_len - ESP_TRAILER;
	guint64 seq;

	if (inner_len > ESP_MAX_PACKET || total > ESP_MAX_PACKET || total > out_size)
		return ESP_DROP_OVERSIZED;
	seq = __atomic_add_fetch(&sa->seq_out, 1, __ATOMIC_RELAXED);
	/* §3.3.3: without ESN the counter must not cycle; the SA has to be
	 * rekeyed first.  With ESN 2^64 packets are out of reach. */
	if (!sa->esn && seq > G_MAXUINT32)
		return ESP_DROP_SEQ_OVERFLOW;
	if (!arm(sa))
		return ESP_DROP_CRYPTO;

	put_be32(out, sa->spi);
	put_be32(out + 4, (guint32) seq);
	memcpy(body, inner, inner_len);
	/* §2.4 default padding: 1, 2, 3, ... */
	for (gsize i = 0; i < pad; i++)
		body[inner_len + i] = (guint8) (i + 1);
	body[plen - 2] = (guint8) pad;
	body[plen - 1] = next_header;

	if (sa->aead != NULL) {
		guint8 aad[12];
		gsize aad_len = build_aad(sa, seq, aad);

		/* RFC 4106 §3.1 / RFC 7634 §2: the IV must never repeat under
		 * the key; the sequence number never does, and stays when the
		 * NSS objects are made again after an idle spell */
		put_be32(iv, (guint32) (seq >> 32));
		put_be32(iv + 4, (guint32) seq);
		if (!crypto_aead_encrypt(sa->aead, iv, aad, aad_len, body, plen, body, NULL))
			return ESP_DROP_CRYPTO;
	} else {
		guint8 hi[4];
		CryptoChunk chunks[2];

		if (!crypto_cbc_hmac_random_iv(sa->cbc, iv, NULL) ||
		    !crypto_cbc_hmac_encrypt(sa->cbc, iv, body, plen, body, NULL))
			return ESP_DROP_CRYPTO;
		/* §3.3.2.1: the high ESN bits are covered but not sent. */
		put_be32(hi, (guint32) (seq >> 32));
		chunks[0] = CRYPTO_CHUNK(out, ESP_HDR_LEN + sa->iv_size + plen);
		chunks[1] = CRYPTO_CHUNK(hi, 4);
		if (!crypto_cbc_hmac_icv(sa->cbc, chunks, sa->esn ? 2 : 1, body + plen, NULL))
			return ESP_DROP_CRYPTO;
	}
	*out_len = total;
	return ESP_DROP_NONE;
}

static EspDrop
replay_drop(EspReplayResult r)
{
	switch (r) {
	case ESP_REPLAY_OK:
		return ESP_DROP_NONE;
	case ESP_REPLAY_DUPLICATE:
	case ESP_REPLAY_TOO_OLD:
	case ESP_REPLAY_INVALID:
		return ESP_DROP_REPLAY;
	}
	return ESP_DROP_REPLAY;
}

EspDrop
esp_decap(EspSa *sa, const guint8 *packet, gsize len, guint8 *out, gsize out_size, gsize *out_len,
          guint8 *next_header, guint64 *seq_out)
{
	gsize hdr = ESP_HDR_LEN + sa->iv_size;
	const guint8 *iv = packet + ESP_HDR_LEN;
	gsize ct_len;
	guint64 seq;
	EspReplayResult rr;
	guint pad;

	if (len > ESP_MAX_PACKET)
		return ESP_DROP_OVERSIZED;
	/* Header, IV, at least one padding block holding the trailer, ICV. */
	if (len < hdr + sa->block + sa->icv_size)
		return ESP_DROP_TRUNCATED;
	ct_len = len - hdr - sa->icv_size;
	/* §2.4: the ciphertext ends on a 4-octet boundary (a block for CBC). */
	if (ct_len % sa->block != 0)
		return ESP_DROP_TRUNCATED;
	if (ct_len > out_size)
		return ESP_DROP_OVERSIZED;
	if (get_be32(packet) != sa->spi)
		return ESP_DROP_UNKNOWN_SPI;

	/* §3.4.3: duplicates are rejected before the (costly) ICV check. */
	g_mutex_lock(&sa->replay_lock);
	rr = esp_replay_check(&sa->replay, get_be32(packet + 4), &seq);
	g_mutex_unlock(&sa->replay_lock);
	if (rr != ESP_REPLAY_OK)
		return replay_drop(rr);
	if (!arm(sa))
		return ESP_DROP_CRYPTO;

	/* §3.4.4: integrity first, then decryption. */
	if (sa->aead != NULL) {
		guint8 aad[12];
		gsize aad_len = build_aad(sa, seq, aad);

		/* An AEAD verifies the tag before it releases plaintext. */
		if (!crypto_aead_decrypt(sa->aead, iv, aad, aad_len, packet + hdr,
		                         ct_len + sa->icv_size, out, NULL))
			return ESP_DROP_BAD_ICV;
	} else {
		guint8 hi[4];
		CryptoChunk chunks[2];

		put_be32(hi, (guint32) (seq >> 32));
		chunks[0] = CRYPTO_CHUNK(packet, hdr + ct_len);
		chunks[1] = CRYPTO_CHUNK(hi, 4);
		if (!crypto_cbc_hmac_verify(sa->cbc, chunks, sa->esn ? 2 : 1, packet + hdr + ct_len,
		                            NULL))
			return ESP_DROP_BAD_ICV;
		if (!crypto_cbc_hmac_decrypt(sa->cbc, iv, packet + hdr, ct_len, out, NULL))
			return ESP_DROP_CRYPTO;
	}

	/* Only an authenticated packet moves the window (§3.4.3). */
	g_mutex_lock(&sa->replay_lock);
	rr = esp_replay_update(&sa->replay, seq);
	g_mutex_unlock(&sa->replay_lock);
	if (rr != ESP_REPLAY_OK)
		return replay_drop(rr);

	pad = out[ct_len - 2];
	if (pad + ESP_TRAILER > ct_len)
		return ESP_DROP_BAD_PADDING;
	/* §2.4 default padding is 1, 2, 3, ...; a receiver inspects it. */
	for (guint i = 0; i < pad; i++)
		if (out[ct_len - ESP_TRAILER - pad + i] != (guint8) (i + 1))
			return ESP_DROP_BAD_PADDING;
	*next_header = out[ct_len - 1];
	*out_len = ct_len - ESP_TRAILER - pad;
	if (seq_out != NULL)
		*seq_out = seq;
	if (*next_header == ESP_NH_DUMMY)
		return ESP_DROP_DUMMY;
	return ESP_DROP_NONE;
}

void
esp_counters_drop(EspCounters *c, EspDrop reason)
{
	if (reason > ESP_DROP_NONE && reason < ESP_DROP_N)
		__atomic_add_fetch(&c->drops[reason], 1, __ATOMIC_RELAXED);
}

void
esp_counters_ok(EspCounters *c, gsize bytes)
{
	__atomic_add_fetch(&c->packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&c->use_time, g_get_real_time() / G_USEC_PER_SEC, __ATOMIC_RELAXED);
}

void
esp_counters_read(const EspCounters *c, EspCounters *out)
{
	out->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	out->packets = __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
	out->use_time = __atomic_load_n(&c->use_time, __ATOMIC_RELAXED);
	for (guint i = 0; i < ESP_DROP_N; i++)
		out->drops[i] = __atomic_load_n(&c->drops[i], __ATOMIC_RELAXED);
}

/* ---- inner packets ---------------------------------------------------- */

static void
inner_ports(const guint8 *l4, gsize l4_len, EspInner *out)
{
	switch (out->proto) {
	case 6:   /* TCP */
	case 17:  /* UDP */
	case 132: /* SCTP */
	case 136: /* UDP-Lite */
		if (l4_len >= 4) {
			out->sport = get_be16(l4);
			out->dport = get_be16(l4 + 2);
		}
		break;
	case 1:  /* ICMP */
	case 58: /* ICMPv6: type/code in the port field (RFC 4301 §4.4.1.1) */
		if (l4_len >= 2) {
			out->sport = (guint16) (l4[0] << 8 | l4[1]);
			out->dport = out->sport;
		}
		break;
	default:
		break;
	}
}

gboolean
esp_inner_parse(const guint8 *pkt, gsize len, EspInner *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 1)
		return FALSE;
	if (pkt[0] >> 4 == 4) {
		gsize ihl;

		if (len < 20)
			return FALSE;
		ihl = (gsize) (pkt[0] & 0x0f) * 4;
		out->total_len = get_be16(pkt + 2);
		if (ihl < 20 || out->total_len < ihl || out->total_len > len)
			return FALSE;
		out->src.family = out->dst.family = AF_INET;
		memcpy(out->src.v4, pkt + 12, 4);
		memcpy(out->dst.v4, pkt + 16, 4);
		out->proto = pkt[9];
		/* Only the first fragment carries ports. */
		if ((get_be16(pkt + 6) & 0x1fff) == 0)
			inner_ports(pkt + ihl, out->total_len - ihl, out);
		return TRUE;
	}
	if (pkt[0] >> 4 == 6) {
		gsize off = 40;
		guint8 nh;

		if (len < 40)
			return FALSE;
		out->total_len = 40 + (gsize) get_be16(pkt + 4);
		if (out->total_len > len)
			return FALSE;
		out->src.family = out->dst.family = AF_INET6;
		memcpy(out->src.v6, pkt + 8, 16);
		memcpy(out->dst.v6, pkt + 24, 16);
		nh = pkt[6];
		/* Skip hop-by-hop (0), routing (43) and destination options
		 * (60); a fragment header (44) ends the walk (no ports). */
		while (nh == 0 || nh == 43 || nh == 60) {
			gsize hlen;

			if (off + 8 > out->total_len)
				return FALSE;
			hlen = ((gsize) pkt[off + 1] + 1) * 8;
			nh = pkt[off];
			off += hlen;
		}
		out->proto = nh;
		if (off > out->total_len)
			return FALSE;
		if (nh != 44)
			inner_ports(pkt + off, out->total_len - off, out);
		return TRUE;
	}
	return FALSE;
}

static gboolean
match_any(const KernelTs *ts, gsize n, const KernelAddr *addr, guint8 proto, guint16 port)
{
	for (gsize i = 0; i < n; i++)
		if (kernel_ts_match(&ts[i], addr, proto, port))
			return TRUE;
	return FALSE;
}

gboolean
esp_inner_match(const EspInner *in, const KernelTs *src_ts, gsize n_src, const KernelTs *dst_ts,
                gsize n_dst)
{
	return match_any(src_ts, n_src, &in->src, in->proto, in->sport) &&
	       match_any(dst_ts, n_dst, &in->dst, in->proto, in->dport);
}
