/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE header, RFC 7296 §3.1:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Responder's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Message ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: X X R V I X X X (R = Response, V = Version, I = Initiator).
 */
#include "ike-codec.h"
#include "wire.h"

G_DEFINE_QUARK(ike - codec - error - quark, ike_codec_error)

gboolean
ike_header_peek(const guint8 *data, gsize len, IkeHeader *out, GError **error)
{
	IkeReader r;
	guint8 ver = 0;

	if (data == NULL || len < IKE_HEADER_LEN) {
		g_set_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX,
		            "IKE header at offset 0: %" G_GSIZE_FORMAT
		            " bytes is shorter than the %d-byte header",
		            data == NULL ? 0 : len, IKE_HEADER_LEN);
		return FALSE;
	}
	ike_reader_init(&r, data, IKE_HEADER_LEN, 0);
	ike_read_u64(&r, &out->spi_i);
	ike_read_u64(&r, &out->spi_r);
	ike_read_u8(&r, &out->next_payload);
	ike_read_u8(&r, &ver);
	out->major_version = ver >> 4;
	out->minor_version = ver & 0x0f;
	ike_read_u8(&r, &out->exchange_type);
	ike_read_u8(&r, &out->flags);
	ike_read_u32(&r, &out->message_id);
	ike_read_u32(&r, &out->length);
	return TRUE;
}

gboolean
ike_header_parse(const guint8 *data, gsize len, IkeHeader *out, GError **error)
{
	if (!ike_header_peek(data, len, out, error))
		return FALSE;
	/* §3.1: "Implementations based on this version of IKE MUST set the
	 * major version to 2" and MUST reject greater versions with
	 * INVALID_MAJOR_VERSION. Version 1 is IKEv1, which we do not speak
	 * either; the same code lets the engine decide to drop it. */
	if (out->major_version != IKE_MAJOR_VERSION) {
		g_set_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_MAJOR_VERSION,
		            "IKE header at offset 0: major version %u is not %d",
		            out->major_version, IKE_MAJOR_VERSION);
		return FALSE;
	}
	/* §3.1 Length is the "Length of the total message (header + payloads)";
	 * anything else means truncation or trailing junk, and both would let
	 * the payload walk disagree with what the peer signed. */
	if (out->length != len) {
		g_set_error(error, IKE_CODEC_ERROR, IKE_CODEC_ERROR_INVALID_SYNTAX,
		            "IKE header at offset 0: length %u does not match the %" G_GSIZE_FORMAT
		            "-byte datagram",
		            out->length, len);
		return FALSE;
	}
	return TRUE;
}

void
ike_header_write(const IkeHeader *hdr, guint8 out[IKE_HEADER_LEN])
{
	g_autoptr(GByteArray) b = g_byte_array_sized_new(IKE_HEADER_LEN);

	ike_write_u64(b, hdr->spi_i);
	ike_write_u64(b, hdr->spi_r);
	ike_write_u8(b, hdr->next_payload);
	ike_write_u8(b, (guint8) ((hdr->major_version << 4) | (hdr->minor_version & 0x0f)));
	ike_write_u8(b, hdr->exchange_type);
	ike_write_u8(b, hdr->flags);
	ike_write_u32(b, hdr->message_id);
	ike_write_u32(b, hdr->length);
	memcpy(out, b->data, IKE_HEADER_LEN);
}
