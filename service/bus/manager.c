/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "manager.h"
#include "errors.h"
#include "ikebus-dbus-generated.h"

struct _BusManager {
	GObject parent_instance;
	BusAuthz *authz;
	IkebusManager *skeleton;
	GDBusObjectManagerServer *object_manager;
};

G_DEFINE_TYPE(BusManager, bus_manager, G_TYPE_OBJECT)

enum {
	SIGNAL_SHUTDOWN_REQUESTED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

/*
 * Which backend installs SAs. The kernel/ layer will own the name table
 * ("xfrm", "userspace", "none"); until it exists nothing is installed.
 */
#define KERNEL_BACKEND_NONE "none"

/* Method arguments first: an unknown a{sv} key is InvalidArgument naming it. */
static gboolean
check_no_options(GVariant *options, GError **error)
{
	g_autoptr(GVariantIter) iter = NULL;
	const char *key;
	GVariant *value;

	iter = g_variant_iter_new(options);
	if (g_variant_iter_next(iter, "{&sv}", &key, &value)) {
		g_variant_unref(value);
		g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
			    "options: unknown key \"%s\"", key);
		return FALSE;
	}
	return TRUE;
}

static void
shutdown_authorized(GDBusMethodInvocation *invocation, gpointer user_data)
{
	BusManager *manager = user_data;

	g_message("shutting down at the request of %s",
		  g_dbus_method_invocation_get_sender(invocation));
	ikebus_manager_complete_shutdown(manager->skeleton, invocation);
	g_signal_emit(manager, signals[SIGNAL_SHUTDOWN_REQUESTED], 0);
}

static gboolean
handle_shutdown(IkebusManager *skeleton, GDBusMethodInvocation *invocation, GVariant *options,
		gpointer user_data)
{
	BusManager *manager = user_data;
	g_autoptr(GError) error = NULL;

	if (!check_no_options(options, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	bus_authz_check(manager->authz, invocation, BUS_ACTION_ADMIN, shutdown_authorized,
			g_object_ref(manager), g_object_unref);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
bus_manager_export(BusManager *manager, GDBusConnection *connection, GError **error)
{
	g_return_val_if_fail(BUS_IS_MANAGER(manager), FALSE);

	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(manager->skeleton),
					      connection, BUS_MANAGER_PATH, error))
		return FALSE;
	g_dbus_object_manager_server_set_connection(manager->object_manager, connection);
	return TRUE;
}

void
bus_manager_unexport(BusManager *manager)
{
	g_return_if_fail(BUS_IS_MANAGER(manager));

	g_dbus_object_manager_server_set_connection(manager->object_manager, NULL);
	if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(manager->skeleton)))
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(manager->skeleton));
}

GDBusObjectManagerServer *
bus_manager_get_object_manager(BusManager *manager)
{
	g_return_val_if_fail(BUS_IS_MANAGER(manager), NULL);
	return manager->object_manager;
}

static void
bus_manager_dispose(GObject *object)
{
	BusManager *manager = BUS_MANAGER(object);

	if (manager->skeleton != NULL)
		bus_manager_unexport(manager);
	g_clear_object(&manager->skeleton);
	g_clear_object(&manager->object_manager);
	g_clear_object(&manager->authz);
	G_OBJECT_CLASS(bus_manager_parent_class)->dispose(object);
}

static void
bus_manager_class_init(BusManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = bus_manager_dispose;
	signals[SIGNAL_SHUTDOWN_REQUESTED] =
		g_signal_new("shutdown-requested", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bus_manager_init(BusManager *manager)
{
	const char *const no_connections[] = { NULL };

	manager->skeleton = ikebus_manager_skeleton_new();
	ikebus_manager_set_version(manager->skeleton, PACKAGE_VERSION);
	ikebus_manager_set_kernel_backend(manager->skeleton, KERNEL_BACKEND_NONE);
	ikebus_manager_set_connections(manager->skeleton, no_connections);
	g_signal_connect(manager->skeleton, "handle-shutdown", G_CALLBACK(handle_shutdown),
			 manager);
	manager->object_manager = g_dbus_object_manager_server_new(BUS_MANAGER_PATH);
}

BusManager *
bus_manager_new(BusAuthz *authz)
{
	BusManager *manager;

	g_return_val_if_fail(BUS_IS_AUTHZ(authz), NULL);
	manager = g_object_new(BUS_TYPE_MANAGER, NULL);
	manager->authz = g_object_ref(authz);
	return manager;
}
