/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusGvs: writes GVariant's serialised form directly, for the large
 * dictionaries of listings (GetManagedObjects, GetStatus showstates,
 * InterfacesAdded). A dictionary built with GVariantBuilder is a tree of one
 * GVariant per key, variant and value (about 100 per SA); this writes the
 * bytes once, so building, sizing (g_variant_get_size) and freeing a reply
 * cost one GVariant per SA instead.
 *
 * The containers it writes: arrays of variable-size elements (a{..}, as,
 * ao) and two-item tuples / dictionary entries whose first item is a
 * string or object path. Values inside variants are any GVariant (stored
 * with g_variant_store()). The output is in normal form (GVariant
 * specification, "Serialisation"); tests/unit/bus compares it with what
 * GVariantBuilder makes.
 *
 * Alignment: containers that need it (dictionary entries with a variant or
 * an array value, variants) start at offsets that are multiples of 8 from
 * the start of the buffer, so absolute and relative alignment agree.
 *
 * Thread: any, one writer per thread. No errors: input is our own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BUS_GVS_MAX_DEPTH 8

typedef struct {
	GByteArray *buf;
	guint depth;
	struct {
		gsize start;	   /* buf offset of the container's first byte */
		gboolean array;	   /* else a two-item tuple / dictionary entry */
		guint elem_align;  /* arrays: alignment of each element */
		GArray *offsets;   /* arrays: element ends; tuples: the first item's end */
	} stack[BUS_GVS_MAX_DEPTH];
} BusGvs;

/* Starts writing one value of the type the calls describe. */
void bus_gvs_init(BusGvs *w);
/* The finished value (floating), of @type; @w is empty again afterwards
 * and can be cleared or reused. */
GVariant *bus_gvs_end(BusGvs *w, const GVariantType *type);
void bus_gvs_clear(BusGvs *w);

/* An array whose elements are of alignment @elem_align (8 for a{sv},
 * a{sa{sv}}, a{oa{sa{sv}}}; 1 for as, ao). Every element written between
 * open and close is one element. */
void bus_gvs_open_array(BusGvs *w, guint elem_align);
void bus_gvs_close_array(BusGvs *w);

/* A dictionary entry (or a two-item tuple) with the string/object path
 * @key; the value follows (a variant, or a container aligned to
 * @value_align), then bus_gvs_close_entry(). */
void bus_gvs_open_entry(BusGvs *w, const char *key, guint value_align);
void bus_gvs_close_entry(BusGvs *w);

/* A string, object path or signature value (also an element of as/ao). */
void bus_gvs_string(BusGvs *w, const char *s);
/* A variant holding @value (not consumed; a floating @value is sunk and freed). */
void bus_gvs_variant(BusGvs *w, GVariant *value);

/* "{sv}" with @key and @value, in one call. */
void bus_gvs_entry_sv(BusGvs *w, const char *key, GVariant *value);

G_END_DECLS
