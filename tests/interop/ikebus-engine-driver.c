/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-only driver for the engine, until the D-Bus side exists: loads one
 * connection from a file holding the AddConnection options dictionary in
 * GVariant text form, a PSK from a file (or certificates and keys from the
 * NSS database given with --nss-dir), runs the engine on real sockets
 * with the userspace (or mock) kernel backend, optionally initiates, and
 * prints one line per SA event:
 *
 *   PROGRESS <code> <line>
 *   RESULT <code> <name>          (after --initiate)
 *   IKE #1 ESTABLISHED initiator 192.0.2.1:4500 -> 192.0.2.2:4500 @west -> @east AES_...
 *   CHILD #2 INSTALLED ike=#1 in=0x... out=0x... tunnel encap=yes 198.51.100.1/32 -> ...
 *   IKE #1 REMOVED
 *   ROUTING <name> on-demand      (routing changes; --route routes at start)
 *
 * SIGTERM/SIGINT: delete every SA (telling the peer) and exit 0.
 * SIGUSR1: terminate the connection (Delete to the peer), keep running.
 * SIGUSR2: rekey every installed Child SA.
 * SIGWINCH: rekey every established IKE SA.
 * SIGHUP: print the status of every SA again.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/connection.h"
#include "engine.h"
#include "certdb.h"
#include "mock.h"
#include "nss-init.h"

typedef struct {
	GMainLoop *loop;
	Engine *engine;
	char *name;
	IkebusSecbuf *psk;
} Driver;

static IkebusSecbuf *
lookup_psk(const char *local_id, const char *remote_id, gpointer user_data)
{
	Driver *d = user_data;

	return d->psk != NULL ? ikebus_secbuf_dup(d->psk) : NULL;
}

static void
print_sa(Driver *d, EngineSaEvent ev, EngineSaKind kind, guint serial)
{
	if (ev == ENGINE_SA_EVENT_REMOVED) {
		printf("%s #%u REMOVED\n", kind == ENGINE_SA_KIND_IKE ? "IKE" : "CHILD", serial);
	} else if (kind == ENGINE_SA_KIND_IKE) {
		g_autoptr(EngineIkeSaInfo) i = engine_get_ike_sa_info(d->engine, serial);

		if (i == NULL)
			return;
		printf("IKE #%u %s %s %s:%u -> %s:%u %s -> %s %s\n", i->serial, i->state,
		       i->initiator ? "initiator" : "responder", i->local_host, i->local_port,
		       i->remote_host, i->remote_port, i->local_id ? i->local_id : "-",
		       i->remote_id ? i->remote_id : "-", i->algorithms ? i->algorithms : "-");
	} else {
		g_autoptr(EngineChildSaInfo) c = engine_get_child_sa_info(d->engine, serial);

		if (c == NULL)
			return;
		printf("CHILD #%u %s ike=#%u in=0x%08x out=0x%08x %s encap=%s %s -> %s %s "
		       "bytes_in=%" G_GUINT64_FORMAT " bytes_out=%" G_GUINT64_FORMAT "\n",
		       c->serial, c->state, c->ike_serial, c->spi_in, c->spi_out, c->mode,
		       c->encap ? "yes" : "no", c->local_ts ? c->local_ts : "-",
		       c->remote_ts ? c->remote_ts : "-", c->algorithms ? c->algorithms : "-",
		       c->bytes_in, c->bytes_out);
	}
	fflush(stdout);
}

static void
on_sa(EngineSaEvent ev, EngineSaKind kind, guint serial, gpointer user_data)
{
	print_sa(user_data, ev, kind, serial);
}

static void
on_routing(const char *conn, EngineRouting routing, gpointer user_data)
{
	printf("ROUTING %s %s\n", conn, engine_routing_name(routing));
	fflush(stdout);
}

static void
on_progress(EngineStatus code, const char *line, gpointer user_data)
{
	printf("PROGRESS %d %s\n", code, line);
	fflush(stdout);
}

static void
on_done(EngineStatus status, gpointer user_data)
{
	Driver *d = user_data;

	printf("RESULT %d %s %s\n", status, engine_status_name(status), d->name);
	fflush(stdout);
}

static gboolean
on_term(gpointer user_data)
{
	Driver *d = user_data;

	engine_shutdown(d->engine);
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_usr1(gpointer user_data)
{
	Driver *d = user_data;

	printf("TERMINATE %d\n", engine_terminate(d->engine, d->name, NULL));
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_usr2(gpointer user_data)
{
	Driver *d = user_data;
	g_autoptr(GPtrArray) child = engine_list_child_sas(d->engine);

	for (guint i = 0; i < child->len; i++) {
		EngineChildSaInfo *c = g_ptr_array_index(child, i);
		g_autoptr(GError) error = NULL;

		if (g_strcmp0(c->state, "INSTALLED") == 0 &&
		    !engine_rekey_child_sa(d->engine, c->serial, &error))
			printf("REKEY-FAILED #%u %s\n", c->serial, error->message);
		else if (g_strcmp0(c->state, "INSTALLED") == 0)
			printf("REKEY #%u\n", c->serial);
	}
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_winch(gpointer user_data)
{
	Driver *d = user_data;
	g_autoptr(GPtrArray) ike = engine_list_ike_sas(d->engine);

	for (guint i = 0; i < ike->len; i++) {
		EngineIkeSaInfo *s = g_ptr_array_index(ike, i);
		g_autoptr(GError) error = NULL;

		if (g_strcmp0(s->state, "ESTABLISHED") != 0 || s->replaced_by != 0)
			continue;
		if (!engine_rekey_ike_sa(d->engine, s->serial, &error))
			printf("REKEY-IKE-FAILED #%u %s\n", s->serial, error->message);
		else
			printf("REKEY-IKE #%u\n", s->serial);
	}
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer user_data)
{
	Driver *d = user_data;
	g_autoptr(GPtrArray) ike = engine_list_ike_sas(d->engine);
	g_autoptr(GPtrArray) child = engine_list_child_sas(d->engine);

	for (guint i = 0; i < ike->len; i++)
		print_sa(d, ENGINE_SA_EVENT_CHANGED, ENGINE_SA_KIND_IKE,
		         ((EngineIkeSaInfo *) g_ptr_array_index(ike, i))->serial);
	for (guint i = 0; i < child->len; i++)
		print_sa(d, ENGINE_SA_EVENT_CHANGED, ENGINE_SA_KIND_CHILD,
		         ((EngineChildSaInfo *) g_ptr_array_index(child, i))->serial);
	printf("STATUS-END\n");
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static IkebusConnection *
load_conn(const char *name, const char *file, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GVariant) v = NULL;

	if (!g_file_get_contents(file, &text, NULL, error))
		return NULL;
	v = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, error);
	if (v == NULL)
		return NULL;
	return ikebus_connection_new_from_options(name, v, error);
}

static KernelBackend *
make_kernel(const char *kind, NetIo *io, const char *tun, GError **error)
{
	KernelConfig kc;

	if (g_strcmp0(kind, "mock") == 0)
		return mock_kernel_new();
	kernel_config_init(&kc);
	kc.encap_fd = net_io_get_natt_fd(io, AF_INET);
	kc.encap_fd6 = net_io_get_natt_fd(io, AF_INET6);
	kc.encap_port = net_io_get_natt_port(io);
	if (tun != NULL)
		kc.tun_name = tun;
	return kernel_backend_new(kind, &kc, error);
}

int
main(int argc, char **argv)
{
	g_autofree char *conn_file = NULL, *psk_file = NULL, *kernel = NULL, *tun = NULL;
	g_autofree char *remote = NULL, *nss_dir = NULL;
	g_auto(GStrv) listen = NULL;
	gboolean initiate = FALSE, route = FALSE;
	gint ike_port = 0, natt_port = 0, frag_size = 0;
	Driver d = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- run the ikebus engine (tests only)");
	GOptionEntry entries[] = {
		{"name", 0, 0, G_OPTION_ARG_STRING, &d.name, "connection name", "NAME"},
		{"conn", 0, 0, G_OPTION_ARG_FILENAME, &conn_file, "a{sv} text file", "FILE"},
		{"psk-file", 0, 0, G_OPTION_ARG_FILENAME, &psk_file, "file holding the PSK", "FILE"},
		{"nss-dir", 0, 0, G_OPTION_ARG_FILENAME, &nss_dir, "NSS database (certificates)", "DIR"},
		{"kernel", 0, 0, G_OPTION_ARG_STRING, &kernel, "userspace|xfrm|mock", "KIND"},
		{"tun", 0, 0, G_OPTION_ARG_STRING, &tun, "TUN device name", "NAME"},
		{"listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen, "address to bind", "ADDR"},
		{"ike-port", 0, 0, G_OPTION_ARG_INT, &ike_port, "IKE port (500)", "PORT"},
		{"natt-port", 0, 0, G_OPTION_ARG_INT, &natt_port, "NAT-T port (4500)", "PORT"},
		{"fragment-size", 0, 0, G_OPTION_ARG_INT, &frag_size, "IKE fragment size", "N"},
		{"initiate", 0, 0, G_OPTION_ARG_NONE, &initiate, "initiate the connection", NULL},
		{"route", 0, 0, G_OPTION_ARG_NONE, &route, "route the connection (on demand)", NULL},
		{"remote-host", 0, 0, G_OPTION_ARG_STRING, &remote, "peer for %any", "ADDR"},
		{NULL}};
	NetConfig nc = {0};
	EngineTimings timings = {500, 8000, 6, 20, 0, 0};
	NetIo *io;
	g_autoptr(KernelBackend) kb = NULL;
	g_autofree char *psk_text = NULL;
	EngineSecrets secrets = {lookup_psk, &d};
	IkebusConnection *conn;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || d.name == NULL ||
	    conn_file == NULL || (psk_file == NULL && nss_dir == NULL)) {
		g_printerr("%s\n", error != NULL ? error->message
		                                 : "--name, --conn and --psk-file or --nss-dir are needed");
		return 1;
	}
	if (!(nss_dir != NULL ? crypto_certdb_open(nss_dir, &error) : crypto_nss_init_nodb(&error)) ||
	    (psk_file != NULL && !g_file_get_contents(psk_file, &psk_text, NULL, &error))) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	if (psk_text != NULL) {
		g_strstrip(psk_text);
		d.psk = ikebus_secbuf_new_from((const guint8 *) psk_text, strlen(psk_text));
		ikebus_wipe(psk_text, strlen(psk_text));
	}
	nc.addresses = (const char *const *) listen;
	nc.ike_port = (guint16) ike_port;
	nc.natt_port = (guint16) natt_port;
	io = net_io_new(NULL, &nc, &error);
	if (io == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	kb = make_kernel(kernel != NULL ? kernel : "userspace", io, tun, &error);
	if (kb == NULL) {
		g_printerr("kernel: %s\n", error->message);
		net_io_free(io);
		return 1;
	}
	timings.fragment_size = (guint) frag_size;
	d.engine = engine_new(NULL, kb, &secrets, io, &timings);
	engine_add_observer(d.engine, on_sa, &d);
	engine_add_routing_observer(d.engine, on_routing, &d);
	conn = load_conn(d.name, conn_file, &error);
	if (conn == NULL || !engine_add_connection(d.engine, conn, FALSE, &error)) {
		g_printerr("connection: %s\n", error->message);
		return 1;
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_term, &d);
	g_unix_signal_add(SIGINT, on_term, &d);
	g_unix_signal_add(SIGUSR1, on_usr1, &d);
	g_unix_signal_add(SIGUSR2, on_usr2, &d);
	g_unix_signal_add(SIGHUP, on_hup, &d);
	g_unix_signal_add(SIGWINCH, on_winch, &d);
	if (route && !engine_route(d.engine, d.name, &error)) {
		g_printerr("route: %s\n", error->message);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	if (initiate && !engine_initiate(d.engine, d.name, remote, on_progress, on_done, &d, NULL,
	                                 &error)) {
		g_printerr("initiate: %s\n", error->message);
		return 1;
	}
	g_main_loop_run(d.loop);
	engine_free(d.engine);
	ikebus_secbuf_free(d.psk);
	g_main_loop_unref(d.loop);
	g_free(d.name);
	return 0;
}
