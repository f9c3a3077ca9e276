/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "row.h"

#include "dump.h"

#include <glib/gi18n.h>

typedef struct {
	AppletClient *client;
	AppletConn *conn;
	GtkWidget *row;
	GtkWidget *icon;
	GtkWidget *spinner;
	GtkWidget *toggle; /* GtkSwitch */
	gulong state_set_id;
} Row;

static void
row_free(Row *r)
{
	g_object_unref(r->client);
	g_object_unref(r->conn);
	g_free(r);
}

static Row *
row_get(GtkWidget *row)
{
	return g_object_get_data(G_OBJECT(row), "applet-row");
}

static const char *
state_icon(AppletState state)
{
	switch (state) {
	case APPLET_STATE_UP:
		return "network-vpn-symbolic";
	case APPLET_STATE_CONNECTING:
	case APPLET_STATE_PARTIAL:
	case APPLET_STATE_DISCONNECTING:
		return "network-vpn-acquiring-symbolic";
	case APPLET_STATE_FAILED:
		return "dialog-warning-symbolic";
	case APPLET_STATE_DOWN:
		return "network-vpn-disabled-symbolic";
	}
	return "network-vpn-disabled-symbolic";
}

static void
row_update(Row *r)
{
	AppletState state = applet_conn_get_state(r->conn);
	const char *error = applet_conn_get_error(r->conn);
	gboolean busy = applet_conn_get_busy(r->conn);
	gboolean active = applet_conn_get_active(r->conn);
	g_autofree char *subtitle = NULL;
	const char *peer = applet_conn_get_option_string(r->conn, "right-host");

	if (error != NULL)
		subtitle = g_strdup_printf("%s — %s", applet_state_to_label(APPLET_STATE_FAILED),
					   error);
	else if (peer != NULL)
		/* TRANSLATORS: row subtitle: "Connected · vpn.example.com" */
		subtitle = g_strdup_printf(_("%s · %s"), applet_state_to_label(state), peer);
	else
		subtitle = g_strdup(applet_state_to_label(state));
	adw_action_row_set_subtitle(ADW_ACTION_ROW(r->row), subtitle);
	gtk_image_set_from_icon_name(GTK_IMAGE(r->icon), state_icon(state));
	gtk_widget_remove_css_class(r->row, "applet-failed");
	gtk_widget_remove_css_class(r->icon, "success");
	gtk_widget_remove_css_class(r->icon, "error");
	if (state == APPLET_STATE_FAILED) {
		gtk_widget_add_css_class(r->row, "applet-failed");
		gtk_widget_add_css_class(r->icon, "error");
	} else if (state == APPLET_STATE_UP)
		gtk_widget_add_css_class(r->icon, "success");

	gtk_widget_set_visible(r->spinner, busy || state == APPLET_STATE_CONNECTING ||
						   state == APPLET_STATE_DISCONNECTING);
	gtk_spinner_set_spinning(GTK_SPINNER(r->spinner), gtk_widget_get_visible(r->spinner));

	g_signal_handler_block(r->toggle, r->state_set_id);
	gtk_switch_set_active(GTK_SWITCH(r->toggle), active);
	gtk_switch_set_state(GTK_SWITCH(r->toggle), active);
	g_signal_handler_unblock(r->toggle, r->state_set_id);
	gtk_widget_set_sensitive(r->toggle, !busy);
	gtk_accessible_update_state(GTK_ACCESSIBLE(r->toggle), GTK_ACCESSIBLE_STATE_BUSY, busy, -1);
	gtk_widget_set_tooltip_text(r->toggle, active ? _("Disconnect") : _("Connect"));
}

static void
on_conn_changed(AppletConn *conn, gpointer user_data)
{
	Row *r = row_get(user_data);

	if (r != NULL)
		row_update(r);
}

static gboolean
on_state_set(GtkSwitch *toggle, gboolean state, gpointer user_data)
{
	Row *r = user_data;

	applet_client_set_up(r->client, r->conn, state);
	/* the switch follows the daemon's State, not the click */
	row_update(r);
	return TRUE;
}

GtkWidget *
applet_row_new(AppletClient *client, AppletConn *conn)
{
	Row *r = g_new0(Row, 1);
	GtkWidget *chevron;

	r->client = g_object_ref(client);
	r->conn = g_object_ref(conn);
	r->row = adw_action_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(r->row), applet_conn_get_name(conn));
	adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(r->row), FALSE);
	adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(r->row), 3);
	gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(r->row), TRUE);

	r->icon = gtk_image_new();
	adw_action_row_add_prefix(ADW_ACTION_ROW(r->row), r->icon);

	r->spinner = gtk_spinner_new();
	adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->spinner);

	r->toggle = gtk_switch_new();
	gtk_widget_set_valign(r->toggle, GTK_ALIGN_CENTER);
	gtk_accessible_update_property(GTK_ACCESSIBLE(r->toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       applet_conn_get_name(conn), -1);
	r->state_set_id = g_signal_connect(r->toggle, "state-set", G_CALLBACK(on_state_set), r);
	adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), r->toggle);

	chevron = gtk_image_new_from_icon_name("go-next-symbolic");
	gtk_widget_set_tooltip_text(chevron, _("Details"));
	adw_action_row_add_suffix(ADW_ACTION_ROW(r->row), chevron);

	g_object_set_data_full(G_OBJECT(r->row), "applet-row", r, (GDestroyNotify) row_free);
	/* disconnected when the row goes */
	g_signal_connect_object(conn, "changed", G_CALLBACK(on_conn_changed), r->row, 0);
	row_update(r);
	return r->row;
}

AppletConn *
applet_row_get_conn(GtkWidget *row)
{
	Row *r = row_get(row);

	return r != NULL ? r->conn : NULL;
}

void
applet_row_toggle(GtkWidget *row)
{
	Row *r = row_get(row);

	if (r != NULL && gtk_widget_get_sensitive(r->toggle))
		on_state_set(GTK_SWITCH(r->toggle), !gtk_switch_get_active(GTK_SWITCH(r->toggle)),
			     r);
}

void
applet_row_dump(GtkWidget *row, GString *json)
{
	Row *r = row_get(row);
	const char *error = applet_conn_get_error(r->conn);

	g_string_append_c(json, '{');
	dump_member_string(json, "name", applet_conn_get_name(r->conn), TRUE);
	dump_member_string(json, "state", applet_state_to_id(applet_conn_get_state(r->conn)), TRUE);
	dump_member_string(json, "daemon-state", ikebus_conn_get_state(applet_conn_get_proxy(r->conn)),
			   TRUE);
	dump_member_string(json, "title",
			   adw_preferences_row_get_title(ADW_PREFERENCES_ROW(r->row)), TRUE);
	dump_member_string(json, "subtitle", adw_action_row_get_subtitle(ADW_ACTION_ROW(r->row)),
			   TRUE);
	dump_member_bool(json, "switch", gtk_switch_get_active(GTK_SWITCH(r->toggle)), TRUE);
	dump_member_bool(json, "busy", applet_conn_get_busy(r->conn), TRUE);
	dump_member_string(json, "error", error, FALSE);
	g_string_append_c(json, '}');
}
