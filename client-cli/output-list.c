/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The list forms as pluto prints them (--listpubkeys, --listcerts,
 * --listcacerts, --listcrls, --listevents, --listall) and --checkpubkeys:
 * a "List of ..." heading per kind asked for, then each item from the
 * fields Manager.List documents. Keys are public: a public key is shown by
 * its keyid, never in full.
 */
#include "config.h"

#include "output-private.h"

#include <string.h>

typedef struct {
	const char *kind;
	const char *heading;
	void (*item)(GString *out, GVariant *item, const CtlFormat *f);
} ListKind;

/* "ok", "expired" or "not yet valid" of a validity window */
static const char *
validity(gint64 not_before, gint64 not_after, const CtlFormat *f)
{
	if (not_after > 0 && not_after < f->now)
		return "expired";
	if (not_before > f->now)
		return "not yet valid";
	return "ok";
}

static char *
date_or_never(gint64 t, const CtlFormat *f)
{
	return t > 0 ? ctl_format_date(t, f) : g_strdup("--- -- --:--:-- ----");
}

static const char *
id_kind(const char *id)
{
	if (g_str_has_prefix(id, "@#"))
		return "ID_KEY_ID";
	if (id[0] == '@')
		return "ID_FQDN";
	if (g_hostname_is_ip_address(id))
		return strchr(id, ':') != NULL ? "ID_IPV6_ADDR" : "ID_IPV4_ADDR";
	if (strchr(id, '=') != NULL)
		return "ID_DER_ASN1_DN";
	if (strchr(id, '@') != NULL)
		return "ID_USER_FQDN";
	return "ID_FQDN";
}

/* "Nov 14 22:13:20 2023, 2048 RSA Key AwEAAbd1x" + "       ID_FQDN '@east'" */
static void
pubkey_item(GString *out, GVariant *item, const CtlFormat *f)
{
	g_autofree char *installed = date_or_never(ctl_row_int(item, "installed", 0), f);
	const char *id = ctl_row_str(item, "id", "");
	const char *issuer = ctl_row_str(item, "issuer", "");

	ctl_line(out, "%s, %" G_GUINT64_FORMAT " %s Key %s", installed, ctl_row_uint(item, "bits", 0),
		 ctl_row_str(item, "type", "RSA"), ctl_row_str(item, "keyid", ""));
	ctl_line(out, "       %s '%s'", id_kind(id), id);
	if (issuer[0] != '\0')
		ctl_line(out, "       Issuer '%s'", issuer);
}

static void
cert_item(GString *out, GVariant *item, const CtlFormat *f)
{
	gint64 nb = ctl_row_int(item, "not-before", 0), na = ctl_row_int(item, "not-after", 0);
	g_autofree char *before = date_or_never(nb, f);
	g_autofree char *after = date_or_never(na, f);
	const char *ckaid = ctl_row_str(item, "ckaid", "");

	ctl_line(out, "%s", ctl_row_str(item, "nickname", ""));
	ctl_line(out, "       subject: %s", ctl_row_str(item, "subject", ""));
	ctl_line(out, "       issuer: %s", ctl_row_str(item, "issuer", ""));
	ctl_line(out, "       serial: %s", ctl_row_str(item, "serial", ""));
	ctl_line(out, "       validity: not before %s %s", before, nb > f->now ? "not yet valid" : "ok");
	ctl_line(out, "                 not after  %s %s", after,
		 na > 0 && na < f->now ? "expired" : "ok");
	ctl_line(out, "       key type: %s", ctl_row_str(item, "key-type", ""));
	if (ckaid[0] != '\0')
		ctl_line(out, "       CKAID: %s", ckaid);
}

static void
crl_item(GString *out, GVariant *item, const CtlFormat *f)
{
	gint64 next = ctl_row_int(item, "next-update", 0);
	g_autofree char *this_update = date_or_never(ctl_row_int(item, "this-update", 0), f);
	g_autofree char *next_update = date_or_never(next, f);

	ctl_line(out, "issuer: %s", ctl_row_str(item, "issuer", ""));
	ctl_line(out, "revoked certs: %" G_GUINT64_FORMAT, ctl_row_uint(item, "revoked", 0));
	ctl_line(out, "updates: this %s", this_update);
	ctl_line(out, "         next %s %s", next_update,
		 next > 0 && next < f->now ? "ago" : "ok");
}

/* "event rekey is scheduled for 3581 seconds from now, state #1 "west-east"" */
static void
event_item(GString *out, GVariant *item, const CtlFormat *f)
{
	gint64 due = ctl_row_int(item, "due", 0);
	guint64 serial = ctl_row_uint(item, "serial", 0);
	const char *conn = ctl_row_str(item, "connection", "");
	g_autoptr(GString) line = g_string_new(NULL);

	g_string_append_printf(line, "event %s is scheduled for %" G_GINT64_FORMAT " seconds from now",
			       ctl_row_str(item, "event", ""), due > f->now ? due - f->now : 0);
	if (serial != 0)
		g_string_append_printf(line, ", state #%" G_GUINT64_FORMAT, serial);
	if (conn[0] != '\0')
		g_string_append_printf(line, " \"%s\"", conn);
	ctl_line(out, "%s", line->str);
}

static const ListKind kinds[] = {
	{ "pubkeys", "List of Public Keys:", pubkey_item },
	{ "certs", "List of X.509 End Certificates:", cert_item },
	{ "cacerts", "List of X.509 CA Certificates:", cert_item },
	{ "crls", "List of CRLs:", crl_item },
	{ "events", "List of Events:", event_item },
};

static void
append_kind(GString *out, const ListKind *k, GVariant *items, const CtlFormat *f)
{
	GVariantIter iter;
	GVariant *item;

	ctl_blank(out);
	ctl_line(out, "%s", k->heading);
	ctl_blank(out);
	g_variant_iter_init(&iter, items);
	while ((item = g_variant_iter_next_value(&iter)) != NULL) {
		if (g_str_equal(ctl_row_str(item, "kind", ""), k->kind))
			k->item(out, item, f);
		g_variant_unref(item);
	}
}

void
ctl_format_list(GString *out, const char *const *what, GVariant *items, const CtlFormat *f)
{
	for (gsize i = 0; what != NULL && what[i] != NULL; i++) {
		for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
			if (g_str_equal(what[i], "all") || g_str_equal(what[i], kinds[k].kind))
				append_kind(out, &kinds[k], items, f);
		}
	}
}

/* "west: not after Nov 14 22:13:20 UTC 2024 warning (expires in 12 days)" */
void
ctl_format_checkpubkeys(GString *out, GVariant *items, const CtlFormat *f)
{
	GVariantIter iter;
	GVariant *item;

	g_variant_iter_init(&iter, items);
	while ((item = g_variant_iter_next_value(&iter)) != NULL) {
		gint64 na = ctl_row_int(item, "not-after", 0);
		g_autofree char *after = date_or_never(na, f);
		const char *state = validity(ctl_row_int(item, "not-before", 0), na, f);

		if (ctl_row_bool(item, "expired", FALSE) || g_str_equal(state, "expired"))
			ctl_line(out, "%s: not after %s expired", ctl_row_str(item, "nickname", ""), after);
		else
			ctl_line(out, "%s: not after %s warning (expires in %" G_GINT64_FORMAT " days)",
				 ctl_row_str(item, "nickname", ""), after,
				 na > f->now ? (na - f->now + 86399) / 86400 : 0);
		g_variant_unref(item);
	}
}
