/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One connection in the list: name, state in words (or the failure), a
 * status icon and a switch that brings it up or down. Activating the row
 * opens the details view (the window connects "activated").
 */
#pragma once

#include "client.h"

#include <adwaita.h>

G_BEGIN_DECLS

/* A new AdwActionRow for @conn, kept current by @conn's "changed". */
GtkWidget *applet_row_new(AppletClient *client, AppletConn *conn);
/* Borrowed. */
AppletConn *applet_row_get_conn(GtkWidget *row);
/* What the switch would do when clicked: the same path as a click. */
void applet_row_toggle(GtkWidget *row);
/* Appends this row as a JSON object to @json. */
void applet_row_dump(GtkWidget *row, GString *json);

G_END_DECLS
