/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A quick look at an IKE_SA_INIT request before any state exists for it
 * (RFC 7296 §2.6 cookies, RFC 8019 §4.1, RFC 5685 §4 redirect): walks the
 * outer payload chain with every length checked, allocates nothing, and
 * keeps only borrowed pointers into @data.  Pure, like the rest of ike/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	/* N(COOKIE) data when a COOKIE notify is the first payload (§2.6:
	 * "the first payload"), else NULL */
	const guint8 *cookie;
	gsize cookie_len;
	/* Nonce Data of the first Nonce payload, or NULL */
	const guint8 *nonce;
	gsize nonce_len;
	/* RFC 5685 §4: the initiator follows redirects */
	gboolean redirect_supported;
	/* RFC 5685 §5: N(REDIRECTED_FROM) data (GW Ident), or NULL */
	const guint8 *redirected_from;
	gsize redirected_from_len;
} IkeInitPeek;

/* Reads the outer chain of the datagram @data/@len (header included; the
 * header must have been checked with ike_header_parse()).  FALSE when the
 * chain is malformed (a length overruns, a notify is too short). */
gboolean ike_init_peek(const guint8 *data, gsize len, IkeInitPeek *out);

G_END_DECLS
