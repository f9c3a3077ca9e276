/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-load: the two exchanges of one IKE SA as initiator (RFC 7296 §1.2)
 *
 *   HDR, [N(COOKIE),] SAi1, KEi, Ni, N(NAT_DETECTION_*)
 *        [, N(CHILDLESS_IKEV2_SUPPORTED)]                -->
 *                                  <--  HDR, SAr1, KEr, Nr, N(...)
 *   HDR, SK {IDi, [IDr,] AUTH [, SAi2, TSi, TSr]}         -->
 *                                  <--  HDR, SK {IDr, AUTH [, SAr2, TSi, TSr | N(error)]}
 *
 * PSK AUTH per §2.15; childless IKE_AUTH per RFC 6023.  With a certificate
 * (--cert) the IKE_SA_INIT request announces SIGNATURE_HASH_ALGORITHMS
 * (RFC 7427 §4) and IKE_AUTH carries
 *
 *   HDR, SK {IDi, CERT+, [CERTREQ,] [IDr,] AUTH(14) [, SAi2, TSi, TSr]}
 *
 * The responder's AUTH is verified (PSK MIC, or its signature with the
 * public key of its CERT, whose chain to a CA of our database is checked
 * once per distinct certificate; --no-verify skips the signature checks), so
 * the generator does the work a real initiator does apart from key
 * generation (see ikebus-load.h) and kernel state.
 */
#include <string.h>
#include <sys/socket.h>

#include "alg-nss.h"
#include "auth-sig.h"
#include "certdb.h"
#include "ikebus-load.h"

#define NONCE_LEN 32
#define MAX_COOKIES 3

static const char *
notify_reason(guint16 type, const char *prefix)
{
	char buf[IKE_NAME_BUF_LEN];
	g_autofree char *s = g_strdup_printf("%s%s", prefix,
	                                     ike_name_or_unknown(IKE_REG_NOTIFY, type, buf, sizeof(buf)));

	/* interned: the reasons are few and counted by pointer */
	return g_intern_string(s);
}

void
load_nat_hash(guint64 spi_i, guint64 spi_r, const struct sockaddr_storage *ss, guint8 out[20])
{
	g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 spis[16], port[2];
	gsize len = 20;

	for (guint i = 0; i < 8; i++) {
		spis[i] = (guint8) (spi_i >> (56 - 8 * i));
		spis[8 + i] = (guint8) (spi_r >> (56 - 8 * i));
	}
	g_checksum_update(ck, spis, sizeof(spis));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *) ss;

		g_checksum_update(ck, (const guint8 *) &s4->sin_addr, 4);
		memcpy(port, &s4->sin_port, 2);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) ss;

		g_checksum_update(ck, (const guint8 *) &s6->sin6_addr, 16);
		memcpy(port, &s6->sin6_port, 2);
	}
	g_checksum_update(ck, port, 2);
	g_checksum_get_digest(ck, out, &len);
}

static GBytes *
random_bytes(gsize n)
{
	guint8 *b = g_malloc(n);

	if (!crypto_random_fill(b, n, NULL))
		for (gsize i = 0; i < n; i++)
			b[i] = (guint8) g_random_int();
	return g_bytes_new_take(b, n);
}

static void
add_notify(IkeMessage *msg, guint16 type, const guint8 *data, gsize len)
{
	ike_message_add_payload(msg, ike_payload_new_notify(0, type, NULL, 0, data, len));
}

gboolean
load_sa_build_init(const LoadConfig *cfg, LoadSa *sa)
{
	g_autoptr(IkeMessage) msg = ike_message_new(IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_INITIATOR,
	                                            sa->spi_i, 0, 0);
	g_autoptr(GError) error = NULL;
	GByteArray *wire;
	IkePayload *sa_pl;
	CryptoKe *ke;
	guint8 h[20];
	gsize n;
	const guint8 *d;

	if (cfg->fresh_ke && sa->ke == NULL) {
		sa->ke = crypto_ke_new(crypto_ke_group_lookup(cfg->ke_group), &error);
		if (sa->ke == NULL) {
			sa->fail = "key pair generation failed";
			return FALSE;
		}
	}
	ke = cfg->fresh_ke ? sa->ke : cfg->ke;
	if (sa->ni == NULL)
		sa->ni = random_bytes(NONCE_LEN);
	if (sa->cookie != NULL) {
		d = g_bytes_get_data(sa->cookie, &n);
		add_notify(msg, IKE_NOTIFY_COOKIE, d, n);
	}
	sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
	proposal_add_to_sa(sa_pl, cfg->ike_props, NULL, 0, TRUE);
	ike_message_add_payload(msg, sa_pl);
	d = g_bytes_get_data(crypto_ke_get_public(ke), &n);
	ike_message_add_payload(msg, ike_payload_new_ke(cfg->ke_group, d, n));
	d = g_bytes_get_data(sa->ni, &n);
	ike_message_add_payload(msg, ike_payload_new_nonce(d, n));
	load_nat_hash(sa->spi_i, 0, &cfg->local, h);
	add_notify(msg, IKE_NOTIFY_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	load_nat_hash(sa->spi_i, 0, &cfg->remote, h);
	add_notify(msg, IKE_NOTIFY_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	if (cfg->childless)
		add_notify(msg, IKE_NOTIFY_CHILDLESS_IKEV2_SUPPORTED, NULL, 0);
	if (cfg->key != NULL) {
		/* RFC 7427 §4: without it the responder falls back to methods 1/9 */
		gsize nh;
		const CryptoSigHash *hashes = crypto_auth_sig_hashes(&nh);
		guint8 hd[8];

		nh = MIN(nh, sizeof(hd) / 2);
		for (gsize i = 0; i < nh; i++) {
			hd[2 * i] = (guint8) ((guint) hashes[i] >> 8);
			hd[2 * i + 1] = (guint8) hashes[i];
		}
		add_notify(msg, IKE_NOTIFY_SIGNATURE_HASH_ALGORITHMS, hd, 2 * nh);
	}
	wire = ike_message_encode(msg, &error);
	if (wire == NULL) {
		sa->fail = "cannot encode IKE_SA_INIT";
		return FALSE;
	}
	g_clear_pointer(&sa->init_request, g_bytes_unref);
	sa->init_request = g_byte_array_free_to_bytes(wire);
	g_clear_pointer(&sa->last_sent, g_bytes_unref);
	sa->last_sent = g_bytes_ref(sa->init_request);
	sa->state = LOAD_SA_INIT_SENT;
	return TRUE;
}

/* ---- IKE_SA_INIT response ---------------------------------------------- */

static gboolean
init_refused(const LoadConfig *cfg, LoadSa *sa, IkeMessage *msg, GBytes **reply)
{
	IkePayload *n = ike_message_get_notify(msg, IKE_NOTIFY_COOKIE);

	if (n != NULL && n->u.notify.data_len >= 1 && n->u.notify.data_len <= 64 &&
	    sa->cookies++ < MAX_COOKIES) {
		g_clear_pointer(&sa->cookie, g_bytes_unref);
		sa->cookie = g_bytes_new(n->u.notify.data, n->u.notify.data_len);
		if (!load_sa_build_init(cfg, sa))
			return TRUE;
		*reply = g_bytes_ref(sa->init_request);
		return FALSE;
	}
	for (guint i = 0; i < msg->payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->payloads, i);

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type < 16384) {
			sa->fail = notify_reason(p->u.notify.type, "IKE_SA_INIT: ");
			return TRUE;
		}
	}
	sa->fail = "IKE_SA_INIT response without SA, KE or Nonce";
	return TRUE;
}

static gboolean
derive(LoadSa *sa, const PropChoice *choice, IkebusSecbuf *g_ir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) skeyseed = NULL;
	guint8 spi_i[8], spi_r[8];
	gsize ni_len, nr_len;
	const guint8 *ni = g_bytes_get_data(sa->ni, &ni_len);
	const guint8 *nr = g_bytes_get_data(sa->nr, &nr_len);

	sa->suite.prf = crypto_prf_alg_by_id(choice->prf);
	sa->suite.encr = crypto_encr_alg_by_id(choice->encr);
	sa->suite.encr_key_bits = choice->encr_bits;
	sa->suite.integ = choice->integ != 0 ? crypto_integ_alg_by_id(choice->integ) : NULL;
	if (!crypto_ike_suite_check(&sa->suite, &error))
		return FALSE;
	for (guint i = 0; i < 8; i++) {
		spi_i[i] = (guint8) (sa->spi_i >> (56 - 8 * i));
		spi_r[i] = (guint8) (sa->spi_r >> (56 - 8 * i));
	}
	skeyseed = crypto_skeyseed(sa->suite.prf, ni, ni_len, nr, nr_len, g_ir, &error);
	if (skeyseed == NULL || !crypto_ike_keys_derive(&sa->suite, skeyseed, ni, ni_len, nr, nr_len,
	                                                spi_i, spi_r, &sa->keys, &error))
		return FALSE;
	sa->sk_out = crypto_sk_new(sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ,
	                           sa->keys.sk_ei, sa->keys.sk_ai, &error);
	sa->sk_in = crypto_sk_new(sa->suite.encr, sa->suite.encr_key_bits, sa->suite.integ,
	                          sa->keys.sk_er, sa->keys.sk_ar, &error);
	return sa->sk_out != NULL && sa->sk_in != NULL;
}

static IkePayload *
ts_payload(guint8 type, const GArray *sel)
{
	IkePayload *p = ike_payload_new_ts(type);

	for (guint i = 0; i < sel->len; i++) {
		const IkeTrafficSelector *t = &g_array_index(sel, IkeTrafficSelector, i);

		ike_ts_payload_add_range(p, t->ip_protocol, t->start_port, t->end_port, t->start_addr,
		                         t->end_addr, ike_ts_type_addr_len(t->type));
	}
	return p;
}

/* §2.15: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) */
static GBytes *
psk_auth(const LoadConfig *cfg, LoadSa *sa, GBytes *real, GBytes *nonce,
         const IkebusSecbuf *sk_p, GBytes *id_body)
{
	g_autoptr(GBytes) octets = NULL;
	gsize rl, nl, bl, ol;
	const guint8 *rd = g_bytes_get_data(real, &rl);
	const guint8 *nd = g_bytes_get_data(nonce, &nl);
	const guint8 *bd = g_bytes_get_data(id_body, &bl);
	const guint8 *od;

	octets = crypto_auth_signed_octets(sa->suite.prf, rd, rl, nd, nl, sk_p, bd, bl, NULL);
	if (octets == NULL)
		return NULL;
	od = g_bytes_get_data(octets, &ol);
	return crypto_auth_psk(sa->suite.prf, cfg->psk, od, ol, NULL);
}

/* §2.15 with RFC 7427: AUTH data = AlgorithmIdentifier | signature over
 * <SignedOctets> with our key (method 14). */
static GBytes *
sig_auth(const LoadConfig *cfg, LoadSa *sa, GBytes *id_body)
{
	g_autoptr(GBytes) octets = NULL;
	g_autoptr(GBytes) sig = NULL;
	gsize rl, nl, bl, ol;
	const guint8 *rd = g_bytes_get_data(sa->init_request, &rl);
	const guint8 *nd = g_bytes_get_data(sa->nr, &nl);
	const guint8 *bd = g_bytes_get_data(id_body, &bl);
	const guint8 *od;

	octets = crypto_auth_signed_octets(sa->suite.prf, rd, rl, nd, nl, sa->keys.sk_pi, bd, bl,
	                                   NULL);
	if (octets == NULL)
		return NULL;
	od = g_bytes_get_data(octets, &ol);
	sig = crypto_sign(cfg->key, cfg->scheme, od, ol, NULL);
	if (sig == NULL)
		return NULL;
	od = g_bytes_get_data(sig, &ol);
	return crypto_auth_sig_build(cfg->scheme, od, ol, NULL);
}

static GBytes *
payload_body(const IkePayload *p)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	if (!ike_payload_encode_body(p, b, NULL))
		return NULL;
	return g_byte_array_free_to_bytes(g_steal_pointer(&b));
}

static char *
format_id(const char *fmt, guint n)
{
	g_auto(GStrv) parts = g_strsplit(fmt, "%u", -1);
	g_autofree char *num = g_strdup_printf("%u", n);

	return g_strjoinv(num, parts);
}

static gboolean
build_auth(const LoadConfig *cfg, LoadSa *sa, GBytes **reply)
{
	g_autoptr(GPtrArray) inner = ike_payload_chain_new();
	g_autoptr(IkeMessage) msg = NULL;
	g_autoptr(GByteArray) plain = g_byte_array_new();
	g_autoptr(GBytes) auth = NULL;
	g_autofree guint8 *zeros = NULL;
	EngineId id = {0};
	IkePayload *idi;
	GByteArray *wire;
	guint8 first = 0;
	gsize n, body_len, aad_len;
	const guint8 *d;

	if (cfg->cert_id.type != 0) {
		/* one identity, the certificate's, for every SA */
		id.type = cfg->cert_id.type;
		id.data = g_bytes_ref(cfg->cert_id.data);
	} else {
		g_autofree char *id_text = format_id(cfg->id_format, sa->index + 1);

		if (!engine_id_from_text(id_text, &id, NULL) || id.type == 0) {
			engine_id_clear(&id);
			sa->fail = "bad --id-format";
			return FALSE;
		}
	}
	d = g_bytes_get_data(id.data, &n);
	idi = ike_payload_new_id(IKE_PAYLOAD_IDI, id.type, d, n);
	engine_id_clear(&id);
	g_ptr_array_add(inner, idi);
	sa->idi_body = payload_body(idi);
	for (guint i = 0; cfg->key != NULL && i < cfg->certs->len; i++) {
		d = g_bytes_get_data(cfg->certs->pdata[i], &n);
		g_ptr_array_add(inner,
		                ike_payload_new_cert(IKE_PAYLOAD_CERT, IKE_CERT_X509_SIGNATURE, d, n));
	}
	if (cfg->key != NULL && cfg->certreq != NULL) {
		d = g_bytes_get_data(cfg->certreq, &n);
		g_ptr_array_add(inner,
		                ike_payload_new_cert(IKE_PAYLOAD_CERTREQ, IKE_CERT_X509_SIGNATURE, d, n));
	}
	if (cfg->remote_id.type != 0) {
		d = g_bytes_get_data(cfg->remote_id.data, &n);
		g_ptr_array_add(inner, ike_payload_new_id(IKE_PAYLOAD_IDR, cfg->remote_id.type, d, n));
	}
	if (sa->idi_body == NULL)
		auth = NULL;
	else if (cfg->key != NULL)
		auth = sig_auth(cfg, sa, sa->idi_body);
	else
		auth = psk_auth(cfg, sa, sa->init_request, sa->nr, sa->keys.sk_pi, sa->idi_body);
	if (auth == NULL) {
		sa->fail = cfg->key != NULL ? "cannot sign AUTH" : "cannot compute AUTH";
		return FALSE;
	}
	d = g_bytes_get_data(auth, &n);
	g_ptr_array_add(inner, ike_payload_new_auth(cfg->key != NULL
	                                                    ? IKE_AUTH_METHOD_DIGITAL_SIGNATURE
	                                                    : IKE_AUTH_METHOD_SHARED_KEY_MIC,
	                                            d, n));
	if (!cfg->childless) {
		IkePayload *sa_pl = ike_payload_new(IKE_PAYLOAD_SA);
		guint8 spi[4];

		/* our inbound SPI: never used, only unique */
		spi[0] = 0xc0 | (guint8) ((sa->index >> 24) & 0x3f);
		spi[1] = (guint8) (sa->index >> 16);
		spi[2] = (guint8) (sa->index >> 8);
		spi[3] = (guint8) sa->index;
		proposal_add_to_sa(sa_pl, cfg->esp_props, spi, sizeof(spi), FALSE);
		g_ptr_array_add(inner, sa_pl);
		g_ptr_array_add(inner, ts_payload(IKE_PAYLOAD_TSI, cfg->ts_local));
		g_ptr_array_add(inner, ts_payload(IKE_PAYLOAD_TSR, cfg->ts_remote));
	}
	if (!ike_payload_chain_encode(inner, plain, &first, NULL)) {
		sa->fail = "cannot encode IKE_AUTH";
		return FALSE;
	}
	msg = ike_message_new(IKE_EXCHANGE_IKE_AUTH, IKE_FLAG_INITIATOR, sa->spi_i, sa->spi_r, 1);
	body_len = crypto_sk_body_len(sa->sk_out, plain->len);
	zeros = g_malloc0(body_len);
	ike_message_add_payload(msg, ike_payload_new_sk(first, zeros, body_len));
	wire = ike_message_encode(msg, NULL);
	if (wire == NULL) {
		sa->fail = "cannot encode IKE_AUTH";
		return FALSE;
	}
	aad_len = wire->len - body_len;
	if (!crypto_sk_seal(sa->sk_out, wire->data, aad_len, plain->data, plain->len,
	                    wire->data + aad_len, body_len, NULL)) {
		g_byte_array_unref(wire);
		sa->fail = "cannot encrypt IKE_AUTH";
		return FALSE;
	}
	ikebus_wipe(plain->data, plain->len);
	g_clear_pointer(&sa->last_sent, g_bytes_unref);
	sa->last_sent = g_byte_array_free_to_bytes(wire);
	*reply = g_bytes_ref(sa->last_sent);
	sa->tries = 0;
	sa->state = LOAD_SA_AUTH_SENT;
	return TRUE;
}

static void
process_init(const LoadConfig *cfg, LoadSa *sa, IkeMessage *msg, GBytes **reply)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) g_ir = NULL;
	IkePayload *sa_pl = ike_message_get_payload(msg, IKE_PAYLOAD_SA);
	IkePayload *ke = ike_message_get_payload(msg, IKE_PAYLOAD_KE);
	IkePayload *nonce = ike_message_get_payload(msg, IKE_PAYLOAD_NONCE);
	PropChoice choice;

	if (sa_pl == NULL || ke == NULL || nonce == NULL) {
		if (init_refused(cfg, sa, msg, reply))
			sa->state = LOAD_SA_FAILED;
		return;
	}
	if (msg->header.spi_r == 0 ||
	    !proposal_accept_reply(cfg->ike_props, sa_pl, &choice, NULL, &error) ||
	    choice.ke != cfg->ke_group || ke->u.ke.group != cfg->ke_group) {
		sa->fail = "IKE_SA_INIT response not acceptable";
		sa->state = LOAD_SA_FAILED;
		return;
	}
	sa->spi_r = msg->header.spi_r;
	sa->nr = g_bytes_new(nonce->u.nonce.data, nonce->u.nonce.data_len);
	sa->init_response = g_bytes_ref(msg->bytes);
	g_ir = crypto_ke_derive(cfg->fresh_ke ? sa->ke : cfg->ke, ke->u.ke.data, ke->u.ke.data_len,
	                        &error);
	if (g_ir == NULL || !derive(sa, &choice, g_ir)) {
		sa->fail = "key derivation failed";
		sa->state = LOAD_SA_FAILED;
		return;
	}
	if (!build_auth(cfg, sa, reply))
		sa->state = LOAD_SA_FAILED;
}

/* ---- IKE_AUTH response ------------------------------------------------- */

static gboolean
open_sk(LoadSa *sa, IkeMessage *msg)
{
	IkePayload *sk;

	if (msg->payloads->len == 0)
		return FALSE;
	sk = g_ptr_array_index(msg->payloads, msg->payloads->len - 1);
	return sk->type == IKE_PAYLOAD_SK && engine_sk_open_into(sa->sk_in, msg, sk, NULL);
}

static const char *
first_error(const GPtrArray *chain, const char *prefix)
{
	for (guint i = 0; chain != NULL && i < chain->len; i++) {
		const IkePayload *p = g_ptr_array_index(chain, i);

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type < 16384)
			return notify_reason(p->u.notify.type, prefix);
	}
	return NULL;
}

/* ---- the responder's signature ------------------------------------------- */

typedef struct {
	CERTCertificate *cert; /* verified up to a CA we trust */
	CryptoPubKey *pub;
} LoadPeerCert;

void
load_peer_cert_free(gpointer p)
{
	LoadPeerCert *pc = p;

	if (pc->cert != NULL)
		CERT_DestroyCertificate(pc->cert);
	g_clear_pointer(&pc->pub, crypto_pubkey_unref);
	g_free(pc);
}

/* The responder's certificate (first CERT payload, the others as
 * intermediates), its chain checked the first time it is seen.  Borrowed;
 * NULL with sa->fail set. */
static const LoadPeerCert *
peer_cert(const LoadConfig *cfg, LoadSa *sa, const IkeMessage *msg)
{
	g_autoptr(GPtrArray) inter = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	g_autoptr(GBytes) ee = NULL;
	g_autoptr(GError) error = NULL;
	LoadPeerCert *pc;

	for (guint i = 0; i < msg->inner->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->inner, i);
		GBytes *der;

		if (p->type != IKE_PAYLOAD_CERT || p->u.cert.encoding != IKE_CERT_X509_SIGNATURE)
			continue;
		der = g_bytes_new(p->u.cert.data, p->u.cert.data_len);
		if (ee == NULL)
			ee = der;
		else
			g_ptr_array_add(inter, der);
	}
	if (ee == NULL) {
		sa->fail = "responder sent no certificate";
		return NULL;
	}
	pc = g_hash_table_lookup(cfg->peer_certs, ee);
	if (pc == NULL) {
		/* a refused certificate is remembered too (pub NULL), said once */
		pc = g_new0(LoadPeerCert, 1);
		pc->cert = crypto_certdb_verify_peer(ee, inter, NULL, 0, &error);
		if (pc->cert != NULL)
			pc->pub = crypto_pubkey_new_from_cert(pc->cert, &error);
		if (pc->pub == NULL)
			g_printerr("ikebus-load: responder certificate: %s\n", error->message);
		g_hash_table_insert(cfg->peer_certs, g_steal_pointer(&ee), pc);
	}
	if (pc->pub == NULL) {
		sa->fail = "responder certificate does not verify";
		return NULL;
	}
	return pc;
}

/* The responder's AUTH (RFC 7427 method 14, or 1/9/10/11 of RFC 7296 and
 * RFC 4754) over its <SignedOctets>, with the key of its certificate,
 * which must also certify IDr.  FALSE sets sa->fail. */
static gboolean
verify_sig(const LoadConfig *cfg, LoadSa *sa, const IkeMessage *msg, const IkePayload *idr,
           const IkePayload *auth, GBytes *idr_body)
{
	g_autoptr(GBytes) octets = NULL;
	const LoadPeerCert *pc;
	CryptoSigScheme scheme;
	const guint8 *sig, *rd, *nd, *bd, *od;
	gsize sig_len, rl, nl, bl, ol;
	guint ec_bits = 0;

	if (auth->u.auth.method == IKE_AUTH_METHOD_DIGITAL_SIGNATURE) {
		if (!crypto_auth_sig_parse(auth->u.auth.data, auth->u.auth.data_len, &scheme, &sig,
		                           &sig_len, NULL)) {
			sa->fail = "responder AUTH: unknown signature algorithm";
			return FALSE;
		}
	} else if (crypto_auth_method_scheme(auth->u.auth.method, &scheme, &ec_bits, NULL)) {
		sig = auth->u.auth.data;
		sig_len = auth->u.auth.data_len;
	} else {
		sa->fail = "responder AUTH is not a signature";
		return FALSE;
	}
	if (!cfg->verify_peer)
		return TRUE;
	pc = peer_cert(cfg, sa, msg);
	if (pc == NULL)
		return FALSE;
	if (!crypto_certdb_cert_matches_id(pc->cert, idr->u.id.id_type, idr->u.id.data,
	                                   idr->u.id.data_len, NULL)) {
		sa->fail = "responder certificate does not match IDr";
		return FALSE;
	}
	rd = g_bytes_get_data(sa->init_response, &rl);
	nd = g_bytes_get_data(sa->ni, &nl);
	bd = g_bytes_get_data(idr_body, &bl);
	octets = crypto_auth_signed_octets(sa->suite.prf, rd, rl, nd, nl, sa->keys.sk_pr, bd, bl,
	                                   NULL);
	od = octets != NULL ? g_bytes_get_data(octets, &ol) : NULL;
	if (od == NULL || !crypto_verify(pc->pub, scheme, od, ol, sig, sig_len, NULL)) {
		sa->fail = "responder AUTH does not verify";
		return FALSE;
	}
	return TRUE;
}

static void
process_auth(const LoadConfig *cfg, LoadSa *sa, IkeMessage *msg)
{
	IkePayload *idr, *auth;
	g_autoptr(GBytes) idr_body = NULL;
	g_autoptr(GBytes) want = NULL;
	gsize wl;
	const guint8 *wd;

	if (sa->sk_in == NULL || !open_sk(sa, msg)) {
		/* not ours or forged: keep waiting (retransmission decides) */
		return;
	}
	idr = ike_message_get_payload(msg, IKE_PAYLOAD_IDR);
	auth = ike_message_get_payload(msg, IKE_PAYLOAD_AUTH);
	sa->state = LOAD_SA_FAILED;
	if (idr == NULL || auth == NULL) {
		sa->fail = first_error(msg->inner, "IKE_AUTH: ");
		if (sa->fail == NULL)
			sa->fail = "IKE_AUTH response without IDr or AUTH";
		return;
	}
	idr_body = payload_body(idr);
	if (idr_body == NULL) {
		sa->fail = "responder IDr cannot be encoded";
		return;
	}
	if (cfg->key != NULL) {
		if (!verify_sig(cfg, sa, msg, idr, auth, idr_body))
			return;
	} else {
		want = psk_auth(cfg, sa, sa->init_response, sa->ni, sa->keys.sk_pr, idr_body);
		if (want == NULL || auth->u.auth.method != IKE_AUTH_METHOD_SHARED_KEY_MIC) {
			sa->fail = "responder AUTH is not a PSK MIC";
			return;
		}
		wd = g_bytes_get_data(want, &wl);
		if (wl != auth->u.auth.data_len ||
		    !ikebus_memeq_consttime(wd, auth->u.auth.data, wl)) {
			sa->fail = "responder AUTH does not verify";
			return;
		}
	}
	sa->state = LOAD_SA_DONE;
	if (!cfg->childless) {
		sa->child_ok = ike_message_get_payload(msg, IKE_PAYLOAD_SA) != NULL &&
		               ike_message_get_payload(msg, IKE_PAYLOAD_TSI) != NULL;
		if (!sa->child_ok) {
			sa->child_fail = first_error(msg->inner, "Child SA: ");
			if (sa->child_fail == NULL)
				sa->child_fail = "Child SA: no SA payload and no error";
		}
	}
}

void
load_sa_process(const LoadConfig *cfg, LoadSa *sa, GBytes *bytes, GBytes **reply)
{
	g_autoptr(IkeMessage) msg = ike_message_parse_bytes(bytes, NULL);
	const IkeHeader *h;

	*reply = NULL;
	if (msg == NULL)
		return;
	h = &msg->header;
	if (!(h->flags & IKE_FLAG_RESPONSE) || h->spi_i != sa->spi_i)
		return;
	if (sa->state == LOAD_SA_INIT_SENT && h->exchange_type == IKE_EXCHANGE_IKE_SA_INIT &&
	    h->message_id == 0)
		process_init(cfg, sa, msg, reply);
	else if (sa->state == LOAD_SA_AUTH_SENT && h->exchange_type == IKE_EXCHANGE_IKE_AUTH &&
	         h->message_id == 1 && h->spi_r == sa->spi_r)
		process_auth(cfg, sa, msg);
}

void
load_sa_clear(LoadSa *sa)
{
	g_clear_pointer(&sa->ni, g_bytes_unref);
	g_clear_pointer(&sa->nr, g_bytes_unref);
	g_clear_pointer(&sa->cookie, g_bytes_unref);
	g_clear_pointer(&sa->ke, crypto_ke_free);
	g_clear_pointer(&sa->init_request, g_bytes_unref);
	g_clear_pointer(&sa->init_response, g_bytes_unref);
	g_clear_pointer(&sa->last_sent, g_bytes_unref);
	g_clear_pointer(&sa->idi_body, g_bytes_unref);
	g_clear_pointer(&sa->sk_in, crypto_sk_free);
	g_clear_pointer(&sa->sk_out, crypto_sk_free);
	crypto_ike_keys_clear(&sa->keys);
}
