/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEBUS_ERROR: the one public error domain. Each code travels over D-Bus as
 * org.ikebus.ike1.Error.<Name>, so clients that link this file get the same
 * GError back from a failed call (g_dbus_error_strip_remote_error() leaves the
 * daemon's message).
 *
 * Thread: any. The names are registered on first use of IKEBUS_ERROR.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define IKEBUS_ERROR (ikebus_error_quark())
GQuark ikebus_error_quark(void);

/* Append only: the values are part of the registered name table. */
typedef enum {
	IKEBUS_ERROR_FAILED,           /* Failed: anything without a better name */
	IKEBUS_ERROR_NOT_FOUND,        /* NotFound: no such connection, SA or key */
	IKEBUS_ERROR_INVALID_ARGUMENT, /* InvalidArgument: the message names the field */
	IKEBUS_ERROR_ALREADY_EXISTS,   /* AlreadyExists: a connection with that name exists */
	IKEBUS_ERROR_NOT_AUTHORIZED,   /* NotAuthorized: polkit said no */
	IKEBUS_ERROR_NOT_SUPPORTED,    /* NotSupported: this build or kernel cannot do it */
	IKEBUS_ERROR_BUSY,             /* Busy: try again when the running operation ends */
} IkebusError;

#define IKEBUS_ERROR_N_ERRORS (IKEBUS_ERROR_BUSY + 1)

/* The D-Bus name of @code ("org.ikebus.ike1.Error.NotFound"); static string. */
const char *ikebus_error_to_dbus_name(IkebusError code);

/*
 * Rewrites *@error in place into IKEBUS_ERROR, keeping its message, so that a
 * reply never carries a private domain (it would arrive as a meaningless
 * org.gtk.GDBus.UnmappedGError.Quark... name). IKEBUS_ERROR and G_DBUS_ERROR
 * are left alone. NULL-safe.
 */
void ikebus_error_convert(GError **error);

G_END_DECLS
