/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl as a credential agent, on a private dbus-daemon (GTestDBus) with
 * a stand-in for ikebusd: this test owns org.ikebus.ike1, serves
 * Manager.RegisterAgent/UnregisterAgent and Connection.Initiate, and while
 * Initiate runs asks the registered agent for credentials, as ikebusd will
 * for XAUTH or EAP. Checked: the built ikebusctl registers during a
 * synchronous --initiate, answers from --password-fd (or from --xauthuser /
 * --xauthpass without reading anything), unregisters at the end; the agent
 * refuses any caller but ikebusd's unique name; Cancel drops a prompt.
 */
#include "config.h"

#include "agent.h"
#include "ikebus-dbus-generated.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	GDBusConnection *bus;
	char *agent_owner; /* who registered, and where */
	char *agent_path;
	GVariant *response; /* what the agent answered */
	char *error;	    /* or the error it gave */
	gboolean unregistered;
	guint registrations;
	GVariant *request; /* what Initiate asks the agent for */
} FakeDaemon;

typedef struct {
	FakeDaemon *d;
	GDBusMethodInvocation *initiate;
} Asking;

static void
on_agent_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Asking *ask = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	if (reply != NULL) {
		ask->d->response = g_variant_get_child_value(reply, 0);
		g_dbus_method_invocation_return_value(ask->initiate, g_variant_new("(u)", 0));
	} else {
		ask->d->error = g_dbus_error_get_remote_error(error);
		g_dbus_method_invocation_return_value(ask->initiate, g_variant_new("(u)", 12));
	}
	g_free(ask);
}

static void
daemon_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
	    const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer user_data)
{
	FakeDaemon *d = user_data;

	if (g_str_equal(method, "RegisterAgent")) {
		g_free(d->agent_owner);
		g_free(d->agent_path);
		d->agent_owner = g_strdup(sender);
		g_variant_get(params, "(o)", &d->agent_path);
		d->registrations++;
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (g_str_equal(method, "UnregisterAgent")) {
		d->unregistered = g_strcmp0(sender, d->agent_owner) == 0;
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (g_str_equal(method, "Initiate") && d->agent_owner != NULL) {
		Asking *ask = g_new0(Asking, 1);

		ask->d = d;
		ask->initiate = inv;
		g_dbus_connection_call(bus, d->agent_owner, d->agent_path, "org.ikebus.ike1.Agent",
				       "RequestCredentials",
				       g_variant_new("(o@a{sv})", path, d->request), G_VARIANT_TYPE("(a{sv})"),
				       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_agent_reply, ask);
	} else if (g_str_equal(method, "Initiate")) {
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", 0));
	} else {
		g_dbus_method_invocation_return_dbus_error(inv, "org.ikebus.ike1.Error.NotSupported", method);
	}
}

static const GDBusInterfaceVTable daemon_vtable = { daemon_call, NULL, NULL, { 0 } };

static void
fake_daemon_start(FakeDaemon *d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	d->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_dbus_connection_register_object(d->bus, "/org/ikebus/ike1",
							   ikebus_manager_interface_info(),
							   &daemon_vtable, d, NULL, &error),
			 !=, 0);
	g_assert_cmpuint(g_dbus_connection_register_object(d->bus, "/org/ikebus/ike1/connection/c",
							   ikebus_conn_interface_info(),
							   &daemon_vtable, d, NULL, &error),
			 !=, 0);
	reply = g_dbus_connection_call_sync(d->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "RequestName",
					    g_variant_new("(su)", "org.ikebus.ike1", 4), NULL,
					    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	g_assert_no_error(error);
}

static void
fake_daemon_reset(FakeDaemon *d, const char *request)
{
	g_clear_pointer(&d->agent_owner, g_free);
	g_clear_pointer(&d->agent_path, g_free);
	g_clear_pointer(&d->response, g_variant_unref);
	g_clear_pointer(&d->error, g_free);
	g_clear_pointer(&d->request, g_variant_unref);
	d->unregistered = FALSE;
	d->registrations = 0;
	d->request = g_variant_ref_sink(g_variant_new_parsed(request));
}

typedef struct {
	GMainLoop *loop;
	char *out, *err;
	int status;
} Run;

static void
on_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Run *run = user_data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &run->out, &run->err, &error);
	g_assert_no_error(error);
	run->status = g_subprocess_get_exit_status(G_SUBPROCESS(source));
	g_main_loop_quit(run->loop);
}

/* Runs ikebusctl with @argv (NULL-terminated, after the program), @input on stdin. */
static int
run_ikebusctl(const char *const *args, const char *input, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	Run run = { .loop = g_main_loop_new(NULL, FALSE) };

	g_ptr_array_add(argv, (gpointer) g_getenv("IKEBUSCTL"));
	for (gsize i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer) args[i]);
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_newv((const char *const *) argv->pdata,
				 G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					 G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(proc, input, NULL, on_done, &run);
	g_main_loop_run(run.loop);
	g_main_loop_unref(run.loop);
	g_free(run.out);
	*err = run.err;
	return run.status;
}

static FakeDaemon daemon_;

static void
test_initiate_password_fd(void)
{
	const char *args[] = { "--session", "--initiate", "--name", "c", "--password-fd", "0", NULL };
	g_autofree char *err = NULL;
	const char *user = NULL, *pass = NULL;
	int status;

	fake_daemon_reset(&daemon_, "{'kind': <'xauth'>, 'fields': <['username', 'password']>, "
				    "'prompt': <'Welcome to the gateway'>}");
	status = run_ikebusctl(args, "alice\nsecret words\n", &err);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpuint(daemon_.registrations, ==, 1);
	g_assert_cmpstr(daemon_.agent_path, ==, CTL_AGENT_PATH);
	g_assert_null(daemon_.error);
	g_assert_nonnull(daemon_.response);
	g_assert_true(g_variant_lookup(daemon_.response, "username", "&s", &user));
	g_assert_true(g_variant_lookup(daemon_.response, "password", "&s", &pass));
	g_assert_cmpstr(user, ==, "alice");
	g_assert_cmpstr(pass, ==, "secret words");
	g_assert_cmpuint(g_variant_n_children(daemon_.response), ==, 2);
	g_assert_true(daemon_.unregistered);
	/* the banner and the prompts went to stderr, the answers did not */
	g_assert_nonnull(strstr(err, "Welcome to the gateway"));
	g_assert_null(strstr(err, "secret words"));
}

/* --xauthuser/--xauthpass answer without reading anything */
static void
test_initiate_command_line(void)
{
	const char *args[] = { "--session", "--initiate", "--name", "c", "--xauthuser", "bob",
			       "--xauthpass", "pw", NULL };
	g_autofree char *err = NULL;
	const char *user = NULL, *pass = NULL;

	fake_daemon_reset(&daemon_, "{'kind': <'eap'>, 'fields': <['username', 'password']>}");
	g_assert_cmpint(run_ikebusctl(args, "not read\n", &err), ==, 0);
	g_assert_nonnull(daemon_.response);
	g_assert_true(g_variant_lookup(daemon_.response, "username", "&s", &user));
	g_assert_true(g_variant_lookup(daemon_.response, "password", "&s", &pass));
	g_assert_cmpstr(user, ==, "bob");
	g_assert_cmpstr(pass, ==, "pw");
	g_assert_null(strstr(err, "Password"));
}

/* the input ends before the password: the agent declines, Initiate ends with status 12 */
static void
test_initiate_input_ends(void)
{
	const char *args[] = { "--session", "--initiate", "--name", "c", "--password-fd", "0", NULL };
	g_autofree char *err = NULL;

	fake_daemon_reset(&daemon_, "{'kind': <'xauth'>, 'fields': <['password']>, "
				    "'username': <'alice'>}");
	g_assert_cmpint(run_ikebusctl(args, "", &err), ==, 12);
	g_assert_cmpstr(daemon_.error, ==, "org.ikebus.ike1.Error.Failed");
	g_assert_true(daemon_.unregistered);
}

/* --asynchronous: nothing waits for an answer, so no agent */
static void
test_initiate_async_no_agent(void)
{
	const char *args[] = { "--session", "--initiate", "--name", "c", "--asynchronous", NULL };
	g_autofree char *err = NULL;

	fake_daemon_reset(&daemon_, "{'fields': <['password']>}");
	g_assert_cmpint(run_ikebusctl(args, "", &err), ==, 0);
	g_assert_cmpuint(daemon_.registrations, ==, 0);
}

typedef struct {
	GMainLoop *loop;
	GVariant *reply;
	GError *error;
} Call;

static void
on_call(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Call *c = user_data;

	c->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &c->error);
	g_main_loop_quit(c->loop);
}

static void
call_agent(GDBusConnection *from, const char *agent_name, const char *method, GVariant *args,
	   Call *c)
{
	c->loop = g_main_loop_new(NULL, FALSE);
	g_dbus_connection_call(from, agent_name, CTL_AGENT_PATH, "org.ikebus.ike1.Agent", method, args,
			       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_call, c);
	g_main_loop_run(c->loop);
	g_main_loop_unref(c->loop);
}

static GDBusConnection *
new_connection(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, &error);
	GDBusConnection *c = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);

	g_assert_no_error(error);
	return c;
}

/* In process: a stranger is refused, ikebusd is answered, Cancel drops a waiting prompt. */
static void
test_agent_callers(void)
{
	g_autoptr(GDBusConnection) client = new_connection();
	g_autoptr(GDBusConnection) stranger = new_connection();
	g_autoptr(GError) error = NULL;
	g_autoptr(CtlAgent) agent = NULL;
	const char *daemon_name = g_dbus_connection_get_unique_name(daemon_.bus);
	const char *agent_name = g_dbus_connection_get_unique_name(client);
	int fds[2];
	CtlAgentSource src = { NULL, NULL, -1 };
	Call c = { 0 };
	const char *pass = NULL;
	g_autofree char *remote = NULL;

	g_assert_no_errno(pipe(fds));
	src.input_fd = fds[0];
	agent = ctl_agent_new(client, daemon_name, &src, &error);
	g_assert_no_error(error);

	/* a stranger (any other connection) gets NotAuthorized and nothing is read */
	g_assert_cmpint(write(fds[1], "hunter2\n", 8), ==, 8);
	call_agent(stranger, agent_name, "RequestCredentials",
		   g_variant_new_parsed("(objectpath '/org/ikebus/ike1/connection/c', "
					"{'fields': <['password']>})"),
		   &c);
	g_assert_null(c.reply);
	remote = g_dbus_error_get_remote_error(c.error);
	g_assert_cmpstr(remote, ==, "org.ikebus.ike1.Error.NotAuthorized");
	g_clear_error(&c.error);

	/* ikebusd's unique name is answered with the line waiting in the pipe */
	call_agent(daemon_.bus, agent_name, "RequestCredentials",
		   g_variant_new_parsed("(objectpath '/org/ikebus/ike1/connection/c', "
					"{'kind': <'xauth'>, 'fields': <['password']>})"),
		   &c);
	g_assert_no_error(c.error);
	{
		g_autoptr(GVariant) dict = g_variant_get_child_value(c.reply, 0);

		g_assert_true(g_variant_lookup(dict, "password", "&s", &pass));
		g_assert_cmpstr(pass, ==, "hunter2");
	}
	g_clear_pointer(&c.reply, g_variant_unref);

	/* a field it cannot supply is InvalidArgument */
	call_agent(daemon_.bus, agent_name, "RequestCredentials",
		   g_variant_new_parsed("(objectpath '/org/ikebus/ike1/connection/c', "
					"{'fields': <['pin']>})"),
		   &c);
	g_assert_null(c.reply);
	g_clear_pointer(&remote, g_free);
	remote = g_dbus_error_get_remote_error(c.error);
	g_assert_cmpstr(remote, ==, "org.ikebus.ike1.Error.InvalidArgument");
	g_clear_error(&c.error);

	/* a stranger cannot Cancel either; ikebusd can, and the waiting request fails */
	{
		Call pending = { .loop = g_main_loop_new(NULL, FALSE) };
		Call cancel = { 0 };

		g_dbus_connection_call(daemon_.bus, agent_name, CTL_AGENT_PATH, "org.ikebus.ike1.Agent",
				       "RequestCredentials",
				       g_variant_new_parsed("(objectpath '/org/ikebus/ike1/connection/c', "
							    "{'fields': <['password']>})"),
				       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_call, &pending);
		call_agent(stranger, agent_name, "Cancel",
			   g_variant_new("(o)", "/org/ikebus/ike1/connection/c"), &cancel);
		g_assert_null(cancel.reply);
		g_clear_error(&cancel.error);
		call_agent(daemon_.bus, agent_name, "Cancel",
			   g_variant_new("(o)", "/org/ikebus/ike1/connection/c"), &cancel);
		g_assert_no_error(cancel.error);
		g_clear_pointer(&cancel.reply, g_variant_unref);
		if (pending.reply == NULL && pending.error == NULL)
			g_main_loop_run(pending.loop);
		g_main_loop_unref(pending.loop);
		g_assert_null(pending.reply);
		g_clear_pointer(&remote, g_free);
		remote = g_dbus_error_get_remote_error(pending.error);
		g_assert_cmpstr(remote, ==, "org.ikebus.ike1.Error.Failed");
		g_clear_error(&pending.error);
	}
	close(fds[1]);
	g_clear_pointer(&agent, ctl_agent_free);
	close(fds[0]);
}

int
main(int argc, char **argv)
{
	g_autoptr(GTestDBus) bus = NULL;
	g_autofree char *dbus_daemon = g_find_program_in_path("dbus-daemon");
	int status;

	g_test_init(&argc, &argv, NULL);
	if (g_getenv("IKEBUSCTL") == NULL || dbus_daemon == NULL) {
		g_printerr("SKIP: needs IKEBUSCTL and dbus-daemon\n");
		return 77;
	}
	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	fake_daemon_start(&daemon_);
	g_test_add_func("/cli/agent/initiate-password-fd", test_initiate_password_fd);
	g_test_add_func("/cli/agent/initiate-command-line", test_initiate_command_line);
	g_test_add_func("/cli/agent/initiate-input-ends", test_initiate_input_ends);
	g_test_add_func("/cli/agent/initiate-async-no-agent", test_initiate_async_no_agent);
	g_test_add_func("/cli/agent/callers", test_agent_callers);
	status = g_test_run();
	fake_daemon_reset(&daemon_, "@a{sv} {}");
	g_clear_pointer(&daemon_.request, g_variant_unref);
	g_clear_object(&daemon_.bus);
	g_test_dbus_down(bus);
	return status;
}
