/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The actions and status half of engine.h: initiate, terminate, delete by
 * serial, SA snapshots.
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-private.h"

IkeSa *
engine_start_ike_sa(Engine *engine, EngineConn *conn, gboolean local_is_left,
                    const NetEndpoint *remote, EngineRequest *req)
{
	const IkebusEnd *le = engine_conn_local_end(conn, local_is_left);
	const IkebusEnd *re = engine_conn_remote_end(conn, local_is_left);
	g_autoptr(GError) error = NULL;
	IkeSa *sa = ike_sa_new(engine, conn, TRUE);
	char buf[80];

	sa->local_is_left = local_is_left;
	if (req != NULL)
		sa->request_cb = engine_request_ref(req);
	net_endpoint_parse(le->host, net_io_get_ike_port(engine->net), &sa->local);
	sa->remote = *remote;
	sa->force_encap = conn->cfg->encapsulation == IKEBUS_YNA_YES;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "initiating IKEv2 connection to %s",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)));
	sa->ike_props = g_array_ref(conn->ike_props);
	if (!engine_id_from_text(engine_end_id_text(le), &sa->local_id, &error) ||
	    !engine_id_from_text(engine_end_id_text(re), &sa->remote_id, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_NOT_SUPPORTED, "%s", error->message);
		ike_sa_destroy(sa, ENGINE_STATUS_NOT_SUPPORTED);
		return NULL;
	}
	ike_sa_queue_task(sa, task_sa_init_new(TRUE));
	if (sa->state != IKE_SA_STATE_DEAD)
		ike_sa_queue_task(sa, task_auth_new(TRUE));
	return sa;
}

/* An established IKE SA carrying a Child SA of @c (its own IKE SA, or one
 * it shares with another connection). */
static IkeSa *
established_sa_of(Engine *engine, EngineConn *c)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		IkeSa *sa = v;

		if (sa->state != IKE_SA_STATE_ESTABLISHED)
			continue;
		for (guint i = 0; i < sa->children->len; i++) {
			const ChildSa *child = g_ptr_array_index(sa->children, i);

			/* one being deleted (--down-child) is not up any more */
			if (child->conn == c && child->state != CHILD_SA_STATE_DELETING)
				return sa;
		}
	}
	return NULL;
}

/* §1.3.1: with an IKE SA to the peer up already, only a Child SA is
 * missing: CREATE_CHILD_SA on it instead of a second IKE SA. */
static gboolean
initiate_child(Engine *engine, EngineConn *c, const NetEndpoint *remote, EngineRequest *req)
{
	IkeSa *sa = ike_share_find(engine, c, remote);

	if (sa == NULL)
		return FALSE;
	{
		g_autofree char *line = NULL;

		if (sa->conn == c)
			line = g_strdup_printf("\"%s\": IKE SA #%u is established; negotiating a new "
			                       "Child SA on it", c->cfg->name, sa->serial);
		else
			line = g_strdup_printf("\"%s\": sharing the established IKE SA #%u of \"%s\"; "
			                       "negotiating a new Child SA on it",
			                       c->cfg->name, sa->serial, sa->conn->cfg->name);
		if (engine_log_wanted(engine, G_LOG_LEVEL_INFO))
			g_info("%s", line);
		engine_request_line(req, ENGINE_STATUS_OK, line);
	}
	c->attempts = 0;
	ike_sa_queue_task(sa, task_child_create_new(c, req, FALSE));
	return TRUE;
}

gboolean
engine_initiate(Engine *engine, const char *name, const char *remote_host,
                EngineProgressFunc progress, EngineDoneFunc done, gpointer user_data,
                GDestroyNotify destroy, GError **error)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);
	EngineRequest *req;
	gboolean left = TRUE;
	EngineStatus early = ENGINE_STATUS_OK;
	g_autofree char *line = NULL;
	const char *host;
	NetEndpoint remote;
	IkeSa *up;

	if (c == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	if (remote_host != NULL && !net_endpoint_parse(remote_host, 0, &remote)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "remote-host: \"%s\" is not an IP address", remote_host);
		return FALSE;
	}
	req = g_new0(EngineRequest, 1);
	req->ref = 1;
	req->progress = progress;
	req->done = done;
	req->user_data = user_data;
	req->destroy = destroy;
	up = established_sa_of(engine, c);
	if (!engine_conn_orient(engine, c, &left)) {
		early = ENGINE_STATUS_NOT_ORIENTED;
		line = g_strdup_printf("\"%s\": cannot initiate: no local address matches either "
		                       "end (not oriented)", name);
	} else if (!net_io_is_listening(engine->net)) {
		early = ENGINE_STATUS_NOT_LISTENING;
		line = g_strdup_printf("\"%s\": cannot initiate: not listening for IKE "
		                       "(--unlisten; --listen opens the sockets again)", name);
	} else if (up != NULL) {
		line = g_strdup_printf("\"%s\" #%u: IKE SA is already established", name, up->serial);
	} else {
		host = remote_host != NULL ? remote_host : engine_conn_remote_end(c, left)->host;
		if (!net_endpoint_parse(host, (guint16) engine_conn_remote_end(c, left)->ike_port,
		                        &remote)) {
			early = ENGINE_STATUS_NOT_ORIENTED;
			line = g_strdup_printf("\"%s\": cannot initiate: the peer's address is not "
			                       "known (%s)", name, host != NULL ? host : "none");
		}
	}
	if (line != NULL) {
		engine_request_line(req, early, line);
		engine_request_finish(req, early);
		engine_request_unref(req);
		return TRUE;
	}
	if (initiate_child(engine, c, remote_host != NULL ? &remote : NULL, req)) {
		engine_request_unref(req);
		return TRUE;
	}
	c->attempts = 0;
	engine_start_ike_sa(engine, c, left, &remote, req);
	engine_request_unref(req);
	return TRUE;
}

/* Deletes (with a message) the Child SAs of connection @c on @sa. */
static gint
delete_children_of(IkeSa *sa, EngineConn *c)
{
	gint n = 0;

	for (guint i = 0; i < sa->children->len; i++) {
		ChildSa *child = g_ptr_array_index(sa->children, i);

		if (child->conn != c || child->state != CHILD_SA_STATE_INSTALLED)
			continue;
		if (sa->state == IKE_SA_STATE_ESTABLISHED)
			ike_sa_queue_task(sa, task_delete_child_new(child));
		n++;
	}
	return n;
}

gint
engine_terminate(Engine *engine, const char *name, GError **error)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);
	g_autoptr(GList) sas = NULL;
	gint n = 0;

	if (c == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return -1;
	}
	sas = g_hash_table_get_values(engine->ike_by_serial);
	for (GList *l = sas; l != NULL; l = l->next) {
		IkeSa *sa = l->data;

		if (sa->state == IKE_SA_STATE_DEAD)
			continue;
		if (sa->conn != c) {
			/* another connection's IKE SA stays; @c's Child SAs on it go */
			n += delete_children_of(sa, c);
			continue;
		}
		ike_sa_delete(sa);
		n++;
	}
	return n;
}

gboolean
engine_delete_ike_sa(Engine *engine, guint serial, GError **error)
{
	IkeSa *sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial));

	if (sa == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no IKE SA #%u", serial);
		return FALSE;
	}
	ike_sa_delete(sa);
	return TRUE;
}

gboolean
engine_delete_child_sa(Engine *engine, guint serial, GError **error)
{
	ChildSa *c = g_hash_table_lookup(engine->child_by_serial, GUINT_TO_POINTER(serial));

	if (c == NULL || c->ike == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no Child SA #%u", serial);
		return FALSE;
	}
	if (c->state != CHILD_SA_STATE_INSTALLED || c->ike->state != IKE_SA_STATE_ESTABLISHED) {
		child_sa_destroy(c);
		return TRUE;
	}
	ike_sa_queue_task(c->ike, task_delete_child_new(c));
	return TRUE;
}

gboolean
engine_rekey_child_sa(Engine *engine, guint serial, GError **error)
{
	ChildSa *c = g_hash_table_lookup(engine->child_by_serial, GUINT_TO_POINTER(serial));

	if (c == NULL || c->ike == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no Child SA #%u", serial);
		return FALSE;
	}
	if (c->state != CHILD_SA_STATE_INSTALLED || c->ike->state != IKE_SA_STATE_ESTABLISHED) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		            "Child SA #%u is not installed (%s)", serial, child_sa_state_name(c->state));
		return FALSE;
	}
	ike_sa_queue_task(c->ike, task_child_rekey_new(c));
	return TRUE;
}

gboolean
engine_rekey_ike_sa(Engine *engine, guint serial, GError **error)
{
	IkeSa *sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial));

	if (sa == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no IKE SA #%u", serial);
		return FALSE;
	}
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		            "IKE SA #%u is not established (%s)", serial,
		            sa->replaced_by != 0 ? "replaced" : ike_sa_state_name(sa->state));
		return FALSE;
	}
	if (sa->rekey_started)
		return TRUE;
	sa->rekey_started = TRUE;
	ike_sa_queue_task(sa, task_ike_rekey_new());
	return TRUE;
}

/* ---- status ----------------------------------------------------------- */

void
engine_ike_sa_info_free(EngineIkeSaInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->connection);
	g_free(info->state);
	g_free(info->local_host);
	g_free(info->remote_host);
	g_free(info->local_id);
	g_free(info->remote_id);
	g_free(info->algorithms);
	g_free(info);
}

void
engine_child_sa_info_free(EngineChildSaInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->connection);
	g_free(info->state);
	g_free(info->mode);
	g_free(info->algorithms);
	g_free(info->local_ts);
	g_free(info->remote_ts);
	g_free(info);
}

/* ---- formatted strings, cached on the SA ------------------------------ */

void
sa_text_clear(SaText *t)
{
	g_clear_pointer(&t->local_host, g_free);
	g_clear_pointer(&t->remote_host, g_free);
	g_clear_pointer(&t->local_id_data, g_bytes_unref);
	g_clear_pointer(&t->remote_id_data, g_bytes_unref);
	g_clear_pointer(&t->local_id, g_free);
	g_clear_pointer(&t->remote_id, g_free);
	t->algorithms = NULL;
	g_clear_pointer(&t->ts_local, g_array_unref);
	g_clear_pointer(&t->ts_remote, g_array_unref);
	g_clear_pointer(&t->local_ts, g_free);
	g_clear_pointer(&t->remote_ts, g_free);
}

/* Each string is made again only when what it shows changed: addresses
 * move (NAT-T, §2.23), IDs are learnt in IKE_AUTH, proposals chosen once. */
static const char *
addr_text(const NetEndpoint *ep, NetEndpoint *cached_ep, char **cached)
{
	char buf[80];

	if (*cached == NULL || !net_endpoint_addr_equal(ep, cached_ep) ||
	    ep->family != cached_ep->family) {
		g_free(*cached);
		*cached = g_strdup(net_endpoint_addr_to_string(ep, buf, sizeof(buf)));
		*cached_ep = *ep;
	}
	return *cached;
}

/* The GBytes is held, so its address cannot be reused while cached. */
static const char *
id_text(const EngineId *id, GBytes **cached_data, guint8 *cached_type, char **cached)
{
	if (id->data == NULL)
		return NULL;
	if (*cached == NULL || id->data != *cached_data || id->type != *cached_type) {
		g_free(*cached);
		*cached = engine_id_to_text(id);
		g_clear_pointer(cached_data, g_bytes_unref);
		*cached_data = g_bytes_ref(id->data);
		*cached_type = id->type;
	}
	return *cached;
}

static const char *
alg_text(const PropChoice *c, PropChoice *cached_c, const char **cached)
{
	if (c->encr == 0)
		return NULL;
	if (*cached == NULL || memcmp(c, cached_c, sizeof(*c)) != 0) {
		g_autofree char *text = proposal_choice_to_string(c);

		/* few distinct suites: one copy each instead of one per SA */
		*cached = g_intern_string(text);
		*cached_c = *c;
	}
	return *cached;
}

static const char *
ts_text(GArray *ts, GArray **cached_ts, char **cached)
{
	if (ts == NULL)
		return NULL;
	if (*cached == NULL || ts != *cached_ts) {
		g_free(*cached);
		*cached = ts_array_to_string(ts);
		g_clear_pointer(cached_ts, g_array_unref);
		*cached_ts = g_array_ref(ts);
	}
	return *cached;
}

static EngineIkeSaInfo *
ike_info(IkeSa *sa)
{
	EngineIkeSaInfo *i = g_new0(EngineIkeSaInfo, 1);
	SaText *t = &sa->text;

	i->serial = sa->serial;
	i->connection = g_strdup(ike_sa_conn_name(sa));
	i->state = g_strdup(ike_sa_state_name(sa->state));
	i->initiator = sa->initiator;
	i->spi_i = sa->spi_i;
	i->spi_r = sa->spi_r;
	i->local_host = g_strdup(addr_text(&sa->local, &t->local_ep, &t->local_host));
	i->local_port = sa->local.port;
	i->remote_host = g_strdup(addr_text(&sa->remote, &t->remote_ep, &t->remote_host));
	i->remote_port = sa->remote.port;
	i->nat_detected = sa->nat_local || sa->nat_remote;
	i->local_id = g_strdup(id_text(&sa->local_id, &t->local_id_data, &t->local_id_type,
	                               &t->local_id));
	i->remote_id = g_strdup(id_text(&sa->remote_id, &t->remote_id_data, &t->remote_id_type,
	                                &t->remote_id));
	i->algorithms = g_strdup(alg_text(&sa->ike, &t->alg, &t->algorithms));
	i->created = sa->created;
	i->established = sa->established;
	i->n_children = sa->children->len;
	i->messages_in = sa->messages_in;
	i->messages_out = sa->messages_out;
	i->retransmits = sa->total_retransmits;
	i->rekey_at = sa->rekey_at;
	i->expire_at = sa->expire_at;
	i->replaced_by = sa->replaced_by;
	return i;
}

static void
child_counters(ChildSa *c, EngineChildSaInfo *i)
{
	KernelSaStats st;
	KernelSaId id = {.proto = KERNEL_PROTO_ESP};

	if (c->state != CHILD_SA_STATE_INSTALLED || c->ike == NULL)
		return;
	id.dst.family = c->ike->local.family;
	memcpy(id.dst.bytes, c->ike->local.addr, 16);
	id.spi = c->spi_in;
	if (kernel_backend_query_sa(c->engine->kernel, &id, &st, NULL)) {
		i->bytes_in = st.bytes;
		i->packets_in = st.packets;
	}
	id.dst.family = c->ike->remote.family;
	memcpy(id.dst.bytes, c->ike->remote.addr, 16);
	id.spi = c->spi_out;
	if (kernel_backend_query_sa(c->engine->kernel, &id, &st, NULL)) {
		i->bytes_out = st.bytes;
		i->packets_out = st.packets;
	}
}

static EngineChildSaInfo *
child_info(ChildSa *c, EngineInfoFlags flags)
{
	EngineChildSaInfo *i = g_new0(EngineChildSaInfo, 1);
	SaText *t = &c->text;

	i->serial = c->serial;
	i->ike_serial = c->ike != NULL ? c->ike->serial : 0;
	i->connection = g_strdup(c->conn->cfg->name);
	i->state = g_strdup(child_sa_state_name(c->state));
	i->spi_in = c->spi_in;
	i->spi_out = c->spi_out;
	i->mode = g_strdup(kernel_mode_name(c->mode));
	i->encap = c->encap;
	i->algorithms = g_strdup(alg_text(&c->esp, &t->alg, &t->algorithms));
	i->local_ts = g_strdup(ts_text(c->ts_local, &t->ts_local, &t->local_ts));
	i->remote_ts = g_strdup(ts_text(c->ts_remote, &t->ts_remote, &t->remote_ts));
	i->reqid = c->reqid;
	i->established = c->established;
	i->rekey_at = c->rekey_at;
	i->expire_at = c->expire_at;
	i->replaced_by = c->replaced_by;
	if (flags & ENGINE_INFO_COUNTERS)
		child_counters(c, i);
	return i;
}

static IkeSa *
lookup_ike(Engine *engine, guint serial)
{
	return g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial));
}

static ChildSa *
lookup_child(Engine *engine, guint serial)
{
	return g_hash_table_lookup(engine->child_by_serial, GUINT_TO_POINTER(serial));
}

EngineIkeSaInfo *
engine_get_ike_sa_info(Engine *engine, guint serial)
{
	IkeSa *sa = lookup_ike(engine, serial);

	return sa != NULL ? ike_info(sa) : NULL;
}

EngineChildSaInfo *
engine_get_child_sa_info_full(Engine *engine, guint serial, EngineInfoFlags flags)
{
	ChildSa *c = lookup_child(engine, serial);

	return c != NULL ? child_info(c, flags) : NULL;
}

EngineChildSaInfo *
engine_get_child_sa_info(Engine *engine, guint serial)
{
	return engine_get_child_sa_info_full(engine, serial, ENGINE_INFO_COUNTERS);
}

/* ---- cheap state ------------------------------------------------------ */

gboolean
engine_get_ike_sa_state(Engine *engine, guint serial, EngineIkeSaState *state)
{
	IkeSa *sa = lookup_ike(engine, serial);

	if (sa == NULL)
		return FALSE;
	*state = sa->state;
	return TRUE;
}

gboolean
engine_get_child_sa_state(Engine *engine, guint serial, EngineChildSaState *state)
{
	ChildSa *c = lookup_child(engine, serial);

	if (c == NULL)
		return FALSE;
	*state = c->state;
	return TRUE;
}

gboolean
engine_get_sa_brief(Engine *engine, EngineSaKind kind, guint serial, EngineSaBrief *out)
{
	switch (kind) {
	case ENGINE_SA_KIND_IKE: {
		IkeSa *sa = lookup_ike(engine, serial);

		if (sa == NULL)
			return FALSE;
		engine_ike_brief(sa, out);
		return TRUE;
	}
	case ENGINE_SA_KIND_CHILD: {
		ChildSa *c = lookup_child(engine, serial);

		if (c == NULL)
			return FALSE;
		engine_child_brief(c, out);
		return TRUE;
	}
	}
	return FALSE;
}

gboolean
engine_get_connection_sa_counts(Engine *engine, const char *name, EngineConnSaCounts *out)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);

	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return FALSE;
	for (guint i = 0; i < ENGINE_IKE_SA_N_STATES; i++) {
		out->ike[i] = c->ike_by_state[i];
		out->n_ike += c->ike_by_state[i];
	}
	for (guint i = 0; i < ENGINE_CHILD_SA_N_STATES; i++) {
		out->child[i] = c->child_by_state[i];
		out->n_child += c->child_by_state[i];
	}
	return TRUE;
}

static gint
by_serial(gconstpointer a, gconstpointer b)
{
	guint x = **(const guint *const *) a, y = **(const guint *const *) b;

	return x < y ? -1 : x > y;
}

GPtrArray *
engine_list_ike_sas(Engine *engine)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) engine_ike_sa_info_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(out, ike_info(v));
	g_ptr_array_sort(out, by_serial);
	return out;
}

GPtrArray *
engine_list_child_sas_full(Engine *engine, EngineInfoFlags flags)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) engine_child_sa_info_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->child_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(out, child_info(v, flags));
	g_ptr_array_sort(out, by_serial);
	return out;
}

GPtrArray *
engine_list_child_sas(Engine *engine)
{
	return engine_list_child_sas_full(engine, ENGINE_INFO_COUNTERS);
}

GPtrArray *
engine_list_child_sas_of(Engine *engine, guint ike_serial, EngineInfoFlags flags)
{
	IkeSa *sa = lookup_ike(engine, ike_serial);
	GPtrArray *out;

	if (sa == NULL)
		return NULL;
	out = g_ptr_array_new_full(sa->children->len, (GDestroyNotify) engine_child_sa_info_free);
	for (guint i = 0; i < sa->children->len; i++)
		g_ptr_array_add(out, child_info(g_ptr_array_index(sa->children, i), flags));
	g_ptr_array_sort(out, by_serial);
	return out;
}

static gint
cmp_guint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *) a, y = *(const guint *) b;

	return x < y ? -1 : x > y;
}

GArray *
engine_list_child_sa_serials(Engine *engine, guint ike_serial)
{
	IkeSa *sa = lookup_ike(engine, ike_serial);
	GArray *out;

	if (sa == NULL)
		return NULL;
	out = g_array_sized_new(FALSE, FALSE, sizeof(guint), sa->children->len);
	for (guint i = 0; i < sa->children->len; i++) {
		const ChildSa *c = g_ptr_array_index(sa->children, i);

		g_array_append_val(out, c->serial);
	}
	g_array_sort(out, cmp_guint);
	return out;
}
