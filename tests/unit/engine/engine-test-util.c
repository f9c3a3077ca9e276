/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "engine-test-util.h"

#include <string.h>

#include "config/connection.h"
#include "ike.h"
#include "nss-init.h"

typedef struct {
	TestPeer *to;
	NetPacket pkt;
	guint8 *data;
	gboolean natt;
} Pending;

static TestPeer *
peer_for(TestWire *w, const NetEndpoint *ep)
{
	NetEndpoint a, b;

	net_endpoint_parse(w->a.addr, 0, &a);
	net_endpoint_parse(w->b.addr, 0, &b);
	if (net_endpoint_addr_equal(ep, &a))
		return &w->a;
	if (net_endpoint_addr_equal(ep, &b))
		return &w->b;
	if (w->c.engine != NULL && net_endpoint_parse(w->c.addr, 0, &a) &&
	    net_endpoint_addr_equal(ep, &a))
		return &w->c;
	return NULL;
}

static const char *
peer_name(TestWire *w, const TestPeer *p)
{
	return p == &w->a ? "a" : p == &w->b ? "b" : "c";
}

static gboolean
deliver(gpointer data)
{
	TestWire *w = data;
	Pending *p;

	w->idle = 0;
	while ((p = g_queue_pop_head(w->pending)) != NULL) {
		p->pkt.data = p->data;
		net_io_inject(p->to->io, &p->pkt, p->natt);
		g_free(p->data);
		g_free(p);
	}
	return G_SOURCE_REMOVE;
}

static void
log_packet(TestWire *w, const TestPeer *from, const TestPeer *to, const NetPacket *pkt)
{
	IkeHeader h;
	char buf[IKE_NAME_BUF_LEN];

	if (!ike_header_peek(pkt->data, pkt->len, &h, NULL))
		return;
	g_ptr_array_add(w->log,
	                g_strdup_printf("%s->%s %s %s %u", peer_name(w, from), peer_name(w, to),
	                                ike_name_or_unknown(IKE_REG_EXCHANGE, h.exchange_type, buf,
	                                                    sizeof(buf)),
	                                (h.flags & IKE_FLAG_RESPONSE) ? "response" : "request",
	                                h.message_id));
}

static gboolean
wire_send(const NetPacket *pkt, gboolean natt, gpointer user_data)
{
	TestPeer *from = user_data;
	TestWire *w = from->wire;
	TestPeer *to = peer_for(w, &pkt->remote);
	Pending *p;

	if (to == NULL)
		return FALSE;
	if (w->filter != NULL && w->filter(w, from, pkt->data, pkt->len, w->filter_data)) {
		g_ptr_array_add(w->log, g_strdup("dropped"));
		return TRUE;
	}
	log_packet(w, from, to, pkt);
	p = g_new0(Pending, 1);
	p->to = to;
	p->data = g_memdup2(pkt->data, pkt->len);
	p->pkt.len = pkt->len;
	/* what the receiver sees: its own address as local */
	p->pkt.local = pkt->remote;
	p->pkt.remote = pkt->local;
	p->natt = natt;
	g_queue_push_tail(w->pending, p);
	if (w->idle == 0)
		w->idle = g_idle_add(deliver, w);
	return TRUE;
}

static IkebusSecbuf *
lookup_psk(const char *local_id, const char *remote_id, gpointer user_data)
{
	TestPeer *p = user_data;

	p->psk_lookups++;
	if (p->psk == NULL)
		return NULL;
	return ikebus_secbuf_new_from((const guint8 *) p->psk, strlen(p->psk));
}

static void
peer_init(TestWire *w, TestPeer *p, const char *addr)
{
	const char *addrs[] = {addr, NULL};
	NetConfig cfg = {.addresses = addrs};
	EngineSecrets secrets = {lookup_psk, p};
	EngineTimings t = w->timings;

	p->wire = w;
	p->addr = addr;
	p->psk = g_strdup("s3cret-psk-for-tests");
	p->kernel = mock_kernel_new();
	p->io = net_io_new_detached(&cfg, wire_send, p);
	p->engine = engine_new(NULL, p->kernel, &secrets, p->io, &t);
	/* The mock keys its SAs by SPI alone and both mocks count from the
	 * same start: move east's counter so the two never hand out equal
	 * SPIs (a real kernel keys by destination too). */
	for (guint i = 0; i < (g_strcmp0(addr, "192.0.2.2") == 0   ? 0x1000u
	                       : g_strcmp0(addr, "192.0.2.3") == 0 ? 0x2000u
	                                                           : 0u);
	     i++) {
		guint32 spi;

		kernel_backend_get_spi(p->kernel, NULL, NULL, KERNEL_PROTO_ESP, 0, &spi, NULL);
	}
	mock_kernel_clear_calls(p->kernel);
}

guint
test_time_scale(void)
{
	/* Short timers keep the suite fast; IKEBUS_TEST_TIME_SCALE stretches
	 * them where everything runs slower (valgrind), so that a slow
	 * handshake is not mistaken for a lost message. */
	const char *env = g_getenv("IKEBUS_TEST_TIME_SCALE");

	return env != NULL ? (guint) CLAMP(g_ascii_strtoull(env, NULL, 10), 1, 100) : 1;
}

gboolean
test_skip_if_stretched(void)
{
	if (test_time_scale() == 1)
		return FALSE;
	g_test_skip("measures protocol timers, which IKEBUS_TEST_TIME_SCALE does not stretch");
	return TRUE;
}

TestWire *
test_wire_new(void)
{
	guint scale = test_time_scale();
	EngineTimings t = {50 * scale, 400 * scale, 4, 20, 2, 0};

	return test_wire_new_with(&t);
}

TestWire *
test_wire_new_with(const EngineTimings *timings)
{
	TestWire *w = g_new0(TestWire, 1);
	g_autoptr(GError) error = NULL;

	w->timings = *timings;
	g_assert_true(crypto_nss_init_nodb(&error));
	w->pending = g_queue_new();
	w->log = g_ptr_array_new_with_free_func(g_free);
	peer_init(w, &w->a, "192.0.2.1");
	peer_init(w, &w->b, "192.0.2.2");
	return w;
}

static void
peer_clear(TestPeer *p)
{
	engine_free(p->engine);
	kernel_backend_free(p->kernel);
	g_free(p->psk);
}

void
test_peer_restart(TestPeer *p)
{
	const char *addr = p->addr;

	peer_clear(p);
	peer_init(p->wire, p, addr);
}

void
test_wire_add_peer_c(TestWire *w)
{
	if (w->c.engine == NULL)
		peer_init(w, &w->c, "192.0.2.3");
}

void
test_wire_free(TestWire *w)
{
	Pending *p;

	peer_clear(&w->a);
	peer_clear(&w->b);
	if (w->c.engine != NULL)
		peer_clear(&w->c);
	if (w->idle != 0)
		g_source_remove(w->idle);
	while ((p = g_queue_pop_head(w->pending)) != NULL) {
		g_free(p->data);
		g_free(p);
	}
	g_queue_free(w->pending);
	g_ptr_array_unref(w->log);
	/* let the engines' idle reapers and worker completions run out */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_free(w);
}

void
test_peer_add_conn(TestPeer *p, const char *name, const char *options)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE_VARDICT, options, NULL, NULL, &error);
	IkebusConnection *c;

	g_assert_no_error(error);
	c = ikebus_connection_new_from_options(name, v, &error);
	g_assert_no_error(error);
	g_assert_true(engine_add_connection(p->engine, c, FALSE, &error));
	g_assert_no_error(error);
}

void
test_wire_add_conn_pair(TestWire *w, const char *conn, const char *extra_a, const char *extra_b)
{
	g_autofree char *a = g_strdup_printf("%s%s}", conn, extra_a != NULL ? extra_a : "");
	g_autofree char *b = g_strdup_printf("%s%s}", conn, extra_b != NULL ? extra_b : "");

	test_peer_add_conn(&w->a, "c", a);
	test_peer_add_conn(&w->b, "c", b);
}

const KernelPolicy *
test_find_policy(TestPeer *p, const char *src, const char *dst, KernelDir dir)
{
	GPtrArray *pol = mock_kernel_get_policies(p->kernel);

	for (guint i = 0; i < pol->len; i++) {
		const KernelPolicy *k = g_ptr_array_index(pol, i);
		g_autofree char *s = kernel_ts_to_string(&k->src);
		g_autofree char *d = kernel_ts_to_string(&k->dst);

		if (k->dir == dir && g_strcmp0(s, src) == 0 && g_strcmp0(d, dst) == 0)
			return k;
	}
	return NULL;
}

static void
on_line(EngineStatus code, const char *line, gpointer user_data)
{
	TestResult *r = user_data;

	g_test_message("progress %d: %s", code, line);
	g_ptr_array_add(r->lines, g_strdup(line));
}

static void
on_done(EngineStatus status, gpointer user_data)
{
	TestResult *r = user_data;

	r->done = TRUE;
	r->status = status;
}

static gboolean
result_done(gpointer data)
{
	return ((TestResult *) data)->done;
}

void
test_initiate(TestPeer *p, const char *name, TestResult *r, guint timeout_ms)
{
	g_autoptr(GError) error = NULL;

	memset(r, 0, sizeof(*r));
	r->lines = g_ptr_array_new_with_free_func(g_free);
	g_assert_true(engine_initiate(p->engine, name, NULL, on_line, on_done, r, NULL, &error));
	g_assert_no_error(error);
	test_run_until(result_done, r, timeout_ms);
	/* let the responder finish its side */
	test_run_for(20);
}

void
test_result_clear(TestResult *r)
{
	g_clear_pointer(&r->lines, g_ptr_array_unref);
}

static gboolean
timeout_cb(gpointer data)
{
	*(gboolean *) data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
run_until(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add(timeout_ms, timeout_cb, &expired);

	while (!(cond != NULL && cond(data)) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	return cond != NULL && cond(data);
}

gboolean
test_run_until(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms)
{
	/* a deadline for something to happen stretches with the test timers;
	 * test_run_for() spans protocol timers (DPD, lifetimes), which do not */
	return run_until(cond, data, timeout_ms * test_time_scale());
}

void
test_run_for(guint ms)
{
	run_until(NULL, NULL, ms);
}

guint
test_wire_count(TestWire *w, const char *needle)
{
	guint n = 0;

	for (guint i = 0; i < w->log->len; i++)
		if (strstr(g_ptr_array_index(w->log, i), needle) != NULL)
			n++;
	return n;
}

guint
test_count_ike(TestPeer *p, const char *state)
{
	g_autoptr(GPtrArray) l = engine_list_ike_sas(p->engine);
	guint n = 0;

	for (guint i = 0; i < l->len; i++) {
		EngineIkeSaInfo *info = g_ptr_array_index(l, i);

		if (state == NULL || g_strcmp0(info->state, state) == 0)
			n++;
	}
	return n;
}

guint
test_count_child(TestPeer *p, const char *state)
{
	g_autoptr(GPtrArray) l = engine_list_child_sas(p->engine);
	guint n = 0;

	for (guint i = 0; i < l->len; i++) {
		EngineChildSaInfo *info = g_ptr_array_index(l, i);

		if (state == NULL || g_strcmp0(info->state, state) == 0)
			n++;
	}
	return n;
}

guint
test_count_calls(TestPeer *p, const char *prefix)
{
	GPtrArray *calls = mock_kernel_get_calls(p->kernel);
	guint n = 0;

	for (guint i = 0; i < calls->len; i++)
		if (g_str_has_prefix(g_ptr_array_index(calls, i), prefix))
			n++;
	return n;
}

void
test_wire_establish(TestWire *w)
{
	TestResult r;

	test_initiate(&w->a, "c", &r, 5000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	test_result_clear(&r);
}
