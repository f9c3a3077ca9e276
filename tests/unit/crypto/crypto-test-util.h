/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the crypto unit tests (header-only: each test program
 * still links only the crypto layer). */
#pragma once

#include <glib.h>

/* Owned bytes from RFC-style hex text; whitespace is skipped, anything else
 * that is not a hex pair fails the test. */
static inline guint8 *
unhex(const char *hex, gsize *len)
{
	GByteArray *a = g_byte_array_new();

	for (const char *p = hex; *p != '\0';) {
		guint8 b;

		if (g_ascii_isspace(*p)) {
			p++;
			continue;
		}
		g_assert_true(g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]));
		b = (guint8) (g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(a, &b, 1);
		p += 2;
	}
	*len = a->len;
	return g_byte_array_free(a, FALSE);
}
