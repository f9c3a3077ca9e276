/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18), both
 * roles:
 *
 *   HDR, SK {SA, Ni, KEi}  -->
 *                          <--  HDR, SK {SA, Nr, KEr}
 *                          <--  HDR, SK {N(INVALID_KE_PAYLOAD | TEMPORARY_FAILURE |
 *                                          NO_PROPOSAL_CHOSEN)}
 *
 * The SA payloads carry the new SPIs (8 octets).  The new IKE SA:
 *   - its initiator is whoever started the rekey (§2.18, §3.1 I flag),
 *   - its Message IDs start at 0,
 *   - SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old PRF,
 *     then the seven keys from the new SPIs and nonces as in §2.14,
 *   - it takes over every Child SA of the old one (their keys do not
 *     change).
 * The initiator of the rekey then deletes the old IKE SA (§2.18).  The
 * responder moves the Child SAs when it answers and waits for that Delete
 * (lifetime.c deletes the old SA itself if it never comes).
 *
 * Collisions: TEMPORARY_FAILURE while the old SA is going away or a Child
 * SA exchange of ours runs on it (§2.25.2); the same IKE SA rekeyed from
 * both ends at once is answered normally and resolved by the lowest nonce
 * once both exchanges are done (§2.8.2, rekey-collision.c).
 */
#include <string.h>

#include "alg-nss.h"
#include "engine-private.h"

#define MAX_KE_RETRIES 2

typedef struct {
	Task task;
	Engine *engine;
	guint old_serial;  /* the IKE SA being rekeyed */
	guint new_serial;  /* the IKE SA this exchange makes */
	guint16 group;     /* KE group of this exchange */
	CryptoKe *ke;      /* our key pair until it moves into the new SA */
	IkebusSecbuf *g_ir;
	gboolean derived;
	gboolean sent;     /* initiator: the request went out */
	GError *job_error;
	guint ke_retries;
	/* responder: the error notify to answer with */
	guint16 error;
	guint8 error_data[2];
	gsize error_len;
	/* initiator: the new IKE SA of the peer's simultaneous rekey */
	guint peer_new_serial;
} RekeyTask;

static const TaskOps ike_rekey_ops;

static RekeyTask *
rekey_task(Task *t)
{
	return (RekeyTask *) t;
}

static IkeSa *
lookup_ike(Engine *engine, guint serial)
{
	IkeSa *sa = serial != 0 ? g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(serial))
	                        : NULL;

	return sa != NULL && sa->state != IKE_SA_STATE_DEAD ? sa : NULL;
}

static void
drop_new_sa(RekeyTask *rt)
{
	IkeSa *nsa = lookup_ike(rt->engine, rt->new_serial);

	if (nsa != NULL && nsa->state != IKE_SA_STATE_ESTABLISHED)
		ike_sa_destroy(nsa, ENGINE_STATUS_SUPERSEDED);
	rt->new_serial = 0;
}

static void
rekey_task_free(Task *t)
{
	RekeyTask *rt = rekey_task(t);

	/* a responder task is freed without abort when its SA dies */
	if (rt->engine != NULL && !rt->engine->shutting_down)
		drop_new_sa(rt);
	crypto_ke_free(rt->ke);
	ikebus_secbuf_free(rt->g_ir);
	g_clear_error(&rt->job_error);
	g_free(rt);
}

gboolean
task_is_ike_rekey(const Task *task)
{
	return task != NULL && task->ops == &ike_rekey_ops;
}

gboolean
ike_rekey_request_is_ike(const IkeMessage *msg)
{
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	const GPtrArray *props = sa_pl != NULL ? sa_pl->u.sa.proposals : NULL;

	return props != NULL && props->len > 0 &&
	       ((const IkeProposal *) g_ptr_array_index(props, 0))->protocol == IKE_PROTO_IKE;
}

static void
spi_to_bytes(guint64 spi, guint8 out[8])
{
	for (guint i = 0; i < 8; i++)
		out[i] = (guint8) (spi >> (56 - 8 * i));
}

static guint64
spi_from_bytes(const guint8 *p)
{
	guint64 v = 0;

	for (guint i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- moving over ------------------------------------------------------ */

/* A new IKE SA between the same ends as @old, for the same connection. */
static IkeSa *
new_sa_from(IkeSa *old, gboolean initiator)
{
	IkeSa *nsa = ike_sa_new(old->engine, old->conn, initiator);

	nsa->local_is_left = old->local_is_left;
	nsa->local = old->local;
	nsa->remote = old->remote;
	nsa->natt = old->natt;
	nsa->nat_local = old->nat_local;
	nsa->nat_remote = old->nat_remote;
	nsa->force_encap = old->force_encap;
	nsa->peer_frag = old->peer_frag;
	nsa->ike_props = g_array_ref(old->ike_props != NULL ? old->ike_props : old->conn->ike_props);
	nsa->local_id.type = old->local_id.type;
	nsa->local_id.data = old->local_id.data != NULL ? g_bytes_ref(old->local_id.data) : NULL;
	nsa->remote_id.type = old->remote_id.type;
	nsa->remote_id.data = old->remote_id.data != NULL ? g_bytes_ref(old->remote_id.data) : NULL;
	if (old->natt)
		ike_sa_float(nsa);
	return nsa;
}

static void
move_children(IkeSa *to, IkeSa *old)
{
	while (old->children->len > 0) {
		ChildSa *c = g_ptr_array_steal_index(old->children, 0);

		c->ike = to;
		g_ptr_array_add(to->children, c);
		engine_notify_child(c, ENGINE_SA_EVENT_CHANGED, c->state);
	}
}

void
ike_sa_adopt(IkeSa *to, IkeSa *old)
{
	Task *t;

	if (old->children->len > 0)
		ike_sa_log(old, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "moving %u Child SA(s) to IKE SA #%u", old->children->len, to->serial);
	move_children(to, old);
	/* what was waiting to run on the old SA runs on the new one; another
	 * rekey of the old SA has nothing left to do */
	while ((t = g_queue_pop_head(old->queue)) != NULL) {
		if (task_is_ike_rekey(t)) {
			task_free(t);
			continue;
		}
		g_queue_push_tail(to->queue, t);
	}
	old->replaced_by = to->serial;
	old->rekey_started = FALSE;
	engine_timer_remove(old->engine, &old->liveness_timer);
	engine_notify_ike(old, ENGINE_SA_EVENT_CHANGED, old->state);
	engine_notify_ike(to, ENGINE_SA_EVENT_CHANGED, to->state);
}

void
rekey_ike_rescue_children(IkeSa *sa)
{
	IkeSa *to = NULL;

	if (sa->children->len == 0)
		return;
	if (sa->replaced_by != 0)
		to = lookup_ike(sa->engine, sa->replaced_by);
	else if (task_is_ike_rekey(sa->active))
		to = lookup_ike(sa->engine, rekey_task(sa->active)->peer_new_serial);
	if (to == NULL || to == sa || to->state != IKE_SA_STATE_ESTABLISHED)
		return;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "IKE SA goes away; its Child SAs stay with IKE SA #%u", to->serial);
	move_children(to, sa);
}

/* ---- crypto ----------------------------------------------------------- */

static void
job_done(IkeSa *sa, KeJob *job)
{
	RekeyTask *rt = rekey_task(job->owner);

	if (job->error != NULL) {
		rt->job_error = g_steal_pointer(&job->error);
		return;
	}
	crypto_ke_free(rt->ke);
	rt->ke = g_steal_pointer(&job->ke);
	if (job->g_ir != NULL) {
		ikebus_secbuf_free(rt->g_ir);
		rt->g_ir = g_steal_pointer(&job->g_ir);
		rt->derived = TRUE;
	}
}

/* A key pair of rt->group (unless we have one), and g^ir with @peer. */
static void
submit(IkeSa *sa, RekeyTask *rt, const guint8 *peer, gsize peer_len)
{
	KeJob *job = g_new0(KeJob, 1);

	job->group = crypto_ke_group_lookup(rt->group);
	job->ke = g_steal_pointer(&rt->ke);
	job->peer_public = peer != NULL ? g_bytes_new(peer, peer_len) : NULL;
	job->owner = &rt->task;
	engine_worker_submit(sa->engine, sa, job, job_done);
}

/* Keys of the new SA from the exchange's g^ir; FALSE with a log line. */
static gboolean
derive(RekeyTask *rt, IkeSa *sa, IkeSa *nsa)
{
	g_autoptr(GError) error = NULL;

	if (rt->job_error == NULL) {
		crypto_ke_free(nsa->ke);
		nsa->ke = g_steal_pointer(&rt->ke);
		ikebus_secbuf_free(nsa->g_ir);
		nsa->g_ir = g_steal_pointer(&rt->g_ir);
		if (ike_sa_derive_rekey_keys(nsa, sa, &error))
			return TRUE;
	}
	ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_OK, "IKE SA rekey: key derivation failed: %s",
	           rt->job_error != NULL ? rt->job_error->message : error->message);
	return FALSE;
}

static void
log_rekeyed(IkeSa *sa, IkeSa *nsa, const char *role)
{
	g_autofree char *alg = proposal_choice_to_string(&nsa->ike);

	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "%s rekeyed IKE SA as #%u {%s, SPIs %016" G_GINT64_MODIFIER "x/%016" G_GINT64_MODIFIER
	           "x}",
	           role, nsa->serial, alg, nsa->spi_i, nsa->spi_r);
}

/* ---- initiator -------------------------------------------------------- */

/* Our exchange did not produce an SA.  If the peer's simultaneous one did,
 * it is the successor (the peer deletes the old SA); else maybe retry. */
static void
settle_without_ours(RekeyTask *rt, IkeSa *sa, gboolean retry)
{
	IkeSa *pn = lookup_ike(sa->engine, rt->peer_new_serial);

	drop_new_sa(rt);
	sa->rekey_started = FALSE;
	if (pn != NULL && pn->state == IKE_SA_STATE_ESTABLISHED) {
		ike_sa_adopt(pn, sa);
		lifetime_ike_replaced(sa);
		ike_sa_run(pn);
		return;
	}
	if (retry && sa->replaced_by == 0)
		lifetime_ike_retry(sa, (guint) g_random_int_range(1000, 3000));
}

static TaskResult
build_request(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	RekeyTask *rt = rekey_task(t);
	IkeSa *nsa = lookup_ike(sa->engine, rt->new_serial);
	IkePayload *sa_pl;
	guint8 spi[8];
	char buf[IKE_NAME_BUF_LEN];
	gsize n;
	const guint8 *d;

	rt->engine = sa->engine;
	rt->old_serial = sa->serial;
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0 || rt->job_error != NULL) {
		if (rt->job_error != NULL)
			ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_OK,
			           "IKE SA rekey: key exchange failed: %s", rt->job_error->message);
		drop_new_sa(rt);
		sa->rekey_started = FALSE;
		return TASK_SKIP;
	}
	sa->rekey_started = TRUE;
	if (rt->group == 0)
		rt->group = sa->ike.ke;
	if (crypto_ke_group_lookup(rt->group) == NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_OK,
		           "IKE SA rekey: key exchange group %u is not supported", rt->group);
		sa->rekey_started = FALSE;
		return TASK_SKIP;
	}
	if (nsa == NULL) {
		nsa = new_sa_from(sa, TRUE);
		rt->new_serial = nsa->serial;
		nsa->ni = rekey_random_nonce();
		nsa->ke_group = rt->group;
	}
	if (rt->ke == NULL || crypto_ke_get_group(rt->ke)->id != rt->group) {
		g_clear_pointer(&rt->ke, crypto_ke_free);
		submit(sa, rt, NULL, 0);
		return TASK_ASYNC;
	}
	spi_to_bytes(nsa->spi_i, spi);
	sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	proposal_add_to_sa(sa_pl, nsa->ike_props, spi, sizeof(spi), TRUE);
	g_ptr_array_add(payloads, sa_pl);
	d = g_bytes_get_data(nsa->ni, &n);
	g_ptr_array_add(payloads, ike_payload_new_nonce(d, n));
	d = g_bytes_get_data(crypto_ke_get_public(rt->ke), &n);
	g_ptr_array_add(payloads, ike_payload_new_ke(rt->group, d, n));
	rt->sent = TRUE;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "sent CREATE_CHILD_SA request to rekey IKE SA as #%u (KE %s)", nsa->serial,
	           ike_name_or_unknown(IKE_REG_KE, rt->group, buf, sizeof(buf)));
	return TASK_OK;
}

/* The response carries an error notify instead of SA, Nr, KEr. */
static TaskResult
response_refused(RekeyTask *rt, IkeSa *sa, IkeMessage *msg)
{
	IkePayload *n = ike_message_get_notify(msg, IKE_NOTIFY_INVALID_KE_PAYLOAD);
	IkeSa *nsa = lookup_ike(sa->engine, rt->new_serial);
	char buf[IKE_NAME_BUF_LEN];
	guint16 type;

	if (n != NULL && n->u.notify.data_len == 2 && rt->peer_new_serial == 0 && nsa != NULL) {
		guint16 g = (guint16) (n->u.notify.data[0] << 8 | n->u.notify.data[1]);

		if (g != rt->group && proposal_has_ke(nsa->ike_props, g) &&
		    crypto_ke_group_lookup(g) != NULL && rt->ke_retries < MAX_KE_RETRIES) {
			Task *again = task_ike_rekey_new();

			ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			           "IKE SA rekey: peer wants KE %s; trying again",
			           ike_name_or_unknown(IKE_REG_KE, g, buf, sizeof(buf)));
			rekey_task(again)->group = g;
			rekey_task(again)->ke_retries = rt->ke_retries + 1;
			drop_new_sa(rt);
			/* a new exchange (the next Message ID), before anything else */
			g_queue_push_head(sa->queue, again);
			return TASK_OK;
		}
	}
	n = ike_message_get_payload(msg, IKE_PAYLOAD_NOTIFY);
	type = n != NULL ? n->u.notify.type : 0;
	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
	           "CREATE_CHILD_SA response refused the IKE SA rekey (%s)",
	           n != NULL ? ike_name_or_unknown(IKE_REG_NOTIFY, type, buf, sizeof(buf))
	                     : "no SA, Nonce or KE");
	/* §2.25: TEMPORARY_FAILURE means try again a little later */
	settle_without_ours(rt, sa, type == IKE_NOTIFY_TEMPORARY_FAILURE);
	return TASK_OK;
}

static TaskResult
finish_initiator(RekeyTask *rt, IkeSa *sa, IkeSa *nsa)
{
	IkeSa *pn;

	if (!derive(rt, sa, nsa)) {
		settle_without_ours(rt, sa, FALSE);
		return TASK_OK;
	}
	ike_sa_set_state(nsa, IKE_SA_STATE_ESTABLISHED);
	log_rekeyed(sa, nsa, "initiator");
	sa->rekey_started = FALSE;
	pn = lookup_ike(sa->engine, rt->peer_new_serial);
	if (pn != NULL && pn->state == IKE_SA_STATE_ESTABLISHED && pn->replaced_by == 0) {
		if (rekey_lowest_nonce_in(nsa->ni, nsa->nr, pn->ni, pn->nr)) {
			/* §2.8.2: ours is redundant; the peer deletes the old SA */
			ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			           "simultaneous IKE SA rekey: the lowest nonce is ours, so #%u "
			           "survives and we delete our #%u",
			           pn->serial, nsa->serial);
			ike_sa_adopt(pn, sa);
			lifetime_ike_replaced(sa);
			nsa->replaced_by = pn->serial;
			ike_sa_queue_task(nsa, task_delete_ike_new(TRUE));
			ike_sa_run(pn);
			return TASK_OK;
		}
		/* the peer deletes its redundant one (or lifetime.c does) */
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "simultaneous IKE SA rekey: the lowest nonce is the peer's, so our #%u "
		           "survives and the peer deletes its #%u",
		           nsa->serial, pn->serial);
		pn->replaced_by = nsa->serial;
		lifetime_ike_replaced(pn);
	}
	ike_sa_adopt(nsa, sa);
	/* §2.18: the initiator of the rekey deletes the old IKE SA */
	ike_sa_queue_task(sa, task_delete_ike_new(TRUE));
	ike_sa_run(nsa);
	return TASK_OK;
}

static TaskResult
process_response(Task *t, IkeSa *sa, IkeMessage *msg)
{
	RekeyTask *rt = rekey_task(t);
	IkeSa *nsa = lookup_ike(sa->engine, rt->new_serial);
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	const IkeProposal *pp = NULL;
	g_autoptr(GError) error = NULL;

	if (nsa == NULL) {
		settle_without_ours(rt, sa, FALSE);
		return TASK_OK;
	}
	if (rt->derived || rt->job_error != NULL) {
		/* the peer's rekey of this SA is being answered: decide once
		 * it is (§2.8.2 needs both exchanges) */
		if (task_is_ike_rekey(sa->responding)) {
			sa->active_parked = TRUE;
			return TASK_ASYNC;
		}
		return finish_initiator(rt, sa, nsa);
	}
	if (sa_pl == NULL || nonce == NULL || ke == NULL)
		return response_refused(rt, sa, msg);
	if (!proposal_accept_reply(nsa->ike_props, sa_pl, &nsa->ike, &pp, &error) ||
	    pp->protocol != IKE_PROTO_IKE || pp->spi_len != 8 || nsa->ike.ke != rt->group ||
	    ke->u.ke.group != rt->group) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "IKE SA rekey: the response is not acceptable: %s",
		           error != NULL ? error->message : "wrong SPI size or KE group");
		settle_without_ours(rt, sa, FALSE);
		return TASK_OK;
	}
	nsa->spi_r = spi_from_bytes(pp->spi);
	g_clear_pointer(&nsa->nr, g_bytes_unref);
	nsa->nr = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	submit(sa, rt, ke->u.ke.data, ke->u.ke.data_len);
	return TASK_ASYNC;
}

/* ---- responder -------------------------------------------------------- */

static TaskResult
refuse(RekeyTask *rt, IkeSa *sa, guint16 notify, const char *why)
{
	char buf[IKE_NAME_BUF_LEN];

	rt->error = notify;
	drop_new_sa(rt);
	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
	           "CREATE_CHILD_SA request to rekey the IKE SA: %s; answering %s", why,
	           ike_name_or_unknown(IKE_REG_NOTIFY, notify, buf, sizeof(buf)));
	return TASK_OK;
}

/* Our own rekey of @sa whose request is out: a collision (§2.8.2). */
static RekeyTask *
own_rekey_in_flight(IkeSa *sa)
{
	if (!task_is_ike_rekey(sa->active) || sa->building == 1)
		return NULL;
	return rekey_task(sa->active)->sent ? rekey_task(sa->active) : NULL;
}

static TaskResult
finish_responder(RekeyTask *rt, IkeSa *sa)
{
	IkeSa *nsa = lookup_ike(sa->engine, rt->new_serial);
	RekeyTask *mine;

	if (nsa == NULL)
		return refuse(rt, sa, IKE_NOTIFY_TEMPORARY_FAILURE, "the new IKE SA vanished");
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0)
		return refuse(rt, sa, IKE_NOTIFY_TEMPORARY_FAILURE,
		              "the IKE SA went away or was rekeyed meanwhile");
	if (!derive(rt, sa, nsa))
		return refuse(rt, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, "key derivation failed");
	ike_sa_set_state(nsa, IKE_SA_STATE_ESTABLISHED);
	log_rekeyed(sa, nsa, "responder");
	mine = own_rekey_in_flight(sa);
	if (mine != NULL) {
		/* decided when the answer to ours arrives (finish_initiator) */
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "simultaneous IKE SA rekey: answered the peer's (#%u) while ours is out",
		           nsa->serial);
		mine->peer_new_serial = nsa->serial;
		return TASK_OK;
	}
	ike_sa_adopt(nsa, sa);
	/* the peer deletes the old SA; lifetime.c does if it does not */
	lifetime_ike_replaced(sa);
	return TASK_OK;
}

static TaskResult
process_request(Task *t, IkeSa *sa, IkeMessage *msg)
{
	RekeyTask *rt = rekey_task(t);
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	const IkeProposal *pp = NULL;
	PropChoice choice;
	IkeSa *nsa;

	rt->engine = sa->engine;
	rt->old_serial = sa->serial;
	if (rt->derived || rt->job_error != NULL)
		return finish_responder(rt, sa);
	if (sa_pl == NULL || nonce == NULL || ke == NULL)
		return refuse(rt, sa, IKE_NOTIFY_INVALID_SYNTAX, "SA, Nonce or KE missing");
	/* §2.25.2 */
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0)
		return refuse(rt, sa, IKE_NOTIFY_TEMPORARY_FAILURE,
		              "the IKE SA is being deleted or was rekeyed already");
	if (sa->active != NULL && sa->active->ops->exchange == IKE_EXCHANGE_CREATE_CHILD_SA &&
	    !task_is_ike_rekey(sa->active))
		return refuse(rt, sa, IKE_NOTIFY_TEMPORARY_FAILURE,
		              "a Child SA exchange of ours is in progress");
	if (sa->ike_props == NULL ||
	    !proposal_select(sa->ike_props, sa_pl, ke->u.ke.group, &choice, &pp) ||
	    pp->protocol != IKE_PROTO_IKE || pp->spi_len != 8)
		return refuse(rt, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, "no acceptable proposal");
	if (crypto_ke_group_lookup(choice.ke) == NULL)
		return refuse(rt, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, "KE group not implemented");
	if (choice.ke != ke->u.ke.group) {
		rt->error_data[0] = (guint8) (choice.ke >> 8);
		rt->error_data[1] = (guint8) choice.ke;
		rt->error_len = 2;
		return refuse(rt, sa, IKE_NOTIFY_INVALID_KE_PAYLOAD,
		              "KE payload is not of the chosen group");
	}
	nsa = new_sa_from(sa, FALSE);
	rt->new_serial = nsa->serial;
	nsa->ike = choice;
	nsa->spi_i = spi_from_bytes(pp->spi);
	nsa->ni = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	nsa->nr = rekey_random_nonce();
	nsa->ke_group = choice.ke;
	rt->group = choice.ke;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "processing CREATE_CHILD_SA request to rekey the IKE SA as #%u", nsa->serial);
	/* one job: our key pair, then g^ir */
	submit(sa, rt, ke->u.ke.data, ke->u.ke.data_len);
	return TASK_ASYNC;
}

static TaskResult
build_response(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	RekeyTask *rt = rekey_task(t);
	IkeSa *nsa = rt->error == 0 ? lookup_ike(sa->engine, rt->new_serial) : NULL;
	IkePayload *sa_pl;
	guint8 spi[8];
	gsize n;
	const guint8 *d;

	if (nsa == NULL || nsa->ke == NULL) {
		g_ptr_array_add(payloads, ike_payload_new_notify(
			0, rt->error != 0 ? rt->error : IKE_NOTIFY_TEMPORARY_FAILURE, NULL, 0,
			rt->error_data, rt->error_len));
		return TASK_OK;
	}
	spi_to_bytes(nsa->spi_r, spi);
	sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	proposal_add_choice(sa_pl, &nsa->ike, spi, sizeof(spi));
	g_ptr_array_add(payloads, sa_pl);
	d = g_bytes_get_data(nsa->nr, &n);
	g_ptr_array_add(payloads, ike_payload_new_nonce(d, n));
	d = g_bytes_get_data(crypto_ke_get_public(nsa->ke), &n);
	g_ptr_array_add(payloads, ike_payload_new_ke(nsa->ike.ke, d, n));
	return TASK_OK;
}

static void
rekey_abort(Task *t, IkeSa *sa, EngineStatus why)
{
	RekeyTask *rt = rekey_task(t);

	rt->engine = sa->engine;
	drop_new_sa(rt);
	sa->rekey_started = FALSE;
}

static const TaskOps ike_rekey_ops = {
	.name = "CREATE_CHILD_SA(rekey IKE SA)",
	.exchange = IKE_EXCHANGE_CREATE_CHILD_SA,
	.build_request = build_request,
	.process_response = process_response,
	.process_request = process_request,
	.build_response = build_response,
	.abort = rekey_abort,
	.free = rekey_task_free,
};

Task *
task_ike_rekey_new(void)
{
	RekeyTask *rt = g_new0(RekeyTask, 1);

	rt->task.ops = &ike_rekey_ops;
	rt->task.initiator = TRUE;
	return &rt->task;
}

Task *
task_ike_rekey_responder_new(void)
{
	RekeyTask *rt = g_new0(RekeyTask, 1);

	rt->task.ops = &ike_rekey_ops;
	return &rt->task;
}
