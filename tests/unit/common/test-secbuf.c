/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secbuf.h"

#include <string.h>

static void
test_copy_and_concat(void)
{
	const guint8 a[] = { 1, 2, 3 };
	const guint8 b[] = { 4, 5 };
	g_autoptr(IkebusSecbuf) sa = ikebus_secbuf_new_from(a, sizeof(a));
	g_autoptr(IkebusSecbuf) sb = ikebus_secbuf_new_from(b, sizeof(b));
	g_autoptr(IkebusSecbuf) ab = ikebus_secbuf_concat(sa, sb);
	g_autoptr(IkebusSecbuf) dup = ikebus_secbuf_dup(ab);
	const guint8 want[] = { 1, 2, 3, 4, 5 };

	g_assert_cmpmem(ab->data, ab->len, want, sizeof(want));
	g_assert_cmpmem(dup->data, dup->len, want, sizeof(want));
	g_assert_true(dup->data != ab->data);
	g_assert_null(ikebus_secbuf_dup(NULL));
}

static void
test_zero_length(void)
{
	g_autoptr(IkebusSecbuf) z = ikebus_secbuf_new(0);

	g_assert_nonnull(z->data);
	g_assert_cmpuint(z->len, ==, 0);
}

static void
test_wipe(void)
{
	guint8 key[16];

	memset(key, 0xa5, sizeof(key));
	ikebus_wipe(key, sizeof(key));
	for (gsize i = 0; i < sizeof(key); i++)
		g_assert_cmpuint(key[i], ==, 0);
}

static void
test_consttime_compare(void)
{
	const guint8 a[] = { 9, 8, 7, 6 };
	const guint8 b[] = { 9, 8, 7, 6 };
	const guint8 c[] = { 9, 8, 7, 5 };

	g_assert_true(ikebus_memeq_consttime(a, b, sizeof(a)));
	g_assert_false(ikebus_memeq_consttime(a, c, sizeof(a)));
	g_assert_true(ikebus_memeq_consttime(a, c, 0));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/secbuf/copy-concat", test_copy_and_concat);
	g_test_add_func("/secbuf/zero-length", test_zero_length);
	g_test_add_func("/secbuf/wipe", test_wipe);
	g_test_add_func("/secbuf/consttime", test_consttime_compare);
	return g_test_run();
}
