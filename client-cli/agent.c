/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The credential agent of ikebusctl (agent.h). A request walks through its
 * fields: each one the command line has is answered from it, each other one
 * is prompted for and read line by line from the terminal (or
 * --password-fd) as the main loop runs, so Cancel can still arrive.
 * Answers are secrets: every buffer that held one is wiped before it is
 * freed, and nothing is logged.
 */
#include "config.h"

#include "agent.h"

#include "ikebus-dbus-generated.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define ERROR_FAILED "org.ikebus.ike1.Error.Failed"
#define ERROR_NOT_AUTHORIZED "org.ikebus.ike1.Error.NotAuthorized"
#define ERROR_INVALID "org.ikebus.ike1.Error.InvalidArgument"

struct CtlAgent {
	GDBusConnection *bus;
	char *daemon; /* the only caller we answer */
	char *username;
	char *password;
	int input_fd;
	guint object_id;
	gboolean registered;

	/* the request being answered */
	GDBusMethodInvocation *pending;
	char *conn_name;
	GPtrArray *ask;	      /* the fields still to ask for, in order */
	GVariantDict *answer; /* the fields answered so far */
	int fd;		      /* what is read: the terminal or input_fd; -1 when idle */
	gboolean own_fd;      /* fd is the terminal we opened */
	FILE *prompt_out;     /* where prompts go: the terminal or stderr */
	struct termios saved;
	gboolean echo_off;
	guint watch;
	GString *buf; /* input read but not consumed (a pipe may carry several lines) */
};

static void
wipe_string(GString *s)
{
	if (s != NULL && s->len > 0)
		memset(s->str, 0, s->len);
	if (s != NULL)
		g_string_truncate(s, 0);
}

static void
wipe_free(char *s)
{
	if (s != NULL)
		memset(s, 0, strlen(s));
	g_free(s);
}

/* ---- the terminal -------------------------------------------------------------- */

static void
echo_restore(CtlAgent *a)
{
	if (!a->echo_off)
		return;
	tcsetattr(a->fd, TCSAFLUSH, &a->saved);
	a->echo_off = FALSE;
	/* the Enter that ended the password was not echoed */
	fputc('\n', a->prompt_out);
	fflush(a->prompt_out);
}

static void
echo_off(CtlAgent *a)
{
	struct termios t;

	if (!isatty(a->fd) || tcgetattr(a->fd, &a->saved) != 0)
		return;
	t = a->saved;
	t.c_lflag &= ~(tcflag_t) (ECHO | ECHOE | ECHOK | ECHONL);
	if (tcsetattr(a->fd, TCSAFLUSH, &t) == 0)
		a->echo_off = TRUE;
}

/* Ends the current request (the invocation was answered or is answered by the caller). */
static void
request_clear(CtlAgent *a)
{
	echo_restore(a);
	if (a->watch != 0)
		g_source_remove(a->watch);
	a->watch = 0;
	if (a->own_fd && a->fd >= 0)
		close(a->fd);
	if (a->prompt_out != NULL && a->prompt_out != stderr)
		fclose(a->prompt_out);
	a->prompt_out = NULL;
	a->fd = -1;
	a->own_fd = FALSE;
	g_clear_pointer(&a->ask, g_ptr_array_unref);
	g_clear_pointer(&a->answer, g_variant_dict_unref);
	g_clear_pointer(&a->conn_name, g_free);
	a->pending = NULL;
}

static void
request_fail(CtlAgent *a, const char *name, const char *message)
{
	GDBusMethodInvocation *inv = a->pending;

	/* what was typed for a declined request is not kept either */
	if (a->input_fd < 0)
		wipe_string(a->buf);
	request_clear(a);
	if (inv != NULL)
		g_dbus_method_invocation_return_dbus_error(inv, name, message);
}

static void
request_done(CtlAgent *a)
{
	GDBusMethodInvocation *inv = a->pending;
	GVariant *answer = g_variant_dict_end(a->answer);

	request_clear(a);
	g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{sv})", answer));
}

static void
prompt_next(CtlAgent *a)
{
	const char *field = a->ask->pdata[0];

	if (g_str_equal(field, "password")) {
		fprintf(a->prompt_out, _("Password for \"%s\": "), a->conn_name);
		echo_off(a);
	} else {
		fprintf(a->prompt_out, _("User name for \"%s\": "), a->conn_name);
	}
	fflush(a->prompt_out);
}

/* Takes the complete lines in the buffer as answers; TRUE when the request is finished. */
static gboolean
consume_lines(CtlAgent *a)
{
	char *nl;

	while (a->ask->len > 0 && (nl = memchr(a->buf->str, '\n', a->buf->len)) != NULL) {
		gsize n = (gsize) (nl - a->buf->str);
		char *line = g_strndup(a->buf->str, n);
		const char *field = a->ask->pdata[0];

		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		memset(a->buf->str, 0, n + 1);
		g_string_erase(a->buf, 0, (gssize) n + 1);
		echo_restore(a);
		g_variant_dict_insert(a->answer, field, "s", line);
		wipe_free(line);
		g_ptr_array_remove_index(a->ask, 0);
		if (a->ask->len > 0)
			prompt_next(a);
	}
	if (a->ask->len > 0)
		return FALSE;
	request_done(a);
	return TRUE;
}

static gboolean
on_input(int fd, GIOCondition cond, gpointer user_data)
{
	CtlAgent *a = user_data;
	char chunk[256];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		a->watch = 0;
		request_fail(a, ERROR_FAILED, _("no answer: the input ended"));
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(a->buf, chunk, n);
	memset(chunk, 0, sizeof(chunk));
	if (consume_lines(a)) {
		/* request_clear() removed this source already */
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
open_input(CtlAgent *a)
{
	if (a->input_fd >= 0) {
		a->fd = a->input_fd;
		a->prompt_out = stderr;
		return TRUE;
	}
	a->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (a->fd < 0)
		return FALSE;
	a->own_fd = TRUE;
	a->prompt_out = fdopen(dup(a->fd), "w");
	if (a->prompt_out == NULL)
		a->prompt_out = stderr;
	return TRUE;
}

/* ---- the Agent methods -------------------------------------------------------------- */

static void
request_credentials(CtlAgent *a, GDBusMethodInvocation *inv, GVariant *params)
{
	const char *path, *kind = "", *prompt = "";
	g_autoptr(GVariant) request = NULL;
	g_autofree const char **fields = NULL;

	if (a->pending != NULL) {
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_FAILED,
							   _("another request is being answered"));
		return;
	}
	g_variant_get(params, "(&o@a{sv})", &path, &request);
	g_variant_lookup(request, "kind", "&s", &kind);
	g_variant_lookup(request, "prompt", "&s", &prompt);
	if (!g_variant_lookup(request, "fields", "^a&s", &fields) || fields[0] == NULL) {
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID,
							   "request: \"fields\" (as) is missing or empty");
		return;
	}
	a->pending = inv;
	{
		const char *slash = strrchr(path, '/');
		guint8 *name = g_dbus_unescape_object_path(slash != NULL ? slash + 1 : path);

		a->conn_name = name != NULL ? (char *) name : g_strdup(path);
	}
	a->ask = g_ptr_array_new();
	a->answer = g_variant_dict_new(NULL);
	for (gsize i = 0; fields[i] != NULL; i++) {
		if (g_str_equal(fields[i], "username") && a->username != NULL)
			g_variant_dict_insert(a->answer, "username", "s", a->username);
		else if (g_str_equal(fields[i], "password") && a->password != NULL)
			g_variant_dict_insert(a->answer, "password", "s", a->password);
		else if (g_str_equal(fields[i], "username"))
			g_ptr_array_add(a->ask, (gpointer) "username");
		else if (g_str_equal(fields[i], "password"))
			g_ptr_array_add(a->ask, (gpointer) "password");
		else {
			g_autofree char *msg = g_strdup_printf("request: field \"%s\" is not username "
							       "or password",
							       fields[i]);

			request_fail(a, ERROR_INVALID, msg);
			return;
		}
	}
	if (a->ask->len == 0) {
		request_done(a);
		return;
	}
	if (!open_input(a)) {
		request_fail(a, ERROR_FAILED,
			     _("no terminal to ask on: give --xauthuser and --xauthpass"));
		return;
	}
	if (prompt[0] != '\0')
		fprintf(a->prompt_out, "%s\n", prompt);
	if (kind[0] != '\0') {
		g_autofree char *upper = g_ascii_strup(kind, -1);

		fprintf(a->prompt_out, _("ikebusd asks for %s credentials of \"%s\"\n"), upper,
			a->conn_name);
	}
	prompt_next(a);
	if (!consume_lines(a))
		a->watch = g_unix_fd_add(a->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, a);
}

static void
method_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	    const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer user_data)
{
	CtlAgent *a = user_data;

	if (g_strcmp0(sender, a->daemon) != 0) {
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_NOT_AUTHORIZED,
							   "only ikebusd may call this agent");
		return;
	}
	if (g_str_equal(method, "RequestCredentials")) {
		request_credentials(a, inv, params);
	} else if (g_str_equal(method, "Cancel")) {
		if (a->pending != NULL) {
			if (a->prompt_out != NULL) {
				fprintf(a->prompt_out, "\n%s\n", _("(the request was cancelled)"));
				fflush(a->prompt_out);
			}
			request_fail(a, ERROR_FAILED, "cancelled");
		}
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (g_str_equal(method, "Release")) {
		a->registered = FALSE;
		g_dbus_method_invocation_return_value(inv, NULL);
	} else {
		g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.UnknownMethod",
							   method);
	}
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

CtlAgent *
ctl_agent_new(GDBusConnection *bus, const char *daemon_name, const CtlAgentSource *src,
	      GError **error)
{
	CtlAgent *a = g_new0(CtlAgent, 1);

	a->bus = g_object_ref(bus);
	a->daemon = g_strdup(daemon_name);
	a->username = g_strdup(src->username);
	a->password = g_strdup(src->password);
	a->input_fd = src->input_fd;
	a->fd = -1;
	a->buf = g_string_new(NULL);
	a->object_id = g_dbus_connection_register_object(bus, CTL_AGENT_PATH,
							 ikebus_agent_interface_info(), &vtable, a,
							 NULL, error);
	if (a->object_id == 0) {
		ctl_agent_free(a);
		return NULL;
	}
	return a;
}

gboolean
ctl_agent_register(CtlAgent *agent, GError **error)
{
	g_autoptr(GVariant) reply = NULL;

	reply = g_dbus_connection_call_sync(agent->bus, agent->daemon, "/org/ikebus/ike1",
					    "org.ikebus.ike1.Manager", "RegisterAgent",
					    g_variant_new("(o)", CTL_AGENT_PATH), NULL,
					    G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	agent->registered = reply != NULL;
	return agent->registered;
}

gboolean
ctl_agent_source_usable(const CtlAgentSource *src)
{
	int fd;

	if (src->password != NULL || src->input_fd >= 0)
		return TRUE;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

void
ctl_agent_free(CtlAgent *agent)
{
	if (agent == NULL)
		return;
	if (agent->pending != NULL)
		request_fail(agent, ERROR_FAILED, "ikebusctl is exiting");
	if (agent->registered) {
		GVariant *reply = g_dbus_connection_call_sync(
			agent->bus, agent->daemon, "/org/ikebus/ike1", "org.ikebus.ike1.Manager",
			"UnregisterAgent", g_variant_new("(o)", CTL_AGENT_PATH), NULL,
			G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);

		if (reply != NULL)
			g_variant_unref(reply);
	}
	if (agent->object_id != 0)
		g_dbus_connection_unregister_object(agent->bus, agent->object_id);
	wipe_string(agent->buf);
	g_string_free(agent->buf, TRUE);
	wipe_free(agent->password);
	g_free(agent->username);
	g_free(agent->daemon);
	g_object_unref(agent->bus);
	g_free(agent);
}
