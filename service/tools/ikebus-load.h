/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-load: shared declarations of the load generator (ikebus-load.c
 * runs the loop and the statistics, ikebus-load-sa.c builds and checks the
 * messages of one IKE SA).
 *
 * The generator is a lean IKEv2 initiator on the pure codec (ike/) and the
 * crypto layer (crypto/), not on the Engine: it keeps no SA after IKE_AUTH,
 * installs nothing, logs nothing per SA, and by default reuses one key pair
 * for every IKE SA (RFC 7296 §2.12 allows reusing a DH value), so one SA
 * costs it a single key derivation where the responder pays a key pair and a
 * derivation.  That keeps the generator from being the bottleneck; it
 * measures its own CPU time so that the claim can be checked.
 *
 * Authentication: PSK (§2.15), or with --cert a signature (RFC 7427 Digital
 * Signature, method 14, SHA2-256: RSA PKCS#1 v1.5 or ECDSA) with our
 * certificate from the NSS database.  Every SA signs for itself (the signed
 * octets hold the responder's nonce), so an RSA suite costs the generator
 * one private-key operation per SA, as it costs the responder.
 *
 * Everything runs on one thread.  A failed SA carries a static reason string
 * in LoadSa.fail (interned notify names included), counted per reason.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>

#include "engine-private.h"
#include "sign.h"

G_BEGIN_DECLS

typedef enum {
	LOAD_SA_IDLE,
	LOAD_SA_INIT_SENT,
	LOAD_SA_AUTH_SENT,
	LOAD_SA_DONE,
	LOAD_SA_FAILED,
} LoadSaState;

/* Settings shared by every SA. */
typedef struct {
	GArray *ike_props; /* PropSpec, from the connection model's "ike" */
	GArray *esp_props; /* PropSpec, from "esp" */
	gboolean childless;
	gboolean fresh_ke;  /* a new key pair per IKE SA */
	CryptoKe *ke;       /* shared key pair (fresh_ke FALSE) */
	guint16 ke_group;
	IkebusSecbuf *psk;
	char *id_format;    /* "load-%u@bench.example" */
	EngineId remote_id; /* type 0: no IDr sent */
	GArray *ts_local;   /* IkeTrafficSelector */
	GArray *ts_remote;
	/* addresses as the NAT_DETECTION hashes need them */
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	gboolean natt; /* IKE on the NAT-T port: non-ESP marker */
	guint32 spi_prefix; /* high half of every SPIi; the low half is the index */
	/* certificate authentication (--cert); key NULL: PSK */
	CryptoPrivKey *key;
	CryptoSigScheme scheme; /* what we sign with (method 14) */
	GPtrArray *certs;       /* GBytes DER: ours, then its issuer when not a root */
	EngineId cert_id;       /* IDi: the certificate's subject DN, or --id-format */
	GBytes *certreq;        /* SHA-1 hashes of the CAs we trust, or NULL */
	gboolean verify_peer;   /* check the responder's certificate and signature */
	GHashTable *peer_certs; /* responder cert DER -> LoadPeerCert: chain checked once */
} LoadConfig;

typedef struct {
	guint index;
	guint slot; /* position in the in-flight array */
	LoadSaState state;
	guint64 spi_i;
	guint64 spi_r;
	GBytes *ni;
	GBytes *nr;
	GBytes *cookie;
	CryptoKe *ke;         /* fresh_ke only */
	GBytes *init_request; /* as sent (without the marker) */
	GBytes *init_response;
	GBytes *last_sent;    /* for retransmission (without the marker) */
	CryptoIkeSuite suite;
	CryptoIkeKeys keys;
	CryptoSk *sk_in;
	CryptoSk *sk_out;
	GBytes *idi_body;
	guint tries;
	guint cookies;
	gint64 t_start; /* monotonic µs of the first IKE_SA_INIT */
	gint64 t_sent;  /* of the last transmission */
	gint64 t_done;
	gboolean child_ok;
	const char *fail;       /* reason, static */
	const char *child_fail; /* Child SA refused (the IKE SA is up) */
} LoadSa;

/* Frees a LoadPeerCert (the values of LoadConfig.peer_certs). */
void load_peer_cert_free(gpointer p);

/* Builds the IKE_SA_INIT request of @sa (fresh nonce unless retrying with a
 * cookie); FALSE sets sa->fail. */
gboolean load_sa_build_init(const LoadConfig *cfg, LoadSa *sa);
/* Processes a message for @sa; *@reply receives the datagram to send
 * (owned) when there is one.  On return the state says what happened. */
void load_sa_process(const LoadConfig *cfg, LoadSa *sa, GBytes *msg, GBytes **reply);
/* Drops everything but the timings and results. */
void load_sa_clear(LoadSa *sa);

/* NAT_DETECTION hash (RFC 7296 §2.23) of SPIi | SPIr | address | port. */
void load_nat_hash(guint64 spi_i, guint64 spi_r, const struct sockaddr_storage *ss,
                   guint8 out[20]);

G_END_DECLS
