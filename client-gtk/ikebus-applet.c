/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-applet: the desktop face of ikebusd, a VPN applet in the manner of
 * the network applets desktops ship. It talks only to org.ikebus.ike1 on the
 * system bus: the window lists the connections (live from the object
 * manager's signals), brings them up and down, shows their SAs, adds, edits
 * and deletes them, and a credential agent asks the person for passwords.
 *
 * This file holds the options and the application's life; client.c the bus
 * model, window.c/row.c/details.c/editor.c the widgets, agent.c the agent.
 *
 * --dump-state prints "state: {JSON}" on stdout whenever what the window
 * shows changes, and --test-control reads commands on stdin (testctl.h), so
 * that tests check what a person would see without reading pixels.
 */
#include "config.h"

#include "agent.h"
#include "autostart.h"
#include "client.h"
#include "dump.h"
#include "testctl.h"
#include "window.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#define APPLET_ID "org.ikebus.Applet"

typedef struct {
	AdwApplication *app;
	GBusType bus_type;
	gboolean dump_state;
	gboolean test_control;
	gboolean background;
	AppletClient *client;
	AppletWindow *win;
	AppletAgent *agent;
	AppletTestControl *ctl;
	guint dump_idle;
	char *last_dump;
} Applet;

static void
print_state(Applet *a, gboolean force)
{
	g_autoptr(GString) json = g_string_new("{");

	if (!a->dump_state || a->win == NULL)
		return;
	applet_window_dump(a->win, json);
	dump_member_string(json, "agent", applet_agent_get_status(a->agent), TRUE);
	dump_member_string(json, "agent-request", applet_agent_get_pending(a->agent), TRUE);
	dump_member_bool(json, "autostart", applet_autostart_get(), FALSE);
	g_string_append_c(json, '}');
	if (!force && g_strcmp0(json->str, a->last_dump) == 0)
		return;
	g_free(a->last_dump);
	a->last_dump = g_strdup(json->str);
	printf("state: %s\n", json->str);
	fflush(stdout);
}

static gboolean
dump_idle(gpointer user_data)
{
	Applet *a = user_data;

	a->dump_idle = 0;
	print_state(a, FALSE);
	return G_SOURCE_REMOVE;
}

/* Something shown changed: print once the main loop is idle (changes come
 * in bursts). */
static void
schedule_dump(gpointer user_data)
{
	Applet *a = user_data;

	if (a->dump_state && a->dump_idle == 0)
		a->dump_idle = g_idle_add(dump_idle, a);
}

static void
force_dump(gpointer user_data)
{
	print_state(user_data, TRUE);
}

/* ---- actions ------------------------------------------------------------ */

static void
on_autostart(GSimpleAction *action, GVariant *value, gpointer user_data)
{
	Applet *a = user_data;
	g_autoptr(GError) error = NULL;

	if (!applet_autostart_set(g_variant_get_boolean(value), &error)) {
		if (a->win != NULL)
			applet_window_toast(a->win, error->message);
		return;
	}
	g_simple_action_set_state(action, value);
	schedule_dump(a);
}

static void
on_about(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Applet *a = user_data;
	const char *developers[] = { _("The ikebus developers"), NULL };
	GtkWidget *about = adw_about_window_new();

	adw_about_window_set_application_name(ADW_ABOUT_WINDOW(about), _("IPsec VPN"));
	adw_about_window_set_application_icon(ADW_ABOUT_WINDOW(about), APPLET_ID);
	adw_about_window_set_version(ADW_ABOUT_WINDOW(about), PACKAGE_VERSION);
	adw_about_window_set_comments(ADW_ABOUT_WINDOW(about),
				      _("Bring IPsec VPN connections of ikebusd up and down."));
	adw_about_window_set_developers(ADW_ABOUT_WINDOW(about), developers);
	adw_about_window_set_license_type(ADW_ABOUT_WINDOW(about), GTK_LICENSE_GPL_2_0);
	/* TRANSLATORS: put your name here, one per line */
	adw_about_window_set_translator_credits(ADW_ABOUT_WINDOW(about), _("translator-credits"));
	if (a->win != NULL)
		gtk_window_set_transient_for(GTK_WINDOW(about), applet_window_get_window(a->win));
	gtk_window_present(GTK_WINDOW(about));
}

static void
on_quit(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	Applet *a = user_data;

	g_application_quit(G_APPLICATION(a->app));
}

/* ---- life --------------------------------------------------------------- */

static gboolean
on_close_request(GtkWindow *window, gpointer user_data)
{
	Applet *a = user_data;

	/* in the background the agent stays; otherwise closing quits */
	if (!a->background)
		g_application_quit(G_APPLICATION(a->app));
	return FALSE; /* hide-on-close hides it */
}

static void
on_startup(GApplication *app, gpointer user_data)
{
	Applet *a = user_data;
	const GActionEntry entries[] = {
		{ .name = "autostart", .parameter_type = NULL, .state = "false",
		  .change_state = on_autostart },
		{ .name = "about", .activate = on_about },
		{ .name = "quit", .activate = on_quit },
	};
	const char *quit_accels[] = { "<Control>q", NULL };
	GAction *autostart;

	g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), a);
	autostart = g_action_map_lookup_action(G_ACTION_MAP(app), "autostart");
	g_simple_action_set_state(G_SIMPLE_ACTION(autostart),
				  g_variant_new_boolean(applet_autostart_get()));
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit_accels);

	a->client = applet_client_new(a->bus_type);
	a->win = applet_window_new(GTK_APPLICATION(app), a->client, schedule_dump, a);
	g_signal_connect(applet_window_get_window(a->win), "close-request",
			 G_CALLBACK(on_close_request), a);
	a->agent = applet_agent_new(a->client, GTK_APPLICATION(app), schedule_dump, a);
	if (a->test_control)
		a->ctl = applet_test_control_new(app, a->win, a->agent, force_dump, a);
	/* the window or the agent keeps the application alive */
	g_application_hold(app);
	applet_client_start(a->client);
}

static void
on_activate(GApplication *app, gpointer user_data)
{
	Applet *a = user_data;

	if (a->background) {
		/* the first activation of a background start shows nothing */
		a->background = FALSE;
		return;
	}
	gtk_window_present(applet_window_get_window(a->win));
	schedule_dump(a);
}

static void
on_shutdown(GApplication *app, gpointer user_data)
{
	Applet *a = user_data;

	g_clear_handle_id(&a->dump_idle, g_source_remove);
	g_clear_pointer(&a->ctl, applet_test_control_free);
	g_clear_pointer(&a->agent, applet_agent_free);
	g_clear_pointer(&a->win, applet_window_free);
	g_clear_object(&a->client);
}

static int
on_handle_local_options(GApplication *app, GVariantDict *options, gpointer user_data)
{
	Applet *a = user_data;
	const char *autostart = NULL;

	if (g_variant_dict_lookup(options, "autostart", "&s", &autostart)) {
		g_autoptr(GError) error = NULL;
		gboolean on = g_strcmp0(autostart, "on") == 0;

		if (!on && g_strcmp0(autostart, "off") != 0) {
			g_printerr(_("--autostart takes “on” or “off”\n"));
			return 1;
		}
		if (!applet_autostart_set(on, &error)) {
			g_printerr("%s\n", error->message);
			return 1;
		}
		return 0;
	}
	if (g_variant_dict_contains(options, "dump-state"))
		a->dump_state = TRUE;
	if (g_variant_dict_contains(options, "test-control"))
		a->test_control = TRUE;
	if (g_variant_dict_contains(options, "background"))
		a->background = TRUE;
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

	a.app = adw_application_new(APPLET_ID, G_APPLICATION_DEFAULT_FLAGS);
	g_application_add_main_option(G_APPLICATION(a.app), "background", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Start without a window; keep the credential agent running"),
				      NULL);
	g_application_add_main_option(G_APPLICATION(a.app), "autostart", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_STRING,
				      _("Start at login (“on”) or not (“off”), then exit"),
				      _("on|off"));
	g_application_add_main_option(G_APPLICATION(a.app), "dump-state", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Print the window's state as JSON on stdout whenever it changes"),
				      NULL);
	g_application_add_main_option(G_APPLICATION(a.app), "test-control", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Read test commands on stdin (for automated tests)"), NULL);
	g_application_add_main_option(G_APPLICATION(a.app), "session", 0, G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_NONE,
				      _("Talk to ikebusd on the session bus (development)"), NULL);
	g_signal_connect(a.app, "handle-local-options", G_CALLBACK(on_handle_local_options), &a);
	g_signal_connect(a.app, "startup", G_CALLBACK(on_startup), &a);
	g_signal_connect(a.app, "activate", G_CALLBACK(on_activate), &a);
	g_signal_connect(a.app, "shutdown", G_CALLBACK(on_shutdown), &a);
	status = g_application_run(G_APPLICATION(a.app), argc, argv);

	g_free(a.last_dump);
	g_object_unref(a.app);
	return status;
}
