/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "testctl.h"

#include "row.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>

struct _AppletTestControl {
	GApplication *app;
	AppletWindow *win;
	AppletAgent *agent;
	AppletNotify dump;
	gpointer dump_data;
	GDataInputStream *in;
	GCancellable *cancellable;
};

static void read_next(AppletTestControl *ctl);

static const char *
find_conn(AppletTestControl *ctl, const char *name, GtkWidget **row)
{
	*row = applet_window_find_row(ctl->win, name);
	return *row != NULL ? NULL : "no row of that name";
}

/* NULL on success, else why not */
static const char *
run(AppletTestControl *ctl, const char *cmd, const char *arg)
{
	GtkWidget *row = NULL;
	GtkWidget *editor = applet_window_get_editor(ctl->win);
	const char *why;

	if (g_strcmp0(cmd, "toggle") == 0) {
		if ((why = find_conn(ctl, arg, &row)) != NULL)
			return why;
		applet_row_toggle(row);
	} else if (g_strcmp0(cmd, "details") == 0) {
		if ((why = find_conn(ctl, arg, &row)) != NULL)
			return why;
		applet_window_show_details(ctl->win, applet_row_get_conn(row));
	} else if (g_strcmp0(cmd, "back") == 0) {
		applet_window_show_list(ctl->win);
	} else if (g_strcmp0(cmd, "add") == 0) {
		applet_window_open_editor(ctl->win, NULL);
	} else if (g_strcmp0(cmd, "edit") == 0) {
		if ((why = find_conn(ctl, arg, &row)) != NULL)
			return why;
		applet_window_open_editor(ctl->win, applet_row_get_conn(row));
	} else if (g_strcmp0(cmd, "set") == 0) {
		g_auto(GStrv) kv = g_strsplit(arg != NULL ? arg : "", " ", 2);

		if (editor == NULL)
			return "no form is open";
		if (kv[0] == NULL || !applet_editor_set_field(editor, kv[0], kv[1] != NULL ? kv[1] : ""))
			return "no such field";
	} else if (g_strcmp0(cmd, "save") == 0) {
		if (editor == NULL)
			return "no form is open";
		applet_editor_save(editor);
	} else if (g_strcmp0(cmd, "cancel") == 0) {
		if (editor == NULL)
			return "no form is open";
		gtk_window_destroy(GTK_WINDOW(editor));
	} else if (g_strcmp0(cmd, "delete") == 0) {
		if ((why = find_conn(ctl, arg, &row)) != NULL)
			return why;
		applet_window_ask_delete(ctl->win, applet_row_get_conn(row));
	} else if (g_strcmp0(cmd, "confirm") == 0 || g_strcmp0(cmd, "decline") == 0) {
		applet_window_answer_delete(ctl->win, g_strcmp0(cmd, "confirm") == 0);
	} else if (g_strcmp0(cmd, "agent-answer") == 0) {
		g_auto(GStrv) up = g_strsplit(arg != NULL ? arg : "", " ", 2);

		if (applet_agent_get_pending(ctl->agent) == NULL)
			return "no credential request is open";
		applet_agent_answer(ctl->agent, TRUE, up[0], up[0] != NULL ? up[1] : NULL);
	} else if (g_strcmp0(cmd, "agent-decline") == 0) {
		if (applet_agent_get_pending(ctl->agent) == NULL)
			return "no credential request is open";
		applet_agent_answer(ctl->agent, FALSE, NULL, NULL);
	} else if (g_strcmp0(cmd, "dump") == 0) {
		/* printed below */
	} else if (g_strcmp0(cmd, "quit") == 0) {
		g_application_quit(ctl->app);
	} else
		return "unknown command";
	return NULL;
}

static void
line_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	AppletTestControl *ctl = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish_utf8(
		G_DATA_INPUT_STREAM(source), res, NULL, &error);
	g_autofree char *cmd = NULL;
	const char *space, *why;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (line == NULL) /* end of input or an error: stop listening */
		return;
	g_strstrip(line);
	if (*line != '\0') {
		space = strchr(line, ' ');
		cmd = space != NULL ? g_strndup(line, space - line) : g_strdup(line);
		why = run(ctl, cmd, space != NULL ? space + 1 : NULL);
		if (why != NULL)
			printf("nak: %s: %s\n", line, why);
		else
			printf("ack: %s\n", line);
		fflush(stdout);
		if (ctl->dump != NULL)
			ctl->dump(ctl->dump_data);
	}
	read_next(ctl);
}

static void
read_next(AppletTestControl *ctl)
{
	g_data_input_stream_read_line_async(ctl->in, G_PRIORITY_DEFAULT, ctl->cancellable,
					    line_read, ctl);
}

AppletTestControl *
applet_test_control_new(GApplication *app, AppletWindow *win, AppletAgent *agent,
			AppletNotify dump, gpointer dump_data)
{
	AppletTestControl *ctl = g_new0(AppletTestControl, 1);
	g_autoptr(GInputStream) base = g_unix_input_stream_new(0, FALSE);

	ctl->app = app;
	ctl->win = win;
	ctl->agent = agent;
	ctl->dump = dump;
	ctl->dump_data = dump_data;
	ctl->in = g_data_input_stream_new(base);
	ctl->cancellable = g_cancellable_new();
	read_next(ctl);
	return ctl;
}

void
applet_test_control_free(AppletTestControl *ctl)
{
	if (ctl == NULL)
		return;
	g_cancellable_cancel(ctl->cancellable);
	g_clear_object(&ctl->cancellable);
	g_clear_object(&ctl->in);
	g_free(ctl);
}
