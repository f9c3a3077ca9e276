/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.h helpers shared by every backend: the factory, event delivery,
 * address/selector utilities and the name tables.
 */
#include "kernel.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "secbuf.h"

G_DEFINE_QUARK(ikebus - kernel - error - quark, kernel_error)

void
kernel_caps_clear(KernelCaps *caps)
{
	if (caps == NULL)
		return;
	g_free(caps->message);
	memset(caps, 0, sizeof(*caps));
}

gboolean
kernel_caps_has_encr(const KernelCaps *caps, guint16 id)
{
	for (gsize i = 0; caps != NULL && i < caps->n_encr; i++)
		if (caps->encr_ids[i] == id)
			return TRUE;
	return FALSE;
}

gboolean
kernel_caps_has_integ(const KernelCaps *caps, guint16 id)
{
	for (gsize i = 0; caps != NULL && i < caps->n_integ; i++)
		if (caps->integ_ids[i] == id)
			return TRUE;
	return FALSE;
}

void
kernel_config_init(KernelConfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* the kernel picks the first free ikebusN, so two daemons (tests,
	 * containers sharing a namespace) never fight over one name */
	cfg->tun_name = "ikebus%d";
	cfg->route_table = 220;
	cfg->encap_port = 4500;
	cfg->encap_fd = -1;
	cfg->encap_fd6 = -1;
	cfg->n_threads = 1;
}

#ifndef IKEBUS_HAVE_XFRM
KernelBackend *
kernel_xfrm_new(const KernelConfig *cfg, GError **error)
{
	g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
	                    "this build has no xfrm backend");
	return NULL;
}
#endif

#ifndef IKEBUS_HAVE_UESP
KernelBackend *
kernel_uesp_new(const KernelConfig *cfg, GError **error)
{
	g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
	                    "this build has no userspace ESP backend");
	return NULL;
}
#endif

KernelBackend *
kernel_backend_new(const char *name, const KernelConfig *cfg, GError **error)
{
	KernelConfig defaults;

	if (cfg == NULL) {
		kernel_config_init(&defaults);
		cfg = &defaults;
	}
	if (g_strcmp0(name, "xfrm") == 0)
		return kernel_xfrm_new(cfg, error);
	if (g_strcmp0(name, "userspace") == 0)
		return kernel_uesp_new(cfg, error);
	g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
	            "unknown kernel backend '%s' (expected xfrm or userspace)",
	            name != NULL ? name : "(null)");
	return NULL;
}

void
kernel_backend_free(KernelBackend *kb)
{
	GMainContext *ctx;

	if (kb == NULL)
		return;
	ctx = kb->event_context;
	kb->event_context = NULL;
	if (kb->ops->free != NULL)
		kb->ops->free(kb);
	else
		g_free(kb);
	if (ctx != NULL)
		g_main_context_unref(ctx);
}

const char *
kernel_backend_get_name(const KernelBackend *kb)
{
	return kb != NULL ? kb->ops->name : NULL;
}

gboolean
kernel_backend_not_supported(const KernelBackend *kb, const char *op, GError **error)
{
	g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED,
	            "kernel backend %s does not support %s", kb != NULL ? kb->ops->name : "(none)",
	            op);
	return FALSE;
}

void
kernel_backend_set_event_func(KernelBackend *kb, KernelEventFunc func, gpointer user_data)
{
	GMainContext *old;

	g_return_if_fail(kb != NULL);
	old = kb->event_context;
	kb->event_func = func;
	kb->event_data = user_data;
	kb->event_context = func != NULL ? g_main_context_ref_thread_default() : NULL;
	if (old != NULL)
		g_main_context_unref(old);
}

typedef struct {
	KernelEvent event;
	KernelEventFunc func;
	gpointer data;
} KernelEventCall;

static gboolean
kernel_event_dispatch(gpointer user_data)
{
	KernelEventCall *call = user_data;

	call->func(&call->event, call->data);
	return G_SOURCE_REMOVE;
}

void
kernel_backend_post_event(KernelBackend *kb, const KernelEvent *event)
{
	KernelEventCall *call;
	GSource *source;

	/* The handler is read without a lock: it is set from the main thread
	 * before traffic starts and backends stop their threads before it can
	 * go away (kernel_backend_free). */
	if (kb == NULL || kb->event_func == NULL || kb->event_context == NULL)
		return;
	call = g_new0(KernelEventCall, 1);
	call->event = *event;
	call->func = kb->event_func;
	call->data = kb->event_data;
	/* Not g_main_context_invoke(): that runs the handler right here when
	 * the context is the global default and nobody holds it (before the
	 * main loop runs), i.e. on a data-path thread. */
	source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(source, kernel_event_dispatch, call, g_free);
	g_source_set_static_name(source, "ikebus-kernel-event");
	g_source_attach(source, kb->event_context);
	g_source_unref(source);
}

/* ---- addresses -------------------------------------------------------- */

gboolean
kernel_addr_parse(const char *text, KernelAddr *out)
{
	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return FALSE;
	if (inet_pton(AF_INET, text, out->v4) == 1) {
		out->family = AF_INET;
		return TRUE;
	}
	if (inet_pton(AF_INET6, text, out->v6) == 1) {
		out->family = AF_INET6;
		return TRUE;
	}
	return FALSE;
}

const char *
kernel_addr_to_string(const KernelAddr *addr, char *buf, gsize buf_len)
{
	if (addr == NULL || (addr->family != AF_INET && addr->family != AF_INET6) ||
	    inet_ntop(addr->family, addr->bytes, buf, (socklen_t) buf_len) == NULL)
		g_strlcpy(buf, "%any", buf_len);
	return buf;
}

gsize
kernel_addr_len(const KernelAddr *addr)
{
	if (addr == NULL)
		return 0;
	return addr->family == AF_INET ? 4 : addr->family == AF_INET6 ? 16 : 0;
}

gboolean
kernel_addr_equal(const KernelAddr *a, const KernelAddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, kernel_addr_len(a)) == 0;
}

/* ---- selectors -------------------------------------------------------- */

void
kernel_ts_from_prefix(KernelTs *ts, const KernelAddr *addr, guint prefix_len, guint8 proto)
{
	gsize len = kernel_addr_len(addr);

	memset(ts, 0, sizeof(*ts));
	ts->from = *addr;
	ts->to = *addr;
	if (prefix_len > len * 8)
		prefix_len = (guint) len * 8;
	for (gsize i = 0; i < len; i++) {
		guint bits = prefix_len > i * 8 ? MIN(8u, prefix_len - (guint) i * 8) : 0;
		guint8 mask = (guint8) (bits == 0 ? 0 : 0xff << (8 - bits));
		ts->from.bytes[i] &= mask;
		ts->to.bytes[i] |= (guint8) ~mask;
	}
	ts->proto = proto;
	ts->from_port = 0;
	ts->to_port = 0xffff;
}

gboolean
kernel_ts_to_prefix(const KernelTs *ts, KernelAddr *addr, guint *prefix_len)
{
	gsize len = kernel_addr_len(&ts->from);
	guint plen = 0;
	gboolean in_host = FALSE;

	if (len == 0 || ts->to.family != ts->from.family)
		return FALSE;
	/* A CIDR block: equal leading bits, then from all 0 and to all 1. */
	for (gsize i = 0; i < len * 8; i++) {
		guint f = (ts->from.bytes[i / 8] >> (7 - i % 8)) & 1;
		guint t = (ts->to.bytes[i / 8] >> (7 - i % 8)) & 1;
		if (!in_host && f == t) {
			plen++;
			continue;
		}
		in_host = TRUE;
		if (f != 0 || t != 1)
			return FALSE;
	}
	if (addr != NULL)
		*addr = ts->from;
	if (prefix_len != NULL)
		*prefix_len = plen;
	return TRUE;
}

gboolean
kernel_ts_contains_addr(const KernelTs *ts, const KernelAddr *addr)
{
	gsize len = kernel_addr_len(addr);

	if (len == 0 || ts->from.family != addr->family)
		return FALSE;
	return memcmp(ts->from.bytes, addr->bytes, len) <= 0 &&
	       memcmp(addr->bytes, ts->to.bytes, len) <= 0;
}

gboolean
kernel_ts_match(const KernelTs *ts, const KernelAddr *addr, guint8 proto, guint16 port)
{
	if (!kernel_ts_contains_addr(ts, addr))
		return FALSE;
	if (ts->proto != 0 && ts->proto != proto)
		return FALSE;
	if (ts->from_port == 0 && ts->to_port == 0xffff)
		return TRUE;
	return port >= ts->from_port && port <= ts->to_port;
}

char *
kernel_ts_to_string(const KernelTs *ts)
{
	char a[64], b[64];
	KernelAddr net;
	guint plen;
	g_autofree char *addr = NULL;

	if (kernel_ts_to_prefix(ts, &net, &plen))
		addr = g_strdup_printf("%s/%u", kernel_addr_to_string(&net, a, sizeof(a)), plen);
	else
		addr = g_strdup_printf("%s..%s", kernel_addr_to_string(&ts->from, a, sizeof(a)),
		                       kernel_addr_to_string(&ts->to, b, sizeof(b)));
	if (ts->proto == 0 && ts->from_port == 0 && ts->to_port == 0xffff)
		return g_steal_pointer(&addr);
	if (ts->from_port == 0 && ts->to_port == 0xffff)
		return g_strdup_printf("%s[%u]", addr, ts->proto);
	if (ts->from_port == ts->to_port)
		return g_strdup_printf("%s[%u/%u]", addr, ts->proto, ts->from_port);
	return g_strdup_printf("%s[%u/%u-%u]", addr, ts->proto, ts->from_port, ts->to_port);
}

/* ---- owned copies ----------------------------------------------------- */

static guint8 *
kernel_key_dup(const guint8 *key, gsize len)
{
	guint8 *copy;

	if (key == NULL || len == 0)
		return NULL;
	copy = g_malloc(len);
	memcpy(copy, key, len);
	return copy;
}

static void
kernel_key_free(const guint8 *key, gsize len)
{
	if (key == NULL)
		return;
	ikebus_wipe((void *) key, len);
	g_free((void *) key);
}

KernelSa *
kernel_sa_dup(const KernelSa *sa)
{
	KernelSa *copy = g_new(KernelSa, 1);

	*copy = *sa;
	copy->encr_key = kernel_key_dup(sa->encr_key, sa->encr_key_len);
	copy->integ_key = kernel_key_dup(sa->integ_key, sa->integ_key_len);
	copy->ts_local =
	        sa->n_ts_local ? g_memdup2(sa->ts_local, sa->n_ts_local * sizeof(KernelTs)) : NULL;
	copy->ts_remote = sa->n_ts_remote
	                          ? g_memdup2(sa->ts_remote, sa->n_ts_remote * sizeof(KernelTs))
	                          : NULL;
	return copy;
}

void
kernel_sa_free(KernelSa *sa)
{
	if (sa == NULL)
		return;
	kernel_key_free(sa->encr_key, sa->encr_key_len);
	kernel_key_free(sa->integ_key, sa->integ_key_len);
	g_free((void *) sa->ts_local);
	g_free((void *) sa->ts_remote);
	g_free(sa);
}

KernelPolicy *
kernel_policy_dup(const KernelPolicy *policy)
{
	return g_memdup2(policy, sizeof(*policy));
}

void
kernel_policy_free(KernelPolicy *policy)
{
	g_free(policy);
}

void
kernel_sa_get_id(const KernelSa *sa, KernelSaId *id)
{
	memset(id, 0, sizeof(*id));
	id->src = sa->src;
	id->dst = sa->dst;
	id->spi = sa->spi;
	id->proto = sa->proto;
	id->mark = sa->mark;
}

/* ---- names ------------------------------------------------------------ */

const char *
kernel_proto_name(KernelProto proto)
{
	switch (proto) {
	case KERNEL_PROTO_ESP:
		return "esp";
	case KERNEL_PROTO_AH:
		return "ah";
	case KERNEL_PROTO_COMP:
		return "comp";
	}
	return "?";
}

const char *
kernel_ipcomp_name(guint16 transform)
{
	/* IANA id -> name; the names double as Linux's compression algorithm
	 * names, so the xfrm backend keeps no table of its own. */
	static const struct {
		guint16 id;
		const char *name;
	} table[] = {
	        {KERNEL_IPCOMP_DEFLATE, "deflate"},
	        {KERNEL_IPCOMP_LZS, "lzs"},
	        {KERNEL_IPCOMP_LZJH, "lzjh"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
		if (table[i].id == transform)
			return table[i].name;
	return NULL;
}

const char *
kernel_mode_name(KernelMode mode)
{
	switch (mode) {
	case KERNEL_MODE_TUNNEL:
		return "tunnel";
	case KERNEL_MODE_TRANSPORT:
		return "transport";
	}
	return "?";
}

const char *
kernel_dir_name(KernelDir dir)
{
	switch (dir) {
	case KERNEL_DIR_IN:
		return "in";
	case KERNEL_DIR_OUT:
		return "out";
	case KERNEL_DIR_FWD:
		return "fwd";
	}
	return "?";
}

const char *
kernel_policy_action_name(KernelPolicyAction action)
{
	switch (action) {
	case KERNEL_POLICY_IPSEC:
		return "ipsec";
	case KERNEL_POLICY_PASS:
		return "pass";
	case KERNEL_POLICY_DROP:
		return "drop";
	case KERNEL_POLICY_REJECT:
		return "reject";
	}
	return "?";
}

const char *
kernel_event_type_name(KernelEventType type)
{
	switch (type) {
	case KERNEL_EVENT_ACQUIRE:
		return "acquire";
	case KERNEL_EVENT_EXPIRE:
		return "expire";
	case KERNEL_EVENT_MAPPING:
		return "mapping";
	}
	return "?";
}
