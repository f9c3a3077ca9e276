/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Real IKEv2 messages captured from strongSwan 5.9.8 and Libreswan 4.10
 * (tests/vectors/README.md) against the codec in service/ike/:
 *
 *  - parse: every field listed in expected.txt (written from tshark's decode,
 *    never from our code) matches the parsed structs; every key in the file
 *    must be understood here, so nothing listed goes unchecked;
 *  - round trip: encode(parse(x)) == x byte for byte;
 *  - truncation: every prefix 0..len-1 is rejected with IKE_CODEC_ERROR;
 *  - corruption: each payload, proposal and transform length field set to
 *    L+1, L-1, 0 and 0xffff, and the header length +-1, is rejected with an
 *    IKE_CODEC_ERROR whose message names the offset. The positions of those
 *    fields come from expected.txt, not from the parser under test.
 *
 * The vectors directory is IKEBUS_VECTORS_DIR, or VECTORS_DIR from meson.
 */
#include <string.h>

#include <glib.h>

#include "ike.h"

typedef struct {
	char *name;
	GKeyFile *kf; /* borrowed from the file-wide key file */
	GBytes *wire; /* the IKE message, non-ESP marker removed */
} Vector;

static GKeyFile *expected;

static const char *
vectors_dir(void)
{
	const char *env = g_getenv("IKEBUS_VECTORS_DIR");
	return env != NULL && *env != '\0' ? env : VECTORS_DIR;
}

static guint64
want_u64(const Vector *v, const char *key)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *s = g_key_file_get_string(v->kf, v->name, key, &error);
	guint64 out = 0;

	g_assert_no_error(error);
	if (g_str_has_prefix(s, "0x"))
		g_assert_true(g_ascii_string_to_unsigned(s + 2, 16, 0, G_MAXUINT64, &out, NULL));
	else
		g_assert_true(g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, &out, NULL));
	return out;
}

/* Copy of the message bytes in an exact-size heap block, so that ASan sees
 * a read past the end of a truncated message. */
static guint8 *
exact_copy(GBytes *b, gsize len)
{
	gsize n = 0;
	const guint8 *d = g_bytes_get_data(b, &n);
	g_assert_cmpuint(len, <=, n);
	return len > 0 ? g_memdup2(d, len) : NULL;
}

/* ---- field checks ---- */

static gsize
transform_wire_len(const IkeTransform *t)
{
	gsize len = 8;
	for (guint i = 0; t->attrs != NULL && i < t->attrs->len; i++) {
		const IkeTransformAttr *a = &g_array_index(t->attrs, IkeTransformAttr, i);
		len += a->tv ? 4 : 4 + a->value_len;
	}
	return len;
}

static gsize
proposal_wire_len(const IkeProposal *pr)
{
	gsize len = 8 + pr->spi_len;
	for (guint i = 0; i < pr->transforms->len; i++)
		len += transform_wire_len(&g_array_index(pr->transforms, IkeTransform, i));
	return len;
}

/* Value of "tfJ.<field>" for transform @t. FALSE for an unknown field. */
static gboolean
transform_field(const IkeTransform *t, const char *field, guint64 *out)
{
	if (g_str_equal(field, "type"))
		*out = t->type;
	else if (g_str_equal(field, "length"))
		*out = transform_wire_len(t);
	else if (g_str_equal(field, "id"))
		*out = t->id;
	else if (g_str_equal(field, "attributes"))
		*out = t->attrs != NULL ? t->attrs->len : 0;
	else if (g_str_equal(field, "keylen"))
		*out = (guint64)ike_transform_get_key_length(t);
	else
		return FALSE;
	return TRUE;
}

/* Value of "propI.<rest>" for proposal @pr. */
static gboolean
proposal_field(const IkeProposal *pr, const char *rest, guint64 *out)
{
	guint j = 0;
	char *end = NULL;

	if (g_str_has_prefix(rest, "tf")) {
		j = (guint)g_ascii_strtoull(rest + 2, &end, 10);
		g_assert_true(end != rest + 2 && *end == '.');
		g_assert_cmpuint(j, <, pr->transforms->len);
		return transform_field(&g_array_index(pr->transforms, IkeTransform, j), end + 1, out);
	}
	if (g_str_equal(rest, "number"))
		*out = pr->num;
	else if (g_str_equal(rest, "protocol"))
		*out = pr->protocol;
	else if (g_str_equal(rest, "spi_size"))
		*out = pr->spi_len;
	else if (g_str_equal(rest, "transforms"))
		*out = pr->transforms->len;
	else if (g_str_equal(rest, "length"))
		*out = proposal_wire_len(pr);
	else
		return FALSE;
	return TRUE;
}

/* Value of "pN.<rest>" for payload @p, whose successor has type @next_type
 * (0 for the last payload). */
static gboolean
payload_field(const IkePayload *p, guint8 next_type, const char *rest, guint64 *out)
{
	if (g_str_equal(rest, "type")) {
		*out = p->type;
	} else if (g_str_equal(rest, "next")) {
		/* Next Payload of the last outer payload: 0, or for SK/SKF the
		 * type of the first inner payload (RFC 7296 §3.14). */
		if (p->type == IKE_PAYLOAD_SK)
			*out = p->u.sk.inner_type;
		else if (p->type == IKE_PAYLOAD_SKF)
			*out = p->u.skf.inner_type;
		else
			*out = next_type;
	} else if (g_str_equal(rest, "critical")) {
		*out = p->critical ? 1 : 0;
	} else if (g_str_equal(rest, "length")) {
		*out = p->length;
	} else if (g_str_equal(rest, "proposals") && p->type == IKE_PAYLOAD_SA) {
		*out = p->u.sa.proposals->len;
	} else if (g_str_has_prefix(rest, "prop") && p->type == IKE_PAYLOAD_SA) {
		char *end = NULL;
		guint i = (guint)g_ascii_strtoull(rest + 4, &end, 10);
		g_assert_true(end != rest + 4 && *end == '.');
		g_assert_cmpuint(i, <, p->u.sa.proposals->len);
		return proposal_field(g_ptr_array_index(p->u.sa.proposals, i), end + 1, out);
	} else if (g_str_equal(rest, "ke.group") && p->type == IKE_PAYLOAD_KE) {
		*out = p->u.ke.group;
	} else if (g_str_equal(rest, "ke.data_len") && p->type == IKE_PAYLOAD_KE) {
		*out = p->u.ke.data_len;
	} else if (g_str_equal(rest, "nonce.data_len") && p->type == IKE_PAYLOAD_NONCE) {
		*out = p->u.nonce.data_len;
	} else if (g_str_equal(rest, "notify.protocol") && p->type == IKE_PAYLOAD_NOTIFY) {
		*out = p->u.notify.protocol;
	} else if (g_str_equal(rest, "notify.spi_size") && p->type == IKE_PAYLOAD_NOTIFY) {
		*out = p->u.notify.spi_len;
	} else if (g_str_equal(rest, "notify.type") && p->type == IKE_PAYLOAD_NOTIFY) {
		*out = p->u.notify.type;
	} else if (g_str_equal(rest, "notify.data_len") && p->type == IKE_PAYLOAD_NOTIFY) {
		*out = p->u.notify.data_len;
	} else if (g_str_equal(rest, "certreq.encoding") && p->type == IKE_PAYLOAD_CERTREQ) {
		*out = p->u.cert.encoding;
	} else if (g_str_equal(rest, "certreq.data_len") && p->type == IKE_PAYLOAD_CERTREQ) {
		*out = p->u.cert.data_len;
	} else if (g_str_equal(rest, "sk.body_len") && p->type == IKE_PAYLOAD_SK) {
		*out = p->u.sk.data_len;
	} else if (g_str_equal(rest, "skf.number") && p->type == IKE_PAYLOAD_SKF) {
		*out = p->u.skf.fragment_number;
	} else if (g_str_equal(rest, "skf.total") && p->type == IKE_PAYLOAD_SKF) {
		*out = p->u.skf.total_fragments;
	} else if (g_str_equal(rest, "skf.body_len") && p->type == IKE_PAYLOAD_SKF) {
		*out = p->u.skf.data_len;
	} else {
		return FALSE;
	}
	return TRUE;
}

static void
check_header(const Vector *v, const IkeHeader *h)
{
	g_autofree char *ispi = g_strdup_printf("%016" G_GINT64_MODIFIER "x", h->spi_i);
	g_autofree char *rspi = g_strdup_printf("%016" G_GINT64_MODIFIER "x", h->spi_r);
	g_autofree char *want_ispi = g_key_file_get_string(v->kf, v->name, "ispi", NULL);
	g_autofree char *want_rspi = g_key_file_get_string(v->kf, v->name, "rspi", NULL);

	g_assert_cmpstr(ispi, ==, want_ispi);
	g_assert_cmpstr(rspi, ==, want_rspi);
	g_assert_cmpuint(h->next_payload, ==, want_u64(v, "next"));
	g_assert_cmpuint(h->major_version, ==, want_u64(v, "major"));
	g_assert_cmpuint(h->minor_version, ==, want_u64(v, "minor"));
	g_assert_cmpuint(h->exchange_type, ==, want_u64(v, "exchange"));
	g_assert_cmpuint(h->flags, ==, want_u64(v, "flags"));
	g_assert_cmpuint((h->flags & IKE_FLAG_INITIATOR) ? 1 : 0, ==, want_u64(v, "flag_i"));
	g_assert_cmpuint((h->flags & IKE_FLAG_RESPONSE) ? 1 : 0, ==, want_u64(v, "flag_r"));
	g_assert_cmpuint(h->message_id, ==, want_u64(v, "msgid"));
	g_assert_cmpuint(h->length, ==, want_u64(v, "length"));
}

static void
test_parse(gconstpointer data)
{
	const Vector *v = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(IkeMessage) msg = ike_message_parse_bytes(v->wire, &error);
	g_auto(GStrv) keys = NULL;
	g_autofree char *types = NULL;
	g_autofree char *want_types = NULL;
	g_autoptr(GString) got = g_string_new(NULL);
	guint checked = 0;

	g_assert_no_error(error);
	g_assert_nonnull(msg);
	check_header(v, &msg->header);

	for (guint i = 0; i < msg->payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(msg->payloads, i);
		g_string_append_printf(got, "%s%u", i > 0 ? "," : "", p->type);
	}
	want_types = g_key_file_get_string(v->kf, v->name, "payloads", NULL);
	g_assert_cmpstr(got->str, ==, want_types);

	keys = g_key_file_get_keys(v->kf, v->name, NULL, NULL);
	for (guint k = 0; keys[k] != NULL; k++) {
		const char *key = keys[k];
		char *end = NULL;
		guint n = 0;
		guint64 have = 0;
		const IkePayload *p = NULL;
		guint8 next_type = 0;

		if (key[0] != 'p' || !g_ascii_isdigit(key[1]))
			continue; /* header and metadata keys, checked above */
		n = (guint)g_ascii_strtoull(key + 1, &end, 10);
		g_assert_true(*end == '.');
		g_assert_cmpuint(n, <, msg->payloads->len);
		p = g_ptr_array_index(msg->payloads, n);
		if (n + 1 < msg->payloads->len)
			next_type = ((const IkePayload *)g_ptr_array_index(msg->payloads, n + 1))->type;
		if (!payload_field(p, next_type, end + 1, &have)) {
			g_test_fail_printf("%s: expectation key %s is not understood by this test",
			                   v->name, key);
			return;
		}
		if (have != want_u64(v, key)) {
			g_test_fail_printf("%s: %s: parsed %" G_GUINT64_FORMAT
			                   ", tshark says %" G_GUINT64_FORMAT,
			                   v->name, key, have, want_u64(v, key));
			return;
		}
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);

	/* The formatters must cope with every real message. */
	types = ike_message_to_text(msg);
	g_assert_nonnull(types);
	g_free(g_steal_pointer(&types));
	types = ike_message_to_json(msg);
	g_assert_true(g_str_has_prefix(types, "{"));
}

static void
test_round_trip(gconstpointer data)
{
	const Vector *v = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(IkeMessage) msg = ike_message_parse_bytes(v->wire, &error);
	g_autoptr(GByteArray) out = NULL;
	gsize len = 0;
	const guint8 *wire = g_bytes_get_data(v->wire, &len);

	g_assert_no_error(error);
	out = ike_message_encode(msg, &error);
	g_assert_no_error(error);
	g_assert_nonnull(out);
	g_assert_cmpmem(out->data, out->len, wire, len);
}

static void
test_truncations(gconstpointer data)
{
	const Vector *v = data;
	gsize len = g_bytes_get_size(v->wire);

	for (gsize l = 0; l < len; l++) {
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *copy = exact_copy(v->wire, l);
		IkeMessage *msg = ike_message_parse(copy, l, &error);
		if (msg != NULL) {
			ike_message_free(msg);
			g_test_fail_printf("%s: truncated to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
			                   " bytes, still parsed", v->name, l, len);
			return;
		}
		g_assert_error(error, IKE_CODEC_ERROR, error->code);
		g_assert_nonnull(error->message);
	}
}

/* Parses @wire with the 16-bit field at @pos set to @value; must fail with
 * an error naming an offset. */
static void
expect_rejected16(const Vector *v, const char *what, gsize pos, guint value)
{
	gsize len = g_bytes_get_size(v->wire);
	g_autofree guint8 *copy = exact_copy(v->wire, len);
	g_autoptr(GError) error = NULL;
	IkeMessage *msg = NULL;
	guint orig = 0;

	g_assert_cmpuint(pos + 2, <=, len);
	orig = (guint)copy[pos] << 8 | copy[pos + 1];
	copy[pos] = (guint8)(value >> 8);
	copy[pos + 1] = (guint8)value;
	msg = ike_message_parse(copy, len, &error);
	if (msg != NULL) {
		ike_message_free(msg);
		g_test_fail_printf("%s: %s length %u -> %u (at byte %" G_GSIZE_FORMAT ") still parsed",
		                   v->name, what, orig, value, pos);
		return;
	}
	g_assert_error(error, IKE_CODEC_ERROR, error->code);
	if (strstr(error->message, "offset") == NULL)
		g_test_fail_printf("%s: %s length %u -> %u: error \"%s\" names no offset", v->name,
		                   what, orig, value, error->message);
}

static void
corrupt_length16(const Vector *v, const char *what, gsize pos, guint orig)
{
	const guint values[] = { orig + 1, orig - 1, 0, 0xffff };
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		if (values[i] == orig || values[i] > 0xffff)
			continue;
		expect_rejected16(v, what, pos, values[i]);
	}
}

static void
test_corruptions(gconstpointer data)
{
	const Vector *v = data;
	gsize len = g_bytes_get_size(v->wire);
	guint64 n_payloads = 0;
	g_autofree char *types = g_key_file_get_string(v->kf, v->name, "payloads", NULL);
	g_auto(GStrv) tv = g_strsplit(types, ",", -1);
	gsize off = IKE_HEADER_LEN;

	n_payloads = g_strv_length(tv);
	/* Header Length +-1 (32-bit field at 24). */
	for (int d = -1; d <= 1; d += 2) {
		g_autofree guint8 *copy = exact_copy(v->wire, len);
		g_autoptr(GError) error = NULL;
		guint32 hl = (guint32)(len + d);
		copy[24] = (guint8)(hl >> 24);
		copy[25] = (guint8)(hl >> 16);
		copy[26] = (guint8)(hl >> 8);
		copy[27] = (guint8)hl;
		g_assert_null(ike_message_parse(copy, len, &error));
		g_assert_error(error, IKE_CODEC_ERROR, error->code);
	}

	for (guint64 i = 0; i < n_payloads; i++) {
		g_autofree char *k_len = g_strdup_printf("p%" G_GUINT64_FORMAT ".length", i);
		g_autofree char *k_props = g_strdup_printf("p%" G_GUINT64_FORMAT ".proposals", i);
		g_autofree char *what = g_strdup_printf("payload %" G_GUINT64_FORMAT " (type %s)", i,
		                                        tv[i]);
		guint plen = (guint)want_u64(v, k_len);

		corrupt_length16(v, what, off + 2, plen);
		if (g_key_file_has_key(v->kf, v->name, k_props, NULL)) {
			guint64 n_props = want_u64(v, k_props);
			gsize poff = off + 4;
			for (guint64 j = 0; j < n_props; j++) {
				g_autofree char *pk = g_strdup_printf("p%" G_GUINT64_FORMAT ".prop%" G_GUINT64_FORMAT,
				                                      i, j);
				g_autofree char *k = g_strconcat(pk, ".length", NULL);
				g_autofree char *ks = g_strconcat(pk, ".spi_size", NULL);
				g_autofree char *kt = g_strconcat(pk, ".transforms", NULL);
				g_autofree char *pwhat = g_strdup_printf("%s proposal %" G_GUINT64_FORMAT,
				                                         what, j);
				guint prlen = (guint)want_u64(v, k);
				gsize toff = poff + 8 + want_u64(v, ks);

				corrupt_length16(v, pwhat, poff + 2, prlen);
				for (guint64 t = 0; t < want_u64(v, kt); t++) {
					g_autofree char *tk = g_strdup_printf("%s.tf%" G_GUINT64_FORMAT ".length",
					                                      pk, t);
					g_autofree char *twhat = g_strdup_printf("%s transform %" G_GUINT64_FORMAT,
					                                         pwhat, t);
					guint tlen = (guint)want_u64(v, tk);
					corrupt_length16(v, twhat, toff + 2, tlen);
					toff += tlen;
				}
				g_assert_cmpuint(toff, ==, poff + prlen);
				poff += prlen;
			}
			g_assert_cmpuint(poff, ==, off + plen);
		}
		off += plen;
	}
	g_assert_cmpuint(off, ==, len);
}

static void
vector_free(gpointer data)
{
	Vector *v = data;
	g_free(v->name);
	g_bytes_unref(v->wire);
	g_free(v);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_auto(GStrv) groups = NULL;
	g_autoptr(GPtrArray) vectors = g_ptr_array_new_with_free_func(vector_free);
	int rc;

	g_test_init(&argc, &argv, NULL);
	expected = g_key_file_new();
	path = g_build_filename(vectors_dir(), "expected.txt", NULL);
	if (!g_key_file_load_from_file(expected, path, G_KEY_FILE_NONE, &error))
		g_error("%s: %s", path, error->message);
	groups = g_key_file_get_groups(expected, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		Vector *v = g_new0(Vector, 1);
		g_autofree char *file = g_key_file_get_string(expected, groups[i], "file", NULL);
		g_autofree char *fpath = g_build_filename(vectors_dir(), file, NULL);
		char *contents = NULL;
		gsize len = 0;
		gsize skip = 0;
		g_autofree char *tp = NULL;

		v->name = g_strdup(groups[i]);
		v->kf = expected;
		if (!g_file_get_contents(fpath, &contents, &len, &error))
			g_error("%s", error->message);
		if (g_key_file_get_integer(expected, groups[i], "marker", NULL) == 1) {
			g_assert_cmpuint(len, >=, 4);
			g_assert_cmpmem(contents, 4, "\0\0\0\0", 4);
			skip = 4;
		}
		v->wire = g_bytes_new(contents + skip, len - skip);
		g_free(contents);
		g_ptr_array_add(vectors, v);

		tp = g_strdup_printf("/ike-real-vectors/%s/parse", v->name);
		g_test_add_data_func(tp, v, test_parse);
		g_free(g_steal_pointer(&tp));
		tp = g_strdup_printf("/ike-real-vectors/%s/round-trip", v->name);
		g_test_add_data_func(tp, v, test_round_trip);
		g_free(g_steal_pointer(&tp));
		tp = g_strdup_printf("/ike-real-vectors/%s/truncations", v->name);
		g_test_add_data_func(tp, v, test_truncations);
		g_free(g_steal_pointer(&tp));
		tp = g_strdup_printf("/ike-real-vectors/%s/corruptions", v->name);
		g_test_add_data_func(tp, v, test_corruptions);
	}
	g_assert_cmpuint(vectors->len, >, 0);
	rc = g_test_run();
	g_key_file_free(expected);
	return rc;
}
