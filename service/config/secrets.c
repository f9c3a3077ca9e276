/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ipsec.secrets parser: lines -> tokens (with line numbers and whether a
 * token starts a line) -> entries. Values are copied straight into
 * IkebusSecbuf and the token text is wiped; no message ever quotes a value.
 */
#include "config.h"

#include "secrets.h"

#include <errno.h>
#include <gio/gio.h>
#include <glob.h>
#include <string.h>

G_DEFINE_QUARK(ikebus-secrets-error-quark, ikebus_secrets_error)

#define MAX_INCLUDE_DEPTH 10

typedef struct {
	IkebusSecretKind kind;
	GStrv ids;	      /* canonical IDs; "%any" for the wildcards */
	IkebusSecbuf *value;  /* PSK, XAUTH, EAP */
	char *key_ref;	      /* RSA, ECDSA: nickname or CKAID */
	char *origin;	      /* "file:line", for debug messages */
} SecretEntry;

struct IkebusSecrets {
	GPtrArray *entries; /* of SecretEntry, file order */
	GStrv files;
};

typedef struct {
	char *text; /* owned; wiped when freed (it may be a secret) */
	guint line;
	gboolean line_start;
	gboolean quoted;
} Token;

static void
entry_free(SecretEntry *e)
{
	g_strfreev(e->ids);
	ikebus_secbuf_free(e->value);
	g_free(e->key_ref);
	g_free(e->origin);
	g_free(e);
}

static void
token_clear(Token *t)
{
	if (t->text != NULL) {
		ikebus_wipe(t->text, strlen(t->text));
		g_free(t->text);
	}
}

IkebusSecrets *
ikebus_secrets_new(void)
{
	IkebusSecrets *s = g_new0(IkebusSecrets, 1);

	s->entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
	s->files = g_new0(char *, 1);
	return s;
}

void
ikebus_secrets_free(IkebusSecrets *secrets)
{
	if (secrets == NULL)
		return;
	g_ptr_array_unref(secrets->entries);
	g_strfreev(secrets->files);
	g_free(secrets);
}

/* ---- IDs ------------------------------------------------------------------ */

static gboolean
id_is_any(const char *id)
{
	return g_str_equal(id, "%any") || g_str_equal(id, "%any4") || g_str_equal(id, "%any6") ||
	       g_str_equal(id, "0.0.0.0") || g_str_equal(id, "::");
}

/* Owned canonical form: wildcards -> "%any", addresses as GInetAddress
 * prints them, @fqdn and user@fqdn lower case; DNs as written. */
static char *
id_canonical(const char *id)
{
	g_autoptr(GInetAddress) addr = NULL;

	if (id == NULL || *id == '\0' || id_is_any(id))
		return g_strdup("%any");
	addr = g_inet_address_new_from_string(id);
	if (addr != NULL)
		return g_inet_address_to_string(addr);
	if (id[0] == '@' || (strchr(id, '@') != NULL && strchr(id, '=') == NULL))
		return g_ascii_strdown(id, -1);
	return g_strdup(id);
}

/* ---- tokens --------------------------------------------------------------- */

static gboolean syntax(GError **error, const char *file, guint line, const char *format, ...)
	G_GNUC_PRINTF(4, 5);

static gboolean
syntax(GError **error, const char *file, guint line, const char *format, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_SYNTAX, "%s:%u: %s", file,
		    line, msg);
	return FALSE;
}

static gboolean
tokenize(const char *file, char *contents, GArray *tokens, GError **error)
{
	guint line = 0;
	char *p = contents;

	while (*p != '\0') {
		char *eol = strchr(p, '\n');
		char *q = p;

		line++;
		if (eol != NULL)
			*eol = '\0';
		while (*q != '\0') {
			Token t = { .line = line };

			while (*q == ' ' || *q == '\t' || *q == '\r')
				q++;
			if (*q == '\0' || *q == '#')
				break;
			t.line_start = (q == p);
			if (*q == '"' || *q == '\'') {
				char *end = strchr(q + 1, *q);

				if (end == NULL)
					return syntax(error, file, line, "unterminated quoted string");
				t.text = g_strndup(q + 1, (gsize) (end - q - 1));
				t.quoted = TRUE;
				q = end + 1;
			} else {
				char *start = q;

				while (*q != '\0' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '#')
					q++;
				t.text = g_strndup(start, (gsize) (q - start));
			}
			g_array_append_val(tokens, t);
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return TRUE;
}

/* ---- values --------------------------------------------------------------- */

static int
hexval(char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* A PSK/XAUTH/EAP value: "quoted", 0xHEX or 0sBASE64. */
static IkebusSecbuf *
parse_value(const Token *t, const char *file, const char *type, GError **error)
{
	const char *s = t->text;

	if (t->quoted)
		return ikebus_secbuf_new_from((const guint8 *) s, strlen(s));
	if (g_ascii_strncasecmp(s, "0x", 2) == 0) {
		gsize n = strlen(s + 2);
		IkebusSecbuf *buf;

		if (n == 0 || n % 2 != 0) {
			syntax(error, file, t->line, "%s: a 0x value needs an even number of hex digits",
			       type);
			return NULL;
		}
		buf = ikebus_secbuf_new(n / 2);
		for (gsize i = 0; i < n / 2; i++) {
			int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);

			if (hi < 0 || lo < 0) {
				ikebus_secbuf_free(buf);
				syntax(error, file, t->line, "%s: a 0x value holds a non-hex character",
				       type);
				return NULL;
			}
			buf->data[i] = (guint8) (hi << 4 | lo);
		}
		return buf;
	}
	if (strncmp(s, "0s", 2) == 0) {
		gsize n = strlen(s + 2), len = 0;
		g_autofree char *copy = NULL;
		guint8 *raw;
		IkebusSecbuf *buf;

		for (gsize i = 0; i < n; i++) {
			char c = s[2 + i];

			if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=') {
				syntax(error, file, t->line, "%s: a 0s value is not base64", type);
				return NULL;
			}
		}
		if (n == 0 || n % 4 != 0) {
			syntax(error, file, t->line, "%s: a 0s value is not base64 (length)", type);
			return NULL;
		}
		copy = g_strdup(s + 2);
		raw = g_base64_decode_inplace(copy, &len);
		buf = ikebus_secbuf_new_from(raw, len);
		ikebus_wipe(copy, n);
		return buf;
	}
	syntax(error, file, t->line, "%s: the secret must be a \"quoted string\", 0x hex or 0s base64",
	       type);
	return NULL;
}

static gboolean
parse_kind(const char *word, IkebusSecretKind *kind)
{
	static const struct {
		const char *name;
		IkebusSecretKind kind;
	} kinds[] = {
		{ "PSK", IKEBUS_SECRET_PSK },	  { "XAUTH", IKEBUS_SECRET_XAUTH },
		{ "EAP", IKEBUS_SECRET_EAP },	  { "RSA", IKEBUS_SECRET_RSA },
		{ "ECDSA", IKEBUS_SECRET_ECDSA },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
		if (g_ascii_strcasecmp(word, kinds[i].name) == 0) {
			*kind = kinds[i].kind;
			return TRUE;
		}
	}
	return FALSE;
}

/* RSA/ECDSA: "nickname", ckaid, or { CKAIDNSS: hex } spanning lines. */
static char *
parse_key_ref(Token *v, guint n, const char *file, const char *type, GError **error)
{
	if (!g_str_equal(v[0].text, "{") || v[0].quoted) {
		if (n > 1) {
			syntax(error, file, v[1].line, "%s: unexpected text after the key reference",
			       type);
			return NULL;
		}
		return g_strdup(v[0].text);
	}
	if (n < 2 || !g_str_equal(v[n - 1].text, "}")) {
		syntax(error, file, v[0].line, "%s: key block without a closing \"}\"", type);
		return NULL;
	}
	for (guint i = 1; i + 2 < n; i++) {
		const char *k = v[i].text;

		if (g_ascii_strcasecmp(k, "CKAIDNSS:") == 0 || g_ascii_strcasecmp(k, "ckaid:") == 0) {
			const char *hex = v[i + 1].text;

			if (g_ascii_strncasecmp(hex, "0x", 2) == 0)
				hex += 2;
			return g_ascii_strdown(hex, -1);
		}
	}
	syntax(error, file, v[0].line,
	       "%s: a key block needs a CKAIDNSS field (private keys belong in the NSS database)",
	       type);
	return NULL;
}

/* ---- entries -------------------------------------------------------------- */

typedef struct {
	GPtrArray *entries;
	GPtrArray *files;
	guint depth;
} LoadState;

static gboolean load_pattern(LoadState *st, const char *pattern, const char *relative_to,
			     gboolean must_exist, GError **error);

static gboolean
parse_entry(LoadState *st, const char *file, Token *t, guint n, GError **error)
{
	SecretEntry *e;
	guint colon = n;
	IkebusSecretKind kind;
	const char *type;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

	if (g_str_equal(t[0].text, "include") && !t[0].quoted) {
		g_autofree char *dir = g_path_get_dirname(file);

		if (n != 2)
			return syntax(error, file, t[0].line, "include needs exactly one file pattern");
		return load_pattern(st, t[1].text, dir, FALSE, error);
	}
	for (guint i = 0; i < n; i++) {
		if (!t[i].quoted && g_str_equal(t[i].text, ":")) {
			colon = i;
			break;
		}
	}
	if (colon == n)
		return syntax(error, file, t[0].line,
			      "no \" : \" between the IDs and the secret type (it needs spaces around it)");
	if (colon + 1 >= n)
		return syntax(error, file, t[colon].line, "no secret type after \":\"");
	type = t[colon + 1].text;
	if (!parse_kind(type, &kind))
		return syntax(error, file, t[colon + 1].line,
			      "unknown secret type \"%s\" (PSK, XAUTH, EAP, RSA or ECDSA)", type);
	if (colon + 2 >= n)
		return syntax(error, file, t[colon + 1].line, "%s: no secret after the type", type);
	for (guint i = 0; i < colon; i++)
		g_ptr_array_add(ids, id_canonical(t[i].text));
	g_ptr_array_add(ids, NULL);

	e = g_new0(SecretEntry, 1);
	e->kind = kind;
	e->origin = g_strdup_printf("%s:%u", file, t[0].line);
	switch (kind) {
	case IKEBUS_SECRET_PSK:
	case IKEBUS_SECRET_XAUTH:
	case IKEBUS_SECRET_EAP:
		if (colon + 3 < n) {
			entry_free(e);
			return syntax(error, file, t[colon + 3].line,
				      "%s: unexpected text after the secret (quote a secret with spaces)",
				      type);
		}
		e->value = parse_value(&t[colon + 2], file, type, error);
		if (e->value == NULL) {
			entry_free(e);
			return FALSE;
		}
		break;
	case IKEBUS_SECRET_RSA:
	case IKEBUS_SECRET_ECDSA:
		e->key_ref = parse_key_ref(&t[colon + 2], n - colon - 2, file, type, error);
		if (e->key_ref == NULL) {
			entry_free(e);
			return FALSE;
		}
		break;
	}
	e->ids = (GStrv) g_ptr_array_free(g_steal_pointer(&ids), FALSE);
	g_ptr_array_add(st->entries, e);
	return TRUE;
}

static gboolean
load_file(LoadState *st, const char *file, GError **error)
{
	g_autofree char *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) local = NULL;
	g_autoptr(GArray) tokens = g_array_new(FALSE, FALSE, sizeof(Token));
	gboolean ok = TRUE;
	guint start = 0;

	g_array_set_clear_func(tokens, (GDestroyNotify) token_clear);
	if (!g_file_get_contents(file, &contents, &len, &local)) {
		g_set_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_IO, "%s: %s", file,
			    local->message);
		return FALSE;
	}
	g_ptr_array_add(st->files, g_strdup(file));
	ok = tokenize(file, contents, tokens, error);
	ikebus_wipe(contents, len);
	if (!ok)
		return FALSE;

	/* an entry runs from a token at column 0 to the next one */
	for (guint i = 1; i <= tokens->len && ok; i++) {
		if (i < tokens->len && !g_array_index(tokens, Token, i).line_start)
			continue;
		if (i > start)
			ok = parse_entry(st, file, &g_array_index(tokens, Token, start), i - start, error);
		start = i;
	}
	return ok;
}

static gboolean
load_pattern(LoadState *st, const char *pattern, const char *relative_to, gboolean must_exist,
	     GError **error)
{
	g_autofree char *path = NULL;
	glob_t g = { 0 };
	gboolean ok = TRUE;
	int rc;

	if (st->depth >= MAX_INCLUDE_DEPTH) {
		g_set_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_DEPTH,
			    "%s: includes nested more than %d deep (an include loop?)", pattern,
			    MAX_INCLUDE_DEPTH);
		return FALSE;
	}
	path = (g_path_is_absolute(pattern) || relative_to == NULL)
		       ? g_strdup(pattern)
		       : g_build_filename(relative_to, pattern, NULL);
	rc = glob(path, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		globfree(&g);
		/* a wildcard may match nothing; a plain name given by the admin must exist */
		if (must_exist && strpbrk(path, "*?[") == NULL) {
			g_set_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_IO,
				    "%s: no such file", path);
			return FALSE;
		}
		return TRUE;
	}
	if (rc != 0) {
		globfree(&g);
		g_set_error(error, IKEBUS_SECRETS_ERROR, IKEBUS_SECRETS_ERROR_IO,
			    "%s: cannot read the directory", path);
		return FALSE;
	}
	st->depth++;
	for (gsize i = 0; i < g.gl_pathc && ok; i++)
		ok = load_file(st, g.gl_pathv[i], error);
	st->depth--;
	globfree(&g);
	return ok;
}

gboolean
ikebus_secrets_load(IkebusSecrets *secrets, const char *pattern, GError **error)
{
	LoadState st = { 0 };

	g_return_val_if_fail(secrets != NULL && pattern != NULL, FALSE);
	st.entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
	st.files = g_ptr_array_new_with_free_func(g_free);
	if (!load_pattern(&st, pattern, NULL, TRUE, error)) {
		g_ptr_array_unref(st.entries);
		g_ptr_array_unref(st.files);
		return FALSE;
	}
	g_ptr_array_unref(secrets->entries);
	secrets->entries = st.entries;
	g_strfreev(secrets->files);
	g_ptr_array_add(st.files, NULL);
	secrets->files = (GStrv) g_ptr_array_free(st.files, FALSE);
	return TRUE;
}

guint
ikebus_secrets_get_count(const IkebusSecrets *secrets)
{
	return secrets->entries->len;
}

const char *const *
ikebus_secrets_get_files(const IkebusSecrets *secrets)
{
	return (const char *const *) secrets->files;
}

/* ---- lookup --------------------------------------------------------------- */

/* 4 both IDs named, 3 one named, 2 only %any, 1 no IDs, 0 no match. */
static int
match_score(const SecretEntry *e, const char *local, const char *remote)
{
	gboolean got_local = FALSE, got_remote = FALSE;
	guint n = g_strv_length(e->ids);

	if (n == 0)
		return 1;
	for (guint i = 0; i < n; i++) {
		const char *id = e->ids[i];

		if (local != NULL && g_str_equal(id, local) && !got_local)
			got_local = TRUE;
		else if (remote != NULL && g_str_equal(id, remote) && !got_remote)
			got_remote = TRUE;
		else if (!g_str_equal(id, "%any"))
			return 0;
	}
	if (got_local && got_remote)
		return 4;
	if (got_local || got_remote)
		return 3;
	return 2;
}

static const SecretEntry *
best_match(const IkebusSecrets *secrets, IkebusSecretKind kind, const char *local_id,
	   const char *remote_id)
{
	g_autofree char *local = local_id != NULL ? id_canonical(local_id) : NULL;
	g_autofree char *remote = remote_id != NULL ? id_canonical(remote_id) : NULL;
	const SecretEntry *best = NULL;
	int best_score = 0;

	/* %any on our side of the question matches only wildcard entries */
	if (g_strcmp0(local, "%any") == 0)
		g_clear_pointer(&local, g_free);
	if (g_strcmp0(remote, "%any") == 0)
		g_clear_pointer(&remote, g_free);
	for (guint i = 0; i < secrets->entries->len; i++) {
		const SecretEntry *e = secrets->entries->pdata[i];
		int score;

		if (e->kind != kind)
			continue;
		score = match_score(e, local, remote);
		if (score > best_score) {
			best = e;
			best_score = score;
		}
	}
	if (best != NULL)
		g_debug("secret for %s/%s: entry at %s", local_id, remote_id ? remote_id : "%any",
			best->origin);
	return best;
}

IkebusSecbuf *
ikebus_secrets_lookup_psk(const IkebusSecrets *secrets, const char *local_id, const char *remote_id)
{
	const SecretEntry *e;

	g_return_val_if_fail(secrets != NULL, NULL);
	e = best_match(secrets, IKEBUS_SECRET_PSK, local_id, remote_id);
	return e != NULL ? ikebus_secbuf_dup(e->value) : NULL;
}

IkebusSecbuf *
ikebus_secrets_lookup_password(const IkebusSecrets *secrets, IkebusSecretKind kind,
			       const char *user)
{
	const SecretEntry *e;

	g_return_val_if_fail(secrets != NULL, NULL);
	g_return_val_if_fail(kind == IKEBUS_SECRET_XAUTH || kind == IKEBUS_SECRET_EAP, NULL);
	e = best_match(secrets, kind, user, NULL);
	return e != NULL ? ikebus_secbuf_dup(e->value) : NULL;
}

IkebusSecbuf *
ikebus_secrets_psk_lookup_func(const char *local_id, const char *remote_id, gpointer user_data)
{
	return ikebus_secrets_lookup_psk(user_data, local_id, remote_id);
}
