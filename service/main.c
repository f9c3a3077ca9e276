/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusd: options, logging set-up, the kernel backend probe, bus-name
 * ownership and the main loop. Nothing else lives here.
 */
#include "config.h"

#include "selftest.h"
#include "thread-sched.h"
#include "bus/authz.h"
#include "bus/debug.h"
#include "bus/manager.h"
#include "crypto/certdb.h"
#include "crypto/nss-init.h"
#include "kernel.h"

#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <locale.h>
#include <nss.h>
#include <pk11pub.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IKEBUS_BUS_NAME "org.ikebus.ike1"
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/ikebus/connections"
#define DEFAULT_SECRETS SYSCONFDIR "/ikebus/ipsec.secrets"

typedef struct {
	gboolean session;
	char *kernel;	    /* "auto", "xfrm", "userspace", "none" */
	char *secrets_file;
	char *state_dir;
	char *nss_dir;
	char **listen;
	int ike_port;
	int nat_port;
	char *debug;
	char *uniqueids; /* "yes" (default) or "no" */
	int nhelpers;    /* pluto's --nhelpers: -1 auto, 0 none (inline), N threads */
} Options;

typedef struct {
	GMainLoop *loop;
	GBusType bus_type;
	BusAuthz *authz;
	BusManager *manager;
	GDBusConnection *connection; /* from on_bus_acquired */
	gboolean owned_name;         /* the name was ours once */
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
	/*
	 * GDBus writes every outgoing message on its own thread ("gdbus").  On
	 * a saturated CPU each signal we queue woke it and it preempted the
	 * engine: two thread switches per message, 8,000 a second at 2,000
	 * handshakes/s.  Under SCHED_BATCH it writes what has piled up when
	 * the engine yields; on an idle CPU it still runs at once.
	 */
	if (ikebus_thread_set_batch_by_name("gdbus") == 0)
		g_debug("no gdbus thread found to mark SCHED_BATCH");
	if (!bus_manager_export(d->manager, connection, &error)) {
		g_warning("cannot export %s: %s", BUS_MANAGER_PATH, error->message);
		daemon_quit(d, EXIT_FAILURE);
	}
}

static void
on_name_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
	Daemon *d = user_data;

	d->owned_name = TRUE;
	g_info("ikebusd %s owns %s", PACKAGE_VERSION, name);
}

static void
on_name_lost(GDBusConnection *connection, const char *name, gpointer user_data)
{
	Daemon *d = user_data;
	const char *bus = d->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session";

	/* exit with failure either way, so that systemd restarts us */
	if (d->owned_name)
		g_warning("lost %s on the %s bus (the bus went away?); stopping", name, bus);
	else if (connection == NULL)
		g_warning("cannot connect to the %s bus", bus);
	else
		g_warning("cannot own %s on the bus (is another ikebusd running, or does the "
			  "bus policy not allow it?)", name);
	daemon_quit(d, EXIT_FAILURE);
}

/* A backend that opened and probed, or NULL with error set (caps filled on success). */
static KernelBackend *
try_kernel_backend(const char *name, KernelCaps *caps, GError **error)
{
	g_autoptr(KernelBackend) kb = kernel_backend_new(name, NULL, error);

	if (kb == NULL || !kernel_backend_probe(kb, caps, error))
		return NULL;
	return g_steal_pointer(&kb);
}

/*
 * The kernel backend: an explicit --kernel must work or ikebusd stops with
 * one line (the probe's own message); "auto" takes xfrm when it can carry
 * ESP here, else the userspace ESP backend (saying why), else none (warning).
 */
static gboolean
open_kernel(const Options *o, KernelBackend **out, const char **name)
{
	g_autoptr(KernelBackend) kb = NULL;
	g_auto(KernelCaps) caps = { 0 };
	g_autoptr(GError) error = NULL;
	gboolean automatic = g_str_equal(o->kernel, "auto");
	g_autofree char *why = NULL;

	*out = NULL;
	*name = "none";
	if (g_str_equal(o->kernel, "none"))
		return TRUE;
	kb = try_kernel_backend(automatic ? "xfrm" : o->kernel, &caps, &error);
	if (kb == NULL)
		why = g_strdup(error->message);
	else if (!caps.esp)
		why = g_strdup(caps.message != NULL ? caps.message
						    : "this backend cannot carry ESP here");
	if (why != NULL && !automatic) {
		fprintf(stderr, "ikebusd: %s\n", why);
		return FALSE;
	}
	if (why != NULL) {
		/* the probe's advice is what auto does now: drop it from the log line */
		if (g_str_has_suffix(why, "; use --kernel userspace"))
			why[strlen(why) - strlen("; use --kernel userspace")] = '\0';
		g_clear_pointer(&kb, kernel_backend_free);
		kernel_caps_clear(&caps);
		g_clear_error(&error);
		kb = try_kernel_backend("userspace", &caps, &error);
		if (kb == NULL) {
			g_warning("no kernel backend: xfrm: %s; userspace: %s", why, error->message);
			return TRUE;
		}
		g_message("kernel backend: userspace ESP, because xfrm has no ESP here (%s)", why);
	}
	*name = kernel_backend_get_name(kb);
	*out = g_steal_pointer(&kb);
	return TRUE;
}

static int
run_service(const Options *o)
{
	Daemon d = { .bus_type = o->session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
		     .exit_status = EXIT_SUCCESS };
	BusManagerConfig cfg = { 0 };
	KernelBackend *kernel = NULL;
	g_autoptr(GError) error = NULL;
	guint owner_id;
	guint sigterm_id, sigint_id;

	if (!open_kernel(o, &kernel, &cfg.kernel_backend))
		return EXIT_FAILURE;
	if (!(o->nss_dir != NULL ? crypto_nss_init_db(o->nss_dir, &error)
				 : crypto_nss_init_nodb(&error))) {
		fprintf(stderr, "ikebusd: NSS: %s\n", error->message);
		kernel_backend_free(kernel);
		return EXIT_FAILURE;
	}
	cfg.fips = PK11_IsFIPS();
	cfg.state_dir = o->state_dir;
	cfg.secrets_file = o->secrets_file;
	cfg.engine.kernel = kernel;
	cfg.engine.listen = (const char *const *) o->listen;
	cfg.engine.ike_port = (guint16) o->ike_port;
	cfg.engine.natt_port = (guint16) o->nat_port;
	cfg.engine.no_uniqueids = o->uniqueids != NULL && g_str_equal(o->uniqueids, "no");
	cfg.engine.crypto_threads = o->nhelpers > 0 ? (guint) o->nhelpers : 0;
	cfg.engine.crypto_inline = o->nhelpers == 0;

	d.loop = g_main_loop_new(NULL, FALSE);
	d.authz = bus_authz_new(d.bus_type == G_BUS_TYPE_SYSTEM);
	d.manager = bus_manager_new(d.authz, &cfg);
	g_signal_connect(d.manager, "shutdown-requested", G_CALLBACK(on_shutdown_requested), &d);
	sigterm_id = g_unix_signal_add(SIGTERM, on_quit_signal, &d);
	sigint_id = g_unix_signal_add(SIGINT, on_quit_signal, &d);

	owner_id = g_bus_own_name(d.bus_type, IKEBUS_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
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
	/* the manager stops the engine (leave-state honoured) before the backend goes */
	g_object_unref(d.manager);
	g_object_unref(d.authz);
	g_main_loop_unref(d.loop);
	kernel_backend_free(kernel);
	crypto_certdb_forget_caches(); /* they hold certificates and keys */
	if (NSS_IsInitialized() && NSS_Shutdown() != SECSuccess)
		g_debug("NSS_Shutdown: some NSS objects are still referenced");
	return d.exit_status;
}

static gboolean
check_options(Options *o, GError **error)
{
	if (!g_str_equal(o->kernel, "auto") && !g_str_equal(o->kernel, "xfrm") &&
	    !g_str_equal(o->kernel, "userspace") && !g_str_equal(o->kernel, "none")) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--kernel: \"%s\" is not xfrm, userspace, auto or none", o->kernel);
		return FALSE;
	}
	if (o->nhelpers < -1 || o->nhelpers > 256) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--nhelpers: %d is not -1 (one per CPU), 0 (none: crypto on the main "
			    "thread) or a number of threads up to 256",
			    o->nhelpers);
		return FALSE;
	}
	if (o->ike_port < 0 || o->ike_port > 65535 || o->nat_port < 0 || o->nat_port > 65535) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--ike-port/--nat-port: a port is 1 to 65535");
		return FALSE;
	}
	for (gsize i = 0; o->listen != NULL && o->listen[i] != NULL; i++) {
		g_autoptr(GInetAddress) a = g_inet_address_new_from_string(o->listen[i]);

		if (a == NULL) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--listen: \"%s\" is not an IP address", o->listen[i]);
			return FALSE;
		}
	}
	if (o->debug != NULL) {
		g_auto(GStrv) classes = g_strsplit(o->debug, ",", -1);

		for (gsize i = 0; classes[i] != NULL; i++) {
			if (g_str_equal(classes[i], "all")) {
				bus_debug_set_enabled(bus_debug_available_classes());
				return TRUE;
			}
			if (!bus_debug_is_class(classes[i])) {
				g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					    "--debug: \"%s\" is not a debug class", classes[i]);
				return FALSE;
			}
		}
		bus_debug_set_enabled((const char *const *) classes);
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	gboolean show_version = FALSE;
	gboolean selftest = FALSE;
	gboolean ignored = FALSE;
	Options o = { .nhelpers = -1 };
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "version", 0, 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
		{ "selftest", 0, 0, G_OPTION_ARG_NONE, &selftest,
		  "Check every crypto algorithm against this NSS, print the results and exit", NULL },
		{ "session", 0, 0, G_OPTION_ARG_NONE, &o.session,
		  "Serve on the session bus instead of the system bus (development)", NULL },
		{ "kernel", 0, 0, G_OPTION_ARG_STRING, &o.kernel,
		  "Install SAs with xfrm or userspace ESP; auto (default) takes xfrm when this "
		  "kernel has ESP, else userspace", "xfrm|userspace|auto|none" },
		{ "secretsfile", 0, 0, G_OPTION_ARG_FILENAME, &o.secrets_file,
		  "The secrets file, ipsec.secrets syntax; a glob is allowed (default "
		  DEFAULT_SECRETS ")", "FILE" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir,
		  "Where persistent connections are stored (default " DEFAULT_STATE_DIR ")", "DIR" },
		{ "nss-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.nss_dir,
		  "The NSS database (default: none, no certificates)", "DIR" },
		{ "listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.listen,
		  "Listen for IKE on ADDR only (repeatable; default: every address)", "ADDR" },
		{ "interface", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.listen,
		  "pluto's name for --listen", "ADDR" },
		{ "ike-port", 0, 0, G_OPTION_ARG_INT, &o.ike_port, "The IKE port (default 500)", "PORT" },
		{ "ikeport", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &o.ike_port, NULL, NULL },
		{ "nat-port", 0, 0, G_OPTION_ARG_INT, &o.nat_port, "The NAT-T port (default 4500)",
		  "PORT" },
		{ "debug", 0, 0, G_OPTION_ARG_STRING, &o.debug,
		  "Debug classes to enable, comma-separated, or all", "CLASSES" },
		{ "nhelpers", 0, 0, G_OPTION_ARG_INT, &o.nhelpers,
		  "Crypto helper threads, as pluto's: -1 one per usable CPU (default; on one CPU "
		  "Curve25519 runs on the main thread), 0 none (all crypto on the main thread)",
		  "N" },
		{ "uniqueids", 0, 0, G_OPTION_ARG_STRING, &o.uniqueids,
		  "yes (default, as pluto): a peer that authenticates again with the same ID "
		  "replaces its older IKE SAs; no: keeps them all", "yes|no" },
		{ "nofork", 0, 0, G_OPTION_ARG_NONE, &ignored,
		  "Accepted for pluto compatibility: ikebusd never forks", NULL },
		{ "stderrlog", 0, 0, G_OPTION_ARG_NONE, &ignored,
		  "Accepted for pluto compatibility: logs go to stderr or the journal", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- IKEv2/IPsec keying daemon");
	int status;

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
	if (o.uniqueids != NULL && !g_str_equal(o.uniqueids, "yes") &&
	    !g_str_equal(o.uniqueids, "no")) {
		fprintf(stderr, "ikebusd: --uniqueids must be yes or no\n");
		return 1;
	}
	if (o.kernel == NULL)
		o.kernel = g_strdup("auto");
	if (o.state_dir == NULL)
		o.state_dir = g_strdup(DEFAULT_STATE_DIR);
	/* the default file may be absent (no PSKs); a file named on the command line must exist */
	if (o.secrets_file == NULL && g_file_test(DEFAULT_SECRETS, G_FILE_TEST_EXISTS))
		o.secrets_file = g_strdup(DEFAULT_SECRETS);
	if (argc > 1) {
		fprintf(stderr, "ikebusd: unexpected argument \"%s\"\n", argv[1]);
		return 1;
	}
	if (!check_options(&o, &error)) {
		fprintf(stderr, "ikebusd: %s\n", error->message);
		return 1;
	}
	bus_debug_install_writer();
	status = run_service(&o);
	g_free(o.kernel);
	g_free(o.secrets_file);
	g_free(o.state_dir);
	g_free(o.nss_dir);
	g_strfreev(o.listen);
	g_free(o.debug);
	g_free(o.uniqueids);
	return status;
}
