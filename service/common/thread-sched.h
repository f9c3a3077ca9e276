/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scheduling hints for helper threads we do not create ourselves.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Puts every thread of this process whose name (comm) is @name under
 * SCHED_BATCH: its wake-ups no longer preempt a busy thread on the same CPU,
 * so work queued to it piles up and is done in one go when that CPU is free
 * or the running thread's slice ends.  An idle CPU still runs it at once.
 * Returns how many threads it changed; 0 when none has that name.
 */
guint ikebus_thread_set_batch_by_name(const char *name);

G_END_DECLS
