/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BusSaSignals: the IkeSA/ChildSA object signals, coalesced.
 *
 * An SA goes through several states within milliseconds of being created
 * (IKE_SA_INIT, IKE_AUTH, established), and a busy responder creates
 * thousands a second: one InterfacesAdded plus a PropertiesChanged per state
 * was most of what ikebusd did (docs/performance.md, the handshake profile).
 * Events are therefore collected for a short window and then sent as what a
 * client needs to mirror the objects: one InterfacesAdded carrying the
 * current properties of an object it has not seen, one PropertiesChanged for
 * an object it has seen that changed, one InterfacesRemoved for an object it
 * has seen that is gone, and nothing at all for an object that came and went
 * within the window.  Each object keeps the order of its first event.
 *
 * The emitter reads the SA's properties when it is called: an object whose
 * REMOVED event came is never read (its entry is gone or says REMOVED).
 *
 * Thread: the main context.
 */
#pragma once

#include "tree.h"

G_BEGIN_DECLS

typedef void (*BusSaEmitFunc)(BusSaEvent event, BusSaKind kind, guint serial,
			      gpointer user_data);

typedef struct BusSaSignals BusSaSignals;

/* @delay_ms: how long events are collected before they are sent. */
BusSaSignals *bus_sa_signals_new(guint delay_ms, BusSaEmitFunc emit, gpointer user_data);
void bus_sa_signals_free(BusSaSignals *s);

void bus_sa_signals_event(BusSaSignals *s, BusSaEvent event, BusSaKind kind, guint serial);
/* Sends what is pending now. */
void bus_sa_signals_flush(BusSaSignals *s);
/* Forgets what is pending (nobody is listening any more). */
void bus_sa_signals_drop(BusSaSignals *s);
/* Objects with a signal pending (for tests). */
guint bus_sa_signals_pending(BusSaSignals *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BusSaSignals, bus_sa_signals_free)

G_END_DECLS
