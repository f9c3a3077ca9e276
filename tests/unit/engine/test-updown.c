/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The updown command with two in-memory engines: the verbs in order
 * (prepare, route, up, down, unroute; -client/-host), the PLUTO_*
 * environment, no secret and nothing of the daemon's own environment in
 * it, and a command that hangs neither delays the engine nor outlives its
 * timeout.
 */
#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include <glib/gstdio.h>

#include "engine-test-util.h"

#define CONN                                                                                   \
	"{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, 'left-id': <'@west'>, "        \
	"'right-id': <'@east'>, 'psk': <true>, 'encrypt': <true>, 'tunnel': <true>, "            \
	"'left-subnet': <['198.51.100.0/24']>, 'right-subnet': <['203.0.113.0/24']>"

/* Appends one line per run: the verb and selected variables; and the
 * whole environment to $1.env. */
static const char script[] =
	"#!/bin/sh\n"
	"echo \"$PLUTO_VERB|$PLUTO_CONNECTION|$PLUTO_ME|$PLUTO_PEER|$PLUTO_MY_CLIENT|"
	"$PLUTO_MY_CLIENT_NET|$PLUTO_MY_CLIENT_MASK|$PLUTO_PEER_CLIENT|$PLUTO_MY_ID|"
	"$PLUTO_PEER_ID|$PLUTO_SA_TYPE|$PLUTO_VERSION\" >> \"$1\"\n"
	"echo \"== $PLUTO_VERB\" >> \"$1.env\"\n"
	"env >> \"$1.env\"\n"
	"echo \"output of $PLUTO_VERB\"\n";

static const char sleeper[] =
	"#!/bin/sh\n"
	"echo $$ >> \"$1.pids\"\n"
	"sleep 30 &\n"
	"echo $! >> \"$1.pids\"\n"
	"wait\n";

typedef struct {
	char *dir;
	char *log_a;
	char *log_b;
} Fixture;

static void
fixture_init(Fixture *f, const char *body)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;

	f->dir = g_dir_make_tmp("ikebus-updown-XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(f->dir, "updown.sh", NULL);
	g_assert_true(g_file_set_contents(path, body, -1, &error));
	f->log_a = g_build_filename(f->dir, "a.log", NULL);
	f->log_b = g_build_filename(f->dir, "b.log", NULL);
}

static void
fixture_clear(Fixture *f)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->log_a);
	g_free(f->log_b);
}

static void
setup_pair(TestWire *w, Fixture *f)
{
	g_autofree char *a = g_strdup_printf("%s, 'left-updown': <'/bin/sh %s/updown.sh %s'>, "
	                                     "'right-updown': <'/bin/sh %s/updown.sh %s'>}",
	                                     CONN, f->dir, f->log_a, f->dir, f->log_b);

	test_peer_add_conn(&w->a, "c", a);
	test_peer_add_conn(&w->b, "c", a);
}

static gboolean
idle_updown(gpointer data)
{
	TestWire *w = data;

	return engine_get_updown_pending(w->a.engine) == 0 &&
	       engine_get_updown_pending(w->b.engine) == 0;
}

static gboolean
child_up_both(gpointer data)
{
	TestWire *w = data;

	return test_count_child(&w->a, "INSTALLED") == 1 && test_count_child(&w->b, "INSTALLED") == 1;
}

static gboolean
no_child(gpointer data)
{
	TestWire *w = data;

	return test_count_child(&w->a, NULL) == 0 && test_count_child(&w->b, NULL) == 0;
}

static GStrv
read_lines(const char *path)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_new0(char *, 1);
	g_strchomp(text);
	return g_strsplit(text, "\n", -1);
}

static guint32
trap_reqid(TestPeer *p)
{
	GPtrArray *pol = mock_kernel_get_policies(p->kernel);

	g_assert_cmpuint(pol->len, >=, 1);
	return ((const KernelPolicy *) g_ptr_array_index(pol, 0))->reqid;
}

static void
acquire(TestPeer *p)
{
	KernelEvent ev = {.type = KERNEL_EVENT_ACQUIRE, .reqid = trap_reqid(p)};
	KernelAddr s, d;

	kernel_addr_parse("198.51.100.7", &s);
	kernel_addr_parse("203.0.113.9", &d);
	kernel_ts_from_prefix(&ev.pkt_src, &s, 32, 1);
	kernel_ts_from_prefix(&ev.pkt_dst, &d, 32, 1);
	mock_kernel_raise(p->kernel, &ev);
}

static void
test_sequence(void)
{
	Fixture f;
	TestWire *w;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) a = NULL;
	g_auto(GStrv) b = NULL;
	g_autofree char *env_a = NULL;
	g_autofree char *env_path = NULL;

	fixture_init(&f, script);
	/* nothing of ours may reach the script */
	g_setenv("IKEBUS_TEST_LEAK", "leaked", TRUE);
	w = test_wire_new();
	setup_pair(w, &f);

	g_assert_true(engine_route(w->a.engine, "c", &error));
	g_assert_no_error(error);
	acquire(&w->a);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	g_assert_true(test_run_until(idle_updown, w, 5000));
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), ==, 1);
	g_assert_true(test_run_until(no_child, w, 5000));
	g_assert_true(engine_unroute(w->a.engine, "c", &error));
	g_assert_true(test_run_until(idle_updown, w, 5000));

	a = read_lines(f.log_a);
	g_assert_cmpuint(g_strv_length(a), ==, 5);
	/* route time: the connection's own selectors, no SA yet */
	g_assert_cmpstr(a[0], ==,
	                "prepare-client|c|192.0.2.1|192.0.2.2|198.51.100.0/24|198.51.100.0|"
	                "255.255.255.0|203.0.113.0/24|@west|@east|none|2.0");
	g_assert_true(g_str_has_prefix(a[1], "route-client|c|192.0.2.1|192.0.2.2|"));
	g_assert_cmpstr(a[2], ==,
	                "up-client|c|192.0.2.1|192.0.2.2|198.51.100.0/24|198.51.100.0|"
	                "255.255.255.0|203.0.113.0/24|@west|@east|ESP|2.0");
	g_assert_true(g_str_has_prefix(a[3], "down-client|c|"));
	g_assert_true(g_str_has_suffix(a[3], "|ESP|2.0"));
	g_assert_true(g_str_has_prefix(a[4], "unroute-client|c|"));

	/* the peer was not routed: prepare and route come with the tunnel,
	 * unroute after it */
	b = read_lines(f.log_b);
	g_assert_cmpuint(g_strv_length(b), ==, 5);
	g_assert_true(g_str_has_prefix(b[0], "prepare-client|c|192.0.2.2|192.0.2.1|"
	                                     "203.0.113.0/24|203.0.113.0|255.255.255.0|"
	                                     "198.51.100.0/24|@east|@west|ESP|"));
	g_assert_true(g_str_has_prefix(b[1], "route-client|"));
	g_assert_true(g_str_has_prefix(b[2], "up-client|"));
	g_assert_true(g_str_has_prefix(b[3], "down-client|"));
	g_assert_true(g_str_has_prefix(b[4], "unroute-client|"));

	env_path = g_strdup_printf("%s.env", f.log_a);
	g_assert_true(g_file_get_contents(env_path, &env_a, NULL, NULL));
	g_assert_nonnull(strstr(env_a, "PLUTO_SA_REQID="));
	g_assert_nonnull(strstr(env_a, "PLUTO_MY_PORT=0\n"));
	g_assert_nonnull(strstr(env_a, "PLUTO_PEER_PROTOCOL=0\n"));
	g_assert_nonnull(strstr(env_a, "PLUTO_CONN_POLICY=PSK+ENCRYPT+TUNNEL"));
	g_assert_nonnull(strstr(env_a, "PLUTO_STACK=mock\n"));
	g_assert_nonnull(strstr(env_a, "PLUTO_NEXT_HOP=192.0.2.2\n"));
	g_assert_nonnull(strstr(env_a, "PLUTO_UNIQUEID="));
	g_assert_nonnull(strstr(env_a, "PLUTO_SERIALNO="));
	g_assert_nonnull(strstr(env_a, "PLUTO_ADDTIME="));
	g_assert_nonnull(strstr(env_a, "PLUTO_INBYTES=")); /* at down */
	g_assert_nonnull(strstr(env_a, "PLUTO_OUTBYTES="));
	g_assert_nonnull(strstr(env_a, "PLUTO_PEER_CA=\n"));
	g_assert_nonnull(strstr(env_a, "PATH="));
	/* no secret, nothing inherited */
	g_assert_null(strstr(env_a, w->a.psk));
	g_assert_null(strstr(env_a, "IKEBUS_TEST_LEAK"));
	g_assert_null(strstr(env_a, "leaked"));
	g_unsetenv("IKEBUS_TEST_LEAK");

	test_wire_free(w);
	fixture_clear(&f);
}

static void
test_host_and_none(void)
{
	Fixture f;
	TestWire *w;
	g_auto(GStrv) a = NULL;
	g_autofree char *conn = NULL;
	TestResult r;

	fixture_init(&f, script);
	w = test_wire_new();
	/* host to host, only the left end has an updown */
	conn = g_strdup_printf("{'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, "
	                       "'left-id': <'@west'>, 'right-id': <'@east'>, 'psk': <true>, "
	                       "'encrypt': <true>, 'left-updown': <'/bin/sh %s/updown.sh %s'>}",
	                       f.dir, f.log_a);
	test_peer_add_conn(&w->a, "h", conn);
	test_peer_add_conn(&w->b, "h", conn);
	test_initiate(&w->a, "h", &r, 5000);
	g_assert_cmpint(r.status, ==, ENGINE_STATUS_OK);
	test_result_clear(&r);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	/* the end without updown runs nothing */
	g_assert_cmpuint(engine_get_updown_pending(w->b.engine), ==, 0);
	g_assert_true(test_run_until(idle_updown, w, 5000));
	a = read_lines(f.log_a);
	g_assert_cmpuint(g_strv_length(a), ==, 3);
	g_assert_cmpstr(a[0], ==,
	                "prepare-host|h|192.0.2.1|192.0.2.2|192.0.2.1/32|192.0.2.1|"
	                "255.255.255.255|192.0.2.2/32|@west|@east|ESP|2.0");
	g_assert_true(g_str_has_prefix(a[1], "route-host|"));
	g_assert_true(g_str_has_prefix(a[2], "up-host|"));
	g_assert_false(g_file_test(f.log_b, G_FILE_TEST_EXISTS));
	/* down, and (not routed) unroute */
	g_assert_cmpint(engine_terminate(w->a.engine, "h", NULL), ==, 1);
	g_assert_true(test_run_until(no_child, w, 5000));
	g_assert_true(test_run_until(idle_updown, w, 5000));
	g_strfreev(a);
	a = read_lines(f.log_a);
	g_assert_cmpuint(g_strv_length(a), ==, 5);
	g_assert_true(g_str_has_prefix(a[3], "down-host|"));
	g_assert_true(g_str_has_prefix(a[4], "unroute-host|"));
	test_wire_free(w);
	fixture_clear(&f);
}

static gboolean
pids_written(gpointer data)
{
	g_auto(GStrv) l = read_lines(data);

	return g_strv_length(l) >= 2;
}

/* Alive and not a zombie (a killed orphan may wait for a reaper). */
static gboolean
alive(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
	g_autofree char *stat = NULL;
	const char *p;

	if (kill(pid, 0) != 0 || !g_file_get_contents(path, &stat, NULL, NULL))
		return FALSE;
	p = strrchr(stat, ')');
	return p == NULL || p[1] == '\0' || p[2] != 'Z';
}

static void
test_never_blocks(void)
{
	Fixture f;
	TestWire *w;
	g_autoptr(GError) error = NULL;
	g_autofree char *pids_path = NULL;
	g_auto(GStrv) pids = NULL;
	gint64 t0;

	fixture_init(&f, sleeper);
	pids_path = g_strdup_printf("%s.pids", f.log_a);
	w = test_wire_new();
	setup_pair(w, &f);
	engine_set_updown_timeout(w->a.engine, 3000);
	engine_set_updown_timeout(w->b.engine, 3000);
	t0 = g_get_monotonic_time();
	g_assert_true(engine_route(w->a.engine, "c", &error));
	/* a file changes without waking the main loop: poll it */
	for (guint i = 0; i < 500 && !pids_written(pids_path); i++) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(10000);
	}
	g_assert_true(pids_written(pids_path));
	/* the route commands sleep; negotiation goes on regardless */
	acquire(&w->a);
	g_assert_true(test_run_until(child_up_both, w, 5000));
	g_assert_cmpuint(engine_get_updown_pending(w->a.engine), >, 0);
	/* while the first command (prepare) still sleeps */
	pids = read_lines(pids_path);
	g_assert_cmpuint(g_strv_length(pids), ==, 2);
	g_clear_pointer(&pids, g_strfreev);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 3000 * 1000);
	/* each command is killed at its timeout: prepare (1.5 s), then route
	 * and up (the shorter timeout set now) */
	engine_set_updown_timeout(w->a.engine, 300);
	engine_set_updown_timeout(w->b.engine, 300);
	g_assert_true(test_run_until(idle_updown, w, 15000));
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 10 * G_USEC_PER_SEC);
	pids = read_lines(pids_path);
	g_assert_cmpuint(g_strv_length(pids), ==, 6);
	for (guint i = 0; pids[i] != NULL; i++) {
		pid_t pid = (pid_t) g_ascii_strtoll(pids[i], NULL, 10);

		g_assert_cmpint(pid, >, 1);
		/* the script and its sleep are gone (reaped or killed) */
		for (guint k = 0; k < 50 && alive(pid); k++)
			g_usleep(10000);
		g_assert_false(alive(pid));
	}
	/* no tunnel, no route: nothing left to run at the end */
	g_assert_cmpint(engine_terminate(w->a.engine, "c", NULL), ==, 1);
	g_assert_true(test_run_until(no_child, w, 5000));
	g_assert_true(engine_unroute(w->a.engine, "c", &error));
	g_assert_true(test_run_until(idle_updown, w, 5000));
	test_wire_free(w);
	fixture_clear(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/updown/sequence", test_sequence);
	g_test_add_func("/engine/updown/host-and-none", test_host_and_none);
	g_test_add_func("/engine/updown/never-blocks", test_never_blocks);
	return g_test_run();
}
