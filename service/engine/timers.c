/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's timers: one GSource on the engine's context over a binary
 * min-heap of deadlines, instead of one GSource per timer.  GLib's main loop
 * visits every attached source on every iteration, and an SA keeps two to
 * four timers (rekey, expiry, liveness, retransmission), so at 100,000 SAs
 * each packet paid for a walk over some 300,000 sources; a GSource with its
 * callback record also costs several times one entry here.
 *
 * Semantics are g_timeout_add()'s: a callback returning G_SOURCE_CONTINUE
 * runs again @ms later, ids are never 0, and removing an id that already
 * fired (and was not renewed) does nothing.  Timers armed while others fire
 * wait for the next dispatch, so a callback re-arming itself at 0 ms cannot
 * starve the loop.  Main thread (the engine's context) only.
 */
#include "engine-private.h"

#define NOT_IN_HEAP G_MAXUINT
/* timers fired per dispatch at most, so I/O gets its turn */
#define DISPATCH_BUDGET 1024

typedef struct {
	gint64 due;   /* monotonic µs */
	guint64 seq;  /* ties: order of arming */
	guint id;
	guint ms;
	guint heap_index; /* NOT_IN_HEAP while its callback runs */
	gboolean cancelled;
	GSourceFunc func;
	gpointer data;
} Timer;

typedef struct {
	GSource source;
	struct EngineTimers *timers;
} TimerSource;

struct EngineTimers {
	GSource *source;
	GPtrArray *heap;   /* Timer *, min-heap on (due, seq) */
	GHashTable *by_id; /* id -> Timer * (owned) */
	guint next_id;
	guint64 next_seq;
};

static gboolean
before(const Timer *a, const Timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_set(GPtrArray *heap, guint i, Timer *t)
{
	heap->pdata[i] = t;
	t->heap_index = i;
}

static void
sift_up(GPtrArray *heap, guint i)
{
	Timer *t = heap->pdata[i];

	while (i > 0) {
		guint parent = (i - 1) / 2;
		Timer *p = heap->pdata[parent];

		if (!before(t, p))
			break;
		heap_set(heap, i, p);
		i = parent;
	}
	heap_set(heap, i, t);
}

static void
sift_down(GPtrArray *heap, guint i)
{
	Timer *t = heap->pdata[i];

	for (;;) {
		guint l = 2 * i + 1, r = l + 1, m = i;
		Timer *best = t;

		if (l < heap->len && before(heap->pdata[l], best)) {
			m = l;
			best = heap->pdata[l];
		}
		if (r < heap->len && before(heap->pdata[r], best)) {
			m = r;
			best = heap->pdata[r];
		}
		if (m == i)
			break;
		heap_set(heap, i, best);
		i = m;
	}
	heap_set(heap, i, t);
}

static void
heap_remove(GPtrArray *heap, Timer *t)
{
	guint i = t->heap_index;
	Timer *last = g_ptr_array_steal_index(heap, heap->len - 1);

	t->heap_index = NOT_IN_HEAP;
	if (last == t)
		return;
	heap_set(heap, i, last);
	sift_up(heap, i);
	sift_down(heap, last->heap_index);
}

static void
heap_push(struct EngineTimers *ts, Timer *t)
{
	t->seq = ts->next_seq++;
	g_ptr_array_add(ts->heap, t);
	sift_up(ts->heap, ts->heap->len - 1);
}

static void
update_ready_time(struct EngineTimers *ts)
{
	g_source_set_ready_time(ts->source,
	                        ts->heap->len > 0 ? ((Timer *) ts->heap->pdata[0])->due : -1);
}

static gboolean
timers_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	struct EngineTimers *ts = ((TimerSource *) source)->timers;
	gint64 now = g_get_monotonic_time();
	guint64 armed_before = ts->next_seq;

	for (guint n = 0; n < DISPATCH_BUDGET && ts->heap->len > 0; n++) {
		Timer *t = ts->heap->pdata[0];
		gboolean again;

		if (t->due > now || t->seq >= armed_before)
			break;
		heap_remove(ts->heap, t);
		again = t->func(t->data);
		if (t->cancelled || again == G_SOURCE_REMOVE) {
			g_hash_table_remove(ts->by_id, GUINT_TO_POINTER(t->id));
			continue;
		}
		t->due = g_get_monotonic_time() + (gint64) t->ms * 1000;
		heap_push(ts, t);
	}
	update_ready_time(ts);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
        .dispatch = timers_dispatch,
};

static struct EngineTimers *
timers_get(Engine *engine)
{
	struct EngineTimers *ts = engine->timers;

	if (ts != NULL)
		return ts;
	ts = g_new0(struct EngineTimers, 1);
	ts->heap = g_ptr_array_new();
	ts->by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	ts->source = g_source_new(&timer_source_funcs, sizeof(TimerSource));
	((TimerSource *) ts->source)->timers = ts;
	g_source_set_name(ts->source, "ikebus engine timers");
	g_source_attach(ts->source, engine->context);
	engine->timers = ts;
	return ts;
}

guint
engine_timer_add(Engine *engine, guint ms, GSourceFunc func, gpointer data)
{
	struct EngineTimers *ts = timers_get(engine);
	Timer *t = g_new0(Timer, 1);

	do
		t->id = ++ts->next_id;
	while (t->id == 0 || g_hash_table_contains(ts->by_id, GUINT_TO_POINTER(t->id)));
	t->ms = ms;
	t->func = func;
	t->data = data;
	t->due = g_get_monotonic_time() + (gint64) ms * 1000;
	g_hash_table_insert(ts->by_id, GUINT_TO_POINTER(t->id), t);
	heap_push(ts, t);
	if (t->heap_index == 0)
		update_ready_time(ts);
	return t->id;
}

void
engine_timer_remove(Engine *engine, guint *id)
{
	struct EngineTimers *ts = engine->timers;
	gboolean first;
	Timer *t;

	if (*id == 0)
		return;
	t = ts != NULL ? g_hash_table_lookup(ts->by_id, GUINT_TO_POINTER(*id)) : NULL;
	*id = 0;
	if (t == NULL)
		return;
	if (t->heap_index == NOT_IN_HEAP) {
		/* its callback is running: freed when that returns */
		t->cancelled = TRUE;
		return;
	}
	first = t->heap_index == 0;
	heap_remove(ts->heap, t);
	g_hash_table_remove(ts->by_id, GUINT_TO_POINTER(t->id));
	if (first)
		update_ready_time(ts);
}

void
engine_timers_free(Engine *engine)
{
	struct EngineTimers *ts = engine->timers;

	if (ts == NULL)
		return;
	g_source_destroy(ts->source);
	g_source_unref(ts->source);
	g_ptr_array_unref(ts->heap);
	g_hash_table_unref(ts->by_id);
	g_free(ts);
	engine->timers = NULL;
}
