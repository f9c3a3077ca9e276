/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "actions.h"
#include "dispatch.h"
#include "errors.h"

#include <string.h>

typedef struct {
	BusCall call;
	const BusHandler *handler;
} Pending;

static void
pending_free(Pending *p)
{
	if (p->call.data_free != NULL && p->call.data != NULL)
		p->call.data_free(p->call.data);
	g_clear_object(&p->call.target);
	g_free(p);
}

static void
authorized_cb(GDBusMethodInvocation *invocation, gpointer user_data)
{
	Pending *p = user_data;

	p->handler->act(&p->call);
}

void
bus_return_error(GDBusMethodInvocation *invocation, GError *error)
{
	ikebus_error_convert(&error);
	g_dbus_method_invocation_take_error(invocation, error);
}

void
bus_dispatch(BusAuthz *authz, const char *interface, const BusHandler *handlers,
	     gsize n_handlers, GObject *target, GDBusMethodInvocation *invocation)
{
	const char *method = g_dbus_method_invocation_get_method_name(invocation);
	const BusMethodAction *action = bus_actions_lookup(interface, method);
	const BusHandler *handler = NULL;
	GError *error = NULL;
	Pending *p;

	for (gsize i = 0; i < n_handlers; i++) {
		if (strcmp(handlers[i].method, method) == 0)
			handler = &handlers[i];
	}
	if (handler == NULL || action == NULL) {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD,
						      "%s.%s is not implemented", interface, method);
		return;
	}
	p = g_new0(Pending, 1);
	p->handler = handler;
	p->call.invocation = invocation;
	p->call.params = g_dbus_method_invocation_get_parameters(invocation);
	p->call.target = g_object_ref(target);
	if (handler->check != NULL && !handler->check(&p->call, &error)) {
		bus_return_error(invocation, error);
		pending_free(p);
		return;
	}
	if (action->action == NULL) {
		handler->act(&p->call);
		pending_free(p);
		return;
	}
	bus_authz_check(authz, invocation, action->action, authorized_cb, p,
			(GDestroyNotify) pending_free);
}

gboolean
bus_check_options(GVariant *options, const char *what, const char *const *allowed,
		  const char *const *types, GError **error)
{
	GVariantIter iter;
	const char *key;
	GVariant *value;

	g_variant_iter_init(&iter, options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;
		gsize i;

		for (i = 0; allowed != NULL && allowed[i] != NULL; i++) {
			if (strcmp(allowed[i], key) == 0)
				break;
		}
		if (allowed == NULL || allowed[i] == NULL) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "%s: unknown key \"%s\"", what, key);
			return FALSE;
		}
		if (!g_variant_is_of_type(v, G_VARIANT_TYPE(types[i]))) {
			g_set_error(error, IKEBUS_ERROR, IKEBUS_ERROR_INVALID_ARGUMENT,
				    "%s: \"%s\" must be of type %s, not %s", what, key, types[i],
				    g_variant_get_type_string(v));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
bus_option_bool(GVariant *options, const char *key, gboolean fallback)
{
	gboolean b;

	return g_variant_lookup(options, key, "b", &b) ? b : fallback;
}

GDBusInterfaceVTable *
bus_skeleton_vtable(BusSkeletonVTable *v, GDBusInterfaceSkeletonClass *parent,
		    GDBusInterfaceSkeleton *skeleton, GDBusInterfaceMethodCallFunc method_call,
		    GDBusInterfaceGetPropertyFunc get_property)
{
	if (g_once_init_enter(&v->once)) {
		v->vtable = *parent->get_vtable(skeleton);
		v->vtable.method_call = method_call;
		v->parent_get_property = v->vtable.get_property;
		v->vtable.get_property = get_property;
		g_once_init_leave(&v->once, 1);
	}
	return &v->vtable;
}
