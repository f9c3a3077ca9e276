/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Manager methods that report (GetStatus, List, CheckPublicKeys, statistics)
 * or act on SAs and peers (DeleteState, DeleteUser, Crash,
 * InitiateOpportunistic), and public keys (AddPublicKey).
 */
#include "config.h"

#include "errors.h"
#include "gvs.h"
#include "manager-private.h"

#include <string.h>
#include <unistd.h>

void
bus_pubkey_free(BusPubKey *key)
{
	g_free(key->keyid);
	g_free(key->type);
	g_free(key->key);
	g_free(key);
}

static void
return_not_running_or(BusCall *call, const char *what)
{
	BusManager *manager = call->target;
	GError *error = NULL;

	if (!bus_engine_is_running(manager->engine)) {
		bus_engine_not_running(manager->engine, &error);
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
					      IKEBUS_ERROR_NOT_SUPPORTED,
					      "%s is not supported by the running engine", what);
}

static gboolean
invalid(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *format, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error_literal(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT, msg);
	return FALSE;
}

/* ---- AddPublicKey ------------------------------------------------------------- */

/* RFC 3110: exponent length (1 octet, or 0 and 2 octets), exponent, modulus. */
static gboolean
rfc3110_bits(const guint8 *k, gsize len, guint *bits)
{
	gsize elen, off;

	if (len < 3)
		return FALSE;
	if (k[0] != 0) {
		elen = k[0];
		off = 1;
	} else {
		elen = (gsize) k[1] << 8 | k[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= len)
		return FALSE;
	*bits = (guint) ((len - off - elen) * 8);
	return TRUE;
}

static gboolean
check_add_pubkey(BusCall *call, GError **error)
{
	static const char *const keys[] = { "add", NULL };
	static const char *const types[] = { "b" };
	const char *keyid, *pubkey;
	g_autoptr(GVariant) options = NULL;
	g_autofree guint8 *raw = NULL;
	gsize len = 0;
	guint bits;

	g_variant_get(call->params, "(&s&s@a{sv})", &keyid, &pubkey, &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (keyid[0] == '\0' || strpbrk(keyid, "\n\r\t") != NULL)
		return invalid(error, "keyid: \"%s\" is not an identity", keyid);
	if (pubkey[0] == '\0')
		return TRUE; /* DNS lookup: decided in act */
	if (!g_str_has_prefix(pubkey, "0s") || strlen(pubkey) < 6 ||
	    strspn(pubkey + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
		    strlen(pubkey + 2))
		return invalid(error, "pubkey_rsa: not \"0s\" followed by base64");
	raw = g_base64_decode(pubkey + 2, &len);
	if (!rfc3110_bits(raw, len, &bits))
		return invalid(error, "pubkey_rsa: not an RFC 3110 RSA public key");
	return TRUE;
}

static void
act_add_pubkey(BusCall *call)
{
	BusManager *manager = call->target;
	const char *keyid, *pubkey;
	g_autoptr(GVariant) options = NULL;
	g_autofree guint8 *raw = NULL;
	gsize len = 0;
	BusPubKey *key;

	g_variant_get(call->params, "(&s&s@a{sv})", &keyid, &pubkey, &options);
	if (pubkey[0] == '\0') {
		g_dbus_method_invocation_return_error_literal(
			call->invocation, IKEBUS_ERROR, IKEBUS_ERROR_NOT_SUPPORTED,
			"pubkey_rsa: looking keys up in DNS is not supported; give the key");
		return;
	}
	if (!bus_option_bool(options, "add", FALSE)) {
		for (guint i = manager->pubkeys->len; i > 0; i--) {
			BusPubKey *old = manager->pubkeys->pdata[i - 1];

			if (g_str_equal(old->keyid, keyid))
				g_ptr_array_remove_index(manager->pubkeys, i - 1);
		}
	}
	key = g_new0(BusPubKey, 1);
	key->keyid = g_strdup(keyid);
	key->type = g_strdup("RSA");
	key->key = g_strdup(pubkey);
	raw = g_base64_decode(pubkey + 2, &len);
	rfc3110_bits(raw, len, &key->bits);
	key->installed = g_get_real_time() / G_USEC_PER_SEC;
	g_ptr_array_add(manager->pubkeys, key);
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

/* ---- List, CheckPublicKeys ----------------------------------------------------- */

static const char *const list_kinds[] = { "pubkeys", "certs", "cacerts", "crls", "events", NULL };

static gboolean
check_list(BusCall *call, GError **error)
{
	static const char *const keys[] = { "utc", NULL };
	static const char *const types[] = { "b" };
	g_autofree const char **what = NULL;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(^a&s@a{sv})", &what, &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (what[0] == NULL)
		return invalid(error, "what: empty");
	for (gsize i = 0; what[i] != NULL; i++) {
		if (!g_str_equal(what[i], "all") && !g_strv_contains(list_kinds, what[i]))
			return invalid(error, "what: \"%s\" is not one of pubkeys, certs, cacerts, "
					      "crls, events, all", what[i]);
	}
	return TRUE;
}

/* certs, cacerts and crls come from the NSS database, events from the
 * engine's timers: neither is loaded by this daemon yet, so they list
 * nothing (which is the truth, not a stand-in). */
static void
add_items(BusManager *manager, const char *kind, GVariantBuilder *items)
{
	if (!g_str_equal(kind, "pubkeys"))
		return;
	for (guint i = 0; i < manager->pubkeys->len; i++) {
		BusPubKey *k = manager->pubkeys->pdata[i];
		g_autofree char *keyid = g_strndup(k->key + 2, 9);
		GVariantDict d;

		g_variant_dict_init(&d, NULL);
		g_variant_dict_insert(&d, "kind", "s", "pubkeys");
		g_variant_dict_insert(&d, "id", "s", k->keyid);
		g_variant_dict_insert(&d, "type", "s", k->type);
		g_variant_dict_insert(&d, "keyid", "s", keyid);
		g_variant_dict_insert(&d, "bits", "u", k->bits);
		g_variant_dict_insert(&d, "installed", "x", k->installed);
		g_variant_dict_insert(&d, "issuer", "s", "");
		g_variant_builder_add_value(items, g_variant_dict_end(&d));
	}
}

static void
act_list(BusCall *call)
{
	BusManager *manager = call->target;
	g_autofree const char **what = NULL;
	g_autoptr(GVariant) options = NULL;
	GVariantBuilder items;

	g_variant_get(call->params, "(^a&s@a{sv})", &what, &options);
	g_variant_builder_init(&items, G_VARIANT_TYPE("aa{sv}"));
	for (gsize i = 0; what[i] != NULL; i++) {
		if (g_str_equal(what[i], "all")) {
			for (gsize k = 0; list_kinds[k] != NULL; k++)
				add_items(manager, list_kinds[k], &items);
		} else {
			add_items(manager, what[i], &items);
		}
	}
	g_dbus_method_invocation_return_value(call->invocation, g_variant_new("(aa{sv})", &items));
}

static gboolean
check_check_pubkeys(BusCall *call, GError **error)
{
	static const char *const keys[] = { "days", "utc", NULL };
	static const char *const types[] = { "u", "b" };
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(@a{sv})", &options);
	return bus_check_options(options, "options", keys, types, error);
}

static void
act_check_pubkeys(BusCall *call)
{
	/* no certificates are loaded (see add_items): none expires */
	g_dbus_method_invocation_return_value(call->invocation,
					      g_variant_new_parsed("(@aa{sv} [],)"));
}

/* ---- statistics ------------------------------------------------------------------- */

static GVariant *
current_counters(BusManager *manager)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "connections-added", "t", manager->connections_added);
	g_variant_dict_insert(&d, "connections-deleted", "t", manager->connections_deleted);
	bus_engine_add_counters(manager->engine, &d);
	return g_variant_ref_sink(g_variant_dict_end(&d));
}

/* Counters minus what they were at the last ClearStatistics. */
static GVariant *
statistics(BusManager *manager)
{
	g_autoptr(GVariant) now = current_counters(manager);
	GVariantBuilder b;
	GVariantIter iter;
	const char *key;
	GVariant *value;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_iter_init(&iter, now);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		guint64 *base = g_hash_table_lookup(manager->stats_base, key);
		guint64 v = g_variant_get_uint64(value);

		/* "-current" gauges are not reset */
		if (base != NULL && !g_str_has_suffix(key, "-current"))
			v = v >= *base ? v - *base : 0;
		g_variant_builder_add(&b, "{sv}", key, g_variant_new_uint64(v));
		g_variant_unref(value);
	}
	return g_variant_builder_end(&b);
}

static void
act_global_stats(BusCall *call)
{
	g_dbus_method_invocation_return_value(call->invocation,
					      g_variant_new("(@a{sv})", statistics(call->target)));
}

static void
act_clear_stats(BusCall *call)
{
	BusManager *manager = call->target;
	g_autoptr(GVariant) now = current_counters(manager);
	GVariantIter iter;
	const char *key;
	GVariant *value;

	g_variant_iter_init(&iter, now);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		guint64 v = g_variant_get_uint64(value);

		g_hash_table_replace(manager->stats_base, g_strdup(key), g_memdup2(&v, sizeof(v)));
		g_variant_unref(value);
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

/* ---- GetStatus -------------------------------------------------------------------- */

static const char *const status_forms[] = {
	"status",	 "briefstatus",	  "connectionstatus", "showstates",
	"trafficstatus", "globalstatus",  "shuntstatus",      "fipsstatus",
	"processstatus", "addresspoolstatus", NULL,
};

static gboolean
check_status(BusCall *call, GError **error)
{
	BusManager *manager = call->target;
	static const char *const keys[] = { "connection", "utc", "offset", "limit", "encoding", NULL };
	static const char *const types[] = { "s", "b", "u", "u", "s" };
	const char *form, *name;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(&s@a{sv})", &form, &options);
	if (!g_strv_contains(status_forms, form))
		return invalid(error, "form: \"%s\" is not a status form", form);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	if (g_variant_lookup(options, "encoding", "&s", &name) && !g_str_equal(name, "dict") &&
	    !g_str_equal(name, "gvariant"))
		return invalid(error, "encoding: \"%s\" is not \"dict\" or \"gvariant\"", name);
	if (g_variant_lookup(options, "connection", "&s", &name) &&
	    !g_hash_table_contains(manager->conns, name)) {
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_NOT_FOUND,
			    "connection: no connection \"%s\"", name);
		return FALSE;
	}
	return TRUE;
}

static int
compare_conn_names(gconstpointer a, gconstpointer b)
{
	return strcmp(bus_conn_object_get_name(*(BusConnObject *const *) a),
		      bus_conn_object_get_name(*(BusConnObject *const *) b));
}

/* Connections in name order, or just @only. Owned array of borrowed objects. */
static GPtrArray *
sorted_connections(BusManager *manager, const char *only)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, manager->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (only == NULL || g_str_equal(bus_conn_object_get_name(value), only))
			g_ptr_array_add(list, value);
	}
	g_ptr_array_sort(list, compare_conn_names);
	return list;
}

/* Paging (options "offset" and "limit"): a form's rows are segments of
 * known lengths (the globalstatus row, the connections, the IKE SAs, the
 * Child SAs, ...), and only the rows in [offset, offset + limit) are made. */
typedef struct {
	guint64 skip; /* rows still to skip */
	guint64 left; /* rows still to make (G_MAXUINT64: all) */
	gboolean paged;
} Page;

/* Of the next segment, @n rows: the first to make and how many. */
static void
page_take(Page *page, guint n, guint *first, guint *count)
{
	guint64 skip = MIN(page->skip, (guint64) n);
	guint64 take = MIN((guint64) n - skip, page->left);

	page->skip -= skip;
	page->left -= take;
	*first = (guint) skip;
	*count = (guint) take;
}

/* A segment of one row: whether to make it. */
static gboolean
page_one(Page *page)
{
	guint first, count;

	page_take(page, 1, &first, &count);
	return count == 1;
}

static void
add_connection_rows(BusManager *manager, const char *only, gboolean brief, Page *page,
		    GVariantBuilder *rows)
{
	g_autoptr(GPtrArray) list = sorted_connections(manager, only);
	guint first, count;

	page_take(page, list->len, &first, &count);
	for (guint i = first; i < first + count; i++) {
		BusConnObject *obj = list->pdata[i];
		IkebusConn *sk = IKEBUS_CONN(bus_conn_object_get_skeleton(obj));
		GVariantDict d;

		g_variant_dict_init(&d, brief ? NULL : ikebus_conn_get_options(sk));
		g_variant_dict_insert(&d, "kind", "s", brief ? "briefstatus" : "connectionstatus");
		g_variant_dict_insert(&d, "name", "s", bus_conn_object_get_name(obj));
		g_variant_dict_insert(&d, "state", "s", ikebus_conn_get_state(sk));
		g_variant_dict_insert(&d, "routing", "s", ikebus_conn_get_routing(sk));
		if (!brief)
			g_variant_dict_insert(&d, "policy", "^as",
					      (char **) ikebus_conn_get_policy(sk));
		g_variant_builder_add_value(rows, g_variant_dict_end(&d));
	}
}

typedef struct {
	GVariantBuilder *rows;
	BusSaKind kind;
	const char *only; /* connection path, or NULL */
	gboolean traffic;
	BusGvs w;	    /* reused for every row */
	GHashTable *remote_ids; /* trafficstatus: IKE SA path -> its RemoteId (GVariant) */
} StateVisit;

/* "LocalSpi" -> "local-spi" */
static char *
dashed_new(const char *camel)
{
	GString *s = g_string_new(NULL);

	for (const char *p = camel; *p != '\0'; p++) {
		/* a plural acronym stays one word: "ChildSAs" -> "child-sas" */
		gboolean plural = p[1] == 's' && (p[2] == '\0' || g_ascii_isupper(p[2]));

		if (g_ascii_isupper(*p) && p != camel &&
		    (!g_ascii_isupper(p[-1]) || (g_ascii_islower(p[1]) && !plural)))
			g_string_append_c(s, '-');
		g_string_append_c(s, g_ascii_tolower(*p));
	}
	return g_string_free(s, FALSE);
}

/* The row key of property @camel as a GVariant (new reference), each made once. */
static GVariant *
dashed(const char *camel)
{
	static GHashTable *keys; /* property name -> its key's string GVariant */
	GVariant *v;

	if (G_UNLIKELY(keys == NULL))
		keys = g_hash_table_new(g_str_hash, g_str_equal);
	v = g_hash_table_lookup(keys, camel);
	if (G_UNLIKELY(v == NULL)) {
		g_autofree char *k = dashed_new(camel);

		v = g_variant_ref_sink(g_variant_new_string(k));
		g_hash_table_insert(keys, g_strdup(camel), v);
	}
	return g_variant_ref(v);
}

static guint64
prop_uint64(GHashTable *props, const char *name)
{
	GVariant *v = g_hash_table_lookup(props, name);

	return v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64) ? g_variant_get_uint64(v) : 0;
}

/* Rows are written serialised (bus/gvs.h): a builder or a GVariantDict made
 * ~100 GVariants per showstates row, to build, size and free. */
static void
add_state_row(guint serial, GHashTable *props, gpointer visit_data)
{
	StateVisit *v = visit_data;
	GVariant *conn = g_hash_table_lookup(props, "Connection");
	GVariant *added;
	GHashTableIter iter;
	gpointer key, value;

	if (v->only != NULL && (conn == NULL || !g_str_equal(g_variant_get_string(conn, NULL), v->only)))
		return;
	bus_gvs_open_array(&v->w, 8);
	if (v->traffic) {
		const char *path = conn != NULL ? g_variant_get_string(conn, NULL) : "";
		const char *slash = strrchr(path, '/');
		g_autofree guint8 *name = g_dbus_unescape_object_path(slash ? slash + 1 : "");

		added = g_hash_table_lookup(props, "InstalledAt");
		bus_gvs_entry_sv(&v->w, "kind", g_variant_new_string("trafficstatus"));
		bus_gvs_entry_sv(&v->w, "serial", g_variant_new_uint32(serial));
		bus_gvs_entry_sv(&v->w, "connection",
				 g_variant_new_string(name != NULL ? (const char *) name : ""));
		bus_gvs_entry_sv(&v->w, "username", g_variant_new_string(""));
		bus_gvs_entry_sv(&v->w, "added",
				 g_variant_new_int64(added != NULL &&
							     g_variant_is_of_type(added, G_VARIANT_TYPE_INT64)
						     ? g_variant_get_int64(added)
						     : 0));
		bus_gvs_entry_sv(&v->w, "bytes-in", g_variant_new_uint64(prop_uint64(props, "BytesIn")));
		bus_gvs_entry_sv(&v->w, "bytes-out", g_variant_new_uint64(prop_uint64(props, "BytesOut")));
		if (v->remote_ids != NULL) {
			GVariant *ike = g_hash_table_lookup(props, "IkeSA");
			GVariant *id = ike != NULL ? g_hash_table_lookup(v->remote_ids,
									 g_variant_get_string(ike, NULL))
						   : NULL;

			bus_gvs_entry_sv(&v->w, "remote-id", id != NULL ? id : g_variant_new_string(""));
		}
	} else {
		bus_gvs_entry_sv(&v->w, "kind", g_variant_new_string(v->kind == BUS_SA_IKE ? "ike" : "child"));
		g_hash_table_iter_init(&iter, props);
		while (g_hash_table_iter_next(&iter, &key, &value)) {
			g_autoptr(GVariant) k = dashed(key);

			bus_gvs_entry_sv(&v->w, g_variant_get_string(k, NULL), value);
		}
	}
	bus_gvs_close_array(&v->w);
	g_variant_builder_add_value(v->rows, bus_gvs_end(&v->w, G_VARIANT_TYPE_VARDICT));
}

static void
collect_remote_id(guint serial, GHashTable *props, gpointer visit_data)
{
	GVariant *id = g_hash_table_lookup(props, "RemoteId");

	if (id != NULL)
		g_hash_table_insert(visit_data, bus_sa_path(BUS_SA_IKE, serial), g_variant_ref(id));
}

static gint
compare_serials(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *) a, y = *(const guint *) b;

	return x < y ? -1 : x > y;
}

/* The serials of the SAs of @kind (of connection @only, or all), ascending:
 * the order of the engine's listing. All of them are kept until an SA of
 * that kind comes or goes: the pages of one listing sort them once. */
static GArray *
sa_serials(BusManager *manager, BusSaKind kind, const char *only)
{
	GHashTable *map = manager->sa_conn[kind];
	GArray *out;
	GHashTableIter iter;
	gpointer key, value;

	if (only == NULL && manager->sa_sorted[kind] != NULL)
		return g_array_ref(manager->sa_sorted[kind]);
	out = g_array_sized_new(FALSE, FALSE, sizeof(guint), g_hash_table_size(map));

	g_hash_table_iter_init(&iter, map);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		guint serial = GPOINTER_TO_UINT(key);

		if (only == NULL || g_strcmp0(value, only) == 0)
			g_array_append_val(out, serial);
	}
	g_array_sort(out, compare_serials);
	if (only == NULL)
		manager->sa_sorted[kind] = g_array_ref(out);
	return out;
}

/* trafficstatus on a page: the RemoteId of the IKE SA of the Child SA in
 * @props, looked up once per IKE SA (not all of them listed for each page) */
static void
note_remote_id(BusManager *manager, const BusSaSourceFuncs *funcs, GHashTable *props,
	       GHashTable *remote_ids)
{
	GVariant *ike = g_hash_table_lookup(props, "IkeSA");
	const char *path = ike != NULL ? g_variant_get_string(ike, NULL) : NULL;
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;
	g_autoptr(GHashTable) ike_props = NULL;
	guint serial;

	if (slash == NULL || g_hash_table_contains(remote_ids, path))
		return;
	serial = (guint) g_ascii_strtoull(slash + 1, NULL, 10);
	ike_props = bus_tree_props_new();
	if (funcs->get(manager->engine, BUS_SA_IKE, serial, ike_props))
		collect_remote_id(serial, ike_props, remote_ids);
}

/* The SA rows of a page: from the serials, each SA read alone; an SA that
 * cannot be read (none should: the serials follow the engine's events)
 * makes room for the next. */
static void
add_state_rows_paged(BusManager *manager, const BusSaSourceFuncs *funcs, const char *only,
		     Page *page, StateVisit *v)
{
	g_autoptr(GHashTable) props = bus_tree_props_new();

	for (v->kind = v->traffic ? BUS_SA_CHILD : BUS_SA_IKE; v->kind <= BUS_SA_CHILD; v->kind++) {
		g_autoptr(GArray) serials = NULL;
		guint first, count;

		if (page->left == 0)
			break;
		serials = sa_serials(manager, v->kind, only);
		page_take(page, serials->len, &first, &count);
		for (guint i = first; i < serials->len && count > 0; i++) {
			guint serial = g_array_index(serials, guint, i);

			g_hash_table_remove_all(props);
			if (!funcs->get(manager->engine, v->kind, serial, props))
				continue;
			if (v->remote_ids != NULL)
				note_remote_id(manager, funcs, props, v->remote_ids);
			add_state_row(serial, props, v);
			count--;
		}
	}
}

static void
add_state_rows(BusManager *manager, const char *only, gboolean traffic, Page *page,
	       GVariantBuilder *rows)
{
	const BusSaSourceFuncs *funcs = bus_engine_get_sa_source(manager->engine);
	g_autofree char *path = only != NULL ? bus_conn_path_for_name(only) : NULL;
	StateVisit v = { .rows = rows, .only = path, .traffic = traffic };

	if (funcs == NULL)
		return;
	bus_gvs_init(&v.w);
	if (page->paged) {
		if (traffic)
			v.remote_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify) g_variant_unref);
		add_state_rows_paged(manager, funcs, only, page, &v);
		bus_gvs_clear(&v.w);
		g_clear_pointer(&v.remote_ids, g_hash_table_unref);
		return;
	}
	if (traffic) {
		/* each row names its IKE SA's peer ID, so that trafficstatus alone
		 * prints whack's id='...' (and not all of showstates as well) */
		v.remote_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						     (GDestroyNotify) g_variant_unref);
		funcs->foreach(manager->engine, BUS_SA_IKE, collect_remote_id, v.remote_ids);
	}
	for (v.kind = traffic ? BUS_SA_CHILD : BUS_SA_IKE; v.kind <= BUS_SA_CHILD; v.kind++)
		funcs->foreach(manager->engine, v.kind, add_state_row, &v);
	bus_gvs_clear(&v.w);
	g_clear_pointer(&v.remote_ids, g_hash_table_unref);
}

/* Consumes @fields (floating). */
static void
add_one_row(GVariantBuilder *rows, const char *kind, GVariant *fields)
{
	g_autoptr(GVariant) owned = g_variant_ref_sink(fields);
	GVariantDict d;

	g_variant_dict_init(&d, owned);
	g_variant_dict_insert(&d, "kind", "s", kind);
	g_variant_builder_add_value(rows, g_variant_dict_end(&d));
}

static guint
count_dir(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	guint n = 0;

	while (dir != NULL && g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

static void
process_row(BusManager *manager, GVariantBuilder *rows)
{
	g_autofree char *status = NULL;
	guint64 rss = 0;
	guint threads = 0;
	GVariantDict d;

	if (g_file_get_contents("/proc/self/status", &status, NULL, NULL)) {
		g_auto(GStrv) lines = g_strsplit(status, "\n", -1);

		for (gsize i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "VmRSS:"))
				rss = g_ascii_strtoull(lines[i] + 6, NULL, 10) * 1024;
			else if (g_str_has_prefix(lines[i], "Threads:"))
				threads = (guint) g_ascii_strtoull(lines[i] + 8, NULL, 10);
		}
	}
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "kind", "s", "processstatus");
	g_variant_dict_insert(&d, "pid", "u", (guint32) getpid());
	g_variant_dict_insert(&d, "uptime", "t",
			      (guint64) ((g_get_monotonic_time() - manager->started) /
					 G_USEC_PER_SEC));
	g_variant_dict_insert(&d, "rss", "t", rss);
	g_variant_dict_insert(&d, "threads", "u", threads);
	g_variant_dict_insert(&d, "fds", "u", count_dir("/proc/self/fd"));
	g_variant_builder_add_value(rows, g_variant_dict_end(&d));
}

/* The reply of encoding "gvariant": one row holding @rows serialised
 * (cleared). GDBus turns an aa{sv} into D-Bus wire format value by value,
 * and a client parses it back value by value (~2 million values for 10,000
 * SAs: most of a listing's time on both sides); an ay is copied whole, and
 * a GLib client reads the GVariant in place, only the values it uses. */
static GVariant *
gvariant_encoded(GVariantBuilder *rows)
{
	g_autoptr(GVariant) all = g_variant_ref_sink(g_variant_builder_end(rows));
	g_autoptr(GBytes) data = g_variant_get_data_as_bytes(all);
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "kind", "s", "gvariant");
	g_variant_dict_insert(&d, "byte-order", "s", G_BYTE_ORDER == G_LITTLE_ENDIAN ? "l" : "B");
	g_variant_dict_insert(&d, "rows", "@ay",
			      g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, data, TRUE));
	return g_variant_new_parsed("([%@a{sv}],)", g_variant_dict_end(&d));
}

static void
act_status(BusCall *call)
{
	BusManager *manager = call->target;
	const char *form, *only = NULL;
	g_autoptr(GVariant) options = NULL;
	GVariantBuilder rows;
	Page page = { 0, G_MAXUINT64, FALSE };
	guint32 n;

	g_variant_get(call->params, "(&s@a{sv})", &form, &options);
	g_variant_lookup(options, "connection", "&s", &only);
	if (g_variant_lookup(options, "offset", "u", &n)) {
		page.skip = n;
		page.paged = TRUE;
	}
	if (g_variant_lookup(options, "limit", "u", &n) && n > 0) {
		page.left = n;
		page.paged = TRUE;
	}
	g_variant_builder_init(&rows, G_VARIANT_TYPE("aa{sv}"));
	if ((g_str_equal(form, "status") || g_str_equal(form, "globalstatus")) && page_one(&page))
		add_one_row(&rows, "globalstatus", statistics(manager));
	if (g_str_equal(form, "status") || g_str_equal(form, "connectionstatus"))
		add_connection_rows(manager, only, FALSE, &page, &rows);
	if (g_str_equal(form, "briefstatus") && page_one(&page)) {
		GVariantDict d;

		g_variant_dict_init(&d, NULL);
		g_variant_dict_insert(&d, "connections", "u", g_hash_table_size(manager->conns));
		g_variant_dict_insert(&d, "ike-sas", "u",
				      g_hash_table_size(manager->sa_conn[BUS_SA_IKE]));
		g_variant_dict_insert(&d, "child-sas", "u",
				      g_hash_table_size(manager->sa_conn[BUS_SA_CHILD]));
		add_one_row(&rows, "briefstatus", g_variant_dict_end(&d));
	}
	if (g_str_equal(form, "briefstatus"))
		add_connection_rows(manager, only, TRUE, &page, &rows);
	if (g_str_equal(form, "status") || g_str_equal(form, "showstates"))
		add_state_rows(manager, only, FALSE, &page, &rows);
	if (g_str_equal(form, "trafficstatus"))
		add_state_rows(manager, only, TRUE, &page, &rows);
	/* shuntstatus: no bare shunts without the engine's routing; addresspoolstatus:
	 * no address pools; both are truthfully empty */
	if (g_str_equal(form, "fipsstatus") && page_one(&page))
		add_one_row(&rows, "fipsstatus",
			    g_variant_new_parsed("{'fips': <%b>}",
						 ikebus_manager_get_fips_mode(IKEBUS_MANAGER(manager->skeleton))));
	if (g_str_equal(form, "processstatus") && page_one(&page))
		process_row(manager, &rows);
	if (g_variant_lookup(options, "encoding", "&s", &form) && g_str_equal(form, "gvariant")) {
		bus_return_bounded(call->invocation, gvariant_encoded(&rows), "GetStatus");
		return;
	}
	bus_return_bounded(call->invocation, g_variant_new("(aa{sv})", &rows), "GetStatus");
}

/* ---- SAs, users, peers ------------------------------------------------------------- */

static void
act_delete_state(BusCall *call)
{
	BusManager *manager = call->target;
	guint32 serial;
	BusSaKind kind;
	GError *error = NULL;

	g_variant_get(call->params, "(u)", &serial);
	if (!bus_engine_is_running(manager->engine)) {
		bus_engine_not_running(manager->engine, &error);
		bus_return_error(call->invocation, error);
		return;
	}
	if (g_hash_table_contains(manager->sa_conn[BUS_SA_IKE], GUINT_TO_POINTER(serial)))
		kind = BUS_SA_IKE;
	else if (g_hash_table_contains(manager->sa_conn[BUS_SA_CHILD], GUINT_TO_POINTER(serial)))
		kind = BUS_SA_CHILD;
	else {
		g_dbus_method_invocation_return_error(call->invocation, IKEBUS_ERROR,
						      IKEBUS_ERROR_NOT_FOUND, "no SA #%u", serial);
		return;
	}
	if (!bus_engine_delete_sa(manager->engine, kind, serial, &error)) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_delete_user(BusCall *call, GError **error)
{
	static const char *const keys[] = { "crash", NULL };
	static const char *const types[] = { "b" };
	const char *user;
	g_autoptr(GVariant) options = NULL;

	g_variant_get(call->params, "(&s@a{sv})", &user, &options);
	if (user[0] == '\0')
		return invalid(error, "user: empty");
	return bus_check_options(options, "options", keys, types, error);
}

static void
act_delete_user(BusCall *call)
{
	BusManager *manager = call->target;
	const char *user;
	g_autoptr(GVariant) options = NULL;
	gboolean crash = FALSE;
	GError *error = NULL;

	g_variant_get(call->params, "(&s@a{sv})", &user, &options);
	g_variant_lookup(options, "crash", "b", &crash);
	if (bus_engine_delete_user(manager->engine, user, crash, &error) < 0) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_crash(BusCall *call, GError **error)
{
	const char *peer;
	g_autoptr(GInetAddress) addr = NULL;

	g_variant_get(call->params, "(&s)", &peer);
	addr = g_inet_address_new_from_string(peer);
	if (addr == NULL)
		return invalid(error, "peer_address: \"%s\" is not an IP address", peer);
	return TRUE;
}

static void
act_crash(BusCall *call)
{
	BusManager *manager = call->target;
	const char *peer;
	GError *error = NULL;

	g_variant_get(call->params, "(&s)", &peer);
	if (bus_engine_crash_peer(manager->engine, peer, &error) < 0) {
		bus_return_error(call->invocation, error);
		return;
	}
	g_dbus_method_invocation_return_value(call->invocation, NULL);
}

static gboolean
check_oppo(BusCall *call, GError **error)
{
	static const char *const keys[] = { "asynchronous", NULL };
	static const char *const types[] = { "b" };
	const char *local, *remote;
	guint32 proto, lport, rport;
	g_autoptr(GVariant) options = NULL;
	g_autoptr(GInetAddress) la = NULL, ra = NULL;

	g_variant_get(call->params, "(&s&suuu@a{sv})", &local, &remote, &proto, &lport, &rport,
		      &options);
	if (!bus_check_options(options, "options", keys, types, error))
		return FALSE;
	la = g_inet_address_new_from_string(local);
	if (la == NULL)
		return invalid(error, "local_address: \"%s\" is not an IP address", local);
	ra = g_inet_address_new_from_string(remote);
	if (ra == NULL)
		return invalid(error, "remote_address: \"%s\" is not an IP address", remote);
	if (g_inet_address_get_family(la) != g_inet_address_get_family(ra))
		return invalid(error, "remote_address: \"%s\" is not of the family of \"%s\"", remote,
			       local);
	if (proto > 255)
		return invalid(error, "protocol: %u is not an IP protocol number", proto);
	if (lport > 65535 || rport > 65535)
		return invalid(error, "%s: %u is above 65535", lport > 65535 ? "local_port" : "remote_port",
			       lport > 65535 ? lport : rport);
	if (proto == 0 && (lport != 0 || rport != 0))
		return invalid(error, "protocol: ports need a protocol");
	return TRUE;
}

static void
act_oppo(BusCall *call)
{
	return_not_running_or(call, "opportunistic initiation");
}

const BusHandler bus_manager_status_handlers[] = {
	{ "AddPublicKey", check_add_pubkey, act_add_pubkey },
	{ "List", check_list, act_list },
	{ "CheckPublicKeys", check_check_pubkeys, act_check_pubkeys },
	{ "GetStatus", check_status, act_status },
	{ "GetGlobalStatistics", NULL, act_global_stats },
	{ "ClearStatistics", NULL, act_clear_stats },
	{ "DeleteState", NULL, act_delete_state },
	{ "DeleteUser", check_delete_user, act_delete_user },
	{ "Crash", check_crash, act_crash },
	{ "InitiateOpportunistic", check_oppo, act_oppo },
};
const gsize bus_manager_n_status_handlers = G_N_ELEMENTS(bus_manager_status_handlers);
