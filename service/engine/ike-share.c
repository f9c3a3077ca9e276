/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which connections may put Child SAs on an established IKE SA (RFC 7296
 * §1.3.1: CREATE_CHILD_SA adds a Child SA to an IKE SA that exists).
 *
 * A connection fits an IKE SA when it could have been chosen for it: with
 * the IKE SA's orientation its local host is the SA's local address and its
 * remote host admits the peer's, its IDs accept the two that were
 * authenticated, and it authenticates the same way.  Only the same
 * orientation counts, because a Child SA takes its selectors from its
 * connection's ends as the IKE SA oriented them (child-sa.c, updown.c).
 *
 * The responder picks among the fitting connections by traffic selectors
 * (exchange/child-create.c), as a peer that sent them would expect.  The
 * initiator reuses another connection's IKE SA only when the IKE proposals
 * are the same as well, as pluto does: the peer then sees no IKE SA it would
 * not have negotiated for this connection anyway.
 */
#include <string.h>

#include "engine-private.h"

static gboolean
host_is_any(const char *host)
{
	return host == NULL || g_strcmp0(host, "%any") == 0 || g_strcmp0(host, "0.0.0.0") == 0 ||
	       g_strcmp0(host, "::") == 0;
}

static gboolean
host_is(const char *host, const NetEndpoint *ep)
{
	NetEndpoint want;

	return net_endpoint_parse(host, 0, &want) && net_endpoint_addr_equal(&want, ep);
}

/* Type 0 (%any, or %fromcert whose ID comes from the certificate) accepts
 * any ID, as engine_id_match() does. */
static gboolean
id_accepts(const IkebusEnd *end, const EngineId *got)
{
	EngineId want = {0};
	gboolean ok;

	if (got->data == NULL)
		return FALSE;
	ok = engine_id_from_text(engine_end_id_text(end), &want, NULL) &&
	     engine_id_match(&want, got);
	engine_id_clear(&want);
	return ok;
}

static gboolean
same_auth(const IkebusConnection *a, const IkebusConnection *b, gboolean left)
{
	const IkebusEnd *la = left ? &a->left : &a->right;
	const IkebusEnd *lb = left ? &b->left : &b->right;
	const IkebusEnd *ra = left ? &a->right : &a->left;
	const IkebusEnd *rb = left ? &b->right : &b->left;

	return a->psk == b->psk && a->rsasig == b->rsasig && g_strcmp0(la->cert, lb->cert) == 0 &&
	       g_strcmp0(la->ckaid, lb->ckaid) == 0 && g_strcmp0(ra->ca, rb->ca) == 0;
}

/* --pass/--drop/--reject only: such a connection never has a Child SA */
static gboolean
shunt_only(const IkebusConnection *cfg)
{
	return !cfg->encrypt && !cfg->authenticate &&
	       (cfg->prospective_shunt == IKEBUS_SHUNT_PASS ||
	        cfg->prospective_shunt == IKEBUS_SHUNT_DROP ||
	        cfg->prospective_shunt == IKEBUS_SHUNT_REJECT);
}

gboolean
ike_share_conn_fits(const IkeSa *sa, const EngineConn *c)
{
	const IkebusEnd *le, *re;

	if (sa->conn == NULL || c->deleted)
		return FALSE;
	if (c == sa->conn)
		return TRUE;
	if (shunt_only(c->cfg))
		return FALSE;
	le = engine_conn_local_end(c, sa->local_is_left);
	re = engine_conn_remote_end(c, sa->local_is_left);
	if (!host_is(le->host, &sa->local))
		return FALSE;
	/* behind a NAT the peer's address is not the configured one */
	if (!host_is_any(re->host) && !sa->nat_remote && !host_is(re->host, &sa->remote))
		return FALSE;
	return id_accepts(le, &sa->local_id) && id_accepts(re, &sa->remote_id) &&
	       same_auth(c->cfg, sa->conn->cfg, sa->local_is_left);
}

static gboolean
usable(const IkeSa *sa)
{
	return sa->state == IKE_SA_STATE_ESTABLISHED && sa->replaced_by == 0 && sa->conn != NULL &&
	       !task_is_ike_rekey(sa->active);
}

IkeSa *
ike_share_find(Engine *engine, EngineConn *c, const NetEndpoint *remote)
{
	GHashTableIter it;
	gpointer v;
	IkeSa *own = NULL, *other = NULL;
	gboolean left;

	if (!engine_conn_orient(engine, c, &left))
		return NULL;
	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		IkeSa *sa = v;

		if (!usable(sa) || sa->local_is_left != left ||
		    (remote != NULL && !net_endpoint_addr_equal(remote, &sa->remote)))
			continue;
		/* the lowest serial: the same choice every time */
		if (sa->conn == c) {
			if (own == NULL || sa->serial < own->serial)
				own = sa;
		} else if (g_strcmp0(sa->conn->cfg->ike, c->cfg->ike) == 0 &&
		           ike_share_conn_fits(sa, c)) {
			if (other == NULL || sa->serial < other->serial)
				other = sa;
		}
	}
	return own != NULL ? own : other;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	const EngineConn *x = *(const EngineConn *const *) a;
	const EngineConn *y = *(const EngineConn *const *) b;

	return g_strcmp0(x->cfg->name, y->cfg->name);
}

GPtrArray *
ike_share_candidates(IkeSa *sa)
{
	GPtrArray *out = g_ptr_array_new();
	g_autoptr(GPtrArray) others = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	if (sa->conn == NULL)
		return out;
	g_ptr_array_add(out, sa->conn);
	g_hash_table_iter_init(&it, sa->engine->connections);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (v != sa->conn && ike_share_conn_fits(sa, v))
			g_ptr_array_add(others, v);
	/* by name after the IKE SA's own: ties go the same way every time */
	g_ptr_array_sort(others, by_name);
	for (guint i = 0; i < others->len; i++)
		g_ptr_array_add(out, g_ptr_array_index(others, i));
	return out;
}
