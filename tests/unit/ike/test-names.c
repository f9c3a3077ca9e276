/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proves service/ike/names.c: number <-> name tables from ike-names.def. */
#include "ike-test-util.h"

/* Every entry of every registry maps number -> name -> the same number, and
 * names are unique within a registry (else name -> number is ambiguous). */
static void
test_round_trip_all(void)
{
	for (int reg = 0; reg < IKE_REG_N_REGISTRIES; reg++) {
		gsize n = 0;
		const IkeNameEntry *e = ike_registry_entries(reg, &n);
		g_autoptr(GHashTable) seen =
		        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

		g_assert_nonnull(ike_registry_name(reg));
		g_assert_cmpuint(n, >, 0);
		for (gsize i = 0; i < n; i++) {
			guint32 v = 0xdeadbeef;
			g_autofree char *lower = g_ascii_strdown(e[i].name, -1);

			g_assert_cmpstr(ike_name(reg, e[i].value), ==, e[i].name);
			g_assert_true(ike_name_to_value(reg, e[i].name, &v));
			g_assert_cmpuint(v, ==, e[i].value);
			/* case-insensitive, for the CLI */
			g_assert_true(ike_name_to_value(reg, lower, &v));
			g_assert_cmpuint(v, ==, e[i].value);
			g_assert_false(g_hash_table_contains(seen, lower));
			g_hash_table_add(seen, g_steal_pointer(&lower));
			/* ascending, as the .def promises */
			if (i > 0)
				g_assert_cmpuint(e[i - 1].value, <, e[i].value);
		}
	}
}

static void
test_known_values(void)
{
	char buf[IKE_NAME_BUF_LEN];

	g_assert_cmpstr(ike_name(IKE_REG_PAYLOAD, 33), ==, "SA");
	g_assert_cmpstr(ike_name(IKE_REG_PAYLOAD, 40), ==, "Nonce");
	g_assert_cmpstr(ike_name(IKE_REG_PAYLOAD, 41), ==, "Notify");
	g_assert_cmpstr(ike_name(IKE_REG_PAYLOAD, 43), ==, "VendorID");
	g_assert_cmpstr(ike_name(IKE_REG_PAYLOAD, 53), ==, "SKF");
	g_assert_cmpstr(ike_name(IKE_REG_EXCHANGE, 34), ==, "IKE_SA_INIT");
	g_assert_cmpstr(ike_name(IKE_REG_ENCR, 20), ==, "ENCR_AES_GCM_16");
	g_assert_cmpstr(ike_name(IKE_REG_ENCR, 28), ==, "ENCR_CHACHA20_POLY1305");
	g_assert_cmpstr(ike_name(IKE_REG_PRF, 5), ==, "PRF_HMAC_SHA2_256");
	g_assert_cmpstr(ike_name(IKE_REG_INTEG, 12), ==, "AUTH_HMAC_SHA2_256_128");
	g_assert_cmpstr(ike_name(IKE_REG_KE, 31), ==, "CURVE25519");
	g_assert_cmpstr(ike_name(IKE_REG_KE, 14), ==, "MODP_2048");
	g_assert_cmpstr(ike_name(IKE_REG_NOTIFY, 16388), ==, "NAT_DETECTION_SOURCE_IP");
	g_assert_cmpstr(ike_name(IKE_REG_NOTIFY, 16430), ==, "IKEV2_FRAGMENTATION_SUPPORTED");
	g_assert_cmpstr(ike_name(IKE_REG_NOTIFY, 7), ==, "INVALID_SYNTAX");
	g_assert_cmpstr(ike_name(IKE_REG_AUTH_METHOD, 14), ==, "DIGITAL_SIGNATURE");
	g_assert_cmpstr(ike_name(IKE_REG_ID, 9), ==, "ID_DER_ASN1_DN");
	g_assert_cmpstr(ike_name(IKE_REG_TS, 8), ==, "TS_IPV6_ADDR_RANGE");
	g_assert_cmpstr(ike_name(IKE_REG_PROTO, 3), ==, "ESP");
	g_assert_cmpstr(ike_name(IKE_REG_CFG, 1), ==, "CFG_REQUEST");
	g_assert_cmpstr(ike_name(IKE_REG_CP_ATTR, 1), ==, "INTERNAL_IP4_ADDRESS");
	/* enums and names come from the same line of the .def */
	g_assert_cmpint(IKE_NOTIFY_COOKIE, ==, 16390);
	g_assert_cmpint(IKE_PAYLOAD_SKF, ==, 53);
	g_assert_cmpint(IKE_ENCR_AES_GCM_16, ==, 20);
	g_assert_cmpint(IKE_KE_CURVE25519, ==, 31);
	/* error codes equal notify numbers */
	g_assert_cmpint(IKE_CODEC_ERROR_INVALID_SYNTAX, ==, IKE_NOTIFY_INVALID_SYNTAX);
	g_assert_cmpint(IKE_CODEC_ERROR_UNSUPPORTED_CRITICAL_PAYLOAD, ==,
	                IKE_NOTIFY_UNSUPPORTED_CRITICAL_PAYLOAD);
	g_assert_cmpint(IKE_CODEC_ERROR_INVALID_MAJOR_VERSION, ==,
	                IKE_NOTIFY_INVALID_MAJOR_VERSION);
	g_assert_cmpint(IKE_CODEC_ERROR_INVALID_MESSAGE_ID, ==, IKE_NOTIFY_INVALID_MESSAGE_ID);
	(void) buf;
}

static void
test_unknown(void)
{
	char buf[IKE_NAME_BUF_LEN];
	guint32 v = 0;

	g_assert_null(ike_name(IKE_REG_PAYLOAD, 200));
	g_assert_cmpstr(ike_name_or_unknown(IKE_REG_PAYLOAD, 200, buf, sizeof(buf)), ==,
	                "UNKNOWN(200)");
	g_assert_cmpstr(ike_name_or_unknown(IKE_REG_NOTIFY, G_MAXUINT32, buf, sizeof(buf)), ==,
	                "UNKNOWN(4294967295)");
	/* printed unknowns and plain numbers parse back */
	g_assert_true(ike_name_to_value(IKE_REG_PAYLOAD, "UNKNOWN(200)", &v));
	g_assert_cmpuint(v, ==, 200);
	g_assert_true(ike_name_to_value(IKE_REG_KE, "31", &v));
	g_assert_cmpuint(v, ==, 31);
	v = 7;
	g_assert_false(ike_name_to_value(IKE_REG_KE, "CURVE9", &v));
	g_assert_false(ike_name_to_value(IKE_REG_KE, "", &v));
	g_assert_false(ike_name_to_value(IKE_REG_KE, "4294967296", &v));
	g_assert_false(ike_name_to_value(IKE_REG_KE, "UNKNOWN()", &v));
	g_assert_false(ike_name_to_value(IKE_REG_KE, "12a", &v));
	g_assert_cmpuint(v, ==, 7);
	g_assert_null(ike_name(IKE_REG_N_REGISTRIES, 1));
}

static void
test_transform_registry(void)
{
	IkeRegistry reg;

	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_ENCR, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_ENCR);
	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_PRF, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_PRF);
	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_INTEG, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_INTEG);
	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_KE, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_KE);
	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_ADDKE7, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_KE);
	g_assert_true(ike_transform_id_registry(IKE_TRANSFORM_ESN, &reg));
	g_assert_cmpint(reg, ==, IKE_REG_ESN);
	g_assert_false(ike_transform_id_registry(0, &reg));
	g_assert_false(ike_transform_id_registry(200, &reg));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ike/names/round-trip-all", test_round_trip_all);
	g_test_add_func("/ike/names/known-values", test_known_values);
	g_test_add_func("/ike/names/unknown", test_unknown);
	g_test_add_func("/ike/names/transform-registry", test_transform_registry);
	return g_test_run();
}
