/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules between options (which form needs what, which options go with
 * which form) and the translation of a request into D-Bus calls.
 */
#include "config.h"

#include "request.h"

#include "config/connection.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#define BIT(a) (G_GUINT64_CONSTANT(1) << (a))

G_STATIC_ASSERT(CTL_ACT_N <= 64);

static gboolean fail(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
fail(GError **error, const char *format, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, msg);
	return FALSE;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int
compare_entries(gconstpointer a, gconstpointer b)
{
	const char *ka, *kb;

	g_variant_get_child(*(GVariant *const *) a, 0, "&s", &ka);
	g_variant_get_child(*(GVariant *const *) b, 0, "&s", &kb);
	return strcmp(ka, kb);
}

static guint64
action_mask(const CtlRequest *req)
{
	guint64 mask = 0;

	for (int a = 0; a < CTL_ACT_N; a++) {
		if (req->actions[a])
			mask |= BIT(a);
	}
	return mask;
}

/* The dictionary so far, keys sorted: a new floating a{sv}. */
static GVariant *
conn_dict(const CtlRequest *req)
{
	g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array(req->conn, NULL);
	GVariantBuilder b;
	guint n = g_hash_table_size(req->conn);

	qsort(keys, n, sizeof(char *), compare_strings);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < n; i++)
		g_variant_builder_add(&b, "{sv}", keys[i], g_hash_table_lookup(req->conn, keys[i]));
	return g_variant_builder_end(&b);
}

/* ---- checks ------------------------------------------------------------------ */

/* The opportunistic form may pick the address family with --tunnelipv4/6. */
static gboolean
only_oppo_family(const CtlRequest *req)
{
	return req->oppo_option != NULL && !req->to_seen && g_hash_table_size(req->conn) == 1 &&
	       g_hash_table_contains(req->conn, "tunnel-address-family");
}

static gboolean
check_description(CtlRequest *req, GError **error)
{
	g_autoptr(GVariant) options = NULL;
	g_autoptr(IkebusConnection) conn = NULL;
	g_autoptr(GError) local = NULL;

	if (req->first_conn_option == NULL || only_oppo_family(req))
		return TRUE;
	if (req->name == NULL && !req->to_seen)
		return fail(error, _("--%s: only in a connection description (--name NAME ... --to ...)"),
			    req->first_conn_option);
	if (req->name == NULL)
		return fail(error, _("a connection description needs --name"));
	if (!req->to_seen)
		return fail(error,
			    _("--%s: a connection description needs --to between the left and "
			      "the right end"),
			    req->first_conn_option);
	options = g_variant_ref_sink(conn_dict(req));
	conn = ikebus_connection_new_from_options(req->name, options, &local);
	if (conn == NULL)
		return fail(error, _("connection \"%s\": %s"), req->name, local->message);
	req->actions[CTL_ACT_ADD_CONNECTION] = TRUE;
	req->action_option[CTL_ACT_ADD_CONNECTION] = "to";
	return TRUE;
}

static gboolean
check_opportunistic(CtlRequest *req, GError **error)
{
	int family;

	if (req->oppo_option == NULL)
		return TRUE;
	if (req->oppo_here == NULL || req->oppo_there == NULL)
		return fail(error, _("--%s: the opportunistic form needs --oppohere and --oppothere"),
			    req->oppo_option);
	family = strchr(req->oppo_here, ':') != NULL ? 6 : 4;
	if ((strchr(req->oppo_there, ':') != NULL ? 6 : 4) != family)
		return fail(error, _("--oppothere: \"%s\" is not of the address family of \"%s\""),
			    req->oppo_there, req->oppo_here);
	if (g_hash_table_contains(req->conn, "tunnel-address-family")) {
		GVariant *v = g_hash_table_lookup(req->conn, "tunnel-address-family");
		const char *want = family == 6 ? "ipv6" : "ipv4";

		if (!g_str_equal(g_variant_get_string(v, NULL), want))
			return fail(error, _("--oppohere: \"%s\" is not %s"), req->oppo_here,
				    g_str_equal(want, "ipv6") ? "IPv4" : "IPv6");
	}
	if (req->oppo_proto == 0 && (req->oppo_sport != 0 || req->oppo_dport != 0))
		return fail(error, _("--opposport/--oppodport: ports need --oppoproto"));
	req->actions[CTL_ACT_OPPORTUNISTIC] = TRUE;
	req->action_option[CTL_ACT_OPPORTUNISTIC] = req->oppo_option;
	return TRUE;
}

static const CtlAction needs_name[] = {
	CTL_ACT_INITIATE,     CTL_ACT_DOWN,         CTL_ACT_ROUTE,      CTL_ACT_UNROUTE,
	CTL_ACT_DELETE,       CTL_ACT_REKEY_IKE,    CTL_ACT_REKEY_CHILD, CTL_ACT_DELETE_IKE,
	CTL_ACT_DELETE_CHILD, CTL_ACT_DOWN_IKE,     CTL_ACT_DOWN_CHILD, CTL_ACT_DELETE_USER,
};

#define NEGOTIATING                                                                                \
	(BIT(CTL_ACT_INITIATE) | BIT(CTL_ACT_DOWN) | BIT(CTL_ACT_REKEY_IKE) |                      \
	 BIT(CTL_ACT_REKEY_CHILD) | BIT(CTL_ACT_DELETE_IKE) | BIT(CTL_ACT_DELETE_CHILD) |          \
	 BIT(CTL_ACT_DOWN_IKE) | BIT(CTL_ACT_DOWN_CHILD) | BIT(CTL_ACT_OPPORTUNISTIC))
#define OUTPUT                                                                                     \
	(BIT(CTL_ACT_LIST) | BIT(CTL_ACT_CHECK_PUBKEYS) | BIT(CTL_ACT_STATUS) |                    \
	 BIT(CTL_ACT_GLOBAL_STATS))

/* Options that only make sense with some forms. */
static gboolean
check_companions(const CtlRequest *req, guint64 mask, GError **error)
{
	const struct {
		const char *option;
		gboolean present;
		guint64 with;
		const char *forms;
	} rules[] = {
		{ "remote-host", req->remote_host != NULL, BIT(CTL_ACT_INITIATE), "--initiate" },
		{ "xauthuser", req->xauth_user != NULL, BIT(CTL_ACT_INITIATE), "--initiate" },
		{ "xauthpass", req->xauth_password != NULL, BIT(CTL_ACT_INITIATE), "--initiate" },
		{ "password-fd", req->password_fd >= 0, BIT(CTL_ACT_INITIATE), "--initiate" },
		{ "asynchronous", req->asynchronous, NEGOTIATING,
		  _("--initiate, --down, --rekey-*, --delete-*, --down-* or the opportunistic form") },
		{ "leave-state", req->leave_state, BIT(CTL_ACT_SHUTDOWN), "--shutdown" },
		{ req->key_option, req->key_option != NULL, BIT(CTL_ACT_ADD_KEY), "--keyid" },
		{ "json", req->json, OUTPUT, _("a status or list form") },
		{ "utc", req->utc, OUTPUT, _("a status or list form") },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
		if (rules[i].present && (mask & rules[i].with) == 0)
			return fail(error, _("--%s: only with %s"), rules[i].option, rules[i].forms);
	}
	return TRUE;
}

gboolean
ctl_request_check(CtlRequest *req, GError **error)
{
	guint64 mask;

	if (!check_description(req, error) || !check_opportunistic(req, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(needs_name); i++) {
		if (req->actions[needs_name[i]] && req->name == NULL)
			return fail(error, _("--%s needs --name"), req->action_option[needs_name[i]]);
	}
	if (req->actions[CTL_ACT_ADD_CONNECTION] && req->actions[CTL_ACT_DELETE_USER])
		return fail(error, _("--deleteuser: --name is a user here, not a connection"));
	if (req->delete_user_crash && !req->actions[CTL_ACT_DELETE_USER])
		return fail(error, _("--crash needs an ADDRESS (or --deleteuser)"));
	if (req->actions[CTL_ACT_CRASH] && req->actions[CTL_ACT_DELETE_USER])
		return fail(error, _("--deleteuser: --crash takes no ADDRESS here"));
	mask = action_mask(req);
	if (!check_companions(req, mask, error))
		return FALSE;
	if (mask == 0 && !req->version)
		return fail(error, _("no action given; try --help"));
	return TRUE;
}

/* ---- calls ---------------------------------------------------------------------- */

void
ctl_call_free(CtlCall *call)
{
	if (call == NULL)
		return;
	g_free(call->path);
	g_clear_pointer(&call->args, g_variant_unref);
	g_free(call->title);
	g_free(call);
}

char *
ctl_connection_path(const char *name)
{
	g_autofree char *escaped = g_dbus_escape_object_path(name);

	return g_strconcat(CTL_MANAGER_PATH "/connection/", escaped, NULL);
}

GVariant *
ctl_request_to_options(const CtlRequest *req)
{
	if (!req->actions[CTL_ACT_ADD_CONNECTION])
		return NULL;
	return conn_dict(req);
}

static CtlCall *
call_new(const char *path, const char *iface, const char *method, GVariant *args, CtlReply reply)
{
	CtlCall *call = g_new0(CtlCall, 1);

	call->path = g_strdup(path);
	call->interface = iface;
	call->method = method;
	call->args = g_variant_ref_sink(args != NULL ? args : g_variant_new("()"));
	call->reply = reply;
	call->autostart = TRUE;
	return call;
}

static void
add_manager(GPtrArray *calls, const char *method, GVariant *args, CtlReply reply)
{
	g_ptr_array_add(calls, call_new(CTL_MANAGER_PATH, CTL_MANAGER_IFACE, method, args, reply));
}

static void
add_conn(GPtrArray *calls, const CtlRequest *req, const char *method, GVariant *args,
	 CtlReply reply)
{
	g_autofree char *path = ctl_connection_path(req->name);

	g_ptr_array_add(calls, call_new(path, CTL_CONNECTION_IFACE, method, args, reply));
}

/* g_variant_dict_end() with the keys sorted, so that calls print the same every time. */
static GVariant *
dict_end_sorted(GVariantDict *d)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_dict_end(d));
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
	GVariantIter iter;
	GVariant *entry;

	g_variant_iter_init(&iter, v);
	while ((entry = g_variant_iter_next_value(&iter)) != NULL)
		g_ptr_array_add(entries, entry);
	g_ptr_array_sort(entries, compare_entries);
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), (GVariant *const *) entries->pdata,
				   entries->len);
}

static GVariant *
empty_dict(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

/* {"asynchronous": true} or {} */
static GVariant *
async_options(const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->asynchronous)
		g_variant_dict_insert(&d, "asynchronous", "b", TRUE);
	return dict_end_sorted(&d);
}

static GVariant *
strv_of(GPtrArray *list)
{
	return g_variant_new_strv((const char *const *) list->pdata, (gssize) list->len);
}

static void
add_property(GPtrArray *calls, const char *property)
{
	CtlCall *call = call_new(CTL_MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
				 g_variant_new("(ss)", CTL_MANAGER_IFACE, property),
				 CTL_REPLY_PROPERTY);

	call->title = g_strdup(property);
	g_ptr_array_add(calls, call);
}

static void
add_changes(GPtrArray *calls, const CtlRequest *req, const char *method, GPtrArray *changes)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	/* whack's --name with --debug: that connection only */
	if (req->name != NULL && !req->actions[CTL_ACT_ADD_CONNECTION] &&
	    !req->actions[CTL_ACT_DELETE_USER])
		g_variant_dict_insert(&d, "connection", "s", req->name);
	add_manager(calls, method, g_variant_new("(@as@a{sv})", strv_of(changes), dict_end_sorted(&d)),
		    CTL_REPLY_NONE);
}

static void
add_initiate(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->remote_host != NULL)
		g_variant_dict_insert(&d, "remote-host", "s", req->remote_host);
	if (req->xauth_user != NULL)
		g_variant_dict_insert(&d, "xauth-user", "s", req->xauth_user);
	if (req->xauth_password != NULL)
		g_variant_dict_insert(&d, "xauth-password", "s", req->xauth_password);
	if (req->asynchronous)
		g_variant_dict_insert(&d, "asynchronous", "b", TRUE);
	add_conn(calls, req, "Initiate", g_variant_new("(@a{sv})", dict_end_sorted(&d)),
		 CTL_REPLY_STATUS);
}

static void
add_global_redirect(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->global_redirect != NULL)
		g_variant_dict_insert(&d, "mode", "s", req->global_redirect);
	if (req->global_redirect_to != NULL)
		g_variant_dict_insert_value(&d, "to",
					    g_variant_new_strv((const char *const *) req->global_redirect_to, -1));
	add_manager(calls, "SetGlobalRedirect", g_variant_new("(@a{sv})", dict_end_sorted(&d)),
		    CTL_REPLY_NONE);
}

static void
add_socket(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->socket_bufsize_set)
		g_variant_dict_insert(&d, "bufsize", "u", req->socket_bufsize);
	if (req->socket_errqueue_toggle)
		g_variant_dict_insert(&d, "errqueue-toggle", "b", TRUE);
	add_manager(calls, "SetIkeSocketOptions", g_variant_new("(@a{sv})", dict_end_sorted(&d)),
		    CTL_REPLY_NONE);
}

static GVariant *
output_options(const CtlRequest *req, gboolean with_connection)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (with_connection && req->name != NULL && !req->actions[CTL_ACT_ADD_CONNECTION] &&
	    !req->actions[CTL_ACT_DELETE_USER])
		g_variant_dict_insert(&d, "connection", "s", req->name);
	if (req->utc)
		g_variant_dict_insert(&d, "utc", "b", TRUE);
	return dict_end_sorted(&d);
}

static void
add_status(GPtrArray *calls, const CtlRequest *req)
{
	for (guint i = 0; i < req->status->len; i++) {
		const char *form = req->status->pdata[i];
		CtlCall *call = call_new(CTL_MANAGER_PATH, CTL_MANAGER_IFACE, "GetStatus",
					 g_variant_new("(s@a{sv})", form, output_options(req, TRUE)),
					 CTL_REPLY_ROWS);

		call->title = g_strdup(form);
		g_ptr_array_add(calls, call);
	}
}

static void
add_titled(GPtrArray *calls, const char *method, GVariant *args, CtlReply reply, const char *title)
{
	CtlCall *call = call_new(CTL_MANAGER_PATH, CTL_MANAGER_IFACE, method, args, reply);

	call->title = g_strdup(title);
	g_ptr_array_add(calls, call);
}

static void
add_add_connection(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict flags;

	g_variant_dict_init(&flags, NULL);
	/* whack's --delete with a description replaces the connection */
	if (req->actions[CTL_ACT_DELETE])
		g_variant_dict_insert(&flags, "replace", "b", TRUE);
	add_manager(calls, "AddConnection",
		    g_variant_new("(s@a{sv}@a{sv})", req->name, ctl_request_to_options(req),
				  dict_end_sorted(&flags)),
		    CTL_REPLY_PATH);
}

/* The Connection methods that negotiate, by action. */
static const char *const negotiation_methods[CTL_ACT_N] = {
	[CTL_ACT_DOWN] = "Down",		[CTL_ACT_REKEY_IKE] = "RekeyIke",
	[CTL_ACT_REKEY_CHILD] = "RekeyChild",	[CTL_ACT_DELETE_IKE] = "DeleteIke",
	[CTL_ACT_DELETE_CHILD] = "DeleteChild", [CTL_ACT_DOWN_IKE] = "DownIke",
	[CTL_ACT_DOWN_CHILD] = "DownChild",
};

static void
add_key(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->addkey)
		g_variant_dict_insert(&d, "add", "b", TRUE);
	/* no --pubkeyrsa: ikebusd looks the key up in DNS */
	add_manager(calls, "AddPublicKey",
		    g_variant_new("(ss@a{sv})", req->keyid, req->pubkey != NULL ? req->pubkey : "",
				  dict_end_sorted(&d)),
		    CTL_REPLY_NONE);
}

/* --deleteuser --name USER [--crash] */
static void
add_delete_user(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;

	g_variant_dict_init(&d, NULL);
	if (req->delete_user_crash)
		g_variant_dict_insert(&d, "crash", "b", TRUE);
	add_manager(calls, "DeleteUser", g_variant_new("(s@a{sv})", req->name, dict_end_sorted(&d)),
		    CTL_REPLY_NONE);
}

static void
add_shutdown(GPtrArray *calls, const CtlRequest *req)
{
	GVariantDict d;
	CtlCall *call;

	g_variant_dict_init(&d, NULL);
	if (req->leave_state)
		g_variant_dict_insert(&d, "leave-state", "b", TRUE);
	call = call_new(CTL_MANAGER_PATH, CTL_MANAGER_IFACE, "Shutdown",
			g_variant_new("(@a{sv})", dict_end_sorted(&d)), CTL_REPLY_NONE);
	call->autostart = FALSE; /* starting ikebusd only to stop it would be silly */
	g_ptr_array_add(calls, call);
}

static void
add_action(GPtrArray *calls, const CtlRequest *req, CtlAction a)
{
	switch (a) {
	case CTL_ACT_DELETE_STATE:
		add_manager(calls, "DeleteState", g_variant_new("(u)", req->delete_state), CTL_REPLY_NONE);
		break;
	case CTL_ACT_CRASH:
		add_manager(calls, "Crash", g_variant_new("(s)", req->crash), CTL_REPLY_NONE);
		break;
	case CTL_ACT_DOWN:
	case CTL_ACT_REKEY_IKE:
	case CTL_ACT_REKEY_CHILD:
	case CTL_ACT_DELETE_IKE:
	case CTL_ACT_DELETE_CHILD:
	case CTL_ACT_DOWN_IKE:
	case CTL_ACT_DOWN_CHILD:
		add_conn(calls, req, negotiation_methods[a], g_variant_new("(@a{sv})", async_options(req)),
			 CTL_REPLY_STATUS);
		break;
	case CTL_ACT_UNROUTE:
		add_conn(calls, req, "Unroute", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_ROUTE:
		add_conn(calls, req, "Route", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_DELETE:
		if (!req->actions[CTL_ACT_ADD_CONNECTION]) /* else AddConnection replaces */
			add_manager(calls, "DeleteConnection", g_variant_new("(s)", req->name),
				    CTL_REPLY_NONE);
		break;
	case CTL_ACT_ADD_CONNECTION:
		add_add_connection(calls, req);
		break;
	case CTL_ACT_ADD_KEY:
		add_key(calls, req);
		break;
	case CTL_ACT_DEBUG:
		add_changes(calls, req, "SetDebug", req->debug);
		break;
	case CTL_ACT_IMPAIR:
		add_changes(calls, req, "SetImpair", req->impair);
		break;
	case CTL_ACT_DEBUG_HELP:
		add_property(calls, "AvailableDebugClasses");
		break;
	case CTL_ACT_IMPAIR_HELP:
		add_property(calls, "AvailableImpairments");
		break;
	case CTL_ACT_IMPAIR_LIST:
		add_property(calls, "Impairments");
		break;
	case CTL_ACT_LISTEN:
		add_manager(calls, "Listen", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_UNLISTEN:
		add_manager(calls, "Unlisten", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_DDOS:
		add_manager(calls, "SetDdosMode", g_variant_new("(s)", req->ddos_mode), CTL_REPLY_NONE);
		break;
	case CTL_ACT_GLOBAL_REDIRECT:
		add_global_redirect(calls, req);
		break;
	case CTL_ACT_SOCKET:
		add_socket(calls, req);
		break;
	case CTL_ACT_REREAD:
		add_manager(calls, "Reread", g_variant_new("(@as)", strv_of(req->reread)), CTL_REPLY_NONE);
		break;
	case CTL_ACT_FETCH_CRLS:
		add_manager(calls, "FetchCrls", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_PURGE_OCSP:
		add_manager(calls, "PurgeOcsp", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_DDNS:
		add_manager(calls, "TriggerDdns", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_LIST:
		add_titled(calls, "List", g_variant_new("(@as@a{sv})", strv_of(req->list), output_options(req, FALSE)),
			   CTL_REPLY_ROWS, "list");
		break;
	case CTL_ACT_CHECK_PUBKEYS:
		add_titled(calls, "CheckPublicKeys", g_variant_new("(@a{sv})", output_options(req, FALSE)),
			   CTL_REPLY_ROWS, "checkpubkeys");
		break;
	case CTL_ACT_INITIATE:
		add_initiate(calls, req);
		break;
	case CTL_ACT_OPPORTUNISTIC:
		add_manager(calls, "InitiateOpportunistic",
			    g_variant_new("(ssuuu@a{sv})", req->oppo_here, req->oppo_there, req->oppo_proto,
					  req->oppo_sport, req->oppo_dport, async_options(req)),
			    CTL_REPLY_STATUS);
		break;
	case CTL_ACT_REDIRECT:
		if (req->name != NULL)
			add_conn(calls, req, "RedirectTo",
				 g_variant_new("(^as@a{sv})", req->redirect_to, empty_dict()), CTL_REPLY_NONE);
		else
			add_manager(calls, "RedirectActivePeers",
				    g_variant_new("(^as@a{sv})", req->redirect_to, empty_dict()), CTL_REPLY_NONE);
		break;
	case CTL_ACT_DELETE_USER:
		add_delete_user(calls, req);
		break;
	case CTL_ACT_STATUS:
		add_status(calls, req);
		break;
	case CTL_ACT_GLOBAL_STATS:
		add_titled(calls, "GetGlobalStatistics", NULL, CTL_REPLY_DICT, "globalstats");
		break;
	case CTL_ACT_CLEAR_STATS:
		add_manager(calls, "ClearStatistics", NULL, CTL_REPLY_NONE);
		break;
	case CTL_ACT_SHUTDOWN:
		add_shutdown(calls, req);
		break;
	case CTL_ACT_N:
		break;
	}
}

GPtrArray *
ctl_request_to_calls(const CtlRequest *req)
{
	GPtrArray *calls = g_ptr_array_new_with_free_func((GDestroyNotify) ctl_call_free);

	for (int a = 0; a < CTL_ACT_N; a++) {
		if (req->actions[a])
			add_action(calls, req, (CtlAction) a);
	}
	return calls;
}

/* @args with every "xauth-password" in a top-level a{sv} replaced. */
static GVariant *
redact(GVariant *args)
{
	GVariantBuilder b;
	GVariantIter iter;
	GVariant *child;

	g_variant_builder_init(&b, g_variant_get_type(args));
	g_variant_iter_init(&iter, args);
	while ((child = g_variant_iter_next_value(&iter)) != NULL) {
		if (g_variant_is_of_type(child, G_VARIANT_TYPE_VARDICT) &&
		    g_variant_lookup(child, "xauth-password", "&s", NULL)) {
			GVariantDict d;

			g_variant_dict_init(&d, child);
			g_variant_dict_insert(&d, "xauth-password", "s", "<secret>");
			g_variant_builder_add_value(&b, dict_end_sorted(&d));
		} else {
			g_variant_builder_add_value(&b, child);
		}
		g_variant_unref(child);
	}
	return g_variant_ref_sink(g_variant_builder_end(&b));
}

char *
ctl_call_to_string(const CtlCall *call)
{
	g_autoptr(GVariant) shown = redact(call->args);
	g_autofree char *args = g_variant_print(shown, TRUE);

	return g_strdup_printf("%s.%s %s %s", call->interface, call->method, call->path, args);
}
