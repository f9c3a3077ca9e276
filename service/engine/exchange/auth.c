/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE_AUTH with a pre-shared key or a signature (cert-auth.c) and the first
 * Child SA (RFC 7296 §1.2, §2.15, §2.17, §2.9, §1.3.1 for
 * USE_TRANSPORT_MODE), both roles:
 *
 *   HDR, SK {IDi, [CERT+,] [CERTREQ,] [IDr,] AUTH, [N(USE_TRANSPORT_MODE),]
 *            SAi2, TSi, TSr} -->
 *                          <-- HDR, SK {IDr, [CERT+,] AUTH, [N(USE_TRANSPORT_MODE),]
 *                                       SAr2, TSi, TSr}
 *                          <-- HDR, SK {IDr, AUTH, N(Child SA error)}
 *                          <-- HDR, SK {N(AUTHENTICATION_FAILED)}
 *
 * §2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 * with the initiator signing its IKE_SA_INIT request | Nr | prf(SK_pi, IDi')
 * and the responder its IKE_SA_INIT response | Ni | prf(SK_pr, IDr').
 */
#include <string.h>

#include "cert-auth.h"
#include "engine-private.h"

typedef struct {
	Task task;
	IkebusSecbuf *psk;
	CertAuthJob *job;    /* signature work, once submitted (cert-auth.c) */
	char *peer_auth;     /* how the peer authenticated, for the log */
	ChildSa *child;      /* the first Child SA (borrowed; engine owns) */
	guint child_serial;
	guint16 auth_error;  /* responder: AUTHENTICATION_FAILED */
	guint16 child_error; /* responder: the Child SA's error notify */
	GArray *narrow_local;
	GArray *narrow_remote;
} AuthTask;

static AuthTask *
auth_from(Task *t)
{
	return (AuthTask *) t;
}

static void
auth_free(Task *t)
{
	AuthTask *at = auth_from(t);

	ikebus_secbuf_free(at->psk);
	cert_auth_job_unref(at->job);
	g_free(at->peer_auth);
	if (at->narrow_local != NULL)
		g_array_unref(at->narrow_local);
	if (at->narrow_remote != NULL)
		g_array_unref(at->narrow_remote);
	g_free(at);
}

/* The child may have been destroyed behind our back (SA deleted). */
static ChildSa *
task_child(AuthTask *at, IkeSa *sa)
{
	ChildSa *c = at->child_serial != 0 ? g_hash_table_lookup(sa->engine->child_by_serial,
	                                                         GUINT_TO_POINTER(at->child_serial))
	                                   : NULL;

	return c != NULL && c->ike == sa ? c : NULL;
}

static IkebusSecbuf *
lookup_psk(IkeSa *sa)
{
	g_autofree char *l = engine_id_to_text(&sa->local_id);
	g_autofree char *r = engine_id_to_text(&sa->remote_id);

	if (sa->engine->secrets.lookup_psk == NULL)
		return NULL;
	return sa->engine->secrets.lookup_psk(l, r, sa->engine->secrets.user_data);
}

/* AUTH for our side (@ours) or the expected value of the peer's. */
static GBytes *
psk_auth(IkeSa *sa, const IkebusSecbuf *psk, gboolean initiator_side, const EngineId *id,
         GError **error)
{
	g_autoptr(GBytes) body = engine_id_body(id);
	g_autoptr(GBytes) octets = NULL;
	GBytes *real = initiator_side ? sa->init_request : sa->init_response;
	GBytes *nonce = initiator_side ? sa->nr : sa->ni;
	const IkebusSecbuf *skp = initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
	gsize rl, nl, bl, ol;
	const guint8 *rd = g_bytes_get_data(real, &rl);
	const guint8 *nd = g_bytes_get_data(nonce, &nl);
	const guint8 *bd = g_bytes_get_data(body, &bl);
	const guint8 *od;

	octets = crypto_auth_signed_octets(sa->suite.prf, rd, rl, nd, nl, skp, bd, bl, error);
	if (octets == NULL)
		return NULL;
	od = g_bytes_get_data(octets, &ol);
	return crypto_auth_psk(sa->suite.prf, psk, od, ol, error);
}

static gboolean
verify_peer_auth(IkeSa *sa, const IkebusSecbuf *psk, IkeMessage *msg, GError **error)
{
	IkePayload *auth = ike_message_get_payload(msg, IKE_PAYLOAD_AUTH);
	g_autoptr(GBytes) want = NULL;
	gsize wl;
	const guint8 *wd;

	if (auth == NULL || auth->u.auth.method != IKE_AUTH_METHOD_SHARED_KEY_MIC) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "the peer does not authenticate with a pre-shared key");
		return FALSE;
	}
	want = psk_auth(sa, psk, !sa->initiator, &sa->remote_id, error);
	if (want == NULL)
		return FALSE;
	wd = g_bytes_get_data(want, &wl);
	if (wl != auth->u.auth.data_len || !ikebus_memeq_consttime(wd, auth->u.auth.data, wl)) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "AUTH payload does not verify (wrong pre-shared key?)");
		return FALSE;
	}
	return TRUE;
}

static IkePayload *
id_payload(guint8 type, const EngineId *id)
{
	gsize n;
	const guint8 *d = g_bytes_get_data(id->data, &n);

	return ike_payload_new_id(type, id->type, d, n);
}

static gboolean
add_auth(IkeSa *sa, const IkebusSecbuf *psk, GPtrArray *payloads, GError **error)
{
	g_autoptr(GBytes) auth = psk_auth(sa, psk, sa->initiator, &sa->local_id, error);
	gsize n;
	const guint8 *d;

	if (auth == NULL)
		return FALSE;
	d = g_bytes_get_data(auth, &n);
	g_ptr_array_add(payloads, ike_payload_new_auth(IKE_AUTH_METHOD_SHARED_KEY_MIC, d, n));
	return TRUE;
}

static void
add_child_payloads(ChildSa *c, const PropChoice *choice, const GArray *tsi, const GArray *tsr,
                   GPtrArray *payloads)
{
	IkePayload *sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	IkePayload *tsi_pl = ike_payload_new_ts(IKE_PAYLOAD_TSI);
	IkePayload *tsr_pl = ike_payload_new_ts(IKE_PAYLOAD_TSR);
	guint8 spi[4] = {(guint8) (c->spi_in >> 24), (guint8) (c->spi_in >> 16),
	                 (guint8) (c->spi_in >> 8), (guint8) c->spi_in};

	if (c->mode == KERNEL_MODE_TRANSPORT)
		g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_USE_TRANSPORT_MODE, NULL,
		                                                 0, NULL, 0));
	g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_ESP_TFC_PADDING_NOT_SUPPORTED,
	                                                 NULL, 0, NULL, 0));
	if (choice != NULL)
		proposal_add_choice(sa_pl, choice, spi, sizeof(spi));
	else
		proposal_add_to_sa(sa_pl, c->props, spi, sizeof(spi), FALSE);
	g_ptr_array_add(payloads, sa_pl);
	ts_add_to_payload(tsi_pl, tsi);
	ts_add_to_payload(tsr_pl, tsr);
	g_ptr_array_add(payloads, tsi_pl);
	g_ptr_array_add(payloads, tsr_pl);
}

static void
log_child_up(IkeSa *sa, ChildSa *c)
{
	g_autofree char *desc = NULL;
	g_autofree char *line = NULL;

	if (sa->request_cb == NULL && !engine_log_wanted(sa->engine, G_LOG_LEVEL_INFO))
		return;
	desc = child_sa_describe(c);
	line = g_strdup_printf("\"%s\" #%u: %s established Child SA using #%u; %s",
	                       ike_sa_conn_name(sa), c->serial,
	                       sa->initiator ? "initiator" : "responder", sa->serial, desc);
	if (engine_log_wanted(sa->engine, G_LOG_LEVEL_INFO))
		g_info("%s", line);
	if (sa->request_cb != NULL)
		engine_request_line(sa->request_cb, ENGINE_STATUS_OK, line);
}

static void
log_ike_up(IkeSa *sa, AuthTask *at)
{
	g_autofree char *peer = NULL;
	g_autofree char *alg = NULL;

	if (sa->request_cb == NULL && !engine_log_wanted(sa->engine, G_LOG_LEVEL_INFO))
		return;
	peer = engine_id_to_text(&sa->remote_id);
	alg = proposal_choice_to_string(&sa->ike);
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "%s established IKE SA; authenticated peer using %s and %s '%s' {%s}",
	           sa->initiator ? "initiator" : "responder",
	           at->peer_auth != NULL ? at->peer_auth : "preshared key",
	           engine_id_type_name(&sa->remote_id), peer, alg);
}

/* ---- signatures (cert-auth.c) ------------------------------------------- */

/* Starts the worker job (TASK_ASYNC), or, when it has run, FALSE with the
 * reason if our signature or the peer's check failed.  @peer_msg NULL: only
 * our signature. */
static TaskResult
sig_step(AuthTask *at, IkeSa *sa, gboolean sign, IkeMessage *peer_msg, GError **error)
{
	if (at->job == NULL) {
		at->job = cert_auth_job_new(sa, sign, peer_msg);
		cert_auth_job_submit(sa, &at->task, at->job);
		return TASK_ASYNC;
	}
	if (peer_msg != NULL) {
		if (!cert_auth_job_peer_ok(at->job, error))
			return TASK_FAILED;
		g_free(at->peer_auth);
		at->peer_auth = g_strdup(cert_auth_job_peer_desc(at->job));
	}
	if (sign) {
		if (!cert_auth_job_sign_ok(at->job, error))
			return TASK_FAILED;
		cert_auth_job_take_local_id(at->job, &sa->local_id);
	}
	return TASK_OK;
}

/* Checks the peer's AUTH method against the connection, and a PSK AUTH. */
static gboolean
check_peer_method(AuthTask *at, IkeSa *sa, IkeMessage *msg, GError **error)
{
	IkePayload *auth = ike_message_get_payload(msg, IKE_PAYLOAD_AUTH);
	char buf[IKE_NAME_BUF_LEN];

	if (auth == NULL || !cert_auth_peer_method_ok(sa, auth->u.auth.method)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		            "the peer authenticates with %s, which the connection does not allow",
		            auth == NULL ? "nothing"
		                         : ike_name_or_unknown(IKE_REG_AUTH_METHOD,
		                                               auth->u.auth.method, buf, sizeof(buf)));
		return FALSE;
	}
	if (auth->u.auth.method != IKE_AUTH_METHOD_SHARED_KEY_MIC)
		return TRUE;
	if (at->psk == NULL)
		at->psk = lookup_psk(sa);
	if (at->psk == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "no pre-shared key for the IDs");
		return FALSE;
	}
	return verify_peer_auth(sa, at->psk, msg, error);
}

static gboolean
peer_signs(IkeMessage *msg)
{
	IkePayload *auth = ike_message_get_payload(msg, IKE_PAYLOAD_AUTH);

	return auth != NULL && cert_auth_is_sig_method(auth->u.auth.method);
}

/* ---- initiator -------------------------------------------------------- */

static TaskResult
build_request(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	AuthTask *at = auth_from(t);
	g_autoptr(GError) error = NULL;
	const IkebusEnd *re = engine_conn_remote_end(sa->conn, sa->local_is_left);
	gboolean sign = cert_auth_local_signs(sa);
	IkePayload *certreq;
	ChildSa *c;
	char buf[80];

	if (sign) {
		TaskResult r = sig_step(at, sa, TRUE, NULL, &error);

		if (r == TASK_ASYNC)
			return r;
		if (r != TASK_OK) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_CREDENTIAL,
			           "cannot sign IKE_AUTH: %s", error->message);
			t->fail_status = ENGINE_STATUS_NO_CREDENTIAL;
			return TASK_FAILED;
		}
	} else {
		if (at->psk == NULL)
			at->psk = lookup_psk(sa);
		if (at->psk == NULL) {
			g_autofree char *l = engine_id_to_text(&sa->local_id);
			g_autofree char *r = engine_id_to_text(&sa->remote_id);

			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_CREDENTIAL,
			           "no pre-shared key for '%s' and '%s'", l, r);
			t->fail_status = ENGINE_STATUS_NO_CREDENTIAL;
			return TASK_FAILED;
		}
	}
	g_ptr_array_add(payloads, id_payload(IKE_PAYLOAD_IDI, &sa->local_id));
	if (sign)
		cert_auth_job_add_certs(at->job, payloads);
	certreq = cert_auth_certreq_payload(sa);
	if (certreq != NULL)
		g_ptr_array_add(payloads, certreq);
	if (re->id != NULL && sa->remote_id.type != 0)
		g_ptr_array_add(payloads, id_payload(IKE_PAYLOAD_IDR, &sa->remote_id));
	if (sign) {
		cert_auth_job_add_auth(at->job, payloads);
	} else if (!add_auth(sa, at->psk, payloads, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_PEER_ERROR, "AUTH: %s", error->message);
		return TASK_FAILED;
	}
	g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_INITIAL_CONTACT, NULL, 0,
	                                                 NULL, 0));
	c = task_child(at, sa);
	if (c == NULL) {
		c = child_sa_new(sa);
		at->child_serial = c->serial;
		if (!child_sa_setup_from_conn(c, &error) || !child_sa_alloc_spi(c, &error)) {
			ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED, "Child SA: %s",
			           error->message);
			t->fail_status = ENGINE_STATUS_KERNEL_FAILED;
			return TASK_FAILED;
		}
	}
	add_child_payloads(c, NULL, c->ts_local, c->ts_remote, payloads);
	ike_sa_set_state(sa, IKE_SA_STATE_AUTH_I);
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "sent IKE_AUTH request to %s {auth=IKEv2 %s, Child SA #%u}",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)),
	           sign ? cert_auth_job_local_desc(at->job) : "psk", c->serial);
	/* the job is done with; the response gets one of its own */
	g_clear_pointer(&at->job, cert_auth_job_unref);
	return TASK_OK;
}

static EngineStatus
child_notify_status(guint16 type)
{
	switch (type) {
	case IKE_NOTIFY_NO_PROPOSAL_CHOSEN:
	case IKE_NOTIFY_TS_UNACCEPTABLE:
		return ENGINE_STATUS_NO_PROPOSAL;
	default:
		return ENGINE_STATUS_PEER_ERROR;
	}
}

/* The Child SA part of the IKE_AUTH response; the IKE SA is up either way
 * (§1.2: a failed Child SA does not fail the IKE SA). */
static EngineStatus
initiator_child(AuthTask *at, IkeSa *sa, IkeMessage *msg)
{
	ChildSa *c = task_child(at, sa);
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *tsi = ike_message_get_payload(msg, IKE_PAYLOAD_TSI);
	IkePayload *tsr = ike_message_get_payload(msg, IKE_PAYLOAD_TSR);
	g_autoptr(GError) error = NULL;
	const IkeProposal *pp = NULL;
	g_autoptr(GArray) li = NULL;
	g_autoptr(GArray) ri = NULL;
	char buf[IKE_NAME_BUF_LEN];

	if (c == NULL)
		return ENGINE_STATUS_SUPERSEDED;
	if (sa_pl == NULL || tsi == NULL || tsr == NULL) {
		for (guint i = 0; msg->inner != NULL && i < msg->inner->len; i++) {
			const IkePayload *p = g_ptr_array_index(msg->inner, i);

			if (p->type != IKE_PAYLOAD_NOTIFY || p->u.notify.type >= 16384)
				continue;
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, child_notify_status(p->u.notify.type),
			           "IKE_AUTH response rejected Child SA with %s",
			           ike_name_or_unknown(IKE_REG_NOTIFY, p->u.notify.type, buf, sizeof(buf)));
			child_sa_destroy(c);
			return child_notify_status(p->u.notify.type);
		}
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		           "IKE_AUTH response has no Child SA and no error");
		child_sa_destroy(c);
		return ENGINE_STATUS_PEER_ERROR;
	}
	li = ts_from_payload(tsi);
	ri = ts_from_payload(tsr);
	if (!proposal_accept_reply(c->props, sa_pl, &c->esp, &pp, &error) || pp->spi_len != 4 ||
	    !ts_subset(li, c->ts_local) || !ts_subset(ri, c->ts_remote)) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_PROPOSAL,
		           "IKE_AUTH response: Child SA not acceptable: %s",
		           error != NULL ? error->message : "traffic selectors or SPI");
		child_sa_destroy(c);
		return ENGINE_STATUS_NO_PROPOSAL;
	}
	child_sa_take_answer(c, pp, &li, &ri, msg);
	if (!child_sa_install(c, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
		           "cannot install Child SA #%u: %s", c->serial, error->message);
		child_sa_destroy(c);
		return ENGINE_STATUS_KERNEL_FAILED;
	}
	log_child_up(sa, c);
	return ENGINE_STATUS_OK;
}

/* The IDr and AUTH method of the response; FALSE with fail_status set. */
static gboolean
check_response(AuthTask *at, IkeSa *sa, IkeMessage *msg)
{
	Task *t = &at->task;
	IkePayload *idr = ike_message_get_payload(msg, IKE_PAYLOAD_IDR);
	g_autoptr(GError) error = NULL;
	EngineId got = {0};
	char buf[IKE_NAME_BUF_LEN];

	if (idr == NULL || ike_message_get_payload(msg, IKE_PAYLOAD_AUTH) == NULL) {
		IkePayload *n = ike_message_get_payload(msg, IKE_PAYLOAD_NOTIFY);
		guint16 type = n != NULL ? n->u.notify.type : 0;

		t->fail_status = type == IKE_NOTIFY_AUTHENTICATION_FAILED ? ENGINE_STATUS_AUTH_FAILED
		                                                          : child_notify_status(type);
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, t->fail_status,
		           "IKE_AUTH response rejected our request with %s",
		           ike_name_or_unknown(IKE_REG_NOTIFY, type, buf, sizeof(buf)));
		return FALSE;
	}
	engine_id_from_payload(idr, &got);
	if (!engine_id_match(&sa->remote_id, &got)) {
		g_autofree char *g = engine_id_to_text(&got);

		engine_id_clear(&got);
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED,
		           "IKE_AUTH response: peer ID '%s' is not the one expected", g);
		t->fail_status = ENGINE_STATUS_AUTH_FAILED;
		return FALSE;
	}
	engine_id_clear(&sa->remote_id);
	sa->remote_id = got;
	if (!check_peer_method(at, sa, msg, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED,
		           "IKE_AUTH response: %s", error->message);
		t->fail_status = ENGINE_STATUS_AUTH_FAILED;
		return FALSE;
	}
	return TRUE;
}

static TaskResult
process_response(Task *t, IkeSa *sa, IkeMessage *msg)
{
	AuthTask *at = auth_from(t);
	g_autoptr(GError) error = NULL;
	EngineStatus child;

	/* with a job out, the worker has checked the peer's signature */
	if (at->job == NULL && !check_response(at, sa, msg))
		return TASK_FAILED;
	if (peer_signs(msg)) {
		TaskResult r = sig_step(at, sa, FALSE, msg, &error);

		if (r == TASK_ASYNC)
			return r;
		if (r != TASK_OK) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED,
			           "IKE_AUTH response: %s", error->message);
			t->fail_status = ENGINE_STATUS_AUTH_FAILED;
			return TASK_FAILED;
		}
	}
	ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED);
	log_ike_up(sa, at);
	/* RFC 5685 §6: the authenticated gateway sends us on; this IKE SA
	 * (without a Child SA) is deleted once this exchange is done */
	if (ike_message_get_notify(msg, IKE_NOTIFY_REDIRECT) != NULL &&
	    redirect_follow_authenticated(sa, ike_message_get_notify(msg, IKE_NOTIFY_REDIRECT))) {
		g_queue_push_head(sa->queue, task_delete_ike_new(TRUE));
		return TASK_OK;
	}
	child = initiator_child(at, sa, msg);
	if (sa->request_cb != NULL) {
		engine_request_finish(sa->request_cb, child);
		g_clear_pointer(&sa->request_cb, engine_request_unref);
	}
	return TASK_OK;
}

/* ---- responder -------------------------------------------------------- */

/* Several connections may take the IDs (same hosts and peer, other
 * subnets): the one whose selectors fit the Child SA asked for, as a later
 * CREATE_CHILD_SA would pick (child-create.c).  None fitting: the one the
 * IDs chose stays, to narrow or refuse. */
static void
refine_conn_by_ts(IkeSa *sa, IkeMessage *msg)
{
	EngineConn *by_ts = NULL;

	if (ike_message_get_payload(msg, IKE_PAYLOAD_SA) == NULL ||
	    ike_message_get_payload(msg, IKE_PAYLOAD_TSI) == NULL ||
	    ike_message_get_payload(msg, IKE_PAYLOAD_TSR) == NULL)
		return;
	child_create_pick_conn(sa, msg, &by_ts);
	if (by_ts != NULL && by_ts != sa->conn)
		ike_sa_set_conn(sa, by_ts);
}

static gboolean
responder_pick_conn(IkeSa *sa, IkeMessage *msg)
{
	IkePayload *idi = ike_message_get_payload(msg, IKE_PAYLOAD_IDI);
	IkePayload *idr = ike_message_get_payload(msg, IKE_PAYLOAD_IDR);
	EngineId hint = {0};
	gboolean left = sa->local_is_left;
	EngineConn *c;
	g_autoptr(GError) error = NULL;

	engine_id_clear(&sa->remote_id);
	engine_id_from_payload(idi, &sa->remote_id);
	if (idr != NULL)
		engine_id_from_payload(idr, &hint);
	c = engine_find_responder_conn(sa->engine, &sa->local, &sa->remote, &sa->remote_id,
	                               idr != NULL ? &hint : NULL, &left);
	engine_id_clear(&hint);
	if (c == NULL)
		return FALSE;
	ike_sa_set_conn(sa, c);
	sa->local_is_left = left;
	engine_id_clear(&sa->local_id);
	if (!engine_id_from_text(engine_end_id_text(engine_conn_local_end(c, left)), &sa->local_id,
	                         &error))
		return FALSE;
	refine_conn_by_ts(sa, msg);
	c = sa->conn;
	/* %fromcert: the signing job puts the certificate's subject here */
	return sa->local_id.type != 0 || engine_conn_local_end(c, left)->cert != NULL ||
	       engine_conn_local_end(c, left)->ckaid != NULL;
}

static guint16
responder_child(AuthTask *at, IkeSa *sa, IkeMessage *msg)
{
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *tsi = ike_message_get_payload(msg, IKE_PAYLOAD_TSI);
	IkePayload *tsr = ike_message_get_payload(msg, IKE_PAYLOAD_TSR);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) peer_i = NULL;
	g_autoptr(GArray) peer_r = NULL;
	const IkeProposal *pp = NULL;
	ChildSa *c;

	if (sa_pl == NULL || tsi == NULL || tsr == NULL)
		return 0; /* childless (RFC 6023) */
	c = child_sa_new(sa);
	at->child_serial = c->serial;
	if (!child_sa_setup_from_conn(c, &error))
		return IKE_NOTIFY_NO_PROPOSAL_CHOSEN;
	if (!proposal_select(c->props, sa_pl, 0, &c->esp, &pp) || pp->spi_len != 4)
		return IKE_NOTIFY_NO_PROPOSAL_CHOSEN;
	c->spi_out = child_spi_from_bytes(pp->spi);
	peer_i = ts_from_payload(tsi);
	peer_r = ts_from_payload(tsr);
	/* §2.9: TSi is the initiator's side, our remote one */
	at->narrow_remote = ts_narrow(c->ts_remote, peer_i);
	at->narrow_local = ts_narrow(c->ts_local, peer_r);
	if (at->narrow_remote->len == 0 || at->narrow_local->len == 0)
		return IKE_NOTIFY_TS_UNACCEPTABLE;
	g_array_unref(c->ts_local);
	c->ts_local = g_array_ref(at->narrow_local);
	g_array_unref(c->ts_remote);
	c->ts_remote = g_array_ref(at->narrow_remote);
	if (ike_message_get_notify(msg, IKE_NOTIFY_USE_TRANSPORT_MODE) == NULL)
		c->mode = KERNEL_MODE_TUNNEL;
	if (!child_sa_alloc_spi(c, &error) || !child_sa_install(c, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_KERNEL_FAILED,
		           "cannot install Child SA #%u: %s", c->serial, error->message);
		/* as pluto does: the peer learns it through TS_UNACCEPTABLE */
		return IKE_NOTIFY_TS_UNACCEPTABLE;
	}
	at->child = c;
	return 0;
}

/* uniqueids (pluto's default) and INITIAL_CONTACT (§3.10.1): a peer that
 * authenticates again with the same ID replaces its older IKE SAs of this
 * connection, whose kernel state goes at once so that the new Child SA can
 * take the selectors.  The candidates come from the engine's index of
 * established IKE SAs by (connection, peer ID), not from a walk of all. */
static void
replace_duplicates(IkeSa *sa, gboolean initial_contact)
{
	g_autoptr(GPtrArray) same = NULL;

	if (!initial_contact && !sa->engine->uniqueids)
		return;
	same = engine_peer_index_find(sa);
	for (guint i = 0; i < same->len; i++) {
		IkeSa *old = g_ptr_array_index(same, i);

		/* an earlier one's destruction may have taken it along */
		if (old->state != IKE_SA_STATE_ESTABLISHED)
			continue;
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "%s: replacing IKE SA #%u of the same peer",
		           initial_contact ? "INITIAL_CONTACT" : "uniqueids", old->serial);
		ike_sa_destroy(old, ENGINE_STATUS_SUPERSEDED);
	}
}

/* §2.21.2: the responder answers AUTHENTICATION_FAILED and forgets the SA. */
static TaskResult
refuse_auth(Task *t)
{
	auth_from(t)->auth_error = IKE_NOTIFY_AUTHENTICATION_FAILED;
	t->delete_sa_after = TRUE;
	t->fail_status = ENGINE_STATUS_AUTH_FAILED;
	return TASK_OK;
}

/* The peer's AUTH and our signature, on the worker when either is a
 * signature; TASK_ASYNC while it runs. */
static TaskResult
responder_auth(AuthTask *at, IkeSa *sa, IkeMessage *msg)
{
	g_autoptr(GError) error = NULL;
	gboolean sign = cert_auth_local_signs(sa);
	TaskResult r;

	if (at->job == NULL) {
		if (!check_peer_method(at, sa, msg, &error)) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED,
			           "IKE_AUTH request: %s", error->message);
			return TASK_FAILED;
		}
		if (!sign && at->psk == NULL)
			at->psk = lookup_psk(sa);
		if (!sign && at->psk == NULL) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_CREDENTIAL,
			           "IKE_AUTH request: no pre-shared key for the IDs");
			return TASK_FAILED;
		}
		if (!sign && !peer_signs(msg))
			return TASK_OK;
	}
	r = sig_step(at, sa, sign, peer_signs(msg) ? msg : NULL, &error);
	if (r == TASK_FAILED)
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED, "IKE_AUTH request: %s",
		           error->message);
	return r;
}

static TaskResult
process_request(Task *t, IkeSa *sa, IkeMessage *msg)
{
	AuthTask *at = auth_from(t);
	ChildSa *c;
	TaskResult r;
	char buf[IKE_NAME_BUF_LEN];

	if (at->job == NULL) {
		if (sa->state != IKE_SA_STATE_INIT_R ||
		    ike_message_get_payload(msg, IKE_PAYLOAD_IDI) == NULL)
			return refuse_auth(t);
		if (!responder_pick_conn(sa, msg)) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_AUTH_FAILED,
			           "IKE_AUTH request: no connection matches the peer's ID");
			return refuse_auth(t);
		}
	}
	r = responder_auth(at, sa, msg);
	if (r == TASK_ASYNC)
		return r;
	if (r != TASK_OK)
		return refuse_auth(t);
	replace_duplicates(sa, ike_message_get_notify(msg, IKE_NOTIFY_INITIAL_CONTACT) != NULL);
	ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED);
	engine_half_open_remove(sa);
	log_ike_up(sa, at);
	at->child_error = responder_child(at, sa, msg);
	c = task_child(at, sa);
	if (at->child_error != 0) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "Child SA not established: answering %s",
		           ike_name_or_unknown(IKE_REG_NOTIFY, at->child_error, buf, sizeof(buf)));
		if (c != NULL)
			child_sa_destroy(c);
		at->child = NULL;
	} else if (at->child != NULL) {
		log_child_up(sa, at->child);
	}
	return TASK_OK;
}

static TaskResult
build_response(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	AuthTask *at = auth_from(t);
	g_autoptr(GError) error = NULL;
	ChildSa *c = at->child != NULL ? task_child(at, sa) : NULL;

	if (at->auth_error != 0) {
		g_ptr_array_add(payloads,
		                ike_payload_new_notify(0, at->auth_error, NULL, 0, NULL, 0));
		return TASK_OK;
	}
	g_ptr_array_add(payloads, id_payload(IKE_PAYLOAD_IDR, &sa->local_id));
	if (cert_auth_local_signs(sa)) {
		cert_auth_job_add_certs(at->job, payloads);
		cert_auth_job_add_auth(at->job, payloads);
	} else if (!add_auth(sa, at->psk, payloads, &error)) {
		g_ptr_array_set_size(payloads, 0);
		g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_AUTHENTICATION_FAILED,
		                                                 NULL, 0, NULL, 0));
		t->delete_sa_after = TRUE;
		return TASK_OK;
	}
	if (at->child_error != 0)
		g_ptr_array_add(payloads,
		                ike_payload_new_notify(0, at->child_error, NULL, 0, NULL, 0));
	else if (c != NULL)
		add_child_payloads(c, &c->esp, c->ts_remote, c->ts_local, payloads);
	return TASK_OK;
}

static void
auth_abort(Task *t, IkeSa *sa, EngineStatus why)
{
	ChildSa *c = task_child(auth_from(t), sa);

	if (c != NULL && c->state == CHILD_SA_STATE_LARVAL)
		child_sa_destroy(c);
}

static const TaskOps auth_ops = {
	.name = "IKE_AUTH",
	.exchange = IKE_EXCHANGE_IKE_AUTH,
	.build_request = build_request,
	.process_response = process_response,
	.process_request = process_request,
	.build_response = build_response,
	.abort = auth_abort,
	.free = auth_free,
};

Task *
task_auth_new(gboolean initiator)
{
	AuthTask *at = g_new0(AuthTask, 1);

	at->task.ops = &auth_ops;
	at->task.initiator = initiator;
	return &at->task;
}
