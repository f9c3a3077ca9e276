/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The crypto worker pool: key pair generation, g^ir and signatures run on
 * a GThreadPool, and the result is posted back to the engine's main context
 * (DESIGN.md "one thread owns the state").  A job never touches an SA: it
 * owns its inputs and outputs, and the completion looks the SA up by serial
 * because the SA may be gone by then.  Some jobs run on the engine context
 * instead (see run_inline()): Curve25519 ones when we may use one CPU only,
 * and all of them with --nhelpers 0.
 */
#include "engine-private.h"

#include <sched.h>

/*
 * Finished jobs wait in the token's queue; the first one to arrive in an
 * empty queue schedules one drain on the engine context, which completes
 * every job there.  Under load that is one wakeup of the main loop for many
 * handshakes instead of an idle source and a wakeup per job.
 */
struct EngineToken {
	gatomicrefcount rc;
	Engine *engine;   /* NULL once the engine is freed (main thread only) */
	GMainContext *context;
	GAsyncQueue *done; /* PoolItem, finished */
	gint drain_scheduled;
	/* one usable CPU: cheap PoolItems run on the engine context (main thread only) */
	gboolean inline_cheap;
	/* --nhelpers 0: every PoolItem does */
	gboolean inline_all;
	GQueue inline_jobs;
	guint inline_source;
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
	if (g_atomic_ref_count_dec(&t->rc)) {
		/* every queued item holds a reference: the queue is empty */
		g_async_queue_unref(t->done);
		g_main_context_unref(t->context);
		g_free(t);
	}
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

static void
complete(PoolItem *it)
{
	Engine *engine = it->token->engine;
	IkeSa *sa;
	Task *owner;

	if (engine == NULL)
		return;
	sa = g_hash_table_lookup(engine->ike_by_serial, GUINT_TO_POINTER(it->serial));
	if (sa == NULL || sa->state == IKE_SA_STATE_DEAD || sa->worker_busy == 0)
		return;
	sa->worker_busy--;
	owner = it->job_run != NULL ? it->job_owner : it->job->owner;
	if (owner != NULL) {
		/* the task that asked may have been dropped meanwhile */
		if (owner != sa->active && owner != sa->responding) {
			ike_sa_run(sa);
			return;
		}
		job_finish(sa, it);
		ike_sa_resume_task(sa, owner);
		return;
	}
	job_finish(sa, it);
	ike_sa_resume(sa);
}

/* On the engine context: completes every finished job. */
static gboolean
drain(gpointer data)
{
	struct EngineToken *t = data;
	PoolItem *it;

	/* before popping: a job queued from now on schedules another drain */
	g_atomic_int_set(&t->drain_scheduled, 0);
	while ((it = g_async_queue_try_pop(t->done)) != NULL) {
		complete(it);
		pool_item_free(it);
	}
	return G_SOURCE_REMOVE;
}

/* On the pool: hands @it to the engine context. */
static void
post(PoolItem *it)
{
	struct EngineToken *t = token_ref(it->token);

	g_async_queue_push(t->done, it);
	if (g_atomic_int_compare_and_exchange(&t->drain_scheduled, 0, 1))
		g_main_context_invoke_full(t->context, G_PRIORITY_DEFAULT, drain, token_ref(t),
		                           (GDestroyNotify) token_unref);
	token_unref(t);
}

/* The job's work proper, on whichever thread runs it. */
static void
work(PoolItem *it)
{
	KeJob *job = it->job;

	if (it->job_run != NULL) {
		it->job_run(it->job_data);
		return;
	}
	if (job->ke == NULL && job->error == NULL)
		job->ke = crypto_ke_new(job->group, &job->error);
	if (job->ke != NULL && job->peer_public != NULL && job->error == NULL) {
		gsize n;
		const guint8 *d = g_bytes_get_data(job->peer_public, &n);

		job->g_ir = crypto_ke_derive(job->ke, d, n, &job->error);
	}
}

static void
run(gpointer data, G_GNUC_UNUSED gpointer user_data)
{
	work(data);
	post(data);
}

/*
 * With one usable CPU a pool thread cannot run beside the main loop: for a
 * job as short as a Curve25519 key pair or g^ir (about 50 µs, less than
 * handling one IKE message) the hand-off costs more than the work, two
 * thread switches, a futex wake and two queues.  There such jobs run on the
 * engine context itself, still after the caller has returned (a completion
 * never runs inside submit), in bounded batches so that sockets and D-Bus
 * get their turn between them.  Everything that can take milliseconds
 * (MODP, NIST curves, signatures) still goes to the pool, so that one slow
 * handshake never stalls the others.
 */
#define INLINE_BATCH 16

static gboolean
is_cheap(const PoolItem *it)
{
	return it->job_run == NULL && it->job->group != NULL &&
	       it->job->group->kind == CRYPTO_KE_X25519;
}

static gboolean
run_inline(gpointer data)
{
	struct EngineToken *t = data;
	PoolItem *it;

	for (guint i = 0; i < INLINE_BATCH && (it = g_queue_pop_head(&t->inline_jobs)) != NULL;
	     i++) {
		work(it);
		complete(it);
		pool_item_free(it);
	}
	if (!g_queue_is_empty(&t->inline_jobs))
		return G_SOURCE_CONTINUE;
	t->inline_source = 0;
	return G_SOURCE_REMOVE;
}

static void
queue_item(Engine *engine, PoolItem *it)
{
	struct EngineToken *t = engine->token;
	GSource *src;

	if (!t->inline_all && (!t->inline_cheap || !is_cheap(it))) {
		engine->counters.crypto_jobs_pool++;
		g_thread_pool_push(engine->pool, it, NULL);
		return;
	}
	engine->counters.crypto_jobs_inline++;
	g_queue_push_tail(&t->inline_jobs, it);
	if (t->inline_source != 0)
		return;
	src = g_idle_source_new();
	g_source_set_priority(src, G_PRIORITY_DEFAULT);
	g_source_set_callback(src, run_inline, t, NULL);
	g_source_set_static_name(src, "ikebus crypto (inline)");
	t->inline_source = g_source_attach(src, engine->context);
	g_source_unref(src);
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
	queue_item(engine, it);
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
	queue_item(engine, it);
}

/* The CPUs this process may run on (taskset, cgroup cpusets), which
 * GLib 2.74's g_get_num_processors() does not look at. */
static guint
usable_cpus(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (guint) CPU_COUNT(&set);
	return MAX(1, g_get_num_processors());
}

void
engine_worker_init(Engine *engine)
{
	guint n = engine->timings.worker_threads;

	engine->token = g_new0(struct EngineToken, 1);
	g_atomic_ref_count_init(&engine->token->rc);
	engine->token->engine = engine;
	engine->token->context = g_main_context_ref(engine->context);
	engine->token->done = g_async_queue_new();
	if (n == 0)
		n = usable_cpus();
	g_queue_init(&engine->token->inline_jobs);
	engine->token->inline_cheap = engine->timings.worker_threads == 0 && n == 1;
	engine->token->inline_all = engine->timings.crypto_inline;
	engine->pool = g_thread_pool_new(run, NULL, (gint) n, FALSE, NULL);
}

void
engine_worker_shutdown(Engine *engine)
{
	PoolItem *it;

	/* Let running jobs finish; their completions find no engine. */
	g_thread_pool_free(engine->pool, FALSE, TRUE);
	engine->token->engine = NULL;
	if (engine->token->inline_source != 0) {
		GSource *src = g_main_context_find_source_by_id(engine->context,
		                                                engine->token->inline_source);

		if (src != NULL)
			g_source_destroy(src);
		engine->token->inline_source = 0;
	}
	while ((it = g_queue_pop_head(&engine->token->inline_jobs)) != NULL)
		pool_item_free(it);
	/* finished jobs that no drain will complete now */
	while ((it = g_async_queue_try_pop(engine->token->done)) != NULL)
		pool_item_free(it);
	token_unref(engine->token);
}
