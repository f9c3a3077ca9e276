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
	/* or a generic job (engine_worker_submit_job) */
	EngineJobFunc job_run;
	EngineJobDone job_done;
	gpointer job_data;
	GDestroyNotify job_free;
	Task *job_owner;
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
	if (it->job_free != NULL && it->job_data != NULL)
		it->job_free(it->job_data);
	token_unref(it->token);
	g_free(it);
}

/* The job's completion on the engine context. */
static void
job_finish(IkeSa *sa, PoolItem *it)
{
	if (it->job_run == NULL)
		it->done(sa, it->job);
	else if (it->job_done != NULL)
		it->job_done(sa, it->job_data);
}

static gboolean
complete(gpointer data)
{
	PoolItem *it = data;
	Engine *engine = it->token->engine;
	IkeSa *sa;
	Task *owner;

	if (engine == NULL)
		return G_SOURCE_REMOVE;
	sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(it->serial));
	if (sa == NULL || sa->state == IKE_SA_STATE_DEAD || sa->worker_busy == 0)
		return G_SOURCE_REMOVE;
	sa->worker_busy--;
	owner = it->job_run != NULL ? it->job_owner : it->job->owner;
	if (owner != NULL) {
		/* the task that asked may have been dropped meanwhile */
		if (owner != sa->active && owner != sa->responding) {
			ike_sa_run(sa);
			return G_SOURCE_REMOVE;
		}
		job_finish(sa, it);
		ike_sa_resume_task(sa, owner);
		return G_SOURCE_REMOVE;
	}
	job_finish(sa, it);
	ike_sa_resume(sa);
	return G_SOURCE_REMOVE;
}

static void
run(gpointer data, gpointer user_data)
{
	PoolItem *it = data;
	KeJob *job = it->job;
	GMainContext *ctx = user_data;

	if (it->job_run != NULL) {
		it->job_run(it->job_data);
		g_main_context_invoke_full(ctx, G_PRIORITY_DEFAULT, complete, it,
		                           (GDestroyNotify) pool_item_free);
		return;
	}
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
	sa->worker_busy++;
	g_thread_pool_push(engine->pool, it, NULL);
}

void
engine_worker_submit_job(Engine *engine, IkeSa *sa, Task *owner, gpointer data,
                         EngineJobFunc run_func, EngineJobDone done, GDestroyNotify data_free)
{
	PoolItem *it = g_new0(PoolItem, 1);

	it->token = token_ref(engine->token);
	it->serial = sa->serial;
	it->job_run = run_func;
	it->job_done = done;
	it->job_data = data;
	it->job_free = data_free;
	it->job_owner = owner;
	sa->worker_busy++;
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
