/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private NSS helpers shared by the symmetric crypto files (prf.c, aead.c,
 * cbc-hmac.c, sk.c).  Not for use outside service/crypto/.
 *
 * Thread: any.  Errors: CRYPTO_ERROR.
 */
#pragma once

#include <glib.h>
#include <pk11pub.h>

G_BEGIN_DECLS

/* Imports @len raw octets as an owned PK11SymKey on the best slot for
 * @mech, usable for the operation @op (CKA_SIGN, CKA_ENCRYPT, ...); with
 * CKA_ENCRYPT the key may also decrypt.  NULL on error. */
PK11SymKey *crypto_sym_key_import(CK_MECHANISM_TYPE mech, CK_ATTRIBUTE_TYPE op, const guint8 *key,
                                  gsize len, GError **error);
/* Fills @out with @len octets from NSS's DRBG. */
gboolean crypto_random_fill(guint8 *out, gsize len, GError **error);

G_END_DECLS
