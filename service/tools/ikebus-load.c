/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-load: an IKEv2 load generator.  Sets up --count IKE SAs (each with
 * a Child SA unless --childless) against one responder, at most --in-flight
 * at a time, with PSK authentication and the proposals of --ike/--esp (the
 * connection model's syntax, parsed by the engine's proposal parser), then
 * prints setups/s, latency percentiles from the first IKE_SA_INIT request to
 * the IKE_AUTH response, and its own CPU time.  Each IKE SA has its own IDi
 * (--id-format, "%u" = 1..N) so that a responder keeps them all.
 *
 * With --nss-dir DIR --cert NICK the SAs authenticate with that certificate
 * and its key instead (RFC 7427 Digital Signature, SHA2-256; RSA PKCS#1 v1.5,
 * which strongSwan, Libreswan and ikebus all take, or ECDSA), all with the
 * certificate's subject DN as IDi: the responder must not treat them as
 * duplicates (strongSwan unique = never, Libreswan uniqueids=no, ikebusd
 * --uniqueids=no).  The responder's certificate is checked against the
 * CAs the database trusts and its signature verified, unless --no-verify.
 *
 * The SAs are left established (no Delete) so that the caller can count
 * them on the responder; the responder is expected to be torn down after.
 * Bounded: stops after --count SAs or --timeout seconds, whichever first.
 *
 * By default IKE runs on the NAT-T port from the first message (RFC 7296
 * §2.23 lets an initiator do that), so responders that want UDP
 * encapsulation (strongSwan with kernel-libipsec) need no port change.
 *
 * Output: human lines, then one "RESULT key=value ..." line for scripts.
 * Exit: 0 every SA (and Child SA) up, 2 some failed, 1 bad usage or setup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "auth-sig.h"
#include "certdb.h"
#include "config/connection.h"
#include "ikebus-load.h"
#include "nss-init.h"

typedef struct {
	LoadConfig cfg;
	LoadSa *sas;
	guint count;
	guint in_flight;
	guint *active; /* indices of the SAs in flight */
	guint n_active;
	guint next;
	int fd;
	guint retransmit_ms;
	guint max_tries;
	guint64 sent;
	guint64 received;
	guint64 send_errors;
	guint64 retransmits;
	guint established;
	guint failed;
	guint child_ok;
	guint child_failed;
	gint64 t_first;
	gint64 t_last;
	GHashTable *reasons; /* interned reason -> count */
} Load;

typedef struct {
	char *local;
	char *remote;
	gint remote_port;
	gint local_port;
	gboolean no_natt;
	gint count;
	gint in_flight;
	gint timeout;
	gint retransmit_ms;
	gint tries;
	char *ike;
	char *esp;
	gboolean childless;
	gboolean fresh_ke;
	char *psk_file;
	char *id_format;
	char *remote_id;
	char *local_ts;
	char *remote_ts;
	char *nss_dir;
	char *cert;
	gboolean no_verify;
} Options;

/* ---- set-up ------------------------------------------------------------ */

static gboolean
parse_sockaddr(const char *text, guint16 port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return TRUE;
	}
	if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return TRUE;
	}
	return FALSE;
}

/* "198.51.100.1/32" (or an address alone) as one range selector. */
static gboolean
parse_ts(const char *text, GArray *out, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, "/", 2);
	IkeTrafficSelector ts = {0};
	gsize alen;
	guint64 prefix;
	gboolean v4;

	v4 = inet_pton(AF_INET, parts[0], ts.start_addr) == 1;
	if (!v4 && inet_pton(AF_INET6, parts[0], ts.start_addr) != 1)
		goto bad;
	alen = v4 ? 4 : 16;
	prefix = alen * 8;
	if (parts[1] != NULL &&
	    (!g_ascii_string_to_unsigned(parts[1], 10, 0, alen * 8, &prefix, NULL)))
		goto bad;
	memcpy(ts.end_addr, ts.start_addr, alen);
	for (gsize bit = prefix; bit < alen * 8; bit++) {
		ts.start_addr[bit / 8] &= (guint8) ~(0x80u >> (bit % 8));
		ts.end_addr[bit / 8] |= (guint8) (0x80u >> (bit % 8));
	}
	ts.type = v4 ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	ts.start_port = 0;
	ts.end_port = 65535;
	g_array_append_val(out, ts);
	return TRUE;
bad:
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
	            "\"%s\" is not an address or CIDR", text);
	return FALSE;
}

/* The proposals go through the connection model (as AddConnection's a{sv}
 * would) and then the engine's parser, so the syntax is the daemon's. */
static gboolean
setup_proposals(Load *l, const Options *o, GError **error)
{
	g_autoptr(GVariantBuilder) b = g_variant_builder_new(G_VARIANT_TYPE_VARDICT);
	g_autoptr(IkebusConnection) conn = NULL;
	g_autoptr(GVariant) opts = NULL;

	g_variant_builder_add(b, "{sv}", "left-host", g_variant_new_string(o->local));
	g_variant_builder_add(b, "{sv}", "right-host", g_variant_new_string(o->remote));
	g_variant_builder_add(b, "{sv}", "psk", g_variant_new_boolean(TRUE));
	if (o->ike != NULL)
		g_variant_builder_add(b, "{sv}", "ike", g_variant_new_string(o->ike));
	if (o->esp != NULL)
		g_variant_builder_add(b, "{sv}", "esp", g_variant_new_string(o->esp));
	opts = g_variant_ref_sink(g_variant_builder_end(b));
	conn = ikebus_connection_new_from_options("ikebus-load", opts, error);
	if (conn == NULL)
		return FALSE;
	l->cfg.ike_props = proposal_parse(conn->ike, IKE_PROTO_IKE, error);
	if (l->cfg.ike_props == NULL)
		return FALSE;
	l->cfg.esp_props = proposal_parse(conn->esp, IKE_PROTO_ESP, error);
	if (l->cfg.esp_props == NULL)
		return FALSE;
	l->cfg.ke_group = proposal_first_ke(l->cfg.ike_props);
	if (crypto_ke_group_lookup(l->cfg.ke_group) == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "--ike: key exchange group %u is not implemented", l->cfg.ke_group);
		return FALSE;
	}
	return TRUE;
}

static gboolean
setup_socket(Load *l, const Options *o, GError **error)
{
	socklen_t llen, rlen, glen = sizeof(l->cfg.local);
	int buf = 8 << 20;
	guint16 rport = o->remote_port > 0 ? (guint16) o->remote_port : o->no_natt ? 500 : 4500;

	if (!parse_sockaddr(o->local, (guint16) o->local_port, &l->cfg.local, &llen) ||
	    !parse_sockaddr(o->remote, rport, &l->cfg.remote, &rlen) ||
	    l->cfg.local.ss_family != l->cfg.remote.ss_family) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		                    "--local and --remote must be addresses of one family");
		return FALSE;
	}
	l->fd = socket(l->cfg.local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *) &l->cfg.local, llen) < 0 ||
	    connect(l->fd, (struct sockaddr *) &l->cfg.remote, rlen) < 0 ||
	    getsockname(l->fd, (struct sockaddr *) &l->cfg.local, &glen) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "socket %s -> %s: %s",
		            o->local, o->remote, g_strerror(errno));
		return FALSE;
	}
	/* best effort: a burst of T responses must not overflow */
	(void) setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	(void) setsockopt(l->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	l->cfg.natt = !o->no_natt;
	return TRUE;
}

/* Our certificate and key (--cert), what we sign with, our IDi and the
 * CERTREQ hashes; the NSS database is open. */
static gboolean
setup_cert(Load *l, const Options *o, GError **error)
{
	g_autoptr(CERTCertificate) cert = crypto_certdb_find_cert(o->cert, error);
	g_autoptr(GPtrArray) cas = NULL;

	if (cert == NULL)
		return FALSE;
	l->cfg.key = crypto_certdb_find_key_for_cert(cert, error);
	if (l->cfg.key == NULL)
		return FALSE;
	switch (crypto_privkey_get_key_type(l->cfg.key)) {
	case CRYPTO_KEY_RSA:
		l->cfg.scheme = (CryptoSigScheme){CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA2_256};
		break;
	case CRYPTO_KEY_EC:
		l->cfg.scheme = (CryptoSigScheme){CRYPTO_SIG_ECDSA_DER, CRYPTO_SIG_HASH_SHA2_256};
		break;
	}
	l->cfg.certs = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	g_ptr_array_add(l->cfg.certs, crypto_certdb_cert_der(cert));
	cas = crypto_certdb_ca_chain(cert, TRUE);
	for (guint i = 0; i < cas->len; i++)
		g_ptr_array_add(l->cfg.certs, g_bytes_ref(cas->pdata[i]));
	if (o->id_format == NULL) {
		l->cfg.cert_id.type = IKE_ID_DER_ASN1_DN;
		l->cfg.cert_id.data = crypto_certdb_cert_subject(cert);
	}
	l->cfg.certreq = crypto_certdb_trusted_ca_hashes(NULL);
	if (g_bytes_get_size(l->cfg.certreq) == 0)
		g_clear_pointer(&l->cfg.certreq, g_bytes_unref);
	if (l->cfg.certreq == NULL && !o->no_verify) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "%s trusts no CA to check the responder with (or --no-verify)",
		            o->nss_dir);
		return FALSE;
	}
	l->cfg.verify_peer = !o->no_verify;
	l->cfg.peer_certs = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	                                          (GDestroyNotify) g_bytes_unref,
	                                          load_peer_cert_free);
	return TRUE;
}

static gboolean
setup(Load *l, const Options *o, GError **error)
{
	g_autofree char *psk = NULL;
	gsize psk_len = 0;

	if (o->local == NULL || o->remote == NULL || (o->psk_file == NULL && o->cert == NULL) ||
	    (o->cert != NULL) != (o->nss_dir != NULL)) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		                    "--local, --remote and --psk-file (or --nss-dir with --cert) "
		                    "are needed");
		return FALSE;
	}
	if (o->count < 1 || o->in_flight < 1 || o->timeout < 1 || o->retransmit_ms < 10 ||
	    o->tries < 0) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		                    "--count, --in-flight, --timeout must be positive, "
		                    "--retransmit-ms at least 10");
		return FALSE;
	}
	if (!setup_proposals(l, o, error) || !setup_socket(l, o, error))
		return FALSE;
	if (o->cert != NULL) {
		if (!setup_cert(l, o, error))
			return FALSE;
	} else {
		if (!g_file_get_contents(o->psk_file, &psk, &psk_len, error))
			return FALSE;
		g_strchomp(psk);
		l->cfg.psk = ikebus_secbuf_new_from((const guint8 *) psk, strlen(psk));
		ikebus_wipe(psk, psk_len);
	}
	l->cfg.childless = o->childless;
	l->cfg.fresh_ke = o->fresh_ke;
	l->cfg.id_format = g_strdup(o->id_format != NULL ? o->id_format : "load-%u@bench.example");
	if (!engine_id_from_text(o->remote_id, &l->cfg.remote_id, error))
		return FALSE;
	l->cfg.ts_local = g_array_new(FALSE, TRUE, sizeof(IkeTrafficSelector));
	l->cfg.ts_remote = g_array_new(FALSE, TRUE, sizeof(IkeTrafficSelector));
	if (!parse_ts(o->local_ts != NULL ? o->local_ts : o->local, l->cfg.ts_local, error) ||
	    !parse_ts(o->remote_ts != NULL ? o->remote_ts : o->remote, l->cfg.ts_remote, error))
		return FALSE;
	if (!l->cfg.fresh_ke) {
		l->cfg.ke = crypto_ke_new(crypto_ke_group_lookup(l->cfg.ke_group), error);
		if (l->cfg.ke == NULL)
			return FALSE;
	}
	l->cfg.spi_prefix = g_random_int() | 0x40000000u;
	l->count = (guint) o->count;
	l->in_flight = (guint) MIN(o->in_flight, o->count);
	l->sas = g_new0(LoadSa, l->count);
	l->active = g_new0(guint, l->in_flight);
	l->retransmit_ms = (guint) o->retransmit_ms;
	l->max_tries = (guint) o->tries;
	l->reasons = g_hash_table_new(g_direct_hash, g_direct_equal);
	return TRUE;
}

/* ---- the loop ---------------------------------------------------------- */

static void
send_datagram(Load *l, GBytes *b)
{
	static const guint8 marker[4] = {0, 0, 0, 0};
	struct iovec iov[2];
	struct msghdr mh = {.msg_iov = iov};
	gsize n;
	const guint8 *d = g_bytes_get_data(b, &n);

	if (l->cfg.natt) {
		iov[0] = (struct iovec){(void *) marker, sizeof(marker)};
		iov[1] = (struct iovec){(void *) d, n};
		mh.msg_iovlen = 2;
	} else {
		iov[0] = (struct iovec){(void *) d, n};
		mh.msg_iovlen = 1;
	}
	if (sendmsg(l->fd, &mh, 0) < 0)
		l->send_errors++; /* retransmission recovers */
	else
		l->sent++;
}

static void
count_reason(Load *l, const char *reason)
{
	gpointer k = (gpointer) g_intern_string(reason);

	g_hash_table_insert(l->reasons, k,
	                    GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(l->reasons, k)) + 1));
}

static void
finish(Load *l, LoadSa *sa, gint64 now)
{
	guint last = l->active[--l->n_active];

	l->active[sa->slot] = last;
	l->sas[last].slot = sa->slot;
	sa->t_done = now;
	if (sa->state == LOAD_SA_DONE) {
		l->established++;
		l->t_last = now;
		if (sa->child_ok)
			l->child_ok++;
		else if (sa->child_fail != NULL) {
			l->child_failed++;
			count_reason(l, sa->child_fail);
		}
	} else {
		l->failed++;
		count_reason(l, sa->fail != NULL ? sa->fail : "unknown");
	}
	load_sa_clear(sa);
}

static void
start_next(Load *l, gint64 now)
{
	LoadSa *sa = &l->sas[l->next];

	sa->index = l->next++;
	sa->spi_i = (guint64) l->cfg.spi_prefix << 32 | sa->index;
	sa->slot = l->n_active;
	l->active[l->n_active++] = sa->index;
	sa->t_start = sa->t_sent = now;
	if (l->t_first == 0)
		l->t_first = now;
	if (!load_sa_build_init(&l->cfg, sa)) {
		sa->state = LOAD_SA_FAILED;
		finish(l, sa, now);
		return;
	}
	send_datagram(l, sa->last_sent);
}

static void
receive_one(Load *l, const guint8 *data, gsize len)
{
	IkeHeader h;
	LoadSa *sa;
	guint32 idx;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) reply = NULL;
	gint64 now;

	if (l->cfg.natt) {
		/* IKE behind the non-ESP marker; anything else (ESP, keepalive) is not ours */
		if (len < 4 || data[0] != 0 || data[1] != 0 || data[2] != 0 || data[3] != 0)
			return;
		data += 4;
		len -= 4;
	}
	if (!ike_header_peek(data, len, &h, NULL) || (guint32) (h.spi_i >> 32) != l->cfg.spi_prefix)
		return;
	idx = (guint32) h.spi_i;
	if (idx >= l->next)
		return;
	sa = &l->sas[idx];
	if (sa->state != LOAD_SA_INIT_SENT && sa->state != LOAD_SA_AUTH_SENT)
		return; /* late answer to a retransmission */
	l->received++;
	bytes = g_bytes_new(data, len);
	load_sa_process(&l->cfg, sa, bytes, &reply);
	now = g_get_monotonic_time();
	if (reply != NULL) {
		send_datagram(l, reply);
		sa->t_sent = now;
	}
	if (sa->state == LOAD_SA_DONE || sa->state == LOAD_SA_FAILED)
		finish(l, sa, now);
}

static void
receive_all(Load *l)
{
	static guint8 buf[65536];

	for (guint i = 0; i < 4096; i++) {
		ssize_t n = recv(l->fd, buf, sizeof(buf), 0);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error: retransmission decides */
		receive_one(l, buf, (gsize) n);
	}
}

static void
check_timeouts(Load *l, gint64 now)
{
	for (guint i = 0; i < l->n_active;) {
		LoadSa *sa = &l->sas[l->active[i]];

		if (now - sa->t_sent < (gint64) l->retransmit_ms * 1000) {
			i++;
			continue;
		}
		if (sa->tries >= l->max_tries) {
			sa->fail = sa->state == LOAD_SA_INIT_SENT ? "no answer to IKE_SA_INIT"
			                                          : "no answer to IKE_AUTH";
			sa->state = LOAD_SA_FAILED;
			finish(l, sa, now); /* moves another SA into slot i */
			continue;
		}
		sa->tries++;
		l->retransmits++;
		sa->t_sent = now;
		send_datagram(l, sa->last_sent);
		i++;
	}
}

static void
run(Load *l, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64) timeout_s * G_USEC_PER_SEC;
	gint64 last_scan = 0, now;

	while (l->established + l->failed < l->count) {
		struct pollfd pfd = {.fd = l->fd, .events = POLLIN};

		now = g_get_monotonic_time();
		if (now >= deadline)
			break;
		while (l->n_active < l->in_flight && l->next < l->count)
			start_next(l, now);
		if (poll(&pfd, 1, 50) > 0)
			receive_all(l);
		now = g_get_monotonic_time();
		if (now - last_scan >= 100000) {
			check_timeouts(l, now);
			last_scan = now;
		}
	}
	/* what is still out when time is up failed */
	now = g_get_monotonic_time();
	while (l->n_active > 0) {
		LoadSa *sa = &l->sas[l->active[0]];

		sa->fail = "--timeout reached";
		sa->state = LOAD_SA_FAILED;
		finish(l, sa, now);
	}
	l->failed += l->count - l->next;
}

/* ---- report ------------------------------------------------------------ */

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

	return x < y ? -1 : x > y;
}

/* nearest rank: the smallest value with at least @permille/1000 at or below it */
static double
percentile_ms(const GArray *sorted, guint permille)
{
	gsize i;

	if (sorted->len == 0)
		return 0;
	i = ((gsize) sorted->len * permille + 999) / 1000;
	i = i == 0 ? 0 : i - 1;
	return (double) g_array_index(sorted, gint64, MIN(i, sorted->len - 1)) / 1000.0;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* @cpu seconds of our own CPU time over @wall seconds of the run. */
static void
report(Load *l, double cpu, double wall)
{
	g_autoptr(GArray) lat = g_array_new(FALSE, FALSE, sizeof(gint64));
	double elapsed = l->t_last > l->t_first ? (double) (l->t_last - l->t_first) / 1e6 : 0;
	double rate = elapsed > 0 ? l->established / elapsed : 0;
	double p50, p90, p99, pmax;
	GHashTableIter it;
	gpointer k, v;

	for (guint i = 0; i < l->next; i++)
		if (l->sas[i].state == LOAD_SA_DONE) {
			gint64 d = l->sas[i].t_done - l->sas[i].t_start;

			g_array_append_val(lat, d);
		}
	g_array_sort(lat, cmp_i64);
	p50 = percentile_ms(lat, 500);
	p90 = percentile_ms(lat, 900);
	p99 = percentile_ms(lat, 990);
	pmax = percentile_ms(lat, 1000);
	printf("established: %u of %u IKE SAs (%u failed) in %.3f s: %.1f setups/s\n",
	       l->established, l->count, l->failed, elapsed, rate);
	if (!l->cfg.childless)
		printf("child SAs: %u established, %u refused\n", l->child_ok, l->child_failed);
	printf("latency, first IKE_SA_INIT to IKE_AUTH response: p50 %.2f ms, p90 %.2f ms, "
	       "p99 %.2f ms, max %.2f ms\n", p50, p90, p99, pmax);
	printf("messages: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " received, %"
	       G_GUINT64_FORMAT " retransmitted, %" G_GUINT64_FORMAT " send errors\n",
	       l->sent, l->received, l->retransmits, l->send_errors);
	printf("generator CPU: %.3f s (%.0f%% of one core over the %.3f s run)\n", cpu,
	       wall > 0 ? 100.0 * cpu / wall : 0.0, wall);
	g_hash_table_iter_init(&it, l->reasons);
	while (g_hash_table_iter_next(&it, &k, &v))
		printf("reason: %u x %s\n", GPOINTER_TO_UINT(v), (const char *) k);
	printf("RESULT established=%u failed=%u child_ok=%u child_failed=%u elapsed_s=%.3f "
	       "setups_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f cpu_s=%.3f "
	       "cpu_pct=%.0f in_flight=%u auth=%s peer_verify=%s\n",
	       l->established, l->failed, l->child_ok, l->child_failed, elapsed, rate, p50, p90, p99,
	       pmax, cpu, wall > 0 ? 100.0 * cpu / wall : 0.0, l->in_flight,
	       l->cfg.key != NULL ? crypto_sig_scheme_name(l->cfg.scheme) : "psk",
	       l->cfg.key == NULL || l->cfg.verify_peer ? "yes" : "no");
	fflush(stdout);
}

static void
load_clear(Load *l)
{
	for (guint i = 0; l->sas != NULL && i < l->count; i++)
		load_sa_clear(&l->sas[i]);
	g_free(l->sas);
	g_free(l->active);
	if (l->fd > 0)
		close(l->fd);
	g_clear_pointer(&l->reasons, g_hash_table_unref);
	g_clear_pointer(&l->cfg.ike_props, g_array_unref);
	g_clear_pointer(&l->cfg.esp_props, g_array_unref);
	g_clear_pointer(&l->cfg.ts_local, g_array_unref);
	g_clear_pointer(&l->cfg.ts_remote, g_array_unref);
	g_clear_pointer(&l->cfg.ke, crypto_ke_free);
	g_clear_pointer(&l->cfg.psk, ikebus_secbuf_free);
	g_clear_pointer(&l->cfg.key, crypto_privkey_unref);
	g_clear_pointer(&l->cfg.certs, g_ptr_array_unref);
	g_clear_pointer(&l->cfg.certreq, g_bytes_unref);
	g_clear_pointer(&l->cfg.peer_certs, g_hash_table_unref);
	engine_id_clear(&l->cfg.cert_id);
	g_clear_pointer(&l->cfg.id_format, g_free);
	engine_id_clear(&l->cfg.remote_id);
}

int
main(int argc, char **argv)
{
	Options o = {.count = 1000, .in_flight = 32, .timeout = 120, .retransmit_ms = 2000,
	             .tries = 3};
	Load l = {.fd = -1};
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- IKEv2 handshake load generator");
	GOptionEntry entries[] = {
		{"local", 0, 0, G_OPTION_ARG_STRING, &o.local, "our address", "ADDR"},
		{"remote", 0, 0, G_OPTION_ARG_STRING, &o.remote, "the responder", "ADDR"},
		{"remote-port", 0, 0, G_OPTION_ARG_INT, &o.remote_port,
		 "responder port (4500; 500 with --no-natt)", "PORT"},
		{"local-port", 0, 0, G_OPTION_ARG_INT, &o.local_port, "our port (any)", "PORT"},
		{"no-natt", 0, 0, G_OPTION_ARG_NONE, &o.no_natt,
		 "plain IKE on port 500 (no non-ESP marker, no move to 4500)", NULL},
		{"count", 'n', 0, G_OPTION_ARG_INT, &o.count, "IKE SAs to set up (1000)", "N"},
		{"in-flight", 't', 0, G_OPTION_ARG_INT, &o.in_flight,
		 "handshakes at once (32)", "T"},
		{"timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout, "stop after S seconds (120)", "S"},
		{"retransmit-ms", 0, 0, G_OPTION_ARG_INT, &o.retransmit_ms,
		 "retransmission interval (2000)", "MS"},
		{"tries", 0, 0, G_OPTION_ARG_INT, &o.tries, "retransmissions before failing (3)", "N"},
		{"ike", 0, 0, G_OPTION_ARG_STRING, &o.ike,
		 "IKE proposals as the connection's ike key (aes_gcm128-sha2_256-curve25519)", "P"},
		{"esp", 0, 0, G_OPTION_ARG_STRING, &o.esp, "ESP proposals (connection's esp key)", "P"},
		{"childless", 0, 0, G_OPTION_ARG_NONE, &o.childless,
		 "IKE SAs only (RFC 6023 CHILDLESS_IKEV2_SUPPORTED)", NULL},
		{"fresh-ke", 0, 0, G_OPTION_ARG_NONE, &o.fresh_ke,
		 "a new key pair per IKE SA (default: one reused, RFC 7296 §2.12)", NULL},
		{"psk-file", 0, 0, G_OPTION_ARG_FILENAME, &o.psk_file, "file holding the PSK", "FILE"},
		{"id-format", 0, 0, G_OPTION_ARG_STRING, &o.id_format,
		 "IDi of SA number %u (load-%u@bench.example)", "FMT"},
		{"remote-id", 0, 0, G_OPTION_ARG_STRING, &o.remote_id, "IDr to send (none)", "ID"},
		{"local-ts", 0, 0, G_OPTION_ARG_STRING, &o.local_ts, "TSi (--local/32)", "CIDR"},
		{"remote-ts", 0, 0, G_OPTION_ARG_STRING, &o.remote_ts, "TSr (--remote/32)", "CIDR"},
		{"nss-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.nss_dir,
		 "NSS database with --cert and the CAs to check the responder with", "DIR"},
		{"cert", 0, 0, G_OPTION_ARG_STRING, &o.cert,
		 "authenticate with this certificate (nickname) and its key, not a PSK", "NICK"},
		{"no-verify", 0, 0, G_OPTION_ARG_NONE, &o.no_verify,
		 "with --cert: do not check the responder's certificate and signature", NULL},
		{NULL}};
	double cpu0;
	gint64 wall0;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) ||
	    !(o.nss_dir != NULL ? crypto_certdb_open(o.nss_dir, &error)
	                        : crypto_nss_init_nodb(&error)) ||
	    !setup(&l, &o, &error)) {
		g_printerr("ikebus-load: %s\n", error->message);
		load_clear(&l);
		return 1;
	}
	printf("ikebus-load: %s -> %s port %u%s, %u IKE SAs%s, %u in flight, ike=%s%s, auth %s%s\n",
	       o.local, o.remote,
	       o.remote_port > 0 ? (guint) o.remote_port : o.no_natt ? 500u : 4500u,
	       l.cfg.natt ? " (non-ESP marker)" : "", l.count,
	       l.cfg.childless ? " (childless)" : " with a Child SA each", l.in_flight,
	       o.ike != NULL ? o.ike : "(defaults)",
	       l.cfg.fresh_ke ? ", fresh key pair per SA" : ", one key pair reused",
	       l.cfg.key != NULL ? crypto_sig_scheme_name(l.cfg.scheme) : "PSK",
	       l.cfg.key == NULL ? ""
	       : l.cfg.verify_peer ? " (responder's certificate and signature checked)"
	                           : " (--no-verify: responder's signature not checked)");
	fflush(stdout);
	cpu0 = cpu_seconds();
	wall0 = g_get_monotonic_time();
	run(&l, (guint) o.timeout);
	report(&l, cpu_seconds() - cpu0, (double) (g_get_monotonic_time() - wall0) / 1e6);
	rc = l.established == l.count && (l.cfg.childless || l.child_ok == l.count) ? 0 : 2;
	load_clear(&l);
	g_free(o.local);
	g_free(o.remote);
	g_free(o.ike);
	g_free(o.esp);
	g_free(o.psk_file);
	g_free(o.id_format);
	g_free(o.remote_id);
	g_free(o.local_ts);
	g_free(o.remote_ts);
	g_free(o.nss_dir);
	g_free(o.cert);
	return rc;
}
