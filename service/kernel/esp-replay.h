/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ESP anti-replay window (RFC 4303 §3.4.3) with extended sequence numbers
 * (RFC 4303 Appendix A2: the receiver rebuilds the high 32 bits it never
 * sees on the wire from the window's position).
 *
 * The check is split so that the ICV is verified between the two steps
 * (§3.4.3: "the window is updated only if the integrity verification
 * succeeds"):
 *   esp_replay_check()  - cheap rejection of duplicates and too-old packets,
 *                         and the 64-bit sequence number the ICV covers;
 *   esp_replay_update() - after the ICV verified: re-checks and marks it.
 *
 * Thread: not locked; the caller serialises access per SA.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Largest window we keep (bits); bigger requests are clamped. */
#define ESP_REPLAY_MAX_WINDOW 4096u

typedef enum {
	ESP_REPLAY_OK,
	ESP_REPLAY_DUPLICATE, /* inside the window, already seen */
	ESP_REPLAY_TOO_OLD,   /* left of the window */
	ESP_REPLAY_INVALID,   /* sequence number 0 (never sent) or cannot be placed */
} EspReplayResult;

/* The ring holds ring_bits bits (the window rounded up to a power of two,
 * at least 64): a struct placed last in a larger allocation may be cut to
 * esp_replay_size() octets (an SA then carries 8-16 octets of ring, not
 * 512); a whole EspReplay serves every window. */
typedef struct {
	guint32 window; /* W in packets; 0 = anti-replay off (ESN still works) */
	guint32 ring_bits;
	gboolean esn;
	guint64 top; /* T: highest authenticated sequence number (0 = none yet) */
	guint64 bits[ESP_REPLAY_MAX_WINDOW / 64]; /* ring: bit (seq % ring_bits) */
} EspReplay;

/* Octets of an EspReplay that a @window needs (ring included). */
gsize esp_replay_size(guint32 window);
/* Clears esp_replay_size(@window) octets at @r and sets it up. */
void esp_replay_init(EspReplay *r, guint32 window, gboolean esn);
/* @seq_low is the 32-bit wire value; @seq_out gets the full sequence number
 * (high bits reconstructed with ESN, 0 high bits without). */
EspReplayResult esp_replay_check(const EspReplay *r, guint32 seq_low, guint64 *seq_out);
/* Marks @seq (from esp_replay_check) as received, sliding the window.
 * Returns the check result again, since another thread may have taken the
 * number between check and update. */
EspReplayResult esp_replay_update(EspReplay *r, guint64 seq);
const char *esp_replay_result_name(EspReplayResult result);

G_END_DECLS
