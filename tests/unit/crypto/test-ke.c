/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key exchange: RFC 5903 §8 and RFC 7748 §6.1 known answers, agreement of
 * both sides for every group, and rejection of invalid peer public values.
 */
#include <nss.h>

#include "ke.h"
#include "nss-init.h"

static GBytes *
hex(const char *s)
{
	GByteArray *out = g_byte_array_new();

	for (; s[0] != '\0'; s += 2) {
		guint8 b;

		while (g_ascii_isspace(*s))
			s++;
		if (*s == '\0')
			break;
		g_assert_true(g_ascii_isxdigit(s[0]) && g_ascii_isxdigit(s[1]));
		b = (guint8) (g_ascii_xdigit_value(s[0]) << 4 | g_ascii_xdigit_value(s[1]));
		g_byte_array_append(out, &b, 1);
	}
	return g_byte_array_free_to_bytes(out);
}

static void
assert_bytes_eq(GBytes *got, GBytes *want)
{
	gsize glen, wlen;
	const guint8 *g = g_bytes_get_data(got, &glen);
	const guint8 *w = g_bytes_get_data(want, &wlen);

	g_assert_cmpmem(g, glen, w, wlen);
}

static void
assert_secret_eq(const IkebusSecbuf *got, GBytes *want)
{
	gsize wlen;
	const guint8 *w = g_bytes_get_data(want, &wlen);

	g_assert_nonnull(got);
	g_assert_cmpmem(got->data, got->len, w, wlen);
}

/* ---- groups --------------------------------------------------------- */

static void
test_groups(void)
{
	static const struct {
		guint id;
		const char *name;
		gsize public_len, secret_len;
	} want[] = {
		{ 5, "modp1536", 192, 192 },	  { 14, "modp2048", 256, 256 },
		{ 15, "modp3072", 384, 384 },	  { 16, "modp4096", 512, 512 },
		{ 17, "modp6144", 768, 768 },	  { 18, "modp8192", 1024, 1024 },
		{ 19, "ecp256", 64, 32 },	  { 20, "ecp384", 96, 48 },
		{ 21, "ecp521", 132, 66 },	  { 31, "curve25519", 32, 32 },
	};
	gsize n = 0;
	const CryptoKeGroup *all = crypto_ke_groups(&n);

	g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const CryptoKeGroup *g = crypto_ke_group_lookup(want[i].id);

		g_assert_nonnull(g);
		g_assert_true(g == &all[i]);
		g_assert_cmpstr(g->name, ==, want[i].name);
		g_assert_true(crypto_ke_group_lookup_name(want[i].name) == g);
		g_assert_cmpuint(g->public_len, ==, want[i].public_len);
		g_assert_cmpuint(g->secret_len, ==, want[i].secret_len);
		if (g->kind == CRYPTO_KE_MODP) {
			/* RFC 3526: every prime starts and ends with 64 one bits */
			for (gsize j = 0; j < 8; j++) {
				g_assert_cmpuint(g->prime[j], ==, 0xff);
				g_assert_cmpuint(g->prime[g->public_len - 1 - j], ==, 0xff);
			}
			g_assert_cmpuint(g->bits, ==, g->public_len * 8);
		}
	}
	g_assert_null(crypto_ke_group_lookup(0));
	g_assert_null(crypto_ke_group_lookup(2));
	g_assert_null(crypto_ke_group_lookup(32));
	g_assert_null(crypto_ke_group_lookup_name("modp768"));
}

/* ---- RFC 5903 §8 ---------------------------------------------------- */

typedef struct {
	guint id;
	const char *i, *gix, *giy, *r, *grx, *gry, *girx;
} Rfc5903Vector;

static const Rfc5903Vector rfc5903[] = {
	{ 19, /* §8.1 */
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ 20, /* §8.2 */
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA",
	  "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	  "EB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571",
	  "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	  "F83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ 21, /* §8.3 */
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	  "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E",
	  "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
	  "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	  "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F",
	  "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
	  "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA" },
};

static GBytes *
concat(GBytes *a, GBytes *b)
{
	GByteArray *out = g_byte_array_new();
	gsize la, lb;
	const guint8 *pa = g_bytes_get_data(a, &la);
	const guint8 *pb = g_bytes_get_data(b, &lb);

	g_byte_array_append(out, pa, (guint) la);
	g_byte_array_append(out, pb, (guint) lb);
	return g_byte_array_free_to_bytes(out);
}

static void
test_ecp_rfc5903(gconstpointer data)
{
	const Rfc5903Vector *v = data;
	const CryptoKeGroup *group = crypto_ke_group_lookup(v->id);
	g_autoptr(GBytes) i = hex(v->i), r = hex(v->r), girx = hex(v->girx);
	g_autoptr(GBytes) gix = hex(v->gix), giy = hex(v->giy);
	g_autoptr(GBytes) grx = hex(v->grx), gry = hex(v->gry);
	g_autoptr(GBytes) gi = concat(gix, giy), gr = concat(grx, gry);
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke_i = NULL, ke_r = NULL;
	g_autoptr(IkebusSecbuf) s_i = NULL, s_r = NULL;

	g_assert_nonnull(group);
	g_assert_cmpuint(g_bytes_get_size(i), ==, group->secret_len);
	ke_i = crypto_ke_new_from_private(group, g_bytes_get_data(i, NULL), g_bytes_get_size(i),
					  g_bytes_get_data(gi, NULL), g_bytes_get_size(gi), &error);
	g_assert_no_error(error);
	ke_r = crypto_ke_new_from_private(group, g_bytes_get_data(r, NULL), g_bytes_get_size(r),
					  g_bytes_get_data(gr, NULL), g_bytes_get_size(gr), &error);
	g_assert_no_error(error);
	/* the KE payload carries x || y (RFC 5903 §7) */
	assert_bytes_eq(crypto_ke_get_public(ke_i), gi);
	assert_bytes_eq(crypto_ke_get_public(ke_r), gr);
	/* g^ir is the x coordinate only (RFC 5903 §9) */
	s_i = crypto_ke_derive(ke_i, g_bytes_get_data(gr, NULL), g_bytes_get_size(gr), &error);
	g_assert_no_error(error);
	assert_secret_eq(s_i, girx);
	s_r = crypto_ke_derive(ke_r, g_bytes_get_data(gi, NULL), g_bytes_get_size(gi), &error);
	g_assert_no_error(error);
	assert_secret_eq(s_r, girx);
}

/* The known-answer entry point must notice a public value of another key. */
static void
test_ecp_pair_mismatch(void)
{
	const Rfc5903Vector *v = &rfc5903[0];
	const CryptoKeGroup *group = crypto_ke_group_lookup(19);
	g_autoptr(GBytes) i = hex(v->i);
	g_autoptr(GBytes) grx = hex(v->grx), gry = hex(v->gry);
	g_autoptr(GBytes) gr = concat(grx, gry);
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke = NULL;

	ke = crypto_ke_new_from_private(group, g_bytes_get_data(i, NULL), g_bytes_get_size(i),
					g_bytes_get_data(gr, NULL), g_bytes_get_size(gr), &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_assert_null(ke);
}

/* ---- RFC 7748 §6.1 -------------------------------------------------- */

static void
test_x25519_rfc7748(void)
{
	const CryptoKeGroup *group = crypto_ke_group_lookup(31);
	g_autoptr(GBytes) a = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	g_autoptr(GBytes) ga = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	g_autoptr(GBytes) b = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	g_autoptr(GBytes) gb = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	g_autoptr(GBytes) k = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) alice = NULL, bob = NULL, wrong = NULL;
	g_autoptr(IkebusSecbuf) ka = NULL, kb = NULL;

	/* public values are computed from the private scalars alone */
	alice = crypto_ke_new_from_private(group, g_bytes_get_data(a, NULL), 32, NULL, 0, &error);
	g_assert_no_error(error);
	bob = crypto_ke_new_from_private(group, g_bytes_get_data(b, NULL), 32, NULL, 0, &error);
	g_assert_no_error(error);
	assert_bytes_eq(crypto_ke_get_public(alice), ga);
	assert_bytes_eq(crypto_ke_get_public(bob), gb);
	ka = crypto_ke_derive(alice, g_bytes_get_data(gb, NULL), 32, &error);
	g_assert_no_error(error);
	assert_secret_eq(ka, k);
	kb = crypto_ke_derive(bob, g_bytes_get_data(ga, NULL), 32, &error);
	g_assert_no_error(error);
	assert_secret_eq(kb, k);
	/* a given public value is checked against the private one */
	wrong = crypto_ke_new_from_private(group, g_bytes_get_data(a, NULL), 32,
					   g_bytes_get_data(gb, NULL), 32, &error);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_assert_null(wrong);
}

/* ---- both sides agree ------------------------------------------------ */

static gboolean
in_range_modp(const CryptoKeGroup *g, const guint8 *y)
{
	/* our own public value is below p and not 0 or 1 */
	gsize nz = 0;

	for (gsize i = 0; i + 1 < g->public_len; i++)
		nz |= y[i];
	return memcmp(y, g->prime, g->public_len) < 0 && (nz != 0 || y[g->public_len - 1] > 1);
}

static void
test_agree(gconstpointer data)
{
	const CryptoKeGroup *group = crypto_ke_group_lookup(GPOINTER_TO_UINT(data));
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) a = crypto_ke_new(group, &error);
	g_autoptr(CryptoKe) b = NULL;
	g_autoptr(IkebusSecbuf) sa = NULL, sb = NULL;
	GBytes *pa, *pb;

	g_assert_no_error(error);
	b = crypto_ke_new(group, &error);
	g_assert_no_error(error);
	g_assert_true(crypto_ke_get_group(a) == group);
	pa = crypto_ke_get_public(a);
	pb = crypto_ke_get_public(b);
	g_assert_cmpuint(g_bytes_get_size(pa), ==, group->public_len);
	g_assert_cmpuint(g_bytes_get_size(pb), ==, group->public_len);
	g_assert_false(g_bytes_equal(pa, pb));
	if (group->kind == CRYPTO_KE_MODP)
		g_assert_true(in_range_modp(group, g_bytes_get_data(pa, NULL)));

	sa = crypto_ke_derive(a, g_bytes_get_data(pb, NULL), g_bytes_get_size(pb), &error);
	g_assert_no_error(error);
	sb = crypto_ke_derive(b, g_bytes_get_data(pa, NULL), g_bytes_get_size(pa), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(sa->len, ==, group->secret_len);
	g_assert_cmpmem(sa->data, sa->len, sb->data, sb->len);
	/* deriving twice from one key pair gives the same secret */
	g_clear_pointer(&sb, ikebus_secbuf_free);
	sb = crypto_ke_derive(a, g_bytes_get_data(pb, NULL), g_bytes_get_size(pb), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(sa->data, sa->len, sb->data, sb->len);
}

/* ---- peer validation -------------------------------------------------- */

static void
expect_invalid(CryptoKe *ke, const guint8 *peer, gsize len, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) s = crypto_ke_derive(ke, peer, len, &error);

	if (error == NULL)
		g_error("%s: peer value accepted: %s", crypto_ke_get_group(ke)->name, what);
	g_assert_error(error, CRYPTO_ERROR, CRYPTO_ERROR_INVALID);
	g_assert_null(s);
	/* the message names the group */
	g_assert_nonnull(strstr(error->message, crypto_ke_get_group(ke)->name));
	g_test_message("%s: %s", what, error->message);
}

static void
expect_valid(CryptoKe *ke, const guint8 *peer, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusSecbuf) s = crypto_ke_derive(ke, peer, len, &error);

	g_assert_no_error(error);
	g_assert_nonnull(s);
}

static void
test_modp_invalid(gconstpointer data)
{
	const CryptoKeGroup *g = crypto_ke_group_lookup(GPOINTER_TO_UINT(data));
	gsize len = g->public_len;
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke = crypto_ke_new(g, &error);
	g_autofree guint8 *y = g_malloc0(len + 1);

	g_assert_no_error(error);
	/* y = 0, y = 1 */
	expect_invalid(ke, y, len, "y = 0");
	y[len - 1] = 1;
	expect_invalid(ke, y, len, "y = 1");
	/* y = 2 is the generator: valid */
	y[len - 1] = 2;
	expect_valid(ke, y, len);
	/* y = p - 1 (order 2) */
	memcpy(y, g->prime, len);
	y[len - 1] -= 1;
	expect_invalid(ke, y, len, "y = p - 1");
	/* y = p - 2 is the largest valid value */
	y[len - 1] -= 1;
	expect_valid(ke, y, len);
	/* y = p, y = p + 1, y = 2^n - 1 */
	memcpy(y, g->prime, len);
	expect_invalid(ke, y, len, "y = p");
	y[len - 10] += 1; /* the low 64 bits of p are all ones: bump above them */
	expect_invalid(ke, y, len, "y > p");
	memset(y, 0xff, len);
	expect_invalid(ke, y, len, "y = 2^n - 1");
	/* lengths: one short (a stripped leading zero), one long, empty */
	memset(y, 0, len + 1);
	y[len - 1] = 2;
	expect_invalid(ke, y + 1, len - 1, "short");
	expect_invalid(ke, y, len + 1, "long");
	expect_invalid(ke, y, 0, "empty");
	expect_invalid(ke, NULL, 0, "NULL");
}

static void
test_ecp_invalid(gconstpointer data)
{
	const CryptoKeGroup *g = crypto_ke_group_lookup(GPOINTER_TO_UINT(data));
	gsize len = g->public_len;
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke = crypto_ke_new(g, &error);
	g_autoptr(CryptoKe) other = crypto_ke_new(g, &error);
	g_autofree guint8 *p = NULL;

	g_assert_no_error(error);
	p = g_malloc0(len + 1);
	memcpy(p, g_bytes_get_data(crypto_ke_get_public(other), NULL), len);
	expect_valid(ke, p, len);
	/* (x, y + 1) is not on the curve */
	p[len - 1] ^= 0x01;
	expect_invalid(ke, p, len, "y flipped");
	p[len - 1] ^= 0x01;
	/* (x + 1, y) neither */
	p[len / 2 - 1] ^= 0x01;
	expect_invalid(ke, p, len, "x flipped");
	p[len / 2 - 1] ^= 0x01;
	/* (0, 0): the "point at infinity" some encoders use */
	memset(p, 0, len);
	expect_invalid(ke, p, len, "(0, 0)");
	/* coordinates all ones: >= the field prime */
	memset(p, 0xff, len);
	expect_invalid(ke, p, len, "(2^n-1, 2^n-1)");
	/* wrong lengths, including the SEC 1 0x04 prefix we must not accept */
	memcpy(p + 1, g_bytes_get_data(crypto_ke_get_public(other), NULL), len);
	p[0] = 0x04;
	expect_invalid(ke, p, len + 1, "0x04 || x || y");
	expect_invalid(ke, p + 1, len - 1, "short");
	expect_invalid(ke, p + 1, len / 2, "x only");
}

static void
test_x25519_invalid(void)
{
	const CryptoKeGroup *g = crypto_ke_group_lookup(31);
	/* RFC 7748 §6.1 / §7: points of small order give an all-zero output */
	g_autoptr(GBytes) order8 =
		hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
	g_autoptr(GError) error = NULL;
	g_autoptr(CryptoKe) ke = crypto_ke_new(g, &error);
	guint8 u[33] = { 0 };

	g_assert_no_error(error);
	expect_invalid(ke, u, 32, "u = 0");
	u[0] = 1;
	expect_invalid(ke, u, 32, "u = 1");
	expect_invalid(ke, g_bytes_get_data(order8, NULL), 32, "order-8 point");
	u[0] = 9;
	expect_valid(ke, u, 32);
	expect_invalid(ke, u, 31, "short");
	expect_invalid(ke, u, 33, "long");
}

/* ---- threads ---------------------------------------------------------- */

static gpointer
thread_agree(gpointer data)
{
	for (guint i = 0; i < 8; i++) {
		const CryptoKeGroup *g = crypto_ke_group_lookup(i % 2 ? 19 : 31);
		g_autoptr(CryptoKe) a = crypto_ke_new(g, NULL);
		g_autoptr(CryptoKe) b = crypto_ke_new(g, NULL);
		g_autoptr(IkebusSecbuf) sa = NULL, sb = NULL;

		if (a == NULL || b == NULL)
			return GINT_TO_POINTER(FALSE);
		sa = crypto_ke_derive(a, g_bytes_get_data(crypto_ke_get_public(b), NULL),
				      g->public_len, NULL);
		sb = crypto_ke_derive(b, g_bytes_get_data(crypto_ke_get_public(a), NULL),
				      g->public_len, NULL);
		if (sa == NULL || sb == NULL || memcmp(sa->data, sb->data, sa->len) != 0)
			return GINT_TO_POINTER(FALSE);
	}
	return GINT_TO_POINTER(TRUE);
}

static void
test_threads(void)
{
	GThread *t[4];

	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("ke", thread_agree, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		g_assert_true(GPOINTER_TO_INT(g_thread_join(t[i])));
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gsize n = 0;
	const CryptoKeGroup *all;
	int rc;

	g_test_init(&argc, &argv, NULL);
	if (!crypto_nss_init_nodb(&error))
		g_error("%s", error->message);

	g_test_add_func("/crypto/ke/groups", test_groups);
	for (gsize i = 0; i < G_N_ELEMENTS(rfc5903); i++) {
		g_autofree char *path =
			g_strdup_printf("/crypto/ke/rfc5903/%u", rfc5903[i].id);

		g_test_add_data_func(path, &rfc5903[i], test_ecp_rfc5903);
	}
	g_test_add_func("/crypto/ke/rfc5903/pair-mismatch", test_ecp_pair_mismatch);
	g_test_add_func("/crypto/ke/rfc7748", test_x25519_rfc7748);
	all = crypto_ke_groups(&n);
	for (gsize i = 0; i < n; i++) {
		g_autofree char *agree = g_strdup_printf("/crypto/ke/agree/%s", all[i].name);
		g_autofree char *inval = g_strdup_printf("/crypto/ke/invalid/%s", all[i].name);
		gpointer id = GUINT_TO_POINTER(all[i].id);

		g_test_add_data_func(agree, id, test_agree);
		switch (all[i].kind) {
		case CRYPTO_KE_MODP:
			g_test_add_data_func(inval, id, test_modp_invalid);
			break;
		case CRYPTO_KE_ECP:
			g_test_add_data_func(inval, id, test_ecp_invalid);
			break;
		case CRYPTO_KE_X25519:
			g_test_add_func(inval, test_x25519_invalid);
			break;
		}
	}
	g_test_add_func("/crypto/ke/threads", test_threads);

	rc = g_test_run();
	/* fails (SEC_ERROR_BUSY) if any key object leaked */
	g_assert_cmpint(NSS_Shutdown(), ==, SECSuccess);
	return rc;
}
