/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * New Child SAs in an established IKE SA (CREATE_CHILD_SA without
 * N(REKEY_SA), RFC 7296 §1.3.1) with two in-memory engines and mock
 * kernels: a second connection of the same peer shares the IKE SA from
 * either end, the responder picks the connection by traffic selectors, a
 * connection whose Child SA was deleted gets a new one on its IKE SA (by
 * Initiate and by a kernel ACQUIRE), INVALID_KE_PAYLOAD is retried with
 * the group asked for (§1.3), and refusals (TS_UNACCEPTABLE,
 * NO_PROPOSAL_CHOSEN, no narrowing) leave the IKE SA and its first Child
 * SA as they were.
 */
#include <string.h>

#include "engine-test-util.h"

#define BASE                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-id': <'@west'>, "        \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>"
#define NETS_C "'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>"
#define NETS_D "'left-subnet': <['10.1.0.0/24']>, 'right-subnet': <['10.2.0.0/24']>"

/* The wire log counts retransmissions too (a slow worker under load), so
 * exchanges are checked for presence, and IKE SAs by the engine's count. */
static gboolean
sent(TestWire *w, const char *what)
{
	return test_wire_count(w, what) > 0;
}

/* IKE SAs @p ever established. */
static guint64
ike_total(TestPeer *p)
{
	EngineCounters c;

	engine_get_counters(p->engine, &c);
	return c.ike_sas_established;
}

static guint64
child_total(TestPeer *p)
{
	EngineCounters c;

	engine_get_counters(p->engine, &c);
	return c.child_sas_installed;
}

static void
add(TestPeer *p, const char *name, const char *nets, const char *extra)
{
	g_autofree char *o = g_strdup_printf("%s, %s%s}", BASE, nets, extra != NULL ? extra : "");

	test_peer_add_conn(p, name, o);
}

static void
initiate_ok(TestPeer *p, const char *name)
{
	TestResult r;

	test_initiate(p, name, &r, 5000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	test_result_clear(&r);
}

static guint
only_ike_serial(TestPeer *p)
{
	g_autoptr(GPtrArray) l = engine_list_ike_sas(p->engine);
	EngineIkeSaInfo *i;

	g_assert_cmpuint(l->len, ==, 1);
	i = g_ptr_array_index(l, 0);
	g_assert_cmpstr(i->state, ==, "ESTABLISHED");
	return i->serial;
}

/* The installed Child SA of connection @conn on @p (asserts exactly one). */
static EngineChildSaInfo *
child_of(TestPeer *p, const char *conn)
{
	g_autoptr(GPtrArray) l = engine_list_child_sas(p->engine);
	EngineChildSaInfo *found = NULL;

	for (guint i = 0; i < l->len; i++) {
		EngineChildSaInfo *c = g_ptr_array_index(l, i);

		if (g_strcmp0(c->connection, conn) != 0 || g_strcmp0(c->state, "INSTALLED") != 0)
			continue;
		g_assert_null(found);
		found = c;
	}
	g_assert_nonnull(found);
	return engine_get_child_sa_info(p->engine, found->serial);
}

/* One IKE SA each side with @n installed Child SAs, all on it, the halves
 * matching (@conns: their connections, on both sides). */
static void
assert_shared(TestWire *w, const char *const *conns, guint n)
{
	guint ia = only_ike_serial(&w->a), ib = only_ike_serial(&w->b);
	g_autoptr(GArray) sa_a = engine_list_child_sa_serials(w->a.engine, ia);
	g_autoptr(GArray) sa_b = engine_list_child_sa_serials(w->b.engine, ib);

	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, n);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, n);
	g_assert_cmpuint(sa_a->len, ==, n);
	g_assert_cmpuint(sa_b->len, ==, n);
	for (guint i = 0; i < n; i++) {
		g_autoptr(EngineChildSaInfo) ca = child_of(&w->a, conns[i]);
		g_autoptr(EngineChildSaInfo) cb = child_of(&w->b, conns[i]);

		g_assert_cmpuint(ca->ike_serial, ==, ia);
		g_assert_cmpuint(cb->ike_serial, ==, ib);
		g_assert_cmpuint(ca->spi_out, ==, cb->spi_in);
		g_assert_cmpuint(ca->spi_in, ==, cb->spi_out);
		g_assert_cmpstr(ca->local_ts, ==, cb->remote_ts);
		g_assert_cmpstr(ca->remote_ts, ==, cb->local_ts);
	}
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 2 * n);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 2 * n);
}

typedef struct {
	TestWire *w;
	guint n;
} Settled;

static gboolean
settled_cb(gpointer data)
{
	Settled *st = data;
	TestPeer *peers[2] = {&st->w->a, &st->w->b};

	for (guint i = 0; i < 2; i++)
		if (test_count_child(peers[i], NULL) != st->n ||
		    test_count_child(peers[i], "INSTALLED") != st->n ||
		    mock_kernel_get_sas(peers[i]->kernel)->len != 2 * st->n)
			return FALSE;
	return TRUE;
}

/* After a rekey or a Delete was started: until both sides hold @n
 * installed Child SAs and nothing else (bounded; stretches with the test
 * timers, unlike a fixed wait). */
static void
settle(TestWire *w, guint n)
{
	Settled st = {w, n};

	g_assert_true(test_run_until(settled_cb, &st, 3000));
	test_run_for(20);
}

static gboolean
no_ike(gpointer data)
{
	TestWire *w = data;

	return test_count_ike(&w->a, NULL) == 0 && test_count_ike(&w->b, NULL) == 0;
}

typedef struct {
	guint added;  /* Child SAs added */
	guint serial; /* of the last one */
	guint ike_serial;
	char *conn;
} ChildEvents;

static void
on_sa_event(const EngineSaEventInfo *info, gpointer user_data)
{
	ChildEvents *e = user_data;

	if (info->sa.kind != ENGINE_SA_KIND_CHILD || info->event != ENGINE_SA_EVENT_ADDED)
		return;
	e->added++;
	e->serial = info->sa.serial;
	e->ike_serial = info->sa.ike_serial;
	g_free(e->conn);
	e->conn = g_strdup(info->sa.connection);
}

/* ---- a second connection's Child SA on the IKE SA --------------------- */

static void
test_second_conn(void)
{
	TestWire *w = test_wire_new();
	const char *both[] = {"c", "d"};
	g_autoptr(GError) error = NULL;
	ChildEvents ev_b = {0};
	guint obs;
	guint64 installed;

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, NULL);
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, NULL);
	initiate_ok(&w->a, "c");
	obs = engine_add_sa_event_observer(w->b.engine, on_sa_event, &ev_b);
	/* "d" has the same hosts, IDs, authentication and IKE proposals: it
	 * shares the IKE SA of "c" (as pluto does) */
	initiate_ok(&w->a, "d");
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 2"));
	g_assert_true(sent(w, "b->a CREATE_CHILD_SA response 2"));
	assert_shared(w, both, 2);
	/* the responder picked "d" by the selectors, and told its observers
	 * (the bus layer's IkeSA.ChildSAs) */
	g_assert_cmpuint(ev_b.added, ==, 1);
	g_assert_cmpstr(ev_b.conn, ==, "d");
	g_assert_cmpuint(ev_b.ike_serial, ==, only_ike_serial(&w->b));
	engine_remove_observer(w->b.engine, obs);
	{
		g_autoptr(EngineChildSaInfo) d = child_of(&w->a, "d");

		g_assert_cmpstr(d->local_ts, ==, "10.1.0.0/24");
		g_assert_cmpstr(d->remote_ts, ==, "10.2.0.0/24");
	}
	/* initiating "d" again: it is up */
	installed = child_total(&w->a);
	initiate_ok(&w->a, "d");
	g_assert_cmpuint(child_total(&w->a), ==, installed);
	/* it rekeys like any Child SA, from either end, and stays "d" */
	for (guint i = 0; i < 2; i++) {
		TestPeer *p = i == 0 ? &w->b : &w->a;
		g_autoptr(EngineChildSaInfo) d = child_of(p, "d");
		g_autoptr(EngineChildSaInfo) after = NULL;

		g_assert_true(engine_rekey_child_sa(p->engine, d->serial, &error));
		g_assert_no_error(error);
		settle(w, 2);
		assert_shared(w, both, 2);
		after = child_of(p, "d");
		g_assert_cmpuint(after->serial, !=, d->serial);
		g_assert_cmpuint(after->spi_in, !=, d->spi_in);
	}
	/* --down d: its Child SA goes, the IKE SA and "c" stay */
	g_assert_cmpint(engine_terminate(w->a.engine, "d", &error), ==, 1);
	settle(w, 1);
	assert_shared(w, both, 1);
	/* and it comes back on the same IKE SA */
	initiate_ok(&w->a, "d");
	assert_shared(w, both, 2);
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	/* --down c: the IKE SA goes, and every Child SA on it */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", &error), ==, 1);
	g_assert_true(test_run_until(no_ike, w, 3000));
	g_assert_cmpuint(test_count_ike(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 0);
	g_assert_cmpuint(mock_kernel_get_policies(w->b.kernel)->len, ==, 0);
	g_free(ev_b.conn);
	test_wire_free(w);
}

/* Deleting a connection whose Child SA rides on another one's IKE SA:
 * that Child SA goes (with a Delete), the IKE SA and its own stay. */
static void
test_delete_sharing_conn(void)
{
	TestWire *w = test_wire_new();
	const char *one[] = {"c"};
	g_autoptr(GError) error = NULL;

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, NULL);
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, NULL);
	initiate_ok(&w->a, "c");
	initiate_ok(&w->a, "d");
	settle(w, 2);
	g_assert_true(engine_delete_connection(w->a.engine, "d", &error));
	g_assert_no_error(error);
	settle(w, 1);
	assert_shared(w, one, 1);
	test_wire_free(w);
}

/* The original responder asks for the second Child SA (with PFS). */
static void
test_second_conn_from_responder(void)
{
	TestWire *w = test_wire_new();
	const char *both[] = {"c", "d"};

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, ", 'pfs': <true>");
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, ", 'pfs': <true>");
	initiate_ok(&w->a, "c");
	initiate_ok(&w->b, "d");
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	g_assert_true(sent(w, "b->a CREATE_CHILD_SA request 0"));
	assert_shared(w, both, 2);
	test_wire_free(w);
}

/* The IKE SA's own connection, its Child SA deleted, gets a new one. */
static void
test_own_conn_again(void)
{
	TestWire *w = test_wire_new();
	const char *one[] = {"c"};
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineChildSaInfo) first = NULL;
	g_autoptr(EngineChildSaInfo) again = NULL;
	guint ike;

	add(&w->a, "c", NETS_C, ", 'pfs': <true>");
	add(&w->b, "c", NETS_C, ", 'pfs': <true>");
	initiate_ok(&w->a, "c");
	ike = only_ike_serial(&w->a);
	first = child_of(&w->a, "c");
	g_assert_true(engine_delete_child_sa(w->a.engine, first->serial, &error));
	settle(w, 0);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(only_ike_serial(&w->a), ==, ike);
	initiate_ok(&w->a, "c");
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 3"));
	assert_shared(w, one, 1);
	again = child_of(&w->a, "c");
	g_assert_cmpuint(again->serial, !=, first->serial);
	g_assert_cmpuint(again->ike_serial, ==, ike);
	/* pfs=yes: the IKE SA's group made a fresh g^ir (§2.17) */
	g_assert_null(strstr(first->algorithms, "CURVE25519"));
	g_assert_nonnull(strstr(again->algorithms, "CURVE25519"));
	test_wire_free(w);
}

/* §1.3: the responder wants another group; once more with it. */
static void
test_invalid_ke_retry(void)
{
	TestWire *w = test_wire_new();
	const char *both[] = {"c", "d"};

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, ", 'esp': <'aes256-sha2_256-curve25519,aes128-sha2_256-ecp256'>");
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, ", 'esp': <'aes128-sha2_256-ecp256'>");
	initiate_ok(&w->a, "c");
	initiate_ok(&w->a, "d");
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 2"));
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 3"));
	assert_shared(w, both, 2);
	{
		g_autoptr(EngineChildSaInfo) d = child_of(&w->a, "d");

		g_assert_nonnull(strstr(d->algorithms, "ECP_256"));
	}
	test_wire_free(w);
}

/* ---- refusals leave the IKE SA and its first Child SA ----------------- */

static void
assert_first_intact(TestWire *w, guint ike_a, guint ike_b, guint32 spi_in)
{
	const char *one[] = {"c"};
	g_autoptr(EngineChildSaInfo) c = child_of(&w->a, "c");
	g_autoptr(GError) error = NULL;

	assert_shared(w, one, 1);
	g_assert_cmpuint(only_ike_serial(&w->a), ==, ike_a);
	g_assert_cmpuint(only_ike_serial(&w->b), ==, ike_b);
	g_assert_cmpuint(c->spi_in, ==, spi_in);
	/* and the IKE SA still works */
	g_assert_true(engine_rekey_child_sa(w->a.engine, c->serial, &error));
	g_assert_no_error(error);
	settle(w, 1);
	assert_shared(w, one, 1);
	{
		g_autoptr(EngineChildSaInfo) after = child_of(&w->a, "c");

		g_assert_cmpuint(after->serial, !=, c->serial);
	}
}

static void
refused(const char *a_extra, const char *b_nets, const char *b_extra, EngineStatus want,
        const char *notify)
{
	TestWire *w = test_wire_new();
	g_autoptr(EngineChildSaInfo) c = NULL;
	guint ike_a, ike_b;
	gboolean said = FALSE;
	TestResult r;

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, a_extra);
	add(&w->b, "c", NETS_C, NULL);
	if (b_nets != NULL)
		add(&w->b, "d", b_nets, b_extra);
	initiate_ok(&w->a, "c");
	ike_a = only_ike_serial(&w->a);
	ike_b = only_ike_serial(&w->b);
	c = child_of(&w->a, "c");
	test_initiate(&w->a, "d", &r, 5000);
	g_assert_true(r.done);
	g_assert_cmpint(r.status, ==, want);
	/* the caller hears why */
	for (guint i = 0; i < r.lines->len; i++)
		said |= strstr(g_ptr_array_index(r.lines, i), notify) != NULL;
	g_assert_true(said);
	test_result_clear(&r);
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 2"));
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	assert_first_intact(w, ike_a, ike_b, c->spi_in);
	test_wire_free(w);
}

static void
test_refuse_ts(void)
{
	/* the peer has no connection with those selectors */
	refused(NULL, NULL, NULL, ENGINE_STATUS_NO_PROPOSAL, "TS_UNACCEPTABLE");
}

static void
test_refuse_proposal(void)
{
	refused(", 'esp': <'aes_gcm256'>", NETS_D, ", 'esp': <'aes128-sha2_256'>",
	        ENGINE_STATUS_NO_PROPOSAL, "NO_PROPOSAL_CHOSEN");
}

static void
test_refuse_pfs(void)
{
	/* PFS groups that do not meet */
	refused(", 'esp': <'aes256-sha2_256-curve25519'>", NETS_D,
	        ", 'esp': <'aes256-sha2_256-ecp256'>", ENGINE_STATUS_NO_PROPOSAL,
	        "NO_PROPOSAL_CHOSEN");
}

#define NETS_D_NARROW "'left-subnet': <['10.1.0.0/25']>, 'right-subnet': <['10.2.0.0/24']>"

static void
test_narrowing(void)
{
	TestWire *w;
	const char *both[] = {"c", "d"};

	/* the responder's "d" is narrower than what is asked: without
	 * --narrowing it is not chosen */
	refused(NULL, NETS_D_NARROW, NULL, ENGINE_STATUS_NO_PROPOSAL, "TS_UNACCEPTABLE");
	/* with it, the answer is the intersection (§2.9) */
	w = test_wire_new();
	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, NULL);
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D_NARROW, ", 'narrowing': <true>");
	initiate_ok(&w->a, "c");
	initiate_ok(&w->a, "d");
	assert_shared(w, both, 2);
	{
		g_autoptr(EngineChildSaInfo) d = child_of(&w->a, "d");

		g_assert_cmpstr(d->local_ts, ==, "10.1.0.0/25");
	}
	test_wire_free(w);
}

/* Different IKE proposals: no sharing, a second IKE SA. */
static void
test_no_share_other_ike(void)
{
	TestWire *w = test_wire_new();

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, ", 'ike': <'aes256-sha2_256-modp2048'>");
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, ", 'ike': <'aes256-sha2_256-modp2048'>");
	initiate_ok(&w->a, "c");
	initiate_ok(&w->a, "d");
	g_assert_cmpuint(ike_total(&w->a), ==, 2);
	g_assert_cmpuint(test_wire_count(w, "CREATE_CHILD_SA request"), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 2);
	test_wire_free(w);
}

/* ---- a trap's ACQUIRE on an IKE SA that is up ------------------------- */

static gboolean
two_children(gpointer data)
{
	TestWire *w = data;

	return test_count_child(&w->a, "INSTALLED") == 2 && test_count_child(&w->b, "INSTALLED") == 2;
}

static void
test_acquire(void)
{
	TestWire *w = test_wire_new();
	const char *both[] = {"c", "d"};
	g_autoptr(GError) error = NULL;
	KernelEvent ev = {.type = KERNEL_EVENT_ACQUIRE};
	KernelAddr s, d;
	g_autoptr(EngineChildSaInfo) dc = NULL;

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, NULL);
	add(&w->b, "c", NETS_C, NULL);
	add(&w->b, "d", NETS_D, NULL);
	initiate_ok(&w->a, "c");
	g_assert_true(engine_route(w->a.engine, "d", &error));
	g_assert_no_error(error);
	g_assert_cmpint(engine_get_routing(w->a.engine, "d"), ==, ENGINE_ROUTING_ON_DEMAND);
	/* the trap of "d" is the one policy of the kernel not of "c" */
	for (guint i = 0; i < mock_kernel_get_policies(w->a.kernel)->len; i++) {
		const KernelPolicy *p = g_ptr_array_index(mock_kernel_get_policies(w->a.kernel), i);
		g_autofree char *src = kernel_ts_to_string(&p->src);

		if (g_str_has_prefix(src, "10.1.0.0"))
			ev.reqid = p->reqid;
	}
	g_assert_cmpuint(ev.reqid, !=, 0);
	g_assert_true(kernel_addr_parse("10.1.0.5", &s));
	g_assert_true(kernel_addr_parse("10.2.0.7", &d));
	kernel_ts_from_prefix(&ev.pkt_src, &s, 32, 1);
	kernel_ts_from_prefix(&ev.pkt_dst, &d, 32, 1);
	mock_kernel_raise(w->a.kernel, &ev);
	g_assert_true(test_run_until(two_children, w, 3000));
	test_run_for(20);
	assert_shared(w, both, 2);
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	g_assert_cmpint(engine_get_routing(w->a.engine, "d"), ==, ENGINE_ROUTING_TUNNEL);
	/* the packet's selectors went first; the responder kept the range */
	dc = child_of(&w->b, "d");
	g_assert_cmpstr(dc->remote_ts, ==, "10.1.0.0/24");
	/* its Child SA deleted (--down-child), the trap is back; traffic asks
	 * for a new Child SA on the same IKE SA */
	g_assert_true(engine_delete_child_sa(w->b.engine, dc->serial, &error));
	settle(w, 1);
	g_assert_cmpint(engine_get_routing(w->a.engine, "d"), ==, ENGINE_ROUTING_ON_DEMAND);
	mock_kernel_raise(w->a.kernel, &ev);
	g_assert_true(test_run_until(two_children, w, 3000));
	test_run_for(20);
	assert_shared(w, both, 2);
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	g_assert_true(sent(w, "a->b CREATE_CHILD_SA request 3"));
	test_wire_free(w);
}

static gboolean
one_child_request(gpointer data)
{
	return sent(data, "b->a CREATE_CHILD_SA response 2");
}

static gboolean
two_child_requests(gpointer data)
{
	return sent(data, "b->a CREATE_CHILD_SA response 3");
}

/* The peer refuses the ACQUIRE's Child SA: the IKE SA and its Child SA
 * stay, the trap is back, and the next packet asks again. */
static void
test_acquire_refused(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineChildSaInfo) c = NULL;
	KernelEvent ev = {.type = KERNEL_EVENT_ACQUIRE};
	KernelAddr s, d;

	add(&w->a, "c", NETS_C, NULL);
	add(&w->a, "d", NETS_D, NULL);
	add(&w->b, "c", NETS_C, NULL);
	initiate_ok(&w->a, "c");
	c = child_of(&w->a, "c");
	g_assert_true(engine_route(w->a.engine, "d", &error));
	g_assert_no_error(error);
	for (guint i = 0; i < mock_kernel_get_policies(w->a.kernel)->len; i++) {
		const KernelPolicy *p = g_ptr_array_index(mock_kernel_get_policies(w->a.kernel), i);
		g_autofree char *src = kernel_ts_to_string(&p->src);

		if (g_str_has_prefix(src, "10.1.0.0"))
			ev.reqid = p->reqid;
	}
	g_assert_true(kernel_addr_parse("10.1.0.5", &s));
	g_assert_true(kernel_addr_parse("10.2.0.7", &d));
	kernel_ts_from_prefix(&ev.pkt_src, &s, 32, 1);
	kernel_ts_from_prefix(&ev.pkt_dst, &d, 32, 1);
	mock_kernel_raise(w->a.kernel, &ev);
	g_assert_true(test_run_until(one_child_request, w, 3000));
	test_run_for(20);
	g_assert_true(sent(w, "b->a CREATE_CHILD_SA response 2"));
	g_assert_cmpint(engine_get_routing(w->a.engine, "d"), ==, ENGINE_ROUTING_ON_DEMAND);
	mock_kernel_raise(w->a.kernel, &ev);
	g_assert_true(test_run_until(two_child_requests, w, 3000));
	test_run_for(20);
	g_assert_cmpuint(ike_total(&w->a), ==, 1);
	assert_first_intact(w, only_ike_serial(&w->a), only_ike_serial(&w->b), c->spi_in);
	test_wire_free(w);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/child-create/second-conn", test_second_conn);
	g_test_add_func("/engine/child-create/delete-sharing-conn", test_delete_sharing_conn);
	g_test_add_func("/engine/child-create/second-conn-from-responder",
	                test_second_conn_from_responder);
	g_test_add_func("/engine/child-create/own-conn-again", test_own_conn_again);
	g_test_add_func("/engine/child-create/invalid-ke-retry", test_invalid_ke_retry);
	g_test_add_func("/engine/child-create/refuse-ts", test_refuse_ts);
	g_test_add_func("/engine/child-create/refuse-proposal", test_refuse_proposal);
	g_test_add_func("/engine/child-create/refuse-pfs", test_refuse_pfs);
	g_test_add_func("/engine/child-create/narrowing", test_narrowing);
	g_test_add_func("/engine/child-create/no-share-other-ike", test_no_share_other_ike);
	g_test_add_func("/engine/child-create/acquire", test_acquire);
	g_test_add_func("/engine/child-create/acquire-refused", test_acquire_refused);
	return g_test_run();
}
