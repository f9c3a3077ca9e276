/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusAuthz: the only place ikebusd asks polkit (STYLE.md §2.8).
 *
 * A method handler reads and checks its arguments, picks one action id and
 * calls bus_authz_check(). The check runs asynchronously; the handler's
 * @authorized callback runs only when polkit said yes, after one audit line
 * (caller uid, action, object, method) has been logged. On a refusal or a
 * polkit failure BusAuthz itself replies to the invocation with
 * org.ikebus.ike1.Error.NotAuthorized or .Failed, and @authorized never runs.
 *
 * Thread: the main context that created it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BUS_ACTION_READ "org.ikebus.ike1.read"
#define BUS_ACTION_CONNECT "org.ikebus.ike1.connect"
#define BUS_ACTION_CONFIGURE "org.ikebus.ike1.configure"
#define BUS_ACTION_ADMIN "org.ikebus.ike1.admin"

#define BUS_TYPE_AUTHZ (bus_authz_get_type())
G_DECLARE_FINAL_TYPE(BusAuthz, bus_authz, BUS, AUTHZ, GObject)

/*
 * Owned. Starts fetching the polkit authority (once, asynchronously); checks
 * made before it arrives wait for it. @subject_is_bus_name: TRUE on the
 * system bus, where polkit can look the caller's bus name up itself; FALSE on
 * a session bus (development), where the caller is described to polkit as a
 * process (pid + uid from the bus) instead.
 */
BusAuthz *bus_authz_new(gboolean subject_is_bus_name);

/*
 * Authorized: @invocation is still unanswered and the callee must reply to
 * it; the reply consumes the reference the method handler was given, as for
 * any GDBus method call. @user_data as given to bus_authz_check().
 */
typedef void (*BusAuthzFunc)(GDBusMethodInvocation *invocation, gpointer user_data);

/*
 * Asks polkit whether the sender of @invocation may do @action_id on the
 * invocation's object. The method handler hands its reference on
 * @invocation over (it returns G_DBUS_METHOD_INVOCATION_HANDLED and does not
 * reply itself). @user_data_free (may be
 * NULL) runs exactly once, after @authorized or after the refusal reply.
 * The ALLOW_INTERACTIVE_AUTHORIZATION flag of the call is passed on to polkit.
 */
void bus_authz_check(BusAuthz *authz, GDBusMethodInvocation *invocation, const char *action_id,
		     BusAuthzFunc authorized, gpointer user_data, GDestroyNotify user_data_free);

G_END_DECLS
