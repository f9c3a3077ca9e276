/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nss-init.h"

#include <nss.h>
#include <prerror.h>
#include <secerr.h>

G_DEFINE_QUARK(ikebus-crypto-error-quark, crypto_error)

static GMutex init_lock;

gboolean
crypto_set_nss_error(GError **error, const char *what)
{
	PRErrorCode code = PORT_GetError();
	const char *name = PR_ErrorToName(code);

	g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED, "%s: %s (%d)", what,
		    name != NULL ? name : "unknown NSS error", (int) code);
	return FALSE;
}

gboolean
crypto_nss_require(GError **error)
{
	if (NSS_IsInitialized())
		return TRUE;
	g_set_error_literal(error, CRYPTO_ERROR, CRYPTO_ERROR_FAILED,
			    "NSS is not initialised (call crypto_nss_init_*() first)");
	return FALSE;
}

static gboolean
init_locked(const char *dir, GError **error)
{
	SECStatus rv;

	if (NSS_IsInitialized())
		return TRUE;
	/* Not NSS_NoDB_Init() nor NSS_InitReadWrite(): the former asks softoken
	 * to "optimise for space", which gives it tiny session and object hash
	 * tables, and every key and context NSS makes then walks a chain that
	 * grows with the number of SAs (142 us per context at 40,000 SAs
	 * against 24 us without).  Root certificates are never loaded: peers
	 * are checked against the CAs an admin put in our own database. */
	if (dir == NULL) {
		rv = NSS_Initialize("", "", "", SECMOD_DB,
				    NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
					    NSS_INIT_FORCEOPEN | NSS_INIT_NOROOTINIT);
	} else {
		g_autofree char *spec = g_str_has_prefix(dir, "sql:") ? g_strdup(dir)
								  : g_strconcat("sql:", dir, NULL);
		rv = NSS_Initialize(spec, "", "", SECMOD_DB, NSS_INIT_NOROOTINIT);
	}
	if (rv != SECSuccess)
		return crypto_set_nss_error(error, "NSS initialisation");
	return TRUE;
}

gboolean
crypto_nss_init_nodb(GError **error)
{
	gboolean ok;

	g_mutex_lock(&init_lock);
	ok = init_locked(NULL, error);
	g_mutex_unlock(&init_lock);
	return ok;
}

gboolean
crypto_nss_init_db(const char *dir, GError **error)
{
	gboolean ok;

	g_mutex_lock(&init_lock);
	ok = init_locked(dir, error);
	g_mutex_unlock(&init_lock);
	return ok;
}
