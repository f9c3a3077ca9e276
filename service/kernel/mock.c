/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The recording kernel backend for engine tests. */
#include "mock.h"

#include <string.h>

typedef struct {
	KernelBackend parent;
	GPtrArray *calls;    /* char * */
	GPtrArray *sas;      /* KernelSa * */
	GPtrArray *policies; /* KernelPolicy * */
	GHashTable *stats;   /* spi -> KernelSaStats * */
	GHashTable *ifaces;  /* name (owned) -> itself: interfaces from add_interface */
	char *fail_op;
	KernelError fail_code;
	guint32 next_spi;
} MockKernel;

static MockKernel *
mock_from(KernelBackend *kb)
{
	return (MockKernel *) kb;
}

static gboolean record(MockKernel *m, const char *op, GError **error, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);

static gboolean
record(MockKernel *m, const char *op, GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *args = NULL;

	va_start(ap, fmt);
	args = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(m->calls, g_strdup_printf("%s%s%s", op, args[0] ? " " : "", args));
	if (g_strcmp0(m->fail_op, op) == 0) {
		g_clear_pointer(&m->fail_op, g_free);
		g_set_error(error, KERNEL_ERROR, m->fail_code, "mock: %s fails as told", op);
		return FALSE;
	}
	return TRUE;
}

static gboolean
mock_probe(KernelBackend *kb, KernelCaps *caps, GError **error)
{
	memset(caps, 0, sizeof(*caps));
	if (!record(mock_from(kb), "probe", error, "%s", ""))
		return FALSE;
	caps->esp = caps->tunnel_mode = caps->transport_mode = TRUE;
	caps->udp_encap = caps->esn = caps->policies = TRUE;
	caps->ipcomp = caps->interfaces = TRUE;
	caps->encr_ids[caps->n_encr++] = CRYPTO_ENCR_AES_GCM_16;
	caps->encr_ids[caps->n_encr++] = CRYPTO_ENCR_CHACHA20_POLY1305;
	caps->encr_ids[caps->n_encr++] = CRYPTO_ENCR_AES_CBC;
	caps->integ_ids[caps->n_integ++] = CRYPTO_AUTH_HMAC_SHA2_256_128;
	caps->message = g_strdup("mock kernel");
	return TRUE;
}

static gboolean
mock_get_spi(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst, KernelProto proto,
             guint32 reqid, guint32 *spi_out, GError **error)
{
	MockKernel *m = mock_from(kb);

	if (!record(m, "get_spi", error, "%s reqid=%u", kernel_proto_name(proto), reqid))
		return FALSE;
	*spi_out = m->next_spi++;
	return TRUE;
}

static gint
find_sa(MockKernel *m, guint32 spi)
{
	for (guint i = 0; i < m->sas->len; i++)
		if (((KernelSa *) g_ptr_array_index(m->sas, i))->spi == spi)
			return (gint) i;
	return -1;
}

static gboolean
mock_add_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	MockKernel *m = mock_from(kb);

	if (!record(m, "add_sa", error, "%s spi=%08x reqid=%u %s", kernel_dir_name(sa->dir),
	            sa->spi, sa->reqid, sa->encr != NULL ? sa->encr->name : "-"))
		return FALSE;
	if (find_sa(m, sa->spi) >= 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS, "SA %08x exists", sa->spi);
		return FALSE;
	}
	g_ptr_array_add(m->sas, kernel_sa_dup(sa));
	return TRUE;
}

static gboolean
mock_update_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	MockKernel *m = mock_from(kb);
	gint i;

	if (!record(m, "update_sa", error, "%s spi=%08x", kernel_dir_name(sa->dir), sa->spi))
		return FALSE;
	i = find_sa(m, sa->spi);
	if (i >= 0)
		g_ptr_array_remove_index(m->sas, (guint) i);
	g_ptr_array_add(m->sas, kernel_sa_dup(sa));
	return TRUE;
}

static gboolean
mock_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error)
{
	MockKernel *m = mock_from(kb);
	gint i;

	if (!record(m, "del_sa", error, "spi=%08x", id->spi))
		return FALSE;
	i = find_sa(m, id->spi);
	if (i < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no SA %08x", id->spi);
		return FALSE;
	}
	g_ptr_array_remove_index(m->sas, (guint) i);
	return TRUE;
}

static gboolean
mock_query_sa(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats, GError **error)
{
	MockKernel *m = mock_from(kb);
	const KernelSaStats *s;

	if (!record(m, "query_sa", error, "spi=%08x", id->spi))
		return FALSE;
	if (find_sa(m, id->spi) < 0) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no SA %08x", id->spi);
		return FALSE;
	}
	s = g_hash_table_lookup(m->stats, GUINT_TO_POINTER(id->spi));
	memset(stats, 0, sizeof(*stats));
	if (s != NULL)
		*stats = *s;
	return TRUE;
}

static char *
policy_text(const KernelPolicy *p)
{
	g_autofree char *s = kernel_ts_to_string(&p->src);
	g_autofree char *d = kernel_ts_to_string(&p->dst);

	return g_strdup_printf("%s %s %s === %s reqid=%u", kernel_dir_name(p->dir),
	                       kernel_policy_action_name(p->action), s, d, p->reqid);
}

static gboolean
mock_add_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	MockKernel *m = mock_from(kb);
	g_autofree char *t = policy_text(policy);

	if (!record(m, "add_policy", error, "%s", t))
		return FALSE;
	/* as xfrm's UPDPOLICY: a policy with the same key (selectors,
	 * direction, mark, if_id) is replaced, e.g. a trap by the real one */
	for (guint i = 0; i < m->policies->len; i++) {
		const KernelPolicy *q = g_ptr_array_index(m->policies, i);

		if (q->dir == policy->dir && memcmp(&q->src, &policy->src, sizeof(q->src)) == 0 &&
		    memcmp(&q->dst, &policy->dst, sizeof(q->dst)) == 0 &&
		    q->mark.value == policy->mark.value && q->mark.mask == policy->mark.mask &&
		    q->if_id == policy->if_id) {
			g_ptr_array_remove_index(m->policies, i);
			break;
		}
	}
	g_ptr_array_add(m->policies, kernel_policy_dup(policy));
	return TRUE;
}

static gboolean
mock_del_policy(KernelBackend *kb, const KernelPolicy *policy, GError **error)
{
	MockKernel *m = mock_from(kb);
	g_autofree char *t = policy_text(policy);

	if (!record(m, "del_policy", error, "%s", t))
		return FALSE;
	for (guint i = 0; i < m->policies->len; i++) {
		g_autofree char *u = policy_text(g_ptr_array_index(m->policies, i));
		if (g_strcmp0(t, u) == 0) {
			g_ptr_array_remove_index(m->policies, i);
			return TRUE;
		}
	}
	g_set_error_literal(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no such policy");
	return FALSE;
}

static gboolean
mock_flush_own(KernelBackend *kb, GError **error)
{
	MockKernel *m = mock_from(kb);

	if (!record(m, "flush_own", error, "%s", ""))
		return FALSE;
	g_ptr_array_set_size(m->sas, 0);
	g_ptr_array_set_size(m->policies, 0);
	g_hash_table_remove_all(m->ifaces);
	return TRUE;
}

static gboolean
mock_add_interface(KernelBackend *kb, const char *name, guint32 if_id, guint32 link_ifindex,
                   GError **error)
{
	MockKernel *m = mock_from(kb);

	if (!record(m, "add_interface", error, "%s if_id=%u link=%u", name, if_id, link_ifindex))
		return FALSE;
	if (g_hash_table_contains(m->ifaces, name)) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS, "interface %s exists", name);
		return FALSE;
	}
	g_hash_table_add(m->ifaces, g_strdup(name));
	return TRUE;
}

static gboolean
mock_del_interface(KernelBackend *kb, const char *name, GError **error)
{
	MockKernel *m = mock_from(kb);

	if (!record(m, "del_interface", error, "%s", name))
		return FALSE;
	if (!g_hash_table_remove(m->ifaces, name)) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no interface %s", name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
mock_add_interface_addr(KernelBackend *kb, const char *name, const KernelAddr *addr,
                        guint prefix_len, GError **error)
{
	MockKernel *m = mock_from(kb);
	char a[64];

	if (!record(m, "add_interface_addr", error, "%s %s/%u", name,
	            kernel_addr_to_string(addr, a, sizeof(a)), prefix_len))
		return FALSE;
	if (!g_hash_table_contains(m->ifaces, name)) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "no interface %s", name);
		return FALSE;
	}
	return TRUE;
}

static void
mock_free(KernelBackend *kb)
{
	MockKernel *m = mock_from(kb);

	g_ptr_array_unref(m->calls);
	g_ptr_array_unref(m->sas);
	g_ptr_array_unref(m->policies);
	g_hash_table_unref(m->stats);
	g_hash_table_unref(m->ifaces);
	g_free(m->fail_op);
	g_free(m);
}

static const KernelOps mock_ops = {
        .name = "mock",
        .probe = mock_probe,
        .get_spi = mock_get_spi,
        .add_sa = mock_add_sa,
        .update_sa = mock_update_sa,
        .del_sa = mock_del_sa,
        .query_sa = mock_query_sa,
        .add_policy = mock_add_policy,
        .del_policy = mock_del_policy,
        .flush_own = mock_flush_own,
        .free = mock_free,
        .add_interface = mock_add_interface,
        .del_interface = mock_del_interface,
        .add_interface_addr = mock_add_interface_addr,
};

KernelBackend *
mock_kernel_new(void)
{
	MockKernel *m = g_new0(MockKernel, 1);

	m->parent.ops = &mock_ops;
	m->calls = g_ptr_array_new_with_free_func(g_free);
	m->sas = g_ptr_array_new_with_free_func((GDestroyNotify) kernel_sa_free);
	m->policies = g_ptr_array_new_with_free_func((GDestroyNotify) kernel_policy_free);
	m->stats = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	m->ifaces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->next_spi = 0xc0000001u;
	return &m->parent;
}

GPtrArray *
mock_kernel_get_calls(KernelBackend *kb)
{
	return mock_from(kb)->calls;
}

void
mock_kernel_clear_calls(KernelBackend *kb)
{
	g_ptr_array_set_size(mock_from(kb)->calls, 0);
}

GPtrArray *
mock_kernel_get_sas(KernelBackend *kb)
{
	return mock_from(kb)->sas;
}

GPtrArray *
mock_kernel_get_policies(KernelBackend *kb)
{
	return mock_from(kb)->policies;
}

void
mock_kernel_fail_next(KernelBackend *kb, const char *op, KernelError code)
{
	MockKernel *m = mock_from(kb);

	g_free(m->fail_op);
	m->fail_op = g_strdup(op);
	m->fail_code = code;
}

void
mock_kernel_set_stats(KernelBackend *kb, guint32 spi, const KernelSaStats *stats)
{
	g_hash_table_insert(mock_from(kb)->stats, GUINT_TO_POINTER(spi),
	                    g_memdup2(stats, sizeof(*stats)));
}

void
mock_kernel_raise(KernelBackend *kb, const KernelEvent *event)
{
	kernel_backend_post_event(kb, event);
}
