/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connection form: --name and --to, the connection-wide options, the
 * options of one end, and the policy flags. Apart from --name and --to every
 * row is pure data: the dictionary key it sets, the key's D-Bus type and how
 * the value is made; service/config parses and checks the value.
 */
#include "config.h"

#include "options.h"

#include <glib/gi18n.h>

/* A row whose value is the option's argument. */
#define VAL(opt, arg, help, key, type) { opt, CTL_ARG_REQUIRED, arg, help, 0, key, type, CTL_CONV_VALUE, NULL }
/* A flag that sets a b key to true / false. */
#define ON(opt, help, key) { opt, CTL_ARG_NONE, NULL, help, 0, key, "b", CTL_CONV_TRUE, NULL }
#define OFF(opt, help, key) { opt, CTL_ARG_NONE, NULL, help, 0, key, "b", CTL_CONV_FALSE, NULL }
/* A flag that sets an s key to a constant (one of a group of exclusive flags). */
#define SETS(opt, help, key, constant) { opt, CTL_ARG_NONE, NULL, help, 0, key, "s", CTL_CONV_CONST, constant }

/* ---- connection ---------------------------------------------------------- */

typedef enum {
	CONN_NAME,
	CONN_TO,
} ConnOpt;

static const CtlOption connection_options[] = {
	{ "name", CTL_ARG_REQUIRED, N_("NAME"),
	  N_("The connection (or, with --deleteuser, the user) the request is about"), CONN_NAME },
	{ "to", CTL_ARG_NONE, NULL, N_("End options after this describe the right end"), CONN_TO },
	SETS("ipv4", N_("Host addresses are IPv4"), "address-family", "ipv4"),
	SETS("ipv6", N_("Host addresses are IPv6"), "address-family", "ipv6"),
	SETS("tunnelipv4", N_("Client subnets are IPv4"), "tunnel-address-family", "ipv4"),
	SETS("tunnelipv6", N_("Client subnets are IPv6"), "tunnel-address-family", "ipv6"),
	VAL("sendca", N_("none|issuer|all"), N_("How much of the CA chain to send"), "send-ca", "s"),
	VAL("fragmentation", N_("yes|no|force"), N_("IKE fragmentation"), "fragmentation", "s"),
	VAL("narrowing", N_("yes|no"), N_("Allow traffic selector narrowing"), "narrowing", "b"),
	VAL("encapsulation", N_("yes|no|auto"), N_("ESP in UDP"), "encapsulation", "s"),
	VAL("modecfgbanner", N_("TEXT"), N_("Login banner for Mode Config clients"),
	    "modecfg-banner", "s"),
	VAL("pfsgroup", N_("GROUP"), N_("Key exchange group for PFS (modp2048, dh22, ...)"),
	    "pfs-group", "s"),
	VAL("ikelifetime", N_("SECONDS"), N_("IKE SA lifetime (at most 86400)"), "ike-lifetime",
	    "u"),
	VAL("ipseclifetime", N_("SECONDS"), N_("Child SA lifetime (at most 86400)"),
	    "ipsec-lifetime", "u"),
	VAL("rekeymargin", N_("SECONDS"), N_("Rekey this long before expiry"), "rekey-margin", "u"),
	VAL("rekeyfuzz", N_("PERCENT"), N_("Random extra rekey margin"), "rekey-fuzz", "u"),
	VAL("keyingtries", N_("COUNT"), N_("Attempts before giving up (0: forever)"),
	    "keying-tries", "u"),
	VAL("esp", N_("PROPOSALS"), N_("Child SA algorithms"), "esp", "s"),
	VAL("metric", N_("METRIC"), N_("Metric of the connection's routes"), "metric", "u"),
	VAL("nflog-group", N_("GROUP"), N_("NFLOG group for the connection's traffic"),
	    "nflog-group", "u"),
	VAL("conn-mark", N_("MARK/MASK"), N_("Mark for the connection's SAs"), "conn-mark", "s"),
	VAL("dpddelay", N_("SECONDS"), N_("Seconds between liveness checks"), "dpd-delay", "u"),
	VAL("dpdtimeout", N_("SECONDS"), N_("Seconds of silence before the peer is dead"),
	    "dpd-timeout", "u"),
	VAL("timeout", N_("SECONDS"), N_("Same as --dpdtimeout"), "dpd-timeout", "u"),
};

static gboolean
connection_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	switch ((ConnOpt) opt->id) {
	case CONN_NAME:
		return ctl_set_once(&req->name, opt, value, error);
	case CONN_TO:
		if (req->to_seen) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    _("option \"--to\" given twice"));
			return FALSE;
		}
		req->to_seen = TRUE;
		if (req->first_conn_option == NULL)
			req->first_conn_option = opt->name;
		return TRUE;
	}
	return TRUE;
}

const CtlFamily ctl_family_connection = {
	N_("Connection description"), connection_options, G_N_ELEMENTS(connection_options),
	connection_apply, FALSE,
};

/* ---- end ----------------------------------------------------------------- */

static const CtlOption end_options[] = {
	VAL("host", N_("ADDRESS"),
	    N_("The end's address, %any, %defaultroute, %opportunistic or DNS name"), "host", "s"),
	VAL("id", N_("IDENTITY"), N_("IKE identity (address, @fqdn, user@fqdn, DN)"), "id", "s"),
	VAL("cert", N_("NICKNAME"), N_("Certificate nickname in the NSS database"), "cert", "s"),
	VAL("ckaid", N_("CKAID"), N_("CKAID of the certificate or raw key"), "ckaid", "s"),
	VAL("ca", N_("DN"), N_("Trust anchor of this end"), "ca", "s"),
	VAL("groups", N_("GROUPS"), N_("Access control groups"), "groups", "s"),
	VAL("sendcert", N_("yes|always|ifasked|no|never"), N_("When to send the certificate"),
	    "send-cert", "s"),
	VAL("certtype", N_("NUMBER"), N_("Certificate encoding number"), "cert-type", "u"),
	VAL("ikeport", N_("PORT"), N_("UDP port of IKE at this end"), "ike-port", "u"),
	VAL("nexthop", N_("ADDRESS"), N_("Gateway towards the peer (%direct, %defaultroute)"),
	    "nexthop", "s"),
	VAL("client", N_("SUBNET"), N_("Client subnets (comma-separated)"), "subnet", "as"),
	VAL("subnet", N_("SUBNET"), N_("Same as --client"), "subnet", "as"),
	VAL("clientprotoport", N_("PROTO/PORT"), N_("Traffic selector protocol and port"),
	    "protoport", "s"),
	VAL("sourceip", N_("ADDRESS"), N_("Source address for traffic into the tunnel"),
	    "source-ip", "s"),
	VAL("interface-ip", N_("ADDRESS/PREFIX"), N_("Address for the IPsec interface"),
	    "interface-ip", "s"),
	ON("xauthserver", N_("This end checks XAUTH credentials"), "xauth-server"),
	ON("xauthclient", N_("This end supplies XAUTH credentials"), "xauth-client"),
	ON("modecfgserver", N_("This end hands out Mode Config"), "modecfg-server"),
	ON("modecfgclient", N_("This end receives Mode Config"), "modecfg-client"),
	VAL("modecfgdns", N_("ADDRESS,..."), N_("DNS servers to hand out"), "modecfg-dns", "as"),
	VAL("modecfgdomains", N_("DOMAIN,..."), N_("DNS domains to hand out"), "modecfg-domains",
	    "as"),
	ON("dnskeyondemand", N_("Fetch this end's public key from DNS when needed"),
	   "dnskey-on-demand"),
	VAL("updown", N_("COMMAND"), N_("Command run when the connection goes up or down"),
	    "updown", "s"),
};

static gboolean
no_apply(CtlRequest *req, const CtlOption *opt, const char *value, GError **error)
{
	/* every row is data: ctl_parse() never calls this */
	g_assert_not_reached();
	return FALSE;
}

const CtlFamily ctl_family_end = {
	N_("Connection ends (before --to: left, after: right)"), end_options,
	G_N_ELEMENTS(end_options), no_apply, TRUE,
};

/* ---- policy -------------------------------------------------------------- */

static const CtlOption policy_options[] = {
	ON("psk", N_("Authenticate with a pre-shared key"), "psk"),
	ON("rsasig", N_("Authenticate with RSA signatures"), "rsasig"),
	ON("encrypt", N_("Child SAs use ESP encryption"), "encrypt"),
	ON("authenticate", N_("Child SAs use AH"), "authenticate"),
	ON("compress", N_("Child SAs use IPComp"), "compress"),
	ON("tunnel", N_("Tunnel mode (else transport)"), "tunnel"),
	ON("pfs", N_("Perfect forward secrecy for Child SAs"), "pfs"),
	OFF("dontrekey", N_("Rekey only when we initiated and there was traffic"), "rekey"),
	ON("aggrmode", N_("IKEv1 aggressive mode (not supported: IKEv2 only)"), "aggressive"),
	ON("modecfgpull", N_("Ask the peer for Mode Config"), "modecfg-pull"),
	OFF("no-keep-alive", N_("Send no NAT-T keepalives"), "nat-keepalive"),
	ON("initiateontraffic", N_("Initiate only when traffic appears"), "initiate-on-traffic"),
	SETS("pass", N_("Let plain traffic pass until the tunnel is up"), "prospective-shunt",
	     "pass"),
	SETS("drop", N_("Drop plain traffic until the tunnel is up"), "prospective-shunt", "drop"),
	SETS("reject", N_("Drop plain traffic with ICMP until the tunnel is up"),
	     "prospective-shunt", "reject"),
	SETS("failnone", N_("No shunt after negotiation failed"), "failure-shunt", "none"),
	SETS("failpass", N_("Let plain traffic pass after negotiation failed"), "failure-shunt",
	     "pass"),
	SETS("faildrop", N_("Drop plain traffic after negotiation failed"), "failure-shunt",
	     "drop"),
	SETS("failreject", N_("Reject plain traffic after negotiation failed"), "failure-shunt",
	     "reject"),
};

const CtlFamily ctl_family_policy = {
	N_("Connection policy"), policy_options, G_N_ELEMENTS(policy_options), no_apply, FALSE,
};
