/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status forms as pluto prints them: the connection list, the state
 * lines ("#1: "c":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); ..."),
 * trafficstatus' "006" lines, the counters, shunts, FIPS and process status.
 *
 * Everything shown comes from the typed rows of Manager.GetStatus (see its
 * documentation in dbus/org.ikebus.ike1.Manager.xml); a value ikebusd does
 * not report is left out rather than made up. ikebus speaks IKEv2 only, so
 * states carry pluto's STATE_V2_* names.
 */
#include "config.h"

#include "output-private.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the SA rows ("kind" "ike" or "child") ------------------------------------- */

typedef struct {
	GVariant *row;
	gboolean ike;
	guint serial;
	char *conn;	  /* connection name */
	guint ike_serial; /* a Child SA's IKE SA; 0 when unknown */
} Sa;

static void
sa_free(Sa *sa)
{
	g_variant_unref(sa->row);
	g_free(sa->conn);
	g_free(sa);
}

static guint
serial_from_path(const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;

	return slash != NULL ? (guint) g_ascii_strtoull(slash + 1, NULL, 10) : 0;
}

static int
compare_sas(gconstpointer a, gconstpointer b)
{
	const Sa *x = *(Sa *const *) a, *y = *(Sa *const *) b;
	int c = strcmp(x->conn, y->conn);

	if (c != 0)
		return c;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* The SA rows by connection name, then serial, with the lookups the lines
 * need made once (each used to be a walk over every SA: 10,000 SAs took
 * minutes). */
typedef struct {
	GPtrArray *list;	  /* of Sa */
	GHashTable *by_serial[2]; /* [ike]: serial -> Sa */
	GHashTable *newest[2];	  /* [ike]: connection name -> newest live Sa */
	GHashTable *first;	  /* connection name -> index of its first Sa in list */
} SaTable;

static void
sa_table_free(SaTable *t)
{
	for (int k = 0; k < 2; k++) {
		g_hash_table_unref(t->by_serial[k]);
		g_hash_table_unref(t->newest[k]);
	}
	g_hash_table_unref(t->first);
	g_ptr_array_unref(t->list);
	g_free(t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SaTable, sa_table_free)

static gboolean state_is(const Sa *sa, const char *const *states);
static const char *const ike_live[] = { "established", "rekeying", NULL };
static const char *const child_live[] = { "installed", "rekeying", NULL };

static void
sa_table_index(SaTable *t)
{
	for (guint i = 0; i < t->list->len; i++) {
		Sa *sa = t->list->pdata[i];
		const Sa *old;

		g_hash_table_insert(t->by_serial[sa->ike], GUINT_TO_POINTER(sa->serial), sa);
		if (!g_hash_table_contains(t->first, sa->conn))
			g_hash_table_insert(t->first, sa->conn, GUINT_TO_POINTER(i));
		if (!state_is(sa, sa->ike ? ike_live : child_live))
			continue;
		old = g_hash_table_lookup(t->newest[sa->ike], sa->conn);
		if (old == NULL || sa->serial > old->serial)
			g_hash_table_insert(t->newest[sa->ike], sa->conn, sa);
	}
}

/* The SA rows of @rows (may be NULL), by connection name, then serial. */
static SaTable *
sa_table_new(GVariant *rows)
{
	SaTable *t = g_new0(SaTable, 1);
	GPtrArray *sas = g_ptr_array_new_with_free_func((GDestroyNotify) sa_free);
	GVariantIter iter;
	GVariant *row;

	t->list = sas;
	for (int k = 0; k < 2; k++) {
		t->by_serial[k] = g_hash_table_new(NULL, NULL);
		t->newest[k] = g_hash_table_new(g_str_hash, g_str_equal);
	}
	t->first = g_hash_table_new(g_str_hash, g_str_equal);
	if (rows == NULL)
		return t;
	g_variant_iter_init(&iter, rows);
	while ((row = g_variant_iter_next_value(&iter)) != NULL) {
		const char *kind = ctl_row_str(row, "kind", "");

		if (g_str_equal(kind, "ike") || g_str_equal(kind, "child")) {
			Sa *sa = g_new0(Sa, 1);

			sa->row = row;
			sa->ike = g_str_equal(kind, "ike");
			sa->serial = (guint) ctl_row_uint(row, "serial", 0);
			sa->conn = ctl_name_from_path(ctl_row_str(row, "connection", ""));
			sa->ike_serial = sa->ike ? sa->serial
						 : serial_from_path(ctl_row_str(row, "ike-sa", NULL));
			g_ptr_array_add(sas, sa);
		} else {
			g_variant_unref(row);
		}
	}
	g_ptr_array_sort(sas, compare_sas);
	sa_table_index(t);
	return t;
}

static const Sa *
sa_find(SaTable *sas, gboolean ike, guint serial)
{
	return g_hash_table_lookup(sas->by_serial[ike != FALSE], GUINT_TO_POINTER(serial));
}

static gboolean
state_is(const Sa *sa, const char *const *states)
{
	return g_strv_contains(states, ctl_row_str(sa->row, "state", ""));
}


/* The newest established IKE (or installed Child) SA of @conn, or NULL. */
static const Sa *
sa_newest(SaTable *sas, const char *conn, gboolean ike)
{
	return g_hash_table_lookup(sas->newest[ike != FALSE], conn);
}

/* ---- names ------------------------------------------------------------------------ */

typedef struct {
	const char *state;
	const char *name;
	const char *story;
} StateName;

static const StateName ike_states[] = {
	{ "init-sent", "STATE_V2_IKE_SA_INIT_I", "sent IKE_SA_INIT request" },
	{ "init-received", "STATE_V2_IKE_SA_INIT_R", "sent IKE_SA_INIT response" },
	{ "auth-sent", "STATE_V2_IKE_AUTH_I", "sent IKE_AUTH request" },
	{ "established", "STATE_V2_ESTABLISHED_IKE_SA", "established IKE SA" },
	{ "rekeying", "STATE_V2_ESTABLISHED_IKE_SA", "established IKE SA" },
	{ "rekeyed", "STATE_V2_ESTABLISHED_IKE_SA", "established IKE SA" },
	{ "deleting", "STATE_V2_IKE_SA_DELETE", "deleting IKE SA" },
};

static const StateName child_states[] = {
	{ "creating", "STATE_V2_NEW_CHILD_I1", "sent CREATE_CHILD_SA request for new IPsec SA" },
	{ "installed", "STATE_V2_ESTABLISHED_CHILD_SA", "established Child SA" },
	{ "rekeying", "STATE_V2_ESTABLISHED_CHILD_SA", "established Child SA" },
	{ "rekeyed", "STATE_V2_ESTABLISHED_CHILD_SA", "established Child SA" },
	{ "deleting", "STATE_V2_CHILD_SA_DELETE", "deleting Child SA" },
};

/* "STATE_V2_... (story)" of @sa; @parent: its IKE SA, or NULL. */
static void
append_state_name(GString *out, const Sa *sa, const Sa *parent)
{
	const char *state = ctl_row_str(sa->row, "state", "");
	const StateName *table = sa->ike ? ike_states : child_states;
	gsize n = sa->ike ? G_N_ELEMENTS(ike_states) : G_N_ELEMENTS(child_states);

	/* a Child SA born in IKE_AUTH waits for that exchange */
	if (!sa->ike && g_str_equal(state, "creating") && parent != NULL &&
	    !state_is(parent, ike_live) && !g_str_equal(ctl_row_str(parent->row, "state", ""), "rekeyed")) {
		gboolean initiator = g_str_equal(ctl_row_str(parent->row, "role", ""), "initiator");

		g_string_append_printf(out, "STATE_V2_IKE_AUTH_CHILD_%s (waiting for IKE_AUTH exchange)",
				       initiator ? "I0" : "R0");
		return;
	}
	for (gsize i = 0; i < n; i++) {
		if (g_str_equal(table[i].state, state)) {
			g_string_append_printf(out, "%s (%s)", table[i].name, table[i].story);
			return;
		}
	}
	/* a state this client does not know yet: shown, not hidden */
	{
		g_autofree char *upper = g_ascii_strup(state, -1);

		g_strdelimit(upper, "-", '_');
		g_string_append_printf(out, "STATE_V2_%s (%s)", upper, state);
	}
}

/* "aes_gcm_16_256" -> "AES_GCM_16_256"; owned */
static char *
alg_upper(const char *name)
{
	return g_ascii_strup(name, -1);
}

/* "AES_GCM_16_256-HMAC_SHA2_256-ECP_256" for an IKE SA, "AES_GCM_16_256-NONE" for a Child SA;
 * NULL before the algorithms are known. */
static char *
algorithms(const Sa *sa)
{
	const char *encr = ctl_row_str(sa->row, "encryption", "");
	const char *integ = ctl_row_str(sa->row, "integrity", "");
	const char *ke = ctl_row_str(sa->row, "key-exchange", "");
	GString *s;

	if (encr[0] == '\0')
		return NULL;
	s = g_string_new(NULL);
	g_string_append(s, encr);
	if (sa->ike) {
		const char *prf = ctl_row_str(sa->row, "prf", "");

		if (integ[0] != '\0' && !g_str_equal(integ, "none"))
			g_string_append_printf(s, "-%s", integ);
		if (prf[0] != '\0')
			g_string_append_printf(s, "-%s", prf);
		if (ke[0] != '\0')
			g_string_append_printf(s, "-%s", ke);
	} else {
		g_string_append_printf(s, "-%s", integ[0] != '\0' ? integ : "none");
	}
	{
		g_autofree char *raw = g_string_free(s, FALSE);

		return alg_upper(raw);
	}
}

/* ---- state lines ------------------------------------------------------------------ */

static void
append_timer(GString *out, const char *label, gint64 at, const CtlFormat *f)
{
	if (at > 0)
		g_string_append_printf(out, " %s in %" G_GINT64_FORMAT "s;", label,
				       at > f->now ? at - f->now : 0);
}

/* "#1: "c":500 STATE_...; REKEY in 3581s; newest; idle;" */
static void
append_state_line(GString *out, SaTable *sas, const Sa *sa, const CtlFormat *f)
{
	const Sa *parent = sa->ike ? sa : sa_find(sas, TRUE, sa->ike_serial);
	const Sa *newest = sa_newest(sas, sa->conn, sa->ike);
	guint port = parent != NULL ? (guint) ctl_row_uint(parent->row, "remote-port", 500) : 500;
	GString *line = g_string_new(NULL);

	g_string_append_printf(line, "#%u: \"%s\":%u ", sa->serial, sa->conn, port);
	append_state_name(line, sa, parent);
	g_string_append_c(line, ';');
	append_timer(line, "REKEY", ctl_row_int(sa->row, "rekey-at", 0), f);
	append_timer(line, "EXPIRE", ctl_row_int(sa->row, "expire-at", 0), f);
	if (newest == sa)
		g_string_append(line, sa->ike ? " newest;" : " newest; eroute owner;");
	if (!sa->ike && sa->ike_serial != 0)
		g_string_append_printf(line, " IKE SA #%u;", sa->ike_serial);
	g_string_append(line, " idle;");
	ctl_line(out, "%s", line->str);
	g_string_free(line, TRUE);
}

/* "#2: "c" esp.c3e4b2a1@192.0.2.2 esp.d1f2a3b4@192.0.2.1 tun.0@192.0.2.2 tun.0@192.0.2.1
 * Traffic: ESPin=84B ESPout=84B ESPmax=2^63B" for an installed Child SA. */
static void
append_sa_line(GString *out, SaTable *sas, const Sa *sa)
{
	const Sa *parent = sa_find(sas, TRUE, sa->ike_serial);
	const char *here = parent != NULL ? ctl_row_str(parent->row, "local-address", "%any") : "%any";
	const char *there = parent != NULL ? ctl_row_str(parent->row, "remote-address", "%any") : "%any";
	const char *proto = ctl_row_str(sa->row, "protocol", "esp");
	guint32 in_spi = (guint32) ctl_row_uint(sa->row, "inbound-spi", 0);
	guint32 out_spi = (guint32) ctl_row_uint(sa->row, "outbound-spi", 0);
	guint cpi = (guint) ctl_row_uint(sa->row, "ipcomp-cpi", 0);
	g_autofree char *up = g_ascii_strup(proto, -1);
	GString *line;

	if (in_spi == 0 && out_spi == 0)
		return;
	line = g_string_new(NULL);
	g_string_append_printf(line, "#%u: \"%s\" %s.%08x@%s %s.%08x@%s", sa->serial, sa->conn, proto,
			       out_spi, there, proto, in_spi, here);
	if (cpi != 0)
		g_string_append_printf(line, " comp.%04x@%s", cpi, here);
	if (g_str_equal(ctl_row_str(sa->row, "mode", "tunnel"), "tunnel"))
		g_string_append_printf(line, " tun.0@%s tun.0@%s", there, here);
	g_string_append_printf(line,
			       " Traffic: %sin=%" G_GUINT64_FORMAT "B %sout=%" G_GUINT64_FORMAT
			       "B %smax=2^63B",
			       up, ctl_row_uint(sa->row, "bytes-in", 0), up,
			       ctl_row_uint(sa->row, "bytes-out", 0), up);
	if (parent != NULL && ctl_row_str(parent->row, "username", "")[0] != '\0')
		g_string_append_printf(line, " username=%s", ctl_row_str(parent->row, "username", ""));
	ctl_line(out, "%s", line->str);
	g_string_free(line, TRUE);
}

static void
append_states(GString *out, SaTable *sas, const CtlFormat *f)
{
	for (guint i = 0; i < sas->list->len; i++) {
		const Sa *sa = sas->list->pdata[i];

		append_state_line(out, sas, sa, f);
		if (!sa->ike && state_is(sa, (const char *const[]){ "installed", "rekeying", "rekeyed", NULL }))
			append_sa_line(out, sas, sa);
	}
}

static void
append_sa_totals(GString *out, SaTable *table)
{
	static const char *const half_open[] = { "init-sent", "init-received", NULL };
	guint ike = 0, half = 0, open = 0, auth = 0, child = 0;
	GPtrArray *sas = table->list;

	for (guint i = 0; i < sas->len; i++) {
		const Sa *sa = sas->pdata[i];

		if (!sa->ike) {
			child++;
			continue;
		}
		ike++;
		if (state_is(sa, half_open))
			half++;
		else if (g_str_equal(ctl_row_str(sa->row, "state", ""), "auth-sent"))
			open++;
		else
			auth++;
	}
	ctl_line(out, "IKE SAs: total(%u), half-open(%u), open(%u), authenticated(%u), anonymous(0)",
		 ike, half, open, auth);
	ctl_line(out, "IPsec SAs: total(%u), authenticated(%u), anonymous(0)", child, child);
}

/* ---- the connection list ------------------------------------------------------------ */

static const char *
routing_name(const char *routing)
{
	static const char *const names[][2] = {
		{ "unrouted", "unrouted" },	    { "on-demand", "prospective erouted" },
		{ "negotiating", "erouted HOLD" }, { "tunnel", "erouted" },
		{ "failure-shunt", "fail erouted" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_str_equal(names[i][0], routing))
			return names[i][1];
	}
	return routing;
}

static const char *
id_type(const char *id)
{
	if (id[0] == '\0' || g_str_equal(id, "%any"))
		return "ID_NONE";
	if (g_str_equal(id, "%fromcert"))
		return "ID_FROMCERT";
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

typedef struct {
	GVariant *row;
	const char *side; /* "left" or "right" */
} End;

static const char *
end_str(const End *e, const char *key, const char *def)
{
	g_autofree char *full = g_strdup_printf("%s-%s", e->side, key);

	return ctl_row_str(e->row, full, def);
}

static char *
end_subnets(const End *e)
{
	g_autofree char *full = g_strdup_printf("%s-subnet", e->side);
	g_autofree const char **nets = ctl_row_strv(e->row, full);

	return nets != NULL && nets[0] != NULL ? g_strjoinv(",", (char **) nets) : NULL;
}

static const char *
end_id(const End *e)
{
	const char *id = end_str(e, "id", "");

	return id[0] != '\0' ? id : end_str(e, "host", "%any");
}

/* "10.1.0.0/16===192.0.2.1[@west]---192.0.2.254" (this end) or the mirror image (that end). */
static void
append_end(GString *s, const End *e, gboolean this_end)
{
	const char *host = end_str(e, "host", "%any");
	const char *id = end_str(e, "id", "");
	const char *protoport = end_str(e, "protoport", "");
	const char *nexthop = end_str(e, "nexthop", "");
	g_autofree char *subnets = end_subnets(e);
	gboolean hop = nexthop[0] != '\0' && !g_str_equal(nexthop, "%direct");

	if (this_end && subnets != NULL)
		g_string_append_printf(s, "%s===", subnets);
	if (!this_end && hop)
		g_string_append_printf(s, "%s---", nexthop);
	g_string_append(s, host);
	if (id[0] != '\0' && !g_str_equal(id, host))
		g_string_append_printf(s, "[%s]", id);
	if (protoport[0] != '\0')
		g_string_append_printf(s, ":%s", protoport);
	if (this_end && hop)
		g_string_append_printf(s, "---%s", nexthop);
	if (!this_end && subnets != NULL)
		g_string_append_printf(s, "===%s", subnets);
}

/* pluto's policy names for the Policy flags, in pluto's order */
static void
append_policy(GString *s, GVariant *row)
{
	static const char *const names[][2] = {
		{ "psk", "PSK" },
		{ "rsasig", "RSASIG" },
		{ "encrypt", "ENCRYPT" },
		{ "authenticate", "AUTHENTICATE" },
		{ "compress", "COMPRESS" },
		{ "tunnel", "TUNNEL" },
		{ "pfs", "PFS" },
		{ "initiate-on-traffic", "ROUTE" },
		{ "opportunistic", "OPPORTUNISTIC" },
		{ "up", "UP" },
		{ "narrowing", "IKEV2_ALLOW_NARROWING" },
		{ "modecfg-pull", "MODECFG_PULL" },
		{ "persistent", "PERSISTENT" },
	};
	g_autofree const char **flags = ctl_row_strv(row, "policy");
	const char *frag = ctl_row_str(row, "fragmentation", "yes");

	g_string_append(s, "IKEv2");
	if (flags == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_strv_contains(flags, names[i][0]))
			g_string_append_printf(s, "+%s", names[i][1]);
	}
	if (!g_strv_contains(flags, "rekey"))
		g_string_append(s, "+DONT_REKEY");
	if (g_str_equal(frag, "force"))
		g_string_append(s, "+IKE_FRAG_FORCE");
	else if (!g_str_equal(frag, "no"))
		g_string_append(s, "+IKE_FRAG_ALLOW");
}

static const char *
auth_name(GVariant *row)
{
	g_autofree const char **flags = ctl_row_strv(row, "policy");

	if (flags != NULL && g_strv_contains(flags, "psk"))
		return "secret";
	if (ctl_row_bool(row, "psk", FALSE))
		return "secret";
	if ((flags != NULL && g_strv_contains(flags, "rsasig")) || ctl_row_bool(row, "rsasig", FALSE))
		return "rsasig";
	return "none";
}

/* Which end is ours: the right one when an SA of the connection uses its host as the local
 * address; otherwise the left one, as whack described it. */
static gboolean
right_is_local(GVariant *row, const char *name, SaTable *table)
{
	const char *rhost = ctl_row_str(row, "right-host", "");
	const char *lhost = ctl_row_str(row, "left-host", "");
	GPtrArray *sas = table->list;
	gpointer first;

	if (!g_hash_table_lookup_extended(table->first, name, NULL, &first))
		return FALSE;
	/* the list is by connection: this one's SAs are together */
	for (guint i = GPOINTER_TO_UINT(first); i < sas->len; i++) {
		const Sa *sa = sas->pdata[i];
		const char *local;

		if (!g_str_equal(sa->conn, name))
			break;
		if (!sa->ike)
			continue;
		local = ctl_row_str(sa->row, "local-address", "");
		if (g_str_equal(local, rhost) && !g_str_equal(local, lhost))
			return TRUE;
		if (g_str_equal(local, lhost))
			return FALSE;
	}
	return FALSE;
}

static void
append_connection(GString *out, GVariant *row, SaTable *sas)
{
	const char *name = ctl_row_str(row, "name", "");
	gboolean swap = right_is_local(row, name, sas);
	End us = { row, swap ? "right" : "left" }, them = { row, swap ? "left" : "right" };
	const Sa *ike = sa_newest(sas, name, TRUE);
	const Sa *child = sa_newest(sas, name, FALSE);
	const char *routing = ctl_row_str(row, "routing", "unrouted");
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree char *q = g_strdup_printf("\"%s\":", name);
	g_autofree char *ike_alg = ike != NULL ? algorithms(ike) : NULL;
	g_autofree char *esp_alg = child != NULL ? algorithms(child) : NULL;
	const char *v;

	append_end(s, &us, TRUE);
	g_string_append(s, "...");
	append_end(s, &them, FALSE);
	ctl_line(out, "%s %s; %s; eroute owner: #%u", q, s->str, routing_name(routing),
		 g_str_equal(routing, "tunnel") && child != NULL ? child->serial : 0);
	ctl_line(out, "%s     my_ip=%s; their_ip=%s; my_updown=%s;", q, end_str(&us, "source-ip", "unset"),
		 end_str(&them, "source-ip", "unset"), end_str(&us, "updown", "unset"));
	ctl_line(out, "%s   our auth:%s, their auth:%s;", q, auth_name(row), auth_name(row));
	ctl_line(out,
		 "%s   ike_life: %" G_GUINT64_FORMAT "s; ipsec_life: %" G_GUINT64_FORMAT
		 "s; rekey_margin: %" G_GUINT64_FORMAT "s; rekey_fuzz: %" G_GUINT64_FORMAT
		 "%%; keyingtries: %" G_GUINT64_FORMAT ";",
		 q, ctl_row_uint(row, "ike-lifetime", 28800), ctl_row_uint(row, "ipsec-lifetime", 28800),
		 ctl_row_uint(row, "rekey-margin", 540), ctl_row_uint(row, "rekey-fuzz", 100),
		 ctl_row_uint(row, "keying-tries", 0));
	g_string_truncate(s, 0);
	append_policy(s, row);
	ctl_line(out, "%s   policy: %s;", q, s->str);
	ctl_line(out, "%s   our idtype: %s; our id=%s; their idtype: %s; their id=%s", q,
		 id_type(end_id(&us)), end_id(&us), id_type(end_id(&them)), end_id(&them));
	ctl_line(out, "%s   dpd: action:%s; delay:%" G_GUINT64_FORMAT "s; timeout:%" G_GUINT64_FORMAT "s",
		 q, ctl_row_str(row, "dpd-action", "hold"), ctl_row_uint(row, "dpd-delay", 30),
		 ctl_row_uint(row, "dpd-timeout", 120));
	ctl_line(out, "%s   nat-traversal: encaps:%s; keepalive:%s", q,
		 ctl_row_str(row, "encapsulation", "auto"),
		 ctl_row_bool(row, "nat-keepalive", TRUE) ? "yes" : "no");
	ctl_line(out, "%s   newest IKE SA: #%u; newest IPsec SA: #%u; state: %s;", q,
		 ike != NULL ? ike->serial : 0, child != NULL ? child->serial : 0,
		 ctl_row_str(row, "state", "down"));
	if ((v = ctl_row_str(row, "ike", NULL)) != NULL)
		ctl_line(out, "%s   IKE algorithms: %s", q, v);
	if (ike_alg != NULL)
		ctl_line(out, "%s   IKEv2 algorithm newest: %s", q, ike_alg);
	if ((v = ctl_row_str(row, "esp", NULL)) != NULL)
		ctl_line(out, "%s   ESP algorithms: %s", q, v);
	if (esp_alg != NULL) {
		const char *ke = ctl_row_str(child->row, "key-exchange", "none");
		g_autofree char *pfs = ke[0] != '\0' && !g_str_equal(ke, "none") ? alg_upper(ke)
										 : g_strdup("<N/A>");

		ctl_line(out, "%s   ESP algorithm newest: %s; pfsgroup=%s", q, esp_alg, pfs);
	}
}

/* The connection rows of @rows with @kind, in the daemon's (name) order. */
static GPtrArray *
rows_of_kind(GVariant *rows, const char *kind)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
	GVariantIter iter;
	GVariant *row;

	g_variant_iter_init(&iter, rows);
	while ((row = g_variant_iter_next_value(&iter)) != NULL) {
		if (g_str_equal(ctl_row_str(row, "kind", ""), kind))
			g_ptr_array_add(list, row);
		else
			g_variant_unref(row);
	}
	return list;
}

static guint
count_active(GPtrArray *conns)
{
	guint n = 0;

	for (guint i = 0; i < conns->len; i++) {
		if (!g_str_equal(ctl_row_str(conns->pdata[i], "state", "down"), "down"))
			n++;
	}
	return n;
}

static void
append_connection_list(GString *out, GVariant *rows, SaTable *sas)
{
	g_autoptr(GPtrArray) conns = rows_of_kind(rows, "connectionstatus");

	ctl_line(out, "Connection list:");
	ctl_blank(out);
	for (guint i = 0; i < conns->len; i++)
		append_connection(out, conns->pdata[i], sas);
	ctl_blank(out);
	ctl_line(out, "Total IPsec connections: loaded %u, active %u", conns->len, count_active(conns));
}

/* ---- the other forms ---------------------------------------------------------------- */

static void
append_brief(GString *out, GVariant *rows)
{
	g_autoptr(GPtrArray) list = rows_of_kind(rows, "briefstatus");
	g_autoptr(GPtrArray) conns = g_ptr_array_new();
	GVariant *counts = NULL;

	for (guint i = 0; i < list->len; i++) {
		if (ctl_row_has(list->pdata[i], "name"))
			g_ptr_array_add(conns, list->pdata[i]);
		else
			counts = list->pdata[i];
	}
	ctl_line(out, "Total IPsec connections: loaded %" G_GUINT64_FORMAT ", active %u",
		 counts != NULL ? ctl_row_uint(counts, "connections", conns->len) : conns->len,
		 count_active(conns));
	if (counts != NULL) {
		ctl_line(out, "IKE SAs: total(%" G_GUINT64_FORMAT ")", ctl_row_uint(counts, "ike-sas", 0));
		ctl_line(out, "IPsec SAs: total(%" G_GUINT64_FORMAT ")",
			 ctl_row_uint(counts, "child-sas", 0));
	}
	if (conns->len > 0)
		ctl_blank(out);
	for (guint i = 0; i < conns->len; i++) {
		GVariant *row = conns->pdata[i];

		ctl_line(out, "\"%s\": %s; %s;", ctl_row_str(row, "name", ""),
			 ctl_row_str(row, "state", "down"),
			 routing_name(ctl_row_str(row, "routing", "unrouted")));
	}
}

/* "006 #2: "c", type=ESP, add_time=1700000000, inBytes=84, outBytes=84, maxBytes=2^63B, id='@east'" */
static void
append_traffic(GString *out, GVariant *rows, SaTable *sas)
{
	g_autoptr(GPtrArray) list = rows_of_kind(rows, "trafficstatus");

	for (guint i = 0; i < list->len; i++) {
		GVariant *row = list->pdata[i];
		guint serial = (guint) ctl_row_uint(row, "serial", 0);
		const Sa *child = sa_find(sas, FALSE, serial);
		const Sa *ike = child != NULL ? sa_find(sas, TRUE, child->ike_serial) : NULL;
		const char *user = ctl_row_str(row, "username", "");
		/* ikebusd names the peer's ID in the row; an older one only in showstates */
		const char *id = ike != NULL ? ctl_row_str(ike->row, "remote-id", "")
					     : ctl_row_str(row, "remote-id", "");
		g_autofree char *type = g_ascii_strup(
			child != NULL ? ctl_row_str(child->row, "protocol", "esp") : "esp", -1);
		GString *line = g_string_new(CTL_RC_TRAFFIC);

		g_string_append_printf(line, "#%u: \"%s\"", serial, ctl_row_str(row, "connection", ""));
		if (user[0] != '\0')
			g_string_append_printf(line, ", username=%s", user);
		g_string_append_printf(line,
				       ", type=%s, add_time=%" G_GINT64_FORMAT ", inBytes=%" G_GUINT64_FORMAT
				       ", outBytes=%" G_GUINT64_FORMAT ", maxBytes=2^63B",
				       type, ctl_row_int(row, "added", 0), ctl_row_uint(row, "bytes-in", 0),
				       ctl_row_uint(row, "bytes-out", 0));
		if (id[0] != '\0')
			g_string_append_printf(line, ", id='%s'", id);
		g_string_append_c(line, '\n');
		g_string_append(out, line->str);
		g_string_free(line, TRUE);
	}
}

static void
append_shunts(GString *out, GVariant *rows)
{
	g_autoptr(GPtrArray) list = rows_of_kind(rows, "shuntstatus");

	ctl_line(out, "Bare Shunt list:");
	ctl_blank(out);
	for (guint i = 0; i < list->len; i++) {
		GVariant *row = list->pdata[i];
		const char *conn = ctl_row_str(row, "connection", "");

		ctl_line(out, "%s -%" G_GUINT64_FORMAT "-> %s => %%%s%s%s%s",
			 ctl_row_str(row, "source", "%any"), ctl_row_uint(row, "protocol", 0),
			 ctl_row_str(row, "destination", "%any"), ctl_row_str(row, "action", "drop"),
			 conn[0] != '\0' ? "    \"" : "", conn, conn[0] != '\0' ? "\"" : "");
	}
}

static void
append_process(GString *out, GVariant *row)
{
	guint64 up = ctl_row_uint(row, "uptime", 0);

	ctl_line(out, "ikebusd pid=%" G_GUINT64_FORMAT, ctl_row_uint(row, "pid", 0));
	ctl_line(out, "uptime=%" G_GUINT64_FORMAT "s (%" G_GUINT64_FORMAT "d %02" G_GUINT64_FORMAT
		      ":%02" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT ")",
		 up, up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
	ctl_line(out, "rss=%" G_GUINT64_FORMAT "KB", ctl_row_uint(row, "rss", 0) / 1024);
	ctl_line(out, "threads=%" G_GUINT64_FORMAT, ctl_row_uint(row, "threads", 0));
	ctl_line(out, "fds=%" G_GUINT64_FORMAT, ctl_row_uint(row, "fds", 0));
}

static void
append_rows(GString *out, GVariant *rows, const char *kind,
	    void (*each)(GString *out, GVariant *row))
{
	g_autoptr(GPtrArray) list = rows_of_kind(rows, kind);

	for (guint i = 0; i < list->len; i++)
		each(out, list->pdata[i]);
}

static void
append_fips(GString *out, GVariant *row)
{
	ctl_line(out, "FIPS mode %s", ctl_row_bool(row, "fips", FALSE) ? "enabled" : "disabled");
}

static void
append_pool(GString *out, GVariant *row)
{
	ctl_line(out,
		 "\"%s\": address pool %s: size %" G_GUINT64_FORMAT ", leased %" G_GUINT64_FORMAT
		 ", free %" G_GUINT64_FORMAT,
		 ctl_row_str(row, "connection", ""), ctl_row_str(row, "range", ""),
		 ctl_row_uint(row, "size", 0), ctl_row_uint(row, "leased", 0),
		 ctl_row_uint(row, "free", 0));
}

static void
append_counters_row(GString *out, GVariant *row)
{
	ctl_format_counters(out, row);
}

static void
append_generic(GString *out, GVariant *rows)
{
	GVariantIter iter;
	GVariant *row;

	g_variant_iter_init(&iter, rows);
	while ((row = g_variant_iter_next_value(&iter)) != NULL) {
		g_string_append(out, CTL_RC_COMMENT);
		ctl_text_append_row(out, row);
		g_string_append_c(out, '\n');
		g_variant_unref(row);
	}
}

gboolean
ctl_status_wants_states(const char *form, GVariant *rows)
{
	g_autoptr(GVariant) first = NULL;

	if (g_str_equal(form, "connectionstatus"))
		return TRUE;
	if (!g_str_equal(form, "trafficstatus"))
		return FALSE;
	/* rows that name the peer's ID need nothing else (the protocol is ESP) */
	first = rows != NULL && g_variant_n_children(rows) > 0 ? g_variant_get_child_value(rows, 0)
							       : NULL;
	return first != NULL && !ctl_row_has(first, "remote-id");
}

void
ctl_format_status(GString *out, const char *form, GVariant *rows, GVariant *states,
		  const CtlFormat *f)
{
	g_autoptr(SaTable) sas = sa_table_new(g_str_equal(form, "status") ? rows : states);

	if (g_str_equal(form, "status")) {
		append_connection_list(out, rows, sas);
		ctl_blank(out);
		append_sa_totals(out, sas);
		ctl_blank(out);
		append_states(out, sas, f);
		ctl_blank(out);
		append_shunts(out, rows);
	} else if (g_str_equal(form, "connectionstatus")) {
		append_connection_list(out, rows, sas);
	} else if (g_str_equal(form, "showstates")) {
		g_autoptr(SaTable) own = sa_table_new(rows);

		append_states(out, own, f);
	} else if (g_str_equal(form, "briefstatus")) {
		append_brief(out, rows);
	} else if (g_str_equal(form, "trafficstatus")) {
		append_traffic(out, rows, sas);
	} else if (g_str_equal(form, "globalstatus")) {
		append_rows(out, rows, "globalstatus", append_counters_row);
	} else if (g_str_equal(form, "shuntstatus")) {
		append_shunts(out, rows);
	} else if (g_str_equal(form, "fipsstatus")) {
		append_rows(out, rows, "fipsstatus", append_fips);
	} else if (g_str_equal(form, "processstatus")) {
		append_rows(out, rows, "processstatus", append_process);
	} else if (g_str_equal(form, "addresspoolstatus")) {
		append_rows(out, rows, "addresspoolstatus", append_pool);
	} else {
		append_generic(out, rows);
	}
}

/* ---- counters (globalstatus, --globalstats) ------------------------------------------ */

/* ikebusd's counter names -> pluto's; the others print as "ikebus.NAME.WITH.DOTS" */
static const char *const counter_names[][2] = {
	{ "ike-sa-current", "current.states.ike" },
	{ "child-sa-current", "current.states.ipsec" },
	{ "ike-sa-established", "total.ike.ikev2.established" },
	{ "ike-sa-failed", "total.ike.ikev2.failed" },
	{ "child-sa-established", "total.ipsec.type.all" },
	{ "ike-messages-in", "total.ike.recv" },
	{ "ike-messages-out", "total.ike.sent" },
};

static int
compare_names(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *) a, *y = *(const char *const *) b;
	const char *vx = strchr(x, '='), *vy = strchr(y, '=');
	int c = strncmp(x, y, (size_t) MIN(vx - x, vy - y));

	return c != 0 ? c : (int) (vx - x) - (int) (vy - y);
}

void
ctl_format_counters(GString *out, GVariant *counters)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	GVariantIter iter;
	const char *key;
	GVariant *value;
	guint64 all = 0;
	gboolean have_all = FALSE;

	g_variant_iter_init(&iter, counters);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autofree char *name = NULL;
		g_autofree char *printed = NULL;

		if (g_str_equal(key, "kind")) {
			g_variant_unref(value);
			continue;
		}
		for (gsize i = 0; i < G_N_ELEMENTS(counter_names) && name == NULL; i++) {
			if (g_str_equal(counter_names[i][0], key))
				name = g_strdup(counter_names[i][1]);
		}
		if (name == NULL)
			name = g_strdelimit(g_strconcat("ikebus.", key, NULL), "-", '.');
		if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64)) {
			printed = g_strdup_printf("%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
			if (g_str_has_suffix(key, "-current")) {
				all += g_variant_get_uint64(value);
				have_all = TRUE;
			}
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			printed = g_strdup(g_variant_get_string(value, NULL));
		} else {
			printed = g_variant_print(value, FALSE);
		}
		g_ptr_array_add(lines, g_strdup_printf("%s=%s", name, printed));
		g_variant_unref(value);
	}
	if (have_all)
		g_ptr_array_add(lines, g_strdup_printf("current.states.all=%" G_GUINT64_FORMAT, all));
	g_ptr_array_sort(lines, compare_names);
	for (guint i = 0; i < lines->len; i++)
		ctl_line(out, "%s", (const char *) lines->pdata[i]);
}
