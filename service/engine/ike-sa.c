/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE SA: its one state transition function, message protection
 * (SK, RFC 7296 §3.14), Message IDs with a window of one (§2.3),
 * retransmission (§2.1), the response cache, and the per-SA task queue
 * (STYLE.md habits 4 and 5).
 */
#include <string.h>

#include "alg-nss.h"
#include "engine-private.h"

/* ---- states ----------------------------------------------------------- */

const char *
engine_ike_sa_state_name(EngineIkeSaState state)
{
	return ike_sa_state_name(state);
}

const char *
ike_sa_state_name(IkeSaState state)
{
	switch (state) {
	case IKE_SA_STATE_NEW:
		return "NEW";
	case IKE_SA_STATE_INIT_I:
		return "IKE_SA_INIT_I";
	case IKE_SA_STATE_INIT_R:
		return "IKE_SA_INIT_R";
	case IKE_SA_STATE_AUTH_I:
		return "IKE_AUTH_I";
	case IKE_SA_STATE_ESTABLISHED:
		return "ESTABLISHED";
	case IKE_SA_STATE_DELETING:
		return "DELETING";
	case IKE_SA_STATE_DEAD:
		return "DEAD";
	}
	return "?";
}

static gboolean
ike_sa_move_ok(IkeSaState from, IkeSaState to)
{
	if (to == IKE_SA_STATE_DEAD)
		return from != IKE_SA_STATE_DEAD;
	switch (from) {
	case IKE_SA_STATE_NEW:
		/* an IKE SA made by a rekey (§1.3.2) is established at once */
		return to == IKE_SA_STATE_INIT_I || to == IKE_SA_STATE_INIT_R ||
		       to == IKE_SA_STATE_ESTABLISHED;
	case IKE_SA_STATE_INIT_I:
		return to == IKE_SA_STATE_AUTH_I;
	case IKE_SA_STATE_INIT_R:
	case IKE_SA_STATE_AUTH_I:
		return to == IKE_SA_STATE_ESTABLISHED;
	case IKE_SA_STATE_ESTABLISHED:
		return to == IKE_SA_STATE_DELETING;
	case IKE_SA_STATE_DELETING:
	case IKE_SA_STATE_DEAD:
		return FALSE;
	}
	return FALSE;
}

/* ---- half-open responder SAs ----------------------------------------- */

static gboolean
half_open_cb(gpointer data)
{
	IkeSa *sa = data;

	sa->setup_timer = 0;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "no IKE_AUTH request arrived; dropping the half-open IKE SA");
	ike_sa_destroy(sa, ENGINE_STATUS_NO_ANSWER);
	return G_SOURCE_REMOVE;
}

/* As long as an initiator with our own timings would keep retransmitting. */
static guint
half_open_lifetime(const IkeSa *sa)
{
	const EngineTimings *t = &sa->engine->timings;
	guint64 total = 0;

	for (guint i = 0; i <= t->retransmit_tries; i++)
		total += MIN((guint64) t->retransmit_base_ms << MIN(i, 16u), (guint64) t->retransmit_cap_ms);
	return (guint) MIN(MAX(total * 2, 1000), (guint64) G_MAXUINT);
}

/* ---- liveness (§2.4) --------------------------------------------------- */

static gboolean
liveness_cb(gpointer data)
{
	IkeSa *sa = data;
	guint delay = sa->conn->cfg->dpd_delay;
	gint64 idle = g_get_monotonic_time() - sa->last_in;

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return G_SOURCE_CONTINUE;
	/* only when the peer has been silent for a whole interval and no
	 * exchange of ours is pending (that one checks liveness too) */
	if (idle >= (gint64) delay * G_USEC_PER_SEC && sa->active == NULL &&
	    g_queue_is_empty(sa->queue)) {
		g_debug("\"%s\" #%u: sending liveness check", ike_sa_conn_name(sa), sa->serial);
		ike_sa_queue_task(sa, task_informational_new(TRUE));
	}
	return G_SOURCE_CONTINUE;
}

/* Active liveness checks only when dpd-delay was given, as pluto does;
 * otherwise DPD is passive (we answer the peer's checks). */
static void
ike_sa_start_liveness(IkeSa *sa)
{
	const IkebusConnection *cfg = sa->conn != NULL ? sa->conn->cfg : NULL;

	sa->last_in = g_get_monotonic_time();
	if (cfg == NULL || cfg->dpd_delay == 0 || !engine_conn_key_given(cfg, "dpd-delay") ||
	    sa->liveness_timer != 0)
		return;
	sa->liveness_timer = engine_timer_add(sa->engine, cfg->dpd_delay * 1000, liveness_cb, sa);
}

/* Once the keys are derived the key exchange is spent: our private key
 * (an NSS object), g^ir, the peer's public value and the cookie go.  Our
 * public value stays until the exchange is answered (the responder of an
 * IKE SA rekey sends it after the new SA is up). */
static void
drop_key_exchange(IkeSa *sa)
{
	crypto_ke_drop_private(sa->ke);
	g_clear_pointer(&sa->g_ir, ikebus_secbuf_free);
	g_clear_pointer(&sa->peer_ke, g_bytes_unref);
	g_clear_pointer(&sa->cookie, g_bytes_unref);
}

/* After IKE_AUTH is answered or its answer processed: the IKE_SA_INIT
 * messages and SK_pi/SK_pr served only the AUTH payloads (§2.15). */
static void
drop_auth_state(IkeSa *sa)
{
	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return;
	g_clear_pointer(&sa->ke, crypto_ke_free);
	g_clear_pointer(&sa->init_request, g_bytes_unref);
	g_clear_pointer(&sa->init_response, g_bytes_unref);
	g_clear_pointer(&sa->keys.sk_pi, ikebus_secbuf_free);
	g_clear_pointer(&sa->keys.sk_pr, ikebus_secbuf_free);
}

void
ike_sa_set_state(IkeSa *sa, IkeSaState state)
{
	IkeSaState old = sa->state;

	if (old == state)
		return;
	if (!ike_sa_move_ok(old, state)) {
		g_warning("\"%s\" #%u: refusing IKE SA state change %s -> %s", ike_sa_conn_name(sa),
		          sa->serial, ike_sa_state_name(old), ike_sa_state_name(state));
		return;
	}
	g_debug("\"%s\" #%u: %s -> %s", ike_sa_conn_name(sa), sa->serial, ike_sa_state_name(old),
	        ike_sa_state_name(state));
	sa->state = state;
	sa->engine->counters.ike_sas_by_state[old]--;
	sa->engine->counters.ike_sas_by_state[state]++;
	if (sa->conn != NULL) {
		sa->conn->ike_by_state[old]--;
		if (state != IKE_SA_STATE_DEAD)
			sa->conn->ike_by_state[state]++;
	}
	if (old == IKE_SA_STATE_ESTABLISHED)
		engine_peer_index_remove(sa);
	else if (state == IKE_SA_STATE_ESTABLISHED)
		engine_peer_index_add(sa);
	if (state == IKE_SA_STATE_INIT_R)
		sa->setup_timer = engine_timer_add(sa->engine, half_open_lifetime(sa), half_open_cb, sa);
	if (state == IKE_SA_STATE_ESTABLISHED) {
		engine_timer_remove(sa->engine, &sa->setup_timer);
		sa->established = g_get_real_time() / G_USEC_PER_SEC;
		sa->engine->counters.ike_sas_established++;
		drop_key_exchange(sa);
		ike_sa_start_liveness(sa);
		lifetime_ike_start(sa);
	}
	if (state == IKE_SA_STATE_DEAD)
		lifetime_ike_stop(sa);
	if (state != IKE_SA_STATE_DEAD)
		engine_notify_ike(sa, ENGINE_SA_EVENT_CHANGED, old);
}

void
ike_sa_set_conn(IkeSa *sa, EngineConn *c)
{
	if (c == sa->conn)
		return;
	/* only before IKE_AUTH completes: the peer index keys on it */
	g_return_if_fail(sa->peer_key == NULL);
	if (sa->conn != NULL) {
		if (sa->state != IKE_SA_STATE_DEAD)
			sa->conn->ike_by_state[sa->state]--;
		engine_conn_unref(sa->conn);
	}
	sa->conn = c != NULL ? engine_conn_ref(c) : NULL;
	if (c != NULL && sa->state != IKE_SA_STATE_DEAD)
		c->ike_by_state[sa->state]++;
}

/* ---- life cycle ------------------------------------------------------- */

const char *
ike_sa_conn_name(const IkeSa *sa)
{
	return sa->conn != NULL ? sa->conn->cfg->name : "-";
}

static guint64
random_spi(Engine *engine)
{
	guint64 spi = 0;

	do {
		if (!crypto_random_fill((guint8 *) &spi, sizeof(spi), NULL))
			spi = g_random_int() | ((guint64) g_random_int() << 32);
	} while (spi == 0 || g_hash_table_contains(engine->ike_by_spi, &spi));
	return spi;
}

IkeSa *
ike_sa_new(Engine *engine, EngineConn *conn, gboolean initiator)
{
	IkeSa *sa = g_new0(IkeSa, 1);
	guint64 *key = g_new(guint64, 1);

	sa->engine = engine;
	sa->serial = engine_next_serial(engine);
	sa->conn = conn != NULL ? engine_conn_ref(conn) : NULL;
	sa->initiator = initiator;
	sa->state = IKE_SA_STATE_NEW;
	sa->queue = g_queue_new();
	sa->children = g_ptr_array_new();
	sa->created = g_get_real_time() / G_USEC_PER_SEC;
	if (initiator)
		sa->spi_i = random_spi(engine);
	else
		sa->spi_r = random_spi(engine);
	*key = ike_sa_local_spi(sa);
	g_hash_table_insert(engine->ike_by_spi, key, sa);
	g_hash_table_insert(engine->ike_by_serial, GUINT_TO_POINTER(sa->serial), sa);
	engine->counters.ike_sas_by_state[IKE_SA_STATE_NEW]++;
	if (conn != NULL)
		conn->ike_by_state[IKE_SA_STATE_NEW]++;
	engine_notify_ike(sa, ENGINE_SA_EVENT_ADDED, IKE_SA_STATE_NEW);
	return sa;
}

guint64
ike_sa_local_spi(const IkeSa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

void
ike_sa_set_spi_r(IkeSa *sa, guint64 spi_r)
{
	sa->spi_r = spi_r;
}

void
ike_sa_free(IkeSa *sa)
{
	Task *t;

	while ((t = g_queue_pop_head(sa->queue)) != NULL)
		task_free(t);
	g_queue_free(sa->queue);
	task_free(sa->active);
	task_free(sa->responding);
	ike_message_free(sa->active_msg);
	ike_message_free(sa->responding_msg);
	g_ptr_array_unref(sa->children);
	if (sa->ike_props != NULL)
		g_array_unref(sa->ike_props);
	crypto_ke_free(sa->ke);
	g_clear_pointer(&sa->ni, g_bytes_unref);
	g_clear_pointer(&sa->nr, g_bytes_unref);
	g_clear_pointer(&sa->peer_ke, g_bytes_unref);
	g_clear_pointer(&sa->cookie, g_bytes_unref);
	g_clear_pointer(&sa->init_request, g_bytes_unref);
	g_clear_pointer(&sa->init_response, g_bytes_unref);
	ikebus_secbuf_free(sa->g_ir);
	crypto_ike_keys_clear(&sa->keys);
	crypto_sk_free(sa->sk_out);
	crypto_sk_free(sa->sk_in);
	engine_id_clear(&sa->local_id);
	engine_id_clear(&sa->remote_id);
	g_clear_pointer(&sa->request.datagrams, g_ptr_array_unref);
	g_clear_pointer(&sa->response.datagrams, g_ptr_array_unref);
	frag_buf_free(sa->frag);
	sa_text_clear(&sa->text);
	if (sa->request_cb != NULL)
		engine_request_unref(sa->request_cb);
	if (sa->conn != NULL)
		engine_conn_unref(sa->conn);
	g_free(sa);
}

static void
abort_tasks(IkeSa *sa, EngineStatus why)
{
	Task *t;

	if (sa->active != NULL && sa->active->ops->abort != NULL)
		sa->active->ops->abort(sa->active, sa, why);
	g_clear_pointer(&sa->active, task_free);
	g_clear_pointer(&sa->active_msg, ike_message_free);
	g_clear_pointer(&sa->responding, task_free);
	g_clear_pointer(&sa->responding_msg, ike_message_free);
	while ((t = g_queue_pop_head(sa->queue)) != NULL) {
		if (t->ops->abort != NULL)
			t->ops->abort(t, sa, why);
		task_free(t);
	}
}

void
ike_sa_destroy(IkeSa *sa, EngineStatus status)
{
	Engine *engine = sa->engine;
	guint64 spi = ike_sa_local_spi(sa);
	IkeSaState old;

	if (sa->state == IKE_SA_STATE_DEAD)
		return;
	engine_timer_remove(engine, &sa->retransmit_timer);
	engine_timer_remove(engine, &sa->keepalive_timer);
	engine_timer_remove(engine, &sa->liveness_timer);
	engine_timer_remove(engine, &sa->setup_timer);
	rekey_ike_rescue_children(sa);
	abort_tasks(sa, status);
	while (sa->children->len > 0)
		child_sa_destroy(g_ptr_array_index(sa->children, sa->children->len - 1));
	g_hash_table_remove(engine->ike_by_spi, &spi);
	g_hash_table_remove(engine->ike_by_serial, GUINT_TO_POINTER(sa->serial));
	engine_half_open_remove(sa);
	if (sa->request_cb != NULL) {
		engine_request_finish(sa->request_cb, status);
		g_clear_pointer(&sa->request_cb, engine_request_unref);
	}
	old = sa->state;
	ike_sa_set_state(sa, IKE_SA_STATE_DEAD);
	engine_notify_ike(sa, ENGINE_SA_EVENT_REMOVED, old);
	engine_bury(engine, sa, FALSE);
}

void
ike_sa_delete(IkeSa *sa)
{
	switch (sa->state) {
	case IKE_SA_STATE_ESTABLISHED:
		ike_sa_queue_task(sa, task_delete_ike_new(TRUE));
		return;
	case IKE_SA_STATE_DELETING:
	case IKE_SA_STATE_DEAD:
		return;
	case IKE_SA_STATE_NEW:
	case IKE_SA_STATE_INIT_I:
	case IKE_SA_STATE_INIT_R:
	case IKE_SA_STATE_AUTH_I:
		ike_sa_destroy(sa, ENGINE_STATUS_SUPERSEDED);
		return;
	}
}

/* ---- logging ---------------------------------------------------------- */

void
ike_sa_log(IkeSa *sa, GLogLevelFlags level, EngineStatus code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;
	g_autofree char *line = NULL;
	gboolean to_log = engine_log_wanted(sa->engine, level);

	/* nothing prints it and no initiate caller waits for it */
	if (!to_log && sa->request_cb == NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	line = g_strdup_printf("\"%s\" #%u: %s", ike_sa_conn_name(sa), sa->serial, msg);
	if (to_log)
		g_log(G_LOG_DOMAIN, level, "%s", line);
	if (sa->request_cb != NULL)
		engine_request_line(sa->request_cb, code, line);
}

/* ---- keys ------------------------------------------------------------- */

static gboolean derive_from_skeyseed(IkeSa *sa, const IkebusSecbuf *skeyseed, GError **error);

static gboolean
setup_suite(IkeSa *sa, GError **error)
{
	sa->suite.prf = crypto_prf_alg_by_id(sa->ike.prf);
	sa->suite.encr = crypto_encr_alg_by_id(sa->ike.encr);
	sa->suite.encr_key_bits = sa->ike.encr_bits;
	sa->suite.integ = sa->ike.integ != 0 ? crypto_integ_alg_by_id(sa->ike.integ) : NULL;
	return crypto_ike_suite_check(&sa->suite, error);
}

gboolean
ike_sa_derive_rekey_keys(IkeSa *sa, const IkeSa *old, GError **error)
{
	g_autoptr(IkebusSecbuf) skeyseed = NULL;
	gsize ni_len, nr_len;
	const guint8 *ni = g_bytes_get_data(sa->ni, &ni_len);
	const guint8 *nr = g_bytes_get_data(sa->nr, &nr_len);

	if (!setup_suite(sa, error))
		return FALSE;
	/* §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the
	 * old SA's PRF */
	skeyseed = crypto_skeyseed_rekey(old->suite.prf, old->keys.sk_d, sa->g_ir, ni, ni_len, nr,
	                                 nr_len, error);
	if (skeyseed == NULL || !derive_from_skeyseed(sa, skeyseed, error))
		return FALSE;
	/* a rekeyed IKE SA never authenticates: no use for SK_pi/SK_pr */
	g_clear_pointer(&sa->keys.sk_pi, ikebus_secbuf_free);
	g_clear_pointer(&sa->keys.sk_pr, ikebus_secbuf_free);
	return TRUE;
}

gboolean
ike_sa_derive_keys(IkeSa *sa, GError **error)
{
	g_autoptr(IkebusSecbuf) skeyseed = NULL;
	gsize ni_len, nr_len;
	const guint8 *ni = g_bytes_get_data(sa->ni, &ni_len);
	const guint8 *nr = g_bytes_get_data(sa->nr, &nr_len);

	if (!setup_suite(sa, error))
		return FALSE;
	skeyseed = crypto_skeyseed(sa->suite.prf, ni, ni_len, nr, nr_len, sa->g_ir, error);
	return skeyseed != NULL && derive_from_skeyseed(sa, skeyseed, error);
}

static gboolean
derive_from_skeyseed(IkeSa *sa, const IkebusSecbuf *skeyseed, GError **error)
{
	guint8 spi_i[8], spi_r[8];
	gsize ni_len, nr_len;
	const guint8 *ni = g_bytes_get_data(sa->ni, &ni_len);
	const guint8 *nr = g_bytes_get_data(sa->nr, &nr_len);
	const IkebusSecbuf *ei, *er, *ai, *ar;

	for (guint i = 0; i < 8; i++) {
		spi_i[i] = (guint8) (sa->spi_i >> (56 - 8 * i));
		spi_r[i] = (guint8) (sa->spi_r >> (56 - 8 * i));
	}
	crypto_ike_keys_clear(&sa->keys);
	if (!crypto_ike_keys_derive(&sa->suite, skeyseed, ni, ni_len, nr, nr_len, spi_i, spi_r,
	                            &sa->keys, error))
		return FALSE;
	ei = sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
	er = sa->initiator ? sa->keys.sk_er : sa->keys.sk_ei;
	ai = sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
	ar = sa->initiator ? sa->keys.sk_ar : sa->keys.sk_ai;
	g_clear_pointer(&sa->sk_out, crypto_sk_free);
	g_clear_pointer(&sa->sk_in, crypto_sk_free);
	sa->sk_out = crypto_sk_new(sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ, ei, ai,
	                           error);
	if (sa->sk_out == NULL)
		return FALSE;
	sa->sk_in = crypto_sk_new(sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ, er, ar,
	                          error);
	if (sa->sk_in == NULL)
		return FALSE;
	/* the protectors hold their own copies */
	g_clear_pointer(&sa->keys.sk_ei, ikebus_secbuf_free);
	g_clear_pointer(&sa->keys.sk_er, ikebus_secbuf_free);
	g_clear_pointer(&sa->keys.sk_ai, ikebus_secbuf_free);
	g_clear_pointer(&sa->keys.sk_ar, ikebus_secbuf_free);
	return TRUE;
}

/* ---- messages --------------------------------------------------------- */

static GPtrArray *
one_datagram(GBytes *bytes)
{
	GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);

	g_ptr_array_add(a, bytes);
	return a;
}

/* RFC 7383 §2.5: fragment when the peer supports it, the connection allows
 * it, and the message is too big (or fragmentation=force). */
static gsize
fragment_limit(const IkeSa *sa, gsize plain_len)
{
	gsize max = sa->engine->timings.fragment_size != 0 ? sa->engine->timings.fragment_size : 1232;
	const IkebusConnection *cfg = sa->conn != NULL ? sa->conn->cfg : NULL;
	gsize whole = IKE_HEADER_LEN + IKE_GENERIC_HEADER_LEN + crypto_sk_body_len(sa->sk_out, plain_len);

	if (sa->natt)
		max -= NET_NON_ESP_MARKER_LEN;
	if (!sa->peer_frag || cfg == NULL || cfg->fragmentation == IKEBUS_YNA_NO || plain_len == 0)
		return 0;
	if (whole > max || cfg->fragmentation == IKEBUS_YNA_FORCE)
		return max;
	return 0;
}

/* The datagrams (GBytes *) of a message: the payloads in clear for
 * IKE_SA_INIT, else inside SK, or SKF fragments. */
static GPtrArray *
encode_message(IkeSa *sa, guint8 exchange, gboolean response, guint32 msgid, GPtrArray *payloads,
               GError **error)
{
	guint8 flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	g_autoptr(IkeMessage) msg = ike_message_new(exchange, flags, sa->spi_i, sa->spi_r, msgid);
	g_autoptr(GByteArray) plain = NULL;
	g_autofree guint8 *zeros = NULL;
	GByteArray *wire;
	GPtrArray *frags;
	guint8 first = 0;
	gsize body_len, aad_len, limit, n = 0;
	gpointer *pl;

	if (exchange == IKE_EXCHANGE_IKE_SA_INIT) {
		pl = g_ptr_array_steal(payloads, &n);
		for (gsize i = 0; i < n; i++)
			ike_message_add_payload(msg, pl[i]);
		g_free(pl);
		wire = ike_message_encode(msg, error);
		return wire != NULL ? one_datagram(g_byte_array_free_to_bytes(wire)) : NULL;
	}
	if (sa->sk_out == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "no keys yet");
		return NULL;
	}
	plain = g_byte_array_new();
	if (!ike_payload_chain_encode(payloads, plain, &first, error))
		return NULL;
	limit = fragment_limit(sa, plain->len);
	if (limit > 0) {
		frags = frag_encode(sa, exchange, response, msgid, plain->data, plain->len, first, limit,
		                    error);
		ikebus_wipe(plain->data, plain->len);
		return frags;
	}
	body_len = crypto_sk_body_len(sa->sk_out, plain->len);
	zeros = g_malloc0(body_len);
	ike_message_add_payload(msg, ike_payload_new_sk(first, zeros, body_len));
	wire = ike_message_encode(msg, error);
	if (wire == NULL)
		return NULL;
	aad_len = wire->len - body_len;
	if (!crypto_sk_seal(sa->sk_out, wire->data, aad_len, plain->data, plain->len,
	                    wire->data + aad_len, body_len, error)) {
		g_byte_array_unref(wire);
		ikebus_wipe(plain->data, plain->len);
		return NULL;
	}
	ikebus_wipe(plain->data, plain->len);
	return one_datagram(g_byte_array_free_to_bytes(wire));
}

gboolean
engine_sk_open_into(CryptoSk *sk_in, IkeMessage *msg, const IkePayload *sk, GError **error)
{
	const guint8 *data = g_bytes_get_data(msg->bytes, NULL);
	gsize body_off = sk->offset + IKE_GENERIC_HEADER_LEN;
	gsize out_size = crypto_sk_open_buf_len(sk_in, sk->u.sk.data_len);
	gsize plain_len = 0;
	guint8 *out = g_malloc0(MAX(out_size, 1));
	g_autoptr(GBytes) plain = NULL;
	GPtrArray *inner;

	if (!crypto_sk_open(sk_in, data, body_off, sk->u.sk.data, sk->u.sk.data_len, out, out_size,
	                    &plain_len, error)) {
		g_free(out);
		return FALSE;
	}
	plain = g_bytes_new_take(out, plain_len);
	inner = ike_payload_chain_parse(sk->u.sk.inner_type, g_bytes_get_data(plain, NULL), plain_len,
	                                body_off, error);
	if (inner == NULL)
		return FALSE;
	ike_message_set_inner(msg, inner, plain);
	return TRUE;
}

/* Opens SK (or collects SKF fragments).  FRAG_MORE: a fragment was kept
 * and the message is not complete yet. */
static FragResult
decrypt_message(IkeSa *sa, IkeMessage *msg, GError **error)
{
	IkePayload *sk;

	if (msg->payloads->len == 0 || sa->sk_in == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "no SK payload or keys");
		return FRAG_FAILED;
	}
	sk = g_ptr_array_index(msg->payloads, msg->payloads->len - 1);
	if (sk->type == IKE_PAYLOAD_SKF)
		return frag_collect(sa, msg, sk, error);
	if (sk->type != IKE_PAYLOAD_SK) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "last payload is not SK");
		return FRAG_FAILED;
	}
	return engine_sk_open_into(sa->sk_in, msg, sk, error) ? FRAG_COMPLETE : FRAG_FAILED;
}

/* Decrypts a non-IKE_SA_INIT message; FALSE means drop (counted unless
 * a fragment was kept).  @result, if not NULL, gets the FragResult. */
static gboolean
open_message(IkeSa *sa, IkeMessage *msg, const char *what, FragResult *result)
{
	g_autoptr(GError) error = NULL;
	FragResult r = FRAG_COMPLETE;

	if (result != NULL)
		*result = r;
	if (msg->header.exchange_type == IKE_EXCHANGE_IKE_SA_INIT)
		return TRUE;
	r = decrypt_message(sa, msg, &error);
	if (result != NULL)
		*result = r;
	switch (r) {
	case FRAG_COMPLETE:
		return TRUE;
	case FRAG_MORE:
		return FALSE;
	case FRAG_FAILED:
		break;
	}
	g_debug("\"%s\" #%u: dropping %s: %s", ike_sa_conn_name(sa), sa->serial, what,
	        error->message);
	sa->engine->counters.messages_dropped++;
	return FALSE;
}

static void
store(SentMessage *m, GPtrArray *datagrams, guint32 msgid)
{
	g_clear_pointer(&m->datagrams, g_ptr_array_unref);
	m->datagrams = g_ptr_array_ref(datagrams);
	m->msgid = msgid;
	m->valid = TRUE;
}

static gboolean
send_stored(IkeSa *sa, const SentMessage *m, gboolean natt)
{
	gboolean ok = TRUE;

	sa->messages_out++;
	for (guint i = 0; i < m->datagrams->len; i++) {
		gsize n;
		const guint8 *d = g_bytes_get_data(g_ptr_array_index(m->datagrams, i), &n);

		ok &= engine_send(sa->engine, &sa->local, &sa->remote, d, n, natt);
	}
	return ok;
}

static guint
retransmit_delay(const IkeSa *sa)
{
	const EngineTimings *t = &sa->engine->timings;
	guint64 ms = (guint64) t->retransmit_base_ms << MIN(sa->retransmits, 16u);

	return (guint) MIN(ms, (guint64) t->retransmit_cap_ms);
}

/*
 * Whether a connection starts again once the peer of @sa is gone (no answer,
 * or declared crashed), and where: an SA of ours still being set up while
 * keying attempts are left (counting this one), or an established SA of a
 * connection with dpd-action=restart that knows where its peer is.  An SA
 * being deleted or already replaced by a rekey stays down.  The next
 * attempt starts over on the IKE port.
 */
gboolean
ike_sa_restart_wanted(IkeSa *sa, NetEndpoint *remote)
{
	EngineConn *conn = sa->conn;
	const IkebusEnd *re;

	if (conn == NULL || conn->deleted || sa->engine->shutting_down ||
	    sa->state == IKE_SA_STATE_DELETING || sa->replaced_by != 0)
		return FALSE;
	re = engine_conn_remote_end(conn, sa->local_is_left);
	*remote = sa->remote;
	remote->port = (guint16) re->ike_port;
	if (sa->state != IKE_SA_STATE_ESTABLISHED) {
		if (!sa->initiator)
			return FALSE;
		conn->attempts++;
		return conn->cfg->keying_tries == 0 || conn->attempts < conn->cfg->keying_tries;
	}
	if (conn->cfg->dpd_action != IKEBUS_DPD_ACTION_RESTART)
		return FALSE;
	return sa->initiator || !g_str_has_prefix(re->host, "%");
}

static void ike_sa_timeout(IkeSa *sa);

static gboolean
retransmit_cb(gpointer data)
{
	IkeSa *sa = data;

	sa->retransmit_timer = 0;
	if (!sa->request.valid)
		return G_SOURCE_REMOVE;
	if (sa->retransmits >= sa->engine->timings.retransmit_tries) {
		ike_sa_timeout(sa);
		return G_SOURCE_REMOVE;
	}
	sa->retransmits++;
	sa->total_retransmits++;
	g_debug("\"%s\" #%u: retransmitting request %u (%u)", ike_sa_conn_name(sa), sa->serial,
	        sa->request.msgid, sa->retransmits);
	send_stored(sa, &sa->request, sa->natt);
	sa->retransmit_timer = engine_timer_add(sa->engine, retransmit_delay(sa), retransmit_cb, sa);
	return G_SOURCE_REMOVE;
}

static void
send_request(IkeSa *sa, GPtrArray *datagrams)
{
	store(&sa->request, datagrams, sa->next_msgid);
	sa->retransmits = 0;
	send_stored(sa, &sa->request, sa->natt);
	engine_timer_remove(sa->engine, &sa->retransmit_timer);
	sa->retransmit_timer = engine_timer_add(sa->engine, retransmit_delay(sa), retransmit_cb, sa);
}

/* ---- the initiator side of the task queue ----------------------------- */

static void continue_build(IkeSa *sa);

static void
active_failed(IkeSa *sa)
{
	EngineStatus st = sa->active->fail_status;

	if (st == ENGINE_STATUS_OK)
		st = ENGINE_STATUS_PEER_ERROR;
	g_clear_pointer(&sa->active, task_free);
	ike_sa_destroy(sa, st);
}

static void
ike_sa_timeout(IkeSa *sa)
{
	Engine *engine = sa->engine;
	EngineConn *conn = sa->conn;
	gboolean setup = sa->state != IKE_SA_STATE_ESTABLISHED && sa->state != IKE_SA_STATE_DELETING;
	gboolean left = sa->local_is_left;
	NetEndpoint remote;

	ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_NO_ANSWER,
	           "%s: %u retransmissions of request %u, no answer from the peer",
	           ike_sa_state_name(sa->state), sa->retransmits, sa->request.msgid);
	sa->request.valid = FALSE;
	if (!ike_sa_restart_wanted(sa, &remote)) {
		ike_sa_destroy(sa, ENGINE_STATUS_NO_ANSWER);
		return;
	}
	if (setup) {
		g_autofree char *of = conn->cfg->keying_tries == 0
		                              ? g_strdup("an unlimited number")
		                              : g_strdup_printf("at most %u", conn->cfg->keying_tries);

		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "starting keying attempt %u of %s%s", conn->attempts + 1, of,
		           sa->request_cb != NULL ? ", but releasing whack" : "");
	} else {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "peer is dead; restarting the connection (dpd-action=restart)");
	}
	engine_conn_ref(conn);
	ike_sa_destroy(sa, ENGINE_STATUS_NO_ANSWER);
	if (!conn->deleted)
		engine_start_ike_sa(engine, conn, left, &remote, NULL);
	engine_conn_unref(conn);
}

static void
continue_build(IkeSa *sa)
{
	g_autoptr(GPtrArray) payloads = ike_payload_chain_new();
	g_autoptr(GPtrArray) bytes = NULL;
	g_autoptr(GError) error = NULL;
	Task *task = sa->active;
	TaskResult r;

	sa->building = 1;
	r = task->ops->build_request(task, sa, payloads);
	switch (r) {
	case TASK_ASYNC:
		return;
	case TASK_SKIP:
		sa->building = 0;
		g_clear_pointer(&sa->active, task_free);
		ike_sa_run(sa);
		return;
	case TASK_FAILED:
	case TASK_RETRY:
		sa->building = 0;
		active_failed(sa);
		return;
	case TASK_OK:
		break;
	}
	sa->building = 0;
	bytes = encode_message(sa, task->ops->exchange, FALSE, sa->next_msgid, payloads, &error);
	if (bytes == NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_OK, "cannot build %s request: %s",
		           task->ops->name, error->message);
		active_failed(sa);
		return;
	}
	if (task->ops->exchange == IKE_EXCHANGE_IKE_SA_INIT) {
		g_clear_pointer(&sa->init_request, g_bytes_unref);
		sa->init_request = g_bytes_ref(g_ptr_array_index(bytes, 0));
	}
	send_request(sa, bytes);
}

static void
continue_process(IkeSa *sa)
{
	Task *task = sa->active;
	TaskResult r;

	sa->building = 2;
	r = task->ops->process_response(task, sa, sa->active_msg);
	if (r == TASK_ASYNC)
		return;
	sa->building = 0;
	g_clear_pointer(&sa->active_msg, ike_message_free);
	switch (r) {
	case TASK_RETRY:
		sa->request.valid = FALSE;
		continue_build(sa);
		return;
	case TASK_FAILED:
		sa->request.valid = FALSE;
		sa->next_msgid++;
		active_failed(sa);
		return;
	case TASK_OK:
	case TASK_ASYNC:
	case TASK_SKIP:
		break;
	}
	sa->request.valid = FALSE;
	g_clear_pointer(&sa->request.datagrams, g_ptr_array_unref);
	sa->next_msgid++;
	drop_auth_state(sa);
	if (task->delete_sa_after) {
		EngineStatus st = task->fail_status;

		g_clear_pointer(&sa->active, task_free);
		ike_sa_destroy(sa, st);
		return;
	}
	g_clear_pointer(&sa->active, task_free);
	ike_sa_run(sa);
}

void
ike_sa_queue_task(IkeSa *sa, Task *task)
{
	g_queue_push_tail(sa->queue, task);
	ike_sa_run(sa);
}

void
ike_sa_run(IkeSa *sa)
{
	if (sa->state == IKE_SA_STATE_DEAD || sa->active != NULL || sa->worker_busy ||
	    sa->request.valid)
		return;
	sa->active = g_queue_pop_head(sa->queue);
	if (sa->active != NULL)
		continue_build(sa);
}

/* ---- the responder side ----------------------------------------------- */

static void
send_response(IkeSa *sa, guint8 exchange, guint32 msgid, GPtrArray *payloads)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) bytes = encode_message(sa, exchange, TRUE, msgid, payloads, &error);

	if (bytes == NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_WARNING, ENGINE_STATUS_OK, "cannot build response: %s",
		           error->message);
		return;
	}
	/* kept until the next request (§2.1), for every SA: exact-size
	 * copies instead of the encoder's larger buffers */
	for (guint i = 0; i < bytes->len; i++) {
		GBytes *b = g_ptr_array_index(bytes, i);

		bytes->pdata[i] = g_bytes_new(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
		g_bytes_unref(b);
	}
	if (exchange == IKE_EXCHANGE_IKE_SA_INIT) {
		g_clear_pointer(&sa->init_response, g_bytes_unref);
		sa->init_response = g_bytes_ref(g_ptr_array_index(bytes, 0));
	}
	store(&sa->response, bytes, msgid);
	sa->response_to = sa->request_in;
	sa->response_to.valid = sa->request_in.valid && sa->request_in.msgid == msgid;
	sa->response_natt = sa->natt;
	send_stored(sa, &sa->response, sa->natt);
}

static void
continue_respond(IkeSa *sa)
{
	Task *task = sa->responding;
	IkeMessage *msg = sa->responding_msg;
	g_autoptr(GPtrArray) payloads = NULL;
	guint8 exchange = msg->header.exchange_type;
	guint32 msgid = msg->header.message_id;
	TaskResult r = task->ops->process_request(task, sa, msg);

	if (r == TASK_ASYNC)
		return;
	payloads = ike_payload_chain_new();
	task->ops->build_response(task, sa, payloads);
	send_response(sa, exchange, msgid, payloads);
	sa->peer_next_msgid = msgid + 1;
	drop_auth_state(sa);
	g_clear_pointer(&sa->responding_msg, ike_message_free);
	sa->responding = NULL;
	if (task->delete_sa_after) {
		EngineStatus st = task->fail_status;

		task_free(task);
		ike_sa_destroy(sa, st);
		return;
	}
	task_free(task);
	if (sa->active_parked && sa->active != NULL && sa->building == 2) {
		sa->active_parked = FALSE;
		continue_process(sa);
		return;
	}
	ike_sa_run(sa);
}

void
ike_sa_resume_task(IkeSa *sa, Task *task)
{
	if (sa->state == IKE_SA_STATE_DEAD)
		return;
	if (task == sa->responding && task != NULL) {
		continue_respond(sa);
		return;
	}
	if (task == sa->active && task != NULL && sa->building == 1) {
		continue_build(sa);
		return;
	}
	if (task == sa->active && task != NULL && sa->building == 2) {
		continue_process(sa);
		return;
	}
	ike_sa_run(sa);
}

void
ike_sa_resume(IkeSa *sa)
{
	if (sa->state == IKE_SA_STATE_DEAD)
		return;
	if (sa->responding != NULL) {
		continue_respond(sa);
		return;
	}
	if (sa->active != NULL && sa->building == 1) {
		continue_build(sa);
		return;
	}
	if (sa->active != NULL && sa->building == 2) {
		continue_process(sa);
		return;
	}
	ike_sa_run(sa);
}

static Task *
responder_task_for(const IkeMessage *msg)
{
	switch (msg->header.exchange_type) {
	case IKE_EXCHANGE_IKE_SA_INIT:
		return task_sa_init_new(FALSE);
	case IKE_EXCHANGE_IKE_AUTH:
		return task_auth_new(FALSE);
	case IKE_EXCHANGE_INFORMATIONAL:
		return task_informational_new(FALSE);
	case IKE_EXCHANGE_CREATE_CHILD_SA:
		if (ike_rekey_request_is_ike(msg))
			return task_ike_rekey_responder_new();
		return task_child_create_responder_new();
	default:
		return NULL;
	}
}

/* ---- receive ---------------------------------------------------------- */

static void
note_path(IkeSa *sa, const NetPacket *pkt)
{
	guint16 natt_port = net_io_get_natt_port(sa->engine->net);

	/* RFC 7296 §2.23: after authentication, follow the peer's address and
	 * port when it is behind a NAT; always follow a move to the NAT-T port. */
	if (pkt->local.port == natt_port && !sa->natt) {
		sa->natt = TRUE;
		sa->local = pkt->local;
		sa->remote = pkt->remote;
	} else if (sa->nat_remote && sa->sk_in != NULL) {
		sa->remote = pkt->remote;
	}
}

static void
receive_response(IkeSa *sa, const NetPacket *pkt, IkeMessage *msg)
{
	g_autoptr(IkeMessage) owned = msg;
	g_autoptr(GError) error = NULL;

	if (!sa->request.valid || msg->header.message_id != sa->request.msgid ||
	    sa->active == NULL || sa->building != 0 ||
	    msg->header.exchange_type != sa->active->ops->exchange) {
		sa->engine->counters.messages_dropped++;
		return;
	}
	if (!open_message(sa, msg, "response", NULL))
		return;
	if (!ike_message_check_rules(msg, &error)) {
		g_debug("\"%s\" #%u: dropping response: %s", ike_sa_conn_name(sa), sa->serial,
		        error->message);
		sa->engine->counters.messages_dropped++;
		return;
	}
	sa->messages_in++;
	sa->last_in = g_get_monotonic_time();
	note_path(sa, pkt);
	engine_timer_remove(sa->engine, &sa->retransmit_timer);
	sa->active_msg = g_steal_pointer(&owned);
	continue_process(sa);
}

/* RFC 7383 §2.6.1: a retransmitted fragmented request is answered once,
 * on its first fragment. */
static gboolean
later_fragment(const IkeMessage *msg)
{
	const IkePayload *last;

	if (msg->payloads->len == 0)
		return FALSE;
	last = g_ptr_array_index(msg->payloads, msg->payloads->len - 1);
	return last->type == IKE_PAYLOAD_SKF && last->u.skf.fragment_number != 1;
}

static void
request_digest(RequestDigest *d, const NetPacket *pkt, guint32 msgid)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize n = sizeof d->digest;

	g_checksum_update(sum, pkt->data, (gssize) pkt->len);
	g_checksum_get_digest(sum, d->digest, &n);
	d->len = pkt->len;
	d->msgid = msgid;
	d->valid = TRUE;
}

static void
receive_request(IkeSa *sa, const NetPacket *pkt, IkeMessage *msg)
{
	g_autoptr(IkeMessage) owned = msg;
	g_autoptr(GError) error = NULL;
	guint32 msgid = msg->header.message_id;
	RequestDigest d;
	FragResult fr;
	Task *task;

	if (sa->response.valid && msgid == sa->response.msgid && !later_fragment(msg)) {
		/* §2.1: a retransmitted request gets the same response again */
		request_digest(&d, pkt, msgid);
		if (!sa->response_to.valid || sa->response_to.len != d.len ||
		    memcmp(sa->response_to.digest, d.digest, sizeof d.digest) != 0) {
			g_debug("\"%s\" #%u: request %u differs from the one answered, dropping it",
			        ike_sa_conn_name(sa), sa->serial, msgid);
			sa->engine->counters.messages_dropped++;
			return;
		}
		g_debug("\"%s\" #%u: retransmitted request %u, resending the response",
		        ike_sa_conn_name(sa), sa->serial, msgid);
		sa->messages_in++;
		send_stored(sa, &sa->response, sa->response_natt);
		return;
	}
	if (msgid != sa->peer_next_msgid || sa->responding != NULL) {
		sa->engine->counters.messages_dropped++;
		return;
	}
	/* Our own exchange's answer is being finished on the crypto worker: a
	 * new request (a Delete of the SA we are rekeying, in a collision)
	 * waits for its retransmission, so it meets the outcome of ours. */
	if (sa->active != NULL && sa->building == 2 && sa->worker_busy > 0) {
		g_debug("\"%s\" #%u: request %u while our exchange finishes; waiting for its "
		        "retransmission", ike_sa_conn_name(sa), sa->serial, msgid);
		return;
	}
	fr = FRAG_FAILED;
	if (!open_message(sa, msg, "request", &fr) && fr != FRAG_MORE)
		return;
	/* authenticated: the first datagram (or fragment 1) is what a
	 * retransmission must repeat */
	if (!later_fragment(msg))
		request_digest(&sa->request_in, pkt, msgid);
	if (fr == FRAG_MORE)
		return;
	if (!ike_message_check_rules(msg, &error)) {
		g_debug("\"%s\" #%u: dropping request: %s", ike_sa_conn_name(sa), sa->serial,
		        error->message);
		sa->engine->counters.messages_dropped++;
		return;
	}
	task = responder_task_for(msg);
	if (task == NULL) {
		sa->engine->counters.messages_dropped++;
		return;
	}
	sa->messages_in++;
	sa->last_in = g_get_monotonic_time();
	note_path(sa, pkt);
	sa->responding = task;
	sa->responding_msg = g_steal_pointer(&owned);
	continue_respond(sa);
}

void
ike_sa_receive(IkeSa *sa, const NetPacket *pkt, GBytes *bytes)
{
	g_autoptr(GError) error = NULL;
	IkeMessage *msg = ike_message_parse_bytes(bytes, &error);

	if (msg == NULL) {
		g_debug("\"%s\" #%u: malformed message: %s", ike_sa_conn_name(sa), sa->serial,
		        error->message);
		sa->engine->counters.messages_dropped++;
		return;
	}
	if (msg->header.flags & IKE_FLAG_RESPONSE)
		receive_response(sa, pkt, msg);
	else
		receive_request(sa, pkt, msg);
}

/* ---- NAT-T ------------------------------------------------------------ */

static gboolean
keepalive_cb(gpointer data)
{
	IkeSa *sa = data;

	net_io_send_keepalive(sa->engine->net, &sa->local, &sa->remote, NULL);
	return G_SOURCE_CONTINUE;
}

void
ike_sa_float(IkeSa *sa)
{
	guint16 natt_port = net_io_get_natt_port(sa->engine->net);

	if (!sa->natt) {
		sa->natt = TRUE;
		sa->local.port = natt_port;
		/* the peer's NAT-T port is taken to be ours (4500 unless both
		 * ends were configured otherwise) */
		sa->remote.port = natt_port;
	}
	/* RFC 3948 §4: the host behind the NAT keeps the mapping open. */
	if (sa->nat_local && sa->keepalive_timer == 0 && sa->engine->timings.keepalive_seconds > 0 &&
	    (sa->conn == NULL || sa->conn->cfg->nat_keepalive))
		sa->keepalive_timer = engine_timer_add(
			sa->engine, sa->engine->timings.keepalive_seconds * 1000, keepalive_cb, sa);
}
