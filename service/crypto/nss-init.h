/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NSS start-up for ikebus.  The daemon opens its certificate database; tools
 * and tests that only need the algorithms call crypto_nss_init_nodb().
 * Both are idempotent and thread-safe; the first successful call wins.
 *
 * Errors: CRYPTO_ERROR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CRYPTO_ERROR (crypto_error_quark())
GQuark crypto_error_quark(void);

typedef enum {
	CRYPTO_ERROR_FAILED,      /* NSS said no; the message carries its error name */
	CRYPTO_ERROR_UNSUPPORTED, /* algorithm or group this build or NSS lacks */
	CRYPTO_ERROR_INVALID,     /* bad input: wrong length, invalid peer public value */
	CRYPTO_ERROR_AUTH,        /* integrity check or signature verification failed */
} CryptoError;

/* Initialise NSS without a database (algorithms only). */
gboolean crypto_nss_init_nodb(GError **error);
/* Initialise NSS with the database in @dir (sql: prefix implied), read-write. */
gboolean crypto_nss_init_db(const char *dir, GError **error);
/* TRUE if NSS is initialised; else CRYPTO_ERROR_FAILED saying to call
 * crypto_nss_init_*() first.  Entry points that need NSS check this. */
gboolean crypto_nss_require(GError **error);
/* Sets @error from NSS's PORT_GetError() with @what as context. Returns FALSE. */
gboolean crypto_set_nss_error(GError **error, const char *what);

G_END_DECLS
