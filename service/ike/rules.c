/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-exchange payload rules (ike-rules.h), as tables (STYLE.md habit 3).
 *
 * Sources: RFC 7296 §1.2 (IKE_SA_INIT, IKE_AUTH), §1.3 (CREATE_CHILD_SA),
 * §1.4 (INFORMATIONAL), §1.5 and §2.21.1 (unprotected error notifies), §2.6
 * (cookies), §2.7 and §1.3 (INVALID_KE_PAYLOAD), §2.16 (EAP rounds), §3.14
 * (SK carries everything after IKE_SA_INIT); RFC 6023 (childless IKE_AUTH);
 * RFC 5723 (IKE_SESSION_RESUME); RFC 7383 (SKF instead of SK); RFC 9242
 * (IKE_INTERMEDIATE); RFC 9370 (IKE_FOLLOWUP_KEX).
 *
 * A payload absent from a shape's list is forbidden in that shape.
 */
#include "ike-rules.h"

typedef enum {
	ONE,  /* exactly one */
	OPT,  /* zero or one */
	ANY,  /* zero or more */
	SOME, /* one or more */
} Presence;

typedef struct {
	guint8 type; /* 0 ends the list */
	Presence presence;
} Rule;

#define MAX_RULES 12

typedef struct {
	Rule rules[MAX_RULES];
} Shape;

typedef struct {
	guint8 exchange;
	gboolean response;
	IkeRulesLayer layer;
	const Shape *shapes;
	gsize n_shapes;
} ExchangeRules;

/* Short payload names for the tables. */
#define SA IKE_PAYLOAD_SA
#define KE IKE_PAYLOAD_KE
#define IDI IKE_PAYLOAD_IDI
#define IDR IKE_PAYLOAD_IDR
#define CERT IKE_PAYLOAD_CERT
#define CERTREQ IKE_PAYLOAD_CERTREQ
#define AUTH IKE_PAYLOAD_AUTH
#define NONCE IKE_PAYLOAD_NONCE
#define N IKE_PAYLOAD_NOTIFY
#define D IKE_PAYLOAD_DELETE
#define V IKE_PAYLOAD_VENDOR
#define TSI IKE_PAYLOAD_TSI
#define TSR IKE_PAYLOAD_TSR
#define SK IKE_PAYLOAD_SK
#define CP IKE_PAYLOAD_CP
#define EAP IKE_PAYLOAD_EAP
#define SKF IKE_PAYLOAD_SKF

/* clang-format off */
/* Every exchange after IKE_SA_INIT: one SK payload or one SKF fragment. */
static const Shape encrypted_outer[] = {
	{{{SK, ONE}}},
	{{{SKF, ONE}}},
};

/* IKE_SA_INIT request: HDR, SAi1, KEi, Ni [N+] [V+] (§1.2). */
static const Shape sa_init_request[] = {
	{{{SA, ONE}, {KE, ONE}, {NONCE, ONE}, {N, ANY}, {V, ANY}}},
};

/* IKE_SA_INIT response: HDR, SAr1, KEr, Nr, [CERTREQ] [N+] [V+]; or only
 * notifies: N(COOKIE) (§2.6), N(INVALID_KE_PAYLOAD) (§1.3), an error. */
static const Shape sa_init_response[] = {
	{{{SA, ONE}, {KE, ONE}, {NONCE, ONE}, {CERTREQ, ANY}, {N, ANY}, {V, ANY}}},
	{{{N, SOME}, {V, ANY}}},
};

/* IKE_AUTH request inside SK (§1.2, §2.16, RFC 6023). */
static const Shape auth_request_inner[] = {
	/* IDi, [CERT+], [CERTREQ+], [IDr], [AUTH], [CP], SAi2, TSi, TSr; AUTH
	 * is absent when the initiator wants EAP. */
	{{{IDI, ONE}, {CERT, ANY}, {CERTREQ, ANY}, {IDR, OPT}, {AUTH, OPT}, {CP, OPT},
	  {SA, ONE}, {TSI, ONE}, {TSR, ONE}, {N, ANY}, {V, ANY}}},
	/* childless (RFC 6023) or a further authentication (RFC 4739) */
	{{{IDI, ONE}, {CERT, ANY}, {CERTREQ, ANY}, {IDR, OPT}, {AUTH, OPT}, {CP, OPT},
	  {N, ANY}, {V, ANY}}},
	/* an EAP round */
	{{{EAP, ONE}, {N, ANY}}},
	/* the AUTH that ends EAP */
	{{{AUTH, ONE}, {N, ANY}}},
};

/* IKE_AUTH response inside SK. */
static const Shape auth_response_inner[] = {
	{{{IDR, ONE}, {CERT, ANY}, {AUTH, ONE}, {CP, OPT}, {SA, ONE}, {TSI, ONE}, {TSR, ONE},
	  {N, ANY}, {V, ANY}}},
	/* no Child SA: childless, or its creation failed with a notify */
	{{{IDR, ONE}, {CERT, ANY}, {AUTH, ONE}, {CP, OPT}, {N, ANY}, {V, ANY}}},
	/* first EAP response; AUTH is absent with EAP-only (RFC 5998) */
	{{{IDR, ONE}, {CERT, ANY}, {AUTH, OPT}, {EAP, ONE}, {N, ANY}, {V, ANY}}},
	/* later EAP rounds */
	{{{EAP, ONE}, {N, ANY}}},
	/* the final response after EAP */
	{{{AUTH, ONE}, {CP, OPT}, {SA, ONE}, {TSI, ONE}, {TSR, ONE}, {N, ANY}, {V, ANY}}},
	{{{AUTH, ONE}, {CP, OPT}, {N, ANY}, {V, ANY}}},
	/* an error such as AUTHENTICATION_FAILED */
	{{{N, SOME}, {V, ANY}}},
};

/* CREATE_CHILD_SA request inside SK (§1.3.1 - §1.3.3). */
static const Shape child_request_inner[] = {
	/* new or rekeyed Child SA: [N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr */
	{{{SA, ONE}, {NONCE, ONE}, {KE, OPT}, {TSI, ONE}, {TSR, ONE}, {N, ANY}, {V, ANY}}},
	/* IKE SA rekey: SA, Ni, KEi */
	{{{SA, ONE}, {NONCE, ONE}, {KE, ONE}, {N, ANY}, {V, ANY}}},
};

static const Shape child_response_inner[] = {
	{{{SA, ONE}, {NONCE, ONE}, {KE, OPT}, {TSI, ONE}, {TSR, ONE}, {N, ANY}, {V, ANY}}},
	{{{SA, ONE}, {NONCE, ONE}, {KE, ONE}, {N, ANY}, {V, ANY}}},
	/* NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, TEMPORARY_FAILURE, ... */
	{{{N, SOME}, {V, ANY}}},
};

/* INFORMATIONAL inside SK: zero or more N, D and CP (§1.4); empty is a
 * liveness check. */
static const Shape informational_inner[] = {
	{{{N, ANY}, {D, ANY}, {CP, ANY}, {V, ANY}}},
};

/* INFORMATIONAL outside any IKE SA (§1.5): unprotected notifies only, or the
 * normal encrypted form. */
static const Shape informational_outer[] = {
	{{{SK, ONE}}},
	{{{SKF, ONE}}},
	{{{N, SOME}}},
};

/* IKE_SESSION_RESUME (RFC 5723 §4.1): Ni, N(TICKET_OPAQUE) [,N+]; the
 * response Nr [,N+] or a notify alone (COOKIE, TICKET_NACK). */
static const Shape resume_request[] = {
	{{{NONCE, ONE}, {N, SOME}, {V, ANY}}},
};
static const Shape resume_response[] = {
	{{{NONCE, ONE}, {N, ANY}, {V, ANY}}},
	{{{N, SOME}, {V, ANY}}},
};

/* IKE_INTERMEDIATE (RFC 9242): contents depend on the extension using it;
 * RFC 9370 puts one KE in each. */
static const Shape intermediate_inner[] = {
	{{{KE, OPT}, {N, ANY}, {V, ANY}}},
};

/* IKE_FOLLOWUP_KEX (RFC 9370 §2.2.4): KE, N(ADDITIONAL_KEY_EXCHANGE). */
static const Shape followup_request_inner[] = {
	{{{KE, ONE}, {N, SOME}, {V, ANY}}},
};
static const Shape followup_response_inner[] = {
	{{{KE, ONE}, {N, ANY}, {V, ANY}}},
	{{{N, SOME}, {V, ANY}}},
};

#define ENTRY(ex, resp, layer, shapes) {ex, resp, layer, shapes, G_N_ELEMENTS(shapes)}

static const ExchangeRules exchange_rules[] = {
	ENTRY(IKE_EXCHANGE_IKE_SA_INIT, FALSE, IKE_RULES_OUTER, sa_init_request),
	ENTRY(IKE_EXCHANGE_IKE_SA_INIT, TRUE, IKE_RULES_OUTER, sa_init_response),
	ENTRY(IKE_EXCHANGE_IKE_AUTH, FALSE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_AUTH, TRUE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_AUTH, FALSE, IKE_RULES_INNER, auth_request_inner),
	ENTRY(IKE_EXCHANGE_IKE_AUTH, TRUE, IKE_RULES_INNER, auth_response_inner),
	ENTRY(IKE_EXCHANGE_CREATE_CHILD_SA, FALSE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_CREATE_CHILD_SA, TRUE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_CREATE_CHILD_SA, FALSE, IKE_RULES_INNER, child_request_inner),
	ENTRY(IKE_EXCHANGE_CREATE_CHILD_SA, TRUE, IKE_RULES_INNER, child_response_inner),
	ENTRY(IKE_EXCHANGE_INFORMATIONAL, FALSE, IKE_RULES_OUTER, informational_outer),
	ENTRY(IKE_EXCHANGE_INFORMATIONAL, TRUE, IKE_RULES_OUTER, informational_outer),
	ENTRY(IKE_EXCHANGE_INFORMATIONAL, FALSE, IKE_RULES_INNER, informational_inner),
	ENTRY(IKE_EXCHANGE_INFORMATIONAL, TRUE, IKE_RULES_INNER, informational_inner),
	ENTRY(IKE_EXCHANGE_IKE_SESSION_RESUME, FALSE, IKE_RULES_OUTER, resume_request),
	ENTRY(IKE_EXCHANGE_IKE_SESSION_RESUME, TRUE, IKE_RULES_OUTER, resume_response),
	ENTRY(IKE_EXCHANGE_IKE_INTERMEDIATE, FALSE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_INTERMEDIATE, TRUE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_INTERMEDIATE, FALSE, IKE_RULES_INNER, intermediate_inner),
	ENTRY(IKE_EXCHANGE_IKE_INTERMEDIATE, TRUE, IKE_RULES_INNER, intermediate_inner),
	ENTRY(IKE_EXCHANGE_IKE_FOLLOWUP_KEX, FALSE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_FOLLOWUP_KEX, TRUE, IKE_RULES_OUTER, encrypted_outer),
	ENTRY(IKE_EXCHANGE_IKE_FOLLOWUP_KEX, FALSE, IKE_RULES_INNER, followup_request_inner),
	ENTRY(IKE_EXCHANGE_IKE_FOLLOWUP_KEX, TRUE, IKE_RULES_INNER, followup_response_inner),
};
/* clang-format on */

static gboolean
presence_allows(Presence presence, guint count)
{
	switch (presence) {
	case ONE:
		return count == 1;
	case OPT:
		return count <= 1;
	case ANY:
		return TRUE;
	case SOME:
		return count >= 1;
	}
	return FALSE;
}

static const Rule *
shape_rule(const Shape *shape, guint8 type)
{
	for (gsize i = 0; i < MAX_RULES && shape->rules[i].type != 0; i++) {
		if (shape->rules[i].type == type)
			return &shape->rules[i];
	}
	return NULL;
}

/* Counts the problems of @counts against @shape; describes the first in
 * *@first (owned) when it is NULL. */
static guint
shape_problems(const Shape *shape, const guint counts[256], const char *what, char **first)
{
	char buf[IKE_NAME_BUF_LEN];
	guint problems = 0;

	for (gsize i = 0; i < MAX_RULES && shape->rules[i].type != 0; i++) {
		const Rule *r = &shape->rules[i];
		guint c = counts[r->type];
		const char *name = ike_name_or_unknown(IKE_REG_PAYLOAD, r->type, buf, sizeof(buf));

		if (presence_allows(r->presence, c))
			continue;
		problems++;
		if (*first != NULL)
			continue;
		if (c == 0)
			*first = g_strdup_printf("%s: required payload %s is missing", what, name);
		else
			*first =
			        g_strdup_printf("%s: payload %s appears %u times, but at most once "
			                        "is allowed",
			                        what, name, c);
	}
	for (guint t = 1; t < 256; t++) {
		if (counts[t] == 0 || shape_rule(shape, (guint8) t) != NULL)
			continue;
		problems++;
		if (*first == NULL)
			*first = g_strdup_printf(
			        "%s: payload %s is not allowed", what,
			        ike_name_or_unknown(IKE_REG_PAYLOAD, t, buf, sizeof(buf)));
	}
	return problems;
}

gboolean
ike_rules_check(guint8 exchange_type, gboolean response, IkeRulesLayer layer,
                const GPtrArray *payloads, GError **error)
{
	char exbuf[IKE_NAME_BUF_LEN];
	const ExchangeRules *er = NULL;
	g_autofree char *what = NULL;
	g_autofree char *best_msg = NULL;
	guint best = G_MAXUINT;
	guint counts[256] = {0};

	for (gsize i = 0; i < G_N_ELEMENTS(exchange_rules); i++) {
		const ExchangeRules *e = &exchange_rules[i];

		if (e->exchange == exchange_type && e->response == response && e->layer == layer)
			er = e;
	}
	what = g_strdup_printf(
	        "%s %s%s",
	        ike_name_or_unknown(IKE_REG_EXCHANGE, exchange_type, exbuf, sizeof(exbuf)),
	        response ? "response" : "request",
	        layer == IKE_RULES_INNER ? " (encrypted part)" : "");
	if (er == NULL) {
		g_set_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX,
		            "%s: no payload rules for this exchange type", what);
		return FALSE;
	}
	/* §2.5: payloads the codec does not understand (non-critical) are
	 * skipped, so they take no part in the rules. */
	for (guint i = 0; payloads != NULL && i < payloads->len; i++) {
		const IkePayload *p = g_ptr_array_index(payloads, i);

		if (p->known)
			counts[p->type]++;
	}
	for (gsize s = 0; s < er->n_shapes; s++) {
		g_autofree char *msg = NULL;
		guint problems = shape_problems(&er->shapes[s], counts, what, &msg);

		if (problems == 0)
			return TRUE;
		/* Report against the closest shape; ties go to the first, which is
		 * the usual form of the message. */
		if (problems < best) {
			best = problems;
			g_free(best_msg);
			best_msg = g_steal_pointer(&msg);
		}
	}
	g_set_error_literal(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX, best_msg);
	return FALSE;
}

gboolean
ike_message_check_rules(const IkeMessage *msg, GError **error)
{
	gboolean response = (msg->header.flags & IKE_FLAG_RESPONSE) != 0;

	if (!ike_rules_check(msg->header.exchange_type, response, IKE_RULES_OUTER, msg->payloads,
	                     error))
		return FALSE;
	if (msg->inner == NULL)
		return TRUE;
	return ike_rules_check(msg->header.exchange_type, response, IKE_RULES_INNER, msg->inner,
	                       error);
}
