/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "alg-nss.h"

#include "nss-auto.h"
#include "nss-init.h"

PK11SymKey *
crypto_sym_key_import(CK_MECHANISM_TYPE mech, CK_ATTRIBUTE_TYPE op, const guint8 *key, gsize len,
                      GError **error)
{
	g_autoptr(PK11SlotInfo) slot = NULL;
	SECItem item = {siBuffer, (unsigned char *) key, (unsigned int) len};
	CK_FLAGS flags;
	PK11SymKey *sym;

	if (len == 0 || len > 1024) {
		g_set_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID, "bad key length %zu", len);
		return NULL;
	}
	slot = PK11_GetBestSlot(mech, NULL);
	if (slot == NULL) {
		crypto_set_nss_error(error, "no NSS slot for mechanism");
		return NULL;
	}
	/* One key object serves both directions of a cipher, so give it both
	 * capabilities explicitly instead of PK11_ImportSymKey's single one. */
	flags = op == CKA_ENCRYPT ? (CKF_ENCRYPT | CKF_DECRYPT) : (CKF_SIGN | CKF_VERIFY);
	sym = PK11_ImportSymKeyWithFlags(slot, mech, PK11_OriginUnwrap, CKA_FLAGS_ONLY, &item,
	                                 flags, PR_FALSE, NULL);
	if (sym == NULL)
		crypto_set_nss_error(error, "importing key");
	return sym;
}

gboolean
crypto_random_fill(guint8 *out, gsize len, GError **error)
{
	if (len == 0)
		return TRUE;
	if (len > G_MAXINT || PK11_GenerateRandom(out, (int) len) != SECSuccess)
		return crypto_set_nss_error(error, "random");
	return TRUE;
}
