/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CREATE_CHILD_SA for Child SAs (RFC 7296 §1.3.1, §1.3.3, §2.8, §2.17):
 *
 *   HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr}  -->
 *                         <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 *                         <--  HDR, SK {N(error)}
 *
 * Both roles.  Without N(REKEY_SA) the exchange adds a Child SA to the IKE
 * SA (§1.3.1): the responder gives it to the connection whose selectors
 * fit the peer's among those that could have been chosen for the IKE SA
 * (ike-share.c), and the initiator asks for one for the connection being
 * initiated, or whose trap saw traffic.  A rekey (N(REKEY_SA) naming the
 * SPI the exchange initiator receives on) makes a new Child SA next to the
 * old one, of the old one's connection; the initiator of the rekey then
 * deletes the old one (§2.8).  With a KE payload (PFS) the key exchange
 * runs on the crypto worker; INVALID_KE_PAYLOAD (§1.3) gets one more
 * request with the group the peer names, if we offered it.  A refused new
 * Child SA leaves the IKE SA and its other Child SAs as they are.
 * Rekeying the IKE SA itself is exchange/rekey-ike.c.
 *
 * Collisions (§2.8.1, rekey-collision.c): a rekey request for a Child SA
 * whose rekey of ours is out is answered normally and remembered in our
 * task; when our answer comes, the SA made with the lowest of the four
 * nonces is deleted by its initiator, and the initiator of the other one
 * deletes the old SA.  TEMPORARY_FAILURE answers requests that meet an SA
 * being deleted or already rekeyed, or our own rekey of the IKE SA
 * (§2.25.1, §2.25.2); our request that gets it tries again a little later.
 */
#include <string.h>

#include "alg-nss.h"
#include "engine-private.h"

#define NONCE_LEN 32

typedef struct {
	Task task;
	guint child_serial; /* the new Child SA */
	guint old_serial;   /* the one being rekeyed, 0 = a new Child SA */
	guint16 error;      /* responder: the error notify to send */
	guint8 error_data[2];
	gsize error_len;
	gboolean waiting;
	gboolean derived;
	gboolean sent;      /* initiator: the request went out */
	guint peer_new_serial; /* initiator: the peer's simultaneous rekey made it */
	CryptoKe *ke;
	GError *job_error;
	/* initiator of a new Child SA (old_serial 0) */
	EngineConn *conn;    /* its connection (ref) */
	EngineRequest *req;  /* the initiate caller (ref), or NULL */
	gboolean acquire;    /* started by a kernel ACQUIRE */
	guint16 ke_group;    /* KE group to send, 0 = our first */
	gboolean ke_retried; /* this is the INVALID_KE_PAYLOAD retry */
} ChildTask;

static const TaskOps child_create_ops;

static ChildTask *
child_task(Task *t)
{
	return (ChildTask *) t;
}

static void
child_task_free(Task *t)
{
	ChildTask *ct = child_task(t);

	crypto_ke_free(ct->ke);
	g_clear_error(&ct->job_error);
	if (ct->req != NULL)
		engine_request_unref(ct->req);
	if (ct->conn != NULL)
		engine_conn_unref(ct->conn);
	g_free(ct);
}

static ChildSa *
lookup_child(IkeSa *sa, guint serial)
{
	ChildSa *c = serial != 0 ? g_hash_table_lookup(sa->engine->child_by_serial,
	                                               GUINT_TO_POINTER(serial))
	                         : NULL;

	return c != NULL && c->ike == sa ? c : NULL;
}

static GBytes *
random_nonce(void)
{
	guint8 n[NONCE_LEN];

	if (!crypto_random_fill(n, sizeof(n), NULL))
		for (guint i = 0; i < sizeof(n); i++)
			n[i] = (guint8) g_random_int();
	return g_bytes_new(n, sizeof(n));
}

static void
job_done(IkeSa *sa, KeJob *job)
{
	ChildTask *ct = child_task(job->owner);

	ct->waiting = FALSE;
	if (job->error != NULL) {
		ct->job_error = g_steal_pointer(&job->error);
		return;
	}
	crypto_ke_free(ct->ke);
	ct->ke = g_steal_pointer(&job->ke);
	if (job->g_ir != NULL) {
		ChildSa *c = lookup_child(sa, ct->child_serial);

		if (c != NULL) {
			ikebus_secbuf_free(c->g_ir);
			c->g_ir = g_steal_pointer(&job->g_ir);
		}
		ct->derived = TRUE;
	}
}

static void
submit(IkeSa *sa, ChildTask *ct, guint16 group, GBytes *peer)
{
	KeJob *job = g_new0(KeJob, 1);

	job->group = crypto_ke_group_lookup(group);
	job->ke = g_steal_pointer(&ct->ke);
	job->peer_public = peer != NULL ? g_bytes_ref(peer) : NULL;
	job->owner = &ct->task;
	ct->waiting = TRUE;
	engine_worker_submit(sa->engine, sa, job, job_done);
}

/* PFS groups for a Child SA of @sa: the esp= groups, else with pfs=yes the
 * IKE SA's group, else none. */
static void
set_pfs_groups(IkeSa *sa, ChildSa *c)
{
	const PropSpec *first = c->props->len > 0 ? &g_array_index(c->props, PropSpec, 0) : NULL;

	if (first != NULL && first->n_ke > 0)
		return;
	if (c->conn->cfg->pfs)
		proposal_set_ke(c->props, &sa->ike.ke, 1);
	else
		proposal_set_ke(c->props, NULL, 0);
}

static void
add_payloads(ChildSa *c, const PropChoice *choice, GBytes *nonce, CryptoKe *ke, guint16 group,
             const GArray *tsi, const GArray *tsr, GPtrArray *payloads)
{
	IkePayload *sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	IkePayload *tsi_pl = ike_payload_new_ts(IKE_PAYLOAD_TSI);
	IkePayload *tsr_pl = ike_payload_new_ts(IKE_PAYLOAD_TSR);
	guint8 spi[4] = {(guint8) (c->spi_in >> 24), (guint8) (c->spi_in >> 16),
	                 (guint8) (c->spi_in >> 8), (guint8) c->spi_in};
	gsize n;
	const guint8 *d;

	if (c->mode == KERNEL_MODE_TRANSPORT)
		g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_USE_TRANSPORT_MODE, NULL,
		                                                 0, NULL, 0));
	if (choice != NULL)
		proposal_add_choice(sa_pl, choice, spi, sizeof(spi));
	else
		proposal_add_to_sa(sa_pl, c->props, spi, sizeof(spi), TRUE);
	g_ptr_array_add(payloads, sa_pl);
	d = g_bytes_get_data(nonce, &n);
	g_ptr_array_add(payloads, ike_payload_new_nonce(d, n));
	if (ke != NULL) {
		d = g_bytes_get_data(crypto_ke_get_public(ke), &n);
		g_ptr_array_add(payloads, ike_payload_new_ke(group, d, n));
	}
	ts_add_to_payload(tsi_pl, tsi);
	ts_add_to_payload(tsr_pl, tsr);
	g_ptr_array_add(payloads, tsi_pl);
	g_ptr_array_add(payloads, tsr_pl);
}

/* A line about Child SA @c, under its own connection's name (it may not be
 * the IKE SA's); also to the initiate caller @req when there is one. */
static void child_log(IkeSa *sa, ChildSa *c, EngineRequest *req, GLogLevelFlags level,
                      EngineStatus code, const char *fmt, ...) G_GNUC_PRINTF(6, 7);

static void
child_log(IkeSa *sa, ChildSa *c, EngineRequest *req, GLogLevelFlags level, EngineStatus code,
          const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	g_autofree char *line = NULL;
	gboolean to_log = engine_log_wanted(sa->engine, level);

	if (!to_log && req == NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	line = g_strdup_printf("\"%s\" #%u: %s", c->conn->cfg->name, c->serial, msg);
	if (to_log)
		g_log(G_LOG_DOMAIN, level, "%s", line);
	if (req != NULL)
		engine_request_line(req, code, line);
}

static void
addr_from_ep(const NetEndpoint *ep, KernelAddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ep->family;
	memcpy(a->bytes, ep->addr, net_endpoint_addr_len(ep));
}

/* ---- responder: which connection a new Child SA belongs to ------------- */

/* How well connection @c's selectors (as @sa orients it) take the peer's:
 * 2 when the peer's lie inside ours (we answer them unchanged), 1 when
 * only narrowing (§2.9) finds something and @c allows it, else 0. */
static gint
ts_fit(IkeSa *sa, EngineConn *c, const GArray *peer_i, const GArray *peer_r)
{
	KernelAddr local, remote;
	g_autoptr(GArray) ours_l = NULL;
	g_autoptr(GArray) ours_r = NULL;
	g_autoptr(GArray) nl = NULL;
	g_autoptr(GArray) nr = NULL;

	addr_from_ep(&sa->local, &local);
	addr_from_ep(&sa->remote, &remote);
	ours_l = ts_from_end(engine_conn_local_end(c, sa->local_is_left), &local, NULL);
	ours_r = ts_from_end(engine_conn_remote_end(c, sa->local_is_left), &remote, NULL);
	if (ours_l == NULL || ours_r == NULL || peer_i->len == 0 || peer_r->len == 0)
		return 0;
	/* TSi is the initiator's side: our remote one */
	if (ts_subset(peer_i, ours_r) && ts_subset(peer_r, ours_l))
		return 2;
	if (!c->cfg->narrowing)
		return 0;
	nr = ts_narrow(ours_r, peer_i);
	nl = ts_narrow(ours_l, peer_r);
	return nr->len > 0 && nl->len > 0 ? 1 : 0;
}

/* ESP proposals of @c for a Child SA on @sa; with a KE payload and no esp=
 * groups, the IKE SA's groups are acceptable for PFS. */
static GArray *
candidate_props(IkeSa *sa, EngineConn *c, gboolean with_ke)
{
	GArray *props = g_array_copy(c->esp_props);

	if (with_ke && proposal_first_ke(props) == 0 && sa->ike_props != NULL &&
	    sa->ike_props->len > 0) {
		const PropSpec *ike = &g_array_index(sa->ike_props, PropSpec, 0);

		proposal_set_ke(props, ike->ke, ike->n_ke);
	}
	return props;
}

guint16
child_create_pick_conn(IkeSa *sa, IkeMessage *msg, EngineConn **out)
{
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	g_autoptr(GArray) peer_i = ts_from_payload(ike_message_get_payload(msg, IKE_PAYLOAD_TSI));
	g_autoptr(GArray) peer_r = ts_from_payload(ike_message_get_payload(msg, IKE_PAYLOAD_TSR));
	g_autoptr(GPtrArray) cands = ike_share_candidates(sa);
	guint16 refusal = IKE_NOTIFY_TS_UNACCEPTABLE;
	gint best = 0;

	*out = NULL;
	for (guint i = 0; i < cands->len; i++) {
		EngineConn *c = g_ptr_array_index(cands, i);
		g_autoptr(GArray) props = NULL;
		const IkeProposal *pp = NULL;
		PropChoice choice;
		gint fit = ts_fit(sa, c, peer_i, peer_r);

		if (fit <= best)
			continue;
		props = candidate_props(sa, c, ke != NULL);
		if (props->len == 0 ||
		    !proposal_select(props, sa_pl, ke != NULL ? ke->u.ke.group : 0, &choice, &pp)) {
			/* the selectors fit: the proposals are what is wrong */
			refusal = IKE_NOTIFY_NO_PROPOSAL_CHOSEN;
			continue;
		}
		*out = c;
		best = fit;
	}
	return *out != NULL ? 0 : refusal;
}

/* ---- responder -------------------------------------------------------- */

static TaskResult
refuse(ChildTask *ct, IkeSa *sa, guint16 notify, const char *why)
{
	char buf[IKE_NAME_BUF_LEN];
	ChildSa *c = lookup_child(sa, ct->child_serial);

	ct->error = notify;
	if (c != NULL)
		child_sa_destroy(c);
	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
	           "CREATE_CHILD_SA request: %s; answering %s", why,
	           ike_name_or_unknown(IKE_REG_NOTIFY, notify, buf, sizeof(buf)));
	return TASK_OK;
}

/* Our rekey of Child SA @old_serial whose request is out, or NULL. */
static ChildTask *
own_rekey_in_flight(IkeSa *sa, guint old_serial)
{
	ChildTask *ct;

	if (sa->active == NULL || sa->active->ops != &child_create_ops || sa->building == 1)
		return NULL;
	ct = child_task(sa->active);
	return ct->task.initiator && ct->sent && ct->old_serial == old_serial ? ct : NULL;
}

/* The peer rekeyed @old_serial into @c: a collision with ours (decided when
 * our answer comes), or @c simply replaces it (the peer deletes @old). */
static void
note_peer_rekey(IkeSa *sa, guint old_serial, ChildSa *c)
{
	ChildSa *old = lookup_child(sa, old_serial);
	ChildTask *mine;

	if (old == NULL)
		return;
	mine = own_rekey_in_flight(sa, old_serial);
	if (mine != NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "simultaneous rekey of Child SA #%u: answered the peer's (#%u) while ours "
		           "is out", old->serial, c->serial);
		mine->peer_new_serial = c->serial;
		return;
	}
	old->replaced_by = c->serial;
}

/* Our rekey made no SA.  If the peer's simultaneous one did, that one
 * replaces the old SA (the peer deletes it); else maybe try again. */
static void
settle_without_ours(ChildTask *ct, IkeSa *sa, gboolean retry)
{
	ChildSa *old = lookup_child(sa, ct->old_serial);
	ChildSa *pn = lookup_child(sa, ct->peer_new_serial);

	if (old == NULL)
		return;
	old->rekey_started = FALSE;
	if (pn != NULL && pn->state == CHILD_SA_STATE_INSTALLED)
		old->replaced_by = pn->serial;
	else if (retry && old->replaced_by == 0)
		lifetime_child_retry(old, (guint) g_random_int_range(1000, 3000));
}

/* The parts that need no key exchange: proposal, selectors, SPI. */
static TaskResult
responder_prepare(ChildTask *ct, IkeSa *sa, IkeMessage *msg)
{
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	IkePayload *rekey = ike_message_get_notify(msg, IKE_NOTIFY_REKEY_SA);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) peer_i = NULL;
	g_autoptr(GArray) peer_r = NULL;
	const IkeProposal *pp = NULL;
	ChildSa *c, *old = NULL;
	EngineConn *conn = sa->conn;
	guint16 why;

	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa_pl == NULL || nonce == NULL)
		return refuse(ct, sa, IKE_NOTIFY_NO_ADDITIONAL_SAS, "not a Child SA request");
	if (ike_message_get_payload(msg, IKE_PAYLOAD_TSI) == NULL ||
	    ike_message_get_payload(msg, IKE_PAYLOAD_TSR) == NULL)
		return refuse(ct, sa, IKE_NOTIFY_NO_ADDITIONAL_SAS, "no traffic selectors");
	/* §2.25.2: not while the IKE SA is being rekeyed */
	if (task_is_ike_rekey(sa->active) || sa->replaced_by != 0)
		return refuse(ct, sa, IKE_NOTIFY_TEMPORARY_FAILURE, "the IKE SA is being rekeyed");
	if (rekey != NULL && rekey->u.notify.spi_len == 4) {
		old = engine_find_child_by_spi_out(sa, child_spi_from_bytes(rekey->u.notify.spi));
		if (old == NULL)
			return refuse(ct, sa, IKE_NOTIFY_CHILD_SA_NOT_FOUND, "no Child SA to rekey");
		/* §2.25.1: being deleted, or rekeyed already */
		if (old->state != CHILD_SA_STATE_INSTALLED || old->replaced_by != 0)
			return refuse(ct, sa, IKE_NOTIFY_TEMPORARY_FAILURE,
			              "the Child SA is being deleted or was rekeyed already");
		/* the rekeyed SA stays with its connection */
		conn = old->conn;
	} else if ((why = child_create_pick_conn(sa, msg, &conn)) != 0) {
		return refuse(ct, sa, why,
		              why == IKE_NOTIFY_TS_UNACCEPTABLE
		                      ? "no connection of this IKE SA takes the traffic selectors"
		                      : "no acceptable proposal");
	}
	c = child_sa_new_for(sa, conn);
	c->initiator = FALSE;
	ct->child_serial = c->serial;
	ct->old_serial = old != NULL ? old->serial : 0;
	c->rekeys_serial = ct->old_serial;
	if (!child_sa_setup_from_conn(c, &error))
		return refuse(ct, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, error->message);
	g_array_unref(c->props);
	c->props = candidate_props(sa, conn, ke != NULL);
	if (!proposal_select(c->props, sa_pl, ke != NULL ? ke->u.ke.group : 0, &c->esp, &pp) ||
	    pp->spi_len != 4)
		return refuse(ct, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, "no acceptable proposal");
	if ((c->esp.ke != 0) != (ke != NULL) || (ke != NULL && c->esp.ke != ke->u.ke.group)) {
		ct->error_data[0] = (guint8) (c->esp.ke >> 8);
		ct->error_data[1] = (guint8) c->esp.ke;
		ct->error_len = c->esp.ke != 0 ? 2 : 0;
		return refuse(ct, sa,
		              c->esp.ke != 0 ? IKE_NOTIFY_INVALID_KE_PAYLOAD : IKE_NOTIFY_NO_PROPOSAL_CHOSEN,
		              "KE payload does not match the chosen proposal");
	}
	c->spi_out = child_spi_from_bytes(pp->spi);
	peer_i = ts_from_payload(ike_message_get_payload(msg, IKE_PAYLOAD_TSI));
	peer_r = ts_from_payload(ike_message_get_payload(msg, IKE_PAYLOAD_TSR));
	{
		g_autoptr(GArray) nr = ts_narrow(c->ts_remote, peer_i);
		g_autoptr(GArray) nl = ts_narrow(c->ts_local, peer_r);

		if (nr->len == 0 || nl->len == 0)
			return refuse(ct, sa, IKE_NOTIFY_TS_UNACCEPTABLE, "traffic selectors");
		g_array_unref(c->ts_remote);
		c->ts_remote = g_steal_pointer(&nr);
		g_array_unref(c->ts_local);
		c->ts_local = g_steal_pointer(&nl);
	}
	if (ike_message_get_notify(msg, IKE_NOTIFY_USE_TRANSPORT_MODE) == NULL)
		c->mode = KERNEL_MODE_TUNNEL;
	c->ni = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	c->nr = random_nonce();
	if (!child_sa_alloc_spi(c, &error))
		return refuse(ct, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, error->message);
	if (ke != NULL) {
		g_autoptr(GBytes) peer = g_bytes_new(ke->u.ke.data, ke->u.ke.data_len);

		submit(sa, ct, c->esp.ke, peer);
		return TASK_ASYNC;
	}
	return TASK_OK;
}

static TaskResult
process_request(Task *t, IkeSa *sa, IkeMessage *msg)
{
	ChildTask *ct = child_task(t);
	g_autoptr(GError) error = NULL;
	TaskResult r = TASK_OK;
	ChildSa *c;

	if (!ct->derived && ct->job_error == NULL) {
		r = responder_prepare(ct, sa, msg);
		if (r != TASK_OK || ct->error != 0)
			return r;
	}
	if (ct->job_error != NULL)
		return refuse(ct, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, ct->job_error->message);
	c = lookup_child(sa, ct->child_serial);
	if (c == NULL)
		return refuse(ct, sa, IKE_NOTIFY_NO_ADDITIONAL_SAS, "Child SA vanished");
	if (!child_sa_install(c, &error))
		return refuse(ct, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, error->message);
	note_peer_rekey(sa, ct->old_serial, c);
	{
		g_autofree char *desc = child_sa_describe(c);

		if (ct->old_serial != 0)
			ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			           "responder rekeyed Child SA #%u (replacing an older one); %s",
			           c->serial, desc);
		else
			child_log(sa, c, NULL, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			          "responder established Child SA using #%u; %s", sa->serial, desc);
	}
	return TASK_OK;
}

static TaskResult
build_response(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	ChildTask *ct = child_task(t);
	ChildSa *c = lookup_child(sa, ct->child_serial);

	if (ct->error != 0 || c == NULL) {
		g_ptr_array_add(payloads,
		                ike_payload_new_notify(0, ct->error != 0 ? ct->error
		                                                         : IKE_NOTIFY_NO_ADDITIONAL_SAS,
		                                       NULL, 0, ct->error_data, ct->error_len));
		return TASK_OK;
	}
	add_payloads(c, &c->esp, c->nr, ct->ke, c->esp.ke, c->ts_remote, c->ts_local, payloads);
	return TASK_OK;
}

/* ---- initiator of a new Child SA ----------------------------------------- */

static EngineStatus
notify_status(guint16 type)
{
	switch (type) {
	case IKE_NOTIFY_NO_PROPOSAL_CHOSEN:
	case IKE_NOTIFY_TS_UNACCEPTABLE:
	case IKE_NOTIFY_INVALID_KE_PAYLOAD:
		return ENGINE_STATUS_NO_PROPOSAL;
	default:
		return ENGINE_STATUS_PEER_ERROR;
	}
}

/* The new Child SA was not made: the caller and the trap learn of it; the
 * IKE SA and its other Child SAs carry on (§1.3.1). */
static void
new_failed(ChildTask *ct, IkeSa *sa, EngineStatus status)
{
	ChildSa *c = lookup_child(sa, ct->child_serial);

	if (c != NULL)
		child_sa_destroy(c);
	ct->child_serial = 0;
	if (ct->req != NULL)
		engine_request_finish(ct->req, status);
	if (ct->acquire)
		route_acquire_failed(sa->engine, ct->conn, sa->serial);
	ct->acquire = FALSE;
}

static TaskResult
build_new_request(ChildTask *ct, IkeSa *sa, GPtrArray *payloads)
{
	ChildSa *c = lookup_child(sa, ct->child_serial);
	g_autoptr(GError) error = NULL;
	guint16 group;

	if (sa->state != IKE_SA_STATE_ESTABLISHED || ct->conn->deleted) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_SUPERSEDED,
		           "no new Child SA for \"%s\": the IKE SA is %s", ct->conn->cfg->name,
		           ct->conn->deleted ? "established, but the connection was deleted"
		                             : ike_sa_state_name(sa->state));
		new_failed(ct, sa, ENGINE_STATUS_SUPERSEDED);
		return TASK_SKIP;
	}
	if (c == NULL) {
		c = child_sa_new_for(sa, ct->conn);
		c->initiator = TRUE;
		ct->child_serial = c->serial;
		if (!child_sa_setup_from_conn(c, &error) || !child_sa_alloc_spi(c, &error)) {
			child_log(sa, c, ct->req, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
			          "cannot start a Child SA: %s", error->message);
			new_failed(ct, sa, ENGINE_STATUS_KERNEL_FAILED);
			return TASK_SKIP;
		}
		set_pfs_groups(sa, c);
		c->ni = random_nonce();
	}
	if (ct->job_error != NULL) {
		child_log(sa, c, ct->req, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
		          "key exchange: %s", ct->job_error->message);
		new_failed(ct, sa, ENGINE_STATUS_KERNEL_FAILED);
		return TASK_SKIP;
	}
	group = ct->ke_group != 0 ? ct->ke_group : proposal_first_ke(c->props);
	if (group != 0 && ct->ke == NULL) {
		submit(sa, ct, group, NULL);
		return TASK_ASYNC;
	}
	add_payloads(c, NULL, c->ni, ct->ke, group, c->ts_local, c->ts_remote, payloads);
	ct->sent = TRUE;
	child_log(sa, c, ct->req, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	          "sent CREATE_CHILD_SA request for a new Child SA using IKE SA #%u%s", sa->serial,
	          group != 0 ? " (with PFS)" : "");
	return TASK_OK;
}

/* §1.3: INVALID_KE_PAYLOAD names the group the responder wants; one more
 * request with it, as a new exchange, if we offered that group.  TRUE when
 * the retry is queued. */
static gboolean
retry_with_group(ChildTask *ct, IkeSa *sa, ChildSa *c, const IkePayload *n)
{
	guint16 group;
	ChildTask *retry;
	char buf[IKE_NAME_BUF_LEN];

	if (ct->ke_retried || n->u.notify.data_len != 2)
		return FALSE;
	group = (guint16) (n->u.notify.data[0] << 8 | n->u.notify.data[1]);
	if (group == 0 || crypto_ke_group_lookup(group) == NULL || !proposal_has_ke(c->props, group) ||
	    (ct->ke != NULL && group == (ct->ke_group != 0 ? ct->ke_group : proposal_first_ke(c->props))))
		return FALSE;
	child_log(sa, c, ct->req, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
	          "CREATE_CHILD_SA response asks for KE group %s; trying again with it",
	          ike_name_or_unknown(IKE_REG_KE, group, buf, sizeof(buf)));
	retry = child_task(task_child_create_new(ct->conn, ct->req, ct->acquire));
	retry->ke_group = group;
	retry->ke_retried = TRUE;
	child_sa_destroy(c);
	ct->child_serial = 0;
	ct->acquire = FALSE;
	/* next, before anything queued meanwhile: the caller waits for it */
	g_queue_push_head(sa->queue, retry);
	return TRUE;
}

static TaskResult
new_install(ChildTask *ct, IkeSa *sa, ChildSa *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *desc = NULL;

	if (ct->job_error != NULL || !child_sa_install(c, &error)) {
		child_log(sa, c, ct->req, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
		          "cannot install the Child SA: %s",
		          ct->job_error != NULL ? ct->job_error->message : error->message);
		new_failed(ct, sa, ENGINE_STATUS_KERNEL_FAILED);
		return TASK_OK;
	}
	desc = child_sa_describe(c);
	child_log(sa, c, ct->req, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	          "initiator established Child SA using #%u; %s", sa->serial, desc);
	ct->acquire = FALSE;
	if (ct->req != NULL)
		engine_request_finish(ct->req, ENGINE_STATUS_OK);
	return TASK_OK;
}

static TaskResult
process_new_response(ChildTask *ct, IkeSa *sa, IkeMessage *msg, ChildSa *c)
{
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	IkePayload *tsi = ike_message_get_payload(msg, IKE_PAYLOAD_TSI);
	IkePayload *tsr = ike_message_get_payload(msg, IKE_PAYLOAD_TSR);
	guint16 sent_group = ct->ke != NULL ? (ct->ke_group != 0 ? ct->ke_group
	                                                          : proposal_first_ke(c->props))
	                                    : 0;
	const IkeProposal *pp = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) li = NULL;
	g_autoptr(GArray) ri = NULL;
	char buf[IKE_NAME_BUF_LEN];

	if (ct->derived || ct->job_error != NULL)
		return new_install(ct, sa, c);
	if (sa_pl == NULL || nonce == NULL || tsi == NULL || tsr == NULL) {
		for (guint i = 0; msg->inner != NULL && i < msg->inner->len; i++) {
			const IkePayload *n = g_ptr_array_index(msg->inner, i);

			if (n->type != IKE_PAYLOAD_NOTIFY || n->u.notify.type >= 16384)
				continue;
			if (n->u.notify.type == IKE_NOTIFY_INVALID_KE_PAYLOAD &&
			    retry_with_group(ct, sa, c, n))
				return TASK_OK;
			child_log(sa, c, ct->req, G_LOG_LEVEL_MESSAGE, notify_status(n->u.notify.type),
			          "CREATE_CHILD_SA response refused the Child SA with %s",
			          ike_name_or_unknown(IKE_REG_NOTIFY, n->u.notify.type, buf, sizeof(buf)));
			new_failed(ct, sa, notify_status(n->u.notify.type));
			return TASK_OK;
		}
		child_log(sa, c, ct->req, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		          "CREATE_CHILD_SA response has no Child SA and no error");
		new_failed(ct, sa, ENGINE_STATUS_PEER_ERROR);
		return TASK_OK;
	}
	li = ts_from_payload(tsi);
	ri = ts_from_payload(tsr);
	/* §2.9: the responder may narrow, never widen */
	if (!proposal_accept_reply(c->props, sa_pl, &c->esp, &pp, &error) || pp->spi_len != 4 ||
	    (c->esp.ke != 0) != (ke != NULL) || (ke != NULL && ke->u.ke.group != sent_group) ||
	    li->len == 0 || ri->len == 0 || !ts_subset(li, c->ts_local) ||
	    !ts_subset(ri, c->ts_remote)) {
		child_log(sa, c, ct->req, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_PROPOSAL,
		          "CREATE_CHILD_SA response not acceptable: %s",
		          error != NULL ? error->message : "KE, SPI or traffic selectors");
		new_failed(ct, sa, ENGINE_STATUS_NO_PROPOSAL);
		return TASK_OK;
	}
	c->nr = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	child_sa_take_answer(c, pp, &li, &ri, msg);
	if (ke != NULL) {
		g_autoptr(GBytes) peer = g_bytes_new(ke->u.ke.data, ke->u.ke.data_len);

		submit(sa, ct, c->esp.ke, peer);
		return TASK_ASYNC;
	}
	return new_install(ct, sa, c);
}

/* ---- initiator (rekey) ------------------------------------------------ */

static TaskResult
build_request(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	ChildTask *ct = child_task(t);
	ChildSa *old = lookup_child(sa, ct->old_serial);
	ChildSa *c = lookup_child(sa, ct->child_serial);
	g_autoptr(GError) error = NULL;
	guint8 spi[4];
	guint16 group;

	if (ct->conn != NULL)
		return build_new_request(ct, sa, payloads);
	if (sa->state != IKE_SA_STATE_ESTABLISHED || old == NULL ||
	    old->state != CHILD_SA_STATE_INSTALLED || old->replaced_by != 0) {
		if (c != NULL)
			child_sa_destroy(c);
		ct->child_serial = 0;
		return TASK_SKIP;
	}
	if (c == NULL) {
		c = child_sa_new_for(sa, old->conn);
		c->initiator = TRUE;
		c->rekeys_serial = old->serial;
		ct->child_serial = c->serial;
		if (!child_sa_setup_from_conn(c, &error) || !child_sa_alloc_spi(c, &error)) {
			ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED, "rekey: %s",
			           error->message);
			child_sa_destroy(c);
			return TASK_SKIP;
		}
		/* the rekeyed SA keeps the old one's selectors and mode */
		g_array_unref(c->ts_local);
		c->ts_local = g_array_ref(old->ts_local);
		g_array_unref(c->ts_remote);
		c->ts_remote = g_array_ref(old->ts_remote);
		c->mode = old->mode;
		set_pfs_groups(sa, c);
		c->ni = random_nonce();
	}
	group = proposal_first_ke(c->props);
	if (group != 0 && ct->ke == NULL) {
		submit(sa, ct, group, NULL);
		return TASK_ASYNC;
	}
	spi[0] = (guint8) (old->spi_in >> 24);
	spi[1] = (guint8) (old->spi_in >> 16);
	spi[2] = (guint8) (old->spi_in >> 8);
	spi[3] = (guint8) old->spi_in;
	g_ptr_array_add(payloads, ike_payload_new_notify(IKE_PROTO_ESP, IKE_NOTIFY_REKEY_SA, spi, 4,
	                                                 NULL, 0));
	add_payloads(c, NULL, c->ni, ct->ke, group, c->ts_local, c->ts_remote, payloads);
	ct->sent = TRUE;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "sent CREATE_CHILD_SA request to rekey Child SA #%u as #%u", old->serial, c->serial);
	return TASK_OK;
}

static TaskResult
initiator_install(ChildTask *ct, IkeSa *sa, ChildSa *c)
{
	g_autoptr(GError) error = NULL;
	ChildSa *old = lookup_child(sa, ct->old_serial);
	ChildSa *pn;

	/* the peer's rekey of the same SA is being answered: decide once it is
	 * (§2.8.1 needs both exchanges); process_response comes back here */
	if (sa->responding != NULL && sa->responding->ops == &child_create_ops &&
	    child_task(sa->responding)->old_serial == ct->old_serial && ct->old_serial != 0) {
		ct->derived = TRUE;
		sa->active_parked = TRUE;
		return TASK_ASYNC;
	}
	if (ct->job_error != NULL || !child_sa_install(c, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
		           "rekey: cannot install Child SA #%u: %s", c->serial,
		           ct->job_error != NULL ? ct->job_error->message : error->message);
		child_sa_destroy(c);
		settle_without_ours(ct, sa, FALSE);
		return TASK_OK;
	}
	{
		g_autofree char *desc = child_sa_describe(c);

		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "rekeyed Child SA #%u as #%u; %s",
		           ct->old_serial, c->serial, desc);
	}
	pn = lookup_child(sa, ct->peer_new_serial);
	if (pn != NULL && pn->state == CHILD_SA_STATE_INSTALLED) {
		if (rekey_lowest_nonce_in(c->ni, c->nr, pn->ni, pn->nr)) {
			/* §2.8.1: ours is redundant; the peer deletes the old SA */
			ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			           "simultaneous rekey of Child SA #%u: the lowest nonce is ours, so "
			           "#%u survives and we delete our #%u",
			           ct->old_serial, pn->serial, c->serial);
			if (old != NULL)
				old->replaced_by = pn->serial;
			c->replaced_by = pn->serial;
			ike_sa_queue_task(sa, task_delete_child_new(c));
			return TASK_OK;
		}
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "simultaneous rekey of Child SA #%u: the lowest nonce is the peer's, so our "
		           "#%u survives and the peer deletes its #%u",
		           ct->old_serial, c->serial, pn->serial);
		pn->replaced_by = c->serial;
	}
	/* §2.8: the initiator of the rekey deletes the old SA */
	if (old != NULL) {
		old->replaced_by = c->serial;
		ike_sa_queue_task(sa, task_delete_child_new(old));
	}
	return TASK_OK;
}

static TaskResult
process_response(Task *t, IkeSa *sa, IkeMessage *msg)
{
	ChildTask *ct = child_task(t);
	ChildSa *c = lookup_child(sa, ct->child_serial);
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	const IkeProposal *pp = NULL;
	g_autoptr(GError) error = NULL;

	if (ct->conn != NULL) {
		if (c == NULL) {
			new_failed(ct, sa, ENGINE_STATUS_SUPERSEDED);
			return TASK_OK;
		}
		return process_new_response(ct, sa, msg, c);
	}
	if (c == NULL) {
		settle_without_ours(ct, sa, FALSE);
		return TASK_OK;
	}
	if (ct->derived || ct->job_error != NULL)
		return initiator_install(ct, sa, c);
	if (sa_pl == NULL || nonce == NULL ||
	    !proposal_accept_reply(c->props, sa_pl, &c->esp, &pp, &error) || pp->spi_len != 4 ||
	    (c->esp.ke != 0) != (ke != NULL)) {
		IkePayload *n = ike_message_get_payload(msg, IKE_PAYLOAD_NOTIFY);
		char buf[IKE_NAME_BUF_LEN];

		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "CREATE_CHILD_SA response refused the rekey (%s)",
		           n != NULL ? ike_name_or_unknown(IKE_REG_NOTIFY, n->u.notify.type, buf,
		                                           sizeof(buf))
		                     : "no acceptable reply");
		child_sa_destroy(c);
		/* §2.25: TEMPORARY_FAILURE means try again a little later */
		settle_without_ours(ct, sa, n != NULL && n->u.notify.type == IKE_NOTIFY_TEMPORARY_FAILURE);
		return TASK_OK;
	}
	c->spi_out = child_spi_from_bytes(pp->spi);
	c->nr = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	if (ke != NULL) {
		g_autoptr(GBytes) peer = g_bytes_new(ke->u.ke.data, ke->u.ke.data_len);

		submit(sa, ct, c->esp.ke, peer);
		return TASK_ASYNC;
	}
	return initiator_install(ct, sa, c);
}

static void
child_abort(Task *t, IkeSa *sa, EngineStatus why)
{
	ChildTask *ct = child_task(t);
	ChildSa *c = lookup_child(sa, ct->child_serial);

	if (c != NULL && c->state == CHILD_SA_STATE_LARVAL)
		child_sa_destroy(c);
	ct->child_serial = 0;
	if (ct->conn != NULL)
		new_failed(ct, sa, why != ENGINE_STATUS_OK ? why : ENGINE_STATUS_SUPERSEDED);
}

static const TaskOps child_create_ops = {
	.name = "CREATE_CHILD_SA",
	.exchange = IKE_EXCHANGE_CREATE_CHILD_SA,
	.build_request = build_request,
	.process_response = process_response,
	.process_request = process_request,
	.build_response = build_response,
	.abort = child_abort,
	.free = child_task_free,
};

Task *
task_child_create_responder_new(void)
{
	ChildTask *ct = g_new0(ChildTask, 1);

	ct->task.ops = &child_create_ops;
	return &ct->task;
}

Task *
task_child_rekey_new(ChildSa *child)
{
	ChildTask *ct = g_new0(ChildTask, 1);

	ct->task.ops = &child_create_ops;
	ct->task.initiator = TRUE;
	ct->old_serial = child->serial;
	return &ct->task;
}

Task *
task_child_create_new(EngineConn *conn, EngineRequest *req, gboolean acquire)
{
	ChildTask *ct = g_new0(ChildTask, 1);

	ct->task.ops = &child_create_ops;
	ct->task.initiator = TRUE;
	ct->conn = engine_conn_ref(conn);
	ct->req = req != NULL ? engine_request_ref(req) : NULL;
	ct->acquire = acquire;
	return &ct->task;
}
