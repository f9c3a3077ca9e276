/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * INFORMATIONAL exchanges (RFC 7296 §1.4): as responder, Delete payloads
 * for the IKE SA or Child SAs, notifies and empty liveness checks; as
 * initiator, an empty request (liveness, §2.4).  A REDIRECT from the
 * gateway (RFC 5685 §6) is followed (redirect.c).
 */
#include "engine-private.h"

typedef struct {
	Task task;
	GArray *spis; /* guint32: our inbound SPIs of deleted Child SAs */
	gboolean delete_ike;
} InfoTask;

static void
info_free(Task *t)
{
	InfoTask *it = (InfoTask *) t;

	if (it->spis != NULL)
		g_array_unref(it->spis);
	g_free(it);
}

static void
delete_children(InfoTask *it, IkeSa *sa, const IkeDeletePayload *d)
{
	for (guint k = 0; k < d->num_spis; k++) {
		const guint8 *p = d->spis + 4 * k;
		guint32 spi = (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
		/* the peer names its inbound SPI: our outbound one */
		ChildSa *c = engine_find_child_by_spi_out(sa, spi);

		if (c == NULL) {
			g_debug("\"%s\" #%u: Delete for unknown ESP SPI 0x%08x", ike_sa_conn_name(sa),
			        sa->serial, spi);
			continue;
		}
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "received Delete for Child SA #%u (ESP 0x%08x), deleting it", c->serial,
		           spi);
		g_array_append_val(it->spis, c->spi_in);
		child_sa_destroy(c);
	}
}

static TaskResult
process_request(Task *t, IkeSa *sa, IkeMessage *msg)
{
	InfoTask *it = (InfoTask *) t;
	const GPtrArray *chain = msg->inner != NULL ? msg->inner : msg->payloads;
	char buf[IKE_NAME_BUF_LEN];

	for (guint i = 0; i < chain->len; i++) {
		const IkePayload *p = g_ptr_array_index(chain, i);

		if (p->type == IKE_PAYLOAD_DELETE && p->u.del.protocol == IKE_PROTO_IKE) {
			it->delete_ike = TRUE;
		} else if (p->type == IKE_PAYLOAD_DELETE && p->u.del.protocol == IKE_PROTO_ESP &&
		           p->u.del.spi_size == 4) {
			delete_children(it, sa, &p->u.del);
		} else if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type == IKE_NOTIFY_REDIRECT) {
			/* RFC 5685 §6: off to the new gateway; the old IKE SA
			 * is deleted once this response is out */
			if (redirect_follow_authenticated(sa, p) && !it->delete_ike)
				g_queue_push_tail(sa->queue, task_delete_ike_new(TRUE));
		} else if (p->type == IKE_PAYLOAD_NOTIFY) {
			ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
			           "received INFORMATIONAL notify %s",
			           ike_name_or_unknown(IKE_REG_NOTIFY, p->u.notify.type, buf, sizeof(buf)));
		}
	}
	if (it->delete_ike) {
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "received Delete for the IKE SA, deleting it and its Child SAs");
		t->delete_sa_after = TRUE;
		t->fail_status = ENGINE_STATUS_SUPERSEDED;
	}
	return TASK_OK;
}

static TaskResult
build_response(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	InfoTask *it = (InfoTask *) t;
	g_autofree guint8 *spis = NULL;

	if (it->delete_ike || it->spis->len == 0)
		return TASK_OK;
	spis = g_malloc(4 * it->spis->len);
	for (guint i = 0; i < it->spis->len; i++) {
		guint32 s = g_array_index(it->spis, guint32, i);

		spis[4 * i] = (guint8) (s >> 24);
		spis[4 * i + 1] = (guint8) (s >> 16);
		spis[4 * i + 2] = (guint8) (s >> 8);
		spis[4 * i + 3] = (guint8) s;
	}
	g_ptr_array_add(payloads, ike_payload_new_delete(IKE_PROTO_ESP, 4, (guint16) it->spis->len,
	                                                 spis));
	return TASK_OK;
}

static TaskResult
build_request(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	return sa->state == IKE_SA_STATE_ESTABLISHED ? TASK_OK : TASK_SKIP;
}

static TaskResult
process_response(Task *t, IkeSa *sa, IkeMessage *msg)
{
	return TASK_OK;
}

static const TaskOps info_ops = {
	.name = "INFORMATIONAL",
	.exchange = IKE_EXCHANGE_INFORMATIONAL,
	.build_request = build_request,
	.process_response = process_response,
	.process_request = process_request,
	.build_response = build_response,
	.free = info_free,
};

Task *
task_informational_new(gboolean initiator)
{
	InfoTask *it = g_new0(InfoTask, 1);

	it->task.ops = &info_ops;
	it->task.initiator = initiator;
	it->spis = g_array_new(FALSE, FALSE, sizeof(guint32));
	return &it->task;
}
