/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proves service/ike/rules.c: the per-exchange payload tables. */
#include "ike-test-util.h"

/* A chain of known payloads of the listed types (bodies irrelevant here). */
static GPtrArray *
chain_of(const guint8 *types, gsize n)
{
	GPtrArray *chain = ike_payload_chain_new();

	for (gsize i = 0; i < n; i++) {
		IkePayload *p = ike_payload_new(types[i]);

		if (types[i] == IKE_PAYLOAD_NOTIFY)
			p->u.notify.type = IKE_NOTIFY_COOKIE;
		g_ptr_array_add(chain, p);
	}
	return chain;
}

#define CHAIN(...) chain_of((const guint8[]){__VA_ARGS__}, sizeof((const guint8[]){__VA_ARGS__}))

static void
expect(guint8 exchange, gboolean response, IkeRulesLayer layer, GPtrArray *chain,
       const char *needle)
{
	g_autoptr(GPtrArray) owned = chain;
	g_autoptr(GError) error = NULL;
	gboolean ok = ike_rules_check(exchange, response, layer, owned, &error);

	if (needle == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX);
	if (strstr(error->message, needle) == NULL)
		g_error("error \"%s\" lacks \"%s\"", error->message, needle);
}

enum {
	SA = IKE_PAYLOAD_SA,
	KE = IKE_PAYLOAD_KE,
	NONCE = IKE_PAYLOAD_NONCE,
	N = IKE_PAYLOAD_NOTIFY,
	V = IKE_PAYLOAD_VENDOR,
	SK = IKE_PAYLOAD_SK,
	SKF = IKE_PAYLOAD_SKF,
	IDI = IKE_PAYLOAD_IDI,
	IDR = IKE_PAYLOAD_IDR,
	AUTH = IKE_PAYLOAD_AUTH,
	CERT = IKE_PAYLOAD_CERT,
	CERTREQ = IKE_PAYLOAD_CERTREQ,
	TSI = IKE_PAYLOAD_TSI,
	TSR = IKE_PAYLOAD_TSR,
	D = IKE_PAYLOAD_DELETE,
	CP = IKE_PAYLOAD_CP,
	EAP = IKE_PAYLOAD_EAP,
};

#define OUT IKE_RULES_OUTER
#define IN IKE_RULES_INNER
#define INIT IKE_EXCHANGE_IKE_SA_INIT
#define AUTHX IKE_EXCHANGE_IKE_AUTH
#define CHILD IKE_EXCHANGE_CREATE_CHILD_SA
#define INFO IKE_EXCHANGE_INFORMATIONAL

static void
test_sa_init(void)
{
	expect(INIT, FALSE, OUT, CHAIN(SA, KE, NONCE, N, N, V), NULL);
	expect(INIT, FALSE, OUT, CHAIN(SA, KE, NONCE), NULL);
	/* order is not the table's business, presence is */
	expect(INIT, FALSE, OUT, CHAIN(N, NONCE, KE, SA), NULL);
	expect(INIT, FALSE, OUT, CHAIN(SA, NONCE, N),
	       "IKE_SA_INIT request: required payload KE is missing");
	expect(INIT, FALSE, OUT, CHAIN(SA, KE, NONCE, NONCE),
	       "IKE_SA_INIT request: payload Nonce appears 2 times, but at most once is allowed");
	expect(INIT, FALSE, OUT, CHAIN(SA, KE, NONCE, SK),
	       "IKE_SA_INIT request: payload SK is not allowed");
	expect(INIT, FALSE, OUT, CHAIN(SA, KE, NONCE, CERTREQ), "payload CERTREQ is not allowed");
	/* responses: full, with CERTREQ, or notify-only (COOKIE,
	 * INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN) */
	expect(INIT, TRUE, OUT, CHAIN(SA, KE, NONCE, CERTREQ, N, V), NULL);
	expect(INIT, TRUE, OUT, CHAIN(N), NULL);
	expect(INIT, TRUE, OUT, CHAIN(N, V), NULL);
	expect(INIT, TRUE, OUT, CHAIN(SA, NONCE, N),
	       "IKE_SA_INIT response: required payload KE is missing");
	expect(INIT, TRUE, OUT, CHAIN(V), "required payload");
}

static void
test_encrypted_exchanges(void)
{
	const guint8 exchanges[] = {AUTHX, CHILD, INFO, IKE_EXCHANGE_IKE_INTERMEDIATE};

	for (gsize i = 0; i < G_N_ELEMENTS(exchanges); i++) {
		for (int r = 0; r < 2; r++) {
			expect(exchanges[i], r, OUT, CHAIN(SK), NULL);
			expect(exchanges[i], r, OUT, CHAIN(SKF), NULL);
			expect(exchanges[i], r, OUT, CHAIN(SK, SK), "SK appears 2 times");
		}
	}
	expect(AUTHX, FALSE, OUT, CHAIN(IDI, AUTH),
	       "IKE_AUTH request: required payload SK is "
	       "missing");
	expect(AUTHX, FALSE, OUT, CHAIN(SK, N), "IKE_AUTH request: payload Notify is not allowed");
	/* unprotected INFORMATIONAL with notifies only (§1.5) */
	expect(INFO, TRUE, OUT, CHAIN(N), NULL);
	expect(INFO, TRUE, OUT, CHAIN(D), "INFORMATIONAL response: required payload SK is missing");
}

static void
test_ike_auth_inner(void)
{
	expect(AUTHX, FALSE, IN, CHAIN(IDI, CERT, CERTREQ, IDR, AUTH, SA, TSI, TSR, N, N), NULL);
	expect(AUTHX, FALSE, IN, CHAIN(IDI, AUTH, CP, SA, TSI, TSR), NULL);
	/* EAP: no AUTH in the first request, then EAP rounds, then AUTH */
	expect(AUTHX, FALSE, IN, CHAIN(IDI, SA, TSI, TSR), NULL);
	expect(AUTHX, FALSE, IN, CHAIN(EAP), NULL);
	expect(AUTHX, FALSE, IN, CHAIN(AUTH), NULL);
	/* childless (RFC 6023) */
	expect(AUTHX, FALSE, IN, CHAIN(IDI, AUTH, N), NULL);
	expect(AUTHX, FALSE, IN, CHAIN(AUTH, SA, TSI, TSR),
	       "IKE_AUTH request (encrypted part): required payload IDi is missing");
	expect(AUTHX, FALSE, IN, CHAIN(IDI, IDI, AUTH, SA, TSI, TSR), "IDi appears 2 times");
	expect(AUTHX, FALSE, IN, CHAIN(IDI, AUTH, SA, TSI, TSR, KE), "payload KE is not allowed");

	expect(AUTHX, TRUE, IN, CHAIN(IDR, CERT, AUTH, SA, TSI, TSR, N), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(IDR, AUTH, N), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(IDR, CERT, AUTH, EAP), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(EAP), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(AUTH, SA, TSI, TSR), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(N), NULL);
	expect(AUTHX, TRUE, IN, CHAIN(IDR, SA, TSI, TSR),
	       "IKE_AUTH response (encrypted part): required payload AUTH is missing");
}

static void
test_child_and_info_inner(void)
{
	expect(CHILD, FALSE, IN, CHAIN(N, SA, NONCE, KE, TSI, TSR), NULL);
	expect(CHILD, FALSE, IN, CHAIN(SA, NONCE, TSI, TSR), NULL);
	expect(CHILD, FALSE, IN, CHAIN(SA, NONCE, KE), NULL); /* IKE SA rekey */
	expect(CHILD, FALSE, IN, CHAIN(SA, KE, TSI, TSR),
	       "CREATE_CHILD_SA request (encrypted part): required payload Nonce is missing");
	expect(CHILD, TRUE, IN, CHAIN(N), NULL); /* e.g. NO_PROPOSAL_CHOSEN */
	expect(CHILD, TRUE, IN, CHAIN(SA, NONCE, TSI, TSR, TSR), "TSr appears 2 times");

	expect(INFO, FALSE, IN, ike_payload_chain_new(), NULL); /* liveness check */
	expect(INFO, FALSE, IN, CHAIN(D, D, N, CP), NULL);
	expect(INFO, TRUE, IN, CHAIN(SA),
	       "INFORMATIONAL response (encrypted part): payload SA "
	       "is not allowed");
}

static void
test_unknown_exchange_and_payloads(void)
{
	GPtrArray *chain = CHAIN(SA, KE, NONCE);

	expect(99, FALSE, OUT, CHAIN(SA), "UNKNOWN(99) request: no payload rules");
	/* unknown non-critical payloads take no part in the rules (§2.5) */
	g_ptr_array_add(chain, ike_payload_new(200));
	g_assert_false(((IkePayload *) g_ptr_array_index(chain, 3))->known);
	expect(INIT, FALSE, OUT, chain, NULL);
}

static void
test_message_check(void)
{
	g_autoptr(GByteArray) v = sa_init_request_bytes();
	g_autoptr(IkeMessage) msg = parse_ok(v);
	g_autoptr(GError) error = NULL;

	g_assert_true(ike_message_check_rules(msg, &error));
	/* remove KE: the message check names it */
	g_ptr_array_remove_index(msg->payloads, 1);
	g_assert_false(ike_message_check_rules(msg, &error));
	g_assert_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX);
	g_assert_cmpstr(error->message, ==, "IKE_SA_INIT request: required payload KE is missing");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/rules/sa-init", test_sa_init);
	g_test_add_func("/ike/rules/encrypted-exchanges", test_encrypted_exchanges);
	g_test_add_func("/ike/rules/ike-auth-inner", test_ike_auth_inner);
	g_test_add_func("/ike/rules/child-and-info-inner", test_child_and_info_inner);
	g_test_add_func("/ike/rules/unknown", test_unknown_exchange_and_payloads);
	g_test_add_func("/ike/rules/message-check", test_message_check);
	return g_test_run();
}
