/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic selectors (RFC 7296 §2.9, §3.13): from the connection's ends,
 * to and from TS payloads, and narrowing (the intersection of ours and the
 * peer's).
 */
#include <string.h>
#include <sys/socket.h>

#include "engine-private.h"

static const struct {
	const char *name;
	guint8 proto;
} protos[] = {
	{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"ah", 51},
	{"ipv6-icmp", 58}, {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136},
};

static gboolean
parse_protoport(const char *text, guint8 *proto, guint16 *from, guint16 *to)
{
	g_auto(GStrv) parts = NULL;
	guint64 v;

	*proto = 0;
	*from = 0;
	*to = 65535;
	if (text == NULL || text[0] == '\0')
		return TRUE;
	parts = g_strsplit(text, "/", 2);
	if (!g_ascii_string_to_unsigned(parts[0], 10, 0, 255, &v, NULL)) {
		gboolean found = FALSE;

		for (guint i = 0; i < G_N_ELEMENTS(protos); i++)
			if (g_ascii_strcasecmp(protos[i].name, parts[0]) == 0) {
				v = protos[i].proto;
				found = TRUE;
			}
		if (!found)
			return FALSE;
	}
	*proto = (guint8) v;
	if (parts[1] == NULL || g_strcmp0(parts[1], "%any") == 0 || parts[1][0] == '\0')
		return TRUE;
	if (!g_ascii_string_to_unsigned(parts[1], 10, 0, 65535, &v, NULL))
		return FALSE;
	*from = *to = (guint16) v;
	return TRUE;
}

static gboolean
parse_subnet(const char *text, KernelAddr *addr, guint *plen)
{
	g_auto(GStrv) parts = g_strsplit(text, "/", 2);
	guint64 v;

	if (!kernel_addr_parse(parts[0], addr))
		return FALSE;
	*plen = (guint) kernel_addr_len(addr) * 8;
	if (parts[1] == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned(parts[1], 10, 0, *plen, &v, NULL))
		return FALSE;
	*plen = (guint) v;
	return TRUE;
}

GArray *
ts_from_end(const IkebusEnd *end, const KernelAddr *host_addr, GError **error)
{
	g_autoptr(GArray) a = g_array_new(FALSE, TRUE, sizeof(KernelTs));
	guint8 proto;
	guint16 from, to;

	if (!parse_protoport(end->protoport, &proto, &from, &to)) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "protoport: cannot use \"%s\"", end->protoport);
		return NULL;
	}
	if (end->subnets == NULL || end->subnets[0] == NULL) {
		KernelTs ts;

		if (host_addr == NULL || host_addr->family == 0) {
			g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
			                    "host: no address for the traffic selector");
			return NULL;
		}
		kernel_ts_from_prefix(&ts, host_addr, (guint) kernel_addr_len(host_addr) * 8, proto);
		ts.from_port = from;
		ts.to_port = to;
		g_array_append_val(a, ts);
		return g_steal_pointer(&a);
	}
	for (guint i = 0; end->subnets[i] != NULL; i++) {
		KernelAddr net;
		KernelTs ts;
		guint plen;

		if (!parse_subnet(end->subnets[i], &net, &plen)) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
			            "subnet: cannot use \"%s\"", end->subnets[i]);
			return NULL;
		}
		kernel_ts_from_prefix(&ts, &net, plen, proto);
		ts.from_port = from;
		ts.to_port = to;
		g_array_append_val(a, ts);
	}
	return g_steal_pointer(&a);
}

void
ts_add_to_payload(IkePayload *p, const GArray *ts)
{
	for (guint i = 0; i < ts->len; i++) {
		const KernelTs *t = &g_array_index(ts, KernelTs, i);

		ike_ts_payload_add_range(p, t->proto, t->from_port, t->to_port, t->from.bytes,
		                         t->to.bytes, kernel_addr_len(&t->from));
	}
}

GArray *
ts_from_payload(const IkePayload *p)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(KernelTs));
	const GArray *sel = p->u.ts.selectors;

	for (guint i = 0; sel != NULL && i < sel->len; i++) {
		const IkeTrafficSelector *s = &g_array_index(sel, IkeTrafficSelector, i);
		gsize alen = ike_ts_type_addr_len(s->type);
		KernelTs t = {0};

		if (alen == 0)
			continue;
		t.from.family = t.to.family = alen == 4 ? AF_INET : AF_INET6;
		memcpy(t.from.bytes, s->start_addr, alen);
		memcpy(t.to.bytes, s->end_addr, alen);
		t.proto = s->ip_protocol;
		t.from_port = s->start_port;
		t.to_port = s->end_port;
		g_array_append_val(a, t);
	}
	return a;
}

static gint
addr_cmp(const KernelAddr *a, const KernelAddr *b)
{
	return memcmp(a->bytes, b->bytes, kernel_addr_len(a));
}

static gboolean
intersect(const KernelTs *a, const KernelTs *b, KernelTs *out)
{
	if (a->from.family != b->from.family)
		return FALSE;
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
		return FALSE;
	*out = *a;
	out->proto = a->proto != 0 ? a->proto : b->proto;
	out->from = addr_cmp(&a->from, &b->from) >= 0 ? a->from : b->from;
	out->to = addr_cmp(&a->to, &b->to) <= 0 ? a->to : b->to;
	if (addr_cmp(&out->from, &out->to) > 0)
		return FALSE;
	out->from_port = MAX(a->from_port, b->from_port);
	out->to_port = MIN(a->to_port, b->to_port);
	/* OPAQUE ports (start 65535, end 0) only match each other */
	if (out->from_port > out->to_port)
		return a->from_port == b->from_port && a->to_port == b->to_port;
	return TRUE;
}

static gboolean contains(const KernelTs *outer, const KernelTs *inner);

GArray *
ts_narrow(const GArray *ours, const GArray *theirs)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(KernelTs));

	for (guint i = 0; i < theirs->len; i++)
		for (guint j = 0; j < ours->len; j++) {
			KernelTs t;
			gboolean dup = FALSE;

			if (!intersect(&g_array_index(theirs, KernelTs, i),
			               &g_array_index(ours, KernelTs, j), &t))
				continue;
			for (guint k = 0; k < out->len; k++)
				if (memcmp(&g_array_index(out, KernelTs, k), &t, sizeof(t)) == 0)
					dup = TRUE;
			if (!dup)
				g_array_append_val(out, t);
		}
	/* §2.9: an initiator's first selector may be the packet that started
	 * the negotiation, inside the range that follows; keep the range only */
	for (guint k = out->len; k > 0; k--)
		for (guint m = 0; m < out->len; m++)
			if (m != k - 1 && contains(&g_array_index(out, KernelTs, m),
			                           &g_array_index(out, KernelTs, k - 1))) {
				g_array_remove_index(out, k - 1);
				break;
			}
	return out;
}

static gboolean
contains(const KernelTs *outer, const KernelTs *inner)
{
	KernelTs t;

	return intersect(outer, inner, &t) && memcmp(&t, inner, sizeof(t)) == 0;
}

gboolean
ts_subset(const GArray *sub, const GArray *super)
{
	for (guint i = 0; i < sub->len; i++) {
		gboolean ok = FALSE;

		for (guint j = 0; j < super->len && !ok; j++)
			ok = contains(&g_array_index(super, KernelTs, j), &g_array_index(sub, KernelTs, i));
		if (!ok)
			return FALSE;
	}
	return sub->len > 0;
}

char *
ts_array_to_string(const GArray *ts)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < ts->len; i++) {
		g_autofree char *one = kernel_ts_to_string(&g_array_index(ts, KernelTs, i));

		g_string_append_printf(s, "%s%s", i > 0 ? "," : "", one);
	}
	return g_string_free(s, FALSE);
}

char *
ts_array_to_whack(const GArray *ts)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < ts->len; i++) {
		const KernelTs *t = &g_array_index(ts, KernelTs, i);
		char a[64], b[64];

		g_string_append_printf(s, "%s%s-%s:%u-%u %u", i > 0 ? " " : "",
		                       kernel_addr_to_string(&t->from, a, sizeof(a)),
		                       kernel_addr_to_string(&t->to, b, sizeof(b)), t->from_port,
		                       t->to_port, t->proto);
	}
	return g_string_free(s, FALSE);
}
