/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The public key form, the actions on the connection named by --name, and
 * the opportunistic initiate form. A row's id is either the CtlAction it
 * asks for or one of the argument ids below (which start after CTL_ACT_N).
 */
#include "config.h"

#include "options.h"

#include "config/value-check.h"

#include <glib/gi18n.h>
#include <string.h>

typedef enum {
	ARG_KEYID = CTL_ACT_N,
	ARG_ADDKEY,
	ARG_PUBKEYRSA,
} KeyArg;

typedef enum {
	ARG_REMOTE_HOST = CTL_ACT_N,
	ARG_XAUTHUSER,
	ARG_XAUTHPASS,
	ARG_PASSWORD_FD,
	ARG_ASYNCHRONOUS,
	ARG_REDIRECT_TO,
} ActionArg;

typedef enum {
	ARG_OPPOHERE = CTL_ACT_N,
	ARG_OPPOTHERE,
	ARG_OPPOPROTO,
	ARG_OPPOSPORT,
	ARG_OPPODPORT,
} OppoArg;

/* An action row: the method it calls, no value. */
#define ACT(opt, help, action, method) { opt, CTL_ARG_NONE, NULL, help, action, method, NULL, CTL_CONV_NONE, NULL }
/* An argument row: the D-Bus key or argument it fills and its type. */
#define ARG(opt, argname, help, id, key, type) { opt, argname ? CTL_ARG_REQUIRED : CTL_ARG_NONE, argname, help, id, key, type, CTL_CONV_NONE, NULL }

/* One line on the error if @why is set; consumes @why. */
static gboolean
check_or_fail(const CtlOption *opt, char *why, GError **error)
{
	if (why == NULL)
		return TRUE;
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s: %s", opt->name, why);
	g_free(why);
	return FALSE;
}

/* A comma-separated list of peers (addresses or DNS names). */
static gboolean
set_peer_list(GStrv *slot, const CtlOption *opt, const char *value, GError **error)
{
	g_auto(GStrv) items = NULL;

	if (*slot != NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    _("option \"--%s\" given twice"), opt->name);
		return FALSE;
	}
	items = g_strsplit(value, ",", -1);
	for (gsize i = 0; items[i] != NULL; i++) {
		g_strstrip(items[i]);
		if (!check_or_fail(opt, ikebus_check_peer(items[i]), error))
			return FALSE;
	}
	if (items[0] == NULL)
		return check_or_fail(opt, g_strdup(_("names no destination")), error);
	*slot = g_steal_pointer(&items);
	return TRUE;
}

/* ---- key ------------------------------------------------------------------ */

static const CtlOption key_options[] = {
	ARG("keyid", N_("ID"), N_("The peer identity the public key is for (AddPublicKey)"),
	    ARG_KEYID, "keyid", "s"),
	ARG("addkey", NULL, N_("Add the key to the identity's keys instead of replacing them"),
	    ARG_ADDKEY, "add", "b"),
	ARG("pubkeyrsa", N_("KEY"), N_("The RSA public key, 0s + base64 (RFC 3110)"),
	    ARG_PUBKEYRSA, "pubkey_rsa", "s"),
};

static gboolean
key_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((KeyArg) opt->id) {
	case ARG_KEYID:
		if (!check_or_fail(opt, ikebus_check_id(value), error) ||
		    !ctl_set_once(&req->keyid, opt, value, error))
			return FALSE;
		return ctl_request_add_action(req, CTL_ACT_ADD_KEY, opt, error);
	case ARG_ADDKEY:
		req->addkey = TRUE;
		req->key_option = opt->name;
		return TRUE;
	case ARG_PUBKEYRSA:
		if (!g_str_has_prefix(value, "0s") || strlen(value) < 3)
			return check_or_fail(opt, g_strdup(_("the key must be 0s followed by base64")),
					     error);
		req->key_option = opt->name;
		return ctl_set_once(&req->pubkey, opt, value, error);
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_key = {
	N_("Public keys"), key_options, G_N_ELEMENTS(key_options), key_apply, FALSE,
};

/* ---- actions on a connection ------------------------------------------------ */

static const CtlOption action_options[] = {
	ACT("initiate", N_("Bring the connection up (Connection.Initiate)"), CTL_ACT_INITIATE,
	    "Initiate"),
	ACT("down", N_("Take the connection down (Connection.Down)"), CTL_ACT_DOWN, "Down"),
	ACT("route", N_("Install the on-demand policy (Connection.Route)"), CTL_ACT_ROUTE,
	    "Route"),
	ACT("unroute", N_("Remove the on-demand policy (Connection.Unroute)"), CTL_ACT_UNROUTE,
	    "Unroute"),
	ACT("delete", N_("Delete the connection (Manager.DeleteConnection)"), CTL_ACT_DELETE,
	    "DeleteConnection"),
	ACT("rekey-ike", N_("Rekey the IKE SA"), CTL_ACT_REKEY_IKE, "RekeyIke"),
	ACT("rekey-child", N_("Rekey the Child SA"), CTL_ACT_REKEY_CHILD, "RekeyChild"),
	ACT("delete-ike", N_("Delete the IKE SA (the connection revives)"), CTL_ACT_DELETE_IKE,
	    "DeleteIke"),
	ACT("delete-child", N_("Delete the Child SA (the connection revives)"),
	    CTL_ACT_DELETE_CHILD, "DeleteChild"),
	ACT("down-ike", N_("Clear the up policy and delete the IKE SA"), CTL_ACT_DOWN_IKE,
	    "DownIke"),
	ACT("down-child", N_("Clear the up policy and delete the Child SA"), CTL_ACT_DOWN_CHILD,
	    "DownChild"),
	ARG("redirect-to", N_("ADDRESS,..."),
	    N_("Redirect the peers of --name, or of every connection, to these gateways"),
	    ARG_REDIRECT_TO, "destinations", "as"),
	ARG("remote-host", N_("ADDRESS"), N_("With --initiate: the peer of a %any connection"),
	    ARG_REMOTE_HOST, "remote-host", "s"),
	ARG("xauthuser", N_("USER"), N_("With --initiate: the XAUTH user name"), ARG_XAUTHUSER,
	    "xauth-user", "s"),
	ARG("xauthpass", N_("PASSWORD"),
	    N_("With --initiate: the XAUTH password (visible to other users in ps: prefer the "
	       "prompt)"),
	    ARG_XAUTHPASS, "xauth-password", "s"),
	ARG("password-fd", N_("FD"),
	    N_("With --initiate: read the credentials ikebusd asks for from file descriptor FD, "
	       "one line each, instead of prompting on the terminal"),
	    ARG_PASSWORD_FD, NULL, NULL),
	ARG("asynchronous", NULL, N_("Return at once instead of printing progress"),
	    ARG_ASYNCHRONOUS, "asynchronous", "b"),
};

static gboolean
action_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	if (opt->id < CTL_ACT_N)
		return ctl_request_add_action(req, (CtlAction) opt->id, opt, error);
	switch ((ActionArg) opt->id) {
	case ARG_REDIRECT_TO:
		if (!set_peer_list(&req->redirect_to, opt, value, error))
			return FALSE;
		return ctl_request_add_action(req, CTL_ACT_REDIRECT, opt, error);
	case ARG_REMOTE_HOST:
		return check_or_fail(opt, ikebus_check_peer(value), error) &&
		       ctl_set_once(&req->remote_host, opt, value, error);
	case ARG_XAUTHUSER:
		return check_or_fail(opt, ikebus_check_text(value), error) &&
		       ctl_set_once(&req->xauth_user, opt, value, error);
	case ARG_XAUTHPASS:
		return ctl_set_once(&req->xauth_password, opt, value, error);
	case ARG_PASSWORD_FD: {
		guint32 fd;

		if (req->password_fd >= 0) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("option \"--%s\" given twice"), opt->name);
			return FALSE;
		}
		if (!ctl_parse_u32(opt, value, G_MAXINT, &fd, error))
			return FALSE;
		req->password_fd = (int) fd;
		return TRUE;
	}
	case ARG_ASYNCHRONOUS:
		req->asynchronous = TRUE;
		return TRUE;
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_action = {
	N_("Actions on the connection named by --name"), action_options,
	G_N_ELEMENTS(action_options), action_apply, FALSE,
};

/* ---- opportunistic -------------------------------------------------------- */

static const CtlOption oppo_options[] = {
	ARG("oppohere", N_("ADDRESS"), N_("Opportunistic initiate: the local address"),
	    ARG_OPPOHERE, "local_address", "s"),
	ARG("oppothere", N_("ADDRESS"), N_("Opportunistic initiate: the remote address"),
	    ARG_OPPOTHERE, "remote_address", "s"),
	ARG("oppoproto", N_("PROTOCOL"), N_("Opportunistic initiate: IP protocol number"),
	    ARG_OPPOPROTO, "protocol", "u"),
	ARG("opposport", N_("PORT"), N_("Opportunistic initiate: local port"), ARG_OPPOSPORT,
	    "local_port", "u"),
	ARG("oppodport", N_("PORT"), N_("Opportunistic initiate: remote port"), ARG_OPPODPORT,
	    "remote_port", "u"),
};

static gboolean
oppo_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	req->oppo_option = opt->name;
	switch ((OppoArg) opt->id) {
	case ARG_OPPOHERE:
		return check_or_fail(opt, ikebus_check_ip(value), error) &&
		       ctl_set_once(&req->oppo_here, opt, value, error);
	case ARG_OPPOTHERE:
		return check_or_fail(opt, ikebus_check_ip(value), error) &&
		       ctl_set_once(&req->oppo_there, opt, value, error);
	case ARG_OPPOPROTO:
		return ctl_parse_u32(opt, value, 255, &req->oppo_proto, error);
	case ARG_OPPOSPORT:
		return ctl_parse_u32(opt, value, 65535, &req->oppo_sport, error);
	case ARG_OPPODPORT:
		return ctl_parse_u32(opt, value, 65535, &req->oppo_dport, error);
	}
	g_return_val_if_reached(FALSE);
}

const CtlFamily ctl_family_opportunistic = {
	N_("Opportunistic initiate"), oppo_options, G_N_ELEMENTS(oppo_options), oppo_apply, FALSE,
};
