/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a parsed CtlRequest to the D-Bus calls that carry it out, without a
 * bus: tests print the calls, ikebusctl.c makes them.
 *
 * Thread: any; no globals.
 */
#pragma once

#include "options.h"

G_BEGIN_DECLS

#define CTL_BUS_NAME "org.ikebus.ike1"
#define CTL_MANAGER_PATH "/org/ikebus/ike1"
#define CTL_MANAGER_IFACE "org.ikebus.ike1.Manager"
#define CTL_CONNECTION_IFACE "org.ikebus.ike1.Connection"

/* What a call answers, and so how ikebusctl shows it. */
typedef enum {
	CTL_REPLY_NONE,     /* () */
	CTL_REPLY_PATH,     /* (o) */
	CTL_REPLY_STATUS,   /* (u), with Progress signals from the called object */
	CTL_REPLY_ROWS,     /* (aa{sv}) */
	CTL_REPLY_DICT,     /* (a{sv}) */
	CTL_REPLY_PROPERTY, /* (v) from Properties.Get, holding an as */
} CtlReply;

typedef struct {
	char *path;
	const char *interface;
	const char *method;
	GVariant *args; /* a tuple; not floating */
	CtlReply reply;
	char *title;        /* the form the answer is for ("trafficstatus", "list", ...) */
	gboolean autostart; /* FALSE: do not activate ikebusd for this call (Shutdown) */
} CtlCall;

void ctl_call_free(CtlCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlCall, ctl_call_free)

/* The object path of connection @name (the rule of the Manager XML). Owned. */
char *ctl_connection_path(const char *name);

/*
 * The options dictionary of the connection description in @req (a checked
 * request), exactly as org.ikebus.ike1.Manager.AddConnection documents it: a
 * new floating a{sv}. NULL (without error) when @req describes no connection.
 */
GVariant *ctl_request_to_options(const CtlRequest *req);

/* The calls, in the order to make them; a GPtrArray of CtlCall. */
GPtrArray *ctl_request_to_calls(const CtlRequest *req);

/* "org.ikebus.ike1.Manager.AddConnection /org/ikebus/ike1 ('c', {...}, {...})"; owned.
 * A "xauth-password" value is shown as "<secret>". */
char *ctl_call_to_string(const CtlCall *call);

G_END_DECLS
