/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusd --selftest: proves that this build and this NSS can do what the
 * daemon needs (every key exchange group, PRF, SK protection and signature
 * algorithm), printing one line per check.  Returns TRUE when all pass.
 */
#pragma once

#include <glib.h>

gboolean ikebusd_selftest(void);
