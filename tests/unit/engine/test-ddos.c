/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The responder's anti-DDoS measures and IKEv2 redirect, with engines on an
 * in-memory wire: a busy responder answers IKE_SA_INIT with only N(COOKIE)
 * and keeps no state (RFC 7296 §2.6, RFC 8019 §4.1); a valid cookie gets
 * through, a wrong or retired one does not; "auto" turns busy on and off
 * by half-open SAs.  Redirect (RFC 5685): the global redirect in
 * IKE_SA_INIT, followed by the initiator to a third engine, its nonce
 * check, the loop limit, and the INFORMATIONAL redirect of an established
 * IKE SA.
 */
#include <string.h>

#include "engine-test-util.h"
#include "ike.h"

#define CONN_HEAD                                                                                  \
	"{'left-host': <'192.0.2.1'>, 'left-id': <'@west'>, "                                      \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>, "              \
	"'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>"
#define CONN CONN_HEAD ", 'right-host': <'192.0.2.2'>"
#define CONN_C CONN_HEAD ", 'right-host': <'192.0.2.3'>}"

static EngineCounters
counters(TestPeer *p)
{
	EngineCounters c;

	engine_get_counters(p->engine, &c);
	return c;
}

/* ---- what a peer sent ------------------------------------------------- */

typedef struct {
	TestPeer *watch;       /* responses from this peer are looked at */
	guint responses;       /* IKE_SA_INIT responses seen */
	guint cookie_only;     /* ... carrying exactly one payload, N(COOKIE) */
	guint sas_at_cookie;   /* responder SAs that existed when it was sent */
	guint redirected_from; /* IKE_SA_INIT requests with REDIRECTED_FROM */
	guint redirect_supported;
	GBytes *last_cookie;
	gboolean drop; /* drop what @watch sends */
} Watch;

static gboolean
watch_filter(TestWire *w, const TestPeer *from, const guint8 *data, gsize len, gpointer user_data)
{
	Watch *wt = user_data;
	IkeHeader h;
	g_autoptr(IkeMessage) m = NULL;

	if (!ike_header_peek(data, len, &h, NULL) || h.exchange_type != IKE_EXCHANGE_IKE_SA_INIT)
		return FALSE;
	m = ike_message_parse(data, len, NULL);
	g_assert_nonnull(m);
	if (!(h.flags & IKE_FLAG_RESPONSE)) {
		IkeInitPeek peek;

		g_assert_true(ike_init_peek(data, len, &peek));
		wt->redirected_from += peek.redirected_from != NULL;
		wt->redirect_supported += peek.redirect_supported;
		return FALSE;
	}
	if (from != wt->watch)
		return FALSE;
	wt->responses++;
	if (m->payloads->len == 1) {
		IkePayload *p = g_ptr_array_index(m->payloads, 0);

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type == IKE_NOTIFY_COOKIE) {
			wt->cookie_only++;
			wt->sas_at_cookie += test_count_ike(wt->watch, NULL);
			g_clear_pointer(&wt->last_cookie, g_bytes_unref);
			wt->last_cookie = g_bytes_new(p->u.notify.data, p->u.notify.data_len);
		}
	}
	return wt->drop;
}

static void
watch_clear(Watch *wt)
{
	g_clear_pointer(&wt->last_cookie, g_bytes_unref);
}

/* ---- cookies ----------------------------------------------------------- */

static void
test_busy_cookie(void)
{
	TestWire *w = test_wire_new();
	Watch wt = {.watch = &w->b};
	TestResult r;
	EngineCounters c;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_BUSY);
	g_assert_true(engine_is_busy(w->b.engine));
	w->filter = watch_filter;
	w->filter_data = &wt;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	/* the first answer: N(COOKIE) alone, sent while the responder had
	 * no state at all; the second: the real response */
	g_assert_cmpuint(wt.responses, ==, 2);
	g_assert_cmpuint(wt.cookie_only, ==, 1);
	g_assert_cmpuint(wt.sas_at_cookie, ==, 0);
	g_assert_cmpuint(wt.last_cookie != NULL ? g_bytes_get_size(wt.last_cookie) : 0, ==, 33);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->b, "INSTALLED"), ==, 1);
	c = counters(&w->b);
	g_assert_cmpuint(c.cookies_sent, ==, 1);
	g_assert_cmpuint(c.cookies_accepted, ==, 1);
	g_assert_cmpuint(c.cookies_rejected, ==, 0);
	/* IKE_SA_INIT x2, IKE_AUTH: 6 messages */
	g_assert_cmpuint(test_wire_count(w, "IKE_SA_INIT"), ==, 4);
	test_result_clear(&r);
	watch_clear(&wt);
	test_wire_free(w);
}

static void
test_unlimited_no_cookie(void)
{
	TestWire *w = test_wire_new();
	Watch wt = {.watch = &w->b};
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_UNLIMITED);
	/* even a threshold every request reaches does nothing */
	engine_set_ddos_threshold(w->b.engine, 1);
	w->filter = watch_filter;
	w->filter_data = &wt;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_false(engine_is_busy(w->b.engine));
	g_assert_cmpuint(wt.cookie_only, ==, 0);
	g_assert_cmpuint(counters(&w->b).cookies_sent, ==, 0);
	g_assert_cmpuint(wt.redirect_supported, ==, 1);
	test_result_clear(&r);
	watch_clear(&wt);
	test_wire_free(w);
}

static void
on_busy(gboolean busy, gpointer user_data)
{
	g_string_append_c(user_data, busy ? '1' : '0');
}

static void
test_auto_threshold(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GString) flips = g_string_new(NULL);
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	g_assert_cmpint(engine_get_ddos_mode(w->b.engine), ==, ENGINE_DDOS_AUTO);
	engine_set_busy_func(w->b.engine, on_busy, flips);
	/* busy from one half-open SA on: the first request gets through
	 * (none was half-open), then its SA makes the responder busy until
	 * IKE_AUTH completes it */
	engine_set_ddos_threshold(w->b.engine, 1);
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_cmpstr(flips->str, ==, "10");
	g_assert_false(engine_is_busy(w->b.engine));
	g_assert_cmpuint(counters(&w->b).cookies_sent, ==, 0);
	/* "busy" and back to "auto" */
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_BUSY);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_AUTO);
	g_assert_cmpstr(flips->str, ==, "1010");
	test_result_clear(&r);
	test_wire_free(w);
}

/* An IKE_SA_INIT request from a (192.0.2.1) to b with SPIi @spi, a fixed
 * nonce and, unless NULL, @cookie as the first payload. */
static void
inject_init(TestWire *w, guint64 spi, GBytes *cookie)
{
	g_autoptr(IkeMessage) m =
	        ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_INITIATOR, spi, 0, 0);
	g_autoptr(GByteArray) wire = NULL;
	static const guint8 nonce[32] = "a nonce of thirty-two octets...";
	NetPacket pkt = {0};

	if (cookie != NULL)
		ike_message_add_payload(m, ike_payload_new_notify(0, IKE_NOTIFY_COOKIE, NULL, 0,
		                                                  g_bytes_get_data(cookie, NULL),
		                                                  g_bytes_get_size(cookie)));
	ike_message_add_payload(m, ike_payload_new_nonce(nonce, sizeof(nonce)));
	wire = ike_message_encode(m, NULL);
	net_endpoint_parse(w->b.addr, 500, &pkt.local);
	net_endpoint_parse(w->a.addr, 500, &pkt.remote);
	pkt.data = wire->data;
	pkt.len = wire->len;
	net_io_inject(w->b.io, &pkt, FALSE);
}

static void
test_wrong_cookie(void)
{
	TestWire *w = test_wire_new();
	Watch wt = {.watch = &w->b, .drop = TRUE};
	g_autoptr(GBytes) bogus = NULL;
	g_autoptr(GBytes) good = NULL;
	guint8 b[33];
	EngineCounters c;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_BUSY);
	w->filter = watch_filter;
	w->filter_data = &wt;

	/* no cookie: a cookie, no state */
	inject_init(w, 0x1111, NULL);
	g_assert_cmpuint(wt.cookie_only, ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	good = g_bytes_ref(wt.last_cookie);

	/* a forged one (right length and version, wrong hash) */
	memcpy(b, g_bytes_get_data(good, NULL), sizeof(b));
	b[10] ^= 0x40;
	bogus = g_bytes_new(b, sizeof(b));
	inject_init(w, 0x1111, bogus);
	g_assert_cmpuint(wt.cookie_only, ==, 2);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	/* the good cookie of another SPI (bound to SPIi) */
	inject_init(w, 0x2222, good);
	g_assert_cmpuint(wt.cookie_only, ==, 3);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	c = counters(&w->b);
	g_assert_cmpuint(c.cookies_sent, ==, 3);
	g_assert_cmpuint(c.cookies_rejected, ==, 2);
	g_assert_cmpuint(c.cookies_accepted, ==, 0);

	/* the right one gets through: state now exists */
	inject_init(w, 0x1111, good);
	c = counters(&w->b);
	g_assert_cmpuint(c.cookies_accepted, ==, 1);
	g_assert_cmpuint(c.cookies_sent, ==, 3);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 1);
	watch_clear(&wt);
	test_wire_free(w);
}

static void
test_secret_rotation(void)
{
	TestWire *w = test_wire_new();
	Watch wt = {.watch = &w->b, .drop = TRUE};
	g_autoptr(GBytes) c1 = NULL;
	g_autoptr(GBytes) c2 = NULL;
	EngineCounters c;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_BUSY);
	w->filter = watch_filter;
	w->filter_data = &wt;

	/* retired twice: refused, and a cookie of the new secret comes back */
	inject_init(w, 0x3333, NULL);
	c1 = g_bytes_ref(wt.last_cookie);
	engine_rotate_cookie_secret(w->b.engine);
	engine_rotate_cookie_secret(w->b.engine);
	inject_init(w, 0x3333, c1);
	c = counters(&w->b);
	g_assert_cmpuint(c.cookies_rejected, ==, 1);
	g_assert_cmpuint(c.cookies_accepted, ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	g_assert_false(g_bytes_equal(c1, wt.last_cookie));
	/* the version octet tells the secrets apart */
	g_assert_cmpuint(((const guint8 *) g_bytes_get_data(wt.last_cookie, NULL))[0], ==,
	                 (guint8) (((const guint8 *) g_bytes_get_data(c1, NULL))[0] + 2));

	/* retired once: still good */
	inject_init(w, 0x4444, NULL);
	c2 = g_bytes_ref(wt.last_cookie);
	engine_rotate_cookie_secret(w->b.engine);
	inject_init(w, 0x4444, c2);
	c = counters(&w->b);
	g_assert_cmpuint(c.cookies_accepted, ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 1);
	watch_clear(&wt);
	test_wire_free(w);
}

/* ---- redirect ---------------------------------------------------------- */

static void
add_gateway_c(TestWire *w)
{
	test_wire_add_peer_c(w);
	test_peer_add_conn(&w->c, "c", CONN_C);
}

static void
test_redirect_init(void)
{
	TestWire *w = test_wire_new();
	const char *to[] = {"192.0.2.3", "192.0.2.9", NULL};
	Watch wt = {.watch = &w->b};
	g_autoptr(GPtrArray) ike = NULL;
	EngineIkeSaInfo *info;
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	add_gateway_c(w);
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, to, NULL));
	w->filter = watch_filter;
	w->filter_data = &wt;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	/* b answered once, statelessly; c took the peer */
	g_assert_cmpuint(wt.responses, ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	g_assert_cmpuint(counters(&w->b).redirects_sent, ==, 1);
	g_assert_cmpuint(counters(&w->a).redirects_followed, ==, 1);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->c, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->c, "INSTALLED"), ==, 1);
	ike = engine_list_ike_sas(w->a.engine);
	info = g_ptr_array_index(ike, 0);
	g_assert_cmpstr(info->remote_host, ==, "192.0.2.3");
	/* §5: the second request names the gateway that sent us */
	g_assert_cmpuint(wt.redirect_supported, ==, 1);
	g_assert_cmpuint(wt.redirected_from, ==, 1);
	g_assert_cmpuint(test_wire_count(w, "a->c IKE_SA_INIT request"), ==, 1);
	test_result_clear(&r);
	watch_clear(&wt);
	test_wire_free(w);
}

static void
test_redirect_auto(void)
{
	TestWire *w = test_wire_new();
	const char *to[] = {"192.0.2.3", NULL};
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	add_gateway_c(w);
	/* "auto" while not busy: b takes the peer itself */
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_AUTO, to, NULL));
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(counters(&w->b).redirects_sent, ==, 0);
	test_result_clear(&r);
	/* busy: off to c (after the cookie) */
	engine_terminate(w->a.engine, "c", NULL);
	test_run_for(100);
	engine_set_ddos_mode(w->b.engine, ENGINE_DDOS_BUSY);
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_cmpuint(counters(&w->b).cookies_accepted, ==, 1);
	g_assert_cmpuint(counters(&w->b).redirects_sent, ==, 1);
	g_assert_cmpuint(test_count_ike(&w->c, "ESTABLISHED"), ==, 1);
	test_result_clear(&r);
	test_wire_free(w);
}

/* A REDIRECT whose nonce is not ours is ignored (§8): rewrite b's. */
static gboolean
spoil_redirect_nonce(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                     gpointer user_data)
{
	IkeHeader h;

	if (from != &w->b || !ike_header_peek(data, len, &h, NULL) ||
	    h.exchange_type != IKE_EXCHANGE_IKE_SA_INIT || !(h.flags & IKE_FLAG_RESPONSE))
		return FALSE;
	/* the last octet is the last of the nonce */
	((guint8 *) data)[len - 1] ^= 1;
	return FALSE;
}

static void
test_redirect_bad_nonce(void)
{
	TestWire *w = test_wire_new();
	const char *to[] = {"192.0.2.3", NULL};
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	add_gateway_c(w);
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, to, NULL));
	w->filter = spoil_redirect_nonce;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_PEER_ERROR);
	g_assert_cmpuint(counters(&w->a).redirects_followed, ==, 0);
	g_assert_cmpuint(test_count_ike(&w->c, NULL), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_redirect_loop(void)
{
	TestWire *w = test_wire_new();
	const char *to_c[] = {"192.0.2.3", NULL};
	const char *to_b[] = {"192.0.2.2", NULL};
	TestResult r;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	add_gateway_c(w);
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, to_c, NULL));
	g_assert_true(engine_set_global_redirect(w->c.engine, ENGINE_REDIRECT_YES, to_b, NULL));
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_PEER_ERROR);
	g_assert_cmpuint(counters(&w->a).redirects_followed, ==, ENGINE_REDIRECT_MAX_FOLLOW);
	g_assert_cmpuint(counters(&w->b).redirects_sent + counters(&w->c).redirects_sent, ==,
	                 ENGINE_REDIRECT_MAX_FOLLOW + 1);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
moved_to_c(gpointer data)
{
	TestWire *w = data;

	return test_count_ike(&w->a, NULL) == 1 && test_count_ike(&w->a, "ESTABLISHED") == 1 &&
	       test_count_ike(&w->c, "ESTABLISHED") == 1 && test_count_ike(&w->b, NULL) == 0;
}

static void
test_redirect_informational(void)
{
	TestWire *w = test_wire_new();
	const char *to[] = {"192.0.2.3", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ike = NULL;
	EngineIkeSaInfo *info;

	test_wire_add_conn_pair(w, CONN, NULL, NULL);
	add_gateway_c(w);
	test_wire_establish(w);
	g_assert_cmpint(engine_redirect_peers(w->b.engine, "nope", to, &error), ==, -1);
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpint(engine_redirect_peers(w->b.engine, "c", to, &error), ==, 1);
	g_assert_no_error(error);
	g_assert_true(test_run_until(moved_to_c, w, 5000));
	ike = engine_list_ike_sas(w->a.engine);
	info = g_ptr_array_index(ike, 0);
	g_assert_cmpstr(info->remote_host, ==, "192.0.2.3");
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 1);
	g_assert_cmpuint(counters(&w->b).redirects_sent, ==, 1);
	g_assert_cmpuint(counters(&w->a).redirects_followed, ==, 1);
	test_wire_free(w);
}

static void
test_redirect_config(void)
{
	TestWire *w = test_wire_new();
	const char *bad[] = {"192.0.2.3", "not a name!", NULL};
	const char *name[] = {"gw2.example.net", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_false(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, bad, &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, NULL, &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_AUTO, name, &error));
	/* a mode alone keeps the gateways */
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_YES, NULL, &error));
	g_assert_true(engine_set_global_redirect(w->b.engine, ENGINE_REDIRECT_NO, NULL, &error));
	g_assert_no_error(error);
	test_wire_free(w);
}

/* ---- the peek ---------------------------------------------------------- */

static void
test_peek(void)
{
	g_autoptr(IkeMessage) m =
	        ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_INITIATOR, 7, 0, 0);
	static const guint8 ck[4] = {1, 2, 3, 4}, nonce[16] = "0123456789abcdef";
	g_autoptr(GByteArray) b = NULL;
	IkeInitPeek peek;

	ike_message_add_payload(m, ike_payload_new_notify(0, IKE_NOTIFY_COOKIE, NULL, 0, ck, 4));
	ike_message_add_payload(m, ike_payload_new_nonce(nonce, sizeof(nonce)));
	ike_message_add_payload(
	        m, ike_payload_new_notify(0, IKE_NOTIFY_REDIRECT_SUPPORTED, NULL, 0, NULL, 0));
	b = ike_message_encode(m, NULL);
	g_assert_true(ike_init_peek(b->data, b->len, &peek));
	g_assert_cmpmem(peek.cookie, peek.cookie_len, ck, 4);
	g_assert_cmpmem(peek.nonce, peek.nonce_len, nonce, sizeof(nonce));
	g_assert_true(peek.redirect_supported);
	g_assert_null(peek.redirected_from);
	/* every truncation is refused, never read past */
	for (gsize n = IKE_HEADER_LEN + 1; n < b->len; n++) {
		g_autofree guint8 *copy = g_memdup2(b->data, n);

		g_assert_false(ike_init_peek(copy, n, &peek));
	}
	/* a COOKIE not first does not count as one (§2.6) */
	{
		g_autoptr(IkeMessage) m2 =
		        ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_INITIATOR, 7, 0, 0);
		g_autoptr(GByteArray) b2 = NULL;

		ike_message_add_payload(m2, ike_payload_new_nonce(nonce, sizeof(nonce)));
		ike_message_add_payload(
		        m2, ike_payload_new_notify(0, IKE_NOTIFY_COOKIE, NULL, 0, ck, 4));
		b2 = ike_message_encode(m2, NULL);
		g_assert_true(ike_init_peek(b2->data, b2->len, &peek));
		g_assert_null(peek.cookie);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/ddos/peek", test_peek);
	g_test_add_func("/engine/ddos/busy-cookie", test_busy_cookie);
	g_test_add_func("/engine/ddos/unlimited", test_unlimited_no_cookie);
	g_test_add_func("/engine/ddos/auto-threshold", test_auto_threshold);
	g_test_add_func("/engine/ddos/wrong-cookie", test_wrong_cookie);
	g_test_add_func("/engine/ddos/secret-rotation", test_secret_rotation);
	g_test_add_func("/engine/redirect/config", test_redirect_config);
	g_test_add_func("/engine/redirect/init", test_redirect_init);
	g_test_add_func("/engine/redirect/auto", test_redirect_auto);
	g_test_add_func("/engine/redirect/bad-nonce", test_redirect_bad_nonce);
	g_test_add_func("/engine/redirect/loop", test_redirect_loop);
	g_test_add_func("/engine/redirect/informational", test_redirect_informational);
	return g_test_run();
}
