/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE identities (RFC 7296 §3.5) from the --id text forms and back:
 *   192.0.2.1 / 2001:db8::1   ID_IPV4_ADDR / ID_IPV6_ADDR
 *   @east.example             ID_FQDN (not resolved)
 *   user@example.com          ID_RFC822_ADDR
 *   east.example              ID_FQDN as well (pluto would resolve it)
 *   %any                      matches any identity (type 0 here)
 *   C=CH, O=Example, CN=host  ID_DER_ASN1_DN (RDNs in the order written;
 *                             certdb.c matches the reversed order too)
 */
#include <arpa/inet.h>
#include <string.h>

#include "certdb.h"
#include "engine-private.h"

gboolean
engine_id_from_text(const char *text, EngineId *out, GError **error)
{
	guint8 buf[16];

	memset(out, 0, sizeof(*out));
	if (text == NULL || g_strcmp0(text, "%any") == 0 || g_strcmp0(text, "%fromcert") == 0) {
		out->data = g_bytes_new(NULL, 0);
		return TRUE;
	}
	if (inet_pton(AF_INET, text, buf) == 1) {
		out->type = IKE_ID_IPV4_ADDR;
		out->data = g_bytes_new(buf, 4);
	} else if (inet_pton(AF_INET6, text, buf) == 1) {
		out->type = IKE_ID_IPV6_ADDR;
		out->data = g_bytes_new(buf, 16);
	} else if (text[0] == '@' && text[1] == '#') {
		g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_NOT_SUPPORTED,
		            "id: key ids (\"%s\") are not supported yet", text);
		return FALSE;
	} else if (text[0] == '@') {
		out->type = IKE_ID_FQDN;
		out->data = g_bytes_new(text + 1, strlen(text + 1));
	} else if (strchr(text, '=') != NULL) {
		g_autoptr(GError) dn_error = NULL;

		out->data = crypto_dn_from_text(text, &dn_error);
		if (out->data == NULL) {
			g_set_error(error, ENGINE_ERROR, ENGINE_ERROR_INVALID_ARGUMENT, "id: %s",
			            dn_error->message);
			return FALSE;
		}
		out->type = IKE_ID_DER_ASN1_DN;
	} else if (strchr(text, '@') != NULL) {
		out->type = IKE_ID_RFC822_ADDR;
		out->data = g_bytes_new(text, strlen(text));
	} else {
		out->type = IKE_ID_FQDN;
		out->data = g_bytes_new(text, strlen(text));
	}
	return TRUE;
}

void
engine_id_from_payload(const IkePayload *p, EngineId *out)
{
	out->type = p->u.id.id_type;
	out->data = g_bytes_new(p->u.id.data, p->u.id.data_len);
}

static gboolean
printable(const guint8 *d, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] >= 0x7f)
			return FALSE;
	return TRUE;
}

char *
engine_id_to_text(const EngineId *id)
{
	gsize n = 0;
	const guint8 *d = id->data != NULL ? g_bytes_get_data(id->data, &n) : NULL;
	char buf[INET6_ADDRSTRLEN + 1];

	switch (id->type) {
	case 0:
		return g_strdup("%any");
	case IKE_ID_IPV4_ADDR:
		if (n == 4 && inet_ntop(AF_INET, d, buf, sizeof(buf)) != NULL)
			return g_strdup(buf);
		break;
	case IKE_ID_IPV6_ADDR:
		if (n == 16 && inet_ntop(AF_INET6, d, buf, sizeof(buf)) != NULL)
			return g_strdup(buf);
		break;
	case IKE_ID_FQDN:
		if (printable(d, n))
			return g_strdup_printf("@%.*s", (int) n, (const char *) d);
		break;
	case IKE_ID_RFC822_ADDR:
		if (printable(d, n))
			return g_strdup_printf("%.*s", (int) n, (const char *) d);
		break;
	case IKE_ID_DER_ASN1_DN: {
		char *dn = crypto_dn_to_text(d, n);

		if (dn != NULL)
			return dn;
		break;
	}
	default:
		break;
	}
	return g_strdup_printf("%s(%zu bytes)", engine_id_type_name(id), n);
}

gboolean
engine_id_match(const EngineId *want, const EngineId *got)
{
	if (want->type == 0)
		return TRUE;
	if (want->type == IKE_ID_DER_ASN1_DN && got->type == IKE_ID_DER_ASN1_DN &&
	    want->data != NULL && got->data != NULL)
		return crypto_dn_match(g_bytes_get_data(want->data, NULL),
		                       g_bytes_get_size(want->data),
		                       g_bytes_get_data(got->data, NULL), g_bytes_get_size(got->data));
	return want->type == got->type && want->data != NULL && got->data != NULL &&
	       g_bytes_equal(want->data, got->data);
}

void
engine_id_clear(EngineId *id)
{
	g_clear_pointer(&id->data, g_bytes_unref);
	id->type = 0;
}

GBytes *
engine_id_body(const EngineId *id)
{
	gsize n = 0;
	const guint8 *d = g_bytes_get_data(id->data, &n);
	guint8 *b = g_malloc0(4 + n);

	b[0] = id->type;
	if (n > 0)
		memcpy(b + 4, d, n);
	return g_bytes_new_take(b, 4 + n);
}

const char *
engine_id_type_name(const EngineId *id)
{
	const char *n = ike_name(IKE_REG_ID, id->type);

	if (id->type == 0)
		return "ANY";
	if (n == NULL)
		return "UNKNOWN";
	return g_str_has_prefix(n, "ID_") ? n + 3 : n;
}
