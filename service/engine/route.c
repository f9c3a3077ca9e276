/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routing (whack --route/--unroute), on-demand initiation from kernel
 * ACQUIREs (--initiateontraffic, auto=route), shunts (--pass/--drop/
 * --reject, failure shunts, never-negotiate connections) and the moments
 * the updown command runs (updown.c).
 *
 * The policies, by priority (lower wins, as xfrm):
 *   800   a never-negotiate connection's pass/drop/reject (out, in, fwd)
 *   900   bare shunts of one flow (address pair): the prospective shunt
 *         while an ACQUIRE is negotiated, then the failure shunt
 *  1000   a Child SA's IPsec policies (child-sa.c)
 *  1100   traps: IPsec policies whose SA does not exist yet; a packet that
 *         hits one makes the kernel raise ACQUIRE
 * A trap and the Child SA's outbound policy for the same selectors are the
 * same kernel policy: installing the Child SA's replaces the trap (xfrm
 * UPDPOLICY; the userspace backend keeps the entry, which already points at
 * the connection's reqid), and when the Child SA goes the trap is put back
 * if the connection is still routed.
 *
 * Negotiations are followed through the engine's own SA observer: an IKE
 * SA started by an ACQUIRE that dies before it is established, or that is
 * established without its Child SA, is a failed negotiation and gets the
 * failure shunt.
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-private.h"
#include "updown.h"

#define ROUTE_CONN_SHUNT_PRIORITY 800
#define ROUTE_FLOW_SHUNT_PRIORITY 900
#define ROUTE_TRAP_PRIORITY 1100
/* A failure shunt gives way to the trap again after this long, so that
 * traffic can try once more (pluto's bare shunts expire too). */
#define ROUTE_FAILURE_SHUNT_SECONDS 60

typedef enum {
	SHUNT_NEGOTIATION,
	SHUNT_FAILURE,
} ShuntKind;

typedef struct {
	Engine *engine;
	EngineConn *conn; /* ref */
	ShuntKind kind;
	KernelPolicy policy;
	gint64 expires;
	guint timer;
} FlowShunt;

typedef struct {
	Engine *engine;
	EngineConn *conn; /* ref */
	gboolean routed;        /* Route asked and its policies are in */
	gboolean updown_routed; /* updown prepare+route ran, unroute has not */
	GArray *policies;       /* KernelPolicy: our traps or never-negotiate shunts */
	GHashTable *setup;      /* serials of this connection's IKE SAs being set up */
	guint acquire_serial;   /* the IKE SA an ACQUIRE started, 0 = none */
	gboolean acq_ts;        /* its first Child SA still has to offer the packet */
	KernelTs flow_src;      /* the ACQUIRE's packet's addresses (for shunts) */
	KernelTs flow_dst;
	KernelTs pkt_src;       /* the same with its protocol (for the offer) */
	KernelTs pkt_dst;
	gboolean flow_valid;
	guint child_check;
	EngineRouting last;
} RouteConn;

typedef struct {
	guint id;
	EngineRoutingFunc func;
	gpointer user_data;
} RoutingObserver;

struct EngineRoute {
	GHashTable *conns; /* EngineConn * -> RouteConn * */
	GPtrArray *shunts; /* FlowShunt * */
	UpdownRunner *updown;
	GArray *observers;
	guint next_observer;
	guint sa_observer;
};

const char *
engine_routing_name(EngineRouting routing)
{
	switch (routing) {
	case ENGINE_ROUTING_UNROUTED:
		return "unrouted";
	case ENGINE_ROUTING_ON_DEMAND:
		return "on-demand";
	case ENGINE_ROUTING_NEGOTIATING:
		return "negotiating";
	case ENGINE_ROUTING_TUNNEL:
		return "tunnel";
	case ENGINE_ROUTING_FAILURE_SHUNT:
		return "failure-shunt";
	case ENGINE_ROUTING_SHUNT:
		return "shunt";
	}
	return "?";
}

/* ---- helpers ---------------------------------------------------------- */

/* --pass/--drop/--reject without --encrypt/--authenticate: a connection
 * that only ever installs its shunt (ipsec.conf type=passthrough/drop/reject). */
static gboolean
never_negotiate(const IkebusConnection *cfg)
{
	return !cfg->encrypt && !cfg->authenticate &&
	       (cfg->prospective_shunt == IKEBUS_SHUNT_PASS ||
	        cfg->prospective_shunt == IKEBUS_SHUNT_DROP ||
	        cfg->prospective_shunt == IKEBUS_SHUNT_REJECT);
}

static gboolean
shunt_action(IkebusShunt s, KernelPolicyAction *out)
{
	switch (s) {
	case IKEBUS_SHUNT_PASS:
		*out = KERNEL_POLICY_PASS;
		return TRUE;
	case IKEBUS_SHUNT_DROP:
		*out = KERNEL_POLICY_DROP;
		return TRUE;
	case IKEBUS_SHUNT_REJECT:
		*out = KERNEL_POLICY_REJECT;
		return TRUE;
	case IKEBUS_SHUNT_UNSET:
	case IKEBUS_SHUNT_NONE:
		break;
	}
	return FALSE;
}

static const char *
action_name(KernelPolicyAction a)
{
	switch (a) {
	case KERNEL_POLICY_PASS:
		return "pass";
	case KERNEL_POLICY_DROP:
		return "drop";
	case KERNEL_POLICY_REJECT:
		return "reject";
	case KERNEL_POLICY_IPSEC:
		return "trap";
	}
	return "?";
}

static gboolean
ts_same(const KernelTs *a, const KernelTs *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static gboolean
ts_in(const GArray *arr, const KernelTs *ts)
{
	for (guint i = 0; arr != NULL && i < arr->len; i++)
		if (ts_same(&g_array_index(arr, KernelTs, i), ts))
			return TRUE;
	return FALSE;
}

static gboolean
ts_arrays_equal(const GArray *a, const GArray *b)
{
	return a != NULL && b != NULL && a->len == b->len &&
	       memcmp(a->data, b->data, a->len * sizeof(KernelTs)) == 0;
}

/* An installed Child SA of @conn other than @except; with @same_ts, only
 * one with @except's selectors (a rekeyed predecessor or successor). */
static ChildSa *
installed_child(Engine *engine, EngineConn *conn, ChildSa *except, gboolean same_ts)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->child_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		ChildSa *c = v;

		if (c == except || c->conn != conn ||
		    (c->state != CHILD_SA_STATE_INSTALLED && c->state != CHILD_SA_STATE_DELETING))
			continue;
		if (same_ts && (!ts_arrays_equal(c->ts_local, except->ts_local) ||
		                !ts_arrays_equal(c->ts_remote, except->ts_remote)))
			continue;
		return c;
	}
	return NULL;
}

static void
rc_free(RouteConn *rc)
{
	engine_timer_remove(rc->engine, &rc->child_check);
	g_array_unref(rc->policies);
	g_hash_table_unref(rc->setup);
	engine_conn_unref(rc->conn);
	g_free(rc);
}

static RouteConn *
rc_get(Engine *engine, EngineConn *conn, gboolean create)
{
	RouteConn *rc = g_hash_table_lookup(engine->route->conns, conn);

	if (rc != NULL || !create)
		return rc;
	rc = g_new0(RouteConn, 1);
	rc->engine = engine;
	rc->conn = engine_conn_ref(conn);
	rc->policies = g_array_new(FALSE, TRUE, sizeof(KernelPolicy));
	rc->setup = g_hash_table_new(g_direct_hash, g_direct_equal);
	rc->last = ENGINE_ROUTING_UNROUTED;
	g_hash_table_insert(engine->route->conns, conn, rc);
	return rc;
}

static gboolean
has_flow_shunt(Engine *engine, EngineConn *conn, ShuntKind kind)
{
	for (guint i = 0; i < engine->route->shunts->len; i++) {
		FlowShunt *s = g_ptr_array_index(engine->route->shunts, i);

		if (s->conn == conn && s->kind == kind)
			return TRUE;
	}
	return FALSE;
}

static EngineRouting
routing_of(Engine *engine, EngineConn *conn)
{
	RouteConn *rc = rc_get(engine, conn, FALSE);

	if (never_negotiate(conn->cfg))
		return rc != NULL && rc->routed ? ENGINE_ROUTING_SHUNT : ENGINE_ROUTING_UNROUTED;
	if (installed_child(engine, conn, NULL, FALSE) != NULL)
		return ENGINE_ROUTING_TUNNEL;
	if (has_flow_shunt(engine, conn, SHUNT_FAILURE))
		return ENGINE_ROUTING_FAILURE_SHUNT;
	if (rc == NULL || !rc->routed)
		return ENGINE_ROUTING_UNROUTED;
	if (g_hash_table_size(rc->setup) > 0)
		return ENGINE_ROUTING_NEGOTIATING;
	return ENGINE_ROUTING_ON_DEMAND;
}

/* Tells the observers when the connection's routing changed. */
static void
route_update(Engine *engine, EngineConn *conn)
{
	RouteConn *rc = rc_get(engine, conn, TRUE);
	EngineRouting now = routing_of(engine, conn);
	GArray *obs = engine->route->observers;

	if (now == rc->last || engine->shutting_down)
		return;
	g_debug("\"%s\": routing %s -> %s", conn->cfg->name, engine_routing_name(rc->last),
	        engine_routing_name(now));
	rc->last = now;
	for (guint i = 0; i < obs->len; i++) {
		RoutingObserver *o = &g_array_index(obs, RoutingObserver, i);

		o->func(conn->cfg->name, now, o->user_data);
	}
}

/* The connection's own selectors, oriented, and the two hosts. */
static gboolean
conn_selectors(Engine *engine, EngineConn *conn, gboolean *left, KernelAddr *me,
               KernelAddr *peer, GArray **tl, GArray **tr, GError **error)
{
	const IkebusEnd *le, *re;

	if (!engine_conn_orient(engine, conn, left)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "\"%s\": cannot route: no local address matches either end "
		            "(not oriented)", conn->cfg->name);
		return FALSE;
	}
	le = engine_conn_local_end(conn, *left);
	re = engine_conn_remote_end(conn, *left);
	if (!kernel_addr_parse(le->host, me)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "\"%s\": cannot route: our host is not an address", conn->cfg->name);
		return FALSE;
	}
	if (!kernel_addr_parse(re->host, peer)) {
		if (!never_negotiate(conn->cfg)) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
			            "\"%s\": cannot route: the peer's address is not known (%s)",
			            conn->cfg->name, re->host != NULL ? re->host : "none");
			return FALSE;
		}
		*peer = (KernelAddr){.family = me->family};
	}
	*tl = ts_from_end(le, me, error);
	if (*tl == NULL)
		return FALSE;
	*tr = ts_from_end(re, peer, error);
	if (*tr == NULL) {
		g_clear_pointer(tl, g_array_unref);
		return FALSE;
	}
	return TRUE;
}

/* Fills rc->policies: traps (out) or, for never-negotiate, the shunt in
 * every direction. */
static gboolean
build_policies(Engine *engine, RouteConn *rc, GError **error)
{
	const IkebusConnection *cfg = rc->conn->cfg;
	g_autoptr(GArray) tl = NULL;
	g_autoptr(GArray) tr = NULL;
	gboolean left = TRUE;
	KernelAddr me, peer;
	KernelPolicyAction shunt = KERNEL_POLICY_DROP;
	gboolean nn = never_negotiate(cfg);
	gboolean fwd = g_strcmp0(kernel_backend_get_name(engine->kernel), "xfrm") == 0;

	if (!conn_selectors(engine, rc->conn, &left, &me, &peer, &tl, &tr, error))
		return FALSE;
	if (nn)
		shunt_action(cfg->prospective_shunt, &shunt);
	g_array_set_size(rc->policies, 0);
	for (guint i = 0; i < tl->len; i++)
		for (guint j = 0; j < tr->len; j++) {
			const KernelTs *l = &g_array_index(tl, KernelTs, i);
			const KernelTs *r = &g_array_index(tr, KernelTs, j);
			const KernelDir dirs[3] = {KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD};

			if (l->from.family != r->from.family)
				continue;
			for (guint d = 0; d < (nn ? (fwd ? 3u : 2u) : 1u); d++) {
				KernelPolicy p = {0};

				p.src = dirs[d] == KERNEL_DIR_OUT ? *l : *r;
				p.dst = dirs[d] == KERNEL_DIR_OUT ? *r : *l;
				p.dir = dirs[d];
				if (nn) {
					p.action = shunt;
					p.priority = ROUTE_CONN_SHUNT_PRIORITY;
				} else {
					p.action = KERNEL_POLICY_IPSEC;
					p.trap = TRUE;
					p.priority = ROUTE_TRAP_PRIORITY;
					p.reqid = rc->conn->reqid;
					p.proto = KERNEL_PROTO_ESP;
					p.mode = engine_conn_mode(cfg);
					p.tmpl_src = me;
					p.tmpl_dst = peer;
				}
				g_array_append_val(rc->policies, p);
			}
		}
	if (rc->policies->len == 0) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "\"%s\": cannot route: the two ends' selectors are of different "
		            "address families", cfg->name);
		return FALSE;
	}
	return TRUE;
}

/* A trap whose selectors an installed Child SA's own policy covers now. */
static gboolean
covered_by_child(Engine *engine, EngineConn *conn, const KernelPolicy *p)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->child_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		ChildSa *c = v;

		if (c->conn == conn && c->policies_installed && ts_in(c->ts_local, &p->src) &&
		    ts_in(c->ts_remote, &p->dst))
			return TRUE;
	}
	return FALSE;
}

static gboolean
install_policies(Engine *engine, RouteConn *rc, GError **error)
{
	for (guint i = 0; i < rc->policies->len; i++) {
		const KernelPolicy *p = &g_array_index(rc->policies, KernelPolicy, i);
		g_autoptr(GError) e = NULL;

		if (p->trap && covered_by_child(engine, rc->conn, p))
			continue;
		if (!kernel_backend_add_policy(engine->kernel, p, &e) &&
		    !g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_EXISTS)) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
			            "\"%s\": cannot install the %s policy: %s", rc->conn->cfg->name,
			            action_name(p->action), e->message);
			for (guint k = 0; k < i; k++)
				kernel_backend_del_policy(engine->kernel,
				                          &g_array_index(rc->policies, KernelPolicy, k), NULL);
			return FALSE;
		}
	}
	return TRUE;
}

static void
remove_policies(Engine *engine, RouteConn *rc)
{
	for (guint i = 0; i < rc->policies->len; i++) {
		const KernelPolicy *p = &g_array_index(rc->policies, KernelPolicy, i);
		g_autoptr(GError) e = NULL;

		if (!kernel_backend_del_policy(engine->kernel, p, &e) &&
		    !g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND))
			g_debug("\"%s\": removing the %s policy: %s", rc->conn->cfg->name,
			        action_name(p->action), e->message);
	}
}

/* ---- bare shunts of one flow ------------------------------------------ */

static void
flow_shunt_free(FlowShunt *s)
{
	engine_timer_remove(s->engine, &s->timer);
	engine_conn_unref(s->conn);
	g_free(s);
}

static void
flow_shunt_remove_at(Engine *engine, guint i, gboolean kernel)
{
	FlowShunt *s = g_ptr_array_steal_index(engine->route->shunts, i);
	g_autoptr(GError) e = NULL;

	if (kernel && !kernel_backend_del_policy(engine->kernel, &s->policy, &e) &&
	    !g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND))
		g_debug("\"%s\": removing a shunt: %s", s->conn->cfg->name, e->message);
	flow_shunt_free(s);
}

/* Removes @conn's flow shunts (all, or those of @kind only). */
static void
flow_shunts_remove(Engine *engine, EngineConn *conn, gboolean all, ShuntKind kind)
{
	GPtrArray *a = engine->route->shunts;

	for (guint i = a->len; i > 0; i--) {
		FlowShunt *s = g_ptr_array_index(a, i - 1);

		if (s->conn == conn && (all || s->kind == kind))
			flow_shunt_remove_at(engine, i - 1, TRUE);
	}
}

static gboolean
failure_shunt_expired(gpointer data)
{
	FlowShunt *s = data;
	Engine *engine = s->engine;
	EngineConn *conn = engine_conn_ref(s->conn);
	guint i;

	s->timer = 0;
	if (g_ptr_array_find(engine->route->shunts, s, &i)) {
		g_debug("\"%s\": failure shunt expired; the trap is back", conn->cfg->name);
		flow_shunt_remove_at(engine, i, TRUE);
	}
	route_update(engine, conn);
	engine_conn_unref(conn);
	return G_SOURCE_REMOVE;
}

static void
flow_shunt_add(Engine *engine, EngineConn *conn, ShuntKind kind, KernelPolicyAction action,
               const KernelTs *src, const KernelTs *dst)
{
	GPtrArray *a = engine->route->shunts;
	FlowShunt *s = g_new0(FlowShunt, 1);
	g_autoptr(GError) e = NULL;
	g_autofree char *st = kernel_ts_to_string(src);
	g_autofree char *dt = kernel_ts_to_string(dst);

	s->engine = engine;
	s->conn = engine_conn_ref(conn);
	s->kind = kind;
	s->policy.src = *src;
	s->policy.dst = *dst;
	s->policy.dir = KERNEL_DIR_OUT;
	s->policy.action = action;
	s->policy.priority = ROUTE_FLOW_SHUNT_PRIORITY;
	/* the same flow's earlier shunt is replaced in place (no gap) */
	for (guint i = a->len; i > 0; i--) {
		FlowShunt *o = g_ptr_array_index(a, i - 1);

		if (ts_same(&o->policy.src, src) && ts_same(&o->policy.dst, dst))
			flow_shunt_remove_at(engine, i - 1, FALSE);
	}
	if (!kernel_backend_add_policy(engine->kernel, &s->policy, &e)) {
		if (g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_EXISTS)) {
			g_clear_error(&e);
			kernel_backend_del_policy(engine->kernel, &s->policy, NULL);
			kernel_backend_add_policy(engine->kernel, &s->policy, &e);
		}
		if (e != NULL) {
			g_message("\"%s\": cannot install the %s shunt %s -> %s: %s", conn->cfg->name,
			          action_name(action), st, dt, e->message);
			flow_shunt_free(s);
			return;
		}
	}
	if (kind == SHUNT_FAILURE) {
		s->expires = g_get_real_time() / G_USEC_PER_SEC + ROUTE_FAILURE_SHUNT_SECONDS;
		s->timer = engine_timer_add(engine, ROUTE_FAILURE_SHUNT_SECONDS * 1000,
		                            failure_shunt_expired, s);
	}
	g_info("\"%s\": %s shunt %s for %s -> %s", conn->cfg->name,
	       kind == SHUNT_FAILURE ? "failure" : "negotiation", action_name(action), st, dt);
	g_ptr_array_add(a, s);
}

/* ---- negotiations ----------------------------------------------------- */

static void
negotiation_failed(Engine *engine, RouteConn *rc)
{
	KernelPolicyAction a;

	rc->acquire_serial = 0;
	rc->acq_ts = FALSE;
	flow_shunts_remove(engine, rc->conn, FALSE, SHUNT_NEGOTIATION);
	if (rc->flow_valid && shunt_action(rc->conn->cfg->failure_shunt, &a))
		flow_shunt_add(engine, rc->conn, SHUNT_FAILURE, a, &rc->flow_src, &rc->flow_dst);
	else
		g_info("\"%s\": on-demand negotiation failed; traffic hits the trap again",
		       rc->conn->cfg->name);
	rc->flow_valid = FALSE;
}

/* After the IKE_AUTH exchange that established an ACQUIRE's IKE SA: no
 * Child SA means the negotiation failed all the same. */
static gboolean
child_check_cb(gpointer data)
{
	RouteConn *rc = data;
	Engine *engine = rc->engine;

	GHashTableIter it;
	gpointer k;

	rc->child_check = 0;
	/* established IKE SAs stay "negotiating" until their Child SA had its
	 * chance, so that the routing does not flicker through on-demand */
	g_hash_table_iter_init(&it, rc->setup);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		IkeSa *sa = g_hash_table_lookup(engine->ike_by_serial, k);

		if (sa == NULL || sa->state == IKE_SA_STATE_ESTABLISHED ||
		    sa->state == IKE_SA_STATE_DELETING)
			g_hash_table_iter_remove(&it);
	}
	if (rc->acquire_serial != 0 && installed_child(engine, rc->conn, NULL, FALSE) == NULL &&
	    !g_hash_table_contains(rc->setup, GUINT_TO_POINTER(rc->acquire_serial)) &&
	    !rc->conn->deleted && !engine->shutting_down)
		negotiation_failed(engine, rc);
	if (!g_hash_table_contains(rc->setup, GUINT_TO_POINTER(rc->acquire_serial)))
		rc->acquire_serial = 0;
	route_update(engine, rc->conn);
	return G_SOURCE_REMOVE;
}

static void
route_sa_event(EngineSaEvent ev, EngineSaKind kind, guint serial, gpointer user_data)
{
	Engine *engine = user_data;
	IkeSa *sa;
	RouteConn *rc;
	GHashTableIter it;
	gpointer v;
	g_autoptr(GPtrArray) changed = NULL;

	if (kind != ENGINE_SA_KIND_IKE)
		return;
	switch (ev) {
	case ENGINE_SA_EVENT_ADDED:
	case ENGINE_SA_EVENT_CHANGED:
		sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial));
		if (sa == NULL || sa->conn == NULL ||
		    (rc = rc_get(engine, sa->conn, FALSE)) == NULL)
			return;
		if (sa->state == IKE_SA_STATE_NEW || sa->state == IKE_SA_STATE_INIT_I ||
		    sa->state == IKE_SA_STATE_INIT_R || sa->state == IKE_SA_STATE_AUTH_I) {
			g_hash_table_add(rc->setup, GUINT_TO_POINTER(serial));
		} else if (g_hash_table_contains(rc->setup, GUINT_TO_POINTER(serial)) &&
		           rc->child_check == 0) {
			/* the Child SA of IKE_AUTH is installed right after this */
			rc->child_check = engine_timer_add(engine, 0, child_check_cb, rc);
		}
		route_update(engine, sa->conn);
		return;
	case ENGINE_SA_EVENT_REMOVED:
		changed = g_ptr_array_new();
		g_hash_table_iter_init(&it, engine->route->conns);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			rc = v;
			if (!g_hash_table_remove(rc->setup, GUINT_TO_POINTER(serial)))
				continue;
			if (serial == rc->acquire_serial && !rc->conn->deleted &&
			    !engine->shutting_down)
				negotiation_failed(engine, rc);
			g_ptr_array_add(changed, rc->conn);
		}
		for (guint i = 0; i < changed->len; i++)
			route_update(engine, g_ptr_array_index(changed, i));
		return;
	}
}

void
route_acquire(Engine *engine, const KernelEvent *ev)
{
	GHashTableIter it;
	gpointer v;
	RouteConn *rc = NULL;
	gboolean left = TRUE;
	const IkebusEnd *re;
	NetEndpoint remote;
	KernelPolicyAction a;
	KernelTs src, dst;
	g_autofree char *st = NULL;
	g_autofree char *dt = NULL;
	IkeSa *sa;

	g_hash_table_iter_init(&it, engine->route->conns);
	while (rc == NULL && g_hash_table_iter_next(&it, NULL, &v)) {
		RouteConn *c = v;

		if (!c->routed || never_negotiate(c->conn->cfg))
			continue;
		if (ev->reqid != 0 && ev->reqid == c->conn->reqid)
			rc = c;
		for (guint i = 0; rc == NULL && ev->reqid == 0 && i < c->policies->len; i++) {
			const KernelPolicy *p = &g_array_index(c->policies, KernelPolicy, i);

			if (ts_same(&p->src, &ev->policy_src) && ts_same(&p->dst, &ev->policy_dst))
				rc = c;
		}
	}
	/* the packet, as a flow of two addresses (and its protocol) */
	kernel_ts_from_prefix(&src, &ev->pkt_src.from, (guint) kernel_addr_len(&ev->pkt_src.from) * 8,
	                      ev->pkt_src.proto);
	kernel_ts_from_prefix(&dst, &ev->pkt_dst.from, (guint) kernel_addr_len(&ev->pkt_dst.from) * 8,
	                      ev->pkt_dst.proto);
	st = kernel_ts_to_string(&src);
	dt = kernel_ts_to_string(&dst);
	if (rc == NULL) {
		g_debug("ACQUIRE reqid %u for %s -> %s: no routed connection", ev->reqid, st, dt);
		return;
	}
	if (installed_child(engine, rc->conn, NULL, FALSE) != NULL ||
	    g_hash_table_size(rc->setup) > 0 || rc->acquire_serial != 0) {
		g_debug("\"%s\": ACQUIRE for %s -> %s while already negotiating or up; ignored",
		        rc->conn->cfg->name, st, dt);
		return;
	}
	if (!engine_conn_orient(engine, rc->conn, &left))
		return;
	re = engine_conn_remote_end(rc->conn, left);
	if (!net_endpoint_parse(re->host, (guint16) re->ike_port, &remote))
		return;
	g_info("\"%s\": initiating on demand: traffic %s -> %s hit the trap", rc->conn->cfg->name,
	       st, dt);
	rc->pkt_src = src;
	rc->pkt_dst = dst;
	rc->flow_src = src;
	rc->flow_dst = dst;
	rc->flow_src.proto = rc->flow_dst.proto = 0;
	rc->flow_valid = TRUE;
	/* the prospective shunt decides what the flow does meanwhile; without
	 * one the trap keeps holding it */
	if (shunt_action(rc->conn->cfg->prospective_shunt, &a))
		flow_shunt_add(engine, rc->conn, SHUNT_NEGOTIATION, a, &rc->flow_src, &rc->flow_dst);
	rc->acq_ts = TRUE;
	rc->conn->attempts = 0;
	/* an IKE SA the connection can use is up (its Child SA was deleted, or
	 * another connection's to the peer): only the Child SA (§1.3.1) */
	sa = ike_share_find(engine, rc->conn, &remote);
	if (sa != NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "adding a Child SA for \"%s\" on demand", rc->conn->cfg->name);
		/* set first: the task offers the packet's selectors as it starts */
		rc->acquire_serial = sa->serial;
		ike_sa_queue_task(sa, task_child_create_new(rc->conn, NULL, TRUE));
		route_update(engine, rc->conn);
		return;
	}
	sa = engine_start_ike_sa(engine, rc->conn, left, &remote, NULL);
	if (sa == NULL || sa->state == IKE_SA_STATE_DEAD) {
		negotiation_failed(engine, rc);
	} else {
		rc->acquire_serial = sa->serial;
		g_hash_table_add(rc->setup, GUINT_TO_POINTER(sa->serial));
	}
	route_update(engine, rc->conn);
}

void
route_child_setup(ChildSa *child)
{
	IkeSa *ike = child->ike;
	RouteConn *rc = rc_get(child->engine, child->conn, FALSE);
	KernelTs l, r;
	g_autoptr(GArray) one_l = g_array_new(FALSE, TRUE, sizeof(KernelTs));
	g_autoptr(GArray) one_r = g_array_new(FALSE, TRUE, sizeof(KernelTs));

	/* the initiator of the exchange: IKE_AUTH's, or a CREATE_CHILD_SA's on an
	 * IKE SA either end may have made */
	if (rc == NULL || ike == NULL || !child->initiator || !rc->acq_ts || !rc->flow_valid ||
	    child->ts_local == NULL || child->ts_remote == NULL)
		return;
	/* only the first Child SA of the IKE SA the ACQUIRE started (or asked
	 * for one); the SA may not know its serial yet when IKE_AUTH is built */
	if (rc->acquire_serial != 0 && rc->acquire_serial != ike->serial)
		return;
	rc->acq_ts = FALSE;
	/* the offer's first selectors are the packet's (§2.9) */
	l = rc->pkt_src;
	r = rc->pkt_dst;
	g_array_append_val(one_l, l);
	g_array_append_val(one_r, r);
	if (!ts_subset(one_l, child->ts_local) || !ts_subset(one_r, child->ts_remote))
		return;
	g_array_prepend_val(child->ts_local, l);
	g_array_prepend_val(child->ts_remote, r);
}

void
route_acquire_failed(Engine *engine, EngineConn *conn, guint ike_serial)
{
	RouteConn *rc = rc_get(engine, conn, FALSE);

	if (rc == NULL || rc->acquire_serial != ike_serial || conn->deleted ||
	    engine->shutting_down)
		return;
	negotiation_failed(engine, rc);
	route_update(engine, conn);
}

/* ---- Child SAs up and down -------------------------------------------- */

void
route_child_up(ChildSa *child)
{
	Engine *engine = child->engine;
	EngineConn *conn = child->conn;
	RouteConn *rc;

	if (child->ike == NULL)
		return;
	rc = rc_get(engine, conn, TRUE);
	if (rc->acquire_serial != 0 && child->ike->serial == rc->acquire_serial)
		rc->acquire_serial = 0;
	rc->acq_ts = FALSE;
	rc->flow_valid = FALSE;
	/* the tunnel carries the flow now */
	flow_shunts_remove(engine, conn, TRUE, SHUNT_NEGOTIATION);
	if (installed_child(engine, conn, child, TRUE) == NULL && !never_negotiate(conn->cfg)) {
		if (!rc->updown_routed) {
			updown_child(engine->route->updown, child, UPDOWN_PREPARE);
			updown_child(engine->route->updown, child, UPDOWN_ROUTE);
			rc->updown_routed = TRUE;
		}
		updown_child(engine->route->updown, child, UPDOWN_UP);
	}
	route_update(engine, conn);
}

/* Before the kernel state goes: the down verb (with the SA's counters). */
void
route_child_down(ChildSa *child)
{
	Engine *engine = child->engine;

	if (engine->leave_state || child->ike == NULL ||
	    (child->state != CHILD_SA_STATE_INSTALLED && child->state != CHILD_SA_STATE_DELETING))
		return;
	if (installed_child(engine, child->conn, child, TRUE) != NULL)
		return; /* a rekeyed twin keeps the tunnel */
	updown_child(engine->route->updown, child, UPDOWN_DOWN);
}

/* After the kernel state went and the SA left the tables (still linked to
 * its IKE SA): trap back (routed), else updown unroute. */
void
route_child_removed(ChildSa *child)
{
	Engine *engine = child->engine;
	EngineConn *conn = child->conn;
	RouteConn *rc = rc_get(engine, conn, FALSE);
	g_autoptr(GError) error = NULL;

	if (engine->leave_state || rc == NULL ||
	    (child->state != CHILD_SA_STATE_INSTALLED && child->state != CHILD_SA_STATE_DELETING))
		return;
	if (installed_child(engine, conn, child, TRUE) != NULL)
		return;
	if (rc->routed && !conn->deleted && !engine->shutting_down) {
		if (!install_policies(engine, rc, &error))
			g_message("%s", error->message);
		else
			g_debug("\"%s\": Child SA #%u gone; trap policies restored", conn->cfg->name,
			        child->serial);
	} else if (!rc->routed && rc->updown_routed &&
	           installed_child(engine, conn, child, FALSE) == NULL) {
		updown_child(engine->route->updown, child, UPDOWN_UNROUTE);
		rc->updown_routed = FALSE;
	}
	route_update(engine, conn);
}

/* ---- the API ---------------------------------------------------------- */

gboolean
engine_route(Engine *engine, const char *name, GError **error)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);
	RouteConn *rc;
	gboolean nn;

	if (c == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	if (!engine->caps.policies) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_SUPPORTED,
		            "\"%s\": cannot route: the kernel backend has no policies", name);
		return FALSE;
	}
	rc = rc_get(engine, c, TRUE);
	if (rc->routed)
		return TRUE;
	nn = never_negotiate(c->cfg);
	if (!build_policies(engine, rc, error) || !install_policies(engine, rc, error))
		return FALSE;
	rc->routed = TRUE;
	if (!nn && !rc->updown_routed) {
		updown_conn(engine, engine->route->updown, c, UPDOWN_PREPARE);
		updown_conn(engine, engine->route->updown, c, UPDOWN_ROUTE);
		rc->updown_routed = TRUE;
	}
	g_info("\"%s\": routed: %u %s %s installed", name, rc->policies->len,
	       nn ? action_name(g_array_index(rc->policies, KernelPolicy, 0).action) : "trap",
	       rc->policies->len == 1 ? "policy" : "policies");
	route_update(engine, c);
	return TRUE;
}

static void
unroute(Engine *engine, RouteConn *rc)
{
	flow_shunts_remove(engine, rc->conn, TRUE, SHUNT_NEGOTIATION);
	if (rc->routed)
		remove_policies(engine, rc);
	rc->routed = FALSE;
	if (rc->updown_routed && !never_negotiate(rc->conn->cfg))
		updown_conn(engine, engine->route->updown, rc->conn, UPDOWN_UNROUTE);
	rc->updown_routed = FALSE;
}

gboolean
engine_unroute(Engine *engine, const char *name, GError **error)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);
	RouteConn *rc;

	if (c == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	if (installed_child(engine, c, NULL, FALSE) != NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_BUSY,
		            "\"%s\": cannot unroute: an IPsec SA uses the connection; take it "
		            "down first", name);
		return FALSE;
	}
	rc = rc_get(engine, c, FALSE);
	if (rc == NULL || (!rc->routed && !has_flow_shunt(engine, c, SHUNT_FAILURE)))
		return TRUE;
	unroute(engine, rc);
	g_info("\"%s\": unrouted", name);
	route_update(engine, c);
	return TRUE;
}

EngineRouting
engine_get_routing(Engine *engine, const char *name)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);

	return c != NULL ? routing_of(engine, c) : ENGINE_ROUTING_UNROUTED;
}

guint
engine_add_routing_observer(Engine *engine, EngineRoutingFunc func, gpointer user_data)
{
	RoutingObserver o = {++engine->route->next_observer, func, user_data};

	g_array_append_val(engine->route->observers, o);
	return o.id;
}

void
engine_remove_routing_observer(Engine *engine, guint id)
{
	GArray *obs = engine->route->observers;

	for (guint i = 0; i < obs->len; i++)
		if (g_array_index(obs, RoutingObserver, i).id == id) {
			g_array_remove_index(obs, i);
			return;
		}
}

void
engine_shunt_info_free(EngineShuntInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->connection);
	g_free(info->kind);
	g_free(info->source);
	g_free(info->destination);
	g_free(info->action);
	g_free(info);
}

static EngineShuntInfo *
shunt_info(const char *conn, const char *kind, const KernelPolicy *p, gint64 expires)
{
	EngineShuntInfo *i = g_new0(EngineShuntInfo, 1);

	i->connection = g_strdup(conn);
	i->kind = g_strdup(kind);
	i->source = kernel_ts_to_string(&p->src);
	i->destination = kernel_ts_to_string(&p->dst);
	i->protocol = p->src.proto != 0 ? p->src.proto : p->dst.proto;
	i->action = g_strdup(action_name(p->action));
	i->expires = expires;
	return i;
}

static gint
shunt_cmp(gconstpointer a, gconstpointer b)
{
	const EngineShuntInfo *x = *(const EngineShuntInfo *const *) a;
	const EngineShuntInfo *y = *(const EngineShuntInfo *const *) b;
	gint r = g_strcmp0(x->connection, y->connection);

	return r != 0 ? r : g_strcmp0(x->source, y->source);
}

GPtrArray *
engine_list_shunts(Engine *engine)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) engine_shunt_info_free);
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < engine->route->shunts->len; i++) {
		FlowShunt *s = g_ptr_array_index(engine->route->shunts, i);

		g_ptr_array_add(out, shunt_info(s->conn->cfg->name,
		                                s->kind == SHUNT_FAILURE ? "failure" : "negotiation",
		                                &s->policy, s->expires));
	}
	g_hash_table_iter_init(&it, engine->route->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		RouteConn *rc = v;

		if (!rc->routed || !never_negotiate(rc->conn->cfg))
			continue;
		for (guint i = 0; i < rc->policies->len; i++) {
			const KernelPolicy *p = &g_array_index(rc->policies, KernelPolicy, i);

			if (p->dir == KERNEL_DIR_OUT)
				g_ptr_array_add(out, shunt_info(rc->conn->cfg->name, "connection", p, 0));
		}
	}
	g_ptr_array_sort(out, shunt_cmp);
	return out;
}

void
engine_set_updown_timeout(Engine *engine, guint timeout_ms)
{
	updown_runner_set_timeout(engine->route->updown, timeout_ms);
}

guint
engine_get_updown_pending(Engine *engine)
{
	return updown_runner_pending(engine->route->updown);
}

/* ---- life cycle ------------------------------------------------------- */

void
route_conn_added(Engine *engine, EngineConn *c)
{
	g_autoptr(GError) error = NULL;

	/* --initiateontraffic (auto=route): routed from the start */
	if (c->cfg->initiate_on_traffic && !engine_route(engine, c->cfg->name, &error))
		g_message("%s", error->message);
}

void
route_conn_deleted(Engine *engine, EngineConn *c)
{
	RouteConn *rc = rc_get(engine, c, FALSE);

	flow_shunts_remove(engine, c, TRUE, SHUNT_NEGOTIATION);
	if (rc == NULL)
		return;
	unroute(engine, rc);
	g_hash_table_remove(engine->route->conns, c);
}

void
route_engine_init(Engine *engine)
{
	struct EngineRoute *r = g_new0(struct EngineRoute, 1);

	r->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                 (GDestroyNotify) rc_free);
	r->shunts = g_ptr_array_new();
	r->updown = updown_runner_new(engine->context);
	r->observers = g_array_new(FALSE, TRUE, sizeof(RoutingObserver));
	engine->route = r;
	r->sa_observer = engine_add_observer(engine, route_sa_event, engine);
}

void
route_engine_free(Engine *engine)
{
	struct EngineRoute *r = engine->route;
	GHashTableIter it;
	gpointer v;

	if (r == NULL)
		return;
	engine_remove_observer(engine, r->sa_observer);
	while (r->shunts->len > 0)
		flow_shunt_remove_at(engine, r->shunts->len - 1, !engine->leave_state);
	g_hash_table_iter_init(&it, r->conns);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (!engine->leave_state)
			unroute(engine, v);
	g_hash_table_unref(r->conns);
	g_ptr_array_unref(r->shunts);
	updown_runner_free(r->updown);
	g_array_unref(r->observers);
	g_free(r);
	engine->route = NULL;
}
