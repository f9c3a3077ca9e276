/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * service/engine/timers.c: the engine's timers behave as g_timeout_add()
 * timers do (order, repetition, removal, removal from inside a callback),
 * with one GSource for all of them.
 */
#include "engine-private.h"

typedef struct {
	Engine *engine;
	GString *log;
	guint ids[4];
	guint repeats;
} Fixture;

typedef struct {
	Fixture *f;
	char name;
	gboolean again;
	guint victim; /* index in f->ids to remove when fired, or G_MAXUINT */
} Cb;

static gboolean
fire(gpointer data)
{
	Cb *cb = data;

	g_string_append_c(cb->f->log, cb->name);
	if (cb->victim != G_MAXUINT)
		engine_timer_remove(cb->f->engine, &cb->f->ids[cb->victim]);
	if (cb->again && ++cb->f->repeats >= 3)
		return G_SOURCE_REMOVE;
	return cb->again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
run_for(GMainContext *ctx, guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64) ms * 1000;

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(ctx, FALSE);
}

static void
test_timers(void)
{
	GMainContext *ctx = g_main_context_new();
	Engine *engine = g_new0(Engine, 1);
	Fixture f = {engine, g_string_new(NULL), {0}, 0};
	Cb a = {&f, 'a', FALSE, G_MAXUINT};
	Cb b = {&f, 'b', FALSE, 3};   /* removes d before d fires */
	Cb c = {&f, 'c', TRUE, G_MAXUINT}; /* repeats 3 times */
	Cb d = {&f, 'd', FALSE, G_MAXUINT};
	Cb e = {&f, 'e', FALSE, G_MAXUINT};
	guint gone;

	engine->context = ctx;
	f.ids[0] = engine_timer_add(engine, 30, fire, &a);
	f.ids[1] = engine_timer_add(engine, 10, fire, &b);
	f.ids[2] = engine_timer_add(engine, 20, fire, &c);
	f.ids[3] = engine_timer_add(engine, 40, fire, &d);
	gone = engine_timer_add(engine, 5, fire, &e);
	g_assert_cmpuint(gone, !=, 0);
	engine_timer_remove(engine, &gone);
	g_assert_cmpuint(gone, ==, 0);
	/* removing twice, or an id that fired, is harmless */
	engine_timer_remove(engine, &gone);
	run_for(ctx, 150);
	/* b at 10, c at 20, a at 30, c at 40 and 60; d removed by b; e removed */
	g_assert_cmpstr(f.log->str, ==, "bcacc");
	g_assert_cmpuint(f.ids[3], ==, 0);
	engine_timer_remove(engine, &f.ids[0]);
	/* a timer left armed is dropped with the engine's timers */
	(void) engine_timer_add(engine, 10000, fire, &a);
	engine_timers_free(engine);
	g_string_free(f.log, TRUE);
	g_free(engine);
	g_main_context_unref(ctx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/timers", test_timers);
	return g_test_run();
}
