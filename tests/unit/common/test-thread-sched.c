/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus_thread_set_batch_by_name(): the named thread, and only it, ends up
 * under SCHED_BATCH.
 */
#include "thread-sched.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
	GMutex lock;
	GCond cond;
	pid_t tid;
	gboolean stop;
} Worker;

static gpointer
worker_main(gpointer data)
{
	Worker *w = data;

	g_mutex_lock(&w->lock);
	w->tid = (pid_t) syscall(SYS_gettid);
	g_cond_broadcast(&w->cond);
	while (!w->stop)
		g_cond_wait(&w->cond, &w->lock);
	g_mutex_unlock(&w->lock);
	return NULL;
}

static void
test_batch_by_name(void)
{
	Worker w = { 0 };
	GThread *t;

	g_mutex_init(&w.lock);
	g_cond_init(&w.cond);
	/* GLib names the thread (comm) after the first argument */
	t = g_thread_new("ikb-test-wkr", worker_main, &w);
	g_mutex_lock(&w.lock);
	while (w.tid == 0)
		g_cond_wait(&w.cond, &w.lock);
	g_mutex_unlock(&w.lock);

	g_assert_cmpint(sched_getscheduler(w.tid), ==, SCHED_OTHER);
	g_assert_cmpuint(ikebus_thread_set_batch_by_name("no-such-thread"), ==, 0);
	g_assert_cmpuint(ikebus_thread_set_batch_by_name("ikb-test-wkr"), ==, 1);
	g_assert_cmpint(sched_getscheduler(w.tid), ==, SCHED_BATCH);
	/* the calling thread is not touched */
	g_assert_cmpint(sched_getscheduler(0), ==, SCHED_OTHER);

	g_mutex_lock(&w.lock);
	w.stop = TRUE;
	g_cond_broadcast(&w.cond);
	g_mutex_unlock(&w.lock);
	g_thread_join(t);
	g_mutex_clear(&w.lock);
	g_cond_clear(&w.cond);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/common/thread-sched/batch-by-name", test_batch_by_name);
	return g_test_run();
}
