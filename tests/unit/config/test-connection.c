/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connection model (service/config): every key of the options
 * dictionary, its defaults, the round trip dictionary -> model ->
 * dictionary, the errors for bad input, and the key tables against the
 * AddConnection documentation in dbus/org.ikebus.ike1.Manager.xml.
 */
#include "config.h"

#include "config/connection.h"
#include "config/connection-keys.h"
#include "config/value-check.h"

#include <string.h>

#define BASE "'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>"

/* Two a{sv} with the same entries, in any order. */
static gboolean
dict_equal(GVariant *a, GVariant *b)
{
	GVariantIter iter;
	const char *key;
	GVariant *value;

	if (g_variant_n_children(a) != g_variant_n_children(b))
		return FALSE;
	g_variant_iter_init(&iter, a);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) va = value;
		g_autoptr(GVariant) vb = g_variant_lookup_value(b, key, NULL);

		if (vb == NULL || !g_variant_equal(va, vb))
			return FALSE;
	}
	return TRUE;
}

static GVariant *
parse_dict(const char *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *v = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

	g_assert_no_error(error);
	return v; /* g_variant_parse() returns a full reference */
}

/* ---- the XML documents exactly the keys of the tables ----------------------- */

/* "NAME: TYPE" terms of the AddConnection doc, end keys before "Connection keys:". */
static void
collect_terms(const char *xml, GHashTable *end_terms, GHashTable *conn_terms)
{
	const char *method = strstr(xml, "<method name=\"AddConnection\">");
	const char *method_end, *conn_start, *p;

	g_assert_nonnull(method);
	method_end = strstr(method, "</method>");
	conn_start = strstr(method, "Connection keys:");
	g_assert_nonnull(method_end);
	g_assert_nonnull(conn_start);
	for (p = method; (p = strstr(p, "<doc:term>")) != NULL && p < method_end;) {
		const char *start = p + strlen("<doc:term>");
		const char *stop = strstr(start, "</doc:term>");
		g_autofree char *term = g_strndup(start, (gsize) (stop - start));
		g_auto(GStrv) parts = g_strsplit(term, ": ", 2);

		g_assert_cmpuint(g_strv_length(parts), ==, 2);
		g_hash_table_insert(p < conn_start ? end_terms : conn_terms, g_strdup(parts[0]),
				    g_strdup(parts[1]));
		p = stop;
	}
}

static void
compare_scope(IkebusKeyScope scope, GHashTable *terms)
{
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(scope, &n);

	for (gsize i = 0; i < n; i++) {
		const char *type = g_hash_table_lookup(terms, keys[i].name);

		if (type == NULL)
			g_error("key \"%s\" is not documented in AddConnection", keys[i].name);
		g_assert_cmpstr(type, ==, ikebus_key_type_string(&keys[i]));
		g_hash_table_remove(terms, keys[i].name);
	}
	if (g_hash_table_size(terms) != 0) {
		g_autofree const char **left = (const char **) g_hash_table_get_keys_as_array(terms, NULL);

		g_error("AddConnection documents \"%s\", which connection-keys.c lacks", left[0]);
	}
}

static void
test_xml_keys(void)
{
	const char *path = g_getenv("IKEBUS_MANAGER_XML");
	g_autofree char *xml = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) end_terms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) conn_terms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	if (path == NULL) {
		g_test_skip("IKEBUS_MANAGER_XML is not set (run through meson test)");
		return;
	}
	g_file_get_contents(path, &xml, NULL, &error);
	g_assert_no_error(error);
	collect_terms(xml, end_terms, conn_terms);
	compare_scope(IKEBUS_KEY_END, end_terms);
	compare_scope(IKEBUS_KEY_CONN, conn_terms);
}

/* ---- defaults ------------------------------------------------------------------- */

static void
test_defaults(void)
{
	g_autoptr(GVariant) dict = parse_dict("{" BASE "}");
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusConnection) c = ikebus_connection_new_from_options("c", dict, &error);
	g_autoptr(GVariant) back = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(c->name, ==, "c");
	g_assert_cmpstr(c->left.host, ==, "192.0.2.1");
	g_assert_cmpstr(c->right.host, ==, "192.0.2.2");
	g_assert_cmpuint(c->left.ike_port, ==, 500);
	g_assert_cmpuint(c->ike_lifetime, ==, 28800);
	g_assert_cmpuint(c->ipsec_lifetime, ==, 28800);
	g_assert_cmpuint(c->rekey_margin, ==, 540);
	g_assert_cmpuint(c->rekey_fuzz, ==, 100);
	g_assert_cmpuint(c->dpd_delay, ==, 30);
	g_assert_cmpuint(c->dpd_timeout, ==, 120);
	g_assert_true(c->rekey);
	g_assert_true(c->nat_keepalive);
	g_assert_false(c->encrypt);
	g_assert_cmpint(c->send_ca, ==, IKEBUS_SEND_CA_UNSET);
	g_assert_null(c->left.subnets);
	/* defaults are not given keys: the dictionary comes back as it went in */
	back = g_variant_ref_sink(ikebus_connection_to_options(c));
	g_assert_true(g_variant_equal(back, dict)); /* BASE is in key order */
}

/* ---- every key, round trip ---------------------------------------------------- */

/* A valid sample value per key (GVariant text). */
static const struct {
	const char *key;
	const char *value;
} samples[] = {
	{ "host", "'192.0.2.1'" },
	{ "id", "'@east.example'" },
	{ "cert", "'east'" },
	{ "ckaid", "'0a1b2c'" },
	{ "ca", "'C=CH, O=Example, CN=CA'" },
	{ "groups", "'admins'" },
	{ "send-cert", "'ifasked'" },
	{ "cert-type", "uint32 4" },
	{ "ike-port", "uint32 4500" },
	{ "nexthop", "'%direct'" },
	{ "subnet", "['10.0.1.0/24', '10.0.3.0/24']" },
	{ "protoport", "'17/1701'" },
	{ "source-ip", "'10.0.1.1'" },
	{ "interface-ip", "'10.0.1.1/24'" },
	{ "xauth-server", "false" },
	{ "xauth-client", "true" },
	{ "modecfg-server", "false" },
	{ "modecfg-client", "true" },
	{ "modecfg-dns", "['10.0.0.53', '10.0.0.54']" },
	{ "modecfg-domains", "['example.com', 'corp.example']" },
	{ "dnskey-on-demand", "true" },
	{ "updown", "'/usr/libexec/ikebus/updown --route yes'" },
	{ "address-family", "'ipv4'" },
	{ "tunnel-address-family", "'ipv4'" },
	{ "send-ca", "'issuer'" },
	{ "fragmentation", "'force'" },
	{ "narrowing", "true" },
	{ "encapsulation", "'auto'" },
	{ "modecfg-banner", "'Authorised use only'" },
	{ "psk", "true" },
	{ "rsasig", "true" },
	{ "encrypt", "true" },
	{ "authenticate", "false" },
	{ "compress", "true" },
	{ "tunnel", "true" },
	{ "pfs", "true" },
	{ "pfs-group", "'dh24'" },
	{ "ike-lifetime", "uint32 3600" },
	{ "ipsec-lifetime", "uint32 1800" },
	{ "rekey-margin", "uint32 60" },
	{ "rekey-fuzz", "uint32 250" },
	{ "keying-tries", "uint32 3" },
	{ "rekey", "false" },
	{ "esp", "'aes_gcm256,aes256-sha2_256;dh19'" },
	{ "ike", "'aes256-sha2_256-dh20'" },
	{ "aggressive", "false" },
	{ "modecfg-pull", "true" },
	{ "metric", "uint32 20" },
	{ "nflog-group", "uint32 5" },
	{ "conn-mark", "'0x10/0xff'" },
	{ "dpd-delay", "uint32 10" },
	{ "dpd-timeout", "uint32 40" },
	{ "dpd-action", "'restart'" },
	{ "nat-keepalive", "false" },
	{ "initiate-on-traffic", "true" },
	{ "prospective-shunt", "'reject'" },
	{ "failure-shunt", "'pass'" },
};

static const char *
sample_of(const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(samples); i++) {
		if (g_str_equal(samples[i].key, key))
			return samples[i].value;
	}
	g_error("no sample value for key \"%s\"", key);
	return NULL;
}

static GVariant *
all_keys_dict(void)
{
	g_autoptr(GString) s = g_string_new("{");
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_END, &n);

	for (gsize i = 0; i < n; i++) {
		const char *v = sample_of(keys[i].name);

		g_string_append_printf(s, "'left-%s': <%s>, ", keys[i].name, v);
		/* the right end gets its own host */
		g_string_append_printf(s, "'right-%s': <%s>, ", keys[i].name,
				       g_str_equal(keys[i].name, "host") ? "'192.0.2.2'" : v);
	}
	keys = ikebus_connection_keys(IKEBUS_KEY_CONN, &n);
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%s'%s': <%s>", i > 0 ? ", " : "", keys[i].name,
				       sample_of(keys[i].name));
	g_string_append_c(s, '}');
	return parse_dict(s->str);
}

static void
test_every_key_round_trip(void)
{
	g_autoptr(GVariant) dict = all_keys_dict();
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusConnection) c = ikebus_connection_new_from_options("every-key", dict, &error);
	g_autoptr(GVariant) back = NULL;
	g_autoptr(GVariant) right = NULL;
	gsize n_end, n_conn;

	g_assert_no_error(error);
	ikebus_connection_keys(IKEBUS_KEY_END, &n_end);
	ikebus_connection_keys(IKEBUS_KEY_CONN, &n_conn);
	g_assert_cmpuint(g_variant_n_children(dict), ==, 2 * n_end + n_conn);
	back = g_variant_ref_sink(ikebus_connection_to_options(c));
	g_assert_true(dict_equal(back, dict));

	/* the typed fields hold the values */
	g_assert_cmpstr(c->left.id, ==, "@east.example");
	g_assert_cmpstr(c->right.subnets[1], ==, "10.0.3.0/24");
	g_assert_cmpuint(c->left.ike_port, ==, 4500);
	g_assert_cmpint(c->left.send_cert, ==, IKEBUS_SEND_CERT_IFASKED);
	g_assert_cmpint(c->pfs_group, ==, IKEBUS_PFS_GROUP_DH24);
	g_assert_cmpint(c->fragmentation, ==, IKEBUS_YNA_FORCE);
	g_assert_cmpint(c->prospective_shunt, ==, IKEBUS_SHUNT_REJECT);
	g_assert_cmpint(c->failure_shunt, ==, IKEBUS_SHUNT_PASS);
	g_assert_cmpint(c->dpd_action, ==, IKEBUS_DPD_ACTION_RESTART);
	g_assert_cmpuint(c->ike_lifetime, ==, 3600);
	g_assert_false(c->rekey);
	g_assert_false(c->nat_keepalive);
	g_assert_true(c->right.xauth_client);

	right = g_variant_ref_sink(ikebus_connection_end_to_options(c, TRUE));
	g_assert_cmpuint(g_variant_n_children(right), ==, n_end);
	g_assert_true(g_variant_lookup(right, "host", "&s", NULL));
}

static void
test_canonical_enum(void)
{
	static const struct {
		const char *given, *canonical;
	} cases[] = {
		{ "yes", "always" }, { "forced", "always" }, { "always", "always" },
		{ "no", "never" },   { "never", "never" },   { "ifasked", "ifasked" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf("{" BASE ", 'left-send-cert': <'%s'>}",
							cases[i].given);
		g_autoptr(GVariant) dict = parse_dict(text);
		g_autoptr(GError) error = NULL;
		g_autoptr(IkebusConnection) c = ikebus_connection_new_from_options("c", dict, &error);
		g_autoptr(GVariant) back = NULL;
		const char *v = NULL;

		g_assert_no_error(error);
		back = g_variant_ref_sink(ikebus_connection_to_options(c));
		g_assert_true(g_variant_lookup(back, "left-send-cert", "&s", &v));
		g_assert_cmpstr(v, ==, cases[i].canonical);
	}
}

/* ---- bad input: the error names the key and why --------------------------------- */

static const struct {
	const char *name;
	const char *dict; /* appended to BASE unless it starts with '!' */
	IkebusConfigError code;
	const char *message;
} bad_cases[] = {
	{ "c", "'bogus': <1>", IKEBUS_CONFIG_ERROR_UNKNOWN_KEY, "bogus: unknown key" },
	{ "c", "'left-bogus': <1>", IKEBUS_CONFIG_ERROR_UNKNOWN_KEY, "left-bogus: unknown key" },
	{ "c", "'middle-host': <'1.2.3.4'>", IKEBUS_CONFIG_ERROR_UNKNOWN_KEY,
	  "middle-host: unknown key" },
	{ "c", "'ike-lifetime': <'900'>", IKEBUS_CONFIG_ERROR_WRONG_TYPE,
	  "ike-lifetime: expected type u, got s" },
	{ "c", "'psk': <'yes'>", IKEBUS_CONFIG_ERROR_WRONG_TYPE, "psk: expected type b, got s" },
	{ "c", "'left-subnet': <'10.0.0.0/8'>", IKEBUS_CONFIG_ERROR_WRONG_TYPE,
	  "left-subnet: expected type as, got s" },
	{ "c", "'ike-lifetime': <uint32 0>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "ike-lifetime: 0 is below 1" },
	{ "c", "'ipsec-lifetime': <uint32 86401>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "ipsec-lifetime: 86401 is above 86400" },
	{ "c", "'right-ike-port': <uint32 0>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "right-ike-port: 0 is below 1" },
	{ "c", "!'left-host': <'x y'>, 'right-host': <'192.0.2.2'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-host: \"x y\" is not an IP address, %any, %defaultroute, %opportunistic or a DNS "
	  "name" },
	{ "c", "!'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.300'>",
	  IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "right-host: \"192.0.2.300\" is not an IP address, %any, %defaultroute, %opportunistic "
	  "or a DNS name" },
	{ "c", "!'left-host': <''>, 'right-host': <'192.0.2.2'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-host: is empty" },
	{ "c", "'left-send-cert': <'sometimes'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-send-cert: \"sometimes\" is not \"always\", \"ifasked\" or \"never\"" },
	{ "c", "'pfs-group': <'modp768'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "pfs-group: \"modp768\" is not \"modp1024\", \"modp1536\", \"modp2048\", \"modp3072\", "
	  "\"modp4096\", \"modp6144\", \"modp8192\", \"dh22\", \"dh23\" or \"dh24\"" },
	{ "c", "'encrypt': <true>, 'left-subnet': <@as []>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-subnet: is an empty list" },
	{ "c", "'encrypt': <true>, 'left-subnet': <['10.0.0.0/33']>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-subnet: \"10.0.0.0/33\" is not ADDRESS/PREFIX" },
	{ "c", "'left-protoport': <'17/70000'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-protoport: \"17/70000\": \"70000\" is not a port (0-65535) or %any" },
	{ "c", "'left-protoport': <'17'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-protoport: \"17\" is not PROTOCOL/PORT" },
	{ "c", "'left-ckaid': <'abc'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-ckaid: \"abc\" has an odd number of hex digits" },
	{ "c", "'left-nexthop': <'gateway'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-nexthop: \"gateway\" is not an IP address, %direct or %defaultroute" },
	{ "c", "'left-id': <'@'>", IKEBUS_CONFIG_ERROR_BAD_VALUE, "left-id: \"@\" names no identity" },
	{ "c", "'right-modecfg-dns': <['10.0.0.1', 'dns.example']>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "right-modecfg-dns: \"dns.example\" is not an IP address" },
	{ "c", "'conn-mark': <'red'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "conn-mark: \"red\" is not MARK/MASK (32-bit numbers)" },
	{ "c", "'esp': <'aes256 sha1'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "esp: \"aes256 sha1\": ' ' does not belong in a proposal list" },
	{ "c", "'left-updown': <'run\nthis'>", IKEBUS_CONFIG_ERROR_BAD_VALUE,
	  "left-updown: contains a control character" },
	{ "c", "!'left-host': <'192.0.2.1'>", IKEBUS_CONFIG_ERROR_MISSING,
	  "right-host: is required (whack's --host after --to)" },
	{ "c", "!", IKEBUS_CONFIG_ERROR_MISSING, "left-host: is required (whack's --host before --to)" },
	{ "c", "'tunnel': <true>", IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "tunnel: needs encrypt or authenticate" },
	{ "c", "'right-subnet': <['10.0.2.0/24']>", IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "right-subnet: client subnets need encrypt, authenticate, compress or pfs (without them "
	  "only an IKE SA is built)" },
	{ "c", "'left-xauth-server': <true>, 'left-xauth-client': <true>",
	  IKEBUS_CONFIG_ERROR_INCONSISTENT, "left-xauth-client: an end cannot be XAUTH server and client" },
	{ "c", "'right-modecfg-server': <true>, 'right-modecfg-client': <true>",
	  IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "right-modecfg-client: an end cannot be Mode Config server and client" },
	{ "c", "'address-family': <'ipv6'>", IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "left-host: \"192.0.2.1\" is not an IPv6 address (address-family is ipv6)" },
	{ "c", "!'left-host': <'192.0.2.1'>, 'right-host': <'2001:db8::2'>",
	  IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "right-host: \"2001:db8::2\" is not an IPv4 address (the other host is)" },
	{ "c", "'encrypt': <true>, 'tunnel-address-family': <'ipv6'>, 'left-subnet': <['10.0.1.0/24']>",
	  IKEBUS_CONFIG_ERROR_INCONSISTENT,
	  "left-subnet: \"10.0.1.0/24\" is not an IPv6 subnet (tunnel-address-family is ipv6)" },
	{ "a/b", "", IKEBUS_CONFIG_ERROR_BAD_NAME, "name: contains \"/\"" },
	{ "", "", IKEBUS_CONFIG_ERROR_BAD_NAME, "name: is empty" },
	{ "0123456789012345678901234567890123456789012345678901234567890123456789", "",
	  IKEBUS_CONFIG_ERROR_BAD_NAME, "name: is longer than 64 bytes" },
};

static void
test_bad_input(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		const char *d = bad_cases[i].dict;
		g_autofree char *text = d[0] == '!' ? g_strdup_printf("{%s}", d + 1)
				      : d[0] != '\0' ? g_strdup_printf("{" BASE ", %s}", d)
						     : g_strdup("{" BASE "}");
		g_autoptr(GVariant) dict = parse_dict(text);
		g_autoptr(GError) error = NULL;
		g_autoptr(IkebusConnection) c = NULL;

		g_test_message("case %zu: %s", i, text);
		c = ikebus_connection_new_from_options(bad_cases[i].name, dict, &error);
		g_assert_null(c);
		g_assert_error(error, IKEBUS_CONFIG_ERROR, (gint) bad_cases[i].code);
		g_assert_cmpstr(error->message, ==, bad_cases[i].message);
	}
}

static void
test_not_a_dict(void)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_string("x"));
	g_autoptr(GError) error = NULL;
	g_autoptr(IkebusConnection) c = ikebus_connection_new_from_options("c", v, &error);

	g_assert_null(c);
	g_assert_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_WRONG_TYPE);
	g_assert_cmpstr(error->message, ==, "options: expected type a{sv}, got s");
}

/* ---- value checks ------------------------------------------------------------------ */

static void
test_host_values(void)
{
	static const char *const good[] = {
		"192.0.2.1", "2001:db8::1", "%any", "%defaultroute", "%opportunistic", "0.0.0.0",
		"vpn.example.com", "vpn.example.com.", "host-1", "xn--bcher-kva.example",
	};
	static const char *const bad[] = {
		"x y", "192.0.2.300", "1.2.3", "-vpn.example", "vpn-.example", "a..b", "%bogus",
		"vpn_example/24", "2001:db8::g",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *why = ikebus_check_host(good[i]);

		g_assert_null(why);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *why = ikebus_check_host(bad[i]);

		if (why == NULL)
			g_error("\"%s\" was accepted as a host", bad[i]);
	}
}

static void
test_parse_text(void)
{
	static const struct {
		const char *key, *text, *printed, *why;
	} cases[] = {
		{ "ike-lifetime", "900", "uint32 900", NULL },
		{ "ike-lifetime", "abc", NULL, "\"abc\" is not a number" },
		{ "ike-lifetime", "-1", NULL, "\"-1\" is not a number" },
		{ "ike-lifetime", "99999999999", NULL, "\"99999999999\" is not a number" },
		{ "ike-lifetime", "90000", NULL, "90000 is above 86400" },
		{ "conn-mark", "0x10/0xff", "'0x10/0xff'", NULL },
		{ "narrowing", "yes", "true", NULL },
		{ "narrowing", "auto", NULL, "\"auto\" is not yes or no" },
		{ "left-send-cert", "forced", "'always'", NULL },
		{ "left-subnet", "10.0.1.0/24, 10.0.2.0/24", "['10.0.1.0/24', '10.0.2.0/24']", NULL },
		{ "left-subnet", "10.0.1.0/24,", NULL, "is empty" },
		{ "left-modecfg-domains", "example.com,corp.example", "['example.com', 'corp.example']",
		  NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const IkebusKeySpec *spec = ikebus_connection_key_lookup(cases[i].key, NULL);
		g_autofree char *why = NULL;
		g_autoptr(GVariant) v = NULL;

		g_assert_nonnull(spec);
		v = ikebus_key_parse_text(spec, cases[i].text, &why);
		if (cases[i].printed != NULL) {
			g_autofree char *printed = g_variant_print(v, TRUE);

			g_assert_null(why);
			g_assert_cmpstr(printed, ==, cases[i].printed);
		} else {
			g_assert_null(v);
			g_assert_cmpstr(why, ==, cases[i].why);
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/xml-documents-every-key", test_xml_keys);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/every-key-round-trip", test_every_key_round_trip);
	g_test_add_func("/config/canonical-enum", test_canonical_enum);
	g_test_add_func("/config/bad-input", test_bad_input);
	g_test_add_func("/config/not-a-dict", test_not_a_dict);
	g_test_add_func("/config/host-values", test_host_values);
	g_test_add_func("/config/parse-text", test_parse_text);
	return g_test_run();
}
