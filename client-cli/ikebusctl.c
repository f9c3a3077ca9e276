/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl: ipsec whack's command line, spoken to ikebusd over D-Bus.
 * options.c and the opt-*.c tables parse, request.c turns the request into
 * calls; this file makes the calls and shows the answers.
 *
 * Exit status (whack's EXIT STATUS): 1 when ikebusctl detects a problem,
 * which covers syntax errors, an unreachable daemon and refused or failed
 * calls; the status code a negotiating call (Initiate, Down, ...) returns
 * when it is not 0 (ikebusd sends the code of its last progress line);
 * 0 otherwise.
 */
#include "config.h"

#include "agent.h"
#include "errors.h"
#include "ikebus-dbus-generated.h"
#include "options.h"
#include "output.h"
#include "request.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IKEBUS_BUS_NAME CTL_BUS_NAME
#define IKEBUS_MANAGER_PATH CTL_MANAGER_PATH
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

/* ---- making the calls ------------------------------------------------------ */

typedef struct {
	GDBusConnection *bus;
	char *owner; /* ikebusd's unique name */
	const char *label;
	gboolean json;
	gboolean utc;
	GString *json_out; /* {"form": answer, ...} when --json */
} Runner;

static void
print_problem(const Runner *r, const char *what, const char *message)
{
	if (r->label != NULL)
		fprintf(stderr, "ikebusctl: %s: %s%s%s\n", r->label, what != NULL ? what : "",
			what != NULL ? ": " : "", message);
	else
		fprintf(stderr, "ikebusctl: %s%s%s\n", what != NULL ? what : "", what != NULL ? ": " : "",
			message);
}

/* Finds (and, if @autostart, activates) ikebusd; FALSE after one line on stderr. */
static gboolean
runner_connect(Runner *r, GBusType bus_type, gboolean autostart)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	r->bus = g_bus_get_sync(bus_type, NULL, &error);
	if (r->bus == NULL) {
		g_autofree char *msg = g_strdup_printf(_("cannot connect to the %s: %s"),
						       bus_label(bus_type), error->message);

		print_problem(r, NULL, msg);
		return FALSE;
	}
	if (autostart) {
		reply = g_dbus_connection_call_sync(r->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
						    "org.freedesktop.DBus", "StartServiceByName",
						    g_variant_new("(su)", IKEBUS_BUS_NAME, 0),
						    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
						    NULL);
		g_clear_pointer(&reply, g_variant_unref);
	}
	reply = g_dbus_connection_call_sync(r->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "GetNameOwner",
					    g_variant_new("(s)", IKEBUS_BUS_NAME), G_VARIANT_TYPE("(s)"),
					    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	if (reply == NULL) {
		g_autofree char *msg = g_strdup_printf(_("ikebusd is not running (no owner of %s on the %s)"),
						       IKEBUS_BUS_NAME, bus_label(bus_type));

		print_problem(r, NULL, msg);
		return FALSE;
	}
	g_variant_get(reply, "(s)", &r->owner);
	return TRUE;
}

static void
on_progress(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	    const char *signal, GVariant *params, gpointer user_data)
{
	guint32 code;
	const char *message;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(us)")))
		return;
	g_variant_get(params, "(u&s)", &code, &message);
	/* whack copies pluto's progress to stderr, status prefix first */
	fprintf(stderr, "%03u %s\n", code, message);
}

typedef struct {
	GMainLoop *loop;
	GVariant *reply;
	GError *error;
} Pending;

static void
on_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Pending *p = user_data;

	p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &p->error);
	g_main_loop_quit(p->loop);
}

/* ---- GetStatus in pages ------------------------------------------------------ */

/* Rows per GetStatus call, and calls in flight: one reply must stay under
 * the bus's 32 MiB (100,000 SAs are ~65 MiB of rows), and with two calls out
 * ikebusd makes one page while this process reads the one before. The
 * environment variable IKEBUSCTL_STATUS_PAGE_ROWS sets another page size
 * (for tests of the paging). */
#define STATUS_PAGE_ROWS 5000
#define STATUS_PAGES_IN_FLIGHT 2

typedef struct {
	const CtlCall *call;
	guint page_rows;
	GDBusCallFlags flags;
	GMainLoop *loop;
	GPtrArray *pages; /* page number -> its rows (NULL until answered) */
	guint sent;
	guint in_flight;
	guint last; /* the first page shorter than a full one; G_MAXUINT: not seen yet */
	GError *error;
	GDBusConnection *bus;
	const char *owner;
} Paging;

static void
variant_unref0(gpointer v)
{
	if (v != NULL)
		g_variant_unref(v);
}

typedef struct {
	Paging *pg;
	guint page;
} PageCall;

static void send_pages(Paging *pg);

/* (form, options + offset and limit) of page @page */
static GVariant *
page_args(const CtlCall *call, guint page, guint page_rows)
{
	g_autoptr(GVariant) options = g_variant_get_child_value(call->args, 1);
	const char *form;
	GVariantBuilder b;
	GVariantIter iter;
	const char *key;
	GVariant *value;

	g_variant_get_child(call->args, 0, "&s", &form);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_iter_init(&iter, options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_variant_builder_add(&b, "{sv}", key, value);
		g_variant_unref(value);
	}
	g_variant_builder_add(&b, "{sv}", "offset", g_variant_new_uint32(page * page_rows));
	g_variant_builder_add(&b, "{sv}", "limit", g_variant_new_uint32(page_rows));
	g_variant_builder_add(&b, "{sv}", "encoding", g_variant_new_string("gvariant"));
	return g_variant_new("(s@a{sv})", form, g_variant_builder_end(&b));
}

/* The rows of a page: encoding "gvariant" holds them serialised, read in
 * place (none of the per-value parsing of a D-Bus aa{sv}). Owned. */
static GVariant *
page_rows_of(GVariant *reply)
{
	GVariant *rows = g_variant_get_child_value(reply, 0);
	g_autoptr(GVariant) row = NULL, blob = NULL;
	g_autoptr(GBytes) bytes = NULL;
	const char *kind, *order;
	GVariant *inner;

	if (g_variant_n_children(rows) != 1)
		return rows;
	row = g_variant_get_child_value(rows, 0);
	if (!g_variant_lookup(row, "kind", "&s", &kind) || !g_str_equal(kind, "gvariant") ||
	    !g_variant_lookup(row, "byte-order", "&s", &order) ||
	    (blob = g_variant_lookup_value(row, "rows", G_VARIANT_TYPE_BYTESTRING)) == NULL)
		return rows;
	g_variant_unref(rows);
	bytes = g_variant_get_data_as_bytes(blob);
	inner = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("aa{sv}"), bytes, FALSE));
	if (g_str_equal(order, "l") != (G_BYTE_ORDER == G_LITTLE_ENDIAN)) {
		GVariant *swapped = g_variant_byteswap(inner);

		g_variant_unref(inner);
		inner = g_variant_ref_sink(swapped);
	}
	return inner;
}

static void
on_page(GObject *source, GAsyncResult *res, gpointer user_data)
{
	PageCall *pc = user_data;
	Paging *pg = pc->pg;
	GError *error = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	pg->in_flight--;
	if (reply == NULL) {
		if (pg->error == NULL)
			pg->error = error;
		else
			g_error_free(error);
	} else {
		GVariant *rows = page_rows_of(reply);

		if (g_variant_n_children(rows) < pg->page_rows && pc->page < pg->last)
			pg->last = pc->page;
		g_ptr_array_index(pg->pages, pc->page) = rows;
		g_variant_unref(reply);
	}
	g_free(pc);
	send_pages(pg);
	if (pg->in_flight == 0)
		g_main_loop_quit(pg->loop);
}

static void
send_pages(Paging *pg)
{
	while (pg->error == NULL && pg->in_flight < STATUS_PAGES_IN_FLIGHT && pg->last == G_MAXUINT) {
		PageCall *pc = g_new0(PageCall, 1);

		pc->pg = pg;
		pc->page = pg->sent++;
		g_ptr_array_add(pg->pages, NULL);
		g_dbus_connection_call(pg->bus, pg->owner, pg->call->path, pg->call->interface,
				       pg->call->method, page_args(pg->call, pc->page, pg->page_rows),
				       G_VARIANT_TYPE("(aa{sv})"), pg->flags, -1, NULL, on_page, pc);
		pg->in_flight++;
	}
}

/* GetStatus @call page by page: the reply it would get unpaged (the same
 * rows in the same order), or NULL + @error. */
static GVariant *
runner_call_paged(Runner *r, const CtlCall *call, GDBusCallFlags flags, GError **error)
{
	Paging pg = { .call = call, .flags = flags, .last = G_MAXUINT, .bus = r->bus,
		      .owner = r->owner, .page_rows = STATUS_PAGE_ROWS };
	const char *env = g_getenv("IKEBUSCTL_STATUS_PAGE_ROWS");
	GVariantBuilder rows;

	if (env != NULL && g_ascii_strtoull(env, NULL, 10) > 0)
		pg.page_rows = (guint) MIN(g_ascii_strtoull(env, NULL, 10), G_MAXUINT32 / 2);

	pg.pages = g_ptr_array_new_with_free_func(variant_unref0);
	pg.loop = g_main_loop_new(NULL, FALSE);
	send_pages(&pg);
	g_main_loop_run(pg.loop);
	g_main_loop_unref(pg.loop);
	if (pg.error != NULL) {
		g_ptr_array_unref(pg.pages);
		g_propagate_error(error, pg.error);
		return NULL;
	}
	/* the pages after the last one were asked for in vain: empty */
	g_variant_builder_init(&rows, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i <= pg.last && i < pg.pages->len; i++) {
		GVariantIter iter;
		GVariant *row;

		g_variant_iter_init(&iter, pg.pages->pdata[i]);
		while ((row = g_variant_iter_next_value(&iter)) != NULL) {
			g_variant_builder_add_value(&rows, row);
			g_variant_unref(row);
		}
	}
	g_ptr_array_unref(pg.pages);
	return g_variant_ref_sink(g_variant_new("(aa{sv})", &rows));
}

/* Makes @call; progress lines are printed while it runs. The reply or NULL + @error. */
static GVariant *
runner_call(Runner *r, const CtlCall *call, GError **error)
{
	GDBusCallFlags flags = G_DBUS_CALL_FLAGS_NONE;
	Pending p = { 0 };
	guint sub = 0;

	/* a person at a terminal can answer a polkit agent's question */
	if (isatty(STDIN_FILENO))
		flags |= G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
	if (g_str_equal(call->method, "GetStatus")) {
		GError *local = NULL;
		GVariant *reply = runner_call_paged(r, call, flags, &local);

		/* an ikebusd from before paging names the key it does not know */
		if (reply != NULL || !g_error_matches(local, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT) ||
		    (strstr(local->message, "\"offset\"") == NULL &&
		     strstr(local->message, "\"encoding\"") == NULL)) {
			if (local != NULL)
				g_propagate_error(error, local);
			return reply;
		}
		g_clear_error(&local);
	}
	if (call->reply == CTL_REPLY_STATUS)
		sub = g_dbus_connection_signal_subscribe(r->bus, r->owner, call->interface, "Progress",
							 call->path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
							 on_progress, NULL, NULL);
	p.loop = g_main_loop_new(NULL, FALSE);
	/* negotiations may retransmit for minutes: no timeout for them */
	g_dbus_connection_call(r->bus, r->owner, call->path, call->interface, call->method, call->args,
			       NULL, flags, call->reply == CTL_REPLY_STATUS ? G_MAXINT : -1, NULL,
			       on_reply, &p);
	g_main_loop_run(p.loop);
	g_main_loop_unref(p.loop);
	if (sub != 0)
		g_dbus_connection_signal_unsubscribe(r->bus, sub);
	if (p.reply == NULL)
		g_propagate_error(error, p.error);
	return p.reply;
}

/* GetStatus("showstates") with the options of @call: what connectionstatus and
 * trafficstatus rows lack. NULL when it cannot be had (the text then does without). */
static GVariant *
fetch_states(Runner *r, const CtlCall *call)
{
	g_autoptr(GVariant) options = g_variant_get_child_value(call->args, 1);
	g_autoptr(GVariant) reply = NULL;
	CtlCall states = *call;

	states.args = g_variant_ref_sink(g_variant_new("(s@a{sv})", "showstates", options));
	reply = runner_call(r, &states, NULL);
	g_variant_unref(states.args);
	return reply != NULL ? g_variant_get_child_value(reply, 0) : NULL;
}

/* The text of an answer, as whack would print it. */
static void
show_text(Runner *r, const CtlCall *call, GVariant *body)
{
	g_autoptr(GString) text = g_string_new(NULL);
	CtlFormat f = { .now = g_get_real_time() / G_USEC_PER_SEC, .utc = r->utc };

	if (g_str_equal(call->method, "GetStatus")) {
		const char *form;
		g_autoptr(GVariant) states = NULL;

		g_variant_get_child(call->args, 0, "&s", &form);
		if (ctl_status_wants_states(form, body))
			states = fetch_states(r, call);
		ctl_format_status(text, form, body, states, &f);
	} else if (g_str_equal(call->method, "List")) {
		g_autofree const char **what = NULL;

		g_variant_get_child(call->args, 0, "^a&s", &what);
		ctl_format_list(text, what, body, &f);
	} else if (g_str_equal(call->method, "CheckPublicKeys")) {
		ctl_format_checkpubkeys(text, body, &f);
	} else if (call->reply == CTL_REPLY_DICT) {
		ctl_format_counters(text, body);
	} else if (g_variant_is_of_type(body, G_VARIANT_TYPE_STRING_ARRAY)) {
		g_autofree const char **items = g_variant_get_strv(body, NULL);

		for (gsize i = 0; items[i] != NULL; i++)
			g_string_append_printf(text, "%s\n", items[i]);
	} else {
		ctl_text_append_row(text, body);
		g_string_append_c(text, '\n');
	}
	fputs(text->str, stdout);
}

/* Shows the answer of @call; returns the exit status it implies. */
static int
runner_show(Runner *r, const CtlCall *call, GVariant *reply)
{
	g_autoptr(GVariant) body = g_variant_n_children(reply) > 0 ? g_variant_get_child_value(reply, 0)
								  : NULL;

	switch (call->reply) {
	case CTL_REPLY_NONE:
	case CTL_REPLY_PATH:
		return EXIT_SUCCESS;
	case CTL_REPLY_STATUS:
		return g_variant_is_of_type(body, G_VARIANT_TYPE_UINT32) ? (int) g_variant_get_uint32(body)
									: EXIT_SUCCESS;
	case CTL_REPLY_ROWS:
	case CTL_REPLY_DICT:
	case CTL_REPLY_PROPERTY:
		break;
	}
	if (call->reply == CTL_REPLY_PROPERTY) {
		GVariant *inner = g_variant_get_variant(body);

		g_variant_unref(body);
		body = inner;
	}
	if (r->json) {
		if (r->json_out->len > 1)
			g_string_append_c(r->json_out, ',');
		g_string_append_printf(r->json_out, "\"%s\":", call->title);
		ctl_json_append(r->json_out, body);
	} else {
		show_text(r, call, body);
	}
	return EXIT_SUCCESS;
}

/* A synchronous --initiate registers ikebusctl as the credential agent when it can answer. */
static CtlAgent *
agent_start(Runner *r, const CtlRequest *req)
{
	CtlAgentSource src = { req->xauth_user, req->xauth_password, req->password_fd };
	g_autoptr(GError) error = NULL;
	g_autoptr(CtlAgent) agent = NULL;

	if (!req->actions[CTL_ACT_INITIATE] || req->asynchronous || !ctl_agent_source_usable(&src))
		return NULL;
	agent = ctl_agent_new(r->bus, r->owner, &src, &error);
	if (agent == NULL || !ctl_agent_register(agent, &error)) {
		/* the negotiation may need no credentials: only say so when asked to answer */
		if (req->password_fd >= 0) {
			g_autofree char *msg = describe_error(error);

			print_problem(r, _("cannot answer credential requests"), msg);
		}
		return NULL;
	}
	return g_steal_pointer(&agent);
}

static int
run_calls(const CtlRequest *req, GPtrArray *calls)
{
	Runner r = { .label = req->label, .json = req->json, .utc = req->utc };
	g_autoptr(CtlAgent) agent = NULL;
	gboolean autostart = TRUE;
	int status = EXIT_SUCCESS;

	for (guint i = 0; i < calls->len; i++)
		autostart = autostart && ((CtlCall *) calls->pdata[i])->autostart;
	/* starting ikebusd only to stop it would be silly */
	if (!runner_connect(&r, req->bus_type, autostart)) {
		g_clear_object(&r.bus);
		return EXIT_PROBLEM;
	}
	agent = agent_start(&r, req);
	r.json_out = g_string_new("{");
	for (guint i = 0; i < calls->len && status == EXIT_SUCCESS; i++) {
		const CtlCall *call = calls->pdata[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = runner_call(&r, call, &error);

		if (reply == NULL) {
			g_autofree char *msg = describe_error(error);

			print_problem(&r, call->method, msg);
			status = EXIT_PROBLEM;
			break;
		}
		status = runner_show(&r, call, reply);
	}
	g_clear_pointer(&agent, ctl_agent_free);
	if (r.json && r.json_out->len > 1)
		printf("%s}\n", r.json_out->str);
	g_string_free(r.json_out, TRUE);
	g_free(r.owner);
	g_clear_object(&r.bus);
	return status;
}

/* --label before the parse, so that syntax errors carry it too. */
static const char *
find_label(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (g_str_equal(argv[i], "--label") && i + 1 < argc)
			return argv[i + 1];
		if (g_str_has_prefix(argv[i], "--label="))
			return argv[i] + strlen("--label=");
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	CtlRequest req;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) calls = NULL;
	int status = EXIT_SUCCESS;
	const char *label;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	/* registers org.ikebus.ike1.Error.* so failed calls map to IKEBUS_ERROR */
	(void) IKEBUS_ERROR;

	label = find_label(argc, argv);
	if (!ctl_parse(argc, argv, &req, &error)) {
		if (label != NULL)
			fprintf(stderr, "ikebusctl: %s: %s\n", label, error->message);
		else
			fprintf(stderr, "ikebusctl: %s\n", error->message);
		ctl_request_clear(&req);
		return EXIT_PROBLEM;
	}
	if (req.help) {
		ctl_print_help(stdout);
		ctl_request_clear(&req);
		return EXIT_SUCCESS;
	}
	if (req.version)
		status = do_version(&req);
	calls = ctl_request_to_calls(&req);
	if (status == EXIT_SUCCESS && calls->len > 0)
		status = run_calls(&req, calls);
	ctl_request_clear(&req);
	return status;
}
