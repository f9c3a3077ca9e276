/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bus/sa-signals.c alone: which signals a burst of SA events becomes. */
#include "config.h"

#include "sa-signals.h"

typedef struct {
	GString *log;
} Fixture;

static void
record(BusSaEvent event, BusSaKind kind, guint serial, gpointer user_data)
{
	Fixture *f = user_data;
	static const char *const names[] = { "added", "changed", "removed" };

	g_string_append_printf(f->log, "%s%s %s/%u", f->log->len ? "; " : "", names[event],
			       kind == BUS_SA_IKE ? "ike" : "child", serial);
}

static BusSaSignals *
setup(Fixture *f, guint delay_ms)
{
	f->log = g_string_new(NULL);
	return bus_sa_signals_new(delay_ms, record, f);
}

static void
teardown(Fixture *f)
{
	g_string_free(f->log, TRUE);
}

/* A handshake's worth of events is one InterfacesAdded per object. */
static void
test_burst_is_one_added(void)
{
	Fixture f;
	g_autoptr(BusSaSignals) s = setup(&f, 1000);

	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_IKE, 1);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 1);
	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_CHILD, 1);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 1);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_CHILD, 1);
	g_assert_cmpuint(bus_sa_signals_pending(s), ==, 2);
	g_assert_cmpstr(f.log->str, ==, "");
	bus_sa_signals_flush(s);
	/* IKE serial 1 and Child serial 1 are different objects */
	g_assert_cmpstr(f.log->str, ==, "added ike/1; added child/1");
	g_assert_cmpuint(bus_sa_signals_pending(s), ==, 0);
	teardown(&f);
}

/* Announced objects get one PropertiesChanged, then one InterfacesRemoved. */
static void
test_changed_then_removed(void)
{
	Fixture f;
	g_autoptr(BusSaSignals) s = setup(&f, 1000);

	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_IKE, 7);
	bus_sa_signals_flush(s);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 7);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 7);
	bus_sa_signals_flush(s);
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 7);
	bus_sa_signals_event(s, BUS_SA_REMOVED, BUS_SA_IKE, 7);
	bus_sa_signals_flush(s);
	g_assert_cmpstr(f.log->str, ==, "added ike/7; changed ike/7; removed ike/7");
	teardown(&f);
}

/* An object that came and went within the window is never mentioned; the
 * others keep the order of their first events. */
static void
test_short_lived_is_silent(void)
{
	Fixture f;
	g_autoptr(BusSaSignals) s = setup(&f, 1000);

	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_IKE, 3);
	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_IKE, 2);
	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_CHILD, 4);
	bus_sa_signals_event(s, BUS_SA_REMOVED, BUS_SA_IKE, 2);
	bus_sa_signals_event(s, BUS_SA_REMOVED, BUS_SA_IKE, 9); /* announced before */
	bus_sa_signals_flush(s);
	g_assert_cmpstr(f.log->str, ==, "added ike/3; added child/4; removed ike/9");
	teardown(&f);
}

static gboolean
quit(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* Without an explicit flush the timer sends them; drop forgets them. */
static void
test_timer_and_drop(void)
{
	Fixture f;
	g_autoptr(BusSaSignals) s = setup(&f, 20);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);

	bus_sa_signals_event(s, BUS_SA_ADDED, BUS_SA_IKE, 1);
	g_timeout_add(300, quit, loop);
	g_main_loop_run(loop);
	g_assert_cmpstr(f.log->str, ==, "added ike/1");
	bus_sa_signals_event(s, BUS_SA_CHANGED, BUS_SA_IKE, 1);
	bus_sa_signals_drop(s);
	g_timeout_add(100, quit, loop);
	g_main_loop_run(loop);
	g_assert_cmpstr(f.log->str, ==, "added ike/1");
	g_assert_cmpuint(bus_sa_signals_pending(s), ==, 0);
	teardown(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bus/sa-signals/burst-is-one-added", test_burst_is_one_added);
	g_test_add_func("/bus/sa-signals/changed-then-removed", test_changed_then_removed);
	g_test_add_func("/bus/sa-signals/short-lived-is-silent", test_short_lived_is_silent);
	g_test_add_func("/bus/sa-signals/timer-and-drop", test_timer_and_drop);
	return g_test_run();
}
