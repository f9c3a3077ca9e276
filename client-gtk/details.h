/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The details of one connection: its settings, its IKE SAs (peer, IDs,
 * algorithms, established since) and Child SAs (traffic selectors, bytes and
 * packets). The structure follows signals; the counters are read once a
 * second while the view is live, because the daemon does not signal them.
 */
#pragma once

#include "client.h"
#include "editor.h" /* AppletNotify */

#include <adwaita.h>

G_BEGIN_DECLS

/* A new AdwPreferencesPage; @notify is called when what it shows changed. */
GtkWidget *applet_details_new(AppletClient *client, AppletNotify notify, gpointer notify_data);
/* Show @conn (NULL: nothing). */
void applet_details_set_conn(GtkWidget *details, AppletConn *conn);
/* Borrowed, or NULL. */
AppletConn *applet_details_get_conn(GtkWidget *details);
/* Read the counters every second while @live. */
void applet_details_set_live(GtkWidget *details, gboolean live);
/* Appends {"connection": name, "values": {key: text, ...}} to @json. */
void applet_details_dump(GtkWidget *details, GString *json);

G_END_DECLS
