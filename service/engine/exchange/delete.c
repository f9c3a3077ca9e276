/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deleting SAs with INFORMATIONAL exchanges (RFC 7296 §1.4.1, §3.11):
 *
 *   HDR, SK {D(IKE)}             -->   <-- HDR, SK {}
 *   HDR, SK {D(ESP, SPI...)}     -->   <-- HDR, SK {D(ESP, SPI...)}
 *
 * The responder side (a Delete from the peer) is in informational.c.
 */
#include "engine-private.h"

/* ---- IKE SA ----------------------------------------------------------- */

typedef struct {
	Task task;
} DeleteIkeTask;

static TaskResult
ike_build(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	if (sa->state != IKE_SA_STATE_ESTABLISHED && sa->state != IKE_SA_STATE_DELETING)
		return TASK_SKIP;
	ike_sa_set_state(sa, IKE_SA_STATE_DELETING);
	g_ptr_array_add(payloads, ike_payload_new_delete(IKE_PROTO_IKE, 0, 0, NULL));
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "sent INFORMATIONAL request to delete IKE SA");
	return TASK_OK;
}

static TaskResult
ike_process(Task *t, IkeSa *sa, IkeMessage *msg)
{
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "IKE SA deleted");
	t->delete_sa_after = TRUE;
	t->fail_status = ENGINE_STATUS_OK;
	return TASK_OK;
}

static void
simple_free(Task *t)
{
	g_free(t);
}

static const TaskOps delete_ike_ops = {
	.name = "INFORMATIONAL(delete IKE SA)",
	.exchange = IKE_EXCHANGE_INFORMATIONAL,
	.build_request = ike_build,
	.process_response = ike_process,
	.free = simple_free,
};

Task *
task_delete_ike_new(gboolean initiator)
{
	DeleteIkeTask *dt = g_new0(DeleteIkeTask, 1);

	dt->task.ops = &delete_ike_ops;
	dt->task.initiator = initiator;
	return &dt->task;
}

/* ---- Child SA --------------------------------------------------------- */

typedef struct {
	Task task;
	guint serial;
} DeleteChildTask;

static ChildSa *
find_child(DeleteChildTask *dt, IkeSa *sa)
{
	ChildSa *c = g_hash_table_lookup(sa->engine->child_by_serial, GUINT_TO_POINTER(dt->serial));

	return c != NULL && c->ike == sa ? c : NULL;
}

static TaskResult
child_build(Task *t, IkeSa *sa, GPtrArray *payloads)
{
	ChildSa *c = find_child((DeleteChildTask *) t, sa);
	guint8 spi[4];

	if (c == NULL || sa->state != IKE_SA_STATE_ESTABLISHED)
		return TASK_SKIP;
	if (c->state != CHILD_SA_STATE_INSTALLED) {
		child_sa_destroy(c);
		return TASK_SKIP;
	}
	child_sa_set_state(c, CHILD_SA_STATE_DELETING);
	spi[0] = (guint8) (c->spi_in >> 24);
	spi[1] = (guint8) (c->spi_in >> 16);
	spi[2] = (guint8) (c->spi_in >> 8);
	spi[3] = (guint8) c->spi_in;
	g_ptr_array_add(payloads, ike_payload_new_delete(IKE_PROTO_ESP, 4, 1, spi));
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "sent INFORMATIONAL request to delete Child SA #%u (ESP 0x%08x)", c->serial,
	           c->spi_in);
	return TASK_OK;
}

static TaskResult
child_process(Task *t, IkeSa *sa, IkeMessage *msg)
{
	ChildSa *c = find_child((DeleteChildTask *) t, sa);

	if (c != NULL) {
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "Child SA #%u deleted", c->serial);
		child_sa_destroy(c);
	}
	return TASK_OK;
}

static const TaskOps delete_child_ops = {
	.name = "INFORMATIONAL(delete Child SA)",
	.exchange = IKE_EXCHANGE_INFORMATIONAL,
	.build_request = child_build,
	.process_response = child_process,
	.free = simple_free,
};

Task *
task_delete_child_new(ChildSa *child)
{
	DeleteChildTask *dt = g_new0(DeleteChildTask, 1);

	dt->task.ops = &delete_child_ops;
	dt->task.initiator = TRUE;
	dt->serial = child->serial;
	return &dt->task;
}
