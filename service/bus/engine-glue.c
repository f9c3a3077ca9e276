/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "engine-glue.h"
#include "errors.h"

#include <string.h>

#ifdef IKEBUS_HAVE_ENGINE
#include "engine.h"
#endif

#ifdef IKEBUS_HAVE_ENGINE
/* The GVariants made from one input string, kept while the next SA has the
 * same one: a listing's SAs mostly share algorithms, traffic selectors,
 * local address and ID, so these are made once, not once per SA. */
typedef struct {
	char *key;
	GVariant *v[4];
} Memo;

enum { MEMO_IKE_ALGS, MEMO_CHILD_ALGS, MEMO_LOCAL_TS, MEMO_REMOTE_TS, MEMO_LOCAL_HOST,
       MEMO_LOCAL_ID, MEMO_MODE, N_MEMOS };
#endif

struct BusEngine {
	BusEngineSaFunc sa_func;
	gpointer sa_data;
	BusEngineRoutingFunc routing_func;
	gpointer routing_data;
	BusEnginePubkeyFunc pubkey_func;
	gpointer pubkey_data;
	char *why_not; /* why there is no engine */
#ifdef IKEBUS_HAVE_ENGINE
	Engine *engine;
	guint observer_id;
	guint routing_observer_id;
	/* which Child SAs an IKE SA has, as the observer saw them (kept so that
	 * one IKE SA's ChildSAs does not mean listing every Child SA) */
	GHashTable *child_ike;	  /* child serial -> IKE serial */
	GHashTable *ike_children; /* IKE serial -> GArray of child serials */
	Memo memo[N_MEMOS];
#endif
};

gboolean
bus_engine_is_running(const BusEngine *engine)
{
#ifdef IKEBUS_HAVE_ENGINE
	return engine->engine != NULL;
#else
	return FALSE;
#endif
}

gboolean
bus_engine_not_running(const BusEngine *engine, GError **error)
{
	g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_SUPPORTED,
		    "the IKE engine is not running (%s)", engine->why_not);
	return FALSE;
}

void
bus_engine_set_sa_observer(BusEngine *engine, BusEngineSaFunc func, gpointer user_data)
{
	engine->sa_func = func;
	engine->sa_data = user_data;
}

void
bus_engine_set_routing_observer(BusEngine *engine, BusEngineRoutingFunc func, gpointer user_data)
{
	engine->routing_func = func;
	engine->routing_data = user_data;
}

void
bus_engine_set_pubkey_lookup(BusEngine *engine, BusEnginePubkeyFunc func, gpointer user_data)
{
	engine->pubkey_func = func;
	engine->pubkey_data = user_data;
}

#ifdef IKEBUS_HAVE_ENGINE

/* ---- the engine is built in ---------------------------------------------------- */

static void
convert_engine_error(GError **error)
{
	static const IkebusError map[] = {
		[ENGINE_ERROR_FAILED] = IKEBUS_ERROR_FAILED,
		[ENGINE_ERROR_NOT_FOUND] = IKEBUS_ERROR_NOT_FOUND,
		[ENGINE_ERROR_ALREADY_EXISTS] = IKEBUS_ERROR_ALREADY_EXISTS,
		[ENGINE_ERROR_INVALID_ARGUMENT] = IKEBUS_ERROR_INVALID_ARGUMENT,
		[ENGINE_ERROR_NOT_SUPPORTED] = IKEBUS_ERROR_NOT_SUPPORTED,
		[ENGINE_ERROR_BUSY] = IKEBUS_ERROR_BUSY,
	};

	if (error == NULL || *error == NULL || (*error)->domain != ENGINE_ERROR)
		return;
	(*error)->code = (guint) (*error)->code < G_N_ELEMENTS(map) ? (gint) map[(*error)->code]
								     : IKEBUS_ERROR_FAILED;
	(*error)->domain = IKEBUS_ERROR;
}

/* The D-Bus State of an SA from the engine's state (EngineSaBrief terms). */
static const char *
sa_state_name(EngineSaKind kind, guint state, gboolean initiator)
{
	if (kind == ENGINE_SA_KIND_CHILD) {
		switch ((EngineChildSaState) state) {
		case ENGINE_CHILD_SA_STATE_LARVAL:
			return "creating";
		case ENGINE_CHILD_SA_STATE_INSTALLED:
			return "installed";
		case ENGINE_CHILD_SA_STATE_DELETING:
		case ENGINE_CHILD_SA_STATE_DEAD:
		default:
			return "deleting";
		}
	}
	switch ((EngineIkeSaState) state) {
	case ENGINE_IKE_SA_STATE_INIT_I:
		return "init-sent";
	case ENGINE_IKE_SA_STATE_INIT_R:
		return "init-received";
	case ENGINE_IKE_SA_STATE_AUTH_I:
		return "auth-sent";
	case ENGINE_IKE_SA_STATE_ESTABLISHED:
		return "established";
	case ENGINE_IKE_SA_STATE_NEW:
		return initiator ? "init-sent" : "init-received";
	case ENGINE_IKE_SA_STATE_DELETING:
	case ENGINE_IKE_SA_STATE_DEAD:
	default:
		return "deleting";
	}
}

/* The engine state whose name the info carries (the info has it as text). */
static guint
state_from_name(EngineSaKind kind, const char *name)
{
	guint n = kind == ENGINE_SA_KIND_IKE ? ENGINE_IKE_SA_N_STATES : ENGINE_CHILD_SA_N_STATES;

	for (guint s = 0; s < n; s++) {
		const char *v = kind == ENGINE_SA_KIND_IKE ? engine_ike_sa_state_name(s)
		                                           : engine_child_sa_state_name(s);

		if (g_strcmp0(v, name) == 0)
			return s;
	}
	return n; /* no such state: "deleting" */
}

static const char *
ike_state(const EngineIkeSaInfo *i)
{
	return sa_state_name(ENGINE_SA_KIND_IKE, state_from_name(ENGINE_SA_KIND_IKE, i->state),
	                     i->initiator);
}

static const char *
child_state(const EngineChildSaInfo *c)
{
	return sa_state_name(ENGINE_SA_KIND_CHILD,
	                     state_from_name(ENGINE_SA_KIND_CHILD, c->state), FALSE);
}

static char *
conn_path(const char *name)
{
	g_autofree char *escaped = g_dbus_escape_object_path(name);

	return g_strdup_printf(BUS_ROOT_PATH "/connection/%s", escaped);
}

/* The Connection property's value for @name: a new reference. Remembers the
 * last one (a listing asks for the same connection SA after SA). */
static GVariant *
conn_path_variant(const char *name)
{
	static char *last_name;
	static GVariant *last;

	if (last == NULL || g_strcmp0(name, last_name) != 0) {
		g_autofree char *path = conn_path(name);

		g_clear_pointer(&last, g_variant_unref);
		g_free(last_name);
		last_name = g_strdup(name);
		last = g_variant_ref_sink(g_variant_new_object_path(path));
	}
	return g_variant_ref(last);
}

/* TRUE when @m holds the values made from @key; else empties @m for them. */
static gboolean
memo_hit(Memo *m, const char *key)
{
	if (m->key != NULL && g_str_equal(m->key, key))
		return TRUE;
	g_free(m->key);
	m->key = g_strdup(key);
	for (gsize i = 0; i < G_N_ELEMENTS(m->v); i++)
		g_clear_pointer(&m->v[i], g_variant_unref);
	return FALSE;
}

static void
memo_clear(Memo *m)
{
	for (gsize i = 0; i < G_N_ELEMENTS(m->v); i++)
		g_clear_pointer(&m->v[i], g_variant_unref);
	g_clear_pointer(&m->key, g_free);
}

/* Property @prop is the name @value (states, roles: each GVariant made once). */
static void
set_name(GHashTable *props, const char *prop, const char *value)
{
	g_autoptr(GVariant) v = bus_name_variant(value);

	bus_props_set(props, prop, v);
}

/* The string GVariant of @s (borrowed) */
static GVariant *
memo_string(Memo *m, const char *s)
{
	if (!memo_hit(m, s))
		m->v[0] = g_variant_ref_sink(g_variant_new_string(s));
	return m->v[0];
}

/* "a,b" -> ["a", "b"], "" -> [] (borrowed) */
static GVariant *
memo_strv(Memo *m, const char *list)
{
	if (!memo_hit(m, list)) {
		g_auto(GStrv) items = g_strsplit(list, ",", -1);

		m->v[0] = g_variant_ref_sink(
			g_variant_new_strv((const char *const *) items, items[0] && *items[0] ? -1 : 0));
	}
	return m->v[0];
}

static const char *const ike_alg_props[] = { "Encryption", "Prf", "Integrity", "KeyExchange" };

/* "ENCR_AES_GCM_16_256-PRF_HMAC_SHA2_256-CURVE25519" -> the algorithm properties */
static void
set_ike_algorithms(BusEngine *e, GHashTable *props, const char *algs)
{
	Memo *m = &e->memo[MEMO_IKE_ALGS];

	if (!memo_hit(m, algs != NULL ? algs : "")) {
		g_auto(GStrv) parts = g_strsplit(algs != NULL ? algs : "", "-", -1);

		for (gsize i = 0; parts[i] != NULL; i++) {
			g_autofree char *lower = g_ascii_strdown(parts[i], -1);
			const char *name = lower;
			guint slot;

			if (g_str_has_prefix(lower, "encr_")) {
				slot = 0;
				name = lower + 5;
			} else if (g_str_has_prefix(lower, "prf_")) {
				slot = 1;
				name = lower + 4;
			} else if (g_str_has_prefix(lower, "auth_") || g_str_has_prefix(lower, "integ_")) {
				slot = 2;
				name = strchr(lower, '_') + 1;
			} else if (*lower != '\0') {
				slot = 3;
			} else {
				continue;
			}
			g_clear_pointer(&m->v[slot], g_variant_unref);
			m->v[slot] = g_variant_ref_sink(g_variant_new_string(name));
		}
		/* an AEAD cipher has no integrity algorithm; before IKE_SA_INIT there is neither */
		if (m->v[0] != NULL && m->v[2] == NULL)
			m->v[2] = g_variant_ref_sink(g_variant_new_string("none"));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(ike_alg_props); i++) {
		if (m->v[i] != NULL)
			bus_props_set(props, ike_alg_props[i], m->v[i]);
	}
}

/* @children: the IKE SA's Child SA serials, ascending */
static void
ike_props(BusEngine *e, const EngineIkeSaInfo *i, const GArray *children, GHashTable *props)
{
	g_autoptr(GVariant) cpath = conn_path_variant(i->connection);
	GVariantBuilder b;

	bus_props_set(props, "Serial", g_variant_new_uint32(i->serial));
	bus_props_set(props, "Connection", cpath);
	set_name(props, "State", ike_state(i));
	set_name(props, "Role", i->initiator ? "initiator" : "responder");
	bus_props_set(props, "LocalSpi", g_variant_new_uint64(i->initiator ? i->spi_i : i->spi_r));
	bus_props_set(props, "RemoteSpi", g_variant_new_uint64(i->initiator ? i->spi_r : i->spi_i));
	bus_props_set(props, "LocalAddress",
		      memo_string(&e->memo[MEMO_LOCAL_HOST], i->local_host ? i->local_host : ""));
	bus_props_set(props, "LocalPort", g_variant_new_uint16(i->local_port));
	bus_props_set(props, "RemoteAddress",
		      g_variant_new_string(i->remote_host ? i->remote_host : ""));
	bus_props_set(props, "RemotePort", g_variant_new_uint16(i->remote_port));
	bus_props_set(props, "LocalId",
		      memo_string(&e->memo[MEMO_LOCAL_ID], i->local_id ? i->local_id : ""));
	bus_props_set(props, "RemoteId", g_variant_new_string(i->remote_id ? i->remote_id : ""));
	bus_props_set(props, "NatRemote", g_variant_new_boolean(i->nat_detected));
	set_ike_algorithms(e, props, i->algorithms);
	bus_props_set(props, "CreatedAt", g_variant_new_int64(i->created));
	bus_props_set(props, "EstablishedAt", g_variant_new_int64(i->established));
	bus_props_set(props, "MessagesIn", g_variant_new_uint64(i->messages_in));
	bus_props_set(props, "MessagesOut", g_variant_new_uint64(i->messages_out));
	bus_props_set(props, "Retransmits", g_variant_new_uint64(i->retransmits));
	g_variant_builder_init(&b, G_VARIANT_TYPE("ao"));
	for (guint k = 0; children != NULL && k < children->len; k++) {
		char p[64];

		g_snprintf(p, sizeof(p), BUS_CHILD_SA_PATH "/%u", g_array_index(children, guint, k));
		g_variant_builder_add_value(&b, g_variant_new_object_path(p));
	}
	bus_props_set(props, "ChildSAs", g_variant_builder_end(&b));
}

static void
child_props(BusEngine *e, const EngineChildSaInfo *c, GHashTable *props)
{
	g_autoptr(GVariant) cpath = conn_path_variant(c->connection);
	g_autofree char *ike = bus_sa_path(BUS_SA_IKE, c->ike_serial);
	Memo *algs = &e->memo[MEMO_CHILD_ALGS];

	/* "AES_GCM_16_256-NONE" -> "aes_gcm_16_256", "none" */
	if (!memo_hit(algs, c->algorithms != NULL ? c->algorithms : "")) {
		g_auto(GStrv) parts = g_strsplit(algs->key, "-", 2);
		g_autofree char *encr = g_ascii_strdown(parts[0] != NULL ? parts[0] : "", -1);
		g_autofree char *integ = g_ascii_strdown(parts[0] && parts[1] ? parts[1] : "none", -1);

		algs->v[0] = g_variant_ref_sink(g_variant_new_string(encr));
		algs->v[1] = g_variant_ref_sink(g_variant_new_string(integ));
	}

	bus_props_set(props, "Serial", g_variant_new_uint32(c->serial));
	bus_props_set(props, "Connection", cpath);
	bus_props_set(props, "IkeSA", g_variant_new_object_path(ike));
	set_name(props, "State", child_state(c));
	bus_props_set(props, "Mode", memo_string(&e->memo[MEMO_MODE], c->mode ? c->mode : "tunnel"));
	set_name(props, "Protocol", "esp");
	bus_props_set(props, "InboundSpi", g_variant_new_uint32(c->spi_in));
	bus_props_set(props, "OutboundSpi", g_variant_new_uint32(c->spi_out));
	bus_props_set(props, "Encryption", algs->v[0]);
	bus_props_set(props, "Integrity", algs->v[1]);
	bus_props_set(props, "Encapsulation", g_variant_new_boolean(c->encap));
	bus_props_set(props, "LocalTrafficSelectors",
		      memo_strv(&e->memo[MEMO_LOCAL_TS], c->local_ts != NULL ? c->local_ts : ""));
	bus_props_set(props, "RemoteTrafficSelectors",
		      memo_strv(&e->memo[MEMO_REMOTE_TS], c->remote_ts != NULL ? c->remote_ts : ""));
	bus_props_set(props, "InstalledAt", g_variant_new_int64(c->established));
	bus_props_set(props, "BytesIn", g_variant_new_uint64(c->bytes_in));
	bus_props_set(props, "BytesOut", g_variant_new_uint64(c->bytes_out));
	bus_props_set(props, "PacketsIn", g_variant_new_uint64(c->packets_in));
	bus_props_set(props, "PacketsOut", g_variant_new_uint64(c->packets_out));
}

static gint
cmp_guint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *) a, y = *(const guint *) b;

	return x < y ? -1 : x > y;
}

/* The Child SA serials of IKE SA @i, ascending. From what the observer saw
 * when that agrees with the engine's count (always, between events); else
 * (in the middle of a rekey's events) from the engine's full list. */
static GArray *
children_of(BusEngine *e, const EngineIkeSaInfo *i)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
	GArray *known;

	if (i->n_children == 0)
		return out;
	known = g_hash_table_lookup(e->ike_children, GUINT_TO_POINTER(i->serial));
	if (known != NULL && known->len == i->n_children) {
		g_array_append_vals(out, known->data, known->len);
	} else {
		g_autoptr(GPtrArray) all = engine_list_child_sas(e->engine);

		for (guint k = 0; k < all->len; k++) {
			const EngineChildSaInfo *c = all->pdata[k];

			if (c->ike_serial == i->serial)
				g_array_append_val(out, c->serial);
		}
	}
	g_array_sort(out, cmp_guint);
	return out;
}

static void
forget_child(BusEngine *e, guint serial)
{
	gpointer ike;
	GArray *list;

	if (!g_hash_table_lookup_extended(e->child_ike, GUINT_TO_POINTER(serial), NULL, &ike))
		return;
	g_hash_table_remove(e->child_ike, GUINT_TO_POINTER(serial));
	list = g_hash_table_lookup(e->ike_children, ike);
	for (guint k = 0; list != NULL && k < list->len; k++) {
		if (g_array_index(list, guint, k) == serial) {
			g_array_remove_index_fast(list, k);
			break;
		}
	}
	if (list != NULL && list->len == 0)
		g_hash_table_remove(e->ike_children, ike);
}

static void
note_child(BusEngine *e, guint serial, guint ike_serial)
{
	GArray *list;

	if (g_hash_table_lookup(e->child_ike, GUINT_TO_POINTER(serial)) ==
	    GUINT_TO_POINTER(ike_serial))
		return;
	forget_child(e, serial);
	if (ike_serial == 0)
		return;
	list = g_hash_table_lookup(e->ike_children, GUINT_TO_POINTER(ike_serial));
	if (list == NULL) {
		list = g_array_new(FALSE, FALSE, sizeof(guint));
		g_hash_table_insert(e->ike_children, GUINT_TO_POINTER(ike_serial), list);
	}
	g_array_append_val(list, serial);
	g_hash_table_insert(e->child_ike, GUINT_TO_POINTER(serial), GUINT_TO_POINTER(ike_serial));
}

static gboolean
source_get(gpointer source, BusSaKind kind, guint serial, GHashTable *props)
{
	BusEngine *e = source;

	switch (kind) {
	case BUS_SA_IKE: {
		g_autoptr(EngineIkeSaInfo) i = engine_get_ike_sa_info(e->engine, serial);
		g_autoptr(GArray) children = NULL;

		if (i == NULL)
			return FALSE;
		children = children_of(e, i);
		ike_props(e, i, children, props);
		return TRUE;
	}
	case BUS_SA_CHILD: {
		g_autoptr(EngineChildSaInfo) c = engine_get_child_sa_info(e->engine, serial);

		if (c == NULL)
			return FALSE;
		child_props(e, c, props);
		return TRUE;
	}
	}
	return FALSE;
}

static void
source_foreach(gpointer source, BusSaKind kind, BusSaVisitFunc visit, gpointer visit_data)
{
	BusEngine *e = source;
	g_autoptr(GHashTable) props = bus_tree_props_new();
	g_autoptr(GPtrArray) children = NULL;

	if (kind == BUS_SA_IKE) {
		g_autoptr(GPtrArray) ikes = engine_list_ike_sas(e->engine);
		g_autoptr(GArray) none = g_array_new(FALSE, FALSE, sizeof(guint));

		/* one pass, not one scan of the Child SAs per IKE SA */
		for (guint k = 0; k < ikes->len; k++) {
			const EngineIkeSaInfo *i = ikes->pdata[k];
			g_autoptr(GArray) mine = i->n_children > 0 ? children_of(e, i) : NULL;

			g_hash_table_remove_all(props);
			ike_props(e, i, mine != NULL ? mine : none, props);
			visit(i->serial, props, visit_data);
		}
		return;
	}
	children = engine_list_child_sas(e->engine);
	for (guint k = 0; k < children->len; k++) {
		const EngineChildSaInfo *c = children->pdata[k];

		g_hash_table_remove_all(props);
		child_props(e, c, props);
		visit(c->serial, props, visit_data);
	}
}

static const BusSaSourceFuncs engine_source = {
	.get = source_get,
	.foreach = source_foreach,
};

const BusSaSourceFuncs *
bus_engine_get_sa_source(BusEngine *engine)
{
	return engine->engine != NULL ? &engine_source : NULL;
}

char *
bus_engine_get_sa_state(BusEngine *engine, BusSaKind kind, guint serial)
{
	EngineSaBrief b;

	/* O(1), nothing formatted: this runs for every SA event */
	if (engine->engine == NULL ||
	    !engine_get_sa_brief(engine->engine,
	                         kind == BUS_SA_IKE ? ENGINE_SA_KIND_IKE : ENGINE_SA_KIND_CHILD,
	                         serial, &b))
		return NULL;
	return g_strdup(sa_state_name(b.kind, b.state, b.initiator));
}

static void
observer_cb(EngineSaEvent event, EngineSaKind kind, guint serial, gpointer user_data)
{
	BusEngine *e = user_data;
	BusSaKind k = kind == ENGINE_SA_KIND_IKE ? BUS_SA_IKE : BUS_SA_CHILD;
	BusSaEvent ev = event == ENGINE_SA_EVENT_ADDED	   ? BUS_SA_ADDED
			: event == ENGINE_SA_EVENT_CHANGED ? BUS_SA_CHANGED
							   : BUS_SA_REMOVED;
	g_autofree char *conn = NULL;

	if (e->sa_func == NULL)
		return;
	if (ev != BUS_SA_REMOVED) {
		EngineSaBrief b;

		/* the brief, not the full info: this runs for every SA event */
		if (!engine_get_sa_brief(e->engine, kind, serial, &b) || b.connection == NULL)
			return;
		conn = g_strdup(b.connection);
		if (k == BUS_SA_CHILD)
			note_child(e, serial, b.ike_serial);
	} else if (k == BUS_SA_CHILD) {
		forget_child(e, serial);
	}
	e->sa_func(ev, k, serial, conn, e->sa_data);
}

static void
routing_cb(const char *connection, EngineRouting routing, gpointer user_data)
{
	BusEngine *e = user_data;

	if (e->routing_func != NULL)
		e->routing_func(connection, engine_routing_name(routing), e->routing_data);
}

/* The engine asks on its (our) thread; the keys live in the manager. */
static GStrv
pubkey_cb(const char *id, gpointer user_data)
{
	BusEngine *e = user_data;

	return e->pubkey_func != NULL ? e->pubkey_func(id, e->pubkey_data) : NULL;
}

BusEngine *
bus_engine_new(const BusEngineConfig *cfg)
{
	BusEngine *e = g_new0(BusEngine, 1);
	EngineSecrets secrets = {
		.lookup_psk = ikebus_secrets_psk_lookup_func,
		.user_data = cfg->secrets,
	};
	NetConfig net_cfg = {
		.addresses = cfg->listen,
		.ike_port = cfg->ike_port,
		.natt_port = cfg->natt_port,
	};
	EngineTimings timings;
	g_autoptr(GError) error = NULL;
	NetIo *net;

	if (cfg->kernel == NULL) {
		e->why_not = g_strdup("no kernel backend: start ikebusd with --kernel xfrm or "
				      "--kernel userspace");
		return e;
	}
	net = net_io_new(NULL, &net_cfg, &error);
	if (net == NULL) {
		e->why_not = g_strdup_printf("cannot listen for IKE: %s", error->message);
		g_warning("%s", e->why_not);
		return e;
	}
	e->child_ike = g_hash_table_new(NULL, NULL);
	e->ike_children = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
	engine_timings_default(&timings);
	timings.worker_threads = cfg->crypto_threads;
	timings.crypto_inline = cfg->crypto_inline;
	e->engine = engine_new(NULL, cfg->kernel, &secrets, net, &timings);
	engine_set_uniqueids(e->engine, !cfg->no_uniqueids);
	e->observer_id = engine_add_observer(e->engine, observer_cb, e);
	e->routing_observer_id = engine_add_routing_observer(e->engine, routing_cb, e);
	engine_set_pubkey_lookup(e->engine, pubkey_cb, e);
	return e;
}

void
bus_engine_free(BusEngine *engine, gboolean leave_state)
{
	if (engine == NULL)
		return;
	if (engine->engine != NULL) {
		engine_remove_observer(engine->engine, engine->observer_id);
		engine_remove_routing_observer(engine->engine, engine->routing_observer_id);
		if (!leave_state)
			engine_shutdown(engine->engine);
		engine_free(engine->engine);
	}
	g_clear_pointer(&engine->child_ike, g_hash_table_unref);
	g_clear_pointer(&engine->ike_children, g_hash_table_unref);
	for (gsize i = 0; i < N_MEMOS; i++)
		memo_clear(&engine->memo[i]);
	g_free(engine->why_not);
	g_free(engine);
}

gboolean
bus_engine_add_connection(BusEngine *engine, const IkebusConnection *conn, gboolean replace,
			  GError **error)
{
	g_autoptr(GVariant) options = NULL;
	IkebusConnection *copy;

	if (engine->engine == NULL)
		return TRUE;
	options = g_variant_ref_sink(ikebus_connection_to_options(conn));
	copy = ikebus_connection_new_from_options(conn->name, options, error);
	if (copy == NULL)
		return FALSE;
	if (!engine_add_connection(engine->engine, copy, replace, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

gboolean
bus_engine_delete_connection(BusEngine *engine, const char *name, GError **error)
{
	if (engine->engine == NULL)
		return TRUE;
	if (!engine_delete_connection(engine->engine, name, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	BusEngineProgressFunc progress;
	BusEngineDoneFunc done;
	gpointer user_data;
	GDestroyNotify destroy;
} InitiateData;

static void
initiate_progress(EngineStatus code, const char *line, gpointer user_data)
{
	InitiateData *d = user_data;

	if (d->progress != NULL)
		d->progress((guint) code, line, d->user_data);
}

static void
initiate_done(EngineStatus status, gpointer user_data)
{
	InitiateData *d = user_data;

	if (d->done != NULL)
		d->done((guint) status, d->user_data);
}

static void
initiate_destroy(gpointer user_data)
{
	InitiateData *d = user_data;

	if (d->destroy != NULL)
		d->destroy(d->user_data);
	g_free(d);
}

gboolean
bus_engine_initiate(BusEngine *engine, const char *name, const char *remote_host,
		    BusEngineProgressFunc progress, BusEngineDoneFunc done, gpointer user_data,
		    GDestroyNotify destroy, GError **error)
{
	InitiateData *d;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	d = g_new0(InitiateData, 1);
	d->progress = progress;
	d->done = done;
	d->user_data = user_data;
	d->destroy = destroy;
	if (!engine_initiate(engine->engine, name, remote_host, initiate_progress, initiate_done, d,
			     initiate_destroy, error)) {
		/* nothing started: the engine did not take @d */
		g_free(d);
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

gint
bus_engine_terminate(BusEngine *engine, const char *name, GError **error)
{
	gint n;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error) ? 0 : -1;
	n = engine_terminate(engine->engine, name, error);
	if (n < 0)
		convert_engine_error(error);
	return n;
}

gboolean
bus_engine_delete_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error)
{
	gboolean ok;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	ok = kind == BUS_SA_IKE ? engine_delete_ike_sa(engine->engine, serial, error)
				: engine_delete_child_sa(engine->engine, serial, error);
	if (!ok)
		convert_engine_error(error);
	return ok;
}

gboolean
bus_engine_rekey_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error)
{
	gboolean ok;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	ok = kind == BUS_SA_IKE ? engine_rekey_ike_sa(engine->engine, serial, error)
				: engine_rekey_child_sa(engine->engine, serial, error);
	if (!ok)
		convert_engine_error(error);
	return ok;
}

gboolean
bus_engine_route(BusEngine *engine, const char *name, GError **error)
{
	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	if (!engine_route(engine->engine, name, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

gboolean
bus_engine_unroute(BusEngine *engine, const char *name, GError **error)
{
	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	if (!engine_unroute(engine->engine, name, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

const char *
bus_engine_get_routing(BusEngine *engine, const char *name)
{
	if (engine->engine == NULL)
		return "unrouted";
	return engine_routing_name(engine_get_routing(engine->engine, name));
}

void
bus_engine_set_log_verbose(BusEngine *engine, gboolean verbose)
{
	if (engine->engine != NULL)
		engine_set_log_verbose(engine->engine, verbose);
}

gboolean
bus_engine_is_listening(const BusEngine *engine)
{
	return engine->engine != NULL && engine_is_listening(engine->engine);
}

gboolean
bus_engine_set_listening(BusEngine *engine, gboolean listen, GError **error)
{
	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	if (!engine_set_listening(engine->engine, listen, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

gint
bus_engine_crash_peer(BusEngine *engine, const char *address, GError **error)
{
	gint n;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error) ? 0 : -1;
	n = engine_crash_peer(engine->engine, address, error);
	if (n < 0)
		convert_engine_error(error);
	return n;
}

gint
bus_engine_delete_user(BusEngine *engine, const char *user, gboolean crash, GError **error)
{
	gint n;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error) ? 0 : -1;
	n = engine_delete_user(engine->engine, user, crash, error);
	if (n < 0)
		convert_engine_error(error);
	return n;
}

void
bus_engine_add_counters(BusEngine *engine, GVariantDict *dict)
{
	EngineCounters c = { 0 };
	guint64 ike = 0, child = 0;

	if (engine->engine == NULL)
		return;
	engine_get_counters(engine->engine, &c);
	/* live SAs: the DEAD entries count every SA that ever died */
	for (gsize i = 0; i < G_N_ELEMENTS(c.ike_sas_by_state); i++)
		if (i != ENGINE_IKE_SA_STATE_DEAD)
			ike += c.ike_sas_by_state[i];
	for (gsize i = 0; i < G_N_ELEMENTS(c.child_sas_by_state); i++)
		if (i != ENGINE_CHILD_SA_STATE_DEAD)
			child += c.child_sas_by_state[i];
	g_variant_dict_insert(dict, "ike-sa-established", "t", c.ike_sas_established);
	g_variant_dict_insert(dict, "child-sa-established", "t", c.child_sas_installed);
	g_variant_dict_insert(dict, "packets-dropped-malformed", "t", c.messages_dropped);
	g_variant_dict_insert(dict, "ike-sa-current", "t", ike);
	g_variant_dict_insert(dict, "child-sa-current", "t", child);
	g_variant_dict_insert(dict, "ike-listening-current", "t",
			      (guint64) engine_is_listening(engine->engine));
	g_variant_dict_insert(dict, "ike-cookies-sent", "t", c.cookies_sent);
	g_variant_dict_insert(dict, "ike-cookies-accepted", "t", c.cookies_accepted);
	g_variant_dict_insert(dict, "ike-cookies-rejected", "t", c.cookies_rejected);
	g_variant_dict_insert(dict, "ike-redirects-sent", "t", c.redirects_sent);
	g_variant_dict_insert(dict, "ike-redirects-followed", "t", c.redirects_followed);
	g_variant_dict_insert(dict, "crypto-jobs-inline", "t", c.crypto_jobs_inline);
	g_variant_dict_insert(dict, "crypto-jobs-pool", "t", c.crypto_jobs_pool);
	g_variant_dict_insert(dict, "ddos-busy-current", "t",
			      (guint64) engine_is_busy(engine->engine));
}

/* ---- anti-DDoS measures and redirect --------------------------------------------- */

void
bus_engine_set_ddos_mode(BusEngine *engine, const char *mode)
{
	if (engine->engine == NULL)
		return;
	engine_set_ddos_mode(engine->engine, g_str_equal(mode, "busy")	      ? ENGINE_DDOS_BUSY
					     : g_str_equal(mode, "unlimited") ? ENGINE_DDOS_UNLIMITED
									      : ENGINE_DDOS_AUTO);
}

gboolean
bus_engine_is_busy(BusEngine *engine, const char *mode)
{
	if (engine->engine == NULL)
		return g_strcmp0(mode, "busy") == 0;
	return engine_is_busy(engine->engine);
}

void
bus_engine_set_busy_observer(BusEngine *engine, BusEngineBusyFunc func, gpointer user_data)
{
	if (engine->engine != NULL)
		engine_set_busy_func(engine->engine, func, user_data);
}

gboolean
bus_engine_set_global_redirect(BusEngine *engine, const char *mode, const char *const *to,
			       GError **error)
{
	EngineRedirectMode m = g_strcmp0(mode, "yes") == 0    ? ENGINE_REDIRECT_YES
			       : g_strcmp0(mode, "auto") == 0 ? ENGINE_REDIRECT_AUTO
							      : ENGINE_REDIRECT_NO;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error);
	if (!engine_set_global_redirect(engine->engine, m, to, error)) {
		convert_engine_error(error);
		return FALSE;
	}
	return TRUE;
}

gint
bus_engine_redirect_peers(BusEngine *engine, const char *name, const char *const *to,
			  GError **error)
{
	gint n;

	if (engine->engine == NULL)
		return bus_engine_not_running(engine, error) ? 0 : -1;
	n = engine_redirect_peers(engine->engine, name, to, error);
	if (n < 0)
		convert_engine_error(error);
	return n;
}

#else /* !IKEBUS_HAVE_ENGINE */

/* ---- no engine in this build: configuration only, honest refusals ------------- */

BusEngine *
bus_engine_new(const BusEngineConfig *cfg)
{
	BusEngine *e = g_new0(BusEngine, 1);

	e->why_not = g_strdup("this ikebusd was built without it");
	return e;
}

void
bus_engine_free(BusEngine *engine, gboolean leave_state)
{
	if (engine == NULL)
		return;
	g_free(engine->why_not);
	g_free(engine);
}

const BusSaSourceFuncs *
bus_engine_get_sa_source(BusEngine *engine)
{
	return NULL;
}

char *
bus_engine_get_sa_state(BusEngine *engine, BusSaKind kind, guint serial)
{
	return NULL;
}

gboolean
bus_engine_add_connection(BusEngine *engine, const IkebusConnection *conn, gboolean replace,
			  GError **error)
{
	return TRUE;
}

gboolean
bus_engine_delete_connection(BusEngine *engine, const char *name, GError **error)
{
	return TRUE;
}

gboolean
bus_engine_initiate(BusEngine *engine, const char *name, const char *remote_host,
		    BusEngineProgressFunc progress, BusEngineDoneFunc done, gpointer user_data,
		    GDestroyNotify destroy, GError **error)
{
	return bus_engine_not_running(engine, error);
}

gint
bus_engine_terminate(BusEngine *engine, const char *name, GError **error)
{
	bus_engine_not_running(engine, error);
	return -1;
}

gboolean
bus_engine_delete_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error)
{
	return bus_engine_not_running(engine, error);
}

gboolean
bus_engine_rekey_sa(BusEngine *engine, BusSaKind kind, guint serial, GError **error)
{
	return bus_engine_not_running(engine, error);
}

gboolean
bus_engine_route(BusEngine *engine, const char *name, GError **error)
{
	return bus_engine_not_running(engine, error);
}

gboolean
bus_engine_unroute(BusEngine *engine, const char *name, GError **error)
{
	return bus_engine_not_running(engine, error);
}

const char *
bus_engine_get_routing(BusEngine *engine, const char *name)
{
	return "unrouted";
}

void
bus_engine_set_log_verbose(BusEngine *engine, gboolean verbose)
{
}

gboolean
bus_engine_is_listening(const BusEngine *engine)
{
	return FALSE;
}

gboolean
bus_engine_set_listening(BusEngine *engine, gboolean listen, GError **error)
{
	return bus_engine_not_running(engine, error);
}

gint
bus_engine_crash_peer(BusEngine *engine, const char *address, GError **error)
{
	bus_engine_not_running(engine, error);
	return -1;
}

gint
bus_engine_delete_user(BusEngine *engine, const char *user, gboolean crash, GError **error)
{
	bus_engine_not_running(engine, error);
	return -1;
}

void
bus_engine_add_counters(BusEngine *engine, GVariantDict *dict)
{
}

void
bus_engine_set_ddos_mode(BusEngine *engine, const char *mode)
{
}

gboolean
bus_engine_is_busy(BusEngine *engine, const char *mode)
{
	return g_strcmp0(mode, "busy") == 0;
}

void
bus_engine_set_busy_observer(BusEngine *engine, BusEngineBusyFunc func, gpointer user_data)
{
}

gboolean
bus_engine_set_global_redirect(BusEngine *engine, const char *mode, const char *const *to,
			       GError **error)
{
	return bus_engine_not_running(engine, error);
}

gint
bus_engine_redirect_peers(BusEngine *engine, const char *name, const char *const *to,
			  GError **error)
{
	bus_engine_not_running(engine, error);
	return -1;
}

#endif
