/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Proposals (RFC 7296 §2.7, §3.3): the ike=/esp= syntax, our defaults, and
 * selection of one of the peer's proposals.
 *
 * Syntax (pluto's): proposals separated by ',', each a list of algorithm
 * tokens separated by '-' or ';'.  Tokens are classified by name: ciphers
 * ("aes", "aes256", "aes_gcm256", "chacha20_poly1305"), hashes ("sha1",
 * "sha2_256", ...; for IKE they give both the PRF and, without an AEAD, the
 * integrity transform) and key exchange groups ("modp2048", "ecp256",
 * "curve25519", "dh19").  For ESP, groups are PFS groups: they matter only
 * for CREATE_CHILD_SA and are ignored in IKE_AUTH.
 */
#include <string.h>

#include "alg.h"
#include "engine-private.h"

typedef enum {
	TOK_ENCR,
	TOK_HASH,
	TOK_KE,
} TokKind;

typedef struct {
	const char *name;
	TokKind kind;
	guint16 id;    /* ENCR id / PRF id / KE id */
	guint16 bits;  /* ENCR key bits, 0 = each of 256 and 128 */
	guint16 integ; /* HASH: the matching integrity transform */
} Tok;

/* clang-format off */
static const Tok toks[] = {
	{"aes", TOK_ENCR, IKE_ENCR_AES_CBC, 0, 0},
	{"aes_cbc", TOK_ENCR, IKE_ENCR_AES_CBC, 0, 0},
	{"aes128", TOK_ENCR, IKE_ENCR_AES_CBC, 128, 0},
	{"aes192", TOK_ENCR, IKE_ENCR_AES_CBC, 192, 0},
	{"aes256", TOK_ENCR, IKE_ENCR_AES_CBC, 256, 0},
	{"aes_cbc128", TOK_ENCR, IKE_ENCR_AES_CBC, 128, 0},
	{"aes_cbc256", TOK_ENCR, IKE_ENCR_AES_CBC, 256, 0},
	{"aes_gcm", TOK_ENCR, IKE_ENCR_AES_GCM_16, 0, 0},
	{"aes_gcm16", TOK_ENCR, IKE_ENCR_AES_GCM_16, 0, 0},
	{"aes_gcm_16", TOK_ENCR, IKE_ENCR_AES_GCM_16, 0, 0},
	{"aes_gcm128", TOK_ENCR, IKE_ENCR_AES_GCM_16, 128, 0},
	{"aes_gcm256", TOK_ENCR, IKE_ENCR_AES_GCM_16, 256, 0},
	{"aes_gcm16_128", TOK_ENCR, IKE_ENCR_AES_GCM_16, 128, 0},
	{"aes_gcm16_256", TOK_ENCR, IKE_ENCR_AES_GCM_16, 256, 0},
	{"aes_gcm_16_128", TOK_ENCR, IKE_ENCR_AES_GCM_16, 128, 0},
	{"aes_gcm_16_256", TOK_ENCR, IKE_ENCR_AES_GCM_16, 256, 0},
	{"aes128gcm16", TOK_ENCR, IKE_ENCR_AES_GCM_16, 128, 0},
	{"aes256gcm16", TOK_ENCR, IKE_ENCR_AES_GCM_16, 256, 0},
	{"chacha20_poly1305", TOK_ENCR, IKE_ENCR_CHACHA20_POLY1305, 256, 0},
	{"chacha20poly1305", TOK_ENCR, IKE_ENCR_CHACHA20_POLY1305, 256, 0},
	{"sha1", TOK_HASH, IKE_PRF_HMAC_SHA1, 0, IKE_INTEG_HMAC_SHA1_96},
	{"sha", TOK_HASH, IKE_PRF_HMAC_SHA1, 0, IKE_INTEG_HMAC_SHA1_96},
	{"sha2", TOK_HASH, IKE_PRF_HMAC_SHA2_256, 0, IKE_INTEG_HMAC_SHA2_256_128},
	{"sha256", TOK_HASH, IKE_PRF_HMAC_SHA2_256, 0, IKE_INTEG_HMAC_SHA2_256_128},
	{"sha2_256", TOK_HASH, IKE_PRF_HMAC_SHA2_256, 0, IKE_INTEG_HMAC_SHA2_256_128},
	{"sha384", TOK_HASH, IKE_PRF_HMAC_SHA2_384, 0, IKE_INTEG_HMAC_SHA2_384_192},
	{"sha2_384", TOK_HASH, IKE_PRF_HMAC_SHA2_384, 0, IKE_INTEG_HMAC_SHA2_384_192},
	{"sha512", TOK_HASH, IKE_PRF_HMAC_SHA2_512, 0, IKE_INTEG_HMAC_SHA2_512_256},
	{"sha2_512", TOK_HASH, IKE_PRF_HMAC_SHA2_512, 0, IKE_INTEG_HMAC_SHA2_512_256},
	{"modp2048", TOK_KE, IKE_KE_MODP_2048, 0, 0},
	{"modp3072", TOK_KE, IKE_KE_MODP_3072, 0, 0},
	{"modp4096", TOK_KE, IKE_KE_MODP_4096, 0, 0},
	{"modp6144", TOK_KE, IKE_KE_MODP_6144, 0, 0},
	{"modp8192", TOK_KE, IKE_KE_MODP_8192, 0, 0},
	{"dh14", TOK_KE, IKE_KE_MODP_2048, 0, 0},
	{"dh15", TOK_KE, IKE_KE_MODP_3072, 0, 0},
	{"dh16", TOK_KE, IKE_KE_MODP_4096, 0, 0},
	{"dh17", TOK_KE, IKE_KE_MODP_6144, 0, 0},
	{"dh18", TOK_KE, IKE_KE_MODP_8192, 0, 0},
	{"ecp256", TOK_KE, IKE_KE_ECP_256, 0, 0},
	{"ecp384", TOK_KE, IKE_KE_ECP_384, 0, 0},
	{"ecp521", TOK_KE, IKE_KE_ECP_521, 0, 0},
	{"dh19", TOK_KE, IKE_KE_ECP_256, 0, 0},
	{"dh20", TOK_KE, IKE_KE_ECP_384, 0, 0},
	{"dh21", TOK_KE, IKE_KE_ECP_521, 0, 0},
	{"curve25519", TOK_KE, IKE_KE_CURVE25519, 0, 0},
	{"x25519", TOK_KE, IKE_KE_CURVE25519, 0, 0},
	{"dh31", TOK_KE, IKE_KE_CURVE25519, 0, 0},
};
/* clang-format on */

static const guint16 default_ke[] = {
	IKE_KE_CURVE25519, IKE_KE_ECP_256, IKE_KE_ECP_384, IKE_KE_MODP_2048,
	IKE_KE_MODP_3072,  IKE_KE_MODP_4096, IKE_KE_ECP_521,
};
static const guint16 default_hash[] = {IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
                                       IKE_PRF_HMAC_SHA2_512};
static const guint16 default_integ[] = {IKE_INTEG_HMAC_SHA2_256_128,
                                        IKE_INTEG_HMAC_SHA2_384_192,
                                        IKE_INTEG_HMAC_SHA2_512_256};

static void
add_encr(PropSpec *s, guint16 id, guint16 bits)
{
	if (s->n_encr + 2 > PROP_MAX_IDS)
		return;
	if (bits == 0 && id != IKE_ENCR_CHACHA20_POLY1305) {
		s->encr[s->n_encr] = id;
		s->encr_bits[s->n_encr++] = 256;
		s->encr[s->n_encr] = id;
		s->encr_bits[s->n_encr++] = 128;
		return;
	}
	s->encr[s->n_encr] = id;
	s->encr_bits[s->n_encr++] = bits != 0 ? bits : 256;
}

static void
add_id(guint16 *arr, guint *n, guint16 id)
{
	for (guint i = 0; i < *n; i++)
		if (arr[i] == id)
			return;
	if (*n < PROP_MAX_IDS)
		arr[(*n)++] = id;
}

static gboolean
spec_is_aead(const PropSpec *s)
{
	for (guint i = 0; i < s->n_encr; i++)
		if (s->encr[i] == IKE_ENCR_AES_GCM_16 || s->encr[i] == IKE_ENCR_CHACHA20_POLY1305)
			return TRUE;
	return FALSE;
}

static void
fill_defaults(PropSpec *s)
{
	gboolean aead = spec_is_aead(s);

	if (s->protocol == IKE_PROTO_IKE) {
		if (s->n_prf == 0)
			for (guint i = 0; i < G_N_ELEMENTS(default_hash); i++)
				add_id(s->prf, &s->n_prf, default_hash[i]);
		if (s->n_ke == 0)
			for (guint i = 0; i < G_N_ELEMENTS(default_ke); i++)
				add_id(s->ke, &s->n_ke, default_ke[i]);
	} else {
		s->esn[0] = IKE_ESN_NO_ESN;
		s->n_esn = 1;
	}
	if (!aead && s->n_integ == 0)
		for (guint i = 0; i < G_N_ELEMENTS(default_integ); i++)
			add_id(s->integ, &s->n_integ, default_integ[i]);
	if (aead)
		s->n_integ = 0;
}

static GArray *
defaults(guint8 protocol)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(PropSpec));
	PropSpec aead = {.protocol = protocol}, cbc = {.protocol = protocol};

	add_encr(&aead, IKE_ENCR_AES_GCM_16, 0);
	add_encr(&aead, IKE_ENCR_CHACHA20_POLY1305, 256);
	fill_defaults(&aead);
	add_encr(&cbc, IKE_ENCR_AES_CBC, 0);
	fill_defaults(&cbc);
	g_array_append_val(a, aead);
	g_array_append_val(a, cbc);
	return a;
}

static const Tok *
find_tok(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(toks); i++)
		if (g_ascii_strcasecmp(toks[i].name, name) == 0)
			return &toks[i];
	return NULL;
}

static gboolean
parse_one(const char *text, guint8 protocol, PropSpec *s, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autofree char *norm = g_strdelimit(g_strdup(text), ";", '-');

	memset(s, 0, sizeof(*s));
	s->protocol = protocol;
	parts = g_strsplit(norm, "-", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		const Tok *t;

		g_strstrip(parts[i]);
		if (parts[i][0] == '\0')
			continue;
		t = find_tok(parts[i]);
		if (t == NULL) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
			            "%s: unknown algorithm \"%s\"",
			            protocol == IKE_PROTO_IKE ? "ike" : "esp", parts[i]);
			return FALSE;
		}
		switch (t->kind) {
		case TOK_ENCR:
			add_encr(s, t->id, t->bits);
			break;
		case TOK_HASH:
			if (protocol == IKE_PROTO_IKE)
				add_id(s->prf, &s->n_prf, t->id);
			add_id(s->integ, &s->n_integ, t->integ);
			break;
		case TOK_KE:
			add_id(s->ke, &s->n_ke, t->id);
			break;
		}
	}
	if (s->n_encr == 0) {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT,
		            "%s: \"%s\" names no cipher", protocol == IKE_PROTO_IKE ? "ike" : "esp",
		            text);
		return FALSE;
	}
	/* ESP groups are PFS groups: CREATE_CHILD_SA only (see with_ke) */
	fill_defaults(s);
	return TRUE;
}

GArray *
proposal_parse(const char *text, guint8 protocol, GError **error)
{
	g_autoptr(GArray) a = NULL;
	g_auto(GStrv) props = NULL;

	if (text == NULL || text[0] == '\0')
		return defaults(protocol);
	a = g_array_new(FALSE, TRUE, sizeof(PropSpec));
	props = g_strsplit(text, ",", -1);
	for (guint i = 0; props[i] != NULL; i++) {
		PropSpec s;

		if (g_strstrip(props[i])[0] == '\0')
			continue;
		if (!parse_one(props[i], protocol, &s, error))
			return NULL;
		g_array_append_val(a, s);
	}
	if (a->len == 0)
		return defaults(protocol);
	return g_steal_pointer(&a);
}

void
proposal_filter_caps(GArray *specs, const KernelCaps *caps)
{
	if (caps == NULL || caps->n_encr == 0)
		return;
	for (guint i = 0; i < specs->len; i++) {
		PropSpec *s = &g_array_index(specs, PropSpec, i);
		guint n = 0;

		for (guint j = 0; j < s->n_encr; j++) {
			if (!kernel_caps_has_encr(caps, s->encr[j]))
				continue;
			s->encr_bits[n] = s->encr_bits[j];
			s->encr[n++] = s->encr[j];
		}
		s->n_encr = n;
		n = 0;
		for (guint j = 0; j < s->n_integ; j++)
			if (caps->n_integ == 0 || kernel_caps_has_integ(caps, s->integ[j]))
				s->integ[n++] = s->integ[j];
		s->n_integ = n;
	}
	for (guint i = specs->len; i-- > 0;) {
		const PropSpec *s = &g_array_index(specs, PropSpec, i);

		if (s->n_encr == 0 || (!spec_is_aead(s) && s->n_integ == 0))
			g_array_remove_index(specs, i);
	}
}

static gboolean
encr_needs_key_attr(guint16 id)
{
	const CryptoEncrAlg *alg = crypto_encr_alg_by_id(id);

	return alg != NULL && alg->key_length_attr;
}

void
proposal_add_to_sa(IkePayload *sa, const GArray *specs, const guint8 *spi, gsize spi_len,
                   gboolean with_ke)
{
	for (guint i = 0; i < specs->len; i++) {
		const PropSpec *s = &g_array_index(specs, PropSpec, i);
		IkeProposal *p = ike_sa_payload_add_proposal(sa, s->protocol, spi, spi_len);

		for (guint j = 0; j < s->n_encr; j++)
			ike_proposal_add_transform(p, IKE_TRANSFORM_ENCR, s->encr[j],
			                           encr_needs_key_attr(s->encr[j]) ? s->encr_bits[j] : -1);
		for (guint j = 0; j < s->n_prf; j++)
			ike_proposal_add_transform(p, IKE_TRANSFORM_PRF, s->prf[j], -1);
		for (guint j = 0; j < s->n_integ; j++)
			ike_proposal_add_transform(p, IKE_TRANSFORM_INTEG, s->integ[j], -1);
		for (guint j = 0; with_ke && j < s->n_ke; j++)
			ike_proposal_add_transform(p, IKE_TRANSFORM_KE, s->ke[j], -1);
		for (guint j = 0; j < s->n_esn; j++)
			ike_proposal_add_transform(p, IKE_TRANSFORM_ESN, s->esn[j], -1);
	}
}

void
proposal_add_choice(IkePayload *sa, const PropChoice *c, const guint8 *spi, gsize spi_len)
{
	IkeProposal *p = ike_sa_payload_add_proposal(sa, c->protocol, spi, spi_len);

	p->num = c->number;
	ike_proposal_add_transform(p, IKE_TRANSFORM_ENCR, c->encr,
	                           encr_needs_key_attr(c->encr) ? c->encr_bits : -1);
	if (c->protocol == IKE_PROTO_IKE)
		ike_proposal_add_transform(p, IKE_TRANSFORM_PRF, c->prf, -1);
	if (c->integ != 0)
		ike_proposal_add_transform(p, IKE_TRANSFORM_INTEG, c->integ, -1);
	if (c->protocol == IKE_PROTO_IKE || c->ke != 0)
		ike_proposal_add_transform(p, IKE_TRANSFORM_KE, c->ke, -1);
	if (c->protocol == IKE_PROTO_ESP)
		ike_proposal_add_transform(p, IKE_TRANSFORM_ESN,
		                           c->esn ? IKE_ESN_ESN : IKE_ESN_NO_ESN, -1);
}

static gboolean
in_list(const guint16 *arr, guint n, guint16 id)
{
	for (guint i = 0; i < n; i++)
		if (arr[i] == id)
			return TRUE;
	return FALSE;
}

static gboolean
spec_has_encr(const PropSpec *s, guint16 id, gint bits)
{
	for (guint i = 0; i < s->n_encr; i++)
		if (s->encr[i] == id &&
		    (bits < 0 ? !encr_needs_key_attr(id) || s->encr_bits[i] == 256
		              : s->encr_bits[i] == (guint) bits))
			return TRUE;
	return FALSE;
}

/* Matches one peer proposal against one of our specs.  Picks the first
 * acceptable transform of each type; KE prefers @ke_hint. */
static gboolean
match_spec(const PropSpec *s, const IkeProposal *p, guint16 ke_hint, PropChoice *c)
{
	gboolean have_encr = FALSE, have_prf = FALSE, have_integ = FALSE, have_ke = FALSE;
	gboolean have_esn = FALSE, saw_integ = FALSE, saw_ke = FALSE, saw_esn = FALSE;

	memset(c, 0, sizeof(*c));
	c->protocol = p->protocol;
	c->number = p->num;
	for (guint i = 0; p->transforms != NULL && i < p->transforms->len; i++) {
		const IkeTransform *t = &g_array_index(p->transforms, IkeTransform, i);

		switch (t->type) {
		case IKE_TRANSFORM_ENCR:
			if (!have_encr && spec_has_encr(s, t->id, ike_transform_get_key_length(t))) {
				gint kl = ike_transform_get_key_length(t);

				c->encr = t->id;
				c->encr_bits = kl > 0 ? (guint16) kl : 256;
				have_encr = TRUE;
			}
			break;
		case IKE_TRANSFORM_PRF:
			if (!have_prf && in_list(s->prf, s->n_prf, t->id)) {
				c->prf = t->id;
				have_prf = TRUE;
			}
			break;
		case IKE_TRANSFORM_INTEG:
			saw_integ = TRUE;
			if (!have_integ && (in_list(s->integ, s->n_integ, t->id) ||
			                    (t->id == 0 && s->n_integ == 0))) {
				c->integ = t->id;
				have_integ = TRUE;
			}
			break;
		case IKE_TRANSFORM_KE:
			saw_ke = TRUE;
			if (in_list(s->ke, s->n_ke, t->id) && (!have_ke || t->id == ke_hint)) {
				c->ke = t->id;
				have_ke = TRUE;
			} else if (t->id == 0 && s->n_ke == 0 && !have_ke) {
				have_ke = TRUE;
			}
			break;
		case IKE_TRANSFORM_ESN:
			saw_esn = TRUE;
			if (!have_esn && t->id == IKE_ESN_NO_ESN) {
				c->esn = FALSE;
				have_esn = TRUE;
			}
			break;
		default:
			return FALSE; /* a transform type we do not do: no match */
		}
	}
	if (!have_encr)
		return FALSE;
	if (!spec_is_aead(s) && !have_integ)
		return FALSE;
	if (spec_is_aead(s) && saw_integ && !have_integ)
		return FALSE;
	if (p->protocol == IKE_PROTO_IKE && (!have_prf || !have_ke))
		return FALSE;
	/* an offered PFS group must be one of ours; offering none is fine */
	if (p->protocol == IKE_PROTO_ESP && saw_ke && !have_ke)
		return FALSE;
	if (p->protocol == IKE_PROTO_ESP && (!saw_esn || !have_esn))
		return FALSE;
	return TRUE;
}

gboolean
proposal_select(const GArray *ours, const IkePayload *sa, guint16 ke_hint, PropChoice *out,
                const IkeProposal **peer_prop)
{
	const GPtrArray *props = sa->u.sa.proposals;

	/* The peer's order is its preference (§2.7); take the first of its
	 * proposals that one of ours accepts. */
	for (guint i = 0; props != NULL && i < props->len; i++) {
		const IkeProposal *p = g_ptr_array_index(props, i);

		for (guint j = 0; j < ours->len; j++) {
			const PropSpec *s = &g_array_index(ours, PropSpec, j);

			if (s->protocol != p->protocol)
				continue;
			if (match_spec(s, p, ke_hint, out)) {
				if (peer_prop != NULL)
					*peer_prop = p;
				return TRUE;
			}
		}
	}
	return FALSE;
}

gboolean
proposal_accept_reply(const GArray *ours, const IkePayload *sa, PropChoice *out,
                      const IkeProposal **peer_prop, GError **error)
{
	const GPtrArray *props = sa->u.sa.proposals;
	const IkeProposal *p;

	if (props == NULL || props->len != 1) {
		g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
		                    "the reply must carry exactly one proposal");
		return FALSE;
	}
	p = g_ptr_array_index(props, 0);
	for (guint j = 0; j < ours->len; j++) {
		const PropSpec *s = &g_array_index(ours, PropSpec, j);

		if (s->protocol == p->protocol && match_spec(s, p, 0, out)) {
			if (peer_prop != NULL)
				*peer_prop = p;
			return TRUE;
		}
	}
	g_set_error_literal(error, ENGINE_ERROR, ENGINE_ERROR_FAILED,
	                    "the reply's proposal is not one we offered");
	return FALSE;
}

void
proposal_set_ke(GArray *specs, const guint16 *groups, guint n)
{
	for (guint i = 0; i < specs->len; i++) {
		PropSpec *s = &g_array_index(specs, PropSpec, i);

		s->n_ke = 0;
		for (guint j = 0; j < n; j++)
			add_id(s->ke, &s->n_ke, groups[j]);
	}
}

guint16
proposal_first_ke(const GArray *specs)
{
	for (guint i = 0; i < specs->len; i++) {
		const PropSpec *s = &g_array_index(specs, PropSpec, i);

		if (s->n_ke > 0)
			return s->ke[0];
	}
	return 0;
}

gboolean
proposal_has_ke(const GArray *specs, guint16 group)
{
	for (guint i = 0; i < specs->len; i++) {
		const PropSpec *s = &g_array_index(specs, PropSpec, i);

		if (in_list(s->ke, s->n_ke, group))
			return TRUE;
	}
	return FALSE;
}

char *
proposal_choice_to_string(const PropChoice *c)
{
	GString *s = g_string_new(NULL);
	char buf[IKE_NAME_BUF_LEN];
	const char *e = ike_name_or_unknown(IKE_REG_ENCR, c->encr, buf, sizeof(buf));

	g_string_append(s, g_str_has_prefix(e, "ENCR_") ? e + 5 : e);
	if (encr_needs_key_attr(c->encr))
		g_string_append_printf(s, "_%u", c->encr_bits);
	if (c->protocol == IKE_PROTO_IKE) {
		const char *p = ike_name_or_unknown(IKE_REG_PRF, c->prf, buf, sizeof(buf));

		g_string_append_printf(s, "-%s", g_str_has_prefix(p, "PRF_") ? p + 4 : p);
	}
	if (c->integ != 0) {
		const char *i = ike_name_or_unknown(IKE_REG_INTEG, c->integ, buf, sizeof(buf));

		g_string_append_printf(s, "-%s", g_str_has_prefix(i, "AUTH_") ? i + 5 : i);
	} else if (c->protocol == IKE_PROTO_ESP) {
		g_string_append(s, "-NONE");
	}
	if (c->ke != 0)
		g_string_append_printf(s, "-%s", ike_name_or_unknown(IKE_REG_KE, c->ke, buf, sizeof(buf)));
	return g_string_free(s, FALSE);
}
