/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl as a credential agent (org.ikebus.ike1.Agent): while a
 * synchronous --initiate runs, ikebusd may ask it for an XAUTH or EAP user
 * name and password. Values given on the command line (--xauthuser,
 * --xauthpass) are answered without asking; anything else is asked on the
 * controlling terminal (passwords without echo) or read from --password-fd.
 * Only ikebusd (the unique name that owned org.ikebus.ike1 when ikebusctl
 * connected) may call the agent; everyone else gets NotAuthorized.
 *
 * Thread: the main context of the thread that created the agent; the
 * prompt never blocks it (the terminal is read as the main loop runs).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CTL_AGENT_PATH "/org/ikebus/ikebusctl/Agent"

typedef struct {
	const char *username; /* --xauthuser, or NULL */
	const char *password; /* --xauthpass, or NULL */
	int input_fd;	      /* --password-fd, or -1: the controlling terminal */
} CtlAgentSource;

typedef struct CtlAgent CtlAgent;

/*
 * Exports the agent on @bus at CTL_AGENT_PATH, accepting calls from
 * @daemon_name only. @src is copied. NULL + a GIO error when the path is taken.
 */
CtlAgent *ctl_agent_new(GDBusConnection *bus, const char *daemon_name, const CtlAgentSource *src,
			GError **error);

/* Manager.RegisterAgent (synchronous). FALSE + the D-Bus error when refused. */
gboolean ctl_agent_register(CtlAgent *agent, GError **error);

/* Whether the agent could answer a request for a password now: a value on the command
 * line, --password-fd, or a controlling terminal. */
gboolean ctl_agent_source_usable(const CtlAgentSource *src);

/* Unregisters (unless ikebusd released it), drops a pending prompt, unexports, frees. */
void ctl_agent_free(CtlAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlAgent, ctl_agent_free)

G_END_DECLS
