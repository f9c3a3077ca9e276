/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two engines in one process joined by an in-memory wire, each with the
 * mock kernel (STYLE.md §2.10: exchanges tested with two in-memory peers).
 */
#pragma once

#include <glib.h>

#include "engine.h"
#include "mock.h"

typedef struct TestWire TestWire;

typedef struct {
	TestWire *wire;
	const char *addr;
	Engine *engine;
	KernelBackend *kernel;
	NetIo *io;
	char *psk;
	guint psk_lookups;
} TestPeer;

/* Returns TRUE to drop the datagram. */
typedef gboolean (*TestFilter)(TestWire *w, const TestPeer *from, const guint8 *data, gsize len,
                               gpointer user_data);

struct TestWire {
	TestPeer a; /* 192.0.2.1, "west" */
	TestPeer b; /* 192.0.2.2, "east" */
	TestPeer c; /* 192.0.2.3: only after test_wire_add_peer_c() (a second gateway) */
	GQueue *pending;
	guint idle;
	TestFilter filter;
	gpointer filter_data;
	GPtrArray *log; /* "a->b IKE_AUTH request 1" */
	EngineTimings timings;
};

typedef struct {
	gboolean done;
	EngineStatus status;
	GPtrArray *lines;
} TestResult;

TestWire *test_wire_new(void);
/* How much to stretch test timers (IKEBUS_TEST_TIME_SCALE, default 1). */
guint test_time_scale(void);
/* For tests that measure protocol timers (DPD, half-open expiry), which the
 * time scale does not stretch: TRUE, with the test marked skipped, when the
 * scale is above 1 (valgrind); such tests still run in every other build. */
gboolean test_skip_if_stretched(void);
/* With other timings (fragment size ...) for both engines. */
TestWire *test_wire_new_with(const EngineTimings *timings);
void test_wire_free(TestWire *w);
/* Starts the third peer, c (192.0.2.3), on the wire. */
void test_wire_add_peer_c(TestWire *w);
/* Frees @p's engine and kernel without telling the peer (a crash), and
 * starts a fresh one on the same address. */
void test_peer_restart(TestPeer *p);
/* Adds connection "c" to @p from a GVariant text a{sv}; asserts success. */
void test_peer_add_conn(TestPeer *p, const char *name, const char *options);
/* Adds connection "c" to both peers: @conn is an a{sv} text without its
 * closing brace, @extra_a/@extra_b (or NULL) what each peer adds to it. */
void test_wire_add_conn_pair(TestWire *w, const char *conn, const char *extra_a,
                             const char *extra_b);
/* Initiates "c" on peer a and asserts it came up. */
void test_wire_establish(TestWire *w);
/* The policy (src, dst, dir) in @p's mock kernel, or NULL. */
const KernelPolicy *test_find_policy(TestPeer *p, const char *src, const char *dst,
                                     KernelDir dir);
/* Initiates @name on @p and runs the loop until done (or @timeout_ms). */
void test_initiate(TestPeer *p, const char *name, TestResult *r, guint timeout_ms);
void test_result_clear(TestResult *r);
/* Runs the main loop until @cond(@data) or @timeout_ms. */
gboolean test_run_until(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms);
/* Runs the main loop for @ms. */
void test_run_for(guint ms);
/* Number of log lines of the wire containing @needle. */
guint test_wire_count(TestWire *w, const char *needle);
/* Number of IKE/Child SAs of @p in @state (NULL = any). */
guint test_count_ike(TestPeer *p, const char *state);
guint test_count_child(TestPeer *p, const char *state);
/* Number of calls in @p's mock kernel log starting with @prefix. */
guint test_count_calls(TestPeer *p, const char *prefix);
