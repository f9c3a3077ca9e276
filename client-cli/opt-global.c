/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The global family: ikebusctl's own settings, valid with every form. */
#include "config.h"

#include "options.h"

#include <glib/gi18n.h>

typedef enum {
	GLOBAL_HELP,
	GLOBAL_VERSION,
	GLOBAL_LABEL,
	GLOBAL_RUNDIR,
	GLOBAL_CTLSOCKET,
	GLOBAL_SYSTEM,
	GLOBAL_SESSION,
	GLOBAL_JSON,
	GLOBAL_UTC,
} GlobalOpt;

static const CtlOption global_options[] = {
	{ "help", CTL_ARG_NONE, NULL, N_("Show this help and exit"), GLOBAL_HELP },
	{ "version", CTL_ARG_NONE, NULL,
	  N_("Show the version of ikebusctl and, if it is reachable, of ikebusd"), GLOBAL_VERSION },
	{ "label", CTL_ARG_REQUIRED, N_("STRING"), N_("Add STRING to every error message"),
	  GLOBAL_LABEL },
	{ "rundir", CTL_ARG_REQUIRED, N_("PATH"),
	  N_("Accepted for whack compatibility; selects nothing: ikebusd is reached over D-Bus"),
	  GLOBAL_RUNDIR },
	{ "ctlsocket", CTL_ARG_REQUIRED, N_("FILE"),
	  N_("Accepted for whack compatibility; selects nothing: ikebusd is reached over D-Bus"),
	  GLOBAL_CTLSOCKET },
	{ "system", CTL_ARG_NONE, NULL, N_("Talk to ikebusd on the system bus (the default)"),
	  GLOBAL_SYSTEM },
	{ "session", CTL_ARG_NONE, NULL, N_("Talk to ikebusd on the session bus (development)"),
	  GLOBAL_SESSION },
	{ "json", CTL_ARG_NONE, NULL, N_("Print status and list forms as JSON"), GLOBAL_JSON },
	{ "utc", CTL_ARG_NONE, NULL, N_("Show times in UTC (list and status forms)"), GLOBAL_UTC },
};

static gboolean
global_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((GlobalOpt) opt->id) {
	case GLOBAL_HELP:
		req->help = TRUE;
		return TRUE;
	case GLOBAL_VERSION:
		req->version = TRUE;
		return TRUE;
	case GLOBAL_LABEL:
		return ctl_set_once(&req->label, opt, value, error);
	case GLOBAL_RUNDIR:
		if (req->ctlsocket != NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("use either --rundir or --ctlsocket, not both"));
			return FALSE;
		}
		return ctl_set_once(&req->rundir, opt, value, error);
	case GLOBAL_CTLSOCKET:
		if (req->rundir != NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("use either --rundir or --ctlsocket, not both"));
			return FALSE;
		}
		return ctl_set_once(&req->ctlsocket, opt, value, error);
	case GLOBAL_SYSTEM:
		req->bus_type = G_BUS_TYPE_SYSTEM;
		return TRUE;
	case GLOBAL_SESSION:
		req->bus_type = G_BUS_TYPE_SESSION;
		return TRUE;
	case GLOBAL_JSON:
		req->json = TRUE;
		return TRUE;
	case GLOBAL_UTC:
		req->utc = TRUE;
		return TRUE;
	}
	return TRUE;
}

const CtlFamily ctl_family_global = {
	N_("Global options"), global_options, G_N_ELEMENTS(global_options), global_apply, FALSE,
};
