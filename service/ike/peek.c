/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE_SA_INIT request peek (ike-peek.h).  Generic payload header, RFC 7296
 * §3.2:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * and the Notify body of §3.10 (Protocol ID, SPI Size, Notify Message Type,
 * SPI, Notification Data).  Only what the stateless checks need is read;
 * the full parse happens once state exists.
 */
#include "ike-peek.h"

#include <string.h>

#include "ike-codec.h"
#include "ike-names.h"

static guint16
rd16(const guint8 *p)
{
	return (guint16) (p[0] << 8 | p[1]);
}

gboolean
ike_init_peek(const guint8 *data, gsize len, IkeInitPeek *out)
{
	gsize off = IKE_HEADER_LEN;
	guint8 type;
	guint n = 0;

	memset(out, 0, sizeof(*out));
	if (len < IKE_HEADER_LEN)
		return FALSE;
	type = data[16]; /* Next Payload of the header (§3.1) */
	while (type != IKE_PAYLOAD_NONE) {
		gsize plen;
		const guint8 *body;
		gsize body_len;

		/* check the length, then read */
		if (len - off < IKE_GENERIC_HEADER_LEN)
			return FALSE;
		plen = rd16(data + off + 2);
		if (plen < IKE_GENERIC_HEADER_LEN || plen > len - off)
			return FALSE;
		body = data + off + IKE_GENERIC_HEADER_LEN;
		body_len = plen - IKE_GENERIC_HEADER_LEN;
		if (type == IKE_PAYLOAD_NOTIFY) {
			guint8 spi_size;
			guint16 ntype;
			const guint8 *nd;
			gsize nd_len;

			if (body_len < 4 || (gsize) body[1] > body_len - 4)
				return FALSE;
			spi_size = body[1];
			ntype = rd16(body + 2);
			nd = body + 4 + spi_size;
			nd_len = body_len - 4 - spi_size;
			if (ntype == IKE_NOTIFY_COOKIE && n == 0) {
				out->cookie = nd;
				out->cookie_len = nd_len;
			} else if (ntype == IKE_NOTIFY_REDIRECT_SUPPORTED) {
				out->redirect_supported = TRUE;
			} else if (ntype == IKE_NOTIFY_REDIRECTED_FROM) {
				out->redirected_from = nd;
				out->redirected_from_len = nd_len;
			}
		} else if (type == IKE_PAYLOAD_NONCE && out->nonce == NULL) {
			out->nonce = body;
			out->nonce_len = body_len;
		}
		type = data[off];
		off += plen;
		n++;
	}
	return off == len;
}
