/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parser core: finds each word's row in the family tables and hands it
 * to the family. It knows no option by name.
 */
#include "config.h"

#include "options.h"

#include "config/connection-keys.h"

#include <glib/gi18n.h>
#include <string.h>

static const CtlFamily *const all_families[] = {
	&ctl_family_global,  &ctl_family_connection, &ctl_family_end,
	&ctl_family_policy,  &ctl_family_key,        &ctl_family_action,
	&ctl_family_opportunistic, &ctl_family_admin, &ctl_family_list,
	&ctl_family_status,  &ctl_family_daemon,
};

const CtlFamily *const *
ctl_families(gsize *n)
{
	*n = G_N_ELEMENTS(all_families);
	return all_families;
}

const CtlOption *
ctl_option_lookup(const char *name, const CtlFamily **family_out)
{
	for (gsize f = 0; f < G_N_ELEMENTS(all_families); f++) {
		const CtlFamily *family = all_families[f];

		for (gsize i = 0; i < family->n_options; i++) {
			if (g_str_equal(family->options[i].name, name)) {
				if (family_out != NULL)
					*family_out = family;
				return &family->options[i];
			}
		}
	}
	return NULL;
}

/* ---- helpers shared by the families ------------------------------------ */

gboolean
ctl_request_add_action(CtlRequest *req, CtlAction action, const CtlOption *opt, GError **error)
{
	if (req->actions[action]) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    _("option \"--%s\" given twice"), opt->name);
		return FALSE;
	}
	req->actions[action] = TRUE;
	req->action_option[action] = opt->name;
	return TRUE;
}

gboolean
ctl_set_once(char **slot, const CtlOption *opt, const char *value, GError **error)
{
	if (*slot != NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    _("option \"--%s\" given twice"), opt->name);
		return FALSE;
	}
	*slot = g_strdup(value);
	return TRUE;
}

gboolean
ctl_parse_u32(const CtlOption *opt, const char *text, guint32 max, guint32 *out, GError **error)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("--%s: \"%s\" is not a number from 0 to %u"), opt->name, text, max);
		return FALSE;
	}
	*out = (guint32) v;
	return TRUE;
}

gboolean
ctl_conn_apply_value(CtlRequest *req, const CtlOption *opt, const char *text, gboolean end_scope,
		     GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *why = NULL;
	g_autoptr(GVariant) value = NULL;
	const IkebusKeySpec *spec;
	const char *previous;

	key = end_scope ? g_strconcat(req->to_seen ? "right-" : "left-", opt->key, NULL)
			: g_strdup(opt->key);
	spec = ikebus_connection_key_lookup(key, NULL);
	g_assert(spec != NULL); /* the tables are tested against each other */
	switch (opt->conv) {
	case CTL_CONV_TRUE:
		text = "yes";
		break;
	case CTL_CONV_FALSE:
		text = "no";
		break;
	case CTL_CONV_CONST:
		text = opt->constant;
		break;
	case CTL_CONV_VALUE:
	case CTL_CONV_NONE:
		break;
	}
	value = ikebus_key_parse_text(spec, text, &why);
	if (value == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s: %s", opt->name,
			    why);
		return FALSE;
	}
	previous = g_hash_table_lookup(req->set_by, key);
	if (previous != NULL) {
		if (g_str_equal(previous, opt->name))
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    end_scope ? _("option \"--%s\" given twice for the %s end")
					      : _("option \"--%s\" given twice"),
				    opt->name, req->to_seen ? _("right") : _("left"));
		else
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("option \"--%s\" conflicts with \"--%s\" (both set %s)"),
				    opt->name, previous, key);
		return FALSE;
	}
	g_hash_table_insert(req->set_by, g_strdup(key), (gpointer) opt->name);
	g_hash_table_insert(req->conn, g_strdup(key), g_variant_ref(value));
	if (req->first_conn_option == NULL)
		req->first_conn_option = opt->name;
	return TRUE;
}

/* ---- the parser --------------------------------------------------------- */

static void
request_init(CtlRequest *req)
{
	memset(req, 0, sizeof(*req));
	req->bus_type = G_BUS_TYPE_SYSTEM;
	req->password_fd = -1;
	req->conn = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify) g_variant_unref);
	req->set_by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	req->debug = g_ptr_array_new_with_free_func(g_free);
	req->impair = g_ptr_array_new_with_free_func(g_free);
	req->reread = g_ptr_array_new_with_free_func(g_free);
	req->list = g_ptr_array_new_with_free_func(g_free);
	req->status = g_ptr_array_new_with_free_func(g_free);
}

void
ctl_request_clear(CtlRequest *req)
{
	g_clear_pointer(&req->label, g_free);
	g_clear_pointer(&req->rundir, g_free);
	g_clear_pointer(&req->ctlsocket, g_free);
	g_clear_pointer(&req->name, g_free);
	g_clear_pointer(&req->conn, g_hash_table_unref);
	g_clear_pointer(&req->set_by, g_hash_table_unref);
	g_clear_pointer(&req->keyid, g_free);
	g_clear_pointer(&req->pubkey, g_free);
	g_clear_pointer(&req->remote_host, g_free);
	g_clear_pointer(&req->xauth_user, g_free);
	if (req->xauth_password != NULL) /* a secret: do not leave it in freed memory */
		memset(req->xauth_password, 0, strlen(req->xauth_password));
	g_clear_pointer(&req->xauth_password, g_free);
	g_clear_pointer(&req->redirect_to, g_strfreev);
	g_clear_pointer(&req->oppo_here, g_free);
	g_clear_pointer(&req->oppo_there, g_free);
	g_clear_pointer(&req->crash, g_free);
	g_clear_pointer(&req->global_redirect, g_free);
	g_clear_pointer(&req->global_redirect_to, g_strfreev);
	g_clear_pointer(&req->debug, g_ptr_array_unref);
	g_clear_pointer(&req->impair, g_ptr_array_unref);
	g_clear_pointer(&req->reread, g_ptr_array_unref);
	g_clear_pointer(&req->list, g_ptr_array_unref);
	g_clear_pointer(&req->status, g_ptr_array_unref);
}

/* The value of option @opt at argv[*i], consuming the next word if needed. */
static gboolean
take_value(const CtlOption *opt, const char *eq, int argc, char **argv, int *i,
	   const char **value, GError **error)
{
	*value = NULL;
	switch (opt->arg) {
	case CTL_ARG_NONE:
		if (eq != NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    _("option \"--%s\" takes no value"), opt->name);
			return FALSE;
		}
		return TRUE;
	case CTL_ARG_REQUIRED:
		if (eq != NULL) {
			*value = eq + 1;
		} else if (*i + 1 < argc) {
			*value = argv[++*i];
		} else {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    _("option \"--%s\" needs a value"), opt->name);
			return FALSE;
		}
		return TRUE;
	case CTL_ARG_OPTIONAL:
		if (eq != NULL)
			*value = eq + 1;
		else if (*i + 1 < argc && !g_str_has_prefix(argv[*i + 1], "--"))
			*value = argv[++*i];
		return TRUE;
	}
	return FALSE;
}

gboolean
ctl_parse(int argc, char **argv, CtlRequest *req, GError **error)
{
	request_init(req);

	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		const char *eq, *value = NULL;
		g_autofree char *name = NULL;
		const CtlFamily *family = NULL;
		const CtlOption *opt;

		if (!g_str_has_prefix(word, "--") || word[2] == '\0') {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("unexpected argument \"%s\""), word);
			return FALSE;
		}
		eq = strchr(word + 2, '=');
		name = eq != NULL ? g_strndup(word + 2, (gsize) (eq - word - 2)) : g_strdup(word + 2);
		opt = ctl_option_lookup(name, &family);
		if (opt == NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
				    _("unknown option \"--%s\""), name);
			return FALSE;
		}
		if (!take_value(opt, eq, argc, argv, &i, &value, error))
			return FALSE;
		if (opt->conv != CTL_CONV_NONE) {
			if (!ctl_conn_apply_value(req, opt, value, family->end_scope, error))
				return FALSE;
		} else if (!family->apply(req, opt, value, error)) {
			return FALSE;
		}
	}
	if (req->help)
		return TRUE;
	return ctl_request_check(req, error);
}

void
ctl_print_help(FILE *out)
{
	fprintf(out, "%s\n", _("Usage: ikebusctl [OPTION...]"));
	fprintf(out, "%s\n",
		_("Control ikebusd, the IKEv2/IPsec keying daemon, in ipsec whack's syntax."));
	fprintf(out, "%s\n",
		_("In a connection description the end options before --to describe the left "
		  "end, those after it the right end. [KEY] is the D-Bus dictionary key set."));
	for (gsize f = 0; f < G_N_ELEMENTS(all_families); f++) {
		const CtlFamily *family = all_families[f];

		fprintf(out, "\n%s:\n", _(family->title));
		for (gsize i = 0; i < family->n_options; i++) {
			const CtlOption *opt = &family->options[i];
			g_autofree char *left = NULL;

			if (opt->arg_name != NULL && opt->arg == CTL_ARG_OPTIONAL)
				left = g_strdup_printf("--%s [%s]", opt->name, opt->arg_name);
			else if (opt->arg_name != NULL)
				left = g_strdup_printf("--%s %s", opt->name, opt->arg_name);
			else
				left = g_strdup_printf("--%s", opt->name);
			if (opt->conv != CTL_CONV_NONE)
				fprintf(out, "  %-28s %s [%s%s]\n", left, _(opt->help),
					family->end_scope ? "left-/right-" : "", opt->key);
			else
				fprintf(out, "  %-28s %s\n", left, _(opt->help));
		}
	}
	fprintf(out, "\n%s\n",
		_("Exit status: 1 when ikebusctl detects a problem (a syntax error, an unreachable "
		  "daemon, a refused or failed call); the status ikebusd reports for --initiate "
		  "and the other negotiating forms; otherwise 0."));
}
