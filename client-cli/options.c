/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "options.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- global family --------------------------------------------------- */

typedef enum {
	GLOBAL_HELP,
	GLOBAL_VERSION,
	GLOBAL_SHUTDOWN,
	GLOBAL_SYSTEM,
	GLOBAL_SESSION,
} GlobalOpt;

static const CtlOption global_options[] = {
	{ "help", CTL_ARG_NONE, NULL, N_("Show this help and exit"), GLOBAL_HELP },
	{ "version", CTL_ARG_NONE, NULL,
	  N_("Show the version of ikebusctl and, if it is reachable, of ikebusd"), GLOBAL_VERSION },
	{ "shutdown", CTL_ARG_NONE, NULL, N_("Stop ikebusd (polkit action org.ikebus.ike1.admin)"),
	  GLOBAL_SHUTDOWN },
	{ "system", CTL_ARG_NONE, NULL, N_("Talk to ikebusd on the system bus (the default)"),
	  GLOBAL_SYSTEM },
	{ "session", CTL_ARG_NONE, NULL, N_("Talk to ikebusd on the session bus (development)"),
	  GLOBAL_SESSION },
};

static gboolean
global_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((GlobalOpt) opt->id) {
	case GLOBAL_HELP:
		req->help = TRUE;
		break;
	case GLOBAL_VERSION:
		req->version = TRUE;
		break;
	case GLOBAL_SHUTDOWN:
		req->shutdown = TRUE;
		break;
	case GLOBAL_SYSTEM:
		req->bus_type = G_BUS_TYPE_SYSTEM;
		break;
	case GLOBAL_SESSION:
		req->bus_type = G_BUS_TYPE_SESSION;
		break;
	}
	return TRUE;
}

/* ---- the families, searched in order --------------------------------- */

static const CtlFamily ctl_families[] = {
	{ N_("Global options"), global_options, G_N_ELEMENTS(global_options), global_apply },
};

static const CtlOption *
lookup(const char *name, gsize name_len, const CtlFamily **family_out)
{
	for (gsize f = 0; f < G_N_ELEMENTS(ctl_families); f++) {
		const CtlFamily *family = &ctl_families[f];

		for (gsize i = 0; i < family->n_options; i++) {
			const CtlOption *opt = &family->options[i];

			if (strlen(opt->name) == name_len && memcmp(opt->name, name, name_len) == 0) {
				*family_out = family;
				return opt;
			}
		}
	}
	return NULL;
}

gboolean
ctl_parse(int argc, char **argv, CtlRequest *req, GError **error)
{
	memset(req, 0, sizeof(*req));
	req->bus_type = G_BUS_TYPE_SYSTEM;

	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		const char *name, *eq, *value = NULL;
		const CtlFamily *family = NULL;
		const CtlOption *opt;
		gsize name_len;

		if (!g_str_has_prefix(word, "--") || word[2] == '\0') {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("unexpected argument \"%s\""), word);
			return FALSE;
		}
		name = word + 2;
		eq = strchr(name, '=');
		name_len = eq != NULL ? (gsize) (eq - name) : strlen(name);
		opt = lookup(name, name_len, &family);
		if (opt == NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
				    _("unknown option \"--%.*s\""), (int) name_len, name);
			return FALSE;
		}
		switch (opt->arg) {
		case CTL_ARG_NONE:
			if (eq != NULL) {
				g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					    _("option \"--%s\" takes no value"), opt->name);
				return FALSE;
			}
			break;
		case CTL_ARG_REQUIRED:
			if (eq != NULL) {
				value = eq + 1;
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					    _("option \"--%s\" needs a value"), opt->name);
				return FALSE;
			}
			break;
		}
		if (!family->apply(req, opt, value, error))
			return FALSE;
	}
	return TRUE;
}

void
ctl_print_help(FILE *out)
{
	fprintf(out, "%s\n", _("Usage: ikebusctl [OPTION...]"));
	fprintf(out, "%s\n", _("Control ikebusd, the IKEv2/IPsec keying daemon, in ipsec whack's syntax."));
	for (gsize f = 0; f < G_N_ELEMENTS(ctl_families); f++) {
		const CtlFamily *family = &ctl_families[f];

		fprintf(out, "\n%s:\n", _(family->title));
		for (gsize i = 0; i < family->n_options; i++) {
			const CtlOption *opt = &family->options[i];
			g_autofree char *left = NULL;

			if (opt->arg_name != NULL)
				left = g_strdup_printf("--%s %s", opt->name, opt->arg_name);
			else
				left = g_strdup_printf("--%s", opt->name);
			fprintf(out, "  %-22s %s\n", left, _(opt->help));
		}
	}
	fprintf(out, "\n%s\n", _("Exit status: 0 on success, 1 on a syntax error or when the request failed."));
}
