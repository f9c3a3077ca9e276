/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl's whack grammar without a bus: every option of ipsec-whack(8)
 * parses to the intended D-Bus calls (method and arguments as a printed
 * GVariant), every connection option survives CLI -> dictionary -> model ->
 * dictionary, bad input gives the right one-line message, and the option
 * list (whack-options.txt, derived from the man page) is covered by the
 * tables and by the cases below.
 */
#include "config.h"

#include "options.h"
#include "request.h"

#include "config/connection.h"
#include "config/connection-keys.h"

#include <string.h>

#define LHOST "192.0.2.1"
#define RHOST "192.0.2.2"

/* Parses "ikebusctl " + @cmdline; the request or NULL + *message. */
static gboolean
parse(const char *cmdline, CtlRequest *req, char **message)
{
	g_autofree char *full = g_strconcat("ikebusctl ", cmdline, NULL);
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) error = NULL;
	int argc;

	g_assert_true(g_shell_parse_argv(full, &argc, &argv, NULL));
	if (!ctl_parse(argc, argv, req, &error)) {
		g_assert_error(error, G_OPTION_ERROR, error->code);
		*message = g_strdup(error->message);
		ctl_request_clear(req);
		return FALSE;
	}
	*message = NULL;
	return TRUE;
}

/* The calls of @cmdline, one per line. */
static char *
calls_of(const char *cmdline)
{
	CtlRequest req;
	g_autofree char *message = NULL;
	g_autoptr(GPtrArray) calls = NULL;
	g_autoptr(GString) out = g_string_new(NULL);

	if (!parse(cmdline, &req, &message))
		g_error("\"%s\" was refused: %s", cmdline, message);
	calls = ctl_request_to_calls(&req);
	for (guint i = 0; i < calls->len; i++) {
		g_autofree char *s = ctl_call_to_string(calls->pdata[i]);

		g_string_append_printf(out, "%s%s", i > 0 ? "\n" : "", s);
	}
	ctl_request_clear(&req);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- the connection form: one row per option ------------------------------------- */

typedef struct {
	const char *left;    /* options before --to (after --host) */
	const char *right;   /* options after --to */
	const char *entries; /* the expected extra dictionary entries, as printed, key order */
	const char *lhost, *rhost; /* NULL: LHOST, RHOST */
} ConnCase;

static const ConnCase conn_cases[] = {
	/* end options, left and right */
	{ "--id @west", "--id @east", "'left-id': <'@west'>, 'right-id': <'@east'>" },
	{ "--id 'C=CH, O=Example, CN=west'", "", "'left-id': <'C=CH, O=Example, CN=west'>" },
	{ "--cert west", "", "'left-cert': <'west'>" },
	{ "", "--ckaid 0a1b2c3d", "'right-ckaid': <'0a1b2c3d'>" },
	{ "--ca 'C=CH, CN=Example CA'", "", "'left-ca': <'C=CH, CN=Example CA'>" },
	{ "--groups admins", "", "'left-groups': <'admins'>" },
	{ "--sendcert yes", "--sendcert ifasked",
	  "'left-send-cert': <'always'>, 'right-send-cert': <'ifasked'>" },
	{ "--sendcert forced", "--sendcert no",
	  "'left-send-cert': <'always'>, 'right-send-cert': <'never'>" },
	{ "--sendcert always", "--sendcert never",
	  "'left-send-cert': <'always'>, 'right-send-cert': <'never'>" },
	{ "--certtype 4", "", "'left-cert-type': <uint32 4>" },
	{ "--ikeport 4500", "--ikeport 500",
	  "'left-ike-port': <uint32 4500>, 'right-ike-port': <uint32 500>" },
	{ "--nexthop 192.0.2.254", "--nexthop %direct",
	  "'left-nexthop': <'192.0.2.254'>, 'right-nexthop': <'%direct'>" },
	{ "--client 10.0.1.0/24 --encrypt", "--client 10.0.2.0/24",
	  "'encrypt': <true>, 'left-subnet': <['10.0.1.0/24']>, 'right-subnet': <['10.0.2.0/24']>" },
	{ "--subnet 10.0.1.0/24,10.0.3.0/24", "--subnet 10.0.2.0/24 --pfs",
	  "'left-subnet': <['10.0.1.0/24', '10.0.3.0/24']>, 'pfs': <true>, "
	  "'right-subnet': <['10.0.2.0/24']>" },
	{ "--clientprotoport 17/1701", "--clientprotoport udp/%any",
	  "'left-protoport': <'17/1701'>, 'right-protoport': <'udp/%any'>" },
	{ "--sourceip 10.0.1.1", "", "'left-source-ip': <'10.0.1.1'>" },
	{ "--interface-ip 10.0.1.1/24", "", "'left-interface-ip': <'10.0.1.1/24'>" },
	{ "--xauthserver --modecfgserver", "--xauthclient --modecfgclient",
	  "'left-modecfg-server': <true>, 'left-xauth-server': <true>, "
	  "'right-modecfg-client': <true>, 'right-xauth-client': <true>" },
	{ "--modecfgdns 10.0.0.53,10.0.0.54", "",
	  "'left-modecfg-dns': <['10.0.0.53', '10.0.0.54']>" },
	{ "--modecfgdomains example.com,corp.example", "",
	  "'left-modecfg-domains': <['example.com', 'corp.example']>" },
	{ "", "--dnskeyondemand", "'right-dnskey-on-demand': <true>" },
	{ "--updown '/usr/libexec/ikebus/updown --route yes'", "",
	  "'left-updown': <'/usr/libexec/ikebus/updown --route yes'>" },
	/* connection options */
	{ "--ipv4", "", "'address-family': <'ipv4'>" },
	{ "--ipv6", "", "'address-family': <'ipv6'>", "2001:db8::1", "2001:db8::2" },
	{ "--tunnelipv4", "", "'tunnel-address-family': <'ipv4'>" },
	{ "--tunnelipv6 --client 2001:db8:1::/48 --encrypt", "",
	  "'encrypt': <true>, 'left-subnet': <['2001:db8:1::/48']>, "
	  "'tunnel-address-family': <'ipv6'>" },
	{ "--sendca issuer", "", "'send-ca': <'issuer'>" },
	{ "--fragmentation force", "", "'fragmentation': <'force'>" },
	{ "--narrowing yes", "", "'narrowing': <true>" },
	{ "", "--narrowing no", "'narrowing': <false>" },
	{ "--encapsulation yes", "", "'encapsulation': <'yes'>" },
	{ "--modecfgbanner 'Authorised use only'", "", "'modecfg-banner': <'Authorised use only'>" },
	{ "--pfs --pfsgroup modp2048", "", "'pfs': <true>, 'pfs-group': <'modp2048'>" },
	{ "", "--ikelifetime 900 --ipseclifetime 800 --keyingtries 3",
	  "'ike-lifetime': <uint32 900>, 'ipsec-lifetime': <uint32 800>, "
	  "'keying-tries': <uint32 3>" },
	{ "--rekeymargin 60 --rekeyfuzz 250", "",
	  "'rekey-fuzz': <uint32 250>, 'rekey-margin': <uint32 60>" },
	{ "--esp aes_gcm256,aes256-sha2_256", "", "'esp': <'aes_gcm256,aes256-sha2_256'>" },
	{ "--metric 10 --nflog-group 5", "", "'metric': <uint32 10>, 'nflog-group': <uint32 5>" },
	{ "--conn-mark 0x10/0xff", "", "'conn-mark': <'0x10/0xff'>" },
	{ "--dpddelay 10 --dpdtimeout 40", "",
	  "'dpd-delay': <uint32 10>, 'dpd-timeout': <uint32 40>" },
	{ "--timeout 60", "", "'dpd-timeout': <uint32 60>" },
	/* policy */
	{ "--psk", "", "'psk': <true>" },
	{ "", "--rsasig", "'rsasig': <true>" },
	{ "--encrypt --tunnel", "", "'encrypt': <true>, 'tunnel': <true>" },
	{ "--authenticate --tunnel", "", "'authenticate': <true>, 'tunnel': <true>" },
	{ "--compress", "", "'compress': <true>" },
	{ "--dontrekey", "", "'rekey': <false>" },
	{ "--aggrmode", "", "'aggressive': <true>" },
	{ "--modecfgpull", "", "'modecfg-pull': <true>" },
	{ "--no-keep-alive", "", "'nat-keepalive': <false>" },
	{ "--initiateontraffic", "", "'initiate-on-traffic': <true>" },
	{ "--pass", "", "'prospective-shunt': <'pass'>" },
	{ "--drop", "", "'prospective-shunt': <'drop'>" },
	{ "--reject", "", "'prospective-shunt': <'reject'>" },
	{ "--failnone", "", "'failure-shunt': <'none'>" },
	{ "--failpass", "", "'failure-shunt': <'pass'>" },
	{ "--faildrop", "", "'failure-shunt': <'drop'>" },
	{ "--failreject", "", "'failure-shunt': <'reject'>" },
	/* whack's special hosts */
	{ "", "", "", "%defaultroute", "%any" },
	{ "", "", "", "vpn.example.com", "%opportunistic" },
};

static int
compare_entry_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The expected dictionary: the case's entries and the two hosts, in key order. */
static char *
expected_dict(const ConnCase *c)
{
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) extra = NULL;
	g_autoptr(GString) out = g_string_new("{");

	g_ptr_array_add(entries, g_strdup_printf("'left-host': <'%s'>", c->lhost ? c->lhost : LHOST));
	g_ptr_array_add(entries, g_strdup_printf("'right-host': <'%s'>", c->rhost ? c->rhost : RHOST));
	/* entries are "'key': <value>" joined by ", " */
	if (c->entries[0] != '\0') {
		extra = g_regex_split_simple("(?<=>), (?=')", c->entries, 0, 0);
		for (gsize i = 0; extra[i] != NULL; i++)
			g_ptr_array_add(entries, g_strdup(extra[i]));
	}
	qsort(entries->pdata, entries->len, sizeof(gpointer), compare_entry_text);
	for (guint i = 0; i < entries->len; i++)
		g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", (char *) entries->pdata[i]);
	g_string_append_c(out, '}');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static char *
conn_cmdline(const ConnCase *c)
{
	return g_strdup_printf("--name c --host %s %s --to --host %s %s", c->lhost ? c->lhost : LHOST,
			       c->left, c->rhost ? c->rhost : RHOST, c->right);
}

static void
test_connection_options(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(conn_cases); i++) {
		g_autofree char *cmdline = conn_cmdline(&conn_cases[i]);
		g_autofree char *dict = expected_dict(&conn_cases[i]);
		g_autofree char *expected = g_strdup_printf(
			"org.ikebus.ike1.Manager.AddConnection /org/ikebus/ike1 ('c', %s, @a{sv} {})",
			dict);
		g_autofree char *got = calls_of(cmdline);

		g_test_message("%s", cmdline);
		g_assert_cmpstr(got, ==, expected);
	}
}

/* CLI -> dictionary -> model -> dictionary: nothing lost, nothing changed. */
static void
test_connection_round_trip(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(conn_cases); i++) {
		g_autofree char *cmdline = conn_cmdline(&conn_cases[i]);
		g_autofree char *message = NULL;
		g_autoptr(GVariant) options = NULL;
		g_autoptr(GVariant) back = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(IkebusConnection) conn = NULL;
		CtlRequest req;

		g_assert_true(parse(cmdline, &req, &message));
		options = g_variant_ref_sink(ctl_request_to_options(&req));
		g_assert_nonnull(options);
		conn = ikebus_connection_new_from_options(req.name, options, &error);
		g_assert_no_error(error);
		back = g_variant_ref_sink(ikebus_connection_to_options(conn));
		if (!g_variant_equal(back, options)) {
			g_autofree char *a = g_variant_print(options, TRUE);
			g_autofree char *b = g_variant_print(back, TRUE);

			g_error("%s: %s came back as %s", cmdline, a, b);
		}
		ctl_request_clear(&req);
	}
}

/* ---- every other form ------------------------------------------------------------ */

#define M "org.ikebus.ike1.Manager."
#define P " /org/ikebus/ike1 "
#define C(method) "org.ikebus.ike1.Connection." method " /org/ikebus/ike1/connection/c "

static const struct {
	const char *cmdline;
	const char *calls;
} form_cases[] = {
	/* the man page's examples */
	{ "--name silly --host 127.0.0.1 --to --host 127.0.0.2 --ikelifetime 900 "
	  "--ipseclifetime 800 --keyingtries 3",
	  M "AddConnection" P "('silly', {'ike-lifetime': <uint32 900>, 'ipsec-lifetime': <uint32 800>, "
	  "'keying-tries': <uint32 3>, 'left-host': <'127.0.0.1'>, 'right-host': <'127.0.0.2'>}, "
	  "@a{sv} {})" },
	{ "--name conn_name --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 "
	  "--client 10.0.2.0/24 --encrypt",
	  M "AddConnection" P "('conn_name', {'encrypt': <true>, 'left-host': <'10.0.0.1'>, "
	  "'left-subnet': <['10.0.1.0/24']>, 'right-host': <'10.0.0.2'>, "
	  "'right-subnet': <['10.0.2.0/24']>}, @a{sv} {})" },
	{ "--listen", M "Listen" P "()" },
	{ "--unlisten", M "Unlisten" P "()" },
	{ "--route --name conn_name",
	  "org.ikebus.ike1.Connection.Route /org/ikebus/ike1/connection/conn_5fname ()" },
	{ "--initiate --name c", C("Initiate") "(@a{sv} {},)" },
	{ "--shutdown", M "Shutdown" P "(@a{sv} {},)" },
	/* connection form with actions: add, then route, then initiate */
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --psk --route --initiate",
	  M "AddConnection" P "('c', {'left-host': <'192.0.2.1'>, 'psk': <true>, "
	  "'right-host': <'192.0.2.2'>}, @a{sv} {})\n" C("Route") "()\n" C("Initiate") "(@a{sv} {},)" },
	/* --delete with a description replaces */
	{ "--delete --name c --host 192.0.2.1 --to --host 192.0.2.2",
	  M "AddConnection" P "('c', {'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>}, "
	  "{'replace': <true>})" },
	{ "--name c --delete", M "DeleteConnection" P "('c',)" },
	/* keys */
	{ "--keyid @east --pubkeyrsa 0sAQOm", M "AddPublicKey" P "('@east', '0sAQOm', @a{sv} {})" },
	{ "--keyid @east --addkey --pubkeyrsa 0sAQOm",
	  M "AddPublicKey" P "('@east', '0sAQOm', {'add': <true>})" },
	{ "--keyid 192.0.2.2", M "AddPublicKey" P "('192.0.2.2', '', @a{sv} {})" },
	/* ddos */
	{ "--ddos-auto", M "SetDdosMode" P "('auto',)" },
	{ "--ddos-busy", M "SetDdosMode" P "('busy',)" },
	{ "--ddos-unlimited", M "SetDdosMode" P "('unlimited',)" },
	{ "--force-busy", M "SetDdosMode" P "('busy',)" },
	/* routes and negotiations */
	{ "--unroute --name c", C("Unroute") "()" },
	{ "--initiate --name c --remote-host 192.0.2.9 --xauthuser bob --xauthpass s3cret "
	  "--asynchronous",
	  C("Initiate") "({'asynchronous': <true>, 'remote-host': <'192.0.2.9'>, "
	  "'xauth-password': <'<secret>'>, 'xauth-user': <'bob'>},)" },
	{ "--down --name c", C("Down") "(@a{sv} {},)" },
	{ "--down --name c --asynchronous", C("Down") "({'asynchronous': <true>},)" },
	{ "--rekey-ike --name c", C("RekeyIke") "(@a{sv} {},)" },
	{ "--rekey-child --name c --asynchronous", C("RekeyChild") "({'asynchronous': <true>},)" },
	{ "--delete-ike --name c", C("DeleteIke") "(@a{sv} {},)" },
	{ "--delete-child --name c", C("DeleteChild") "(@a{sv} {},)" },
	{ "--down-ike --name c", C("DownIke") "(@a{sv} {},)" },
	{ "--down-child --name c", C("DownChild") "(@a{sv} {},)" },
	/* redirect */
	{ "--global-redirect yes --global-redirect-to 192.0.2.10,gw2.example",
	  M "SetGlobalRedirect" P "({'mode': <'yes'>, 'to': <['192.0.2.10', 'gw2.example']>},)" },
	{ "--global-redirect auto", M "SetGlobalRedirect" P "({'mode': <'auto'>},)" },
	{ "--name c --redirect-to 192.0.2.10", C("RedirectTo") "(['192.0.2.10'], @a{sv} {})" },
	{ "--redirect-to 192.0.2.10,192.0.2.11",
	  M "RedirectActivePeers" P "(['192.0.2.10', '192.0.2.11'], @a{sv} {})" },
	/* opportunistic */
	{ "--oppohere 192.0.2.1 --oppothere 192.0.2.2",
	  M "InitiateOpportunistic" P "('192.0.2.1', '192.0.2.2', uint32 0, uint32 0, uint32 0, "
	  "@a{sv} {})" },
	{ "--tunnelipv4 --oppohere 192.0.2.1 --oppothere 192.0.2.2 --oppoproto 6 --opposport 40000 "
	  "--oppodport 80 --asynchronous",
	  M "InitiateOpportunistic" P "('192.0.2.1', '192.0.2.2', uint32 6, uint32 40000, uint32 80, "
	  "{'asynchronous': <true>})" },
	{ "--tunnelipv6 --oppohere 2001:db8::1 --oppothere 2001:db8::2",
	  M "InitiateOpportunistic" P "('2001:db8::1', '2001:db8::2', uint32 0, uint32 0, uint32 0, "
	  "@a{sv} {})" },
	/* states, users, peers */
	{ "--crash 192.0.2.2", M "Crash" P "('192.0.2.2',)" },
	{ "--deletestate 7", M "DeleteState" P "(uint32 7,)" },
	{ "--deleteuser --name bob", M "DeleteUser" P "('bob', @a{sv} {})" },
	{ "--deleteuser --name bob --crash", M "DeleteUser" P "('bob', {'crash': <true>})" },
	{ "--crash --deleteuser --name bob", M "DeleteUser" P "('bob', {'crash': <true>})" },
	{ "--crash=192.0.2.2", M "Crash" P "('192.0.2.2',)" },
	/* debug and impair */
	{ "--debug base --no-debug cpu-usage", M "SetDebug" P "(['base', 'no-cpu-usage'], @a{sv} {})" },
	{ "--name c --debug all", M "SetDebug" P "(['all'], {'connection': <'c'>})" },
	{ "--debug none --debug cpu-usage", M "SetDebug" P "(['none', 'cpu-usage'], @a{sv} {})" },
	{ "--debug help",
	  "org.freedesktop.DBus.Properties.Get" P "('org.ikebus.ike1.Manager', 'AvailableDebugClasses')" },
	{ "--impair none --impair send-no-ke:yes --no-impair drop-i1",
	  M "SetImpair" P "(['none', 'send-no-ke:yes', 'no-drop-i1'], @a{sv} {})" },
	{ "--impair help",
	  "org.freedesktop.DBus.Properties.Get" P "('org.ikebus.ike1.Manager', 'AvailableImpairments')" },
	{ "--impair list",
	  "org.freedesktop.DBus.Properties.Get" P "('org.ikebus.ike1.Manager', 'Impairments')" },
	/* sockets */
	{ "--ike-socket-bufsize 65536 --ike-socket-errqueue-toggle",
	  M "SetIkeSocketOptions" P "({'bufsize': <uint32 65536>, 'errqueue-toggle': <true>},)" },
	/* reread, fetch, purge */
	{ "--rereadsecrets --rereadcrls", M "Reread" P "(['secrets', 'crls'],)" },
	{ "--rereadall", M "Reread" P "(['all'],)" },
	{ "--fetchcrls", M "FetchCrls" P "()" },
	{ "--purgeocsp", M "PurgeOcsp" P "()" },
	{ "--ddns", M "TriggerDdns" P "()" },
	/* lists */
	{ "--utc --listall", M "List" P "(['all'], {'utc': <true>})" },
	{ "--listpubkeys --listcerts --listcacerts --listcrls --json",
	  M "List" P "(['pubkeys', 'certs', 'cacerts', 'crls'], @a{sv} {})" },
	{ "--listevents", M "List" P "(['events'], @a{sv} {})" },
	{ "--checkpubkeys", M "CheckPublicKeys" P "(@a{sv} {},)" },
	/* status */
	{ "--status", M "GetStatus" P "('status', @a{sv} {})" },
	{ "--briefstatus --json", M "GetStatus" P "('briefstatus', @a{sv} {})" },
	{ "--connectionstatus --name c", M "GetStatus" P "('connectionstatus', {'connection': <'c'>})" },
	{ "--showstates", M "GetStatus" P "('showstates', @a{sv} {})" },
	{ "--trafficstatus --utc", M "GetStatus" P "('trafficstatus', {'utc': <true>})" },
	{ "--globalstatus", M "GetStatus" P "('globalstatus', @a{sv} {})" },
	{ "--shuntstatus", M "GetStatus" P "('shuntstatus', @a{sv} {})" },
	{ "--fipsstatus", M "GetStatus" P "('fipsstatus', @a{sv} {})" },
	{ "--processstatus", M "GetStatus" P "('processstatus', @a{sv} {})" },
	{ "--addresspoolstatus", M "GetStatus" P "('addresspoolstatus', @a{sv} {})" },
	{ "--globalstats --json", M "GetGlobalStatistics" P "()" },
	{ "--clearstats", M "ClearStatistics" P "()" },
	/* shutdown */
	{ "--shutdown --leave-state", M "Shutdown" P "({'leave-state': <true>},)" },
	/* whack's socket options select nothing; --label only changes messages */
	{ "--rundir /run/pluto --label east --listen", M "Listen" P "()" },
	{ "--ctlsocket /run/pluto/pluto.ctl --listen", M "Listen" P "()" },
	/* several forms at once run in a fixed order */
	{ "--status --listen --rereadsecrets",
	  M "Listen" P "()\n" M "Reread" P "(['secrets'],)\n" M "GetStatus" P "('status', @a{sv} {})" },
	/* --help and --version make no calls of their own */
	{ "--help", "" },
	{ "--version", "" },
};

static void
test_forms(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(form_cases); i++) {
		g_autofree char *got = calls_of(form_cases[i].cmdline);

		g_test_message("%s", form_cases[i].cmdline);
		g_assert_cmpstr(got, ==, form_cases[i].calls);
	}
}

static void
test_connection_path(void)
{
	g_autofree char *plain = ctl_connection_path("east-west");
	g_autofree char *odd = ctl_connection_path("a b/ü");

	g_assert_cmpstr(plain, ==, "/org/ikebus/ike1/connection/east_2dwest");
	g_assert_true(g_variant_is_object_path(odd));
}

/* ---- bad input: one line, naming the problem ------------------------------------------ */

static const struct {
	const char *cmdline;
	const char *message;
} bad_cases[] = {
	{ "", "no action given; try --help" },
	{ "--name c", "no action given; try --help" },
	{ "--no-such-option", "unknown option \"--no-such-option\"" },
	{ "--listen extra", "unexpected argument \"extra\"" },
	{ "-l", "unexpected argument \"-l\"" },
	{ "--listen=yes", "option \"--listen\" takes no value" },
	{ "--name", "option \"--name\" needs a value" },
	{ "--listen --listen", "option \"--listen\" given twice" },
	{ "--initiate", "--initiate needs --name" },
	{ "--down", "--down needs --name" },
	{ "--route", "--route needs --name" },
	{ "--rekey-child --asynchronous", "--rekey-child needs --name" },
	{ "--deleteuser", "--deleteuser needs --name" },
	{ "--name c --host 'x y' --to --host 192.0.2.2",
	  "--host: \"x y\" is not an IP address, %any, %defaultroute, %opportunistic or a DNS name" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --ikelifetime abc",
	  "--ikelifetime: \"abc\" is not a number" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --ikelifetime 86401",
	  "--ikelifetime: 86401 is above 86400" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --ikeport 0", "--ikeport: 0 is below 1" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --sendcert sometimes",
	  "--sendcert: \"sometimes\" is not \"always\", \"ifasked\" or \"never\"" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --pfsgroup modp768",
	  "--pfsgroup: \"modp768\" is not \"modp1024\", \"modp1536\", \"modp2048\", \"modp3072\", "
	  "\"modp4096\", \"modp6144\", \"modp8192\", \"dh22\", \"dh23\" or \"dh24\"" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --narrowing maybe",
	  "--narrowing: \"maybe\" is not yes or no" },
	{ "--name c --to --to", "option \"--to\" given twice" },
	{ "--name c --host 192.0.2.1 --host 192.0.2.3 --to --host 192.0.2.2",
	  "option \"--host\" given twice for the left end" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --host 192.0.2.3",
	  "option \"--host\" given twice for the right end" },
	{ "--name c --ipv4 --ipv6", "option \"--ipv6\" conflicts with \"--ipv4\" (both set address-family)" },
	{ "--name c --pass --reject",
	  "option \"--reject\" conflicts with \"--pass\" (both set prospective-shunt)" },
	{ "--name c --client 10.0.1.0/24 --subnet 10.0.3.0/24",
	  "option \"--subnet\" conflicts with \"--client\" (both set left-subnet)" },
	{ "--status --host 192.0.2.1",
	  "--host: only in a connection description (--name NAME ... --to ...)" },
	{ "--initiate --name c --psk",
	  "--psk: a connection description needs --to between the left and the right end" },
	{ "--host 192.0.2.1 --to --host 192.0.2.2", "a connection description needs --name" },
	{ "--name c --host 192.0.2.1 --to",
	  "connection \"c\": right-host: is required (whack's --host after --to)" },
	{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --tunnel",
	  "connection \"c\": tunnel: needs encrypt or authenticate" },
	{ "--name c --host 192.0.2.1 --client 10.0.1.0/24 --to --host 192.0.2.2",
	  "connection \"c\": left-subnet: client subnets need encrypt, authenticate, compress or "
	  "pfs (without them only an IKE SA is built)" },
	{ "--name c --ipv6 --host 192.0.2.1 --to --host 192.0.2.2",
	  "connection \"c\": left-host: \"192.0.2.1\" is not an IPv6 address (address-family is "
	  "ipv6)" },
	{ "--name a/b --host 192.0.2.1 --to --host 192.0.2.2", "connection \"a/b\": name: contains \"/\"" },
	{ "--down --name c --remote-host 192.0.2.9", "--remote-host: only with --initiate" },
	{ "--down --name c --xauthuser bob", "--xauthuser: only with --initiate" },
	{ "--down --name c --xauthpass x", "--xauthpass: only with --initiate" },
	{ "--initiate --name c --remote-host 'bad host'",
	  "--remote-host: \"bad host\" is not an IP address or a DNS name" },
	{ "--listen --asynchronous",
	  "--asynchronous: only with --initiate, --down, --rekey-*, --delete-*, --down-* or the "
	  "opportunistic form" },
	{ "--leave-state", "--leave-state: only with --shutdown" },
	{ "--json --listen", "--json: only with a status or list form" },
	{ "--utc --listen", "--utc: only with a status or list form" },
	{ "--addkey", "--addkey: only with --keyid" },
	{ "--pubkeyrsa 0sAQOm", "--pubkeyrsa: only with --keyid" },
	{ "--keyid @east --pubkeyrsa AQOm", "--pubkeyrsa: the key must be 0s followed by base64" },
	{ "--keyid 'x y'",
	  "--keyid: \"x y\" is not an IP address, @FQDN, USER@FQDN, a DN, %fromcert or %any" },
	{ "--oppohere 192.0.2.1",
	  "--oppohere: the opportunistic form needs --oppohere and --oppothere" },
	{ "--oppohere 192.0.2.1 --oppothere 2001:db8::1",
	  "--oppothere: \"2001:db8::1\" is not of the address family of \"192.0.2.1\"" },
	{ "--tunnelipv6 --oppohere 192.0.2.1 --oppothere 192.0.2.2", "--oppohere: \"192.0.2.1\" is not IPv6" },
	{ "--oppohere 192.0.2.1 --oppothere 192.0.2.2 --opposport 80",
	  "--opposport/--oppodport: ports need --oppoproto" },
	{ "--oppohere 192.0.2.1 --oppothere 192.0.2.2 --oppoproto 256",
	  "--oppoproto: \"256\" is not a number from 0 to 255" },
	{ "--oppohere here --oppothere 192.0.2.2", "--oppohere: \"here\" is not an IP address" },
	{ "--crash nowhere", "--crash: \"nowhere\" is not an IP address" },
	{ "--crash", "--crash needs an ADDRESS (or --deleteuser)" },
	{ "--crash --listen", "--crash needs an ADDRESS (or --deleteuser)" },
	{ "--deleteuser --name bob --crash 192.0.2.2", "--deleteuser: --crash takes no ADDRESS here" },
	{ "--deletestate x", "--deletestate: \"x\" is not a number from 0 to 4294967295" },
	{ "--ddos-busy --ddos-unlimited", "option \"--ddos-unlimited\" conflicts with \"--ddos-busy\"" },
	{ "--global-redirect maybe", "--global-redirect: \"maybe\" is not yes, no or auto" },
	{ "--redirect-to 'bad host'", "--redirect-to: \"bad host\" is not an IP address or a DNS name" },
	{ "--no-debug none", "--no-debug: \"none\" cannot be negated" },
	{ "--debug ''", "--debug: is empty" },
	{ "--rundir /a --ctlsocket /b --listen", "use either --rundir or --ctlsocket, not both" },
	{ "--name c --deleteuser --host 192.0.2.1 --to --host 192.0.2.2",
	  "--deleteuser: --name is a user here, not a connection" },
	{ "--nofork",
	  "--nofork is an option of ikebusd itself, set when it starts; it cannot be changed over D-Bus" },
	{ "--stderrlog",
	  "--stderrlog is an option of ikebusd itself, set when it starts; it cannot be changed over "
	  "D-Bus" },
	{ "--uniqueids",
	  "--uniqueids is an option of ikebusd itself, set when it starts; it cannot be changed over "
	  "D-Bus" },
	{ "--interface eth0",
	  "--interface is an option of ikebusd itself, set when it starts; it cannot be changed over "
	  "D-Bus" },
	{ "--secretsfile /etc/ipsec.secrets",
	  "--secretsfile is an option of ikebusd itself, set when it starts; it cannot be changed "
	  "over D-Bus" },
};

static void
test_bad_input(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		CtlRequest req;
		g_autofree char *message = NULL;

		g_test_message("%s", bad_cases[i].cmdline);
		if (parse(bad_cases[i].cmdline, &req, &message))
			g_error("\"%s\" was accepted", bad_cases[i].cmdline);
		g_assert_cmpstr(message, ==, bad_cases[i].message);
		g_assert_null(strchr(message, '\n'));
	}
}

/* ---- coverage -------------------------------------------------------------------------- */

static GPtrArray *
read_option_list(void)
{
	const char *path = g_getenv("WHACK_OPTIONS");
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

	g_assert_nonnull(path);
	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(text, "\n", -1);
	for (gsize i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '\0' && lines[i][0] != '#')
			g_ptr_array_add(list, g_strdup(lines[i]));
	}
	return list;
}

/* The committed list is what the man page has (when the man page is at hand). */
static void
test_list_matches_man_page(void)
{
	const char *path = g_getenv("WHACK_MAN_PAGE");
	g_autoptr(GPtrArray) list = read_option_list();
	g_autoptr(GRegex) re = g_regex_new("--([a-z][a-z0-9-]*)", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	g_autoptr(GHashTable) found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *xml = NULL;

	if (path == NULL || !g_file_get_contents(path, &xml, NULL, NULL)) {
		g_test_skip("the man page (../shared/seed/ipsec-whack.8.xml) is not available");
		return;
	}
	g_regex_match(re, xml, 0, &match);
	while (g_match_info_matches(match)) {
		g_hash_table_add(found, g_match_info_fetch(match, 1));
		g_match_info_next(match, NULL);
	}
	/* the example "--host127.0.0.1" lacks a space; it is --host */
	g_assert_true(g_hash_table_remove(found, "host127"));
	for (guint i = 0; i < list->len; i++) {
		if (!g_hash_table_remove(found, list->pdata[i]))
			g_error("whack-options.txt lists --%s, which the man page lacks",
				(char *) list->pdata[i]);
	}
	if (g_hash_table_size(found) != 0) {
		g_autofree const char **left = (const char **) g_hash_table_get_keys_as_array(found, NULL);

		g_error("the man page has --%s, which whack-options.txt lacks", left[0]);
	}
	g_assert_cmpuint(list->len, ==, 144);
}

/* Does some case's command line use --@name? */
static gboolean
used_in_cases(const char *name)
{
	g_autofree char *word = g_strconcat("--", name, NULL);
	gsize wlen = strlen(word);
	const char *texts[G_N_ELEMENTS(conn_cases) * 2 + G_N_ELEMENTS(form_cases) + G_N_ELEMENTS(bad_cases)];
	gsize n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(conn_cases); i++) {
		texts[n++] = conn_cases[i].left;
		texts[n++] = conn_cases[i].right;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(form_cases); i++)
		texts[n++] = form_cases[i].cmdline;
	for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++)
		texts[n++] = bad_cases[i].cmdline;
	for (gsize i = 0; i < n; i++) {
		for (const char *p = texts[i]; (p = strstr(p, word)) != NULL; p += wlen) {
			if (p[wlen] == '\0' || p[wlen] == ' ' || p[wlen] == '=')
				return TRUE;
		}
	}
	return g_str_equal(name, "name") || g_str_equal(name, "host") || g_str_equal(name, "to");
}

/* Every man-page option has a row in ikebusctl's tables and a case above. */
static void
test_every_option_covered(void)
{
	g_autoptr(GPtrArray) list = read_option_list();
	guint covered = 0;

	for (guint i = 0; i < list->len; i++) {
		const char *name = list->pdata[i];

		if (ctl_option_lookup(name, NULL) == NULL)
			g_error("ikebusctl has no row for --%s", name);
		if (!used_in_cases(name))
			g_error("no test case uses --%s", name);
		covered++;
	}
	g_test_message("%u of %u man-page options covered", covered, list->len);
	g_assert_cmpuint(covered, ==, list->len);
}

/* The rows of the connection families name existing keys of the right type. */
static void
test_tables_match_model(void)
{
	gsize n;
	const CtlFamily *const *families = ctl_families(&n);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	for (gsize f = 0; f < n; f++) {
		for (gsize i = 0; i < families[f]->n_options; i++) {
			const CtlOption *opt = &families[f]->options[i];
			g_autofree char *key = NULL;
			const IkebusKeySpec *spec;

			if (!g_hash_table_add(names, (gpointer) opt->name))
				g_error("--%s is in two rows", opt->name);
			g_assert_nonnull(opt->help);
			g_assert_true((opt->arg == CTL_ARG_NONE) == (opt->arg_name == NULL));
			if (opt->conv == CTL_CONV_NONE)
				continue;
			key = g_strconcat(families[f]->end_scope ? "left-" : "", opt->key, NULL);
			spec = ikebus_connection_key_lookup(key, NULL);
			if (spec == NULL)
				g_error("--%s sets \"%s\", which the model does not know", opt->name, key);
			g_assert_cmpstr(opt->type, ==, ikebus_key_type_string(spec));
			g_assert_true((spec->scope == IKEBUS_KEY_END) == families[f]->end_scope);
		}
	}
}

/* ---- the binary: exit 1, one line, nothing sent ------------------------------------------ */

static void
run_binary(const char *args, int *status, char **out, char **err)
{
	const char *binary = g_getenv("IKEBUSCTL");
	g_autofree char *cmd = g_strdup_printf("%s %s", binary, args);
	g_auto(GStrv) argv = NULL;
	g_auto(GStrv) envp = g_get_environ();
	g_autoptr(GError) error = NULL;

	g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, NULL));
	/* no bus at all: a request that got past the parser would say so */
	envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/ikebus", TRUE);
	envp = g_environ_setenv(envp, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ikebus", TRUE);
	envp = g_environ_setenv(envp, "LC_ALL", "C", TRUE);
	g_spawn_sync(NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err, status, &error);
	g_assert_no_error(error);
}

static void
test_binary_exit_status(void)
{
	static const struct {
		const char *args;
		const char *stderr_text;
	} cases[] = {
		{ "--initiate", "ikebusctl: --initiate needs --name\n" },
		{ "--label east --ikelifetime abc",
		  "ikebusctl: east: --ikelifetime: \"abc\" is not a number\n" },
		{ "--name c --host 192.0.2.1 --to --host 192.0.2.2 --to", "ikebusctl: option \"--to\" given twice\n" },
		{ "--listen", NULL }, /* valid: fails only at the bus */
	};

	if (g_getenv("IKEBUSCTL") == NULL) {
		g_test_skip("IKEBUSCTL is not set (run through meson test)");
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = NULL;
		g_autofree char *err = NULL;
		int status;

		run_binary(cases[i].args, &status, &out, &err);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), ==, 1);
		g_assert_cmpstr(out, ==, "");
		if (cases[i].stderr_text != NULL)
			g_assert_cmpstr(err, ==, cases[i].stderr_text);
		else
			g_assert_true(g_str_has_prefix(err, "ikebusctl: cannot connect to the system bus"));
		/* one line */
		g_assert_cmpstr(strchr(err, '\n'), ==, err + strlen(err) - 1);
	}
}

static void
test_help(void)
{
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	int status;

	if (g_getenv("IKEBUSCTL") == NULL) {
		g_test_skip("IKEBUSCTL is not set (run through meson test)");
		return;
	}
	run_binary("--help", &status, &out, &err);
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_assert_nonnull(strstr(out, "--rundir PATH"));
	g_assert_nonnull(strstr(out, "selects nothing: ikebusd is reached over D-Bus"));
	g_assert_nonnull(strstr(out, "--host ADDRESS"));
	g_assert_nonnull(strstr(out, "[left-/right-host]"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/option-list-matches-man-page", test_list_matches_man_page);
	g_test_add_func("/cli/every-man-page-option-covered", test_every_option_covered);
	g_test_add_func("/cli/tables-match-model", test_tables_match_model);
	g_test_add_func("/cli/connection-options", test_connection_options);
	g_test_add_func("/cli/connection-round-trip", test_connection_round_trip);
	g_test_add_func("/cli/forms", test_forms);
	g_test_add_func("/cli/connection-path", test_connection_path);
	g_test_add_func("/cli/bad-input", test_bad_input);
	g_test_add_func("/cli/binary-exit-status", test_binary_exit_status);
	g_test_add_func("/cli/help", test_help);
	return g_test_run();
}
