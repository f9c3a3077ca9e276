/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "details.h"

#include "dump.h"

#include <glib/gi18n.h>

#define IFACE_IKE_SA "org.ikebus.ike1.IkeSA"
#define IFACE_CHILD_SA "org.ikebus.ike1.ChildSA"

typedef struct {
	AppletClient *client;
	AppletConn *conn;
	GtkWidget *page;
	GPtrArray *groups;     /* the AdwPreferencesGroups shown now */
	GHashTable *values;    /* key -> GtkLabel (borrowed from the page) */
	GHashTable *since;     /* key -> gint64 Unix time, for "for 5 min" texts */
	GPtrArray *sa_paths;   /* "ike:PATH" / "child:PATH" whose counters we read */
	GCancellable *reads;   /* the counter reads in flight */
	guint timer;
	guint rebuild_idle;
	gulong conn_handler;
	gulong client_handler;
	AppletNotify notify;
	gpointer notify_data;
} Details;

static Details *
details_get(GtkWidget *details)
{
	return g_object_get_data(G_OBJECT(details), "applet-details");
}

/* ---- rows --------------------------------------------------------------- */

static GtkWidget *
add_group(Details *d, const char *title, const char *description)
{
	GtkWidget *group = adw_preferences_group_new();

	adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), title);
	if (description != NULL)
		adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group), description);
	adw_preferences_page_add(ADW_PREFERENCES_PAGE(d->page), ADW_PREFERENCES_GROUP(group));
	g_ptr_array_add(d->groups, group);
	return group;
}

static void
add_value(Details *d, GtkWidget *group, const char *key, const char *title, const char *value)
{
	GtkWidget *row = adw_action_row_new();
	GtkWidget *label = gtk_label_new(value != NULL && *value != '\0' ? value : "—");

	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
	gtk_label_set_selectable(GTK_LABEL(label), TRUE);
	gtk_label_set_wrap(GTK_LABEL(label), TRUE);
	gtk_label_set_xalign(GTK_LABEL(label), 1.0f);
	gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_RIGHT);
	gtk_widget_add_css_class(label, "dim-label");
	gtk_widget_set_hexpand(label, TRUE);
	adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
	g_hash_table_replace(d->values, g_strdup(key), label);
}

static void
set_value(Details *d, const char *key, const char *value)
{
	GtkWidget *label = g_hash_table_lookup(d->values, key);

	if (label != NULL)
		gtk_label_set_text(GTK_LABEL(label), value != NULL && *value != '\0' ? value : "—");
}

/* "2024-05-01 10:00:00 (1 h 5 min ago)"; owned */
static char *
format_since(gint64 when)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *absolute = NULL;
	gint64 ago;

	if (when <= 0)
		return g_strdup(_("not yet"));
	dt = g_date_time_new_from_unix_local(when);
	if (dt == NULL)
		return g_strdup("—");
	absolute = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	ago = MAX(g_get_real_time() / G_USEC_PER_SEC - when, 0);
	if (ago < 60)
		return g_strdup_printf(_("%s (%d s ago)"), absolute, (int) ago);
	if (ago < 3600)
		return g_strdup_printf(_("%s (%d min ago)"), absolute, (int) (ago / 60));
	return g_strdup_printf(_("%s (%d h %d min ago)"), absolute, (int) (ago / 3600),
			       (int) (ago % 3600 / 60));
}

static void
add_since(Details *d, GtkWidget *group, const char *key, const char *title, gint64 when)
{
	g_autofree char *text = format_since(when);

	add_value(d, group, key, title, text);
	g_hash_table_replace(d->since, g_strdup(key), g_memdup2(&when, sizeof(when)));
}

static char *
join_strv(const char *const *strv)
{
	if (strv == NULL || strv[0] == NULL)
		return NULL;
	return g_strjoinv(", ", (char **) strv);
}

static char *
join_algorithms(const char *const *parts)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (*parts[i] == '\0' || g_strcmp0(parts[i], "none") == 0)
			continue;
		if (s->len > 0)
			g_string_append(s, " · ");
		g_string_append(s, parts[i]);
	}
	return g_string_free(s, FALSE);
}

static guint
serial_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? (guint) g_ascii_strtoull(slash + 1, NULL, 10) : 0;
}

/* ---- the groups --------------------------------------------------------- */

static void
build_connection_group(Details *d)
{
	AppletConn *conn = d->conn;
	IkebusConn *proxy = applet_conn_get_proxy(conn);
	GtkWidget *group = add_group(d, _("Connection"), NULL);
	const char *cert = applet_conn_get_option_string(conn, "left-cert");
	g_autofree char *left_subnets = applet_conn_dup_option_strv(conn, "left-subnet");
	g_autofree char *right_subnets = applet_conn_dup_option_strv(conn, "right-subnet");
	g_autofree char *auth = NULL;
	GVariant *options = ikebus_conn_get_options(proxy);
	gboolean psk = FALSE;

	if (options != NULL)
		g_variant_lookup(options, "psk", "b", &psk);
	if (cert != NULL)
		auth = g_strdup_printf(_("Certificate “%s”"), cert);
	else if (psk)
		auth = g_strdup(_("Pre-shared key"));

	add_value(d, group, "state", _("State"),
		  applet_state_to_label(applet_conn_get_state(conn)));
	if (applet_conn_get_error(conn) != NULL)
		add_value(d, group, "error", _("Last failure"), applet_conn_get_error(conn));
	add_value(d, group, "peer", _("Peer"), applet_conn_get_option_string(conn, "right-host"));
	add_value(d, group, "local-host", _("Local address"),
		  applet_conn_get_option_string(conn, "left-host"));
	add_value(d, group, "local-id", _("Local ID"), applet_conn_get_option_string(conn, "left-id"));
	add_value(d, group, "remote-id", _("Remote ID"),
		  applet_conn_get_option_string(conn, "right-id"));
	add_value(d, group, "auth", _("Authentication"), auth);
	add_value(d, group, "local-subnets", _("Local networks"), left_subnets);
	add_value(d, group, "remote-subnets", _("Remote networks"), right_subnets);
	add_value(d, group, "ike-proposals", _("IKE proposals"),
		  applet_conn_get_option_string(conn, "ike"));
	add_value(d, group, "esp-proposals", _("ESP proposals"),
		  applet_conn_get_option_string(conn, "esp"));
	add_value(d, group, "routing", _("Kernel policy"), ikebus_conn_get_routing(proxy));
	add_value(d, group, "persistent", _("Stored"),
		  ikebus_conn_get_persistent(proxy) ? _("Yes, kept across restarts")
						    : _("No, until ikebusd stops"));
}

static void
build_ike_group(Details *d, const char *path)
{
	IkebusIkeSA *sa = (IkebusIkeSA *) applet_client_lookup(d->client, path, IFACE_IKE_SA);
	guint serial = serial_of(path);
	g_autofree char *title = g_strdup_printf(_("IKE SA #%u"), serial);
	g_autofree char *prefix = g_strdup_printf("ike.%u.", serial);
	g_autofree char *local = NULL, *remote = NULL, *algs = NULL, *nat = NULL;
	GtkWidget *group;
	const char *parts[5];

	if (sa == NULL) {
		add_group(d, title, _("ikebusd did not publish this SA."));
		return;
	}
	group = add_group(d, title, NULL);
	local = g_strdup_printf("%s:%u", ikebus_ike_sa_get_local_address(sa),
				ikebus_ike_sa_get_local_port(sa));
	remote = g_strdup_printf("%s:%u", ikebus_ike_sa_get_remote_address(sa),
				 ikebus_ike_sa_get_remote_port(sa));
	parts[0] = ikebus_ike_sa_get_encryption(sa);
	parts[1] = ikebus_ike_sa_get_integrity(sa);
	parts[2] = ikebus_ike_sa_get_prf(sa);
	parts[3] = ikebus_ike_sa_get_key_exchange(sa);
	parts[4] = NULL;
	for (guint i = 0; i < 4; i++)
		if (parts[i] == NULL)
			parts[i] = "";
	algs = join_algorithms(parts);
	if (ikebus_ike_sa_get_nat_local(sa) && ikebus_ike_sa_get_nat_remote(sa))
		nat = g_strdup(_("Both ends are behind NAT"));
	else if (ikebus_ike_sa_get_nat_local(sa))
		nat = g_strdup(_("This computer is behind NAT"));
	else if (ikebus_ike_sa_get_nat_remote(sa))
		nat = g_strdup(_("The peer is behind NAT"));
	else
		nat = g_strdup(_("None"));

	{
		g_autofree char *k_state = g_strconcat(prefix, "state", NULL);
		g_autofree char *k_remote = g_strconcat(prefix, "remote", NULL);
		g_autofree char *k_local = g_strconcat(prefix, "local", NULL);
		g_autofree char *k_lid = g_strconcat(prefix, "local-id", NULL);
		g_autofree char *k_rid = g_strconcat(prefix, "remote-id", NULL);
		g_autofree char *k_algs = g_strconcat(prefix, "algorithms", NULL);
		g_autofree char *k_since = g_strconcat(prefix, "established", NULL);
		g_autofree char *k_nat = g_strconcat(prefix, "nat", NULL);
		g_autofree char *k_msgs = g_strconcat(prefix, "messages", NULL);

		add_value(d, group, k_state, _("State"), ikebus_ike_sa_get_state(sa));
		add_value(d, group, k_remote, _("Peer address"), remote);
		add_value(d, group, k_local, _("Local address"), local);
		add_value(d, group, k_lid, _("Local ID"), ikebus_ike_sa_get_local_id(sa));
		add_value(d, group, k_rid, _("Remote ID"), ikebus_ike_sa_get_remote_id(sa));
		add_value(d, group, k_algs, _("Algorithms"), algs);
		add_since(d, group, k_since, _("Established since"),
			  ikebus_ike_sa_get_established_at(sa));
		add_value(d, group, k_nat, _("NAT"), nat);
		add_value(d, group, k_msgs, _("IKE messages in / out"), NULL);
	}
	g_ptr_array_add(d->sa_paths, g_strconcat("ike:", path, NULL));
}

static void
build_child_group(Details *d, const char *path)
{
	IkebusChildSA *sa =
		(IkebusChildSA *) applet_client_lookup(d->client, path, IFACE_CHILD_SA);
	guint serial = serial_of(path);
	g_autofree char *title = g_strdup_printf(_("Child SA #%u"), serial);
	g_autofree char *prefix = g_strdup_printf("child.%u.", serial);
	g_autofree char *mode = NULL, *algs = NULL, *spis = NULL, *lts = NULL, *rts = NULL;
	GtkWidget *group;
	const char *parts[4];

	if (sa == NULL) {
		add_group(d, title, _("ikebusd did not publish this SA."));
		return;
	}
	group = add_group(d, title, NULL);
	mode = g_strdup_printf("%s, %s", ikebus_child_sa_get_mode(sa),
			       ikebus_child_sa_get_protocol(sa));
	parts[0] = ikebus_child_sa_get_encryption(sa);
	parts[1] = ikebus_child_sa_get_integrity(sa);
	parts[2] = ikebus_child_sa_get_key_exchange(sa);
	parts[3] = NULL;
	for (guint i = 0; i < 3; i++)
		if (parts[i] == NULL)
			parts[i] = "";
	algs = join_algorithms(parts);
	/* TRANSLATORS: the inbound and outbound SPI of an IPsec SA */
	spis = g_strdup_printf(_("in 0x%08x · out 0x%08x"), ikebus_child_sa_get_inbound_spi(sa),
			       ikebus_child_sa_get_outbound_spi(sa));
	lts = join_strv(ikebus_child_sa_get_local_traffic_selectors(sa));
	rts = join_strv(ikebus_child_sa_get_remote_traffic_selectors(sa));
	{
		g_autofree char *k_state = g_strconcat(prefix, "state", NULL);
		g_autofree char *k_mode = g_strconcat(prefix, "mode", NULL);
		g_autofree char *k_algs = g_strconcat(prefix, "algorithms", NULL);
		g_autofree char *k_spis = g_strconcat(prefix, "spis", NULL);
		g_autofree char *k_lts = g_strconcat(prefix, "local-ts", NULL);
		g_autofree char *k_rts = g_strconcat(prefix, "remote-ts", NULL);
		g_autofree char *k_since = g_strconcat(prefix, "installed", NULL);
		g_autofree char *k_bytes = g_strconcat(prefix, "bytes", NULL);
		g_autofree char *k_packets = g_strconcat(prefix, "packets", NULL);

		add_value(d, group, k_state, _("State"), ikebus_child_sa_get_state(sa));
		add_value(d, group, k_mode, _("Mode"), mode);
		add_value(d, group, k_algs, _("Algorithms"), algs);
		add_value(d, group, k_spis, _("SPIs"), spis);
		add_value(d, group, k_lts, _("Local traffic selectors"), lts);
		add_value(d, group, k_rts, _("Remote traffic selectors"), rts);
		add_since(d, group, k_since, _("Installed since"),
			  ikebus_child_sa_get_installed_at(sa));
		add_value(d, group, k_bytes, _("Bytes in / out"), NULL);
		add_value(d, group, k_packets, _("Packets in / out"), NULL);
	}
	g_ptr_array_add(d->sa_paths, g_strconcat("child:", path, NULL));
}

/* ---- counters: read while visible --------------------------------------- */

typedef struct {
	Details *d;
	char *prefix;
	gboolean child;
} Read;

static void
read_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autofree Read *r = user_data;
	g_autofree char *prefix = r->prefix;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
								  &error);
	g_autoptr(GVariant) props = NULL;
	guint64 a = 0, b = 0;

	/* cancelled: the view was rebuilt or destroyed, r->d may be gone */
	if (reply == NULL || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	props = g_variant_get_child_value(reply, 0);
	if (r->child) {
		g_autofree char *bytes = NULL, *packets = NULL;
		g_autofree char *k_bytes = g_strconcat(prefix, "bytes", NULL);
		g_autofree char *k_packets = g_strconcat(prefix, "packets", NULL);
		g_autofree char *in = NULL, *out = NULL;

		g_variant_lookup(props, "BytesIn", "t", &a);
		g_variant_lookup(props, "BytesOut", "t", &b);
		in = g_format_size(a);
		out = g_format_size(b);
		/* TRANSLATORS: counters of an SA, "1.2 MB in · 300 kB out" */
		bytes = g_strdup_printf(_("%s in · %s out"), in, out);
		set_value(r->d, k_bytes, bytes);
		a = b = 0;
		g_variant_lookup(props, "PacketsIn", "t", &a);
		g_variant_lookup(props, "PacketsOut", "t", &b);
		g_free(in);
		g_free(out);
		in = g_strdup_printf("%" G_GUINT64_FORMAT, a);
		out = g_strdup_printf("%" G_GUINT64_FORMAT, b);
		packets = g_strdup_printf(_("%s in · %s out"), in, out);
		set_value(r->d, k_packets, packets);
	} else {
		g_autofree char *k_msgs = g_strconcat(prefix, "messages", NULL);
		g_autofree char *msgs = NULL, *in = NULL, *out = NULL;

		g_variant_lookup(props, "MessagesIn", "t", &a);
		g_variant_lookup(props, "MessagesOut", "t", &b);
		in = g_strdup_printf("%" G_GUINT64_FORMAT, a);
		out = g_strdup_printf("%" G_GUINT64_FORMAT, b);
		msgs = g_strdup_printf(_("%s in · %s out"), in, out);
		set_value(r->d, k_msgs, msgs);
	}
	if (r->d->notify != NULL)
		r->d->notify(r->d->notify_data);
}

static void
refresh_since(Details *d)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, d->since);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_autofree char *text = format_since(*(gint64 *) value);

		set_value(d, key, text);
	}
}

static gboolean
refresh(gpointer user_data)
{
	Details *d = user_data;
	GDBusConnection *bus = applet_client_get_bus(d->client);

	refresh_since(d);
	for (guint i = 0; bus != NULL && i < d->sa_paths->len; i++) {
		const char *entry = g_ptr_array_index(d->sa_paths, i);
		gboolean child = g_str_has_prefix(entry, "child:");
		const char *path = strchr(entry, ':') + 1;
		Read *r = g_new0(Read, 1);

		r->d = d;
		r->child = child;
		r->prefix = g_strdup_printf("%s.%u.", child ? "child" : "ike", serial_of(path));
		g_dbus_connection_call(bus, IKEBUS_BUS_NAME, path,
				       "org.freedesktop.DBus.Properties", "GetAll",
				       g_variant_new("(s)", child ? IFACE_CHILD_SA : IFACE_IKE_SA),
				       G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
				       d->reads, read_done, r);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- rebuild ------------------------------------------------------------ */

static void
rebuild(Details *d)
{
	IkebusConn *proxy;
	const char *const *ike_sas;
	const char *const *child_sas;

	g_cancellable_cancel(d->reads);
	g_clear_object(&d->reads);
	d->reads = g_cancellable_new();
	for (guint i = 0; i < d->groups->len; i++)
		adw_preferences_page_remove(ADW_PREFERENCES_PAGE(d->page),
					    g_ptr_array_index(d->groups, i));
	g_ptr_array_set_size(d->groups, 0);
	g_ptr_array_set_size(d->sa_paths, 0);
	g_hash_table_remove_all(d->values);
	g_hash_table_remove_all(d->since);
	if (d->conn == NULL)
		return;

	build_connection_group(d);
	proxy = applet_conn_get_proxy(d->conn);
	ike_sas = ikebus_conn_get_ike_sas(proxy);
	child_sas = ikebus_conn_get_child_sas(proxy);
	for (guint i = 0; ike_sas != NULL && ike_sas[i] != NULL; i++)
		build_ike_group(d, ike_sas[i]);
	for (guint i = 0; child_sas != NULL && child_sas[i] != NULL; i++)
		build_child_group(d, child_sas[i]);
	if ((ike_sas == NULL || ike_sas[0] == NULL) && (child_sas == NULL || child_sas[0] == NULL))
		add_group(d, _("Security associations"),
			  _("None: there is no IKE SA while the connection is off."));
	if (d->timer != 0)
		refresh(d);
	if (d->notify != NULL)
		d->notify(d->notify_data);
}

static gboolean
rebuild_idle(gpointer user_data)
{
	Details *d = user_data;

	d->rebuild_idle = 0;
	rebuild(d);
	return G_SOURCE_REMOVE;
}

static void
schedule_rebuild(gpointer user_data)
{
	Details *d = user_data;

	if (d->rebuild_idle == 0)
		d->rebuild_idle = g_idle_add(rebuild_idle, d);
}

static void
details_free(Details *d)
{
	g_cancellable_cancel(d->reads);
	g_clear_object(&d->reads);
	g_clear_handle_id(&d->timer, g_source_remove);
	g_clear_handle_id(&d->rebuild_idle, g_source_remove);
	if (d->conn != NULL)
		g_clear_signal_handler(&d->conn_handler, d->conn);
	g_clear_signal_handler(&d->client_handler, d->client);
	g_clear_object(&d->conn);
	g_object_unref(d->client);
	g_ptr_array_unref(d->groups);
	g_ptr_array_unref(d->sa_paths);
	g_hash_table_unref(d->values);
	g_hash_table_unref(d->since);
	g_free(d);
}

GtkWidget *
applet_details_new(AppletClient *client, AppletNotify notify, gpointer notify_data)
{
	Details *d = g_new0(Details, 1);

	d->notify = notify;
	d->notify_data = notify_data;
	d->client = g_object_ref(client);
	d->page = adw_preferences_page_new();
	d->groups = g_ptr_array_new();
	d->sa_paths = g_ptr_array_new_with_free_func(g_free);
	d->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	d->since = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->reads = g_cancellable_new();
	d->client_handler = g_signal_connect_swapped(client, "sa-changed",
						     G_CALLBACK(schedule_rebuild), d);
	g_object_set_data_full(G_OBJECT(d->page), "applet-details", d,
			       (GDestroyNotify) details_free);
	return d->page;
}

void
applet_details_set_conn(GtkWidget *details, AppletConn *conn)
{
	Details *d = details_get(details);

	if (d->conn != NULL)
		g_clear_signal_handler(&d->conn_handler, d->conn);
	g_set_object(&d->conn, conn);
	if (conn != NULL)
		d->conn_handler = g_signal_connect_swapped(conn, "changed",
							   G_CALLBACK(schedule_rebuild), d);
	rebuild(d);
}

AppletConn *
applet_details_get_conn(GtkWidget *details)
{
	return details_get(details)->conn;
}

void
applet_details_set_live(GtkWidget *details, gboolean live)
{
	Details *d = details_get(details);

	if (live && d->timer == 0) {
		d->timer = g_timeout_add_seconds(1, refresh, d);
		refresh(d);
	} else if (!live)
		g_clear_handle_id(&d->timer, g_source_remove);
}

static int
compare_keys(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

void
applet_details_dump(GtkWidget *details, GString *json)
{
	Details *d = details_get(details);
	g_autofree gpointer *keys = NULL;
	guint n = 0;

	g_string_append_c(json, '{');
	dump_member_string(json, "connection", d->conn != NULL ? applet_conn_get_name(d->conn) : NULL,
			   TRUE);
	dump_member_bool(json, "live", d->timer != 0, TRUE);
	dump_member_uint(json, "groups", d->groups->len, TRUE);
	dump_key(json, "values");
	g_string_append_c(json, '{');
	keys = g_hash_table_get_keys_as_array(d->values, &n);
	qsort(keys, n, sizeof(gpointer), compare_keys);
	for (guint i = 0; i < n; i++) {
		GtkWidget *label = g_hash_table_lookup(d->values, keys[i]);

		dump_member_string(json, keys[i], gtk_label_get_text(GTK_LABEL(label)), i + 1 < n);
	}
	g_string_append(json, "}}");
}
