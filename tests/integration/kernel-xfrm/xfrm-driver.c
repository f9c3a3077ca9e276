/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives the xfrm backend against the real kernel, one case per run, inside
 * the network namespace that test-xfrm-netns.sh made (192.0.2.1/24 on v0,
 * peer 192.0.2.2 in another namespace, 198.51.100.0/24 routed via the peer).
 * Kernel state is checked with iproute2's `ip xfrm`, independently of the
 * backend's own netlink code.
 *
 * Exit: 0 pass, 1 fail, 77 skip (with the reason on stderr).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>

#include "kernel.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* The alias xfrm-iface.h tags our interfaces with (checked with iproute2). */
#define XFRM_TEST_ALIAS "ikebus"

#define CHECK_OK(call, err) CHECK((call), "%s", (err) != NULL ? (err)->message : "(no error)")

static KernelAddr
addr(const char *text)
{
	KernelAddr a;

	if (!kernel_addr_parse(text, &a)) {
		fprintf(stderr, "bad address %s\n", text);
		exit(1);
	}
	return a;
}

static KernelTs
prefix(const char *text, guint plen)
{
	KernelTs ts;
	KernelAddr a = addr(text);

	kernel_ts_from_prefix(&ts, &a, plen, 0);
	return ts;
}

/* stdout of an `ip` command line; exits on failure to run it. */
static char *
run(const char *cmdline, int *status_out)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status = 0;

	if (!g_spawn_command_line_sync(cmdline, &out, NULL, &status, &error)) {
		fprintf(stderr, "cannot run %s: %s\n", cmdline, error->message);
		exit(1);
	}
	if (status_out != NULL)
		*status_out = status;
	return out;
}

static gboolean
ping(const char *dst)
{
	g_autofree char *cmd = g_strdup_printf("ping -n -c1 -W1 %s", dst);
	int status;

	g_free(run(cmd, &status));
	return g_spawn_check_wait_status(status, NULL);
}

static KernelBackend *
backend(gboolean leave_state)
{
	KernelConfig cfg;
	g_autoptr(GError) error = NULL;
	KernelBackend *kb;

	kernel_config_init(&cfg);
	cfg.leave_state = leave_state;
	kb = kernel_xfrm_new(&cfg, &error);
	CHECK_OK(kb != NULL, error);
	return kb;
}

static void
policy_init(KernelPolicy *p, const char *src, guint splen, const char *dst, guint dplen,
            KernelDir dir, KernelPolicyAction action)
{
	memset(p, 0, sizeof(*p));
	p->src = prefix(src, splen);
	p->dst = prefix(dst, dplen);
	p->dir = dir;
	p->action = action;
	p->priority = 2000;
	p->proto = KERNEL_PROTO_ESP;
	p->mode = KERNEL_MODE_TUNNEL;
	p->tmpl_src = addr(dir == KERNEL_DIR_OUT ? "192.0.2.1" : "192.0.2.2");
	p->tmpl_dst = addr(dir == KERNEL_DIR_OUT ? "192.0.2.2" : "192.0.2.1");
}

static void
must_contain(const char *haystack, const char *needle, const char *what)
{
	CHECK(strstr(haystack, needle) != NULL, "%s: '%s' not in:\n%s", what, needle, haystack);
}

static void
must_not_contain(const char *haystack, const char *needle, const char *what)
{
	CHECK(strstr(haystack, needle) == NULL, "%s: '%s' still in:\n%s", what, needle, haystack);
}

/* ---- cases ------------------------------------------------------------ */

static int
case_spi(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
	KernelAddr src = addr("192.0.2.2"), dst = addr("192.0.2.1");
	g_autofree char *state = NULL;
	g_autofree char *after = NULL;

	for (int i = 0; i < 32; i++) {
		g_autoptr(GError) error = NULL;
		guint32 spi = 0;

		CHECK_OK(kernel_backend_get_spi(kb, &src, &dst, KERNEL_PROTO_ESP, 100 + (guint32) i,
		                                &spi, &error),
		         error);
		CHECK(spi >= 0x1000, "SPI 0x%x is in the reserved/manual range 0..0xFFF", spi);
		CHECK(!g_hash_table_contains(seen, GUINT_TO_POINTER(spi)),
		      "SPI 0x%x handed out twice", spi);
		g_hash_table_add(seen, GUINT_TO_POINTER(spi));
	}
	/* The kernel holds them as larval SAs. */
	state = run("ip xfrm state list", NULL);
	{
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, seen);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			g_autofree char *needle =
			        g_strdup_printf("spi 0x%08x", GPOINTER_TO_UINT(k));
			must_contain(state, needle, "allocated SPI in ip xfrm state");
		}
	}
	/* AH too. */
	{
		g_autoptr(GError) error = NULL;
		guint32 spi = 0;

		CHECK_OK(kernel_backend_get_spi(kb, &src, &dst, KERNEL_PROTO_AH, 7, &spi, &error),
		         error);
		CHECK(spi >= 0x1000 && !g_hash_table_contains(seen, GUINT_TO_POINTER(spi)),
		      "AH SPI 0x%x", spi);
	}
	/* Freeing the backend releases them. */
	g_clear_pointer(&kb, kernel_backend_free);
	after = run("ip xfrm state list", NULL);
	must_not_contain(after, "spi 0x", "larval SAs after shutdown");
	printf("ok - 33 SPIs allocated, all >= 0x1000 and distinct, released at shutdown\n");
	return 0;
}

static int
case_policy(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GError) error = NULL;
	KernelPolicy out, in, fwd;
	g_autofree char *list = NULL;
	g_autofree char *after = NULL;
	gint64 use_time = -1;

	policy_init(&out, "10.1.0.0", 16, "10.2.0.0", 16, KERNEL_DIR_OUT, KERNEL_POLICY_IPSEC);
	out.src.proto = out.dst.proto = 6;
	out.dst.from_port = out.dst.to_port = 443;
	out.priority = 1234;
	out.reqid = 77;
	out.mark.value = 0x10;
	out.mark.mask = 0xff;
	policy_init(&in, "10.2.0.0", 16, "10.1.0.0", 16, KERNEL_DIR_IN, KERNEL_POLICY_IPSEC);
	in.reqid = 77;
	in.priority = 1235;
	fwd = in;
	fwd.dir = KERNEL_DIR_FWD;
	fwd.priority = 1236;

	CHECK_OK(kernel_backend_add_policy(kb, &out, &error), error);
	CHECK_OK(kernel_backend_add_policy(kb, &in, &error), error);
	CHECK_OK(kernel_backend_add_policy(kb, &fwd, &error), error);
	/* Adding again replaces rather than failing (trap -> real policy). */
	CHECK_OK(kernel_backend_add_policy(kb, &out, &error), error);

	list = run("ip xfrm policy list", NULL);
	must_contain(list, "src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp dport 443", "out selector");
	must_contain(list, "dir out priority 1234", "out dir/priority");
	must_contain(list, "mark 0x10/0xff", "out mark");
	must_contain(list, "tmpl src 192.0.2.1 dst 192.0.2.2", "out template addresses");
	must_contain(list, "proto esp reqid 77 mode tunnel", "template proto/reqid/mode");
	must_contain(list, "src 10.2.0.0/16 dst 10.1.0.0/16", "in selector");
	must_contain(list, "dir in priority 1235", "in dir/priority");
	must_contain(list, "dir fwd priority 1236", "fwd dir/priority");
	must_contain(list, "tmpl src 192.0.2.2 dst 192.0.2.1", "in template addresses");
	{
		/* Exactly one out policy despite the second add. */
		g_auto(GStrv) parts = g_strsplit(list, "dir out", -1);
		CHECK(g_strv_length(parts) == 2, "expected one out policy:\n%s", list);
	}

	CHECK_OK(kernel_backend_query_policy(kb, &out, &use_time, &error), error);
	CHECK(use_time == 0, "unused policy has use_time %" G_GINT64_FORMAT, use_time);

	CHECK_OK(kernel_backend_del_policy(kb, &out, &error), error);
	CHECK_OK(kernel_backend_del_policy(kb, &in, &error), error);
	CHECK_OK(kernel_backend_del_policy(kb, &fwd, &error), error);
	CHECK(!kernel_backend_del_policy(kb, &out, &error), "second delete succeeded");
	CHECK(g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND), "second delete: %s",
	      error->message);
	g_clear_error(&error);
	after = run("ip xfrm policy list", NULL);
	must_not_contain(after, "10.1.0.0/16", "deleted policies");
	printf("ok - in/out/fwd policies with selector, ports, priority, mark and template "
	       "installed, replaced, queried and deleted\n");
	return 0;
}

typedef struct {
	KernelEvent event;
	guint n;
} AcquireWait;

static void
on_event(const KernelEvent *event, gpointer user_data)
{
	AcquireWait *w = user_data;

	if (event->type != KERNEL_EVENT_ACQUIRE)
		return;
	if (w->n++ == 0)
		w->event = *event;
}

static gboolean
on_timeout(gpointer user_data)
{
	guint *id = user_data;

	*id = 0;
	return G_SOURCE_REMOVE;
}

static gboolean
do_ping(gpointer user_data)
{
	(void) ping(user_data);
	return G_SOURCE_REMOVE;
}

static int
case_acquire(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GError) error = NULL;
	AcquireWait w = {0};
	KernelPolicy trap;
	KernelAddr net;
	guint plen = 0;
	guint timeout;

	kernel_backend_set_event_func(kb, on_event, &w);
	policy_init(&trap, "0.0.0.0", 0, "198.51.100.2", 32, KERNEL_DIR_OUT, KERNEL_POLICY_IPSEC);
	trap.trap = TRUE;
	trap.reqid = 42;
	CHECK_OK(kernel_backend_add_policy(kb, &trap, &error), error);

	g_idle_add(do_ping, (gpointer) "198.51.100.2");
	timeout = g_timeout_add_seconds(5, on_timeout, &timeout);
	while (w.n == 0 && timeout != 0)
		g_main_context_iteration(NULL, TRUE);
	if (timeout != 0)
		g_source_remove(timeout);

	CHECK(w.n >= 1, "no ACQUIRE within 5 s");
	CHECK(w.event.reqid == 42, "reqid %u", w.event.reqid);
	CHECK(kernel_ts_to_prefix(&w.event.pkt_dst, &net, &plen) && plen == 32 &&
	              kernel_addr_equal(&net, &trap.dst.from),
	      "packet destination %s", kernel_ts_to_string(&w.event.pkt_dst));
	CHECK(kernel_ts_to_prefix(&w.event.pkt_src, &net, &plen) && plen == 32, "packet source %s",
	      kernel_ts_to_string(&w.event.pkt_src));
	{
		KernelAddr local = addr("192.0.2.1");
		CHECK(kernel_addr_equal(&net, &local), "packet source %s",
		      kernel_ts_to_string(&w.event.pkt_src));
	}
	CHECK(kernel_ts_to_prefix(&w.event.policy_dst, &net, &plen) && plen == 32 &&
	              kernel_addr_equal(&net, &trap.dst.from),
	      "policy destination %s", kernel_ts_to_string(&w.event.policy_dst));
	CHECK(kernel_ts_to_prefix(&w.event.policy_src, &net, &plen) && plen == 0,
	      "policy source %s", kernel_ts_to_string(&w.event.policy_src));
	{
		KernelAddr peer = addr("192.0.2.2"), local = addr("192.0.2.1");
		CHECK(kernel_addr_equal(&w.event.sa.dst, &peer) &&
		              kernel_addr_equal(&w.event.sa.src, &local),
		      "template addresses in the event");
		CHECK(w.event.sa.proto == KERNEL_PROTO_ESP, "proto %u", w.event.sa.proto);
	}
	printf("ok - trap policy raised ACQUIRE reqid 42 for %s -> %s\n",
	       kernel_ts_to_string(&w.event.pkt_src), kernel_ts_to_string(&w.event.pkt_dst));
	return 0;
}

static int
case_shunt(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GError) error = NULL;
	KernelPolicy p;
	g_autofree char *list = NULL;

	CHECK(ping("192.0.2.2"), "the peer does not answer even without policy");

	policy_init(&p, "0.0.0.0", 0, "192.0.2.2", 32, KERNEL_DIR_OUT, KERNEL_POLICY_DROP);
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	CHECK(!ping("192.0.2.2"), "ping passed a drop shunt");
	list = run("ip xfrm policy list", NULL);
	must_contain(list, "dir out action block", "drop shunt");
	g_clear_pointer(&list, g_free);

	p.action = KERNEL_POLICY_REJECT;
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	CHECK(!ping("192.0.2.2"), "ping passed a reject shunt");

	p.action = KERNEL_POLICY_PASS;
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	list = run("ip xfrm policy list", NULL);
	must_contain(list, "src 0.0.0.0/0 dst 192.0.2.2/32", "pass shunt selector");
	must_contain(list, "dir out priority 2000", "pass shunt (action allow is the default)");
	must_not_contain(list, "action block", "pass shunt replaced the drop");
	must_not_contain(list, "tmpl", "pass shunt has no template");
	CHECK(ping("192.0.2.2"), "ping blocked by a pass shunt");

	CHECK_OK(kernel_backend_del_policy(kb, &p, &error), error);
	printf("ok - drop and reject shunts block ping, a pass shunt lets it through\n");
	return 0;
}

static const char *const foreign_policy =
        "ip xfrm policy add src 10.9.0.0/16 dst 10.8.0.0/16 dir out action block priority 5";

static void
install_some(KernelBackend *kb)
{
	g_autoptr(GError) error = NULL;
	KernelPolicy p;
	KernelAddr src = addr("192.0.2.2"), dst = addr("192.0.2.1");
	guint32 spi;

	policy_init(&p, "10.1.0.0", 16, "10.2.0.0", 16, KERNEL_DIR_OUT, KERNEL_POLICY_IPSEC);
	p.reqid = 5;
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	policy_init(&p, "10.2.0.0", 16, "10.1.0.0", 16, KERNEL_DIR_IN, KERNEL_POLICY_IPSEC);
	p.reqid = 5;
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	/* Same selector as the foreign policy: ours must not replace it. */
	policy_init(&p, "10.9.0.0", 16, "10.8.0.0", 16, KERNEL_DIR_OUT, KERNEL_POLICY_DROP);
	p.priority = 5;
	CHECK_OK(kernel_backend_add_policy(kb, &p, &error), error);
	CHECK_OK(kernel_backend_get_spi(kb, &src, &dst, KERNEL_PROTO_ESP, 5, &spi, &error), error);
}

static void
check_only_foreign_left(const char *what)
{
	g_autofree char *pol = run("ip xfrm policy list", NULL);
	g_autofree char *st = run("ip xfrm state list", NULL);
	g_auto(GStrv) parts = g_strsplit(pol, "src 10.9.0.0/16 dst 10.8.0.0/16", -1);

	must_contain(pol, "src 10.9.0.0/16 dst 10.8.0.0/16", what);
	CHECK(g_strv_length(parts) == 2, "%s: expected just the foreign 10.9/16 policy:\n%s", what,
	      pol);
	must_not_contain(pol, "10.1.0.0/16", what);
	must_contain(st, "reqid 999", what); /* the foreign larval SA */
	must_not_contain(st, "reqid 5 ", what);
}

static int
case_flush(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GError) error = NULL;
	g_autofree char *pol = NULL;
	int status;

	g_free(run(foreign_policy, &status));
	CHECK(g_spawn_check_wait_status(status, NULL), "cannot add the foreign policy");
	g_free(run("ip xfrm state allocspi src 192.0.2.2 dst 192.0.2.1 proto esp reqid 999 "
	           "mode tunnel",
	           &status));
	CHECK(g_spawn_check_wait_status(status, NULL), "cannot add the foreign larval SA");

	install_some(kb);
	pol = run("ip xfrm policy list", NULL);
	{
		g_auto(GStrv) parts = g_strsplit(pol, "src 10.9.0.0/16 dst 10.8.0.0/16", -1);
		CHECK(g_strv_length(parts) == 3, "ours and the foreign 10.9/16 policy coexist:\n%s",
		      pol);
	}
	CHECK_OK(kernel_backend_flush_own(kb, &error), error);
	check_only_foreign_left("after flush_own");
	printf("ok - flush_own removed our policies and SPIs; the foreign policy and SA survive\n");
	return 0;
}

static int
case_stale(void)
{
	KernelBackend *first = backend(TRUE);
	KernelBackend *second;
	g_autofree char *pol = NULL;
	int status;

	g_free(run(foreign_policy, &status));
	CHECK(g_spawn_check_wait_status(status, NULL), "cannot add the foreign policy");
	g_free(run("ip xfrm state allocspi src 192.0.2.2 dst 192.0.2.1 proto esp reqid 999 "
	           "mode tunnel",
	           &status));
	install_some(first);
	/* A crash or --leave-state: the state stays. */
	kernel_backend_free(first);
	pol = run("ip xfrm policy list", NULL);
	must_contain(pol, "src 10.1.0.0/16 dst 10.2.0.0/16", "left state");

	/* The next start removes it (policies; the untagged larval SPI of the
	 * first instance is the kernel's to expire). */
	second = backend(FALSE);
	{
		g_autofree char *p2 = run("ip xfrm policy list", NULL);
		g_auto(GStrv) parts = g_strsplit(p2, "src 10.9.0.0/16 dst 10.8.0.0/16", -1);
		must_not_contain(p2, "10.1.0.0/16", "stale policies after restart");
		CHECK(g_strv_length(parts) == 2, "foreign policy after restart:\n%s", p2);
	}
	kernel_backend_free(second);
	printf("ok - a new instance removed the state an earlier one left; foreign state kept\n");
	return 0;
}

static int
case_probe(const char *expect)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_auto(KernelCaps) caps = {0};
	g_autoptr(GError) error = NULL;

	CHECK_OK(kernel_backend_probe(kb, &caps, &error), error);
	CHECK(caps.message != NULL, "probe gave no message");
	printf("probe: esp=%d ah=%d n_encr=%zu n_integ=%zu policies=%d\nmessage: %s\n", caps.esp,
	       caps.ah, caps.n_encr, caps.n_integ, caps.policies, caps.message);
	CHECK(caps.policies, "policies should always be available");
	if (g_strcmp0(expect, "no-esp") == 0) {
		CHECK(!caps.esp, "probe says ESP but `ip xfrm state add` could not add one");
		CHECK(g_strcmp0(caps.message, "this kernel has XFRM but no ESP support "
		                              "(CONFIG_INET_ESP); use --kernel userspace") == 0,
		      "message: %s", caps.message);
		CHECK(strstr(caps.message, "--kernel userspace") != NULL, "message must point to "
		                                                          "userspace");
		CHECK(caps.n_encr == 0 && caps.n_integ == 0, "algorithms listed without ESP");
	} else {
		CHECK(caps.esp, "`ip xfrm state add` added an ESP SA but the probe says no: %s",
		      caps.message);
		CHECK(kernel_caps_has_encr(&caps, 12), "cbc(aes) usable with ESP: %s",
		      caps.message);
		CHECK(caps.udp_encap && caps.tunnel_mode && caps.transport_mode, "modes");
	}
	{
		/* The probe must not have installed anything. */
		g_autofree char *st = run("ip xfrm state list", NULL);
		must_not_contain(st, "spi 0x000000fe", "probe SA left behind");
	}
	printf("ok - probe matches what iproute2 found (%s)\n", expect);
	return 0;
}

static int
case_sa(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_auto(KernelCaps) caps = {0};
	g_autoptr(GError) error = NULL;
	guint8 ekey[36], ikey[32], ckey[16];
	KernelTs l = prefix("10.1.0.0", 16), r = prefix("10.2.0.0", 16);
	KernelSa in = {0}, out = {0};
	KernelSaId id;
	KernelSaStats stats;
	g_autofree char *st = NULL;
	g_autofree char *after = NULL;

	CHECK_OK(kernel_backend_probe(kb, &caps, &error), error);
	if (!caps.esp) {
		fprintf(stderr, "SKIP: kernel has no ESP (CONFIG_INET_ESP)\n");
		return 77;
	}
	memset(ekey, 0x11, sizeof(ekey));
	memset(ikey, 0x22, sizeof(ikey));
	memset(ckey, 0x33, sizeof(ckey));

	/* Inbound: AEAD, ESN, a wide window, ESP-in-UDP, SPI from get_spi. */
	in.src = addr("192.0.2.2");
	in.dst = addr("192.0.2.1");
	in.proto = KERNEL_PROTO_ESP;
	in.mode = KERNEL_MODE_TUNNEL;
	in.dir = KERNEL_DIR_IN;
	in.reqid = 9;
	CHECK_OK(kernel_backend_get_spi(kb, &in.src, &in.dst, in.proto, in.reqid, &in.spi, &error),
	         error);
	in.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	in.encr_key = ekey;
	in.encr_key_len = crypto_encr_alg_keymat_len(in.encr, 256);
	in.esn = TRUE;
	in.replay_window = 128;
	in.encap = TRUE;
	in.encap_sport = 4500;
	in.encap_dport = 4500;
	in.soft.add_seconds = 3000;
	in.hard.add_seconds = 3600;
	in.ts_local = &l;
	in.n_ts_local = 1;
	in.ts_remote = &r;
	in.n_ts_remote = 1;
	if (kernel_caps_has_encr(&caps, CRYPTO_ENCR_AES_GCM_16))
		CHECK_OK(kernel_backend_add_sa(kb, &in, &error), error);
	else
		in.spi = 0;

	/* Outbound: CBC + HMAC-SHA2-256-128, transport mode. */
	out.src = addr("192.0.2.1");
	out.dst = addr("192.0.2.2");
	out.spi = 0x12345678;
	out.proto = KERNEL_PROTO_ESP;
	out.mode = KERNEL_MODE_TRANSPORT;
	out.dir = KERNEL_DIR_OUT;
	out.reqid = 9;
	out.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_CBC);
	out.encr_key = ckey;
	out.encr_key_len = sizeof(ckey);
	out.integ = crypto_integ_alg_by_id(CRYPTO_AUTH_HMAC_SHA2_256_128);
	out.integ_key = ikey;
	out.integ_key_len = sizeof(ikey);
	out.hard.bytes = 1000000;
	CHECK_OK(kernel_backend_add_sa(kb, &out, &error), error);
	CHECK(!kernel_backend_add_sa(kb, &out, &error) &&
	              g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS),
	      "second add of the same SA");
	g_clear_error(&error);
	CHECK_OK(kernel_backend_update_sa(kb, &out, &error), error);

	st = run("ip xfrm state list", NULL);
	must_contain(st, "spi 0x12345678 reqid 9 mode transport", "outbound SA");
	must_contain(st, "auth-trunc hmac(sha256)", "integrity");
	must_contain(st, "enc cbc(aes)", "cipher");
	if (in.spi != 0) {
		g_autofree char *needle = g_strdup_printf("spi 0x%08x reqid 9 mode tunnel", in.spi);
		must_contain(st, needle, "inbound SA");
		must_contain(st, "aead rfc4106(gcm(aes))", "AEAD");
		must_contain(st, "encap type espinudp sport 4500 dport 4500", "encap");
		must_contain(st, "flag esn", "ESN");
	}

	kernel_sa_get_id(&out, &id);
	CHECK_OK(kernel_backend_query_sa(kb, &id, &stats, &error), error);
	CHECK(stats.add_time > 0 && stats.packets == 0, "counters of a fresh SA");

	CHECK_OK(kernel_backend_del_sa(kb, &id, &error), error);
	if (in.spi != 0) {
		kernel_sa_get_id(&in, &id);
		CHECK_OK(kernel_backend_del_sa(kb, &id, &error), error);
	}
	after = run("ip xfrm state list", NULL);
	must_not_contain(after, "0x12345678", "deleted SA");
	printf("ok - ESP SAs added, updated, read and deleted\n");
	return 0;
}

/* ---- IPCOMP ----------------------------------------------------------- */

/* CPIs and the comp + esp templates: neither needs IPCOMP in the kernel
 * (ALLOCSPI makes a larval SA, policies only name the protocol). */
static int
case_ipcomp_policy(void)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_autoptr(GError) error = NULL;
	KernelAddr src = addr("192.0.2.2"), dst = addr("192.0.2.1");
	KernelPolicy out, in;
	guint32 cpi = 0;
	g_autofree char *st = NULL;
	g_autofree char *pol = NULL;
	g_autofree char *after = NULL;
	g_autofree char *needle = NULL;

	CHECK_OK(kernel_backend_get_spi(kb, &src, &dst, KERNEL_PROTO_COMP, 9, &cpi, &error), error);
	CHECK(cpi >= 0x100 && cpi <= 0xefff, "CPI 0x%x outside RFC 3173's negotiable range", cpi);
	st = run("ip xfrm state list", NULL);
	needle = g_strdup_printf("proto comp spi 0x%08x reqid 9", cpi);
	must_contain(st, needle, "larval IPCOMP SA");

	policy_init(&out, "10.1.0.0", 16, "10.2.0.0", 16, KERNEL_DIR_OUT, KERNEL_POLICY_IPSEC);
	out.reqid = 9;
	out.ipcomp = KERNEL_IPCOMP_DEFLATE;
	policy_init(&in, "10.2.0.0", 16, "10.1.0.0", 16, KERNEL_DIR_IN, KERNEL_POLICY_IPSEC);
	in.reqid = 9;
	in.ipcomp = KERNEL_IPCOMP_DEFLATE;
	CHECK_OK(kernel_backend_add_policy(kb, &out, &error), error);
	CHECK_OK(kernel_backend_add_policy(kb, &in, &error), error);
	pol = run("ip xfrm policy list", NULL);
	must_contain(pol,
	             "tmpl src 192.0.2.1 dst 192.0.2.2\n\t\tproto comp reqid 9 mode tunnel\n"
	             "\ttmpl src 0.0.0.0 dst 0.0.0.0\n\t\tproto esp reqid 9 mode transport",
	             "outbound comp (tunnel) + esp (transport) templates");
	must_contain(pol,
	             "tmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto comp reqid 9 mode tunnel\n"
	             "\t\tlevel use",
	             "inbound comp template optional");
	{
		/* Only the inbound IPCOMP template is optional. */
		g_auto(GStrv) parts = g_strsplit(pol, "level use", -1);
		CHECK(g_strv_length(parts) == 2, "expected one optional template:\n%s", pol);
	}
	CHECK_OK(kernel_backend_flush_own(kb, &error), error);
	after = g_strconcat(run("ip xfrm policy list", NULL), run("ip xfrm state list", NULL),
	                    NULL);
	must_not_contain(after, "proto comp", "IPCOMP state after flush_own");
	printf("ok - CPI 0x%x allocated; comp+esp templates (comp optional inbound) installed "
	       "and flushed\n",
	       cpi);
	return 0;
}

static int
case_ipcomp_sa(const char *expect)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_auto(KernelCaps) caps = {0};
	g_autoptr(GError) error = NULL;
	guint8 ekey[36];
	KernelTs l = prefix("10.1.0.0", 16), r = prefix("10.2.0.0", 16);
	KernelSa comp = {0}, esp = {0};
	KernelSaId id;
	g_autofree char *st = NULL;
	g_autofree char *after = NULL;

	CHECK_OK(kernel_backend_probe(kb, &caps, &error), error);
	printf("probe: ipcomp=%d (iproute2: %s)\nmessage: %s\n", caps.ipcomp, expect, caps.message);
	if (g_strcmp0(expect, "no-ipcomp") == 0) {
		CHECK(!caps.ipcomp, "probe says IPCOMP but `ip xfrm state add proto comp` failed");
		fprintf(stderr, "SKIP: kernel has no IPCOMP (CONFIG_INET_IPCOMP) or no deflate; "
		                "the probe agrees\n");
		return 77;
	}
	CHECK(caps.ipcomp, "`ip xfrm state add proto comp` worked but the probe says no: %s",
	      caps.message);

	/* Inbound IPCOMP SA, tunnel mode, CPI from get_spi. */
	comp.src = addr("192.0.2.2");
	comp.dst = addr("192.0.2.1");
	comp.proto = KERNEL_PROTO_COMP;
	comp.ipcomp = KERNEL_IPCOMP_DEFLATE;
	comp.mode = KERNEL_MODE_TUNNEL;
	comp.dir = KERNEL_DIR_IN;
	comp.reqid = 9;
	comp.ts_local = &l;
	comp.n_ts_local = 1;
	comp.ts_remote = &r;
	comp.n_ts_remote = 1;
	CHECK_OK(kernel_backend_get_spi(kb, &comp.src, &comp.dst, comp.proto, comp.reqid, &comp.spi,
	                                &error),
	         error);
	CHECK_OK(kernel_backend_add_sa(kb, &comp, &error), error);

	/* Its ESP SA, stacked (transport inside the IPCOMP tunnel). */
	if (caps.esp && kernel_caps_has_encr(&caps, CRYPTO_ENCR_AES_GCM_16)) {
		memset(ekey, 0x11, sizeof(ekey));
		esp = comp;
		esp.proto = KERNEL_PROTO_ESP;
		esp.spi = 0x23456789;
		esp.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
		esp.encr_key = ekey;
		esp.encr_key_len = crypto_encr_alg_keymat_len(esp.encr, 256);
		esp.replay_window = 32;
		CHECK_OK(kernel_backend_add_sa(kb, &esp, &error), error);
	}

	st = run("ip xfrm state list", NULL);
	{
		g_autofree char *needle =
		        g_strdup_printf("proto comp spi 0x%08x reqid 9 mode tunnel", comp.spi);
		must_contain(st, needle, "IPCOMP SA");
	}
	must_contain(st, "comp deflate", "IPCOMP algorithm");
	if (esp.spi != 0)
		must_contain(st, "proto esp spi 0x23456789 reqid 9 mode transport", "stacked ESP");

	kernel_sa_get_id(&comp, &id);
	CHECK_OK(kernel_backend_del_sa(kb, &id, &error), error);
	CHECK_OK(kernel_backend_add_sa(kb, &comp, &error), error);
	/* flush_own copes with the kernel's IP-in-IP helper SA. */
	CHECK_OK(kernel_backend_flush_own(kb, &error), error);
	after = run("ip xfrm state list", NULL);
	CHECK(strstr(after, "src") == NULL, "state left after flush_own:\n%s", after);
	printf("ok - IPCOMP SA (CPI 0x%x) and its stacked ESP SA added, deleted and flushed\n",
	       comp.spi);
	return 0;
}

/* ---- XFRM interfaces -------------------------------------------------- */

static char *
links(void)
{
	return run("ip -o link show", NULL);
}

static int
case_iface_missing(KernelBackend *kb, const KernelCaps *caps)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *before = links();
	g_autofree char *after = NULL;
	KernelAddr a = addr("10.99.0.1");

	CHECK(!caps->interfaces, "probe says XFRM interfaces but iproute2 could not make one");
	CHECK(!kernel_backend_add_interface(kb, "ipsec1", 5, if_nametoindex("v0"), &error),
	      "add_interface succeeded on a kernel without XFRM interfaces");
	CHECK(g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED), "error %s",
	      error->message);
	must_contain(error->message, "CONFIG_XFRM_INTERFACE", "the error names the feature");
	must_contain(error->message, "ipsec1", "the error names the interface");
	printf("add_interface: %s\n", error->message);
	g_clear_error(&error);

	/* Nothing of it to address or delete. */
	CHECK(!kernel_backend_add_interface_addr(kb, "ipsec1", &a, 24, &error) &&
	              g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND),
	      "add_interface_addr on a failed interface");
	g_clear_error(&error);
	CHECK(!kernel_backend_del_interface(kb, "ipsec1", &error) &&
	              g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND),
	      "del_interface on a failed interface");
	g_clear_error(&error);
	CHECK_OK(kernel_backend_flush_own(kb, &error), error);
	after = links();
	CHECK(g_strcmp0(before, after) == 0, "links changed:\nbefore:\n%s\nafter:\n%s", before,
	      after);
	must_not_contain(after, "ipsec", "interfaces");
	printf("ok - no XFRM interfaces here: NOT_SUPPORTED naming CONFIG_XFRM_INTERFACE, "
	       "nothing left behind\n");
	return 0;
}

static int
case_iface_present(KernelBackend *kb)
{
	g_autoptr(GError) error = NULL;
	KernelAddr a = addr("10.99.0.1");
	g_autofree char *show = NULL;
	g_autofree char *addrs = NULL;
	int status;

	CHECK_OK(kernel_backend_add_interface(kb, "ipsec1", 5, if_nametoindex("v0"), &error),
	         error);
	show = run("ip -d link show ipsec1", NULL);
	must_contain(show, "xfrm if_id 0x5", "kind and if_id");
	must_contain(show, "alias " XFRM_TEST_ALIAS, "tag");
	must_contain(show, ",UP", "link up");
	CHECK(!kernel_backend_add_interface(kb, "ipsec1", 6, 0, &error) &&
	              g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS),
	      "second add_interface ipsec1");
	g_clear_error(&error);
	CHECK_OK(kernel_backend_add_interface_addr(kb, "ipsec1", &a, 24, &error), error);
	CHECK_OK(kernel_backend_add_interface_addr(kb, "ipsec1", &a, 24, &error), error);
	addrs = run("ip addr show dev ipsec1", NULL);
	must_contain(addrs, "inet 10.99.0.1/24", "interface address");

	/* Libreswan's ipsec2 (untagged) is not ours. */
	g_free(run("ip link add ipsec2 type xfrm if_id 7", &status));
	CHECK(g_spawn_check_wait_status(status, NULL), "cannot add the foreign interface");
	CHECK(!kernel_backend_del_interface(kb, "ipsec2", &error) &&
	              g_error_matches(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND),
	      "del_interface on a foreign interface");
	g_clear_error(&error);

	CHECK_OK(kernel_backend_del_interface(kb, "ipsec1", &error), error);
	CHECK(if_nametoindex("ipsec1") == 0, "ipsec1 still there after del_interface");

	CHECK_OK(kernel_backend_add_interface(kb, "ipsec3", 8, 0, &error), error);
	CHECK_OK(kernel_backend_flush_own(kb, &error), error);
	CHECK(if_nametoindex("ipsec3") == 0, "ipsec3 still there after flush_own");
	CHECK(if_nametoindex("ipsec2") != 0, "flush_own removed the foreign ipsec2");

	/* Left behind (leave-state or a crash): the next start removes it. */
	{
		KernelBackend *first = backend(TRUE);
		KernelBackend *second;

		CHECK_OK(kernel_backend_add_interface(first, "ipsec4", 9, 0, &error), error);
		kernel_backend_free(first);
		CHECK(if_nametoindex("ipsec4") != 0, "leave-state removed ipsec4");
		second = backend(FALSE);
		CHECK(if_nametoindex("ipsec4") == 0, "the next start left the stale ipsec4");
		CHECK(if_nametoindex("ipsec2") != 0, "the sweep removed the foreign ipsec2");
		kernel_backend_free(second);
	}
	printf("ok - XFRM interfaces created up and tagged, addressed, deleted, flushed and "
	       "swept; the foreign one kept\n");
	return 0;
}

static int
case_iface(const char *expect)
{
	g_autoptr(KernelBackend) kb = backend(FALSE);
	g_auto(KernelCaps) caps = {0};
	g_autoptr(GError) error = NULL;

	CHECK_OK(kernel_backend_probe(kb, &caps, &error), error);
	printf("probe: interfaces=%d (iproute2: %s)\nmessage: %s\n", caps.interfaces, expect,
	       caps.message);
	if (g_strcmp0(expect, "no-xfrmi") == 0)
		return case_iface_missing(kb, &caps);
	CHECK(caps.interfaces, "iproute2 made an XFRM interface but the probe says no");
	return case_iface_present(kb);
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (g_str_equal(c, "spi"))
		return case_spi();
	if (g_str_equal(c, "policy"))
		return case_policy();
	if (g_str_equal(c, "acquire"))
		return case_acquire();
	if (g_str_equal(c, "shunt"))
		return case_shunt();
	if (g_str_equal(c, "flush"))
		return case_flush();
	if (g_str_equal(c, "stale"))
		return case_stale();
	if (g_str_equal(c, "probe"))
		return case_probe(argc > 2 ? argv[2] : "");
	if (g_str_equal(c, "sa"))
		return case_sa();
	if (g_str_equal(c, "ipcomp-policy"))
		return case_ipcomp_policy();
	if (g_str_equal(c, "ipcomp-sa"))
		return case_ipcomp_sa(argc > 2 ? argv[2] : "");
	if (g_str_equal(c, "iface"))
		return case_iface(argc > 2 ? argv[2] : "");
	fprintf(stderr,
	        "usage: %s spi|policy|acquire|shunt|flush|stale|probe no-esp|esp|sa|"
	        "ipcomp-policy|ipcomp-sa no-ipcomp|ipcomp|iface no-xfrmi|xfrmi\n",
	        argv[0]);
	return 2;
}
