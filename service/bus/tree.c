/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "tree.h"
#include "errors.h"
#include "gvs.h"
#include "sa-signals.h"
#include "ikebus-dbus-generated.h"
#include "bus-fdo-generated.h"

#include <stdlib.h>
#include <string.h>

struct BusTree {
	BusTreeObjectsFunc objects_func;
	gpointer objects_data;
	const BusSaSourceFuncs *funcs;
	gpointer source;
	GDBusConnection *connection; /* while exported */
	guint om_id, ike_id, child_id;
	BusSaSignals *signals;
};

/* How long SA signals are collected (sa-signals.h): a handshake's state
 * changes fit in it, a client watching the objects barely notices. */
#define SA_SIGNAL_DELAY_MS 100

static void sa_emit_now(BusSaEvent event, BusSaKind kind, guint serial, gpointer user_data);

static GDBusInterfaceInfo *
sa_info(BusSaKind kind)
{
	switch (kind) {
	case BUS_SA_IKE:
		return ikebus_ike_sa_interface_info();
	case BUS_SA_CHILD:
		return ikebus_child_sa_interface_info();
	}
	return NULL;
}

char *
bus_sa_path(BusSaKind kind, guint serial)
{
	return g_strdup_printf("%s/%u", kind == BUS_SA_IKE ? BUS_IKE_SA_PATH : BUS_CHILD_SA_PATH,
			       serial);
}

GHashTable *
bus_tree_props_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				     (GDestroyNotify) g_variant_unref);
}

void
bus_props_set(GHashTable *props, const char *name, GVariant *value)
{
	g_hash_table_replace(props, (gpointer) name, g_variant_ref_sink(value));
}

/* The zero value of a property signature ("", "/", 0, false, empty array). */
static GVariant *
zero_value(const char *signature)
{
	switch (signature[0]) {
	case 's':
		return g_variant_new_string("");
	case 'o':
		return g_variant_new_object_path("/");
	case 'b':
		return g_variant_new_boolean(FALSE);
	case 'y':
		return g_variant_new_byte(0);
	case 'q':
		return g_variant_new_uint16(0);
	case 'n':
		return g_variant_new_int16(0);
	case 'u':
		return g_variant_new_uint32(0);
	case 'i':
		return g_variant_new_int32(0);
	case 't':
		return g_variant_new_uint64(0);
	case 'x':
		return g_variant_new_int64(0);
	case 'd':
		return g_variant_new_double(0);
	case 'a':
		return g_variant_new_array(G_VARIANT_TYPE(signature + 1), NULL, 0);
	default:
		/* our XML has no other property types; a test keeps it so */
		return g_variant_new_array(G_VARIANT_TYPE(signature + 1), NULL, 0);
	}
}

static GVariant *
prop_value(GDBusPropertyInfo *p, GHashTable *props)
{
	GVariant *v = g_hash_table_lookup(props, p->name);

	if (v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE(p->signature)))
		return g_variant_ref(v);
	if (v != NULL)
		g_warning("SA property %s: %s instead of %s", p->name, g_variant_get_type_string(v),
			  p->signature);
	return g_variant_ref_sink(zero_value(p->signature));
}

GVariant *
bus_name_variant(const char *name)
{
	static GHashTable *names; /* name -> its string GVariant, made once */
	GVariant *v;

	if (G_UNLIKELY(names == NULL))
		names = g_hash_table_new(g_str_hash, g_str_equal);
	v = g_hash_table_lookup(names, name);
	if (G_UNLIKELY(v == NULL)) {
		v = g_variant_ref_sink(g_variant_new_string(name));
		g_hash_table_insert(names, g_strdup(name), v);
	}
	return g_variant_ref(v);
}

/* The a{sv} of @info's properties into @w (an open array, or at the top). */
static void
write_props(BusGvs *w, GDBusInterfaceInfo *info, GHashTable *props)
{
	bus_gvs_open_array(w, 8);
	for (GDBusPropertyInfo **p = info->properties; p != NULL && *p != NULL; p++) {
		g_autoptr(GVariant) v = prop_value(*p, props);

		bus_gvs_entry_sv(w, (*p)->name, v);
	}
	bus_gvs_close_array(w);
}

GVariant *
bus_tree_props_to_dict(GDBusInterfaceInfo *info, GHashTable *props)
{
	BusGvs w;
	GVariant *dict;

	/* written serialised, not built: this runs for every SA of a listing
	 * and every SA that comes up (InterfacesAdded) */
	bus_gvs_init(&w);
	write_props(&w, info, props);
	dict = bus_gvs_end(&w, G_VARIANT_TYPE_VARDICT);
	bus_gvs_clear(&w);
	return dict;
}

/* A property's change signalling: FALSE for "const", "false" and "invalidates"
 * (we send values, not invalidations). */
static gboolean
emits_change(GDBusPropertyInfo *p)
{
	const char *v = g_dbus_annotation_info_lookup(p->annotations,
						      "org.freedesktop.DBus.Property.EmitsChangedSignal");

	return v == NULL || g_str_equal(v, "true");
}

static gboolean
parse_serial(const char *node, guint *serial)
{
	guint64 v;

	if (node == NULL || !g_ascii_string_to_unsigned(node, 10, 1, G_MAXUINT32, &v, NULL))
		return FALSE;
	/* one spelling per object: no leading zeros */
	if (node[0] == '0')
		return FALSE;
	*serial = (guint) v;
	return TRUE;
}

static gboolean
sa_get(BusTree *tree, BusSaKind kind, guint serial, GHashTable *props)
{
	return tree->funcs != NULL && tree->funcs->get(tree->source, kind, serial, props);
}

/* ---- the subtrees ---------------------------------------------------------- */

typedef struct {
	BusTree *tree;
	BusSaKind kind;
} SubtreeData;

static char **
subtree_enumerate(GDBusConnection *connection, const char *sender, const char *object_path,
		  gpointer user_data);

static void
collect_serial(guint serial, GHashTable *props, gpointer visit_data)
{
	g_ptr_array_add(visit_data, g_strdup_printf("%u", serial));
}

/* Only for introspection of .../ike and .../child: lists the SA nodes. */
static char **
subtree_enumerate(GDBusConnection *connection, const char *sender, const char *object_path,
		  gpointer user_data)
{
	SubtreeData *d = user_data;
	GPtrArray *nodes = g_ptr_array_new();

	if (d->tree->funcs != NULL)
		d->tree->funcs->foreach(d->tree->source, d->kind, collect_serial, nodes);
	g_ptr_array_add(nodes, NULL);
	return (char **) g_ptr_array_free(nodes, FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect(GDBusConnection *connection, const char *sender, const char *object_path,
		   const char *node, gpointer user_data)
{
	SubtreeData *d = user_data;
	g_autoptr(GHashTable) props = NULL;
	GPtrArray *infos;
	guint serial;

	infos = g_ptr_array_new();
	if (node != NULL) {
		props = bus_tree_props_new();
		if (!parse_serial(node, &serial) || !sa_get(d->tree, d->kind, serial, props)) {
			g_ptr_array_free(infos, TRUE);
			return NULL;
		}
		g_ptr_array_add(infos, g_dbus_interface_info_ref(sa_info(d->kind)));
	}
	g_ptr_array_add(infos, NULL);
	return (GDBusInterfaceInfo **) g_ptr_array_free(infos, FALSE);
}

static GVariant *
sa_get_property(GDBusConnection *connection, const char *sender, const char *object_path,
		const char *interface_name, const char *property_name, GError **error,
		gpointer user_data)
{
	SubtreeData *d = user_data;
	g_autoptr(GHashTable) props = bus_tree_props_new();
	const char *node = strrchr(object_path, '/') + 1;
	GDBusPropertyInfo *p;
	guint serial;

	p = g_dbus_interface_info_lookup_property(sa_info(d->kind), property_name);
	if (p == NULL || !parse_serial(node, &serial) || !sa_get(d->tree, d->kind, serial, props)) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT, "%s is gone",
			    object_path);
		return NULL;
	}
	return prop_value(p, props);
}

static void
sa_method_call(GDBusConnection *connection, const char *sender, const char *object_path,
	       const char *interface_name, const char *method_name, GVariant *parameters,
	       GDBusMethodInvocation *invocation, gpointer user_data)
{
	/* the SA interfaces have no methods */
	g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
					      "%s has no method %s", interface_name, method_name);
}

static const GDBusInterfaceVTable sa_vtable = {
	.method_call = sa_method_call,
	.get_property = sa_get_property,
};

static const GDBusInterfaceVTable *
subtree_dispatch(GDBusConnection *connection, const char *sender, const char *object_path,
		 const char *interface_name, const char *node, gpointer *out_user_data,
		 gpointer user_data)
{
	SubtreeData *d = user_data;

	if (node == NULL || g_strcmp0(interface_name, sa_info(d->kind)->name) != 0)
		return NULL;
	*out_user_data = d;
	return &sa_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
	.enumerate = subtree_enumerate,
	.introspect = subtree_introspect,
	.dispatch = subtree_dispatch,
};

/* ---- the ObjectManager ------------------------------------------------------ */

typedef struct {
	GVariantBuilder *objects;
	BusSaKind kind;
	BusGvs w; /* reused for every SA */
} ManagedVisit;

static void
add_managed_sa(guint serial, GHashTable *props, gpointer visit_data)
{
	ManagedVisit *v = visit_data;
	GDBusInterfaceInfo *info = sa_info(v->kind);
	char path[64];

	g_snprintf(path, sizeof(path), "%s/%u",
		   v->kind == BUS_SA_IKE ? BUS_IKE_SA_PATH : BUS_CHILD_SA_PATH, serial);
	/* one serialised {oa{sa{sv}}} per SA: a GVariant tree of it would be
	 * about 100 values to build, size and free */
	bus_gvs_open_entry(&v->w, path, 8);
	bus_gvs_open_array(&v->w, 8);
	bus_gvs_open_entry(&v->w, info->name, 8);
	write_props(&v->w, info, props);
	bus_gvs_close_entry(&v->w);
	bus_gvs_close_array(&v->w);
	bus_gvs_close_entry(&v->w);
	g_variant_builder_add_value(v->objects, bus_gvs_end(&v->w, G_VARIANT_TYPE("{oa{sa{sv}}}")));
}

static void
om_method_call(GDBusConnection *connection, const char *sender, const char *object_path,
	       const char *interface_name, const char *method_name, GVariant *parameters,
	       GDBusMethodInvocation *invocation, gpointer user_data)
{
	BusTree *tree = user_data;
	GVariantBuilder objects;
	gint64 start = g_get_monotonic_time();
	GVariant *reply;

	if (!g_str_equal(method_name, "GetManagedObjects")) {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s",
						      method_name);
		return;
	}
	g_variant_builder_init(&objects, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	if (tree->objects_func != NULL)
		tree->objects_func(&objects, tree->objects_data);
	if (tree->funcs != NULL) {
		ManagedVisit v = { .objects = &objects };

		bus_gvs_init(&v.w);
		for (v.kind = BUS_SA_IKE; v.kind <= BUS_SA_CHILD; v.kind++)
			tree->funcs->foreach(tree->source, v.kind, add_managed_sa, &v);
		bus_gvs_clear(&v.w);
	}
	reply = g_variant_new("(a{oa{sa{sv}}})", &objects);
	g_debug("GetManagedObjects: built in %" G_GINT64_FORMAT " ms",
		(g_get_monotonic_time() - start) / 1000);
	bus_return_bounded(invocation, reply, "GetManagedObjects");
}

void
bus_return_bounded(GDBusMethodInvocation *invocation, GVariant *reply, const char *what)
{
	gsize size;

	g_variant_ref_sink(reply);
	size = g_variant_get_size(reply);
	if (size > BUS_MAX_REPLY_SIZE) {
		g_warning("%s: the reply (%" G_GSIZE_FORMAT " bytes) is over the bus's message "
			  "limit; refused", what, size);
		g_dbus_method_invocation_return_error(
			invocation, IKEBUS_ERROR, IKEBUS_ERROR_FAILED,
			"%s: the reply would be %" G_GSIZE_FORMAT " MiB, over the %u MiB a D-Bus "
			"message may carry; list in pages with Manager.GetStatus (options "
			"\"offset\" and \"limit\"; ikebusctl --status does), read single "
			"objects, or ask for one connection",
			what, size >> 20, BUS_MAX_REPLY_SIZE >> 20);
	} else {
		g_dbus_method_invocation_return_value(invocation, reply);
	}
	g_variant_unref(reply);
}

static const GDBusInterfaceVTable om_vtable = {
	.method_call = om_method_call,
};

/* ---- life cycle -------------------------------------------------------------- */

BusTree *
bus_tree_new(BusTreeObjectsFunc objects_func, gpointer objects_data)
{
	BusTree *tree = g_new0(BusTree, 1);

	tree->objects_func = objects_func;
	tree->objects_data = objects_data;
	tree->signals = bus_sa_signals_new(SA_SIGNAL_DELAY_MS, sa_emit_now, tree);
	return tree;
}

void
bus_tree_set_sa_source(BusTree *tree, const BusSaSourceFuncs *funcs, gpointer source)
{
	tree->funcs = funcs;
	tree->source = source;
}

gboolean
bus_tree_export(BusTree *tree, GDBusConnection *connection, GError **error)
{
	SubtreeData *ike = g_new0(SubtreeData, 1), *child = g_new0(SubtreeData, 1);

	g_return_val_if_fail(tree->connection == NULL, FALSE);
	tree->om_id = g_dbus_connection_register_object(connection, BUS_ROOT_PATH,
							bus_fdo_object_manager_interface_info(),
							&om_vtable, tree, NULL, error);
	if (tree->om_id == 0) {
		g_free(ike);
		g_free(child);
		return FALSE;
	}
	tree->connection = g_object_ref(connection);
	ike->tree = tree;
	ike->kind = BUS_SA_IKE;
	child->tree = tree;
	child->kind = BUS_SA_CHILD;
	/* DISPATCH_TO_UNENUMERATED_NODES: a call to one SA must not list them all */
	tree->ike_id = g_dbus_connection_register_subtree(
		connection, BUS_IKE_SA_PATH, &subtree_vtable,
		G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES, ike, g_free, error);
	if (tree->ike_id == 0) {
		g_free(child);
		bus_tree_unexport(tree);
		return FALSE;
	}
	tree->child_id = g_dbus_connection_register_subtree(
		connection, BUS_CHILD_SA_PATH, &subtree_vtable,
		G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES, child, g_free, error);
	if (tree->child_id == 0) {
		bus_tree_unexport(tree);
		return FALSE;
	}
	return TRUE;
}

void
bus_tree_unexport(BusTree *tree)
{
	if (tree->connection == NULL)
		return;
	bus_sa_signals_drop(tree->signals);
	if (tree->om_id != 0)
		g_dbus_connection_unregister_object(tree->connection, tree->om_id);
	if (tree->ike_id != 0)
		g_dbus_connection_unregister_subtree(tree->connection, tree->ike_id);
	if (tree->child_id != 0)
		g_dbus_connection_unregister_subtree(tree->connection, tree->child_id);
	tree->om_id = tree->ike_id = tree->child_id = 0;
	g_clear_object(&tree->connection);
}

void
bus_tree_free(BusTree *tree)
{
	if (tree == NULL)
		return;
	bus_tree_unexport(tree);
	bus_sa_signals_free(tree->signals);
	g_free(tree);
}

/* ---- signals ----------------------------------------------------------------- */

static void
emit(BusTree *tree, const char *path, const char *interface, const char *signal,
     GVariant *args)
{
	g_autoptr(GError) error = NULL;

	g_variant_ref_sink(args);
	if (tree->connection != NULL &&
	    !g_dbus_connection_emit_signal(tree->connection, NULL, path, interface, signal, args,
					   &error))
		g_debug("cannot emit %s on %s: %s", signal, path, error->message);
	g_variant_unref(args);
}

void
bus_tree_interfaces_added(BusTree *tree, const char *path, const char *interface,
			  GVariant *props)
{
	g_autoptr(GVariant) owned = g_variant_take_ref(props);
	GVariantBuilder ifaces;

	g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&ifaces, "{s@a{sv}}", interface, owned);
	emit(tree, BUS_ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
	     g_variant_new("(oa{sa{sv}})", path, &ifaces));
}

void
bus_tree_interfaces_removed(BusTree *tree, const char *path, const char *interface)
{
	const char *names[] = { interface, NULL };

	emit(tree, BUS_ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
	     g_variant_new("(o^as)", path, names));
}

void
bus_tree_sa_event(BusTree *tree, BusSaEvent event, BusSaKind kind, guint serial)
{
	if (tree->connection != NULL)
		bus_sa_signals_event(tree->signals, event, kind, serial);
}

void
bus_tree_flush_signals(BusTree *tree)
{
	bus_sa_signals_flush(tree->signals);
}

/* The signal for one SA object, with its properties as they are now. */
static void
sa_emit_now(BusSaEvent event, BusSaKind kind, guint serial, gpointer user_data)
{
	BusTree *tree = user_data;
	g_autofree char *path = bus_sa_path(kind, serial);
	GDBusInterfaceInfo *info = sa_info(kind);
	g_autoptr(GHashTable) props = NULL;
	GVariantBuilder changed;
	const char *none[] = { NULL };

	if (event == BUS_SA_REMOVED) {
		bus_tree_interfaces_removed(tree, path, info->name);
		return;
	}
	props = bus_tree_props_new();
	if (!sa_get(tree, kind, serial, props))
		return; /* already gone: its REMOVED event follows */
	if (event == BUS_SA_ADDED) {
		bus_tree_interfaces_added(tree, path, info->name,
					  bus_tree_props_to_dict(info, props));
		return;
	}
	g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
	for (GDBusPropertyInfo **p = info->properties; *p != NULL; p++) {
		g_autoptr(GVariant) v = NULL;

		if (!emits_change(*p))
			continue;
		v = prop_value(*p, props);
		g_variant_builder_add(&changed, "{sv}", (*p)->name, v);
	}
	emit(tree, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
	     g_variant_new("(sa{sv}^as)", info->name, &changed, none));
}
