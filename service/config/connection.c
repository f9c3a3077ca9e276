/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "connection.h"
#include "connection-keys.h"
#include "value-check.h"

#include <string.h>

G_DEFINE_QUARK(ikebus-config-error-quark, ikebus_config_error)

/* Enum fields are written through int pointers (connection-keys.c tables). */
G_STATIC_ASSERT(sizeof(IkebusAddressFamily) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusSendCert) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusSendCa) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusYesNoAuto) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusPfsGroup) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusDpdAction) == sizeof(int));
G_STATIC_ASSERT(sizeof(IkebusShunt) == sizeof(int));

#define NAME_MAX_BYTES 64

/* ---- generic field access, driven by the key tables ------------------- */

static void
field_set_default(gpointer base, const IkebusKeySpec *spec)
{
	gpointer field = G_STRUCT_MEMBER_P(base, spec->offset);

	switch (spec->kind) {
	case IKEBUS_KIND_U32:
		*(guint32 *) field = spec->def;
		break;
	case IKEBUS_KIND_BOOL:
		*(gboolean *) field = spec->def != 0;
		break;
	case IKEBUS_KIND_ENUM:
		*(int *) field = (int) spec->def;
		break;
	case IKEBUS_KIND_STRING:
	case IKEBUS_KIND_STRV:
		break;
	}
}

static void
field_free(gpointer base, const IkebusKeySpec *spec)
{
	gpointer field = G_STRUCT_MEMBER_P(base, spec->offset);

	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
		g_clear_pointer((char **) field, g_free);
		break;
	case IKEBUS_KIND_STRV:
		g_clear_pointer((GStrv *) field, g_strfreev);
		break;
	case IKEBUS_KIND_U32:
	case IKEBUS_KIND_BOOL:
	case IKEBUS_KIND_ENUM:
		break;
	}
}

/* @value has been checked with ikebus_key_why_invalid(). */
static void
field_store(gpointer base, const IkebusKeySpec *spec, GVariant *value)
{
	gpointer field = G_STRUCT_MEMBER_P(base, spec->offset);

	field_free(base, spec);
	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
		*(char **) field = g_variant_dup_string(value, NULL);
		break;
	case IKEBUS_KIND_STRV:
		*(GStrv *) field = g_variant_dup_strv(value, NULL);
		break;
	case IKEBUS_KIND_U32:
		*(guint32 *) field = g_variant_get_uint32(value);
		break;
	case IKEBUS_KIND_BOOL:
		*(gboolean *) field = g_variant_get_boolean(value);
		break;
	case IKEBUS_KIND_ENUM:
		*(int *) field = ikebus_key_enum_value(spec, g_variant_get_string(value, NULL));
		break;
	}
}

/* A new floating value of the field, canonical for enums. */
static GVariant *
field_load(gconstpointer base, const IkebusKeySpec *spec)
{
	gconstpointer field = G_STRUCT_MEMBER_P(base, spec->offset);

	switch (spec->kind) {
	case IKEBUS_KIND_STRING:
		return g_variant_new_string(*(char *const *) field);
	case IKEBUS_KIND_STRV:
		return g_variant_new_strv((const char *const *) *(char **const *) field, -1);
	case IKEBUS_KIND_U32:
		return g_variant_new_uint32(*(const guint32 *) field);
	case IKEBUS_KIND_BOOL:
		return g_variant_new_boolean(*(const gboolean *) field);
	case IKEBUS_KIND_ENUM:
		return g_variant_new_string(ikebus_key_enum_name(spec, *(const int *) field));
	}
	return NULL;
}

/* ---- rules between keys ------------------------------------------------- */

static gboolean
end_given(const IkebusEnd *end, const char *key)
{
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_END, &n);

	for (gsize i = 0; i < n; i++) {
		if (g_str_equal(keys[i].name, key))
			return (end->given & (G_GUINT64_CONSTANT(1) << i)) != 0;
	}
	return FALSE;
}

static gboolean
check_end_rules(const IkebusEnd *end, const char *side, GError **error)
{
	if (end->host == NULL) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_MISSING,
			    "%s-host: is required (whack's --host %s --to)", side,
			    g_str_equal(side, "left") ? "before" : "after");
		return FALSE;
	}
	if (end->xauth_server && end->xauth_client) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "%s-xauth-client: an end cannot be XAUTH server and client", side);
		return FALSE;
	}
	if (end->modecfg_server && end->modecfg_client) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "%s-modecfg-client: an end cannot be Mode Config server and client",
			    side);
		return FALSE;
	}
	return TRUE;
}

/* Literal addresses of one end must belong to @family (4 or 6; 0: the host's). */
static gboolean
check_end_family(const IkebusEnd *end, const char *side, int family, const char *because,
		 GError **error)
{
	const struct {
		const char *key;
		const char *text;
	} addrs[] = { { "host", end->host }, { "nexthop", end->nexthop }, { "source-ip", end->source_ip } };

	for (gsize i = 0; i < G_N_ELEMENTS(addrs); i++) {
		int f = ikebus_ip_family(addrs[i].text);

		if (f == 0 || f == family)
			continue;
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "%s-%s: \"%s\" is not an IPv%d address (%s)", side, addrs[i].key,
			    addrs[i].text, family, because);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_subnet_family(const IkebusEnd *end, const char *side, int family, const char *because,
		    GError **error)
{
	for (gsize i = 0; end->subnets != NULL && end->subnets[i] != NULL; i++) {
		if (ikebus_subnet_family(end->subnets[i]) == family)
			continue;
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "%s-subnet: \"%s\" is not an IPv%d subnet (%s)", side, end->subnets[i],
			    family, because);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_families(const IkebusConnection *c, GError **error)
{
	int family = c->address_family == IKEBUS_AF_IPV6 ? 6 : 4;
	const char *because = c->address_family == IKEBUS_AF_UNSET ? "the other host is" :
				c->address_family == IKEBUS_AF_IPV6 ? "address-family is ipv6" :
								      "address-family is ipv4";
	int tfamily;

	if (c->address_family == IKEBUS_AF_UNSET) {
		/* no family given: the literal hosts decide, and must agree */
		family = ikebus_ip_family(c->left.host);
		if (family == 0)
			family = ikebus_ip_family(c->right.host);
		if (family == 0)
			return TRUE;
	}
	if (!check_end_family(&c->left, "left", family, because, error) ||
	    !check_end_family(&c->right, "right", family, because, error))
		return FALSE;
	if (c->tunnel_address_family == IKEBUS_AF_UNSET)
		return TRUE;
	tfamily = c->tunnel_address_family == IKEBUS_AF_IPV6 ? 6 : 4;
	because = tfamily == 6 ? "tunnel-address-family is ipv6" : "tunnel-address-family is ipv4";
	return check_subnet_family(&c->left, "left", tfamily, because, error) &&
	       check_subnet_family(&c->right, "right", tfamily, because, error);
}

static gboolean
check_rules(const IkebusConnection *c, GError **error)
{
	gboolean child = c->encrypt || c->authenticate || c->compress || c->pfs;
	/* --pass/--drop/--reject alone: a never-negotiate (passthrough) connection,
	 * whose subnets say which traffic the shunt covers */
	gboolean shunt = c->prospective_shunt == IKEBUS_SHUNT_PASS ||
			 c->prospective_shunt == IKEBUS_SHUNT_DROP ||
			 c->prospective_shunt == IKEBUS_SHUNT_REJECT;

	if (!check_end_rules(&c->left, "left", error) || !check_end_rules(&c->right, "right", error))
		return FALSE;
	if (c->tunnel && !c->encrypt && !c->authenticate) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "tunnel: needs encrypt or authenticate");
		return FALSE;
	}
	if (!child && !shunt && (end_given(&c->left, "subnet") || end_given(&c->right, "subnet"))) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_INCONSISTENT,
			    "%s-subnet: client subnets need encrypt, authenticate, compress or pfs "
			    "(without them only an IKE SA is built)",
			    end_given(&c->left, "subnet") ? "left" : "right");
		return FALSE;
	}
	return check_families(c, error);
}

/* ---- public ----------------------------------------------------------- */

gboolean
ikebus_connection_name_check(const char *name, GError **error)
{
	g_autofree char *why = ikebus_check_text(name);

	if (why == NULL && strlen(name) > NAME_MAX_BYTES)
		why = g_strdup_printf("is longer than %d bytes", NAME_MAX_BYTES);
	if (why == NULL && strchr(name, '/') != NULL)
		why = g_strdup("contains \"/\"");
	if (why != NULL) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_BAD_NAME,
			    "name: %s", why);
		return FALSE;
	}
	return TRUE;
}

static void
set_defaults(IkebusConnection *c)
{
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_END, &n);

	for (gsize i = 0; i < n; i++) {
		field_set_default(&c->left, &keys[i]);
		field_set_default(&c->right, &keys[i]);
	}
	keys = ikebus_connection_keys(IKEBUS_KEY_CONN, &n);
	for (gsize i = 0; i < n; i++)
		field_set_default(c, &keys[i]);
}

static gboolean
apply_key(IkebusConnection *c, const char *key, GVariant *value, GError **error)
{
	int end = 0;
	const IkebusKeySpec *spec = ikebus_connection_key_lookup(key, &end);
	gsize n;
	const IkebusKeySpec *table;
	g_autofree char *why = NULL;
	gpointer base;
	guint64 *given, bit;

	if (spec == NULL) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_UNKNOWN_KEY,
			    "%s: unknown key", key);
		return FALSE;
	}
	why = ikebus_key_why_invalid(spec, value);
	if (why != NULL) {
		gboolean type = !g_variant_is_of_type(value, G_VARIANT_TYPE(ikebus_key_type_string(spec)));

		g_set_error(error, IKEBUS_CONFIG_ERROR,
			    type ? IKEBUS_CONFIG_ERROR_WRONG_TYPE : IKEBUS_CONFIG_ERROR_BAD_VALUE,
			    "%s: %s", key, why);
		return FALSE;
	}
	table = ikebus_connection_keys(spec->scope, &n);
	bit = G_GUINT64_CONSTANT(1) << (spec - table);
	base = end == 0 ? (gpointer) c : end == 1 ? (gpointer) &c->left : (gpointer) &c->right;
	given = end == 0 ? &c->given : end == 1 ? &c->left.given : &c->right.given;
	field_store(base, spec, value);
	*given |= bit;
	return TRUE;
}

IkebusConnection *
ikebus_connection_new_from_options(const char *name, GVariant *options, GError **error)
{
	g_autoptr(IkebusConnection) c = NULL;
	GVariantIter iter;
	const char *key;
	GVariant *value;

	if (!ikebus_connection_name_check(name, error))
		return NULL;
	if (options != NULL && !g_variant_is_of_type(options, G_VARIANT_TYPE_VARDICT)) {
		g_set_error(error, IKEBUS_CONFIG_ERROR, IKEBUS_CONFIG_ERROR_WRONG_TYPE,
			    "options: expected type a{sv}, got %s",
			    g_variant_get_type_string(options));
		return NULL;
	}
	c = g_new0(IkebusConnection, 1);
	c->name = g_strdup(name);
	set_defaults(c);
	if (options != NULL) {
		g_variant_iter_init(&iter, options);
		while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
			g_autoptr(GVariant) owned = value;

			if (!apply_key(c, key, owned, error))
				return NULL;
		}
	}
	if (!check_rules(c, error))
		return NULL;
	return g_steal_pointer(&c);
}

static int
compare_entries(gconstpointer a, gconstpointer b)
{
	const char *ka, *kb;

	g_variant_get_child(*(GVariant *const *) a, 0, "&s", &ka);
	g_variant_get_child(*(GVariant *const *) b, 0, "&s", &kb);
	return strcmp(ka, kb);
}

/* Adds the given keys of one end to @entries as {sv} dict entries. */
static void
collect_end(GPtrArray *entries, const IkebusEnd *end, const char *prefix)
{
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_END, &n);

	for (gsize i = 0; i < n; i++) {
		g_autofree char *key = NULL;

		if ((end->given & (G_GUINT64_CONSTANT(1) << i)) == 0)
			continue;
		key = g_strconcat(prefix, keys[i].name, NULL);
		g_ptr_array_add(entries, g_variant_ref_sink(g_variant_new_dict_entry(
						 g_variant_new_string(key),
						 g_variant_new_variant(field_load(end, &keys[i])))));
	}
}

/* A new floating a{sv} of @entries, sorted by key (the canonical order). */
static GVariant *
sorted_dict(GPtrArray *entries)
{
	g_ptr_array_sort(entries, compare_entries);
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), (GVariant *const *) entries->pdata,
				   entries->len);
}

GVariant *
ikebus_connection_to_options(const IkebusConnection *conn)
{
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
	gsize n;
	const IkebusKeySpec *keys = ikebus_connection_keys(IKEBUS_KEY_CONN, &n);

	collect_end(entries, &conn->left, "left-");
	collect_end(entries, &conn->right, "right-");
	for (gsize i = 0; i < n; i++) {
		if ((conn->given & (G_GUINT64_CONSTANT(1) << i)) == 0)
			continue;
		g_ptr_array_add(entries, g_variant_ref_sink(g_variant_new_dict_entry(
						 g_variant_new_string(keys[i].name),
						 g_variant_new_variant(field_load(conn, &keys[i])))));
	}
	return sorted_dict(entries);
}

GVariant *
ikebus_connection_end_to_options(const IkebusConnection *conn, gboolean right)
{
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);

	collect_end(entries, right ? &conn->right : &conn->left, "");
	return sorted_dict(entries);
}

void
ikebus_connection_free(IkebusConnection *conn)
{
	gsize n;
	const IkebusKeySpec *keys;

	if (conn == NULL)
		return;
	keys = ikebus_connection_keys(IKEBUS_KEY_END, &n);
	for (gsize i = 0; i < n; i++) {
		field_free(&conn->left, &keys[i]);
		field_free(&conn->right, &keys[i]);
	}
	keys = ikebus_connection_keys(IKEBUS_KEY_CONN, &n);
	for (gsize i = 0; i < n; i++)
		field_free(conn, &keys[i]);
	g_free(conn->name);
	g_free(conn);
}
