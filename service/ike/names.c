/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number <-> name tables for the IANA IKEv2 registries, expanded from
 * ike-names.def so that enums (ike-names.h) and names cannot drift apart.
 * The .def lists each registry in ascending order; lookups are linear, which
 * is fine for tables of a few dozen entries used in logs and the CLI.
 */
#include "ike-names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define ENTRY(n, id, s) { n, s },

static const IkeNameEntry exchange_names[] = {
#define IKE_DEF_EXCHANGE ENTRY
#include "ike-names.def"
};
static const IkeNameEntry payload_names[] = {
#define IKE_DEF_PAYLOAD ENTRY
#include "ike-names.def"
};
static const IkeNameEntry transform_type_names[] = {
#define IKE_DEF_TRANSFORM_TYPE ENTRY
#include "ike-names.def"
};
static const IkeNameEntry encr_names[] = {
#define IKE_DEF_ENCR ENTRY
#include "ike-names.def"
};
static const IkeNameEntry prf_names[] = {
#define IKE_DEF_PRF ENTRY
#include "ike-names.def"
};
static const IkeNameEntry integ_names[] = {
#define IKE_DEF_INTEG ENTRY
#include "ike-names.def"
};
static const IkeNameEntry ke_names[] = {
#define IKE_DEF_KE ENTRY
#include "ike-names.def"
};
static const IkeNameEntry esn_names[] = {
#define IKE_DEF_ESN ENTRY
#include "ike-names.def"
};
static const IkeNameEntry transform_attr_names[] = {
#define IKE_DEF_TRANSFORM_ATTR ENTRY
#include "ike-names.def"
};
static const IkeNameEntry notify_names[] = {
#define IKE_DEF_NOTIFY ENTRY
#include "ike-names.def"
};
static const IkeNameEntry id_names[] = {
#define IKE_DEF_ID ENTRY
#include "ike-names.def"
};
static const IkeNameEntry auth_method_names[] = {
#define IKE_DEF_AUTH_METHOD ENTRY
#include "ike-names.def"
};
static const IkeNameEntry cert_names[] = {
#define IKE_DEF_CERT ENTRY
#include "ike-names.def"
};
static const IkeNameEntry cfg_names[] = {
#define IKE_DEF_CFG ENTRY
#include "ike-names.def"
};
static const IkeNameEntry cp_attr_names[] = {
#define IKE_DEF_CP_ATTR ENTRY
#include "ike-names.def"
};
static const IkeNameEntry proto_names[] = {
#define IKE_DEF_PROTO ENTRY
#include "ike-names.def"
};
static const IkeNameEntry ts_names[] = {
#define IKE_DEF_TS ENTRY
#include "ike-names.def"
};
static const IkeNameEntry hash_names[] = {
#define IKE_DEF_HASH ENTRY
#include "ike-names.def"
};
static const IkeNameEntry eap_code_names[] = {
#define IKE_DEF_EAP_CODE ENTRY
#include "ike-names.def"
};
static const IkeNameEntry eap_type_names[] = {
#define IKE_DEF_EAP_TYPE ENTRY
#include "ike-names.def"
};
/* clang-format on */

typedef struct {
	const char *name;
	const IkeNameEntry *entries;
	gsize n_entries;
} Registry;

#define REG(label, table)                                                                          \
	{                                                                                          \
		label, table, G_N_ELEMENTS(table)                                                  \
	}

/* Indexed by IkeRegistry; the static assert below keeps it complete. */
static const Registry registries[] = {
        [IKE_REG_EXCHANGE] = REG("exchange", exchange_names),
        [IKE_REG_PAYLOAD] = REG("payload", payload_names),
        [IKE_REG_TRANSFORM_TYPE] = REG("transform-type", transform_type_names),
        [IKE_REG_ENCR] = REG("encr", encr_names),
        [IKE_REG_PRF] = REG("prf", prf_names),
        [IKE_REG_INTEG] = REG("integ", integ_names),
        [IKE_REG_KE] = REG("ke", ke_names),
        [IKE_REG_ESN] = REG("esn", esn_names),
        [IKE_REG_TRANSFORM_ATTR] = REG("transform-attr", transform_attr_names),
        [IKE_REG_NOTIFY] = REG("notify", notify_names),
        [IKE_REG_ID] = REG("id", id_names),
        [IKE_REG_AUTH_METHOD] = REG("auth-method", auth_method_names),
        [IKE_REG_CERT] = REG("cert-encoding", cert_names),
        [IKE_REG_CFG] = REG("cfg-type", cfg_names),
        [IKE_REG_CP_ATTR] = REG("cp-attr", cp_attr_names),
        [IKE_REG_PROTO] = REG("protocol", proto_names),
        [IKE_REG_TS] = REG("ts-type", ts_names),
        [IKE_REG_HASH] = REG("hash", hash_names),
        [IKE_REG_EAP_CODE] = REG("eap-code", eap_code_names),
        [IKE_REG_EAP_TYPE] = REG("eap-type", eap_type_names),
};
G_STATIC_ASSERT(G_N_ELEMENTS(registries) == IKE_REG_N_REGISTRIES);

static const Registry *
registry_get(IkeRegistry reg)
{
	if ((guint) reg >= G_N_ELEMENTS(registries))
		return NULL;
	return &registries[reg];
}

const char *
ike_name(IkeRegistry reg, guint32 value)
{
	const Registry *r = registry_get(reg);

	if (r == NULL)
		return NULL;
	for (gsize i = 0; i < r->n_entries; i++) {
		if (r->entries[i].value == value)
			return r->entries[i].name;
	}
	return NULL;
}

const char *
ike_name_or_unknown(IkeRegistry reg, guint32 value, char *buf, gsize buflen)
{
	const char *name = ike_name(reg, value);

	if (name != NULL)
		return name;
	g_snprintf(buf, buflen, "UNKNOWN(%u)", value);
	return buf;
}

/* Strict decimal: digits only, fits 32 bits. */
static gboolean
parse_decimal(const char *s, gsize len, guint32 *value)
{
	guint64 v = 0;

	if (len == 0 || len > 10)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (guint64) (s[i] - '0');
	}
	if (v > G_MAXUINT32)
		return FALSE;
	*value = (guint32) v;
	return TRUE;
}

gboolean
ike_name_to_value(IkeRegistry reg, const char *name, guint32 *value)
{
	const Registry *r = registry_get(reg);
	gsize len;

	if (r == NULL || name == NULL)
		return FALSE;
	for (gsize i = 0; i < r->n_entries; i++) {
		if (g_ascii_strcasecmp(r->entries[i].name, name) == 0) {
			*value = r->entries[i].value;
			return TRUE;
		}
	}
	len = strlen(name);
	if (len > 9 && g_ascii_strncasecmp(name, "UNKNOWN(", 8) == 0 && name[len - 1] == ')')
		return parse_decimal(name + 8, len - 9, value);
	return parse_decimal(name, len, value);
}

const IkeNameEntry *
ike_registry_entries(IkeRegistry reg, gsize *n_entries)
{
	const Registry *r = registry_get(reg);

	*n_entries = r != NULL ? r->n_entries : 0;
	return r != NULL ? r->entries : NULL;
}

const char *
ike_registry_name(IkeRegistry reg)
{
	const Registry *r = registry_get(reg);

	return r != NULL ? r->name : NULL;
}

gboolean
ike_transform_id_registry(guint8 transform_type, IkeRegistry *reg)
{
	/* A plain guint8 from the wire, so a range check rather than a switch
	 * over IkeTransformType: ADDKE1..7 (RFC 9370 §2.2.1) share the KE ids. */
	if (transform_type >= IKE_TRANSFORM_ADDKE1 && transform_type <= IKE_TRANSFORM_ADDKE7) {
		*reg = IKE_REG_KE;
		return TRUE;
	}
	if (transform_type == IKE_TRANSFORM_ENCR)
		*reg = IKE_REG_ENCR;
	else if (transform_type == IKE_TRANSFORM_PRF)
		*reg = IKE_REG_PRF;
	else if (transform_type == IKE_TRANSFORM_INTEG)
		*reg = IKE_REG_INTEG;
	else if (transform_type == IKE_TRANSFORM_KE)
		*reg = IKE_REG_KE;
	else if (transform_type == IKE_TRANSFORM_ESN)
		*reg = IKE_REG_ESN;
	else
		return FALSE;
	return TRUE;
}
