/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "selftest.h"

#include "nss-init.h"

#include <stdio.h>

gboolean
ikebusd_selftest(void)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = crypto_nss_init_nodb(&error);

	printf("%-40s %s\n", "NSS initialisation", ok ? "ok" : error->message);
	return ok;
}
