/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE_SA_INIT (RFC 7296 §1.2, §2.6, §2.7, §2.10, §2.23), both roles:
 *
 *   Initiator                         Responder
 *   HDR, [N(COOKIE),] SAi1, KEi, Ni,
 *     N(NAT_DETECTION_*), ...  -->
 *                              <--    HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*), ...
 *                              <--    HDR, N(INVALID_KE_PAYLOAD | COOKIE | error)
 *                              <--    HDR, N(REDIRECT)  (RFC 5685)
 *
 * A busy responder's COOKIE and the global REDIRECT are sent before any
 * state exists (ddos.c); this task only sees requests that passed them.
 *
 * The key pair and g^ir come from the crypto worker (TASK_ASYNC); the step
 * is called again when they are ready.
 */
#include <string.h>

#include "alg-nss.h"
#include "cert-auth.h"
#include "engine-private.h"

#define NONCE_LEN 32
#define MAX_INIT_RETRIES 3

typedef struct {
	Task task;
	gboolean waiting; /* a worker job for this step is out */
	gboolean derived; /* g^ir is in the SA */
	GError *job_error;
	guint retries;
	/* responder: an error notify instead of the normal response */
	guint16 notify;
	guint8 notify_data[2];
	gsize notify_len;
} SaInitTask;

static SaInitTask *
sa_init_from(Task *t)
{
	return (SaInitTask *) t;
}

static void
sa_init_free(Task *t)
{
	SaInitTask *st = sa_init_from(t);

	g_clear_error(&st->job_error);
	g_free(st);
}

/* ---- shared ----------------------------------------------------------- */

static SaInitTask *
current(IkeSa *sa)
{
	return sa_init_from(sa->initiator ? sa->active : sa->responding);
}

static void
job_done(IkeSa *sa, KeJob *job)
{
	SaInitTask *st = current(sa);

	st->waiting = FALSE;
	if (job->error != NULL) {
		st->job_error = g_steal_pointer(&job->error);
		return;
	}
	crypto_ke_free(sa->ke);
	sa->ke = g_steal_pointer(&job->ke);
	if (job->g_ir != NULL) {
		ikebus_secbuf_free(sa->g_ir);
		sa->g_ir = g_steal_pointer(&job->g_ir);
		st->derived = TRUE;
	}
}

static void
submit(IkeSa *sa, SaInitTask *st, gboolean derive)
{
	KeJob *job = g_new0(KeJob, 1);

	job->group = crypto_ke_group_lookup(sa->ke_group);
	if (derive) {
		job->ke = g_steal_pointer(&sa->ke);
		job->peer_public = g_bytes_ref(sa->peer_ke);
	}
	st->waiting = TRUE;
	engine_worker_submit(sa->engine, sa, job, job_done);
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
add_common_notifies(IkeSa *sa, GPtrArray *payloads)
{
	guint8 src[20], dst[20];
	static const guint8 hashes[] = {0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384, 0,
	                                IKE_HASH_SHA2_512};

	engine_nat_hash(sa->spi_i, sa->spi_r, &sa->local, src);
	engine_nat_hash(sa->spi_i, sa->spi_r, &sa->remote, dst);
	/* encapsulation=yes: a source hash that cannot match makes both
	 * sides see a NAT and move to UDP encapsulation (§2.23) */
	if (sa->force_encap)
		src[0] ^= 0xff;
	g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_NAT_DETECTION_SOURCE_IP, NULL,
	                                                 0, src, sizeof(src)));
	g_ptr_array_add(payloads, ike_payload_new_notify(
		0, IKE_NOTIFY_NAT_DETECTION_DESTINATION_IP, NULL, 0, dst, sizeof(dst)));
	if (sa->conn == NULL || sa->conn->cfg->fragmentation != IKEBUS_YNA_NO)
		g_ptr_array_add(payloads, ike_payload_new_notify(
			0, IKE_NOTIFY_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0));
	g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_SIGNATURE_HASH_ALGORITHMS,
	                                                 NULL, 0, hashes, sizeof(hashes)));
}

/* §2.23: compare the peer's NAT_DETECTION hashes with what we see. */
static void
check_nat(IkeSa *sa, IkeMessage *msg, guint64 spi_r)
{
	gboolean src_seen = FALSE, src_match = FALSE, dst_seen = FALSE, dst_match = FALSE;
	const GPtrArray *chain = msg->payloads;
	guint8 h[20];

	for (guint i = 0; i < chain->len; i++) {
		const IkePayload *p = g_ptr_array_index(chain, i);

		if (p->type != IKE_PAYLOAD_NOTIFY || p->u.notify.data_len != 20)
			continue;
		if (p->u.notify.type == IKE_NOTIFY_NAT_DETECTION_SOURCE_IP) {
			src_seen = TRUE;
			engine_nat_hash(sa->spi_i, spi_r, &sa->remote, h);
			src_match |= memcmp(h, p->u.notify.data, 20) == 0;
		} else if (p->u.notify.type == IKE_NOTIFY_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = TRUE;
			engine_nat_hash(sa->spi_i, spi_r, &sa->local, h);
			dst_match |= memcmp(h, p->u.notify.data, 20) == 0;
		}
	}
	sa->nat_remote = src_seen && !src_match;
	sa->nat_local = dst_seen && !dst_match;
	if (ike_message_get_notify(msg, IKE_NOTIFY_IKEV2_FRAGMENTATION_SUPPORTED) != NULL)
		sa->peer_frag = TRUE;
}

static char *
suite_text(IkeSa *sa)
{
	g_autofree char *alg = proposal_choice_to_string(&sa->ike);
	const char *nat = sa->nat_local    ? ", NAT: this end is behind a NAT"
	                  : sa->nat_remote ? ", NAT: the peer is behind a NAT"
	                                   : "";

	return g_strdup_printf("{%s%s}", alg, nat);
}

/* ---- initiator -------------------------------------------------------- */

static TaskResult
build_request(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	SaInitTask *st = sa_init_from(t);
	g_autoptr(GError) error = NULL;
	IkePayload *sa_pl;
	gsize n;
	const guint8 *d;
	char buf[80], gbuf[IKE_NAME_BUF_LEN];

	ike_sa_set_state(sa, IKE_SA_STATE_INIT_I);
	if (st->job_error != NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_NOT_SUPPORTED,
		           "key exchange failed: %s", st->job_error->message);
		t->fail_status = ENGINE_STATUS_NOT_SUPPORTED;
		return TASK_FAILED;
	}
	if (sa->ke_group == 0)
		sa->ke_group = proposal_first_ke(sa->ike_props);
	if (crypto_ke_group_lookup(sa->ke_group) == NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_NOT_SUPPORTED,
		           "key exchange group %u is not supported", sa->ke_group);
		t->fail_status = ENGINE_STATUS_NOT_SUPPORTED;
		return TASK_FAILED;
	}
	if (sa->ke == NULL || crypto_ke_get_group(sa->ke)->id != sa->ke_group) {
		submit(sa, st, FALSE);
		return TASK_ASYNC;
	}
	if (sa->ni == NULL)
		sa->ni = random_nonce();
	if (sa->cookie != NULL) {
		d = g_bytes_get_data(sa->cookie, &n);
		g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_COOKIE, NULL, 0, d, n));
	}
	sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	proposal_add_to_sa(sa_pl, sa->ike_props, NULL, 0, TRUE);
	g_ptr_array_add(payloads, sa_pl);
	d = g_bytes_get_data(crypto_ke_get_public(sa->ke), &n);
	g_ptr_array_add(payloads, ike_payload_new_ke(sa->ke_group, d, n));
	d = g_bytes_get_data(sa->ni, &n);
	g_ptr_array_add(payloads, ike_payload_new_nonce(d, n));
	add_common_notifies(sa, payloads);
	redirect_add_init_notify(sa, payloads); /* RFC 5685 §4, §5 */
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "sent IKE_SA_INIT request to %s (KE %s)",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)),
	           ike_name_or_unknown(IKE_REG_KE, sa->ke_group, gbuf, sizeof(gbuf)));
	(void) error;
	return TASK_OK;
}

/* An unprotected error notify in the response (§1.5, §2.6, §1.2). */
static TaskResult
response_notify(SaInitTask *st, IkeSa *sa, IkeMessage *msg)
{
	IkePayload *n;
	char buf[IKE_NAME_BUF_LEN];

	n = ike_message_get_notify(msg, IKE_NOTIFY_INVALID_KE_PAYLOAD);
	if (n != NULL && n->u.notify.data_len == 2) {
		guint16 g = (guint16) (n->u.notify.data[0] << 8 | n->u.notify.data[1]);

		if (!proposal_has_ke(sa->ike_props, g) || crypto_ke_group_lookup(g) == NULL ||
		    ++st->retries > MAX_INIT_RETRIES || g == sa->ke_group) {
			ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_PROPOSAL,
			           "IKE_SA_INIT response asks for KE group %u, which we did not offer", g);
			st->task.fail_status = ENGINE_STATUS_NO_PROPOSAL;
			return TASK_FAILED;
		}
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "received INVALID_KE_PAYLOAD, retrying IKE_SA_INIT with KE %s",
		           ike_name_or_unknown(IKE_REG_KE, g, buf, sizeof(buf)));
		sa->ke_group = g;
		g_clear_pointer(&sa->ke, crypto_ke_free);
		return TASK_RETRY;
	}
	/* RFC 5685 §4: the gateway sends us to another one */
	n = ike_message_get_notify(msg, IKE_NOTIFY_REDIRECT);
	if (n != NULL) {
		if (redirect_follow_init(sa, n)) {
			st->task.fail_status = ENGINE_STATUS_SUPERSEDED;
			return TASK_FAILED;
		}
		st->task.fail_status = ENGINE_STATUS_PEER_ERROR;
		return TASK_FAILED;
	}
	n = ike_message_get_notify(msg, IKE_NOTIFY_COOKIE);
	if (n != NULL && n->u.notify.data_len >= 1 && n->u.notify.data_len <= 64 &&
	    ++st->retries <= MAX_INIT_RETRIES) {
		g_clear_pointer(&sa->cookie, g_bytes_unref);
		sa->cookie = g_bytes_new(n->u.notify.data, n->u.notify.data_len);
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "received COOKIE, retrying IKE_SA_INIT with it");
		return TASK_RETRY;
	}
	for (guint i = 0; i < msg->payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->payloads, i);

		if (p->type != IKE_PAYLOAD_NOTIFY || p->u.notify.type >= 16384)
			continue;
		st->task.fail_status = p->u.notify.type == IKE_NOTIFY_NO_PROPOSAL_CHOSEN
		                               ? ENGINE_STATUS_NO_PROPOSAL
		                               : ENGINE_STATUS_PEER_ERROR;
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, st->task.fail_status,
		           "IKE_SA_INIT response rejected our request with %s",
		           ike_name_or_unknown(IKE_REG_NOTIFY, p->u.notify.type, buf, sizeof(buf)));
		return TASK_FAILED;
	}
	st->task.fail_status = ENGINE_STATUS_PEER_ERROR;
	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
	           "IKE_SA_INIT response without SA, KE or Nonce");
	return TASK_FAILED;
}

static TaskResult
finish_initiator(SaInitTask *st, IkeSa *sa)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *suite = NULL;
	char buf[80];

	if (st->job_error != NULL || !ike_sa_derive_keys(sa, &error)) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		           "IKE_SA_INIT: key derivation failed: %s",
		           st->job_error != NULL ? st->job_error->message : error->message);
		st->task.fail_status = ENGINE_STATUS_PEER_ERROR;
		return TASK_FAILED;
	}
	suite = suite_text(sa);
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "processed IKE_SA_INIT response from %s %s, initiating IKE_AUTH",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)), suite);
	/* §2.23: with a NAT on the path IKE moves to the NAT-T port */
	if (sa->nat_local || sa->nat_remote || sa->force_encap)
		ike_sa_float(sa);
	return TASK_OK;
}

static TaskResult
process_response(Task *t, IkeSa *sa, IkeMessage *msg)
{
	SaInitTask *st = sa_init_from(t);
	g_autoptr(GError) error = NULL;
	IkePayload *sa_pl, *ke, *nonce;

	if (st->derived || st->job_error != NULL)
		return finish_initiator(st, sa);
	sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	if (sa_pl == NULL || ke == NULL || nonce == NULL)
		return response_notify(st, sa, msg);
	if (msg->header.spi_r == 0 ||
	    !proposal_accept_reply(sa->ike_props, sa_pl, &sa->ike, NULL, &error) ||
	    sa->ike.ke != sa->ke_group || ke->u.ke.group != sa->ke_group) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_PROPOSAL,
		           "IKE_SA_INIT response is not acceptable: %s",
		           error != NULL ? error->message : "wrong KE group or SPI");
		t->fail_status = ENGINE_STATUS_NO_PROPOSAL;
		return TASK_FAILED;
	}
	ike_sa_set_spi_r(sa, msg->header.spi_r);
	g_clear_pointer(&sa->nr, g_bytes_unref);
	sa->nr = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	g_clear_pointer(&sa->peer_ke, g_bytes_unref);
	sa->peer_ke = g_bytes_new(ke->u.ke.data, ke->u.ke.data_len);
	g_clear_pointer(&sa->init_response, g_bytes_unref);
	sa->init_response = g_bytes_ref(msg->bytes);
	check_nat(sa, msg, sa->spi_r);
	submit(sa, st, TRUE);
	return TASK_ASYNC;
}

/* ---- responder -------------------------------------------------------- */

static TaskResult
refuse(SaInitTask *st, IkeSa *sa, guint16 notify, EngineStatus why, const char *what)
{
	char buf[IKE_NAME_BUF_LEN];

	st->notify = notify;
	st->task.delete_sa_after = TRUE;
	st->task.fail_status = why;
	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, why, "IKE_SA_INIT request: %s; answering %s", what,
	           ike_name_or_unknown(IKE_REG_NOTIFY, notify, buf, sizeof(buf)));
	return TASK_OK;
}

static TaskResult
finish_responder(SaInitTask *st, IkeSa *sa)
{
	g_autoptr(GError) error = NULL;

	if (st->job_error != NULL)
		return refuse(st, sa, IKE_NOTIFY_INVALID_SYNTAX, ENGINE_STATUS_PEER_ERROR,
		              st->job_error->message);
	sa->nr = random_nonce();
	if (!ike_sa_derive_keys(sa, &error))
		return refuse(st, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, ENGINE_STATUS_NO_PROPOSAL,
		              error->message);
	sa->init_request = g_bytes_ref(sa->responding_msg->bytes);
	ike_sa_set_state(sa, IKE_SA_STATE_INIT_R);
	return TASK_OK;
}

static TaskResult
process_request(Task *t, IkeSa *sa, IkeMessage *msg)
{
	SaInitTask *st = sa_init_from(t);
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	char buf[80];

	if (st->derived || st->job_error != NULL)
		return finish_responder(st, sa);
	if (sa_pl == NULL || ke == NULL || nonce == NULL)
		return refuse(st, sa, IKE_NOTIFY_INVALID_SYNTAX, ENGINE_STATUS_PEER_ERROR,
		              "SA, KE or Nonce missing");
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "processing IKE_SA_INIT request from %s",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)));
	/* parsed once per connection (engine_add_connection()) */
	if (sa->ike_props == NULL)
		sa->ike_props = g_array_ref(sa->conn->ike_props);
	if (!proposal_select(sa->ike_props, sa_pl, ke->u.ke.group, &sa->ike, NULL))
		return refuse(st, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, ENGINE_STATUS_NO_PROPOSAL,
		              "no acceptable proposal");
	if (crypto_ke_group_lookup(sa->ike.ke) == NULL)
		return refuse(st, sa, IKE_NOTIFY_NO_PROPOSAL_CHOSEN, ENGINE_STATUS_NO_PROPOSAL,
		              "KE group not implemented");
	if (sa->ike.ke != ke->u.ke.group) {
		/* §1.3 / §2.7: tell the initiator which group we want */
		st->notify_data[0] = (guint8) (sa->ike.ke >> 8);
		st->notify_data[1] = (guint8) sa->ike.ke;
		st->notify_len = 2;
		return refuse(st, sa, IKE_NOTIFY_INVALID_KE_PAYLOAD, ENGINE_STATUS_OK,
		              "KE payload is not of the chosen group");
	}
	sa->ke_group = sa->ike.ke;
	sa->ni = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	sa->peer_ke = g_bytes_new(ke->u.ke.data, ke->u.ke.data_len);
	check_nat(sa, msg, 0);
	submit(sa, st, TRUE);
	/* one job does both: a fresh key pair, then g^ir */
	return TASK_ASYNC;
}

static TaskResult
build_response(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	SaInitTask *st = sa_init_from(t);
	IkePayload *sa_pl;
	gsize n;
	const guint8 *d;
	char buf[80];
	g_autofree char *suite = NULL;

	if (st->notify != 0) {
		g_ptr_array_add(payloads, ike_payload_new_notify(0, st->notify, NULL, 0,
		                                                 st->notify_data, st->notify_len));
		return TASK_OK;
	}
	sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	proposal_add_choice(sa_pl, &sa->ike, NULL, 0);
	g_ptr_array_add(payloads, sa_pl);
	d = g_bytes_get_data(crypto_ke_get_public(sa->ke), &n);
	g_ptr_array_add(payloads, ike_payload_new_ke(sa->ke_group, d, n));
	d = g_bytes_get_data(sa->nr, &n);
	g_ptr_array_add(payloads, ike_payload_new_nonce(d, n));
	sa_pl = cert_auth_certreq_payload(sa); /* §3.7: the CAs we take for the peer */
	if (sa_pl != NULL)
		g_ptr_array_add(payloads, sa_pl);
	add_common_notifies(sa, payloads);
	suite = suite_text(sa);
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "sent IKE_SA_INIT response to %s %s",
	           net_endpoint_to_string(&sa->remote, buf, sizeof(buf)), suite);
	return TASK_OK;
}

static const TaskOps sa_init_ops = {
	.name = "IKE_SA_INIT",
	.exchange = IKE_EXCHANGE_IKE_SA_INIT,
	.build_request = build_request,
	.process_response = process_response,
	.process_request = process_request,
	.build_response = build_response,
	.free = sa_init_free,
};

Task *
task_sa_init_new(gboolean initiator)
{
	SaInitTask *st = g_new0(SaInitTask, 1);

	st->task.ops = &sa_init_ops;
	st->task.initiator = initiator;
	return &st->task;
}
