/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lifetimes and rekey timing of IKE and Child SAs (--ikelifetime,
 * --ipseclifetime, --rekeymargin, --rekeyfuzz, --dontrekey).
 *
 * Each side runs its own timers (RFC 7296 §2.8: either end may rekey), so
 * the end with the shorter lifetime rekeys first.  An SA is rekeyed at
 *
 *     lifetime - margin - random(0 .. margin * fuzz / 100)
 *
 * as ipsec-whack(8) describes, and deleted when its lifetime is over
 * (whether or not it was rekeyed: a rekeyed SA is normally gone long
 * before).  With rekey=false (--dontrekey) only the expiry timer runs.
 * A Child SA's plan also goes into its kernel SAs as soft/hard limits; the
 * kernel's EXPIRE events (engine.c) lead to the same actions, and
 * rekey_started keeps the two from rekeying twice.  Simultaneous rekeys
 * that still happen are resolved as §2.8.1/§2.8.2 say (exchange/).
 *
 * Timers run on the engine's context and are removed when the SA dies
 * (the state functions call lifetime_*_stop()).
 */
#include "engine-private.h"

/* Milliseconds after which to rekey, for a lifetime of @life_s seconds. */
static guint64
rekey_offset_ms(guint64 life_s, guint64 margin_s, guint64 fuzz_pct)
{
	guint64 life = life_s * 1000, margin = margin_s * 1000, extra_max, extra = 0;

	/* a margin as long as the lifetime would rekey at once: take half */
	if (margin >= life)
		margin = life / 2;
	extra_max = MIN(margin * fuzz_pct / 100, (life - margin) / 2);
	if (extra_max > 0)
		extra = (guint64) g_random_int_range(0, (gint32) MIN(extra_max, (guint64) G_MAXINT32 - 1) + 1);
	return life - margin - extra;
}

static gint64
wall_after(guint64 ms)
{
	return g_get_real_time() / G_USEC_PER_SEC + (gint64) ((ms + 999) / 1000);
}

/* ---- Child SAs -------------------------------------------------------- */

void
lifetime_child_plan(ChildSa *child)
{
	const IkebusConnection *cfg = child->conn->cfg;

	child->hard_ms = (guint64) cfg->ipsec_lifetime * 1000;
	child->soft_ms = cfg->rekey && cfg->ipsec_lifetime > 0
	                         ? rekey_offset_ms(cfg->ipsec_lifetime, cfg->rekey_margin,
	                                           cfg->rekey_fuzz)
	                         : 0;
}

static gboolean
child_rekey_cb(gpointer data)
{
	ChildSa *c = data;

	c->rekey_timer = 0;
	c->rekey_at = 0;
	if (c->state != CHILD_SA_STATE_INSTALLED || c->ike == NULL || c->replaced_by != 0 ||
	    c->rekey_started || !c->conn->cfg->rekey)
		return G_SOURCE_REMOVE;
	c->rekey_started = TRUE;
	ike_sa_log(c->ike, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "Child SA #%u reached its rekey time; rekeying it", c->serial);
	ike_sa_queue_task(c->ike, task_child_rekey_new(c));
	return G_SOURCE_REMOVE;
}

static gboolean
child_expire_cb(gpointer data)
{
	ChildSa *c = data;
	IkeSa *ike = c->ike;

	c->expire_timer = 0;
	if (c->state != CHILD_SA_STATE_INSTALLED || ike == NULL)
		return G_SOURCE_REMOVE;
	ike_sa_log(ike, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
	           "Child SA #%u expired (ipsec-lifetime %us); deleting it", c->serial,
	           c->conn->cfg->ipsec_lifetime);
	if (ike->state == IKE_SA_STATE_ESTABLISHED)
		ike_sa_queue_task(ike, task_delete_child_new(c));
	else
		child_sa_destroy(c);
	return G_SOURCE_REMOVE;
}

void
lifetime_child_start(ChildSa *child)
{
	Engine *engine = child->engine;

	lifetime_child_stop(child);
	if (child->soft_ms > 0) {
		child->rekey_timer = engine_timer_add(engine, (guint) child->soft_ms, child_rekey_cb,
		                                      child);
		child->rekey_at = wall_after(child->soft_ms);
	}
	if (child->hard_ms > 0) {
		child->expire_timer = engine_timer_add(engine, (guint) child->hard_ms, child_expire_cb,
		                                       child);
		child->expire_at = wall_after(child->hard_ms);
	}
}

void
lifetime_child_stop(ChildSa *child)
{
	engine_timer_remove(child->engine, &child->rekey_timer);
	engine_timer_remove(child->engine, &child->expire_timer);
	child->rekey_at = 0;
}

void
lifetime_child_retry(ChildSa *child, guint ms)
{
	child->rekey_started = FALSE;
	engine_timer_remove(child->engine, &child->rekey_timer);
	if (child->state != CHILD_SA_STATE_INSTALLED)
		return;
	child->rekey_timer = engine_timer_add(child->engine, ms, child_rekey_cb, child);
	child->rekey_at = wall_after(ms);
}

/* ---- IKE SAs ---------------------------------------------------------- */

static gboolean
ike_rekey_cb(gpointer data)
{
	IkeSa *sa = data;

	sa->rekey_timer = 0;
	sa->rekey_at = 0;
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0 || sa->rekey_started)
		return G_SOURCE_REMOVE;
	sa->rekey_started = TRUE;
	ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK, "IKE SA reached its rekey time; rekeying it");
	ike_sa_queue_task(sa, task_ike_rekey_new());
	return G_SOURCE_REMOVE;
}

static gboolean
ike_expire_cb(gpointer data)
{
	IkeSa *sa = data;

	sa->expire_timer = 0;
	sa->expire_at = 0;
	if (sa->replaced_by != 0)
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "the peer did not delete this IKE SA, replaced by #%u; deleting it",
		           sa->replaced_by);
	else
		ike_sa_log(sa, G_LOG_LEVEL_INFO, ENGINE_STATUS_OK,
		           "IKE SA expired (ike-lifetime %us); deleting it and its Child SAs",
		           sa->conn != NULL ? sa->conn->cfg->ike_lifetime : 0);
	ike_sa_delete(sa);
	return G_SOURCE_REMOVE;
}

void
lifetime_ike_start(IkeSa *sa)
{
	const IkebusConnection *cfg = sa->conn != NULL ? sa->conn->cfg : NULL;
	guint64 ms;

	lifetime_ike_stop(sa);
	if (cfg == NULL || cfg->ike_lifetime == 0)
		return;
	if (cfg->rekey) {
		ms = rekey_offset_ms(cfg->ike_lifetime, cfg->rekey_margin, cfg->rekey_fuzz);
		sa->rekey_timer = engine_timer_add(sa->engine, (guint) ms, ike_rekey_cb, sa);
		sa->rekey_at = wall_after(ms);
	}
	ms = (guint64) cfg->ike_lifetime * 1000;
	sa->expire_timer = engine_timer_add(sa->engine, (guint) ms, ike_expire_cb, sa);
	sa->expire_at = wall_after(ms);
}

void
lifetime_ike_stop(IkeSa *sa)
{
	engine_timer_remove(sa->engine, &sa->rekey_timer);
	engine_timer_remove(sa->engine, &sa->expire_timer);
	sa->rekey_at = 0;
}

void
lifetime_ike_retry(IkeSa *sa, guint ms)
{
	sa->rekey_started = FALSE;
	engine_timer_remove(sa->engine, &sa->rekey_timer);
	if (sa->state != IKE_SA_STATE_ESTABLISHED || sa->replaced_by != 0)
		return;
	sa->rekey_timer = engine_timer_add(sa->engine, ms, ike_rekey_cb, sa);
	sa->rekey_at = wall_after(ms);
}

/* As long as a peer with our own timings would keep retransmitting its
 * Delete, twice. */
static guint
retransmit_window_ms(const Engine *engine)
{
	const EngineTimings *t = &engine->timings;
	guint64 total = 0;

	for (guint i = 0; i <= t->retransmit_tries; i++)
		total += MIN((guint64) t->retransmit_base_ms << MIN(i, 16u), (guint64) t->retransmit_cap_ms);
	return (guint) MIN(MAX(total * 2, 1000), (guint64) G_MAXUINT);
}

void
lifetime_ike_replaced(IkeSa *sa)
{
	guint ms = retransmit_window_ms(sa->engine);

	lifetime_ike_stop(sa);
	sa->expire_timer = engine_timer_add(sa->engine, ms, ike_expire_cb, sa);
	sa->expire_at = wall_after(ms);
}
