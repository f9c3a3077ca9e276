/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signature authentication for IKE_AUTH (RFC 7296 §2.15, §3.6-3.8; RFC 7427;
 * RFC 4754): which side signs, CERTREQ, CERT, AUTH methods 1, 9-11 and 14,
 * and the check of the peer's certificate, ID and signature.
 *
 * The work that touches the NSS database or signs runs as one CertAuthJob on
 * the engine's worker pool: the IKE_AUTH task snapshots what the job needs
 * (cert_auth_job_new()), submits it and returns TASK_ASYNC; when the step
 * runs again the job is finished and the task reads its results.  A job is
 * reference-counted so that the pool and the task can both hold it.
 *
 * Everything here but cert_auth_job_run() runs on the engine thread.
 * Errors: ENGINE_ERROR_FAILED with the reason.
 */
#pragma once

#include "engine-private.h"

G_BEGIN_DECLS

/* TRUE when our end of @sa's connection authenticates with a signature:
 * it names a certificate or a CKAID, or the connection says --rsasig
 * without --psk. */
gboolean cert_auth_local_signs(const IkeSa *sa);
/* TRUE when the peer may authenticate with AUTH method @method. */
gboolean cert_auth_peer_method_ok(const IkeSa *sa, guint8 method);
/* TRUE for the signature methods (1, 9, 10, 11, 14). */
gboolean cert_auth_is_sig_method(guint8 method);

/* Owned CERTREQ payload naming the CAs we accept for the peer (its "ca",
 * "%same": the issuer of our certificate, else every trusted CA), or NULL
 * when the peer is not to sign or we know no CA. */
IkePayload *cert_auth_certreq_payload(IkeSa *sa);

typedef struct CertAuthJob CertAuthJob;

/* A job that signs for our side (@sign) and/or checks the peer's AUTH in
 * @peer_msg (NULL: nothing to check).  @peer_msg is the message with the
 * peer's IDx, CERT and AUTH; for the responder also the CERTREQ.  Copies
 * what it needs. */
CertAuthJob *cert_auth_job_new(IkeSa *sa, gboolean sign, const IkeMessage *peer_msg);
CertAuthJob *cert_auth_job_ref(CertAuthJob *job);
void cert_auth_job_unref(CertAuthJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CertAuthJob, cert_auth_job_unref)
/* Submits @job (a new reference is taken) to the pool for task @owner. */
void cert_auth_job_submit(IkeSa *sa, Task *owner, CertAuthJob *job);

/* Results, once the job ran. */
/* FALSE + error when signing failed (no certificate, no key ...). */
gboolean cert_auth_job_sign_ok(CertAuthJob *job, GError **error);
/* Our ID after the job (the certificate's subject for %fromcert): moves
 * it into @id if the job changed it. */
void cert_auth_job_take_local_id(CertAuthJob *job, EngineId *id);
/* Appends our CERT payloads (certificate, then CAs per --sendca). */
void cert_auth_job_add_certs(CertAuthJob *job, GPtrArray *payloads);
/* Appends our AUTH payload. */
void cert_auth_job_add_auth(CertAuthJob *job, GPtrArray *payloads);
/* "RSA signature (rsa-pkcs1-sha256)" style, for logs; borrowed. */
const char *cert_auth_job_local_desc(CertAuthJob *job);
/* FALSE + error when the peer's certificate, ID or signature is not good. */
gboolean cert_auth_job_peer_ok(CertAuthJob *job, GError **error);
/* "RSA signature (rsa-pkcs1-sha256) and certificate 'O=..., CN=...'"; borrowed. */
const char *cert_auth_job_peer_desc(CertAuthJob *job);

G_END_DECLS
