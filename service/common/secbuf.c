/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secbuf.h"

#include <string.h>

void
ikebus_wipe(void *p, gsize len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

IkebusSecbuf *
ikebus_secbuf_new(gsize len)
{
	IkebusSecbuf *buf = g_new0(IkebusSecbuf, 1);

	buf->len = len;
	/* +1 so that a zero-length buffer still has a valid, unique pointer */
	buf->data = g_malloc0(len + 1);
	return buf;
}

IkebusSecbuf *
ikebus_secbuf_new_from(const guint8 *data, gsize len)
{
	IkebusSecbuf *buf = ikebus_secbuf_new(len);

	if (len > 0)
		memcpy(buf->data, data, len);
	return buf;
}

IkebusSecbuf *
ikebus_secbuf_dup(const IkebusSecbuf *buf)
{
	if (buf == NULL)
		return NULL;
	return ikebus_secbuf_new_from(buf->data, buf->len);
}

IkebusSecbuf *
ikebus_secbuf_concat(const IkebusSecbuf *a, const IkebusSecbuf *b)
{
	IkebusSecbuf *buf = ikebus_secbuf_new(a->len + b->len);

	if (a->len > 0)
		memcpy(buf->data, a->data, a->len);
	if (b->len > 0)
		memcpy(buf->data + a->len, b->data, b->len);
	return buf;
}

void
ikebus_secbuf_free(IkebusSecbuf *buf)
{
	if (buf == NULL)
		return;
	ikebus_wipe(buf->data, buf->len);
	g_free(buf->data);
	ikebus_wipe(buf, sizeof(*buf));
	g_free(buf);
}

gboolean
ikebus_memeq_consttime(const void *a, const void *b, gsize len)
{
	const volatile guint8 *pa = a;
	const volatile guint8 *pb = b;
	guint8 diff = 0;

	for (gsize i = 0; i < len; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}
