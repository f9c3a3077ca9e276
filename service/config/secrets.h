/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IkebusSecrets: the secrets file, in ipsec.secrets(5) syntax.
 *
 *   # comment
 *   192.0.2.1 192.0.2.2 : PSK "shared secret"
 *   @east.example %any  : PSK 0sc2VjcmV0          (0s base64, 0x hex)
 *   : PSK "the default"                           (no IDs: matches anything)
 *   @user : XAUTH "password"                      (also EAP)
 *   : RSA "nickname"  /  : RSA ckaid  /  : RSA { CKAIDNSS: 0x... }
 *   include /etc/ikebus/secrets.d/NAME.secrets    (a glob such as *.secrets; relative to the file)
 *
 * An entry starts at column 0; indented lines continue it. IDs are IP
 * addresses, @fqdn, user@fqdn, "quoted DNs", or %any (%any4, %any6, 0.0.0.0
 * and :: mean the same). PSK, XAUTH and EAP values live in IkebusSecbuf;
 * RSA and ECDSA entries only name a key in the NSS database.
 *
 * Error messages give file:line and never contain a secret or any text of
 * the value field. Pure GLib + common/secbuf: no D-Bus, no logging of values.
 * Thread: one IkebusSecrets is used from one thread at a time.
 */
#pragma once

#include <glib.h>

#include "secbuf.h"

G_BEGIN_DECLS

#define IKEBUS_SECRETS_ERROR (ikebus_secrets_error_quark())
GQuark ikebus_secrets_error_quark(void);

typedef enum {
	IKEBUS_SECRETS_ERROR_SYNTAX, /* file:line: what is wrong */
	IKEBUS_SECRETS_ERROR_IO,     /* a file could not be read */
	IKEBUS_SECRETS_ERROR_DEPTH,  /* includes nested too deeply (a loop?) */
} IkebusSecretsError;

typedef enum {
	IKEBUS_SECRET_PSK,
	IKEBUS_SECRET_XAUTH,
	IKEBUS_SECRET_EAP,
	IKEBUS_SECRET_RSA,   /* key reference */
	IKEBUS_SECRET_ECDSA, /* key reference */
} IkebusSecretKind;

typedef struct IkebusSecrets IkebusSecrets;

/* Owned, empty. */
IkebusSecrets *ikebus_secrets_new(void);
void ikebus_secrets_free(IkebusSecrets *secrets);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkebusSecrets, ikebus_secrets_free)

/*
 * Reads every file matching @pattern (a path or a glob; a glob that matches
 * nothing gives no secrets, a plain path that does not exist is an error)
 * and their includes. All or nothing: on error the previous secrets stay and
 * FALSE + IKEBUS_SECRETS_ERROR is returned, the message "FILE:LINE: problem".
 */
gboolean ikebus_secrets_load(IkebusSecrets *secrets, const char *pattern, GError **error);

/* Number of entries; the files read by the last successful load (borrowed, NULL-terminated). */
guint ikebus_secrets_get_count(const IkebusSecrets *secrets);
const char *const *ikebus_secrets_get_files(const IkebusSecrets *secrets);

/*
 * The PSK for (@local_id, @remote_id), best match first as pluto chooses:
 * an entry naming both IDs, then one naming one of them (the others %any),
 * then one with only %any, then one with no IDs; the first in file order
 * wins a tie. @remote_id may be NULL or "%any" when the peer is unknown.
 * Owned copy, or NULL when no entry matches.
 */
IkebusSecbuf *ikebus_secrets_lookup_psk(const IkebusSecrets *secrets, const char *local_id,
					const char *remote_id);
/* As above for XAUTH/EAP passwords of @user (@kind XAUTH or EAP). */
IkebusSecbuf *ikebus_secrets_lookup_password(const IkebusSecrets *secrets, IkebusSecretKind kind,
					     const char *user);

/* The signature of the engine's PSK provider (EngineSecrets): @user_data is
 * the IkebusSecrets. */
IkebusSecbuf *ikebus_secrets_psk_lookup_func(const char *local_id, const char *remote_id,
					     gpointer user_data);

G_END_DECLS
