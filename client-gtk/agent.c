/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "agent.h"

#include <adwaita.h>
#include <glib/gi18n.h>

struct _AppletAgent {
	AppletClient *client;
	GtkApplication *app;
	AppletNotify notify;
	gpointer notify_data;
	IkebusAgent *skeleton;
	GDBusConnection *exported_on;
	char *registered_with; /* the unique name of the ikebusd we registered with */
	char *status;
	gboolean registering;
	/* one request at a time: ikebusd asks per negotiation, a person answers one */
	GDBusMethodInvocation *pending;
	char *pending_path;
	GVariant *pending_request;
	GtkWidget *dialog;
	GtkWidget *username;
	GtkWidget *password;
	gulong client_handler;
	GCancellable *cancellable;
};

static void
set_status(AppletAgent *agent, const char *status)
{
	if (g_strcmp0(agent->status, status) == 0)
		return;
	g_free(agent->status);
	agent->status = g_strdup(status);
	if (agent->notify != NULL)
		agent->notify(agent->notify_data);
}

/* Only ikebusd may ask. */
static gboolean
from_daemon(AppletAgent *agent, GDBusMethodInvocation *invocation)
{
	g_autofree char *owner = applet_client_dup_owner(agent->client);

	if (owner != NULL && g_strcmp0(owner, g_dbus_method_invocation_get_sender(invocation)) == 0)
		return TRUE;
	g_dbus_method_invocation_return_dbus_error(invocation,
						   "org.ikebus.ike1.Error.NotAuthorized",
						   "only ikebusd may call this agent");
	return FALSE;
}

static void
close_dialog(AppletAgent *agent)
{
	if (agent->dialog != NULL) {
		GtkWidget *dialog = g_steal_pointer(&agent->dialog);

		gtk_window_destroy(GTK_WINDOW(dialog));
	}
	agent->username = agent->password = NULL;
}

static void
clear_pending(AppletAgent *agent)
{
	g_clear_object(&agent->pending);
	g_clear_pointer(&agent->pending_path, g_free);
	g_clear_pointer(&agent->pending_request, g_variant_unref);
	close_dialog(agent);
	if (agent->notify != NULL)
		agent->notify(agent->notify_data);
}

void
applet_agent_answer(AppletAgent *agent, gboolean accept, const char *username,
		    const char *password)
{
	g_autofree const char **wanted = NULL;
	GVariantBuilder response;

	if (agent->pending == NULL)
		return;
	if (!accept) {
		g_dbus_method_invocation_return_dbus_error(agent->pending,
							   "org.ikebus.ike1.Error.Failed",
							   "the user declined");
		clear_pending(agent);
		return;
	}
	g_variant_builder_init(&response, G_VARIANT_TYPE_VARDICT);
	g_variant_lookup(agent->pending_request, "fields", "^a&s", &wanted);
	for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++) {
		if (g_strcmp0(wanted[i], "username") == 0)
			g_variant_builder_add(&response, "{sv}", "username",
					      g_variant_new_string(username != NULL ? username : ""));
		else if (g_strcmp0(wanted[i], "password") == 0)
			g_variant_builder_add(&response, "{sv}", "password",
					      g_variant_new_string(password != NULL ? password : ""));
	}
	g_dbus_method_invocation_return_value(agent->pending, g_variant_new("(a{sv})", &response));
	/* the secret was copied into the reply; wipe what the entry held */
	if (agent->password != NULL)
		gtk_editable_set_text(GTK_EDITABLE(agent->password), "");
	clear_pending(agent);
}

static void
on_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
	AppletAgent *agent = user_data;
	g_autofree char *username = NULL, *password = NULL;

	if (agent->dialog != GTK_WIDGET(dialog))
		return;
	agent->dialog = NULL; /* adw closes it after this signal */
	if (agent->username != NULL)
		username = g_strdup(gtk_editable_get_text(GTK_EDITABLE(agent->username)));
	if (agent->password != NULL)
		password = g_strdup(gtk_editable_get_text(GTK_EDITABLE(agent->password)));
	applet_agent_answer(agent, g_strcmp0(response, "connect") == 0, username, password);
	if (password != NULL)
		memset(password, 0, strlen(password));
}

static GtkWindow *
active_window(AppletAgent *agent)
{
	return gtk_application_get_active_window(agent->app);
}

static void
show_dialog(AppletAgent *agent, const char *name, GVariant *request)
{
	g_autofree const char **wanted = NULL;
	const char *prompt = NULL, *kind = NULL, *known_user = NULL;
	g_autofree char *heading = g_strdup_printf(_("Sign in to “%s”"), name);
	g_autofree char *body = NULL;
	GtkWidget *box;

	g_variant_lookup(request, "fields", "^a&s", &wanted);
	g_variant_lookup(request, "prompt", "&s", &prompt);
	g_variant_lookup(request, "kind", "&s", &kind);
	g_variant_lookup(request, "username", "&s", &known_user);
	if (g_strcmp0(kind, "pin") == 0)
		body = g_strdup(_("The connection needs the PIN of your token."));
	else
		body = g_strdup(_("The VPN gateway asks for your user name and password."));
	if (prompt != NULL && *prompt != '\0') {
		char *with_prompt = g_strdup_printf("%s\n\n%s", body, prompt);

		g_free(body);
		body = with_prompt;
	}

	agent->dialog = adw_message_dialog_new(active_window(agent), heading, body);
	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++) {
		if (g_strcmp0(wanted[i], "username") == 0) {
			agent->username = gtk_entry_new();
			gtk_entry_set_placeholder_text(GTK_ENTRY(agent->username), _("User name"));
			if (known_user != NULL)
				gtk_editable_set_text(GTK_EDITABLE(agent->username), known_user);
			gtk_box_append(GTK_BOX(box), agent->username);
		} else if (g_strcmp0(wanted[i], "password") == 0) {
			agent->password = gtk_password_entry_new();
			gtk_password_entry_set_show_peek_icon(GTK_PASSWORD_ENTRY(agent->password),
							      TRUE);
			g_object_set(agent->password, "placeholder-text",
				     g_strcmp0(kind, "pin") == 0 ? _("PIN") : _("Password"), NULL);
			gtk_box_append(GTK_BOX(box), agent->password);
		}
	}
	adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(agent->dialog), box);
	adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(agent->dialog), "cancel", _("_Cancel"),
					 "connect", _("C_onnect"), NULL);
	adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(agent->dialog), "connect",
						   ADW_RESPONSE_SUGGESTED);
	adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(agent->dialog), "connect");
	adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(agent->dialog), "cancel");
	g_signal_connect(agent->dialog, "response", G_CALLBACK(on_response), agent);
	gtk_window_present(GTK_WINDOW(agent->dialog));
}

static gboolean
handle_request_credentials(IkebusAgent *skeleton, GDBusMethodInvocation *invocation,
			   const char *connection, GVariant *request, gpointer user_data)
{
	AppletAgent *agent = user_data;
	AppletConn *conn = NULL;
	GListModel *model = applet_client_get_connections(agent->client);
	const char *name = connection;

	if (!from_daemon(agent, invocation))
		return TRUE;
	if (agent->pending != NULL) {
		g_dbus_method_invocation_return_dbus_error(invocation,
							   "org.ikebus.ike1.Error.Busy",
							   "another request is being answered");
		return TRUE;
	}
	for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
		g_autoptr(AppletConn) c = g_list_model_get_item(model, i);

		if (g_strcmp0(applet_conn_get_path(c), connection) == 0)
			conn = c;
	}
	if (conn != NULL)
		name = applet_conn_get_name(conn);
	agent->pending = g_object_ref(invocation);
	agent->pending_path = g_strdup(connection);
	agent->pending_request = g_variant_ref(request);
	show_dialog(agent, name, request);
	if (agent->notify != NULL)
		agent->notify(agent->notify_data);
	return TRUE;
}

static gboolean
handle_cancel(IkebusAgent *skeleton, GDBusMethodInvocation *invocation, const char *connection,
	      gpointer user_data)
{
	AppletAgent *agent = user_data;

	if (!from_daemon(agent, invocation))
		return TRUE;
	if (agent->pending != NULL && g_strcmp0(agent->pending_path, connection) == 0) {
		g_dbus_method_invocation_return_dbus_error(agent->pending,
							   "org.ikebus.ike1.Error.Failed",
							   "cancelled by ikebusd");
		clear_pending(agent);
	}
	ikebus_agent_complete_cancel(skeleton, invocation);
	return TRUE;
}

static gboolean
handle_release(IkebusAgent *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
	AppletAgent *agent = user_data;

	if (!from_daemon(agent, invocation))
		return TRUE;
	g_clear_pointer(&agent->registered_with, g_free);
	set_status(agent, "released");
	ikebus_agent_complete_release(skeleton, invocation);
	return TRUE;
}

typedef struct {
	AppletAgent *agent;
	char *owner;
} RegisterData;

static void
register_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	RegisterData *data = user_data;
	AppletAgent *agent = data->agent;
	g_autofree char *owner = data->owner;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
								  &error);

	g_free(data);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* the agent is gone */
	agent->registering = FALSE;
	if (reply == NULL) {
		g_autofree char *remote = g_dbus_error_get_remote_error(error);
		g_autofree char *status = NULL;

		g_dbus_error_strip_remote_error(error);
		g_info("RegisterAgent: %s", error->message);
		status = g_strdup_printf("unavailable: %s%s%s", remote != NULL ? remote : "",
					 remote != NULL ? ": " : "", error->message);
		set_status(agent, status);
		return;
	}
	agent->registered_with = g_steal_pointer(&owner);
	set_status(agent, "registered");
}

static void
on_client_changed(AppletClient *client, gpointer user_data)
{
	AppletAgent *agent = user_data;
	g_autofree char *owner = applet_client_dup_owner(client);
	GDBusConnection *bus = applet_client_get_bus(client);
	g_autoptr(GError) error = NULL;
	RegisterData *data;

	if (owner == NULL || bus == NULL) {
		g_clear_pointer(&agent->registered_with, g_free);
		if (agent->pending != NULL)
			clear_pending(agent); /* its caller is gone */
		set_status(agent, "waiting");
		return;
	}
	if (agent->registering || g_strcmp0(agent->registered_with, owner) == 0)
		return;
	if (g_strcmp0(agent->status, "released") == 0)
		return;
	if (agent->exported_on == NULL) {
		if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(agent->skeleton), bus,
						      APPLET_AGENT_PATH, &error)) {
			g_autofree char *status = g_strdup_printf("unavailable: %s", error->message);

			set_status(agent, status);
			return;
		}
		agent->exported_on = g_object_ref(bus);
	}
	agent->registering = TRUE;
	data = g_new0(RegisterData, 1);
	data->agent = agent;
	data->owner = g_steal_pointer(&owner);
	/* connect is allow_active: no dialog at login for a desktop user */
	g_dbus_connection_call(bus, IKEBUS_BUS_NAME, IKEBUS_MANAGER_PATH,
			       "org.ikebus.ike1.Manager", "RegisterAgent",
			       g_variant_new("(o)", APPLET_AGENT_PATH), G_VARIANT_TYPE_UNIT,
			       G_DBUS_CALL_FLAGS_NONE, -1, agent->cancellable, register_done, data);
}

AppletAgent *
applet_agent_new(AppletClient *client, GtkApplication *app, AppletNotify notify,
		 gpointer notify_data)
{
	AppletAgent *agent = g_new0(AppletAgent, 1);

	agent->client = g_object_ref(client);
	agent->app = app;
	agent->notify = notify;
	agent->notify_data = notify_data;
	agent->status = g_strdup("waiting");
	agent->cancellable = g_cancellable_new();
	agent->skeleton = ikebus_agent_skeleton_new();
	g_signal_connect(agent->skeleton, "handle-request-credentials",
			 G_CALLBACK(handle_request_credentials), agent);
	g_signal_connect(agent->skeleton, "handle-cancel", G_CALLBACK(handle_cancel), agent);
	g_signal_connect(agent->skeleton, "handle-release", G_CALLBACK(handle_release), agent);
	agent->client_handler = g_signal_connect(client, "changed", G_CALLBACK(on_client_changed),
						 agent);
	on_client_changed(client, agent);
	return agent;
}

void
applet_agent_free(AppletAgent *agent)
{
	if (agent == NULL)
		return;
	g_cancellable_cancel(agent->cancellable);
	g_clear_object(&agent->cancellable);
	if (agent->pending != NULL)
		applet_agent_answer(agent, FALSE, NULL, NULL);
	g_clear_signal_handler(&agent->client_handler, agent->client);
	if (agent->exported_on != NULL) {
		if (agent->registered_with != NULL)
			/* best effort: leaving the bus drops the agent anyway */
			g_dbus_connection_call(agent->exported_on, IKEBUS_BUS_NAME,
					       IKEBUS_MANAGER_PATH, "org.ikebus.ike1.Manager",
					       "UnregisterAgent",
					       g_variant_new("(o)", APPLET_AGENT_PATH), NULL,
					       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(agent->skeleton));
		g_clear_object(&agent->exported_on);
	}
	g_clear_object(&agent->skeleton);
	g_clear_object(&agent->client);
	g_free(agent->registered_with);
	g_free(agent->status);
	g_free(agent);
}

const char *
applet_agent_get_status(AppletAgent *agent)
{
	return agent->status;
}

const char *
applet_agent_get_pending(AppletAgent *agent)
{
	return agent->pending_path;
}
