/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One path for every method call (STYLE.md §2.8):
 *   check (parse and validate the arguments; InvalidArgument names the key)
 *   -> authorize (the action from actions.c, asynchronously, through BusAuthz)
 *   -> act (reply now, or later for a negotiation).
 * Root takes the same path. Errors from check are converted with
 * ikebus_error_convert() before the reply.
 *
 * Thread: the main context.
 */
#pragma once

#include "authz.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
	GDBusMethodInvocation *invocation; /* the handler's reference until replied */
	GVariant *params;		   /* borrowed from the invocation */
	gpointer target;		   /* the object the handler belongs to (ref) */
	gpointer data;			   /* what check() parsed, freed with data_free */
	GDestroyNotify data_free;
} BusCall;

typedef gboolean (*BusCheckFunc)(BusCall *call, GError **error);
typedef void (*BusActFunc)(BusCall *call);

typedef struct {
	const char *method;
	BusCheckFunc check; /* NULL: no arguments to check */
	BusActFunc act;	    /* must reply to call->invocation, now or later */
} BusHandler;

/*
 * Runs @invocation through its handler in @handlers (by method name); the
 * polkit action comes from actions.c for @interface. @target is kept
 * (g_object_ref) until act has run. A method missing from either table is
 * answered with org.freedesktop.DBus.Error.UnknownMethod.
 */
void bus_dispatch(BusAuthz *authz, const char *interface, const BusHandler *handlers,
		  gsize n_handlers, GObject *target, GDBusMethodInvocation *invocation);

/* Replies with @error after converting it to IKEBUS_ERROR; takes @error. */
void bus_return_error(GDBusMethodInvocation *invocation, GError *error);

/* A generated skeleton's vtable with our method handler (which dispatches
 * through bus_dispatch()) and our property getter in place of the codegen's;
 * the codegen's getter stays reachable as @parent_get_property.  One per
 * skeleton class, filled on first use, thread-safe. */
typedef struct {
	GDBusInterfaceVTable vtable;
	GDBusInterfaceGetPropertyFunc parent_get_property;
	gsize once;
} BusSkeletonVTable;

GDBusInterfaceVTable *bus_skeleton_vtable(BusSkeletonVTable *v, GDBusInterfaceSkeletonClass *parent,
					  GDBusInterfaceSkeleton *skeleton,
					  GDBusInterfaceMethodCallFunc method_call,
					  GDBusInterfaceGetPropertyFunc get_property);

/* The "options" helpers every handler uses. An a{sv} must only hold keys of
 * @allowed (NULL-terminated) with the right types (@types, same order, as
 * GVariant type strings); else InvalidArgument naming "@what: key". */
gboolean bus_check_options(GVariant *options, const char *what, const char *const *allowed,
			   const char *const *types, GError **error);
gboolean bus_option_bool(GVariant *options, const char *key, gboolean fallback);

G_END_DECLS
