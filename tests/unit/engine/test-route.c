/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routing with two in-memory engines and mock kernels: Route installs a
 * trap, an ACQUIRE on it initiates once and the Child SA's policy replaces
 * the trap, the trap comes back when the tunnel goes, Unroute refuses while
 * an SA is up; prospective and failure shunts (wrong PSK); never-negotiate
 * connections; the shunt list and routing observers.
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-test-util.h"

#define CONN                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-id': <'@west'>, "        \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>, "            \
	"'left-subnet': <['198.51.100.0/24']>, 'right-subnet': <['203.0.113.0/24']>"

static void
setup_pair(TestWire *w, const char *extra_a, const char *extra_b)
{
	test_wire_add_conn_pair(w, CONN, extra_a, extra_b);
}

static void
raise_acquire(TestPeer *p, guint32 reqid, const char *src, const char *dst, guint8 proto)
{
	KernelEvent ev = {.type = KERNEL_EVENT_ACQUIRE, .reqid = reqid};
	KernelAddr s, d;

	g_assert_true(kernel_addr_parse(src, &s));
	g_assert_true(kernel_addr_parse(dst, &d));
	kernel_ts_from_prefix(&ev.pkt_src, &s, 32, proto);
	kernel_ts_from_prefix(&ev.pkt_dst, &d, 32, proto);
	mock_kernel_raise(p->kernel, &ev);
}

static gboolean
child_up_both(gpointer data)
{
	TestWire *w = data;

	return test_count_child(&w->a, "INSTALLED") == 1 && test_count_child(&w->b, "INSTALLED") == 1;
}

static gboolean
no_child(gpointer data)
{
	TestWire *w = data;

	return test_count_child(&w->a, NULL) == 0 && test_count_child(&w->b, NULL) == 0;
}

typedef struct {
	GPtrArray *seen; /* "c:on-demand" */
} Seen;

static void
on_routing(const char *conn, EngineRouting routing, gpointer user_data)
{
	Seen *s = user_data;

	g_ptr_array_add(s->seen, g_strdup_printf("%s:%s", conn, engine_routing_name(routing)));
}

static gboolean
seen_has(const Seen *s, const char *what)
{
	for (guint i = 0; i < s->seen->len; i++)
		if (g_strcmp0(g_ptr_array_index(s->seen, i), what) == 0)
			return TRUE;
	return FALSE;
}

static void
test_route_acquire(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	Seen seen = {g_ptr_array_new_with_free_func(g_free)};
	const KernelPolicy *trap, *out;
	g_autoptr(GPtrArray) children = NULL;
	EngineChildSaInfo *ci;
	guint32 reqid;

	setup_pair(w, NULL, NULL);
	engine_add_routing_observer(w->a.engine, on_routing, &seen);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_UNROUTED);
	g_assert_true(engine_route(w->a.engine, "c", &error));
	g_assert_no_error(error);
	/* routing twice is fine and changes nothing */
	g_assert_true(engine_route(w->a.engine, "c", &error));
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 1);
	trap = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(trap);
	g_assert_true(trap->trap);
	g_assert_cmpint(trap->action, ==, KERNEL_POLICY_IPSEC);
	g_assert_cmpint(trap->proto, ==, KERNEL_PROTO_ESP);
	g_assert_cmpint(trap->mode, ==, KERNEL_MODE_TUNNEL);
	reqid = trap->reqid;
	g_assert_cmpuint(reqid, !=, 0);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_ON_DEMAND);
	g_assert_true(seen_has(&seen, "c:on-demand"));
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);

	/* an ACQUIRE for a reqid that is not ours does nothing */
	raise_acquire(&w->a, reqid + 100, "198.51.100.7", "203.0.113.9", 1);
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);

	/* the packet hits the trap: one negotiation, even for a burst */
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 1);
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 1);
	test_run_for(1);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 1);
	g_assert_true(seen_has(&seen, "c:negotiating"));
	g_assert_true(seen_has(&seen, "c:tunnel"));
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_TUNNEL);
	/* §2.9: the packet was offered first; the responder kept the range */
	children = engine_list_child_sas(w->a.engine);
	ci = g_ptr_array_index(children, 0);
	g_assert_cmpstr(ci->local_ts, ==, "198.51.100.0/24");
	g_assert_cmpstr(ci->remote_ts, ==, "203.0.113.0/24");
	/* the trap was replaced by the Child SA's policy: same key, not a trap */
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 2);
	out = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(out);
	g_assert_false(out->trap);
	g_assert_cmpuint(out->reqid, ==, reqid);
	g_assert_nonnull(test_find_policy(&w->a, "203.0.113.0/24", "198.51.100.0/24", KERNEL_DIR_IN));
	/* the peer, not routed, is in "tunnel" all the same */
	g_assert_cmpint(engine_get_routing(w->b.engine, "c"), ==, ENGINE_ROUTING_TUNNEL);

	/* once up, more traffic does not start anything */
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 1);
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 1);

	/* whack --unroute refuses while the SA is up */
	g_assert_false(engine_unroute(w->a.engine, "c", &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_BUSY);
	g_clear_error(&error);

	/* the tunnel goes down: the trap is back */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), ==, 1);
	g_assert_true(test_run_until(no_child, w, 5000));
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 1);
	trap = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(trap);
	g_assert_true(trap->trap);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_ON_DEMAND);
	/* the unrouted peer has no policy left */
	g_assert_cmpuint(mock_kernel_get_policies(w->b.kernel)->len, ==, 0);
	g_assert_cmpint(engine_get_routing(w->b.engine, "c"), ==, ENGINE_ROUTING_UNROUTED);

	/* and traffic brings it up again */
	raise_acquire(&w->a, reqid, "198.51.100.8", "203.0.113.9", 6);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), ==, 1);
	g_assert_true(test_run_until(no_child, w, 5000));

	g_assert_true(engine_unroute(w->a.engine, "c", &error));
	g_assert_no_error(error);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_UNROUTED);
	g_assert_true(seen_has(&seen, "c:unrouted"));
	/* an unrouted connection ignores ACQUIREs */
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 1);
	test_run_for(50);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);

	test_wire_free(w);
	g_ptr_array_unref(seen.seen);
}

static void
test_route_errors(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(engine_route(w->a.engine, "nope", &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(engine_unroute(w->a.engine, "nope", &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* a road-warrior template has no peer address to route to */
	test_peer_add_conn(&w->a, "rw",
	                   "{'left-host': <'192.0.2.1'>, 'right-host': <'%any'>, 'psk': <true>, "
	                   "'encrypt': <true>}");
	g_assert_false(engine_route(w->a.engine, "rw", &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* neither end is ours */
	test_peer_add_conn(&w->a, "far",
	                   "{'left-host': <'192.0.2.77'>, 'right-host': <'192.0.2.78'>, "
	                   "'psk': <true>, 'encrypt': <true>}");
	g_assert_false(engine_route(w->a.engine, "far", &error));
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* unrouting an unrouted connection is fine */
	g_assert_true(engine_unroute(w->a.engine, "rw", &error));
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	test_wire_free(w);
}

static gboolean
failed_on_a(gpointer data)
{
	TestWire *w = data;

	return engine_get_routing(w->a.engine, "c") == ENGINE_ROUTING_FAILURE_SHUNT;
}

static void
test_failure_shunt(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) shunts = NULL;
	EngineShuntInfo *s;
	const KernelPolicy *p;
	guint32 reqid;
	Seen seen = {g_ptr_array_new_with_free_func(g_free)};

	setup_pair(w, ", 'prospective-shunt': <'pass'>, 'failure-shunt': <'drop'>", NULL);
	g_free(w->b.psk);
	w->b.psk = g_strdup("not-the-same-psk");
	g_assert_true(engine_route(w->a.engine, "c", &error));
	reqid = ((const KernelPolicy *) g_ptr_array_index(mock_kernel_get_policies(w->a.kernel), 0))
	                ->reqid;
	engine_add_routing_observer(w->a.engine, on_routing, &seen);
	mock_kernel_clear_calls(w->a.kernel);
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 1);
	/* just the ACQUIRE: while negotiating, the prospective shunt lets the
	 * flow pass */
	g_main_context_iteration(NULL, FALSE);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_NEGOTIATING);
	g_assert_cmpuint(test_count_calls(&w->a, "add_policy out pass 198.51.100.7/32 === "
	                                         "203.0.113.9/32"), ==, 1);
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 1);
	s = g_ptr_array_index(shunts, 0);
	g_assert_cmpstr(s->kind, ==, "negotiation");
	g_assert_cmpstr(s->action, ==, "pass");
	g_clear_pointer(&shunts, g_ptr_array_unref);

	/* the peer refuses our AUTH: the failure shunt replaces it */
	g_assert_true(test_run_until(failed_on_a, w, 5000));
	g_assert_true(seen_has(&seen, "c:negotiating"));
	g_assert_true(seen_has(&seen, "c:failure-shunt"));
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	p = test_find_policy(&w->a, "198.51.100.7/32", "203.0.113.9/32", KERNEL_DIR_OUT);
	g_assert_nonnull(p);
	g_assert_cmpint(p->action, ==, KERNEL_POLICY_DROP);
	g_assert_cmpuint(p->priority, <, 1000);
	/* the trap stays under it for the rest of the connection's traffic */
	p = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(p);
	g_assert_true(p->trap);
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 1);
	s = g_ptr_array_index(shunts, 0);
	g_assert_cmpstr(s->connection, ==, "c");
	g_assert_cmpstr(s->kind, ==, "failure");
	g_assert_cmpstr(s->action, ==, "drop");
	g_assert_cmpstr(s->source, ==, "198.51.100.7/32");
	g_assert_cmpstr(s->destination, ==, "203.0.113.9/32");
	g_assert_cmpuint(s->protocol, ==, 0);
	g_assert_cmpint(s->expires, >, 0);
	g_clear_pointer(&shunts, g_ptr_array_unref);

	/* with the right key, initiating brings the tunnel up and the
	 * failure shunt goes */
	g_free(w->b.psk);
	w->b.psk = g_strdup(w->a.psk);
	{
		TestResult r;

		test_initiate(&w->a, "c", &r, 5000);
		g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
		test_result_clear(&r);
	}
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_TUNNEL);
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 0);
	g_assert_null(test_find_policy(&w->a, "198.51.100.7/32", "203.0.113.9/32", KERNEL_DIR_OUT));
	test_wire_free(w);
	g_ptr_array_unref(seen.seen);
}

static void
test_failure_none(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) shunts = NULL;
	guint32 reqid;

	/* the peer has no such connection: IKE_SA_INIT goes unanswered */
	test_peer_add_conn(&w->a, "c", CONN ", 'keying-tries': <uint32 1>}");
	g_assert_true(engine_route(w->a.engine, "c", &error));
	reqid = ((const KernelPolicy *) g_ptr_array_index(mock_kernel_get_policies(w->a.kernel), 0))
	                ->reqid;
	raise_acquire(&w->a, reqid, "198.51.100.7", "203.0.113.9", 17);
	test_run_for(1);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_NEGOTIATING);
	/* no prospective shunt: only the trap */
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 1);
	test_run_for(1500);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	/* failure-shunt none: back to the trap, nothing else */
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_ON_DEMAND);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 1);
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 0);
	test_wire_free(w);
}

static void
test_never_negotiate(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) shunts = NULL;
	EngineShuntInfo *s;
	const KernelPolicy *p;

	/* type=passthrough: --pass and no --encrypt/--authenticate */
	test_peer_add_conn(&w->a, "lan",
	                   "{'left-host': <'192.0.2.1'>, 'right-host': <'%any'>, "
	                   "'left-subnet': <['198.51.100.0/24']>, "
	                   "'right-subnet': <['198.51.100.0/24']>, "
	                   "'prospective-shunt': <'pass'>}");
	g_assert_cmpint(engine_get_routing(w->a.engine, "lan"), ==, ENGINE_ROUTING_UNROUTED);
	g_assert_true(engine_route(w->a.engine, "lan", &error));
	g_assert_no_error(error);
	g_assert_cmpint(engine_get_routing(w->a.engine, "lan"), ==, ENGINE_ROUTING_SHUNT);
	/* out and in (the mock is not xfrm: no fwd) */
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 2);
	p = test_find_policy(&w->a, "198.51.100.0/24", "198.51.100.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(p);
	g_assert_cmpint(p->action, ==, KERNEL_POLICY_PASS);
	g_assert_false(p->trap);
	g_assert_nonnull(test_find_policy(&w->a, "198.51.100.0/24", "198.51.100.0/24", KERNEL_DIR_IN));
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 1);
	s = g_ptr_array_index(shunts, 0);
	g_assert_cmpstr(s->connection, ==, "lan");
	g_assert_cmpstr(s->kind, ==, "connection");
	g_assert_cmpstr(s->action, ==, "pass");
	g_assert_cmpint(s->expires, ==, 0);
	g_clear_pointer(&shunts, g_ptr_array_unref);
	g_assert_true(engine_unroute(w->a.engine, "lan", &error));
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	g_assert_cmpint(engine_get_routing(w->a.engine, "lan"), ==, ENGINE_ROUTING_UNROUTED);

	/* deleting a routed connection removes its policies */
	g_assert_true(engine_route(w->a.engine, "lan", &error));
	g_assert_true(engine_delete_connection(w->a.engine, "lan", &error));
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	shunts = engine_list_shunts(w->a.engine);
	g_assert_cmpuint(shunts->len, ==, 0);
	test_wire_free(w);
}

static void
test_initiate_on_traffic(void)
{
	TestWire *w = test_wire_new();
	const KernelPolicy *trap;

	/* auto=route: routed as soon as it is added */
	setup_pair(w, ", 'initiate-on-traffic': <true>", NULL);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_ON_DEMAND);
	trap = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(trap);
	g_assert_true(trap->trap);
	raise_acquire(&w->a, trap->reqid, "198.51.100.1", "203.0.113.1", 1);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	/* engine_free removes the policies (and nothing is left behind) */
	test_wire_free(w);
}

static void
test_rekey_keeps_tunnel(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) children = NULL;
	Seen seen = {g_ptr_array_new_with_free_func(g_free)};
	const KernelPolicy *trap;
	guint old;

	setup_pair(w, NULL, NULL);
	g_assert_true(engine_route(w->a.engine, "c", &error));
	trap = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	raise_acquire(&w->a, trap->reqid, "198.51.100.1", "203.0.113.1", 1);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	children = engine_list_child_sas(w->a.engine);
	old = ((EngineChildSaInfo *) g_ptr_array_index(children, 0))->serial;
	engine_add_routing_observer(w->a.engine, on_routing, &seen);
	g_assert_true(engine_rekey_child_sa(w->a.engine, old, &error));
	test_run_for(300);
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 1);
	g_assert_null(engine_get_child_sa_info(w->a.engine, old));
	/* the policy stayed the Child SA's; no trap came back in between */
	trap = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(trap);
	g_assert_false(trap->trap);
	g_assert_cmpuint(seen.seen->len, ==, 0);
	test_wire_free(w);
	g_ptr_array_unref(seen.seen);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/route/acquire", test_route_acquire);
	g_test_add_func("/engine/route/errors", test_route_errors);
	g_test_add_func("/engine/route/failure-shunt", test_failure_shunt);
	g_test_add_func("/engine/route/failure-none", test_failure_none);
	g_test_add_func("/engine/route/never-negotiate", test_never_negotiate);
	g_test_add_func("/engine/route/initiate-on-traffic", test_initiate_on_traffic);
	g_test_add_func("/engine/route/rekey", test_rekey_keeps_tunnel);
	return g_test_run();
}
