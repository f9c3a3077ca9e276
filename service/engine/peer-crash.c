/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Daemon-wide actions on peers and on the IKE sockets: whack --crash
 * (a peer presumed dead), --deleteuser (the SAs of one authenticated peer
 * identity) and --listen / --unlisten.
 *
 * A crashed peer's IKE SAs go at once, without a Delete: ike_sa_destroy()
 * removes their Child SAs' kernel state, runs updown down and puts routed
 * connections back on their trap (route.c), as when liveness checks fail.
 * Whether a connection starts again is ike_sa_restart_wanted(), the rule
 * ike_sa_timeout() applies to a peer that stopped answering.  Restarts are per connection, once, after all
 * of the peer's SAs are gone (an SA and its rekeyed successor are one).
 */
#include <string.h>

#include "engine-private.h"

/* What to start again once the peer's SAs are gone. */
typedef struct {
	EngineConn *conn; /* ref */
	gboolean local_is_left;
	NetEndpoint remote;
} Restart;

static void
restart_free(Restart *r)
{
	engine_conn_unref(r->conn);
	g_free(r);
}

static gint
by_serial(gconstpointer a, gconstpointer b)
{
	const IkeSa *x = *(IkeSa *const *) a, *y = *(IkeSa *const *) b;

	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* Whether connection @c still has an IKE SA that is up or coming up. */
static gboolean
conn_has_ike_sa(Engine *engine, EngineConn *c)
{
	return c->ike_by_state[IKE_SA_STATE_NEW] + c->ike_by_state[IKE_SA_STATE_INIT_I] +
	               c->ike_by_state[IKE_SA_STATE_INIT_R] + c->ike_by_state[IKE_SA_STATE_AUTH_I] +
	               c->ike_by_state[IKE_SA_STATE_ESTABLISHED] >
	       0;
}

/* Removes @sas (IkeSa *, borrowed) without telling the peer, then restarts
 * what the connections' policies say.  Returns how many were removed. */
static gint
crash_sas(Engine *engine, GPtrArray *sas, const char *why)
{
	g_autoptr(GHashTable) restarts =
		g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) restart_free);
	g_autoptr(GArray) serials = g_array_new(FALSE, FALSE, sizeof(guint));
	GHashTableIter it;
	gpointer v;
	gint n = 0;

	g_ptr_array_sort(sas, by_serial);
	/* serials, not pointers: destroying one SA may destroy another (a
	 * rekey's half-made successor) */
	for (guint i = 0; i < sas->len; i++)
		g_array_append_val(serials, ((IkeSa *) g_ptr_array_index(sas, i))->serial);
	for (guint i = 0; i < serials->len; i++) {
		IkeSa *sa = g_hash_table_lookup(engine->ike_by_serial,
		                                GUINT_TO_POINTER(g_array_index(serials, guint, i)));
		NetEndpoint remote;

		if (sa == NULL || sa->state == IKE_SA_STATE_DEAD)
			continue;
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "%s; deleting the IKE SA and its %u Child SA%s without a Delete", why,
		           sa->children->len, sa->children->len == 1 ? "" : "s");
		if (!g_hash_table_contains(restarts, sa->conn) && ike_sa_restart_wanted(sa, &remote)) {
			Restart *r = g_new0(Restart, 1);

			r->conn = engine_conn_ref(sa->conn);
			r->local_is_left = sa->local_is_left;
			r->remote = remote;
			g_hash_table_insert(restarts, r->conn, r);
		}
		ike_sa_destroy(sa, ENGINE_STATUS_NO_ANSWER);
		n++;
	}
	g_hash_table_iter_init(&it, restarts);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Restart *r = v;
		char buf[80];

		/* another SA of the connection (to another address) is still up */
		if (r->conn->deleted || conn_has_ike_sa(engine, r->conn))
			continue;
		g_message("\"%s\": restarting the connection with %s", r->conn->cfg->name,
		          net_endpoint_to_string(&r->remote, buf, sizeof(buf)));
		engine_start_ike_sa(engine, r->conn, r->local_is_left, &r->remote, NULL);
	}
	return n;
}

gint
engine_crash_peer(Engine *engine, const char *address, GError **error)
{
	g_autoptr(GPtrArray) sas = g_ptr_array_new();
	g_autofree char *why = NULL;
	NetEndpoint peer;
	GHashTableIter it;
	gpointer v;

	if (!net_endpoint_parse(address, 0, &peer)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "peer_address: \"%s\" is not an IP address", address);
		return -1;
	}
	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		IkeSa *sa = v;

		if (sa->state != IKE_SA_STATE_DEAD && net_endpoint_addr_equal(&sa->remote, &peer))
			g_ptr_array_add(sas, sa);
	}
	why = g_strdup_printf("peer %s crashed (whack --crash)", address);
	return crash_sas(engine, sas, why);
}

/* Whether the peer's authenticated identity @id is @user: its --id text
 * ("@east.example", "192.0.2.2", "user@example.com", a DN) or, for the
 * name-like types, the bare name ("east.example"). */
static gboolean
id_is_user(const EngineId *id, const char *user)
{
	g_autofree char *text = NULL;
	const guint8 *d;
	gsize n = 0;

	if (id->type == 0 || id->data == NULL)
		return FALSE;
	text = engine_id_to_text(id);
	if (g_str_equal(text, user))
		return TRUE;
	if (id->type != IKE_ID_FQDN && id->type != IKE_ID_RFC822_ADDR && id->type != IKE_ID_KEY_ID)
		return FALSE;
	d = g_bytes_get_data(id->data, &n);
	if (user[0] == '@' && id->type == IKE_ID_FQDN)
		user++;
	return n == strlen(user) && n > 0 && memcmp(d, user, n) == 0;
}

gint
engine_delete_user(Engine *engine, const char *user, gboolean crash, GError **error)
{
	g_autoptr(GPtrArray) sas = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	if (user == NULL || user[0] == '\0') {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT, "user: empty");
		return -1;
	}
	/* only established IKE SAs have a peer identity that was proven (an
	 * initiator's remote_id before IKE_AUTH is only what it asks for) */
	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		IkeSa *sa = v;

		if (sa->state == IKE_SA_STATE_ESTABLISHED && id_is_user(&sa->remote_id, user))
			g_ptr_array_add(sas, sa);
	}
	if (sas->len == 0) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND,
		            "no IKE SA authenticated as \"%s\"", user);
		return -1;
	}
	if (crash) {
		g_autofree char *why = g_strdup_printf("user \"%s\" deleted as crashed", user);

		return crash_sas(engine, sas, why);
	}
	g_ptr_array_sort(sas, by_serial);
	for (guint i = 0; i < sas->len; i++) {
		IkeSa *sa = g_ptr_array_index(sas, i);

		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "deleting the IKE SA of user \"%s\" (whack --deleteuser)", user);
		ike_sa_delete(sa);
	}
	return (gint) sas->len;
}

gboolean
engine_set_listening(Engine *engine, gboolean listen, GError **error)
{
	g_autoptr(GError) net_error = NULL;
	gboolean was;

	if (!listen) {
		if (net_io_is_listening(engine->net))
			g_message("not listening for IKE any more (whack --unlisten); established SAs "
			          "stay");
		net_io_unlisten(engine->net);
		return TRUE;
	}
	was = net_io_is_listening(engine->net);
	if (!net_io_listen(engine->net, &net_error)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "cannot listen for IKE: %s",
		            net_error->message);
		return FALSE;
	}
	if (!was)
		g_message("listening for IKE again (whack --listen)");
	return TRUE;
}

gboolean
engine_is_listening(Engine *engine)
{
	return net_io_is_listening(engine->net);
}
