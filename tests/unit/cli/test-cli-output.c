/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl's formatters without a bus: canned answers of Manager.GetStatus,
 * List, CheckPublicKeys and GetGlobalStatistics, shaped as
 * dbus/org.ikebus.ike1.Manager.xml documents them (the SA rows carry the
 * IkeSA/ChildSA properties with dashed lower-case keys, as ikebusd builds
 * them), go in; whack's text comes out and is compared line by line. JSON
 * output is checked for sorted keys and escaping.
 *
 * IKEBUS_TEST_PRINT=1 prints what each case produced (to write a new case).
 */
#include "config.h"

#include "output.h"

#include <string.h>

#define NOW G_GINT64_CONSTANT(1700000419) /* 19 s after the Child SA was installed */

#define CONN_WEST_EAST                                                                             \
	"{'kind': <'connectionstatus'>, 'name': <'west-east'>, 'state': <'up'>, "                  \
	"'routing': <'tunnel'>, 'policy': <['encrypt', 'psk', 'rekey', 'tunnel', 'up']>, "         \
	"'left-host': <'192.0.2.1'>, 'left-id': <'@west'>, 'left-subnet': <['10.1.0.0/16']>, "     \
	"'right-host': <'198.51.100.2'>, 'right-id': <'@east'>, "                                  \
	"'right-subnet': <['10.2.0.0/16']>, 'psk': <true>, 'encrypt': <true>, "                    \
	"'tunnel': <true>, 'ike-lifetime': <uint32 3600>, 'esp': <'aes_gcm256'>}"
#define CONN_ROAD                                                                                  \
	"{'kind': <'connectionstatus'>, 'name': <'road'>, 'state': <'down'>, "                     \
	"'routing': <'unrouted'>, 'policy': <['psk', 'rekey', 'tunnel']>, "                        \
	"'left-host': <'192.0.2.1'>, 'right-host': <'%any'>, 'psk': <true>, "                      \
	"'dpd-delay': <uint32 10>, 'fragmentation': <'force'>}"
#define IKE_1                                                                                      \
	"{'kind': <'ike'>, 'serial': <uint32 1>, "                                                 \
	"'connection': <objectpath '/org/ikebus/ike1/connection/west_2deast'>, "                   \
	"'state': <'established'>, 'role': <'initiator'>, "                                        \
	"'local-spi': <uint64 1311768467294899695>, 'remote-spi': <uint64 81985529216486895>, "    \
	"'local-address': <'192.0.2.1'>, 'local-port': <uint16 500>, "                             \
	"'remote-address': <'198.51.100.2'>, 'remote-port': <uint16 500>, "                        \
	"'local-id': <'@west'>, 'remote-id': <'@east'>, 'username': <''>, "                        \
	"'encryption': <'aes_gcm_16_256'>, 'integrity': <'none'>, 'prf': <'hmac_sha2_256'>, "      \
	"'key-exchange': <'ecp_256'>, 'nat-local': <false>, 'nat-remote': <false>, "               \
	"'fragmentation': <true>, 'created-at': <int64 1700000399>, "                              \
	"'established-at': <int64 1700000400>, 'rekey-at': <int64 1700004000>, "                   \
	"'expire-at': <int64 0>, 'last-liveness-at': <int64 1700000400>, "                         \
	"'child-sas': <[objectpath '/org/ikebus/ike1/child/2']>, 'messages-in': <uint64 2>, "      \
	"'messages-out': <uint64 2>, 'retransmits': <uint64 0>, 'messages-dropped': <uint64 0>}"
#define CHILD_2                                                                                    \
	"{'kind': <'child'>, 'serial': <uint32 2>, "                                               \
	"'connection': <objectpath '/org/ikebus/ike1/connection/west_2deast'>, "                   \
	"'ike-sa': <objectpath '/org/ikebus/ike1/ike/1'>, 'state': <'installed'>, "                \
	"'mode': <'tunnel'>, 'protocol': <'esp'>, 'inbound-spi': <uint32 0xd1f2a3b4>, "            \
	"'outbound-spi': <uint32 0xc3e4b2a1>, 'ipcomp-cpi': <uint16 0>, "                          \
	"'encryption': <'aes_gcm_16_256'>, 'integrity': <'none'>, 'key-exchange': <'none'>, "      \
	"'encapsulation': <false>, 'local-traffic-selectors': <['10.1.0.0/16']>, "                 \
	"'remote-traffic-selectors': <['10.2.0.0/16']>, 'created-at': <int64 1700000399>, "        \
	"'installed-at': <int64 1700000400>, 'rekey-at': <int64 1700003000>, "                     \
	"'expire-at': <int64 1700003600>, 'bytes-in': <uint64 84>, 'bytes-out': <uint64 168>, "    \
	"'packets-in': <uint64 1>, 'packets-out': <uint64 2>, 'last-used-at': <int64 1700000410>}"
/* a negotiation that never got an answer: IKE_SA_INIT sent, its Child SA waiting */
#define IKE_3                                                                                      \
	"{'kind': <'ike'>, 'serial': <uint32 3>, "                                                 \
	"'connection': <objectpath '/org/ikebus/ike1/connection/road'>, "                          \
	"'state': <'init-sent'>, 'role': <'initiator'>, 'local-address': <'192.0.2.1'>, "          \
	"'remote-address': <'203.0.113.9'>, 'remote-port': <uint16 500>, 'remote-id': <''>, "      \
	"'encryption': <''>, 'rekey-at': <int64 0>, 'expire-at': <int64 0>}"
#define CHILD_4                                                                                    \
	"{'kind': <'child'>, 'serial': <uint32 4>, "                                               \
	"'connection': <objectpath '/org/ikebus/ike1/connection/road'>, "                          \
	"'ike-sa': <objectpath '/org/ikebus/ike1/ike/3'>, 'state': <'creating'>, "                 \
	"'mode': <'tunnel'>, 'protocol': <'esp'>, 'inbound-spi': <uint32 0>, "                     \
	"'outbound-spi': <uint32 0>, 'encryption': <''>}"
#define COUNTERS                                                                                   \
	"'connections-added': <uint64 2>, 'connections-deleted': <uint64 0>, "                     \
	"'ike-sa-established': <uint64 1>, 'child-sa-established': <uint64 1>, "                   \
	"'packets-dropped-malformed': <uint64 3>, 'ike-sa-current': <uint64 2>, "                  \
	"'child-sa-current': <uint64 2>"

#define SHOWSTATES "[" IKE_1 ", " CHILD_2 ", " IKE_3 ", " CHILD_4 "]"

typedef struct {
	const char *form;
	const char *rows; /* GVariant text of the aa{sv} answer */
	const char *expected;
} StatusCase;

static const StatusCase status_cases[] = {
	{ "status",
	  "[{'kind': <'globalstatus'>, " COUNTERS "}, " CONN_ROAD ", " CONN_WEST_EAST ", " CHILD_4
	  ", " IKE_1 ", " IKE_3 ", " CHILD_2 "]",
	  "000 Connection list:\n"
	  "000  \n"
	  "000 \"road\": 192.0.2.1...%any; unrouted; eroute owner: #0\n"
	  "000 \"road\":     my_ip=unset; their_ip=unset; my_updown=unset;\n"
	  "000 \"road\":   our auth:secret, their auth:secret;\n"
	  "000 \"road\":   ike_life: 28800s; ipsec_life: 28800s; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;\n"
	  "000 \"road\":   policy: IKEv2+PSK+TUNNEL+IKE_FRAG_FORCE;\n"
	  "000 \"road\":   our idtype: ID_IPV4_ADDR; our id=192.0.2.1; their idtype: ID_NONE; their id=%any\n"
	  "000 \"road\":   dpd: action:hold; delay:10s; timeout:120s\n"
	  "000 \"road\":   nat-traversal: encaps:auto; keepalive:yes\n"
	  "000 \"road\":   newest IKE SA: #0; newest IPsec SA: #0; state: down;\n"
	  "000 \"west-east\": 10.1.0.0/16===192.0.2.1[@west]...198.51.100.2[@east]===10.2.0.0/16; erouted; eroute owner: #2\n"
	  "000 \"west-east\":     my_ip=unset; their_ip=unset; my_updown=unset;\n"
	  "000 \"west-east\":   our auth:secret, their auth:secret;\n"
	  "000 \"west-east\":   ike_life: 3600s; ipsec_life: 28800s; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;\n"
	  "000 \"west-east\":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+UP+IKE_FRAG_ALLOW;\n"
	  "000 \"west-east\":   our idtype: ID_FQDN; our id=@west; their idtype: ID_FQDN; their id=@east\n"
	  "000 \"west-east\":   dpd: action:hold; delay:30s; timeout:120s\n"
	  "000 \"west-east\":   nat-traversal: encaps:auto; keepalive:yes\n"
	  "000 \"west-east\":   newest IKE SA: #1; newest IPsec SA: #2; state: up;\n"
	  "000 \"west-east\":   IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_256-ECP_256\n"
	  "000 \"west-east\":   ESP algorithms: aes_gcm256\n"
	  "000 \"west-east\":   ESP algorithm newest: AES_GCM_16_256-NONE; pfsgroup=<N/A>\n"
	  "000  \n"
	  "000 Total IPsec connections: loaded 2, active 1\n"
	  "000  \n"
	  "000 IKE SAs: total(2), half-open(1), open(0), authenticated(1), anonymous(0)\n"
	  "000 IPsec SAs: total(2), authenticated(2), anonymous(0)\n"
	  "000  \n"
	  "000 #3: \"road\":500 STATE_V2_IKE_SA_INIT_I (sent IKE_SA_INIT request); idle;\n"
	  "000 #4: \"road\":500 STATE_V2_IKE_AUTH_CHILD_I0 (waiting for IKE_AUTH exchange); IKE SA #3; idle;\n"
	  "000 #1: \"west-east\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 3581s; newest; idle;\n"
	  "000 #2: \"west-east\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REKEY in 2581s; EXPIRE in 3181s; newest; eroute owner; IKE SA #1; idle;\n"
	  "000 #2: \"west-east\" esp.c3e4b2a1@198.51.100.2 esp.d1f2a3b4@192.0.2.1 tun.0@198.51.100.2 tun.0@192.0.2.1 Traffic: ESPin=84B ESPout=168B ESPmax=2^63B\n"
	  "000  \n"
	  "000 Bare Shunt list:\n"
	  "000  \n" },
	{ "briefstatus",
	  "[{'kind': <'briefstatus'>, 'connections': <uint32 2>, 'ike-sas': <uint32 2>, "
	  "'child-sas': <uint32 2>}, {'kind': <'briefstatus'>, 'name': <'road'>, "
	  "'state': <'connecting'>, 'routing': <'negotiating'>}, {'kind': <'briefstatus'>, "
	  "'name': <'west-east'>, 'state': <'up'>, 'routing': <'tunnel'>}]",
	  "000 Total IPsec connections: loaded 2, active 2\n"
	  "000 IKE SAs: total(2)\n"
	  "000 IPsec SAs: total(2)\n"
	  "000  \n"
	  "000 \"road\": connecting; erouted HOLD;\n"
	  "000 \"west-east\": up; erouted;\n" },
	{ "connectionstatus", "[" CONN_WEST_EAST "]",
	  "000 Connection list:\n"
	  "000  \n"
	  "000 \"west-east\": 10.1.0.0/16===192.0.2.1[@west]...198.51.100.2[@east]===10.2.0.0/16; erouted; eroute owner: #2\n"
	  "000 \"west-east\":     my_ip=unset; their_ip=unset; my_updown=unset;\n"
	  "000 \"west-east\":   our auth:secret, their auth:secret;\n"
	  "000 \"west-east\":   ike_life: 3600s; ipsec_life: 28800s; rekey_margin: 540s; rekey_fuzz: 100%; keyingtries: 0;\n"
	  "000 \"west-east\":   policy: IKEv2+PSK+ENCRYPT+TUNNEL+UP+IKE_FRAG_ALLOW;\n"
	  "000 \"west-east\":   our idtype: ID_FQDN; our id=@west; their idtype: ID_FQDN; their id=@east\n"
	  "000 \"west-east\":   dpd: action:hold; delay:30s; timeout:120s\n"
	  "000 \"west-east\":   nat-traversal: encaps:auto; keepalive:yes\n"
	  "000 \"west-east\":   newest IKE SA: #1; newest IPsec SA: #2; state: up;\n"
	  "000 \"west-east\":   IKEv2 algorithm newest: AES_GCM_16_256-HMAC_SHA2_256-ECP_256\n"
	  "000 \"west-east\":   ESP algorithms: aes_gcm256\n"
	  "000 \"west-east\":   ESP algorithm newest: AES_GCM_16_256-NONE; pfsgroup=<N/A>\n"
	  "000  \n"
	  "000 Total IPsec connections: loaded 1, active 1\n" },
	{ "showstates", "[" IKE_1 ", " CHILD_2 "]",
	  "000 #1: \"west-east\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 3581s; newest; idle;\n"
	  "000 #2: \"west-east\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); REKEY in 2581s; EXPIRE in 3181s; newest; eroute owner; IKE SA #1; idle;\n"
	  "000 #2: \"west-east\" esp.c3e4b2a1@198.51.100.2 esp.d1f2a3b4@192.0.2.1 tun.0@198.51.100.2 tun.0@192.0.2.1 Traffic: ESPin=84B ESPout=168B ESPmax=2^63B\n" },
	{ "trafficstatus",
	  "[{'kind': <'trafficstatus'>, 'serial': <uint32 2>, 'connection': <'west-east'>, "
	  "'username': <''>, 'added': <int64 1700000000>, 'bytes-in': <uint64 84>, "
	  "'bytes-out': <uint64 84>}, {'kind': <'trafficstatus'>, 'serial': <uint32 9>, "
	  "'connection': <'xauth-road'>, 'username': <'alice'>, 'added': <int64 1700000100>, "
	  "'bytes-in': <uint64 0>, 'bytes-out': <uint64 0>}]",
	  "006 #2: \"west-east\", type=ESP, add_time=1700000000, inBytes=84, outBytes=84, maxBytes=2^63B, id='@east'\n"
	  "006 #9: \"xauth-road\", username=alice, type=ESP, add_time=1700000100, inBytes=0, outBytes=0, maxBytes=2^63B\n" },
	{ "globalstatus", "[{'kind': <'globalstatus'>, " COUNTERS "}]",
	  "000 current.states.all=4\n"
	  "000 current.states.ike=2\n"
	  "000 current.states.ipsec=2\n"
	  "000 ikebus.connections.added=2\n"
	  "000 ikebus.connections.deleted=0\n"
	  "000 ikebus.packets.dropped.malformed=3\n"
	  "000 total.ike.ikev2.established=1\n"
	  "000 total.ipsec.type.all=1\n" },
	{ "shuntstatus",
	  "[{'kind': <'shuntstatus'>, 'source': <'192.0.2.1/32'>, "
	  "'destination': <'203.0.113.9/32'>, 'protocol': <uint32 0>, 'action': <'drop'>, "
	  "'connection': <'road'>}]",
	  "000 Bare Shunt list:\n"
	  "000  \n"
	  "000 192.0.2.1/32 -0-> 203.0.113.9/32 => %drop    \"road\"\n" },
	{ "shuntstatus", "@aa{sv} []", "000 Bare Shunt list:\n000  \n" },
	{ "fipsstatus", "[{'kind': <'fipsstatus'>, 'fips': <false>}]", "000 FIPS mode disabled\n" },
	{ "processstatus",
	  "[{'kind': <'processstatus'>, 'pid': <uint32 4242>, 'uptime': <uint64 90061>, "
	  "'rss': <uint64 8388608>, 'threads': <uint32 5>, 'fds': <uint32 23>}]",
	  "000 ikebusd pid=4242\n"
	  "000 uptime=90061s (1d 01:01:01)\n"
	  "000 rss=8192KB\n"
	  "000 threads=5\n"
	  "000 fds=23\n" },
	{ "addresspoolstatus",
	  "[{'kind': <'addresspoolstatus'>, 'connection': <'rw'>, 'range': <'10.9.0.0/24'>, "
	  "'size': <uint32 256>, 'leased': <uint32 3>, 'free': <uint32 253>}]",
	  "000 \"rw\": address pool 10.9.0.0/24: size 256, leased 3, free 253\n" },
	/* a form this client does not know: its rows as key=value */
	{ "futurestatus", "[{'kind': <'futurestatus'>, 'x': <uint32 1>}]",
	  "000 kind=futurestatus x=1\n" },
};

static void
assert_text(const char *what, const char *got, const char *expected)
{
	if (g_getenv("IKEBUS_TEST_PRINT") != NULL)
		g_print("== %s\n%s", what, got);
	if (g_strcmp0(got, expected) != 0) {
		g_auto(GStrv) a = g_strsplit(got, "\n", -1);
		g_auto(GStrv) b = g_strsplit(expected, "\n", -1);

		for (gsize i = 0; a[i] != NULL || b[i] != NULL; i++) {
			if (a[i] == NULL || b[i] == NULL || !g_str_equal(a[i], b[i]))
				g_error("%s: line %zu differs:\n got: %s\nwant: %s", what, i + 1,
					a[i] != NULL ? a[i] : "(end)", b[i] != NULL ? b[i] : "(end)");
		}
	}
}

static GVariant *
parse(const char *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *v = g_variant_parse(NULL, text, NULL, NULL, &error);

	if (v == NULL)
		g_error("bad canned answer: %s\n%s", error->message, text);
	/* g_variant_parse() returns a full reference already */
	return v;
}

static void
test_status_forms(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) states = parse(SHOWSTATES);

	for (gsize i = 0; i < G_N_ELEMENTS(status_cases); i++) {
		g_autoptr(GVariant) rows = parse(status_cases[i].rows);
		g_autoptr(GString) out = g_string_new(NULL);

		ctl_format_status(out, status_cases[i].form, rows,
				  ctl_status_wants_states(status_cases[i].form, rows) ? states : NULL, &f);
		assert_text(status_cases[i].form, out->str, status_cases[i].expected);
	}
}

/* Without the showstates rows, connectionstatus and trafficstatus still say what they know. */
static void
test_status_without_states(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) traffic = parse(
		"[{'kind': <'trafficstatus'>, 'serial': <uint32 2>, 'connection': <'west-east'>, "
		"'username': <''>, 'added': <int64 1700000000>, 'bytes-in': <uint64 84>, "
		"'bytes-out': <uint64 84>}]");
	g_autoptr(GVariant) conns = parse("[" CONN_WEST_EAST "]");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_status(out, "trafficstatus", traffic, NULL, &f);
	assert_text("trafficstatus without states", out->str,
		    "006 #2: \"west-east\", type=ESP, add_time=1700000000, inBytes=84, outBytes=84, "
		    "maxBytes=2^63B\n");
	g_string_truncate(out, 0);
	ctl_format_status(out, "connectionstatus", conns, NULL, &f);
	g_assert_nonnull(strstr(out->str, "; erouted; eroute owner: #0\n"));
	g_assert_nonnull(strstr(out->str, "newest IKE SA: #0; newest IPsec SA: #0; state: up;\n"));
	g_assert_null(strstr(out->str, "algorithm newest"));
}

/* trafficstatus rows that name the peer's ID need no showstates rows. */
static void
test_status_traffic_remote_id(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) traffic = parse(
		"[{'kind': <'trafficstatus'>, 'serial': <uint32 2>, 'connection': <'west-east'>, "
		"'username': <''>, 'added': <int64 1700000000>, 'bytes-in': <uint64 84>, "
		"'bytes-out': <uint64 84>, 'remote-id': <'@east'>}]");
	g_autoptr(GVariant) old = parse("[{'kind': <'trafficstatus'>, 'serial': <uint32 2>}]");
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert_false(ctl_status_wants_states("trafficstatus", traffic));
	g_assert_true(ctl_status_wants_states("trafficstatus", old));
	g_assert_true(ctl_status_wants_states("connectionstatus", NULL));
	g_assert_false(ctl_status_wants_states("showstates", traffic));
	ctl_format_status(out, "trafficstatus", traffic, NULL, &f);
	assert_text("trafficstatus with remote-id", out->str,
		    "006 #2: \"west-east\", type=ESP, add_time=1700000000, inBytes=84, outBytes=84, "
		    "maxBytes=2^63B, id='@east'\n");
}

/* The responder's view: the right end is ours, so it is printed first. */
static void
test_status_oriented(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) rows = parse(
		"[{'kind': <'connectionstatus'>, 'name': <'c'>, 'state': <'up'>, 'routing': <'tunnel'>, "
		"'policy': <['psk', 'rekey']>, 'left-host': <'192.0.2.1'>, 'right-host': <'192.0.2.2'>, "
		"'right-id': <'east@example.org'>, 'left-nexthop': <'192.0.2.254'>}, "
		"{'kind': <'ike'>, 'serial': <uint32 7>, "
		"'connection': <objectpath '/org/ikebus/ike1/connection/c'>, "
		"'state': <'established'>, 'role': <'responder'>, 'local-address': <'192.0.2.2'>, "
		"'remote-address': <'192.0.2.1'>, 'remote-port': <uint16 4500>, "
		"'remote-id': <'192.0.2.1'>}]");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_status(out, "status", rows, NULL, &f);
	g_assert_nonnull(strstr(out->str, "000 \"c\": 192.0.2.2[east@example.org]...192.0.2.254---192.0.2.1; "
					  "erouted; eroute owner: #0\n"));
	g_assert_nonnull(strstr(out->str, "our idtype: ID_USER_FQDN; our id=east@example.org; "
					  "their idtype: ID_IPV4_ADDR; their id=192.0.2.1\n"));
	g_assert_nonnull(strstr(out->str, "000 #7: \"c\":4500 STATE_V2_ESTABLISHED_IKE_SA "
					  "(established IKE SA); newest; idle;\n"));
}

static void
test_counters(void)
{
	g_autoptr(GVariant) counters = parse("{'ike-sa-failed': <uint64 5>, 'ike-sa-current': <uint64 0>}");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_counters(out, counters);
	assert_text("globalstats", out->str,
		    "000 current.states.all=0\n"
		    "000 current.states.ike=0\n"
		    "000 total.ike.ikev2.failed=5\n");
}

#define PUBKEY                                                                                     \
	"{'kind': <'pubkeys'>, 'id': <'@east'>, 'type': <'RSA'>, 'keyid': <'AwEAAbd1x'>, "         \
	"'bits': <uint32 2048>, 'installed': <int64 1700000000>, 'issuer': <''>}"
#define CERT                                                                                       \
	"{'kind': <'certs'>, 'nickname': <'west'>, 'subject': <'CN=west, O=Example'>, "            \
	"'issuer': <'CN=Example CA'>, 'serial': <'01:02'>, 'not-before': <int64 1690000000>, "     \
	"'not-after': <int64 1701000000>, 'key-type': <'RSA'>, 'ckaid': <'0a1b2c'>}"
#define CACERT                                                                                     \
	"{'kind': <'cacerts'>, 'nickname': <'ca'>, 'subject': <'CN=Example CA'>, "                 \
	"'issuer': <'CN=Example CA'>, 'serial': <'01'>, 'not-before': <int64 1600000000>, "        \
	"'not-after': <int64 1650000000>, 'key-type': <'ECDSA'>, 'ckaid': <''>}"
#define CRL                                                                                        \
	"{'kind': <'crls'>, 'issuer': <'CN=Example CA'>, 'this-update': <int64 1699990000>, "      \
	"'next-update': <int64 1700090000>, 'revoked': <uint32 3>}"
#define EVENT                                                                                      \
	"{'kind': <'events'>, 'event': <'rekey'>, 'due': <int64 1700004000>, "                     \
	"'serial': <uint32 1>, 'connection': <'west-east'>}"

static void
test_lists(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) items = parse("[" PUBKEY ", " CERT ", " CACERT ", " CRL ", " EVENT "]");
	g_autoptr(GVariant) none = parse("@aa{sv} []");
	const char *all[] = { "all", NULL };
	const char *pubkeys[] = { "pubkeys", NULL };
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_list(out, all, items, &f);
	assert_text("listall", out->str,
		    "000  \n"
		    "000 List of Public Keys:\n"
		    "000  \n"
		    "000 Nov 14 22:13:20 UTC 2023, 2048 RSA Key AwEAAbd1x\n"
		    "000        ID_FQDN '@east'\n"
		    "000  \n"
		    "000 List of X.509 End Certificates:\n"
		    "000  \n"
		    "000 west\n"
		    "000        subject: CN=west, O=Example\n"
		    "000        issuer: CN=Example CA\n"
		    "000        serial: 01:02\n"
		    "000        validity: not before Jul 22 04:26:40 UTC 2023 ok\n"
		    "000                  not after  Nov 26 12:00:00 UTC 2023 ok\n"
		    "000        key type: RSA\n"
		    "000        CKAID: 0a1b2c\n"
		    "000  \n"
		    "000 List of X.509 CA Certificates:\n"
		    "000  \n"
		    "000 ca\n"
		    "000        subject: CN=Example CA\n"
		    "000        issuer: CN=Example CA\n"
		    "000        serial: 01\n"
		    "000        validity: not before Sep 13 12:26:40 UTC 2020 ok\n"
		    "000                  not after  Apr 15 05:20:00 UTC 2022 expired\n"
		    "000        key type: ECDSA\n"
		    "000  \n"
		    "000 List of CRLs:\n"
		    "000  \n"
		    "000 issuer: CN=Example CA\n"
		    "000 revoked certs: 3\n"
		    "000 updates: this Nov 14 19:26:40 UTC 2023\n"
		    "000          next Nov 15 23:13:20 UTC 2023 ok\n"
		    "000  \n"
		    "000 List of Events:\n"
		    "000  \n"
		    "000 event rekey is scheduled for 3581 seconds from now, state #1 \"west-east\"\n");
	g_string_truncate(out, 0);
	ctl_format_list(out, pubkeys, none, &f);
	assert_text("listpubkeys, none", out->str, "000  \n000 List of Public Keys:\n000  \n");
}

static void
test_checkpubkeys(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) items = parse(
		"[{'kind': <'certs'>, 'nickname': <'west'>, 'not-before': <int64 1690000000>, "
		"'not-after': <int64 1701000000>, 'expired': <false>}, "
		"{'kind': <'certs'>, 'nickname': <'old'>, 'not-before': <int64 1600000000>, "
		"'not-after': <int64 1650000000>, 'expired': <true>}]");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_checkpubkeys(out, items, &f);
	assert_text("checkpubkeys", out->str,
		    "000 west: not after Nov 26 12:00:00 UTC 2023 warning (expires in 12 days)\n"
		    "000 old: not after Apr 15 05:20:00 UTC 2022 expired\n");
}

/* --json: the answer as it is, objects with sorted keys, strings escaped. */
static void
test_json(void)
{
	g_autoptr(GVariant) rows = parse(
		"[{'zeta': <uint64 1>, 'alpha': <'a \"quoted\"\\nline'>, 'mid': <[int64 -2, 3]>, "
		"'flag': <true>, 'path': <objectpath '/org/ikebus/ike1/ike/1'>}]");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_json_append(out, rows);
	g_assert_cmpstr(out->str, ==,
			"[{\"alpha\":\"a \\\"quoted\\\"\\nline\",\"flag\":true,\"mid\":[-2,3],"
			"\"path\":\"/org/ikebus/ike1/ike/1\",\"zeta\":1}]");
}

/* Nothing of a secret: the formatters show no key that could carry one. */
static void
test_no_secrets(void)
{
	CtlFormat f = { .now = NOW, .utc = TRUE };
	g_autoptr(GVariant) rows = parse(
		"[{'kind': <'connectionstatus'>, 'name': <'c'>, 'state': <'down'>, "
		"'routing': <'unrouted'>, 'policy': <['psk']>, 'left-host': <'192.0.2.1'>, "
		"'right-host': <'192.0.2.2'>, 'psk-secret': <'TOPSECRET'>, "
		"'xauth-password': <'TOPSECRET'>}]");
	g_autoptr(GString) out = g_string_new(NULL);

	ctl_format_status(out, "connectionstatus", rows, NULL, &f);
	g_assert_null(strstr(out->str, "TOPSECRET"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cli/output/status-forms", test_status_forms);
	g_test_add_func("/cli/output/status-without-states", test_status_without_states);
	g_test_add_func("/cli/output/status-traffic-remote-id", test_status_traffic_remote_id);
	g_test_add_func("/cli/output/status-oriented", test_status_oriented);
	g_test_add_func("/cli/output/counters", test_counters);
	g_test_add_func("/cli/output/lists", test_lists);
	g_test_add_func("/cli/output/checkpubkeys", test_checkpubkeys);
	g_test_add_func("/cli/output/json", test_json);
	g_test_add_func("/cli/output/no-secrets", test_no_secrets);
	return g_test_run();
}
