/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * service/engine/peer-crash.c with two in-memory engines and mock kernels:
 * whack --crash removes the peer's SAs without a Delete (the peer keeps
 * its own), restarts a dpd-action=restart connection once, and puts a
 * routed connection back on its trap; --deleteuser deletes by the peer's
 * authenticated ID, with a Delete or (crash) without; --unlisten stops IKE
 * from being received while the SAs stay, and --listen brings it back.
 */
#include <string.h>

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
establish(TestWire *w)
{
	test_wire_establish(w);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->a, "INSTALLED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->b, "INSTALLED"), ==, 1);
}

static guint
first_ike_serial(TestPeer *p)
{
	g_autoptr(GPtrArray) ike = engine_list_ike_sas(p->engine);

	g_assert_cmpuint(ike->len, >, 0);
	return ((EngineIkeSaInfo *) g_ptr_array_index(ike, 0))->serial;
}

static gboolean
a_reestablished(gpointer data)
{
	TestWire *w = data;

	return test_count_ike(&w->a, "ESTABLISHED") == 1 && test_count_child(&w->a, "INSTALLED") == 1;
}

static gboolean
b_has_no_ike(gpointer data)
{
	TestWire *w = data;

	return test_count_ike(&w->b, NULL) == 0;
}

static void
test_crash(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	guint sent;

	setup_pair(w, NULL, NULL);
	establish(w);
	/* an address that is not an IP address; one that is nobody's peer */
	g_assert_cmpint(engine_crash_peer(w->a.engine, "east", &error), ==, -1);
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_cmpint(engine_crash_peer(w->a.engine, "192.0.2.99", &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);

	sent = w->log->len;
	g_assert_cmpint(engine_crash_peer(w->a.engine, "192.0.2.2", &error), ==, 1);
	g_assert_no_error(error);
	/* gone at once, kernel state with them ... */
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 0);
	test_run_for(300);
	/* ... and nothing was sent: the peer keeps its SAs (dpd-action hold:
	 * no restart either) */
	g_assert_cmpuint(w->log->len, ==, sent);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->b, "INSTALLED"), ==, 1);
	test_wire_free(w);
}

static void
test_crash_restart(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	guint old;

	setup_pair(w, ", 'dpd-action': <'restart'>", NULL);
	establish(w);
	old = first_ike_serial(&w->a);
	g_assert_cmpint(engine_crash_peer(w->a.engine, "192.0.2.2", &error), ==, 1);
	g_assert_no_error(error);
	/* the old SA is gone and one new IKE SA is under way, not two */
	g_assert_null(engine_get_ike_sa_info(w->a.engine, old));
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 1);
	g_assert_true(test_run_until(a_reestablished, w, 5000));
	g_assert_cmpuint(first_ike_serial(&w->a), !=, old);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 1);
	test_wire_free(w);
}

static void
test_crash_trap(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	const KernelPolicy *p;

	setup_pair(w, NULL, NULL);
	g_assert_true(engine_route(w->a.engine, "c", &error));
	g_assert_no_error(error);
	establish(w);
	p = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(p);
	g_assert_false(p->trap);
	g_assert_cmpint(engine_crash_peer(w->a.engine, "192.0.2.2", &error), ==, 1);
	/* the tunnel's policy went, the trap is back */
	p = test_find_policy(&w->a, "198.51.100.0/24", "203.0.113.0/24", KERNEL_DIR_OUT);
	g_assert_nonnull(p);
	g_assert_true(p->trap);
	g_assert_cmpint(engine_get_routing(w->a.engine, "c"), ==, ENGINE_ROUTING_ON_DEMAND);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	test_wire_free(w);
}

static void
test_delete_user(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	guint sent;

	setup_pair(w, NULL, NULL);
	establish(w);
	g_assert_cmpint(engine_delete_user(w->a.engine, "@nobody", FALSE, &error), ==, -1);
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpint(engine_delete_user(w->a.engine, "", FALSE, &error), ==, -1);
	g_assert_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* our own ID is not the peer's */
	g_assert_cmpint(engine_delete_user(w->a.engine, "@west", FALSE, &error), ==, -1);
	g_clear_error(&error);

	/* the bare name of the FQDN ID; a Delete goes: both sides lose it */
	g_assert_cmpint(engine_delete_user(w->a.engine, "east", FALSE, &error), ==, 1);
	g_assert_no_error(error);
	g_assert_true(test_run_until(b_has_no_ike, w, 5000));
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request"), >=, 1);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);

	/* --crash: the same without a Delete */
	establish(w);
	sent = w->log->len;
	g_assert_cmpint(engine_delete_user(w->a.engine, "@east", TRUE, &error), ==, 1);
	g_assert_no_error(error);
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	test_run_for(300);
	g_assert_cmpuint(w->log->len, ==, sent);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	test_wire_free(w);
}

static void
test_unlisten(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	TestResult r;

	setup_pair(w, NULL, NULL);
	establish(w);
	g_assert_true(engine_is_listening(w->b.engine));
	g_assert_true(engine_set_listening(w->b.engine, FALSE, &error));
	g_assert_no_error(error);
	g_assert_false(engine_is_listening(w->b.engine));
	g_assert_true(engine_set_listening(w->b.engine, FALSE, &error)); /* again: nothing */

	/* initiating is refused at once while not listening */
	test_initiate(&w->b, "c", &r, 1000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_NOT_LISTENING);
	test_result_clear(&r);

	/* a's Delete does not reach b's IKE; b's SAs stay */
	g_assert_true(engine_delete_ike_sa(w->a.engine, first_ike_serial(&w->a), &error));
	test_run_for(100);
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request"), >=, 1);
	g_assert_cmpuint(test_wire_count(w, "b->a INFORMATIONAL response"), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_child(&w->b, "INSTALLED"), ==, 1);

	/* listening again, b takes a retransmission of it */
	g_assert_true(engine_set_listening(w->b.engine, TRUE, &error));
	g_assert_no_error(error);
	g_assert_true(engine_is_listening(w->b.engine));
	g_assert_true(test_run_until(b_has_no_ike, w, 5000));
	g_assert_cmpuint(test_wire_count(w, "b->a INFORMATIONAL response"), >=, 1);
	test_wire_free(w);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/peer-crash/crash", test_crash);
	g_test_add_func("/engine/peer-crash/crash-restart", test_crash_restart);
	g_test_add_func("/engine/peer-crash/crash-trap", test_crash_trap);
	g_test_add_func("/engine/peer-crash/delete-user", test_delete_user);
	g_test_add_func("/engine/peer-crash/unlisten", test_unlisten);
	return g_test_run();
}
