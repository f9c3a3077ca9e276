/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusd: options, logging set-up, bus-name ownership and the main loop.
 * Nothing else lives here.
 */
#include "config.h"

#include "selftest.h"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	gboolean show_version = FALSE;
	gboolean selftest = FALSE;
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "version", 0, 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
		{ "selftest", 0, 0, G_OPTION_ARG_NONE, &selftest,
		  "Check every crypto algorithm against this NSS, print the results and exit", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- IKEv2/IPsec keying daemon");

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "ikebusd: %s\n", error->message);
		return 1;
	}
	if (show_version) {
		printf("ikebusd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (selftest)
		return ikebusd_selftest() ? EXIT_SUCCESS : EXIT_FAILURE;

	fprintf(stderr, "ikebusd: the D-Bus service is not built yet; try --selftest\n");
	return 1;
}
