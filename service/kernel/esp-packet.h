/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ESP packet processing (RFC 4303) for the userspace backend: pure functions
 * over byte buffers, no sockets, no TUN, so that tests call them directly.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
 * |               Security Parameters Index (SPI)                 | ^Int.
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
 * |                      Sequence Number                          | |ered
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ | ----
 * |                    IV (8 or 16 octets)                        | |   ^
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |   |
 * |                    Payload Data (inner packet)                | |Conf.
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
 * |               |     Padding (0-255 bytes)                     | |ered*
 * +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |   |
 * |                               |  Pad Length   | Next Header   | v   v
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ------
 * |         Integrity Check Value-ICV   (variable)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                     RFC 4303 §2, Figure 1 (IV shown explicitly)
 *
 * AEAD (RFC 4106 §5 AES-GCM, RFC 7634 §3 ChaCha20-Poly1305): the AAD is
 * SPI || Seq (8 octets), or SPI || Seq high || Seq low (12) with ESN; the
 * nonce is salt || IV.  CBC + HMAC (RFC 3602, RFC 4868): the ICV covers
 * SPI .. ciphertext followed by the implicit high ESN bits (§3.3.2.1).
 *
 * Thread: an EspSa may be used from several threads at once; the sequence
 * counter and counters are atomic, the replay window has its own lock, the
 * NSS objects are made under crypto_lock at the first packet; only
 * esp_sa_release_idle() needs the SA to itself.
 */
#pragma once

#include <glib.h>

#include "aead.h"
#include "cbc-hmac.h"
#include "esp-replay.h"
#include "kernel.h"
#include "secbuf.h"

G_BEGIN_DECLS

/* Why a packet was dropped.  Counted globally and per SA. */
typedef enum {
	ESP_DROP_NONE,         /* accepted */
	ESP_DROP_TRUNCATED,    /* shorter than the headers, IV, padding trailer and ICV */
	ESP_DROP_OVERSIZED,    /* larger than we accept / the output buffer */
	ESP_DROP_UNKNOWN_SPI,  /* no inbound SA with this SPI */
	ESP_DROP_REPLAY,       /* duplicate or left of the window (§3.4.3) */
	ESP_DROP_BAD_ICV,      /* integrity check failed (§3.4.4) */
	ESP_DROP_BAD_PADDING,  /* pad length or padding content wrong (§2.4) */
	ESP_DROP_BAD_INNER,    /* next header / inner IP packet malformed */
	ESP_DROP_SELECTOR,     /* inner addresses outside the SA's selectors */
	ESP_DROP_DUMMY,        /* next header 59: TFC dummy packet (§2.6), discarded */
	ESP_DROP_SEQ_OVERFLOW, /* sender: counter would cycle without ESN (§3.3.3) */
	ESP_DROP_EXPIRED,      /* SA hit its hard lifetime */
	ESP_DROP_NO_POLICY,    /* outbound: no SA/policy for the packet */
	ESP_DROP_POLICY_DROP,  /* outbound: a drop/reject/trap policy matched */
	ESP_DROP_NON_ESP,      /* non-ESP marker / keepalive on the ESP socket */
	ESP_DROP_CRYPTO,       /* the crypto layer failed otherwise */
	ESP_DROP_IO,           /* send/write failed */
	ESP_DROP_N,
} EspDrop;

const char *esp_drop_name(EspDrop reason);

/* Largest ESP packet or inner packet we handle. */
#define ESP_MAX_PACKET 65535u
/* Worst-case octets ESP adds: header 8, IV 16, pad 15 + 2, ICV 32. */
#define ESP_MAX_OVERHEAD (8u + 16u + 17u + 32u)

typedef struct {
	guint64 bytes; /* inner octets */
	guint64 packets;
	gint64 use_time; /* wall clock seconds of the last packet, 0 = never */
	guint64 drops[ESP_DROP_N];
} EspCounters;

typedef struct {
	guint32 spi;
	gboolean inbound;
	gboolean esn;
	const CryptoEncrAlg *encr;
	const CryptoIntegAlg *integ; /* NULL for AEAD */
	/* The keys as bytes (encr | integ); the NSS objects below are made
	 * from them at the first packet and released by esp_sa_release_idle()
	 * (a key in NSS is a softoken object of some 5 kB plus its context:
	 * idle SAs, most of them at scale, hold none). */
	IkebusSecbuf *keys;
	gsize encr_key_len;
	GMutex crypto_lock;          /* making the objects */
	gint armed;                  /* atomic: aead/cbc are set */
	gint64 armed_at;             /* wall clock seconds */
	CryptoAead *aead;            /* owned, AEAD only, while armed */
	CryptoCbcHmac *cbc;          /* owned, CBC only, while armed */
	guint iv_size;
	guint icv_size;
	guint block; /* padding granularity: at least 4 (§2.4 alignment) */

	guint64 seq_out; /* outbound: last number sent; atomic */

	GMutex replay_lock;
	EspCounters counters; /* atomic fields */

	/* inbound, under replay_lock; last: esp_sa_new() allocates only the
	 * part of its ring the window needs */
	EspReplay replay;
} EspSa;

/* Owned packet context for SPI @spi.  @encr_key for AEAD is key || salt.
 * KERNEL_ERROR_INVALID names the bad field; KERNEL_ERROR_NOT_SUPPORTED for
 * an algorithm the crypto layer lacks. */
EspSa *esp_sa_new(guint32 spi, gboolean inbound, const CryptoEncrAlg *encr, const guint8 *encr_key,
                  gsize encr_key_len, const CryptoIntegAlg *integ, const guint8 *integ_key,
                  gsize integ_key_len, gboolean esn, guint32 replay_window, GError **error);
void esp_sa_free(EspSa *sa);
/* Frees the NSS objects of @sa when it carried no packet for @idle_seconds
 * (they are made again at the next packet).  The caller makes sure that
 * no esp_encap()/esp_decap() on @sa runs meanwhile.  TRUE if released. */
gboolean esp_sa_release_idle(EspSa *sa, gint64 now, gint64 idle_seconds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EspSa, esp_sa_free)

/* Octets esp_encap() adds to an @inner_len payload. */
gsize esp_encap_len(const EspSa *sa, gsize inner_len);

/* Builds the ESP packet for @inner (next header @next_header: 4 IPv4, 41
 * IPv6 in tunnel mode, the transport protocol in transport mode) into @out,
 * taking the next sequence number.  @out must not overlap @inner. */
EspDrop esp_encap(EspSa *sa, guint8 next_header, const guint8 *inner, gsize inner_len, guint8 *out,
                  gsize out_size, gsize *out_len);
/* Checks and opens @packet (starting at the SPI; the SPI must be @sa's):
 * replay check, ICV verify before decrypting, replay update, padding check.
 * Writes the payload to @out (>= @len octets is always enough). */
EspDrop esp_decap(EspSa *sa, const guint8 *packet, gsize len, guint8 *out, gsize out_size,
                  gsize *out_len, guint8 *next_header, guint64 *seq_out);

/* Counts @reason on @c (atomically). */
void esp_counters_drop(EspCounters *c, EspDrop reason);
/* Counts one accepted packet of @bytes inner octets. */
void esp_counters_ok(EspCounters *c, gsize bytes);
/* Atomic snapshot. */
void esp_counters_read(const EspCounters *c, EspCounters *out);

/* ---- inner packets ---------------------------------------------------- */

typedef struct {
	KernelAddr src;
	KernelAddr dst;
	guint8 proto;  /* transport protocol (after IPv6 extension headers) */
	guint16 sport; /* host order; ICMP: type << 8 | code */
	guint16 dport;
	gsize total_len; /* from the IP header */
} EspInner;

/* Parses the IPv4/IPv6 header of @pkt; FALSE if malformed or if the header's
 * length exceeds @len. */
gboolean esp_inner_parse(const guint8 *pkt, gsize len, EspInner *out);
/* TRUE if @in's source matches one of @src_ts and its destination one of
 * @dst_ts (RFC 4301 §4.4.1: any combination of the selectors). */
gboolean esp_inner_match(const EspInner *in, const KernelTs *src_ts, gsize n_src,
                         const KernelTs *dst_ts, gsize n_dst);

G_END_DECLS
