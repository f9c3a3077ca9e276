/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two engines negotiate through an in-memory wire with mock kernels:
 * IKE_SA_INIT + IKE_AUTH (PSK) with the first Child SA, INVALID_KE_PAYLOAD,
 * retransmission and the response cache, a wrong PSK, proposal mismatches,
 * and deletes from either side.
 */
#include <string.h>

#include "engine-test-util.h"

#include <sched.h>
#include "ike.h"

#define CONN                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-id': <'@west'>, "        \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>, "            \
	"'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>"

static const KernelSa *
find_sa(TestPeer *p, guint32 spi, KernelDir dir)
{
	GPtrArray *sas = mock_kernel_get_sas(p->kernel);

	for (guint i = 0; i < sas->len; i++) {
		const KernelSa *s = g_ptr_array_index(sas, i);

		if (s->spi == spi && s->dir == dir)
			return s;
	}
	return NULL;
}

static void
assert_same_keys(const KernelSa *out, const KernelSa *in)
{
	g_assert_nonnull(out);
	g_assert_nonnull(in);
	g_assert_true(out->encr == in->encr);
	g_assert_cmpmem(out->encr_key, out->encr_key_len, in->encr_key, in->encr_key_len);
	g_assert_cmpmem(out->integ_key, out->integ_key_len, in->integ_key, in->integ_key_len);
	g_assert_true(kernel_addr_equal(&out->src, &in->src));
	g_assert_true(kernel_addr_equal(&out->dst, &in->dst));
}

/* Both sides have one installed Child SA whose halves match. */
static void
assert_tunnel_up(TestWire *w)
{
	g_autoptr(GPtrArray) ca = engine_list_child_sas(w->a.engine);
	g_autoptr(GPtrArray) cb = engine_list_child_sas(w->b.engine);
	EngineChildSaInfo *a, *b;

	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(ca->len, ==, 1);
	g_assert_cmpuint(cb->len, ==, 1);
	a = g_ptr_array_index(ca, 0);
	b = g_ptr_array_index(cb, 0);
	g_assert_cmpstr(a->state, ==, "INSTALLED");
	g_assert_cmpstr(b->state, ==, "INSTALLED");
	g_assert_cmpuint(a->spi_out, ==, b->spi_in);
	g_assert_cmpuint(a->spi_in, ==, b->spi_out);
	g_assert_cmpstr(a->local_ts, ==, b->remote_ts);
	g_assert_cmpstr(a->remote_ts, ==, b->local_ts);
	g_assert_cmpstr(a->mode, ==, "tunnel");
	/* the initiator's outbound key is the responder's inbound key */
	assert_same_keys(find_sa(&w->a, a->spi_out, KERNEL_DIR_OUT),
	                 find_sa(&w->b, b->spi_in, KERNEL_DIR_IN));
	assert_same_keys(find_sa(&w->b, b->spi_out, KERNEL_DIR_OUT),
	                 find_sa(&w->a, a->spi_in, KERNEL_DIR_IN));
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_policies(w->b.kernel)->len, ==, 2);
}

static gboolean
has_line(const TestResult *r, const char *needle)
{
	for (guint i = 0; i < r->lines->len; i++)
		if (strstr(g_ptr_array_index(r->lines, i), needle) != NULL)
			return TRUE;
	return FALSE;
}

static void
setup_pair(TestWire *w, const char *extra_a, const char *extra_b)
{
	test_wire_add_conn_pair(w, CONN, extra_a, extra_b);
}

static void
test_establish(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	g_autoptr(GPtrArray) ike = NULL;
	EngineIkeSaInfo *info;

	setup_pair(w, NULL, NULL);
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_true(has_line(&r, "initiating IKEv2 connection"));
	g_assert_true(has_line(&r, "sent IKE_SA_INIT request"));
	g_assert_true(has_line(&r, "initiator established IKE SA"));
	g_assert_true(has_line(&r, "initiator established Child SA using #1; IPsec tunnel "
	                           "[198.51.100.1-198.51.100.1:0-65535 0] -> "
	                           "[198.51.100.2-198.51.100.2:0-65535 0] {ESP=>0x"));
	assert_tunnel_up(w);
	ike = engine_list_ike_sas(w->a.engine);
	info = g_ptr_array_index(ike, 0);
	g_assert_cmpstr(info->local_id, ==, "@west");
	g_assert_cmpstr(info->remote_id, ==, "@east");
	g_assert_true(info->initiator);
	g_assert_cmpstr(info->algorithms, ==, "AES_GCM_16_256-HMAC_SHA2_256-CURVE25519");
	/* four messages, no retransmission */
	g_assert_cmpuint(w->log->len, ==, 4);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_invalid_ke(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, ", 'ike': <'aes_gcm256-sha2_256-curve25519-ecp256'>",
	           ", 'ike': <'aes_gcm256-sha2_256-ecp256'>");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_true(has_line(&r, "received INVALID_KE_PAYLOAD, retrying IKE_SA_INIT with KE ECP_256"));
	g_assert_cmpuint(test_wire_count(w, "a->b IKE_SA_INIT request 0"), ==, 2);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
drop_first_auth_response(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                         gpointer user_data)
{
	guint *dropped = user_data;
	IkeHeader h;

	if (*dropped > 0 || !ike_header_peek(data, len, &h, NULL))
		return FALSE;
	if (h.exchange_type == IKE_EXCHANGE_IKE_AUTH && (h.flags & IKE_FLAG_RESPONSE)) {
		(*dropped)++;
		return TRUE;
	}
	return FALSE;
}

static void
test_retransmit(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	guint dropped = 0;

	setup_pair(w, NULL, NULL);
	w->filter = drop_first_auth_response;
	w->filter_data = &dropped;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_cmpuint(dropped, ==, 1);
	/* the request went twice; the responder processed it once and
	 * answered the duplicate from its cache */
	g_assert_cmpuint(test_wire_count(w, "a->b IKE_AUTH request 1"), ==, 2);
	g_assert_cmpuint(test_wire_count(w, "b->a IKE_AUTH response 1"), ==, 1);
	g_assert_cmpuint(test_count_calls(&w->b, "add_sa out"), ==, 1);
	g_assert_cmpuint(test_count_calls(&w->b, "get_spi"), ==, 1);
	g_assert_cmpuint(w->b.psk_lookups, ==, 1);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
record_auth_request(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                    gpointer user_data)
{
	GBytes **req = user_data;
	IkeHeader h;

	if (*req == NULL && from == &w->a && ike_header_peek(data, len, &h, NULL) &&
	    h.exchange_type == IKE_EXCHANGE_IKE_AUTH && !(h.flags & IKE_FLAG_RESPONSE))
		*req = g_bytes_new(data, len);
	return FALSE;
}

static void
inject_to_b(TestWire *w, const guint8 *data, gsize len)
{
	NetPacket pkt = {0};

	net_endpoint_parse("192.0.2.1", 4500, &pkt.remote);
	net_endpoint_parse("192.0.2.2", 4500, &pkt.local);
	pkt.data = data;
	pkt.len = len;
	net_io_inject(w->b.io, &pkt, FALSE);
	test_run_for(50);
}

/* §2.1: only the same message is a retransmission; another datagram with
 * the live SPIs and message ID must not make the responder send. */
static void
test_retransmit_must_match(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	g_autoptr(GBytes) req = NULL;
	EngineCounters before, after;
	gsize len;
	const guint8 *orig;
	g_autofree guint8 *forged = NULL;

	setup_pair(w, NULL, NULL);
	w->filter = record_auth_request;
	w->filter_data = &req;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	assert_tunnel_up(w);
	g_assert_nonnull(req);
	g_assert_cmpuint(test_wire_count(w, "b->a IKE_AUTH response 1"), ==, 1);
	orig = g_bytes_get_data(req, &len);

	/* same header (SPIs, message ID), different body */
	forged = g_memdup2(orig, len);
	forged[len - 1] ^= 0x01;
	engine_get_counters(w->b.engine, &before);
	inject_to_b(w, forged, len);
	engine_get_counters(w->b.engine, &after);
	g_assert_cmpuint(test_wire_count(w, "b->a IKE_AUTH response 1"), ==, 1);
	g_assert_cmpuint(after.messages_dropped, ==, before.messages_dropped + 1);

	/* a byte-identical duplicate still gets the cached response */
	inject_to_b(w, orig, len);
	g_assert_cmpuint(test_wire_count(w, "b->a IKE_AUTH response 1"), ==, 2);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
drop_all(TestWire *w, const TestPeer *from, const guint8 *data, gsize len, gpointer user_data)
{
	return TRUE;
}

static void
test_no_answer(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, ", 'keying-tries': <uint32 1>", NULL);
	w->filter = drop_all;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NO_ANSWER);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_calls(&w->a, "get_spi"), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_wrong_psk(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, NULL, NULL);
	g_free(w->b.psk);
	w->b.psk = g_strdup("a-different-key");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_AUTH_FAILED);
	g_assert_true(has_line(&r, "AUTHENTICATION_FAILED"));
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 0);
	g_assert_cmpuint(test_count_calls(&w->b, "add_sa"), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_no_proposal_ike(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, ", 'ike': <'aes_gcm256-sha2_256-curve25519'>",
	           ", 'ike': <'aes128-sha1-modp2048'>");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NO_PROPOSAL);
	g_assert_true(has_line(&r, "NO_PROPOSAL_CHOSEN"));
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_no_proposal_esp(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, ", 'esp': <'aes_gcm256'>", ", 'esp': <'aes256-sha2_256'>");
	test_initiate(&w->a, "c", &r, 5000);
	/* §1.2: the IKE SA is up, the Child SA was refused */
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NO_PROPOSAL);
	g_assert_true(has_line(&r, "IKE_AUTH response rejected Child SA with NO_PROPOSAL_CHOSEN"));
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
assert_all_gone(TestWire *w)
{
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_policies(w->b.kernel)->len, ==, 0);
}

static void
test_delete(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) children = NULL;

	setup_pair(w, NULL, NULL);
	/* initiator deletes the IKE SA */
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	g_assert_cmpint(engine_terminate(w->a.engine, "c", &error), ==, 1);
	test_run_for(100);
	assert_all_gone(w);
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request 2"), ==, 1);
	test_result_clear(&r);

	/* responder deletes the IKE SA */
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	g_assert_cmpint(engine_terminate(w->b.engine, "c", &error), ==, 1);
	test_run_for(100);
	assert_all_gone(w);
	g_assert_cmpuint(test_wire_count(w, "b->a INFORMATIONAL request 0"), ==, 1);
	test_result_clear(&r);

	/* a Child SA alone, from the responder's side; the IKE SA stays */
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	children = engine_list_child_sas(w->b.engine);
	g_assert_true(engine_delete_child_sa(
		w->b.engine, ((EngineChildSaInfo *) g_ptr_array_index(children, 0))->serial, &error));
	test_run_for(100);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_transport_and_cbc(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	g_autoptr(GPtrArray) ca = NULL;
	g_autoptr(GPtrArray) ia = NULL;

	setup_pair(w, ", 'tunnel': <false>, 'ike': <'aes256-sha2_256-modp2048'>, 'esp': <'aes128-sha2_256'>",
	           ", 'tunnel': <false>, 'ike': <'aes256-sha2_256-modp2048'>");
	test_initiate(&w->a, "c", &r, 10000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	ca = engine_list_child_sas(w->a.engine);
	ia = engine_list_ike_sas(w->a.engine);
	g_assert_cmpstr(((EngineChildSaInfo *) g_ptr_array_index(ca, 0))->mode, ==, "transport");
	g_assert_cmpstr(((EngineChildSaInfo *) g_ptr_array_index(ca, 0))->algorithms, ==,
	                "AES_CBC_128-HMAC_SHA2_256_128");
	g_assert_cmpstr(((EngineIkeSaInfo *) g_ptr_array_index(ia, 0))->algorithms, ==,
	                "AES_CBC_256-HMAC_SHA2_256-HMAC_SHA2_256_128-MODP_2048");
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
no_ike_sa(gpointer data)
{
	return test_count_ike(data, NULL) == 0;
}

static void
test_liveness(void)
{
	TestWire *w;
	TestResult r;

	if (test_skip_if_stretched())
		return;
	w = test_wire_new();

	setup_pair(w, ", 'dpd-delay': <uint32 1>, 'dpd-action': <'clear'>", NULL);
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	/* a silent peer gets an empty INFORMATIONAL, and answers it */
	test_run_for(1300);
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request 2"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "b->a INFORMATIONAL response 2"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	/* then the peer goes away: the liveness check times out, the SA is cleared */
	w->filter = drop_all;
	g_assert_true(test_run_until(no_ike_sa, &w->a, 2500));
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

/* Drops the first IKE_SA_INIT request and answers it with a COOKIE, as a
 * responder under load would (§2.6). */
static gboolean
cookie_filter(TestWire *w, const TestPeer *from, const guint8 *data, gsize len, gpointer user_data)
{
	guint *state = user_data;
	IkeHeader h;
	g_autoptr(IkeMessage) reply = NULL;
	g_autoptr(GByteArray) wire = NULL;
	static const guint8 cookie[16] = "cookie-monster!";
	NetPacket pkt = {0};

	if (!ike_header_peek(data, len, &h, NULL) || h.exchange_type != IKE_EXCHANGE_IKE_SA_INIT ||
	    (h.flags & IKE_FLAG_RESPONSE))
		return FALSE;
	if (*state == 1) {
		g_autoptr(IkeMessage) m = ike_message_parse(data, len, NULL);
		IkePayload *first = g_ptr_array_index(m->payloads, 0);

		g_assert_cmpuint(first->type, ==, IKE_PAYLOAD_NOTIFY);
		g_assert_cmpuint(first->u.notify.type, ==, IKE_NOTIFY_COOKIE);
		g_assert_cmpmem(first->u.notify.data, first->u.notify.data_len, cookie, sizeof(cookie));
		*state = 2;
		return FALSE;
	}
	if (*state != 0)
		return FALSE;
	*state = 1;
	reply = ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_RESPONSE, h.spi_i, 0, 0);
	ike_message_add_payload(reply, ike_payload_new_notify(0, IKE_NOTIFY_COOKIE, NULL, 0, cookie,
	                                                      sizeof(cookie)));
	wire = ike_message_encode(reply, NULL);
	net_endpoint_parse(w->a.addr, 500, &pkt.local);
	net_endpoint_parse(w->b.addr, 500, &pkt.remote);
	pkt.data = wire->data;
	pkt.len = wire->len;
	net_io_inject(w->a.io, &pkt, FALSE);
	return TRUE;
}

static void
test_cookie(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	guint state = 0;

	setup_pair(w, NULL, NULL);
	w->filter = cookie_filter;
	w->filter_data = &state;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	g_assert_cmpuint(state, ==, 2);
	g_assert_true(has_line(&r, "received COOKIE"));
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_responder_template(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	/* east accepts any peer address (%any) and picks the connection by ID */
	test_peer_add_conn(&w->a, "c", CONN "}");
	test_peer_add_conn(&w->b, "other",
	                   "{'left-host': <'%any'>, 'right-host': <'192.0.2.2'>, "
	                   "'left-id': <'@somebody-else'>, 'right-id': <'@east'>, 'psk': <true>}");
	test_peer_add_conn(&w->b, "rw",
	                   "{'left-host': <'%any'>, 'right-host': <'192.0.2.2'>, "
	                   "'left-id': <'@west'>, 'right-id': <'@east'>, 'psk': <true>, "
	                   "'encrypt': <true>, 'tunnel': <true>, "
	                   "'left-subnet': <['198.51.100.1/32']>, "
	                   "'right-subnet': <['198.51.100.2/32']>}");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	assert_tunnel_up(w);
	{
		g_autoptr(GPtrArray) l = engine_list_ike_sas(w->b.engine);

		g_assert_cmpstr(((EngineIkeSaInfo *) g_ptr_array_index(l, 0))->connection, ==, "rw");
	}
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
drop_auth_requests(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                   gpointer user_data)
{
	IkeHeader h;

	return ike_header_peek(data, len, &h, NULL) && h.exchange_type == IKE_EXCHANGE_IKE_AUTH &&
	       !(h.flags & IKE_FLAG_RESPONSE);
}

static void
test_half_open(void)
{
	TestWire *w;
	TestResult r;

	if (test_skip_if_stretched())
		return;
	w = test_wire_new();

	setup_pair(w, ", 'keying-tries': <uint32 1>", NULL);
	w->filter = drop_auth_requests;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NO_ANSWER);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	/* the responder answered IKE_SA_INIT, then never heard IKE_AUTH */
	g_assert_cmpuint(test_count_ike(&w->b, "IKE_SA_INIT_R"), ==, 1);
	test_run_for(2500);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_uniqueids(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, NULL, NULL);
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	test_result_clear(&r);
	/* west crashes and comes back: its new IKE SA (with INITIAL_CONTACT)
	 * replaces the old one on east, kernel state included */
	test_peer_restart(&w->a);
	test_peer_add_conn(&w->a, "c", CONN "}");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_leave_state(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	KernelBackend *kb;

	setup_pair(w, NULL, NULL);
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	engine_set_leave_state(w->a.engine, TRUE);
	kb = w->a.kernel;
	engine_free(w->a.engine);
	w->a.engine = NULL;
	g_assert_cmpuint(mock_kernel_get_sas(kb)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_policies(kb)->len, ==, 2);
	g_assert_cmpuint(test_wire_count(w, "INFORMATIONAL"), ==, 0);
	test_result_clear(&r);
	test_wire_free(w);
}

/* Every message of a negotiation, mutated (bit flips, truncation, junk
 * lengths), thrown at an established pair: nothing crashes, nothing
 * established goes away, everything bad is counted. */
static gboolean
record_all(TestWire *w, const TestPeer *from, const guint8 *data, gsize len, gpointer user_data)
{
	GPtrArray *seen = user_data;

	g_ptr_array_add(seen, g_bytes_new(data, len));
	return FALSE;
}

static void
test_mutations(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	EngineCounters before, after;
	GRand *rand = g_rand_new_with_seed(7296);

	setup_pair(w, NULL, NULL);
	w->filter = record_all;
	w->filter_data = seen;
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	w->filter = NULL;
	engine_get_counters(w->b.engine, &before);
	for (guint i = 0; i < seen->len; i++) {
		gsize len;
		const guint8 *orig = g_bytes_get_data(g_ptr_array_index(seen, i), &len);

		for (guint k = 0; k < 300; k++) {
			g_autofree guint8 *m = g_memdup2(orig, len);
			gsize mlen = len;
			NetPacket pkt = {0};

			switch (k % 3) {
			case 0: /* flip bits anywhere but keep the SPIs: reaches the SA */
				for (guint f = 0; f < 1 + k % 4; f++) {
					guint pos = (guint) g_rand_int_range(rand, 16, (gint32) len);

					m[pos] ^= (guint8) (1u << g_rand_int_range(rand, 0, 8));
				}
				break;
			case 1: /* truncate */
				mlen = (gsize) g_rand_int_range(rand, 0, (gint32) len);
				break;
			default: /* a random payload length field */
				if (len > 32) {
					m[28 + 2] = (guint8) g_rand_int(rand);
					m[28 + 3] = (guint8) g_rand_int(rand);
				}
				break;
			}
			net_endpoint_parse("192.0.2.1", 4500, &pkt.remote);
			net_endpoint_parse("192.0.2.2", 500, &pkt.local);
			pkt.data = m;
			pkt.len = mlen;
			net_io_inject(w->b.io, &pkt, FALSE);
			net_io_inject(w->a.io, &pkt, FALSE);
		}
	}
	test_run_for(100);
	engine_get_counters(w->b.engine, &after);
	g_assert_cmpuint(after.messages_dropped, >, before.messages_dropped);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), >=, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), >=, 1);
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 1);
	g_rand_free(rand);
	test_result_clear(&r);
	test_wire_free(w);
}

static gboolean
drop_first_fragment_2(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                      gpointer user_data)
{
	guint *n = user_data;
	g_autoptr(IkeMessage) m = ike_message_parse(data, len, NULL);
	const IkePayload *last;

	if (m == NULL || m->payloads->len == 0 || *n > 0)
		return FALSE;
	last = g_ptr_array_index(m->payloads, m->payloads->len - 1);
	if (last->type == IKE_PAYLOAD_SKF && last->u.skf.fragment_number == 2 &&
	    (m->header.flags & IKE_FLAG_RESPONSE)) {
		(*n)++;
		return TRUE;
	}
	return FALSE;
}

static void
test_fragmentation(void)
{
	guint scale = test_time_scale();
	EngineTimings t = {50 * scale, 400 * scale, 4, 20, 2, 200};
	TestWire *w = test_wire_new_with(&t);
	TestResult r;
	guint dropped = 0;

	setup_pair(w, ", 'fragmentation': <'force'>", ", 'fragmentation': <'force'>");
	w->filter = drop_first_fragment_2;
	w->filter_data = &dropped;
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	/* IKE_AUTH went as several SKF fragments each way; the lost response
	 * fragment was recovered by retransmitting the whole request, which
	 * the responder answered from its cache */
	g_assert_cmpuint(dropped, ==, 1);
	g_assert_cmpuint(test_wire_count(w, "a->b IKE_AUTH request 1"), >=, 4);
	g_assert_cmpuint(test_count_calls(&w->b, "add_sa out"), ==, 1);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

static guint
only_child(TestPeer *p)
{
	g_autoptr(GPtrArray) l = engine_list_child_sas(p->engine);

	g_assert_cmpuint(l->len, ==, 1);
	return ((EngineChildSaInfo *) g_ptr_array_index(l, 0))->serial;
}

static void
rekey_from(TestWire *w, TestPeer *p, gboolean pfs)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineChildSaInfo) before = engine_get_child_sa_info(p->engine, only_child(p));
	g_autoptr(EngineChildSaInfo) after = NULL;

	g_assert_true(engine_rekey_child_sa(p->engine, before->serial, &error));
	g_assert_no_error(error);
	test_run_for(pfs ? 300 : 100);
	/* the new pair is installed on both sides and the old one is gone */
	assert_tunnel_up(w);
	after = engine_get_child_sa_info(p->engine, only_child(p));
	g_assert_cmpuint(after->serial, !=, before->serial);
	g_assert_cmpuint(after->spi_in, !=, before->spi_in);
	g_assert_cmpuint(after->spi_out, !=, before->spi_out);
	g_assert_cmpstr(after->local_ts, ==, before->local_ts);
}

static void
test_rekey_child(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, NULL, NULL);
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	rekey_from(w, &w->a, FALSE);
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 2"), ==, 1);
	/* the responder of the IKE SA rekeys too */
	rekey_from(w, &w->b, FALSE);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA request 0"), ==, 1);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
test_rekey_child_pfs(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, ", 'pfs': <true>, 'esp': <'aes_gcm256-ecp256'>", NULL);
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	rekey_from(w, &w->a, TRUE);
	test_result_clear(&r);
	test_wire_free(w);
}

static void
counters_of(TestPeer *p, EngineCounters *c)
{
	engine_get_counters(p->engine, c);
}

/* A handshake and a PFS Child SA rekey (ECP-256) with these timings; the
 * keys match on both sides.  Fills each side's counters. */
static void
establish_and_rekey_pfs(const EngineTimings *t, EngineCounters *a, EngineCounters *b)
{
	TestWire *w = test_wire_new_with(t);
	TestResult r;

	setup_pair(w, ", 'pfs': <true>, 'esp': <'aes_gcm256-ecp256'>", NULL);
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	assert_tunnel_up(w);
	/* from the side whose esp= asks for ECP-256 */
	rekey_from(w, &w->a, TRUE);
	counters_of(&w->a, a);
	counters_of(&w->b, b);
	test_result_clear(&r);
	test_wire_free(w);
}

/*
 * On one usable CPU (the affinity mask, as taskset sets it) the automatic
 * set-up runs Curve25519 jobs on the engine context and keeps the pool for
 * the rest: here the IKE SA's X25519 key pairs and g^ir ran inline and the
 * rekey's ECP-256 ones on the pool, on both sides.
 */
static void
test_crypto_inline_one_cpu(void)
{
	guint scale = test_time_scale();
	EngineTimings t = {50 * scale, 400 * scale, 4, 20, 0, 0, FALSE};
	EngineCounters a, b;
	cpu_set_t saved, one;
	int cpu = sched_getcpu();

	g_assert_cmpint(sched_getaffinity(0, sizeof(saved), &saved), ==, 0);
	CPU_ZERO(&one);
	CPU_SET(cpu >= 0 ? cpu : 0, &one);
	g_assert_cmpint(sched_setaffinity(0, sizeof(one), &one), ==, 0);
	establish_and_rekey_pfs(&t, &a, &b);
	g_assert_cmpint(sched_setaffinity(0, sizeof(saved), &saved), ==, 0);
	g_assert_cmpuint(a.crypto_jobs_inline, >=, 1);
	g_assert_cmpuint(b.crypto_jobs_inline, >=, 1);
	g_assert_cmpuint(a.crypto_jobs_pool, >=, 1);
	g_assert_cmpuint(b.crypto_jobs_pool, >=, 1);
}

/* pluto's --nhelpers 0: every job on the engine context, the pool unused. */
static void
test_crypto_all_inline(void)
{
	guint scale = test_time_scale();
	EngineTimings t = {50 * scale, 400 * scale, 4, 20, 2, 0, TRUE};
	EngineCounters a, b;

	establish_and_rekey_pfs(&t, &a, &b);
	g_assert_cmpuint(a.crypto_jobs_pool, ==, 0);
	g_assert_cmpuint(b.crypto_jobs_pool, ==, 0);
	/* the initiator's key pair and g^ir are two jobs, the responder's one */
	g_assert_cmpuint(a.crypto_jobs_inline, >=, 3);
	g_assert_cmpuint(b.crypto_jobs_inline, >=, 2);
}

/* An explicit pool size: everything goes to the pool, whatever the CPUs. */
static void
test_crypto_pool_only(void)
{
	guint scale = test_time_scale();
	EngineTimings t = {50 * scale, 400 * scale, 4, 20, 1, 0, FALSE};
	EngineCounters a, b;

	establish_and_rekey_pfs(&t, &a, &b);
	g_assert_cmpuint(a.crypto_jobs_inline, ==, 0);
	g_assert_cmpuint(b.crypto_jobs_inline, ==, 0);
	g_assert_cmpuint(a.crypto_jobs_pool, >=, 3);
	g_assert_cmpuint(b.crypto_jobs_pool, >=, 2);
}

static void
test_rekey_on_soft_expire(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	KernelEvent ev = {.type = KERNEL_EVENT_EXPIRE, .hard = FALSE};
	guint old;

	setup_pair(w, NULL, NULL);
	test_initiate(&w->a, "c", &r, 5000);
	old = only_child(&w->a);
	{
		g_autoptr(EngineChildSaInfo) i = engine_get_child_sa_info(w->a.engine, old);

		ev.sa.spi = i->spi_out;
	}
	mock_kernel_raise(w->a.kernel, &ev);
	test_run_for(100);
	assert_tunnel_up(w);
	g_assert_cmpuint(only_child(&w->a), !=, old);
	test_result_clear(&r);
	test_wire_free(w);
}

/* Mirror of the SA states as the event observer reports them. */
typedef struct {
	Engine *engine;
	gint ike[ENGINE_IKE_SA_N_STATES];
	gint child[ENGINE_CHILD_SA_N_STATES];
	guint events;
} Mirror;

static void
mirror_cb(const EngineSaEventInfo *ev, gpointer user_data)
{
	Mirror *m = user_data;
	gint *by = ev->sa.kind == ENGINE_SA_KIND_IKE ? m->ike : m->child;
	EngineSaBrief now;
	gboolean present = engine_get_sa_brief(m->engine, ev->sa.kind, ev->sa.serial, &now);

	m->events++;
	g_assert_cmpstr(ev->sa.connection, ==, "c");
	g_assert_cmpuint(ev->new_state, ==, ev->sa.state);
	if (ev->sa.kind == ENGINE_SA_KIND_IKE)
		g_assert_cmpuint(ev->sa.ike_serial, ==, ev->sa.serial);
	switch (ev->event) {
	case ENGINE_SA_EVENT_ADDED:
		g_assert_true(present);
		g_assert_cmpuint(ev->old_state, ==, ev->new_state);
		by[ev->new_state]++;
		break;
	case ENGINE_SA_EVENT_CHANGED:
		g_assert_true(present);
		g_assert_cmpuint(now.state, ==, ev->new_state);
		by[ev->old_state]--;
		by[ev->new_state]++;
		break;
	case ENGINE_SA_EVENT_REMOVED:
		g_assert_false(present);
		g_assert_cmpuint(ev->new_state, ==, ev->sa.kind == ENGINE_SA_KIND_IKE
		                                         ? ENGINE_IKE_SA_STATE_DEAD
		                                         : ENGINE_CHILD_SA_STATE_DEAD);
		by[ev->old_state]--;
		break;
	}
}

static void
assert_mirror(Mirror *m, const char *conn)
{
	EngineConnSaCounts n;

	g_assert_true(engine_get_connection_sa_counts(m->engine, conn, &n));
	for (guint i = 0; i < ENGINE_IKE_SA_N_STATES; i++)
		g_assert_cmpint(m->ike[i], ==, (gint) n.ike[i]);
	for (guint i = 0; i < ENGINE_CHILD_SA_N_STATES; i++)
		g_assert_cmpint(m->child[i], ==, (gint) n.child[i]);
}

/* The cheap state API bus/ uses per event: the event details, O(1) state
 * and per-connection counts, the Child SAs of one IKE SA. */
static void
test_state_api(void)
{
	TestWire *w = test_wire_new();
	TestResult r;
	Mirror m = {.engine = w->b.engine};
	guint id = engine_add_sa_event_observer(w->b.engine, mirror_cb, &m);
	g_autoptr(GPtrArray) ikes = NULL;
	g_autoptr(GPtrArray) kids = NULL;
	g_autoptr(GArray) serials = NULL;
	g_autoptr(EngineIkeSaInfo) i1 = NULL;
	g_autoptr(EngineIkeSaInfo) i2 = NULL;
	EngineConnSaCounts n;
	EngineIkeSaState is;
	EngineChildSaState cs;
	EngineSaBrief brief;
	const EngineIkeSaInfo *ike;
	const EngineChildSaInfo *child;

	setup_pair(w, NULL, NULL);
	g_assert_true(engine_get_connection_sa_counts(w->b.engine, "c", &n));
	g_assert_cmpuint(n.n_ike + n.n_child, ==, 0);
	g_assert_false(engine_get_connection_sa_counts(w->b.engine, "none", &n));
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	g_assert_cmpuint(m.events, >=, 5);
	assert_mirror(&m, "c");
	g_assert_true(engine_get_connection_sa_counts(w->b.engine, "c", &n));
	g_assert_cmpuint(n.n_ike, ==, 1);
	g_assert_cmpuint(n.ike[ENGINE_IKE_SA_STATE_ESTABLISHED], ==, 1);
	g_assert_cmpuint(n.n_child, ==, 1);
	g_assert_cmpuint(n.child[ENGINE_CHILD_SA_STATE_INSTALLED], ==, 1);

	ikes = engine_list_ike_sas(w->b.engine);
	ike = g_ptr_array_index(ikes, 0);
	g_assert_true(engine_get_ike_sa_state(w->b.engine, ike->serial, &is));
	g_assert_cmpint(is, ==, ENGINE_IKE_SA_STATE_ESTABLISHED);
	g_assert_cmpstr(engine_ike_sa_state_name(is), ==, ike->state);
	g_assert_false(engine_get_ike_sa_state(w->b.engine, 9999, &is));
	g_assert_true(engine_get_sa_brief(w->b.engine, ENGINE_SA_KIND_IKE, ike->serial, &brief));
	g_assert_false(brief.initiator);
	g_assert_cmpuint(brief.n_children, ==, 1);
	g_assert_cmpstr(brief.connection, ==, "c");

	serials = engine_list_child_sa_serials(w->b.engine, ike->serial);
	g_assert_nonnull(serials);
	g_assert_cmpuint(serials->len, ==, 1);
	kids = engine_list_child_sas_of(w->b.engine, ike->serial, ENGINE_INFO_NONE);
	g_assert_cmpuint(kids->len, ==, 1);
	child = g_ptr_array_index(kids, 0);
	g_assert_cmpuint(child->serial, ==, g_array_index(serials, guint, 0));
	g_assert_cmpuint(child->ike_serial, ==, ike->serial);
	g_assert_cmpstr(child->algorithms, ==, "AES_GCM_16_256-NONE");
	g_assert_true(engine_get_child_sa_state(w->b.engine, child->serial, &cs));
	g_assert_cmpint(cs, ==, ENGINE_CHILD_SA_STATE_INSTALLED);
	g_assert_cmpstr(engine_child_sa_state_name(cs), ==, "INSTALLED");
	g_assert_null(engine_list_child_sa_serials(w->b.engine, child->serial));
	g_assert_null(engine_list_child_sas_of(w->b.engine, 9999, ENGINE_INFO_NONE));

	/* the cached strings are the same as fresh ones */
	i1 = engine_get_ike_sa_info(w->b.engine, ike->serial);
	i2 = engine_get_ike_sa_info(w->b.engine, ike->serial);
	g_assert_cmpstr(i1->remote_id, ==, "@west");
	g_assert_cmpstr(i1->remote_host, ==, "192.0.2.1");
	g_assert_cmpstr(i1->algorithms, ==, i2->algorithms);
	g_assert_cmpstr(i1->local_id, ==, i2->local_id);

	/* all gone: counts and mirror back to zero */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), ==, 1);
	test_run_for(200);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	assert_mirror(&m, "c");
	g_assert_true(engine_get_connection_sa_counts(w->b.engine, "c", &n));
	g_assert_cmpuint(n.n_ike + n.n_child, ==, 0);
	engine_remove_observer(w->b.engine, id);
	test_result_clear(&r);
	test_wire_free(w);
}

/* With uniqueids off, INITIAL_CONTACT (§3.10.1) still replaces the peer's
 * old IKE SA: west restarts and comes back with it. */
static void
test_uniqueids_off(void)
{
	TestWire *w = test_wire_new();
	TestResult r;

	setup_pair(w, NULL, NULL);
	engine_set_uniqueids(w->b.engine, FALSE);
	test_initiate(&w->a, "c", &r, 5000);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_peer_restart(&w->a);
	test_peer_add_conn(&w->a, "c", CONN "}");
	test_initiate(&w->a, "c", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	assert_tunnel_up(w);
	test_result_clear(&r);
	test_wire_free(w);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/exchange/establish", test_establish);
	g_test_add_func("/engine/exchange/invalid-ke", test_invalid_ke);
	g_test_add_func("/engine/exchange/retransmit", test_retransmit);
	g_test_add_func("/engine/exchange/retransmit-must-match", test_retransmit_must_match);
	g_test_add_func("/engine/exchange/no-answer", test_no_answer);
	g_test_add_func("/engine/exchange/wrong-psk", test_wrong_psk);
	g_test_add_func("/engine/exchange/no-proposal-ike", test_no_proposal_ike);
	g_test_add_func("/engine/exchange/no-proposal-esp", test_no_proposal_esp);
	g_test_add_func("/engine/exchange/delete", test_delete);
	g_test_add_func("/engine/exchange/transport-cbc", test_transport_and_cbc);
	g_test_add_func("/engine/exchange/liveness", test_liveness);
	g_test_add_func("/engine/exchange/cookie", test_cookie);
	g_test_add_func("/engine/exchange/responder-template", test_responder_template);
	g_test_add_func("/engine/exchange/half-open", test_half_open);
	g_test_add_func("/engine/exchange/uniqueids", test_uniqueids);
	g_test_add_func("/engine/exchange/uniqueids-off", test_uniqueids_off);
	g_test_add_func("/engine/exchange/state-api", test_state_api);
	g_test_add_func("/engine/exchange/leave-state", test_leave_state);
	g_test_add_func("/engine/exchange/mutations", test_mutations);
	g_test_add_func("/engine/exchange/fragmentation", test_fragmentation);
	g_test_add_func("/engine/exchange/rekey-child", test_rekey_child);
	g_test_add_func("/engine/exchange/rekey-child-pfs", test_rekey_child_pfs);
	g_test_add_func("/engine/exchange/crypto-inline-one-cpu", test_crypto_inline_one_cpu);
	g_test_add_func("/engine/exchange/crypto-all-inline", test_crypto_all_inline);
	g_test_add_func("/engine/exchange/crypto-pool-only", test_crypto_pool_only);
	g_test_add_func("/engine/exchange/rekey-soft-expire", test_rekey_on_soft_expire);
	return g_test_run();
}
