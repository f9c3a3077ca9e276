/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The crypto worker pool: key pair generation and g^ir run on a
 * GThreadPool, and the result is posted back to the engine's main context
 * (DESIGN.md "one thread owns the state").  A job never touches an SA: it
 * owns its inputs and outputs, and the completion looks the SA up by serial
 * because the SA may be gone by then.
 */
#include "engine-private.h"

struct EngineToken {
	gatomicrefcount rc;
	Engine *engine; /* NULL once the engine is freed (main thread only) */
};

typedef struct {
	struct EngineToken *token;
	guint serial;
	KeJob *job;
	KeJobDone done;
} PoolItem;

static struct EngineToken *
token_ref(struct EngineToken *t)
{
	g_atomic_ref_count_inc(&t->rc);
	return t;
}

static void
token_unref(struct EngineToken *t)
{
	if (g_atomic_ref_count_dec(&t->rc))
		g_free(t);
}

void
ke_job_free(KeJob *job)
{
	if (job == NULL)
		return;
	crypto_ke_free(job->ke);
	g_clear_pointer(&job->peer_public, g_bytes_unref);
	ikebus_secbuf_free(job->g_ir);
	g_clear_error(&job->error);
	g_free(job);
}

static void
pool_item_free(PoolItem *it)
{
	ke_job_free(it->job);
	token_unref(it->token);
	g_free(it);
}

static gboolean
complete(gpointer data)
{
	PoolItem *it = data;
	Engine *engine = it->token->engine;
	IkeSa *sa;

	if (engine == NULL)
		return G_SOURCE_REMOVE;
	sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(it->serial));
	if (sa == NULL || sa->state == IKE_SA_STATE_DEAD || !sa->worker_busy)
		return G_SOURCE_REMOVE;
	sa->worker_busy = FALSE;
	it->done(sa, it->job);
	ike_sa_resume(sa);
	return G_SOURCE_REMOVE;
}

static void
run(gpointer data, gpointer user_data)
{
	PoolItem *it = data;
	KeJob *job = it->job;
	GMainContext *ctx = user_data;

	if (job->ke == NULL && job->error == NULL)
		job->ke = crypto_ke_new(job->group, &job->error);
	if (job->ke != NULL && job->peer_public != NULL && job->error == NULL) {
		gsize n;
		const guint8 *d = g_bytes_get_data(job->peer_public, &n);

		job->g_ir = crypto_ke_derive(job->ke, d, n, &job->error);
	}
	g_main_context_invoke_full(ctx, G_PRIORITY_DEFAULT, complete, it,
	                           (GDestroyNotify) pool_item_free);
}

void
engine_worker_submit(Engine *engine, IkeSa *sa, KeJob *job, KeJobDone done)
{
	PoolItem *it = g_new0(PoolItem, 1);

	it->token = token_ref(engine->token);
	it->serial = sa->serial;
	it->job = job;
	it->done = done;
	sa->worker_busy = TRUE;
	g_thread_pool_push(engine->pool, it, NULL);
}

void
engine_worker_init(Engine *engine)
{
	guint n = engine->timings.worker_threads;

	engine->token = g_new0(struct EngineToken, 1);
	g_atomic_ref_count_init(&engine->token->rc);
	engine->token->engine = engine;
	if (n == 0)
		n = MAX(1, g_get_num_processors());
	engine->pool = g_thread_pool_new(run, engine->context, (gint) n, FALSE, NULL);
}

void
engine_worker_shutdown(Engine *engine)
{
	/* Let running jobs finish; their completions find no engine. */
	g_thread_pool_free(engine->pool, FALSE, TRUE);
	engine->token->engine = NULL;
	token_unref(engine->token);
}
