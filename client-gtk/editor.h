/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The form that adds or edits a connection: name, peer host, local host,
 * local/remote IDs, pre-shared key or certificate nickname, local/remote
 * subnets, IKE and ESP proposals. Every change is checked with the same
 * connection model ikebusd uses (service/config), so Save is only offered
 * for a description the daemon will take; the message names the field.
 * Saved with AddConnection and "persist" (and "replace" when editing);
 * options the form does not show are kept as they were.
 */
#pragma once

#include "client.h"

#include <adwaita.h>

G_BEGIN_DECLS

typedef void (*AppletNotify)(gpointer data);

/* A new modal window, presented; @conn NULL adds a connection. @notify is
 * called whenever what the form shows changes (for --dump-state). */
GtkWidget *applet_editor_new(GtkWindow *parent, AppletClient *client, AppletConn *conn,
			     AppletNotify notify, gpointer notify_data);
/* Set a field by its option key ("name", "right-host", "left-id", ...; "auth"
 * takes "psk" or "cert"). FALSE if there is no such field. For tests. */
gboolean applet_editor_set_field(GtkWidget *editor, const char *key, const char *value);
/* Press Save (ignored while the form is invalid or a save runs). */
void applet_editor_save(GtkWidget *editor);
/* Appends the form as a JSON object. */
void applet_editor_dump(GtkWidget *editor, GString *json);

G_END_DECLS
