/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "errors.h"

#include "config/connection.h"

static const GDBusErrorEntry ikebus_error_entries[] = {
	{ IKEBUS_ERROR_FAILED, "org.ikebus.ike1.Error.Failed" },
	{ IKEBUS_ERROR_NOT_FOUND, "org.ikebus.ike1.Error.NotFound" },
	{ IKEBUS_ERROR_INVALID_ARGUMENT, "org.ikebus.ike1.Error.InvalidArgument" },
	{ IKEBUS_ERROR_ALREADY_EXISTS, "org.ikebus.ike1.Error.AlreadyExists" },
	{ IKEBUS_ERROR_NOT_AUTHORIZED, "org.ikebus.ike1.Error.NotAuthorized" },
	{ IKEBUS_ERROR_NOT_SUPPORTED, "org.ikebus.ike1.Error.NotSupported" },
	{ IKEBUS_ERROR_BUSY, "org.ikebus.ike1.Error.Busy" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(ikebus_error_entries) == IKEBUS_ERROR_N_ERRORS);

GQuark
ikebus_error_quark(void)
{
	static gsize quark = 0;

	g_dbus_error_register_error_domain("ikebus-error-quark", &quark, ikebus_error_entries,
					   G_N_ELEMENTS(ikebus_error_entries));
	return (GQuark) quark;
}

const char *
ikebus_error_to_dbus_name(IkebusError code)
{
	/* entries are in code order; the static assert keeps the count honest */
	if ((guint) code >= G_N_ELEMENTS(ikebus_error_entries))
		return ikebus_error_entries[IKEBUS_ERROR_FAILED].dbus_error_name;
	return ikebus_error_entries[code].dbus_error_name;
}

static IkebusError
from_io_error(gint code)
{
	switch (code) {
	case G_IO_ERROR_NOT_FOUND:
		return IKEBUS_ERROR_NOT_FOUND;
	case G_IO_ERROR_INVALID_ARGUMENT:
	case G_IO_ERROR_INVALID_DATA:
		return IKEBUS_ERROR_INVALID_ARGUMENT;
	case G_IO_ERROR_EXISTS:
		return IKEBUS_ERROR_ALREADY_EXISTS;
	case G_IO_ERROR_PERMISSION_DENIED:
		return IKEBUS_ERROR_NOT_AUTHORIZED;
	case G_IO_ERROR_NOT_SUPPORTED:
		return IKEBUS_ERROR_NOT_SUPPORTED;
	case G_IO_ERROR_BUSY:
	case G_IO_ERROR_PENDING:
		return IKEBUS_ERROR_BUSY;
	default:
		/* GIOErrorEnum is GLib's, not ours: a default is right here */
		return IKEBUS_ERROR_FAILED;
	}
}

void
ikebus_error_convert(GError **error)
{
	GError *e;

	if (error == NULL || *error == NULL)
		return;
	e = *error;
	if (e->domain == IKEBUS_ERROR || e->domain == G_DBUS_ERROR)
		return;
	if (e->domain == G_IO_ERROR)
		e->code = from_io_error(e->code);
	else if (e->domain == IKEBUS_CONFIG_ERROR)
		/* the model's messages already start with the key */
		e->code = IKEBUS_ERROR_INVALID_ARGUMENT;
	else
		e->code = IKEBUS_ERROR_FAILED;
	/* Layers below bus/ add their domains here as they appear. */
	e->domain = IKEBUS_ERROR;
}
