/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal DER writer (X.690 §8.1: tag, definite length, contents) for the
 * few fixed-shape structures the public-key code builds itself.  Parsing is
 * left to NSS's QuickDER decoder.
 *
 * Thread: any.  Secrets written here are the caller's to wipe; the helpers
 * wipe their own temporaries.
 */
#pragma once

#include <glib.h>
#include <seccomon.h>
#include <secasn1t.h>

G_BEGIN_DECLS

/* Appends tag @tag, the DER length of @len and @len bytes of @content to @out. */
void pk_der_put(GByteArray *out, guint8 tag, const guint8 *content, gsize len);
/* Appends @outer_tag { @inner_tag { @content } } (an explicit tag or a wrapper). */
void pk_der_put_wrapped(GByteArray *out, guint8 outer_tag, guint8 inner_tag,
			const guint8 *content, gsize len);

G_END_DECLS
