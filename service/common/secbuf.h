/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IkebusSecbuf: a byte buffer for key material that wipes itself when freed.
 *
 * Every secret ikebus holds (DH private values, shared secrets, SKEYSEED,
 * SK_* keys, KEYMAT, PSKs) lives in one of these so that freeing it is the
 * same act as erasing it.
 *
 * Thread: any; a buffer is not shared between threads without a hand-over.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	gsize len;
	guint8 *data; /* owned; wiped and freed by ikebus_secbuf_free() */
} IkebusSecbuf;

/* Owned, zero-filled buffer of @len bytes (len may be 0). Never NULL. */
IkebusSecbuf *ikebus_secbuf_new(gsize len);
/* Owned copy of @len bytes at @data. */
IkebusSecbuf *ikebus_secbuf_new_from(const guint8 *data, gsize len);
/* Owned copy of @buf (NULL gives NULL). */
IkebusSecbuf *ikebus_secbuf_dup(const IkebusSecbuf *buf);
/* Owned buffer holding @a followed by @b. */
IkebusSecbuf *ikebus_secbuf_concat(const IkebusSecbuf *a, const IkebusSecbuf *b);
/* Wipes and frees; NULL-safe. */
void ikebus_secbuf_free(IkebusSecbuf *buf);
/* Constant-time comparison of two byte strings of equal length. */
gboolean ikebus_memeq_consttime(const void *a, const void *b, gsize len);
/* Wipes @len bytes at @p in a way the compiler may not elide. */
void ikebus_wipe(void *p, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkebusSecbuf, ikebus_secbuf_free)

G_END_DECLS
