/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "sa-signals.h"

/* What a client has to be told about one object at the next flush. */
typedef enum {
	PENDING_NEW = 1,     /* not announced yet */
	PENDING_CHANGED = 2, /* announced earlier, properties changed */
	PENDING_REMOVED = 3, /* announced earlier, gone */
} Pending;

typedef struct {
	BusSaKind kind;
	guint serial;
} ObjectRef;

struct BusSaSignals {
	guint delay_ms;
	BusSaEmitFunc emit;
	gpointer user_data;
	/* per kind: serial -> Pending; objects without an entry were announced
	 * at an earlier flush (or never existed) */
	GHashTable *pending[2];
	GArray *order; /* ObjectRef, first event first */
	guint timer;
};

BusSaSignals *
bus_sa_signals_new(guint delay_ms, BusSaEmitFunc emit, gpointer user_data)
{
	BusSaSignals *s = g_new0(BusSaSignals, 1);

	s->delay_ms = delay_ms;
	s->emit = emit;
	s->user_data = user_data;
	for (guint k = 0; k < G_N_ELEMENTS(s->pending); k++)
		s->pending[k] = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->order = g_array_new(FALSE, FALSE, sizeof(ObjectRef));
	return s;
}

void
bus_sa_signals_free(BusSaSignals *s)
{
	if (s == NULL)
		return;
	g_clear_handle_id(&s->timer, g_source_remove);
	for (guint k = 0; k < G_N_ELEMENTS(s->pending); k++)
		g_hash_table_unref(s->pending[k]);
	g_array_unref(s->order);
	g_free(s);
}

static gboolean
on_timer(gpointer data)
{
	BusSaSignals *s = data;

	s->timer = 0;
	bus_sa_signals_flush(s);
	return G_SOURCE_REMOVE;
}

static void
set_pending(BusSaSignals *s, BusSaKind kind, guint serial, Pending p, gboolean known)
{
	g_hash_table_insert(s->pending[kind], GUINT_TO_POINTER(serial), GUINT_TO_POINTER(p));
	if (!known) {
		ObjectRef ref = { kind, serial };

		g_array_append_val(s->order, ref);
	}
	if (s->timer == 0)
		s->timer = g_timeout_add(s->delay_ms, on_timer, s);
}

void
bus_sa_signals_event(BusSaSignals *s, BusSaEvent event, BusSaKind kind, guint serial)
{
	gpointer value = NULL;
	gboolean known = g_hash_table_lookup_extended(s->pending[kind], GUINT_TO_POINTER(serial),
						      NULL, &value);
	Pending p = GPOINTER_TO_UINT(value);

	switch (event) {
	case BUS_SA_ADDED:
		set_pending(s, kind, serial, PENDING_NEW, known);
		break;
	case BUS_SA_CHANGED:
		/* a pending InterfacesAdded carries the properties as they are then */
		if (!known)
			set_pending(s, kind, serial, PENDING_CHANGED, FALSE);
		break;
	case BUS_SA_REMOVED:
		if (known && p == PENDING_NEW)
			g_hash_table_remove(s->pending[kind], GUINT_TO_POINTER(serial));
		else
			set_pending(s, kind, serial, PENDING_REMOVED, known);
		break;
	}
}

void
bus_sa_signals_flush(BusSaSignals *s)
{
	g_autoptr(GArray) order = s->order;
	GHashTable *pending[G_N_ELEMENTS(s->pending)];

	/* a new batch for whatever the emitter's callers change meanwhile */
	g_clear_handle_id(&s->timer, g_source_remove);
	s->order = g_array_new(FALSE, FALSE, sizeof(ObjectRef));
	for (guint k = 0; k < G_N_ELEMENTS(s->pending); k++) {
		pending[k] = s->pending[k];
		s->pending[k] = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	for (guint i = 0; i < order->len; i++) {
		const ObjectRef *ref = &g_array_index(order, ObjectRef, i);
		gpointer value;

		/* gone without ever being announced: its entry was removed */
		if (!g_hash_table_steal_extended(pending[ref->kind], GUINT_TO_POINTER(ref->serial),
						 NULL, &value))
			continue;
		switch ((Pending) GPOINTER_TO_UINT(value)) {
		case PENDING_NEW:
			s->emit(BUS_SA_ADDED, ref->kind, ref->serial, s->user_data);
			break;
		case PENDING_CHANGED:
			s->emit(BUS_SA_CHANGED, ref->kind, ref->serial, s->user_data);
			break;
		case PENDING_REMOVED:
			s->emit(BUS_SA_REMOVED, ref->kind, ref->serial, s->user_data);
			break;
		}
	}
	for (guint k = 0; k < G_N_ELEMENTS(pending); k++)
		g_hash_table_unref(pending[k]);
}

void
bus_sa_signals_drop(BusSaSignals *s)
{
	g_clear_handle_id(&s->timer, g_source_remove);
	for (guint k = 0; k < G_N_ELEMENTS(s->pending); k++)
		g_hash_table_remove_all(s->pending[k]);
	g_array_set_size(s->order, 0);
}

guint
bus_sa_signals_pending(BusSaSignals *s)
{
	guint n = 0;

	for (guint k = 0; k < G_N_ELEMENTS(s->pending); k++)
		n += g_hash_table_size(s->pending[k]);
	return n;
}
