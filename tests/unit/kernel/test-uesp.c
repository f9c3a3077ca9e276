/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace ESP backend end to end without a TUN device: two detached
 * backends pass packets to each other through the ops table, for every
 * algorithm, with drop counting per reason (globally and per SA), policies
 * and ACQUIRE, soft/hard lifetimes, NAT-T mapping events and SA updates.
 */
#include "kernel-test-util.h"
#include "uesp.h"

#define SPI_AB 0xa0000001u
#define SPI_BA 0xb0000001u

typedef struct {
	GPtrArray *net; /* GBytes sent to the network */
	GPtrArray *tun; /* GBytes written to the TUN */
	guint16 last_port;
} Outbox;

static void
collect(const guint8 *pkt, gsize len, const KernelAddr *dst, guint16 port, gpointer data)
{
	Outbox *o = data;

	g_ptr_array_add(dst != NULL ? o->net : o->tun, g_bytes_new(pkt, len));
	if (dst != NULL)
		o->last_port = port;
}

typedef struct {
	KernelBackend *a, *b;
	Outbox oa, ob;
	GPtrArray *events; /* KernelEvent copies */
	KernelAddr addr_a, addr_b;
	KernelTs ts_a, ts_b;
} Fixture;

static void
on_event(const KernelEvent *ev, gpointer data)
{
	Fixture *f = data;

	g_ptr_array_add(f->events, g_memdup2(ev, sizeof(*ev)));
}

static void
drain_events(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	memset(f, 0, sizeof(*f));
	f->oa.net = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	f->oa.tun = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	f->ob.net = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	f->ob.tun = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->a = kernel_uesp_new_detached(collect, &f->oa);
	f->b = kernel_uesp_new_detached(collect, &f->ob);
	kernel_backend_set_event_func(f->a, on_event, f);
	kernel_backend_set_event_func(f->b, on_event, f);
	g_assert_true(kernel_addr_parse("192.0.2.1", &f->addr_a));
	g_assert_true(kernel_addr_parse("192.0.2.2", &f->addr_b));
	f->ts_a = test_ts("198.51.100.1", 32);
	f->ts_b = test_ts("198.51.100.2", 32);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	kernel_backend_free(f->a);
	kernel_backend_free(f->b);
	drain_events();
	g_ptr_array_unref(f->oa.net);
	g_ptr_array_unref(f->oa.tun);
	g_ptr_array_unref(f->ob.net);
	g_ptr_array_unref(f->ob.tun);
	g_ptr_array_unref(f->events);
}

/* Fills an SA from @from's point of view. */
static void
make_sa(Fixture *f, KernelSa *sa, const TestKeys *k, gboolean a_side, KernelDir dir, guint32 spi)
{
	const KernelAddr *me = a_side ? &f->addr_a : &f->addr_b;
	const KernelAddr *peer = a_side ? &f->addr_b : &f->addr_a;

	memset(sa, 0, sizeof(*sa));
	sa->src = dir == KERNEL_DIR_OUT ? *me : *peer;
	sa->dst = dir == KERNEL_DIR_OUT ? *peer : *me;
	sa->spi = spi;
	sa->proto = KERNEL_PROTO_ESP;
	sa->mode = KERNEL_MODE_TUNNEL;
	sa->dir = dir;
	sa->reqid = 1;
	sa->encr = k->encr;
	sa->encr_key = k->ekey;
	sa->encr_key_len = k->ekey_len;
	sa->integ = k->integ;
	sa->integ_key = k->ikey;
	sa->integ_key_len = k->ikey_len;
	sa->replay_window = 32;
	sa->encap = TRUE;
	sa->encap_sport = 4500;
	sa->encap_dport = 4500;
	sa->ts_local = a_side ? &f->ts_a : &f->ts_b;
	sa->n_ts_local = 1;
	sa->ts_remote = a_side ? &f->ts_b : &f->ts_a;
	sa->n_ts_remote = 1;
}

static void
install_pair(Fixture *f, const TestKeys *k, const KernelLifetime *soft, const KernelLifetime *hard)
{
	KernelSa sa;
	g_autoptr(GError) error = NULL;

	make_sa(f, &sa, k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	if (soft != NULL)
		sa.soft = *soft, sa.hard = *hard;
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	make_sa(f, &sa, k, TRUE, KERNEL_DIR_IN, SPI_BA);
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	make_sa(f, &sa, k, FALSE, KERNEL_DIR_OUT, SPI_BA);
	g_assert_true(kernel_backend_add_sa(f->b, &sa, &error));
	make_sa(f, &sa, k, FALSE, KERNEL_DIR_IN, SPI_AB);
	g_assert_true(kernel_backend_add_sa(f->b, &sa, &error));
	g_assert_no_error(error);
}

/* A -> network -> B; returns B's verdict. */
static EspDrop
a_to_b(Fixture *f, const char *src, const char *dst, gsize len)
{
	guint8 inner[2000];
	GBytes *wire;
	EspDrop r;
	gsize n = test_ipv4_packet(inner, src, dst, 1, 0, 0, len);
	guint ntun = f->ob.tun->len;

	r = kernel_uesp_tun_input(f->a, inner, n);
	if (r != ESP_DROP_NONE)
		return r;
	g_assert_cmpuint(f->oa.net->len, >, 0);
	wire = g_ptr_array_index(f->oa.net, f->oa.net->len - 1);
	r = kernel_uesp_net_input(f->b, g_bytes_get_data(wire, NULL), g_bytes_get_size(wire),
	                          &f->addr_a, 4500);
	if (r == ESP_DROP_NONE) {
		GBytes *out = g_ptr_array_index(f->ob.tun, ntun);
		g_assert_cmpmem(g_bytes_get_data(out, NULL), g_bytes_get_size(out), inner, n);
	}
	return r;
}

static void
test_both_ways(Fixture *f, gconstpointer data)
{
	const TestSuite *s = data;
	TestKeys k;
	KernelSaId id = {.spi = SPI_AB, .proto = KERNEL_PROTO_ESP};
	KernelSaStats st;
	g_autoptr(GError) error = NULL;
	guint8 inner[200];
	gsize n;

	test_keys_init(&k, s->encr, s->bits, s->integ, 77);
	install_pair(f, &k, NULL, NULL);
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 84), ==, ESP_DROP_NONE);
	/* And back: B -> A. */
	n = test_ipv4_packet(inner, "198.51.100.2", "198.51.100.1", 1, 0, 0, 100);
	g_assert_cmpint(kernel_uesp_tun_input(f->b, inner, n), ==, ESP_DROP_NONE);
	g_assert_cmpuint(f->ob.last_port, ==, 4500);
	GBytes *w = g_ptr_array_index(f->ob.net, 0);
	g_assert_cmpint(kernel_uesp_net_input(f->a, g_bytes_get_data(w, NULL), g_bytes_get_size(w),
	                                      &f->addr_b, 4500),
	                ==, ESP_DROP_NONE);

	g_assert_true(kernel_backend_query_sa(f->a, &id, &st, &error));
	g_assert_cmpuint(st.packets, ==, 5);
	g_assert_cmpuint(st.bytes, ==, 5 * 84);
	g_assert_cmpint(st.add_time, >, 0);
	g_assert_cmpint(st.use_time, >=, st.add_time);
	g_assert_true(kernel_backend_query_sa(f->b, &id, &st, &error));
	g_assert_cmpuint(st.packets, ==, 5);
	id.spi = SPI_BA;
	g_assert_true(kernel_backend_query_sa(f->a, &id, &st, &error));
	g_assert_cmpuint(st.packets, ==, 1);
	g_assert_cmpuint(st.drops, ==, 0);
}

static void
test_drop_counters(Fixture *f, gconstpointer data)
{
	TestKeys k;
	EspCounters c, g;
	GBytes *w;
	const guint8 *p;
	gsize len;
	g_autofree guint8 *buf = g_malloc0(ESP_MAX_PACKET + 10);
	guint8 inner[100];

	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 256, CRYPTO_AUTH_NONE, 3);
	install_pair(f, &k, NULL, NULL);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 84), ==, ESP_DROP_NONE);
	w = g_ptr_array_index(f->oa.net, 0);
	p = g_bytes_get_data(w, &len);

	/* Replay of the same packet. */
	g_assert_cmpint(kernel_uesp_net_input(f->b, p, len, &f->addr_a, 4500), ==, ESP_DROP_REPLAY);
	/* A fresh packet with one bit flipped in the ciphertext. */
	g_assert_cmpint(kernel_uesp_tun_input(f->a, inner,
	                                      test_ipv4_packet(inner, "198.51.100.1",
	                                                       "198.51.100.2", 1, 0, 0, 84)),
	                ==, ESP_DROP_NONE);
	w = g_ptr_array_index(f->oa.net, 1);
	memcpy(buf, g_bytes_get_data(w, &len), len);
	buf[30] ^= 0x10;
	g_assert_cmpint(kernel_uesp_net_input(f->b, buf, len, &f->addr_a, 4500), ==,
	                ESP_DROP_BAD_ICV);
	buf[30] ^= 0x10;
	/* Unknown SPI. */
	buf[0] ^= 0x40;
	g_assert_cmpint(kernel_uesp_net_input(f->b, buf, len, &f->addr_a, 4500), ==,
	                ESP_DROP_UNKNOWN_SPI);
	buf[0] ^= 0x40;
	/* Truncated at every length. */
	for (gsize l = 0; l < len; l++) {
		EspDrop r = kernel_uesp_net_input(f->b, buf, l, &f->addr_a, 4500);
		g_assert_true(r == ESP_DROP_TRUNCATED || r == ESP_DROP_BAD_ICV ||
		              r == ESP_DROP_NON_ESP);
	}
	/* Oversized. */
	g_assert_cmpint(kernel_uesp_net_input(f->b, buf, ESP_MAX_PACKET + 1, &f->addr_a, 4500), ==,
	                ESP_DROP_OVERSIZED);
	/* RFC 3948 keepalive and the non-ESP marker. */
	guint8 ka = 0xff, marker[12] = {0};
	g_assert_cmpint(kernel_uesp_net_input(f->b, &ka, 1, &f->addr_a, 4500), ==,
	                ESP_DROP_NON_ESP);
	g_assert_cmpint(kernel_uesp_net_input(f->b, marker, sizeof(marker), &f->addr_a, 4500), ==,
	                ESP_DROP_NON_ESP);
	/* The untouched packet still goes through after all that. */
	g_assert_cmpint(kernel_uesp_net_input(f->b, buf, len, &f->addr_a, 4500), ==, ESP_DROP_NONE);

	g_assert_true(kernel_uesp_get_counters(f->b, 0, &g));
	g_assert_true(kernel_uesp_get_counters(f->b, SPI_AB, &c));
	g_assert_cmpuint(g.drops[ESP_DROP_REPLAY], ==, 1);
	g_assert_cmpuint(c.drops[ESP_DROP_REPLAY], ==, 1);
	g_assert_cmpuint(c.drops[ESP_DROP_BAD_ICV], ==, g.drops[ESP_DROP_BAD_ICV]);
	g_assert_cmpuint(g.drops[ESP_DROP_BAD_ICV], >=, 1);
	g_assert_cmpuint(g.drops[ESP_DROP_UNKNOWN_SPI], ==, 1);
	g_assert_cmpuint(c.drops[ESP_DROP_UNKNOWN_SPI], ==, 0);
	g_assert_cmpuint(g.drops[ESP_DROP_TRUNCATED], >=, 1);
	g_assert_cmpuint(g.drops[ESP_DROP_OVERSIZED], ==, 1);
	g_assert_cmpuint(g.drops[ESP_DROP_NON_ESP], >=, 2);
	g_assert_cmpuint(c.packets, ==, 2);
	g_assert_false(kernel_uesp_get_counters(f->b, 0x12345678, &c));
}

/* B accepts only 198.51.100.1 -> 198.51.100.2; A sends from .9 (its own
 * selectors are wider) and B drops it for the selector. */
static void
test_inner_selector(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelSa sa;
	EspCounters c;
	KernelTs wide = test_ts("198.51.100.0", 24);
	g_autoptr(GError) error = NULL;

	test_keys_init(&k, CRYPTO_ENCR_CHACHA20_POLY1305, 256, CRYPTO_AUTH_NONE, 3);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.ts_local = &wide;
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	make_sa(f, &sa, &k, FALSE, KERNEL_DIR_IN, SPI_AB);
	g_assert_true(kernel_backend_add_sa(f->b, &sa, &error));

	g_assert_cmpint(a_to_b(f, "198.51.100.9", "198.51.100.2", 60), ==, ESP_DROP_SELECTOR);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	/* A has no SA at all for other destinations. */
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "203.0.113.5", 60), ==, ESP_DROP_NO_POLICY);
	g_assert_true(kernel_uesp_get_counters(f->b, SPI_AB, &c));
	g_assert_cmpuint(c.drops[ESP_DROP_SELECTOR], ==, 1);
	g_assert_cmpuint(c.packets, ==, 1);
	g_assert_true(kernel_uesp_get_counters(f->a, 0, &c));
	g_assert_cmpuint(c.drops[ESP_DROP_NO_POLICY], ==, 1);
}

static void
test_policy_acquire(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelSa sa;
	KernelPolicy pol;
	const KernelEvent *ev;
	gint64 use = 0;
	g_autoptr(GError) error = NULL;

	memset(&pol, 0, sizeof(pol));
	pol.src = f->ts_a;
	pol.dst = test_ts("198.51.100.0", 24);
	pol.dir = KERNEL_DIR_OUT;
	pol.action = KERNEL_POLICY_IPSEC;
	pol.trap = TRUE;
	pol.reqid = 42;
	pol.proto = KERNEL_PROTO_ESP;
	pol.priority = 100;
	g_assert_true(kernel_backend_add_policy(f->a, &pol, &error));
	g_assert_false(kernel_backend_add_policy(f->a, &pol, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS);
	g_clear_error(&error);

	/* No SA yet: dropped, one ACQUIRE however many packets. */
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NO_POLICY);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NO_POLICY);
	drain_events();
	g_assert_cmpuint(f->events->len, ==, 1);
	ev = g_ptr_array_index(f->events, 0);
	g_assert_cmpint(ev->type, ==, KERNEL_EVENT_ACQUIRE);
	g_assert_cmpuint(ev->reqid, ==, 42);
	g_assert_true(kernel_ts_contains_addr(&ev->pkt_dst, &f->ts_b.from));
	g_assert_true(kernel_ts_to_prefix(&ev->pkt_dst, NULL, NULL));
	g_assert_true(kernel_ts_contains_addr(&ev->policy_dst, &f->ts_b.from));

	/* The engine negotiates and installs the SA with the policy's reqid. */
	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 3);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.reqid = 42;
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	make_sa(f, &sa, &k, FALSE, KERNEL_DIR_IN, SPI_AB);
	g_assert_true(kernel_backend_add_sa(f->b, &sa, &error));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	g_assert_true(kernel_backend_query_policy(f->a, &pol, &use, &error));
	g_assert_cmpint(use, >, 0);

	/* A drop policy with a better priority shunts the traffic. */
	KernelPolicy shunt = pol;
	shunt.dst = f->ts_b;
	shunt.action = KERNEL_POLICY_DROP;
	shunt.priority = 10;
	g_assert_true(kernel_backend_add_policy(f->a, &shunt, &error));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_POLICY_DROP);
	g_assert_true(kernel_backend_del_policy(f->a, &shunt, &error));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	g_assert_true(kernel_backend_del_policy(f->a, &pol, &error));
	g_assert_false(kernel_backend_del_policy(f->a, &pol, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND);
}

static guint
count_events(Fixture *f, KernelEventType type, gboolean hard)
{
	guint n = 0;

	for (guint i = 0; i < f->events->len; i++) {
		const KernelEvent *ev = g_ptr_array_index(f->events, i);
		if (ev->type == type && ev->hard == hard)
			n++;
	}
	return n;
}

static void
test_lifetimes(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelLifetime soft = {.packets = 2}, hard = {.packets = 3};
	const KernelEvent *ev;

	test_keys_init(&k, CRYPTO_ENCR_AES_CBC, 128, CRYPTO_AUTH_HMAC_SHA2_256_128, 3);
	install_pair(f, &k, &soft, &hard);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	drain_events();
	g_assert_cmpuint(f->events->len, ==, 0);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	drain_events();
	g_assert_cmpuint(count_events(f, KERNEL_EVENT_EXPIRE, FALSE), ==, 1);
	ev = g_ptr_array_index(f->events, 0);
	g_assert_cmphex(ev->sa.spi, ==, SPI_AB);
	g_assert_cmpint(ev->sa.proto, ==, KERNEL_PROTO_ESP);
	g_assert_true(kernel_addr_equal(&ev->sa.dst, &f->addr_b));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	drain_events();
	g_assert_cmpuint(count_events(f, KERNEL_EVENT_EXPIRE, TRUE), ==, 1);
	/* Past the hard limit nothing goes out on that SA. */
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NO_POLICY);
	drain_events();
	g_assert_cmpuint(f->events->len, ==, 2);
}

static void
test_time_lifetimes(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelLifetime soft = {.add_seconds = 10}, hard = {.add_seconds = 20};

	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 3);
	install_pair(f, &k, &soft, &hard);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	kernel_uesp_tick(f->a, now);
	drain_events();
	g_assert_cmpuint(f->events->len, ==, 0);
	kernel_uesp_tick(f->a, now + 11);
	kernel_uesp_tick(f->a, now + 12);
	drain_events();
	g_assert_cmpuint(count_events(f, KERNEL_EVENT_EXPIRE, FALSE), ==, 1);
	kernel_uesp_tick(f->a, now + 21);
	drain_events();
	g_assert_cmpuint(count_events(f, KERNEL_EVENT_EXPIRE, TRUE), ==, 1);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NO_POLICY);
}

static void
test_spi_update_delete(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelSa sa;
	guint32 spi = 0, spi2 = 0;
	KernelSaId id = {.proto = KERNEL_PROTO_ESP};
	KernelSaStats st;
	KernelCaps caps = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(kernel_backend_probe(f->a, &caps, &error));
	g_assert_true(caps.esp && caps.udp_encap && caps.esn);
	g_assert_true(kernel_caps_has_encr(&caps, CRYPTO_ENCR_AES_GCM_16));
	g_assert_true(kernel_caps_has_encr(&caps, CRYPTO_ENCR_CHACHA20_POLY1305));
	g_assert_true(kernel_caps_has_integ(&caps, CRYPTO_AUTH_HMAC_SHA2_256_128));
	g_assert_nonnull(caps.message);
	/* No IPCOMP and no interfaces here: said by the probe, refused below. */
	g_assert_false(caps.ipcomp);
	g_assert_false(caps.interfaces);
	kernel_caps_clear(&caps);

	for (int i = 0; i < 1000; i++) {
		g_assert_true(kernel_backend_get_spi(f->b, &f->addr_a, &f->addr_b, KERNEL_PROTO_ESP,
		                                     1, &spi2, &error));
		g_assert_cmphex(spi2, >=, 0x1000);
	}
	g_assert_false(kernel_backend_get_spi(f->b, &f->addr_a, &f->addr_b, KERNEL_PROTO_AH, 1,
	                                      &spi2, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_false(kernel_backend_get_spi(f->b, &f->addr_a, &f->addr_b, KERNEL_PROTO_COMP, 1,
	                                      &spi2, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_false(kernel_backend_add_interface(f->b, "ipsec1", 1, 0, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_true(kernel_backend_get_spi(f->b, &f->addr_a, &f->addr_b, KERNEL_PROTO_ESP, 1,
	                                     &spi, &error));

	/* The allocated SPI is filled in with update_sa (xfrm's larval SA). */
	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 3);
	make_sa(f, &sa, &k, FALSE, KERNEL_DIR_IN, spi);
	g_assert_true(kernel_backend_update_sa(f->b, &sa, &error));
	g_assert_false(kernel_backend_add_sa(f->b, &sa, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_EXISTS);
	g_clear_error(&error);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, spi);
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);

	/* Moving A's SA to a new port keeps its sequence numbers: B's replay
	 * window still accepts the next packet, and the port is used. */
	sa.encap_dport = 4600;
	g_assert_true(kernel_backend_update_sa(f->a, &sa, &error));
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_NONE);
	g_assert_cmpuint(f->oa.last_port, ==, 4600);
	id.spi = spi;
	g_assert_true(kernel_backend_query_sa(f->a, &id, &st, &error));
	g_assert_cmpuint(st.packets, ==, 2);

	/* An empty TUN read is a malformed inner packet, not a crash. */
	g_assert_cmpint(kernel_uesp_tun_input(f->a, (const guint8 *) "", 0), ==,
	                ESP_DROP_BAD_INNER);
	/* B hears A from a new source port: a MAPPING event. */
	guint8 inner[60];
	gsize n = test_ipv4_packet(inner, "198.51.100.1", "198.51.100.2", 1, 0, 0, 60);
	g_assert_cmpint(kernel_uesp_tun_input(f->a, inner, n), ==, ESP_DROP_NONE);
	GBytes *w = g_ptr_array_index(f->oa.net, f->oa.net->len - 1);
	g_assert_cmpint(kernel_uesp_net_input(f->b, g_bytes_get_data(w, NULL), g_bytes_get_size(w),
	                                      &f->addr_a, 31000),
	                ==, ESP_DROP_NONE);
	drain_events();
	g_assert_cmpuint(count_events(f, KERNEL_EVENT_MAPPING, FALSE), ==, 1);
	const KernelEvent *ev = g_ptr_array_index(f->events, 0);
	g_assert_cmpuint(ev->new_port, ==, 31000);
	g_assert_cmphex(ev->sa.spi, ==, spi);

	g_assert_true(kernel_backend_del_sa(f->b, &id, &error));
	g_assert_false(kernel_backend_del_sa(f->b, &id, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(kernel_backend_query_sa(f->b, &id, &st, &error));
	g_clear_error(&error);
	g_assert_cmpint(a_to_b(f, "198.51.100.1", "198.51.100.2", 60), ==, ESP_DROP_UNKNOWN_SPI);
	g_assert_true(kernel_backend_flush_own(f->a, &error));
	g_assert_false(kernel_backend_query_sa(f->a, &id, &st, &error));
}

static void
test_bad_sa(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelSa sa;
	g_autoptr(GError) error = NULL;

	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 3);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.proto = KERNEL_PROTO_AH;
	g_assert_false(kernel_backend_add_sa(f->a, &sa, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.ipcomp = KERNEL_IPCOMP_DEFLATE;
	g_assert_false(kernel_backend_add_sa(f->a, &sa, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.n_ts_remote = 0;
	g_assert_false(kernel_backend_add_sa(f->a, &sa, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
	g_clear_error(&error);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.encr_key_len = 3;
	g_assert_false(kernel_backend_add_sa(f->a, &sa, &error));
	g_assert_error(error, KERNEL_ERROR, KERNEL_ERROR_INVALID);
}

/* Transport mode: B rebuilds the IP header from the SA's addresses. */
static void
test_transport(Fixture *f, gconstpointer data)
{
	TestKeys k;
	KernelSa sa;
	KernelTs host_a, host_b;
	guint8 inner[100];
	gsize n;
	EspInner in;
	GBytes *w, *out;
	g_autoptr(GError) error = NULL;

	kernel_ts_from_prefix(&host_a, &f->addr_a, 32, 0);
	kernel_ts_from_prefix(&host_b, &f->addr_b, 32, 0);
	test_keys_init(&k, CRYPTO_ENCR_AES_GCM_16, 128, CRYPTO_AUTH_NONE, 3);
	make_sa(f, &sa, &k, TRUE, KERNEL_DIR_OUT, SPI_AB);
	sa.mode = KERNEL_MODE_TRANSPORT;
	sa.ts_local = &host_a;
	sa.ts_remote = &host_b;
	g_assert_true(kernel_backend_add_sa(f->a, &sa, &error));
	make_sa(f, &sa, &k, FALSE, KERNEL_DIR_IN, SPI_AB);
	sa.mode = KERNEL_MODE_TRANSPORT;
	sa.ts_local = &host_b;
	sa.ts_remote = &host_a;
	g_assert_true(kernel_backend_add_sa(f->b, &sa, &error));

	n = test_ipv4_packet(inner, "192.0.2.1", "192.0.2.2", 17, 1111, 2222, 64);
	g_assert_cmpint(kernel_uesp_tun_input(f->a, inner, n), ==, ESP_DROP_NONE);
	w = g_ptr_array_index(f->oa.net, 0);
	g_assert_cmpint(kernel_uesp_net_input(f->b, g_bytes_get_data(w, NULL), g_bytes_get_size(w),
	                                      &f->addr_a, 4500),
	                ==, ESP_DROP_NONE);
	out = g_ptr_array_index(f->ob.tun, 0);
	g_assert_cmpuint(g_bytes_get_size(out), ==, n);
	g_assert_true(esp_inner_parse(g_bytes_get_data(out, NULL), n, &in));
	g_assert_cmpuint(in.proto, ==, 17);
	g_assert_cmpuint(in.dport, ==, 2222);
	/* Same transport payload. */
	g_assert_cmpmem((const guint8 *) g_bytes_get_data(out, NULL) + 20, n - 20, inner + 20,
	                n - 20);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(crypto_nss_init_nodb(NULL));
	for (guint i = 0; i < G_N_ELEMENTS(test_suites); i++) {
		g_autofree char *path =
		        g_strdup_printf("/kernel/uesp/both-ways/%s", test_suites[i].name);
		g_test_add(path, Fixture, &test_suites[i], fixture_setup, test_both_ways,
		           fixture_teardown);
	}
	g_test_add("/kernel/uesp/drop-counters", Fixture, NULL, fixture_setup, test_drop_counters,
	           fixture_teardown);
	g_test_add("/kernel/uesp/inner-selector", Fixture, NULL, fixture_setup, test_inner_selector,
	           fixture_teardown);
	g_test_add("/kernel/uesp/policy-acquire", Fixture, NULL, fixture_setup, test_policy_acquire,
	           fixture_teardown);
	g_test_add("/kernel/uesp/lifetimes", Fixture, NULL, fixture_setup, test_lifetimes,
	           fixture_teardown);
	g_test_add("/kernel/uesp/time-lifetimes", Fixture, NULL, fixture_setup, test_time_lifetimes,
	           fixture_teardown);
	g_test_add("/kernel/uesp/spi-update-delete", Fixture, NULL, fixture_setup,
	           test_spi_update_delete, fixture_teardown);
	g_test_add("/kernel/uesp/bad-sa", Fixture, NULL, fixture_setup, test_bad_sa,
	           fixture_teardown);
	g_test_add("/kernel/uesp/transport", Fixture, NULL, fixture_setup, test_transport,
	           fixture_teardown);
	return g_test_run();
}
