/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The responder's anti-DDoS measures: IKEv2 cookies (RFC 7296 §2.6,
 * RFC 8019 §4.1) and the busy state that turns them on, plus the stateless
 * IKE_SA_INIT redirect of RFC 5685 §4 (its data lives in redirect.c).
 *
 * While busy, an IKE_SA_INIT request that does not start with a valid
 * N(COOKIE) gets a response carrying only N(COOKIE) and nothing is kept:
 * no SA, no table entry, the reply is built in a stack buffer.  A peer that
 * can receive at its address returns the cookie and proceeds normally.
 *
 *   Cookie = <VersionIDofSecret> | HMAC-SHA-256(<secret>, Ni | IPi | SPIi)
 *
 * The secret changes every ENGINE_COOKIE_SECRET_SECONDS (looked at when a
 * cookie is made or checked, no timer), and a cookie of the previous secret
 * is still good, so an initiator caught by the change is not refused.
 */
#include <string.h>

#include "alg-nss.h"
#include "engine-private.h"

#define COOKIE_HASH_LEN 32
#define COOKIE_LEN (1 + COOKIE_HASH_LEN)

/* ---- busy ------------------------------------------------------------- */

static gboolean
busy_now(Engine *engine)
{
	EngineDdos *d = &engine->ddos;
	guint half_open = g_hash_table_size(engine->half_open);

	switch (d->mode) {
	case ENGINE_DDOS_BUSY:
		return TRUE;
	case ENGINE_DDOS_UNLIMITED:
		return FALSE;
	case ENGINE_DDOS_AUTO:
		/* on at the threshold, off below three quarters of it, so the
		 * state does not flap with every SA that comes and goes */
		if (d->busy)
			return (guint64) half_open * 4 >= (guint64) d->threshold * 3;
		return half_open >= d->threshold;
	}
	return FALSE;
}

static void
update_busy(Engine *engine)
{
	EngineDdos *d = &engine->ddos;
	gboolean busy = busy_now(engine);

	if (busy == d->busy)
		return;
	d->busy = busy;
	g_info("anti-DDoS measures %s (%u half-open IKE SAs)", busy ? "on" : "off",
	       g_hash_table_size(engine->half_open));
	if (d->busy_func != NULL)
		d->busy_func(busy, d->busy_data);
}

void
ddos_half_open_changed(Engine *engine)
{
	if (engine->ddos.mode == ENGINE_DDOS_AUTO)
		update_busy(engine);
}

void
engine_set_ddos_mode(Engine *engine, EngineDdosMode mode)
{
	engine->ddos.mode = mode;
	update_busy(engine);
}

EngineDdosMode
engine_get_ddos_mode(Engine *engine)
{
	return engine->ddos.mode;
}

void
engine_set_ddos_threshold(Engine *engine, guint half_open)
{
	engine->ddos.threshold = half_open != 0 ? half_open : ENGINE_DDOS_DEFAULT_THRESHOLD;
	update_busy(engine);
}

gboolean
engine_is_busy(Engine *engine)
{
	return engine->ddos.busy;
}

void
engine_set_busy_func(Engine *engine, EngineBusyFunc func, gpointer user_data)
{
	engine->ddos.busy_func = func;
	engine->ddos.busy_data = user_data;
}

/* ---- the secret ------------------------------------------------------- */

static void
secret_clear(CookieSecret *s)
{
	g_clear_pointer(&s->prf, crypto_prf_free);
	memset(s->key, 0, sizeof(s->key));
	s->valid = FALSE;
}

void
engine_rotate_cookie_secret(Engine *engine)
{
	EngineDdos *d = &engine->ddos;
	g_autoptr(GError) error = NULL;
	guint8 version = (guint8) (d->current.version + 1);

	secret_clear(&d->previous);
	d->previous = d->current;
	memset(&d->current, 0, sizeof(d->current));
	if (!crypto_random_fill(d->current.key, sizeof(d->current.key), &error))
		for (guint i = 0; i < sizeof(d->current.key); i++)
			d->current.key[i] = (guint8) g_random_int();
	d->current.prf = crypto_prf_new(crypto_prf_alg_by_id(IKE_PRF_HMAC_SHA2_256), d->current.key,
	                                sizeof(d->current.key), &error);
	d->current.version = version;
	d->current.valid = d->current.prf != NULL;
	if (!d->current.valid)
		g_warning("cannot key the cookie secret: %s", error->message);
	d->secret_born = g_get_monotonic_time();
}

static void
secret_refresh(Engine *engine)
{
	EngineDdos *d = &engine->ddos;

	if (!d->current.valid || g_get_monotonic_time() - d->secret_born >=
	                                 (gint64) ENGINE_COOKIE_SECRET_SECONDS * G_USEC_PER_SEC)
		engine_rotate_cookie_secret(engine);
}

/* version | HMAC(secret, Ni | IPi | SPIi) into @out (COOKIE_LEN octets). */
static gboolean
make_cookie(const CookieSecret *s, const guint8 *ni, gsize ni_len, const NetEndpoint *ip,
            guint64 spi_i, guint8 out[COOKIE_LEN])
{
	guint8 spi[8];
	CryptoChunk in[3];

	if (!s->valid)
		return FALSE;
	for (guint i = 0; i < 8; i++)
		spi[i] = (guint8) (spi_i >> (56 - 8 * i));
	in[0] = CRYPTO_CHUNK(ni, ni_len);
	in[1] = CRYPTO_CHUNK(ip->addr, net_endpoint_addr_len(ip));
	in[2] = CRYPTO_CHUNK(spi, sizeof(spi));
	out[0] = s->version;
	return crypto_prf_compute(s->prf, in, G_N_ELEMENTS(in), out + 1, NULL);
}

static gboolean
cookie_valid(Engine *engine, const IkeInitPeek *peek, const NetPacket *pkt, guint64 spi_i)
{
	EngineDdos *d = &engine->ddos;
	const CookieSecret *s;
	guint8 want[COOKIE_LEN];
	guint8 diff = 0;

	if (peek->cookie_len != COOKIE_LEN)
		return FALSE;
	secret_refresh(engine);
	s = peek->cookie[0] == d->current.version    ? &d->current
	    : peek->cookie[0] == d->previous.version ? &d->previous
	                                             : NULL;
	if (s == NULL || !make_cookie(s, peek->nonce, peek->nonce_len, &pkt->remote, spi_i, want))
		return FALSE;
	for (guint i = 0; i < COOKIE_LEN; i++)
		diff |= want[i] ^ peek->cookie[i];
	return diff == 0;
}

/* ---- stateless answers ------------------------------------------------ */

void
ddos_send_init_notify(Engine *engine, const NetPacket *pkt, const IkeHeader *hdr, guint16 type,
                      const guint8 *d1, gsize l1, const guint8 *d2, gsize l2)
{
	/* HDR + N: 28 + 8 + data; the largest is a REDIRECT with an FQDN
	 * (2 + 255) and a nonce (256) */
	guint8 buf[IKE_HEADER_LEN + 8 + 2 + 255 + IKE_NONCE_MAX_LEN];
	gsize plen = 8 + l1 + l2, len = IKE_HEADER_LEN + plen;
	IkeHeader h = {
	        .spi_i = hdr->spi_i,
	        .next_payload = IKE_PAYLOAD_NOTIFY,
	        .major_version = IKE_MAJOR_VERSION,
	        .exchange_type = IKE_EXCHANGE_IKE_SA_INIT,
	        .flags = IKE_FLAG_RESPONSE,
	        .message_id = 0,
	};
	guint8 *n = buf + IKE_HEADER_LEN;

	if (len > sizeof(buf))
		return;
	h.length = (guint32) len;
	ike_header_write(&h, buf);
	n[0] = IKE_PAYLOAD_NONE;
	n[1] = 0;
	n[2] = (guint8) (plen >> 8);
	n[3] = (guint8) plen;
	n[4] = 0; /* protocol: none */
	n[5] = 0; /* SPI size */
	n[6] = (guint8) (type >> 8);
	n[7] = (guint8) type;
	if (l1 > 0)
		memcpy(n + 8, d1, l1);
	if (l2 > 0)
		memcpy(n + 8 + l1, d2, l2);
	engine_send(engine, &pkt->local, &pkt->remote, buf, len,
	            pkt->local.port == net_io_get_natt_port(engine->net));
}

static gboolean
redirect_wanted(Engine *engine, const IkeInitPeek *peek)
{
	EngineDdos *d = &engine->ddos;

	/* a peer that was redirected here (REDIRECTED_FROM, RFC 5685 §5)
	 * follows redirects as well */
	if ((!peek->redirect_supported && peek->redirected_from == NULL) || d->redirect_gw == NULL)
		return FALSE;
	switch (d->redirect_mode) {
	case ENGINE_REDIRECT_NO:
		return FALSE;
	case ENGINE_REDIRECT_YES:
		return TRUE;
	case ENGINE_REDIRECT_AUTO:
		return d->busy;
	}
	return FALSE;
}

gboolean
ddos_admit_init(Engine *engine, const NetPacket *pkt, const IkeHeader *hdr)
{
	EngineDdos *d = &engine->ddos;
	IkeInitPeek peek;
	char buf[64];

	/* the common case: nothing to check, nothing parsed twice */
	if (!d->busy && d->redirect_mode != ENGINE_REDIRECT_YES)
		return TRUE;
	if (!ike_init_peek(pkt->data, pkt->len, &peek) || peek.nonce == NULL ||
	    peek.nonce_len < IKE_NONCE_MIN_LEN || peek.nonce_len > IKE_NONCE_MAX_LEN) {
		/* the full parse of a responder SA would refuse it too */
		engine->counters.messages_dropped++;
		return FALSE;
	}
	if (d->busy) {
		if (peek.cookie != NULL && cookie_valid(engine, &peek, pkt, hdr->spi_i)) {
			engine->counters.cookies_accepted++;
		} else {
			guint8 cookie[COOKIE_LEN];

			if (peek.cookie != NULL) {
				/* §2.6: perhaps made with a secret since retired; a
				 * fresh one costs the same as the first did */
				engine->counters.cookies_rejected++;
				g_debug("IKE_SA_INIT from %s: invalid COOKIE",
				        net_endpoint_to_string(&pkt->remote, buf, sizeof(buf)));
			}
			secret_refresh(engine);
			if (!make_cookie(&d->current, peek.nonce, peek.nonce_len, &pkt->remote,
			                 hdr->spi_i, cookie))
				return FALSE;
			ddos_send_init_notify(engine, pkt, hdr, IKE_NOTIFY_COOKIE, cookie,
			                      sizeof(cookie), NULL, 0);
			engine->counters.cookies_sent++;
			g_debug("IKE_SA_INIT from %s: busy, answered with a COOKIE",
			        net_endpoint_to_string(&pkt->remote, buf, sizeof(buf)));
			return FALSE;
		}
	}
	if (redirect_wanted(engine, &peek)) {
		gsize gw_len;
		const guint8 *gw = g_bytes_get_data(d->redirect_gw, &gw_len);

		/* RFC 5685 §8: in IKE_SA_INIT the REDIRECT carries the
		 * initiator's nonce, which proves it answers this request */
		ddos_send_init_notify(engine, pkt, hdr, IKE_NOTIFY_REDIRECT, gw, gw_len, peek.nonce,
		                      peek.nonce_len);
		engine->counters.redirects_sent++;
		g_info("IKE_SA_INIT from %s: redirected (global redirect)",
		       net_endpoint_to_string(&pkt->remote, buf, sizeof(buf)));
		return FALSE;
	}
	return TRUE;
}

/* ---- life cycle ------------------------------------------------------- */

void
ddos_engine_init(Engine *engine)
{
	engine->ddos.mode = ENGINE_DDOS_AUTO;
	engine->ddos.threshold = ENGINE_DDOS_DEFAULT_THRESHOLD;
}

void
ddos_engine_free(Engine *engine)
{
	secret_clear(&engine->ddos.current);
	secret_clear(&engine->ddos.previous);
	g_clear_pointer(&engine->ddos.redirect_gw, g_bytes_unref);
}
