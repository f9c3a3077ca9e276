/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebus-ike-dump: print one raw IKEv2 message (a UDP payload from a capture)
 * as text or JSON, using the wire codec in service/ike/.
 *
 * Exit status: 0 the message parsed, 1 unreadable or malformed input (one
 * line on stderr), 2 usage error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "ike.h"

#define PROG "ikebus-ike-dump"
/* A UDP payload is at most 65535 bytes; hex text of it with separators a few
 * times that. Anything bigger is not one IKE message. */
#define DUMP_MAX_INPUT (1024 * 1024)
#define NON_ESP_MARKER_LEN 4

enum { EXIT_OK = 0, EXIT_BAD_INPUT = 1, EXIT_USAGE = 2 };

typedef struct {
	gboolean hex;
	gboolean json;
	gboolean force_marker;
	gboolean check_rules;
	gboolean version;
} Options;

/* Prints "ikebus-ike-dump: <name>: <msg>" as exactly one line. */
static int G_GNUC_PRINTF(2, 3)
fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_strdelimit(msg, "\r\n", ' ');
	fprintf(stderr, "%s: %s: %s\n", PROG, name, msg);
	return EXIT_BAD_INPUT;
}

/* Reads all of @fd (at most DUMP_MAX_INPUT bytes). */
static GByteArray *
read_all(int fd, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[8192];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(e),
			                    g_strerror(e));
			return NULL;
		}
		if (n == 0)
			break;
		if (buf->len + (gsize)n > DUMP_MAX_INPUT) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "input is larger than %d bytes, not one IKE message", DUMP_MAX_INPUT);
			return NULL;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return g_steal_pointer(&buf);
}

static GByteArray *
read_input(const char *path, GError **error)
{
	int fd;
	GByteArray *out;

	if (g_str_equal(path, "-"))
		return read_all(STDIN_FILENO, error);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(e), g_strerror(e));
		return NULL;
	}
	out = read_all(fd, error);
	close(fd);
	return out;
}

/* Decodes hex text: digits in pairs, with any whitespace and ':' between
 * bytes (tcpdump -x, tshark -x hex column, xxd -p, Wireshark "copy as hex"). */
static GByteArray *
decode_hex(const GByteArray *text, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(text->len / 2);
	int hi = -1;
	gsize line = 1, col = 0, hi_pos = 0;

	for (gsize i = 0; i < text->len; i++) {
		guint8 c = text->data[i];
		col++;
		if (c == '\n') {
			line++;
			col = 0;
		}
		if (g_ascii_isspace(c) || c == ':') {
			if (hi >= 0) {
				g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				            "bad hex: lone digit at byte %" G_GSIZE_FORMAT
				            " (hex digits must come in pairs)", hi_pos);
				return NULL;
			}
			continue;
		}
		if (!g_ascii_isxdigit(c)) {
			g_autofree char *shown = g_ascii_isprint(c) ? g_strdup_printf("'%c'", c)
			                                             : g_strdup_printf("0x%02x", c);
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "bad hex: non-hex character %s at byte %" G_GSIZE_FORMAT
			            " (line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT ")",
			            shown, i, line, col);
			return NULL;
		}
		if (hi < 0) {
			hi = g_ascii_xdigit_value((char)c);
			hi_pos = i;
		} else {
			guint8 b = (guint8)(hi << 4 | g_ascii_xdigit_value((char)c));
			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	if (hi >= 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "bad hex: odd number of hex digits (lone digit at byte %" G_GSIZE_FORMAT ")",
		            hi_pos);
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* TRUE if @data starts with the 4-byte zero non-ESP marker (RFC 3948 §2.2)
 * followed by something that looks like an IKE header whose Length covers the
 * rest. A real IKE message never starts with four zero bytes in practice:
 * that is the start of the initiator's SPI, which RFC 7296 §3.1 says is not
 * zero. */
static gboolean
looks_like_marker(const guint8 *data, gsize len)
{
	IkeHeader h;

	if (len < NON_ESP_MARKER_LEN + IKE_HEADER_LEN)
		return FALSE;
	if (memcmp(data, "\0\0\0\0", NON_ESP_MARKER_LEN) != 0)
		return FALSE;
	if (!ike_header_peek(data + NON_ESP_MARKER_LEN, len - NON_ESP_MARKER_LEN, &h, NULL))
		return FALSE;
	return h.major_version == IKE_MAJOR_VERSION && h.length == len - NON_ESP_MARKER_LEN;
}

static int
dump(const char *path, const Options *opt)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) raw = read_input(path, &error);
	g_autoptr(GByteArray) bin = NULL;
	g_autoptr(IkeMessage) msg = NULL;
	g_autofree char *out = NULL;
	const guint8 *data;
	gsize len;

	if (raw == NULL)
		return fail(path, "%s", error->message);
	if (opt->hex) {
		bin = decode_hex(raw, &error);
		if (bin == NULL)
			return fail(path, "%s", error->message);
	} else {
		bin = g_steal_pointer(&raw);
	}
	data = bin->data;
	len = bin->len;
	if (len == 0)
		return fail(path, "empty input, no IKE message");
	if (opt->force_marker) {
		if (len < NON_ESP_MARKER_LEN || memcmp(data, "\0\0\0\0", NON_ESP_MARKER_LEN) != 0)
			return fail(path, "no non-ESP marker: the first 4 bytes are not zero");
		data += NON_ESP_MARKER_LEN;
		len -= NON_ESP_MARKER_LEN;
	} else if (looks_like_marker(data, len)) {
		data += NON_ESP_MARKER_LEN;
		len -= NON_ESP_MARKER_LEN;
	}

	msg = ike_message_parse(data, len, &error);
	if (msg == NULL)
		return fail(path, "%s", error->message);
	if (opt->check_rules && !ike_message_check_rules(msg, &error))
		return fail(path, "%s", error->message);

	out = opt->json ? ike_message_to_json(msg) : ike_message_to_text(msg);
	fputs(out, stdout);
	if (opt->json)
		fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("stdout", "write failed: %s", g_strerror(errno));
	return EXIT_OK;
}

static const char *description =
	"FILE holds one IKEv2 message (RFC 7296): the UDP payload of one packet to\n"
	"or from port 500 or 4500, for example from\n"
	"  tshark -r capture.pcap -Y isakmp -T fields -e udp.payload\n"
	"(that is hex: use --hex). FILE \"-\" reads standard input.\n"
	"\n"
	"Input:\n"
	"  Binary by default. With --hex the input is hex digits in pairs; spaces,\n"
	"  tabs, newlines and ':' between bytes are ignored, anything else is an\n"
	"  error naming its position.\n"
	"  A packet to port 4500 starts with the 4-byte zero non-ESP marker\n"
	"  (RFC 3948). It is detected and skipped when four zero bytes are followed\n"
	"  by an IKEv2 header whose Length covers the rest; --non-esp-marker skips\n"
	"  it unconditionally (and fails if the first 4 bytes are not zero).\n"
	"\n"
	"Output:\n"
	"  Text: the header on the first line (exchange, request/response, message\n"
	"  ID, SPIs, length), then one line per payload of the outer chain with its\n"
	"  fields. With --json: one JSON object {\"header\": {...}, \"payloads\": [...]}\n"
	"  where each payload has a \"type\" with its RFC name (\"SA\", \"KE\", \"Nonce\",\n"
	"  \"Notify\", \"SK\", ...). The contents of SK and SKF (encrypted) payloads\n"
	"  are shown only as lengths; AUTH and EAP data only as lengths.\n"
	"\n"
	"Exit status:\n"
	"  0  the message is well formed and was printed\n"
	"  1  the input could not be read or is not a well-formed IKEv2 message;\n"
	"     one line on stderr: \"ikebus-ike-dump: FILE: what was wrong\"\n"
	"     (offsets are counted from the IKE header, after any marker)\n"
	"  2  usage error";

int
main(int argc, char **argv)
{
	Options opt = { 0 };
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "hex", 'x', 0, G_OPTION_ARG_NONE, &opt.hex, "Input is hex text, not binary", NULL },
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &opt.json, "Print JSON instead of text", NULL },
		{ "non-esp-marker", 'm', 0, G_OPTION_ARG_NONE, &opt.force_marker,
		  "Input starts with the 4-byte non-ESP marker (port 4500); skip it", NULL },
		{ "check-rules", 'r', 0, G_OPTION_ARG_NONE, &opt.check_rules,
		  "Also check which payloads the exchange must carry (RFC 7296 section 1); "
		  "a violation is exit status 1",
		  NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &opt.version, "Print the version and exit", NULL },
		{ NULL },
	};

	setlocale(LC_ALL, "");
	ctx = g_option_context_new("FILE - print one raw IKEv2 message");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx, description);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "%s: %s (try --help)\n", PROG, error->message);
		return EXIT_USAGE;
	}
	if (opt.version) {
		printf("%s %s\n", PROG, PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (argc != 2) {
		fprintf(stderr, "%s: %s (try --help)\n", PROG,
		        argc < 2 ? "missing FILE (use - for standard input)" : "only one FILE allowed");
		return EXIT_USAGE;
	}
	return dump(argv[1], &opt);
}
