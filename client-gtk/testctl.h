/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --test-control: commands on standard input, one per line, that drive the
 * window through the same functions its buttons call, so an Xvfb test can
 * click without an accessibility stack:
 *   toggle NAME | details NAME | back | add | edit NAME | set KEY VALUE |
 *   save | cancel | delete NAME | confirm | decline | agent-answer USER PASS |
 *   agent-decline | dump | quit
 * Each command is acknowledged with "ack: COMMAND" (or "nak: COMMAND: why")
 * on standard output.
 */
#pragma once

#include "agent.h"
#include "window.h"

G_BEGIN_DECLS

typedef struct _AppletTestControl AppletTestControl;

/* Starts reading standard input. @dump prints the state now. */
AppletTestControl *applet_test_control_new(GApplication *app, AppletWindow *win,
					   AppletAgent *agent, AppletNotify dump,
					   gpointer dump_data);
void applet_test_control_free(AppletTestControl *ctl);

G_END_DECLS
