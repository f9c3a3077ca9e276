/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simultaneous rekeying (RFC 7296 §2.8.1 for Child SAs, §2.8.2 for the
 * IKE SA).  When both ends rekey the same SA at once, each answers the
 * other's request normally and two new SAs appear.  Once an end knows
 * both exchanges (it answered the peer's and got the answer to its own),
 * it looks at the four nonces: the SA made with the lowest one is
 * redundant and is deleted by the end that initiated it; the end that
 * initiated the surviving one deletes the old SA.  Both ends see the same
 * four nonces, so they agree without talking about it.
 *
 * The per-exchange bookkeeping lives with the tasks (exchange/child-create.c
 * and exchange/rekey-ike.c): a responder that answers a rekey of an SA
 * while its own rekey of that SA is in flight records the new SA in its
 * own task; the decision is taken when that task's response arrives.
 */
#include <string.h>

#include "alg-nss.h"
#include "engine-private.h"

#define NONCE_LEN 32

GBytes *
rekey_random_nonce(void)
{
	guint8 n[NONCE_LEN];

	if (!crypto_random_fill(n, sizeof(n), NULL))
		for (guint i = 0; i < sizeof(n); i++)
			n[i] = (guint8) g_random_int();
	return g_bytes_new(n, sizeof(n));
}

/* §2.8.1: "octet-by-octet comparison ... If you reach the end of one
 * nonce, that nonce is the lower one." */
static gint
nonce_cmp(GBytes *a, GBytes *b)
{
	gsize la = 0, lb = 0;
	const guint8 *da = a != NULL ? g_bytes_get_data(a, &la) : NULL;
	const guint8 *db = b != NULL ? g_bytes_get_data(b, &lb) : NULL;
	gint r = MIN(la, lb) > 0 ? memcmp(da, db, MIN(la, lb)) : 0;

	if (r != 0)
		return r;
	return la < lb ? -1 : la > lb;
}

gboolean
rekey_lowest_nonce_in(GBytes *a_ni, GBytes *a_nr, GBytes *b_ni, GBytes *b_nr)
{
	GBytes *a_low = nonce_cmp(a_ni, a_nr) <= 0 ? a_ni : a_nr;
	GBytes *b_low = nonce_cmp(b_ni, b_nr) <= 0 ? b_ni : b_nr;

	return nonce_cmp(a_low, b_low) <= 0;
}
