/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 wire codec (RFC 7296 §3, RFC 7383 for SKF): bytes <-> structs.
 *
 * Pure: no I/O, no globals, no SA state, no crypto. The SK/SKF bodies stay
 * opaque (IV | ciphertext | ICV); after decryption the engine parses the inner
 * chain with ike_payload_chain_parse() and may attach it with
 * ike_message_set_inner().
 *
 * Borrowing: parsed payloads point into the buffer they were parsed from
 * (every `const guint8 *` field). The buffer must outlive the IkeMessage (or
 * the chain array); ike_message_parse_bytes() keeps a reference for you.
 * Copy anything an SA keeps. Payloads built with the ike_payload_new_*()
 * helpers own copies of their bytes (see ike_payload_dup_data()).
 *
 * Round trip: every field the wire carries, including reserved bits and
 * bytes, is kept, so ike_message_encode(ike_message_parse(x)) == x for every
 * x the parser accepts. The encoder recomputes only what it derives: payload,
 * proposal, transform, attribute, selector and header lengths, Next Payload
 * chaining, Last Substruc flags, transform/selector/SPI counts and SPI sizes.
 * The parser rejects any input where those derived fields disagree, so the
 * recomputed values equal the ones read.
 *
 * Errors: IKE_CODEC_ERROR; codes are RFC 7296 error notify numbers so the
 * engine can answer the peer with the same number. Messages name the payload
 * and the byte offset ("KE payload at offset 56: length 4 is shorter than its
 * 8-byte fixed part").
 *
 * Thread: no shared state; a message is used by one thread at a time.
 */
#pragma once

#include <glib.h>

#include "ike-names.h"

G_BEGIN_DECLS

#define IKE_CODEC_ERROR (ike_codec_error_quark())
GQuark ike_codec_error_quark(void);

/* Codes equal RFC 7296 §3.10.1 error notify types. */
typedef enum {
	IKE_CODEC_ERROR_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_CODEC_ERROR_INVALID_IKE_SPI = 4,
	IKE_CODEC_ERROR_INVALID_MAJOR_VERSION = 5,
	IKE_CODEC_ERROR_INVALID_SYNTAX = 7,
	IKE_CODEC_ERROR_INVALID_MESSAGE_ID = 9,
	IKE_CODEC_ERROR_INVALID_SPI = 11,
	IKE_CODEC_ERROR_NO_PROPOSAL_CHOSEN = 14,
	IKE_CODEC_ERROR_INVALID_KE_PAYLOAD = 17,
	IKE_CODEC_ERROR_AUTHENTICATION_FAILED = 24,
	/* Local only, never sent: the caller built a struct that cannot be
	 * encoded (a field too long for its length field, ...). */
	IKE_CODEC_ERROR_INVALID_ARGUMENT = 0x10000,
} IkeCodecError;

#define IKE_HEADER_LEN 28        /* RFC 7296 §3.1 */
#define IKE_GENERIC_HEADER_LEN 4 /* RFC 7296 §3.2 */
#define IKE_MAJOR_VERSION 2

/* Header flags, RFC 7296 §3.1 */
#define IKE_FLAG_INITIATOR 0x08
#define IKE_FLAG_VERSION 0x10
#define IKE_FLAG_RESPONSE 0x20

/* Nonce Data bounds, RFC 7296 §3.9 */
#define IKE_NONCE_MIN_LEN 16
#define IKE_NONCE_MAX_LEN 256

typedef struct {
	guint64 spi_i; /* host order */
	guint64 spi_r;
	guint8 next_payload; /* as read; the encoder recomputes it */
	guint8 major_version;
	guint8 minor_version;
	guint8 exchange_type; /* IkeExchangeType */
	guint8 flags;         /* all 8 bits as on the wire, IKE_FLAG_* */
	guint32 message_id;
	guint32 length; /* as read; the encoder recomputes it */
} IkeHeader;

/* ---- SA payload (§3.3) ---- */

typedef struct {
	guint16 type;        /* 15-bit attribute type, AF bit removed */
	gboolean tv;         /* AF=1: Type/Value form, value in @tv_value */
	guint16 tv_value;    /* TV form only */
	const guint8 *value; /* TLV form only (borrowed) */
	gsize value_len;
} IkeTransformAttr;

typedef struct {
	guint8 type;      /* IkeTransformType */
	guint16 id;       /* IkeEncrId, IkePrfId, ... per @type */
	guint8 reserved1; /* byte after Last Substruc (0 when built) */
	guint8 reserved2; /* byte after Transform Type (0 when built) */
	GArray *attrs;    /* of IkeTransformAttr; may be NULL for none */
} IkeTransform;

typedef struct {
	guint8 num;        /* Proposal Num; 0 when built means "index + 1" */
	guint8 protocol;   /* IkeProtocolId */
	guint8 reserved;   /* byte after Last Substruc */
	const guint8 *spi; /* spi_len bytes (0, 4 or 8) */
	gsize spi_len;
	GArray *transforms; /* of IkeTransform (owned, clears its attrs) */
} IkeProposal;

typedef struct {
	GPtrArray *proposals; /* of IkeProposal*, owned */
} IkeSaPayload;

/* ---- simple payloads ---- */

typedef struct {
	guint16 group;    /* IkeKeId */
	guint16 reserved; /* 2 bytes after the group */
	const guint8 *data;
	gsize data_len;
} IkeKePayload; /* §3.4 */

typedef struct {
	guint8 id_type; /* IkeIdType; unknown types are kept as bytes */
	guint8 reserved[3];
	const guint8 *data;
	gsize data_len;
} IkeIdPayload; /* §3.5, IDi and IDr */

typedef struct {
	guint8 encoding;    /* IkeCertEncoding */
	const guint8 *data; /* CERT: certificate data; CERTREQ: CA hashes */
	gsize data_len;
} IkeCertPayload; /* §3.6 CERT, §3.7 CERTREQ */

typedef struct {
	guint8 method; /* IkeAuthMethod */
	guint8 reserved[3];
	const guint8 *data;
	gsize data_len;
} IkeAuthPayload; /* §3.8 */

typedef struct {
	const guint8 *data;
	gsize data_len;
} IkeBytesPayload; /* §3.9 Nonce, §3.12 Vendor ID, unknown payloads */

typedef struct {
	guint8 protocol;   /* IkeProtocolId; 0 when no SPI applies */
	guint16 type;      /* IkeNotifyType */
	const guint8 *spi; /* spi_len bytes */
	gsize spi_len;
	const guint8 *data;
	gsize data_len;
} IkeNotifyPayload; /* §3.10 */

typedef struct {
	guint8 protocol; /* IkeProtocolId */
	guint8 spi_size; /* 0 for IKE, 4 for AH/ESP */
	guint16 num_spis;
	const guint8 *spis; /* num_spis * spi_size bytes */
} IkeDeletePayload;         /* §3.11 */

typedef struct {
	guint8 type;        /* IkeTsType */
	guint8 ip_protocol; /* 0 = any (for unknown types: the second byte as read) */
	guint16 start_port;
	guint16 end_port;
	guint8 start_addr[16]; /* 4 bytes used for IPv4 */
	guint8 end_addr[16];
	/* Unknown TS types only: the bytes after Selector Length (borrowed). */
	const guint8 *raw;
	gsize raw_len;
} IkeTrafficSelector; /* §3.13.1 */

typedef struct {
	guint8 reserved[3];
	GArray *selectors; /* of IkeTrafficSelector, owned */
} IkeTsPayload;            /* §3.13 TSi and TSr */

typedef struct {
	guint8 inner_type;  /* Next Payload field: type of the first inner payload */
	const guint8 *data; /* IV | ciphertext | ICV, opaque here */
	gsize data_len;
} IkeSkPayload; /* §3.14 */

typedef struct {
	guint8 inner_type; /* first inner payload type in fragment 1, else 0 */
	guint16 fragment_number;
	guint16 total_fragments;
	const guint8 *data; /* IV | ciphertext | ICV */
	gsize data_len;
} IkeSkfPayload; /* RFC 7383 §2.5 */

typedef struct {
	gboolean reserved_bit; /* the R bit before the attribute type */
	guint16 type;          /* IkeCpAttrType, 15 bits */
	const guint8 *value;
	gsize value_len;
} IkeCpAttr;

typedef struct {
	guint8 cfg_type; /* IkeCfgType */
	guint8 reserved[3];
	GArray *attrs; /* of IkeCpAttr, owned */
} IkeCpPayload;        /* §3.15 */

typedef struct {
	guint8 code; /* IkeEapCode */
	guint8 identifier;
	/* Request and Response carry a Type; other codes have none and any bytes
	 * after the 4-byte EAP header are kept in @type_data. */
	gboolean has_type;
	guint8 eap_type; /* IkeEapType, when has_type */
	const guint8 *type_data;
	gsize type_data_len;
} IkeEapPayload; /* §3.16 */

typedef struct {
	guint8 type; /* IkePayloadType, or an unknown number */
	gboolean critical;
	guint8 reserved; /* the 7 RESERVED bits after the critical bit (0..127) */
	/* FALSE: the codec does not understand this type; the body is in u.raw.
	 * Only non-critical payloads can be unknown (§2.5, §3.2). */
	gboolean known;
	gsize offset; /* parsed: offset of the generic header (0 when built) */
	gsize length; /* parsed: Payload Length as read (0 when built) */
	union {
		IkeSaPayload sa;
		IkeKePayload ke;
		IkeIdPayload id;
		IkeCertPayload cert; /* CERT and CERTREQ */
		IkeAuthPayload auth;
		IkeBytesPayload nonce;
		IkeNotifyPayload notify;
		IkeDeletePayload del;
		IkeBytesPayload vendor;
		IkeTsPayload ts; /* TSi and TSr */
		IkeSkPayload sk;
		IkeSkfPayload skf;
		IkeCpPayload cp;
		IkeEapPayload eap;
		IkeBytesPayload raw; /* unknown types */
	} u;
	GPtrArray *owned; /* private: copies made by ike_payload_dup_data() */
} IkePayload;

typedef struct {
	IkeHeader header;
	GPtrArray *payloads; /* of IkePayload*, owned; the outer chain */
	/* NULL until the engine attaches the decrypted SK chain. */
	GPtrArray *inner;
	GBytes *bytes;       /* private: keeps a parsed buffer alive, or NULL */
	GBytes *inner_bytes; /* private: keeps the plaintext alive, or NULL */
} IkeMessage;

/* ---- header ---- */

/* Reads the 28-byte header at @data without judging it (no version or length
 * checks). FALSE with INVALID_SYNTAX if @len < 28. For demultiplexing and logs. */
gboolean ike_header_peek(const guint8 *data, gsize len, IkeHeader *out, GError **error);
/* Reads and validates the header of the datagram @data/@len: @len >= 28,
 * Length == @len, major version 2 (else INVALID_MAJOR_VERSION, §3.1). */
gboolean ike_header_parse(const guint8 *data, gsize len, IkeHeader *out, GError **error);
/* Writes @hdr exactly as stored (no field recomputed) into @out. */
void ike_header_write(const IkeHeader *hdr, guint8 out[IKE_HEADER_LEN]);

/* ---- messages ---- */

/* Parses a whole datagram. Borrows @data for the life of the result (see top
 * of file). Returns an owned message or NULL with IKE_CODEC_ERROR set. Does
 * not apply the per-exchange rules (ike-rules.h). */
IkeMessage *ike_message_parse(const guint8 *data, gsize len, GError **error);
/* Like ike_message_parse(), but the message holds a reference on @bytes. */
IkeMessage *ike_message_parse_bytes(GBytes *bytes, GError **error);
/* Owned empty message: major version 2, @flags as given, no payloads. */
IkeMessage *ike_message_new(guint8 exchange_type, guint8 flags, guint64 spi_i, guint64 spi_r,
                            guint32 message_id);
/* Appends @payload to the outer chain; takes ownership. */
void ike_message_add_payload(IkeMessage *msg, IkePayload *payload);
/* Attaches the decrypted inner chain: takes @inner (as returned by
 * ike_payload_chain_parse()), refs @plaintext (may be NULL if the caller keeps
 * the buffer alive). Replaces any earlier inner chain. */
void ike_message_set_inner(IkeMessage *msg, GPtrArray *inner, GBytes *plaintext);
/* First payload of @type, searching the inner chain (if set) and then the
 * outer one. Borrowed; NULL if none. */
IkePayload *ike_message_get_payload(const IkeMessage *msg, guint8 type);
/* First Notify of @notify_type, inner chain first. Borrowed; NULL if none. */
IkePayload *ike_message_get_notify(const IkeMessage *msg, guint16 notify_type);
/* Number of payloads of @type in both chains. */
guint ike_message_count_payloads(const IkeMessage *msg, guint8 type);
/* Encodes @msg: header (Length, Next Payload recomputed), then the outer
 * chain. An SK/SKF payload writes its inner_type as Next Payload and must be
 * last. Returns an owned array, or NULL with IKE_CODEC_ERROR_INVALID_ARGUMENT
 * (or INVALID_SYNTAX) if the structs cannot be encoded. The inner chain is
 * not encoded here (encrypt ike_payload_chain_encode() output into SK). */
GByteArray *ike_message_encode(const IkeMessage *msg, GError **error);
/* Frees @msg and its payloads; NULL-safe. */
void ike_message_free(IkeMessage *msg);

/* ---- payload chains (outer or decrypted SK contents) ---- */

/* Parses the chain of payloads that starts with type @first_type and fills
 * exactly @buf/@len (e.g. SK plaintext after padding removal). @base_offset is
 * added to offsets in errors and in IkePayload.offset. An SK or SKF payload is
 * an error here (no nesting, RFC 7296 §3.14). Borrows @buf. Returns an owned
 * GPtrArray of IkePayload* (free function set; may be empty when
 * @first_type is 0 and @len is 0), or NULL with IKE_CODEC_ERROR. */
GPtrArray *ike_payload_chain_parse(guint8 first_type, const guint8 *buf, gsize len,
                                   gsize base_offset, GError **error);
/* Appends the encoding of @payloads (chained, lengths computed) to @out and
 * stores the first type (0 for an empty chain) in *@first_type (may be NULL).
 * FALSE with IKE_CODEC_ERROR if a payload cannot be encoded; @out may then
 * hold a partial encoding. */
gboolean ike_payload_chain_encode(const GPtrArray *payloads, GByteArray *out, guint8 *first_type,
                                  GError **error);
/* Owned empty array with the right free function, for building chains. */
GPtrArray *ike_payload_chain_new(void);

/* ---- payloads ---- */

/* Owned empty payload of @type: known is set when the codec understands the
 * type, containers (proposals, selectors, CP attributes) are allocated. */
IkePayload *ike_payload_new(guint8 type);
/* Frees @p and everything it owns; NULL-safe. */
void ike_payload_free(IkePayload *p);
/* Copies @len bytes into storage owned by @p and returns the copy (borrowed,
 * lives as long as @p). Use it to point payload fields at data you free. */
const guint8 *ike_payload_dup_data(IkePayload *p, const guint8 *data, gsize len);
/* Appends the body of @p (without the 4-byte generic header) to @out. */
gboolean ike_payload_encode_body(const IkePayload *p, GByteArray *out, GError **error);
/* RFC name of the payload type ("SA", "Nonce", ...) or "UNKNOWN(n)" in @buf. */
const char *ike_payload_type_name(guint8 type, char *buf, gsize buflen);

/* Builders. All return an owned payload that owns copies of the bytes. */
IkePayload *ike_payload_new_ke(guint16 group, const guint8 *data, gsize len);
IkePayload *ike_payload_new_nonce(const guint8 *data, gsize len);
/* @payload_type is IKE_PAYLOAD_IDI or IKE_PAYLOAD_IDR. */
IkePayload *ike_payload_new_id(guint8 payload_type, guint8 id_type, const guint8 *data, gsize len);
/* @payload_type is IKE_PAYLOAD_CERT or IKE_PAYLOAD_CERTREQ. */
IkePayload *ike_payload_new_cert(guint8 payload_type, guint8 encoding, const guint8 *data,
                                 gsize len);
IkePayload *ike_payload_new_auth(guint8 method, const guint8 *data, gsize len);
IkePayload *ike_payload_new_notify(guint8 protocol, guint16 notify_type, const guint8 *spi,
                                   gsize spi_len, const guint8 *data, gsize data_len);
/* @spis holds @num_spis SPIs of @spi_size bytes each, network order. */
IkePayload *ike_payload_new_delete(guint8 protocol, guint8 spi_size, guint16 num_spis,
                                   const guint8 *spis);
IkePayload *ike_payload_new_vendor(const guint8 *data, gsize len);
IkePayload *ike_payload_new_sk(guint8 inner_type, const guint8 *data, gsize len);
IkePayload *ike_payload_new_skf(guint8 inner_type, guint16 fragment_number, guint16 total_fragments,
                                const guint8 *data, gsize len);
/* @payload_type is IKE_PAYLOAD_TSI or IKE_PAYLOAD_TSR; add selectors below. */
IkePayload *ike_payload_new_ts(guint8 payload_type);
IkePayload *ike_payload_new_cp(guint8 cfg_type);
/* @has_type is implied by @code (Request/Response carry a type). */
IkePayload *ike_payload_new_eap(guint8 code, guint8 identifier, guint8 eap_type,
                                const guint8 *type_data, gsize len);

/* Adds a proposal to an SA payload; num = position (1-based). Borrowed
 * result, valid as long as @sa. @spi is copied into @sa. */
IkeProposal *ike_sa_payload_add_proposal(IkePayload *sa, guint8 protocol, const guint8 *spi,
                                         gsize spi_len);
/* Adds a transform; @key_length >= 0 adds a Key Length attribute (TV). */
void ike_proposal_add_transform(IkeProposal *prop, guint8 type, guint16 id, gint key_length);
/* Key Length attribute of @t in bits, or -1 if it has none. */
gint ike_transform_get_key_length(const IkeTransform *t);
/* Adds an address-range selector (addresses in network order; @family_len
 * is 4 for TS_IPV4_ADDR_RANGE or 16 for TS_IPV6_ADDR_RANGE). */
void ike_ts_payload_add_range(IkePayload *ts, guint8 ip_protocol, guint16 start_port,
                              guint16 end_port, const guint8 *start_addr, const guint8 *end_addr,
                              gsize family_len);
/* Adds a CP attribute; @value is copied into @cp. */
void ike_cp_payload_add_attr(IkePayload *cp, guint16 type, const guint8 *value, gsize len);
/* Address length of TS type @type (4, 16) or 0 if not an address range. */
gsize ike_ts_type_addr_len(guint8 type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkePayload, ike_payload_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkeMessage, ike_message_free)

G_END_DECLS
