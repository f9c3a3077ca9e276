/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The applet's credential agent: exports org.ikebus.ike1.Agent, registers it
 * with Manager.RegisterAgent whenever ikebusd appears, and answers
 * RequestCredentials with a dialog asking the person. Calls from anyone but
 * the owner of org.ikebus.ike1 are refused. Main thread only.
 */
#pragma once

#include "client.h"
#include "editor.h" /* AppletNotify */

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define APPLET_AGENT_PATH "/org/ikebus/Applet/Agent"

typedef struct _AppletAgent AppletAgent;

/* Owned; free with applet_agent_free(). Dialogs are transient for the
 * application's active window. */
AppletAgent *applet_agent_new(AppletClient *client, GtkApplication *app, AppletNotify notify,
			      gpointer notify_data);
void applet_agent_free(AppletAgent *agent);

/* "registered", "waiting" (no ikebusd), "unavailable: REASON" or
 * "released"; static or borrowed until the next change. */
const char *applet_agent_get_status(AppletAgent *agent);
/* The connection path of the open request, or NULL. */
const char *applet_agent_get_pending(AppletAgent *agent);
/* Answer the open request as the dialog would: @username/@password may be
 * NULL; @accept FALSE declines. For tests and the dialog itself. */
void applet_agent_answer(AppletAgent *agent, gboolean accept, const char *username,
			 const char *password);

G_END_DECLS
