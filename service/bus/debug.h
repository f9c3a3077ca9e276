/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Debug classes (Manager.SetDebug, ikebusd --debug): each class is one
 * G_LOG_DOMAIN ("ike" -> "ikebus-ike", "base" -> "ikebus"). The log writer
 * lets debug and info messages of enabled classes through and hands the rest
 * to g_log_writer_default (so G_MESSAGES_DEBUG still works).
 *
 * The enabled set is process-wide because logging is; it is guarded by a
 * mutex since crypto worker threads log too.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every class, sorted (static). */
const char *const *bus_debug_available_classes(void);
gboolean bus_debug_is_class(const char *name);

/* Replaces the enabled set (sorted, NULL-terminated; NULL = none). */
void bus_debug_set_enabled(const char *const *classes);

/* TRUE if class @name is enabled. */
gboolean bus_debug_is_enabled(const char *name);

/* Installs the writer; call once at start. */
void bus_debug_install_writer(void);

G_END_DECLS
