/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 key exchange (RFC 7296 §1.2, §3.4) over NSS.
 *
 * Groups (IANA "Transform Type 4 - Key Exchange Method Transform IDs"):
 *   MODP  5, 14, 15, 16, 17, 18  RFC 3526 primes, generator 2
 *   ECP   19, 20, 21             RFC 5903 (x || y, no 0x04 prefix)
 *   X25519 31                    RFC 8031 / RFC 7748
 *
 * Every group has one CryptoKeGroup descriptor (STYLE.md habit 6).  A
 * CryptoKe holds our private value and the public value we send; the
 * private value never leaves NSS.
 *
 * Thread: key generation and derivation are CPU-heavy (a 8192-bit MODP key
 * pair costs tens of milliseconds), so the engine runs crypto_ke_new() and
 * crypto_ke_derive() on the crypto worker pool, never on the main loop.
 * All functions are thread-safe; a CryptoKe may be created on one thread
 * and used or freed on another, but not by two threads at once.
 *
 * NSS must be initialised (crypto_nss_init_nodb() or _db()) first.
 *
 * Errors: CRYPTO_ERROR (INVALID for bad peer values and wrong lengths,
 * UNSUPPORTED for unknown groups, FAILED when NSS refuses).
 */
#pragma once

#include <glib.h>

#include "secbuf.h"

G_BEGIN_DECLS

typedef enum {
	CRYPTO_KE_MODP,   /* finite-field Diffie-Hellman, RFC 3526 */
	CRYPTO_KE_ECP,    /* NIST prime curves, RFC 5903 */
	CRYPTO_KE_X25519, /* Curve25519, RFC 8031 */
} CryptoKeKind;

typedef struct {
	guint16 id;          /* IANA transform id (KE payload "DH Group Num") */
	const char *name;    /* "modp2048", "ecp256", "curve25519" */
	CryptoKeKind kind;
	gsize public_len;    /* length of the KE payload's Key Exchange Data */
	gsize secret_len;    /* length of g^ir */
	guint bits;          /* prime or field size in bits */
	/* MODP only: the prime, big-endian, public_len bytes; generator is 2 */
	const guint8 *prime;
	/* ECP and X25519: the NSS SECOidTag of the curve (0 for MODP) */
	int nss_curve_oid;
} CryptoKeGroup;

/* Borrowed descriptor for IANA id @id, or NULL if we do not implement it. */
const CryptoKeGroup *crypto_ke_group_lookup(guint id);
/* Borrowed descriptor by name ("modp2048", "ecp256", "curve25519", ...) or NULL. */
const CryptoKeGroup *crypto_ke_group_lookup_name(const char *name);
/* All groups, in IANA id order; @n_groups receives the count.  Borrowed. */
const CryptoKeGroup *crypto_ke_groups(gsize *n_groups);

typedef struct _CryptoKe CryptoKe;

/* Owned: a fresh key pair for @group.  CPU-heavy; call on a worker thread. */
CryptoKe *crypto_ke_new(const CryptoKeGroup *group, GError **error);
/*
 * Owned: a key pair from a given private value, for known-answer tests.
 * ECP: @priv is the big-endian scalar (field length) and @pub (x || y) is
 * required, because NSS 3.87 only imports EC keys together with their public
 * point; the pair is checked (sign + verify) and a mismatch is INVALID.
 * X25519: @priv is the 32-byte RFC 7748 scalar; @pub may be NULL (it is
 * computed) or is checked.  MODP: UNSUPPORTED.
 */
CryptoKe *crypto_ke_new_from_private(const CryptoKeGroup *group, const guint8 *priv,
				     gsize priv_len, const guint8 *pub, gsize pub_len,
				     GError **error);
/* Borrowed group descriptor. */
const CryptoKeGroup *crypto_ke_get_group(CryptoKe *ke);
/* Borrowed: our public value exactly as the KE payload carries it. */
GBytes *crypto_ke_get_public(CryptoKe *ke);
/*
 * Owned: the shared secret g^ir as IKEv2 uses it (MODP: zero-padded to the
 * prime length; ECP: the x coordinate, RFC 5903 §9; X25519: 32 bytes).
 * @peer is validated first (exact length; MODP 1 < y < p-1; ECP point on the
 * curve; X25519 not low-order).  CPU-heavy; call on a worker thread.
 */
IkebusSecbuf *crypto_ke_derive(CryptoKe *ke, const guint8 *peer, gsize peer_len,
			       GError **error);
/* Frees the private value (an NSS object) once g^ir is made; the group and
 * the public value stay readable, crypto_ke_derive() fails from now on.
 * NULL-safe. */
void crypto_ke_drop_private(CryptoKe *ke);
/* NULL-safe. */
void crypto_ke_free(CryptoKe *ke);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CryptoKe, crypto_ke_free)

G_END_DECLS
