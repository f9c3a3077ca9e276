/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "value-check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
ikebus_ip_family(const char *text)
{
	unsigned char buf[16];

	if (text == NULL)
		return 0;
	if (inet_pton(AF_INET, text, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, buf) == 1)
		return 6;
	return 0;
}

/* Decimal 0..@max with no sign, no spaces and no leading junk. */
static gboolean
parse_decimal(const char *text, guint64 max, guint64 *out)
{
	guint64 v = 0;

	if (text == NULL || *text == '\0')
		return FALSE;
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
		v = v * 10 + (guint64) (*p - '0');
		if (v > max)
			return FALSE;
	}
	*out = v;
	return TRUE;
}

int
ikebus_subnet_family(const char *text)
{
	g_autofree char *addr = NULL;
	const char *slash;
	guint64 prefix;
	int family;

	if (text == NULL)
		return 0;
	slash = strchr(text, '/');
	if (slash == NULL)
		return ikebus_ip_family(text);
	addr = g_strndup(text, (gsize) (slash - text));
	family = ikebus_ip_family(addr);
	if (family == 0 || !parse_decimal(slash + 1, family == 4 ? 32 : 128, &prefix))
		return 0;
	return family;
}

char *
ikebus_check_text(const char *text)
{
	if (text == NULL || *text == '\0')
		return g_strdup("is empty");
	if (!g_utf8_validate(text, -1, NULL))
		return g_strdup("is not valid UTF-8");
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			return g_strdup("contains a control character");
	}
	return NULL;
}

char *
ikebus_check_ip(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (ikebus_ip_family(text) == 0)
		return g_strdup_printf("\"%s\" is not an IP address", text);
	return NULL;
}

/* Only digits and dots (or hex digits and colons): a broken address, not a name. */
static gboolean
looks_numeric(const char *text)
{
	gboolean colon = strchr(text, ':') != NULL;

	for (const char *p = text; *p != '\0'; p++) {
		if (colon ? !(g_ascii_isxdigit(*p) || *p == ':' || *p == '.') :
			    !(g_ascii_isdigit(*p) || *p == '.'))
			return FALSE;
	}
	return TRUE;
}

static gboolean
is_dns_name(const char *text)
{
	gsize len = strlen(text), label = 0;

	if (len == 0 || len > 253 || looks_numeric(text))
		return FALSE;
	if (text[len - 1] == '.') /* an absolute name */
		len--;
	for (gsize i = 0; i < len; i++) {
		char c = text[i];

		if (c == '.') {
			if (label == 0 || text[i - 1] == '-')
				return FALSE;
			label = 0;
			continue;
		}
		if (!(g_ascii_isalnum(c) || c == '-' || c == '_'))
			return FALSE;
		if (c == '-' && label == 0)
			return FALSE;
		if (++label > 63)
			return FALSE;
	}
	return label > 0 && text[len - 1] != '-';
}

char *
ikebus_check_dns_name(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (!is_dns_name(text))
		return g_strdup_printf("\"%s\" is not a DNS name", text);
	return NULL;
}

char *
ikebus_check_host(const char *text)
{
	static const char *const keywords[] = { "%any", "%defaultroute", "%opportunistic" };
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	for (gsize i = 0; i < G_N_ELEMENTS(keywords); i++) {
		if (g_ascii_strcasecmp(text, keywords[i]) == 0)
			return NULL;
	}
	if (ikebus_ip_family(text) != 0 || is_dns_name(text))
		return NULL;
	return g_strdup_printf("\"%s\" is not an IP address, %%any, %%defaultroute, "
			       "%%opportunistic or a DNS name",
			       text);
}

char *
ikebus_check_peer(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (ikebus_ip_family(text) != 0 || is_dns_name(text))
		return NULL;
	return g_strdup_printf("\"%s\" is not an IP address or a DNS name", text);
}

char *
ikebus_check_nexthop(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (g_ascii_strcasecmp(text, "%direct") == 0 ||
	    g_ascii_strcasecmp(text, "%defaultroute") == 0 || ikebus_ip_family(text) != 0)
		return NULL;
	return g_strdup_printf("\"%s\" is not an IP address, %%direct or %%defaultroute", text);
}

char *
ikebus_check_subnet(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (ikebus_subnet_family(text) == 0)
		return g_strdup_printf("\"%s\" is not ADDRESS/PREFIX", text);
	return NULL;
}

char *
ikebus_check_cidr(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (strchr(text, '/') == NULL || ikebus_subnet_family(text) == 0)
		return g_strdup_printf("\"%s\" is not ADDRESS/PREFIX", text);
	return NULL;
}

char *
ikebus_check_id(const char *text)
{
	const char *at;
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (g_str_equal(text, "%any") || g_str_equal(text, "%fromcert") ||
	    ikebus_ip_family(text) != 0)
		return NULL;
	if (text[0] == '@') /* @fqdn, or @#hex / @[raw]: any text after the @ */
		return text[1] != '\0' ? NULL : g_strdup("\"@\" names no identity");
	if (strchr(text, '=') != NULL) /* an X.509 DN */
		return NULL;
	at = strchr(text, '@');
	if (at != NULL && at != text && is_dns_name(at + 1))
		return NULL;
	if (is_dns_name(text))
		return NULL;
	return g_strdup_printf("\"%s\" is not an IP address, @FQDN, USER@FQDN, a DN, "
			       "%%fromcert or %%any",
			       text);
}

char *
ikebus_check_ca(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	if (g_str_equal(text, "%same") || g_str_equal(text, "%any") || strchr(text, '=') != NULL)
		return NULL;
	return g_strdup_printf("\"%s\" is not a distinguished name, %%same or %%any", text);
}

char *
ikebus_check_ckaid(const char *text)
{
	gsize len;
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	len = strlen(text);
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(text[i]))
			return g_strdup_printf("\"%s\" is not hexadecimal", text);
	}
	if (len % 2 != 0)
		return g_strdup_printf("\"%s\" has an odd number of hex digits", text);
	return NULL;
}

static gboolean
protocol_ok(const char *text)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "icmpv6", "ipv6-icmp",
					     "sctp", "gre", "esp", "ah", "udplite" };
	guint64 number;

	if (parse_decimal(text, 255, &number))
		return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_ascii_strcasecmp(text, names[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

char *
ikebus_check_protoport(const char *text)
{
	g_auto(GStrv) parts = NULL;
	guint64 port;
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	parts = g_strsplit(text, "/", -1);
	if (g_strv_length(parts) != 2)
		return g_strdup_printf("\"%s\" is not PROTOCOL/PORT", text);
	if (!protocol_ok(parts[0]))
		return g_strdup_printf("\"%s\": \"%s\" is not a protocol number (0-255) or name",
				       text, parts[0]);
	if (g_ascii_strcasecmp(parts[1], "%any") != 0 && !parse_decimal(parts[1], 65535, &port))
		return g_strdup_printf("\"%s\": \"%s\" is not a port (0-65535) or %%any", text,
				       parts[1]);
	return NULL;
}

char *
ikebus_check_proposals(const char *text)
{
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	for (const char *p = text; *p != '\0'; p++) {
		if (!(g_ascii_isalnum(*p) || strchr("_-+;,.", *p) != NULL))
			return g_strdup_printf("\"%s\": '%c' does not belong in a proposal list",
					       text, *p);
	}
	if (text[0] == ',' || text[strlen(text) - 1] == ',' || strstr(text, ",,") != NULL)
		return g_strdup_printf("\"%s\" has an empty proposal", text);
	return NULL;
}

static gboolean
parse_u32_any_base(const char *text, guint32 *out)
{
	char *end = NULL;
	guint64 v;

	if (text == NULL || !g_ascii_isdigit(text[0]))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoull(text, &end, 0);
	if (errno != 0 || end == text || *end != '\0' || v > G_MAXUINT32)
		return FALSE;
	*out = (guint32) v;
	return TRUE;
}

char *
ikebus_check_mark(const char *text)
{
	g_auto(GStrv) parts = NULL;
	guint32 v;
	char *why = ikebus_check_text(text);

	if (why != NULL)
		return why;
	parts = g_strsplit(text, "/", -1);
	if (g_strv_length(parts) > 2 || !parse_u32_any_base(parts[0], &v) ||
	    (parts[1] != NULL && !parse_u32_any_base(parts[1], &v)))
		return g_strdup_printf("\"%s\" is not MARK/MASK (32-bit numbers)", text);
	return NULL;
}
