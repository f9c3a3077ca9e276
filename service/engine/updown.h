/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The updown command (ipsec-whack(8) "The updown command"): the end's
 * --updown shell command, run with PLUTO_VERB and the PLUTO_* environment
 * when a connection is prepared, routed, brought up, brought down and
 * unrouted.  A connection without --updown runs nothing; there is no
 * default script.
 *
 * Unlike pluto, the engine does not wait for the command: each runs as a
 * child process (/bin/sh -c, stdin /dev/null, stdout+stderr captured and
 * logged at debug level, a clean environment of PATH and PLUTO_* only, its
 * own process group).  Commands of one connection run one after the other,
 * in the order the events happened, so a script still sees prepare, route,
 * up, down, unroute in that order; a command that outlives the timeout has
 * its process group killed and the next one starts.  No secret is ever put
 * in the environment.
 *
 * Thread: the engine's.  Ownership: UpdownRunner is owned by route.c's
 * EngineRoute; commands already started keep it alive until they end.
 */
#pragma once

#include "engine-private.h"

G_BEGIN_DECLS

typedef enum {
	UPDOWN_PREPARE,
	UPDOWN_ROUTE,
	UPDOWN_UNROUTE,
	UPDOWN_UP,
	UPDOWN_DOWN,
} UpdownVerb;

/* "prepare", "route", ... (without -host/-client). */
const char *updown_verb_name(UpdownVerb verb);

typedef struct UpdownRunner UpdownRunner;

#define UPDOWN_DEFAULT_TIMEOUT_MS 60000

/* Owned; runs commands on @context. */
UpdownRunner *updown_runner_new(GMainContext *context);
/* Commands still queued run (in order) as long as @context is iterated;
 * nothing new can be queued.  NULL-safe. */
void updown_runner_free(UpdownRunner *runner);
void updown_runner_set_timeout(UpdownRunner *runner, guint timeout_ms);
/* Commands started and not finished yet, plus those queued. */
guint updown_runner_pending(const UpdownRunner *runner);

/* Queues @command (/bin/sh -c) with the environment @env (NULL-terminated
 * "NAME=value" strings, copied) behind the earlier commands of @queue. */
void updown_runner_queue(UpdownRunner *runner, const char *queue, const char *command,
                         const char *const *env);

/* Runs the local end's updown for @verb once per pair of the connection's
 * own selectors (prepare/route/unroute, before any SA exists).  Nothing
 * when the connection has no updown or is not oriented. */
void updown_conn(Engine *engine, UpdownRunner *runner, EngineConn *conn, UpdownVerb verb);
/* Runs the updown for @verb once per selector pair of @child (up/down;
 * prepare/route when a Child SA comes up on an unrouted connection).
 * @child must still have its IKE SA. */
void updown_child(UpdownRunner *runner, ChildSa *child, UpdownVerb verb);

/* The environment (owned GStrv) for one invocation: exposed for tests of
 * the variable set.  @child may be NULL (no SA); @ts_local/@ts_remote are
 * the selector pair. */
GStrv updown_build_env(Engine *engine, EngineConn *conn, gboolean local_is_left,
                       const KernelAddr *me, const KernelAddr *peer, ChildSa *child,
                       const KernelTs *ts_local, const KernelTs *ts_remote, UpdownVerb verb);

G_END_DECLS
