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
	sa->ike_props = proposal_parse(conn->cfg->ike, IKE_PROTO_IKE, &error);
	if (sa->ike_props == NULL ||
	    !engine_id_from_text(engine_end_id_text(le), &sa->local_id, &error) ||
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

static IkeSa *
established_sa_of(Engine *engine, EngineConn *c)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		IkeSa *sa = v;

		if (sa->conn == c && sa->state == IKE_SA_STATE_ESTABLISHED && sa->children->len > 0)
			return sa;
	}
	return NULL;
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
	c->attempts = 0;
	engine_start_ike_sa(engine, c, left, &remote, req);
	engine_request_unref(req);
	return TRUE;
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

		if (sa->conn != c || sa->state == IKE_SA_STATE_DEAD)
			continue;
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

static EngineIkeSaInfo *
ike_info(IkeSa *sa)
{
	EngineIkeSaInfo *i = g_new0(EngineIkeSaInfo, 1);
	char buf[80];

	i->serial = sa->serial;
	i->connection = g_strdup(ike_sa_conn_name(sa));
	i->state = g_strdup(ike_sa_state_name(sa->state));
	i->initiator = sa->initiator;
	i->spi_i = sa->spi_i;
	i->spi_r = sa->spi_r;
	i->local_host = g_strdup(net_endpoint_addr_to_string(&sa->local, buf, sizeof(buf)));
	i->local_port = sa->local.port;
	i->remote_host = g_strdup(net_endpoint_addr_to_string(&sa->remote, buf, sizeof(buf)));
	i->remote_port = sa->remote.port;
	i->nat_detected = sa->nat_local || sa->nat_remote;
	i->local_id = sa->local_id.data != NULL ? engine_id_to_text(&sa->local_id) : NULL;
	i->remote_id = sa->remote_id.data != NULL ? engine_id_to_text(&sa->remote_id) : NULL;
	i->algorithms = sa->ike.encr != 0 ? proposal_choice_to_string(&sa->ike) : NULL;
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
child_info(ChildSa *c)
{
	EngineChildSaInfo *i = g_new0(EngineChildSaInfo, 1);

	i->serial = c->serial;
	i->ike_serial = c->ike != NULL ? c->ike->serial : 0;
	i->connection = g_strdup(c->conn->cfg->name);
	i->state = g_strdup(child_sa_state_name(c->state));
	i->spi_in = c->spi_in;
	i->spi_out = c->spi_out;
	i->mode = g_strdup(kernel_mode_name(c->mode));
	i->encap = c->encap;
	i->algorithms = c->esp.encr != 0 ? proposal_choice_to_string(&c->esp) : NULL;
	i->local_ts = c->ts_local != NULL ? ts_array_to_string(c->ts_local) : NULL;
	i->remote_ts = c->ts_remote != NULL ? ts_array_to_string(c->ts_remote) : NULL;
	i->reqid = c->reqid;
	i->established = c->established;
	i->rekey_at = c->rekey_at;
	i->expire_at = c->expire_at;
	i->replaced_by = c->replaced_by;
	child_counters(c, i);
	return i;
}

EngineIkeSaInfo *
engine_get_ike_sa_info(Engine *engine, guint serial)
{
	IkeSa *sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial));

	return sa != NULL ? ike_info(sa) : NULL;
}

EngineChildSaInfo *
engine_get_child_sa_info(Engine *engine, guint serial)
{
	ChildSa *c = g_hash_table_lookup(engine->child_by_serial, GUINT_TO_POINTER(serial));

	return c != NULL ? child_info(c) : NULL;
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
engine_list_child_sas(Engine *engine)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) engine_child_sa_info_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->child_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(out, child_info(v));
	g_ptr_array_sort(out, by_serial);
	return out;
}
