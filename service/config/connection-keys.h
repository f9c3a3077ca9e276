/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys of the connection options dictionary, as data: one row per key
 * with its D-Bus type, where it lives in IkebusConnection/IkebusEnd, its
 * value check, range, default and the ipsec-whack(8) options that set it.
 * connection.c walks this table; ikebusctl uses it to turn option text into
 * typed values, so the CLI and ikebusd accept exactly the same things.
 *
 * Pure GLib. Thread: any (the tables are constant).
 */
#pragma once

#include "connection.h"

G_BEGIN_DECLS

typedef enum {
	IKEBUS_KEY_END,  /* "left-NAME" and "right-NAME" */
	IKEBUS_KEY_CONN, /* "NAME" */
} IkebusKeyScope;

typedef enum {
	IKEBUS_KIND_STRING, /* s */
	IKEBUS_KIND_U32,    /* u, within [min, max] */
	IKEBUS_KIND_BOOL,   /* b */
	IKEBUS_KIND_ENUM,   /* s, one of values[] */
	IKEBUS_KIND_STRV,   /* as, each element checked */
} IkebusKeyKind;

/* NULL when @text is acceptable; else an owned reason (no key name in it). */
typedef char *(*IkebusCheckFunc)(const char *text);

typedef struct {
	const char *name; /* as on the bus */
	int value;        /* the C enum value; aliases repeat a canonical value */
} IkebusEnumValue;

typedef struct {
	const char *name; /* end keys without the "left-"/"right-" prefix */
	IkebusKeyScope scope;
	IkebusKeyKind kind;
	gsize offset;          /* of the field in IkebusEnd or IkebusConnection */
	IkebusCheckFunc check; /* STRING and each STRV element; never NULL */
	guint32 min, max;      /* U32 */
	guint32 def;           /* U32, BOOL and ENUM default */
	const IkebusEnumValue *values; /* ENUM: canonical names first, then aliases; {NULL} ends */
	const char *whack;             /* the whack options, space-separated; NULL: none */
} IkebusKeySpec;

/* The table of one scope; *n_keys gets its length. Index = bit in "given". */
const IkebusKeySpec *ikebus_connection_keys(IkebusKeyScope scope, gsize *n_keys);

/*
 * The row of a full dictionary key ("left-host", "ikelifetime", ...), or NULL
 * when there is none. *end_out (may be NULL) gets 0 for a connection key, 1
 * for left-, 2 for right-.
 */
const IkebusKeySpec *ikebus_connection_key_lookup(const char *key, int *end_out);

/* "s", "u", "b" or "as". */
const char *ikebus_key_type_string(const IkebusKeySpec *spec);

/* The enum value for a name or alias; 0 when @text is none of them. */
int ikebus_key_enum_value(const IkebusKeySpec *spec, const char *text);

/* The canonical name of an enum value; NULL for 0 or an unknown value. */
const char *ikebus_key_enum_name(const IkebusKeySpec *spec, int value);

/* "a", "b" or "c": the canonical names, for messages; owned. */
char *ikebus_key_enum_list(const IkebusKeySpec *spec);

/* NULL when @value has the key's type and an acceptable value; else an owned
 * reason without the key name ("expected type u, got s", "0 is below 1"). */
char *ikebus_key_why_invalid(const IkebusKeySpec *spec, GVariant *value);

/*
 * Parses option text into a new (not floating) value of the key's type: decimal
 * for u ("0x" hex too), yes/no/true/false for b, a canonical name for an enum
 * (aliases are replaced), comma-separated for as (spaces around items are
 * dropped). NULL + an owned reason in *why when the text is not acceptable;
 * the value is then also checked as ikebus_key_why_invalid() does.
 */
GVariant *ikebus_key_parse_text(const IkebusKeySpec *spec, const char *text, char **why);

G_END_DECLS
