/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "gvs.h"

#include <string.h>

void
bus_gvs_init(BusGvs *w)
{
	memset(w, 0, sizeof(*w));
	w->buf = g_byte_array_sized_new(256);
}

void
bus_gvs_clear(BusGvs *w)
{
	for (guint i = 0; i < BUS_GVS_MAX_DEPTH; i++)
		g_clear_pointer(&w->stack[i].offsets, g_array_unref);
	g_clear_pointer(&w->buf, g_byte_array_unref);
	w->depth = 0;
}

static void
pad(BusGvs *w, guint align)
{
	static const guint8 zeros[8];
	guint n = (guint) (-(gsize) w->buf->len & (align - 1));

	if (n > 0)
		g_byte_array_append(w->buf, zeros, n);
}

/* The size of a container of @body bytes and @n framing offsets, and the
 * size of each offset (the GVariant specification, "Framing Offsets"). */
static gsize
total_size(gsize body, gsize n, guint *offset_size)
{
	if (n == 0) {
		*offset_size = 0;
		return body;
	}
	if (body + n <= G_MAXUINT8) {
		*offset_size = 1;
		return body + n;
	}
	if (body + 2 * n <= G_MAXUINT16) {
		*offset_size = 2;
		return body + 2 * n;
	}
	if (body + 4 * n <= G_MAXUINT32) {
		*offset_size = 4;
		return body + 4 * n;
	}
	*offset_size = 8;
	return body + 8 * n;
}

static void
append_offsets(BusGvs *w, gsize start, GArray *offsets, gboolean reverse)
{
	guint size;
	guint8 le[8];

	total_size(w->buf->len - start, offsets->len, &size);
	for (guint i = 0; i < offsets->len; i++) {
		guint64 v = g_array_index(offsets, guint64, reverse ? offsets->len - 1 - i : i);

		for (guint b = 0; b < size; b++)
			le[b] = (guint8) (v >> (8 * b));
		g_byte_array_append(w->buf, le, size);
	}
	g_array_set_size(offsets, 0);
}

/* Before a value is written into the current container: an array element
 * is aligned to the array's element alignment. */
static void
element_begin(BusGvs *w)
{
	if (w->depth > 0 && w->stack[w->depth - 1].array)
		pad(w, w->stack[w->depth - 1].elem_align);
}

/* After a value: an array records its end. */
static void
element_end(BusGvs *w)
{
	if (w->depth > 0 && w->stack[w->depth - 1].array) {
		guint64 end = w->buf->len - w->stack[w->depth - 1].start;

		g_array_append_val(w->stack[w->depth - 1].offsets, end);
	}
}

static void
push(BusGvs *w, gboolean array, guint elem_align)
{
	g_return_if_fail(w->depth < BUS_GVS_MAX_DEPTH);
	w->stack[w->depth].start = w->buf->len;
	w->stack[w->depth].array = array;
	w->stack[w->depth].elem_align = elem_align;
	if (w->stack[w->depth].offsets == NULL)
		w->stack[w->depth].offsets = g_array_new(FALSE, FALSE, sizeof(guint64));
	w->depth++;
}

void
bus_gvs_open_array(BusGvs *w, guint elem_align)
{
	element_begin(w);
	/* an array is aligned as its elements: the first one starts here */
	pad(w, elem_align);
	push(w, TRUE, elem_align);
}

void
bus_gvs_close_array(BusGvs *w)
{
	g_return_if_fail(w->depth > 0 && w->stack[w->depth - 1].array);
	w->depth--;
	append_offsets(w, w->stack[w->depth].start, w->stack[w->depth].offsets, FALSE);
	element_end(w);
}

void
bus_gvs_open_entry(BusGvs *w, const char *key, guint value_align)
{
	guint64 key_end;

	element_begin(w);
	/* a {s?} entry is aligned as its most aligned item */
	pad(w, MAX(value_align, 1));
	push(w, FALSE, 1);
	g_byte_array_append(w->buf, (const guint8 *) key, (guint) strlen(key) + 1);
	key_end = w->buf->len - w->stack[w->depth - 1].start;
	g_array_append_val(w->stack[w->depth - 1].offsets, key_end);
	pad(w, MAX(value_align, 1));
}

void
bus_gvs_close_entry(BusGvs *w)
{
	g_return_if_fail(w->depth > 0 && !w->stack[w->depth - 1].array);
	w->depth--;
	/* the value is the last item: only the key's end is framed */
	append_offsets(w, w->stack[w->depth].start, w->stack[w->depth].offsets, TRUE);
	element_end(w);
}

void
bus_gvs_string(BusGvs *w, const char *s)
{
	element_begin(w);
	g_byte_array_append(w->buf, (const guint8 *) s, (guint) strlen(s) + 1);
	element_end(w);
}

void
bus_gvs_variant(BusGvs *w, GVariant *value)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(value);
	const char *type = g_variant_get_type_string(v);
	gsize size = g_variant_get_size(v);
	guint at;

	element_begin(w);
	pad(w, 8);
	at = w->buf->len;
	g_byte_array_set_size(w->buf, (guint) (at + size + 1));
	g_variant_store(v, w->buf->data + at);
	w->buf->data[at + size] = '\0';
	g_byte_array_append(w->buf, (const guint8 *) type, (guint) strlen(type));
	element_end(w);
}

void
bus_gvs_entry_sv(BusGvs *w, const char *key, GVariant *value)
{
	bus_gvs_open_entry(w, key, 8);
	bus_gvs_variant(w, value);
	bus_gvs_close_entry(w);
}

GVariant *
bus_gvs_end(BusGvs *w, const GVariantType *type)
{
	GBytes *bytes;
	GVariant *v;
	gsize size;

	g_return_val_if_fail(w->depth == 0, NULL);
	size = w->buf->len;
	bytes = g_byte_array_free_to_bytes(w->buf);
	/* the next value (of a listing) is likely about as long */
	w->buf = g_byte_array_sized_new((guint) MAX(size, 256));
	v = g_variant_new_from_bytes(type, bytes, TRUE);
	g_bytes_unref(bytes);
	return v;
}
