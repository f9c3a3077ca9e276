/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private: what each payload family file provides to message.c, plus the
 * error and formatting helpers they share.
 *
 * Each payload-<family>.c exports one const IkePayloadOps per payload type it
 * handles. message.c looks the ops up by type; no file-scope state changes.
 */
#pragma once

#include <glib.h>

#include "ike-codec.h"
#include "ike-format.h"
#include "wire.h"

typedef struct {
	guint8 type;
	/* Smallest valid Payload Length, generic header included. */
	gsize fixed_len;
	/* Allocates containers of a fresh payload (may be NULL). */
	void (*init)(IkePayload *p);
	/* Frees what @p's union member owns (may be NULL). */
	void (*clear)(IkePayload *p);
	/* Decodes the body (@body covers exactly Payload Length - 4 bytes, which
	 * is >= fixed_len - 4, and its base is the body's datagram offset) into
	 * p->u. p->type/offset/length are set. */
	gboolean (*parse)(IkePayload *p, IkeReader *body, GError **error);
	/* Appends the body encoding of p->u to @out. */
	gboolean (*encode)(const IkePayload *p, GByteArray *out, GError **error);
	/* Appends the fields after "<Name>: " for the one-line text form. */
	void (*to_text)(const IkePayload *p, GString *out);
	/* Appends ,"field":value pairs for the JSON object (may be empty). */
	void (*to_json)(const IkePayload *p, GString *out);
} IkePayloadOps;

extern const IkePayloadOps ike_ops_sa;
extern const IkePayloadOps ike_ops_ke;
extern const IkePayloadOps ike_ops_idi;
extern const IkePayloadOps ike_ops_idr;
extern const IkePayloadOps ike_ops_cert;
extern const IkePayloadOps ike_ops_certreq;
extern const IkePayloadOps ike_ops_auth;
extern const IkePayloadOps ike_ops_nonce;
extern const IkePayloadOps ike_ops_notify;
extern const IkePayloadOps ike_ops_delete;
extern const IkePayloadOps ike_ops_vendor;
extern const IkePayloadOps ike_ops_tsi;
extern const IkePayloadOps ike_ops_tsr;
extern const IkePayloadOps ike_ops_sk;
extern const IkePayloadOps ike_ops_skf;
extern const IkePayloadOps ike_ops_cp;
extern const IkePayloadOps ike_ops_eap;

/* Ops for @type, or NULL when the codec does not understand it. */
const IkePayloadOps *ike_payload_ops_lookup(guint8 type);

/* Sets @error to "<Name> payload at offset <p->offset>: <message>". */
void ike_payload_error(GError **error, gint code, const IkePayload *p, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);

/* Encoder guard: FALSE with INVALID_ARGUMENT if @len does not fit @max. */
gboolean ike_check_fits(GError **error, const IkePayload *p, const char *field, gsize len,
                        gsize max);

/* Formatting helpers (format.c). */
void ike_json_append_hex(GString *out, const guint8 *data, gsize len);
/* Appends ,"key": to @out. */
void ike_json_key(GString *out, const char *key);
/* Appends ,"key":"<name or UNKNOWN(n)>" for @value in @reg. */
void ike_json_name(GString *out, const char *key, IkeRegistry reg, guint32 value);
/* Appends ,"key":<unsigned> */
void ike_json_uint(GString *out, const char *key, guint64 value);
/* Appends ,"key":"hex" */
void ike_json_hex(GString *out, const char *key, const guint8 *data, gsize len);
/* Appends the name of @value in @reg, or UNKNOWN(n). */
void ike_text_name(GString *out, IkeRegistry reg, guint32 value);
/* Appends an address of @len 4 or 16 bytes in the usual notation. */
void ike_text_addr(GString *out, const guint8 *addr, gsize len);
