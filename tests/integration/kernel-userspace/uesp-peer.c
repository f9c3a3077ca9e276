/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uesp-peer: one userspace ESP endpoint for the netns integration test and
 * the benchmark.  It creates the "userspace" backend (TUN, routes, ESP
 * socket), installs one outbound and one inbound SA with keys given on the
 * command line, and runs until SIGTERM/SIGINT.  SIGUSR1 writes the counters
 * to --stats:
 *   sa out spi=... packets=N bytes=N drops=N
 *   sa in spi=... packets=N bytes=N replay=N bad-icv=N ...
 *   global unknown-spi=N ...
 */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "nss-init.h"
#include "uesp.h"

static char *opt_tun = NULL, *opt_local = NULL, *opt_remote = NULL;
static char *opt_local_ts = NULL, *opt_remote_ts = NULL;
static char *opt_spi_out = NULL, *opt_spi_in = NULL;
static char *opt_encr = NULL, *opt_integ = NULL, *opt_ekey = NULL, *opt_ikey = NULL;
static char *opt_stats = NULL;
static gint opt_bits = 128, opt_port = 4500;
static gboolean opt_raw = FALSE, opt_esn = FALSE;

static GOptionEntry entries[] = {
        {"tun", 0, 0, G_OPTION_ARG_STRING, &opt_tun, "TUN device name", "NAME"},
        {"local", 0, 0, G_OPTION_ARG_STRING, &opt_local, "local outer address", "ADDR"},
        {"remote", 0, 0, G_OPTION_ARG_STRING, &opt_remote, "remote outer address", "ADDR"},
        {"local-ts", 0, 0, G_OPTION_ARG_STRING, &opt_local_ts, "local selector", "ADDR/LEN"},
        {"remote-ts", 0, 0, G_OPTION_ARG_STRING, &opt_remote_ts, "remote selector", "ADDR/LEN"},
        {"spi-out", 0, 0, G_OPTION_ARG_STRING, &opt_spi_out, "outbound SPI (hex)", "HEX"},
        {"spi-in", 0, 0, G_OPTION_ARG_STRING, &opt_spi_in, "inbound SPI (hex)", "HEX"},
        {"encr", 0, 0, G_OPTION_ARG_STRING, &opt_encr, "IANA name, e.g. ENCR_AES_GCM_16", "NAME"},
        {"bits", 0, 0, G_OPTION_ARG_INT, &opt_bits, "key bits", "N"},
        {"integ", 0, 0, G_OPTION_ARG_STRING, &opt_integ, "IANA name (CBC only)", "NAME"},
        {"ekey", 0, 0, G_OPTION_ARG_STRING, &opt_ekey, "encryption keymat (hex, truncated)", "HEX"},
        {"ikey", 0, 0, G_OPTION_ARG_STRING, &opt_ikey, "integrity key (hex, truncated)", "HEX"},
        {"port", 0, 0, G_OPTION_ARG_INT, &opt_port, "ESP-in-UDP port", "PORT"},
        {"raw", 0, 0, G_OPTION_ARG_NONE, &opt_raw, "raw ESP instead of UDP", NULL},
        {"esn", 0, 0, G_OPTION_ARG_NONE, &opt_esn, "extended sequence numbers", NULL},
        {"stats", 0, 0, G_OPTION_ARG_FILENAME, &opt_stats, "counters file (SIGUSR1)", "FILE"},
        {NULL},
};

typedef struct {
	KernelBackend *kb;
	GMainLoop *loop;
	guint32 spi_out, spi_in;
} Peer;

static gsize
unhex(const char *hex, guint8 *out, gsize want)
{
	gsize n = 0;

	for (; hex != NULL && hex[0] && hex[1] && n < want; hex += 2)
		out[n++] =
		        (guint8) (g_ascii_xdigit_value(hex[0]) << 4 | g_ascii_xdigit_value(hex[1]));
	return n;
}

static gboolean
parse_ts(const char *text, KernelTs *ts)
{
	g_auto(GStrv) parts = g_strsplit(text != NULL ? text : "", "/", 2);
	KernelAddr a;

	if (parts[0] == NULL || !kernel_addr_parse(parts[0], &a))
		return FALSE;
	kernel_ts_from_prefix(ts, &a, parts[1] != NULL ? (guint) atoi(parts[1]) : 128, 0);
	return TRUE;
}

static void
write_counters(FILE *f, const char *prefix, const EspCounters *c)
{
	fprintf(f, "%s packets=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT, prefix, c->packets,
	        c->bytes);
	for (guint i = ESP_DROP_NONE + 1; i < ESP_DROP_N; i++)
		fprintf(f, " %s=%" G_GUINT64_FORMAT, esp_drop_name(i), c->drops[i]);
	fputc('\n', f);
}

static gboolean
on_usr1(gpointer data)
{
	Peer *p = data;
	EspCounters c;
	g_autofree char *tmp = g_strconcat(opt_stats, ".tmp", NULL);
	FILE *f = fopen(tmp, "w");
	char prefix[64];

	if (f == NULL)
		return G_SOURCE_CONTINUE;
	if (kernel_uesp_get_counters(p->kb, p->spi_out, &c)) {
		g_snprintf(prefix, sizeof(prefix), "sa out spi=%08x", p->spi_out);
		write_counters(f, prefix, &c);
	}
	if (kernel_uesp_get_counters(p->kb, p->spi_in, &c)) {
		g_snprintf(prefix, sizeof(prefix), "sa in spi=%08x", p->spi_in);
		write_counters(f, prefix, &c);
	}
	kernel_uesp_get_counters(p->kb, 0, &c);
	write_counters(f, "global", &c);
	fclose(f);
	rename(tmp, opt_stats);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_term(gpointer data)
{
	g_main_loop_quit(((Peer *) data)->loop);
	return G_SOURCE_REMOVE;
}

static void
on_event(const KernelEvent *ev, gpointer data)
{
	g_message("event %s spi=%08x hard=%d", kernel_event_type_name(ev->type), ev->sa.spi,
	          ev->hard);
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- userspace ESP test peer");
	g_autoptr(GError) error = NULL;
	KernelConfig cfg;
	KernelSa sa;
	KernelTs lts, rts;
	KernelAddr local, remote;
	guint8 ekey[64], ikey[64];
	Peer p = {0};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("uesp-peer: %s\n", error->message);
		return 1;
	}
	if (!kernel_addr_parse(opt_local, &local) || !kernel_addr_parse(opt_remote, &remote) ||
	    !parse_ts(opt_local_ts, &lts) || !parse_ts(opt_remote_ts, &rts) ||
	    opt_spi_out == NULL || opt_spi_in == NULL || opt_encr == NULL || opt_stats == NULL) {
		g_printerr("uesp-peer: --local --remote --local-ts --remote-ts --spi-out --spi-in "
		           "--encr --stats are required\n");
		return 1;
	}
	if (!crypto_nss_init_nodb(&error)) {
		g_printerr("uesp-peer: %s\n", error->message);
		return 1;
	}
	kernel_config_init(&cfg);
	if (opt_tun != NULL)
		cfg.tun_name = opt_tun;
	cfg.encap_port = (guint16) opt_port;
	p.kb = kernel_backend_new("userspace", &cfg, &error);
	if (p.kb == NULL) {
		g_printerr("uesp-peer: %s\n", error->message);
		return 1;
	}
	kernel_backend_set_event_func(p.kb, on_event, &p);
	p.spi_out = (guint32) g_ascii_strtoull(opt_spi_out, NULL, 16);
	p.spi_in = (guint32) g_ascii_strtoull(opt_spi_in, NULL, 16);

	memset(&sa, 0, sizeof(sa));
	sa.proto = KERNEL_PROTO_ESP;
	sa.mode = KERNEL_MODE_TUNNEL;
	sa.reqid = 1;
	sa.encr = crypto_encr_alg_by_name(opt_encr);
	sa.integ = opt_integ != NULL ? crypto_integ_alg_by_name(opt_integ) : NULL;
	if (sa.encr == NULL || (opt_integ != NULL && sa.integ == NULL)) {
		g_printerr("uesp-peer: unknown algorithm\n");
		return 1;
	}
	sa.encr_key_len =
	        unhex(opt_ekey, ekey, crypto_encr_alg_keymat_len(sa.encr, (guint) opt_bits));
	sa.encr_key = ekey;
	if (sa.integ != NULL) {
		sa.integ_key_len = unhex(opt_ikey, ikey, sa.integ->key_size);
		sa.integ_key = ikey;
	}
	sa.esn = opt_esn;
	sa.replay_window = 64;
	sa.encap = !opt_raw;
	sa.encap_sport = sa.encap_dport = (guint16) opt_port;

	sa.dir = KERNEL_DIR_OUT;
	sa.src = local;
	sa.dst = remote;
	sa.spi = p.spi_out;
	sa.ts_local = &lts;
	sa.n_ts_local = 1;
	sa.ts_remote = &rts;
	sa.n_ts_remote = 1;
	if (!kernel_backend_add_sa(p.kb, &sa, &error))
		goto fail;
	sa.dir = KERNEL_DIR_IN;
	sa.src = remote;
	sa.dst = local;
	sa.spi = p.spi_in;
	if (!kernel_backend_add_sa(p.kb, &sa, &error))
		goto fail;

	p.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGUSR1, on_usr1, &p);
	g_unix_signal_add(SIGTERM, on_term, &p);
	g_unix_signal_add(SIGINT, on_term, &p);
	on_usr1(&p); /* the stats file also says "ready" */
	g_main_loop_run(p.loop);
	g_main_loop_unref(p.loop);
	kernel_backend_free(p.kb);
	return 0;
fail:
	g_printerr("uesp-peer: %s\n", error->message);
	kernel_backend_free(p.kb);
	return 1;
}
