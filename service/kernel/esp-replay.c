/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 4303 §3.4.3 anti-replay window and Appendix A2 ESN reconstruction.
 * The bitmap is a ring indexed by (seq mod size): bit set = received.  Its
 * size is a multiple of 64 that is >= W, so all numbers in (T - W, T] have
 * distinct bits.
 */
#include "esp-replay.h"

#include <string.h>

/* Window used to place ESN numbers when anti-replay is off (A2 needs one). */
#define ESN_ONLY_WINDOW 64u

/* A ring at least as long as the window keeps every number of the window
 * on its own bit. */
static guint32
ring_bits_for(guint32 window)
{
	guint32 n = 64;

	while (n < MIN(window, ESP_REPLAY_MAX_WINDOW))
		n *= 2;
	return n;
}

gsize
esp_replay_size(guint32 window)
{
	return G_STRUCT_OFFSET(EspReplay, bits) + ring_bits_for(window) / 8;
}

void
esp_replay_init(EspReplay *r, guint32 window, gboolean esn)
{
	memset(r, 0, esp_replay_size(window));
	r->window = MIN(window, ESP_REPLAY_MAX_WINDOW);
	r->ring_bits = ring_bits_for(window);
	r->esn = esn;
}

static gboolean
bit_get(const EspReplay *r, guint64 seq)
{
	guint64 i = seq % r->ring_bits;

	return (r->bits[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(EspReplay *r, guint64 seq)
{
	guint64 i = seq % r->ring_bits;

	r->bits[i / 64] |= G_GUINT64_CONSTANT(1) << (i % 64);
}

static void
bit_clear(EspReplay *r, guint64 seq)
{
	guint64 i = seq % r->ring_bits;

	r->bits[i / 64] &= ~(G_GUINT64_CONSTANT(1) << (i % 64));
}

/* RFC 4303 Appendix A2.1: choose Seqh so that the packet lands in (or right
 * of) the window.  Tl/Th = low/high halves of T. */
static gboolean
esn_reconstruct(const EspReplay *r, guint32 seql, guint64 *seq_out)
{
	guint32 w = r->window != 0 ? r->window : ESN_ONLY_WINDOW;
	guint32 tl = (guint32) r->top;
	guint32 th = (guint32) (r->top >> 32);
	guint32 bottom = tl - w + 1; /* mod 2^32 */
	guint32 seqh;

	if (tl >= w - 1) {
		/* Case A: the window lies within one subspace. */
		seqh = seql >= bottom ? th : th + 1;
		if (seql < bottom && th == G_MAXUINT32)
			return FALSE; /* would wrap 2^64 */
	} else {
		/* Case B: the window spans two subspaces (its bottom is in Th-1). */
		if (seql >= bottom) {
			if (th == 0)
				return FALSE; /* no subspace below the first */
			seqh = th - 1;
		} else {
			seqh = th;
		}
	}
	*seq_out = ((guint64) seqh << 32) | seql;
	return TRUE;
}

EspReplayResult
esp_replay_check(const EspReplay *r, guint32 seq_low, guint64 *seq_out)
{
	guint64 seq = seq_low;

	if (r->esn && !esn_reconstruct(r, seq_low, &seq))
		return ESP_REPLAY_TOO_OLD;
	*seq_out = seq;
	if (seq == 0)
		return ESP_REPLAY_INVALID; /* §3.3.3: the first packet sent is 1 */
	if (r->window == 0 || seq > r->top)
		return ESP_REPLAY_OK;
	if (r->top - seq >= r->window)
		return ESP_REPLAY_TOO_OLD;
	return bit_get(r, seq) ? ESP_REPLAY_DUPLICATE : ESP_REPLAY_OK;
}

EspReplayResult
esp_replay_update(EspReplay *r, guint64 seq)
{
	if (seq == 0)
		return ESP_REPLAY_INVALID;
	if (seq > r->top) {
		guint64 diff = seq - r->top;

		/* Slide: numbers (T, seq) were skipped; forget what their bits
		 * held from a lap ago. */
		if (diff >= r->ring_bits) {
			memset(r->bits, 0, r->ring_bits / 8);
		} else {
			for (guint64 s = r->top + 1; s < seq; s++)
				bit_clear(r, s);
		}
		r->top = seq;
		bit_set(r, seq);
		return ESP_REPLAY_OK;
	}
	if (r->window == 0)
		return ESP_REPLAY_OK;
	if (r->top - seq >= r->window)
		return ESP_REPLAY_TOO_OLD;
	if (bit_get(r, seq))
		return ESP_REPLAY_DUPLICATE;
	bit_set(r, seq);
	return ESP_REPLAY_OK;
}

const char *
esp_replay_result_name(EspReplayResult result)
{
	switch (result) {
	case ESP_REPLAY_OK:
		return "ok";
	case ESP_REPLAY_DUPLICATE:
		return "duplicate";
	case ESP_REPLAY_TOO_OLD:
		return "too-old";
	case ESP_REPLAY_INVALID:
		return "invalid";
	}
	return "?";
}
