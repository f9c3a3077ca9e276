/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rekeying with two in-memory engines and mock kernels: the IKE SA rekeyed
 * from either end (RFC 7296 §1.3.2, §2.18) with its Child SA carried over,
 * simultaneous rekeys of the IKE SA and of a Child SA delivered crossed
 * (§2.8.1, §2.8.2), and the lifetime timers (rekey at lifetime - margin,
 * expiry with rekey=false, kernel hard expiry).
 */
#include <string.h>

#include "engine-private.h"
#include "engine-test-util.h"
#include "ike.h"

#define CONN                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-id': <'@west'>, "        \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>, "            \
	"'left-subnet': <['198.51.100.1/32']>, 'right-subnet': <['198.51.100.2/32']>"

static void
setup_pair(TestWire *w, const char *extra_a, const char *extra_b)
{
	test_wire_add_conn_pair(w, CONN, extra_a, extra_b);
}

static void
establish(TestWire *w)
{
	test_wire_establish(w);
}

static EngineIkeSaInfo *
only_ike(TestPeer *p)
{
	g_autoptr(GPtrArray) l = engine_list_ike_sas(p->engine);

	g_assert_cmpuint(l->len, ==, 1);
	return engine_get_ike_sa_info(p->engine, ((EngineIkeSaInfo *) g_ptr_array_index(l, 0))->serial);
}

static EngineChildSaInfo *
only_child(TestPeer *p)
{
	g_autoptr(GPtrArray) l = engine_list_child_sas(p->engine);

	g_assert_cmpuint(l->len, ==, 1);
	return engine_get_child_sa_info(p->engine,
	                                ((EngineChildSaInfo *) g_ptr_array_index(l, 0))->serial);
}

/* One established IKE SA each side with the same SPIs, one Child SA each
 * side whose halves match and which belongs to that IKE SA. */
static void
assert_pair(TestWire *w)
{
	g_autoptr(EngineIkeSaInfo) ia = only_ike(&w->a);
	g_autoptr(EngineIkeSaInfo) ib = only_ike(&w->b);
	g_autoptr(EngineChildSaInfo) ca = only_child(&w->a);
	g_autoptr(EngineChildSaInfo) cb = only_child(&w->b);

	g_assert_cmpstr(ia->state, ==, "ESTABLISHED");
	g_assert_cmpstr(ib->state, ==, "ESTABLISHED");
	g_assert_cmpuint(ia->spi_i, ==, ib->spi_i);
	g_assert_cmpuint(ia->spi_r, ==, ib->spi_r);
	g_assert_true(ia->initiator != ib->initiator);
	g_assert_cmpstr(ca->state, ==, "INSTALLED");
	g_assert_cmpstr(cb->state, ==, "INSTALLED");
	g_assert_cmpuint(ca->ike_serial, ==, ia->serial);
	g_assert_cmpuint(cb->ike_serial, ==, ib->serial);
	g_assert_cmpuint(ca->spi_out, ==, cb->spi_in);
	g_assert_cmpuint(ca->spi_in, ==, cb->spi_out);
	g_assert_cmpuint(mock_kernel_get_sas(w->a.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_sas(w->b.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_policies(w->a.kernel)->len, ==, 2);
	g_assert_cmpuint(mock_kernel_get_policies(w->b.kernel)->len, ==, 2);
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

/* ---- IKE SA rekey from either end ------------------------------------- */

static void
rekey_ike_from(TestWire *w, TestPeer *p, TestPeer *other)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineIkeSaInfo) before = only_ike(p);
	g_autoptr(EngineIkeSaInfo) other_before = only_ike(other);
	g_autoptr(EngineChildSaInfo) child_before = only_child(p);
	g_autoptr(EngineIkeSaInfo) after = NULL;
	g_autoptr(EngineIkeSaInfo) other_after = NULL;
	g_autoptr(EngineChildSaInfo) child_after = NULL;
	guint add_a = test_count_calls(&w->a, "add_sa"), add_b = test_count_calls(&w->b, "add_sa");
	guint del_a = test_count_calls(&w->a, "del_sa"), del_b = test_count_calls(&w->b, "del_sa");

	g_assert_true(engine_rekey_ike_sa(p->engine, before->serial, &error));
	g_assert_no_error(error);
	test_run_for(400);
	assert_pair(w);
	after = only_ike(p);
	other_after = only_ike(other);
	/* a new IKE SA with new SPIs; the one who rekeyed is its initiator */
	g_assert_cmpuint(after->serial, !=, before->serial);
	g_assert_cmpuint(other_after->serial, !=, other_before->serial);
	g_assert_cmpuint(after->spi_i, !=, before->spi_i);
	g_assert_cmpuint(after->spi_r, !=, before->spi_r);
	g_assert_true(after->initiator);
	g_assert_false(other_after->initiator);
	g_assert_cmpstr(after->algorithms, ==, before->algorithms);
	g_assert_cmpint(after->established, >, 0);
	/* the same Child SA, now on the new IKE SA, its kernel state untouched */
	child_after = only_child(p);
	g_assert_cmpuint(child_after->serial, ==, child_before->serial);
	g_assert_cmpuint(child_after->spi_in, ==, child_before->spi_in);
	g_assert_cmpuint(child_after->spi_out, ==, child_before->spi_out);
	g_assert_cmpuint(test_count_calls(&w->a, "add_sa"), ==, add_a);
	g_assert_cmpuint(test_count_calls(&w->b, "add_sa"), ==, add_b);
	g_assert_cmpuint(test_count_calls(&w->a, "del_sa"), ==, del_a);
	g_assert_cmpuint(test_count_calls(&w->b, "del_sa"), ==, del_b);
}

static void
rekey_child_of(TestWire *w, TestPeer *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineChildSaInfo) before = only_child(p);
	g_autoptr(EngineChildSaInfo) after = NULL;

	g_assert_true(engine_rekey_child_sa(p->engine, before->serial, &error));
	g_assert_no_error(error);
	test_run_for(400);
	assert_pair(w);
	after = only_child(p);
	g_assert_cmpuint(after->serial, !=, before->serial);
	g_assert_cmpuint(after->spi_in, !=, before->spi_in);
	g_assert_cmpuint(after->ike_serial, ==, before->ike_serial);
}

static void
test_ike_rekey_initiator(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;

	setup_pair(w, NULL, NULL);
	establish(w);
	rekey_ike_from(w, &w->a, &w->b);
	/* the rekey went on the old SA (Message ID 2), the old SA's Delete
	 * after it (3) */
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 2"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA response 2"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request 3"), ==, 1);
	/* the new SA carries messages from 0: a Child rekey from each end */
	rekey_child_of(w, &w->a);
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 0"), ==, 1);
	rekey_child_of(w, &w->b);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA request 0"), ==, 1);
	/* and a second IKE rekey, then the Delete */
	rekey_ike_from(w, &w->a, &w->b);
	g_assert_cmpint(engine_terminate(w->a.engine, "c", &error), ==, 1);
	test_run_for(150);
	assert_all_gone(w);
	test_wire_free(w);
}

static void
test_ike_rekey_responder(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;

	setup_pair(w, NULL, NULL);
	establish(w);
	/* the original responder rekeys: it is the initiator of the new SA */
	rekey_ike_from(w, &w->b, &w->a);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA request 0"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "b->a INFORMATIONAL request 1"), ==, 1);
	rekey_child_of(w, &w->a);
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 0"), ==, 1);
	/* then the original initiator rekeys the new one back */
	rekey_ike_from(w, &w->a, &w->b);
	/* a Child SA delete on the newest SA, then the IKE SA from b */
	{
		g_autoptr(EngineChildSaInfo) c = only_child(&w->b);

		g_assert_true(engine_delete_child_sa(w->b.engine, c->serial, &error));
	}
	test_run_for(150);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpint(engine_terminate(w->b.engine, "c", &error), ==, 1);
	test_run_for(150);
	assert_all_gone(w);
	test_wire_free(w);
}

/* INVALID_KE_PAYLOAD on the IKE rekey: the rekey starts over with the
 * group the responder asks for. */
static void
test_ike_rekey_invalid_ke(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineIkeSaInfo) before = NULL;
	g_autoptr(EngineIkeSaInfo) after = NULL;

	setup_pair(w, ", 'ike': <'aes_gcm256-sha2_256-curve25519-ecp256'>",
	           ", 'ike': <'aes_gcm256-sha2_256-curve25519-ecp256'>");
	establish(w);
	before = only_ike(&w->a);
	/* b now wants ECP_256 only */
	{
		g_autoptr(EngineIkeSaInfo) ib = only_ike(&w->b);
		IkeSa *sb = g_hash_table_lookup(w->b.engine->ike_by_serial, GUINT_TO_POINTER(ib->serial));
		g_autoptr(GArray) p = proposal_parse("aes_gcm256-sha2_256-ecp256", IKE_PROTO_IKE, NULL);

		g_array_unref(sb->ike_props);
		sb->ike_props = g_steal_pointer(&p);
	}
	g_assert_true(engine_rekey_ike_sa(w->a.engine, before->serial, &error));
	test_run_for(500);
	assert_pair(w);
	after = only_ike(&w->a);
	g_assert_cmpuint(after->serial, !=, before->serial);
	g_assert_true(g_str_has_suffix(after->algorithms, "ECP_256"));
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 2"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "a->b CREATE_CHILD_SA request 3"), ==, 1);
	test_wire_free(w);
}

/* ---- collisions ------------------------------------------------------- */

/* Holds the first request of @exchange from each end and delivers both
 * once both are out, crossed; the ends' retransmissions meanwhile are
 * dropped. */
typedef struct {
	TestWire *w;
	guint8 exchange;
	GBytes *held[2]; /* [0] from a, [1] from b */
	gboolean released;
} Hold;

static gboolean
release_cb(gpointer data)
{
	Hold *h = data;

	for (guint i = 0; i < 2; i++) {
		TestPeer *from = i == 0 ? &h->w->a : &h->w->b;
		TestPeer *to = i == 0 ? &h->w->b : &h->w->a;
		NetPacket pkt = {0};
		gsize len;

		net_endpoint_parse(to->addr, 500, &pkt.local);
		net_endpoint_parse(from->addr, 500, &pkt.remote);
		pkt.data = g_bytes_get_data(h->held[i], &len);
		pkt.len = len;
		net_io_inject(to->io, &pkt, FALSE);
		g_clear_pointer(&h->held[i], g_bytes_unref);
	}
	return G_SOURCE_REMOVE;
}

static gboolean
hold_filter(TestWire *w, const TestPeer *from, const guint8 *data, gsize len, gpointer user_data)
{
	Hold *h = user_data;
	IkeHeader hdr;
	guint i = from == &w->a ? 0 : 1;

	if (h->released || !ike_header_peek(data, len, &hdr, NULL) ||
	    hdr.exchange_type != h->exchange || (hdr.flags & IKE_FLAG_RESPONSE))
		return FALSE;
	if (h->held[i] == NULL)
		h->held[i] = g_bytes_new(data, len);
	if (h->held[0] != NULL && h->held[1] != NULL) {
		h->released = TRUE;
		g_idle_add(release_cb, h);
	}
	return TRUE;
}

/* The nonces of every SA made by CREATE_CHILD_SA, recorded when it came up
 * (serial -> GPtrArray {Ni, Nr}). */
typedef struct {
	Engine *engine;
	GHashTable *nonces;
} NonceLog;

static void
record_nonces(EngineSaEvent ev, EngineSaKind kind, guint serial, gpointer user_data)
{
	NonceLog *nl = user_data;
	GBytes *ni = NULL, *nr = NULL;
	GPtrArray *pair;

	if (ev != ENGINE_SA_EVENT_CHANGED)
		return;
	if (kind == ENGINE_SA_KIND_IKE) {
		IkeSa *sa = g_hash_table_lookup(nl->engine->ike_by_serial, GUINT_TO_POINTER(serial));

		if (sa == NULL || sa->state != IKE_SA_STATE_ESTABLISHED)
			return;
		ni = sa->ni;
		nr = sa->nr;
	} else {
		ChildSa *c = g_hash_table_lookup(nl->engine->child_by_serial, GUINT_TO_POINTER(serial));

		if (c == NULL || c->state != CHILD_SA_STATE_INSTALLED)
			return;
		ni = c->ni;
		nr = c->nr;
	}
	if (ni == NULL || nr == NULL || g_hash_table_contains(nl->nonces, GUINT_TO_POINTER(serial)))
		return;
	pair = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	g_ptr_array_add(pair, g_bytes_ref(ni));
	g_ptr_array_add(pair, g_bytes_ref(nr));
	g_hash_table_insert(nl->nonces, GUINT_TO_POINTER(serial), pair);
}

/* §2.8.1, written out independently of the engine: octet by octet, and a
 * nonce that ends first is the lower one. */
static gint
lower(GBytes *a, GBytes *b)
{
	gsize la, lb;
	const guint8 *da = g_bytes_get_data(a, &la), *db = g_bytes_get_data(b, &lb);

	for (gsize i = 0; i < la && i < lb; i++)
		if (da[i] != db[i])
			return da[i] < db[i] ? -1 : 1;
	return la < lb ? -1 : la > lb;
}

/* The two SAs the crossed rekeys made on @nl's side: the survivor must be
 * the one whose exchange does not hold the lowest of the four nonces. */
static void
assert_survivor(NonceLog *nl, guint survivor, guint skip_serial)
{
	GHashTableIter it;
	gpointer k, v;
	GBytes *lowest = NULL;
	guint lowest_owner = 0, n = 0;

	g_hash_table_iter_init(&it, nl->nonces);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GPtrArray *pair = v;

		if (GPOINTER_TO_UINT(k) == skip_serial)
			continue;
		n++;
		for (guint i = 0; i < 2; i++)
			if (lowest == NULL || lower(g_ptr_array_index(pair, i), lowest) < 0) {
				lowest = g_ptr_array_index(pair, i);
				lowest_owner = GPOINTER_TO_UINT(k);
			}
	}
	g_assert_cmpuint(n, ==, 2);
	g_assert_true(g_hash_table_contains(nl->nonces, GUINT_TO_POINTER(survivor)));
	g_assert_cmpuint(lowest_owner, !=, survivor);
}

static void
nonce_log_init(NonceLog *nl, TestPeer *p)
{
	nl->engine = p->engine;
	nl->nonces = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                   (GDestroyNotify) g_ptr_array_unref);
	engine_add_observer(p->engine, record_nonces, nl);
}

static void
test_ike_collision(void)
{
	TestWire *w = test_wire_new();
	Hold hold = {w, IKE_EXCHANGE_CREATE_CHILD_SA, {NULL, NULL}, FALSE};
	NonceLog la, lb;
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineIkeSaInfo) ia = NULL;
	g_autoptr(EngineIkeSaInfo) ib = NULL;
	g_autoptr(EngineChildSaInfo) ca = NULL;
	guint first_a, first_b, child_a;

	setup_pair(w, NULL, NULL);
	establish(w);
	nonce_log_init(&la, &w->a);
	nonce_log_init(&lb, &w->b);
	ia = only_ike(&w->a);
	ib = only_ike(&w->b);
	ca = only_child(&w->a);
	first_a = ia->serial;
	first_b = ib->serial;
	child_a = ca->serial;
	w->filter = hold_filter;
	w->filter_data = &hold;
	g_assert_true(engine_rekey_ike_sa(w->a.engine, first_a, &error));
	g_assert_true(engine_rekey_ike_sa(w->b.engine, first_b, &error));
	test_run_for(1000);
	g_assert_true(hold.released);
	/* exactly one IKE SA pair survives, with the Child SA on it */
	assert_pair(w);
	g_clear_pointer(&ia, engine_ike_sa_info_free);
	g_clear_pointer(&ib, engine_ike_sa_info_free);
	g_clear_pointer(&ca, engine_child_sa_info_free);
	ia = only_ike(&w->a);
	ib = only_ike(&w->b);
	ca = only_child(&w->a);
	g_assert_cmpuint(ia->serial, !=, first_a);
	g_assert_cmpuint(ca->serial, ==, child_a);
	assert_survivor(&la, ia->serial, first_a);
	assert_survivor(&lb, ib->serial, first_b);
	/* and it works: a Child rekey and a Delete */
	rekey_child_of(w, &w->b);
	g_assert_cmpint(engine_terminate(w->a.engine, "c", &error), ==, 1);
	test_run_for(150);
	assert_all_gone(w);
	g_hash_table_unref(la.nonces);
	g_hash_table_unref(lb.nonces);
	test_wire_free(w);
}

static void
test_child_collision(gconstpointer data)
{
	gboolean pfs = GPOINTER_TO_INT(data);
	TestWire *w = test_wire_new();
	Hold hold = {w, IKE_EXCHANGE_CREATE_CHILD_SA, {NULL, NULL}, FALSE};
	const char *extra = pfs ? ", 'pfs': <true>" : NULL;
	NonceLog la, lb;
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineChildSaInfo) ca = NULL;
	g_autoptr(EngineChildSaInfo) cb = NULL;
	guint first_a, first_b;

	setup_pair(w, extra, extra);
	establish(w);
	nonce_log_init(&la, &w->a);
	nonce_log_init(&lb, &w->b);
	ca = only_child(&w->a);
	cb = only_child(&w->b);
	first_a = ca->serial;
	first_b = cb->serial;
	w->filter = hold_filter;
	w->filter_data = &hold;
	g_assert_true(engine_rekey_child_sa(w->a.engine, first_a, &error));
	g_assert_true(engine_rekey_child_sa(w->b.engine, first_b, &error));
	test_run_for(800);
	g_assert_true(hold.released);
	assert_pair(w);
	g_clear_pointer(&ca, engine_child_sa_info_free);
	g_clear_pointer(&cb, engine_child_sa_info_free);
	ca = only_child(&w->a);
	cb = only_child(&w->b);
	g_assert_cmpuint(ca->serial, !=, first_a);
	g_assert_cmpuint(cb->serial, !=, first_b);
	assert_survivor(&la, ca->serial, 0);
	assert_survivor(&lb, cb->serial, 0);
	/* the IKE SA is untouched and still carries exchanges */
	rekey_child_of(w, &w->a);
	g_hash_table_unref(la.nonces);
	g_hash_table_unref(lb.nonces);
	test_wire_free(w);
}

/* A rekey request of the IKE SA meets a Child SA rekey of ours: the peer
 * gets TEMPORARY_FAILURE (§2.25.2) and tries again a little later. */
static void
test_ike_rekey_temporary_failure(void)
{
	TestWire *w = test_wire_new();
	Hold hold = {w, IKE_EXCHANGE_CREATE_CHILD_SA, {NULL, NULL}, FALSE};
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineIkeSaInfo) ia = NULL;
	g_autoptr(EngineChildSaInfo) cb = NULL;

	setup_pair(w, NULL, NULL);
	establish(w);
	ia = only_ike(&w->a);
	cb = only_child(&w->b);
	w->filter = hold_filter;
	w->filter_data = &hold;
	g_assert_true(engine_rekey_ike_sa(w->a.engine, ia->serial, &error));
	g_assert_true(engine_rekey_child_sa(w->b.engine, cb->serial, &error));
	test_run_for(4500);
	/* both were refused once; both tried again and made it */
	assert_pair(w);
	g_clear_pointer(&cb, engine_child_sa_info_free);
	cb = only_child(&w->b);
	g_assert_cmpuint(cb->serial, !=, 0);
	{
		g_autoptr(EngineIkeSaInfo) now = only_ike(&w->a);

		g_assert_cmpuint(now->serial, !=, ia->serial);
	}
	test_wire_free(w);
}

/* ---- lifetimes -------------------------------------------------------- */

static const KernelSa *
kernel_sa(TestPeer *p, guint32 spi)
{
	GPtrArray *sas = mock_kernel_get_sas(p->kernel);

	for (guint i = 0; i < sas->len; i++)
		if (((const KernelSa *) g_ptr_array_index(sas, i))->spi == spi)
			return g_ptr_array_index(sas, i);
	return NULL;
}

static void
test_ike_lifetime_rekey(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(EngineIkeSaInfo) first = NULL;
	g_autoptr(EngineIkeSaInfo) later = NULL;
	g_autoptr(EngineIkeSaInfo) peer = NULL;

	/* b (the responder) has the shorter lifetime: it rekeys at 3 - 1 s */
	setup_pair(w, NULL,
	           ", 'ike-lifetime': <uint32 3>, 'rekey-margin': <uint32 1>, 'rekey-fuzz': <uint32 0>");
	establish(w);
	first = only_ike(&w->b);
	g_assert_cmpint(first->expire_at, >=, first->established + 3);
	g_assert_cmpint(first->rekey_at, >=, first->established + 2);
	g_assert_cmpint(first->rekey_at, <=, first->established + 3);
	peer = only_ike(&w->a);
	g_assert_cmpint(peer->rekey_at, >, peer->established + 28800 - 2 * 540 - 2);
	test_run_for(1700);
	later = only_ike(&w->b);
	g_assert_cmpuint(later->serial, ==, first->serial);
	g_assert_cmpuint(test_wire_count(w, "CREATE_CHILD_SA"), ==, 0);
	test_run_for(800);
	assert_pair(w);
	g_clear_pointer(&later, engine_ike_sa_info_free);
	later = only_ike(&w->b);
	g_assert_cmpuint(later->serial, !=, first->serial);
	g_assert_true(later->initiator);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA request 0"), ==, 1);
	/* the new SA has its own plan */
	g_assert_cmpint(later->rekey_at, >, 0);
	test_wire_free(w);
}

static void
test_child_lifetime_rekey(void)
{
	TestWire *w = test_wire_new();
	g_autoptr(EngineChildSaInfo) first = NULL;
	g_autoptr(EngineChildSaInfo) later = NULL;
	const KernelSa *ksa;

	/* the responder's Child SA lifetime is the shorter one: it rekeys at
	 * 2 - 1 s; its kernel SAs carry the same limits */
	setup_pair(w, NULL,
	           ", 'ipsec-lifetime': <uint32 2>, 'rekey-margin': <uint32 1>, 'rekey-fuzz': <uint32 0>");
	establish(w);
	first = only_child(&w->b);
	ksa = kernel_sa(&w->b, first->spi_in);
	g_assert_nonnull(ksa);
	g_assert_cmpuint(ksa->soft.add_seconds, ==, 1);
	g_assert_cmpuint(ksa->hard.add_seconds, ==, 2);
	{
		g_autoptr(EngineChildSaInfo) ca = only_child(&w->a);

		ksa = kernel_sa(&w->a, ca->spi_in);
	}
	g_assert_cmpuint(ksa->hard.add_seconds, ==, 28800);
	g_assert_cmpuint(ksa->soft.add_seconds, <=, 28800 - 540);
	g_assert_cmpuint(ksa->soft.add_seconds, >=, 28800 - 2 * 540);
	test_run_for(800);
	later = only_child(&w->b);
	g_assert_cmpuint(later->serial, ==, first->serial);
	test_run_for(600);
	assert_pair(w);
	g_clear_pointer(&later, engine_child_sa_info_free);
	later = only_child(&w->b);
	g_assert_cmpuint(later->serial, !=, first->serial);
	g_assert_cmpuint(test_wire_count(w, "b->a CREATE_CHILD_SA request 0"), ==, 1);
	test_wire_free(w);
}

static void
test_dontrekey_expiry(void)
{
	TestWire *w = test_wire_new();

	/* rekey=false: nothing is rekeyed; the Child SA goes at 1 s, the IKE
	 * SA at 2 s, each with a Delete to the peer */
	setup_pair(w,
	           ", 'rekey': <false>, 'ipsec-lifetime': <uint32 1>, 'ike-lifetime': <uint32 2>, "
	           "'rekey-margin': <uint32 0>",
	           NULL);
	establish(w);
	{
		g_autoptr(EngineIkeSaInfo) ia = only_ike(&w->a);

		g_assert_cmpint(ia->rekey_at, ==, 0);
	}
	test_run_for(1400);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_count_ike(&w->b, "ESTABLISHED"), ==, 1);
	g_assert_cmpuint(test_wire_count(w, "a->b INFORMATIONAL request 2"), ==, 1);
	test_run_for(1000);
	assert_all_gone(w);
	g_assert_cmpuint(test_wire_count(w, "CREATE_CHILD_SA"), ==, 0);
	test_wire_free(w);
}

static void
test_kernel_hard_expire(void)
{
	TestWire *w = test_wire_new();
	KernelEvent ev = {.type = KERNEL_EVENT_EXPIRE, .hard = TRUE};

	setup_pair(w, NULL, NULL);
	establish(w);
	{
		g_autoptr(EngineChildSaInfo) cb = only_child(&w->b);

		ev.sa.spi = cb->spi_in;
	}
	mock_kernel_raise(w->b.kernel, &ev);
	test_run_for(150);
	g_assert_cmpuint(test_count_child(&w->a, NULL), ==, 0);
	g_assert_cmpuint(test_count_child(&w->b, NULL), ==, 0);
	g_assert_cmpuint(test_count_ike(&w->a, "ESTABLISHED"), ==, 1);
	test_wire_free(w);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/rekey/ike-initiator", test_ike_rekey_initiator);
	g_test_add_func("/engine/rekey/ike-responder", test_ike_rekey_responder);
	g_test_add_func("/engine/rekey/ike-invalid-ke", test_ike_rekey_invalid_ke);
	g_test_add_func("/engine/rekey/ike-collision", test_ike_collision);
	g_test_add_data_func("/engine/rekey/child-collision", GINT_TO_POINTER(FALSE),
	                     test_child_collision);
	g_test_add_data_func("/engine/rekey/child-collision-pfs", GINT_TO_POINTER(TRUE),
	                     test_child_collision);
	g_test_add_func("/engine/rekey/ike-temporary-failure", test_ike_rekey_temporary_failure);
	g_test_add_func("/engine/rekey/ike-lifetime", test_ike_lifetime_rekey);
	g_test_add_func("/engine/rekey/child-lifetime", test_child_lifetime_rekey);
	g_test_add_func("/engine/rekey/dontrekey-expiry", test_dontrekey_expiry);
	g_test_add_func("/engine/rekey/kernel-hard-expire", test_kernel_hard_expire);
	return g_test_run();
}
