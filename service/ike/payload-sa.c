/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Security Association payload, RFC 7296 §3.3.
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                          <Proposals>                          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Proposal substructure, §3.3.1:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SPI (variable)                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        <Transforms>                           ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Transform substructure, §3.3.2:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Transform Type |   RESERVED    |          Transform ID         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Transform Attributes                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Data attribute, §3.3.5 (AF=1: TV, the value is the second half-word):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |A|       Attribute Type        |    AF=0  Attribute Length     |
 * |F|                             |    AF=1  Attribute Value      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   AF=0  Attribute Value                       |
 * |                   AF=1  Not Transmitted                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "payload-private.h"

#define PROPOSAL_FIXED_LEN 8
#define TRANSFORM_FIXED_LEN 8
#define ATTR_FIXED_LEN 4
#define LAST_NONE 0       /* §3.3.1/§3.3.2: last substructure */
#define MORE_PROPOSALS 2  /* §3.3.1 */
#define MORE_TRANSFORMS 3 /* §3.3.2 */
#define ATTR_AF 0x8000

static void
transform_clear(gpointer data)
{
	IkeTransform *t = data;

	g_clear_pointer(&t->attrs, g_array_unref);
}

static void
proposal_free(gpointer data)
{
	IkeProposal *prop = data;

	g_clear_pointer(&prop->transforms, g_array_unref);
	g_free(prop);
}

static IkeProposal *
proposal_new(void)
{
	IkeProposal *prop = g_new0(IkeProposal, 1);

	prop->transforms = g_array_new(FALSE, TRUE, sizeof(IkeTransform));
	g_array_set_clear_func(prop->transforms, transform_clear);
	return prop;
}

static void
sa_init(IkePayload *p)
{
	p->u.sa.proposals = g_ptr_array_new_with_free_func(proposal_free);
}

static void
sa_clear(IkePayload *p)
{
	g_clear_pointer(&p->u.sa.proposals, g_ptr_array_unref);
}

/* Decodes the attributes filling @r (the rest of one transform). */
static gboolean
parse_attrs(const IkePayload *p, guint pnum, guint tnum, IkeReader *r, IkeTransform *t,
            GError **error)
{
	while (ike_reader_left(r) > 0) {
		gsize at = ike_reader_offset(r);
		IkeTransformAttr a = {0};
		guint16 type = 0, v = 0;

		if (ike_reader_left(r) < ATTR_FIXED_LEN) {
			ike_payload_error(
			        error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
			        "proposal %u transform %u attribute at offset %" G_GSIZE_FORMAT
			        ": %" G_GSIZE_FORMAT " bytes left, less than its %d-byte header",
			        pnum, tnum, at, ike_reader_left(r), ATTR_FIXED_LEN);
			return FALSE;
		}
		ike_read_u16(r, &type);
		ike_read_u16(r, &v);
		a.type = type & 0x7fff;
		a.tv = (type & ATTR_AF) != 0;
		if (a.tv) {
			a.tv_value = v;
		} else if (!ike_read_bytes(r, v, &a.value)) {
			ike_payload_error(
			        error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
			        "proposal %u transform %u attribute at offset %" G_GSIZE_FORMAT
			        ": length %u overruns the %" G_GSIZE_FORMAT " bytes left",
			        pnum, tnum, at, v, ike_reader_left(r));
			return FALSE;
		} else {
			a.value_len = v;
		}
		if (t->attrs == NULL)
			t->attrs = g_array_new(FALSE, TRUE, sizeof(IkeTransformAttr));
		g_array_append_val(t->attrs, a);
	}
	return TRUE;
}

/* Decodes transform @tnum (1-based) of proposal @pnum from @r. */
static gboolean
parse_transform(const IkePayload *p, guint pnum, guint tnum, gboolean expect_last, IkeReader *r,
                IkeProposal *prop, GError **error)
{
	gsize at = ike_reader_offset(r);
	guint8 want_last = expect_last ? LAST_NONE : MORE_TRANSFORMS;
	IkeTransform *t;
	IkeReader tr;
	guint8 last = 0, reserved1 = 0;
	guint16 tlen = 0;

	if (ike_reader_left(r) < TRANSFORM_FIXED_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u transform %u at offset %" G_GSIZE_FORMAT
		                  ": %" G_GSIZE_FORMAT
		                  " bytes left, less than its %d-byte fixed part",
		                  pnum, tnum, at, ike_reader_left(r), TRANSFORM_FIXED_LEN);
		return FALSE;
	}
	ike_read_u8(r, &last);
	ike_read_u8(r, &reserved1);
	ike_read_u16(r, &tlen);
	if (tlen < TRANSFORM_FIXED_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u transform %u at offset %" G_GSIZE_FORMAT
		                  ": length %u is shorter than its %d-byte fixed part",
		                  pnum, tnum, at, tlen, TRANSFORM_FIXED_LEN);
		return FALSE;
	}
	if ((gsize) tlen - 4 > ike_reader_left(r)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u transform %u at offset %" G_GSIZE_FORMAT
		                  ": length %u overruns the %" G_GSIZE_FORMAT
		                  " bytes left in the proposal",
		                  pnum, tnum, at, tlen, ike_reader_left(r) + 4);
		return FALSE;
	}
	/* §3.3.2: Last Substruc is 0 on the last transform and 3 otherwise; it
	 * must agree with Num Transforms. */
	if (last != want_last) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u transform %u at offset %" G_GSIZE_FORMAT
		                  ": Last Substruc is %u, expected %u",
		                  pnum, tnum, at, last, want_last);
		return FALSE;
	}
	ike_reader_sub(r, (gsize) tlen - 4, &tr);
	g_array_set_size(prop->transforms, prop->transforms->len + 1);
	t = &g_array_index(prop->transforms, IkeTransform, prop->transforms->len - 1);
	t->reserved1 = reserved1;
	ike_read_u8(&tr, &t->type);
	ike_read_u8(&tr, &t->reserved2);
	ike_read_u16(&tr, &t->id);
	return parse_attrs(p, pnum, tnum, &tr, t, error);
}

/* §3.3.1: the SPI size must suit the protocol: 0 (initial) or 8 (rekey)
 * for IKE, 4 for AH and ESP. Other protocols are not ours to judge. */
static gboolean
spi_size_ok(guint8 protocol, guint8 spi_size)
{
	if (protocol == IKE_PROTO_IKE)
		return spi_size == 0 || spi_size == 8;
	if (protocol == IKE_PROTO_AH || protocol == IKE_PROTO_ESP)
		return spi_size == 4;
	return TRUE;
}

/* Decodes the proposal at @r's position; @index is 0-based. */
static gboolean
parse_proposal(IkePayload *p, guint index, IkeReader *r, GError **error)
{
	IkeProposal *prop, *first, *prev = NULL;
	gsize at = ike_reader_offset(r);
	guint8 last = 0, spi_size = 0, ntrans = 0;
	guint16 plen = 0;
	IkeReader pr;

	if (ike_reader_left(r) < PROPOSAL_FIXED_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT
		                  " bytes left, less than its %d-byte fixed part",
		                  index + 1, at, ike_reader_left(r), PROPOSAL_FIXED_LEN);
		return FALSE;
	}
	prop = proposal_new();
	g_ptr_array_add(p->u.sa.proposals, prop);
	ike_read_u8(r, &last);
	ike_read_u8(r, &prop->reserved);
	ike_read_u16(r, &plen);
	if (plen < PROPOSAL_FIXED_LEN) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT
		                  ": length %u is shorter than its %d-byte fixed part",
		                  index + 1, at, plen, PROPOSAL_FIXED_LEN);
		return FALSE;
	}
	if ((gsize) plen - 4 > ike_reader_left(r)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT
		                  ": length %u overruns the %" G_GSIZE_FORMAT " bytes left",
		                  index + 1, at, plen, ike_reader_left(r) + 4);
		return FALSE;
	}
	ike_reader_sub(r, (gsize) plen - 4, &pr);
	/* §3.3.1: Last Substruc is 0 on the last proposal, 2 otherwise. */
	if (last != (ike_reader_left(r) == 0 ? LAST_NONE : MORE_PROPOSALS)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT
		                  ": Last Substruc is %u, but %" G_GSIZE_FORMAT
		                  " bytes of proposals follow",
		                  index + 1, at, last, ike_reader_left(r));
		return FALSE;
	}
	ike_read_u8(&pr, &prop->num);
	ike_read_u8(&pr, &prop->protocol);
	ike_read_u8(&pr, &spi_size);
	ike_read_u8(&pr, &ntrans);
	first = g_ptr_array_index(p->u.sa.proposals, 0);
	if (index > 0)
		prev = g_ptr_array_index(p->u.sa.proposals, index - 1);
	/* §3.3.1: "The first Proposal MUST have a Proposal Num of one (1), and
	 * each subsequent Proposal MUST have a Proposal Num one more than the
	 * previous". A lone proposal in a response carries the number of the
	 * accepted one, so there only 0 is wrong. */
	if (prop->num == 0 || (prev != NULL && (first->num != 1 || prop->num != prev->num + 1))) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT
		                  ": Proposal Num %u breaks the 1, 2, 3... numbering",
		                  index + 1, at, prop->num);
		return FALSE;
	}
	if (!spi_size_ok(prop->protocol, spi_size) || !ike_read_bytes(&pr, spi_size, &prop->spi)) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT
		                  ": SPI size %u is invalid for protocol %u or overruns length %u",
		                  index + 1, at, spi_size, prop->protocol, plen);
		return FALSE;
	}
	prop->spi_len = spi_size;
	for (guint t = 0; t < ntrans; t++) {
		if (!parse_transform(p, index + 1, t + 1, t + 1 == ntrans, &pr, prop, error))
			return FALSE;
	}
	/* §3.3.1: Proposal Length covers exactly the SPI and the transforms. */
	if (ike_reader_left(&pr) != 0) {
		ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
		                  "proposal %u at offset %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT
		                  " bytes after its %u transforms (Num Transforms disagrees with "
		                  "the length)",
		                  index + 1, at, ike_reader_left(&pr), ntrans);
		return FALSE;
	}
	return TRUE;
}

static gboolean
sa_parse(IkePayload *p, IkeReader *body, GError **error)
{
	/* §3.3: an SA payload carries one or more proposals; fixed_len already
	 * guarantees room for the first one's fixed part. */
	for (guint i = 0; ike_reader_left(body) > 0; i++) {
		if (i >= G_MAXUINT8) {
			ike_payload_error(error, IKE_CODEC_ERROR_INVALID_SYNTAX, p,
			                  "more than 255 proposals");
			return FALSE;
		}
		if (!parse_proposal(p, i, body, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
encode_transform(const IkePayload *p, const IkeTransform *t, gboolean last, GByteArray *out,
                 GError **error)
{
	gsize start = out->len;

	ike_write_u8(out, last ? LAST_NONE : MORE_TRANSFORMS);
	ike_write_u8(out, t->reserved1);
	ike_write_u16(out, 0);
	ike_write_u8(out, t->type);
	ike_write_u8(out, t->reserved2);
	ike_write_u16(out, t->id);
	for (guint i = 0; t->attrs != NULL && i < t->attrs->len; i++) {
		const IkeTransformAttr *a = &g_array_index(t->attrs, IkeTransformAttr, i);

		if (a->tv) {
			ike_write_u16(out, (guint16) (ATTR_AF | (a->type & 0x7fff)));
			ike_write_u16(out, a->tv_value);
			continue;
		}
		if (!ike_check_fits(error, p, "transform attribute", a->value_len, G_MAXUINT16))
			return FALSE;
		ike_write_u16(out, a->type & 0x7fff);
		ike_write_u16(out, (guint16) a->value_len);
		ike_write_bytes(out, a->value, a->value_len);
	}
	if (!ike_check_fits(error, p, "transform", out->len - start, G_MAXUINT16))
		return FALSE;
	ike_patch_u16(out, start + 2, (guint16) (out->len - start));
	return TRUE;
}

static gboolean
sa_encode(const IkePayload *p, GByteArray *out, GError **error)
{
	const GPtrArray *props = p->u.sa.proposals;

	for (guint i = 0; props != NULL && i < props->len; i++) {
		const IkeProposal *prop = g_ptr_array_index(props, i);
		guint ntrans = prop->transforms != NULL ? prop->transforms->len : 0;
		gsize start = out->len;

		if (!ike_check_fits(error, p, "SPI", prop->spi_len, G_MAXUINT8) ||
		    !ike_check_fits(error, p, "transform count", ntrans, G_MAXUINT8))
			return FALSE;
		ike_write_u8(out, i + 1 == props->len ? LAST_NONE : MORE_PROPOSALS);
		ike_write_u8(out, prop->reserved);
		ike_write_u16(out, 0);
		ike_write_u8(out, prop->num != 0 ? prop->num : (guint8) (i + 1));
		ike_write_u8(out, prop->protocol);
		ike_write_u8(out, (guint8) prop->spi_len);
		ike_write_u8(out, (guint8) ntrans);
		ike_write_bytes(out, prop->spi, prop->spi_len);
		for (guint t = 0; t < ntrans; t++) {
			if (!encode_transform(p, &g_array_index(prop->transforms, IkeTransform, t),
			                      t + 1 == ntrans, out, error))
				return FALSE;
		}
		if (!ike_check_fits(error, p, "proposal", out->len - start, G_MAXUINT16))
			return FALSE;
		ike_patch_u16(out, start + 2, (guint16) (out->len - start));
	}
	return TRUE;
}

/* ---- builders ---- */

IkeProposal *
ike_sa_payload_add_proposal(IkePayload *sa, guint8 protocol, const guint8 *spi, gsize spi_len)
{
	IkeProposal *prop = proposal_new();

	g_return_val_if_fail(sa->type == IKE_PAYLOAD_SA && sa->known, NULL);
	prop->protocol = protocol;
	prop->spi = ike_payload_dup_data(sa, spi, spi_len);
	prop->spi_len = prop->spi != NULL ? spi_len : 0;
	g_ptr_array_add(sa->u.sa.proposals, prop);
	prop->num = (guint8) sa->u.sa.proposals->len;
	return prop;
}

void
ike_proposal_add_transform(IkeProposal *prop, guint8 type, guint16 id, gint key_length)
{
	IkeTransform t = {.type = type, .id = id};

	if (key_length >= 0) {
		IkeTransformAttr a = {.type = IKE_TRANSFORM_ATTR_KEY_LENGTH,
		                      .tv = TRUE,
		                      .tv_value = (guint16) key_length};

		t.attrs = g_array_new(FALSE, TRUE, sizeof(IkeTransformAttr));
		g_array_append_val(t.attrs, a);
	}
	g_array_append_val(prop->transforms, t);
}

gint
ike_transform_get_key_length(const IkeTransform *t)
{
	/* §3.3.5: Key Length is a TV attribute; a TLV one is not recognised. */
	for (guint i = 0; t->attrs != NULL && i < t->attrs->len; i++) {
		const IkeTransformAttr *a = &g_array_index(t->attrs, IkeTransformAttr, i);

		if (a->type == IKE_TRANSFORM_ATTR_KEY_LENGTH && a->tv)
			return a->tv_value;
	}
	return -1;
}

/* ---- formatting ---- */

static void
transform_to_text(const IkeTransform *t, GString *out)
{
	char tbuf[IKE_NAME_BUF_LEN];
	IkeRegistry reg;
	const char *name = NULL;
	gint keylen = ike_transform_get_key_length(t);

	if (ike_transform_id_registry(t->type, &reg))
		name = ike_name(reg, t->id);
	/* ENCR_*, PRF_* and AUTH_* names already say their type. */
	if (name != NULL && (g_str_has_prefix(name, "ENCR_") || g_str_has_prefix(name, "PRF_") ||
	                     g_str_has_prefix(name, "AUTH_")))
		g_string_append(out, name);
	else if (name != NULL)
		g_string_append_printf(
		        out, "%s=%s",
		        ike_name_or_unknown(IKE_REG_TRANSFORM_TYPE, t->type, tbuf, sizeof(tbuf)),
		        name);
	else
		g_string_append_printf(
		        out, "%s=%u",
		        ike_name_or_unknown(IKE_REG_TRANSFORM_TYPE, t->type, tbuf, sizeof(tbuf)),
		        t->id);
	if (keylen >= 0)
		g_string_append_printf(out, " keylen=%d", keylen);
}

static void
sa_to_text(const IkePayload *p, GString *out)
{
	for (guint i = 0; i < p->u.sa.proposals->len; i++) {
		const IkeProposal *prop = g_ptr_array_index(p->u.sa.proposals, i);

		g_string_append_printf(out, "%sproposal %u ", i > 0 ? "; " : "", prop->num);
		ike_text_name(out, IKE_REG_PROTO, prop->protocol);
		if (prop->spi_len > 0) {
			g_string_append(out, " spi=0x");
			for (gsize b = 0; b < prop->spi_len; b++)
				g_string_append_printf(out, "%02x", prop->spi[b]);
		}
		g_string_append(out, ":");
		for (guint t = 0; t < prop->transforms->len; t++) {
			g_string_append(out, t > 0 ? ", " : " ");
			transform_to_text(&g_array_index(prop->transforms, IkeTransform, t), out);
		}
	}
}

static void
transform_to_json(const IkeTransform *t, GString *out)
{
	IkeRegistry reg;

	g_string_append(out, "{");
	ike_json_name(out, "type", IKE_REG_TRANSFORM_TYPE, t->type);
	if (ike_transform_id_registry(t->type, &reg))
		ike_json_name(out, "id", reg, t->id);
	ike_json_uint(out, "id_num", t->id);
	if (ike_transform_get_key_length(t) >= 0)
		ike_json_uint(out, "key_length", (guint64) ike_transform_get_key_length(t));
	ike_json_key(out, "attributes");
	g_string_append(out, "[");
	for (guint i = 0; t->attrs != NULL && i < t->attrs->len; i++) {
		const IkeTransformAttr *a = &g_array_index(t->attrs, IkeTransformAttr, i);

		g_string_append(out, i > 0 ? ",{" : "{");
		ike_json_name(out, "type", IKE_REG_TRANSFORM_ATTR, a->type);
		if (a->tv)
			ike_json_uint(out, "value", a->tv_value);
		else
			ike_json_hex(out, "data", a->value, a->value_len);
		g_string_append(out, "}");
	}
	g_string_append(out, "]}");
}

static void
sa_to_json(const IkePayload *p, GString *out)
{
	ike_json_key(out, "proposals");
	g_string_append(out, "[");
	for (guint i = 0; i < p->u.sa.proposals->len; i++) {
		const IkeProposal *prop = g_ptr_array_index(p->u.sa.proposals, i);

		g_string_append(out, i > 0 ? ",{" : "{");
		ike_json_uint(out, "num", prop->num);
		ike_json_name(out, "protocol", IKE_REG_PROTO, prop->protocol);
		ike_json_hex(out, "spi", prop->spi, prop->spi_len);
		ike_json_key(out, "transforms");
		g_string_append(out, "[");
		for (guint t = 0; t < prop->transforms->len; t++) {
			if (t > 0)
				g_string_append(out, ",");
			transform_to_json(&g_array_index(prop->transforms, IkeTransform, t), out);
		}
		g_string_append(out, "]}");
	}
	g_string_append(out, "]");
}

const IkePayloadOps ike_ops_sa = {
        .type = IKE_PAYLOAD_SA,
        .fixed_len = IKE_GENERIC_HEADER_LEN + PROPOSAL_FIXED_LEN,
        .init = sa_init,
        .clear = sa_clear,
        .parse = sa_parse,
        .encode = sa_encode,
        .to_text = sa_to_text,
        .to_json = sa_to_json,
};
