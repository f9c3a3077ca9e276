/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IANA numbers of IKEv2 as C enums, and number <-> name lookups.
 *
 * Both come from ike-names.def, the single table. Names are the RFC / IANA
 * spellings ("SA", "Nonce", "ENCR_AES_GCM_16", "NAT_DETECTION_SOURCE_IP").
 *
 * Thread: all functions are pure and may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */
typedef enum {
#define IKE_DEF_EXCHANGE(n, id, s) IKE_EXCHANGE_##id = n,
#include "ike-names.def"
} IkeExchangeType;

typedef enum {
#define IKE_DEF_PAYLOAD(n, id, s) IKE_PAYLOAD_##id = n,
#include "ike-names.def"
} IkePayloadType;

typedef enum {
#define IKE_DEF_TRANSFORM_TYPE(n, id, s) IKE_TRANSFORM_##id = n,
#include "ike-names.def"
} IkeTransformType;

typedef enum {
#define IKE_DEF_ENCR(n, id, s) IKE_ENCR_##id = n,
#include "ike-names.def"
} IkeEncrId;

typedef enum {
#define IKE_DEF_PRF(n, id, s) IKE_PRF_##id = n,
#include "ike-names.def"
} IkePrfId;

typedef enum {
#define IKE_DEF_INTEG(n, id, s) IKE_INTEG_##id = n,
#include "ike-names.def"
} IkeIntegId;

typedef enum {
#define IKE_DEF_KE(n, id, s) IKE_KE_##id = n,
#include "ike-names.def"
} IkeKeId;

typedef enum {
#define IKE_DEF_ESN(n, id, s) IKE_ESN_##id = n,
#include "ike-names.def"
} IkeEsnId;

typedef enum {
#define IKE_DEF_TRANSFORM_ATTR(n, id, s) IKE_TRANSFORM_ATTR_##id = n,
#include "ike-names.def"
} IkeTransformAttrType;

typedef enum {
#define IKE_DEF_NOTIFY(n, id, s) IKE_NOTIFY_##id = n,
#include "ike-names.def"
} IkeNotifyType;

typedef enum {
#define IKE_DEF_ID(n, id, s) IKE_ID_##id = n,
#include "ike-names.def"
} IkeIdType;

typedef enum {
#define IKE_DEF_AUTH_METHOD(n, id, s) IKE_AUTH_METHOD_##id = n,
#include "ike-names.def"
} IkeAuthMethod;

typedef enum {
#define IKE_DEF_CERT(n, id, s) IKE_CERT_##id = n,
#include "ike-names.def"
} IkeCertEncoding;

typedef enum {
#define IKE_DEF_CFG(n, id, s) IKE_CFG_##id = n,
#include "ike-names.def"
} IkeCfgType;

typedef enum {
#define IKE_DEF_CP_ATTR(n, id, s) IKE_CP_##id = n,
#include "ike-names.def"
} IkeCpAttrType;

typedef enum {
#define IKE_DEF_PROTO(n, id, s) IKE_PROTO_##id = n,
#include "ike-names.def"
} IkeProtocolId;

typedef enum {
#define IKE_DEF_TS(n, id, s) IKE_TS_##id = n,
#include "ike-names.def"
} IkeTsType;

typedef enum {
#define IKE_DEF_HASH(n, id, s) IKE_HASH_##id = n,
#include "ike-names.def"
} IkeHashAlgorithm;

typedef enum {
#define IKE_DEF_EAP_CODE(n, id, s) IKE_EAP_CODE_##id = n,
#include "ike-names.def"
} IkeEapCode;

typedef enum {
#define IKE_DEF_EAP_TYPE(n, id, s) IKE_EAP_TYPE_##id = n,
#include "ike-names.def"
} IkeEapType;
/* clang-format on */

/* Which IANA registry a number belongs to. */
typedef enum {
	IKE_REG_EXCHANGE,
	IKE_REG_PAYLOAD,
	IKE_REG_TRANSFORM_TYPE,
	IKE_REG_ENCR,
	IKE_REG_PRF,
	IKE_REG_INTEG,
	IKE_REG_KE,
	IKE_REG_ESN,
	IKE_REG_TRANSFORM_ATTR,
	IKE_REG_NOTIFY,
	IKE_REG_ID,
	IKE_REG_AUTH_METHOD,
	IKE_REG_CERT,
	IKE_REG_CFG,
	IKE_REG_CP_ATTR,
	IKE_REG_PROTO,
	IKE_REG_TS,
	IKE_REG_HASH,
	IKE_REG_EAP_CODE,
	IKE_REG_EAP_TYPE,
	IKE_REG_N_REGISTRIES, /* count, not a registry */
} IkeRegistry;

typedef struct {
	guint32 value;
	const char *name;
} IkeNameEntry;

/* Enough for any name in the tables and for "UNKNOWN(4294967295)". */
#define IKE_NAME_BUF_LEN 48

/* Static name of @value in @reg, or NULL when the table has no such number. */
const char *ike_name(IkeRegistry reg, guint32 value);
/* Like ike_name(), but never NULL: unknown numbers are formatted as
 * "UNKNOWN(n)" into @buf (@buflen >= IKE_NAME_BUF_LEN recommended) and @buf is
 * returned. Borrowed: static storage or @buf. */
const char *ike_name_or_unknown(IkeRegistry reg, guint32 value, char *buf, gsize buflen);
/* Number for @name in @reg (ASCII case-insensitive). Also accepts a decimal
 * number and "UNKNOWN(n)", so names this module prints parse back. FALSE if
 * neither; *@value untouched then. */
gboolean ike_name_to_value(IkeRegistry reg, const char *name, guint32 *value);
/* The entries of @reg in ascending number order (static, borrowed). */
const IkeNameEntry *ike_registry_entries(IkeRegistry reg, gsize *n_entries);
/* Short static name of the registry itself ("payload", "notify", ...). */
const char *ike_registry_name(IkeRegistry reg);
/* Registry holding the ids of transform type @transform_type (ENCR -> IKE_REG_ENCR,
 * KE and ADDKE1..7 -> IKE_REG_KE, ...). FALSE for an unknown transform type. */
gboolean ike_transform_id_registry(guint8 transform_type, IkeRegistry *reg);

G_END_DECLS
