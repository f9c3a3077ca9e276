/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.h: address and selector helpers, the factory, NULL-safe dispatch,
 * event delivery to the main context from another thread, and the mock.
 */
#include <string.h>
#include <sys/socket.h>

#include "kernel.h"
#include "mock.h"

static void
test_addr(void)
{
	KernelAddr a, b;
	char buf[64];

	g_assert_true(kernel_addr_parse("192.0.2.1", &a));
	g_assert_cmpuint(a.family, ==, AF_INET);
	g_assert_cmpuint(kernel_addr_len(&a), ==, 4);
	g_assert_cmpstr(kernel_addr_to_string(&a, buf, sizeof(buf)), ==, "192.0.2.1");
	g_assert_true(kernel_addr_parse("2001:db8::1", &b));
	g_assert_cmpuint(kernel_addr_len(&b), ==, 16);
	g_assert_cmpstr(kernel_addr_to_string(&b, buf, sizeof(buf)), ==, "2001:db8::1");
	g_assert_false(kernel_addr_equal(&a, &b));
	g_assert_false(kernel_addr_parse("192.0.2", &a));
	g_assert_false(kernel_addr_parse(NULL, &a));
	g_assert_cmpuint(kernel_addr_len(&a), ==, 0);
	g_assert_cmpstr(kernel_addr_to_string(&a, buf, sizeof(buf)), ==, "%any");
}

static void
test_ts(void)
{
	KernelAddr a, net, x;
	KernelTs ts;
	guint plen = 0;
	g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;

	g_assert_true(kernel_addr_parse("198.51.100.77", &a));
	kernel_ts_from_prefix(&ts, &a, 24, 0);
	g_assert_true(kernel_ts_to_prefix(&ts, &net, &plen));
	g_assert_cmpuint(plen, ==, 24);
	s1 = kernel_ts_to_string(&ts);
	g_assert_cmpstr(s1, ==, "198.51.100.0/24");
	g_assert_true(kernel_addr_parse("198.51.100.255", &x));
	g_assert_true(kernel_ts_contains_addr(&ts, &x));
	g_assert_true(kernel_addr_parse("198.51.101.0", &x));
	g_assert_false(kernel_ts_contains_addr(&ts, &x));
	/* A range that is not a CIDR block. */
	g_assert_true(kernel_addr_parse("198.51.100.5", &ts.to));
	g_assert_false(kernel_ts_to_prefix(&ts, &net, &plen));
	s2 = kernel_ts_to_string(&ts);
	g_assert_cmpstr(s2, ==, "198.51.100.0..198.51.100.5");
	/* Host and all-addresses prefixes, ports and protocol. */
	g_assert_true(kernel_addr_parse("2001:db8::1", &a));
	kernel_ts_from_prefix(&ts, &a, 128, 17);
	g_assert_true(kernel_ts_to_prefix(&ts, NULL, &plen));
	g_assert_cmpuint(plen, ==, 128);
	ts.from_port = ts.to_port = 53;
	s3 = kernel_ts_to_string(&ts);
	g_assert_cmpstr(s3, ==, "2001:db8::1/128[17/53]");
	g_assert_true(kernel_ts_match(&ts, &a, 17, 53));
	g_assert_false(kernel_ts_match(&ts, &a, 17, 54));
	g_assert_false(kernel_ts_match(&ts, &a, 6, 53));
	kernel_ts_from_prefix(&ts, &a, 0, 0);
	g_assert_true(kernel_ts_to_prefix(&ts, NULL, &plen));
	g_assert_cmpuint(plen, ==, 0);
	g_assert_true(kernel_ts_match(&ts, &a, 6, 1));
}

static void
test_factory_and_dispatch(void)
{
	g_autoptr(GError) error = NULL;
	KernelBackend *kb;
	KernelSaId id = {0};

	kb = kernel_backend_new("nonsense", NULL, &error);
	g_assert_null(kb);
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	/* NULL-safe wrappers. */
	g_assert_false(kernel_backend_del_sa(NULL, &id, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	kernel_backend_free(NULL);
	g_assert_null(kernel_backend_get_name(NULL));

	/* The mock has no esp_input and no query_policy. */
	kb = mock_kernel_new();
	g_assert_cmpstr(kernel_backend_get_name(kb), ==, "mock");
	g_assert_false(kernel_backend_esp_input(kb, (const guint8 *) "x", 1, NULL, 0, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "esp_input"));
	kernel_backend_free(kb);
}

static void
test_mock(void)
{
	g_autoptr(KernelBackend) kb = mock_kernel_new();
	g_autoptr(GError) error = NULL;
	KernelAddr a, b;
	KernelSa sa = {0};
	KernelSaId id;
	KernelSaStats st = {.packets = 9}, got;
	KernelPolicy pol = {0};
	guint8 key[20] = {1, 2, 3};
	guint32 spi = 0;
	GPtrArray *calls = mock_kernel_get_calls(kb);

	kernel_addr_parse("192.0.2.1", &a);
	kernel_addr_parse("192.0.2.2", &b);
	g_assert_true(kernel_backend_get_spi(kb, &b, &a, KERNEL_PROTO_ESP, 5, &spi, &error));
	g_assert_cmphex(spi, ==, 0xc0000001u);
	sa.src = b;
	sa.dst = a;
	sa.spi = spi;
	sa.proto = KERNEL_PROTO_ESP;
	sa.dir = KERNEL_DIR_IN;
	sa.reqid = 5;
	sa.encr = crypto_encr_alg_by_id(CRYPTO_ENCR_AES_GCM_16);
	sa.encr_key = key;
	sa.encr_key_len = sizeof(key);
	g_assert_true(kernel_backend_add_sa(kb, &sa, &error));
	memset(key, 0, sizeof(key)); /* the mock kept its own copy */
	g_assert_cmpuint(((KernelSa *) g_ptr_array_index(mock_kernel_get_sas(kb), 0))->encr_key[0],
	                 ==, 1);
	kernel_sa_get_id(&sa, &id);
	mock_kernel_set_stats(kb, spi, &st);
	g_assert_true(kernel_backend_query_sa(kb, &id, &got, &error));
	g_assert_cmpuint(got.packets, ==, 9);

	kernel_ts_from_prefix(&pol.src, &a, 32, 0);
	kernel_ts_from_prefix(&pol.dst, &b, 24, 0);
	pol.dir = KERNEL_DIR_OUT;
	pol.reqid = 5;
	g_assert_true(kernel_backend_add_policy(kb, &pol, &error));
	g_assert_cmpuint(mock_kernel_get_policies(kb)->len, ==, 1);
	mock_kernel_fail_next(kb, "del_sa", KERNEL_ERROR_FAILED);
	g_assert_false(kernel_backend_del_sa(kb, &id, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_true(kernel_backend_del_sa(kb, &id, &error));
	g_assert_true(kernel_backend_del_policy(kb, &pol, &error));
	g_assert_true(kernel_backend_flush_own(kb, &error));

	g_assert_cmpuint(calls->len, ==, 8);
	g_assert_cmpstr(g_ptr_array_index(calls, 0), ==, "get_spi esp reqid=5");
	g_assert_cmpstr(g_ptr_array_index(calls, 1), ==,
	                "add_sa in spi=c0000001 reqid=5 ENCR_AES_GCM_16");
	g_assert_cmpstr(g_ptr_array_index(calls, 3), ==,
	                "add_policy out ipsec 192.0.2.1/32 === 192.0.2.0/24 reqid=5");
	mock_kernel_clear_calls(kb);
	g_assert_cmpuint(calls->len, ==, 0);

	/* XFRM interfaces: recorded, and gone with flush_own. */
	g_assert_true(kernel_backend_add_interface(kb, "ipsec1", 7, 2, &error));
	g_assert_false(kernel_backend_add_interface(kb, "ipsec1", 7, 2, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_true(kernel_backend_add_interface_addr(kb, "ipsec1", &a, 24, &error));
	g_assert_true(kernel_backend_del_interface(kb, "ipsec1", &error));
	g_assert_false(kernel_backend_add_interface_addr(kb, "ipsec1", &a, 24, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(kernel_backend_add_interface(kb, "ipsec2", 8, 0, &error));
	g_assert_true(kernel_backend_flush_own(kb, &error));
	g_assert_false(kernel_backend_del_interface(kb, "ipsec2", &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpstr(g_ptr_array_index(calls, 0), ==, "add_interface ipsec1 if_id=7 link=2");
	g_assert_cmpstr(g_ptr_array_index(calls, 2), ==, "add_interface_addr ipsec1 192.0.2.1/24");
	g_assert_cmpstr(g_ptr_array_index(calls, 3), ==, "del_interface ipsec1");
}

typedef struct {
	KernelBackend *kb;
	GThread *main_thread;
	guint got;
	gboolean on_main;
} EventCtx;

static void
on_event(const KernelEvent *ev, gpointer data)
{
	EventCtx *c = data;

	g_assert_cmpint(ev->type, ==, KERNEL_EVENT_EXPIRE);
	g_assert_true(ev->hard);
	c->on_main = g_thread_self() == c->main_thread;
	c->got++;
}

static gpointer
raise_from_thread(gpointer data)
{
	EventCtx *c = data;
	KernelEvent ev = {.type = KERNEL_EVENT_EXPIRE, .hard = TRUE};

	mock_kernel_raise(c->kb, &ev);
	return NULL;
}

static void
test_events_main_context(void)
{
	EventCtx c = {0};
	GThread *t;

	c.kb = mock_kernel_new();
	c.main_thread = g_thread_self();
	kernel_backend_set_event_func(c.kb, on_event, &c);
	t = g_thread_new("raiser", raise_from_thread, &c);
	g_thread_join(t);
	g_assert_cmpuint(c.got, ==, 0);
	while (c.got == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(c.on_main);
	kernel_backend_set_event_func(c.kb, NULL, NULL);
	raise_from_thread(&c);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(c.got, ==, 1);
	kernel_backend_free(c.kb);
}

static void
test_names(void)
{
	g_assert_cmpstr(kernel_proto_name(KERNEL_PROTO_ESP), ==, "esp");
	g_assert_cmpstr(kernel_proto_name(KERNEL_PROTO_COMP), ==, "comp");
	g_assert_cmpstr(kernel_ipcomp_name(KERNEL_IPCOMP_DEFLATE), ==, "deflate");
	g_assert_cmpstr(kernel_mode_name(KERNEL_MODE_TRANSPORT), ==, "transport");
	g_assert_cmpstr(kernel_dir_name(KERNEL_DIR_FWD), ==, "fwd");
	g_assert_cmpstr(kernel_policy_action_name(KERNEL_POLICY_REJECT), ==, "reject");
	g_assert_cmpstr(kernel_event_type_name(KERNEL_EVENT_ACQUIRE), ==, "acquire");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kernel/addr", test_addr);
	g_test_add_func("/kernel/ts", test_ts);
	g_test_add_func("/kernel/factory-dispatch", test_factory_and_dispatch);
	g_test_add_func("/kernel/mock", test_mock);
	g_test_add_func("/kernel/events-main-context", test_events_main_context);
	g_test_add_func("/kernel/names", test_names);
	return g_test_run();
}
