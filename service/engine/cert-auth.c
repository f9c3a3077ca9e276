/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signature authentication in IKE_AUTH (see cert-auth.h).
 *
 *   AUTH = signature over <SignedOctets> (§2.15): the signer's IKE_SA_INIT
 *   message | the other nonce | prf(SK_px, IDx').
 *
 * Which method we sign with: RFC 7427 Digital Signature (14) when the peer
 * announced a hash in SIGNATURE_HASH_ALGORITHMS that we share — SHA2-256
 * first, PKCS#1 v1.5 for RSA keys (what strongSwan and Libreswan both take
 * and what the interop peers were seen to send), ECDSA (DER) with the
 * curve's own hash when the peer allows it — else the RFC 7296 methods:
 * 1 (RSA PKCS#1 v1.5 with SHA-1) or 9/10/11 (ECDSA with the curve's hash,
 * RFC 4754).  We accept all of these from the peer, method 14 with SHA-2
 * only.
 *
 * The peer's public key comes from the first CERT payload (X.509 signature,
 * §3.6), verified up to a CA the NSS database trusts with the other CERT
 * payloads as intermediates and checked against the peer's ID; or from the
 * raw RSA keys configured for that ID (--keyid/--pubkeyrsa) when it sends
 * no certificate.
 */
#include <nss.h>
#include <string.h>

#include "auth-sig.h"
#include "cert-auth.h"
#include "certdb.h"
#include "nss-init.h"

/* ---- policy -------------------------------------------------------------- */

static gboolean
end_has_cred(const IkebusEnd *end)
{
	return end->cert != NULL || end->ckaid != NULL;
}

gboolean
cert_auth_local_signs(const IkeSa *sa)
{
	const IkebusConnection *cfg = sa->conn->cfg;

	return end_has_cred(engine_conn_local_end(sa->conn, sa->local_is_left)) ||
	       (cfg->rsasig && !cfg->psk);
}

static gboolean
peer_may_sign(const IkeSa *sa)
{
	const IkebusEnd *re = engine_conn_remote_end(sa->conn, sa->local_is_left);

	return sa->conn->cfg->rsasig || cert_auth_local_signs(sa) || end_has_cred(re) ||
	       re->ca != NULL;
}

gboolean
cert_auth_is_sig_method(guint8 method)
{
	switch (method) {
	case IKE_AUTH_METHOD_RSA_SIG:
	case IKE_AUTH_METHOD_ECDSA_SHA256_P256:
	case IKE_AUTH_METHOD_ECDSA_SHA384_P384:
	case IKE_AUTH_METHOD_ECDSA_SHA512_P521:
	case IKE_AUTH_METHOD_DIGITAL_SIGNATURE:
		return TRUE;
	default:
		return FALSE;
	}
}

gboolean
cert_auth_peer_method_ok(const IkeSa *sa, guint8 method)
{
	gboolean sig = peer_may_sign(sa);

	if (method == IKE_AUTH_METHOD_SHARED_KEY_MIC)
		return sa->conn->cfg->psk || !sig;
	return sig && cert_auth_is_sig_method(method);
}

/* ---- CERTREQ --------------------------------------------------------------- */

/* Owned DER of the CA the peer must chain to, or NULL for any trusted CA. */
static GBytes *
required_ca(const IkebusEnd *local, const IkebusEnd *remote, CERTCertificate *our_cert)
{
	const char *ca = remote->ca;

	if (ca == NULL || g_str_equal(ca, "%any"))
		return NULL;
	if (g_str_equal(ca, "%same")) {
		if (local->ca != NULL && strchr(local->ca, '=') != NULL)
			return crypto_dn_from_text(local->ca, NULL);
		return our_cert != NULL ? crypto_certdb_cert_issuer(our_cert) : NULL;
	}
	return crypto_dn_from_text(ca, NULL);
}

/* Owned credential of our end (by nickname, else by CKAID; kept by
 * certdb between handshakes), or NULL. */
static CryptoCred *
local_cred(const char *nick, const char *ckaid, gboolean need_key, GError **error)
{
	if (nick == NULL && ckaid == NULL)
		return NULL;
	return crypto_certdb_cred_get(nick, ckaid, need_key, error);
}

IkePayload *
cert_auth_certreq_payload(IkeSa *sa)
{
	const IkebusEnd *le = engine_conn_local_end(sa->conn, sa->local_is_left);
	const IkebusEnd *re = engine_conn_remote_end(sa->conn, sa->local_is_left);
	g_autoptr(CryptoCred) ours = NULL;
	g_autoptr(GBytes) dn = NULL;
	g_autoptr(GBytes) hashes = NULL;
	gsize n;
	const guint8 *d;

	if (!peer_may_sign(sa) || !NSS_IsInitialized())
		return NULL;
	if (re->ca != NULL && g_str_equal(re->ca, "%same"))
		ours = local_cred(le->cert, le->ckaid, FALSE, NULL);
	dn = required_ca(le, re, ours != NULL ? crypto_cred_get_cert(ours) : NULL);
	hashes = crypto_certdb_trusted_ca_hashes(dn);
	d = g_bytes_get_data(hashes, &n);
	if (n == 0)
		return NULL;
	return ike_payload_new_cert(IKE_PAYLOAD_CERTREQ, IKE_CERT_X509_SIGNATURE, d, n);
}

/* ---- the job ------------------------------------------------------------------ */

/* What one side signs (§2.15). */
typedef struct {
	const CryptoPrfAlg *prf;
	GBytes *real;  /* the signer's IKE_SA_INIT message */
	GBytes *nonce; /* the other side's nonce */
	IkebusSecbuf *sk_p;
} Octets;

struct CertAuthJob {
	gatomicrefcount rc;
	/* --- signing --- */
	gboolean sign;
	char *nick;
	char *ckaid;
	gboolean id_from_cert;
	EngineId local_id;
	gboolean local_id_changed;
	Octets ours;
	guint peer_hashes; /* bit n: hash n announced by the peer */
	gboolean legacy;
	gboolean send_cert;
	IkebusSendCa send_ca;
	GBytes *peer_certreq; /* concatenated hashes, or NULL */
	/* results */
	GError *sign_error;
	guint8 method;
	GBytes *auth;
	GPtrArray *certs_out; /* GBytes DER: ours, then CAs */
	char *local_desc;
	/* --- verifying --- */
	gboolean verify;
	guint8 peer_method;
	GBytes *peer_auth;
	EngineId peer_id;
	GPtrArray *peer_certs; /* GBytes DER in payload order */
	char *peer_cert_nick;  /* the peer's certificate preloaded (its end's "cert") */
	GStrv raw_keys;
	char *ca_text;         /* the remote end's "ca" */
	char *local_ca_text;
	Octets theirs;
	/* results */
	GError *peer_error;
	char *peer_desc;
};

static void
octets_clear(Octets *o)
{
	g_clear_pointer(&o->real, g_bytes_unref);
	g_clear_pointer(&o->nonce, g_bytes_unref);
	g_clear_pointer(&o->sk_p, ikebus_secbuf_free);
}

static void
octets_set(Octets *o, IkeSa *sa, gboolean initiator_side)
{
	o->prf = sa->suite.prf;
	o->real = g_bytes_ref(initiator_side ? sa->init_request : sa->init_response);
	o->nonce = g_bytes_ref(initiator_side ? sa->nr : sa->ni);
	o->sk_p = ikebus_secbuf_dup(initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr);
}

static GBytes *
octets_compute(const Octets *o, const EngineId *id, GError **error)
{
	g_autoptr(GBytes) body = engine_id_body(id);
	gsize rl, nl, bl;
	const guint8 *rd = g_bytes_get_data(o->real, &rl);
	const guint8 *nd = g_bytes_get_data(o->nonce, &nl);
	const guint8 *bd = g_bytes_get_data(body, &bl);

	return crypto_auth_signed_octets(o->prf, rd, rl, nd, nl, o->sk_p, bd, bl, error);
}

CertAuthJob *
cert_auth_job_ref(CertAuthJob *job)
{
	g_atomic_ref_count_inc(&job->rc);
	return job;
}

void
cert_auth_job_unref(CertAuthJob *job)
{
	if (job == NULL || !g_atomic_ref_count_dec(&job->rc))
		return;
	g_free(job->nick);
	g_free(job->ckaid);
	engine_id_clear(&job->local_id);
	octets_clear(&job->ours);
	g_clear_pointer(&job->peer_certreq, g_bytes_unref);
	g_clear_error(&job->sign_error);
	g_clear_pointer(&job->auth, g_bytes_unref);
	g_clear_pointer(&job->certs_out, g_ptr_array_unref);
	g_free(job->local_desc);
	g_clear_pointer(&job->peer_auth, g_bytes_unref);
	engine_id_clear(&job->peer_id);
	g_clear_pointer(&job->peer_certs, g_ptr_array_unref);
	g_free(job->peer_cert_nick);
	g_strfreev(job->raw_keys);
	g_free(job->ca_text);
	g_free(job->local_ca_text);
	octets_clear(&job->theirs);
	g_clear_error(&job->peer_error);
	g_free(job->peer_desc);
	g_free(job);
}

/* The hashes of a SIGNATURE_HASH_ALGORITHMS notify in the peer's
 * IKE_SA_INIT message, and whether that message had a CERTREQ. */
static guint
peer_init_hashes(GBytes *init, GBytes **certreq)
{
	g_autoptr(IkeMessage) msg = init != NULL ? ike_message_parse_bytes(init, NULL) : NULL;
	IkePayload *n;
	guint mask = 0;

	if (msg == NULL)
		return 0;
	n = ike_message_get_notify(msg, IKE_NOTIFY_SIGNATURE_HASH_ALGORITHMS);
	for (gsize i = 0; n != NULL && i + 1 < n->u.notify.data_len; i += 2) {
		guint h = (guint) n->u.notify.data[i] << 8 | n->u.notify.data[i + 1];

		if (h < 32)
			mask |= 1u << h;
	}
	if (certreq != NULL) {
		GByteArray *all = NULL;

		for (guint i = 0; i < msg->payloads->len; i++) {
			const IkePayload *p = g_ptr_array_index(msg->payloads, i);

			if (p->type != IKE_PAYLOAD_CERTREQ)
				continue;
			if (all == NULL)
				all = g_byte_array_new();
			if (p->u.cert.encoding == IKE_CERT_X509_SIGNATURE)
				g_byte_array_append(all, p->u.cert.data, (guint) p->u.cert.data_len);
		}
		*certreq = all != NULL ? g_byte_array_free_to_bytes(all) : NULL;
	}
	return mask;
}

/* CERTREQ payloads of an IKE_AUTH request (inner chain). */
static GBytes *
message_certreq(const IkeMessage *msg)
{
	GByteArray *all = NULL;

	for (guint i = 0; msg->inner != NULL && i < msg->inner->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->inner, i);

		if (p->type != IKE_PAYLOAD_CERTREQ)
			continue;
		if (all == NULL)
			all = g_byte_array_new();
		if (p->u.cert.encoding == IKE_CERT_X509_SIGNATURE)
			g_byte_array_append(all, p->u.cert.data, (guint) p->u.cert.data_len);
	}
	return all != NULL ? g_byte_array_free_to_bytes(all) : NULL;
}

static void
setup_sign(CertAuthJob *job, IkeSa *sa, const IkeMessage *peer_msg)
{
	const IkebusEnd *le = engine_conn_local_end(sa->conn, sa->local_is_left);
	const IkebusConnection *cfg = sa->conn->cfg;
	GBytes *peer_init = sa->initiator ? sa->init_response : sa->init_request;
	IkebusSendCert sc = le->send_cert;

	job->sign = TRUE;
	job->nick = g_strdup(le->cert);
	job->ckaid = g_strdup(le->ckaid);
	job->id_from_cert = le->id == NULL || g_str_equal(le->id, "%fromcert");
	job->local_id.type = sa->local_id.type;
	job->local_id.data = g_bytes_ref(sa->local_id.data);
	octets_set(&job->ours, sa, sa->initiator);
	job->legacy = sa->engine->sig_legacy;
	if (sa->initiator)
		job->peer_hashes = peer_init_hashes(peer_init, &job->peer_certreq);
	else {
		job->peer_hashes = peer_init_hashes(peer_init, NULL);
		job->peer_certreq = peer_msg != NULL ? message_certreq(peer_msg) : NULL;
	}
	if (sc == IKEBUS_SEND_CERT_UNSET)
		sc = sa->initiator ? IKEBUS_SEND_CERT_ALWAYS : IKEBUS_SEND_CERT_IFASKED;
	switch (sc) {
	case IKEBUS_SEND_CERT_UNSET:
	case IKEBUS_SEND_CERT_ALWAYS:
		job->send_cert = TRUE;
		break;
	case IKEBUS_SEND_CERT_IFASKED:
		job->send_cert = job->peer_certreq != NULL;
		break;
	case IKEBUS_SEND_CERT_NEVER:
		job->send_cert = FALSE;
		break;
	}
	job->send_ca = cfg->send_ca == IKEBUS_SEND_CA_UNSET ? IKEBUS_SEND_CA_ISSUER : cfg->send_ca;
}

static void
setup_verify(CertAuthJob *job, IkeSa *sa, const IkeMessage *msg)
{
	const IkebusEnd *le = engine_conn_local_end(sa->conn, sa->local_is_left);
	const IkebusEnd *re = engine_conn_remote_end(sa->conn, sa->local_is_left);
	IkePayload *auth = ike_message_get_payload(msg, IKE_PAYLOAD_AUTH);

	job->verify = TRUE;
	job->peer_method = auth->u.auth.method;
	job->peer_auth = g_bytes_new(auth->u.auth.data, auth->u.auth.data_len);
	job->peer_id.type = sa->remote_id.type;
	job->peer_id.data = g_bytes_ref(sa->remote_id.data);
	job->peer_certs = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	for (guint i = 0; msg->inner != NULL && i < msg->inner->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->inner, i);

		if (p->type == IKE_PAYLOAD_CERT && p->u.cert.encoding == IKE_CERT_X509_SIGNATURE)
			g_ptr_array_add(job->peer_certs,
			                g_bytes_new(p->u.cert.data, p->u.cert.data_len));
	}
	job->peer_cert_nick = g_strdup(re->cert);
	if (sa->engine->lookup_pubkeys != NULL) {
		g_autofree char *id = engine_id_to_text(&sa->remote_id);

		job->raw_keys = sa->engine->lookup_pubkeys(id, sa->engine->lookup_pubkeys_data);
	}
	job->ca_text = g_strdup(re->ca);
	job->local_ca_text = g_strdup(le->ca);
	if (job->nick == NULL && job->ckaid == NULL) {
		/* "%same" needs our certificate even when we do not sign */
		job->nick = g_strdup(le->cert);
		job->ckaid = g_strdup(le->ckaid);
	}
	octets_set(&job->theirs, sa, !sa->initiator);
}

CertAuthJob *
cert_auth_job_new(IkeSa *sa, gboolean sign, const IkeMessage *peer_msg)
{
	CertAuthJob *job = g_new0(CertAuthJob, 1);

	g_atomic_ref_count_init(&job->rc);
	if (sign)
		setup_sign(job, sa, peer_msg);
	if (peer_msg != NULL && ike_message_get_payload(peer_msg, IKE_PAYLOAD_AUTH) != NULL &&
	    cert_auth_is_sig_method(
		    ike_message_get_payload(peer_msg, IKE_PAYLOAD_AUTH)->u.auth.method))
		setup_verify(job, sa, peer_msg);
	return job;
}

/* ---- on the pool: signing -------------------------------------------------------- */

static gboolean
peer_has_hash(const CertAuthJob *job, CryptoSigHash h)
{
	return !job->legacy && (job->peer_hashes & (1u << h)) != 0;
}

static CryptoSigHash
curve_hash(guint bits)
{
	return bits >= 521 ? CRYPTO_SIG_HASH_SHA2_512
	       : bits >= 384 ? CRYPTO_SIG_HASH_SHA2_384
	                     : CRYPTO_SIG_HASH_SHA2_256;
}

/* The method and scheme for @key (see the top of the file). */
static void
choose_scheme(const CertAuthJob *job, CryptoPrivKey *key, guint8 *method, CryptoSigScheme *s)
{
	static const CryptoSigHash pref[] = { CRYPTO_SIG_HASH_SHA2_256, CRYPTO_SIG_HASH_SHA2_384,
		                              CRYPTO_SIG_HASH_SHA2_512 };
	guint bits = crypto_privkey_get_bits(key);

	if (crypto_privkey_get_key_type(key) == CRYPTO_KEY_RSA) {
		for (gsize i = 0; i < G_N_ELEMENTS(pref); i++) {
			if (peer_has_hash(job, pref[i])) {
				*method = IKE_AUTH_METHOD_DIGITAL_SIGNATURE;
				*s = (CryptoSigScheme){ CRYPTO_SIG_RSA_PKCS1, pref[i] };
				return;
			}
		}
		*method = IKE_AUTH_METHOD_RSA_SIG;
		*s = (CryptoSigScheme){ CRYPTO_SIG_RSA_PKCS1, CRYPTO_SIG_HASH_SHA1 };
		return;
	}
	if (peer_has_hash(job, curve_hash(bits))) {
		*method = IKE_AUTH_METHOD_DIGITAL_SIGNATURE;
		*s = (CryptoSigScheme){ CRYPTO_SIG_ECDSA_DER, curve_hash(bits) };
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(pref); i++) {
		if (peer_has_hash(job, pref[i])) {
			*method = IKE_AUTH_METHOD_DIGITAL_SIGNATURE;
			*s = (CryptoSigScheme){ CRYPTO_SIG_ECDSA_DER, pref[i] };
			return;
		}
	}
	*method = bits >= 521   ? IKE_AUTH_METHOD_ECDSA_SHA512_P521
	          : bits >= 384 ? IKE_AUTH_METHOD_ECDSA_SHA384_P384
	                        : IKE_AUTH_METHOD_ECDSA_SHA256_P256;
	*s = (CryptoSigScheme){ CRYPTO_SIG_ECDSA_RAW, curve_hash(bits) };
}

static const char *
key_kind(CryptoKeyType t)
{
	switch (t) {
	case CRYPTO_KEY_RSA:
		return "RSA";
	case CRYPTO_KEY_EC:
		return "ECDSA";
	}
	return "?";
}

static gboolean
run_sign(CertAuthJob *job, GError **error)
{
	g_autoptr(CryptoCred) cred = NULL;
	CERTCertificate *cert;
	CryptoPrivKey *key;
	g_autoptr(GBytes) octets = NULL;
	g_autoptr(GBytes) sig = NULL;
	CryptoSigScheme scheme;
	gsize n;
	const guint8 *d;

	if (job->nick == NULL && job->ckaid == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "no certificate (cert) or key (ckaid) for our end");
		return FALSE;
	}
	cred = local_cred(job->nick, job->ckaid, TRUE, error);
	if (cred == NULL)
		return FALSE;
	cert = crypto_cred_get_cert(cred);
	key = crypto_cred_get_key(cred);
	if (job->id_from_cert && cert != NULL) {
		engine_id_clear(&job->local_id);
		job->local_id.type = IKE_ID_DER_ASN1_DN;
		job->local_id.data = g_bytes_ref(crypto_cred_get_subject(cred));
		job->local_id_changed = TRUE;
	} else if (job->local_id.type == 0) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "our ID is %fromcert but there is no certificate");
		return FALSE;
	}
	octets = octets_compute(&job->ours, &job->local_id, error);
	if (octets == NULL)
		return FALSE;
	choose_scheme(job, key, &job->method, &scheme);
	d = g_bytes_get_data(octets, &n);
	sig = crypto_sign(key, scheme, d, n, error);
	if (sig == NULL)
		return FALSE;
	if (job->method == IKE_AUTH_METHOD_DIGITAL_SIGNATURE) {
		d = g_bytes_get_data(sig, &n);
		job->auth = crypto_auth_sig_build(scheme, d, n, error);
		if (job->auth == NULL)
			return FALSE;
	} else {
		job->auth = g_steal_pointer(&sig);
	}
	job->local_desc = g_strdup_printf("%s signature (%s)",
	                                  key_kind(crypto_privkey_get_key_type(key)),
	                                  crypto_sig_scheme_name(scheme));
	job->certs_out = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	if (cert != NULL && job->send_cert) {
		g_ptr_array_add(job->certs_out, g_bytes_ref(crypto_cred_get_der(cred)));
		if (job->send_ca != IKEBUS_SEND_CA_NONE) {
			GPtrArray *cas = crypto_cred_get_ca_chain(
				cred, job->send_ca == IKEBUS_SEND_CA_ISSUER);

			for (guint i = 0; i < cas->len; i++)
				g_ptr_array_add(job->certs_out, g_bytes_ref(cas->pdata[i]));
		}
	}
	if (cert != NULL && job->peer_certreq != NULL && g_bytes_get_size(job->peer_certreq) > 0 &&
	    !crypto_cred_chain_matches_hashes(cred, g_bytes_get_data(job->peer_certreq, NULL),
	                                      g_bytes_get_size(job->peer_certreq)))
		g_debug("our certificate is not from a CA the peer's CERTREQ names");
	return TRUE;
}

/* ---- on the pool: verifying --------------------------------------------------------- */

/* The scheme of the peer's AUTH and its signature (borrowed from @auth). */
static gboolean
peer_scheme(guint8 method, GBytes *auth, CryptoSigScheme *s, guint *ec_bits, const guint8 **sig,
            gsize *sig_len, GError **error)
{
	gsize n;
	const guint8 *d = g_bytes_get_data(auth, &n);

	*ec_bits = 0;
	if (method == IKE_AUTH_METHOD_DIGITAL_SIGNATURE) {
		if (!crypto_auth_sig_parse(d, n, s, sig, sig_len, error))
			return FALSE;
		if (s->hash != CRYPTO_SIG_HASH_SHA2_256 && s->hash != CRYPTO_SIG_HASH_SHA2_384 &&
		    s->hash != CRYPTO_SIG_HASH_SHA2_512) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
			            "the peer signed with %s, a hash we did not announce",
			            crypto_sig_scheme_name(*s));
			return FALSE;
		}
		return TRUE;
	}
	*sig = d;
	*sig_len = n;
	return crypto_auth_method_scheme(method, s, ec_bits, error);
}

/* The peer's certificate, verified and matched to its ID; NULL when it
 * sent none (and has none configured). */
static gboolean
peer_cert(CertAuthJob *job, CERTCertificate **out, char **subject, CryptoPubKey **pub,
          GError **error)
{
	g_autoptr(GBytes) ee = NULL;
	g_autoptr(GPtrArray) inter = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
	g_autoptr(GBytes) ca = NULL;
	g_autoptr(CryptoCred) ours = NULL;
	g_autoptr(CERTCertificate) cert = NULL;
	gsize n;
	const guint8 *d;

	*out = NULL;
	if (job->peer_certs->len > 0) {
		ee = g_bytes_ref(job->peer_certs->pdata[0]);
		for (guint i = 1; i < job->peer_certs->len; i++)
			g_ptr_array_add(inter, g_bytes_ref(job->peer_certs->pdata[i]));
	} else if (job->peer_cert_nick != NULL) {
		g_autoptr(CryptoCred) pre = crypto_certdb_cred_get(job->peer_cert_nick, NULL, FALSE,
		                                                   error);

		if (pre == NULL)
			return FALSE;
		ee = g_bytes_ref(crypto_cred_get_der(pre));
	} else {
		return TRUE;
	}
	if (job->ca_text != NULL && g_str_equal(job->ca_text, "%same") &&
	    (job->local_ca_text == NULL || strchr(job->local_ca_text, '=') == NULL))
		ours = local_cred(job->nick, job->ckaid, FALSE, NULL);
	if (job->ca_text != NULL && !g_str_equal(job->ca_text, "%any")) {
		IkebusEnd le = { .ca = job->local_ca_text };
		IkebusEnd re = { .ca = job->ca_text };

		ca = required_ca(&le, &re, ours != NULL ? crypto_cred_get_cert(ours) : NULL);
		if (ca == NULL) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
			            "cannot tell which CA \"%s\" means", job->ca_text);
			return FALSE;
		}
	}
	/* the chain check may reuse a recent answer; the signature over AUTH
	 * (run_verify) is checked every time */
	cert = crypto_certdb_verify_peer_cached(ee, inter, ca, subject, pub, error);
	if (cert == NULL)
		return FALSE;
	d = g_bytes_get_data(job->peer_id.data, &n);
	if (!crypto_certdb_cert_matches_id(cert, job->peer_id.type, d, n, error))
		return FALSE;
	*out = g_steal_pointer(&cert);
	return TRUE;
}

static gboolean
run_verify(CertAuthJob *job, GError **error)
{
	g_autoptr(CERTCertificate) cert = NULL;
	g_autofree char *subject = NULL;
	g_autoptr(CryptoPubKey) pub = NULL;
	g_autoptr(GBytes) octets = NULL;
	g_autoptr(GError) last = NULL;
	CryptoSigScheme s;
	guint ec_bits;
	const guint8 *sig;
	gsize sig_len, n;
	const guint8 *d;

	if (!peer_scheme(job->peer_method, job->peer_auth, &s, &ec_bits, &sig, &sig_len, error))
		return FALSE;
	if (!peer_cert(job, &cert, &subject, &pub, error))
		return FALSE;
	octets = octets_compute(&job->theirs, &job->peer_id, error);
	if (octets == NULL)
		return FALSE;
	d = g_bytes_get_data(octets, &n);
	if (cert != NULL) {
		if (pub == NULL)
			pub = crypto_pubkey_new_from_cert(cert, error);
		if (pub == NULL)
			return FALSE;
		if (ec_bits != 0 && crypto_pubkey_get_bits(pub) != ec_bits) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
			            "AUTH method %u needs a P-%u key", job->peer_method, ec_bits);
			return FALSE;
		}
		if (!crypto_verify(pub, s, d, n, sig, sig_len, error))
			return FALSE;
		job->peer_desc = g_strdup_printf("%s signature (%s) and certificate '%s'",
		                                 key_kind(crypto_pubkey_get_key_type(pub)),
		                                 crypto_sig_scheme_name(s), subject ? subject : "?");
		return TRUE;
	}
	for (guint i = 0; job->raw_keys != NULL && job->raw_keys[i] != NULL; i++) {
		g_autoptr(CryptoPubKey) raw = crypto_pubkey_new_from_rfc3110(job->raw_keys[i], NULL);

		g_clear_error(&last);
		if (raw != NULL && crypto_verify(raw, s, d, n, sig, sig_len, &last)) {
			job->peer_desc = g_strdup_printf("RSA signature (%s) and raw key #%u",
			                                 crypto_sig_scheme_name(s), i + 1);
			return TRUE;
		}
	}
	if (last != NULL) {
		g_propagate_error(error, g_steal_pointer(&last));
		return FALSE;
	}
	g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
	                    "the peer sent no certificate and we have no public key for its ID");
	return FALSE;
}

static void
cert_auth_job_run(gpointer data)
{
	CertAuthJob *job = data;

	/* the peer first: no signature of ours for a peer that fails */
	if (job->verify && !run_verify(job, &job->peer_error))
		return;
	if (job->sign)
		run_sign(job, &job->sign_error);
}

void
cert_auth_job_submit(IkeSa *sa, Task *owner, CertAuthJob *job)
{
	engine_worker_submit_job(sa->engine, sa, owner, cert_auth_job_ref(job), cert_auth_job_run,
	                         NULL, (GDestroyNotify) cert_auth_job_unref);
}

/* ---- results ------------------------------------------------------------------- */

gboolean
cert_auth_job_sign_ok(CertAuthJob *job, GError **error)
{
	if (job->sign_error != NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    job->sign_error->message);
		return FALSE;
	}
	if (job->auth == NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED, "no signature made");
		return FALSE;
	}
	return TRUE;
}

void
cert_auth_job_take_local_id(CertAuthJob *job, EngineId *id)
{
	if (!job->local_id_changed)
		return;
	engine_id_clear(id);
	*id = job->local_id;
	job->local_id = (EngineId){ 0 };
	job->local_id_changed = FALSE;
}

void
cert_auth_job_add_certs(CertAuthJob *job, GPtrArray *payloads)
{
	for (guint i = 0; job->certs_out != NULL && i < job->certs_out->len; i++) {
		gsize n;
		const guint8 *d = g_bytes_get_data(job->certs_out->pdata[i], &n);

		g_ptr_array_add(payloads,
		                ike_payload_new_cert(IKE_PAYLOAD_CERT, IKE_CERT_X509_SIGNATURE, d, n));
	}
}

void
cert_auth_job_add_auth(CertAuthJob *job, GPtrArray *payloads)
{
	gsize n;
	const guint8 *d = g_bytes_get_data(job->auth, &n);

	g_ptr_array_add(payloads, ike_payload_new_auth(job->method, d, n));
}

const char *
cert_auth_job_local_desc(CertAuthJob *job)
{
	return job->local_desc != NULL ? job->local_desc : "signature";
}

gboolean
cert_auth_job_peer_ok(CertAuthJob *job, GError **error)
{
	if (!job->verify) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "the peer does not authenticate with a signature");
		return FALSE;
	}
	if (job->peer_error != NULL) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    job->peer_error->message);
		return FALSE;
	}
	return job->peer_desc != NULL;
}

const char *
cert_auth_job_peer_desc(CertAuthJob *job)
{
	return job->peer_desc != NULL ? job->peer_desc : "signature";
}

/* ---- configuration ----------------------------------------------------------------- */

void
engine_set_pubkey_lookup(Engine *engine, EnginePubkeyLookupFunc func, gpointer user_data)
{
	engine->lookup_pubkeys = func;
	engine->lookup_pubkeys_data = user_data;
}
