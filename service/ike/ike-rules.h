/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which payloads each exchange must, may and must not carry (RFC 7296 §1.2 -
 * §1.5, §2.6, §2.16, §3.14), as one table per exchange and direction.
 *
 * A message may take one of several shapes (an IKE_SA_INIT response is either
 * SA+KE+Nr or only Notify payloads such as COOKIE or INVALID_KE_PAYLOAD; an
 * IKE_AUTH exchange has EAP rounds). The checker accepts a chain when any
 * shape matches; otherwise it reports the problem against the closest shape.
 * Unknown non-critical payloads (known == FALSE) are ignored, as §2.5 says.
 *
 * Errors: IKE_CODEC_ERROR_INVALID_SYNTAX naming the exchange, direction and
 * payload ("IKE_SA_INIT request: required payload KE is missing").
 * Thread: pure, any thread.
 */
#pragma once

#include <glib.h>

#include "ike-codec.h"

G_BEGIN_DECLS

typedef enum {
	IKE_RULES_OUTER, /* the unencrypted chain */
	IKE_RULES_INNER, /* the chain inside SK (after decryption) */
} IkeRulesLayer;

/* Checks the chain @payloads (IkePayload*) of an @exchange_type message
 * (@response from the R flag) at @layer. Exchange types without a table are
 * rejected. */
gboolean ike_rules_check(guint8 exchange_type, gboolean response, IkeRulesLayer layer,
                         const GPtrArray *payloads, GError **error);
/* Checks @msg's outer chain, and its inner chain when one is attached. */
gboolean ike_message_check_rules(const IkeMessage *msg, GError **error);

G_END_DECLS
