/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusd: options, logging set-up, bus-name ownership and the main loop.
 * Nothing else lives here.
 */
#include "config.h"

#include "selftest.h"
#include "bus/authz.h"
#include "bus/manager.h"

#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define IKEBUS_BUS_NAME "org.ikebus.ike1"

typedef struct {
	GMainLoop *loop;
	GBusType bus_type;
	BusAuthz *authz;
	BusManager *manager;
	GDBusConnection *connection; /* from on_bus_acquired */
	int exit_status;
} Daemon;

static void
daemon_quit(Daemon *d, int status)
{
	d->exit_status = status;
	g_main_loop_quit(d->loop);
}

static gboolean
on_quit_signal(gpointer user_data)
{
	Daemon *d = user_data;

	g_message("stopping on signal");
	daemon_quit(d, EXIT_SUCCESS);
	return G_SOURCE_CONTINUE;
}

static void
on_shutdown_requested(BusManager *manager, gpointer user_data)
{
	daemon_quit(user_data, EXIT_SUCCESS);
}

/* Objects go on the bus before the name is owned, so no caller sees a gap. */
static void
on_bus_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
	Daemon *d = user_data;
	g_autoptr(GError) error = NULL;

	g_set_object(&d->connection, connection);
	if (!bus_manager_export(d->manager, connection, &error)) {
		g_warning("cannot export %s: %s", BUS_MANAGER_PATH, error->message);
		daemon_quit(d, EXIT_FAILURE);
	}
}

static void
on_name_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
	g_info("ikebusd %s owns %s", PACKAGE_VERSION, name);
}

static void
on_name_lost(GDBusConnection *connection, const char *name, gpointer user_data)
{
	Daemon *d = user_data;

	if (connection == NULL)
		g_warning("cannot connect to the %s bus", d->bus_type == G_BUS_TYPE_SYSTEM
								   ? "system" : "session");
	else
		g_warning("cannot own %s on the bus (is another ikebusd running, or does the "
			  "bus policy not allow it?)", name);
	daemon_quit(d, EXIT_FAILURE);
}

static int
run_service(GBusType bus_type)
{
	Daemon d = { .bus_type = bus_type, .exit_status = EXIT_SUCCESS };
	guint owner_id;
	guint sigterm_id, sigint_id;

	d.loop = g_main_loop_new(NULL, FALSE);
	d.authz = bus_authz_new(bus_type == G_BUS_TYPE_SYSTEM);
	d.manager = bus_manager_new(d.authz);
	g_signal_connect(d.manager, "shutdown-requested", G_CALLBACK(on_shutdown_requested), &d);
	sigterm_id = g_unix_signal_add(SIGTERM, on_quit_signal, &d);
	sigint_id = g_unix_signal_add(SIGINT, on_quit_signal, &d);

	owner_id = g_bus_own_name(bus_type, IKEBUS_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
				  on_bus_acquired, on_name_acquired, on_name_lost, &d, NULL);
	g_main_loop_run(d.loop);

	bus_manager_unexport(d.manager);
	g_bus_unown_name(owner_id);
	/* a Shutdown reply may still be queued: write it before exiting */
	if (d.connection != NULL && !g_dbus_connection_flush_sync(d.connection, NULL, NULL))
		g_debug("could not flush the bus connection");
	g_clear_object(&d.connection);
	g_source_remove(sigterm_id);
	g_source_remove(sigint_id);
	g_object_unref(d.manager);
	g_object_unref(d.authz);
	g_main_loop_unref(d.loop);
	return d.exit_status;
}

int
main(int argc, char **argv)
{
	gboolean show_version = FALSE;
	gboolean selftest = FALSE;
	gboolean session = FALSE;
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "version", 0, 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
		{ "selftest", 0, 0, G_OPTION_ARG_NONE, &selftest,
		  "Check every crypto algorithm against this NSS, print the results and exit", NULL },
		{ "session", 0, 0, G_OPTION_ARG_NONE, &session,
		  "Serve on the session bus instead of the system bus (development)", NULL },
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

	return run_service(session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM);
}
