/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Daemon-wide requests, the list and status forms, and pluto's own options.
 * Rows that pick one value of a method argument (--ddos-busy, --listcerts,
 * --trafficstatus, ...) carry that value as their constant.
 */
#include "config.h"

#include "options.h"

#include "config/value-check.h"

#include <glib/gi18n.h>
#include <stdarg.h>

typedef enum {
	ADMIN_LISTEN,
	ADMIN_UNLISTEN,
	ADMIN_DDOS,
	ADMIN_GLOBAL_REDIRECT,
	ADMIN_GLOBAL_REDIRECT_TO,
	ADMIN_CRASH,
	ADMIN_DELETESTATE,
	ADMIN_DELETEUSER,
	ADMIN_DEBUG,
	ADMIN_NO_DEBUG,
	ADMIN_IMPAIR,
	ADMIN_NO_IMPAIR,
	ADMIN_BUFSIZE,
	ADMIN_ERRQUEUE,
	ADMIN_REREAD,
	ADMIN_FETCHCRLS,
	ADMIN_PURGEOCSP,
	ADMIN_DDNS,
	ADMIN_CLEARSTATS,
	ADMIN_SHUTDOWN,
	ADMIN_LEAVE_STATE,
} AdminOpt;

#define FLAG(opt, help, id, key, constant) { opt, CTL_ARG_NONE, NULL, help, id, key, NULL, CTL_CONV_NONE, constant }
#define WITH(opt, argname, help, id, key, type) { opt, CTL_ARG_REQUIRED, argname, help, id, key, type, CTL_CONV_NONE, NULL }

static const CtlOption admin_options[] = {
	FLAG("listen", N_("Listen for IKE on the public interfaces"), ADMIN_LISTEN, "Listen", NULL),
	FLAG("unlisten", N_("Stop listening for IKE (the UDP 500/4500 sockets close; SAs and ESP stay)"),
	     ADMIN_UNLISTEN, "Unlisten", NULL),
	FLAG("ddos-auto", N_("Anti-DDoS measures by load"), ADMIN_DDOS, "SetDdosMode", "auto"),
	FLAG("ddos-busy", N_("Anti-DDoS measures on"), ADMIN_DDOS, "SetDdosMode", "busy"),
	FLAG("ddos-unlimited", N_("Anti-DDoS measures off"), ADMIN_DDOS, "SetDdosMode",
	     "unlimited"),
	FLAG("force-busy", N_("Same as --ddos-busy (pluto's option)"), ADMIN_DDOS, "SetDdosMode",
	     "busy"),
	WITH("global-redirect", N_("yes|no|auto"), N_("Redirect new peers during IKE_SA_INIT"),
	     ADMIN_GLOBAL_REDIRECT, "mode", "s"),
	WITH("global-redirect-to", N_("ADDRESS,..."), N_("Where --global-redirect sends peers"),
	     ADMIN_GLOBAL_REDIRECT_TO, "to", "as"),
	{ "crash", CTL_ARG_OPTIONAL, N_("ADDRESS"),
	  N_("Treat the peer at ADDRESS as crashed: delete its SAs without a Delete, then "
	     "restart as after a failed liveness check; with --deleteuser and no ADDRESS, "
	     "delete the user's SAs that way (DeleteUser option \"crash\")"),
	  ADMIN_CRASH, "peer_address", "s", CTL_CONV_NONE, NULL },
	WITH("deletestate", N_("SERIAL"), N_("Delete the IKE or Child SA #SERIAL"),
	     ADMIN_DELETESTATE, "serial", "u"),
	FLAG("deleteuser",
	     N_("Delete the IKE SAs whose authenticated peer ID (IKEv2 has no XAUTH) is --name, "
		"sending a Delete (--crash: without one)"),
	     ADMIN_DELETEUSER, "DeleteUser", NULL),
	WITH("debug", N_("CLASS"), N_("Enable a debug class (none, all, help, CLASS, no-CLASS)"),
	     ADMIN_DEBUG, "changes", "as"),
	WITH("no-debug", N_("CLASS"), N_("Disable a debug class"), ADMIN_NO_DEBUG, "changes",
	     "as"),
	WITH("impair", N_("BEHAVIOUR"),
	     N_("Impair a behaviour for testing (none, help, list, BEHAVIOUR[:HOW])"),
	     ADMIN_IMPAIR, "changes", "as"),
	WITH("no-impair", N_("BEHAVIOUR"), N_("Restore a behaviour"), ADMIN_NO_IMPAIR, "changes",
	     "as"),
	WITH("ike-socket-bufsize", N_("BYTES"), N_("Buffer size of the IKE sockets"),
	     ADMIN_BUFSIZE, "bufsize", "u"),
	FLAG("ike-socket-errqueue-toggle", N_("Toggle reading the IKE sockets' error queue"),
	     ADMIN_ERRQUEUE, "errqueue-toggle", NULL),
	FLAG("rereadsecrets", N_("Reread the secrets files"), ADMIN_REREAD, "Reread", "secrets"),
	FLAG("rereadcrls", N_("Reread the CRLs"), ADMIN_REREAD, "Reread", "crls"),
	FLAG("rereadall", N_("Reread secrets and CRLs"), ADMIN_REREAD, "Reread", "all"),
	FLAG("fetchcrls", N_("Fetch CRLs now"), ADMIN_FETCHCRLS, "FetchCrls", NULL),
	FLAG("purgeocsp", N_("Empty the OCSP cache"), ADMIN_PURGEOCSP, "PurgeOcsp", NULL),
	FLAG("ddns", N_("Resolve DNS names of connections again now"), ADMIN_DDNS, "TriggerDdns",
	     NULL),
	FLAG("clearstats", N_("Reset the global statistics"), ADMIN_CLEARSTATS, "ClearStatistics",
	     NULL),
	FLAG("shutdown", N_("Stop ikebusd (polkit action org.ikebus.ike1.admin)"), ADMIN_SHUTDOWN,
	     "Shutdown", NULL),
	FLAG("leave-state", N_("With --shutdown: leave connections and kernel state in place"),
	     ADMIN_LEAVE_STATE, "leave-state", NULL),
};

static gboolean fail(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
fail(GError **error, const char *format, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
	return FALSE;
}

/* --debug/--no-debug/--impair/--no-impair: entries for SetDebug/SetImpair, or a query. */
static gboolean
add_change(CtlRequest *req, const CtlOption *opt, const char *value, gboolean impair,
	   gboolean negate, GError **error)
{
	g_autofree char *why = ikebus_check_text(value);
	GPtrArray *list = impair ? req->impair : req->debug;

	if (why != NULL)
		return fail(error, "--%s: %s", opt->name, why);
	if (!negate && g_str_equal(value, "help"))
		return ctl_request_add_action(req, impair ? CTL_ACT_IMPAIR_HELP : CTL_ACT_DEBUG_HELP,
					      opt, error);
	if (!negate && impair && (g_str_equal(value, "list") || g_str_equal(value, "show")))
		return ctl_request_add_action(req, CTL_ACT_IMPAIR_LIST, opt, error);
	if (negate && (g_str_equal(value, "none") || g_str_equal(value, "all")))
		return fail(error, _("--%s: \"%s\" cannot be negated"), opt->name, value);
	g_ptr_array_add(list, negate ? g_strconcat("no-", value, NULL) : g_strdup(value));
	req->actions[impair ? CTL_ACT_IMPAIR : CTL_ACT_DEBUG] = TRUE;
	req->action_option[impair ? CTL_ACT_IMPAIR : CTL_ACT_DEBUG] = opt->name;
	return TRUE;
}

/* Actions that several options may ask for together (--rereadsecrets --rereadcrls). */
static gboolean
add_to_list(CtlRequest *req, CtlAction action, GPtrArray *list, const CtlOption *opt)
{
	for (guint i = 0; i < list->len; i++) {
		if (g_str_equal(list->pdata[i], opt->constant))
			return TRUE;
	}
	g_ptr_array_add(list, g_strdup(opt->constant));
	req->actions[action] = TRUE;
	if (req->action_option[action] == NULL)
		req->action_option[action] = opt->name;
	return TRUE;
}

static gboolean
admin_redirect(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	if (opt->id == ADMIN_GLOBAL_REDIRECT) {
		if (!g_str_equal(value, "yes") && !g_str_equal(value, "no") &&
		    !g_str_equal(value, "auto"))
			return fail(error, _("--%s: \"%s\" is not yes, no or auto"), opt->name,
				    value);
		if (!ctl_set_once(&req->global_redirect, opt, value, error))
			return FALSE;
	} else {
		g_auto(GStrv) items = g_strsplit(value, ",", -1);

		if (req->global_redirect_to != NULL)
			return fail(error, _("option \"--%s\" given twice"), opt->name);
		for (gsize i = 0; items[i] != NULL; i++) {
			g_autofree char *why = ikebus_check_peer(g_strstrip(items[i]));

			if (why != NULL)
				return fail(error, "--%s: %s", opt->name, why);
		}
		req->global_redirect_to = g_steal_pointer(&items);
	}
	req->actions[CTL_ACT_GLOBAL_REDIRECT] = TRUE;
	req->action_option[CTL_ACT_GLOBAL_REDIRECT] = opt->name;
	return TRUE;
}

static gboolean
admin_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	g_autofree char *why = NULL;

	switch ((AdminOpt) opt->id) {
	case ADMIN_LISTEN:
		return ctl_request_add_action(req, CTL_ACT_LISTEN, opt, error);
	case ADMIN_UNLISTEN:
		return ctl_request_add_action(req, CTL_ACT_UNLISTEN, opt, error);
	case ADMIN_DDOS:
		if (req->ddos_mode != NULL && !g_str_equal(req->ddos_mode, opt->constant))
			return fail(error, _("option \"--%s\" conflicts with \"--%s\""), opt->name,
				    req->action_option[CTL_ACT_DDOS]);
		req->ddos_mode = opt->constant;
		req->actions[CTL_ACT_DDOS] = TRUE;
		req->action_option[CTL_ACT_DDOS] = opt->name;
		return TRUE;
	case ADMIN_GLOBAL_REDIRECT:
	case ADMIN_GLOBAL_REDIRECT_TO:
		return admin_redirect(req, opt, value, error);
	case ADMIN_CRASH:
		if (value == NULL) { /* --deleteuser --crash: checked with the request */
			if (req->delete_user_crash)
				return fail(error, _("option \"--%s\" given twice"), opt->name);
			req->delete_user_crash = TRUE;
			return TRUE;
		}
		why = ikebus_check_ip(value);
		if (why != NULL)
			return fail(error, "--%s: %s", opt->name, why);
		return ctl_set_once(&req->crash, opt, value, error) &&
		       ctl_request_add_action(req, CTL_ACT_CRASH, opt, error);
	case ADMIN_DELETESTATE:
		return ctl_parse_u32(opt, value, G_MAXUINT32, &req->delete_state, error) &&
		       ctl_request_add_action(req, CTL_ACT_DELETE_STATE, opt, error);
	case ADMIN_DELETEUSER:
		return ctl_request_add_action(req, CTL_ACT_DELETE_USER, opt, error);
	case ADMIN_DEBUG:
	case ADMIN_NO_DEBUG:
		return add_change(req, opt, value, FALSE, opt->id == ADMIN_NO_DEBUG, error);
	case ADMIN_IMPAIR:
	case ADMIN_NO_IMPAIR:
		return add_change(req, opt, value, TRUE, opt->id == ADMIN_NO_IMPAIR, error);
	case ADMIN_BUFSIZE:
		if (req->socket_bufsize_set)
			return fail(error, _("option \"--%s\" given twice"), opt->name);
		req->socket_bufsize_set = TRUE;
		req->actions[CTL_ACT_SOCKET] = TRUE;
		req->action_option[CTL_ACT_SOCKET] = opt->name;
		return ctl_parse_u32(opt, value, G_MAXUINT32, &req->socket_bufsize, error);
	case ADMIN_ERRQUEUE:
		req->socket_errqueue_toggle = TRUE;
		req->actions[CTL_ACT_SOCKET] = TRUE;
		req->action_option[CTL_ACT_SOCKET] = opt->name;
		return TRUE;
	case ADMIN_REREAD:
		return add_to_list(req, CTL_ACT_REREAD, req->reread, opt);
	case ADMIN_FETCHCRLS:
		return ctl_request_add_action(req, CTL_ACT_FETCH_CRLS, opt, error);
	case ADMIN_PURGEOCSP:
		return ctl_request_add_action(req, CTL_ACT_PURGE_OCSP, opt, error);
	case ADMIN_DDNS:
		return ctl_request_add_action(req, CTL_ACT_DDNS, opt, error);
	case ADMIN_CLEARSTATS:
		return ctl_request_add_action(req, CTL_ACT_CLEAR_STATS, opt, error);
	case ADMIN_SHUTDOWN:
		return ctl_request_add_action(req, CTL_ACT_SHUTDOWN, opt, error);
	case ADMIN_LEAVE_STATE:
		req->leave_state = TRUE;
		return TRUE;
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_admin = {
	N_("Daemon-wide requests"), admin_options, G_N_ELEMENTS(admin_options), admin_apply, FALSE,
};

/* ---- list ------------------------------------------------------------------ */

typedef enum {
	LIST_WHAT,
	LIST_CHECKPUBKEYS,
} ListOpt;

static const CtlOption list_options[] = {
	FLAG("listall", N_("List everything below"), LIST_WHAT, "List", "all"),
	FLAG("listpubkeys", N_("List the public keys"), LIST_WHAT, "List", "pubkeys"),
	FLAG("listcerts", N_("List the certificates"), LIST_WHAT, "List", "certs"),
	FLAG("listcacerts", N_("List the CA certificates"), LIST_WHAT, "List", "cacerts"),
	FLAG("listcrls", N_("List the CRLs"), LIST_WHAT, "List", "crls"),
	FLAG("listevents", N_("List the pending events"), LIST_WHAT, "List", "events"),
	FLAG("checkpubkeys", N_("List certificates that expire soon or have expired"),
	     LIST_CHECKPUBKEYS, "CheckPublicKeys", NULL),
};

static gboolean
list_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((ListOpt) opt->id) {
	case LIST_WHAT:
		return add_to_list(req, CTL_ACT_LIST, req->list, opt);
	case LIST_CHECKPUBKEYS:
		return ctl_request_add_action(req, CTL_ACT_CHECK_PUBKEYS, opt, error);
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_list = {
	N_("Lists"), list_options, G_N_ELEMENTS(list_options), list_apply, FALSE,
};

/* ---- status ---------------------------------------------------------------- */

typedef enum {
	STATUS_FORM,
	STATUS_GLOBALSTATS,
} StatusOpt;

static const CtlOption status_options[] = {
	FLAG("status", N_("Connections, SAs, shunts and counters"), STATUS_FORM, "GetStatus",
	     "status"),
	FLAG("briefstatus", N_("Counts and one line per connection"), STATUS_FORM, "GetStatus",
	     "briefstatus"),
	FLAG("connectionstatus", N_("The connections"), STATUS_FORM, "GetStatus",
	     "connectionstatus"),
	FLAG("showstates", N_("The IKE and Child SAs"), STATUS_FORM, "GetStatus", "showstates"),
	FLAG("trafficstatus", N_("Bytes in and out per Child SA"), STATUS_FORM, "GetStatus",
	     "trafficstatus"),
	FLAG("globalstatus", N_("Daemon-wide counters"), STATUS_FORM, "GetStatus", "globalstatus"),
	FLAG("shuntstatus", N_("Bare shunts"), STATUS_FORM, "GetStatus", "shuntstatus"),
	FLAG("fipsstatus", N_("Whether NSS runs in FIPS mode"), STATUS_FORM, "GetStatus",
	     "fipsstatus"),
	FLAG("processstatus", N_("Process resources"), STATUS_FORM, "GetStatus", "processstatus"),
	FLAG("addresspoolstatus", N_("Address pools"), STATUS_FORM, "GetStatus",
	     "addresspoolstatus"),
	FLAG("globalstats", N_("Global statistics counters"), STATUS_GLOBALSTATS,
	     "GetGlobalStatistics", NULL),
};

static gboolean
status_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((StatusOpt) opt->id) {
	case STATUS_FORM:
		return add_to_list(req, CTL_ACT_STATUS, req->status, opt);
	case STATUS_GLOBALSTATS:
		return ctl_request_add_action(req, CTL_ACT_GLOBAL_STATS, opt, error);
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_status = {
	N_("Status"), status_options, G_N_ELEMENTS(status_options), status_apply, FALSE,
};

/* ---- pluto's own options ------------------------------------------------------ */

static const CtlOption daemon_options[] = {
	FLAG("nofork", N_("ikebusd option (never forks); refused here"), 0, NULL, NULL),
	FLAG("stderrlog", N_("ikebusd option; refused here"), 0, NULL, NULL),
	FLAG("uniqueids", N_("ikebusd option; refused here"), 0, NULL, NULL),
	WITH("interface", N_("NAME"), N_("ikebusd option; refused here"), 0, NULL, NULL),
	WITH("secretsfile", N_("FILE"), N_("ikebusd option; refused here"), 0, NULL, NULL),
};

static gboolean
daemon_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		    _("--%s is an option of ikebusd itself, set when it starts; it cannot be "
		      "changed over D-Bus"),
		    opt->name);
	return FALSE;
}

const CtlFamily ctl_family_daemon = {
	N_("ikebusd's own options (pluto's; recognised and refused)"), daemon_options,
	G_N_ELEMENTS(daemon_options), daemon_apply, FALSE,
};
