/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "editor.h"

#include "config/connection.h"
#include "dump.h"

#include <glib/gi18n.h>

/* The fields of the form, by the option key each one fills. */
typedef enum {
	FIELD_NAME,
	FIELD_PEER,
	FIELD_LOCAL,
	FIELD_LOCAL_ID,
	FIELD_REMOTE_ID,
	FIELD_CERT,
	FIELD_LOCAL_SUBNETS,
	FIELD_REMOTE_SUBNETS,
	FIELD_IKE,
	FIELD_ESP,
	N_FIELDS,
} Field;

static const struct {
	const char *key;
	gboolean list; /* an "as" option, typed comma-separated */
} fields[N_FIELDS] = {
	[FIELD_NAME] = { "name", FALSE },
	[FIELD_PEER] = { "right-host", FALSE },
	[FIELD_LOCAL] = { "left-host", FALSE },
	[FIELD_LOCAL_ID] = { "left-id", FALSE },
	[FIELD_REMOTE_ID] = { "right-id", FALSE },
	[FIELD_CERT] = { "left-cert", FALSE },
	[FIELD_LOCAL_SUBNETS] = { "left-subnet", TRUE },
	[FIELD_REMOTE_SUBNETS] = { "right-subnet", TRUE },
	[FIELD_IKE] = { "ike", FALSE },
	[FIELD_ESP] = { "esp", FALSE },
};

/* Option keys the form owns: replaced, not kept, when editing. */
static const char *const form_keys[] = {
	"right-host", "left-host", "left-id", "right-id", "left-cert", "psk", "rsasig",
	"left-subnet", "right-subnet", "ike", "esp", NULL,
};

#define AUTH_PSK 0
#define AUTH_CERT 1

typedef struct {
	AppletClient *client;
	AppletConn *conn;   /* NULL: a new connection */
	GVariant *base;     /* the Options being edited, or NULL */
	AppletNotify notify;
	gpointer notify_data;
	GtkWidget *window;
	GtkWidget *save;
	GtkWidget *message; /* the first problem, in words */
	GtkWidget *rows[N_FIELDS];
	GtkWidget *auth;    /* AdwComboRow */
	GtkWidget *psk_note;
	GtkWidget *cert_menu;
	GtkWidget *cert_list;
	gboolean valid;
	gboolean saving;
	char *result; /* "saved", or the failure after Save, for --dump-state */
} Editor;

static Editor *
editor_get(GtkWidget *editor)
{
	return g_object_get_data(G_OBJECT(editor), "applet-editor");
}

static const char *
field_label(Field f)
{
	switch (f) {
	case FIELD_NAME:
		return _("Name");
	case FIELD_PEER:
		return _("Peer host");
	case FIELD_LOCAL:
		return _("Local host");
	case FIELD_LOCAL_ID:
		return _("Local ID");
	case FIELD_REMOTE_ID:
		return _("Remote ID");
	case FIELD_CERT:
		return _("Certificate nickname");
	case FIELD_LOCAL_SUBNETS:
		return _("Local networks");
	case FIELD_REMOTE_SUBNETS:
		return _("Remote networks");
	case FIELD_IKE:
		return _("IKE proposals");
	case FIELD_ESP:
		return _("ESP proposals");
	case N_FIELDS:
		break;
	}
	return "";
}

static const char *
field_text(Editor *e, Field f)
{
	return gtk_editable_get_text(GTK_EDITABLE(e->rows[f]));
}

static gboolean
use_cert(Editor *e)
{
	return adw_combo_row_get_selected(ADW_COMBO_ROW(e->auth)) == AUTH_CERT;
}

/* "10.0.0.0/24, 10.1.0.0/24" -> ["10.0.0.0/24", "10.1.0.0/24"]; owned */
static GStrv
split_list(const char *text)
{
	g_auto(GStrv) parts = g_regex_split_simple("[\\s,;]+", text, 0, 0);
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();

	for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
		if (*parts[i] != '\0')
			g_strv_builder_add(out, parts[i]);
	return g_strv_builder_end(out);
}

/* The options the form describes: the edited Options without the keys the
 * form owns, plus the form's fields. Floating a{sv}. */
static GVariant *
build_options(Editor *e)
{
	GVariantDict dict;
	gboolean encrypt_known = FALSE;

	g_variant_dict_init(&dict, e->base);
	for (guint i = 0; form_keys[i] != NULL; i++)
		g_variant_dict_remove(&dict, form_keys[i]);
	for (Field f = FIELD_PEER; f < N_FIELDS; f++) {
		g_autofree char *text = g_strstrip(g_strdup(field_text(e, f)));

		if (f == FIELD_CERT && !use_cert(e))
			continue;
		if (*text == '\0') {
			if (f == FIELD_LOCAL)
				g_variant_dict_insert(&dict, "left-host", "s", "%defaultroute");
			continue;
		}
		if (fields[f].list) {
			g_auto(GStrv) list = split_list(text);

			g_variant_dict_insert_value(&dict, fields[f].key,
						    g_variant_new_strv((const char *const *) list,
								       -1));
		} else
			g_variant_dict_insert(&dict, fields[f].key, "s", text);
	}
	g_variant_dict_insert(&dict, use_cert(e) ? "rsasig" : "psk", "b", TRUE);
	/* a tunnel of encrypted traffic unless the edited connection says otherwise */
	encrypt_known = g_variant_dict_contains(&dict, "encrypt") ||
			g_variant_dict_contains(&dict, "authenticate");
	if (!encrypt_known)
		g_variant_dict_insert(&dict, "encrypt", "b", TRUE);
	if (!g_variant_dict_contains(&dict, "tunnel"))
		g_variant_dict_insert(&dict, "tunnel", "b", TRUE);
	return g_variant_dict_end(&dict);
}

static void
notify(Editor *e)
{
	if (e->notify != NULL)
		e->notify(e->notify_data);
}

static void
show_message(Editor *e, const char *text)
{
	gtk_label_set_text(GTK_LABEL(e->message), text != NULL ? text : "");
	gtk_widget_set_visible(e->message, text != NULL);
}

/* Checks the form with the daemon's own connection model. */
static void
validate(Editor *e)
{
	g_autofree char *name = g_strstrip(g_strdup(field_text(e, FIELD_NAME)));
	g_autofree char *peer = g_strstrip(g_strdup(field_text(e, FIELD_PEER)));
	g_autoptr(GVariant) options = g_variant_ref_sink(build_options(e));
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusConnection) model = NULL;
	g_autofree char *text = NULL;
	Field bad = N_FIELDS;

	for (Field f = 0; f < N_FIELDS; f++)
		gtk_widget_remove_css_class(e->rows[f], "error");
	if (*name == '\0') {
		text = g_strdup(_("Give the connection a name."));
		bad = FIELD_NAME;
	} else if (*peer == '\0') {
		text = g_strdup(_("Enter the peer host: the address or DNS name of the VPN gateway."));
		bad = FIELD_PEER;
	} else if (use_cert(e) && *field_text(e, FIELD_CERT) == '\0') {
		text = g_strdup(_("Enter the nickname of your certificate in the NSS database."));
		bad = FIELD_CERT;
	} else if ((model = ikebus_connection_new_from_options(name, options, &error)) == NULL) {
		/* the model's messages start with the key: "right-host: ..." */
		const char *colon = strchr(error->message, ':');

		if (error->code == IKEBUS_CONFIG_ERROR_BAD_NAME)
			bad = FIELD_NAME;
		for (Field f = 0; colon != NULL && bad == N_FIELDS && f < N_FIELDS; f++)
			if (strlen(fields[f].key) == (gsize) (colon - error->message) &&
			    strncmp(error->message, fields[f].key, colon - error->message) == 0)
				bad = f;
		if (bad != N_FIELDS && colon != NULL && error->code != IKEBUS_CONFIG_ERROR_BAD_NAME)
			text = g_strdup_printf("%s:%s", field_label(bad), colon + 1);
		else if (bad == FIELD_NAME)
			text = g_strdup_printf(_("Name: %s"), error->message);
		else
			text = g_strdup(error->message);
	}
	if (bad != N_FIELDS)
		gtk_widget_add_css_class(e->rows[bad], "error");
	e->valid = text == NULL;
	show_message(e, text);
	gtk_widget_set_sensitive(e->save, e->valid && !e->saving);
	notify(e);
}

static void
on_changed(GtkEditable *editable, gpointer user_data)
{
	Editor *e = user_data;

	g_clear_pointer(&e->result, g_free);
	validate(e);
}

static void
on_auth_changed(GObject *row, GParamSpec *pspec, gpointer user_data)
{
	Editor *e = user_data;

	gtk_widget_set_visible(e->rows[FIELD_CERT], use_cert(e));
	gtk_widget_set_visible(e->psk_note, !use_cert(e));
	validate(e);
}

static void
save_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GtkWidget) window = user_data;
	Editor *e = editor_get(window);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = applet_client_call_finish(source, res, &error);

	if (e == NULL)
		return; /* the window was closed meanwhile */
	e->saving = FALSE;
	if (reply == NULL) {
		g_autofree char *text = applet_error_describe(error);

		g_info("AddConnection: %s", error->message);
		g_free(e->result);
		e->result = g_strdup(text);
		show_message(e, text);
		gtk_widget_set_sensitive(e->save, e->valid);
		notify(e);
		return;
	}
	g_free(e->result);
	e->result = g_strdup("saved");
	notify(e);
	gtk_window_destroy(GTK_WINDOW(e->window));
}

void
applet_editor_save(GtkWidget *editor)
{
	Editor *e = editor_get(editor);
	g_autofree char *name = NULL;

	validate(e);
	if (!e->valid || e->saving)
		return;
	name = g_strstrip(g_strdup(field_text(e, FIELD_NAME)));
	e->saving = TRUE;
	gtk_widget_set_sensitive(e->save, FALSE);
	show_message(e, NULL);
	applet_client_add(e->client, name, build_options(e), e->conn != NULL, save_done,
			  g_object_ref(e->window));
	notify(e);
}

static void
on_save_clicked(GtkButton *button, gpointer user_data)
{
	applet_editor_save(user_data);
}

/* ---- certificate nicknames from ikebusd's NSS database ------------------- */

static void
on_cert_picked(GtkListBox *box, GtkListBoxRow *row, gpointer user_data)
{
	Editor *e = user_data;

	gtk_editable_set_text(GTK_EDITABLE(e->rows[FIELD_CERT]),
			      adw_preferences_row_get_title(ADW_PREFERENCES_ROW(row)));
	gtk_menu_button_popdown(GTK_MENU_BUTTON(e->cert_menu));
}

static void
certs_listed(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GtkWidget) window = user_data;
	Editor *e = editor_get(window);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = applet_client_call_finish(source, res, &error);
	g_autoptr(GVariant) items = NULL;
	GVariantIter iter;
	GVariant *item;
	guint n = 0;

	if (e == NULL)
		return;
	if (reply == NULL) {
		/* not offered yet, or not allowed: the nickname is typed */
		g_info("List certs: %s", error->message);
		return;
	}
	items = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&iter, items);
	while ((item = g_variant_iter_next_value(&iter)) != NULL) {
		const char *nickname = NULL;

		if (g_variant_lookup(item, "nickname", "&s", &nickname)) {
			GtkWidget *row = adw_action_row_new();

			adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), nickname);
			gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
			gtk_list_box_append(GTK_LIST_BOX(e->cert_list), row);
			n++;
		}
		g_variant_unref(item);
	}
	gtk_widget_set_visible(e->cert_menu, n > 0);
}

/* ---- building ------------------------------------------------------------ */

static GtkWidget *
entry_row(Editor *e, GtkWidget *group, Field f, const char *hint)
{
	GtkWidget *row = adw_entry_row_new();

	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), field_label(f));
	adw_preferences_row_set_use_underline(ADW_PREFERENCES_ROW(row), FALSE);
	if (hint != NULL)
		gtk_widget_set_tooltip_text(row, hint);
	g_signal_connect(row, "changed", G_CALLBACK(on_changed), e);
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
	e->rows[f] = row;
	return row;
}

static GtkWidget *
group_new(GtkWidget *page, const char *title, const char *description)
{
	GtkWidget *group = adw_preferences_group_new();

	adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), title);
	if (description != NULL)
		adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group), description);
	adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), ADW_PREFERENCES_GROUP(group));
	return group;
}

static void
build_form(Editor *e, GtkWidget *page)
{
	GtkWidget *group, *popover;
	const char *auth_names[] = { _("Pre-shared key"), _("Certificate"), NULL };
	g_autoptr(GtkStringList) auth_model = gtk_string_list_new(auth_names);

	group = group_new(page, _("Connection"), NULL);
	entry_row(e, group, FIELD_NAME, _("A name for the connection, up to 64 bytes, no “/”"));
	entry_row(e, group, FIELD_PEER, _("The VPN gateway: an IP address or a DNS name"));
	entry_row(e, group, FIELD_LOCAL,
		  _("This computer's address; empty means the address of the default route"));

	group = group_new(page, _("Identity"),
			  _("How each end names itself in IKE: an IP address, @fqdn, user@fqdn or a "
			    "certificate DN. Empty: the host address."));
	entry_row(e, group, FIELD_LOCAL_ID, NULL);
	entry_row(e, group, FIELD_REMOTE_ID, NULL);

	group = group_new(page, _("Authentication"), NULL);
	e->auth = adw_combo_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(e->auth), _("Method"));
	adw_combo_row_set_model(ADW_COMBO_ROW(e->auth), G_LIST_MODEL(auth_model));
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), e->auth);
	e->psk_note = adw_action_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(e->psk_note), _("Pre-shared key"));
	adw_action_row_set_subtitle(ADW_ACTION_ROW(e->psk_note),
				    _("ikebusd reads the key from its secrets file (ipsec.secrets); "
				      "it is never sent over the bus."));
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), e->psk_note);
	entry_row(e, group, FIELD_CERT, _("The nickname of your certificate in ikebusd's NSS database"));
	e->cert_list = gtk_list_box_new();
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(e->cert_list), GTK_SELECTION_NONE);
	g_signal_connect(e->cert_list, "row-activated", G_CALLBACK(on_cert_picked), e);
	popover = gtk_popover_new();
	gtk_popover_set_child(GTK_POPOVER(popover), e->cert_list);
	e->cert_menu = gtk_menu_button_new();
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(e->cert_menu), "view-list-symbolic");
	gtk_menu_button_set_popover(GTK_MENU_BUTTON(e->cert_menu), popover);
	gtk_widget_set_valign(e->cert_menu, GTK_ALIGN_CENTER);
	gtk_widget_add_css_class(e->cert_menu, "flat");
	gtk_widget_set_tooltip_text(e->cert_menu, _("Certificates ikebusd knows"));
	gtk_widget_set_visible(e->cert_menu, FALSE);
	adw_entry_row_add_suffix(ADW_ENTRY_ROW(e->rows[FIELD_CERT]), e->cert_menu);
	g_signal_connect(e->auth, "notify::selected", G_CALLBACK(on_auth_changed), e);

	group = group_new(page, _("Networks"),
			  _("Subnets as ADDRESS/PREFIX, separated by commas. Empty: the host "
			    "itself."));
	entry_row(e, group, FIELD_LOCAL_SUBNETS, _("For example 10.0.1.0/24"));
	entry_row(e, group, FIELD_REMOTE_SUBNETS, _("For example 10.0.2.0/24, 10.0.3.0/24"));

	group = group_new(page, _("Algorithms"),
			  _("Proposals, comma-separated, for example "
			    "“aes_gcm256-sha2_256;dh19”. Empty: ikebusd's defaults."));
	entry_row(e, group, FIELD_IKE, NULL);
	entry_row(e, group, FIELD_ESP, NULL);
}

static void
fill_from(Editor *e, AppletConn *conn)
{
	gboolean rsasig = FALSE;

	e->base = ikebus_conn_get_options(applet_conn_get_proxy(conn));
	if (e->base != NULL)
		g_variant_ref(e->base);
	gtk_editable_set_text(GTK_EDITABLE(e->rows[FIELD_NAME]), applet_conn_get_name(conn));
	gtk_editable_set_editable(GTK_EDITABLE(e->rows[FIELD_NAME]), FALSE);
	gtk_widget_set_sensitive(e->rows[FIELD_NAME], FALSE);
	for (Field f = FIELD_PEER; f < N_FIELDS; f++) {
		g_autofree char *text = NULL;

		if (fields[f].list)
			text = applet_conn_dup_option_strv(conn, fields[f].key);
		else
			text = g_strdup(applet_conn_get_option_string(conn, fields[f].key));
		if (text != NULL)
			gtk_editable_set_text(GTK_EDITABLE(e->rows[f]), text);
	}
	if (e->base != NULL)
		g_variant_lookup(e->base, "rsasig", "b", &rsasig);
	if (rsasig || applet_conn_get_option_string(conn, "left-cert") != NULL)
		adw_combo_row_set_selected(ADW_COMBO_ROW(e->auth), AUTH_CERT);
}

static void
on_destroy(GtkWidget *window, gpointer user_data)
{
	g_object_set_data(G_OBJECT(window), "applet-editor", NULL);
}

static void
editor_free(Editor *e)
{
	g_clear_object(&e->client);
	g_clear_object(&e->conn);
	g_clear_pointer(&e->base, g_variant_unref);
	g_free(e->result);
	g_free(e);
}

GtkWidget *
applet_editor_new(GtkWindow *parent, AppletClient *client, AppletConn *conn, AppletNotify notify_cb,
		  gpointer notify_data)
{
	Editor *e = g_new0(Editor, 1);
	GtkWidget *box, *header, *cancel, *page, *title;
	g_autofree char *heading = NULL;

	e->client = g_object_ref(client);
	e->conn = conn != NULL ? g_object_ref(conn) : NULL;
	e->notify = notify_cb;
	e->notify_data = notify_data;

	e->window = adw_window_new();
	gtk_window_set_transient_for(GTK_WINDOW(e->window), parent);
	gtk_window_set_modal(GTK_WINDOW(e->window), TRUE);
	gtk_window_set_default_size(GTK_WINDOW(e->window), 480, 640);
	heading = conn != NULL ? g_strdup_printf(_("Edit “%s”"), applet_conn_get_name(conn))
			       : g_strdup(_("New Connection"));
	gtk_window_set_title(GTK_WINDOW(e->window), heading);

	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	header = adw_header_bar_new();
	adw_header_bar_set_show_end_title_buttons(ADW_HEADER_BAR(header), FALSE);
	adw_header_bar_set_show_start_title_buttons(ADW_HEADER_BAR(header), FALSE);
	title = adw_window_title_new(heading, NULL);
	adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), title);
	cancel = gtk_button_new_with_mnemonic(_("_Cancel"));
	g_signal_connect_swapped(cancel, "clicked", G_CALLBACK(gtk_window_destroy), e->window);
	adw_header_bar_pack_start(ADW_HEADER_BAR(header), cancel);
	e->save = gtk_button_new_with_mnemonic(_("_Save"));
	gtk_widget_add_css_class(e->save, "suggested-action");
	g_signal_connect(e->save, "clicked", G_CALLBACK(on_save_clicked), e->window);
	adw_header_bar_pack_end(ADW_HEADER_BAR(header), e->save);
	gtk_box_append(GTK_BOX(box), header);

	e->message = gtk_label_new(NULL);
	gtk_label_set_wrap(GTK_LABEL(e->message), TRUE);
	gtk_label_set_xalign(GTK_LABEL(e->message), 0.0f);
	gtk_widget_add_css_class(e->message, "error");
	gtk_widget_set_margin_start(e->message, 18);
	gtk_widget_set_margin_end(e->message, 18);
	gtk_widget_set_margin_top(e->message, 12);
	gtk_accessible_update_property(GTK_ACCESSIBLE(e->message),
				       GTK_ACCESSIBLE_PROPERTY_LABEL, _("Problem"), -1);
	gtk_box_append(GTK_BOX(box), e->message);

	page = adw_preferences_page_new();
	gtk_widget_set_vexpand(page, TRUE);
	build_form(e, page);
	gtk_box_append(GTK_BOX(box), page);
	adw_window_set_content(ADW_WINDOW(e->window), box);

	g_object_set_data_full(G_OBJECT(e->window), "applet-editor", e, (GDestroyNotify) editor_free);
	/* replies that arrive after the window closed find no editor */
	g_signal_connect(e->window, "destroy", G_CALLBACK(on_destroy), NULL);
	if (conn != NULL)
		fill_from(e, conn);
	on_auth_changed(NULL, NULL, e);
	if (applet_client_get_bus(client) != NULL)
		applet_client_list_certs(client, certs_listed, g_object_ref(e->window));
	gtk_window_present(GTK_WINDOW(e->window));
	return e->window;
}

gboolean
applet_editor_set_field(GtkWidget *editor, const char *key, const char *value)
{
	Editor *e = editor_get(editor);

	if (g_strcmp0(key, "auth") == 0) {
		adw_combo_row_set_selected(ADW_COMBO_ROW(e->auth),
					   g_strcmp0(value, "cert") == 0 ? AUTH_CERT : AUTH_PSK);
		return TRUE;
	}
	for (Field f = 0; f < N_FIELDS; f++) {
		if (g_strcmp0(fields[f].key, key) == 0) {
			gtk_editable_set_text(GTK_EDITABLE(e->rows[f]), value);
			return TRUE;
		}
	}
	return FALSE;
}

void
applet_editor_dump(GtkWidget *editor, GString *json)
{
	Editor *e = editor_get(editor);

	g_string_append_c(json, '{');
	dump_member_string(json, "title", gtk_window_get_title(GTK_WINDOW(e->window)), TRUE);
	dump_key(json, "fields");
	g_string_append_c(json, '{');
	for (Field f = 0; f < N_FIELDS; f++)
		dump_member_string(json, fields[f].key, field_text(e, f), TRUE);
	dump_member_string(json, "auth", use_cert(e) ? "cert" : "psk", FALSE);
	g_string_append(json, "},");
	dump_member_bool(json, "valid", e->valid, TRUE);
	dump_member_bool(json, "saving", e->saving, TRUE);
	dump_member_string(json, "message",
			   gtk_widget_get_visible(e->message)
				   ? gtk_label_get_text(GTK_LABEL(e->message))
				   : NULL,
			   TRUE);
	dump_member_string(json, "result", e->result, FALSE);
	g_string_append_c(json, '}');
}
