/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl's command line: whack's grammar, parsed from one option table per
 * family (STYLE.md §3 "What to avoid": no single huge parser).
 *
 * Families:
 *   global      daemon-wide requests and ikebusctl's own settings
 *               (--help, --version, --shutdown, --system, --session)
 *   connection  options describing or naming a connection (--name, ...)
 *   end         options of one end of a connection, switched by --to
 * The connection and end tables join ctl_families[] in options.c as whack's
 * connection form is implemented; the parser itself does not change.
 *
 * Options are long only and matched exactly ("--opt" or "--opt=value"; a
 * required value may also be the next word). Anything else is a syntax
 * error that names the offending word (G_OPTION_ERROR); ikebusctl prints it
 * on one line and exits 1, as whack does.
 *
 * Thread: main thread only.
 */
#pragma once

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

/* What one ikebusctl run was asked to do. */
typedef struct {
	GBusType bus_type; /* G_BUS_TYPE_SYSTEM unless --session */
	gboolean help;
	gboolean version;
	gboolean shutdown;
} CtlRequest;

typedef enum {
	CTL_ARG_NONE,
	CTL_ARG_REQUIRED,
} CtlArg;

typedef struct CtlOption CtlOption;

/* Applies one parsed option to @req; @value is NULL for CTL_ARG_NONE. */
typedef gboolean (*CtlApplyFunc)(CtlRequest *req, const CtlOption *opt, const char *value,
				 GError **error);

struct CtlOption {
	const char *name;     /* without the leading "--" */
	CtlArg arg;
	const char *arg_name; /* shown in --help; NULL for CTL_ARG_NONE */
	const char *help;     /* N_() text, translated when printed */
	int id;               /* the family's own enum */
};

typedef struct {
	const char *title; /* N_() heading for --help */
	const CtlOption *options;
	gsize n_options;
	CtlApplyFunc apply;
} CtlFamily;

/* Fills @req (caller-owned, reset here) from @argv. FALSE + G_OPTION_ERROR on a syntax error. */
gboolean ctl_parse(int argc, char **argv, CtlRequest *req, GError **error);

/* Prints the usage text, every family with its options, to @out. */
void ctl_print_help(FILE *out);

G_END_DECLS
