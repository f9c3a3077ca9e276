/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Child SA: its one state transition function, SPI allocation, KEYMAT
 * (RFC 7296 §2.17) and installation of both SAs and their policies through
 * the kernel ops table.
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-private.h"

#define CHILD_REPLAY_WINDOW 64
#define CHILD_POLICY_PRIORITY 1000

const char *
engine_child_sa_state_name(EngineChildSaState state)
{
	return child_sa_state_name(state);
}

const char *
child_sa_state_name(ChildSaState state)
{
	switch (state) {
	case CHILD_SA_STATE_LARVAL:
		return "LARVAL";
	case CHILD_SA_STATE_INSTALLED:
		return "INSTALLED";
	case CHILD_SA_STATE_DELETING:
		return "DELETING";
	case CHILD_SA_STATE_DEAD:
		return "DEAD";
	}
	return "?";
}

static gboolean
child_move_ok(ChildSaState from, ChildSaState to)
{
	switch (from) {
	case CHILD_SA_STATE_LARVAL:
		return to == CHILD_SA_STATE_INSTALLED || to == CHILD_SA_STATE_DEAD;
	case CHILD_SA_STATE_INSTALLED:
		return to == CHILD_SA_STATE_DELETING || to == CHILD_SA_STATE_DEAD;
	case CHILD_SA_STATE_DELETING:
		return to == CHILD_SA_STATE_DEAD;
	case CHILD_SA_STATE_DEAD:
		return FALSE;
	}
	return FALSE;
}

/* The EXPIRE index (engine.c): SPIs do not change while installed.  Removing
 * twice is harmless. */
static void
installed_index_add(ChildSa *child)
{
	Engine *engine = child->engine;
	GPtrArray *out = g_hash_table_lookup(engine->installed_by_spi_out,
	                                     GUINT_TO_POINTER(child->spi_out));

	g_hash_table_insert(engine->installed_by_spi_in, GUINT_TO_POINTER(child->spi_in), child);
	if (out == NULL) {
		out = g_ptr_array_new();
		g_hash_table_insert(engine->installed_by_spi_out, GUINT_TO_POINTER(child->spi_out),
		                    out);
	}
	g_ptr_array_add(out, child);
}

static void
installed_index_remove(ChildSa *child)
{
	Engine *engine = child->engine;
	GPtrArray *out = g_hash_table_lookup(engine->installed_by_spi_out,
	                                     GUINT_TO_POINTER(child->spi_out));

	if (g_hash_table_lookup(engine->installed_by_spi_in, GUINT_TO_POINTER(child->spi_in)) ==
	    child)
		g_hash_table_remove(engine->installed_by_spi_in, GUINT_TO_POINTER(child->spi_in));
	if (out != NULL && g_ptr_array_remove_fast(out, child) && out->len == 0)
		g_hash_table_remove(engine->installed_by_spi_out, GUINT_TO_POINTER(child->spi_out));
}

void
child_sa_set_state(ChildSa *child, ChildSaState state)
{
	ChildSaState old = child->state;

	if (old == state)
		return;
	if (!child_move_ok(old, state)) {
		g_warning("\"%s\" #%u: refusing Child SA state change %s -> %s",
		          child->conn->cfg->name, child->serial, child_sa_state_name(old),
		          child_sa_state_name(state));
		return;
	}
	g_debug("\"%s\" #%u: %s -> %s", child->conn->cfg->name, child->serial,
	        child_sa_state_name(old), child_sa_state_name(state));
	child->state = state;
	if (old == CHILD_SA_STATE_INSTALLED)
		installed_index_remove(child);
	else if (state == CHILD_SA_STATE_INSTALLED)
		installed_index_add(child);
	child->engine->counters.child_sas_by_state[old]--;
	child->engine->counters.child_sas_by_state[state]++;
	child->conn->child_by_state[old]--;
	if (state != CHILD_SA_STATE_DEAD)
		child->conn->child_by_state[state]++;
	if (state == CHILD_SA_STATE_INSTALLED) {
		child->established = g_get_real_time() / G_USEC_PER_SEC;
		child->engine->counters.child_sas_installed++;
		lifetime_child_start(child);
	}
	if (state == CHILD_SA_STATE_DEAD)
		lifetime_child_stop(child);
	if (state != CHILD_SA_STATE_DEAD)
		engine_notify_child(child, ENGINE_SA_EVENT_CHANGED, old);
}

ChildSa *
child_sa_new(IkeSa *ike)
{
	return child_sa_new_for(ike, ike->conn);
}

ChildSa *
child_sa_new_for(IkeSa *ike, EngineConn *conn)
{
	Engine *engine = ike->engine;
	ChildSa *c = g_new0(ChildSa, 1);

	c->engine = engine;
	c->serial = engine_next_serial(engine);
	c->ike = ike;
	c->conn = engine_conn_ref(conn);
	c->reqid = conn->reqid;
	c->state = CHILD_SA_STATE_LARVAL;
	c->initiator = ike->initiator;
	c->mode = engine_conn_mode(conn->cfg);
	g_ptr_array_add(ike->children, c);
	g_hash_table_insert(engine->child_by_serial, GUINT_TO_POINTER(c->serial), c);
	engine->counters.child_sas_by_state[CHILD_SA_STATE_LARVAL]++;
	c->conn->child_by_state[CHILD_SA_STATE_LARVAL]++;
	engine_notify_child(c, ENGINE_SA_EVENT_ADDED, CHILD_SA_STATE_LARVAL);
	return c;
}

void
child_sa_free(ChildSa *c)
{
	if (c->props != NULL)
		g_array_unref(c->props);
	if (c->ts_local != NULL)
		g_array_unref(c->ts_local);
	if (c->ts_remote != NULL)
		g_array_unref(c->ts_remote);
	g_clear_pointer(&c->ni, g_bytes_unref);
	g_clear_pointer(&c->nr, g_bytes_unref);
	ikebus_secbuf_free(c->g_ir);
	sa_text_clear(&c->text);
	if (c->policy_key != NULL)
		g_bytes_unref(c->policy_key);
	engine_conn_unref(c->conn);
	g_free(c);
}

static void
addr_from_ep(const NetEndpoint *ep, KernelAddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ep->family;
	memcpy(a->bytes, ep->addr, net_endpoint_addr_len(ep));
}

gboolean
child_sa_setup_from_conn(ChildSa *child, GError **error)
{
	IkeSa *ike = child->ike;
	KernelAddr local, remote;

	addr_from_ep(&ike->local, &local);
	addr_from_ep(&ike->remote, &remote);
	/* parsed and filtered when the connection was added; a copy, since
	 * CREATE_CHILD_SA sets its KE list */
	if (child->props != NULL)
		g_array_unref(child->props);
	child->props = g_array_copy(child->conn->esp_props);
	if (child->props->len == 0) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_NOT_SUPPORTED,
		                    "esp: the kernel backend supports none of the algorithms");
		return FALSE;
	}
	child->ts_local = ts_from_end(engine_conn_local_end(child->conn, ike->local_is_left), &local,
	                              error);
	if (child->ts_local == NULL)
		return FALSE;
	child->ts_remote = ts_from_end(engine_conn_remote_end(child->conn, ike->local_is_left),
	                               &remote, error);
	if (child->ts_remote == NULL)
		return FALSE;
	route_child_setup(child);
	return TRUE;
}

void
child_sa_take_answer(ChildSa *child, const IkeProposal *pp, GArray **ts_local, GArray **ts_remote,
                     IkeMessage *msg)
{
	child->spi_out = child_spi_from_bytes(pp->spi);
	g_array_unref(child->ts_local);
	child->ts_local = g_steal_pointer(ts_local);
	g_array_unref(child->ts_remote);
	child->ts_remote = g_steal_pointer(ts_remote);
	if (ike_message_get_notify(msg, IKE_NOTIFY_USE_TRANSPORT_MODE) == NULL)
		child->mode = KERNEL_MODE_TUNNEL;
}

gboolean
child_sa_alloc_spi(ChildSa *child, GError **error)
{
	KernelAddr src, dst;

	addr_from_ep(&child->ike->remote, &src);
	addr_from_ep(&child->ike->local, &dst);
	return kernel_backend_get_spi(child->engine->kernel, &src, &dst, KERNEL_PROTO_ESP,
	                              child->reqid, &child->spi_in, error);
}

static void
fill_sa(ChildSa *child, KernelSa *ksa, gboolean inbound)
{
	IkeSa *ike = child->ike;

	memset(ksa, 0, sizeof(*ksa));
	addr_from_ep(inbound ? &ike->remote : &ike->local, &ksa->src);
	addr_from_ep(inbound ? &ike->local : &ike->remote, &ksa->dst);
	ksa->spi = inbound ? child->spi_in : child->spi_out;
	ksa->proto = KERNEL_PROTO_ESP;
	ksa->mode = child->mode;
	ksa->dir = inbound ? KERNEL_DIR_IN : KERNEL_DIR_OUT;
	ksa->reqid = child->reqid;
	ksa->encr = crypto_encr_alg_by_id(child->esp.encr);
	ksa->integ = child->esp.integ != 0 ? crypto_integ_alg_by_id(child->esp.integ) : NULL;
	ksa->esn = child->esp.esn;
	ksa->replay_window = inbound ? CHILD_REPLAY_WINDOW : 0;
	ksa->encap = child->encap;
	ksa->encap_sport = inbound ? ike->remote.port : ike->local.port;
	ksa->encap_dport = inbound ? ike->local.port : ike->remote.port;
	/* lifetime.c planned both: soft = when we rekey, hard = expiry */
	ksa->hard.add_seconds = child->hard_ms != 0 ? MAX((child->hard_ms + 999) / 1000, 1) : 0;
	ksa->soft.add_seconds = child->soft_ms != 0 ? MAX(child->soft_ms / 1000, 1) : 0;
	ksa->ts_local = (const KernelTs *) child->ts_local->data;
	ksa->n_ts_local = child->ts_local->len;
	ksa->ts_remote = (const KernelTs *) child->ts_remote->data;
	ksa->n_ts_remote = child->ts_remote->len;
}

static void
fill_policy(ChildSa *child, KernelPolicy *p, const KernelTs *l, const KernelTs *r, KernelDir dir)
{
	IkeSa *ike = child->ike;
	gboolean out = dir == KERNEL_DIR_OUT;

	memset(p, 0, sizeof(*p));
	p->src = out ? *l : *r;
	p->dst = out ? *r : *l;
	p->dir = dir;
	p->action = KERNEL_POLICY_IPSEC;
	p->priority = CHILD_POLICY_PRIORITY;
	p->reqid = child->reqid;
	p->proto = KERNEL_PROTO_ESP;
	p->mode = child->mode;
	addr_from_ep(out ? &ike->local : &ike->remote, &p->tmpl_src);
	addr_from_ep(out ? &ike->remote : &ike->local, &p->tmpl_dst);
}

static gboolean
policies(ChildSa *child, gboolean add, GError **error)
{
	gboolean fwd = g_strcmp0(kernel_backend_get_name(child->engine->kernel), "xfrm") == 0 &&
	               child->mode == KERNEL_MODE_TUNNEL;

	for (guint i = 0; i < child->ts_local->len; i++)
		for (guint j = 0; j < child->ts_remote->len; j++) {
			const KernelTs *l = &g_array_index(child->ts_local, KernelTs, i);
			const KernelTs *r = &g_array_index(child->ts_remote, KernelTs, j);
			const KernelDir dirs[3] = {KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD};

			if (l->from.family != r->from.family)
				continue;
			for (guint d = 0; d < (fwd ? 3u : 2u); d++) {
				KernelPolicy p;
				g_autoptr(GError) e = NULL;

				fill_policy(child, &p, l, r, dirs[d]);
				/* another Child SA of the connection (same reqid)
				 * may have put the same policy in: share it */
				if (add && !kernel_backend_add_policy(child->engine->kernel, &p, &e) &&
				    !g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_EXISTS)) {
					g_propagate_error(error, g_steal_pointer(&e));
					return FALSE;
				}
				if (!add && !kernel_backend_del_policy(child->engine->kernel, &p, &e))
					g_debug("#%u: del_policy: %s", child->serial, e->message);
			}
		}
	return TRUE;
}

static gboolean
install_sa(ChildSa *child, const CryptoChildKeys *keys, gboolean inbound, GError **error)
{
	KernelSa ksa;
	/* our outbound SA carries the initiator->responder keys when we are
	 * the initiator of the exchange that made the Child SA */
	gboolean use_i = child->initiator != inbound;
	const IkebusSecbuf *ek = use_i ? keys->encr_i : keys->encr_r;
	const IkebusSecbuf *ik = use_i ? keys->integ_i : keys->integ_r;

	fill_sa(child, &ksa, inbound);
	ksa.encr_key = ek->data;
	ksa.encr_key_len = ek->len;
	if (ik != NULL) {
		ksa.integ_key = ik->data;
		ksa.integ_key_len = ik->len;
	}
	if (inbound) {
		/* get_spi may have left a larval SA: fill it in */
		g_autoptr(GError) e = NULL;

		if (kernel_backend_update_sa(child->engine->kernel, &ksa, &e))
			return TRUE;
		if (!g_error_matches(e, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
	}
	return kernel_backend_add_sa(child->engine->kernel, &ksa, error);
}

/* The policies' identity: reqid and both selector lists as they are in
 * memory (what a comparison of the arrays compared before). */
static GBytes *
policy_key_new(const ChildSa *child)
{
	GByteArray *b = g_byte_array_new();
	guint32 n = child->ts_local->len;

	g_byte_array_append(b, (const guint8 *) &child->reqid, sizeof(child->reqid));
	g_byte_array_append(b, (const guint8 *) &n, sizeof(n));
	g_byte_array_append(b, (const guint8 *) child->ts_local->data, n * sizeof(KernelTs));
	g_byte_array_append(b, (const guint8 *) child->ts_remote->data,
	                    child->ts_remote->len * sizeof(KernelTs));
	return g_byte_array_free_to_bytes(b);
}

/* How many installed Child SAs of the connection (same reqid) have the
 * same selectors: their policies are shared, e.g. by a Child SA and its
 * rekeyed successor.  A lookup, not a walk of every Child SA. */
static guint
policy_users(ChildSa *child)
{
	g_autoptr(GBytes) key = child->policy_key != NULL ? g_bytes_ref(child->policy_key)
	                                                  : policy_key_new(child);

	return GPOINTER_TO_UINT(g_hash_table_lookup(child->engine->policy_users, key));
}

static void
policy_users_add(ChildSa *child)
{
	guint n;

	g_return_if_fail(child->policy_key == NULL);
	child->policy_key = policy_key_new(child);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(child->engine->policy_users, child->policy_key));
	g_hash_table_insert(child->engine->policy_users, g_bytes_ref(child->policy_key),
	                    GUINT_TO_POINTER(n + 1));
}

/* The users left after @child. */
static guint
policy_users_remove(ChildSa *child)
{
	GHashTable *t = child->engine->policy_users;
	guint n;

	if (child->policy_key == NULL)
		return 0;
	n = GPOINTER_TO_UINT(g_hash_table_lookup(t, child->policy_key));
	if (n <= 1)
		g_hash_table_remove(t, child->policy_key);
	else
		g_hash_table_insert(t, g_bytes_ref(child->policy_key), GUINT_TO_POINTER(n - 1));
	g_clear_pointer(&child->policy_key, g_bytes_unref);
	return n > 0 ? n - 1 : 0;
}

gboolean
child_sa_install(ChildSa *child, GError **error)
{
	IkeSa *ike = child->ike;
	g_auto(CryptoChildKeys) keys = {0};
	gsize ni_len, nr_len;
	const guint8 *ni = g_bytes_get_data(child->ni != NULL ? child->ni : ike->ni, &ni_len);
	const guint8 *nr = g_bytes_get_data(child->nr != NULL ? child->nr : ike->nr, &nr_len);
	const CryptoEncrAlg *encr = crypto_encr_alg_by_id(child->esp.encr);
	const CryptoIntegAlg *integ =
		child->esp.integ != 0 ? crypto_integ_alg_by_id(child->esp.integ) : NULL;

	if (encr == NULL || (child->esp.integ != 0 && integ == NULL)) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_NOT_SUPPORTED,
		                    "ESP algorithm without descriptor");
		return FALSE;
	}
	child->encap = ike->natt || ike->force_encap;
	lifetime_child_plan(child);
	/* §2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	if (!crypto_child_keys_derive(ike->suite.prf, ike->keys.sk_d, child->g_ir, ni, ni_len, nr,
	                              nr_len,
	                              encr, child->esp.encr_bits, integ, &keys, error))
		return FALSE;
	if (!install_sa(child, &keys, TRUE, error))
		return FALSE;
	child->sa_in_installed = TRUE;
	if (!install_sa(child, &keys, FALSE, error))
		return FALSE;
	child->sa_out_installed = TRUE;
	if (policy_users(child) == 0 && !policies(child, TRUE, error))
		return FALSE;
	child->policies_installed = TRUE;
	policy_users_add(child);
	/* the PFS exchange is spent once KEYMAT is made */
	g_clear_pointer(&child->g_ir, ikebus_secbuf_free);
	child_sa_set_state(child, CHILD_SA_STATE_INSTALLED);
	route_child_up(child);
	return TRUE;
}

static void
del_sa(ChildSa *child, gboolean inbound)
{
	KernelSaId id = {0};
	g_autoptr(GError) error = NULL;
	IkeSa *ike = child->ike;

	addr_from_ep(inbound ? &ike->remote : &ike->local, &id.src);
	addr_from_ep(inbound ? &ike->local : &ike->remote, &id.dst);
	id.spi = inbound ? child->spi_in : child->spi_out;
	id.proto = KERNEL_PROTO_ESP;
	if (!kernel_backend_del_sa(child->engine->kernel, &id, &error) &&
	    !g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND))
		g_debug("#%u: del_sa 0x%08x: %s", child->serial, id.spi, error->message);
}

void
child_sa_destroy(ChildSa *child)
{
	Engine *engine = child->engine;
	ChildSaState old = child->state;

	if (child->state == CHILD_SA_STATE_DEAD)
		return;
	/* now, while its SPIs are as indexed (leave_state clears spi_in) */
	if (child->state == CHILD_SA_STATE_INSTALLED)
		installed_index_remove(child);
	route_child_down(child);
	if (engine->leave_state) {
		/* forget the kernel state instead of removing it */
		policy_users_remove(child);
		child->policies_installed = FALSE;
		child->sa_out_installed = FALSE;
		child->spi_in = 0;
	}
	if (child->policies_installed && policy_users_remove(child) == 0)
		policies(child, FALSE, NULL);
	if (child->sa_out_installed)
		del_sa(child, FALSE);
	/* the inbound SPI may be a larval reservation: release it too */
	if (child->spi_in != 0)
		del_sa(child, TRUE);
	child->policies_installed = child->sa_in_installed = child->sa_out_installed = FALSE;
	if (child->ike != NULL)
		g_ptr_array_remove(child->ike->children, child);
	g_hash_table_remove(engine->child_by_serial, GUINT_TO_POINTER(child->serial));
	route_child_removed(child);
	child_sa_set_state(child, CHILD_SA_STATE_DEAD);
	engine_notify_child(child, ENGINE_SA_EVENT_REMOVED, old);
	child->ike = NULL;
	engine_bury(engine, child, TRUE);
}

char *
child_sa_describe(const ChildSa *child)
{
	g_autofree char *l = ts_array_to_whack(child->ts_local);
	g_autofree char *r = ts_array_to_whack(child->ts_remote);
	g_autofree char *alg = proposal_choice_to_string(&child->esp);

	return g_strdup_printf("IPsec %s [%s] -> [%s] {ESP%s=>0x%08x <0x%08x xfrm=%s DPD=passive}",
	                       child->mode == KERNEL_MODE_TUNNEL ? "tunnel" : "transport", l, r,
	                       child->encap ? "/ESP-in-UDP" : "", child->spi_out, child->spi_in, alg);
}

ChildSa *
engine_find_child_by_spi_out(IkeSa *sa, guint32 spi_out)
{
	for (guint i = 0; i < sa->children->len; i++) {
		ChildSa *c = g_ptr_array_index(sa->children, i);

		if (c->spi_out == spi_out)
			return c;
	}
	return NULL;
}

ChildSa *
engine_find_child_by_spi_in(IkeSa *sa, guint32 spi_in)
{
	for (guint i = 0; i < sa->children->len; i++) {
		ChildSa *c = g_ptr_array_index(sa->children, i);

		if (c->spi_in == spi_in)
			return c;
	}
	return NULL;
}
