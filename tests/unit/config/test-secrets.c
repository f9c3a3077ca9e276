/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config/secrets.c: the ipsec.secrets parser and the PSK lookup priority. */
#include "config.h"

#include "config/secrets.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	char *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("test-secrets-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
}

static void
rm_rf(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	rm_rf(f->dir);
	g_free(f->dir);
}

static char *
write_file(Fixture *f, const char *name, const char *contents)
{
	char *path = g_build_filename(f->dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_mkdir_with_parents(parent, 0700);
	g_assert_true(g_file_set_contents(path, contents, -1, NULL));
	return path;
}

static void
assert_psk(IkebusSecrets *s, const char *local, const char *remote, const char *expected)
{
	g_autoptr(IkebusSecbuf) psk = ikebus_secrets_lookup_psk(s, local, remote);

	if (expected == NULL) {
		g_assert_null(psk);
		return;
	}
	g_assert_nonnull(psk);
	g_assert_cmpmem(psk->data, psk->len, expected, strlen(expected));
}

static void
test_good_lines(Fixture *f, gconstpointer data)
{
	g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_file(
		f, "ipsec.secrets",
		"# comment line\n"
		"192.0.2.1 192.0.2.2 : PSK \"pair secret\"   # trailing comment\n"
		"@East.Example %any : PSK 'single #quoted'\n"
		"2001:db8::1 2001:db8::2 : PSK 0x616263\n"
		"@b64 : PSK 0sc2VjcmV0\n"
		"@user : XAUTH \"xpass\"\n"
		": RSA \"my-cert\"\n"
		": ECDSA {\n"
		"\tCKAIDNSS: 0xABCDEF\n"
		"\t}\n"
		"\"C=CH, O=Example, CN=peer\" @gw : PSK \"dn secret\"\n"
		"\n");

	g_assert_true(ikebus_secrets_load(s, path, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ikebus_secrets_get_count(s), ==, 8);
	assert_psk(s, "192.0.2.1", "192.0.2.2", "pair secret");
	assert_psk(s, "192.0.2.2", "192.0.2.1", "pair secret");
	/* @fqdn compares without case; %any on the other side */
	assert_psk(s, "@east.example", "198.51.100.7", "single #quoted");
	assert_psk(s, "2001:db8:0::1", "2001:db8::2", "abc");
	assert_psk(s, "@b64", "%any", "secret");
	assert_psk(s, "C=CH, O=Example, CN=peer", "@gw", "dn secret");
	assert_psk(s, "192.0.2.9", "192.0.2.10", NULL);
	{
		g_autoptr(IkebusSecbuf) x = ikebus_secrets_lookup_password(s, IKEBUS_SECRET_XAUTH,
									     "@user");

		g_assert_nonnull(x);
		g_assert_cmpmem(x->data, x->len, "xpass", 5);
	}
}

static void
test_priority(Fixture *f, gconstpointer data)
{
	g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
	g_autoptr(GError) error = NULL;
	/* file order is the reverse of the priority, so the order cannot decide */
	g_autofree char *path = write_file(f, "p.secrets",
					   ": PSK \"empty\"\n"
					   "%any %any : PSK \"any\"\n"
					   "@me %any : PSK \"one side\"\n"
					   "@me @peer : PSK \"pair\"\n"
					   "@me @peer : PSK \"second pair\"\n");

	g_assert_true(ikebus_secrets_load(s, path, &error));
	assert_psk(s, "@me", "@peer", "pair");	      /* exact pair, first one wins a tie */
	assert_psk(s, "@peer", "@me", "pair");	      /* either order */
	assert_psk(s, "@me", "@other", "one side");    /* one side + %any */
	assert_psk(s, "@other", "@me", "one side");
	assert_psk(s, "@x", "@y", "any");	      /* only %any */
	assert_psk(s, "@x", NULL, "any");
	{
		g_autoptr(IkebusSecrets) s2 = ikebus_secrets_new();
		g_autofree char *p2 = write_file(f, "q.secrets", ": PSK \"empty\"\n@a @b : PSK \"ab\"\n");

		g_assert_true(ikebus_secrets_load(s2, p2, NULL));
		assert_psk(s2, "@x", "@y", "empty"); /* no IDs: lowest priority, still a match */
		assert_psk(s2, "@a", "@b", "ab");
		/* an entry naming an ID that is neither side does not match */
		assert_psk(s2, "@a", "@c", "empty");
	}
	/* the provider the engine calls */
	{
		g_autoptr(IkebusSecbuf) p = ikebus_secrets_psk_lookup_func("@me", "@peer", s);

		g_assert_cmpmem(p->data, p->len, "pair", 4);
	}
}

static void
test_include_glob(Fixture *f, gconstpointer data)
{
	g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *a = write_file(f, "d/a.secrets", "@a : PSK \"A\"\n");
	g_autofree char *b = write_file(f, "d/b.secrets", "@b : PSK \"B\"\n");
	g_autofree char *ignored = write_file(f, "d/c.txt", "@c : PSK \"C\"\n");
	g_autofree char *main_file = write_file(f, "main.secrets",
						"include d/*.secrets\n"
						"include nothing/*.secrets\n"
						"@m : PSK \"M\"\n");
	g_autofree char *pattern = g_build_filename(f->dir, "m*.secrets", NULL);

	g_assert_true(g_file_test(a, G_FILE_TEST_EXISTS) && g_file_test(b, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(ignored, G_FILE_TEST_EXISTS) &&
		      g_file_test(main_file, G_FILE_TEST_EXISTS));
	g_assert_true(ikebus_secrets_load(s, pattern, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ikebus_secrets_get_count(s), ==, 3);
	g_assert_cmpuint(g_strv_length((char **) ikebus_secrets_get_files(s)), ==, 3);
	assert_psk(s, "@a", NULL, "A");
	assert_psk(s, "@b", NULL, "B");
	assert_psk(s, "@c", NULL, NULL);
	assert_psk(s, "@m", NULL, "M");
}

static void
test_include_loop(Fixture *f, gconstpointer data)
{
	g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_file(f, "loop.secrets", "include loop.secrets\n");

	g_assert_false(ikebus_secrets_load(s, path, &error));
	g_assert_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_DEPTH);
}

/* Every error names file:line and never shows the secret or its text. */
static void
test_errors(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *text;
		guint line;
		const char *says;
	} cases[] = {
		{ "@a : PSK \"TOPSECRET1\n", 1, "unterminated" },
		{ "\n@a PSK \"TOPSECRET2\"\n", 2, "\" : \"" },
		{ "@a :\n", 1, "no secret type" },
		{ "@a : FOO \"TOPSECRET3\"\n", 1, "unknown secret type" },
		{ "@a : PSK\n", 1, "no secret" },
		{ "@a : PSK TOPSECRET4\n", 1, "quoted string" },
		{ "@a : PSK 0xTOPSECRET5\n", 1, "hex" },
		{ "@a : PSK 0x123\n", 1, "even number" },
		{ "@a : PSK 0sTOPSECRET6!!\n", 1, "base64" },
		{ "# c\n\n@a : PSK TOP SECRET7\n", 3, "unexpected text" },
		{ "@a : RSA {\n  Modulus: 0xTOPSECRET8\n  }\n", 1, "CKAIDNSS" },
		{ "@a : RSA {\n  CKAIDNSS: 0x12\n", 1, "closing" },
		{ "include\n", 1, "include" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
		g_autoptr(GError) error = NULL;
		g_autofree char *name = g_strdup_printf("bad%zu.secrets", i);
		g_autofree char *path = write_file(f, name, cases[i].text);
		g_autofree char *where = g_strdup_printf("%s:%u: ", path, cases[i].line);
		g_autofree char *good = write_file(f, "good.secrets", "@a : PSK \"kept\"\n");

		/* a good load first: a failed reread keeps it */
		g_assert_true(ikebus_secrets_load(s, good, NULL));
		g_assert_false(ikebus_secrets_load(s, path, &error));
		g_assert_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_SYNTAX);
		g_test_message("%s", error->message);
		g_assert_true(g_str_has_prefix(error->message, where));
		g_assert_nonnull(strstr(error->message, cases[i].says));
		g_assert_null(strstr(error->message, "TOPSECRET"));
		g_assert_null(strstr(error->message, "SECRET"));
		assert_psk(s, "@a", NULL, "kept");
	}
}

static void
test_missing(Fixture *f, gconstpointer data)
{
	g_autoptr(IkebusSecrets) s = ikebus_secrets_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "absent.secrets", NULL);
	g_autofree char *glob = g_build_filename(f->dir, "absent*.secrets", NULL);

	g_assert_false(ikebus_secrets_load(s, path, &error));
	g_assert_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_IO);
	g_clear_error(&error);
	/* a glob may match nothing */
	g_assert_true(ikebus_secrets_load(s, glob, &error));
	g_assert_cmpuint(ikebus_secrets_get_count(s), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/secrets/good-lines", test_good_lines);
	ADD("/secrets/priority", test_priority);
	ADD("/secrets/include-glob", test_include_glob);
	ADD("/secrets/include-loop", test_include_loop);
	ADD("/secrets/errors", test_errors);
	ADD("/secrets/missing", test_missing);
	return g_test_run();
}
