/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Engine context: connections, SA tables, dispatch of received
 * messages, timers, observers, and the API bus/ calls (engine.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "certdb.h"
#include "config/connection-keys.h"
#include "engine-private.h"

G_DEFINE_QUARK(ikebus-engine-error-quark, engine_error)

typedef struct {
	guint id;
	EngineObserverFunc func;    /* one of the two */
	EngineSaEventFunc event_func;
	gpointer user_data;
} EngineObserver;

typedef struct {
	gpointer sa;
	gboolean is_child;
} Grave;

const char *
engine_status_name(EngineStatus status)
{
	switch (status) {
	case ENGINE_STATUS_OK:
		return "OK";
	case ENGINE_STATUS_NOT_ORIENTED:
		return "NOT_ORIENTED";
	case ENGINE_STATUS_NOT_LISTENING:
		return "NOT_LISTENING";
	case ENGINE_STATUS_NO_CREDENTIAL:
		return "NO_CREDENTIAL";
	case ENGINE_STATUS_NO_ANSWER:
		return "NO_ANSWER";
	case ENGINE_STATUS_PEER_ERROR:
		return "PEER_ERROR";
	case ENGINE_STATUS_AUTH_FAILED:
		return "AUTH_FAILED";
	case ENGINE_STATUS_NO_PROPOSAL:
		return "NO_PROPOSAL";
	case ENGINE_STATUS_KERNEL_FAILED:
		return "KERNEL_FAILED";
	case ENGINE_STATUS_SUPERSEDED:
		return "SUPERSEDED";
	case ENGINE_STATUS_NOTHING_TO_DO:
		return "NOTHING_TO_DO";
	case ENGINE_STATUS_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	}
	return "?";
}

/* ---- small helpers ---------------------------------------------------- */

guint
engine_next_serial(Engine *engine)
{
	return ++engine->next_serial;
}

static void
notify(Engine *engine, const EngineSaEventInfo *info)
{
	for (guint i = 0; i < engine->observers->len; i++) {
		EngineObserver *o = &g_array_index(engine->observers, EngineObserver, i);

		if (o->event_func != NULL)
			o->event_func(info, o->user_data);
		else
			o->func(info->event, info->sa.kind, info->sa.serial, o->user_data);
	}
}

void
engine_ike_brief(const IkeSa *sa, EngineSaBrief *out)
{
	out->kind = ENGINE_SA_KIND_IKE;
	out->serial = sa->serial;
	out->ike_serial = sa->serial;
	out->connection = ike_sa_conn_name(sa);
	out->state = sa->state;
	out->initiator = sa->initiator;
	out->replaced_by = sa->replaced_by;
	out->n_children = sa->children->len;
}

void
engine_child_brief(const ChildSa *c, EngineSaBrief *out)
{
	out->kind = ENGINE_SA_KIND_CHILD;
	out->serial = c->serial;
	out->ike_serial = c->ike != NULL ? c->ike->serial : 0;
	out->connection = c->conn->cfg->name;
	out->state = c->state;
	out->initiator = c->initiator;
	out->replaced_by = c->replaced_by;
	out->n_children = 0;
}

void
engine_notify_ike(IkeSa *sa, EngineSaEvent ev, IkeSaState old_state)
{
	EngineSaEventInfo info = {.event = ev, .old_state = old_state};

	if (sa->engine->observers->len == 0)
		return;
	engine_ike_brief(sa, &info.sa);
	info.new_state = info.sa.state;
	notify(sa->engine, &info);
}

void
engine_notify_child(ChildSa *child, EngineSaEvent ev, ChildSaState old_state)
{
	EngineSaEventInfo info = {.event = ev, .old_state = old_state};

	if (child->engine->observers->len == 0)
		return;
	engine_child_brief(child, &info.sa);
	info.new_state = info.sa.state;
	notify(child->engine, &info);
}

static void
reap(Engine *engine)
{
	for (guint i = 0; i < engine->graveyard->len; i++) {
		Grave *g = g_ptr_array_index(engine->graveyard, i);

		if (g->is_child)
			child_sa_free(g->sa);
		else
			ike_sa_free(g->sa);
		g_free(g);
	}
	g_ptr_array_set_size(engine->graveyard, 0);
}

static gboolean
reaper_cb(gpointer data)
{
	Engine *engine = data;

	engine->reaper = 0;
	reap(engine);
	return G_SOURCE_REMOVE;
}

void
engine_bury(Engine *engine, gpointer sa, gboolean is_child)
{
	Grave *g = g_new0(Grave, 1);

	g->sa = sa;
	g->is_child = is_child;
	g_ptr_array_add(engine->graveyard, g);
	if (engine->reaper == 0)
		engine->reaper = engine_timer_add(engine, 0, reaper_cb, engine);
}

/* ---- the half-open table ---------------------------------------------- */

static void
half_open_key_init(HalfOpenKey *k, guint64 spi_i, const NetEndpoint *remote)
{
	memset(k, 0, sizeof(*k));
	k->spi_i = spi_i;
	k->family = remote->family;
	memcpy(k->addr, remote->addr, net_endpoint_addr_len(remote));
}

static guint
half_open_hash(gconstpointer p)
{
	const HalfOpenKey *k = p;
	guint h = (guint) (k->spi_i ^ (k->spi_i >> 32)) ^ k->family;

	for (guint i = 0; i < sizeof(k->addr); i++)
		h = h * 31 + k->addr[i];
	return h;
}

static gboolean
half_open_equal(gconstpointer a, gconstpointer b)
{
	const HalfOpenKey *x = a, *y = b;

	return x->spi_i == y->spi_i && x->family == y->family &&
	       memcmp(x->addr, y->addr, sizeof(x->addr)) == 0;
}

void
engine_half_open_add(IkeSa *sa)
{
	engine_half_open_remove(sa);
	half_open_key_init(&sa->half_open_key, sa->spi_i, &sa->remote);
	g_hash_table_insert(sa->engine->half_open, &sa->half_open_key, sa);
	sa->half_open = TRUE;
	ddos_half_open_changed(sa->engine);
}

/* By the key it went in with: the peer's address may have moved since. */
void
engine_half_open_remove(IkeSa *sa)
{
	if (!sa->half_open)
		return;
	if (g_hash_table_lookup(sa->engine->half_open, &sa->half_open_key) == sa)
		g_hash_table_remove(sa->engine->half_open, &sa->half_open_key);
	sa->half_open = FALSE;
	ddos_half_open_changed(sa->engine);
}

IkeSa *
engine_half_open_lookup(Engine *engine, guint64 spi_i, const NetEndpoint *remote)
{
	HalfOpenKey k;

	half_open_key_init(&k, spi_i, remote);
	return g_hash_table_lookup(engine->half_open, &k);
}

/* ---- established IKE SAs by (connection, peer ID) ---------------------- */

/* IDs that engine_id_match() compares exactly go in by value; %any (type
 * 0) and DNs (matched with RDNs reordered) by connection and type only. */
static void
peer_key_init(PeerKey *k, EngineConn *conn, const EngineId *id)
{
	k->conn = conn;
	k->type = id->type;
	k->data = id->type == 0 || id->type == IKE_ID_DER_ASN1_DN ? NULL : id->data;
}

static guint
peer_key_hash(gconstpointer p)
{
	const PeerKey *k = p;

	return g_direct_hash(k->conn) ^ ((guint) k->type << 24) ^
	       (k->data != NULL ? g_bytes_hash(k->data) : 0);
}

static gboolean
peer_key_equal(gconstpointer a, gconstpointer b)
{
	const PeerKey *x = a, *y = b;

	if (x->conn != y->conn || x->type != y->type || (x->data == NULL) != (y->data == NULL))
		return FALSE;
	return x->data == NULL || g_bytes_equal(x->data, y->data);
}

static void
peer_key_free(gpointer p)
{
	PeerKey *k = p;

	if (k->data != NULL)
		g_bytes_unref(k->data);
	g_free(k);
}

void
engine_peer_index_add(IkeSa *sa)
{
	PeerKey k;
	GPtrArray *list;

	if (sa->peer_key != NULL || sa->conn == NULL || sa->remote_id.data == NULL)
		return;
	peer_key_init(&k, sa->conn, &sa->remote_id);
	list = g_hash_table_lookup(sa->engine->ike_by_peer, &k);
	if (list == NULL) {
		PeerKey *owned = g_new(PeerKey, 1);

		*owned = k;
		if (owned->data != NULL)
			g_bytes_ref(owned->data);
		list = g_ptr_array_new();
		g_hash_table_insert(sa->engine->ike_by_peer, owned, list);
	}
	g_ptr_array_add(list, sa);
	sa->peer_key = g_new(PeerKey, 1);
	*sa->peer_key = k;
	if (k.data != NULL)
		g_bytes_ref(k.data);
}

void
engine_peer_index_remove(IkeSa *sa)
{
	GPtrArray *list;

	if (sa->peer_key == NULL)
		return;
	list = g_hash_table_lookup(sa->engine->ike_by_peer, sa->peer_key);
	if (list != NULL) {
		g_ptr_array_remove_fast(list, sa);
		if (list->len == 0)
			g_hash_table_remove(sa->engine->ike_by_peer, sa->peer_key);
	}
	g_clear_pointer(&sa->peer_key, peer_key_free);
}

static void
peer_bucket_collect(IkeSa *sa, const PeerKey *k, GPtrArray *out)
{
	GPtrArray *list = g_hash_table_lookup(sa->engine->ike_by_peer, k);

	for (guint i = 0; list != NULL && i < list->len; i++) {
		IkeSa *old = g_ptr_array_index(list, i);

		if (old != sa && old->state == IKE_SA_STATE_ESTABLISHED &&
		    engine_id_match(&old->remote_id, &sa->remote_id))
			g_ptr_array_add(out, old);
	}
}

GPtrArray *
engine_peer_index_find(IkeSa *sa)
{
	GPtrArray *out = g_ptr_array_new();
	EngineId any = {0};
	PeerKey k;

	if (sa->conn == NULL || sa->remote_id.data == NULL)
		return out;
	peer_key_init(&k, sa->conn, &sa->remote_id);
	peer_bucket_collect(sa, &k, out);
	/* an old SA whose peer ID is %any matches every ID */
	if (k.type != 0) {
		peer_key_init(&k, sa->conn, &any);
		peer_bucket_collect(sa, &k, out);
	}
	return out;
}

void
engine_nat_hash(guint64 spi_i, guint64 spi_r, const NetEndpoint *ep, guint8 out[20])
{
	/* RFC 7296 §2.23: SHA-1(SPIi | SPIr | IP | Port) */
	g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 spis[16], port[2] = {(guint8) (ep->port >> 8), (guint8) ep->port};
	gsize len = 20;

	for (guint i = 0; i < 8; i++) {
		spis[i] = (guint8) (spi_i >> (56 - 8 * i));
		spis[8 + i] = (guint8) (spi_r >> (56 - 8 * i));
	}
	g_checksum_update(ck, spis, sizeof(spis));
	g_checksum_update(ck, ep->addr, (gssize) net_endpoint_addr_len(ep));
	g_checksum_update(ck, port, 2);
	g_checksum_get_digest(ck, out, &len);
}

gboolean
engine_send(Engine *engine, const NetEndpoint *local, const NetEndpoint *remote,
            const guint8 *data, gsize len, gboolean natt)
{
	NetPacket pkt = {.local = *local, .remote = *remote, .data = data, .len = len};
	g_autoptr(GError) error = NULL;

	if (!net_io_send(engine->net, &pkt, natt, &error)) {
		g_debug("send failed: %s", error->message);
		return FALSE;
	}
	return TRUE;
}

/* ---- requests --------------------------------------------------------- */

EngineRequest *
engine_request_ref(EngineRequest *r)
{
	g_atomic_int_inc(&r->ref);
	return r;
}

void
engine_request_unref(EngineRequest *r)
{
	if (!g_atomic_int_dec_and_test(&r->ref))
		return;
	if (!r->finished && r->done != NULL)
		r->done(ENGINE_STATUS_SUPERSEDED, r->user_data);
	if (r->destroy != NULL)
		r->destroy(r->user_data);
	g_free(r);
}

void
engine_request_line(EngineRequest *r, EngineStatus code, const char *line)
{
	if (!r->finished && r->progress != NULL)
		r->progress(code, line, r->user_data);
}

void
engine_request_finish(EngineRequest *r, EngineStatus status)
{
	if (r->finished)
		return;
	r->finished = TRUE;
	if (r->done != NULL)
		r->done(status, r->user_data);
}

/* ---- connections ------------------------------------------------------ */

EngineConn *
engine_conn_ref(EngineConn *c)
{
	c->ref++;
	return c;
}

void
engine_conn_unref(EngineConn *c)
{
	if (--c->ref > 0)
		return;
	g_clear_pointer(&c->ike_props, g_array_unref);
	g_clear_pointer(&c->esp_props, g_array_unref);
	ikebus_connection_free(c->cfg);
	g_free(c);
}

gboolean
engine_conn_key_given(const IkebusConnection *cfg, const char *key)
{
	gsize n = 0;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_CONN, &n);

	for (gsize i = 0; i < n && i < 64; i++)
		if (g_strcmp0(keys[i].name, key) == 0)
			return (cfg->given & ((guint64) 1 << i)) != 0;
	return FALSE;
}

KernelMode
engine_conn_mode(const IkebusConnection *cfg)
{
	/* whack's policy needs --tunnel spelled out; a connection that says
	 * nothing about it gets tunnel mode, as ipsec.conf's type=tunnel */
	return cfg->tunnel || !engine_conn_key_given(cfg, "tunnel") ? KERNEL_MODE_TUNNEL
	                                                            : KERNEL_MODE_TRANSPORT;
}

const IkebusEnd *
engine_conn_local_end(const EngineConn *c, gboolean local_is_left)
{
	return local_is_left ? &c->cfg->left : &c->cfg->right;
}

const IkebusEnd *
engine_conn_remote_end(const EngineConn *c, gboolean local_is_left)
{
	return local_is_left ? &c->cfg->right : &c->cfg->left;
}

const char *
engine_end_id_text(const IkebusEnd *end)
{
	if (end->id != NULL)
		return end->id;
	if (g_strcmp0(end->host, "0.0.0.0") == 0)
		return "%any";
	return end->host;
}

static gboolean
host_is_any(const char *host)
{
	return host == NULL || g_strcmp0(host, "%any") == 0 || g_strcmp0(host, "0.0.0.0") == 0 ||
	       g_strcmp0(host, "::") == 0;
}

gboolean
engine_conn_orient(Engine *engine, const EngineConn *c, gboolean *local_is_left)
{
	NetEndpoint ep;

	if (net_endpoint_parse(c->cfg->left.host, 0, &ep) && net_io_is_local(engine->net, &ep)) {
		*local_is_left = TRUE;
		return TRUE;
	}
	if (net_endpoint_parse(c->cfg->right.host, 0, &ep) && net_io_is_local(engine->net, &ep)) {
		*local_is_left = FALSE;
		return TRUE;
	}
	return FALSE;
}

static gint
match_score(const EngineConn *c, gboolean left, const NetEndpoint *local,
            const NetEndpoint *remote, const EngineId *peer_id, const EngineId *our_id_hint)
{
	const IkebusEnd *le = engine_conn_local_end(c, left);
	const IkebusEnd *re = engine_conn_remote_end(c, left);
	NetEndpoint ep;
	gint score;

	if (!net_endpoint_parse(le->host, 0, &ep) || !net_endpoint_addr_equal(&ep, local))
		return -1;
	if (host_is_any(re->host))
		score = 1;
	else if (net_endpoint_parse(re->host, 0, &ep) && net_endpoint_addr_equal(&ep, remote))
		score = 2;
	else
		return -1;
	if (peer_id != NULL) {
		EngineId want = {0};
		gboolean ok = engine_id_from_text(engine_end_id_text(re), &want, NULL) &&
		              engine_id_match(&want, peer_id);

		engine_id_clear(&want);
		if (!ok)
			return -1;
		score += want.type != 0 ? 2 : 0;
	}
	if (our_id_hint != NULL && our_id_hint->type != 0) {
		EngineId mine = {0};
		/* type 0: %fromcert, our ID comes from the certificate later */
		gboolean ok = engine_id_from_text(engine_end_id_text(le), &mine, NULL) &&
		              (mine.type == 0 || engine_id_match(our_id_hint, &mine));

		engine_id_clear(&mine);
		if (!ok)
			return -1;
	}
	return score;
}

EngineConn *
engine_find_responder_conn(Engine *engine, const NetEndpoint *local, const NetEndpoint *remote,
                           const EngineId *peer_id, const EngineId *our_id_hint,
                           gboolean *local_is_left)
{
	GHashTableIter it;
	gpointer v;
	EngineConn *best = NULL;
	gint best_score = -1;

	g_hash_table_iter_init(&it, engine->connections);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		EngineConn *c = v;

		for (guint side = 0; side < 2; side++) {
			gint s = match_score(c, side == 0, local, remote, peer_id, our_id_hint);

			if (s > best_score) {
				best = c;
				best_score = s;
				*local_is_left = side == 0;
			}
		}
	}
	return best;
}

/* The certificates and keys certdb keeps for @cfg's ends are looked up
 * again: added, replaced or deleted, as pluto loads them with the
 * connection. */
static void
forget_end_creds(const IkebusConnection *cfg)
{
	crypto_certdb_forget_cred(cfg->left.cert, cfg->left.ckaid);
	crypto_certdb_forget_cred(cfg->right.cert, cfg->right.ckaid);
}

gboolean
engine_add_connection(Engine *engine, IkebusConnection *conn, gboolean replace, GError **error)
{
	g_autoptr(IkebusConnection) owned = conn;
	g_autoptr(GArray) ike = NULL;
	g_autoptr(GArray) esp = NULL;
	EngineConn *c;

	if (g_hash_table_contains(engine->connections, conn->name)) {
		if (!replace) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_ALREADY_EXISTS,
			            "connection \"%s\" already exists", conn->name);
			return FALSE;
		}
	}
	/* the proposals must parse before anything changes */
	ike = proposal_parse(conn->ike, IKE_PROTO_IKE, error);
	if (ike == NULL)
		return FALSE;
	esp = proposal_parse(conn->esp, IKE_PROTO_ESP, error);
	if (esp == NULL)
		return FALSE;
	if (g_hash_table_contains(engine->connections, conn->name))
		engine_delete_connection(engine, conn->name, NULL);
	forget_end_creds(conn);
	c = g_new0(EngineConn, 1);
	c->ref = 1;
	c->cfg = g_steal_pointer(&owned);
	c->ike_props = g_steal_pointer(&ike);
	proposal_filter_caps(esp, &engine->caps);
	c->esp_props = g_steal_pointer(&esp);
	c->reqid = ++engine->next_reqid;
	g_hash_table_insert(engine->connections, c->cfg->name, c);
	g_info("\"%s\": added IKEv2 connection", c->cfg->name);
	route_conn_added(engine, c);
	return TRUE;
}

static GPtrArray *
sas_of_conn(Engine *engine, EngineConn *c)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, engine->ike_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((IkeSa *) v)->conn == c)
			g_ptr_array_add(out, v);
	return out;
}

/* Child SAs of @c on other connections' IKE SAs (ike-share.c): a Delete
 * for each, the IKE SAs stay. */
static void
delete_children_elsewhere(Engine *engine, EngineConn *c)
{
	GHashTableIter it;
	gpointer v;
	g_autoptr(GPtrArray) doomed = g_ptr_array_new();

	g_hash_table_iter_init(&it, engine->child_by_serial);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		ChildSa *child = v;

		if (child->conn == c && child->ike != NULL && child->ike->conn != c)
			g_ptr_array_add(doomed, child);
	}
	for (guint i = 0; i < doomed->len; i++) {
		ChildSa *child = g_ptr_array_index(doomed, i);

		if (child->state == CHILD_SA_STATE_INSTALLED &&
		    child->ike->state == IKE_SA_STATE_ESTABLISHED)
			ike_sa_queue_task(child->ike, task_delete_child_new(child));
		else
			child_sa_destroy(child);
	}
}

gboolean
engine_delete_connection(Engine *engine, const char *name, GError **error)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);
	g_autoptr(GPtrArray) sas = NULL;

	if (c == NULL) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND, "no connection \"%s\"", name);
		return FALSE;
	}
	c->deleted = TRUE;
	sas = sas_of_conn(engine, c);
	for (guint i = 0; i < sas->len; i++) {
		IkeSa *sa = g_ptr_array_index(sas, i);

		/* Send the Delete once, then drop the state: the connection is
		 * gone and nothing will wait for the answer. */
		if (sa->state == IKE_SA_STATE_ESTABLISHED)
			ike_sa_delete(sa);
		ike_sa_destroy(sa, ENGINE_STATUS_SUPERSEDED);
	}
	delete_children_elsewhere(engine, c);
	route_conn_deleted(engine, c);
	forget_end_creds(c->cfg);
	g_hash_table_remove(engine->connections, name);
	g_info("\"%s\": deleted connection", name);
	return TRUE;
}

const IkebusConnection *
engine_get_connection(Engine *engine, const char *name)
{
	EngineConn *c = g_hash_table_lookup(engine->connections, name);

	return c != NULL ? c->cfg : NULL;
}

static gint
cmp_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
engine_list_connections(Engine *engine)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, engine->connections);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(out, k);
	g_ptr_array_sort(out, cmp_name);
	return out;
}

/* ---- receive ---------------------------------------------------------- */

static IkeSa *
new_responder(Engine *engine, const NetPacket *pkt, const IkeHeader *hdr)
{
	gboolean left = TRUE;
	EngineConn *c = engine_find_responder_conn(engine, &pkt->local, &pkt->remote, NULL, NULL,
	                                           &left);
	IkeSa *sa;
	char b1[64], b2[64];

	if (c == NULL) {
		g_info("IKE_SA_INIT from %s to %s: no connection matches, dropped",
		       net_endpoint_to_string(&pkt->remote, b1, sizeof(b1)),
		       net_endpoint_to_string(&pkt->local, b2, sizeof(b2)));
		engine->counters.messages_dropped++;
		return NULL;
	}
	sa = ike_sa_new(engine, c, FALSE);
	sa->local_is_left = left;
	sa->spi_i = hdr->spi_i;
	sa->local = pkt->local;
	sa->remote = pkt->remote;
	sa->natt = pkt->local.port == net_io_get_natt_port(engine->net);
	engine_half_open_add(sa);
	return sa;
}

static void
engine_on_ike(const NetPacket *pkt, gpointer user_data)
{
	Engine *engine = user_data;
	IkeHeader hdr;
	IkeSa *sa;
	g_autoptr(GBytes) bytes = NULL;
	gboolean response;

	if (!ike_header_parse(pkt->data, pkt->len, &hdr, NULL) || engine->shutting_down) {
		engine->counters.messages_dropped++;
		return;
	}
	bytes = g_bytes_new(pkt->data, pkt->len);
	response = (hdr.flags & IKE_FLAG_RESPONSE) != 0;
	if (hdr.exchange_type == IKE_EXCHANGE_IKE_SA_INIT && !response && hdr.spi_r == 0) {
		sa = engine_half_open_lookup(engine, hdr.spi_i, &pkt->remote);
		/* a new peer: the anti-DDoS checks and the global redirect
		 * answer it before any state exists (ddos.c) */
		if (sa == NULL && (hdr.flags & IKE_FLAG_INITIATOR) && hdr.message_id == 0) {
			if (!ddos_admit_init(engine, pkt, &hdr))
				return;
			sa = new_responder(engine, pkt, &hdr);
		}
	} else {
		/* the sender's I flag says which SPI is ours (§3.1) */
		guint64 ours = (hdr.flags & IKE_FLAG_INITIATOR) ? hdr.spi_r : hdr.spi_i;

		sa = g_hash_table_lookup(engine->ike_by_spi, &ours);
		if (sa != NULL && sa->initiator && sa->spi_r != 0 && sa->spi_r != hdr.spi_r)
			sa = NULL;
		if (sa != NULL && !sa->initiator && sa->spi_i != hdr.spi_i)
			sa = NULL;
	}
	if (sa == NULL) {
		engine->counters.messages_dropped++;
		return;
	}
	ike_sa_receive(sa, pkt, bytes);
}

static void
engine_on_esp(const NetPacket *pkt, gpointer user_data)
{
	Engine *engine = user_data;
	KernelAddr from = {.family = pkt->remote.family};
	g_autoptr(GError) error = NULL;

	memcpy(from.bytes, pkt->remote.addr, sizeof(from.bytes));
	if (!kernel_backend_esp_input(engine->kernel, pkt->data, pkt->len, &from, pkt->remote.port,
	                              &error))
		g_debug("ESP from %s dropped: %s", "peer", error->message);
}

/* ---- life cycle ------------------------------------------------------- */

/* The installed Child SA an SA of the kernel's belongs to, or NULL. */
static ChildSa *
installed_child_of(Engine *engine, guint32 spi)
{
	ChildSa *c = g_hash_table_lookup(engine->installed_by_spi_in, GUINT_TO_POINTER(spi));
	GPtrArray *out;

	if (c != NULL)
		return c;
	out = g_hash_table_lookup(engine->installed_by_spi_out, GUINT_TO_POINTER(spi));
	/* a peer's SPI may repeat across peers: the first one still in an IKE SA */
	for (guint i = 0; out != NULL && i < out->len; i++) {
		c = g_ptr_array_index(out, i);
		if (c->ike != NULL)
			return c;
	}
	return NULL;
}

static void
engine_kernel_event(const KernelEvent *ev, gpointer user_data)
{
	Engine *engine = user_data;
	ChildSa *c;

	if (ev->type == KERNEL_EVENT_ACQUIRE)
		route_acquire(engine, ev);
	if (ev->type != KERNEL_EVENT_EXPIRE)
		return;
	/* soft: rekey (unless --dontrekey); hard: the SA is gone, tell the peer */
	c = installed_child_of(engine, ev->sa.spi);
	if (c == NULL || c->ike == NULL)
		return;
	if (ev->hard)
		ike_sa_queue_task(c->ike, task_delete_child_new(c));
	else if (c->conn->cfg->rekey && !c->rekey_started && c->replaced_by == 0) {
		c->rekey_started = TRUE;
		ike_sa_queue_task(c->ike, task_child_rekey_new(c));
	}
}

void
engine_timings_default(EngineTimings *out)
{
	*out = (EngineTimings){ .retransmit_base_ms = 500, .retransmit_cap_ms = 8000,
		                .retransmit_tries = 6, .keepalive_seconds = 20 };
}

Engine *
engine_new(GMainContext *context, KernelBackend *kernel, const EngineSecrets *secrets,
           NetIo *net, const EngineTimings *timings)
{
	Engine *engine = g_new0(Engine, 1);
	g_autoptr(GError) error = NULL;

	engine->context = g_main_context_ref(context != NULL ? context : g_main_context_default());
	engine->kernel = kernel;
	if (secrets != NULL)
		engine->secrets = *secrets;
	engine->net = net;
	engine_timings_default(&engine->timings);
	if (timings != NULL)
		engine->timings = *timings;
	engine->connections = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	                                            (GDestroyNotify) engine_conn_unref);
	engine->ike_by_serial = g_hash_table_new(g_direct_hash, g_direct_equal);
	engine->ike_by_spi = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	engine->half_open = g_hash_table_new(half_open_hash, half_open_equal);
	engine->ike_by_peer = g_hash_table_new_full(peer_key_hash, peer_key_equal, peer_key_free,
	                                            (GDestroyNotify) g_ptr_array_unref);
	engine->uniqueids = TRUE;
	engine->policy_users = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	                                             (GDestroyNotify) g_bytes_unref, NULL);
	engine->child_by_serial = g_hash_table_new(g_direct_hash, g_direct_equal);
	engine->installed_by_spi_in = g_hash_table_new(g_direct_hash, g_direct_equal);
	engine->installed_by_spi_out = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                                     (GDestroyNotify) g_ptr_array_unref);
	engine->graveyard = g_ptr_array_new();
	engine->observers = g_array_new(FALSE, TRUE, sizeof(EngineObserver));
	ddos_engine_init(engine);
	if (!kernel_backend_probe(kernel, &engine->caps, &error))
		g_warning("kernel backend probe: %s", error->message);
	engine_worker_init(engine);
	net_io_set_handlers(net, engine_on_ike, engine_on_esp, engine);
	g_main_context_push_thread_default(engine->context);
	kernel_backend_set_event_func(kernel, engine_kernel_event, engine);
	route_engine_init(engine);
	g_main_context_pop_thread_default(engine->context);
	return engine;
}

static void
destroy_all(Engine *engine)
{
	g_autoptr(GList) sas = g_hash_table_get_values(engine->ike_by_serial);

	for (GList *l = sas; l != NULL; l = l->next)
		ike_sa_destroy(l->data, ENGINE_STATUS_SUPERSEDED);
}

void
engine_shutdown(Engine *engine)
{
	g_autoptr(GList) sas = g_hash_table_get_values(engine->ike_by_serial);

	for (GList *l = sas; l != NULL; l = l->next) {
		IkeSa *sa = l->data;

		if (sa->state == IKE_SA_STATE_ESTABLISHED && sa->active == NULL)
			ike_sa_delete(sa);
	}
	engine->shutting_down = TRUE;
	destroy_all(engine);
}

void
engine_free(Engine *engine)
{
	if (engine == NULL)
		return;
	engine->shutting_down = TRUE;
	engine->ddos.busy_func = NULL; /* nobody is told while it all goes */
	kernel_backend_set_event_func(engine->kernel, NULL, NULL);
	net_io_set_handlers(engine->net, NULL, NULL, NULL);
	destroy_all(engine);
	route_engine_free(engine);
	engine_worker_shutdown(engine);
	g_hash_table_remove_all(engine->connections);
	engine_timer_remove(engine, &engine->reaper);
	reap(engine);
	g_ptr_array_unref(engine->graveyard);
	g_hash_table_unref(engine->connections);
	g_hash_table_unref(engine->ike_by_serial);
	g_hash_table_unref(engine->ike_by_spi);
	g_hash_table_unref(engine->half_open);
	g_hash_table_unref(engine->ike_by_peer);
	g_hash_table_unref(engine->policy_users);
	g_hash_table_unref(engine->child_by_serial);
	g_hash_table_unref(engine->installed_by_spi_in);
	g_hash_table_unref(engine->installed_by_spi_out);
	g_array_unref(engine->observers);
	ddos_engine_free(engine);
	kernel_caps_clear(&engine->caps);
	net_io_free(engine->net);
	engine_timers_free(engine);
	g_main_context_unref(engine->context);
	g_free(engine);
}

void
engine_set_leave_state(Engine *engine, gboolean leave_state)
{
	engine->leave_state = leave_state;
}

guint
engine_add_observer(Engine *engine, EngineObserverFunc func, gpointer user_data)
{
	EngineObserver o = {++engine->next_observer, func, NULL, user_data};

	g_array_append_val(engine->observers, o);
	return o.id;
}

guint
engine_add_sa_event_observer(Engine *engine, EngineSaEventFunc func, gpointer user_data)
{
	EngineObserver o = {++engine->next_observer, NULL, func, user_data};

	g_array_append_val(engine->observers, o);
	return o.id;
}

void
engine_set_log_verbose(Engine *engine, gboolean verbose)
{
	engine->log_verbose = verbose;
}

void
engine_set_uniqueids(Engine *engine, gboolean uniqueids)
{
	engine->uniqueids = uniqueids;
}

gboolean
engine_log_wanted(Engine *engine, GLogLevelFlags level)
{
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) == 0 || engine->log_verbose)
		return TRUE;
	return !g_log_writer_default_would_drop(level & G_LOG_LEVEL_MASK, G_LOG_DOMAIN);
}

void
engine_remove_observer(Engine *engine, guint id)
{
	for (guint i = 0; i < engine->observers->len; i++)
		if (g_array_index(engine->observers, EngineObserver, i).id == id) {
			g_array_remove_index(engine->observers, i);
			return;
		}
}

void
engine_get_counters(Engine *engine, EngineCounters *out)
{
	*out = engine->counters;
}

void
task_free(Task *task)
{
	if (task != NULL)
		task->ops->free(task);
}
