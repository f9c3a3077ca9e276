/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The updown command: building the PLUTO_* environment of ipsec-whack(8)
 * "The updown command" and running the command asynchronously, one
 * command at a time per connection, with a bounded run time (updown.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "uesp.h"
#include "updown.h"

/* The interface version pluto's scripts check for. */
#define UPDOWN_VERSION "2.0"
#define UPDOWN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *
updown_verb_name(UpdownVerb verb)
{
	switch (verb) {
	case UPDOWN_PREPARE:
		return "prepare";
	case UPDOWN_ROUTE:
		return "route";
	case UPDOWN_UNROUTE:
		return "unroute";
	case UPDOWN_UP:
		return "up";
	case UPDOWN_DOWN:
		return "down";
	}
	return "?";
}

/* ---- the runner ------------------------------------------------------- */

struct UpdownRunner {
	gint ref;
	gboolean freed;
	GMainContext *context;
	guint timeout_ms;
	GHashTable *queues; /* name -> GQueue of UpdownJob (head may be running) */
	guint pending;
};

typedef struct {
	UpdownRunner *runner; /* ref */
	char *queue;
	char *command;
	GStrv env;
	char *verb; /* for logs */
	GSubprocess *proc;
	GCancellable *cancel;
	GSource *timeout;
	pid_t pid;
	gboolean timed_out;
	gint64 started;
} UpdownJob;

static UpdownRunner *
runner_ref(UpdownRunner *r)
{
	r->ref++;
	return r;
}

static void
runner_unref(UpdownRunner *r)
{
	if (--r->ref > 0)
		return;
	g_hash_table_unref(r->queues);
	g_main_context_unref(r->context);
	g_free(r);
}

static void
queue_free(gpointer data)
{
	g_queue_free(data);
}

UpdownRunner *
updown_runner_new(GMainContext *context)
{
	UpdownRunner *r = g_new0(UpdownRunner, 1);

	r->ref = 1;
	r->context = g_main_context_ref(context != NULL ? context : g_main_context_default());
	r->timeout_ms = UPDOWN_DEFAULT_TIMEOUT_MS;
	r->queues = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, queue_free);
	return r;
}

void
updown_runner_free(UpdownRunner *runner)
{
	if (runner == NULL)
		return;
	runner->freed = TRUE;
	runner_unref(runner);
}

void
updown_runner_set_timeout(UpdownRunner *runner, guint timeout_ms)
{
	runner->timeout_ms = MAX(timeout_ms, 1u);
}

guint
updown_runner_pending(const UpdownRunner *runner)
{
	return runner->pending;
}

static void
job_free(UpdownJob *job)
{
	if (job->timeout != NULL) {
		g_source_destroy(job->timeout);
		g_source_unref(job->timeout);
	}
	g_clear_object(&job->proc);
	g_clear_object(&job->cancel);
	g_free(job->queue);
	g_free(job->command);
	g_free(job->verb);
	g_strfreev(job->env);
	runner_unref(job->runner);
	g_free(job);
}

static void log_output(const UpdownJob *job, GBytes *out)
{
	gsize len = 0;
	const char *data = out != NULL ? g_bytes_get_data(out, &len) : NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (data == NULL || len == 0)
		return;
	text = g_utf8_make_valid(data, (gssize) len);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0')
			g_debug("\"%s\": updown %s: %s", job->queue, job->verb, lines[i]);
}

static void start_next(UpdownRunner *r, const char *queue);

/* The head job of its queue ended: drop it and start the next one. */
static void
job_finished(UpdownJob *job)
{
	UpdownRunner *r = runner_ref(job->runner);
	GQueue *q = g_hash_table_lookup(r->queues, job->queue);
	g_autofree char *name = g_strdup(job->queue);

	if (q != NULL && g_queue_peek_head(q) == job)
		g_queue_pop_head(q);
	r->pending--;
	job_free(job);
	start_next(r, name);
	runner_unref(r);
}

static void
communicate_done(GObject *source, GAsyncResult *res, gpointer data)
{
	UpdownJob *job = data;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GError) error = NULL;
	gint64 ms = (g_get_monotonic_time() - job->started) / 1000;

	if (!g_subprocess_communicate_finish(G_SUBPROCESS(source), res, &out, NULL, &error)) {
		if (job->timed_out)
			g_message("\"%s\": updown %s did not finish within %u ms; killed", job->queue,
			          job->verb, job->runner->timeout_ms);
		else
			g_debug("\"%s\": updown %s: %s", job->queue, job->verb, error->message);
		job_finished(job);
		return;
	}
	log_output(job, out);
	if (g_subprocess_get_if_exited(job->proc)) {
		gint st = g_subprocess_get_exit_status(job->proc);

		if (st == 0)
			g_debug("\"%s\": updown %s: exit status 0 (%" G_GINT64_FORMAT " ms)", job->queue,
			        job->verb, ms);
		else
			g_message("\"%s\": updown %s failed with exit status %d", job->queue, job->verb,
			          st);
	} else if (g_subprocess_get_if_signaled(job->proc)) {
		g_message("\"%s\": updown %s killed by signal %d", job->queue, job->verb,
		          g_subprocess_get_term_sig(job->proc));
	}
	job_finished(job);
}

static gboolean
job_timeout(gpointer data)
{
	UpdownJob *job = data;

	job->timed_out = TRUE;
	/* the whole process group: a script's own children (sleep, ...)
	 * would keep the output pipe open */
	if (job->pid > 0) {
		kill(-job->pid, SIGKILL);
		kill(job->pid, SIGKILL);
	}
	g_cancellable_cancel(job->cancel);
	g_source_unref(job->timeout);
	job->timeout = NULL;
	return G_SOURCE_REMOVE;
}

static void
child_setup(gpointer data)
{
	(void) data;
	/* async-signal-safe: a group of its own, so a timeout kills it all */
	setpgid(0, 0);
}

static gboolean
job_start(UpdownJob *job)
{
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GError) error = NULL;
	const char *id;

	g_subprocess_launcher_set_environ(l, job->env);
	g_subprocess_launcher_set_cwd(l, "/");
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	job->started = g_get_monotonic_time();
	job->proc = g_subprocess_launcher_spawn(l, &error, "/bin/sh", "-c", job->command, NULL);
	if (job->proc == NULL) {
		g_message("\"%s\": updown %s: cannot run: %s", job->queue, job->verb, error->message);
		return FALSE;
	}
	id = g_subprocess_get_identifier(job->proc);
	job->pid = id != NULL ? (pid_t) g_ascii_strtoll(id, NULL, 10) : 0;
	g_debug("\"%s\": updown %s: started pid %d", job->queue, job->verb, (int) job->pid);
	job->cancel = g_cancellable_new();
	g_main_context_push_thread_default(job->runner->context);
	g_subprocess_communicate_async(job->proc, NULL, job->cancel, communicate_done, job);
	g_main_context_pop_thread_default(job->runner->context);
	job->timeout = g_timeout_source_new(job->runner->timeout_ms);
	g_source_set_callback(job->timeout, job_timeout, job, NULL);
	g_source_attach(job->timeout, job->runner->context);
	return TRUE;
}

static void
start_next(UpdownRunner *r, const char *queue)
{
	GQueue *q;
	UpdownJob *job;

	for (;;) {
		q = g_hash_table_lookup(r->queues, queue);
		if (q == NULL)
			return;
		job = g_queue_peek_head(q);
		if (job == NULL) {
			g_hash_table_remove(r->queues, queue);
			return;
		}
		if (job->proc != NULL || job_start(job))
			return;
		/* could not start: drop it and try the next */
		g_queue_pop_head(q);
		r->pending--;
		job_free(job);
	}
}

void
updown_runner_queue(UpdownRunner *runner, const char *queue, const char *command,
                    const char *const *env)
{
	UpdownJob *job;
	GQueue *q;
	const char *verb = NULL;

	if (runner->freed)
		return;
	for (guint i = 0; env != NULL && env[i] != NULL; i++)
		if (g_str_has_prefix(env[i], "PLUTO_VERB="))
			verb = env[i] + strlen("PLUTO_VERB=");
	job = g_new0(UpdownJob, 1);
	job->runner = runner_ref(runner);
	job->queue = g_strdup(queue);
	job->command = g_strdup(command);
	job->env = g_strdupv((GStrv) env);
	job->verb = g_strdup(verb != NULL ? verb : "?");
	q = g_hash_table_lookup(runner->queues, queue);
	if (q == NULL) {
		q = g_queue_new();
		g_hash_table_insert(runner->queues, g_strdup(queue), q);
	}
	g_queue_push_tail(q, job);
	runner->pending++;
	if (g_queue_get_length(q) == 1)
		start_next(runner, queue);
}

/* ---- the environment -------------------------------------------------- */

static void
env_add(GPtrArray *env, const char *name, const char *value)
{
	g_ptr_array_add(env, g_strdup_printf("%s=%s", name, value != NULL ? value : ""));
}

static void G_GNUC_PRINTF(3, 4)
env_addf(GPtrArray *env, const char *name, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *v = NULL;

	va_start(ap, fmt);
	v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	env_add(env, name, v);
}

static void
mask_text(guint8 family, guint plen, char *buf, gsize len)
{
	KernelAddr m = {.family = family};
	gsize n = family == AF_INET ? 4 : 16;

	for (gsize i = 0; i < n; i++) {
		guint bits = plen >= 8 * (i + 1) ? 8 : (plen > 8 * i ? plen - 8 * (guint) i : 0);

		m.bytes[i] = (guint8) (0xff00u >> bits);
	}
	kernel_addr_to_string(&m, buf, len);
}

/* PLUTO_<side>_CLIENT, _NET, _MASK, _PORT, _PROTOCOL for one selector. */
static void
env_add_client(GPtrArray *env, const char *side, const KernelTs *ts)
{
	KernelAddr net;
	guint plen = 0;
	char a[64], m[64], key[64];

	if (kernel_ts_to_prefix(ts, &net, &plen)) {
		kernel_addr_to_string(&net, a, sizeof(a));
		mask_text(net.family, plen, m, sizeof(m));
		g_snprintf(key, sizeof(key), "PLUTO_%s_CLIENT", side);
		env_addf(env, key, "%s/%u", a, plen);
	} else {
		char b[64];

		/* not a CIDR block: the range, and its first address as net */
		kernel_addr_to_string(&ts->from, a, sizeof(a));
		kernel_addr_to_string(&ts->to, b, sizeof(b));
		mask_text(ts->from.family, (guint) kernel_addr_len(&ts->from) * 8, m, sizeof(m));
		g_snprintf(key, sizeof(key), "PLUTO_%s_CLIENT", side);
		env_addf(env, key, "%s-%s", a, b);
	}
	g_snprintf(key, sizeof(key), "PLUTO_%s_CLIENT_NET", side);
	env_add(env, key, a);
	g_snprintf(key, sizeof(key), "PLUTO_%s_CLIENT_MASK", side);
	env_add(env, key, m);
	/* one port when the selector names one, else 0 (any) */
	g_snprintf(key, sizeof(key), "PLUTO_%s_PORT", side);
	env_addf(env, key, "%u", ts->from_port == ts->to_port ? ts->from_port : 0u);
	g_snprintf(key, sizeof(key), "PLUTO_%s_PROTOCOL", side);
	env_addf(env, key, "%u", ts->proto);
}

static char *
conn_policy_text(const IkebusConnection *cfg, KernelMode mode)
{
	GPtrArray *p = g_ptr_array_new();
	g_autofree gpointer *v = NULL;
	char *out;

	if (cfg->psk)
		g_ptr_array_add(p, (gpointer) "PSK");
	if (cfg->rsasig)
		g_ptr_array_add(p, (gpointer) "RSASIG");
	if (cfg->encrypt)
		g_ptr_array_add(p, (gpointer) "ENCRYPT");
	if (cfg->authenticate)
		g_ptr_array_add(p, (gpointer) "AUTHENTICATE");
	if (cfg->compress)
		g_ptr_array_add(p, (gpointer) "COMPRESS");
	g_ptr_array_add(p, (gpointer) (mode == KERNEL_MODE_TUNNEL ? "TUNNEL" : "TRANSPORT"));
	if (cfg->pfs)
		g_ptr_array_add(p, (gpointer) "PFS");
	if (cfg->initiate_on_traffic)
		g_ptr_array_add(p, (gpointer) "ROUTE");
	switch (cfg->prospective_shunt) {
	case IKEBUS_SHUNT_PASS:
		g_ptr_array_add(p, (gpointer) "PASS");
		break;
	case IKEBUS_SHUNT_DROP:
		g_ptr_array_add(p, (gpointer) "DROP");
		break;
	case IKEBUS_SHUNT_REJECT:
		g_ptr_array_add(p, (gpointer) "REJECT");
		break;
	case IKEBUS_SHUNT_UNSET:
	case IKEBUS_SHUNT_NONE:
		break;
	}
	switch (cfg->failure_shunt) {
	case IKEBUS_SHUNT_PASS:
		g_ptr_array_add(p, (gpointer) "failurePASS");
		break;
	case IKEBUS_SHUNT_DROP:
		g_ptr_array_add(p, (gpointer) "failureDROP");
		break;
	case IKEBUS_SHUNT_REJECT:
		g_ptr_array_add(p, (gpointer) "failureREJECT");
		break;
	case IKEBUS_SHUNT_UNSET:
	case IKEBUS_SHUNT_NONE:
		break;
	}
	if (!cfg->rekey)
		g_ptr_array_add(p, (gpointer) "DONT_REKEY");
	g_ptr_array_add(p, (gpointer) "IKEV2_ALLOW");
	g_ptr_array_add(p, NULL);
	v = g_ptr_array_free(p, FALSE);
	out = g_strjoinv("+", (char **) v);
	return out;
}

/* The interface that carries the traffic: the TUN device of the userspace
 * backend, else the one holding our address. */
static char *
interface_for(Engine *engine, const KernelAddr *me)
{
	struct ifaddrs *ifa = NULL;
	char *name = NULL;

	if (g_strcmp0(kernel_backend_get_name(engine->kernel), "userspace") == 0) {
		const char *tun = kernel_uesp_get_tun_name(engine->kernel);

		if (tun != NULL)
			return g_strdup(tun);
	}
	if (getifaddrs(&ifa) != 0)
		return g_strdup("");
	for (struct ifaddrs *i = ifa; i != NULL && name == NULL; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (sa == NULL || sa->sa_family != me->family)
			continue;
		if (sa->sa_family == AF_INET &&
		    memcmp(&((const struct sockaddr_in *) (const void *) sa)->sin_addr, me->v4, 4) == 0)
			name = g_strdup(i->ifa_name);
		else if (sa->sa_family == AF_INET6 &&
		         memcmp(&((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr, me->v6,
		                16) == 0)
			name = g_strdup(i->ifa_name);
	}
	freeifaddrs(ifa);
	return name != NULL ? name : g_strdup("");
}

static char *
verb_text(UpdownVerb verb, const IkebusEnd *local, const KernelAddr *me)
{
	gboolean client = local->subnets != NULL && local->subnets[0] != NULL;

	/* -host / -client: our client subnet or our host itself; -v6: the
	 * gateways talk IPv6 */
	return g_strdup_printf("%s-%s%s", updown_verb_name(verb), client ? "client" : "host",
	                       me->family == AF_INET6 ? "-v6" : "");
}

static void
child_counters(ChildSa *child, guint64 *in, guint64 *out)
{
	KernelSaStats st;
	KernelSaId id = {.proto = KERNEL_PROTO_ESP};
	IkeSa *ike = child->ike;

	*in = *out = 0;
	id.dst.family = ike->local.family;
	memcpy(id.dst.bytes, ike->local.addr, net_endpoint_addr_len(&ike->local));
	id.spi = child->spi_in;
	if (child->sa_in_installed && kernel_backend_query_sa(child->engine->kernel, &id, &st, NULL))
		*in = st.bytes;
	memset(&id.dst, 0, sizeof(id.dst));
	id.dst.family = ike->remote.family;
	memcpy(id.dst.bytes, ike->remote.addr, net_endpoint_addr_len(&ike->remote));
	id.spi = child->spi_out;
	if (child->sa_out_installed &&
	    kernel_backend_query_sa(child->engine->kernel, &id, &st, NULL))
		*out = st.bytes;
}

GStrv
updown_build_env(Engine *engine, EngineConn *conn, gboolean local_is_left, const KernelAddr *me,
                 const KernelAddr *peer, ChildSa *child, const KernelTs *ts_local,
                 const KernelTs *ts_remote, UpdownVerb verb)
{
	const IkebusConnection *cfg = conn->cfg;
	const IkebusEnd *le = engine_conn_local_end(conn, local_is_left);
	const IkebusEnd *re = engine_conn_remote_end(conn, local_is_left);
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *verb_s = verb_text(verb, le, me);
	g_autofree char *policy = conn_policy_text(cfg, child != NULL ? child->mode
	                                                               : engine_conn_mode(cfg));
	g_autofree char *iface = interface_for(engine, me);
	g_autofree char *my_id = NULL;
	g_autofree char *peer_id = NULL;
	char a[64], b[64];
	KernelAddr hop;

	env_add(env, "PATH", UPDOWN_PATH);
	env_add(env, "PLUTO_VERSION", UPDOWN_VERSION);
	env_add(env, "PLUTO_VERB", verb_s);
	env_add(env, "PLUTO_CONNECTION", cfg->name);
	env_add(env, "PLUTO_CONN_POLICY", policy);
	env_add(env, "PLUTO_CONN_ADDRFAMILY", me->family == AF_INET6 ? "ipv6" : "ipv4");
	env_add(env, "PLUTO_STACK", kernel_backend_get_name(engine->kernel));
	env_add(env, "PLUTO_INTERFACE", iface);
	kernel_addr_to_string(me, a, sizeof(a));
	kernel_addr_to_string(peer, b, sizeof(b));
	env_add(env, "PLUTO_ME", a);
	env_add(env, "PLUTO_PEER", b);
	/* the gateway toward the peer: --nexthop when it is an address, else
	 * the peer itself (%direct) */
	if (le->nexthop != NULL && kernel_addr_parse(le->nexthop, &hop))
		env_add(env, "PLUTO_NEXT_HOP", kernel_addr_to_string(&hop, a, sizeof(a)));
	else
		env_add(env, "PLUTO_NEXT_HOP", b);
	if (child != NULL && child->ike != NULL && child->ike->local_id.data != NULL)
		my_id = engine_id_to_text(&child->ike->local_id);
	if (child != NULL && child->ike != NULL && child->ike->remote_id.data != NULL)
		peer_id = engine_id_to_text(&child->ike->remote_id);
	env_add(env, "PLUTO_MY_ID", my_id != NULL ? my_id : engine_end_id_text(le));
	env_add(env, "PLUTO_PEER_ID", peer_id != NULL ? peer_id : engine_end_id_text(re));
	env_add(env, "PLUTO_PEER_CA", re->ca);
	env_add_client(env, "MY", ts_local);
	env_add_client(env, "PEER", ts_remote);
	if (le->source_ip != NULL)
		env_add(env, "PLUTO_MY_SOURCEIP", le->source_ip);
	if (engine_conn_key_given(cfg, "metric"))
		env_addf(env, "PLUTO_METRIC", "%u", cfg->metric);
	env_addf(env, "PLUTO_SA_REQID", "%u", child != NULL ? child->reqid : conn->reqid);
	if (child == NULL) {
		env_add(env, "PLUTO_SA_TYPE", "none");
	} else {
		guint64 in, out;

		env_add(env, "PLUTO_SA_TYPE", "ESP");
		env_addf(env, "PLUTO_UNIQUEID", "%u", child->ike != NULL ? child->ike->serial : 0u);
		env_addf(env, "PLUTO_SERIALNO", "%u", child->serial);
		env_addf(env, "PLUTO_ADDTIME", "%" G_GINT64_FORMAT, child->established);
		env_addf(env, "SPI_IN", "0x%08x", child->spi_in);
		env_addf(env, "SPI_OUT", "0x%08x", child->spi_out);
		env_add(env, "PLUTO_ENCAPSULATION", child->encap ? "yes" : "no");
		if (verb == UPDOWN_DOWN && child->ike != NULL) {
			child_counters(child, &in, &out);
			env_addf(env, "PLUTO_INBYTES", "%" G_GUINT64_FORMAT, in);
			env_addf(env, "PLUTO_OUTBYTES", "%" G_GUINT64_FORMAT, out);
		}
	}
	g_ptr_array_add(env, NULL);
	return (GStrv) g_ptr_array_free(env, FALSE);
}

static void
addr_of_ep(const NetEndpoint *ep, KernelAddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ep->family;
	memcpy(a->bytes, ep->addr, net_endpoint_addr_len(ep));
}

void
updown_conn(Engine *engine, UpdownRunner *runner, EngineConn *conn, UpdownVerb verb)
{
	gboolean left = TRUE;
	const IkebusEnd *le, *re;
	KernelAddr me, peer;
	g_autoptr(GArray) tl = NULL;
	g_autoptr(GArray) tr = NULL;

	if (runner == NULL || !engine_conn_orient(engine, conn, &left))
		return;
	le = engine_conn_local_end(conn, left);
	re = engine_conn_remote_end(conn, left);
	if (le->updown == NULL || le->updown[0] == '\0')
		return;
	if (!kernel_addr_parse(le->host, &me))
		return;
	if (!kernel_addr_parse(re->host, &peer))
		peer = (KernelAddr){.family = me.family};
	tl = ts_from_end(le, &me, NULL);
	tr = ts_from_end(re, &peer, NULL);
	if (tl == NULL || tr == NULL)
		return;
	for (guint i = 0; i < tl->len; i++)
		for (guint j = 0; j < tr->len; j++) {
			const KernelTs *l = &g_array_index(tl, KernelTs, i);
			const KernelTs *r = &g_array_index(tr, KernelTs, j);
			g_auto(GStrv) env = NULL;

			if (l->from.family != r->from.family)
				continue;
			env = updown_build_env(engine, conn, left, &me, &peer, NULL, l, r, verb);
			updown_runner_queue(runner, conn->cfg->name, le->updown,
			                    (const char *const *) env);
		}
}

void
updown_child(UpdownRunner *runner, ChildSa *child, UpdownVerb verb)
{
	IkeSa *ike = child->ike;
	const IkebusEnd *le;
	KernelAddr me, peer;

	if (runner == NULL || ike == NULL || child->ts_local == NULL || child->ts_remote == NULL)
		return;
	le = engine_conn_local_end(child->conn, ike->local_is_left);
	if (le->updown == NULL || le->updown[0] == '\0')
		return;
	addr_of_ep(&ike->local, &me);
	addr_of_ep(&ike->remote, &peer);
	for (guint i = 0; i < child->ts_local->len; i++)
		for (guint j = 0; j < child->ts_remote->len; j++) {
			const KernelTs *l = &g_array_index(child->ts_local, KernelTs, i);
			const KernelTs *r = &g_array_index(child->ts_remote, KernelTs, j);
			g_auto(GStrv) env = NULL;

			if (l->from.family != r->from.family)
				continue;
			env = updown_build_env(child->engine, child->conn, ike->local_is_left, &me, &peer,
			                       child, l, r, verb);
			updown_runner_queue(runner, child->conn->cfg->name, le->updown,
			                    (const char *const *) env);
		}
}
