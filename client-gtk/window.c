/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "window.h"

#include "details.h"
#include "dump.h"
#include "row.h"

#include <glib/gi18n.h>

struct _AppletWindow {
	AppletClient *client;
	AppletNotify notify;
	gpointer notify_data;
	GtkWidget *window;
	GtkWidget *toasts;     /* AdwToastOverlay */
	GtkWidget *pages;      /* GtkStack: "list", "details" */
	GtkWidget *list_title; /* AdwWindowTitle */
	GtkWidget *list_stack; /* GtkStack: "not-running", "empty", "list" */
	GtkWidget *list;       /* GtkListBox */
	GtkWidget *status_label;
	GtkWidget *version_label;
	GtkWidget *backend_label;
	GtkWidget *status_details;
	GtkWidget *footer;
	GtkWidget *details;       /* from details.c */
	GtkWidget *details_title; /* AdwWindowTitle */
	GtkWidget *editor;        /* the open form, or NULL */
	GtkWidget *confirm;       /* the open "Delete?" dialog, or NULL */
	AppletConn *confirm_conn;
	char *last_toast;
	gulong client_handler;
	gulong items_handler;
};

static void
notify(AppletWindow *win)
{
	if (win->notify != NULL)
		win->notify(win->notify_data);
}

void
applet_window_toast(AppletWindow *win, const char *text)
{
	AdwToast *toast = adw_toast_new(text);

	adw_toast_set_timeout(toast, 6);
	adw_toast_overlay_add_toast(ADW_TOAST_OVERLAY(win->toasts), toast);
	g_free(win->last_toast);
	win->last_toast = g_strdup(text);
	notify(win);
}

/* ---- daemon status and the list ------------------------------------------ */

static void
update_status(AppletWindow *win)
{
	const char *version = applet_client_get_version(win->client);
	const char *backend = applet_client_get_backend(win->client);
	guint n = g_list_model_get_n_items(applet_client_get_connections(win->client));

	if (version == NULL) {
		gtk_label_set_text(GTK_LABEL(win->status_label), _("ikebusd is not running"));
		gtk_label_set_text(GTK_LABEL(win->version_label), "");
		gtk_label_set_text(GTK_LABEL(win->backend_label), "");
		gtk_widget_set_visible(win->status_details, FALSE);
		/* the status page says it already */
		gtk_widget_set_visible(win->footer, FALSE);
		adw_window_title_set_subtitle(ADW_WINDOW_TITLE(win->list_title),
					      _("ikebusd is not running"));
		gtk_stack_set_visible_child_name(GTK_STACK(win->list_stack), "not-running");
	} else {
		g_autofree char *status = g_strdup_printf(_("ikebusd %s is running"), version);

		gtk_label_set_text(GTK_LABEL(win->status_label), status);
		gtk_label_set_text(GTK_LABEL(win->version_label), version);
		gtk_label_set_text(GTK_LABEL(win->backend_label), backend != NULL ? backend : "");
		gtk_widget_set_visible(win->status_details, TRUE);
		gtk_widget_set_visible(win->footer, TRUE);
		adw_window_title_set_subtitle(ADW_WINDOW_TITLE(win->list_title), status);
		gtk_stack_set_visible_child_name(GTK_STACK(win->list_stack),
						 n > 0 ? "list" : "empty");
	}
	notify(win);
}

static void
on_client_changed(AppletClient *client, gpointer user_data)
{
	update_status(user_data);
}

static void
on_conn_changed(gpointer user_data)
{
	AppletWindow *win = user_data;
	AppletConn *shown = applet_details_get_conn(win->details);

	if (shown != NULL)
		adw_window_title_set_subtitle(ADW_WINDOW_TITLE(win->details_title),
					      applet_state_to_label(applet_conn_get_state(shown)));
	notify(win);
}

static void
on_item_changed(AppletConn *conn, gpointer user_data)
{
	AppletWindow *win = g_object_get_data(G_OBJECT(user_data), "applet-window");

	if (win != NULL)
		on_conn_changed(win);
}

static void
on_row_activated(AdwActionRow *row, gpointer user_data)
{
	AppletWindow *win = user_data;

	applet_window_show_details(win, applet_row_get_conn(GTK_WIDGET(row)));
}

static GtkWidget *
create_row(gpointer item, gpointer user_data)
{
	AppletWindow *win = user_data;
	GtkWidget *row = applet_row_new(win->client, APPLET_CONN(item));

	g_signal_connect(row, "activated", G_CALLBACK(on_row_activated), win);
	g_object_set_data(G_OBJECT(row), "applet-window", win);
	/* disconnected when the row goes */
	g_signal_connect_object(item, "changed", G_CALLBACK(on_item_changed), row, 0);
	return row;
}

static void
on_items_changed(GListModel *model, guint position, guint removed, guint added,
		 gpointer user_data)
{
	AppletWindow *win = user_data;
	AppletConn *shown = applet_details_get_conn(win->details);
	gboolean still_there = FALSE;

	/* the connection on the details page was deleted or replaced */
	for (guint i = 0; shown != NULL && i < g_list_model_get_n_items(model); i++) {
		g_autoptr(AppletConn) conn = g_list_model_get_item(model, i);

		still_there = still_there || conn == shown;
	}
	if (shown != NULL && !still_there) {
		AppletConn *replacement = applet_client_find(win->client, applet_conn_get_name(shown));

		if (replacement != NULL)
			applet_window_show_details(win, replacement);
		else
			applet_window_show_list(win);
	}
	update_status(win);
}

GtkWidget *
applet_window_find_row(AppletWindow *win, const char *name)
{
	for (GtkWidget *child = gtk_widget_get_first_child(win->list); child != NULL;
	     child = gtk_widget_get_next_sibling(child)) {
		AppletConn *conn = applet_row_get_conn(child);

		if (conn != NULL && g_strcmp0(applet_conn_get_name(conn), name) == 0)
			return child;
	}
	return NULL;
}

/* ---- pages --------------------------------------------------------------- */

void
applet_window_show_details(AppletWindow *win, AppletConn *conn)
{
	if (conn == NULL)
		return;
	applet_details_set_conn(win->details, conn);
	adw_window_title_set_title(ADW_WINDOW_TITLE(win->details_title),
				   applet_conn_get_name(conn));
	on_conn_changed(win);
	gtk_stack_set_visible_child_name(GTK_STACK(win->pages), "details");
	applet_details_set_live(win->details, TRUE);
	notify(win);
}

void
applet_window_show_list(AppletWindow *win)
{
	applet_details_set_live(win->details, FALSE);
	gtk_stack_set_visible_child_name(GTK_STACK(win->pages), "list");
	applet_details_set_conn(win->details, NULL);
	notify(win);
}

static void
on_editor_destroy(GtkWidget *editor, gpointer user_data)
{
	AppletWindow *win = user_data;

	if (win->editor == editor)
		win->editor = NULL;
	notify(win);
}

static void
editor_notify(gpointer user_data)
{
	notify(user_data);
}

void
applet_window_open_editor(AppletWindow *win, AppletConn *conn)
{
	if (win->editor != NULL) {
		gtk_window_present(GTK_WINDOW(win->editor));
		return;
	}
	win->editor = applet_editor_new(GTK_WINDOW(win->window), win->client, conn, editor_notify,
					win);
	g_signal_connect(win->editor, "destroy", G_CALLBACK(on_editor_destroy), win);
	notify(win);
}

GtkWidget *
applet_window_get_editor(AppletWindow *win)
{
	return win->editor;
}

static void
delete_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	AppletWindow *win = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = applet_client_call_finish(source, res, &error);

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (reply == NULL) {
		g_autofree char *text = applet_error_describe(error);
		g_autofree char *toast = g_strdup_printf(_("Could not delete: %s"), text);

		applet_window_toast(win, toast);
	}
}

void
applet_window_answer_delete(AppletWindow *win, gboolean confirm)
{
	g_autoptr(AppletConn) conn = g_steal_pointer(&win->confirm_conn);
	GtkWidget *dialog = g_steal_pointer(&win->confirm);

	if (dialog != NULL)
		gtk_window_destroy(GTK_WINDOW(dialog));
	if (confirm && conn != NULL)
		applet_client_delete(win->client, conn, delete_done, win);
	notify(win);
}

static void
on_delete_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
	AppletWindow *win = user_data;

	if (win->confirm != GTK_WIDGET(dialog))
		return;
	win->confirm = NULL; /* it closes itself after this signal */
	applet_window_answer_delete(win, g_strcmp0(response, "delete") == 0);
}

void
applet_window_ask_delete(AppletWindow *win, AppletConn *conn)
{
	g_autofree char *heading = NULL;

	if (conn == NULL || win->confirm != NULL)
		return;
	heading = g_strdup_printf(_("Delete “%s”?"), applet_conn_get_name(conn));
	win->confirm = adw_message_dialog_new(
		GTK_WINDOW(win->window), heading,
		_("The connection and its stored settings are removed. If it is connected, the "
		  "tunnel is closed."));
	win->confirm_conn = g_object_ref(conn);
	adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(win->confirm), "cancel", _("_Cancel"),
					 "delete", _("_Delete"), NULL);
	adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(win->confirm), "delete",
						   ADW_RESPONSE_DESTRUCTIVE);
	adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(win->confirm), "cancel");
	g_signal_connect(win->confirm, "response", G_CALLBACK(on_delete_response), win);
	gtk_window_present(GTK_WINDOW(win->confirm));
	notify(win);
}

/* ---- building ------------------------------------------------------------ */

static void
on_add_clicked(GtkButton *button, gpointer user_data)
{
	applet_window_open_editor(user_data, NULL);
}

static void
on_back_clicked(GtkButton *button, gpointer user_data)
{
	applet_window_show_list(user_data);
}

static void
on_edit_clicked(GtkButton *button, gpointer user_data)
{
	AppletWindow *win = user_data;

	applet_window_open_editor(win, applet_details_get_conn(win->details));
}

static void
on_delete_clicked(GtkButton *button, gpointer user_data)
{
	AppletWindow *win = user_data;

	applet_window_ask_delete(win, applet_details_get_conn(win->details));
}

static GtkWidget *
status_value(GtkGrid *grid, int row, const char *title)
{
	GtkWidget *key = gtk_label_new(title);
	GtkWidget *value = gtk_label_new(NULL);

	gtk_widget_add_css_class(key, "dim-label");
	gtk_label_set_xalign(GTK_LABEL(key), 1.0f);
	gtk_label_set_xalign(GTK_LABEL(value), 0.0f);
	gtk_label_set_selectable(GTK_LABEL(value), TRUE);
	gtk_grid_attach(grid, key, 0, row, 1, 1);
	gtk_grid_attach(grid, value, 1, row, 1, 1);
	return value;
}

static GtkWidget *
build_list_page(AppletWindow *win)
{
	GtkWidget *box, *header, *add, *menu, *status, *empty, *add_first, *scrolled, *clamp, *inner;
	g_autoptr(GMenu) primary = g_menu_new();

	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	header = adw_header_bar_new();
	win->list_title = adw_window_title_new(_("IPsec VPN"), NULL);
	adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), win->list_title);
	add = gtk_button_new_from_icon_name("list-add-symbolic");
	gtk_widget_set_tooltip_text(add, _("Add Connection"));
	g_signal_connect(add, "clicked", G_CALLBACK(on_add_clicked), win);
	adw_header_bar_pack_start(ADW_HEADER_BAR(header), add);
	g_menu_append(primary, _("_Start at Login"), "app.autostart");
	g_menu_append(primary, _("_About IPsec VPN"), "app.about");
	menu = gtk_menu_button_new();
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(menu), "open-menu-symbolic");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(menu), G_MENU_MODEL(primary));
	gtk_widget_set_tooltip_text(menu, _("Main Menu"));
	adw_header_bar_pack_end(ADW_HEADER_BAR(header), menu);
	gtk_box_append(GTK_BOX(box), header);

	win->list_stack = gtk_stack_new();
	gtk_widget_set_vexpand(win->list_stack, TRUE);

	status = adw_status_page_new();
	adw_status_page_set_icon_name(ADW_STATUS_PAGE(status), "network-vpn-disabled-symbolic");
	adw_status_page_set_title(ADW_STATUS_PAGE(status), _("ikebusd is not running"));
	adw_status_page_set_description(ADW_STATUS_PAGE(status),
					_("Start the ikebusd service to use IPsec connections."));
	gtk_stack_add_named(GTK_STACK(win->list_stack), status, "not-running");

	empty = adw_status_page_new();
	adw_status_page_set_icon_name(ADW_STATUS_PAGE(empty), "network-vpn-symbolic");
	adw_status_page_set_title(ADW_STATUS_PAGE(empty), _("No Connections"));
	adw_status_page_set_description(ADW_STATUS_PAGE(empty),
					_("Add a connection to reach a VPN gateway."));
	add_first = gtk_button_new_with_mnemonic(_("_Add Connection"));
	gtk_widget_set_halign(add_first, GTK_ALIGN_CENTER);
	gtk_widget_add_css_class(add_first, "pill");
	gtk_widget_add_css_class(add_first, "suggested-action");
	g_signal_connect(add_first, "clicked", G_CALLBACK(on_add_clicked), win);
	adw_status_page_set_child(ADW_STATUS_PAGE(empty), add_first);
	gtk_stack_add_named(GTK_STACK(win->list_stack), empty, "empty");

	win->list = gtk_list_box_new();
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(win->list), GTK_SELECTION_NONE);
	gtk_widget_add_css_class(win->list, "boxed-list");
	gtk_widget_set_valign(win->list, GTK_ALIGN_START);
	gtk_list_box_bind_model(GTK_LIST_BOX(win->list), applet_client_get_connections(win->client),
				create_row, win, NULL);
	gtk_accessible_update_property(GTK_ACCESSIBLE(win->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("Connections"), -1);
	inner = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	gtk_widget_set_margin_top(inner, 18);
	gtk_widget_set_margin_bottom(inner, 18);
	gtk_widget_set_margin_start(inner, 12);
	gtk_widget_set_margin_end(inner, 12);
	gtk_box_append(GTK_BOX(inner), win->list);
	clamp = adw_clamp_new();
	adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 600);
	adw_clamp_set_child(ADW_CLAMP(clamp), inner);
	scrolled = gtk_scrolled_window_new();
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scrolled), GTK_POLICY_NEVER,
				       GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scrolled), clamp);
	gtk_stack_add_named(GTK_STACK(win->list_stack), scrolled, "list");
	gtk_box_append(GTK_BOX(box), win->list_stack);

	/* the daemon's status, as a footer */
	win->status_label = gtk_label_new(_("Connecting to ikebusd…"));
	gtk_label_set_xalign(GTK_LABEL(win->status_label), 0.0f);
	gtk_widget_add_css_class(win->status_label, "heading");
	win->status_details = gtk_grid_new();
	gtk_grid_set_column_spacing(GTK_GRID(win->status_details), 12);
	win->version_label = status_value(GTK_GRID(win->status_details), 0, _("Version"));
	win->backend_label = status_value(GTK_GRID(win->status_details), 1, _("Kernel backend"));
	inner = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_set_margin_start(inner, 18);
	gtk_widget_set_margin_end(inner, 18);
	gtk_widget_set_margin_top(inner, 6);
	gtk_widget_set_margin_bottom(inner, 12);
	gtk_box_append(GTK_BOX(inner), win->status_label);
	gtk_box_append(GTK_BOX(inner), win->status_details);
	win->footer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_box_append(GTK_BOX(win->footer), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
	gtk_box_append(GTK_BOX(win->footer), inner);
	gtk_box_append(GTK_BOX(box), win->footer);
	return box;
}

static void
details_changed(gpointer user_data)
{
	notify(user_data);
}

static GtkWidget *
build_details_page(AppletWindow *win)
{
	GtkWidget *box, *header, *back, *edit, *delete;

	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	header = adw_header_bar_new();
	win->details_title = adw_window_title_new("", NULL);
	adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), win->details_title);
	back = gtk_button_new_from_icon_name("go-previous-symbolic");
	gtk_widget_set_tooltip_text(back, _("Back"));
	g_signal_connect(back, "clicked", G_CALLBACK(on_back_clicked), win);
	adw_header_bar_pack_start(ADW_HEADER_BAR(header), back);
	delete = gtk_button_new_from_icon_name("user-trash-symbolic");
	gtk_widget_set_tooltip_text(delete, _("Delete Connection"));
	g_signal_connect(delete, "clicked", G_CALLBACK(on_delete_clicked), win);
	adw_header_bar_pack_end(ADW_HEADER_BAR(header), delete);
	edit = gtk_button_new_from_icon_name("document-edit-symbolic");
	gtk_widget_set_tooltip_text(edit, _("Edit Connection"));
	g_signal_connect(edit, "clicked", G_CALLBACK(on_edit_clicked), win);
	adw_header_bar_pack_end(ADW_HEADER_BAR(header), edit);
	gtk_box_append(GTK_BOX(box), header);

	win->details = applet_details_new(win->client, details_changed, win);
	gtk_widget_set_vexpand(win->details, TRUE);
	gtk_box_append(GTK_BOX(box), win->details);
	return box;
}

AppletWindow *
applet_window_new(GtkApplication *app, AppletClient *client, AppletNotify notify_cb,
		  gpointer notify_data)
{
	AppletWindow *win = g_new0(AppletWindow, 1);

	win->client = g_object_ref(client);
	win->notify = notify_cb;
	win->notify_data = notify_data;
	win->window = adw_application_window_new(app);
	g_object_ref_sink(win->window);
	gtk_window_set_title(GTK_WINDOW(win->window), _("IPsec VPN"));
	gtk_window_set_icon_name(GTK_WINDOW(win->window), "org.ikebus.Applet");
	gtk_window_set_default_size(GTK_WINDOW(win->window), 440, 560);
	gtk_window_set_hide_on_close(GTK_WINDOW(win->window), TRUE);

	win->pages = gtk_stack_new();
	gtk_stack_set_transition_type(GTK_STACK(win->pages), GTK_STACK_TRANSITION_TYPE_NONE);
	gtk_stack_add_named(GTK_STACK(win->pages), build_list_page(win), "list");
	gtk_stack_add_named(GTK_STACK(win->pages), build_details_page(win), "details");
	win->toasts = adw_toast_overlay_new();
	adw_toast_overlay_set_child(ADW_TOAST_OVERLAY(win->toasts), win->pages);
	adw_application_window_set_content(ADW_APPLICATION_WINDOW(win->window), win->toasts);

	g_signal_connect_swapped(client, "sa-changed", G_CALLBACK(details_changed), win);
	win->client_handler = g_signal_connect(client, "changed", G_CALLBACK(on_client_changed),
					       win);
	win->items_handler = g_signal_connect(applet_client_get_connections(client),
					      "items-changed", G_CALLBACK(on_items_changed), win);
	update_status(win);
	return win;
}

void
applet_window_free(AppletWindow *win)
{
	if (win == NULL)
		return;
	g_signal_handlers_disconnect_by_data(win->client, win);
	g_clear_signal_handler(&win->items_handler, applet_client_get_connections(win->client));
	if (win->editor != NULL)
		gtk_window_destroy(GTK_WINDOW(win->editor));
	if (win->confirm != NULL)
		gtk_window_destroy(GTK_WINDOW(win->confirm));
	g_clear_object(&win->confirm_conn);
	gtk_window_destroy(GTK_WINDOW(win->window));
	g_object_unref(win->window);
	g_object_unref(win->client);
	g_free(win->last_toast);
	g_free(win);
}

GtkWindow *
applet_window_get_window(AppletWindow *win)
{
	return GTK_WINDOW(win->window);
}

void
applet_window_dump(AppletWindow *win, GString *json)
{
	gboolean details = g_strcmp0(gtk_stack_get_visible_child_name(GTK_STACK(win->pages)),
				     "details") == 0;
	guint n = 0;

	dump_member_string(json, "status", gtk_label_get_text(GTK_LABEL(win->status_label)), TRUE);
	dump_member_string(json, "version", gtk_label_get_text(GTK_LABEL(win->version_label)), TRUE);
	dump_member_string(json, "backend", gtk_label_get_text(GTK_LABEL(win->backend_label)), TRUE);
	dump_member_bool(json, "details-visible", gtk_widget_get_visible(win->status_details), TRUE);
	dump_member_string(json, "page", details ? "details" : "list", TRUE);
	dump_member_string(json, "list", gtk_stack_get_visible_child_name(GTK_STACK(win->list_stack)),
			   TRUE);
	dump_member_bool(json, "window-visible", gtk_widget_get_visible(win->window), TRUE);
	dump_key(json, "connections");
	g_string_append_c(json, '[');
	for (GtkWidget *child = gtk_widget_get_first_child(win->list); child != NULL;
	     child = gtk_widget_get_next_sibling(child)) {
		if (applet_row_get_conn(child) == NULL)
			continue;
		if (n++ > 0)
			g_string_append_c(json, ',');
		applet_row_dump(child, json);
	}
	g_string_append(json, "],");
	dump_key(json, "details");
	if (details)
		applet_details_dump(win->details, json);
	else
		g_string_append(json, "null");
	g_string_append_c(json, ',');
	dump_key(json, "editor");
	if (win->editor != NULL)
		applet_editor_dump(win->editor, json);
	else
		g_string_append(json, "null");
	g_string_append_c(json, ',');
	dump_member_string(json, "confirm",
			   win->confirm_conn != NULL ? applet_conn_get_name(win->confirm_conn)
						     : NULL,
			   TRUE);
	dump_member_string(json, "toast", win->last_toast, TRUE);
}
