/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrm backend: SPI allocation and SA add/update/delete/query.
 */
#include <arpa/inet.h>
#include <string.h>

#include "xfrm-convert.h"
#include "xfrm-private.h"

typedef struct {
	KernelAddr dst;
	guint32 spi;
	guint8 proto;
} XfrmLarval;

static guint
larval_hash(gconstpointer p)
{
	const XfrmLarval *l = p;
	guint h = l->spi ^ ((guint) l->proto << 24);

	for (gsize i = 0; i < sizeof(l->dst.bytes); i++)
		h = h * 31 + l->dst.bytes[i];
	return h;
}

static gboolean
larval_equal(gconstpointer a, gconstpointer b)
{
	const XfrmLarval *x = a, *y = b;

	return x->spi == y->spi && x->proto == y->proto && kernel_addr_equal(&x->dst, &y->dst);
}

GHashTable *
xfrm_larval_set_new(void)
{
	return g_hash_table_new_full(larval_hash, larval_equal, g_free, NULL);
}

static void
larval_key(XfrmLarval *key, const KernelAddr *dst, guint32 spi, KernelProto proto)
{
	memset(key, 0, sizeof(*key));
	key->dst = *dst;
	key->spi = spi;
	key->proto = (guint8) proto;
}

static void
spi_log(const char *op, const KernelAddr *dst, guint32 spi, KernelProto proto)
{
	char d[64];

	g_debug("xfrm: %s %s spi 0x%08x dst %s", op, kernel_proto_name(proto), spi,
	        kernel_addr_to_string(dst, d, sizeof(d)));
}

/* ---- get_spi ---------------------------------------------------------- */

typedef struct {
	gboolean got;
	guint32 spi;
} SpiReply;

static gboolean
spi_reply(const struct nlmsghdr *hdr, gpointer user_data)
{
	SpiReply *r = user_data;
	const struct xfrm_usersa_info *info = NLMSG_DATA(hdr);

	if (hdr->nlmsg_type != XFRM_MSG_NEWSA || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
		return TRUE;
	r->spi = ntohl(info->id.spi);
	r->got = TRUE;
	return FALSE;
}

gboolean
xfrm_op_get_spi(KernelBackend *kb, const KernelAddr *src, const KernelAddr *dst, KernelProto proto,
                guint32 reqid, guint32 *spi_out, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	SpiReply r = {0};
	struct nl_msg *msg;
	XfrmLarval *key;

	gboolean comp = proto == KERNEL_PROTO_COMP;
	guint32 min = comp ? XFRM_CPI_MIN : XFRM_SPI_MIN;

	msg = xfrm_allocspi_msg_new(src, dst, proto, reqid, min, comp ? XFRM_CPI_MAX : XFRM_SPI_MAX,
	                            error);
	if (msg == NULL)
		return FALSE;
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, spi_reply, &r, "xfrm: allocating an SPI", NULL,
	                      error))
		return FALSE;
	if (!r.got || r.spi < min) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED,
		            "xfrm: allocating an SPI: the kernel answered %s",
		            r.got ? "an SPI outside the range asked for" : "nothing");
		return FALSE;
	}
	key = g_new(XfrmLarval, 1);
	larval_key(key, dst, r.spi, proto);
	g_hash_table_add(xb->larval, key);
	spi_log("allocated", dst, r.spi, proto);
	*spi_out = r.spi;
	return TRUE;
}

/* ---- add / update / delete -------------------------------------------- */

static gboolean
sa_send(XfrmBackend *xb, const KernelSa *sa, gboolean update, GError **error)
{
	XfrmLarval key;
	struct nl_msg *msg;
	gboolean pending;
	g_autofree char *what = NULL;

	larval_key(&key, &sa->dst, sa->spi, sa->proto);
	/* An SPI from get_spi already exists as a larval SA: fill it in. */
	pending = g_hash_table_contains(xb->larval, &key);
	msg = xfrm_sa_msg_new(sa, update || pending, error);
	if (msg == NULL)
		return FALSE;
	what = g_strdup_printf("xfrm: %s %s SA 0x%08x", update || pending ? "updating" : "adding",
	                       kernel_proto_name(sa->proto), sa->spi);
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, what, NULL, error))
		return FALSE;
	g_hash_table_remove(xb->larval, &key);
	spi_log(update || pending ? "updated" : "added", &sa->dst, sa->spi, sa->proto);
	return TRUE;
}

gboolean
xfrm_op_add_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	return sa_send((XfrmBackend *) kb, sa, FALSE, error);
}

gboolean
xfrm_op_update_sa(KernelBackend *kb, const KernelSa *sa, GError **error)
{
	return sa_send((XfrmBackend *) kb, sa, TRUE, error);
}

gboolean
xfrm_op_del_sa(KernelBackend *kb, const KernelSaId *id, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_sa_id_msg_new(id, XFRM_MSG_DELSA, error);
	g_autofree char *what = NULL;
	XfrmLarval key;

	if (msg == NULL)
		return FALSE;
	larval_key(&key, &id->dst, id->spi, id->proto);
	g_hash_table_remove(xb->larval, &key);
	what = g_strdup_printf("xfrm: deleting %s SA 0x%08x", kernel_proto_name(id->proto),
	                       id->spi);
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, what, NULL, error))
		return FALSE;
	spi_log("deleted", &id->dst, id->spi, id->proto);
	return TRUE;
}

guint
xfrm_larval_flush(XfrmBackend *xb)
{
	GHashTableIter it;
	gpointer k;
	guint n = 0;

	g_hash_table_iter_init(&it, xb->larval);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		const XfrmLarval *l = k;
		KernelSaId id = {.dst = l->dst, .spi = l->spi, .proto = l->proto};
		struct nl_msg *msg = xfrm_sa_id_msg_new(&id, XFRM_MSG_DELSA, NULL);

		/* Gone already (expired after xfrm_acq_expires) is fine. */
		if (msg != NULL &&
		    xfrm_nl_transact(xb->nl, msg, FALSE, NULL, NULL, "larval", NULL, NULL))
			n++;
		g_hash_table_iter_remove(&it);
	}
	return n;
}

/* ---- counters --------------------------------------------------------- */

typedef struct {
	gboolean got;
	KernelSaStats *stats;
} QueryReply;

static gboolean
query_reply(const struct nlmsghdr *hdr, gpointer user_data)
{
	QueryReply *r = user_data;
	const struct xfrm_usersa_info *info = NLMSG_DATA(hdr);

	if (hdr->nlmsg_type != XFRM_MSG_NEWSA || hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
		return TRUE;
	/* Only the fixed header is read; the key attributes after it are
	 * wiped with the receive buffer. */
	r->stats->bytes = info->curlft.bytes;
	r->stats->packets = info->curlft.packets;
	r->stats->add_time = (gint64) info->curlft.add_time;
	r->stats->use_time = (gint64) info->curlft.use_time;
	r->stats->drops = (guint64) info->stats.replay_window + info->stats.replay +
	                  info->stats.integrity_failed;
	r->got = TRUE;
	return FALSE;
}

gboolean
xfrm_op_query_sa(KernelBackend *kb, const KernelSaId *id, KernelSaStats *stats, GError **error)
{
	XfrmBackend *xb = (XfrmBackend *) kb;
	struct nl_msg *msg = xfrm_sa_id_msg_new(id, XFRM_MSG_GETSA, error);
	QueryReply r = {.stats = stats};
	g_autofree char *what = NULL;

	if (msg == NULL)
		return FALSE;
	memset(stats, 0, sizeof(*stats));
	what = g_strdup_printf("xfrm: reading %s SA 0x%08x", kernel_proto_name(id->proto), id->spi);
	if (!xfrm_nl_transact(xb->nl, msg, FALSE, query_reply, &r, what, NULL, error))
		return FALSE;
	if (!r.got) {
		g_set_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND, "%s: no answer", what);
		return FALSE;
	}
	return TRUE;
}
