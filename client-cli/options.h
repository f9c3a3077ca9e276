/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ikebusctl's command line: whack's grammar, parsed from one option table per
 * family (STYLE.md §3 "What to avoid": no single huge parser).
 *
 * Families (one file each; ctl_families[] in options.c lists them in --help
 * order):
 *   global        ikebusctl's own settings (opt-global.c)
 *   connection    --name, --to and the connection-wide keys (opt-conn.c)
 *   end           options of one end: before --to the left end, after it
 *                 the right end (opt-conn.c)
 *   policy        policy flags and shunts of a connection (opt-conn.c)
 *   key           the public key form (opt-actions.c)
 *   action        what to do with the connection named by --name (opt-actions.c)
 *   opportunistic the opportunistic initiate form (opt-actions.c)
 *   admin         daemon-wide requests (opt-admin.c)
 *   list, status  the list and status forms (opt-admin.c)
 *   daemon        pluto's own options: recognised, refused (opt-admin.c)
 *
 * Every table row names the D-Bus key or argument it sets and that value's
 * type; for the connection families the row is all there is: the value is
 * parsed and checked by service/config, so ikebusctl and ikebusd accept
 * exactly the same values.
 *
 * Options are long only and matched exactly ("--opt" or "--opt=value"; a
 * required value may also be the next word). Anything else is a syntax
 * error that names the offending word (G_OPTION_ERROR); ikebusctl prints it
 * on one line and exits 1, as whack does, and sends nothing.
 *
 * Thread: main thread only.
 */
#pragma once

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

/* The requests, in the order ikebusctl makes them (see request.c). */
typedef enum {
	CTL_ACT_DELETE_STATE,
	CTL_ACT_CRASH,
	CTL_ACT_DOWN,
	CTL_ACT_UNROUTE,
	CTL_ACT_DELETE,
	CTL_ACT_ADD_CONNECTION, /* implied by a connection description */
	CTL_ACT_ADD_KEY,        /* implied by --keyid */
	CTL_ACT_DEBUG,
	CTL_ACT_IMPAIR,
	CTL_ACT_DEBUG_HELP,
	CTL_ACT_IMPAIR_HELP,
	CTL_ACT_IMPAIR_LIST,
	CTL_ACT_LISTEN,
	CTL_ACT_UNLISTEN,
	CTL_ACT_DDOS,
	CTL_ACT_GLOBAL_REDIRECT,
	CTL_ACT_SOCKET,
	CTL_ACT_REREAD,
	CTL_ACT_FETCH_CRLS,
	CTL_ACT_PURGE_OCSP,
	CTL_ACT_DDNS,
	CTL_ACT_LIST,
	CTL_ACT_CHECK_PUBKEYS,
	CTL_ACT_ROUTE,
	CTL_ACT_INITIATE,
	CTL_ACT_OPPORTUNISTIC, /* implied by --oppohere/--oppothere */
	CTL_ACT_REKEY_IKE,
	CTL_ACT_REKEY_CHILD,
	CTL_ACT_DELETE_IKE,
	CTL_ACT_DELETE_CHILD,
	CTL_ACT_DOWN_IKE,
	CTL_ACT_DOWN_CHILD,
	CTL_ACT_REDIRECT,
	CTL_ACT_DELETE_USER,
	CTL_ACT_STATUS,
	CTL_ACT_GLOBAL_STATS,
	CTL_ACT_CLEAR_STATS,
	CTL_ACT_SHUTDOWN,
	CTL_ACT_N,
} CtlAction;

/* What one ikebusctl run was asked to do. Free with ctl_request_clear(). */
typedef struct {
	GBusType bus_type; /* G_BUS_TYPE_SYSTEM unless --session */
	gboolean help;
	gboolean version;
	gboolean json;
	gboolean utc;
	char *label;
	char *rundir;    /* accepted, unused on D-Bus */
	char *ctlsocket; /* accepted, unused on D-Bus */

	gboolean actions[CTL_ACT_N];
	const char *action_option[CTL_ACT_N]; /* the option that asked, for messages */

	/* connection form */
	char *name;
	gboolean to_seen;
	GHashTable *conn;    /* the options dictionary being built: full key -> GVariant */
	GHashTable *set_by;  /* dictionary key -> option name that set it */
	const char *first_conn_option;

	/* key form */
	char *keyid;
	char *pubkey;
	gboolean addkey;
	const char *key_option; /* --addkey or --pubkeyrsa without --keyid */

	/* connection actions */
	char *remote_host;
	char *xauth_user;
	char *xauth_password;
	int password_fd; /* --password-fd, or -1: ask on the terminal */
	gboolean asynchronous;
	GStrv redirect_to;

	/* opportunistic */
	char *oppo_here;
	char *oppo_there;
	guint32 oppo_proto, oppo_sport, oppo_dport;
	const char *oppo_option;

	/* daemon-wide */
	char *crash;
	gboolean delete_user_crash; /* --deleteuser with --crash (no address) */
	guint32 delete_state;
	const char *ddos_mode;
	char *global_redirect;
	GStrv global_redirect_to;
	GPtrArray *debug;  /* char* entries for SetDebug */
	GPtrArray *impair; /* char* entries for SetImpair */
	guint32 socket_bufsize;
	gboolean socket_bufsize_set;
	gboolean socket_errqueue_toggle;
	GPtrArray *reread;   /* "secrets", "crls", "all" */
	GPtrArray *list;     /* List what */
	GPtrArray *status;   /* GetStatus forms */
	gboolean leave_state;
} CtlRequest;

typedef enum {
	CTL_ARG_NONE,
	CTL_ARG_REQUIRED,
	/* "--opt=value", or the next word unless it is an option; else no
	 * value (NULL): whack's "--crash [ipaddress]" */
	CTL_ARG_OPTIONAL,
} CtlArg;

/* How a row of the connection families turns into its value. */
typedef enum {
	CTL_CONV_NONE,  /* the family's apply function handles the option itself */
	CTL_CONV_TRUE,  /* b true */
	CTL_CONV_FALSE, /* b false */
	CTL_CONV_CONST, /* the row's constant, as the key's type */
	CTL_CONV_VALUE, /* the option's value, as the key's type */
} CtlConv;

typedef struct CtlOption CtlOption;

/* Applies one parsed option to @req; @value is NULL for CTL_ARG_NONE (and
 * for CTL_ARG_OPTIONAL without a value). */
typedef gboolean (*CtlApplyFunc)(CtlRequest *req, const CtlOption *opt, const char *value,
				 GError **error);

struct CtlOption {
	const char *name;     /* without the leading "--" */
	CtlArg arg;
	const char *arg_name; /* shown in --help; NULL for CTL_ARG_NONE */
	const char *help;     /* N_() text, translated when printed */
	int id;               /* the family's own enum */
	const char *key;      /* the D-Bus key or method it sets, NULL for none */
	const char *type;     /* that value's D-Bus type ("s", "u", "b", "as"), or NULL */
	CtlConv conv;
	const char *constant; /* CTL_CONV_CONST */
};

typedef struct {
	const char *title; /* N_() heading for --help */
	const CtlOption *options;
	gsize n_options;
	CtlApplyFunc apply;
	gboolean end_scope; /* rows are end keys: "left-"/"right-" by --to */
} CtlFamily;

/* The families, one per file (opt-*.c). */
extern const CtlFamily ctl_family_global;
extern const CtlFamily ctl_family_connection;
extern const CtlFamily ctl_family_end;
extern const CtlFamily ctl_family_policy;
extern const CtlFamily ctl_family_key;
extern const CtlFamily ctl_family_action;
extern const CtlFamily ctl_family_opportunistic;
extern const CtlFamily ctl_family_admin;
extern const CtlFamily ctl_family_list;
extern const CtlFamily ctl_family_status;
extern const CtlFamily ctl_family_daemon;

/* Every family in --help order; *n gets the count. */
const CtlFamily *const *ctl_families(gsize *n);

/* The row of option @name (without "--"), or NULL. */
const CtlOption *ctl_option_lookup(const char *name, const CtlFamily **family_out);

/* Shared by the connection families: parse @text as @opt's key and store it. */
gboolean ctl_conn_apply_value(CtlRequest *req, const CtlOption *opt, const char *text,
			      gboolean end_scope, GError **error);

/* Marks @action as asked for by --@opt; an action asked twice is an error. */
gboolean ctl_request_add_action(CtlRequest *req, CtlAction action, const CtlOption *opt,
				GError **error);

/* Sets *@slot to a copy of @value unless --@opt was already given. */
gboolean ctl_set_once(char **slot, const CtlOption *opt, const char *value, GError **error);

/* A u from option text, or FALSE + "--opt: \"x\" is not a number" */
gboolean ctl_parse_u32(const CtlOption *opt, const char *text, guint32 max, guint32 *out,
		       GError **error);

/*
 * Fills @req (caller-owned, reset here) from @argv and checks the result as
 * a whole (ctl_request_check()). FALSE + G_OPTION_ERROR with a one-line
 * message on any problem.
 */
gboolean ctl_parse(int argc, char **argv, CtlRequest *req, GError **error);

/* The completeness rules between options (request.c). */
gboolean ctl_request_check(CtlRequest *req, GError **error);

void ctl_request_clear(CtlRequest *req);

/* Prints the usage text, every family with its options, to @out. */
void ctl_print_help(FILE *out);

G_END_DECLS
