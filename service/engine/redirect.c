/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 redirect (RFC 5685).
 *
 * Gateway: the global redirect answers IKE_SA_INIT without state (ddos.c
 * sends it; the GW Ident is made here), and engine_redirect_peers() sends
 * an INFORMATIONAL with N(REDIRECT) on established IKE SAs (§6).
 *
 * Client: every IKE_SA_INIT request of ours carries REDIRECT_SUPPORTED (§4),
 * or REDIRECTED_FROM naming the gateway that sent us on (§5).  A REDIRECT in
 * the IKE_SA_INIT response (its nonce must be our Ni, §8), in the IKE_AUTH
 * response (once the gateway is authenticated, §6) or in an INFORMATIONAL
 * request (§6) makes a new IKE SA with the named gateway; the old one is
 * dropped (IKE_SA_INIT) or deleted (the others).  §9: a connection
 * follows at most ENGINE_REDIRECT_MAX_FOLLOW redirects within
 * ENGINE_REDIRECT_WINDOW_SECONDS, so two gateways that send a client to
 * each other cannot keep it looping.
 *
 * Notify data (§8):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | GW Ident Type |  GW Ident Len |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               ~
 * ~                   New Responder GW Identity                   ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        Nonce Data (REDIRECT in IKE_SA_INIT)   ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <string.h>
#include <sys/socket.h>

#include <gio/gio.h>

#include "engine-private.h"

#define GW_IPV4 1
#define GW_IPV6 2
#define GW_FQDN 3

/* ---- GW Ident ---------------------------------------------------------- */

GBytes *
redirect_gw_ident(const char *dest, GError **error)
{
	g_autoptr(GInetAddress) a = g_inet_address_new_from_string(dest);
	guint8 buf[2 + 255];
	gsize n;

	if (a != NULL) {
		n = g_inet_address_get_native_size(a);
		buf[0] = n == 4 ? GW_IPV4 : GW_IPV6;
		buf[1] = (guint8) n;
		memcpy(buf + 2, g_inet_address_to_bytes(a), n);
		return g_bytes_new(buf, 2 + n);
	}
	n = strlen(dest);
	if (n == 0 || n > 255 ||
	    strspn(dest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "\"%s\" is not an IP address or DNS name", dest);
		return NULL;
	}
	buf[0] = GW_FQDN;
	buf[1] = (guint8) n;
	memcpy(buf + 2, dest, n);
	return g_bytes_new(buf, 2 + n);
}

static GBytes *
gw_ident_of(const NetEndpoint *ep)
{
	guint8 buf[2 + 16];
	gsize n = net_endpoint_addr_len(ep);

	buf[0] = ep->family == AF_INET ? GW_IPV4 : GW_IPV6;
	buf[1] = (guint8) n;
	memcpy(buf + 2, ep->addr, n);
	return g_bytes_new(buf, 2 + n);
}

/* Reads a GW Ident at @d; the bytes after it go to @rest.  An FQDN gives
 * FALSE with its text in @name (we do not resolve names). */
static gboolean
gw_parse(const guint8 *d, gsize len, NetEndpoint *gw, const guint8 **rest, gsize *rest_len,
         char *name, gsize name_size)
{
	gsize n;

	name[0] = '\0';
	if (len < 2 || (gsize) d[1] > len - 2)
		return FALSE;
	n = d[1];
	*rest = d + 2 + n;
	*rest_len = len - 2 - n;
	memset(gw, 0, sizeof(*gw));
	if (d[0] == GW_IPV4 && n == 4) {
		gw->family = AF_INET;
	} else if (d[0] == GW_IPV6 && n == 16) {
		gw->family = AF_INET6;
	} else {
		if (d[0] == GW_FQDN && n < name_size) {
			for (gsize i = 0; i < n; i++)
				name[i] = g_ascii_isgraph(d[2 + i]) ? (char) d[2 + i] : '?';
			name[n] = '\0';
		}
		return FALSE;
	}
	memcpy(gw->addr, d + 2, n);
	return TRUE;
}

/* ---- gateway ----------------------------------------------------------- */

gboolean
engine_set_global_redirect(Engine *engine, EngineRedirectMode mode, const char *const *to,
                           GError **error)
{
	EngineDdos *d = &engine->ddos;
	g_autoptr(GBytes) gw = NULL;

	if (to != NULL && to[0] != NULL) {
		for (gsize i = 0; to[i] != NULL; i++) {
			g_autoptr(GBytes) b = redirect_gw_ident(to[i], error);

			if (b == NULL)
				return FALSE;
			if (i == 0)
				gw = g_steal_pointer(&b);
		}
	}
	if (to == NULL && d->redirect_gw != NULL)
		gw = g_bytes_ref(d->redirect_gw);
	if (mode != ENGINE_REDIRECT_NO && gw == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		                    "a global redirect needs a gateway to send peers to");
		return FALSE;
	}
	g_clear_pointer(&d->redirect_gw, g_bytes_unref);
	d->redirect_gw = g_steal_pointer(&gw);
	d->redirect_mode = mode;
	return TRUE;
}

typedef struct {
	Task task;
	GBytes *gw;
} RedirectTask;

static TaskResult
redirect_build(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	RedirectTask *rt = (RedirectTask *) t;
	gsize n;
	const guint8 *d = g_bytes_get_data(rt->gw, &n);

	if (sa->state != IKE_SA_STATE_ESTABLISHED)
		return TASK_SKIP;
	g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_REDIRECT, NULL, 0, d, n));
	sa->engine->counters.redirects_sent++;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "sent INFORMATIONAL request with REDIRECT to another gateway");
	return TASK_OK;
}

static TaskResult
redirect_process(Task *t, IkeSa *sa, IkeMessage *msg)
{
	return TASK_OK;
}

static void
redirect_free(Task *t)
{
	RedirectTask *rt = (RedirectTask *) t;

	g_bytes_unref(rt->gw);
	g_free(rt);
}

static const TaskOps redirect_ops = {
        .name = "INFORMATIONAL(REDIRECT)",
        .exchange = IKE_EXCHANGE_INFORMATIONAL,
        .build_request = redirect_build,
        .process_response = redirect_process,
        .free = redirect_free,
};

Task *
task_redirect_new(GBytes *gw)
{
	RedirectTask *rt = g_new0(RedirectTask, 1);

	rt->task.ops = &redirect_ops;
	rt->task.initiator = TRUE;
	rt->gw = g_bytes_ref(gw);
	return &rt->task;
}

gint
engine_redirect_peers(Engine *engine, const char *name, const char *const *to, GError **error)
{
	EngineConn *c = NULL;
	g_autoptr(GBytes) gw = NULL;
	g_autoptr(GList) sas = NULL;
	gint n = 0;

	if (name != NULL) {
		c = g_hash_table_lookup(engine->connections, name);
		if (c == NULL) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_FOUND,
			            "no connection \"%s\"", name);
			return -1;
		}
	}
	if (to == NULL || to[0] == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		                    "no gateway to redirect to");
		return -1;
	}
	for (gsize i = 0; to[i] != NULL; i++) {
		g_autoptr(GBytes) b = redirect_gw_ident(to[i], error);

		if (b == NULL)
			return -1;
		if (i == 0)
			gw = g_steal_pointer(&b);
	}
	sas = g_hash_table_get_values(engine->ike_by_serial);
	for (GList *l = sas; l != NULL; l = l->next) {
		IkeSa *sa = l->data;

		if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0 ||
		    (c != NULL && sa->conn != c))
			continue;
		ike_sa_queue_task(sa, task_redirect_new(gw));
		n++;
	}
	return n;
}

/* ---- client ------------------------------------------------------------ */

void
redirect_add_init_notify(IkeSa *sa, GPtrArray *payloads)
{
	g_autoptr(GBytes) from = NULL;
	gsize n;
	const guint8 *d;

	if (!sa->redirected) {
		g_ptr_array_add(payloads, ike_payload_new_notify(0, IKE_NOTIFY_REDIRECT_SUPPORTED,
		                                                 NULL, 0, NULL, 0));
		return;
	}
	from = gw_ident_of(&sa->redirected_from);
	d = g_bytes_get_data(from, &n);
	g_ptr_array_add(payloads,
	                ike_payload_new_notify(0, IKE_NOTIFY_REDIRECTED_FROM, NULL, 0, d, n));
}

/* §9: bounded redirects per connection. */
static gboolean
loop_check(IkeSa *sa)
{
	EngineConn *c = sa->conn;
	gint64 now = g_get_monotonic_time();

	if (c->redirects == 0 ||
	    now - c->redirect_window > (gint64) ENGINE_REDIRECT_WINDOW_SECONDS * G_USEC_PER_SEC) {
		c->redirects = 0;
		c->redirect_window = now;
	}
	if (c->redirects >= ENGINE_REDIRECT_MAX_FOLLOW) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		           "not following the REDIRECT: already redirected %u times within %u "
		           "seconds",
		           c->redirects, ENGINE_REDIRECT_WINDOW_SECONDS);
		return FALSE;
	}
	c->redirects++;
	return TRUE;
}

/* A new IKE SA of @sa's connection with @gw; @req (may be NULL) goes to it. */
static IkeSa *
start_redirected(IkeSa *sa, const NetEndpoint *gw, EngineRequest *req)
{
	const IkebusEnd *re = engine_conn_remote_end(sa->conn, sa->local_is_left);
	NetEndpoint to = *gw;
	NetEndpoint from = sa->remote;
	IkeSa *n;
	char b1[64], b2[64];

	to.port = (guint16) re->ike_port;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "redirected from %s to %s",
	           net_endpoint_to_string(&from, b1, sizeof(b1)),
	           net_endpoint_to_string(&to, b2, sizeof(b2)));
	sa->engine->counters.redirects_followed++;
	n = engine_start_ike_sa(sa->engine, sa->conn, sa->local_is_left, &to, req);
	if (n != NULL) {
		/* read when its IKE_SA_INIT request is built, which waits for
		 * the key pair from the worker */
		n->redirected = TRUE;
		n->redirected_from = from;
	}
	return n;
}

/* Starts the IKE SA with @gw (loops permitting), which takes over a waiting
 * initiate caller from @sa: it hears the new IKE SA's outcome. */
static gboolean
follow(IkeSa *sa, const NetEndpoint *gw)
{
	if (!loop_check(sa))
		return FALSE;
	if (start_redirected(sa, gw, sa->request_cb) == NULL)
		return FALSE;
	g_clear_pointer(&sa->request_cb, engine_request_unref);
	return TRUE;
}

gboolean
redirect_follow_init(IkeSa *sa, const IkePayload *n)
{
	NetEndpoint gw;
	const guint8 *nonce;
	gsize nonce_len, ni_len;
	const guint8 *ni = sa->ni != NULL ? g_bytes_get_data(sa->ni, &ni_len) : NULL;
	char name[256];

	if (sa->conn == NULL || sa->conn->deleted)
		return FALSE;
	if (!gw_parse(n->u.notify.data, n->u.notify.data_len, &gw, &nonce, &nonce_len, name,
	              sizeof(name))) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		           "IKE_SA_INIT response redirects to %s, which we cannot follow",
		           name[0] != '\0' ? name : "a malformed gateway identity");
		return FALSE;
	}
	/* §8: the nonce proves the REDIRECT answers our request */
	if (ni == NULL || nonce_len != ni_len || memcmp(nonce, ni, ni_len) != 0) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_PEER_ERROR,
		           "IKE_SA_INIT response has a REDIRECT without our nonce; ignoring it");
		return FALSE;
	}
	return follow(sa, &gw);
}

gboolean
redirect_follow_authenticated(IkeSa *sa, const IkePayload *n)
{
	NetEndpoint gw;
	const guint8 *rest;
	gsize rest_len;
	char name[256];

	if (!sa->initiator || sa->conn == NULL || sa->conn->deleted) {
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "ignoring a REDIRECT from the peer of an IKE SA we did not initiate");
		return FALSE;
	}
	if (!gw_parse(n->u.notify.data, n->u.notify.data_len, &gw, &rest, &rest_len, name,
	              sizeof(name))) {
		ike_sa_log(sa, G_LOG_LEVEL_MESSAGE, ENGINE_STATUS_OK,
		           "REDIRECT to %s, which we cannot follow; staying",
		           name[0] != '\0' ? name : "a malformed gateway identity");
		return FALSE;
	}
	return follow(sa, &gw);
}
