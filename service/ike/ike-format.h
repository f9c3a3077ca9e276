/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Human and machine renderings of parsed messages, for logs, the dump tool
 * and tests. Lengths and public values are shown; AUTH and EAP contents are
 * not (an AUTH MAC over a PSK can be attacked offline, EAP may carry a
 * password), only their sizes.
 *
 * Text: one line per payload, e.g.
 *   SA: proposal 1 IKE: ENCR_AES_GCM_16 keylen=256, PRF_HMAC_SHA2_256, KE=CURVE25519
 *   KE: group=CURVE25519(31) len=32
 *   Notify: NAT_DETECTION_SOURCE_IP len=20
 * JSON: {"header": {...}, "payloads": [{"type": "SA", ...}, ...]}; an SK
 * payload whose inner chain is attached lists it as "payloads" inside the SK
 * item. Strings are JSON-escaped; bytes are lowercase hex strings.
 *
 * All results are owned (g_free). Thread: pure, any thread.
 */
#pragma once

#include <glib.h>

#include "ike-codec.h"

G_BEGIN_DECLS

/* One line, no trailing newline: "IKE_SA_INIT request msgid=0 spi_i=... spi_r=... len=N". */
char *ike_header_to_text(const IkeHeader *hdr);
/* One line for @p, no trailing newline. */
char *ike_payload_to_text(const IkePayload *p);
/* Header line then one line per payload, each ending in '\n'; inner payloads
 * (when attached) follow the SK line, indented by two spaces. */
char *ike_message_to_text(const IkeMessage *msg);
/* Appends the JSON object for @hdr to @out. */
void ike_header_to_json(const IkeHeader *hdr, GString *out);
/* Appends the JSON object for @p to @out ("type" is the RFC name). */
void ike_payload_to_json(const IkePayload *p, GString *out);
/* A JSON document {"header": {...}, "payloads": [...]}, no trailing newline. */
char *ike_message_to_json(const IkeMessage *msg);
/* Appends @s as a JSON string literal (quotes included, escaped) to @out. */
void ike_json_append_string(GString *out, const char *s, gssize len);

G_END_DECLS
