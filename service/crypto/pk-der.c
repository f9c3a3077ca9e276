/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pk-der.h"

#include "secbuf.h"

void
pk_der_put(GByteArray *out, guint8 tag, const guint8 *content, gsize len)
{
	guint8 hdr[6];
	gsize n = 0;

	g_return_if_fail(len <= G_MAXUINT32 - 16);
	hdr[n++] = tag;
	if (len < 0x80) {
		hdr[n++] = (guint8) len;
	} else if (len <= 0xff) {
		hdr[n++] = 0x81;
		hdr[n++] = (guint8) len;
	} else if (len <= 0xffff) {
		hdr[n++] = 0x82;
		hdr[n++] = (guint8) (len >> 8);
		hdr[n++] = (guint8) len;
	} else {
		hdr[n++] = 0x83;
		hdr[n++] = (guint8) (len >> 16);
		hdr[n++] = (guint8) (len >> 8);
		hdr[n++] = (guint8) len;
	}
	g_byte_array_append(out, hdr, (guint) n);
	if (len > 0)
		g_byte_array_append(out, content, (guint) len);
}

void
pk_der_put_wrapped(GByteArray *out, guint8 outer_tag, guint8 inner_tag, const guint8 *content,
		   gsize len)
{
	g_autoptr(GByteArray) inner = g_byte_array_sized_new((guint) len + 8);

	pk_der_put(inner, inner_tag, content, len);
	pk_der_put(out, outer_tag, inner->data, inner->len);
	ikebus_wipe(inner->data, inner->len);
}
