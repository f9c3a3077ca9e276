/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "connection-keys.h"
#include "value-check.h"

#include <errno.h>
#include <string.h>

/* ---- enumeration values (canonical names first, then aliases) -------- */

static const IkebusEnumValue af_values[] = {
	{ "ipv4", IKEBUS_AF_IPV4 },
	{ "ipv6", IKEBUS_AF_IPV6 },
	{ NULL, 0 },
};

static const IkebusEnumValue send_cert_values[] = {
	{ "always", IKEBUS_SEND_CERT_ALWAYS },
	{ "ifasked", IKEBUS_SEND_CERT_IFASKED },
	{ "never", IKEBUS_SEND_CERT_NEVER },
	/* whack's synonyms */
	{ "yes", IKEBUS_SEND_CERT_ALWAYS },
	{ "forced", IKEBUS_SEND_CERT_ALWAYS },
	{ "no", IKEBUS_SEND_CERT_NEVER },
	{ NULL, 0 },
};

static const IkebusEnumValue send_ca_values[] = {
	{ "none", IKEBUS_SEND_CA_NONE },
	{ "issuer", IKEBUS_SEND_CA_ISSUER },
	{ "all", IKEBUS_SEND_CA_ALL },
	{ NULL, 0 },
};

static const IkebusEnumValue fragmentation_values[] = {
	{ "yes", IKEBUS_YNA_YES },
	{ "no", IKEBUS_YNA_NO },
	{ "force", IKEBUS_YNA_FORCE },
	{ NULL, 0 },
};

static const IkebusEnumValue encapsulation_values[] = {
	{ "yes", IKEBUS_YNA_YES },
	{ "no", IKEBUS_YNA_NO },
	{ "auto", IKEBUS_YNA_AUTO },
	{ NULL, 0 },
};

static const IkebusEnumValue pfs_group_values[] = {
	{ "modp1024", IKEBUS_PFS_GROUP_MODP1024 },
	{ "modp1536", IKEBUS_PFS_GROUP_MODP1536 },
	{ "modp2048", IKEBUS_PFS_GROUP_MODP2048 },
	{ "modp3072", IKEBUS_PFS_GROUP_MODP3072 },
	{ "modp4096", IKEBUS_PFS_GROUP_MODP4096 },
	{ "modp6144", IKEBUS_PFS_GROUP_MODP6144 },
	{ "modp8192", IKEBUS_PFS_GROUP_MODP8192 },
	{ "dh22", IKEBUS_PFS_GROUP_DH22 },
	{ "dh23", IKEBUS_PFS_GROUP_DH23 },
	{ "dh24", IKEBUS_PFS_GROUP_DH24 },
	{ NULL, 0 },
};

static const IkebusEnumValue dpd_action_values[] = {
	{ "hold", IKEBUS_DPD_ACTION_HOLD },
	{ "clear", IKEBUS_DPD_ACTION_CLEAR },
	{ "restart", IKEBUS_DPD_ACTION_RESTART },
	{ NULL, 0 },
};

static const IkebusEnumValue prospective_shunt_values[] = {
	{ "pass", IKEBUS_SHUNT_PASS },
	{ "drop", IKEBUS_SHUNT_DROP },
	{ "reject", IKEBUS_SHUNT_REJECT },
	{ NULL, 0 },
};

static const IkebusEnumValue failure_shunt_values[] = {
	{ "none", IKEBUS_SHUNT_NONE },
	{ "pass", IKEBUS_SHUNT_PASS },
	{ "drop", IKEBUS_SHUNT_DROP },
	{ "reject", IKEBUS_SHUNT_REJECT },
	{ NULL, 0 },
};

/* ---- the tables -------------------------------------------------------- */

#define ROW(scope, type, kind, name, field, check, min, max, def, values, whack)                   \
	{ name, scope, kind, G_STRUCT_OFFSET(type, field), check, min, max, def, values, whack }

#define END_S(name, field, check, whack)                                                           \
	ROW(IKEBUS_KEY_END, IkebusEnd, IKEBUS_KIND_STRING, name, field, check, 0, 0, 0, NULL, whack)
#define END_AS(name, field, check, whack)                                                          \
	ROW(IKEBUS_KEY_END, IkebusEnd, IKEBUS_KIND_STRV, name, field, check, 0, 0, 0, NULL, whack)
#define END_U(name, field, min, max, def, whack)                                                   \
	ROW(IKEBUS_KEY_END, IkebusEnd, IKEBUS_KIND_U32, name, field, ikebus_check_text, min, max,   \
	    def, NULL, whack)
#define END_B(name, field, whack)                                                                  \
	ROW(IKEBUS_KEY_END, IkebusEnd, IKEBUS_KIND_BOOL, name, field, ikebus_check_text, 0, 0, 0,   \
	    NULL, whack)
#define END_E(name, field, values, whack)                                                          \
	ROW(IKEBUS_KEY_END, IkebusEnd, IKEBUS_KIND_ENUM, name, field, ikebus_check_text, 0, 0, 0,   \
	    values, whack)

#define CONN_S(name, field, check, whack)                                                          \
	ROW(IKEBUS_KEY_CONN, IkebusConnection, IKEBUS_KIND_STRING, name, field, check, 0, 0, 0,     \
	    NULL, whack)
#define CONN_U(name, field, min, max, def, whack)                                                  \
	ROW(IKEBUS_KEY_CONN, IkebusConnection, IKEBUS_KIND_U32, name, field, ikebus_check_text,     \
	    min, max, def, NULL, whack)
#define CONN_B(name, field, def, whack)                                                            \
	ROW(IKEBUS_KEY_CONN, IkebusConnection, IKEBUS_KIND_BOOL, name, field, ikebus_check_text, 0, \
	    0, def, NULL, whack)
#define CONN_E(name, field, values, whack)                                                         \
	ROW(IKEBUS_KEY_CONN, IkebusConnection, IKEBUS_KIND_ENUM, name, field, ikebus_check_text, 0, \
	    0, 0, values, whack)

#define DAY 86400u

static const IkebusKeySpec end_keys[] = {
	END_S("host", host, ikebus_check_host, "--host"),
	END_S("id", id, ikebus_check_id, "--id"),
	END_S("cert", cert, ikebus_check_text, "--cert"),
	END_S("ckaid", ckaid, ikebus_check_ckaid, "--ckaid"),
	END_S("ca", ca, ikebus_check_ca, "--ca"),
	END_S("groups", groups, ikebus_check_text, "--groups"),
	END_E("send-cert", send_cert, send_cert_values, "--sendcert"),
	END_U("cert-type", cert_type, 1, 255, 0, "--certtype"),
	END_U("ike-port", ike_port, 1, 65535, 500, "--ikeport"),
	END_S("nexthop", nexthop, ikebus_check_nexthop, "--nexthop"),
	END_AS("subnet", subnets, ikebus_check_subnet, "--subnet --client"),
	END_S("protoport", protoport, ikebus_check_protoport, "--clientprotoport"),
	END_S("source-ip", source_ip, ikebus_check_ip, "--sourceip"),
	END_S("interface-ip", interface_ip, ikebus_check_cidr, "--interface-ip"),
	END_B("xauth-server", xauth_server, "--xauthserver"),
	END_B("xauth-client", xauth_client, "--xauthclient"),
	END_B("modecfg-server", modecfg_server, "--modecfgserver"),
	END_B("modecfg-client", modecfg_client, "--modecfgclient"),
	END_AS("modecfg-dns", modecfg_dns, ikebus_check_ip, "--modecfgdns"),
	END_AS("modecfg-domains", modecfg_domains, ikebus_check_dns_name, "--modecfgdomains"),
	END_B("dnskey-on-demand", dnskey_on_demand, "--dnskeyondemand"),
	END_S("updown", updown, ikebus_check_text, "--updown"),
};

static const IkebusKeySpec conn_keys[] = {
	CONN_E("address-family", address_family, af_values, "--ipv4 --ipv6"),
	CONN_E("tunnel-address-family", tunnel_address_family, af_values,
	       "--tunnelipv4 --tunnelipv6"),
	CONN_E("send-ca", send_ca, send_ca_values, "--sendca"),
	CONN_E("fragmentation", fragmentation, fragmentation_values, "--fragmentation"),
	CONN_B("narrowing", narrowing, FALSE, "--narrowing"),
	CONN_E("encapsulation", encapsulation, encapsulation_values, "--encapsulation"),
	CONN_S("modecfg-banner", modecfg_banner, ikebus_check_text, "--modecfgbanner"),
	CONN_B("psk", psk, FALSE, "--psk"),
	CONN_B("rsasig", rsasig, FALSE, "--rsasig"),
	CONN_B("encrypt", encrypt, FALSE, "--encrypt"),
	CONN_B("authenticate", authenticate, FALSE, "--authenticate"),
	CONN_B("compress", compress, FALSE, "--compress"),
	CONN_B("tunnel", tunnel, FALSE, "--tunnel"),
	CONN_B("pfs", pfs, FALSE, "--pfs"),
	CONN_E("pfs-group", pfs_group, pfs_group_values, "--pfsgroup"),
	CONN_U("ike-lifetime", ike_lifetime, 1, DAY, 28800, "--ikelifetime"),
	CONN_U("ipsec-lifetime", ipsec_lifetime, 1, DAY, 28800, "--ipseclifetime"),
	CONN_U("rekey-margin", rekey_margin, 0, DAY, 540, "--rekeymargin"),
	CONN_U("rekey-fuzz", rekey_fuzz, 0, 100000, 100, "--rekeyfuzz"),
	CONN_U("keying-tries", keying_tries, 0, G_MAXUINT32, 0, "--keyingtries"),
	CONN_B("rekey", rekey, TRUE, "--dontrekey"),
	CONN_S("esp", esp, ikebus_check_proposals, "--esp"),
	CONN_S("ike", ike, ikebus_check_proposals, NULL),
	CONN_B("aggressive", aggressive, FALSE, "--aggrmode"),
	CONN_B("modecfg-pull", modecfg_pull, FALSE, "--modecfgpull"),
	CONN_U("metric", metric, 1, G_MAXUINT32, 1, "--metric"),
	CONN_U("nflog-group", nflog_group, 1, 65535, 0, "--nflog-group"),
	CONN_S("conn-mark", conn_mark, ikebus_check_mark, "--conn-mark"),
	CONN_U("dpd-delay", dpd_delay, 0, DAY, 30, "--dpddelay"),
	CONN_U("dpd-timeout", dpd_timeout, 1, DAY, 120, "--dpdtimeout --timeout"),
	CONN_E("dpd-action", dpd_action, dpd_action_values, NULL),
	CONN_B("nat-keepalive", nat_keepalive, TRUE, "--no-keep-alive"),
	CONN_B("initiate-on-traffic", initiate_on_traffic, FALSE, "--initiateontraffic"),
	CONN_E("prospective-shunt", prospective_shunt, prospective_shunt_values,
	       "--pass --drop --reject"),
	CONN_E("failure-shunt", failure_shunt, failure_shunt_values,
	       "--failnone --failpass --faildrop --failreject"),
};

/* The "given" masks are 64 bits wide. */
G_STATIC_ASSERT(G_N_ELEMENTS(end_keys) <= 64);
G_STATIC_ASSERT(G_N_ELEMENTS(conn_keys) <= 64);

const IkebusKeySpec *
ikebus_connection_keys(IkebusKeyScope scope, gsize *n_keys)
{
	switch (scope) {
	case IKEBUS_KEY_END:
		*n_keys = G_N_ELEMENTS(end_keys);
		return end_keys;
	case IKEBUS_KEY_CONN:
		*n_keys = G_N_ELEMENTS(conn_keys);
		return conn_keys;
	}
	*n_keys = 0;
	return NULL;
}

static const IkebusKeySpec *
find(const IkebusKeySpec *keys, gsize n, const char *name)
{
	for (gsize i = 0; i < n; i++) {
		if (g_str_equal(keys[i].name, name))
			return &keys[i];
	}
	return NULL;
}

const IkebusKeySpec *
ikebus_connection_key_lookup(const char *key, int *end_out)
{
	const IkebusKeySpec *spec;
	int end = 0;

	if (g_str_has_prefix(key, "left-"))
		end = 1;
	else if (g_str_has_prefix(key, "right-"))
		end = 2;
	if (end != 0)
		spec = find(end_keys, G_N_ELEMENTS(end_keys), key + (end == 1 ? 5 : 6));
	else
		spec = find(conn_keys, G_N_ELEMENTS(conn_keys), key);
	if (end_out != NULL)
		*end_out = end;
	return spec;
}

const char *
ikebus_key_type_string(const IkebusKeySpec *spec)
{
	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
	case IKEBUS_KIND_ENUM:
		return "s";
	case IKEBUS_KIND_U32:
		return "u";
	case IKEBUS_KIND_BOOL:
		return "b";
	case IKEBUS_KIND_STRV:
		return "as";
	}
	return "?";
}

int
ikebus_key_enum_value(const IkebusKeySpec *spec, const char *text)
{
	if (spec->values == NULL || text == NULL)
		return 0;
	for (const IkebusEnumValue *v = spec->values; v->name != NULL; v++) {
		if (g_str_equal(v->name, text))
			return v->value;
	}
	return 0;
}

const char *
ikebus_key_enum_name(const IkebusKeySpec *spec, int value)
{
	if (spec->values == NULL || value == 0)
		return NULL;
	/* the first row with the value is the canonical name */
	for (const IkebusEnumValue *v = spec->values; v->name != NULL; v++) {
		if (v->value == value)
			return v->name;
	}
	return NULL;
}

char *
ikebus_key_enum_list(const IkebusKeySpec *spec)
{
	g_autoptr(GString) s = g_string_new(NULL);
	gsize n = 0, i = 0;

	for (const IkebusEnumValue *v = spec->values; v->name != NULL; v++) {
		if (ikebus_key_enum_name(spec, v->value) == v->name)
			n++;
	}
	for (const IkebusEnumValue *v = spec->values; v->name != NULL; v++) {
		if (ikebus_key_enum_name(spec, v->value) != v->name)
			continue;
		if (i > 0)
			g_string_append(s, i + 1 == n ? " or " : ", ");
		g_string_append_printf(s, "\"%s\"", v->name);
		i++;
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
why_string(const IkebusKeySpec *spec, const char *text)
{
	if (spec->kind == IKEBUS_KIND_ENUM && ikebus_key_enum_value(spec, text) == 0) {
		g_autofree char *list = ikebus_key_enum_list(spec);

		return g_strdup_printf("\"%s\" is not %s", text, list);
	}
	if (spec->kind == IKEBUS_KIND_ENUM)
		return NULL;
	return spec->check(text);
}

char *
ikebus_key_why_invalid(const IkebusKeySpec *spec, GVariant *value)
{
	const char *type = ikebus_key_type_string(spec);

	if (!g_variant_is_of_type(value, G_VARIANT_TYPE(type)))
		return g_strdup_printf("expected type %s, got %s", type,
				       g_variant_get_type_string(value));
	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
	case IKEBUS_KIND_ENUM:
		return why_string(spec, g_variant_get_string(value, NULL));
	case IKEBUS_KIND_U32: {
		guint32 v = g_variant_get_uint32(value);

		if (v < spec->min)
			return g_strdup_printf("%u is below %u", v, spec->min);
		if (v > spec->max)
			return g_strdup_printf("%u is above %u", v, spec->max);
		return NULL;
	}
	case IKEBUS_KIND_BOOL:
		return NULL;
	case IKEBUS_KIND_STRV: {
		g_autofree const char **items = g_variant_get_strv(value, NULL);

		if (items[0] == NULL)
			return g_strdup("is an empty list");
		for (gsize i = 0; items[i] != NULL; i++) {
			char *why = why_string(spec, items[i]);

			if (why != NULL)
				return why;
		}
		return NULL;
	}
	}
	return NULL;
}

static GVariant *
parse_u32(const char *text, char **why)
{
	char *end = NULL;
	guint64 v;

	errno = 0;
	v = g_ascii_isdigit(text[0]) ? g_ascii_strtoull(text, &end, 0) : 0;
	if (!g_ascii_isdigit(text[0]) || errno != 0 || *end != '\0' || v > G_MAXUINT32) {
		*why = g_strdup_printf("\"%s\" is not a number", text);
		return NULL;
	}
	return g_variant_new_uint32((guint32) v);
}

static GVariant *
parse_bool(const char *text, char **why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(text, yes[i]) == 0)
			return g_variant_new_boolean(TRUE);
		if (g_ascii_strcasecmp(text, no[i]) == 0)
			return g_variant_new_boolean(FALSE);
	}
	*why = g_strdup_printf("\"%s\" is not yes or no", text);
	return NULL;
}

static GVariant *
parse_strv(const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	g_autoptr(GPtrArray) items = g_ptr_array_new();

	for (gsize i = 0; parts[i] != NULL; i++) {
		g_strstrip(parts[i]);
		g_ptr_array_add(items, parts[i]);
	}
	return g_variant_new_strv((const char *const *) items->pdata, (gssize) items->len);
}

GVariant *
ikebus_key_parse_text(const IkebusKeySpec *spec, const char *text, char **why)
{
	g_autoptr(GVariant) value = NULL;
	GVariant *floating = NULL;

	*why = NULL;
	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
		floating = g_variant_new_string(text);
		break;
	case IKEBUS_KIND_ENUM: {
		int v = ikebus_key_enum_value(spec, text);

		if (v == 0) {
			*why = why_string(spec, text);
			return NULL;
		}
		floating = g_variant_new_string(ikebus_key_enum_name(spec, v));
		break;
	}
	case IKEBUS_KIND_U32:
		floating = parse_u32(text, why);
		break;
	case IKEBUS_KIND_BOOL:
		floating = parse_bool(text, why);
		break;
	case IKEBUS_KIND_STRV:
		floating = parse_strv(text);
		break;
	}
	if (floating == NULL)
		return NULL;
	value = g_variant_ref_sink(floating);
	*why = ikebus_key_why_invalid(spec, value);
	if (*why != NULL)
		return NULL;
	return g_steal_pointer(&value);
}
