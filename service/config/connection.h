/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IkebusConnection: the connection model. One connection description, as
 * whack's connection form gives it and as org.ikebus.ike1.Manager.AddConnection
 * documents its options dictionary (dbus/org.ikebus.ike1.Manager.xml is the
 * reference for every key; connection-keys.c holds the same keys as data and
 * a unit test keeps the two equal).
 *
 * The dictionary is flat: end keys carry "left-" or "right-", connection keys
 * carry nothing. Every field holds its effective value (the documented
 * default when the key was not given); the given_* masks remember which keys
 * were given so that ikebus_connection_to_options() returns exactly them.
 *
 * Pure GLib: no D-Bus, no I/O. Errors are IKEBUS_CONFIG_ERROR; every message
 * starts with the offending key ("left-host: ..."). Thread: any, no globals.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IKEBUS_CONFIG_ERROR (ikebus_config_error_quark())
GQuark ikebus_config_error_quark(void);

typedef enum {
	IKEBUS_CONFIG_ERROR_UNKNOWN_KEY,  /* a key the dictionary does not define */
	IKEBUS_CONFIG_ERROR_WRONG_TYPE,   /* the value's D-Bus type is not the key's */
	IKEBUS_CONFIG_ERROR_BAD_VALUE,    /* right type, unacceptable value */
	IKEBUS_CONFIG_ERROR_INCONSISTENT, /* keys that are fine alone contradict each other */
	IKEBUS_CONFIG_ERROR_MISSING,      /* a required key is absent */
	IKEBUS_CONFIG_ERROR_BAD_NAME,     /* the connection name */
} IkebusConfigError;

/* Enumerations: 0 is always "not given"; the others match the value tables
 * in connection-keys.c (in this order). */
typedef enum {
	IKEBUS_AF_UNSET,
	IKEBUS_AF_IPV4,
	IKEBUS_AF_IPV6,
} IkebusAddressFamily;

typedef enum {
	IKEBUS_SEND_CERT_UNSET, /* ifasked as responder, always as initiator */
	IKEBUS_SEND_CERT_ALWAYS,
	IKEBUS_SEND_CERT_IFASKED,
	IKEBUS_SEND_CERT_NEVER,
} IkebusSendCert;

typedef enum {
	IKEBUS_SEND_CA_UNSET,
	IKEBUS_SEND_CA_NONE,
	IKEBUS_SEND_CA_ISSUER,
	IKEBUS_SEND_CA_ALL,
} IkebusSendCa;

typedef enum {
	IKEBUS_YNA_UNSET,
	IKEBUS_YNA_YES,
	IKEBUS_YNA_NO,
	IKEBUS_YNA_AUTO, /* encapsulation */
	IKEBUS_YNA_FORCE, /* fragmentation */
} IkebusYesNoAuto;

typedef enum {
	IKEBUS_PFS_GROUP_UNSET, /* the IKE SA's group */
	IKEBUS_PFS_GROUP_MODP1024,
	IKEBUS_PFS_GROUP_MODP1536,
	IKEBUS_PFS_GROUP_MODP2048,
	IKEBUS_PFS_GROUP_MODP3072,
	IKEBUS_PFS_GROUP_MODP4096,
	IKEBUS_PFS_GROUP_MODP6144,
	IKEBUS_PFS_GROUP_MODP8192,
	IKEBUS_PFS_GROUP_DH22,
	IKEBUS_PFS_GROUP_DH23,
	IKEBUS_PFS_GROUP_DH24,
} IkebusPfsGroup;

typedef enum {
	IKEBUS_DPD_ACTION_UNSET, /* hold */
	IKEBUS_DPD_ACTION_HOLD,
	IKEBUS_DPD_ACTION_CLEAR,
	IKEBUS_DPD_ACTION_RESTART,
} IkebusDpdAction;

typedef enum {
	IKEBUS_SHUNT_UNSET,
	IKEBUS_SHUNT_NONE, /* failure-shunt only */
	IKEBUS_SHUNT_PASS,
	IKEBUS_SHUNT_DROP,
	IKEBUS_SHUNT_REJECT,
} IkebusShunt;

/* One end ("left-" or "right-" keys). */
typedef struct {
	char *host;
	char *id;
	char *cert;
	char *ckaid;
	char *ca;
	char *groups;
	IkebusSendCert send_cert;
	guint32 cert_type;
	guint32 ike_port; /* 500 unless given */
	char *nexthop;
	GStrv subnets; /* NULL: the host itself */
	char *protoport;
	char *source_ip;
	char *interface_ip;
	gboolean xauth_server;
	gboolean xauth_client;
	gboolean modecfg_server;
	gboolean modecfg_client;
	GStrv modecfg_dns;
	GStrv modecfg_domains;
	gboolean dnskey_on_demand;
	char *updown;
	guint64 given; /* bit i: end key i of connection-keys.c was given */
} IkebusEnd;

typedef struct {
	char *name;
	IkebusEnd left;
	IkebusEnd right;

	IkebusAddressFamily address_family;
	IkebusAddressFamily tunnel_address_family;
	IkebusSendCa send_ca;
	IkebusYesNoAuto fragmentation; /* yes, no, force */
	gboolean narrowing;
	IkebusYesNoAuto encapsulation; /* yes, no, auto */
	char *modecfg_banner;

	gboolean psk;
	gboolean rsasig;
	gboolean encrypt;
	gboolean authenticate;
	gboolean compress;
	gboolean tunnel;
	gboolean pfs;
	IkebusPfsGroup pfs_group;

	guint32 ike_lifetime;   /* seconds */
	guint32 ipsec_lifetime; /* seconds */
	guint32 rekey_margin;   /* seconds */
	guint32 rekey_fuzz;     /* percent of rekey_margin */
	guint32 keying_tries;   /* 0: forever */
	gboolean rekey;
	char *esp; /* Child SA proposals; NULL: defaults */
	char *ike; /* IKE SA proposals; NULL: defaults */
	gboolean aggressive;
	gboolean modecfg_pull;
	guint32 metric;
	guint32 nflog_group;
	char *conn_mark;

	guint32 dpd_delay;   /* seconds; 0: off */
	guint32 dpd_timeout; /* seconds */
	IkebusDpdAction dpd_action;
	gboolean nat_keepalive;
	gboolean initiate_on_traffic;
	IkebusShunt prospective_shunt;
	IkebusShunt failure_shunt;

	guint64 given; /* bit i: connection key i of connection-keys.c was given */
} IkebusConnection;

/*
 * Owned; free with ikebus_connection_free(). Checks @name, then every key of
 * @options (type a{sv}; NULL means empty), then the rules between keys.
 * NULL + IKEBUS_CONFIG_ERROR on the first problem, the message naming the
 * key and why.
 */
IkebusConnection *ikebus_connection_new_from_options(const char *name, GVariant *options,
						     GError **error);

/* A new floating a{sv} with exactly the keys that were given, sorted by key,
 * values in canonical form (enum aliases replaced by their canonical names). */
GVariant *ikebus_connection_to_options(const IkebusConnection *conn);

/* A new floating a{sv}: the given keys of one end, without the prefix, sorted. */
GVariant *ikebus_connection_end_to_options(const IkebusConnection *conn, gboolean right);

/* Checks a connection name: 1..64 bytes of UTF-8, no control character, no "/". */
gboolean ikebus_connection_name_check(const char *name, GError **error);

void ikebus_connection_free(IkebusConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkebusConnection, ikebus_connection_free)

G_END_DECLS
