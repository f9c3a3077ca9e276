/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kernel backend that records calls, for engine tests (STYLE.md habit 7).
 * It keeps owned copies of the installed SAs and policies, hands out SPIs
 * counting up from 0xc0000001, and can be told to fail the next call of an
 * operation.  Thread: main thread only.
 */
#pragma once

#include <glib.h>

#include "kernel.h"

G_BEGIN_DECLS

KernelBackend *mock_kernel_new(void);
/* Call log, one line per call, e.g. "add_sa out spi=c0000001 reqid=1";
 * borrowed. */
GPtrArray *mock_kernel_get_calls(KernelBackend *kb);
void mock_kernel_clear_calls(KernelBackend *kb);
/* Installed SAs (KernelSa *) and policies (KernelPolicy *), borrowed. */
GPtrArray *mock_kernel_get_sas(KernelBackend *kb);
GPtrArray *mock_kernel_get_policies(KernelBackend *kb);
/* The next call of @op ("add_sa", ...) fails with KERNEL_ERROR @code. */
void mock_kernel_fail_next(KernelBackend *kb, const char *op, KernelError code);
/* Sets the counters query_sa reports for @spi. */
void mock_kernel_set_stats(KernelBackend *kb, guint32 spi, const KernelSaStats *stats);
/* Delivers @event to the registered handler as a backend would. */
void mock_kernel_raise(KernelBackend *kb, const KernelEvent *event);

G_END_DECLS
