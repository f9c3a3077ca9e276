/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-applet: the desktop face of ikebusd. This first window shows what
 * the org.ikebus.ike1.Manager properties say (version, kernel backend) and a
 * connection list fed by the Connections property, and follows the daemon as
 * it starts, stops and changes.
 *
 * --dump-state prints the widgets' state to stdout every time it changes, so
 * that tests can check what a person would see without reading pixels.
 */
#include "config.h"

#include "ikebus-dbus-generated.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#define APPLET_ID "org.ikebus.Applet"
#define IKEBUS_BUS_NAME "org.ikebus.ike1"
#define IKEBUS_MANAGER_PATH "/org/ikebus/ike1"

typedef struct {
	GtkApplication *app;
	gboolean dump_state;
	GBusType bus_type;

	IkebusManager *manager; /* NULL until the proxy exists */
	GtkWidget *window;
	GtkWidget *status_label;
	GtkWidget *version_label;
	GtkWidget *backend_label;
	GtkWidget *details;    /* the version/backend grid */
	GtkWidget *conn_stack; /* "empty" or "list" */
	GtkStringList *connections;
} Applet;

/* The name of the connection at @path (the escaped last element). */
static char *
connection_name_from_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	g_autofree char *name =
		(char *) g_dbus_unescape_object_path(slash != NULL ? slash + 1 : path);

	/* a name is bytes on the bus; show the path rather than invalid text */
	if (name == NULL || !g_utf8_validate(name, -1, NULL))
		return g_strdup(path);
	return g_steal_pointer(&name);
}

static void
dump_state(Applet *a)
{
	guint n = g_list_model_get_n_items(G_LIST_MODEL(a->connections));

	if (!a->dump_state)
		return;
	printf("status=%s\n", gtk_label_get_text(GTK_LABEL(a->status_label)));
	printf("version=%s\n", gtk_label_get_text(GTK_LABEL(a->version_label)));
	printf("backend=%s\n", gtk_label_get_text(GTK_LABEL(a->backend_label)));
	printf("details-visible=%s\n", gtk_widget_get_visible(a->details) ? "yes" : "no");
	printf("connections=%u\n", n);
	for (guint i = 0; i < n; i++)
		printf("connection=%s\n", gtk_string_list_get_string(a->connections, i));
	printf("end\n");
	fflush(stdout);
}

static void
update(Applet *a)
{
	g_autofree char *owner = NULL;
	const char *version = NULL;
	const char *backend = NULL;
	const char *const *paths = NULL;
	guint n_old = g_list_model_get_n_items(G_LIST_MODEL(a->connections));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

	if (a->manager != NULL) {
		owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(a->manager));
		version = ikebus_manager_get_version(a->manager);
		backend = ikebus_manager_get_kernel_backend(a->manager);
		paths = ikebus_manager_get_connections(a->manager);
	}
	if (owner == NULL || version == NULL) {
		gtk_label_set_text(GTK_LABEL(a->status_label), _("ikebusd is not running"));
		gtk_label_set_text(GTK_LABEL(a->version_label), "");
		gtk_label_set_text(GTK_LABEL(a->backend_label), "");
		gtk_widget_set_visible(a->details, FALSE);
		paths = NULL;
	} else {
		g_autofree char *status = g_strdup_printf(_("ikebusd %s is running"), version);

		gtk_label_set_text(GTK_LABEL(a->status_label), status);
		gtk_label_set_text(GTK_LABEL(a->version_label), version);
		gtk_label_set_text(GTK_LABEL(a->backend_label), backend != NULL ? backend : "");
		gtk_widget_set_visible(a->details, TRUE);
	}
	for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
		g_ptr_array_add(names, connection_name_from_path(paths[i]));
	g_ptr_array_add(names, NULL);
	gtk_string_list_splice(a->connections, 0, n_old, (const char *const *) names->pdata);
	gtk_stack_set_visible_child_name(GTK_STACK(a->conn_stack),
					 names->len > 1 ? "list" : "empty");
	dump_state(a);
}

static void
on_manager_changed(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	update(user_data);
}

static void
on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
	update(user_data);
}

static void
manager_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Applet *a = user_data;
	g_autoptr(GError) error = NULL;

	a->manager = ikebus_manager_proxy_new_for_bus_finish(res, &error);
	if (a->manager == NULL)
		g_warning("cannot reach ikebusd: %s", error->message);
	else {
		g_signal_connect(a->manager, "notify::g-name-owner", G_CALLBACK(on_manager_changed), a);
		g_signal_connect(a->manager, "g-properties-changed",
				 G_CALLBACK(on_properties_changed), a);
	}
	update(a);
	g_application_release(G_APPLICATION(a->app));
}

static void
connection_setup(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
	GtkWidget *label = gtk_label_new(NULL);

	gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
	gtk_list_item_set_child(item, label);
}

static void
connection_bind(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
	GtkStringObject *obj = gtk_list_item_get_item(item);

	gtk_label_set_text(GTK_LABEL(gtk_list_item_get_child(item)),
			   gtk_string_object_get_string(obj));
}

static GtkWidget *
detail_row(GtkGrid *grid, int row, const char *title)
{
	GtkWidget *key = gtk_label_new(title);
	GtkWidget *value = gtk_label_new(NULL);

	gtk_widget_add_css_class(key, "dim-label");
	gtk_label_set_xalign(GTK_LABEL(key), 1.0f);
	gtk_label_set_xalign(GTK_LABEL(value), 0.0f);
	gtk_grid_attach(grid, key, 0, row, 1, 1);
	gtk_grid_attach(grid, value, 1, row, 1, 1);
	return value;
}

static GtkWidget *
connections_view(Applet *a)
{
	GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
	GtkSelectionModel *selection;
	GtkWidget *list, *scrolled, *empty, *frame;

	g_signal_connect(factory, "setup", G_CALLBACK(connection_setup), NULL);
	g_signal_connect(factory, "bind", G_CALLBACK(connection_bind), NULL);
	selection = GTK_SELECTION_MODEL(
		gtk_single_selection_new(G_LIST_MODEL(g_object_ref(a->connections))));
	list = gtk_list_view_new(selection, factory);

	scrolled = gtk_scrolled_window_new();
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scrolled), list);
	gtk_widget_set_vexpand(scrolled, TRUE);

	empty = gtk_label_new(_("No connections"));
	gtk_widget_add_css_class(empty, "dim-label");

	a->conn_stack = gtk_stack_new();
	gtk_stack_add_named(GTK_STACK(a->conn_stack), empty, "empty");
	gtk_stack_add_named(GTK_STACK(a->conn_stack), scrolled, "list");
	gtk_widget_set_vexpand(a->conn_stack, TRUE);

	frame = gtk_frame_new(NULL);
	gtk_frame_set_child(GTK_FRAME(frame), a->conn_stack);
	return frame;
}

static void
build_window(Applet *a)
{
	GtkWidget *box, *heading;
	GtkGrid *grid;

	a->window = gtk_application_window_new(a->app);
	gtk_window_set_title(GTK_WINDOW(a->window), _("IPsec"));
	gtk_window_set_default_size(GTK_WINDOW(a->window), 420, 320);

	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	gtk_widget_set_margin_top(box, 18);
	gtk_widget_set_margin_bottom(box, 18);
	gtk_widget_set_margin_start(box, 18);
	gtk_widget_set_margin_end(box, 18);

	a->status_label = gtk_label_new(_("Connecting to ikebusd…"));
	gtk_widget_add_css_class(a->status_label, "title-2");
	gtk_label_set_xalign(GTK_LABEL(a->status_label), 0.0f);
	gtk_box_append(GTK_BOX(box), a->status_label);

	a->details = gtk_grid_new();
	grid = GTK_GRID(a->details);
	gtk_grid_set_row_spacing(grid, 6);
	gtk_grid_set_column_spacing(grid, 12);
	a->version_label = detail_row(grid, 0, _("Version"));
	a->backend_label = detail_row(grid, 1, _("Kernel backend"));
	gtk_box_append(GTK_BOX(box), a->details);

	heading = gtk_label_new(_("Connections"));
	gtk_widget_add_css_class(heading, "heading");
	gtk_label_set_xalign(GTK_LABEL(heading), 0.0f);
	gtk_box_append(GTK_BOX(box), heading);
	gtk_box_append(GTK_BOX(box), connections_view(a));

	gtk_window_set_child(GTK_WINDOW(a->window), box);
}

static void
on_activate(GtkApplication *app, gpointer user_data)
{
	Applet *a = user_data;

	if (a->window != NULL) {
		gtk_window_present(GTK_WINDOW(a->window));
		return;
	}
	build_window(a);
	gtk_window_present(GTK_WINDOW(a->window));
	/* the bus may activate ikebusd; keep the application alive meanwhile */
	g_application_hold(G_APPLICATION(app));
	ikebus_manager_proxy_new_for_bus(a->bus_type, G_DBUS_PROXY_FLAGS_NONE, IKEBUS_BUS_NAME,
					 IKEBUS_MANAGER_PATH, NULL, manager_ready, a);
}

static int
on_handle_local_options(GApplication *app, GVariantDict *options, gpointer user_data)
{
	Applet *a = user_data;

	if (g_variant_dict_contains(options, "dump-state"))
		a->dump_state = TRUE;
	if (g_variant_dict_contains(options, "session"))
		a->bus_type = G_BUS_TYPE_SESSION;
	return -1; /* go on */
}

int
main(int argc, char **argv)
{
	Applet a = { .bus_type = G_BUS_TYPE_SYSTEM };
	int status;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	a.connections = gtk_string_list_new(NULL);
	a.app = gtk_application_new(APPLET_ID, G_APPLICATION_DEFAULT_FLAGS);
	g_application_add_main_option(G_APPLICATION(a.app), "dump-state", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Print the window's state on stdout whenever it changes"), NULL);
	g_application_add_main_option(G_APPLICATION(a.app), "session", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Talk to ikebusd on the session bus (development)"), NULL);
	g_signal_connect(a.app, "handle-local-options", G_CALLBACK(on_handle_local_options), &a);
	g_signal_connect(a.app, "activate", G_CALLBACK(on_activate), &a);
	status = g_application_run(G_APPLICATION(a.app), argc, argv);

	g_clear_object(&a.manager);
	g_object_unref(a.connections);
	g_object_unref(a.app);
	return status;
}
