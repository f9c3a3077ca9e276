/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 4303 §3.4.3 anti-replay window and Appendix A2 ESN reconstruction.
 */
#include "esp-replay.h"

/* Check + update as the data path does after a good ICV. */
static EspReplayResult
receive(EspReplay *r, guint32 seql, guint64 *seq)
{
	guint64 s = 0;
	EspReplayResult res = esp_replay_check(r, seql, &s);

	if (seq != NULL)
		*seq = s;
	if (res != ESP_REPLAY_OK)
		return res;
	return esp_replay_update(r, s);
}

static void
test_in_order(void)
{
	EspReplay r;

	esp_replay_init(&r, 32, FALSE);
	for (guint32 i = 1; i <= 1000; i++)
		g_assert_cmpint(receive(&r, i, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpuint(r.top, ==, 1000);
	/* §3.3.3: 0 is never sent. */
	g_assert_cmpint(receive(&r, 0, NULL), ==, ESP_REPLAY_INVALID);
}

static void
test_out_of_order_and_duplicates(void)
{
	EspReplay r;

	esp_replay_init(&r, 64, FALSE);
	g_assert_cmpint(receive(&r, 100, NULL), ==, ESP_REPLAY_OK);
	/* Within the window, out of order: accepted once. */
	g_assert_cmpint(receive(&r, 50, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 99, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 37, NULL), ==, ESP_REPLAY_OK); /* 100 - 63: last slot */
	g_assert_cmpint(receive(&r, 50, NULL), ==, ESP_REPLAY_DUPLICATE);
	g_assert_cmpint(receive(&r, 100, NULL), ==, ESP_REPLAY_DUPLICATE);
	g_assert_cmpint(receive(&r, 37, NULL), ==, ESP_REPLAY_DUPLICATE);
	/* Left of the window. */
	g_assert_cmpint(receive(&r, 36, NULL), ==, ESP_REPLAY_TOO_OLD);
	g_assert_cmpint(receive(&r, 1, NULL), ==, ESP_REPLAY_TOO_OLD);
}

static void
test_slide(void)
{
	EspReplay r;

	esp_replay_init(&r, 32, FALSE);
	g_assert_cmpint(receive(&r, 10, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 5, NULL), ==, ESP_REPLAY_OK);
	/* Jump by less than the window: 5 and 10 still remembered. */
	g_assert_cmpint(receive(&r, 30, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 10, NULL), ==, ESP_REPLAY_DUPLICATE);
	g_assert_cmpint(receive(&r, 5, NULL), ==, ESP_REPLAY_DUPLICATE);
	g_assert_cmpint(receive(&r, 6, NULL), ==, ESP_REPLAY_OK);
	/* Move so that 5 falls out: window (36, 68]. */
	g_assert_cmpint(receive(&r, 68, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 36, NULL), ==, ESP_REPLAY_TOO_OLD);
	g_assert_cmpint(receive(&r, 37, NULL), ==, ESP_REPLAY_OK);
}

static void
test_slide_exact(void)
{
	EspReplay r;

	esp_replay_init(&r, 32, FALSE);
	g_assert_cmpint(receive(&r, 10, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 41, NULL), ==, ESP_REPLAY_OK); /* window (9, 41] */
	g_assert_cmpint(receive(&r, 10, NULL), ==, ESP_REPLAY_DUPLICATE);
	g_assert_cmpint(receive(&r, 11, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 9, NULL), ==, ESP_REPLAY_TOO_OLD);
	g_assert_cmpint(receive(&r, 42, NULL), ==, ESP_REPLAY_OK); /* window (10, 42] */
	g_assert_cmpint(receive(&r, 10, NULL), ==, ESP_REPLAY_TOO_OLD);
	/* A jump far beyond the ring forgets everything but keeps order. */
	g_assert_cmpint(receive(&r, 1000000, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 1000000 - 31, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 1000000 - 32, NULL), ==, ESP_REPLAY_TOO_OLD);
	g_assert_cmpint(receive(&r, 42 + ESP_REPLAY_MAX_WINDOW, NULL), ==, ESP_REPLAY_TOO_OLD);
}

/* The window is only moved by esp_replay_update (after the ICV). */
static void
test_check_does_not_move(void)
{
	EspReplay r;
	guint64 seq;

	esp_replay_init(&r, 32, FALSE);
	g_assert_cmpint(esp_replay_check(&r, 500, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmpuint(r.top, ==, 0);
	g_assert_cmpint(esp_replay_check(&r, 500, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmpint(esp_replay_update(&r, seq), ==, ESP_REPLAY_OK);
	/* A second thread that checked the same number before: update refuses. */
	g_assert_cmpint(esp_replay_update(&r, seq), ==, ESP_REPLAY_DUPLICATE);
}

static void
test_big_window(void)
{
	EspReplay r;

	esp_replay_init(&r, 100000, FALSE); /* clamped */
	g_assert_cmpuint(r.window, ==, ESP_REPLAY_MAX_WINDOW);
	for (guint32 i = 5000; i > 5000 - ESP_REPLAY_MAX_WINDOW; i--)
		g_assert_cmpint(receive(&r, i, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 5000 - ESP_REPLAY_MAX_WINDOW, NULL), ==, ESP_REPLAY_TOO_OLD);
	for (guint32 i = 5000; i > 5000 - ESP_REPLAY_MAX_WINDOW; i -= 7)
		g_assert_cmpint(receive(&r, i, NULL), ==, ESP_REPLAY_DUPLICATE);
}

static void
test_disabled(void)
{
	EspReplay r;

	esp_replay_init(&r, 0, FALSE);
	g_assert_cmpint(receive(&r, 5, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 5, NULL), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 1, NULL), ==, ESP_REPLAY_OK);
}

/* Appendix A2: the high half follows the window across 2^32. */
static void
test_esn_boundary(void)
{
	EspReplay r;
	guint64 seq;

	esp_replay_init(&r, 64, TRUE);
	g_assert_cmpint(receive(&r, 0xfffffff0u, &seq), ==, ESP_REPLAY_TOO_OLD);
	/* Start near the top of the first subspace. */
	r.top = 0xffffffe0u;
	g_assert_cmpint(receive(&r, 0xfffffff0u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0xfffffff0));
	/* Case A, Seql below the window bottom: next subspace. */
	g_assert_cmpint(receive(&r, 0x00000002u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0x100000002));
	g_assert_cmphex(r.top, ==, G_GUINT64_CONSTANT(0x100000002));
	/* Case B: T low half is small, a late packet from the old subspace. */
	g_assert_cmpint(receive(&r, 0xfffffff5u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0xfffffff5));
	g_assert_cmpint(receive(&r, 0xfffffff0u, &seq), ==, ESP_REPLAY_DUPLICATE);
	/* Zero low half is a valid number in the second subspace. */
	g_assert_cmpint(receive(&r, 0x00000000u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0x100000000));
	g_assert_cmpint(receive(&r, 0x00000001u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 0x00000002u, &seq), ==, ESP_REPLAY_DUPLICATE);
	/* Case B, right of T within the subspace. */
	g_assert_cmpint(receive(&r, 0x00000010u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0x100000010));
	/* T = 0x1_00000010, bottom 0x0_ffffffd1: Seql 0xffffffd0 is below
	 * the bottom, so A2 places it in the current subspace, far right of
	 * T; only the ICV (computed over 0x1_ffffffd0) can reject it, and the
	 * window must not move before that. */
	g_assert_cmpint(esp_replay_check(&r, 0xffffffd0u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0x1ffffffd0));
	g_assert_cmphex(r.top, ==, G_GUINT64_CONSTANT(0x100000010));
	g_assert_cmpint(receive(&r, 0xffffffd1u, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmphex(seq, ==, G_GUINT64_CONSTANT(0xffffffd1));
}

/* Without ESN a 32-bit number never gets a high half. */
static void
test_no_esn_no_wrap(void)
{
	EspReplay r;
	guint64 seq;

	esp_replay_init(&r, 64, FALSE);
	g_assert_cmpint(receive(&r, 0xffffffffu, &seq), ==, ESP_REPLAY_OK);
	g_assert_cmpint(receive(&r, 1, &seq), ==, ESP_REPLAY_TOO_OLD);
	g_assert_cmphex(seq, ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kernel/replay/in-order", test_in_order);
	g_test_add_func("/kernel/replay/out-of-order-duplicate", test_out_of_order_and_duplicates);
	g_test_add_func("/kernel/replay/slide", test_slide);
	g_test_add_func("/kernel/replay/slide-exact", test_slide_exact);
	g_test_add_func("/kernel/replay/check-then-update", test_check_does_not_move);
	g_test_add_func("/kernel/replay/big-window", test_big_window);
	g_test_add_func("/kernel/replay/disabled", test_disabled);
	g_test_add_func("/kernel/replay/esn-boundary", test_esn_boundary);
	g_test_add_func("/kernel/replay/no-esn-no-wrap", test_no_esn_no_wrap);
	return g_test_run();
}
