/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The polkit check, in three asynchronous steps so the main loop never waits:
 *   1. ask the bus who the caller is (GetConnectionCredentials: uid for the
 *      audit line, pid for the unix-process subject; remembered per unique
 *      bus name, which never passes to another connection);
 *   2. wait for the PolkitAuthority if it has not arrived yet;
 *   3. CheckAuthorization, then reply or run the handler's callback.
 */
#include "config.h"

#include "authz.h"
#include "errors.h"

#include <polkit/polkit.h>

struct _BusAuthz {
	GObject parent_instance;
	PolkitAuthority *authority; /* NULL until fetched */
	GError *authority_error;    /* set if fetching it failed */
	gboolean fetching;
	GQueue waiting;		    /* of AuthzRequest, waiting for the authority */
	gboolean subject_is_bus_name;
	/* unique bus name -> AuthzCreds: what GetConnectionCredentials said. A
	 * unique name is never given to another connection, and a connection's
	 * uid and pid do not change, so the answer holds as long as the name
	 * sends; kept for the last CREDS_CACHE_MAX callers (a client adding
	 * 10,000 connections asked the bus 10,000 times). polkit is still asked
	 * on every call. */
	GHashTable *creds;
};

#define CREDS_CACHE_MAX 256

typedef struct {
	guint32 uid;
	guint32 pid;
	gboolean have_pid;
} AuthzCreds;

G_DEFINE_TYPE(BusAuthz, bus_authz, G_TYPE_OBJECT)

typedef struct {
	BusAuthz *authz; /* ref */
	GDBusMethodInvocation *invocation; /* ref */
	char *action_id;
	PolkitSubject *subject;
	guint32 uid;
	BusAuthzFunc authorized;
	gpointer user_data;
	GDestroyNotify user_data_free;
} AuthzRequest;

static void
authz_request_free(AuthzRequest *req)
{
	if (req->user_data_free != NULL)
		req->user_data_free(req->user_data);
	g_clear_object(&req->subject);
	g_free(req->action_id);
	g_object_unref(req->invocation);
	g_object_unref(req->authz);
	g_free(req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(AuthzRequest, authz_request_free)

static void
authz_request_fail(AuthzRequest *req, IkebusError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

/*
 * Replies with @code. The reply consumes the reference the method handler
 * was given; req->invocation keeps its own until authz_request_free().
 */
static void
authz_request_fail(AuthzRequest *req, IkebusError code, const char *format, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_dbus_method_invocation_return_error_literal(req->invocation, IKEBUS_ERROR, code, msg);
}

static void
audit(AuthzRequest *req)
{
	GDBusMethodInvocation *inv = req->invocation;
	const char *object = g_dbus_method_invocation_get_object_path(inv);
	const char *iface = g_dbus_method_invocation_get_interface_name(inv);
	const char *method = g_dbus_method_invocation_get_method_name(inv);
	g_autofree char *uid = g_strdup_printf("%" G_GUINT32_FORMAT, req->uid);

	/*
	 * One line per authorized change, at "message" (notice) level so it is
	 * kept by default. Field values are plain strings (only MESSAGE is a
	 * format), and they let journalctl filter:
	 * journalctl IKEBUS_AUDIT_ACTION=org.ikebus.ike1.admin
	 */
	g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
			 "IKEBUS_AUDIT_UID", uid,
			 "IKEBUS_AUDIT_ACTION", req->action_id,
			 "IKEBUS_AUDIT_OBJECT", object,
			 "MESSAGE", "audit: uid=%s action=%s object=%s call=%s.%s", uid,
			 req->action_id, object, iface, method);
}

static void
check_authorization_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(AuthzRequest) req = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(PolkitAuthorizationResult) result = NULL;

	result = polkit_authority_check_authorization_finish(POLKIT_AUTHORITY(source), res, &error);
	if (result == NULL) {
		g_warning("polkit check of %s failed: %s", req->action_id, error->message);
		authz_request_fail(req, IKEBUS_ERROR_FAILED, "Could not check authorization for %s: %s",
				   req->action_id, error->message);
		return;
	}
	if (!polkit_authorization_result_get_is_authorized(result)) {
		g_debug("uid %" G_GUINT32_FORMAT " refused %s%s", req->uid, req->action_id,
			polkit_authorization_result_get_is_challenge(result) ? " (needs authentication)"
									     : "");
		authz_request_fail(req, IKEBUS_ERROR_NOT_AUTHORIZED, "Not authorized for %s",
				   req->action_id);
		return;
	}
	/* reading changes nothing: only changes are audited */
	if (g_strcmp0(req->action_id, BUS_ACTION_READ) != 0)
		audit(req);
	req->authorized(req->invocation, req->user_data);
}

static void
authz_request_ask_polkit(AuthzRequest *req)
{
	BusAuthz *authz = req->authz;
	GDBusMessage *msg = g_dbus_method_invocation_get_message(req->invocation);
	PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

	if (authz->authority == NULL) {
		authz_request_fail(req, IKEBUS_ERROR_FAILED, "Could not check authorization for %s: %s",
				   req->action_id, authz->authority_error->message);
		authz_request_free(req);
		return;
	}
	if (g_dbus_message_get_flags(msg) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
		flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
	polkit_authority_check_authorization(authz->authority, req->subject, req->action_id, NULL,
					     flags, NULL, check_authorization_cb, req);
}

static void
authority_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(BusAuthz) authz = user_data;
	g_autoptr(GError) error = NULL;
	AuthzRequest *req;

	authz->fetching = FALSE;
	authz->authority = polkit_authority_get_finish(res, &error);
	if (authz->authority == NULL) {
		g_warning("polkit is not available, every checked call will fail: %s",
			  error->message);
		authz->authority_error = g_steal_pointer(&error);
	}
	while ((req = g_queue_pop_head(&authz->waiting)) != NULL)
		authz_request_ask_polkit(req);
}

/* The caller is known (@creds): on to polkit. Consumes @req_in. */
static void
authz_request_identified(AuthzRequest *req_in, const AuthzCreds *creds)
{
	g_autoptr(AuthzRequest) req = req_in;

	req->uid = creds->uid;
	if (req->authz->subject_is_bus_name) {
		const char *sender = g_dbus_method_invocation_get_sender(req->invocation);

		req->subject = polkit_system_bus_name_new(sender);
	} else {
		if (!creds->have_pid) {
			authz_request_fail(req, IKEBUS_ERROR_FAILED,
					   "The bus did not report the caller's pid");
			return;
		}
		req->subject = polkit_unix_process_new_for_owner((gint) creds->pid, 0, (gint) req->uid);
	}

	if (req->authz->fetching) {
		/* not in one expression: argument order is unspecified */
		BusAuthz *authz = req->authz;

		g_queue_push_tail(&authz->waiting, g_steal_pointer(&req));
		return;
	}
	authz_request_ask_polkit(g_steal_pointer(&req));
}

static void
credentials_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(AuthzRequest) req = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) dict = NULL;
	AuthzCreds creds = { 0 };
	BusAuthz *authz = req->authz;
	const char *sender;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (reply == NULL) {
		/* the caller is gone or the bus misbehaves: nobody to authorize */
		authz_request_fail(req, IKEBUS_ERROR_FAILED, "Could not identify the caller: %s",
				   error->message);
		return;
	}
	g_variant_get(reply, "(@a{sv})", &dict);
	if (!g_variant_lookup(dict, "UnixUserID", "u", &creds.uid)) {
		authz_request_fail(req, IKEBUS_ERROR_FAILED, "The bus did not report the caller's uid");
		return;
	}
	creds.have_pid = g_variant_lookup(dict, "ProcessID", "u", &creds.pid);
	sender = g_dbus_method_invocation_get_sender(req->invocation);
	if (g_hash_table_size(authz->creds) >= CREDS_CACHE_MAX)
		g_hash_table_remove_all(authz->creds);
	if (sender != NULL)
		g_hash_table_replace(authz->creds, g_strdup(sender), g_memdup2(&creds, sizeof(creds)));
	authz_request_identified(g_steal_pointer(&req), &creds);
}

void
bus_authz_check(BusAuthz *authz, GDBusMethodInvocation *invocation, const char *action_id,
		BusAuthzFunc authorized, gpointer user_data, GDestroyNotify user_data_free)
{
	AuthzRequest *req;
	const AuthzCreds *creds;
	const char *sender;

	g_return_if_fail(BUS_IS_AUTHZ(authz));
	g_return_if_fail(G_IS_DBUS_METHOD_INVOCATION(invocation));
	g_return_if_fail(action_id != NULL && authorized != NULL);

	req = g_new0(AuthzRequest, 1);
	req->authz = g_object_ref(authz);
	req->invocation = g_object_ref(invocation);
	req->action_id = g_strdup(action_id);
	req->authorized = authorized;
	req->user_data = user_data;
	req->user_data_free = user_data_free;

	sender = g_dbus_method_invocation_get_sender(invocation);
	creds = sender != NULL ? g_hash_table_lookup(authz->creds, sender) : NULL;
	if (creds != NULL) {
		authz_request_identified(req, creds);
		return;
	}
	g_dbus_connection_call(g_dbus_method_invocation_get_connection(invocation),
			       "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "GetConnectionCredentials",
			       g_variant_new("(s)", g_dbus_method_invocation_get_sender(invocation)),
			       G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
			       credentials_cb, req);
}

static void
bus_authz_finalize(GObject *object)
{
	BusAuthz *authz = BUS_AUTHZ(object);

	/* requests hold a reference, so none can be waiting here */
	g_warn_if_fail(g_queue_is_empty(&authz->waiting));
	g_clear_object(&authz->authority);
	g_clear_error(&authz->authority_error);
	g_clear_pointer(&authz->creds, g_hash_table_unref);
	G_OBJECT_CLASS(bus_authz_parent_class)->finalize(object);
}

static void
bus_authz_class_init(BusAuthzClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = bus_authz_finalize;
}

static void
bus_authz_init(BusAuthz *authz)
{
	g_queue_init(&authz->waiting);
	authz->creds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

BusAuthz *
bus_authz_new(gboolean subject_is_bus_name)
{
	BusAuthz *authz = g_object_new(BUS_TYPE_AUTHZ, NULL);

	authz->subject_is_bus_name = subject_is_bus_name;
	authz->fetching = TRUE;
	polkit_authority_get_async(NULL, authority_cb, g_object_ref(authz));
	return authz;
}
