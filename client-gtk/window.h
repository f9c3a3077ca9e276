/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The applet's window: a list page (one row per connection, a switch each,
 * an add button, the daemon's status) and a details page with edit and
 * delete. Errors of calls are shown on the row or as a toast; a polkit
 * refusal says so in plain words. Main thread only.
 */
#pragma once

#include "client.h"
#include "editor.h"

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct _AppletWindow AppletWindow;

/* Owned; free with applet_window_free() (destroys the window). */
AppletWindow *applet_window_new(GtkApplication *app, AppletClient *client, AppletNotify notify,
				gpointer notify_data);
void applet_window_free(AppletWindow *win);
/* Borrowed. */
GtkWindow *applet_window_get_window(AppletWindow *win);

/* The row of the connection called @name, or NULL. Borrowed. */
GtkWidget *applet_window_find_row(AppletWindow *win, const char *name);
void applet_window_show_details(AppletWindow *win, AppletConn *conn);
void applet_window_show_list(AppletWindow *win);
/* Opens the form; @conn NULL adds a connection. */
void applet_window_open_editor(AppletWindow *win, AppletConn *conn);
/* The open form, or NULL. Borrowed. */
GtkWidget *applet_window_get_editor(AppletWindow *win);
/* Asks "Delete?"; the answer deletes. */
void applet_window_ask_delete(AppletWindow *win, AppletConn *conn);
/* Answers the open "Delete?" question as the buttons would. */
void applet_window_answer_delete(AppletWindow *win, gboolean confirm);
/* A short message at the bottom of the window. */
void applet_window_toast(AppletWindow *win, const char *text);

/* Appends the window's state as JSON members (no braces), each followed by
 * a comma. */
void applet_window_dump(AppletWindow *win, GString *json);

G_END_DECLS
