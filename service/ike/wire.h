/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private: big-endian readers and writers for the codec.
 *
 * Packet bytes are never cast to structs; every multi-byte field is read by
 * one of these helpers. The reader refuses to step past its end, so a decoder
 * bug shows up as a parse error rather than an out-of-bounds read, but the
 * decoders still check each declared length first (STYLE.md habit 1) so that
 * the error can name the field.
 */
#pragma once

#include <glib.h>
#include <string.h>

typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
	gsize base; /* offset of data[0] in the datagram, for error messages */
} IkeReader;

static inline void
ike_reader_init(IkeReader *r, const guint8 *data, gsize len, gsize base)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->base = base;
}

/* Offset in the datagram of the next byte to be read. */
static inline gsize
ike_reader_offset(const IkeReader *r)
{
	return r->base + r->pos;
}

/* Splits the next @n bytes (the caller has checked they exist) off @parent
 * into @child, and steps @parent past them. */
static inline void
ike_reader_sub(IkeReader *parent, gsize n, IkeReader *child)
{
	ike_reader_init(child, parent->data + parent->pos, n, parent->base + parent->pos);
	parent->pos += n;
}

static inline gsize
ike_reader_left(const IkeReader *r)
{
	return r->len - r->pos;
}

static inline gboolean
ike_read_u8(IkeReader *r, guint8 *v)
{
	if (ike_reader_left(r) < 1)
		return FALSE;
	*v = r->data[r->pos];
	r->pos += 1;
	return TRUE;
}

static inline gboolean
ike_read_u16(IkeReader *r, guint16 *v)
{
	if (ike_reader_left(r) < 2)
		return FALSE;
	*v = (guint16) (((guint16) r->data[r->pos] << 8) | r->data[r->pos + 1]);
	r->pos += 2;
	return TRUE;
}

static inline gboolean
ike_read_u24(IkeReader *r, guint8 v[3])
{
	if (ike_reader_left(r) < 3)
		return FALSE;
	memcpy(v, r->data + r->pos, 3);
	r->pos += 3;
	return TRUE;
}

static inline gboolean
ike_read_u32(IkeReader *r, guint32 *v)
{
	const guint8 *p;

	if (ike_reader_left(r) < 4)
		return FALSE;
	p = r->data + r->pos;
	*v = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
	r->pos += 4;
	return TRUE;
}

static inline gboolean
ike_read_u64(IkeReader *r, guint64 *v)
{
	guint32 hi = 0, lo = 0;

	if (ike_reader_left(r) < 8)
		return FALSE;
	ike_read_u32(r, &hi);
	ike_read_u32(r, &lo);
	*v = ((guint64) hi << 32) | lo;
	return TRUE;
}

/* Borrows @n bytes from the reader's buffer. */
static inline gboolean
ike_read_bytes(IkeReader *r, gsize n, const guint8 **out)
{
	if (ike_reader_left(r) < n)
		return FALSE;
	*out = n > 0 ? r->data + r->pos : NULL;
	r->pos += n;
	return TRUE;
}

/* Borrows the rest of the buffer. */
static inline void
ike_read_rest(IkeReader *r, const guint8 **out, gsize *n)
{
	*n = ike_reader_left(r);
	*out = *n > 0 ? r->data + r->pos : NULL;
	r->pos = r->len;
}

static inline void
ike_write_u8(GByteArray *out, guint8 v)
{
	g_byte_array_append(out, &v, 1);
}

static inline void
ike_write_u16(GByteArray *out, guint16 v)
{
	guint8 b[2] = {(guint8) (v >> 8), (guint8) v};

	g_byte_array_append(out, b, sizeof(b));
}

static inline void
ike_write_u32(GByteArray *out, guint32 v)
{
	guint8 b[4] = {(guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v};

	g_byte_array_append(out, b, sizeof(b));
}

static inline void
ike_write_u64(GByteArray *out, guint64 v)
{
	ike_write_u32(out, (guint32) (v >> 32));
	ike_write_u32(out, (guint32) v);
}

static inline void
ike_write_bytes(GByteArray *out, const guint8 *data, gsize n)
{
	if (n > 0)
		g_byte_array_append(out, data, (guint) n);
}

/* Overwrites a 16-bit length reserved earlier at @pos. */
static inline void
ike_patch_u16(GByteArray *out, gsize pos, guint16 v)
{
	out->data[pos] = (guint8) (v >> 8);
	out->data[pos + 1] = (guint8) v;
}

static inline void
ike_patch_u32(GByteArray *out, gsize pos, guint32 v)
{
	out->data[pos] = (guint8) (v >> 24);
	out->data[pos + 1] = (guint8) (v >> 16);
	out->data[pos + 2] = (guint8) (v >> 8);
	out->data[pos + 3] = (guint8) v;
}
