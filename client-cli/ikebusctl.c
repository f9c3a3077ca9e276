/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl: ipsec whack's command line, spoken to ikebusd over D-Bus.
 *
 * Exit status (whack's EXIT STATUS): 1 when ikebusctl detects a problem,
 * which covers syntax errors, an unreachable daemon and refused or failed
 * calls; 0 otherwise.
 */
#include "config.h"

#include "errors.h"
#include "ikebus-dbus-generated.h"
#include "options.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define IKEBUS_BUS_NAME "org.ikebus.ike1"
#define IKEBUS_MANAGER_PATH "/org/ikebus/ike1"
#define EXIT_PROBLEM 1 /* whack: "If whack detects a problem, it will return 1" */

static const char *
bus_label(GBusType bus_type)
{
	return bus_type == G_BUS_TYPE_SESSION ? _("session bus") : _("system bus");
}

/* "message (org.ikebus.ike1.Error.Name)" for a failed call. */
static char *
describe_error(GError *error)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(error);

	if (remote == NULL && error->domain == IKEBUS_ERROR)
		remote = g_strdup(ikebus_error_to_dbus_name((IkebusError) error->code));
	g_dbus_error_strip_remote_error(error);
	if (remote == NULL)
		return g_strdup(error->message);
	return g_strdup_printf("%s (%s)", error->message, remote);
}

/*
 * The Manager proxy, or NULL with a one-line reason in *why when ikebusd
 * cannot be reached. @autostart: let the bus activate ikebusd.
 */
static IkebusManager *
manager_get(GBusType bus_type, gboolean autostart, char **why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(IkebusManager) manager = NULL;
	g_autofree char *owner = NULL;
	GDBusProxyFlags flags = autostart ? G_DBUS_PROXY_FLAGS_NONE
					  : G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;

	bus = g_bus_get_sync(bus_type, NULL, &error);
	if (bus == NULL) {
		*why = g_strdup_printf(_("cannot connect to the %s: %s"), bus_label(bus_type),
				       error->message);
		return NULL;
	}
	manager = ikebus_manager_proxy_new_sync(bus, flags, IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH,
						NULL, &error);
	if (manager == NULL) {
		*why = g_strdup_printf(_("cannot reach ikebusd: %s"), error->message);
		return NULL;
	}
	owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(manager));
	if (owner == NULL) {
		*why = g_strdup_printf(_("ikebusd is not running (no owner of %s on the %s)"),
				       IKEBUS_BUS_NAME, bus_label(bus_type));
		return NULL;
	}
	return g_steal_pointer(&manager);
}

static int
do_version(const CtlRequest *req)
{
	g_autoptr(IkebusManager) manager = NULL;
	g_autofree char *why = NULL;
	const char *version;

	printf("ikebusctl %s\n", PACKAGE_VERSION);
	manager = manager_get(req->bus_type, TRUE, &why);
	version = manager != NULL ? ikebus_manager_get_version(manager) : NULL;
	if (version == NULL) {
		/* the client's own version was still shown: not a failure */
		fprintf(stderr, "ikebusctl: %s\n", why != NULL ? why : _("ikebusd did not report its version"));
		return EXIT_SUCCESS;
	}
	printf("ikebusd %s\n", version);
	return EXIT_SUCCESS;
}

static int
do_shutdown(const CtlRequest *req)
{
	g_autoptr(IkebusManager) manager = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *why = NULL;
	GDBusCallFlags flags = G_DBUS_CALL_FLAGS_NONE;

	/* starting ikebusd only to stop it would be silly */
	manager = manager_get(req->bus_type, FALSE, &why);
	if (manager == NULL) {
		fprintf(stderr, "ikebusctl: %s\n", why);
		return EXIT_PROBLEM;
	}
	/*
	 * A person at a terminal can answer a polkit agent's question; the
	 * generated ikebus_manager_call_shutdown_sync() cannot pass this flag.
	 */
	if (isatty(STDIN_FILENO))
		flags |= G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
	reply = g_dbus_proxy_call_sync(G_DBUS_PROXY(manager), "Shutdown",
				       g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
				       flags, -1, NULL, &error);
	if (reply == NULL) {
		g_autofree char *msg = describe_error(error);

		fprintf(stderr, "ikebusctl: %s: %s\n", _("shutdown failed"), msg);
		return EXIT_PROBLEM;
	}
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	CtlRequest req;
	g_autoptr(GError) error = NULL;
	int status = EXIT_SUCCESS;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	/* registers org.ikebus.ike1.Error.* so failed calls map to IKEBUS_ERROR */
	(void) IKEBUS_ERROR;

	if (!ctl_parse(argc, argv, &req, &error)) {
		fprintf(stderr, "ikebusctl: %s\n", error->message);
		return EXIT_PROBLEM;
	}
	if (req.help) {
		ctl_print_help(stdout);
		return EXIT_SUCCESS;
	}
	if (!req.version && !req.shutdown) {
		fprintf(stderr, "ikebusctl: %s\n", _("no action given; try --help"));
		return EXIT_PROBLEM;
	}
	if (req.version)
		status = do_version(&req);
	if (status == EXIT_SUCCESS && req.shutdown)
		status = do_shutdown(&req);
	return status;
}
