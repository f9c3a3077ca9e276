/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays files through LLVMFuzzerTestOneInput() without libFuzzer, so the
 * seed corpus runs as an ordinary test with any compiler.
 *
 *   fuzz-<target>-replay FILE|DIR...
 *
 * Directories are read one level deep, in name order. A property violation
 * aborts (the test fails); otherwise prints how many inputs ran and exits 0.
 * Exit status 1 if an argument cannot be read or no input was found.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean
replay_file(const char *path, guint *count)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *contents = NULL;
	g_autofree guint8 *exact = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, &error)) {
		fprintf(stderr, "fuzz-replay: %s\n", error->message);
		return FALSE;
	}
	/* An exact-size copy, so a sanitizer sees reads past the end. */
	exact = len > 0 ? g_memdup2(contents, len) : NULL;
	printf("replay %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(exact, len);
	(*count)++;
	return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

int
main(int argc, char **argv)
{
	guint count = 0;
	gboolean ok = TRUE;

	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GDir) dir = NULL;
		g_autoptr(GPtrArray) names = NULL;
		const char *name;

		if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			ok = replay_file(argv[i], &count) && ok;
			continue;
		}
		dir = g_dir_open(argv[i], 0, &error);
		if (dir == NULL) {
			fprintf(stderr, "fuzz-replay: %s\n", error->message);
			ok = FALSE;
			continue;
		}
		names = g_ptr_array_new_with_free_func(g_free);
		while ((name = g_dir_read_name(dir)) != NULL)
			g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
		g_ptr_array_sort(names, compare_names);
		for (guint j = 0; j < names->len; j++) {
			const char *path = g_ptr_array_index(names, j);
			if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
				ok = replay_file(path, &count) && ok;
		}
	}
	printf("fuzz-replay: %u inputs replayed\n", count);
	return ok && count > 0 ? 0 : 1;
}
